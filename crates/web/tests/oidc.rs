//! OpenID Connect sign-in end to end, with the real protocol: a local provider SIMULATOR (an
//! axum server on 127.0.0.1 serving discovery, JWKS, /authorize and /token, issuing RS256 ID
//! tokens signed with a test-only key) and the real router, whose HTTP adapter talks to the
//! simulator over TCP. Every test runs on SQLite and on PostgreSQL.

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use data_encoding::BASE64;
use http_body_util::BodyExt;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use motcua_app::oidc::http::{HttpIdentityProvider, HttpProviderConfig};
use motcua_app::oidc::{OidcSettings, pkce_challenge};
use motcua_app::{App, AppSettings};
use motcua_store::test_support::TestDatabase;
use motcua_store::{Backend, Store, StoreError};
use motcua_web::routes;
use motcua_web::{AppState, WebConfig};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// One test per backend from `async fn(Harness)`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { super::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

both!(
    a_first_sign_in_creates_a_verified_citizen_and_signs_in,
    a_second_sign_in_reuses_the_account,
    an_existing_citizen_is_signed_in_with_client_secret_post,
    a_wrong_state_is_refused_and_nothing_is_created,
    a_replayed_state_is_refused,
    a_callback_in_another_browser_is_refused,
    an_expired_state_is_refused,
    a_token_signed_by_another_key_is_refused,
    a_token_for_another_audience_is_refused,
    a_wrong_nonce_is_refused,
    a_missing_personal_id_claim_is_refused,
    an_invalid_personal_id_is_refused,
    a_provider_that_is_down_gives_a_clear_error,
    a_rotated_provider_key_is_fetched_and_accepted,
    a_cancelled_sign_in_is_explained,
    an_official_is_mapped_by_username_and_never_created,
    a_token_with_alg_none_is_refused,
    an_hs256_token_keyed_with_the_public_key_is_refused,
    a_token_from_another_issuer_is_refused,
    an_expired_token_is_refused,
    a_replayed_nonce_is_refused,
    an_unproven_account_is_taken_over_and_its_old_contact_told,
    the_same_person_proves_their_number_and_keeps_the_password,
);

const CLIENT_ID: &str = "motcua-cantho";
const CLIENT_SECRET: &str = "test-secret with spaces&symbols";
const REDIRECT_URI: &str = "http://127.0.0.1:8080/oidc/callback";
const NEW_CITIZEN: &str = "092095123456";
const KEY_A: &str = include_str!("fixtures/oidc-test-only-rsa-a.pem");
const KEY_B: &str = include_str!("fixtures/oidc-test-only-rsa-b.pem");

// ---------------------------------------------------------------------------------------------
// The provider simulator.
// ---------------------------------------------------------------------------------------------

/// How the simulator misbehaves in a test.
#[derive(Clone)]
struct Behaviour {
    /// The personal-id claim: `None` leaves it out.
    personal_id: Option<Value>,
    name: String,
    email: Option<(String, bool)>,
    preferred_username: Option<String>,
    /// Sign with key B while announcing key A's id (a forged token).
    sign_with_other_key: bool,
    audience: Option<String>,
    nonce: Option<String>,
    /// Announce only `client_secret_post` at the token endpoint.
    post_only: bool,
    /// Key rotation: publish key B (id `key-b`) next to key A and sign with it.
    rotated: bool,
    /// Answer /authorize with `error=access_denied` (the person cancelled).
    deny: bool,
    /// An unsigned ID token (`alg: none`).
    alg_none: bool,
    /// HS256 "signed" with the provider's published public key as the HMAC secret.
    hs256_with_public_key: bool,
    /// Another `iss` than the provider's.
    issuer: Option<String>,
    /// `exp` well in the past (beyond the 60 s leeway).
    expired: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            personal_id: Some(json!(NEW_CITIZEN)),
            name: "Lê Thị Thu Hà".into(),
            email: Some(("ha.le@example.vn".into(), true)),
            preferred_username: None,
            sign_with_other_key: false,
            audience: None,
            nonce: None,
            post_only: false,
            rotated: false,
            deny: false,
            alg_none: false,
            hs256_with_public_key: false,
            issuer: None,
            expired: false,
        }
    }
}

/// A code handed out by /authorize, with what it was bound to.
struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Simulator {
    issuer: String,
    /// The nonces of the ID tokens issued so far.
    nonces: Mutex<Vec<String>>,
    key_a: EncodingKey,
    key_b: EncodingKey,
    jwks: JwkSet,
    /// The key set after rotation: key A and key B.
    rotated_jwks: JwkSet,
    grants: Mutex<HashMap<String, Grant>>,
    behaviour: Mutex<Behaviour>,
    token_calls: AtomicUsize,
    /// How the client authenticated at the token endpoint, per call.
    auth_methods: Mutex<Vec<&'static str>>,
}

impl Simulator {
    fn behaviour(&self) -> Behaviour {
        self.behaviour.lock().expect("lock").clone()
    }

    fn set(&self, change: impl FnOnce(&mut Behaviour)) {
        change(&mut self.behaviour.lock().expect("lock"));
    }
}

async fn discovery(State(sim): State<Arc<Simulator>>) -> Json<Value> {
    let methods = if sim.behaviour().post_only {
        json!(["client_secret_post"])
    } else {
        json!(["client_secret_basic", "client_secret_post"])
    };
    Json(json!({
        "issuer": sim.issuer,
        "authorization_endpoint": format!("{}/authorize", sim.issuer),
        "token_endpoint": format!("{}/token", sim.issuer),
        "jwks_uri": format!("{}/jwks", sim.issuer),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": methods,
    }))
}

async fn jwks(State(sim): State<Arc<Simulator>>) -> Json<JwkSet> {
    if sim.behaviour().rotated {
        Json(sim.rotated_jwks.clone())
    } else {
        Json(sim.jwks.clone())
    }
}

/// Plays the user who signs in at the provider: checks the request and sends a code back.
async fn authorize(
    State(sim): State<Arc<Simulator>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code"
        || get("client_id") != CLIENT_ID
        || get("code_challenge_method") != "S256"
        || get("code_challenge").len() != 43
        || get("state").is_empty()
        || get("nonce").is_empty()
        || !get("scope").split(' ').any(|s| s == "openid")
    {
        return (
            StatusCode::BAD_REQUEST,
            format!("bad authorization request {q:?}"),
        )
            .into_response();
    }
    if sim.behaviour().deny {
        let query = serde_urlencoded::to_string([
            ("error", "access_denied".to_owned()),
            ("state", get("state")),
        ])
        .expect("query");
        return Redirect::to(&format!("{}?{query}", get("redirect_uri"))).into_response();
    }
    let code = format!("code-{}", motcua_app::security::random_token());
    sim.grants.lock().expect("lock").insert(
        code.clone(),
        Grant {
            nonce: get("nonce"),
            challenge: get("code_challenge"),
            redirect_uri: get("redirect_uri"),
        },
    );
    let query =
        serde_urlencoded::to_string([("code", code), ("state", get("state"))]).expect("query");
    Redirect::to(&format!("{}?{query}", get("redirect_uri"))).into_response()
}

fn token_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// Checks the client, the code, the redirect URI and the PKCE verifier, then issues tokens.
async fn token(
    State(sim): State<Arc<Simulator>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    sim.token_calls.fetch_add(1, Ordering::SeqCst);
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| BASE64.decode(b.as_bytes()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    let (method, credentials) = match basic {
        Some(pair) => ("client_secret_basic", pair),
        None => (
            "client_secret_post",
            (field("client_id"), field("client_secret")),
        ),
    };
    sim.auth_methods.lock().expect("lock").push(method);
    if credentials != (CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned()) {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if field("grant_type") != "authorization_code" {
        return token_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let Some(grant) = sim.grants.lock().expect("lock").remove(&field("code")) else {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    if grant.redirect_uri != field("redirect_uri")
        || pkce_challenge(&field("code_verifier")) != grant.challenge
    {
        return token_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let b = sim.behaviour();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let nonce = b.nonce.clone().unwrap_or(grant.nonce);
    sim.nonces.lock().expect("lock").push(nonce.clone());
    let (iat, exp) = if b.expired {
        (now - 900, now - 600)
    } else {
        (now, now + 300)
    };
    let mut claims = json!({
        "iss": b.issuer.clone().unwrap_or_else(|| sim.issuer.clone()),
        "sub": "sub-0001",
        "aud": b.audience.clone().unwrap_or_else(|| CLIENT_ID.to_owned()),
        "iat": iat,
        "exp": exp,
        "nonce": nonce,
        "name": b.name,
    });
    if let Some(pid) = b.personal_id {
        claims["personal_id"] = pid;
    }
    if let Some((email, verified)) = b.email {
        claims["email"] = json!(email);
        claims["email_verified"] = json!(verified);
    }
    if let Some(username) = b.preferred_username {
        claims["preferred_username"] = json!(username);
    }
    let mut jwt_header = Header::new(Algorithm::RS256);
    jwt_header.kid = Some(if b.rotated { "key-b" } else { "key-a" }.into());
    let key = if b.sign_with_other_key || b.rotated {
        &sim.key_b
    } else {
        &sim.key_a
    };
    let id_token = if b.alg_none {
        let part = |v: &Value| data_encoding::BASE64URL_NOPAD.encode(v.to_string().as_bytes());
        format!(
            "{}.{}.",
            part(&json!({ "alg": "none", "typ": "JWT", "kid": "key-a" })),
            part(&claims)
        )
    } else if b.hs256_with_public_key {
        // The classic confusion: a verifier that takes `alg` from the token would check this
        // HMAC with the RSA public key it holds, which anyone can read at /jwks.
        let public = serde_json::to_vec(&sim.jwks.keys[0]).expect("public key");
        let mut hs = Header::new(Algorithm::HS256);
        hs.kid = Some("key-a".into());
        jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&public)).expect("sign")
    } else {
        jsonwebtoken::encode(&jwt_header, &claims, key).expect("sign")
    };
    Json(json!({
        "access_token": "at-unused",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

async fn start_simulator() -> Arc<Simulator> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind simulator");
    let issuer = format!("http://{}", listener.local_addr().expect("addr"));
    let key_a = EncodingKey::from_rsa_pem(KEY_A.as_bytes()).expect("key a");
    let key_b = EncodingKey::from_rsa_pem(KEY_B.as_bytes()).expect("key b");
    let mut jwk = Jwk::from_encoding_key(&key_a, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some("key-a".into());
    let mut jwk_b = Jwk::from_encoding_key(&key_b, Algorithm::RS256).expect("jwk");
    jwk_b.common.key_id = Some("key-b".into());
    let sim = Arc::new(Simulator {
        issuer,
        nonces: Mutex::new(Vec::new()),
        key_a,
        key_b,
        jwks: JwkSet {
            keys: vec![jwk.clone()],
        },
        rotated_jwks: JwkSet {
            keys: vec![jwk, jwk_b],
        },
        grants: Mutex::new(HashMap::new()),
        behaviour: Mutex::new(Behaviour::default()),
        token_calls: AtomicUsize::new(0),
        auth_methods: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(sim.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    sim
}

// ---------------------------------------------------------------------------------------------
// The harness: the real router with the HTTP adapter pointed at the simulator.
// ---------------------------------------------------------------------------------------------

struct Harness {
    router: Router,
    store: Store,
    sim: Arc<Simulator>,
    /// Seconds added to the application clock (to let a pending sign-in expire).
    clock_offset: Arc<AtomicI64>,
    /// A browser for the provider's pages; it must not follow redirects so we see them.
    browser: reqwest::Client,
}

fn router_for(
    store: &Store,
    issuer: &str,
    allow_officials: bool,
    clock_offset: Arc<AtomicI64>,
) -> Router {
    let provider = HttpIdentityProvider::new(HttpProviderConfig {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        timeout: Duration::from_secs(5),
    })
    .expect("provider adapter");
    let app = App::new(store.clone(), AppSettings::default())
        .with_clock(Arc::new(move || {
            time::OffsetDateTime::now_utc()
                + time::Duration::seconds(clock_offset.load(Ordering::SeqCst))
        }))
        .with_oidc(
            OidcSettings {
                redirect_uri: REDIRECT_URI.into(),
                allow_officials,
                ..OidcSettings::default()
            },
            Arc::new(provider),
        );
    let state = AppState {
        app,
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    routes::assemble(state).0
}

async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Harness) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    App::new(db.store.clone(), AppSettings::default())
        .load_demo()
        .await
        .expect("demo loads");
    let sim = start_simulator().await;
    let clock_offset = Arc::new(AtomicI64::new(0));
    let router = router_for(&db.store, &sim.issuer, false, clock_offset.clone());
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("browser");
    test(Harness {
        router,
        store: db.store.clone(),
        sim,
        clock_offset,
        browser,
    })
    .await;
    db.cleanup().await;
}

struct Reply {
    status: StatusCode,
    location: String,
    cookies: Vec<String>,
    body: String,
}

impl Reply {
    fn session_cookie(&self) -> Option<String> {
        let name = motcua_web::context::session_cookie_name(true);
        self.cookies
            .iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|rest| rest.split(';').next())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }
}

/// The CSRF cookie of the test browser; the pending sign-in is bound to it.
const BROWSER: &str = "browser-one-csrf-cookie-0123456789abcdef";

async fn call(router: &Router, path: &str, session: Option<&str>) -> Reply {
    call_from(router, path, session, BROWSER).await
}

async fn call_from(router: &Router, path: &str, session: Option<&str>, browser: &str) -> Reply {
    let mut cookies = vec![format!(
        "{}={browser}",
        motcua_web::context::csrf_cookie_name(true)
    )];
    if let Some(token) = session {
        cookies.push(format!(
            "{}={token}",
            motcua_web::context::session_cookie_name(true)
        ));
    }
    let builder = Request::builder()
        .uri(path)
        .header(header::COOKIE, cookies.join("; "));
    let response = router
        .clone()
        .oneshot(builder.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        location,
        cookies,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl Harness {
    async fn get(&self, path: &str) -> Reply {
        call(&self.router, path, None).await
    }

    /// `/oidc/start`, then the provider's /authorize; returns the callback path the provider
    /// sent the browser to.
    async fn authorize(&self, start: &str) -> String {
        let started = self.get(start).await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
        assert!(
            started
                .location
                .starts_with(&format!("{}/authorize?", self.sim.issuer)),
            "{}",
            started.location
        );
        let at_provider = self
            .browser
            .get(&started.location)
            .send()
            .await
            .expect("provider answers");
        assert!(
            at_provider.status().is_redirection(),
            "{:?}",
            at_provider.text().await
        );
        let back = at_provider
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .expect("redirect back")
            .to_owned();
        back.strip_prefix("http://127.0.0.1:8080")
            .expect("back to our redirect URI")
            .to_owned()
    }

    /// The whole flow for a citizen.
    async fn sign_in(&self) -> Reply {
        let callback = self.authorize("/oidc/start?next=/account").await;
        self.get(&callback).await
    }

    async fn citizen_exists(&self, personal_id: &str) -> bool {
        match self.store.citizen_credentials(personal_id).await {
            Ok(_) => true,
            Err(StoreError::NotFound) => false,
            Err(other) => panic!("{other}"),
        }
    }

    async fn audit_actions(&self) -> Vec<(String, String)> {
        self.store
            .list_audit(None, 200, None)
            .await
            .expect("audit")
            .into_iter()
            .map(|row| (row.action, row.detail))
            .collect()
    }

    /// Asserts a refusal: its status and message, no session, no new citizen, one audit entry.
    async fn assert_refused(&self, reply: &Reply, status: StatusCode, message: &str, code: &str) {
        assert_eq!(reply.status, status, "{}", reply.body);
        assert!(reply.body.contains(message), "{}", reply.body);
        assert!(reply.session_cookie().is_none(), "{:?}", reply.cookies);
        assert!(!self.citizen_exists(NEW_CITIZEN).await, "citizen created");
        let audit = self.audit_actions().await;
        assert!(
            audit
                .iter()
                .any(|(action, detail)| action == "signin.oidc.failed" && detail.contains(code)),
            "{audit:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

async fn a_first_sign_in_creates_a_verified_citizen_and_signs_in(h: Harness) {
    let page = h.get("/signin").await;
    assert!(
        page.body.contains("Đăng nhập bằng tài khoản định danh"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/oidc/start?next=/account"));
    assert!(!h.citizen_exists(NEW_CITIZEN).await);

    let reply = h.sign_in().await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location, "/account");
    let session = reply.session_cookie().expect("session cookie");

    let credentials = h
        .store
        .citizen_credentials(NEW_CITIZEN)
        .await
        .expect("created");
    assert!(
        credentials.verified_at.is_some(),
        "verified by the provider"
    );
    assert_eq!(credentials.password_hash, motcua_app::oidc::NO_PASSWORD);
    let citizen = h.store.get_citizen(credentials.id).await.expect("citizen");
    assert_eq!(citizen.full_name, "Lê Thị Thu Hà");
    assert_eq!(citizen.email.as_deref(), Some("ha.le@example.vn"));
    assert_eq!(
        *h.sim.auth_methods.lock().expect("lock"),
        vec!["client_secret_basic"]
    );

    // The session works, and no password opens this account.
    let account = call(&h.router, "/account", Some(&session)).await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    assert!(account.body.contains("Lê Thị Thu Hà"));
    let audit = h.audit_actions().await;
    for action in ["citizen.sign_up.oidc", "signin.citizen.oidc"] {
        assert!(
            audit.iter().any(|(a, _)| a == action),
            "{action}: {audit:?}"
        );
    }
}

async fn a_second_sign_in_reuses_the_account(h: Harness) {
    let first = h.sign_in().await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let id = h
        .store
        .citizen_credentials(NEW_CITIZEN)
        .await
        .expect("created")
        .id;
    // A different name at the provider does not create a second account.
    h.sim.set(|b| {
        b.name = "Lê Thị Hà".into();
        b.email = None;
    });
    let second = h.sign_in().await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_ne!(first.session_cookie(), second.session_cookie());
    assert_eq!(
        h.store
            .citizen_credentials(NEW_CITIZEN)
            .await
            .expect("still there")
            .id,
        id
    );
    let audit = h.audit_actions().await;
    assert_eq!(
        audit
            .iter()
            .filter(|(a, _)| a == "citizen.sign_up.oidc")
            .count(),
        1
    );
    assert_eq!(
        audit
            .iter()
            .filter(|(a, _)| a == "signin.citizen.oidc")
            .count(),
        2
    );
}

async fn an_existing_citizen_is_signed_in_with_client_secret_post(h: Harness) {
    // The demo citizen signed up with a password; the provider identifies them by number.
    h.sim.set(|b| {
        b.personal_id = Some(json!("092095001234"));
        b.post_only = true;
    });
    let before = h
        .store
        .citizen_credentials("092095001234")
        .await
        .expect("demo citizen");
    let reply = h.sign_in().await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let session = reply.session_cookie().expect("session");
    let account = call(&h.router, "/account", Some(&session)).await;
    assert!(account.body.contains("Nguyễn Văn Hậu"), "{}", account.body);
    let after = h
        .store
        .citizen_credentials("092095001234")
        .await
        .expect("demo citizen");
    assert_eq!(after.id, before.id);
    assert_eq!(
        after.password_hash, before.password_hash,
        "password untouched"
    );
    assert_eq!(
        *h.sim.auth_methods.lock().expect("lock"),
        vec!["client_secret_post"]
    );
}

async fn a_wrong_state_is_refused_and_nothing_is_created(h: Harness) {
    let callback = h.authorize("/oidc/start").await;
    let (path, query) = callback.split_once('?').expect("query");
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("pairs");
    for (key, value) in &mut pairs {
        if key == "state" {
            *value = "forged-state-forged-state-forged-state-000".into();
        }
    }
    let forged = format!(
        "{path}?{}",
        serde_urlencoded::to_string(&pairs).expect("query")
    );
    let reply = h.get(&forged).await;
    h.assert_refused(
        &reply,
        StatusCode::BAD_REQUEST,
        "Yêu cầu đăng nhập không hợp lệ hoặc đã được sử dụng",
        "error-oidc-state",
    )
    .await;
    assert_eq!(
        h.sim.token_calls.load(Ordering::SeqCst),
        0,
        "the code was never redeemed"
    );
    let no_state = h.get("/oidc/callback?code=abc").await;
    assert_eq!(no_state.status, StatusCode::BAD_REQUEST);
}

async fn a_replayed_state_is_refused(h: Harness) {
    let callback = h.authorize("/oidc/start").await;
    let first = h.get(&callback).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let replay = h.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert!(
        replay
            .body
            .contains("Yêu cầu đăng nhập không hợp lệ hoặc đã được sử dụng")
    );
    assert!(replay.session_cookie().is_none());
    assert_eq!(h.sim.token_calls.load(Ordering::SeqCst), 1);
}

async fn an_expired_state_is_refused(h: Harness) {
    let callback = h.authorize("/oidc/start").await;
    h.clock_offset.store(11 * 60, Ordering::SeqCst);
    let reply = h.get(&callback).await;
    h.assert_refused(
        &reply,
        StatusCode::BAD_REQUEST,
        "Yêu cầu đăng nhập đã hết hạn",
        "error-oidc-state-expired",
    )
    .await;
    assert_eq!(h.sim.token_calls.load(Ordering::SeqCst), 0);
}

async fn a_token_signed_by_another_key_is_refused(h: Harness) {
    h.sim.set(|b| b.sign_with_other_key = true);
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::UNAUTHORIZED,
        "Thông tin xác thực do hệ thống định danh gửi về không hợp lệ",
        "InvalidSignature",
    )
    .await;
}

async fn a_token_for_another_audience_is_refused(h: Harness) {
    h.sim.set(|b| b.audience = Some("another-client".into()));
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::UNAUTHORIZED,
        "Thông tin xác thực do hệ thống định danh gửi về không hợp lệ",
        "InvalidAudience",
    )
    .await;
}

async fn a_wrong_nonce_is_refused(h: Harness) {
    h.sim
        .set(|b| b.nonce = Some("nonce-of-another-request".into()));
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::UNAUTHORIZED,
        "Thông tin xác thực do hệ thống định danh gửi về không hợp lệ",
        "nonce mismatch",
    )
    .await;
}

async fn a_missing_personal_id_claim_is_refused(h: Harness) {
    h.sim.set(|b| b.personal_id = None);
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::FORBIDDEN,
        "Tài khoản định danh không cung cấp số định danh cá nhân",
        "error-oidc-no-personal-id",
    )
    .await;
}

async fn an_invalid_personal_id_is_refused(h: Harness) {
    // Province code 099 does not exist.
    h.sim.set(|b| b.personal_id = Some(json!("099095123456")));
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::FORBIDDEN,
        "Số định danh cá nhân do hệ thống định danh cung cấp không hợp lệ",
        "error-oidc-personal-id",
    )
    .await;
    assert!(!h.citizen_exists("099095123456").await);
}

async fn a_provider_that_is_down_gives_a_clear_error(h: Harness) {
    // A port that was just free: nothing listens there.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let router = router_for(
        &h.store,
        &format!("http://127.0.0.1:{port}"),
        false,
        h.clock_offset.clone(),
    );
    let reply = call(&router, "/oidc/start?next=/account", None).await;
    assert_eq!(reply.status, StatusCode::BAD_GATEWAY, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("Không kết nối được với hệ thống định danh"),
        "{}",
        reply.body
    );
    let audit = h.audit_actions().await;
    assert!(
        audit
            .iter()
            .any(|(a, d)| a == "signin.oidc.failed" && d.contains("error-oidc-unreachable")),
        "{audit:?}"
    );
}

async fn an_official_is_mapped_by_username_and_never_created(h: Harness) {
    // Not offered to officials unless configured.
    let page = h.get("/staff/signin").await;
    assert!(!page.body.contains("/oidc/start"), "{}", page.body);
    let refused = h.get("/oidc/start?for=official").await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);

    let router = router_for(&h.store, &h.sim.issuer, true, h.clock_offset.clone());
    let h = Harness { router, ..h };
    let page = h.get("/staff/signin").await;
    assert!(
        page.body.contains("/oidc/start?for=official"),
        "{}",
        page.body
    );

    h.sim.set(|b| {
        b.personal_id = None;
        b.preferred_username = Some("ChuyenVien.NinhKieu".into());
    });
    let callback = h.authorize("/oidc/start?for=official&next=/staff").await;
    let reply = h.get(&callback).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location, "/staff");
    let session = reply.session_cookie().expect("session");
    let home = call(&h.router, "/staff", Some(&session)).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);

    // With TOTP enabled the provider sign-in opens only the half session that asks for it.
    let id = h
        .store
        .official_credentials("chuyenvien.ninhkieu")
        .await
        .expect("official")
        .id;
    let mut tx = h.store.begin().await.expect("begin");
    tx.set_official_totp(id, Some("JBSWY3DPEHPK3PXP"), true)
        .await
        .expect("totp");
    tx.commit().await.expect("commit");
    let callback = h.authorize("/oidc/start?for=official").await;
    let reply = h.get(&callback).await;
    assert_eq!(reply.location, "/staff/totp", "{}", reply.body);
    let half = reply.session_cookie().expect("half session");
    let home = call(&h.router, "/staff", Some(&half)).await;
    assert_ne!(home.status, StatusCode::OK, "TOTP still due");

    let officials = h.store.count_officials().await.expect("count");
    h.sim
        .set(|b| b.preferred_username = Some("khong.ton.tai".into()));
    let callback = h.authorize("/oidc/start?for=official").await;
    let reply = h.get(&callback).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("Không có tài khoản cán bộ đang hoạt động"),
        "{}",
        reply.body
    );
    assert!(reply.session_cookie().is_none());
    assert_eq!(h.store.count_officials().await.expect("count"), officials);
}

async fn a_rotated_provider_key_is_fetched_and_accepted(h: Harness) {
    let first = h.sign_in().await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    // The provider rotates to key B; our cached key set only knows key A.
    h.sim.set(|b| b.rotated = true);
    let second = h.sign_in().await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert!(second.session_cookie().is_some());
}

async fn a_cancelled_sign_in_is_explained(h: Harness) {
    h.sim.set(|b| b.deny = true);
    let callback = h.authorize("/oidc/start").await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let reply = h.get(&callback).await;
    h.assert_refused(
        &reply,
        StatusCode::BAD_REQUEST,
        "bạn đã hủy đăng nhập",
        "access_denied",
    )
    .await;
    assert_eq!(h.sim.token_calls.load(Ordering::SeqCst), 0);
}

async fn a_callback_in_another_browser_is_refused(h: Harness) {
    // Login CSRF: an attacker starts a sign-in and plants the callback URL in a victim's browser.
    let callback = h.authorize("/oidc/start").await;
    let victim = call_from(
        &h.router,
        &callback,
        None,
        "victim-browser-csrf-cookie-0123456789abcdef",
    )
    .await;
    h.assert_refused(
        &victim,
        StatusCode::BAD_REQUEST,
        "Yêu cầu đăng nhập không hợp lệ hoặc đã được sử dụng",
        "another browser",
    )
    .await;
    // The state is used up: not even the right browser can use it now.
    let later = h.get(&callback).await;
    assert_eq!(later.status, StatusCode::BAD_REQUEST, "{}", later.body);
    assert_eq!(h.sim.token_calls.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------------------------
// Forged or stale ID tokens (issue 13): each is refused, nothing is created.
// ---------------------------------------------------------------------------------------------

const TOKEN_REFUSED: &str = "Thông tin xác thực do hệ thống định danh gửi về không hợp lệ";

async fn a_token_with_alg_none_is_refused(h: Harness) {
    h.sim.set(|b| b.alg_none = true);
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::UNAUTHORIZED,
        TOKEN_REFUSED,
        "error-oidc-token",
    )
    .await;
}

async fn an_hs256_token_keyed_with_the_public_key_is_refused(h: Harness) {
    h.sim.set(|b| b.hs256_with_public_key = true);
    let reply = h.sign_in().await;
    h.assert_refused(&reply, StatusCode::UNAUTHORIZED, TOKEN_REFUSED, "HS256")
        .await;
}

async fn a_token_from_another_issuer_is_refused(h: Harness) {
    h.sim
        .set(|b| b.issuer = Some("https://gia-mao.example.vn".into()));
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::UNAUTHORIZED,
        TOKEN_REFUSED,
        "InvalidIssuer",
    )
    .await;
}

async fn an_expired_token_is_refused(h: Harness) {
    h.sim.set(|b| b.expired = true);
    let reply = h.sign_in().await;
    h.assert_refused(
        &reply,
        StatusCode::UNAUTHORIZED,
        TOKEN_REFUSED,
        "ExpiredSignature",
    )
    .await;
}

async fn a_replayed_nonce_is_refused(h: Harness) {
    // A first sign-in completes; its ID token (and nonce) is then replayed in a new flow.
    let first = h.sign_in().await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let used = h.sim.nonces.lock().expect("lock")[0].clone();
    h.sim.set(|b| b.nonce = Some(used));
    let replay = h.sign_in().await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", replay.body);
    assert!(replay.body.contains(TOKEN_REFUSED), "{}", replay.body);
    assert!(replay.session_cookie().is_none());
    let audit = h.audit_actions().await;
    assert!(
        audit
            .iter()
            .any(|(a, d)| a == "signin.oidc.failed" && d.contains("nonce mismatch")),
        "{audit:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// A number claimed at password sign-up and then proven by the provider (issue 13, finding 2).
// ---------------------------------------------------------------------------------------------

/// Someone signs up with [`NEW_CITIZEN`]'s number and their own e-mail, and proves the e-mail.
async fn squat(h: &Harness, email: &str) -> i64 {
    let app = App::new(h.store.clone(), AppSettings::default());
    let actor = motcua_app::Actor::anonymous(Some("10.6.6.6".into()));
    let id = app
        .citizen_sign_up(
            &actor,
            &motcua_app::accounts::CitizenSignUp {
                personal_id: NEW_CITIZEN.into(),
                full_name: "Kẻ Mạo Danh".into(),
                email: Some(email.into()),
                phone: None,
                password: "mat-khau-cua-ke-gian".into(),
            },
        )
        .await
        .expect("sign up");
    let rows = h.store.outbox_of_kind("notify").await.expect("outbox");
    let code = rows
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.payload).ok())
        .find_map(|p| p["code"].as_str().map(str::to_owned))
        .expect("code");
    app.citizen_verify(&actor, NEW_CITIZEN, &code)
        .await
        .expect("verify");
    id
}

/// A dossier registered at the Ninh Kiều desk for [`NEW_CITIZEN`].
async fn counter_dossier(h: &Harness) -> i64 {
    let app = App::new(h.store.clone(), AppSettings::default());
    let reception = motcua_app::test_support::official(&app, "tiepnhan.ninhkieu").await;
    app.register_at_counter(
        &reception,
        &motcua_app::dossiers::CounterRegistration {
            procedure_code: "1.001193".into(),
            agency_code: motcua_app::test_support::WARD.into(),
            applicant_name: "Lê Thị Thu Hà".into(),
            applicant_personal_id: Some(NEW_CITIZEN.into()),
            form: motcua_app::test_support::birth_registration(),
            delivery: Default::default(),
            postmark: None,
            contact_phone: None,
        },
    )
    .await
    .expect("counter")
    .id
}

async fn an_unproven_account_is_taken_over_and_its_old_contact_told(h: Harness) {
    let id = squat(&h, "ke-gian@example.vn").await;
    let dossier = counter_dossier(&h).await;
    assert_eq!(
        h.store
            .get_dossier(dossier)
            .await
            .expect("dossier")
            .citizen_id,
        None,
        "the squatter does not get the counter dossier"
    );
    // The squatter's session, opened before the takeover.
    let app = App::new(h.store.clone(), AppSettings::default());
    let squatter = app
        .citizen_sign_in(
            &motcua_app::Actor::anonymous(None),
            NEW_CITIZEN,
            "mat-khau-cua-ke-gian",
        )
        .await
        .expect("the squatter signs in")
        .token;

    let reply = h.sign_in().await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let session = reply.session_cookie().expect("session");

    let credentials = h
        .store
        .citizen_credentials(NEW_CITIZEN)
        .await
        .expect("account");
    assert_eq!(credentials.id, id, "the same account, taken over");
    assert!(credentials.id_proven_at.is_some());
    assert_eq!(credentials.password_hash, motcua_app::oidc::NO_PASSWORD);
    let citizen = h.store.get_citizen(id).await.expect("citizen");
    assert_eq!(citizen.full_name, "Lê Thị Thu Hà");
    assert_eq!(citizen.email.as_deref(), Some("ha.le@example.vn"));
    assert!(
        app.citizen_sign_in(
            &motcua_app::Actor::anonymous(None),
            NEW_CITIZEN,
            "mat-khau-cua-ke-gian"
        )
        .await
        .is_err(),
        "the squatter's password is dead"
    );
    let old = call(&h.router, "/account", Some(&squatter)).await;
    assert_ne!(old.status, StatusCode::OK, "the squatter's session is dead");
    // The counter dossier now belongs to the proven holder.
    assert_eq!(
        h.store
            .get_dossier(dossier)
            .await
            .expect("dossier")
            .citizen_id,
        Some(id)
    );
    let account = call(&h.router, "/account", Some(&session)).await;
    assert_eq!(account.status, StatusCode::OK, "{}", account.body);
    // The old contact is told, through the outbox.
    let told = h
        .store
        .outbox_of_kind("notify")
        .await
        .expect("outbox")
        .into_iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.payload).ok())
        .find(|p| p["template"] == "account-taken-over")
        .expect("a message to the old contact");
    assert_eq!(told["to"], "ke-gian@example.vn");
    assert!(
        told["body"]
            .as_str()
            .unwrap_or_default()
            .contains("********3456"),
        "{told}"
    );
    let audit = h.audit_actions().await;
    assert!(
        audit
            .iter()
            .any(|(a, d)| a == "citizen.taken_over" && d.contains("oidc")),
        "{audit:?}"
    );
}

async fn the_same_person_proves_their_number_and_keeps_the_password(h: Harness) {
    // The provider's verified e-mail is the account's: it is the same person.
    let id = squat(&h, "ha.le@example.vn").await;
    let before = h
        .store
        .citizen_credentials(NEW_CITIZEN)
        .await
        .expect("account");
    let reply = h.sign_in().await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let after = h
        .store
        .citizen_credentials(NEW_CITIZEN)
        .await
        .expect("account");
    assert_eq!(after.id, id);
    assert!(after.id_proven_at.is_some());
    assert_eq!(after.password_hash, before.password_hash, "password kept");
    let outbox = h.store.outbox_of_kind("notify").await.expect("outbox");
    assert!(
        !outbox
            .iter()
            .any(|r| r.payload.contains("account-taken-over")),
        "nobody to warn"
    );
}
