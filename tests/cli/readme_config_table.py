#!/usr/bin/env python3
"""readme_config_table.py README CONFIGS_README - the two tables agree.

README.md's "Configuration" table (one row per section) names every
section and key of configs/README.md's scenario-file table (one row per
key), but the per-name sections ([strategy NAME], [scenario NAME]) whose
keys the README describes elsewhere ("Strategies", `--set`).
"""
import re
import sys

readme, configs_readme = sys.argv[1:3]


def fail(msg):
    sys.exit("FAIL: " + msg)


def table_rows(text, heading):
    m = re.search(r"^## " + re.escape(heading) + r"\n(.*?)(?=^## |\Z)", text,
                  re.M | re.S)
    if not m:
        fail(f"no section '## {heading}'")
    return [line for line in m.group(1).splitlines()
            if line.startswith("|") and not line.startswith("|---")]


# configs/README.md: | section | key | meaning | default |, section blank
# on a key's continuation row
want = {}
section = None
for line in table_rows(open(configs_readme).read(), "Scenario files")[1:]:
    cells = [c.strip() for c in line.strip("|").split("|")]
    if cells[0]:
        section = cells[0].strip("`")
    if section is None or "NAME" in section:
        continue
    want.setdefault(section, set()).update(re.findall(r"`([^`]+)`",
                                                      cells[1]))

have = {}
for line in table_rows(open(readme).read(), "Configuration")[1:]:
    cells = [c.strip() for c in line.strip("|").split("|")]
    have[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[1]))

problems = []
for section, keys in sorted(want.items()):
    if section not in have:
        problems.append(f"section {section} is missing")
        continue
    missing = sorted(keys - have[section])
    if missing:
        problems.append(f"{section}: keys {', '.join(missing)} are missing")
if problems:
    fail("README.md's Configuration table lacks what configs/README.md "
         "documents:\n  " + "\n  ".join(problems))
print(f"README.md Configuration: {len(want)} sections, "
      f"{sum(map(len, want.values()))} keys, as in configs/README.md")
