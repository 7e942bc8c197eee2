//! End-to-end checks of the rendered PDFs with real PDF tools (poppler's `pdftotext`,
//! `pdfinfo`, `pdffonts`, `pdftoppm`) and a real QR decoder (`zbarimg`), not mocks.
//!
//! Samples are written to `target/render-samples/` for a human to look at.

mod samples;
mod support;

use motcua_render::{DocumentRenderer, FormDocument, RenderError, TypstRenderer};
use support::*;

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
                "Thời hạn bổ sung: 20/01/2026",
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
        assert_tagged_pdf_a_in_vietnamese(name, &path, &info);
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
