//! The electronic fee receipt (biên lai thu phí, lệ phí): rendered with Vietnamese sample data
//! and read back with poppler and zbarimg, like the forms in `pdf.rs`.

mod samples;
mod support;

use motcua_render::{DocumentRenderer, FormDocument, PaymentReceipt, RenderError};
use samples::{RECEIPT_NUMBER, VERIFY_URL};
use support::*;

fn receipt(edit: impl FnOnce(&mut PaymentReceipt)) -> FormDocument {
    let mut data = samples::payment_receipt_data();
    edit(&mut data);
    FormDocument::PaymentReceipt(data)
}

#[test]
fn receipt_prints_vietnamese_text_money_words_and_number_on_one_tagged_a5_page() {
    let name = "bien-lai";
    let path = render_to(name, &samples::payment_receipt());
    let text = text_of(&path);
    assert_contains_all(
        name,
        &text,
        &[
            "UBND THÀNH PHỐ CẦN THƠ",
            "UBND PHƯỜNG NINH KIỀU",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Cần Thơ, ngày 05 tháng 01 năm 2026",
            "BIÊN LAI THU PHÍ, LỆ PHÍ",
            "(Bản thể hiện của biên lai điện tử)",
            &format!("Số: {RECEIPT_NUMBER}"),
            "Người nộp tiền: Đặng Thị Hồng Nhung",
            "092******456",
            "Mã hồ sơ: H59.22-260105-0012",
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            "Hình thức thanh toán: Nền tảng thanh toán quốc gia",
            "Mã giao dịch: PAYGOV-20260105-88412",
            "Mã tham chiếu: MC-260105-000012",
            "Thời điểm thanh toán: 05/01/2026 08:30",
            "Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ",
            "Phí thẩm định thiết kế xây dựng",
            "75.000 đ",
            "1.105.000 đ",
            "5.000 đ",
            "25.000 đ",
            "Tổng cộng 1.205.000 đ",
            "Số tiền bằng chữ: Một triệu hai trăm linh năm nghìn đồng",
            VERIFY_URL,
        ],
    );
    // The header carries the same number: it is printed once, under the title.
    assert_eq!(
        text.matches(RECEIPT_NUMBER).count(),
        1,
        "receipt number printed once:\n{text}"
    );
    assert!(
        !text.contains("HOÀN PHÍ"),
        "no state note on a plain receipt"
    );

    let info = info_of(&path);
    assert!(same_size(page_size(&info), A5), "A5 portrait\n{info}");
    assert_eq!(info_field(&info, "Pages"), "1", "fits one A5 page");
    assert_eq!(
        info_field(&info, "Title"),
        format!("Biên lai thu phí, lệ phí – {RECEIPT_NUMBER}")
    );
    assert!(
        info_field(&info, "Keywords").contains("NĐ 123/2020/NĐ-CP"),
        "{info}"
    );
    assert_tagged_pdf_a_in_vietnamese(name, &path, &info);
    assert_fonts_embedded_subsets(name, &path);
}

#[test]
fn receipt_qr_code_decodes_to_the_verify_url() {
    assert_eq!(
        decoded_qr("bien-lai-qr", &samples::payment_receipt()),
        VERIFY_URL
    );
}

#[test]
fn refunded_receipt_shows_its_state_and_keeps_its_text_readable() {
    let name = "bien-lai-da-hoan-phi";
    let form = receipt(|r| r.state_note = Some("ĐÃ HOÀN PHÍ".into()));
    let path = render_to(name, &form);
    let text = text_of(&path);
    assert_contains_all(
        name,
        &text,
        &[
            "BIÊN LAI THU PHÍ, LỆ PHÍ",
            "ĐÃ HOÀN PHÍ",
            "Người nộp tiền: Đặng Thị Hồng Nhung",
            "Tổng cộng 1.205.000 đ",
            "Số tiền bằng chữ: Một triệu hai trăm linh năm nghìn đồng",
        ],
    );
    // On its own line between the number and the payer, not scattered through other lines.
    assert!(
        text.contains(&format!(
            "Số: {RECEIPT_NUMBER} ĐÃ HOÀN PHÍ Người nộp tiền: Đặng Thị Hồng Nhung"
        )),
        "{text}"
    );
    let info = info_of(&path);
    assert_eq!(info_field(&info, "Pages"), "1");
    assert_eq!(
        info_field(&info, "Title"),
        format!("Biên lai thu phí, lệ phí – {RECEIPT_NUMBER} – ĐÃ HOÀN PHÍ")
    );
    assert_tagged_pdf_a_in_vietnamese(name, &path, &info);
}

#[test]
fn cash_receipt_without_transaction_or_personal_id_leaves_those_lines_out() {
    let name = "bien-lai-tien-mat";
    let form = receipt(|r| {
        r.method = "Tiền mặt".into();
        r.gateway_transaction = None;
        r.payer_personal_id = None;
    });
    let text = text_of(&render_to(name, &form));
    assert_contains_all(name, &text, &["Hình thức thanh toán: Tiền mặt"]);
    assert!(!text.contains("Mã giao dịch"), "{text}");
    assert!(!text.contains("Số định danh"), "{text}");
}

#[test]
fn total_that_is_not_the_sum_of_the_lines_is_refused() {
    let form = receipt(|r| r.total += 1);
    let err = renderer().render(&form).expect_err("wrong total");
    assert!(
        matches!(err, RenderError::Invalid(ref m) if m.contains("total") && m.contains("1205000")),
        "{err}"
    );
    let overflow = receipt(|r| {
        r.lines[0].amount = u64::MAX;
        r.total = u64::MAX;
    });
    assert!(matches!(
        renderer().render(&overflow),
        Err(RenderError::Invalid(_))
    ));
}

#[test]
fn empty_verify_url_is_refused() {
    let form = receipt(|r| r.verify_url = "  ".into());
    let err = renderer().render(&form).expect_err("no QR target");
    assert_eq!(err, RenderError::Invalid("verify_url: empty".into()));
}

#[test]
fn receipt_round_trips_through_json_tagged_bien_lai() {
    let form = receipt(|r| r.state_note = Some("ĐÃ HOÀN PHÍ".into()));
    let json = serde_json::to_string(&form).expect("serialise");
    assert!(json.contains("\"form\":\"bien_lai\""), "{json}");
    let back: FormDocument = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, form);
    // `state_note` may be left out.
    let plain = json.replace(",\"state_note\":\"ĐÃ HOÀN PHÍ\"", "");
    assert_ne!(plain, json);
    let back: FormDocument = serde_json::from_str(&plain).expect("deserialise without note");
    assert_eq!(back, samples::payment_receipt());
}
