#!/usr/bin/env python3
"""Tests of the figures and report.html (run by ctest, see figures.cmake).

Usage:
  figures_test.py report HFSIM FIXTURE WORK FIG[,FIG...] LABEL[|LABEL...]
      copy the fixture folder FIXTURE to WORK (a folder elsewhere), run
      `hfsim report WORK`, and check every figure FIG: .gp, .dat, .svg (parses
      as XML), .png (PNG signature and IHDR with a non-zero size), .pdf
      (%PDF header); every LABEL appears in the SVG text of the figures;
      report.html holds every figure inline and no external reference.
  figures_test.py calibrate HFSIM ROOT WORK
      `hfsim calibrate` on a small Sick-Sicker calibration (from the
      repository folder ROOT) draws calibration_fit and posterior_pairs into
      its folder: non-blank PNGs, and the numbers in their .dat files are
      those of calibration_targets.csv, posterior.csv and calibration.csv
      (recomputed here); without SIR only calibration_fit, without a
      posterior row; one parameter: a histogram; HFSIM_FIGURES=off: none;
      a posterior.csv row naming no evaluation is refused at its line (and
      before its manifest line is made to match, as a changed file, exit 5).
  figures_test.py case CASE HFSIM FIXTURE WORK
      one case of bad input or failure on a copy of FIXTURE; report_*:
      `hfsim report` refuses a changed or missing listed file (exit 5) and
      a file or folder the manifest does not list (exit 4), and leaves the
      folder exactly as it was.
  figures_test.py browser HFSIM FIXTURE_RUN FIXTURE_PSA WORK [FIXTURE_CALIBRATE]
      report.html in headless Chromium: every SVG rendered with a non-zero
      size, no request leaves the file (Chromium's net log), the screenshot
      is not blank; and, so the check can fail, a copy with an external
      image is caught.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def copy_fixture(src, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)


def run_report(hfsim, folder, extra_env=None):
    env = dict(os.environ)
    if extra_env:
        env.update(extra_env)
    p = subprocess.run([hfsim, "report", folder, "--quiet"], env=env,
                       capture_output=True, text=True)
    return p


def sha256_of(path):
    import hashlib
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def relist(folder, name):
    """Give NAME its new size and SHA-256 in FOLDER/manifest.txt (a folder
    edited consistently, as a forger would: it passes verify-folder)."""
    import hashlib
    data = open(os.path.join(folder, name), "rb").read()
    mpath = os.path.join(folder, "manifest.txt")
    lines = open(mpath).read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("file: %s " % name):
            lines[i] = "file: %s bytes=%d sha256=%s" % (
                name, len(data), hashlib.sha256(data).hexdigest())
    open(mpath, "w").write("\n".join(lines))


def snapshot(folder):
    """Every file and folder under FOLDER (dot files too) with its bytes."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), folder) + "/"] = None
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, folder)] = open(p, "rb").read()
    return out


def svg_text(path):
    tree = ET.parse(path)  # raises on malformed XML
    root = tree.getroot()
    if not root.tag.endswith("svg"):
        fail("%s: root element is %s, not svg" % (path, root.tag))
    return " ".join(t for t in root.itertext())


def check_png(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        fail("%s: not a PNG file" % path)
    w, h = struct.unpack(">II", head[16:24])
    if w == 0 or h == 0:
        fail("%s: empty image %dx%d" % (path, w, h))
    return w, h


def check_pdf(path):
    with open(path, "rb") as f:
        if f.read(5) != b"%PDF-":
            fail("%s: not a PDF file" % path)


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?!#)|url\(\s*(?!#)|@import""",
                      re.I)


def check_ce_plane_labels(gp):
    """Every strategy has a label at its point, and two points closer than
    10% of the QALY range and 5% of the cost range (no treatment and oral
    drugs in the fixture)
    get their labels on different sides, so the names do not overprint."""
    pat = re.compile(r"set label \d+ '([^']*)' at ([-0-9.e+]+), ([-0-9.e+]+) "
                     r"(left|right) offset char ([-0-9.]+), char ([-0-9.]+)")
    lab = [m.groups() for m in pat.finditer(open(gp).read())]
    if len(lab) < 2:
        fail("%s: %d strategy labels" % (gp, len(lab)))
    xs = [float(l[1]) for l in lab]
    ys = [float(l[2]) for l in lab]
    dx = (max(xs) - min(xs)) or 1.0
    dy = (max(ys) - min(ys)) or 1.0
    close = 0
    for i in range(len(lab)):
        for j in range(i):
            if (abs(xs[i] - xs[j]) < 0.10 * dx and
                    abs(ys[i] - ys[j]) < 0.05 * dy):
                close += 1
                if lab[i][3:] == lab[j][3:]:
                    fail("%s: labels %s and %s of nearby points share a side"
                         % (gp, lab[i][0], lab[j][0]))
    if close == 0:
        fail("%s: the fixture should have two nearby strategies" % gp)


def cmd_report(hfsim, fixture, work, figs, labels):
    copy_fixture(fixture, work)
    p = run_report(hfsim, work)
    if p.returncode != 0:
        fail("hfsim report exit %d: %s" % (p.returncode, p.stderr))
    if p.stdout or p.stderr:
        fail("--quiet printed: %r %r" % (p.stdout, p.stderr))
    text = ""
    for fig in figs:
        base = os.path.join(work, "figures", fig)
        for ext in (".gp", ".dat", ".svg", ".png", ".pdf"):
            if not os.path.getsize(base + ext) > 0:
                fail("%s%s is empty" % (base, ext))
        text += svg_text(base + ".svg") + "\n"
        check_png(base + ".png")
        check_pdf(base + ".pdf")
    for label in labels:
        if label not in text:
            fail("label %r not in the figures' SVG text" % label)
    if "ce_plane" in figs:
        check_ce_plane_labels(os.path.join(work, "figures", "ce_plane.gp"))
    html = open(os.path.join(work, "report.html"), encoding="utf-8").read()
    n_svg = html.count("<svg")
    if n_svg != len(figs):
        fail("report.html has %d inline SVGs, expected %d" % (n_svg, len(figs)))
    for fig in figs:
        if 'id="fig-%s"' % fig not in html:
            fail("report.html lacks figure %s" % fig)
    m = EXTERNAL.search(html)
    if m:
        fail("report.html refers outside the file: %r" %
             html[m.start():m.start() + 80])
    for must in ("@media print", "Key settings", "Manifest"):
        if must not in html:
            fail("report.html lacks %r" % must)
    # the NMB column's bracket is the NMB's own standard error, the
    # increment's the paired one (the heading called both paired)
    if os.path.exists(os.path.join(work, "cea.csv")) and (
            "Net monetary benefit per patient, with its standard error in "
            "brackets; the increment against the comparator with the paired "
            "standard error" not in html):
        fail("report.html: the NMB table's heading")
    print("ok: %d figures, labels %s" % (len(figs), ", ".join(labels)))


# ---- Chromium ----------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-default-apps",
    "--disable-extensions", "--disable-breakpad", "--disable-dev-shm-usage",
]


def chromium(profile, *args):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        fail("chromium not found: install it with 'apt-get install chromium' "
             "(.ci/install-deps does)")
    cmd = [exe] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return p


def page_requests(netlog):
    """URLs the page itself asked for (Chromium's own background requests
    have no initiator or 'not an origin')."""
    d = json.load(open(netlog))
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    urls = []
    for e in d["events"]:
        if types.get(e["type"]) != "URL_REQUEST_START_JOB":
            continue
        prm = e.get("params", {})
        url, init = prm.get("url", ""), prm.get("initiator")
        if init in (None, "not an origin"):
            continue
        urls.append(url)
    return urls


def png_pixels(path, max_rows=None):
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes): rows of bytes
    (the first MAX_ROWS only, when given: decoding is slow in Python)."""
    data = open(path, "rb").read()
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                fail("%s: unexpected PNG type %d/%d" % (path, depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h if max_rows is None else min(h, max_rows)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check_page(html_path, work, name, want_ink=True):
    """Returns (svg sizes, page requests, share of non-white pixels), from
    one Chromium run on a copy of the page with a probe script that records
    the rendered size of every SVG (the report itself has no script, and
    its Content-Security-Policy would forbid one: the copy drops it, so the
    request check sees what the HTML itself asks for, CSP or not)."""
    html = open(html_path, encoding="utf-8").read()
    if "Content-Security-Policy" not in html and name != "bad":
        fail("%s: report.html has no Content-Security-Policy" % name)
    probe = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                   html)
    probe = probe.replace(
        "</body>",
        "<script>document.body.setAttribute('data-svg-sizes', Array.from("
        "document.querySelectorAll('svg')).map(function(s){var r=s."
        "getBoundingClientRect();return Math.round(r.width)+'x'+Math.round("
        "r.height)}).join(' '))</script></body>")
    probe_path = os.path.abspath(os.path.join(work, name + "-probe.html"))
    open(probe_path, "w", encoding="utf-8").write(probe)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=work)
    netlog = os.path.join(work, name + "-net.json")
    shot = os.path.join(work, name + "-shot.png")
    p = chromium(profile, "--dump-dom", "--virtual-time-budget=2000",
                 "--log-net-log=" + netlog, "--screenshot=" + shot,
                 "--window-size=800,1000", "file://" + probe_path)
    shutil.rmtree(profile, ignore_errors=True)
    m = re.search(r'data-svg-sizes="([^"]*)"', p.stdout)
    if m is None:
        fail("%s: Chromium's DOM has no svg sizes (stderr: %s)" %
             (name, p.stderr[-500:]))
    sizes = [tuple(int(v) for v in s.split("x")) for s in m.group(1).split()]
    if not os.path.exists(shot):
        fail("%s: no screenshot (stderr: %s)" % (name, p.stderr[-500:]))
    urls = [u for u in page_requests(netlog) if u != "file://" + probe_path]
    if not want_ink:
        return sizes, urls, None
    w, h, bpp, rows = png_pixels(shot)
    ink = 0
    for row in rows:
        for i in range(0, len(row), bpp * 4):  # every 4th pixel
            if min(row[i:i + 3]) < 200:
                ink += 1
    share = ink / (w * h / 4.0)
    return sizes, urls, share


def cmd_browser(hfsim, fixture_run, fixture_psa, work, fixture_cal=None):
    os.makedirs(work, exist_ok=True)
    pages = [("run", fixture_run), ("psa", fixture_psa)]
    if fixture_cal:
        pages.append(("calibrate", fixture_cal))
    for name, fixture in pages:
        folder = os.path.join(work, name)
        copy_fixture(fixture, folder)
        p = run_report(hfsim, folder)
        if p.returncode != 0:
            fail("hfsim report %s: exit %d %s" % (name, p.returncode,
                                                  p.stderr))
        html_path = os.path.join(folder, "report.html")
        n_svg = open(html_path, encoding="utf-8").read().count("<svg")
        sizes, urls, share = check_page(html_path, work, name)
        if len(sizes) != n_svg or n_svg == 0:
            fail("%s: Chromium rendered %d SVGs, report.html has %d" %
                 (name, len(sizes), n_svg))
        for i, (w, h) in enumerate(sizes):
            if w <= 0 or h <= 0:
                fail("%s: SVG %d rendered with size %dx%d" % (name, i, w, h))
        if urls:
            fail("%s: the page made requests: %s" % (name, urls))
        if share < 0.01:
            fail("%s: the screenshot is blank (%.4f non-white)" %
                 (name, share))
        print("ok: %s: %d SVGs rendered (%s), no request, %.1f%% ink" %
              (name, len(sizes), " ".join("%dx%d" % s for s in sizes),
               100 * share))
    # the check can fail: a copy with an external image and no CSP
    bad = os.path.join(work, "bad.html")
    html = open(os.path.join(work, "run", "report.html"),
                encoding="utf-8").read()
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    html = html.replace("</body>",
                        '<img src="http://127.0.0.1:9/outside.png"></body>')
    open(bad, "w", encoding="utf-8").write(html)
    _, urls, _ = check_page(bad, work, "bad", want_ink=False)
    if not any("127.0.0.1:9/outside.png" in u for u in urls):
        fail("the request check missed an external image: %s" % urls)
    print("ok: an external image in a copy is detected")


# ---- calibration ------------------------------------------------------------

def read_csv(path):
    import csv
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def dat_blocks(path):
    """A gnuplot data file as blocks (split at two blank lines) of rows of
    tab-separated fields, '#' lines left out."""
    text = open(path, encoding="utf-8").read()
    blocks = []
    for chunk in text.split("\n\n\n"):
        rows = [line.split("\t") for line in chunk.split("\n")
                if line and not line.startswith("#")]
        blocks.append(rows)
    return blocks


def close(a, b, what, rel=1e-12):
    a, b = float(a), float(b)
    if abs(a - b) > rel * max(1.0, abs(a), abs(b)):
        fail("%s: %r in the figure data, %r recomputed" % (what, a, b))


def quantile7(xs, q):
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = int(h)
    if lo + 1 >= len(xs):
        return xs[-1]
    return xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo])


def ink_share(path):
    """Share of non-white pixels (every 4th) in the top third of the image,
    which holds a panel in every layout."""
    with open(path, "rb") as f:
        head = f.read(24)
    h = struct.unpack(">II", head[16:24])[1]
    w, h, bpp, rows = png_pixels(path, h // 3)
    ink = 0
    for row in rows:
        for i in range(0, len(row), bpp * 4):
            if min(row[i:i + 3]) < 200:
                ink += 1
    return ink / (w * len(rows) / 4.0)


def run_calibrate(hfsim, root, out, sets, env=None):
    args = [hfsim, "calibrate", "--config", "configs/sick_sicker.ini",
            "--patients", "500", "--out", out, "--quiet",
            "--set", "calibration.evaluations=30"]
    for kv in sets:
        args += ["--set", kv]
    p = subprocess.run(args, capture_output=True, text=True, cwd=root,
                       env=dict(os.environ, **(env or {})))
    if p.returncode != 0 or p.stderr:
        fail("hfsim calibrate %s: exit %d, stderr %r" % (" ".join(sets),
                                                         p.returncode,
                                                         p.stderr))


def check_fit_data(folder, with_posterior):
    targets = read_csv(os.path.join(folder, "calibration_targets.csv"))
    blocks = dat_blocks(os.path.join(folder, "figures",
                                     "calibration_fit.dat"))
    if len(blocks) != len(targets):
        fail("calibration_fit.dat: %d blocks for %d targets" %
             (len(blocks), len(targets)))
    if with_posterior:
        post = read_csv(os.path.join(folder, "posterior.csv"))
        evals = {r["evaluation"]: r for r in
                 read_csv(os.path.join(folder, "calibration.csv"))}
    for t, rows in zip(targets, blocks):
        m = t["metric"]
        want = [("3", t["published_value"], t["published_low"],
                 t["published_high"])]
        v, e = float(t["model_value"]), float(t["model_mcse"])
        want.append(("2", v, v - 1.959963984540054 * e, v + 1.959963984540054 * e))
        if with_posterior:
            xs = [float(evals[r["evaluation"]]["model_" + m]) for r in post]
            want.append(("1", sum(xs) / len(xs), quantile7(xs, 0.025),
                         quantile7(xs, 0.975)))
        if len(rows) != len(want):
            fail("calibration_fit.dat, %s: %d rows, expected %d" %
                 (m, len(rows), len(want)))
        for got, exp in zip(rows, want):
            if got[0] != exp[0] or got[4] != m:
                fail("calibration_fit.dat, %s: row %r" % (m, got))
            for k, name in ((1, "value"), (2, "low"), (3, "high")):
                close(got[k], exp[k], "%s row y=%s %s" % (m, exp[0], name),
                      1e-12 if exp[0] != "1" else 1e-9)
    return targets


def check_pairs_data(folder):
    params = read_csv(os.path.join(folder, "calibrated_parameters.csv"))
    post = read_csv(os.path.join(folder, "posterior.csv"))
    blocks = dat_blocks(os.path.join(folder, "figures",
                                     "posterior_pairs.dat"))
    P = len(params)
    if len(blocks) != 2 + P:
        fail("posterior_pairs.dat: %d blocks for %d parameters" %
             (len(blocks), P))
    names = [p["parameter"] for p in params]
    if len(blocks[0]) != len(post):
        fail("posterior_pairs.dat: %d draws, posterior.csv has %d" %
             (len(blocks[0]), len(post)))
    for got, r in zip(blocks[0], post):
        for j, n in enumerate(names):
            close(got[j], r[n], "posterior draw %s %s" % (r["sample"], n))
    for j, p in enumerate(params):
        close(blocks[1][0][j], p["best_fit"], "best fit " + p["parameter"])
        lo, hi = float(p["low"]), float(p["high"])
        w = (hi - lo) / 20
        counts = [0] * 20
        for r in post:
            k = int((float(r[p["parameter"]]) - lo) // w)
            counts[min(max(k, 0), 19)] += 1
        hist = blocks[2 + j]
        if len(hist) != 20 or [int(h[1]) for h in hist] != counts:
            fail("histogram of %s: %s, recomputed %s" %
                 (p["parameter"], [h[1] for h in hist], counts))
        close(hist[0][0], lo + w / 2, "first bin of " + p["parameter"])
        close(hist[-1][0], hi - w / 2, "last bin of " + p["parameter"])
    return names


def check_drawn(folder, figs, ink=True):
    for fig in figs:
        base = os.path.join(folder, "figures", fig)
        for ext in (".gp", ".dat", ".svg", ".png", ".pdf"):
            if not os.path.exists(base + ext) or \
                    os.path.getsize(base + ext) == 0:
                fail("%s%s missing or empty" % (base, ext))
        check_png(base + ".png")
        check_pdf(base + ".pdf")
        share = ink_share(base + ".png") if ink else 0.5
        if not 0.01 < share < 0.6:
            fail("%s.png: %.4f of the pixels are ink: blank or garbled" %
                 (base, share))
    html = open(os.path.join(folder, "report.html"), encoding="utf-8").read()
    if html.count("<svg") != len(figs):
        fail("%s/report.html: %d inline SVGs, expected %d" %
             (folder, html.count("<svg"), len(figs)))
    for must in ["Calibration: fit at each target", "Calibrated parameters"] \
            + ['id="fig-%s"' % f for f in figs]:
        if must not in html:
            fail("%s/report.html lacks %r" % (folder, must))


def cmd_calibrate(hfsim, root, work):
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)
    sir = ["calibration.sir_draws=100", "calibration.posterior_size=100"]
    full = os.path.join(work, "full")
    run_calibrate(hfsim, root, full, sir)
    figs = ["calibration_fit", "posterior_pairs"]
    check_drawn(full, figs)
    targets = check_fit_data(full, True)
    names = check_pairs_data(full)
    text = svg_text(os.path.join(full, "figures", "calibration_fit.svg"))
    for label in ["Target, 95% interval", "Best fit ± 1.96 MCSE",
                  "Posterior 95% interval"] + [t["metric"] for t in targets]:
        if label not in text:
            fail("calibration_fit.svg lacks %r" % label)
    text = svg_text(os.path.join(full, "figures", "posterior_pairs.svg"))
    for r in read_csv(os.path.join(full, "posterior_correlations.csv")):
        c = float(r["posterior_correlation"])
        label = "r = %+.2f" % (0.0 if abs(c) < 0.005 else c)
        if text.count(label) < 2:  # above and below the diagonal
            fail("posterior_pairs.svg: %r for %s, %s not shown twice" %
                 (label, r["parameter_a"], r["parameter_b"]))
    for n in names:
        if n not in text:
            fail("posterior_pairs.svg lacks %r" % n)
    print("ok: calibrate draws both figures; their data match the CSVs")

    nosir = os.path.join(work, "nosir")
    run_calibrate(hfsim, root, nosir, ["calibration.sir_draws=0"])
    check_drawn(nosir, ["calibration_fit"], ink=False)
    check_fit_data(nosir, False)
    if "Posterior 95% interval" in svg_text(
            os.path.join(nosir, "figures", "calibration_fit.svg")):
        fail("without SIR, calibration_fit shows a posterior interval")
    print("ok: without SIR, calibration_fit only, best fit only")

    one = os.path.join(work, "one")
    run_calibrate(hfsim, root, one, sir + ["calibration.parameters=p_s1s2"])
    check_drawn(one, figs, ink=False)
    check_pairs_data(one)
    print("ok: one parameter: its histogram")

    off = os.path.join(work, "off")
    run_calibrate(hfsim, root, off, sir, {"HFSIM_FIGURES": "off"})
    for name in ("figures", "report.html"):
        if os.path.exists(os.path.join(off, name)):
            fail("HFSIM_FIGURES=off: %s was written" % name)
    print("ok: HFSIM_FIGURES=off draws nothing")

    # the posterior interval is looked up, never guessed: a posterior row
    # naming no evaluation is an error at its line, and nothing is written
    path = os.path.join(full, "posterior.csv")
    lines = open(path).read().split("\n")
    f = lines[1].split(",")
    f[1] = "99999"
    lines[1] = ",".join(f)
    open(path, "w").write("\n".join(lines))
    before = open(os.path.join(full, "report.html"), "rb").read()
    # (an edited file is refused as changed, exit 5; the check below is of
    # a folder whose manifest was edited to match)
    p = run_report(hfsim, full)
    expect(p, 5, ["%s: error: " % path, "changed or truncated"],
           "calibrate, edited")
    relist(full, "posterior.csv")
    p = run_report(hfsim, full)
    expect(p, 3, ["%s:2: error: column 'evaluation': 99999 is not an "
                  "evaluation of calibration.csv" % path], "calibrate")
    if open(os.path.join(full, "report.html"), "rb").read() != before:
        fail("a refused report rewrote report.html")
    print("ok: a posterior row naming no evaluation is refused at its line")


# ---- bad input and failures -----------------------------------------------

def expect(p, code, needles, name):
    if p.returncode != code:
        fail("%s: exit %d, expected %d; stderr: %s" % (name, p.returncode,
                                                       code, p.stderr))
    for n in needles:
        if n not in p.stderr:
            fail("%s: stderr lacks %r; got: %s" % (name, n, p.stderr))


def cmd_case(case, hfsim, fixture, work):
    copy_fixture(fixture, work)
    html = os.path.join(work, "report.html")
    if case == "malformed_csv":
        path = os.path.join(work, "cea.csv")
        lines = open(path).read().split("\n")
        f = lines[2].split(",")
        f[2] = "abc"  # cost of the second strategy
        lines[2] = ",".join(f)
        open(path, "w").write("\n".join(lines))
        p = run_report(hfsim, work)
        want = ("hfsim: %s:3: error: column 'cost': expected a number, got "
                "'abc'\n" % path)
        if p.returncode != 3 or p.stderr != want:
            fail("malformed: exit %d, stderr %r, expected 3 and %r" %
                 (p.returncode, p.stderr, want))
        if os.path.exists(html) or os.path.exists(os.path.join(work,
                                                               "figures")):
            fail("malformed: files were written")
    elif case == "field_count":
        path = os.path.join(work, "trace.csv")
        lines = open(path).read().split("\n")
        lines[4] += ",extra"
        open(path, "w").write("\n".join(lines))
        p = run_report(hfsim, work)
        expect(p, 3, ["%s:5: error: expected 4 fields as in the header, got "
                      "5" % path], case)
    elif case == "missing_csv":
        os.remove(os.path.join(work, "trace.csv"))
        p = run_report(hfsim, work)
        expect(p, 3, ["%s/trace.csv: error: missing: manifest.txt says this "
                      "folder was written by 'hfsim run', which writes it" %
                      work], case)
        if os.path.exists(html):
            fail("missing: report.html was written")
    elif case == "not_a_results_folder":
        empty = os.path.join(work, "empty")
        os.makedirs(empty)
        p = run_report(hfsim, empty)
        expect(p, 3, ["%s/manifest.txt: error: cannot read: No such file or "
                      "directory" % empty], case)
        # the folder of `hfsim verify` (it said "no hfsim results here")
        ver = os.path.join(work, "verify")
        root = os.path.abspath(os.path.join(fixture, "..", "..", "..", ".."))
        v = subprocess.run([hfsim, "verify", "--patients", "500", "--quiet",
                            "--out", ver], capture_output=True, text=True,
                           cwd=root)
        if not os.path.exists(os.path.join(ver, "verification.csv")):
            fail("not_a_results_folder: verify wrote no verification.csv: "
                 + v.stderr)
        p = run_report(hfsim, ver)
        expect(p, 3, ["%s: error: the results of 'hfsim verify' have no "
                      "figures: read verification.csv and validation.csv"
                      % ver], case)
    elif case == "no_gnuplot":
        p = run_report(hfsim, work, {"HFSIM_GNUPLOT": "/nonexistent/gnuplot"})
        # the program HFSIM_GNUPLOT names, and the folder (it said "DIR")
        expect(p, 6, ["the plotting program '/nonexistent/gnuplot' (named "
                      "by HFSIM_GNUPLOT) was not found; correct or unset "
                      "HFSIM_GNUPLOT, then run 'hfsim report %s'" % work],
               case)
        q = run_report(hfsim, work, {"PATH": "/nonexistent"})
        expect(q, 6, ["the plotting program 'gnuplot' was not found; install "
                      "it with 'apt-get install gnuplot-nox' (Debian/Ubuntu), "
                      "then run 'hfsim report %s'" % work], case)
        if p.stderr.count("\n") != 1:
            fail("no_gnuplot: expected one message, got: %s" % p.stderr)
        if not os.path.exists(html) or "gnuplot was not found" not in open(
                html).read():
            fail("no_gnuplot: report.html without the note")
        if not os.path.exists(os.path.join(work, "figures", "ce_plane.gp")):
            fail("no_gnuplot: the scripts were not written")
        if os.path.exists(os.path.join(work, "figures", "ce_plane.svg")):
            fail("no_gnuplot: an SVG appeared")
    elif case == "gnuplot_fails":
        p = run_report(hfsim, work, {"HFSIM_GNUPLOT": "false"})
        expect(p, 6, ["hfsim: warning: figures: ce_plane: gnuplot failed"],
               case)
    elif case == "after_run":
        # a figure failure never costs the CSV results, nor the exit code
        out = os.path.join(work, "r")
        # run from the repository folder (tests/data/figures/run is FIXTURE)
        root = os.path.abspath(os.path.join(fixture, "..", "..", "..", ".."))
        p = subprocess.run([hfsim, "run", "--patients", "64", "--out", out,
                            "--quiet"], capture_output=True, text=True,
                           cwd=root,
                           env=dict(os.environ, HFSIM_GNUPLOT="false"))
        expect(p, 0, ["hfsim: warning: figures: ce_plane: gnuplot failed"],
               case)
        for f in ("summary.csv", "cea.csv", "trace.csv", "manifest.txt",
                  "report.html"):
            if not os.path.exists(os.path.join(out, f)):
                fail("after_run: %s missing" % f)
        # and with gnuplot, the figures are there
        p = subprocess.run([hfsim, "run", "--patients", "64", "--out", out,
                            "--quiet"], capture_output=True, text=True,
                           cwd=root)
        expect(p, 0, [], case)
        if p.stderr:
            fail("after_run: --quiet printed %r" % p.stderr)
        svg_text(os.path.join(out, "figures", "ce_plane.svg"))
        man = open(os.path.join(out, "manifest.txt")).read()
        for key in ("wtp_main: 100000", "strategy_label: mvd = "):
            if key not in man:
                fail("after_run: manifest lacks %r" % key)
    elif case == "too_many_strategies":
        # 65 strategies: the figures show at most 64. The run keeps its
        # CSV results with a warning; report refuses the folder; neither
        # crashes (the figure code indexed its arrays with -1, corrupting
        # the heap and losing a finished PSA)
        root = os.path.abspath(os.path.join(fixture, "..", "..", "..", ".."))
        ini = open(os.path.join(root, "tests", "data", "good.ini")).read()
        ini = ini.replace("../../configs/", root + "/configs/")
        for k in range(63):
            ini += "\n[strategy s%d]\nlabel = copy %d\nlines = botox\n" % (
                k, k)
        cfg = os.path.join(work, "many.ini")
        open(cfg, "w").write(ini)
        out = os.path.join(work, "many")
        p = subprocess.run([hfsim, "run", "--config", cfg, "--patients", "8",
                            "--out", out, "--quiet"], capture_output=True,
                           text=True)
        expect(p, 0, ["more than 64 strategies: the figures and report.html "
                      "show at most 64 (the CSV results hold them all)",
                      "figures and report.html were not written; the CSV "
                      "results in %s are complete" % out], case)
        if ".hfsim-staging" in p.stderr:
            fail("too_many_strategies: a message names the staging folder, "
                 "gone by now: %s" % p.stderr)
        rows = read_csv(os.path.join(out, "summary.csv"))
        if len(rows) != 65:
            fail("too_many_strategies: %d rows in summary.csv" % len(rows))
        p = run_report(hfsim, out)
        expect(p, 3, ["%s: error: more than 64 strategies" % out], case)
    elif case == "psa_without_evppi":
        # a PSA without [psa] evppi groups writes no evppi.csv: its figures
        # and report are drawn all the same, without the EVPPI figure (the
        # report used to refuse the folder as incomplete)
        os.remove(os.path.join(work, "evppi.csv"))
        p = run_report(hfsim, work)
        expect(p, 0, [], case)
        if p.stderr:
            fail("psa_without_evppi: stderr %r" % p.stderr)
        for fig in ("psa_cloud", "ceac", "evpi"):
            svg_text(os.path.join(work, "figures", fig + ".svg"))
        if os.path.exists(os.path.join(work, "figures", "evppi.svg")):
            fail("psa_without_evppi: an EVPPI figure without evppi.csv")
        if not os.path.exists(html):
            fail("psa_without_evppi: no report.html")
    elif case in ("report_changed_file", "report_missing_file",
                  "report_unlisted"):
        # FIXTURE is a folder with a file list (calibrate): report checks
        # the listed files first and certifies only results as their
        # command wrote them; it never adopts or deletes a file the
        # manifest does not list. Nothing is written in either case.
        p = run_report(hfsim, work)  # figures and report.html, listed
        expect(p, 0, [], case)
        if case == "report_changed_file":
            path = os.path.join(work, "calibration_targets.csv")
            text = open(path).read()
            open(path, "w").write(text.replace(",", ";", 1))  # same size
            code = 5
        elif case == "report_missing_file":
            path = os.path.join(work, "posterior_correlations.csv")
            os.remove(path)
            code = 5
        else:
            os.makedirs(os.path.join(work, "analysis"))
            open(os.path.join(work, "analysis", "a.csv"), "w").write("mine\n")
            open(os.path.join(work, ".notes"), "w").write("mine\n")
            open(os.path.join(work, "notes.txt"), "w").write("mine\n")
            code = 4
        before = snapshot(work)
        p = run_report(hfsim, work)
        if case == "report_changed_file":
            want = ("hfsim: %s: error: SHA-256 %s, manifest.txt says "
                    "67be671e0c111906cbc9cf7a1d0f6d4dde0f6ebf2e87c7bd72b4681b"
                    "fc1a1b3f: the file changed\n" % (path, sha256_of(path)))
        elif case == "report_missing_file":
            want = ("hfsim: %s: error: listed in manifest.txt but missing: No "
                    "such file or directory\n" % path)
        else:
            want = ("hfsim: %s/.notes: error: a file not listed in "
                    "%s/manifest.txt, so not an hfsim result; results "
                    "replace the whole folder, which would delete it: move "
                    "it out of the folder first, or write the results to "
                    "another folder\n" % (work, work))
        if code == 5:
            want += ("hfsim: %s: error: 1 problem: not the folder its "
                     "manifest describes; 'hfsim report' draws only results "
                     "as their command wrote them: restore the file, or run "
                     "the command again\n" % work)
        if p.returncode != code or p.stderr != want:
            fail("%s: exit %d, stderr %r; expected %d and %r" %
                 (case, p.returncode, p.stderr, code, want))
        if snapshot(work) != before:
            fail("%s: the folder changed" % case)
        v = subprocess.run([hfsim, "verify-folder", work],
                           capture_output=True, text=True)
        if v.returncode != 5:
            fail("%s: verify-folder exit %d afterwards (the manifest now "
                 "certifies the folder?): %s" % (case, v.returncode,
                                                 v.stderr))
        if case == "report_unlisted":
            # moved out, the report is drawn, and lists only hfsim's files
            for name in ("analysis", ".notes", "notes.txt"):
                q = os.path.join(work, name)
                shutil.rmtree(q) if os.path.isdir(q) else os.remove(q)
            p = run_report(hfsim, work)
            expect(p, 0, [], case)
            v = subprocess.run([hfsim, "verify-folder", work],
                               capture_output=True, text=True)
            if v.returncode != 0:
                fail("%s: verify-folder after the report: %s" % (case,
                                                                 v.stderr))
            # a line appended to the manifest: refused (exit 5), as by
            # verify-folder; report carried it into the new manifest and
            # certified the folder
            mpath = os.path.join(work, "manifest.txt")
            n_lines = open(mpath).read().count("\n")
            open(mpath, "a").write("seed: 999\n")
            before = snapshot(work)
            p = run_report(hfsim, work)
            want = ("hfsim: %s:%d: error: damaged line (not as hfsim writes "
                    "manifest.txt)\n" % (mpath, n_lines + 1))
            if p.returncode != 5 or not p.stderr.startswith(want):
                fail("%s: a line appended to the manifest: exit %d, %r" %
                     (case, p.returncode, p.stderr))
            if snapshot(work) != before:
                fail("%s: the folder changed" % case)
    else:
        fail("unknown case " + case)
    print("ok: " + case)


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "case":
        cmd_case(*sys.argv[2:])
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "report" and len(sys.argv) == 7:
        cmd_report(sys.argv[2], sys.argv[3], sys.argv[4],
                   sys.argv[5].split(","), sys.argv[6].split("|"))
    elif len(sys.argv) == 5 and sys.argv[1] == "calibrate":
        cmd_calibrate(*sys.argv[2:])
    elif len(sys.argv) in (6, 7) and sys.argv[1] == "browser":
        cmd_browser(*sys.argv[2:])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
