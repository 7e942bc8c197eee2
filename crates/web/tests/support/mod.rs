#![allow(dead_code)] // Shared by every HTTP test file; each uses a subset.
//! HTTP side of the shared test setup: the real router over a [`Fixture`] (demo data, test
//! clock), clients signed in as demo accounts, and requests that return status, headers and
//! raw bytes (PDFs are binary).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use motcua_app::Actor;
use motcua_app::security::{random_token, token_hash};
use motcua_app::test_support::Fixture;
use motcua_store::auth::SessionRow;
use motcua_web::{AppState, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

/// One test per backend from `async fn(Web) -> Web`.
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { $crate::support::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { $crate::support::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

pub struct Web {
    pub f: Fixture,
    router: Router,
}

pub async fn run<F, Fut>(backend: motcua_store::Backend, test: F)
where
    F: FnOnce(Web) -> Fut,
    Fut: std::future::Future<Output = Web>,
{
    run_with(backend, |_| {}, test).await;
}

/// [`run`] with the state adjusted first (the app's settings, the metrics recorder).
#[allow(dead_code)] // Not every test file uses every helper.
pub async fn run_with<C, F, Fut>(backend: motcua_store::Backend, configure: C, test: F)
where
    C: FnOnce(&mut AppState),
    F: FnOnce(Web) -> Fut,
    Fut: std::future::Future<Output = Web>,
{
    let mut f = Fixture::new(backend).await;
    f.app = f.app.clone().with_renderer(renderer());
    let mut state = AppState {
        app: f.app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    configure(&mut state);
    f.app = state.app.clone();
    let router = motcua_web::routes::build(state);
    test(Web { f, router }).await.f.cleanup().await;
}

/// The real PDF renderer, as the binary gives it to the app; one per test binary (it loads
/// the fonts once).
pub fn renderer() -> Arc<dyn motcua_render::DocumentRenderer> {
    static RENDERER: std::sync::OnceLock<Arc<motcua_render::TypstRenderer>> =
        std::sync::OnceLock::new();
    RENDERER
        .get_or_init(|| Arc::new(motcua_render::TypstRenderer::new()))
        .clone()
}

/// How a request authenticates.
#[derive(Clone, Default)]
pub enum Client {
    #[default]
    Anonymous,
    Bearer(String),
    /// A citizen's browser session (cookie plus CSRF header).
    Session(String),
}

const CSRF: &str = "test-csrf-token-0123456789abcdefghijklmnop";

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or(serde_json::Value::Null)
    }

    /// The error message of a JSON error body.
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Web {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        client: &Client,
        json: Option<serde_json::Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        match client {
            Client::Anonymous => {}
            Client::Bearer(token) => {
                builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            Client::Session(token) => {
                builder = builder
                    .header(
                        header::COOKIE,
                        format!(
                            "{}={token}; {}={CSRF}",
                            motcua_web::context::session_cookie_name(true),
                            motcua_web::context::csrf_cookie_name(true)
                        ),
                    )
                    .header("x-csrf-token", CSRF);
            }
        }
        let request = match json {
            Some(value) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(value.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }

    pub async fn get(&self, path: &str, client: &Client) -> Reply {
        self.send(Method::GET, path, client, None).await
    }

    pub async fn post(&self, path: &str, client: &Client, json: serde_json::Value) -> Reply {
        self.send(Method::POST, path, client, Some(json)).await
    }

    /// An API token of a demo official.
    pub async fn official(&self, username: &str) -> Client {
        let id = self
            .f
            .db
            .store
            .official_credentials(username)
            .await
            .expect("demo official")
            .id;
        let token = self
            .f
            .app
            .issue_api_token(&Actor::system(), id, "test", None)
            .await
            .expect("token");
        Client::Bearer(token)
    }

    /// A signed-in session of a demo citizen.
    pub async fn citizen(&self, personal_id: &str) -> Client {
        let id = self
            .f
            .db
            .store
            .citizen_credentials(personal_id)
            .await
            .expect("demo citizen")
            .id;
        self.session("citizen", id).await
    }

    /// A signed-in browser session of a demo official (for the pages).
    #[allow(dead_code)] // Not every test file uses every helper.
    pub async fn official_session(&self, username: &str) -> Client {
        let id = self
            .f
            .db
            .store
            .official_credentials(username)
            .await
            .expect("demo official")
            .id;
        self.session("official", id).await
    }

    /// A full session of `kind` (`citizen` or `official`) `id`, valid for 30 days.
    async fn session(&self, kind: &str, id: i64) -> Client {
        let token = random_token();
        let now = self.f.app.now_micros();
        let mut tx = self.f.db.store.begin().await.expect("begin");
        tx.insert_session(&SessionRow {
            token_hash: token_hash(&token),
            principal_kind: kind.into(),
            principal_id: id,
            stage: "full".into(),
            created_at: now,
            expires_at: now + 30 * 86_400_000_000,
        })
        .await
        .expect("session");
        tx.commit().await.expect("commit");
        Client::Session(token)
    }

    /// A no-JavaScript form post (`application/x-www-form-urlencoded`, CSRF as a field).
    #[allow(dead_code)] // Not every test file uses every helper.
    pub async fn form(&self, path: &str, client: &Client, fields: &[(&str, &str)]) -> Reply {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        pairs.push(("_csrf", CSRF));
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let mut cookies = vec![format!(
            "{}={CSRF}",
            motcua_web::context::csrf_cookie_name(true)
        )];
        match client {
            Client::Anonymous => {}
            Client::Bearer(token) => {
                builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            Client::Session(token) => cookies.push(format!(
                "{}={token}",
                motcua_web::context::session_cookie_name(true)
            )),
        }
        let request = builder
            .header(header::COOKIE, cookies.join("; "))
            .body(Body::from(body))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }
}

impl Web {
    /// Sends a request built by the test (any headers, extensions such as the peer address)
    /// and reads the whole reply.
    #[allow(dead_code)] // Not every test file uses every helper.
    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            bytes,
        }
    }
}
