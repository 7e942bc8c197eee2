//! `POST /api/v1/signatures/verify`: the signatures of an uploaded PDF (the page
//! `/kiem-tra-chu-ky` for programs). Public; nothing uploaded is kept.

use crate::AppState;
use crate::api::attachments::ApiUpload;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::extract::MultipartForm;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::signatures::SignatureView;
use serde::Serialize;
use utoipa::ToSchema;

/// One signature of the file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSignature {
    /// `valid` (sound, trusted, covers the whole file), `valid_with_later_changes` (sound and
    /// trusted; the file gained later additions, e.g. another signature), `untrusted` (sound,
    /// but the signer does not chain to a root this installation trusts), `broken` (changed
    /// after signing, or the signature does not verify).
    pub verdict: String,
    /// The signer's common name (a person, or an agency for its seal).
    pub signer: Option<String>,
    pub issuer: Option<String>,
    /// The certificate's serial number, hexadecimal.
    pub serial: Option<String>,
    /// RFC 3339: the timestamp authority's time when `timestamped`, else the signer's claim.
    pub signed_at: Option<String>,
    pub timestamped: bool,
    /// Unchanged since signing.
    pub intact: bool,
    pub covers_whole_file: bool,
    /// The chain to a trusted root, signer first; empty when untrusted.
    pub chain: Vec<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    /// `ETSI.CAdES.detached` or `adbe.pkcs7.detached`.
    pub sub_filter: String,
}

impl From<SignatureView> for ApiSignature {
    fn from(view: SignatureView) -> Self {
        let verdict = serde_json::to_value(view.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        ApiSignature {
            verdict,
            signer: view.signer,
            issuer: view.issuer,
            serial: view.serial,
            signed_at: view.signed_at.and_then(|at| {
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
            timestamped: view.timestamped,
            intact: view.intact,
            covers_whole_file: view.covers_whole_file,
            chain: view.chain,
            reason: view.reason,
            location: view.location,
            sub_filter: view.sub_filter,
        }
    }
}

/// The signatures of a PDF (field `file`), in file order; an empty list when it has none.
/// Anyone may ask (limited per address, like the public lookup).
#[utoipa::path(post, path = "/api/v1/signatures/verify", tag = "signatures",
    request_body(content = ApiUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = [ApiSignature]),
        (status = 413, body = ApiErrorBody, description = "File larger than the configured limit"),
        (status = 422, body = ApiErrorBody, description = "No file, or not a PDF"),
        (status = 429, body = ApiErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    form: MultipartForm,
) -> WebResult<Response> {
    let Some(file) = form.file("file") else {
        return Err(AppError::invalid("file", "error-file-missing")).ctx(&ctx);
    };
    let bytes = file
        .content
        .read_all()
        .await
        .map_err(|e| AppError::Internal(e.into()))
        .ctx(&ctx)?;
    let views = state
        .app
        .verify_signatures(&ctx.actor(), &bytes)
        .ctx(&ctx)?;
    let body: Vec<ApiSignature> = views.into_iter().map(ApiSignature::from).collect();
    Ok(Json(body).into_response())
}
