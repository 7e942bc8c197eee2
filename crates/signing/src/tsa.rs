//! RFC 3161 timestamps: the request we send, the token we embed (PAdES B-T).

use crate::der_types::{MessageImprint, TimeStampReq, TimeStampResp, TstInfo};
use crate::{BoxFuture, SignError, cms_build};
use der::{Decode, Encode};
use std::time::Duration;

/// Stamps a SHA-256 digest; returns the DER `TimeStampToken` (a ContentInfo).
pub trait Timestamper: Send + Sync {
    fn timestamp(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SignError>>;
}

/// A timestamp authority over HTTP (`application/timestamp-query`, RFC 3161 §3.4).
#[derive(Debug, Clone)]
pub struct TsaClient {
    url: String,
    client: reqwest::Client,
}

pub(crate) fn http_client() -> Result<reqwest::Client, SignError> {
    // reqwest is built without a bundled crypto provider so that only ring is linked.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SignError::Remote(format!("HTTP client: {e}")))
}

impl TsaClient {
    pub fn new(url: impl Into<String>) -> Result<Self, SignError> {
        Ok(TsaClient {
            url: url.into(),
            client: http_client()?,
        })
    }
}

/// The DER request for `digest`, with a nonce and asking for the TSA's certificate.
pub(crate) fn request(digest: &[u8; 32], nonce: u64) -> Result<Vec<u8>, SignError> {
    Ok(TimeStampReq {
        version: 1,
        message_imprint: MessageImprint {
            hash_algorithm: cms_build::sha256_alg(),
            hashed_message: der::asn1::OctetString::new(digest.to_vec())?,
        },
        req_policy: None,
        nonce: Some(crate::der_types::uint(nonce)?),
        cert_req: true,
        extensions: None,
    }
    .to_der()?)
}

/// Reads a response: the token when granted, and checks it stamps `digest` with `nonce`.
pub(crate) fn accept_response(
    body: &[u8],
    digest: &[u8; 32],
    nonce: u64,
) -> Result<Vec<u8>, SignError> {
    let resp = TimeStampResp::from_der(body)
        .map_err(|e| SignError::Remote(format!("timestamp response: {e}")))?;
    if resp.status.status > 1 {
        return Err(SignError::Remote(format!(
            "the timestamp authority refused (status {})",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| SignError::Remote("timestamp response without a token".into()))?;
    let der = token.to_der()?;
    let info = tst_info(&der)?;
    if info.message_imprint.hashed_message.as_bytes() != digest {
        return Err(SignError::Remote(
            "the timestamp covers another digest".into(),
        ));
    }
    let want = crate::der_types::uint(nonce)?;
    if info.nonce.as_ref() != Some(&want) {
        return Err(SignError::Remote("the timestamp's nonce differs".into()));
    }
    Ok(der)
}

/// The `TSTInfo` inside a token (not verified here: see [`crate::verify`]).
pub(crate) fn tst_info(token_der: &[u8]) -> Result<TstInfo, SignError> {
    let ci = cms::content_info::ContentInfo::from_der(token_der)?;
    let sd: cms::signed_data::SignedData = ci.content.decode_as()?;
    if sd.encap_content_info.econtent_type != cms_build::ID_CT_TST_INFO {
        return Err(SignError::Asn1("the token does not hold a TSTInfo".into()));
    }
    let content = sd
        .encap_content_info
        .econtent
        .ok_or_else(|| SignError::Asn1("the token has no content".into()))?;
    let octets: der::asn1::OctetString = content.decode_as()?;
    Ok(TstInfo::from_der(octets.as_bytes())?)
}

fn nonce() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

impl Timestamper for TsaClient {
    fn timestamp(&self, digest: [u8; 32]) -> BoxFuture<'_, Result<Vec<u8>, SignError>> {
        Box::pin(async move {
            let nonce = nonce();
            let body = request(&digest, nonce)?;
            let resp = self
                .client
                .post(&self.url)
                .header("Content-Type", "application/timestamp-query")
                .body(body)
                .send()
                .await
                .map_err(|e| SignError::Remote(format!("timestamp authority: {e}")))?;
            if !resp.status().is_success() {
                return Err(SignError::Remote(format!(
                    "timestamp authority answered HTTP {}",
                    resp.status()
                )));
            }
            let bytes = resp
                .bytes()
                .await
                .map_err(|e| SignError::Remote(format!("timestamp authority: {e}")))?;
            accept_response(&bytes, &digest, nonce)
        })
    }
}
