//! Official documents (văn bản đến/đi): their state, hash-chained timelines, the leader's
//! directions, and gap-free register numbering per body, register, series and year.
//!
//! Stored the way dossiers are ([`crate::dossiers`]): the domain's [`Document`] as a JSON
//! snapshot plus indexed columns written by the same statement, updates guarded by `last_seq`
//! ([`StoreError::Conflict`] for the loser), events appended in the same transaction, counters
//! bumped by one upsert inside the registering or issuing transaction (a rollback gives the
//! number back). Search is FTS5 on SQLite and a `tsvector` on PostgreSQL over the text folded
//! by the one Rust function, as in the catalogue.

use crate::dossiers::Bind;
use crate::{Store, StoreError, StoreResult, StoreTx, from_micros, micros, on_backend, on_tx};
use motcua_domain::document::{
    CommandKind, Document, Event, Recipient, Register, Series, Signature, Status,
};
use motcua_domain::dossier::{from_hex, to_hex};
use motcua_domain::query_text::{fts5_query, tsquery};
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    status: Option<String>,
    leader: Option<i64>,
    assignee: Option<i64>,
    lead_unit: Option<i64>,
    co_units: Vec<i64>,
    deadline: Option<String>,
    signatures: Vec<Signature>,
    number: Option<u32>,
    recipients: Vec<Recipient>,
    last_seq: u64,
    last_at: Option<i64>,
    head: String,
}

fn date_text(date: Date) -> String {
    date.to_string()
}

/// 'YYYY-MM-DD' back to a date.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).ok()
}

/// Serialises a document state for storage.
pub fn encode_state(doc: &Document) -> String {
    let snapshot = Snapshot {
        status: doc.status.map(|s| s.as_str().to_owned()),
        leader: doc.leader,
        assignee: doc.assignee,
        lead_unit: doc.lead_unit,
        co_units: doc.co_units.clone(),
        deadline: doc.deadline.map(date_text),
        signatures: doc.signatures.clone(),
        number: doc.number,
        recipients: doc.recipients.clone(),
        last_seq: doc.last_seq,
        last_at: doc.last_at.map(micros),
        head: to_hex(&doc.head),
    };
    serde_json::to_string(&snapshot).unwrap_or_default()
}

/// Rebuilds a document state.
///
/// # Errors
/// [`StoreError::Corrupt`] when the snapshot does not parse.
pub fn decode_state(text: &str) -> StoreResult<Document> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("document state: {what}"));
    let s: Snapshot = serde_json::from_str(text).map_err(|e| corrupt(&e.to_string()))?;
    let status = match s.status {
        Some(name) => Some(Status::parse(&name).ok_or_else(|| corrupt("status"))?),
        None => None,
    };
    let deadline = match s.deadline {
        Some(text) => Some(parse_date(&text).ok_or_else(|| corrupt("deadline"))?),
        None => None,
    };
    Ok(Document {
        status,
        leader: s.leader,
        assignee: s.assignee,
        lead_unit: s.lead_unit,
        co_units: s.co_units,
        deadline,
        signatures: s.signatures,
        number: s.number,
        recipients: s.recipients,
        last_seq: s.last_seq,
        last_at: s.last_at.map(from_micros),
        head: from_hex(&s.head).ok_or_else(|| corrupt("head"))?,
    })
}

const COLUMNS: &str = "id, register, body_id, body_path, status, doc_type, series, register_year, number, \
    code_number, notation, sender_organ, recipient_organ, issued_date, arrival_date, subject, urgency, \
    secrecy, due_date, page_count, signer_name, signer_position, drafting_unit_id, lead_unit_id, \
    assignee_id, deadline, state, last_seq, created_by, created_at, updated_at, content, addressees, \
    signer_authority, signed_pdf, signed_marks";

/// A stored document: Phụ lục VI metadata, register position and state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    /// `incoming` or `outgoing`.
    pub register: String,
    /// The body (cơ quan) whose register holds it.
    pub body_id: i64,
    pub body_path: String,
    pub status: String,
    pub doc_type: String,
    /// `regular` or `secret`.
    pub series: String,
    pub register_year: i64,
    /// Số đến (incoming) or the number taken at issue (outgoing).
    pub number: Option<i64>,
    /// Số/ký hiệu: the sender's (incoming) or ours once issued ("05/QĐ-UBND").
    pub code_number: Option<String>,
    /// Ký hiệu of an outgoing document, fixed at drafting ("QĐ-UBND").
    pub notation: Option<String>,
    /// Cơ quan ban hành.
    pub sender_organ: String,
    /// Nơi nhận as typed (incoming: the body; outgoing: the recipients' names).
    pub recipient_organ: Option<String>,
    pub issued_date: Option<String>,
    pub arrival_date: Option<String>,
    /// Trích yếu.
    pub subject: String,
    pub urgency: String,
    pub secrecy: String,
    /// Hạn xử lý stated on the document.
    pub due_date: Option<String>,
    pub page_count: Option<i64>,
    pub signer_name: Option<String>,
    pub signer_position: Option<String>,
    pub drafting_unit_id: Option<i64>,
    pub lead_unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// The direction's deadline.
    pub deadline: Option<String>,
    pub state: String,
    pub last_seq: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Nội dung of an outgoing document: one paragraph per line.
    pub content: Option<String>,
    /// Kính gửi: one addressee per line.
    pub addressees: Option<String>,
    /// Thẩm quyền ký, e.g. "KT. CHỦ TỊCH".
    pub signer_authority: Option<String>,
    /// The signed PDF (SHA-256 in the blob store) after its latest signature.
    pub signed_pdf: Option<String>,
    /// Where the signed PDF's blanks and signature room are (JSON, the renderer's marks).
    pub signed_marks: Option<String>,
}

impl DocumentRow {
    pub fn document(&self) -> StoreResult<Document> {
        decode_state(&self.state)
    }
}

/// What a new document is registered or drafted with.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub register: Register,
    pub body_id: i64,
    pub body_path: String,
    pub doc_type: String,
    pub series: Series,
    pub register_year: i32,
    pub number: Option<u32>,
    pub code_number: Option<String>,
    pub notation: Option<String>,
    pub sender_organ: String,
    pub recipient_organ: Option<String>,
    pub issued_date: Option<String>,
    pub arrival_date: Option<String>,
    pub subject: String,
    pub urgency: String,
    pub secrecy: String,
    pub due_date: Option<String>,
    pub page_count: Option<i64>,
    pub signer_name: Option<String>,
    pub signer_position: Option<String>,
    pub drafting_unit_id: Option<i64>,
    pub duplicate_key: Option<String>,
    pub search_folded: String,
    pub created_by: Option<i64>,
    /// Nội dung, one paragraph per line (outgoing documents).
    pub content: Option<String>,
    /// Kính gửi, one addressee per line.
    pub addressees: Option<String>,
    /// Thẩm quyền ký.
    pub signer_authority: Option<String>,
}

/// The drafter's text of an outgoing document, as stored: paragraphs, "Kính gửi" and "Nơi
/// nhận" one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftText {
    pub subject: String,
    pub content: String,
    pub addressees: String,
    /// Nơi nhận (`recipient_organ`).
    pub recipients: Option<String>,
    pub signer_authority: Option<String>,
    pub signer_position: Option<String>,
    pub signer_name: Option<String>,
    /// The folded search text for the new subject.
    pub search_folded: String,
}

/// The columns that change with a command (besides the state).
#[derive(Debug, Clone, Default)]
pub struct DocumentChange {
    /// At issue: the number, our số/ký hiệu, the issue date and the signer.
    pub issued: Option<Issued>,
    /// At the personal signature: who signed, as printed (name, position).
    pub signer: Option<(String, Option<String>)>,
    /// The new folded search text when số/ký hiệu changed.
    pub search_folded: Option<String>,
    /// A new signature on the PDF: its SHA-256 (the blob is inserted in the same
    /// transaction) and, at the first signature, the layout's marks.
    pub signed_pdf: Option<(String, Option<String>)>,
}

#[derive(Debug, Clone)]
pub struct Issued {
    pub number: u32,
    /// The year of issue: the number is of that year's series, so the document moves to that
    /// year's register (a draft of December issued in January).
    pub year: i32,
    pub code_number: String,
    pub issued_date: String,
    pub signer_name: Option<String>,
    pub signer_position: Option<String>,
}

/// A stored timeline entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DocumentEventRow {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub reason: String,
    pub data: String,
    pub hash: String,
    pub body: String,
}

impl DocumentEventRow {
    pub fn event(&self) -> StoreResult<Event> {
        serde_json::from_str(&self.body)
            .map_err(|e| StoreError::Corrupt(format!("document event: {e}")))
    }
}

/// A direction as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DirectionRow {
    pub seq: i64,
    pub lead_unit_id: i64,
    /// Comma-separated unit ids.
    pub co_units: String,
    pub deadline: Option<String>,
    pub note: String,
    pub directed_by: Option<i64>,
    pub directed_at: i64,
}

/// Which documents a list may show: those of bodies in, or led by units in, these subtrees.
#[derive(Debug, Clone, Default)]
pub struct DocumentScope {
    /// `None`: everywhere (the system); empty: nothing.
    pub paths: Option<Vec<String>>,
}

/// Which documents of a register a list shows.
#[derive(Debug, Clone, Copy)]
pub struct DocumentFilter {
    pub register: Register,
    /// The register's year (năm đăng ký); `None`: every year.
    pub year: Option<i32>,
    pub status: Option<Status>,
}

struct Query {
    sql: String,
    binds: Vec<Bind>,
}

impl Query {
    fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            binds: Vec::new(),
        }
    }

    fn bind(&mut self, bind: Bind) -> String {
        self.binds.push(bind);
        format!("${}", self.binds.len())
    }

    /// Restricts to the scope; `false` when it can match nothing.
    fn scope(&mut self, scope: &DocumentScope) -> bool {
        let Some(paths) = &scope.paths else {
            return true;
        };
        if paths.is_empty() {
            return false;
        }
        let parts: Vec<String> = paths
            .iter()
            .map(|p| {
                let placeholder = self.bind(Bind::Text(p.clone()));
                format!("substr(u.path, 1, length({placeholder})) = {placeholder}")
            })
            .collect();
        let units = format!("SELECT u.id FROM org_units u WHERE {}", parts.join(" OR "));
        self.sql.push_str(&format!(
            " AND (body_id IN ({units}) OR lead_unit_id IN ({units}))"
        ));
        true
    }
}

impl Store {
    async fn fetch_documents(&self, query: Query) -> StoreResult<Vec<DocumentRow>> {
        let rows = on_backend!(self, |pool| {
            let mut q = sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(query.sql.clone()));
            for bind in &query.binds {
                q = match bind {
                    Bind::Text(text) => q.bind(text.clone()),
                    Bind::Number(number) => q.bind(*number),
                };
            }
            q.fetch_all(pool).await?
        });
        Ok(rows)
    }

    pub async fn get_document(&self, id: i64) -> StoreResult<DocumentRow> {
        let sql = format!("SELECT {COLUMNS} FROM documents WHERE id = $1");
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn document_events(&self, id: i64) -> StoreResult<Vec<DocumentEventRow>> {
        let rows = on_backend!(self, |pool| {
            sqlx::query_as::<_, DocumentEventRow>(
                "SELECT seq, at, actor, kind, from_status, to_status, reason, data, hash, body \
                 FROM document_events WHERE document_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    pub async fn document_directions(&self, id: i64) -> StoreResult<Vec<DirectionRow>> {
        let rows = on_backend!(self, |pool| {
            sqlx::query_as::<_, DirectionRow>(
                "SELECT seq, lead_unit_id, co_units, deadline, note, directed_by, directed_at \
                 FROM document_directions WHERE document_id = $1 ORDER BY seq",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows)
    }

    /// Earlier registrations of the same document (same duplicate key) in a body's register.
    pub async fn document_duplicates(
        &self,
        body_id: i64,
        register: Register,
        duplicate_key: &str,
    ) -> StoreResult<Vec<DocumentRow>> {
        let mut q = Query::new(&format!("SELECT {COLUMNS} FROM documents WHERE 1 = 1"));
        let key = q.bind(Bind::Text(duplicate_key.to_owned()));
        let body = q.bind(Bind::Number(body_id));
        let register = q.bind(Bind::Text(register.as_str().to_owned()));
        q.sql.push_str(&format!(
            " AND duplicate_key = {key} AND body_id = {body} AND register = {register} ORDER BY id"
        ));
        self.fetch_documents(q).await
    }

    /// Full-text search over subject, số/ký hiệu and sender (terms already folded), newest
    /// first, within the scope.
    pub async fn search_documents(
        &self,
        terms: &[String],
        scope: &DocumentScope,
        limit: i64,
    ) -> StoreResult<Vec<DocumentRow>> {
        match self.search_query(terms, scope, limit) {
            Some(q) => self.fetch_documents(q).await,
            None => Ok(Vec::new()),
        }
    }

    /// The database's plan for [`Store::search_documents`] (`EXPLAIN QUERY PLAN` on SQLite,
    /// `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL), for the benchmark's report.
    pub async fn explain_document_search(
        &self,
        terms: &[String],
        scope: &DocumentScope,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        let Some(q) = self.search_query(terms, scope, limit) else {
            return Ok(Vec::new());
        };
        macro_rules! bound {
            ($query:expr) => {{
                let mut query = $query;
                for bind in &q.binds {
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
                let explain = format!("EXPLAIN QUERY PLAN {}", q.sql);
                let rows: Vec<(i64, i64, i64, String)> =
                    bound!(sqlx::query_as(sqlx::AssertSqlSafe(explain)))
                        .fetch_all(pool)
                        .await?;
                rows.into_iter().map(|(_, _, _, detail)| detail).collect()
            }
            Store::Postgres(pool) => {
                let explain = format!("EXPLAIN (ANALYZE, BUFFERS) {}", q.sql);
                let rows: Vec<(String,)> = bound!(sqlx::query_as(sqlx::AssertSqlSafe(explain)))
                    .fetch_all(pool)
                    .await?;
                rows.into_iter().map(|(line,)| line).collect()
            }
        })
    }

    /// The search statement; `None` when it can match nothing.
    ///
    /// Newest first is id order (ids are taken as documents are registered or drafted, so
    /// they rise with `created_at`): both databases can then walk their full-text match in
    /// descending id and stop at the page's end, instead of reading and sorting every match —
    /// at a million documents a common word ("kế hoạch") matches a hundred thousand of them.
    /// On SQLite the FTS5 table drives the join (FTS5 yields rowids in descending order
    /// itself); on PostgreSQL the planner chooses between the GIN index and the primary key
    /// walked backwards, by how common the words are.
    fn search_query(&self, terms: &[String], scope: &DocumentScope, limit: i64) -> Option<Query> {
        if terms.is_empty() {
            return None;
        }
        let mut q = match self {
            Store::Sqlite(..) => {
                let mut q = Query::new(&format!(
                    "SELECT {COLUMNS} FROM documents_fts JOIN documents ON documents.id = documents_fts.rowid \
                     WHERE 1 = 1"
                ));
                let m = q.bind(Bind::Text(fts5_query(terms, true, None)));
                q.sql.push_str(&format!(" AND documents_fts MATCH {m}"));
                q
            }
            Store::Postgres(_) => {
                let mut q = Query::new(&format!("SELECT {COLUMNS} FROM documents WHERE 1 = 1"));
                let m = q.bind(Bind::Text(tsquery(terms, true)));
                q.sql.push_str(&format!(
                    " AND search_fts @@ to_tsquery('simple', vi_fold({m}))"
                ));
                q
            }
        };
        if !q.scope(scope) {
            return None;
        }
        let limit = q.bind(Bind::Number(limit.clamp(1, 500)));
        let order = match self {
            Store::Sqlite(..) => "documents_fts.rowid DESC",
            Store::Postgres(_) => "id DESC",
        };
        q.sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
        Some(q)
    }

    /// Open documents (not done) whose direction deadline lies in `[from, to]` (inclusive,
    /// 'YYYY-MM-DD'), earliest first, within the scope. Overdue: `to` = yesterday, `from`
    /// `None`.
    pub async fn documents_due(
        &self,
        from: Option<Date>,
        to: Date,
        scope: &DocumentScope,
    ) -> StoreResult<Vec<DocumentRow>> {
        let mut q = Query::new(&format!(
            "SELECT {COLUMNS} FROM documents WHERE deadline IS NOT NULL"
        ));
        let open: Vec<String> = Status::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| q.bind(Bind::Text(s.as_str().to_owned())))
            .collect();
        q.sql
            .push_str(&format!(" AND status IN ({})", open.join(", ")));
        let to = q.bind(Bind::Text(date_text(to)));
        q.sql.push_str(&format!(" AND deadline <= {to}"));
        if let Some(from) = from {
            let from = q.bind(Bind::Text(date_text(from)));
            q.sql.push_str(&format!(" AND deadline >= {from}"));
        }
        if !q.scope(scope) {
            return Ok(Vec::new());
        }
        q.sql.push_str(" ORDER BY deadline, id");
        self.fetch_documents(q).await
    }

    /// One register's documents of a year within the scope, newest first, optionally of one
    /// status: the registers page (drafts and signed documents without a number included,
    /// unlike [`Store::document_register`]).
    pub async fn list_documents(
        &self,
        filter: &DocumentFilter,
        scope: &DocumentScope,
        limit: i64,
    ) -> StoreResult<Vec<DocumentRow>> {
        let mut q = Query::new(&format!("SELECT {COLUMNS} FROM documents WHERE 1 = 1"));
        let register = q.bind(Bind::Text(filter.register.as_str().to_owned()));
        q.sql.push_str(&format!(" AND register = {register}"));
        if let Some(year) = filter.year {
            let year = q.bind(Bind::Number(i64::from(year)));
            q.sql.push_str(&format!(" AND register_year = {year}"));
        }
        if let Some(status) = filter.status {
            let status = q.bind(Bind::Text(status.as_str().to_owned()));
            q.sql.push_str(&format!(" AND status = {status}"));
        }
        if !q.scope(scope) {
            return Ok(Vec::new());
        }
        let limit = q.bind(Bind::Number(limit.clamp(1, 500)));
        q.sql
            .push_str(&format!(" ORDER BY created_at DESC, id DESC LIMIT {limit}"));
        self.fetch_documents(q).await
    }

    /// A register (sổ đăng ký văn bản đến/đi) of a body for a year, in number order.
    pub async fn document_register(
        &self,
        body_id: i64,
        register: Register,
        year: i32,
    ) -> StoreResult<Vec<DocumentRow>> {
        let mut q = Query::new(&format!("SELECT {COLUMNS} FROM documents WHERE 1 = 1"));
        let body = q.bind(Bind::Number(body_id));
        let register = q.bind(Bind::Text(register.as_str().to_owned()));
        let year = q.bind(Bind::Number(i64::from(year)));
        q.sql.push_str(&format!(
            " AND body_id = {body} AND register = {register} AND register_year = {year} \
             AND number IS NOT NULL ORDER BY series, number"
        ));
        self.fetch_documents(q).await
    }
}

impl StoreTx {
    /// Takes the next number of a register series, inside the registering or issuing
    /// transaction (the mechanism of [`StoreTx::next_dossier_number`]): no gaps, no
    /// duplicates, and a rollback gives the number back.
    pub async fn next_document_number(
        &mut self,
        body_id: i64,
        register: Register,
        series: Series,
        year: i32,
    ) -> StoreResult<u32> {
        let (last,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO document_counters (body_id, register, series, year, last) VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (body_id, register, series, year) DO UPDATE SET last = document_counters.last + 1 \
                 RETURNING last",
            )
            .bind(body_id)
            .bind(register.as_str())
            .bind(series.as_str())
            .bind(i64::from(year))
            .fetch_one(&mut *conn)
            .await?
        });
        u32::try_from(last).map_err(|_| StoreError::Corrupt("document counter".into()))
    }

    /// Stores a new document with its state (after its first command) and returns its id.
    pub async fn insert_document(
        &mut self,
        new: &NewDocument,
        state: &Document,
        at: i64,
    ) -> StoreResult<i64> {
        let status = state
            .status
            .map(Status::as_str)
            .ok_or_else(|| StoreError::Corrupt("a new document has a status".into()))?;
        let (id,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as(
                "INSERT INTO documents (register, body_id, body_path, status, doc_type, series, register_year, number, \
                 code_number, notation, sender_organ, recipient_organ, issued_date, arrival_date, subject, urgency, \
                 secrecy, due_date, page_count, signer_name, signer_position, drafting_unit_id, lead_unit_id, \
                 assignee_id, deadline, duplicate_key, search_folded, state, last_seq, head, created_by, created_at, updated_at, \
                 content, addressees, signer_authority) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
                 $22, NULL, $23, NULL, $24, $25, $26, $27, $28, $29, $30, $30, $31, $32, $33) RETURNING id",
            )
            .bind(new.register.as_str())
            .bind(new.body_id)
            .bind(&new.body_path)
            .bind(status)
            .bind(&new.doc_type)
            .bind(new.series.as_str())
            .bind(i64::from(new.register_year))
            .bind(new.number.map(i64::from))
            .bind(&new.code_number)
            .bind(&new.notation)
            .bind(&new.sender_organ)
            .bind(&new.recipient_organ)
            .bind(&new.issued_date)
            .bind(&new.arrival_date)
            .bind(&new.subject)
            .bind(&new.urgency)
            .bind(&new.secrecy)
            .bind(&new.due_date)
            .bind(new.page_count)
            .bind(&new.signer_name)
            .bind(&new.signer_position)
            .bind(new.drafting_unit_id)
            .bind(state.assignee)
            .bind(&new.duplicate_key)
            .bind(&new.search_folded)
            .bind(encode_state(state))
            .bind(state.last_seq as i64)
            .bind(to_hex(&state.head))
            .bind(new.created_by)
            .bind(at)
            .bind(&new.content)
            .bind(&new.addressees)
            .bind(&new.signer_authority)
            .fetch_one(&mut *conn)
            .await?
        });
        Ok(id)
    }

    /// Writes a document's new state if nobody changed it since `expected_last_seq`.
    pub async fn update_document(
        &mut self,
        id: i64,
        expected_last_seq: u64,
        state: &Document,
        change: &DocumentChange,
        at: i64,
    ) -> StoreResult<DocumentRow> {
        let status = state
            .status
            .map(Status::as_str)
            .ok_or_else(|| StoreError::Corrupt("a stored document has a status".into()))?;
        let issued = change.issued.as_ref();
        let sql = format!(
            "UPDATE documents SET status = $1, lead_unit_id = $2, assignee_id = $3, deadline = $4, state = $5, \
             last_seq = $6, head = $7, updated_at = $8, \
             number = COALESCE($9, number), code_number = COALESCE($10, code_number), \
             issued_date = COALESCE($11, issued_date), signer_name = COALESCE($12, signer_name), \
             signer_position = COALESCE($13, signer_position), search_folded = COALESCE($14, search_folded), \
             register_year = COALESCE($17, register_year), signed_pdf = COALESCE($18, signed_pdf), \
             signed_marks = COALESCE($19, signed_marks) \
             WHERE id = $15 AND last_seq = $16 RETURNING {COLUMNS}"
        );
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(status)
                .bind(state.lead_unit)
                .bind(state.assignee)
                .bind(state.deadline.map(date_text))
                .bind(encode_state(state))
                .bind(state.last_seq as i64)
                .bind(to_hex(&state.head))
                .bind(at)
                .bind(issued.map(|i| i64::from(i.number)))
                .bind(issued.map(|i| i.code_number.clone()))
                .bind(issued.map(|i| i.issued_date.clone()))
                .bind(
                    issued
                        .and_then(|i| i.signer_name.clone())
                        .or_else(|| change.signer.as_ref().map(|s| s.0.clone())),
                )
                .bind(
                    issued
                        .and_then(|i| i.signer_position.clone())
                        .or_else(|| change.signer.as_ref().and_then(|s| s.1.clone())),
                )
                .bind(change.search_folded.clone())
                .bind(id)
                .bind(expected_last_seq as i64)
                .bind(issued.map(|i| i64::from(i.year)))
                .bind(change.signed_pdf.as_ref().map(|s| s.0.clone()))
                .bind(change.signed_pdf.as_ref().and_then(|s| s.1.clone()))
                .fetch_optional(&mut *conn)
                .await?
        });
        row.ok_or_else(|| StoreError::Conflict("document changed concurrently".into()))
    }

    /// Rewrites the drafter's text of a draft nobody changed since `expected_last_seq` (the
    /// state and its timeline stay as they are: a draft is rewritten until it is sent for
    /// review). [`StoreError::Conflict`] when the document moved on or is no longer a draft.
    pub async fn update_draft_text(
        &mut self,
        id: i64,
        expected_last_seq: u64,
        text: &DraftText,
        at: i64,
    ) -> StoreResult<DocumentRow> {
        let sql = format!(
            "UPDATE documents SET subject = $1, content = $2, addressees = $3, recipient_organ = $4, \
             signer_authority = $5, signer_position = $6, signer_name = $7, search_folded = $8, updated_at = $9 \
             WHERE id = $10 AND last_seq = $11 AND status = 'draft' AND register = 'outgoing' RETURNING {COLUMNS}"
        );
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, DocumentRow>(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&text.subject)
                .bind(&text.content)
                .bind(&text.addressees)
                .bind(&text.recipients)
                .bind(&text.signer_authority)
                .bind(&text.signer_position)
                .bind(&text.signer_name)
                .bind(&text.search_folded)
                .bind(at)
                .bind(id)
                .bind(expected_last_seq as i64)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.ok_or_else(|| StoreError::Conflict("document changed concurrently".into()))
    }

    /// Appends a timeline entry (already hash-chained by the domain).
    pub async fn append_document_event(&mut self, id: i64, event: &Event) -> StoreResult<()> {
        let data = serde_json::to_string(&event.data).unwrap_or_else(|_| "{}".into());
        let body = serde_json::to_string(event)
            .map_err(|e| StoreError::Corrupt(format!("document event: {e}")))?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO document_events (document_id, seq, at, actor, kind, from_status, to_status, reason, data, hash, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(event.seq as i64)
            .bind(micros(event.at))
            .bind(event.actor.canonical())
            .bind(event.kind.as_str())
            .bind(event.from_status.map(Status::as_str))
            .bind(event.to_status.as_str())
            .bind(&event.reason)
            .bind(data)
            .bind(&event.hash)
            .bind(&body)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Records a direction (the event with the same `seq` is its timeline entry).
    pub async fn insert_document_direction(
        &mut self,
        id: i64,
        seq: u64,
        state: &Document,
        note: &str,
        directed_by: Option<i64>,
        at: i64,
    ) -> StoreResult<()> {
        let lead = state
            .lead_unit
            .ok_or_else(|| StoreError::Corrupt("a direction has a lead unit".into()))?;
        let co_units = state
            .co_units
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO document_directions (document_id, seq, lead_unit_id, co_units, deadline, note, directed_by, directed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(seq as i64)
            .bind(lead)
            .bind(&co_units)
            .bind(state.deadline.map(date_text))
            .bind(note)
            .bind(directed_by)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }
}

impl StoreTx {
    /// Claims the reminder of a document for its current deadline; `false` when it was sent.
    pub async fn claim_document_reminder(
        &mut self,
        id: i64,
        deadline: &str,
        at: i64,
    ) -> StoreResult<bool> {
        let inserted = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO document_reminders (document_id, deadline, sent_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (document_id, deadline) DO NOTHING",
            )
            .bind(id)
            .bind(deadline)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(inserted == 1)
    }
}

/// A whole document written at once by the data generator (`motcua demo generate
/// --documents N`): its row with an id chosen by the caller and the columns as they stand after
/// its last command, its state, its complete timeline and the directions it was given.
#[derive(Debug, Clone)]
pub struct GeneratedDocument {
    pub id: i64,
    /// The columns as the use cases would have left them (number, số/ký hiệu, issue date,
    /// signer and search text after issue included).
    pub new: NewDocument,
    pub state: Document,
    /// The whole timeline; each `direct` event also becomes its `document_directions` row.
    pub events: Vec<Event>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Rows per multi-row statement (see `dossiers::rows_per_statement`: PostgreSQL one round
/// trip per statement within its 65,535 parameters, SQLite small statements).
fn rows_per_statement(backend: crate::Backend, columns: usize) -> usize {
    match backend {
        crate::Backend::Sqlite => 16,
        crate::Backend::Postgres => 22_000 / columns,
    }
}

/// `(… $n+1, …, $n+columns), (…)` for `rows` rows.
fn value_rows(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 6);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 1..=columns {
            if column > 1 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * columns + column));
        }
        sql.push(')');
    }
    sql
}

impl Store {
    /// The highest document id so far (0 when there is none).
    pub async fn max_document_id(&self) -> StoreResult<i64> {
        let (max,): (Option<i64>,) =
            on_backend!(self, |pool| sqlx::query_as("SELECT MAX(id) FROM documents")
                .fetch_one(pool)
                .await?);
        Ok(max.unwrap_or(0))
    }

    /// Documents in the database.
    pub async fn count_documents(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| sqlx::query_as(
            "SELECT COUNT(*) FROM documents"
        )
        .fetch_one(pool)
        .await?);
        Ok(count)
    }

    /// After a bulk load with ids chosen by the caller: PostgreSQL's identity continues above
    /// them, and the planner's statistics and SQLite's full-text index are brought up to date
    /// (FTS5 `optimize` merges the many small segments a bulk load leaves into one).
    pub async fn finish_document_load(&self) -> StoreResult<()> {
        match self {
            Store::Sqlite(pool, _) => {
                sqlx::query("INSERT INTO documents_fts (documents_fts) VALUES ('optimize')")
                    .execute(pool)
                    .await?;
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            Store::Postgres(pool) => {
                sqlx::query(
                    "SELECT setval(pg_get_serial_sequence('documents', 'id'), \
                     GREATEST((SELECT MAX(id) FROM documents), 1))",
                )
                .execute(pool)
                .await?;
                for table in ["documents", "document_events", "document_directions"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM ANALYZE {table}")))
                        .execute(pool)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

impl StoreTx {
    /// Writes generated documents with their timelines and directions in multi-row
    /// statements. Ids must be unused (see [`Store::max_document_id`]); call
    /// [`Store::finish_document_load`] after the last batch.
    pub async fn insert_generated_documents(
        &mut self,
        documents: &[GeneratedDocument],
    ) -> StoreResult<()> {
        let backend = match self {
            StoreTx::Sqlite(..) => crate::Backend::Sqlite,
            StoreTx::Postgres(_) => crate::Backend::Postgres,
        };
        const COLUMNS: usize = 34;
        for chunk in documents.chunks(rows_per_statement(backend, COLUMNS)) {
            let mut statuses = Vec::with_capacity(chunk.len());
            for d in chunk {
                statuses.push(
                    d.state
                        .status
                        .map(Status::as_str)
                        .ok_or_else(|| StoreError::Corrupt("a new document has a status".into()))?,
                );
            }
            let sql = format!(
                "INSERT INTO documents (id, register, body_id, body_path, status, doc_type, series, register_year, number, \
                 code_number, notation, sender_organ, recipient_organ, issued_date, arrival_date, subject, urgency, \
                 secrecy, due_date, page_count, signer_name, signer_position, drafting_unit_id, lead_unit_id, \
                 assignee_id, deadline, duplicate_key, search_folded, state, last_seq, head, created_by, created_at, updated_at) \
                 VALUES {}",
                value_rows(chunk.len(), COLUMNS)
            );
            on_tx!(self, |conn| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (d, status) in chunk.iter().zip(&statuses) {
                    let n = &d.new;
                    q = q
                        .bind(d.id)
                        .bind(n.register.as_str())
                        .bind(n.body_id)
                        .bind(n.body_path.clone())
                        .bind(*status)
                        .bind(n.doc_type.clone())
                        .bind(n.series.as_str())
                        .bind(i64::from(n.register_year))
                        .bind(n.number.map(i64::from))
                        .bind(n.code_number.clone())
                        .bind(n.notation.clone())
                        .bind(n.sender_organ.clone())
                        .bind(n.recipient_organ.clone())
                        .bind(n.issued_date.clone())
                        .bind(n.arrival_date.clone())
                        .bind(n.subject.clone())
                        .bind(n.urgency.clone())
                        .bind(n.secrecy.clone())
                        .bind(n.due_date.clone())
                        .bind(n.page_count)
                        .bind(n.signer_name.clone())
                        .bind(n.signer_position.clone())
                        .bind(n.drafting_unit_id)
                        .bind(d.state.lead_unit)
                        .bind(d.state.assignee)
                        .bind(d.state.deadline.map(date_text))
                        .bind(n.duplicate_key.clone())
                        .bind(n.search_folded.clone())
                        .bind(encode_state(&d.state))
                        .bind(d.state.last_seq as i64)
                        .bind(to_hex(&d.state.head))
                        .bind(n.created_by)
                        .bind(d.created_at)
                        .bind(d.updated_at);
                }
                q.execute(&mut *conn).await?;
            });
        }
        let events: Vec<(i64, &Event)> = documents
            .iter()
            .flat_map(|d| d.events.iter().map(move |e| (d.id, e)))
            .collect();
        for chunk in events.chunks(rows_per_statement(backend, 11)) {
            let sql = format!(
                "INSERT INTO document_events (document_id, seq, at, actor, kind, from_status, to_status, reason, data, hash, body) \
                 VALUES {}",
                value_rows(chunk.len(), 11)
            );
            let mut encoded = Vec::with_capacity(chunk.len());
            for (_, event) in chunk {
                let data = serde_json::to_string(&event.data).unwrap_or_else(|_| "{}".into());
                let body = serde_json::to_string(event)
                    .map_err(|e| StoreError::Corrupt(format!("document event: {e}")))?;
                encoded.push((data, body));
            }
            on_tx!(self, |conn| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for ((id, event), (data, body)) in chunk.iter().zip(&encoded) {
                    q = q
                        .bind(*id)
                        .bind(event.seq as i64)
                        .bind(micros(event.at))
                        .bind(event.actor.canonical())
                        .bind(event.kind.as_str())
                        .bind(event.from_status.map(Status::as_str))
                        .bind(event.to_status.as_str())
                        .bind(event.reason.clone())
                        .bind(data.clone())
                        .bind(event.hash.clone())
                        .bind(body.clone());
                }
                q.execute(&mut *conn).await?;
            });
        }
        let mut directions = Vec::new();
        for d in documents {
            for event in d.events.iter().filter(|e| e.kind == CommandKind::Direct) {
                let lead: i64 = event
                    .data
                    .get("lead_unit")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| StoreError::Corrupt("a direction without a lead unit".into()))?;
                let directed_by = match &event.actor {
                    motcua_domain::dossier::Actor::Official { official_id, .. } => {
                        Some(*official_id)
                    }
                    _ => None,
                };
                directions.push((
                    d.id,
                    event.seq as i64,
                    lead,
                    event.data.get("co_units").cloned().unwrap_or_default(),
                    event.data.get("deadline").cloned(),
                    event.reason.clone(),
                    directed_by,
                    micros(event.at),
                ));
            }
        }
        for chunk in directions.chunks(rows_per_statement(backend, 8)) {
            let sql = format!(
                "INSERT INTO document_directions (document_id, seq, lead_unit_id, co_units, deadline, note, directed_by, directed_at) \
                 VALUES {}",
                value_rows(chunk.len(), 8)
            );
            on_tx!(self, |conn| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (id, seq, lead, co, deadline, note, by, at) in chunk {
                    q = q
                        .bind(*id)
                        .bind(*seq)
                        .bind(*lead)
                        .bind(co.clone())
                        .bind(deadline.clone())
                        .bind(note.clone())
                        .bind(*by)
                        .bind(*at);
                }
                q.execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Raises a register counter to at least `last` (never lowers it), so numbers taken later
    /// continue after generated documents.
    pub async fn raise_document_counter(
        &mut self,
        body_id: i64,
        register: Register,
        series: Series,
        year: i32,
        last: i64,
    ) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO document_counters (body_id, register, series, year, last) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (body_id, register, series, year) DO UPDATE SET last = CASE \
                 WHEN excluded.last > document_counters.last THEN excluded.last ELSE document_counters.last END",
            )
            .bind(body_id)
            .bind(register.as_str())
            .bind(series.as_str())
            .bind(i64::from(year))
            .bind(last)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }
}
