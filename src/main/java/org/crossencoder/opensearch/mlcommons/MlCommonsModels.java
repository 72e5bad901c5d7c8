/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.mlcommons;

import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.registry.ExternalModels;
import org.crossencoder.opensearch.registry.ModelInfo;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.AbstractRunnable;
import org.opensearch.common.util.concurrent.ListenableFuture;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.common.util.io.IOUtils;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.threadpool.Scheduler;
import org.opensearch.threadpool.ThreadPool;

/**
 * The models of ML Commons this node serves, named {@code ml:<model id>}. A node reads one the first time a request
 * needs it (the model's chunks, through ML Commons' get-model action, checked against the SHA-256 ML Commons recorded)
 * and loads it into the cross-encoder engine beside the models path's models. Every {@code check_interval} it asks
 * ML Commons again about each one it serves: a model deleted or undeployed there stops being served here (requests
 * then get ML Commons' answer as a 4xx), one whose recorded content changed is read and loaded again.
 */
public final class MlCommonsModels implements ExternalModels, Closeable {

    private static final Logger logger = LogManager.getLogger(MlCommonsModels.class);

    public static final String PREFIX = ModelRegistry.EXTERNAL_PREFIX;

    /** ML Commons' ids are URL-safe base64 or UUIDs; nothing else is looked up. */
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final MlCommonsClient client;
    private final ModelRegistry registry;
    private final ThreadPool threadPool;
    private final Path workDirectory;
    private final Supplier<TimeValue> checkInterval;
    /** What ML Commons said of each model served here when it was loaded. */
    private final Map<String, MlCommonsModel> served = new ConcurrentHashMap<>();
    /** The load under way for each model: requests that need the same model wait for the one load. */
    private final Map<String, ListenableFuture<Void>> loading = new ConcurrentHashMap<>();

    private volatile Scheduler.ScheduledCancellable nextCheck;
    private volatile boolean closed;

    /** {@code workDirectory} holds a model's files while it loads; they are deleted once it has loaded. */
    public MlCommonsModels(
            MlCommonsClient client,
            ModelRegistry registry,
            ThreadPool threadPool,
            Path workDirectory,
            Supplier<TimeValue> checkInterval) {
        this.client = client;
        this.registry = registry;
        this.threadPool = threadPool;
        this.workDirectory = workDirectory;
        this.checkInterval = checkInterval;
    }

    /** Whether the name is an ML Commons model's ({@code ml:<model id>}). */
    public static boolean isMlCommonsModel(String name) {
        return name.startsWith(PREFIX);
    }

    /** The model id of a name {@code ml:<model id>}; a 400 when what follows the prefix cannot be a model id. */
    public static String modelId(String name) {
        String id = name.substring(PREFIX.length());
        if (MODEL_ID.matcher(id).matches() == false) {
            throw new IllegalArgumentException("[" + name + "] is not an ML Commons model: [" + PREFIX
                    + "] must be followed by a model id as ML Commons gives it (letters, digits, '-' and '_')");
        }
        return id;
    }

    /** The model as this node serves it now; a 503 when it does not, as no request made it read the model yet. */
    @Override
    public CrossEncoderModel model(String name) {
        CrossEncoderModel model = registry.served(name);
        if (model == null) {
            throw new OpenSearchStatusException(
                    "ML Commons model [{}] is not loaded on node [{}]; retry the request",
                    RestStatus.SERVICE_UNAVAILABLE,
                    modelId(name),
                    registry.nodeName());
        }
        return model;
    }

    /**
     * Answers once this node serves the model, reading it from ML Commons when it does not yet; fails with ML
     * Commons' answer (a 404 for a deleted model, a 400 for an undeployed one or one of another kind).
     */
    @Override
    public void ensureServed(String name, ThreadContext threadContext, ActionListener<Void> listener) {
        try {
            modelId(name);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        if (registry.served(name) != null) {
            listener.onResponse(null);
            return;
        }
        ListenableFuture<Void> load = new ListenableFuture<>();
        ListenableFuture<Void> running = loading.putIfAbsent(name, load);
        if (running == null) {
            threadPool.generic().execute(new AbstractRunnable() {
                @Override
                protected void doRun() throws Exception {
                    sync(name);
                    loading.remove(name, load);
                    load.onResponse(null);
                }

                @Override
                public void onFailure(Exception e) {
                    loading.remove(name, load);
                    load.onFailure(e);
                }
            });
        }
        (running == null ? load : running)
                .addListener(listener, OpenSearchExecutors.newDirectExecutorService(), threadContext);
    }

    /**
     * Answers whether the user of the calling thread context may use the named model in ML Commons (see
     * {@link MlCommonsClient#checkAccess}): a 403 naming it when not.
     */
    @Override
    public void checkAccess(String name, ActionListener<Void> listener) {
        String modelId;
        try {
            modelId = modelId(name);
        } catch (IllegalArgumentException e) {
            listener.onFailure(e);
            return;
        }
        client.checkAccess(modelId, listener);
    }

    /** Starts the periodic checks against ML Commons. */
    public void start() {
        scheduleCheck();
    }

    private void scheduleCheck() {
        if (closed == false) {
            nextCheck = threadPool.schedule(this::checkServed, checkInterval.get(), ThreadPool.Names.GENERIC);
        }
    }

    /** Asks ML Commons again about every model served here; ML Commons being unreachable for a while stops nothing. */
    void checkServed() {
        try {
            for (String name : List.copyOf(served.keySet())) {
                try {
                    sync(name);
                } catch (Exception e) {
                    if (ExceptionsHelper.status(e).getStatus() >= 500) {
                        logger.warn(() -> "could not check ML Commons model [" + name + "]; it keeps serving", e);
                    }
                }
            }
        } finally {
            scheduleCheck();
        }
    }

    /**
     * Makes what this node serves under the name match what ML Commons holds: loads the model when it is not served
     * or its content changed, stops serving it when ML Commons refuses it (deleted, undeployed). One at a time: a
     * model's files and its second copy in memory exist only while it loads.
     */
    private synchronized void sync(String name) throws Exception {
        String id = modelId(name);
        MlCommonsModel model;
        try {
            model = client.model(id);
            model.checkServable();
        } catch (Exception e) {
            if (ExceptionsHelper.status(e).getStatus() < 500 && served.remove(name) != null) {
                registry.stopServing(name);
                logger.info("stopped serving ML Commons model [{}]: {}", id, e.getMessage());
            }
            throw e;
        }
        MlCommonsModel current = served.get(name);
        if (current != null && current.contentHash().equals(model.contentHash()) && registry.served(name) != null) {
            return;
        }
        Path files = Files.createTempDirectory(workDirectory, "cross-encoder-ml-commons-");
        try {
            MlCommonsModelFiles.write(client, model, files);
            registry.serve(
                    name,
                    files,
                    "_plugins/_ml/models/" + id,
                    new ModelInfo.MlCommonsSource(id, model.name(), model.contentHash()));
            served.put(name, model);
        } finally {
            IOUtils.rm(files);
        }
    }

    @Override
    public void close() {
        closed = true;
        Scheduler.ScheduledCancellable check = nextCheck;
        if (check != null) {
            check.cancel();
        }
    }
}
