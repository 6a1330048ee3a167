#!/usr/bin/env bash
# Encode once, ask many times (docs/features.md), measured with whole `segment` runs:
#   plain run vs the first run writing features (same names), interleaved PAIRS times;
#   a second run with 4 new names from the features vs a fresh run of those names (plain, PAMR, key smoothing);
#   fp16 feature files: size and label agreement with the fp32 run.
# Usage: src/bench/features.sh WEIGHTS IMAGE OUTDIR [PAIRS]   (after `mvn package -DskipTests`)
# Prints one line per figure; summary.json's `seconds` is the segmentation's own time (model loading and class-name
# encoding excluded), `wall` the whole command.
set -euo pipefail
W=$1; IMG=$2; OUT=$3; PAIRS=${4:-2}
PY=${PYTHON:-/usr/bin/python3}  # with Pillow (Debian: python3-pil)
JAR=${JAR:-target/mvp-seg-0.1.0-SNAPSHOT.jar}
A="cat, grass, sky, wall"; B="tree, dog, floor, table"
name=$(basename "${IMG%.*}")
rm -rf "$OUT"; mkdir -p "$OUT"
run() { # run LABEL ARGS... → prints "LABEL seconds wall peakMB"
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$OUT/$label.time" java -jar "$JAR" segment "$IMG" --weights "$W" --out "$OUT/$label" "$@" \
		> "$OUT/$label.log" 2>&1 || { echo "$label failed:"; tail -5 "$OUT/$label.log"; exit 1; }
	local s; s=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$OUT/$label/$name.summary.json")
	read -r wall rss < "$OUT/$label.time"
	printf "%-22s seconds %8.2f  wall %7.2f  peak %6.0f MB\n" "$label" "$s" "$wall" "$((rss / 1024))"
}
secs() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$OUT/$1/$name.summary.json"; }
same() { # same LABEL1 LABEL2 → fraction of equal label pixels
	"$PY" - "$OUT/$1/$name.labels.tif" "$OUT/$2/$name.labels.tif" <<'PY'
import sys
from PIL import Image
a, b = (Image.open(f).tobytes() for f in sys.argv[1:3])
print(f"{sum(x == y for x, y in zip(a, b)) / len(a):.6f}")
PY
}
for i in $(seq 1 "$PAIRS"); do
	run "plain-$i" --classes "$A"
	rm -rf "$OUT/feat-$i"; run "write-$i" --classes "$A" --features "$OUT/feat-$i"
	"$PY" -c "import sys; print(f'  write/plain ratio, pair $i: {float(sys.argv[1]) / float(sys.argv[2]):.3f}')" "$(secs write-$i)" "$(secs plain-$i)"
done
F="$OUT/feat-1"
bytes=$(stat -c %s "$F/$name.features"); mp=$("$PY" -c "from PIL import Image; im=Image.open('$IMG'); print(im.size[0]*im.size[1]/1e6)")
echo "features fp32: $bytes bytes, $("$PY" -c "print(f'{$bytes / $mp / 1e6:.1f}')") MB per megapixel"
run fresh --classes "$B"
run second --classes "$B" --features "$F"
echo "  second/fresh: $("$PY" -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.4f}')" "$(secs second)" "$(secs fresh)"), labels equal: $(same fresh second)"
run fresh-pamr --classes "$B" --pamr
run second-pamr --classes "$B" --pamr --features "$F"
echo "  PAMR second/fresh: $("$PY" -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.4f}')" "$(secs second-pamr)" "$(secs fresh-pamr)"), labels equal: $(same fresh-pamr second-pamr)"
run keys-write --classes "$A" --key-smoothing 1.0 --features "$OUT/feat-keys"
run fresh-keys --classes "$B" --key-smoothing 1.0
run second-keys --classes "$B" --key-smoothing 1.0 --features "$OUT/feat-keys"
kb=$(stat -c %s "$OUT/feat-keys/$name.features")
echo "  key smoothing second/fresh: $("$PY" -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.4f}')" "$(secs second-keys)" "$(secs fresh-keys)"), labels equal: $(same fresh-keys second-keys); with keys $kb bytes"
run half-write --classes "$A" --features "$OUT/feat-16" --features-precision fp16
run half-second --classes "$B" --features "$OUT/feat-16" --features-precision fp16
hb=$(stat -c %s "$OUT/feat-16/$name.features")
echo "  fp16: $hb bytes ($("$PY" -c "print(f'{$hb / $mp / 1e6:.1f}')") MB/MP); labels equal to fp32's on $(same fresh half-second) of pixels"
