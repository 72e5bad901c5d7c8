/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.crossencoder.opensearch.compat.Privileged;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.ModelFiles;
import org.crossencoder.opensearch.ranking.Calibration;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.Strings;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.core.rest.RestStatus;

/**
 * The models of one node: every sub-directory of the models path that holds a {@code model.onnx}. A model that
 * fails to load stays listed with its error, so requests for it say why instead of pretending it does not exist.
 * <p>
 * The models path is read at start and again on each reload, in two steps so that a cluster can switch
 * together: {@link #prepare()} loads what is new or changed beside what serves now, {@link #commit()} makes it
 * what serves. A version that is replaced or removed stays findable by its fingerprint for requests planned
 * with it (see {@link #get(String, String)}) until {@code retireLater} runs, and its memory is released once its
 * running requests finish.
 * <p>
 * Longer than most classes here because the serving, failed, staged and retiring versions are one state that
 * {@code prepare}, {@code commit}, ML Commons' {@code serve} and lookups must change under one lock; split, that
 * state would be shared between classes.
 */
public final class ModelRegistry implements Closeable {

    private static final Logger logger = LogManager.getLogger(ModelRegistry.class);
    private static final String NEEDS_GRANT = "a models path outside the config directory needs a read grant in the "
            + "plugin's plugin-security.policy (see the README)";

    /** The start of the names of models served from elsewhere than the models path. */
    public static final String EXTERNAL_PREFIX = "ml:";

    /** A loaded model, what it reports about itself, and the directory state it was loaded from. */
    private record Version(CrossEncoderModel model, ModelInfo info, ModelFiles source) {}

    /** A prepared reload: what will serve, what failed, and what it changes. */
    private record Plan(
            SortedMap<String, Version> serving, SortedMap<String, ModelInfo> failed, List<ReloadOutcome> outcomes) {}

    private final Path root;
    private final String nodeName;
    private final CrossEncoderModel.InferenceOptions options;
    private final Consumer<Runnable> retireLater;
    private final LongSupplier memoryLimit;

    private volatile SortedMap<String, Version> serving = Collections.emptySortedMap();
    /** Models whose directory failed to load and that have no earlier version serving. */
    private volatile SortedMap<String, ModelInfo> failed = Collections.emptySortedMap();

    /** Models served from elsewhere than the models path (ML Commons), by name: reloads of the path leave them be. */
    private volatile SortedMap<String, Version> external = Collections.emptySortedMap();

    private volatile SortedMap<String, Version> staged = Collections.emptySortedMap();
    private final List<Version> retiring = new CopyOnWriteArrayList<>();
    private Plan plan;

    private ModelRegistry(
            Path root,
            String nodeName,
            CrossEncoderModel.InferenceOptions options,
            Consumer<Runnable> retireLater,
            LongSupplier memoryLimit) {
        this.root = root;
        this.nodeName = nodeName;
        this.options = options;
        this.retireLater = retireLater;
        this.memoryLimit = memoryLimit;
    }

    /**
     * Loads every model of the models path. {@code retireLater} runs a retirement some time later (long enough for
     * the searches already planned with a replaced version to reach every shard); {@code memoryLimit} is the most
     * bytes the serving models may hold (negative for no limit), read at each reload.
     */
    public static ModelRegistry load(
            Path root,
            String nodeName,
            CrossEncoderModel.InferenceOptions options,
            Consumer<Runnable> retireLater,
            LongSupplier memoryLimit)
            throws IOException {
        ModelRegistry registry = new ModelRegistry(root, nodeName, options, retireLater, memoryLimit);
        registry.prepare();
        registry.commit();
        return registry;
    }

    /**
     * Reads the models path and loads, beside what serves now, every model that is new or whose files changed.
     * Nothing serves differently until {@link #commit()}. A model whose new files fail to load keeps serving its
     * old version.
     */
    public synchronized List<ReloadOutcome> prepare() throws IOException {
        // Privileged: what may be read is what the plugin's policy grants (a models path outside the config directory
        // included), not what the callers on the stack may (the node's start-up code has no grant for that path).
        return Privileged.run(this::prepareFromModelsPath);
    }

    private List<ReloadOutcome> prepareFromModelsPath() throws IOException {
        discardStaged();
        SortedMap<String, Version> next = new TreeMap<>();
        SortedMap<String, ModelInfo> nextFailed = new TreeMap<>();
        SortedMap<String, Version> loaded = new TreeMap<>();
        SortedMap<String, ReloadOutcome> outcomes = new TreeMap<>();
        SortedMap<String, ModelFiles> toLoad = new TreeMap<>();
        SortedMap<String, Path> directories = scan();
        // What stays as it is goes first, so that the memory limit counts it before anything new.
        for (Map.Entry<String, Path> entry : directories.entrySet()) {
            String name = entry.getKey();
            Path dir = entry.getValue();
            Version previous = serving.get(name);
            try {
                requireInsideModelsPath(name, dir);
                ModelFiles files = ModelFiles.read(name, dir);
                if (previous != null && previous.source().equals(files)) {
                    next.put(name, previous);
                    outcomes.put(name, new ReloadOutcome(name, ReloadOutcome.Change.UNCHANGED, null));
                } else {
                    toLoad.put(name, files);
                }
            } catch (Exception e) {
                failed(name, dir, previous, e, next, nextFailed, outcomes);
            }
        }
        for (Map.Entry<String, ModelFiles> entry : toLoad.entrySet()) {
            String name = entry.getKey();
            Version previous = serving.get(name);
            try {
                List<Version> others = new ArrayList<>(next.values());
                others.addAll(external.values());
                Version version = loadVersion(
                        name, entry.getValue(), others, entry.getValue().dir().toString(), null);
                next.put(name, version);
                loaded.put(name, version);
                outcomes.put(
                        name,
                        new ReloadOutcome(
                                name,
                                previous == null ? ReloadOutcome.Change.LOADED : ReloadOutcome.Change.REPLACED,
                                null));
            } catch (Exception e) {
                failed(name, entry.getValue().dir(), previous, e, next, nextFailed, outcomes);
            }
        }
        for (String name : serving.keySet()) {
            if (directories.containsKey(name) == false) {
                outcomes.put(name, new ReloadOutcome(name, ReloadOutcome.Change.REMOVED, null));
            }
        }
        plan = new Plan(next, nextFailed, List.copyOf(outcomes.values()));
        staged = Collections.unmodifiableSortedMap(loaded);
        return plan.outcomes();
    }

    /**
     * Records a model that could not load: its earlier version, if any, keeps serving. One bad model must not stop
     * the node; a native library that cannot load at all (an Error) does, as no model could run.
     */
    private static void failed(
            String name,
            Path dir,
            Version previous,
            Exception e,
            Map<String, Version> next,
            Map<String, ModelInfo> nextFailed,
            Map<String, ReloadOutcome> outcomes) {
        logger.error(() -> "could not load cross-encoder model [" + name + "] from [" + dir + "]", e);
        String error = e instanceof SecurityException
                ? "the node's security policy does not let the plugin read its model files: " + NEEDS_GRANT + "; "
                        + e.getMessage()
                : e.getMessage();
        outcomes.put(name, new ReloadOutcome(name, ReloadOutcome.Change.FAILED, error));
        if (previous != null) {
            next.put(name, previous);
        } else {
            nextFailed.put(name, ModelInfo.failed(name, dir.toString(), error));
        }
    }

    /** Makes the prepared reload what serves; the versions it replaces or removes retire later. */
    public synchronized List<ReloadOutcome> commit() {
        if (plan == null) {
            return List.of();
        }
        SortedMap<String, Version> previous = serving;
        serving = Collections.unmodifiableSortedMap(plan.serving());
        failed = Collections.unmodifiableSortedMap(plan.failed());
        staged = Collections.emptySortedMap();
        for (Version version : previous.values()) {
            if (plan.serving().get(version.info().name()) != version) {
                retireLater(version);
            }
        }
        List<ReloadOutcome> outcomes = plan.outcomes();
        plan = null;
        for (ReloadOutcome outcome : outcomes) {
            if (outcome.change() != ReloadOutcome.Change.UNCHANGED) {
                logger.info(
                        "cross-encoder model [{}] {}{}",
                        outcome.model(),
                        outcome.change().label(),
                        outcome.error() == null ? "" : ": " + outcome.error());
            }
        }
        return outcomes;
    }

    /**
     * Loads the model files in {@code dir} and serves them as {@code name} beside the models path's models, until
     * {@link #stopServing(String)}; an earlier version of that name retires as a replaced one does. For models that
     * come from elsewhere than the models path: {@code origin} says where, for the models API.
     */
    public synchronized ModelInfo serve(String name, Path dir, String origin, ModelInfo.MlCommonsSource source)
            throws Exception {
        ModelFiles files = ModelFiles.read(name, dir);
        List<Version> others = new ArrayList<>(serving.values());
        external.forEach((other, version) -> {
            if (other.equals(name) == false) {
                others.add(version);
            }
        });
        Version version = loadVersion(name, files, others, origin, source);
        SortedMap<String, Version> next = new TreeMap<>(external);
        retireLater(next.put(name, version));
        external = Collections.unmodifiableSortedMap(next);
        return version.info();
    }

    /** Stops serving a model {@link #serve} serves; it retires as a removed one does. False if it served none. */
    public synchronized boolean stopServing(String name) {
        SortedMap<String, Version> next = new TreeMap<>(external);
        Version removed = next.remove(name);
        external = Collections.unmodifiableSortedMap(next);
        retireLater(removed);
        return removed != null;
    }

    /** The model {@link #serve} serves under the name now, or null. */
    @Nullable
    public CrossEncoderModel served(String name) {
        Version version = external.get(name);
        return version == null ? null : version.model();
    }

    private void retireLater(@Nullable Version version) {
        if (version != null) {
            retiring.add(version);
            retireLater.accept(() -> retire(version));
        }
    }

    private void retire(Version version) {
        if (retiring.remove(version)) {
            version.model().decRef();
        }
    }

    /** Drops versions a previous {@link #prepare()} loaded and no {@link #commit()} took. */
    private void discardStaged() {
        staged.values().forEach(version -> version.model().decRef());
        staged = Collections.emptySortedMap();
        plan = null;
    }

    /**
     * Refuses a model directory that is, or holds, a symbolic link leading out of the models path: the models path is
     * what an operator reviews and grants the plugin to read, so nothing it loads may come from elsewhere.
     */
    private void requireInsideModelsPath(String name, Path dir) throws IOException {
        Path realRoot = root.toRealPath();
        List<Path> paths = new ArrayList<>(List.of(dir));
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            files.forEach(paths::add);
        }
        for (Path path : paths) {
            Path real = path.toRealPath();
            if (real.startsWith(realRoot) == false) {
                throw new IllegalArgumentException("model [" + name + "]: [" + path + "] is a symbolic link to [" + real
                        + "], outside the models path [" + root + "]; put the files themselves in the models path");
            }
        }
    }

    private SortedMap<String, Path> scan() throws IOException {
        SortedMap<String, Path> directories = new TreeMap<>();
        try {
            if (Files.isDirectory(root) == false) {
                logger.info("no cross-encoder models directory at [{}]: no models are loaded from it", root);
                return directories;
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
                for (Path dir : dirs) {
                    // Such names are ML Commons models' (see MlCommonsModels): a directory cannot take one.
                    if (Files.exists(dir.resolve(CrossEncoderModel.MODEL_FILE))
                            && dir.getFileName().toString().startsWith(EXTERNAL_PREFIX) == false) {
                        directories.put(dir.getFileName().toString(), dir);
                    }
                }
            }
        } catch (SecurityException e) {
            // OpenSearch 2.19's security manager refuses even to list a models path the policy does not grant (3.x's
            // agent lets the plugin list it and refuses each model's files, which failed() reports per model).
            logger.error(
                    () -> "the node's security policy does not let the plugin read its models path [" + root + "]: "
                            + NEEDS_GRANT,
                    e);
        }
        return directories;
    }

    /**
     * Loads a model unless the models that will serve beside it ({@code others}) and it would hold more memory than
     * the limit allows: checked before loading with the file's size, and after with what loading it took.
     */
    private Version loadVersion(
            String name,
            ModelFiles files,
            Collection<Version> others,
            String origin,
            @Nullable ModelInfo.MlCommonsSource source)
            throws Exception {
        Path dir = files.dir();
        long fileBytes = Files.size(dir.resolve(CrossEncoderModel.MODEL_FILE));
        long othersBytes = others.stream()
                .mapToLong(version -> version.info().residentBytes())
                .sum();
        checkMemoryLimit(name, fileBytes, othersBytes, "at least");
        long residentBefore = ResidentMemory.bytes();
        long start = System.nanoTime();
        CrossEncoderModel model = CrossEncoderModel.load(name, files, options);
        try {
            long millis = (System.nanoTime() - start) / 1_000_000;
            // What loading took, as the process's resident memory saw it; never less than the weights' file.
            long residentBytes = Math.max(fileBytes, residentBefore < 0 ? 0 : ResidentMemory.bytes() - residentBefore);
            checkMemoryLimit(name, residentBytes, othersBytes, "");
            ModelInfo info = new ModelInfo(
                    name,
                    origin,
                    true,
                    null,
                    model.config().maxLength(),
                    model.config().truncation().toString(),
                    model.describeOutput(),
                    model.config().passageWindows(),
                    model.config().calibration().equals(Calibration.NONE)
                            ? null
                            : model.config().calibration(),
                    model.config().probability(),
                    model.config().blend(),
                    model.inference(),
                    model.exactLevers(),
                    fileBytes,
                    files.modelSha256(),
                    files.tokenizerSha256(),
                    residentBytes,
                    millis,
                    source);
            logger.info("loaded cross-encoder model [{}] from [{}] in [{}ms]", name, origin, millis);
            return new Version(model, info, files);
        } catch (RuntimeException e) {
            model.decRef();
            throw e;
        }
    }

    private void checkMemoryLimit(String name, long modelBytes, long othersBytes, String qualifier) {
        long limit = memoryLimit.getAsLong();
        if (limit >= 0 && othersBytes + modelBytes > limit) {
            throw new IllegalStateException("model ["
                    + name
                    + "] needs "
                    + (qualifier.isEmpty() ? "" : qualifier + " ")
                    + new ByteSizeValue(modelBytes)
                    + " of memory and the node's other models hold "
                    + new ByteSizeValue(othersBytes)
                    + ": over ["
                    + CrossEncoderSettings.MODELS_MEMORY_LIMIT.getKey()
                    + "] of "
                    + new ByteSizeValue(limit)
                    + "; raise the limit or remove a model");
        }
    }

    /**
     * The named model as it serves now; a 503 with its load error if it failed to load, a 404 naming the node and
     * its models (loaded and failed) if there is no such model.
     */
    public CrossEncoderModel get(String name) {
        Version version = serving.get(name);
        if (version != null) {
            return version.model();
        }
        throw notServed(name);
    }

    /**
     * The version of the named model whose files have this fingerprint, if this node has it: serving, prepared by a
     * reload not yet committed, or replaced but not yet retired. So a search planned during a reload finds, on
     * every node, the version it was planned with. Null when the node has no such version.
     */
    @Nullable
    public CrossEncoderModel get(String name, String fingerprint) {
        for (Version version : candidates(name)) {
            if (version.info().fingerprint().equals(fingerprint)) {
                return version.model();
            }
        }
        return null;
    }

    private List<Version> candidates(String name) {
        List<Version> versions = new ArrayList<>(2);
        for (Map<String, Version> state : List.of(serving, staged, external)) {
            Version version = state.get(name);
            if (version != null) {
                versions.add(version);
            }
        }
        retiring.stream().filter(version -> version.info().name().equals(name)).forEach(versions::add);
        return versions;
    }

    private RuntimeException notServed(String name) {
        ModelInfo failure = failed.get(name);
        if (failure != null) {
            return new OpenSearchStatusException(
                    "cross-encoder model [{}] on node [{}] failed to load: {}",
                    RestStatus.SERVICE_UNAVAILABLE,
                    name,
                    nodeName,
                    failure.error());
        }
        return new ResourceNotFoundException(
                "unknown cross-encoder model [{}] on node [{}]; loaded models: [{}]{} (from [{}]). Every node that holds shards of "
                        + "the searched indices needs the model: copy its directory into that path and reload the models "
                        + "(POST _plugins/cross_encoder/models/_reload)",
                name,
                nodeName,
                Strings.collectionToDelimitedString(serving.keySet(), ", "),
                failed.isEmpty()
                        ? ""
                        : "; failed to load: [" + Strings.collectionToDelimitedString(failed.keySet(), ", ") + "]",
                root);
    }

    /** The models serving now, by name. */
    public Map<String, CrossEncoderModel> models() {
        SortedMap<String, CrossEncoderModel> models = new TreeMap<>();
        serving.forEach((name, version) -> models.put(name, version.model()));
        external.forEach((name, version) -> models.put(name, version.model()));
        return Collections.unmodifiableSortedMap(models);
    }

    public String nodeName() {
        return nodeName;
    }

    /** What this node serves (or failed to load) under the name, or null if it has no such model directory. */
    @Nullable
    public ModelInfo info(String name) {
        Version version = serving.containsKey(name) ? serving.get(name) : external.get(name);
        return version != null ? version.info() : failed.get(name);
    }

    /** Every model served (from the models path or elsewhere) and every model directory that failed to load. */
    public List<ModelInfo> describe() {
        SortedMap<String, ModelInfo> all = new TreeMap<>(failed);
        serving.forEach((name, version) -> all.put(name, version.info()));
        external.forEach((name, version) -> all.put(name, version.info()));
        return List.copyOf(all.values());
    }

    @Override
    public synchronized void close() {
        discardStaged();
        serving.values().forEach(version -> version.model().decRef());
        serving = Collections.emptySortedMap();
        external.values().forEach(version -> version.model().decRef());
        external = Collections.emptySortedMap();
        retiring.forEach(version -> version.model().decRef());
        retiring.clear();
    }
}
