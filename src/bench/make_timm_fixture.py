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
Dense features of every dense mode: the same last-block surgery as src/bench/make_peer_fixtures.py writes for OpenAI's
ViT (MaskCLIP's value path with residual and FFN, the pure value path, ClearCLIP, SCLIP, NACLIP; MaskCLIP's keys after
the attention's output projection), here on timm's names and blocks: the final norm (eps 1e-6) and head.proj instead of
ln_post and proj. Off the native grid the positions are resized as MaskCLIP does (bicubic by size, align_corners=False).
"""
import json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from make_bert_fixture import random_layer_norm, random_linear, save_safetensors  # noqa: E402
from make_peer_fixtures import attention_addition, gaussian_window  # noqa: E402

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


def mlp(x, t, p):  # Mlp: fc1, exact GELU, fc2
    return linear(torch.nn.functional.gelu(linear(x, t, p + "mlp.fc1")), t, p + "mlp.fc2")


def trunk(images, t, depth):  # forward_features up to block `depth`; positions resized as MaskCLIP does off the grid
    x = torch.nn.functional.conv2d(images, t[T + "patch_embed.proj.weight"], t[T + "patch_embed.proj.bias"],
                                   stride=PATCH)
    gh, gw = x.shape[-2:]
    x = x.flatten(2).transpose(1, 2)  # PatchEmbed: NCHW -> NLC
    pos, g = t[T + "pos_embed"], SIZE // PATCH
    if (gh, gw) != (g, g):
        grid = pos[:, 1:].reshape(1, g, g, D).permute(0, 3, 1, 2)
        grid = torch.nn.functional.interpolate(grid, size=(gh, gw), mode="bicubic", align_corners=False)
        pos = torch.cat([pos[:, :1], grid.flatten(2).transpose(1, 2)], 1)
    x = torch.cat([t[T + "cls_token"].expand(x.shape[0], -1, -1), x], dim=1) + pos
    for i in range(depth):
        p = T + f"blocks.{i}."
        x = x + attention(layer_norm(x, t, p + "norm1"), t, p)
        x = x + mlp(layer_norm(x, t, p + "norm2"), t, p)
    return x, gh, gw


def head(x, t):  # the final norm, then TimmModel's head.proj
    return linear(layer_norm(x, t, T + "norm"), t, "visual.head.proj")


def encode_image(images, t):  # VisionTransformer.forward_features + forward_head ('token'), then TimmModel.head
    return head(trunk(images, t, LAYERS)[0][:, 0], t)


def custom_attn(y, t, p, strategy, omega=None):  # make_peer_fixtures.custom_attn on timm's qkv and proj
    b, n, _ = y.shape
    dh = D // HEADS
    q, k, v = linear(y, t, p + "attn.qkv").reshape(b, n, 3, HEADS, dh).permute(2, 0, 3, 1, 4).unbind(0)
    scale = dh ** -0.5
    if strategy == "qq":  # ClearCLIP
        a = torch.softmax(q @ q.transpose(-2, -1) * scale, -1)
    elif strategy == "csa":  # SCLIP
        a = torch.softmax(q @ q.transpose(-2, -1) * scale, -1) + torch.softmax(k @ k.transpose(-2, -1) * scale, -1)
    else:  # NACLIP
        a = torch.softmax(k @ k.transpose(-2, -1) * scale + omega, -1)
    return linear((a @ v).transpose(1, 2).reshape(b, n, D), t, p + "attn.proj")


def dense(images, t, mode):  # make_peer_fixtures.dense: [B, gh, gw, E] features and MaskCLIP's keys [B, gh*gw, D]
    x, gh, gw = trunk(images, t, LAYERS - 1)
    p = T + f"blocks.{LAYERS - 1}."
    y = layer_norm(x, t, p + "norm1")
    _, k, v = (linear(part, t, p + "attn.proj") for part in linear(y, t, p + "attn.qkv").chunk(3, dim=-1))
    if mode == "maskclip":  # MaskCLIP's backbone: v through the output projection, + x, then the FFN
        v = v + x
        out = v + mlp(layer_norm(v, t, p + "norm2"), t, p)
    elif mode == "value":
        out = v
    elif mode == "clearclip":
        out = custom_attn(y, t, p, "qq")
    elif mode == "sclip":
        h = x + custom_attn(y, t, p, "csa")
        out = h + mlp(layer_norm(h, t, p + "norm2"), t, p)
    else:
        omega = attention_addition(gh, gw, gaussian_window(2 * gh - 1, 2 * gw - 1, 5.0)).unsqueeze(0)
        out = custom_attn(y, t, p, "naclip", omega)
    return head(out, t)[:, 1:].reshape(images.shape[0], gh, gw, -1), k[:, 1:]


def arr(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/timm-vit-tiny"
    os.makedirs(out, exist_ok=True)
    t = tensors()
    images = torch.randn(2, 3, SIZE, SIZE)
    other = torch.randn(1, 3, 48, 40)  # a 6 x 5 grid, off the native 4 x 4
    with torch.no_grad():
        features = encode_image(images, t)
        dense_out = {}
        for name, x in (("native", images), ("other", other)):
            for mode in ("maskclip", "value", "clearclip", "sclip", "naclip"):
                dense_out[f"{name}_{mode}"] = arr(dense(x, t, mode)[0])
            dense_out[f"{name}_keys"] = arr(dense(x, t, "maskclip")[1])
    save_safetensors(t, os.path.join(out, "visual.safetensors"))
    expected = {"config": {"width": D, "heads": HEADS, "layers": LAYERS, "patch": PATCH, "size": SIZE, "embed": EMBED},
                "images": images.flatten().tolist(), "features": features.tolist(),
                "other_image": arr(other), "dense": dense_out}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", out, "features", tuple(features.shape))


if __name__ == "__main__":
    main()
