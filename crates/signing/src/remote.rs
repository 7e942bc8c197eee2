//! Remote signing (ký số từ xa) through a gateway shaped like the national NEAC eSign gateway
//! (vn-legal §16: a request names the user by CCCD/tax code, the CA, the certificate and its
//! serial, a transaction id and the files; the answer carries `status_code`, `message` and the
//! signed files). We send the digest to sign rather than the whole file (the gateway's hash
//! mode), so the document never leaves the agency: phase 1 is [`crate::PdfSigner::prepare`],
//! phase 2 is [`RemoteSigningClient::sign_hashes`] (possibly waiting for the holder to confirm
//! on their phone), phase 3 is [`crate::PreparedSignature::finish`].

use crate::keys::{KeyAlgorithm, KeySource};
use crate::{BoxFuture, SignError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The gateway's answer codes.
pub mod status {
    /// Done.
    pub const OK: i32 = 0;
    /// Waiting for the certificate holder to confirm.
    pub const PENDING: i32 = 1;
    /// The holder refused.
    pub const REFUSED: i32 = 2;
    /// The confirmation window passed.
    pub const EXPIRED: i32 = 3;
    /// The service provider's credentials are wrong.
    pub const UNAUTHORIZED: i32 = 401;
    /// The request does not follow the protocol (the message says what).
    pub const BAD_REQUEST: i32 = 400;
    /// No such user or certificate.
    pub const NOT_FOUND: i32 = 404;
}

/// `POST {base}/api/certificates`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificatesRequest {
    pub sp_id: String,
    pub sp_password: String,
    /// CCCD or tax code.
    pub user_id: String,
}

/// One certificate of the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RemoteCertificate {
    pub ca_name: String,
    /// Base64 DER.
    pub cert_data: String,
    /// Upper-case hexadecimal.
    pub serial_number: String,
    /// Base64 DER issuers, nearest first.
    #[serde(default)]
    pub chain_data: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificatesResponse {
    pub status_code: i32,
    pub message: String,
    #[serde(default)]
    pub certificates: Vec<RemoteCertificate>,
}

/// One document's digest in a sign request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignFile {
    pub doc_id: String,
    pub file_name: String,
    /// Base64 of the SHA-256 digest of the CMS signed attributes.
    pub data_to_be_signed: String,
    /// `SHA-256`.
    pub hash_algorithm: String,
}

/// `POST {base}/api/sign`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignRequest {
    pub sp_id: String,
    pub sp_password: String,
    pub user_id: String,
    pub ca_name: String,
    pub cert_data: String,
    pub serial_number: String,
    pub transaction_id: String,
    pub sign_files: Vec<SignFile>,
}

/// One document's signature in an answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedFile {
    pub doc_id: String,
    /// Base64 signature value (PKCS#1 v1.5, or DER ECDSA).
    pub signature_value: String,
}

/// The answer to `POST {base}/api/sign` and `GET {base}/api/transactions/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignResponse {
    pub status_code: i32,
    pub message: String,
    pub transaction_id: String,
    #[serde(default, rename = "signFiles")]
    pub sign_files: Vec<SignedFile>,
}

/// A client of the gateway.
#[derive(Debug, Clone)]
pub struct RemoteSigningClient {
    base_url: String,
    sp_id: String,
    sp_password: String,
    http: reqwest::Client,
    poll_every: Duration,
    give_up_after: Duration,
}

impl RemoteSigningClient {
    /// `base_url` without a trailing slash; `sp_id`/`sp_password` are the agency's credentials.
    pub fn new(
        base_url: impl Into<String>,
        sp_id: impl Into<String>,
        sp_password: impl Into<String>,
    ) -> Result<Self, SignError> {
        Ok(RemoteSigningClient {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            sp_id: sp_id.into(),
            sp_password: sp_password.into(),
            http: crate::tsa::http_client()?,
            poll_every: Duration::from_millis(500),
            give_up_after: Duration::from_secs(120),
        })
    }

    /// How often to ask whether the holder confirmed, and for how long.
    pub fn with_polling(mut self, every: Duration, give_up_after: Duration) -> Self {
        self.poll_every = every;
        self.give_up_after = give_up_after;
        self
    }

    async fn post<B: Serialize, R: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R, SignError> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(body)
            .send()
            .await
            .map_err(|e| SignError::Remote(format!("remote-signing gateway: {e}")))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| SignError::Remote(format!("remote-signing gateway: {e}")))?;
        serde_json::from_str(&text).map_err(|_| {
            SignError::Remote(format!(
                "remote-signing gateway answered HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            ))
        })
    }

    /// The user's certificate at the gateway, as a [`KeySource`].
    pub async fn key(&self, user_id: &str) -> Result<RemoteKey, SignError> {
        let resp: CertificatesResponse = self
            .post(
                "/api/certificates",
                &CertificatesRequest {
                    sp_id: self.sp_id.clone(),
                    sp_password: self.sp_password.clone(),
                    user_id: user_id.to_owned(),
                },
            )
            .await?;
        if resp.status_code != status::OK {
            return Err(SignError::Remote(format!(
                "{} {}",
                resp.status_code, resp.message
            )));
        }
        let cert = resp
            .certificates
            .into_iter()
            .next()
            .ok_or_else(|| SignError::Remote("the user has no certificate".into()))?;
        let decode = |s: &str| {
            B64.decode(s)
                .map_err(|_| SignError::Remote("certificate not in base64".into()))
        };
        let certificate = decode(&cert.cert_data)?;
        let chain = cert
            .chain_data
            .iter()
            .map(|c| decode(c))
            .collect::<Result<Vec<_>, _>>()?;
        let algorithm = crate::keys::algorithm_of(&certificate)?;
        Ok(RemoteKey {
            client: self.clone(),
            user_id: user_id.to_owned(),
            ca_name: cert.ca_name,
            serial_number: cert.serial_number,
            certificate,
            chain,
            algorithm,
        })
    }

    /// Phase 2 for several documents at once: digests out, signatures back (waiting while the
    /// gateway says the holder has not confirmed yet). Signatures come back in `files` order.
    pub async fn sign_hashes(
        &self,
        key: &RemoteKey,
        transaction_id: &str,
        files: &[(String, String, [u8; 32])],
    ) -> Result<Vec<Vec<u8>>, SignError> {
        let request = SignRequest {
            sp_id: self.sp_id.clone(),
            sp_password: self.sp_password.clone(),
            user_id: key.user_id.clone(),
            ca_name: key.ca_name.clone(),
            cert_data: B64.encode(&key.certificate),
            serial_number: key.serial_number.clone(),
            transaction_id: transaction_id.to_owned(),
            sign_files: files
                .iter()
                .map(|(doc_id, file_name, digest)| SignFile {
                    doc_id: doc_id.clone(),
                    file_name: file_name.clone(),
                    data_to_be_signed: B64.encode(digest),
                    hash_algorithm: "SHA-256".into(),
                })
                .collect(),
        };
        let mut resp: SignResponse = self.post("/api/sign", &request).await?;
        let started = std::time::Instant::now();
        while resp.status_code == status::PENDING {
            if started.elapsed() > self.give_up_after {
                return Err(SignError::Remote(
                    "the certificate holder did not confirm in time".into(),
                ));
            }
            tokio::time::sleep(self.poll_every).await;
            let r = self
                .http
                .post(format!("{}/api/transactions/status", self.base_url))
                .json(&serde_json::json!({
                    "sp_id": self.sp_id,
                    "sp_password": self.sp_password,
                    "transaction_id": transaction_id,
                }))
                .send()
                .await
                .map_err(|e| SignError::Remote(format!("remote-signing gateway: {e}")))?;
            resp = r
                .json()
                .await
                .map_err(|e| SignError::Remote(format!("remote-signing gateway: {e}")))?;
        }
        if resp.status_code != status::OK {
            return Err(SignError::Remote(format!(
                "{} {}",
                resp.status_code, resp.message
            )));
        }
        if resp.transaction_id != transaction_id {
            return Err(SignError::Remote("answer for another transaction".into()));
        }
        files
            .iter()
            .map(|(doc_id, _, _)| {
                let f = resp
                    .sign_files
                    .iter()
                    .find(|f| &f.doc_id == doc_id)
                    .ok_or_else(|| SignError::Remote(format!("no signature for {doc_id}")))?;
                B64.decode(&f.signature_value)
                    .map_err(|_| SignError::Remote("signature not in base64".into()))
            })
            .collect()
    }
}

/// A certificate held at the gateway.
#[derive(Debug, Clone)]
pub struct RemoteKey {
    client: RemoteSigningClient,
    user_id: String,
    ca_name: String,
    serial_number: String,
    certificate: Vec<u8>,
    chain: Vec<Vec<u8>>,
    algorithm: KeyAlgorithm,
}

impl RemoteKey {
    pub fn ca_name(&self) -> &str {
        &self.ca_name
    }
    pub fn serial_number(&self) -> &str {
        &self.serial_number
    }
}

fn transaction_id(digest: &[u8; 32]) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tail: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("mc-{nanos:x}-{tail}")
}

impl KeySource for RemoteKey {
    fn certificate(&self) -> &[u8] {
        &self.certificate
    }
    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }
    fn sign_digest(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SignError>> {
        Box::pin(async move {
            let id = transaction_id(&digest);
            let mut sigs = self
                .client
                .sign_hashes(
                    self,
                    &id,
                    &[("1".to_owned(), "document.pdf".to_owned(), digest)],
                )
                .await?;
            sigs.pop()
                .ok_or_else(|| SignError::Remote("no signature returned".into()))
        })
    }
}
