package org.crossencoder.opensearch.rescore;

import org.apache.lucene.search.IndexSearcher;
import org.crossencoder.opensearch.model.CrossEncoderModel;
import org.crossencoder.opensearch.model.InferenceService;
import org.opensearch.search.rescore.RescoreContext;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/** One shard's resolved {@code cross_encoder} rescore: the model, the query text and where the passage text lives. */
final class CrossEncoderRescoreContext extends RescoreContext {

    private final InferenceService inference;
    private final CrossEncoderModel model;
    private final String queryText;
    private final List<String> fields;
    private final PassageReader passages;
    private final ScoreMode scoreMode;
    private final float queryWeight;
    private final float rescoreQueryWeight;

    CrossEncoderRescoreContext(
        int windowSize,
        InferenceService inference,
        CrossEncoderModel model,
        String queryText,
        List<String> fields,
        PassageReader passages,
        ScoreMode scoreMode,
        float queryWeight,
        float rescoreQueryWeight
    ) {
        super(windowSize, CrossEncoderRescorer.INSTANCE);
        this.inference = inference;
        this.model = model;
        this.queryText = queryText;
        this.fields = fields;
        this.passages = passages;
        this.scoreMode = scoreMode;
        this.queryWeight = queryWeight;
        this.rescoreQueryWeight = rescoreQueryWeight;
    }

    /** The text the model reads for each hit, in the order of {@code docIds}. */
    String[] readPassages(IndexSearcher searcher, int[] docIds) throws IOException {
        return passages.read(searcher, docIds);
    }

    /** Cross-encoder scores of the passages against the query text, in the same order. */
    float[] score(String[] passageTexts) {
        return inference.score(model, queryText, Arrays.asList(passageTexts));
    }

    /** The final score of a reranked hit. */
    float combine(float firstStage, float crossEncoder) {
        return scoreMode.combine(firstStage * queryWeight, crossEncoder * rescoreQueryWeight);
    }

    CrossEncoderModel model() {
        return model;
    }

    List<String> fields() {
        return fields;
    }

    ScoreMode scoreMode() {
        return scoreMode;
    }

    float queryWeight() {
        return queryWeight;
    }

    float rescoreQueryWeight() {
        return rescoreQueryWeight;
    }
}
