package org.crossencoder.opensearch.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The models of {@code ../shared/models} that the tests run (see its README). */
public final class TestModels {

    public static final String TINY_BERT = "tiny-random-bert-cross-encoder";
    public static final String TINY_XLM_ROBERTA = "tiny-xlm-roberta-ce-random";
    public static final String MS_MARCO = "ms-marco-MiniLM-L-6-v2";

    public static final String BERLIN_QUERY = "How many people live in Berlin?";
    public static final String BERLIN = "Berlin has a population of 3,520,031 registered inhabitants in an area of 891.82 square kilometers.";
    public static final String NEW_YORK = "New York City is famous for the Metropolitan Museum of Art.";

    private TestModels() {}

    public static Path dir(String name) {
        return Paths.get(System.getProperty("tests.models.dir", "../shared/models")).resolve(name);
    }

    public static boolean present(String name) {
        return Files.exists(dir(name).resolve(CrossEncoderModel.MODEL_FILE));
    }

    public static CrossEncoderModel load(String name, int batchSize) throws Exception {
        return CrossEncoderModel.load(name, dir(name), new CrossEncoderModel.InferenceOptions(batchSize, 1));
    }
}
