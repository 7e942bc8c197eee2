//! The same behaviour tests against [`LocalBlobs`] and [`S3Blobs`], the latter talking to a small
//! S3 simulator on a loopback port that checks what S3 checks: the SigV4 signature recomputed
//! from the request as received, the signing scope and time, and the payload's SHA-256.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_blobs::sigv4::{self, Credentials};
use motcua_blobs::{BlobError, BlobStore, LocalBlobs, S3Blobs, S3Config, sha256_hex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ACCESS_KEY: &str = "MOTCUATESTKEY";
const SECRET_KEY: &str = "simulator-secret-0123456789";
const REGION: &str = "vn-south-1";
const BUCKET: &str = "ho-so";

// --- The S3 simulator ---

#[derive(Default)]
struct Bucket {
    objects: Mutex<HashMap<String, Vec<u8>>>,
    puts: AtomicUsize,
}

fn s3_error(status: StatusCode, code: &str) -> Response {
    (
        status,
        [("content-type", "application/xml")],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code></Error>"),
    )
        .into_response()
}

/// The value of a header as S3 reads it for signing (repeated headers joined with commas).
fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(","))
    }
}

/// Checks the request's SigV4 signature like S3 does; `Err` is the response S3 would give.
fn authenticate(request: &axum::http::request::Parts) -> Result<String, Box<Response>> {
    let denied = |code: &str| Err(Box::new(s3_error(StatusCode::FORBIDDEN, code)));
    let Some(authorization) = header_value(&request.headers, "authorization") else {
        return denied("AccessDenied");
    };
    let Some(fields) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return denied("AccessDenied");
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in fields.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v.to_owned()),
            Some(("SignedHeaders", v)) => signed_headers = Some(v.to_owned()),
            Some(("Signature", v)) => signature = Some(v.to_owned()),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return denied("AuthorizationHeaderMalformed");
    };
    let scope_parts: Vec<&str> = credential.split('/').collect();
    let [access_key, day, region, service, terminator] = scope_parts[..] else {
        return denied("AuthorizationHeaderMalformed");
    };
    if access_key != ACCESS_KEY {
        return denied("InvalidAccessKeyId");
    }
    if region != REGION || service != "s3" || terminator != "aws4_request" {
        return denied("AuthorizationHeaderMalformed");
    }
    let Some(amz_date) = header_value(&request.headers, "x-amz-date") else {
        return denied("AccessDenied");
    };
    if !amz_date.starts_with(day) {
        return denied("AuthorizationHeaderMalformed");
    }
    let now = sigv4::amz_date(time::OffsetDateTime::now_utc());
    let parse = |d: &str| {
        time::PrimitiveDateTime::parse(
            d,
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
        )
    };
    match (parse(&amz_date), parse(&now)) {
        (Ok(sent), Ok(now)) if (now - sent).abs() <= time::Duration::minutes(15) => {}
        _ => return denied("RequestTimeTooSkewed"),
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    for required in ["host", "x-amz-content-sha256", "x-amz-date"] {
        if !names.contains(&required) {
            return denied("AccessDenied");
        }
    }
    let mut values = Vec::new();
    for name in &names {
        let Some(value) = header_value(&request.headers, name) else {
            return denied("SignatureDoesNotMatch");
        };
        values.push((*name, value));
    }
    let pairs: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let Some(payload) = header_value(&request.headers, "x-amz-content-sha256") else {
        return denied("AccessDenied");
    };
    let mut query: Vec<&str> = request
        .uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    query.sort_unstable();
    let (canonical, _) = sigv4::canonical_request(
        request.method.as_str(),
        request.uri.path(),
        &query.join("&"),
        &pairs,
        &payload,
    );
    let scope = sigv4::scope(&amz_date, REGION, "s3");
    let expected = sigv4::signature(
        &sigv4::signing_key(SECRET_KEY, day, REGION, "s3"),
        &sigv4::string_to_sign(&amz_date, &scope, &canonical),
    );
    if expected != signature {
        return denied("SignatureDoesNotMatch");
    }
    Ok(payload)
}

async fn s3(State(bucket): State<Arc<Bucket>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let payload_hash = match authenticate(&parts) {
        Ok(hash) => hash,
        Err(response) => return *response,
    };
    let Ok(body) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return s3_error(StatusCode::BAD_REQUEST, "IncompleteBody");
    };
    // S3 hashes the body it received and compares it with the signed claim.
    if payload_hash != "UNSIGNED-PAYLOAD" && sha256_hex(&body) != payload_hash {
        return s3_error(StatusCode::BAD_REQUEST, "XAmzContentSHA256Mismatch");
    }
    let Some(key) = parts
        .uri
        .path()
        .strip_prefix(&format!("/{BUCKET}/"))
        .map(str::to_owned)
    else {
        return s3_error(StatusCode::NOT_FOUND, "NoSuchBucket");
    };
    let mut objects = bucket.objects.lock().expect("lock");
    match parts.method {
        Method::PUT => {
            bucket.puts.fetch_add(1, Ordering::SeqCst);
            objects.insert(key, body.to_vec());
            StatusCode::OK.into_response()
        }
        Method::GET => match objects.get(&key) {
            Some(bytes) => (StatusCode::OK, Bytes::from(bytes.clone())).into_response(),
            None => s3_error(StatusCode::NOT_FOUND, "NoSuchKey"),
        },
        Method::HEAD => match objects.get(&key) {
            Some(_) => StatusCode::OK.into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
        _ => s3_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed"),
    }
}

/// Starts the simulator on 127.0.0.1:0; returns its base URL and its bucket.
async fn simulator() -> (String, Arc<Bucket>) {
    let bucket = Arc::new(Bucket::default());
    let router = axum::Router::new().fallback(s3).with_state(bucket.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}"), bucket)
}

fn s3_config(endpoint: &str, secret: &str) -> S3Config {
    S3Config {
        endpoint: endpoint.into(),
        region: REGION.into(),
        bucket: BUCKET.into(),
        access_key: ACCESS_KEY.into(),
        secret_key: secret.into(),
        timeout: Duration::from_secs(10),
    }
}

// --- The shared behaviour ---

/// What every [`BlobStore`] must do. `damage` replaces the stored bytes of a key.
async fn behaves_like_a_blob_store(store: &dyn BlobStore, damage: &dyn Fn(&str, &[u8])) {
    let scan = b"%PDF-1.7 Gi\xe1\xba\xa5y khai sinh".to_vec();
    let key = sha256_hex(&scan);
    assert!(!store.exists(&key).await.expect("exists"));
    assert!(matches!(store.get(&key).await, Err(BlobError::NotFound)));

    store.put(&key, scan.clone().into()).await.expect("put");
    assert!(store.exists(&key).await.expect("exists"));
    assert_eq!(store.get(&key).await.expect("get").as_ref(), &scan[..]);
    // Idempotent: the same content again is fine.
    store
        .put(&key, scan.clone().into())
        .await
        .expect("put again");
    assert_eq!(store.get(&key).await.expect("get").as_ref(), &scan[..]);

    // Bytes that do not hash to their key are refused before anything is written.
    let other = sha256_hex(b"other");
    let wrong = store.put(&other, scan.clone().into()).await;
    assert!(matches!(wrong, Err(BlobError::Corrupt { .. })), "{wrong:?}");
    assert!(!store.exists(&other).await.expect("exists"));

    // Keys that are not SHA-256 digests never reach the file system or the URL.
    for bad in ["../../etc/passwd", "ABC", ""] {
        assert!(matches!(
            store.put(bad, scan.clone().into()).await,
            Err(BlobError::InvalidKey(_))
        ));
        assert!(matches!(
            store.get(bad).await,
            Err(BlobError::InvalidKey(_))
        ));
    }

    // Many writers of the same content at once all succeed and leave one intact blob.
    let big: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let big_key = sha256_hex(&big);
    let results = tokio::join!(
        store.put(&big_key, big.clone().into()),
        store.put(&big_key, big.clone().into()),
        store.put(&big_key, big.clone().into()),
        store.put(&big_key, big.clone().into()),
    );
    for result in [results.0, results.1, results.2, results.3] {
        result.expect("concurrent put");
    }
    assert_eq!(store.get(&big_key).await.expect("get").len(), big.len());

    // Damaged storage is reported, never served.
    damage(&key, b"%PDF-1.7 something else");
    let read = store.get(&key).await;
    assert!(matches!(read, Err(BlobError::Corrupt { .. })), "{read:?}");
}

#[tokio::test]
async fn local_blobs_behave_like_a_blob_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalBlobs::new(dir.path().join("blobs"));
    let damage = |key: &str, bytes: &[u8]| {
        std::fs::write(store.path_of(key), bytes).expect("damage");
    };
    behaves_like_a_blob_store(&store, &damage).await;
}

#[tokio::test]
async fn local_blobs_are_sharded_by_hash_prefix_and_leave_no_temporary_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalBlobs::new(dir.path());
    let bytes = b"\x89PNG\r\n\x1a\n...".to_vec();
    let key = sha256_hex(&bytes);
    store.put(&key, bytes.into()).await.expect("put");
    let expected = dir.path().join(&key[0..2]).join(&key[2..4]).join(&key);
    assert!(expected.is_file(), "{}", expected.display());
    let entries: Vec<_> = std::fs::read_dir(expected.parent().expect("parent"))
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        entries,
        vec![key.clone()],
        "no partial or temporary file remains"
    );
    assert!(store.describe().starts_with("local:"));
}

#[tokio::test]
async fn a_truncated_local_blob_is_rewritten_by_the_next_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalBlobs::new(dir.path());
    let bytes = b"%PDF-1.4 whole document".to_vec();
    let key = sha256_hex(&bytes);
    std::fs::create_dir_all(store.path_of(&key).parent().expect("parent")).expect("dirs");
    std::fs::write(store.path_of(&key), &bytes[..5]).expect("partial");
    store.put(&key, bytes.clone().into()).await.expect("put");
    assert_eq!(store.get(&key).await.expect("get").as_ref(), &bytes[..]);
}

#[tokio::test]
async fn s3_blobs_behave_like_a_blob_store() {
    let (endpoint, bucket) = simulator().await;
    let store = S3Blobs::new(s3_config(&endpoint, SECRET_KEY)).expect("s3");
    let damage = |key: &str, bytes: &[u8]| {
        bucket
            .objects
            .lock()
            .expect("lock")
            .insert(key.to_owned(), bytes.to_vec());
    };
    behaves_like_a_blob_store(&store, &damage).await;
    assert!(store.describe().starts_with("s3:"));
}

#[tokio::test]
async fn s3_uploads_of_stored_content_are_skipped() {
    let (endpoint, bucket) = simulator().await;
    let store = S3Blobs::new(s3_config(&endpoint, SECRET_KEY)).expect("s3");
    let bytes = b"\xff\xd8\xff\xe0 scan".to_vec();
    let key = sha256_hex(&bytes);
    store.put(&key, bytes.clone().into()).await.expect("put");
    store.put(&key, bytes.into()).await.expect("put again");
    assert_eq!(bucket.puts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn s3_refuses_a_wrong_secret() {
    let (endpoint, bucket) = simulator().await;
    let store = S3Blobs::new(s3_config(&endpoint, "not-the-secret")).expect("s3");
    let bytes = b"%PDF-1.7".to_vec();
    let key = sha256_hex(&bytes);
    match store.put(&key, bytes.clone().into()).await {
        Err(BlobError::Refused { status: 403, .. }) => {}
        other => panic!("expected 403, got {other:?}"),
    }
    match store.get(&key).await {
        Err(BlobError::Refused { status, code }) => {
            assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));
        }
        other => panic!("expected 403, got {other:?}"),
    }
    assert!(bucket.objects.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn the_simulator_refuses_a_body_that_differs_from_its_signed_hash() {
    let (endpoint, bucket) = simulator().await;
    let host = endpoint.trim_start_matches("http://").to_owned();
    let claimed = sha256_hex(b"the real scan");
    let amz_date = sigv4::amz_date(time::OffsetDateTime::now_utc());
    let path = format!("/{BUCKET}/{claimed}");
    let headers = [
        ("host", host.as_str()),
        ("x-amz-content-sha256", claimed.as_str()),
        ("x-amz-date", amz_date.as_str()),
    ];
    let authorization = sigv4::authorization(
        &Credentials {
            access_key: ACCESS_KEY.into(),
            secret_key: SECRET_KEY.into(),
        },
        REGION,
        "s3",
        &sigv4::Request {
            method: "PUT",
            path: &path,
            query: "",
            headers: &headers,
            payload_sha256: &claimed,
            amz_date: &amz_date,
        },
    );
    let _ = rustls_default();
    let client = reqwest::Client::new();
    let send = |body: &'static [u8], authorization: String| {
        client
            .put(format!("{endpoint}{path}"))
            .header("x-amz-content-sha256", &claimed)
            .header("x-amz-date", &amz_date)
            .header("authorization", authorization)
            .body(body)
            .send()
    };
    // Correctly signed, but the body was swapped in flight.
    let swapped = send(b"a forged scan", authorization.clone())
        .await
        .expect("send");
    assert_eq!(swapped.status().as_u16(), 400);
    assert!(
        swapped
            .text()
            .await
            .expect("body")
            .contains("XAmzContentSHA256Mismatch")
    );
    // A signature changed by one digit.
    let mut tampered = authorization.clone();
    let last = tampered.pop().expect("digit");
    tampered.push(if last == '0' { '1' } else { '0' });
    let forged = send(b"the real scan", tampered).await.expect("send");
    assert_eq!(forged.status().as_u16(), 403);
    // The genuine request passes.
    let genuine = send(b"the real scan", authorization).await.expect("send");
    assert_eq!(genuine.status().as_u16(), 200);
    assert_eq!(bucket.objects.lock().expect("lock").len(), 1);
}

/// reqwest here is built without a crypto provider; plain HTTP needs none, but building a
/// client checks that one is installed.
fn rustls_default() -> bool {
    rustls::crypto::ring::default_provider()
        .install_default()
        .is_ok()
}
