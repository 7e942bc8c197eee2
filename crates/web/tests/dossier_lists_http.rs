//! Lists of dossiers over HTTP on both databases: the queue page pages with "Trang sau",
//! shows a total on every tab and filters without JavaScript (refusals beside their fields);
//! `GET /api/v1/dossiers` pages by cursor through `Link`, counts in `X-Total-Count`, answers 304
//! to a poller whose ETag still holds, lists changes since an instant, and refuses strangers.

#[macro_use]
mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::collections::HashSet;
use support::{Client, Web};

both!(the_queue_page_and_the_api_page_filter_and_count);

const DOSSIERS: usize = 7;

async fn the_queue_page_and_the_api_page_filter_and_count(w: Web) -> Web {
    for _ in 0..DOSSIERS {
        w.f.submit().await;
    }
    let desk = w.official_session("tiepnhan.ninhkieu").await;
    let token = w.official("tiepnhan.ninhkieu").await;

    // The page: three per page is not a page size the page offers, so page with the API first.
    let mut seen = HashSet::new();
    let mut path = "/api/v1/dossiers?queue=receive&limit=3".to_owned();
    let mut pages = 0;
    loop {
        let reply = w.get(&path, &token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        assert_eq!(
            reply
                .headers
                .get("x-total-count")
                .and_then(|v| v.to_str().ok()),
            Some(DOSSIERS.to_string().as_str())
        );
        for item in reply.json().as_array().expect("array") {
            assert!(seen.insert(item["id"].as_i64().expect("id")), "no repeats");
        }
        pages += 1;
        let link = reply
            .headers
            .get(header::LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match link {
            Some(link) => {
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                path = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .expect("target")
                    .to_owned();
                assert!(
                    path.contains("queue=receive") && path.contains("limit=3"),
                    "{path}"
                );
            }
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (DOSSIERS, DOSSIERS.div_ceil(3)));

    // A poller asks again with the ETag: 304 while nothing changed, 200 once something did.
    let reply = w.get("/api/v1/dossiers?queue=receive", &token).await;
    let etag = reply
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let conditional = |etag: &str| {
        let Client::Bearer(token) = &token else {
            panic!("bearer")
        };
        Request::get("/api/v1/dossiers?queue=receive")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .expect("request")
    };
    let reply = w.request(conditional(&etag)).await;
    assert_eq!(reply.status, StatusCode::NOT_MODIFIED);
    assert!(reply.bytes.is_empty());
    w.f.submit().await;
    let reply = w.request(conditional(&etag)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json().as_array().map(Vec::len), Some(DOSSIERS + 1));

    // Changes since an instant, and the refusals of what cannot be understood.
    let reply = w
        .get(
            "/api/v1/dossiers?updated_since=2026-12-07T00:00:00%2B07:00&limit=200",
            &token,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json().as_array().map(Vec::len), Some(DOSSIERS + 1));
    for (query, field) in [
        ("updated_since=yesterday", "updated_since"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("cursor=nonsense", "cursor"),
        ("overdue=maybe", "overdue"),
        ("queue=receive&from=07-12-2026", "from"),
    ] {
        let reply = w.get(&format!("/api/v1/dossiers?{query}"), &token).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(
            reply.json()["error"]["fields"][0]["field"],
            field,
            "{query}"
        );
        assert!(!reply.message().is_empty());
    }
    // Strangers: the public, a citizen, an official of another commune sees none of these.
    let reply = w
        .get("/api/v1/dossiers?queue=receive", &Client::Anonymous)
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let citizen = w.citizen(motcua_app::test_support::CITIZEN).await;
    let reply = w.get("/api/v1/dossiers?queue=receive", &citizen).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let elsewhere = w.official("tiepnhan.trunghung").await;
    let reply = w.get("/api/v1/dossiers?queue=receive", &elsewhere).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json().as_array().map(Vec::len), Some(0));
    assert_eq!(
        reply
            .headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok()),
        Some("0")
    );

    // The page: totals on the tabs, the next page, a filter typed without marks.
    let page = w.get("/staff/dossiers?queue=receive", &desk).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(
        text.contains(&format!("id=\"total-receive\">{}</span>", DOSSIERS + 1)),
        "{text}"
    );
    assert!(text.contains("id=\"total-unit\">0</span>"));
    let name =
        w.f.row(*seen.iter().next().expect("one"))
            .await
            .applicant_name;
    let unmarked = motcua_domain::text::fold(&name);
    let page = w
        .get(
            &format!(
                "/staff/dossiers?queue=receive&q={}",
                unmarked.replace(' ', "+")
            ),
            &desk,
        )
        .await
        .text();
    assert!(
        page.contains(&format!("<strong>{}</strong>", DOSSIERS + 1)),
        "{page}"
    );
    let page = w
        .get("/staff/dossiers?queue=receive&q=khong+co+ai", &desk)
        .await
        .text();
    assert!(page.contains("<strong>0</strong>"));
    let reply = w
        .get(
            "/staff/dossiers?queue=receive&from=2026-12-09&to=2026-12-08",
            &desk,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply
            .text()
            .contains("Ngày kết thúc phải sau ngày bắt đầu.")
    );
    w
}
