//! The postal channel (bưu chính công ích, QĐ 45/2016/QĐ-TTg, SPEC §2.8): results returned by
//! post and the operator's tracking reports.
//!
//! - **Ordering.** The desk's `return_result` by post leaves the dossier at 9 and writes a
//!   `deliver-result` outbox row ([`App::deliver_result`]). Its handler stores the shipment
//!   first (status `ordering`, a reference unique per posting: `<mã hồ sơ>/tra-kq`, then
//!   `…/tra-kq-2` for a second posting after a return to sender), then asks the operator,
//!   which is idempotent by reference: a handler that runs twice, or again after a lost
//!   reply, orders one parcel. The acceptance (tracking number, fee) and the dossier's
//!   `record_shipment` (as the system) are written in one transaction.
//! - **Tracking.** A callback is verified by the adapter (signature over the raw body, age),
//!   then applied ([`App::handle_tracking_callback`]): an event already kept (same operator
//!   event id) changes nothing; a delivery moves the dossier to 10 (`confirm_delivery`) and a
//!   return to sender brings the result back to the desk (`record_return_to_sender`), each in
//!   the transaction that keeps the event; other events are only kept. Tracking numbers we
//!   never got, and forged or stale callbacks, are refused, logged and audited.
//! - **Lost callbacks.** [`App::check_silent_shipments`] asks the operator about parcels on
//!   their way that nobody heard of for [`SILENT_AFTER`] and applies what it answers the same
//!   way; [`App::run_postal_jobs`] runs it every ten minutes.
//!
//! Nothing here is reached without an operator ([`App::with_postal`]): a posting then waits in
//! the outbox with "no postal operator is configured" as its last error.

use crate::{Actor, App, AppError, AppResult};
use anyhow::Context;
use motcua_channels::ChannelError;
use motcua_channels::postal::{
    Party, PostalConfig, PostalOperator, ShipmentKind, ShipmentOrder, TrackingStatus,
    TrackingUpdate, verify_tracking_callback,
};
use motcua_domain::dossier::{Command, CommandKind, ReturnMethod};
use motcua_domain::procedure::Channel;
use motcua_store::dossiers::DossierRow;
use motcua_store::shipments::{NewShipment, NewShipmentEvent, ShipmentRow};
use motcua_store::{StoreError, StoreTx, micros};
use serde::Deserialize;
use serde_json::json;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// The headers of a signed tracking callback, for the web layer.
pub use motcua_channels::postal::{HEADER_SIGNATURE, HEADER_TIMESTAMP};

/// A parcel on its way that nobody heard of for this long is asked about (lost callbacks).
pub const SILENT_AFTER: Duration = Duration::hours(6);

/// The weight declared for a result (a few sheets in an envelope) [assumed].
pub const RESULT_WEIGHT_GRAMS: u32 = 200;

/// How long a fee quote for the form page is reused.
const QUOTE_TTL: Duration = Duration::minutes(10);

/// The agency's side of a parcel when its own record lacks it (org units may have no phone
/// or address on file): the operator needs both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalSender {
    pub phone: String,
    pub address: String,
}

/// The postal operator the app orders from, with the contract that verifies its callbacks.
pub struct Postal {
    operator: Arc<dyn PostalOperator>,
    config: PostalConfig,
    sender: PostalSender,
    /// The last quote of each kind of parcel for the default address, and when it was asked:
    /// every form page shows both fees.
    quote: Mutex<std::collections::HashMap<ShipmentKind, (OffsetDateTime, i64)>>,
}

impl std::fmt::Debug for Postal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postal")
            .field("customer_code", &self.config.customer_code)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

impl Postal {
    pub fn new(
        operator: Arc<dyn PostalOperator>,
        config: PostalConfig,
        sender: PostalSender,
    ) -> Self {
        Postal {
            operator,
            config,
            sender,
            quote: Mutex::default(),
        }
    }
}

/// What became of a tracking callback; the web layer answers the operator from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingOutcome {
    /// Kept (and applied to the dossier where it moves it).
    Accepted,
    /// Already kept: nothing changed.
    Duplicate,
    /// The signature does not verify (or is missing).
    BadSignature,
    /// Signed, but too old or too far in the future (a replay).
    Stale,
    /// Not a tracking event we can read.
    Malformed,
    /// A parcel we never ordered (or under another reference).
    UnknownTracking,
    /// No postal operator is configured.
    NotConfigured,
    /// Our failure: the operator should send it again.
    Error,
}

impl TrackingOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Duplicate => "duplicate",
            Self::BadSignature => "bad_signature",
            Self::Stale => "stale",
            Self::Malformed => "malformed",
            Self::UnknownTracking => "unknown_tracking",
            Self::NotConfigured => "not_configured",
            Self::Error => "error",
        }
    }
}

/// What one run of [`App::check_silent_shipments`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackReport {
    pub checked: usize,
    /// Events the operator had that we did not.
    pub new_events: usize,
    pub unreachable: usize,
}

/// A parcel as the dossier's pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentView {
    /// `result_delivery` (the result to the applicant) or `dossier_pickup` (the papers from
    /// the applicant's home to the desk).
    pub kind: String,
    pub reference: String,
    /// Mã vận đơn; `None` while the operator has not accepted the order.
    pub tracking_number: Option<String>,
    /// `ordering`, then the operator's status (`accepted`, `in_transit`, `out_for_delivery`,
    /// `delivered`, `delivery_failed`, `returned_to_sender`): a catalogue key `postal-status-…`.
    pub status: String,
    /// Cước bưu chính, once accepted.
    pub fee_vnd: Option<i64>,
    pub receiver_address: String,
    /// Where the postman collects the papers (a pickup).
    pub pickup_address: Option<String>,
    pub created: OffsetDateTime,
    /// The operator's events, in its order of time.
    pub events: Vec<ShipmentEventView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentEventView {
    pub at: OffsetDateTime,
    pub status: String,
    pub note: Option<String>,
}

/// What the public lookup shows of a posted result: the tracking number and where the parcel
/// is, nothing of the address or the receiver.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicPostal {
    pub tracking_number: String,
    /// The operator's status (a catalogue key `postal-status-…`).
    pub status: String,
}

/// Rows of the postal channel written in a dossier decision's transaction (see
/// `dossiers::act::decide_as_system_with`).
#[derive(Debug, Clone)]
pub(crate) enum PostalWrite {
    /// The operator accepted the order.
    Accept {
        shipment_id: i64,
        tracking_number: String,
        fee_vnd: i64,
        at: i64,
    },
    /// A tracking event; an event already kept aborts the transaction as a duplicate.
    Event(NewShipmentEvent),
}

/// The code a duplicate tracking event aborts its transaction with.
const DUPLICATE: &str = "error-postal-duplicate";

/// Writes the postal rows of a decision in its transaction.
pub(crate) async fn write_in(tx: &mut StoreTx, writes: &[PostalWrite]) -> AppResult<()> {
    for write in writes {
        match write {
            PostalWrite::Accept {
                shipment_id,
                tracking_number,
                fee_vnd,
                at,
            } => {
                tx.accept_shipment(*shipment_id, tracking_number, *fee_vnd, *at)
                    .await?;
            }
            PostalWrite::Event(event) => {
                if !tx.record_shipment_event(event).await? {
                    return Err(AppError::Conflict(DUPLICATE));
                }
            }
        }
    }
    Ok(())
}

/// The `deliver-result` outbox payload (see `effects::enqueue_effects`).
#[derive(Debug, Deserialize)]
struct DeliverPayload {
    dossier_id: i64,
    method: ReturnMethod,
    /// The posting event; rows from before it was written name none.
    #[serde(default)]
    seq: Option<u64>,
}

/// Kind of a result shipment in the store.
const RESULT_DELIVERY: &str = "result_delivery";

/// Kind of a shipment collecting a dossier's papers from the applicant.
const DOSSIER_PICKUP: &str = "dossier_pickup";

/// The weight declared for a dossier's papers collected at home [assumed].
pub const DOSSIER_WEIGHT_GRAMS: u32 = 500;

/// What a citizen chose of the postal service on the online form (SPEC §2.8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostalChoice {
    /// Nộp hồ sơ qua bưu chính: the postman collects the papers at this address and brings
    /// them to the desk; the day the operator takes them is the postmark the time counts from.
    pub pickup_address: Option<String>,
    /// Số điện thoại liên hệ: the number the postman calls (collecting the papers, bringing
    /// the result). Without it the account's phone, then a phone typed in the form, is used.
    pub phone: Option<String>,
}

impl PostalChoice {
    /// The pickup address, trimmed; `None` when the papers are not sent by post.
    pub fn pickup(&self) -> Option<&str> {
        self.pickup_address.as_deref().map(str::trim)
    }

    /// The contact phone, trimmed, `None` when empty.
    pub fn contact_phone(&self) -> Option<String> {
        self.phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
    }
}

/// The `pickup-dossier` outbox payload (see `dossiers::submit`).
#[derive(Debug, serde::Serialize, Deserialize)]
pub(crate) struct PickupPayload {
    pub dossier_id: i64,
    /// Where the postman collects the papers.
    pub address: String,
}

impl App {
    /// Sets the postal operator.
    pub fn with_postal(mut self, postal: Postal) -> Self {
        self.postal = Some(Arc::new(postal));
        self
    }

    /// Whether a postal operator is configured (pages offer the fee only then).
    pub fn postal_configured(&self) -> bool {
        self.postal.is_some()
    }

    /// Handles one `deliver-result` outbox row: nothing to do for the counter and online (the
    /// desk hands the result over, the portal shows it); by post, orders the parcel once and
    /// records it on the dossier. An error leaves the row to be tried again.
    pub(crate) async fn deliver_result(&self, payload: &str) -> anyhow::Result<()> {
        let payload: DeliverPayload = serde_json::from_str(payload)?;
        if payload.method != ReturnMethod::Post {
            return Ok(());
        }
        let postal = self
            .postal
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no postal operator is configured"))?;
        // Context, not a new error: the operator's `ChannelError` stays in the chain, so the
        // outbox worker gives a refusal for good up at once (a dead letter) and retries the rest.
        self.post_result(&postal, payload.dossier_id, payload.seq)
            .await
            .with_context(|| format!("posting the result of dossier {}", payload.dossier_id))
    }

    async fn post_result(
        &self,
        postal: &Postal,
        dossier_id: i64,
        seq: Option<u64>,
    ) -> anyhow::Result<()> {
        let row = self.store.get_dossier(dossier_id).await?;
        let state = row.dossier()?;
        let events = self.store.dossier_events(row.id).await?;
        // The posting in force: the last return by post.
        let posting = events
            .iter()
            .rev()
            .filter_map(|e| e.event().ok())
            .find(|e| {
                e.kind == CommandKind::ReturnResult
                    && e.data.get("method").map(String::as_str) == Some("post")
            })
            .map(|e| e.seq);
        let Some(posting) = posting else {
            return Ok(());
        };
        // A row for an earlier posting (the parcel came back and was posted again), a parcel
        // already recorded, or a result no longer in the post: nothing is left to order.
        if seq.is_some_and(|seq| seq != posting)
            || !state.result_in_post()
            || state.result_tracking.is_some()
        {
            return Ok(());
        }
        let posting_seq = i64::try_from(posting)?;
        let shipment = self.shipment_for(&row, posting_seq).await?;
        let order = self.order_for(postal, &row, &shipment).await?;
        let accepted = postal
            .operator
            .create_shipment(&order)
            .await
            .map_err(anyhow::Error::new)?;
        let command = Command::RecordShipment {
            tracking_number: accepted.tracking_number.clone(),
            fee_vnd: accepted.fee_vnd,
        };
        let write = PostalWrite::Accept {
            shipment_id: shipment.id,
            tracking_number: accepted.tracking_number.clone(),
            fee_vnd: accepted.fee_vnd,
            at: self.now_micros(),
        };
        match self
            .decide_as_system_with(&row, &command, std::slice::from_ref(&write))
            .await?
        {
            Ok(_) => {}
            // Recorded meanwhile (another run), or the state moved on: the acceptance is
            // kept on the shipment all the same.
            Err(refused) => {
                tracing::info!(
                    dossier = row.id,
                    refused = refused.as_str(),
                    "shipment recorded without a dossier event"
                );
                let mut tx = self.store.begin().await?;
                write_in(&mut tx, &[write]).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The shipment of a posting, stored before the operator is asked (so a repeat after a
    /// lost reply uses the same reference).
    async fn shipment_for(
        &self,
        row: &DossierRow,
        posting_seq: i64,
    ) -> anyhow::Result<ShipmentRow> {
        if let Some(found) = self
            .store
            .shipment_for_posting(row.id, RESULT_DELIVERY, posting_seq)
            .await?
        {
            return Ok(found);
        }
        let code = row
            .code
            .clone()
            .ok_or_else(|| anyhow::anyhow!("a dossier without a code cannot be posted"))?;
        let earlier = self
            .store
            .dossier_shipments(row.id)
            .await?
            .iter()
            .filter(|s| s.kind == RESULT_DELIVERY)
            .count();
        let reference = if earlier == 0 {
            format!("{code}/tra-kq")
        } else {
            format!("{code}/tra-kq-{}", earlier + 1)
        };
        let new = NewShipment {
            dossier_id: row.id,
            agency_path: row.desk_path().to_owned(),
            kind: RESULT_DELIVERY.to_owned(),
            posting_seq,
            reference,
            receiver_name: row.applicant_name.clone(),
            receiver_address: row.delivery_address.clone().unwrap_or_default(),
            sender: None,
            created_at: self.now_micros(),
        };
        let mut tx = self.store.begin().await?;
        match tx.insert_shipment(&new).await {
            Ok(stored) => {
                tx.commit().await?;
                Ok(stored)
            }
            // Another run stored it first.
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                self.store
                    .shipment_for_posting(row.id, RESULT_DELIVERY, posting_seq)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("shipment reference taken by another parcel"))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The order for a stored shipment: from the desk's agency to the applicant's postal
    /// address, the receiver's phone from their account or the form.
    async fn order_for(
        &self,
        postal: &Postal,
        row: &DossierRow,
        shipment: &ShipmentRow,
    ) -> anyhow::Result<ShipmentOrder> {
        let phone = self.applicant_phone(row).await?;
        let code = row.code.clone().unwrap_or_default();
        Ok(ShipmentOrder {
            reference: shipment.reference.clone(),
            kind: ShipmentKind::ResultDelivery,
            sender: self.desk_party(postal, row).await?,
            receiver: Party {
                name: shipment.receiver_name.clone(),
                phone,
                address: shipment.receiver_address.clone(),
            },
            content: format!("Kết quả giải quyết thủ tục hành chính, hồ sơ {code}"),
            weight_grams: RESULT_WEIGHT_GRAMS,
            cash_on_delivery_vnd: 0,
        })
    }

    /// The desk's side of a parcel: its name, and its phone and address or the configured ones.
    async fn desk_party(&self, postal: &Postal, row: &DossierRow) -> anyhow::Result<Party> {
        let desk = self
            .store
            .get_unit(row.desk_id.unwrap_or(row.agency_id))
            .await?;
        Ok(Party {
            name: desk.name.clone(),
            phone: desk
                .phone
                .filter(|p| motcua_channels::postal::postal_phone(p).is_some())
                .unwrap_or_else(|| postal.sender.phone.clone()),
            address: desk
                .address
                .filter(|a| !a.trim().is_empty())
                .unwrap_or_else(|| postal.sender.address.clone()),
        })
    }

    /// The number the postman calls: the one given for the post, the account's, or one typed
    /// in the form. None of them is a refusal for good: no retry finds a number.
    async fn applicant_phone(&self, row: &DossierRow) -> anyhow::Result<String> {
        let mut phones: Vec<String> = row.contact_phone.iter().cloned().collect();
        if let Some(citizen_id) = row.citizen_id {
            phones.extend(self.store.get_citizen(citizen_id).await?.phone);
        }
        phones.extend(form_phones(&row.form));
        phones
            .into_iter()
            .find(|p| motcua_channels::postal::postal_phone(p).is_some())
            .ok_or_else(|| {
                anyhow::Error::new(ChannelError::Refused {
                    code: "no-phone".to_owned(),
                    message: "the applicant left no phone number for the postman".to_owned(),
                    permanent: true,
                })
            })
    }

    /// Handles one `pickup-dossier` outbox row: orders the postman to collect the papers of a
    /// dossier registered online and sent by post, once (the reference `<mã hồ sơ>/nop-hs` is
    /// the operator's idempotency key), and keeps the tracking number on the shipment. A
    /// dossier the desk no longer waits for (received at the counter, refused, withdrawn)
    /// needs no postman.
    pub(crate) async fn pickup_dossier(&self, payload: &str) -> anyhow::Result<()> {
        let payload: PickupPayload = serde_json::from_str(payload)?;
        let postal = self
            .postal
            .clone()
            .ok_or_else(|| anyhow::anyhow!("no postal operator is configured"))?;
        let row = self.store.get_dossier(payload.dossier_id).await?;
        if row.dossier()?.status != Some(motcua_domain::dossier::DossierStatus::Submitted) {
            return Ok(());
        }
        let code = row
            .code
            .clone()
            .ok_or_else(|| anyhow::anyhow!("a dossier without a code cannot be collected"))?;
        let desk = self.desk_party(&postal, &row).await?;
        let shipment = match self
            .store
            .shipment_for_posting(row.id, DOSSIER_PICKUP, 0)
            .await?
        {
            Some(found) => found,
            None => {
                let new = NewShipment {
                    dossier_id: row.id,
                    agency_path: row.desk_path().to_owned(),
                    kind: DOSSIER_PICKUP.to_owned(),
                    posting_seq: 0,
                    reference: format!("{code}/nop-hs"),
                    receiver_name: desk.name.clone(),
                    receiver_address: desk.address.clone(),
                    sender: Some((row.applicant_name.clone(), payload.address.clone())),
                    created_at: self.now_micros(),
                };
                let mut tx = self.store.begin().await?;
                match tx.insert_shipment(&new).await {
                    Ok(stored) => {
                        tx.commit().await?;
                        stored
                    }
                    Err(StoreError::Conflict(_)) => {
                        drop(tx);
                        self.store
                            .shipment_for_posting(row.id, DOSSIER_PICKUP, 0)
                            .await?
                            .ok_or_else(|| {
                                anyhow::anyhow!("shipment reference taken by another parcel")
                            })?
                    }
                    Err(other) => return Err(other.into()),
                }
            }
        };
        if shipment.tracking_number.is_some() {
            return Ok(());
        }
        let order = ShipmentOrder {
            reference: shipment.reference.clone(),
            kind: ShipmentKind::DossierPickup,
            sender: Party {
                name: row.applicant_name.clone(),
                phone: self.applicant_phone(&row).await?,
                address: payload.address.clone(),
            },
            receiver: desk,
            content: format!("Hồ sơ thủ tục hành chính {code}"),
            weight_grams: DOSSIER_WEIGHT_GRAMS,
            cash_on_delivery_vnd: 0,
        };
        let accepted = postal
            .operator
            .create_shipment(&order)
            .await
            .map_err(anyhow::Error::new)
            .with_context(|| format!("ordering the pickup of dossier {}", row.id))?;
        let mut tx = self.store.begin().await?;
        write_in(
            &mut tx,
            &[PostalWrite::Accept {
                shipment_id: shipment.id,
                tracking_number: accepted.tracking_number,
                fee_vnd: accepted.fee_vnd,
                at: self.now_micros(),
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ngày dấu bưu điện of a dossier whose papers the postman collected: the (Vietnam) day
    /// the operator reported taking the parcel; `None` before that, or for any other dossier.
    pub(crate) async fn pickup_postmark(&self, row: &DossierRow) -> AppResult<Option<time::Date>> {
        let Some(shipment) = self
            .store
            .shipment_for_posting(row.id, DOSSIER_PICKUP, 0)
            .await?
        else {
            return Ok(None);
        };
        let taken = self
            .store
            .shipment_events(shipment.id)
            .await?
            .into_iter()
            .filter(|e| e.status == TrackingStatus::Accepted.as_str())
            .map(|e| e.at)
            .min();
        Ok(taken.map(|at| {
            motcua_store::from_micros(at)
                .to_offset(motcua_domain::calendar::VIETNAM_OFFSET)
                .date()
        }))
    }

    /// A tracking callback from the operator, as received: the raw body and the signature
    /// headers. Never changes anything unless the signature verifies and the event is new.
    pub async fn handle_tracking_callback(
        &self,
        raw_body: &[u8],
        timestamp: Option<&str>,
        signature: Option<&str>,
        ip: Option<&str>,
    ) -> TrackingOutcome {
        let Some(postal) = self.postal.clone() else {
            return TrackingOutcome::NotConfigured;
        };
        let now = self.now().unix_timestamp();
        let update = match verify_tracking_callback(
            &postal.config,
            raw_body,
            timestamp,
            signature,
            now,
        ) {
            Ok(update) => update,
            Err(error) => {
                let outcome = match error {
                    ChannelError::BadSignature => TrackingOutcome::BadSignature,
                    ChannelError::Stale => TrackingOutcome::Stale,
                    _ => TrackingOutcome::Malformed,
                };
                tracing::warn!(outcome = outcome.as_str(), %error, "postal tracking callback refused");
                self.audit_callback(outcome, None, ip).await;
                return outcome;
            }
        };
        match self.apply_tracking_update(&update, "callback").await {
            Ok(outcome) => {
                if outcome == TrackingOutcome::UnknownTracking {
                    tracing::warn!(tracking = %update.tracking_number, reference = %update.reference, "tracking callback for a parcel we never ordered");
                    self.audit_callback(outcome, Some(&update.tracking_number), ip)
                        .await;
                }
                outcome
            }
            Err(error) => {
                tracing::error!(tracking = %update.tracking_number, error = %error, "tracking callback not applied");
                TrackingOutcome::Error
            }
        }
    }

    /// Puts a refused callback on the audit trail (never changes the answer).
    async fn audit_callback(
        &self,
        outcome: TrackingOutcome,
        tracking: Option<&str>,
        ip: Option<&str>,
    ) {
        let actor = Actor::anonymous(ip.map(str::to_owned));
        let entry = actor.audit(
            &format!("postal.callback_{}", outcome.as_str()),
            tracking.map(|t| format!("shipment:{t}")),
            json!({}),
        );
        let written = async {
            let mut tx = self.store.begin().await?;
            tx.append_audit(&entry, self.now_micros()).await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = written {
            tracing::error!(error = %error, "could not audit a postal callback");
        }
    }

    /// Applies one verified tracking event (a callback, or pulled by `track`).
    async fn apply_tracking_update(
        &self,
        update: &TrackingUpdate,
        source: &str,
    ) -> AppResult<TrackingOutcome> {
        let Some(shipment) = self
            .store
            .shipment_by_tracking(&update.tracking_number)
            .await?
            .filter(|s| s.reference == update.reference)
        else {
            return Ok(TrackingOutcome::UnknownTracking);
        };
        let at = OffsetDateTime::from_unix_timestamp(update.at)
            .map_err(|_| AppError::invalid("at", "error-postal-time"))?;
        let event = NewShipmentEvent {
            shipment_id: shipment.id,
            event_id: update.event_id.clone(),
            status: update.status.as_str().to_owned(),
            at: micros(at),
            note: update.note.clone(),
            received_at: self.now_micros(),
            source: source.to_owned(),
        };
        let tracking_number = update.tracking_number.clone();
        let command = match update.status {
            _ if shipment.kind != RESULT_DELIVERY => None,
            TrackingStatus::Delivered => Some(Command::ConfirmDelivery {
                tracking_number,
                delivered_at: at,
            }),
            TrackingStatus::ReturnedToSender => Some(Command::RecordReturnToSender {
                tracking_number,
                note: update.note.clone().unwrap_or_default(),
            }),
            _ => None,
        };
        // A concurrent change of the dossier (another official, the same event twice at once)
        // is met by reading again.
        for _ in 0..3 {
            if let Some(command) = &command {
                let row = self.store.get_dossier(shipment.dossier_id).await?;
                let state = row.dossier()?;
                if state.result_in_post()
                    && state.result_tracking.as_deref() == Some(update.tracking_number.as_str())
                {
                    let writes = [PostalWrite::Event(event.clone())];
                    match self.decide_as_system_with(&row, command, &writes).await {
                        Ok(Ok(_)) => return Ok(TrackingOutcome::Accepted),
                        Ok(Err(refused)) => {
                            tracing::warn!(
                                dossier = row.id,
                                refused = refused.as_str(),
                                "tracking event kept without a dossier change"
                            );
                        }
                        Err(AppError::Conflict(DUPLICATE)) => {
                            return Ok(TrackingOutcome::Duplicate);
                        }
                        Err(AppError::Conflict("error-dossier-changed")) => continue,
                        Err(other) => return Err(other),
                    }
                }
            }
            let mut tx = self.store.begin().await?;
            let new = tx.record_shipment_event(&event).await?;
            tx.commit().await?;
            return Ok(if new {
                TrackingOutcome::Accepted
            } else {
                TrackingOutcome::Duplicate
            });
        }
        Err(AppError::Conflict("error-dossier-changed"))
    }

    /// The lost-callback job: asks the operator about every accepted parcel still on its way
    /// that nobody heard of for [`SILENT_AFTER`], and applies the events we did not have.
    pub async fn check_silent_shipments(&self) -> AppResult<TrackReport> {
        let mut report = TrackReport::default();
        let Some(postal) = self.postal.clone() else {
            return Ok(report);
        };
        let now = self.now();
        let silent = self
            .store
            .silent_shipments(micros(now - SILENT_AFTER), 200)
            .await?;
        for shipment in silent {
            let Some(tracking) = &shipment.tracking_number else {
                continue;
            };
            report.checked += 1;
            match postal.operator.track(tracking).await {
                Ok(updates) => {
                    for update in &updates {
                        if self.apply_tracking_update(update, "pull").await?
                            == TrackingOutcome::Accepted
                        {
                            report.new_events += 1;
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(shipment = shipment.id, %error, "tracking pull failed");
                    report.unreachable += 1;
                    continue;
                }
            }
            self.store
                .touch_shipment(shipment.id, self.now_micros())
                .await?;
        }
        Ok(report)
    }

    /// Runs [`App::check_silent_shipments`] every ten minutes until `stop` fires.
    pub async fn run_postal_jobs(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        loop {
            match self.check_silent_shipments().await {
                Ok(report) if report.checked > 0 => {
                    tracing::info!(?report, "silent parcels asked about");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(error = %error, "postal tracking job"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
                _ = stop.changed() => break,
            }
        }
    }

    /// Phí bưu chính for returning a result to `address` (the agency's own area when none is
    /// given yet), as the operator quotes it; `None` without an operator or when it cannot be
    /// asked. Each kind's quote for the default address is reused for ten minutes.
    pub async fn postal_fee_quote(&self, address: Option<&str>) -> Option<i64> {
        self.fee_quote(ShipmentKind::ResultDelivery, address).await
    }

    /// Phí nhận hồ sơ tại nhà: what the operator charges to collect a dossier's papers at
    /// `address` (the agency's own area when none is given yet); `None` as for
    /// [`App::postal_fee_quote`].
    pub async fn pickup_fee_quote(&self, address: Option<&str>) -> Option<i64> {
        self.fee_quote(ShipmentKind::DossierPickup, address).await
    }

    async fn fee_quote(&self, kind: ShipmentKind, address: Option<&str>) -> Option<i64> {
        let postal = self.postal.clone()?;
        let now = self.now();
        let address = address.map(str::trim).filter(|a| !a.is_empty());
        let cached = address.is_none();
        if cached
            && let Ok(cache) = postal.quote.lock()
            && let Some((at, fee)) = cache.get(&kind).copied()
            && now - at < QUOTE_TTL
        {
            return Some(fee);
        }
        let asked = address.unwrap_or(&postal.sender.address);
        let weight = match kind {
            ShipmentKind::ResultDelivery => RESULT_WEIGHT_GRAMS,
            ShipmentKind::DossierPickup => DOSSIER_WEIGHT_GRAMS,
        };
        match postal.operator.quote(kind, asked, weight).await {
            Ok(fee) => {
                if cached && let Ok(mut cache) = postal.quote.lock() {
                    cache.insert(kind, (now, fee));
                }
                Some(fee)
            }
            Err(error) => {
                tracing::warn!(%error, "postal fee quote failed");
                None
            }
        }
    }

    /// The parcels of a dossier the caller may see (the same rule as the dossier), newest last.
    pub async fn dossier_shipments(
        &self,
        actor: &Actor,
        dossier_id: i64,
    ) -> AppResult<Vec<ShipmentView>> {
        let row = self.dossier_row(actor, dossier_id).await?;
        let mut views = Vec::new();
        for shipment in self.store.dossier_shipments(row.id).await? {
            let events = self
                .store
                .shipment_events(shipment.id)
                .await?
                .into_iter()
                .map(|e| ShipmentEventView {
                    at: motcua_store::from_micros(e.at),
                    status: e.status,
                    note: e.note,
                })
                .collect();
            views.push(ShipmentView {
                kind: shipment.kind,
                reference: shipment.reference,
                tracking_number: shipment.tracking_number,
                status: shipment.status,
                fee_vnd: shipment.fee_vnd,
                receiver_address: shipment.receiver_address,
                pickup_address: shipment.sender_address,
                created: motcua_store::from_micros(shipment.created_at),
                events,
            });
        }
        Ok(views)
    }

    /// The latest result parcel of a dossier with a tracking number, for the public lookup.
    pub(crate) async fn public_postal(&self, dossier_id: i64) -> AppResult<Option<PublicPostal>> {
        Ok(self
            .store
            .dossier_shipments(dossier_id)
            .await?
            .into_iter()
            .rev()
            .filter(|s| s.kind == RESULT_DELIVERY)
            .find_map(|s| {
                Some(PublicPostal {
                    tracking_number: s.tracking_number?,
                    status: s.status,
                })
            }))
    }

    /// A result can be posted only to an address: the applicant's choice carries one.
    pub(crate) fn check_postable(row: &DossierRow, command: &Command) -> AppResult<()> {
        if matches!(
            command,
            Command::ReturnResult {
                method: ReturnMethod::Post
            }
        ) && row
            .delivery_address
            .as_deref()
            .is_none_or(|a| a.trim().is_empty())
        {
            return Err(AppError::invalid("method", "error-postal-no-address"));
        }
        Ok(())
    }
}

/// The phone numbers typed in a form (fields named `…dien_thoai…`, as the lookup reads them).
fn form_phones(form: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(form)
        .ok()
        .and_then(|form| form.as_object().cloned())
        .map(|form| {
            form.iter()
                .filter(|(key, _)| key.contains("dien_thoai"))
                .filter_map(|(_, value)| value.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The postmark rules (vn-legal §4, §15): a dossier sent by post counts from the date of the
/// postmark, which cannot be after today nor older than [`POSTMARK_MAX_AGE_DAYS`] days.
pub const POSTMARK_MAX_AGE_DAYS: i64 = 30;

/// Checks a postmark date against today (Vietnam time).
///
/// # Errors
/// `error-postmark-future` or `error-postmark-too-old` on the field `postmark`.
pub fn check_postmark(postmark: time::Date, today: time::Date) -> AppResult<()> {
    if postmark > today {
        return Err(AppError::invalid("postmark", "error-postmark-future"));
    }
    if today - postmark > Duration::days(POSTMARK_MAX_AGE_DAYS) {
        return Err(AppError::invalid("postmark", "error-postmark-too-old"));
    }
    Ok(())
}

/// Checks a contact phone typed for the postman: none (`Ok(None)`), or a Vietnamese number
/// the operator accepts, returned as typed (trimmed).
///
/// # Errors
/// `error-postal-phone` on the field `contact_phone`.
pub fn check_contact_phone(phone: Option<&str>) -> AppResult<Option<String>> {
    match phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => Ok(None),
        Some(phone) if motcua_channels::postal::postal_phone(phone).is_some() => {
            Ok(Some(phone.to_owned()))
        }
        Some(_) => Err(AppError::invalid("contact_phone", "error-postal-phone")),
    }
}

/// The channel a counter registration is recorded under.
pub fn registration_channel(postmark: Option<time::Date>) -> Channel {
    if postmark.is_some() {
        Channel::Postal
    } else {
        Channel::Counter
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_postmark_is_not_in_the_future_nor_too_old() {
        let today = date!(2026 - 11 - 25);
        assert!(check_postmark(today, today).is_ok());
        assert!(check_postmark(date!(2026 - 10 - 26), today).is_ok());
        let code = |result: AppResult<()>| match result {
            Err(AppError::Invalid(fields)) => fields[0].code.clone(),
            other => format!("{other:?}"),
        };
        assert_eq!(
            code(check_postmark(date!(2026 - 11 - 26), today)),
            "error-postmark-future"
        );
        assert_eq!(
            code(check_postmark(date!(2026 - 10 - 25), today)),
            "error-postmark-too-old"
        );
        assert_eq!(registration_channel(Some(today)), Channel::Postal);
        assert_eq!(registration_channel(None), Channel::Counter);
    }

    #[test]
    fn a_contact_phone_is_a_vietnamese_number_or_nothing() {
        assert_eq!(check_contact_phone(None).ok(), Some(None));
        assert_eq!(check_contact_phone(Some("  ")).ok(), Some(None));
        assert_eq!(
            check_contact_phone(Some(" 0912345678 ")).ok(),
            Some(Some("0912345678".to_owned()))
        );
        assert_eq!(
            check_contact_phone(Some("+84912345678")).ok(),
            Some(Some("+84912345678".to_owned()))
        );
        match check_contact_phone(Some("12345")) {
            Err(AppError::Invalid(fields)) => {
                assert_eq!(fields[0].field, "contact_phone");
                assert_eq!(fields[0].code, "error-postal-phone");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn phones_are_read_from_the_form() {
        let form = r#"{"so_dien_thoai": "0912345678", "ho_ten": "A", "dien_thoai_co_quan": "02923820123", "x": 1}"#;
        let mut phones = form_phones(form);
        phones.sort();
        assert_eq!(phones, ["02923820123", "0912345678"]);
        assert!(form_phones("not json").is_empty());
    }
}
