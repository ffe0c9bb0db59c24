"""Jlama (com.github.tjake:jlama-core + jlama-native 0.8.4, a pure-Java LLM engine) as a decode peer, for
bench/peers.sh: first its next-token distribution on the zoo's base model (whose logits llama_torch.py matches
to transformers' reference within 1.4e-6) against llama_torch.py's; only when they agree (max |log-prob
difference| < 1e-3) is it timed on the generated Llama, at batch 1 (Jlama decodes one sequence per KV buffer).
Jlama's getLogits returns probabilities (softmax applied), so log-probabilities are compared.

Usage: jlama_check.py REPO ZOO_MODEL BIG_MODEL_DIR WORK PROMPT NEW -- JAVA COMMAND PREFIX...
"""
import json
import os
import shutil
import sys

import torch

from llama_torch import Llama
from timing import load_average, run


def jlama_folder(model, work):
    """A copy of the folder's config for Jlama, which needs the fields a generated config leaves to defaults
    (the values Crucible and transformers assume), with the weights linked and the zoo's tokenizer."""
    with open(os.path.join(model, "config.json")) as f:
        config = json.load(f)
    for key, value in {"max_position_embeddings": 2048, "rms_norm_eps": 1e-6, "bos_token_id": 1,
                       "eos_token_id": 2, "hidden_act": "silu", "rope_theta": 10000.0}.items():
        config.setdefault(key, value)
    folder = os.path.join(work, "jlama-" + os.path.basename(model.rstrip("/")))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)
    for name in os.listdir(model):
        if name.endswith(".safetensors") or name.endswith(".index.json"):
            target = os.path.join(folder, name)
            if not os.path.exists(target):
                os.symlink(os.path.abspath(os.path.join(model, name)), target)
    return folder


def main(argv):
    split = argv.index("--")
    repo, zoo_model, big, work, prompt, new = argv[1:split]
    java = argv[split + 1:]
    out = os.path.join(work, "logits-jlama.json")
    _, _, text, _ = run(java + [zoo_model, out, "12", "4"])
    ids = [5 + i % 50 for i in range(12)]
    with torch.no_grad():
        ours = torch.log_softmax(Llama(zoo_model).forward(torch.tensor([ids]), [])[0, -1], -1)
    with open(out) as f:
        theirs = torch.tensor(json.load(f)).clamp_min(1e-30).log()
    diff = (ours - theirs).abs().max().item()
    print(f"jlama: zoo base, 12-token prompt: max |log-prob difference| vs the transformers-exact forward {diff:.3g},"
          f" argmax {'equal' if ours.argmax() == theirs.argmax() else 'different'}")
    if diff >= 1e-3:
        print("jlama: its outputs do not agree with transformers' Llama on this model, so it is not timed")
        return
    folder = jlama_folder(big, work)
    shutil.copy(os.path.join(repo, "fixtures", "zoo", "base", "tokenizer.json"), folder)
    wall, rss, text, cpu = run(java + [folder, out, prompt, new])
    print(f"jlama: {text.strip().splitlines()[-1]}  wall {wall:.1f} s  CPU {cpu:.1f} s  {rss:.0f} MiB"
          f"  load {load_average()}")


if __name__ == "__main__":
    main(sys.argv)
