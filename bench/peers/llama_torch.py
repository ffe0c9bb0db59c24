"""A Llama forward pass in plain PyTorch, the peer of Crucible's decoder for bench/peers.sh (transformers is not
installable here: no PyPI). It follows transformers' models/llama/modeling_llama.py (eager attention, no cache
class): LlamaRMSNorm.forward, LlamaRotaryEmbedding (inv_freq = 1/theta^(2i/d), cos/sin of cat(freqs, freqs)),
rotate_half + apply_rotary_pos_emb, repeat_kv, LlamaAttention (softmax in float32 over q k^T / sqrt(head_dim)
plus a causal mask), LlamaMLP (down(silu(gate(x)) * up(x))), LlamaDecoderLayer (pre-norm residuals),
LlamaModel (final norm) and LlamaForCausalLM (lm_head, or embed_tokens when tie_word_embeddings). A key/value
cache per layer (concatenated along the sequence, as DynamicCache does) makes decoding one token a step.
Weights are upcast to float32 by default (the zoo's reference logits are a float32 forward of the stored
weights)."""
import json
import math
import os

import torch
import torch.nn.functional as F

from safetensors_io import Checkpoint


class Llama:
    def __init__(self, folder, dtype=torch.float32):
        with open(os.path.join(folder, "config.json")) as f:
            c = json.load(f)
        self.heads = c["num_attention_heads"]
        self.kv_heads = c.get("num_key_value_heads", self.heads)
        self.head_dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c.get("rms_norm_eps", 1e-6)
        self.layers = c["num_hidden_layers"]
        self.dtype = dtype
        ckpt = Checkpoint(folder)
        w = {name: ckpt.tensor(name).to(dtype) for name in ckpt.names()}
        self.w = w
        self.lm_head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
        theta = c.get("rope_theta", 10000.0)
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.head_dim, 2, dtype=torch.int64).float()
                                         / self.head_dim))

    def rms_norm(self, x, weight):
        input_dtype = x.dtype
        x = x.to(torch.float32)
        variance = x.pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(variance + self.eps)
        return weight * x.to(input_dtype)

    def rope(self, positions):
        freqs = positions[:, None].float() * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.dtype), emb.sin().to(self.dtype)

    @staticmethod
    def rotate_half(x):
        half = x.shape[-1] // 2
        return torch.cat((-x[..., half:], x[..., :half]), dim=-1)

    def forward(self, ids, cache):
        """Logits [B, T, vocab] of token ids [B, T] following the cache (a list of (k, v) per layer, or empty)."""
        b, t = ids.shape
        past = cache[0][0].shape[2] if cache else 0
        x = F.embedding(ids, self.w["model.embed_tokens.weight"])
        cos, sin = self.rope(torch.arange(past, past + t))
        cos, sin = cos[None, None], sin[None, None]
        mask = None
        if t > 1:
            mask = torch.full((t, past + t), float("-inf")).triu(past + 1)
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.rms_norm(x, self.w[p + "input_layernorm.weight"])
            q = F.linear(h, self.w[p + "self_attn.q_proj.weight"]).view(b, t, self.heads, self.head_dim).transpose(1, 2)
            k = F.linear(h, self.w[p + "self_attn.k_proj.weight"]).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
            v = F.linear(h, self.w[p + "self_attn.v_proj.weight"]).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if len(cache) > i:
                k = torch.cat((cache[i][0], k), dim=2)
                v = torch.cat((cache[i][1], v), dim=2)
                cache[i] = (k, v)
            else:
                cache.append((k, v))
            rep = self.heads // self.kv_heads
            if rep > 1:
                k = k.repeat_interleave(rep, dim=1)
                v = v.repeat_interleave(rep, dim=1)
            scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
            if mask is not None:
                scores = scores + mask
            probs = F.softmax(scores, dim=-1, dtype=torch.float32).to(q.dtype)
            attn = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim)
            x = x + F.linear(attn, self.w[p + "self_attn.o_proj.weight"])
            h = self.rms_norm(x, self.w[p + "post_attention_layernorm.weight"])
            mlp = F.silu(F.linear(h, self.w[p + "mlp.gate_proj.weight"])) * F.linear(h, self.w[p + "mlp.up_proj.weight"])
            x = x + F.linear(mlp, self.w[p + "mlp.down_proj.weight"])
        x = self.rms_norm(x, self.w["model.norm.weight"])
        return F.linear(x, self.lm_head)

    def greedy(self, ids, max_new_tokens, eos):
        """Greedy continuations of same-length prompts ids [B, T]: one list of new ids per row, each cut after eos."""
        cache = []
        logits = self.forward(ids, cache)[:, -1]
        out = [[] for _ in range(ids.shape[0])]
        done = [False] * ids.shape[0]
        for _ in range(max_new_tokens):
            nxt = logits.argmax(-1)
            for r, tok in enumerate(nxt.tolist()):
                if not done[r]:
                    out[r].append(tok)
                    done[r] = tok == eos
            if all(done):
                break
            logits = self.forward(nxt[:, None], cache)[:, -1]
        return out
