//! System clients (hệ thống kết nối) and their bearer tokens: other systems that call this API
//! with exactly the permissions an administrator granted them over one subtree.

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use motcua_app::clients::ClientForm;
use motcua_app::views::{ClientTokenRow, SystemClientRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A system client.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiClient {
    pub id: i64,
    pub name: String,
    /// The unit whose subtree is the client's jurisdiction.
    pub unit_id: i64,
    pub unit_name: String,
    /// Permission names, e.g. `dossier_view`.
    pub permissions: Vec<String>,
    pub active: bool,
    /// Where the client is told of dossier status changes, if it subscribed.
    pub webhook_url: Option<String>,
    /// Its tokens (never the secrets), newest first; only in the answer for one client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<ApiClientToken>,
}

/// One token of a system client.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiClientToken {
    pub id: i64,
    pub name: String,
    /// Unix microseconds.
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A system client to create or change. Unknown fields are rejected.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiClientInput {
    pub name: String,
    pub unit_id: i64,
    /// Permission names (see `Permission` in the documentation), at least one.
    pub permissions: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A token to issue for a system client.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiClientTokenInput {
    pub name: String,
    /// Days until it expires (1–3650); no expiry when absent.
    #[serde(default)]
    pub days: Option<i64>,
}

/// A newly issued client token: shown once, stored only as a hash.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiIssuedClientToken {
    pub id: i64,
    pub token: String,
}

fn to_api(row: SystemClientRow, tokens: Vec<ClientTokenRow>) -> ApiClient {
    ApiClient {
        permissions: motcua_app::clients::client_permissions(&row)
            .into_iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
        id: row.id,
        name: row.name,
        unit_id: row.unit_id,
        unit_name: row.unit_name,
        active: row.active,
        webhook_url: row.webhook_url,
        tokens: tokens
            .into_iter()
            .map(|t| ApiClientToken {
                id: t.id,
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    }
}

fn form_of(input: ApiClientInput) -> ClientForm {
    ClientForm {
        name: input.name,
        unit_id: input.unit_id,
        permissions: input.permissions,
        active: input.active,
    }
}

/// The system clients within the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/clients", tag = "directory",
    responses((status = 200, body = [ApiClient]), (status = 403, body = ApiErrorBody)))]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<Vec<ApiClient>>> {
    let rows = state
        .app
        .list_system_clients(&ctx.actor())
        .await
        .ctx(&ctx)?;
    Ok(Json(
        rows.into_iter().map(|r| to_api(r, Vec::new())).collect(),
    ))
}

/// Creates a system client (needs role assignment over its unit).
#[utoipa::path(post, path = "/api/v1/clients", tag = "directory", request_body = ApiClientInput,
    responses((status = 201, body = ApiClient), (status = 403, body = ApiErrorBody),
        (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(input): ApiJson<ApiClientInput>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let id = state
        .app
        .create_system_client(&actor, &form_of(input))
        .await
        .ctx(&ctx)?;
    let (row, tokens) = state.app.system_client(&actor, id).await.ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(to_api(row, tokens))).into_response())
}

/// One system client with its tokens.
#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = ApiClient), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiClient>> {
    let (row, tokens) = state.app.system_client(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Json(to_api(row, tokens)))
}

/// Changes a system client (name, unit, permissions, active); an inactive client's tokens
/// are refused.
#[utoipa::path(put, path = "/api/v1/clients/{id}", tag = "directory", params(("id" = i64, Path)),
    request_body = ApiClientInput,
    responses((status = 200, body = ApiClient), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiClientInput>,
) -> WebResult<Json<ApiClient>> {
    let actor = ctx.actor();
    state
        .app
        .update_system_client(&actor, id, &form_of(input))
        .await
        .ctx(&ctx)?;
    let (row, tokens) = state.app.system_client(&actor, id).await.ctx(&ctx)?;
    Ok(Json(to_api(row, tokens)))
}

/// Issues a bearer token for a system client. The token is in this answer only.
#[utoipa::path(post, path = "/api/v1/clients/{id}/tokens", tag = "directory", params(("id" = i64, Path)),
    request_body = ApiClientTokenInput,
    responses((status = 201, body = ApiIssuedClientToken), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn issue_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiClientTokenInput>,
) -> WebResult<Response> {
    let (token_id, token) = state
        .app
        .issue_client_token(&ctx.actor(), id, &input.name, input.days)
        .await
        .ctx(&ctx)?;
    Ok((
        StatusCode::CREATED,
        Json(ApiIssuedClientToken {
            id: token_id,
            token,
        }),
    )
        .into_response())
}

/// Revokes a token of a system client; it is refused from the next request on.
#[utoipa::path(delete, path = "/api/v1/clients/{id}/tokens/{token_id}", tag = "directory",
    params(("id" = i64, Path), ("token_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, token_id)): Path<(i64, i64)>,
) -> WebResult<StatusCode> {
    state
        .app
        .revoke_client_token(&ctx.actor(), id, token_id)
        .await
        .ctx(&ctx)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook subscription: the URL the events are POSTed to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApiWebhookInput {
    /// Absolute `https://` (or `http://` on a private network) address.
    pub url: String,
}

/// The subscription as set, with the signing secret (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiWebhook {
    pub url: String,
    /// Key of `X-MotCua-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    pub secret: String,
}

/// Subscribes the client's webhook to the status changes of the dossiers in its jurisdiction
/// (event `dossier.status`, JSON `{event, delivery, data: {dossier_id, dossier_code,
/// procedure_code, status, at}}`), replacing any earlier URL and secret. Delivered through the
/// outbox at least once, retried with backoff; `X-MotCua-Delivery` stays the same on retries.
#[utoipa::path(put, path = "/api/v1/clients/{id}/webhook", tag = "directory", params(("id" = i64, Path)),
    request_body = ApiWebhookInput,
    responses((status = 200, body = ApiWebhook), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiWebhookInput>,
) -> WebResult<Json<ApiWebhook>> {
    let secret = state
        .app
        .set_client_webhook(&ctx.actor(), id, Some(&input.url))
        .await
        .ctx(&ctx)?
        .unwrap_or_default();
    Ok(Json(ApiWebhook {
        url: input.url.trim().to_owned(),
        secret,
    }))
}

/// Removes the client's webhook; events not yet delivered are dropped.
#[utoipa::path(delete, path = "/api/v1/clients/{id}/webhook", tag = "directory", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn remove_webhook(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<axum::http::StatusCode> {
    state
        .app
        .set_client_webhook(&ctx.actor(), id, None)
        .await
        .ctx(&ctx)?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
