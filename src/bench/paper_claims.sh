#!/usr/bin/env bash
# The paper's claims in miniature, one table (README › The paper's claims in miniature). After `mvn package -DskipTests`.
# Usage: src/bench/paper_claims.sh [SEEDS]   (default "0 1 2"; OUT=DIR keeps the files, JAR=... picks the jar)
#
# World: toyclip-world (a tiny CLIP trained on 8 colours x 6 textures, 12 combinations never seen). Prompts are trained
# on the 18 classes P of data/train only (300 iterations, crop 64, batch 8, seed s); everything is measured on
# data/test, never used for training or for choosing settings:
#  - 48-way vocabulary, seen = P, unseen = the other 30 -> mIoU(P), mIoU(unseen), hIoU, mIoU over all 48;
#  - 12-way vocabulary of the held-out combinations -> mIoU.
# Rows: zero-shot (one template; MaskCLIP's 85), MVP-SEG with K = 3 (the defaults), K = 1, without L_OC, without GPR
# (the K = 3 prompts with g_c = 1: p_1..p_K do not depend on L_cls), and MVP-SEG+ students (2000 iterations, seed s)
# taught by the K = 3 prompts of the same seed: annotation-free (data/unlabeled) and transductive (data/transductive:
# P annotated, 255 elsewhere), with the defaults (the teacher's GPR kept, class balance 0.5) and, as ablations, without
# class balance and without both (the student as it was before issue 21).
# Beside each row: the difference the paper's claim is about, per seed, and the paper's.
set -euo pipefail
cd "$(dirname "$0")/../.."
W=src/test/resources/fixtures/toyclip-world
SEEDS=${1:-"0 1 2"}
JAR=${JAR:-$(ls target/mvp-seg-*.jar | grep -v -e sources -e tests | head -1)}
OUT=${OUT:-$(mktemp -d)}
split() { python3 -c "import json; print(', '.join(json.load(open('$W/data/split.json'))['$1']))"; }
P=$(split prompt_train_subset_P); Q=$(split other_seen_Q); H=$(split held_out)
H1=$(echo "$H" | cut -d, -f1-6); H2=$(echo "$H" | cut -d, -f7- | sed 's/^ //')
run() { java -jar "$JAR" "$@" > "$OUT/last.log" 2>&1 || { cat "$OUT/last.log"; exit 1; }; }
# evaluate NAME ARGS...: the 48-way and 12-way figures of one model, once
evaluate() {
	local name=$1; shift
	[ -f "$OUT/$name.12.json" ] && return
	run evaluate --data $W/data/test --weights $W/clip.pt --seen "$P" --unseen "$Q, $H" --json "$OUT/$name.48.json" "$@"
	run evaluate --data $W/data/test --weights $W/clip.pt --seen "$H1" --unseen "$H2" --json "$OUT/$name.12.json" "$@"
}
train() {
	local name=$1; shift
	[ -f "$OUT/$name.prompts" ] || run train --data $W/data/train --weights $W/clip.pt --seen "$P" \
		--prompts-out "$OUT/$name.prompts" --iterations 300 --crop 64 --batch 8 "$@"
}
transfer() {
	local name=$1; shift
	[ -f "$OUT/$name.student" ] || run transfer "$@" --classes "$P, $Q, $H" --weights $W/clip.pt \
		--student-out "$OUT/$name.student" --iterations 2000
}
echo "files in $OUT" >&2
evaluate zs1 --zero-shot --template "a photo of {}."
evaluate zs85 --zero-shot
for s in $SEEDS; do
	echo "seed $s: prompts" >&2
	train k3_$s --seed $s
	train k1_$s --seed $s --k 1
	train nooc_$s --seed $s --lambda-oc 0
	evaluate k3_$s --prompts "$OUT/k3_$s.prompts"
	evaluate k1_$s --prompts "$OUT/k1_$s.prompts"
	evaluate nooc_$s --prompts "$OUT/nooc_$s.prompts"
	evaluate nogpr_$s --prompts "$OUT/k3_$s.prompts" --no-gpr
	echo "seed $s: students" >&2
	free=(--unlabeled $W/data/unlabeled/images --prompts "$OUT/k3_$s.prompts" --seed $s)
	trans=(--data $W/data/transductive --prompts "$OUT/k3_$s.prompts" --unseen "$Q, $H" --seed $s)
	transfer free_$s "${free[@]}"
	transfer freegpr_$s "${free[@]}" --class-balance 0
	transfer free0_$s "${free[@]}" --class-balance 0 --no-gpr
	transfer trans_$s "${trans[@]}"
	transfer trans0_$s "${trans[@]}" --class-balance 0 --no-gpr
	for st in free freegpr free0 trans trans0; do evaluate ${st}_$s --student "$OUT/${st}_$s.student"; done
done
python3 src/bench/paper_claims_table.py "$OUT" $SEEDS
