//! Payments of fees and charges (thanh toán phí, lệ phí): what is due for a dossier, and the
//! life of one payment attempt.
//!
//! A payment attempt is its own aggregate, apart from the dossier's workflow: it is created
//! with its amount frozen, a unique merchant reference and an expiry, and only these
//! transitions change it:
//!
//! | from | transition | to |
//! |---|---|---|
//! | pending | verified gateway confirmation, amount equal | paid |
//! | pending | verified gateway report of failure | failed |
//! | pending | expiry passed | expired |
//! | pending | cancelled by the payer or an official | cancelled |
//! | paid | refunded by an official (through the gateway where it can) | refunded |
//!
//! Every other pair is refused, and a repeat of what already happened is told apart from a
//! conflict so the gateway hears "already confirmed" rather than an error. A counter payment
//! (cash or card terminal at the desk) is created paid.

use crate::procedure::{Channel, FeeKind, Procedure};
use time::OffsetDateTime;

#[cfg(test)]
#[path = "payment_tests.rs"]
mod tests;

/// The states of a payment attempt (Chờ thanh toán, Đã thanh toán, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentState {
    Pending,
    Paid,
    Failed,
    Expired,
    Cancelled,
    Refunded,
}

impl PaymentState {
    pub const ALL: [PaymentState; 6] = [
        Self::Pending,
        Self::Paid,
        Self::Failed,
        Self::Expired,
        Self::Cancelled,
        Self::Refunded,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Failed => "failed",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Nothing but a refund follows: the attempt is over.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Paid)
    }
}

/// How the money is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    /// The national payment platform (Nền tảng thanh toán của Cổng DVCQG).
    PayGov,
    VnPay,
    /// Tiền mặt at the desk.
    Cash,
    /// A card terminal (máy POS) at the desk.
    Pos,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [Self::PayGov, Self::VnPay, Self::Cash, Self::Pos];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PayGov => "paygov",
            Self::VnPay => "vnpay",
            Self::Cash => "cash",
            Self::Pos => "pos",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Paid through a gateway, so only a verified confirmation settles it.
    pub fn is_online(self) -> bool {
        matches!(self, Self::PayGov | Self::VnPay)
    }
}

/// What a payment pays for: the fees due at submission, or one financial obligation (status 6),
/// named by the sequence number of the dossier event that raised it. One dossier pays each
/// purpose once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentPurpose {
    Submission,
    Obligation { event_seq: u64 },
}

impl PaymentPurpose {
    /// The stored form: `submission` or `obligation:<seq>`.
    pub fn to_stored(self) -> String {
        match self {
            Self::Submission => "submission".to_owned(),
            Self::Obligation { event_seq } => format!("obligation:{event_seq}"),
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        if value == "submission" {
            return Some(Self::Submission);
        }
        let seq = value.strip_prefix("obligation:")?.parse().ok()?;
        Some(Self::Obligation { event_seq: seq })
    }
}

/// A change asked of a payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentTransition {
    /// The gateway confirmed, with a verified signature, that it took `amount_vnd`.
    Confirm {
        amount_vnd: i64,
        gateway_transaction: String,
    },
    /// The gateway reported, with a verified signature, that the attempt failed.
    Fail {
        code: String,
    },
    /// The expiry passed without a confirmation.
    Expire,
    Cancel,
    Refund,
}

/// Why a transition changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentRefusal {
    /// The same thing already happened (a duplicate confirmation, a second cancel).
    #[error("already in this state")]
    AlreadyDone,
    /// The gateway confirms a different amount from the one frozen at creation.
    #[error("amount {given} does not match {expected}")]
    AmountMismatch { expected: i64, given: i64 },
    /// The attempt is over (expired, cancelled, failed) or not paid (for a refund).
    #[error("not allowed from {0:?}")]
    NotAllowed(PaymentState),
    /// The expiry has not passed yet.
    #[error("not expired yet")]
    NotExpired,
}

/// The part of a payment attempt the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFacts {
    pub state: PaymentState,
    pub amount_vnd: i64,
    pub expires_at: OffsetDateTime,
    /// The gateway's transaction number once paid.
    pub gateway_transaction: Option<String>,
}

/// The one rule for every change of a payment attempt.
pub fn decide_payment(
    facts: &PaymentFacts,
    transition: &PaymentTransition,
    now: OffsetDateTime,
) -> Result<PaymentState, PaymentRefusal> {
    use PaymentState as S;
    match (facts.state, transition) {
        (
            S::Pending,
            PaymentTransition::Confirm {
                amount_vnd: given, ..
            },
        ) => {
            // Still pending past its expiry means the expiry job has not asked the gateway
            // yet; the money was taken, so it is recorded. Once expired, a confirmation
            // changes nothing and reconciliation flags it for a refund.
            if *given != facts.amount_vnd {
                return Err(PaymentRefusal::AmountMismatch {
                    expected: facts.amount_vnd,
                    given: *given,
                });
            }
            Ok(S::Paid)
        }
        (
            S::Paid | S::Refunded,
            PaymentTransition::Confirm {
                amount_vnd,
                gateway_transaction,
            },
        ) => {
            if *amount_vnd != facts.amount_vnd {
                return Err(PaymentRefusal::AmountMismatch {
                    expected: facts.amount_vnd,
                    given: *amount_vnd,
                });
            }
            if facts.gateway_transaction.as_deref() == Some(gateway_transaction.as_str()) {
                Err(PaymentRefusal::AlreadyDone)
            } else {
                Err(PaymentRefusal::NotAllowed(facts.state))
            }
        }
        (S::Pending, PaymentTransition::Fail { .. }) => Ok(S::Failed),
        (S::Failed, PaymentTransition::Fail { .. }) => Err(PaymentRefusal::AlreadyDone),
        (S::Pending, PaymentTransition::Expire) => {
            if now < facts.expires_at {
                Err(PaymentRefusal::NotExpired)
            } else {
                Ok(S::Expired)
            }
        }
        (S::Expired, PaymentTransition::Expire) => Err(PaymentRefusal::AlreadyDone),
        (S::Pending, PaymentTransition::Cancel) => Ok(S::Cancelled),
        (S::Cancelled, PaymentTransition::Cancel) => Err(PaymentRefusal::AlreadyDone),
        (S::Paid, PaymentTransition::Refund) => Ok(S::Refunded),
        (S::Refunded, PaymentTransition::Refund) => Err(PaymentRefusal::AlreadyDone),
        (state, _) => Err(PaymentRefusal::NotAllowed(state)),
    }
}

/// One line of an amount due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueLine {
    pub kind: FeeKind,
    /// Stable within the procedure version: `fee-<index>`, or `obligation` for an amount an
    /// official set.
    pub code: String,
    pub name: String,
    pub unit_amount_vnd: i64,
    pub quantity: u32,
    pub amount_vnd: i64,
}

/// What a dossier owes for one purpose, line by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmountDue {
    pub lines: Vec<DueLine>,
    pub total_vnd: i64,
}

/// Why an amount cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessError {
    #[error("amount overflows")]
    Overflow,
    #[error("negative amount")]
    Negative,
}

/// The most copies (bản sao) one dossier is charged for; a larger number is a typing error.
pub const MAX_COPIES: u32 = 100;

/// Units that mean "per copy" in the catalogue's `per`: the only fees whose quantity the
/// applicant's form decides. Other units (per page, per room) are counted by the desk and
/// raised as an obligation.
fn is_per_copy(per: &str) -> bool {
    let folded = crate::text::fold(per);
    folded == "ban sao" || folded == "ban"
}

/// The fees a dossier received through `channel` owes at submission: every unconditional fee
/// of that channel, per-copy fees times `copies` (the form's number of copies, at least one,
/// at most [`MAX_COPIES`]). Conditional fees (due only in cases an official judges) are not
/// charged here: an official raises them as a financial obligation.
pub fn assess_submission(
    procedure: &Procedure,
    channel: Channel,
    copies: u32,
) -> Result<AmountDue, AssessError> {
    let copies = copies.clamp(1, MAX_COPIES);
    let mut lines = Vec::new();
    for (index, fee) in procedure.fees.iter().enumerate() {
        if fee.conditional || fee.channel.is_some_and(|only| only != channel) {
            continue;
        }
        if fee.amount_vnd < 0 {
            return Err(AssessError::Negative);
        }
        if fee.amount_vnd == 0 {
            continue;
        }
        let quantity = match fee.per.as_deref() {
            Some(per) if is_per_copy(per) => copies,
            _ => 1,
        };
        let amount = fee
            .amount_vnd
            .checked_mul(i64::from(quantity))
            .ok_or(AssessError::Overflow)?;
        lines.push(DueLine {
            kind: fee.kind,
            code: format!("fee-{index}"),
            name: fee.name.clone(),
            unit_amount_vnd: fee.amount_vnd,
            quantity,
            amount_vnd: amount,
        });
    }
    let total = lines
        .iter()
        .try_fold(0i64, |sum, line| sum.checked_add(line.amount_vnd))
        .ok_or(AssessError::Overflow)?;
    Ok(AmountDue {
        lines,
        total_vnd: total,
    })
}

/// The largest amount an official may raise as one obligation (1 tỷ đồng): above it a typing
/// error is likelier than a fee, and gateways cap single payments well below.
pub const MAX_OBLIGATION_VND: i64 = 1_000_000_000;

/// An obligation an official raises: one line with the description they wrote.
pub fn assess_obligation(description: &str, amount_vnd: i64) -> Result<AmountDue, AssessError> {
    if amount_vnd < 0 {
        return Err(AssessError::Negative);
    }
    if amount_vnd > MAX_OBLIGATION_VND {
        return Err(AssessError::Overflow);
    }
    Ok(AmountDue {
        lines: vec![DueLine {
            kind: FeeKind::Charge,
            code: "obligation".to_owned(),
            name: description.to_owned(),
            unit_amount_vnd: amount_vnd,
            quantity: 1,
            amount_vnd,
        }],
        total_vnd: amount_vnd,
    })
}

/// A merchant reference (mã tham chiếu / vnp_TxnRef) for one attempt: the dossier code's
/// letters and digits (the whole code, so two dossiers never share a prefix), the attempt's
/// creation time to the second in Vietnam time and a random suffix for two attempts of one
/// dossier within a second. ASCII letters and digits only, at most 34 characters (both
/// gateways accept that).
pub fn merchant_reference(dossier_code: &str, at: OffsetDateTime, random: u32) -> String {
    let local = at.to_offset(crate::calendar::VIETNAM_OFFSET);
    let code: String = dossier_code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(20)
        .collect();
    format!(
        "{code}{:02}{:02}{:02}{:02}{:02}{:02}{:02}",
        local.year() % 100,
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        local.second(),
        random % 100
    )
}

/// Whether `value` has the shape of a reference we issue (so a callback naming anything else
/// is answered "not found" without a database read).
pub fn is_merchant_reference(value: &str) -> bool {
    (8..=34).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The exemption categories (đối tượng miễn, giảm) a due amount offers: those of the
/// procedure's fees among its lines, in order, each once. An obligation an official raised
/// offers none: its amount was set knowingly.
pub fn exemption_choices(due: &AmountDue, procedure: &Procedure) -> Vec<String> {
    let mut choices: Vec<String> = Vec::new();
    for line in &due.lines {
        let Some(fee) = fee_of_line(line, procedure) else {
            continue;
        };
        for category in &fee.exemptions {
            if !choices.contains(category) {
                choices.push(category.clone());
            }
        }
    }
    choices
}

/// The amount due once an exemption is confirmed: every line whose fee names exempted
/// categories costs nothing (the desk checked the papers that prove the category).
pub fn with_exemption(due: &AmountDue, procedure: &Procedure) -> AmountDue {
    let lines: Vec<DueLine> = due
        .lines
        .iter()
        .map(|line| {
            let exempt = fee_of_line(line, procedure).is_some_and(|f| !f.exemptions.is_empty());
            DueLine {
                amount_vnd: if exempt { 0 } else { line.amount_vnd },
                ..line.clone()
            }
        })
        .collect();
    let total_vnd = lines.iter().map(|l| l.amount_vnd).sum();
    AmountDue { lines, total_vnd }
}

/// The procedure fee a `fee-<index>` line was assessed from.
fn fee_of_line<'a>(line: &DueLine, procedure: &'a Procedure) -> Option<&'a crate::procedure::Fee> {
    let index: usize = line.code.strip_prefix("fee-")?.parse().ok()?;
    procedure.fees.get(index)
}
