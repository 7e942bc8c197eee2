//! The working-day calendar's data: each year's official notice (thông báo lịch nghỉ) as
//! overrides of the computed holidays, and per-agency office hours (giờ làm việc).
//!
//! Stored as plain text (`YYYY-MM-DD` dates, `HH:MM` times, the stable kind strings of
//! `motcua_domain::calendar::DayKind`) so that both databases compare and sort them the same way;
//! the app layer validates with the domain rules before anything reaches these methods.

use crate::{Store, StoreError, StoreResult, StoreTx, on_backend, on_tx};
use serde::{Deserialize, Serialize};

/// One stored line of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CalendarOverrideRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `holiday`, `compensatory_off` or `compensatory_work`.
    pub kind: String,
    pub name: String,
    pub basis: String,
    pub updated_at: i64,
    /// The official who last changed it; `None` for the system (bundled notices, CLI).
    pub updated_by: Option<i64>,
}

/// What is needed to write one line of a notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarOverrideInput {
    pub date: String,
    pub kind: String,
    pub name: String,
    pub basis: String,
}

/// An agency's office hours, `HH:MM` each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OfficeHoursRow {
    pub unit_id: i64,
    pub morning_start: String,
    pub morning_end: String,
    pub afternoon_start: String,
    pub afternoon_end: String,
    pub same_day_cutoff: String,
    pub updated_at: i64,
}

// Column lists as macros: sqlx only accepts `&'static str` SQL, which `concat!` can build.
macro_rules! override_columns {
    () => {
        "date, kind, name, basis, updated_at, updated_by"
    };
}
macro_rules! hours_columns {
    () => {
        "unit_id, morning_start, morning_end, afternoon_start, afternoon_end, same_day_cutoff, updated_at"
    };
}

impl Store {
    /// Every override, by date.
    pub async fn list_calendar_overrides(&self) -> StoreResult<Vec<CalendarOverrideRow>> {
        let sql = concat!(
            "SELECT ",
            override_columns!(),
            " FROM calendar_overrides ORDER BY date"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, CalendarOverrideRow>(sql)
                .fetch_all(pool)
                .await?
        }))
    }

    /// The overrides of one Gregorian year, by date (text comparison works on `YYYY-MM-DD`).
    pub async fn list_calendar_overrides_in_year(
        &self,
        year: i32,
    ) -> StoreResult<Vec<CalendarOverrideRow>> {
        let sql = concat!(
            "SELECT ",
            override_columns!(),
            " FROM calendar_overrides \
             WHERE date >= $1 AND date < $2 ORDER BY date"
        );
        let (from, to) = (format!("{year:04}-01-01"), format!("{:04}-01-01", year + 1));
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, CalendarOverrideRow>(sql)
                .bind(&from)
                .bind(&to)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn get_calendar_override(&self, date: &str) -> StoreResult<CalendarOverrideRow> {
        let sql = concat!(
            "SELECT ",
            override_columns!(),
            " FROM calendar_overrides WHERE date = $1"
        );
        let row = on_backend!(self, |pool| {
            sqlx::query_as::<_, CalendarOverrideRow>(sql)
                .bind(date)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    pub async fn count_calendar_overrides(&self) -> StoreResult<i64> {
        let (count,): (i64,) = on_backend!(self, |pool| {
            sqlx::query_as("SELECT COUNT(*) FROM calendar_overrides")
                .fetch_one(pool)
                .await?
        });
        Ok(count)
    }

    /// The office hours set for one unit, if any.
    pub async fn get_office_hours(&self, unit_id: i64) -> StoreResult<Option<OfficeHoursRow>> {
        let sql = concat!(
            "SELECT ",
            hours_columns!(),
            " FROM office_hours WHERE unit_id = $1"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, OfficeHoursRow>(sql)
                .bind(unit_id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Every unit's office hours.
    pub async fn list_office_hours(&self) -> StoreResult<Vec<OfficeHoursRow>> {
        let sql = concat!(
            "SELECT ",
            hours_columns!(),
            " FROM office_hours ORDER BY unit_id"
        );
        Ok(on_backend!(self, |pool| {
            sqlx::query_as::<_, OfficeHoursRow>(sql)
                .fetch_all(pool)
                .await?
        }))
    }
}

impl StoreTx {
    /// Adds or replaces the override of `input.date`; returns true when it was new.
    pub async fn upsert_calendar_override(
        &mut self,
        input: &CalendarOverrideInput,
        by: Option<i64>,
        at: i64,
    ) -> StoreResult<bool> {
        let (existing,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as("SELECT COUNT(*) FROM calendar_overrides WHERE date = $1")
                .bind(&input.date)
                .fetch_one(&mut *conn)
                .await?
        });
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO calendar_overrides (date, kind, name, basis, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
                 basis = excluded.basis, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(&input.date)
            .bind(&input.kind)
            .bind(&input.name)
            .bind(&input.basis)
            .bind(at)
            .bind(by)
            .execute(&mut *conn)
            .await?;
        });
        Ok(existing == 0)
    }

    /// Removes the override of `date`; [`StoreError::NotFound`] if there was none.
    pub async fn delete_calendar_override(
        &mut self,
        date: &str,
    ) -> StoreResult<CalendarOverrideRow> {
        let sql = concat!(
            "DELETE FROM calendar_overrides WHERE date = $1 RETURNING ",
            override_columns!(),
            ""
        );
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, CalendarOverrideRow>(sql)
                .bind(date)
                .fetch_optional(&mut *conn)
                .await?
        });
        row.ok_or(StoreError::NotFound)
    }

    /// Loads `entries` if the table is empty (a fresh installation gets the bundled notices);
    /// returns how many were inserted, 0 when the table already had data.
    pub async fn seed_calendar_overrides(
        &mut self,
        entries: &[CalendarOverrideInput],
        at: i64,
    ) -> StoreResult<usize> {
        let (count,): (i64,) = on_tx!(self, |conn| {
            sqlx::query_as("SELECT COUNT(*) FROM calendar_overrides")
                .fetch_one(&mut *conn)
                .await?
        });
        if count > 0 {
            return Ok(0);
        }
        for entry in entries {
            self.upsert_calendar_override(entry, None, at).await?;
        }
        Ok(entries.len())
    }

    /// Sets a unit's office hours, replacing earlier ones.
    pub async fn set_office_hours(&mut self, row: &OfficeHoursRow) -> StoreResult<()> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO office_hours (unit_id, morning_start, morning_end, afternoon_start, afternoon_end, same_day_cutoff, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (unit_id) DO UPDATE SET morning_start = excluded.morning_start, \
                 morning_end = excluded.morning_end, afternoon_start = excluded.afternoon_start, \
                 afternoon_end = excluded.afternoon_end, same_day_cutoff = excluded.same_day_cutoff, \
                 updated_at = excluded.updated_at",
            )
            .bind(row.unit_id)
            .bind(&row.morning_start)
            .bind(&row.morning_end)
            .bind(&row.afternoon_start)
            .bind(&row.afternoon_end)
            .bind(&row.same_day_cutoff)
            .bind(row.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }

    /// Returns a unit to the default office hours; true if it had its own.
    pub async fn delete_office_hours(&mut self, unit_id: i64) -> StoreResult<bool> {
        let done = on_tx!(self, |conn| {
            sqlx::query("DELETE FROM office_hours WHERE unit_id = $1")
                .bind(unit_id)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        Ok(done > 0)
    }
}
