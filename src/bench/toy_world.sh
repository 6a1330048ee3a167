#!/usr/bin/env bash
# Toy-world evidence and the paper's ablations (README › What was measured here).
# Usage: src/bench/toy_world.sh [WORLD_DIR] [SEEDS]   (after `mvn package -DskipTests`)
# Prompts are trained on the classes P of data/train only; everything is measured on data/test:
#  - 48-way vocabulary, seen = P (18 classes prompts were trained on), unseen = the other 30 (Q and the
#    12 combinations CLIP never saw) → mIoU(seen), mIoU(unseen), hIoU;
#  - 12-way vocabulary of the held-out combinations → mIoU.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORLD=${1:-src/test/resources/fixtures/toyclip-world}
SEEDS=${2:-"0 1 2"}
JAR=$(ls target/mvp-seg-*.jar | grep -v -e sources -e tests | head -1)
OUT=$(mktemp -d)
split() { python3 -c "import json,sys; print(', '.join(json.load(open('$WORLD/data/split.json'))['$1']))"; }
P=$(split prompt_train_subset_P); Q=$(split other_seen_Q); H=$(split held_out)
H1=$(echo "$H" | cut -d, -f1-6); H2=$(echo "$H" | cut -d, -f7- | sed 's/^ //')
eval48() { java -jar "$JAR" evaluate --data "$WORLD/data/test" --weights "$WORLD/clip.pt" --seen "$P" --unseen "$Q, $H" --json "$2" $1 > /dev/null 2>&1; }
eval12() { java -jar "$JAR" evaluate --data "$WORLD/data/test" --weights "$WORLD/clip.pt" --seen "$H1" --unseen "$H2" --json "$2" $1 > /dev/null 2>&1; }
java -jar "$JAR" evaluate --data "$WORLD/data/test" --weights "$WORLD/clip.pt" --seen "$P" --unseen "$Q, $H" --zero-shot --template "a photo of {}." --json "$OUT/zs48.json" > /dev/null 2>&1
java -jar "$JAR" evaluate --data "$WORLD/data/test" --weights "$WORLD/clip.pt" --seen "$H1" --unseen "$H2" --zero-shot --template "a photo of {}." --json "$OUT/zs12.json" > /dev/null 2>&1
# training options; the GPR ablation also sets g_c = 1 at inference (--no-gpr)
NAMES=("K=3 (default)" "K=1" "no L_OC (lambda_oc=0)" "no GPR (lambda_cls=0, g_c=1)")
declare -A CONFIGS=( ["K=3 (default)"]="" ["K=1"]="--k 1" ["no L_OC (lambda_oc=0)"]="--lambda-oc 0" ["no GPR (lambda_cls=0, g_c=1)"]="--lambda-cls 0" )
declare -A INFER=( ["no GPR (lambda_cls=0, g_c=1)"]="--no-gpr" )
for name in "${NAMES[@]}"; do
	for s in $SEEDS; do
		tag=$(printf '%s' "$name" | tr -c 'A-Za-z0-9' _)_$s
		java -jar "$JAR" train --data "$WORLD/data/train" --weights "$WORLD/clip.pt" --seen "$P" --prompts-out "$OUT/$tag.prompts" \
			--iterations 300 --crop 64 --batch 8 --seed "$s" ${CONFIGS[$name]} > /dev/null 2>&1
		eval48 "--prompts $OUT/$tag.prompts ${INFER[$name]:-}" "$OUT/$tag.48.json"
		eval12 "--prompts $OUT/$tag.prompts ${INFER[$name]:-}" "$OUT/$tag.12.json"
	done
done
python3 - "$OUT" "$SEEDS" <<'PY'
import json, sys, statistics as st
sys.path.insert(0, "src/bench")
from toy_metrics import miou as m12
out, seeds = sys.argv[1], sys.argv[2].split()
zs48, zs12 = json.load(open(f"{out}/zs48.json")), json.load(open(f"{out}/zs12.json"))
print("| method | mIoU(seen = P) | mIoU(unseen = Q + held-out) | hIoU | held-out 12-way mIoU |")
print("|---|---|---|---|---|")
print(f"| zero-shot (\"a photo of {{}}.\") | {100*zs48['miou_seen']:.1f} | {100*zs48['miou_unseen']:.1f} | {100*zs48['hiou']:.1f} | {100*m12(zs12):.1f} |")
for name in ["K=3 (default)", "K=1", "no L_OC (lambda_oc=0)", "no GPR (lambda_cls=0, g_c=1)"]:
    tag = "".join(c if c.isalnum() else "_" for c in name)
    r48 = [json.load(open(f"{out}/{tag}_{s}.48.json")) for s in seeds]
    r12 = [m12(json.load(open(f"{out}/{tag}_{s}.12.json"))) for s in seeds]
    f = lambda xs: f"{100*st.mean(xs):.1f} ± {100*(st.pstdev(xs)):.1f}"
    print(f"| MVP-SEG, {name} | {f([r['miou_seen'] for r in r48])} | {f([r['miou_unseen'] for r in r48])} | {f([r['hiou'] for r in r48])} | {f(r12)} |")
PY
