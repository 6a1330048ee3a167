#!/usr/bin/env python3
"""Makes random CLIP weights and TorchScript reference graphs for `mvp-seg bench --reference`.

Not part of the build: run it with any PyTorch (Debian's python3-torch works) to produce
  OUT/clip-<arch>.safetensors            random weights in OpenAI's names (fp16, as OpenAI ships)
  OUT/<arch>-image-<size>.pt             traced encode_image for a [1,3,size,size] input
  OUT/<arch>-dense-<size>.pt             traced MaskCLIP dense features (MaskCLIP's own formulation:
                                         full q/k/v in_proj of the last block, value part kept)
The graphs compute what OpenAI's clip/model.py and MaskCLIP compute, written out here so the
benchmark needs no network; the Java side must match their outputs (bench prints the difference).
"""
import argparse, json, math, os, struct
import torch
import torch.nn as nn
import torch.nn.functional as F

ARCHS = {  # width, layers, patch, resolution, embed, text width, text layers
    "vit-b16": (768, 12, 16, 224, 512, 512, 12),
    "vit-tiny": (128, 2, 16, 64, 64, 64, 2),
}


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, w, causal=False):
        super().__init__()
        self.attn = nn.MultiheadAttention(w, w // 64 if w >= 64 else 1)
        self.ln_1, self.ln_2 = nn.LayerNorm(w), nn.LayerNorm(w)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(w, 4 * w))
        self.mlp.add_module("gelu", QuickGELU())
        self.mlp.add_module("c_proj", nn.Linear(4 * w, w))

    def forward(self, x):  # x: [L, N, W] as in OpenAI's code
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))

    def maskclip(self, x):  # MaskCLIP: q, k, v computed, value path kept
        y = F.linear(self.ln_1(x), self.attn.in_proj_weight, self.attn.in_proj_bias)
        q, k, v = y.chunk(3, dim=-1)
        v = F.linear(v, self.attn.out_proj.weight, self.attn.out_proj.bias)
        v = v + x
        return v + self.mlp(self.ln_2(v))


class Visual(nn.Module):
    def __init__(self, width, layers, patch, res, embed):
        super().__init__()
        self.patch, self.grid = patch, res // patch
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        s = width ** -0.5
        self.class_embedding = nn.Parameter(s * torch.randn(width))
        self.positional_embedding = nn.Parameter(s * torch.randn(self.grid ** 2 + 1, width))
        self.ln_pre, self.ln_post = nn.LayerNorm(width), nn.LayerNorm(width)
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.Sequential(*[Block(width) for _ in range(layers)])
        self.proj = nn.Parameter(s * torch.randn(width, embed))

    def pos(self, gh, gw):
        p = self.positional_embedding
        if gh == self.grid and gw == self.grid:
            return p
        g = p[1:].reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2)
        g = F.interpolate(g, size=(gh, gw), mode="bicubic", align_corners=False)
        return torch.cat([p[:1], g.permute(0, 2, 3, 1).reshape(gh * gw, -1)])

    def tokens(self, x):
        gh, gw = x.shape[2] // self.patch, x.shape[3] // self.patch
        x = self.conv1(x).flatten(2).permute(0, 2, 1)
        cls = self.class_embedding + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.pos(gh, gw)
        return self.ln_pre(x).permute(1, 0, 2), gh, gw

    def forward(self, x):
        x, _, _ = self.tokens(x)
        x = self.transformer.resblocks(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj

    def dense(self, x):
        b = x.shape[0]
        x, gh, gw = self.tokens(x)
        for blk in list(self.transformer.resblocks)[:-1]:
            x = blk(x)
        x = list(self.transformer.resblocks)[-1].maskclip(x).permute(1, 0, 2)
        return (self.ln_post(x[:, 1:, :]) @ self.proj).reshape(b, gh, gw, -1)


class Dense(nn.Module):
    def __init__(self, visual):
        super().__init__()
        self.visual = visual

    def forward(self, x):
        return self.visual.dense(x)


def save_safetensors(tensors, path):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float16: "F16", torch.float32: "F32"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="vit-b16", choices=ARCHS)
    ap.add_argument("--sizes", default="224,448")
    ap.add_argument("--out", default="target/bench")
    a = ap.parse_args()
    torch.manual_seed(0)
    width, layers, patch, res, embed, tw, tl = ARCHS[a.arch]
    visual = Visual(width, layers, patch, res, embed).eval()
    with torch.no_grad():  # round to fp16 like OpenAI's release; the graphs compute in fp32
        for p in visual.parameters():
            p.copy_((p + 0.02 * torch.randn_like(p)).half().float())
    text = nn.Module()
    tensors = {"visual." + k: v.half() for k, v in visual.state_dict().items()}
    tensors["token_embedding.weight"] = (0.02 * torch.randn(49408, tw)).half()
    tensors["positional_embedding"] = (0.01 * torch.randn(77, tw)).half()
    blocks = nn.Sequential(*[Block(tw) for _ in range(tl)])
    for k, v in blocks.state_dict().items():
        tensors["transformer.resblocks." + k] = (v + 0.02 * torch.randn_like(v)).half()
    tensors["ln_final.weight"] = torch.ones(tw).half()
    tensors["ln_final.bias"] = torch.zeros(tw).half()
    tensors["text_projection"] = (tw ** -0.5 * torch.randn(tw, embed)).half()
    tensors["logit_scale"] = torch.tensor(math.log(1 / 0.07))
    os.makedirs(a.out, exist_ok=True)
    save_safetensors(tensors, os.path.join(a.out, "clip-%s.safetensors" % a.arch))
    with torch.no_grad():
        for size in [int(s) for s in a.sizes.split(",")]:
            x = torch.randn(1, 3, size, size)
            torch.jit.trace(visual, x).save(os.path.join(a.out, "%s-image-%d.pt" % (a.arch, size)))
            torch.jit.trace(Dense(visual), x).save(os.path.join(a.out, "%s-dense-%d.pt" % (a.arch, size)))
    print("wrote", a.out)


if __name__ == "__main__":
    main()
