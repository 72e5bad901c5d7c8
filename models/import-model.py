#!/usr/bin/env python3
"""Turns a Hugging Face cross-encoder checkpoint into a model directory the plugin serves, and proves the export right.

    models/import-model.py [options] CHECKPOINT DEST_MODEL_DIR

CHECKPOINT is a local directory (save_pretrained's files: config.json, the weights, the tokenizer's files) or a
name already in the local Hugging Face cache; nothing is downloaded (HF_HUB_OFFLINE). DEST_MODEL_DIR is the
model's directory in a node's models path (<models path>/<name>), which must not exist yet. It gets:

- model.onnx: the checkpoint's sequence-classification model exported with torch.onnx (opset 17), inputs
  input_ids, attention_mask and, where the tokenizer makes them, token_type_ids (int64 [batch, sequence], both axes
  dynamic), output logits (float [batch, labels]): what CrossEncoderModel feeds and reads; with the exact levers
  applied (below).
- tokenizer.json: the checkpoint's fast tokenizer, its pair template ([CLS] q [SEP] p [SEP] or <s> q </s></s> p </s>)
  included, truncation off (the node truncates) and padding set to the tokenizer's pad token (the node pads with it).
- cross-encoder.json: max_length (the tokenizer's limit capped by the model's position table), truncation, output
  (logit for one label, two_class for two), for two labels relevant_label (which logit means "relevant"), and
  exact_levers: the exact rewrites model.onnx has, if any (informational).
- golden.json: probe pairs (short ones, a passage cut at max_length, a long query with a long passage) with the
  token ids the checkpoint's tokenizer gives them and the logits the PyTorch checkpoint gives. A node that loads the
  directory encodes them with its own tokenizer, runs them, and refuses the model unless it reproduces them.

Before anything is written, the export runs in ONNX Runtime on those pairs, batched and padded, and the import is
refused (exit 1, every difference printed) when any logit differs from PyTorch's by more than 1e-4. Families:
BERT (MiniLM included), XLM-RoBERTa and ELECTRA; one or two labels. Needs torch, transformers, onnx and
onnxruntime (scripts/test.sh installs them into target/import-venv).

Then the exact levers (models/exact_levers.py: today the last layer at [CLS] only, 10-13% more pairs/s) rewrite the
verified export, each kept only if ONNX Runtime gives the unmodified graph's logits, and PyTorch's, within 1e-4 on the
probe pairs, in one padded batch and one at a time. A lever that does not fit the graph or does not reproduce is
left out, with the reason printed; it never fails the import. --no-exact-levers keeps the export as it is.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import warnings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402

transformers.utils.logging.disable_progress_bar()

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exact_levers  # noqa: E402

TOLERANCE = 1e-4
OPSET = 17
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# model_type -> how many positions of the position table a token may not use (RoBERTa's count from pad_token_id + 1).
FAMILIES = {"bert": False, "electra": False, "xlm-roberta": True}
SHORT_PAIRS = [
    ("How many people live in Berlin?", "Berlin has a population of 3,520,031 registered inhabitants."),
    ("How many people live in Berlin?", "New York City is famous for the Metropolitan Museum of Art."),
    ("what is the capital of france", "Paris is the capital and most populous city of France."),
    ("Wie viele Menschen leben in Berlin?", "Berlin hat 3,5 Millionen Einwohner; café, naïve, 東京."),
]
LONG_SENTENCE = "The museum island in the city centre holds five museums of art, history and science. "


class InputError(Exception):
    """A problem with what the user gave: reported in one line, exit code 2."""


def parse_arguments(argv):
    arguments = argparse.ArgumentParser(description="export and verify a Hugging Face cross-encoder")
    arguments.add_argument("checkpoint", help="a local checkpoint directory or a name in the local Hugging Face cache")
    arguments.add_argument("dest", help="the new model directory, <models path>/<name>")
    arguments.add_argument("--max-length", type=int, help="longest pair in tokens (default: what the checkpoint allows)")
    arguments.add_argument("--truncation", choices=["longest_first", "only_second"], default="longest_first")
    arguments.add_argument("--relevant-label", type=int, choices=[0, 1], default=1,
                           help="for a two-label head, the label that means relevant (default 1)")
    arguments.add_argument("--no-exact-levers", action="store_true",
                           help="keep the export as it is, without the exact rewrites of models/exact_levers.py")
    return arguments.parse_args(argv)


def load_checkpoint(checkpoint):
    """The checkpoint's config, model (eval mode, eager attention) and fast tokenizer, read from local files only."""
    try:
        config = transformers.AutoConfig.from_pretrained(checkpoint, local_files_only=True)
        if config.model_type not in FAMILIES:
            raise InputError(f"{checkpoint}: model_type {config.model_type!r} is not one of {', '.join(FAMILIES)}")
        if config.num_labels not in (1, 2):
            raise InputError(f"{checkpoint}: {config.num_labels} labels; a cross-encoder has one (a logit) or two")
        tokenizer = transformers.AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            checkpoint, local_files_only=True, attn_implementation="eager")
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read checkpoint {checkpoint} from local files: {e}".replace("\n", " ")) from None
    if getattr(tokenizer, "backend_tokenizer", None) is None:
        raise InputError(f"{checkpoint}: no fast (tokenizer.json) tokenizer; the node needs one")
    model.eval()
    return config, model, tokenizer


def max_length_of(config, tokenizer, requested):
    """The longest pair the model takes: the tokenizer's limit, capped by the positions the model has."""
    positions = config.max_position_embeddings
    if FAMILIES[config.model_type]:
        positions -= config.pad_token_id + 1
    limit = tokenizer.model_max_length if tokenizer.model_max_length < 100_000 else 512
    if requested is None:
        return min(limit, positions)
    if not 8 <= requested <= positions:
        raise InputError(f"--max-length {requested}: the model takes 8 to {positions} tokens")
    return requested


def input_names(tokenizer):
    """The inputs the model is exported with: the tokenizer's, in the plugin's order."""
    return [name for name in MODEL_INPUTS if name in tokenizer.model_input_names]


def probe_pairs(tokenizer, max_length):
    """Short pairs, a passage longer than max_length, and a query and passage each longer than half of it."""
    def repeated(tokens):
        text = LONG_SENTENCE
        while len(tokenizer.backend_tokenizer.encode(text, add_special_tokens=False).ids) < tokens:
            text += LONG_SENTENCE
        return text.strip()
    long_passage = repeated(max_length + 16)
    long_query = repeated(max_length // 2 + 8).replace("museum", "gallery")
    return SHORT_PAIRS + [("Where are the museums?", long_passage), (long_query, long_passage)]


def encode(tokenizer, pairs, max_length, truncation):
    return tokenizer([q for q, _ in pairs], [p for _, p in pairs], truncation=truncation, max_length=max_length,
                     padding=True, return_tensors="np")


def torch_logits(model, encoded, names):
    with torch.no_grad():
        return model(**{name: torch.from_numpy(encoded[name].astype(np.int64)) for name in names}).logits.numpy()


def onnx_logits(path, batches, names):
    """The graph's logits for each encoded batch."""
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    return [session.run(["logits"], {name: encoded[name].astype(np.int64) for name in names})[0] for encoded in batches]


def export(model, encoded, names, path):
    """Exports the model itself (no wrapper, so node names stay as models/exact_levers.py knows them); the three
    families' forward() takes input_ids, attention_mask, token_type_ids in that order."""
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    axes["logits"] = {0: "batch"}
    sample = tuple(torch.from_numpy(encoded[name][:2].astype(np.int64)) for name in names)
    model.config.return_dict = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python-side checks of shapes
        torch.onnx.export(model, sample, path, input_names=names, output_names=["logits"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


def differences(expected, actual, pairs):
    """One line per pair whose logits differ by more than the tolerance."""
    lines = []
    for i, (pair, want, got) in enumerate(zip(pairs, expected, actual)):
        difference = float(np.max(np.abs(want - got)))
        if not difference <= TOLERANCE:
            lines.append(f"  pair {i} ({pair[0][:40]!r}, {pair[1][:40]!r}): PyTorch {want.tolist()}, "
                         f"ONNX Runtime {got.tolist()}, difference {difference:.3g}")
    return lines


def largest_difference(expected, actual):
    return max(float(np.max(np.abs(want - got))) for want, got in zip(expected, actual))


def apply_exact_levers(path, work, batches, unmodified, expected, names):
    """Rewrites the verified export at path with each exact lever that fits it and reproduces, in ONNX Runtime on every
    probe batch, the unmodified graph's logits and PyTorch's (on the first batch, the golden one) within TOLERANCE.
    Returns the levers applied, the logits of the graph now at path, and one line per lever saying what it did."""
    applied, lines, current, logits = [], [], path, unmodified
    for name, lever in exact_levers.LEVERS.items():
        try:
            model = onnx.load(current)
            done = lever(model)
            rewritten = os.path.join(work, name + ".onnx")
            onnx.save(model, rewritten)
            actual = onnx_logits(rewritten, batches, names)
        except exact_levers.Unsupported as e:
            lines.append(f"exact lever {name}: not applied, {e}")
            continue
        except Exception as e:  # noqa: BLE001 -- a lever is an option: whatever breaks it, the export stays as it is
            reason = f"{type(e).__name__}: {(str(e).splitlines() or [''])[0]}"
            lines.append(f"exact lever {name}: not applied, the rewrite failed: {reason}")
            continue
        from_unmodified = largest_difference(unmodified, actual)
        from_torch = largest_difference([expected], actual[:1])
        if not (from_unmodified <= TOLERANCE and from_torch <= TOLERANCE):
            lines.append(f"exact lever {name}: not applied, its logits differ from the unmodified graph's by "
                         f"{from_unmodified:.3g} and from PyTorch's by {from_torch:.3g} on the probe pairs, more than "
                         f"{TOLERANCE}")
            continue
        applied.append(name)
        current, logits = rewritten, actual
        lines.append(f"exact lever {name}: applied, {done}; logits within {from_unmodified:.2g} of the unmodified "
                     f"graph's on {len(batches)} probe batches")
    if current != path:
        os.replace(current, path)
    return applied, logits, lines


def write_tokenizer(tokenizer, path):
    backend = tokenizer.backend_tokenizer
    backend.no_truncation()
    backend.enable_padding(pad_id=tokenizer.pad_token_id, pad_token=tokenizer.pad_token)
    backend.save(path)


def golden(options, config, pairs, encoded, logits, max_length):
    rows = []
    for i, (query, passage) in enumerate(pairs):
        length = int(encoded["attention_mask"][i].sum())
        rows.append({"query": query, "passage": passage, "input_ids": encoded["input_ids"][i][:length].tolist(),
                     "logits": [round(float(x), 7) for x in logits[i]]})
    return {"source": options.checkpoint, "family": config.model_type, "max_length": max_length,
            "truncation": options.truncation, "tolerance": TOLERANCE,
            "made_with": f"torch {torch.__version__}, transformers {transformers.__version__}, "
                         f"onnxruntime {onnxruntime.__version__}",
            "pairs": rows}


def import_model(options):
    dest = os.path.abspath(options.dest)
    if os.path.exists(dest):
        raise InputError(f"{dest} exists: give a new model directory")
    config, model, tokenizer = load_checkpoint(options.checkpoint)
    max_length = max_length_of(config, tokenizer, options.max_length)
    names = input_names(tokenizer)
    pairs = probe_pairs(tokenizer, max_length)
    encoded = encode(tokenizer, pairs, max_length, options.truncation)
    expected = torch_logits(model, encoded, names)
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix="." + os.path.basename(dest) + ".") as work:
        staged = os.path.join(work, "model")
        os.makedirs(staged)
        path = os.path.join(staged, "model.onnx")
        export(model, encoded, names, path)
        # The golden batch (every pair, padded to the longest) and each pair alone (no padding).
        batches = [encoded] + [encode(tokenizer, [pair], max_length, options.truncation) for pair in pairs]
        unmodified = onnx_logits(path, batches, names)
        actual = unmodified[0]
        wrong = differences(expected, actual, pairs)
        if wrong:
            print(f"import-model: the export does not reproduce {options.checkpoint} within {TOLERANCE}:",
                  *wrong, sep="\n", file=sys.stderr)
            return 1
        levers, lines = [], ["exact levers off (--no-exact-levers): the export is kept as it is"]
        if not options.no_exact_levers:
            levers, logits, lines = apply_exact_levers(path, work, batches, unmodified, expected, names)
            actual = logits[0]
        write_tokenizer(tokenizer, os.path.join(staged, "tokenizer.json"))
        settings = {"max_length": max_length, "truncation": options.truncation,
                    "output": "logit" if config.num_labels == 1 else "two_class"}
        if config.num_labels == 2:
            settings["relevant_label"] = options.relevant_label
        if levers:  # absent when none: such a directory loads on nodes that predate the key too
            settings["exact_levers"] = levers
        for name, content in (("cross-encoder.json", settings),
                              ("golden.json", golden(options, config, pairs, encoded, expected, max_length))):
            with open(os.path.join(staged, name), "w", encoding="utf-8") as file:
                json.dump(content, file, indent=1, ensure_ascii=False)
                file.write("\n")
        os.rename(staged, dest)
    worst = float(np.max(np.abs(expected - actual)))
    for line in lines:
        print(f"import-model: {line}")
    print(f"import-model: {dest}: {config.model_type}, {config.num_labels} label(s), inputs {', '.join(names)}, "
          f"max_length {max_length}, exact levers: {', '.join(levers) or 'none'}; "
          f"{len(pairs)} probe pairs reproduce in ONNX Runtime (largest difference {worst:.2g})")
    return 0


def main(argv):
    try:
        return import_model(parse_arguments(argv))
    except InputError as e:
        print(f"import-model: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
