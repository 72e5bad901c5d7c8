/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.util.SetOnce;
import org.crossencoder.opensearch.action.CrossEncoderNodesAction;
import org.crossencoder.opensearch.action.ReloadModelsAction;
import org.crossencoder.opensearch.action.RerankAction;
import org.crossencoder.opensearch.action.ScoreDocumentsAction;
import org.crossencoder.opensearch.action.TransportCrossEncoderNodesAction;
import org.crossencoder.opensearch.action.TransportReloadModelsAction;
import org.crossencoder.opensearch.action.TransportRerankAction;
import org.crossencoder.opensearch.action.TransportScoreDocumentsAction;
import org.crossencoder.opensearch.compat.NodeActions;
import org.crossencoder.opensearch.compat.NodePaths;
import org.crossencoder.opensearch.compat.PluginBase;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.InferenceScheduler;
import org.crossencoder.opensearch.mlcommons.MlCommonsClient;
import org.crossencoder.opensearch.mlcommons.MlCommonsModels;
import org.crossencoder.opensearch.pipeline.CrossEncoderRerankProcessorFactory;
import org.crossencoder.opensearch.pipeline.CrossEncoderRerankResponseProcessor;
import org.crossencoder.opensearch.pipeline.CrossEncoderRescoreRequestProcessor;
import org.crossencoder.opensearch.pipeline.CrossEncoderSearchExt;
import org.crossencoder.opensearch.pipeline.CrossEncoderWindowRequestProcessor;
import org.crossencoder.opensearch.pipeline.NotRerankedExt;
import org.crossencoder.opensearch.pipeline.SearchTaskFilter;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.crossencoder.opensearch.rescore.BestWindowFetchSubPhase;
import org.crossencoder.opensearch.rescore.CrossEncoderRescorerBuilder;
import org.crossencoder.opensearch.rescore.NotRerankedFetchSubPhase;
import org.crossencoder.opensearch.rescore.ShardSearches;
import org.crossencoder.opensearch.rest.RestCrossEncoderNodesAction;
import org.crossencoder.opensearch.rest.RestReloadModelsAction;
import org.crossencoder.opensearch.rest.RestRerankAction;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.settings.DynamicSettings;
import org.crossencoder.opensearch.tier.RerankingTier;
import org.crossencoder.opensearch.tier.RerankingTierRole;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.support.ActionFilter;
import org.opensearch.cluster.metadata.IndexNameExpressionResolver;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.cluster.node.DiscoveryNodes;
import org.opensearch.cluster.service.ClusterService;
import org.opensearch.common.lifecycle.LifecycleComponent;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.IndexScopedSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.settings.SettingsFilter;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.env.Environment;
import org.opensearch.index.IndexModule;
import org.opensearch.plugins.ActionPlugin;
import org.opensearch.plugins.SearchPipelinePlugin;
import org.opensearch.plugins.SearchPlugin;
import org.opensearch.rest.RestController;
import org.opensearch.rest.RestHandler;
import org.opensearch.search.fetch.FetchSubPhase;
import org.opensearch.search.pipeline.Processor;
import org.opensearch.search.pipeline.SearchRequestProcessor;
import org.opensearch.search.pipeline.SearchResponseProcessor;
import org.opensearch.threadpool.ExecutorBuilder;
import org.opensearch.threadpool.FixedExecutorBuilder;
import org.opensearch.threadpool.ThreadPool;

/**
 * Registers the {@code cross_encoder} rescorer, the search pipeline processors, the rerank/models/stats APIs,
 * and loads this node's models.
 */
public class CrossEncoderPlugin extends PluginBase implements SearchPlugin, SearchPipelinePlugin, ActionPlugin {

    /**
     * How long a model version a reload replaced or removed stays loaded: searches planned with it on one node
     * find it on every other node meanwhile. Its memory is released after that, once its running requests end.
     */
    private static final TimeValue RETIRE_REPLACED_MODELS_AFTER = TimeValue.timeValueMinutes(1);

    private final SetOnce<InferenceService> inference = new SetOnce<>();
    private final SetOnce<ModelRegistry> registry = new SetOnce<>();
    private final SetOnce<MlCommonsModels> mlCommons = new SetOnce<>();
    private final SetOnce<ThreadPool> threadPool = new SetOnce<>();
    private final SetOnce<ClusterService> clusterService = new SetOnce<>();
    private final SetOnce<DynamicSettings> dynamicSettings = new SetOnce<>();
    private final ShardSearches shardSearches = new ShardSearches();

    @Override
    protected Collection<Object> createComponents(
            NodeActions client, ClusterService clusterService, ThreadPool threadPool, Environment environment) {
        Settings settings = environment.settings();
        CrossEncoderSettings.checkInferencePool(settings);
        this.threadPool.set(threadPool);
        this.clusterService.set(clusterService);
        DynamicSettings dynamic = new DynamicSettings(clusterService.getClusterSettings());
        this.dynamicSettings.set(dynamic);
        CrossEncoderModel.InferenceOptions options = new CrossEncoderModel.InferenceOptions(
                CrossEncoderSettings.BATCH_SIZE.get(settings),
                CrossEncoderSettings.BATCH_TOKENS.get(settings),
                CrossEncoderSettings.INTRA_OP_THREADS.get(settings),
                CrossEncoderSettings.EXACT_LEVERS.get(settings));
        try {
            registry.set(ModelRegistry.load(
                    CrossEncoderSettings.modelsPath(environment),
                    clusterService.getNodeName(),
                    options,
                    retirement ->
                            threadPool.schedule(retirement, RETIRE_REPLACED_MODELS_AFTER, ThreadPool.Names.GENERIC),
                    () -> dynamic.modelsMemoryLimit().getBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the cross-encoder models directory", e);
        }
        ThreadPool.Info pool = threadPool.info(CrossEncoderSettings.INFERENCE_THREAD_POOL);
        InferenceScheduler scheduler = new InferenceScheduler(
                clusterService.getNodeName(),
                CrossEncoderSettings.INFERENCE_THREAD_POOL,
                threadPool.executor(CrossEncoderSettings.INFERENCE_THREAD_POOL),
                retry -> threadPool.schedule(retry, TimeValue.timeValueMillis(1), ThreadPool.Names.GENERIC),
                pool.getMax(),
                (int) pool.getQueueSize().singles(),
                System::nanoTime);
        mlCommons.set(new MlCommonsModels(
                new MlCommonsClient(client, threadPool.getThreadContext(), clusterService.getNodeName()),
                registry.get(),
                threadPool,
                NodePaths.tmpDir(environment),
                dynamic::mlCommonsCheckInterval));
        mlCommons.get().start();
        inference.set(new InferenceService(
                registry.get(), mlCommons.get(), threadPool.getThreadContext(), scheduler, dynamic));
        return List.of(inference.get(), dynamic);
    }

    @Override
    public Set<DiscoveryNodeRole> getRoles() {
        return Set.of(RerankingTierRole.INSTANCE);
    }

    @Override
    public Collection<Class<? extends LifecycleComponent>> getGuiceServiceClasses() {
        return List.of(RerankingTier.class);
    }

    @Override
    public void onIndexModule(IndexModule indexModule) {
        indexModule.addSearchOperationListener(shardSearches);
    }

    @Override
    public List<ActionFilter> getActionFilters() {
        return List.of(new SearchTaskFilter(() -> threadPool.get().getThreadContext()));
    }

    @Override
    public List<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
        return List.of(
                new ActionHandler<>(RerankAction.INSTANCE, TransportRerankAction.class),
                new ActionHandler<>(CrossEncoderNodesAction.INSTANCE, TransportCrossEncoderNodesAction.class),
                new ActionHandler<>(ReloadModelsAction.INSTANCE, TransportReloadModelsAction.class),
                new ActionHandler<>(ScoreDocumentsAction.INSTANCE, TransportScoreDocumentsAction.class));
    }

    @Override
    public List<RestHandler> getRestHandlers(
            Settings settings,
            RestController restController,
            ClusterSettings clusterSettings,
            IndexScopedSettings indexScopedSettings,
            SettingsFilter settingsFilter,
            IndexNameExpressionResolver indexNameExpressionResolver,
            Supplier<DiscoveryNodes> nodesInCluster) {
        return List.of(
                new RestRerankAction(dynamicSettings.get()),
                new RestCrossEncoderNodesAction(),
                new RestReloadModelsAction());
    }

    @Override
    public List<Setting<?>> getSettings() {
        return CrossEncoderSettings.all();
    }

    @Override
    public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
        return List.of(new FixedExecutorBuilder(
                settings,
                CrossEncoderSettings.INFERENCE_THREAD_POOL,
                CrossEncoderSettings.INFERENCE_THREAD_POOL_SIZE,
                CrossEncoderSettings.INFERENCE_THREAD_POOL_QUEUE_SIZE,
                "thread_pool." + CrossEncoderSettings.INFERENCE_THREAD_POOL));
    }

    @Override
    public List<FetchSubPhase> getFetchSubPhases(FetchPhaseConstructionContext context) {
        return List.of(new BestWindowFetchSubPhase(shardSearches), new NotRerankedFetchSubPhase(shardSearches));
    }

    @Override
    public List<RescorerSpec<?>> getRescorers() {
        return List.of(new RescorerSpec<>(
                CrossEncoderRescorerBuilder.NAME,
                in -> new CrossEncoderRescorerBuilder(in, inference::get, shardSearches),
                parser -> CrossEncoderRescorerBuilder.fromXContent(parser, inference::get, shardSearches)));
    }

    @Override
    public List<SearchExtSpec<?>> getSearchExts() {
        return List.of(
                new SearchExtSpec<>(
                        CrossEncoderSearchExt.NAME, CrossEncoderSearchExt::new, CrossEncoderSearchExt::fromXContent),
                new SearchExtSpec<>(NotRerankedExt.NAME, NotRerankedExt::new, NotRerankedExt::fromXContent));
    }

    @Override
    public Map<String, Processor.Factory<SearchRequestProcessor>> getRequestProcessors(Parameters parameters) {
        return Map.of(
                CrossEncoderRescoreRequestProcessor.TYPE,
                new CrossEncoderRescoreRequestProcessor.Factory(inference::get, shardSearches),
                CrossEncoderWindowRequestProcessor.TYPE,
                new CrossEncoderWindowRequestProcessor.Factory(inference::get));
    }

    @Override
    public Map<String, Processor.Factory<SearchResponseProcessor>> getResponseProcessors(Parameters parameters) {
        return Map.of(
                CrossEncoderRerankResponseProcessor.TYPE,
                new CrossEncoderRerankProcessorFactory(
                        inference::get,
                        parameters.threadContext,
                        parameters.client::execute,
                        () -> clusterService.get().localNode()));
    }

    @Override
    public void close() {
        if (mlCommons.get() != null) {
            mlCommons.get().close();
        }
        if (registry.get() != null) {
            registry.get().close();
        }
    }
}
