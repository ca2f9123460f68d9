#!/usr/bin/env python3
"""xlsx_matches_csv.py HFSIM CONFIG TMP - results.xlsx says what the CSVs say.

Runs `hfsim run --xlsx` and `hfsim psa --xlsx` and opens each results.xlsx
with openpyxl (an independent reader, Debian python3-openpyxl). For every
CSV file of the folder but patients.csv there is a sheet of the same name,
and every cell agrees with the CSV: a number in the CSV is a number in the
sheet (stored as a number, so no locale can misread it; within 1e-15
relative, as libxlsxwriter writes 16 significant digits), text is the same
text, an empty field is an empty cell. Each sheet has its header frozen,
sized columns and a note on every header cell (meaning and unit).
"""
import csv
import math
import os
import shutil
import subprocess
import sys

import openpyxl
from openpyxl.utils import get_column_letter

hfsim, config, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)


def fail(msg):
    sys.exit("FAIL: " + msg)


def run(*args):
    p = subprocess.run([hfsim] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"hfsim {' '.join(args)}: exit {p.returncode}\n{p.stderr}")


def as_number(text):
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def compare(folder):
    book = openpyxl.load_workbook(os.path.join(folder, "results.xlsx"))
    csvs = sorted(f[:-4] for f in os.listdir(folder)
                  if f.endswith(".csv") and f != "patients.csv")
    if sorted(book.sheetnames) != csvs:
        fail(f"{folder}: sheets {book.sheetnames}, CSV files {csvs}")
    cells = 0
    for name in csvs:
        ws = book[name]
        with open(os.path.join(folder, name + ".csv"), newline="") as f:
            rows = list(csv.reader(f))
        if ws.max_row != len(rows):
            fail(f"{name}: {ws.max_row} rows in the sheet, {len(rows)} in "
                 "the CSV")
        if ws.freeze_panes != "A2":
            fail(f"{name}: header not frozen ({ws.freeze_panes})")
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c)
                v = cell.value
                where = f"{name}!{cell.coordinate}"
                num = as_number(text) if r > 1 else None
                if text == "":
                    if v is not None:
                        fail(f"{where}: CSV empty, sheet {v!r}")
                elif num is not None:
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        fail(f"{where}: CSV number {text}, sheet {v!r} "
                             "(not stored as a number)")
                    if abs(v - num) > 1e-15 * max(abs(num), abs(v)):
                        fail(f"{where}: CSV {text}, sheet {v!r}")
                elif v != text:
                    fail(f"{where}: CSV {text!r}, sheet {v!r}")
                cells += 1
            if r == 1:
                for c in range(1, len(row) + 1):
                    if ws.cell(row=1, column=c).comment is None:
                        fail(f"{name}: header {row[c - 1]} has no note")
                    letter = get_column_letter(c)
                    width = ws.column_dimensions[letter].width
                    if not width or width < 8:
                        fail(f"{name}: column {letter} not sized ({width})")
    return len(csvs), cells


run("run", "--config", config, "--patients", "1000", "--threads", "1",
    "--xlsx", "-q", "--out", os.path.join(tmp, "run"))
run("psa", "--config", config, "--iterations", "12", "--patients", "100",
    "--threads", "1", "--xlsx", "-q", "--out", os.path.join(tmp, "psa"))
total = 0
for folder in ("run", "psa"):
    sheets, cells = compare(os.path.join(tmp, folder))
    total += cells
    print(f"{folder}: {sheets} sheets, {cells} cells equal to the CSV")
# without --xlsx, no workbook
run("run", "--config", config, "--patients", "100", "--threads", "1", "-q",
    "--out", os.path.join(tmp, "plain"))
if os.path.exists(os.path.join(tmp, "plain", "results.xlsx")):
    fail("results.xlsx written without --xlsx")
