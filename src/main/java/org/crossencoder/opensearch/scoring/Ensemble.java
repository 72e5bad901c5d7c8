/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Calibration;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.opensearch.common.Nullable;

/**
 * The loaded models one request scores with, and how their outputs make its score: each model's logit, or with
 * {@code probability} its calibrated probability ({@link Calibration}); with several models, the weighted mean of
 * those. One model scoring logits is the plain case: its scores pass through unchanged.
 */
public final class Ensemble {

    /** A loaded model and its weight in the mean. */
    public record Member(CrossEncoderModel model, float weight) {}

    private final List<Member> members;
    private final boolean probability;
    private final float totalWeight;

    public Ensemble(List<Member> members, boolean probability) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one model");
        }
        this.members = List.copyOf(members);
        this.probability = probability;
        float total = 0;
        for (Member member : members) {
            total += member.weight();
        }
        this.totalWeight = total;
    }

    /** One model, its output as its {@code cross-encoder.json} says. */
    public static Ensemble of(CrossEncoderModel model) {
        return new Ensemble(List.of(new Member(model, 1f)), model.config().probability());
    }

    public List<Member> members() {
        return members;
    }

    /** The ensemble as a request names it: its models with their weights, and whether it scores with probabilities. */
    public ModelSelection selection() {
        return new ModelSelection(
                members.stream()
                        .map(member -> new ModelSelection.Member(member.model().name(), member.weight(), null))
                        .toList(),
                probability);
    }

    /** The first model: it cuts passages into windows for all of them, and its windows are the ones shown. */
    public CrossEncoderModel lead() {
        return members.get(0).model();
    }

    public boolean probability() {
        return probability;
    }

    /**
     * The default blend the models' {@code cross-encoder.json} set, null when they set none; a 400 when they set
     * different ones, since a request blends the ensemble's score with the first stage's once.
     */
    /**
     * The blend a request's options make with the models' default blend, which is only read (and may only then be
     * refused, when the models disagree) when the options leave something to it.
     */
    public ScoreCombination blend(BlendOptions options) {
        return options.resolve(options.isComplete() ? null : defaultBlend());
    }

    @Nullable
    public ScoreCombination defaultBlend() {
        ScoreCombination blend = lead().config().blend();
        for (Member member : members) {
            if (Objects.equals(member.model().config().blend(), blend) == false) {
                throw new IllegalArgumentException(
                        "models [" + lead().name() + "] and [" + member.model().name()
                                + "] set different default blends in their " + ModelConfig.FILE_NAME
                                + ": set [score_mode] (with [interpolate], also [normalization] and [weight]) in the request");
            }
        }
        return blend;
    }

    public int size() {
        return members.size();
    }

    /** The models as messages name them: {@code model [a]} or {@code models [a, b]}. */
    public String describe() {
        return members.size() == 1
                ? "model [" + lead().name() + "]"
                : "models " + members.stream().map(m -> m.model().name()).toList();
    }

    /** Whether scores are the first model's logits as they come, nothing to transform or average. */
    boolean passesThrough() {
        return members.size() == 1 && probability == false;
    }

    /** The member's score of a pair from its logit. */
    public float transform(int member, float logit) {
        return probability ? members.get(member).model().config().calibration().probability(logit) : logit;
    }

    /** The weight of a member's score in the mean, between 0 and 1. */
    public float share(int member) {
        return members.get(member).weight() / totalWeight;
    }

    /**
     * The members that read a pair as the same tokens (the same tokenizer, {@code max_length} and truncation), in
     * member order: each group's pairs are tokenized once for all of its members.
     */
    List<List<Integer>> tokenizerGroups() {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < members.size(); i++) {
            groups.computeIfAbsent(members.get(i).model().tokenization(), key -> new ArrayList<>())
                    .add(i);
        }
        return List.copyOf(groups.values());
    }

    /**
     * The request's scores from each member's logits ({@code raw}, in member order, over the same passages): a passage
     * is scored when every member scored it. The result keeps {@code raw} for {@code explain}, and the first member's
     * windows, their scores transformed as the passages' are.
     */
    PassageScores combine(List<PassageScores> raw) {
        if (passesThrough()) {
            return raw.get(0);
        }
        PassageScores lead = raw.get(0);
        int size = lead.size();
        float[] scores = new float[size];
        BitSet scored = new BitSet(size);
        scored.set(0, size);
        boolean timedOut = false;
        for (PassageScores member : raw) {
            scored.and(member.scored());
            timedOut |= member.timedOut();
        }
        PassageWindowScores[] windows = lead.windows() == null ? null : new PassageWindowScores[size];
        for (int passage = scored.nextSetBit(0); passage >= 0; passage = scored.nextSetBit(passage + 1)) {
            double sum = 0;
            for (int m = 0; m < members.size(); m++) {
                sum += (double) share(m) * transform(m, raw.get(m).score(passage));
            }
            scores[passage] = (float) sum;
            if (windows != null && lead.windows(passage) != null) {
                windows[passage] = lead.windows(passage).withScores(logit -> transform(0, (float) logit));
            }
        }
        return new PassageScores(scores, scored, timedOut, windows, raw.toArray(PassageScores[]::new));
    }
}
