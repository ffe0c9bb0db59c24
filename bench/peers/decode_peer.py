"""The peer of DecodePeerBench for bench/peers.sh: the same measurements with the Llama forward of llama_torch.py
(float32 weights, plain PyTorch on all cores): last-position logits of the prompt ids 5 + i % 50 (batch 1) written
to LOGITS_OUT, then per batch size a prefill of the prompt (prompt tokens/s at batch 1) and NEW greedy decode
steps with the key/value cache. Prints one JSON line.

Usage: decode_peer.py MODEL_DIR LOGITS_OUT PROMPT NEW BATCH[,BATCH...]
"""
import json
import os
import sys
import time

import torch

from llama_torch import Llama


def run(model, b, prompt, new):
    ids = torch.tensor([[5 + i % 50 for i in range(prompt)]] * b)
    cache = []
    t0 = time.perf_counter()
    logits = model.forward(ids, cache)[:, -1]
    t1 = time.perf_counter()
    nxt = logits.argmax(-1)
    for _ in range(new):
        nxt = model.forward(nxt[:, None], cache)[:, -1].argmax(-1)
    return logits[0], t1 - t0, time.perf_counter() - t1


def main(argv):
    torch.set_num_threads(os.cpu_count())
    folder, logits_out, prompt, new = argv[1], argv[2], int(argv[3]), int(argv[4])
    batches = [int(b) for b in argv[5].split(",")]
    t0 = time.perf_counter()
    model = Llama(folder)
    result = {"load_s": round(time.perf_counter() - t0, 2)}
    with torch.no_grad():
        logits, _, _ = run(model, 1, prompt, 0)
        with open(logits_out, "w") as f:
            json.dump(logits.tolist(), f)
        run(model, 1, 4, 2)  # warm-up of the decode path
        for b in batches:
            _, prefill, decode = run(model, b, prompt, new)
            if b == 1:
                result["prompt_tok_s"] = round(prompt / prefill, 2)
            result[f"decode_b{b}_tok_s"] = round(b * new / decode, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
