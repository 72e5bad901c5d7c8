#!/usr/bin/env python3
"""Checks of models/import-model.py on tiny random checkpoints built here (no download): BERT with token type ids,
XLM-RoBERTa with a SentencePiece-style Unigram tokenizer and no token type ids, ELECTRA; one and two labels; the exact
levers (applied by default with the unmodified export's logits, off with --no-exact-levers, left out with the reason
where they do not fit or do not reproduce); and refusals. Needs what import-model.py needs (scripts/test.sh installs
it).

    target/import-venv/bin/python models/test_import_model.py

With IMPORTED_MODELS_DIR set, the imported models are also written there, one directory each, for ImportedModelsIT
to load into a real node and compare its scores with their golden.json.
"""
import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import onnxruntime
import tokenizers
import torch
import transformers
from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "import-model.py")
spec = importlib.util.spec_from_file_location("import_model", SCRIPT)
import_model = importlib.util.module_from_spec(spec)
spec.loader.exec_module(import_model)
exact_levers = import_model.exact_levers
LEVERS = ["cls_last_layer"]

WORDS = ("the of in and a to is how many people live berlin new york city population museum museums island centre "
         "holds five art history science where are what capital france paris most populous registered inhabitants "
         "famous metropolitan wie viele menschen leben hat millionen einwohner gallery").split()
ALPHABET = list("abcdefghijklmnopqrstuvwxyz0123456789") + list(".,?!'-:;()") + ["é", "ï", "東", "京"]
# initializer_range: weights large enough that different tokens give clearly different logits.
TINY = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37, initializer_range=0.5)


def wordpiece_tokenizer(directory, family):
    """A lower-casing WordPiece tokenizer of a small vocabulary, as BERT and ELECTRA checkpoints have."""
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS + ALPHABET + ["##" + c for c in ALPHABET]
    vocab_file = os.path.join(directory, "vocab.txt")
    with open(vocab_file, "w", encoding="utf-8") as file:
        file.write("\n".join(vocabulary) + "\n")
    tokenizer_class = transformers.ElectraTokenizerFast if family == "electra" else transformers.BertTokenizerFast
    return tokenizer_class(vocab_file=vocab_file, model_max_length=128), len(vocabulary)


def unigram_tokenizer():
    """A SentencePiece-style Unigram tokenizer (metaspace, <s> q </s></s> p </s>), as XLM-RoBERTa checkpoints have."""
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    backend = tokenizers.Tokenizer(models.Unigram())
    backend.normalizer = normalizers.NFKC()
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    trainer = tokenizers.trainers.UnigramTrainer(vocab_size=150, special_tokens=specials, unk_token="<unk>")
    corpus = [" ".join(WORDS[i:i + 7]) for i in range(len(WORDS))] + [" ".join(ALPHABET)]
    backend.train_from_iterator(corpus, trainer)
    backend.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer = transformers.XLMRobertaTokenizerFast(
        tokenizer_object=backend, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<unk>", model_max_length=128)
    return tokenizer, backend.get_vocab_size()


def tiny_checkpoint(directory, family, labels):
    """A random checkpoint of the family, saved as save_pretrained saves it (weights, config, tokenizer files)."""
    os.makedirs(directory)
    torch.manual_seed(len(family) + labels)
    if family == "xlm-roberta":
        tokenizer, vocabulary = unigram_tokenizer()
        config = transformers.XLMRobertaConfig(vocab_size=vocabulary, max_position_embeddings=130, pad_token_id=1,
                                               bos_token_id=0, eos_token_id=2, type_vocab_size=1, **TINY)
        model_class = transformers.XLMRobertaForSequenceClassification
    else:
        tokenizer, vocabulary = wordpiece_tokenizer(directory, family)
        config_class, model_class = {
            "bert": (transformers.BertConfig, transformers.BertForSequenceClassification),
            "electra": (transformers.ElectraConfig, transformers.ElectraForSequenceClassification),
        }[family]
        extra = {"embedding_size": 24} if family == "electra" else {}
        config = config_class(vocab_size=vocabulary, max_position_embeddings=128, **TINY, **extra)
    config.num_labels = labels
    model_class(config).eval().save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


class ImportModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        cls.tmp = cls.directory.name
        cls.keep = os.environ.get("IMPORTED_MODELS_DIR")
        cls.imports = {}

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()

    def checkpoint(self, family, labels):
        """The family's tiny checkpoint with that many labels, built once."""
        checkpoint = os.path.join(self.tmp, "checkpoints", f"{family}-{labels}")
        return checkpoint if os.path.isdir(checkpoint) else tiny_checkpoint(checkpoint, family, labels)

    def three_labels(self):
        """A checkpoint of an NLI-style head (three labels), which is not a cross-encoder's."""
        checkpoint = self.checkpoint("bert", 1)
        three = os.path.join(self.tmp, "three-labels")
        if not os.path.isdir(three):
            shutil.copytree(checkpoint, three)
            with open(os.path.join(three, "config.json"), encoding="utf-8") as file:
                config = json.load(file)
            config["id2label"] = {str(i): f"LABEL_{i}" for i in range(3)}
            config["label2id"] = {f"LABEL_{i}": i for i in range(3)}
            with open(os.path.join(three, "config.json"), "w", encoding="utf-8") as file:
                json.dump(config, file)
        return three

    def imported(self, family, labels, *options, suffix="", keep=True):
        """Imports the checkpoint as imported-FAMILY-LABELS[SUFFIX] (once), into IMPORTED_MODELS_DIR if it is set and
        keep is true (ImportedModelsIT loads every model there); self.output is what the import printed."""
        if (family, labels, suffix) not in self.imports:
            checkpoint = self.checkpoint(family, labels)
            root = self.keep if self.keep and keep else os.path.join(self.tmp, "models")
            dest = os.path.join(root, f"imported-{family}-{labels}{suffix}")
            if os.path.exists(dest):
                shutil.rmtree(dest)
            output = io.StringIO()
            with contextlib.redirect_stdout(output):
                self.assertEqual(import_model.main([*options, checkpoint, dest]), 0)
            self.assertIn("probe pairs reproduce", output.getvalue())
            self.imports[family, labels, suffix] = checkpoint, dest, output.getvalue()
        checkpoint, dest, self.output = self.imports[family, labels, suffix]
        return checkpoint, dest

    def check_model_directory(self, checkpoint, dest, family, labels, relevant_label=1, levers=LEVERS):
        with open(os.path.join(dest, "cross-encoder.json"), encoding="utf-8") as file:
            settings = json.load(file)
        expected = {"max_length": 128, "truncation": "longest_first", "output": "logit" if labels == 1 else "two_class"}
        if labels == 2:
            expected["relevant_label"] = relevant_label
        if levers:
            expected["exact_levers"] = levers
        self.assertEqual(settings, expected)
        with open(os.path.join(dest, "golden.json"), encoding="utf-8") as file:
            golden = json.load(file)
        self.assertEqual(golden["family"], family)
        pairs = golden["pairs"]
        self.assertEqual(len(pairs), 6)
        self.assertEqual([len(pair["input_ids"]) for pair in pairs[-2:]], [128, 128], "the truncation cases")
        self.assertEqual({len(pair["logits"]) for pair in pairs}, {labels})
        # The tokenizer file the node reads gives the golden ids, with no truncation of its own; and the checkpoint,
        # run on one pair unpadded with those ids, gives the golden logits.
        backend = tokenizers.Tokenizer.from_file(os.path.join(dest, "tokenizer.json"))
        self.assertIsNone(backend.truncation)
        encoding = backend.encode(pairs[0]["query"], pairs[0]["passage"])
        self.assertEqual(encoding.ids, pairs[0]["input_ids"])
        model = transformers.AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
        ids = torch.tensor([encoding.ids])
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids),
                           token_type_ids=torch.tensor([encoding.type_ids])).logits[0].numpy()
        np.testing.assert_allclose(logits, pairs[0]["logits"], atol=1e-4)
        session = onnxruntime.InferenceSession(os.path.join(dest, "model.onnx"), providers=["CPUExecutionProvider"])
        inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if family != "xlm-roberta" else [])
        self.assertEqual([i.name for i in session.get_inputs()], inputs)

    def test_bert_single_logit(self):
        self.check_model_directory(*self.imported("bert", 1), "bert", 1)

    def test_bert_two_class(self):
        self.check_model_directory(*self.imported("bert", 2), "bert", 2)

    def probe_batches(self, checkpoint, dest):
        """The golden pairs as the import encodes them: in one padded batch (mixed lengths, the truncation cases
        included), and in batches of three (short pairs alone; a short pair padded to two cut at max_length)."""
        with open(os.path.join(dest, "golden.json"), encoding="utf-8") as file:
            pairs = [(pair["query"], pair["passage"]) for pair in json.load(file)["pairs"]]
        tokenizer = transformers.AutoTokenizer.from_pretrained(checkpoint)
        return [import_model.encode(tokenizer, batch, 128, "longest_first") for batch in (pairs, pairs[:3], pairs[3:])]

    def run_model(self, dest, batches, tensor=None):
        """The model's logits on each batch, and the shape of another tensor of its graph for each (or None)."""
        model = onnx.load(os.path.join(dest, "model.onnx"))
        if tensor:
            model.graph.output.append(onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None))
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        results = [session.run(None, {name: batch[name].astype(np.int64) for name in names}) for batch in batches]
        return [r[0] for r in results], [r[1].shape if tensor else None for r in results]

    @staticmethod
    def last_layer_output(dest, family):
        """The output of the tiny models' last (second) encoder layer."""
        prefix = {"bert": "bert", "xlm-roberta": "roberta", "electra": "electra"}[family]
        return f"/{prefix}/encoder/layer.1/output/LayerNorm/LayerNormalization_output_0"

    @staticmethod
    def rewritten(dest):
        return any(node.name.startswith("/cls_last_layer/")
                   for node in onnx.load(os.path.join(dest, "model.onnx")).graph.node)

    def test_the_exact_levers_apply_by_default_with_the_unmodified_exports_logits(self):
        for family in ("bert", "xlm-roberta", "electra"):
            with self.subTest(family=family):
                checkpoint, dest = self.imported(family, 1)
                self.assertIn("exact lever cls_last_layer: applied, last layer", self.output)
                self.assertIn("exact levers: cls_last_layer;", self.output)
                # The unmodified export, as --no-exact-levers keeps it; ImportedModelsIT serves the BERT one.
                _, unmodified = self.imported(family, 1, "--no-exact-levers", suffix="-unmodified",
                                              keep=family == "bert")
                self.assertIn("exact levers off (--no-exact-levers)", self.output)
                self.check_model_directory(checkpoint, unmodified, family, 1, levers=[])
                self.assertTrue(self.rewritten(dest))
                self.assertFalse(self.rewritten(unmodified))
                batches = self.probe_batches(checkpoint, dest)
                tensor = self.last_layer_output(dest, family)
                logits, shapes = self.run_model(dest, batches, tensor)
                expected, full_shapes = self.run_model(unmodified, batches, tensor)
                for got, want in zip(logits, expected):
                    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)
                # The last layer's output: the [CLS] position only, against every position of the unmodified graph.
                self.assertEqual(shapes, [(len(batch["input_ids"]), 1, 32) for batch in batches])
                self.assertEqual(full_shapes, [(*batch["input_ids"].shape, 32) for batch in batches])

    def test_no_exact_levers_keeps_the_graph_torch_exports(self):
        checkpoint, unmodified = self.imported("bert", 1, "--no-exact-levers", suffix="-unmodified")
        config, model, tokenizer = import_model.load_checkpoint(checkpoint)
        encoded = import_model.encode(tokenizer, import_model.SHORT_PAIRS, 128, "longest_first")
        exported = os.path.join(self.tmp, "exported.onnx")
        import_model.export(model, encoded, import_model.input_names(tokenizer), exported)
        nodes = [[(node.op_type, node.name) for node in onnx.load(path).graph.node]
                 for path in (exported, os.path.join(unmodified, "model.onnx"))]
        self.assertEqual(nodes[0], nodes[1])

    def test_int8_variants_get_the_cls_lever_unless_told_not_to(self):
        """models/quantize-int8.py rewrites before it quantizes (the node cannot rewrite an int8 graph), once."""
        checkpoint, unmodified = self.imported("bert", 1, "--no-exact-levers", suffix="-unmodified")
        _, levered_float = self.imported("bert", 1)
        variants = {}
        for name, source, options in (("levered", unmodified, []), ("plain", unmodified, ["--no-exact-levers"]),
                                      ("of-levered", levered_float, [])):
            variants[name] = os.path.join(self.tmp, "int8-" + name)
            subprocess.run([sys.executable, os.path.join(HERE, "quantize-int8.py"), "--per-channel", *options, source,
                            variants[name]], check=True, stdout=subprocess.DEVNULL)
        for name, levers in (("levered", LEVERS), ("plain", None), ("of-levered", LEVERS)):
            with open(os.path.join(variants[name], "cross-encoder.json"), encoding="utf-8") as file:
                self.assertEqual(json.load(file).get("exact_levers"), levers, name)
        self.assertTrue(self.rewritten(variants["levered"]))
        self.assertFalse(self.rewritten(variants["plain"]))
        batches = self.probe_batches(checkpoint, unmodified)
        tensor = self.last_layer_output(unmodified, "bert")
        levered, shapes = self.run_model(variants["levered"], batches, tensor)
        plain, full_shapes = self.run_model(variants["plain"], batches, tensor)
        self.assertEqual(shapes, [(len(batch["input_ids"]), 1, 32) for batch in batches])
        self.assertEqual(full_shapes, [(*batch["input_ids"].shape, 32) for batch in batches])
        # int8 scales the [CLS] rows of the last layer on their own, so the two variants differ by int8's error only
        # (tiny random weights quantize coarsely: up to a fifth of the logits' spread), not by a wrong position's.
        floats, _ = self.run_model(unmodified, batches)
        for got, want, reference in zip(levered, plain, floats):
            self.assertLess(float(np.abs(got - want).max()), 0.5 * float(np.std(reference)))

    def test_int8_of_weights_stored_as_float16(self):
        """Exports that store weights as float16 behind Casts (as ../shared's second trained model does) are quantized
        as the float32 ones; a model with nothing left to quantize is refused."""
        checkpoint, unmodified = self.imported("bert", 1, "--no-exact-levers", suffix="-unmodified")
        halves = os.path.join(self.tmp, "float16-weights")
        shutil.copytree(unmodified, halves)
        model = onnx.load(os.path.join(unmodified, "model.onnx"))
        casts = []
        for weight in model.graph.initializer:
            if len(weight.dims) == 2 and weight.data_type == onnx.TensorProto.FLOAT:
                array = onnx.numpy_helper.to_array(weight)
                weight.CopyFrom(onnx.numpy_helper.from_array(array.astype(np.float16), weight.name + ".fp16"))
                casts.append(onnx.helper.make_node("Cast", [weight.name], [weight.name[:-len(".fp16")]],
                                                   to=onnx.TensorProto.FLOAT))
        nodes = casts + list(model.graph.node)
        del model.graph.node[:]
        model.graph.node.extend(nodes)
        onnx.save(model, os.path.join(halves, "model.onnx"))
        script = os.path.join(HERE, "quantize-int8.py")
        variants = [os.path.join(self.tmp, "int8-of-" + name) for name in ("float32", "float16")]
        for source, variant in zip((unmodified, halves), variants):
            subprocess.run([sys.executable, script, "--per-channel", source, variant], check=True,
                           stdout=subprocess.DEVNULL)
        # The same MatMuls get the same int8 weights, up to float16's rounding of a weight (one step).
        int8_weights = [{weight.name: onnx.numpy_helper.to_array(weight).astype(np.int32)
                         for weight in onnx.load(os.path.join(variant, "model.onnx")).graph.initializer
                         if weight.data_type == onnx.TensorProto.INT8 and weight.name.endswith(".weight")}
                        for variant in variants]
        self.assertGreater(len(int8_weights[0]), 0)
        self.assertEqual(int8_weights[0].keys(), int8_weights[1].keys())
        for name, weight in int8_weights[0].items():
            self.assertLessEqual(int(np.abs(weight - int8_weights[1][name]).max()), 1, name)
        batches = self.probe_batches(checkpoint, unmodified)
        self.assertTrue(all(np.isfinite(logits).all() for logits in self.run_model(variants[1], batches)[0]))
        refused = subprocess.run([sys.executable, script, "--float-layers", "0,1", unmodified,
                                  os.path.join(self.tmp, "int8-nothing")], capture_output=True, text=True)
        self.assertEqual(refused.returncode, 2)
        self.assertIn("no MatMul with a constant 2-D weight to quantize outside the float layers", refused.stderr)

    def test_an_export_the_lever_does_not_know_is_kept_as_it_is(self):
        """An export through a wrapper module (node names /inner/bert/...), as some exporters make: the rewrite does
        not recognise the layers, so the import keeps the graph and says why."""
        class Wrapper(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.inner = model
                self.config = model.config

            def forward(self, *inputs):
                return self.inner(*inputs)

        original = import_model.export
        import_model.export = lambda model, *arguments: original(Wrapper(model), *arguments)
        try:
            checkpoint, dest = self.imported("bert", 1, suffix="-wrapped", keep=False)
        finally:
            import_model.export = original
        self.assertIn("exact lever cls_last_layer: not applied, not a Hugging Face BERT, XLM-RoBERTa or ELECTRA export",
                      self.output)
        self.assertIn("exact levers: none;", self.output)
        self.check_model_directory(checkpoint, dest, "bert", 1, levers=[])
        self.assertFalse(self.rewritten(dest))

    def test_a_lever_whose_logits_differ_is_left_out(self):
        original = import_model.onnx_logits

        def shifted(path, batches, names):
            logits = original(path, batches, names)
            return [x + np.float32(2e-4) for x in logits] if path.endswith("cls_last_layer.onnx") else logits

        import_model.onnx_logits = shifted
        try:
            checkpoint, dest = self.imported("electra", 2, suffix="-shifted", keep=False)
        finally:
            import_model.onnx_logits = original
        self.assertIn("exact lever cls_last_layer: not applied, its logits differ from the unmodified graph's by "
                      "0.0002", self.output)
        self.check_model_directory(checkpoint, dest, "electra", 2, levers=[])
        self.assertFalse(self.rewritten(dest))

    def test_the_rewrite_refuses_a_head_that_reads_more_than_cls(self):
        _, unmodified = self.imported("bert", 1, "--no-exact-levers", suffix="-unmodified")
        model = onnx.load(os.path.join(unmodified, "model.onnx"))
        tensor = self.last_layer_output(unmodified, "bert")
        model.graph.output.append(onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None))
        before = model.SerializeToString()
        reason = r"the head reads more of the last layer than the \[CLS\] position"
        with self.assertRaisesRegex(exact_levers.Unsupported, reason):
            exact_levers.cls_last_layer(model)
        self.assertEqual(model.SerializeToString(), before, "left as it was")
        rewritten = onnx.load(os.path.join(self.imported("bert", 1)[1], "model.onnx"))
        with self.assertRaisesRegex(exact_levers.Unsupported, "already runs at \\[CLS\\] only"):
            exact_levers.cls_last_layer(rewritten)

    def test_xlm_roberta_single_logit(self):
        self.check_model_directory(*self.imported("xlm-roberta", 1), "xlm-roberta", 1)

    def test_xlm_roberta_two_class(self):
        self.check_model_directory(*self.imported("xlm-roberta", 2), "xlm-roberta", 2)

    def test_xlm_roberta_two_class_whose_first_logit_means_relevant(self):
        checkpoint, dest = self.imported("xlm-roberta", 2, "--relevant-label", "0", suffix="-label0")
        self.check_model_directory(checkpoint, dest, "xlm-roberta", 2, relevant_label=0)

    def test_electra_single_logit(self):
        self.check_model_directory(*self.imported("electra", 1), "electra", 1)

    def test_electra_two_class(self):
        self.check_model_directory(*self.imported("electra", 2), "electra", 2)

    def test_an_export_that_differs_is_refused(self):
        checkpoint = self.checkpoint("bert", 1)
        original = import_model.onnx_logits
        import_model.onnx_logits = lambda *arguments: [x + np.float32(2e-4) for x in original(*arguments)]
        try:
            dest = os.path.join(self.tmp, "refused")
            self.assertEqual(import_model.main([checkpoint, dest]), 1)
            self.assertFalse(os.path.exists(dest))
        finally:
            import_model.onnx_logits = original

    def test_bad_input_is_refused(self):
        checkpoint = self.checkpoint("electra", 2)
        cases = [
            ([os.path.join(self.tmp, "missing"), os.path.join(self.tmp, "x")], "cannot read checkpoint"),
            (["--max-length", "4096", checkpoint, os.path.join(self.tmp, "z")], "takes 8 to 128 tokens"),
            ([checkpoint, self.tmp], "exists"),
            ([self.three_labels(), os.path.join(self.tmp, "w")], "3 labels; a cross-encoder has one (a logit) or two"),
        ]
        for arguments, text in cases:
            with self.subTest(text=text):
                errors = io.StringIO()
                with contextlib.redirect_stderr(errors):
                    self.assertEqual(import_model.main(arguments), 2, errors.getvalue())
                self.assertEqual(len(errors.getvalue().strip().splitlines()), 1, errors.getvalue())
                self.assertIn(text, errors.getvalue())
        # The command itself exits with main()'s code.
        command = subprocess.run([sys.executable, SCRIPT, os.path.join(self.tmp, "missing"), os.path.join(self.tmp, "v")],
                                 capture_output=True, text=True)
        self.assertEqual(command.returncode, 2, command.stderr)
        self.assertIn("cannot read checkpoint", command.stderr)


if __name__ == "__main__":
    unittest.main()
