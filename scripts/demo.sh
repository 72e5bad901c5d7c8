#!/usr/bin/env bash
# Starts OpenSearch 3.6.0 with this plugin and a cross-encoder model as its default model, indexes the passages of
# scripts/demo/ into the index [demo] and shows each question of scripts/demo/questions.tsv ranked by BM25 alone and
# reranked by the cross_encoder rescorer. The examples of README.md and docs/ run as written against this node.
#
#   scripts/demo.sh [MODEL]    build the plugin, set up a node under target/demo, start it, show the search
#   scripts/demo.sh start      start the node set up before (no rebuild) and show the search again
#   scripts/demo.sh stop       stop the node
#
# MODEL defaults to ms-marco-MiniLM-L-6-v2 (see models/). Where that cannot be fetched (no network), the demo
# uses the trained minilm-l6-sci-cross-encoder from ../shared/models, and only without it a random-weight model.
# The node keeps running on http://localhost:9200 (DEMO_PORT) until `scripts/demo.sh stop`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nobody-can-reach.sh
source scripts/java-home.sh

port="${DEMO_PORT:-9200}"
demo="$PWD/target/demo"
home="$demo/opensearch-3.6.0"
if [[ -z "${CROSS_ENCODER_MODELS_FROM:-}" && -d ../shared/models ]]; then
    export CROSS_ENCODER_MODELS_FROM="$(cd ../shared/models && pwd)"
fi

stop_node() {
    if [[ -f "$demo/node.pid" ]] && kill "$(cat "$demo/node.pid")" 2>/dev/null; then
        echo "== stopping the demo node"
        while kill -0 "$(cat "$demo/node.pid")" 2>/dev/null; do sleep 1; done
    fi
    rm -f "$demo/node.pid"
}

set_up() {
    local wanted="$1"
    echo "== building the plugin and fetching OpenSearch 3.6.0 from Maven Central"
    mvn -B -q -DskipTests verify
    stop_node
    rm -rf "$demo" && mkdir -p "$demo"
    cp -r target/integ/distribution/opensearch-3.6.0 "$home"
    # The tests install other plugins into the same distribution; the demo runs ours alone.
    rm -rf "$home"/plugins/*
    OPENSEARCH_JAVA_HOME="$JAVA_HOME" "$home/bin/opensearch-plugin" install --batch "file://$PWD/target/cross-encoder-0.1.0-os3.6.0.zip"

    echo "== putting model [$wanted] in place"
    local model="$wanted"
    if ! models/fetch-model.sh "$model" "$home/config/cross-encoder-models"; then
        if [[ "$model" != "ms-marco-MiniLM-L-6-v2" || -z "${CROSS_ENCODER_MODELS_FROM:-}" ]]; then
            echo "!! no model to show: [$model] cannot be fetched on this machine, and no ../shared/models lies beside" >&2
            echo "!! the project (or CROSS_ENCODER_MODELS_FROM) to take a trained one from" >&2
            exit 1
        fi
        model=minilm-l6-sci-cross-encoder
        if [[ -f "$CROSS_ENCODER_MODELS_FROM/$model/model.onnx" ]]; then
            echo "!! [$wanted] cannot be fetched on this machine; using [$model], a trained MiniLM-L6 cross-encoder"
            echo "!! of the same shape (fine-tuned on scientific claims, see ../shared/models/$model/README.md)."
        else
            model=minilm-l6-shape-random
            echo "!! [$wanted] cannot be fetched on this machine. Falling back to [$model]: it has the real"
            echo "!! model's size and speed but RANDOM weights, so the reranked order below is meaningless."
        fi
        models/fetch-model.sh "$model" "$home/config/cross-encoder-models"
    fi
    echo "$model" > "$demo/model"
    # The second trained model, where there is one, for the ensemble examples of docs/rescorer.md.
    if [[ "$model" == minilm-l6-sci-cross-encoder && -f "$CROSS_ENCODER_MODELS_FROM/minilm-l6-nf-cross-encoder-fp16/model.onnx" ]]; then
        models/fetch-model.sh minilm-l6-nf-cross-encoder-fp16 "$home/config/cross-encoder-models"
    fi
    if [[ "$(id -u)" == 0 ]]; then
        chown -R 65534:65534 "$demo"   # OpenSearch refuses to run as root
    fi
}

start_node() {
    [[ -d "$home" ]] || { echo "no demo node set up yet: run scripts/demo.sh first" >&2; exit 1; }
    stop_node
    local run_as=()
    [[ "$(id -u)" == 0 ]] && run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    # Keep the log of an earlier run beside the new one.
    [[ -s "$demo/node.log" ]] && mv "$demo/node.log" "$demo/node-$(date -r "$demo/node.log" +%Y%m%d-%H%M%S).log"
    echo "== starting OpenSearch on port $port (log: $demo/node.log)"
    (cd "$home" && OPENSEARCH_JAVA_HOME="$JAVA_HOME" OPENSEARCH_JAVA_OPTS="-Xms1g -Xmx1g" \
        exec "${run_as[@]}" bin/opensearch -Ediscovery.type=single-node -Ehttp.port="$port" \
        -Eplugins.cross_encoder.default_model="$(cat "$demo/model")") < /dev/null > "$demo/node.log" 2>&1 &
    echo $! > "$demo/node.pid"
    for _ in $(seq 1 120); do curl -fs "localhost:$port" > /dev/null && break; sleep 1; done
    curl -fs "localhost:$port" > /dev/null || { tail -40 "$demo/node.log"; exit 1; }
}

os() { curl -fsS -H 'Content-Type: application/json' "$@"; }

# After a restart the demo index recovers its shards (longer beside other indices): search it once it is green.
await_index() {
    if ! curl -fs -o /dev/null "localhost:$port/demo"; then
        echo "== the demo index is gone: indexing the passages again"
        index_passages
    fi
    os "localhost:$port/_cluster/health/demo?wait_for_status=green&timeout=120s" > /dev/null \
        || { echo "!! the demo index did not become green within 2 minutes (see $demo/node.log)" >&2; exit 1; }
}

index_passages() {
    curl -fs -XDELETE "localhost:$port/demo" > /dev/null || true
    os -XPUT "localhost:$port/demo" --data-binary @scripts/demo/index.json > /dev/null
    curl -fsS -XPOST "localhost:$port/demo/_bulk?refresh=true" -H 'Content-Type: application/x-ndjson' \
        --data-binary @scripts/demo/passages.ndjson > /dev/null
}

# Each question of scripts/demo/questions.tsv, ranked by BM25 alone and reranked by the default model.
show() {
    local model question answer bm25 reranked
    model="$(cat "$demo/model")"
    while IFS=$'\t' read -r question answer; do
        query='"query":{"multi_match":{"query":"'"$question"'","fields":["title","passage"]}},"_source":["passage"]'
        bm25="$(os "localhost:$port/demo/_search" -d "{$query}")"
        reranked="$(os "localhost:$port/demo/_search" -d "{$query,\"rescore\":{\"window_size\":100,\"cross_encoder\":{
          \"query_text\":\"$question\",\"fields\":[\"title\",\"passage\"]}}}")"
        python3 - "$bm25" "$reranked" "$question" "$model" "$answer" <<'PY'
import json, sys
bm25, reranked = (json.loads(a)["hits"]["hits"] for a in sys.argv[1:3])
question, model, answer = sys.argv[3:6]
print(f"\nQuery: {question}\n")
for title, hits in (("BM25 alone", bm25), (f"BM25 top 100 reranked by cross_encoder [{model}]", reranked)):
    print(title)
    for rank, hit in enumerate(hits, 1):
        mark = "  <- answers the question" if hit["_id"] == answer else ""
        print(f"  {rank}. {hit['_score']:8.3f}  {hit['_source']['passage'][:80]}{mark}")
    print()
before, after = ([h["_id"] for h in hits].index(answer) + 1 for hits in (bm25, reranked))
print(f"The passage that answers the question is #{before} by BM25 and #{after} after reranking.")
PY
    done < scripts/demo/questions.tsv
    echo
    echo "OpenSearch is running on http://localhost:$port with the plugin and model [$model] as its default model."
    echo "Try the examples of README.md and docs/ against it (index [demo]). Stop it with scripts/demo.sh stop;"
    echo "start it again (no rebuild) with scripts/demo.sh start."
}

case "${1:-}" in
    stop) stop_node ;;
    start) start_node && await_index && show ;;
    *) set_up "${1:-ms-marco-MiniLM-L-6-v2}" && start_node && index_passages && await_index && show ;;
esac
