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
    pub limit: i64,
    pub offset: i64,
}

const DOSSIER_COLUMNS: &str = "id, code, procedure_code, procedure_version, workflow_version, agency_id, agency_path, citizen_id, \
     applicant_name, applicant_personal_id, channel, status_code, step, step_role, assignee_id, due_at, state, form, last_seq, head, created_at, updated_at, desk_id, desk_path";

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
        // The filter is assembled from fixed fragments; every value is a bind parameter.
        let mut sql = format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE 1 = 1");
        let mut index = 0;
        let mut next = || {
            index += 1;
            format!("${index}")
        };
        let mut texts: Vec<String> = Vec::new();
        let mut numbers: Vec<i64> = Vec::new();
        let mut order: Vec<bool> = Vec::new(); // true: text bind, false: number bind
        if let Some(paths) = &filter.agency_paths {
            if paths.is_empty() {
                return Ok(Vec::new());
            }
            let column = if filter.by_desk {
                "desk_path"
            } else {
                "agency_path"
            };
            let parts: Vec<String> = paths
                .iter()
                .map(|p| {
                    let placeholder = next();
                    texts.push(p.clone());
                    order.push(true);
                    format!("substr({column}, 1, length({placeholder})) = {placeholder}")
                })
                .collect();
            sql.push_str(&format!(" AND ({})", parts.join(" OR ")));
        }
        if let Some(citizen) = filter.citizen_id {
            sql.push_str(&format!(" AND citizen_id = {}", next()));
            numbers.push(citizen);
            order.push(false);
        }
        if !filter.statuses.is_empty() {
            let list: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| {
                    numbers.push(*s);
                    order.push(false);
                    next()
                })
                .collect();
            sql.push_str(&format!(" AND status_code IN ({})", list.join(", ")));
        }
        if !filter.step_roles.is_empty() {
            let list: Vec<String> = filter
                .step_roles
                .iter()
                .map(|r| {
                    texts.push(r.clone());
                    order.push(true);
                    next()
                })
                .collect();
            sql.push_str(&format!(" AND step_role IN ({})", list.join(", ")));
        }
        if let Some(assignee) = filter.assignee_id {
            sql.push_str(&format!(" AND assignee_id = {}", next()));
            numbers.push(assignee);
            order.push(false);
        }
        if let Some(due) = filter.due_before {
            sql.push_str(&format!(" AND due_at IS NOT NULL AND due_at <= {}", next()));
            numbers.push(due);
            order.push(false);
        }
        let limit = if filter.limit <= 0 {
            50
        } else {
            filter.limit.min(500)
        };
        sql.push_str(&format!(
            " ORDER BY due_at IS NULL, due_at, id LIMIT {} OFFSET {}",
            next(),
            next()
        ));
        numbers.push(limit);
        order.push(false);
        numbers.push(filter.offset.max(0));
        order.push(false);
        let rows = on_backend!(self, |pool| {
            let mut query = sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.clone()));
            let (mut t, mut n) = (texts.iter(), numbers.iter());
            for is_text in &order {
                query = if *is_text {
                    query.bind(t.next().cloned().unwrap_or_default())
                } else {
                    query.bind(n.next().copied().unwrap_or_default())
                };
            }
            query.fetch_all(pool).await?
        });
        Ok(rows)
    }

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
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO dossiers (code, procedure_code, procedure_version, workflow_version, agency_id, agency_path, citizen_id, \
                 applicant_name, applicant_personal_id, channel, status_code, step, step_role, assignee_id, due_at, state, form, last_seq, head, \
                 created_at, updated_at, desk_id, desk_path) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, $5, $6) RETURNING id",
            )
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
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Replaces the state of a dossier, only if nobody changed it since `expected_last_seq`.
    pub async fn update_dossier(
        &mut self,
        id: i64,
        expected_last_seq: u64,
        dossier: &Dossier,
        step_roles: &[Role],
        at: i64,
    ) -> StoreResult<()> {
        let changed = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE dossiers SET code = $1, status_code = $2, step = $3, step_role = $4, assignee_id = $5, due_at = $6, \
                 state = $7, last_seq = $8, head = $9, updated_at = $10 WHERE id = $11 AND last_seq = $12",
            )
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
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::Conflict("dossier changed concurrently".into()));
        }
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
