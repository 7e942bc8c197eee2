//! Notifications over the API: the citizen's channels, the delivery log with retry and cancel,
//! and the Zalo Official Account's webhook (public; the signature decides).

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::ApiJson;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::notifications::DeliveryState;
use motcua_app::notifications::{DeliveryView, PreferencesForm, PreferencesView};
use motcua_domain::notify::NotifyChannel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A citizen's notification channels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiPreferences {
    pub email: bool,
    pub sms: bool,
    pub zalo: bool,
    /// `vi` or `en`.
    pub language: String,
}

fn api_preferences(view: &PreferencesView) -> ApiPreferences {
    ApiPreferences {
        email: view.email,
        sms: view.sms,
        zalo: view.zalo,
        language: view.language.clone(),
    }
}

/// The signed-in citizen's notification channels and language.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "notifications",
    responses((status = 200, body = ApiPreferences), (status = 401, body = ApiErrorBody)))]
pub async fn preferences(
    State(state): State<AppState>,
    ctx: Ctx,
) -> WebResult<Json<ApiPreferences>> {
    let view = state
        .app
        .my_notification_preferences(&ctx.actor())
        .await
        .ctx(&ctx)?;
    Ok(Json(api_preferences(&view)))
}

/// Sets the signed-in citizen's notification channels and language.
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "notifications", request_body = ApiPreferences,
    responses((status = 200, body = ApiPreferences), (status = 401, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ApiPreferences>,
) -> WebResult<Json<ApiPreferences>> {
    let form = PreferencesForm {
        email: body.email,
        sms: body.sms,
        zalo: body.zalo,
        language: body.language,
    };
    let view = state
        .app
        .set_my_notification_preferences(&ctx.actor(), &form)
        .await
        .ctx(&ctx)?;
    Ok(Json(api_preferences(&view)))
}

/// One message of the delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiDelivery {
    pub id: i64,
    pub channel: String,
    pub template: String,
    /// Masked: "ng•••@example.vn", "091•••678".
    pub recipient: String,
    pub dossier_code: Option<String>,
    /// `pending`, `failing`, `dead` or `delivered`.
    pub state: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// RFC 3339, for messages not sent yet.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

fn api_delivery(view: &DeliveryView) -> ApiDelivery {
    let time = |micros: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default()
    };
    ApiDelivery {
        id: view.id,
        channel: view.channel.clone(),
        template: view.template.clone(),
        recipient: view.recipient.clone(),
        dossier_code: view.dossier_code.clone(),
        state: view.state.to_owned(),
        attempts: view.attempts,
        last_error: view.last_error.clone(),
        next_attempt_at: view.next_attempt_at.map(time),
        created_at: time(view.created_at),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DeliveryQuery {
    /// `email`, `sms` or `zalo`.
    channel: Option<String>,
    /// `pending`, `failing`, `dead`, `delivered` (all when absent).
    state: Option<String>,
    /// Only messages older than this id (the next page).
    before: Option<i64>,
}

/// The delivery log within the caller's jurisdiction, newest first, 100 at a time.
#[utoipa::path(get, path = "/api/v1/deliveries", tag = "notifications", params(DeliveryQuery),
    responses((status = 200, body = [ApiDelivery]), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<DeliveryQuery>,
) -> WebResult<Json<Vec<ApiDelivery>>> {
    let channel = match query.channel.as_deref() {
        None | Some("") => None,
        Some(value) => Some(
            NotifyChannel::parse(value)
                .ok_or_else(|| AppError::invalid("channel", "error-notify-channel"))
                .ctx(&ctx)?,
        ),
    };
    let filter = match query.state.as_deref() {
        None | Some("") | Some("all") => DeliveryState::All,
        Some("pending") => DeliveryState::Pending,
        Some("failing") => DeliveryState::Failing,
        Some("dead") => DeliveryState::Dead,
        Some("delivered") => DeliveryState::Delivered,
        Some(_) => {
            return Err(AppError::invalid("state", "error-delivery-state")).ctx(&ctx);
        }
    };
    let views = state
        .app
        .delivery_log(&ctx.actor(), channel, filter, query.before)
        .await
        .ctx(&ctx)?;
    Ok(Json(views.iter().map(api_delivery).collect()))
}

/// Sends a waiting or given-up message again now.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/retry", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDelivery), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDelivery>> {
    let view = state.app.retry_delivery(&ctx.actor(), id).await.ctx(&ctx)?;
    Ok(Json(api_delivery(&view)))
}

/// Cancels a message that has not gone out.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/cancel", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 200, body = ApiDelivery), (status = 401, body = ApiErrorBody), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<ApiDelivery>> {
    let view = state
        .app
        .cancel_delivery(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Json(api_delivery(&view)))
}

/// Zalo's webhook: events of the city's Official Account, signed with `X-ZEvent-Signature`
/// over the raw body. Answered at once; the reply to a "tra cứu" goes out through the outbox.
#[utoipa::path(post, path = "/api/v1/zalo/webhook", tag = "notifications",
    request_body(content = String, description = "Zalo's event JSON, as sent", content_type = "application/json"),
    responses((status = 200, description = "Accepted, a repeat, or an event with nothing to answer"),
        (status = 400, description = "Unreadable"), (status = 401, description = "Bad signature or stale"),
        (status = 404, description = "No Official Account configured")))]
pub async fn zalo_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    // Zalo's events are small; anything larger than 64 KiB is not one.
    let body: Bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let signature = headers
        .get("x-zevent-signature")
        .and_then(|v| v.to_str().ok());
    match state.app.receive_zalo_event(&body, signature).await {
        Ok(outcome) => (
            StatusCode::OK,
            Json(serde_json::json!({ "error": 0, "message": outcome })),
        )
            .into_response(),
        Err(AppError::Unauthenticated) => StatusCode::UNAUTHORIZED.into_response(),
        Err(AppError::Invalid(_)) => StatusCode::BAD_REQUEST.into_response(),
        Err(AppError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(error = %error, "Zalo webhook");
            // Not 200: Zalo sends the event again later, and it is stored once.
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
