#!/usr/bin/env python3
"""psa_overrides.py HFSIM CONFIG TMP - what --set means under `hfsim psa`.

A parameter set with --set NAME=V is fixed at V in every draw, and every
other parameter gets exactly the draws of the PSA without the override
(README, "Probabilistic sensitivity analysis"). Checked here:
  - psa_parameters.csv loses the column of the fixed parameter and keeps
    every other column value for value;
  - the console and manifest.txt name the fixed parameter;
  - strategies that never operate (no_treatment, medication, botox) keep
    their costs and QALYs to the last digit; mvd's cost moves in every
    iteration in the direction of (draw - V): it falls where the
    unfixed PSA drew cost_mvd above V and rises where it drew below;
  - the EVPPI of the group {cost_mvd} is 0 at every WTP;
  - setting every member of a Dirichlet group fixes the whole group;
  - `--scenario NAME` with a section that sets cost_mvd gives the very
    files of --set cost_mvd=15000 (the same rule for scenario sections).
"""
import csv
import re
import os
import shutil
import subprocess
import sys

hfsim, config, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
V = 15000.0
common = ["psa", "--config", config, "--iterations", "24", "--patients",
          "200", "--threads", "1"]


def run(out, *extra):
    p = subprocess.run([hfsim] + common + ["--out", os.path.join(tmp, out)]
                       + list(extra), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"hfsim exited {p.returncode}:\n{p.stderr}")
    return p.stderr


def rows(out, name):
    with open(os.path.join(tmp, out, name), newline="") as f:
        return list(csv.DictReader(f))


def fail(msg):
    sys.exit("FAIL: " + msg)


run("plain")
err = run("fixed", "--set", f"cost_mvd={V:g}")
if "fixed in every draw (override): cost_mvd = 15000" not in err:
    fail("the console does not say cost_mvd is fixed:\n" + err)
with open(os.path.join(tmp, "fixed", "manifest.txt")) as f:
    if "psa_fixed_by_override: cost_mvd = 15000" not in f.read():
        fail("manifest.txt does not record the fixed parameter")

plain_par, fixed_par = rows("plain", "psa_parameters.csv"), \
    rows("fixed", "psa_parameters.csv")
if "cost_mvd" not in plain_par[0] or "cost_mvd" in fixed_par[0]:
    fail("cost_mvd should be sampled without --set and absent with it")
if set(plain_par[0]) - {"cost_mvd"} != set(fixed_par[0]):
    fail("other columns of psa_parameters.csv changed")
for a, b in zip(plain_par, fixed_par):
    for k in b:
        if a[k] != b[k]:
            fail(f"iteration {a['iteration']}: {k} drawn {a[k]} without "
                 f"--set, {b[k]} with it")

plain, fixed = rows("plain", "psa.csv"), rows("fixed", "psa.csv")
if len(plain) != len(fixed) or not plain:
    fail("psa.csv has a different number of rows")
draw = {r["iteration"]: float(r["cost_mvd"]) for r in plain_par}
moved = 0
for a, b in zip(plain, fixed):
    if (a["iteration"], a["strategy"]) != (b["iteration"], b["strategy"]):
        fail("psa.csv rows are in another order")
    if a["strategy"] in ("no_treatment", "medication", "botox"):
        if (a["cost"], a["qaly"]) != (b["cost"], b["qaly"]):
            fail(f"{a['strategy']} changed in iteration {a['iteration']}")
    elif a["strategy"] == "mvd":
        d_cost = float(a["cost"]) - float(b["cost"])
        d_draw = draw[a["iteration"]] - V
        if d_cost * d_draw <= 0:
            fail(f"iteration {a['iteration']}: cost_mvd drawn "
                 f"{draw[a['iteration']]:.0f}, mvd cost {a['cost']} -> "
                 f"{b['cost']} at {V:g}")
        if a["qaly"] != b["qaly"]:
            fail("fixing a cost changed mvd's QALYs")
        moved += 1
if moved != 24:
    fail(f"{moved} mvd rows compared, expected 24")

for r in rows("fixed", "evppi.csv"):
    if r["parameters"] == "cost_mvd" and float(r["evppi_per_patient"]) != 0:
        fail(f"EVPPI of the fixed cost_mvd is {r['evppi_per_patient']}")

group = ["mvd_p_immediate_cure", "mvd_p_delayed_cure", "mvd_p_persistent"]
err = run("dirichlet", "--set", "mvd_p_immediate_cure=0.7",
          "--set", "mvd_p_delayed_cure=0.2", "--set", "mvd_p_persistent=0.1")
cols = rows("dirichlet", "psa_parameters.csv")[0]
for g in group:
    if g in cols:
        fail(f"{g} still sampled after --set of its group")
    if f"{g} = " not in err:
        fail(f"the console does not list {g}")
# the same override from a [scenario NAME] section
cfgdir = os.path.dirname(os.path.abspath(config))
with open(config) as f:
    text = f.read()
# every table the scenario names (KEY = FILE.csv) relative to its folder
text = re.sub(r"(?m)^(\w+) = ([\w.-]+\.csv)$",
              lambda m: f"{m.group(1)} = {cfgdir}/{m.group(2)}", text)
text += "\n[scenario cheap_mvd]\ncost_mvd = 15000\n"
config = os.path.join(tmp, "with_scenario.ini")
with open(config, "w") as f:
    f.write(text)
common[2] = config
err = run("scenario", "--scenario", "cheap_mvd")
if f"cost_mvd = 15000 ({config}:" not in err:
    fail("the console does not name the scenario line:\n" + err)
for name in ("psa.csv", "psa_parameters.csv", "psa_summary.csv", "ceac.csv",
             "evpi.csv", "evppi.csv"):
    with open(os.path.join(tmp, "fixed", name), "rb") as a, \
            open(os.path.join(tmp, "scenario", name), "rb") as b:
        if a.read() != b.read():
            fail(f"{name}: --scenario cheap_mvd differs from --set")
print("psa --set: fixed parameter gone from psa_parameters.csv, others "
      "identical; 24 mvd costs moved with sign(draw - 15000); Dirichlet "
      "group fixed; --scenario gives the files of --set")
