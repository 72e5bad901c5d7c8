/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import com.carrotsearch.randomizedtesting.RandomizedRunner;
import com.carrotsearch.randomizedtesting.ThreadFilter;
import com.carrotsearch.randomizedtesting.annotations.Name;
import com.carrotsearch.randomizedtesting.annotations.ParametersFactory;
import com.carrotsearch.randomizedtesting.annotations.ThreadLeakFilters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.experimental.categories.Category;
import org.junit.runner.Description;
import org.junit.runner.RunWith;
import org.junit.runner.Runner;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.manipulation.Filterable;
import org.junit.runner.manipulation.NoTestsRemainException;
import org.junit.runner.notification.RunNotifier;
import org.opensearch.test.rest.yaml.ClientYamlTestCandidate;
import org.opensearch.test.rest.yaml.OpenSearchClientYamlSuiteTestCase;

/**
 * The YAML REST suite: the plugin's REST API as executable documentation, on OpenSearch's own YAML runner. The tests
 * are {@code rest-api-spec/test/cross_encoder/*.yml} and the APIs they call are described by
 * {@code rest-api-spec/api/*.json} (the plugin's own, and the few core APIs they use, copied from OpenSearch), both
 * under {@code integ-test/src/test/resources/}.
 *
 * <p>The node is a real one started by {@link OpenSearchNode} with the plugin zip of this build and the generated tiny
 * model only (and a model directory that fails to load), so the suite runs in a fresh clone. The framework wipes
 * indices, templates and cluster settings after each test; models are files on the node and search pipelines are not
 * wiped, so each test sets up what it uses.
 *
 * <p>OpenSearch's test bootstrap refuses to run as root, so failsafe runs this class in an execution of its own
 * ({@code yaml-rest-suite} in pom.xml) whose JVM is {@code scripts/test-jvm/bin/java} (as {@code nobody} under root, as
 * the unit tests). Only that execution sets {@code tests.yaml.suite}; elsewhere (the other integration tests' JVM,
 * which runs as root) the class is reported as skipped, so {@code -Dit.test=...,CrossEncoderYamlIT} runs it once.
 */
@Category(CrossEncoderYamlIT.class)
@RunWith(CrossEncoderYamlIT.InItsOwnExecution.class)
@ThreadLeakFilters(filters = {CrossEncoderYamlIT.HarnessThreads.class})
public class CrossEncoderYamlIT extends OpenSearchClientYamlSuiteTestCase {

    /** The system property only the suite's own failsafe execution sets. */
    static final String RUN_PROPERTY = "tests.yaml.suite";

    public static final String NODE_NAME = "yaml-node";

    private static OpenSearchNode node;

    public CrossEncoderYamlIT(@Name("yaml") ClientYamlTestCandidate testCandidate) {
        super(testCandidate);
    }

    @ParametersFactory
    public static Iterable<Object[]> parameters() throws Exception {
        return createParameters();
    }

    @BeforeClass
    public static void startNode() throws Exception {
        node = OpenSearchNode.start(
                NODE_NAME,
                CrossEncoderIntegTestCase.testModelsDir(),
                List.of(GeneratedTinyModel.NAME),
                Map.of("discovery.type", "single-node"),
                "512m",
                directory -> {
                    // A model the node lists as failed and answers 503 for.
                    Path broken = Files.createDirectories(
                            directory.resolve("config/cross-encoder-models").resolve(CrossEncoderIntegTestCase.BROKEN));
                    Files.writeString(broken.resolve("model.onnx"), "not an onnx model");
                    Files.copy(
                            TestModels.dir(GeneratedTinyModel.NAME).resolve("tokenizer.json"),
                            broken.resolve("tokenizer.json"));
                });
    }

    @AfterClass
    public static void stopNode() {
        if (node != null) {
            node.close();
            node = null;
        }
    }

    /**
     * Bodies go as JSON, the API's documented form (the framework would otherwise pick JSON, YAML, CBOR or SMILE at
     * random per suite run, and the suite must answer the same on every run).
     */
    @Override
    protected boolean randomizeContentType() {
        return false;
    }

    /** The framework reads the cluster's address from {@code tests.rest.cluster}; here it is the node just started. */
    @Override
    protected String getTestRestCluster() {
        return node.httpAddress();
    }

    /**
     * The node's process reaper and the harness's HTTP client (which waits for the node to answer) live as long as the
     * node; BouncyCastle's daemons are those OpenSearchTestCase itself tolerates (from 3.x on).
     */
    public static final class HarnessThreads implements ThreadFilter {
        @Override
        public boolean reject(Thread thread) {
            String name = thread.getName();
            return name.equals("process reaper")
                    || name.startsWith("HttpClient-")
                    || name.equals("BC Disposal Daemon")
                    || name.equals("BC Cleanup Executor");
        }
    }

    /**
     * OpenSearch's randomized runner where the suite's own execution runs it; elsewhere one skipped test saying where it
     * runs, without loading OpenSearch's test bootstrap (which would refuse a root JVM).
     */
    public static final class InItsOwnExecution extends Runner implements Filterable {
        private final Runner delegate;
        private final Description description;

        public InItsOwnExecution(Class<?> testClass) throws Exception {
            if (Boolean.getBoolean(RUN_PROPERTY)) {
                delegate = new RandomizedRunner(testClass);
                description = delegate.getDescription();
            } else {
                delegate = null;
                description = Description.createTestDescription(
                        testClass, "runs in failsafe's yaml-rest-suite execution, as nobody under root (pom.xml)");
            }
        }

        @Override
        public Description getDescription() {
            return description;
        }

        @Override
        public void run(RunNotifier notifier) {
            if (delegate == null) {
                notifier.fireTestIgnored(description);
            } else {
                delegate.run(notifier);
            }
        }

        @Override
        public void filter(Filter filter) throws NoTestsRemainException {
            if (delegate instanceof Filterable filterable) {
                filterable.filter(filter);
            } else if (filter.shouldRun(description) == false) {
                throw new NoTestsRemainException();
            }
        }
    }
}
