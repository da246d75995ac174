#!/usr/bin/env python3
"""The staleness test of the committed figures (docs/figures/). For every data file NAME.json there:
  1. its numbers are what the current code computes for its stored settings: the figures that need no LibTorch are
     recomputed with muonlab (notebooks/figdata.py; a cheap subset of their series, seconds in all), the LibTorch ones
     from the results copied beside them (notebooks/figdata_runs.py);
  2. NAME.png and NAME.pdf exist and were drawn from exactly this NAME.json (the SHA-256 in their metadata);
and every figure of notebooks/figdata.py is there, and no PNG lacks its data. Any failure names the figure and says
how to regenerate it (scripts/figures).

--self-test checks that this test can fail: on a copy of the folder it changes one number of a figure's data (by far
less than a reader could see) and, separately, one word of a data file whose pictures are left as they were; each
must be reported.

Usage: check_figures.py [--figures DIR] [--bin MUONLAB] [--only NAME ...] [--self-test]
Exit 0: every figure is current; 1: one is stale; 2: bad usage.
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "notebooks"))


def png_description(path):
    """The tEXt 'Description' of a PNG (matplotlib writes the metadata there), or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    i = 8
    while i + 8 <= len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        body = data[i + 8:i + 8 + n]
        if kind == b"tEXt" and body.startswith(b"Description\x00"):
            return body[len(b"Description\x00"):].decode("latin-1")
        i += 12 + n
    return None


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def compare(small, big, tol, path, out):
    """Every entry of `small` must be in `big` with an equal value (numbers within tol); mismatches go to out."""
    if len(out) >= 12:
        return
    if isinstance(small, dict):
        if not isinstance(big, dict):
            out.append(f"{path}: {type(big).__name__} instead of an object")
            return
        for k, v in small.items():
            if k not in big:
                out.append(f"{path}.{k}: missing")
            else:
                compare(v, big[k], tol, f"{path}.{k}", out)
    elif isinstance(small, list):
        if not isinstance(big, list) or len(big) != len(small):
            out.append(f"{path}: {len(small)} entries vs {len(big) if isinstance(big, list) else big!r}")
            return
        for i, (a, b) in enumerate(zip(small, big)):
            compare(a, b, tol, f"{path}[{i}]", out)
    elif is_number(small) and is_number(big):
        a, b = float(small), float(big)
        if abs(a - b) <= tol["rel"] * max(abs(a), abs(b)) or (abs(a) <= tol["abs"] and abs(b) <= tol["abs"]):
            return
        out.append(f"{path}: {small!r} vs {big!r}")
    elif small != big:
        out.append(f"{path}: {small!r} vs {big!r}")


def check_one(folder, name, data_only=False):
    """Problems of figure NAME in folder (empty: current)."""
    import figdata
    import figdata_runs
    problems = []
    path = os.path.join(folder, name + ".json")
    with open(path) as f:
        text = f.read()
    stored = json.loads(text)
    if name in figdata.FIGURES:
        settings = stored["settings"]
        keys = figdata.cheap_keys(name, settings)
        try:
            fresh = figdata.compute(name, settings, keys)
        except Exception as e:  # a muonlab that no longer accepts the settings is a stale figure too
            return [f"recomputing failed: {e}"]
        compare(fresh, stored["data"], figdata.tolerance(name), "data", problems)
        picture = figdata.has_picture(name)
    elif name in figdata_runs.RUN_FIGURES:
        try:
            fresh = figdata_runs.RUN_FIGURES[name](stored["settings"], None, root=folder)
        except (OSError, ValueError, KeyError) as e:
            return [f"recomputing from the copied results failed: {e}"]
        # Exact: the same Python on the same input files (no platform rounding involved).
        compare(stored["data"], fresh, {"rel": 0.0, "abs": 0.0}, "data", problems)
        picture = True
    else:
        return [f"no producer for {name}.json in notebooks/figdata.py or figdata_runs.py"]
    if picture and not data_only:
        digest = hashlib.sha256(text.encode()).hexdigest()
        png, pdf = os.path.join(folder, name + ".png"), os.path.join(folder, name + ".pdf")
        for p in (png, pdf):
            if not os.path.isfile(p):
                problems.append(f"{os.path.basename(p)} is missing")
        if os.path.isfile(png) and digest not in (png_description(png) or ""):
            problems.append(f"{name}.png was not drawn from this {name}.json (sha256 {digest[:12]}… not in its "
                            "metadata)")
        if os.path.isfile(pdf):
            with open(pdf, "rb") as f:
                if digest.encode() not in f.read():
                    problems.append(f"{name}.pdf was not drawn from this {name}.json")
    return problems


def check(folder, only=None, data_only=False):
    import figdata
    names = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json"))
    failures = {}
    if not only:
        for n in figdata.FIGURES:
            if n not in names:
                failures[n] = [f"{n}.json is missing"]
        for f in sorted(os.listdir(folder)):
            if f.endswith(".png") and f[:-4] not in names:
                failures[f[:-4]] = [f"{f} has no data file {f[:-4]}.json"]
    for n in names:
        if only and n not in only:
            continue
        p = check_one(folder, n, data_only)
        print(f"{'ok   ' if not p else 'STALE'} {n}", flush=True)
        if p:
            failures[n] = p
    return failures


def report(failures):
    for n, ps in failures.items():
        print(f"\nfigure {n} does not match the current code:", file=sys.stderr)
        for p in ps:
            print("  " + p, file=sys.stderr)
    if failures:
        print("\nRegenerate with scripts/figures (see README, 'Making the figures'), look at the new pictures, and "
              "commit them.", file=sys.stderr)


def self_test(folder):
    """This check must fail on a figure whose data moved a little, and on pictures drawn from other data."""
    ok = True
    with tempfile.TemporaryDirectory(prefix="muonlab_figcheck_") as tmp:
        copy = os.path.join(tmp, "figures")
        shutil.copytree(folder, copy)
        # (a) one number of a cheaply recomputed series, by a relative 1e-6: invisible in any plot, far above the
        #     1e-9 tolerance
        p = os.path.join(copy, "figure2_left.json")
        with open(p) as f:
            d = json.load(f)
        d["data"]["series"]["gd"]["norm_2"][-1] *= 1 + 1e-6
        with open(p, "w") as f:
            json.dump(d, f)
        fails = check(copy, only=["figure2_left"], data_only=True)
        print("self-test (a) a number changed by 1e-6:", "reported" if fails else "NOT REPORTED")
        ok &= bool(fails)
        # (b) the data file edited (its caption) while the pictures stay: they no longer match it
        shutil.copyfile(os.path.join(folder, "budget_curves.json"), os.path.join(copy, "budget_curves.json"))
        p = os.path.join(copy, "budget_curves.json")
        with open(p) as f:
            text = f.read()
        with open(p, "w") as f:
            f.write(text.replace('"caption": "', '"caption": "Edited. ', 1))
        fails = check(copy, only=["budget_curves"])
        print("self-test (b) pictures drawn from other data:", "reported" if fails else "NOT REPORTED")
        ok &= bool(fails)
        # (c) the untouched budget figure passes
        shutil.copyfile(os.path.join(folder, "budget_curves.json"), os.path.join(copy, "budget_curves.json"))
        fails = check(copy, only=["budget_curves"])
        print("self-test (c) an untouched figure:", "passes" if not fails else "FAILS")
        ok &= not fails
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--figures", default=os.path.join(ROOT, "docs", "figures"))
    ap.add_argument("--bin", help="the muonlab executable (default build/muonlab)")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.bin:
        os.environ["MUONLAB_BIN"] = os.path.abspath(a.bin)
    if not os.path.isdir(a.figures):
        print(f"check_figures: no folder {a.figures}", file=sys.stderr)
        return 2
    import figkit
    if not os.path.isfile(figkit.BIN):
        print(f"check_figures: no muonlab at {figkit.BIN} (build it, or give --bin)", file=sys.stderr)
        return 2
    if a.self_test:
        return self_test(a.figures)
    failures = check(a.figures, a.only)
    report(failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
