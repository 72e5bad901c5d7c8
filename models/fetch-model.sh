#!/usr/bin/env bash
# Puts a cross-encoder model directory (model.onnx + tokenizer.json [+ cross-encoder.json]) where a node finds it.
#
#   models/fetch-model.sh NAME DEST_DIR
#
# DEST_DIR is the node's models path (default <path.conf>/cross-encoder-models); the model lands in DEST_DIR/NAME.
# Sources, first match wins:
#   1. $CROSS_ENCODER_MODELS_FROM/NAME, a local directory of model directories (the tests use ../shared/models);
#   2. the download addresses in models/NAME.properties, checked against the sha256 digests pinned there.
# The plugin itself never downloads anything: this script is the only place weights come from.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
name="${1:?usage: fetch-model.sh NAME DEST_DIR}"
dest_root="${2:?usage: fetch-model.sh NAME DEST_DIR}"
dest="$dest_root/$name"
descriptor="$here/$name.properties"
files=(model.onnx tokenizer.json)

prop() { sed -n "s/^$1=//p" "$descriptor" | head -n 1; }

verify() { # file expected-sha256
    local actual
    actual="$(sha256sum "$1" | cut -d' ' -f1)"
    if [[ -z "$2" ]]; then
        echo "fetch-model: $(basename "$1") sha256 $actual (no digest pinned in $(basename "$descriptor") yet)" >&2
    elif [[ "$actual" != "$2" ]]; then
        echo "fetch-model: $(basename "$1") has sha256 $actual, expected $2; removing it" >&2
        rm -f "$1"
        return 1
    fi
}

mkdir -p "$dest"
local_source="${CROSS_ENCODER_MODELS_FROM:-}/$name"
if [[ -n "${CROSS_ENCODER_MODELS_FROM:-}" && -f "$local_source/model.onnx" ]]; then
    for file in "${files[@]}" cross-encoder.json tokenizer_config.json config.json golden.json; do
        [[ -f "$local_source/$file" ]] && cp "$local_source/$file" "$dest/$file"
    done
    if [[ -f "$descriptor" ]]; then
        for file in "${files[@]}"; do verify "$dest/$file" "$(prop "$file.sha256")"; done
    fi
    echo "fetch-model: $name copied from $local_source to $dest"
    exit 0
fi

if [[ ! -f "$descriptor" ]]; then
    echo "fetch-model: no local copy of [$name] under \$CROSS_ENCODER_MODELS_FROM and no models/$name.properties to download it from" >&2
    exit 2
fi
for file in "${files[@]}"; do
    url="$(prop "$file.url")"
    echo "fetch-model: downloading $url" >&2
    if ! curl -fsSL --retry 2 --connect-timeout 20 -o "$dest/$file.part" "$url"; then
        rm -f "$dest/$file.part"
        rmdir "$dest" 2>/dev/null || true
        echo "fetch-model: could not download $url (this machine may have no route to it)" >&2
        exit 3
    fi
    mv "$dest/$file.part" "$dest/$file"
    verify "$dest/$file" "$(prop "$file.sha256")"
done
echo "fetch-model: $name downloaded to $dest"
