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
