//! Blobs in an S3-compatible service (MinIO, Ceph RGW, a provincial cloud, AWS S3) through the
//! `object_store` crate's S3 client (request signing, error bodies, retries of transient
//! failures), so no protocol code of our own.
//!
//! Path-style URLs (`{endpoint}/{bucket}/{key}`) because most self-hosted services and local
//! clouds serve them without wildcard DNS. The object key is the SHA-256 itself, so the bucket
//! can be shared only with other content-addressed data. Requests are signed over the payload's
//! SHA-256, which S3 checks against the body it received. The HTTP client is ours, built like
//! the OpenID Connect one: rustls with ring, no redirects, no system proxy, connect and total
//! timeouts.

use crate::{BlobError, BlobResult, BlobStore, BoxFuture, check_key, verify};
use bytes::Bytes;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::client::{HttpClient, HttpConnector};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStoreExt, PutPayload, RetryConfig};
use reqwest::Url;
use std::time::Duration;

/// Where and how to reach the service.
#[derive(Clone)]
pub struct S3Config {
    /// Base URL of the service, e.g. `https://s3.cantho.gov.vn` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    /// Signing region, e.g. `us-east-1` (MinIO's default) or the provider's region name.
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    /// Total time allowed for one request (uploads of large scans included).
    pub timeout: Duration,
}

impl std::fmt::Debug for S3Config {
    // The secret must not end up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An S3-compatible bucket.
pub struct S3Blobs {
    store: AmazonS3,
    /// For [`BlobStore::describe`]: the endpoint without credentials.
    endpoint: Url,
    region: String,
    bucket: String,
}

impl std::fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> BlobError {
    BlobError::Unavailable(format!("{what}: {error}"))
}

/// The `<Code>` of an S3 XML error body, if any.
fn error_code(body: &str) -> String {
    body.split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.chars().take(64).collect())
        .unwrap_or_default()
}

/// `object_store` keeps the HTTP status in its error kind and the service's XML answer in the
/// message; the code (e.g. `SignatureDoesNotMatch`) is what an operator needs to see.
fn from_store(error: object_store::Error) -> BlobError {
    use object_store::Error as E;
    match &error {
        E::NotFound { .. } => BlobError::NotFound,
        E::PermissionDenied { .. } => BlobError::Refused {
            status: 403,
            code: error_code(&error.to_string()),
        },
        E::Unauthenticated { .. } => BlobError::Refused {
            status: 401,
            code: error_code(&error.to_string()),
        },
        _ => unavailable("s3", error),
    }
}

/// Hands `object_store` our own `reqwest` client instead of the one it would build from
/// [`ClientOptions`], which follows the system proxy and cannot switch redirects off.
#[derive(Debug)]
struct Connector {
    client: reqwest::Client,
}

impl HttpConnector for Connector {
    fn connect(&self, _options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(self.client.clone()))
    }
}

impl S3Blobs {
    pub fn new(config: S3Config) -> BlobResult<Self> {
        let endpoint = Url::parse(config.endpoint.trim_end_matches('/'))
            .map_err(|e| unavailable("s3 endpoint", e))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(unavailable(
                "s3 endpoint",
                "must be an http:// or https:// URL",
            ));
        }
        if endpoint.host_str().is_none() {
            return Err(unavailable("s3 endpoint", "has no host"));
        }
        let bucket = config.bucket.trim().to_owned();
        if bucket.is_empty() || bucket.contains('/') {
            return Err(unavailable("s3 bucket", "must be a bucket name"));
        }
        // reqwest is built without a bundled crypto provider so that only ring is linked; it
        // must be the process default. Another part of the program may have installed it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(5).min(config.timeout))
            .timeout(config.timeout)
            .user_agent(concat!("motcua/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| unavailable("http client", e))?;
        let store = AmazonS3Builder::new()
            .with_endpoint(endpoint.as_str().trim_end_matches('/'))
            .with_region(&config.region)
            .with_bucket_name(&bucket)
            .with_access_key_id(&config.access_key)
            .with_secret_access_key(&config.secret_key)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(endpoint.scheme() == "http")
            // A few quick retries of timeouts and 5xx answers, all within the request budget:
            // four, as the AWS SDKs' standard mode, since S3-compatible stores answer 500/503
            // under contention (the test's simulator does, to four writers of one object).
            .with_retry(RetryConfig {
                max_retries: 4,
                retry_timeout: config.timeout,
                ..RetryConfig::default()
            })
            .with_http_connector(Connector { client })
            .build()
            .map_err(|e| unavailable("s3 configuration", e))?;
        Ok(S3Blobs {
            store,
            endpoint,
            region: config.region,
            bucket,
        })
    }
}

impl BlobStore for S3Blobs {
    fn put<'a>(&'a self, sha256: &'a str, bytes: Bytes) -> BoxFuture<'a, BlobResult<()>> {
        Box::pin(async move {
            check_key(sha256)?;
            verify(sha256, &bytes)?;
            // Content-addressed: an object under this key already holds these bytes, so the
            // upload is skipped (saves the bandwidth of a re-used scan).
            if self.exists(sha256).await? {
                return Ok(());
            }
            self.store
                .put(&Path::from(sha256), PutPayload::from_bytes(bytes))
                .await
                .map_err(from_store)?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<Bytes>> {
        Box::pin(async move {
            check_key(sha256)?;
            let answer = self
                .store
                .get(&Path::from(sha256))
                .await
                .map_err(from_store)?;
            let bytes = answer.bytes().await.map_err(from_store)?;
            verify(sha256, &bytes)?;
            Ok(bytes)
        })
    }

    fn exists<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<bool>> {
        Box::pin(async move {
            check_key(sha256)?;
            match self.store.head(&Path::from(sha256)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(error) => Err(from_store(error)),
            }
        })
    }

    fn describe(&self) -> String {
        format!(
            "s3:{}/{} ({})",
            self.endpoint.as_str().trim_end_matches('/'),
            self.bucket,
            self.region
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str) -> S3Config {
        S3Config {
            endpoint: endpoint.into(),
            region: "us-east-1".into(),
            bucket: "motcua".into(),
            access_key: "AK".into(),
            secret_key: "very-secret".into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[test]
    fn bad_endpoints_are_refused_and_secrets_never_printed() {
        assert!(S3Blobs::new(config("ftp://example.vn")).is_err());
        assert!(S3Blobs::new(config("not a url")).is_err());
        let debug = format!("{:?}", config("http://127.0.0.1:9000"));
        assert!(!debug.contains("very-secret"), "{debug}");
        let blobs = S3Blobs::new(config("https://cloud.example.vn/storage/")).expect("config");
        assert_eq!(
            blobs.describe(),
            "s3:https://cloud.example.vn/storage/motcua (us-east-1)"
        );
        assert!(!format!("{blobs:?}").contains("very-secret"));
    }

    #[test]
    fn s3_error_codes_are_read_from_the_xml_body() {
        assert_eq!(
            error_code("<Error><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error>"),
            "SignatureDoesNotMatch"
        );
        assert_eq!(error_code("nothing"), "");
    }
}
