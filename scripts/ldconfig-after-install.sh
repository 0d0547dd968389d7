#!/bin/sh
# meson install script: refreshes the dynamic linker's cache so that a library
# installed into /usr or /usr/local is found without LD_LIBRARY_PATH (Debian's
# /etc/ld.so.conf.d lists /usr/local/lib/x86_64-linux-gnu). Skipped when staging
# into DESTDIR (packages run ldconfig from their triggers), when not root
# (ldconfig cannot write its cache) and for other prefixes, which the linker
# does not search anyway: they need LD_LIBRARY_PATH (README, "Installing").
[ -z "${DESTDIR:-}" ] || exit 0
[ "$(id -u)" -eq 0 ] || exit 0
case "${MESON_INSTALL_PREFIX:-}" in
  /usr|/usr/local) ;;
  *) exit 0 ;;
esac
command -v ldconfig >/dev/null 2>&1 || exit 0
exec ldconfig
