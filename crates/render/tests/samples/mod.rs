//! Realistic Vietnamese sample data for every form, shared by the PDF tests and the
//! render-time example (`examples/render_bench.rs`).
#![allow(dead_code)]

use motcua_render::*;
use time::macros::{date, datetime};

/// "Nguyễn Thị Ngọc Hường" in decomposed form (NFD), as some input methods send it.
pub const NFD_NAME: &str = "Nguye\u{302}\u{303}n Thi\u{323} Ngo\u{323}c Hu\u{31b}o\u{31b}\u{300}ng";
/// The same name in NFC, as it must come out of the PDF.
pub const NFC_NAME: &str = "Nguyễn Thị Ngọc Hường";
pub const LOOKUP_URL: &str = "https://dichvucong.cantho.gov.vn/tra-cuu/H59.22-260105-0001";

pub fn header(number: Option<&str>) -> Header {
    Header {
        parent_body: Some("UBND thành phố Cần Thơ".into()),
        body: "UBND PHƯỜNG NINH KIỀU".into(),
        unit: Some("BỘ PHẬN MỘT CỬA".into()),
        place: "Cần Thơ".into(),
        date: date!(2026 - 01 - 05),
        number: number.map(str::to_owned),
    }
}

pub fn applicant(name: &str) -> Applicant {
    Applicant {
        name: name.into(),
        personal_id: Some("092******123".into()),
        address: "Số 12 đường Hai Bà Trưng, phường Ninh Kiều, thành phố Cần Thơ".into(),
        phone: Some("0912 345 678".into()),
        email: Some("thutrang.nguyen@example.vn".into()),
    }
}

pub fn receipt_for(name: &str) -> Receipt {
    Receipt {
        header: header(Some("0001/TN-BPMC")),
        dossier_code: "H59.22-260105-0001".into(),
        applicant: applicant(name),
        procedure_name: "Đăng ký khai sinh".into(),
        documents: vec![
            ReceivedDocument {
                name: "Tờ khai đăng ký khai sinh theo mẫu".into(),
                kind: CopyKind::Original,
                count: 1,
            },
            ReceivedDocument {
                name: "Giấy chứng sinh do Bệnh viện Đa khoa thành phố Cần Thơ cấp".into(),
                kind: CopyKind::Original,
                count: 1,
            },
            ReceivedDocument {
                name: "Giấy chứng nhận kết hôn của cha, mẹ".into(),
                kind: CopyKind::CertifiedCopy,
                count: 1,
            },
        ],
        sets: 1,
        processing_time: "Trong ngày làm việc (trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo)".into(),
        received_at: datetime!(2026-01-05 08:30),
        appointment: datetime!(2026-01-06 14:00),
        result_delivery: "Bộ phận Một cửa UBND phường Ninh Kiều".into(),
        fees: vec![
            Fee {
                name: "Lệ phí đăng ký khai sinh".into(),
                amount: 0,
            },
            Fee {
                name: "Phí cấp bản sao trích lục khai sinh (02 bản)".into(),
                amount: 16_000,
            },
            Fee {
                name: "Cước chuyển phát kết quả qua bưu chính công ích".into(),
                amount: 1_234_567,
            },
        ],
        register: Some(RegisterEntry {
            book: "01/2026".into(),
            sequence: "0001".into(),
        }),
        receiving_officer: "Trần Quốc Vượng".into(),
        lookup_url: LOOKUP_URL.into(),
    }
}

pub fn receipt() -> FormDocument {
    FormDocument::Receipt(receipt_for("Nguyễn Thị Thu Trang"))
}

pub fn supplement() -> FormDocument {
    FormDocument::SupplementRequest(SupplementRequest {
        header: header(Some("0002/HDHS")),
        dossier_code: Some("H59.22-260105-0002".into()),
        applicant: applicant(NFD_NAME),
        procedure_name: "Đăng ký khai sinh".into(),
        items: vec![
            MissingItem {
                name: "Giấy chứng sinh".into(),
                originals: 1,
                certified_copies: 0,
                copies: 0,
            },
            MissingItem {
                name: "Văn bản ủy quyền được chứng thực (nếu người đi đăng ký không phải cha, mẹ)"
                    .into(),
                originals: 0,
                certified_copies: 1,
                copies: 1,
            },
        ],
        reason: "Hồ sơ thiếu Giấy chứng sinh; tờ khai ghi sai ngày sinh của trẻ.".into(),
        due_by: Some(time::macros::date!(2026 - 01 - 20)),
        contact_officer: "ông Trần Quốc Vượng".into(),
        contact_phone: "0292 3821 234".into(),
        guiding_officer: "Trần Quốc Vượng".into(),
        lookup_url: Some(LOOKUP_URL.into()),
    })
}

pub fn refusal() -> FormDocument {
    FormDocument::Refusal(Refusal {
        header: header(Some("0003/TC-BPMC")),
        applicant: applicant("Lê Văn Đức"),
        procedure_name: "Cấp giấy phép xây dựng nhà ở riêng lẻ".into(),
        reasons: vec![
            "Thủ tục không thuộc thẩm quyền giải quyết của UBND phường Ninh Kiều.".into(),
            "Đề nghị Ông/Bà liên hệ Sở Xây dựng thành phố Cần Thơ.".into(),
        ],
        receiving_officer: "Trần Quốc Vượng".into(),
        lookup_url: None,
    })
}

fn chairman() -> Signer {
    Signer {
        authority: Some("KT. Chủ tịch".into()),
        title: "Phó Chủ tịch".into(),
        name: "Phạm Thị Ngọc Hường".into(),
    }
}

pub fn apology() -> FormDocument {
    FormDocument::Apology(Apology {
        header: header(Some("05/UBND-PXL")),
        applicant: applicant("Nguyễn Thị Thu Trang"),
        dossier_code: "H59.22-260105-0001".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        received_at: datetime!(2026-01-05 08:30),
        original_appointment: datetime!(2026-01-06 14:00),
        reason: "Cần xác minh thông tin nơi cư trú của người mẹ với Công an phường.".into(),
        new_appointment: datetime!(2026-01-09 14:00),
        signer: chairman(),
    })
}

pub fn stop_notice() -> FormDocument {
    FormDocument::StopNotice(StopNotice {
        header: header(Some("06/TB-UBND")),
        applicant: applicant("Trần Quốc Vượng"),
        dossier_code: "H59.22-260105-0007".into(),
        procedure_name: "Đăng ký kết hôn".into(),
        received_at: datetime!(2026-01-05 09:15),
        reason: "Ông/Bà có văn bản đề nghị rút hồ sơ ngày 05 tháng 01 năm 2026.".into(),
        signer: chairman(),
    })
}

pub fn control_sheet() -> FormDocument {
    FormDocument::ControlSheet(ControlSheet {
        header: header(None),
        dossier_code: "H59.22-260105-0001".into(),
        applicant_name: "Nguyễn Thị Thu Trang".into(),
        procedure_name: "Đăng ký khai sinh".into(),
        received_at: datetime!(2026-01-05 08:30),
        appointment: datetime!(2026-01-06 14:00),
        lead_agency: "UBND phường Ninh Kiều".into(),
        coordinating_agencies: vec!["Công an phường Ninh Kiều".into()],
        steps: vec![
            ControlStep {
                from_unit: "Bộ phận Một cửa".into(),
                to_unit: "Công chức Tư pháp - Hộ tịch".into(),
                handed_over_at: datetime!(2026-01-05 09:00),
                giver: "Trần Quốc Vượng".into(),
                receiver: "Nguyễn Thị Ngọc Hường".into(),
                timeliness: Some(Timeliness::Early),
                note: String::new(),
            },
            ControlStep {
                from_unit: "Công chức Tư pháp - Hộ tịch".into(),
                to_unit: "Lãnh đạo UBND phường".into(),
                handed_over_at: datetime!(2026-01-06 10:00),
                giver: "Nguyễn Thị Ngọc Hường".into(),
                receiver: "Phạm Thị Ngọc Hường".into(),
                timeliness: Some(Timeliness::OnTime),
                note: "Trình ký".into(),
            },
            ControlStep {
                from_unit: "Lãnh đạo UBND phường".into(),
                to_unit: "Bộ phận Một cửa".into(),
                handed_over_at: datetime!(2026-01-06 15:00),
                giver: "Phạm Thị Ngọc Hường".into(),
                receiver: "Trần Quốc Vượng".into(),
                timeliness: Some(Timeliness::Late),
                note: "Trả kết quả chậm 01 giờ".into(),
            },
        ],
    })
}

pub fn tracking_book(rows: u32) -> FormDocument {
    let names = [
        "Nguyễn Thị Thu Trang",
        "Trần Quốc Vượng",
        "Nguyễn Thị Ngọc Hường",
        "Lê Văn Đức",
        "Phạm Thị Ánh Tuyết",
    ];
    let procedures = [
        "Đăng ký khai sinh",
        "Đăng ký kết hôn",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
        "Đăng ký thường trú",
    ];
    let rows = (1..=rows)
        .map(|i| {
            let idx = i as usize;
            TrackingRow {
                sequence: i,
                dossier_code: format!("H59.22-260105-{i:04}"),
                procedure_name: procedures[idx % procedures.len()].into(),
                sets: 1,
                applicant_name: names[idx % names.len()].into(),
                address_phone: "Phường Ninh Kiều, TP Cần Thơ; 0912 345 678".into(),
                lead_agency: "UBND phường Ninh Kiều".into(),
                received_on: date!(2026 - 01 - 05),
                appointment_on: date!(2026 - 01 - 06),
                transferred_on: Some(date!(2026 - 01 - 05)),
                result_on: if i % 3 == 0 {
                    None
                } else {
                    Some(date!(2026 - 01 - 06))
                },
                returned_on: if i % 3 == 0 {
                    None
                } else {
                    Some(date!(2026 - 01 - 06))
                },
                note: if i % 7 == 0 {
                    "Bổ sung hồ sơ".into()
                } else {
                    String::new()
                },
            }
        })
        .collect();
    FormDocument::TrackingBook(TrackingBook {
        header: header(None),
        book: "01/2026".into(),
        period: "Năm 2026".into(),
        rows,
    })
}

pub const RECEIPT_NUMBER: &str = "000.00.30.H13/2026/000012";
pub const VERIFY_URL: &str = "https://dichvucong.cantho.gov.vn/bien-lai/MC-260105-000012?k=7f3a9c";

/// A fee receipt for a building permit paid through the national payment platform:
/// 75.000 + 1.105.000 + 5 × 5.000 = 1.205.000 đ.
pub fn payment_receipt_data() -> PaymentReceipt {
    let total = 1_205_000;
    PaymentReceipt {
        header: header(Some(RECEIPT_NUMBER)),
        receipt_number: RECEIPT_NUMBER.into(),
        reference: "MC-260105-000012".into(),
        dossier_code: "H59.22-260105-0012".into(),
        procedure_name: "Cấp giấy phép xây dựng nhà ở riêng lẻ".into(),
        payer_name: "Đặng Thị Hồng Nhung".into(),
        payer_personal_id: Some("092******456".into()),
        method: "Nền tảng thanh toán quốc gia".into(),
        gateway_transaction: Some("PAYGOV-20260105-88412".into()),
        paid_at: datetime!(2026-01-05 08:30),
        lines: vec![
            ReceiptLine {
                name: "Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ".into(),
                kind_label: "Lệ phí".into(),
                quantity: 1,
                unit_amount: 75_000,
                amount: 75_000,
            },
            ReceiptLine {
                name: "Phí thẩm định thiết kế xây dựng".into(),
                kind_label: "Phí".into(),
                quantity: 1,
                unit_amount: 1_105_000,
                amount: 1_105_000,
            },
            ReceiptLine {
                name: "Phí cấp bản sao giấy phép".into(),
                kind_label: "Phí".into(),
                quantity: 5,
                unit_amount: 5_000,
                amount: 25_000,
            },
        ],
        total,
        total_in_words: format::amount_in_words(total),
        verify_url: VERIFY_URL.into(),
        state_note: None,
    }
}

pub fn payment_receipt() -> FormDocument {
    FormDocument::PaymentReceipt(payment_receipt_data())
}

/// Every form with a file-name stem, for loops over all of them.
pub fn all() -> Vec<(&'static str, FormDocument)> {
    vec![
        ("mau01-tiep-nhan", receipt()),
        ("mau02-yeu-cau-bo-sung", supplement()),
        ("mau03-tu-choi", refusal()),
        ("mau04-xin-loi-gia-han", apology()),
        ("mau05-dung-giai-quyet", stop_notice()),
        ("mau06-phieu-kiem-soat", control_sheet()),
        ("mau07-so-theo-doi", tracking_book(60)),
    ]
}
