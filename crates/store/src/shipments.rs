//! Parcels ordered from the public postal operator (bưu gửi) and their tracking events.
//!
//! A shipment row is written before the operator is asked (status [`ORDERING`]) under a
//! reference unique per order, one per posting of a result (`dossier_id`, `kind`,
//! `posting_seq`): an order repeated after a lost reply is the same order, and two workers
//! racing on one posting meet at the unique key ([`StoreError::Conflict`]). The operator's
//! acceptance fills the tracking number once ([`StoreTx::accept_shipment`]). Tracking events
//! are kept once per shipment and operator event id ([`StoreTx::record_shipment_event`]
//! says whether the event was new), and the shipment's status follows the latest event by the
//! operator's own time, so events arriving out of order never move a parcel backwards.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};

/// The status of a shipment stored before the operator has answered.
pub const ORDERING: &str = "ordering";

/// Statuses after which the operator reports nothing more.
pub const FINAL_STATUSES: [&str; 2] = ["delivered", "returned_to_sender"];

/// A parcel to order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipment {
    pub dossier_id: i64,
    /// The agency path the shipment concerns (the receiving desk's), for jurisdiction.
    pub agency_path: String,
    /// `result_delivery` or `dossier_pickup`.
    pub kind: String,
    /// The dossier event that asked for it (the posting).
    pub posting_seq: i64,
    pub reference: String,
    pub receiver_name: String,
    pub receiver_address: String,
    /// The sender when it is not the desk: the applicant whose papers are collected.
    pub sender: Option<(String, String)>,
    pub created_at: i64,
}

/// One stored parcel.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShipmentRow {
    pub id: i64,
    pub dossier_id: i64,
    pub agency_path: String,
    pub kind: String,
    pub posting_seq: i64,
    pub reference: String,
    /// Mã vận đơn, once the operator accepted the order.
    pub tracking_number: Option<String>,
    /// [`ORDERING`], then the operator's latest status (`accepted`, `in_transit`, …).
    pub status: String,
    pub fee_vnd: Option<i64>,
    pub receiver_name: String,
    pub receiver_address: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// When we last heard from or asked the operator about it.
    pub checked_at: i64,
    /// The operator's time of the event behind `status`.
    pub last_event_at: Option<i64>,
    /// The sender's name and address when it is not the desk (a dossier collected from the
    /// applicant's home).
    pub sender_name: Option<String>,
    pub sender_address: Option<String>,
}

impl ShipmentRow {
    /// Whether the operator will report nothing more.
    pub fn is_final(&self) -> bool {
        FINAL_STATUSES.contains(&self.status.as_str())
    }
}

/// One tracking event to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShipmentEvent {
    pub shipment_id: i64,
    /// The operator's id of the event (the same event sent twice has the same id).
    pub event_id: String,
    pub status: String,
    /// The operator's time of the event, unix microseconds.
    pub at: i64,
    pub note: Option<String>,
    pub received_at: i64,
    /// `callback` (the operator's signed callback) or `pull` (our signed tracking request).
    pub source: String,
}

/// One kept tracking event.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShipmentEventRow {
    pub id: i64,
    pub shipment_id: i64,
    pub event_id: String,
    pub status: String,
    pub at: i64,
    pub note: Option<String>,
    pub received_at: i64,
    pub source: String,
}

const COLUMNS: &str = "id, dossier_id, agency_path, kind, posting_seq, reference, tracking_number, status, fee_vnd, \
     receiver_name, receiver_address, created_at, updated_at, checked_at, last_event_at, sender_name, sender_address";

const EVENT_COLUMNS: &str = "id, shipment_id, event_id, status, at, note, received_at, source";

impl StoreTx {
    /// Stores a parcel about to be ordered, status [`ORDERING`]. A second shipment for the
    /// same posting, or a reused reference, is a [`StoreError::Conflict`].
    pub async fn insert_shipment(&mut self, new: &NewShipment) -> StoreResult<ShipmentRow> {
        let sql = format!(
            "INSERT INTO shipments (dossier_id, agency_path, kind, posting_seq, reference, status, receiver_name, \
             receiver_address, created_at, updated_at, checked_at, sender_name, sender_address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, $10, $11) RETURNING {COLUMNS}"
        );
        Ok(on_tx!(self, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(new.dossier_id)
                .bind(&new.agency_path)
                .bind(&new.kind)
                .bind(new.posting_seq)
                .bind(&new.reference)
                .bind(ORDERING)
                .bind(&new.receiver_name)
                .bind(&new.receiver_address)
                .bind(new.created_at)
                .bind(new.sender.as_ref().map(|(name, _)| name))
                .bind(new.sender.as_ref().map(|(_, address)| address))
                .fetch_one(&mut *conn)
                .await?
        }))
    }

    /// Records the operator's acceptance: the tracking number and the fee, once. Accepting
    /// again with the same tracking number changes nothing and succeeds (a repeated order
    /// answered the same); another tracking number, or one already given to another parcel,
    /// is a [`StoreError::Conflict`].
    pub async fn accept_shipment(
        &mut self,
        id: i64,
        tracking_number: &str,
        fee_vnd: i64,
        at: i64,
    ) -> StoreResult<ShipmentRow> {
        let sql = format!(
            "UPDATE shipments SET tracking_number = $1, fee_vnd = $2, updated_at = $3, checked_at = $3, \
             status = CASE WHEN status = $4 THEN 'accepted' ELSE status END \
             WHERE id = $5 AND tracking_number IS NULL RETURNING {COLUMNS}"
        );
        let updated: Option<ShipmentRow> = on_tx!(self, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(tracking_number)
                .bind(fee_vnd)
                .bind(at)
                .bind(ORDERING)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        if let Some(row) = updated {
            return Ok(row);
        }
        let current = self.shipment_tx(id).await?;
        if current.tracking_number.as_deref() == Some(tracking_number) {
            Ok(current)
        } else {
            Err(StoreError::Conflict(
                "the shipment already has another tracking number".to_owned(),
            ))
        }
    }

    /// Keeps one tracking event; `false` when this shipment already has an event with this id
    /// (nothing is written then). A new event moves the shipment's status when it is not older
    /// than the event behind the current status, and always marks the shipment as heard from.
    pub async fn record_shipment_event(&mut self, event: &NewShipmentEvent) -> StoreResult<bool> {
        let inserted = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO shipment_events (shipment_id, event_id, status, at, note, received_at, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (shipment_id, event_id) DO NOTHING",
            )
            .bind(event.shipment_id)
            .bind(&event.event_id)
            .bind(&event.status)
            .bind(event.at)
            .bind(&event.note)
            .bind(event.received_at)
            .bind(&event.source)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if inserted == 0 {
            return Ok(false);
        }
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE shipments SET status = CASE WHEN last_event_at IS NULL OR last_event_at <= $1 THEN $2 ELSE status END, \
                 last_event_at = CASE WHEN last_event_at IS NULL OR last_event_at <= $1 THEN $1 ELSE last_event_at END, \
                 updated_at = CASE WHEN updated_at < $3 THEN $3 ELSE updated_at END, \
                 checked_at = CASE WHEN checked_at < $3 THEN $3 ELSE checked_at END WHERE id = $4",
            )
            .bind(event.at)
            .bind(&event.status)
            .bind(event.received_at)
            .bind(event.shipment_id)
            .execute(&mut *conn)
            .await?;
        });
        Ok(true)
    }

    /// Reads a shipment inside the transaction.
    pub async fn shipment_tx(&mut self, id: i64) -> StoreResult<ShipmentRow> {
        let sql = format!("SELECT {COLUMNS} FROM shipments WHERE id = $1");
        let row: Option<ShipmentRow> = on_tx!(self, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }
}

impl Store {
    pub async fn shipment(&self, id: i64) -> StoreResult<ShipmentRow> {
        let sql = format!("SELECT {COLUMNS} FROM shipments WHERE id = $1");
        let row: Option<ShipmentRow> = on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The shipment ordered for one posting of a dossier, if any.
    pub async fn shipment_for_posting(
        &self,
        dossier_id: i64,
        kind: &str,
        posting_seq: i64,
    ) -> StoreResult<Option<ShipmentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM shipments WHERE dossier_id = $1 AND kind = $2 AND posting_seq = $3"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(dossier_id)
                .bind(kind)
                .bind(posting_seq)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn shipment_by_tracking(
        &self,
        tracking_number: &str,
    ) -> StoreResult<Option<ShipmentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM shipments WHERE tracking_number = $1");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(tracking_number)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every shipment of a dossier, oldest first.
    pub async fn dossier_shipments(&self, dossier_id: i64) -> StoreResult<Vec<ShipmentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM shipments WHERE dossier_id = $1 ORDER BY id");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(dossier_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The tracking events of a shipment in the operator's order of time.
    pub async fn shipment_events(&self, shipment_id: i64) -> StoreResult<Vec<ShipmentEventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM shipment_events WHERE shipment_id = $1 ORDER BY at, id"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(shipment_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Accepted parcels still on their way that nobody heard of since `checked_before`, the
    /// longest silent first: the ones whose callbacks may have been lost.
    pub async fn silent_shipments(
        &self,
        checked_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<ShipmentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM shipments WHERE tracking_number IS NOT NULL \
             AND status NOT IN ('delivered', 'returned_to_sender') AND checked_at <= $1 \
             ORDER BY checked_at, id LIMIT $2"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(checked_before)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Notes that the operator was asked about a shipment (even when it had nothing new), so
    /// the pull does not ask again at once.
    pub async fn touch_shipment(&self, id: i64, at: i64) -> StoreResult<()> {
        on_backend!(self, |pool| {
            sqlx::query("UPDATE shipments SET checked_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
