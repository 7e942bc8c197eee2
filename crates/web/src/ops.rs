//! Operations endpoints: liveness, readiness, Prometheus metrics, and the request-metrics layer.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;
use std::time::Instant;

/// The process-wide metrics recorder; installed once, shared by every router in the process.
pub fn metrics_handle() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|_| handle)
        })
        .clone()
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.is_ready().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Prometheus metrics, for scrapers on the same machine only (personal data never appears
/// here, but load and error figures are not for the public).
pub async fn metrics(State(state): State<AppState>, ctx: crate::context::Ctx) -> Response {
    let local = ctx.ip.as_deref().is_none_or(|ip| {
        ip.parse::<std::net::IpAddr>()
            .is_ok_and(|a| a.is_loopback())
    });
    if !local {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Ok(pending) = state.app.pending_effects().await {
        metrics::gauge!("motcua_outbox_pending").set(pending as f64);
    }
    match &state.metrics {
        Some(handle) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            handle.render(),
        )
            .into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Counts public lookups by channel (`page`, `api`) and outcome: `found`, `not_found`,
/// `invalid` (not a code), `refused` (rate limit) or `error`, so scraping shows as a rise of
/// `refused` and `not_found` (`motcua_public_lookups_total`); proofs of the applicant (phone or
/// personal-id suffix) by whether they matched (`motcua_public_lookup_proofs_total`).
pub fn count_lookup(
    channel: &'static str,
    result: &Result<motcua_app::lookup::PublicStatus, motcua_app::AppError>,
) {
    use motcua_app::AppError;
    use motcua_app::lookup::LookupProof;
    if let Ok(found) = result {
        let proof = match found.proof {
            LookupProof::NotGiven => None,
            LookupProof::Matched => Some("matched"),
            LookupProof::Mismatch => Some("mismatch"),
        };
        if let Some(proof) = proof {
            metrics::counter!("motcua_public_lookup_proofs_total", "result" => proof).increment(1);
        }
    }
    let outcome = match result {
        Ok(_) => "found",
        Err(AppError::NotFound) => "not_found",
        Err(AppError::Invalid(_)) => "invalid",
        Err(AppError::RateLimited) => "refused",
        Err(_) => "error",
    };
    metrics::counter!("motcua_public_lookups_total", "channel" => channel, "outcome" => outcome)
        .increment(1);
}

/// Counts requests and their latency by route template (never by raw path, which may hold ids).
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("motcua_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("motcua_http_request_duration_seconds", "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    response
}
