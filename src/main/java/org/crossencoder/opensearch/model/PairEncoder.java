package org.crossencoder.opensearch.model;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Encodes (query, passage) pairs with the model's own tokenizer and pair template
 * ({@code [CLS] query [SEP] passage [SEP]} for BERT). Only the passage is truncated to fit
 * {@code maxLength}; the query is cut too only when it alone does not fit.
 */
final class PairEncoder implements Closeable {

    static final String TOKENIZER_FILE = "tokenizer.json";
    private static final String DJL_OFFLINE = "ai.djl.offline";

    private final int maxLength;
    private final HuggingFaceTokenizer passageOnly;
    private final HuggingFaceTokenizer longestFirst;
    private final HuggingFaceTokenizer untruncated;
    /** Special tokens the pair template adds ({@code [CLS] [SEP] [SEP]} = 3 for BERT). */
    private final int pairOverhead;
    private final long padId;

    PairEncoder(Path modelDir, int maxLength) throws IOException {
        Path tokenizerFile = modelDir.resolve(TOKENIZER_FILE);
        Thread thread = Thread.currentThread();
        ClassLoader previousLoader = thread.getContextClassLoader();
        String previousOffline = System.getProperty(DJL_OFFLINE);
        // DJL finds its bundled native library through the context class loader, which inside OpenSearch is not the plugin's.
        thread.setContextClassLoader(PairEncoder.class.getClassLoader());
        // Offline: should the bundled library not fit the platform, fail instead of downloading one. Only for our
        // own load: other plugins on the node (ml-commons) use DJL too and keep their own setting.
        System.setProperty(DJL_OFFLINE, "true");
        List<HuggingFaceTokenizer> built = new ArrayList<>(3);
        try {
            built.add(builder(tokenizerFile).optMaxLength(maxLength).optTruncateSecondOnly().build());
            built.add(builder(tokenizerFile).optMaxLength(maxLength).optTruncation(true).build());
            built.add(builder(tokenizerFile).optTruncation(false).build());
        } catch (IOException | RuntimeException e) {
            built.forEach(HuggingFaceTokenizer::close); // native memory, not reclaimed by the garbage collector
            throw e;
        } finally {
            thread.setContextClassLoader(previousLoader);
            if (previousOffline == null) {
                System.clearProperty(DJL_OFFLINE);
            } else {
                System.setProperty(DJL_OFFLINE, previousOffline);
            }
        }
        this.passageOnly = built.get(0);
        this.longestFirst = built.get(1);
        this.untruncated = built.get(2);
        this.maxLength = maxLength;
        this.pairOverhead = untruncated.encode("a", "b").getIds().length - tokenCount("a") - tokenCount("b");
        this.padId = padId(tokenizerFile);
    }

    private static HuggingFaceTokenizer.Builder builder(Path tokenizerFile) {
        return HuggingFaceTokenizer.builder().optTokenizerPath(tokenizerFile).optAddSpecialTokens(true).optPadding(false);
    }

    Encoding[] encode(String query, List<String> passages) {
        PairList<String, String> pairs = new PairList<>(passages.size());
        for (String passage : passages) {
            pairs.add(query, passage);
        }
        // Truncating only the passage cannot work when the query alone overflows, and the native tokenizer
        // aborts the whole JVM instead of failing: such a query is cut too, longest sequence first.
        boolean queryFits = tokenCount(query) + pairOverhead < maxLength;
        return (queryFits ? passageOnly : longestFirst).batchEncode(pairs);
    }

    private int tokenCount(String text) {
        return untruncated.encode(text, false, false).getIds().length;
    }

    long padId() {
        return padId;
    }

    /** The id padding positions get: the tokenizer's own padding id, else its [PAD]/<pad> token, else 0. */
    @SuppressWarnings("unchecked")
    private static long padId(Path tokenizerFile) throws IOException {
        Map<String, Object> tokenizer = ModelConfig.readJson(tokenizerFile);
        if (tokenizer.get("padding") instanceof Map<?, ?> padding && padding.get("pad_id") instanceof Number id) {
            return id.longValue();
        }
        if (tokenizer.get("model") instanceof Map<?, ?> model && model.get("vocab") instanceof Map<?, ?> vocab) {
            for (String token : List.of("[PAD]", "<pad>")) {
                if (((Map<String, Object>) vocab).get(token) instanceof Number id) {
                    return id.longValue();
                }
            }
        }
        return 0;
    }

    @Override
    public void close() {
        passageOnly.close();
        longestFirst.close();
        untruncated.close();
    }
}
