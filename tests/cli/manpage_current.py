#!/usr/bin/env python3
"""manpage_current.py HFSIM MANPAGE CONFIG TMP - the man page and the help
texts match the program.

The program is the source of truth: the commands and exit codes are read
from `hfsim --help`, the options each command accepts are found by trying
them, the files a command writes from a real (small) run. Checked:

1. doc/hfsim.1 is of the program's version (.TH) and has an entry (COMMANDS) for every command `hfsim --help`
   lists and for no other; an entry (EXIT STATUS) for every exit code it
   lists and no other, naming the commands (`hfsim CMD`) and signals
   (SIG...) the program names for that code.
2. Every long option some command accepts is named in the man page.
3. The usage line(s) of `hfsim CMD --help` (its "Usage:" paragraph) name
   every long option CMD accepts, but --help (the main help gives it for
   every command) and those its help declares on a line
   "Accepted without effect[, with a warning]: --opt, ..." (a paragraph:
   options the parser takes for
   every command, or for its group, that this command does not use); and
   name no option CMD refuses. Each option accepted without effect, but
   --quiet, draws "hfsim: warning: --opt has no effect on 'hfsim CMD'";
   no other option does.
4. Every file and folder that run, psa, owsa, twsa, scenarios, calibrate
   and verify write (small runs, every optional file asked for) is named
   in the command's --help and in its man page entry.

An option is "accepted" when `hfsim CMD --opt=1 --help` does not fail with
"unknown option": the parser reads left to right and --help ends it, so
nothing is ever simulated (a flag fails with "takes no value", a value
may be refused, both of which mean the option is known). The candidate
options are every --word in the program's help texts.
"""
import csv
import os
import re
import shutil
import subprocess
import sys

hfsim, manpage, config, tmp = sys.argv[1:5]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
failures = []


def fail(msg):
    failures.append(msg)


def run(*args, env=None):
    return subprocess.run([hfsim] + list(args), capture_output=True,
                          text=True, env=env, timeout=300)


def block(text, heading):
    """The lines after the line HEADING up to the next blank line."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line)
    return out


# ---- the program ----------------------------------------------------------
main = run("--help")
if main.returncode != 0:
    sys.exit(f"FAIL: hfsim --help: exit {main.returncode}")
commands = [m.group(1) for line in block(main.stdout, "Commands:")
            if (m := re.match(r"  ([a-z][a-z-]*)\s", line))]
if len(commands) < 5:
    sys.exit(f"FAIL: too few commands read from hfsim --help: {commands}")

# exit codes: "  N    text", continued by deeper-indented lines
exit_text = {}
code = None
for line in block(main.stdout, "Exit codes:"):
    m = re.match(r"  (\d+)\s+(.*)", line)
    if m:
        code = m.group(1)
        exit_text[code] = m.group(2)
    elif code is not None and line.startswith("     "):
        exit_text[code] += " " + line.strip()
    else:
        code = None
if "0" not in exit_text or "130" not in exit_text:
    sys.exit(f"FAIL: exit codes not read from hfsim --help: {exit_text}")

helps = {}
for c in commands:
    p = run(c, "--help")
    if p.returncode != 0:
        fail(f"hfsim {c} --help: exit {p.returncode}")
    helps[c] = p.stdout
    q = run("help", c)
    if q.returncode != 0 or q.stdout != p.stdout:
        fail(f"hfsim help {c}: not the same as hfsim {c} --help")

candidates = set()
for text in [main.stdout] + list(helps.values()):
    candidates |= set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))


def accepts(cmd, opt):
    p = run(cmd, opt + "=1", "--help")
    if "unknown option" in p.stderr:
        return False
    if p.returncode not in (0, 2):
        fail(f"hfsim {cmd} {opt}=1 --help: exit {p.returncode}: {p.stderr}")
    return True


accepted = {c: {o for o in candidates if accepts(c, o)} for c in commands}
# the check itself must be able to tell: an option no command has
for c in commands:
    if accepts(c, "--no-such-option-xyz"):
        sys.exit("FAIL: cannot tell accepted options from refused ones")

# ---- the man page ---------------------------------------------------------
with open(manpage, encoding="utf-8") as f:
    roff = f.read()


def plain(s):
    """roff source to plain words: escapes, font requests and quotes off."""
    s = re.sub(r"\\f[BIRP]", "", s).replace("\\-", "-").replace("\\(em", "-")
    s = re.sub(r"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+", "", s, flags=re.M)
    return s.replace('"', "")


sections = {}
name = None
for line in roff.splitlines():
    if line.startswith(".SH "):
        name = line[4:].strip().strip('"')
        sections[name] = []
    elif name is not None:
        sections[name].append(line)


def entries(section):
    """{first word of the tag: text of the entry} of a section's .TP list."""
    out = {}
    lines = sections.get(section, [])
    i = 0
    while i < len(lines):
        if lines[i].startswith(".TP") and i + 1 < len(lines):
            tag = plain(lines[i + 1]).split()
            body = []
            j = i + 2
            while j < len(lines) and not lines[j].startswith((".TP", ".PP",
                                                              ".SH")):
                body.append(lines[j])
                j += 1
            if tag:
                out[tag[0]] = plain("\n".join([lines[i + 1]] + body))
            i = j
        else:
            i += 1
    return out


# the version in the title line (.TH) is the program's
version = run("--version").stdout.split()
th = re.search(r'^\.TH\s+\S+\s+\S+\s+"[^"]*"\s+"([^"]*)"', roff, re.M)
if len(version) < 2 or th is None or th.group(1) != "hfsim " + version[1]:
    fail(f"man page: .TH says {th.group(1) if th else None!r}, the program "
         f"is {' '.join(version[:2])!r}")

man_commands = entries("COMMANDS")
for c in commands:
    if c not in man_commands:
        fail(f"man page: no entry for the command '{c}' under COMMANDS")
for c in man_commands:
    if c not in commands:
        fail(f"man page: COMMANDS lists '{c}', which hfsim --help does not")

man_codes = entries("EXIT STATUS")
for code, text in exit_text.items():
    if code not in man_codes:
        fail(f"man page: exit code {code} missing under EXIT STATUS")
        continue
    entry = " ".join(man_codes[code].split())
    for word in re.findall(r"hfsim [a-z][a-z-]*|SIG[A-Z]+", text):
        if word not in entry:
            fail(f"man page: exit code {code} does not name {word} "
                 f"(hfsim --help: {text})")
for code in man_codes:
    if code not in exit_text:
        fail(f"man page: exit code {code}, which hfsim --help does not list")

man_text = plain(roff)
for opt in sorted(set().union(*accepted.values())):
    if not re.search(re.escape(opt) + r"(?![\w-])", man_text):
        fail(f"man page: the option {opt} is not mentioned")

# ---- usage lines ----------------------------------------------------------
for c in commands:
    text = helps[c]
    lines = text.splitlines()
    if not lines or not lines[0].startswith("Usage: hfsim " + c):
        fail(f"hfsim {c} --help does not start with 'Usage: hfsim {c}'")
        continue
    usage = " ".join(block(text, lines[0])[:] + [lines[0]])
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", usage))
    ignored = set()
    for line in lines:
        if line.startswith("Accepted without effect"):
            # the paragraph: "Accepted without effect[, with a warning]: ..."
            para = " ".join(block(text, line) + [line])
            ignored |= set(re.findall(r"--[a-z][a-z0-9-]*", para))
    for opt in sorted(accepted[c] - {"--help"}):
        if opt not in named and opt not in ignored:
            fail(f"hfsim {c} --help: the usage line omits {opt}, which "
                 f"'hfsim {c}' accepts")
    for opt in sorted((named | ignored) - accepted[c]):
        fail(f"hfsim {c} --help names {opt}, which 'hfsim {c}' refuses")
    for opt in sorted(named & ignored):
        fail(f"hfsim {c} --help: {opt} both in the usage line and "
             "accepted without effect")
    # an ignored option draws a warning (but --quiet, which asks for less
    # output and gets it); an option in the usage line does not
    for opt in sorted(accepted[c] - {"--help"}):
        p = run(c, opt + "=1", "--help")
        if "takes no value" in p.stderr:
            p = run(c, opt, "--help")
        warned = f"warning: {opt} has no effect on 'hfsim {c}'" in p.stderr
        if opt in ignored and opt != "--quiet" and not warned:
            fail(f"hfsim {c} {opt}: accepted without effect, but no "
                 "warning says so")
        if opt not in ignored and warned:
            fail(f"hfsim {c} {opt}: a warning says it has no effect, but "
                 "the help does not list it so")

# ---- the files each command writes ----------------------------------------
env = dict(os.environ)
env.pop("HFSIM_FIGURES", None)
small = ["--config", config, "--quiet"]
runs = {
    "run": ["--patients", "200", "--patients-csv", "--xlsx",
            "--target-se", "1e12"],
    "psa": ["--iterations", "40", "--patients", "20", "--xlsx"],
    "owsa": ["--patients", "20"],
    "twsa": ["--patients", "20", "--steps", "2"],  # + two of owsa's params
    "scenarios": ["--patients", "20"],
    "calibrate": ["--patients", "100", "--set", "calibration.starts=1",
                  "--set", "calibration.evaluations=8",
                  "--set", "calibration.sir_draws=40",
                  "--set", "calibration.posterior_size=20"],
    "verify": ["--patients", "200"],
}
for c, extra in runs.items():
    if c not in commands:
        fail(f"hfsim --help does not list '{c}'")
        continue
    if c == "twsa":
        with open(os.path.join(tmp, "owsa", "owsa.csv"), newline="") as f:
            names = list(dict.fromkeys(r["parameter"]
                                       for r in csv.DictReader(f)))
        extra = extra + ["--param", names[0], "--param", names[1]]
    out = os.path.join(tmp, c)
    threads = ["--threads", "1"] if "--threads" in accepted[c] else []
    p = run(c, *small, *threads, "--out", out, *extra, env=env)
    if p.returncode != 0:
        fail(f"hfsim {c}: exit {p.returncode}\n{p.stderr}")
        continue
    entry = " ".join(man_commands.get(c, "").split())
    for f in sorted(os.listdir(out)):
        shown = f + "/" if os.path.isdir(os.path.join(out, f)) else f
        # a folder may be named by a path in it (figures/NAME)
        named_in = re.compile(re.escape(shown) +
                              ("" if shown.endswith("/") else r"(?![\w-]|\.\w)"))
        if not named_in.search(helps[c]):
            fail(f"hfsim {c} --help does not name {shown}, which it wrote")
        if not named_in.search(entry):
            fail(f"man page: the {c} entry does not name {shown}, which "
                 f"hfsim {c} wrote")

if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print(f"ok: {len(commands)} commands, {len(exit_text)} exit codes, "
      f"{len(candidates)} options tried")
