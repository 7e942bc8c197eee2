//! End-to-end checks of the rendered PDFs with real PDF tools (poppler's `pdftotext`,
//! `pdfinfo`, `pdffonts`, `pdftoppm`) and a real QR decoder (`zbarimg`), not mocks.
//!
//! Samples are written to `target/render-samples/` for a human to look at.

mod samples;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use motcua_render::{DocumentRenderer, FormDocument, RenderError, TypstRenderer};

/// A5 portrait in points (148 × 210 mm).
const A5: (f64, f64) = (419.53, 595.28);
/// A4 landscape in points (297 × 210 mm).
const A4_LANDSCAPE: (f64, f64) = (841.89, 595.28);

/// Parses pdfinfo's "419.528 x 595.276 pts" (poppler versions differ in decimals).
fn page_size(info: &str) -> (f64, f64) {
    let field = info_field(info, "Page size");
    let nums: Vec<f64> = field
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "odd page size {field:?}");
    (nums[0], nums[1])
}

fn same_size(a: (f64, f64), b: (f64, f64)) -> bool {
    (a.0 - b.0).abs() < 0.01 && (a.1 - b.1).abs() < 0.01
}

fn renderer() -> &'static TypstRenderer {
    static R: OnceLock<TypstRenderer> = OnceLock::new();
    R.get_or_init(TypstRenderer::new)
}

fn sample_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/render-samples");
    std::fs::create_dir_all(&dir).expect("create target/render-samples");
    dir
}

/// Fails unless `tool` is installed; `.ci/setup-test-tools` installs it, tests never do.
fn ensure_tool(tool: &str, package: &str) {
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

fn run(tool: &str, args: &[&str]) -> String {
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
fn render_to(name: &str, form: &FormDocument) -> PathBuf {
    let pdf = renderer().render(form).expect("render");
    assert!(pdf.starts_with(b"%PDF-"), "{name}: not a PDF");
    let path = sample_dir().join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf).expect("write sample");
    path
}

/// Text of the PDF with runs of whitespace collapsed, so wrapped lines still match.
fn text_of(path: &Path) -> String {
    let raw = run(
        "pdftotext",
        &["-enc", "UTF-8", path.to_str().expect("utf-8 path"), "-"],
    );
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn info_of(path: &Path) -> String {
    run("pdfinfo", &[path.to_str().expect("utf-8 path")])
}

fn info_field<'a>(info: &'a str, field: &str) -> &'a str {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(str::trim)
        .unwrap_or_else(|| panic!("pdfinfo has no {field}:\n{info}"))
}

fn assert_contains_all(name: &str, text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "{name}: missing {e:?} in text:\n{text}");
    }
}

/// `pdffonts`: every font embedded and subset (name prefixed "ABCDEF+").
fn assert_fonts_embedded_subsets(name: &str, path: &Path) {
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

#[test]
fn every_form_renders_with_vietnamese_text_page_size_and_embedded_fonts() {
    let expectations: Vec<(&str, (f64, f64), Vec<&str>)> = vec![
        (
            "mau01-tiep-nhan",
            A5,
            vec![
                "UBND THÀNH PHỐ CẦN THƠ",
                "UBND PHƯỜNG NINH KIỀU",
                "BỘ PHẬN MỘT CỬA",
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
                "Cần Thơ, ngày 05 tháng 01 năm 2026",
                "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
                "H59.22-260105-0001",
                "Nguyễn Thị Thu Trang",
                "092******123",
                "Đăng ký khai sinh",
                "Giấy chứng nhận kết hôn của cha, mẹ",
                "Bản sao có chứng thực",
                "08 giờ 30 phút, ngày 05 tháng 01 năm 2026",
                "14 giờ 00 phút, ngày 06 tháng 01 năm 2026",
                "1.234.567 đ",
                "16.000 đ",
                "1.250.567 đ",
                "Quyển số: 01/2026, Số thứ tự: 0001",
                "Trần Quốc Vượng",
                samples::LOOKUP_URL,
            ],
        ),
        (
            "mau02-yeu-cau-bo-sung",
            A5,
            vec![
                "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
                samples::NFC_NAME,
                "Giấy chứng sinh",
                "Bản chính",
                "Bản chứng thực",
                "Bản photo",
                "Hồ sơ thiếu Giấy chứng sinh",
                "0292 3821 234",
                "Số: 0002/HDHS",
            ],
        ),
        (
            "mau03-tu-choi",
            A5,
            vec![
                "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
                "Lê Văn Đức",
                "không thuộc thẩm quyền giải quyết",
                "Sở Xây dựng thành phố Cần Thơ",
            ],
        ),
        (
            "mau04-xin-loi-gia-han",
            A5,
            vec![
                "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN",
                "Kính gửi: Ông/Bà Nguyễn Thị Thu Trang",
                "14 giờ 00 phút, ngày 09 tháng 01 năm 2026",
                "KT. CHỦ TỊCH",
                "PHÓ CHỦ TỊCH",
                "Phạm Thị Ngọc Hường",
            ],
        ),
        (
            "mau05-dung-giai-quyet",
            A5,
            vec![
                "DỪNG GIẢI QUYẾT HỒ SƠ",
                "Trần Quốc Vượng",
                "Đăng ký kết hôn",
                "đề nghị rút hồ sơ",
            ],
        ),
        (
            "mau06-phieu-kiem-soat",
            A4_LANDSCAPE,
            vec![
                "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
                "Giao: Bộ phận Một cửa",
                "Nhận: Công chức Tư pháp - Hộ tịch",
                "Trước hạn",
                "Đúng hạn",
                "Quá hạn",
                "Công an phường Ninh Kiều",
            ],
        ),
        (
            "mau07-so-theo-doi",
            A4_LANDSCAPE,
            vec![
                "SỔ THEO DÕI HỒ SƠ",
                "Quyển số: 01/2026",
                "H59.22-260105-0060",
                "Phạm Thị Ánh Tuyết",
                "Ký nhận",
                "Ghi chú",
            ],
        ),
    ];
    let forms = samples::all();
    assert_eq!(forms.len(), expectations.len());
    for ((name, form), (exp_name, size, strings)) in forms.iter().zip(expectations) {
        assert_eq!(*name, exp_name);
        let path = render_to(name, form);
        let text = text_of(&path);
        assert_contains_all(name, &text, &strings);
        let info = info_of(&path);
        assert!(
            same_size(page_size(&info), size),
            "{name}: page size should be {size:?}\n{info}"
        );
        if size == A5 {
            assert_eq!(info_field(&info, "Pages"), "1", "{name} fits one A5 page");
        }
        assert!(
            info_field(&info, "Title").contains(form.form_number()),
            "{name}: title\n{info}"
        );
        assert_eq!(info_field(&info, "Tagged"), "yes", "{name}: tagged PDF");
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
        assert_fonts_embedded_subsets(name, &path);
    }
}

#[test]
fn nfd_input_comes_out_as_nfc() {
    let form = FormDocument::Receipt(samples::receipt_for(samples::NFD_NAME));
    let path = render_to("nfd-name", &form);
    let text = text_of(&path);
    assert!(text.contains(samples::NFC_NAME), "{text}");
    assert!(!text.contains(samples::NFD_NAME));
}

#[test]
fn markup_characters_in_data_print_literally() {
    let name = "Lê *Văn* #Tám $x^2$ [a] _b_ <c> @d `e` #panic(\"boom\") \\ ~ = Hà";
    let form = FormDocument::Receipt(samples::receipt_for(name));
    let path = render_to("markup-in-name", &form);
    let text = text_of(&path);
    assert!(
        text.contains(name),
        "expected {name:?} literally in:\n{text}"
    );
}

#[test]
fn qr_code_decodes_to_the_lookup_url() {
    assert_eq!(
        decoded_qr("mau01-qr", &samples::receipt()),
        samples::LOOKUP_URL
    );
    // The supplement request of a numbered dossier carries it too; a refusal of a dossier
    // without a code (sample) has none, and no empty frame either.
    assert_eq!(
        decoded_qr("mau02-qr", &samples::supplement()),
        samples::LOOKUP_URL
    );
    assert_eq!(decoded_qr("mau03-no-qr", &samples::refusal()), "");
    let text = text_of(&render_to("mau03-no-qr", &samples::refusal()));
    assert!(!text.contains("Quét mã QR"), "{text}");
}

/// The text of the QR codes on the first page, as `zbarimg` reads them ("" when none).
fn decoded_qr(name: &str, form: &FormDocument) -> String {
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

#[test]
fn rendering_is_deterministic() {
    let form = samples::receipt();
    let a = renderer().render(&form).expect("render");
    let b = renderer().render(&form).expect("render");
    let c = TypstRenderer::new().render(&form).expect("render");
    assert_eq!(a, b, "same renderer, same bytes");
    assert_eq!(a, c, "fresh renderer, same bytes");
}

#[test]
fn long_register_paginates_with_the_header_on_every_page() {
    let path = render_to("mau07-so-theo-doi-dai", &samples::tracking_book(150));
    let info = info_of(&path);
    let pages: u32 = info_field(&info, "Pages").parse().expect("page count");
    assert!(
        pages >= 3,
        "150 rows should take several pages, got {pages}"
    );
    for page in 1..=pages {
        let p = page.to_string();
        let raw = run(
            "pdftotext",
            &[
                "-f",
                &p,
                "-l",
                &p,
                "-enc",
                "UTF-8",
                path.to_str().expect("utf-8 path"),
                "-",
            ],
        );
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            text.contains("Tên thủ tục hành chính") && text.contains("Mã hồ sơ"),
            "page {page} lacks the repeated header:\n{text}"
        );
        assert!(
            text.contains(&format!("Trang {page} / {pages}")),
            "page {page}: {text}"
        );
    }
    let last = run(
        "pdftotext",
        &["-enc", "UTF-8", path.to_str().expect("utf-8 path"), "-"],
    );
    assert!(last.contains("H59.22-260105-0150"));
}

#[test]
fn form_data_round_trips_through_json() {
    for (name, form) in samples::all() {
        let json = serde_json::to_string(&form).expect("serialise");
        assert!(
            json.contains("\"form\":\"mau0"),
            "{name}: tagged by form number: {json}"
        );
        let back: FormDocument = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, form, "{name}");
    }
}

#[test]
fn oversized_input_is_refused_not_rendered() {
    let mut receipt = samples::receipt_for("Nguyễn Thị Thu Trang");
    receipt.procedure_name = "x".repeat(10_000);
    let err = renderer()
        .render(&FormDocument::Receipt(receipt))
        .expect_err("too long");
    assert!(
        matches!(err, RenderError::Invalid(ref m) if m.contains("procedure_name")),
        "{err}"
    );
}

#[test]
fn renderer_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TypstRenderer>();
    let shared: std::sync::Arc<dyn DocumentRenderer> = std::sync::Arc::new(TypstRenderer::new());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let r = shared.clone();
            std::thread::spawn(move || r.render(&samples::refusal()).expect("render"))
        })
        .collect();
    let outputs: Vec<Vec<u8>> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn median_render_time_of_mau01() {
    // Bench-style: prints, never asserts on time (the machine is shared).
    let form = samples::receipt();
    let r = renderer();
    r.render(&form).expect("warm-up");
    let mut times: Vec<std::time::Duration> = (0..9)
        .map(|_| {
            let start = std::time::Instant::now();
            r.render(&form).expect("render");
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "median render time of Mẫu 01 (test profile): {:?}",
        times[times.len() / 2]
    );
}
