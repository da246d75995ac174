"""What every notebook and scripts/figures share: where muonlab and the figures are, how to run muonlab, one look
for all figures, and how a figure is saved together with the data it is drawn from.

A figure NAME is three files in the figures folder:
  NAME.png   for the README and for reading (150 dpi);
  NAME.pdf   for papers (vector);
  NAME.json  the data the figure is drawn from: {"figure", "caption", "settings", "data"}; the PNG and the PDF
             carry the SHA-256 of this file in their metadata, so a figure and its data cannot drift apart unseen.
The staleness test (tests/figures/check_figures.py) recomputes a cheap part of each NAME.json from its "settings"
with the current code (figdata.py) and fails when it no longer matches.

Environment (paths are relative to the repository root):
  MUONLAB_BIN      the muonlab executable (default build/muonlab)
  MUONLAB_FIGURES  the figures folder (default notebooks/figures; scripts/figures sets docs/figures)
  MUONLAB_QUICK=1  small settings (the test suite)
"""
import hashlib
import json
import os
import re
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.environ.get("MUONLAB_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _path(env, default):
    return os.path.join(ROOT, os.environ.get(env, default))


BIN = _path("MUONLAB_BIN", "build/muonlab")
FIG = _path("MUONLAB_FIGURES", "notebooks/figures")
QUICK = os.environ.get("MUONLAB_QUICK", "0") == "1"


class MuonlabError(RuntimeError):
    pass


def muonlab(*args, ok=(0,)):
    """Runs `muonlab ARGS`; returns its stdout. Raises MuonlabError (with stderr) on an exit code not in `ok`."""
    cmd = [BIN, *map(str, args)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode not in ok:
        raise MuonlabError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def muonlab_json(*args, ok=(0,)):
    return json.loads(muonlab(*args, "--json", ok=ok))


def has_command(name):
    """Whether this muonlab has the subcommand (the LibTorch ones are absent from a build without LibTorch). Its exit
    code does not tell: `muonlab UNKNOWN --help` prints the main help and exits 0; a subcommand's help names it."""
    r = subprocess.run([BIN, name, "--help"], capture_output=True, text=True)
    return r.returncode == 0 and re.search(rf"^Usage: \S+ {re.escape(name)}\b", r.stdout, re.M) is not None


# ---- one look ---------------------------------------------------------------------------------------------------

# Colour-blind-safe (Okabe-Ito) colours, one per optimizer everywhere; families share a hue range so the reader sees
# Adam's bias in warm colours and Muon's in cool ones.
COLORS = {
    "signgd": "#E69F00", "adam:eps=0": "#D55E00", "adam": "#882255", "adamuon": "#CC79A7",
    "muon-ideal": "#0072B2", "muon": "#56B4E9", "muon:ortho=pe5": "#009E73", "normuon": "#117733", "gd": "#000000",
}
MARKERS = {
    "signgd": "o", "adam:eps=0": "s", "adam": "D", "adamuon": "^",
    "muon-ideal": "v", "muon": "P", "muon:ortho=pe5": "X", "normuon": "<", "gd": ">",
}


def style():
    plt.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 150, "font.size": 10, "axes.titlesize": 10.5, "axes.labelsize": 10,
        "legend.fontsize": 8.5, "legend.framealpha": 0.9, "axes.grid": True, "grid.alpha": 0.3,
        "lines.linewidth": 1.5, "lines.markersize": 5, "figure.constrained_layout.use": True,
        "pdf.fonttype": 42, "svg.fonttype": "none",
    })


style()


def staggered(n_points, k, n_series, every=None):
    """markevery for series k of n_series sharing x values: each puts its markers on different points, so curves
    that lie on top of each other still show every marker."""
    every = every or max(n_series, n_points // 12)
    return slice((k * every) // n_series, None, every)


def log_markevery(steps, k, n_series, per_decade=3):
    """Marker indices spread evenly in log10(step), offset per series (for log-spaced trajectories)."""
    import math
    out, last = [], None
    step = 1.0 / per_decade
    off = (k / n_series) * step
    for i, s in enumerate(steps):
        if s <= 0:
            continue
        t = math.log10(s) - off
        slot = math.floor(t / step)
        if t >= 0 and slot != last:
            out.append(i)
            last = slot
    return out


# ---- saving -----------------------------------------------------------------------------------------------------

def _clean(v):
    """JSON-safe data: NaN and infinities become None/strings is not wanted, so they are refused (data must be finite
    or explicitly None)."""
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "tolist"):
        return _clean(v.tolist())
    return v


def data_text(name, caption, settings, data):
    return json.dumps({"figure": name, "caption": caption, "settings": _clean(settings), "data": _clean(data)},
                      indent=1, sort_keys=True) + "\n"


def sha256_text(text):
    return hashlib.sha256(text.encode()).hexdigest()


def save(fig, name, caption, settings, data, folder=None):
    """Writes NAME.json, NAME.png and NAME.pdf into the figures folder; returns the PNG path."""
    folder = folder or FIG
    os.makedirs(folder, exist_ok=True)
    text = data_text(name, caption, settings, data)
    digest = sha256_text(text)
    base = os.path.join(folder, name)
    with open(base + ".json.tmp", "w") as f:
        f.write(text)
    os.replace(base + ".json.tmp", base + ".json")
    desc = f"muonlab figure {name}; data {name}.json sha256 {digest}"
    fig.savefig(base + ".png", metadata={"Description": desc, "Software": "muonlab notebooks (matplotlib)"})
    fig.savefig(base + ".pdf", metadata={"Subject": desc, "Creator": "muonlab notebooks", "CreationDate": None,
                                         "Producer": None})
    plt.close(fig)
    print(f"wrote {base}.png/.pdf/.json")
    return base + ".png"


def save_data(name, caption, settings, data, folder=None):
    """Writes NAME.json only: numbers that the README quotes but no figure draws."""
    folder = folder or FIG
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".json")
    with open(path + ".tmp", "w") as f:
        f.write(data_text(name, caption, settings, data))
    os.replace(path + ".tmp", path)
    print(f"wrote {path}")
    return path


def load(name, folder=None):
    with open(os.path.join(folder or FIG, name + ".json")) as f:
        return json.load(f)
