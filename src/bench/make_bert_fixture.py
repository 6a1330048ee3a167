#!/usr/bin/env python3
"""A tiny random BERT text tower in BiomedCLIP's open_clip layout, and what it computes, for
src/test/resources/fixtures/bert-tiny/ (BertTextTowerTest).

Not part of the build: run with any PyTorch (Debian's python3-torch works), from the repository root:
    python3 src/bench/make_bert_fixture.py [OUT_DIR]

The computation is written here in PyTorch from the reference code (read, not copied; each function names the file it
follows), because neither transformers nor open_clip can be installed on the build machines:
  - Hugging Face transformers, models/bert/modeling_bert.py (Apache-2.0): BertEmbeddings (word + absolute position +
    token type 0, LayerNorm eps 1e-12), BertSelfAttention (q, k, v linears, scores / sqrt(head_dim) plus the extended
    attention mask (1 - mask) * finfo.min, softmax), BertSelfOutput (LayerNorm(dense(ctx) + input)),
    BertIntermediate (exact GELU), BertOutput (LayerNorm(dense(h) + attention output)); post-LN layers.
  - open_clip, src/open_clip/hf_model.py (MIT): HFTextEncoder.forward with attention mask = ids != pad_token_id (0),
    ClsLastHiddenStatePooler (the [CLS] row of the last hidden state, BertModel's own pooler unused) and the 'mlp'
    projection: Linear(d, (d + e) // 2, bias=False), GELU, Linear(., e, bias=False).
BiomedCLIP's open_clip_config.json asks for hf_pooler_type 'cls_last_hidden_state_pooler', hf_proj_type 'mlp',
context_length 256 (the tiny fixture uses 16).
"""
import json, math, os, struct, sys

import torch

torch.manual_seed(20261207)
D, HEADS, LAYERS, INTER, VOCAB, POS, EMBED, CONTEXT = 32, 4, 2, 64, 200, 64, 24, 16
PREFIX = "text.transformer."


def random_linear(t, name, out_f, in_f, bias=True):  # weights ~ 1/sqrt(fan-in), small non-zero biases
    t[name + ".weight"] = torch.randn(out_f, in_f) / math.sqrt(in_f)
    if bias:
        t[name + ".bias"] = torch.randn(out_f) * 0.1


def random_layer_norm(t, name, width):  # no identity norm: a perturbed scale and shift
    t[name + ".weight"] = 1 + 0.1 * torch.randn(width)
    t[name + ".bias"] = 0.1 * torch.randn(width)


def tensors():
    t = {}

    def lin(name, out_f, in_f, bias=True):
        random_linear(t, name, out_f, in_f, bias)

    def ln(name):
        random_layer_norm(t, name, D)

    t[PREFIX + "embeddings.word_embeddings.weight"] = torch.randn(VOCAB, D)
    t[PREFIX + "embeddings.position_embeddings.weight"] = torch.randn(POS, D) * 0.5
    t[PREFIX + "embeddings.token_type_embeddings.weight"] = torch.randn(2, D) * 0.5
    ln(PREFIX + "embeddings.LayerNorm")
    for i in range(LAYERS):
        p = PREFIX + f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            lin(p + "attention.self." + n, D, D)
        lin(p + "attention.output.dense", D, D)
        ln(p + "attention.output.LayerNorm")
        lin(p + "intermediate.dense", INTER, D)
        lin(p + "output.dense", D, INTER)
        ln(p + "output.LayerNorm")
    hidden = (D + EMBED) // 2
    lin("text.proj.0", hidden, D, bias=False)
    lin("text.proj.2", EMBED, hidden, bias=False)
    return t


def layer_norm(x, t, name):  # nn.LayerNorm(D, eps=config.layer_norm_eps = 1e-12)
    return torch.nn.functional.layer_norm(x, (D,), t[name + ".weight"], t[name + ".bias"], 1e-12)


def linear(x, t, name):
    return torch.nn.functional.linear(x, t[name + ".weight"], t.get(name + ".bias"))


def embeddings(ids, t, words=None):  # modeling_bert.py BertEmbeddings.forward; words: its inputs_embeds
    e = t[PREFIX + "embeddings.word_embeddings.weight"][ids] if words is None else words
    e = e + t[PREFIX + "embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)]
    e = e + t[PREFIX + "embeddings.position_embeddings.weight"][: ids.shape[1]].unsqueeze(0)
    return layer_norm(e, t, PREFIX + "embeddings.LayerNorm")


def self_attention(h, mask, t, p):  # BertSelfAttention.forward (absolute positions, no cache)
    b, l, _ = h.shape
    dh = D // HEADS

    def heads(x):
        return x.view(b, l, HEADS, dh).transpose(1, 2)

    q, k, v = (heads(linear(h, t, p + "attention.self." + n)) for n in ("query", "key", "value"))
    scores = q @ k.transpose(-1, -2) / math.sqrt(dh)
    scores = scores + (1.0 - mask[:, None, None, :].to(h.dtype)) * torch.finfo(h.dtype).min
    ctx = torch.softmax(scores, dim=-1) @ v
    return ctx.transpose(1, 2).reshape(b, l, D)


def layer(h, mask, t, i):  # BertLayer: attention (self + BertSelfOutput), BertIntermediate, BertOutput
    p = PREFIX + f"encoder.layer.{i}."
    a = layer_norm(linear(self_attention(h, mask, t, p), t, p + "attention.output.dense") + h, t,
                   p + "attention.output.LayerNorm")
    inter = torch.nn.functional.gelu(linear(a, t, p + "intermediate.dense"))  # hidden_act "gelu": exact
    return layer_norm(linear(inter, t, p + "output.dense") + a, t, p + "output.LayerNorm")


def encode_text(ids, t, words=None):  # open_clip hf_model.py HFTextEncoder.forward (words: BertModel's inputs_embeds)
    mask = (ids != 0).long()
    h = embeddings(ids, t, words)
    for i in range(LAYERS):
        h = layer(h, mask, t, i)
    pooled = h[:, 0, :]  # ClsLastHiddenStatePooler
    x = torch.nn.functional.gelu(linear(pooled, t, "text.proj.0"))
    return linear(x, t, "text.proj.2"), h


def save_safetensors(t, path):  # the safetensors layout: u64 header length, JSON header, raw little-endian data
    header, blobs, offset = {}, [], 0
    for name, x in t.items():
        raw = x.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(x.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/bert-tiny"
    os.makedirs(out, exist_ok=True)
    t = tensors()
    ids = torch.zeros(4, CONTEXT, dtype=torch.long)
    rows = [[101, 7, 42, 102], [101, 150, 3, 99, 12, 8, 102], [101, 102], [101] + list(range(110, 124)) + [102]]
    for r, row in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row)
    with torch.no_grad():
        features, hidden = encode_text(ids, t)
    save_safetensors(t, os.path.join(out, "text.safetensors"))
    expected = {
        "config": {"width": D, "heads": HEADS, "layers": LAYERS, "intermediate": INTER, "vocab": VOCAB,
                   "positions": POS, "embed": EMBED, "context": CONTEXT},
        "ids": ids.tolist(),
        "features": features.tolist(),
        "last_hidden_cls": hidden[:, 0, :].tolist(),
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)
    print("wrote", out, "features", tuple(features.shape))


if __name__ == "__main__":
    main()
