#!/usr/bin/env python3
"""CTest (label unit): the result readers on generated JSON never raise.

  test_fuzz.py

Hypothesis generates documents shaped like rf-bench results and rf-soak
summaries (benchmark names of every family with random parts, counters,
contexts and soak runs of random types, arbitrary nesting) and plain JSON
values, and feeds each to rfresults.load, to ci/compare's and ci/report's
code paths and to check_json: a document is either read or refused through
the tool's own error path (rfresults.BadResult, exit 2, or check_json's exit
1), never with another exception. ci/report's figures are drawn but not
rendered (rendering is matplotlib's, and slow). Exit 77 (CTest
SKIP_RETURN_CODE) when hypothesis, matplotlib or scipy is missing
(Debian: python3-hypothesis python3-matplotlib python3-scipy).
"""
import contextlib
import importlib.machinery
import importlib.util
import io
import json
import os
import re
import shutil
import sys
import tempfile
import traceback

CI = os.path.dirname(os.path.abspath(__file__))  # bench/report
ROOT = os.path.dirname(os.path.dirname(CI))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, CI)
import rfresults as rr  # noqa: E402

EXAMPLES = 60  # the readers: a few seconds
REPORT_EXAMPLES = 15  # ci/report draws figures: slower per document
# the readers' one error path (absent before issue 14.5: then nothing is caught)
BAD = getattr(rr, "BadResult", ())


def module(path, name):
    """A tool (ci/compare has no .py) imported as a module, its main not run."""
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    m = importlib.util.module_from_spec(spec)
    loader.exec_module(m)
    return m


def strategies(st, base):
    """Documents: rf-bench's, rf-soak's, and any JSON; base (an rf-bench
    result) with generated rows added, so that they meet real ones."""
    leaf = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8))
    anything = st.recursive(leaf, lambda kids: st.lists(kids, max_size=3)
                            | st.dictionaries(st.text(max_size=6), kids, max_size=3),
                            max_leaves=8)
    word = (st.sampled_from(["shm", "coordinator", "central", "dissemination", "tree", "auto",
                             "naive", "mpi", "rendezvous", "delivery", "processing", "x"])
            | st.text("abc019_-.+:/", min_size=0, max_size=5)
            | st.integers(0, 10 ** 6).map(str))
    number = st.integers(0, 70).map(str) | word
    suffix = st.sampled_from(["", "/manual_time", "/real_time", "/repeats:3", "/min_time:0.1"])
    name = st.one_of(
        st.builds("limit/cacheline_rtt{}".format, suffix),
        st.builds("limit/stream{}".format, suffix),
        st.builds("ring/pingpong/size:{}{}".format, number, suffix),
        st.builds("ring/pingpong/impl:{}/size:{}".format, word, number),
        st.builds("ring/throughput/size:{}/readers:{}{}".format, number, number, suffix),
        st.builds("ring/throughput/size:{}/readers:{}/batch:{}".format, number, number, number),
        st.builds("barrier/transport:{}/algo:{}/mode:{}/procs:{}/traffic:{}{}".format,
                  word, word, word, number, number, suffix),
        st.builds("barrier/transport:{}/mode:{}/procs:{}/traffic:{}".format,
                  word, word, number, number),
        st.builds("barrier/impl:{}/mode:{}/procs:{}/traffic:{}".format,
                  word, word, number, number),
        st.builds("baseline/pthread_barrier/procs:{}".format, number),
        st.builds("baseline/mpi_barrier/procs:{}".format, number),
        st.just("baseline/pipe_pingpong"), st.text(max_size=10), anything)
    num = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-10 ** 6, 10 ** 12)
    value = num | num | anything
    row = st.fixed_dictionaries(
        {"name": name},
        optional={"run_name": name, "p50": value, "p99": value, "p999": value, "max": value,
                  "real_time": value, "records_per_second": value, "bytes_per_second": value,
                  "slowest_wait_mean": value, "repetition_index": value,
                  "run_type": st.sampled_from(["iteration", "aggregate"]) | anything,
                  "aggregate_name": st.sampled_from(["median", "mean"]) | anything,
                  "time_unit": st.sampled_from(["ns", "us", "ms", "s"]) | anything,
                  "label": st.sampled_from(["", "oversubscribed"]) | anything,
                  "error_occurred": st.booleans() | anything, "error_message": anything})
    text_keys = ["cpu_model", "os", "date", "impl", "algorithms", "transports", "baselines_absent",
                 "compiler", "compiler_flags", "binding", "runtime", "control_plane", "impl_caps",
                 "rf_git_revision", "algorithm_auto"]
    context = st.fixed_dictionaries(
        {}, optional=dict({k: st.text(max_size=12) | anything for k in text_keys},
                          load_avg=st.lists(num, max_size=3) | anything,
                          num_cpus=st.integers(0, 64) | anything,
                          mhz_per_cpu=num | anything,
                          date=st.sampled_from(["2026-11-20T00:00:00+00:00",
                                                "2026-12-02T00:00:00+00:00"]) | anything,
                          baselines_absent=st.sampled_from(
                              ["none", "baseline/mpi_barrier: no MPI", "x"]) | anything)) | anything
    bench = st.fixed_dictionaries({"benchmarks": st.lists(row, max_size=6) | anything},
                                  optional={"context": context})
    count = st.integers(0, 10 ** 6) | anything
    run = st.fixed_dictionaries(
        {}, optional={"procs": count, "rounds": count, "violations": count, "stalls": count,
                      "misses": count, "rendezvous_rounds": count, "elapsed_s": num | anything,
                      "trials": count, "trials_failed": count, "peak_rss_kb": count,
                      "exit_code": count, "oversubscribed": st.booleans() | anything,
                      "fault": st.sampled_from(["none", "kill-leader"]) | anything,
                      "transport": word | anything, "mode": word | anything,
                      "algorithm": word | anything,
                      "release_ms": st.dictionaries(st.sampled_from(["n", "max", "p99"]), num)
                      | anything})
    soak = st.fixed_dictionaries(
        {"runs": st.lists(run, max_size=4) | anything},
        optional={"totals": st.dictionaries(st.sampled_from(["rounds", "misses", "runs",
                                                             "rendezvous_rounds",
                                                             "release_ms_max"]), count)
                  | anything, "platform": word | anything, "context": context,
                  "seconds_per_run": count, "date": anything})
    one_run = run.map(lambda r: dict(r, tool="rf-soak"))
    grown = st.lists(row, min_size=1, max_size=4).map(
        lambda rows: dict(base, benchmarks=base["benchmarks"] + rows))
    return st.one_of(bench, grown, grown, soak, one_run, anything)


def main():
    # re-runs under /usr/bin/python3 when only that one has Debian's modules
    if rr.need(["hypothesis", "matplotlib", "scipy"], install=False):
        print("SKIP: hypothesis, matplotlib or scipy missing"
              " (Debian: python3-hypothesis python3-matplotlib python3-scipy)")
        return 77
    tmp = tempfile.mkdtemp(prefix="rf-fuzz-test.")
    try:
        return fuzz(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fuzz(tmp):
    # hypothesis keeps a cache (of Unicode tables) in .hypothesis/ of the
    # current folder: in the temporary folder instead, not the source tree
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = os.path.join(tmp, "hypothesis")
    import hypothesis
    from hypothesis import strategies as st
    import matplotlib
    matplotlib.use("Agg")
    compare = module(os.path.join(CI, "rf-compare"), "rf_compare")
    report = module(os.path.join(CI, "rf-report"), "rf_report")
    check_json = module(os.path.join(ROOT, "bench", "check_json.py"), "rf_check_json")
    summary = module(os.path.join(ROOT, "bench", "summary.py"), "rf_summary")

    def drawn_only(self, fig, name):
        self.plt.close(fig)
        return name + ".png"

    report.Figures.save = drawn_only
    # the other file of compare and report: a few rows of a fixture (all of
    # them would cost every document hundreds of U tests and full figures)
    good = os.path.join(tmp, "good.json")
    doc = rr.read(os.path.join(ROOT, "results", "fixtures", "bench-a.json"))
    doc["benchmarks"] = [r for r in doc["benchmarks"] if re.match(
        r"(limit/cacheline_rtt|ring/pingpong/size:64/|barrier/transport:shm/mode:\w+/procs:2/"
        r"traffic:0|baseline/pthread_barrier/procs:2)", r["name"])]
    with open(good, "w") as f:
        json.dump(doc, f)
    failures = []

    def tool(main_fn, argv, codes):
        """Runs a tool's main as its command line would; its exit must be one of codes."""
        old = sys.argv
        sys.argv = argv
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                try:
                    rc = main_fn()
                except SystemExit as e:
                    rc = e.code
        finally:
            sys.argv = old
        # (test_report.py checks the messages of bad files; here: the codes only)
        assert rc in codes, "%s exited %r:\n%s" % (argv[0], rc, out.getvalue()[-1500:])

    # no shrinking: the first failing document is shown as it was (shrinking
    # through ci/report's figures would take minutes)
    # derandomize: CI sees the same documents every run, so a failure there is
    # reproducible and no run fails by luck; RF_FUZZ_RANDOM=1 explores afresh
    settings = hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None,
                                   derandomize=os.environ.get("RF_FUZZ_RANDOM") != "1",
                                   phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                                   suppress_health_check=list(hypothesis.HealthCheck))
    path = os.path.join(tmp, "doc.json")

    def write(doc):
        with open(path, "w") as f:
            json.dump(doc, f)

    def shown(test):
        """test, printing the document and the traceback of a failure (not
        shrunk: see settings)."""
        def run(doc):
            try:
                test(doc)
            except Exception:
                print("FAIL on the document %s" % json.dumps(doc)[:3000])
                traceback.print_exc(file=sys.stdout)
                raise
        return run

    @settings
    @hypothesis.given(strategies(st, doc))
    @shown
    def readers(doc):
        write(doc)
        try:
            R = rr.load(path)
        except BAD as e:
            assert path in str(e), "BadResult without the file: %s" % e
            R = None
        if R is not None:
            # what the tools compute from a result beyond the table rows
            rr.label_results([R])
            if R.kind == "bench":
                rr.targets(R), rr.fence_grid(R), rr.impl_grid(R), R.unstable
        tool(compare.main, ["ci/compare", good, path], (0, 2))
        tool(compare.main, ["ci/compare", "--fail-above=5%", path, good], (0, 1, 2))
        tool(summary.main, ["summary.py", path], (0, 2))
        tool(check_json.main, ["check_json.py", "--expect-procs", "2", path], (0, 1, 2))

    @hypothesis.settings(settings, max_examples=REPORT_EXAMPLES)
    @hypothesis.given(strategies(st, doc))
    @shown
    def reports(doc):
        write(doc)
        tool(report.main, ["ci/report", "--no-install", "--no-svg", "--out",
                           os.path.join(tmp, "r"), good, path], (0, 2))

    try:
        readers()
        reports()
    except Exception as e:  # hypothesis has printed the falsifying example
        failures.append("%s: %s" % (type(e).__name__, e))
    if failures:
        print("FAIL: " + "\n".join(failures))
        return 1
    print("ok: %d generated documents read or refused by every reader, %d by ci/report"
          % (EXAMPLES, REPORT_EXAMPLES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
