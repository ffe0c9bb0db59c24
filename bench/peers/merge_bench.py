"""Merge: `./crucible merge` vs mergekit_merge.py (mergekit's linear and TIES transcribed to PyTorch) on the same
two generated bf16 models, run alternately; prints min/median wall time, ours/peer, peak RSS, and the difference
between the outputs. Run by bench/peers.sh (which generates the models).

Usage: merge_bench.py REPO WORK RUNS
"""
import os
import shutil
import statistics
import sys

from timing import load_average, run, summary

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def main(argv):
    repo, work, runs = argv[1], argv[2], int(argv[3])
    a, b = os.path.join(work, "model-a"), os.path.join(work, "model-b")
    # Math in float32 and a bf16 output, the same for both: mergekit's `dtype` is the dtype it computes in
    # (`bfloat16` would make it round every intermediate to bf16, Crucible always computes in float32).
    recipes = {
        "linear": ("merge_method: linear\nmodels:\n  - {model: model-a, parameters: {weight: 0.5}}\n"
                   "  - {model: model-b, parameters: {weight: 0.5}}\n",
                   ["linear", "float32", "bfloat16", a + ":0.5", b + ":0.5"]),
        "ties": ("merge_method: ties\nbase_model: model-a\nmodels:\n"
                 "  - {model: model-b, parameters: {weight: 1.0, density: 0.5}}\n",
                 ["ties", "float32", "bfloat16", a, b + ":1.0:0.5"]),
    }
    size = sum(os.path.getsize(os.path.join(m, "model.safetensors")) for m in (a, b))
    print(f"merge: two generated bf16 models, {size / 2 ** 31:.2f} GiB each; dtype float32, out_dtype bfloat16; "
          f"warm page cache; {os.cpu_count()} cores, load average {load_average()} at start")
    ratios = {}
    for method, (yaml, peer_args) in recipes.items():
        recipe = os.path.join(work, f"peer-{method}.yml")
        with open(recipe, "w") as f:
            f.write(yaml + "dtype: float32\nout_dtype: bfloat16\n")
        ours_out, peer_out = os.path.join(work, f"out-crucible-{method}"), os.path.join(work, f"out-peer-{method}")
        ours = [os.path.join(repo, "crucible"), "merge", recipe, ours_out, "--force", "--no-sync"]
        peer = [PY, os.path.join(HERE, "mergekit_merge.py"), peer_args[0], peer_out] + peer_args[1:]
        times = {"crucible": ([], [], []), "peer": ([], [], [])}
        for r in range(runs):
            # Alternate which goes first, so neither always meets the page cache or the load the other left.
            order = [("crucible", ours, ours_out), ("peer", peer, peer_out)]
            for who, command, out in (order if r % 2 == 0 else order[::-1]):
                shutil.rmtree(out, ignore_errors=True)
                wall, rss, _, cpu = run(command)
                for series, value in zip(times[who], (wall, rss, cpu)):
                    series.append(value)
                print(f"  {method} run {r + 1} {who:<8} wall {wall:7.2f} s  CPU {cpu:7.2f} s  {rss:6.0f} MiB"
                      f"  load {load_average()}",
                      flush=True)
        print(summary(f"{method}: crucible merge --no-sync", *times["crucible"]))
        print(summary(f"{method}: mergekit transcription", *times["peer"]))
        ratio = statistics.median(times["crucible"][0]) / statistics.median(times["peer"][0])
        ratios[method] = ratio
        print(f"{method}: ours/peer wall median {ratio:.2f}x, min {min(times['crucible'][0]) / min(times['peer'][0]):.2f}x;"
              f" CPU min {min(times['crucible'][2]) / min(times['peer'][2]):.2f}x;"
              f" peak RSS {max(times['crucible'][1]) / max(times['peer'][1]):.2f}x")
        compare = [PY, os.path.join(HERE, "compare_outputs.py"), ours_out, peer_out]
        if method == "ties":
            compare += ["--ties", a, b, "0.5"]
        try:
            text = run(compare)[2]
        except RuntimeError as e:
            text = "OUTPUTS DISAGREE: " + str(e)
        print(f"{method}: {text.strip()}", flush=True)
        shutil.rmtree(ours_out, ignore_errors=True)
        shutil.rmtree(peer_out, ignore_errors=True)
    print(f"merge ratios (ours/peer, median): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
          + f"; load average {load_average()} at end")


if __name__ == "__main__":
    main(sys.argv)
