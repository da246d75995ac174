"""The data behind the LibTorch figures (Figure 2 right / Figure 10, Table 1, Figures 3 and 4, the rank study), read
from the result files that `muonlab pretrain` and `muonlab mismatch` write. Nothing here needs LibTorch: the
figures can be drawn on any machine from a copy of the results.

Inputs, found under a results folder (MUONLAB_RESULTS, or scripts/figures --results DIR):
  pretrain-PRESET-muon-dD-sS/  and  pretrain-PRESET-adam-dD-sS/    (muonlab pretrain --run-dir)
      config.json (model and train settings), metrics.csv (validation bits per byte), probes.csv (stable rank and
      SVD entropy of every hidden matrix every probe_every steps)
  mismatch-*/  (muonlab mismatch --out; any folder holding a summary.json from it)
      summary.json (Table 1, the sweep, best lrs, ranks, checks), trajectories/PRE-METHOD-OPT/metrics.csv (Figure 3)
collect() copies just these files into FIGURES/results/NAME/, so the committed figures are redrawn, and checked by
the staleness test, from committed inputs; compute() derives the plotted numbers from that copy.
"""
import csv
import glob
import json
import math
import os
import re
import shutil

PRESET_ORDER = ["gpu", "cpu", "tiny"]  # the largest scale first


# ---- finding and copying the inputs --------------------------------------------------------------------------

def _pretrain_runs(results):
    """{preset: {optimizer: run_dir}} for every run directory with probes.csv and config.json."""
    out = {}
    for d in sorted(glob.glob(os.path.join(results, "**", "pretrain-*"), recursive=True)):
        if not (os.path.isfile(os.path.join(d, "probes.csv")) and os.path.isfile(os.path.join(d, "config.json"))):
            continue
        with open(os.path.join(d, "config.json")) as f:
            train = json.load(f).get("train", {})
        out.setdefault(train.get("preset", "?"), {}).setdefault(train.get("optimizer", "?"), d)
    return out


def find_pretrain_pair(results):
    """(preset, muon_run, adam_run) of the largest preset with both runs, or None."""
    runs = _pretrain_runs(results)
    for preset in PRESET_ORDER + sorted(set(runs) - set(PRESET_ORDER)):
        r = runs.get(preset, {})
        if "muon" in r and "adam" in r:
            return preset, r["muon"], r["adam"]
    return None


def find_mismatch(results):
    """The mismatch output folder of the largest preset (a folder with summary.json and sweep settings), or None."""
    found = []
    for p in sorted(glob.glob(os.path.join(results, "**", "summary.json"), recursive=True)):
        try:
            with open(p) as f:
                s = json.load(f)
        except (OSError, ValueError):
            continue
        if "table1" in s and "settings" in s:
            preset = s["settings"].get("preset", "?")
            rank = PRESET_ORDER.index(preset) if preset in PRESET_ORDER else len(PRESET_ORDER)
            found.append((rank, p))
    return os.path.dirname(min(found)[1]) if found else None


def collect_pretrain(muon_run, adam_run, dest):
    """Copies config.json, metrics.csv and probes.csv of both runs into dest/{muon,adam}/."""
    for opt, run in (("muon", muon_run), ("adam", adam_run)):
        os.makedirs(os.path.join(dest, opt), exist_ok=True)
        for f in ("config.json", "metrics.csv", "probes.csv"):
            if os.path.isfile(os.path.join(run, f)):
                shutil.copyfile(os.path.join(run, f), os.path.join(dest, opt, f))
    return dest


def collect_mismatch(sweep_dir, dest):
    """Copies summary.json and the trajectories' metrics.csv into dest/."""
    os.makedirs(dest, exist_ok=True)
    shutil.copyfile(os.path.join(sweep_dir, "summary.json"), os.path.join(dest, "summary.json"))
    for m in sorted(glob.glob(os.path.join(sweep_dir, "trajectories", "*", "metrics.csv"))):
        name = os.path.basename(os.path.dirname(m))
        os.makedirs(os.path.join(dest, "trajectories", name), exist_ok=True)
        shutil.copyfile(m, os.path.join(dest, "trajectories", name, "metrics.csv"))
    return dest


# ---- Figure 2 (right) and Figure 10 -------------------------------------------------------------------------------

KINDS = ["Q", "K", "V", "O", "MLP_up", "MLP_down"]


def _read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def _probe_means(rows):
    """{step: {kind: (mean stable rank, mean SVD entropy) over layers}}, undefined entries (zero matrices) skipped."""
    acc = {}
    for r in rows:
        if r["stable_rank"] == "" or r["svd_entropy"] == "":
            continue
        a = acc.setdefault(int(r["step"]), {}).setdefault(r["kind"], [0.0, 0.0, 0])
        a[0] += float(r["stable_rank"])
        a[1] += float(r["svd_entropy"])
        a[2] += 1
    return {s: {k: (v[0] / v[2], v[1] / v[2]) for k, v in kinds.items()} for s, kinds in sorted(acc.items())}


def spectral_settings(source):
    return {"source": source}


def figure2_spectral(settings, keys=None, root=None):
    """Per optimizer: along training, the mean over Q, K, V (each a mean over layers, as `spectrum --compare`) of
    stable rank and SVD entropy; at the last probe, every kind; the run's shape and final validation bpb."""
    src = os.path.join(root or "", settings["source"])
    out = {}
    for opt in ("muon", "adam"):
        if keys is not None and opt not in keys:
            continue
        d = os.path.join(src, opt)
        with open(os.path.join(d, "config.json")) as f:
            cfg = json.load(f)
        means = _probe_means(_read_csv(os.path.join(d, "probes.csv")))
        steps = [s for s, k in means.items() if all(q in k for q in "QKV")]
        qkv_sr = [sum(means[s][q][0] for q in "QKV") / 3 for s in steps]
        qkv_en = [sum(means[s][q][1] for q in "QKV") / 3 for s in steps]
        last = means[max(means)]
        metrics = _read_csv(os.path.join(d, "metrics.csv")) if os.path.isfile(os.path.join(d, "metrics.csv")) else []
        bpb = [float(r["val_bpb"]) for r in metrics if r.get("val_bpb", "") not in ("", "nan")]
        m, t = cfg.get("model", {}), cfg.get("train", {})
        out[opt] = {"step": steps, "qkv_stable_rank": qkv_sr, "qkv_svd_entropy": qkv_en,
                    "final_step": max(means),
                    "final": {k: {"stable_rank": last[k][0], "svd_entropy": last[k][1]} for k in KINDS if k in last},
                    "final_val_bpb": bpb[-1] if bpb else None,
                    "run": {"preset": t.get("preset"), "depth": m.get("depth"), "n_embd": m.get("n_embd"),
                            "vocab_size": m.get("vocab_size"), "seq_len": m.get("seq_len"), "steps": t.get("steps"),
                            "batch_size": t.get("batch_size"), "seed": t.get("seed"), "device": t.get("device")}}
    return {"series": out}


# ---- the mismatch sweep ------------------------------------------------------------------------------------------

def mismatch_settings(source):
    return {"source": source}


def _num(v):
    return float("nan") if v is None else float(v)


def mismatch(settings, keys=None, root=None):
    """What Table 1, Figures 3 and 4 and the rank study draw, from summary.json and the trajectories."""
    src = os.path.join(root or "", settings["source"])
    with open(os.path.join(src, "summary.json")) as f:
        S = json.load(f)
    best_edge = {(b["cell"]["pretrain"], b["cell"]["method"], b["cell"]["optimizer"], b["cell"]["rank"]):
                 bool(b.get("at_edge")) for b in S.get("best_lr", [])}
    table1 = []
    for t in S["table1"]:
        c = t["cell"]
        table1.append({"pretrain": c["pretrain"], "method": c["method"], "optimizer": c["optimizer"],
                       "rank": c["rank"], "matched": c["optimizer"] == t["matched"], "best_lr": t["best_lr"],
                       "at_edge": best_edge.get((c["pretrain"], c["method"], c["optimizer"], c["rank"]), False),
                       "ratio_mean": t["ratio"]["mean"], "ratio_std": t["ratio"]["std"], "n": t["ratio"]["n"],
                       "gap": t["gap"], "gap_se": t["gap_se"], "paper_ratio": t["paper_ratio"],
                       "paper_gap": t["paper_gap"]})
    sweep = []
    for p in S["sweep"]:
        c, r = p["cell"], p["ratio"]
        sweep.append({"pretrain": c["pretrain"], "method": c["method"], "optimizer": c["optimizer"],
                      "rank": c["rank"], "lr": p["lr"], "mean": r["mean"], "std": r["std"], "n": r["n"],
                      "diverged": r.get("diverged", 0)})
    ranks = [{"pretrain": r["cell"]["pretrain"], "optimizer": r["cell"]["optimizer"], "rank": r["cell"]["rank"],
              "lr": r["lr"], "mean": r["ratio"]["mean"], "std": r["ratio"]["std"], "n": r["ratio"]["n"]}
             for r in S.get("ranks", [])]
    traj = {}
    for m in sorted(glob.glob(os.path.join(src, "trajectories", "*", "metrics.csv"))):
        name = os.path.basename(os.path.dirname(m))
        rows = _read_csv(m)
        ppl0 = float(rows[0]["val_ppl"])
        traj[name] = {"step": [int(r["step"]) for r in rows],
                      "ppl_ratio": [float(r["val_ppl"]) / ppl0 for r in rows],
                      "pretrain_bpb": [float(r["pretrain_val_bpb"]) for r in rows]}
    settings_ = S.get("settings", {})
    comp = settings_.get("comparable", {})
    return {"table1": table1, "sweep": sweep, "ranks": ranks, "trajectories": traj, "main_rank": S.get("main_rank"),
            "checks": [{k: c[k] for k in ("id", "verdict", "significance", "detail")} for c in S.get("checks", [])],
            "preset": settings_.get("preset"), "seeds": settings_.get("seeds"), "comparable": comp,
            "progress": S.get("progress")}


def slug(s):
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


def finite(v):
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


# ---- the registry (the staleness test recomputes these from the copied results) ----------------------------------

RUN_FIGURES = {
    # name: compute(settings, keys, root) of the data the figure draws (the stored data is a part of it)
    "figure2_spectral": figure2_spectral,
    "mismatch_table1": mismatch,
    "mismatch_figure3": mismatch,
    "mismatch_figure4": mismatch,
    "mismatch_ranks": mismatch,
}
