/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ModelTier;
import org.crossencoder.opensearch.scoring.ScoringWork;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.crossencoder.opensearch.settings.TierMode;
import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.action.support.ChannelActionListener;
import org.opensearch.action.support.GroupedActionListener;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.UUIDs;
import org.opensearch.common.inject.Inject;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.lifecycle.AbstractLifecycleComponent;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.transport.TransportResponse;
import org.opensearch.node.NodeClosedException;
import org.opensearch.tasks.CancellableTask;
import org.opensearch.threadpool.Scheduler;
import org.opensearch.threadpool.ThreadPool;
import org.opensearch.transport.ConnectTransportException;
import org.opensearch.transport.EmptyTransportResponseHandler;
import org.opensearch.transport.ReceiveTimeoutTransportException;
import org.opensearch.transport.TransportException;
import org.opensearch.transport.TransportRequestOptions;
import org.opensearch.transport.TransportResponseHandler;
import org.opensearch.transport.TransportService;

/**
 * The reranking tier: sends this node's model work to the nodes with the {@link RerankingTierRole} when
 * {@link CrossEncoderSettings#TIER_MODE} says so, and scores what other nodes send here.
 * <p>
 * Work goes to the least loaded node of the tier ({@link TierLoad}) as a child of the request's task, with what is left
 * of its time; when the request is cancelled here, this node asks the tier node to cancel the work
 * ({@link TierCancelRequest}). A node that leaves, or refuses it (429, or 503 when it lacks
 * the pinned model version), is replaced by the next least loaded one. When none is left, {@code auto} scores on this
 * node if every node of the tier left, and {@code tier} answers 503. The request is a transport-level one only, as a
 * shard request of a search is: the security plugin checks the user where the search or rerank entered, not here.
 */
public final class RerankingTier extends AbstractLifecycleComponent implements ModelTier {

    public static final String ACTION = "indices:data/read/cross_encoder/score[tier]";
    static final String CANCEL_ACTION = ACTION + "[cancel]";

    /** Fewest passages of a part sent to one tier node when a request's work is split over several. */
    static final int MIN_PASSAGES_PER_PART = 16;

    /** Beyond the request's own time: the tier node answers at its deadline, once the batch it runs ends. */
    private static final TimeValue ANSWER_GRACE = TimeValue.timeValueSeconds(2);

    /** How often a sender checks whether the request whose work a tier node runs was cancelled. */
    private static final TimeValue CANCELLATION_CHECK_INTERVAL = TimeValue.timeValueMillis(100);

    private final TransportService transportService;
    private final ClusterService clusterService;
    private final InferenceService inference;
    private final DynamicSettings settings;
    private final ThreadPool threadPool;
    private final TierLoad load = new TierLoad(System::nanoTime);
    /** The work this node runs for other nodes, by its id: what a {@link TierCancelRequest} cancels. */
    private final Map<String, CancellableTask> running = new ConcurrentHashMap<>();

    @Inject
    public RerankingTier(
            TransportService transportService,
            ClusterService clusterService,
            InferenceService inference,
            DynamicSettings settings,
            ThreadPool threadPool) {
        this.transportService = transportService;
        this.clusterService = clusterService;
        this.inference = inference;
        this.settings = settings;
        this.threadPool = threadPool;
        // Planning and answering only: the model work runs on the inference pool, through the scheduler.
        transportService.registerRequestHandler(
                ACTION,
                ThreadPool.Names.GENERIC,
                TierScoreRequest::new,
                (request, channel, task) -> scoreHere(
                        request, (CancellableTask) task, new ChannelActionListener<>(channel, ACTION, request)));
        transportService.registerRequestHandler(
                CANCEL_ACTION, ThreadPool.Names.SAME, TierCancelRequest::new, (request, channel, task) -> {
                    CancellableTask work = running.get(request.workId());
                    if (work != null) {
                        transportService
                                .getTaskManager()
                                .cancel(
                                        work,
                                        "the request it belongs to was cancelled on node [" + request.sender() + "]",
                                        () -> {});
                    }
                    channel.sendResponse(TransportResponse.Empty.INSTANCE);
                });
        inference.useTier(this);
    }

    @Override
    public boolean takesWork() {
        TierMode mode = settings.tierMode();
        if (mode == TierMode.LOCAL || isMember()) {
            return false;
        }
        if (tierNodes(clusterService.state().nodes()).isEmpty() == false) {
            return true;
        }
        if (mode == TierMode.TIER) {
            throw new OpenSearchStatusException(
                    "[{}] is [tier] but no node of the reranking tier (role [{}]) is in the cluster: start one with"
                            + " [node.roles] naming [{}], or set [{}] to [auto] to score where the request runs",
                    RestStatus.SERVICE_UNAVAILABLE,
                    CrossEncoderSettings.TIER_MODE.getKey(),
                    RerankingTierRole.INSTANCE.roleName(),
                    RerankingTierRole.INSTANCE.roleName(),
                    CrossEncoderSettings.TIER_MODE.getKey());
        }
        return false;
    }

    @Override
    public boolean isMember() {
        return RerankingTierRole.isMember(clusterService.localNode());
    }

    @Override
    public void score(
            ScoringWork work,
            InferenceBudget budget,
            ActionListener<PassageScores> listener,
            BiConsumer<ScoringWork, ActionListener<PassageScores>> here) {
        List<int[]> parts =
                parts(work.passages(), tierNodes(clusterService.state().nodes()).size());
        if (parts.size() <= 1) {
            send(work, budget, listener, here, new HashSet<>(), null);
            return;
        }
        List<PassageScores> scores = new ArrayList<>(parts.size());
        List<int[]> positions = new ArrayList<>(parts.size());
        GroupedActionListener<Void> allParts = new GroupedActionListener<>(
                ActionListener.map(listener, done -> PassageScores.gather(work.passages(), scores, positions)),
                parts.size());
        for (int[] part : parts) {
            // Each part is in flight once sent, so the next goes to the next least loaded node.
            send(
                    work.slice(part[0], part[1]),
                    budget,
                    ActionListener.map(allParts, partScores -> {
                        synchronized (scores) {
                            scores.add(partScores);
                            positions.add(IntStream.range(part[0], part[1]).toArray());
                        }
                        return null;
                    }),
                    here,
                    new HashSet<>(),
                    null);
        }
    }

    /**
     * The ranges ({@code [from, to)}) of passages each node of a tier of {@code nodes} gets: one part per node, of at
     * least {@link #MIN_PASSAGES_PER_PART} passages each, so that a part's model work outweighs what sending it costs.
     */
    static List<int[]> parts(int passages, int nodes) {
        int count = Math.max(1, Math.min(nodes, passages / MIN_PASSAGES_PER_PART));
        List<int[]> parts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            parts.add(new int[] {(int) ((long) passages * i / count), (int) ((long) passages * (i + 1) / count)});
        }
        return parts;
    }

    private void send(
            ScoringWork work,
            InferenceBudget budget,
            ActionListener<PassageScores> listener,
            BiConsumer<ScoringWork, ActionListener<PassageScores>> here,
            Set<String> tried,
            Exception lastFailure) {
        try {
            budget.ensureNotCancelled();
        } catch (RuntimeException e) {
            listener.onFailure(e);
            return;
        }
        long start = System.nanoTime();
        DiscoveryNode node = load.choose(tierNodes(clusterService.state().nodes()), tried);
        if (node == null) {
            noTierNodeLeft(work, budget, listener, here, lastFailure);
            return;
        }
        tried.add(node.getId());
        TimeValue remaining = budget.remaining(start);
        TierScoreRequest request = new TierScoreRequest(UUIDs.randomBase64UUID(), work, remaining);
        long requestBytes;
        try {
            requestBytes = serializedSize(request);
        } catch (IOException e) {
            listener.onFailure(e);
            return;
        }
        TransportRequestOptions options = remaining == null
                ? TransportRequestOptions.EMPTY
                : TransportRequestOptions.builder()
                        .withTimeout(TimeValue.timeValueNanos(remaining.nanos() + ANSWER_GRACE.nanos()))
                        .build();
        Scheduler.Cancellable watcher = watchForCancellation(budget, node, request.workId());
        TransportResponseHandler<TierScoreResponse> handler = new TransportResponseHandler<>() {
            @Override
            public TierScoreResponse read(StreamInput in) throws IOException {
                return new TierScoreResponse(in);
            }

            @Override
            public void handleResponse(TierScoreResponse response) {
                watcher.cancel();
                load.onDone(node.getId(), response.load());
                long responseBytes;
                try {
                    responseBytes = serializedSize(response);
                } catch (IOException e) {
                    responseBytes = 0;
                }
                inference
                        .tierStats()
                        .onAnswered(
                                node.getName(),
                                work.passages(),
                                requestBytes,
                                responseBytes,
                                System.nanoTime() - start,
                                response.tookNanos());
                listener.onResponse(response.scores());
            }

            @Override
            public void handleException(TransportException e) {
                watcher.cancel();
                load.onDone(node.getId(), -1);
                inference.tierStats().onFailed(node.getName());
                Throwable cause = ExceptionsHelper.unwrapCause(e);
                if (cause instanceof ReceiveTimeoutTransportException) {
                    // The request's time is over: it answers with what it has, as scoring here would.
                    listener.onResponse(PassageScores.noneInTime(work.passages()));
                } else if (isRetryable(cause)) {
                    send(work, budget, listener, here, tried, (Exception) cause);
                } else {
                    listener.onFailure(cause instanceof Exception failure ? failure : e);
                }
            }

            @Override
            public String executor() {
                return ThreadPool.Names.SAME;
            }
        };
        load.onSent(node.getId());
        CancellableTask task = budget.task();
        if (task == null) {
            transportService.sendRequest(node, ACTION, request, options, handler);
        } else {
            transportService.sendChildRequest(node, ACTION, request, task, options, handler);
        }
    }

    /**
     * Checks while the work runs on {@code node} whether its request was cancelled here, and then asks that node to
     * cancel it (again at each check until it answers: the work may not have started there yet).
     */
    private Scheduler.Cancellable watchForCancellation(InferenceBudget budget, DiscoveryNode node, String workId) {
        if (budget.task() == null) {
            return NOT_WATCHING;
        }
        String sender = clusterService.localNode().getName();
        return threadPool.scheduleWithFixedDelay(
                () -> {
                    if (budget.isCancelled()) {
                        transportService.sendRequest(
                                node,
                                CANCEL_ACTION,
                                new TierCancelRequest(workId, sender),
                                EmptyTransportResponseHandler.INSTANCE_SAME);
                    }
                },
                CANCELLATION_CHECK_INTERVAL,
                ThreadPool.Names.GENERIC);
    }

    private static final Scheduler.Cancellable NOT_WATCHING = new Scheduler.Cancellable() {
        @Override
        public boolean cancel() {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }
    };

    private void noTierNodeLeft(
            ScoringWork work,
            InferenceBudget budget,
            ActionListener<PassageScores> listener,
            BiConsumer<ScoringWork, ActionListener<PassageScores>> here,
            Exception lastFailure) {
        boolean nodesLeft = lastFailure == null || isNodeGone(lastFailure);
        if (nodesLeft && settings.tierMode() == TierMode.AUTO) {
            inference.tierStats().onLocalFallback();
            here.accept(work, listener);
        } else if (nodesLeft) {
            listener.onFailure(new OpenSearchStatusException(
                    "no node of the reranking tier (role [{}]) could score {}: {}",
                    RestStatus.SERVICE_UNAVAILABLE,
                    lastFailure,
                    RerankingTierRole.INSTANCE.roleName(),
                    work,
                    lastFailure == null ? "none is in the cluster" : "the last one left: " + lastFailure.getMessage()));
        } else {
            listener.onFailure(lastFailure);
        }
    }

    /** Scores work another node sent: here, with the model versions that node pinned. */
    private void scoreHere(TierScoreRequest request, CancellableTask task, ActionListener<TierScoreResponse> listener) {
        long start = System.nanoTime();
        running.put(request.workId(), task);
        inference.scoreSentWork(
                request.work(),
                InferenceBudget.of(task, request.timeout(), start),
                ActionListener.runBefore(
                        inference.counting(ActionListener.map(
                                listener,
                                scores ->
                                        new TierScoreResponse(scores, System.nanoTime() - start, inference.queued()))),
                        () -> running.remove(request.workId())));
    }

    private static List<DiscoveryNode> tierNodes(DiscoveryNodes nodes) {
        return nodes.getNodes().values().stream()
                .filter(RerankingTierRole::isMember)
                .toList();
    }

    /** A node that left or is leaving, or refused the work for now (busy, or without the pinned model version). */
    private static boolean isRetryable(Throwable cause) {
        if (isNodeGone(cause)) {
            return true;
        }
        RestStatus status = ExceptionsHelper.status(cause);
        return status == RestStatus.TOO_MANY_REQUESTS || status == RestStatus.SERVICE_UNAVAILABLE;
    }

    private static boolean isNodeGone(Throwable cause) {
        return cause instanceof ConnectTransportException || cause instanceof NodeClosedException;
    }

    private static long serializedSize(Writeable message) throws IOException {
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            message.writeTo(out);
            return out.size();
        }
    }

    @Override
    protected void doStart() {}

    @Override
    protected void doStop() {}

    @Override
    protected void doClose() {}
}
