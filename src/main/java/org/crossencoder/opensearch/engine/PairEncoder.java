/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.util.PairList;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Encodes (query, passage) pairs with the model's own tokenizer and pair template
 * ({@code [CLS] query [SEP] passage [SEP]} for BERT), cut to {@code maxLength} tokens as the model's
 * {@link ModelConfig.Truncation} says.
 */
final class PairEncoder implements Closeable {

    private final int maxLength;
    /** Null unless the truncation is {@link ModelConfig.Truncation#ONLY_SECOND}. */
    private final HuggingFaceTokenizer passageOnly;

    private final HuggingFaceTokenizer longestFirst;
    private final HuggingFaceTokenizer untruncated;
    /** Special tokens the pair template adds ({@code [CLS] [SEP] [SEP]} = 3 for BERT). */
    private final int pairOverhead;

    private final long padId;

    PairEncoder(Path modelDir, int maxLength, ModelConfig.Truncation truncation) throws IOException {
        Path tokenizerFile = modelDir.resolve(CrossEncoderModel.TOKENIZER_FILE);
        TokenizerLibrary.ensureLoaded();
        List<HuggingFaceTokenizer> built = new ArrayList<>(3);
        try {
            built.add(builder(tokenizerFile)
                    .optMaxLength(maxLength)
                    .optTruncation(true)
                    .build());
            built.add(builder(tokenizerFile).optTruncation(false).build());
            if (truncation == ModelConfig.Truncation.ONLY_SECOND) {
                built.add(builder(tokenizerFile)
                        .optMaxLength(maxLength)
                        .optTruncateSecondOnly()
                        .build());
            }
        } catch (IOException | RuntimeException e) {
            built.forEach(HuggingFaceTokenizer::close); // native memory, not reclaimed by the garbage collector
            throw e;
        }
        this.longestFirst = built.get(0);
        this.untruncated = built.get(1);
        this.passageOnly = built.size() > 2 ? built.get(2) : null;
        this.maxLength = maxLength;
        this.pairOverhead = untruncated.encode("a", "b").getIds().length - tokenCount("a") - tokenCount("b");
        this.padId = padId(tokenizerFile);
    }

    private static HuggingFaceTokenizer.Builder builder(Path tokenizerFile) {
        return HuggingFaceTokenizer.builder()
                .optTokenizerPath(tokenizerFile)
                .optAddSpecialTokens(true)
                .optPadding(false);
    }

    Encoding[] encode(String query, List<String> passages) {
        Encoding queryAlone = tokens(query);
        int queryTokens = queryAlone.getIds().length;
        // Truncating only the passage cannot work when the query alone leaves it no room, and the native
        // tokenizer then aborts the whole JVM instead of failing: such a pair is cut longest first.
        if (passageOnly != null && queryTokens + pairOverhead < maxLength) {
            return passageOnly.batchEncode(pairs(query, queryAlone, passages, false));
        }
        // Which side keeps an odd token can depend on where Hugging Face stopped reading each text (see
        // atWordBoundary), but only once the query takes more than half of the pair's room.
        return longestFirst.batchEncode(pairs(query, queryAlone, passages, 2 * queryTokens > maxLength - pairOverhead));
    }

    private PairList<String, String> pairs(
            String query, Encoding queryAlone, List<String> passages, boolean cutAtWordBoundaries) {
        String pairQuery = cutAtWordBoundaries ? atWordBoundary(query, queryAlone) : query;
        PairList<String, String> pairs = new PairList<>(passages.size());
        for (String passage : passages) {
            pairs.add(pairQuery, cutAtWordBoundaries ? atWordBoundary(passage, tokens(passage)) : passage);
        }
        return pairs;
    }

    /**
     * The text up to the end of the word holding its {@code maxLength}-th token, or all of it when it is shorter
     * ({@code alone}: the text's {@link #tokens}).
     * Hugging Face tokenizers (0.23 on) stop reading a text there before they cut a pair longest first, and it is
     * from those lengths that they choose the shorter side, which keeps the odd token; cutting the text at the
     * same word boundary, where tokenizing a prefix gives the same tokens, makes our tokenizer choose alike.
     */
    private String atWordBoundary(String text, Encoding alone) {
        long[] words = alone.getWordIds();
        if (words.length <= maxLength) {
            return text;
        }
        int last = maxLength - 1;
        while (last + 1 < words.length && words[last + 1] == words[maxLength - 1]) {
            last++;
        }
        // Offsets count code points, not UTF-16 chars.
        return text.substring(0, text.offsetByCodePoints(0, alone.getCharTokenSpans()[last].getEnd()));
    }

    /**
     * The character ranges ({@code [start, end)} pairs, UTF-16 indices) of the windows a passage is read in: at most
     * {@code maxWindows} runs of {@code length} of its tokens, consecutive ones sharing up to {@code stride} tokens. Windows
     * start and end where the text has white space, so that a window never splits "and/or" or "1.89" (which a WordPiece
     * tokenizer reads as several words); in a run of text without white space (e.g. Chinese), at a word the tokenizer
     * found; inside a word only when one word fills the window. Tokenizing a window's text gives the tokens it covers.
     * A passage of at most {@code length} tokens is one window: the whole text.
     */
    int[] windows(String passage, int length, int stride, int maxWindows) {
        Encoding alone = tokens(passage);
        long[] words = alone.getWordIds();
        int tokens = words.length;
        if (tokens <= length) {
            return new int[] {0, passage.length()};
        }
        CharSpan[] spans = alone.getCharTokenSpans();
        boolean surrogates = passage.length() != passage.codePointCount(0, passage.length());
        int[] starts = new int[tokens];
        int[] ends = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            starts[t] = utf16(passage, spans[t].getStart(), surrogates);
            ends[t] = utf16(passage, spans[t].getEnd(), surrogates);
        }
        // Where a window may begin or end, best first: before token t at white space, else at a new word.
        boolean[] atSpace = new boolean[tokens + 1];
        boolean[] atWord = new boolean[tokens + 1];
        atSpace[0] = atSpace[tokens] = atWord[0] = atWord[tokens] = true;
        for (int t = 1; t < tokens; t++) {
            atSpace[t] = whiteSpaceBetween(passage, ends[t - 1], starts[t]);
            atWord[t] = words[t] != words[t - 1];
        }
        int[] bounds = new int[2 * Math.min(maxWindows, tokens)];
        int count = 0;
        int start = 0;
        while (true) {
            int end = Math.min(start + length, tokens);
            int cut = lastBoundary(atSpace, start + 1, end);
            if (cut < 0) {
                cut = lastBoundary(atWord, start + 1, end);
            }
            if (cut < 0) {
                cut = end; // one word fills the window: cut inside it
            }
            bounds[2 * count] = starts[start];
            bounds[2 * count + 1] = ends[cut - 1];
            count++;
            if (cut == tokens || count == maxWindows) {
                return Arrays.copyOf(bounds, 2 * count);
            }
            // The next window starts at a boundary, sharing at most the stride's tokens with this one.
            int from = Math.max(start + 1, cut - stride);
            int next = firstBoundary(atSpace, from, cut);
            if (next < 0) {
                next = firstBoundary(atWord, from, cut);
            }
            start = next < 0 ? cut : next;
        }
    }

    /** The last position in {@code [from, to]} where a window may end, or -1. */
    private static int lastBoundary(boolean[] boundary, int from, int to) {
        for (int t = to; t >= from; t--) {
            if (boundary[t]) {
                return t;
            }
        }
        return -1;
    }

    /** The first position in {@code [from, to]} where a window may begin, or -1. */
    private static int firstBoundary(boolean[] boundary, int from, int to) {
        for (int t = from; t <= to; t++) {
            if (boundary[t]) {
                return t;
            }
        }
        return -1;
    }

    /** Whether the text has white space between two tokens, or at the start of the second (SentencePiece offsets). */
    private static boolean whiteSpaceBetween(String text, int previousEnd, int start) {
        int to = Math.min(start + 1, text.length());
        for (int i = previousEnd; i < to; i++) {
            if (Character.isWhitespace(text.charAt(i)) || Character.isSpaceChar(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Hugging Face offsets count code points; Java strings, UTF-16 chars. */
    private static int utf16(String text, int codePoints, boolean surrogates) {
        return surrogates ? text.offsetByCodePoints(0, codePoints) : codePoints;
    }

    /** The text's tokens alone: no special tokens, no truncation. */
    private Encoding tokens(String text) {
        return untruncated.encode(text, false, false);
    }

    int tokenCount(String text) {
        return tokens(text).getIds().length;
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
        if (passageOnly != null) {
            passageOnly.close();
        }
        longestFirst.close();
        untruncated.close();
    }
}
