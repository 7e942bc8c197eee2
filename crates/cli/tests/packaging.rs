//! The packaging stays true to the binary: the systemd unit's `ExecStart` and the container
//! image's environment and command start a real server that answers `/healthz` (a renamed
//! flag or configuration key would fail here: the configuration refuses unknown keys).
//! The image itself is built and started with the demo by `.ci/container-check` (in `.ci/run`).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repository_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(name),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits for `GET /healthz` to answer 200, or the process to end.
fn healthy(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n");
            let mut reply = String::new();
            let _ = stream.read_to_string(&mut reply);
            if reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200") {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

fn run_until_healthy(mut command: Command, port: u16, what: &str) {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start motcua");
    let ok = healthy(&mut child, port);
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait");
    assert!(
        ok,
        "{what} does not start a healthy server:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_systemd_unit_starts_a_healthy_server() {
    let unit = repository_file("packaging/motcua.service");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/motcua"));
    let args: Vec<&str> = words.collect();
    assert_eq!(&args[..2], ["serve", "--config"]);
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    // The unit's configuration file, at a path of this test's own.
    let config = dir.path().join("motcua.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[database]\ndata_dir = \"{}\"\n",
            dir.path().display()
        ),
    )
    .expect("config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .current_dir(dir.path())
        .args(&args[..2])
        .arg(&config)
        .env_remove("DATABASE_URL")
        .env("MOTCUA_LOG__LEVEL", "warn");
    for line in unit.lines().filter_map(|l| l.strip_prefix("Environment=")) {
        let (key, value) = line.split_once('=').expect("KEY=value");
        command.env(key, value);
    }
    run_until_healthy(command, port, "the unit's ExecStart");
}

#[test]
fn the_container_image_command_starts_a_healthy_server() {
    let dockerfile = repository_file("Dockerfile");
    assert!(
        dockerfile.contains("USER motcua"),
        "the image runs as non-root"
    );
    assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("/healthz"));
    // ENV lines (with continuations) as the image sets them.
    let mut env: Vec<(String, String)> = Vec::new();
    let mut in_env = false;
    for line in dockerfile.lines() {
        let body = if let Some(rest) = line.strip_prefix("ENV ") {
            rest
        } else if in_env {
            line
        } else {
            continue;
        };
        in_env = body.trim_end().ends_with('\\');
        let pair = body.trim().trim_end_matches('\\').trim();
        if let Some((key, value)) = pair.split_once('=') {
            env.push((key.to_owned(), value.to_owned()));
        }
    }
    assert!(
        env.iter().any(|(k, _)| k == "MOTCUA_SERVER__LISTEN"),
        "{env:?}"
    );
    let cmd = dockerfile
        .lines()
        .find_map(|l| l.strip_prefix("CMD "))
        .expect("CMD");
    let args: Vec<String> = serde_json::from_str(cmd).expect("CMD as JSON");
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .current_dir(dir.path())
        .args(&args)
        .env_remove("DATABASE_URL")
        .env("MOTCUA_LOG__LEVEL", "warn");
    for (key, value) in &env {
        // The image's own paths and port, moved to this test's.
        let value = match key.as_str() {
            "MOTCUA_SERVER__LISTEN" => format!("127.0.0.1:{port}"),
            "MOTCUA_DATABASE__DATA_DIR" => dir.path().display().to_string(),
            _ => value.clone(),
        };
        command.env(key, value);
    }
    run_until_healthy(command, port, "the image's CMD");
}
