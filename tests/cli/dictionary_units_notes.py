#!/usr/bin/env python3
"""dictionary_units_notes.py HFSIM CONFIG_DIR TMP - the dictionary's words.

For each model (configs/default.ini, configs/sick_sicker.ini):
  - every unit in summary_long.csv's `unit` column is one the data
    dictionary lists for that column (the currency code stands for money);
  - a rate has a rate's unit: injection_sessions_per_year is `per_year`
    (the parameter table's spelling for per-year quantities), not `count`;
  - the `subgroup` row of summary_subgroups.csv says something after "the
    dimension:" (a model without subgroup dimensions says so).
"""
import csv
import os
import re
import shutil
import subprocess
import sys

hfsim, configs, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)


def fail(msg):
    sys.exit("FAIL: " + msg)


def run(*args):
    p = subprocess.run([hfsim] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"hfsim {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def section(md, name):
    m = re.search(r"^## " + re.escape(name) + r".*?(?=^## |\Z)", md,
                  re.M | re.S)
    if not m:
        fail(f"the dictionary has no section {name}")
    return m.group(0)


def row(md_section, column):
    for line in md_section.splitlines():
        if line.startswith(f"| `{column}` |"):
            return line
    fail(f"no dictionary row for `{column}`")


for ini in ("default.ini", "sick_sicker.ini"):
    config = os.path.join(configs, ini)
    md = run("dictionary", "--config", config)
    out = os.path.join(tmp, ini)
    run("run", "--config", config, "--patients", "30", "--threads", "1",
        "-q", "--out", out)
    listed = set(re.findall(r"`([^`]+)`",
                            row(section(md, "summary_long.csv"), "unit")
                            .split("|")[2]))
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        currency = next(csv.DictReader(f))["currency"]
    units = {}
    with open(os.path.join(out, "summary_long.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["statistic"] != "n":
                units.setdefault(r["outcome"], set()).add(r["unit"])
            if r["unit"] != currency and r["unit"] not in listed:
                fail(f"{ini}: summary_long.csv unit {r['unit']!r} "
                     f"({r['outcome']}) is not in the dictionary's list "
                     f"{sorted(listed)}")
    if ini == "default.ini" and \
            units.get("injection_sessions_per_year") != {"per_year"}:
        fail("summary_long.csv: injection_sessions_per_year has unit "
             f"{units.get('injection_sessions_per_year')}, expected "
             "per_year (a rate)")
    sub = row(section(md, "summary_subgroups.csv"), "subgroup")
    meaning = sub.split("|")[2].strip()
    if re.fullmatch(r"the dimension:\s*", meaning):
        fail(f"{ini}: the subgroup row says nothing: {sub!r}")
    print(f"{ini}: units {sorted(listed)} cover summary_long.csv; "
          f"subgroup: {meaning}")
