//! Conversion of the form data into the `sys.inputs` dictionary read by the templates.
//!
//! User text reaches Typst only as string values in this dictionary — never spliced into
//! markup — so characters such as `#`, `*`, `$`, `[` print literally. Every string is
//! normalised to NFC, dates and money are formatted here (see [`crate::format`]), and sizes are
//! capped so a hostile payload cannot make the compiler run for long.

use typst::foundations::{Array, Bytes, Dict, Value};

use crate::RenderError;
use crate::format::{
    date_words, money, nfc, place_date, short_date, short_date_time, time_and_date,
};
use crate::model::*;

/// Longest accepted text field, in characters.
const MAX_TEXT: usize = 2_000;
/// Most list entries in one form (documents, fees, reasons, steps, receipt lines).
const MAX_ITEMS: usize = 200;
/// Most lines in one register print-out (Mẫu 07, the document registers).
const MAX_BOOK_ROWS: usize = 5_000;
/// Longest body of an official document, in characters (about 40 pages).
const MAX_BODY: usize = 100_000;

/// A dictionary under construction; the first problem found is kept and reported by `build`.
struct Obj {
    dict: Dict,
    error: Option<RenderError>,
}

impl Obj {
    fn new() -> Self {
        Obj {
            dict: Dict::new(),
            error: None,
        }
    }

    fn value(mut self, key: &str, value: Value) -> Self {
        self.dict.insert(key.into(), value);
        self
    }

    fn text(self, key: &str, text: &str) -> Self {
        match checked_text(key, text) {
            Ok(v) => self.value(key, v),
            Err(e) => self.fail(e),
        }
    }

    /// Optional text: `None` or blank becomes Typst `none` (the template prints a dotted line).
    fn opt_text(self, key: &str, text: Option<&str>) -> Self {
        match text {
            Some(t) if !t.trim().is_empty() => self.text(key, t),
            _ => self.value(key, Value::None),
        }
    }

    fn int(self, key: &str, n: impl Into<i64>) -> Self {
        self.value(key, Value::Int(n.into()))
    }

    fn nested(self, key: &str, inner: Result<Value, RenderError>) -> Self {
        match inner {
            Ok(v) => self.value(key, v),
            Err(e) => self.fail(e),
        }
    }

    fn list<T>(
        self,
        key: &str,
        items: &[T],
        max: usize,
        each: impl Fn(&T) -> Result<Value, RenderError>,
    ) -> Self {
        if items.len() > max {
            return self.fail(RenderError::Invalid(format!(
                "{key}: {} entries, at most {max}",
                items.len()
            )));
        }
        let values: Result<Array, RenderError> = items.iter().map(each).collect();
        self.nested(key, values.map(Value::Array))
    }

    fn fail(mut self, error: RenderError) -> Self {
        if self.error.is_none() {
            self.error = Some(error);
        }
        self
    }

    fn build(self) -> Result<Value, RenderError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(Value::Dict(self.dict)),
        }
    }

    fn into_dict(self) -> Result<Dict, RenderError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.dict),
        }
    }
}

fn checked_text(key: &str, text: &str) -> Result<Value, RenderError> {
    let text = nfc(text.trim());
    let chars = text.chars().count();
    if chars > MAX_TEXT {
        return Err(RenderError::Invalid(format!(
            "{key}: {chars} characters, at most {MAX_TEXT}"
        )));
    }
    Ok(Value::Str(text.into()))
}

/// Which template file renders the form, and the document title.
pub(crate) fn template_of(form: &FormDocument) -> (&'static str, &'static str) {
    match form {
        FormDocument::Receipt(_) => ("mau01.typ", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
        FormDocument::SupplementRequest(_) => {
            ("mau02.typ", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
        }
        FormDocument::Refusal(_) => ("mau03.typ", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
        FormDocument::Apology(_) => (
            "mau04.typ",
            "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
        ),
        FormDocument::StopNotice(_) => ("mau05.typ", "Thông báo dừng giải quyết hồ sơ"),
        FormDocument::ControlSheet(_) => {
            ("mau06.typ", "Phiếu kiểm soát quá trình giải quyết hồ sơ")
        }
        FormDocument::TrackingBook(_) => ("mau07.typ", "Sổ theo dõi hồ sơ"),
        FormDocument::ResultReport(_) => (
            "bao_cao.typ",
            "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính",
        ),
        FormDocument::PaymentReceipt(_) => ("bien_lai.typ", "Biên lai thu phí, lệ phí"),
        FormDocument::OfficialDocument(_) => ("van_ban.typ", "Văn bản hành chính"),
        FormDocument::DocumentRegister(r) => match r.entries {
            RegisterEntries::Incoming(_) => ("so_van_ban.typ", "Sổ đăng ký văn bản đến"),
            RegisterEntries::Outgoing(_) => ("so_van_ban.typ", "Sổ đăng ký văn bản đi"),
        },
    }
}

/// Builds the complete `sys.inputs` dictionary; `qr_svg` is the QR code of the lookup address
/// (Mẫu 01, and 02/03 when the dossier has a code) or of the receipt's verification address.
pub(crate) fn build(form: &FormDocument, qr_svg: Option<Vec<u8>>) -> Result<Dict, RenderError> {
    match form {
        FormDocument::OfficialDocument(d) => official_document(d),
        FormDocument::DocumentRegister(r) => document_register(r),
        _ => one_stop_form(form, qr_svg),
    }
}

/// The inputs of the one-stop forms and the fee receipt: a common heading block and the data.
fn one_stop_form(form: &FormDocument, qr_svg: Option<Vec<u8>>) -> Result<Dict, RenderError> {
    let (_, title) = template_of(form);
    let (header, code, basis) = match form {
        FormDocument::Receipt(f) => (&f.header, Some(f.dossier_code.as_str()), FORMS_BASIS),
        FormDocument::SupplementRequest(f) => (&f.header, f.dossier_code.as_deref(), FORMS_BASIS),
        FormDocument::Refusal(f) => (&f.header, None, FORMS_BASIS),
        FormDocument::Apology(f) => (&f.header, Some(f.dossier_code.as_str()), FORMS_BASIS),
        FormDocument::StopNotice(f) => (&f.header, Some(f.dossier_code.as_str()), FORMS_BASIS),
        FormDocument::ControlSheet(f) => (&f.header, Some(f.dossier_code.as_str()), FORMS_BASIS),
        FormDocument::TrackingBook(f) => (&f.header, None, FORMS_BASIS),
        FormDocument::ResultReport(f) => (&f.header, None, FORMS_BASIS),
        FormDocument::PaymentReceipt(f) => (&f.header, None, RECEIPT_BASIS),
        FormDocument::OfficialDocument(_) | FormDocument::DocumentRegister(_) => {
            return Err(RenderError::Template("not a one-stop form".into()));
        }
    };
    let full_title = match (form, code) {
        // "Biên lai thu phí, lệ phí – <số biên lai>": the form number would repeat the title.
        // A refunded receipt says so in its title too.
        (FormDocument::PaymentReceipt(f), _) => {
            let number = nfc(f.receipt_number.trim());
            match f.state_note.as_deref().map(str::trim) {
                Some(note) if !note.is_empty() => format!("{title} – {number} – {}", nfc(note)),
                _ => format!("{title} – {number}"),
            }
        }
        (_, Some(code)) => format!("{} – {title} – {}", form.form_number(), nfc(code.trim())),
        (_, None) => format!("{} – {title}", form.form_number()),
    };
    let meta = Obj::new()
        .text("title", &full_title)
        .text("form_number", form.form_number())
        .text("basis", basis)
        .int("year", header.date.year())
        .int("month", u8::from(header.date.month()))
        .int("day", header.date.day());
    let data = match form {
        FormDocument::Receipt(f) => receipt(f, qr_svg),
        FormDocument::SupplementRequest(f) => supplement(f, qr_svg),
        FormDocument::Refusal(f) => refusal(f, qr_svg),
        FormDocument::Apology(f) => apology(f),
        FormDocument::StopNotice(f) => stop_notice(f),
        FormDocument::ControlSheet(f) => control_sheet(f),
        FormDocument::TrackingBook(f) => tracking_book(f),
        FormDocument::ResultReport(f) => result_report(f),
        FormDocument::PaymentReceipt(f) => payment_receipt(f, qr_svg),
        FormDocument::OfficialDocument(_) | FormDocument::DocumentRegister(_) => {
            return Err(RenderError::Template("not a one-stop form".into()));
        }
    };
    Obj::new()
        .nested("meta", meta.build())
        .nested(
            "header",
            // The receipt prints its number once, under the title (see `PaymentReceipt::header`).
            header_value(header, !matches!(form, FormDocument::PaymentReceipt(_))),
        )
        .nested("data", data)
        .into_dict()
}

/// The legal basis named in the PDF keywords: the forms of Phụ lục I…
const FORMS_BASIS: &str = "TT 03/2025/TT-VPCP";
/// …and the decree on invoices and receipts (hóa đơn, chứng từ) for the fee receipt.
const RECEIPT_BASIS: &str = "NĐ 123/2020/NĐ-CP";

fn caps(text: &str) -> String {
    nfc(text).to_uppercase()
}

/// The heading block; `with_number`: print "Số: …" under the body when the header has one.
fn header_value(h: &Header, with_number: bool) -> Result<Value, RenderError> {
    Obj::new()
        .opt_text("parent_body", h.parent_body.as_deref().map(caps).as_deref())
        .text("body", &caps(&h.body))
        .opt_text("unit", h.unit.as_deref().map(caps).as_deref())
        .text("place_date", &place_date(&h.place, h.date))
        .opt_text("number", h.number.as_deref().filter(|_| with_number))
        .build()
}

fn applicant_value(a: &Applicant) -> Result<Value, RenderError> {
    Obj::new()
        .text("name", &a.name)
        .opt_text("personal_id", a.personal_id.as_deref())
        .text("address", &a.address)
        .opt_text("phone", a.phone.as_deref())
        .opt_text("email", a.email.as_deref())
        .build()
}

fn signer_value(s: &Signer) -> Result<Value, RenderError> {
    Obj::new()
        .opt_text("authority", s.authority.as_deref().map(caps).as_deref())
        .text("title", &caps(&s.title))
        .text("name", &s.name)
        .build()
}

fn qr_value(qr_svg: Option<Vec<u8>>) -> Value {
    match qr_svg {
        Some(svg) => Value::Bytes(Bytes::new(svg)),
        None => Value::None,
    }
}

fn receipt(f: &Receipt, qr_svg: Option<Vec<u8>>) -> Result<Value, RenderError> {
    let total: u64 = f.fees.iter().map(|fee| fee.amount).sum();
    let qr = qr_value(qr_svg);
    Obj::new()
        .text("dossier_code", &f.dossier_code)
        .nested("applicant", applicant_value(&f.applicant))
        .text("procedure_name", &f.procedure_name)
        .list("documents", &f.documents, MAX_ITEMS, |d| {
            Obj::new()
                .text("name", &d.name)
                .text("kind", d.kind.label())
                .int("count", d.count)
                .build()
        })
        .int("sets", f.sets)
        .text("processing_time", &f.processing_time)
        .text("received_at", &time_and_date(f.received_at))
        .text("appointment", &time_and_date(f.appointment))
        .text("result_delivery", &f.result_delivery)
        .list("fees", &f.fees, MAX_ITEMS, |fee| {
            Obj::new()
                .text("name", &fee.name)
                .text("amount", &money(fee.amount))
                .build()
        })
        .text("fee_total", &money(total))
        .nested(
            "register",
            match &f.register {
                Some(r) => Obj::new()
                    .text("book", &r.book)
                    .text("sequence", &r.sequence)
                    .build(),
                None => Ok(Value::None),
            },
        )
        .text("receiving_officer", &f.receiving_officer)
        .text("lookup_url", &f.lookup_url)
        .value("qr", qr)
        .build()
}

fn supplement(f: &SupplementRequest, qr_svg: Option<Vec<u8>>) -> Result<Value, RenderError> {
    Obj::new()
        .opt_text("dossier_code", f.dossier_code.as_deref())
        .nested("applicant", applicant_value(&f.applicant))
        .text("procedure_name", &f.procedure_name)
        .list("items", &f.items, MAX_ITEMS, |i| {
            Obj::new()
                .text("name", &i.name)
                .int("originals", i.originals)
                .int("certified_copies", i.certified_copies)
                .int("copies", i.copies)
                .build()
        })
        .text("reason", &f.reason)
        .opt_text("due_by", f.due_by.map(short_date).as_deref())
        .text("contact_officer", &f.contact_officer)
        .text("contact_phone", &f.contact_phone)
        .text("guiding_officer", &f.guiding_officer)
        .opt_text("lookup_url", f.lookup_url.as_deref())
        .value("qr", qr_value(qr_svg))
        .build()
}

fn refusal(f: &Refusal, qr_svg: Option<Vec<u8>>) -> Result<Value, RenderError> {
    Obj::new()
        .nested("applicant", applicant_value(&f.applicant))
        .text("procedure_name", &f.procedure_name)
        .list("reasons", &f.reasons, MAX_ITEMS, |r| {
            checked_text("reasons", r)
        })
        .text("receiving_officer", &f.receiving_officer)
        .opt_text("lookup_url", f.lookup_url.as_deref())
        .value("qr", qr_value(qr_svg))
        .build()
}

fn apology(f: &Apology) -> Result<Value, RenderError> {
    Obj::new()
        .nested("applicant", applicant_value(&f.applicant))
        .text("dossier_code", &f.dossier_code)
        .text("procedure_name", &f.procedure_name)
        .text("received_at", &time_and_date(f.received_at))
        .text(
            "original_appointment",
            &time_and_date(f.original_appointment),
        )
        .text("reason", &f.reason)
        .text("new_appointment", &time_and_date(f.new_appointment))
        .nested("signer", signer_value(&f.signer))
        .build()
}

fn stop_notice(f: &StopNotice) -> Result<Value, RenderError> {
    Obj::new()
        .nested("applicant", applicant_value(&f.applicant))
        .text("dossier_code", &f.dossier_code)
        .text("procedure_name", &f.procedure_name)
        .text("received_at", &time_and_date(f.received_at))
        .text("reason", &f.reason)
        .nested("signer", signer_value(&f.signer))
        .build()
}

fn control_sheet(f: &ControlSheet) -> Result<Value, RenderError> {
    Obj::new()
        .text("dossier_code", &f.dossier_code)
        .text("applicant_name", &f.applicant_name)
        .text("procedure_name", &f.procedure_name)
        .text("received_at", &time_and_date(f.received_at))
        .text("appointment", &time_and_date(f.appointment))
        .text("lead_agency", &f.lead_agency)
        .list(
            "coordinating_agencies",
            &f.coordinating_agencies,
            MAX_ITEMS,
            |a| checked_text("coordinating_agencies", a),
        )
        .list("steps", &f.steps, MAX_ITEMS, |s| {
            Obj::new()
                .text("from_unit", &s.from_unit)
                .text("to_unit", &s.to_unit)
                .text("handed_over_at", &time_and_date(s.handed_over_at))
                .text("giver", &s.giver)
                .text("receiver", &s.receiver)
                .opt_text("timeliness", s.timeliness.map(Timeliness::label))
                .text("note", &s.note)
                .build()
        })
        .build()
}

fn tracking_book(f: &TrackingBook) -> Result<Value, RenderError> {
    let opt_date = |d: Option<time::Date>| d.map(short_date);
    Obj::new()
        .text("book", &f.book)
        .text("period", &f.period)
        .list("rows", &f.rows, MAX_BOOK_ROWS, |r| {
            Obj::new()
                .int("sequence", r.sequence)
                .text("dossier_code", &r.dossier_code)
                .text("procedure_name", &r.procedure_name)
                .int("sets", r.sets)
                .text("applicant_name", &r.applicant_name)
                .text("address_phone", &r.address_phone)
                .text("lead_agency", &r.lead_agency)
                .text("received_on", &short_date(r.received_on))
                .text("appointment_on", &short_date(r.appointment_on))
                .opt_text("transferred_on", opt_date(r.transferred_on).as_deref())
                .opt_text("result_on", opt_date(r.result_on).as_deref())
                .opt_text("returned_on", opt_date(r.returned_on).as_deref())
                .text("note", &r.note)
                .build()
        })
        .build()
}

fn result_report(f: &ResultReport) -> Result<Value, RenderError> {
    let line = |r: &ResultReportRow| {
        Obj::new()
            .text("sector", &r.sector)
            .int("total", r.total)
            .int("carried_over", r.carried_over)
            .int("received_online", r.received_online)
            .int("received_other", r.received_other)
            .int(
                "resolved",
                r.resolved_early + r.resolved_on_time + r.resolved_late,
            )
            .int("resolved_early", r.resolved_early)
            .int("resolved_on_time", r.resolved_on_time)
            .int("resolved_late", r.resolved_late)
            .int("withdrawn_or_stopped", r.withdrawn_or_stopped)
            .int("in_progress", r.in_progress)
            .build()
    };
    Obj::new()
        .text("unit_name", &f.unit_name)
        .text("period", &f.period)
        .list("rows", &f.rows, MAX_BOOK_ROWS, |r| line(r))
        .nested("total", line(&f.total))
        .build()
}

fn payment_receipt(f: &PaymentReceipt, qr_svg: Option<Vec<u8>>) -> Result<Value, RenderError> {
    let sum = f
        .lines
        .iter()
        .try_fold(0u64, |sum, line| sum.checked_add(line.amount));
    if sum != Some(f.total) {
        return Err(RenderError::Invalid(format!(
            "total: {} đồng, but the lines add up to {}",
            f.total,
            sum.map_or_else(|| "more than u64::MAX".to_owned(), |s| s.to_string())
        )));
    }
    Obj::new()
        .text("receipt_number", &f.receipt_number)
        .text("reference", &f.reference)
        .text("dossier_code", &f.dossier_code)
        .text("procedure_name", &f.procedure_name)
        .text("payer_name", &f.payer_name)
        .opt_text("payer_personal_id", f.payer_personal_id.as_deref())
        .text("method", &f.method)
        .opt_text("gateway_transaction", f.gateway_transaction.as_deref())
        .text("paid_at", &short_date_time(f.paid_at))
        .list("lines", &f.lines, MAX_ITEMS, |line| {
            Obj::new()
                .text("name", &line.name)
                .text("kind", &line.kind_label)
                .int("quantity", line.quantity)
                .text("unit_amount", &money(line.unit_amount))
                .text("amount", &money(line.amount))
                .build()
        })
        .text("total", &money(f.total))
        .text("total_in_words", &f.total_in_words)
        .text("verify_url", &f.verify_url)
        .value("qr", qr_value(qr_svg))
        .opt_text("state_note", f.state_note.as_deref())
        .build()
}

/// Upper-cased after NFC ("Ủy ban" → "ỦY BAN"): names and marks printed in capitals.
fn upper(text: &str) -> String {
    nfc(text.trim()).to_uppercase()
}

/// "Quyết định" from "quyết định": the type name at the start of a title.
fn capitalised(text: &str) -> String {
    let text = nfc(text.trim());
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// The date as `year`, `month`, `day` (the PDF's date).
fn date_value(date: Option<time::Date>) -> Value {
    match date {
        Some(d) => Value::Dict(
            [
                ("year".into(), Value::Int(i64::from(d.year()))),
                ("month".into(), Value::Int(i64::from(u8::from(d.month())))),
                ("day".into(), Value::Int(i64::from(d.day()))),
            ]
            .into_iter()
            .collect(),
        ),
        None => Value::None,
    }
}

/// A văn bản hành chính (NĐ 30/2020 Phụ lục I). Its paragraphs together may be longer than a
/// form field ([`MAX_BODY`] in all, [`MAX_TEXT`] × 5 each), everything else is bounded as in
/// the forms.
fn official_document(d: &OfficialDocument) -> Result<Dict, RenderError> {
    let body_chars: usize = d.paragraphs.iter().map(|p| p.chars().count()).sum();
    if body_chars > MAX_BODY {
        return Err(RenderError::Invalid(format!(
            "paragraphs: {body_chars} characters, at most {MAX_BODY}"
        )));
    }
    let code = d
        .number
        .as_deref()
        .map(|n| format!("{}/{}", n.trim(), d.notation.trim()));
    let title = match &code {
        Some(code) => format!(
            "{} số {code} – {}",
            capitalised(&d.type_name),
            nfc(d.subject.trim())
        ),
        None => format!("{} – {}", capitalised(&d.type_name), nfc(d.subject.trim())),
    };
    let title: String = title.chars().take(MAX_TEXT).collect();
    let meta = Obj::new()
        .text("title", &title)
        .text("basis", "NĐ 30/2020/NĐ-CP")
        .opt_text("code", code.as_deref())
        .value("date", date_value(Some(d.date.unwrap_or(d.drafted_on))));
    let long_paragraph = |p: &String| {
        let text = nfc(p.trim());
        let chars = text.chars().count();
        if chars > MAX_TEXT * 5 {
            return Err(RenderError::Invalid(format!(
                "paragraphs: a paragraph of {chars} characters, at most {}",
                MAX_TEXT * 5
            )));
        }
        Ok(Value::Str(text.into()))
    };
    let paragraphs: Vec<&String> = d
        .paragraphs
        .iter()
        .filter(|p| !p.trim().is_empty())
        .collect();
    let signature = Obj::new()
        .opt_text(
            "authority",
            d.signature.authority.as_deref().map(upper).as_deref(),
        )
        .opt_text(
            "position",
            d.signature.position.as_deref().map(upper).as_deref(),
        )
        .opt_text("name", d.signature.name.as_deref())
        .build();
    let doc = Obj::new()
        .opt_text(
            "parent_body",
            d.parent_body.as_deref().map(upper).as_deref(),
        )
        .text("body", &upper(&d.body))
        .opt_text("number", d.number.as_deref())
        .text("notation", &d.notation)
        .text("place", &d.place)
        .opt_text("date_words", d.date.map(date_words).as_deref())
        .text("kind", &d.kind)
        .text("type_name", &upper(&d.type_name))
        .text("subject", &d.subject)
        .list("addressees", &d.addressees, MAX_ITEMS, |a| {
            checked_text("addressees", a)
        })
        .list("paragraphs", &paragraphs, MAX_BOOK_ROWS, |p| {
            long_paragraph(p)
        })
        .list("recipients", &d.recipients, MAX_ITEMS, |r| {
            checked_text("recipients", r)
        })
        .opt_text("filed_with", d.filed_with.as_deref())
        .nested("signature", signature)
        .opt_text("urgency", d.urgency.as_deref().map(upper).as_deref())
        .opt_text("secrecy", d.secrecy.as_deref().map(upper).as_deref());
    Obj::new()
        .nested("meta", meta.build())
        .nested("doc", doc.build())
        .into_dict()
}

/// Sổ đăng ký văn bản đến/đi (NĐ 30/2020 Phụ lục IV).
fn document_register(r: &DocumentRegister) -> Result<Dict, RenderError> {
    let title = match r.entries {
        RegisterEntries::Incoming(_) => "Sổ đăng ký văn bản đến",
        RegisterEntries::Outgoing(_) => "Sổ đăng ký văn bản đi",
    };
    let opt_date = |d: Option<time::Date>| d.map(short_date);
    let book = Obj::new()
        .opt_text(
            "parent_body",
            r.parent_body.as_deref().map(upper).as_deref(),
        )
        .text("body", &upper(&r.body))
        .int("year", r.year);
    let book = match &r.entries {
        RegisterEntries::Incoming(rows) => {
            book.text("register", "incoming")
                .list("rows", rows, MAX_BOOK_ROWS, |e| {
                    Obj::new()
                        .opt_text("arrival_date", opt_date(e.arrival_date).as_deref())
                        .text("arrival_number", &e.arrival_number)
                        .text("author", &e.author)
                        .text("code_number", &e.code_number)
                        .opt_text("issued_date", opt_date(e.issued_date).as_deref())
                        .text("title", &e.title)
                        .opt_text("recipient", Some(e.recipient.as_str()))
                        .opt_text("note", Some(e.note.as_str()))
                        .build()
                })
        }
        RegisterEntries::Outgoing(rows) => {
            book.text("register", "outgoing")
                .list("rows", rows, MAX_BOOK_ROWS, |e| {
                    Obj::new()
                        .text("code_number", &e.code_number)
                        .opt_text("issued_date", opt_date(e.issued_date).as_deref())
                        .text("title", &e.title)
                        .opt_text("signer", Some(e.signer.as_str()))
                        .opt_text("recipients", Some(e.recipients.as_str()))
                        .opt_text("kept_by", Some(e.kept_by.as_str()))
                        .opt_text("copies", e.copies.map(|c| c.to_string()).as_deref())
                        .opt_text("note", Some(e.note.as_str()))
                        .build()
                })
        }
    };
    let meta = Obj::new()
        .text(
            "title",
            &format!("{title} – {} – năm {}", nfc(r.body.trim()), r.year),
        )
        .text("basis", "NĐ 30/2020/NĐ-CP")
        .value("date", date_value(Some(r.printed_on)));
    Obj::new()
        .nested("meta", meta.build())
        .nested("book", book.build())
        .into_dict()
}
