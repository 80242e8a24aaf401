"""Reading ringfence result files: the one place that knows their format.

Used by rf-report, rf-compare (ci/report, ci/compare), bench/summary.py and bench/check_json.py. Two kinds of file live under results/:

* rf-bench output (Google Benchmark JSON, written by ci/bench as
  results/<platform>/<date>-<revision>.json): "context" (SPEC section 8 keys)
  and "benchmarks" rows. Fields read here: run_name (or name), run_type,
  repetition_index, aggregate_name, error_occurred, label, real_time,
  time_unit, and the counters p50, p99, p999, max (ns),
  slowest_wait_mean (ns), records_per_second, bytes_per_second; a latency
  row's "histogram" (rf-bench's histogram.h, scheme in the context's
  histogram_scheme; files from before have none and fall back to the
  counters).
* rf-soak summaries (ci/soak: results/<platform>/soak-<date>-<revision>.json):
  {platform, date, revision, seconds_per_run, totals, runs: [rf-soak --json
  objects]}; a single rf-soak --json object ("tool": "rf-soak") is read as a
  summary of one run. Since rf-soak writes through its JSON writer
  (2026-12-02) a run has a context {host, rf_version, rf_git_revision, date},
  and what it lacks is null: release_ms max/p99/p50 when n is 0, the counts
  when they were unreadable; older files (zeros there) read as before.
"""
import datetime
import glob
import json
import math
import os
import re
import statistics
import subprocess
import sys
import warnings

# Benchmark names are rf-bench's interface (issues 4 and 12); group names are
# ours. A barrier name without /algo: is from before rf-bench ran several
# algorithms: the one barrier then was the central counter.
FAMILIES = [
    ("limit", r"limit/cacheline_rtt"),
    ("stream", r"limit/stream"),
    # the core-to-core map: the round trip between OS PUs a < b
    ("matrix", r"limit/matrix/pu:(?P<pu_a>\d+)/pu:(?P<pu_b>\d+)"),
    ("pingpong", r"ring/pingpong/size:(?P<size>\d+)"),
    ("throughput", r"ring/throughput/size:(?P<size>\d+)/readers:(?P<readers>\d+)"),
    ("throughput_batch", r"ring/throughput/size:(?P<size>\d+)/readers:(?P<readers>\d+)"
                         r"/batch:(?P<batch>\d+)"),
    ("barrier", r"barrier/transport:(?P<transport>[\w-]+)(/algo:(?P<algo>\w+))?/mode:(?P<mode>\w+)"
                r"/procs:(?P<procs>\d+)/traffic:(?P<traffic>\d+)"),
    # an implementation under test through its driver (rf-bench --rf_impl):
    # read as a barrier row of the series (impl, DRIVER), so that every table
    # and figure of the barrier puts it beside the reference's
    ("barrier", r"barrier/impl:(?P<impl>[\w.+-]+)/mode:(?P<mode>\w+)"
                r"/procs:(?P<procs>\d+)/traffic:(?P<traffic>\d+)"),
    ("impl_pingpong", r"ring/pingpong/impl:(?P<impl>[\w.+-]+)/size:(?P<size>\d+)"),
    ("pthread", r"baseline/pthread_barrier/procs:(?P<procs>\d+)"),
    ("mpi", r"baseline/mpi_barrier/procs:(?P<procs>\d+)"),
    ("pipe", r"baseline/pipe_pingpong"),
]
MODES = ["rendezvous", "delivery", "processing"]
# rf-bench's barrier algorithms in the order tables list them; "auto" is the
# library's choice, run under its own name (the context's algorithm_auto says
# what it chose)
ALGORITHMS = ["central", "dissemination", "tree", "auto"]
OLD_ALGORITHM = "central"  # what a barrier name without /algo: ran
# A barrier row of a driver: params transport = the implementation's name,
# algo = DRIVER (a series of its own, never "shm"). The reference's rows have
# impl REFERENCE, as has every file from before --rf_impl.
DRIVER = "driver"
REFERENCE = "ringfence"
# The context's baselines_absent ("<name>: <why>; ..." or "none") names
# baselines thus, and their family.
BASELINES = {"baseline/pthread_barrier": "pthread", "baseline/mpi_barrier": "mpi",
             "baseline/pipe_pingpong": "pipe"}
# Context keys rf-bench has written since a date: a file from before lacks
# them without being wrong. runtime and baselines_absent since b3c13b4
# (2026-11-25 12:44 UTC): readers take their absence as runtime "native" and
# baselines_absent "none", which those runs were. algorithms and mpi since
# the barrier rows carry /algo: (2026-12-01): their absence means
# "central" and "which MPI was not recorded".
_UTC = datetime.timezone.utc
NEWER_KEYS = {"runtime": datetime.datetime(2026, 11, 25, 12, 44, 34, tzinfo=_UTC),
              "baselines_absent": datetime.datetime(2026, 11, 25, 12, 44, 34, tzinfo=_UTC),
              "algorithms": datetime.datetime(2026, 12, 1, 19, 0, 0, tzinfo=_UTC),
              "mpi": datetime.datetime(2026, 12, 1, 19, 0, 0, tzinfo=_UTC)}
# the implementation under test (rf-bench --rf_impl, issue 13): absent means
# the reference, called directly
for _k in ("impl", "impl_version", "impl_describe", "impl_caps", "control_plane"):
    NEWER_KEYS[_k] = datetime.datetime(2026, 12, 1, 22, 0, 0, tzinfo=_UTC)
# every latency row's histogram (rf-bench's histogram.h) and the scheme of
# its buckets: a file from before has neither and falls back to the counters
NEWER_KEYS["histogram_scheme"] = datetime.datetime(2026, 12, 2, 1, 20, 0, tzinfo=_UTC)
# what Google Benchmark appends to a name (UseManualTime, MinTime, ...)
GB_SUFFIX = re.compile(r"(/(manual_time|real_time|process_time|"
                       r"(min_time|min_warmup_time|iterations|repeats|threads):[^/]+))+$")
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
PACKAGES = {"matplotlib": "python3-matplotlib", "scipy": "python3-scipy",
            "numpy": "python3-numpy", "hypothesis": "python3-hypothesis"}


# the numeric parameters
COUNTS = {"size", "readers", "batch", "procs", "traffic", "pu_a", "pu_b"}


def base_name(name):
    return GB_SUFFIX.sub("", name)


def classify(name):
    """(family, params) for a benchmark name; params values are int where
    numeric; a barrier name without /algo: has algo "central"."""
    for fam, pattern in FAMILIES:
        m = re.fullmatch(pattern, name, re.ASCII)
        if m:
            # the counts are numbers; a transport or implementation named
            # "7" stays a name, comparable with the others
            try:
                params = {k: int(v) if k in COUNTS else v for k, v in m.groupdict().items()
                          if v is not None}
            except ValueError:  # more digits than int() takes: no count of rf-bench's
                return None, {}
            if fam == "barrier" and "impl" in params:
                params.update(transport=params["impl"], algo=DRIVER)
            elif fam == "barrier":
                params.setdefault("algo", OLD_ALGORITHM)
                params["impl"] = REFERENCE
            elif fam == "pingpong":
                params["impl"] = REFERENCE
            return fam, params
    return None, {}


def canonical(name):
    """The name as rf-bench writes it now: an old barrier name gains
    /algo:central, so old and new files pair row by row."""
    fam, p = classify(name)
    if fam != "barrier" or p["algo"] == DRIVER:
        return name
    return "barrier/transport:%s/algo:%s/mode:%s/procs:%d/traffic:%d" % (
        p["transport"], p["algo"], p["mode"], p["procs"], p["traffic"])


def algo_order(a):
    return (ALGORITHMS.index(a) if a in ALGORITHMS else len(ALGORITHMS), a)


def series_order(key):
    """(transport, algo): shm first, then the algorithms in table order, the
    reference's other transports, then the drivers by name."""
    t, a = key
    return (a == DRIVER, t != "shm", t, algo_order(a))


def series_name(key):
    """How a table or legend names a barrier series."""
    t, a = key
    if a == DRIVER:
        return "%s (driver)" % t
    return "%s transport, %s" % key


def impl_of(context):
    """The implementation a result file measured (the reference when the
    file predates --rf_impl)."""
    return str(context.get("impl") or REFERENCE)


def absent_baselines(context):
    """{name: why} of the baselines the run says it cannot have; why is None
    where an item is not "<name>: <why>"."""
    text = str(context.get("baselines_absent", "none")).strip()
    if text in ("", "none"):
        return {}
    return dict(item.split(": ", 1) if ": " in item else (item, None) for item in text.split("; "))


def predates(context, key):
    """Whether a file with this context was written before rf-bench wrote key."""
    try:
        date = datetime.datetime.fromisoformat(str(context.get("date")))
    except ValueError:
        return False
    return key in NEWER_KEYS and date.tzinfo is not None and date < NEWER_KEYS[key]


def median(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return statistics.median(xs) if xs else None


# --- latency histograms (rf-bench's histogram.h; the scheme the context's
# histogram_scheme states): below 2^HIST_SUB_BITS ns a bucket per value, above
# 2^HIST_SUB_BITS buckets per power of two; the midpoint of a bucket is within
# 1/128 of each of its values.
HIST_SUB_BITS = 6
HIST_SUB = 1 << HIST_SUB_BITS
HIST_BUCKETS = (64 - HIST_SUB_BITS) * HIST_SUB


def hist_lowest(i):
    """The lowest value (ns) of bucket i."""
    if i < HIST_SUB:
        return i
    j = i - HIST_SUB
    return (HIST_SUB + j % HIST_SUB) << (j // HIST_SUB)


def hist_width(i):
    return 1 if i < HIST_SUB else 1 << ((i - HIST_SUB) // HIST_SUB)


def hist_index(v):
    """The bucket of value v (ns), as histogram.c's bench_hist_index."""
    v = max(0, int(v))
    if v < HIST_SUB:
        return v
    k = v.bit_length() - 1
    return HIST_SUB * (k - HIST_SUB_BITS) + (v >> (k - HIST_SUB_BITS))


def hist_problem(h):
    """Why a row's histogram object is not one rf-bench writes, or None."""
    for k in ("count", "sum_ns", "min_ns", "max_ns"):
        if isinstance(h.get(k), bool) or not isinstance(h.get(k), int) or h[k] < 0:
            return "%s is %s, not a count" % (k, _kind(h.get(k)))
    b = h.get("buckets")
    if not isinstance(b, list):
        return "buckets is %s, not a list" % _kind(b)
    last, total = -1, 0
    for pair in b:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)):
            return "a bucket is %s, not [index, count]" % _kind(pair)
        if not last < pair[0] < HIST_BUCKETS or pair[1] <= 0:
            return "bucket %s: indexes ascend below %d, counts are positive" % (
                _kind(pair), HIST_BUCKETS)
        last = pair[0]
        total += pair[1]
    if total != h["count"]:
        return "the buckets count %d values, count says %d" % (total, h["count"])
    return None


def hist_quantile(h, q):
    """The q-quantile by nearest rank, as rf-bench's counters are made
    (histogram.c): the midpoint of the bucket of element floor(q n)."""
    n = h["count"]
    if n == 0:
        return None
    rank = min(int(q * n), n - 1)
    seen = 0
    for i, c in h["buckets"]:
        seen += c
        if seen > rank:
            mid = hist_lowest(i) + (hist_width(i) - 1) / 2.0
            return min(max(mid, h["min_ns"]), h["max_ns"])
    return float(h["max_ns"])


def hist_mid_quantile(h, q):
    """The mid-distribution q-quantile (Parzen): the buckets' midpoints as
    atoms, the CDF taken halfway through each atom and interpolated between
    them. Unlike nearest rank it moves continuously with the counts."""
    n = h["count"]
    pts, below = [], 0
    for i, c in h["buckets"]:
        pts.append((hist_lowest(i) + (hist_width(i) - 1) / 2.0, (below + c / 2.0) / n))
        below += c
    if not pts:
        return None
    if q <= pts[0][1]:
        return pts[0][0]
    for (x0, m0), (x1, m1) in zip(pts, pts[1:]):
        if m0 <= q <= m1:
            return x0 + (q - m0) / (m1 - m0) * (x1 - x0)
    return pts[-1][0]


def hist_merge(hs):
    """The histogram of several (the union of their values)."""
    counts = {}
    for h in hs:
        for i, c in h["buckets"]:
            counts[i] = counts.get(i, 0) + c
    return {"count": sum(h["count"] for h in hs), "sum_ns": sum(h["sum_ns"] for h in hs),
            "min_ns": min(h["min_ns"] for h in hs), "max_ns": max(h["max_ns"] for h in hs),
            "buckets": [[i, counts[i]] for i in sorted(counts)]}


# The resolution of a per-repetition median (the histogram's 1/128): no
# spread of repetitions is taken as smaller, so identical repetitions do not
# make any difference "significant".
LOG_SD_FLOOR = 1.0 / 256


def ratio_ci(a, b, alpha=0.05, margin=0.0):
    """B/A of one figure from per-repetition values (one value per
    repetition: each repetition is one cluster of autocorrelated
    iterations, and repetitions, randomly interleaved in time, are taken as
    independent): the ratio of the geometric means, its 1 - alpha
    confidence interval by Welch's t on the logarithms, and the two-sided p
    of "B/A lies within 1 +- margin" (p < alpha exactly when the interval
    lies wholly outside it). None with fewer than 2 positive values on a
    side. Student's t is scipy's (imported in _t_interval: the readers that
    never compare do not need scipy)."""
    a = [math.log(x) for x in a if isinstance(x, (int, float)) and x > 0]
    b = [math.log(x) for x in b if isinstance(x, (int, float)) and x > 0]
    if len(a) < 2 or len(b) < 2:
        return None
    va = max(statistics.variance(a), LOG_SD_FLOOR ** 2) / len(a)
    vb = max(statistics.variance(b), LOG_SD_FLOOR ** 2) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    return _t_interval(statistics.fmean(b) - statistics.fmean(a), math.sqrt(va + vb), df,
                       alpha, margin, (len(a), len(b)))


def paired_ratio_ci(d, alpha=0.05, margin=0.0):
    """B/A from pairs measured side by side in time: d[i] is the log of
    B_i / A_i (the change within pair i). The ratio is exp of their mean,
    the interval Student's t over the pairs (n - 1 degrees of freedom) and p
    as ratio_ci's. What the two runs of a pair share, the machine's state
    of those minutes, cancels in d[i]; only what changes faster than a pair
    is left in their spread. None with fewer than 2 pairs."""
    d = [x for x in d if isinstance(x, (int, float)) and math.isfinite(x)]
    if len(d) < 2:
        return None
    se = math.sqrt(max(statistics.variance(d), LOG_SD_FLOOR ** 2) / len(d))
    return _t_interval(statistics.fmean(d), se, len(d) - 1, alpha, margin, (len(d), len(d)))


def _t_interval(d, se, df, alpha, margin, n):
    """The ratio exp(d), its 1 - alpha interval from Student's t with df
    degrees of freedom and standard error se, and the two-sided p of "within
    1 +- margin"."""
    from scipy.stats import t as student_t
    half = float(student_t.ppf(1 - alpha / 2, df)) * se
    # the bound is symmetric in logs: 1 + margin above, 1 / (1 + margin) below
    p = min(1.0, 2 * float(student_t.sf((abs(d) - math.log1p(margin)) / se, df)))
    return {"ratio": math.exp(d), "lo": math.exp(d - half), "hi": math.exp(d + half), "p": p,
            "n": n}


def walsh_averages(d):
    """The sorted means of every pair of d (each with itself too): their
    median is the Hodges-Lehmann estimate of d's centre."""
    import numpy
    d = numpy.asarray(d, dtype=float)
    return numpy.sort(((d[:, None] + d[None, :]) / 2)[numpy.triu_indices(len(d))])


def run_levels(logs):
    """Each run's level against the others: logs[r][j] is row r's log figure
    in run j (every row present in every run); a run's level is the
    Hodges-Lehmann estimate over the rows of how far its figure lies from
    the row's mean over all runs, as a factor (1.05: that run's rows 5 %
    above their usual). Rows are centred one by one, so rows of 100 ns and
    of 100 us weigh alike; the same centre for every run, so levels of two
    sets of runs compare as the runs do."""
    import numpy
    m = numpy.asarray(logs, dtype=float)
    dev = m - m.mean(axis=1, keepdims=True)
    return [math.exp(float(numpy.median(walsh_averages(dev[:, j])))) for j in range(m.shape[1])]


def pair_levels(logs, n):
    """The change within each pair of runs over many rows: logs[r][j] as in
    run_levels, A's n runs first, then B's n in the same order, run i of A
    beside run i of B in time; pair i's change is the Hodges-Lehmann
    estimate over the rows of B_i's log figure minus A_i's (a log ratio, for
    paired_ratio_ci)."""
    import numpy
    m = numpy.asarray(logs, dtype=float)
    d = m[:, n:2 * n] - m[:, :n]
    return [float(numpy.median(walsh_averages(d[:, i]))) for i in range(n)]


def overall_ci(ratios, alpha=0.05, margin=0.0):
    """The typical B/A of many benchmarks: the Hodges-Lehmann estimate of
    their log ratios (the median of all pairwise means), its 1 - alpha
    interval from the Wilcoxon signed-rank distribution (normal
    approximation) and the signed-rank p of "within 1 +- margin". Rank-based
    because a row's figure is a mixture of the machine's states (on a
    shared VM a p50 jumps between about 120 and 600 ns from one repetition
    to the next): a mean of logs, the geometric mean, follows those jumps. The
    rows are the units: ci/bench interleaves each row's repetitions through
    the run at random, so the rows' own errors are independent; what they
    share is the run's state, the drift that --min-effect allows for.
    None with fewer than 10 ratios."""
    import numpy
    from scipy.stats import norm, wilcoxon
    d = numpy.array([math.log(x) for x in ratios if isinstance(x, (int, float)) and x > 0])
    n = len(d)
    if n < 10:
        return None
    walsh = walsh_averages(d)
    est = float(numpy.median(walsh))
    z = float(norm.ppf(1 - alpha / 2))
    k = int(math.floor(n * (n + 1) / 4 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    k = min(max(k, 0), (len(walsh) - 1) // 2)
    lo, hi = float(walsh[k]), float(walsh[len(walsh) - 1 - k])
    bound = math.log1p(margin)
    shifted = d - bound if est >= 0 else -(d + bound)  # distance beyond the margin, outwards
    if not numpy.any(shifted):
        p = 1.0
    else:
        with warnings.catch_warnings():  # scipy's note that ties take the normal approximation
            warnings.simplefilter("ignore")
            p = min(1.0, 2 * float(wilcoxon(shifted, alternative="greater").pvalue))
    return {"ratio": math.exp(est), "lo": math.exp(lo), "hi": math.exp(hi), "p": p, "n": (n, n)}


def bh_adjust(ps):
    """Benjamini–Hochberg adjusted p-values (q), in the order given (None
    stays None): a comparison of some 300 rows at p < 0.05 each would flag
    about 15 of them when nothing changed; q < 0.05 keeps the expected share
    of false flags among the flagged at 5 %, which, when nothing changed,
    is the chance of any flag at all."""
    idx = sorted((i for i, p in enumerate(ps) if p is not None), key=lambda i: ps[i])
    m, q, prev = len(idx), [None] * len(ps), 1.0
    for rank in range(m, 0, -1):
        i = idx[rank - 1]
        prev = min(prev, ps[i] * m / rank)
        q[i] = prev
    return q


class Bench:
    """One benchmark of one run: its repetitions (iteration rows)."""

    def __init__(self, name):
        self.name = name
        self.family, self.params = classify(name)
        self.reps = []            # one dict per repetition
        self.label = ""           # rf-bench: "oversubscribed" / "unpinned" / ""
        self.from_aggregate = False  # only the median aggregate was in the file

    def values(self, key):
        """Per-repetition values of a counter, or of "time" (real_time in ns)."""
        out = []
        for r in self.reps:
            if key == "time":
                v = r.get("real_time")
                if isinstance(v, (int, float)):
                    out.append(v * TO_NS.get(r.get("time_unit", "ns"), 1.0))
            elif isinstance(r.get(key), (int, float)):
                out.append(r[key])
        return out

    def med(self, key):
        return median(self.values(key))

    def locations(self, key):
        """One value per repetition for the statistics (ratio_ci): for p50,
        the mid-distribution median of the repetition's histogram where the
        file has one (continuous in the counts, so a clock that ticks in
        10 ns steps does not make medians jump), else the p50 counter; for
        other keys their values."""
        if key != "p50":
            return self.values(key)
        out = []
        for r in self.reps:
            h = r.get("histogram")
            if isinstance(h, dict) and not hist_problem(h) and h["count"] > 0:
                out.append(hist_mid_quantile(h, 0.5))
            elif isinstance(r.get("p50"), (int, float)):
                out.append(r["p50"])
        return out

    @property
    def metric(self):
        """(key, higher_is_better) of the figure compared between runs."""
        if self.reps and "p50" in self.reps[0]:
            return "p50", False
        if self.reps and "records_per_second" in self.reps[0]:
            return "records_per_second", True
        return "time", False

    @property
    def oversubscribed(self):
        return self.label == "oversubscribed"


class BenchResult:
    kind = "bench"

    def __init__(self, path, doc):
        self.path = path
        self.context = doc.get("context", {})
        self.platform = platform_of(path, self.context.get("cpu_model"))
        self.benches = {}
        aggregates = {}
        for r in doc.get("benchmarks", []):
            if r.get("error_occurred"):
                continue
            name = canonical(base_name(r.get("run_name") or r.get("name", "")))
            if r.get("run_type", "iteration") == "aggregate":
                if r.get("aggregate_name") == "median":
                    aggregates[name] = r
                continue
            b = self.benches.setdefault(name, Bench(name))
            b.reps.append(r)
            b.label = r.get("label", b.label) or b.label
        # --benchmark_report_aggregates_only: the median stands for the run
        for name, r in aggregates.items():
            if name not in self.benches:
                b = self.benches[name] = Bench(name)
                b.reps.append(r)
                b.label = r.get("label", "")
                b.from_aggregate = True
        self.label = self.platform  # made unique by label_results()

    def get(self, family, **params):
        for b in self.benches.values():
            if b.family == family and all(b.params.get(k) == v for k, v in params.items()):
                return b
        return None

    def family(self, family):
        return [b for b in self.benches.values() if b.family == family]

    def values(self, family, key):
        """Distinct values of parameter key over a family, sorted."""
        return sorted({b.params[key] for b in self.family(family) if key in b.params})

    @property
    def revision(self):
        return str(self.context.get("rf_git_revision", "?"))

    @property
    def date(self):
        return str(self.context.get("date", "?"))

    @property
    def repetitions(self):
        return max((len(b.reps) for b in self.benches.values()), default=0)

    @property
    def limit_spread(self):
        """(lowest, highest) p50 of the physical limit over repetitions, or None."""
        b = self.get("limit")
        v = b.values("p50") if b else []
        return (min(v), max(v)) if v else None

    @property
    def unstable(self):
        # Two pinned PUs cannot change their distance; a VM's host moving its
        # vCPUs between cores can, and every figure of the run then mixes both.
        s = self.limit_spread
        return bool(s and s[1] > 1.5 * s[0])


class SoakResult:
    kind = "soak"

    def __init__(self, path, doc):
        self.path = path
        if doc.get("tool") == "rf-soak":  # one rf-soak --json file
            ctx = doc.get("context") or {}
            doc = {"runs": [doc], "totals": {}, "date": ctx.get("date", "?"),
                   "revision": ctx.get("rf_git_revision", "?")}
        self.runs = doc.get("runs", [])
        # A run from before rf-soak --algorithm names none: the shm transport
        # then had only the central counter, and the coordinator has no other.
        for r in self.runs:
            r.setdefault("algorithm", "central")
            if r.get("misses") is None:  # counts unreadable (null): no miss rate either
                r["rendezvous_rounds"] = None
        self.totals = dict(doc.get("totals") or {})
        for k in ("rounds", "violations", "stalls", "misses", "rendezvous_rounds"):
            self.totals.setdefault(k, sum(r.get(k, 0) or 0 for r in self.runs))
        self.totals.setdefault("runs", len(self.runs))
        self.totals.setdefault("failed_runs", sum(1 for r in self.runs if r.get("exit_code")))
        self.platform = doc.get("platform") or platform_of(path, None)
        # ci/soak's: os, kernel, runtime (native, or wine), cpu_model, compiler
        self.context = dict(doc.get("context") or {})
        self.date = str(doc.get("date", "?"))
        self.revision = str(doc.get("revision", "?"))
        self.seconds = doc.get("seconds_per_run")
        self.ctest_exit = doc.get("ctest_exit")
        self.label = self.platform


def sanitise(s):
    """As ci/bench names platforms: lower case, no (R)/(TM), runs of others -> '-'."""
    s = re.sub(r"\([^)]*\)", "", s.lower())
    return re.sub(r"[^a-z0-9._]+", "-", s).strip("-")


def platform_of(path, cpu_model):
    """The folder name under results/, else the CPU model made a name."""
    parent = os.path.dirname(os.path.abspath(path))
    if (os.path.basename(os.path.dirname(parent)) == "results"
            and os.path.basename(parent) not in ("fixtures", "figures")):
        return os.path.basename(parent)
    return sanitise(cpu_model or os.path.splitext(os.path.basename(path))[0])


class BadResult(ValueError):
    """A file no reader can take; the message names the file and the problem.
    Every tool reports it as it is and exits 2."""


# The types of the fields the readers use (a field of another type would
# reach them as a traceback); fields not listed are not read and may be
# anything. NUMBER excludes true/false, which JSON keeps apart.
TEXT, NUMBER, FLAG, OBJECT, LIST, NUMBERS = ("a string", "a number", "true or false",
                                             "an object", "a list", "a list of numbers")
ROW_FIELDS = dict({k: TEXT for k in ("name", "run_name", "run_type", "aggregate_name", "label",
                                     "time_unit", "error_message")},
                  error_occurred=FLAG, histogram=OBJECT,
                  **{k: NUMBER for k in ("real_time", "cpu_time", "iterations", "repetitions",
                                         "repetition_index", "threads", "p50", "p99", "p999",
                                         "max", "slowest_wait_mean", "records_per_second",
                                         "bytes_per_second")})
# SPEC section 8 keys and the others rf-bench and ci/soak write as text
CONTEXT_FIELDS = dict({k: TEXT for k in (
    "rf_version", "rf_git_revision", "os", "kernel", "cpu_model", "hwloc_topology", "compiler",
    "compiler_flags", "build_type", "placement", "binding", "oversubscribed", "runtime",
    "baselines_absent", "algorithms", "algorithm_auto", "mpi", "impl", "impl_version",
    "impl_describe", "impl_caps", "control_plane", "transports", "timer", "date",
    "histogram_scheme", "counter_units", "test_delay_pct")},
                      num_cpus=NUMBER, mhz_per_cpu=NUMBER, load_avg=NUMBERS,
                      cpu_scaling_enabled=FLAG, caches=LIST)
CONTEXT_FIELDS["host"] = TEXT  # an rf-soak run's context (with rf_version, rf_git_revision, date)
SOAK_FIELDS = {"platform": TEXT, "context": OBJECT, "totals": OBJECT, "runs": LIST}
# an rf-soak --json object (one run)
RUN_FIELDS = dict({k: TEXT for k in ("tool", "transport", "mode", "fault", "algorithm",
                                     "placement", "binding")},
                  oversubscribed=FLAG, release_ms=OBJECT, context=OBJECT,
                  counts_unreadable=FLAG,
                  **{k: NUMBER for k in ("procs", "rounds", "elapsed_s", "violations", "stalls",
                                         "rendezvous_rounds", "misses", "miss_per_million",
                                         "trials", "trials_failed", "peak_rss_kb", "exit_code",
                                         "seed")})
TOTALS_FIELDS = {k: NUMBER for k in ("runs", "rounds", "violations", "stalls", "misses",
                                     "rendezvous_rounds", "release_ms_max", "peak_rss_kb",
                                     "failed_runs")}
# null where a reader takes it as absent: rf-soak writes the counts as null
# when they were unreadable, and ci/soak's release_ms_max is null when no run
# killed; the others a reader that says "or 0" need not refuse
NULLABLE = {"context", "totals", "platform", "release_ms", "rendezvous_rounds", "elapsed_s",
            "peak_rss_kb", "exit_code", "violations", "stalls", "misses", "miss_per_million",
            "release_ms_max"}
RELEASE_FIELDS = {k: NUMBER for k in ("n", "max", "p99", "p50")}


def _number(v):
    # finite and within a float's range: every figure is formatted as one
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _is(v, want):
    if want == NUMBER:
        return _number(v)
    if want == NUMBERS:
        return isinstance(v, list) and all(_number(x) for x in v)
    return isinstance(v, {TEXT: str, FLAG: bool, OBJECT: dict, LIST: list}[want])


def _kind(v):
    """How a problem names a value of the wrong type."""
    if v is None:
        return "null"
    try:
        text = json.dumps(v)
    except (ValueError, RecursionError):  # too many digits, too deep to show
        text = "..."
    kind = {bool: "true or false", str: "a string", dict: "an object",
            list: "a list"}.get(type(v), "a number")
    if kind == "a number" and not _number(v):
        kind = "a number out of range"
    return "%s (%s)" % (kind, text if len(text) <= 40 else text[:37] + "...")


def _check(path, where, obj, fields, nullable=NULLABLE):
    if not isinstance(obj, dict):
        raise BadResult("%s: %s is %s, not an object" % (path, where, _kind(obj)))
    for k, want in fields.items():
        v = obj.get(k)
        if k in obj and not (v is None and k in nullable) and not _is(v, want):
            raise BadResult("%s: %s: %s is %s, not %s" % (path, where, k, _kind(v), want))
    return obj


def check_bench(path, doc):
    """doc if the fields the readers use have their types (rows and the context
    may lack any of them), else BadResult naming the field."""
    _check(path, "the top level", doc, {"context": OBJECT, "benchmarks": LIST})
    _check(path, "context", doc.get("context", {}), CONTEXT_FIELDS)
    for i, r in enumerate(doc.get("benchmarks", [])):
        name = r.get("name") if isinstance(r, dict) else None
        where = "benchmarks[%d]%s" % (i, " (%s)" % name if isinstance(name, str) else "")
        _check(path, where, r, ROW_FIELDS)
        if isinstance(r.get("histogram"), dict):
            why = hist_problem(r["histogram"])
            if why:
                raise BadResult("%s: %s: histogram: %s" % (path, where, why))
    return doc


def check_soak(path, doc):
    """doc if it is an rf-soak summary (or one rf-soak --json object) whose
    fields the readers use have their types, else BadResult."""
    if doc.get("tool") == "rf-soak":
        return _check_run(path, "the rf-soak run", doc)
    _check(path, "the top level", doc, SOAK_FIELDS)
    _check(path, "context", doc.get("context") or {}, CONTEXT_FIELDS)
    _check(path, "totals", doc.get("totals") or {}, TOTALS_FIELDS)
    for i, r in enumerate(doc.get("runs", [])):
        _check_run(path, "runs[%d]" % i, r)
    return doc


def _check_run(path, where, r):
    """One rf-soak run: its fields, context and release latencies (null only
    where there is none: n = 0)."""
    _check(path, where, r, RUN_FIELDS)
    _check(path, where + ": context", r.get("context") or {}, CONTEXT_FIELDS)
    rel = r.get("release_ms") or {}
    _check(path, where + ": release_ms", rel, RELEASE_FIELDS,
           nullable={"max", "p99", "p50"} if isinstance(rel, dict) and not rel.get("n") else ())
    return r


def _no_constant(name):
    raise ValueError("%s is not a number rf-bench or rf-soak writes" % name)


def read(path):
    """The parsed JSON of a result file, as it is; BadResult naming the file
    when it cannot be read or is not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f, parse_constant=_no_constant)
    except OSError as e:
        raise BadResult("%s: cannot read it: %s" % (path, e.strerror or e)) from None
    except UnicodeDecodeError as e:
        raise BadResult("%s: not UTF-8 text: %s" % (path, e)) from None
    except ValueError as e:  # json.JSONDecodeError, an int of too many digits, NaN
        raise BadResult("%s: not JSON: %s" % (path, e)) from None
    except RecursionError:
        raise BadResult("%s: not JSON a reader can take: nested too deeply" % path) from None


def read_bench(path):
    """A file read as rf-bench's (any object: one without rows sums up to
    nothing), its types checked; BadResult otherwise."""
    doc = read(path)
    if not isinstance(doc, dict):
        raise BadResult("%s: not a result file (the top level is %s, not an object)"
                        % (path, _kind(doc)))
    return check_bench(path, doc)


def load(path):
    """The BenchResult or SoakResult of a file; BadResult, naming the file and
    the problem, for anything else."""
    doc = read(path)
    if not isinstance(doc, dict):
        raise BadResult("%s: not a result file (the top level is %s, not an object)"
                        % (path, _kind(doc)))
    if "benchmarks" in doc:
        return BenchResult(path, check_bench(path, doc))
    if "runs" in doc or doc.get("tool") == "rf-soak":
        return SoakResult(path, check_soak(path, doc))
    raise BadResult("%s: neither rf-bench (benchmarks) nor rf-soak (runs) JSON" % path)


EMULATED_QEMU = "(emulated under qemu-user: not the hardware's memory model or speed)"


def emulated_note(r):
    """The note a result run under qemu-user (ci/cross, ci/soak --cross) carries
    wherever its label appears, or ""."""
    said = (r.platform or "") + " " + str((r.context or {}).get("runtime", ""))
    return " " + EMULATED_QEMU if "qemu" in said.lower() else ""


def label_results(results):
    """Gives every result a unique display label: the platform, plus the
    revision (then the file name) where one platform appears twice, plus
    the emulation note under qemu-user."""
    for kind in ("bench", "soak"):
        rs = [r for r in results if r.kind == kind]
        for r in rs:
            same = [o for o in rs if o.platform == r.platform]
            r.label = r.platform
            if len(same) > 1:
                r.label = "%s @ %s" % (r.platform, r.revision)
                if sum(1 for o in same if o.revision == r.revision) > 1:
                    r.label = "%s (%s)" % (r.platform, os.path.basename(r.path))
            r.label += emulated_note(r)
    return results


STAMP = re.compile(r"(\d{8}T\d{6}Z)")


def bench_series(path):
    """What a bench file measured, as the key newest() keeps one file per:
    the implementation, its control plane and the process counts of its rows
    (under mpirun each P is a job of its own, so each is a file of its own)."""
    try:
        doc = read_bench(path)
    except BadResult:
        return (REFERENCE, "world", "")  # the reading proper reports the problem
    ctx = doc.get("context") or {}
    procs = sorted({m.group(1) for b in doc.get("benchmarks") or []
                    for m in [re.search(r"/procs:(\d+)", str(b.get("name", "")))] if m})
    return (impl_of(ctx), str(ctx.get("control_plane") or "world"),
            ",".join(procs) if impl_of(ctx) != REFERENCE else "")


def newest(results_dir):
    """The newest soak file of every platform folder, and its newest bench
    file of every series (bench_series): the reference's sweep and each
    other implementation's runs side by side."""
    picked = []
    for d in sorted(glob.glob(os.path.join(results_dir, "*", ""))):
        if os.path.basename(os.path.dirname(d)) in ("fixtures", "figures"):
            continue
        files = glob.glob(os.path.join(d, "*.json"))

        def key(p):
            m = STAMP.search(os.path.basename(p))
            return (m.group(1) if m else "", os.path.getmtime(p))

        series = {}
        for p in files:
            if not os.path.basename(p).startswith("soak-"):
                series.setdefault(bench_series(p), []).append(p)
        picked += sorted(max(group, key=key) for group in series.values())
        soaks = [p for p in files if os.path.basename(p).startswith("soak-")]
        if soaks:
            picked.append(max(soaks, key=key))
    return picked


def need(modules, install=None):
    """Imports modules; returns the list still missing after saying which
    Debian packages hold them. Never installs anything (the ci/ callers do:
    ci_install); install is accepted and ignored, for callers from when it
    could. Where only /usr/bin/python3 has them (a pyenv or venv python runs
    us), re-executes the tool under it."""

    def missing_now():
        out = []
        for m in modules:
            try:
                __import__(m)
            except ImportError:
                out.append(m)
        return out

    def system_python_has_them():
        # Debian's packages serve /usr/bin/python3, not a pyenv or venv python
        sysp = "/usr/bin/python3"
        if (not os.path.exists(sysp)
                or os.path.realpath(sys.executable) == os.path.realpath(sysp)):
            return False
        probe = "import " + ", ".join(modules)
        if subprocess.run([sysp, "-c", probe], stderr=subprocess.DEVNULL).returncode:
            return False
        os.execv(sysp, [sysp, os.path.abspath(sys.argv[0])] + sys.argv[1:])

    miss = missing_now()
    if not miss:
        return []
    system_python_has_them()  # returns only if it cannot run us instead
    pkgs = [PACKAGES.get(m, m) for m in miss]
    print("%s: missing Python module%s %s: install the Debian package%s %s"
          " (apt-get install %s)" % (
              os.path.basename(sys.argv[0]), "s" if len(miss) > 1 else "", ", ".join(miss),
              "s" if len(pkgs) > 1 else "", " ".join(pkgs), " ".join(pkgs)), file=sys.stderr)
    return miss


# (version, git revision) of the build this copy was installed from:
# cmake/install.cmake sets it in the installed copy. None in the source tree.
BUILD = None


def build_info():
    """(project version, git revision) the tools' --version names: the
    installed build's, else the source tree's (the version of the top
    CMakeLists.txt, the revision by cmake/build-info.cmake's rule, which is
    ci/lib.sh's ci_revision: -dirty when a source outside results/ differs)."""
    if BUILD is not None:
        return BUILD
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    version = "unknown"
    try:
        with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
            m = re.search(r"project\(ringfence\s+VERSION\s+([0-9.]+)", f.read())
        version = m.group(1) if m else version
    except OSError:
        pass
    revision = "unknown"
    def git(*args):
        return subprocess.run(["git", "-C", root] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)

    try:
        head = git("rev-parse", "--short=12", "HEAD")
        if head.returncode == 0:
            revision = head.stdout.strip()
            if git("status", "--porcelain", "--", ".", ":!results").stdout.strip():
                revision += "-dirty"
    except OSError:  # no git
        pass
    return version, revision


def version_line(tool):
    """What tool --version prints, as the C tools do."""
    return "%s %s (revision %s)" % ((tool,) + tuple(build_info()))


def fmt_ns(v):
    """A latency in ns for a table: 245 ns, 12.3 us, 4.56 ms."""
    if v is None:
        return "-"
    if v >= 1e6:
        return "%.2f ms" % (v / 1e6)
    if v >= 1e4:
        return "%.1f us" % (v / 1e3)
    if v >= 1e3:
        return "%.2f us" % (v / 1e3)
    return "%.0f ns" % v


def fmt_ratio(a, b):
    """a / b with 3 significant digits (0.00857, 2.26, 14.2), or '-'."""
    if a is None or not b:
        return "-"
    r = a / b
    if r >= 1000:
        return "%.0f" % r
    return "%.1f" % r if r >= 10 else "%.2f" % r if r >= 1 else "%.3g" % r


# --- the targets (issue 12): reported beside the figures, never asserted -----

def p50_of(R, family, **params):
    b = R.get(family, **params)
    return b.med("p50") if b else None


def rate_of(R, family, **params):
    b = R.get(family, **params)
    return b.med("records_per_second") if b else None


def shm_algorithms(R):
    """The shm barrier algorithms a run has rows of, in table order."""
    return sorted({b.params["algo"] for b in R.family("barrier")
                   if b.params["transport"] == "shm"}, key=algo_order)


def best_rendezvous(R, P):
    """(p50, algorithm) of the fastest shm rendezvous at P and K = 0, or
    (None, None); a named algorithm wins a tie with auto, which is one of them."""
    pts = [(b.med("p50"), algo_order(b.params["algo"]), b.params["algo"])
           for b in R.family("barrier")
           if b.params["transport"] == "shm" and b.params["mode"] == "rendezvous"
           and b.params["procs"] == P and b.params["traffic"] == 0 and b.med("p50")]
    if not pts:
        return None, None
    v, _, a = min(pts)
    return v, a


def barrier_procs(R):
    return sorted({b.params["procs"] for b in R.family("barrier") if b.params["transport"] == "shm"})


def targets(R, algos=None, procs=None):
    """The targets as rows (what, measured, target): each measured figure of
    this run beside what it aims at. Text only; nothing here is a verdict.
    algos and procs (default: the run's) fix the rows, so that several runs
    give the same rows ("-" where one lacks a figure)."""
    lim = p50_of(R, "limit")
    stream = rate_of(R, "stream")
    rows = [("ring ping-pong 64 B / limit/cacheline_rtt",
             fmt_ratio(p50_of(R, "pingpong", size=64), lim), "<= 1.3")]
    tp = rate_of(R, "throughput", size=64, readers=1)
    rows.append(("ring throughput 64 B, 1 reader / limit/stream", fmt_ratio(tp, stream), ">= 0.7"))
    rows.append(("ring throughput 64 B, 1 reader, M records/s",
                 "%.1f" % (tp / 1e6) if tp else "-", ">= 60"))
    for a in algos if algos is not None else shm_algorithms(R):
        rows.append(("shm %s rendezvous P=2 / limit/cacheline_rtt" % a,
                     fmt_ratio(p50_of(R, "barrier", transport="shm", algo=a, mode="rendezvous",
                                      procs=2, traffic=0), lim), "<= 1.2"))
    absent = absent_baselines(R.context)
    for P in procs if procs is not None else barrier_procs(R):
        v, a = best_rendezvous(R, P)
        mpi = p50_of(R, "mpi", procs=P)
        if v is None:
            got = "-"
        elif mpi:
            got = "%s (%s %s, MPI %s)" % (fmt_ratio(v, mpi), a, fmt_ns(v), fmt_ns(mpi))
        else:
            got = "- (%s %s; MPI_Barrier %s)" % (
                a, fmt_ns(v), "absent" if "baseline/mpi_barrier" in absent else "not run")
        rows.append(("best shm rendezvous P=%d / MPI_Barrier" % P, got, "<= 0.667 (MPI / 1.5)"))
    return rows


def fence_grid(R):
    """{(algorithm, P): (delivery / rendezvous, processing / rendezvous)} of
    the shm barrier at K = 0, each None where a row is missing (target 1.2)."""
    out = {}
    for b in R.family("barrier"):
        p = b.params
        if p["transport"] != "shm" or p["traffic"] != 0 or p["mode"] != "rendezvous":
            continue
        r = b.med("p50")
        d, q = (p50_of(R, "barrier", transport="shm", algo=p["algo"], mode=m,
                       procs=p["procs"], traffic=0) for m in ("delivery", "processing"))
        out[(p["algo"], p["procs"])] = (d / r if d and r else None, q / r if q and r else None)
    return out


FENCE_TARGET = 1.2  # fenced / rendezvous of the same algorithm and P, K = 0


def impl_grid(R, K=0):
    """Side by side, per barrier series (every reference transport and
    algorithm, every driver) and P at traffic K: {(series, P): (rendezvous
    p50, delivery p50, processing p50)}, None where a row is missing."""
    out = {}
    for b in R.family("barrier"):
        p = b.params
        if p["traffic"] != K:
            continue
        key = ((p["transport"], p["algo"]), p["procs"])
        cur = list(out.get(key, (None, None, None)))
        if p["mode"] in MODES:
            cur[MODES.index(p["mode"])] = b.med("p50")
        out[key] = tuple(cur)
    return out
