"""Compares two merged checkpoints tensor by tensor: max abs difference, how many elements differ and by how many
bf16 steps (units in the last place). With --ties BASE MODEL DENSITY it also checks the one place where two exact
TIES implementations may differ: the elements whose |delta| equals the k-th largest |delta| of the tensor (the
trim threshold), where mergekit's unstable argsort picks an arbitrary subset of the tied elements.

Usage: compare_outputs.py OURS PEER [--ties BASE MODEL DENSITY]
"""
import os
import sys

import torch

from safetensors_io import Checkpoint


def ulps(a, b):
    """bf16 steps between a and b (same sign assumed for the small differences that matter)."""
    ia = a.view(torch.int16).to(torch.int32)
    ib = b.view(torch.int16).to(torch.int32)
    return (ia - ib).abs()


def main(argv):
    torch.set_num_threads(os.cpu_count())
    ours, peer = Checkpoint(argv[1]), Checkpoint(argv[2])
    ties = argv[4:7] if len(argv) > 3 and argv[3] == "--ties" else None
    if ties:
        base, model, density = Checkpoint(ties[0]), Checkpoint(ties[1]), float(ties[2])
    if sorted(ours.names()) != sorted(peer.names()):
        print("outputs: DIFFERENT tensor names")
        return 1
    max_abs, differing, beyond_one_ulp, total, unexplained = 0.0, 0, 0, 0, 0
    for name in ours.names():
        a, b = ours.tensor(name), peer.tensor(name)
        if a.shape != b.shape or a.dtype != b.dtype:
            print(f"outputs: {name}: {a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}")
            return 1
        total += a.numel()
        # Bit patterns first: equal tensors (most of them) cost one comparison, no float copies.
        neq = a.view(-1).view(torch.uint8).view(-1, a.element_size()).ne(
            b.view(-1).view(torch.uint8).view(-1, b.element_size())).any(dim=1).view(a.shape)
        count = int(neq.sum())
        if count == 0:
            continue
        differing += count
        x, y = a[neq], b[neq]
        max_abs = max(max_abs, (x.float() - y.float()).abs().max().item())
        far = neq.clone()
        far[neq] = ulps(x, y) > 1 if a.dtype == torch.bfloat16 else True
        beyond_one_ulp += int(far.sum())
        if ties and far.any():
            d = (model.tensor(name).float() - base.tensor(name).float()).abs().view(-1)
            k = int(density * d.numel())
            threshold = torch.kthvalue(d, d.numel() - k + 1).values
            unexplained += int((far.view(-1) & (d != threshold)).sum())
    print(f"outputs: {total} elements, max abs diff {max_abs:.3g}; {differing} differ "
          f"({100.0 * differing / total:.4f}%), {beyond_one_ulp} by more than 1 bf16 step"
          + (f", of which {unexplained} are not ties at the trim threshold" if ties else ""))
    return 0 if not ties or unexplained == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
