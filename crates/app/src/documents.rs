//! Official documents (quản lý văn bản và điều hành, SPEC §2.9): the clerk registers incoming
//! documents (số đến, warned of a duplicate) and issues outgoing ones (the next number of the
//! right series), the leader directs and signs, specialists draft and handle.
//!
//! Each use case works like a dossier's: authorise (role × jurisdiction over the document's
//! body, or over its lead unit for the unit's head and specialists), ask the pure state machine
//! ([`motcua_domain::document::decide`]), then write the state, the hash-chained event, the
//! direction, the register number and the notifications in one transaction. Everything read
//! is read before the transaction opens (SQLite holds its one writer lock for it).

use crate::{Actor, App, AppError, AppResult, InvalidField};
use motcua_domain::authz::{Permission, Principal, Role};
use motcua_domain::document::{
    self, Command, CommandKind, Context, Decision, DocumentType, Effect, Recipient, Register,
    Secrecy, Series, SignatureKind, Urgency,
};
use motcua_domain::dossier::Actor as DomainActor;
use motcua_domain::org::OrgPath;
use motcua_domain::text;
use motcua_render::{
    DocumentRegister, FormDocument, IncomingEntry, OfficialDocument, OutgoingEntry,
    RegisterEntries, SignatureBlock,
};
use motcua_store::documents::{
    DocumentChange, DocumentRow, DocumentScope, Issued, NewDocument, parse_date,
};
use motcua_store::org::OrgUnitRow;
use serde::Serialize;
use serde_json::json;
use time::Date;

mod signing;

/// Longest trích yếu (Phụ lục VI Subject 500), số/ký hiệu (CodeNumber + CodeNotation) and
/// organ name (OrganName 200).
const SUBJECT_MAX: usize = 500;
const CODE_MAX: usize = 42;
const ORGAN_MAX: usize = 200;
/// The body of an outgoing document: at most this many characters in all, per paragraph, and
/// paragraphs (a few dozen pages; the renderer's own bounds are wider).
const CONTENT_MAX: usize = 50_000;
const PARAGRAPH_MAX: usize = 10_000;
const PARAGRAPHS_MAX: usize = 500;
/// "Kính gửi" and "Nơi nhận": at most this many lines of an organ name's length.
const LINES_MAX: usize = 30;
/// Thẩm quyền ký and chức vụ (Phụ lục VI SignerInfo Position 100), họ tên (FullName 50).
const POSITION_MAX: usize = 100;
const NAME_MAX: usize = 50;
/// The prefixes of a signature on someone's behalf (NĐ 30/2020 Phụ lục I): thay mặt, ký thay,
/// quyền, thừa lệnh, thừa ủy quyền.
const AUTHORITY_PREFIXES: [&str; 5] = ["TM.", "KT.", "Q.", "TL.", "TUQ."];

/// Metadata of a received document (Phụ lục VI), as the clerk types it in.
#[derive(Debug, Clone, Default)]
pub struct IncomingRegistration {
    /// The body (by electronic agency code) whose incoming register takes it.
    pub body_code: String,
    /// [`DocumentType::as_str`].
    pub doc_type: String,
    /// Số/ký hiệu of the sender, e.g. "125/UBND-VP".
    pub code_number: String,
    /// Cơ quan ban hành.
    pub sender_organ: String,
    pub issued_date: Option<Date>,
    /// Trích yếu.
    pub subject: String,
    /// [`Urgency::as_str`]; empty for thường.
    pub urgency: String,
    /// [`Secrecy::as_str`]; empty for thường.
    pub secrecy: String,
    /// Hạn xử lý stated on the document.
    pub due_date: Option<Date>,
    pub page_count: Option<u32>,
    pub signer_name: Option<String>,
    pub signer_position: Option<String>,
}

/// A draft outgoing document.
#[derive(Debug, Clone, Default)]
pub struct OutgoingDraft {
    pub body_code: String,
    pub doc_type: String,
    pub subject: String,
    pub urgency: String,
    pub secrecy: String,
    /// The drafting unit (a unit of the body); required for công văn ("UBND-VP").
    pub drafting_unit_id: Option<i64>,
    /// Nơi nhận as one text, one recipient per line (used when `text.recipients` is empty).
    pub recipient_organ: Option<String>,
    pub due_date: Option<Date>,
    pub page_count: Option<u32>,
    /// What the drafter writes besides the trích yếu (`text.subject` is ignored here:
    /// `subject` above is the trích yếu).
    pub text: DraftText,
}

/// What the drafter of an outgoing document writes, checked by [`check_draft_text`]: the
/// trích yếu, the body, "Kính gửi", "Nơi nhận" and the signature block. Paragraphs and lines
/// may also come as one text with a line per entry (a text area).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftText {
    /// Trích yếu.
    pub subject: String,
    /// Nội dung: the paragraphs.
    pub paragraphs: Vec<String>,
    /// Kính gửi: the addressees.
    pub addressees: Vec<String>,
    /// Nơi nhận: the recipients, without the clerk's copy ("Lưu: VT, …" is added).
    pub recipients: Vec<String>,
    /// Thẩm quyền ký: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Q. …", "TL. …", "TUQ. …"; two
    /// lines when a deputy signs for the collective ("TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH").
    pub signer_authority: Option<String>,
    /// Chức vụ of the signer as printed ("PHÓ CHỦ TỊCH"); the signer's own position otherwise.
    pub signer_position: Option<String>,
    /// Họ tên of the intended signer; the personal signature records who actually signed.
    pub signer_name: Option<String>,
}

/// A document as the pages and the API show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DocumentView {
    pub id: i64,
    pub register: String,
    pub body_id: i64,
    pub status: String,
    pub doc_type: String,
    /// Tên loại (e.g. "quyết định").
    pub type_name: String,
    pub series: String,
    pub year: i64,
    /// Số đến (incoming) or our number (outgoing), zero-padded below 10.
    pub number: Option<String>,
    /// Số/ký hiệu ("05/QĐ-UBND").
    pub code_number: Option<String>,
    pub notation: Option<String>,
    pub sender_organ: String,
    pub recipient_organ: Option<String>,
    pub issued_date: Option<String>,
    pub arrival_date: Option<String>,
    pub subject: String,
    pub urgency: String,
    pub secrecy: String,
    pub due_date: Option<String>,
    pub page_count: Option<i64>,
    pub signer_name: Option<String>,
    pub signer_position: Option<String>,
    pub lead_unit_id: Option<i64>,
    pub co_unit_ids: Vec<i64>,
    pub assignee_id: Option<i64>,
    /// The direction's deadline ('YYYY-MM-DD').
    pub deadline: Option<String>,
    /// Signatures recorded: (`personal`|`seal`, official id).
    pub signatures: Vec<(String, i64)>,
    pub last_seq: i64,
    /// Nội dung (outgoing): the paragraphs.
    pub paragraphs: Vec<String>,
    /// Kính gửi (outgoing).
    pub addressees: Vec<String>,
    /// Nơi nhận (outgoing), one per entry.
    pub recipients: Vec<String>,
    /// Thẩm quyền ký (outgoing), one line per entry.
    pub signer_authority: Option<String>,
    /// Signed electronically: the PDF served is the signed file (leader's, then sealed).
    pub signed: bool,
}

/// One entry of a document's timeline.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DocumentEventView {
    pub seq: i64,
    /// RFC 3339.
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub data: std::collections::BTreeMap<String, String>,
    /// The acting official's name, when the actor is an official still on record.
    pub actor_name: Option<String>,
    /// The role the official acted under (`leader`, `clerk`, …).
    pub actor_role: Option<String>,
}

/// What the registers page asks for: one register, a year, a status (re-exported so the web
/// layer names no store type).
pub use motcua_store::documents::DocumentFilter;

/// The longest register page: the newest documents first; the search box and the status
/// filter find the others.
pub const DOCUMENT_LIST_LIMIT: i64 = 200;

/// A document's timeline and whether its hash chain verifies.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentTimeline {
    pub events: Vec<DocumentEventView>,
    pub chain_ok: bool,
}

/// The outcome of a registration: the document, and earlier registrations of the same
/// document (same số/ký hiệu, sender and year) the clerk is warned about.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub document: DocumentView,
    pub duplicates: Vec<DocumentView>,
}

/// What an official may do on a document besides registering, drafting and issuing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentAction {
    SubmitToLeader {
        leader_id: i64,
    },
    ReturnToSender {
        reason: String,
    },
    Direct {
        lead_unit_id: i64,
        co_unit_ids: Vec<i64>,
        deadline: Option<Date>,
        note: String,
    },
    Assign {
        specialist_id: i64,
    },
    ReportDone {
        result: String,
    },
    SendForReview,
    SendBack {
        reason: String,
    },
    Approve,
    /// Records a signature (the PDF signature itself comes from the signing crate).
    Sign {
        kind: SignatureKind,
    },
    Distribute {
        recipients: Vec<Recipient>,
    },
}

impl DocumentAction {
    fn command(&self) -> Command {
        match self.clone() {
            Self::SubmitToLeader { leader_id } => Command::SubmitToLeader { leader_id },
            Self::ReturnToSender { reason } => Command::ReturnToSender { reason },
            Self::Direct {
                lead_unit_id,
                co_unit_ids,
                deadline,
                note,
            } => Command::Direct {
                lead_unit: lead_unit_id,
                co_units: co_unit_ids,
                deadline,
                note,
            },
            Self::Assign { specialist_id } => Command::Assign { specialist_id },
            Self::ReportDone { result } => Command::ReportDone { result },
            Self::SendForReview => Command::SendForReview,
            Self::SendBack { reason } => Command::SendBack { reason },
            Self::Approve => Command::Approve,
            Self::Sign { kind } => Command::Sign { kind },
            Self::Distribute { recipients } => Command::Distribute { recipients },
        }
    }
}

fn view(row: &DocumentRow) -> AppResult<DocumentView> {
    let state = row.document()?;
    Ok(DocumentView {
        id: row.id,
        register: row.register.clone(),
        body_id: row.body_id,
        status: row.status.clone(),
        doc_type: row.doc_type.clone(),
        type_name: DocumentType::parse(&row.doc_type)
            .map(|t| t.name_vi().to_owned())
            .unwrap_or_default(),
        series: row.series.clone(),
        year: row.register_year,
        number: row
            .number
            .and_then(|n| u32::try_from(n).ok())
            .map(document::format_number),
        code_number: row.code_number.clone(),
        notation: row.notation.clone(),
        sender_organ: row.sender_organ.clone(),
        recipient_organ: row.recipient_organ.clone(),
        issued_date: row.issued_date.clone(),
        arrival_date: row.arrival_date.clone(),
        subject: row.subject.clone(),
        urgency: row.urgency.clone(),
        secrecy: row.secrecy.clone(),
        due_date: row.due_date.clone(),
        page_count: row.page_count,
        signer_name: row.signer_name.clone(),
        signer_position: row.signer_position.clone(),
        lead_unit_id: row.lead_unit_id,
        co_unit_ids: state.co_units.clone(),
        assignee_id: row.assignee_id,
        deadline: row.deadline.clone(),
        signatures: state
            .signatures
            .iter()
            .map(|s| (s.kind.as_str().to_owned(), s.official_id))
            .collect(),
        last_seq: row.last_seq,
        paragraphs: lines(row.content.as_deref()),
        addressees: lines(row.addressees.as_deref()),
        recipients: if row.register == Register::Outgoing.as_str() {
            lines(row.recipient_organ.as_deref())
        } else {
            Vec::new()
        },
        signer_authority: row.signer_authority.clone(),
        signed: row.signed_pdf.is_some(),
    })
}

/// The non-empty lines of a stored text (paragraphs, addressees, recipients).
fn lines(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

/// Entries as typed, each possibly holding several lines, as NFC lines without blanks.
fn split_lines(entries: &[String]) -> Vec<String> {
    entries
        .iter()
        .flat_map(|e| e.lines())
        .map(|l| text::nfc(l.trim()))
        .filter(|l| !l.is_empty())
        .collect()
}

/// A list of short lines ("Kính gửi", "Nơi nhận"): at most [`LINES_MAX`] of [`ORGAN_MAX`]
/// characters, no control character.
fn check_lines(entries: &[String], field: &str, problems: &mut Vec<InvalidField>) -> Vec<String> {
    let out = split_lines(entries);
    if out.len() > LINES_MAX
        || out
            .iter()
            .any(|l| l.chars().count() > ORGAN_MAX || l.chars().any(char::is_control))
    {
        problems.push(InvalidField::new(field, "document-lines-invalid"));
    }
    out
}

/// Thẩm quyền ký: one or two lines, each a prefix of [`AUTHORITY_PREFIXES`] and a title
/// ("kt.  chủ tịch" → "KT. chủ tịch"; the layout prints it in capitals).
fn check_authority(value: Option<&String>, problems: &mut Vec<InvalidField>) -> Option<String> {
    let entries: Vec<String> = value.cloned().into_iter().collect();
    let lines = split_lines(&entries);
    if lines.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for line in &lines {
        let parsed = line.split_once('.').and_then(|(prefix, title)| {
            let prefix = format!("{}.", prefix.trim().to_uppercase());
            let title = title.trim();
            (AUTHORITY_PREFIXES.contains(&prefix.as_str())
                && !title.is_empty()
                && !title.chars().any(char::is_control))
            .then(|| format!("{prefix} {title}"))
        });
        match parsed {
            Some(line) => out.push(line),
            None => {
                problems.push(InvalidField::new(
                    "signer_authority",
                    "document-authority-invalid",
                ));
                return None;
            }
        }
    }
    let joined = out.join("\n");
    if lines.len() > 2 || joined.chars().count() > POSITION_MAX {
        problems.push(InvalidField::new(
            "signer_authority",
            "document-authority-invalid",
        ));
    }
    Some(joined)
}

/// An optional one-line text of at most `max` characters.
fn check_optional(
    value: Option<&String>,
    field: &str,
    max: usize,
    problems: &mut Vec<InvalidField>,
) -> Option<String> {
    let value = value
        .map(|v| text::nfc(v.trim()))
        .filter(|v| !v.is_empty())?;
    if value.chars().count() > max || value.chars().any(char::is_control) {
        problems.push(InvalidField::new(field, "document-too-long"));
    }
    Some(value)
}

/// The drafter's text, checked: NFC, bounded, no control characters; problems are added to
/// `problems` (nothing is written while there is one).
pub fn check_draft_text(
    input: &DraftText,
    problems: &mut Vec<InvalidField>,
) -> motcua_store::documents::DraftText {
    let subject = text_field(&input.subject, "subject", SUBJECT_MAX, problems);
    let paragraphs = split_lines(&input.paragraphs);
    let total: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
    if paragraphs.len() > PARAGRAPHS_MAX
        || total > CONTENT_MAX
        || paragraphs.iter().any(|p| p.chars().count() > PARAGRAPH_MAX)
    {
        problems.push(InvalidField::new("paragraphs", "document-content-too-long"));
    } else if paragraphs.iter().any(|p| p.chars().any(char::is_control)) {
        problems.push(InvalidField::new("paragraphs", "document-too-long"));
    }
    let addressees = check_lines(&input.addressees, "addressees", problems);
    let recipients = check_lines(&input.recipients, "recipients", problems);
    motcua_store::documents::DraftText {
        search_folded: String::new(),
        subject,
        content: paragraphs.join("\n"),
        addressees: addressees.join("\n"),
        recipients: (!recipients.is_empty()).then(|| recipients.join("\n")),
        signer_authority: check_authority(input.signer_authority.as_ref(), problems),
        signer_position: check_optional(
            input.signer_position.as_ref(),
            "signer_position",
            POSITION_MAX,
            problems,
        ),
        signer_name: check_optional(
            input.signer_name.as_ref(),
            "signer_name",
            NAME_MAX,
            problems,
        ),
    }
}

fn transition_error(error: document::TransitionError) -> AppError {
    let field = match error {
        document::TransitionError::Required { field } => field,
        document::TransitionError::DeadlineInPast => "deadline",
        document::TransitionError::LeadIsCoUnit => "co_unit_ids",
        _ => "command",
    };
    AppError::invalid(field, error.as_str())
}

/// Bounded, NFC, non-empty text.
fn text_field(value: &str, field: &str, max: usize, problems: &mut Vec<InvalidField>) -> String {
    let value = text::nfc(value.trim());
    if value.is_empty() {
        problems.push(InvalidField::new(field, "document-required"));
    } else if value.chars().count() > max || value.chars().any(char::is_control) {
        problems.push(InvalidField::new(field, "document-too-long"));
    }
    value
}

fn optional_text(value: Option<&String>, max: usize) -> Option<String> {
    value
        .map(|v| text::nfc(v.trim()))
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(max).collect())
}

fn marks(urgency: &str, secrecy: &str, problems: &mut Vec<InvalidField>) -> (Urgency, Secrecy) {
    let urgency = if urgency.trim().is_empty() {
        Urgency::Thuong
    } else {
        Urgency::parse(urgency.trim()).unwrap_or_else(|| {
            problems.push(InvalidField::new("urgency", "document-urgency-invalid"));
            Urgency::Thuong
        })
    };
    let secrecy = if secrecy.trim().is_empty() {
        Secrecy::Thuong
    } else {
        Secrecy::parse(secrecy.trim()).unwrap_or_else(|| {
            problems.push(InvalidField::new("secrecy", "document-secrecy-invalid"));
            Secrecy::Thuong
        })
    };
    (urgency, secrecy)
}

fn doc_type(value: &str, problems: &mut Vec<InvalidField>) -> DocumentType {
    DocumentType::parse(value.trim()).unwrap_or_else(|| {
        problems.push(InvalidField::new("doc_type", "document-type-invalid"));
        DocumentType::CongVan
    })
}

fn page_count(value: Option<u32>, problems: &mut Vec<InvalidField>) -> Option<i64> {
    match value {
        Some(0) | Some(1000..) => {
            problems.push(InvalidField::new(
                "page_count",
                "document-page-count-invalid",
            ));
            None
        }
        other => other.map(i64::from),
    }
}

/// An abbreviation for a unit: its short name, else derived from its name.
fn abbreviation(unit: &OrgUnitRow) -> String {
    unit.short_name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or_else(|| document::abbreviate(&unit.name), ToOwned::to_owned)
}

fn search_text(subject: &str, code_number: Option<&str>, sender: &str) -> String {
    text::fold(&format!(
        "{subject} {} {sender}",
        code_number.unwrap_or_default()
    ))
}

fn path_of(row: &OrgUnitRow) -> OrgPath {
    OrgPath::from_stored(row.path.clone())
}

impl App {
    /// The body (cơ quan) named by its agency code, and the clerk's right over it.
    async fn document_body(
        &self,
        actor: &Actor,
        code: &str,
        permission: Permission,
    ) -> AppResult<OrgUnitRow> {
        actor.require(motcua_domain::authz::Access::Staff(permission))?;
        let body = self
            .store
            .get_unit_by_code(code.trim())
            .await
            .map_err(|_| AppError::invalid("body_code", "document-body-unknown"))?;
        actor.require_at(permission, &body.path)?;
        Ok(body)
    }

    /// Path of the document's lead unit, when directed.
    async fn lead_path(&self, row: &DocumentRow) -> AppResult<Option<OrgPath>> {
        Ok(match row.lead_unit_id {
            Some(id) => Some(path_of(&self.store.get_unit(id).await?)),
            None => None,
        })
    }

    /// May this caller read the document: documents rights over its body, or over its lead
    /// unit (the unit's head and specialists).
    fn may_read(principal: &Principal, row: &DocumentRow, lead: Option<&OrgPath>) -> bool {
        let body = OrgPath::from_stored(row.body_path.clone());
        [Permission::DocumentsManage, Permission::DocumentsWork]
            .into_iter()
            .any(|p| {
                principal.may_at(p, &body) || lead.is_some_and(|lead| principal.may_at(p, lead))
            })
    }

    /// The role an official acts under for `command` on this document: one they hold over
    /// its body (or its lead unit) that may issue the command.
    fn document_actor(
        actor: &Actor,
        body_path: &str,
        lead: Option<&OrgPath>,
        command: &Command,
    ) -> AppResult<DomainActor> {
        let body = OrgPath::from_stored(body_path.to_owned());
        match &actor.principal {
            Principal::Official {
                official_id,
                assignments,
            } => {
                let reaches = |path: &OrgPath| {
                    path.contains(&body) || lead.is_some_and(|lead| path.contains(lead))
                };
                let mut roles: Vec<Role> = assignments
                    .iter()
                    .filter(|a| reaches(&a.unit_path))
                    .map(|a| a.role)
                    .filter(|role| document::role_may_issue(*role, command))
                    .collect();
                roles.sort_unstable();
                match roles.first() {
                    Some(role) => Ok(DomainActor::Official {
                        official_id: *official_id,
                        role: *role,
                    }),
                    None => Err(AppError::Forbidden),
                }
            }
            Principal::Anonymous => Err(AppError::Unauthenticated),
            _ => Err(AppError::Forbidden),
        }
    }

    /// Registers an incoming document (vào sổ văn bản đến): the next số đến of the body's
    /// register (secret documents in their own series), arrival date today. A document
    /// already registered with the same số/ký hiệu, sender and year is returned as a warning,
    /// not refused.
    pub async fn register_incoming(
        &self,
        actor: &Actor,
        input: &IncomingRegistration,
    ) -> AppResult<Registered> {
        let body = self
            .document_body(actor, &input.body_code, Permission::DocumentsManage)
            .await?;
        let mut problems = Vec::new();
        let kind = doc_type(&input.doc_type, &mut problems);
        let code_number = text_field(&input.code_number, "code_number", CODE_MAX, &mut problems);
        let sender = text_field(
            &input.sender_organ,
            "sender_organ",
            ORGAN_MAX,
            &mut problems,
        );
        let subject = text_field(&input.subject, "subject", SUBJECT_MAX, &mut problems);
        let (urgency, secrecy) = marks(&input.urgency, &input.secrecy, &mut problems);
        let pages = page_count(input.page_count, &mut problems);
        let today = self.today();
        if input.issued_date.is_some_and(|d| d > today) {
            problems.push(InvalidField::new(
                "issued_date",
                "document-issued-in-future",
            ));
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let year = input.issued_date.unwrap_or(today).year();
        let key = document::duplicate_key(&code_number, &sender, year);
        let duplicates = self
            .store
            .document_duplicates(body.id, Register::Incoming, &key)
            .await?;
        let now = self.now();
        let domain_actor = Self::clerk_actor(actor)?;
        let series = Series::of(secrecy);
        let mut tx = self.store.begin().await?;
        let number = tx
            .next_document_number(body.id, Register::Incoming, series, today.year())
            .await?;
        let decision = document::decide(
            &document::Document::new(),
            &Command::Register {
                arrival_number: number,
            },
            &Context {
                actor: &domain_actor,
                now,
                today,
            },
        )
        .map_err(transition_error)?;
        let new = NewDocument {
            register: Register::Incoming,
            body_id: body.id,
            body_path: body.path.clone(),
            doc_type: kind.as_str().to_owned(),
            series,
            register_year: today.year(),
            number: Some(number),
            search_folded: search_text(&subject, Some(&code_number), &sender),
            code_number: Some(code_number),
            notation: None,
            sender_organ: sender,
            recipient_organ: Some(body.name.clone()),
            issued_date: input.issued_date.map(|d| d.to_string()),
            arrival_date: Some(today.to_string()),
            subject,
            urgency: urgency.as_str().to_owned(),
            secrecy: secrecy.as_str().to_owned(),
            due_date: input.due_date.map(|d| d.to_string()),
            page_count: pages,
            signer_name: optional_text(input.signer_name.as_ref(), 50),
            signer_position: optional_text(input.signer_position.as_ref(), 100),
            drafting_unit_id: None,
            duplicate_key: Some(key),
            created_by: actor.id(),
            content: None,
            addressees: None,
            signer_authority: None,
        };
        let at = motcua_store::micros(now);
        let id = tx.insert_document(&new, &decision.new_state, at).await?;
        tx.append_document_event(id, &decision.event).await?;
        tx.append_audit(
            &actor.audit(
                "document.register",
                Some(id.to_string()),
                json!({"number": number, "series": series.as_str(), "duplicates": duplicates.len()}),
            ),
            at,
        )
        .await?;
        tx.commit().await?;
        let row = self.store.get_document(id).await?;
        Ok(Registered {
            document: view(&row)?,
            duplicates: duplicates.iter().map(view).collect::<AppResult<_>>()?,
        })
    }

    fn clerk_actor(actor: &Actor) -> AppResult<DomainActor> {
        match &actor.principal {
            Principal::Official { official_id, .. } => Ok(DomainActor::Official {
                official_id: *official_id,
                role: Role::Clerk,
            }),
            _ => Err(AppError::Forbidden),
        }
    }

    /// A specialist (or unit head, leader) starts an outgoing document. Its ký hiệu is fixed
    /// now ("QĐ-UBND"; for công văn the body's and the drafting unit's, "UBND-VP"); the number
    /// is taken at issue.
    pub async fn draft_outgoing(
        &self,
        actor: &Actor,
        input: &OutgoingDraft,
    ) -> AppResult<DocumentView> {
        let body = self
            .document_body(actor, &input.body_code, Permission::DocumentsWork)
            .await?;
        let mut problems = Vec::new();
        let kind = doc_type(&input.doc_type, &mut problems);
        let mut written = input.text.clone();
        written.subject = input.subject.clone();
        if written.recipients.is_empty()
            && let Some(recipients) = &input.recipient_organ
        {
            // One text: a recipient per line or between semicolons.
            written.recipients = recipients
                .split(['\n', ';'])
                .map(ToOwned::to_owned)
                .collect();
        }
        let written = check_draft_text(&written, &mut problems);
        let subject = written.subject.clone();
        let (urgency, secrecy) = marks(&input.urgency, &input.secrecy, &mut problems);
        let pages = page_count(input.page_count, &mut problems);
        let unit = match input.drafting_unit_id {
            Some(id) => match self.store.get_unit(id).await {
                Ok(unit) if path_of(&body).contains(&path_of(&unit)) => Some(unit),
                _ => {
                    problems.push(InvalidField::new(
                        "drafting_unit_id",
                        "document-unit-outside-body",
                    ));
                    None
                }
            },
            None => None,
        };
        let notation = if problems.is_empty() {
            match document::notation(
                kind,
                &abbreviation(&body),
                unit.as_ref().map(abbreviation).as_deref(),
            ) {
                Ok(n) => Some(n),
                Err(e) => {
                    problems.push(InvalidField::new("drafting_unit_id", e.as_str()));
                    None
                }
            }
        } else {
            None
        };
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let domain_actor = Self::document_actor(actor, &body.path, None, &Command::Draft)?;
        let now = self.now();
        let today = self.today();
        let decision = document::decide(
            &document::Document::new(),
            &Command::Draft,
            &Context {
                actor: &domain_actor,
                now,
                today,
            },
        )
        .map_err(transition_error)?;
        let new = NewDocument {
            register: Register::Outgoing,
            body_id: body.id,
            body_path: body.path.clone(),
            doc_type: kind.as_str().to_owned(),
            series: Series::of(secrecy),
            register_year: today.year(),
            number: None,
            code_number: None,
            notation,
            search_folded: search_text(&subject, None, &body.name),
            sender_organ: body.name.clone(),
            recipient_organ: written.recipients,
            issued_date: None,
            arrival_date: None,
            subject,
            urgency: urgency.as_str().to_owned(),
            secrecy: secrecy.as_str().to_owned(),
            due_date: input.due_date.map(|d| d.to_string()),
            page_count: pages,
            signer_name: written.signer_name,
            signer_position: written.signer_position,
            drafting_unit_id: unit.as_ref().map(|u| u.id),
            duplicate_key: None,
            created_by: actor.id(),
            content: Some(written.content),
            addressees: Some(written.addressees),
            signer_authority: written.signer_authority,
        };
        let at = motcua_store::micros(now);
        let mut tx = self.store.begin().await?;
        let id = tx.insert_document(&new, &decision.new_state, at).await?;
        tx.append_document_event(id, &decision.event).await?;
        tx.commit().await?;
        view(&self.store.get_document(id).await?)
    }

    /// One document, if the caller may read it.
    pub async fn document(&self, actor: &Actor, id: i64) -> AppResult<DocumentView> {
        let row = self.readable_document(actor, id).await?;
        view(&row)
    }

    async fn readable_document(&self, actor: &Actor, id: i64) -> AppResult<DocumentRow> {
        if matches!(actor.principal, Principal::Anonymous) {
            return Err(AppError::Unauthenticated);
        }
        let row = self.store.get_document(id).await?;
        let lead = self.lead_path(&row).await?;
        if Self::may_read(&actor.principal, &row, lead.as_ref()) {
            Ok(row)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Who did what, in order, and whether the hash chain verifies.
    pub async fn document_timeline(&self, actor: &Actor, id: i64) -> AppResult<DocumentTimeline> {
        self.readable_document(actor, id).await?;
        let rows = self.store.document_events(id).await?;
        let events: Vec<document::Event> =
            rows.iter().map(|r| r.event()).collect::<Result<_, _>>()?;
        let chain_ok = document::verify_chain(&events).is_ok();
        // Who did it, by name: a handful of officials per document, read once each.
        let mut names = std::collections::BTreeMap::new();
        for event in &events {
            if let DomainActor::Official { official_id, .. } = event.actor
                && !names.contains_key(&official_id)
            {
                let name = self
                    .store
                    .get_official(official_id)
                    .await
                    .ok()
                    .map(|o| o.full_name);
                names.insert(official_id, name);
            }
        }
        Ok(DocumentTimeline {
            events: events
                .into_iter()
                .map(|e| {
                    let (actor_name, actor_role) = match &e.actor {
                        DomainActor::Official { official_id, role } => (
                            names.get(official_id).cloned().flatten(),
                            Some(role.as_str().to_owned()),
                        ),
                        _ => (None, None),
                    };
                    DocumentEventView {
                        seq: e.seq as i64,
                        at: crate::dossiers::rfc3339(e.at),
                        actor: e.actor.canonical(),
                        kind: e.kind.as_str().to_owned(),
                        from_status: e.from_status.map(|s| s.as_str().to_owned()),
                        to_status: e.to_status.as_str().to_owned(),
                        reason: e.reason,
                        data: e.data,
                        actor_name,
                        actor_role,
                    }
                })
                .collect(),
            chain_ok,
        })
    }

    /// Validates the officials and units a command names, within the document's body.
    async fn check_targets(&self, row: &DocumentRow, command: &Command) -> AppResult<()> {
        let body = OrgPath::from_stored(row.body_path.clone());
        let unit_in_body = |unit: &OrgUnitRow| body.contains(&path_of(unit));
        match command {
            Command::SubmitToLeader { leader_id } => {
                let ok = matches!(self.official_principal(*leader_id).await?,
                    Some(Principal::Official { assignments, .. })
                        if assignments.iter().any(|a| a.role == Role::Leader && a.unit_path.contains(&body)));
                if !ok {
                    return Err(AppError::invalid("leader_id", "document-leader-invalid"));
                }
            }
            Command::Direct {
                lead_unit,
                co_units,
                ..
            } => {
                for (field, id) in std::iter::once(("lead_unit_id", lead_unit))
                    .chain(co_units.iter().map(|u| ("co_unit_ids", u)))
                {
                    match self.store.get_unit(*id).await {
                        Ok(unit) if unit_in_body(&unit) => {}
                        _ => return Err(AppError::invalid(field, "document-unit-outside-body")),
                    }
                }
            }
            Command::Assign { specialist_id } => {
                let lead = self.lead_path(row).await?;
                let ok = matches!(self.official_principal(*specialist_id).await?,
                    Some(p) if p.may_at(Permission::DocumentsWork, &body)
                        || lead.as_ref().is_some_and(|l| p.may_at(Permission::DocumentsWork, l)));
                if !ok {
                    return Err(AppError::invalid(
                        "specialist_id",
                        "document-specialist-invalid",
                    ));
                }
            }
            Command::Distribute { recipients } => {
                for recipient in recipients {
                    if let Recipient::Unit { unit_id } = recipient {
                        match self.store.get_unit(*unit_id).await {
                            Ok(unit) if unit_in_body(&unit) => {}
                            _ => {
                                return Err(AppError::invalid(
                                    "recipients",
                                    "document-unit-outside-body",
                                ));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Every command after registering or drafting, except issuing ([`App::issue_document`]).
    pub async fn act_on_document(
        &self,
        actor: &Actor,
        id: i64,
        action: &DocumentAction,
    ) -> AppResult<DocumentView> {
        let command = action.command();
        self.decide_document(actor, id, &command).await
    }

    /// Cấp số và ban hành: the clerk takes the next number of the body's outgoing series
    /// (secret documents apart) inside the issuing transaction and records "Số: 05/QĐ-UBND".
    pub async fn issue_document(&self, actor: &Actor, id: i64) -> AppResult<DocumentView> {
        self.decide_document(actor, id, &Command::Issue { number: 1 })
            .await
    }

    /// The drafter rewrites their draft (a new draft, or one sent back): the trích yếu, the
    /// body, "Kính gửi", "Nơi nhận" and the signature block. The document's state and timeline
    /// do not change (nothing was decided yet); the rewrite is audited, and refused once the
    /// draft was sent for review or when someone else changed it meanwhile.
    pub async fn edit_draft(
        &self,
        actor: &Actor,
        id: i64,
        input: &DraftText,
    ) -> AppResult<DocumentView> {
        if matches!(actor.principal, Principal::Anonymous) {
            return Err(AppError::Unauthenticated);
        }
        let row = self.store.get_document(id).await?;
        let lead = self.lead_path(&row).await?;
        if !Self::may_read(&actor.principal, &row, lead.as_ref()) {
            return Err(AppError::Forbidden);
        }
        // Whoever may send the draft for review may rewrite it: its drafter, under a role
        // that drafts.
        let domain_actor = Self::document_actor(
            actor,
            &row.body_path,
            lead.as_ref(),
            &Command::SendForReview,
        )?;
        let state = row.document()?;
        if state.status != Some(document::Status::Draft) {
            return Err(AppError::invalid(
                "command",
                "document-not-allowed-in-state",
            ));
        }
        if state.assignee != domain_actor_id(&domain_actor) {
            return Err(AppError::invalid("command", "document-not-assignee"));
        }
        let mut problems = Vec::new();
        let mut written = check_draft_text(input, &mut problems);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        written.search_folded = search_text(&written.subject, None, &row.sender_organ);
        let at = self.now_micros();
        let mut tx = self.store.begin().await?;
        let updated = tx
            .update_draft_text(row.id, state.last_seq, &written, at)
            .await
            .map_err(|e| match e {
                motcua_store::StoreError::Conflict(_) => AppError::Conflict("document-changed"),
                other => other.into(),
            })?;
        tx.append_audit(
            &actor.audit(
                "document.edit_draft",
                Some(row.id.to_string()),
                json!({"seq": state.last_seq, "paragraphs": written.content.lines().count()}),
            ),
            at,
        )
        .await?;
        tx.commit().await?;
        view(&updated)
    }

    async fn decide_document(
        &self,
        actor: &Actor,
        id: i64,
        command: &Command,
    ) -> AppResult<DocumentView> {
        if matches!(actor.principal, Principal::Anonymous) {
            return Err(AppError::Unauthenticated);
        }
        let row = self.store.get_document(id).await?;
        let lead = self.lead_path(&row).await?;
        let domain_actor = Self::document_actor(actor, &row.body_path, lead.as_ref(), command)?;
        let state = row.document()?;
        let now = self.now();
        let today = self.today();
        let ctx = Context {
            actor: &domain_actor,
            now,
            today,
        };
        // Refuse before taking a number or reading anything else.
        let decision = document::decide(&state, command, &ctx).map_err(transition_error)?;
        self.check_targets(&row, command).await?;
        // The signer as printed: the official who signs personally (recorded again at issue),
        // under the position the drafter wrote, else their own.
        let signer = match command {
            Command::Issue { .. } => match state
                .signatures
                .iter()
                .find(|s| s.kind == SignatureKind::Personal)
            {
                Some(s) => self.store.get_official(s.official_id).await.ok(),
                None => None,
            },
            Command::Sign {
                kind: SignatureKind::Personal,
            } => match actor.id() {
                Some(id) => self.store.get_official(id).await.ok(),
                None => None,
            },
            _ => None,
        };
        let signer_position = |official: &motcua_store::people::OfficialRow| {
            row.signer_position
                .clone()
                .or_else(|| official.position_name.clone())
        };
        // The signature itself, before the transaction (keys and blobs only).
        let signed = match command {
            Command::Sign {
                kind: SignatureKind::Personal,
            } => match &signer {
                Some(official) => {
                    self.sign_document_personally(&row, official, signer_position(official))
                        .await?
                }
                None => None,
            },
            Command::Sign {
                kind: SignatureKind::Seal,
            } => self.seal_document(&row).await?,
            _ => None,
        };
        let recipients = self.notified_addresses(&decision).await?;
        let at = motcua_store::micros(now);
        let mut tx = self.store.begin().await?;
        if let Some(signed) = &signed {
            tx.insert_blob(&signed.sha256, signed.size, "application/pdf", at)
                .await?;
        }
        let (decision, change) = match command {
            Command::Issue { .. } => {
                let series = if row.series == "secret" {
                    Series::Secret
                } else {
                    Series::Regular
                };
                let number = tx
                    .next_document_number(row.body_id, Register::Outgoing, series, today.year())
                    .await?;
                let decision: Decision = document::decide(&state, &Command::Issue { number }, &ctx)
                    .map_err(transition_error)?;
                let notation = row.notation.clone().unwrap_or_default();
                let code = document::code_number(number, &notation);
                let change = DocumentChange {
                    search_folded: Some(search_text(&row.subject, Some(&code), &row.sender_organ)),
                    issued: Some(Issued {
                        number,
                        year: today.year(),
                        code_number: code,
                        issued_date: today.to_string(),
                        signer_name: signer.as_ref().map(|s| s.full_name.clone()),
                        signer_position: signer.as_ref().and_then(signer_position),
                    }),
                    ..DocumentChange::default()
                };
                (decision, change)
            }
            Command::Sign {
                kind: SignatureKind::Personal,
            } => {
                let change = DocumentChange {
                    signer: signer
                        .as_ref()
                        .map(|s| (s.full_name.clone(), signer_position(s))),
                    ..DocumentChange::default()
                };
                (decision, change)
            }
            _ => (decision, DocumentChange::default()),
        };
        let change = DocumentChange {
            signed_pdf: signed.map(|s| (s.sha256, s.layout)),
            ..change
        };
        let updated = tx
            .update_document(row.id, state.last_seq, &decision.new_state, &change, at)
            .await
            .map_err(|e| match e {
                motcua_store::StoreError::Conflict(_) => AppError::Conflict("document-changed"),
                other => other.into(),
            })?;
        tx.append_document_event(row.id, &decision.event).await?;
        if let Command::Direct { note, .. } = command {
            tx.insert_document_direction(
                row.id,
                decision.event.seq,
                &decision.new_state,
                &text::nfc(note.trim()),
                actor.id(),
                at,
            )
            .await?;
        }
        for (email, template) in &recipients {
            let payload = self.document_email(&updated, email, template.as_str());
            tx.enqueue_on_channel(
                crate::effects::outbox_kind::NOTIFY,
                "email",
                &payload,
                at,
                Some(&row.body_path),
            )
            .await?;
        }
        tx.append_audit(
            &actor.audit(
                &format!("document.{}", command.kind().as_str()),
                Some(row.id.to_string()),
                json!({"seq": decision.event.seq}),
            ),
            at,
        )
        .await?;
        tx.commit().await?;
        view(&updated)
    }

    /// The e-mail (an outbox `notify` payload) telling an official that a document waits for
    /// them: `template` is `document-<command>` or `document-reminder`.
    fn document_email(&self, row: &DocumentRow, to: &str, template: &str) -> String {
        let label = row
            .code_number
            .clone()
            .unwrap_or_else(|| format!("#{}", row.id));
        let link = format!(
            "{}/staff/documents/{}",
            self.settings.public_url.trim_end_matches('/'),
            row.id
        );
        let deadline = dmy(row.deadline.as_deref());
        // Worded by the notification catalogue when sent: one wording for every command.
        let wording = if template == "reminder" {
            "document-reminder"
        } else {
            "document-task"
        };
        json!({
            "channel": "email", "to": to, "template": format!("document-{template}"),
            "wording": wording, "lang": "vi",
            "vars": {"label": label, "title": row.subject, "deadline": deadline, "link": link},
        })
        .to_string()
    }

    /// Nhắc hạn: for every open document due today or on the next working day of its body's
    /// calendar, once per deadline, an e-mail to the assignee (or, before assignment, to the
    /// lead unit's officials). Runs as the system; returns how many documents were reminded.
    pub async fn send_document_reminders(&self) -> AppResult<usize> {
        let today = self.today();
        let horizon = today.saturating_add(time::Duration::days(14));
        let rows = self
            .store
            .documents_due(Some(today), horizon, &DocumentScope { paths: None })
            .await?;
        let mut due = Vec::new();
        for row in rows {
            let calendar = self.work_calendar_at(Some(&row.body_path)).await?;
            let until = calendar.next_working_day(today).unwrap_or(today);
            let Some(deadline) = row.deadline.as_deref().and_then(parse_date) else {
                continue;
            };
            if deadline > until {
                continue;
            }
            let mut emails = Vec::new();
            if let Some(assignee) = row.assignee_id {
                if let Ok(official) = self.store.get_official(assignee).await
                    && official.active
                    && let Some(email) = official.email
                {
                    emails.push(email);
                }
            } else if let Some(unit) = row.lead_unit_id {
                let unit = self.store.get_unit(unit).await?;
                emails.extend(
                    self.store
                        .list_officials(Some(&unit.path))
                        .await?
                        .into_iter()
                        .filter(|o| o.active && o.unit_path == unit.path)
                        .filter_map(|o| o.email),
                );
            }
            due.push((row, emails));
        }
        let at = self.now_micros();
        let mut reminded = 0;
        let mut tx = self.store.begin().await?;
        for (row, emails) in &due {
            let deadline = row.deadline.clone().unwrap_or_default();
            if !tx.claim_document_reminder(row.id, &deadline, at).await? {
                continue;
            }
            reminded += 1;
            for email in emails {
                tx.enqueue_on_channel(
                    crate::effects::outbox_kind::NOTIFY,
                    "email",
                    &self.document_email(row, email, "reminder"),
                    at,
                    Some(&row.body_path),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(reminded)
    }

    /// Runs [`App::send_document_reminders`] every hour until `stop` fires.
    pub async fn run_document_jobs(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.send_document_reminders().await {
                Ok(0) => {}
                Ok(reminded) => tracing::info!(reminded, "document deadline reminders"),
                Err(error) => tracing::error!(error = %error, "document reminder job"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
                _ = stop.changed() => break,
            }
        }
    }

    /// E-mail addresses of the officials (and units' officials) a decision tells, read before
    /// the transaction.
    async fn notified_addresses(
        &self,
        decision: &Decision,
    ) -> AppResult<Vec<(String, CommandKind)>> {
        let mut out = Vec::new();
        for effect in &decision.effects {
            match effect {
                Effect::NotifyOfficial {
                    official_id,
                    template,
                } => {
                    if let Ok(official) = self.store.get_official(*official_id).await
                        && official.active
                        && let Some(email) = official.email
                    {
                        out.push((email, *template));
                    }
                }
                Effect::NotifyUnit { unit_id, template } => {
                    if let Ok(unit) = self.store.get_unit(*unit_id).await {
                        out.extend(
                            self.store
                                .list_officials(Some(&unit.path))
                                .await?
                                .into_iter()
                                .filter(|o| o.active && o.unit_path == unit.path)
                                .filter_map(|o| o.email)
                                .map(|email| (email, *template)),
                        );
                    }
                }
                Effect::Deliver { .. } => {}
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The caller's scope for lists: the subtrees where they hold a documents permission.
    fn document_scope(actor: &Actor) -> AppResult<DocumentScope> {
        if matches!(actor.principal, Principal::Anonymous) {
            return Err(AppError::Unauthenticated);
        }
        let mut paths: Option<Vec<String>> = Some(Vec::new());
        for permission in [Permission::DocumentsManage, Permission::DocumentsWork] {
            match actor.principal.jurisdictions(permission) {
                None => paths = None,
                Some(found) => {
                    if let Some(paths) = paths.as_mut() {
                        paths.extend(found.into_iter().map(|p| p.as_str().to_owned()));
                    }
                }
            }
        }
        match &paths {
            Some(list) if list.is_empty() => Err(AppError::Forbidden),
            _ => Ok(DocumentScope { paths }),
        }
    }

    /// Full-text search over the registers the caller may read (subject, số/ký hiệu, sender;
    /// accents and case ignored, the last word as a prefix).
    pub async fn search_documents(
        &self,
        actor: &Actor,
        query: &str,
    ) -> AppResult<Vec<DocumentView>> {
        let scope = Self::document_scope(actor)?;
        let terms = motcua_domain::query_text::clean_terms(&text::terms(query));
        let rows = self.store.search_documents(&terms, &scope, 100).await?;
        rows.iter().map(view).collect()
    }

    /// Quá hạn: open documents whose direction deadline has passed, in the caller's units.
    pub async fn overdue_documents(&self, actor: &Actor) -> AppResult<Vec<DocumentView>> {
        let scope = Self::document_scope(actor)?;
        let Some(yesterday) = self.today().previous_day() else {
            return Ok(Vec::new());
        };
        let rows = self.store.documents_due(None, yesterday, &scope).await?;
        rows.iter().map(view).collect()
    }

    /// Sắp đến hạn: open documents due today or on the next working day of the body's
    /// calendar, in the caller's units (what a reminder is sent about).
    pub async fn documents_due_soon(&self, actor: &Actor) -> AppResult<Vec<DocumentView>> {
        let scope = Self::document_scope(actor)?;
        let today = self.today();
        let calendar = self.work_calendar_at(None).await?;
        let until = calendar.next_working_day(today).unwrap_or(today);
        let rows = self.store.documents_due(Some(today), until, &scope).await?;
        rows.iter().map(view).collect()
    }

    /// [`App::document_register`] as an `.xlsx` workbook ([`register_xlsx`]).
    pub async fn document_register_xlsx(
        &self,
        actor: &Actor,
        body_code: &str,
        register: Register,
        year: i32,
    ) -> AppResult<Vec<u8>> {
        let rows = self
            .document_register(actor, body_code, register, year)
            .await?;
        Ok(register_xlsx(register, year, &rows))
    }

    /// Sổ đăng ký văn bản đến/đi of a body for a year, in number order.
    pub async fn document_register(
        &self,
        actor: &Actor,
        body_code: &str,
        register: Register,
        year: i32,
    ) -> AppResult<Vec<DocumentView>> {
        let body = self
            .document_body(actor, body_code, Permission::DocumentsManage)
            .await?;
        let rows = self
            .store
            .document_register(body.id, register, year)
            .await?;
        rows.iter().map(view).collect()
    }
}

fn domain_actor_id(actor: &DomainActor) -> Option<i64> {
    match actor {
        DomainActor::Official { official_id, .. } => Some(*official_id),
        _ => None,
    }
}

/// Printing official documents (NĐ 30/2020 Phụ lục I) and the registers (Phụ lục IV).
///
/// A document prints from what is stored for it and the names of its body and drafting
/// unit — never the reader, the clock or anything else — so the same document renders the same
/// bytes whenever it is printed (the signature step relies on it): before issue with a blank
/// for the number ("Số:      /QĐ-UBND") and the date ("…, ngày    tháng    năm 2026"), after
/// issue with them.
impl App {
    /// The names a document is headed with: the parent body to print, if any, the body, and
    /// the place.
    fn document_heading(
        units: &[OrgUnitRow],
        body_id: i64,
    ) -> AppResult<(Option<String>, OrgUnitRow, String)> {
        let body = units
            .iter()
            .find(|u| u.id == body_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let parent = match body.parent_id {
            Some(parent) if !is_local_government(&body.name) => units
                .iter()
                .find(|u| u.id == parent)
                .map(|u| u.name.clone()),
            _ => None,
        };
        let root = units
            .iter()
            .find(|u| u.parent_id.is_none())
            .map(|u| u.name.clone())
            .unwrap_or_default();
        let place = place_of_body(&body, &root);
        Ok((parent, body, place))
    }

    /// The print data of a stored outgoing document (see the section's comment).
    async fn official_document_of(&self, row: &DocumentRow) -> AppResult<OfficialDocument> {
        if row.register != Register::Outgoing.as_str() {
            return Err(AppError::Conflict("document-print-outgoing-only"));
        }
        let units = self.store.list_units().await?;
        let (parent, body, place) = Self::document_heading(&units, row.body_id)?;
        let filed_with = row
            .drafting_unit_id
            .and_then(|id| units.iter().find(|u| u.id == id))
            .map(abbreviation);
        let kind = DocumentType::parse(&row.doc_type);
        let issued = row.code_number.is_some();
        Ok(OfficialDocument {
            parent_body: parent,
            body: body.name,
            number: row
                .number
                .filter(|_| issued)
                .and_then(|n| u32::try_from(n).ok())
                .map(document::format_number),
            notation: row.notation.clone().unwrap_or_default(),
            place,
            date: row
                .issued_date
                .as_deref()
                .and_then(parse_date)
                .filter(|_| issued),
            drafted_on: motcua_store::from_micros(row.created_at)
                .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
                .date(),
            kind: row.doc_type.clone(),
            type_name: kind
                .map(DocumentType::name_vi)
                .unwrap_or_default()
                .to_owned(),
            subject: row.subject.clone(),
            addressees: lines(row.addressees.as_deref()),
            paragraphs: lines(row.content.as_deref()),
            recipients: lines(row.recipient_organ.as_deref()),
            filed_with,
            signature: SignatureBlock {
                authority: row.signer_authority.clone(),
                position: row.signer_position.clone(),
                name: row.signer_name.clone(),
            },
            urgency: Urgency::parse(&row.urgency)
                .and_then(Urgency::stamp)
                .map(ToOwned::to_owned),
            secrecy: Secrecy::parse(&row.secrecy)
                .and_then(Secrecy::stamp)
                .map(ToOwned::to_owned),
        })
    }

    /// Renders a stored outgoing document to PDF, without asking who wants it: for use cases
    /// that check access themselves (reading, signing). The same stored document gives the
    /// same bytes.
    pub(crate) async fn render_document_row(&self, row: &DocumentRow) -> AppResult<Vec<u8>> {
        let document = self.official_document_of(row).await?;
        self.render_pdf(FormDocument::OfficialDocument(document))
            .await
    }

    /// What an outgoing document prints (NĐ 30/2020 Phụ lục I), for whoever may read it.
    pub async fn document_print(&self, actor: &Actor, id: i64) -> AppResult<OfficialDocument> {
        let row = self.readable_document(actor, id).await?;
        self.official_document_of(&row).await
    }

    /// An outgoing document as PDF (A4, NĐ 30/2020 Phụ lục I), for whoever may read it.
    pub async fn document_pdf(&self, actor: &Actor, id: i64) -> AppResult<Vec<u8>> {
        let row = self.readable_document(actor, id).await?;
        match self.signed_document_pdf(&row).await? {
            Some(signed) => Ok(signed),
            None => self.render_document_row(&row).await,
        }
    }

    /// The body whose register is printed: the one named by its code, or, without one, the
    /// one body where the caller keeps the registers.
    async fn register_body(&self, actor: &Actor, body_code: Option<&str>) -> AppResult<OrgUnitRow> {
        if let Some(code) = body_code.map(str::trim).filter(|c| !c.is_empty()) {
            return self
                .document_body(actor, code, Permission::DocumentsManage)
                .await;
        }
        actor.require(motcua_domain::authz::Access::Staff(
            Permission::DocumentsManage,
        ))?;
        let mut paths = actor
            .principal
            .jurisdictions(Permission::DocumentsManage)
            .unwrap_or_default();
        paths.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        paths.dedup();
        match paths.as_slice() {
            [path] => self
                .store
                .list_units()
                .await?
                .into_iter()
                .find(|u| u.path == path.as_str())
                .ok_or(AppError::NotFound),
            _ => Err(AppError::invalid("body_code", "document-body-required")),
        }
    }

    /// Sổ đăng ký văn bản đến/đi of a body for a year as print data (Phụ lục IV), for its
    /// clerk: numbered documents in series and number order.
    pub async fn document_register_print(
        &self,
        actor: &Actor,
        body_code: Option<&str>,
        register: Register,
        year: i32,
    ) -> AppResult<DocumentRegister> {
        let body = self.register_body(actor, body_code).await?;
        let today = self.today();
        if !(2000..=today.year() + 1).contains(&year) {
            return Err(AppError::invalid("year", "document-year-invalid"));
        }
        let rows = self
            .store
            .document_register(body.id, register, year)
            .await?;
        let all_units = self.store.list_units().await?;
        let (parent, body, _) = Self::document_heading(&all_units, body.id)?;
        let units: std::collections::HashMap<i64, OrgUnitRow> =
            all_units.into_iter().map(|u| (u.id, u)).collect();
        let unit_name = |id: i64| units.get(&id).map(|u| u.name.clone()).unwrap_or_default();
        let entries = match register {
            Register::Incoming => RegisterEntries::Incoming(
                rows.iter()
                    .map(|row| IncomingEntry {
                        arrival_date: row.arrival_date.as_deref().and_then(parse_date),
                        arrival_number: register_number(row),
                        author: row.sender_organ.clone(),
                        code_number: row.code_number.clone().unwrap_or_default(),
                        issued_date: row.issued_date.as_deref().and_then(parse_date),
                        title: register_title(row),
                        recipient: row.lead_unit_id.map(unit_name).unwrap_or_default(),
                        note: register_note(row),
                    })
                    .collect(),
            ),
            Register::Outgoing => RegisterEntries::Outgoing(
                rows.iter()
                    .map(|row| {
                        let state = row.document()?;
                        let kept = row
                            .drafting_unit_id
                            .and_then(|id| units.get(&id))
                            .map(abbreviation);
                        let sent: Vec<String> = state
                            .recipients
                            .iter()
                            .map(|r| match r {
                                Recipient::Unit { unit_id } => unit_name(*unit_id),
                                Recipient::Agency { name, .. } => name.clone(),
                            })
                            .collect();
                        let copies = (!sent.is_empty())
                            .then(|| {
                                u32::try_from(sent.len() + 1 + usize::from(kept.is_some())).ok()
                            })
                            .flatten();
                        let recipients = if sent.is_empty() {
                            lines(row.recipient_organ.as_deref())
                        } else {
                            sent
                        };
                        Ok(OutgoingEntry {
                            code_number: row.code_number.clone().unwrap_or_default(),
                            issued_date: row.issued_date.as_deref().and_then(parse_date),
                            title: register_title(row),
                            signer: row.signer_name.clone().unwrap_or_default(),
                            recipients: recipients.join("; "),
                            kept_by: kept
                                .map_or_else(|| "VT".to_owned(), |unit| format!("VT, {unit}")),
                            copies,
                            note: register_note(row),
                        })
                    })
                    .collect::<AppResult<_>>()?,
            ),
        };
        Ok(DocumentRegister {
            parent_body: parent,
            body: body.name,
            year,
            printed_on: today,
            entries,
        })
    }

    /// [`App::document_register_print`] as PDF (A4 landscape).
    pub async fn document_register_pdf(
        &self,
        actor: &Actor,
        body_code: Option<&str>,
        register: Register,
        year: i32,
    ) -> AppResult<Vec<u8>> {
        let book = self
            .document_register_print(actor, body_code, register, year)
            .await?;
        self.render_pdf(FormDocument::DocumentRegister(book)).await
    }
}

/// "UBND phường Ninh Kiều", "Ủy ban nhân dân…", "HĐND…": bodies of local government, which
/// print no cơ quan chủ quản above their name (NĐ 30/2020 Phụ lục I).
fn is_local_government(name: &str) -> bool {
    let folded = text::fold(name);
    ["ubnd ", "uy ban nhan dan ", "hdnd ", "hoi dong nhan dan "]
        .iter()
        .any(|prefix| folded.starts_with(prefix))
}

/// Địa danh (NĐ 30/2020 Phụ lục I): for a body of a commune the commune's name ("UBND phường
/// Ninh Kiều" → "Ninh Kiều", "UBND phường 1" → "Phường 1"), otherwise the province's or
/// city's ("UBND thành phố Cần Thơ" → "Cần Thơ").
fn place_of_body(body: &OrgUnitRow, root: &str) -> String {
    if body.level == "commune" {
        for (marker, named) in [
            ("phường ", "Phường"),
            ("Phường ", "Phường"),
            ("xã ", "Xã"),
            ("Xã ", "Xã"),
            ("thị trấn ", "Thị trấn"),
            ("Thị trấn ", "Thị trấn"),
            ("đặc khu ", "Đặc khu"),
            ("Đặc khu ", "Đặc khu"),
        ] {
            if let Some((_, rest)) = body.name.split_once(marker) {
                let rest = rest.trim();
                return if rest.chars().all(|c| c.is_ascii_digit()) {
                    format!("{named} {rest}")
                } else {
                    rest.to_owned()
                };
            }
        }
    }
    crate::forms::place_of(root)
}

/// Số đến or our number in the register, the secret series marked.
fn register_number(row: &DocumentRow) -> String {
    let number = row
        .number
        .and_then(|n| u32::try_from(n).ok())
        .map(document::format_number)
        .unwrap_or_default();
    if row.series == Series::Secret.as_str() {
        format!("{number} (Mật)")
    } else {
        number
    }
}

/// "Quyết định: Về việc …" — tên loại và trích yếu.
fn register_title(row: &DocumentRow) -> String {
    let name = DocumentType::parse(&row.doc_type)
        .map(DocumentType::name_vi)
        .unwrap_or_default();
    let mut chars = name.chars();
    let name: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{name}: {}", row.subject)
}

/// Ghi chú: the urgency and secrecy marks, and a document sent back to its sender.
fn register_note(row: &DocumentRow) -> String {
    let mut notes = Vec::new();
    if let Some(stamp) = Urgency::parse(&row.urgency).and_then(Urgency::stamp) {
        notes.push(capitalise_words(stamp));
    }
    if let Some(stamp) = Secrecy::parse(&row.secrecy).and_then(Secrecy::stamp) {
        notes.push(capitalise_words(stamp));
    }
    if row.status == document::Status::Returned.as_str() {
        notes.push("Trả lại nơi gửi".to_owned());
    }
    notes.join("; ")
}

/// "HỎA TỐC" → "Hỏa tốc": a stamp as a word in a table.
fn capitalise_words(stamp: &str) -> String {
    let lower = stamp.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => lower,
    }
}

/// An action of the document page, in the order of the two flows (incoming: submit, direct,
/// assign, report done, or return to sender; outgoing by Điều 14: review, approve, the
/// signer's signature, the number, the agency's signature, distribution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentActionKind {
    /// Trình lãnh đạo.
    SubmitToLeader,
    /// Chỉ đạo: lead unit, co-units, deadline, note.
    Direct,
    /// Giao xử lý.
    Assign,
    /// Báo cáo đã giải quyết.
    ReportDone,
    /// Trả lại nơi gửi.
    ReturnToSender,
    /// Trình duyệt dự thảo.
    SendForReview,
    /// Trả lại dự thảo (with the reason).
    SendBack,
    /// Duyệt dự thảo.
    Approve,
    /// Ký số của người có thẩm quyền.
    SignPersonal,
    /// Cấp số, thời gian ban hành.
    Issue,
    /// Ký số của cơ quan (the clerk, after the number).
    SignSeal,
    /// Phát hành.
    Distribute,
}

impl DocumentActionKind {
    pub const ALL: [DocumentActionKind; 12] = [
        Self::SubmitToLeader,
        Self::Direct,
        Self::Assign,
        Self::ReportDone,
        Self::ReturnToSender,
        Self::SendForReview,
        Self::SendBack,
        Self::Approve,
        Self::SignPersonal,
        Self::Issue,
        Self::SignSeal,
        Self::Distribute,
    ];

    /// The form's `command` value and the catalogue keys' suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SubmitToLeader => "submit_to_leader",
            Self::Direct => "direct",
            Self::Assign => "assign",
            Self::ReportDone => "report_done",
            Self::ReturnToSender => "return_to_sender",
            Self::SendForReview => "send_for_review",
            Self::SendBack => "send_back",
            Self::Approve => "approve",
            Self::SignPersonal => "sign_personal",
            Self::Issue => "issue",
            Self::SignSeal => "sign_seal",
            Self::Distribute => "distribute",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// A command of this kind with placeholder data: what the state machine is asked to
    /// know whether the action is open now (the real data is checked when it is sent).
    fn probe(self) -> Command {
        let text = || "-".to_owned();
        match self {
            Self::SubmitToLeader => Command::SubmitToLeader { leader_id: 0 },
            Self::Direct => Command::Direct {
                lead_unit: 0,
                co_units: Vec::new(),
                deadline: None,
                note: String::new(),
            },
            Self::Assign => Command::Assign { specialist_id: 0 },
            Self::ReportDone => Command::ReportDone { result: text() },
            Self::ReturnToSender => Command::ReturnToSender { reason: text() },
            Self::SendForReview => Command::SendForReview,
            Self::SendBack => Command::SendBack { reason: text() },
            Self::Approve => Command::Approve,
            Self::SignPersonal => Command::Sign {
                kind: SignatureKind::Personal,
            },
            Self::Issue => Command::Issue { number: 1 },
            Self::SignSeal => Command::Sign {
                kind: SignatureKind::Seal,
            },
            Self::Distribute => Command::Distribute {
                recipients: vec![Recipient::Agency {
                    name: text(),
                    via: document::Delivery::Paper,
                }],
            },
        }
    }
}

/// The people and units a document's forms offer, and the names its page shows.
#[derive(Debug, Clone, Default)]
pub struct DocumentParties {
    /// The body (cơ quan) that holds the document.
    pub body_name: String,
    /// The body's units below it, in tree order: lead unit, co-units, distribution.
    pub units: Vec<(i64, String)>,
    /// Leaders of the body, whom the clerk submits to.
    pub leaders: Vec<(i64, String)>,
    /// Officials who may be given the document to handle (documents work over the body or
    /// the lead unit).
    pub assignees: Vec<(i64, String)>,
    /// Names of the body's officials and units by id (the assignee, the signers, the units
    /// of a direction).
    pub official_names: std::collections::BTreeMap<i64, String>,
    pub unit_names: std::collections::BTreeMap<i64, String>,
}

impl App {
    /// One register of the caller's units (bodies they hold a documents right over, or units
    /// leading a document), newest first, at most [`DOCUMENT_LIST_LIMIT`].
    pub async fn list_documents(
        &self,
        actor: &Actor,
        filter: &DocumentFilter,
    ) -> AppResult<Vec<DocumentView>> {
        let scope = Self::document_scope(actor)?;
        let rows = self
            .store
            .list_documents(filter, &scope, DOCUMENT_LIST_LIMIT)
            .await?;
        rows.iter().map(view).collect()
    }

    /// What the caller may do on the document now, in the flows' order: each action's
    /// command (with placeholder data) is put to the state machine under the role the
    /// caller would act under, so the page offers exactly what would be accepted — the data
    /// sent is checked again when the action is taken.
    pub async fn document_actions(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Vec<DocumentActionKind>> {
        let row = self.readable_document(actor, id).await?;
        let lead = self.lead_path(&row).await?;
        let state = row.document()?;
        let (now, today) = (self.now(), self.today());
        Ok(DocumentActionKind::ALL
            .into_iter()
            .filter(|kind| {
                let command = kind.probe();
                Self::document_actor(actor, &row.body_path, lead.as_ref(), &command).is_ok_and(
                    |acting| {
                        let ctx = Context {
                            actor: &acting,
                            now,
                            today,
                        };
                        document::decide(&state, &command, &ctx).is_ok()
                    },
                )
            })
            .collect())
    }

    /// Earlier registrations of the document the clerk is about to register (same
    /// số/ký hiệu, sender and year, as [`App::register_incoming`] would warn of): the page
    /// asks the clerk to confirm before registering it again. Nothing is written.
    pub async fn incoming_duplicates(
        &self,
        actor: &Actor,
        input: &IncomingRegistration,
    ) -> AppResult<Vec<DocumentView>> {
        let body = self
            .document_body(actor, &input.body_code, Permission::DocumentsManage)
            .await?;
        let code_number = text::nfc(input.code_number.trim());
        let sender = text::nfc(input.sender_organ.trim());
        if code_number.is_empty() || sender.is_empty() {
            return Ok(Vec::new());
        }
        let year = input.issued_date.unwrap_or(self.today()).year();
        let key = document::duplicate_key(&code_number, &sender, year);
        self.store
            .document_duplicates(body.id, Register::Incoming, &key)
            .await?
            .iter()
            .map(view)
            .collect()
    }

    /// The units and officials of the document's body, for its page's forms and names.
    pub async fn document_parties(&self, actor: &Actor, id: i64) -> AppResult<DocumentParties> {
        let row = self.readable_document(actor, id).await?;
        let body = OrgPath::from_stored(row.body_path.clone());
        let lead = self.lead_path(&row).await?;
        let mut parties = DocumentParties::default();
        for unit in self.store.list_units().await? {
            let path = path_of(&unit);
            if unit.id == row.body_id {
                parties.body_name = unit.name.clone();
            } else if body.contains(&path) {
                parties.units.push((unit.id, unit.name.clone()));
            }
            if body.contains(&path) || path.contains(&body) {
                parties.unit_names.insert(unit.id, unit.name);
            }
        }
        for official in self.store.list_officials(Some(&row.body_path)).await? {
            parties
                .official_names
                .insert(official.id, official.full_name.clone());
            if !official.active {
                continue;
            }
            let Some(principal) = self.official_principal(official.id).await? else {
                continue;
            };
            if let Principal::Official { assignments, .. } = &principal
                && assignments
                    .iter()
                    .any(|a| a.role == Role::Leader && a.unit_path.contains(&body))
            {
                parties
                    .leaders
                    .push((official.id, official.full_name.clone()));
            }
            if principal.may_at(Permission::DocumentsWork, &body)
                || lead
                    .as_ref()
                    .is_some_and(|l| principal.may_at(Permission::DocumentsWork, l))
            {
                parties.assignees.push((
                    official.id,
                    format!("{} — {}", official.full_name, official.unit_name),
                ));
            }
        }
        Ok(parties)
    }
}

/// Sổ đăng ký văn bản đến/đi (NĐ 30/2020 Phụ lục IV columns) as an `.xlsx` sheet: one row
/// per registered or issued document, in series and number order, dates dd/mm/yyyy.
pub fn register_xlsx(register: Register, year: i32, rows: &[DocumentView]) -> Vec<u8> {
    use crate::xlsx::Cell;
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
    let number = |v: &DocumentView| {
        let n = v.number.clone().unwrap_or_default();
        Cell::Text(if v.series == "secret" {
            format!("{n} (mật)")
        } else {
            n
        })
    };
    let title = |v: &DocumentView| {
        let name = v
            .type_name
            .chars()
            .next()
            .map_or_else(String::new, |first| {
                first
                    .to_uppercase()
                    .chain(v.type_name.chars().skip(1))
                    .collect()
            });
        Cell::Text(format!("{name}: {}", v.subject))
    };
    let (sheet, headers): (&str, &[&str]) = match register {
        Register::Incoming => (
            "Sổ văn bản đến",
            &[
                "Ngày đến",
                "Số đến",
                "Tác giả",
                "Số, ký hiệu",
                "Ngày tháng",
                "Tên loại và trích yếu nội dung",
                "Đơn vị hoặc người nhận",
                "Độ khẩn",
                "Độ mật",
                "Trạng thái",
            ],
        ),
        Register::Outgoing => (
            "Sổ văn bản đi",
            &[
                "Số, ký hiệu văn bản",
                "Ngày tháng văn bản",
                "Tên loại và trích yếu nội dung",
                "Người ký",
                "Nơi nhận văn bản",
                "Đơn vị, người nhận bản lưu",
                "Số lượng bản",
                "Độ khẩn",
                "Độ mật",
                "Trạng thái",
            ],
        ),
    };
    let mut out = vec![headers.iter().map(|h| text(h)).collect::<Vec<_>>()];
    for v in rows {
        out.push(match register {
            Register::Incoming => vec![
                text(&dmy(v.arrival_date.as_deref())),
                number(v),
                text(&v.sender_organ),
                opt(&v.code_number),
                text(&dmy(v.issued_date.as_deref())),
                title(v),
                Cell::Text(
                    v.lead_unit_id
                        .map(|u| format!("đơn vị #{u}"))
                        .unwrap_or_default(),
                ),
                text(v.urgency.as_str()),
                text(v.secrecy.as_str()),
                text(v.status.as_str()),
            ],
            Register::Outgoing => vec![
                opt(&v.code_number),
                text(&dmy(v.issued_date.as_deref())),
                title(v),
                opt(&v.signer_name),
                opt(&v.recipient_organ),
                text(document::CLERK_COPY),
                v.page_count.map_or_else(|| text(""), Cell::Number),
                text(v.urgency.as_str()),
                text(v.secrecy.as_str()),
                text(v.status.as_str()),
            ],
        });
    }
    crate::xlsx::workbook(&format!("{sheet} {year}"), &out)
}

/// 'YYYY-MM-DD' as dd/mm/yyyy.
fn dmy(day: Option<&str>) -> String {
    day.and_then(parse_date)
        .map(|d| format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()))
        .unwrap_or_default()
}

/// 'YYYY-MM-DD' to a date (forms and the API).
pub fn parse_day(value: &str) -> Option<Date> {
    parse_date(value.trim())
}
