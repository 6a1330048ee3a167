#!/usr/bin/env python3
"""The tiny random CLIP of fixtures/clip-vit-tiny in the two other layouts pathology CLIPs are published in, for
src/test/resources/fixtures/plip-tiny/ and quiltnet-tiny/ (OtherLayoutsTest).

Not part of the build: run with any PyTorch (Debian's python3-torch works), from the repository root:
    python3 src/bench/make_hf_openclip_fixtures.py

  - plip-tiny: Hugging Face's CLIPModel layout, as PLIP (vinid/plip) publishes it: pytorch_model.bin (a torch.save
    state dict) and config.json. Names follow transformers' models/clip/modeling_clip.py (Apache-2.0), read not
    copied: text_model.embeddings.{token,position}_embedding, {text,vision}_model.encoder.layers.N.self_attn.
    {q,k,v,out}_proj (q, k, v: the rows of OpenAI's in_proj), layer_norm1/2, mlp.fc1/fc2, text_model.final_layer_norm,
    vision_model.embeddings.{class_embedding, patch_embedding (no bias), position_embedding}, vision_model.pre_layrnorm
    [sic] and post_layernorm, visual_projection and text_projection (Linear without bias: OpenAI's matrices
    transposed), logit_scale; the position_ids buffers. hidden_act quick_gelu, as CLIPConfig's default and PLIP's.
    CLIPModel computes OpenAI's function (pooling at the argmax id for configs with eos_token_id 2), so the reference
    outputs are clip-vit-tiny's own (expected.json there, from OpenAI's code): nothing new is written for them.
  - quiltnet-tiny: open_clip's layout, as QuiltNet (wisdomik/QuiltNet-B-32) publishes it:
    open_clip_pytorch_model.bin with OpenAI's names and open_clip_config.json. Its model_cfg has no quick_gelu, so
    open_clip builds nn.GELU (open_clip/src/open_clip/model.py, CLIP: act_layer = QuickGELU if quick_gelu else
    nn.GELU; transformer.py's ResidualAttentionBlock, VisionTransformer and TextTransformer otherwise compute OpenAI's
    function). Its expected.json holds image and text features computed with the exact GELU by
    make_peer_fixtures.py's blocks with their activation set to F.gelu, for clip-vit-tiny's inputs.
"""
import json, os, sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import make_peer_fixtures as peer  # noqa: E402

FIX = "src/test/resources/fixtures"
HF_LAYER = {"ln_1": "layer_norm1", "ln_2": "layer_norm2", "mlp.c_fc": "mlp.fc1", "mlp.c_proj": "mlp.fc2",
            "attn.out_proj": "self_attn.out_proj"}
HF_TOP = {"token_embedding.weight": "text_model.embeddings.token_embedding.weight",
          "positional_embedding": "text_model.embeddings.position_embedding.weight",
          "ln_final.weight": "text_model.final_layer_norm.weight", "ln_final.bias": "text_model.final_layer_norm.bias",
          "visual.class_embedding": "vision_model.embeddings.class_embedding",
          "visual.conv1.weight": "vision_model.embeddings.patch_embedding.weight",
          "visual.positional_embedding": "vision_model.embeddings.position_embedding.weight",
          "visual.ln_pre.weight": "vision_model.pre_layrnorm.weight", "visual.ln_pre.bias": "vision_model.pre_layrnorm.bias",
          "visual.ln_post.weight": "vision_model.post_layernorm.weight",
          "visual.ln_post.bias": "vision_model.post_layernorm.bias", "logit_scale": "logit_scale"}


def hugging_face(sd):
    out = {}
    for k, v in sd.items():
        if k in HF_TOP:
            out[HF_TOP[k]] = v
        elif k in ("text_projection", "visual.proj"):
            out["text_projection.weight" if k == "text_projection" else "visual_projection.weight"] = v.t().contiguous()
        elif ".resblocks." in k:
            tower = "vision_model" if k.startswith("visual.") else "text_model"
            n, rest = k.split(".resblocks.")[1].split(".", 1)
            base = f"{tower}.encoder.layers.{n}."
            if rest.startswith("attn.in_proj_"):
                kind = rest[len("attn.in_proj_"):]
                for name, part in zip(("q_proj", "k_proj", "v_proj"), v.chunk(3, dim=0)):
                    out[base + f"self_attn.{name}.{kind}"] = part.contiguous()
            else:
                for a, b in HF_LAYER.items():
                    if rest.startswith(a + "."):
                        rest = b + rest[len(a):]
                out[base + rest] = v
    out["text_model.embeddings.position_ids"] = torch.arange(sd["positional_embedding"].shape[0]).unsqueeze(0)
    out["vision_model.embeddings.position_ids"] = torch.arange(sd["visual.positional_embedding"].shape[0]).unsqueeze(0)
    return out


def sizes(sd):
    width = sd["visual.conv1.weight"].shape[0]
    vlayers = len({k.split(".")[3] for k in sd if k.startswith("visual.transformer.resblocks")})
    tw = sd["ln_final.weight"].shape[0]
    tlayers = len({k.split(".")[2] for k in sd if k.startswith("transformer.resblocks")})
    return width, max(1, width // 64), vlayers, tw, max(1, tw // 64), tlayers


def encode_image(img, sd, heads, layers):  # open_clip VisionTransformer: ... ln_post, 'tok' pooling, proj
    x, _, _ = peer.tokens(img, sd, heads, layers)
    x = peer.block(x, sd, f"visual.transformer.resblocks.{layers - 1}.", heads).permute(1, 0, 2)
    return peer.ln(x[:, 0], sd, "visual.ln_post") @ sd["visual.proj"]


def arr(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def main():
    torch.set_grad_enabled(False)
    sd = peer.load()  # fp32, for computing
    stored = dict(torch.jit.load(f"{FIX}/clip-vit-tiny/clip.pt", map_location="cpu").state_dict())  # its own dtypes
    width, vheads, vlayers, tw, theads, tlayers = sizes(sd)
    os.makedirs(f"{FIX}/plip-tiny", exist_ok=True)
    torch.save(hugging_face(stored), f"{FIX}/plip-tiny/pytorch_model.bin")
    embed = sd["text_projection"].shape[1]
    hf = {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": embed,
          "text_config": {"hidden_act": "quick_gelu", "hidden_size": tw, "num_attention_heads": theads,
                          "num_hidden_layers": tlayers, "max_position_embeddings": 77, "eos_token_id": 2},
          "vision_config": {"hidden_act": "quick_gelu", "hidden_size": width, "num_attention_heads": vheads,
                            "num_hidden_layers": vlayers, "patch_size": sd["visual.conv1.weight"].shape[-1],
                            "image_size": 64}}
    json.dump(hf, open(f"{FIX}/plip-tiny/config.json", "w"), indent=2)
    os.makedirs(f"{FIX}/quiltnet-tiny", exist_ok=True)
    torch.save(stored, f"{FIX}/quiltnet-tiny/open_clip_pytorch_model.bin")
    oc = {"model_cfg": {"embed_dim": embed, "vision_cfg": {"image_size": 64, "layers": vlayers, "width": width,
                                                           "patch_size": sd["visual.conv1.weight"].shape[-1]},
                        "text_cfg": {"context_length": 77, "vocab_size": sd["token_embedding.weight"].shape[0],
                                     "width": tw, "heads": theads, "layers": tlayers}},
          "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]}}
    json.dump(oc, open(f"{FIX}/quiltnet-tiny/open_clip_config.json", "w"), indent=2)
    exp = json.load(open(f"{FIX}/clip-vit-tiny/expected.json"))
    img = torch.tensor(exp["image_native"]["data"]).view(*exp["image_native"]["shape"])
    ids = torch.tensor(exp["text_ids"], dtype=torch.long)
    peer.ACTIVATION = F.gelu
    res = {"source": "src/bench/make_hf_openclip_fixtures.py", "activation": "exact GELU",
           "image_native": exp["image_native"], "text_ids": exp["text_ids"],  # its inputs, for verify-reference
           "image_features": arr(encode_image(img, sd, vheads, vlayers)),
           "text_features": arr(peer.encode_text(ids, sd, theads, tlayers)),
           # every dense mode under the exact GELU (make_peer_fixtures.py's last-block surgery), on the same image
           "dense": {m: arr(peer.dense(img, sd, m, vheads, vlayers)[0])
                     for m in ("maskclip", "value", "clearclip", "sclip", "naclip")}}
    json.dump(res, open(f"{FIX}/quiltnet-tiny/expected.json", "w"))
    print("wrote plip-tiny and quiltnet-tiny")


if __name__ == "__main__":
    main()
