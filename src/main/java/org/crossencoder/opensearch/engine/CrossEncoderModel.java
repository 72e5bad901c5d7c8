/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.common.util.concurrent.AbstractRefCounted;

/**
 * One loaded cross-encoder: an ONNX Runtime session plus its tokenizer. Thread-safe; loaded once per
 * node and shared by every search. Reference-counted: the registry holds one reference while the model
 * may be asked for, each running request one more, and the native memory is released when the last one goes.
 * Its length is the ONNX Runtime session's set-up (threads, spinning, memory arena) next to the batched run it tunes.
 */
public final class CrossEncoderModel extends AbstractRefCounted implements Closeable {

    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    /** How ONNX Runtime's worker threads wait for their next task (measured in docs/benchmarks/speed.md). */
    public enum Spinning {
        /** They sleep at once: every operator of a batch pays for waking them. */
        OFF,
        /**
         * They spin while a batch runs and sleep as soon as it returns ({@code session.force_spinning_stop}): the
         * speed of spinning, and the cores are the node's between batches.
         */
        DURING_RUN,
        /** ONNX Runtime's default, which ML Commons keeps: they go on spinning after a batch returns. */
        ALWAYS;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Knobs that are the node's, not the model's. A batch holds at most {@code batchSize} pairs and, beyond its first
     * pair, at most {@code batchTokens} tokens once padded (pairs x its longest pair). Sorting, optimisation, the arena
     * and spinning exist so that the benchmark can measure what they are worth (docs/benchmarks/speed.md); the plugin
     * always sorts, optimises fully, uses the arena and spins during runs only. {@code exactLevers}: whether the model
     * runs in the fastest exact form of its graph ({@link ExactLevers}).
     */
    public record InferenceOptions(
            int batchSize,
            int batchTokens,
            int intraOpThreads,
            boolean sortByLength,
            OrtSession.SessionOptions.OptLevel optimization,
            boolean memoryArena,
            Spinning spinning,
            boolean exactLevers) {
        public InferenceOptions(int batchSize, int batchTokens, int intraOpThreads, boolean exactLevers) {
            this(
                    batchSize,
                    batchTokens,
                    intraOpThreads,
                    true,
                    OrtSession.SessionOptions.OptLevel.ALL_OPT,
                    true,
                    Spinning.DURING_RUN,
                    exactLevers);
        }

        public InferenceOptions(int batchSize, int batchTokens, int intraOpThreads) {
            this(batchSize, batchTokens, intraOpThreads, true);
        }

        /** Batches bounded in pairs only. */
        public InferenceOptions(int batchSize, int intraOpThreads) {
            this(batchSize, Integer.MAX_VALUE, intraOpThreads);
        }
    }

    private final String name;
    private final ModelConfig config;
    private final ModelConfig.Output output;
    private final InferenceOptions options;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final PairEncoder encoder;
    private final boolean takesTokenTypes;
    private final String tokenization;
    private final ExactLevers.Outcome exactLevers;

    private CrossEncoderModel(
            String name,
            ModelConfig config,
            InferenceOptions options,
            OrtEnvironment environment,
            OrtSession session,
            PairEncoder encoder,
            String tokenization,
            ExactLevers.Outcome exactLevers)
            throws OrtException {
        super("cross-encoder model [" + name + "]");
        this.tokenization = tokenization;
        this.exactLevers = exactLevers;
        this.name = name;
        this.config = config;
        this.options = options;
        this.environment = environment;
        this.session = session;
        this.encoder = encoder;
        this.takesTokenTypes = session.getInputNames().contains(BatchInputs.TOKEN_TYPE_IDS);
        for (String required : List.of(BatchInputs.INPUT_IDS, BatchInputs.ATTENTION_MASK)) {
            if (session.getInputNames().contains(required) == false) {
                throw new IllegalArgumentException("model [" + name + "] has inputs " + session.getInputNames()
                        + " but a cross-encoder needs [" + required + "]");
            }
        }
        this.output = resolveOutput(name, config, session);
    }

    /**
     * Loads {@code model.onnx} and {@code tokenizer.json} from a local directory; never downloads anything. A directory
     * with a {@code golden.json} loads only if the model reproduces it ({@link GoldenPairs}).
     */
    public static CrossEncoderModel load(String name, Path directory, InferenceOptions options)
            throws IOException, OrtException {
        requireFiles(name, directory);
        return load(name, directory, ModelConfig.load(directory), options);
    }

    /** As {@link #load(String, Path, InferenceOptions)}, from a directory already read. */
    public static CrossEncoderModel load(String name, ModelFiles files, InferenceOptions options)
            throws IOException, OrtException {
        // The registry has hashed tokenizer.json already: a large vocabulary is not read twice per load.
        return load(name, files.dir(), files.config(), files.tokenizerSha256(), options);
    }

    /** As {@link #load(String, Path, InferenceOptions)}, run as {@code config} says instead of its directory's config. */
    static CrossEncoderModel load(String name, Path directory, ModelConfig config, InferenceOptions nodeOptions)
            throws IOException, OrtException {
        return load(name, directory, config, FileDigest.sha256(directory.resolve(TOKENIZER_FILE)), nodeOptions);
    }

    private static CrossEncoderModel load(
            String name, Path directory, ModelConfig config, String tokenizerSha256, InferenceOptions nodeOptions)
            throws IOException, OrtException {
        InferenceOptions options = config.inference().over(nodeOptions);
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        String tokenization = "tokenizer.json sha256 " + tokenizerSha256 + ", max_length " + config.maxLength()
                + ", truncation " + config.truncation();
        PairEncoder encoder = new PairEncoder(directory, config.maxLength(), config.truncation());
        OrtSession session = null;
        CrossEncoderModel model;
        try (OrtSession.SessionOptions sessionOptions = sessionOptions(options)) {
            Path modelFile = directory.resolve(MODEL_FILE);
            ExactLevers.Sessions sessions = file -> environment.createSession(file.toString(), sessionOptions);
            session = sessions.open(modelFile);
            ExactLevers.Outcome levers = ExactLevers.Outcome.without("turned off by [" + ExactLevers.SETTING + "]");
            if (options.exactLevers()) {
                OrtSession own = session;
                // From here the levers own the session: they return the one to serve, or close what they opened.
                session = null;
                ExactLevers.Levered levered =
                        ExactLevers.apply(name, modelFile, own, sessions, probe(environment, encoder, name));
                session = levered.session();
                levers = levered.outcome();
            }
            model = new CrossEncoderModel(name, config, options, environment, session, encoder, tokenization, levers);
        } catch (OrtException | RuntimeException e) {
            encoder.close();
            if (session != null) {
                session.close();
            }
            throw e;
        }
        try {
            GoldenPairs.verify(model, directory);
            return model;
        } catch (IOException | OrtException | RuntimeException e) {
            model.decRef();
            throw e;
        }
    }

    /**
     * The batch {@link ExactLevers} compares a rewrite on: a short and a longer pair padded together. The rewrite is
     * exact whatever the text, so the text is plain enough for any tokenizer and model (a tiny test model knows 100
     * tokens and 62 positions).
     */
    private static ExactLevers.Probe probe(OrtEnvironment environment, PairEncoder encoder, String name) {
        Encoding[] encodings = encoder.encode("abc", List.of("a", "hello world hello world hello"));
        int[] all = {0, 1};
        return session -> {
            try (BatchInputs inputs = new BatchInputs(
                    environment,
                    encodings,
                    all,
                    encoder.padId(),
                    session.getInputNames().contains(BatchInputs.TOKEN_TYPE_IDS))) {
                return inputs.logits(session, name);
            }
        };
    }

    /** Refuses a model directory without the files every model needs, naming the one that is missing. */
    static void requireFiles(String name, Path directory) {
        for (String file : List.of(MODEL_FILE, CrossEncoderModel.TOKENIZER_FILE)) {
            if (Files.isRegularFile(directory.resolve(file)) == false) {
                throw new IllegalArgumentException("model [" + name + "] has no [" + file + "] in [" + directory + "]");
            }
        }
    }

    private static OrtSession.SessionOptions sessionOptions(InferenceOptions options) throws OrtException {
        OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
        sessionOptions.setOptimizationLevel(options.optimization());
        sessionOptions.setCPUArenaAllocator(options.memoryArena());
        sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
        sessionOptions.setInterOpNumThreads(1);
        sessionOptions.addConfigEntry(
                "session.intra_op.allow_spinning", options.spinning() == Spinning.OFF ? "0" : "1");
        // Threads still spinning after a batch would burn the cores the node needs for search between batches.
        sessionOptions.addConfigEntry(
                "session.force_spinning_stop", options.spinning() == Spinning.DURING_RUN ? "1" : "0");
        return sessionOptions;
    }

    private static ModelConfig.Output resolveOutput(String name, ModelConfig config, OrtSession session)
            throws OrtException {
        NodeInfo first = session.getOutputInfo().values().iterator().next();
        long[] shape = ((TensorInfo) first.getInfo()).getShape();
        long width = shape.length == 2 ? shape[1] : 1;
        ModelConfig.Output output = config.output();
        if (output == null) {
            output = width == 2 ? ModelConfig.Output.TWO_CLASS : ModelConfig.Output.LOGIT;
        }
        if (width > 0 && width != output.width()) {
            throw new IllegalArgumentException("model [" + name + "] outputs " + Arrays.toString(shape)
                    + " but output [" + output + "] needs " + output.width() + " value(s) per pair");
        }
        ModelConfig.requireTwoClassForRelevantLabel(output, config.relevantLabel());
        return output;
    }

    /**
     * Scores every passage against the query on the calling thread, in the order of {@code passages}. The node
     * goes through the {@link InferenceScheduler} instead; this is for tools and tests.
     */
    public float[] score(String query, List<String> passages) throws OrtException {
        PairScoring scoring = new PairScoring(List.of(this), query, passages, null);
        while (scoring.hasNextStep()) {
            scoring.step();
        }
        return scoring.result(false).get(0).scores();
    }

    /** What decides the tokens of a pair: two models with the same value read every pair as the same tokens. */
    public String tokenization() {
        return tokenization;
    }

    Encoding[] encode(String query, List<String> passages) {
        return encoder.encode(query, passages);
    }

    /** The character ranges of the windows a passage is read in ({@link PairEncoder#windows}). */
    int[] windows(String passage, PassageWindows.Resolved windows) {
        return encoder.windows(passage, windows.length(), windows.stride(), windows.maxWindows());
    }

    int batchSize() {
        return options.batchSize();
    }

    /** The batch size, token budget and spinning this model runs with: its {@code cross-encoder.json}'s, else the node's. */
    public ModelInference inference() {
        return ModelInference.effective(options);
    }

    int batchTokens() {
        return options.batchTokens();
    }

    boolean sortsByLength() {
        return options.sortByLength();
    }

    /** Runs one batch: the pairs {@code encodings[batch[i]]}, padded to the longest of them; their scores. */
    float[] run(Encoding[] encodings, int[] batch) throws OrtException {
        float[][] logits = logits(encodings, batch);
        float[] scores = new float[logits.length];
        for (int row = 0; row < logits.length; row++) {
            scores[row] = output.score(logits[row], config.relevantLabel());
        }
        return scores;
    }

    /** As {@link #run}, the model's raw output: one row of logits per pair. */
    float[][] logits(Encoding[] encodings, int[] batch) throws OrtException {
        try (BatchInputs inputs = new BatchInputs(environment, encodings, batch, encoder.padId(), takesTokenTypes)) {
            return inputs.logits(session, name);
        }
    }

    /** The exact levers the model runs with, or why it runs without them. */
    public ExactLevers.Outcome exactLevers() {
        return exactLevers;
    }

    public String name() {
        return name;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelConfig.Output output() {
        return output;
    }

    /** The output as the models API shows it ({@link ModelConfig#describeOutput}). */
    public String describeOutput() {
        return config.describeOutput(output);
    }

    /** Gives up the holder's reference; see the class comment. */
    @Override
    public void close() {
        decRef();
    }

    @Override
    protected void closeInternal() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("could not release model [" + name + "]", e);
        } finally {
            encoder.close();
        }
    }
}
