#!/usr/bin/env bash
# Platt calibration of the two trained models from the logits `scripts/scores.sh -Deval.steps=dump` wrote: fits each
# model on the dev pairs of SciFact and NFCorpus together (the calibration the table run then uses), and for
# comparison on each collection's dev pairs alone; prints expected calibration error, log-loss and Brier on each
# collection's test pairs, before (sigmoid of the raw logit) and after, as one markdown table.
#
#   scripts/calibration.sh [SCORES_DIR (target/eval/scores)] [OUT_DIR (target/eval/calibration)]
#
# OUT_DIR/<model>/ is the model directory with the joint fit in its cross-encoder.json, for
# `scripts/scores.sh -Deval.steps=table -Deval.calibration=OUT_DIR`.
set -euo pipefail
cd "$(dirname "$0")/.."
scores="${1:-target/eval/scores}"
out="${2:-target/eval/calibration}"
fit=models/fit-calibration.py
models=(minilm-l6-sci-cross-encoder minilm-l6-nf-cross-encoder-fp16)
collections=(scifact nfcorpus)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "| model | fitted on (dev pairs) | scale | bias | test collection | test pairs (positives) | ECE before | ECE after | log-loss before | log-loss after | Brier before | Brier after |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for model in "${models[@]}"; do
  joint="$work/dev-$model.tsv"
  { cat "$scores/scifact-dev-$model.tsv"; tail -n +2 "$scores/nfcorpus-dev-$model.tsv"; } > "$joint"
  dev_queries=$(($(cut -f1 "$scores/scifact-dev-$model.tsv" | sort -u | wc -l) - 1))+$(($(cut -f1 "$scores/nfcorpus-dev-$model.tsv" | sort -u | wc -l) - 1))
  fits=("SciFact + NFCorpus ($dev_queries queries)|$joint|$out/$model")
  for collection in "${collections[@]}"; do
    fits+=("$collection alone|$scores/$collection-dev-$model.tsv|$work/$collection/$model")
  done
  for spec in "${fits[@]}"; do
    IFS='|' read -r name pairs dir <<< "$spec"
    "$fit" fit "$pairs" --model-dir "../shared/models/$model" --output-dir "$dir" \
        --fitted-on "BM25 top 100 of the dev queries of $name, unjudged as not relevant" > /dev/null
    for collection in "${collections[@]}"; do
      if [[ "$name" != "SciFact + NFCorpus"* && "$name" != "$collection alone" ]]; then
        continue
      fi
      "$fit" evaluate "$scores/$collection-test-$model.tsv" --model-dir "$dir" --markdown | tail -n 2 \
          | awk -F' \\| ' -v model="$model" -v fitted="$name" -v collection="$collection" '
              { pairs = $3; positives = $4; ece[NR] = $5; loss[NR] = $6; brier[NR] = $7; sub(/ \|$/, "", brier[NR]);
                if (NR == 2) { match($2, /scale [^,]*/); scale = substr($2, RSTART + 6, RLENGTH - 6);
                               match($2, /bias [^)]*/); bias = substr($2, RSTART + 5, RLENGTH - 5) } }
              END { printf "| %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n",
                    model, fitted, scale, bias, collection, pairs, positives, ece[1], ece[2], loss[1], loss[2], brier[1], brier[2] }'
    done
  done
done
