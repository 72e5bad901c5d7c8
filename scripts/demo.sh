#!/usr/bin/env bash
# Starts OpenSearch 3.6.0 with this plugin and a cross-encoder model, indexes a few passages and shows
# the same search ranked by BM25 alone and reranked by the cross_encoder rescorer.
#
#   scripts/demo.sh [MODEL]      MODEL defaults to ms-marco-MiniLM-L-6-v2 (see models/)
#
# The node keeps running on http://localhost:9200 afterwards; the script prints how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-home.sh

model="${1:-ms-marco-MiniLM-L-6-v2}"
port="${DEMO_PORT:-9200}"
demo="$PWD/target/demo"
if [[ -z "${CROSS_ENCODER_MODELS_FROM:-}" && -d ../shared/models ]]; then
    export CROSS_ENCODER_MODELS_FROM="$(cd ../shared/models && pwd)"
fi

echo "== building the plugin and fetching OpenSearch 3.6.0 from Maven Central"
mvn -B -q -DskipTests verify
home="$demo/opensearch-3.6.0"
[[ -f "$demo/node.pid" ]] && kill "$(cat "$demo/node.pid")" 2>/dev/null && sleep 3
rm -rf "$demo" && mkdir -p "$demo"
cp -r target/integ/distribution/opensearch-3.6.0 "$home"
rm -rf "$home/plugins/cross-encoder"
OPENSEARCH_JAVA_HOME="$JAVA_HOME" "$home/bin/opensearch-plugin" install --batch "file://$PWD/target/cross-encoder-0.1.0.zip"

echo "== putting model [$model] in place"
if ! models/fetch-model.sh "$model" "$home/config/cross-encoder-models"; then
    [[ "$model" == "ms-marco-MiniLM-L-6-v2" && -n "${CROSS_ENCODER_MODELS_FROM:-}" ]] || exit 1
    model=minilm-l6-shape-random
    echo "!! The trained model cannot be fetched on this machine. Falling back to [$model]: it has the real"
    echo "!! model's size and speed but RANDOM weights, so the reranked order below is meaningless."
    models/fetch-model.sh "$model" "$home/config/cross-encoder-models"
fi

run_as=()
if [[ "$(id -u)" == 0 ]]; then
    chown -R 65534:65534 "$demo"   # OpenSearch refuses to run as root
    run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
echo "== starting OpenSearch on port $port (log: $demo/node.log)"
(cd "$home" && OPENSEARCH_JAVA_HOME="$JAVA_HOME" OPENSEARCH_JAVA_OPTS="-Xms1g -Xmx1g" \
    exec "${run_as[@]}" bin/opensearch -Ediscovery.type=single-node -Ehttp.port="$port") < /dev/null > "$demo/node.log" 2>&1 &
echo $! > "$demo/node.pid"
for _ in $(seq 1 120); do curl -fs "localhost:$port" > /dev/null && break; sleep 1; done
curl -fs "localhost:$port" > /dev/null || { tail -40 "$demo/node.log"; exit 1; }

os() { curl -fsS -H 'Content-Type: application/json' "$@"; }
os -XPUT "localhost:$port/demo" -d '{"settings":{"number_of_shards":2,"number_of_replicas":0},
  "mappings":{"properties":{"title":{"type":"text"},"passage":{"type":"text"}}}}' > /dev/null
curl -fsS -XPOST "localhost:$port/demo/_bulk?refresh=true" -H 'Content-Type: application/x-ndjson' --data-binary @- > /dev/null <<'DOCS'
{"index":{"_id":"stuffed"}}
{"title":"Berlin Berlin Berlin","passage":"Berlin people, Berlin live music, Berlin nightlife: the Berlin guide for people in Berlin."}
{"index":{"_id":"population"}}
{"title":"Berlin","passage":"Berlin has a population of 3,520,031 registered inhabitants in an area of 891.82 square kilometers."}
{"index":{"_id":"capital"}}
{"title":"German capital","passage":"About 3.7 million people live in the German capital, the most populous city of the European Union."}
{"index":{"_id":"museums"}}
{"title":"Museums","passage":"People who live in Berlin can visit many museums on Museum Island."}
{"index":{"_id":"tourism"}}
{"title":"Tourism","passage":"How many tourists visit Berlin? Around 12 million people came to the city last year."}
{"index":{"_id":"munich"}}
{"title":"Munich","passage":"Munich has a population of about 1.5 million people and many beer gardens."}
{"index":{"_id":"new-york"}}
{"title":"New York","passage":"New York City is famous for the Metropolitan Museum of Art, and many people live there."}
DOCS

question="How many people live in Berlin?"
query='"query":{"multi_match":{"query":"'"$question"'","fields":["title","passage"]}},"_source":["passage"]'
bm25="$(os "localhost:$port/demo/_search" -d "{$query}")"
reranked="$(os "localhost:$port/demo/_search" -d "{$query,\"rescore\":{\"window_size\":100,\"cross_encoder\":{
  \"model\":\"$model\",\"query_text\":\"$question\",\"fields\":[\"title\",\"passage\"]}}}")"

python3 - "$bm25" "$reranked" "$question" "$model" <<'PY'
import json, sys
bm25, reranked = (json.loads(a)["hits"]["hits"] for a in sys.argv[1:3])
print(f"\nQuery: {sys.argv[3]}\n")
for title, hits in (("BM25 alone", bm25), (f"BM25 top 100 reranked by cross_encoder [{sys.argv[4]}]", reranked)):
    print(title)
    for rank, hit in enumerate(hits, 1):
        print(f"  {rank}. {hit['_score']:8.3f}  {hit['_source']['passage'][:90]}")
    print()
PY
echo "OpenSearch is still running on http://localhost:$port with the plugin and model [$model]."
echo "Stop it with: kill $(cat "$demo/node.pid")"
