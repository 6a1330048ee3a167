#!/usr/bin/env bash
# Global Prompt Refining on the toy world (README › What was measured here › GPR).
# Usage: src/bench/toy_world_gpr.sh [WORLD_DIR] [SEEDS]   (after `mvn package -DskipTests`; ~4 minutes per seed on 2 free cores)
# For each GPR form (siglip, the default; paper, the paper's literal g_c) and seed: prompts trained on P of data/train
# (300 iterations, crop 64, batch 8), then on data/test
#  - 48-way vocabulary (seen = P, unseen = the other 30): hIoU with GPR, without (--no-gpr), with --drop-absent,
#    and g_c's ROC AUC for classes present vs absent in each image;
#  - 12-way vocabulary of the held-out combinations: mIoU with GPR, without, with --drop-absent.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORLD=${1:-src/test/resources/fixtures/toyclip-world}
SEEDS=${2:-"0 1 2"}
JAR=$(ls target/mvp-seg-*.jar | grep -v -e sources -e tests | head -1)
OUT=${OUT:-$(mktemp -d)}
split() { python3 -c "import json,sys; print(', '.join(json.load(open('$WORLD/data/split.json'))['$1']))"; }
P=$(split prompt_train_subset_P); Q=$(split other_seen_Q); H=$(split held_out)
H1=$(echo "$H" | cut -d, -f1-6); H2=$(echo "$H" | cut -d, -f7- | sed 's/^ //')
run() { java -jar "$JAR" "$@" > /dev/null 2>&1; }
for form in siglip paper; do
	for s in $SEEDS; do
		t=$OUT/$form.$s
		[ -f "$t.prompts" ] || run train --data "$WORLD/data/train" --weights "$WORLD/clip.pt" --seen "$P" \
			--prompts-out "$t.prompts" --iterations 300 --crop 64 --batch 8 --seed "$s" --gpr-form $form
		for v in "gpr:" "nogpr:--no-gpr" "drop:--drop-absent"; do
			run evaluate --data "$WORLD/data/test" --weights "$WORLD/clip.pt" --seen "$P" --unseen "$Q, $H" \
				--prompts "$t.prompts" --json "$t.48.${v%%:*}.json" ${v#*:}
		done
		for v in "gpr:" "nogpr:--no-gpr" "drop:--drop-absent"; do
			run evaluate --data "$WORLD/data/test" --weights "$WORLD/clip.pt" --seen "$H1" --unseen "$H2" \
				--prompts "$t.prompts" --json "$t.12.${v%%:*}.json" ${v#*:}
		done
	done
done
python3 - "$OUT" "$SEEDS" <<'PY'
import json, sys
sys.path.insert(0, "src/bench")
from toy_metrics import miou, mean_sd as f
out, seeds = sys.argv[1], sys.argv[2].split()
print("| GPR form | inference | 48-way mIoU(seen = P) | 48-way mIoU(unseen) | 48-way hIoU | hIoU per seed | g_c AUC present/absent (48-way) | held-out 12-way mIoU |")
print("|---|---|---|---|---|---|---|---|")
for form in ["siglip", "paper"]:
    for v, name in [("gpr", "GPR"), ("nogpr", "no GPR (--no-gpr)"), ("drop", "GPR + --drop-absent")]:
        r = [json.load(open(f"{out}/{form}.{s}.48.{v}.json")) for s in seeds]
        auc = [x["gpr_presence"]["aucMax"] for x in r]
        r12 = [miou(json.load(open(f"{out}/{form}.{s}.12.{v}.json"))) for s in seeds]
        per = ", ".join(f"{100*x['hiou']:.1f}" for x in r)
        print(f"| {form} | {name} | {f([x['miou_seen'] for x in r])} | {f([x['miou_unseen'] for x in r])} | "
              f"{f([x['hiou'] for x in r])} | {per} | {f(auc, 1, 3)} | {f(r12)} |")
PY
