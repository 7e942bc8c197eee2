//! Workflows as data: read a procedure's workflow (any version) and import a new version as
//! JSON, validated like the editor page.

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct WorkflowQuery {
    /// A stored version; the current one when absent.
    pub version: Option<i64>,
}

/// Where an imported workflow was stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiWorkflowStored {
    pub procedure_code: String,
    pub version: i64,
}

/// A procedure's workflow: `{id, version, steps: [{id, name, role, unit_ref?, allowance:
/// {unit, value}, actions}]}`.
#[utoipa::path(get, path = "/api/v1/workflows/{code}", tag = "catalogue",
    params(("code" = String, Path, description = "Procedure code"), WorkflowQuery),
    responses((status = 200, body = Object), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<WorkflowQuery>,
) -> WebResult<Json<serde_json::Value>> {
    let (_, workflow, _) = state
        .app
        .workflow_page(&ctx.actor(), &code, query.version)
        .await
        .ctx(&ctx)?;
    let workflow = workflow.ok_or(motcua_app::AppError::NotFound).ctx(&ctx)?;
    let value = serde_json::to_value(&workflow)
        .map_err(|e| motcua_app::AppError::Internal(e.into()))
        .ctx(&ctx)?;
    Ok(Json(value))
}

/// Imports a workflow as a new version of the procedure named by its `id`. Every problem is
/// reported (`fields`: `steps.<index>.<part>` or `steps`); nothing is stored on error.
/// Dossiers already started keep their version.
#[utoipa::path(post, path = "/api/v1/workflows", tag = "catalogue",
    request_body(content = Object, description = "A workflow: {id: procedure code, version (ignored), steps: [...]}"),
    responses((status = 201, body = ApiWorkflowStored), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> WebResult<Response> {
    let (procedure_code, version) = state
        .app
        .import_workflow(&ctx.actor(), &body.to_string())
        .await
        .ctx(&ctx)?;
    Ok((
        StatusCode::CREATED,
        Json(ApiWorkflowStored {
            procedure_code,
            version,
        }),
    )
        .into_response())
}
