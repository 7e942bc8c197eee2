//! The official one-stop forms of a dossier (biểu mẫu một cửa, Phụ lục I TT 03/2025/TT-VPCP)
//! as plain data, built from the dossier, its hash-chained timeline, its procedure version and
//! its agency: Mẫu 01 receipt, 02 supplement request, 03 refusal, 04 apology and extension,
//! 05 stop or withdrawal, 06 control sheet, and the per-agency tracking book Mẫu 07.
//!
//! The app only assembles [`FormDocument`]s; rendering to PDF belongs to whoever delivers the
//! form (the web layer today, the outbox when e-mail attaches the same document). Every form is
//! built from what was recorded when the form was issued (the event that issued it), never
//! from today's data, so a reprint says what the original said.

use std::collections::HashMap;

use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::{Permission, Role};
use motcua_domain::calendar::{OpenStatus, Timeliness as DomainTimeliness, VIETNAM_OFFSET};
use motcua_domain::dossier::{
    self, Actor as DossierActor, CommandKind, Dossier, DossierCode, DossierStatus, Event, Form,
    Judgement,
};
use motcua_domain::procedure::{Channel, DocumentForm, Procedure, TimeUnit};
use motcua_render::{
    Applicant, ControlSheet, ControlStep, CopyKind, Fee, FormDocument, Header, MissingItem,
    PaymentReceipt, Receipt, ReceiptLine, ReceivedDocument, Refusal, RegisterEntry, Signer,
    StopNotice, SupplementRequest, Timeliness, TrackingBook, TrackingRow,
};
use motcua_store::dossiers::DossierRow;
use motcua_store::org::OrgUnitRow;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// Whose name prints where the one-stop desk is meant (giao / nhận on the control sheet).
const DESK: &str = "Bộ phận Một cửa";

/// A per-dossier form by its path name (`mau01` … `mau06`); Mẫu 07 is per agency.
pub fn parse_dossier_form(name: &str) -> Option<Form> {
    match name {
        "mau01" => Some(Form::Mau01),
        "mau02" => Some(Form::Mau02),
        "mau03" => Some(Form::Mau03),
        "mau04" => Some(Form::Mau04),
        "mau05" => Some(Form::Mau05),
        "mau06" => Some(Form::Mau06),
        _ => None,
    }
}

/// Wall-clock time in Vietnam, as printed on the forms.
fn local(at: OffsetDateTime) -> PrimitiveDateTime {
    let at = at.to_offset(VIETNAM_OFFSET);
    PrimitiveDateTime::new(at.date(), at.time())
}

/// "08:30 09/12/2026": compact time for table cells and notes.
fn short_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(VIETNAM_OFFSET);
    format!(
        "{:02}:{:02} {}",
        at.hour(),
        at.minute(),
        motcua_render::format::short_date(at.date())
    )
}

/// "UBND thành phố Cần Thơ" → "Cần Thơ": the place name printed on the date line.
/// How a payment was made, as a receipt prints it.
fn method_label(method: &str) -> &'static str {
    match method {
        "paygov" => "Nền tảng thanh toán trực tuyến của Cổng Dịch vụ công quốc gia",
        "vnpay" => "VNPay",
        "cash" => "Tiền mặt",
        "pos" => "Thẻ qua máy POS",
        _ => "Khác",
    }
}

pub(crate) fn place_of(root: &str) -> String {
    for marker in ["thành phố ", "tỉnh ", "Thành phố ", "Tỉnh "] {
        if let Some((_, place)) = root.split_once(marker) {
            return place.to_owned();
        }
    }
    root.to_owned()
}

fn render_timeliness(t: DomainTimeliness) -> Timeliness {
    match t {
        DomainTimeliness::Early => Timeliness::Early,
        DomainTimeliness::OnTime => Timeliness::OnTime,
        DomainTimeliness::Late => Timeliness::Late,
    }
}

fn open_label(status: OpenStatus) -> &'static str {
    match status {
        OpenStatus::InTime => "trong hạn",
        OpenStatus::DueSoon => "sắp đến hạn",
        OpenStatus::Overdue => "quá hạn",
    }
}

/// Vietnamese name of a role, for a step nobody has signed for yet.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::Reception => "Công chức Một cửa",
        Role::Specialist => "Chuyên viên",
        Role::UnitHead => "Lãnh đạo phòng",
        Role::Leader => "Lãnh đạo cơ quan",
        Role::Clerk => "Văn thư",
        Role::Admin => "Quản trị",
        Role::Inspector => "Thanh tra",
    }
}

fn parse_stamp(value: Option<&String>) -> Option<OffsetDateTime> {
    value.and_then(|v| OffsetDateTime::parse(v, &Rfc3339).ok())
}

/// The missing papers of a supplement request in the order they were listed (`missing.0`,
/// `missing.1`, … — numeric order, not the text order of the keys).
fn missing_items(event: &Event) -> Vec<String> {
    let mut items: Vec<(usize, String)> = event
        .data
        .iter()
        .filter_map(|(key, value)| {
            let index = key.strip_prefix("missing.")?.parse::<usize>().ok()?;
            Some((index, value.clone()))
        })
        .collect();
    items.sort_by_key(|(index, _)| *index);
    items.into_iter().map(|(_, item)| item).collect()
}

fn fold(text: &str) -> String {
    motcua_domain::text::fold(text)
}

/// The counts of one missing paper: the procedure's own line for that paper when the text
/// names it, else one copy of the kind the text states ("bản chính", "bản sao có chứng thực",
/// "bản sao"/"photo"), else one original — the form must never print "0, 0, 0" for a paper
/// the citizen is asked to bring.
fn missing_item(name: &str, procedure: &Procedure) -> MissingItem {
    let folded = fold(name);
    let mut item = MissingItem {
        name: name.to_owned(),
        originals: 0,
        certified_copies: 0,
        copies: 0,
    };
    let listed = procedure.required_documents.iter().find(|d| {
        let document = fold(&d.name);
        !document.is_empty() && (folded.contains(&document) || document.contains(&folded))
    });
    if let Some(document) = listed {
        match document.form {
            DocumentForm::Original | DocumentForm::Presentation => {
                item.originals = document.count;
            }
            DocumentForm::CertifiedCopy | DocumentForm::OriginalOrCertifiedCopy => {
                item.certified_copies = document.count;
            }
            DocumentForm::Copy => item.copies = document.count,
        }
    } else if folded.contains("chung thuc") {
        item.certified_copies = 1;
    } else if folded.contains("ban sao") || folded.contains("photo") {
        item.copies = 1;
    } else {
        item.originals = 1;
    }
    if item.originals + item.certified_copies + item.copies == 0 {
        item.originals = 1;
    }
    item
}

/// Everything the forms of one dossier are built from, loaded once (also what the national
/// portal is told of it, see `national_sync`).
pub(crate) struct Sources {
    pub(crate) row: DossierRow,
    pub(crate) state: Dossier,
    pub(crate) events: Vec<Event>,
    pub(crate) procedure: Procedure,
    pub(crate) agency: OrgUnitRow,
    pub(crate) parent: Option<String>,
    pub(crate) root: String,
    pub(crate) citizen: Option<motcua_store::people::CitizenRow>,
    pub(crate) officials: HashMap<i64, motcua_store::people::OfficialRow>,
}

impl Sources {
    fn header(&self, date: Date, number: Option<String>) -> Header {
        Header {
            parent_body: self.parent.as_ref().map(|p| p.to_uppercase()),
            body: self.agency.name.to_uppercase(),
            unit: Some(DESK.to_uppercase()),
            place: place_of(&self.root),
            date,
            number,
        }
    }

    /// "12/HDHS": the day's sequence of the dossier code and the form's symbol.
    fn number(&self, symbol: &str) -> Option<String> {
        self.state
            .code
            .as_ref()
            .map(|code| format!("{}/{symbol}", code.sequence()))
    }

    fn applicant(&self) -> Applicant {
        Applicant {
            name: self.row.applicant_name.clone(),
            personal_id: self.row.applicant_personal_id.clone(),
            address: String::new(),
            phone: self.citizen.as_ref().and_then(|c| c.phone.clone()),
            email: self.citizen.as_ref().and_then(|c| c.email.clone()),
        }
    }

    fn code(&self) -> String {
        self.state
            .code
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The latest event of one of `kinds`: the one that issued the form.
    fn latest(&self, kinds: &[CommandKind]) -> AppResult<&Event> {
        self.events
            .iter()
            .rev()
            .find(|e| kinds.contains(&e.kind))
            .ok_or(AppError::Conflict("error-form-not-issued"))
    }

    fn official(&self, actor: &DossierActor) -> Option<&motcua_store::people::OfficialRow> {
        match actor {
            DossierActor::Official { official_id, .. } => self.officials.get(official_id),
            _ => None,
        }
    }

    fn official_name(&self, actor: &DossierActor) -> String {
        self.official(actor)
            .map(|o| o.full_name.clone())
            .unwrap_or_default()
    }

    /// Who signs a letter of the agency: the official who decided, under their position.
    fn signer(&self, actor: &DossierActor) -> Signer {
        match self.official(actor) {
            Some(official) => Signer {
                authority: None,
                title: official
                    .position_name
                    .clone()
                    .unwrap_or_else(|| "THỦ TRƯỞNG CƠ QUAN".to_owned())
                    .to_uppercase(),
                name: official.full_name.clone(),
            },
            None => Signer {
                authority: None,
                title: DESK.to_uppercase(),
                name: self.receiving_officer(),
            },
        }
    }

    fn receiving_officer(&self) -> String {
        self.events
            .iter()
            .find(|e| e.kind == CommandKind::Receive)
            .map(|e| self.official_name(&e.actor))
            .unwrap_or_default()
    }

    /// When the agency took the dossier in: receipt, or the online submission before that.
    fn taken_in_at(&self) -> OffsetDateTime {
        self.state
            .received_at
            .or_else(|| self.events.first().map(|e| e.at))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    fn received(&self) -> AppResult<(OffsetDateTime, motcua_domain::calendar::Appointment)> {
        match (self.state.received_at, self.state.appointment) {
            (Some(received), Some(appointment)) => Ok((received, appointment)),
            _ => Err(AppError::Conflict("error-form-not-issued")),
        }
    }
}

impl App {
    /// The public lookup page of a dossier code (printed, with its QR code, on the forms).
    fn lookup_url_of(&self, code: Option<&DossierCode>) -> Option<String> {
        code.map(|code| {
            format!(
                "{}/tra-cuu/{code}",
                self.settings.public_url.trim_end_matches('/')
            )
        })
    }

    pub(crate) async fn form_sources(&self, row: DossierRow) -> AppResult<Sources> {
        let state = row.dossier()?;
        let events = self
            .store
            .dossier_events(row.id)
            .await?
            .iter()
            .map(|e| e.event())
            .collect::<Result<Vec<_>, _>>()?;
        let procedure = self
            .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
            .await?
            .procedure;
        let agency = self.store.get_unit(row.agency_id).await?;
        let parent = match agency.parent_id {
            Some(parent) => Some(self.store.get_unit(parent).await?.name),
            None => None,
        };
        let root = self
            .store
            .list_units()
            .await?
            .into_iter()
            .find(|u| u.parent_id.is_none())
            .map(|u| u.name)
            .unwrap_or_default();
        let citizen = match row.citizen_id {
            Some(citizen_id) => self.store.get_citizen(citizen_id).await.ok(),
            None => None,
        };
        let mut officials = HashMap::new();
        for event in &events {
            if let DossierActor::Official { official_id, .. } = event.actor
                && !officials.contains_key(&official_id)
                && let Ok(official) = self.store.get_official(official_id).await
            {
                officials.insert(official_id, official);
            }
        }
        for visit in &state.history {
            if let Some(official_id) = visit.assignee
                && !officials.contains_key(&official_id)
                && let Ok(official) = self.store.get_official(official_id).await
            {
                officials.insert(official_id, official);
            }
        }
        Ok(Sources {
            row,
            state,
            events,
            procedure,
            agency,
            parent,
            root,
            citizen,
            officials,
        })
    }

    /// One official form of a dossier as data (Mẫu 01–06), for its owner citizen or an official
    /// who may view the dossier's agency.
    ///
    /// # Errors
    /// `NotFound` for an unknown dossier or another citizen's; `Forbidden` outside the
    /// official's jurisdiction; `Conflict("error-form-not-issued")` when the dossier's history
    /// never issued that form (e.g. Mẫu 03 for a dossier that was never refused).
    pub async fn dossier_form(
        &self,
        actor: &Actor,
        dossier_id: i64,
        form: Form,
    ) -> AppResult<FormDocument> {
        let row = self.dossier_row(actor, dossier_id).await?;
        let sources = self.form_sources(row).await?;
        match form {
            Form::Mau01 => self.receipt(&sources),
            Form::Mau02 => {
                supplement_request(&sources, self.lookup_url_of(sources.state.code.as_ref()))
            }
            Form::Mau03 => refusal(&sources, self.lookup_url_of(sources.state.code.as_ref())),
            Form::Mau04 => apology(&sources),
            Form::Mau05 => stop_notice(&sources),
            Form::Mau06 => self.control_sheet(&sources).await,
            Form::Mau07 => Err(AppError::NotFound),
        }
    }

    /// Mẫu 01 — Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    fn receipt(&self, s: &Sources) -> AppResult<FormDocument> {
        let (received_at, appointment) = s.received()?;
        let code = s
            .state
            .code
            .clone()
            .ok_or(AppError::Conflict("error-form-not-issued"))?;
        let channel = Channel::parse(&s.row.channel).unwrap_or(Channel::Online);
        let procedure = &s.procedure;
        let processing_time = procedure
            .processing_time
            .for_channel(channel)
            .map(|limit| match limit.unit {
                TimeUnit::WorkingDays => format!("{:02} ngày làm việc", limit.value),
                TimeUnit::WorkingHours => format!("{:02} giờ làm việc", limit.value),
                TimeUnit::CalendarDays => format!("{:02} ngày", limit.value),
                TimeUnit::SameDay => "Trong ngày".to_owned(),
            })
            .unwrap_or_default();
        let documents = procedure
            .required_documents
            .iter()
            .filter(|d| d.required)
            .map(|d| ReceivedDocument {
                name: d.name.clone(),
                kind: match d.form {
                    DocumentForm::Original | DocumentForm::Presentation => CopyKind::Original,
                    DocumentForm::CertifiedCopy | DocumentForm::OriginalOrCertifiedCopy => {
                        CopyKind::CertifiedCopy
                    }
                    DocumentForm::Copy => CopyKind::Copy,
                },
                count: d.count,
            })
            .collect();
        let fees = procedure
            .fees_for(channel)
            .filter(|f| !f.conditional)
            .map(|f| Fee {
                name: f.name.clone(),
                amount: u64::try_from(f.amount_vnd).unwrap_or(0),
            })
            .collect();
        let received = local(received_at);
        Ok(FormDocument::Receipt(Receipt {
            header: s.header(received.date(), Some(format!("{}/TN", code.sequence()))),
            dossier_code: code.to_string(),
            applicant: s.applicant(),
            procedure_name: procedure.name.clone(),
            documents,
            sets: 1,
            processing_time,
            received_at: received,
            appointment: local(appointment.due()),
            result_delivery: format!("{DESK} {}", s.agency.name),
            fees,
            register: Some(RegisterEntry {
                book: received.year().to_string(),
                sequence: code.sequence().to_string(),
            }),
            receiving_officer: s.receiving_officer(),
            lookup_url: self.lookup_url_of(Some(&code)).unwrap_or_default(),
        }))
    }

    /// Mẫu 06 — Phiếu kiểm soát quá trình giải quyết hồ sơ: one row per hand-over from the
    /// dossier's step history, each step judged against its own allowance on the agency's
    /// working calendar (`dossier::sheet`), the hand-back to the desk judged against the
    /// appointment.
    async fn control_sheet(&self, s: &Sources) -> AppResult<FormDocument> {
        let (received_at, appointment) = s.received()?;
        let workflow = self
            .workflow(&s.row.procedure_code, Some(s.row.workflow_version))
            .await?;
        let calendar = self.work_calendar(s.agency.code.as_deref()).await?;
        let now = self.now().to_offset(VIETNAM_OFFSET);
        let sheet = dossier::control_sheet(&s.state, &workflow, &calendar, now)
            .map_err(|_| AppError::invalid("dossier", "error-calendar-year"))?;
        let mut steps = Vec::with_capacity(sheet.rows.len() + 2);
        let mut previous_unit = DESK.to_owned();
        for row in &sheet.rows {
            let visit = &row.visit;
            let entered = s.events.iter().find(|e| {
                e.at == visit.entered_at
                    && matches!(
                        e.kind,
                        CommandKind::Receive | CommandKind::Forward | CommandKind::Return
                    )
            });
            let giver = entered
                .map(|e| s.official_name(&e.actor))
                .unwrap_or_default();
            // Who worked the step: the assignee, else the first official who acted there.
            let worker = visit
                .assignee
                .and_then(|id| s.officials.get(&id))
                .map(|o| o.full_name.clone())
                .or_else(|| {
                    s.events
                        .iter()
                        .filter(|e| {
                            e.at >= visit.entered_at
                                && visit.left_at.is_none_or(|left| e.at <= left)
                        })
                        .find(|e| {
                            matches!(e.actor, DossierActor::Official { role, .. } if role == visit.role)
                                && e.at > visit.entered_at
                        })
                        .map(|e| s.official_name(&e.actor))
                })
                .unwrap_or_else(|| role_label(visit.role).to_owned());
            let mut note = match row.judgement {
                Judgement::Finished(_) => format!("Hạn bước: {}", short_time(row.due)),
                Judgement::Open(status) => format!(
                    "Đang xử lý, hạn bước {} ({})",
                    short_time(row.due),
                    open_label(status)
                ),
            };
            if let Some(event) = entered.filter(|e| e.kind == CommandKind::Return) {
                note = format!("Trả lại: {}. {note}", event.reason);
            }
            if !visit.pauses.is_empty() {
                note.push_str(&format!(
                    "; tạm dừng tính thời gian {} lần",
                    visit.pauses.len()
                ));
            }
            steps.push(ControlStep {
                from_unit: previous_unit.clone(),
                to_unit: row.step_name.clone(),
                handed_over_at: local(visit.entered_at),
                giver,
                receiver: worker,
                timeliness: match row.judgement {
                    Judgement::Finished(t) => Some(render_timeliness(t)),
                    Judgement::Open(_) => None,
                },
                note,
            });
            previous_unit = row.step_name.clone();
        }
        if let Some(resolved_at) = s.state.resolved_at {
            let resolve = s
                .events
                .iter()
                .rev()
                .find(|e| e.kind == CommandKind::Resolve);
            let overall = match sheet.overall {
                Some(Judgement::Finished(t)) => Some(render_timeliness(t)),
                _ => None,
            };
            steps.push(ControlStep {
                from_unit: previous_unit.clone(),
                to_unit: DESK.to_owned(),
                handed_over_at: local(resolved_at),
                giver: resolve
                    .map(|e| s.official_name(&e.actor))
                    .unwrap_or_default(),
                receiver: DESK.to_owned(),
                timeliness: overall,
                note: format!(
                    "Kết quả giải quyết so với hẹn trả {}",
                    short_time(appointment.due())
                ),
            });
        }
        if let Some(returned_at) = s.state.returned_at {
            let returned = s
                .events
                .iter()
                .rev()
                .find(|e| e.kind == CommandKind::ReturnResult);
            steps.push(ControlStep {
                from_unit: DESK.to_owned(),
                to_unit: "Trả kết quả cho người nộp hồ sơ".to_owned(),
                handed_over_at: local(returned_at),
                giver: returned
                    .map(|e| s.official_name(&e.actor))
                    .unwrap_or_default(),
                receiver: s.row.applicant_name.clone(),
                timeliness: None,
                note: String::new(),
            });
        }
        let mut coordinating = Vec::new();
        for event in &s.events {
            let unit = match event.kind {
                CommandKind::Transfer => match event.data.get("to_agency") {
                    Some(code) => Some(
                        self.store
                            .get_unit_by_code(code)
                            .await
                            .map(|u| u.name)
                            .unwrap_or_else(|_| code.clone()),
                    ),
                    None => None,
                },
                CommandKind::Consult => event.data.get("unit").cloned(),
                _ => None,
            };
            if let Some(unit) = unit
                && !coordinating.contains(&unit)
            {
                coordinating.push(unit);
            }
        }
        Ok(FormDocument::ControlSheet(ControlSheet {
            header: s.header(now.date(), None),
            dossier_code: s.code(),
            applicant_name: s.row.applicant_name.clone(),
            procedure_name: s.procedure.name.clone(),
            received_at: local(received_at),
            appointment: local(appointment.due()),
            lead_agency: s.agency.name.clone(),
            coordinating_agencies: coordinating,
            steps,
        }))
    }
}

/// Mẫu 02 — Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ, from the latest request: every missing
/// paper at once, the reason, the day to supplement by (when given), the official who asked
/// and when.
fn supplement_request(s: &Sources, lookup_url: Option<String>) -> AppResult<FormDocument> {
    let event = s.latest(&[CommandKind::RequestSupplement])?;
    let official = s.official(&event.actor);
    let name = official.map(|o| o.full_name.clone()).unwrap_or_default();
    let phone = official
        .and_then(|o| o.phone.clone())
        .or_else(|| s.agency.phone.clone())
        .unwrap_or_default();
    Ok(FormDocument::SupplementRequest(SupplementRequest {
        header: s.header(local(event.at).date(), s.number("HDHS")),
        dossier_code: s.state.code.as_ref().map(ToString::to_string),
        applicant: s.applicant(),
        procedure_name: s.procedure.name.clone(),
        items: missing_items(event)
            .iter()
            .map(|item| missing_item(item, &s.procedure))
            .collect(),
        reason: event.reason.clone(),
        due_by: event.data.get("due_by").and_then(|d| parse_day(d)),
        contact_officer: name.clone(),
        contact_phone: phone,
        guiding_officer: name,
        lookup_url,
    }))
}

/// Mẫu 03 — Phiếu từ chối tiếp nhận giải quyết hồ sơ, with every reason given.
fn refusal(s: &Sources, lookup_url: Option<String>) -> AppResult<FormDocument> {
    let event = s.latest(&[CommandKind::Refuse])?;
    Ok(FormDocument::Refusal(Refusal {
        header: s.header(local(event.at).date(), s.number("TCHS")),
        applicant: s.applicant(),
        procedure_name: s.procedure.name.clone(),
        reasons: event
            .reason
            .lines()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect(),
        receiving_officer: s.official_name(&event.actor),
        lookup_url,
    }))
}

/// Mẫu 04 — Văn bản xin lỗi và đề nghị gia hạn: the due time before and after the (only)
/// extension, and its reason, as recorded by the extension.
fn apology(s: &Sources) -> AppResult<FormDocument> {
    let event = s.latest(&[CommandKind::Extend])?;
    let (received_at, appointment) = s.received()?;
    let previous =
        parse_stamp(event.data.get("previous_due")).unwrap_or(appointment.original_due());
    let new = parse_stamp(event.data.get("due")).unwrap_or(appointment.due());
    Ok(FormDocument::Apology(motcua_render::Apology {
        header: s.header(local(event.at).date(), s.number("PXL")),
        applicant: s.applicant(),
        dossier_code: s.code(),
        procedure_name: s.procedure.name.clone(),
        received_at: local(received_at),
        original_appointment: local(previous),
        reason: event.reason.clone(),
        new_appointment: local(new),
        signer: s.signer(&event.actor),
    }))
}

/// Mẫu 05 — Thông báo dừng giải quyết hồ sơ: a stop decided by the agency, or the applicant's
/// withdrawal (rút hồ sơ), whichever ended the dossier.
fn stop_notice(s: &Sources) -> AppResult<FormDocument> {
    let event = s.latest(&[CommandKind::Stop, CommandKind::Withdraw])?;
    let reason = match event.kind {
        CommandKind::Withdraw => {
            let given = event.reason.trim();
            if given.is_empty() {
                "Ông/Bà đề nghị rút hồ sơ.".to_owned()
            } else {
                format!("Ông/Bà đề nghị rút hồ sơ ({given}).")
            }
        }
        _ => event.reason.clone(),
    };
    Ok(FormDocument::StopNotice(StopNotice {
        header: s.header(local(event.at).date(), s.number("TB")),
        applicant: s.applicant(),
        dossier_code: s.code(),
        procedure_name: s.procedure.name.clone(),
        received_at: local(s.taken_in_at()),
        reason,
        signer: s.signer(&event.actor),
    }))
}

/// One line of the tracking book (sổ theo dõi hồ sơ, Mẫu 07) as the API shows it.
#[derive(Debug, Clone)]
pub struct TrackingEntry {
    /// Số thứ tự in the period.
    pub sequence: u32,
    pub dossier_id: i64,
    pub code: String,
    pub applicant_name: String,
    pub procedure_code: String,
    pub procedure_name: String,
    /// National status code 1–10 today.
    pub status_code: Option<u8>,
    pub received_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
    pub resolved_at: Option<OffsetDateTime>,
    pub returned_at: Option<OffsetDateTime>,
    /// `early`, `on_time`, `late` once resolved; `in_time`, `due_soon`, `overdue` while open;
    /// `None` when the dossier ended without a result (withdrawn, stopped).
    pub timeliness: Option<&'static str>,
    /// Ghi chú: status and timeliness in Vietnamese, as printed.
    pub note: String,
}

/// The tracking book of one agency over a period.
#[derive(Debug, Clone)]
pub struct TrackingBookReport {
    pub agency_code: String,
    pub agency_name: String,
    pub from: Date,
    pub to: Date,
    pub entries: Vec<TrackingEntry>,
}

/// A reporting period in local dates, both ends included (từ ngày … đến ngày …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// Parses both ends as `dd/mm/yyyy` or `yyyy-mm-dd`; `from` must not be after `to` and the
    /// period may span at most one year (a register book is kept per year).
    ///
    /// # Errors
    /// `Invalid` naming the field: `error-period-date`, `error-period-order`,
    /// `error-period-too-long`.
    pub fn parse(from: &str, to: &str) -> AppResult<Period> {
        let from_date =
            parse_day(from).ok_or_else(|| AppError::invalid("from", "error-period-date"))?;
        let to_date = parse_day(to).ok_or_else(|| AppError::invalid("to", "error-period-date"))?;
        if from_date > to_date {
            return Err(AppError::invalid("to", "error-period-order"));
        }
        // One year later; from 29 February that is 1 March, so the period ends on 28 February.
        let limit = from_date
            .replace_year(from_date.year() + 1)
            .or_else(|_| Date::from_calendar_date(from_date.year() + 1, time::Month::March, 1))
            .map_err(|_| AppError::invalid("from", "error-period-date"))?;
        if to_date >= limit {
            return Err(AppError::invalid("to", "error-period-too-long"));
        }
        Ok(Period {
            from: from_date,
            to: to_date,
        })
    }

    /// `[start, end)` in unix microseconds: local midnight of `from` to local midnight after `to`.
    pub fn micros(&self) -> (i64, i64) {
        let start = self.from.midnight().assume_offset(VIETNAM_OFFSET);
        let end = self
            .to
            .next_day()
            .unwrap_or(self.to)
            .midnight()
            .assume_offset(VIETNAM_OFFSET);
        (motcua_store::micros(start), motcua_store::micros(end))
    }

    /// "Từ ngày 01/12/2026 đến ngày 31/12/2026".
    pub fn label(&self) -> String {
        use motcua_render::format::short_date;
        format!(
            "Từ ngày {} đến ngày {}",
            short_date(self.from),
            short_date(self.to)
        )
    }
}

/// `dd/mm/yyyy` (also `d/m/yyyy`) or ISO `yyyy-mm-dd`.
pub fn parse_day(value: &str) -> Option<Date> {
    let value = value.trim();
    let numbers = |parts: Vec<&str>| -> Option<(i32, u8, u8)> {
        match parts.as_slice() {
            [a, b, c] => Some((c.parse().ok()?, b.parse().ok()?, a.parse().ok()?)),
            _ => None,
        }
    };
    let (year, month, day) = if value.contains('/') {
        numbers(value.split('/').collect())?
    } else {
        let parts: Vec<&str> = value.split('-').collect();
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 => (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
            _ => return None,
        }
    };
    if !(1900..=2199).contains(&year) {
        return None;
    }
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

impl App {
    /// The tracking book (Mẫu 07) of an agency: its dossiers received in the period, in order
    /// of receipt, for officials who may view that agency's dossiers.
    ///
    /// # Errors
    /// `NotFound` for an unknown agency code, `Forbidden` outside the jurisdiction,
    /// `Invalid("to", "error-tracking-book-too-many")` when the period holds more than
    /// [`crate::AppSettings::tracking_book_max_rows`] dossiers (the JSON, the page and the PDF
    /// alike: the caller narrows the period).
    pub async fn tracking_book(
        &self,
        actor: &Actor,
        agency_code: &str,
        period: Period,
    ) -> AppResult<TrackingBookReport> {
        actor.require(motcua_domain::authz::Access::Staff(Permission::DossierView))?;
        let agency = self.store.get_unit_by_code(agency_code.trim()).await?;
        actor.require_at(Permission::DossierView, &agency.path)?;
        let (start, end) = period.micros();
        // A dossier received in the period was created before its end and last changed after
        // its start; the exact receipt time is in the state and is checked below.
        let rows = self
            .store
            .agency_dossiers_touching(agency.id, start, end)
            .await?;
        let calendar = self.work_calendar(agency.code.as_deref()).await?;
        let now = self.now().to_offset(VIETNAM_OFFSET);
        let mut names: HashMap<(String, i64), String> = HashMap::new();
        let mut entries = Vec::new();
        for row in rows {
            let state = row.dossier()?;
            let (Some(received_at), Some(appointment), Some(code)) =
                (state.received_at, state.appointment, state.code.as_ref())
            else {
                continue;
            };
            let at = motcua_store::micros(received_at);
            if at < start || at >= end {
                continue;
            }
            let key = (row.procedure_code.clone(), row.procedure_version);
            let procedure_name = match names.get(&key) {
                Some(name) => name.clone(),
                None => {
                    let name = self
                        .procedure_version(&Actor::system(), &key.0, key.1)
                        .await
                        .map(|p| p.procedure.name)
                        .unwrap_or_else(|_| key.0.clone());
                    names.insert(key, name.clone());
                    name
                }
            };
            let (timeliness, judged) = if let Some(resolved) = state.resolved_at {
                let t = motcua_domain::calendar::classify(resolved, appointment.due());
                (
                    Some(t.as_str()),
                    Some(render_timeliness(t).label().to_owned()),
                )
            } else if state.in_agency() {
                let open = calendar.status_at(now, appointment.due());
                (
                    Some(open.as_str()),
                    Some(format!("Đang giải quyết, {}", open_label(open))),
                )
            } else {
                (None, None)
            };
            let status = state
                .status
                .map(DossierStatus::vietnamese)
                .unwrap_or_default();
            let note = match judged {
                Some(judged) if state.resolved_at.is_some() => format!("{judged}; {status}"),
                Some(judged) => judged,
                None => status.to_owned(),
            };
            entries.push(TrackingEntry {
                sequence: 0,
                dossier_id: row.id,
                code: code.to_string(),
                applicant_name: row.applicant_name.clone(),
                procedure_code: row.procedure_code.clone(),
                procedure_name,
                status_code: state.status.map(DossierStatus::national_code),
                received_at: received_at.to_offset(VIETNAM_OFFSET),
                due_at: appointment.due().to_offset(VIETNAM_OFFSET),
                resolved_at: state.resolved_at.map(|t| t.to_offset(VIETNAM_OFFSET)),
                returned_at: state.returned_at.map(|t| t.to_offset(VIETNAM_OFFSET)),
                timeliness,
                note,
            });
        }
        if entries.len() > self.settings.tracking_book_max_rows {
            return Err(AppError::invalid("to", "error-tracking-book-too-many"));
        }
        entries.sort_by(|a, b| {
            a.received_at
                .cmp(&b.received_at)
                .then(a.dossier_id.cmp(&b.dossier_id))
        });
        for (sequence, entry) in (1u32..).zip(entries.iter_mut()) {
            entry.sequence = sequence;
        }
        Ok(TrackingBookReport {
            agency_code: agency.code.clone().unwrap_or_default(),
            agency_name: agency.name.clone(),
            from: period.from,
            to: period.to,
            entries,
        })
    }

    /// The tracking book as the printable Mẫu 07.
    pub async fn tracking_book_form(
        &self,
        actor: &Actor,
        agency_code: &str,
        period: Period,
    ) -> AppResult<FormDocument> {
        let report = self.tracking_book(actor, agency_code, period).await?;
        let agency = self.store.get_unit_by_code(agency_code.trim()).await?;
        let parent = match agency.parent_id {
            Some(parent) => Some(self.store.get_unit(parent).await?.name),
            None => None,
        };
        let root = self
            .store
            .list_units()
            .await?
            .into_iter()
            .find(|u| u.parent_id.is_none())
            .map(|u| u.name)
            .unwrap_or_default();
        let rows = report
            .entries
            .iter()
            .map(|e| TrackingRow {
                sequence: e.sequence,
                dossier_code: e.code.clone(),
                procedure_name: e.procedure_name.clone(),
                sets: 1,
                applicant_name: e.applicant_name.clone(),
                address_phone: String::new(),
                lead_agency: report.agency_name.clone(),
                received_on: e.received_at.date(),
                appointment_on: e.due_at.date(),
                // Receipt puts the dossier at the first processing step: it is handed on the
                // same day.
                transferred_on: Some(e.received_at.date()),
                result_on: e.resolved_at.map(|t| t.date()),
                returned_on: e.returned_at.map(|t| t.date()),
                note: e.note.clone(),
            })
            .collect();
        Ok(FormDocument::TrackingBook(TrackingBook {
            header: Header {
                parent_body: parent.map(|p| p.to_uppercase()),
                body: report.agency_name.to_uppercase(),
                unit: Some(DESK.to_uppercase()),
                place: place_of(&root),
                date: self.today(),
                number: None,
            },
            book: period.from.year().to_string(),
            period: period.label(),
            rows,
        }))
    }
}

impl App {
    /// Renders a form to PDF with the configured renderer, off the async workers (Typst is
    /// CPU-bound).
    pub(crate) async fn render_pdf(&self, document: FormDocument) -> AppResult<Vec<u8>> {
        let renderer = self.renderer.clone().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("no document renderer is configured"))
        })?;
        tokio::task::spawn_blocking(move || renderer.render(&document))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("render: {e}")))
    }

    /// Renders a form and says where its marks landed (an official document's blanks).
    pub(crate) async fn render_marked(
        &self,
        document: FormDocument,
    ) -> AppResult<motcua_render::Rendered> {
        let renderer = self.renderer.clone().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("no document renderer is configured"))
        })?;
        tokio::task::spawn_blocking(move || renderer.render_marked(&document))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("render: {e}")))
    }

    /// [`App::dossier_form`] as a PDF file.
    pub async fn dossier_form_pdf(
        &self,
        actor: &Actor,
        dossier_id: i64,
        form: Form,
    ) -> AppResult<Vec<u8>> {
        let document = self.dossier_form(actor, dossier_id, form).await?;
        self.render_pdf(document).await
    }

    /// Biên lai thu phí, lệ phí of a paid (or refunded) attempt, for whoever may read its
    /// dossier. The QR code leads to the public check of the receipt
    /// ([`App::verify_receipt`]).
    pub async fn payment_receipt_form(
        &self,
        actor: &Actor,
        payment_id: i64,
    ) -> AppResult<FormDocument> {
        use motcua_domain::payment::PaymentState;
        let payment = self.payment(actor, payment_id).await?;
        let refunded = match payment.state() {
            Some(PaymentState::Paid) => false,
            Some(PaymentState::Refunded) => true,
            _ => return Err(AppError::Conflict("error-payment-no-receipt")),
        };
        let receipt_number = payment
            .receipt_number
            .clone()
            .ok_or(AppError::Conflict("error-payment-no-receipt"))?;
        let row = self.store.get_dossier(payment.dossier_id).await?;
        let personal_id = row.applicant_personal_id.clone();
        let sources = self.form_sources(row).await?;
        let paid_at = local(payment.settled_at.unwrap_or(payment.created_at));
        let amount = |vnd: i64| u64::try_from(vnd).unwrap_or(0);
        let total = amount(payment.amount_vnd);
        Ok(FormDocument::PaymentReceipt(PaymentReceipt {
            header: sources.header(paid_at.date(), None),
            receipt_number,
            reference: payment.reference.clone(),
            dossier_code: sources
                .state
                .code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            procedure_name: sources.procedure.name.clone(),
            payer_name: payment.payer_name.clone(),
            payer_personal_id: personal_id,
            method: method_label(&payment.method).to_owned(),
            gateway_transaction: payment.gateway_transaction.clone(),
            paid_at,
            lines: payment
                .lines
                .iter()
                .map(|l| ReceiptLine {
                    name: l.name.clone(),
                    kind_label: if l.kind == "fee" { "Phí" } else { "Lệ phí" }.to_owned(),
                    quantity: l.quantity,
                    unit_amount: amount(l.unit_amount_vnd),
                    amount: amount(l.amount_vnd),
                })
                .collect(),
            total,
            total_in_words: motcua_render::format::amount_in_words(total),
            verify_url: format!(
                "{}/bien-lai/{}",
                self.settings.public_url.trim_end_matches('/'),
                payment.reference
            ),
            state_note: refunded.then(|| "ĐÃ HOÀN PHÍ".to_owned()),
        }))
    }

    /// [`App::payment_receipt_form`] as a PDF file.
    pub async fn payment_receipt_pdf(&self, actor: &Actor, payment_id: i64) -> AppResult<Vec<u8>> {
        let document = self.payment_receipt_form(actor, payment_id).await?;
        self.render_pdf(document).await
    }

    /// [`App::tracking_book_form`] as a PDF file.
    pub async fn tracking_book_pdf(
        &self,
        actor: &Actor,
        agency_code: &str,
        period: Period,
    ) -> AppResult<Vec<u8>> {
        let document = self.tracking_book_form(actor, agency_code, period).await?;
        self.render_pdf(document).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn days_are_read_in_both_notations() {
        assert_eq!(parse_day("07/12/2026"), Some(date!(2026 - 12 - 07)));
        assert_eq!(parse_day("7/12/2026"), Some(date!(2026 - 12 - 07)));
        assert_eq!(parse_day("2026-12-07"), Some(date!(2026 - 12 - 07)));
        for bad in [
            "",
            "31/02/2026",
            "2026/12/07",
            "12-07-2026",
            "07.12.2026",
            "a/b/c",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_period_is_ordered_and_at_most_one_year() {
        let ok = Period::parse("01/01/2026", "2026-12-31").expect("a calendar year");
        assert_eq!(
            (ok.from, ok.to),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        let code = |r: AppResult<Period>| match r {
            Err(AppError::Invalid(fields)) => fields[0].code.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            code(Period::parse("02/01/2026", "01/01/2026")),
            "error-period-order"
        );
        assert_eq!(
            code(Period::parse("01/01/2026", "01/01/2027")),
            "error-period-too-long"
        );
        assert_eq!(code(Period::parse("x", "01/01/2027")), "error-period-date");
        assert!(Period::parse("29/02/2028", "28/02/2029").is_ok());
        assert_eq!(
            code(Period::parse("29/02/2028", "01/03/2029")),
            "error-period-too-long"
        );
        let (start, end) = Period::parse("07/12/2026", "07/12/2026")
            .expect("one day")
            .micros();
        assert_eq!(end - start, 86_400_000_000);
    }

    #[test]
    fn missing_papers_keep_their_listed_order() {
        let mut data = std::collections::BTreeMap::new();
        for i in 0..12 {
            data.insert(format!("missing.{i}"), format!("Giấy {i}"));
        }
        let event = Event {
            seq: 1,
            at: OffsetDateTime::UNIX_EPOCH,
            actor: DossierActor::System,
            kind: CommandKind::RequestSupplement,
            from_status: None,
            to_status: None,
            reason: String::new(),
            data,
            hash: String::new(),
        };
        let items = missing_items(&event);
        assert_eq!(items.first().map(String::as_str), Some("Giấy 0"));
        assert_eq!(items.get(10).map(String::as_str), Some("Giấy 10"));
        assert_eq!(items.len(), 12);
    }
}
