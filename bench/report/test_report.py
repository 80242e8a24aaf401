#!/usr/bin/env python3
"""CTest (label unit): ci/report, ci/compare and bench/summary.py on results/fixtures/.

  test_report.py [WORKDIR]

Runs ci/report on the two fixture result sets and the soak summary into a
temporary folder and checks the figures and tables; runs ci/report on a
results/ tree to check it picks the newest file of each platform; runs
ci/compare and checks that it flags the planted regression (and that it is
significant), flags nothing else, passes A against A, and rejects bad usage.
The fixtures carry the old barrier names (no /algo:); a variant of B made
here carries today's (algo:central, plus dissemination rows and
limit/stream): the report, the summary and compare must read both, and pair
an old name with its algo:central one. Exit 77 (CTest SKIP_RETURN_CODE) when
matplotlib or scipy is missing. A driver's run made here from B (rows
barrier/impl:naive/... whose fences cost nothing, ring/pingpong/impl:naive/...)
must appear side by side with the reference in the report, pair with the
reference's rows in compare only through --pair, and pass check_json, which
must refuse a reference row in it. Bad input (wrong types in JSON of the
right shape, unparsable JSON, a missing or unreadable file, a bad regex, an
unwritable --out) must give every tool exit 2 and a message naming the file
or the option, never a traceback.
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

CI = os.path.dirname(os.path.abspath(__file__))  # bench/report
ROOT = os.path.dirname(os.path.dirname(CI))
FIX = os.path.join(ROOT, "results", "fixtures")
A, B, SOAK = (os.path.join(FIX, f) for f in ("bench-a.json", "bench-b.json", "soak.json"))
# as the tools show them: the fixtures' old names with /algo:central
PLANTED = "barrier/transport:shm/algo:central/mode:delivery/procs:4/traffic:16"
UNCHANGED = "barrier/transport:shm/algo:central/mode:rendezvous/procs:2/traffic:0"
FIGURES = ["barrier-rendezvous", "barrier-delivery", "barrier-processing", "fence-ratio",
           "ring-throughput", "ring-rtt"]
SUMMARY = os.path.join(ROOT, "bench", "summary.py")
CHECK_JSON = os.path.join(ROOT, "bench", "check_json.py")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, CI)
import rfresults as rr  # noqa: E402

failures = []


def check(cond, what):
    print("%s: %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)


def run(tool, *args):
    p = subprocess.run([sys.executable, os.path.join(CI, "rf-" + tool)] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def new_names(src, dst):
    """src with today's names: barrier rows gain /algo:central, and copies
    of the shm ones run as dissemination (p50 x 0.8); a limit/stream row
    (100 M records/s) and the context keys of today's rf-bench."""
    doc = rr.read(src)
    rows = []
    for r in doc["benchmarks"]:
        if r["name"].startswith("barrier/"):
            for key in ("name", "run_name"):
                r[key] = r[key].replace("/mode:", "/algo:central/mode:")
            if "/transport:shm/" in r["name"]:
                d = json.loads(json.dumps(r).replace("algo:central", "algo:dissemination"))
                for c in ("p50", "p99", "p999", "real_time"):
                    d[c] = d[c] * 0.8
                rows.append(d)
        rows.append(r)
        if r["name"].startswith("limit/cacheline_rtt"):
            st = {k: v for k, v in r.items() if k not in ("p50", "p99", "p999", "max")}
            st.update(name=r["name"].replace("cacheline_rtt", "stream"),
                      run_name=r["run_name"].replace("cacheline_rtt", "stream"),
                      records_per_second=1e8, bytes_per_second=64e8, real_time=10.0)
            rows.append(st)
    doc["benchmarks"] = rows
    doc["context"].update(algorithms="central,dissemination", mpi="none",
                          date="2026-12-02T00:00:00+00:00")
    with open(dst, "w") as f:
        json.dump(doc, f)


def driver_run(src, dst, impl="naive"):
    """src as rf-bench --rf_impl=IMPL writes it: its shm central barrier rows
    renamed barrier/impl:IMPL/..., every fence as fast as the rendezvous (a
    barrier that does not drain), ring/pingpong/impl:IMPL/size:S, no
    throughput rows, and the context of the driver."""
    doc = rr.read(src)
    rdv = {}
    for r in doc["benchmarks"]:
        if "/transport:shm/" in r["name"] and "/mode:rendezvous/" in r["name"]:
            rdv[r["name"].replace("rendezvous", "*"), r.get("repetition_index")] = r
    rows = []
    for r in doc["benchmarks"]:
        n = r["name"]
        if n.startswith("barrier/") and "/transport:shm/" in n:
            m = re.search(r"/mode:(\w+)/", n)
            u = rdv[n.replace("/mode:%s/" % m.group(1), "/mode:*/"), r.get("repetition_index")]
            r = dict(r, **{c: u[c] for c in ("p50", "p99", "p999", "real_time")})
            for key in ("name", "run_name"):
                r[key] = "barrier/impl:%s/mode:" % impl + r[key].split("/mode:", 1)[1]
        elif n.startswith("barrier/") or n.startswith("ring/throughput/"):
            continue
        elif n.startswith("ring/pingpong/"):
            r = dict(r, name=n.replace("pingpong/", "pingpong/impl:%s/" % impl),
                     run_name=r["run_name"].replace("pingpong/", "pingpong/impl:%s/" % impl))
        rows.append(r)
    doc["benchmarks"] = rows
    doc["context"].update(algorithms="central", mpi="none", runtime="native",
                          baselines_absent="none", date="2026-12-02T00:00:00+00:00", impl=impl,
                          impl_version="1", impl_describe="sockets and a pthread barrier",
                          impl_caps="rendezvous,delivery,processing", control_plane="world")
    with open(dst, "w") as f:
        json.dump(doc, f)


def bad_inputs(tmp):
    """{what: path} of files every reader must refuse with exit 2: wrong types
    in JSON of the right shape, unparsable JSON, no file, an unreadable one."""
    good = rr.read(B)
    cases = {"context and benchmarks null": {"context": None, "benchmarks": None},
             "a list where the context belongs": dict(good, context=[1, 2]),
             "a list where a row belongs": dict(good, benchmarks=[[1, 2]] + good["benchmarks"]),
             "the top level a list": [good],
             "a soak run not an object": {"runs": ["x"], "totals": {}},
             "a soak count a string": {"runs": [{"rounds": "many", "procs": 2}]}}
    row = dict(good["benchmarks"][0], name=42, run_name=42)
    cases["a benchmark whose name is a number"] = dict(good, benchmarks=[row])
    row = dict(good["benchmarks"][0], p50="fast", p99="slow")
    cases["counters that are strings"] = dict(good, benchmarks=[row] + good["benchmarks"])
    out = {}
    for i, (what, doc) in enumerate(cases.items()):
        out[what] = os.path.join(tmp, "bad-%d.json" % i)
        with open(out[what], "w") as f:
            json.dump(doc, f)
    out["unparsable JSON"] = os.path.join(tmp, "bad-parse.json")
    with open(out["unparsable JSON"], "w") as f:
        f.write('{"context": {}, "benchmarks": [')
    out["NaN, which no tool writes"] = os.path.join(tmp, "bad-nan.json")
    with open(out["NaN, which no tool writes"], "w") as f:
        f.write('{"context": {}, "benchmarks": [{"name": "limit/cacheline_rtt", "p50": NaN}]}')
    out["a missing file"] = os.path.join(tmp, "no-such-file.json")
    out["an unreadable file (a folder)"] = os.path.join(tmp, "a-folder.json")
    os.mkdir(out["an unreadable file (a folder)"])
    return out


def refused(what, cmd, name, exit_code=2):
    """Runs cmd; checks it exits exit_code with one message naming name and no traceback."""
    p = subprocess.run([sys.executable] + cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    ok = (p.returncode == exit_code and name in p.stdout and "Traceback" not in p.stdout)
    check(ok, "%s: exit %d naming %s (%d)" % (what, exit_code, os.path.basename(name),
                                              p.returncode))
    if not ok:
        print(p.stdout[-2000:])


def check_bad_inputs(tmp):
    compare, report = os.path.join(CI, "rf-compare"), os.path.join(CI, "rf-report")
    for what, path in bad_inputs(tmp).items():
        refused("compare BAD B, " + what, [compare, path, B], path)
        refused("compare A BAD, " + what, [compare, A, path], path)
        refused("report, " + what, [report, "--no-install", "--no-svg", "--out",
                                    os.path.join(tmp, "r"), path], path)
        if "soak" in what:
            continue  # both read any object as rf-bench's: a soak file has no rows
        refused("summary.py, " + what, [SUMMARY, path], path)
        refused("check_json, " + what, [CHECK_JSON, path], path)
    for opt in ("--gate", "--filter"):
        refused("compare, a bad %s regex" % opt, [compare, A, B, "--fail-above=10%", opt + "=(x"],
                opt)
    blocker = os.path.join(tmp, "a-file")
    open(blocker, "w").close()
    for out in (os.path.join(blocker, "out"), blocker):
        refused("report, an unwritable --out " + out, [report, "--no-install", "--no-svg",
                                                     "--out", out, A], out)


def write_doc(tmp, name, doc):
    """doc written as tmp/name; returns the path."""
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def run_script(script, *args):
    """A Python script of ours run on args: its exit code and joined output."""
    return subprocess.run([sys.executable, script] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)


def check_digit_names(tmp):
    """A transport or implementation whose name is digits stays a name: the
    tools sort it among the others (it was an int beside "shm": a traceback)."""
    doc = rr.read(A)
    extra = []
    for r in doc["benchmarks"]:
        if r["name"].startswith("barrier/transport:shm/"):
            extra.append({k: v.replace("transport:shm", "transport:7") if k in ("name", "run_name")
                          else v for k, v in r.items()})
    doc["benchmarks"] += extra
    path = write_doc(tmp, "digit-names.json", doc)
    p = run_script(SUMMARY, path)
    check(p.returncode == 0 and re.search(r"^  7 +central ", p.stdout, re.M) is not None,
          "summary.py: a transport named 7 is a row of its own (%d)" % p.returncode)
    rc, text = run("compare", path, A)
    check(rc == 0 and "Traceback" not in text, "compare: a transport named 7 (%d)" % rc)


def check_missing_counters(tmp):
    """A row without its counters is check_json's to report (exit 1); the
    others show "-" for it (summary.py divided None by 1e6)."""
    doc = rr.read(A)
    for r in doc["benchmarks"]:
        if r["name"].startswith("ring/throughput/"):
            r.pop("records_per_second", None)
            r.pop("bytes_per_second", None)
    path = write_doc(tmp, "no-counters.json", doc)
    p = run_script(SUMMARY, path)
    check(p.returncode == 0 and re.search(r"^  size:64 +- \(-\)", p.stdout, re.M) is not None,
          "summary.py: throughput rows without counters show - (%d)" % p.returncode)
    p = run_script(CHECK_JSON, path)
    check(p.returncode == 1 and "missing counter records_per_second" in p.stdout,
          "check_json: a row without its counters fails the check (%d)" % p.returncode)


def check_matrix(tmp):
    """limit/matrix rows (4 PUs, SMT pairs fast) become a heatmap beside the
    topology lstopo draws from the context; without lstopo the report says so."""
    doc = rr.read(A)
    doc["context"]["hwloc_topology"] = "Package:1 L3Cache:1 Core:2 PU:2"
    # only the limit and the map: the report then draws no other figure
    lim = [r for r in doc["benchmarks"] if r["name"] == "limit/cacheline_rtt/manual_time"]
    doc["benchmarks"] = list(lim)
    for r in lim:
        for a in range(4):
            for b in range(a + 1, 4):
                v = 31.0 if a // 2 == b // 2 else 247.0
                n = "limit/matrix/pu:%d/pu:%d/iterations:2000/manual_time" % (a, b)
                doc["benchmarks"].append(dict(r, name=n, run_name=n, p50=v, p99=2 * v, label=""))
    path = os.path.join(tmp, "bench-matrix.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    have_lstopo = shutil.which("lstopo") or shutil.which("lstopo-no-graphics")
    for hide in (False, True):
        out = os.path.join(tmp, "report-matrix-%d" % hide)
        env = dict(os.environ, PATH=tmp) if hide else None  # no lstopo on an empty PATH
        p = subprocess.run([sys.executable, os.path.join(CI, "rf-report"), "--out", out,
                            "--no-install", path], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=env)
        md = open(os.path.join(out, "REPORT.md")).read() if p.returncode == 0 else ""
        svg = os.path.join(out, "figures", "matrix-0-fixture-cpu-a.svg")
        svg = open(svg).read() if os.path.exists(svg) else ""
        check(p.returncode == 0 and "## Core-to-core map" in md
              and "(figures/matrix-0-fixture-cpu-a.png)" in md
              and os.path.getsize(os.path.join(out, "figures", "matrix-0-fixture-cpu-a.png"))
              > 10000, "core-to-core map: a heatmap figure%s (%d)"
              % (" without lstopo" if hide else "", p.returncode))
        # every pair both ways: 6 pairs, 12 cells; 4 of them SMT siblings
        check(svg.count(">31<") == 4 and svg.count(">247<") == 8,
              "core-to-core map: each pair's p50 in both of its cells")
        drawn = "topology (lstopo of the recorded hwloc string)" in svg
        if hide or not have_lstopo:
            check(not drawn and "lstopo not found (Debian package hwloc)" in md,
                  "without lstopo the report says so and draws the map alone")
        else:
            check(drawn and "lstopo not found" not in md and "cannot draw" not in md,
                  "with lstopo: the topology beside the map, and no note")


def noisy_runs(tmp, runs=(("a", 1.0), ("a2", 1.0), ("b", 1.20)), seed=20261202):
    """Runs of the fixtures' barrier rows with 3 repetitions each whose
    p50s scatter by 15 % (lognormal, as on a shared VM), one file per
    (tag, factor) of runs; by default A, A2 (the same machine again) and B
    (every barrier call 20 % slower). A factor carries the run's own drift
    where the caller puts it there. Seeded: the figures are the same on
    every run of the test."""
    import random
    rng = random.Random(seed)
    doc = rr.read(A)
    base = {}
    for r in doc["benchmarks"]:
        if r["name"].startswith("barrier/") and r.get("run_type", "iteration") == "iteration":
            base.setdefault(r["name"], r)
    paths = []
    for tag, factor in runs:
        rows = []
        for name, r in base.items():
            for i in range(3):
                x = factor * rng.lognormvariate(0, 0.15)
                row = {k: v for k, v in r.items() if k != "histogram"}
                row.update(repetitions=3, repetition_index=i)
                for c in ("p50", "p99", "p999", "real_time"):
                    row[c] = r[c] * x
                rows.append(row)
        path = os.path.join(tmp, "noisy-%s.json" % tag)
        with open(path, "w") as f:
            json.dump({"context": doc["context"], "benchmarks": rows}, f)
        paths.append(path)
    return paths


def check_whole_family(tmp):
    """A slowdown of every barrier row is found by barrier/OVERALL though
    no single row's 3 noisy repetitions can show it, and the same machine
    twice flags nothing, not even by chance among the rows: with
    --min-effect=0 some rows have p < 0.05 and only the Benjamini-Hochberg
    adjustment keeps them from being flagged."""
    a, a2, b = noisy_runs(tmp)
    rc, text = run("compare", a, b, "--fail-above=5%", "--gate=OVERALL", "--significant-only")
    overall = row_of(text, "barrier/OVERALL")
    check(rc == 1 and "REGRESSION" in overall, "a 20 %% slowdown of every row: "
          "barrier/OVERALL significant and gated: %s" % overall)
    rows = [l for l in text.splitlines() if l.startswith("barrier/transport:")]
    alone = [l for l in rows if "(significant)" in l]
    check(len(rows) >= 20 and len(alone) < len(rows) // 2,
          "most rows alone cannot tell it (%d of %d flagged)" % (len(alone), len(rows)))
    for margin in ("--min-effect=5%", "--min-effect=0"):
        rc, text = run("compare", a, a2, margin)
        flagged = [l.split("  ")[0] for l in text.splitlines() if "(significant)" in l]
        check(rc == 0 and not flagged, "the same machine twice, %s: nothing flagged (%s)" % (
            margin, flagged))
    raw = [l for l in text.splitlines() if l.startswith("barrier/")
           and re.search(r"\s0\.0[0-4]\d\d\s", l)]
    check(len(raw) > 0, "the adjustment is what keeps it clean: %d row(s) with p < 0.05 "
          "unadjusted" % len(raw))
    check(rr.bh_adjust([0.01, None, 0.04, 0.03]) == [0.03, None, 0.04, 0.04],
          "Benjamini-Hochberg by hand: %s" % rr.bh_adjust([0.01, None, 0.04, 0.03]))


def check_runs_as_units(tmp):
    """Several runs a side: each run drifts as a whole (its factor, 4 %
    lognormal, shared by all its rows), which one run a side cannot tell
    from a change. With 5 runs a side as the units a 10 % slowdown of every
    row is flagged by barrier/OVERALL and gated, 5 other runs of the same
    machine flag nothing, and one drifting pair alone, judged with no
    margin, flags what is only drift."""
    import random
    rng = random.Random(7)
    drift = lambda: rng.lognormvariate(0, 0.04)
    spec = [("a%d" % i, drift()) for i in range(5)] + [("c%d" % i, drift()) for i in range(5)]
    spec += [("b%d" % i, 1.10 * drift()) for i in range(5)]
    paths = dict(zip([t for t, _ in spec], noisy_runs(tmp, spec, seed=11)))
    side = lambda x: ",".join(paths["%s%d" % (x, i)] for i in range(5))
    rc, text = run("compare", side("a"), side("b"), "--fail-above=5%", "--gate=OVERALL",
                   "--significant-only")
    overall = row_of(text, "barrier/OVERALL")
    check(rc == 1 and "REGRESSION" in overall and "runs as the units (5 a side)" in text,
          "5 runs a side, every row 10 %% slower: barrier/OVERALL gated: %s" % overall)
    rc, text = run("compare", side("a"), side("c"))
    flagged = [l.split("  ")[0] for l in text.splitlines() if "(significant)" in l]
    check(rc == 0 and not flagged and "min-effect" in text,
          "5 runs a side of the same machine: nothing flagged (%s)" % flagged)
    # the pair of runs that drifted furthest apart, judged alone without a margin
    lo = min(range(5), key=lambda i: spec[i][1])
    hi = max(range(5, 10), key=lambda i: spec[i][1])
    rc, text = run("compare", paths[spec[lo][0]], paths[spec[hi][0]], "--min-effect=0")
    check("slower (significant)" in row_of(text, "barrier/OVERALL"),
          "one run a side sees a drift of %.3f as a change: %s" % (
              spec[hi][1] / spec[lo][1], row_of(text, "barrier/OVERALL")))
    rc, text = run("compare", paths["a0"], side("b"))
    check(rc == 2 and "at least 2 a side" in text, "one run against five: refused (%d)" % rc)
    levels = rr.run_levels([[0.0, 0.1, 0.2], [1.0, 1.1, 1.2], [5.0, 5.1, 5.2]])
    check([round(x, 4) for x in levels] == [round(math.exp(-0.1), 4), 1.0,
                                            round(math.exp(0.1), 4)],
          "run levels by hand: %s" % levels)


def check_runs_paired(tmp):
    """--paired: each pair of runs shares the machine's state of its minutes
    (a factor per pair, 10 % lognormal, far more than the rows' own noise
    leaves in a run's level). Paired, a 10 % slowdown of every row is
    flagged and gated, and A against A' of the same pairs flags nothing;
    unpaired the same runs cannot tell the slowdown from the drift, and
    paired in the wrong order (each B beside another pair's A) neither:
    what finds it is the pairing."""
    import random
    rng = random.Random(5)
    n = 5
    drift = [rng.lognormvariate(0, 0.10) for _ in range(n)]
    spec = [("pa%d" % i, drift[i]) for i in range(n)] + [("pc%d" % i, drift[i]) for i in range(n)]
    spec += [("pb%d" % i, 1.10 * drift[i]) for i in range(n)]
    paths = dict(zip([t for t, _ in spec], noisy_runs(tmp, spec, seed=13)))
    side = lambda x, order=range(n): ",".join(paths["%s%d" % (x, i)] for i in order)
    rc, text = run("compare", "--paired", side("pa"), side("pb"), "--fail-above=5%",
                   "--gate=OVERALL", "--significant-only")
    overall = row_of(text, "barrier/OVERALL")
    check(rc == 1 and "REGRESSION" in overall and "pairs of runs as the units (5 pairs" in text,
          "paired, every row 10 %% slower: barrier/OVERALL gated: %s" % overall)
    rc, text = run("compare", "--paired", side("pa"), side("pc"))
    flagged = [l.split("  ")[0] for l in text.splitlines() if "(significant)" in l]
    check(rc == 0 and not flagged, "paired, A against A': nothing flagged (%s)" % flagged)
    rc, text = run("compare", side("pa"), side("pb"))
    check("(not significant)" in row_of(text, "barrier/OVERALL"),
          "unpaired, the same runs: the drift hides the slowdown: %s" %
          row_of(text, "barrier/OVERALL"))
    rc, text = run("compare", "--paired", side("pa"), side("pb", [1, 2, 3, 4, 0]))
    check("(not significant)" in row_of(text, "barrier/OVERALL"),
          "paired out of order: not flagged either: %s" % row_of(text, "barrier/OVERALL"))
    rc, text = run("compare", "--paired", side("pa"), side("pb", range(n - 1)))
    check(rc == 2 and "as many runs in A as in B" in text, "paired, 5 runs against 4: refused "
          "(%d)" % rc)
    rc, text = run("compare", "--paired", paths["pa0"], paths["pb0"])
    check(rc == 2 and "at least 2" in text, "paired, one run a side: refused (%d)" % rc)
    d = rr.pair_levels([[0.0, 1.0, 0.1, 1.3], [2.0, 3.0, 2.1, 3.3], [4.0, 5.0, 4.1, 5.3]], 2)
    check([round(x, 4) for x in d] == [0.1, 0.3], "pair levels by hand: %s" % d)
    ci = rr.paired_ratio_ci([0.1, 0.1, 0.1])
    check(abs(ci["ratio"] - math.exp(0.1)) < 1e-9 and ci["lo"] < ci["ratio"] < ci["hi"],
          "identical pairs: the floor keeps an interval (%s)" % ci)


def row_of(out, name):
    """The compare table line of one benchmark."""
    for line in out.splitlines():
        if line.split("  ")[0].strip() == name:
            return line
    return ""


def main():
    # the tools re-run themselves under /usr/bin/python3 when that one has the
    # modules; the test only needs to know whether they can run at all
    if rr.need(["matplotlib", "scipy"], install=False):
        print("SKIP: matplotlib or scipy missing (Debian: python3-matplotlib python3-scipy)")
        return 77
    tmp = tempfile.mkdtemp(prefix="rf-report-test.")
    try:
        # --- the report on the fixtures -------------------------------------
        out = os.path.join(tmp, "report")
        rc, text = run("report", "--out", out, "--no-install", A, B, SOAK)
        check(rc == 0, "ci/report exits 0 (%d)" % rc)
        md = open(os.path.join(out, "REPORT.md")).read() if rc == 0 else ""
        if rc:
            print(text)
        for f in FIGURES:
            png = os.path.join(out, "figures", f + ".png")
            ok = os.path.exists(png) and os.path.getsize(png) > 10000
            if ok:
                with open(png, "rb") as fh:
                    ok = fh.read(8) == b"\x89PNG\r\n\x1a\n"
            check(ok, "figure %s.png written (a PNG over 10 kB)" % f)
            check(os.path.exists(os.path.join(out, "figures", f + ".svg")), "figure %s.svg" % f)
            check("figures/%s.png" % f in md, "REPORT.md shows %s.png" % f)
        check(re.search(r"^\|  \| fixture-cpu-a \| fixture-cpu-b \|$", md, re.M) is not None,
              "platform table has one column per platform")
        for field in ("CPU", "topology (hwloc)", "OS", "kernel", "compiler", "build",
                      "placement", "binding", "oversubscribed", "date", "revision"):
            check(re.search(r"^\| %s \|" % re.escape(field), md, re.M) is not None,
                  "platform table row: %s" % field)
        check("| CPU | Fixture CPU A (x86_64), 2 CPUs" in md, "CPU cell from the context")
        check("| binding | P=2: PU 0,1; P=4: PU 0,1,0,1 | P=2: PU 0,1; P=4: PU 0,1,2,3 |" in md,
              "binding condensed to PU lists")
        check("| shm barrier P=2, rendezvous (fastest algorithm) | 350 ns, central (1.46 x limit) |"
              in md, "at-a-glance row: shm rendezvous against the limit, an old file as central")
        check("| barrier/transport:shm/algo:central/mode:delivery/procs:2/traffic:0 | fixture-cpu-a "
              "| 543 ns | 924 ns | 2.26 | 0.0218 | pthread_barrier 24.9 us | 0.755 | 1.55 |" in md,
              "ratio table row: p50, p99, / limit, / pthread, / MPI, / rendezvous")
        check("| barrier/transport:shm/algo:central/mode:rendezvous/procs:4/traffic:0 * | "
              "fixture-cpu-a |" in md, "oversubscribed rows are marked")
        check("| best shm rendezvous P=2 / MPI_Barrier | 0.487 (central 350 ns, MPI 719 ns) |" in md
              and "| shm central delivery/processing fence / rendezvous, K=0 | P=2 1.55/1.51; "
              "P=4 1.11/1.09 |" in md and "issue 4" not in md,
              "targets table: best rendezvous against MPI, fence ratios per P")
        check("| fixture-cpu-a | 5 | 5,151,000 | 0 | 0 | 53 / 796,600 (0.00665 %) | 21.4 |"
              in md and "per million" not in md,
              "soak totals row: rounds, violations, stalls, miss rate in %, release latency")
        check("| 2 | shm | central | all | none | 2,100,000 | 3500 | 0 | 0 | 41 / 700,000 "
              "(0.00586 %) |" in md, "soak run row: its miss rate in %")
        check(re.findall(r"^## .*", md, re.M)[:2] == ["## What the fence costs, and against MPI",
                                                      "## Platforms"],
              "the first table: what the fence costs, and against MPI")
        check("| fixture-cpu-a | 1.55 / 1.51 (central) | P=4: 1.11 / 1.09 (central) * | 0.755 "
              "(543 ns against 719 ns) | P=4: 0.000363 (3.99 us against 11.01 ms) * |" in md
              and "| fixture-cpu-b | 1.53 / 1.53 (central) | P=4: 1.13 / 1.07 (central) | "
              "- (MPI_Barrier not run) |" in md,
              "fence cost: one line per platform, P=2 and the largest P, against MPI_Barrier")
        check(re.search(r"issue \d", md) is None, "no 'issue N' wording in the report")
        svg = os.path.join(out, "figures", "barrier-rendezvous.svg")
        svg = open(svg).read() if os.path.exists(svg) else ""
        check("baseline MPI_Barrier (no traffic), own scale" in svg
              and "MPI_Barrier (own panel)" in svg,
              "barrier figure: MPI_Barrier in a panel of its own")
        for f in ("barrier-rendezvous", "ring-rtt", "ring-throughput"):
            path = os.path.join(out, "figures", f + ".svg")
            text = open(path).read() if os.path.exists(path) else ""
            # one legend entry per platform (a colour), not one per style
            check(text.count(">fixture-cpu-a<") == 1 and text.count(">fixture-cpu-b<") == 1,
                  "%s: each platform once in the legend" % f)
        check("| 3 * | shm | central | delivery | kill-worker | 51,000 | 85 | 0 | 0 | - "
              "| 40 (0 failed) | 21.40 / 21.40 |" in md,
              "soak run row of the kill-worker trials (a file without algorithms: central)")

        check("| physical limit over repetitions | 237 ns to 243 ns |" in md
              and "moved by more than" not in md, "a steady physical limit is not flagged")

        check_matrix(tmp)

        # --- a run whose physical limit moved (a VM's vCPUs changed cores) -------
        doc = rr.read(A)
        for r in doc["benchmarks"]:
            if r["name"] == "limit/cacheline_rtt/manual_time" and r.get("repetition_index") == 1:
                r["p50"] = 720
        shaky = os.path.join(tmp, "bench-shaky.json")
        with open(shaky, "w") as f:
            json.dump(doc, f)
        out = os.path.join(tmp, "report-shaky")
        rc, text = run("report", "--out", out, "--no-install", "--no-svg", shaky)
        md = open(os.path.join(out, "REPORT.md")).read() if rc == 0 else ""
        check("| 237 ns to 720 ns (unstable: the host moved the CPUs) |" in md
              and "On fixture-cpu-a the physical limit itself moved" in md,
              "a physical limit that moved 3 x between repetitions is flagged")

        # --- a platform with only a soak summary (Windows under wine) ------------
        doc = rr.read(SOAK)
        doc["platform"] = "fixture-wine"
        doc["context"] = {"os": "Windows API of wine-8.0 on Fixture OS", "kernel": "Linux 6",
                          "runtime": "wine: an emulation, not native Windows",
                          "cpu_model": "Fixture CPU W", "num_cpus": 2}
        doc["runs"][0]["algorithm"] = "tree"  # rf-soak --json names it since --algorithm
        wine = os.path.join(tmp, "soak-wine.json")
        with open(wine, "w") as f:
            json.dump(doc, f)
        out = os.path.join(tmp, "report-wine")
        rc, text = run("report", "--out", out, "--no-install", "--no-svg", A, wine)
        md = open(os.path.join(out, "REPORT.md")).read() if rc == 0 else ""
        check(re.search(r"^\|  \| fixture-cpu-a \| fixture-wine \|$", md, re.M) is not None,
              "a soak-only platform gets a column of the platform table")
        check("| runtime | native | wine: an emulation, not native Windows |" in md,
              "the platform table says wine is an emulation")
        check("| results | rf-bench | rf-soak only |" in md and "Fixture CPU W, 2 CPUs |" in md,
              "the soak-only column: what it has, its CPU")
        check("| 2 | shm | tree | delivery | none |" in md, "a soak run row names its algorithm")

        # --- the default: newest file of each platform folder -----------------
        res = os.path.join(tmp, "results")
        for plat, src in (("plat-a", A), ("plat-b", B)):
            os.makedirs(os.path.join(res, plat))
            shutil.copy(src, os.path.join(res, plat, "20250101T000000Z-old.json"))
            shutil.copy(src, os.path.join(res, plat, "20261231T000000Z-new.json"))
        shutil.copy(SOAK, os.path.join(res, "plat-a", "soak-20261231T000000Z-new.json"))
        os.makedirs(os.path.join(res, "fixtures"))
        shutil.copy(A, os.path.join(res, "fixtures", "20991231T000000Z-fixture.json"))
        rc, text = run("report", "--results", res, "--no-install", "--no-svg")
        md = open(os.path.join(res, "REPORT.md")).read() if rc == 0 else ""
        check(rc == 0 and "plat-a/20261231T000000Z-new.json" in md
              and "plat-b/20261231T000000Z-new.json" in md
              and "plat-a/soak-20261231T000000Z-new.json" in md
              and "-old.json" not in md and "fixture.json" not in md,
              "default input: the newest bench and soak file of each platform, not fixtures/")
        check(os.path.exists(os.path.join(res, "figures", "barrier-rendezvous.png")),
              "default output: results/REPORT.md and results/figures/")

        # --- old and new names -------------------------------------------------
        bnew = os.path.join(tmp, "bench-b-new.json")
        new_names(B, bnew)
        out = os.path.join(tmp, "report-new")
        rc, text = run("report", "--out", out, "--no-install", "--no-svg", A, bnew)
        md = open(os.path.join(out, "REPORT.md")).read() if rc == 0 else ""
        if rc:
            print(text)
        check(rc == 0 and all(os.path.exists(os.path.join(out, "figures", f + ".png"))
                              for f in FIGURES), "ci/report on an old and a new file (%d)" % rc)
        check("| barrier/transport:shm/algo:dissemination/mode:delivery/procs:2/traffic:0 | "
              "fixture-cpu-b |" in md, "a new algorithm's rows in the ratio table")
        check("| shm barrier P=2, rendezvous (fastest algorithm) | 350 ns, central (1.46 x limit) "
              "| 278 ns, dissemination (1.13 x limit) |" in md,
              "at a glance: the fastest algorithm of each run")
        check(re.search(r"^\| ring throughput 64 B, 1 reader / limit/stream \| - \| 0\.0588 \|",
                        md, re.M) is not None, "targets: ring throughput against limit/stream")
        check("| shm dissemination rendezvous P=2 / limit/cacheline_rtt | - | 1.13 | <= 1.2 |" in md,
              "targets: a row per algorithm, '-' for the run without it")
        for f in (A, bnew):
            p = subprocess.run([sys.executable, SUMMARY, f], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            lines = p.stdout.splitlines()
            check(p.returncode == 0 and "targets on this run (reported, not asserted)" in lines
                  and not any("issue 4" in l for l in lines),
                  "summary of %s: exit 0, the targets table" % os.path.basename(f))
            rows = [l.split()[:4] for l in lines if re.match(r"  (shm|coordinator) ", l)]
            want = [["shm", "central", "2", "0"], ["coordinator", "central", "2", "0"]]
            if f == bnew:
                want.append(["shm", "dissemination", "2", "0"])
            check(all(w in rows for w in want) and len(rows) == len({tuple(r) for r in rows}),
                  "summary of %s: one barrier row per transport, algorithm, P, K"
                  % os.path.basename(f))
            check(any(re.match(r"  best shm rendezvous P=2 / MPI_Barrier +(0\.487 \(central|- \()",
                               l) for l in lines), "summary of %s: best rendezvous against MPI"
                  % os.path.basename(f))
        p = subprocess.run([sys.executable, SUMMARY, os.path.join(tmp, "missing.json")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 2 and "Traceback" not in p.stdout, "summary: a missing file, exit 2")
        rc, text = run("compare", A, bnew, "--fail-above=10%")
        planted = row_of(text, PLANTED)
        fail_list = text.split("FAIL:")[-1].strip().splitlines()[1:]
        check(rc == 1 and "REGRESSION" in planted and "+40." in planted
              and [l.split()[0] for l in fail_list] == [PLANTED],
              "compare old against new names: the planted regression, under algo:central")
        check(row_of(text, UNCHANGED) != "" and "only in B" in text,
              "compare pairs an old central name with its algo:central one; new algorithms "
              "are only in B")

        # --- an implementation under test beside the reference --------------------
        naive = os.path.join(tmp, "bench-naive.json")
        driver_run(B, naive)
        out = os.path.join(tmp, "report-impl")
        rc, text = run("report", "--out", out, "--no-install", A, naive)
        md = open(os.path.join(out, "REPORT.md")).read() if rc == 0 else ""
        if rc:
            print(text)
        check(rc == 0 and "## Implementations side by side" in md,
              "ci/report on the reference and a driver's run: the side-by-side table (%d)" % rc)
        check("| shm transport, central | fixture-cpu-a | 2 | 350 ns | 543 ns | 1.55 |" in md,
              "side by side: the reference's rendezvous, delivery fence and its cost at P=2")
        m = re.search(r"^\| naive \(driver\) \| fixture-cpu-b \| 2 \| ([^|]+) \| \1 \| 1\.00 \| \1 "
                      r"\| 1\.00 \|", md, re.M)
        check(m is not None, "side by side: the driver's row, a fence that costs nothing")
        check("| implementation | ringfence " in md and "| naive 1: sockets and a pthread barrier"
              in md, "platform table: the implementation of each run (an old file: ringfence)")
        check(re.search(r"^\| naive \| fixture-cpu-b \| 64 \|", md, re.M) is not None,
              "side by side: the driver's ring ping-pong")
        svg = os.path.join(out, "figures", "barrier-delivery.svg")
        check(os.path.exists(svg) and "naive (driver)" in open(svg).read(),
              "the barrier figure has a line of the driver, named in its legend")
        rc, text = run("compare", A, naive)
        check(rc == 0 and row_of(text, "limit/cacheline_rtt") != ""
              and not re.search(r"^barrier/", text, re.M) and "impl naive" in text,
              "compare: a driver's barrier rows never pair with the reference's by themselves")
        rc, text = run("compare", "--pair=transport:shm/algo:central=impl:naive", A, naive)
        check(rc == 0 and row_of(text, PLANTED) != "" and row_of(text, UNCHANGED) != "",
              "compare --pair: the driver's rows against the reference's of the same mode, P, K")
        rc, _ = run("compare", "--pair=naive", A, naive)
        check(rc == 2, "compare --pair without SA=SB: usage error, exit 2 (%d)" % rc)
        p = subprocess.run([sys.executable, CHECK_JSON, "--self-test", naive],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 0 and "all" in p.stdout, "check_json passes the driver's run, "
              "and notices each mutation of it: %s" % p.stdout.strip().splitlines()[-1:])
        doc = rr.read(naive)
        doc["benchmarks"].append(dict(doc["benchmarks"][-1], name=UNCHANGED + "/manual_time",
                                      run_name=UNCHANGED + "/manual_time"))
        mixed = os.path.join(tmp, "bench-naive-mixed.json")
        with open(mixed, "w") as f:
            json.dump(doc, f)
        p = subprocess.run([sys.executable, CHECK_JSON, mixed], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 1 and "not a known benchmark name" in p.stdout,
              "check_json refuses a reference row in a driver's run")
        p = subprocess.run([sys.executable, SUMMARY, naive], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        check(p.returncode == 0 and "implementation: naive 1" in p.stdout
              and re.search(r"^  naive +driver +2 +0 ", p.stdout, re.M) is not None,
              "summary of a driver's run: its implementation and barrier rows")
        check(rr.impl_of(rr.load(A).context) == "ringfence", "a file from before: the reference")

        # --- compare ------------------------------------------------------------
        rc, text = run("compare", A, B, "--fail-above=10%")
        print(text)
        check(rc == 1, "compare A B --fail-above=10%% exits 1 (%d)" % rc)
        planted = row_of(text, PLANTED)
        check("REGRESSION" in planted and "+40." in planted, "the planted regression is flagged")
        m = re.search(r"\s(0\.\d{4})\s", planted)
        check(m is not None and float(m.group(1)) < 0.05, "the planted regression is significant")
        fail_list = text.split("FAIL:")[-1].strip().splitlines()[1:]
        check([l.split()[0] for l in fail_list] == [PLANTED], "nothing else gates: %s" % fail_list)
        same = row_of(text, UNCHANGED)
        check(same != "" and "REGRESSION" not in same and "(significant)" not in same,
              "an unchanged benchmark is not flagged")
        check("REGRESSION" not in row_of(text, "ring/pingpong/size:64")
              and "faster (significant)" in row_of(text, "ring/pingpong/size:64"),
              "an improvement is reported as faster, not as a regression")
        rc, _ = run("compare", A, B, "--fail-above=10%", "--gate=" + re.escape(UNCHANGED))
        check(rc == 0, "a gate on the unchanged benchmark passes (%d)" % rc)
        rc, _ = run("compare", A, B, "--fail-above=50%")
        check(rc == 0, "a 40%% regression passes a 50%% threshold (%d)" % rc)
        rc, _ = run("compare", A, B, "--fail-above=10%", "--significant-only")
        check(rc == 1, "--significant-only still gates a significant regression (%d)" % rc)
        rc, _ = run("compare", A, B, "--fail-above=10%", "--gate-on=p99")
        check(rc == 1, "--gate-on=p99 gates the planted p99 (%d)" % rc)
        rc, text = run("compare", A, A, "--fail-above=1%")
        check(rc == 0 and "REGRESSION" not in text, "A against itself: no change (%d)" % rc)
        rc, _ = run("compare", A)
        check(rc == 2, "one file only: usage error, exit 2 (%d)" % rc)
        rc, _ = run("compare", A, SOAK)
        check(rc == 2, "a soak summary is not compared: exit 2 (%d)" % rc)

        check_whole_family(tmp)
        check_runs_as_units(tmp)
        check_runs_paired(tmp)

        # --- bad input: a message naming the file, exit 2 ------------------------
        check_bad_inputs(tmp)
        check_digit_names(tmp)
        check_missing_counters(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
