#!/usr/bin/env python3
"""Whether two systems of one relevance evaluation differ in nDCG@10 beyond chance: a paired bootstrap over the
queries of their per-query metrics (`.tsv` files the evaluation writes: query, nDCG@10, MRR@10, Recall@100, ms).
Resamples the queries both answered, with replacement, and prints the mean difference B - A with its 95% interval.

    scripts/paired-bootstrap.py A.tsv B.tsv [SAMPLES] [SEED]
"""
import random
import sys


def ndcg_by_query(path):
    with open(path) as metrics:
        next(metrics)  # the header
        return {fields[0]: float(fields[1]) for fields in (line.rstrip("\n").split("\t") for line in metrics)}


def paired_bootstrap(a, b, samples=10000, seed=1):
    """The mean of b - a over the queries both have, and the 2.5th and 97.5th percentiles of its bootstrap means."""
    queries = sorted(set(a) & set(b))
    differences = [b[q] - a[q] for q in queries]
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(differences, k=len(differences))) / len(differences) for _ in range(samples))
    return len(queries), sum(differences) / len(differences), means[int(0.025 * samples)], means[int(0.975 * samples) - 1]


if __name__ == "__main__":
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    n, mean, low, high = paired_bootstrap(ndcg_by_query(sys.argv[1]), ndcg_by_query(sys.argv[2]), samples, seed)
    print(f"queries {n}  nDCG@10 B - A {mean:+.4f}  95% interval [{low:+.4f}, {high:+.4f}]"
          f"  {'differs' if low > 0 or high < 0 else 'within chance'}")
