//! One-stop dossiers: their state, their hash-chained timeline, the versioned workflows they
//! follow, and gap-free numbering per agency per day.
//!
//! The domain's [`Dossier`] is stored twice on purpose: as a JSON snapshot (the whole state,
//! rebuilt exactly) and as indexed columns (status, step role, assignee, due time, agency path)
//! that the work queues filter on. Both are written by the same statement. Updates are guarded
//! by `last_seq` (optimistic concurrency): two officials acting on one dossier at once cannot
//! both win, and the loser gets [`StoreError::Conflict`].

use crate::{Store, StoreError, StoreResult, StoreTx, from_micros, micros, on_backend, on_tx};
use motcua_domain::authz::Role;
use motcua_domain::calendar::Appointment;
use motcua_domain::dossier::{
    Dossier, DossierCode, DossierStatus, Event, StepVisit, from_hex, to_hex,
};
use serde::{Deserialize, Serialize};

/// The serialised form of a [`Dossier`]. Times are unix microseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    code: Option<String>,
    workflow_version: u32,
    status: Option<u8>,
    step: Option<usize>,
    assignee: Option<i64>,
    appointment: Option<(i64, i64, bool)>,
    paused_at: Option<i64>,
    received_at: Option<i64>,
    resolved_at: Option<i64>,
    returned_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result_posted_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    result_tracking: Option<String>,
    approved: bool,
    signed: bool,
    history: Vec<VisitSnapshot>,
    last_seq: u64,
    last_at: Option<i64>,
    head: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VisitSnapshot {
    step: usize,
    role: String,
    assignee: Option<i64>,
    entered_at: i64,
    left_at: Option<i64>,
    pauses: Vec<(i64, i64)>,
}

/// Serialises a dossier state for storage.
pub fn encode_state(dossier: &Dossier) -> String {
    let snapshot = Snapshot {
        code: dossier.code.as_ref().map(ToString::to_string),
        workflow_version: dossier.workflow_version,
        status: dossier.status.map(DossierStatus::national_code),
        step: dossier.step,
        assignee: dossier.assignee,
        appointment: dossier
            .appointment
            .map(|a| (micros(a.original_due()), micros(a.due()), a.is_extended())),
        paused_at: dossier.paused_at.map(micros),
        received_at: dossier.received_at.map(micros),
        resolved_at: dossier.resolved_at.map(micros),
        returned_at: dossier.returned_at.map(micros),
        result_posted_at: dossier.result_posted_at.map(micros),
        result_tracking: dossier.result_tracking.clone(),
        approved: dossier.approved,
        signed: dossier.signed,
        history: dossier
            .history
            .iter()
            .map(|v| VisitSnapshot {
                step: v.step,
                role: v.role.as_str().to_owned(),
                assignee: v.assignee,
                entered_at: micros(v.entered_at),
                left_at: v.left_at.map(micros),
                pauses: v
                    .pauses
                    .iter()
                    .map(|(a, b)| (micros(*a), micros(*b)))
                    .collect(),
            })
            .collect(),
        last_seq: dossier.last_seq,
        last_at: dossier.last_at.map(micros),
        head: to_hex(&dossier.head),
    };
    serde_json::to_string(&snapshot).unwrap_or_default()
}

/// Rebuilds a dossier state; a snapshot that does not parse is reported, never guessed.
pub fn decode_state(text: &str) -> StoreResult<Dossier> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("dossier state: {what}"));
    let s: Snapshot = serde_json::from_str(text).map_err(|e| corrupt(&e.to_string()))?;
    let vn = |m: i64| from_micros(m).to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
    let mut history = Vec::with_capacity(s.history.len());
    for v in s.history {
        history.push(StepVisit {
            step: v.step,
            role: Role::parse(&v.role).ok_or_else(|| corrupt("role"))?,
            assignee: v.assignee,
            entered_at: vn(v.entered_at),
            left_at: v.left_at.map(vn),
            pauses: v.pauses.into_iter().map(|(a, b)| (vn(a), vn(b))).collect(),
        });
    }
    let code = match s.code {
        Some(code) => Some(DossierCode::parse(&code).map_err(|_| corrupt("code"))?),
        None => None,
    };
    let status = match s.status {
        Some(n) => Some(DossierStatus::from_national_code(n).ok_or_else(|| corrupt("status"))?),
        None => None,
    };
    Ok(Dossier {
        code,
        workflow_version: s.workflow_version,
        status,
        step: s.step,
        assignee: s.assignee,
        appointment: s.appointment.map(|(original, due, extended)| {
            Appointment::from_parts(vn(original), vn(due), extended)
        }),
        paused_at: s.paused_at.map(vn),
        received_at: s.received_at.map(vn),
        resolved_at: s.resolved_at.map(vn),
        returned_at: s.returned_at.map(vn),
        result_posted_at: s.result_posted_at.map(vn),
        result_tracking: s.result_tracking,
        approved: s.approved,
        signed: s.signed,
        history,
        last_seq: s.last_seq,
        last_at: s.last_at.map(vn),
        head: from_hex(&s.head).ok_or_else(|| corrupt("head"))?,
    })
}

/// A stored dossier: its indexed columns and its state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DossierRow {
    pub id: i64,
    pub code: Option<String>,
    pub procedure_code: String,
    pub procedure_version: i64,
    pub workflow_version: i64,
    pub agency_id: i64,
    pub agency_path: String,
    pub citizen_id: Option<i64>,
    pub applicant_name: String,
    pub applicant_personal_id: Option<String>,
    pub channel: String,
    pub status_code: Option<i64>,
    pub step: Option<i64>,
    pub step_role: Option<String>,
    pub assignee_id: Option<i64>,
    pub due_at: Option<i64>,
    pub state: String,
    pub form: String,
    pub last_seq: i64,
    /// Hash of the last event, kept beside the state so a removed tail is detected.
    pub head: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bộ phận tiếp nhận: the agency whose one-stop desk received the dossier and returns its
    /// result; differs from `agency_id` after a transfer (liên thông).
    pub desk_id: Option<i64>,
    pub desk_path: Option<String>,
    /// Hình thức nhận kết quả: `counter`, `post` or `online`.
    pub delivery_method: String,
    /// Địa chỉ nhận kết quả, for `post`.
    pub delivery_address: Option<String>,
    /// When the result was handed to the postal operator (the state's `result_posted_at`).
    pub result_posted_at: Option<i64>,
    /// Số điện thoại liên hệ: the number the postman calls (collecting the papers, bringing
    /// the result), when the applicant gave one for that.
    pub contact_phone: Option<String>,
}

impl DossierRow {
    pub fn dossier(&self) -> StoreResult<Dossier> {
        decode_state(&self.state)
    }

    /// The receiving desk's agency path (the processing agency's for rows from before transfers).
    pub fn desk_path(&self) -> &str {
        self.desk_path.as_deref().unwrap_or(&self.agency_path)
    }

    /// Whether the dossier has been transferred away from the agency that received it.
    pub fn transferred(&self) -> bool {
        self.desk_id.is_some_and(|desk| desk != self.agency_id)
    }
}

/// What a new dossier starts with.
#[derive(Debug, Clone)]
pub struct NewDossier {
    pub procedure_code: String,
    pub procedure_version: i64,
    pub agency_id: i64,
    pub agency_path: String,
    pub citizen_id: Option<i64>,
    pub applicant_name: String,
    pub applicant_personal_id: Option<String>,
    pub channel: String,
    /// The submitted form values as JSON.
    pub form: String,
    /// `counter`, `post` or `online` (see `domain::dossier::ResultDelivery`).
    pub delivery_method: String,
    pub delivery_address: Option<String>,
    /// The number the postman calls (see [`DossierRow::contact_phone`]).
    pub contact_phone: Option<String>,
}

/// One stored timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub dossier_id: i64,
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub from_status: Option<i64>,
    pub to_status: Option<i64>,
    pub reason: String,
    pub data: String,
    pub hash: String,
    /// The whole event as JSON, for verifying the chain.
    pub body: String,
}

impl EventRow {
    pub fn event(&self) -> StoreResult<Event> {
        serde_json::from_str(&self.body)
            .map_err(|e| StoreError::Corrupt(format!("dossier event: {e}")))
    }
}

/// Which dossiers a work queue shows. Every filter narrows; `agency_paths` empty means none.
#[derive(Debug, Clone, Default)]
pub struct DossierFilter {
    /// Only dossiers of agencies inside one of these subtrees (`None`: everywhere).
    pub agency_paths: Option<Vec<String>>,
    pub citizen_id: Option<i64>,
    pub statuses: Vec<i64>,
    pub step_roles: Vec<String>,
    pub assignee_id: Option<i64>,
    /// Only those due at or before this time.
    pub due_before: Option<i64>,
    /// Match `agency_paths` against the receiving desk instead of the processing agency (the
    /// desk's queues: results to return).
    pub by_desk: bool,
    /// Only dossiers of this procedure (national code).
    pub procedure_code: Option<String>,
    /// Only dossiers that came in through this channel (`online`, `counter`, `postal`).
    pub channel: Option<String>,
    /// Only dossiers created in `[created_from, created_before)` (unix micros).
    pub created_from: Option<i64>,
    pub created_before: Option<i64>,
    /// Only dossiers changed at or after this time (unix micros).
    pub updated_since: Option<i64>,
    /// A dossier code, personal id or phone number exactly, or the start of words of the
    /// applicant's name (marks and case ignored).
    pub text: Option<String>,
    /// Not filed yet by citizens: drafts (no status) are left out.
    pub submitted_only: bool,
    /// Where the previous page ended.
    pub after: Option<DossierCursor>,
    pub order: DossierOrder,
    pub limit: i64,
    pub offset: i64,
}

/// How a list of dossiers is ordered: most urgent first (work queues), or by last change
/// (other systems keeping a copy in step with `updated_since`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DossierOrder {
    #[default]
    Due,
    Updated,
}

/// A position in an ordered list of dossiers: the sort key and id of the last row of a page.
/// Keyset pagination: a page is read from the index where the previous one ended, whatever
/// was added or changed before it, and never repeats or skips a row that stays in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierCursor {
    /// `due` is `None` for the dossiers without a due time, which come last.
    Due {
        due: Option<i64>,
        id: i64,
    },
    Updated {
        at: i64,
        id: i64,
    },
}

impl DossierCursor {
    /// The cursor of `row` in `order`.
    pub fn of(row: &DossierRow, order: DossierOrder) -> DossierCursor {
        match order {
            DossierOrder::Due => DossierCursor::Due {
                due: row.due_at,
                id: row.id,
            },
            DossierOrder::Updated => DossierCursor::Updated {
                at: row.updated_at,
                id: row.id,
            },
        }
    }

    /// As text for a URL: `d.<due|n>.<id>` or `u.<at>.<id>`.
    pub fn encode(&self) -> String {
        match self {
            DossierCursor::Due { due: Some(due), id } => format!("d.{due}.{id}"),
            DossierCursor::Due { due: None, id } => format!("d.n.{id}"),
            DossierCursor::Updated { at, id } => format!("u.{at}.{id}"),
        }
    }

    /// Reads [`DossierCursor::encode`]'s text; `None` for anything else.
    pub fn parse(text: &str) -> Option<DossierCursor> {
        let mut parts = text.split('.');
        let (kind, key, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let id: i64 = id.parse().ok()?;
        match kind {
            "d" if key == "n" => Some(DossierCursor::Due { due: None, id }),
            "d" => Some(DossierCursor::Due {
                due: Some(key.parse().ok()?),
                id,
            }),
            "u" => Some(DossierCursor::Updated {
                at: key.parse().ok()?,
                id,
            }),
            _ => None,
        }
    }
}

const DOSSIER_COLUMNS: &str = "id, code, procedure_code, procedure_version, workflow_version, agency_id, agency_path, citizen_id, \
     applicant_name, applicant_personal_id, channel, status_code, step, step_role, assignee_id, due_at, state, form, last_seq, head, created_at, updated_at, desk_id, desk_path, delivery_method, delivery_address, result_posted_at, contact_phone";

fn step_role(dossier: &Dossier, roles: &[Role]) -> Option<String> {
    dossier
        .step
        .and_then(|s| roles.get(s))
        .map(|r| r.as_str().to_owned())
}

impl Store {
    /// Every dossier id, for verifying all chains (`motcua audit verify`).
    pub async fn dossier_ids(&self) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = on_backend!(self, |pool| sqlx::query_as(
            "SELECT id FROM dossiers ORDER BY id"
        )
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Up to `limit` dossiers after the id `after`, in id order (a report rebuild reads
    /// every dossier this way).
    pub async fn dossier_rows_after(&self, after: i64, limit: i64) -> StoreResult<Vec<DossierRow>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id > $1 ORDER BY id LIMIT {}",
            limit.clamp(1, 10_000)
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn get_dossier(&self, id: i64) -> StoreResult<DossierRow> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = $1");
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn get_dossier_by_code(&self, code: &str) -> StoreResult<DossierRow> {
        let sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1");
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql))
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// The paths of the agencies a dossier was sent to for an opinion (xin ý kiến).
    pub async fn consulted_unit_paths(&self, dossier_id: i64) -> StoreResult<Vec<String>> {
        let rows: Vec<(String,)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT DISTINCT unit_path FROM dossier_consultations WHERE dossier_id = $1 ORDER BY unit_path",
            )
            .bind(dossier_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(|(path,)| path).collect())
    }

    /// The timeline of one dossier, oldest first.
    pub async fn dossier_events(&self, dossier_id: i64) -> StoreResult<Vec<EventRow>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, EventRow>(
                "SELECT dossier_id, seq, at, actor, kind, from_status, to_status, reason, data, hash, body \
                 FROM dossier_events WHERE dossier_id = $1 ORDER BY seq",
            )
            .bind(dossier_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The dossiers of one agency (itself, not its subtree) created before `end` and changed
    /// at or after `start`: every dossier received in `[start, end)` is among them (it was
    /// created before it was received and changed when it was). The register (Mẫu 07) keeps
    /// those whose receipt time in the state falls in the period.
    pub async fn agency_dossiers_touching(
        &self,
        agency_id: i64,
        start: i64,
        end: i64,
    ) -> StoreResult<Vec<DossierRow>> {
        let sql = format!(
            "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE agency_id = $1 AND code IS NOT NULL \
             AND created_at < $2 AND updated_at >= $3 ORDER BY id"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(agency_id)
                .bind(end)
                .bind(start)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Dossiers matching a queue filter, most urgent first (earliest due, then oldest).
    pub async fn list_dossiers(&self, filter: &DossierFilter) -> StoreResult<Vec<DossierRow>> {
        let Some((sql, binds)) = queue_query(filter, self.backend() == crate::Backend::Postgres)
        else {
            return Ok(Vec::new());
        };
        let rows = on_backend!(self, |pool| {
            let mut query = sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.clone()))
                .persistent(keep_prepared(filter));
            for bind in &binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text.clone()),
                    Bind::Number(number) => query.bind(*number),
                };
            }
            query.fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// The database's plan for a queue filter (`EXPLAIN QUERY PLAN` / `EXPLAIN`), one line per
    /// step, so the benchmark can show that a queue is answered from an index at scale.
    pub async fn explain_dossier_queue(&self, filter: &DossierFilter) -> StoreResult<Vec<String>> {
        let Some((sql, binds)) = queue_query(filter, self.backend() == crate::Backend::Postgres)
        else {
            return Ok(Vec::new());
        };
        macro_rules! bound {
            ($query:expr) => {{
                let mut query = $query;
                for bind in &binds {
                    query = match bind {
                        Bind::Text(text) => query.bind(text.clone()),
                        Bind::Number(number) => query.bind(*number),
                    };
                }
                query
            }};
        }
        Ok(match self {
            Store::Sqlite(pool, _) => {
                let explain = format!("EXPLAIN QUERY PLAN {sql}");
                let rows: Vec<(i64, i64, i64, String)> =
                    bound!(sqlx::query_as(sqlx::AssertSqlSafe(explain)))
                        .fetch_all(pool)
                        .await?;
                rows.into_iter().map(|(_, _, _, detail)| detail).collect()
            }
            Store::Postgres(pool) => {
                let explain = format!("EXPLAIN (ANALYZE, BUFFERS) {sql}");
                let rows: Vec<(String,)> = bound!(sqlx::query_as(sqlx::AssertSqlSafe(explain)))
                    .fetch_all(pool)
                    .await?;
                rows.into_iter().map(|(line,)| line).collect()
            }
        })
    }
}

/// A bind value of a dynamically assembled query (work queues, document lists), in placeholder
/// order.
pub(crate) enum Bind {
    Text(String),
    Number(i64),
}

/// The work-queue query: `None` when the filter can match nothing. The filter is assembled
/// from fixed fragments; every value is a bind parameter.
///
/// Jurisdiction is matched on the agency's id through `org_units` (a few hundred rows), not
/// with a prefix test on each dossier's path, so the database walks the `dossiers_queue` index
/// (agency, status, step role, due time, id) instead of every dossier. The page of ids is
/// chosen from that index first; only those rows' wide columns (state, form) are then read.
fn queue_query(filter: &DossierFilter, postgres: bool) -> Option<(String, Vec<Bind>)> {
    let mut binds: Vec<Bind> = Vec::new();
    let mut sql = queue_conditions(filter, postgres, &mut binds)?;
    let mut next = |bind: Bind| {
        binds.push(bind);
        format!("${}", binds.len())
    };
    let order = match filter.order {
        DossierOrder::Due => "ORDER BY due_at IS NULL, due_at, id",
        DossierOrder::Updated => "ORDER BY updated_at, id",
    };
    match filter.after {
        None => {}
        Some(DossierCursor::Due { due: Some(due), id }) => {
            let (due, id) = (next(Bind::Number(due)), next(Bind::Number(id)));
            sql.push_str(&format!(
                " AND ((due_at IS NOT NULL AND (due_at > {due} OR (due_at = {due} AND id > {id}))) \
                 OR due_at IS NULL)"
            ));
        }
        Some(DossierCursor::Due { due: None, id }) => {
            sql.push_str(&format!(
                " AND due_at IS NULL AND id > {}",
                next(Bind::Number(id))
            ));
        }
        Some(DossierCursor::Updated { at, id }) => {
            let (at, id) = (next(Bind::Number(at)), next(Bind::Number(id)));
            sql.push_str(&format!(
                " AND (updated_at > {at} OR (updated_at = {at} AND id > {id}))"
            ));
        }
    }
    let limit = if filter.limit <= 0 {
        50
    } else {
        filter.limit.min(501)
    };
    // Literals, not bound: SQLite re-prepares a statement whose LIMIT is bound at every
    // execution (ARCHITECTURE, `crates/store`); both are clamped integers.
    sql.push_str(&format!(
        " {order} LIMIT {limit} OFFSET {}",
        filter.offset.max(0)
    ));
    Some((
        format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id IN ({sql}) {order}"),
        binds,
    ))
}

/// Whether a queue query may be a prepared statement kept per connection. A search by text is
/// not: after five runs PostgreSQL may switch a kept statement to a generic plan, and one that
/// cannot see the words repeats the name index once per unit of the jurisdiction (measured
/// at 1M dossiers: 22 ms with the words' plan, 94 ms generic). Planned at each run instead.
fn keep_prepared(filter: &DossierFilter) -> bool {
    filter.text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// `SELECT id FROM dossiers WHERE …` for a filter, without order or page: `None` when the
/// filter can match nothing. Assembled from fixed fragments; every value is a bind parameter.
fn queue_conditions(
    filter: &DossierFilter,
    postgres: bool,
    binds: &mut Vec<Bind>,
) -> Option<String> {
    let mut next = |bind: Bind| {
        binds.push(bind);
        format!("${}", binds.len())
    };
    let mut sql = String::from("SELECT id FROM dossiers WHERE 1 = 1");
    if let Some(paths) = &filter.agency_paths {
        if paths.is_empty() {
            return None;
        }
        let parts: Vec<String> = paths
            .iter()
            .map(|p| {
                let placeholder = next(Bind::Text(p.clone()));
                format!("substr(u.path, 1, length({placeholder})) = {placeholder}")
            })
            .collect();
        // The desk's queues (results to return) follow the receiving desk, the others the
        // processing agency; both go through the unit ids so an index answers them.
        let column = if filter.by_desk {
            "desk_id"
        } else {
            "agency_id"
        };
        sql.push_str(&format!(
            " AND {column} IN (SELECT u.id FROM org_units u WHERE {})",
            parts.join(" OR ")
        ));
    }
    if let Some(citizen) = filter.citizen_id {
        sql.push_str(&format!(
            " AND citizen_id = {}",
            next(Bind::Number(citizen))
        ));
    }
    if !filter.statuses.is_empty() {
        let list: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| next(Bind::Number(*s)))
            .collect();
        sql.push_str(&format!(" AND status_code IN ({})", list.join(", ")));
    }
    if !filter.step_roles.is_empty() {
        let list: Vec<String> = filter
            .step_roles
            .iter()
            .map(|r| next(Bind::Text(r.clone())))
            .collect();
        sql.push_str(&format!(" AND step_role IN ({})", list.join(", ")));
    }
    if let Some(assignee) = filter.assignee_id {
        sql.push_str(&format!(
            " AND assignee_id = {}",
            next(Bind::Number(assignee))
        ));
    }
    if let Some(due) = filter.due_before {
        sql.push_str(&format!(
            " AND due_at IS NOT NULL AND due_at <= {}",
            next(Bind::Number(due))
        ));
    }
    if let Some(code) = &filter.procedure_code {
        sql.push_str(&format!(
            " AND procedure_code = {}",
            next(Bind::Text(code.clone()))
        ));
    }
    if let Some(channel) = &filter.channel {
        sql.push_str(&format!(
            " AND channel = {}",
            next(Bind::Text(channel.clone()))
        ));
    }
    if let Some(from) = filter.created_from {
        sql.push_str(&format!(" AND created_at >= {}", next(Bind::Number(from))));
    }
    if let Some(before) = filter.created_before {
        sql.push_str(&format!(" AND created_at < {}", next(Bind::Number(before))));
    }
    if let Some(since) = filter.updated_since {
        sql.push_str(&format!(" AND updated_at >= {}", next(Bind::Number(since))));
    }
    if filter.submitted_only {
        sql.push_str(" AND status_code IS NOT NULL");
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let exact = next(Bind::Text(text.to_owned()));
        let code = next(Bind::Text(text.to_uppercase()));
        let folded = motcua_domain::text::fold(text);
        let name = if folded.is_empty() {
            String::new()
        } else if postgres {
            // The words in order, the last one as typed so far: "van a" finds "Nguyễn Văn An".
            // The GIN index answers the text query when the name is rare; when it is common
            // the planner walks the queue instead, and the cheap word-start `LIKE` then
            // spares computing each row's `to_tsvector` (it has the same meaning).
            let words: Vec<String> = folded.split(' ').map(|w| format!("'{w}'")).collect();
            let like = next(Bind::Text(format!("% {folded}%")));
            format!(
                " OR ((' ' || applicant_folded) LIKE {like} AND \
                 to_tsvector('simple', applicant_folded) @@ to_tsquery('simple', {}))",
                next(Bind::Text(format!("{}:*", words.join(" <-> "))))
            )
        } else {
            // The same as one FTS5 phrase whose last word is a prefix. `fold` leaves letters,
            // digits and single spaces only, so nothing in the phrase needs escaping.
            format!(
                " OR id IN (SELECT rowid FROM dossier_names_fts WHERE dossier_names_fts MATCH {})",
                next(Bind::Text(format!("\"{folded}\" *")))
            )
        };
        sql.push_str(&format!(
            " AND (code = {code} OR applicant_personal_id = {exact} OR contact_phone = {exact}{name})"
        ));
    }
    Some(sql)
}

impl Store {
    /// Checks that the index of applicant names agrees with the dossiers (SQLite's FTS5
    /// `integrity-check` against its content table; PostgreSQL's GIN index is the database's
    /// own and needs no check): a trigger that missed a change shows here.
    pub async fn check_applicant_name_index(&self) -> StoreResult<()> {
        if let Store::Sqlite(pool, _) = self {
            sqlx::query(
                "INSERT INTO dossier_names_fts (dossier_names_fts, rank) VALUES ('integrity-check', 1)",
            )
            .execute(pool)
            .await?;
        }
        Ok(())
    }

    /// How many dossiers match a filter (its page, cursor and order aside).
    pub async fn count_dossiers(&self, filter: &DossierFilter) -> StoreResult<i64> {
        let mut binds = Vec::new();
        let Some(sql) = queue_conditions(
            filter,
            self.backend() == crate::Backend::Postgres,
            &mut binds,
        ) else {
            return Ok(0);
        };
        let sql = sql.replacen("SELECT id FROM", "SELECT COUNT(*) FROM", 1);
        let (count,): (i64,) = on_backend!(self, |pool| {
            let mut query =
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).persistent(keep_prepared(filter));
            for bind in &binds {
                query = match bind {
                    Bind::Text(text) => query.bind(text.clone()),
                    Bind::Number(number) => query.bind(*number),
                };
            }
            query.fetch_one(pool).await?
        });
        Ok(count)
    }

    /// Fills the folded applicant name of dossiers stored before it existed; safe to run at
    /// every start.
    pub(crate) async fn backfill_applicant_folded(&self) -> StoreResult<()> {
        loop {
            let rows: Vec<(i64, String)> = on_backend!(self, |pool| {
                sqlx::query_as(
                    "SELECT id, applicant_name FROM dossiers WHERE applicant_folded IS NULL \
                     ORDER BY id LIMIT 5000",
                )
                .fetch_all(pool)
                .await?
            });
            if rows.is_empty() {
                return Ok(());
            }
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(
                    |(id, name)| serde_json::json!({"i": id, "f": motcua_domain::text::fold(name)}),
                )
                .collect();
            let list = serde_json::Value::Array(list).to_string();
            let mut tx = self.begin().await?;
            match &mut tx {
                StoreTx::Sqlite(conn, _) => {
                    sqlx::query(
                        "UPDATE dossiers SET applicant_folded = j.value ->> 'f' \
                         FROM json_each($1) j WHERE dossiers.id = j.value ->> 'i'",
                    )
                    .bind(&list)
                    .execute(&mut **conn)
                    .await?;
                }
                StoreTx::Postgres(conn) => {
                    sqlx::query(
                        "UPDATE dossiers d SET applicant_folded = x.f \
                         FROM jsonb_to_recordset($1::jsonb) AS x(i BIGINT, f TEXT) WHERE d.id = x.i",
                    )
                    .bind(&list)
                    .execute(&mut **conn)
                    .await?;
                }
            }
            tx.commit().await?;
        }
    }
}

impl Store {
    /// The definition of one workflow version, or the latest when `version` is `None`.
    pub async fn workflow(
        &self,
        procedure_code: &str,
        version: Option<i64>,
    ) -> StoreResult<(i64, String)> {
        let row: Option<(i64, String)> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT version, definition FROM workflows WHERE procedure_code = $1 AND ($2 IS NULL OR version = $2) \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(procedure_code)
            .bind(version)
            .fetch_optional(pool)
            .await?
        });
        row.ok_or(StoreError::NotFound)
    }
}

impl StoreTx {
    /// Takes the next number of the day for an agency. Inside the receiving transaction, so a
    /// rolled-back receipt gives its number back: no gaps, no duplicates.
    pub async fn next_dossier_number(&mut self, agency_code: &str, day: &str) -> StoreResult<u32> {
        let (last,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO dossier_counters (agency_code, day, last) VALUES ($1, $2, 1) \
                 ON CONFLICT (agency_code, day) DO UPDATE SET last = dossier_counters.last + 1 RETURNING last",
            )
            .bind(agency_code)
            .bind(day)
            .fetch_one(&mut *conn)
            .await?
        });
        u32::try_from(last).map_err(|_| StoreError::Corrupt("dossier counter".into()))
    }

    /// Stores version 1 of a procedure's workflow unless one exists; `false` when another
    /// writer got there first. Concurrent first dossiers of a procedure without a workflow
    /// therefore agree on one version instead of each adding their own.
    pub async fn insert_first_workflow(
        &mut self,
        procedure_code: &str,
        definition: &str,
        at: i64,
    ) -> StoreResult<bool> {
        let inserted = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO workflows (procedure_code, version, definition, created_at, created_by) \
                 VALUES ($1, 1, $2, $3, NULL) ON CONFLICT (procedure_code, version) DO NOTHING",
            )
            .bind(procedure_code)
            .bind(definition)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }

    /// Stores a new workflow version and returns its number.
    pub async fn insert_workflow(
        &mut self,
        procedure_code: &str,
        definition: &str,
        created_by: Option<i64>,
        at: i64,
    ) -> StoreResult<i64> {
        let (version,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO workflows (procedure_code, version, definition, created_at, created_by) \
                 VALUES ($1, COALESCE((SELECT MAX(version) FROM workflows WHERE procedure_code = $1), 0) + 1, $2, $3, $4) RETURNING version",
            )
            .bind(procedure_code)
            .bind(definition)
            .bind(at)
            .bind(created_by)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(version)
    }

    /// Creates a dossier with its first state (usually a draft).
    pub async fn insert_dossier(
        &mut self,
        new: &NewDossier,
        dossier: &Dossier,
        step_roles: &[Role],
        at: i64,
    ) -> StoreResult<i64> {
        Ok(self
            .insert_dossier_row(new, dossier, step_roles, at)
            .await?
            .id)
    }

    /// [`StoreTx::insert_dossier`], returning the whole row as stored.
    pub async fn insert_dossier_row(
        &mut self,
        new: &NewDossier,
        dossier: &Dossier,
        step_roles: &[Role],
        at: i64,
    ) -> StoreResult<DossierRow> {
        let sql = format!(
            "INSERT INTO dossiers (code, procedure_code, procedure_version, workflow_version, agency_id, agency_path, citizen_id, \
                 applicant_name, applicant_personal_id, channel, status_code, step, step_role, assignee_id, due_at, state, form, last_seq, head, \
                 created_at, updated_at, desk_id, desk_path, delivery_method, delivery_address, contact_phone, applicant_folded) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $5, $6, $21, $22, $23, $24) RETURNING {DOSSIER_COLUMNS}"
        );
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(dossier.code.as_ref().map(ToString::to_string))
                .bind(&new.procedure_code)
                .bind(new.procedure_version)
                .bind(i64::from(dossier.workflow_version))
                .bind(new.agency_id)
                .bind(&new.agency_path)
                .bind(new.citizen_id)
                .bind(&new.applicant_name)
                .bind(&new.applicant_personal_id)
                .bind(&new.channel)
                .bind(dossier.status.map(|s| i64::from(s.national_code())))
                .bind(dossier.step.map(|s| s as i64))
                .bind(step_role(dossier, step_roles))
                .bind(dossier.assignee)
                .bind(dossier.appointment.map(|a| micros(a.due())))
                .bind(encode_state(dossier))
                .bind(&new.form)
                .bind(dossier.last_seq as i64)
                .bind(to_hex(&dossier.head))
                .bind(at)
                .bind(&new.delivery_method)
                .bind(&new.delivery_address)
                .bind(&new.contact_phone)
                .bind(motcua_domain::text::fold(&new.applicant_name))
                .fetch_one(&mut *conn)
                .await?
        });
        Ok(row)
    }

    /// Rewrites a citizen's draft (form, agency, delivery choice). Only a draft that has no
    /// event yet and belongs to `citizen_id` changes; `NotFound` otherwise, so nobody can edit
    /// a submitted dossier or someone else's draft through this door.
    pub async fn update_draft(
        &mut self,
        id: i64,
        citizen_id: i64,
        new: &NewDossier,
        at: i64,
    ) -> StoreResult<()> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE dossiers SET agency_id = $1, agency_path = $2, desk_id = $1, desk_path = $2, form = $3, \
                 delivery_method = $4, delivery_address = $5, procedure_version = $6, updated_at = $7, \
                 channel = $10, contact_phone = $11 \
                 WHERE id = $8 AND citizen_id = $9 AND status_code IS NULL AND last_seq = 0",
            )
            .bind(new.agency_id)
            .bind(&new.agency_path)
            .bind(&new.form)
            .bind(&new.delivery_method)
            .bind(&new.delivery_address)
            .bind(new.procedure_version)
            .bind(at)
            .bind(id)
            .bind(citizen_id)
            .bind(&new.channel)
            .bind(&new.contact_phone)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Deletes a citizen's draft with its file links (the uploads stay with the citizen).
    /// `NotFound` unless it is their draft without events.
    pub async fn delete_draft(&mut self, id: i64, citizen_id: i64) -> StoreResult<()> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "DELETE FROM dossier_attachments WHERE dossier_id IN \
                 (SELECT id FROM dossiers WHERE id = $1 AND citizen_id = $2 AND status_code IS NULL AND last_seq = 0)",
            )
            .bind(id)
            .bind(citizen_id)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM dossiers WHERE id = $1 AND citizen_id = $2 AND status_code IS NULL AND last_seq = 0",
            )
            .bind(id)
            .bind(citizen_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Replaces the state of a dossier, only if nobody changed it since `expected_last_seq`.
    /// Writes a dossier's new state if nobody changed it since `expected_last_seq`, and returns
    /// the row as it now stands (one statement: no read after the commit is needed).
    pub async fn update_dossier(
        &mut self,
        id: i64,
        expected_last_seq: u64,
        dossier: &Dossier,
        step_roles: &[Role],
        at: i64,
    ) -> StoreResult<DossierRow> {
        let sql = format!(
            "UPDATE dossiers SET code = $1, status_code = $2, step = $3, step_role = $4, assignee_id = $5, due_at = $6, \
             state = $7, last_seq = $8, head = $9, updated_at = $10, result_posted_at = $13 \
             WHERE id = $11 AND last_seq = $12 RETURNING {DOSSIER_COLUMNS}"
        );
        let changed = on_tx!(self, |conn| {
            sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(dossier.code.as_ref().map(ToString::to_string))
                .bind(dossier.status.map(|s| i64::from(s.national_code())))
                .bind(dossier.step.map(|s| s as i64))
                .bind(step_role(dossier, step_roles))
                .bind(dossier.assignee)
                .bind(dossier.appointment.map(|a| micros(a.due())))
                .bind(encode_state(dossier))
                .bind(dossier.last_seq as i64)
                .bind(to_hex(&dossier.head))
                .bind(at)
                .bind(id)
                .bind(expected_last_seq as i64)
                .bind(dossier.result_posted_at.map(micros))
                .fetch_optional(&mut *conn)
                .await?
        });
        changed.ok_or_else(|| StoreError::Conflict("dossier changed concurrently".into()))
    }

    /// Xin ý kiến: records that `unit` was asked for an opinion on the dossier.
    pub async fn insert_consultation(
        &mut self,
        dossier_id: i64,
        unit_id: i64,
        unit_path: &str,
        at: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO dossier_consultations (dossier_id, unit_id, unit_path, asked_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(dossier_id)
            .bind(unit_id)
            .bind(unit_path)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Liên thông: the dossier is now processed by another agency; its desk stays.
    pub async fn move_dossier_agency(
        &mut self,
        id: i64,
        agency_id: i64,
        agency_path: &str,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE dossiers SET agency_id = $1, agency_path = $2 WHERE id = $3")
                .bind(agency_id)
                .bind(agency_path)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Appends timeline entries (already hash-chained by the domain).
    pub async fn append_dossier_events(
        &mut self,
        dossier_id: i64,
        events: &[Event],
    ) -> StoreResult<()> {
        for event in events {
            let data = serde_json::to_string(&event.data).unwrap_or_else(|_| "{}".into());
            let body = serde_json::to_string(event)
                .map_err(|e| StoreError::Corrupt(format!("event: {e}")))?;
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO dossier_events (dossier_id, seq, at, actor, kind, from_status, to_status, reason, data, hash, body) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(dossier_id)
                .bind(event.seq as i64)
                .bind(micros(event.at))
                .bind(event.actor.canonical())
                .bind(event.kind.as_str())
                .bind(event.from_status.map(|s| i64::from(s.national_code())))
                .bind(event.to_status.map(|s| i64::from(s.national_code())))
                .bind(&event.reason)
                .bind(data)
                .bind(&event.hash)
                .bind(&body)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }
}

/// A whole dossier written at once by the data generator (`motcua demo generate`): its row with
/// an id chosen by the caller, its current state and its complete timeline.
#[derive(Debug, Clone)]
pub struct GeneratedDossier {
    pub id: i64,
    pub new: NewDossier,
    pub state: Dossier,
    pub events: Vec<Event>,
    /// The roles of the workflow's steps (the indexed `step_role` column comes from them).
    pub step_roles: Vec<Role>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Rows per multi-row statement. PostgreSQL: one round trip per 1,000 rows (22,000 of its
/// 65,535 parameters). SQLite runs in-process, so round trips cost nothing, while sqlx's SQLite
/// driver resolves each `$N` by scanning the statement's parameter names (quadratic in the
/// parameter count): small statements are much faster there.
fn rows_per_statement(backend: crate::Backend, columns: usize) -> usize {
    match backend {
        crate::Backend::Sqlite => 16,
        crate::Backend::Postgres => 22_000 / columns,
    }
}

impl Store {
    /// The highest dossier id so far (0 when there is none).
    pub async fn max_dossier_id(&self) -> StoreResult<i64> {
        let (max,): (Option<i64>,) =
            on_backend!(self, |pool| sqlx::query_as("SELECT MAX(id) FROM dossiers")
                .fetch_one(pool)
                .await?);
        Ok(max.unwrap_or(0))
    }

    /// Every numbering counter as (agency code, day, last number).
    pub async fn dossier_counters(&self) -> StoreResult<Vec<(String, String, i64)>> {
        Ok(on_backend!(self, |pool| sqlx::query_as(
            "SELECT agency_code, day, last FROM dossier_counters"
        )
        .fetch_all(pool)
        .await?))
    }

    /// After ids were chosen by the caller, makes PostgreSQL's identity continue above them
    /// (SQLite always continues after the largest rowid).
    pub async fn resync_dossier_ids(&self) -> StoreResult<()> {
        if let Store::Postgres(pool) = self {
            sqlx::query(
                "SELECT setval(pg_get_serial_sequence('dossiers', 'id'), \
                 GREATEST((SELECT MAX(id) FROM dossiers), 1))",
            )
            .execute(pool)
            .await?;
        }
        Ok(())
    }

    /// Updates the planner's statistics after a bulk load (`ANALYZE`).
    pub async fn analyze(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool, _) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            Store::Postgres(pool) => {
                sqlx::query("VACUUM ANALYZE dossiers").execute(pool).await?;
                sqlx::query("VACUUM ANALYZE dossier_events")
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }
}

impl StoreTx {
    /// Writes generated dossiers with their timelines in multi-row statements (a million
    /// dossiers in minutes rather than hours). Ids must be unused; see [`Store::max_dossier_id`]
    /// and [`Store::resync_dossier_ids`].
    pub async fn insert_generated_dossiers(
        &mut self,
        dossiers: &[GeneratedDossier],
    ) -> StoreResult<()> {
        let backend = match self {
            StoreTx::Sqlite(..) => crate::Backend::Sqlite,
            StoreTx::Postgres(_) => crate::Backend::Postgres,
        };
        for chunk in dossiers.chunks(rows_per_statement(backend, 24)) {
            let mut sql = String::from(
                "INSERT INTO dossiers (id, code, procedure_code, procedure_version, workflow_version, agency_id, agency_path, \
                 citizen_id, applicant_name, applicant_personal_id, channel, status_code, step, step_role, assignee_id, due_at, \
                 state, form, last_seq, head, created_at, updated_at, result_posted_at, desk_id, desk_path, \
                 applicant_folded) VALUES ",
            );
            for (row, _) in chunk.iter().enumerate() {
                let base = row * 24;
                // Generated dossiers are never transferred: the desk is the processing agency.
                let placeholders: Vec<String> = (1..=23)
                    .chain([6, 7, 24])
                    .map(|i| format!("${}", base + i))
                    .collect();
                if row > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&placeholders.join(", "));
                sql.push(')');
            }
            on_tx!(self, |conn| {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for d in chunk {
                    query = query
                        .bind(d.id)
                        .bind(d.state.code.as_ref().map(ToString::to_string))
                        .bind(d.new.procedure_code.clone())
                        .bind(d.new.procedure_version)
                        .bind(i64::from(d.state.workflow_version))
                        .bind(d.new.agency_id)
                        .bind(d.new.agency_path.clone())
                        .bind(d.new.citizen_id)
                        .bind(d.new.applicant_name.clone())
                        .bind(d.new.applicant_personal_id.clone())
                        .bind(d.new.channel.clone())
                        .bind(d.state.status.map(|s| i64::from(s.national_code())))
                        .bind(d.state.step.map(|s| s as i64))
                        .bind(step_role(&d.state, &d.step_roles))
                        .bind(d.state.assignee)
                        .bind(d.state.appointment.map(|a| micros(a.due())))
                        .bind(encode_state(&d.state))
                        .bind(d.new.form.clone())
                        .bind(d.state.last_seq as i64)
                        .bind(to_hex(&d.state.head))
                        .bind(d.created_at)
                        .bind(d.updated_at)
                        .bind(d.state.result_posted_at.map(micros))
                        .bind(motcua_domain::text::fold(&d.new.applicant_name));
                }
                query.execute(&mut *conn).await?;
            });
        }
        let events: Vec<(i64, &Event)> = dossiers
            .iter()
            .flat_map(|d| d.events.iter().map(move |e| (d.id, e)))
            .collect();
        for chunk in events.chunks(rows_per_statement(backend, 11)) {
            let mut sql = String::from(
                "INSERT INTO dossier_events (dossier_id, seq, at, actor, kind, from_status, to_status, reason, data, hash, body) VALUES ",
            );
            for (row, _) in chunk.iter().enumerate() {
                let base = row * 11;
                let placeholders: Vec<String> =
                    (1..=11).map(|i| format!("${}", base + i)).collect();
                if row > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&placeholders.join(", "));
                sql.push(')');
            }
            let mut encoded = Vec::with_capacity(chunk.len());
            for (_, event) in chunk {
                let data = serde_json::to_string(&event.data).unwrap_or_else(|_| "{}".into());
                let body = serde_json::to_string(event)
                    .map_err(|e| StoreError::Corrupt(format!("event: {e}")))?;
                encoded.push((data, body));
            }
            on_tx!(self, |conn| {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for ((dossier_id, event), (data, body)) in chunk.iter().zip(&encoded) {
                    query = query
                        .bind(*dossier_id)
                        .bind(event.seq as i64)
                        .bind(micros(event.at))
                        .bind(event.actor.canonical())
                        .bind(event.kind.as_str())
                        .bind(event.from_status.map(|s| i64::from(s.national_code())))
                        .bind(event.to_status.map(|s| i64::from(s.national_code())))
                        .bind(event.reason.clone())
                        .bind(data.clone())
                        .bind(event.hash.clone())
                        .bind(body.clone());
                }
                query.execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Raises a numbering counter to at least `last` (never lowers it), so numbers handed out
    /// later continue after generated or imported dossiers.
    pub async fn raise_dossier_counter(
        &mut self,
        agency_code: &str,
        day: &str,
        last: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO dossier_counters (agency_code, day, last) VALUES ($1, $2, $3) \
                 ON CONFLICT (agency_code, day) DO UPDATE SET last = CASE WHEN excluded.last > dossier_counters.last \
                 THEN excluded.last ELSE dossier_counters.last END",
            )
            .bind(agency_code)
            .bind(day)
            .bind(last)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }
}
