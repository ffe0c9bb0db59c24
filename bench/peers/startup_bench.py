"""Start-up of the CLI: wall and CPU time of `crucible --version`, `--help`, `merge --help`, a small merge (the
demo's linear recipe on the zoo: 2 x 1.4 MB) split into the time before its merge stream and the stream itself
(from its "in S s" line), and a short `eval` (8 items), for one or more launchers run alternately (e.g. a build
from before a change and the current one). Run by bench/startup.sh.

Usage: startup_bench.py RUNS LAUNCHER [LAUNCHER...]
"""
import os
import re
import shutil
import statistics
import sys
import tempfile

from timing import load_average, run


def commands(launcher, out):
    root = os.path.dirname(os.path.abspath(launcher))
    zoo = os.path.join(root, "fixtures", "zoo")
    return {
        "--version": [launcher, "--version"],
        "--help": [launcher, "--help"],
        "merge --help": [launcher, "merge", "--help"],
        "merge (zoo linear)": [launcher, "merge", os.path.join(root, "demo", "recipes", "linear.yml"), out, "--force"],
        "eval (8 items)": [launcher, "eval", "--limit", "8", f"--task=add={zoo}/add_test.jsonl",
                           os.path.join(zoo, "expert-add")],
    }


def main(argv):
    runs, launchers = int(argv[1]), argv[2:]
    work = tempfile.mkdtemp(prefix="crucible-startup-")
    try:
        print(f"start-up: {runs} runs each, launchers alternated; {os.cpu_count()} cores, load average"
              f" {load_average()} at start")
        results = {}
        for launcher in launchers:
            run([launcher, "--version"])  # builds the jar and its start-up archive if missing
        for r in range(runs):
            for launcher in (launchers if r % 2 == 0 else launchers[::-1]):
                for name, command in commands(launcher, os.path.join(work, "out")).items():
                    shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
                    wall, _, text, cpu = run(command)
                    entry = results.setdefault((launcher, name), {"wall": [], "cpu": [], "before": []})
                    entry["wall"].append(wall)
                    entry["cpu"].append(cpu)
                    stream = re.search(r" in ([0-9.]+) s", text) if name.startswith("merge (") else None
                    if stream:
                        entry["before"].append(wall - float(stream.group(1)))
        for (launcher, name), e in results.items():
            before = (f";  before the stream min {min(e['before']):5.2f} s median {statistics.median(e['before']):5.2f} s"
                      if e["before"] else "")
            print(f"{launcher:<40} {name:<20} wall min {min(e['wall']):5.2f} s median"
                  f" {statistics.median(e['wall']):5.2f} s;  CPU min {min(e['cpu']):5.2f} s median"
                  f" {statistics.median(e['cpu']):5.2f} s{before}")
        print(f"load average {load_average()} at end (wall times on a loaded machine mostly measure the load;"
              f" CPU time is steadier)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv)
