package org.crossencoder.opensearch.model;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.common.Strings;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
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
    private final SortedMap<String, String> failures;

    private ModelRegistry(Path root, String nodeName, SortedMap<String, CrossEncoderModel> models, SortedMap<String, String> failures) {
        this.root = root;
        this.nodeName = nodeName;
        this.models = models;
        this.failures = failures;
    }

    public static ModelRegistry load(Path root, String nodeName, CrossEncoderModel.InferenceOptions options) throws IOException {
        SortedMap<String, CrossEncoderModel> models = new TreeMap<>();
        SortedMap<String, String> failures = new TreeMap<>();
        if (Files.isDirectory(root)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
                for (Path dir : dirs) {
                    if (Files.exists(dir.resolve(CrossEncoderModel.MODEL_FILE)) == false) {
                        continue;
                    }
                    String name = dir.getFileName().toString();
                    long start = System.nanoTime();
                    try {
                        models.put(name, CrossEncoderModel.load(name, dir, options));
                        logger.info("loaded cross-encoder model [{}] from [{}] in [{}ms]", name, dir, (System.nanoTime() - start) / 1_000_000);
                    } catch (Exception | LinkageError | AssertionError e) {
                        // Native libraries report a bad model or platform with errors; one bad model must not stop the node.
                        logger.error(() -> "could not load cross-encoder model [" + name + "] from [" + dir + "]", e);
                        failures.put(name, e.getMessage());
                    }
                }
            }
        } else {
            logger.info("no cross-encoder models directory at [{}]; the cross_encoder rescorer has no models on this node", root);
        }
        return new ModelRegistry(root, nodeName, models, failures);
    }

    /** The named model, or a request error that names the node and the models it does have. */
    public CrossEncoderModel get(String name) {
        CrossEncoderModel model = models.get(name);
        if (model != null) {
            return model;
        }
        String failure = failures.get(name);
        if (failure != null) {
            throw new IllegalStateException("model [" + name + "] on node [" + nodeName + "] failed to load: " + failure);
        }
        throw new IllegalArgumentException(
            "unknown cross-encoder model ["
                + name
                + "] on node ["
                + nodeName
                + "]; known models: ["
                + Strings.collectionToDelimitedString(models.keySet(), ", ")
                + "] (from ["
                + root
                + "])"
        );
    }

    public Map<String, CrossEncoderModel> models() {
        return Collections.unmodifiableSortedMap(models);
    }

    public Path root() {
        return root;
    }

    @Override
    public void close() {
        models.values().forEach(CrossEncoderModel::close);
    }
}
