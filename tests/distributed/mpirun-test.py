#!/usr/bin/env python3
"""Runs a test program under mpirun for meson test.

    mpirun-test.py --mpi yes|no -n N [--expect-failure SECONDS] -- PROGRAM ARGS...

Exits 77 (meson's "skipped") when the library was built without MPI or
mpirun is missing. With --expect-failure, the job must end with a non-zero
status within SECONDS (a rank that dies must not leave the others hanging);
otherwise it must succeed. A job still running after --timeout seconds is
killed and fails the test, before meson's own timeout.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--mpi', choices=['yes', 'no'], required=True)
    parser.add_argument('-n', type=int, required=True)
    parser.add_argument('--expect-failure', type=float, metavar='SECONDS')
    parser.add_argument('--timeout', type=float, default=240)
    parser.add_argument('command', nargs='+')
    args = parser.parse_args()

    if args.mpi == 'no':
        print('SKIP: dezero-glib was built without MPI (-Dmpi=disabled, or Open MPI\'s '
              'libopenmpi-dev was not found)')
        return 77
    mpirun = shutil.which('mpirun')
    if mpirun is None:
        print('SKIP: mpirun not found (Debian: openmpi-bin)')
        return 77

    command = [mpirun, '-n', str(args.n), '--oversubscribe']
    if os.geteuid() == 0:
        command.append('--allow-run-as-root')
    command += args.command
    env = dict(os.environ)
    # One BLAS thread per rank: the ranks already fill the cores.
    env.setdefault('OPENBLAS_NUM_THREADS', '1')
    print(' '.join(command), flush=True)
    start = time.monotonic()
    # In a session of its own, so that the whole job can be killed at once;
    # then meson's own timeout (SIGTERM) must kill it too, or ranks spinning
    # in MPI would outlive the test.
    process = subprocess.Popen(command, env=env, start_new_session=True)

    def kill_job(signum, frame):
        os.killpg(process.pid, signal.SIGKILL)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, kill_job)
    signal.signal(signal.SIGINT, kill_job)
    try:
        status = process.wait(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        print(f'FAIL: the job was still running after {args.timeout:.0f} s')
        return 1
    elapsed = time.monotonic() - start
    print(f'mpirun exited with status {status} after {elapsed:.1f} s')
    if args.expect_failure is not None:
        if status == 0:
            print('FAIL: the job succeeded, but one rank exited with an error')
            return 1
        if elapsed > args.expect_failure:
            print(f'FAIL: the job took {elapsed:.1f} s to end, more than {args.expect_failure:.0f} s')
            return 1
        return 0
    return 0 if status == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
