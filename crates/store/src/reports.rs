//! Báo cáo: the report projections (migration 0033). Every change of a dossier, a payment or a
//! rating replaces that record's facts ([`motcua_domain::report`]) in its own transaction and
//! moves the monthly counters by the difference; the reports read the counters, never every
//! dossier. A rebuild clears everything and projects every record again; what it gives must
//! equal what was kept ([`Store::report_counters`] is what tests and `motcua reports verify`
//! compare).

use std::collections::BTreeMap;

use motcua_domain::payment::PaymentMethod;
use motcua_domain::report::{
    DossierContext, Fact, Measure, Month, difference, payment_facts, rating_facts, sync_facts,
};
use serde::Serialize;

use crate::{Store, StoreResult, StoreTx, from_micros, on_backend, on_tx};

/// Where a record's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactSource {
    Dossier,
    Payment,
    Rating,
    /// The national portal's acknowledgement of a dossier.
    Sync,
}

impl FactSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dossier => "dossier",
            Self::Payment => "payment",
            Self::Rating => "rating",
            Self::Sync => "sync",
        }
    }
}

/// One summed row of the agency counters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AgencyCount {
    pub month: i64,
    pub agency_path: String,
    pub channel: String,
    pub measure: String,
    pub n: i64,
}

/// One summed row of the procedure counters (over the months asked for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProcedureCount {
    pub agency_path: String,
    pub procedure_code: String,
    pub step: String,
    pub measure: String,
    pub n: i64,
}

/// Every counter, keyed by its whole key, zeros left out: what a rebuild is compared on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportCounters {
    /// (month, agency_path, channel, measure) → n.
    pub agencies: BTreeMap<(i64, String, String, String), i64>,
    /// (month, agency_path, procedure_code, step, measure) → n.
    pub procedures: BTreeMap<(i64, String, String, String, String), i64>,
}

impl ReportCounters {
    /// Adds `other` to these counters. Facts count up, so no key falls to zero (a rating of
    /// no points adds 0 to an existing key, never a new one: `of_facts` leaves zeros out).
    pub fn merge(&mut self, other: ReportCounters) {
        for (key, n) in other.agencies {
            *self.agencies.entry(key).or_default() += n;
        }
        for (key, n) in other.procedures {
            *self.procedures.entry(key).or_default() += n;
        }
    }

    /// The counters `facts` add up to.
    pub fn of_facts<'a>(facts: impl IntoIterator<Item = &'a Fact>) -> Self {
        let mut counters = Self::default();
        for fact in facts {
            let month = i64::from(fact.month);
            if !fact.measure.is_step() {
                *counters
                    .agencies
                    .entry((
                        month,
                        fact.agency_path.clone(),
                        fact.channel.clone(),
                        fact.measure.as_str().to_owned(),
                    ))
                    .or_default() += fact.value;
            }
            *counters
                .procedures
                .entry((
                    month,
                    fact.agency_path.clone(),
                    fact.procedure_code.clone(),
                    fact.step.clone(),
                    fact.measure.as_str().to_owned(),
                ))
                .or_default() += fact.value;
        }
        counters.agencies.retain(|_, n| *n != 0);
        counters.procedures.retain(|_, n| *n != 0);
        counters
    }
}

/// Facts of one measure a dossier can have at most and still fill a drill-down page (several
/// late stays at steps): a page reads this many facts per line asked for.
const DRILL_FACTS_PER_DOSSIER: i64 = 8;

/// A dossier a drill-down lists: one of those a counter counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DrillDossier {
    pub dossier_id: i64,
    pub code: Option<String>,
    pub procedure_code: String,
    pub agency_path: String,
    pub applicant_name: String,
    pub channel: String,
    pub status_code: Option<i64>,
    pub month: i64,
    pub step: String,
}

/// Which facts a drill-down lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillFilter {
    pub measure: Measure,
    pub from: Month,
    pub to: Month,
    pub agency_path: String,
    pub procedure_code: Option<String>,
    pub channel: Option<String>,
    pub step: Option<String>,
}

const PAYMENT_FACTS_SQL: &str = "SELECT p.dossier_id, p.state, p.method, p.settled_at, p.agency_path, \
     d.procedure_code, d.channel FROM payments p JOIN dossiers d ON d.id = p.dossier_id WHERE p.id = $1";
const RATING_FACTS_SQL: &str = "SELECT r.rated_at, r.agency_path, d.procedure_code, d.channel \
     FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id WHERE r.dossier_id = $1";
const RATING_SCORES_SQL: &str =
    "SELECT score FROM dossier_rating_scores WHERE dossier_id = $1 ORDER BY criterion";
const SYNC_FACTS_SQL: &str = "SELECT s.acked_seq, d.agency_path, d.procedure_code, d.channel \
     FROM national_sync s JOIN dossiers d ON d.id = s.dossier_id WHERE s.dossier_id = $1";

#[derive(sqlx::FromRow)]
struct PaymentFactRow {
    dossier_id: i64,
    state: String,
    method: String,
    settled_at: Option<i64>,
    agency_path: String,
    procedure_code: String,
    channel: String,
}

impl PaymentFactRow {
    fn facts(&self) -> Vec<Fact> {
        let online = PaymentMethod::parse(&self.method).is_some_and(PaymentMethod::is_online);
        payment_facts(
            self.state == "paid",
            online,
            self.settled_at.map(from_micros),
            DossierContext {
                agency_path: &self.agency_path,
                procedure_code: &self.procedure_code,
                channel: &self.channel,
                full_online: false,
            },
        )
    }
}

#[derive(sqlx::FromRow)]
struct RatingFactRow {
    rated_at: i64,
    agency_path: String,
    procedure_code: String,
    channel: String,
}

impl RatingFactRow {
    fn facts(&self, scores: &[i64]) -> Vec<Fact> {
        rating_facts(
            scores,
            from_micros(self.rated_at),
            DossierContext {
                agency_path: &self.agency_path,
                procedure_code: &self.procedure_code,
                channel: &self.channel,
                full_online: false,
            },
        )
    }
}

#[derive(sqlx::FromRow)]
struct SyncFactRow {
    acked_seq: i64,
    agency_path: String,
    procedure_code: String,
    channel: String,
}

impl SyncFactRow {
    fn facts(&self) -> Vec<Fact> {
        sync_facts(
            self.acked_seq > 0,
            DossierContext {
                agency_path: &self.agency_path,
                procedure_code: &self.procedure_code,
                channel: &self.channel,
                full_online: false,
            },
        )
    }
}

#[derive(sqlx::FromRow)]
struct ProcedureMonthRow {
    month: i64,
    agency_path: String,
    procedure_code: String,
    step: String,
    measure: String,
    n: i64,
}

fn counters_of_rows(
    agencies: Vec<AgencyCount>,
    procedures: Vec<ProcedureMonthRow>,
) -> ReportCounters {
    ReportCounters {
        agencies: agencies
            .into_iter()
            .map(|r| ((r.month, r.agency_path, r.channel, r.measure), r.n))
            .collect(),
        procedures: procedures
            .into_iter()
            .map(|r| {
                (
                    (r.month, r.agency_path, r.procedure_code, r.step, r.measure),
                    r.n,
                )
            })
            .collect(),
    }
}

#[derive(sqlx::FromRow)]
struct FactRow {
    month: i64,
    agency_path: String,
    procedure_code: String,
    channel: String,
    step: String,
    measure: String,
    value: i64,
}

impl FactRow {
    fn fact(self) -> Option<Fact> {
        Some(Fact {
            month: u32::try_from(self.month).ok()?,
            agency_path: self.agency_path,
            procedure_code: self.procedure_code,
            channel: self.channel,
            step: self.step,
            measure: Measure::parse(&self.measure)?,
            value: self.value,
        })
    }
}

impl StoreTx {
    /// The facts kept for a record.
    pub async fn report_facts_of(
        &mut self,
        source: FactSource,
        source_id: i64,
    ) -> StoreResult<Vec<Fact>> {
        let rows: Vec<FactRow> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT month, agency_path, procedure_code, channel, step, measure, value \
                 FROM report_facts WHERE source = $1 AND source_id = $2",
            )
            .bind(source.as_str())
            .bind(source_id)
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(rows.into_iter().filter_map(FactRow::fact).collect())
    }

    /// Replaces a record's facts with `facts` and moves the counters by the difference. When
    /// nothing changed (most steps of a dossier change no fact) this is one read.
    pub async fn replace_report_facts(
        &mut self,
        source: FactSource,
        source_id: i64,
        dossier_id: i64,
        facts: &[Fact],
    ) -> StoreResult<()> {
        let old = self.report_facts_of(source, source_id).await?;
        let (removed, added) = difference(&old, facts);
        if removed.is_empty() && added.is_empty() {
            return Ok(());
        }
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM report_facts WHERE source = $1 AND source_id = $2")
                .bind(source.as_str())
                .bind(source_id)
                .execute(&mut *conn)
                .await?;
        });
        for fact in facts {
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO report_facts (source, source_id, dossier_id, month, agency_path, \
                     procedure_code, channel, step, measure, value) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(source.as_str())
                .bind(source_id)
                .bind(dossier_id)
                .bind(i64::from(fact.month))
                .bind(&fact.agency_path)
                .bind(&fact.procedure_code)
                .bind(&fact.channel)
                .bind(&fact.step)
                .bind(fact.measure.as_str())
                .bind(fact.value)
                .execute(&mut *conn)
                .await?;
            });
        }
        // Merged per counter key, so a fact moved within one key writes nothing.
        let delta = ReportCounters::of_facts(&added);
        let taken = ReportCounters::of_facts(&removed);
        let mut agencies = delta.agencies;
        for (key, n) in taken.agencies {
            *agencies.entry(key).or_default() -= n;
        }
        let mut procedures = delta.procedures;
        for (key, n) in taken.procedures {
            *procedures.entry(key).or_default() -= n;
        }
        for ((month, agency_path, channel, measure), n) in agencies {
            if n == 0 {
                continue;
            }
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO report_agency_months (month, agency_path, channel, measure, n) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (month, agency_path, channel, measure) \
                     DO UPDATE SET n = report_agency_months.n + excluded.n",
                )
                .bind(month)
                .bind(&agency_path)
                .bind(&channel)
                .bind(&measure)
                .bind(n)
                .execute(&mut *conn)
                .await?;
            });
        }
        for ((month, agency_path, procedure_code, step, measure), n) in procedures {
            if n == 0 {
                continue;
            }
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO report_procedure_months (month, agency_path, procedure_code, step, \
                     measure, n) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (month, agency_path, procedure_code, step, measure) \
                     DO UPDATE SET n = report_procedure_months.n + excluded.n",
                )
                .bind(month)
                .bind(&agency_path)
                .bind(&procedure_code)
                .bind(&step)
                .bind(&measure)
                .bind(n)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }

    /// Writes many records' facts at once, without reading or moving counters (a rebuild
    /// adds the counters they sum to with [`StoreTx::add_report_counters`]). Each item is
    /// (source id, dossier id, fact).
    pub async fn insert_report_facts_bulk(
        &mut self,
        source: FactSource,
        facts: &[(i64, i64, Fact)],
    ) -> StoreResult<()> {
        // 10 parameters a row: 400 rows stay well under SQLite's limit of bound parameters.
        for chunk in facts.chunks(400) {
            let mut sql = String::from(
                "INSERT INTO report_facts (source, source_id, dossier_id, month, agency_path, \
                 procedure_code, channel, step, measure, value) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = i * 10;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10
                ));
            }
            on_tx!(self, |conn| {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for (source_id, dossier_id, fact) in chunk {
                    query = query
                        .bind(source.as_str())
                        .bind(*source_id)
                        .bind(*dossier_id)
                        .bind(i64::from(fact.month))
                        .bind(&fact.agency_path)
                        .bind(&fact.procedure_code)
                        .bind(&fact.channel)
                        .bind(&fact.step)
                        .bind(fact.measure.as_str())
                        .bind(fact.value);
                }
                query.execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Adds counters to the kept ones.
    pub async fn add_report_counters(&mut self, counters: &ReportCounters) -> StoreResult<()> {
        for ((month, agency_path, channel, measure), n) in &counters.agencies {
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO report_agency_months (month, agency_path, channel, measure, n) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (month, agency_path, channel, measure) \
                     DO UPDATE SET n = report_agency_months.n + excluded.n",
                )
                .bind(month)
                .bind(agency_path)
                .bind(channel)
                .bind(measure)
                .bind(n)
                .execute(&mut *conn)
                .await?;
            });
        }
        for ((month, agency_path, procedure_code, step, measure), n) in &counters.procedures {
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO report_procedure_months (month, agency_path, procedure_code, step, \
                     measure, n) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (month, agency_path, procedure_code, step, measure) \
                     DO UPDATE SET n = report_procedure_months.n + excluded.n",
                )
                .bind(month)
                .bind(agency_path)
                .bind(procedure_code)
                .bind(step)
                .bind(measure)
                .bind(n)
                .execute(&mut *conn)
                .await?;
            });
        }
        Ok(())
    }

    /// Projects a payment as it is now (called by every change of a payment).
    pub async fn project_payment(&mut self, payment_id: i64) -> StoreResult<()> {
        let row: Option<PaymentFactRow> = on_tx!(self, |conn| {
            sqlx::query_as(PAYMENT_FACTS_SQL)
                .bind(payment_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some(row) = row else {
            return Ok(());
        };
        self.replace_report_facts(
            FactSource::Payment,
            payment_id,
            row.dossier_id,
            &row.facts(),
        )
        .await
    }

    /// Projects a dossier's rating (called when it is given).
    pub async fn project_rating(&mut self, dossier_id: i64) -> StoreResult<()> {
        let row: Option<RatingFactRow> = on_tx!(self, |conn| {
            sqlx::query_as(RATING_FACTS_SQL)
                .bind(dossier_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some(row) = row else {
            return Ok(());
        };
        let scores: Vec<i64> = on_tx!(self, |conn| {
            sqlx::query_scalar(RATING_SCORES_SQL)
                .bind(dossier_id)
                .fetch_all(&mut *conn)
                .await?
        });
        self.replace_report_facts(
            FactSource::Rating,
            dossier_id,
            dossier_id,
            &row.facts(&scores),
        )
        .await
    }

    /// Projects what the national portal acknowledged of a dossier (called with every
    /// acknowledgement, and when the dossier moves to another agency; only a change of
    /// either moves a counter).
    pub async fn project_national_sync(&mut self, dossier_id: i64) -> StoreResult<()> {
        let row: Option<SyncFactRow> = on_tx!(self, |conn| {
            sqlx::query_as(SYNC_FACTS_SQL)
                .bind(dossier_id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some(row) = row else {
            return Ok(());
        };
        self.replace_report_facts(FactSource::Sync, dossier_id, dossier_id, &row.facts())
            .await
    }

    /// Keeps every writer of the projections out until this transaction ends (a rebuild).
    /// On PostgreSQL a table lock: a writer that already changed a record's facts finishes
    /// first, one that comes later waits and then reads the rebuilt facts. On SQLite the
    /// transaction already holds the one write lock.
    pub async fn lock_report_projections(&mut self) -> StoreResult<()> {
        if let StoreTx::Postgres(transaction) = self {
            sqlx::query(
                "LOCK TABLE report_facts, report_agency_months, report_procedure_months \
                 IN EXCLUSIVE MODE",
            )
            .execute(&mut **transaction)
            .await?;
        }
        Ok(())
    }

    /// Every counter as this transaction sees it (zeros left out).
    pub async fn report_counters_in_tx(&mut self) -> StoreResult<ReportCounters> {
        let agencies: Vec<AgencyCount> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT month, agency_path, channel, measure, n FROM report_agency_months WHERE n <> 0",
            )
            .fetch_all(&mut *conn)
            .await?
        });
        let procedures: Vec<ProcedureMonthRow> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT month, agency_path, procedure_code, step, measure, n \
                 FROM report_procedure_months WHERE n <> 0",
            )
            .fetch_all(&mut *conn)
            .await?
        });
        Ok(counters_of_rows(agencies, procedures))
    }

    /// Empties the projections before a rebuild (in the rebuild's first transaction).
    pub async fn clear_report_projections(&mut self) -> StoreResult<()> {
        for table in [
            "report_facts",
            "report_agency_months",
            "report_procedure_months",
        ] {
            let sql = format!("DELETE FROM {table}");
            on_tx!(self, |conn| {
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .execute(&mut *conn)
                    .await?;
            });
        }
        Ok(())
    }
}

/// Dossiers of one agency past their appointment now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OverdueCount {
    pub agency_path: String,
    pub overdue: i64,
}

/// A procedure's name and sector, as the latest published version gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProcedureLabel {
    pub code: String,
    pub name: String,
    pub sector_code: String,
    pub sector_name: String,
}

impl Store {
    /// Dossiers past their appointment now (statuses 2 and 4; a paused clock is not overdue)
    /// at the agencies `paths` (each exactly, not its subtree: the caller lists the subtree's
    /// units, so the index on `(agency_path, status_code, due_at)` is sought for exactly the
    /// overdue entries). A point in time, not a period: read live, not from the projections
    /// (in processing is a standing fact of the projections).
    pub async fn overdue_dossier_counts(
        &self,
        paths: &[String],
        now: i64,
    ) -> StoreResult<Vec<OverdueCount>> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = (0..paths.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT agency_path, COUNT(*) AS overdue \
             FROM dossiers WHERE agency_path IN ({}) AND status_code IN (2, 4) \
             AND due_at < $1 GROUP BY agency_path",
            list.join(", ")
        );
        Ok(on_backend!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(now);
            for path in paths {
                query = query.bind(path);
            }
            query.fetch_all(pool).await?
        }))
    }

    /// The name and sector of every published procedure (its latest version).
    pub async fn procedure_labels(&self) -> StoreResult<Vec<ProcedureLabel>> {
        let rows: Vec<ProcedureLabel> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT code, name, sector_code, sector_name FROM procedures \
                 WHERE status = 'published' ORDER BY code, version",
            )
            .fetch_all(pool)
            .await?
        });
        let mut latest: BTreeMap<String, ProcedureLabel> = BTreeMap::new();
        for row in rows {
            latest.insert(row.code.clone(), row);
        }
        Ok(latest.into_values().collect())
    }

    /// The agency counters of the months `from..=to` under `path` (a unit's path; its subtree).
    pub async fn report_agency_counts(
        &self,
        path: &str,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<AgencyCount>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT month, agency_path, channel, measure, n FROM report_agency_months \
                 WHERE month >= $1 AND month <= $2 AND substr(agency_path, 1, length($3)) = $3 \
                 AND n <> 0",
            )
            .bind(i64::from(from))
            .bind(i64::from(to))
            .bind(path)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The procedure counters of the months `from..=to` under `path`, summed over the months
    /// and the agencies (`agency_path` is empty): by procedure, sector and step.
    pub async fn report_procedure_counts(
        &self,
        path: &str,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<ProcedureCount>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT '' AS agency_path, procedure_code, step, measure, \
                 CAST(SUM(n) AS BIGINT) AS n FROM report_procedure_months \
                 WHERE month >= $1 AND month <= $2 AND substr(agency_path, 1, length($3)) = $3 \
                 GROUP BY procedure_code, step, measure HAVING SUM(n) <> 0",
            )
            .bind(i64::from(from))
            .bind(i64::from(to))
            .bind(path)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The paid fees of the months `from..=to` under `path` by agency and procedure (each
    /// unit's 766 payment indicators).
    pub async fn report_paid_counts(
        &self,
        path: &str,
        from: Month,
        to: Month,
    ) -> StoreResult<Vec<ProcedureCount>> {
        Ok(on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT agency_path, procedure_code, step, measure, CAST(SUM(n) AS BIGINT) AS n \
                 FROM report_procedure_months \
                 WHERE month >= $1 AND month <= $2 AND substr(agency_path, 1, length($3)) = $3 \
                 AND measure IN ('paid_online', 'paid_counter') \
                 GROUP BY agency_path, procedure_code, step, measure HAVING SUM(n) <> 0",
            )
            .bind(i64::from(from))
            .bind(i64::from(to))
            .bind(path)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every counter (zeros left out).
    pub async fn report_counters(&self) -> StoreResult<ReportCounters> {
        let agencies: Vec<AgencyCount> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT month, agency_path, channel, measure, n FROM report_agency_months WHERE n <> 0",
            )
            .fetch_all(pool)
            .await?
        });
        let procedures: Vec<ProcedureMonthRow> = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT month, agency_path, procedure_code, step, measure, n \
                 FROM report_procedure_months WHERE n <> 0",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(counters_of_rows(agencies, procedures))
    }

    /// The dossiers behind a counter, newest first, `limit` of them after the dossier id
    /// `before` (keyset pages).
    pub async fn report_drill(
        &self,
        filter: &DrillFilter,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<DrillDossier>> {
        // The facts are read backwards by dossier id through `report_facts_drill` and the read
        // stops after a few pages' worth (a dossier has at most a handful of facts of one
        // measure: several late steps); they are made one line per dossier here. No GROUP BY
        // in SQL: it would make the database aggregate every matching fact before the first
        // line (seconds for a city's year on PostgreSQL).
        let mut sql = String::from(
            "SELECT f.dossier_id, d.code, d.procedure_code, f.agency_path, d.applicant_name, \
             d.channel, d.status_code, f.month, f.step FROM report_facts f \
             JOIN dossiers d ON d.id = f.dossier_id \
             WHERE f.measure = $1 AND f.month >= $2 AND f.month <= $3 \
             AND substr(f.agency_path, 1, length($4)) = $4 AND f.dossier_id < $5",
        );
        let mut next = 6;
        for (column, value) in [
            ("f.procedure_code", &filter.procedure_code),
            ("f.channel", &filter.channel),
            ("f.step", &filter.step),
        ] {
            if value.is_some() {
                sql.push_str(&format!(" AND {column} = ${next}"));
                next += 1;
            }
        }
        let limit = limit.clamp(1, 1000);
        // A literal limit: SQLite re-prepares a statement whose LIMIT is bound (ARCHITECTURE).
        sql.push_str(&format!(
            " ORDER BY f.dossier_id DESC LIMIT {}",
            limit.saturating_mul(DRILL_FACTS_PER_DOSSIER)
        ));
        let before = before.unwrap_or(i64::MAX);
        let rows: Vec<DrillDossier> = on_backend!(self, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(filter.measure.as_str())
                .bind(i64::from(filter.from))
                .bind(i64::from(filter.to))
                .bind(&filter.agency_path)
                .bind(before);
            for value in [&filter.procedure_code, &filter.channel, &filter.step]
                .into_iter()
                .flatten()
            {
                query = query.bind(value);
            }
            query.fetch_all(pool).await?
        });
        let mut lines: Vec<DrillDossier> = Vec::new();
        for row in rows {
            if lines.last().is_some_and(|l| l.dossier_id == row.dossier_id) {
                continue;
            }
            if lines.len() == usize::try_from(limit).unwrap_or(usize::MAX) {
                break;
            }
            lines.push(row);
        }
        Ok(lines)
    }

    /// After a rebuild wrote millions of rows at once, PostgreSQL's planner statistics of the
    /// projections are refreshed (autovacuum would, later); SQLite plans without statistics.
    pub async fn analyze_report_projections(&self) -> StoreResult<()> {
        if let Store::Postgres(pool) = self {
            sqlx::query("ANALYZE report_facts, report_agency_months, report_procedure_months")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Whether there are dossiers but no report facts at all: an installation upgraded from a
    /// version without reports, whose projections must be built once.
    pub async fn report_projections_missing(&self) -> StoreResult<bool> {
        let (facts, dossiers): (i64, i64) = on_backend!(self, |pool| {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM report_facts LIMIT 1) AS f), \
                 (SELECT COUNT(*) FROM (SELECT 1 FROM dossiers WHERE status_code IS NOT NULL \
                 LIMIT 1) AS d)",
            )
            .fetch_one(pool)
            .await?
        });
        Ok(facts == 0 && dossiers > 0)
    }

    /// The facts a payment, a rating or an acknowledgement gives now, read without writing
    /// (what `motcua reports verify` compares with the kept counters). Dossiers' facts need
    /// their workflow and calendar and are computed by the app.
    pub async fn record_facts_now(&self, source: FactSource, id: i64) -> StoreResult<Vec<Fact>> {
        Ok(match source {
            FactSource::Dossier => Vec::new(),
            FactSource::Payment => {
                let row: Option<PaymentFactRow> = on_backend!(self, |pool| {
                    sqlx::query_as(PAYMENT_FACTS_SQL)
                        .bind(id)
                        .fetch_optional(pool)
                        .await?
                });
                row.map(|r| r.facts()).unwrap_or_default()
            }
            FactSource::Rating => {
                let row: Option<RatingFactRow> = on_backend!(self, |pool| {
                    sqlx::query_as(RATING_FACTS_SQL)
                        .bind(id)
                        .fetch_optional(pool)
                        .await?
                });
                let scores: Vec<i64> = on_backend!(self, |pool| {
                    sqlx::query_scalar(RATING_SCORES_SQL)
                        .bind(id)
                        .fetch_all(pool)
                        .await?
                });
                row.map(|r| r.facts(&scores)).unwrap_or_default()
            }
            FactSource::Sync => {
                let row: Option<SyncFactRow> = on_backend!(self, |pool| {
                    sqlx::query_as(SYNC_FACTS_SQL)
                        .bind(id)
                        .fetch_optional(pool)
                        .await?
                });
                row.map(|r| r.facts()).unwrap_or_default()
            }
        })
    }

    /// Ids of payments and rated dossiers after `after`, for a rebuild (`limit` at a time).
    pub async fn report_source_ids(
        &self,
        source: FactSource,
        after: i64,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        let sql = match source {
            FactSource::Dossier => "SELECT id FROM dossiers WHERE id > $1 ORDER BY id",
            FactSource::Payment => "SELECT id FROM payments WHERE id > $1 ORDER BY id",
            FactSource::Rating => {
                "SELECT dossier_id FROM dossier_ratings WHERE dossier_id > $1 ORDER BY dossier_id"
            }
            FactSource::Sync => {
                "SELECT dossier_id FROM national_sync WHERE dossier_id > $1 AND acked_seq > 0 \
                 ORDER BY dossier_id"
            }
        };
        let sql = format!("{sql} LIMIT {}", limit.clamp(1, 10_000));
        Ok(on_backend!(self, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(after)
                .fetch_all(pool)
                .await?
        }))
    }
}
