//! PDF checks shared by the test files: render and save a sample, then read it back with
//! poppler (`pdftotext`, `pdfinfo`, `pdffonts`, `pdftoppm`) and `zbarimg`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use motcua_render::{DocumentRenderer, FormDocument, TypstRenderer};

/// A5 portrait in points (148 × 210 mm).
pub const A5: (f64, f64) = (419.53, 595.28);
/// A4 landscape in points (297 × 210 mm).
pub const A4_LANDSCAPE: (f64, f64) = (841.89, 595.28);

/// Parses pdfinfo's "419.528 x 595.276 pts" (poppler versions differ in decimals).
pub fn page_size(info: &str) -> (f64, f64) {
    let field = info_field(info, "Page size");
    let nums: Vec<f64> = field
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "odd page size {field:?}");
    (nums[0], nums[1])
}

pub fn same_size(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 0.01 && (a.1 - b.1).abs() < 0.01
}

pub fn renderer() -> &'static TypstRenderer {
    static R: OnceLock<TypstRenderer> = OnceLock::new();
    R.get_or_init(TypstRenderer::new)
}

pub fn sample_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/render-samples");
    std::fs::create_dir_all(&dir).expect("create target/render-samples");
    dir
}

/// Fails unless `tool` is installed; `.ci/setup-test-tools` installs it, tests never do.
pub fn ensure_tool(tool: &str, package: &str) {
    let present = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        present,
        "{tool} is missing: the PDF checks need Debian's {package}; run `.ci/setup-test-tools` (as root) to install it"
    );
}

pub fn run(tool: &str, args: &[&str]) -> String {
    ensure_tool(
        tool,
        if tool == "zbarimg" {
            "zbar-tools"
        } else {
            "poppler-utils"
        },
    );
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

/// Renders and saves a sample; returns its path.
pub fn render_to(name: &str, form: &FormDocument) -> PathBuf {
    let pdf = renderer().render(form).expect("render");
    assert!(pdf.starts_with(b"%PDF-"), "{name}: not a PDF");
    let path = sample_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf).expect("write sample");
    path
}

/// Text of the PDF with runs of whitespace collapsed, so wrapped lines still match.
pub fn text_of(path: &Path) -> String {
    let raw = run(
        "pdftotext",
        &["-enc", "UTF-8", path.to_str().expect("utf-8 path"), "-"],
    );
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn info_of(path: &Path) -> String {
    run("pdfinfo", &[path.to_str().expect("utf-8 path")])
}

pub fn info_field<'a>(info: &'a str, field: &str) -> &'a str {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("pdfinfo has no {field}:\n{info}"))
}

pub fn assert_contains_all(name: &str, text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "{name}: missing {e:?} in text:\n{text}");
    }
}

/// `pdffonts`: every font embedded and subset (name prefixed "ABCDEF+").
pub fn assert_fonts_embedded_subsets(name: &str, path: &Path) {
    let fonts = run("pdffonts", &[path.to_str().expect("utf-8 path")]);
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!rows.is_empty(), "{name}: no fonts\n{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type… emb sub uni object-id gen: the last five columns are fixed.
        let n = cols.len();
        assert!(n >= 7, "{name}: odd pdffonts row {row:?}");
        let (emb, sub, uni) = (cols[n - 5], cols[n - 4], cols[n - 3]);
        assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "{name}: {row}");
        assert!(cols[0].contains('+'), "{name}: not a subset name: {row}");
        assert!(
            cols[0].contains("LiberationSerif"),
            "{name}: unexpected font {row}"
        );
    }
}

/// Tagged (PDF/UA-1), archival (PDF/A-2b) and in Vietnamese, from pdfinfo and its XMP.
pub fn assert_tagged_pdf_a_in_vietnamese(name: &str, path: &Path, info: &str) {
    assert_eq!(info_field(info, "Tagged"), "yes", "{name}: tagged PDF");
    let meta = run("pdfinfo", &["-meta", path.to_str().expect("utf-8 path")]);
    assert!(
        meta.contains("<pdfaid:part>2</pdfaid:part>")
            && meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{name}: PDF/A-2b identification missing:\n{meta}"
    );
    assert!(
        meta.contains("<pdfuaid:part>1</pdfuaid:part>"),
        "{name}: PDF/UA-1 identification missing:\n{meta}"
    );
    assert!(
        meta.contains("<dc:language><rdf:Bag><rdf:li>vi-VN</rdf:li>"),
        "{name}: language vi\n{meta}"
    );
}

/// The text of the QR codes on the first page, as `zbarimg` reads them ("" when none).
pub fn decoded_qr(name: &str, form: &FormDocument) -> String {
    let path = render_to(name, form);
    let png_prefix = sample_dir().join(name);
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "200",
            "-singlefile",
            path.to_str().expect("utf-8 path"),
            png_prefix.to_str().expect("utf-8 path"),
        ],
    );
    let png = png_prefix.with_extension("png");
    ensure_tool("zbarimg", "zbar-tools");
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", png.to_str().expect("utf-8 path")])
        .output()
        .expect("zbarimg runs");
    // zbarimg exits with 4 when the image holds no code at all.
    assert!(
        out.status.success() || out.status.code() == Some(4),
        "zbarimg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
