#!/usr/bin/env python3
"""set_out_of_range.py HFSIM CONFIG TMP - a --set value outside the table's
one-way range is accepted with a warning, and owsa varies the parameter
over the range widened to contain it, so its bar holds the base case.
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


def run(*args):
    p = subprocess.run([hfsim] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"hfsim {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stderr


err = run("check", "--config", config, "--set", "cost_mvd=100")
want = ("hfsim: --set cost_mvd=100: warning: cost_mvd = 100 lies outside its "
        "range in the table [20000, 45000]")
if want not in err:
    fail(f"no warning {want!r} in:\n{err}")
if "owsa and twsa vary it over [100, 45000]" not in err:
    fail("the warning does not give the widened range:\n" + err)
if "warning" in run("check", "--config", config, "--set", "cost_mvd=25000"):
    fail("a value inside the range was warned about")

out = os.path.join(tmp, "owsa")
run("owsa", "--config", config, "--patients", "100", "--threads", "1", "-q",
    "--set", "cost_mvd=100", "--out", out)
with open(os.path.join(out, "owsa.csv"), newline="") as f:
    rows = [r for r in csv.DictReader(f) if r["parameter"] == "cost_mvd"]
if not rows:
    fail("owsa.csv has no cost_mvd rows")
for r in rows:
    if (float(r["base_value"]), float(r["low_value"]),
            float(r["high_value"])) != (100, 100, 45000):
        fail(f"{r['strategy']}: cost_mvd varied over {r['low_value']}-"
             f"{r['high_value']} around {r['base_value']}")
    if r["nmb_low"] != r["nmb_base"]:
        fail(f"{r['strategy']}: nmb at low {r['nmb_low']} is not the base "
             f"{r['nmb_base']}")
print("warning given; owsa varies cost_mvd over [100, 45000], base at low")
