//! The HTTP adapter against the portal simulator: the three calls, every validation rule,
//! duplicates and unknown dossiers, status changes, credentials, outages and injected
//! failures, and how each comes back as a `PortalError`.
#![cfg(feature = "simulator")]

use motcua_national::simulator::{self, Endpoint, SimulatorConfig, SimulatorHandle, codes};
use motcua_national::{
    DvcqgClient, DvcqgConfig, HoSo, HoSoBoSung, NationalPortal, NationalStatus, PortalAuth,
    PortalError, QuaTrinhXuLy,
};
use std::sync::Arc;

fn dossier(code: &str, status: NationalStatus) -> HoSo {
    HoSo {
        dossier_code: code.to_owned(),
        procedure_code: "1.001234".to_owned(),
        procedure_name: "Đăng ký khai sinh".to_owned(),
        channel: Some("1".to_owned()),
        applicant_name: "Nguyễn Văn An".to_owned(),
        summary: Some("Đăng ký khai sinh cho con".to_owned()),
        received_at: Some("20260105083000".to_owned()),
        due_at: Some("20260107170000".to_owned()),
        status: status.code_str().to_owned(),
        processing_agency: Some("UBND phường Ninh Kiều".to_owned()),
        ..HoSo::default()
    }
}

fn line(code: &str, status: NationalStatus, at: &str) -> QuaTrinhXuLy {
    QuaTrinhXuLy {
        dossier_code: code.to_owned(),
        official: "Trần Thị Cán Bộ".to_owned(),
        title: Some("Chuyên viên".to_owned()),
        done_at: at.to_owned(),
        department: Some("Bộ phận một cửa".to_owned()),
        action: Some("Tiếp nhận hồ sơ".to_owned()),
        status: status.code_str().to_owned(),
        started_at: None,
        due_at: None,
    }
}

async fn setup() -> (SimulatorHandle, Arc<dyn NationalPortal>) {
    let sim = simulator::start().await.expect("simulator starts");
    let portal = DvcqgClient::new(sim.config()).expect("adapter");
    (sim, Arc::new(portal))
}

fn refused(result: Result<(), PortalError>) -> (String, String) {
    match result {
        Err(PortalError::Refused { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

const A: &str = "H29.123-260105-0001";
const B: &str = "H29.123-260105-0002";

#[tokio::test]
async fn add_update_and_history_are_kept() {
    let (sim, portal) = setup().await;
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect("add");
    let held = sim.dossier(A).expect("held");
    assert_eq!(held.status, NationalStatus::Received);
    assert_eq!(held.updates, 0);
    assert!(held.history.is_empty());
    assert_eq!(sim.count(), 1);

    let mut processing = dossier(A, NationalStatus::InProcessing);
    processing.note = Some("Chuyển phòng Tư pháp".to_owned());
    portal
        .update_dossiers(std::slice::from_ref(&processing))
        .await
        .expect("update");
    let held = sim.dossier(A).expect("held");
    assert_eq!(held.status, NationalStatus::InProcessing);
    assert_eq!(held.updates, 1);
    assert_eq!(held.record, processing);

    let lines = [
        line(A, NationalStatus::Received, "20260105083000"),
        line(A, NationalStatus::InProcessing, "20260105090000"),
    ];
    portal.add_history(&lines).await.expect("history");
    assert_eq!(sim.dossier(A).expect("held").history, lines);

    let requests = sim.requests();
    assert_eq!((requests.add, requests.update, requests.history), (1, 1, 1));
    assert_eq!(requests.accepted, 3);
    assert_eq!(requests.total(), 3);
    assert!(sim.refusals().is_empty());
    assert_eq!(sim.codes(), [A]);
}

#[tokio::test]
async fn a_dossier_goes_through_its_whole_life() {
    let (sim, portal) = setup().await;
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Submitted)])
        .await
        .expect("add");
    for status in [
        NationalStatus::Received,
        NationalStatus::InProcessing,
        NationalStatus::SupplementRequested,
        NationalStatus::InProcessing,
        NationalStatus::FinancialObligation,
        NationalStatus::InProcessing,
        NationalStatus::Resolved,
        NationalStatus::Resolved,
        NationalStatus::Returned,
    ] {
        portal
            .update_dossiers(&[dossier(A, status)])
            .await
            .unwrap_or_else(|e| panic!("to {status}: {e}"));
    }
    let held = sim.dossier(A).expect("held");
    assert_eq!(held.status, NationalStatus::Returned);
    assert_eq!(held.updates, 9);
    // The same status again is an update; another one after the end is not.
    portal
        .update_dossiers(&[dossier(A, NationalStatus::Returned)])
        .await
        .expect("same status");
    let (code, _) = refused(
        portal
            .update_dossiers(&[dossier(A, NationalStatus::InProcessing)])
            .await,
    );
    assert_eq!(code, codes::TRANSITION);
}

#[tokio::test]
async fn dossiers_from_the_counter_are_added_at_any_status() {
    let (sim, portal) = setup().await;
    let batch: Vec<HoSo> = NationalStatus::ALL
        .into_iter()
        .map(|status| dossier(&format!("H29.123-260105-{:04}", status.code()), status))
        .collect();
    portal.add_dossiers(&batch).await.expect("add");
    assert_eq!(sim.count(), 10);
    assert_eq!(
        sim.dossier("H29.123-260105-0009").expect("held").status,
        NationalStatus::Resolved
    );
    assert_eq!(sim.requests().add, 1);
}

#[tokio::test]
async fn adding_a_dossier_it_holds_is_refused_as_a_duplicate() {
    let (sim, portal) = setup().await;
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect("add");
    let error = portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect_err("duplicate");
    assert!(error.is_duplicate(), "{error}");
    assert!(error.is_permanent());
    let (code, message) = refused(Err(error));
    assert_eq!(code, codes::ALREADY_EXISTS);
    assert!(
        message.contains("đã tồn tại") && message.contains(A),
        "{message}"
    );
    assert_eq!(sim.dossier(A).expect("held").updates, 0);
    assert_eq!(
        sim.refusals(),
        [simulator::Refusal {
            endpoint: Endpoint::Add,
            code: codes::ALREADY_EXISTS.to_owned(),
            message,
        }]
    );
}

#[tokio::test]
async fn a_batch_is_applied_whole_or_not_at_all() {
    let (sim, portal) = setup().await;
    // The same code twice in one add: nothing of the batch is kept.
    let (code, _) = refused(
        portal
            .add_dossiers(&[
                dossier(A, NationalStatus::Received),
                dossier(B, NationalStatus::Received),
                dossier(A, NationalStatus::Received),
            ])
            .await,
    );
    assert_eq!(code, codes::ALREADY_EXISTS);
    assert_eq!(sim.count(), 0);

    // A valid record followed by an invalid one.
    let mut bad = dossier(B, NationalStatus::Received);
    bad.procedure_code = String::new();
    refused(
        portal
            .add_dossiers(&[dossier(A, NationalStatus::Received), bad])
            .await,
    );
    assert_eq!(sim.count(), 0);

    // An update whose second record cannot move: the first is not applied either.
    portal
        .add_dossiers(&[
            dossier(A, NationalStatus::Received),
            dossier(B, NationalStatus::Returned),
        ])
        .await
        .expect("add");
    let (code, _) = refused(
        portal
            .update_dossiers(&[
                dossier(A, NationalStatus::InProcessing),
                dossier(B, NationalStatus::InProcessing),
            ])
            .await,
    );
    assert_eq!(code, codes::TRANSITION);
    let held = sim.dossier(A).expect("held");
    assert_eq!((held.status, held.updates), (NationalStatus::Received, 0));

    // Records for one dossier in one update are applied in order.
    portal
        .update_dossiers(&[
            dossier(A, NationalStatus::InProcessing),
            dossier(A, NationalStatus::Resolved),
        ])
        .await
        .expect("two steps");
    let held = sim.dossier(A).expect("held");
    assert_eq!((held.status, held.updates), (NationalStatus::Resolved, 2));

    // History with one line for an unknown dossier: no line is kept.
    let (code, message) = refused(
        portal
            .add_history(&[
                line(A, NationalStatus::Resolved, "20260106160000"),
                line(
                    "H29.123-260105-0099",
                    NationalStatus::Received,
                    "20260106160000",
                ),
            ])
            .await,
    );
    assert_eq!(code, codes::NOT_FOUND);
    assert!(message.contains("H29.123-260105-0099"), "{message}");
    assert!(sim.dossier(A).expect("held").history.is_empty());
}

#[tokio::test]
async fn updating_a_dossier_it_does_not_hold_is_refused() {
    let (sim, portal) = setup().await;
    let (code, message) = refused(
        portal
            .update_dossiers(&[dossier(A, NationalStatus::InProcessing)])
            .await,
    );
    assert_eq!(code, codes::NOT_FOUND);
    assert!(message.contains("không tồn tại"), "{message}");
    assert_eq!(sim.count(), 0);
}

#[tokio::test]
async fn status_changes_outside_the_table_are_refused() {
    let (sim, portal) = setup().await;
    portal
        .add_dossiers(&[dossier(A, NationalStatus::InProcessing)])
        .await
        .expect("add");
    for to in [
        NationalStatus::Submitted,
        NationalStatus::Received,
        NationalStatus::NotReceived,
        NationalStatus::Returned,
    ] {
        let (code, message) = refused(portal.update_dossiers(&[dossier(A, to)]).await);
        assert_eq!(code, codes::TRANSITION, "{to}");
        assert!(
            message.contains("4 (Đang xử lý)") && message.contains(&to.to_string()),
            "{message}"
        );
    }
    let held = sim.dossier(A).expect("held");
    assert_eq!(
        (held.status, held.updates),
        (NationalStatus::InProcessing, 0)
    );
    assert_eq!(sim.refusals().len(), 4);
    assert_eq!(sim.requests().refused, 4);
}

/// One way to break a valid record, and the field the refusal must name.
type Breakage = (&'static str, fn(&mut HoSo));

#[tokio::test]
async fn each_validation_rule_refuses_the_record() {
    let (sim, portal) = setup().await;
    let long_code = format!("H29.123-260105-{}", "9".repeat(36));
    assert_eq!(long_code.chars().count(), 51);
    let breakages: &[Breakage] = &[
        ("MaHoSo", |d| d.dossier_code = String::new()),
        ("MaHoSo", |d| d.dossier_code = "   ".to_owned()),
        ("MaHoSo", |d| {
            d.dossier_code = format!("H29.123-260105-{}", "9".repeat(36))
        }),
        ("MaHoSo", |d| {
            d.dossier_code = "H29.123 260105 0001".to_owned()
        }),
        ("MaTTHC", |d| d.procedure_code = String::new()),
        ("TenTTHC", |d| d.procedure_name = " ".to_owned()),
        ("ChuHoSo", |d| d.applicant_name = String::new()),
        ("TrangThaiHoSo", |d| d.status = String::new()),
        ("TrangThaiHoSo", |d| d.status = "0".to_owned()),
        ("TrangThaiHoSo", |d| d.status = "11".to_owned()),
        ("TrangThaiHoSo", |d| d.status = "04".to_owned()),
        ("TrangThaiHoSo", |d| d.status = "Đang xử lý".to_owned()),
        ("TrichYeuHoSo", |d| d.summary = Some("a".repeat(1001))),
        ("NgayTiepNhan", |d| {
            d.received_at = Some("2026-01-05 08:30:00".to_owned())
        }),
        ("NgayHenTra", |d| {
            d.due_at = Some("20260230170000".to_owned())
        }),
        ("NgayTra", |d| {
            d.returned_at = Some("20260107250000".to_owned())
        }),
        ("NgayKetThucXuLy", |d| {
            d.processing_ended_at = Some("2026010616".to_owned())
        }),
        ("NgayTuChoi", |d| d.refused_at = Some("x".to_owned())),
        ("NgayNopHoSo", |d| {
            d.submitted_at = Some("20261305080000".to_owned())
        }),
        ("NgayBoSung", |d| {
            d.supplements = vec![HoSoBoSung {
                requested_at: "05/01/2026".to_owned(),
                ..supplement()
            }]
        }),
        ("NgayHenTraTruoc", |d| {
            d.supplements = vec![HoSoBoSung {
                previous_due_at: "2026".to_owned(),
                ..supplement()
            }]
        }),
        ("NgayHenTraMoi", |d| {
            d.supplements = vec![HoSoBoSung {
                new_due_at: Some("20260132170000".to_owned()),
                ..supplement()
            }]
        }),
    ];
    for (field, break_it) in breakages {
        let mut record = dossier(A, NationalStatus::Received);
        break_it(&mut record);
        for result in [
            portal.add_dossiers(std::slice::from_ref(&record)).await,
            portal.update_dossiers(std::slice::from_ref(&record)).await,
        ] {
            let (code, message) = refused(result);
            assert_eq!(code, codes::INVALID, "{field}: {message}");
            assert!(message.contains(field), "{field}: {message}");
        }
    }
    assert_eq!(sim.count(), 0);
    assert_eq!(sim.refusals().len(), breakages.len() * 2);
    assert!(sim.refusals().iter().all(|r| r.code == codes::INVALID));
}

fn supplement() -> HoSoBoSung {
    HoSoBoSung {
        requested_by: "Trần Thị Cán Bộ".to_owned(),
        request: "Bổ sung giấy chứng sinh".to_owned(),
        requested_at: "20260105100000".to_owned(),
        received_at: None,
        previous_due_at: "20260107170000".to_owned(),
        new_due_at: None,
        papers: Vec::new(),
    }
}

#[tokio::test]
async fn limits_are_counted_in_characters_and_empty_dates_are_absent() {
    let (sim, portal) = setup().await;
    let mut record = dossier(A, NationalStatus::Received);
    // 1000 characters of three bytes each, and a 50-character code.
    record.summary = Some("ệ".repeat(1000));
    record.dossier_code = format!("H29.123-260105-{}", "7".repeat(35));
    record.due_at = Some(String::new());
    record.returned_at = Some(String::new());
    record.supplements = vec![supplement()];
    portal.add_dossiers(&[record.clone()]).await.expect("add");
    assert!(sim.dossier(&record.dossier_code).is_some());
}

/// One way to break a valid history line: what the refusal must name, its code, the change.
type LineBreakage = (&'static str, &'static str, fn(&mut QuaTrinhXuLy));

#[tokio::test]
async fn each_history_rule_refuses_the_line() {
    let (sim, portal) = setup().await;
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect("add");
    let cases: &[LineBreakage] = &[
        ("MaHoSo", codes::INVALID, |l| l.dossier_code = String::new()),
        ("NguoiXuLy", codes::INVALID, |l| l.official = String::new()),
        ("NguoiXuLy", codes::INVALID, |l| l.official = "A".repeat(51)),
        ("ThoiDiemXuLy", codes::INVALID, |l| {
            l.done_at = String::new()
        }),
        ("ThoiDiemXuLy", codes::INVALID, |l| {
            l.done_at = "20260105083099".to_owned()
        }),
        ("TrangThai", codes::INVALID, |l| l.status = "11".to_owned()),
        ("NgayBatDau", codes::INVALID, |l| {
            l.started_at = Some("hôm qua".to_owned())
        }),
        ("NgayKetThucTheoQuyDinh", codes::INVALID, |l| {
            l.due_at = Some("20260229000000".to_owned())
        }),
        ("H29.123-260105-0404", codes::NOT_FOUND, |l| {
            l.dossier_code = "H29.123-260105-0404".to_owned()
        }),
    ];
    for (needle, expected, break_it) in cases {
        let mut history_line = line(A, NationalStatus::Received, "20260105083000");
        break_it(&mut history_line);
        let (code, message) = refused(portal.add_history(&[history_line]).await);
        assert_eq!(code, *expected, "{needle}: {message}");
        assert!(message.contains(needle), "{needle}: {message}");
    }
    assert!(sim.dossier(A).expect("held").history.is_empty());
    assert!(
        sim.refusals()
            .iter()
            .all(|r| r.endpoint == Endpoint::History)
    );
    // Empty optional dates are absent, as the public code sends them.
    let mut ok = line(A, NationalStatus::Received, "20260105083000");
    ok.started_at = Some(String::new());
    ok.due_at = Some(String::new());
    portal.add_history(&[ok]).await.expect("history");
}

#[tokio::test]
async fn a_wrong_or_missing_credential_is_unauthorized_and_not_permanent() {
    let sim = simulator::start().await.expect("simulator");
    for auth in [
        PortalAuth::None,
        PortalAuth::Bearer("not-the-token".to_owned()),
        PortalAuth::ApiKey {
            header: "X-API-Key".to_owned(),
            key: "not-the-token".to_owned(),
        },
    ] {
        let portal = DvcqgClient::new(sim.config().with_auth(auth)).expect("adapter");
        let error = portal
            .add_dossiers(&[dossier(A, NationalStatus::Received)])
            .await
            .expect_err("refused");
        assert!(matches!(error, PortalError::Unauthorized(_)), "{error:?}");
        assert!(!error.is_permanent());
    }
    assert_eq!(sim.count(), 0);
    assert_eq!(sim.requests().unauthorized, 3);
    assert!(sim.refusals().is_empty());

    // The right token in the API-key header is accepted too.
    let token = sim.token().expect("token").to_owned();
    let portal = DvcqgClient::new(sim.config().with_auth(PortalAuth::ApiKey {
        header: "x-api-key".to_owned(),
        key: token,
    }))
    .expect("adapter");
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect("add with the key");
    assert_eq!(sim.count(), 1);
}

#[tokio::test]
async fn a_simulator_without_a_token_lets_everything_in() {
    let sim = simulator::start_with(SimulatorConfig {
        token: None,
        ..SimulatorConfig::default()
    })
    .await
    .expect("simulator");
    assert_eq!(sim.config().auth, PortalAuth::None);
    let portal = DvcqgClient::new(sim.config()).expect("adapter");
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect("add");
    assert_eq!(sim.count(), 1);
}

#[tokio::test]
async fn an_outage_is_a_transport_error_to_retry() {
    let (sim, portal) = setup().await;
    sim.set_outage(true);
    let batch = [dossier(A, NationalStatus::Received)];
    for error in [
        portal.add_dossiers(&batch).await.expect_err("outage"),
        portal.update_dossiers(&batch).await.expect_err("outage"),
        portal
            .add_history(&[line(A, NationalStatus::Received, "20260105083000")])
            .await
            .expect_err("outage"),
    ] {
        assert!(
            matches!(error, PortalError::Transport(ref m) if m.contains("503")),
            "{error:?}"
        );
        assert!(!error.is_permanent());
    }
    assert_eq!(sim.count(), 0);
    assert_eq!(sim.requests().unavailable, 3);
    sim.set_outage(false);
    portal.add_dossiers(&batch).await.expect("after the outage");
    assert_eq!(sim.count(), 1);
}

#[tokio::test]
async fn every_nth_request_fails_before_anything_is_applied() {
    let (sim, portal) = setup().await;
    sim.fail_every(2);
    portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect("first passes");
    let update = [dossier(A, NationalStatus::InProcessing)];
    let error = portal
        .update_dossiers(&update)
        .await
        .expect_err("second fails");
    assert!(
        matches!(error, PortalError::Transport(ref m) if m.contains("500")),
        "{error:?}"
    );
    assert!(!error.is_permanent());
    assert_eq!(sim.dossier(A).expect("held").updates, 0);
    // The retry is the third request and passes.
    portal.update_dossiers(&update).await.expect("retry passes");
    assert_eq!(
        sim.dossier(A).expect("held").status,
        NationalStatus::InProcessing
    );
    // Fourth fails again; then failures are turned off.
    portal
        .add_history(&[line(A, NationalStatus::InProcessing, "20260105090000")])
        .await
        .expect_err("fourth fails");
    sim.fail_every(0);
    for _ in 0..3 {
        portal
            .add_history(&[line(A, NationalStatus::InProcessing, "20260105090000")])
            .await
            .expect("no more failures");
    }
    let requests = sim.requests();
    assert_eq!(requests.failed, 2);
    assert_eq!(requests.accepted, 5);
    assert_eq!(requests.total(), 7);
    assert_eq!(sim.dossier(A).expect("held").history.len(), 3);
}

#[tokio::test]
async fn an_unreachable_portal_is_a_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let portal = DvcqgClient::new(DvcqgConfig::new(format!("http://{address}"))).expect("adapter");
    let error = portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect_err("nobody listens");
    assert!(matches!(error, PortalError::Transport(_)), "{error:?}");
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn a_wrong_path_is_a_protocol_error() {
    let (sim, _) = setup().await;
    let mut config = sim.config();
    config.add_path = "/HoSo/KhongCo".to_owned();
    let portal = DvcqgClient::new(config).expect("adapter");
    let error = portal
        .add_dossiers(&[dossier(A, NationalStatus::Received)])
        .await
        .expect_err("404");
    assert!(
        matches!(error, PortalError::Protocol(ref m) if m.contains("404")),
        "{error:?}"
    );
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn empty_batches_send_nothing() {
    let (sim, portal) = setup().await;
    portal.add_dossiers(&[]).await.expect("empty add");
    portal.update_dossiers(&[]).await.expect("empty update");
    portal.add_history(&[]).await.expect("empty history");
    assert_eq!(sim.requests().total(), 0);
}

/// Bodies the adapter never sends, posted by hand: the simulator answers them in the
/// portal's envelope with HTTP 200.
#[tokio::test]
async fn malformed_bodies_are_refused_in_the_envelope() {
    let sim = simulator::start().await.expect("simulator");
    let config = sim.config();
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let token = sim.token().expect("token").to_owned();
    let post = |path: String, body: &'static str| {
        let request = client
            .post(format!("{}{path}", sim.base_url()))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body);
        async move {
            let response = request.send().await.expect("sent");
            let status = response.status().as_u16();
            let body = response.bytes().await.expect("body");
            let reply: serde_json::Value = serde_json::from_slice(&body).expect("JSON reply");
            (status, reply)
        }
    };
    let cases: &[(&str, &str, &str)] = &[
        ("add", "{not json", codes::MALFORMED),
        ("add", r#"{"MaHoSo":"H29-260105-0001"}"#, codes::MALFORMED),
        ("add", "[]", codes::MALFORMED),
        ("add", "[1]", codes::MALFORMED),
        (
            "add",
            r#"[{"MaTTHC":"1.001234","TenTTHC":"T","ChuHoSo":"C","TrangThaiHoSo":"2"}]"#,
            codes::INVALID,
        ),
        (
            "add",
            r#"[{"MaHoSo":"H29-260105-0001","MaTTHC":"1.001234","TenTTHC":"T","ChuHoSo":"C","TrangThaiHoSo":2}]"#,
            codes::MALFORMED,
        ),
        (
            "add",
            r#"[{"MaHoSo":"H29-260105-0001","MaTTHC":"1.001234","TenTTHC":"T","ChuHoSo":"C","TrangThaiHoSo":"2","TaiLieuNop":"none"}]"#,
            codes::MALFORMED,
        ),
        (
            "update",
            r#"[{"MaHoSo":"H29-260105-0001","MaTTHC":null,"TenTTHC":"T","ChuHoSo":"C","TrangThaiHoSo":"2"}]"#,
            codes::INVALID,
        ),
        (
            "history",
            r#"[{"MaHoSo":"H29-260105-0001"}]"#,
            codes::INVALID,
        ),
    ];
    for (call, body, expected) in cases {
        let path = match *call {
            "add" => config.add_path.clone(),
            "update" => config.update_path.clone(),
            _ => config.history_path.clone(),
        };
        let (status, reply) = post(path, body).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(reply["error_code"], *expected, "{body}: {reply}");
        assert!(
            reply["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{reply}"
        );
    }
    // A well-formed record with unknown extra fields is taken (the portal ignores them).
    let (status, reply) = post(
        config.add_path.clone(),
        r#"[{"MaHoSo":"H29-260105-0001","MaTTHC":"1.001234","TenTTHC":"T","ChuHoSo":"C","TrangThaiHoSo":"2","TruongKhac":"x"}]"#,
    )
    .await;
    assert_eq!(
        (status, reply["error_code"].as_str()),
        (200, Some("0")),
        "{reply}"
    );
    assert!(
        reply["message"]
            .as_str()
            .is_some_and(|m| m.contains("thành công"))
    );
    assert_eq!(sim.count(), 1);
    assert_eq!(sim.refusals().len(), cases.len());
}

#[tokio::test]
async fn the_simulator_refuses_paths_it_cannot_route() {
    for config in [
        SimulatorConfig {
            add_path: "HoSo".to_owned(),
            ..SimulatorConfig::default()
        },
        SimulatorConfig {
            update_path: SimulatorConfig::default().add_path,
            ..SimulatorConfig::default()
        },
        SimulatorConfig {
            history_path: "/HoSo/{id}".to_owned(),
            ..SimulatorConfig::default()
        },
    ] {
        assert!(simulator::start_with(config).await.is_err());
    }
}

#[test]
fn debug_output_shows_no_token() {
    let config = SimulatorConfig::default();
    let text = format!("{config:?}");
    assert!(!text.contains(simulator::DEFAULT_TOKEN), "{text}");
}
