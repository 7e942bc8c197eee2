//! Payment attempts (thanh toán phí, lệ phí), their events, the log of gateway callbacks and the
//! per-agency receipt counters.
//!
//! A state change is an update guarded by the attempt's `last_seq` plus one event row, in the
//! caller's transaction: two confirmations racing each other cannot both apply (the loser gets
//! [`StoreError::Conflict`] and reads again). The partial unique index `payments_one_open`
//! keeps one open (pending or paid) attempt per dossier and purpose.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};

/// A payment attempt to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub reference: String,
    pub dossier_id: i64,
    pub agency_id: i64,
    pub agency_path: String,
    /// `submission` or `obligation:<seq>`.
    pub purpose: String,
    /// `paygov`, `vnpay`, `cash`, `pos`.
    pub method: String,
    pub amount_vnd: i64,
    /// The lines due, as JSON.
    pub lines: String,
    pub state: String,
    pub payer_name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub settled_at: Option<i64>,
    pub receipt_number: Option<String>,
    pub note: String,
    /// Who created it (`citizen:<id>`, `official:<id>`), for the first event.
    pub actor: String,
}

/// One stored attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: i64,
    pub reference: String,
    pub dossier_id: i64,
    pub agency_id: i64,
    pub agency_path: String,
    pub purpose: String,
    pub method: String,
    pub amount_vnd: i64,
    pub lines: String,
    pub state: String,
    pub payer_name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub settled_at: Option<i64>,
    pub gateway_transaction: Option<String>,
    pub receipt_number: Option<String>,
    pub note: String,
    pub last_seq: i64,
}

/// A change of state to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentChange {
    pub id: i64,
    /// The `last_seq` the change was decided on.
    pub expected_seq: i64,
    pub from_state: String,
    pub to_state: String,
    pub at: i64,
    pub actor: String,
    /// Event kind: `confirmed`, `failed`, `expired`, `cancelled`, `refunded`.
    pub kind: String,
    pub data: String,
    pub settled_at: Option<i64>,
    pub gateway_transaction: Option<String>,
    pub receipt_number: Option<String>,
    /// Replaces the note when given (the reason of a cancel or a refund).
    pub note: Option<String>,
}

/// One event of an attempt.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentEventRow {
    pub payment_id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub data: String,
}

/// One callback a gateway sent, whatever became of it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentCallbackRow {
    pub id: i64,
    pub gateway: String,
    pub received_at: i64,
    pub reference: Option<String>,
    pub amount_vnd: Option<i64>,
    /// `accepted`, `duplicate`, `unknown_reference`, `amount_mismatch`, `bad_signature`,
    /// `malformed`, `not_allowed`, `error`.
    pub outcome: String,
    pub detail: String,
}

const COLUMNS: &str = "id, reference, dossier_id, agency_id, agency_path, purpose, method, amount_vnd, lines, state, \
     payer_name, created_at, expires_at, settled_at, gateway_transaction, receipt_number, note, last_seq";

impl StoreTx {
    /// Creates an attempt and its first event. A second open attempt for the same dossier and
    /// purpose, or a reused reference, is a [`StoreError::Conflict`].
    pub async fn insert_payment(&mut self, new: &NewPayment) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO payments (reference, dossier_id, agency_id, agency_path, purpose, method, amount_vnd, lines, \
                 state, payer_name, created_at, expires_at, settled_at, receipt_number, note, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1) RETURNING id",
            )
            .bind(&new.reference)
            .bind(new.dossier_id)
            .bind(new.agency_id)
            .bind(&new.agency_path)
            .bind(&new.purpose)
            .bind(&new.method)
            .bind(new.amount_vnd)
            .bind(&new.lines)
            .bind(&new.state)
            .bind(&new.payer_name)
            .bind(new.created_at)
            .bind(new.expires_at)
            .bind(new.settled_at)
            .bind(&new.receipt_number)
            .bind(&new.note)
            .fetch_one(&mut *conn)
            .await?
        });
        self.insert_payment_event(&PaymentEventRow {
            payment_id: id,
            seq: 1,
            at: new.created_at,
            actor: new.actor.clone(),
            kind: "created".to_owned(),
            from_state: None,
            to_state: new.state.clone(),
            data: String::from("{}"),
        })
        .await?;
        // Paid at the desk, an attempt is created paid: it counts at once.
        if new.state == "paid" {
            self.project_payment(id).await?;
        }
        Ok(id)
    }

    async fn insert_payment_event(&mut self, event: &PaymentEventRow) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO payment_events (payment_id, seq, at, actor, kind, from_state, to_state, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(event.payment_id)
            .bind(event.seq)
            .bind(event.at)
            .bind(&event.actor)
            .bind(&event.kind)
            .bind(&event.from_state)
            .bind(&event.to_state)
            .bind(&event.data)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Applies a decided change if nobody changed the attempt since it was read.
    pub async fn change_payment(&mut self, change: &PaymentChange) -> StoreResult<()> {
        let next = change.expected_seq + 1;
        let updated = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE payments SET state = $1, last_seq = $2, \
                 settled_at = COALESCE($3, settled_at), gateway_transaction = COALESCE($4, gateway_transaction), \
                 receipt_number = COALESCE($5, receipt_number), note = COALESCE($6, note) \
                 WHERE id = $7 AND last_seq = $8 AND state = $9",
            )
            .bind(&change.to_state)
            .bind(next)
            .bind(change.settled_at)
            .bind(&change.gateway_transaction)
            .bind(&change.receipt_number)
            .bind(&change.note)
            .bind(change.id)
            .bind(change.expected_seq)
            .bind(&change.from_state)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if updated != 1 {
            return Err(StoreError::Conflict("payment changed meanwhile".to_owned()));
        }
        self.insert_payment_event(&PaymentEventRow {
            payment_id: change.id,
            seq: next,
            at: change.at,
            actor: change.actor.clone(),
            kind: change.kind.clone(),
            from_state: Some(change.from_state.clone()),
            to_state: change.to_state.clone(),
            data: change.data.clone(),
        })
        .await?;
        // Only becoming paid or ceasing to be (a refund) moves a report counter.
        if change.to_state == "paid" || change.from_state == "paid" {
            self.project_payment(change.id).await?;
        }
        Ok(())
    }

    /// The next receipt number (số biên lai) of an agency in a year: gap-free, in the same
    /// transaction as the payment it numbers.
    pub async fn next_receipt_number(&mut self, agency_code: &str, year: i32) -> StoreResult<i64> {
        let (last,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO receipt_counters (agency_code, year, last) VALUES ($1, $2, 1) \
                 ON CONFLICT (agency_code, year) DO UPDATE SET last = receipt_counters.last + 1 RETURNING last",
            )
            .bind(agency_code)
            .bind(i64::from(year))
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(last)
    }

    /// Reads an attempt inside the transaction (the state a change is decided on).
    pub async fn payment_by_reference_tx(
        &mut self,
        reference: &str,
    ) -> StoreResult<Option<PaymentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE reference = $1");
        Ok(on_tx!(self, |conn| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(reference)
                .fetch_optional(&mut *conn)
                .await?
        }))
    }
}

impl Store {
    pub async fn payment(&self, id: i64) -> StoreResult<PaymentRow> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE id = $1");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_one(pool)
                .await?
        }))
    }

    pub async fn payment_by_reference(&self, reference: &str) -> StoreResult<Option<PaymentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE reference = $1");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(reference)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every attempt of a dossier, oldest first.
    pub async fn dossier_payments(&self, dossier_id: i64) -> StoreResult<Vec<PaymentRow>> {
        let sql = format!("SELECT {COLUMNS} FROM payments WHERE dossier_id = $1 ORDER BY id");
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(dossier_id)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Attempts still pending that were created at or before `created_before`, oldest first:
    /// the ones whose confirmation may have been lost.
    pub async fn stale_pending_payments(
        &self,
        created_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<PaymentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM payments WHERE state = 'pending' AND created_at <= $1 ORDER BY created_at, id LIMIT $2"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(created_before)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Attempts created in `[from, to)` under an agency subtree (`path` prefix), for the
    /// reconciliation.
    pub async fn payments_in_period(
        &self,
        path: &str,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<PaymentRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM payments WHERE substr(agency_path, 1, length($1)) = $1 \
             AND created_at >= $2 AND created_at < $3 ORDER BY created_at, id"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(path)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn payment_events(&self, payment_id: i64) -> StoreResult<Vec<PaymentEventRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT payment_id, seq, at, actor, kind, from_state, to_state, data \
                 FROM payment_events WHERE payment_id = $1 ORDER BY seq",
            )
            .bind(payment_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Logs one gateway callback (outside any business transaction: a refused callback
    /// changes nothing but must still be on record).
    pub async fn log_payment_callback(
        &self,
        gateway: &str,
        received_at: i64,
        reference: Option<&str>,
        amount_vnd: Option<i64>,
        outcome: &str,
        detail: &str,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO payment_callbacks (gateway, received_at, reference, amount_vnd, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(gateway)
            .bind(received_at)
            .bind(reference)
            .bind(amount_vnd)
            .bind(outcome)
            .bind(detail)
            .fetch_one(pool)
            .await?
        });
        Ok(id)
    }

    /// Callbacks received in `[from, to)`, oldest first.
    pub async fn payment_callbacks(
        &self,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<PaymentCallbackRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT id, gateway, received_at, reference, amount_vnd, outcome, detail \
                 FROM payment_callbacks WHERE received_at >= $1 AND received_at < $2 ORDER BY id",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// An exemption claim (đề nghị miễn, giảm phí, lệ phí).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ExemptionRow {
    pub id: i64,
    pub dossier_id: i64,
    pub purpose: String,
    pub category: String,
    pub note: String,
    /// `declared`, `confirmed`, `rejected`.
    pub state: String,
    pub declared_at: i64,
    pub declared_by: String,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decision_note: String,
}

impl StoreTx {
    /// Records a declared claim; a second open claim for the same purpose is a conflict.
    pub async fn declare_exemption(
        &mut self,
        dossier_id: i64,
        purpose: &str,
        category: &str,
        note: &str,
        at: i64,
        by: &str,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO fee_exemptions (dossier_id, purpose, category, note, state, declared_at, declared_by) \
                 VALUES ($1, $2, $3, $4, 'declared', $5, $6) RETURNING id",
            )
            .bind(dossier_id)
            .bind(purpose)
            .bind(category)
            .bind(note)
            .bind(at)
            .bind(by)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Decides a declared claim (`confirmed` or `rejected`); a claim already decided is a
    /// conflict.
    pub async fn decide_exemption(
        &mut self,
        id: i64,
        state: &str,
        note: &str,
        at: i64,
        by: &str,
    ) -> StoreResult<()> {
        let updated = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE fee_exemptions SET state = $1, decision_note = $2, decided_at = $3, decided_by = $4 \
                 WHERE id = $5 AND state = 'declared'",
            )
            .bind(state)
            .bind(note)
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if updated != 1 {
            return Err(StoreError::Conflict("exemption already decided".to_owned()));
        }
        Ok(())
    }
}

impl Store {
    /// Every exemption claim of a dossier, oldest first.
    pub async fn dossier_exemptions(&self, dossier_id: i64) -> StoreResult<Vec<ExemptionRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT id, dossier_id, purpose, category, note, state, declared_at, declared_by, \
                 decided_at, decided_by, decision_note FROM fee_exemptions WHERE dossier_id = $1 ORDER BY id",
            )
            .bind(dossier_id)
            .fetch_all(pool)
            .await?
        }))
    }
}
