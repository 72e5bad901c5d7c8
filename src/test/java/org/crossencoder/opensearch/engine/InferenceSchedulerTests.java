/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.instanceOf;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.OpenSearchExecutors;
import org.opensearch.common.util.concurrent.OpenSearchThreadPoolExecutor;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.concurrency.OpenSearchRejectedExecutionException;
import org.opensearch.core.tasks.TaskCancelledException;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.test.OpenSearchTestCase;

/**
 * The scheduler on a clock the test moves: each step of a work advances it by that work's step cost, so which
 * job runs next is decided by service time alone, and the test runs the worker on its own thread.
 */
public class InferenceSchedulerTests extends OpenSearchTestCase {

    private long now;
    private final List<Runnable> workers = new ArrayList<>();
    private final List<Runnable> retries = new ArrayList<>();
    private final List<String> trace = new ArrayList<>();

    private InferenceScheduler scheduler(int threads, int queueSize) {
        return new InferenceScheduler(
                "node-1", "cross_encoder_inference", workers::add, retries::add, threads, queueSize, () -> now);
    }

    /** A work of {@code steps} steps, each taking {@code cost} nanoseconds on the test clock; its result is how many ran. */
    private final class CountingWork implements InferenceScheduler.Work<String> {
        private final String name;
        private final int steps;
        private final long cost;
        private final Runnable duringStep;
        int done;

        CountingWork(String name, int steps, long cost, Runnable duringStep) {
            this.name = name;
            this.steps = steps;
            this.cost = cost;
            this.duringStep = duringStep;
        }

        CountingWork(String name, int steps, long cost) {
            this(name, steps, cost, () -> {});
        }

        @Override
        public boolean hasNextStep() {
            return done < steps;
        }

        @Override
        public void step() {
            trace.add(name);
            now += cost;
            done++;
            duringStep.run();
        }

        @Override
        public String result(boolean timedOut) {
            return name + ":" + done + (timedOut ? ":timed_out" : "");
        }
    }

    private static final class Outcome implements ActionListener<String> {
        final AtomicReference<String> result = new AtomicReference<>();
        final AtomicReference<Exception> failure = new AtomicReference<>();

        @Override
        public void onResponse(String s) {
            result.set(s);
        }

        @Override
        public void onFailure(Exception e) {
            failure.set(e);
        }
    }

    private void runWorkers() {
        while (workers.isEmpty() == false) {
            workers.remove(0).run();
        }
    }

    @Test
    public void concurrentRequestsTakeTurnsBatchByBatch() {
        InferenceScheduler scheduler = scheduler(1, 10);
        Outcome large = new Outcome();
        Outcome small = new Outcome();
        scheduler.submit(new CountingWork("L", 10, 100), InferenceBudget.UNLIMITED, large);
        scheduler.submit(new CountingWork("s", 3, 100), InferenceBudget.UNLIMITED, small);
        runWorkers();
        assertEquals(List.of("L", "s", "L", "s", "L", "s", "L", "L", "L", "L", "L", "L", "L"), trace);
        assertEquals("s:3", small.result.get());
        assertEquals("L:10", large.result.get());
    }

    @Test
    public void turnsFollowModelTimeNotStepCount() {
        InferenceScheduler scheduler = scheduler(1, 10);
        scheduler.submit(new CountingWork("L", 3, 300), InferenceBudget.UNLIMITED, new Outcome());
        scheduler.submit(new CountingWork("s", 6, 100), InferenceBudget.UNLIMITED, new Outcome());
        runWorkers();
        // After one 300 ns step of L, s has three 100 ns steps before L's turn comes again.
        assertEquals(List.of("L", "s", "s", "s", "L", "s", "s", "s", "L"), trace);
    }

    @Test
    public void aLateRequestNeitherWaitsForTheRunningOneNorJumpsAheadOfItsHistory() {
        InferenceScheduler scheduler = scheduler(1, 10);
        Outcome late = new Outcome();
        CountingWork[] large = new CountingWork[1];
        large[0] = new CountingWork("L", 8, 100, () -> {
            if (large[0].done == 4) {
                scheduler.submit(new CountingWork("s", 2, 100), InferenceBudget.UNLIMITED, late);
            }
        });
        scheduler.submit(large[0], InferenceBudget.UNLIMITED, new Outcome());
        runWorkers();
        assertEquals(List.of("L", "L", "L", "L", "s", "L", "s", "L", "L", "L"), trace);
        assertEquals("s:2", late.result.get());
    }

    @Test
    public void aCancelledRequestStopsBeforeItsNextBatch() {
        InferenceScheduler scheduler = scheduler(1, 10);
        CancellableTask task = TestTasks.task();
        Outcome outcome = new Outcome();
        CountingWork[] work = new CountingWork[1];
        work[0] = new CountingWork("c", 10, 100, () -> {
            if (work[0].done == 2) {
                task.cancel("by the test");
            }
        });
        scheduler.submit(work[0], InferenceBudget.of(task, null, now), outcome);
        runWorkers();
        assertEquals(2, work[0].done);
        assertNull(outcome.result.get());
        assertThat(outcome.failure.get(), instanceOf(TaskCancelledException.class));
        assertThat(outcome.failure.get().getMessage(), containsString("cancelled task with reason: by the test"));
        assertEquals(new InferenceScheduler.Load(0, 0), scheduler.load());
    }

    @Test
    public void aRequestPastItsDeadlineEndsWithTheScoresItHas() {
        InferenceScheduler scheduler = scheduler(1, 10);
        Outcome outcome = new Outcome();
        CountingWork work = new CountingWork("t", 10, 100);
        scheduler.submit(work, InferenceBudget.of(null, TimeValue.timeValueNanos(250), now), outcome);
        runWorkers();
        assertEquals(
                "steps start at 0, 100 and 200 ns; none after the 250 ns deadline",
                "t:3:timed_out",
                outcome.result.get());
    }

    @Test
    public void aRequestWhoseTimeRunsOutWhileQueuedNeverRuns() {
        InferenceScheduler scheduler = scheduler(1, 10);
        Outcome queued = new Outcome();
        scheduler.submit(new CountingWork("L", 1, 1_000), InferenceBudget.UNLIMITED, new Outcome());
        CountingWork waiting = new CountingWork("q", 5, 100);
        scheduler.submit(waiting, InferenceBudget.of(null, TimeValue.timeValueNanos(500), now), queued);
        runWorkers();
        assertEquals(List.of("L"), trace);
        assertEquals("q:0:timed_out", queued.result.get());
    }

    @Test
    public void aFullQueueRefusesWithA429ThatSaysWhichPoolAndHowBig() {
        InferenceScheduler scheduler = scheduler(1, 1);
        scheduler.submit(new CountingWork("a", 1, 1), InferenceBudget.UNLIMITED, new Outcome());
        scheduler.submit(new CountingWork("b", 1, 1), InferenceBudget.UNLIMITED, new Outcome());
        Outcome refused = new Outcome();
        scheduler.submit(new CountingWork("c", 1, 1), InferenceBudget.UNLIMITED, refused);
        assertThat(refused.failure.get(), instanceOf(OpenSearchRejectedExecutionException.class));
        String message = refused.failure.get().getMessage();
        assertThat(message, containsString("cross-encoder inference on node [node-1] is full"));
        assertThat(message, containsString("[thread_pool.cross_encoder_inference.queue_size] allows (1)"));
        assertFalse("no Java class names", message.contains("java."));
        runWorkers();
        assertEquals(List.of("a", "b"), trace);
    }

    @Test
    public void aFailingStepFailsOnlyItsRequest() {
        InferenceScheduler scheduler = scheduler(1, 10);
        Outcome broken = new Outcome();
        Outcome healthy = new Outcome();
        scheduler.submit(
                new CountingWork("x", 3, 100, () -> {
                    throw new IllegalStateException("model output is not a float tensor");
                }),
                InferenceBudget.UNLIMITED,
                broken);
        scheduler.submit(new CountingWork("h", 2, 100), InferenceBudget.UNLIMITED, healthy);
        runWorkers();
        assertThat(broken.failure.get().getMessage(), containsString("not a float tensor"));
        assertEquals("h:2", healthy.result.get());
    }

    @Test
    public void aListenerThatThrowsDoesNotStopTheWorker() {
        InferenceScheduler scheduler = scheduler(1, 10);
        Outcome after = new Outcome();
        List<Exception> reported = new ArrayList<>();
        scheduler.submit(
                new CountingWork("a", 1, 100),
                InferenceBudget.UNLIMITED,
                ActionListener.wrap(
                        r -> {
                            throw new IllegalStateException("listener bug");
                        },
                        reported::add));
        scheduler.submit(new CountingWork("b", 1, 100), InferenceBudget.UNLIMITED, after);
        runWorkers();
        assertEquals("b:1", after.result.get());
        assertThat(reported.get(0).getMessage(), containsString("listener bug"));
        assertTrue(workers.isEmpty());
    }
    /**
     * A worker that just found the queue empty still holds its pool thread for a moment: a pool with no queue of its own
     * ({@code queue_size: 0}) refuses a worker started meanwhile. The start is tried again a moment later, so the request
     * runs instead of waiting forever for a worker that never comes.
     */
    @Test
    public void aWorkerRefusedByAPoolStillBusyWithTheLastOneStartsAMomentLater() {
        int[] refusals = {2};
        InferenceScheduler scheduler = new InferenceScheduler(
                "node-1",
                "cross_encoder_inference",
                worker -> {
                    if (refusals[0]-- > 0) {
                        throw new OpenSearchRejectedExecutionException("pool busy", false);
                    }
                    workers.add(worker);
                },
                retries::add,
                1,
                0,
                () -> now);
        Outcome outcome = new Outcome();
        scheduler.submit(new CountingWork("a", 2, 1), InferenceBudget.UNLIMITED, outcome);
        assertEquals("refused once: one retry waits", 1, retries.size());
        retries.remove(0).run();
        retries.remove(0).run();
        runWorkers();
        assertEquals("a:2", outcome.result.get());
        assertEquals(new InferenceScheduler.Load(0, 0), scheduler.load());
    }

    @Test
    public void aShutDownPoolFailsTheWaitingRequestsInsteadOfLeavingThemWaiting() {
        InferenceScheduler scheduler = new InferenceScheduler(
                "node-1",
                "cross_encoder_inference",
                worker -> {
                    throw new OpenSearchRejectedExecutionException("shutting down", true);
                },
                retries::add,
                1,
                10,
                () -> now);
        Outcome outcome = new Outcome();
        scheduler.submit(new CountingWork("a", 1, 1), InferenceBudget.UNLIMITED, outcome);
        assertThat(outcome.failure.get(), instanceOf(OpenSearchRejectedExecutionException.class));
        assertTrue(retries.isEmpty());
        assertEquals(new InferenceScheduler.Load(0, 0), scheduler.load());
    }

    /**
     * On a real OpenSearch pool whose thread and queue are both taken: the request waits for them instead of waiting
     * forever (the pool handed its rejection to the worker instead of throwing it, and nothing started one).
     */
    @Test
    public void onARealPoolARefusedWorkerStartsOnceThePoolFrees() throws Exception {
        ThreadContext threadContext = new ThreadContext(Settings.EMPTY);
        OpenSearchThreadPoolExecutor pool = OpenSearchExecutors.newFixed(
                "test/cross_encoder_inference", 1, 1, OpenSearchExecutors.daemonThreadFactory("test"), threadContext);
        CountDownLatch release = new CountDownLatch(1);
        try {
            for (int i = 0; i < 2; i++) {
                pool.execute(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            InferenceScheduler scheduler = new InferenceScheduler(
                    "node-1", "cross_encoder_inference", pool, retries::add, 1, 1, System::nanoTime);
            PlainActionFuture<String> outcome = PlainActionFuture.newFuture();
            scheduler.submit(new CountingWork("a", 1, 1), InferenceBudget.UNLIMITED, outcome);
            assertEquals("the start waits for a retry", 1, retries.size());
            release.countDown();
            while (outcome.isDone() == false) {
                Thread.sleep(1);
                // retries run on the test thread, the only one that adds them
                List<Runnable> due = new ArrayList<>(retries);
                retries.clear();
                due.forEach(Runnable::run);
            }
            assertEquals("a:1", outcome.actionGet());
        } finally {
            release.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }
}
