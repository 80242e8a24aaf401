#!/usr/bin/env python3
"""Checks an rf-bench JSON result: names, counters and context keys.

  check_json.py [--self-test] [--expect-procs 2,3 [--complete]] FILE.json
  check_json.py [--self-test] [--expect-procs 2,3 [--complete]] [--emulator=EMU ...]
                --run RF_BENCH --out FILE.json -- ARGS...

With --run it first runs RF_BENCH ARGS writing JSON to FILE.json (through
the emulator, e.g. wine, when given). Every row must be a known benchmark
(its name is the interface), carry the counters of its family and not be an
error; the context must carry every SPEC section 8 key (a file written
before rf-bench had a key may lack it) and list the transports of the barrier
rows. --expect-procs also
requires one row of every family, and barrier and pthread rows at each listed
P, except a baseline the context lists in baselines_absent (such a baseline
must then have no row). --complete (a default sweep, as ci/bench keeps) also
requires baseline/mpi_barrier at each listed P unless the context lists it
absent, and shm barrier rows of every algorithm the context lists at each
listed P. Barrier names without /algo: (files from before) read as central.
A driver's run (context impl other than ringfence) has barrier/impl:<impl>/...
and ring/pingpong/impl:<impl>/... rows instead of the reference's ring and
barrier rows; --expect-procs then requires a barrier row of every mode its
impl_caps claims at each listed P. Under mpirun (control_plane mpi) the
limit rows are not required: no world is launched there. A file whose
context states histogram_scheme must carry a histogram in every latency
row (p50 ... max), counting every iteration, with its exact min and max in
its first and last bucket, whose percentiles are the row's p50, p99 and p999
counters; older files have none and need none.
--self-test then removes each required item in turn
from a copy and fails unless the check notices: the check can fail.

Exit status: 0 the file passes, 1 a check failed (or rf-bench failed), 2 bad
usage or a file that cannot be read or is not rf-bench JSON of the right
types (the message names it and the problem).
"""
import argparse
import copy
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
# report/rfresults.py reads result files for every tool
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "report"))
import rfresults as rr  # noqa: E402

CONTEXT_KEYS = ["rf_version", "rf_git_revision", "os", "kernel", "cpu_model", "hwloc_topology",
                "compiler", "compiler_flags", "build_type", "placement", "binding",
                "oversubscribed", "runtime", "baselines_absent", "algorithms", "mpi",
                "impl", "impl_version", "impl_describe", "impl_caps", "control_plane",
                "histogram_scheme"]
LATENCY = ["p50", "p99", "p999", "max"]
WAITS = LATENCY + ["slowest_wait_mean"]
RATES = ["records_per_second", "bytes_per_second"]
COUNTERS = {"limit": LATENCY, "matrix": LATENCY, "stream": RATES, "pingpong": LATENCY,
            "impl_pingpong": LATENCY,
            "throughput": RATES,
            "throughput_batch": RATES, "barrier": WAITS, "pthread": WAITS, "pipe": LATENCY,
            "mpi": LATENCY}
OPTIONAL = {"mpi", "matrix",  # without --complete: a filtered run may leave them out
            "throughput_batch"}  # a variant: smoke runs may filter it out
# A run of a driver (--rf_impl) has its ring and barrier rows instead of the
# reference's: these families are then neither required nor allowed.
REFERENCE_ONLY = {"pingpong", "throughput", "throughput_batch"}
# Under mpirun (control_plane mpi) no world is launched: no limit rows.
WORLD_ONLY = {"limit", "stream", "matrix"}


def listed(ctx, key, default):
    """The names of a context list such as "a,b (not available: c)"."""
    return str(ctx.get(key, default)).split(" (")[0].split(",")


def family(name, ctx):
    """The family of a row's name, its counters and parameters; None when the
    name is no benchmark of rf-bench (or of a transport or shm algorithm the
    run does not list; the coordinator's one algorithm is central)."""
    fam, params = rr.classify(rr.base_name(name))
    driver = rr.impl_of(ctx) != rr.REFERENCE
    if fam in REFERENCE_ONLY and driver:
        fam = None
    elif fam == "impl_pingpong" and params["impl"] != rr.impl_of(ctx):
        fam = None  # a driver's rows only in that driver's run
    elif fam == "barrier" and params["algo"] == rr.DRIVER:
        if params["mode"] not in rr.MODES or params["impl"] != rr.impl_of(ctx):
            fam = None
    elif fam == "barrier" and driver:
        fam = None
    elif fam == "barrier":
        algos = listed(ctx, "algorithms", rr.OLD_ALGORITHM)
        if (params["mode"] not in rr.MODES or params["transport"] not in listed(ctx, "transports", "")
                or params["algo"] not in rr.ALGORITHMS
                or (params["transport"] == "shm" and params["algo"] not in algos)
                or (params["transport"] != "shm" and params["algo"] != "central")):
            fam = None
    return fam, COUNTERS.get(fam), params


def histogram_problems(name, r, ctx):
    """A latency row's histogram (when the context states the scheme, rf-bench
    writes one in every such row): its shape, a count of every iteration, and
    the p50, p99 and p999 counters it makes (the same nearest rank)."""
    h = r.get("histogram")
    if h is None:
        return ["%s: no histogram" % name] if "histogram_scheme" in ctx else []
    why = rr.hist_problem(h) if isinstance(h, dict) else "not an object"
    if why:
        return ["%s: histogram: %s" % (name, why)]
    out = []
    # the exact min and max fall in the first and last bucket: the bucket math
    # of the file and of this reader agree
    if h["buckets"] and (rr.hist_index(h["min_ns"]) != h["buckets"][0][0]
                         or rr.hist_index(h["max_ns"]) != h["buckets"][-1][0]):
        out.append("%s: histogram: min %d / max %d ns are not in its first / last bucket"
                   % (name, h["min_ns"], h["max_ns"]))
    if isinstance(r.get("iterations"), int) and h["count"] != r["iterations"]:
        out.append("%s: histogram: %d values for %d iterations" % (name, h["count"], r["iterations"]))
    for key, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999)):
        v, want = r.get(key), rr.hist_quantile(h, q)
        if isinstance(v, (int, float)) and want is not None and abs(v - want) > 1e-6 * max(1, want):
            out.append("%s: counter %s %g is not its histogram's %g" % (name, key, v, want))
    return out


def predated(ctx):
    """The context keys a file lacks because it is older than them."""
    return [k for k in CONTEXT_KEYS if not str(ctx.get(k, "")).strip() and rr.predates(ctx, k)]


def problems(doc, expect_procs, complete=False):
    out = []
    ctx = doc.get("context", {})
    for k in CONTEXT_KEYS:
        if not str(ctx.get(k, "")).strip() and k not in predated(ctx):
            out.append("context: missing %s" % k)
    gone = set()
    for name, why in rr.absent_baselines(ctx).items():
        if name in rr.BASELINES and why is not None:
            gone.add(rr.BASELINES[name])
        else:
            out.append("context: baselines_absent: not '<baseline>: <why>': %s"
                       % (name if why is None else name + ": " + why))
    rows = doc.get("benchmarks", [])
    if not rows:
        out.append("no benchmark rows")
    seen = set()
    for r in rows:
        name = r.get("run_name", r.get("name", "?"))
        fam, counters, params = family(name, ctx)
        if fam is None:
            out.append("%s: not a known benchmark name" % name)
            continue
        if fam in gone:
            out.append("%s: a row of a baseline the context lists as absent" % name)
            continue
        if r.get("error_occurred"):
            out.append("%s: failed: %s" % (name, r.get("error_message", "")))
            continue
        for c in counters:
            if not isinstance(r.get(c), (int, float)):
                out.append("%s: missing counter %s" % (name, c))
        if r.get("run_type", "iteration") == "iteration" and "p50" in counters:
            out += histogram_problems(name, r, ctx)
        if r.get("run_type", "iteration") == "iteration":
            seen.add(fam)
            if fam in ("barrier", "pthread", "mpi"):
                seen.add("%s:%s" % (fam, params["procs"]))
            if fam == "barrier" and params["algo"] == rr.DRIVER:
                seen.add("%s:%s" % (params["mode"], params["procs"]))
            if fam == "barrier" and params["transport"] == "shm":
                seen.add("shm/%s:%s" % (params["algo"], params["procs"]))
    driver = rr.impl_of(ctx) != rr.REFERENCE
    if expect_procs:
        for fam in dict(rr.FAMILIES):
            if driver and fam in REFERENCE_ONLY or not driver and fam == "impl_pingpong":
                continue
            if fam in WORLD_ONLY and ctx.get("control_plane") == "mpi":
                continue
            if (fam not in OPTIONAL or complete) and fam not in gone and fam not in seen:
                out.append("no %s row" % fam)
        for p in expect_procs:
            for fam in ("barrier", "pthread") + (("mpi",) if complete else ()):
                if fam not in gone and "%s:%s" % (fam, p) not in seen:
                    out.append("no %s row at procs:%s" % (fam, p))
            # a driver's run: a barrier row at each P of every mode it claims
            for m in rr.MODES if driver else ():
                if m in listed(ctx, "impl_caps", "") and "%s:%s" % (m, p) not in seen:
                    out.append("no %s barrier row at procs:%s (impl_caps claims it)" % (m, p))
            if complete and "shm" in listed(ctx, "transports", "") and not driver:
                for a in listed(ctx, "algorithms", rr.OLD_ALGORITHM):
                    if "shm/%s:%s" % (a, p) not in seen:
                        out.append("no shm barrier row of algorithm %s at procs:%s" % (a, p))
    return out


def mutants(doc):
    """Copies of doc with one required item removed or broken, and what."""
    for k in CONTEXT_KEYS:
        if k in predated(doc["context"]):
            continue  # nothing to remove
        d = copy.deepcopy(doc)
        d["context"].pop(k, None)
        yield d, "context key %s removed" % k
    done = set()
    for i, r in enumerate(doc["benchmarks"]):
        fam, counters, _ = family(r.get("run_name", r["name"]), doc["context"])
        if fam in done or r.get("run_type", "iteration") != "iteration":
            continue
        done.add(fam)
        for c in counters:
            d = copy.deepcopy(doc)
            d["benchmarks"][i].pop(c, None)
            yield d, "%s: counter %s removed" % (r["name"], c)
        d = copy.deepcopy(doc)
        d["benchmarks"][i]["name"] = d["benchmarks"][i]["run_name"] = "renamed/" + r["name"]
        yield d, "%s renamed" % r["name"]
        if isinstance(r.get("histogram"), dict) and r["histogram"].get("buckets"):
            d = copy.deepcopy(doc)
            d["benchmarks"][i].pop("histogram")
            yield d, "%s: histogram removed" % r["name"]
            d = copy.deepcopy(doc)
            d["benchmarks"][i]["histogram"]["buckets"][0][1] += 1
            yield d, "%s: a histogram bucket miscounted" % r["name"]
            d = copy.deepcopy(doc)
            h = d["benchmarks"][i]["histogram"]
            h["buckets"] = [[b[0] + 1, b[1]] for b in h["buckets"]]  # the bucket math shifted
            yield d, "%s: histogram buckets shifted" % r["name"]
    # a baseline that ran cannot be declared absent
    for name, fam in rr.BASELINES.items():
        if fam in done:
            d = copy.deepcopy(doc)
            d["context"]["baselines_absent"] = name + ": mutation"
            yield d, "%s declared absent" % name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json", nargs="?")
    ap.add_argument("--run")
    ap.add_argument("--out")
    ap.add_argument("--expect-procs", default="")
    ap.add_argument("--complete", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--emulator", action="append", default=[])
    argv = sys.argv[1:]
    run_args = []
    if "--" in argv:  # everything after -- goes to rf-bench untouched
        at = argv.index("--")
        argv, run_args = argv[:at], argv[at + 1:]
    a = ap.parse_args(argv)
    path = a.out or a.json
    if not path:
        ap.error("a JSON file (or --run and --out) is needed")
    if a.run:
        # found before the run, not after it (rf-bench would run every row first)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            print("check_json: --out=%s: the folder %s does not exist or cannot be written"
                  % (path, folder), file=sys.stderr)
            return 2
        cmd = a.emulator + [a.run] + run_args + ["--benchmark_out=" + path, "--benchmark_out_format=json"]
        print("check_json: running " + " ".join(cmd), flush=True)
        try:
            rc = subprocess.run(cmd, timeout=120).returncode
        except (OSError, subprocess.TimeoutExpired) as e:
            print("check_json: %s" % e)
            return 1
        if rc != 0:
            print("check_json: rf-bench exited with %d" % rc)
            return 1
    try:
        doc = rr.read_bench(path)
    except rr.BadResult as e:  # names the file and the problem; not a check that failed
        print("check_json: %s" % e, file=sys.stderr)
        return 2
    expect = [p for p in a.expect_procs.split(",") if p]
    bad = problems(doc, expect, a.complete)
    for p in bad:
        print("check_json: " + p)
    if bad:
        return 1
    older = predated(doc["context"])
    print("check_json: %s: %d rows, %d context keys OK%s" % (
        path, len(doc["benchmarks"]), len(CONTEXT_KEYS) - len(older),
        " (the file predates %s)" % ", ".join(older) if older else ""))
    if a.self_test:
        n = 0
        for d, what in mutants(doc):
            n += 1
            if not problems(d, expect, a.complete):
                print("check_json: self-test: not noticed: " + what)
                return 1
        print("check_json: self-test: all %d mutations noticed" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
