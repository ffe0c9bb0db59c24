"""Decode and prompt processing: Crucible's runtime (DecodePeerBench, the DJL PyTorch decoder) vs decode_peer.py
(the same Llama forward in plain PyTorch) on one generated Llama, run alternately. Checks first that the
last-position logits of the same prompt agree, then prints prompt tokens/s (batch 1) and decode tokens/s per
batch size, min/median over the runs, the ratios ours/peer (higher is better for us), and peak RSS.

Usage: decode_bench.py MODEL_DIR TOKENIZER_DIR WORK PROMPT NEW BATCHES RUNS -- JAVA COMMAND PREFIX...
"""
import json
import os
import statistics
import sys

import torch

from timing import load_average, run

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


def main(argv):
    split = argv.index("--")
    model, tokenizer, work, prompt, new, batches, runs = argv[1:split]
    java = argv[split + 1:]
    runs = int(runs)
    ours_logits, peer_logits = os.path.join(work, "logits-crucible.json"), os.path.join(work, "logits-peer.json")
    commands = {
        "crucible": java + [model, tokenizer, ours_logits, prompt, new, batches],
        "peer": [PY, os.path.join(HERE, "decode_peer.py"), model, peer_logits, prompt, new, batches],
    }
    print(f"decode: {model}, prompt {prompt} tokens, {new} decode steps, batches {batches}, float32 weights;"
          f" {os.cpu_count()} cores, load average {load_average()} at start")
    series = {who: {} for who in commands}
    rss = {who: [] for who in commands}
    for r in range(runs):
        order = list(commands.items())
        for who, command in (order if r % 2 == 0 else order[::-1]):
            wall, peak, text, cpu = run(command)
            figures = json.loads(text.strip().splitlines()[-1])
            for k, v in figures.items():
                series[who].setdefault(k, []).append(v)
            rss[who].append(peak)
            print(f"  run {r + 1} {who:<8} {json.dumps(figures)}  wall {wall:.1f} s  CPU {cpu:.1f} s  {peak:.0f} MiB"
                  f"  load {load_average()}", flush=True)
        if r == 0:
            with open(ours_logits) as f:
                a = torch.tensor(json.load(f))
            with open(peer_logits) as f:
                b = torch.tensor(json.load(f))
            diff = (a - b).abs().max().item()
            same = a.argmax().item() == b.argmax().item()
            print(f"decode: logits of the prompt: max abs diff {diff:.3g} (max |logit| {a.abs().max().item():.3g}),"
                  f" argmax {'equal' if same else 'DIFFERENT'}")
            if not same or diff > 1e-3 * max(1.0, a.abs().max().item()):
                raise SystemExit("decode: the logits disagree; not timing")
    for key in series["crucible"]:
        if key == "load_s":
            continue
        c, p = series["crucible"][key], series["peer"][key]
        print(f"decode {key:<16} crucible max {max(c):8.2f} median {statistics.median(c):8.2f};"
              f"  peer max {max(p):8.2f} median {statistics.median(p):8.2f};"
              f"  ours/peer (median) {statistics.median(c) / statistics.median(p):.2f}x")
    print(f"decode: load s crucible median {statistics.median(series['crucible']['load_s']):.1f},"
          f" peer {statistics.median(series['peer']['load_s']):.1f}; peak RSS crucible {max(rss['crucible']):.0f} MiB,"
          f" peer {max(rss['peer']):.0f} MiB; load average {load_average()} at end")


if __name__ == "__main__":
    main(sys.argv)
