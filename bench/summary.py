#!/usr/bin/env python3
"""Prints the summary of an rf-bench JSON result: what a person reads first.

  summary.py FILE.json

Latency is the median iteration (counter p50, ns); with repetitions, the
median of the repetitions' p50. Ratios are computed here from the figures of
the same run; nothing is asserted. The targets are shown beside the figures
they are about, for reading, not as a verdict. Old result files (barrier rows
without /algo:) read as algorithm central.

Exit status: 0 summary printed, 2 bad usage or a file that cannot be read or
whose fields have the wrong types (the message names it and the problem).
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
# report/rfresults.py reads result files for every tool
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "report"))
import rfresults as rr  # noqa: E402


def ns(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fms" % (v / 1e6)
    if v >= 1e4:
        return "%.1fus" % (v / 1e3)
    return "%.0f" % v


def mega(v, fmt):
    """v / 1e6 in fmt; "-" for a counter the row lacks (check_json reports that)."""
    return "-" if v is None else fmt % (v / 1e6)


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip())
        return 2
    # a file of any kind is read as rf-bench's: one without rows sums up to nothing
    try:
        doc = rr.read_bench(sys.argv[1])
    except rr.BadResult as e:  # names the file and the problem
        print("summary.py: %s" % e, file=sys.stderr)
        return 2
    R = rr.BenchResult(sys.argv[1], doc)
    ctx = R.context
    gone = rr.absent_baselines(ctx)

    def p50(name):
        b = R.benches.get(name)
        return b.med("p50") if b else None

    reps = R.repetitions
    print("rf-bench summary: %s" % sys.argv[1])
    runtime = ctx.get("runtime", "native")  # absent before rf-bench reported it
    print("  %s | %s%s | %s" % (ctx.get("cpu_model", "?"), ctx.get("os", "?"),
                                "" if runtime == "native" else
                                " (under %s: an emulation, not native timings)" % runtime,
                                ctx.get("hwloc_topology", "?")))
    print("  ringfence %s (%s), %s, placement %s, oversubscribed: %s" % (
        ctx.get("rf_version", "?"), ctx.get("rf_git_revision", "?"), ctx.get("build_type", "?"),
        ctx.get("placement", "?"), ctx.get("oversubscribed", "?")))
    # the implementation under test (--rf_impl; a file from before: the reference)
    print("  implementation: %s %s, %s (caps %s)" % (
        rr.impl_of(ctx), ctx.get("impl_version", ctx.get("rf_version", "?")),
        ctx.get("impl_describe", "the reference"), ctx.get("impl_caps", "all")))
    print("  barrier algorithms: %s%s | MPI: %s" % (
        ctx.get("algorithms", "central (the file predates the others)"),
        " (auto chose %s)" % ctx["algorithm_auto"] if ctx.get("algorithm_auto") else "",
        ctx.get("mpi", "not recorded")))
    print("  latency = p50 over every iteration, ns%s; timer: %s" % (
        " (median of %d repetitions)" % reps if reps > 1 else "", ctx.get("timer", "?")))
    la = ctx.get("load_avg") or []
    if la:
        # other work on the machine competes with pinned spinning participants
        print("  load average at start: %s on %s CPUs%s" % (
            " ".join("%.2f" % x for x in la), ctx.get("num_cpus", "?"),
            "  (busy machine: latencies include other work)" if la[0] > 0.5 * ctx.get("num_cpus", 1) else ""))
    print()

    limit = p50("limit/cacheline_rtt")
    st = R.get("stream")
    stream = st.med("records_per_second") if st else None
    print("physical limit   limit/cacheline_rtt  %s ns%s" % (
        ns(limit), "   limit/stream %.1f M records/s (%.0f MB/s)" % (
            stream / 1e6, (st.med("bytes_per_second") or 0) / 1e6) if stream else ""))
    if R.unstable:
        # Every figure taken meanwhile mixes the two placements, and a ratio
        # of two of them can compare across them.
        print("  UNSTABLE HOST: the limit moved from %s to %s ns between repetitions; ratios below"
              " may compare figures taken on different cores (see each benchmark's repetitions)"
              % tuple(ns(v) for v in R.limit_spread))
    sizes = R.values("pingpong", "size")
    if sizes:
        print("ring pingpong    " + "   ".join("size:%d %s (%sx limit)" % (s, ns(p50("ring/pingpong/size:%d" % s)),
                                                                         ratio(p50("ring/pingpong/size:%d" % s), limit))
                                            for s in sizes))
    for b in sorted(R.family("impl_pingpong"), key=lambda b: (b.params["impl"], b.params["size"])):
        print("ring pingpong    %s size:%d %s (%sx limit)" % (
            b.params["impl"], b.params["size"], ns(b.med("p50")), ratio(b.med("p50"), limit)))
    pipe = p50("baseline/pipe_pingpong")
    if pipe:
        print("pipe pingpong    64 B %s (ring size:64 is %sx of it)" % (ns(pipe), ratio(p50("ring/pingpong/size:64"), pipe)))

    tp = {(b.params["size"], b.params["readers"]): b for b in R.family("throughput")}
    if tp:
        readers = sorted({r for _, r in tp})
        print()
        print("ring throughput  M records/s (MB/s), one writer")
        print("  %-10s" % "size" + "".join("%22s" % ("readers:%d" % r) for r in readers))
        for s in sorted({s for s, _ in tp}):
            cells = []
            for r in readers:
                b = tp.get((s, r))
                cells.append("%22s" % ("%s (%s)%s" % (
                    mega(b.med("records_per_second"), "%.2f"),
                    mega(b.med("bytes_per_second"), "%.0f"),
                    "*" if b.oversubscribed else "") if b else "-"))
            print("  %-10s" % ("size:%d" % s) + "".join(cells))
        print("  * oversubscribed%s" % (
            "; size:64 with 1 reader is %s x limit/stream" % ratio(
                tp[(64, 1)].med("records_per_second"), stream) if (64, 1) in tp and stream else ""))

    bar = {(b.params["transport"], b.params["algo"], b.params["procs"], b.params["traffic"],
             b.params["mode"]): b for b in R.family("barrier")}
    if bar:
        print()
        print("barrier p50 ns per round (K records sent by everyone before each round)")
        head = ("transport", "algo", "P", "K", "rendezvous", "delivery", "processing", "deliv/rdv",
                "proc/rdv", "rdv/limit", "rdv/pthread", "rdv/mpi", "slowest wait", "")
        fmt = "  %-11s %-13s %3s %4s %10s %10s %10s %9s %8s %9s %11s %7s %12s %s"
        print(fmt % head)
        keys = sorted({k[:4] for k in bar},
                      key=lambda k: (rr.series_order(k[:2]), k[2], k[3]))
        for t, a, P, K in keys:
            row = [bar.get((t, a, P, K, m)) for m in rr.MODES]
            r, d, p = (b.med("p50") if b else None for b in row)
            pth = p50("baseline/pthread_barrier/procs:%d" % P)
            mpi = p50("baseline/mpi_barrier/procs:%d" % P)
            slow = max((b.med("slowest_wait_mean") or 0) if b else 0 for b in row)
            label = next((b.label for b in row if b and b.label), "")
            print(fmt % (t, a, P, K, ns(r), ns(d), ns(p), ratio(d, r), ratio(p, r), ratio(r, limit),
                         ratio(r, pth), ratio(r, mpi), ns(slow), label))
        for fam, title in (("pthread", "pthread_barrier"), ("mpi", "mpi_barrier")):
            pts = sorted((b.params["procs"], b.med("p50")) for b in R.family(fam))
            if pts:
                print("  %-16s " % title + "   ".join("P=%d %s" % (P, ns(v)) for P, v in pts))
        # a baseline this platform lacks is said to be absent, not left blank
        for name, why in sorted(gone.items()):
            print("  %-16s absent: %s" % (name.split("/")[-1], why or "?"))
        print("  slowest wait = the largest mean time one participant spent in the barrier call (any mode)")

    print()
    print("targets on this run (reported, not asserted)")
    for what, val, target in rr.targets(R):
        print("  %-54s %-42s target %s" % (what, val, target))
    grid = rr.fence_grid(R)
    if any(x for v in grid.values() for x in v):
        procs = sorted({P for _, P in grid})
        print("  fence / rendezvous at K=0, shm, delivery/processing (target <= %.1f each):"
              % rr.FENCE_TARGET)
        print("    %-13s" % "algo" + "".join("%12s" % ("P=%d" % P) for P in procs))
        for a in sorted({a for a, _ in grid}, key=rr.algo_order):
            cells = []
            for P in procs:
                d, q = grid.get((a, P), (None, None))
                cells.append("%12s" % ("%s/%s" % tuple("%.2f" % x if x else "-" for x in (d, q))
                                       if (a, P) in grid else "-"))
            print("    %-13s" % a + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
