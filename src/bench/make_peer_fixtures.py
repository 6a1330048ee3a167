#!/usr/bin/env python3
"""Reference outputs of the training-free peers, for src/test/resources/fixtures/peers/ (PeerFixturesTest).

Not part of the build: run with any PyTorch (Debian's python3-torch works), from the repository root:
    python3 src/bench/make_peer_fixtures.py [OUT.json]

What it computes, on the tiny random-weight ViT fixture (clip-vit-tiny), each written here in PyTorch from
the peer's released code (read, not copied; every function names the file it follows):
  - dense features of every dense mode:
      maskclip   MaskCLIP's ViT backbone with return_qkv (chongzhou96/MaskCLIP, Apache-2.0,
                 mmseg/models/backbones/vit.py: TransformerEncoderLayer.forward; v + x, then the FFN)
      value      MaskCLIP's paper: value -> out_proj -> ln_post -> proj (no residual, no FFN)
      clearclip  mc-lan/ClearCLIP (NTU S-Lab License 1.0): q-q attention, no residual, no FFN
      sclip      wangf3014/SCLIP clip/model.py custom_attn (csa): softmax(qq)+softmax(kk), residual and FFN kept
      naclip     sinahmr/NACLIP (MIT) clip/model.py, arch 'reduced', attn_strategy 'naclip', gaussian_std 5
    Positional embeddings for the non-native 6x8 grid are resized as MaskCLIP does (bicubic by size,
    align_corners=False) for every mode, so the fixture compares the last blocks. (NACLIP and SCLIP resize by a
    scale factor with a +0.1 offset, which differs slightly off the native grid; the end-to-end NACLIP case
    below runs at the native 64 px grid, where no resizing happens.)
  - MaskCLIP's refine_output (mmseg/models/decode_heads/maskclip_head.py): prompt denoising (pd_thresh) and
    key smoothing (ks_thresh) on the cosine scores, with the keys as its ViT backbone returns them (after
    out_proj, with its bias) and F.normalize(k, p=2) at PyTorch's default dim=1 of [N, HW, C]: over positions.
  - PAMR as NACLIP calls it (pamr.py, from visinf/1-stage-wseg, Apache-2.0, TU Darmstadt): 10 iterations,
    dilations (8, 16), on the bilinearly upsampled cosine scores with the CLIP-normalised image as guide.
  - NACLIP end to end at 64 px (one window): naclip features, cosine scores, bilinear upsampling, PAMR,
    softmax(40 * scores) (NACLIP's logit_scale).
Text features: the fixture's class names in "a photo of a {}." (ids from expected.json), encoded with OpenAI's
text tower, L2-normalised.
"""
import json, math, sys
import torch
import torch.nn.functional as F

FIX = "src/test/resources/fixtures/clip-vit-tiny"
MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)


def load():
    m = torch.jit.load(f"{FIX}/clip.pt", map_location="cpu")
    return {k: v.float() for k, v in m.state_dict().items()}


def ln(x, sd, p):
    return F.layer_norm(x, (x.shape[-1],), sd[p + ".weight"], sd[p + ".bias"], 1e-5)


def quick_gelu(h):
    return h * torch.sigmoid(1.702 * h)


ACTIVATION = quick_gelu  # OpenAI's; make_hf_openclip_fixtures.py sets F.gelu for open_clip's default


def mlp(x, sd, p):  # c_fc -> QuickGELU -> c_proj
    h = F.linear(x, sd[p + "mlp.c_fc.weight"], sd[p + "mlp.c_fc.bias"])
    h = ACTIVATION(h)
    return F.linear(h, sd[p + "mlp.c_proj.weight"], sd[p + "mlp.c_proj.bias"])


def heads_split(t, heads):  # [L, N, W] -> [N*heads, L, dh], as the peers' custom_attn
    l, n, w = t.shape
    return t.contiguous().view(l, n * heads, w // heads).transpose(0, 1)


def attention(x, sd, p, heads, mask=None):  # nn.MultiheadAttention in OpenAI's block; x: [L, N, W]
    q, k, v = F.linear(x, sd[p + "attn.in_proj_weight"], sd[p + "attn.in_proj_bias"]).chunk(3, dim=-1)
    l, n, w = x.shape
    q, k, v = heads_split(q, heads), heads_split(k, heads), heads_split(v, heads)
    a = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(w // heads)
    if mask is not None:
        a = a + mask
    o = torch.bmm(a.softmax(-1), v).transpose(0, 1).contiguous().view(l, n, w)
    return F.linear(o, sd[p + "attn.out_proj.weight"], sd[p + "attn.out_proj.bias"])


def block(x, sd, p, heads, mask=None):
    x = x + attention(ln(x, sd, p + "ln_1"), sd, p, heads, mask)
    return x + mlp(ln(x, sd, p + "ln_2"), sd, p)


def tokens(img, sd, heads, layers):
    """OpenAI's VisionTransformer up to the last block; [L, N, W]. Positions resized as MaskCLIP does."""
    w = sd["visual.conv1.weight"]
    patch = w.shape[-1]
    x = F.conv2d(img, w, stride=patch)
    n, width, gh, gw = x.shape
    x = x.reshape(n, width, gh * gw).permute(0, 2, 1)
    cls = sd["visual.class_embedding"].view(1, 1, width).expand(n, 1, width)
    x = torch.cat([cls, x], 1)
    pos = sd["visual.positional_embedding"]
    g = int(round(math.sqrt(pos.shape[0] - 1)))
    if (gh, gw) != (g, g):
        grid = pos[1:].reshape(1, g, g, width).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(gh, gw), mode="bicubic", align_corners=False)
        pos = torch.cat([pos[:1], grid.flatten(2).transpose(1, 2)[0]], 0)
    x = ln(x + pos, sd, "visual.ln_pre").permute(1, 0, 2)
    for i in range(layers - 1):
        x = block(x, sd, f"visual.transformer.resblocks.{i}.", heads)
    return x, gh, gw


def custom_attn(x, sd, p, heads, strategy, omega=None):
    """The peers' custom_attn: q, k, v from in_proj; attention weights by strategy; out_proj."""
    l, n, w = x.shape
    scale = (w // heads) ** -0.5
    q, k, v = F.linear(x, sd[p + "attn.in_proj_weight"], sd[p + "attn.in_proj_bias"]).chunk(3, dim=-1)
    q, k, v = heads_split(q, heads), heads_split(k, heads), heads_split(v, heads)
    if strategy == "qq":  # ClearCLIP
        a = F.softmax(torch.bmm(q, q.transpose(1, 2)) * scale, dim=-1)
    elif strategy == "csa":  # SCLIP
        a = F.softmax(torch.bmm(q, q.transpose(1, 2)) * scale, -1) + F.softmax(torch.bmm(k, k.transpose(1, 2)) * scale, -1)
    elif strategy == "naclip":
        a = F.softmax(torch.bmm(k, k.transpose(1, 2)) * scale + omega, dim=-1)
    o = torch.bmm(a, v).transpose(0, 1).contiguous().view(l, n, w)
    return F.linear(o, sd[p + "attn.out_proj.weight"], sd[p + "attn.out_proj.bias"])


def gaussian_window(d1, d2, std):  # NACLIP: exp(-|d|^2 / (2 std^2)) on a (2h-1) x (2w-1) window
    c = 1 / (std * math.sqrt(2))
    ks = [torch.linspace(-(d - 1) / 2.0 * c, ((d - 1) / 2.0) * c, d) for d in (d1, d2)]
    return torch.exp(-(torch.stack(torch.meshgrid(*ks, indexing="ij")) ** 2).sum(0))


def attention_addition(d1, d2, window):  # NACLIP: window centred on each patch, zero row/column for [CLS]
    m = torch.einsum("ij,kl->ijkl", torch.eye(d1), torch.eye(d2)).permute(0, 3, 1, 2).contiguous()
    out = F.conv2d(m.view(-1, d1, d2).unsqueeze(1), window.unsqueeze(0).unsqueeze(1), padding="same").squeeze(1)
    out = out.view(d1 * d2, d1 * d2)
    out = torch.vstack([torch.zeros((1, d1 * d2)), out])
    return torch.hstack([torch.zeros((d1 * d2 + 1, 1)), out])


def dense(img, sd, mode, heads, layers):
    """[N, gh, gw, E] dense features and MaskCLIP's keys [N, gh*gw, W] (after out_proj)."""
    x, gh, gw = tokens(img, sd, heads, layers)
    p = f"visual.transformer.resblocks.{layers - 1}."
    y = ln(x, sd, p + "ln_1")
    # MaskCLIP's backbone (return_qkv): q, k, v each through out_proj; v + x, then the FFN.
    qkv = F.linear(y, sd[p + "attn.in_proj_weight"], sd[p + "attn.in_proj_bias"])
    l, n, w3 = qkv.shape
    qkv = qkv.view(l, n, 3, w3 // 3).permute(2, 1, 0, 3).reshape(3 * n, l, w3 // 3)  # batch-first, as mmseg
    qkv = F.linear(qkv, sd[p + "attn.out_proj.weight"], sd[p + "attn.out_proj.bias"])
    _, k, v = qkv.tensor_split(3, dim=0)
    keys = k[:, 1:]
    if mode == "maskclip":
        v = v + x.permute(1, 0, 2)
        out = v + mlp(ln(v, sd, p + "ln_2"), sd, p)
    elif mode == "value":
        out = v
    elif mode == "clearclip":
        out = custom_attn(y, sd, p, heads, "qq").permute(1, 0, 2)
    elif mode == "sclip":
        h = x + custom_attn(y, sd, p, heads, "csa")
        out = (h + mlp(ln(h, sd, p + "ln_2"), sd, p)).permute(1, 0, 2)
    elif mode == "naclip":
        omega = attention_addition(gh, gw, gaussian_window(2 * gh - 1, 2 * gw - 1, 5.0)).unsqueeze(0)
        out = custom_attn(y, sd, p, heads, "naclip", omega).permute(1, 0, 2)
    f = ln(out, sd, "visual.ln_post") @ sd["visual.proj"]
    return f[:, 1:].reshape(img.shape[0], gh, gw, -1), keys


def encode_text(ids, sd, heads, layers):
    x = sd["token_embedding.weight"][ids] + sd["positional_embedding"]
    n = ids.shape[1]
    mask = torch.full((n, n), float("-inf")).triu_(1)
    x = x.permute(1, 0, 2)
    for i in range(layers):
        x = block(x, sd, f"transformer.resblocks.{i}.", heads, mask)
    x = ln(x.permute(1, 0, 2), sd, "ln_final")
    return x[torch.arange(x.shape[0]), ids.argmax(-1)] @ sd["text_projection"]


def cls_seg(feat, text):  # MaskCLIP's head: normalise features over channels, 1x1 conv with text embeddings
    feat = feat.permute(0, 3, 1, 2)
    feat = feat / feat.norm(dim=1, keepdim=True)
    return F.conv2d(feat, text[:, :, None, None])


def refine_output(output, k, pd_thresh, ks_thresh):  # MaskCLIP maskclip_head.py, step for step
    output = output.clone()
    if pd_thresh > 0:
        n, c, h, w = output.shape
        conf = F.softmax(output * 100, dim=1).view(n, c, -1).max(dim=-1)[0]
        output[(conf < pd_thresh)[:, :, None, None].expand(n, c, h, w)] = -100
    if k is not None and ks_thresh > 0:
        output = F.softmax(output * 100, dim=1)
        n, c, h, w = output.shape
        output = output.view(n, c, -1).transpose(-2, -1)
        k = F.normalize(k, p=2)  # dim=1 of [N, HW, C]: over positions
        weight = k @ k.transpose(-2, -1)
        sel = (output.max(dim=-1, keepdim=True)[0] < ks_thresh).expand(-1, -1, c)
        weighted = weight @ output
        output[sel] = weighted[sel]
        output = output.transpose(-2, -1).reshape(n, c, h, w)
    return output


def local_shift(x, dilations, kernel):
    """[B, K, H, W] -> [B, K, P*len(dilations), H, W]: the 3x3 kernel taps at each dilation, replicate padding."""
    b, k, h, w = x.shape
    x = x.reshape(b * k, 1, h, w)
    outs = [F.conv2d(F.pad(x, [d] * 4, mode="replicate"), kernel, dilation=d) for d in dilations]
    return torch.cat(outs, 1).view(b, k, -1, h, w)


def pamr(img, mask, iters, dilations):  # PAMR.forward of pamr.py
    mask = F.interpolate(mask, size=img.shape[-2:], mode="bilinear", align_corners=True)
    neighbours = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (2, 2)]
    diff = torch.zeros(8, 1, 3, 3)
    copy = torch.zeros(8, 1, 3, 3)
    for i, (r, c) in enumerate(neighbours):
        diff[i, 0, 1, 1] = 1
        diff[i, 0, r, c] = -1
        copy[i, 0, r, c] = 1
    every = torch.zeros(9, 1, 3, 3)
    for i in range(9):
        every[i, 0, i // 3, i % 3] = 1
    std = local_shift(img, dilations, every).std(2, keepdim=True)
    aff = -local_shift(img, dilations, diff).abs() / (1e-8 + 0.1 * std)
    aff = F.softmax(aff.mean(1, keepdim=True), 2)
    for _ in range(iters):
        mask = (local_shift(mask, dilations, copy) * aff).sum(2)
    return mask


def arr(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/peers/vit-tiny.json"
    torch.set_grad_enabled(False)
    sd = load()
    exp = json.load(open(f"{FIX}/expected.json"))
    width = sd["visual.conv1.weight"].shape[0]
    vheads, vlayers = width // 64, len({k.split(".")[3] for k in sd if k.startswith("visual.transformer.resblocks")})
    tw = sd["ln_final.weight"].shape[0]
    theads, tlayers = max(1, tw // 64), len({k.split(".")[2] for k in sd if k.startswith("transformer.resblocks")})
    ids = torch.tensor(exp["text_ids"], dtype=torch.long)
    text = encode_text(ids, sd, theads, tlayers)
    text = text / text.norm(dim=-1, keepdim=True)
    img = torch.tensor(exp["image_dense_input"]["data"]).view(*exp["image_dense_input"]["shape"])
    res = {"source": "src/bench/make_peer_fixtures.py", "class_names": exp["class_names"],
           "template": "a photo of a {}.", "text_features": arr(text), "image": arr(img)}
    for mode in ["maskclip", "value", "clearclip", "sclip", "naclip"]:
        f, keys = dense(img, sd, mode, vheads, vlayers)
        res[f"dense_{mode}"] = arr(f)
    f, keys = dense(img, sd, "maskclip", vheads, vlayers)
    res["maskclip_keys"] = arr(keys)
    logits = cls_seg(f, text)
    res["maskclip_scores"] = arr(logits)
    conf = F.softmax(logits * 100, 1).flatten(2).max(-1)[0][0]
    # a denoising threshold between the classes' confidences, so that some classes are dropped and some kept
    pd = float(conf.sort()[0][len(conf) // 2 - 1:len(conf) // 2 + 1].mean())
    ks = 0.9
    res.update(pd_thresh=pd, ks_thresh=ks, refined_pd=arr(refine_output(logits, None, pd, 0)),
               refined_ks=arr(refine_output(logits, keys, 0, ks)), refined_pd_ks=arr(refine_output(logits, keys, pd, ks)))
    # PAMR on NACLIP's upsampled scores
    fn, _ = dense(img, sd, "naclip", vheads, vlayers)
    up = F.interpolate(cls_seg(fn, text), size=img.shape[-2:], mode="bilinear", align_corners=False)
    res["pamr_iterations"], res["pamr_dilations"] = 10, [8, 16]
    res["pamr_scores"], res["pamr_refined"] = arr(up), arr(pamr(img, up, 10, [8, 16]))
    # NACLIP end to end on a 64 px RGB image (one window at the native grid)
    g = torch.Generator().manual_seed(5)
    rgb = torch.randint(0, 256, (1, 3, 64, 64), generator=g).float()
    rgb[:, :, 16:48, 8:40] = torch.tensor([200.0, 40.0, 60.0]).view(1, 3, 1, 1)  # a flat block PAMR can follow
    x = (rgb / 255 - MEAN) / STD
    fe, _ = dense(x, sd, "naclip", vheads, vlayers)
    up = F.interpolate(cls_seg(fe, text), size=(64, 64), mode="bilinear", align_corners=False)
    res["e2e_rgb"] = arr(rgb)
    res["e2e_logit_scale"] = 40
    res["e2e_probabilities"] = arr(F.softmax(pamr(x, up, 10, [8, 16]) * 40, dim=1))
    res["e2e_probabilities_no_pamr"] = arr(F.softmax(up * 40, dim=1))
    json.dump(res, open(out_path, "w"))
    print("wrote", out_path, "pd", pd, "ks", ks)


if __name__ == "__main__":
    main()
