#!/usr/bin/python3
"""jobs/README.md's key table must agree with `platbench help config` (the options table in
src/runner/campaign.c): the same keys, each with the same type (a choice with the same
choices) and, where the program has a non-empty default, the same default.

usage: check_readme_config.py PLATBENCH README
Prints every disagreement as README:LINE: ... and exits 1 if there is any.
"""
import re
import subprocess
import sys


def help_rows(platbench):
    """key -> (type, default, choices or None) from `platbench help config`."""
    out = subprocess.run([platbench, "help", "config"], check=True, capture_output=True,
                         text=True).stdout
    rows, in_table = {}, False
    for line in out.splitlines():  # the table: from its header line to the next empty line
        if not in_table:
            in_table = line.split()[:3] == ["key", "type", "default"]
            continue
        if not line.strip():
            break
        m = re.match(r"^([a-z_]+(?:\.[a-z_]+)?)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if not m:
            continue
        key, typ, default, rest = m.groups()
        choices = re.search(r"; one of (\S+) \[", rest)
        rows[key] = (typ, default, choices.group(1).split(",") if choices else None)
    return rows


def readme_rows(path):
    """key -> (line, type, default) from the table under '## Keys'."""
    rows, in_keys = {}, False
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("## "):
                in_keys = line.strip() == "## Keys"
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not in_keys or not line.startswith("|") or len(cells) < 4 or cells[0] in ("key", "---"):
                continue
            rows[cells[0]] = (n, cells[1], cells[2])
    return rows


TYPE_WORDS = {"int": "int", "number": "number", "bool": "bool", "string": "string",
              "path": "path", "executable": "executable", "[strings]": "list of strings"}


def main():
    platbench, readme = sys.argv[1], sys.argv[2]
    want, have = help_rows(platbench), readme_rows(readme)
    bad = []
    if len(want) < 10:
        bad.append(f"{platbench} help config: only {len(want)} keys parsed; has its format changed?")
    for key, (typ, default, choices) in want.items():
        if key not in have:
            bad.append(f"{readme}: key {key} (from `platbench help config`) has no row in the table")
            continue
        line, rtype, rdefault = have[key]
        where = f"{readme}:{line}: {key}"
        if choices is not None:
            rchoices = [c.strip() for c in rtype.split("/")]
            if sorted(rchoices) != sorted(choices):
                bad.append(f"{where}: type lists {' / '.join(rchoices)}; the program accepts "
                           f"{' / '.join(choices)}")
        elif not rtype.startswith(TYPE_WORDS.get(typ, typ)):
            bad.append(f"{where}: type \"{rtype}\"; the program says {typ}")
        if default != '""' and rdefault.strip('"`') != default:
            bad.append(f"{where}: default \"{rdefault}\"; the program's default is {default}")
    for key, (line, _, _) in have.items():
        if key not in want:
            bad.append(f"{readme}:{line}: key {key} is not in `platbench help config`")
    for b in bad:
        print(b)
    print(f"check_readme_config: {len(want)} keys, {len(bad)} disagreement(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
