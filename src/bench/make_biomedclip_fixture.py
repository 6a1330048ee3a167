#!/usr/bin/env python3
"""A tiny random BiomedCLIP-type model in open_clip's checkpoint layout, and what it computes, for
src/test/resources/fixtures/biomedclip-tiny/ (BiomedClipModelTest and the command-line tests on it).

Not part of the build: run with any PyTorch (Debian's python3-torch works), from the repository root:
    python3 src/bench/make_biomedclip_fixture.py [OUT_DIR]

The layout is BiomedCLIP's model folder (microsoft/BiomedCLIP-PubMedBERT_256-vit_base_patch16_224):
  open_clip_pytorch_model.bin  torch.save of the state dict (open_clip's CustomTextCLIP: visual.trunk.*, visual.head.*,
                               text.transformer.* with its position_ids buffer, text.proj.*, logit_scale)
  open_clip_config.json        model_cfg with vision_cfg (timm_model_name, timm_pool '', timm_proj 'linear') and
                               text_cfg (hf_model_name, hf_proj_type 'mlp', hf_pooler_type, context_length)
  vocab.txt                    the WordPiece vocabulary (a tiny one here: lower-case words of the tests)
The towers are the ones src/bench/make_timm_fixture.py and src/bench/make_bert_fixture.py write from timm's
vision_transformer.py, open_clip's timm_model.py and hf_model.py and Hugging Face's modeling_bert.py; this script sets
their sizes (64-wide heads, as BiomedCLIP's) and combines them. Learned prompts on the BERT tower (CoOp) follow
docs/formulas.md, "Learned prompts on BERT": the sentence [CLS] ctx_1..ctx_M tokens(name) "." [SEP], the context
vectors given to BertModel as inputs_embeds rows 1..M, the feature at [CLS].
Token ids are written by a greedy WordPiece over the tiny vocabulary for plain lower-case ASCII sentences (what
WordPieceTokenizer, tested against Hugging Face's tokenizers, does for them).
"""
import json, math, os, sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
import make_bert_fixture as bert  # noqa: E402
import make_timm_fixture as timm  # noqa: E402

WIDTH, HEADS, LAYERS, EMBED, CONTEXT, M = 128, 2, 2, 32, 40, 3
WORDS = ["a", "an", "the", "of", "photo", "image", "showing", "histology", "tissue", "cell", "nucleus", "stroma",
         "red", "green", "blue", "yellow", "striped", "dotted", "purple", "white", "background", "dot", "stripe",
         "##s", "##ed", "##y", "##ish", ".", ",", "{", "}"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
TEXTS = ["a photo of red.", "histology image showing tissue , cells and nuclei.", "blue", "a yellowish stripes"]
NAMES = ["red", "green", "blue", "dotted tissue"]


def wordpiece(text):  # BasicTokenizer (lower case, punctuation split) + WordpieceTokenizer for ASCII
    ids = []
    for word in text.lower().replace(".", " . ").replace(",", " , ").split():
        start, pieces = 0, []
        while start < len(word):
            end = len(word)
            while end > start and (("##" if start else "") + word[start:end]) not in VOCAB:
                end -= 1
            if end == start:
                pieces = [VOCAB.index("[UNK]")]
                break
            pieces.append(VOCAB.index(("##" if start else "") + word[start:end]))
            start = end
        ids += pieces
    return ids


def sentence(pieces):
    return [2] + pieces[: CONTEXT - 2] + [3] + [0] * (CONTEXT - 2 - len(pieces[: CONTEXT - 2]))


def prompts(ctx, t):  # [P, M, W] context vectors -> [P * C, E] prompt-major
    rows, words = [], []
    table = t[bert.PREFIX + "embeddings.word_embeddings.weight"]
    for p in range(ctx.shape[0]):
        for name in NAMES:
            # [CLS], M placeholders (any id but [PAD]; their word vectors are replaced), the name, ".", [SEP]
            ids = torch.tensor(sentence([2] * M + wordpiece(name) + [VOCAB.index(".")])).unsqueeze(0)
            w = table[ids].clone()
            w[0, 1:1 + M] = ctx[p]
            rows.append(ids)
            words.append(w)
    return bert.encode_text(torch.cat(rows), t, torch.cat(words))[0]


def configure():
    timm.D, timm.HEADS, timm.LAYERS, timm.EMBED = WIDTH, HEADS, LAYERS, EMBED
    bert.D, bert.HEADS, bert.LAYERS, bert.INTER, bert.VOCAB, bert.POS, bert.EMBED = (WIDTH, HEADS, LAYERS, 2 * WIDTH,
                                                                                 len(VOCAB), 64, EMBED)


def arr(x):
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/biomedclip-tiny"
    os.makedirs(out, exist_ok=True)
    configure()
    torch.manual_seed(20261209)
    t = {**timm.tensors(), **bert.tensors()}
    t["logit_scale"] = torch.tensor(math.log(1 / 0.07))
    images, ctx = torch.randn(2, 3, 32, 32), torch.randn(2, M, WIDTH) * 0.5
    ids = torch.tensor([sentence(wordpiece(s)) for s in TEXTS])
    with torch.no_grad():
        # the field names verify-reference reads (clip/ReferenceCheck; the dense input is image_native)
        res = {"texts": TEXTS, "text_ids": ids.tolist(), "prompt_class_names": NAMES, "image_native": arr(images),
               "prompt_context": arr(ctx), "image_features": arr(timm.encode_image(images, t)),
               "text_features": arr(bert.encode_text(ids, t)[0]),
               "maskclip_dense_features": arr(timm.dense(images, t, "maskclip")[0]),
               "prompt_text_features": arr(prompts(ctx, t))}
    state = dict(t)
    state[bert.PREFIX + "embeddings.position_ids"] = torch.arange(64).unsqueeze(0)  # a buffer BertEmbeddings keeps
    torch.save(state, os.path.join(out, "open_clip_pytorch_model.bin"))
    config = {"model_cfg": {"embed_dim": EMBED,
                            "vision_cfg": {"timm_model_name": "vit_tiny_random", "timm_model_pretrained": False,
                                           "timm_pool": "", "timm_proj": "linear", "image_size": 32},
                            "text_cfg": {"hf_model_name": "tiny-random-bert", "hf_tokenizer_name": "tiny-random-bert",
                                         "hf_proj_type": "mlp", "hf_pooler_type": "cls_last_hidden_state_pooler",
                                         "context_length": CONTEXT}},
              "preprocess_cfg": {"mean": [0.48145466, 0.4578275, 0.40821073],
                                 "std": [0.26862954, 0.26130258, 0.27577711]}}
    with open(os.path.join(out, "open_clip_config.json"), "w") as f:
        json.dump(config, f, indent=4)
    with open(os.path.join(out, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(res, f)
    print("wrote", out)


if __name__ == "__main__":
    main()
