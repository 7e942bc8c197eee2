//! What can be asked of a dossier (the closed set of [`Command`]s) and who may ask it.
//!
//! The command set is closed so the transition table in [`super::decide`] is exhaustive and the
//! compiler points at every place a new command must be handled. Who may issue a command is a
//! pure function of the actor's role ([`may_issue`]); `decide` checks it before anything else.
//! The web layer still checks jurisdiction ([`crate::authz::Principal::may_at`]) and picks the
//! role the official acts under.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::code::DossierCode;
use crate::authz::Role;
use crate::org::AgencyCode;

/// Who issues a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Actor {
    /// The applicant (công dân / tổ chức), through the portal.
    Citizen { citizen_id: i64 },
    /// An official acting under one of their roles.
    Official { official_id: i64, role: Role },
    /// A trusted integration: the national portal import, the payment gateway, the postal
    /// operator's tracking updates.
    System,
}

impl Actor {
    /// Canonical text used in the event hash chain: `citizen:7`, `official:12:leader`, `system`.
    pub fn canonical(&self) -> String {
        match self {
            Self::Citizen { citizen_id } => format!("citizen:{citizen_id}"),
            Self::Official { official_id, role } => {
                format!("official:{official_id}:{}", role.as_str())
            }
            Self::System => "system".to_owned(),
        }
    }
}

/// Hình thức trả kết quả: how the result reaches the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnMethod {
    /// Trực tiếp tại Bộ phận Một cửa.
    Counter,
    /// Qua dịch vụ bưu chính công ích.
    Post,
    /// Trực tuyến (kho dữ liệu của công dân).
    Online,
}

impl ReturnMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Post => "post",
            Self::Online => "online",
        }
    }
}

/// Everything that can be asked of a dossier. Serialised as `{"command": "forward", ...}` with
/// RFC 3339 times, for the web layer's request bodies and the store's command log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "command", deny_unknown_fields)]
pub enum Command {
    /// Nộp trực tuyến: the applicant submits a draft (status 1). The code is numbered by the
    /// store at submission.
    Submit { code: DossierCode },
    /// Tiếp nhận: at the counter (from a draft typed in there) or from the online queue. `due`
    /// comes from [`crate::calendar::WorkCalendar::due`]; `code` is required when the dossier
    /// has none yet (counter), refused when it has one.
    Receive {
        #[serde(with = "time::serde::rfc3339")]
        due: OffsetDateTime,
        code: Option<DossierCode>,
        assignee: Option<i64>,
        /// Ngày dấu bưu điện: a dossier sent by post counts from its postmark (vn-legal §4,
        /// §15), so `due` was computed from this date; recorded in the event. The desk types it
        /// for a parcel registered at the counter; for a dossier registered online whose papers
        /// the postman collected, it is the day the operator took the parcel (never before the
        /// registration). Never after today.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postmark: Option<Date>,
    },
    /// Yêu cầu bổ sung (Mẫu 02): at reception, or during processing (the clock pauses).
    RequestSupplement {
        missing: Vec<String>,
        reason: String,
        /// Hạn bổ sung: the day by which the applicant is asked to supplement, printed on
        /// Mẫu 02 and told in the notice; after today (Vietnam time) when given. Written as an
        /// ISO date here and recorded in the event as `due_by` (ISO date).
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "crate::procedure::dates::iso_date::option"
        )]
        due_by: Option<Date>,
    },
    /// Bổ sung xong. During processing `new_due` is required and comes from
    /// [`crate::calendar::WorkCalendar::resume`]; at reception it must be `None`.
    SupplementProvided {
        #[serde(with = "time::serde::rfc3339::option")]
        new_due: Option<OffsetDateTime>,
    },
    /// Từ chối tiếp nhận (Mẫu 03).
    Refuse { reasons: Vec<String> },
    /// Chuyển bước: to a later step.
    Forward {
        to_step: usize,
        assignee: Option<i64>,
    },
    /// Trả lại: to an earlier step, with a reason; clears approval and signature.
    Return {
        to_step: usize,
        reason: String,
        assignee: Option<i64>,
    },
    /// Xin ý kiến: ask another unit for an opinion; the dossier stays where it is.
    Consult { unit: String, question: String },
    /// Liên thông: send the dossier to another agency for its part.
    Transfer {
        to_agency: AgencyCode,
        reason: String,
    },
    /// Yêu cầu thực hiện nghĩa vụ tài chính (status 6, clock paused).
    RequireFinancialObligation {
        description: String,
        /// The amount to pay in đồng, when the official sets it (a fee the catalogue marks
        /// conditional, a tax figure); without it the procedure's fees are due.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        amount_vnd: Option<i64>,
    },
    /// Đã thực hiện nghĩa vụ tài chính: back to processing. `new_due` from
    /// [`crate::calendar::WorkCalendar::resume`] (or the current due when the procedure counts
    /// the payment time).
    ObligationPaid {
        #[serde(with = "time::serde::rfc3339")]
        new_due: OffsetDateTime,
    },
    /// Phê duyệt.
    Approve,
    /// Ký số kết quả.
    Sign,
    /// Chuyển kết quả về một cửa (status 9).
    Resolve,
    /// Trả kết quả: status 10 at once at the counter or online; by post the result is handed
    /// to the postal operator and the dossier stays 9 until the operator reports delivery
    /// ([`Command::ConfirmDelivery`]).
    ReturnResult { method: ReturnMethod },
    /// Đã gửi bưu chính: the postal operator accepted the shipment of the posted result, under
    /// this tracking number (mã vận đơn) and fee in đồng.
    RecordShipment {
        tracking_number: String,
        fee_vnd: i64,
    },
    /// Đã phát thành công: the operator delivered the posted result (status 10). `delivered_at`
    /// is the operator's delivery time; the return time is that time, kept between the posting
    /// and the command's own time (the operator's clock is not ours).
    ConfirmDelivery {
        tracking_number: String,
        #[serde(with = "time::serde::rfc3339")]
        delivered_at: OffsetDateTime,
    },
    /// Chuyển hoàn: the operator could not deliver and returned the parcel to the agency; the
    /// result is back at the desk (status 9), to be returned again at the counter or by post.
    RecordReturnToSender {
        tracking_number: String,
        note: String,
    },
    /// Rút hồ sơ at the applicant's request (status 7).
    Withdraw { reason: String },
    /// Dừng xử lý (status 8, Mẫu 05).
    Stop { reason: String },
    /// Xin lỗi và hẹn lại (Mẫu 04): once, before the current due time.
    Extend {
        #[serde(with = "time::serde::rfc3339")]
        new_due: OffsetDateTime,
        reason: String,
    },
}

/// The kind of a command, without its data: used in the permission table and in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    Submit,
    Receive,
    RequestSupplement,
    SupplementProvided,
    Refuse,
    Forward,
    Return,
    Consult,
    Transfer,
    RequireFinancialObligation,
    ObligationPaid,
    Approve,
    Sign,
    Resolve,
    ReturnResult,
    Withdraw,
    Stop,
    Extend,
    RecordShipment,
    ConfirmDelivery,
    RecordReturnToSender,
}

impl CommandKind {
    pub const ALL: [CommandKind; 21] = [
        Self::Submit,
        Self::Receive,
        Self::RequestSupplement,
        Self::SupplementProvided,
        Self::Refuse,
        Self::Forward,
        Self::Return,
        Self::Consult,
        Self::Transfer,
        Self::RequireFinancialObligation,
        Self::ObligationPaid,
        Self::Approve,
        Self::Sign,
        Self::Resolve,
        Self::ReturnResult,
        Self::Withdraw,
        Self::Stop,
        Self::Extend,
        Self::RecordShipment,
        Self::ConfirmDelivery,
        Self::RecordReturnToSender,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Receive => "receive",
            Self::RequestSupplement => "request_supplement",
            Self::SupplementProvided => "supplement_provided",
            Self::Refuse => "refuse",
            Self::Forward => "forward",
            Self::Return => "return",
            Self::Consult => "consult",
            Self::Transfer => "transfer",
            Self::RequireFinancialObligation => "require_financial_obligation",
            Self::ObligationPaid => "obligation_paid",
            Self::Approve => "approve",
            Self::Sign => "sign",
            Self::Resolve => "resolve",
            Self::ReturnResult => "return_result",
            Self::Withdraw => "withdraw",
            Self::Stop => "stop",
            Self::Extend => "extend",
            Self::RecordShipment => "record_shipment",
            Self::ConfirmDelivery => "confirm_delivery",
            Self::RecordReturnToSender => "record_return_to_sender",
        }
    }

    /// Commands worked at a workflow step: the actor's role must be the current step's role.
    pub fn is_step_work(self) -> bool {
        matches!(
            self,
            Self::Forward
                | Self::Return
                | Self::Consult
                | Self::Transfer
                | Self::Approve
                | Self::Sign
                | Self::Resolve
                | Self::RequireFinancialObligation
        )
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Submit { .. } => CommandKind::Submit,
            Self::Receive { .. } => CommandKind::Receive,
            Self::RequestSupplement { .. } => CommandKind::RequestSupplement,
            Self::SupplementProvided { .. } => CommandKind::SupplementProvided,
            Self::Refuse { .. } => CommandKind::Refuse,
            Self::Forward { .. } => CommandKind::Forward,
            Self::Return { .. } => CommandKind::Return,
            Self::Consult { .. } => CommandKind::Consult,
            Self::Transfer { .. } => CommandKind::Transfer,
            Self::RequireFinancialObligation { .. } => CommandKind::RequireFinancialObligation,
            Self::ObligationPaid { .. } => CommandKind::ObligationPaid,
            Self::Approve => CommandKind::Approve,
            Self::Sign => CommandKind::Sign,
            Self::Resolve => CommandKind::Resolve,
            Self::ReturnResult { .. } => CommandKind::ReturnResult,
            Self::Withdraw { .. } => CommandKind::Withdraw,
            Self::Stop { .. } => CommandKind::Stop,
            Self::Extend { .. } => CommandKind::Extend,
            Self::RecordShipment { .. } => CommandKind::RecordShipment,
            Self::ConfirmDelivery { .. } => CommandKind::ConfirmDelivery,
            Self::RecordReturnToSender { .. } => CommandKind::RecordReturnToSender,
        }
    }
}

/// Whether an official in `role` may issue `command` at all (before state and step checks).
///
/// | role | commands |
/// |---|---|
/// | reception | receive, refuse, request supplement (at reception), supplement provided (at the counter), obligation paid (cash at the counter), return result, withdraw (written request at the counter) |
/// | specialist | forward, return, consult, transfer, request supplement, require financial obligation, resolve |
/// | unit head | as specialist, plus approve and sign |
/// | leader | as unit head, plus extend and stop |
/// | clerk (văn thư) | forward, resolve (issuing the signed result) |
/// | admin, inspector | nothing |
pub fn role_may_issue(role: Role, command: CommandKind) -> bool {
    use CommandKind as C;
    let processing = matches!(
        command,
        C::Forward
            | C::Return
            | C::Consult
            | C::Transfer
            | C::RequestSupplement
            | C::RequireFinancialObligation
            | C::Resolve
    );
    match role {
        Role::Reception => matches!(
            command,
            C::Receive
                | C::Refuse
                | C::RequestSupplement
                | C::SupplementProvided
                | C::ObligationPaid
                | C::ReturnResult
                | C::Withdraw
        ),
        Role::Specialist => processing,
        Role::UnitHead => processing || matches!(command, C::Approve | C::Sign),
        Role::Leader => processing || matches!(command, C::Approve | C::Sign | C::Extend | C::Stop),
        Role::Clerk => matches!(command, C::Forward | C::Resolve),
        Role::Admin | Role::Inspector => false,
    }
}

/// Whether `actor` may issue `command` at all. Citizens submit, provide supplements and
/// withdraw; the system submits (imported from the national portal), confirms payments and
/// records what the postal operator reports (shipment, delivery, return to sender), which no
/// official may; officials as [`role_may_issue`].
pub fn may_issue(actor: &Actor, command: CommandKind) -> bool {
    match actor {
        Actor::Citizen { .. } => matches!(
            command,
            CommandKind::Submit | CommandKind::SupplementProvided | CommandKind::Withdraw
        ),
        Actor::System => matches!(
            command,
            CommandKind::Submit
                | CommandKind::ObligationPaid
                | CommandKind::RecordShipment
                | CommandKind::ConfirmDelivery
                | CommandKind::RecordReturnToSender
        ),
        Actor::Official { role, .. } => role_may_issue(*role, command),
    }
}
