#!/usr/bin/env python3
"""The peer of bench_nanochat: the same compact NanoChat in plain PyTorch, run on the same GPU in the same session.

Same shapes, init and arithmetic as nanochat/model.cpp (REFERENCE §5): depth sets width (64·depth), heads of 128,
rotary (half-split) then QK-norm, parameter-free RMSNorm, ReLU², untied embedding and head, logits softcapped
15·tanh(z/15), cross-entropy. Modes:
  eager    bf16 autocast, attention by F.scaled_dot_product_attention (flash)
  compile  the same under torch.compile (default mode)
Each mode times forward + backward, and a full step with fused AdamW on every parameter and, where torch has it,
torch.optim.Muon on the hidden matrices (AdamW on the rest). Model FLOPs per token are nanochat::flops_per_token:
6·(12·L·C² + V·C) + 12·L·T·C. MFU against 989 TFLOP/s (MUONLAB_PEAK_TFLOPS) and against a bf16 GEMM measured here.

Usage: nanochat_peer.py [--preset gpu|cpu|tiny] [--modes eager,compile] [--iters N] [--json FILE]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {  # depth, seq_len, vocab, batch (nanochat/config.cpp apply_preset)
    "tiny": (1, 32, 512, 4),
    "cpu": (2, 128, 2048, 16),
    "gpu": (12, 1024, 16384, 64),
}


def rms_norm(x):
    return F.rms_norm(x.float(), (x.size(-1),)).to(x.dtype)


def apply_rotary(x, cos, sin):
    d = x.size(3) // 2
    x1, x2 = x[..., :d], x[..., d:]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.cat([x1 * cos + x2 * sin, x2 * cos - x1 * sin], 3)


class Block(nn.Module):
    def __init__(self, c, n_head):
        super().__init__()
        self.n_head, self.hd = n_head, c // n_head
        self.c_q, self.c_k, self.c_v, self.c_proj = (nn.Linear(c, c, bias=False) for _ in range(4))
        self.c_fc, self.m_proj = nn.Linear(c, 4 * c, bias=False), nn.Linear(4 * c, c, bias=False)

    def forward(self, x, cos, sin):
        B, T, C = x.shape
        h = rms_norm(x)
        q = self.c_q(h).view(B, T, self.n_head, self.hd)
        k = self.c_k(h).view(B, T, self.n_head, self.hd)
        v = self.c_v(h).view(B, T, self.n_head, self.hd)
        q, k = rms_norm(apply_rotary(q, cos, sin)), rms_norm(apply_rotary(k, cos, sin))
        y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).reshape(B, T, C)).float()
        return x + self.m_proj(F.relu(self.c_fc(rms_norm(x))).square()).float()


class GPT(nn.Module):
    def __init__(self, depth, seq_len, vocab):
        super().__init__()
        c = 64 * depth
        n_head = max(1, c // 128)
        self.wte = nn.Embedding(vocab, c)
        self.h = nn.ModuleList(Block(c, n_head) for _ in range(depth))
        self.lm_head = nn.Linear(c, vocab, bias=False)
        d = c // n_head
        inv = 1.0 / (10000 ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        f = torch.outer(torch.arange(seq_len, dtype=torch.float64), inv)
        self.register_buffer("cos", f.cos().float().view(1, seq_len, 1, d // 2))
        self.register_buffer("sin", f.sin().float().view(1, seq_len, 1, d // 2))
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name == "wte.weight":
                    p.normal_(0, 1)
                else:
                    fo, fi = p.shape
                    p.normal_(0, 1 / math.sqrt(fi) * min(1, math.sqrt(fo / fi)))
            self.lm_head.weight.zero_()
            for b in self.h:
                b.c_proj.weight.zero_(), b.m_proj.weight.zero_()

    def forward(self, idx, targets):
        T = idx.size(1)
        x = rms_norm(self.wte(idx))
        for b in self.h:
            x = b(x, self.cos[:, :T], self.sin[:, :T])
        logits = self.lm_head(rms_norm(x)).float()
        logits = 15 * torch.tanh(logits / 15)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def flops_per_token(depth, seq_len, vocab):
    c = 64 * depth
    return 6 * (depth * 12 * c * c + vocab * c) + 12 * depth * seq_len * c


def timed(fn, iters, warmup, cuda):
    for _ in range(warmup):
        fn()
    if cuda:
        torch.cuda.synchronize()
    ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        ms.append(1e3 * (time.perf_counter() - t0))
    ms.sort()
    return ms[len(ms) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="gpu", choices=PRESETS)
    ap.add_argument("--modes", default="eager,compile")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    cuda = torch.cuda.is_available()
    if a.preset == "gpu" and not cuda:
        print("nanochat_peer: the gpu preset needs CUDA", file=sys.stderr)
        return 2
    dev = "cuda" if cuda else "cpu"
    depth, T, V, B = PRESETS[a.preset]
    fpt = flops_per_token(depth, T, V)
    peak = float(os.environ.get("MUONLAB_PEAK_TFLOPS", "989"))
    out = {"preset": a.preset, "device": torch.cuda.get_device_name() if cuda else "cpu", "torch": torch.__version__,
           "tokens_per_step": B * T, "model_flops_per_token": fpt, "modes": {}}
    n = 8192 if cuda else 1024
    ga = torch.randn(n, n, device=dev, dtype=torch.bfloat16 if cuda else torch.float32)
    gemm_ms = timed(lambda: ga @ ga, 10, 2, cuda)
    out["gemm_tflops"] = gemm_tflops = 2 * n ** 3 / (gemm_ms * 1e-3) / 1e12
    print(f"nanochat_peer: torch {torch.__version__} on {out['device']}; GEMM {n}^3: {gemm_tflops:.1f} TFLOP/s")
    x = torch.randint(0, V, (B, T), device=dev)
    y = torch.randint(0, V, (B, T), device=dev)
    for mode in a.modes.split(","):
        torch.manual_seed(1)
        model = GPT(depth, T, V).to(dev)
        run = torch.compile(model) if mode == "compile" else model
        if mode not in ("eager", "compile"):
            print(f"nanochat_peer: unknown mode {mode}", file=sys.stderr)
            return 2

        def fwd_bwd():
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=cuda):
                loss = run(x, y)
            loss.backward()

        t0 = time.perf_counter()
        fwd_bwd()  # compiles
        if cuda:
            torch.cuda.synchronize()
        first_s = time.perf_counter() - t0
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        fb_ms = timed(fwd_bwd, a.iters, a.warmup, cuda)
        row = {"first_call_s": first_s, "fwd_bwd_ms": fb_ms, "tokens_per_s": B * T / (fb_ms * 1e-3)}
        row["mfu"] = fpt * row["tokens_per_s"] / 1e12 / peak
        row["of_gemm"] = fpt * row["tokens_per_s"] / 1e12 / gemm_tflops
        if cuda:
            row["peak_memory_gib"] = torch.cuda.max_memory_allocated() / 2 ** 30
        hidden = [p for nme, p in model.named_parameters() if nme.startswith("h.")]
        other = [p for nme, p in model.named_parameters() if not nme.startswith("h.")]
        opts = {"adamw": [torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.8, 0.95), eps=1e-10,
                                            weight_decay=0, fused=cuda)]}
        if hasattr(torch.optim, "Muon"):
            opts["muon"] = [torch.optim.Muon(hidden, lr=0.02, momentum=0.95, nesterov=True, weight_decay=0),
                            torch.optim.AdamW(other, lr=1e-3, betas=(0.8, 0.95), eps=1e-10, weight_decay=0,
                                              fused=cuda)]
        for name, os_ in opts.items():
            def step():
                fwd_bwd()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                for o in os_:
                    o.step()
                model.zero_grad(set_to_none=False)

            sm = timed(step, a.iters, a.warmup, cuda)
            fwd_bwd()
            om = timed(lambda: [o.step() for o in os_], a.iters, 2, cuda)
            model.zero_grad(set_to_none=False)
            row[f"step_{name}_ms"] = sm
            row[f"optimizer_{name}_ms"] = om
            row[f"step_{name}_tokens_per_s"] = B * T / (sm * 1e-3)
        out["modes"][mode] = row
        print(f"  {mode:8s} fwd+bwd {fb_ms:8.2f} ms  {row['tokens_per_s']:10.0f} tok/s  MFU {100 * row['mfu']:5.1f}%"
              f"  (of GEMM {100 * row['of_gemm']:5.1f}%)  first call {first_s:.1f} s  " +
              "  ".join(f"step+{k} {row[f'step_{k}_ms']:.2f} ms (opt {row[f'optimizer_{k}_ms']:.2f})" for k in opts))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
