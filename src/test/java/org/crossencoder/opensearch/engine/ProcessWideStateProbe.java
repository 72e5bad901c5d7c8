/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.nio.file.Paths;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;

/**
 * Run in a JVM of its own by {@link ProcessWideStateTests}: loads a model there for the first time (DJL's native
 * library included) and prints every system property written meanwhile, even one put back afterwards, every one
 * read (with the library that read it: the first caller outside the JDK), and whether the calling thread's context
 * class loader changed.
 */
public final class ProcessWideStateProbe {

    private ProcessWideStateProbe() {}

    /** The JVM's properties, noting every write. */
    private static final class RecordingProperties extends Properties {
        final List<String> writes = new CopyOnWriteArrayList<>();
        final Set<String> reads = new ConcurrentSkipListSet<>();

        @Override
        public String getProperty(String key) {
            StackWalker.getInstance()
                    .walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                            .filter(name -> name.startsWith("java.") == false
                                    && name.startsWith("jdk.") == false
                                    && name.startsWith("sun.") == false
                                    && name.equals(RecordingProperties.class.getName()) == false)
                            .findFirst())
                    .ifPresent(caller -> reads.add(caller + " " + key));
            return super.getProperty(key);
        }

        @Override
        public synchronized Object put(Object key, Object value) {
            writes.add(key + "=" + value);
            return super.put(key, value);
        }

        @Override
        public synchronized Object remove(Object key) {
            writes.add(key + " removed");
            return super.remove(key);
        }
    }

    public static void main(String[] args) throws Exception {
        // A node has JNA loaded (and its jna.* properties set) by OpenSearch's bootstrap, which binds libc through it,
        // before any plugin starts.
        Class.forName("com.sun.jna.Native");
        Class.forName("com.sun.jna.NativeLibrary");
        // ... and its logging up: log4j's first message sets the JDK's default time zone (user.timezone), which a node
        // has done long before; the plugin's libraries now log through it.
        LogManager.getLogger(ProcessWideStateProbe.class).info("probe started");
        RecordingProperties recording = new RecordingProperties();
        System.getProperties().forEach(recording::putIfAbsent);
        recording.writes.clear();
        recording.reads.clear();
        System.setProperties(recording);
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        try (CrossEncoderModel model =
                CrossEncoderModel.load("probe", Paths.get(args[0]), new CrossEncoderModel.InferenceOptions(4, 1))) {
            model.score("how many people live in berlin?", List.of("Berlin is a city.", "Paris is another."));
        }
        System.out.println("system properties written: " + recording.writes);
        recording.reads.forEach(read -> System.out.println("system property read: " + read));
        System.out.println(
                "context class loader kept: " + (Thread.currentThread().getContextClassLoader() == loader));
    }
}
