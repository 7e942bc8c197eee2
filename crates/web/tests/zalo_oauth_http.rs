//! The first authorisation of the Zalo Official Account ("Kết nối Zalo OA", OAuth v4 with PKCE)
//! over HTTP on both databases, against the Zalo simulator started by each test: the whole
//! flow stores a token pair that then sends a message; a forged or missing state, a refusal on
//! Zalo's page, a reused code and an expired state are refused with nothing stored; only an
//! administrator of the whole tree may start or finish it; without a configured OA the page
//! says so.

#[allow(unused_macros)]
#[macro_use]
mod support;

use motcua_app::notify::{Channels, ZaloNotifier};
use motcua_app::zalo_auth::CALLBACK_PATH;
use motcua_channels::simulator::zalo::{SentKind, ZaloSimConfig, ZaloSimHandle, ZaloSimulator};
use motcua_channels::zalo::ZaloOa;
use motcua_store::notifications::ChannelTokensRow;
use std::sync::Arc;
use support::{Client, Web};

macro_rules! with_sim {
    ($($name:ident),* $(,)?) => {
        mod zalo_sqlite { $( #[tokio::test] async fn $name() { super::with_zalo(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod zalo_postgres { $( #[tokio::test] async fn $name() { super::with_zalo(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

with_sim!(
    the_whole_flow_stores_a_pair_that_sends_a_message,
    a_forged_or_missing_state_is_refused_and_nothing_is_stored,
    a_refusal_on_zalos_page_stores_nothing,
    a_reused_code_and_a_replayed_callback_are_refused,
    an_expired_state_is_refused,
    only_administrators_of_the_whole_tree_connect_the_oa,
);

both!(without_an_oa_the_page_says_zalo_is_not_configured);

const APP_ID: &str = "zalo-app-cantho";
const TEMPLATE: &str = "motcua-thong-bao-ho-so";
const ADMIN: &str = "admin";

/// Runs `test` with the app's Zalo adapter pointed at a fresh simulator, the tokens in the
/// database, and no tokens yet.
async fn with_zalo<F, Fut>(backend: motcua_store::Backend, test: F)
where
    F: FnOnce(Web, ZaloSimHandle) -> Fut,
    Fut: std::future::Future<Output = (Web, ZaloSimHandle)>,
{
    let sim = ZaloSimulator::start(ZaloSimConfig::new(
        APP_ID,
        "bi-mat-ung-dung",
        "bi-mat-cua-oa",
    ))
    .await
    .expect("Zalo simulator");
    // The production template's parameters: a test message names itself as the dossier code.
    sim.add_zns_template(TEMPLATE, &["ma_ho_so", "noi_dung"]);
    let config = sim.adapter_config();
    support::run_with(
        backend,
        move |state| {
            let tokens = state.app.zalo_token_store();
            let oa = Arc::new(ZaloOa::new(config.clone(), tokens).expect("adapter"));
            state.app = state.app.clone().with_zalo_webhook(config).with_zalo_oa(oa);
        },
        |w| async move {
            let (w, sim) = test(w, sim).await;
            drop(sim);
            w
        },
    )
    .await;
}

async fn stored(w: &Web) -> Option<ChannelTokensRow> {
    w.f.db
        .store
        .channel_tokens("zalo")
        .await
        .expect("channel tokens")
}

/// Presses "Kết nối Zalo OA": the permission URL the app redirects to.
async fn connect(w: &Web, admin: &Client, sim: &ZaloSimHandle) -> String {
    let reply = w.get("/admin/notifications/zalo/connect", admin).await;
    assert_eq!(reply.status, 303, "{}", reply.text());
    let url = reply.location();
    assert!(
        url.starts_with(&format!("{}?app_id={APP_ID}&", sim.permission_url())),
        "{url}"
    );
    url
}

/// Where Zalo sends the browser back to, as a path of this server.
fn local(w: &Web, location: &str) -> String {
    let redirect_uri = w.f.app.zalo_redirect_uri();
    let rest = location
        .strip_prefix(&redirect_uri)
        .unwrap_or_else(|| panic!("{location} is not {redirect_uri}"));
    format!("{CALLBACK_PATH}{rest}")
}

/// The callback path with one query parameter replaced (or removed with `None`).
fn with_param(path: &str, key: &str, value: Option<&str>) -> String {
    let (base, query) = path.split_once('?').expect("a query");
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .filter(|(k, _)| k != key)
        .collect();
    if let Some(value) = value {
        pairs.push((key.to_owned(), value.to_owned()));
    }
    let query = pairs
        .iter()
        .fold(
            form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(k, v);
                s
            },
        )
        .finish();
    format!("{base}?{query}")
}

/// Finishes at the callback and returns the outcome code the page is sent to show.
async fn finish(w: &Web, admin: &Client, path: &str) -> String {
    let reply = w.get(path, admin).await;
    assert_eq!(reply.status, 303, "{}", reply.text());
    let location = reply.location();
    location
        .strip_prefix("/admin/notifications?zalo=")
        .and_then(|rest| rest.strip_suffix("#zalo"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned()
}

async fn the_whole_flow_stores_a_pair_that_sends_a_message(
    w: Web,
    sim: ZaloSimHandle,
) -> (Web, ZaloSimHandle) {
    let admin = w.official_session(ADMIN).await;
    let page = w.get("/admin/notifications", &admin).await.text();
    assert!(
        page.contains("id=\"zalo-connect\"") && page.contains("Chưa kết nối"),
        "{page}"
    );
    let url = connect(&w, &admin, &sim).await;
    let query: Vec<(String, String)> = form_urlencoded::parse(
        url.split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
            .as_bytes(),
    )
    .into_owned()
    .collect();
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(param("redirect_uri"), w.f.app.zalo_redirect_uri());
    assert_eq!(param("code_challenge").len(), 43);
    assert!(param("state").len() >= 43, "a random state: {url}");
    assert_eq!(
        w.f.db
            .store
            .pending_channel_authorisations("zalo")
            .await
            .expect("pending"),
        1
    );

    // The admin allows the app on Zalo's page and is sent back with the code.
    let back = sim.decide(&url, true).await.expect("permission page");
    let path = local(&w, &back);
    assert!(path.contains(&format!("oa_id={}", sim.oa_id())), "{path}");
    assert_eq!(finish(&w, &admin, &path).await, "ok");
    let tokens = stored(&w).await.expect("a token pair");
    assert!(!tokens.access_token.is_empty() && !tokens.refresh_token.is_empty());
    assert!(tokens.access_expires_at > 0);
    assert_eq!(sim.code_exchange_count(), 1);
    assert_eq!(
        w.f.db
            .store
            .pending_channel_authorisations("zalo")
            .await
            .expect("pending"),
        0,
        "the state is spent"
    );

    // The page says so, with the access token's expiry.
    let page = w.get("/admin/notifications?zalo=ok", &admin).await.text();
    assert!(page.contains("Đã kết nối Zalo OA"), "{page}");
    assert!(page.contains("Access token hết hạn lúc"), "{page}");

    // Audited, without any token.
    let audit =
        w.f.db
            .store
            .list_audit(Some("zalo.authorised"), 10, None)
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    assert!(audit[0].detail.contains(sim.oa_id()), "{}", audit[0].detail);
    for secret in [&tokens.access_token, &tokens.refresh_token] {
        assert!(!audit[0].detail.contains(secret.as_str()));
    }

    // The pair sends a message through the outbox, as another node would (same database).
    let oa =
        Arc::new(ZaloOa::new(sim.adapter_config(), w.f.app.zalo_token_store()).expect("adapter"));
    let mut channels = Channels::log_only();
    channels.zalo = Arc::new(ZaloNotifier {
        oa,
        template_id: TEMPLATE.to_owned(),
    });
    let actor = w.f.official(ADMIN).await;
    let id =
        w.f.app
            .send_test_message(&actor, "zalo", "0912 345 678")
            .await
            .expect("queued");
    let delivered = w.f.app.deliver_outbox(&channels).await.expect("delivery");
    let row = w.f.db.store.delivery(id).await.expect("row");
    assert_eq!(delivered, 1, "{row:?}");
    let sent = sim.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].kind, SentKind::Zns);
    assert_eq!(sent[0].to, "84912345678");
    assert_eq!(
        sent[0]
            .template_data
            .as_ref()
            .map(|d| d["ma_ho_so"].clone()),
        Some(motcua_app::notifications::TEST_MESSAGE_CODE.into())
    );
    assert_eq!(sim.refresh_count(), 0, "the granted access token was used");
    (w, sim)
}

async fn a_forged_or_missing_state_is_refused_and_nothing_is_stored(
    w: Web,
    sim: ZaloSimHandle,
) -> (Web, ZaloSimHandle) {
    let admin = w.official_session(ADMIN).await;
    let url = connect(&w, &admin, &sim).await;
    let path = local(&w, &sim.decide(&url, true).await.expect("permission page"));
    let forged = with_param(&path, "state", Some("trang-thai-gia-mao"));
    assert_eq!(finish(&w, &admin, &forged).await, "error-zalo-state");
    let missing = with_param(&path, "state", None);
    assert_eq!(finish(&w, &admin, &missing).await, "error-zalo-state");
    assert_eq!(stored(&w).await, None);
    assert_eq!(
        sim.code_exchange_count() + sim.refused_code_exchange_count(),
        0
    );
    let page = w
        .get("/admin/notifications?zalo=error-zalo-state", &admin)
        .await
        .text();
    assert!(page.contains("Yêu cầu kết nối Zalo không hợp lệ"), "{page}");
    // Words the query invents are not shown.
    let page = w
        .get("/admin/notifications?zalo=%3Cb%3Etin-gia%3C%2Fb%3E", &admin)
        .await
        .text();
    assert!(!page.contains("tin-gia") && !page.contains("id=\"zalo-outcome\""));
    (w, sim)
}

async fn a_refusal_on_zalos_page_stores_nothing(
    w: Web,
    sim: ZaloSimHandle,
) -> (Web, ZaloSimHandle) {
    let admin = w.official_session(ADMIN).await;
    let url = connect(&w, &admin, &sim).await;
    let back = sim.decide(&url, false).await.expect("permission page");
    let path = local(&w, &back);
    assert!(path.contains("error=access_denied"), "{path}");
    assert_eq!(finish(&w, &admin, &path).await, "error-zalo-denied");
    assert_eq!(stored(&w).await, None);
    let refused =
        w.f.db
            .store
            .list_audit(Some("zalo.authorise_refused"), 10, None)
            .await
            .expect("audit");
    assert_eq!(refused.len(), 1);
    assert!(refused[0].detail.contains("error-zalo-denied"));
    (w, sim)
}

async fn a_reused_code_and_a_replayed_callback_are_refused(
    w: Web,
    sim: ZaloSimHandle,
) -> (Web, ZaloSimHandle) {
    let admin = w.official_session(ADMIN).await;
    let url = connect(&w, &admin, &sim).await;
    let first = local(&w, &sim.decide(&url, true).await.expect("permission page"));
    assert_eq!(finish(&w, &admin, &first).await, "ok");
    let granted = stored(&w).await.expect("a pair");
    // The same callback again: its state is spent.
    assert_eq!(finish(&w, &admin, &first).await, "error-zalo-state");
    // The old code with a fresh state: Zalo refuses the used code.
    let url = connect(&w, &admin, &sim).await;
    let second = local(&w, &sim.decide(&url, true).await.expect("permission page"));
    let old_code = form_urlencoded::parse(first.split_once('?').expect("query").1.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code");
    let reused = with_param(&second, "code", Some(&old_code));
    assert_eq!(finish(&w, &admin, &reused).await, "error-zalo-refused");
    assert_eq!(sim.refused_code_exchange_count(), 1);
    assert_eq!(stored(&w).await, Some(granted), "the pair is unchanged");
    let page = w
        .get("/admin/notifications?zalo=error-zalo-refused", &admin)
        .await
        .text();
    assert!(page.contains("Zalo từ chối mã ủy quyền"), "{page}");
    (w, sim)
}

async fn an_expired_state_is_refused(w: Web, sim: ZaloSimHandle) -> (Web, ZaloSimHandle) {
    let admin = w.official_session(ADMIN).await;
    let url = connect(&w, &admin, &sim).await;
    let path = local(&w, &sim.decide(&url, true).await.expect("permission page"));
    w.f.advance(time::Duration::minutes(11));
    assert_eq!(finish(&w, &admin, &path).await, "error-zalo-state-expired");
    assert_eq!(stored(&w).await, None);
    assert_eq!(
        sim.code_exchange_count() + sim.refused_code_exchange_count(),
        0
    );
    (w, sim)
}

async fn only_administrators_of_the_whole_tree_connect_the_oa(
    w: Web,
    sim: ZaloSimHandle,
) -> (Web, ZaloSimHandle) {
    let admin = w.official_session(ADMIN).await;
    let ward_admin = w.official_session("quantri.ninhkieu").await;
    let reception = w.official_session("tiepnhan.ninhkieu").await;
    let citizen = w.citizen(motcua_app::test_support::CITIZEN).await;
    for caller in [&ward_admin, &reception, &citizen, &Client::Anonymous] {
        let reply = w.get("/admin/notifications/zalo/connect", caller).await;
        assert!(
            !reply.location().contains(&sim.permission_url()),
            "{} {}",
            reply.status,
            reply.location()
        );
        assert!(
            [401, 403].contains(&reply.status.as_u16()) || reply.location().contains("signin"),
            "{} {}",
            reply.status,
            reply.location()
        );
    }
    assert_eq!(
        w.f.db
            .store
            .pending_channel_authorisations("zalo")
            .await
            .expect("pending"),
        0
    );
    // The ward administrator sees the log but not the Zalo section.
    let page = w.get("/admin/notifications", &ward_admin).await.text();
    assert!(!page.contains("id=\"zalo-connect\""), "{page}");

    // A callback for the administrator's state, in someone else's session, is refused
    // without spending it; the administrator then finishes.
    let url = connect(&w, &admin, &sim).await;
    let path = local(&w, &sim.decide(&url, true).await.expect("permission page"));
    for caller in [&ward_admin, &reception, &citizen] {
        let reply = w.get(&path, caller).await;
        assert!(
            [401, 403].contains(&reply.status.as_u16()) || reply.location().contains("signin"),
            "{} {}",
            reply.status,
            reply.location()
        );
    }
    assert_eq!(stored(&w).await, None);
    assert_eq!(finish(&w, &admin, &path).await, "ok");
    assert!(stored(&w).await.is_some());
    (w, sim)
}

async fn without_an_oa_the_page_says_zalo_is_not_configured(w: Web) -> Web {
    let admin = w.official_session(ADMIN).await;
    let reply = w.get("/admin/notifications/zalo/connect", &admin).await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.location(),
        "/admin/notifications?zalo=error-zalo-not-configured#zalo"
    );
    let page = w
        .get(
            "/admin/notifications?zalo=error-zalo-not-configured",
            &admin,
        )
        .await
        .text();
    assert!(
        page.contains("chưa cấu hình Zalo Official Account nên chưa thể kết nối"),
        "{page}"
    );
    assert!(!page.contains("id=\"zalo-connect\""), "{page}");
    assert_eq!(
        w.f.db
            .store
            .pending_channel_authorisations("zalo")
            .await
            .expect("pending"),
        0
    );
    w
}
