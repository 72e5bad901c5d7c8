package org.crossencoder.opensearch.model;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.core.common.Strings;
import org.opensearch.core.rest.RestStatus;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The models of one node: every sub-directory of the models path that holds a {@code model.onnx}, loaded
 * once when the node starts. A model that fails to load stays listed with its error, so requests for it
 * say why instead of pretending it does not exist.
 */
public final class ModelRegistry implements Closeable {

    private static final Logger logger = LogManager.getLogger(ModelRegistry.class);

    private final Path root;
    private final String nodeName;
    private final SortedMap<String, CrossEncoderModel> models;
    private final SortedMap<String, ModelInfo> infos;

    private ModelRegistry(Path root, String nodeName, SortedMap<String, CrossEncoderModel> models, SortedMap<String, ModelInfo> infos) {
        this.root = root;
        this.nodeName = nodeName;
        this.models = models;
        this.infos = infos;
    }

    public static ModelRegistry load(Path root, String nodeName, CrossEncoderModel.InferenceOptions options) throws IOException {
        SortedMap<String, CrossEncoderModel> models = new TreeMap<>();
        SortedMap<String, ModelInfo> infos = new TreeMap<>();
        if (Files.isDirectory(root)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
                for (Path dir : dirs) {
                    Path modelFile = dir.resolve(CrossEncoderModel.MODEL_FILE);
                    if (Files.exists(modelFile) == false) {
                        continue;
                    }
                    String name = dir.getFileName().toString();
                    long start = System.nanoTime();
                    try {
                        CrossEncoderModel model = CrossEncoderModel.load(name, dir, options);
                        long millis = (System.nanoTime() - start) / 1_000_000;
                        models.put(name, model);
                        infos.put(
                            name,
                            new ModelInfo(
                                name,
                                dir.toString(),
                                true,
                                null,
                                model.config().maxLength(),
                                model.output().name().toLowerCase(Locale.ROOT),
                                Files.size(modelFile),
                                sha256(modelFile),
                                sha256(dir.resolve(PairEncoder.TOKENIZER_FILE)),
                                millis
                            )
                        );
                        logger.info("loaded cross-encoder model [{}] from [{}] in [{}ms]", name, dir, millis);
                    } catch (Exception e) {
                        // One bad model must not stop the node. A native library that cannot load at all (an Error) does
                        // stop it: no model could run, and the node's log says why at start.
                        logger.error(() -> "could not load cross-encoder model [" + name + "] from [" + dir + "]", e);
                        infos.put(name, ModelInfo.failed(name, dir.toString(), e.getMessage()));
                    }
                }
            }
        } else {
            logger.info("no cross-encoder models directory at [{}]; the cross_encoder rescorer has no models on this node", root);
        }
        return new ModelRegistry(root, nodeName, models, infos);
    }

    private static String sha256(Path file) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * The named model; a 503 with its load error if it failed to load, a 404 naming the node and its models
     * (loaded and failed) if there is no such model.
     */
    public CrossEncoderModel get(String name) {
        CrossEncoderModel model = models.get(name);
        if (model != null) {
            return model;
        }
        ModelInfo info = infos.get(name);
        if (info != null) {
            throw new OpenSearchStatusException(
                "cross-encoder model [{}] on node [{}] failed to load: {}",
                RestStatus.SERVICE_UNAVAILABLE,
                name,
                nodeName,
                info.error()
            );
        }
        List<String> failed = infos.keySet().stream().filter(n -> models.containsKey(n) == false).toList();
        throw new ResourceNotFoundException(
            "unknown cross-encoder model [{}] on node [{}]; loaded models: [{}]{} (from [{}]). Every node that holds shards of "
                + "the searched indices needs the model: copy its directory into that path and restart the node",
            name,
            nodeName,
            Strings.collectionToDelimitedString(models.keySet(), ", "),
            failed.isEmpty() ? "" : "; failed to load: [" + Strings.collectionToDelimitedString(failed, ", ") + "]",
            root
        );
    }

    public Map<String, CrossEncoderModel> models() {
        return Collections.unmodifiableSortedMap(models);
    }

    public String nodeName() {
        return nodeName;
    }

    /** What this node knows of the named model, or null if it has no such model directory. */
    public ModelInfo info(String name) {
        return infos.get(name);
    }

    /** Every model directory found, loaded or not. */
    public List<ModelInfo> describe() {
        return List.copyOf(infos.values());
    }

    @Override
    public void close() {
        models.values().forEach(CrossEncoderModel::close);
    }
}
