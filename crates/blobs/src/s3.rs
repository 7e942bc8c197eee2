//! Blobs in an S3-compatible service (MinIO, Ceph RGW, a provincial cloud, AWS S3) over plain
//! HTTP requests signed with [`sigv4`](crate::sigv4).
//!
//! Path-style URLs (`{endpoint}/{bucket}/{key}`) because most self-hosted services and local
//! clouds serve them without wildcard DNS. The object key is the SHA-256 itself, so the bucket
//! can be shared only with other content-addressed data. Every request carries the payload's
//! SHA-256 in `x-amz-content-sha256`, which S3 checks against the body it received. The client
//! follows no redirects, uses no system proxy, and has connect and total timeouts.

use crate::sigv4::{self, Credentials, EMPTY_SHA256};
use crate::{BlobError, BlobResult, BlobStore, BoxFuture, check_key, verify};
use bytes::Bytes;
use reqwest::{Method, StatusCode, Url};
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
    client: reqwest::Client,
    endpoint: Url,
    /// `host[:port]` exactly as sent in the `Host` header (and signed).
    host: String,
    region: String,
    bucket: String,
    credentials: Credentials,
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
        let host = match (endpoint.host_str(), endpoint.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(unavailable("s3 endpoint", "has no host")),
        };
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
        Ok(S3Blobs {
            client,
            endpoint,
            host,
            region: config.region,
            bucket,
            credentials: Credentials {
                access_key: config.access_key,
                secret_key: config.secret_key,
            },
        })
    }

    /// The URI-encoded path of an object (the endpoint's own path, if any, comes first).
    fn object_path(&self, key: &str) -> String {
        let base = self.endpoint.path().trim_end_matches('/');
        sigv4::uri_encode(&format!("{base}/{}/{key}", self.bucket), true)
    }

    /// Sends one signed request for the object `key`.
    async fn send(
        &self,
        method: Method,
        key: &str,
        payload_sha256: &str,
        body: Option<Bytes>,
    ) -> BlobResult<reqwest::Response> {
        let path = self.object_path(key);
        let amz_date = sigv4::amz_date(time::OffsetDateTime::now_utc());
        let headers = [
            ("host", self.host.as_str()),
            ("x-amz-content-sha256", payload_sha256),
            ("x-amz-date", amz_date.as_str()),
        ];
        let authorization = sigv4::authorization(
            &self.credentials,
            &self.region,
            "s3",
            &sigv4::Request {
                method: method.as_str(),
                path: &path,
                query: "",
                headers: &headers,
                payload_sha256,
                amz_date: &amz_date,
            },
        );
        let mut url = self.endpoint.clone();
        // The path is already percent-encoded; `set_path` keeps valid escapes as they are.
        url.set_path(&path);
        let mut request = self
            .client
            .request(method, url)
            .header(reqwest::header::HOST, &self.host)
            .header("x-amz-content-sha256", payload_sha256)
            .header("x-amz-date", &amz_date)
            .header(reqwest::header::AUTHORIZATION, authorization);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(body);
        }
        request
            .send()
            .await
            .map_err(|e| unavailable("s3 request", e))
    }

    async fn refused(response: reqwest::Response) -> BlobError {
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        BlobError::Refused {
            status,
            code: error_code(&body),
        }
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
            let response = self.send(Method::PUT, sha256, sha256, Some(bytes)).await?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(Self::refused(response).await)
            }
        })
    }

    fn get<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<Bytes>> {
        Box::pin(async move {
            check_key(sha256)?;
            let response = self.send(Method::GET, sha256, EMPTY_SHA256, None).await?;
            match response.status() {
                StatusCode::OK => {
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|e| unavailable("s3 body", e))?;
                    verify(sha256, &bytes)?;
                    Ok(bytes)
                }
                StatusCode::NOT_FOUND => Err(BlobError::NotFound),
                _ => Err(Self::refused(response).await),
            }
        })
    }

    fn exists<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<bool>> {
        Box::pin(async move {
            check_key(sha256)?;
            let response = self.send(Method::HEAD, sha256, EMPTY_SHA256, None).await?;
            match response.status() {
                StatusCode::OK => Ok(true),
                StatusCode::NOT_FOUND => Ok(false),
                status => Err(BlobError::Refused {
                    status: status.as_u16(),
                    code: String::new(),
                }),
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
    fn paths_are_path_style_under_the_endpoint() {
        let blobs = S3Blobs::new(config("http://127.0.0.1:9000")).expect("config");
        assert_eq!(blobs.host, "127.0.0.1:9000");
        assert_eq!(blobs.object_path("abc"), "/motcua/abc");
        let prefixed = S3Blobs::new(config("https://cloud.example.vn/storage/")).expect("config");
        assert_eq!(prefixed.host, "cloud.example.vn");
        assert_eq!(prefixed.object_path("abc"), "/storage/motcua/abc");
    }

    #[test]
    fn bad_endpoints_are_refused_and_secrets_never_printed() {
        assert!(S3Blobs::new(config("ftp://example.vn")).is_err());
        assert!(S3Blobs::new(config("not a url")).is_err());
        let debug = format!("{:?}", config("http://127.0.0.1:9000"));
        assert!(!debug.contains("very-secret"), "{debug}");
        let blobs = S3Blobs::new(config("http://127.0.0.1:9000")).expect("config");
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
