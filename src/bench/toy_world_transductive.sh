#!/usr/bin/env bash
# MVP-SEG+ in the paper's transductive setting on toyclip-world (README › MVP-SEG+). After `mvn package -DskipTests`.
# Teacher: prompts trained on P (data/train, 300 iterations, seed 0). Student: `transfer --data data/transductive`
# (the 120 unlabeled images with the 18 classes of P annotated, 255 elsewhere), classes = all 48, unseen = the 30
# others, 2000 iterations, seeds 0 1 2: the automatic schedule (MaskCLIP+'s 10 % on the teacher's labels, then
# self-training) and the teacher's labels throughout. Measured on data/test, 48-way, seen = P.
# JAR=... overrides the jar.
# STUDENT="..." adds transfer options: the README's tables here predate the student's GPR and class balance (issue 21);
# STUDENT="--no-gpr --class-balance 0" trains the students they measured.
set -euo pipefail
STUDENT=${STUDENT:-}
cd "$(dirname "$0")/../.."
W=src/test/resources/fixtures/toyclip-world
JAR=${JAR:-$(ls target/mvp-seg-*.jar | grep -v -e sources -e tests | head -1)}
OUT=${OUT:-$(mktemp -d)}
split() { python3 -c "import json; print(', '.join(json.load(open('$W/data/split.json'))['$1']))"; }
P=$(split prompt_train_subset_P); Q=$(split other_seen_Q); H=$(split held_out)
run() { java -jar "$JAR" "$@" > "$OUT/last.log" 2>&1 || { cat "$OUT/last.log"; exit 1; }; }
run train --data $W/data/train --weights $W/clip.pt --seen "$P" --prompts-out $OUT/p.prompts --iterations 300 --crop 64 --batch 8 --seed 0
run evaluate --data $W/data/test --weights $W/clip.pt --seen "$P" --unseen "$Q, $H" --prompts $OUT/p.prompts --json $OUT/t48.json
for s in 0 1 2; do
	for t in automatic 2000; do
		schedule=(); [ "$t" = automatic ] || schedule=(--teacher-iterations "$t")
		run transfer $STUDENT --data $W/data/transductive --prompts $OUT/p.prompts --classes "$P, $Q, $H" --unseen "$Q, $H" \
			--student-out $OUT/d_${t}_$s.student --weights $W/clip.pt --iterations 2000 "${schedule[@]}" --seed $s
		run evaluate --data $W/data/test --weights $W/clip.pt --seen "$P" --unseen "$Q, $H" --student $OUT/d_${t}_$s.student --json $OUT/d48_${t}_$s.json
	done
done
python3 - "$OUT" <<'PY'
import json, sys, statistics as st
out = sys.argv[1]
def m48(f):
    j = json.load(open(f)); return 100 * j["miou_seen"], 100 * j["miou_unseen"], 100 * j["hiou"]
f = lambda xs: f"{st.mean(xs):.1f} ± {st.pstdev(xs):.1f}"
print("| model (48-way, seen = P) | mIoU(P) | mIoU(unseen) | hIoU |")
print("|---|---|---|---|")
t = m48(f"{out}/t48.json")
print(f"| teacher: MVP-SEG prompts trained on P | {t[0]:.1f} | {t[1]:.1f} | {t[2]:.1f} |")
for k, name in (("automatic", "student, transductive, automatic schedule (10 % teacher labels, then self-training)"),
                ("2000", "student, transductive, teacher labels on unannotated pixels throughout")):
    r = [m48(f"{out}/d48_{k}_{s}.json") for s in range(3)]
    print(f"| {name} | {f([x[0] for x in r])} | {f([x[1] for x in r])} | {f([x[2] for x in r])} |")
PY
