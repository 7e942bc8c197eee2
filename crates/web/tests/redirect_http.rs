//! Redirects to a caller-supplied target (`/lang/{code}?back=…`, `/oidc/start?next=…`) stay on
//! this site, and a line break in the target is a 400 with a clear message, not a 500.

#[macro_use]
mod support;

use axum::http::{StatusCode, header};
use support::{Client, Web};

both!(
    the_language_switch_only_returns_to_local_paths,
    a_line_break_in_a_return_path_is_a_bad_request,
);

async fn location(h: &Web, uri: &str) -> (StatusCode, String) {
    let reply = h.get(uri, &Client::Anonymous).await;
    let location = reply
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (reply.status, location)
}

async fn the_language_switch_only_returns_to_local_paths(h: Web) -> Web {
    for (back, expected) in [
        ("/signin", "/signin"),
        (
            "/procedures%3Fq%3Dkhai%2520sinh",
            "/procedures?q=khai%20sinh",
        ),
        ("/th%E1%BB%A7", "/th%E1%BB%A7"),
        // Browsers drop the tab and land on another host: the finding of issue 13.
        ("/%09/other.host/x", "/"),
        ("%09//other.host", "/"),
        ("//other.host", "/"),
        ("/%5Cother.host", "/"),
        ("%2F%5Cother.host", "/"),
        ("/%255C/other.host", "/"),
        ("https://other.host/", "/"),
        ("https:other.host", "/"),
        ("%20//other.host", "/"),
        ("/%00", "/"),
    ] {
        let (status, to) = location(&h, &format!("/lang/en?back={back}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{back}");
        assert_eq!(to, expected, "{back}");
    }
    let (_, to) = location(&h, "/lang/vi").await;
    assert_eq!(to, "/");
    h
}

async fn a_line_break_in_a_return_path_is_a_bad_request(h: Web) -> Web {
    for uri in [
        "/lang/en?back=/x%0D%0ASet-Cookie:%20a=b",
        "/lang/vi?back=/%0A",
        "/lang/vi?back=%0D",
        "/oidc/start?next=/account%0D%0ALocation:%20https://other.host",
    ] {
        let reply = h.get(uri, &Client::Anonymous).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.headers.get(header::LOCATION).is_none(), "{uri}");
        assert!(
            reply.text().contains("xuống dòng"),
            "{uri}: {}",
            reply.text()
        );
    }
    h
}
