#!/usr/bin/env python3
# Copies the GIR for gi-docgen, filling in two things that the doc comments say
# but that g-ir-scanner 1.74 does not write and gi-docgen 2023.1 then shows as
# holes (the same holes show in GLib's own reference):
# - the C type of an array's element type: `(element-type DzVariable)` comes
#   out as <type name="Variable"/> without c:type, and gi-docgen prints
#   "An array of None" when such an element is the first mention of its type;
# - the doc of a class structure's virtual-function field: g-ir-scanner puts
#   the `DzFunctionClass::forward:` block on the <virtual-method> only, so the
#   "Class members" list says "No description available".
# Usage: gir-for-docs.py IN.gir OUT.gir
import sys
import xml.etree.ElementTree as ET

CORE = 'http://www.gtk.org/introspection/core/1.0'
C = 'http://www.gtk.org/introspection/c/1.0'
GLIB = 'http://www.gtk.org/introspection/glib/1.0'
for prefix, uri in (('', CORE), ('c', C), ('glib', GLIB)):
    ET.register_namespace(prefix, uri)


def core(tag):
    return f'{{{CORE}}}{tag}'


tree = ET.parse(sys.argv[1])
namespace = tree.getroot().find(core('namespace'))

ctypes = {}
for tag in ('class', 'record', 'interface', 'enumeration', 'bitfield'):
    for node in namespace.iter(core(tag)):
        if node.get(f'{{{C}}}type'):
            ctypes[node.get('name')] = node.get(f'{{{C}}}type')

for array in namespace.iter(core('array')):
    for element in array.findall(core('type')):
        name = element.get('name')
        if element.get(f'{{{C}}}type') is None and name in ctypes:
            element.set(f'{{{C}}}type', ctypes[name] + '*')

classes = {node.get('name'): node for node in namespace.iter(core('class'))}
for record in namespace.iter(core('record')):
    owner = classes.get(record.get(f'{{{GLIB}}}is-gtype-struct-for'))
    if owner is None:
        continue
    vfunc_docs = {vfunc.get('name'): vfunc.find(core('doc'))
                  for vfunc in owner.iter(core('virtual-method'))}
    for field in record.findall(core('field')):
        doc = vfunc_docs.get(field.get('name'))
        if field.find(core('doc')) is None and doc is not None:
            field.insert(0, doc)

tree.write(sys.argv[2], encoding='UTF-8', xml_declaration=True)
