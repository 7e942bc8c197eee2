//! Request-body extractors whose rejections are our own clear, translated errors: malformed
//! JSON, wrong JSON shape (unknown fields included), oversize bodies, wrong content types.

use crate::context::Ctx;
use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use motcua_app::attachments::StagedBlob;
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// An `application/x-www-form-urlencoded` body as field → value (NFC-normalised).
pub struct FormFields(pub HashMap<String, String>);

impl FormFields {
    pub fn get(&self, name: &str) -> String {
        self.0.get(name).cloned().unwrap_or_default()
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

fn context_of(request: &Request) -> (crate::i18n::Lang, bool) {
    request
        .extensions()
        .get::<Ctx>()
        .map(|c| (c.lang, c.api))
        .unwrap_or_default()
}

async fn body_bytes<S: Send + Sync>(
    request: Request,
    state: &S,
    lang: crate::i18n::Lang,
    api: bool,
) -> Result<Bytes, WebError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-body-too-large")
                    .with(lang, api)
            } else {
                WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-form").with(lang, api)
            }
        })
}

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (lang, api) = context_of(&request);
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(WebError::coded(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unsupported-media",
            )
            .with(lang, api));
        }
        let bytes = body_bytes(request, state, lang, api).await?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-form").with(lang, api)
        })?;
        Ok(FormFields(
            pairs
                .into_iter()
                .map(|(k, v)| (k, motcua_domain::text::nfc(&v)))
                .collect(),
        ))
    }
}

/// A JSON body deserialised into `T`; types used here deny unknown fields.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (lang, _) = context_of(&request);
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(WebError::coded(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unsupported-media",
            )
            .with(lang, true));
        }
        let bytes = body_bytes(request, state, lang, true).await?;
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-json").with(lang, true)
        })?;
        let normalised = motcua_domain::text::nfc(text);
        // Distinguish bad syntax from a well-formed document of the wrong shape.
        let value: serde_json::Value = serde_json::from_str(&normalised).map_err(|_| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-malformed-json").with(lang, true)
        })?;
        serde_json::from_value(value).map(ApiJson).map_err(|error| {
            WebError::coded(StatusCode::UNPROCESSABLE_ENTITY, "error-json-shape")
                .with(lang, true)
                .detail(error.to_string())
        })
    }
}

/// Limits of a `multipart/form-data` body and the fields it may have. Files are streamed to
/// staged temporary files (see [`motcua_app::attachments::StagedBlob`]) as they arrive, so
/// memory stays bounded whatever the sizes; the first field the form does not have stops the
/// request before anything is stored.
#[derive(Debug, Clone, Copy)]
pub struct MultipartLimits {
    /// Largest file, in bytes. A larger one is refused with 413 while it is being read.
    pub file_bytes: u64,
    /// Most files in one request.
    pub files: usize,
    /// Most text fields in one request.
    pub fields: usize,
    /// Largest text field, in bytes.
    pub field_bytes: u64,
    /// Page forms: a file over `file_bytes` is drained and kept as [`UploadedFile::oversize`]
    /// instead of failing the request, so the form comes back with what was typed and the
    /// problem next to its input; an empty file input ("no file chosen") is skipped. The whole
    /// body stays bounded.
    pub mark_oversize: bool,
    /// The names a file may come in.
    pub file_field: fn(&str) -> bool,
    /// The names a text field may come in.
    pub text_field: fn(&str) -> bool,
}

/// The file inputs of the dossier pages: a paper of the procedure (`paper.{i}`), a paper asked
/// for in a supplement request (`supplement.{k}`, `supplement.other`), the result (`result`).
pub fn is_page_file_field(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    numbered("paper.") || numbered("supplement.") || name == "supplement.other" || name == "result"
}

impl MultipartLimits {
    /// `POST /api/v1/attachments`: one file in the field `file`, nothing else.
    pub fn for_api_upload(file_bytes: u64) -> Self {
        MultipartLimits {
            file_bytes,
            files: 1,
            fields: 0,
            field_bytes: 0,
            mark_oversize: false,
            file_field: |name| name == "file",
            text_field: |_| false,
        }
    }

    /// A page form without JavaScript: the fields of the form (named after its schema, so any
    /// name, a bounded number of them) and the dossier pages' file inputs.
    pub fn for_page_forms(file_bytes: u64) -> Self {
        MultipartLimits {
            file_bytes,
            files: 10,
            fields: 50,
            field_bytes: 64 * 1024,
            mark_oversize: true,
            file_field: is_page_file_field,
            text_field: |_| true,
        }
    }

    fn whole_body(&self) -> u64 {
        let files = u64::try_from(self.files).unwrap_or(u64::MAX);
        let fields = u64::try_from(self.fields).unwrap_or(u64::MAX);
        self.file_bytes
            .saturating_mul(files)
            .saturating_add(self.field_bytes.saturating_mul(fields))
            .saturating_add(64 * 1024)
    }
}

/// One file of a multipart body.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The form field it came in (e.g. `file`).
    pub field: String,
    /// The name the browser gave (untrusted; the domain makes it safe).
    pub file_name: String,
    /// The type the browser declared (untrusted; checked against the bytes).
    pub content_type: Option<String>,
    /// The content in a temporary file, not stored yet.
    pub content: StagedBlob,
    /// Larger than the limit (only with [`MultipartLimits::mark_oversize`]); `content` is empty.
    pub oversize: bool,
}

/// A `multipart/form-data` body: text fields (NFC) and files, read within [`MultipartLimits`].
/// For forms without JavaScript, the CSRF token comes in the `?_csrf=` query parameter, because
/// the CSRF check runs before the body is read.
#[derive(Debug, Clone, Default)]
pub struct MultipartForm {
    pub fields: HashMap<String, String>,
    pub files: Vec<UploadedFile>,
}

/// "10 MB", "2,5 MB", "64 KB" (Vietnamese decimal comma): what users are told the limit is.
pub fn megabytes(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        return format!("{} KB", bytes.div_ceil(1024));
    }
    let tenths = bytes.saturating_mul(10) / (1024 * 1024);
    if tenths.is_multiple_of(10) {
        format!("{} MB", tenths / 10)
    } else {
        format!("{},{} MB", tenths / 10, tenths % 10)
    }
}

impl MultipartForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The first file sent in `field`.
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        self.files.iter().find(|f| f.field == field)
    }

    /// Reads a multipart request within `limits`, staging files where `app`'s blob store
    /// stages uploads. Errors are ready to send: 415 for another content type, 413 (with the
    /// limit in the message) for too much, 400 for a broken body or a field the form does not
    /// have (named in the message; nothing is kept).
    pub async fn parse(
        request: Request,
        limits: MultipartLimits,
        app: &motcua_app::App,
    ) -> Result<Self, WebError> {
        let (lang, api) = context_of(&request);
        let too_large = || {
            WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-upload-too-large")
                .with(lang, api)
                .detail(megabytes(limits.file_bytes))
        };
        let malformed =
            || WebError::coded(StatusCode::BAD_REQUEST, "error-multipart").with(lang, api);
        let unexpected = |name: &str| {
            WebError::coded(StatusCode::BAD_REQUEST, "error-multipart-field")
                .with(lang, api)
                .detail(name.chars().take(64).collect::<String>())
        };
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if !content_type
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
        {
            return Err(WebError::coded(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "error-unsupported-media",
            )
            .with(lang, api));
        }
        let boundary = multer::parse_boundary(&content_type).map_err(|_| malformed())?;
        // Refuse what announces itself as too large before reading a byte of it.
        let announced = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|length| length > limits.whole_body()) {
            return Err(too_large());
        }
        // Each part is read chunk by chunk against its own limit below; multer only bounds
        // the whole stream.
        let constraints = multer::Constraints::new()
            .size_limit(multer::SizeLimit::new().whole_stream(limits.whole_body()));
        let stream = request.into_body().into_data_stream();
        let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
        let mut form = MultipartForm::default();
        let read_error = |error: &multer::Error| {
            if matches!(
                error,
                multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. }
            ) {
                too_large()
            } else {
                malformed()
            }
        };
        let storage = |error: motcua_app::AppError| WebError::from(error).with(lang, api);
        loop {
            let mut field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) => return Err(read_error(&error)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let Some(file_name) = field.file_name().map(str::to_owned) else {
                if !(limits.text_field)(&name) {
                    return Err(unexpected(&name));
                }
                if form.fields.len() >= limits.fields {
                    return Err(WebError::coded(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "error-body-too-large",
                    )
                    .with(lang, api));
                }
                let mut text: Vec<u8> = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| read_error(&e))? {
                    if u64::try_from(text.len() + chunk.len()).unwrap_or(u64::MAX)
                        > limits.field_bytes
                    {
                        return Err(WebError::coded(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "error-body-too-large",
                        )
                        .with(lang, api));
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(text).map_err(|_| malformed())?;
                form.fields.insert(name, motcua_domain::text::nfc(&text));
                continue;
            };
            if !(limits.file_field)(&name) {
                return Err(unexpected(&name));
            }
            let declared = field.content_type().map(ToString::to_string);
            // Written to a temporary file as it comes; dropped (and removed) on any error.
            let mut writer = Some(app.blob_writer().await.map_err(storage)?);
            let mut received: u64 = 0;
            while let Some(chunk) = field.chunk().await.map_err(|e| read_error(&e))? {
                received = received.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
                if received > limits.file_bytes {
                    if !limits.mark_oversize {
                        return Err(too_large());
                    }
                    // Drained, not kept: only the fact that it was too large matters.
                    writer = None;
                }
                if let Some(writer) = writer.as_mut() {
                    writer
                        .write(&chunk)
                        .await
                        .map_err(|e| storage(motcua_app::AppError::Internal(e.into())))?;
                }
            }
            let oversize = writer.is_none();
            // A file input left empty sends an unnamed, empty part.
            if limits.mark_oversize && file_name.is_empty() && received == 0 {
                continue;
            }
            if form.files.len() >= limits.files {
                return Err(WebError::coded(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "error-multipart-too-many-files",
                )
                .with(lang, api)
                .detail(limits.files.to_string()));
            }
            let content = match writer {
                Some(writer) => writer
                    .finish()
                    .await
                    .map_err(|e| storage(motcua_app::AppError::Internal(e.into())))?,
                None => StagedBlob::empty(),
            };
            form.files.push(UploadedFile {
                field: name,
                file_name: motcua_domain::text::nfc(&file_name),
                content_type: declared,
                content,
                oversize,
            });
        }
        Ok(form)
    }
}

/// Upload forms use the configured attachment limit (`[attachments] max_bytes`).
impl FromRequest<crate::AppState> for MultipartForm {
    type Rejection = WebError;

    async fn from_request(
        request: Request,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let limits = MultipartLimits::for_api_upload(state.app.settings.max_attachment_bytes);
        MultipartForm::parse(request, limits, &state.app).await
    }
}
