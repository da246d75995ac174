#!/usr/bin/env python3
"""Writes a synthetic results folder in the formats `muonlab pretrain` and `muonlab mismatch` write (see
nanochat/pretrain.cpp, probes.cpp, finetune.cpp, experiments/mismatch_report.cpp, mismatch_tables.cpp), so the LibTorch
notebooks' plotting code is tested on a machine without LibTorch. The numbers are made up (deterministic): they only
exercise the drawing, including its awkward cases: a diverged learning rate, a best lr at the grid's edge, a
trajectory with a spike, NaN gaps, four optimizers and a rank study.

Usage: make_run_fixture.py DIR
"""
import json
import math
import os
import sys


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def pretrain_run(root, opt, sr_bias):
    d = os.path.join(root, f"pretrain-cpu-{opt}-d2-s42")
    cfg = {"model": {"depth": 2, "vocab_size": 2048, "seq_len": 128, "head_dim": 128, "n_embd": 128, "n_head": 1},
           "train": {"preset": "cpu", "optimizer": opt, "steps": 600, "batch_size": 16, "seed": 42, "device": "cpu",
                     "probe_every": 50}}
    write(os.path.join(d, "config.json"), json.dumps(cfg, indent=2) + "\n")
    m = "step,tokens,train_loss,val_bpb,lr_mult,momentum,elapsed_s\n"
    for s in range(0, 601, 50):
        m += f"{s},{s * 2048},{4.0 - 2 * s / 600:.6f},{4.5 - 2.9 * (1 - math.exp(-s / 150)) - sr_bias / 100:.6f},1,0.95,{s * 0.5:.3f}\n"
    write(os.path.join(d, "metrics.csv"), m)
    p = "step,name,kind,layer,rows,cols,stable_rank,svd_entropy,norm_max,norm_spectral\n"
    for s in range(0, 601, 50):
        for layer in range(2):
            for kind, (r, c) in (("Q", (128, 128)), ("K", (128, 128)), ("V", (128, 128)), ("O", (128, 128)),
                                 ("MLP_up", (512, 128)), ("MLP_down", (128, 512))):
                if kind in ("O", "MLP_down") and s == 0:  # zero-initialized: undefined, left empty
                    p += f"{s},h.{layer}.{kind},{kind},{layer},{r},{c},,,0,0\n"
                    continue
                sr = 33.2 - 12 * (1 - math.exp(-s / 200)) + sr_bias * (s / 600) + layer * 0.3
                en = 0.95 - 0.08 * (1 - math.exp(-s / 200)) + sr_bias * 0.002 * (s / 600)
                p += f"{s},h.{layer}.{kind},{kind},{layer},{r},{c},{sr:.10g},{en:.10g},0.1,1.5\n"
    write(os.path.join(d, "probes.csv"), p)


def stats(vals):
    if any(v is None for v in vals):
        return {"n": len(vals), "diverged": sum(v is None for v in vals), "mean": None, "std": None, "min": None,
                "max": None}
    n = len(vals)
    mean = sum(vals) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in vals) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "diverged": 0, "mean": mean, "std": std, "min": min(vals), "max": max(vals)}


def mismatch(root):
    d = os.path.join(root, "mismatch-cpu")
    opts = ["muon", "adam", "adamuon", "normuon"]
    grids = {"muon": [0.1, 0.3, 1, 3, 10], "normuon": [0.1, 0.3, 1, 3, 10], "adam": [0.01, 0.03, 0.1, 0.3, 1],
             "adamuon": [0.01, 0.03, 0.1, 0.3, 1]}
    paper = {"muon/full/muon": 0.716, "muon/full/adam": 0.739, "muon/lora/muon": 0.719, "muon/lora/adam": 0.733,
             "adam/full/muon": 0.719, "adam/full/adam": 0.710, "adam/lora/muon": 0.723, "adam/lora/adam": 0.721}
    family = {"muon": "muon", "normuon": "muon", "adam": "adam", "adamuon": "adam"}
    sweep, best, table1, ranks = [], [], [], []
    for pre in ("muon", "adam"):
        for method in ("full", "lora"):
            rank = 8 if method == "lora" else 0
            best_cells = {}
            for o in opts:
                g = grids[o]
                pts = []
                for i, lr in enumerate(g):
                    base = 0.15 + 0.01 * (i - 2) ** 2 + (0.01 if family[o] != pre else 0) + (0.04 if method == "lora" else 0)
                    if o == "adamuon" and i == 4 and method == "full":
                        vals = [None, None, None]  # diverged at the largest lr
                    else:
                        vals = [base + 0.003 * s for s in range(3)]
                    st = stats(vals)
                    sweep.append({"cell": {"pretrain": pre, "method": method, "optimizer": o, "rank": rank}, "lr": lr,
                                  "ratio": st, "forgetting": stats([1.2, 1.3, 1.25])})
                    if st["mean"] is not None:
                        pts.append((st["mean"], lr, st, vals))
                m, lr, st, vals = min(pts)
                if o == "normuon" and pre == "adam" and method == "full":
                    lr, st = g[0], stats([v + 0.0 for v in vals])  # a best lr at the grid's edge
                best_cells[o] = (lr, st, vals)
                best.append({"cell": {"pretrain": pre, "method": method, "optimizer": o, "rank": rank}, "lr": lr,
                             "ratio": st, "forgetting": stats([1.2, 1.3, 1.25]), "grid_min": g[0], "grid_max": g[-1],
                             "grid_points": len(g), "at_edge": lr in (g[0], g[-1])})
            for o in opts:
                lr, st, vals = best_cells[o]
                mlr, mst, mvals = best_cells[pre]
                gap = st["mean"] - mst["mean"]
                se = (None if o == pre else
                      (math.sqrt(sum(((a - b) - gap) ** 2 for a, b in zip(vals, mvals)) / 2) / math.sqrt(3)))
                pr = paper.get(f"{pre}/{method}/{o}")
                pg = None if pr is None else pr - paper[f"{pre}/{method}/{pre}"]
                table1.append({"cell": {"pretrain": pre, "method": method, "optimizer": o, "rank": rank},
                               "best_lr": lr, "ratio": st, "matched": pre, "gap": gap if o != pre else 0.0,
                               "gap_se": se, "paper_ratio": pr, "paper_gap": pg})
        for o in opts:
            for r in (1, 2, 4, 8, 16):
                v = 0.2 + 0.02 / r + (0.01 if family[o] != pre else 0) + 0.002 * opts.index(o)
                ranks.append({"cell": {"pretrain": pre, "method": "lora", "optimizer": o, "rank": r}, "lr": 1,
                              "ratio": stats([v, v + 0.004, v + 0.008]), "lrs_tried": 3})
    checks = [{"id": "a/full/pretrain=adam", "group": "shape-a", "statement": "the matched optimizer wins",
               "verdict": "holds", "holds": True, "significance": "yes", "detail": "gap +0.01 ± 0.002",
               "numbers": {}},
              {"id": "a/full/pretrain=muon", "group": "shape-a", "statement": "the matched optimizer wins",
               "verdict": "violated", "holds": False, "significance": "no", "detail": "gap −0.004 ± 0.005",
               "numbers": {}}]
    summary = {"main_rank": 8, "sweep": sweep, "best_lr": best, "table1": table1, "distance": [], "geometry": [],
               "ranks": ranks, "checks": checks, "holds": 1, "violated": 1,
               "settings": {"preset": "cpu", "seeds": [1, 2, 3], "methods": ["full", "lora"], "optimizers": opts,
                            "ranks": [1, 2, 4, 8, 16],
                            "comparable": {"steps": 60, "batch_size": 4, "seq_len": 128, "lr_frac": 0.02}},
               "progress": "complete: 240 of 240 runs"}
    write(os.path.join(d, "summary.json"), json.dumps(summary, indent=2) + "\n")
    for pre in ("muon", "adam"):
        for method in ("full", "lora"):
            for o in opts:
                m = "step,tokens,train_loss,val_ppl,pretrain_val_bpb,lr,elapsed_s\n"
                for i, s in enumerate(range(0, 61, 6)):
                    k = opts.index(o) + (4 if method == "lora" else 0)
                    ppl = 400 * (0.15 + 0.01 * k + 0.85 * math.exp(-s / (10 + k)))
                    bpb = 1.6 + (1.2 - 0.08 * k) * (1 - math.exp(-s / 20))
                    if pre == "adam" and method == "full" and o == "muon" and s == 6:
                        ppl, bpb = ppl * 30, bpb * 4  # a spike
                    m += f"{s},{s * 512},{'nan' if s == 0 else 3.0},{ppl:.6f},{bpb:.6f},0.01,{s * 0.1:.3f}\n"
                write(os.path.join(d, "trajectories", f"{pre}-{method}-{o}", "metrics.csv"), m)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    pretrain_run(root, "muon", 1.5)
    pretrain_run(root, "adam", 0.0)
    mismatch(root)
    print("fixture written to", root)
