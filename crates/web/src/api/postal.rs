//! The postal operator's tracking callbacks (bưu chính công ích): public, because the operator
//! holds no account; what a callback may change is decided by its signature (verified by the
//! adapter over the raw body) and by the dossier rules in the app, never by who called.
//!
//! Answers: 200 `{"code":"00"}` when the event was kept or was already kept (the operator stops
//! sending it), 401 for a missing or wrong signature or a stale timestamp, 400 for a body that
//! is not a tracking event, 404 for a parcel we never ordered (or when no operator is
//! configured), 500 when we could not apply it (the operator sends it again).

use crate::AppState;
use crate::context::Ctx;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::postal::{HEADER_SIGNATURE, HEADER_TIMESTAMP, TrackingOutcome};
use serde_json::json;

/// A tracking event from the postal operator, signed with the callback secret
/// (`X-Timestamp`, `X-Signature`: hex HMAC-SHA256 over `timestamp + "\n" + body`).
#[utoipa::path(post, path = "/api/v1/postal/tracking", tag = "postal",
    request_body(content = String, description = "The operator's signed tracking event (JSON)", content_type = "application/json"),
    responses((status = 200, description = "Kept, or already kept"), (status = 400, description = "Not a tracking event"),
        (status = 401, description = "Missing or wrong signature, or stale"), (status = 404, description = "Unknown parcel")))]
pub async fn tracking(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    // A tracking event is a few hundred bytes; anything over 64 KiB is not one.
    let Ok(body) = axum::body::to_bytes(body, 64 * 1024).await else {
        return reply(StatusCode::BAD_REQUEST, TrackingOutcome::Malformed);
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let outcome = state
        .app
        .handle_tracking_callback(
            &body,
            header(HEADER_TIMESTAMP),
            header(HEADER_SIGNATURE),
            ctx.ip.as_deref(),
        )
        .await;
    let status = match outcome {
        TrackingOutcome::Accepted | TrackingOutcome::Duplicate => StatusCode::OK,
        TrackingOutcome::BadSignature | TrackingOutcome::Stale => StatusCode::UNAUTHORIZED,
        TrackingOutcome::Malformed => StatusCode::BAD_REQUEST,
        TrackingOutcome::UnknownTracking | TrackingOutcome::NotConfigured => StatusCode::NOT_FOUND,
        TrackingOutcome::Error => StatusCode::INTERNAL_SERVER_ERROR,
    };
    reply(status, outcome)
}

fn reply(status: StatusCode, outcome: TrackingOutcome) -> Response {
    let code = if status == StatusCode::OK { "00" } else { "99" };
    (
        status,
        Json(json!({"code": code, "outcome": outcome.as_str()})),
    )
        .into_response()
}
