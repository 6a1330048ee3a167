#!/usr/bin/env bash
# MVP-SEG+ on toyclip-world: student vs teacher (README › MVP-SEG+). After `mvn package -DskipTests`.
# Teacher: prompts trained on P (data/train, 300 iterations, seed 0). Student: `transfer` on data/unlabeled/images
# (120 images of all 48 classes, no labels), 2000 iterations, seeds 0 1 2. Measured on data/test:
#  - 12-way vocabulary of the held-out combinations (mIoU over the 12), teacher labels throughout, and with
#    self-training after 1000 and after 200 teacher iterations;
#  - 48-way vocabulary, seen = P, unseen = Q + held-out.
# STUDENT="..." adds transfer options: the README's tables here predate the student's GPR and class balance (issue 21);
# STUDENT="--no-gpr --class-balance 0" trains the students they measured.
set -euo pipefail
STUDENT=${STUDENT:-}
cd "$(dirname "$0")/../.."
W=src/test/resources/fixtures/toyclip-world
JAR=$(ls target/mvp-seg-*.jar | grep -v -e sources -e tests | head -1)
OUT=$(mktemp -d)
split() { python3 -c "import json; print(', '.join(json.load(open('$W/data/split.json'))['$1']))"; }
P=$(split prompt_train_subset_P); Q=$(split other_seen_Q); H=$(split held_out)
H1=$(echo "$H" | cut -d, -f1-6); H2=$(echo "$H" | cut -d, -f7- | sed 's/^ //')
run() { java -jar "$JAR" "$@" > /dev/null 2>&1; }
run train --data $W/data/train --weights $W/clip.pt --seen "$P" --prompts-out $OUT/p.prompts --iterations 300 --crop 64 --batch 8 --seed 0
run evaluate --data $W/data/test --weights $W/clip.pt --seen "$H1" --unseen "$H2" --prompts $OUT/p.prompts --json $OUT/t12.json
run evaluate --data $W/data/test --weights $W/clip.pt --seen "$P" --unseen "$Q, $H" --prompts $OUT/p.prompts --json $OUT/t48.json
for s in 0 1 2; do
	for t in 2000 1000 200; do
		run transfer $STUDENT --unlabeled $W/data/unlabeled/images --prompts $OUT/p.prompts --classes "$H" --student-out $OUT/h_${t}_$s.student --weights $W/clip.pt --iterations 2000 --teacher-iterations $t --seed $s
		run evaluate --data $W/data/test --weights $W/clip.pt --seen "$H1" --unseen "$H2" --student $OUT/h_${t}_$s.student --json $OUT/s12_${t}_$s.json
	done
	run transfer $STUDENT --unlabeled $W/data/unlabeled/images --prompts $OUT/p.prompts --classes "$P, $Q, $H" --student-out $OUT/a_$s.student --weights $W/clip.pt --iterations 2000 --seed $s
	run evaluate --data $W/data/test --weights $W/clip.pt --seen "$P" --unseen "$Q, $H" --student $OUT/a_$s.student --json $OUT/s48_$s.json
done
python3 - "$OUT" <<'PY'
import json, sys, statistics as st
out = sys.argv[1]
def m12(f):
    j = json.load(open(f)); v = [c["iou"] for c in j["per_class"].values() if c["iou"] == c["iou"]]; return 100 * sum(v) / len(v)
def m48(f):
    j = json.load(open(f)); return 100 * j["miou_seen"], 100 * j["miou_unseen"], 100 * j["hiou"]
f = lambda xs: f"{st.mean(xs):.1f} ± {st.pstdev(xs):.1f}"
print("| model | held-out 12-way mIoU | 48-way mIoU(P) | 48-way mIoU(unseen) | 48-way hIoU |")
print("|---|---|---|---|---|")
t48 = m48(f"{out}/t48.json")
print(f"| teacher: MVP-SEG prompts trained on P | {m12(out + '/t12.json'):.1f} | {t48[0]:.1f} | {t48[1]:.1f} | {t48[2]:.1f} |")
s48 = [m48(f"{out}/s48_{s}.json") for s in range(3)]
print(f"| student, teacher labels throughout (default without annotations) | {f([m12(f'{out}/s12_2000_{s}.json') for s in range(3)])} "
      f"| {f([x[0] for x in s48])} | {f([x[1] for x in s48])} | {f([x[2] for x in s48])} |")
for t in (1000, 200):
    print(f"| student, self-training after {t} teacher iterations | {f([m12(f'{out}/s12_{t}_{s}.json') for s in range(3)])} | | | |")
PY
