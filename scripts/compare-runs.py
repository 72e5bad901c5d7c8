#!/usr/bin/env python3
"""How much two TREC run files of the relevance evaluation agree at the top, query by query: e.g. a model's
int8 variant against its float original.

    scripts/compare-runs.py A.run B.run [K]

Prints the queries compared, the mean share of A's top K that is in B's top K (of the hits there are, when a query
has fewer), and the share of queries whose top K is in the same order in both (K = 10 unless given).
"""
import sys
from collections import defaultdict


def read(path):
    ranked = defaultdict(list)
    with open(path) as run:
        for line in run:
            query, _, doc, rank, _score, _tag = line.split()
            ranked[query].append((int(rank), doc))
    return {query: [doc for _, doc in sorted(docs)] for query, docs in ranked.items()}


a, b = read(sys.argv[1]), read(sys.argv[2])
k = int(sys.argv[3]) if len(sys.argv) > 3 else 10
queries = sorted(set(a) & set(b))
# A query with fewer than K hits (NFCorpus has some) counts the share of the hits it has, not of K.
overlap = sum(len(set(a[q][:k]) & set(b[q][:k])) / max(len(a[q][:k]), len(b[q][:k])) for q in queries) / len(queries)
same_order = sum(a[q][:k] == b[q][:k] for q in queries) / len(queries)
print(f"queries {len(queries)}  top-{k} overlap {overlap:.3f}  same top-{k} order {same_order:.3f}")
