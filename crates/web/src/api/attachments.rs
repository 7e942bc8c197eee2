//! `/api/v1` attachments: upload a paper (multipart), list one's uploads for reuse, attach an
//! upload to a dossier, list a dossier's files and download one.

use crate::AppState;
use crate::api::types::ApiErrorBody;
use crate::context::Ctx;
use crate::error::{ContextualError, WebError, WebResult};
use crate::extract::{ApiJson, MultipartForm, megabytes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::AppError;
use motcua_app::views::{AttachmentRow, DossierAttachmentRow};
use motcua_domain::attachment::{MediaType, Purpose};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn rfc3339(micros: i64) -> String {
    motcua_app::views::from_micros(micros)
        .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One upload.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiAttachment {
    pub id: i64,
    /// SHA-256 of the content, lowercase hex: equal contents are stored once.
    pub sha256: String,
    pub size: i64,
    /// `application/pdf`, `image/jpeg` or `image/png`, decided by the file's content.
    pub media_type: String,
    /// The file name, made safe (NFC, no path, extension matching the type).
    pub name: String,
    /// RFC 3339, Vietnam time.
    pub created_at: String,
}

impl From<AttachmentRow> for ApiAttachment {
    fn from(row: AttachmentRow) -> Self {
        ApiAttachment {
            id: row.id,
            sha256: row.sha256,
            size: row.size,
            media_type: row.media_type,
            name: row.file_name,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The multipart upload form (documentation only; the body is read by [`MultipartForm`]).
#[derive(Debug, ToSchema)]
pub struct ApiUpload {
    /// A PDF, JPEG or PNG file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Attaching an upload to a dossier.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiAttach {
    pub attachment_id: i64,
    /// `document` (a required paper, give `requirement`), `supplement` or `result`.
    pub purpose: String,
    /// Index of the required paper in the procedure's list (`document`; optional for `supplement`).
    #[serde(default)]
    pub requirement: Option<u32>,
}

/// A file of a dossier.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiDossierAttachment {
    pub attachment_id: i64,
    /// `document`, `supplement` or `result`.
    pub purpose: String,
    pub requirement: Option<i64>,
    /// Name of the required paper (thành phần hồ sơ) at the time of attaching.
    pub requirement_name: Option<String>,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    /// `citizen` or `official`.
    pub added_by: String,
    pub added_at: String,
    /// A result signed with the agency's seal at the "sign" step (the applicant is given only
    /// these in place of the files they replace).
    pub sealed: bool,
}

impl From<DossierAttachmentRow> for ApiDossierAttachment {
    fn from(row: DossierAttachmentRow) -> Self {
        ApiDossierAttachment {
            attachment_id: row.attachment_id,
            purpose: row.purpose,
            requirement: row.requirement_index,
            requirement_name: row.requirement_name,
            name: row.file_name,
            media_type: row.media_type,
            size: row.size,
            sha256: row.sha256,
            added_by: row.added_by_kind,
            added_at: rfc3339(row.added_at),
            sealed: row.signed_from.is_some(),
        }
    }
}

/// Uploads one file (field `file`) for the signed-in citizen or official. The type is decided by
/// the content (PDF, JPEG, PNG) and must agree with the declared one; equal contents are stored
/// once. The returned id is used to attach the file to a dossier, now or later. Any other field
/// is refused (400) before anything is stored; a citizen's uploads together may not exceed the
/// configured quota (422, `error-upload-quota`).
#[utoipa::path(post, path = "/api/v1/attachments", tag = "attachments",
    request_body(content = ApiUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ApiAttachment), (status = 401, body = ApiErrorBody),
        (status = 400, body = ApiErrorBody, description = "Malformed body, or a field other than `file`"),
        (status = 413, body = ApiErrorBody, description = "File larger than the configured limit"),
        (status = 415, body = ApiErrorBody), (status = 422, body = ApiErrorBody, description = "Not a PDF/JPEG/PNG, or not what was declared")))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    form: MultipartForm,
) -> WebResult<Response> {
    let Some(file) = form.file("file") else {
        return Err(AppError::invalid("file", "error-file-missing")).ctx(&ctx);
    };
    let result = state
        .app
        .upload_staged(
            &ctx.actor(),
            "file",
            &file.file_name,
            file.content_type.as_deref(),
            &file.content,
        )
        .await;
    match result {
        Ok(row) => Ok((StatusCode::CREATED, Json(ApiAttachment::from(row))).into_response()),
        Err(AppError::Invalid(fields))
            if fields.iter().any(|f| f.code == "error-file-too-large") =>
        {
            Err(
                WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-upload-too-large")
                    .with(ctx.lang, ctx.api)
                    .detail(megabytes(state.app.settings.max_attachment_bytes)),
            )
        }
        Err(error) => Err(WebError::from(error).with(ctx.lang, ctx.api)),
    }
}

/// The caller's own uploads, newest first, for reuse in another dossier.
#[utoipa::path(get, path = "/api/v1/my/attachments", tag = "attachments",
    responses((status = 200, body = [ApiAttachment]), (status = 401, body = ApiErrorBody)))]
pub async fn mine(State(state): State<AppState>, ctx: Ctx) -> WebResult<Json<Vec<ApiAttachment>>> {
    let rows = state.app.my_attachments(&ctx.actor()).await.ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Attaches one of the caller's uploads to a dossier: the applicant while it is a draft,
/// waiting (1) or asked for a supplement (5); the one-stop desk (scans at the counter,
/// supplements, the result); the role of the current step (the result).
#[utoipa::path(post, path = "/api/v1/dossiers/{id}/attachments", tag = "attachments", params(("id" = i64, Path)),
    request_body = ApiAttach,
    responses((status = 201, body = ApiDossierAttachment), (status = 403, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
pub async fn attach(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApiAttach>,
) -> WebResult<Response> {
    let purpose = Purpose::parse(&input.purpose)
        .ok_or_else(|| AppError::invalid("purpose", "error-attachment-purpose"))
        .ctx(&ctx)?;
    let link = state
        .app
        .attach_to_dossier(
            &ctx.actor(),
            id,
            input.attachment_id,
            purpose,
            input.requirement,
        )
        .await
        .ctx(&ctx)?;
    Ok((StatusCode::CREATED, Json(ApiDossierAttachment::from(link))).into_response())
}

/// The files of a dossier, for its applicant and the officials who may view it.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/attachments", tag = "attachments", params(("id" = i64, Path)),
    responses((status = 200, body = [ApiDossierAttachment]), (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> WebResult<Json<Vec<ApiDossierAttachment>>> {
    let rows = state
        .app
        .dossier_attachments(&ctx.actor(), id)
        .await
        .ctx(&ctx)?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// RFC 5987 `attr-char`: everything else in a UTF-8 file name is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="Giay khai sinh.pdf"; filename*=UTF-8''Gi%E1%BA%A5y…`: the plain
/// name for old clients, the exact UTF-8 name (RFC 6266 / RFC 5987) for the rest.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_' | '(' | ')') {
                c.to_string()
            } else {
                let folded = motcua_domain::text::fold(&c.to_string());
                if !folded.is_empty() && folded.chars().all(|f| f.is_ascii_alphanumeric()) {
                    if c.is_uppercase() {
                        folded.to_uppercase()
                    } else {
                        folded
                    }
                } else {
                    "_".to_owned()
                }
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
        utf8_percent_encode(name, ATTR_CHAR)
    )
}

/// Downloads one file of a dossier, with its type and name. Anyone who may not see the dossier
/// gets 404, whether or not it exists.
#[utoipa::path(get, path = "/api/v1/dossiers/{id}/attachments/{attachment_id}", tag = "attachments",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file (PDF, JPEG or PNG) as an attachment"),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> WebResult<Response> {
    let (attachment, bytes) = state
        .app
        .attachment_content(&ctx.actor(), id, attachment_id)
        .await
        .ctx(&ctx)?;
    // Only the three accepted types were ever stored; anything else is served as opaque bytes.
    let media_type = MediaType::parse(&attachment.media_type)
        .map(MediaType::as_str)
        .unwrap_or("application/octet-stream");
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(value) = HeaderValue::from_str(&content_disposition(&attachment.file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn download_names_are_offered_in_utf8_with_an_ascii_fallback() {
        assert_eq!(
            content_disposition("Giấy khai sinh.pdf"),
            "attachment; filename=\"Giay khai sinh.pdf\"; filename*=UTF-8''Gi%E1%BA%A5y%20khai%20sinh.pdf"
        );
        assert_eq!(
            content_disposition("Đơn \"x\";.pdf"),
            "attachment; filename=\"Don _x__.pdf\"; filename*=UTF-8''%C4%90%C6%A1n%20%22x%22%3B.pdf"
        );
    }
}
