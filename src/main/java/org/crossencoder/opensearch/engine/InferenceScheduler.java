/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.concurrency.OpenSearchRejectedExecutionException;

/**
 * The node's one queue of model work. Every request becomes a job of small steps (tokenizing a chunk of
 * passages, running one batch); the inference threads take one step at a time from the waiting job that has
 * had the least model time so far (start-time fair queueing), so concurrent requests interleave batch by
 * batch and a large one never holds the threads while a small one waits.
 * <p>
 * Between steps every waiting job's budget is checked: a cancelled request fails with OpenSearch's
 * {@code TaskCancelledException}, one past its deadline completes at once with the scores it has. At most
 * {@code workers} jobs take steps at once; at most {@code workers + queueSize} are admitted, and the rest are
 * refused with a 429 that says so.
 */
public final class InferenceScheduler {

    private static final Logger logger = LogManager.getLogger(InferenceScheduler.class);

    /** Model work split into steps; the scheduler never runs two steps of one work at once. */
    public interface Work<T> {
        boolean hasNextStep();

        void step() throws Exception;

        /** The outcome, complete or (when the time limit stopped it) partial. */
        T result(boolean timedOut);
    }

    /** What a job is doing at a moment, for the stats API. */
    public record Load(int running, int waiting) {}

    private final String nodeName;
    private final String poolName;
    private final Executor executor;
    private final Consumer<Runnable> retryLater;
    private final int workers;
    private final int queueSize;
    private final LongSupplier nanoTime;

    private final PriorityQueue<Job<?>> waiting = new PriorityQueue<>(
            Comparator.<Job<?>>comparingLong(job -> job.servedNanos).thenComparingLong(job -> job.sequence));
    private int admitted;
    private int activeWorkers;
    private long sequence;
    /** The service time of the job picked last: where a new job starts, so it neither jumps nor waits out the others. */
    private long virtualTime;

    /**
     * @param executor   the inference pool, which runs the workers
     * @param retryLater runs a task a moment later (a millisecond), off the caller's thread: a worker's start that the
     *                   pool refused while its last worker was ending
     */
    public InferenceScheduler(
            String nodeName,
            String poolName,
            Executor executor,
            Consumer<Runnable> retryLater,
            int workers,
            int queueSize,
            LongSupplier nanoTime) {
        if (workers < 1) {
            throw new IllegalArgumentException("[" + poolName + "] needs at least one thread");
        }
        this.nodeName = nodeName;
        this.poolName = poolName;
        this.executor = executor;
        this.retryLater = retryLater;
        this.workers = workers;
        // A negative queue size is OpenSearch's way to say unbounded.
        this.queueSize = queueSize < 0 ? Integer.MAX_VALUE - workers : queueSize;
        this.nanoTime = nanoTime;
    }

    /**
     * Queues the work; the listener gets its result, a {@code TaskCancelledException} if the budget's task is
     * cancelled first, or an {@link OpenSearchRejectedExecutionException} (429) when the queue is full.
     */
    public <T> void submit(Work<T> work, InferenceBudget budget, ActionListener<T> listener) {
        Job<T> job = new Job<>(work, budget, listener);
        boolean startWorker;
        String rejection = null;
        synchronized (this) {
            if (admitted >= workers + queueSize) {
                rejection = "cross-encoder inference on node ["
                        + nodeName
                        + "] is full: "
                        + (admitted - Math.min(admitted, workers))
                        + " requests are waiting, the most that [thread_pool."
                        + poolName
                        + ".queue_size] allows ("
                        + queueSize
                        + "), behind "
                        + workers
                        + " running ([thread_pool."
                        + poolName
                        + ".size]); retry later or raise the queue size";
                startWorker = false;
            } else {
                admitted++;
                job.sequence = sequence++;
                job.servedNanos = virtualTime;
                waiting.add(job);
                startWorker = activeWorkers < workers;
                if (startWorker) {
                    activeWorkers++;
                }
            }
        }
        if (rejection != null) {
            job.fail(new OpenSearchRejectedExecutionException(rejection));
        } else if (startWorker) {
            startWorker();
        }
    }

    /** How many jobs are taking a step and how many wait for one. */
    public synchronized Load load() {
        return new Load(admitted - waiting.size(), waiting.size());
    }

    /**
     * Starts a worker thread. A worker that just found no job left still holds its pool thread for a moment; with a pool
     * queue smaller than the pool (e.g. {@code queue_size: 0}) a worker started meanwhile is refused, so the start is
     * tried again a moment later. Only a shut-down pool fails the waiting jobs: none is ever left waiting for a worker that
     * will not come.
     */
    private void startWorker() {
        try {
            // A plain Runnable: OpenSearch's executors hand an AbstractRunnable its rejection instead of throwing it.
            executor.execute(this::runWorker);
        } catch (OpenSearchRejectedExecutionException e) {
            if (e.isExecutorShutdown() == false) {
                retryLater.accept(this::startWorker);
                return;
            }
            List<Job<?>> orphans;
            synchronized (this) {
                activeWorkers--;
                if (activeWorkers > 0) {
                    return;
                }
                orphans = new ArrayList<>(waiting);
                waiting.clear();
                admitted -= orphans.size();
            }
            for (Job<?> orphan : orphans) {
                orphan.fail(e);
            }
        }
    }

    private void runWorker() {
        try {
            work();
        } catch (RuntimeException e) {
            logger.error("cross-encoder inference worker failed", e);
        }
    }

    /** A worker's loop: take the next step of the least-served job until no job waits. */
    private void work() {
        while (true) {
            List<Job<?>> stopped = new ArrayList<>();
            Job<?> job;
            synchronized (this) {
                sweep(stopped);
                job = waiting.poll();
                if (job == null) {
                    activeWorkers--;
                } else {
                    virtualTime = Math.max(virtualTime, job.servedNanos);
                }
            }
            stopped.forEach(Job::stop);
            if (job == null) {
                return;
            }
            long start = nanoTime.getAsLong();
            boolean more;
            try {
                job.work.step();
                more = job.work.hasNextStep();
            } catch (Exception e) {
                synchronized (this) {
                    admitted--;
                }
                job.fail(e);
                continue;
            }
            synchronized (this) {
                job.servedNanos += nanoTime.getAsLong() - start;
                if (more) {
                    waiting.add(job);
                } else {
                    admitted--;
                }
            }
            if (more == false) {
                job.complete(false);
            }
        }
    }

    /** Takes out every waiting job that is cancelled or past its deadline. */
    private void sweep(List<Job<?>> stopped) {
        long now = nanoTime.getAsLong();
        for (Iterator<Job<?>> it = waiting.iterator(); it.hasNext(); ) {
            Job<?> job = it.next();
            if (job.budget.isCancelled() || job.budget.isExpired(now) || job.work.hasNextStep() == false) {
                it.remove();
                admitted--;
                stopped.add(job);
            }
        }
    }

    private static final class Job<T> {
        private final Work<T> work;
        private final InferenceBudget budget;
        private final ActionListener<T> listener;
        private long sequence;
        private long servedNanos;

        Job(Work<T> work, InferenceBudget budget, ActionListener<T> listener) {
            this.work = work;
            this.budget = budget;
            this.listener = listener;
        }

        /** Ends a job taken out by {@link #sweep}: cancelled, out of time, or (an empty work) already done. */
        void stop() {
            try {
                budget.ensureNotCancelled();
            } catch (Exception e) {
                fail(e);
                return;
            }
            complete(work.hasNextStep());
        }

        /** The listener's own failures are its caller's to handle; they must never end a worker's loop. */
        void complete(boolean timedOut) {
            T result;
            try {
                result = work.result(timedOut);
            } catch (Exception e) {
                fail(e);
                return;
            }
            try {
                listener.onResponse(result);
            } catch (Exception e) {
                fail(e);
            }
        }

        void fail(Exception e) {
            try {
                listener.onFailure(e);
            } catch (Exception inListener) {
                inListener.addSuppressed(e);
                logger.warn("a cross-encoder inference listener failed", inListener);
            }
        }
    }
}
