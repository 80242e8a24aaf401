#!/usr/bin/env python3
"""CTest report.tools (label unit): rf-report and rf-compare as commands.

  test_tools.py

Both answer --version (rfresults.version_line: the project version and git
revision) and --help with exit 0, without matplotlib or scipy. With those
modules hidden (a PYTHONPATH whose matplotlib and scipy raise ImportError),
each names the Debian package to install and exits 2, with no traceback,
and installs nothing: apt-get, apt, pip, pip3 and sudo on PATH are stand-ins
that record being run. Needs no module beyond the standard library.
"""
import os
import subprocess
import sys
import tempfile

CI = os.path.dirname(os.path.abspath(__file__))  # bench/report
ROOT = os.path.dirname(os.path.dirname(CI))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, CI)
import rfresults as rr  # noqa: E402

A = os.path.join(ROOT, "results", "fixtures", "bench-a.json")
B = os.path.join(ROOT, "results", "fixtures", "bench-b.json")
failures = []


def check(cond, what, out=""):
    print("%s: %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        failures.append(what)
        print(out[-2000:])


def run(tool, args, env=None):
    p = subprocess.run([sys.executable, os.path.join(CI, tool)] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=env, stdin=subprocess.DEVNULL,
                       timeout=120)
    return p.returncode, p.stdout


def hidden_modules(tmp):
    """An environment in which matplotlib and scipy cannot be imported and
    every installer only leaves a mark in tmp/installed."""
    fake = os.path.join(tmp, "fake")
    for m in ("matplotlib", "scipy"):
        os.makedirs(os.path.join(fake, m))
        with open(os.path.join(fake, m, "__init__.py"), "w") as f:
            f.write('raise ImportError("hidden by test_tools.py")\n')
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    for name in ("apt-get", "apt", "pip", "pip3", "sudo"):
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write('#!/bin/sh\necho "%s $*" >>"%s"\nexit 1\n'
                    % (name, os.path.join(tmp, "installed")))
        os.chmod(path, 0o755)
    env = dict(os.environ, PYTHONPATH=fake, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    return env


def main():
    for tool in ("rf-report", "rf-compare"):
        rc, out = run(tool, ["--version"])
        check(rc == 0 and out.strip() == rr.version_line(tool),
              "%s --version: exit 0, '%s' (%d: %r)" % (tool, rr.version_line(tool), rc,
                                                       out.strip()), out)
        rc, out = run(tool, ["--help"])
        check(rc == 0 and out.startswith(tool + " ") and "--version" in out,
              "%s --help: exit 0, its usage (%d)" % (tool, rc), out)
    with tempfile.TemporaryDirectory(prefix="rf-tools-test.") as tmp:
        env = hidden_modules(tmp)
        for tool, args, pkgs in (
                ("rf-report", ["--no-svg", "--out", os.path.join(tmp, "r"), A],
                 ["python3-matplotlib", "python3-scipy"]),
                ("rf-report", ["--no-install", "--no-svg", "--out", os.path.join(tmp, "r"), A],
                 ["python3-matplotlib"]),
                ("rf-compare", [A, B], ["python3-scipy"])):
            rc, out = run(tool, args, env)
            check(rc == 2 and all(p in out for p in pkgs) and "Traceback" not in out,
                  "%s %s without the modules: exit 2 naming %s (%d)" % (
                      tool, " ".join(a for a in args if a.startswith("--")), " ".join(pkgs), rc),
                  out)
            mark = os.path.join(tmp, "installed")
            ran = open(mark).read() if os.path.exists(mark) else ""
            check(not ran, "%s installs nothing%s" % (tool, ": it ran " + ran if ran else ""))
            if ran:
                os.remove(mark)  # each tool's own count
        check(not os.path.exists(os.path.join(tmp, "r")), "rf-report wrote no report without them")
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
