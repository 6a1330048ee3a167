#!/usr/bin/env python3
"""A tiny random timm ViT image tower in BiomedCLIP's open_clip layout, and what it computes, for
src/test/resources/fixtures/timm-vit-tiny/ (TimmVisionTowerTest).

Not part of the build: run with any PyTorch (Debian's python3-torch works), from the repository root:
    python3 src/bench/make_timm_fixture.py [OUT_DIR]

The computation is written here in PyTorch from the reference code (read, not copied; each function names the file it
follows), because neither timm nor open_clip can be installed on the build machines:
  - timm, timm/models/vision_transformer.py (Apache-2.0), VisionTransformer as vit_base_patch16_224 builds it:
    PatchEmbed (Conv2d with bias, stride = patch), _pos_embed (class token first, then the position table added),
    no norm_pre, Blocks x + attn(norm1(x)), x + mlp(norm2(x)) with Attention (one qkv Linear with bias, heads, softmax
    of q k^T * head_dim^-0.5, proj), Mlp (fc1, exact GELU, fc2), LayerNorm eps 1e-6, the final norm, then
    forward_head with global_pool 'token' (the class token's row; fc_norm is the identity for 'token').
  - open_clip, src/open_clip/timm_model.py (MIT): TimmModel with pool '' and proj 'linear' (BiomedCLIP's
    open_clip_config.json: timm_pool '', timm_proj 'linear', proj_bias false): the trunk keeps its own 'token' pool,
    its classifier reset to the identity, then head.proj = Linear(D, E, bias=False).
"""
import json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from make_bert_fixture import random_layer_norm, random_linear, save_safetensors  # noqa: E402

torch.manual_seed(20261208)
D, HEADS, LAYERS, PATCH, SIZE, EMBED = 48, 4, 2, 8, 32, 24
T = "visual.trunk."


def tensors():
    t = {}

    def lin(name, out_f, in_f, bias=True):
        random_linear(t, name, out_f, in_f, bias)

    def ln(name):
        random_layer_norm(t, name, D)

    n = (SIZE // PATCH) ** 2
    t[T + "cls_token"] = torch.randn(1, 1, D) * 0.5
    t[T + "pos_embed"] = torch.randn(1, n + 1, D) * 0.5
    t[T + "patch_embed.proj.weight"] = torch.randn(D, 3, PATCH, PATCH) / math.sqrt(3 * PATCH * PATCH)
    t[T + "patch_embed.proj.bias"] = torch.randn(D) * 0.1
    for i in range(LAYERS):
        p = T + f"blocks.{i}."
        ln(p + "norm1")
        lin(p + "attn.qkv", 3 * D, D)
        lin(p + "attn.proj", D, D)
        ln(p + "norm2")
        lin(p + "mlp.fc1", 4 * D, D)
        lin(p + "mlp.fc2", D, 4 * D)
    ln(T + "norm")
    lin("visual.head.proj", EMBED, D, bias=False)
    return t


def layer_norm(x, t, name):  # partial(nn.LayerNorm, eps=1e-6)
    return torch.nn.functional.layer_norm(x, (D,), t[name + ".weight"], t[name + ".bias"], 1e-6)


def linear(x, t, name):
    return torch.nn.functional.linear(x, t[name + ".weight"], t.get(name + ".bias"))


def attention(x, t, p):  # vision_transformer.py Attention.forward (fused_attn gives the same softmax(q k^T * scale) v)
    b, n, _ = x.shape
    dh = D // HEADS
    qkv = linear(x, t, p + "attn.qkv").reshape(b, n, 3, HEADS, dh).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)
    a = torch.softmax(q @ k.transpose(-2, -1) * dh ** -0.5, dim=-1)
    return linear((a @ v).transpose(1, 2).reshape(b, n, D), t, p + "attn.proj")


def encode_image(images, t):  # VisionTransformer.forward_features + forward_head, then TimmModel.head
    x = torch.nn.functional.conv2d(images, t[T + "patch_embed.proj.weight"], t[T + "patch_embed.proj.bias"],
                                   stride=PATCH)
    x = x.flatten(2).transpose(1, 2)  # PatchEmbed: NCHW -> NLC
    x = torch.cat([t[T + "cls_token"].expand(x.shape[0], -1, -1), x], dim=1) + t[T + "pos_embed"]
    for i in range(LAYERS):
        p = T + f"blocks.{i}."
        x = x + attention(layer_norm(x, t, p + "norm1"), t, p)
        x = x + linear(torch.nn.functional.gelu(linear(layer_norm(x, t, p + "norm2"), t, p + "mlp.fc1")), t,
                       p + "mlp.fc2")
    x = layer_norm(x, t, T + "norm")
    return linear(x[:, 0], t, "visual.head.proj")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/timm-vit-tiny"
    os.makedirs(out, exist_ok=True)
    t = tensors()
    images = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad():
        features = encode_image(images, t)
    save_safetensors(t, os.path.join(out, "visual.safetensors"))
    expected = {"config": {"width": D, "heads": HEADS, "layers": LAYERS, "patch": PATCH, "size": SIZE, "embed": EMBED},
                "images": images.flatten().tolist(), "features": features.tolist()}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", out, "features", tuple(features.shape))


if __name__ == "__main__":
    main()
