//! Effects on the outside world, as outbox rows: which kinds exist, which of them this build
//! delivers, and what an administrator sees of the rows that wait.
//!
//! A dossier decision's effects are matched exhaustively in `dossiers::persist`; every effect
//! that leaves the system becomes a row of its kind in the decision's transaction. Kinds whose
//! integration is not built yet are never claimed, so they wait (nothing is lost) and are
//! counted on `/admin/outbox` instead of failing and backing off forever.

use crate::{Actor, App, AppResult};
use motcua_domain::authz::{Access, Permission};
use motcua_domain::dossier::{Decision, Effect};
use motcua_store::StoreTx;
use motcua_store::outbox::OutboxScope;
use serde::Serialize;
use serde_json::json;

/// The kinds of outbox rows.
pub mod outbox_kind {
    /// A message to a person (e-mail, SMS): delivered by `notify`.
    pub const NOTIFY: &str = "notify";
    /// Đồng bộ trạng thái lên Cổng DVCQG: a dossier's new national status.
    pub const SYNC_NATIONAL: &str = "sync-national";
    /// Trả kết quả: hand the result over by the chosen method (post, online).
    pub const DELIVER_RESULT: &str = "deliver-result";
    /// Nộp hồ sơ qua bưu chính: order the postman to collect a dossier's papers (see `postal`).
    pub const PICKUP_DOSSIER: &str = "pickup-dossier";
    /// A payment was confirmed: resume the dossier it pays for (see `payments`).
    pub const PAYMENT_SETTLED: &str = "payment-settled";
    /// A message to the city's chat account waits for its answer (see `chatbot`).
    pub const CHAT_REPLY: &str = "chat-reply";
    /// A signed event POSTed to a system client's webhook (see `clients`).
    pub const WEBHOOK: &str = "webhook";
}

/// The dossier a decision concerns, as its effects need it.
pub(crate) struct EffectTarget<'a> {
    pub dossier_id: i64,
    /// The code before the decision (a decision that numbers the dossier carries its own).
    pub dossier_code: Option<&'a str>,
    pub procedure_code: &'a str,
    /// The agency path the rows concern (after a transfer, the receiving agency's).
    pub scope: &'a str,
    pub delivery_address: Option<&'a str>,
    /// Who is told and how, resolved before the transaction when the decision notifies.
    pub audience: Option<&'a crate::notifications::Audience>,
}

/// Writes the outbox rows of a decision's effects in its transaction. Every effect is matched
/// here, exhaustively, by every path that decides (submission, counter registration, every
/// other action): those done inside the transaction or read from the record say so; every
/// effect on the outside world becomes a row of its kind, delivered by the worker for that
/// kind or waiting (visible at `/admin/outbox`) until its integration exists.
pub(crate) async fn enqueue_effects(
    tx: &mut StoreTx,
    target: &EffectTarget<'_>,
    decision: &Decision,
    now: i64,
) -> AppResult<()> {
    let code = decision
        .new_state
        .code
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| target.dossier_code.map(str::to_owned))
        .unwrap_or_default();
    let scope = Some(target.scope);
    // Whether a status change's row already carries this step to the national portal.
    let mut synced = false;
    for effect in &decision.effects {
        match effect {
            Effect::NotifyCitizen { template } => {
                let Some(audience) = target.audience else {
                    // A counter dossier without a linked account: the applicant follows it
                    // with the receipt's code; there is no one to write to.
                    continue;
                };
                let link = format!("{}/{code}", audience.link_base);
                let vars = crate::notifications::decision_vars(
                    decision,
                    &code,
                    &audience.procedure_name,
                    &link,
                );
                let template = crate::notifications::decision_template(*template, &vars);
                for (channel, to) in &audience.recipients {
                    let payload = json!({
                        "channel": channel.as_str(), "to": to, "template": template,
                        "lang": audience.language, "vars": vars,
                    });
                    tx.enqueue_on_channel(
                        outbox_kind::NOTIFY,
                        channel.as_str(),
                        &payload.to_string(),
                        now,
                        scope,
                    )
                    .await?;
                }
            }
            Effect::SyncNational { code: status } => {
                synced = true;
                let payload = json!({
                    "dossier_id": target.dossier_id, "dossier_code": code,
                    "procedure_code": target.procedure_code, "status": status, "at": now,
                });
                tx.enqueue_scoped(outbox_kind::SYNC_NATIONAL, &payload.to_string(), now, scope)
                    .await?;
                // The same change told to every system client subscribed over the agency.
                let at = motcua_store::from_micros(now)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                for client_id in tx.webhook_subscribers(target.scope).await? {
                    let payload = json!({
                        "client_id": client_id, "event": "dossier.status",
                        "data": {
                            "dossier_id": target.dossier_id, "dossier_code": code,
                            "procedure_code": target.procedure_code, "status": status,
                            "at": at,
                        },
                    });
                    tx.enqueue_scoped(outbox_kind::WEBHOOK, &payload.to_string(), now, scope)
                        .await?;
                }
            }
            Effect::DeliverResult { method } => {
                // `seq`: the posting event, so a row of an earlier posting is told apart.
                let payload = json!({
                    "dossier_id": target.dossier_id, "dossier_code": code,
                    "method": method, "address": target.delivery_address,
                    "seq": decision.events.first().map(|e| e.seq),
                });
                tx.enqueue_scoped(
                    outbox_kind::DELIVER_RESULT,
                    &payload.to_string(),
                    now,
                    scope,
                )
                .await?;
            }
            // Forms (Mẫu 01–05) are rendered from the event chain whenever they are asked
            // for, so issuing one needs no work now.
            Effect::IssueForm { .. } => {}
            // The queue columns are written with the new state (`update_dossier`).
            Effect::Enqueue { .. } => {}
            // The caller writes the consultation rows and the consulted officials' letters.
            Effect::RequestOpinion { .. } => {}
            // The caller moves the agency in the same transaction before this.
            Effect::TransferTo { .. } => {}
            // The tracking book (Mẫu 07) is a query over received dossiers.
            Effect::RecordInRegister => {}
        }
    }
    // Every step of a numbered dossier goes to the national portal, not only status changes
    // (an assignment, a consultation, a shipment are lines of its process history there).
    if !synced && !code.is_empty() {
        let status = decision
            .new_state
            .status
            .map(|s| i64::from(s.national_code()));
        crate::national_sync::enqueue_sync(
            tx,
            target.dossier_id,
            Some(&code),
            status,
            target.scope,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The kinds a worker of this build delivers whatever is configured; the others wait for
/// their integration (see [`App::delivered_kinds`]).
pub const DELIVERED_KINDS: &[&str] = &[
    outbox_kind::NOTIFY,
    outbox_kind::PAYMENT_SETTLED,
    outbox_kind::DELIVER_RESULT,
    outbox_kind::PICKUP_DOSSIER,
    outbox_kind::CHAT_REPLY,
    outbox_kind::WEBHOOK,
];

impl App {
    /// The kinds this process's worker claims: [`DELIVERED_KINDS`], and the national sync
    /// when a portal is configured (without one its rows wait, counted, until one is).
    pub fn delivered_kinds(&self) -> Vec<&'static str> {
        let mut kinds = DELIVERED_KINDS.to_vec();
        if self.national.is_some() {
            kinds.push(outbox_kind::SYNC_NATIONAL);
        }
        kinds
    }
}

/// One kind's rows within the caller's jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxKindSummary {
    pub kind: String,
    /// Waiting to be delivered (including those that failed and will be retried).
    pub pending: i64,
    /// Waiting after at least one failed attempt.
    pub failing: i64,
    pub done: i64,
    /// Given up after the last attempt or refused for good (dead letters).
    pub dead: i64,
    /// Whether this build has a worker for the kind; `false` means the rows wait.
    pub delivered_here: bool,
}

/// One waiting row, without its payload (which may hold a one-time code or an address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitingEffect {
    pub id: i64,
    pub kind: String,
    pub scope_path: Option<String>,
    /// The name of the unit at `scope_path`.
    pub scope_name: Option<String>,
    /// Unix microseconds.
    pub created_at: i64,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// What `/admin/outbox` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxOverview {
    pub kinds: Vec<OutboxKindSummary>,
    /// The oldest waiting rows (at most [`WAITING_SHOWN`]).
    pub waiting: Vec<WaitingEffect>,
}

/// How many waiting rows the overview lists.
pub const WAITING_SHOWN: i64 = 200;

impl App {
    /// The outbox as an administrator sees it: rows of their jurisdiction; rows that concern
    /// no unit (sign-up codes) only for those who administer a root of the tree.
    pub async fn outbox_overview(&self, actor: &Actor) -> AppResult<OutboxOverview> {
        actor.require(Access::Staff(Permission::AuditView))?;
        let scope = match actor.principal.jurisdictions(Permission::AuditView) {
            None => OutboxScope {
                paths: None,
                unscoped: true,
            },
            Some(paths) => OutboxScope {
                unscoped: paths.iter().any(|p| p.depth() == 1),
                paths: Some(paths.iter().map(|p| p.as_str().to_owned()).collect()),
            },
        };
        let delivered = self.delivered_kinds();
        let kinds = self
            .store
            .outbox_counts(&scope)
            .await?
            .into_iter()
            .map(|c| OutboxKindSummary {
                delivered_here: delivered.contains(&c.kind.as_str()),
                kind: c.kind,
                pending: c.pending,
                failing: c.failing,
                done: c.done,
                dead: c.dead,
            })
            .collect();
        let units = self.store.list_units().await?;
        let waiting = self
            .store
            .outbox_waiting(&scope, WAITING_SHOWN)
            .await?
            .into_iter()
            .map(|e| WaitingEffect {
                id: e.id,
                kind: e.kind,
                scope_name: e
                    .scope_path
                    .as_ref()
                    .and_then(|p| units.iter().find(|u| &u.path == p))
                    .map(|u| u.name.clone()),
                scope_path: e.scope_path,
                created_at: e.created_at,
                attempts: e.attempts,
                last_error: e.last_error,
            })
            .collect();
        Ok(OutboxOverview { kinds, waiting })
    }
}
