//! PDF rendering of the official one-stop forms (biểu mẫu một cửa, Mẫu 01–07 of
//! Phụ lục I TT 03/2025/TT-VPCP), of the electronic fee receipt (biên lai thu phí, lệ phí), of
//! official documents (văn bản hành chính, NĐ 30/2020/NĐ-CP Phụ lục I) and of the document
//! registers (Phụ lục IV), laid out after NĐ 30/2020/NĐ-CP.
//!
//! The crate exists so that only it compiles Typst: other crates depend on the
//! [`DocumentRenderer`] trait and the plain data in [`model`], and receive PDF bytes.
//!
//! ```no_run
//! use motcua_render::{DocumentRenderer, FormDocument, RenderError, TypstRenderer};
//!
//! /// Any form goes in as data (the web layer builds it from a dossier); PDF bytes come out.
//! fn to_pdf(renderer: &TypstRenderer, form: &FormDocument) -> Result<Vec<u8>, RenderError> {
//!     renderer.render(form)
//! }
//!
//! let renderer = TypstRenderer::new(); // loads the embedded fonts once; keep it in an Arc
//! # let _ = (&renderer, to_pdf);
//! ```
//!
//! Rendering is CPU-bound and synchronous (a few milliseconds per A5 form); the web layer calls
//! it inside `tokio::task::spawn_blocking`.

pub mod format;
#[cfg(feature = "engine")]
mod inputs;
pub mod model;
#[cfg(feature = "engine")]
mod typst_engine;

pub use model::*;
#[cfg(feature = "engine")]
pub use typst_engine::TypstRenderer;

/// Turns a form into PDF bytes. Implementations must be deterministic: the same form gives the
/// same bytes.
pub trait DocumentRenderer: Send + Sync {
    /// Renders one form as a complete PDF file.
    fn render(&self, form: &FormDocument) -> Result<Vec<u8>, RenderError>;

    /// Renders one form and says where its [`Mark`]s landed (an official document's blanks
    /// and the room for its signatures). A renderer that cannot tell gives no marks.
    fn render_marked(&self, form: &FormDocument) -> Result<Rendered, RenderError> {
        Ok(Rendered {
            pdf: self.render(form)?,
            marks: Vec::new(),
            pages: None,
        })
    }
}

/// A PDF and where its marks are.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub marks: Vec<Mark>,
    /// How many pages, when the renderer can tell.
    pub pages: Option<usize>,
}

/// A place on a rendered page kept for what comes after rendering: the blanks the clerk fills
/// when issuing (số, ngày, tháng, năm) and the room under the signer's title for the signer's
/// image and the seal.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mark {
    pub kind: MarkKind,
    /// The page, from 0.
    pub page: usize,
    /// `[x1, y1, x2, y2]` in PDF points from the page's bottom-left corner.
    pub rect: [f64; 4],
}

/// What a [`Mark`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// The blank after "Số:".
    Number,
    /// The blanks of "ngày … tháng … năm …".
    Day,
    Month,
    Year,
    /// The room between the signer's title and name.
    Signature,
}

impl MarkKind {
    pub const ALL: [MarkKind; 5] = [
        MarkKind::Number,
        MarkKind::Day,
        MarkKind::Month,
        MarkKind::Year,
        MarkKind::Signature,
    ];

    /// The label the templates give it (`<mark-number>`).
    pub fn label(self) -> &'static str {
        match self {
            MarkKind::Number => "mark-number",
            MarkKind::Day => "mark-day",
            MarkKind::Month => "mark-month",
            MarkKind::Year => "mark-year",
            MarkKind::Signature => "mark-signature",
        }
    }
}

/// Why a form could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// The data is unusable (too long, too many rows, impossible date…); names the field.
    #[error("invalid form data: {0}")]
    Invalid(String),
    /// The QR code could not be built (e.g. the URL is too long for a QR symbol).
    #[error("QR code: {0}")]
    Qr(String),
    /// The template failed to compile — a bug in this crate, not in the data.
    #[error("template error: {0}")]
    Template(String),
    /// The PDF writer refused the document (e.g. a PDF/A rule).
    #[error("PDF export: {0}")]
    Export(String),
}
