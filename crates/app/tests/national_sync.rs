//! Đồng bộ Cổng DVCQG (issue 19) at the app boundary, on both databases, against the national
//! portal's simulator (which checks fields, formats and status changes as the portal does):
//! every step of a dossier reaches the portal once and in order, through outages, a restart
//! and a refusal; the administrator sees what failed and why and sends it again; who may.

use motcua_app::AppError;
use motcua_app::notify::Channels;
use motcua_app::test_support::Fixture;
use motcua_app::{App, AppSettings};
use motcua_domain::dossier::ReturnMethod;
use motcua_national::simulator::{self, SimulatorHandle};
use motcua_national::{DvcqgClient, HoSo, NationalPortal};
use motcua_store::Backend;
use motcua_store::dossiers::DossierRow;
use std::sync::Arc;
use time::Duration;

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Sqlite).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::$name(motcua_store::Backend::Postgres).await } )* }
    };
}

both!(
    every_step_reaches_the_portal_once_and_in_order,
    an_outage_is_retried_and_the_steps_still_arrive_in_order,
    a_restarted_server_sends_what_the_last_one_had_not,
    a_refusal_is_given_up_shown_with_its_reason_and_sent_again_by_hand,
    the_overview_and_resending_follow_the_jurisdiction,
    without_a_portal_the_rows_wait,
    the_submitted_papers_go_with_the_record,
    an_acknowledged_dossier_transferred_is_counted_at_its_new_agency,
);

struct Sync {
    f: Fixture,
    app: App,
    sim: SimulatorHandle,
}

impl Sync {
    async fn new(backend: Backend) -> Sync {
        let f = Fixture::new(backend).await;
        let sim = simulator::start().await.expect("portal simulator");
        let app = f.app.clone().with_national_portal(portal(&sim));
        Sync { f, app, sim }
    }

    /// Runs the outbox rounds until nothing more is due now.
    async fn deliver(&self) {
        drain(&self.app).await;
    }

    /// The statuses of the dossier's steps as we hold them, in order.
    async fn our_steps(&self, row: &DossierRow) -> Vec<String> {
        let system = motcua_app::Actor::system();
        self.app
            .dossier_history(&system, row.id)
            .await
            .expect("history")
            .into_iter()
            .filter_map(|e| e.to_status.map(|s| s.national_code().to_string()))
            .collect()
    }

    /// The statuses of the history lines the portal holds for the dossier, in order.
    fn portal_steps(&self, row: &DossierRow) -> Vec<String> {
        self.sim
            .dossier(row.code.as_deref().expect("code"))
            .map(|d| d.history.into_iter().map(|h| h.status).collect())
            .unwrap_or_default()
    }

    async fn cleanup(self) {
        self.f.cleanup().await;
    }
}

/// Runs `app`'s outbox rounds until nothing more is due now.
async fn drain(app: &App) {
    while app
        .deliver_outbox(&Channels::log_only())
        .await
        .expect("outbox round")
        > 0
    {}
}

fn portal(sim: &SimulatorHandle) -> Arc<dyn NationalPortal> {
    Arc::new(DvcqgClient::new(sim.config()).expect("adapter"))
}

async fn every_step_reaches_the_portal_once_and_in_order(backend: Backend) {
    let s = Sync::new(backend).await;
    let row = s.f.returned(ReturnMethod::Counter).await;
    s.deliver().await;
    let code = row.code.clone().expect("code");
    let held = s.sim.dossier(&code).expect("the portal has the dossier");
    assert_eq!(held.status.code(), 10, "returned");
    let ours = s.our_steps(&row).await;
    assert!(
        ours.len() >= 6,
        "submitted, received, forwarded … returned: {ours:?}"
    );
    assert_eq!(s.portal_steps(&row), ours, "every step once, in order");
    // What the portal holds is what we hold: the code, procedure, applicant, dates.
    let record: &HoSo = &held.record;
    assert_eq!(record.procedure_code, row.procedure_code);
    assert_eq!(record.applicant_name, row.applicant_name);
    assert!(record.received_at.is_some() && record.due_at.is_some());
    assert!(record.returned_at.is_some() && record.processing_ended_at.is_some());
    assert_eq!(record.channel.as_deref(), Some("2"), "submitted online");
    // The signed result goes with the record, with where the portal downloads it.
    assert!(
        record.results.iter().all(|r| r
            .download_url
            .contains(&format!("/staff/dossiers/{}/files/", row.id))),
        "{:?}",
        record.results
    );
    eprintln!("results sent: {}", record.results.len());
    assert!(
        held.history.iter().any(|h| h.action.as_deref()
            == Some("Tiếp nhận hồ sơ, cấp giấy tiếp nhận và hẹn trả kết quả")),
        "{:?}",
        held.history
    );
    // Nothing more to send: rounds after this change nothing at the portal.
    let requests = s.sim.requests().total();
    s.deliver().await;
    s.f.advance(Duration::hours(2));
    s.deliver().await;
    assert_eq!(s.sim.requests().total(), requests);
    let admin = s.f.official("admin").await;
    let overview = s
        .app
        .national_sync_overview(&admin)
        .await
        .expect("overview");
    assert!(overview.configured);
    assert!(!overview.behind.iter().any(|c| c.dossier_id == row.id));
    assert!(overview.counts.in_sync >= 1);
    // The acknowledgement is counted for the 766 index ("hồ sơ đồng bộ"), in its transaction,
    // and a full recomputation agrees.
    let index = s
        .app
        .report_dashboard(
            &admin,
            None,
            motcua_app::reports::ReportPeriod::year(2026),
            "vi",
        )
        .await
        .expect("dashboard");
    assert_eq!((index.totals.numbered, index.totals.synced), (1, 1));
    assert_eq!(
        s.app
            .rebuild_reports(false)
            .await
            .expect("verify")
            .differences,
        0
    );
    s.cleanup().await;
}

async fn an_outage_is_retried_and_the_steps_still_arrive_in_order(backend: Backend) {
    let s = Sync::new(backend).await;
    s.deliver().await;
    let submitted = s.f.submit().await;
    s.sim.set_outage(true);
    s.deliver().await;
    assert!(
        s.sim
            .dossier(submitted.code.as_deref().expect("code"))
            .is_none()
    );
    let admin = s.f.official("admin").await;
    let overview = s
        .app
        .national_sync_overview(&admin)
        .await
        .expect("overview");
    let failing = overview
        .failing
        .iter()
        .find(|c| c.dossier_id == submitted.id)
        .expect("shown as failing");
    assert!(
        failing
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("unreachable")),
        "{failing:?}"
    );
    // The desk goes on working while the portal is down.
    let reception = s.f.official("tiepnhan.ninhkieu").await;
    s.app
        .receive_dossier(&reception, submitted.id)
        .await
        .expect("receive");
    s.f.advance(Duration::minutes(1));
    s.deliver().await;
    assert!(
        s.sim
            .dossier(submitted.code.as_deref().expect("code"))
            .is_none()
    );
    // Back up: after the backoff both steps go, the submission first.
    s.sim.set_outage(false);
    s.f.advance(Duration::minutes(10));
    s.deliver().await;
    assert_eq!(s.portal_steps(&submitted), vec!["1", "2"]);
    let overview = s
        .app
        .national_sync_overview(&admin)
        .await
        .expect("overview");
    assert!(
        !overview
            .failing
            .iter()
            .any(|c| c.dossier_id == submitted.id)
    );
    s.cleanup().await;
}

async fn a_restarted_server_sends_what_the_last_one_had_not(backend: Backend) {
    let s = Sync::new(backend).await;
    s.deliver().await;
    let row = s.f.received().await;
    // Every other request fails: the first server stops half way.
    s.sim.fail_every(2);
    let _ = s.app.deliver_outbox(&Channels::log_only()).await;
    s.sim.fail_every(0);
    // A new process on the same database, with its own adapter.
    let restarted = App::new(s.f.db.store.clone(), AppSettings::default())
        .with_clock(Arc::new({
            let now = s.f.app.now() + Duration::hours(1);
            move || now
        }))
        .with_national_portal(portal(&s.sim));
    drain(&restarted).await;
    assert_eq!(s.portal_steps(&row), vec!["1", "2"]);
    s.cleanup().await;
}

async fn a_refusal_is_given_up_shown_with_its_reason_and_sent_again_by_hand(backend: Backend) {
    let s = Sync::new(backend).await;
    s.deliver().await;
    let submitted = s.f.submit().await;
    let code = submitted.code.clone().expect("code");
    // Another system already told the portal this code is finished: our add is a duplicate,
    // our update a change from 10 back to 1, which the portal refuses.
    let other = portal(&s.sim);
    other
        .add_dossiers(&[HoSo {
            dossier_code: code.clone(),
            procedure_code: "1.001193".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            applicant_name: "Người khác".into(),
            status: "10".into(),
            ..HoSo::default()
        }])
        .await
        .expect("seeded at the portal");
    s.deliver().await;
    let admin = s.f.official("admin").await;
    let overview = s
        .app
        .national_sync_overview(&admin)
        .await
        .expect("overview");
    let failing = overview
        .failing
        .iter()
        .find(|c| c.dossier_id == submitted.id)
        .expect("shown as failing");
    assert!(
        failing
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("refused"))
    );
    // Given up at once (a refusal does not change by waiting): later rounds send nothing.
    let requests = s.sim.requests().total();
    s.f.advance(Duration::hours(3));
    s.deliver().await;
    assert_eq!(s.sim.requests().total(), requests);
    // Sent again by hand: it is tried once more, and audited.
    let ward_admin = s.f.official("quantri.ninhkieu").await;
    s.app
        .resend_national_sync(&ward_admin, submitted.id)
        .await
        .expect("resend");
    s.deliver().await;
    assert!(s.sim.requests().total() > requests);
    let csv = s
        .app
        .national_sync_reconciliation_csv(&admin)
        .await
        .expect("csv");
    assert!(csv.lines().any(|l| l.starts_with(&code)), "{csv}");
    s.cleanup().await;
}

async fn the_overview_and_resending_follow_the_jurisdiction(backend: Backend) {
    let s = Sync::new(backend).await;
    let row = s.f.received().await;
    // Not delivered yet: behind for the ward's administrator, not for another commune's.
    let ward_admin = s.f.official("quantri.ninhkieu").await;
    let overview = s
        .app
        .national_sync_overview(&ward_admin)
        .await
        .expect("overview");
    assert!(overview.behind.iter().any(|c| c.dossier_id == row.id));
    assert!(overview.behind.iter().all(|c| {
        c.agency_path
            .starts_with(&row.agency_path[..row.agency_path.len().min(6)])
    }));
    for username in ["tiepnhan.ninhkieu", "tiepnhan.trunghung"] {
        let official = s.f.official(username).await;
        assert!(matches!(
            s.app.national_sync_overview(&official).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            s.app.resend_national_sync(&official, row.id).await,
            Err(AppError::Forbidden)
        ));
    }
    let citizen = s.f.citizen(motcua_app::test_support::CITIZEN).await;
    assert!(s.app.resend_national_sync(&citizen, row.id).await.is_err());
    let queued = s
        .app
        .resend_national_sync_behind(&ward_admin)
        .await
        .expect("resend behind");
    assert!(queued >= 1);
    s.deliver().await;
    assert_eq!(s.portal_steps(&row), vec!["1", "2"]);
    s.cleanup().await;
}

async fn without_a_portal_the_rows_wait(backend: Backend) {
    let f = Fixture::new(backend).await;
    let row = f.received().await;
    drain(&f.app).await;
    let admin = f.official("admin").await;
    let outbox = f.app.outbox_overview(&admin).await.expect("outbox");
    let sync = outbox
        .kinds
        .iter()
        .find(|k| k.kind == "sync-national")
        .expect("sync rows");
    assert!(sync.pending >= 2 && !sync.delivered_here, "{sync:?}");
    // Configured later: everything that waited goes, in order.
    let sim = simulator::start().await.expect("portal simulator");
    let app = f.app.clone().with_national_portal(portal(&sim));
    drain(&app).await;
    let held = sim
        .dossier(row.code.as_deref().expect("code"))
        .expect("held");
    let statuses: Vec<String> = held.history.into_iter().map(|h| h.status).collect();
    assert_eq!(statuses, vec!["1", "2"]);
    f.cleanup().await;
}

/// The papers a citizen submitted go to the portal with the record (`TaiLieuNop`): the
/// component they fulfil and where the portal downloads them.
async fn the_submitted_papers_go_with_the_record(backend: Backend) {
    use motcua_app::attachments::{PaperUpload, Papers};
    use motcua_app::dossiers::Submission;
    let s = Sync::new(backend).await;
    let citizen = s.f.citizen(motcua_app::test_support::CITIZEN).await;
    let mut bytes = b"%PDF-1.7\n% to khai\n".to_vec();
    bytes.resize(2_000, b'0');
    let papers = Papers {
        uploads: vec![PaperUpload {
            field: "paper.0".into(),
            requirement: Some(0),
            file_name: "tờ khai.pdf".into(),
            declared_type: Some("application/pdf".into()),
            content: s.app.stage(&bytes).await.expect("staged"),
            oversize: false,
        }],
        require_all: false,
    };
    let submitted = s
        .app
        .submit_dossier_with_papers(
            &citizen,
            &Submission {
                procedure_code: "1.001193".into(),
                agency_code: motcua_app::test_support::WARD.into(),
                form: motcua_app::test_support::birth_registration(),
                attachments: Vec::new(),
                delivery: Default::default(),
                postal: Default::default(),
            },
            &papers,
        )
        .await
        .expect("submitted");
    s.deliver().await;
    let row = s.f.row(submitted.id).await;
    let held = s
        .sim
        .dossier(row.code.as_deref().expect("code"))
        .expect("the portal has it");
    let papers = &held.record.submitted_papers;
    assert_eq!(papers.len(), 1, "{papers:?}");
    assert_eq!(papers[0].component_code, "1.001193.1");
    assert_eq!(papers[0].digitised, "1");
    assert!(
        papers[0].download_url.ends_with(&format!(
            "/staff/dossiers/{}/files/{}",
            row.id,
            papers[0].file_id.as_deref().unwrap_or_default()
        )),
        "{}",
        papers[0].download_url
    );
    s.cleanup().await;
}

/// The 766 count of acknowledged dossiers follows a dossier transferred to another agency (liên
/// thông) in the transfer's own transaction, so the kept counters equal a recomputation even
/// while the portal is unreachable.
async fn an_acknowledged_dossier_transferred_is_counted_at_its_new_agency(backend: Backend) {
    use motcua_domain::dossier::Command;
    let s = Sync::new(backend).await;
    let row = s.f.received().await;
    s.deliver().await;
    s.sim.set_outage(true);
    let specialist = s.f.official("chuyenvien.ninhkieu").await;
    s.app
        .act_on_dossier(
            &specialist,
            row.id,
            Command::Transfer {
                to_agency: motcua_domain::org::AgencyCode::parse("000.00.10.H13")
                    .expect("agency code"),
                reason: "Đề nghị Sở Tư pháp xác minh".into(),
            },
        )
        .await
        .expect("transferred");
    s.deliver().await;
    assert_eq!(
        s.app
            .rebuild_reports(false)
            .await
            .expect("verify")
            .differences,
        0
    );
    // The ward no longer counts it; the Department of Justice does.
    let ward_leader = s.f.official("chutich.ninhkieu").await;
    let ward = s
        .app
        .report_dashboard(
            &ward_leader,
            None,
            motcua_app::reports::ReportPeriod::year(2026),
            "vi",
        )
        .await
        .expect("dashboard");
    assert_eq!((ward.totals.numbered, ward.totals.synced), (0, 0));
    let director = s.f.official("giamdoc.stp").await;
    let justice = s
        .app
        .report_dashboard(
            &director,
            None,
            motcua_app::reports::ReportPeriod::year(2026),
            "vi",
        )
        .await
        .expect("dashboard");
    assert_eq!((justice.totals.numbered, justice.totals.synced), (1, 1));
    s.cleanup().await;
}
