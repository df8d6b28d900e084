#!/usr/bin/env python3
"""Run one libFuzzer target for a bounded time, as a Meson test.

    run.py TARGET_EXE --max-len N --min-cov N [--seconds S]

Seeds: the target's committed seeds (tests/fuzz/seeds/<target>/, small and
hand-written) and seeds made now from $B2A_SAMPLES by seeds.py. The corpus,
the log and any crashing input go under the build directory, in
tests/fuzz/<target>.run/. Fails when libFuzzer finds a crash, leak, timeout
or out-of-memory (printing the input's path and how to rerun it), and when
the coverage reached stays under --min-cov: that is what a library built
without -fsanitize=fuzzer-no-link looks like. (Without the samples, a
target whose seeds come from them is not held to that floor.)"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import seeds as seeds_py  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--max-len", type=int, required=True)
    ap.add_argument("--min-cov", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=30)
    a = ap.parse_args()

    name = os.path.basename(a.exe)
    work = a.exe + ".run"
    shutil.rmtree(work, ignore_errors=True)
    corpus, seeds, artifacts = (os.path.join(work, d) for d in ("corpus", "seeds", "artifacts"))
    for d in (corpus, artifacts):
        os.makedirs(d)
    samples = os.environ.get("B2A_SAMPLES", os.path.join(HERE, "..", "..", "..", "shared", "samples"))
    subprocess.run([sys.executable, os.path.join(HERE, "seeds.py"), name, samples, seeds, str(a.max_len)],
                   check=True)
    from_samples = len(os.listdir(seeds))
    dirs = [corpus, seeds]
    committed = os.path.join(HERE, "seeds", name)
    if os.path.isdir(committed):
        dirs.append(committed)

    cmd = [a.exe, "-max_total_time=%d" % a.seconds, "-max_len=%d" % a.max_len, "-timeout=60",
           "-rss_limit_mb=3072", "-print_final_stats=1", "-artifact_prefix=" + artifacts + "/"] + dirs
    log_path = os.path.join(work, "log.txt")
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    print(" ".join(cmd), flush=True)
    with open(log_path, "wb") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
    text = open(log_path, errors="replace").read()

    execs = re.findall(r"stat::number_of_executed_units: (\d+)", text)
    covs = re.findall(r"\bcov: (\d+)", text)
    cov = int(covs[-1]) if covs else 0
    print("%s: %s execs in %d s, cov %d, corpus %d files (log %s)"
          % (name, execs[-1] if execs else "?", a.seconds, cov, len(os.listdir(corpus)), log_path))

    found = sorted(glob.glob(os.path.join(artifacts, "*")))
    if rc != 0 or found:
        print("\n".join(text.splitlines()[-60:]))
        for f in found:
            print("FAILED: %s: crashing input %s (rerun: %s %s)" % (name, f, a.exe, f))
        if not found:
            print("FAILED: %s: libFuzzer exited %d without an input" % (name, rc))
        return 1
    if cov < a.min_cov and from_samples == 0 and name in seeds_py.FROM_SAMPLES:
        print("%s: coverage floor %d not checked: it assumes the seeds from the samples" % (name, a.min_cov))
    elif cov < a.min_cov:
        print("FAILED: %s: coverage %d is below %d: is the library built with -fsanitize=fuzzer-no-link?"
              % (name, cov, a.min_cov))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
