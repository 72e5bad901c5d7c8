/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.registry.ExternalModels;
import org.crossencoder.opensearch.registry.ModelInfo;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.support.GroupedActionListener;
import org.opensearch.common.Nullable;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;

/**
 * Finds the models a request names on this node: in the models path, or among the {@link ExternalModels} for names
 * {@code ml:<model id>}; the cluster's default model when it names none; the versions a coordinating node pinned.
 */
public final class ModelResolver {

    /** The longest file name Linux file systems allow, so the longest a model directory's name can be. */
    private static final int MAX_MODEL_NAME_LENGTH = 255;

    private final ModelRegistry registry;
    private final ExternalModels external;
    private final ThreadContext threadContext;
    private final DynamicSettings settings;

    public ModelResolver(
            ModelRegistry registry, ExternalModels external, ThreadContext threadContext, DynamicSettings settings) {
        this.registry = registry;
        this.external = external;
        this.threadContext = threadContext;
        this.settings = settings;
    }

    /**
     * The named model, or with {@code name} null the one {@link CrossEncoderSettings#DEFAULT_MODEL} names; a 400
     * naming the setting and this node's models when neither is given.
     */
    public CrossEncoderModel model(@Nullable String name) {
        String resolved = name != null ? name : requireDefaultModel();
        checkModelName(resolved);
        return ExternalModels.isExternal(resolved) ? external.model(resolved) : registry.get(resolved);
    }

    /** Answers once this node serves the named model: at once for the models path's, after reading it for ML Commons'. */
    public void ensureServed(String name, ActionListener<Void> listener) {
        if (ExternalModels.isExternal(name)) {
            external.ensureServed(name, threadContext, listener);
        } else {
            listener.onResponse(null);
        }
    }

    /**
     * The version of the model a request was planned with on node {@code plannedOn} (its {@link ModelInfo#fingerprint()}):
     * one search or rerank must rank everything with the same files. A 503 naming both nodes when this node has other
     * files or settings for it; a 404 or 503 when it does not serve the model at all.
     */
    public CrossEncoderModel plannedModel(String name, String fingerprint, String plannedOn) {
        CrossEncoderModel planned = registry.get(name, fingerprint);
        if (planned != null) {
            return planned;
        }
        CrossEncoderModel here = model(name);
        throw new OpenSearchStatusException(
                "cross-encoder model [{}] on node [{}] has other files or settings than on node [{}], which planned this search ({} here; {} there): "
                        + "one search must rank every shard with the same model. Compare the nodes with GET _plugins/cross_encoder/models, "
                        + "give every node the same model directory and reload the models",
                RestStatus.SERVICE_UNAVAILABLE,
                here.name(),
                registry.nodeName(),
                plannedOn,
                registry.info(name).fingerprint(),
                fingerprint);
    }

    /**
     * The models a request selected, as this node serves them: the versions pinned in the selection when a coordinating
     * node ({@code plannedOn}) pinned them, else the ones serving here. A 400 when the models disagree on whether they
     * score with probabilities and the request does not say.
     */
    public Ensemble ensemble(ModelSelection selection, @Nullable String plannedOn) {
        List<Ensemble.Member> members = new ArrayList<>(selection.size());
        for (ModelSelection.Member member : members(selection)) {
            CrossEncoderModel model = member.fingerprint() == null
                    ? model(member.name())
                    : plannedModel(member.name(), member.fingerprint(), plannedOn);
            members.add(new Ensemble.Member(model, member.weight()));
        }
        Boolean probability = selection.probability();
        if (probability == null) {
            probability = members.get(0).model().config().probability();
            for (Ensemble.Member member : members) {
                if (member.model().config().probability() != probability) {
                    throw new IllegalArgumentException("models ["
                            + members.get(0).model().name() + "] and ["
                            + member.model().name() + "] disagree on [" + ModelSelection.PROBABILITY.getPreferredName()
                            + "] in their " + ModelConfig.FILE_NAME + ": set ["
                            + ModelSelection.PROBABILITY.getPreferredName()
                            + "] in the request, so that the ensemble averages scores of one kind");
                }
            }
        }
        return new Ensemble(members, probability);
    }

    /** Answers once this node serves every model of the selection (see {@link #ensureServed(String, ActionListener)}). */
    public void ensureServed(ModelSelection selection, ActionListener<Void> listener) {
        List<String> names;
        try {
            names = names(selection);
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        GroupedActionListener<Void> all =
                new GroupedActionListener<>(ActionListener.map(listener, done -> null), names.size());
        names.forEach(name -> ensureServed(name, all));
    }

    /**
     * As {@link #ensureServed(ModelSelection, ActionListener)}, first checking that the user of the request may use each
     * external model of the selection, as its source would let them read it (ML Commons' model groups; a 403 naming the
     * model when not): where a request enters, on the node that plans it, in the user's thread context. The node then
     * reads the model as itself, once for all users.
     */
    public void ensureServedForUser(ModelSelection selection, ActionListener<Void> listener) {
        List<String> externalNames;
        try {
            externalNames =
                    names(selection).stream().filter(ExternalModels::isExternal).toList();
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        if (externalNames.isEmpty()) {
            ensureServed(selection, listener);
            return;
        }
        GroupedActionListener<Void> all = new GroupedActionListener<>(
                ActionListener.wrap(checked -> ensureServed(selection, listener), listener::onFailure),
                externalNames.size());
        externalNames.forEach(name -> external.checkAccess(name, all));
    }

    /** The names of the selected models, the default model's when it names none. */
    public List<String> names(ModelSelection selection) {
        return members(selection).stream().map(ModelSelection.Member::name).toList();
    }

    /** The selected models, or the default model (weight 1, not pinned) when the selection names none. */
    private List<ModelSelection.Member> members(ModelSelection selection) {
        return selection.members().isEmpty()
                ? List.of(new ModelSelection.Member(requireDefaultModel(), 1f, null))
                : selection.members();
    }

    /**
     * The selection with each model pinned to the version this node serves, the default model named: every node then
     * scores with the same files, or refuses. Unchanged when this node does not serve every model (nothing to pin).
     */
    public ModelSelection pin(ModelSelection selection) {
        List<ModelSelection.Member> members = members(selection);
        List<ModelSelection.Member> pinned = new ArrayList<>(members.size());
        for (ModelSelection.Member member : members) {
            ModelInfo local = registry.info(member.name());
            if (local == null || local.loaded() == false) {
                return selection;
            }
            pinned.add(new ModelSelection.Member(member.name(), member.weight(), local.fingerprint()));
        }
        return new ModelSelection(pinned, selection.probability());
    }

    /** Whether this node serves the named model now (any version of it). */
    public boolean serves(String name) {
        ModelInfo info = registry.info(name);
        return info != null && info.loaded();
    }

    /**
     * A model name is looked up among the loaded models, never used as a path; one longer than any directory name
     * can be is refused before it is echoed in an error.
     */
    private static void checkModelName(String name) {
        if (name.length() > MAX_MODEL_NAME_LENGTH) {
            throw new IllegalArgumentException(
                    "[model] is [" + name.length() + "] characters long; a model is named after its "
                            + "directory or its ML Commons id, at most [" + MAX_MODEL_NAME_LENGTH + "] characters");
        }
    }

    /** The cluster's default model name; a 400 naming the setting and this node's models when none is set. */
    public String requireDefaultModel() {
        String fallback = settings.defaultModel();
        if (fallback.isEmpty()) {
            throw new IllegalArgumentException("no [model] given and ["
                    + CrossEncoderSettings.DEFAULT_MODEL.getKey()
                    + "] is not set: name one of the models this node serves "
                    + registry.models().keySet()
                    + ", or set a default model");
        }
        return fallback;
    }

    public ModelRegistry registry() {
        return registry;
    }
}
