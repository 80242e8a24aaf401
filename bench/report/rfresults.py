"""Reading ringfence result files: the one place that knows their format.

Used by ci/report, ci/compare, bench/summary.py and bench/check_json.py. Two kinds of file live under results/:

* rf-bench output (Google Benchmark JSON, written by ci/bench as
  results/<platform>/<date>-<revision>.json): "context" (SPEC section 8 keys)
  and "benchmarks" rows. Fields read here: run_name (or name), run_type,
  repetition_index, aggregate_name, error_occurred, label, real_time,
  time_unit, and the counters p50, p99, p999, max (ns),
  slowest_wait_mean (ns), records_per_second, bytes_per_second.
* rf-soak summaries (ci/soak: results/<platform>/soak-<date>-<revision>.json):
  {platform, date, revision, seconds_per_run, totals, runs: [rf-soak --json
  objects]}; a single rf-soak --json object ("tool": "rf-soak") is read as a
  summary of one run.
"""
import datetime
import glob
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

# Benchmark names are rf-bench's interface (issues 4 and 12); group names are
# ours. A barrier name without /algo: is from before rf-bench ran several
# algorithms: the one barrier then was the central counter.
FAMILIES = [
    ("limit", r"limit/cacheline_rtt"),
    ("stream", r"limit/stream"),
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
# what Google Benchmark appends to a name (UseManualTime, MinTime, ...)
GB_SUFFIX = re.compile(r"(/(manual_time|real_time|process_time|"
                       r"(min_time|min_warmup_time|iterations|repeats|threads):[^/]+))+$")
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
PACKAGES = {"matplotlib": "python3-matplotlib", "scipy": "python3-scipy",
            "numpy": "python3-numpy", "hypothesis": "python3-hypothesis"}


COUNTS = {"size", "readers", "batch", "procs", "traffic"}  # the numeric parameters


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
            doc = {"runs": [doc], "totals": {}}
        self.runs = doc.get("runs", [])
        # A run from before rf-soak --algorithm names none: the shm transport
        # then had only the central counter, and the coordinator has no other.
        for r in self.runs:
            r.setdefault("algorithm", "central")
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
                  error_occurred=FLAG,
                  **{k: NUMBER for k in ("real_time", "cpu_time", "iterations", "repetitions",
                                         "repetition_index", "threads", "p50", "p99", "p999",
                                         "max", "slowest_wait_mean", "records_per_second",
                                         "bytes_per_second")})
# SPEC section 8 keys and the others rf-bench and ci/soak write as text
CONTEXT_FIELDS = dict({k: TEXT for k in (
    "rf_version", "rf_git_revision", "os", "kernel", "cpu_model", "hwloc_topology", "compiler",
    "compiler_flags", "build_type", "placement", "binding", "oversubscribed", "runtime",
    "baselines_absent", "algorithms", "algorithm_auto", "mpi", "impl", "impl_version",
    "impl_describe", "impl_caps", "control_plane", "transports", "timer", "date")},
                      num_cpus=NUMBER, mhz_per_cpu=NUMBER, load_avg=NUMBERS,
                      cpu_scaling_enabled=FLAG, caches=LIST)
SOAK_FIELDS = {"platform": TEXT, "context": OBJECT, "totals": OBJECT, "runs": LIST}
# an rf-soak --json object (one run)
RUN_FIELDS = dict({k: TEXT for k in ("tool", "transport", "mode", "fault", "algorithm",
                                     "placement", "binding")},
                  oversubscribed=FLAG, release_ms=OBJECT,
                  **{k: NUMBER for k in ("procs", "rounds", "elapsed_s", "violations", "stalls",
                                         "rendezvous_rounds", "misses", "miss_per_million",
                                         "trials", "trials_failed", "peak_rss_kb", "exit_code",
                                         "seed")})
TOTALS_FIELDS = {k: NUMBER for k in ("runs", "rounds", "violations", "stalls", "misses",
                                     "rendezvous_rounds", "release_ms_max", "peak_rss_kb",
                                     "failed_runs")}
# null where a reader takes it as absent (rf-soak writes no such field as null,
# but a reader that says "or 0" need not refuse it)
NULLABLE = {"context", "totals", "platform", "release_ms", "rendezvous_rounds", "elapsed_s",
            "peak_rss_kb", "exit_code"}


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


def _check(path, where, obj, fields):
    if not isinstance(obj, dict):
        raise BadResult("%s: %s is %s, not an object" % (path, where, _kind(obj)))
    for k, want in fields.items():
        v = obj.get(k)
        if k in obj and not (v is None and k in NULLABLE) and not _is(v, want):
            raise BadResult("%s: %s: %s is %s, not %s" % (path, where, k, _kind(v), want))
    return obj


def check_bench(path, doc):
    """doc if the fields the readers use have their types (rows and the context
    may lack any of them), else BadResult naming the field."""
    _check(path, "the top level", doc, {"context": OBJECT, "benchmarks": LIST})
    _check(path, "context", doc.get("context", {}), CONTEXT_FIELDS)
    for i, r in enumerate(doc.get("benchmarks", [])):
        name = r.get("name") if isinstance(r, dict) else None
        _check(path, "benchmarks[%d]%s" % (i, " (%s)" % name if isinstance(name, str) else ""),
               r, ROW_FIELDS)
    return doc


def check_soak(path, doc):
    """doc if it is an rf-soak summary (or one rf-soak --json object) whose
    fields the readers use have their types, else BadResult."""
    if doc.get("tool") == "rf-soak":
        return _check(path, "the rf-soak run", doc, RUN_FIELDS)
    _check(path, "the top level", doc, SOAK_FIELDS)
    _check(path, "context", doc.get("context") or {}, CONTEXT_FIELDS)
    _check(path, "totals", doc.get("totals") or {}, TOTALS_FIELDS)
    for i, r in enumerate(doc.get("runs", [])):
        _check(path, "runs[%d]" % i, r, RUN_FIELDS)
        _check(path, "runs[%d]: release_ms" % i, r.get("release_ms") or {},
               {k: NUMBER for k in ("n", "max", "p99")})
    return doc


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


def need(modules, install=True):
    """Imports modules; as root on Debian installs the missing ones with apt-get
    (Debian's packages, never pip). Returns the list still missing."""

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
    pkgs = [PACKAGES[m] for m in miss]
    can = (install and os.path.exists("/etc/debian_version") and shutil.which("apt-get")
           and hasattr(os, "geteuid") and os.geteuid() == 0)
    if not can:
        print("%s: missing Python modules %s: install %s" % (
            os.path.basename(sys.argv[0]), ", ".join(miss), " ".join(pkgs)), file=sys.stderr)
        return miss
    print("== %s: installing %s" % (os.path.basename(sys.argv[0]), " ".join(pkgs)), file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends"] + pkgs
    if subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, stdin=subprocess.DEVNULL,
                       stdout=sys.stderr)
        subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=sys.stderr)
    import importlib
    importlib.invalidate_caches()
    miss = missing_now()
    if miss:
        system_python_has_them()
    return miss


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
