"""The table of src/bench/paper_claims.sh: one row per model, mean ± sd over seeds, and beside each row the difference
the paper's claim is about (paired per seed) with the paper's own figure.
Usage: python3 paper_claims_table.py OUT SEED [SEED ...]"""
import json
import statistics as st
import sys

sys.path.insert(0, "src/bench")
from toy_metrics import miou, mean_sd  # noqa: E402

out, seeds = sys.argv[1], sys.argv[2:]
SINGLE = {"zs1", "zs85"}  # deterministic: measured once


def figures(name, seed):
    tag = name if name in SINGLE else f"{name}_{seed}"
    j48 = json.load(open(f"{out}/{tag}.48.json"))
    j12 = json.load(open(f"{out}/{tag}.12.json"))
    return {"P": j48["miou_seen"], "U": j48["miou_unseen"], "h": j48["hiou"], "all": miou(j48), "ho": miou(j12)}


METRIC = {"P": "mIoU(P)", "U": "mIoU(unseen)", "h": "hIoU", "all": "mIoU(all 48)", "ho": "held-out 12-way"}
# row name, key, (metric, reference key, paper's figure) of the claim beside it
ROWS = [
    ('zero-shot, one template ("a photo of {}.")', "zs1", None),
    ("zero-shot, MaskCLIP's 85 templates", "zs85",
     ("h", "zs1", "MVP-SEG: none; CLIP's paper: 80 templates +3.5 top-1 on ImageNet over one")),
    ("MVP-SEG, K = 3 (with L_OC and GPR: the defaults)", "k3",
     ("U", "zs85", "over MaskCLIP: +8.4 (COCO-Stuff), +12.7 (VOC)")),
    ("MVP-SEG, K = 1", "k1", ("h", "k3", "K = 3 best (COCO-Stuff ablation; its figures not retrieved)")),
    ("MVP-SEG, K = 3 without L_OC (λ_OC = 0)", "nooc", ("U", "k3", "L_OC: 16.4 → 19.9 = +3.5 (COCO-Stuff)")),
    ("MVP-SEG, K = 3 without GPR (same prompts, g_c = 1)", "nogpr",
     ("h", "k3", "GPR: +1.3 (COCO-Stuff), +4.8 (VOC)")),
    ("MVP-SEG+ student, annotation-free (data/unlabeled; the teacher's GPR, class balance 1: the defaults)", "free",
     ("all", "k3", "not run in the paper (its MVP-SEG+ is transductive)")),
    ("MVP-SEG+ annotation-free without class balance (--class-balance 0)", "freegpr",
     ("all", "free", "")),
    ("MVP-SEG+ annotation-free without both (--class-balance 0 --no-gpr: the student before)", "free0",
     ("all", "free", "")),
    ("MVP-SEG+ student, transductive (data/transductive, P annotated; the defaults)", "trans",
     ("U", "k3", "+1.1 (COCO-Stuff), +1.3 (VOC) over the previous best")),
    ("MVP-SEG+ transductive without both (--class-balance 0 --no-gpr: the student before)", "trans0",
     ("U", "trans", "")),
]
# rows measured against a model above them whose difference is "that model − this row" (ablations)
ABLATIONS = {"k1", "nooc", "nogpr", "freegpr", "free0", "trans0"}


def signed(x):
    """+1.2, −0.3 (a true minus), 0.0"""
    t = f"{x:+.1f}"
    return "0.0" if t in ("+0.0", "-0.0") else t.replace("-", "−")


def cell(rows, key):
    return mean_sd([r[key] for r in rows])


def claim(name, spec):
    """'metric: row − reference' for the claims whose reference is the other row (ablations: the full model − row)."""
    metric, ref, paper = spec
    runs = seeds[:1] if name in SINGLE else seeds
    own = [figures(name, s)[metric] for s in runs]
    other = [figures(ref, s)[metric] for s in runs]
    ablation = name in ABLATIONS
    diffs = [(b - a) if ablation else (a - b) for a, b in zip(own, other)]
    label = {"zs1": "one template", "zs85": "85 templates", "k3": "K = 3", "free": "defaults",
             "trans": "defaults"}[ref]
    what = f"{label} − this row" if ablation else f"this row − {label}"
    per_seed = ", ".join(signed(100 * d) for d in diffs) if name not in SINGLE else ""
    mean = signed(100 * st.mean(diffs)) + (f" ± {100 * st.pstdev(diffs):.1f}" if len(diffs) > 1 else "")
    return f"{METRIC[metric]}, {what}: **{mean}**" + (
        f" ({per_seed})" if per_seed and len(diffs) > 1 else ""), paper


print("| model | mIoU(P) | mIoU(unseen) | hIoU | mIoU(all 48) | held-out 12-way mIoU | the claim, here "
      "(per seed) | the paper |")
print("|---|---|---|---|---|---|---|---|")
for title, key, spec in ROWS:
    rows = [figures(key, s) for s in (seeds[:1] if key in SINGLE else seeds)]
    here, paper = claim(key, spec) if spec else ("", "")
    print(f"| {title} | " + " | ".join(cell(rows, k) for k in ("P", "U", "h", "all", "ho")) + f" | {here} | {paper} |")
