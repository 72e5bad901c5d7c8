/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.Test;
import org.opensearch.Version;

/**
 * The plugin reads no file outside what its policy grants, and the node enforces it (3.x's agent, 2.19's security
 * manager): a models path outside the config directory fails to load until the operator adds the read grant the README
 * documents to the installed plugin's policy. The agent lets the plugin list the directory and refuses each model's
 * files (the models API says why); the security manager refuses the listing itself (the node's log says why). OpenSearch
 * 3.0's agent checks no read made through the file system provider, which is how the model files are read: it refuses
 * nothing here, and the test says so.
 */
public class ModelsPathPermissionIT {

    private static final Path MODELS =
            Paths.get(System.getProperty("tests.work.dir")).resolve("outside-models/models");

    @Test
    public void aModelsPathOutsideTheConfigDirectoryNeedsTheDocumentedGrant() throws Exception {
        Path policy = Paths.get(System.getProperty("tests.opensearch.home"))
                .resolve("plugins/cross-encoder/plugin-security.policy");
        String original = Files.readString(policy);
        try {
            try (OpenSearchNode node = startWithModelsOutsideConfig()) {
                Map<String, Object> model = modelOn(node);
                if (Version.CURRENT.major == 2) {
                    assertNull("no model listed from a directory the plugin may not list", model);
                    String log = Files.readString(node.logFile());
                    assertThat(
                            log,
                            containsString("does not let the plugin read its models path [" + MODELS + "]: a models "
                                    + "path outside the config directory needs a read grant"));
                    assertThat(
                            log,
                            containsString("access denied (\"java.io.FilePermission\" \"" + MODELS + "\" \"read\")"));
                } else if (Version.CURRENT.before(Version.fromString("3.1.0"))) {
                    assertEquals("3.0's agent does not check these reads", "loaded", model.get("status"));
                } else {
                    assertEquals(String.valueOf(model), "failed", model.get("status"));
                    assertThat(
                            model.toString(),
                            containsString("does not let the plugin read its model files: a models path outside the "
                                    + "config directory needs a read grant"));
                    assertThat(model.toString(), containsString("Denied OPEN (read) access to file: " + MODELS));
                }
            }
            // The README's grant, for this node's models path, added to the installed plugin's policy.
            Files.writeString(
                    policy,
                    original.substring(0, original.lastIndexOf('}'))
                            + "  permission java.io.FilePermission \"" + MODELS + "\", \"read\";\n"
                            + "  permission java.io.FilePermission \"" + MODELS + "/-\", \"read\";\n};\n");
            try (OpenSearchNode node = startWithModelsOutsideConfig()) {
                Map<String, Object> model = modelOn(node);
                assertEquals(String.valueOf(model), "loaded", model.get("status"));
            }
        } finally {
            Files.writeString(policy, original);
        }
    }

    private static OpenSearchNode startWithModelsOutsideConfig() throws Exception {
        return OpenSearchNode.start(
                "outside-models",
                CrossEncoderIntegTestCase.testModelsDir(),
                List.of(),
                Map.of("discovery.type", "single-node", "plugins.cross_encoder.models_path", MODELS.toString()),
                "512m",
                directory -> {
                    Path model = Files.createDirectories(MODELS.resolve(GENERATED));
                    for (String file : List.of("model.onnx", "tokenizer.json")) {
                        Files.copy(TestModels.dir(GENERATED).resolve(file), model.resolve(file));
                    }
                });
    }

    /** What the node's own section of the models API says of the generated model, or null if it lists none. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> modelOn(OpenSearchNode node) throws Exception {
        RestClient.Response response = node.client().ok("GET", "/_plugins/cross_encoder/models", null);
        Map<String, Object> nodes = response.path("nodes");
        Map<String, Object> only =
                (Map<String, Object>) nodes.values().iterator().next();
        for (Map<String, Object> model : (List<Map<String, Object>>) only.get("models")) {
            if (GENERATED.equals(model.get("name"))) {
                return model;
            }
        }
        return null;
    }
}
