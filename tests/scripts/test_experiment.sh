#!/usr/bin/env bash
# scripts/experiment on the tiny preset, on the CPU: the driver runs end to end, resumes after a planned stop, skips
# what is finished, and writes the files the README's results are made from. Usage: test_experiment.sh BUILD_DIR
set -euo pipefail
bin="$(cd "$1" && pwd)"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Texts of its own (no dictionary or fortunes package needed): English-like sentences from a fixed word list,
# documents separated by blank lines, deterministic.
python3 - "$work/pretrain.txt" "$work/finetune.txt" <<'PY'
import random, sys
words = ("the a of to and in that is was he for it with as his on be at by had are but from or have an they which "
         "one you were her all she there would their we him been has when who will more no if out so said what up its "
         "about into than them can only other new some could time these two may then do first any my now such like "
         "our over man me even most made after also did many before must through back years where much your way well "
         "down should because each just those people how too little state good very make world still own see men work "
         "long get here between both life being under never day same another know while last might us great old year").split()
for path, n_docs, seed in ((sys.argv[1], 1500, 1), (sys.argv[2], 600, 2)):
    r = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(n_docs):
            f.write(" ".join(r.choice(words) for _ in range(r.randint(20, 60))).capitalize() + ".\n\n")
PY
common=(--preset tiny --bin "$bin" --runs "$work/runs" --out "$work/out" --tokenizer bytes --seeds 1
        --lrs-muon 0.3,1,3 --lrs-adam 0.03,0.1,0.3 --pretrain-data "$work/pretrain.txt" --data "$work/finetune.txt")

# A planned stop inside pretraining: exit 3, a checkpoint, no model yet.
set +e
scripts/experiment "${common[@]}" --stop-after 10 > "$work/log1" 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { cat "$work/log1"; fail "first invocation should stop unfinished (exit 3), got $rc"; }
[ -f "$work/runs/pretrain-tiny-muon-d1-s42/checkpoint.pt" ] || fail "no checkpoint after --stop-after"
[ ! -f "$work/runs/pretrain-tiny-muon-d1-s42/model.pt" ] || fail "model.pt written before the run finished"

# The rerun continues and finishes everything.
scripts/experiment "${common[@]}" > "$work/log2" 2>&1 || { cat "$work/log2"; fail "second invocation failed"; }
for f in spectrum_compare.json spectrum_compare.txt mismatch/results.jsonl mismatch_summary.json provenance.json \
         pretrain-tiny-muon-d1-s42/probes.csv pretrain-tiny-adam-d1-s42/metrics.csv; do
  [ -s "$work/out/$f" ] || fail "missing or empty $f"
done
python3 - "$work/out" <<'PY'
import json, sys
out = sys.argv[1]
c = json.load(open(f"{out}/spectrum_compare.json"))
assert c["verdict"] in ("holds", "violated"), c["verdict"]  # a Muon run against an Adam run: applicable
m = json.load(open(f"{out}/mismatch_summary.json"))
assert m["complete"] is True, "sweep not complete"
runs = [json.loads(l) for l in open(f"{out}/mismatch/results.jsonl")]
# 2 pretrained models × 2 methods × 2 optimizers × 3 lrs × 1 seed
assert len(runs) == 24, len(runs)
p = json.load(open(f"{out}/provenance.json"))
for k in ("date", "commit", "device", "command"):
    assert p.get(k), k
a = json.load(open(f"{out}/pretrain-tiny-adam-d1-s42/config.json"))["train"]
b = json.load(open(f"{out}/pretrain-tiny-muon-d1-s42/config.json"))["train"]
assert a["optimizer"] == "adam" and b["optimizer"] == "muon"
diff = {k for k in a if a[k] != b[k]}
assert diff <= {"optimizer", "matrix_lr"}, diff  # the same run but for the optimizer
PY

# A third invocation has nothing left to do: it trains nothing and finishes quickly.
before=$(stat -c %Y "$work/runs/pretrain-tiny-muon-d1-s42/model.pt")
scripts/experiment "${common[@]}" > "$work/log3" 2>&1 || fail "third invocation failed"
[ "$(stat -c %Y "$work/runs/pretrain-tiny-muon-d1-s42/model.pt")" = "$before" ] || fail "a finished model was retrained"
grep -q "0 new" "$work/log3" || grep -q '"new_runs": 0' "$work/out/mismatch_summary.json" || fail "finished sweep ran again"

# Bad input: exit 2 with a message.
set +e
scripts/experiment --preset huge > "$work/log4" 2>&1
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "preset" "$work/log4" || fail "a bad preset should exit 2 naming --preset"
echo "experiment driver: ok"
