//! Báo cáo: the leader's dashboard (`/staff/reports`), its exports, the dossiers behind a
//! number, and the public transparency page (`/minh-bach`).

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ContextualError, WebResult};
use crate::i18n::{self, Lang};
use crate::pages::charts::{self, StackedBar};
use crate::pages::layout::{Page, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::App;
use motcua_app::reports::{Breakdown, Dashboard, DrillDown, ReportPeriod, ReportRow, Totals};
use motcua_app::views::OrgUnitRow;
use motcua_domain::report::index766::{IndexScore, Outcome};
use serde::Deserialize;

/// The period and unit a report page is asked for.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    period: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    number: String,
    /// Export: which breakdown, and `csv` or `xlsx`.
    #[serde(default)]
    by: String,
    #[serde(default)]
    format: String,
    /// Drill-down: what is counted, and narrower filters.
    #[serde(default)]
    measure: String,
    #[serde(default)]
    procedure: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    step: Option<String>,
    #[serde(default)]
    before: Option<i64>,
}

impl ReportQuery {
    /// The period asked for; this year when none is.
    fn period(&self, app: &App) -> motcua_app::AppResult<ReportPeriod> {
        if self.year.trim().is_empty() {
            return Ok(ReportPeriod::year(app.today().year()));
        }
        ReportPeriod::parse(&self.period, &self.year, &self.number)
    }

    fn unit(&self) -> motcua_app::AppResult<Option<i64>> {
        match self.unit.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(id) => id
                .parse()
                .map(Some)
                .map_err(|_| motcua_app::AppError::invalid("unit", "error-report-unit")),
        }
    }

    /// The query string that keeps unit and period (for links).
    fn keep(dashboard_unit: i64, period: &ReportPeriod) -> String {
        format!(
            "unit={dashboard_unit}&period={}&year={}&number={}",
            period.kind.as_str(),
            period.year,
            period.number
        )
    }
}

/// A rate as "92,5 %" (Vietnamese) or "92.5 %"; empty when there is nothing to rate.
pub fn percent(value: Option<f64>, lang: Lang) -> String {
    match value {
        Some(v) => {
            let text = format!("{:.1} %", v * 100.0);
            if lang == Lang::Vi {
                text.replace('.', ",")
            } else {
                text
            }
        }
        None => "—".to_owned(),
    }
}

/// Points as "15,4" (Vietnamese) or "15.4".
pub fn points(value: f64, lang: Lang) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    if lang == Lang::Vi {
        text.replace('.', ",")
    } else {
        text
    }
}

/// One row of a table, with its rates as text.
pub struct Line {
    pub key: String,
    pub label: String,
    pub t: Totals,
    pub in_time: String,
    pub online: String,
    pub satisfaction: String,
    pub step_late: String,
}

fn line(row: &ReportRow, lang: Lang) -> Line {
    Line {
        key: row.key.clone(),
        label: row.label.clone(),
        t: row.totals,
        in_time: percent(row.totals.in_time_rate(), lang),
        online: percent(row.totals.online_share(), lang),
        satisfaction: percent(row.totals.satisfaction(), lang),
        step_late: percent(row.totals.step_late_share(), lang),
    }
}

/// One indicator of the 766 index, as text.
pub struct IndicatorLine {
    pub group: u8,
    pub key: &'static str,
    pub name: String,
    pub max_points: u32,
    pub numerator: String,
    pub denominator: String,
    pub ratio: String,
    pub points: String,
    /// Why it is not scored, when it is not.
    pub note: String,
    /// A drill-down to the dossiers that cost points, when there is one.
    pub drill: Option<String>,
}

/// One group of the 766 index, as text.
pub struct GroupLine {
    pub group: u8,
    pub name: String,
    pub max_points: u32,
    pub points: String,
    pub possible: u32,
}

fn index_lines(index: &IndexScore, lang: Lang, keep: &str) -> (Vec<GroupLine>, Vec<IndicatorLine>) {
    let groups = index
        .groups
        .iter()
        .map(|g| GroupLine {
            group: g.group,
            name: i18n::t(lang, &format!("index766-group-{}", g.key)),
            max_points: g.max_points,
            points: points(g.points, lang),
            possible: g.possible,
        })
        .collect();
    let indicators = index
        .indicators
        .iter()
        .map(|i| {
            let name = i18n::t(lang, &format!("index766-{}", i.key));
            let drill = match i.key {
                "resolved-in-time" => Some(format!(
                    "/staff/reports/dossiers?{keep}&measure=resolved_late"
                )),
                "full-online-dossiers" => Some(format!(
                    "/staff/reports/dossiers?{keep}&measure=received_full_online&channel=counter"
                )),
                "dossiers-paid-online" => Some(format!(
                    "/staff/reports/dossiers?{keep}&measure=paid_counter"
                )),
                _ => None,
            };
            match i.outcome {
                Outcome::Scored {
                    numerator,
                    denominator,
                    ratio,
                    points: p,
                } => IndicatorLine {
                    group: i.group,
                    key: i.key,
                    name,
                    max_points: i.max_points,
                    numerator: numerator.to_string(),
                    denominator: denominator.to_string(),
                    ratio: percent(Some(ratio), lang),
                    points: points(p, lang),
                    note: String::new(),
                    drill: drill.filter(|_| p < f64::from(i.max_points)),
                },
                Outcome::DidNotArise => IndicatorLine {
                    group: i.group,
                    key: i.key,
                    name,
                    max_points: i.max_points,
                    numerator: "0".into(),
                    denominator: "0".into(),
                    ratio: "—".into(),
                    points: "—".into(),
                    note: i18n::t(lang, "index766-did-not-arise"),
                    drill: None,
                },
                Outcome::NotComputable { why } => IndicatorLine {
                    group: i.group,
                    key: i.key,
                    name,
                    max_points: i.max_points,
                    numerator: "—".into(),
                    denominator: "—".into(),
                    ratio: "—".into(),
                    points: "—".into(),
                    note: format!(
                        "{} {}",
                        i18n::t(lang, "index766-not-computable"),
                        i18n::t(lang, why)
                    ),
                    drill: None,
                },
            }
        })
        .collect();
    (groups, indicators)
}

fn on_time_chart(rows: &[ReportRow], lang: Lang, title: &str) -> String {
    let legend = [
        i18n::t(lang, "report-early"),
        i18n::t(lang, "report-on-time"),
        i18n::t(lang, "report-late"),
    ];
    let legend: Vec<&str> = legend.iter().map(String::as_str).collect();
    let bars: Vec<StackedBar> = rows
        .iter()
        .map(|r| StackedBar {
            label: r.label.clone(),
            parts: vec![
                r.totals.resolved_early,
                r.totals.resolved_on_time,
                r.totals.resolved_late,
            ],
            note: percent(r.totals.in_time_rate(), lang),
        })
        .collect();
    charts::stacked_bars(title, &legend, &bars)
}

fn months_chart(rows: &[ReportRow], lang: Lang) -> String {
    let received = i18n::t(lang, "report-received");
    let resolved = i18n::t(lang, "report-resolved");
    let columns: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.label.clone(), r.totals.received, r.totals.resolved()))
        .collect();
    charts::paired_columns(
        &i18n::t(lang, "report-by-month"),
        [&received, &resolved],
        &columns,
    )
}

#[derive(Template)]
#[template(path = "staff/reports.html")]
struct DashboardPage {
    page: Page,
    dashboard: Dashboard,
    period_label: String,
    keep: String,
    total: Line,
    units: Vec<Line>,
    channels: Vec<Line>,
    procedures: Vec<Line>,
    sectors: Vec<Line>,
    months: Vec<Line>,
    steps: Vec<Line>,
    units_chart: String,
    months_chart: String,
    groups: Vec<GroupLine>,
    indicators: Vec<IndicatorLine>,
    index_points: String,
    /// Units the official may pick (those where they see reports).
    choices: Vec<OrgUnitRow>,
    years: Vec<i32>,
}

/// `/staff/reports`.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let actor = ctx.actor();
    let period = query.period(&state.app).ctx(&ctx)?;
    let unit = query.unit().ctx(&ctx)?;
    let dashboard = state
        .app
        .report_dashboard(&actor, unit, period, ctx.lang.code())
        .await
        .ctx(&ctx)?;
    let choices = state
        .app
        .agencies_with(&actor, motcua_domain::authz::Permission::ReportsView)
        .await
        .ctx(&ctx)?;
    let lang = ctx.lang;
    let keep = ReportQuery::keep(dashboard.unit.id, &period);
    let lines = |rows: &[ReportRow]| rows.iter().map(|r| line(r, lang)).collect::<Vec<_>>();
    let (groups, indicators) = index_lines(&dashboard.index, lang, &keep);
    let this_year = state.app.today().year();
    let page = Page::new(&ctx, "report-title");
    Ok(render(&DashboardPage {
        period_label: period.label(lang.code()),
        total: line(
            &ReportRow {
                key: String::new(),
                label: i18n::t(lang, "report-total"),
                totals: dashboard.totals,
            },
            lang,
        ),
        units: lines(&dashboard.units),
        channels: lines(&dashboard.channels),
        procedures: lines(&dashboard.procedures),
        sectors: lines(&dashboard.sectors),
        months: lines(&dashboard.months),
        steps: lines(&dashboard.steps),
        units_chart: on_time_chart(&dashboard.units, lang, &i18n::t(lang, "report-by-unit")),
        months_chart: months_chart(&dashboard.months, lang),
        index_points: points(dashboard.index.points, lang),
        groups,
        indicators,
        keep,
        choices,
        years: ((this_year - 4)..=this_year).rev().collect(),
        dashboard,
        page,
    }))
}

/// A file download.
fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `/staff/reports/export`: one breakdown as CSV or XLSX.
pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let period = query.period(&state.app).ctx(&ctx)?;
    let unit = query.unit().ctx(&ctx)?;
    let breakdown = Breakdown::parse(query.by.trim())
        .ok_or_else(|| motcua_app::AppError::invalid("by", "error-report-breakdown"))
        .ctx(&ctx)?;
    let dashboard = state
        .app
        .report_dashboard(&ctx.actor(), unit, period, ctx.lang.code())
        .await
        .ctx(&ctx)?;
    let table = App::report_table(&dashboard, breakdown, ctx.lang.code());
    let name = format!(
        "bao-cao-{}-{}-{}-{}",
        breakdown.as_str(),
        dashboard.unit.id,
        period.year,
        period.number
    );
    Ok(match query.format.trim() {
        "xlsx" => download(
            motcua_app::xlsx::workbook(&period.label(ctx.lang.code()), &table),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{name}.xlsx"),
        ),
        _ => download(
            motcua_app::reports::csv(&table).into_bytes(),
            "text/csv; charset=utf-8",
            &format!("{name}.csv"),
        ),
    })
}

/// `/staff/reports/report.pdf`: the periodic report of results by sector, printable.
pub async fn report_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let period = query.period(&state.app).ctx(&ctx)?;
    let unit = query.unit().ctx(&ctx)?;
    let pdf = state
        .app
        .result_report_pdf(&ctx.actor(), unit, period)
        .await
        .ctx(&ctx)?;
    Ok(download(
        pdf,
        "application/pdf",
        &format!("bao-cao-ket-qua-{}-{}.pdf", period.year, period.number),
    ))
}

#[derive(Template)]
#[template(path = "staff/report_dossiers.html")]
struct DrillPage {
    page: Page,
    drill: DrillDown,
    period_label: String,
    measure_name: String,
    /// The link to the next page, when there is one.
    next: Option<String>,
    back: String,
}

impl DrillPage {
    fn status(&self, code: &Option<i64>) -> String {
        code.and_then(|c| u8::try_from(c).ok())
            .and_then(motcua_domain::dossier::DossierStatus::from_national_code)
            .map(|s| s.vietnamese().to_owned())
            .unwrap_or_default()
    }
}

/// `/staff/reports/dossiers`: the dossiers behind one number.
pub async fn dossiers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let period = query.period(&state.app).ctx(&ctx)?;
    let unit = query.unit().ctx(&ctx)?;
    let drill = state
        .app
        .report_drill_down(
            &ctx.actor(),
            unit,
            period,
            query.measure.trim(),
            query.procedure.clone(),
            query.channel.clone(),
            query.step.clone(),
            query.before,
        )
        .await
        .ctx(&ctx)?;
    let keep = ReportQuery::keep(drill.unit.id, &period);
    let mut filters = format!("{keep}&measure={}", drill.measure);
    for (name, value) in [
        ("procedure", &query.procedure),
        ("channel", &query.channel),
        ("step", &query.step),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            filters.push_str(&format!("&{name}={}", urlencoding(value)));
        }
    }
    let next = drill
        .next
        .map(|before| format!("/staff/reports/dossiers?{filters}&before={before}"));
    let page = Page::new(&ctx, "report-dossiers-title");
    Ok(render(&DrillPage {
        period_label: period.label(ctx.lang.code()),
        measure_name: i18n::t(ctx.lang, &format!("report-measure-{}", drill.measure)),
        back: format!("/staff/reports?{keep}"),
        next,
        drill,
        page,
    }))
}

/// Percent-encodes a query value.
fn urlencoding(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One agency of the transparency page.
pub struct PublicAgency {
    pub name: String,
    pub total: Line,
    pub units: Vec<Line>,
    pub chart: String,
    pub groups: Vec<GroupLine>,
    pub index_points: String,
    pub index_possible: u32,
    /// Each unit's 766 points as "x / y", in the order of `units`.
    pub unit_index: Vec<String>,
}

#[derive(Template)]
#[template(path = "transparency.html")]
struct TransparencyPage {
    page: Page,
    period_label: String,
    agencies: Vec<PublicAgency>,
    years: Vec<i32>,
    period: ReportPeriod,
}

/// `/minh-bach`: on-time rates, satisfaction and the 766 groups per agency, for everyone.
pub async fn transparency(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ReportQuery>,
) -> WebResult<Response> {
    let period = query.period(&state.app).ctx(&ctx)?;
    let lang = ctx.lang;
    let agencies = state
        .app
        .transparency(period, lang.code())
        .await
        .ctx(&ctx)?
        .into_iter()
        .map(|d| {
            let (groups, _) = index_lines(&d.index, lang, "");
            PublicAgency {
                name: d.unit.name.clone(),
                total: line(
                    &ReportRow {
                        key: String::new(),
                        label: d.unit.name.clone(),
                        totals: d.totals,
                    },
                    lang,
                ),
                units: d.units.iter().map(|r| line(r, lang)).collect(),
                chart: on_time_chart(&d.units, lang, &i18n::t(lang, "report-by-unit")),
                groups,
                index_points: points(d.index.points, lang),
                index_possible: d.index.possible,
                unit_index: d
                    .unit_indexes
                    .iter()
                    .map(|i| format!("{} / {}", points(i.points, lang), i.possible))
                    .collect(),
            }
        })
        .collect();
    let this_year = state.app.today().year();
    let page = Page::new(&ctx, "transparency-title");
    Ok(render(&TransparencyPage {
        period_label: period.label(lang.code()),
        agencies,
        years: ((this_year - 4)..=this_year).rev().collect(),
        period,
        page,
    }))
}
