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

    static String reranked(String dataset) {
        return switch (dataset) {
            case "scifact" -> "nDCG@10 0.688 (BEIR paper, BM25 + ms-marco-MiniLM-L-6-v2)";
            case "nfcorpus" -> "nDCG@10 0.350 (BEIR paper, BM25 + ms-marco-MiniLM-L-6-v2)";
            default -> "none comparable";
        };
    }
}
