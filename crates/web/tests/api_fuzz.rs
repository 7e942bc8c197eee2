//! The API as other systems see it, against the real router served over TCP (SQLite, the
//! demo loaded):
//!
//! - **schemathesis** (PyPI, installed by `.ci/setup-test-tools`) generates requests for every
//!   operation of `/api/openapi.json` — as the city's administrator and as a ward's desk — and
//!   fails on any 5xx or any answer that does not match its documented schema;
//! - **openapi-python-client** (PyPI) generates a Python client from the same document; the
//!   test imports it and searches the catalogue and reads a work queue with it.
//!
//! The fuzzer's time per caller is `MOTCUA_API_FUZZ_SECONDS` (default 45 s); its seed is fixed
//! so a failure in CI reproduces, and a different one can be given in `MOTCUA_API_FUZZ_SEED`.

#[allow(unused_macros)]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::{Client, Web};

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_api_holds_to_its_document() {
        super::support::run(
            motcua_store::Backend::Sqlite,
            super::the_api_holds_to_its_document,
        )
        .await
    }
}

fn tool(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/test-tools")
        .join(relative);
    assert!(
        path.exists(),
        "{} is missing: run .ci/setup-test-tools",
        path.display()
    );
    path
}

fn bearer(client: &Client) -> String {
    match client {
        Client::Bearer(token) => token.clone(),
        _ => panic!("a bearer token"),
    }
}

fn fuzz(base: &str, token: &str, extra: &[&str]) {
    let seconds = std::env::var("MOTCUA_API_FUZZ_SECONDS").unwrap_or_else(|_| "45".into());
    let seed = std::env::var("MOTCUA_API_FUZZ_SEED").unwrap_or_else(|_| "20261207".into());
    let output = Command::new(tool("schemathesis/bin/schemathesis"))
        .args([
            "run",
            &format!("{base}/api/openapi.json"),
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "10",
            "--workers",
            "2",
            "--max-time",
            &seconds,
            "--seed",
            &seed,
            // Revoking tokens would revoke the fuzzer's own; sign-in pages are not the API.
            "--exclude-path-regex",
            "^/api/v1/tokens",
        ])
        .args(extra)
        // Its cache (.schemathesis/) goes to a scratch directory, not into the repository.
        .current_dir(std::env::temp_dir())
        .env("NO_COLOR", "1")
        .output()
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let tail: Vec<&str> = text.lines().rev().take(60).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    println!("{}", tail.join("\n"));
    assert!(
        output.status.success(),
        "schemathesis found answers that break the document:\n{}\n{}",
        text,
        String::from_utf8_lossy(&output.stderr)
    );
}

async fn the_api_holds_to_its_document(w: Web) -> Web {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let router = w.router();
    let server = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        let _ = axum::serve(listener, service).await;
    });
    // Something in the desk's queue for the generated client to read.
    w.f.submit().await;
    let admin = bearer(&w.official("admin").await);
    let desk = bearer(&w.official("tiepnhan.ninhkieu").await);

    // The generated client first (the fuzzer changes the demo as it goes).
    let work = tempfile::tempdir().expect("scratch");
    let document = reqwest_free_get(&base, "/api/openapi.json").await;
    let spec = work.path().join("openapi.json");
    std::fs::write(&spec, &document).expect("write spec");
    let generated = work.path().join("client");
    let status = Command::new(tool("openapi-client/bin/openapi-python-client"))
        .args(["generate", "--path"])
        .arg(&spec)
        .arg("--output-path")
        .arg(&generated)
        .args(["--meta", "none", "--overwrite"])
        .status()
        .expect("openapi-python-client runs");
    assert!(status.success(), "the generator accepts our document");
    let smoke = format!(
        r#"
import sys
sys.path.insert(0, {root:?})
from client import AuthenticatedClient, Client
from client.api.catalogue import search
from client.api.dossiers import queue

public = Client(base_url={base:?})
found = search.sync(client=public, q="dang ki khai sinh")
assert found.items[0].code == "1.001193", found.items[0].code
assert found.total >= 1

desk = AuthenticatedClient(base_url={base:?}, token={desk:?})
answer = queue.sync_detailed(client=desk, queue="receive", limit="1")
assert answer.status_code == 200, answer.status_code
assert int(answer.headers["x-total-count"]) >= 1
print("generated client ok:", found.items[0].name)
"#,
        root = work.path().display().to_string(),
        base = base,
        desk = desk,
    );
    let output = Command::new(tool("openapi-client/bin/python"))
        .arg("-c")
        .arg(&smoke)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "the generated client works:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    let base_for_fuzz = base.clone();
    tokio::task::spawn_blocking(move || {
        fuzz(&base_for_fuzz, &admin, &[]);
        fuzz(
            &base_for_fuzz,
            &desk,
            &[
                "--include-path-regex",
                "^/api/v1/(dossiers|lookup|procedures)",
            ],
        );
    })
    .await
    .expect("fuzzer");
    server.abort();
    w
}

/// One GET over plain TCP (the test crate has no HTTP client of its own to spare).
async fn reqwest_free_get(base: &str, path: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .expect("request");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.expect("reply");
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    reply[split + 4..].to_vec()
}
