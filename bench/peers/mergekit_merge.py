"""The peer of `crucible merge` for bench/peers.sh: linear and TIES as mergekit computes them, in PyTorch.

mergekit itself is not installable here (no PyPI), so this script transcribes, from arcee-ai/mergekit's current
source, exactly the code a `mergekit-yaml` run executes for these two methods, per output tensor:
  - mergekit/io/tasks.py            LoadTensor.execute: tensor.to(config.dtype)            -> load()
  - mergekit/merge_methods/linear.py LinearMergeTask.execute (normalize=True)              -> linear()
  - mergekit/merge_methods/generalized_task_arithmetic.py (registry "ties": consensus sum, magnitude
    sparsification, normalize=True, rescale=False, lambda 1): GTATask.execute, get_task_vectors,
    get_mask                                                                              -> ties(), get_mask()
  - mergekit/sparsify.py            magnitude, rescaled_masked_tensor (norm None)          -> magnitude()
  - mergekit/plan.py + io/tasks.py  SaveTensor: tensor.to(out_dtype)
  - mergekit/io/tensor_writer.py    TensorWriter: tensors kept in memory until the shard (5 GB) is full, then
                                    one safetensors file per shard (model.safetensors when one shard)
Reading uses safetensors' lazy mmap loading (transcribed by hand in safetensors_io.py). torch runs on all cores.

Usage: mergekit_merge.py linear OUT DTYPE OUT_DTYPE MODEL:WEIGHT ...
       mergekit_merge.py ties   OUT DTYPE OUT_DTYPE BASE MODEL:WEIGHT:DENSITY ...
"""
import json
import os
import shutil
import sys

import torch

from safetensors_io import Checkpoint, save_file

DTYPE = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
SHARD = 1000 * 1000 * 1000 * 5


def load(model, name, dtype):
    x = model.tensor(name)
    return x.to(dtype) if x.dtype != dtype else x


def linear(tensors, weights):
    tensors = torch.stack(tensors, dim=0)
    weights = torch.tensor(weights, dtype=tensors.dtype, device=tensors.device)
    while len(weights.shape) < len(tensors.shape):
        weights.unsqueeze_(-1)
    res = (weights * tensors).sum(dim=0)
    return res / weights.sum(dim=0)


def magnitude(tensor, density):
    if density >= 1:
        return tensor
    k = int(density * tensor.numel())
    assert k > 0
    mask = torch.zeros_like(tensor)
    w = tensor.abs().view(-1)
    if w.device.type == "cpu":
        w = w.float()
    topk = torch.argsort(w, descending=True)[:k]
    mask.view(-1)[topk] = 1
    return tensor * mask


def get_mask(delta, mask_dtype):
    sign = delta.sign().to(mask_dtype)
    sign_weight = delta.sum(dim=0)
    majority_sign = (sign_weight >= 0).to(mask_dtype) * 2 - 1
    del sign_weight
    return sign == majority_sign


def ties(base, others):
    tvs = []
    for x, weight, density in others:
        x = x.to(base.dtype)
        tvs.append({"delta": x - base, "weight": weight, "density": density})
    for tv in tvs:
        tv["delta"] = magnitude(tv["delta"], tv["density"])
    deltas = torch.stack([tv["delta"] for tv in tvs], dim=0)
    weights = torch.tensor([tv["weight"] for tv in tvs], dtype=deltas.dtype, device=deltas.device)
    while len(deltas.shape) > len(weights.shape):
        weights.unsqueeze_(-1)
    weighted_deltas = deltas * weights
    mask = get_mask(weighted_deltas, base.dtype)
    mixed_delta = (weighted_deltas * mask).sum(dim=0)
    divisor = (weights * mask).sum(dim=0)
    divisor[divisor == 0] = 1
    mixed_delta /= divisor
    return (base + mixed_delta).to(base.dtype)


def main(argv):
    # Debian's torch starts with one OpenMP thread here; mergekit on CPU gets all cores, so give them.
    torch.set_num_threads(os.cpu_count())
    method, out, dtype, out_dtype = argv[1], argv[2], DTYPE[argv[3]], DTYPE[argv[4]]
    if method == "linear":
        specs = [a.rsplit(":", 1) for a in argv[5:]]
        models = [(Checkpoint(path), float(w)) for path, w in specs]
        first = specs[0][0]
    elif method == "ties":
        first = argv[5]
        base = Checkpoint(first)
        specs = [a.rsplit(":", 2) for a in argv[6:]]
        models = [(Checkpoint(path), float(w), float(d)) for path, w, d in specs]
    else:
        sys.exit("error: method must be linear or ties")
    os.makedirs(out, exist_ok=True)
    shard, shard_size, shards = {}, 0, []
    names = (models[0][0] if method == "linear" else base).names()
    with torch.no_grad():
        for name in names:
            if method == "linear":
                res = linear([load(m, name, dtype) for m, _ in models], [w for _, w in models])
            else:
                res = ties(load(base, name, dtype), [(load(m, name, dtype), w, d) for m, w, d in models])
            res = res.to(out_dtype).contiguous()
            size = res.numel() * res.element_size()
            if shard and shard_size + size > SHARD:
                shards.append(shard)
                shard, shard_size = {}, 0
            shard[name] = res
            shard_size += size
    shards.append(shard)
    weight_map = {}
    for i, tensors in enumerate(shards):
        file = "model.safetensors" if len(shards) == 1 else f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_file(tensors, os.path.join(out, file))
        weight_map.update({name: file for name in tensors})
    if len(shards) > 1:
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f)
    shutil.copy(os.path.join(first, "config.json"), os.path.join(out, "config.json"))


if __name__ == "__main__":
    main(sys.argv)
