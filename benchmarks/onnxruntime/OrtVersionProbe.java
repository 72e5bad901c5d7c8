/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A minimal reproduction for comparing ONNX Runtime versions on one model: nothing of the plugin, only the runtime's
 * Java API, one fixed batch of random token ids, and the session options the plugin varies (threads, spinning, memory
 * arena, graph optimization). Run once per runtime jar on the classpath ({@code scripts/onnxruntime-versions.sh} does,
 * taking turns); prints one tab-separated line per configuration: version, configuration, median ms per batch, and
 * with {@code profile} the path of the runtime's own per-operator profile of the default configuration.
 *
 * <pre>java -cp onnxruntime-V.jar OrtVersionProbe.java MODEL.onnx BATCH TOKENS RUNS [profile]</pre>
 */
public final class OrtVersionProbe {

    private record Config(String name, int threads, boolean spinning, boolean arena, boolean allOptimizations) {}

    private static final Config[] CONFIGS = {
        new Config("plugin defaults (2 threads, spinning while running, arena, all optimizations)", 2, true, true, true),
        new Config("no spinning", 2, false, true, true),
        new Config("no memory arena", 2, true, false, true),
        new Config("basic optimizations", 2, true, true, false),
        new Config("1 thread", 1, true, true, true),
    };

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        int tokens = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        boolean profile = args.length > 4 && args[4].equals("profile");
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        String version = environment.getVersion();
        Map<String, OnnxTensor> inputs = inputs(environment, batch, tokens);
        for (Config config : CONFIGS) {
            try (OrtSession.SessionOptions options = options(config);
                    OrtSession session = environment.createSession(model.toString(), options)) {
                double median = medianMillis(session, inputs, runs);
                System.out.printf(Locale.ROOT, "%s\t%s\t%.2f%n", version, config.name(), median);
            }
        }
        if (profile) {
            Path prefix = Files.createTempDirectory("ort-profile").resolve("ort-" + version);
            try (OrtSession.SessionOptions options = options(CONFIGS[0])) {
                options.enableProfiling(prefix.toString());
                try (OrtSession session = environment.createSession(model.toString(), options)) {
                    medianMillis(session, inputs, runs);
                    System.out.printf(Locale.ROOT, "%s\tprofile\t%s%n", version, session.endProfiling());
                }
            }
        }
    }

    private static OrtSession.SessionOptions options(Config config) throws Exception {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(
                config.allOptimizations()
                        ? OrtSession.SessionOptions.OptLevel.ALL_OPT
                        : OrtSession.SessionOptions.OptLevel.BASIC_OPT);
        options.setCPUArenaAllocator(config.arena());
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setIntraOpNumThreads(config.threads());
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", config.spinning() ? "1" : "0");
        options.addConfigEntry("session.force_spinning_stop", "1");
        return options;
    }

    /** A batch of random token ids (BERT's vocabulary), all attended, the second half of each pair segment 1. */
    private static Map<String, OnnxTensor> inputs(OrtEnvironment environment, int batch, int tokens)
            throws Exception {
        Random random = new Random(42);
        long[] ids = new long[batch * tokens];
        long[] mask = new long[batch * tokens];
        long[] types = new long[batch * tokens];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + random.nextInt(29000);
            mask[i] = 1;
            types[i] = i % tokens >= tokens / 2 ? 1 : 0;
        }
        long[] shape = {batch, tokens};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
        inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
        inputs.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
        return inputs;
    }

    private static double medianMillis(OrtSession session, Map<String, OnnxTensor> inputs, int runs)
            throws Exception {
        Map<String, OnnxTensor> used = new HashMap<>(inputs);
        used.keySet().retainAll(session.getInputNames());
        for (int i = 0; i < 3; i++) {
            session.run(used).close();
        }
        double[] millis = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            session.run(used).close();
            millis[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(millis);
        return millis[runs / 2];
    }
}
