//! Báo cáo over HTTP on both databases (issue 19): the leader's dashboard with its charts drawn
//! on the server, the exports, the dossiers behind a number, and the public transparency page
//! without sign-in (figures only, never an applicant's name).

#[allow(unused_macros)]
#[macro_use]
mod support;

use motcua_domain::dossier::ReturnMethod;
use support::{Client, Web};

both!(
    the_leader_reads_the_dashboard_drills_down_and_exports,
    the_public_sees_figures_and_no_names,
);

async fn the_leader_reads_the_dashboard_drills_down_and_exports(w: Web) -> Web {
    let row = w.f.returned(ReturnMethod::Counter).await;
    let code = row.code.clone().expect("code");
    let leader = w.official_session("chutich.ninhkieu").await;
    let period = "period=month&year=2026&number=12";
    let page = w.get(&format!("/staff/reports?{period}"), &leader).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("<svg"), "charts are drawn on the server");
    assert!(html.contains("id=\"t-received\""));
    assert!(html.contains("Tháng 12/2026"), "{html}");
    assert!(html.contains("Bộ chỉ số 766"));
    assert!(
        html.contains("<dd id=\"t-in-time\">100,0 %</dd>"),
        "one dossier, on time: {html}"
    );
    // The number links to the dossiers behind it.
    let unit = html
        .split("unit=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("a link keeps the unit")
        .to_owned();
    let list = w
        .get(
            &format!("/staff/reports/dossiers?unit={unit}&{period}&measure=received"),
            &leader,
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text());
    assert!(list.text().contains(&code), "{}", list.text());
    // Exports: XLSX and CSV of a breakdown.
    let xlsx = w
        .get(
            &format!("/staff/reports/export?unit={unit}&{period}&by=unit&format=xlsx"),
            &leader,
        )
        .await;
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.bytes.starts_with(b"PK"));
    assert!(
        xlsx.headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(".xlsx"))
    );
    let csv = w
        .get(
            &format!("/staff/reports/export?unit={unit}&{period}&by=procedure&format=csv"),
            &leader,
        )
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.text().contains("1.001193"), "{}", csv.text());
    // The periodic report of results by sector, printable.
    let pdf = w
        .get(
            &format!("/staff/reports/report.pdf?unit={unit}&{period}"),
            &leader,
        )
        .await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let text = motcua_app::test_support::pdf::text("bao-cao.pdf", &pdf.bytes);
    assert!(text.contains("BÁO CÁO TÌNH HÌNH"), "{text}");
    assert!(text.contains("Hộ tịch"), "the sector's line: {text}");
    assert!(text.contains("Tổng cộng"), "{text}");
    // Bad input is named, not a crash.
    let bad = w
        .get("/staff/reports?period=month&year=2026&number=13", &leader)
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert!(
        bad.text().contains("Kỳ báo cáo không hợp lệ"),
        "{}",
        bad.text()
    );
    let bad = w
        .get(
            &format!("/staff/reports/export?unit={unit}&by=nope"),
            &leader,
        )
        .await;
    assert_eq!(bad.status, 422);
    // Reception has no report view; the ward administrator no dossier list.
    let reception = w.official_session("tiepnhan.ninhkieu").await;
    let refused = w.get("/staff/reports", &reception).await;
    assert_eq!(refused.status, 403);
    let admin = w.official_session("quantri.ninhkieu").await;
    assert_eq!(w.get("/staff/reports", &admin).await.status, 200);
    let refused = w
        .get(
            &format!("/staff/reports/dossiers?unit={unit}&measure=received"),
            &admin,
        )
        .await;
    assert_eq!(refused.status, 403);
    w
}

async fn the_public_sees_figures_and_no_names(w: Web) -> Web {
    let row = w.f.returned(ReturnMethod::Counter).await;
    let page = w
        .get("/minh-bach?period=year&year=2026", &Client::Anonymous)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Công khai kết quả"));
    assert!(html.contains("<svg"));
    assert!(html.contains("Bộ chỉ số 766"));
    assert!(
        !html.contains(&row.applicant_name),
        "no names on the public page"
    );
    assert!(!html.contains(row.code.as_deref().expect("code")));
    // In English too.
    let page = w
        .get(
            "/minh-bach?period=year&year=2026&lang=en",
            &Client::Anonymous,
        )
        .await;
    assert_eq!(page.status, 200);
    w
}
