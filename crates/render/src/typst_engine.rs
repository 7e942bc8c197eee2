//! The Typst implementation of [`DocumentRenderer`]: embedded templates, embedded fonts,
//! PDF/A-2b + PDF/UA-1 output.
//!
//! Fonts are parsed once in [`TypstRenderer::new`]; each `render` builds a short-lived Typst
//! world around the shared engine, compiles one template with the form data as `sys.inputs`,
//! and exports PDF. Nothing is read from the file system or the network at run time.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use typst::diag::SourceDiagnostic;
use typst_as_lib::{TypstAsLibError, TypstEngine, TypstTemplateCollection};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards};

use crate::model::FormDocument;
use crate::{DocumentRenderer, Mark, MarkKind, RenderError, Rendered, inputs};
use typst::foundations::{Label, Value};
use typst::introspection::MetadataElem;
use typst::utils::PicoStr;

/// Liberation Serif 2.1 (OFL-1.1), metric-compatible with Times New Roman (NĐ 30/2020).
const FONTS: [&[u8]; 4] = [
    include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf"),
];

/// Template sources, addressed by file name from each other (`#import "common.typ": *`).
const TEMPLATES: [(&str, &str); 13] = [
    ("common.typ", include_str!("../templates/common.typ")),
    ("mau01.typ", include_str!("../templates/mau01.typ")),
    ("mau02.typ", include_str!("../templates/mau02.typ")),
    ("mau03.typ", include_str!("../templates/mau03.typ")),
    ("mau04.typ", include_str!("../templates/mau04.typ")),
    ("mau05.typ", include_str!("../templates/mau05.typ")),
    ("mau06.typ", include_str!("../templates/mau06.typ")),
    ("mau07.typ", include_str!("../templates/mau07.typ")),
    ("bao_cao.typ", include_str!("../templates/bao_cao.typ")),
    ("bien_lai.typ", include_str!("../templates/bien_lai.typ")),
    ("van_ban.typ", include_str!("../templates/van_ban.typ")),
    (
        "van_ban_loai.typ",
        include_str!("../templates/van_ban_loai.typ"),
    ),
    (
        "so_van_ban.typ",
        include_str!("../templates/so_van_ban.typ"),
    ),
];

/// Renders forms with Typst. Create it once (it parses the fonts) and share it (`Arc`); it is
/// `Send + Sync`. `render` runs in the calling thread and is CPU-bound: async callers must use
/// `tokio::task::spawn_blocking`.
pub struct TypstRenderer {
    engine: TypstEngine<TypstTemplateCollection>,
}

impl Default for TypstRenderer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TypstRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypstRenderer").finish_non_exhaustive()
    }
}

impl TypstRenderer {
    /// Loads the embedded fonts and templates.
    pub fn new() -> Self {
        let engine = TypstEngine::builder()
            .fonts(FONTS)
            .with_static_source_file_resolver(TEMPLATES)
            // Keep Typst's memoisation of recently used layout for a few compilations: repeated
            // renders of the same form type get faster without the cache growing without bound.
            .comemo_evict_max_age(Some(8))
            .build();
        TypstRenderer { engine }
    }
}

impl DocumentRenderer for TypstRenderer {
    fn render(&self, form: &FormDocument) -> Result<Vec<u8>, RenderError> {
        export(&self.compile(form)?)
    }

    fn render_marked(&self, form: &FormDocument) -> Result<Rendered, RenderError> {
        let document = self.compile(form)?;
        Ok(Rendered {
            marks: marks(&document)?,
            pdf: export(&document)?,
            pages: Some(document.pages().len()),
        })
    }
}

impl TypstRenderer {
    fn compile(&self, form: &FormDocument) -> Result<PagedDocument, RenderError> {
        let qr = match form {
            FormDocument::Receipt(r) => Some(qr_svg("lookup_url", &r.lookup_url)?),
            FormDocument::SupplementRequest(f) => f
                .lookup_url
                .as_deref()
                .map(|url| qr_svg("lookup_url", url))
                .transpose()?,
            FormDocument::Refusal(f) => f
                .lookup_url
                .as_deref()
                .map(|url| qr_svg("lookup_url", url))
                .transpose()?,
            FormDocument::PaymentReceipt(f) => Some(qr_svg("verify_url", &f.verify_url)?),
            _ => None,
        };
        let (template, _) = inputs::template_of(form);
        let dict = inputs::build(form, qr)?;
        self.engine
            .compile_with_input(template, dict)
            .output
            .map_err(template_error)
    }
}

fn export(document: &PagedDocument) -> Result<Vec<u8>, RenderError> {
    let options = PdfOptions {
        standards: PdfStandards::new(&[PdfStandard::A_2b, PdfStandard::Ua_1])
            .map_err(|e| RenderError::Export(format!("{e:?}")))?,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(document, &options).map_err(|diags| RenderError::Export(messages(&diags)))
}

/// Where the template's labelled blanks landed. Each label sits on a `metadata((w:, h:))` at
/// the top-left corner of its blank, with the blank's size in points; Typst places from the
/// top-left of the page, PDF from the bottom-left.
fn marks(document: &PagedDocument) -> Result<Vec<Mark>, RenderError> {
    let introspector = document.introspector();
    let mut out = Vec::new();
    for kind in MarkKind::ALL {
        let Some(label) = Label::new(PicoStr::intern(kind.label())) else {
            continue;
        };
        let Ok(content) = introspector.elements().query_label(label) else {
            continue;
        };
        let size = content
            .to_packed::<MetadataElem>()
            .map(|m| m.value.clone())
            .and_then(|value| match value {
                Value::Dict(dict) => {
                    let number = |key: &str| match dict.get(key) {
                        Ok(Value::Float(f)) => Some(*f),
                        Ok(Value::Int(i)) => Some(*i as f64),
                        _ => None,
                    };
                    Some((number("w")?, number("h")?))
                }
                _ => None,
            })
            .ok_or_else(|| {
                RenderError::Template(format!("{}: not a metadata((w:, h:))", kind.label()))
            })?;
        let position = content
            .location()
            .and_then(|location| introspector.position(location))
            .ok_or_else(|| RenderError::Template(format!("{}: not placed", kind.label())))?;
        let page = position.page.get() - 1;
        let height = document
            .pages()
            .get(page)
            .map(|p| p.frame.height().to_pt())
            .ok_or_else(|| RenderError::Template(format!("{}: no page", kind.label())))?;
        let (x, top) = (position.point.x.to_pt(), position.point.y.to_pt());
        out.push(Mark {
            kind,
            page,
            rect: [x, height - top - size.1, x + size.0, height - top],
        });
    }
    Ok(out)
}

/// The QR code of a public address (lookup or receipt verification), as an SVG document;
/// `field` names the address in errors.
fn qr_svg(field: &str, url: &str) -> Result<Vec<u8>, RenderError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(RenderError::Invalid(format!("{field}: empty")));
    }
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    let svg = code
        .render::<svg::Color<'_>>()
        .quiet_zone(true)
        .min_dimensions(160, 160)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(svg.into_bytes())
}

fn template_error(error: TypstAsLibError) -> RenderError {
    match error {
        TypstAsLibError::TypstSource(diags) => RenderError::Template(messages(&diags)),
        other => RenderError::Template(other.to_string()),
    }
}

fn messages(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| d.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}
