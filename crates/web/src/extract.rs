//! Request-body extractors whose rejections are our own clear, translated errors: malformed
//! JSON, wrong JSON shape (unknown fields included), oversize bodies, wrong content types.

use crate::context::Ctx;
use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
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

/// Limits of a `multipart/form-data` body. Files are held in memory, so these bound what one
/// request can cost.
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
}

impl MultipartLimits {
    /// One upload form: a few files of at most `file_bytes` and a few small fields.
    pub fn for_files(file_bytes: u64) -> Self {
        MultipartLimits {
            file_bytes,
            files: 10,
            fields: 50,
            field_bytes: 64 * 1024,
            mark_oversize: false,
        }
    }

    /// A page form without JavaScript: the fields and one file per paper of a procedure.
    pub fn for_page_forms(file_bytes: u64) -> Self {
        MultipartLimits {
            mark_oversize: true,
            ..MultipartLimits::for_files(file_bytes)
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
    pub bytes: Bytes,
    /// Larger than the limit (only with [`MultipartLimits::mark_oversize`]); `bytes` is empty.
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

    /// Reads a multipart request within `limits`. Errors are ready to send: 415 for another
    /// content type, 413 (with the limit in the message) for too much, 400 for a broken body.
    pub async fn parse(request: Request, limits: MultipartLimits) -> Result<Self, WebError> {
        let (lang, api) = context_of(&request);
        let too_large = || {
            WebError::coded(StatusCode::PAYLOAD_TOO_LARGE, "error-upload-too-large")
                .with(lang, api)
                .detail(megabytes(limits.file_bytes))
        };
        let malformed =
            || WebError::coded(StatusCode::BAD_REQUEST, "error-multipart").with(lang, api);
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
        let constraints = multer::Constraints::new().size_limit(
            multer::SizeLimit::new()
                .whole_stream(limits.whole_body())
                // One byte over the limit is enough to know a file is too large.
                .per_field(if limits.mark_oversize {
                    limits.whole_body()
                } else {
                    limits.file_bytes.saturating_add(1)
                }),
        );
        let stream = request.into_body().into_data_stream();
        let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
        let mut form = MultipartForm::default();
        let size_error = |error: &multer::Error| {
            matches!(
                error,
                multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. }
            )
        };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) if size_error(&error) => return Err(too_large()),
                Err(_) => return Err(malformed()),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let declared = field.content_type().map(ToString::to_string);
            let (bytes, oversize) = if limits.mark_oversize && file_name.is_some() {
                let mut kept: Vec<u8> = Vec::new();
                let mut oversize = false;
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            let total = kept.len().saturating_add(chunk.len());
                            if oversize
                                || u64::try_from(total).unwrap_or(u64::MAX) > limits.file_bytes
                            {
                                // Drained, not kept: only the fact that it was too large matters.
                                oversize = true;
                                kept = Vec::new();
                            } else {
                                kept.extend_from_slice(&chunk);
                            }
                        }
                        Ok(None) => break,
                        Err(error) if size_error(&error) => return Err(too_large()),
                        Err(_) => return Err(malformed()),
                    }
                }
                (Bytes::from(kept), oversize)
            } else {
                match field.bytes().await {
                    Ok(bytes) => (bytes, false),
                    Err(error) if size_error(&error) => return Err(too_large()),
                    Err(_) => return Err(malformed()),
                }
            };
            match file_name {
                // A file input left empty sends an unnamed, empty part.
                Some(file_name)
                    if limits.mark_oversize && file_name.is_empty() && bytes.is_empty() => {}
                Some(file_name) => {
                    if form.files.len() >= limits.files
                        || (!oversize
                            && u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limits.file_bytes)
                    {
                        return Err(too_large());
                    }
                    form.files.push(UploadedFile {
                        field: name,
                        file_name: motcua_domain::text::nfc(&file_name),
                        content_type: declared,
                        bytes,
                        oversize,
                    });
                }
                None => {
                    if form.fields.len() >= limits.fields
                        || u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limits.field_bytes
                    {
                        return Err(WebError::coded(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "error-body-too-large",
                        )
                        .with(lang, api));
                    }
                    let text = String::from_utf8(bytes.to_vec()).map_err(|_| malformed())?;
                    form.fields.insert(name, motcua_domain::text::nfc(&text));
                }
            }
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
        let limits = MultipartLimits::for_files(state.app.settings.max_attachment_bytes);
        MultipartForm::parse(request, limits).await
    }
}
