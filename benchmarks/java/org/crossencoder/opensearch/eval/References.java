/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

/**
 * Published numbers to print next to ours (sources in ../shared/datasets/README.md): the BEIR paper
 * (Thakur et al. 2021, Table 2) and Anserini's BEIR v1.0.0 regressions (BM25 k1=0.9 b=0.4).
 */
final class References {

    private References() {}

    static String bm25Flat(String dataset) {
        return switch (dataset) {
            case "scifact" -> "nDCG@10 0.679, R@100 0.925 (Anserini flat)";
            case "nfcorpus" -> "nDCG@10 0.322, R@100 0.246 (Anserini flat)";
            default -> "none comparable";
        };
    }

    static String bm25Multifield(String dataset) {
        return switch (dataset) {
            case "scifact" -> "nDCG@10 0.665 (BEIR paper; Anserini multifield 0.665, R@100 0.908)";
            case "nfcorpus" -> "nDCG@10 0.325 (BEIR paper; Anserini multifield 0.325, R@100 0.250)";
            default -> "none comparable";
        };
    }

    /** The BEIR paper's reranker, and for the project's trained test model the figures its README measured outside the plugin. */
    static String reranked(String dataset, String model) {
        String beir = switch (dataset) {
            case "scifact" -> "nDCG@10 0.688 (BEIR paper, BM25 + ms-marco-MiniLM-L-6-v2)";
            case "nfcorpus" -> "nDCG@10 0.350 (BEIR paper, BM25 + ms-marco-MiniLM-L-6-v2)";
            default -> null;
        };
        String own = model.startsWith("minilm-l6-sci-cross-encoder")
                ? switch (dataset) {
                    case "scifact" -> "model README: Python BM25 0.6635 -> 0.6927";
                    case "nfcorpus" -> "model README: Python BM25 0.3073 -> 0.3138";
                    case "trec-dl-2019-passage-subset" -> "model README: Python BM25 0.5738 -> 0.6368";
                    default -> null;
                }
                : null;
        if (beir == null && own == null) {
            return "none comparable";
        }
        return beir == null ? own : own == null ? beir : beir + "; " + own;
    }
}
