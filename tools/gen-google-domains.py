#!/usr/bin/env python3
"""Writes the Google country-domain host lines of the built-in providers.

    tools/gen-google-domains.py [--check] [providers.conf]

Reads libconsent/data/google-domains.txt (Google's published list of its
search domains) and, in libconsent/providers.conf, replaces each block

    # BEGIN google-domains PATH
    ...
    # END google-domains

with "hosts +=" lines naming every domain followed by PATH ("/maps", or
nothing for the whole domain).  --check only says whether the file is
up to date (exit 1 when not), for the test suite.
"""
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(TOP, "libconsent", "data", "google-domains.txt")


def domains():
    with open(DATA, encoding="utf-8") as f:
        return [l.strip() for l in f
                if l.strip() and not l.startswith("#")]


def block(path, names):
    lines, cur = [], "hosts +="
    for d in names:
        word = " " + d + path
        if len(cur) + len(word) > 76:
            lines.append(cur)
            cur = "hosts +="
        cur += word
    lines.append(cur)
    return lines


def generate(text, names):
    out, skipping = [], False
    for line in text.split("\n"):
        m = re.match(r"# BEGIN google-domains ?(\S*)$", line)
        if m:
            out.append(line)
            out.extend(block(m.group(1), names))
            skipping = True
            continue
        if line.startswith("# END google-domains"):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out)


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    conf = args[0] if args else os.path.join(TOP, "libconsent",
                                             "providers.conf")
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    new = generate(text, domains())
    if check:
        if new != text:
            print("%s: the Google domain lines are not those of %s; run "
                  "tools/gen-google-domains.py" % (conf, DATA))
            return 1
        return 0
    if new != text:
        with open(conf + ".tmp", "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(conf + ".tmp", conf)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
