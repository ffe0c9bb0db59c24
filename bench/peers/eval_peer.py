"""The peer of `crucible eval` on an exact-match task for bench/peers.sh: the model in llama_torch.py (float32),
items in batches of 32 (Crucible's default crucible.eval.batch-size), `<s>` + the prompt's characters (the zoo's
tokenizer is one id per character), greedy decoding with a key/value cache up to the longest answer's tokens + 2
(Crucible's default budget), stop at `</s>`, and the trimmed output must equal the trimmed answer (Crucible's
ExactMatchScorer, lm-eval-harness's exact_match with strip). Prints one JSON line: accuracy, items, items/s of the
scoring alone, and which items were right.

Usage: eval_peer.py MODEL_DIR TASK.jsonl
"""
import json
import os
import sys
import time

import torch

from llama_torch import Llama

BATCH = 32


def main(argv):
    torch.set_num_threads(os.cpu_count())
    folder, task = argv[1], argv[2]
    with open(os.path.join(folder, "tokenizer.json")) as f:
        vocab = json.load(f)["model"]["vocab"]
    by_id = {i: s for s, i in vocab.items()}
    bos, eos = vocab["<s>"], vocab["</s>"]
    special = {vocab[s] for s in ("<pad>", "<s>", "</s>", "<unk>", "<image>") if s in vocab}
    with open(task) as f:
        items = [json.loads(line) for line in f if line.strip()]
    budget = max(len(item["answer"]) for item in items) + 2
    model = Llama(folder)
    start = time.perf_counter()
    right = [False] * len(items)
    with torch.no_grad():
        # Rows of one batch must have the same prompt length (no padding in this forward): group by length.
        by_length = {}
        for i, item in enumerate(items):
            by_length.setdefault(len(item["prompt"]), []).append(i)
        for group in by_length.values():
            for at in range(0, len(group), BATCH):
                rows = group[at:at + BATCH]
                ids = torch.tensor([[bos] + [vocab.get(c, vocab["<unk>"]) for c in items[i]["prompt"]] for i in rows])
                for i, new in zip(rows, model.greedy(ids, budget, eos)):
                    text = "".join(by_id[t] for t in new if t not in special)
                    right[i] = text.strip() == items[i]["answer"].strip()
    seconds = time.perf_counter() - start
    print(json.dumps({"accuracy": sum(right) / len(items), "n": len(items), "items_per_second": len(items) / seconds,
                      "right": right}))


if __name__ == "__main__":
    main(sys.argv)
