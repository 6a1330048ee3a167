#!/usr/bin/env python3
"""What limits the 48-way mixed vocabulary on toyclip-world (README › What was measured here).

Usage: python3 src/bench/toy_world_48.py [SEED]   (after `mvn package -DskipTests`; about 4 minutes on 2 cores)
Trains prompts on P (data/train, 300 iterations, crop 64, batch 8) for the maskclip and value dense modes,
evaluates zero-shot and MVP-SEG with all 48 names on data/test, and splits every ground-truth pixel of the
unseen classes (Q and the 12 held-out combinations) by where it went: its own class; a class of the right
colour but the wrong texture; the right texture but the wrong colour; both wrong — and whether the name it
went to is one of the prompt-training classes P.
"""
import glob, json, os, subprocess, sys, tempfile

WORLD = "src/test/resources/fixtures/toyclip-world"
JAR = [j for j in glob.glob("target/mvp-seg-*.jar") if "sources" not in j and "tests" not in j][0]
seed = sys.argv[1] if len(sys.argv) > 1 else "0"
split = json.load(open(f"{WORLD}/data/split.json"))
P, Q, H = split["prompt_train_subset_P"], split["other_seen_Q"], split["held_out"]
tmp = tempfile.mkdtemp()


def run(*args):
    subprocess.run(["java", "-jar", JAR, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def evaluate(name, extra):
    out = f"{tmp}/{name}.json"
    run("evaluate", "--data", f"{WORLD}/data/test", "--weights", f"{WORLD}/clip.pt", "--seen", ", ".join(P), "--unseen",
        ", ".join(Q + H), "--json", out, *extra)
    return json.load(open(out))


def breakdown(j):
    classes, conf = j["classes"], j["confusion"]  # conf[gt][pred]
    tally = dict(correct=0, colour_only=0, texture_only=0, neither=0, to_P=0, total=0)
    for g, row in enumerate(conf):
        if classes[g] in P:
            continue
        gc, gt = classes[g].split(" ", 1)
        for p, n in enumerate(row):
            if n == 0:
                continue
            pc, pt = classes[p].split(" ", 1)
            tally["total"] += n
            key = "correct" if p == g else "colour_only" if pc == gc else "texture_only" if pt == gt else "neither"
            tally[key] += n
            if p != g and classes[p] in P:
                tally["to_P"] += n
    t = tally.pop("total")
    return {k: round(100 * v / t, 1) for k, v in tally.items()}


rows = []
for mode in ["maskclip", "value"]:
    prompts = f"{tmp}/{mode}.prompts"
    run("train", "--data", f"{WORLD}/data/train", "--weights", f"{WORLD}/clip.pt", "--seen", ", ".join(P), "--prompts-out",
        prompts, "--iterations", "300", "--crop", "64", "--batch", "8", "--seed", seed, "--dense-mode", mode)
    for name, extra in [("zero-shot", ["--zero-shot", "--template", "a photo of {}.", "--dense-mode", mode]),
                        ("MVP-SEG", ["--prompts", prompts])]:
        j = evaluate(f"{mode}-{name}", extra)
        rows.append((mode, name, j, breakdown(j)))
print("| features | method | mIoU(P) | mIoU(unseen) | unseen pixels: own class | right colour, wrong texture "
      "| right texture, wrong colour | both wrong | sent to a P name |")
print("|---|---|---|---|---|---|---|---|---|")
for mode, name, j, b in rows:
    print(f"| {mode} | {name} | {100*j['miou_seen']:.1f} | {100*j['miou_unseen']:.1f} | {b['correct']} | {b['colour_only']} "
          f"| {b['texture_only']} | {b['neither']} | {b['to_P']} |")
