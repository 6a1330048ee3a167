#!/usr/bin/env python3
"""Dense zero-shot on toyclip-world in PyTorch, independent of the Java code: 12-way mIoU on the held-out
combinations of data/test for several last-block forms (README › What was measured here).

Usage (PyTorch and Pillow, e.g. Debian's python3-torch python3-pil; after `mvn package -DskipTests`, which
provides the tokenizer through `mvp-seg tokenize`):
    python3 src/bench/toy_dense_zero_shot.py
Single template "a photo of {}.", scores upsampled bilinearly to 64 px, confusion over pixels of the 12 classes.
"""
import glob, json, subprocess, sys
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, "src/bench")
import make_peer_fixtures as M  # OpenAI's CLIP written out in PyTorch

W = "src/test/resources/fixtures/toyclip-world"
JAR = [j for j in glob.glob("target/mvp-seg-*.jar") if "sources" not in j and "tests" not in j][0]


def last_block(x, sd, form):
    p = "visual.transformer.resblocks.1."
    y = x if form == "value, no ln_1" else M.ln(x, sd, p + "ln_1")
    v = F.linear(y, sd[p + "attn.in_proj_weight"], sd[p + "attn.in_proj_bias"])[..., 2 * x.shape[-1]:]
    bias = None if form == "value, no out_proj bias" else sd[p + "attn.out_proj.bias"]
    o = F.linear(v, sd[p + "attn.out_proj.weight"], bias)
    if form in ("value + residual", "maskclip (value + residual + MLP)"):
        o = o + x
    if form == "maskclip (value + residual + MLP)":
        o = o + M.mlp(M.ln(o, sd, p + "ln_2"), sd, p)
    o = o.permute(1, 0, 2)
    return (o if form == "value, no ln_post" else M.ln(o, sd, "visual.ln_post")) @ sd["visual.proj"]


def main():
    torch.set_grad_enabled(False)
    sd = {k: v.float() for k, v in torch.jit.load(f"{W}/clip.pt", map_location="cpu").state_dict().items()}
    held = json.load(open(f"{W}/data/split.json"))["held_out"]
    out = subprocess.run(["java", "-jar", JAR, "tokenize", *[f"a photo of {h}." for h in held]], capture_output=True,
                         text=True, check=True).stdout
    ids = torch.tensor([[int(t) for t in l.split()] for l in out.splitlines() if l.strip()])
    text = M.encode_text(ids, sd, 2, 2)
    text = text / text.norm(dim=-1, keepdim=True)
    classes = [l.strip() for l in open(f"{W}/data/test/classes.txt")]
    index = [classes.index(h) for h in held]
    images = sorted(glob.glob(f"{W}/data/test/images/*.png"))
    forms = ["maskclip (value + residual + MLP)", "value", "value, no out_proj bias", "value, no ln_1",
             "value, no ln_post", "value + residual"]
    for form in forms:
        conf = np.zeros((12, 12), dtype=np.int64)
        for f in images:
            rgb = torch.tensor(np.array(Image.open(f).convert("RGB"))).permute(2, 0, 1)[None].float() / 255
            label = np.array(Image.open(f.replace("/images/", "/labels/")))
            x, gh, gw = M.tokens((rgb - M.MEAN) / M.STD, sd, 2, 2)
            d = last_block(x, sd, form)[:, 1:].reshape(1, gh, gw, -1)
            d = d / d.norm(dim=-1, keepdim=True)
            s = F.interpolate((d @ text.T).permute(0, 3, 1, 2), size=label.shape, mode="bilinear", align_corners=False)
            pred = s.argmax(1)[0].numpy()
            for gi, g in enumerate(index):
                np.add.at(conf[gi], pred[label == g], 1)
        iou = [conf[c, c] / (conf[c].sum() + conf[:, c].sum() - conf[c, c]) for c in range(12)
               if conf[c].sum() + conf[:, c].sum() > 0]
        print(f"{form:40s} {100 * np.mean(iou):.2f} % mIoU (12-way, held-out)")


if __name__ == "__main__":
    main()
