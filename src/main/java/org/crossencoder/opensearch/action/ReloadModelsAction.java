package org.crossencoder.opensearch.action;

import org.opensearch.action.ActionType;

/** Makes every (or the named) node read its models path again: one step of a reload, see {@link ReloadModelsRequest}. */
public final class ReloadModelsAction extends ActionType<ReloadModelsResponse> {

    public static final String NAME = "cluster:admin/cross_encoder/models/reload";
    public static final ReloadModelsAction INSTANCE = new ReloadModelsAction();

    private ReloadModelsAction() {
        super(NAME, ReloadModelsResponse::new);
    }
}
