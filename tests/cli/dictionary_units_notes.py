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

# ---- one row, one column: each column's note says what it is --------------
# (a row naming several columns gave them all one meaning, e.g. the note on
# psa_summary's cost_se said "discounted cost per patient", as on cost_mean)
for ini in ("default.ini", "sick_sicker.ini"):
    md = run("dictionary", "--config", os.path.join(configs, ini))
    for line in md.splitlines():
        if line.startswith("| `"):
            names = re.findall(r"`[^`]+`", line.split("|")[1])
            if len(names) > 1:
                fail(f"{ini}: a dictionary row names {len(names)} columns "
                     f"(each column needs its own meaning): {line!r}")

import openpyxl  # noqa: E402 (Debian python3-openpyxl)

config = os.path.join(configs, "default.ini")
run("run", "--config", config, "--patients", "200", "--threads", "1",
    "--xlsx", "-q", "--out", os.path.join(tmp, "xlsx_run"))
run("psa", "--config", config, "--iterations", "12", "--patients", "50",
    "--threads", "1", "--xlsx", "-q", "--out", os.path.join(tmp, "xlsx_psa"))
for folder in ("xlsx_run", "xlsx_psa"):
    book = openpyxl.load_workbook(os.path.join(tmp, folder, "results.xlsx"))
    for ws in book.worksheets:
        seen = {}
        for cell in ws[1]:
            if cell.comment is None:
                fail(f"{folder} {ws.title}: header {cell.value} has no note")
            text = cell.comment.text
            if text in seen:
                fail(f"{folder} {ws.title}: {cell.value} and {seen[text]} "
                     f"have the same note {text!r}")
            seen[text] = cell.value
book = openpyxl.load_workbook(os.path.join(tmp, "xlsx_psa", "results.xlsx"))
ws = book["psa_summary"]
notes = {c.value: c.comment.text for c in ws[1]}
for col in ("cost_se", "qaly_se", "incremental_cost_se",
            "nmb_se_at_wtp_100000", "incremental_nmb_se_at_wtp_100000"):
    if "standard error" not in notes[col]:
        fail(f"psa_summary {col}: note {notes[col]!r} does not say it is a "
             "standard error")
for col, word in (("cost_p2_5", "2.5%"), ("cost_p97_5", "97.5%"),
                  ("cost_mean", "mean")):
    if word not in notes[col]:
        fail(f"psa_summary {col}: note {notes[col]!r} lacks {word!r}")
print("results.xlsx: every header note is its column's own; psa_summary "
      f"cost_se: {notes['cost_se']!r}")
