"""Evaluation: `crucible eval` vs eval_peer.py (the same greedy exact-match scoring in PyTorch) on one model and
one task, run alternately. Checks first that both score the same accuracy (and that the peer's forward matches
the zoo's transformers reference logits), then prints items/s of the scoring alone (as each reports it) and of
the whole command (start-up and model loading included), CPU time and peak RSS.

Usage: eval_bench.py REPO MODEL_DIR TASK.jsonl RUNS
"""
import json
import os
import statistics
import sys

import torch

from llama_torch import Llama
from timing import load_average, run, summary

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def reference_check(repo, model):
    """Max |logit difference| of the peer's forward against fixtures/zoo/reference/<model>.json (transformers)."""
    path = os.path.join(repo, "fixtures", "zoo", "reference", os.path.basename(model.rstrip("/")) + ".json")
    if not os.path.exists(path):
        return "no reference logits for this model"
    with open(path) as f:
        ref = json.load(f)
    with torch.no_grad():
        logits = Llama(model).forward(torch.tensor([ref["input_ids"]]), [])[0, -1]
    return f"peer forward vs transformers' reference logits: max abs diff {(logits - torch.tensor(ref['last_logits'])).abs().max().item():.2g}"


def main(argv):
    repo, model, task, runs = argv[1], argv[2], argv[3], int(argv[4])
    name = os.path.splitext(os.path.basename(task))[0]
    ours = [os.path.join(repo, "crucible"), "eval", "--json", f"--task={name}={task}", model]
    peer = [PY, os.path.join(HERE, "eval_peer.py"), model, task]
    print(f"eval: {model} on {task}; {os.cpu_count()} cores, load average {load_average()} at start")
    print("eval: " + reference_check(repo, model))
    series = {"crucible": ([], [], [], []), "peer": ([], [], [], [])}
    accuracy = {}
    for r in range(runs):
        order = [("crucible", ours), ("peer", peer)]
        for who, command in (order if r % 2 == 0 else order[::-1]):
            wall, rss, text, cpu = run(command)
            if who == "crucible":
                score = json.loads(text[text.index("{"):])["tasks"][name]
                acc, n, rate = score["score"], score["n"], score["items_per_second"]
            else:
                result = json.loads(text)
                acc, n, rate = result["accuracy"], result["n"], result["items_per_second"]
            accuracy.setdefault(who, acc)
            if acc != accuracy[who]:
                raise SystemExit(f"eval: {who} scored {acc} now and {accuracy[who]} before")
            for s, v in zip(series[who], (wall, rss, cpu, rate)):
                s.append(v)
            print(f"  run {r + 1} {who:<8} scoring {rate:7.1f} items/s  command wall {wall:6.2f} s  CPU {cpu:6.2f} s"
                  f"  {rss:5.0f} MiB  load {load_average()}", flush=True)
        if r == 0:
            agree = "agree" if accuracy["crucible"] == accuracy["peer"] else "DISAGREE"
            print(f"eval: accuracy crucible {accuracy['crucible']:.3f}, peer {accuracy['peer']:.3f} ({n} items): {agree}")
            if agree != "agree":
                raise SystemExit(1)
    for who in ("crucible", "peer"):
        wall, rss, cpu, rate = series[who]
        print(summary(f"eval: {who}", wall, rss, cpu)
              + f"; scoring items/s max {max(rate):.1f} median {statistics.median(rate):.1f}")
    c, p = series["crucible"], series["peer"]
    print(f"eval ratios (ours/peer): scoring items/s median {statistics.median(c[3]) / statistics.median(p[3]):.2f}x"
          f" (higher is better for us), whole command wall median {statistics.median(c[0]) / statistics.median(p[0]):.2f}x,"
          f" CPU min {min(c[2]) / min(p[2]):.2f}x, peak RSS {max(c[1]) / max(p[1]):.2f}x; load average {load_average()} at end")


if __name__ == "__main__":
    main(sys.argv)
