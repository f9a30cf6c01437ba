#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every function that another file calls (declared in include/shadowmm/)
must carry a kernel-doc comment at its definition in module/ or bench/ with a
Context: line, and a Return: line unless it returns void.  Prints one line
per finding; prints nothing when all is well."""

import glob
import os
import re

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
proto = re.compile(r'^(?!static|#|\s|typedef|struct \w+ \{|extern)([\w\s\*]+?)\b(\w+)\(([^;{]*)\);', re.M)

declared = {}
for h in glob.glob(os.path.join(root, 'include/shadowmm/*.h')):
    text = open(h).read()
    for m in proto.finditer(text):
        declared[m.group(2)] = m.group(1).strip()

found = set()
for c in sorted(glob.glob(os.path.join(root, 'module/*.c')) +
                glob.glob(os.path.join(root, 'bench/*.c'))):
    text = open(c).read()
    for name, ret in declared.items():
        m = re.search(r'(/\*\*(?:(?!\*/).)*?\*/)\n(?:[\w\s\*]+?)\b' + name + r'\(', text, re.S)
        d = re.search(r'^[\w][\w\s\*]*?\b' + name + r'\([^;]*?\)\s*\n\{', text, re.M)
        if not d:
            continue
        found.add(name)
        rel = os.path.relpath(c, root)
        doc = m.group(1) if m and m.end() >= d.start() and m.start() < d.start() else None
        if doc is None or not text[:d.start()].rstrip().endswith('*/'):
            print(f'{rel}: {name}() is called from other files but has no kernel-doc comment')
            continue
        if 'Context:' not in doc:
            print(f'{rel}: {name}(): kernel-doc lacks Context:')
        if ret != 'void' and 'Return:' not in doc:
            print(f'{rel}: {name}(): kernel-doc lacks Return:')
