//! A local remote-signing gateway shaped like NEAC's: it holds the users' keys, checks every
//! request as the real one would (credentials, user, certificate and serial, a fresh
//! transaction id, one 32-byte SHA-256 digest per file) and, if configured, answers "waiting
//! for the holder's confirmation" a few times before the signatures.

use crate::keys::{KeySource, SoftwareKey};
use crate::remote::{
    CertificatesRequest, CertificatesResponse, RemoteCertificate, SignRequest, SignResponse,
    SignedFile, status,
};
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A certificate holder at the gateway.
pub struct GatewayUser {
    pub user_id: String,
    pub ca_name: String,
    pub key: SoftwareKey,
}

/// How the simulator behaves.
pub struct GatewayConfig {
    pub sp_id: String,
    pub sp_password: String,
    pub users: Vec<GatewayUser>,
    /// Status polls answered "pending" before the signatures (the holder confirming).
    pub pending_polls: u32,
    /// The holder refuses every request.
    pub refuse: bool,
}

struct Pending {
    polls_left: u32,
    response: SignResponse,
}

#[derive(Default)]
struct SimState {
    transactions: HashMap<String, Pending>,
    /// Every sign request received (after checks), for tests.
    log: Vec<SignRequest>,
}

struct Core {
    config: GatewayConfig,
    state: Mutex<SimState>,
}

/// The simulator.
pub struct GatewaySimulator;

/// A running gateway; dropping it stops it.
pub struct GatewaySimHandle {
    core: Arc<Core>,
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for GatewaySimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl GatewaySimHandle {
    /// The base URL for [`crate::remote::RemoteSigningClient::new`].
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The sign requests accepted so far.
    pub fn sign_requests(&self) -> Vec<SignRequest> {
        self.core
            .state
            .lock()
            .map(|s| s.log.clone())
            .unwrap_or_default()
    }
}

impl GatewaySimulator {
    pub async fn start(config: GatewayConfig) -> std::io::Result<GatewaySimHandle> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let core = Arc::new(Core {
            config,
            state: Mutex::new(SimState::default()),
        });
        let router = Router::new()
            .route("/api/certificates", post(certificates))
            .route("/api/sign", post(sign))
            .route("/api/transactions/status", post(poll))
            .with_state(core.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(GatewaySimHandle {
            core,
            base_url: format!("http://{address}"),
            task,
        })
    }
}

fn hex_serial(cert: &[u8]) -> String {
    crate::x509::parse(cert)
        .map(|c| crate::x509::serial_hex(&c))
        .unwrap_or_default()
}

async fn certificates(
    State(core): State<Arc<Core>>,
    Json(req): Json<CertificatesRequest>,
) -> Json<CertificatesResponse> {
    let answer = |code: i32, message: &str, certificates| {
        Json(CertificatesResponse {
            status_code: code,
            message: message.into(),
            certificates,
        })
    };
    if req.sp_id != core.config.sp_id || req.sp_password != core.config.sp_password {
        return answer(status::UNAUTHORIZED, "invalid service provider", vec![]);
    }
    let certs: Vec<RemoteCertificate> = core
        .config
        .users
        .iter()
        .filter(|u| u.user_id == req.user_id)
        .map(|u| RemoteCertificate {
            ca_name: u.ca_name.clone(),
            cert_data: B64.encode(u.key.certificate()),
            serial_number: hex_serial(u.key.certificate()),
            chain_data: u.key.chain().iter().map(|c| B64.encode(c)).collect(),
        })
        .collect();
    if certs.is_empty() {
        return answer(status::NOT_FOUND, "user not found", vec![]);
    }
    answer(status::OK, "success", certs)
}

fn sign_answer(code: i32, message: &str, id: &str) -> Json<SignResponse> {
    Json(SignResponse {
        status_code: code,
        message: message.into(),
        transaction_id: id.into(),
        sign_files: vec![],
    })
}

async fn sign(State(core): State<Arc<Core>>, Json(req): Json<SignRequest>) -> Json<SignResponse> {
    let id = req.transaction_id.clone();
    if req.sp_id != core.config.sp_id || req.sp_password != core.config.sp_password {
        return sign_answer(status::UNAUTHORIZED, "invalid service provider", &id);
    }
    let Some(user) = core
        .config
        .users
        .iter()
        .find(|u| u.user_id == req.user_id && u.ca_name == req.ca_name)
    else {
        return sign_answer(status::NOT_FOUND, "user not found", &id);
    };
    if req.cert_data != B64.encode(user.key.certificate())
        || req.serial_number != hex_serial(user.key.certificate())
    {
        return sign_answer(status::NOT_FOUND, "certificate not found", &id);
    }
    if id.is_empty() || id.len() > 64 {
        return sign_answer(status::BAD_REQUEST, "transaction_id required", &id);
    }
    if req.sign_files.is_empty() {
        return sign_answer(status::BAD_REQUEST, "sign_files required", &id);
    }
    let mut files = Vec::new();
    for f in &req.sign_files {
        if f.hash_algorithm != "SHA-256" {
            return sign_answer(status::BAD_REQUEST, "hash_algorithm must be SHA-256", &id);
        }
        let digest: Option<[u8; 32]> = B64
            .decode(&f.data_to_be_signed)
            .ok()
            .and_then(|d| d.try_into().ok());
        let Some(digest) = digest else {
            return sign_answer(
                status::BAD_REQUEST,
                "data_to_be_signed must be a base64 SHA-256 digest",
                &id,
            );
        };
        let Ok(sig) = user.key.sign_digest_now(&digest) else {
            return sign_answer(status::BAD_REQUEST, "signing failed", &id);
        };
        files.push(SignedFile {
            doc_id: f.doc_id.clone(),
            signature_value: B64.encode(sig),
        });
    }
    let Ok(mut state) = core.state.lock() else {
        return sign_answer(status::BAD_REQUEST, "busy", &id);
    };
    if state.transactions.contains_key(&id) {
        return sign_answer(status::BAD_REQUEST, "duplicate transaction_id", &id);
    }
    state.log.push(req.clone());
    let done = if core.config.refuse {
        SignResponse {
            status_code: status::REFUSED,
            message: "refused by the certificate holder".into(),
            transaction_id: id.clone(),
            sign_files: vec![],
        }
    } else {
        SignResponse {
            status_code: status::OK,
            message: "success".into(),
            transaction_id: id.clone(),
            sign_files: files,
        }
    };
    state.transactions.insert(
        id.clone(),
        Pending {
            polls_left: core.config.pending_polls,
            response: done.clone(),
        },
    );
    if core.config.pending_polls > 0 {
        return sign_answer(status::PENDING, "waiting for confirmation", &id);
    }
    Json(done)
}

#[derive(serde::Deserialize)]
struct PollRequest {
    sp_id: String,
    sp_password: String,
    transaction_id: String,
}

async fn poll(State(core): State<Arc<Core>>, Json(req): Json<PollRequest>) -> Json<SignResponse> {
    let id = req.transaction_id.clone();
    if req.sp_id != core.config.sp_id || req.sp_password != core.config.sp_password {
        return sign_answer(status::UNAUTHORIZED, "invalid service provider", &id);
    }
    let Ok(mut state) = core.state.lock() else {
        return sign_answer(status::BAD_REQUEST, "busy", &id);
    };
    let Some(p) = state.transactions.get_mut(&id) else {
        return sign_answer(status::NOT_FOUND, "transaction not found", &id);
    };
    if p.polls_left > 1 {
        p.polls_left -= 1;
        return sign_answer(status::PENDING, "waiting for confirmation", &id);
    }
    Json(p.response.clone())
}
