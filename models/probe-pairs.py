#!/usr/bin/env python3
"""(query, passage) pairs for checking or calibrating a quantized model without touching the test judgments:
queries of a BEIR collection's train or dev split only (never test), each with the passages a naive BM25
(k1=0.9, b=0.4, title + text, lowercase word tokens) ranks first in the collection, as a reranker sees them.

    models/probe-pairs.py DATASET_DIR SPLIT QUERIES PASSAGES_PER_QUERY [SKIP_QUERIES] > pairs.tsv

Takes the split's queries in qrels order after skipping SKIP_QUERIES (so two calls can give disjoint sets, one to
choose or calibrate with and one to measure on). Output: tab-separated dataset, query id, doc id, query text,
passage text (title and text joined by a space, as the plugin joins fields).
"""
import collections
import json
import math
import os
import re
import sys

directory, split, count, per_query = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
skip = int(sys.argv[5]) if len(sys.argv) > 5 else 0
if split == "test":
    sys.exit("probe pairs never use the test queries")
words = re.compile(r"\w+")
docs = [json.loads(line) for line in open(os.path.join(directory, "corpus.jsonl"))]
passages = {d["_id"]: (d.get("title", "") + " " + d["text"]).strip() for d in docs}
queries = {q["_id"]: q["text"] for q in map(json.loads, open(os.path.join(directory, "queries.jsonl")))}
chosen = []
for line in list(open(os.path.join(directory, "qrels", split + ".tsv")))[1:]:
    query = line.split("\t")[0]
    if query in queries and query not in chosen:
        chosen.append(query)
chosen = chosen[skip:skip + count]

index, lengths = collections.defaultdict(dict), {}
for doc, text in passages.items():
    tokens = words.findall(text.lower())
    lengths[doc] = len(tokens)
    for term, tf in collections.Counter(tokens).items():
        index[term][doc] = tf
average = sum(lengths.values()) / len(lengths)
name = os.path.basename(os.path.normpath(directory))
for query in chosen:
    scores = collections.Counter()
    for term in set(words.findall(queries[query].lower())):
        postings = index.get(term, {})
        idf = math.log(1 + (len(passages) - len(postings) + 0.5) / (len(postings) + 0.5))
        for doc, tf in postings.items():
            scores[doc] += idf * tf * 1.9 / (tf + 0.9 * (0.6 + 0.4 * lengths[doc] / average))
    for doc, _ in scores.most_common(per_query):
        clean = lambda s: s.replace("\t", " ").replace("\n", " ")
        print("\t".join((name, query, doc, clean(queries[query]), clean(passages[doc]))))
