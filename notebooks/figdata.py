"""The data behind every committed figure that needs no LibTorch, computed by running muonlab. Each figure has
  settings(quick)          the settings it is made with (quick: the test suite's small ones);
  compute(settings, keys)  its data, from muonlab, deterministic for given settings; `keys` restricts the data to
                           some of its series (the staleness test's cheap subset; None: everything);
  cheap_keys(settings)     the series the staleness test recomputes (None: all of them, when all are cheap);
  tolerance                how closely a recomputation must match (see TOLERANCE).
The notebooks draw the figures from these data; tests/figures/check_figures.py recomputes cheap_keys for every
docs/figures/NAME.json from its stored settings and compares.
"""
import csv
import functools
import json
import math
import os
import tempfile
from fractions import Fraction

import figkit

# Tolerances of the staleness test. The same code on the same platform reproduces every number bit for bit; the
# relative slack 1e-9 absorbs a different libm/BLAS (double results of these well-conditioned computations move by
# < 1e-13 relative), while any change a reader could see on a plot (> 1e-3) fails. `abs` is the noise floor below
# which a number is rounding noise of its computation and only has to stay below it: 1e-20 for MPFR at 30 digits
# (rounding ~1e-30 per operation, amplified by at most ~1e10 over the runs' condition numbers), 1e-12 for
# double-precision results of size ~1 (solver duality gaps, differences of nearly equal losses).
TOLERANCE = {"mpfr30": {"rel": 1e-9, "abs": 1e-20}, "double": {"rel": 1e-9, "abs": 1e-12}}


def _subset(d, keys):
    return d if keys is None else {k: v for k, v in d.items() if k in keys}


# ==== the toy problem: Figure 2 (left), Figure 9, the distance panels, the README bias table ======================

# The optimizers, with the label the figures use and the family of their toy-problem limit (README findings).
TOY_OPTIMIZERS = [
    ("signgd", "SignGD", "max"),
    ("adam:eps=0", "Adam, ε = 0", "max"),
    ("adam", "Adam, ε = 1e-8 (default)", "max"),
    ("adamuon", "AdaMuon", "max"),
    ("muon-ideal", "idealized Muon (exact polar)", "2"),
    ("muon", "Muon (nanochat: EMA, Nesterov, NS5)", "2"),
    ("muon:ortho=pe5", "Muon with Polar Express (pe5)", "2"),
    ("normuon", "NorMuon", "2"),
    ("gd", "GD", "2"),
]
LABEL = {s: l for s, l, _ in TOY_OPTIMIZERS}
FAMILY = {s: f for s, _, f in TOY_OPTIMIZERS}
# Optimizers whose step is elementwise or an exact polar factor: seconds for 20 000 steps at 30 digits, where the
# Newton-Schulz ones take ~5 s each. The staleness test reruns these.
CHEAP = ("signgd", "adam:eps=0", "adam", "muon-ideal", "gd")

# The instance of Figure 2 (left): x in R^6, y in R^4, numpy.random.default_rng(2).standard_normal(6) and (4),
# rounded to two decimals (so the file is exact in decimals). Chosen among seeds 1-7 for visibly separated
# candidates: ||W*_2||max / ||W*_max||max = 1.45 and ||W*_max||2 / ||W*_2||2 = 1.25.
TOY_X = ["0.19", "-0.52", "-0.41", "-2.44", "1.8", "1.14"]
TOY_Y = ["-0.33", "0.77", "0.28", "-0.55"]


def toy_settings(quick=False):
    return {"instance": {"x": TOY_X, "y": TOY_Y}, "digits": 30, "schedule": "power:lr=0.5,p=1",
            "steps": 400 if quick else 20000, "records": 120, "optimizers": [s for s, _, _ in TOY_OPTIMIZERS]}


def toy_candidates(settings):
    """The candidates' norms, exactly (Fractions from the decimals, then float): W*_max = y sign(x)^T/|x|_1 and
    W*_2 = y x^T/|x|_2^2 are rank one, so |.|_2 = |.|_F = |y|_2 times the norm of the row factor."""
    x = [Fraction(v) for v in settings["instance"]["x"]]
    y = [Fraction(v) for v in settings["instance"]["y"]]
    n1 = sum(abs(v) for v in x)
    n2sq = sum(v * v for v in x)
    ymax = max(abs(v) for v in y)
    y2 = math.sqrt(sum(v * v for v in y))
    nnz = sum(1 for v in x if v != 0)
    return {
        "max": {"norm_max": float(ymax / n1), "norm_2": y2 * math.sqrt(nnz) / float(n1)},
        "2": {"norm_max": float(ymax * max(abs(v) for v in x) / n2sq), "norm_2": y2 / math.sqrt(n2sq)},
    }


def _instance_file(inst, folder):
    path = os.path.join(folder, "instance.txt")
    with open(path, "w") as f:
        f.write("# x: one sample (n entries); y: its target (m entries)\n[x]\n" + ", ".join(inst["x"]) +
                "\n[y]\n" + ", ".join(inst["y"]) + "\n")
    return path


@functools.lru_cache(maxsize=None)
def _toy_run(settings_json, spec):
    s = json.loads(settings_json)
    with tempfile.TemporaryDirectory(prefix="muonlab_toy_") as tmp:
        inst = _instance_file(s["instance"], tmp)
        out = os.path.join(tmp, "trajectory.csv")
        summary = figkit.muonlab_json("bias", "--optimizer", spec, "--instance", inst, "--digits", s["digits"],
                                      "--steps", s["steps"], "--schedule", s["schedule"], "--records", s["records"],
                                      "--out", out)
        with open(out) as f:
            rows = list(csv.DictReader(f))
    cols = {c: [int(r[c]) if c == "step" else float(r[c]) for r in rows] for c in rows[0]}
    return {"verdict": summary["verdict"], "columns": cols}


def toy_runs(settings, keys=None):
    sj = json.dumps(settings, sort_keys=True)
    return {spec: _toy_run(sj, spec) for spec in settings["optimizers"] if keys is None or spec in keys}


def _toy_series(settings, keys, columns):
    out = {}
    for spec, run in toy_runs(settings, keys).items():
        out[spec] = {"label": LABEL.get(spec, spec), "family": FAMILY.get(spec, "?"), "verdict": run["verdict"],
                     **{c: run["columns"][c] for c in ("step", *columns)}}
    return out


def figure2_left(settings, keys=None):
    return {"candidates": toy_candidates(settings),
            "series": _toy_series(settings, keys, ("norm_max", "norm_2", "rel_max", "rel_2"))}


def figure2_left_distance(settings, keys=None):
    return {"series": _toy_series(settings, keys, ("rel_max", "rel_2"))}


def figure9_loss(settings, keys=None):
    return {"series": _toy_series(settings, keys, ("loss",))}


# The README's table "Which solution does each optimizer reach?": muonlab's random 4x6 instances, seeds 1-3.
BIAS_TABLE_ROWS = [
    ("SignGD", "signgd"), ("Adam, ε = 0", "adam:eps=0"), ("Adam, ε = 1e-8 (default)", "adam"),
    ("Adam, ε = 1e-2", "adam:eps=1e-2"), ("Adam, ε = 0.1", "adam:eps=0.1"), ("GD", "gd"),
    ("idealized Muon (exact polar)", "muon-ideal"), ("Muon (nanochat)", "muon"),
    ("Muon without Nesterov", "muon:nesterov=0"), ("Muon, classical momentum", "muon:momentum=classical"),
    ("Muon, Polar Express", "muon:ortho=pe5"), ("Muon, exact polar + momentum", "muon:ortho=polar"),
    ("Muon, Moonlight", "muon-moonlight"), ("AdaMuon", "adamuon"), ("NorMuon", "normuon"),
    ("MuonAll on an m×n matrix", "muonall"),
]
BIAS_TABLE_CHEAP = ("signgd", "adam:eps=0", "adam", "adam:eps=1e-2", "adam:eps=0.1", "gd", "muon-ideal")


def bias_table_settings(quick=False):
    return {"m": 4, "n": 6, "seeds": [1, 2, 3], "steps": 300 if quick else 2000, "digits": 30,
            "schedule": "power:lr=0.5,p=1", "rows": [{"label": l, "optimizer": s} for l, s in BIAS_TABLE_ROWS]}


def bias_table(settings, keys=None):
    out = {}
    for row in settings["rows"]:
        spec = row["optimizer"]
        if keys is not None and spec not in keys:
            continue
        per_seed = {}
        for seed in settings["seeds"]:
            j = figkit.muonlab_json("bias", "--optimizer", spec, "--m", settings["m"], "--n", settings["n"],
                                    "--seed", seed, "--steps", settings["steps"], "--digits", settings["digits"],
                                    "--schedule", settings["schedule"], "--records", 1)
            rel = {c["name"]: c["rel_dist"] for c in j["candidates"]}
            per_seed[str(seed)] = {"rel_max": rel["max"], "rel_2": rel["2"], "loss": j["loss"],
                                   "verdict": j["verdict"]}
        out[spec] = {"label": row["label"], "seeds": per_seed}
    return {"series": out}


# ==== k samples ==================================================================================================

KSAMPLE_OPTIMIZERS = [("muon-ideal", "idealized Muon"), ("muon", "Muon (nanochat)"), ("gd", "GD"),
                      ("signgd", "SignGD"), ("adam:eps=0", "Adam, ε = 0")]
KSAMPLE_CHEAP = ("gd", "signgd", "adam:eps=0")


def ksample_settings(quick=False):
    return {"m": 4, "n": 8, "ks": [2, 3] if quick else [2, 3, 4], "seeds": [1] if quick else [1, 2, 3],
            "steps": 1000 if quick else 20000, "digits": 30, "schedule": "power:lr=0.5,p=1", "tol": 1e-2,
            "optimizers": [s for s, _ in KSAMPLE_OPTIMIZERS]}


def ksample(settings, keys=None):
    """Per optimizer: one entry per (k, seed) with the norms of W_T - W0 over each candidate's minimum, the
    relative distances, the interpolation residual and the verdict (muonlab bias --samples K)."""
    out = {}
    for spec in settings["optimizers"]:
        if keys is not None and spec not in keys:
            continue
        runs = []
        for k in settings["ks"]:
            for seed in settings["seeds"]:
                j = figkit.muonlab_json("bias", "--optimizer", spec, "--samples", k, "--m", settings["m"],
                                        "--n", settings["n"], "--seed", seed, "--steps", settings["steps"],
                                        "--digits", settings["digits"], "--schedule", settings["schedule"],
                                        "--tol", settings["tol"], "--records", 1)
                c = {x["name"]: x for x in j["candidates"]}
                runs.append({"k": k, "seed": seed, "verdict": j["verdict"], "converged_to": j["converged_to"],
                             "residual": j["residual"],
                             "ratio_max": c["max"]["limit_norm"] / c["max"]["min_norm"],
                             "ratio_2": c["2"]["limit_norm"] / c["2"]["min_norm"],
                             "rel_max": c["max"]["rel_dist"], "rel_2": c["2"]["rel_dist"],
                             "rel_F": c["F"]["rel_dist"]})
        out[spec] = {"label": dict(KSAMPLE_OPTIMIZERS).get(spec, spec), "runs": runs}
    return {"series": out}


# ==== budgets and LoRA ==========================================================================================

def budget_settings(quick=False):
    return {"m": 4, "n": 6, "seed": 3, "points": 41 if quick else 161, "range": 1.3}


def budget_curves(settings, keys=None):
    s = settings
    b = figkit.muonlab_json("budget", "--m", s["m"], "--n", s["n"], "--seed", s["seed"], "--points", s["points"],
                            "--range", s["range"], "--solve")
    cols = {c: [r[c] for r in b["rows"]] for c in ("rho", "e_max", "e_max_muon", "e_max_solver", "e_2", "e_2_sign",
                                                    "e_2_solver")}
    return {"thresholds": b["thresholds"], "half_r0_sq": b["half_r0_sq"], "r0": b["r0"], "z": b["z"],
            "series": {"curves": cols}}


def inflation_settings(quick=False):
    return {"r_max": 8 if quick else 16, "n": 8 if quick else 16, "trials": 30 if quick else 300, "seed": 1,
            "sharpness_ranks": [2, 4, 8] if quick else list(range(2, 17)), "starts": 4}


def inflation_vs_rank(settings, keys=None):
    s = settings
    out = {}
    if keys is None or "scan" in keys:
        scan = figkit.muonlab_json("lora", "--scan", s["r_max"], "--n", s["n"], "--trials", s["trials"],
                                   "--seed", s["seed"])
        out["scan"] = {c: [r[c] for r in scan["rows"]]
                       for c in ("r", "f1_mean", "f1_max", "f1_sup", "f2_mean", "f2_max", "f2_sup")}
    if keys is None or "sharpness" in keys:
        sharp = {"r": [], "f1_search": [], "f1_sup": [], "f2_search": [], "f2_sup": []}
        for r in s["sharpness_ranks"]:
            sh = {x["factor"]: x for x in figkit.muonlab_json("lora", "--sharpness", "--rank", r, "--starts",
                                                                s["starts"], "--seed", s["seed"])["sharpness"]}
            sharp["r"].append(r)
            for f in ("f1", "f2"):
                sharp[f + "_search"].append(sh[f]["search_best"])
                sharp[f + "_sup"].append(float(sh[f]["supremum"]))
        out["sharpness"] = sharp
    return {"series": out}


# ==== Polar Express / Newton-Schulz =============================================================================

def polar_settings(quick=False):
    return {"lower": "1e-3", "named": ["ns5", "pe5", "pe-paper"],
            "design": {"iters": 10, "safety": "1e-2", "cushion": "0.02", "digits": 50}}


PAPER_SETTING = "paper setting"


def _steps_of_named(name):
    an = figkit.muonlab_json("ns", "--coeffs", name)
    steps = [None] * an["steps"]
    for st in an["distinct_steps"]:
        for k in st["uses"]:
            steps[k - 1] = [st["a"], st["b"], st["c"]]
    return steps


def _certify(coeffs, lower):
    c = figkit.muonlab_json("pe", "certify", "--coeffs", coeffs, "--lower", lower)
    return {"stage_error": [float(e["hi"]) for e in c["stage_error"]],
            "image": [float(c["image_outer"]["lo"]), float(c["image_outer"]["hi"])],
            "max_error": float(c["max_error"]["hi"]), "derivative_at_zero": float(c["derivative_at_zero"]["lo"]),
            "status": c["status"]}


def polar_schedules(settings, keys=None):
    """Each schedule's steps (a, b, c) as used at run time and its certified behaviour on [lower, 1]."""
    out = {}
    for name in settings["named"]:
        if keys is None or name in keys:
            out[name] = {"steps": _steps_of_named(name), **_certify(name, settings["lower"])}
    if keys is None or PAPER_SETTING in keys:
        d = settings["design"]
        design = figkit.muonlab_json("pe", "design", "--lower", settings["lower"], "--iters", d["iters"],
                                     "--safety", d["safety"], "--cushion", d["cushion"], "--digits", d["digits"])
        steps = [list(it["used_double"]) for it in design["iterations"]]
        with tempfile.TemporaryDirectory(prefix="muonlab_pe_") as tmp:
            path = os.path.join(tmp, "coeffs.txt")
            with open(path, "w") as f:
                f.write(f"safety = {d['safety']}\n" + "".join(f"{a!r}, {b!r}, {c!r}\n" for a, b, c in steps))
            out[PAPER_SETTING] = {"steps": steps, **_certify(path, settings["lower"])}
    return {"series": out}


# ==== the registry ==============================================================================================

FIGURES = {
    # name: (settings, compute, cheap keys, tolerance, has a picture)
    "figure2_left": (toy_settings, figure2_left, lambda s: CHEAP, "mpfr30", True),
    "figure2_left_distance": (toy_settings, figure2_left_distance, lambda s: CHEAP, "mpfr30", True),
    "figure9_loss": (toy_settings, figure9_loss, lambda s: CHEAP, "mpfr30", True),
    "bias_table": (bias_table_settings, bias_table, lambda s: BIAS_TABLE_CHEAP, "mpfr30", False),
    "ksample": (ksample_settings, ksample, lambda s: KSAMPLE_CHEAP, "mpfr30", True),
    "budget_curves": (budget_settings, budget_curves, lambda s: None, "double", True),
    "inflation_vs_rank": (inflation_settings, inflation_vs_rank, lambda s: None, "double", True),
    "polar_express_composed": (polar_settings, polar_schedules, lambda s: None, "double", True),
    "polar_express_error": (polar_settings, polar_schedules, lambda s: None, "double", True),
}


def settings(name, quick=False):
    return FIGURES[name][0](quick)


def compute(name, settings_, keys=None):
    return FIGURES[name][1](settings_, keys)


def cheap_keys(name, settings_):
    return FIGURES[name][2](settings_)


def tolerance(name):
    return TOLERANCE[FIGURES[name][3]]


def has_picture(name):
    return FIGURES[name][4]
