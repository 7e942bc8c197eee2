//! A local imitation of the national portal's dossier sync, for tests and the demo (feature
//! `simulator`).
//!
//! An axum service on `127.0.0.1:<free port>` with the three calls at the adapter's default
//! paths. It checks the credential (a Bearer token, or the same token in an API-key header),
//! reads each batch as the real portal is believed to ([`check`]), keeps the dossiers it
//! accepted with their status and history, and answers in the portal's envelope: HTTP 200
//! with `{"error_code":"0","message":"… thành công"}`, or HTTP 200 with a non-zero code and
//! a Vietnamese reason ([`codes`]).
//!
//! What it enforces:
//! - add: every record valid, and no `MaHoSo` it already holds (nor twice in the batch); any
//!   status is accepted, since dossiers from the counter arrive already received;
//! - update: every record valid, each `MaHoSo` held, and each status change allowed by
//!   [`crate::is_allowed_transition`] (records for the same dossier in one batch are applied
//!   in order);
//! - history: every line valid and about a dossier it holds.
//!
//! **[assumed]** A batch is applied whole or not at all: the first refused record refuses the
//! request and nothing of it is kept. The real portal's behaviour on a partly valid batch is
//! not documented; whole-or-nothing is what lets a caller simply send the same batch again
//! after fixing it. Error codes other than `0` and the duplicate's `3` are [assumed] too.
//!
//! Tests make it fail through [`SimulatorHandle`]: an outage (HTTP 503 for everything) or
//! every n-th request answered HTTP 500 before anything is applied.

pub mod check;

use crate::dvcqg::{
    DEFAULT_ADD_PATH, DEFAULT_API_KEY_HEADER, DEFAULT_HISTORY_PATH, DEFAULT_UPDATE_PATH,
    DvcqgConfig, PortalAuth,
};
use crate::format::{HoSo, QuaTrinhXuLy, SUCCESS};
use crate::status::{NationalStatus, is_allowed_transition};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use check::Refused;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// The token [`start`] requires.
pub const DEFAULT_TOKEN: &str = "mo-phong-dvcqg";

/// The simulator's `error_code` values. `0` is the portal's; `3` for a dossier that already
/// exists is what the public code recognises; the others are [assumed].
pub mod codes {
    /// Thành công.
    pub const SUCCESS: &str = crate::format::SUCCESS;
    /// The body is not a non-empty JSON list of objects, or a field has the wrong JSON type.
    pub const MALFORMED: &str = "1";
    /// A field is missing, empty, too long or not in its format.
    pub const INVALID: &str = "2";
    /// Add of a dossier the portal already holds.
    pub const ALREADY_EXISTS: &str = "3";
    /// Update of, or history for, a dossier the portal does not hold.
    pub const NOT_FOUND: &str = "4";
    /// A status change the portal does not accept.
    pub const TRANSITION: &str = "5";
    /// Missing or wrong credential (with HTTP 401).
    pub const UNAUTHORIZED: &str = "401";
    /// An injected failure (with HTTP 500).
    pub const INTERNAL: &str = "500";
    /// An outage (with HTTP 503).
    pub const UNAVAILABLE: &str = "503";
}

/// How the simulator is set up. `Debug` does not show the token.
#[derive(Clone)]
pub struct SimulatorConfig {
    /// The credential every call must carry, as `Authorization: Bearer <token>` or as
    /// `<api_key_header>: <token>`; `None` lets everything in.
    pub token: Option<String>,
    pub api_key_header: String,
    pub add_path: String,
    pub update_path: String,
    pub history_path: String,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            token: Some(DEFAULT_TOKEN.to_owned()),
            api_key_header: DEFAULT_API_KEY_HEADER.to_owned(),
            add_path: DEFAULT_ADD_PATH.to_owned(),
            update_path: DEFAULT_UPDATE_PATH.to_owned(),
            history_path: DEFAULT_HISTORY_PATH.to_owned(),
        }
    }
}

impl std::fmt::Debug for SimulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorConfig")
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("api_key_header", &self.api_key_header)
            .field("add_path", &self.add_path)
            .field("update_path", &self.update_path)
            .field("history_path", &self.history_path)
            .finish()
    }
}

/// One of the three calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Add,
    Update,
    History,
}

/// A dossier as the simulator holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDossier {
    /// Its current status.
    pub status: NationalStatus,
    /// How many accepted updates it has had (0 right after the add).
    pub updates: usize,
    /// Its process-history lines, in the order they arrived.
    pub history: Vec<QuaTrinhXuLy>,
    /// The record as last added or updated.
    pub record: HoSo,
}

/// How many requests reached each call, and how they were answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub add: usize,
    pub update: usize,
    pub history: usize,
    /// Answered `error_code` `0`.
    pub accepted: usize,
    /// Answered with a refusal (HTTP 200, non-zero code).
    pub refused: usize,
    /// Answered HTTP 401.
    pub unauthorized: usize,
    /// Answered HTTP 500 by [`SimulatorHandle::fail_every`].
    pub failed: usize,
    /// Answered HTTP 503 during an outage.
    pub unavailable: usize,
}

impl RequestCounts {
    /// Every request, whatever its answer.
    pub fn total(&self) -> usize {
        self.add + self.update + self.history
    }
}

/// One refused request: the call, the code and the message it was answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub endpoint: Endpoint,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Default)]
struct State {
    dossiers: BTreeMap<String, HeldDossier>,
    requests: RequestCounts,
    refusals: Vec<Refusal>,
    outage: bool,
    fail_every: u32,
    /// Requests counted towards `fail_every` since it was set.
    since_fail_set: u64,
}

struct Core {
    config: SimulatorConfig,
    base_url: String,
    state: Mutex<State>,
}

impl Core {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulator. Dropping it stops the service.
pub struct SimulatorHandle {
    core: Arc<Core>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for SimulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatorHandle")
            .field("base_url", &self.core.base_url)
            .finish_non_exhaustive()
    }
}

impl SimulatorHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.core.base_url
    }

    /// The token calls must carry, if any.
    pub fn token(&self) -> Option<&str> {
        self.core.config.token.as_deref()
    }

    /// An adapter configuration that reaches this simulator with its token as a Bearer token.
    pub fn config(&self) -> DvcqgConfig {
        let config = &self.core.config;
        let mut adapter = DvcqgConfig::new(self.core.base_url.clone());
        adapter.add_path.clone_from(&config.add_path);
        adapter.update_path.clone_from(&config.update_path);
        adapter.history_path.clone_from(&config.history_path);
        adapter.auth = config
            .token
            .clone()
            .map_or(PortalAuth::None, PortalAuth::Bearer);
        adapter
    }

    /// While `true`, every request is answered HTTP 503 and nothing is applied.
    pub fn set_outage(&self, outage: bool) {
        self.core.state().outage = outage;
    }

    /// From now on every `n`-th request (counting from this call) is answered HTTP 500
    /// before anything is checked or applied; `0` stops it.
    pub fn fail_every(&self, n: u32) {
        let mut state = self.core.state();
        state.fail_every = n;
        state.since_fail_set = 0;
    }

    /// The dossier the simulator holds under `ma_ho_so`.
    pub fn dossier(&self, ma_ho_so: &str) -> Option<HeldDossier> {
        self.core.state().dossiers.get(ma_ho_so).cloned()
    }

    /// How many dossiers it holds.
    pub fn count(&self) -> usize {
        self.core.state().dossiers.len()
    }

    /// The codes of the dossiers it holds, in order.
    pub fn codes(&self) -> Vec<String> {
        self.core.state().dossiers.keys().cloned().collect()
    }

    pub fn requests(&self) -> RequestCounts {
        self.core.state().requests
    }

    /// Every refusal, oldest first.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.core.state().refusals.clone()
    }
}

/// Starts a simulator with [`SimulatorConfig::default`] (token [`DEFAULT_TOKEN`], the
/// adapter's default paths); configure the adapter with [`SimulatorHandle::config`].
pub async fn start() -> std::io::Result<SimulatorHandle> {
    start_with(SimulatorConfig::default()).await
}

/// Starts a simulator on `127.0.0.1:<free port>`.
pub async fn start_with(config: SimulatorConfig) -> std::io::Result<SimulatorHandle> {
    let paths = [&config.add_path, &config.update_path, &config.history_path];
    let distinct: HashSet<&String> = paths.iter().copied().collect();
    if distinct.len() != paths.len()
        || paths.iter().any(|p| {
            !p.starts_with('/') || p.contains(['{', '}', '*', '?', '#']) || p.contains("//")
        })
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the three paths must be distinct plain paths starting with /",
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let core = Arc::new(Core {
        base_url: format!("http://{address}"),
        config,
        state: Mutex::new(State::default()),
    });
    let router = Router::new()
        .route(
            &core.config.add_path,
            post(|state, headers, body| call(state, Endpoint::Add, headers, body)),
        )
        .route(
            &core.config.update_path,
            post(|state, headers, body| call(state, Endpoint::Update, headers, body)),
        )
        .route(
            &core.config.history_path,
            post(|state, headers, body| call(state, Endpoint::History, headers, body)),
        )
        .with_state(core.clone());
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::warn!(%error, "national portal simulator stopped");
        }
    });
    Ok(SimulatorHandle { core, task })
}

async fn call(
    Extract(core): Extract<Arc<Core>>,
    endpoint: Endpoint,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (status, code, message) = answer(&core, endpoint, &headers, &body);
    (
        status,
        axum::Json(json!({ "error_code": code, "message": message })),
    )
        .into_response()
}

/// Everything a request does, under the lock and without awaiting.
fn answer(
    core: &Core,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: &[u8],
) -> (StatusCode, String, String) {
    let mut state = core.state();
    match endpoint {
        Endpoint::Add => state.requests.add += 1,
        Endpoint::Update => state.requests.update += 1,
        Endpoint::History => state.requests.history += 1,
    }
    if state.outage {
        state.requests.unavailable += 1;
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE.to_owned(),
            "Hệ thống đang tạm ngừng phục vụ (mô phỏng)".to_owned(),
        );
    }
    if state.fail_every > 0 {
        state.since_fail_set += 1;
        if state
            .since_fail_set
            .is_multiple_of(u64::from(state.fail_every))
        {
            state.requests.failed += 1;
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                codes::INTERNAL.to_owned(),
                "Lỗi hệ thống (mô phỏng)".to_owned(),
            );
        }
    }
    if !authorised(&core.config, headers) {
        state.requests.unauthorized += 1;
        return (
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED.to_owned(),
            "Không có quyền truy cập: thiếu hoặc sai mã xác thực".to_owned(),
        );
    }
    let outcome = match endpoint {
        Endpoint::Add => add(&mut state, body),
        Endpoint::Update => update(&mut state, body),
        Endpoint::History => history(&mut state, body),
    };
    match outcome {
        Ok(message) => {
            state.requests.accepted += 1;
            (StatusCode::OK, SUCCESS.to_owned(), message)
        }
        Err(Refused { code, message }) => {
            state.requests.refused += 1;
            state.refusals.push(Refusal {
                endpoint,
                code: code.to_owned(),
                message: message.clone(),
            });
            (StatusCode::OK, code.to_owned(), message)
        }
    }
}

fn authorised(config: &SimulatorConfig, headers: &HeaderMap) -> bool {
    let Some(token) = config.token.as_deref() else {
        return true;
    };
    let bearer = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given.trim());
    let key = headers
        .get(config.api_key_header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    [bearer, key]
        .into_iter()
        .flatten()
        .any(|given| constant_time_eq(given.as_bytes(), token.as_bytes()))
}

/// Equality in time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

fn add(state: &mut State, body: &[u8]) -> Result<String, Refused> {
    let records = check::dossiers(body)?;
    let mut seen = HashSet::new();
    for (record, _) in &records {
        let code = &record.dossier_code;
        if state.dossiers.contains_key(code) || !seen.insert(code.as_str()) {
            return Err(Refused::new(
                codes::ALREADY_EXISTS,
                format!("Hồ sơ {code} đã tồn tại"),
            ));
        }
    }
    let count = records.len();
    for (record, status) in records {
        state.dossiers.insert(
            record.dossier_code.clone(),
            HeldDossier {
                status,
                updates: 0,
                history: Vec::new(),
                record,
            },
        );
    }
    Ok(format!("Thêm mới thành công {count} hồ sơ"))
}

fn update(state: &mut State, body: &[u8]) -> Result<String, Refused> {
    let records = check::dossiers(body)?;
    let count = records.len();
    // Changes are staged and kept only when the whole batch passes.
    let mut staged: BTreeMap<String, HeldDossier> = BTreeMap::new();
    for (record, status) in records {
        let code = record.dossier_code.clone();
        let Some(current) = staged.get(&code).or_else(|| state.dossiers.get(&code)) else {
            return Err(Refused::new(
                codes::NOT_FOUND,
                format!("Hồ sơ {code} không tồn tại"),
            ));
        };
        if !is_allowed_transition(current.status, status) {
            return Err(Refused::new(
                codes::TRANSITION,
                format!(
                    "Hồ sơ {code}: không được chuyển từ trạng thái {} sang trạng thái {status}",
                    current.status
                ),
            ));
        }
        let next = HeldDossier {
            status,
            updates: current.updates + 1,
            history: current.history.clone(),
            record,
        };
        staged.insert(code, next);
    }
    state.dossiers.extend(staged);
    Ok(format!("Cập nhật thành công {count} hồ sơ"))
}

fn history(state: &mut State, body: &[u8]) -> Result<String, Refused> {
    let lines = check::history(body)?;
    if let Some(line) = lines
        .iter()
        .find(|line| !state.dossiers.contains_key(&line.dossier_code))
    {
        return Err(Refused::new(
            codes::NOT_FOUND,
            format!("Hồ sơ {} không tồn tại", line.dossier_code),
        ));
    }
    let count = lines.len();
    for line in lines {
        if let Some(held) = state.dossiers.get_mut(&line.dossier_code) {
            held.history.push(line);
        }
    }
    Ok(format!("Đồng bộ tiến trình thành công {count} bản ghi"))
}
