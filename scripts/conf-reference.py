#!/usr/bin/env python3
"""conf-reference.py - print the README's config reference from
src/lib/conf-keys.c (the one table of keys and defaults)."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def keys():
    src = open(os.path.join(ROOT, "src/lib/conf-keys.c")).read()
    for name, typ, default, help in re.findall(
            r'K\("([^"]+)",\s*CONF_(\w+),\s*[\w.]+,\s*((?:"[^"]*"\s*)+),\s*"([^"]*)"\)', src):
        yield name, typ.lower(), "".join(re.findall(r'"([^"]*)"', default)), help


def main():
    section = None
    for name, typ, default, help in keys():
        sec, _, key = name.rpartition(".")
        if sec != section:
            section = sec
            print("\n**%s**\n\n| key | type | default | meaning |\n|---|---|---|---|"
                  % ("[%s]" % sec if sec else "top level"))
        print("| `%s` | %s | `%s` | %s |" % (key, typ, default, help))


if __name__ == "__main__":
    main()
