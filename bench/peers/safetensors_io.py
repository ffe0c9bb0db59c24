"""Reads and writes safetensors files by hand (8-byte little-endian header length, JSON header, raw bytes), the
format the `safetensors` package implements, which is not installable here (no PyPI). Shared by the peer scripts."""
import json
import mmap
import os
import struct

import torch

DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}
NAMES = {v: k for k, v in DTYPES.items()}


class SafetensorsFile:
    """One mapped file; tensor(name) copies one tensor out, as safetensors' get_tensor does."""

    def __init__(self, path):
        self.path = path
        self._file = open(path, "rb")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        (length,) = struct.unpack("<Q", self._map[:8])
        self.header = json.loads(self._map[8:8 + length])
        self.header.pop("__metadata__", None)
        self._data = 8 + length

    def names(self):
        return list(self.header)

    def tensor(self, name):
        entry = self.header[name]
        start, end = entry["data_offsets"]
        raw = bytearray(memoryview(self._map)[self._data + start:self._data + end])
        return torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]).view(entry["shape"])

    def close(self):
        self._map.close()
        self._file.close()


class Checkpoint:
    """A Hugging Face folder: model.safetensors or the shards named by model.safetensors.index.json."""

    def __init__(self, folder):
        index = os.path.join(folder, "model.safetensors.index.json")
        if os.path.exists(index):
            with open(index) as f:
                weight_map = json.load(f)["weight_map"]
            files = {shard: SafetensorsFile(os.path.join(folder, shard)) for shard in set(weight_map.values())}
            self._where = {name: files[shard] for name, shard in weight_map.items()}
        else:
            single = SafetensorsFile(os.path.join(folder, "model.safetensors"))
            self._where = {name: single for name in single.names()}

    def names(self):
        return list(self._where)

    def tensor(self, name):
        return self._where[name].tensor(name)


def save_file(tensors, path):
    """Writes {name: tensor} as one safetensors file (header padded with spaces to 8 bytes, as safetensors does)."""
    header, offset = {}, 0
    for name, t in tensors.items():
        size = t.numel() * t.element_size()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for t in tensors.values():
            f.write(t.contiguous().view(-1).view(torch.uint8).numpy())
