#!/usr/bin/env python3
"""Prints the summary of an rf-bench JSON result: what a person reads first.

  summary.py FILE.json

Latency is the median iteration (counter p50, ns); with repetitions, the
median of the repetitions' p50. Ratios are computed here from the figures of
the same run; nothing is asserted. Targets (issue 4) are shown beside the
figures they are about, for reading, not as a verdict.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
# ci/rfresults.py reads result files for every tool
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ci"))
import rfresults as rr  # noqa: E402


def ns(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fms" % (v / 1e6)
    if v >= 1e4:
        return "%.1fus" % (v / 1e3)
    return "%.0f" % v


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip())
        return 2
    # a file of any kind is read as rf-bench's: one without rows sums up to nothing
    R = rr.BenchResult(sys.argv[1], rr.read(sys.argv[1]))
    ctx = R.context
    gone = rr.absent_baselines(ctx)
    no_pthread = "baseline/pthread_barrier" in gone

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
    print("physical limit   limit/cacheline_rtt  %s ns" % ns(limit))
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
                cells.append("%22s" % ("%.2f (%.0f)%s" % (b.med("records_per_second") / 1e6,
                                                          b.med("bytes_per_second") / 1e6,
                                                          "*" if b.oversubscribed else "")
                                       if b else "-"))
            print("  %-10s" % ("size:%d" % s) + "".join(cells))
        print("  * oversubscribed")

    bar = {(b.params["transport"], b.params["procs"], b.params["traffic"], b.params["mode"]): b
           for b in R.family("barrier")}
    if bar:
        print()
        print("barrier p50 ns per round (K records sent by everyone before each round)")
        head = ("transport", "P", "K", "rendezvous", "delivery", "processing", "deliv/rdv", "proc/rdv",
                "rdv/limit", "rdv/pthread", "proc/pthread", "slowest wait", "")
        fmt = "  %-11s %3s %4s %10s %10s %10s %9s %9s %9s %11s %12s %12s %s"
        print(fmt % head)
        for t, P, K in sorted({k[:3] for k in bar}, key=lambda k: (k[0] != "shm", k[0], k[1], k[2])):
            row = [bar.get((t, P, K, m)) for m in rr.MODES]
            r, d, p = (b.med("p50") if b else None for b in row)
            pth = p50("baseline/pthread_barrier/procs:%d" % P)
            slow = max((b.med("slowest_wait_mean") or 0) if b else 0 for b in row)
            label = next((b.label for b in row if b and b.label), "")
            print(fmt % (t, P, K, ns(r), ns(d), ns(p), ratio(d, r), ratio(p, r), ratio(r, limit),
                         ratio(r, pth), ratio(p, pth), ns(slow), label))
        for fam, title in (("pthread", "pthread_barrier"), ("mpi", "mpi_barrier")):
            pts = sorted((b.params["procs"], b.med("p50")) for b in R.family(fam))
            if pts:
                print("  %-16s " % title + "   ".join("P=%d %s" % (P, ns(v)) for P, v in pts))
        # a baseline this platform lacks is said to be absent, not left blank
        for name, why in sorted(gone.items()):
            print("  %-16s absent: %s" % (name.split("/")[-1], why or "?"))
        print("  slowest wait = the largest mean time one participant spent in the barrier call (any mode)")

    print()
    print("issue 4 targets on this run (reported, not asserted)")
    rows = [
        ("ring pingpong 64 B / cacheline RTT", ratio(p50("ring/pingpong/size:64"), limit), "<= 1.5"),
        ("shm barrier P=2 rendezvous / cacheline RTT", ratio(p50("barrier/transport:shm/mode:rendezvous/procs:2/traffic:0"), limit), "<= 2"),
        ("shm delivery fence / rendezvous, P=2 K=0",
         ratio(p50("barrier/transport:shm/mode:delivery/procs:2/traffic:0"),
               p50("barrier/transport:shm/mode:rendezvous/procs:2/traffic:0")), "<= 1.2"),
    ]
    for P, target in ((2, "<= 0.2"), (4, "<= 1"), (8, "<= 1")):
        rows.append(("shm barrier / pthread_barrier, P=%d rendezvous K=0" % P,
                     "absent" if no_pthread else
                     ratio(p50("barrier/transport:shm/mode:rendezvous/procs:%d/traffic:0" % P),
                           p50("baseline/pthread_barrier/procs:%d" % P)), target))
    t64 = tp[(64, 1)].med("records_per_second") if (64, 1) in tp else None
    rows.append(("ring throughput 64 B, 1 reader, M records/s", "%.2f" % (t64 / 1e6) if t64 else "-", ">= 50"))
    for what, val, target in rows:
        print("  %-52s %8s   target %s" % (what, val, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
