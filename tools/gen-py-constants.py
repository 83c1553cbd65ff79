#!/usr/bin/env python3
"""gen-py-constants.py CONSENT_H [CPP]: writes the Python binding's
consent/_constants.py, every numeric constant of include/consent.h (the
enums' members and the #defines) by name, so that the binding never
copies a number.  The header goes through the C preprocessor (the status
enum is an X-macro).  tests/abi/test-man.sh checks that the committed file
is in step; `make update-bindings` rewrites it."""
import re
import subprocess
import sys


def main():
    path = sys.argv[1]
    cpp = sys.argv[2] if len(sys.argv) > 2 else "cpp"
    src = "\n".join(line for line in open(path, encoding="utf-8").read()
                    .splitlines() if not line.startswith("#include"))
    pp = subprocess.run([cpp, "-P", "-"], input=src, capture_output=True,
                        text=True, check=True).stdout
    macros = subprocess.run([cpp, "-dM", "-"], input=src,
                            capture_output=True, text=True,
                            check=True).stdout
    consts = {}
    for body in re.findall(r"enum\s+\w*\s*\{(.*?)\}", pp, re.S):
        for name, val in re.findall(r"\b(CONSENT_[A-Z0-9_]+)\s*=\s*(\d+)",
                                    body):
            consts[name] = int(val)
    defs = dict(re.findall(r"^#define (CONSENT_[A-Z0-9_]+) (.+)$", macros,
                           re.M))
    for _ in range(4):                  # macros made of other macros
        for name, expr in defs.items():
            if name in consts:
                continue
            e = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)[uUlL]+\b", r"\1", expr)
            e = re.sub(r"\b(CONSENT_[A-Z0-9_]+)\b",
                       lambda m: str(consts.get(m.group(1), m.group(1))), e)
            if re.fullmatch(r"[0-9a-fx()|&<>+* \t-]+", e):
                consts[name] = int(eval(e, {"__builtins__": {}}))
    print('"""The numeric constants of include/consent.h by name, generated '
          'by\ntools/gen-py-constants.py: do not edit."""')
    for name in sorted(n for n in consts if not n.startswith("CONSENT__")):
        print("%s = %d" % (name, consts[name]))


if __name__ == "__main__":
    main()
