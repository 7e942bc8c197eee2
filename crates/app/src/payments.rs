//! Online payment of fees and charges (thanh toán trực tuyến phí, lệ phí).
//!
//! What a dossier owes comes from the domain ([`motcua_domain::payment`]): the procedure's
//! fees at submission where the procedure asks for payment then, or the amount an official
//! raised with a financial obligation (status 6). Each attempt is a row of its own with its
//! amount frozen, a unique merchant reference and an expiry (90 minutes, as GOV.UK Pay).
//!
//! Only a verified server-to-server confirmation changes an online attempt: the gateway's
//! callback ([`App::handle_payment_confirmation`]) or, for callbacks that never arrived, the
//! gateway's own answer to a query ([`App::check_stale_payments`]). The browser's return is
//! shown, never trusted. Every callback is logged whatever its fate; a forged one is also
//! audited. A paid attempt enqueues `payment-settled` in the same transaction; its handler
//! resumes the dossier's clock (status 6 → 4) through the state machine, so a crash between
//! the two loses nothing and a repeat does nothing.

use crate::effects::outbox_kind;
use crate::{Actor, App, AppError, AppResult};
use motcua_domain::authz::{Permission, Principal};
use motcua_domain::dossier::{Command, CommandKind, DossierStatus};
use motcua_domain::payment::{
    AmountDue, DueLine, PaymentFacts, PaymentMethod, PaymentPurpose, PaymentRefusal, PaymentState,
    PaymentTransition, assess_obligation, assess_submission, decide_payment, exemption_choices,
    is_merchant_reference, merchant_reference, with_exemption,
};
use motcua_domain::procedure::{Channel, FeeKind};
pub use motcua_payments::{
    CallbackOutcome, CallbackReply, GatewayKind, InboundCallback, PaymentGateway,
};
use motcua_payments::{Confirmation, FeeLine, FeeLineKind, PaymentOrder, QueryStatus, ReceiptInfo};
use motcua_store::dossiers::DossierRow;
use motcua_store::payments::{NewPayment, PaymentChange, PaymentRow};
use motcua_store::{from_micros, micros};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

/// The gateways a deployment has configured.
#[derive(Clone, Default)]
pub struct Gateways {
    list: Vec<Arc<dyn PaymentGateway>>,
}

impl Gateways {
    pub fn new(list: Vec<Arc<dyn PaymentGateway>>) -> Self {
        Gateways { list }
    }

    pub fn get(&self, kind: GatewayKind) -> Option<&Arc<dyn PaymentGateway>> {
        self.list.iter().find(|g| g.kind() == kind)
    }

    pub fn kinds(&self) -> Vec<GatewayKind> {
        self.list.iter().map(|g| g.kind()).collect()
    }
}

impl std::fmt::Debug for Gateways {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.kinds()).finish()
    }
}

/// How long an online attempt may wait for its confirmation.
pub const PAYMENT_EXPIRY: Duration = Duration::minutes(90);
/// After this long without a callback the gateway is asked about the attempt.
pub const QUERY_AFTER: Duration = Duration::minutes(15);

/// One line of an amount, as pages and receipts show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineView {
    /// `fee` (phí) or `charge` (lệ phí).
    pub kind: String,
    pub code: String,
    pub name: String,
    pub unit_amount_vnd: i64,
    pub quantity: u32,
    pub amount_vnd: i64,
}

impl From<&DueLine> for LineView {
    fn from(line: &DueLine) -> Self {
        LineView {
            kind: line.kind.as_str().to_owned(),
            code: line.code.clone(),
            name: line.name.clone(),
            unit_amount_vnd: line.unit_amount_vnd,
            quantity: line.quantity,
            amount_vnd: line.amount_vnd,
        }
    }
}

/// What a dossier owes now, for one purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueView {
    pub purpose: String,
    /// What it is for: the obligation's description, or "Phí, lệ phí khi nộp hồ sơ".
    pub description: String,
    pub lines: Vec<LineView>,
    pub total_vnd: i64,
    /// The exemption categories the applicant may declare (đối tượng miễn, giảm).
    pub exemption_choices: Vec<String>,
}

/// An exemption claim as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExemptionView {
    pub id: i64,
    pub purpose: String,
    pub category: String,
    pub note: String,
    /// `declared`, `confirmed`, `rejected`.
    pub state: String,
    #[serde(with = "time::serde::rfc3339")]
    pub declared_at: OffsetDateTime,
    pub decision_note: String,
}

/// One payment attempt as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentView {
    pub id: i64,
    pub reference: String,
    pub dossier_id: i64,
    pub purpose: String,
    pub method: String,
    pub state: String,
    pub amount_vnd: i64,
    pub lines: Vec<LineView>,
    pub payer_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub settled_at: Option<OffsetDateTime>,
    pub gateway_transaction: Option<String>,
    pub receipt_number: Option<String>,
    pub note: String,
}

impl PaymentView {
    fn of(row: &PaymentRow) -> Self {
        PaymentView {
            id: row.id,
            reference: row.reference.clone(),
            dossier_id: row.dossier_id,
            purpose: row.purpose.clone(),
            method: row.method.clone(),
            state: row.state.clone(),
            amount_vnd: row.amount_vnd,
            lines: serde_json::from_str(&row.lines).unwrap_or_default(),
            payer_name: row.payer_name.clone(),
            created_at: from_micros(row.created_at),
            expires_at: from_micros(row.expires_at),
            settled_at: row.settled_at.map(from_micros),
            gateway_transaction: row.gateway_transaction.clone(),
            receipt_number: row.receipt_number.clone(),
            note: row.note.clone(),
        }
    }

    pub fn state(&self) -> Option<PaymentState> {
        PaymentState::parse(&self.state)
    }
}

/// The payment side of one dossier: what is due, every attempt, and what the caller may do.
#[derive(Debug, Clone, Serialize)]
pub struct DossierPayments {
    pub dossier_id: i64,
    pub dossier_code: Option<String>,
    pub due: Option<DueView>,
    pub attempts: Vec<PaymentView>,
    /// Gateways the citizen may choose (empty for officials and when nothing is due).
    pub gateways: Vec<String>,
    /// The caller may record a counter payment or cancel a pending attempt.
    pub may_collect: bool,
    /// The caller may refund a paid attempt.
    pub may_refund: bool,
    /// Every exemption claim, oldest first.
    pub exemptions: Vec<ExemptionView>,
    /// The applicant may declare an exemption for what is due now.
    pub may_declare_exemption: bool,
    /// A declared claim the caller (the desk) may confirm or reject.
    pub exemption_to_decide: Option<i64>,
}

/// What the public check of a receipt shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptCheck {
    pub receipt_number: String,
    pub reference: String,
    pub dossier_code: String,
    pub amount_vnd: i64,
    /// `paid` or `refunded`.
    pub state: String,
    pub paid_at: Option<OffsetDateTime>,
}

/// What the lost-callback job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StaleReport {
    pub checked: usize,
    pub paid: usize,
    pub failed: usize,
    pub expired: usize,
    pub still_pending: usize,
    pub unreachable: usize,
}

/// One line of the reconciliation (đối soát): our attempt beside what the gateway says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconciliationRow {
    pub reference: String,
    pub dossier_id: i64,
    pub method: String,
    pub our_state: String,
    pub our_amount_vnd: i64,
    /// The gateway's answer: `paid`, `pending`, `failed`, `not_found`, `refunded`,
    /// `unreachable`, `not_applicable` (counter payments) or `callback` (a callback for a
    /// reference we never issued).
    pub gateway_state: String,
    pub gateway_amount_vnd: Option<i64>,
    pub gateway_transaction: Option<String>,
    /// Empty when both sides agree; otherwise a stable code (`paid-at-gateway-not-here`,
    /// `paid-here-not-at-gateway`, `amount-differs`, `unknown-reference`, `unreachable`).
    pub mismatch: Option<String>,
}

/// The reconciliation of one agency subtree over one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub unit_id: i64,
    pub unit_name: String,
    pub day: Date,
    pub rows: Vec<ReconciliationRow>,
    pub total_paid_vnd: i64,
    pub mismatches: usize,
}

/// What the `payment-settled` outbox row carries.
#[derive(Debug, Serialize, Deserialize)]
struct SettledPayload {
    payment_id: i64,
}

fn kind_of(method: PaymentMethod) -> Option<GatewayKind> {
    match method {
        PaymentMethod::PayGov => Some(GatewayKind::PayGov),
        PaymentMethod::VnPay => Some(GatewayKind::VnPay),
        PaymentMethod::Cash | PaymentMethod::Pos => None,
    }
}

fn method_of(kind: GatewayKind) -> PaymentMethod {
    match kind {
        GatewayKind::PayGov => PaymentMethod::PayGov,
        GatewayKind::VnPay => PaymentMethod::VnPay,
    }
}

fn actor_tag(actor: &Actor) -> String {
    match actor.id() {
        Some(id) => format!("{}:{id}", actor.kind()),
        None => actor.kind().to_owned(),
    }
}

fn facts(row: &PaymentRow) -> AppResult<PaymentFacts> {
    Ok(PaymentFacts {
        state: PaymentState::parse(&row.state)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("payment {} state", row.id)))?,
        amount_vnd: row.amount_vnd,
        expires_at: from_micros(row.expires_at),
        gateway_transaction: row.gateway_transaction.clone(),
    })
}

fn refusal_error(refusal: &PaymentRefusal) -> AppError {
    match refusal {
        PaymentRefusal::AlreadyDone => AppError::Conflict("error-payment-already-done"),
        PaymentRefusal::NotAllowed(_) | PaymentRefusal::NotExpired => {
            AppError::Conflict("error-payment-state")
        }
        PaymentRefusal::AmountMismatch { .. } => AppError::Conflict("error-payment-amount"),
    }
}

/// The number of copies the applicant asked for, from the form's `so_ban_sao` field.
fn copies_in_form(form: &str) -> u32 {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(form) else {
        return 1;
    };
    match value.get("so_ban_sao") {
        // Form numbers are stored as floating point (`3.0`).
        Some(serde_json::Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && (1.0..=f64::from(u32::MAX)).contains(f))
            .map(|f| f as u32),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .unwrap_or(1)
}

impl App {
    /// Sets the payment gateways.
    pub fn with_gateways(mut self, gateways: Gateways) -> Self {
        self.gateways = gateways;
        self
    }

    /// What `row` owes now, if anything: the open obligation (status 6), or the submission
    /// fees of a procedure paid at submission while the dossier is still being worked.
    pub(crate) async fn payment_due_of(
        &self,
        row: &DossierRow,
    ) -> AppResult<Option<(PaymentPurpose, DueView)>> {
        let status = row
            .status_code
            .and_then(|code| u8::try_from(code).ok())
            .and_then(DossierStatus::from_national_code);
        let procedure = self
            .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
            .await?
            .procedure;
        let channel = Channel::parse(&row.channel).unwrap_or(Channel::Online);
        let (purpose, description, due): (PaymentPurpose, String, AmountDue) = match status {
            Some(DossierStatus::FinancialObligation) => {
                let events = self.store.dossier_events(row.id).await?;
                let Some(raised) = events
                    .iter()
                    .rev()
                    .find(|e| e.kind == CommandKind::RequireFinancialObligation.as_str())
                else {
                    return Ok(None);
                };
                let data: std::collections::BTreeMap<String, String> =
                    serde_json::from_str(&raised.data).unwrap_or_default();
                let amount = data.get("amount_vnd").and_then(|a| a.parse::<i64>().ok());
                let due = match amount {
                    Some(amount) => assess_obligation(&raised.reason, amount),
                    None => assess_submission(&procedure, channel, copies_in_form(&row.form)),
                }
                .map_err(|_| AppError::Conflict("error-payment-amount"))?;
                (
                    PaymentPurpose::Obligation {
                        event_seq: u64::try_from(raised.seq).unwrap_or_default(),
                    },
                    raised.reason.clone(),
                    due,
                )
            }
            Some(
                DossierStatus::Submitted
                | DossierStatus::Received
                | DossierStatus::InProcessing
                | DossierStatus::SupplementRequested,
            ) if procedure.pay_at_submission => (
                PaymentPurpose::Submission,
                "Phí, lệ phí khi nộp hồ sơ".to_owned(),
                assess_submission(&procedure, channel, copies_in_form(&row.form))
                    .map_err(|_| AppError::Conflict("error-payment-amount"))?,
            ),
            _ => return Ok(None),
        };
        let stored = purpose.to_stored();
        // A confirmed exemption frees the fees that name exempted people.
        let confirmed = self
            .store
            .dossier_exemptions(row.id)
            .await?
            .iter()
            .any(|e| e.purpose == stored && e.state == "confirmed");
        let due = if confirmed {
            with_exemption(&due, &procedure)
        } else {
            due
        };
        if due.total_vnd <= 0 {
            return Ok(None);
        }
        let settled = self
            .store
            .dossier_payments(row.id)
            .await?
            .iter()
            .any(|p| p.purpose == stored && matches!(p.state.as_str(), "paid" | "refunded"));
        if settled {
            return Ok(None);
        }
        Ok(Some((
            purpose,
            DueView {
                purpose: stored,
                description,
                lines: due.lines.iter().map(LineView::from).collect(),
                total_vnd: due.total_vnd,
                exemption_choices: if confirmed {
                    Vec::new()
                } else {
                    exemption_choices(&due, &procedure)
                },
            },
        )))
    }

    /// Whether the dossier still owes the fees due at submission.
    pub(crate) async fn submission_fees_unpaid(&self, row: &DossierRow) -> AppResult<bool> {
        Ok(matches!(
            self.payment_due_of(row).await?,
            Some((PaymentPurpose::Submission, _))
        ))
    }

    /// The payment side of a dossier, for whoever may read the dossier.
    pub async fn dossier_payments(
        &self,
        actor: &Actor,
        dossier_id: i64,
    ) -> AppResult<DossierPayments> {
        let row = self.dossier_row(actor, dossier_id).await?;
        let due = self.payment_due_of(&row).await?.map(|(_, due)| due);
        let attempts = self
            .store
            .dossier_payments(row.id)
            .await?
            .iter()
            .map(PaymentView::of)
            .collect();
        let is_owner = matches!(actor.principal, Principal::Citizen { citizen_id } if row.citizen_id == Some(citizen_id));
        let claims = self.store.dossier_exemptions(row.id).await?;
        let open_claim = |purpose: &str| {
            claims.iter().any(|c| {
                c.purpose == purpose && matches!(c.state.as_str(), "declared" | "confirmed")
            })
        };
        let may_declare_exemption = is_owner
            && due
                .as_ref()
                .is_some_and(|d| !d.exemption_choices.is_empty() && !open_claim(&d.purpose));
        let may_collect = actor
            .require_at(Permission::DossierReceive, row.desk_path())
            .is_ok();
        let gateways = if is_owner && due.is_some() {
            self.gateways
                .kinds()
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect()
        } else {
            Vec::new()
        };
        Ok(DossierPayments {
            dossier_id: row.id,
            dossier_code: row.code.clone(),
            due,
            attempts,
            gateways,
            may_collect,
            may_refund: actor
                .require_at(Permission::DossierApprove, &row.agency_path)
                .is_ok(),
            exemption_to_decide: claims
                .iter()
                .find(|c| c.state == "declared")
                .filter(|_| may_collect)
                .map(|c| c.id),
            exemptions: claims
                .iter()
                .map(|c| ExemptionView {
                    id: c.id,
                    purpose: c.purpose.clone(),
                    category: c.category.clone(),
                    note: c.note.clone(),
                    state: c.state.clone(),
                    declared_at: from_micros(c.declared_at),
                    decision_note: c.decision_note.clone(),
                })
                .collect(),
            may_declare_exemption,
        })
    }

    /// Starts an online payment of what the citizen's dossier owes: cancels an earlier pending
    /// attempt for the same purpose, stores a new one, and asks the gateway where to send the
    /// browser. Returns that address.
    pub async fn start_online_payment(
        &self,
        actor: &Actor,
        dossier_id: i64,
        kind: GatewayKind,
    ) -> AppResult<String> {
        let Principal::Citizen { citizen_id } = actor.principal else {
            return Err(AppError::Forbidden);
        };
        let row = self.dossier_row(actor, dossier_id).await?;
        if row.citizen_id != Some(citizen_id) {
            return Err(AppError::NotFound);
        }
        let gateway = self
            .gateways
            .get(kind)
            .cloned()
            .ok_or_else(|| AppError::invalid("gateway", "error-payment-gateway"))?;
        let (purpose, due) = self
            .payment_due_of(&row)
            .await?
            .ok_or(AppError::Conflict("error-payment-nothing-due"))?;
        let now = self.now();
        let reference = merchant_reference(
            row.code.as_deref().unwrap_or("HS"),
            now,
            rand::random::<u32>(),
        );
        let expires_at = now + PAYMENT_EXPIRY;
        let agency = self.store.get_unit(row.agency_id).await?;
        let stored_purpose = purpose.to_stored();
        let tag = actor_tag(actor);
        let attempts = self.store.dossier_payments(row.id).await?;
        let mut tx = self.store.begin().await?;
        self.cancel_pending_attempts(
            &mut tx,
            &attempts,
            &stored_purpose,
            &tag,
            "replaced by a new attempt",
        )
        .await?;
        let lines = serde_json::to_string(&due.lines).map_err(|e| AppError::Internal(e.into()))?;
        let payment_id = tx
            .insert_payment(&NewPayment {
                reference: reference.clone(),
                dossier_id: row.id,
                agency_id: row.agency_id,
                agency_path: row.agency_path.clone(),
                purpose: stored_purpose.clone(),
                method: method_of(kind).as_str().to_owned(),
                amount_vnd: due.total_vnd,
                lines,
                state: PaymentState::Pending.as_str().to_owned(),
                payer_name: row.applicant_name.clone(),
                created_at: micros(now),
                expires_at: micros(expires_at),
                settled_at: None,
                receipt_number: None,
                note: String::new(),
                actor: tag.clone(),
            })
            .await?;
        tx.append_audit(
            &actor.audit(
                "payment.started",
                Some(format!("dossier:{}", row.id)),
                json!({"payment_id": payment_id, "reference": reference, "gateway": kind.as_str(), "amount_vnd": due.total_vnd}),
            ),
            micros(now),
        )
        .await?;
        tx.commit().await?;
        let procedure = self
            .procedure_version(&Actor::system(), &row.procedure_code, row.procedure_version)
            .await?
            .procedure;
        let order = PaymentOrder {
            reference: reference.clone(),
            amount_vnd: due.total_vnd,
            description: format!(
                "Thanh toan ho so {}",
                row.code.as_deref().unwrap_or_default()
            ),
            created_at: now,
            expires_at,
            client_ip: actor.ip.clone().unwrap_or_else(|| "127.0.0.1".to_owned()),
            return_url: format!(
                "{}/thanh-toan/ket-qua/{}",
                self.settings.public_url,
                kind.as_str()
            ),
            english: false,
            receipt: ReceiptInfo {
                dossier_code: row.code.clone().unwrap_or_default(),
                procedure_code: row.procedure_code.clone(),
                procedure_name: procedure.name.clone(),
                agency_code: agency.code.clone().unwrap_or_default(),
                agency_name: agency.name.clone(),
                payer_name: row.applicant_name.clone(),
                payer_personal_id: row.applicant_personal_id.clone(),
                payer_address: None,
                fees: due
                    .lines
                    .iter()
                    .map(|l| FeeLine {
                        kind: if l.kind == FeeKind::Fee.as_str() {
                            FeeLineKind::Fee
                        } else {
                            FeeLineKind::Charge
                        },
                        code: l.code.clone(),
                        name: l.name.clone(),
                        amount_vnd: l.amount_vnd,
                    })
                    .collect(),
            },
        };
        match gateway.checkout(&order).await {
            Ok(checkout) => Ok(checkout.redirect_url),
            Err(error) => {
                tracing::warn!(%reference, error = %error, "payment gateway refused the checkout");
                // The attempt never reached the citizen: close it so a new one may start.
                let row = self.store.payment(payment_id).await?;
                let change = self.decided_change(
                    &row,
                    &PaymentTransition::Fail {
                        code: "checkout".to_owned(),
                    },
                    "system",
                    "failed",
                    json!({"checkout_error": error.to_string()}),
                )?;
                let mut tx = self.store.begin().await?;
                tx.change_payment(&change).await?;
                tx.commit().await?;
                Err(AppError::Conflict("error-payment-gateway-unavailable"))
            }
        }
    }

    /// Cancels, in `tx`, the pending attempts of `purpose` among `attempts` (read before the
    /// transaction began): a new attempt or a payment at the desk replaces them.
    async fn cancel_pending_attempts(
        &self,
        tx: &mut motcua_store::StoreTx,
        attempts: &[PaymentRow],
        purpose: &str,
        actor: &str,
        reason: &str,
    ) -> AppResult<()> {
        for earlier in attempts
            .iter()
            .filter(|a| a.purpose == purpose && a.state == PaymentState::Pending.as_str())
        {
            let change = self.decided_change(
                earlier,
                &PaymentTransition::Cancel,
                actor,
                "cancelled",
                json!({ "reason": reason }),
            )?;
            tx.change_payment(&change).await?;
        }
        Ok(())
    }

    /// A change decided by the domain, ready to write.
    fn decided_change(
        &self,
        row: &PaymentRow,
        transition: &PaymentTransition,
        actor: &str,
        kind: &str,
        data: serde_json::Value,
    ) -> AppResult<PaymentChange> {
        let now = self.now();
        let to = decide_payment(&facts(row)?, transition, now).map_err(|r| refusal_error(&r))?;
        Ok(PaymentChange {
            id: row.id,
            expected_seq: row.last_seq,
            from_state: row.state.clone(),
            to_state: to.as_str().to_owned(),
            at: micros(now),
            actor: actor.to_owned(),
            kind: kind.to_owned(),
            data: data.to_string(),
            settled_at: None,
            gateway_transaction: None,
            receipt_number: None,
            note: None,
        })
    }

    /// A gateway's server-to-server confirmation: verify, decide, record, reply as the
    /// protocol says. Nothing but a verified confirmation of the frozen amount for a pending
    /// attempt changes anything.
    pub async fn handle_payment_confirmation(
        &self,
        kind: GatewayKind,
        callback: &InboundCallback,
        ip: Option<&str>,
    ) -> Option<CallbackReply> {
        let gateway = self.gateways.get(kind)?.clone();
        let outcome = match gateway.verify_confirmation(callback) {
            Err(motcua_payments::CallbackError::BadSignature) => {
                self.log_callback(kind, None, None, "bad_signature", callback, ip, true)
                    .await;
                CallbackOutcome::BadSignature
            }
            Err(motcua_payments::CallbackError::Malformed(detail)) => {
                tracing::warn!(gateway = kind.as_str(), %detail, "malformed payment callback");
                self.log_callback(kind, None, None, "malformed", callback, ip, true)
                    .await;
                CallbackOutcome::Malformed
            }
            Ok(confirmation) => {
                let (outcome, logged) = match self
                    .apply_confirmation(kind, &confirmation, "callback")
                    .await
                {
                    Ok(result) => result,
                    Err(error) => {
                        tracing::error!(error = %error, "payment confirmation failed");
                        (CallbackOutcome::Error, "error")
                    }
                };
                self.log_callback(
                    kind,
                    Some(confirmation.reference()),
                    Some(confirmation.amount_vnd()),
                    logged,
                    callback,
                    ip,
                    outcome == CallbackOutcome::AmountMismatch,
                )
                .await;
                outcome
            }
        };
        Some(gateway.reply(outcome))
    }

    /// Logs a callback; a suspicious one (forged, malformed, wrong amount) also goes to the
    /// audit trail. Logging never changes the answer to the gateway.
    #[allow(clippy::too_many_arguments)]
    async fn log_callback(
        &self,
        kind: GatewayKind,
        reference: Option<&str>,
        amount: Option<i64>,
        outcome: &str,
        callback: &InboundCallback,
        ip: Option<&str>,
        audit: bool,
    ) {
        let now = self.now_micros();
        let mut detail = callback.query.clone();
        if !callback.body.is_empty() {
            detail.push_str(&String::from_utf8_lossy(&callback.body));
        }
        let detail: String = detail.chars().take(2000).collect();
        if let Err(error) = self
            .store
            .log_payment_callback(kind.as_str(), now, reference, amount, outcome, &detail)
            .await
        {
            tracing::error!(error = %error, "could not log a payment callback");
        }
        if audit {
            let actor = Actor {
                principal: Principal::Anonymous,
                ip: ip.map(str::to_owned),
            };
            let entry = actor.audit(
                &format!("payment.callback_{outcome}"),
                reference.map(|r| format!("payment:{r}")),
                json!({"gateway": kind.as_str(), "amount_vnd": amount}),
            );
            let written = async {
                let mut tx = self.store.begin().await?;
                tx.append_audit(&entry, now).await?;
                tx.commit().await
            }
            .await;
            if let Err(error) = written {
                tracing::error!(error = %error, "could not audit a payment callback");
            }
        }
    }

    /// Applies a verified confirmation (from a callback or a query). Returns the protocol
    /// outcome and the logged outcome.
    async fn apply_confirmation(
        &self,
        kind: GatewayKind,
        confirmation: &Confirmation,
        source: &str,
    ) -> AppResult<(CallbackOutcome, &'static str)> {
        let reference = confirmation.reference();
        if !is_merchant_reference(reference) {
            return Ok((CallbackOutcome::UnknownReference, "unknown_reference"));
        }
        let now = self.now();
        // Everything read through the pool is read before the transaction begins.
        let Some(known) = self.store.payment_by_reference(reference).await? else {
            return Ok((CallbackOutcome::UnknownReference, "unknown_reference"));
        };
        let agency_code = self.receipt_agency_code(known.agency_id).await?;
        let mut tx = self.store.begin().await?;
        let Some(row) = tx.payment_by_reference_tx(reference).await? else {
            return Ok((CallbackOutcome::UnknownReference, "unknown_reference"));
        };
        if PaymentMethod::parse(&row.method).and_then(kind_of) != Some(kind) {
            return Ok((CallbackOutcome::UnknownReference, "unknown_reference"));
        }
        let (transition, event) = match confirmation {
            Confirmation::Paid {
                amount_vnd,
                gateway_transaction,
                ..
            } => (
                PaymentTransition::Confirm {
                    amount_vnd: *amount_vnd,
                    gateway_transaction: gateway_transaction.clone(),
                },
                "confirmed",
            ),
            Confirmation::NotPaid { code, .. } => {
                (PaymentTransition::Fail { code: code.clone() }, "failed")
            }
        };
        let next = match decide_payment(&facts(&row)?, &transition, now) {
            Ok(next) => next,
            Err(PaymentRefusal::AlreadyDone) => {
                return Ok((CallbackOutcome::AlreadyConfirmed, "duplicate"));
            }
            Err(PaymentRefusal::AmountMismatch { .. }) => {
                return Ok((CallbackOutcome::AmountMismatch, "amount_mismatch"));
            }
            // Out of order or after the attempt was closed: the order is no longer open, which
            // both protocols answer as "already confirmed". Reconciliation shows the money.
            Err(PaymentRefusal::NotAllowed(_) | PaymentRefusal::NotExpired) => {
                return Ok((CallbackOutcome::AlreadyConfirmed, "not_allowed"));
            }
        };
        let mut change = PaymentChange {
            id: row.id,
            expected_seq: row.last_seq,
            from_state: row.state.clone(),
            to_state: next.as_str().to_owned(),
            at: micros(now),
            actor: format!("gateway:{}", kind.as_str()),
            kind: event.to_owned(),
            data: json!({"source": source, "confirmation": format!("{confirmation:?}")})
                .to_string(),
            settled_at: None,
            gateway_transaction: None,
            receipt_number: None,
            note: None,
        };
        if let Confirmation::Paid {
            gateway_transaction,
            paid_at,
            ..
        } = confirmation
        {
            change.settled_at = Some(micros(paid_at.unwrap_or(now)));
            change.gateway_transaction = Some(gateway_transaction.clone());
            change.receipt_number = Some(self.receipt_number(&mut tx, &agency_code, now).await?);
            tx.enqueue_scoped(
                outbox_kind::PAYMENT_SETTLED,
                &json!(SettledPayload { payment_id: row.id }).to_string(),
                micros(now),
                Some(&row.agency_path),
            )
            .await?;
        }
        tx.change_payment(&change).await?;
        tx.commit().await?;
        if next == PaymentState::Paid {
            // Resume the dossier now; the outbox row does it later if this fails.
            if let Err(error) = self.settle_payment(row.id).await {
                tracing::warn!(payment = row.id, error = %error, "settling later from the outbox");
            }
        }
        Ok((CallbackOutcome::Accepted, "accepted"))
    }

    /// The code receipts of an agency are numbered under. Read before a transaction begins:
    /// a read through the pool while a write transaction holds a connection can exhaust the
    /// pool under load (SQLite's single writer makes the others wait with theirs).
    async fn receipt_agency_code(&self, agency_id: i64) -> AppResult<String> {
        let agency = self.store.get_unit(agency_id).await?;
        Ok(agency.code.unwrap_or_else(|| format!("DV{}", agency.id)))
    }

    /// Số biên lai: `<agency code>/<year>/<number>`, gap-free per agency and year.
    async fn receipt_number(
        &self,
        tx: &mut motcua_store::StoreTx,
        code: &str,
        now: OffsetDateTime,
    ) -> AppResult<String> {
        let year = now
            .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
            .year();
        let number = tx.next_receipt_number(code, year).await?;
        Ok(format!("{code}/{year}/{number:06}"))
    }

    /// The `payment-settled` handler: a paid obligation resumes the dossier's clock (status
    /// 6 → 4) if the dossier still waits for that very obligation. Idempotent.
    pub(crate) async fn settle_payment(&self, payment_id: i64) -> AppResult<()> {
        let payment = self.store.payment(payment_id).await?;
        if payment.state != PaymentState::Paid.as_str() {
            return Ok(());
        }
        let Some(PaymentPurpose::Obligation { event_seq }) =
            PaymentPurpose::parse(&payment.purpose)
        else {
            return Ok(());
        };
        let row = self.store.get_dossier(payment.dossier_id).await?;
        if row.status_code
            != Some(i64::from(
                DossierStatus::FinancialObligation.national_code(),
            ))
        {
            return Ok(());
        }
        let events = self.store.dossier_events(row.id).await?;
        let current = events
            .iter()
            .rev()
            .find(|e| e.kind == CommandKind::RequireFinancialObligation.as_str())
            .map(|e| e.seq);
        if current != i64::try_from(event_seq).ok() {
            return Ok(());
        }
        let placeholder = self.now();
        self.act_on_row(
            &Actor::system(),
            row,
            Command::ObligationPaid {
                new_due: placeholder,
            },
        )
        .await?;
        Ok(())
    }

    /// Handles one `payment-settled` outbox row.
    pub(crate) async fn deliver_payment_settled(&self, payload: &str) -> anyhow::Result<()> {
        let payload: SettledPayload = serde_json::from_str(payload)?;
        self.settle_payment(payload.payment_id)
            .await
            .map_err(|e| anyhow::anyhow!("settling payment {}: {e}", payload.payment_id))
    }

    /// The browser's return from a gateway: which attempt it is about, and its state as we
    /// know it. Verified (a forged return names nothing) but never acted on.
    pub async fn payment_return(
        &self,
        actor: &Actor,
        kind: GatewayKind,
        callback: &InboundCallback,
    ) -> AppResult<PaymentView> {
        let gateway = self.gateways.get(kind).ok_or(AppError::NotFound)?;
        let confirmation = gateway
            .verify_return(callback)
            .map_err(|_| AppError::invalid("signature", "error-payment-return"))?;
        let row = self
            .store
            .payment_by_reference(confirmation.reference())
            .await?
            .ok_or(AppError::NotFound)?;
        self.dossier_row(actor, row.dossier_id).await?;
        Ok(PaymentView::of(&row))
    }

    /// The applicant declares that they belong to an exempted category (đối tượng miễn, giảm)
    /// of the fees due now; the desk confirms it after checking the papers. Until then the full
    /// amount stays due.
    pub async fn declare_exemption(
        &self,
        actor: &Actor,
        dossier_id: i64,
        category: &str,
        note: &str,
    ) -> AppResult<ExemptionView> {
        let Principal::Citizen { citizen_id } = actor.principal else {
            return Err(AppError::Forbidden);
        };
        let row = self.dossier_row(actor, dossier_id).await?;
        if row.citizen_id != Some(citizen_id) {
            return Err(AppError::NotFound);
        }
        let (_, due) = self
            .payment_due_of(&row)
            .await?
            .ok_or(AppError::Conflict("error-payment-nothing-due"))?;
        let category = motcua_domain::text::clean(category);
        if !due.exemption_choices.contains(&category) {
            return Err(AppError::invalid("category", "error-exemption-category"));
        }
        let note: String = motcua_domain::text::clean(note)
            .chars()
            .take(1000)
            .collect();
        let now = self.now_micros();
        let mut tx = self.store.begin().await?;
        let id = tx
            .declare_exemption(
                row.id,
                &due.purpose,
                &category,
                &note,
                now,
                &actor_tag(actor),
            )
            .await
            .map_err(|e| match e {
                motcua_store::StoreError::Conflict(_) => {
                    AppError::Conflict("error-exemption-already-declared")
                }
                other => other.into(),
            })?;
        tx.append_audit(
            &actor.audit(
                "payment.exemption_declared",
                Some(format!("dossier:{}", row.id)),
                json!({"category": category, "purpose": due.purpose}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ExemptionView {
            id,
            purpose: due.purpose,
            category,
            note,
            state: "declared".to_owned(),
            declared_at: from_micros(now),
            decision_note: String::new(),
        })
    }

    /// The desk confirms or rejects a declared exemption, with a note (the papers checked,
    /// or why not). A confirmed exemption takes the exempted fees off what is due.
    pub async fn decide_exemption(
        &self,
        actor: &Actor,
        dossier_id: i64,
        confirm: bool,
        note: &str,
    ) -> AppResult<()> {
        let row = self.dossier_row(actor, dossier_id).await?;
        actor.require_at(Permission::DossierReceive, row.desk_path())?;
        let claim = self
            .store
            .dossier_exemptions(row.id)
            .await?
            .into_iter()
            .find(|c| c.state == "declared")
            .ok_or(AppError::Conflict("error-exemption-none"))?;
        let note = motcua_domain::text::clean(note);
        if !confirm && note.is_empty() {
            return Err(AppError::invalid("note", "error-payment-reason"));
        }
        let now = self.now_micros();
        let state = if confirm { "confirmed" } else { "rejected" };
        let mut tx = self.store.begin().await?;
        tx.decide_exemption(claim.id, state, &note, now, &actor_tag(actor))
            .await?;
        tx.append_audit(
            &actor.audit(
                &format!("payment.exemption_{state}"),
                Some(format!("dossier:{}", row.id)),
                json!({"category": claim.category, "note": note}),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The public check of a receipt by its reference (the QR code on the receipt): whether
    /// it is a receipt we issued, for how much, and whether it still stands. Names nobody.
    pub async fn verify_receipt(&self, reference: &str) -> AppResult<ReceiptCheck> {
        if !is_merchant_reference(reference) {
            return Err(AppError::NotFound);
        }
        let row = self
            .store
            .payment_by_reference(reference)
            .await?
            .ok_or(AppError::NotFound)?;
        let receipt_number = row.receipt_number.clone().ok_or(AppError::NotFound)?;
        let dossier = self.store.get_dossier(row.dossier_id).await?;
        Ok(ReceiptCheck {
            receipt_number,
            reference: row.reference.clone(),
            dossier_code: dossier.code.unwrap_or_default(),
            amount_vnd: row.amount_vnd,
            state: row.state.clone(),
            paid_at: row.settled_at.map(from_micros),
        })
    }

    /// One attempt, for whoever may read its dossier.
    pub async fn payment(&self, actor: &Actor, payment_id: i64) -> AppResult<PaymentView> {
        let row = self.store.payment(payment_id).await?;
        self.dossier_row(actor, row.dossier_id).await?;
        Ok(PaymentView::of(&row))
    }

    /// A payment at the desk (cash or card terminal), recorded paid with its receipt by an
    /// official of the receiving desk. Settles the dossier like an online payment.
    pub async fn record_counter_payment(
        &self,
        actor: &Actor,
        dossier_id: i64,
        method: PaymentMethod,
        note: &str,
    ) -> AppResult<PaymentView> {
        if method.is_online() {
            return Err(AppError::invalid("method", "error-payment-method"));
        }
        let row = self.dossier_row(actor, dossier_id).await?;
        actor.require_at(Permission::DossierReceive, row.desk_path())?;
        let (purpose, due) = self
            .payment_due_of(&row)
            .await?
            .ok_or(AppError::Conflict("error-payment-nothing-due"))?;
        let now = self.now();
        let tag = actor_tag(actor);
        let stored_purpose = purpose.to_stored();
        let note = motcua_domain::text::clean(note);
        let agency_code = self.receipt_agency_code(row.agency_id).await?;
        let attempts = self.store.dossier_payments(row.id).await?;
        let mut tx = self.store.begin().await?;
        self.cancel_pending_attempts(
            &mut tx,
            &attempts,
            &stored_purpose,
            &tag,
            "paid at the desk",
        )
        .await?;
        let reference = merchant_reference(
            row.code.as_deref().unwrap_or("HS"),
            now,
            rand::random::<u32>(),
        );
        let receipt = self.receipt_number(&mut tx, &agency_code, now).await?;
        let lines = serde_json::to_string(&due.lines).map_err(|e| AppError::Internal(e.into()))?;
        let payment_id = tx
            .insert_payment(&NewPayment {
                reference,
                dossier_id: row.id,
                agency_id: row.agency_id,
                agency_path: row.agency_path.clone(),
                purpose: stored_purpose,
                method: method.as_str().to_owned(),
                amount_vnd: due.total_vnd,
                lines,
                state: PaymentState::Paid.as_str().to_owned(),
                payer_name: row.applicant_name.clone(),
                created_at: micros(now),
                expires_at: micros(now),
                settled_at: Some(micros(now)),
                receipt_number: Some(receipt),
                note,
                actor: tag,
            })
            .await?;
        tx.enqueue_scoped(
            outbox_kind::PAYMENT_SETTLED,
            &json!(SettledPayload { payment_id }).to_string(),
            micros(now),
            Some(&row.agency_path),
        )
        .await?;
        tx.append_audit(
            &actor.audit(
                "payment.counter",
                Some(format!("dossier:{}", row.id)),
                json!({"payment_id": payment_id, "method": method.as_str(), "amount_vnd": due.total_vnd}),
            ),
            micros(now),
        )
        .await?;
        tx.commit().await?;
        if let Err(error) = self.settle_payment(payment_id).await {
            tracing::warn!(payment = payment_id, error = %error, "settling later from the outbox");
        }
        Ok(PaymentView::of(&self.store.payment(payment_id).await?))
    }

    /// Cancels a pending attempt: the citizen who owns the dossier, or an official of its
    /// desk, with a reason.
    pub async fn cancel_payment(
        &self,
        actor: &Actor,
        payment_id: i64,
        reason: &str,
    ) -> AppResult<PaymentView> {
        let row = self.store.payment(payment_id).await?;
        let dossier = self.dossier_row(actor, row.dossier_id).await?;
        let owner = matches!(actor.principal, Principal::Citizen { citizen_id } if dossier.citizen_id == Some(citizen_id));
        if !owner {
            actor.require_at(Permission::DossierReceive, dossier.desk_path())?;
        }
        let reason = motcua_domain::text::clean(reason);
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "error-payment-reason"));
        }
        let mut change = self.decided_change(
            &row,
            &PaymentTransition::Cancel,
            &actor_tag(actor),
            "cancelled",
            json!({"reason": reason}),
        )?;
        change.note = Some(reason.clone());
        let mut tx = self.store.begin().await?;
        tx.change_payment(&change).await?;
        tx.append_audit(
            &actor.audit(
                "payment.cancelled",
                Some(format!("payment:{}", row.id)),
                json!({"reason": reason}),
            ),
            self.now_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(PaymentView::of(&self.store.payment(payment_id).await?))
    }

    /// Refunds a paid attempt with a reason: through the gateway when it can (the money goes
    /// back before anything is recorded), otherwise recorded as refunded by the treasury
    /// outside the system. Only a leader of the processing agency.
    pub async fn refund_payment(
        &self,
        actor: &Actor,
        payment_id: i64,
        reason: &str,
    ) -> AppResult<PaymentView> {
        let row = self.store.payment(payment_id).await?;
        let dossier = self.dossier_row(actor, row.dossier_id).await?;
        actor.require_at(Permission::DossierApprove, &dossier.agency_path)?;
        let reason = motcua_domain::text::clean(reason);
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "error-payment-reason"));
        }
        // Decide first: a refund of what is not paid never reaches the gateway.
        let mut change = self.decided_change(
            &row,
            &PaymentTransition::Refund,
            &actor_tag(actor),
            "refunded",
            json!({"reason": reason}),
        )?;
        let method = PaymentMethod::parse(&row.method);
        let mut via = "treasury";
        if let Some(kind) = method.and_then(kind_of)
            && let Some(gateway) = self.gateways.get(kind)
            && gateway.supports_refund()
        {
            let receipt = gateway
                .refund(&motcua_payments::RefundRequest {
                    reference: row.reference.clone(),
                    gateway_transaction: row.gateway_transaction.clone().unwrap_or_default(),
                    amount_vnd: row.amount_vnd,
                    created_at: from_micros(row.created_at),
                    reason: reason.clone(),
                    requested_by: actor_tag(actor),
                    client_ip: actor.ip.clone().unwrap_or_else(|| "127.0.0.1".to_owned()),
                    now: self.now(),
                })
                .await
                .map_err(|error| {
                    tracing::warn!(payment = row.id, error = %error, "gateway refused the refund");
                    AppError::Conflict("error-payment-refund-refused")
                })?;
            via = "gateway";
            change.data =
                json!({"reason": reason, "via": via, "gateway_refund": receipt.gateway_refund})
                    .to_string();
        } else {
            change.data = json!({"reason": reason, "via": via}).to_string();
        }
        change.note = Some(reason.clone());
        let mut tx = self.store.begin().await?;
        tx.change_payment(&change).await?;
        tx.append_audit(
            &actor.audit(
                "payment.refunded",
                Some(format!("payment:{}", row.id)),
                json!({"reason": reason, "via": via, "amount_vnd": row.amount_vnd}),
            ),
            self.now_micros(),
        )
        .await?;
        tx.commit().await?;
        Ok(PaymentView::of(&self.store.payment(payment_id).await?))
    }

    /// The lost-callback job: asks the gateway about every attempt still pending
    /// [`QUERY_AFTER`] after it started; a paid answer is applied like a callback, a failure
    /// fails it, and an attempt past its expiry that the gateway does not call paid expires.
    pub async fn check_stale_payments(&self) -> AppResult<StaleReport> {
        let now = self.now();
        let stale = self
            .store
            .stale_pending_payments(micros(now - QUERY_AFTER), 200)
            .await?;
        let mut report = StaleReport::default();
        for row in stale {
            report.checked += 1;
            let gateway = PaymentMethod::parse(&row.method)
                .and_then(kind_of)
                .and_then(|kind| self.gateways.get(kind).cloned());
            let answer = match &gateway {
                Some(gateway) => gateway
                    .query(&row.reference, from_micros(row.created_at), now)
                    .await
                    .map_err(|error| {
                        tracing::warn!(payment = row.id, error = %error, "payment query failed");
                    })
                    .ok(),
                None => None,
            };
            let kind = gateway.as_ref().map(|g| g.kind());
            match (answer, kind) {
                (
                    Some(QueryStatus::Paid {
                        gateway_transaction,
                        amount_vnd,
                        paid_at,
                    }),
                    Some(kind),
                ) => {
                    let confirmation = Confirmation::Paid {
                        reference: row.reference.clone(),
                        amount_vnd,
                        gateway_transaction,
                        paid_at,
                    };
                    let (outcome, logged) = self
                        .apply_confirmation(kind, &confirmation, "query")
                        .await?;
                    if outcome == CallbackOutcome::Accepted {
                        report.paid += 1;
                    }
                    let _ = self
                        .store
                        .log_payment_callback(
                            kind.as_str(),
                            self.now_micros(),
                            Some(&row.reference),
                            Some(amount_vnd),
                            logged,
                            "query",
                        )
                        .await;
                }
                (Some(QueryStatus::Failed { code }), Some(kind)) => {
                    let confirmation = Confirmation::NotPaid {
                        reference: row.reference.clone(),
                        amount_vnd: row.amount_vnd,
                        code,
                    };
                    let (outcome, _) = self
                        .apply_confirmation(kind, &confirmation, "query")
                        .await?;
                    if outcome == CallbackOutcome::Accepted {
                        report.failed += 1;
                    }
                }
                (answer, _) => {
                    if answer.is_none() && gateway.is_some() {
                        report.unreachable += 1;
                        // Unreachable: never expire an attempt the gateway may have paid.
                        report.still_pending += 1;
                        continue;
                    }
                    if now >= from_micros(row.expires_at) {
                        let change = self.decided_change(
                            &row,
                            &PaymentTransition::Expire,
                            "system",
                            "expired",
                            json!({"gateway": format!("{answer:?}")}),
                        )?;
                        let mut tx = self.store.begin().await?;
                        tx.change_payment(&change).await?;
                        tx.commit().await?;
                        report.expired += 1;
                    } else {
                        report.still_pending += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    /// Runs [`App::check_stale_payments`] every minute until `stop` fires.
    pub async fn run_payment_jobs(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.check_stale_payments().await {
                Ok(report) if report.checked > 0 => {
                    tracing::info!(?report, "pending payments checked with their gateways");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(error = %error, "payment job"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                _ = stop.changed() => break,
            }
        }
    }

    /// Đối soát: every attempt created on `day` (Vietnam time) under `unit_id`, beside the
    /// gateway's answer to a query, and the callbacks of that day that named a reference we
    /// never issued. Needs the reports permission over the unit.
    pub async fn reconciliation(
        &self,
        actor: &Actor,
        unit_id: i64,
        day: Date,
    ) -> AppResult<Reconciliation> {
        let unit = self.store.get_unit(unit_id).await?;
        actor.require_at(Permission::ReportsView, &unit.path)?;
        let start = day
            .midnight()
            .assume_offset(motcua_domain::calendar::VIETNAM_OFFSET);
        let end = start + Duration::days(1);
        let now = self.now();
        let mut rows = Vec::new();
        let mut total_paid = 0i64;
        for payment in self
            .store
            .payments_in_period(&unit.path, micros(start), micros(end))
            .await?
        {
            let method = PaymentMethod::parse(&payment.method);
            let gateway = method
                .and_then(kind_of)
                .and_then(|kind| self.gateways.get(kind).cloned());
            if payment.state == "paid" {
                total_paid = total_paid.saturating_add(payment.amount_vnd);
            }
            let (gateway_state, gateway_amount, gateway_txn) = match gateway {
                None if method.is_some_and(|m| !m.is_online()) => {
                    ("not_applicable".to_owned(), None, None)
                }
                None => ("unreachable".to_owned(), None, None),
                Some(gateway) => match gateway
                    .query(&payment.reference, from_micros(payment.created_at), now)
                    .await
                {
                    Ok(QueryStatus::Paid {
                        gateway_transaction,
                        amount_vnd,
                        ..
                    }) => (
                        "paid".to_owned(),
                        Some(amount_vnd),
                        Some(gateway_transaction),
                    ),
                    Ok(QueryStatus::Pending) => ("pending".to_owned(), None, None),
                    Ok(QueryStatus::Failed { .. }) => ("failed".to_owned(), None, None),
                    Ok(QueryStatus::NotFound) => ("not_found".to_owned(), None, None),
                    Ok(QueryStatus::Refunded { amount_vnd }) => {
                        ("refunded".to_owned(), Some(amount_vnd), None)
                    }
                    Err(_) => ("unreachable".to_owned(), None, None),
                },
            };
            let mismatch = match (payment.state.as_str(), gateway_state.as_str()) {
                (_, "not_applicable") => None,
                (_, "unreachable") => Some("unreachable"),
                ("paid", "paid") | ("refunded", "refunded") | ("refunded", "paid") => {
                    (gateway_amount != Some(payment.amount_vnd) && payment.state == "paid")
                        .then_some("amount-differs")
                }
                (_, "paid") => Some("paid-at-gateway-not-here"),
                ("paid", _) => Some("paid-here-not-at-gateway"),
                _ => None,
            };
            rows.push(ReconciliationRow {
                reference: payment.reference.clone(),
                dossier_id: payment.dossier_id,
                method: payment.method.clone(),
                our_state: payment.state.clone(),
                our_amount_vnd: payment.amount_vnd,
                gateway_state,
                gateway_amount_vnd: gateway_amount,
                gateway_transaction: gateway_txn.or(payment.gateway_transaction.clone()),
                mismatch: mismatch.map(str::to_owned),
            });
        }
        // Callbacks naming a reference we never issued: money may have been taken for
        // something that is not ours. Shown to the top of the tree only (they concern no unit).
        if unit.parent_id.is_none() {
            for callback in self
                .store
                .payment_callbacks(micros(start), micros(end))
                .await?
            {
                if callback.outcome == "unknown_reference" {
                    rows.push(ReconciliationRow {
                        reference: callback.reference.clone().unwrap_or_default(),
                        dossier_id: 0,
                        method: callback.gateway.clone(),
                        our_state: "none".to_owned(),
                        our_amount_vnd: 0,
                        gateway_state: "callback".to_owned(),
                        gateway_amount_vnd: callback.amount_vnd,
                        gateway_transaction: None,
                        mismatch: Some("unknown-reference".to_owned()),
                    });
                }
            }
        }
        let mismatches = rows.iter().filter(|r| r.mismatch.is_some()).count();
        Ok(Reconciliation {
            unit_id: unit.id,
            unit_name: unit.name,
            day,
            rows,
            total_paid_vnd: total_paid,
            mismatches,
        })
    }
}

/// The reconciliation as CSV (UTF-8 with BOM so spreadsheet programs read Vietnamese), one
/// line per row, amounts in đồng.
pub fn reconciliation_csv(report: &Reconciliation) -> AppResult<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer
            .write_record([
                "ma_tham_chieu",
                "ho_so",
                "kenh",
                "trang_thai_he_thong",
                "so_tien_he_thong",
                "trang_thai_cong",
                "so_tien_cong",
                "ma_giao_dich",
                "chenh_lech",
            ])
            .map_err(|e| AppError::Internal(e.into()))?;
        for row in &report.rows {
            writer
                .write_record([
                    row.reference.clone(),
                    row.dossier_id.to_string(),
                    row.method.clone(),
                    row.our_state.clone(),
                    row.our_amount_vnd.to_string(),
                    row.gateway_state.clone(),
                    row.gateway_amount_vnd
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                    row.gateway_transaction.clone().unwrap_or_default(),
                    row.mismatch.clone().unwrap_or_default(),
                ])
                .map_err(|e| AppError::Internal(e.into()))?;
        }
        writer.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(out)
}

/// The reconciliation as an Excel workbook (.xlsx), the same columns as the CSV.
pub fn reconciliation_xlsx(report: &Reconciliation) -> Vec<u8> {
    use crate::xlsx::Cell;
    let text = |s: &str| Cell::Text(s.to_owned());
    let mut rows = vec![
        [
            "Mã tham chiếu",
            "Hồ sơ",
            "Kênh",
            "Trạng thái trong hệ thống",
            "Số tiền (đồng)",
            "Trạng thái tại cổng",
            "Số tiền tại cổng (đồng)",
            "Mã giao dịch",
            "Chênh lệch",
        ]
        .iter()
        .map(|h| text(h))
        .collect::<Vec<_>>(),
    ];
    for row in &report.rows {
        rows.push(vec![
            text(&row.reference),
            Cell::Number(row.dossier_id),
            text(&row.method),
            text(&row.our_state),
            Cell::Number(row.our_amount_vnd),
            text(&row.gateway_state),
            row.gateway_amount_vnd
                .map(Cell::Number)
                .unwrap_or_else(|| text("")),
            text(row.gateway_transaction.as_deref().unwrap_or_default()),
            text(row.mismatch.as_deref().unwrap_or_default()),
        ]);
    }
    crate::xlsx::workbook(
        &format!(
            "Đối soát {:02}-{:02}-{}",
            report.day.day(),
            u8::from(report.day.month()),
            report.day.year()
        ),
        &rows,
    )
}
