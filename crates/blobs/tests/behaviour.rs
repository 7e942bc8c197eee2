//! The same behaviour tests against [`LocalBlobs`] and [`S3Blobs`], the latter talking to a real
//! S3-compatible server: `moto_server` (PyPI `moto[server]`, installed by
//! `.ci/setup-test-tools`), started on a free loopback port for each test with signature
//! checking switched on, and stopped when the test ends.

use motcua_blobs::{BlobError, BlobStore, LocalBlobs, S3Blobs, S3Config, sha256_hex};
use object_store::ObjectStoreExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const REGION: &str = "us-east-1";
const BUCKET: &str = "ho-so";

// --- moto_server ---

/// Where the S3 tests find `moto_server`: `MOTCUA_MOTO_SERVER`, else the venv that
/// `.ci/setup-test-tools` makes under `target/`, else `PATH`. Missing is a failure, not a skip.
fn moto_server_program() -> PathBuf {
    const HOW: &str = "run `.ci/setup-test-tools` (installs PyPI's moto[server] into \
                       target/test-tools/moto) or set MOTCUA_MOTO_SERVER to a moto_server binary";
    if let Some(path) = std::env::var_os("MOTCUA_MOTO_SERVER") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "MOTCUA_MOTO_SERVER={} does not exist: the S3 tests need moto_server; {HOW}",
            path.display()
        );
        return path;
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-tools/moto/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    let on_path = Command::new("sh")
        .args(["-c", "command -v moto_server"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|p| !p.is_empty());
    match on_path {
        Some(path) => PathBuf::from(path),
        None => {
            panic!("moto_server is missing: the S3 tests need a real S3-compatible server; {HOW}")
        }
    }
}

/// A `moto_server` with one bucket and one IAM user allowed `s3:*`; moto checks every
/// request's SigV4 signature against that user's secret. Killed when dropped (also on panic).
struct Moto {
    child: Child,
    endpoint: String,
    access_key: String,
    secret_key: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of `<name>…</name>` in an XML answer.
fn xml_field(xml: &str, name: &str) -> String {
    xml.split_once(&format!("<{name}>"))
        .and_then(|(_, rest)| rest.split_once(&format!("</{name}>")))
        .map(|(value, _)| value.to_owned())
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
}

impl Moto {
    async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut child = Command::new(moto_server_program())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("log"))
            .stderr(log.reopen().expect("log"))
            .spawn()
            .expect("starting moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        // Python's start-up on a busy 2-core machine takes seconds; wait for an HTTP answer.
        let started = Instant::now();
        loop {
            if http
                .get(format!("{endpoint}/moto-api/"))
                .send()
                .await
                .is_ok()
            {
                break;
            }
            let exited = child.try_wait().ok().flatten();
            if exited.is_some() || started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!(
                    "moto_server did not answer on {endpoint} ({exited:?}): {}",
                    std::fs::read_to_string(log.path()).unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut moto = Moto {
            child,
            endpoint,
            access_key: String::new(),
            secret_key: String::new(),
        };
        // Authentication is off until the user exists; these calls need no valid signature,
        // only a credential scope from which moto reads the service.
        let scope = |service: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIASETUPSETUPSETUP0/20260101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
            )
        };
        let base = moto.endpoint.clone();
        let iam = async |form: &[(&str, &str)]| -> String {
            let answer = http
                .post(format!("{base}/"))
                .header("authorization", scope("iam"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(
                    form.iter()
                        .map(|(k, v)| format!("{k}={}", percent(v)))
                        .collect::<Vec<_>>()
                        .join("&"),
                )
                .send()
                .await
                .expect("iam request");
            assert!(answer.status().is_success(), "iam {form:?}: {answer:?}");
            answer.text().await.expect("iam answer")
        };
        let version = ("Version", "2010-05-08");
        iam(&[("Action", "CreateUser"), version, ("UserName", "motcua")]).await;
        let key = iam(&[
            ("Action", "CreateAccessKey"),
            version,
            ("UserName", "motcua"),
        ])
        .await;
        moto.access_key = xml_field(&key, "AccessKeyId");
        moto.secret_key = xml_field(&key, "SecretAccessKey");
        iam(&[
            ("Action", "PutUserPolicy"),
            version,
            ("UserName", "motcua"),
            ("PolicyName", "blobs"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            ),
        ])
        .await;
        let bucket = http
            .put(format!("{}/{BUCKET}", moto.endpoint))
            .header("authorization", scope("s3"))
            .send()
            .await
            .expect("create bucket");
        assert!(bucket.status().is_success(), "create bucket: {bucket:?}");
        let auth = http
            .post(format!("{}/moto-api/reset-auth", moto.endpoint))
            .header("content-type", "application/json")
            .body("0")
            .send()
            .await
            .expect("reset-auth");
        assert!(auth.status().is_success(), "reset-auth: {auth:?}");
        moto
    }

    fn config(&self, secret: &str) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            region: REGION.into(),
            bucket: BUCKET.into(),
            access_key: self.access_key.clone(),
            secret_key: secret.into(),
            timeout: Duration::from_secs(10),
        }
    }

    /// A second client of the bucket, to look at and damage objects behind `S3Blobs`'s back.
    fn raw(&self) -> AmazonS3 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_region(REGION)
            .with_bucket_name(BUCKET)
            .with_access_key_id(&self.access_key)
            .with_secret_access_key(&self.secret_key)
            .with_allow_http(true)
            .build()
            .expect("raw s3 client")
    }
}

fn percent(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// --- The shared behaviour ---

/// What every [`BlobStore`] must do. `damage` replaces the stored bytes of a key.
async fn behaves_like_a_blob_store(store: &dyn BlobStore, damage: impl AsyncFn(&str, &[u8])) {
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
    damage(&key, b"%PDF-1.7 something else").await;
    let read = store.get(&key).await;
    assert!(matches!(read, Err(BlobError::Corrupt { .. })), "{read:?}");
}

#[tokio::test]
async fn local_blobs_behave_like_a_blob_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = LocalBlobs::new(dir.path().join("blobs"));
    let damage = async |key: &str, bytes: &[u8]| {
        std::fs::write(store.path_of(key), bytes).expect("damage");
    };
    behaves_like_a_blob_store(&store, damage).await;
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
    let moto = Moto::start().await;
    let store = S3Blobs::new(moto.config(&moto.secret_key)).expect("s3");
    let raw = moto.raw();
    let damage = async |key: &str, bytes: &[u8]| {
        raw.put(&ObjectPath::from(key), bytes.to_vec().into())
            .await
            .expect("damage");
    };
    behaves_like_a_blob_store(&store, damage).await;
    assert!(store.describe().starts_with("s3:http://127.0.0.1:"));
}

#[tokio::test]
async fn s3_uploads_of_stored_content_are_skipped() {
    let moto = Moto::start().await;
    let store = S3Blobs::new(moto.config(&moto.secret_key)).expect("s3");
    let raw = moto.raw();
    let bytes = b"\xff\xd8\xff\xe0 scan".to_vec();
    let key = sha256_hex(&bytes);
    store.put(&key, bytes.clone().into()).await.expect("put");
    let first = raw
        .head(&ObjectPath::from(key.as_str()))
        .await
        .expect("head");
    // S3 keeps modification times to the second: a second upload would show a later one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    store.put(&key, bytes.into()).await.expect("put again");
    let second = raw
        .head(&ObjectPath::from(key.as_str()))
        .await
        .expect("head");
    assert_eq!(first.last_modified, second.last_modified, "uploaded twice");
}

#[tokio::test]
async fn s3_refuses_a_wrong_secret() {
    let moto = Moto::start().await;
    let store = S3Blobs::new(moto.config("not-the-secret")).expect("s3");
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
    let genuine = S3Blobs::new(moto.config(&moto.secret_key)).expect("s3");
    assert!(
        !genuine.exists(&key).await.expect("exists"),
        "nothing was written"
    );
}

#[tokio::test]
async fn an_unreachable_s3_service_is_reported_as_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let store = S3Blobs::new(S3Config {
        endpoint: format!("http://127.0.0.1:{port}"),
        region: REGION.into(),
        bucket: BUCKET.into(),
        access_key: "AKIAEXAMPLE".into(),
        secret_key: "secret".into(),
        timeout: Duration::from_secs(2),
    })
    .expect("s3");
    let key = sha256_hex(b"x");
    let read = store.exists(&key).await;
    assert!(matches!(read, Err(BlobError::Unavailable(_))), "{read:?}");
}
