/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.settings;

import java.nio.file.Path;
import java.util.List;
import org.crossencoder.opensearch.compat.NodePaths;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Setting.Property;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.core.common.unit.ByteSizeUnit;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.env.Environment;

/** Every setting the plugin registers, under the {@code plugins.cross_encoder.} prefix. */
public final class CrossEncoderSettings {

    /** The thread pool that runs model inference, so search threads are never the ones doing matrix work. */
    public static final String INFERENCE_THREAD_POOL = "cross_encoder_inference";
    /** One inference at a time by default: each already fans out over all intra-op threads. */
    public static final int INFERENCE_THREAD_POOL_SIZE = 1;

    public static final int INFERENCE_THREAD_POOL_QUEUE_SIZE = 100;

    /** Directory holding one sub-directory per model; empty means {@code <path.conf>/cross-encoder-models}. */
    public static final Setting<String> MODELS_PATH =
            Setting.simpleString("plugins.cross_encoder.models_path", Property.NodeScope);

    /** Largest {@code window_size} a {@code cross_encoder} rescore may ask for: each hit in the window costs one model pass. */
    public static final Setting<Integer> MAX_WINDOW_SIZE = Setting.intSetting(
            "plugins.cross_encoder.rescore.max_window_size", 1000, 1, Property.NodeScope, Property.Dynamic);

    /**
     * The most (query, passage) pairs one request may give the model: hits times the windows each may be read in
     * ({@code passage_windows}). Checked before any work, against the most windows a request allows.
     */
    public static final Setting<Integer> MAX_PAIRS_PER_REQUEST = Setting.intSetting(
            "plugins.cross_encoder.max_pairs_per_request", 5000, 1, Property.NodeScope, Property.Dynamic);

    /**
     * The model of every request that names none: the rescore clause, both search processors and {@code _rerank}.
     * A cluster setting, so that every node resolves an omitted model to the same name.
     */
    public static final Setting<String> DEFAULT_MODEL =
            Setting.simpleString("plugins.cross_encoder.default_model", Property.NodeScope, Property.Dynamic);

    /**
     * The most memory the models a node serves may hold (their resident size as measured when they loaded), checked
     * at start and at each reload: a model that would go over fails to load, the others keep serving. -1: no limit.
     */
    public static final Setting<ByteSizeValue> MODELS_MEMORY_LIMIT = Setting.byteSizeSetting(
            "plugins.cross_encoder.models.memory_limit",
            new ByteSizeValue(-1),
            new ByteSizeValue(-1),
            new ByteSizeValue(Long.MAX_VALUE),
            Property.NodeScope,
            Property.Dynamic);

    /**
     * Longest query text, in characters, any request may give the model. A cross-encoder reads at most
     * {@code max_length} tokens of query and passage together, so a longer text is a mistake or an attack, and
     * tokenizing megabytes would hold an inference thread.
     */
    public static final Setting<Integer> MAX_QUERY_TEXT_LENGTH = Setting.intSetting(
            "plugins.cross_encoder.max_query_text_length", 10_000, 1, Property.NodeScope, Property.Dynamic);

    /**
     * Pairs per ONNX Runtime call; each batch is padded only to its own longest pair. 8 measured fastest on
     * 2 cores for 100 MS MARCO pairs (docs/benchmarks/speed.md): small batches waste the least on padding.
     */
    public static final Setting<Integer> BATCH_SIZE =
            Setting.intSetting("plugins.cross_encoder.inference.batch_size", 8, 1, 1024, Property.NodeScope);

    /**
     * Most tokens in one batch once padded (pairs x the longest pair's tokens; a batch always holds at least one pair).
     * Long pairs then run in small batches and short ones up to {@code batch_size}: on 2 cores, abstracts of 250-400
     * tokens ran fastest two or three at a time and MS MARCO passages eight at a time (docs/benchmarks/speed.md).
     */
    public static final Setting<Integer> BATCH_TOKENS = Setting.intSetting(
            "plugins.cross_encoder.inference.batch_tokens", 1024, 1, Integer.MAX_VALUE, Property.NodeScope);

    /**
     * Whether each model runs in the fastest exact form of its graph: rewrites that give the same logits for less work
     * (the last layer at the [CLS] position only), applied at load and checked there against the model's own graph
     * (engine/ExactLevers). On by default; off serves every graph as its file has it.
     */
    public static final Setting<Boolean> EXACT_LEVERS =
            Setting.boolSetting("plugins.cross_encoder.inference.exact_levers", true, Property.NodeScope);

    /**
     * ONNX Runtime threads per running inference. The default shares the node's allocated processors among the
     * inference pool's threads, so that {@code size x intra_op_threads} never exceeds the cores the node has.
     */
    public static final Setting<Integer> INTRA_OP_THREADS = new Setting<>(
            "plugins.cross_encoder.inference.intra_op_threads",
            s -> Integer.toString(Math.max(1, OpenSearchExecutors.allocatedProcessors(s) / inferencePoolSize(s))),
            s -> Setting.parseInt(s, 1, 256, "plugins.cross_encoder.inference.intra_op_threads"),
            Property.NodeScope);

    /**
     * Heap for scores already computed ({@code 1%} of the heap, or an absolute size); repeated queries, later pages
     * and {@code explain} then skip the model. Changing it empties the cache; 0 turns it off.
     */
    public static final Setting<ByteSizeValue> CACHE_SIZE =
            Setting.memorySizeSetting("plugins.cross_encoder.cache.size", "1%", Property.NodeScope, Property.Dynamic);

    /**
     * Largest {@code _rerank} request body. The texts travel whole to the node and are held until they are scored, and
     * the model reads only their first {@code max_length} tokens: a body of many megabytes is a mistake or an attack.
     * 413 beyond.
     */
    public static final Setting<ByteSizeValue> RERANK_MAX_REQUEST_SIZE = Setting.byteSizeSetting(
            "plugins.cross_encoder.rerank.max_request_size",
            new ByteSizeValue(4, ByteSizeUnit.MB),
            new ByteSizeValue(1, ByteSizeUnit.KB),
            new ByteSizeValue(100, ByteSizeUnit.MB),
            Property.NodeScope,
            Property.Dynamic);

    /**
     * Most characters all the texts of one {@code _rerank} call may hold together: each is tokenized whole before it is
     * cut to {@code max_length} tokens, on the inference pool. 400 beyond.
     */
    public static final Setting<Integer> RERANK_MAX_TOTAL_TEXT_LENGTH = Setting.intSetting(
            "plugins.cross_encoder.rerank.max_total_text_length", 2_000_000, 1, Property.NodeScope, Property.Dynamic);

    /**
     * How often each node asks ML Commons about the ML Commons models ({@code ml:<model id>}) it serves: a model
     * deleted or undeployed there stops being served at most this long (plus one check) later, and one whose content
     * changed is read again. ML Commons' own sync job runs every 10 seconds too.
     */
    public static final Setting<TimeValue> ML_COMMONS_CHECK_INTERVAL = Setting.timeSetting(
            "plugins.cross_encoder.ml_commons.check_interval",
            TimeValue.timeValueSeconds(10),
            TimeValue.timeValueSeconds(1),
            Property.NodeScope,
            Property.Dynamic);

    static final String TIER_MODE_KEY = "plugins.cross_encoder.tier.mode";

    /**
     * Where model work runs: {@code auto} sends it to the reranking tier (the nodes with the {@code cross_encoder} role)
     * when the cluster has one, {@code local} keeps it where the request runs, {@code tier} sends it to the tier and
     * answers 503 when no node of it is up. A node of the tier always scores its own requests itself.
     */
    public static final Setting<TierMode> TIER_MODE = new Setting<>(
            TIER_MODE_KEY, TierMode.AUTO.toString(), TierMode::parse, Property.NodeScope, Property.Dynamic);

    private CrossEncoderSettings() {}

    public static List<Setting<?>> all() {
        return List.of(
                MODELS_PATH,
                MODELS_MEMORY_LIMIT,
                DEFAULT_MODEL,
                MAX_WINDOW_SIZE,
                MAX_PAIRS_PER_REQUEST,
                MAX_QUERY_TEXT_LENGTH,
                BATCH_SIZE,
                BATCH_TOKENS,
                INTRA_OP_THREADS,
                EXACT_LEVERS,
                CACHE_SIZE,
                ML_COMMONS_CHECK_INTERVAL,
                RERANK_MAX_REQUEST_SIZE,
                RERANK_MAX_TOTAL_TEXT_LENGTH,
                TIER_MODE);
    }

    /** The inference pool's size as configured ({@code thread_pool.cross_encoder_inference.size}). */
    public static int inferencePoolSize(Settings settings) {
        return settings.getAsInt("thread_pool." + INFERENCE_THREAD_POOL + ".size", INFERENCE_THREAD_POOL_SIZE);
    }

    /**
     * Refuses an inference pool that cannot work well: one whose inferences, all running at once, would ask ONNX Runtime
     * for more threads than the node has processors (they would only slow each other and the node's search and indexing
     * down), or one without a queue.
     */
    public static void checkInferencePool(Settings settings) {
        int pool = inferencePoolSize(settings);
        int intraOp = INTRA_OP_THREADS.get(settings);
        int processors = OpenSearchExecutors.allocatedProcessors(settings);
        if (pool * intraOp > processors) {
            throw new IllegalArgumentException("[thread_pool."
                    + INFERENCE_THREAD_POOL
                    + ".size] ("
                    + pool
                    + ") x ["
                    + INTRA_OP_THREADS.getKey()
                    + "] ("
                    + intraOp
                    + ") asks for "
                    + pool * intraOp
                    + " threads, more than the node's "
                    + processors
                    + " allocated processors; lower one of them");
        }
        // OpenSearch's fixed pools hand work to a running thread only through their queue: with none, every task is
        // refused once the pool's threads exist. The scheduler keeps its own queue; this one need only hold its
        // workers.
        int queueSize = settings.getAsInt(
                "thread_pool." + INFERENCE_THREAD_POOL + ".queue_size", INFERENCE_THREAD_POOL_QUEUE_SIZE);
        if (queueSize == 0 || queueSize < -1) {
            throw new IllegalArgumentException("[thread_pool." + INFERENCE_THREAD_POOL + ".queue_size] is [" + queueSize
                    + "]: it must be at least 1 (or -1, unbounded), as a fixed pool without a queue refuses every task once"
                    + " its threads run; it is how many requests may wait for the model");
        }
    }

    public static Path modelsPath(Environment environment) {
        String configured = MODELS_PATH.get(environment.settings());
        return configured.isEmpty()
                ? NodePaths.configDir(environment).resolve("cross-encoder-models")
                : NodePaths.configDir(environment).resolve(configured);
    }
}
