#!/usr/bin/env python3
"""test_related_quality.py - the related ranking beats the title baseline.

Runs bench/run-related-bench.sh --check (bench/bench_related.c scores the
rankings, leave one out, with the lists' sections as labels, on databases
blind to those sections) over the bundled list and every list in
../shared/data/lists/, with and without abstracts, and fails when the
related ranking does not beat a plain query of the paper's title on some
list at both depths (issue 6, item 2), or returns the paper itself.  The
bench's table is printed either way.
"""

import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awstest  # noqa: E402
from awstest import check  # noqa: E402


def test_related_beats_title_baseline_on_every_list():
    script = os.path.join(os.environ["AWS_SOURCE_DIR"], "bench", "run-related-bench.sh")
    build = os.path.dirname(os.path.dirname(awstest.bin_path("bench_related")))
    lists = [awstest.bundled_list()] + sorted(
        glob.glob(os.path.join(os.path.dirname(awstest.bundled_list()), "lists", "*.md")))
    check(len(lists) > 1, "no lists under ../shared/data/lists")
    with awstest.TempDir("awrq") as tmp:
        proc = subprocess.run(["sh", script, "--check", build, tmp.path] + lists,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=600)
    out = proc.stdout.decode("utf-8", "replace")
    print(out, end="")
    rows = [l for l in out.splitlines() if l and not l.startswith("#")
            and not l.startswith("list ")]
    check(len(rows) == 2 * len(lists), "want %d table rows, got %d\nstderr:\n%s"
          % (2 * len(lists), len(rows), proc.stderr.decode("utf-8", "replace")))
    losing = [r.split()[0] + " " + r.split()[1] for r in rows if not r.endswith("yes")]
    check(proc.returncode == 0 and not losing,
          "exit status %d; the related ranking does not beat the title baseline on: %s"
          "\nstderr:\n%s" % (proc.returncode, ", ".join(losing) or "(none)",
                             proc.stderr.decode("utf-8", "replace")))


if __name__ == "__main__":
    awstest.run_tests(globals())
