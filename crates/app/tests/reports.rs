//! Báo cáo and the 766 index (issue 19) at the app boundary, on both databases: a seeded set of
//! dossiers gives counts, rates and 766 points computed by hand here; the projections kept in
//! each change's transaction equal a full recomputation, and a damaged counter is noticed and
//! repaired; who may see which unit, and the dossiers behind a number.

use motcua_app::App;
use motcua_app::AppError;
use motcua_app::reports::{Breakdown, ReportPeriod};
use motcua_app::test_support::{CITIZEN, Fixture};
use motcua_domain::dossier::{Command, ReturnMethod};
use motcua_domain::report::index766::Outcome;
use motcua_store::Backend;
use motcua_store::dossiers::DossierRow;
use time::Duration;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(
    a_seeded_month_gives_known_counts_rates_and_766_points,
    the_projections_equal_a_full_recomputation_and_a_damaged_one_is_repaired,
    reports_follow_the_jurisdiction_and_the_drill_down_needs_the_dossier_view,
    a_refusal_at_reception_counts_as_not_received,
    fees_paid_count_and_a_refund_takes_its_payment_back,
);

const DECEMBER: ReportPeriod = ReportPeriod {
    kind: motcua_app::reports::PeriodKind::Month,
    year: 2026,
    number: 12,
};

/// The seeded month: on Monday 07/12/2026 d1 is received, resolved the same day (on time, a
/// same-day procedure), returned and rated "rất hài lòng" on every criterion; d2 and d3 are
/// received and d4 only submitted; on Wednesday d2 is resolved (late) and d3 is still in
/// processing, past its appointment.
struct Seeded {
    d1: DossierRow,
    d2: DossierRow,
    d3: DossierRow,
    d4: DossierRow,
}

async fn seed(f: &Fixture) -> Seeded {
    let d1 = f.returned(ReturnMethod::Counter).await;
    let citizen = f.citizen(CITIZEN).await;
    f.app
        .rate_dossier(
            &citizen,
            d1.id,
            &motcua_app::ratings::RatingInput {
                scores: vec![2; 9],
                comment: None,
            },
        )
        .await
        .expect("rate");
    let d2 = f.received().await;
    let d3 = f.received().await;
    let d4 = f.submit().await;
    f.advance(Duration::days(2));
    motcua_app::test_support::resolve(&f.app, d2.id).await;
    Seeded {
        d1: f.row(d1.id).await,
        d2: f.row(d2.id).await,
        d3: f.row(d3.id).await,
        d4: f.row(d4.id).await,
    }
}

async fn ward_id(f: &Fixture) -> i64 {
    f.db.store
        .get_unit_by_code(motcua_app::test_support::WARD)
        .await
        .expect("ward")
        .id
}

async fn a_seeded_month_gives_known_counts_rates_and_766_points(backend: Backend) {
    let f = Fixture::new(backend).await;
    let seeded = seed(&f).await;
    assert_eq!(seeded.d1.status_code, Some(10));
    assert_eq!(seeded.d2.status_code, Some(9));
    assert_eq!(seeded.d3.status_code, Some(2));
    assert_eq!(seeded.d4.status_code, Some(1));
    let leader = f.official("chutich.ninhkieu").await;
    let ward = ward_id(&f).await;
    let dashboard = f
        .app
        .report_dashboard(&leader, Some(ward), DECEMBER, "vi")
        .await
        .expect("dashboard");
    let t = dashboard.totals;
    // Received d1, d2, d3, all online, of a procedure offered fully online.
    assert_eq!((t.received, t.received_online), (3, 3));
    assert_eq!(
        (t.received_full_online, t.received_full_online_online),
        (3, 3)
    );
    // d1 on the due day (same-day procedure), d2 two days after it.
    assert_eq!(
        (t.resolved_early, t.resolved_on_time, t.resolved_late),
        (0, 1, 1)
    );
    assert_eq!(t.in_time_rate(), Some(0.5));
    assert_eq!(t.electronic_results, 2, "both results were signed");
    assert_eq!((t.in_progress, t.overdue_now), (1, 1), "d3 is past due");
    assert_eq!((t.rated, t.rated_satisfied), (1, 1));
    assert_eq!((t.rating_points, t.rating_max_points), (18, 18));
    assert_eq!(t.satisfaction(), Some(1.0));
    assert_eq!(t.numbered, 4, "d4 has a code too");
    assert_eq!(t.synced, 0, "no national portal here");
    // Every finished stay at a step is counted once, on time or late.
    let finished: usize = [&seeded.d1, &seeded.d2, &seeded.d3]
        .iter()
        .map(|row| {
            row.dossier()
                .expect("state")
                .history
                .iter()
                .filter(|v| v.left_at.is_some())
                .count()
        })
        .sum();
    assert_eq!(
        usize::try_from(t.step_on_time + t.step_late).expect("count"),
        finished
    );
    // By channel and month; by procedure and sector.
    let online = dashboard
        .channels
        .iter()
        .find(|r| r.key == "online")
        .expect("online row");
    assert_eq!(online.totals.received, 3);
    assert_eq!(dashboard.months.len(), 1);
    assert_eq!(dashboard.months[0].key, "202612");
    let birth = dashboard
        .procedures
        .iter()
        .find(|r| r.key == "1.001193")
        .expect("procedure row");
    assert_eq!((birth.totals.received, birth.totals.resolved()), (3, 2));
    assert!(birth.label.contains("khai sinh"), "{}", birth.label);
    assert_eq!(dashboard.sectors.len(), 1);
    assert_eq!(dashboard.sectors[0].totals.received, 3);
    // 766 by hand: sync 0/4 of 6 = 0; progress 1/2 of 20 = 10; online 3/3 of 12 = 12;
    // satisfaction 1/1 of 6 = 6; electronic results 2/2 of 6 = 6; payments did not arise.
    let index = &dashboard.index;
    let points = |key: &str| {
        index
            .indicators
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.outcome)
            .expect("indicator")
    };
    assert!(
        matches!(points("dossier-sync"), Outcome::Scored { numerator: 0, denominator: 4, points, .. } if points == 0.0)
    );
    assert!(
        matches!(points("resolved-in-time"), Outcome::Scored { numerator: 1, denominator: 2, points, .. } if points == 10.0)
    );
    assert!(
        matches!(points("full-online-dossiers"), Outcome::Scored { numerator: 3, denominator: 3, points, .. } if points == 12.0)
    );
    assert!(
        matches!(points("handling-satisfaction"), Outcome::Scored { points, .. } if points == 6.0)
    );
    assert!(
        matches!(points("electronic-results"), Outcome::Scored { points, .. } if points == 6.0)
    );
    assert_eq!(points("dossiers-paid-online"), Outcome::DidNotArise);
    assert_eq!((index.points, index.possible), (34.0, 50));
    // The same figures for the quarter and the year; nothing in November.
    for period in [
        ReportPeriod::parse("quarter", "2026", "4").expect("quarter"),
        ReportPeriod::year(2026),
    ] {
        let other = f
            .app
            .report_dashboard(&leader, Some(ward), period, "vi")
            .await
            .expect("dashboard");
        assert_eq!(other.totals, t);
    }
    let november = f
        .app
        .report_dashboard(
            &leader,
            Some(ward),
            ReportPeriod::parse("month", "2026", "11").expect("month"),
            "vi",
        )
        .await
        .expect("dashboard");
    assert_eq!(november.totals.received, 0);
    assert_eq!(
        november.totals.in_progress, 1,
        "now is now, whatever the period"
    );
    // The city's dashboard holds the ward's figures in the ward's row.
    let admin = f.official("admin").await;
    let city = f
        .app
        .report_dashboard(&admin, None, DECEMBER, "vi")
        .await
        .expect("city");
    assert_eq!(city.totals.received, 3);
    let ward_row = city
        .units
        .iter()
        .find(|r| r.key == ward.to_string())
        .or_else(|| {
            // The ward may sit under a district level: its ancestor's row holds it.
            city.units.iter().find(|r| r.totals.received == 3)
        })
        .expect("ward row");
    assert_eq!(ward_row.totals.resolved_late, 1);
    // Each unit's row has its own 766 index: the ward's is the ward's dashboard's.
    assert_eq!(city.unit_indexes.len(), city.units.len());
    let position = city
        .units
        .iter()
        .position(|r| r.key == ward_row.key)
        .expect("position");
    assert_eq!(
        (
            city.unit_indexes[position].points,
            city.unit_indexes[position].possible
        ),
        (34.0, 50)
    );
    // The periodic report by sector: December, then January carrying d3 over.
    let form = f
        .app
        .result_report_form(&leader, Some(ward), DECEMBER)
        .await
        .expect("report");
    let motcua_render::model::FormDocument::ResultReport(report) = form else {
        panic!("a result report");
    };
    let t = &report.total;
    assert_eq!(
        (t.carried_over, t.received_online, t.received_other, t.total),
        (0, 3, 0, 3)
    );
    assert_eq!(
        (
            t.resolved_early,
            t.resolved_on_time,
            t.resolved_late,
            t.in_progress
        ),
        (0, 1, 1, 1)
    );
    assert_eq!(report.rows.len(), 1);
    assert_eq!(report.rows[0].sector, "Hộ tịch");
    let form = f
        .app
        .result_report_form(
            &leader,
            Some(ward),
            ReportPeriod::parse("month", "2027", "1").expect("month"),
        )
        .await
        .expect("report");
    let motcua_render::model::FormDocument::ResultReport(january) = form else {
        panic!("a result report");
    };
    assert_eq!(
        (
            january.total.carried_over,
            january.total.total,
            january.total.in_progress
        ),
        (1, 1, 1)
    );
    // The export: a header, one row per line, the total.
    let table = App::report_table(&dashboard, Breakdown::Procedure, "vi");
    assert_eq!(table.len(), 1 + dashboard.procedures.len() + 1);
    let csv = motcua_app::reports::csv(&table);
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("Tỷ lệ đúng hạn (%)"));
    assert!(csv.contains("50.0"));
    let xlsx = motcua_app::xlsx::workbook("Tháng 12/2026", &table);
    assert!(xlsx.starts_with(b"PK"));
    f.cleanup().await;
}

async fn the_projections_equal_a_full_recomputation_and_a_damaged_one_is_repaired(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    seed(&f).await;
    let kept = &f.db.store.report_counters().await.expect("counters");
    assert!(!kept.agencies.is_empty());
    let outcome = f.app.rebuild_reports(false).await.expect("verify");
    assert_eq!(outcome.differences, 0, "{outcome:?}");
    assert_eq!((outcome.dossiers, outcome.ratings), (4, 1));
    // Verifying changed nothing.
    assert_eq!(&f.db.store.report_counters().await.expect("counters"), kept);
    // A counter damaged behind the projection's back is noticed, then repaired.
    motcua_store::test_support::skew_report_counter(&f.db.store, "received", 5).await;
    let outcome = f.app.rebuild_reports(false).await.expect("verify");
    assert!(outcome.differences > 0);
    let outcome = f.app.rebuild_reports(true).await.expect("rebuild");
    assert!(
        outcome.differences > 0,
        "the rebuild reports what it repaired"
    );
    assert_eq!(&f.db.store.report_counters().await.expect("counters"), kept);
    let outcome = f.app.rebuild_reports(false).await.expect("verify");
    assert_eq!(outcome.differences, 0);
    // An installation upgraded from a version without reports: no facts, dossiers there.
    assert!(!f.app.report_projections_missing().await.expect("check"));
    let mut tx = f.db.store.begin().await.expect("tx");
    tx.clear_report_projections().await.expect("clear");
    tx.commit().await.expect("commit");
    assert!(f.app.report_projections_missing().await.expect("check"));
    f.app.rebuild_reports(true).await.expect("rebuild");
    assert!(!f.app.report_projections_missing().await.expect("check"));
    assert_eq!(&f.db.store.report_counters().await.expect("counters"), kept);
    f.cleanup().await;
}

async fn reports_follow_the_jurisdiction_and_the_drill_down_needs_the_dossier_view(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    let seeded = seed(&f).await;
    let ward = ward_id(&f).await;
    // Reception has no report view; another commune's leader not this ward.
    let reception = f.official("tiepnhan.ninhkieu").await;
    assert!(matches!(
        f.app
            .report_dashboard(&reception, Some(ward), DECEMBER, "vi")
            .await,
        Err(AppError::Forbidden)
    ));
    let other = f.official("chutich.trunghung").await;
    assert!(matches!(
        f.app
            .report_dashboard(&other, Some(ward), DECEMBER, "vi")
            .await,
        Err(AppError::Forbidden)
    ));
    // Their own commune, by default, has none of the ward's dossiers.
    let own = f
        .app
        .report_dashboard(&other, None, DECEMBER, "vi")
        .await
        .expect("own dashboard");
    assert_ne!(own.unit.id, ward);
    assert_eq!(own.totals.received, 0);
    // The leader lists the late dossier and the late step stays behind the numbers.
    let leader = f.official("chutich.ninhkieu").await;
    let late = f
        .app
        .report_drill_down(
            &leader,
            Some(ward),
            DECEMBER,
            "resolved_late",
            None,
            None,
            None,
            None,
        )
        .await
        .expect("drill");
    let ids: Vec<i64> = late.dossiers.iter().map(|d| d.dossier_id).collect();
    assert_eq!(ids, vec![seeded.d2.id]);
    let received = f
        .app
        .report_drill_down(
            &leader,
            Some(ward),
            DECEMBER,
            "received",
            Some("1.001193".into()),
            Some("online".into()),
            None,
            None,
        )
        .await
        .expect("drill");
    let mut ids: Vec<i64> = received.dossiers.iter().map(|d| d.dossier_id).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![seeded.d1.id, seeded.d2.id, seeded.d3.id]);
    let steps = f
        .app
        .report_drill_down(
            &leader,
            Some(ward),
            DECEMBER,
            "step_late",
            None,
            None,
            None,
            None,
        )
        .await
        .expect("drill");
    // The late stays listed are those counted (here d2's two days at "tham-dinh" are within
    // its allowance, so none), and only of the dossier that waited.
    let counted = f
        .app
        .report_dashboard(&leader, Some(ward), DECEMBER, "vi")
        .await
        .expect("dashboard")
        .totals
        .step_late;
    assert_eq!(steps.dossiers.is_empty(), counted == 0);
    assert!(steps.dossiers.iter().all(|d| d.dossier_id == seeded.d2.id));
    assert!(received.next.is_none());
    // Keyset pages of two: d3, d2, then d1, each dossier once.
    let filter = motcua_store::reports::DrillFilter {
        measure: motcua_domain::report::Measure::Received,
        from: 202612,
        to: 202612,
        agency_path: received.unit.path.clone(),
        procedure_code: None,
        channel: None,
        step: None,
    };
    let first =
        f.db.store
            .report_drill(&filter, None, 2)
            .await
            .expect("page");
    let ids: Vec<i64> = first.iter().map(|d| d.dossier_id).collect();
    assert_eq!(ids, vec![seeded.d3.id, seeded.d2.id]);
    let second =
        f.db.store
            .report_drill(&filter, Some(seeded.d2.id), 2)
            .await
            .expect("page");
    let ids: Vec<i64> = second.iter().map(|d| d.dossier_id).collect();
    assert_eq!(ids, vec![seeded.d1.id]);
    // The ward's administrator sees the figures but not the applicants behind them.
    let admin = f.official("quantri.ninhkieu").await;
    f.app
        .report_dashboard(&admin, Some(ward), DECEMBER, "vi")
        .await
        .expect("admin sees reports");
    assert!(matches!(
        f.app
            .report_drill_down(
                &admin,
                Some(ward),
                DECEMBER,
                "received",
                None,
                None,
                None,
                None
            )
            .await,
        Err(AppError::Forbidden)
    ));
    // Bad input changes nothing and is named.
    assert!(matches!(
        f.app
            .report_drill_down(
                &leader,
                Some(ward),
                DECEMBER,
                "nope",
                None,
                None,
                None,
                None
            )
            .await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        ReportPeriod::parse("month", "2026", "13"),
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        ReportPeriod::parse("quarter", "năm", "1"),
        Err(AppError::Invalid(_))
    ));
    f.cleanup().await;
}

async fn a_refusal_at_reception_counts_as_not_received(backend: Backend) {
    let f = Fixture::new(backend).await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let ward = ward_id(&f).await;
    let leader = f.official("chutich.ninhkieu").await;
    // A refusal at reception counts as "not received", not as received.
    let refused = f.submit().await;
    f.app
        .act_on_dossier(
            &reception,
            refused.id,
            Command::Refuse {
                reasons: vec!["Hồ sơ không thuộc thẩm quyền".into()],
            },
        )
        .await
        .expect("refuse");
    let t = f
        .app
        .report_dashboard(&leader, Some(ward), DECEMBER, "vi")
        .await
        .expect("dashboard")
        .totals;
    assert_eq!((t.received, t.not_received, t.numbered), (0, 1, 1));
    // The rebuild agrees after every kind of change.
    assert_eq!(
        f.app
            .rebuild_reports(false)
            .await
            .expect("verify")
            .differences,
        0
    );
    f.cleanup().await;
}

async fn fees_paid_count_and_a_refund_takes_its_payment_back(backend: Backend) {
    use motcua_domain::payment::PaymentMethod;
    let f = Fixture::new(backend).await;
    let reception = f.official("tiepnhan.ninhkieu").await;
    let leader = f.official("chutich.ninhkieu").await;
    let ward = ward_id(&f).await;
    // A civil-status extract, its fee paid in cash at the desk.
    let citizen = f.citizen(CITIZEN).await;
    let extract = f
        .app
        .submit_dossier(
            &citizen,
            &motcua_app::dossiers::Submission {
                procedure_code: "2.000635".into(),
                agency_code: motcua_app::test_support::WARD.into(),
                form: motcua_app::demo::demo_extract_form(1).expect("form"),
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
        )
        .await
        .expect("submit");
    f.app
        .record_counter_payment(&reception, extract.id, PaymentMethod::Cash, "")
        .await
        .expect("paid");
    // A second fee, paid and then refunded: it no longer counts.
    let other = f.received().await;
    let specialist = f.official("chuyenvien.ninhkieu").await;
    f.app
        .act_on_dossier(
            &specialist,
            other.id,
            Command::RequireFinancialObligation {
                description: "Lệ phí".into(),
                amount_vnd: Some(15_000),
            },
        )
        .await
        .expect("obligation");
    let paid = f
        .app
        .record_counter_payment(&reception, other.id, PaymentMethod::Cash, "")
        .await
        .expect("paid");
    let before_refund = f
        .app
        .report_dashboard(&leader, Some(ward), DECEMBER, "vi")
        .await
        .expect("dashboard")
        .totals;
    assert_eq!(
        (before_refund.paid_counter, before_refund.paid_online),
        (2, 0)
    );
    f.app
        .refund_payment(&leader, paid.id, "Thu nhầm")
        .await
        .expect("refund");
    let dashboard = f
        .app
        .report_dashboard(&leader, Some(ward), DECEMBER, "vi")
        .await
        .expect("dashboard");
    assert_eq!(
        (dashboard.totals.paid_counter, dashboard.totals.paid_online),
        (1, 0)
    );
    // 766: one procedure with a paid fee, none paid online; one dossier, not online.
    let outcome = |key: &str| {
        dashboard
            .index
            .indicators
            .iter()
            .find(|i| i.key == key)
            .map(|i| i.outcome)
            .expect("indicator")
    };
    assert!(matches!(
        outcome("procedures-paid-online"),
        Outcome::Scored {
            numerator: 0,
            denominator: 1,
            ..
        }
    ));
    assert!(matches!(
        outcome("dossiers-paid-online"),
        Outcome::Scored {
            numerator: 0,
            denominator: 1,
            ..
        }
    ));
    assert_eq!(
        f.app
            .rebuild_reports(false)
            .await
            .expect("verify")
            .differences,
        0
    );
    f.cleanup().await;
}
