//! Tệp đính kèm: what an uploaded file must be before it is stored, and who may attach what to
//! a dossier in which state.
//!
//! The type of a file is decided by its first bytes, never by its name or by what the browser
//! declares: a declaration that disagrees with the bytes is refused, so a text file renamed to
//! `.pdf` cannot pass as a scanned paper. File names are kept for people (the citizen recognises
//! "Giấy khai sinh.pdf") but made harmless: NFC, no directories, no control or bidirectional
//! formatting characters, a bounded length, and an extension that matches the real type.
//! [`check_upload`] is total (never panics) so a fuzz target can call it with any bytes.

use crate::dossier::DossierStatus;
use unicode_normalization::UnicodeNormalization;

/// The media types accepted for dossier papers: scans and photos of documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Pdf,
    Jpeg,
    Png,
}

impl MediaType {
    pub const ALL: [MediaType; 3] = [MediaType::Pdf, MediaType::Jpeg, MediaType::Png];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
        }
    }

    /// The extension given to a stored name that lacks a fitting one.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
        }
    }

    /// Every extension a file of this type may carry, the usual one first.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            MediaType::Pdf => &["pdf"],
            MediaType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            MediaType::Png => &["png"],
        }
    }

    /// Parses a stored or declared media type (parameters and case ignored; `image/jpg` and
    /// `image/pjpeg`, which some browsers send, count as JPEG).
    pub fn parse(value: &str) -> Option<MediaType> {
        let essence = value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/pdf" | "application/x-pdf" => Some(MediaType::Pdf),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(MediaType::Jpeg),
            "image/png" | "image/x-png" => Some(MediaType::Png),
            _ => None,
        }
    }

    /// Recognises the type from the file's signature (magic bytes).
    pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
        const PNG: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1A, b'\n'];
        if bytes.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if bytes.starts_with(&PNG) {
            Some(MediaType::Png)
        } else {
            None
        }
    }
}

/// The default largest accepted file: 10 MiB, enough for a multi-page scan at 300 dpi.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// Longest stored file name, in characters (extension included).
pub const MAX_NAME_CHARS: usize = 100;

/// Why an upload is refused. Each has a stable message code of the catalogues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: u64 },
    /// The bytes are none of the accepted types.
    #[error("the file is not a PDF, JPEG or PNG")]
    UnsupportedType,
    /// The declared type is an accepted one, but the bytes are something else.
    #[error("the declared type does not match the content")]
    TypeMismatch,
}

impl UploadError {
    pub fn code(self) -> &'static str {
        match self {
            UploadError::Empty => "error-file-empty",
            UploadError::TooLarge { .. } => "error-file-too-large",
            UploadError::UnsupportedType => "error-file-type",
            UploadError::TypeMismatch => "error-file-type-mismatch",
        }
    }
}

/// An upload that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUpload {
    /// Safe to store and to show, with an extension matching `media_type`.
    pub file_name: String,
    pub media_type: MediaType,
    pub size: u64,
}

/// Checks one uploaded file: not empty, at most `max_bytes`, a PDF/JPEG/PNG by its bytes, and
/// agreeing with the declared type when one is declared. A missing declaration, or the generic
/// `application/octet-stream` that clients send when they do not know, leaves the bytes to decide.
pub fn check_upload(
    file_name: &str,
    declared: Option<&str>,
    bytes: &[u8],
    max_bytes: u64,
) -> Result<CheckedUpload, UploadError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    check_upload_head(file_name, declared, bytes, size, max_bytes)
}

/// [`check_upload`] for a file received in pieces: `head` is its first bytes (a dozen are
/// enough for the signatures), `size` its whole length.
pub fn check_upload_head(
    file_name: &str,
    declared: Option<&str>,
    head: &[u8],
    size: u64,
    max_bytes: u64,
) -> Result<CheckedUpload, UploadError> {
    if size == 0 {
        return Err(UploadError::Empty);
    }
    if size > max_bytes {
        return Err(UploadError::TooLarge { max: max_bytes });
    }
    let declared = declared.map(str::trim).filter(|d| {
        !d.is_empty()
            && !d
                .to_ascii_lowercase()
                .starts_with("application/octet-stream")
    });
    let sniffed = MediaType::sniff(head);
    let media_type = match (declared.map(MediaType::parse), sniffed) {
        (None, Some(actual)) => actual,
        (Some(Some(claimed)), Some(actual)) if claimed == actual => actual,
        (Some(Some(_)), _) => return Err(UploadError::TypeMismatch),
        (Some(None), _) | (None, None) => return Err(UploadError::UnsupportedType),
    };
    Ok(CheckedUpload {
        file_name: safe_file_name(file_name, media_type),
        media_type,
        size,
    })
}

/// Characters that reorder or hide text (bidirectional overrides, zero-width marks, soft
/// hyphen, byte-order mark): "hoso\u{202E}fdp.exe" must not display as "hosoexe.pdf".
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Characters refused in file names on common systems, replaced by a space.
fn is_reserved(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
}

/// A file name safe to store, show and offer back for download: NFC, the last path component
/// only, no control/format/reserved characters, single spaces, no leading dots, at most
/// [`MAX_NAME_CHARS`] characters, ending in an extension of `media_type`. Vietnamese letters
/// are kept as they are.
pub fn safe_file_name(raw: &str, media_type: MediaType) -> String {
    // Removing a hidden character can bring a letter and its accent together, so NFC comes
    // after the filtering.
    let visible: String = raw
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .map(|c| if is_reserved(c) { ' ' } else { c })
        .collect();
    let normalised: String = visible.nfc().collect();
    let last = normalised.rsplit(['/', '\\']).next().unwrap_or_default();
    let collapsed = last.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = collapsed.trim_matches(|c: char| c == '.' || c == ' ');
    let (stem, has_extension) = match trimmed.rsplit_once('.') {
        Some((stem, extension))
            if media_type
                .extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(extension)) =>
        {
            (stem.trim_end_matches([' ', '.']), true)
        }
        _ => (trimmed, false),
    };
    let extension = if has_extension {
        trimmed
            .rsplit_once('.')
            .map(|(_, e)| e.to_lowercase())
            .unwrap_or_else(|| media_type.extension().to_owned())
    } else {
        media_type.extension().to_owned()
    };
    let room = MAX_NAME_CHARS.saturating_sub(extension.chars().count() + 1);
    let mut stem: String = stem.chars().take(room).collect();
    stem = stem.trim_end_matches([' ', '.']).to_owned();
    if stem.is_empty() {
        stem = "tep-dinh-kem".to_owned();
    }
    format!("{stem}.{extension}")
}

/// Mục đích: why a file is attached to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Thành phần hồ sơ: one of the papers the procedure requires (by its index in the list).
    Document,
    /// Hồ sơ bổ sung: a paper provided after a supplement request.
    Supplement,
    /// Kết quả: the result document (licence, certificate, decision).
    Result,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Document => "document",
            Purpose::Supplement => "supplement",
            Purpose::Result => "result",
        }
    }

    pub fn parse(value: &str) -> Option<Purpose> {
        match value {
            "document" => Some(Purpose::Document),
            "supplement" => Some(Purpose::Supplement),
            "result" => Some(Purpose::Result),
            _ => None,
        }
    }
}

/// In which capacity someone attaches a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attacher {
    /// The applicant, online.
    Citizen,
    /// The one-stop desk (scans at the counter, supplements, returning the result).
    Desk,
    /// An official holding the role of the dossier's current workflow step.
    StepRole,
}

/// Why attaching is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AttachError {
    /// This kind of attacher never adds this kind of file.
    #[error("not allowed to attach this kind of file")]
    NotAllowed,
    /// Allowed in general, but not in the dossier's current status.
    #[error("the dossier does not accept this file in its current status")]
    WrongStatus,
}

impl AttachError {
    pub fn code(self) -> &'static str {
        match self {
            AttachError::NotAllowed => "error-forbidden",
            AttachError::WrongStatus => "error-attachment-status",
        }
    }
}

/// Who may attach which kind of file in which status (`None` is a draft, not yet submitted).
///
/// The applicant adds papers while the dossier is a draft, waiting for reception (1) or asked
/// for a supplement (5). The desk registers scanned papers of an open dossier, supplements while
/// one is requested or during reception, and may attach the result like the step's role, once
/// processing has started and until the result has been handed over (2, 4, 6, 9).
pub fn may_attach(
    attacher: Attacher,
    purpose: Purpose,
    status: Option<DossierStatus>,
) -> Result<(), AttachError> {
    use DossierStatus as S;
    let allowed_statuses: &[Option<S>] = match (attacher, purpose) {
        (Attacher::Citizen, Purpose::Document) => {
            &[None, Some(S::Submitted), Some(S::SupplementRequested)]
        }
        (Attacher::Citizen, Purpose::Supplement) => &[Some(S::SupplementRequested)],
        (Attacher::Citizen, Purpose::Result)
        | (Attacher::StepRole, Purpose::Document | Purpose::Supplement) => {
            return Err(AttachError::NotAllowed);
        }
        (Attacher::Desk, Purpose::Document) => &[
            None,
            Some(S::Submitted),
            Some(S::Received),
            Some(S::InProcessing),
            Some(S::SupplementRequested),
        ],
        (Attacher::Desk, Purpose::Supplement) => &[
            Some(S::Submitted),
            Some(S::Received),
            Some(S::SupplementRequested),
        ],
        (Attacher::Desk | Attacher::StepRole, Purpose::Result) => &[
            Some(S::Received),
            Some(S::InProcessing),
            Some(S::FinancialObligation),
            Some(S::Resolved),
        ],
    };
    if allowed_statuses.contains(&status) {
        Ok(())
    } else {
        Err(AttachError::WrongStatus)
    }
}

#[cfg(test)]
#[path = "attachment_tests.rs"]
mod tests;
