#!/usr/bin/env bash
# Class balance where one class truly dominates (README › MVP-SEG+). After `mvn package -DskipTests`.
# World: toy_imbalanced.py renders 120 unlabeled and 120 labelled test images of toyclip-world textures, "grey noise"
# filling ~93 % of each, with 1-2 small rectangles of "red plain", "green dots" or "blue plain". Teacher: K = 3 prompts
# trained on P (300 iterations, seed 0, as paper_claims.sh). Students: transfer on the unlabeled images with
# --class-balance 0, 0.5 and 1 (2000 iterations, seed 0). Measured on the test images: mIoU over the 4 classes,
# pixel accuracy, and how many pixels each class is given against its truth. OUT=DIR keeps the files.
set -euo pipefail
cd "$(dirname "$0")/../.."
W=src/test/resources/fixtures/toyclip-world
JAR=${JAR:-$(ls target/mvp-seg-*.jar | grep -v -e sources -e tests | head -1)}
OUT=${OUT:-$(mktemp -d)}
C="grey noise, red plain, green dots, blue plain"
run() { java -jar "$JAR" "$@" > "$OUT/last.log" 2>&1 || { cat "$OUT/last.log"; exit 1; }; }
[ -d "$OUT/test" ] || python3 src/bench/toy_imbalanced.py "$OUT" "grey noise" "red plain,green dots,blue plain"
P=$(python3 -c "import json; print(', '.join(json.load(open('$W/data/split.json'))['prompt_train_subset_P']))")
[ -f "$OUT/p.prompts" ] || run train --data $W/data/train --weights $W/clip.pt --seen "$P" --prompts-out "$OUT/p.prompts" \
	--iterations 300 --crop 64 --batch 8 --seed 0
ev() { [ -f "$OUT/$1.json" ] || run evaluate --data "$OUT/test" --weights $W/clip.pt --seen "grey noise, green dots" \
	--unseen "red plain, blue plain" --json "$OUT/$1.json" "${@:2}"; }
ev teacher --prompts "$OUT/p.prompts"
for a in 0 0.5 1; do
	[ -f "$OUT/a$a.student" ] || run transfer --unlabeled "$OUT/unlabeled/images" --prompts "$OUT/p.prompts" --classes "$C" \
		--weights $W/clip.pt --student-out "$OUT/a$a.student" --iterations 2000 --class-balance $a
	ev a$a --student "$OUT/a$a.student"
done
python3 - "$OUT" <<'PY'
import json, sys
sys.path.insert(0, "src/bench")
from toy_metrics import miou
out = sys.argv[1]
print("| model | mIoU (4 classes) | pixel accuracy | pixels given / true: " + " | ".join(json.load(open(f"{out}/teacher.json"))["classes"]) + " |")
print("|---|---|---|" + "---|" * 4)
for n, t in [("teacher", "teacher (MVP-SEG K = 3)"), ("a0", "student, --class-balance 0"), ("a0.5", "student, 0.5"), ("a1", "student, 1 (default)")]:
    j = json.load(open(f"{out}/{n}.json")); m = j["confusion"]
    ratio = [sum(r[c] for r in m) / max(1, sum(m[c])) for c in range(len(m))]
    print(f"| {t} | {100 * miou(j):.1f} | {100 * j['pixel_accuracy']:.1f} | " + " | ".join(f"{r:.2f}" for r in ratio) + " |")
PY
