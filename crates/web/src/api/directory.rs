//! `/api/v1` operations on the organisation directory, officials, roles, tokens and audit.

use crate::AppState;
use crate::api::types::*;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::transfer::Format;
use serde::Deserialize;

/// The calling official and their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "directory", responses((status = 200, body = ApiMe), (status = 401, body = ApiErrorBody)))]
pub async fn me(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<ApiMe>> {
    let id = ctx
        .principal
        .official_id()
        .ok_or(AppError::Forbidden)
        .ctx(&ctx)?;
    let (official, roles) = state.app.get_official(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Json(ApiMe {
        official: official.into(),
        roles: roles.into_iter().map(Into::into).collect(),
    }))
}

/// Issues an API token for the calling official.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "directory", request_body = ApiTokenInput,
    responses((status = 201, body = ApiToken), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn issue_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiTokenInput>,
) -> WebResult<Response> {
    let id = ctx
        .principal
        .official_id()
        .ok_or(AppError::Forbidden)
        .ctx(&ctx)?;
    let token = state
        .app
        .issue_api_token(&ctx.actor(), id, &input.name, input.days)
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiToken { token })).into_response())
}

/// The calling official's API tokens, newest first (live, expired and revoked).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "directory",
    responses((status = 200, body = [ApiTokenInfo]), (status = 401, body = ApiErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ctx: Ctx,
) -> WebResult<Json<Vec<ApiTokenInfo>>> {
    let tokens = state.app.list_api_tokens(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| ApiTokenInfo {
                id: t.id,
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

/// Revokes one of the calling official's API tokens; it is refused from the next request on.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    state
        .app
        .revoke_api_token(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records that a desk official checked a citizen's ID card: the account's personal
/// identification number is proven, and counter dossiers for it become the account's.
#[utoipa::path(post, path = "/api/v1/citizens/id-proof", tag = "directory", request_body = ApiIdProofInput,
    responses((status = 200, body = ApiIdProof), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn prove_citizen_id(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiIdProofInput>,
) -> WebResult<Json<ApiIdProof>> {
    let linked_dossiers = state
        .app
        .prove_citizen_id(&ctx.actor(), &input.personal_id)
        .await
        .ctx(&ctx)?;
    Ok(Json(ApiIdProof { linked_dossiers }))
}

/// The whole organisation tree, parents before children.
#[utoipa::path(get, path = "/api/v1/units", tag = "directory", responses((status = 200, body = [ApiUnit]), (status = 403, body = ApiErrorBody)))]
pub async fn list_units(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<Vec<ApiUnit>>> {
    let units = state.app.list_units(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(units.into_iter().map(Into::into).collect()))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = ApiUnit), (status = 404, body = ApiErrorBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiUnit>> {
    Ok(Json(
        state.app.get_unit(&ctx.actor(), id).await.ctx(&ctx)?.into(),
    ))
}

/// Creates a unit under a parent the caller manages.
#[utoipa::path(post, path = "/api/v1/units", tag = "directory", request_body = ApiUnitInput,
    responses((status = 201, body = ApiUnit), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiUnitInput>,
) -> WebResult<Response> {
    let unit = state
        .app
        .create_unit(&ctx.actor(), &input.into())
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiUnit::from(unit))).into_response())
}

/// Changes a unit (moving it moves its subtree).
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "directory", params(("id" = i64, Path)), request_body = ApiUnitInput,
    responses((status = 200, body = ApiUnit), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiUnitInput>,
) -> WebResult<Json<ApiUnit>> {
    Ok(Json(
        state
            .app
            .update_unit(&ctx.actor(), id, &input.into())
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// Deletes a unit without sub-units or officials.
#[utoipa::path(delete, path = "/api/v1/units/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn delete_unit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    state.app.delete_unit(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Positions in use.
#[utoipa::path(get, path = "/api/v1/positions", tag = "directory", responses((status = 200, body = [ApiPosition])))]
pub async fn positions(
    State(state): State<AppState>,
    ctx: Ctx,
) -> WebResult<Json<Vec<ApiPosition>>> {
    let rows = state.app.list_positions(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(
        rows.into_iter()
            .map(|p| ApiPosition {
                id: p.id,
                name: p.name,
            })
            .collect(),
    ))
}

/// Officials in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/officials", tag = "directory", responses((status = 200, body = [ApiOfficial])))]
pub async fn list_officials(
    State(state): State<AppState>,
    ctx: Ctx,
) -> WebResult<Json<Vec<ApiOfficial>>> {
    let rows = state.app.list_officials(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// One official with their roles.
#[utoipa::path(get, path = "/api/v1/officials/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = ApiOfficialDetail), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get_official(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiOfficialDetail>> {
    let (official, roles) = state.app.get_official(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Json(ApiOfficialDetail {
        official: official.into(),
        roles: roles.into_iter().map(Into::into).collect(),
    }))
}

/// Registers an official.
#[utoipa::path(post, path = "/api/v1/officials", tag = "directory", request_body = ApiOfficialInput,
    responses((status = 201, body = ApiOfficial), (status = 403, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create_official(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiOfficialInput>,
) -> WebResult<Response> {
    let official = state
        .app
        .create_official(&ctx.actor(), &input.into())
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiOfficial::from(official))).into_response())
}

/// Changes an official's record.
#[utoipa::path(put, path = "/api/v1/officials/{id}", tag = "directory", params(("id" = i64, Path)), request_body = ApiOfficialInput,
    responses((status = 200, body = ApiOfficial), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update_official(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiOfficialInput>,
) -> WebResult<Json<ApiOfficial>> {
    Ok(Json(
        state
            .app
            .update_official(&ctx.actor(), id, &input.into())
            .await
            .ctx(&ctx)?
            .into(),
    ))
}

/// Grants a role on a unit.
#[utoipa::path(post, path = "/api/v1/officials/{id}/roles", tag = "directory", params(("id" = i64, Path)), request_body = ApiRoleInput,
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn assign_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiRoleInput>,
) -> WebResult<StatusCode> {
    state
        .app
        .assign_role(&ctx.actor(), id, &input.role, input.unit_id)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a role assignment.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn revoke_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    state.app.revoke_role(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this action, e.g. `role.assign`.
    pub action: Option<String>,
    /// Entries older than this id (paging).
    pub before: Option<i64>,
}

/// The audit log, newest first, 100 entries a page.
#[utoipa::path(get, path = "/api/v1/audit", tag = "directory", params(AuditQuery), responses((status = 200, body = [ApiAuditEntry])))]
pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AuditQuery>,
) -> WebResult<Json<Vec<ApiAuditEntry>>> {
    let rows = state
        .app
        .list_audit(&ctx.actor(), query.action.as_deref(), query.before)
        .await
        .ctx(&ctx)?;
    let rfc3339 = time::format_description::well_known::Rfc3339;
    Ok(Json(
        rows.into_iter()
            .map(|r| ApiAuditEntry {
                id: r.id,
                at: motcua_app::views::from_micros(r.at)
                    .format(&rfc3339)
                    .unwrap_or_default(),
                actor_kind: r.actor_kind,
                actor_id: r.actor_id,
                action: r.action,
                target: r.target,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
                ip: r.ip,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FormatQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Exports the organisation (`units`) or the officials (`officials`) as JSON or CSV.
#[utoipa::path(get, path = "/api/v1/export/{what}", tag = "directory", params(("what" = String, Path), FormatQuery),
    responses((status = 200, description = "JSON array or CSV text")))]
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(what): Path<String>,
    Query(query): Query<FormatQuery>,
) -> WebResult<Response> {
    let format = Format::detect(Some(query.format.as_deref().unwrap_or("json")), "");
    let body = match what.as_str() {
        "units" => state.app.export_units(&ctx.actor(), format).await,
        "officials" => state.app.export_officials(&ctx.actor(), format).await,
        _ => Err(AppError::NotFound),
    }
    .ctx(&ctx)?;
    let mut response = body.into_response();
    let content_type = if format == Format::Csv {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Ok(response)
}

/// Imports the organisation or the officials from the request body (JSON or CSV, by `format`).
#[utoipa::path(post, path = "/api/v1/import/{what}", tag = "directory", params(("what" = String, Path), FormatQuery),
    request_body(content = String, description = "The file content"),
    responses((status = 200, body = ApiImportReport), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(what): Path<String>,
    Query(query): Query<FormatQuery>,
    body: String,
) -> WebResult<Json<ApiImportReport>> {
    let format = Format::detect(Some(query.format.as_deref().unwrap_or("json")), "");
    let report = match what.as_str() {
        "units" => state.app.import_units(&ctx.actor(), &body, format).await,
        "officials" => {
            state
                .app
                .import_officials(&ctx.actor(), &body, format)
                .await
        }
        _ => Err(AppError::NotFound),
    }
    .ctx(&ctx)?;
    Ok(Json(ApiImportReport {
        created: report.created,
        updated: report.updated,
        roles_added: report.roles_added,
    }))
}
