//! Official documents (NĐ 30/2020 Phụ lục I) and the document registers (Phụ lục IV), rendered
//! with Vietnamese sample data and read back with poppler: the text with its diacritics, the
//! paper, the margins (from the word boxes of `pdftotext -bbox`), blanks before issue, the
//! per-type differences, page numbers from page 2.

mod support;

use motcua_render::*;
use support::*;
use time::macros::date;

/// A4 portrait in points (210 × 297 mm).
const A4: (f64, f64) = (595.28, 841.89);
const MM: f64 = 72.0 / 25.4;

fn quyet_dinh() -> OfficialDocument {
    OfficialDocument {
        parent_body: None,
        body: "UBND phường Ninh Kiều".into(),
        number: Some("05".into()),
        notation: "QĐ-UBND".into(),
        place: "Ninh Kiều".into(),
        date: Some(date!(2026 - 12 - 07)),
        drafted_on: date!(2026 - 12 - 01),
        kind: "quyet_dinh".into(),
        type_name: "quyết định".into(),
        subject: "Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch".into(),
        addressees: vec![],
        paragraphs: vec![
            "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;".into(),
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;".into(),
            "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội.".into(),
            "Điều 1. Thành lập Tổ công tác rà soát, cập nhật dữ liệu hộ tịch trên địa bàn phường gồm các ông, bà có tên sau đây.".into(),
            "Điều 2. Tổ công tác có nhiệm vụ rà soát toàn bộ sổ hộ tịch lưu trữ tại Ủy ban nhân dân phường, đối chiếu với Cơ sở dữ liệu hộ tịch điện tử và đề xuất cập nhật, bổ sung những trường hợp còn thiếu.".into(),
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, Trưởng phòng Văn hóa - Xã hội và các ông, bà có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.".into(),
        ],
        recipients: vec!["Như Điều 3".into(), "UBND thành phố Cần Thơ (để báo cáo);".into()],
        filed_with: Some("VP".into()),
        signature: SignatureBlock {
            authority: Some("TM. Ủy ban nhân dân".into()),
            position: Some("Chủ tịch".into()),
            name: Some("Huỳnh Văn Thành".into()),
        },
        urgency: None,
        secrecy: None,
    }
}

fn cong_van_draft() -> OfficialDocument {
    OfficialDocument {
        parent_body: Some("UBND thành phố Cần Thơ".into()),
        body: "Sở Tư pháp".into(),
        number: None,
        notation: "STP-HCTP".into(),
        place: "Cần Thơ".into(),
        date: None,
        drafted_on: date!(2026 - 12 - 01),
        kind: "cong_van".into(),
        type_name: "công văn".into(),
        subject: "Về việc rà soát, cập nhật dữ liệu hộ tịch".into(),
        addressees: vec!["UBND phường Ninh Kiều".into(), "UBND xã Trung Hưng".into()],
        paragraphs: vec![
            "Thực hiện Kế hoạch số 12/KH-UBND của Ủy ban nhân dân thành phố, Sở Tư pháp đề nghị Ủy ban nhân dân các phường, xã rà soát dữ liệu hộ tịch.".into(),
            "Đề nghị các đơn vị báo cáo kết quả trước ngày 15 tháng 12 năm 2026./.".into(),
        ],
        recipients: vec!["Như trên".into(), "Giám đốc Sở (để báo cáo)".into()],
        filed_with: Some("HCTP".into()),
        signature: SignatureBlock {
            authority: Some("KT. Giám đốc".into()),
            position: Some("Phó Giám đốc".into()),
            name: None,
        },
        urgency: Some("Hỏa tốc".into()),
        secrecy: Some("Mật".into()),
    }
}

fn render(name: &str, doc: OfficialDocument) -> std::path::PathBuf {
    render_to(name, &FormDocument::OfficialDocument(doc))
}

/// A word of `pdftotext -bbox` output: page, text and box in points from the top left.
#[derive(Debug, Clone)]
struct Word {
    page: usize,
    text: String,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

fn words_of(path: &std::path::Path) -> Vec<Word> {
    let html = run(
        "pdftotext",
        &[
            "-bbox",
            "-enc",
            "UTF-8",
            path.to_str().expect("utf-8 path"),
            "-",
        ],
    );
    let attr = |line: &str, name: &str| -> f64 {
        let start = line
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in {line}"))
            + name.len()
            + 2;
        let end = start + line[start..].find('"').expect("closing quote");
        line[start..end].parse().expect("number")
    };
    let mut page = 0;
    let mut words = Vec::new();
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        } else if line.starts_with("<word ") {
            let text = line
                .split_once('>')
                .and_then(|(_, rest)| rest.strip_suffix("</word>"))
                .unwrap_or_default()
                .to_owned();
            words.push(Word {
                page,
                text,
                x_min: attr(line, "xMin"),
                y_min: attr(line, "yMin"),
                x_max: attr(line, "xMax"),
                y_max: attr(line, "yMax"),
            });
        }
    }
    words
}

#[test]
fn a_decision_prints_the_decree_30_heading_body_and_signature_on_a4() {
    let name = "van-ban-quyet-dinh";
    let path = render(name, quyet_dinh());
    let text = text_of(&path);
    assert_contains_all(
        name,
        &text,
        &[
            "UBND PHƯỜNG NINH KIỀU",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 05/QĐ-UBND",
            "Ninh Kiều, ngày 07 tháng 12 năm 2026",
            "QUYẾT ĐỊNH Về việc thành lập Tổ công tác rà soát dữ liệu hộ tịch",
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020",
            "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội. QUYẾT ĐỊNH: Điều 1. Thành lập",
            "Nơi nhận:",
            "- Như Điều 3;",
            "- UBND thành phố Cần Thơ (để báo cáo);",
            "- Lưu: VT, VP.",
            "TM. ỦY BAN NHÂN DÂN",
            "CHỦ TỊCH",
            "Huỳnh Văn Thành",
        ],
    );
    // No parent body here, no "V/v" line and no marks.
    assert!(!text.contains("V/v"), "{text}");
    assert!(!text.contains("HỎA TỐC") && !text.contains("MẬT"), "{text}");
    let info = info_of(&path);
    assert!(same_size(page_size(&info), A4), "A4 portrait:\n{info}");
    assert_eq!(info_field(&info, "Pages"), "1");
    assert!(
        info_field(&info, "Title").contains("Quyết định số 05/QĐ-UBND"),
        "{info}"
    );
    assert_tagged_pdf_a_in_vietnamese(name, &path, &info);
    assert_fonts_embedded_subsets(name, &path);
}

#[test]
fn the_text_keeps_within_the_decree_30_margins_and_fills_the_line() {
    let name = "van-ban-le";
    let mut doc = quyet_dinh();
    // Long enough for a second page.
    doc.paragraphs.extend((4..=20).map(|n| {
        format!(
            "Điều {n}. Các thành viên Tổ công tác phối hợp với Văn phòng HĐND và UBND phường, Phòng Văn hóa - Xã hội và Công an phường rà soát từng trường hợp, lập danh sách đề nghị cập nhật và báo cáo Chủ tịch Ủy ban nhân dân phường kết quả thực hiện hằng tuần."
        )
    }));
    let path = render(name, doc);
    let info = info_of(&path);
    let pages: usize = info_field(&info, "Pages").parse().expect("pages");
    assert!(pages >= 2, "{info}");
    let words = words_of(&path);
    assert!(words.len() > 300, "{} words", words.len());
    let (top, bottom, left, right) = (20.0 * MM, A4.1 - 20.0 * MM, 30.0 * MM, A4.0 - 15.0 * MM);
    // The page numbers, from page 2 on, are the only text in the top margins.
    let (numbers, body): (Vec<&Word>, Vec<&Word>) = words.iter().partition(|w| w.y_max < top);
    let expected: Vec<(usize, String)> = (2..=pages).map(|p| (p, p.to_string())).collect();
    let found: Vec<(usize, String)> = numbers.iter().map(|w| (w.page, w.text.clone())).collect();
    assert_eq!(found, expected, "{numbers:?}");
    for number in &numbers {
        let centre = (number.x_min + number.x_max) / 2.0;
        assert!(
            (centre - (left + right) / 2.0).abs() < 3.0,
            "page number centred over the text: {centre}"
        );
    }
    // A word's box runs from the font's ascent, a little above the capitals Typst sets on the
    // first line's edge: 0.3 em of 14 pt at most.
    for w in &body {
        assert!(
            w.x_min >= left - 0.5
                && w.x_max <= right + 0.5
                && w.y_min >= top - 4.5
                && w.y_max <= bottom + 0.5,
            "outside the margins: {w:?}"
        );
    }
    // Justified body lines reach the right margin; the left column starts at the left one.
    let x_min = body.iter().map(|w| w.x_min).fold(f64::MAX, f64::min);
    let x_max = body.iter().map(|w| w.x_max).fold(f64::MIN, f64::max);
    assert!((x_min - left).abs() < 1.0, "left edge {x_min} vs {left}");
    assert!((x_max - right).abs() < 1.0, "right edge {x_max} vs {right}");
    // The first line of page 1 starts at the top margin.
    let y_min = body
        .iter()
        .filter(|w| w.page == 1)
        .map(|w| w.y_min)
        .fold(f64::MAX, f64::min);
    assert!(y_min - top < 4.0, "first line at {y_min}, top margin {top}");
    // Quốc hiệu on one line: its words share a baseline.
    let national: Vec<&&Word> = body
        .iter()
        .filter(|w| w.page == 1 && ["CỘNG", "HÒA", "NAM"].contains(&w.text.as_str()))
        .collect();
    assert_eq!(national.len(), 3, "{national:?}");
    assert!(
        national
            .iter()
            .all(|w| (w.y_max - national[0].y_max).abs() < 0.5)
    );
    // The number and the date share a line.
    let so = body.iter().find(|w| w.text == "Số:").expect("Số:");
    let ngay = body.iter().find(|w| w.text == "ngày").expect("ngày");
    assert!((so.y_max - ngay.y_max).abs() < 2.0, "{so:?} {ngay:?}");
}

#[test]
fn before_issue_the_number_and_date_are_blank_and_a_letter_has_v_v_and_marks() {
    let name = "van-ban-cong-van-du-thao";
    let path = render(name, cong_van_draft());
    let text = text_of(&path);
    assert_contains_all(
        name,
        &text,
        &[
            "UBND THÀNH PHỐ CẦN THƠ",
            "SỞ TƯ PHÁP",
            "Số: /STP-HCTP",
            "V/v rà soát, cập nhật dữ liệu hộ tịch",
            "MẬT",
            "HỎA TỐC",
            "Cần Thơ, ngày tháng năm",
            "Kính gửi: - UBND phường Ninh Kiều; - UBND xã Trung Hưng.",
            "Thực hiện Kế hoạch số 12/KH-UBND",
            "- Như trên;",
            "- Giám đốc Sở (để báo cáo);",
            "- Lưu: VT, HCTP.",
            "KT. GIÁM ĐỐC",
            "PHÓ GIÁM ĐỐC",
        ],
    );
    // A công văn has no title and does not repeat "Về việc".
    assert!(!text.contains("CÔNG VĂN"), "{text}");
    assert!(!text.contains("V/v Về việc"), "{text}");
    // The blanks are wide enough to write in.
    let words = words_of(&path);
    let so = words.iter().find(|w| w.text == "Số:").expect("Số:");
    let notation = words
        .iter()
        .find(|w| w.text.ends_with("/STP-HCTP"))
        .expect("notation");
    assert!(notation.x_min - so.x_max > 10.0 * MM, "{so:?} {notation:?}");
    let info = info_of(&path);
    assert!(
        info_field(&info, "Title").starts_with("Công văn – Về việc rà soát"),
        "{info}"
    );
}

#[test]
fn every_known_type_renders_and_an_unknown_one_uses_the_base() {
    let kinds = [
        ("quyet_dinh", "quyết định", true),
        ("cong_van", "công văn", false),
        ("to_trinh", "tờ trình", true),
        ("thong_bao", "thông báo", true),
        ("ke_hoach", "kế hoạch", true),
        ("bao_cao", "báo cáo", true),
        ("giay_moi", "giấy mời", true),
        ("nghi_quyet", "nghị quyết", true),
        ("thu_cong", "thư công", false),
        ("bien_ban", "biên bản", true),
        ("something_new", "bản ghi nhớ", true),
    ];
    for (kind, type_name, titled) in kinds {
        let mut doc = quyet_dinh();
        doc.kind = kind.into();
        doc.type_name = type_name.into();
        doc.addressees = vec!["Ông Nguyễn Văn An, Trưởng khu vực 3".into()];
        let name = format!("van-ban-{kind}");
        let text = text_of(&render(&name, doc));
        let title = type_name.to_uppercase();
        assert_eq!(text.contains(&title), titled, "{kind}: {text}");
        let greeting = if kind == "giay_moi" {
            "Trân trọng kính mời: Ông Nguyễn Văn An"
        } else {
            "Kính gửi: Ông Nguyễn Văn An"
        };
        assert!(text.contains(greeting), "{kind}: {text}");
        assert_eq!(
            text.contains("QUYẾT ĐỊNH:"),
            kind == "quyet_dinh",
            "{kind}: {text}"
        );
        assert_eq!(
            text.contains("thành lập Tổ công tác rà soát dữ liệu hộ tịch"),
            kind != "thu_cong",
            "{kind}: {text}"
        );
    }
}

#[test]
fn document_text_is_nfc_and_markup_prints_literally() {
    let mut doc = quyet_dinh();
    doc.signature.name =
        Some("Nguye\u{302}\u{303}n Thi\u{323} Ngo\u{323}c Hu\u{31b}o\u{31b}\u{300}ng".into());
    doc.paragraphs
        .push("Ghi chú: #set text(red) *đậm* $x$ [a] <b> @c".into());
    let text = text_of(&render("van-ban-ky-tu", doc));
    assert!(text.contains("Nguyễn Thị Ngọc Hường"), "{text}");
    assert!(
        text.contains("Ghi chú: #set text(red) *đậm* $x$ [a] <b> @c"),
        "{text}"
    );
}

#[test]
fn documents_render_deterministically_and_refuse_oversized_bodies() {
    let doc = FormDocument::OfficialDocument(quyet_dinh());
    let a = renderer().render(&doc).expect("render");
    let b = renderer().render(&doc).expect("render");
    assert_eq!(a, b, "same document, same bytes");
    let draft = FormDocument::OfficialDocument(cong_van_draft());
    assert_eq!(
        renderer().render(&draft).expect("render"),
        renderer().render(&draft).expect("render"),
        "a blank date does not take today's"
    );
    let mut huge = quyet_dinh();
    huge.paragraphs = vec!["Nội dung rất dài. ".repeat(600)];
    assert!(matches!(
        renderer().render(&FormDocument::OfficialDocument(huge)),
        Err(RenderError::Invalid(_))
    ));
    let mut many = quyet_dinh();
    many.paragraphs = vec!["Đoạn văn bản. ".repeat(100); 100];
    assert!(matches!(
        renderer().render(&FormDocument::OfficialDocument(many)),
        Err(RenderError::Invalid(_))
    ));
    let json = serde_json::to_string(&doc).expect("json");
    assert!(json.contains("\"form\":\"van_ban\""), "{json}");
    let back: FormDocument = serde_json::from_str(&json).expect("parse");
    assert_eq!(back, doc);
}

/// The lines of the PDF as read across the page: words sharing a baseline, left to right, so
/// a table row reads as one line (plain `pdftotext` reads a table column by column).
fn lines_of(path: &std::path::Path) -> Vec<String> {
    let mut words = words_of(path);
    words.sort_by(|a, b| {
        (a.page, (a.y_max * 2.0).round() as i64)
            .cmp(&(b.page, (b.y_max * 2.0).round() as i64))
            .then(a.x_min.total_cmp(&b.x_min))
    });
    let mut lines: Vec<((usize, i64), Vec<String>)> = Vec::new();
    for w in words {
        let key = (w.page, (w.y_max * 2.0).round() as i64);
        match lines.last_mut() {
            Some((k, line)) if *k == key => line.push(w.text),
            _ => lines.push((key, vec![w.text])),
        }
    }
    lines.into_iter().map(|(_, l)| l.join(" ")).collect()
}

fn assert_line(name: &str, lines: &[String], expected: &str) {
    assert!(
        lines.iter().any(|l| l.contains(expected)),
        "{name}: no line with {expected:?} in\n{}",
        lines.join("\n")
    );
}

fn incoming_register(rows: usize) -> DocumentRegister {
    DocumentRegister {
        parent_body: None,
        body: "UBND phường Ninh Kiều".into(),
        year: 2026,
        printed_on: date!(2026 - 12 - 07),
        entries: RegisterEntries::Incoming(
            (1..=rows)
                .map(|n| IncomingEntry {
                    arrival_date: Some(date!(2026 - 12 - 07)),
                    arrival_number: format!("{n:02}"),
                    author: "Sở Tư pháp thành phố Cần Thơ".into(),
                    code_number: format!("{}/STP-HCTP", 120 + n),
                    issued_date: Some(date!(2026 - 12 - 04)),
                    title: format!("Công văn: Về việc rà soát, cập nhật dữ liệu hộ tịch đợt {n}"),
                    recipient: "Phòng Văn hóa - Xã hội".into(),
                    note: if n == 2 {
                        "Khẩn".into()
                    } else {
                        String::new()
                    },
                })
                .collect(),
        ),
    }
}

#[test]
fn the_incoming_register_is_a_landscape_table_of_phu_luc_iv() {
    let name = "so-van-ban-den";
    let path = render_to(name, &FormDocument::DocumentRegister(incoming_register(3)));
    let text = text_of(&path);
    assert_contains_all(
        name,
        &text,
        &[
            "UBND PHƯỜNG NINH KIỀU",
            "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
            "Năm 2026",
            "Ngày đến",
            "Số đến",
            "Tác giả",
            "Số, ký hiệu",
            "Ngày tháng",
            "Tên loại và trích yếu nội dung",
            "Đơn vị hoặc người nhận",
            "Ký nhận",
            "Ghi chú",
            "123/STP-HCTP",
            "đợt 3",
            "Khẩn",
            "Trang 1 / 1",
        ],
    );
    let lines = lines_of(&path);
    assert_line(
        name,
        &lines,
        "07/12/2026 01 Sở Tư pháp thành phố Cần 121/STP-HCTP 04/12/2026 Công văn: Về việc rà soát, cập nhật dữ liệu hộ Phòng Văn hóa - Xã hội",
    );
    assert_line(
        name,
        &lines,
        "07/12/2026 02 Sở Tư pháp thành phố Cần 122/STP-HCTP",
    );
    assert_line(name, &lines, "Phòng Văn hóa - Xã hội Khẩn");
    let info = info_of(&path);
    assert!(same_size(page_size(&info), A4_LANDSCAPE), "{info}");
    assert!(info_field(&info, "Title").contains("Sổ đăng ký văn bản đến"));
    assert_tagged_pdf_a_in_vietnamese(name, &path, &info);
}

#[test]
fn the_outgoing_register_has_its_columns_and_repeats_them_on_every_page() {
    let name = "so-van-ban-di";
    let rows = (1..=60)
        .map(|n| OutgoingEntry {
            code_number: format!("{n:02}/QĐ-UBND"),
            issued_date: Some(date!(2026 - 12 - 07)),
            title: format!("Quyết định: Về việc thành lập Tổ công tác số {n}"),
            signer: "Huỳnh Văn Thành".into(),
            recipients: "Sở Tư pháp; Công an phường".into(),
            kept_by: "VT, VP".into(),
            copies: Some(3),
            note: String::new(),
        })
        .collect();
    let register = DocumentRegister {
        parent_body: Some("UBND thành phố Cần Thơ".into()),
        body: "UBND phường Ninh Kiều".into(),
        year: 2026,
        printed_on: date!(2026 - 12 - 31),
        entries: RegisterEntries::Outgoing(rows),
    };
    let path = render_to(name, &FormDocument::DocumentRegister(register));
    let text = text_of(&path);
    assert_contains_all(
        name,
        &text,
        &[
            "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
            "Số, ký hiệu văn bản",
            "Ngày tháng văn bản",
            "Tên loại và trích yếu nội dung văn bản",
            "Người ký",
            "Nơi nhận văn bản",
            "Đơn vị, người nhận bản lưu",
            "Số lượng bản",
            "60/QĐ-UBND",
        ],
    );
    assert_line(
        name,
        &lines_of(&path),
        "01/QĐ-UBND 07/12/2026 Quyết định: Về việc thành lập Tổ công tác số 1 Huỳnh Văn Thành Sở Tư pháp; Công an phường VT, VP 3",
    );
    let info = info_of(&path);
    let pages: usize = info_field(&info, "Pages").parse().expect("pages");
    assert!(pages >= 2, "{info}");
    assert!(text.contains(&format!("Trang {pages} / {pages}")), "{text}");
    for page in 1..=pages {
        let p = page.to_string();
        let one = run(
            "pdftotext",
            &[
                "-f",
                &p,
                "-l",
                &p,
                "-enc",
                "UTF-8",
                path.to_str().expect("path"),
                "-",
            ],
        );
        let one = one.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(one.contains("Số lượng bản"), "page {page}: {one}");
    }
}
