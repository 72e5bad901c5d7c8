/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.mlcommons;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.registry.ModelInfo;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionType;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.test.OpenSearchTestCase;
import org.opensearch.test.client.NoOpNodeClient;
import org.opensearch.threadpool.TestThreadPool;
import org.opensearch.threadpool.ThreadPool;

/** Serving ML Commons' models, against an ML Commons that answers as its get-model action does. */
public class MlCommonsModelsTests extends OpenSearchTestCase {

    private static final String ID = "kXlT3JsBx1lZbVbHq9Ft";
    private static final String NAME = MlCommonsModels.PREFIX + ID;
    private static final List<String> PASSAGES = List.of("berlin has many people", "a city", "");

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private ThreadPool threadPool;
    private ModelRegistry registry;
    private FakeMlCommons mlCommons;
    private MlCommonsModels models;
    private Path modelDir;
    private final List<Runnable> retirements = new ArrayList<>();

    @Before
    public void start() throws Exception {
        threadPool = new TestThreadPool(getClass().getSimpleName());
        modelDir = GeneratedTinyModel.writeTo(folder.newFolder("generated").toPath());
        registry = ModelRegistry.load(
                folder.newFolder("models").toPath(),
                "node-1",
                new CrossEncoderModel.InferenceOptions(4, 1),
                retirements::add,
                () -> -1);
        mlCommons = new FakeMlCommons(threadPool);
        models = new MlCommonsModels(
                new MlCommonsClient(mlCommons::execute, threadPool.getThreadContext(), "node-1"),
                registry,
                threadPool,
                folder.newFolder("tmp").toPath(),
                () -> TimeValue.timeValueHours(1));
    }

    @After
    public void stop() {
        models.close();
        registry.close();
        ThreadPool.terminate(threadPool, 10, TimeUnit.SECONDS);
    }

    @Test
    public void servesTheModelMlCommonsHoldsAndScoresAsTheSameFilesDo() throws Exception {
        byte[] zip = mlCommons.register(ID, zip(Map.of()), "DEPLOYED", 3);

        serve(NAME);

        CrossEncoderModel served = models.model(NAME);
        try (CrossEncoderModel fromFiles =
                CrossEncoderModel.load("files", modelDir, new CrossEncoderModel.InferenceOptions(4, 1))) {
            assertArrayEquals(
                    fromFiles.score("how many people live in berlin", PASSAGES),
                    served.score("how many people live in berlin", PASSAGES),
                    0f);
        }
        ModelInfo info = registry.info(NAME);
        assertEquals(new ModelInfo.MlCommonsSource(ID, "test-model", sha256(zip)), info.mlCommons());
        assertEquals("_plugins/_ml/models/" + ID, info.path());
        assertEquals("every chunk read once", 3, mlCommons.chunkReads.get());
        assertTrue(
                "the files are deleted once loaded",
                isEmpty(folder.getRoot().toPath().resolve("tmp")));
    }

    @Test
    public void requestsThatNeedTheSameModelWaitForOneRead() throws Exception {
        mlCommons.register(ID, zip(Map.of()), "DEPLOYED", 2);
        List<PlainActionFuture<Void>> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            PlainActionFuture<Void> request = PlainActionFuture.newFuture();
            models.ensureServed(NAME, new ThreadContext(Settings.EMPTY), request);
            requests.add(request);
        }
        for (PlainActionFuture<Void> request : requests) {
            request.actionGet(30, TimeUnit.SECONDS);
        }
        assertNotNull(registry.served(NAME));
        assertEquals("chunks of one read", 2, mlCommons.chunkReads.get());
    }

    @Test
    public void aModelDeletedInMlCommonsStopsBeingServedAtTheNextCheckAndIsThenA404() throws Exception {
        mlCommons.register(ID, zip(Map.of()), "DEPLOYED", 1);
        serve(NAME);
        mlCommons.registered.remove(ID);

        models.checkServed();

        assertNull(registry.served(NAME));
        assertEquals("the version searches were planned with retires later", 1, retirements.size());
        ResourceNotFoundException notFound = assertThrows(ResourceNotFoundException.class, () -> serve(NAME));
        assertThat(
                notFound.getMessage(),
                containsString("ML Commons has no model [" + ID + "]: it was deleted or never registered"));
        assertEquals(RestStatus.NOT_FOUND, notFound.status());
    }

    @Test
    public void anUndeployedModelStopsBeingServedAndIsA400NamingItsState() throws Exception {
        mlCommons.register(ID, zip(Map.of()), "DEPLOYED", 1);
        serve(NAME);
        mlCommons.register(ID, zip(Map.of()), "UNDEPLOYED", 1);

        models.checkServed();

        assertNull(registry.served(NAME));
        OpenSearchStatusException refused = assertThrows(OpenSearchStatusException.class, () -> serve(NAME));
        assertEquals(RestStatus.BAD_REQUEST, refused.status());
        assertThat(
                refused.getMessage(),
                containsString("ML Commons model [" + ID + "] is [UNDEPLOYED] in ML Commons, not deployed"));
    }

    @Test
    public void aModelWhoseContentChangedInMlCommonsLoadsAgainAtTheNextCheck() throws Exception {
        mlCommons.register(ID, zip(Map.of()), "DEPLOYED", 1);
        serve(NAME);
        String before = registry.info(NAME).fingerprint();

        byte[] changed =
                mlCommons.register(ID, zip(Map.of("cross-encoder.json", "{\"max_length\": 64}")), "DEPLOYED", 1);
        models.checkServed();

        ModelInfo after = registry.info(NAME);
        assertEquals(sha256(changed), after.mlCommons().contentHash());
        assertEquals("the model's own settings come with it", 64, after.maxLength());
        assertNotEquals(before, after.fingerprint());
        assertEquals("the old version retires", 1, retirements.size());
    }

    @Test
    public void aZipWhoseGoldenPairsDoNotReproduceIsNotServed() throws Exception {
        mlCommons.register(
                ID,
                zip(Map.of("golden.json", "{\"pairs\": [{\"query\": \"q\", \"passage\": \"p\", \"logits\": [1000]}]}")),
                "DEPLOYED",
                1);

        Exception refused = assertThrows(Exception.class, () -> serve(NAME));
        assertThat(refused.getMessage(), containsString("does not reproduce its [golden.json]: 1 of 1 pairs differ"));
        assertNull(registry.served(NAME));
    }

    @Test
    public void chunksThatDoNotAddUpToTheRecordedHashAreRefused() throws Exception {
        mlCommons.register(ID, zip(Map.of()), "DEPLOYED", 2, Map.of("model_content_hash_value", "0".repeat(64)));

        OpenSearchStatusException refused = assertThrows(OpenSearchStatusException.class, () -> serve(NAME));
        assertEquals(RestStatus.CONFLICT, refused.status());
        assertThat(refused.getMessage(), containsString("not the [" + "0".repeat(64) + "] ML Commons recorded"));
        assertNull(registry.served(NAME));
    }

    @Test
    public void refusesModelsOfAnotherKindAndZipsWithoutAModel() throws Exception {
        mlCommons.register(
                ID,
                zip(Map.of()),
                "DEPLOYED",
                1,
                Map.of("algorithm", "TEXT_EMBEDDING", "model_format", "TORCH_SCRIPT"));
        OpenSearchStatusException embedder = assertThrows(OpenSearchStatusException.class, () -> serve(NAME));
        assertEquals(RestStatus.BAD_REQUEST, embedder.status());
        assertThat(embedder.getMessage(), containsString("is a [TEXT_EMBEDDING] model in [TORCH_SCRIPT] format"));

        mlCommons.register(
                ID, zipOf(Map.of("README.md", "no model here".getBytes(StandardCharsets.UTF_8))), "DEPLOYED", 1);
        OpenSearchStatusException noOnnx = assertThrows(OpenSearchStatusException.class, () -> serve(NAME));
        assertEquals(RestStatus.BAD_REQUEST, noOnnx.status());
        assertThat(noOnnx.getMessage(), containsString("holds no .onnx file"));
    }

    @Test
    public void namesThatCannotBeModelIdsNeverReachMlCommons() {
        for (String name : List.of("ml:", "ml:../models/x", "ml:/etc/passwd", "ml:a b", "ml:" + "a".repeat(200))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serve(name));
            assertThat(e.getMessage(), containsString("is not an ML Commons model"));
        }
        assertEquals(0, mlCommons.reads.get());
    }

    @Test
    public void withoutMlCommonsInstalledTheAnswerSaysSo() {
        try (NoOpNodeClient client = new NoOpNodeClient(threadPool) {
            @Override
            public <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                    ActionType<Response> action, Request request, ActionListener<Response> listener) {
                // What a node without the action answers: NodeClient#transportAction's own words.
                throw new IllegalStateException("failed to find action [" + action + "] to execute");
            }
        }) {
            MlCommonsModels withoutMlCommons = new MlCommonsModels(
                    new MlCommonsClient(client::execute, threadPool.getThreadContext(), "node-1"),
                    registry,
                    threadPool,
                    folder.getRoot().toPath(),
                    () -> TimeValue.timeValueHours(1));
            OpenSearchStatusException e = assertThrows(OpenSearchStatusException.class, () -> {
                PlainActionFuture<Void> served = PlainActionFuture.newFuture();
                withoutMlCommons.ensureServed(NAME, threadPool.getThreadContext(), served);
                served.actionGet(30, TimeUnit.SECONDS);
            });
            assertEquals(RestStatus.BAD_REQUEST, e.status());
            assertThat(
                    e.getMessage(),
                    containsString("ML Commons (the opensearch-ml plugin) is not installed on node [node-1]"));
        }
    }

    private void serve(String name) {
        PlainActionFuture<Void> served = PlainActionFuture.newFuture();
        models.ensureServed(name, new ThreadContext(Settings.EMPTY), served);
        try {
            served.actionGet(30, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            throw (RuntimeException) ExceptionsHelper.unwrapCause(e);
        }
    }

    private byte[] zip(Map<String, String> extraFiles) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        // ML Commons' zips name the .onnx file after the model, and some keep their files in a folder.
        files.put("minilm/test-model.onnx", Files.readAllBytes(modelDir.resolve(CrossEncoderModel.MODEL_FILE)));
        files.put("minilm/tokenizer.json", Files.readAllBytes(modelDir.resolve("tokenizer.json")));
        extraFiles.forEach((file, text) -> files.put("minilm/" + file, text.getBytes(StandardCharsets.UTF_8)));
        return zipOf(files);
    }

    private static byte[] zipOf(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    /** A model as ML Commons' index holds it: its record and its uploaded chunks. */
    private record Registered(Map<String, Object> record, List<byte[]> chunks) {}

    /**
     * ML Commons' get-model action as another plugin reaches it through the node client: it reads the request in
     * ML Commons' wire form ({@code MLModelGetRequest}) and answers, on another thread, a response that renders the
     * model's record as ML Commons' REST API does, or a 404 for a model or chunk it lacks.
     */
    private static final class FakeMlCommons extends NoOpNodeClient {

        final Map<String, Registered> registered = new ConcurrentHashMap<>();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger chunkReads = new AtomicInteger();

        FakeMlCommons(ThreadPool threadPool) {
            super(threadPool);
        }

        /** Registers (or re-registers) the zip in {@code chunks} pieces, as ML Commons' upload API stores it. */
        byte[] register(String id, byte[] zip, String state, int chunks) throws Exception {
            return register(id, zip, state, chunks, Map.of());
        }

        byte[] register(String id, byte[] zip, String state, int chunks, Map<String, Object> overrides)
                throws Exception {
            List<byte[]> pieces = new ArrayList<>();
            int size = (zip.length + chunks - 1) / chunks;
            for (int i = 0; i < chunks; i++) {
                pieces.add(Arrays.copyOfRange(zip, i * size, Math.min(zip.length, (i + 1) * size)));
            }
            Map<String, Object> record = new HashMap<>(Map.of(
                    "name",
                    "test-model",
                    "algorithm",
                    "TEXT_SIMILARITY",
                    "model_format",
                    "ONNX",
                    "model_state",
                    state,
                    "model_content_hash_value",
                    sha256(zip),
                    "model_content_size_in_bytes",
                    zip.length,
                    "total_chunks",
                    chunks));
            record.putAll(overrides);
            registered.put(id, new Registered(record, pieces));
            return zip;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
                ActionType<Response> action, Request request, ActionListener<Response> listener) {
            assertEquals(MlCommonsClient.GET_MODEL_ACTION, action.name());
            String documentId;
            boolean returnContent;
            try (BytesStreamOutput out = new BytesStreamOutput()) {
                request.writeTo(out);
                StreamInput in = out.bytes().streamInput();
                TaskId.readFromStream(in);
                documentId = in.readString();
                returnContent = in.readBoolean();
                in.readBoolean(); // user-initiated
                in.readOptionalString(); // tenant id
                assertEquals("the whole request was read", 0, in.available());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            threadPool().generic().execute(() -> {
                Map<String, Object> answer = answer(documentId, returnContent);
                if (answer == null) {
                    listener.onFailure(new OpenSearchStatusException(
                            "Failed to find model with the provided model id: " + documentId, RestStatus.NOT_FOUND));
                } else {
                    listener.onResponse((Response) new Rendered(answer));
                }
            });
        }

        private Map<String, Object> answer(String documentId, boolean returnContent) {
            int chunk = documentId.lastIndexOf('_');
            Registered model = registered.get(documentId);
            if (model != null) {
                reads.incrementAndGet();
                return model.record();
            }
            model = chunk < 0 ? null : registered.get(documentId.substring(0, chunk));
            if (model == null) {
                return null;
            }
            chunkReads.incrementAndGet();
            int n = Integer.parseInt(documentId.substring(chunk + 1));
            Map<String, Object> record = new HashMap<>(Map.of("chunk_number", n, "algorithm", "TEXT_SIMILARITY"));
            if (returnContent) {
                record.put(
                        "model_content",
                        Base64.getEncoder().encodeToString(model.chunks().get(n)));
            }
            return record;
        }
    }

    /** ML Commons' response as another class loader sees it: only its JSON form is shared. */
    private static final class Rendered extends ActionResponse implements ToXContentObject {

        private final Map<String, Object> record;

        Rendered(Map<String, Object> record) {
            this.record = record;
        }

        @Override
        public void writeTo(StreamOutput out) {
            throw new UnsupportedOperationException("never sent");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.map(record);
        }
    }
}
