#!/usr/bin/env python3
"""Checks of models/import-model.py on tiny random checkpoints built here (no download): BERT with token type ids,
XLM-RoBERTa with a SentencePiece-style Unigram tokenizer and no token type ids, ELECTRA; one and two labels; the
[CLS]-last-layer form; and refusals. Needs what import-model.py needs (scripts/test.sh installs it).

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

    def imported(self, family, labels, *options, suffix=""):
        """Imports the checkpoint as imported-FAMILY-LABELS[SUFFIX]."""
        checkpoint = self.checkpoint(family, labels)
        dest = os.path.join(self.keep or os.path.join(self.tmp, "models"), f"imported-{family}-{labels}{suffix}")
        if os.path.exists(dest):
            shutil.rmtree(dest)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            self.assertEqual(import_model.main([*options, checkpoint, dest]), 0)
        self.assertIn("probe pairs reproduce", output.getvalue())
        return checkpoint, dest

    def check_model_directory(self, checkpoint, dest, family, labels, relevant_label=1):
        with open(os.path.join(dest, "cross-encoder.json"), encoding="utf-8") as file:
            settings = json.load(file)
        expected = {"max_length": 128, "truncation": "longest_first", "output": "logit" if labels == 1 else "two_class"}
        if labels == 2:
            expected["relevant_label"] = relevant_label
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

    def test_bert_cls_last_layer(self):
        checkpoint, dest = self.imported("bert", 1, "--cls-last-layer", suffix="-cls")
        self.check_model_directory(checkpoint, dest, "bert", 1)
        import onnx
        names = [node.name for node in onnx.load(os.path.join(dest, "model.onnx")).graph.node]
        self.assertTrue(any(name.startswith("/cls_last_layer/") for name in names))

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
        import_model.onnx_logits = lambda *arguments: original(*arguments) + np.float32(2e-4)
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
            (["--cls-last-layer", checkpoint, os.path.join(self.tmp, "y")], "BERT exports only"),
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
