//! The lives of an official document, as one pure state machine.
//!
//! [`decide`] takes the state, a command and the context (actor, now, the Vietnamese today)
//! and returns the new state, one hash-chained [`Event`] and the [`Effect`]s; a refused command
//! changes nothing. The chain is the dossier timeline's (same canonical field encoding, same
//! SHA-256 links, [`verify_chain`]), under its own tag.
//!
//! | command | who | from | to |
//! |---|---|---|---|
//! | register (số đến) | clerk | — | registered |
//! | submit to leader | clerk | registered | submitted |
//! | return to sender (reason) | clerk | registered, submitted | returned |
//! | direct (lead unit, co-units, deadline ≥ today, note) | leader | submitted, directed, in handling | directed |
//! | assign (specialist) | unit head, leader | directed, in handling | in handling |
//! | report done (result) | the assignee (specialist, unit head, leader) | in handling | done |
//! | draft | specialist, unit head, leader | — | draft |
//! | send for review | the drafter | draft | in review |
//! | send back (reason) | unit head, leader | in review | draft |
//! | approve | unit head, leader | in review | approved |
//! | sign personal | leader | approved | signed |
//! | sign seal | clerk | signed (personal signature present) | signed |
//! | issue (number) | clerk | signed | issued |
//! | distribute (recipients) | clerk | issued, distributed | distributed |
//!
//! Done, returned and a signature already given are final: nothing leaves done or returned,
//! and each kind of signature is given once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::number::Register;
use crate::authz::Role;
use crate::dossier::Actor;
use crate::dossier::event::{ChainError, GENESIS, chain_digest, put, to_hex, verify_links};

/// Where a document stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Đã vào sổ văn bản đến.
    Registered,
    /// Đã trình lãnh đạo.
    Submitted,
    /// Đã có ý kiến chỉ đạo.
    Directed,
    /// Đang giải quyết.
    InHandling,
    /// Đã giải quyết.
    Done,
    /// Trả lại nơi gửi (gửi nhầm, không hợp lệ).
    Returned,
    /// Dự thảo.
    Draft,
    /// Đang trình duyệt.
    InReview,
    /// Đã duyệt.
    Approved,
    /// Đã ký.
    Signed,
    /// Đã cấp số, ban hành.
    Issued,
    /// Đã phát hành.
    Distributed,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Self::Registered,
        Self::Submitted,
        Self::Directed,
        Self::InHandling,
        Self::Done,
        Self::Returned,
        Self::Draft,
        Self::InReview,
        Self::Approved,
        Self::Signed,
        Self::Issued,
        Self::Distributed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Submitted => "submitted",
            Self::Directed => "directed",
            Self::InHandling => "in_handling",
            Self::Done => "done",
            Self::Returned => "returned",
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Approved => "approved",
            Self::Signed => "signed",
            Self::Issued => "issued",
            Self::Distributed => "distributed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The register a status belongs to.
    pub fn register(self) -> Register {
        match self {
            Self::Registered
            | Self::Submitted
            | Self::Directed
            | Self::InHandling
            | Self::Done
            | Self::Returned => Register::Incoming,
            _ => Register::Outgoing,
        }
    }

    /// Still to be dealt with (counts for deadlines and the overdue list).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Registered | Self::Submitted | Self::Directed | Self::InHandling
        )
    }
}

/// Chữ ký số cá nhân (the signer) or của cơ quan (the seal, given by the clerk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    Personal,
    Seal,
}

impl SignatureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Seal => "seal",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "personal" => Some(Self::Personal),
            "seal" => Some(Self::Seal),
            _ => None,
        }
    }
}

/// A signature recorded on the document (the PDF signature itself is the signing crate's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub kind: SignatureKind,
    pub official_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// How a copy leaves: to a unit of the body, or to another agency by e-mail or on paper
/// (until the inter-agency exchange carries it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Recipient {
    Unit { unit_id: i64 },
    Agency { name: String, via: Delivery },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Email,
    Paper,
}

impl Recipient {
    /// Canonical text for the event data: `unit:12`, `email:Sở Tư pháp`, `paper:…`.
    pub fn canonical(&self) -> String {
        match self {
            Self::Unit { unit_id } => format!("unit:{unit_id}"),
            Self::Agency { name, via } => format!(
                "{}:{}",
                match via {
                    Delivery::Email => "email",
                    Delivery::Paper => "paper",
                },
                name.trim()
            ),
        }
    }
}

/// The copy the clerk keeps ("Lưu: VT"), recorded with every distribution.
pub const CLERK_COPY: &str = "Lưu: VT";

/// The state of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// `None` before the first command (register or draft).
    pub status: Option<Status>,
    /// Submitted to (the leader).
    pub leader: Option<i64>,
    /// The drafter of an outgoing document, the handling specialist of an incoming one.
    pub assignee: Option<i64>,
    pub lead_unit: Option<i64>,
    pub co_units: Vec<i64>,
    pub deadline: Option<Date>,
    pub signatures: Vec<Signature>,
    /// The register number: số đến (incoming) or the issued number (outgoing).
    pub number: Option<u32>,
    /// Every recipient a copy went to.
    pub recipients: Vec<Recipient>,
    pub last_seq: u64,
    pub last_at: Option<OffsetDateTime>,
    pub head: [u8; 32],
}

impl Document {
    pub fn new() -> Self {
        Self {
            status: None,
            leader: None,
            assignee: None,
            lead_unit: None,
            co_units: Vec::new(),
            deadline: None,
            signatures: Vec::new(),
            number: None,
            recipients: Vec::new(),
            last_seq: 0,
            last_at: None,
            head: GENESIS,
        }
    }

    pub fn signed(&self, kind: SignatureKind) -> bool {
        self.signatures.iter().any(|s| s.kind == kind)
    }

    /// Past its deadline on `today` and not dealt with.
    pub fn overdue(&self, today: Date) -> bool {
        self.status.is_some_and(Status::is_open) && self.deadline.is_some_and(|d| d < today)
    }
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

/// The closed set of commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Register {
        arrival_number: u32,
    },
    SubmitToLeader {
        leader_id: i64,
    },
    ReturnToSender {
        reason: String,
    },
    Direct {
        lead_unit: i64,
        co_units: Vec<i64>,
        deadline: Option<Date>,
        note: String,
    },
    Assign {
        specialist_id: i64,
    },
    ReportDone {
        result: String,
    },
    Draft,
    SendForReview,
    SendBack {
        reason: String,
    },
    Approve,
    Sign {
        kind: SignatureKind,
    },
    Issue {
        number: u32,
    },
    Distribute {
        recipients: Vec<Recipient>,
    },
}

/// A command's name (events, permissions, catalogue keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    Register,
    SubmitToLeader,
    ReturnToSender,
    Direct,
    Assign,
    ReportDone,
    Draft,
    SendForReview,
    SendBack,
    Approve,
    Sign,
    Issue,
    Distribute,
}

impl CommandKind {
    pub const ALL: [CommandKind; 13] = [
        Self::Register,
        Self::SubmitToLeader,
        Self::ReturnToSender,
        Self::Direct,
        Self::Assign,
        Self::ReportDone,
        Self::Draft,
        Self::SendForReview,
        Self::SendBack,
        Self::Approve,
        Self::Sign,
        Self::Issue,
        Self::Distribute,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SubmitToLeader => "submit_to_leader",
            Self::ReturnToSender => "return_to_sender",
            Self::Direct => "direct",
            Self::Assign => "assign",
            Self::ReportDone => "report_done",
            Self::Draft => "draft",
            Self::SendForReview => "send_for_review",
            Self::SendBack => "send_back",
            Self::Approve => "approve",
            Self::Sign => "sign",
            Self::Issue => "issue",
            Self::Distribute => "distribute",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Register { .. } => CommandKind::Register,
            Self::SubmitToLeader { .. } => CommandKind::SubmitToLeader,
            Self::ReturnToSender { .. } => CommandKind::ReturnToSender,
            Self::Direct { .. } => CommandKind::Direct,
            Self::Assign { .. } => CommandKind::Assign,
            Self::ReportDone { .. } => CommandKind::ReportDone,
            Self::Draft => CommandKind::Draft,
            Self::SendForReview => CommandKind::SendForReview,
            Self::SendBack { .. } => CommandKind::SendBack,
            Self::Approve => CommandKind::Approve,
            Self::Sign { .. } => CommandKind::Sign,
            Self::Issue { .. } => CommandKind::Issue,
            Self::Distribute { .. } => CommandKind::Distribute,
        }
    }
}

/// Who may issue which command (the signature kind matters: a leader signs, the clerk seals).
pub fn role_may_issue(role: Role, command: &Command) -> bool {
    use CommandKind as K;
    let kind = command.kind();
    match role {
        Role::Clerk => {
            matches!(
                kind,
                K::Register | K::SubmitToLeader | K::ReturnToSender | K::Issue | K::Distribute
            ) || matches!(
                command,
                Command::Sign {
                    kind: SignatureKind::Seal
                }
            )
        }
        Role::Leader => {
            matches!(
                kind,
                K::Direct
                    | K::Assign
                    | K::ReportDone
                    | K::Draft
                    | K::SendForReview
                    | K::SendBack
                    | K::Approve
            ) || matches!(
                command,
                Command::Sign {
                    kind: SignatureKind::Personal
                }
            )
        }
        Role::UnitHead => matches!(
            kind,
            K::Assign | K::ReportDone | K::Draft | K::SendForReview | K::SendBack | K::Approve
        ),
        Role::Specialist => matches!(kind, K::ReportDone | K::Draft | K::SendForReview),
        Role::Reception | Role::Admin | Role::Inspector => false,
    }
}

/// [`role_may_issue`] for an actor: officials by the role they act under; nobody else.
pub fn may_issue(actor: &Actor, command: &Command) -> bool {
    match actor {
        Actor::Official { role, .. } => role_may_issue(*role, command),
        Actor::Citizen { .. } | Actor::System => false,
    }
}

/// What `decide` is told besides the state and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a Actor,
    pub now: OffsetDateTime,
    /// The Vietnamese calendar day of `now` (deadlines are days).
    pub today: Date,
}

/// A refused command (stable codes in [`TransitionError::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("{} is not allowed while the document is {}", command.as_str(), status.map_or("new", Status::as_str))]
    NotAllowedInState {
        command: CommandKind,
        status: Option<Status>,
    },
    #[error("this actor may not {}", command.as_str())]
    RoleNotAllowed { command: CommandKind },
    #[error("only the official the document is with may do this")]
    NotAssignee,
    #[error("{field} is required")]
    Required { field: &'static str },
    #[error("the deadline is before today")]
    DeadlineInPast,
    #[error("the lead unit is also a co-unit")]
    LeadIsCoUnit,
    #[error("this signature was already given")]
    AlreadySigned,
    #[error("the personal signature comes first")]
    PersonalSignatureFirst,
    #[error("the number is taken before the agency signs")]
    NumberFirst,
    #[error("the agency signs before the document is sent")]
    SealFirst,
    #[error("the number must be positive")]
    BadNumber,
    #[error("the clock is before the last event")]
    ClockBeforeLastEvent,
}

impl TransitionError {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NotAllowedInState { .. } => "document-not-allowed-in-state",
            Self::RoleNotAllowed { .. } => "document-role-not-allowed",
            Self::NotAssignee => "document-not-assignee",
            Self::Required { .. } => "document-required",
            Self::DeadlineInPast => "document-deadline-past",
            Self::LeadIsCoUnit => "document-lead-is-co-unit",
            Self::AlreadySigned => "document-already-signed",
            Self::PersonalSignatureFirst => "document-personal-signature-first",
            Self::NumberFirst => "document-number-first",
            Self::SealFirst => "document-seal-first",
            Self::BadNumber => "document-bad-number",
            Self::ClockBeforeLastEvent => "document-clock-before-last-event",
        }
    }
}

/// One entry of a document's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub kind: CommandKind,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub reason: String,
    pub data: BTreeMap<String, String>,
    pub hash: String,
}

/// Version tag of the canonical bytes.
pub const CANONICAL_TAG: &str = "motcua-document-event-v1";

impl Event {
    /// The dossier layout ([`crate::dossier::Event::canonical_bytes`]) under
    /// [`CANONICAL_TAG`], statuses by name.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        put(&mut out, CANONICAL_TAG);
        put(&mut out, &self.seq.to_string());
        put(&mut out, &self.at.unix_timestamp_nanos().to_string());
        put(&mut out, &self.actor.canonical());
        put(&mut out, self.kind.as_str());
        put(&mut out, self.from_status.map_or("", Status::as_str));
        put(&mut out, self.to_status.as_str());
        put(&mut out, &self.reason);
        put(&mut out, &self.data.len().to_string());
        for (key, value) in &self.data {
            put(&mut out, key);
            put(&mut out, value);
        }
        out
    }
}

/// Checks a whole document timeline.
///
/// # Errors
/// The first event out of sequence or whose hash does not match.
pub fn verify_chain(events: &[Event]) -> std::result::Result<[u8; 32], ChainError> {
    verify_links(
        events
            .iter()
            .map(|e| (e.seq, e.canonical_bytes(), e.hash.as_str())),
    )
}

/// What must happen outside the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell an official that the document waits for them (template = the command).
    NotifyOfficial {
        official_id: i64,
        template: CommandKind,
    },
    /// Tell a unit's officials (lead and co-units of a direction).
    NotifyUnit { unit_id: i64, template: CommandKind },
    /// Send a copy out (to another agency by e-mail or paper, or to a unit).
    Deliver { recipient: Recipient },
}

/// The outcome of an accepted command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub new_state: Document,
    pub event: Event,
    pub effects: Vec<Effect>,
}

type Result<T> = std::result::Result<T, TransitionError>;

fn required(text: &str, field: &'static str) -> Result<String> {
    let text = crate::text::nfc(text.trim());
    if text.is_empty() {
        Err(TransitionError::Required { field })
    } else {
        Ok(text)
    }
}

/// Decides a command against a document (see the module table).
///
/// # Errors
/// The actor may not issue it, the document is not in a state that allows it, or its data is
/// incomplete or inconsistent.
pub fn decide(doc: &Document, command: &Command, ctx: &Context<'_>) -> Result<Decision> {
    use Status as S;
    let kind = command.kind();
    if doc.last_at.is_some_and(|last| ctx.now < last) {
        return Err(TransitionError::ClockBeforeLastEvent);
    }
    if !may_issue(ctx.actor, command) {
        return Err(TransitionError::RoleNotAllowed { command: kind });
    }
    let actor_id = match ctx.actor {
        Actor::Official { official_id, .. } => Some(*official_id),
        _ => None,
    };
    let actor_role = match ctx.actor {
        Actor::Official { role, .. } => Some(*role),
        _ => None,
    };
    let refuse = || TransitionError::NotAllowedInState {
        command: kind,
        status: doc.status,
    };
    let mut next = doc.clone();
    let mut reason = String::new();
    let mut data = BTreeMap::new();
    let mut effects = Vec::new();
    let to = match (command, doc.status) {
        (Command::Register { arrival_number }, None) => {
            if *arrival_number == 0 {
                return Err(TransitionError::BadNumber);
            }
            next.number = Some(*arrival_number);
            data.insert("arrival_number".into(), arrival_number.to_string());
            S::Registered
        }
        (Command::SubmitToLeader { leader_id }, Some(S::Registered)) => {
            next.leader = Some(*leader_id);
            data.insert("leader".into(), leader_id.to_string());
            effects.push(Effect::NotifyOfficial {
                official_id: *leader_id,
                template: kind,
            });
            S::Submitted
        }
        (Command::ReturnToSender { reason: why }, Some(S::Registered | S::Submitted)) => {
            reason = required(why, "reason")?;
            S::Returned
        }
        (
            Command::Direct {
                lead_unit,
                co_units,
                deadline,
                note,
            },
            Some(S::Submitted | S::Directed | S::InHandling),
        ) => {
            if co_units.contains(lead_unit) {
                return Err(TransitionError::LeadIsCoUnit);
            }
            if deadline.is_some_and(|d| d < ctx.today) {
                return Err(TransitionError::DeadlineInPast);
            }
            let mut co = co_units.clone();
            co.sort_unstable();
            co.dedup();
            next.lead_unit = Some(*lead_unit);
            next.co_units = co.clone();
            next.deadline = *deadline;
            next.assignee = None;
            reason = crate::text::nfc(note.trim());
            data.insert("lead_unit".into(), lead_unit.to_string());
            data.insert(
                "co_units".into(),
                co.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
            );
            if let Some(d) = deadline {
                data.insert("deadline".into(), d.to_string());
            }
            effects.push(Effect::NotifyUnit {
                unit_id: *lead_unit,
                template: kind,
            });
            effects.extend(co.iter().map(|unit_id| Effect::NotifyUnit {
                unit_id: *unit_id,
                template: kind,
            }));
            S::Directed
        }
        (Command::Assign { specialist_id }, Some(S::Directed | S::InHandling)) => {
            next.assignee = Some(*specialist_id);
            data.insert("assignee".into(), specialist_id.to_string());
            effects.push(Effect::NotifyOfficial {
                official_id: *specialist_id,
                template: kind,
            });
            S::InHandling
        }
        (Command::ReportDone { result }, Some(S::InHandling)) => {
            if actor_role == Some(Role::Specialist) && doc.assignee != actor_id {
                return Err(TransitionError::NotAssignee);
            }
            reason = required(result, "result")?;
            S::Done
        }
        (Command::Draft, None) => {
            next.assignee = actor_id;
            S::Draft
        }
        (Command::SendForReview, Some(S::Draft)) => {
            if doc.assignee != actor_id {
                return Err(TransitionError::NotAssignee);
            }
            S::InReview
        }
        (Command::SendBack { reason: why }, Some(S::InReview)) => {
            reason = required(why, "reason")?;
            if let Some(drafter) = doc.assignee {
                effects.push(Effect::NotifyOfficial {
                    official_id: drafter,
                    template: kind,
                });
            }
            S::Draft
        }
        (Command::Approve, Some(S::InReview)) => S::Approved,
        // Điều 14 for electronic documents: the signer signs the approved draft, the clerk
        // takes the number and the time (cấp số, thời gian), then signs with the agency's
        // certificate (ký số của cơ quan) the numbered document, then sends it out.
        (
            Command::Sign {
                kind: SignatureKind::Personal,
            },
            Some(S::Approved | S::Signed | S::Issued),
        ) => {
            if doc.signed(SignatureKind::Personal) {
                return Err(TransitionError::AlreadySigned);
            }
            if doc.status != Some(S::Approved) {
                return Err(refuse());
            }
            next.signatures.push(Signature {
                kind: SignatureKind::Personal,
                official_id: actor_id.unwrap_or_default(),
                at: ctx.now,
            });
            data.insert("signature".into(), SignatureKind::Personal.as_str().into());
            S::Signed
        }
        (
            Command::Sign {
                kind: SignatureKind::Seal,
            },
            Some(S::Approved | S::Signed | S::Issued),
        ) => {
            if doc.signed(SignatureKind::Seal) {
                return Err(TransitionError::AlreadySigned);
            }
            if !doc.signed(SignatureKind::Personal) {
                return Err(TransitionError::PersonalSignatureFirst);
            }
            if doc.status != Some(S::Issued) {
                return Err(TransitionError::NumberFirst);
            }
            next.signatures.push(Signature {
                kind: SignatureKind::Seal,
                official_id: actor_id.unwrap_or_default(),
                at: ctx.now,
            });
            data.insert("signature".into(), SignatureKind::Seal.as_str().into());
            S::Issued
        }
        (Command::Issue { number }, Some(S::Signed)) => {
            if *number == 0 {
                return Err(TransitionError::BadNumber);
            }
            next.number = Some(*number);
            data.insert("number".into(), number.to_string());
            S::Issued
        }
        (Command::Distribute { recipients }, Some(S::Issued | S::Distributed)) => {
            if !doc.signed(SignatureKind::Seal) {
                return Err(TransitionError::SealFirst);
            }
            if recipients.is_empty() {
                return Err(TransitionError::Required {
                    field: "recipients",
                });
            }
            for recipient in recipients {
                if let Recipient::Agency { name, .. } = recipient {
                    required(name, "recipients")?;
                }
            }
            data.insert(
                "recipients".into(),
                recipients
                    .iter()
                    .map(Recipient::canonical)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            data.insert("kept".into(), CLERK_COPY.into());
            next.recipients.extend(recipients.iter().cloned());
            effects.extend(recipients.iter().map(|r| Effect::Deliver {
                recipient: r.clone(),
            }));
            S::Distributed
        }
        _ => return Err(refuse()),
    };
    next.status = Some(to);
    next.last_seq = doc.last_seq + 1;
    next.last_at = Some(ctx.now);
    let mut event = Event {
        seq: next.last_seq,
        at: ctx.now,
        actor: ctx.actor.clone(),
        kind,
        from_status: doc.status,
        to_status: to,
        reason,
        data,
        hash: String::new(),
    };
    let digest = chain_digest(&doc.head, &event.canonical_bytes());
    event.hash = to_hex(&digest);
    next.head = digest;
    Ok(Decision {
        new_state: next,
        event,
        effects,
    })
}
