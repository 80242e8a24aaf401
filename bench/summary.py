#!/usr/bin/env python3
"""Prints the summary of an rf-bench JSON result: what a person reads first.

  summary.py FILE.json

Latency is the median iteration (counter p50, ns); with repetitions, the
median of the repetitions' p50. Ratios are computed here from the figures of
the same run; nothing is asserted. Targets (issue 4) are shown beside the
figures they are about, for reading, not as a verdict.
"""
import json
import re
import statistics
import sys

SUFFIX = "/manual_time"


def load(path):
    with open(path) as f:
        doc = json.load(f)
    runs = {}
    labels = {}
    for r in doc.get("benchmarks", []):
        if r.get("run_type", "iteration") != "iteration" or r.get("error_occurred"):
            continue
        name = r.get("run_name", r["name"])
        name = name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name
        runs.setdefault(name, []).append(r)
        labels[name] = r.get("label", "")
    # one value per counter: the median over repetitions
    fig = {}
    for name, rs in runs.items():
        keys = set().union(*(r.keys() for r in rs))
        fig[name] = {k: statistics.median(r[k] for r in rs)
                     for k in keys if all(isinstance(r.get(k), (int, float)) for r in rs)}
        fig[name]["label"] = labels[name]
        fig[name]["reps"] = len(rs)
        if "p50" in fig[name]:
            fig[name]["p50_spread"] = (min(r["p50"] for r in rs), max(r["p50"] for r in rs))
    return doc.get("context", {}), fig


def ns(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2fms" % (v / 1e6)
    if v >= 1e4:
        return "%.1fus" % (v / 1e3)
    return "%.0f" % v


def absent(ctx):
    """{baseline name: why} for the baselines the run says it cannot have."""
    text = str(ctx.get("baselines_absent", "none")).strip()
    if text in ("", "none"):
        return {}
    return dict(item.split(": ", 1) if ": " in item else (item, "?") for item in text.split("; "))


def ratio(a, b):
    return "%.2f" % (a / b) if a is not None and b else "-"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip())
        return 2
    ctx, fig = load(sys.argv[1])
    gone = absent(ctx)
    no_pthread = "baseline/pthread_barrier" in gone

    def p50(name):
        return fig.get(name, {}).get("p50")

    reps = max((f["reps"] for f in fig.values()), default=0)
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
    lo, hi = fig.get("limit/cacheline_rtt", {}).get("p50_spread", (0, 0))
    if lo and hi > 1.5 * lo:
        # The same two pinned PUs cannot change their distance: the host did
        # (a VM's vCPUs moved between cores). Every figure taken meanwhile
        # mixes the two, and a ratio of two of them can compare across them.
        print("  UNSTABLE HOST: the limit moved from %s to %s ns between repetitions; ratios below"
              " may compare figures taken on different cores (see each benchmark's repetitions)"
              % (ns(lo), ns(hi)))
    sizes = sorted({int(m.group(1)) for n in fig for m in [re.fullmatch(r"ring/pingpong/size:(\d+)", n)] if m})
    if sizes:
        print("ring pingpong    " + "   ".join("size:%d %s (%sx limit)" % (s, ns(p50("ring/pingpong/size:%d" % s)),
                                                                         ratio(p50("ring/pingpong/size:%d" % s), limit))
                                            for s in sizes))
    pipe = p50("baseline/pipe_pingpong")
    if pipe:
        print("pipe pingpong    64 B %s (ring size:64 is %sx of it)" % (ns(pipe), ratio(p50("ring/pingpong/size:64"), pipe)))

    tp = {}
    for n, f in fig.items():
        m = re.fullmatch(r"ring/throughput/size:(\d+)/readers:(\d+)", n)
        if m:
            tp[(int(m.group(1)), int(m.group(2)))] = f
    if tp:
        readers = sorted({r for _, r in tp})
        print()
        print("ring throughput  M records/s (MB/s), one writer")
        print("  %-10s" % "size" + "".join("%22s" % ("readers:%d" % r) for r in readers))
        for s in sorted({s for s, _ in tp}):
            cells = []
            for r in readers:
                f = tp.get((s, r))
                cells.append("%22s" % ("%.2f (%.0f)%s" % (f["records_per_second"] / 1e6, f["bytes_per_second"] / 1e6,
                                                          "*" if f["label"] == "oversubscribed" else "")
                                       if f else "-"))
            print("  %-10s" % ("size:%d" % s) + "".join(cells))
        print("  * oversubscribed")

    bar = {}
    for n, f in fig.items():
        m = re.fullmatch(r"barrier/transport:(\w+)/mode:(\w+)/procs:(\d+)/traffic:(\d+)", n)
        if m:
            bar[(m.group(1), int(m.group(3)), int(m.group(4)), m.group(2))] = f
    if bar:
        print()
        print("barrier p50 ns per round (K records sent by everyone before each round)")
        head = ("transport", "P", "K", "rendezvous", "delivery", "processing", "deliv/rdv", "proc/rdv",
                "rdv/limit", "rdv/pthread", "proc/pthread", "slowest wait", "")
        fmt = "  %-11s %3s %4s %10s %10s %10s %9s %9s %9s %11s %12s %12s %s"
        print(fmt % head)
        for t, P, K in sorted({k[:3] for k in bar}, key=lambda k: (k[0] != "shm", k[0], k[1], k[2])):
            r, d, p = (bar.get((t, P, K, m), {}).get("p50") for m in ("rendezvous", "delivery", "processing"))
            pth = p50("baseline/pthread_barrier/procs:%d" % P)
            slow = max((bar.get((t, P, K, m), {}).get("slowest_wait_mean") or 0)
                       for m in ("rendezvous", "delivery", "processing"))
            label = next((f["label"] for m in ("rendezvous", "delivery", "processing")
                          for f in [bar.get((t, P, K, m))] if f and f["label"]), "")
            print(fmt % (t, P, K, ns(r), ns(d), ns(p), ratio(d, r), ratio(p, r), ratio(r, limit),
                         ratio(r, pth), ratio(p, pth), ns(slow), label))
        pts = sorted((int(m.group(1)), f) for n, f in fig.items()
                     for m in [re.fullmatch(r"baseline/pthread_barrier/procs:(\d+)", n)] if m)
        if pts:
            print("  pthread_barrier  " + "   ".join("P=%d %s" % (P, ns(f["p50"])) for P, f in pts))
        mpi = sorted((int(m.group(1)), f) for n, f in fig.items()
                     for m in [re.fullmatch(r"baseline/mpi_barrier/procs:(\d+)", n)] if m)
        if mpi:
            print("  mpi_barrier      " + "   ".join("P=%d %s" % (P, ns(f["p50"])) for P, f in mpi))
        # a baseline this platform lacks is said to be absent, not left blank
        for name, why in sorted(gone.items()):
            print("  %-16s absent: %s" % (name.split("/")[-1], why))
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
    t64 = fig.get("ring/throughput/size:64/readers:1", {}).get("records_per_second")
    rows.append(("ring throughput 64 B, 1 reader, M records/s", "%.2f" % (t64 / 1e6) if t64 else "-", ">= 50"))
    for what, val, target in rows:
        print("  %-52s %8s   target %s" % (what, val, target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
