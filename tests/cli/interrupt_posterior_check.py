#!/usr/bin/env python3
"""interrupt_posterior_check.py HFSIM CONFIG TMP - Ctrl-C while psa
--posterior checks its rows is an interruption (exit 130, nothing written),
not an invalid row: it printed "this draw is not a valid parameter set:
interrupted while reading it" for five rows and exited 3.

The posterior has 100,000 rows, each checked by building the model (about
0.15 ms each in a Release build), so the signal 1 s after the start comes
while the rows are checked."""
import os
import shutil
import signal
import subprocess
import sys
import time

hfsim, config, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
post = os.path.join(tmp, "posterior.csv")
with open(post, "w") as f:
    f.write("mvd_p_accept_redo\n" + "0.3\n" * 100000)
out = os.path.join(tmp, "out")
p = subprocess.Popen([hfsim, "psa", "--config", config, "--iterations", "20",
                      "--patients", "20", "--posterior", post, "--out", out,
                      "--quiet"], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
stdout, stderr = p.communicate(timeout=120)
if p.returncode != 130:
    sys.exit(f"FAIL: exit {p.returncode}, expected 130\n{stderr}")
if "not a valid parameter set" in stderr:
    sys.exit(f"FAIL: the interruption was blamed on a row:\n{stderr}")
if os.path.exists(out) and os.listdir(out):
    sys.exit(f"FAIL: {out} holds files after the interruption")
print("ok: exit 130, no row blamed, nothing written")
