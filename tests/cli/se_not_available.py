#!/usr/bin/env python3
"""se_not_available.py HFSIM CONFIG TMP - no standard error from one value.

A standard error (and the sd, confidence interval or z-score built on it)
computed from fewer than 2 observations is not available: an empty cell in
every file that has it, "n/a" on the terminal, never 0 (which reads as an
exact mean) and never "nan". Runs, each small:
  run --patients 1 --xlsx          summary.csv, summary_long.csv, cea.csv,
                                   results.xlsx, the console tables
  run --patients 2000              summary_subgroups.csv: a level with one
                                   patient (decision_age 80+) has empty _se,
                                   the others have numbers
  run --patients 1 --target-se 1 --max-patients 1
                                   convergence.csv, the round's message
  verify --patients 1              verification.csv, the printed z
  psa --iterations 1               psa_summary.csv, ceac.csv
"""
import csv
import os
import re
import shutil
import subprocess
import sys

import openpyxl

hfsim, config, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)


def fail(msg):
    sys.exit("FAIL: " + msg)


def run(*args, codes=(0,)):
    p = subprocess.run([hfsim] + list(args), capture_output=True, text=True)
    if p.returncode not in codes:
        fail(f"hfsim {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    for line in (p.stdout + p.stderr).splitlines():
        if re.search(r"\bnan\b", line, re.IGNORECASE):
            fail(f"hfsim {' '.join(args)} printed 'nan': {line!r}")
    return p


def rows(folder, name):
    with open(os.path.join(folder, name), newline="") as f:
        return list(csv.DictReader(f))


def expect_empty(where, row, cols):
    for c in cols:
        if row[c] != "":
            fail(f"{where}: {c} = {row[c]!r}, expected an empty cell "
                 "(not available from fewer than 2 observations)")


def expect_number(where, row, cols):
    for c in cols:
        try:
            float(row[c])
        except ValueError:
            fail(f"{where}: {c} = {row[c]!r}, expected a number")


# ---- one patient ---------------------------------------------------------
one = os.path.join(tmp, "one")
p = run("run", "--config", config, "--patients", "1", "--threads", "1",
        "--xlsx", "--out", one)
summary = rows(one, "summary.csv")
interval = ("cost_se", "cost_sd", "cost_ci_low", "cost_ci_high", "qaly_se",
            "qaly_sd", "qaly_ci_low", "qaly_ci_high")
for r in summary:
    expect_empty(f"summary.csv {r['strategy']}", r, interval)
    expect_empty(f"summary.csv {r['strategy']}", r,
                 [c for c in r if c.endswith("_se")])
    expect_number(f"summary.csv {r['strategy']}", r, ("cost_mean",
                                                       "qaly_mean"))
for r in rows(one, "summary_long.csv"):
    if r["statistic"] in ("se", "sd", "ci_low", "ci_high") and r["value"]:
        fail(f"summary_long.csv {r['strategy']} {r['outcome']} "
             f"{r['statistic']} = {r['value']!r}, expected empty")
for r in rows(one, "cea.csv"):
    expect_empty(f"cea.csv {r['wtp']} {r['strategy']}", r,
                 ("cost_se", "qaly_se", "nmb_se", "nhb_se",
                  "incremental_cost_se", "incremental_qaly_se",
                  "incremental_nmb_se"))
book = openpyxl.load_workbook(os.path.join(one, "results.xlsx"))
ws = book["summary"]
header = [c.value for c in ws[1]]
for col in ("cost_se", "cost_ci_low", "qaly_se"):
    v = ws.cell(row=2, column=header.index(col) + 1).value
    if v is not None:
        fail(f"results.xlsx summary {col} = {v!r}, expected an empty cell")
if "n/a" not in p.stdout:
    fail("run --patients 1: the console tables show no 'n/a' standard "
         "error:\n" + p.stdout)
print("run --patients 1: standard errors and intervals empty, 'n/a' shown")

# ---- a subgroup level of one patient -------------------------------------
sub = os.path.join(tmp, "sub")
run("run", "--config", config, "--patients", "2000", "--threads", "1", "-q",
    "--out", sub)
singles = others = 0
for r in rows(sub, "summary_subgroups.csv"):
    where = f"summary_subgroups.csv {r['subgroup']} {r['level']} " \
            f"{r['strategy']}"
    ses = [c for c in r if c.endswith("_se")]
    if int(r["patients"]) < 2:
        singles += 1
        expect_empty(where, r, ses)
    else:
        others += 1
        expect_number(where, r, ("cost_se", "qaly_se"))
if singles == 0 or others == 0:
    fail(f"summary_subgroups.csv: {singles} rows of one patient and "
         f"{others} of more; the test needs both (change --patients)")
print(f"summary_subgroups.csv: {singles} one-patient rows with empty _se")

# ---- the 95% interval: mean +- 1.959964 se, as the dictionary says ------
# (the dictionary said 1.96 while the files used the exact quantile)
z95 = 1.959963984540054
for r in rows(sub, "summary.csv"):
    for o in ("cost", "qaly"):
        mean, se = float(r[o + "_mean"]), float(r[o + "_se"])
        for col, want in ((o + "_ci_low", mean - z95 * se),
                          (o + "_ci_high", mean + z95 * se)):
            if abs(float(r[col]) - want) > 1e-12 * max(1.0, abs(want)):
                fail(f"summary.csv {r['strategy']} {col} = {r[col]}, "
                     f"mean -+ 1.959964 se = {want!r}")
dic = subprocess.run([hfsim, "dictionary", "--config", config],
                     capture_output=True, text=True).stdout
if "mean - 1.959964 se" not in dic or "1.96 se" in dic:
    fail("the dictionary does not give the interval as mean +- 1.959964 se")
print("summary.csv: 95% intervals are mean +- 1.959964 se, as documented")

# ---- the precision rule --------------------------------------------------
tse = os.path.join(tmp, "target_se")
p = run("run", "--config", config, "--patients", "1", "--threads", "1",
        "--target-se", "1", "--max-patients", "1", "--out", tse)
conv = rows(tse, "convergence.csv")
if len(conv) != 1 or conv[0]["incremental_nmb_se"] != "":
    fail(f"convergence.csv: {conv}, expected one round with an empty se")
if "stopped at --max-patients 1" not in p.stderr or \
        "not available" not in p.stderr:
    fail("--target-se with one patient: expected the warning that the "
         "target was not met, se not available:\n" + p.stderr)
print("--target-se: an unavailable se does not meet the target")

# ---- verify --------------------------------------------------------------
ver = os.path.join(tmp, "verify")
p = run("verify", "--config", config, "--patients", "1", "--out", ver,
        codes=(5,))  # 5: a check failed (those without a z)
checks = rows(ver, "verification.csv")
life = [r for r in checks if r["check"] == "life_expectancy_female_50"]
if not life:
    fail("verification.csv: no life_expectancy_female_50 check")
expect_empty("verification.csv life_expectancy_female_50", life[0],
             ("mcse", "z"))
if life[0]["pass"] != "no":
    fail("verification.csv: a check without a z passed")
for r in checks:
    if r["z"] == "" and r["pass"] == "yes":
        fail(f"verification.csv {r['check']}: passed without a z")
line = [x for x in p.stdout.splitlines() if "life_expectancy_female_50" in x]
if not line or "z n/a" not in line[0] or "+0.00" in line[0]:
    fail(f"verify --patients 1 printed {line!r}, expected 'z n/a'")
print("verify --patients 1: mcse and z empty, 'z n/a' printed")

# ---- PSA of one iteration --------------------------------------------------
psa = os.path.join(tmp, "psa")
run("psa", "--config", config, "--iterations", "1", "--patients", "20",
    "--threads", "1", "--set", "psa.evppi=", "-q", "--out", psa)
for r in rows(psa, "psa_summary.csv"):
    expect_empty(f"psa_summary.csv {r['strategy']}", r,
                 [c for c in r if "_se" in c])
    expect_number(f"psa_summary.csv {r['strategy']}", r,
                  ("cost_mean", "qaly_mean"))
for r in rows(psa, "ceac.csv"):
    expect_empty(f"ceac.csv {r['wtp']} {r['strategy']}", r,
                 ("probability_se",))
print("psa --iterations 1: _se columns and probability_se empty")
