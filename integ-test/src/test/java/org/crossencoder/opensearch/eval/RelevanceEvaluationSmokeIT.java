/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.eval;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.crossencoder.opensearch.engine.TestModels;
import org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The relevance evaluation end to end on a handful of SciFact queries, so that the harness cannot rot. */
public class RelevanceEvaluationSmokeIT extends CrossEncoderIntegTestCase {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void evaluatesBm25AndTheRerankedRunOnRealData() throws Exception {
        TestModels.assumePresent(TINY_BERT);
        TestModels.assumeFolder(
                Paths.get(System.getProperty("eval.datasets.dir")).resolve("scifact"),
                "../shared/datasets beside the project; -Dtest.datasets.dir=DIR points elsewhere");
        Path output = folder.newFolder("eval").toPath();
        Path report = output.resolve("BENCHMARKS.md");
        Files.writeString(report, "# Benchmarks\n\nOther sections stay.\n");
        RelevanceEvaluation.Config config = new RelevanceEvaluation.Config(
                BeirCollection.load(
                        Paths.get(System.getProperty("eval.datasets.dir")).resolve("scifact"), "test"),
                "test",
                testModelsDir(),
                TINY_BERT,
                8,
                100,
                output.resolve(TINY_BERT),
                report,
                null,
                null);

        List<RelevanceEvaluation.SystemResult> results = new RelevanceEvaluation(client, config).run();

        assertEquals(3 + RelevanceEvaluation.COMBINATIONS.size(), results.size());
        RelevanceEvaluation.SystemResult multifield = results.get(1);
        RelevanceEvaluation.SystemResult reranked = results.get(2);
        assertEquals(8, multifield.queries());
        // BM25 on SciFact finds most answers (published nDCG@10 0.665 over all 300 queries).
        assertThat(multifield.ndcg10(), greaterThan(0.4));
        assertThat(multifield.recall100(), greaterThan(0.7));
        // Reordering the same top 100 cannot change what is in it.
        assertEquals(multifield.recall100(), reranked.recall100(), 1e-9);
        for (RelevanceEvaluation.SystemResult combined : results.subList(3, results.size())) {
            assertThat(combined.system(), containsString("score_mode"));
            assertEquals(combined.system(), multifield.recall100(), combined.recall100(), 1e-9);
        }
        assertNotEquals(
                "total mixes in BM25, so it ranks unlike replace",
                reranked.ndcg10(),
                results.get(3).ndcg10(),
                1e-9);
        assertEquals(
                "interpolate with weight 0 keeps BM25's order",
                multifield.ndcg10(),
                row(results, "normalization min_max, weight 0.0").ndcg10(),
                1e-9);
        assertEquals(
                "interpolate with weight 1 keeps the model's order",
                reranked.ndcg10(),
                row(results, "normalization min_max, weight 1.0").ndcg10(),
                1e-9);

        List<String> run = Files.readAllLines(output.resolve(TINY_BERT).resolve("bm25-multifield.run"));
        assertEquals(8 * 100, run.size());
        assertThat(run.get(0), containsString(" Q0 "));
        assertEquals(
                9,
                Files.readAllLines(output.resolve(TINY_BERT).resolve("bm25-multifield.tsv"))
                        .size());

        String markdown = Files.readString(report);
        assertThat(markdown, containsString("Other sections stay."));
        assertThat(markdown, containsString("<!-- relevance:scifact:" + TINY_BERT + ":8-queries -->"));
        assertThat(markdown, containsString("random weights"));
        assertThat(markdown, containsString("| scifact | BM25 multifield | "));
    }

    private static RelevanceEvaluation.SystemResult row(List<RelevanceEvaluation.SystemResult> results, String named) {
        return results.stream()
                .filter(r -> r.system().endsWith(named))
                .findFirst()
                .orElseThrow();
    }
}
