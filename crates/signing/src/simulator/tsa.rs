//! A local RFC 3161 timestamp authority: `POST /tsa` with `application/timestamp-query`.

use crate::cms_build::{self, ID_CT_TST_INFO};
use crate::der_types::{PkiStatusInfo, TimeStampReq, TimeStampResp, TstInfo};
use crate::keys::{KeySource, SoftwareKey};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// The TSA's policy OID (a private arc, test only).
pub const POLICY: &str = "1.3.6.1.4.1.99999.1.1";

struct Core {
    key: SoftwareKey,
    serial: Mutex<u64>,
    requests: Mutex<u32>,
}

/// A local timestamp authority.
pub struct TsaSimulator;

/// A running one; dropping it stops it.
pub struct TsaSimHandle {
    core: Arc<Core>,
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TsaSimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TsaSimHandle {
    /// The URL to give [`crate::tsa::TsaClient::new`].
    pub fn url(&self) -> &str {
        &self.url
    }
    /// Well-formed requests answered so far.
    pub fn granted(&self) -> u32 {
        self.core.requests.lock().map_or(0, |g| *g)
    }
}

impl TsaSimulator {
    /// Starts on `127.0.0.1:<free port>`, signing with `key` (its certificate must carry the
    /// timeStamping extended key usage for validators to accept it).
    pub async fn start(key: SoftwareKey) -> std::io::Result<TsaSimHandle> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let core = Arc::new(Core {
            key,
            serial: Mutex::new(1),
            requests: Mutex::new(0),
        });
        let router = Router::new()
            .route("/tsa", post(stamp))
            .with_state(core.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(TsaSimHandle {
            core,
            url: format!("http://{address}/tsa"),
            task,
        })
    }
}

fn refuse(status: u8) -> Response {
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: None,
    };
    reply(resp.to_der().unwrap_or_default())
}

fn reply(body: Vec<u8>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/timestamp-reply")],
        body,
    )
        .into_response()
}

async fn stamp(State(core): State<Arc<Core>>, headers: HeaderMap, body: Bytes) -> Response {
    if headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        != Some("application/timestamp-query")
    {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/timestamp-query only",
        )
            .into_response();
    }
    let Ok(req) = TimeStampReq::from_der(&body) else {
        return refuse(2); // rejection: badDataFormat
    };
    if req.version != 1
        || req.message_imprint.hash_algorithm.oid != crate::x509::SHA256
        || req.message_imprint.hashed_message.as_bytes().len() != 32
    {
        return refuse(2);
    }
    match issue(&core, &req) {
        Ok(der) => {
            if let Ok(mut n) = core.requests.lock() {
                *n += 1;
            }
            reply(der)
        }
        Err(_) => refuse(2),
    }
}

fn issue(core: &Core, req: &TimeStampReq) -> Result<Vec<u8>, crate::SignError> {
    let serial = {
        let mut s = core
            .serial
            .lock()
            .map_err(|_| crate::SignError::Remote("poisoned".into()))?;
        *s += 1;
        *s
    };
    let info = TstInfo {
        version: 1,
        policy: const_oid::ObjectIdentifier::new(POLICY)
            .map_err(|e| crate::SignError::Asn1(e.to_string()))?,
        message_imprint: req.message_imprint.clone(),
        serial_number: crate::der_types::uint(serial)?,
        gen_time: crate::der_types::generalized_time(time::OffsetDateTime::now_utc())?,
        accuracy: None,
        ordering: false,
        nonce: req.nonce.clone(),
        tsa: None,
        extensions: None,
    }
    .to_der()?;
    let attrs = cms_build::signed_attributes(
        ID_CT_TST_INFO,
        &Sha256::digest(&info),
        core.key.certificate(),
    )?;
    let to_sign = cms_build::signed_attributes_digest(&attrs)?;
    let signature = core.key.sign_digest_now(&to_sign)?;
    let chain = if req.cert_req {
        core.key.chain().to_vec()
    } else {
        Vec::new()
    };
    let token = cms_build::assemble(
        core.key.certificate(),
        &chain,
        core.key.algorithm(),
        ID_CT_TST_INFO,
        Some(info),
        attrs,
        signature,
        None,
    )?;
    let resp = TimeStampResp {
        status: PkiStatusInfo {
            status: 0,
            status_string: None,
            fail_info: None,
        },
        time_stamp_token: Some(cms::content_info::ContentInfo::from_der(&token)?),
    };
    Ok(resp.to_der()?)
}
