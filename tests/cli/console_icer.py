#!/usr/bin/env python3
"""console_icer.py HFSIM CONFIG TMP - `hfsim run` prints the decision.

After the table of means, the console shows the incremental analysis of
cea.csv: each strategy by cost with its status, comparator, increments
(rounded) and ICER, then the optimal strategy at every WTP. Checked
against cea.csv of the same run, row by row; --quiet prints nothing.
"""
import csv
import os
import shutil
import subprocess
import sys

hfsim, config, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)


def fail(msg):
    sys.exit("FAIL: " + msg)


def run(*extra):
    p = subprocess.run([hfsim, "run", "--config", config, "--patients", "2000",
                        "--threads", "1"] + list(extra), capture_output=True,
                       text=True)
    if p.returncode != 0:
        fail(f"exit {p.returncode}\n{p.stderr}")
    return p.stdout


out = run("--out", os.path.join(tmp, "run"))
with open(os.path.join(tmp, "run", "cea.csv"), newline="") as f:
    cea = list(csv.DictReader(f))
wtps = []
for r in cea:
    if r["wtp"] not in wtps:
        wtps.append(r["wtp"])
first = [r for r in cea if r["wtp"] == wtps[0]]

lines = out.splitlines()
try:
    head = next(i for i, l in enumerate(lines)
                if l.split()[:3] == ["strategy", "status", "vs"])
except StopIteration:
    fail("no ICER table in:\n" + out)
table = lines[head + 1:head + 1 + len(first)]
status_name = {"frontier": "frontier", "dominated": "dominated",
               "extendedly_dominated": "ext. dominated"}
for row, line in zip(first, table):
    want = [row["strategy"]] + status_name[row["status"]].split()
    if line.split()[:len(want)] != want:
        fail(f"line {line!r}: expected {want}")
    rest = line.split()[len(want):]
    if row["comparator"] == "":
        if rest:
            fail(f"{row['strategy']} has no comparator, printed {rest}")
        continue
    if rest[0] != row["comparator"]:
        fail(f"{row['strategy']}: comparator {rest[0]}, cea.csv "
             f"{row['comparator']}")
    nums = [float(x) for x in rest[1:]]
    expect = [float(row["incremental_cost"]),
              float(row["incremental_cost_se"]),
              float(row["incremental_qaly"]),
              float(row["incremental_qaly_se"])]
    tol = [0.5, 0.5, 5e-5, 5e-5]
    for got, exp, t, what in zip(nums, expect, tol,
                                 ["inc. cost", "se", "inc. QALY", "se"]):
        if abs(got - exp) > t:
            fail(f"{row['strategy']}: {what} {got}, cea.csv {exp}")
    if row["icer"]:
        if len(nums) != 5 or abs(nums[4] - float(row["icer"])) > 0.5:
            fail(f"{row['strategy']}: ICER {nums[4:]}, cea.csv {row['icer']}")
    elif len(nums) != 4:
        fail(f"{row['strategy']}: an ICER printed where cea.csv has none")

for w in wtps:
    best = [r["strategy"] for r in cea if r["wtp"] == w and
            r["optimal"] == "yes"]
    want = f"optimal at {float(w):.0f} USD/QALY: {best[0]} "
    if not any(l.startswith(want) for l in lines):
        fail(f"no line starting {want!r} in:\n{out}")

if run("--quiet", "--out", os.path.join(tmp, "quiet")) != "":
    fail("--quiet printed on standard output")
print(f"ICER table: {len(first)} strategies and {len(wtps)} WTPs as in "
      "cea.csv; --quiet silent")
