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

/// One test per backend from `async fn(Web) -> Web`; `both!(with configure; …)` adjusts the
/// state first with `fn configure(&mut AppState)` (see [`run_with`]).
macro_rules! both {
    (with $configure:ident; $($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { $crate::support::run_with(motcua_store::Backend::Sqlite, super::$configure, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { $crate::support::run_with(motcua_store::Backend::Postgres, super::$configure, super::$name).await } )* }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[tokio::test] async fn $name() { $crate::support::run(motcua_store::Backend::Sqlite, super::$name).await } )* }
        mod postgres { $( #[tokio::test] async fn $name() { $crate::support::run(motcua_store::Backend::Postgres, super::$name).await } )* }
    };
}

pub struct Web {
    pub f: Fixture,
    router: Router,
    /// This test's own blob directory (attachment contents), removed when the test ends, so
    /// what a test stored is all that is in it.
    blobs: tempfile::TempDir,
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
    let blobs = tempfile::tempdir().expect("blob directory");
    f.app = f
        .app
        .clone()
        .with_renderer(renderer())
        .with_blobs(Arc::new(motcua_blobs::LocalBlobs::new(blobs.path())));
    let mut state = AppState {
        app: f.app.clone(),
        config: Arc::new(WebConfig::default()),
        metrics: None,
    };
    configure(&mut state);
    f.app = state.app.clone();
    let router = motcua_web::routes::build(state);
    let web = test(Web { f, router, blobs }).await;
    web.f.cleanup().await;
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

    /// Where a redirect points (empty when the reply is no redirect).
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    /// The code of the first field problem of a JSON error body.
    pub fn field_code(&self) -> String {
        self.json()["error"]["fields"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
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
    /// The router itself, to serve it on a real socket when another process must call in
    /// (a payment gateway's callback).
    pub fn router(&self) -> Router {
        self.router.clone()
    }

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
        self.request(request).await
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
        Client::Session(self.session_token(kind, id, 30 * 86_400_000_000).await)
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
        self.request(request).await
    }
}

impl Web {
    /// Sends a request built by the test (any headers, extensions such as the peer address)
    /// and reads the whole reply.
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

/// What the big HTTP suite needs beyond [`Web::send`] and [`Web::form`]: raw bodies, another
/// language, forms without their CSRF token, files, sessions with a chosen lifetime, units by
/// name.
impl Web {
    /// A request with a body of `content_type` (malformed JSON, wrong media types, oversized
    /// bodies), authenticated like [`Web::send`].
    pub async fn send_bytes(
        &self,
        method: Method,
        path: &str,
        client: &Client,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let request = self
            .builder(method, path, client, true, false)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .expect("request");
        self.request(request).await
    }

    /// [`Web::send`] from a browser that asks for English (`Accept-Language: en`).
    pub async fn send_english(
        &self,
        method: Method,
        path: &str,
        client: &Client,
        json: Option<serde_json::Value>,
    ) -> Reply {
        let builder = self.builder(method, path, client, true, true);
        let request = match json {
            Some(value) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(value.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        self.request(request).await
    }

    /// [`Web::form`] from a browser that asks for English.
    pub async fn form_english(
        &self,
        path: &str,
        client: &Client,
        fields: &[(&str, &str)],
    ) -> Reply {
        self.form_as(path, client, fields, true, true).await
    }

    /// [`Web::form`] without the `_csrf` field (a forged or expired form); the cookie is still
    /// sent, as a browser would.
    pub async fn form_without_csrf(
        &self,
        path: &str,
        client: &Client,
        fields: &[(&str, &str)],
    ) -> Reply {
        self.form_as(path, client, fields, false, false).await
    }

    async fn form_as(
        &self,
        path: &str,
        client: &Client,
        fields: &[(&str, &str)],
        csrf: bool,
        english: bool,
    ) -> Reply {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if csrf {
            pairs.push(("_csrf", CSRF));
        }
        let body = serde_urlencoded::to_string(&pairs).expect("form");
        let request = self
            .builder(Method::POST, path, client, false, english)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.request(request).await
    }

    /// A page form with files, as a browser sends it without JavaScript: `multipart/form-data`
    /// with the CSRF token in the address (the body is read after the token is checked). The
    /// fields come first, then the files, each declared `application/pdf`.
    pub async fn multipart(
        &self,
        path: &str,
        client: &Client,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Reply {
        let parts: Vec<Part> = fields
            .iter()
            .map(|(name, value)| Part::Field(name, value))
            .chain(
                files
                    .iter()
                    .map(|(name, file_name, bytes)| Part::pdf(name, file_name, bytes)),
            )
            .collect();
        self.multipart_parts(path, client, &parts).await
    }

    /// [`Web::multipart`] with the parts in the order given (a file's declared type included).
    pub async fn multipart_parts(&self, path: &str, client: &Client, parts: &[Part<'_>]) -> Reply {
        let separator = if path.contains('?') { '&' } else { '?' };
        self.multipart_as(&format!("{path}{separator}_csrf={CSRF}"), client, parts)
            .await
    }

    /// A page form with files but without the token in the address (a forged form): the
    /// CSRF cookie is still sent, as a browser would.
    pub async fn multipart_without_csrf(
        &self,
        path: &str,
        client: &Client,
        parts: &[Part<'_>],
    ) -> Reply {
        self.multipart_as(path, client, parts).await
    }

    async fn multipart_as(&self, uri: &str, client: &Client, parts: &[Part<'_>]) -> Reply {
        let (content_type, body) = multipart_body(parts);
        let request = self
            .builder(Method::POST, uri, client, false, false)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request");
        self.request(request).await
    }

    /// A multipart `POST` to the API (an upload), authenticated like [`Web::send`].
    pub async fn upload(&self, path: &str, client: &Client, parts: &[Part<'_>]) -> Reply {
        let (content_type, body) = multipart_body(parts);
        self.send_bytes(Method::POST, path, client, &content_type, body)
            .await
    }

    /// Files in this test's blob directory (temporary files included, so a leftover shows).
    pub fn stored_files(&self) -> usize {
        fn walk(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .map(|e| {
                            let path = e.path();
                            if path.is_dir() { walk(&path) } else { 1 }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        walk(self.blobs.path())
    }

    /// A request carrying the CSRF cookie, the client's session cookie or bearer token, and
    /// when asked the CSRF header (a browser's: signed in or anonymous, so what is tested is
    /// the authorisation, not the CSRF check) and `Accept-Language: en`.
    fn builder(
        &self,
        method: Method,
        path: &str,
        client: &Client,
        csrf_header: bool,
        english: bool,
    ) -> axum::http::request::Builder {
        let mut builder = Request::builder().method(method).uri(path);
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
        if csrf_header && !matches!(client, Client::Bearer(_)) {
            builder = builder.header("x-csrf-token", CSRF);
        }
        if english {
            builder = builder.header(header::ACCEPT_LANGUAGE, "en");
        }
        builder.header(header::COOKIE, cookies.join("; "))
    }

    /// A full session of `kind` (`citizen` or `official`) `id` that ends `expires_in_micros`
    /// from the fixture's clock (negative: already expired); the raw token.
    pub async fn session_token(&self, kind: &str, id: i64, expires_in_micros: i64) -> String {
        let token = random_token();
        let now = self.f.app.now_micros();
        let mut tx = self.f.db.store.begin().await.expect("begin");
        tx.insert_session(&SessionRow {
            token_hash: token_hash(&token),
            principal_kind: kind.into(),
            principal_id: id,
            stage: "full".into(),
            created_at: now,
            expires_at: now + expires_in_micros,
        })
        .await
        .expect("session");
        tx.commit().await.expect("commit");
        token
    }

    /// The id of the demo unit called `name` (read straight from the store).
    pub async fn unit_id(&self, name: &str) -> i64 {
        self.f
            .db
            .store
            .list_units()
            .await
            .expect("units")
            .into_iter()
            .find(|u| u.name == name)
            .expect("unit")
            .id
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    /// A text field: name, value.
    Field(&'a str, &'a str),
    /// A file: input name, file name, declared media type (none: no `Content-Type` line),
    /// bytes.
    File(&'a str, &'a str, Option<&'a str>, &'a [u8]),
}

impl<'a> Part<'a> {
    /// A file declared `application/pdf`.
    pub fn pdf(name: &'a str, file_name: &'a str, bytes: &'a [u8]) -> Part<'a> {
        Part::File(name, file_name, Some("application/pdf"), bytes)
    }
}

/// A multipart body of `parts` in their order, and its content type.
pub fn multipart_body(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "----motcua-http-test-boundary";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                    .as_bytes(),
            ),
            Part::File(name, file_name, content_type, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n"
                    )
                    .as_bytes(),
                );
                if let Some(content_type) = content_type {
                    body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
                }
                body.extend_from_slice(b"\r\n");
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A complete birth-registration form as the JSON API takes it (the API tests' applicant).
pub fn birth_form() -> serde_json::Value {
    let address =
        serde_json::json!({"street": "45 đường 30/4", "province": "92", "commune": "31117"});
    serde_json::json!({
        "nguoi_yeu_cau_ho_ten": "Nguyễn Văn Hậu", "nguoi_yeu_cau_so_dinh_danh": "092095001234",
        "nguoi_yeu_cau_noi_cu_tru": address, "nguoi_yeu_cau_quan_he": "Cha", "so_dien_thoai": "0912345678",
        "tre_ho_ten": "Nguyễn Ngọc Anh", "tre_ngay_sinh": "02/11/2026", "tre_gioi_tinh": "nu", "tre_dan_toc": "Kinh",
        "tre_quoc_tich": "Việt Nam", "tre_noi_sinh": "Bệnh viện Phụ sản thành phố Cần Thơ", "tre_que_quan": "Thành phố Cần Thơ",
        "me_ho_ten": "Lê Thị Hoa", "me_nam_sinh": 1995, "me_dan_toc": "Kinh", "me_quoc_tich": "Việt Nam", "me_noi_cu_tru": address,
        "cha_ho_ten": "Nguyễn Văn Hậu", "cha_nam_sinh": "1993", "loai_giay_chung_sinh": "giay_chung_sinh", "cha_me_da_ket_hon": "co",
        "so_ban_sao": "2", "hinh_thuc_nhan_ket_qua": "truc_tuyen", "cam_doan": "on"
    })
}
