//! `motcua calendar …`: appointment dates, the days off of a year, lunar dates and the import of
//! an official notice file, from the command line.
//!
//! These open the configured database (default SQLite in `./motcua-data`) so that the notices
//! and office hours administrators edited apply here too; a fresh database first receives the
//! bundled 2024–2026 notices. Output is made for scripts: the due time is the last line, in RFC
//! 3339 at +07:00; days off are tab-separated. The formatting lives in plain functions so that
//! it is tested without a database.

use anyhow::Context;
use clap::{Args, Subcommand};
use motcua_app::calendar::{CalendarImportReport, format_instant, parse_date, parse_instant};
use motcua_app::{Actor, App, AppError};
use motcua_domain::calendar::{DayOff, LunarDate, ProcessingTime};
use motcua_web::i18n::{self, Lang};
use std::path::PathBuf;
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Prints the appointment (due) time for something received at --from.
    Due {
        /// When it was received, RFC 3339 (e.g. 2026-02-13T10:00:00+07:00).
        #[arg(long)]
        from: String,
        #[command(flatten)]
        time: TimeArgs,
        /// Electronic code of the agency whose office hours apply (default: the standard hours).
        #[arg(long)]
        agency: Option<String>,
    },
    /// Prints the days off of a year: YYYY-MM-DD<TAB>kind<TAB>name, one a line.
    Holidays {
        #[arg(long)]
        year: i32,
    },
    /// Prints the lunar date of a solar date YYYY-MM-DD as D/M/YYYY (" nhuận" for a leap month).
    Lunar { date: String },
    /// Imports an official notice file (YYYY-MM-DD<TAB>kind<TAB>name<TAB>basis lines).
    Import { file: PathBuf },
}

/// The processing time: exactly one of these.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct TimeArgs {
    /// N working days (ngày làm việc).
    #[arg(long)]
    working_days: Option<u32>,
    /// N working hours (giờ làm việc).
    #[arg(long)]
    working_hours: Option<u32>,
    /// N calendar days (ngày).
    #[arg(long)]
    calendar_days: Option<u32>,
    /// Same day (trong ngày), with the 15:00 cut-off.
    #[arg(long)]
    same_day: bool,
}

impl TimeArgs {
    fn processing_time(&self) -> ProcessingTime {
        match (self.working_days, self.working_hours, self.calendar_days) {
            (Some(n), _, _) => ProcessingTime::WorkingDays(n),
            (_, Some(n), _) => ProcessingTime::WorkingHours(n),
            (_, _, Some(n)) => ProcessingTime::CalendarDays(n),
            _ => ProcessingTime::SameDay,
        }
    }
}

/// True for the subcommands that need the database.
pub fn needs_store(command: &CalendarCommand) -> bool {
    !matches!(command, CalendarCommand::Lunar { .. })
}

/// Runs a subcommand that needs no database.
pub fn run_offline(command: &CalendarCommand) -> anyhow::Result<()> {
    if let CalendarCommand::Lunar { date } = command {
        let date =
            parse_date(date).with_context(|| format!("{date}: expected a date YYYY-MM-DD"))?;
        let lunar = motcua_domain::calendar::solar_to_lunar(date)
            .with_context(|| format!("{date} is outside the supported years 1900–2199"))?;
        println!("{}", format_lunar(lunar));
    }
    Ok(())
}

/// Runs a subcommand against the store of `app`.
pub async fn run(app: &App, command: CalendarCommand) -> anyhow::Result<()> {
    app.seed_calendar().await.map_err(describe)?;
    match command {
        CalendarCommand::Due { from, time, agency } => {
            let received = parse_instant(&from).with_context(|| {
                format!(
                    "--from {from}: expected an RFC 3339 time such as 2026-02-13T10:00:00+07:00"
                )
            })?;
            let time = time.processing_time();
            let due = app
                .calendar_due(agency.as_deref(), received, time)
                .await
                .map_err(describe)?;
            print!("{}", format_due(received, time, due));
        }
        CalendarCommand::Holidays { year } => {
            let days = app.calendar_days_off(year).await.map_err(describe)?;
            print!("{}", format_days_off(&days));
        }
        CalendarCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let report = app
                .import_calendar(&Actor::system(), &text)
                .await
                .map_err(describe)?;
            println!("{}", format_import(&report));
        }
        CalendarCommand::Lunar { .. } => run_offline(&command)?,
    }
    Ok(())
}

/// What `calendar due` prints: the question, then the due time alone on the last line.
pub fn format_due(received: OffsetDateTime, time: ProcessingTime, due: OffsetDateTime) -> String {
    let what = match time {
        ProcessingTime::WorkingDays(n) => format!("{n} working day(s)"),
        ProcessingTime::WorkingHours(n) => format!("{n} working hour(s)"),
        ProcessingTime::CalendarDays(n) => format!("{n} calendar day(s)"),
        ProcessingTime::SameDay => "same day".to_owned(),
    };
    format!(
        "received {}, processing time {what}; due:\n{}\n",
        format_instant(received),
        format_instant(due)
    )
}

/// What `calendar holidays` prints: `YYYY-MM-DD<TAB>kind<TAB>name` per day off.
pub fn format_days_off(days: &[DayOff]) -> String {
    days.iter()
        .map(|day| {
            format!(
                "{:04}-{:02}-{:02}\t{}\t{}\n",
                day.date.year(),
                u8::from(day.date.month()),
                day.date.day(),
                day.kind.as_str(),
                day.name.replace(['\t', '\n'], " ")
            )
        })
        .collect()
}

/// What `calendar lunar` prints.
pub fn format_lunar(date: LunarDate) -> String {
    date.to_string()
}

pub fn format_import(report: &CalendarImportReport) -> String {
    format!(
        "imported: {} new, {} replaced",
        report.created, report.updated
    )
}

/// Errors in Vietnamese from the message catalogue, one problem a line (`dòng 3: …`).
pub fn describe(error: AppError) -> anyhow::Error {
    match &error {
        AppError::Invalid(fields) => {
            let lines: Vec<String> = fields
                .iter()
                .map(|f| {
                    let message = i18n::t(Lang::Vi, &f.code);
                    match f.field.strip_prefix("line:") {
                        Some(line) => format!("dòng {line}: {message}"),
                        None => format!("{}: {message}", f.field),
                    }
                })
                .collect();
            anyhow::anyhow!(
                "{}\n{}",
                i18n::t(Lang::Vi, "error-invalid"),
                lines.join("\n")
            )
        }
        other => anyhow::anyhow!("{} ({})", i18n::t(Lang::Vi, other.code()), other.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_app::InvalidField;
    use motcua_domain::calendar::DayKind;
    use time::macros::{date, datetime};

    #[test]
    fn the_due_time_is_the_last_line_in_rfc_3339_at_plus_seven() {
        let text = format_due(
            datetime!(2026-02-13 03:00 UTC),
            ProcessingTime::WorkingDays(1),
            datetime!(2026-02-23 10:00 +7),
        );
        assert_eq!(text.lines().last(), Some("2026-02-23T10:00:00+07:00"));
        assert!(text.contains("2026-02-13T10:00:00+07:00"));
    }

    #[test]
    fn days_off_are_tab_separated() {
        let days = [DayOff {
            date: date!(2026 - 04 - 26),
            kind: DayKind::Holiday,
            name: "Giỗ Tổ Hùng Vương".into(),
            basis: "BLLĐ".into(),
        }];
        assert_eq!(
            format_days_off(&days),
            "2026-04-26\tholiday\tGiỗ Tổ Hùng Vương\n"
        );
    }

    #[test]
    fn lunar_dates_print_day_month_year() {
        assert_eq!(
            format_lunar(LunarDate::new(2026, 3, 10, false)),
            "10/3/2026"
        );
        assert_eq!(
            format_lunar(LunarDate::new(2023, 2, 15, true)),
            "15/2/2023 nhuận"
        );
    }

    #[test]
    fn import_errors_name_the_line_in_vietnamese() {
        let error = describe(AppError::Invalid(vec![InvalidField::new(
            "line:3",
            "error-calendar-date",
        )]));
        let text = format!("{error}");
        assert!(text.contains("dòng 3: "), "{text}");
        assert!(!text.contains("error-calendar-date"), "{text}");
    }
}
