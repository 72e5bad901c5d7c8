#!/usr/bin/env bash
# A model's default blend fitted on one split and measured on another: for each collection, models/fit-blend.py chooses
# the blend on the dev runs of the relevance evaluation and writes it into a copy of the model directory
# (target/eval/blend/<collection>/<model>/cross-encoder.json), then measures the first stage, replace, the plugin's
# default and the fitted blend on the test runs. Prints both tables per collection and writes them into their section
# of docs/BENCHMARKS.md (between <!-- blend:MODEL --> markers, replaced on every run).
#
#   [BLEND_WEIGHTS=0,0.25,0.5,0.75,1] scripts/blend.sh [MODEL (minilm-l6-sci-cross-encoder)] [COLLECTION...]
#
# COLLECTION: scifact nfcorpus by default; BLEND_WEIGHTS: the interpolate weights to try (fit-blend.py's default: 0,
# 0.1, ..., 1). A collection without test runs gets its fit only.
#
# The runs come first, from scripts/eval.sh (the same queries as QUERIES below, e.g. -Deval.queries=50):
#   scripts/eval.sh scifact MODEL -Deval.split=dev    ->  target/eval/scifact-dev/MODEL/
#   scripts/eval.sh scifact MODEL                     ->  target/eval/scifact/MODEL/
# The dev judgments: SciFact's train qrels (its dev split is the last 100 train queries, which the runs hold), NFCorpus'
# dev qrels.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-minilm-l6-sci-cross-encoder}"
shift $(( $# > 0 ? 1 : 0 ))
if (( $# )); then collections=("$@"); else collections=(scifact nfcorpus); fi
datasets=../shared/datasets
report=docs/BENCHMARKS.md
section="$(mktemp)"
trap 'rm -f "$section"' EXIT

{
  echo "Measured $(date -u +%F) on $(nproc) cores by \`${BLEND_WEIGHTS:+BLEND_WEIGHTS=$BLEND_WEIGHTS }scripts/blend.sh $model ${collections[*]}\`, from the runs of"
  echo "\`scripts/eval.sh COLLECTION $model -Deval.split=dev\` (fit) and \`scripts/eval.sh COLLECTION $model\` (test),"
  echo "BM25 multifield top 100, window 100; the query counts are in each table."
  for collection in "${collections[@]}"; do
    dev_qrels="$datasets/$collection/qrels/dev.tsv"
    [[ -f "$dev_qrels" ]] || dev_qrels="$datasets/$collection/qrels/train.tsv"
    out="target/eval/blend/$collection/$model"
    echo
    echo "#### $collection: fitted on dev"
    echo
    models/fit-blend.py fit --runs "target/eval/$collection-dev/$model" "$dev_qrels" \
        --model-dir "../shared/models/$model" --output-dir "$out" --markdown ${BLEND_WEIGHTS:+--weights "$BLEND_WEIGHTS"}
    if [[ -d "target/eval/$collection/$model" ]]; then
      echo
      echo "#### $collection: measured on test"
      echo
      models/fit-blend.py evaluate --runs "target/eval/$collection/$model" "$datasets/$collection/qrels/test.tsv" \
          --model-dir "$out" --markdown
    fi
  done
} | tee "$section"

python3 - "$report" "$model" "$section" <<'PY'
import sys
report, model, section = sys.argv[1:4]
start, end = f"<!-- blend:{model} -->", f"<!-- /blend:{model} -->"
with open(report, encoding="utf-8") as file:
    text = file.read()
with open(section, encoding="utf-8") as file:
    body = file.read()
if start in text:
    text = text[: text.index(start)] + start + "\n" + body + end + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + start + "\n" + body + end + "\n"
with open(report, "w", encoding="utf-8") as file:
    file.write(text)
PY
