#!/usr/bin/env python3
"""progress_on_terminal.py HFSIM CONFIG TMP - every long command (run, owsa,
twsa, scenarios, verify, psa, calibrate, report) draws a
progress line with its total and the time left when standard error is a
terminal (a pseudo-terminal here), and nothing of it when standard error is
a pipe or with --quiet.
"""
import os
import pty
import re
import shutil
import subprocess
import sys

hfsim, config, tmp = sys.argv[1:4]
os.environ["HFSIM_FIGURES"] = "off"  # (the figures are not tested here)
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
fails = []


def on_terminal(args, ok=(0,)):
    """Run hfsim with stdout and stderr on a pseudo-terminal; its output.
    OK: the exit codes expected."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(hfsim, [hfsim] + args)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    out = b"".join(chunks).decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) not in ok:
        fails.append(f"hfsim {' '.join(args)} on a terminal failed:\n{out}")
    return out


def on_pipe(args, ok=(0,)):
    p = subprocess.run([hfsim] + args, capture_output=True, text=True)
    if p.returncode not in ok:
        fails.append(f"hfsim {' '.join(args)} failed:\n{p.stderr}")
    return p.stderr


# few patients: the lines, not the results, are tested (verify's checks
# may fail at this size: exit 5)
small = ["--config", config, "--patients", "300"]
cases = [
    ("run", ["run"] + small, "300/300 patients"),
    ("owsa", ["owsa"] + small, "/100 parameters"),
    ("twsa", ["twsa"] + small + ["--param", "redo_p_cure", "--param",
                                 "mvd_p_accept_redo", "--steps", "3"],
     "9/9 grid points"),
    ("scenarios", ["scenarios"] + small, " scenarios, "),
    ("verify", ["verify", "--config", config, "--patients", "300"],
     "/14 runs"),
    ("psa", ["psa"] + small + ["--iterations", "30"],
     "30/30 iterations"),
    # (Sick-Sicker's calibration, under a second; its total is an upper
    # bound, so its last line need not be full)
    ("calibrate", ["calibrate", "--config",
                   os.path.join(os.path.dirname(config), "sick_sicker.ini")],
     None),
]
for name, args, total in cases:
    ok = (0, 5) if name == "verify" else (0,)
    out = on_terminal(args + ["--out", f"{tmp}/{name}_tty"], ok)
    lines = out.replace("\r\n", "\n").split("\r")
    bars = [l for l in lines if l.startswith(f"{name} [")]
    if not bars:
        fails.append(f"{name}: no progress line on a terminal:\n{out}")
        continue
    # the last draw: the whole bar, done = total, and the time taken
    last = bars[-1].split("\n")[0]
    if total is not None and not re.match(rf"{name} \[#{{24}}\] \d+{re.escape(total)}"
                    if total.startswith("/") else
                    rf"{name} \[#{{24}}\] .*{re.escape(total)}", last):
        fails.append(f"{name}: last progress line {last!r} is not complete "
                     f"(wanted {total!r})")
    # every draw counts up to a total that does not change
    counts = [re.search(r"\] (\d+)/(\d+) ", b) for b in bars]
    if any(c is None for c in counts):
        fails.append(f"{name}: a progress line without done/total: {bars}")
    else:
        done = [int(c.group(1)) for c in counts]
        totals = {c.group(2) for c in counts}
        if done != sorted(done) or len(totals) != 1:
            fails.append(f"{name}: done {done} / totals {totals}")
    # quiet and piped: nothing of it
    quiet = on_terminal(args + ["--quiet", "--out", f"{tmp}/{name}_q"], ok)
    if f"{name} [" in quiet or "\r" in quiet.replace("\r\n", "\n"):
        fails.append(f"{name} --quiet on a terminal drew progress:\n{quiet}")
    piped = on_pipe(args + ["--out", f"{tmp}/{name}_pipe"], ok)
    if f"{name} [" in piped or "\r" in piped:
        fails.append(f"{name}: progress on a pipe:\n{piped}")

# report redraws the figures of a folder: its line counts figures
os.environ.pop("HFSIM_FIGURES")
out = on_terminal(["report", f"{tmp}/run_pipe"])
if not re.search(r"report \[#{24}\] (\d+)/\1 figures", out):
    fails.append(f"report: no complete progress line:\n{out}")
piped = on_pipe(["report", f"{tmp}/run_pipe"])
if "report [" in piped or "\r" in piped:
    fails.append(f"report: progress on a pipe:\n{piped}")
os.environ["HFSIM_FIGURES"] = "off"

# the time left shows once the rate is known (a run of a few seconds)
out = on_terminal(["run", "--config", config, "--patients", "100000",
                   "--threads", "1",
                   "--out", f"{tmp}/eta"])
if not re.search(r"run \[[# ]{24}\] \d+/100000 patients, [0-9]+ (s|min)"
                 r"[0-9 s]* left",
                 out):
    fails.append(f"run: no time left in the progress line:\n{out[-2000:]}")

if fails:
    sys.exit("FAIL:\n" + "\n".join(fails))
print("ok: progress lines on a terminal, none on a pipe or with --quiet")
