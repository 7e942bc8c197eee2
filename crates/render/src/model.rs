//! Plain data for the one-stop forms (biểu mẫu một cửa, Phụ lục I TT 03/2025/TT-VPCP).
//!
//! These types are independent of storage and of the renderer: the application fills them from
//! its own records and hands them to a [`crate::DocumentRenderer`]. Times are local wall-clock
//! times in Vietnam (UTC+7) as printed on the form; nothing here reads a clock. Text is
//! normalised to NFC by the renderer, so callers may pass NFD input.

use serde::{Deserialize, Serialize};
use time::{Date, PrimitiveDateTime};

/// Any one form, tagged by its number in Phụ lục I (`"form": "mau01"` … `"mau07"`), or
/// `"bien_lai"` for the electronic fee receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "form", rename_all = "snake_case")]
pub enum FormDocument {
    /// Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    #[serde(rename = "mau01")]
    Receipt(Receipt),
    /// Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
    #[serde(rename = "mau02")]
    SupplementRequest(SupplementRequest),
    /// Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ.
    #[serde(rename = "mau03")]
    Refusal(Refusal),
    /// Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết.
    #[serde(rename = "mau04")]
    Apology(Apology),
    /// Mẫu 05 — Thông báo dừng giải quyết hồ sơ.
    #[serde(rename = "mau05")]
    StopNotice(StopNotice),
    /// Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ.
    #[serde(rename = "mau06")]
    ControlSheet(ControlSheet),
    /// Mẫu 07 — Sổ theo dõi hồ sơ.
    #[serde(rename = "mau07")]
    TrackingBook(TrackingBook),
    /// Báo cáo tình hình, kết quả giải quyết TTHC, by sector (biểu tổng hợp của cơ quan).
    #[serde(rename = "bao_cao")]
    ResultReport(ResultReport),
    /// Biên lai thu phí, lệ phí (bản thể hiện của biên lai điện tử).
    #[serde(rename = "bien_lai")]
    PaymentReceipt(PaymentReceipt),
    /// Văn bản hành chính (NĐ 30/2020 Phụ lục I): a Quyết định, Công văn, Tờ trình…
    #[serde(rename = "van_ban")]
    OfficialDocument(OfficialDocument),
    /// Sổ đăng ký văn bản đến or đi (NĐ 30/2020 Phụ lục IV).
    #[serde(rename = "so_van_ban")]
    DocumentRegister(DocumentRegister),
}

impl FormDocument {
    /// The form number as printed ("Mẫu 01" … "Mẫu 07"; "Biên lai" for the fee receipt, which
    /// is not one of the forms of Phụ lục I).
    pub fn form_number(&self) -> &'static str {
        match self {
            FormDocument::Receipt(_) => "Mẫu 01",
            FormDocument::SupplementRequest(_) => "Mẫu 02",
            FormDocument::Refusal(_) => "Mẫu 03",
            FormDocument::Apology(_) => "Mẫu 04",
            FormDocument::StopNotice(_) => "Mẫu 05",
            FormDocument::ControlSheet(_) => "Mẫu 06",
            FormDocument::TrackingBook(_) => "Mẫu 07",
            FormDocument::ResultReport(_) => "Biểu báo cáo",
            FormDocument::PaymentReceipt(_) => "Biên lai",
            FormDocument::OfficialDocument(_) => "Phụ lục I NĐ 30/2020",
            FormDocument::DocumentRegister(_) => "Phụ lục IV NĐ 30/2020",
        }
    }

    /// The paper the form is printed on.
    pub fn paper(&self) -> Paper {
        match self {
            FormDocument::ControlSheet(_)
            | FormDocument::TrackingBook(_)
            | FormDocument::ResultReport(_)
            | FormDocument::DocumentRegister(_) => Paper::A4Landscape,
            FormDocument::OfficialDocument(_) => Paper::A4Portrait,
            _ => Paper::A5Portrait,
        }
    }
}

/// Page format of a rendered form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paper {
    /// 148 × 210 mm (419.53 × 595.28 pt): Mẫu 01–05 and the fee receipt.
    A5Portrait,
    /// 297 × 210 mm (841.89 × 595.28 pt): Mẫu 06, the register Mẫu 07 and the document
    /// registers of Phụ lục IV.
    A4Landscape,
    /// 210 × 297 mm (595.28 × 841.89 pt): official documents (NĐ 30/2020 Phụ lục I).
    A4Portrait,
}

/// Heading block shared by every form (thể thức theo NĐ 30/2020/NĐ-CP).
///
/// Left: the issuing body (tên cơ quan chủ quản, tên cơ quan, bộ phận); right: Quốc hiệu, Tiêu
/// ngữ and "<địa danh>, ngày … tháng … năm …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Cơ quan chủ quản, e.g. "UBND THÀNH PHỐ CẦN THƠ" (printed in capitals, regular weight).
    pub parent_body: Option<String>,
    /// Cơ quan ban hành, e.g. "UBND PHƯỜNG NINH KIỀU" (capitals, bold).
    pub body: String,
    /// Bộ phận, e.g. "BỘ PHẬN MỘT CỬA" (capitals, bold, under the body).
    pub unit: Option<String>,
    /// Địa danh for the date line, e.g. "Cần Thơ".
    pub place: String,
    /// Ngày ban hành.
    pub date: Date,
    /// Số, ký hiệu, e.g. "125/TN-BPMC"; printed as "Số: 125/TN-BPMC". `None` prints nothing.
    pub number: Option<String>,
}

/// The person or organisation the form concerns (người nộp hồ sơ / tổ chức).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// Họ và tên or tên tổ chức.
    pub name: String,
    /// Số định danh cá nhân / CCCD / mã số thuế, printed exactly as given (masked or full).
    pub personal_id: Option<String>,
    /// Địa chỉ.
    pub address: String,
    /// Số điện thoại.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// Kind of a paper in a dossier (loại bản).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyKind {
    /// Bản chính.
    Original,
    /// Bản sao có chứng thực.
    CertifiedCopy,
    /// Bản sao (photo).
    Copy,
    /// Bản điện tử.
    Electronic,
}

impl CopyKind {
    /// The Vietnamese label printed in the table.
    pub fn label(self) -> &'static str {
        match self {
            CopyKind::Original => "Bản chính",
            CopyKind::CertifiedCopy => "Bản sao có chứng thực",
            CopyKind::Copy => "Bản sao",
            CopyKind::Electronic => "Bản điện tử",
        }
    }
}

/// One paper received (thành phần hồ sơ nộp).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedDocument {
    /// Tên giấy tờ.
    pub name: String,
    /// Loại bản.
    pub kind: CopyKind,
    /// Số lượng.
    pub count: u32,
}

/// A fee or charge (phí, lệ phí) in đồng.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// e.g. "Lệ phí đăng ký khai sinh".
    pub name: String,
    /// Amount in đồng; printed as "1.234.567 đ".
    pub amount: u64,
}

/// Where the dossier was written in the register (Sổ theo dõi hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    /// Quyển số.
    pub book: String,
    /// Số thứ tự.
    pub sequence: String,
}

/// Who signs a letter on behalf of the body (thẩm quyền, chức vụ, họ tên người ký).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// Quyền hạn, e.g. "TM. ỦY BAN NHÂN DÂN" or "KT. CHỦ TỊCH"; `None` when signing in own name.
    pub authority: Option<String>,
    /// Chức vụ, e.g. "CHỦ TỊCH" or "PHÓ CHỦ TỊCH".
    pub title: String,
    /// Họ tên.
    pub name: String,
}

/// Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub header: Header,
    /// Mã hồ sơ.
    pub dossier_code: String,
    pub applicant: Applicant,
    /// Nội dung yêu cầu giải quyết: tên thủ tục hành chính.
    pub procedure_name: String,
    /// Thành phần hồ sơ nộp.
    pub documents: Vec<ReceivedDocument>,
    /// Số lượng hồ sơ (bộ).
    pub sets: u32,
    /// Thời gian giải quyết theo quy định, as text, e.g. "03 ngày làm việc".
    pub processing_time: String,
    /// Thời gian nhận hồ sơ.
    pub received_at: PrimitiveDateTime,
    /// Thời gian trả kết quả giải quyết hồ sơ.
    pub appointment: PrimitiveDateTime,
    /// Đăng ký nhận kết quả tại, e.g. "Bộ phận Một cửa UBND phường Ninh Kiều".
    pub result_delivery: String,
    /// Phí, lệ phí; empty when none.
    pub fees: Vec<Fee>,
    /// Vào Sổ theo dõi hồ sơ.
    pub register: Option<RegisterEntry>,
    /// Người tiếp nhận hồ sơ.
    pub receiving_officer: String,
    /// Public lookup address encoded in the QR code, e.g. `https://…/tra-cuu/<mã hồ sơ>`.
    pub lookup_url: String,
}

/// One item the applicant must add (thành phần hồ sơ cần bổ sung), with counts per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingItem {
    /// Thành phần hồ sơ.
    pub name: String,
    /// Số lượng bản chính.
    pub originals: u32,
    /// Số lượng bản chứng thực.
    pub certified_copies: u32,
    /// Số lượng bản photo.
    pub copies: u32,
}

/// Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ ("hướng dẫn một lần, đầy đủ").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementRequest {
    pub header: Header,
    /// Mã hồ sơ, when the dossier already has one.
    pub dossier_code: Option<String>,
    pub applicant: Applicant,
    /// Nội dung yêu cầu giải quyết.
    pub procedure_name: String,
    /// Những nội dung cần bổ sung, hoàn thiện.
    pub items: Vec<MissingItem>,
    /// Lý do.
    pub reason: String,
    /// Thời hạn bổ sung: the day by which the applicant is asked to supplement, when given.
    #[serde(default)]
    pub due_by: Option<Date>,
    /// Cán bộ đầu mối giải đáp vướng mắc.
    pub contact_officer: String,
    /// Số điện thoại liên hệ.
    pub contact_phone: String,
    /// Người hướng dẫn (signs the form).
    pub guiding_officer: String,
    /// The public lookup address of the dossier, printed with its QR code when it has a code.
    #[serde(default)]
    pub lookup_url: Option<String>,
}

/// Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub header: Header,
    pub applicant: Applicant,
    /// Nội dung yêu cầu giải quyết.
    pub procedure_name: String,
    /// Lý do từ chối (one or more).
    pub reasons: Vec<String>,
    /// Người tiếp nhận hồ sơ (signs the form).
    pub receiving_officer: String,
    /// The public lookup address of the dossier, printed with its QR code when it has a code.
    #[serde(default)]
    pub lookup_url: Option<String>,
}

/// Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Apology {
    pub header: Header,
    /// Kính gửi.
    pub applicant: Applicant,
    /// Mã hồ sơ.
    pub dossier_code: String,
    /// Tên thủ tục hành chính.
    pub procedure_name: String,
    /// Ngày tiếp nhận hồ sơ.
    pub received_at: PrimitiveDateTime,
    /// Thời hạn trả kết quả ban đầu (ngày hẹn trả).
    pub original_appointment: PrimitiveDateTime,
    /// Lý do chậm trả kết quả.
    pub reason: String,
    /// Thời gian trả kết quả mới (gia hạn, only once).
    pub new_appointment: PrimitiveDateTime,
    /// Người đứng đầu cơ quan giải quyết.
    pub signer: Signer,
}

/// Mẫu 05 — Thông báo dừng giải quyết hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopNotice {
    pub header: Header,
    /// Kính gửi.
    pub applicant: Applicant,
    /// Mã hồ sơ.
    pub dossier_code: String,
    /// Tên thủ tục hành chính.
    pub procedure_name: String,
    /// Ngày tiếp nhận hồ sơ.
    pub received_at: PrimitiveDateTime,
    /// Lý do dừng giải quyết.
    pub reason: String,
    /// Người ký thông báo.
    pub signer: Signer,
}

/// Result of one step compared with its time allowance (kết quả giải quyết).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Trước hạn.
    Early,
    /// Đúng hạn.
    OnTime,
    /// Quá hạn.
    Late,
}

impl Timeliness {
    /// The Vietnamese label printed in the table.
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
        }
    }
}

/// One hand-over between units (một lần giao, nhận hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlStep {
    /// Đơn vị giao hồ sơ.
    pub from_unit: String,
    /// Đơn vị nhận hồ sơ.
    pub to_unit: String,
    /// Thời gian giao, nhận.
    pub handed_over_at: PrimitiveDateTime,
    /// Người giao.
    pub giver: String,
    /// Người nhận.
    pub receiver: String,
    /// Kết quả giải quyết of the step; `None` while still in progress.
    pub timeliness: Option<Timeliness>,
    /// Ghi chú.
    pub note: String,
}

/// Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlSheet {
    pub header: Header,
    /// Mã hồ sơ.
    pub dossier_code: String,
    /// Người nộp hồ sơ.
    pub applicant_name: String,
    /// Tên thủ tục hành chính.
    pub procedure_name: String,
    /// Thời gian nhận hồ sơ.
    pub received_at: PrimitiveDateTime,
    /// Thời gian trả kết quả.
    pub appointment: PrimitiveDateTime,
    /// Cơ quan chủ trì giải quyết.
    pub lead_agency: String,
    /// Cơ quan phối hợp giải quyết.
    pub coordinating_agencies: Vec<String>,
    /// Giao, nhận hồ sơ, in order.
    pub steps: Vec<ControlStep>,
}

/// One line of the register (Sổ theo dõi hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingRow {
    /// Số thứ tự.
    pub sequence: u32,
    /// Mã hồ sơ.
    pub dossier_code: String,
    /// Tên thủ tục hành chính.
    pub procedure_name: String,
    /// Số lượng hồ sơ (bộ).
    pub sets: u32,
    /// Tên cá nhân, tổ chức.
    pub applicant_name: String,
    /// Địa chỉ, số điện thoại.
    pub address_phone: String,
    /// Cơ quan chủ trì giải quyết.
    pub lead_agency: String,
    /// Ngày nhận hồ sơ.
    pub received_on: Date,
    /// Ngày hẹn trả kết quả.
    pub appointment_on: Date,
    /// Ngày chuyển hồ sơ.
    pub transferred_on: Option<Date>,
    /// Ngày có kết quả / yêu cầu bổ sung.
    pub result_on: Option<Date>,
    /// Ngày trả kết quả.
    pub returned_on: Option<Date>,
    /// Ghi chú. ("Ký nhận" is left blank for a handwritten signature.)
    pub note: String,
}

/// Mẫu 07 — Sổ theo dõi hồ sơ (A4 landscape, any number of rows, header repeated per page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingBook {
    pub header: Header,
    /// Quyển số.
    pub book: String,
    /// Period covered, e.g. "Năm 2026" or "Tháng 01 năm 2026".
    pub period: String,
    pub rows: Vec<TrackingRow>,
}

/// One line of the report of results: a sector (lĩnh vực), or the total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultReportRow {
    /// Lĩnh vực ("Tổng cộng" for the total line).
    pub sector: String,
    /// Số hồ sơ nhận giải quyết: từ kỳ trước chuyển sang + mới tiếp nhận.
    pub total: i64,
    /// Từ kỳ trước chuyển sang (received before the period, not finished at its start).
    pub carried_over: i64,
    /// Mới tiếp nhận trực tuyến.
    pub received_online: i64,
    /// Mới tiếp nhận trực tiếp và qua bưu chính.
    pub received_other: i64,
    /// Đã giải quyết: trước hạn, đúng hạn, quá hạn.
    pub resolved_early: i64,
    pub resolved_on_time: i64,
    pub resolved_late: i64,
    /// Rút hồ sơ, dừng xử lý trong kỳ.
    pub withdrawn_or_stopped: i64,
    /// Đang giải quyết cuối kỳ (chuyển kỳ sau).
    pub in_progress: i64,
}

/// Báo cáo tình hình, kết quả giải quyết thủ tục hành chính of a unit for a period, one line
/// per sector (A4 landscape). The layout follows the provinces' periodic report (số hồ sơ nhận
/// giải quyết, đã giải quyết trước hạn / đúng hạn / quá hạn, đang giải quyết) `[assumed]`: the
/// official table of the current reporting circular is not in the project's references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultReport {
    pub header: Header,
    /// The unit the report covers (with the units under it).
    pub unit_name: String,
    /// "Tháng 12/2026", "Quý 4/2026", "Năm 2026".
    pub period: String,
    pub rows: Vec<ResultReportRow>,
    pub total: ResultReportRow,
}

/// One charge on a fee receipt (một dòng phí, lệ phí trên biên lai).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    /// Tên loại phí, lệ phí, e.g. "Lệ phí đăng ký khai sinh".
    pub name: String,
    /// "Phí" or "Lệ phí", already localised.
    pub kind_label: String,
    /// Số lượng.
    pub quantity: u32,
    /// Đơn giá in đồng.
    pub unit_amount: u64,
    /// Thành tiền in đồng (normally `quantity × unit_amount`; printed as given).
    pub amount: u64,
}

/// Biên lai thu phí, lệ phí — the printable form (bản thể hiện) of an electronic receipt for
/// the fees of a dossier, paid online or at the counter (A5 portrait).
///
/// The renderer refuses a receipt whose `total` is not the sum of the line amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentReceipt {
    /// The collecting body and the date of issue. `header.number` is not printed: the receipt
    /// number appears once, under the title, from `receipt_number`.
    pub header: Header,
    /// Số biên lai, e.g. "000.00.30.H13/2026/000012".
    pub receipt_number: String,
    /// Mã tham chiếu (the merchant reference sent to the payment gateway).
    pub reference: String,
    /// Mã hồ sơ.
    pub dossier_code: String,
    /// Tên thủ tục hành chính.
    pub procedure_name: String,
    /// Người nộp tiền.
    pub payer_name: String,
    /// Số định danh cá nhân / mã số thuế of the payer, printed exactly as given.
    pub payer_personal_id: Option<String>,
    /// Hình thức thanh toán, already localised, e.g. "VNPay", "Tiền mặt".
    pub method: String,
    /// Mã giao dịch of the payment gateway; `None` for cash.
    pub gateway_transaction: Option<String>,
    /// Thời điểm thanh toán (local time), printed "05/01/2026 08:30".
    pub paid_at: PrimitiveDateTime,
    /// Các khoản phí, lệ phí.
    pub lines: Vec<ReceiptLine>,
    /// Tổng cộng in đồng.
    pub total: u64,
    /// Số tiền bằng chữ, normally [`crate::format::amount_in_words`]`(total)`.
    pub total_in_words: String,
    /// Address that verifies the receipt (tra cứu biên lai), encoded in the QR code and printed.
    pub verify_url: String,
    /// A state printed as a framed stamp under the title and added to the document title, e.g.
    /// "ĐÃ HOÀN PHÍ"; `None` for a plain receipt.
    #[serde(default)]
    pub state_note: Option<String>,
}

/// Văn bản hành chính laid out after NĐ 30/2020/NĐ-CP Phụ lục I (A4 portrait; margins top and
/// bottom 20 mm, left 30 mm, right 15 mm; Liberation Serif, metric-compatible with Times New
/// Roman).
///
/// The layout is one base with per-type differences kept as data in
/// `templates/van_ban_loai.typ`, selected by [`OfficialDocument::kind`]: a công văn prints
/// "V/v <trích yếu>" under its number instead of a title, a quyết định prints "QUYẾT ĐỊNH:"
/// before its articles, a tờ trình and a công văn print "Kính gửi:", a giấy mời "Trân trọng
/// kính mời:"; a kind the table does not name uses the base (title and trích yếu centred).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficialDocument {
    /// Tên cơ quan, tổ chức chủ quản trực tiếp (capitals, regular), when there is one.
    pub parent_body: Option<String>,
    /// Tên cơ quan, tổ chức ban hành văn bản (capitals, bold).
    pub body: String,
    /// The number ("05"), or `None` before issue: "Số:" then a blank to write it in.
    pub number: Option<String>,
    /// Ký hiệu, e.g. "QĐ-UBND" or "UBND-VP"; printed after the number: "Số: 05/QĐ-UBND".
    pub notation: String,
    /// Địa danh, e.g. "Ninh Kiều" or "Cần Thơ".
    pub place: String,
    /// Ngày ban hành, or `None` before issue: "…, ngày    tháng    năm    " with the day,
    /// month and year blank (a draft signed in December may be issued in January).
    pub date: Option<Date>,
    /// The day the draft was made: the PDF's date while the document has no date of issue
    /// (PDF/A needs one; today's would change the bytes from one day to the next).
    pub drafted_on: Date,
    /// Stable key of the document type (`quyet_dinh`, `cong_van`, `to_trinh`…): which
    /// per-type differences apply.
    pub kind: String,
    /// Tên loại văn bản, e.g. "quyết định" (printed in capitals).
    pub type_name: String,
    /// Trích yếu nội dung.
    pub subject: String,
    /// Kính gửi (công văn, tờ trình, báo cáo…): one addressee per entry.
    #[serde(default)]
    pub addressees: Vec<String>,
    /// Nội dung: the paragraphs of the body. A paragraph that opens with "Căn cứ", "Theo đề
    /// nghị" or "Xét đề nghị" is a legal basis (italic); "Điều 1." opens an article (bold).
    pub paragraphs: Vec<String>,
    /// Nơi nhận, one recipient per entry, without the leading "- ".
    pub recipients: Vec<String>,
    /// Who keeps the file copy besides the clerk: "- Lưu: VT, <unit>." (`None`: "- Lưu: VT.").
    pub filed_with: Option<String>,
    /// Thẩm quyền, chức vụ, họ tên người ký.
    pub signature: SignatureBlock,
    /// Dấu chỉ mức độ khẩn, e.g. "HỎA TỐC"; `None` for an ordinary document.
    pub urgency: Option<String>,
    /// Dấu chỉ độ mật, e.g. "MẬT"; `None` for an ordinary document.
    pub secrecy: Option<String>,
}

/// The signature block of an official document (thẩm quyền ký): "KT. CHỦ TỊCH" / "PHÓ CHỦ
/// TỊCH" / room to sign / the name. What is not known yet (before the signer signs) is left
/// blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SignatureBlock {
    /// Quyền hạn: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Q. GIÁM ĐỐC", "TL. CHỦ TỊCH",
    /// "TUQ. CHỦ TỊCH"; `None` when the head signs in their own right.
    pub authority: Option<String>,
    /// Chức vụ của người ký, e.g. "PHÓ CHỦ TỊCH".
    pub position: Option<String>,
    /// Họ và tên.
    pub name: Option<String>,
}

/// Sổ đăng ký văn bản đến or đi of one body for one year (NĐ 30/2020 Phụ lục IV; A4
/// landscape, the column heads repeated on every page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRegister {
    /// Cơ quan chủ quản, when there is one.
    pub parent_body: Option<String>,
    /// The body whose register it is.
    pub body: String,
    /// Năm.
    pub year: i32,
    /// The day the register was printed (the PDF's date).
    pub printed_on: Date,
    pub entries: RegisterEntries,
}

/// The lines of a register: incoming or outgoing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "register", content = "rows", rename_all = "snake_case")]
pub enum RegisterEntries {
    /// Sổ đăng ký văn bản đến.
    Incoming(Vec<IncomingEntry>),
    /// Sổ đăng ký văn bản đi.
    Outgoing(Vec<OutgoingEntry>),
}

/// One line of the incoming register (Phụ lục IV, sổ đăng ký văn bản đến).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingEntry {
    /// Ngày đến.
    pub arrival_date: Option<Date>,
    /// Số đến, as printed ("05", or "03 (Mật)" in the secret series).
    pub arrival_number: String,
    /// Tác giả (cơ quan ban hành).
    pub author: String,
    /// Số, ký hiệu.
    pub code_number: String,
    /// Ngày tháng of the document.
    pub issued_date: Option<Date>,
    /// Tên loại và trích yếu nội dung.
    pub title: String,
    /// Đơn vị hoặc người nhận.
    pub recipient: String,
    /// Ghi chú. ("Ký nhận" is left blank for a handwritten signature.)
    pub note: String,
}

/// One line of the outgoing register (Phụ lục IV, sổ đăng ký văn bản đi).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEntry {
    /// Số, ký hiệu văn bản.
    pub code_number: String,
    /// Ngày tháng văn bản.
    pub issued_date: Option<Date>,
    /// Tên loại và trích yếu nội dung văn bản.
    pub title: String,
    /// Người ký.
    pub signer: String,
    /// Nơi nhận văn bản.
    pub recipients: String,
    /// Đơn vị, người nhận bản lưu.
    pub kept_by: String,
    /// Số lượng bản; `None` before distribution.
    pub copies: Option<u32>,
    /// Ghi chú.
    pub note: String,
}
