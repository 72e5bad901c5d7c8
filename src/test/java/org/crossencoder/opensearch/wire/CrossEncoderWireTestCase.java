/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.wire;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.opensearch.Version;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.test.AbstractWireSerializingTestCase;
import org.opensearch.test.VersionUtils;

/**
 * OpenSearch's wire round trip on random instances (equality, hash code, {@code mutateInstance}), at every
 * OpenSearch version a node running this plugin can talk to.
 *
 * <p>How the wire format evolves: everything 0.1.0 sends is read by every later release. A field added later is
 * written and read only when {@code out.getVersion()} / {@code in.getVersion()} is on or after the OpenSearch
 * version of the first plugin release that sends it, with the old behaviour as the default otherwise; enums
 * travel by name. Its test then covers both sides of that version through {@link #SUPPORTED_VERSIONS}.
 */
public abstract class CrossEncoderWireTestCase<T extends Writeable> extends AbstractWireSerializingTestCase<T> {

    /** The oldest OpenSearch version the plugin is built for (scripts/build.sh). */
    public static final Version FIRST_SUPPORTED = Version.V_2_19_1;

    /** Every OpenSearch version from {@link #FIRST_SUPPORTED} to this build's. */
    public static final List<Version> SUPPORTED_VERSIONS = VersionUtils.allVersions().stream()
            .filter(version -> version.onOrAfter(FIRST_SUPPORTED))
            .toList();

    /** Any {@code passage_windows} option a request or a model may give. */
    public static PassageWindows randomPassageWindows() {
        if (randomBoolean()) {
            return randomFrom(PassageWindows.ON, PassageWindows.OFF);
        }
        int length = randomIntBetween(2, 300);
        return new PassageWindows(
                true,
                length,
                randomBoolean() ? null : randomIntBetween(0, length - 1),
                randomBoolean() ? null : randomIntBetween(1, 50),
                randomBoolean() ? null : randomFrom(PassageWindows.Combine.values()),
                randomBoolean() ? null : randomBoolean());
    }

    /** Any {@code chunks} option a request may give (without {@code inner_hits} when {@code innerHits} is false). */
    public static Chunks randomChunks(boolean innerHits) {
        return new Chunks(
                randomAlphaOfLengthBetween(1, 10) + (randomBoolean() ? "" : ".text"),
                randomBoolean() ? null : randomFrom(PassageWindows.Combine.values()),
                randomBoolean() ? null : randomIntBetween(1, Chunks.MAX_MAX_CHUNKS),
                innerHits && randomBoolean() ? randomAlphaOfLength(6) : null,
                randomBoolean() ? null : randomBoolean());
    }

    /** Any models a request may select: none (the default model), one, or an ensemble, pinned or not. */
    public static ModelSelection randomModelSelection() {
        List<ModelSelection.Member> members = new ArrayList<>();
        int count = randomIntBetween(0, 3);
        for (int i = 0; i < count; i++) {
            members.add(new ModelSelection.Member(
                    "model-" + i + "-" + randomAlphaOfLength(4),
                    randomBoolean() ? 1f : 0.1f + randomFloat() * 5,
                    randomBoolean() ? null : randomAlphaOfLength(12)));
        }
        return new ModelSelection(members, randomBoolean() ? null : randomBoolean());
    }

    /** Another selection: one model more, or another probability setting. */
    public static ModelSelection mutate(ModelSelection selection) {
        if (randomBoolean()) {
            return new ModelSelection(selection.members(), selection.probability() == null ? Boolean.TRUE : null);
        }
        List<ModelSelection.Member> members = new ArrayList<>(selection.members());
        members.add(new ModelSelection.Member("another-model", 2f, null));
        return new ModelSelection(members, selection.probability());
    }

    public final void testSerializationAtEverySupportedVersion() throws IOException {
        assertTrue("the build's own version is among them", SUPPORTED_VERSIONS.contains(Version.CURRENT));
        for (int run = 0; run < NUMBER_OF_TEST_RUNS; run++) {
            T instance = createTestInstance();
            for (Version version : SUPPORTED_VERSIONS) {
                assertSerialization(instance, version);
            }
        }
    }
}
