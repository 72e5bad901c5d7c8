/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.ranking.VisibleText;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.XContentType;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.search.SearchExtBuilder;
import org.opensearch.search.builder.SearchSourceBuilder;

/**
 * Finds the text a search processor gives the cross-encoder as its query: {@code ext.cross_encoder.query_text}
 * when the request has it, else neural-search's {@code ext.rerank.query_context.query_text} (so searches written for
 * its {@code rerank} processor keep working with ours), else the value at {@code query_text_path} in the request's query, rendered as
 * OpenSearch renders it (so {@code {"match":{"passage":"text"}}} is read at {@code match.passage.query}).
 */
final class QueryTextResolver {

    static final String QUERY_TEXT_PATH = "query_text_path";
    static final String IGNORE_MISSING = "ignore_missing_query_text";
    private static final String NEURAL_SEARCH_RERANK_EXT = "rerank";

    private final String processorType;
    private final String queryTextPath;
    private final boolean ignoreMissing;

    QueryTextResolver(String processorType, String queryTextPath, boolean ignoreMissing) {
        this.processorType = processorType;
        this.queryTextPath = queryTextPath;
        this.ignoreMissing = ignoreMissing;
    }

    /** The query text, or null when it is missing and the processor passes such requests through. */
    String resolve(SearchRequest request) {
        SearchSourceBuilder source = request.source();
        if (source != null) {
            for (SearchExtBuilder ext : source.ext()) {
                if (ext instanceof CrossEncoderSearchExt crossEncoder) {
                    return crossEncoder.queryText();
                }
            }
            for (SearchExtBuilder ext : source.ext()) {
                // neural-search's class is not ours to see: its JSON form is the shared contract.
                if (NEURAL_SEARCH_RERANK_EXT.equals(ext.getWriteableName())
                        && XContentMapValues.extractValue("query_context.query_text", render(ext))
                                instanceof String text
                        && VisibleText.isBlank(text) == false) {
                    return text;
                }
            }
            if (queryTextPath != null && source.query() != null) {
                Object value = XContentMapValues.extractValue(queryTextPath, render(source));
                if (value instanceof List<?> values && values.isEmpty() == false) {
                    value = values.get(0);
                }
                if (value instanceof String text && VisibleText.isBlank(text) == false) {
                    return text;
                }
            }
        }
        if (ignoreMissing) {
            return null;
        }
        throw new IllegalArgumentException("["
                + processorType
                + "] found no query text: send it as [ext.cross_encoder.query_text] (or neural-search's "
                + "[ext.rerank.query_context.query_text])"
                + (queryTextPath == null ? "" : " or in the query at [" + queryTextPath + "]")
                + ", or set ["
                + IGNORE_MISSING
                + "] to pass such requests through unchanged");
    }

    private static Map<String, Object> render(SearchExtBuilder ext) {
        try (XContentBuilder builder = JsonXContent.contentBuilder()) {
            builder.startObject();
            ext.toXContent(builder, ToXContent.EMPTY_PARAMS);
            builder.endObject();
            return XContentHelper.convertToMap(BytesReference.bytes(builder), false, XContentType.JSON)
                    .v2();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> render(SearchSourceBuilder source) {
        try {
            return XContentHelper.convertToMap(
                            XContentHelper.toXContent(source.query(), XContentType.JSON, false),
                            false,
                            XContentType.JSON)
                    .v2();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
