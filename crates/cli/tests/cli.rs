//! The `motcua` binary as an operator uses it: a fresh data directory, migrations, the first
//! root unit and administrator, export, backup, and clear errors for bad configuration.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn motcua(dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_motcua"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("MOTCUA_LOG__LEVEL", "warn");
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command.output().expect("run motcua")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("motcua-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn an_operator_sets_up_a_fresh_installation_on_sqlite() {
    let dir = temp_dir("fresh");
    let migrate = motcua(&dir, &["migrate"], &[]);
    assert!(migrate.status.success(), "{}", text(&migrate));
    assert!(text(&migrate).contains("foundation"));
    assert!(dir.join("motcua-data/motcua.db").exists());

    let root = motcua(
        &dir,
        &[
            "admin",
            "create-root",
            "--name",
            "UBND tỉnh Thử Nghiệm",
            "--code",
            "000.00.00.H99",
        ],
        &[],
    );
    assert!(root.status.success(), "{}", text(&root));
    let user = motcua(
        &dir,
        &[
            "admin",
            "create-user",
            "--username",
            "quantri",
            "--name",
            "Quản Trị Viên",
            "--role",
            "admin",
        ],
        &[("MOTCUA_PASSWORD", "mat-khau-rat-dai")],
    );
    assert!(user.status.success(), "{}", text(&user));
    let token = motcua(
        &dir,
        &["admin", "create-token", "--username", "quantri"],
        &[],
    );
    assert!(token.status.success() && String::from_utf8_lossy(&token.stdout).trim().len() >= 40);

    let export = motcua(&dir, &["export", "officials", "--format", "csv"], &[]);
    let csv = String::from_utf8_lossy(&export.stdout).into_owned();
    assert!(csv.starts_with("username,full_name"), "{csv}");
    assert!(
        csv.contains("quantri,Quản Trị Viên") && csv.contains("admin@UBND tỉnh Thử Nghiệm"),
        "{csv}"
    );

    std::fs::write(dir.join("units.json"), r#"[{"ref": "UBND tỉnh Thử Nghiệm > Sở Tư pháp", "parent_ref": "UBND tỉnh Thử Nghiệm", "kind": "agency", "level": "province", "name": "Sở Tư pháp", "code": "000.00.10.H99"}]"#).expect("write");
    let import = motcua(&dir, &["import", "org", "units.json"], &[]);
    assert!(import.status.success(), "{}", text(&import));
    assert!(text(&import).contains("created 1"));
    let bad = motcua(&dir, &["import", "org", "missing.json"], &[]);
    assert!(!bad.status.success() && text(&bad).contains("cannot read"));

    let verify = motcua(&dir, &["audit", "verify"], &[]);
    assert!(
        verify.status.success() && text(&verify).contains("0 broken chains"),
        "{}",
        text(&verify)
    );
    std::fs::write(
        dir.join("wf.json"),
        r#"{"id": "1.001193", "version": 1, "steps": []}"#,
    )
    .expect("write");
    let bad_workflow = motcua(&dir, &["workflow", "import", "wf.json"], &[]);
    assert!(
        !bad_workflow.status.success() && text(&bad_workflow).contains("error-workflow"),
        "{}",
        text(&bad_workflow)
    );

    let backup = motcua(&dir, &["backup", "--output", "snapshot.db"], &[]);
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(
        dir.join("snapshot.db")
            .metadata()
            .expect("backup file")
            .len()
            > 0
    );
    let again = motcua(&dir, &["backup", "--output", "snapshot.db"], &[]);
    assert!(!again.status.success(), "never overwrites a backup");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_configuration_is_reported_by_name() {
    let dir = temp_dir("config");
    std::fs::write(
        dir.join("motcua.toml"),
        "[server]\nlisten = \"127.0.0.1:1\"\nport = 8080\n",
    )
    .expect("write");
    let output = motcua(&dir, &["migrate"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("port"), "{}", text(&output));
    let missing = motcua(&dir, &["--config", "nope.toml", "migrate"], &[]);
    assert!(text(&missing).contains("does not exist"));
    let unreachable = motcua(
        &temp_dir("pg"),
        &["migrate"],
        &[("DATABASE_URL", "postgres://nobody:secret@127.0.0.1:1/none")],
    );
    assert!(!unreachable.status.success());
    assert!(
        text(&unreachable).contains("nobody:***@"),
        "the password is not printed: {}",
        text(&unreachable)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_example_configuration_is_printed() {
    let output = motcua(&temp_dir("example"), &["default-config"], &[]);
    let example = String::from_utf8_lossy(&output.stdout);
    assert!(example.contains("[server]") && example.contains("listen = \"127.0.0.1:8080\""));
}

/// A PKCS#12 file of the test PKI's agency key, made by OpenSSL 3 as an operator would
/// (`openssl pkcs12 -export`), with a Vietnamese password; and the root's PEM.
fn seal_files(dir: &Path, password: &str) -> (PathBuf, PathBuf) {
    use motcua_signing::simulator::pki::{TestPki, pem};
    let pki = TestPki::generate();
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let key = write(
        "seal-key.pem",
        pem("PRIVATE KEY", &pki.p256_signer.key_pkcs8),
    );
    let cert = write("seal.pem", pem("CERTIFICATE", &pki.p256_signer.cert));
    let chain = write("chain.pem", pem("CERTIFICATE", &pki.intermediate.cert));
    let root = write("root.pem", pem("CERTIFICATE", &pki.root.cert));
    let p12 = dir.join("seal.p12");
    let status = Command::new("openssl")
        .args(["pkcs12", "-export", "-passout"])
        .arg(format!("pass:{password}"))
        .arg("-inkey")
        .arg(&key)
        .arg("-in")
        .arg(&cert)
        .arg("-certfile")
        .arg(&chain)
        .arg("-out")
        .arg(&p12)
        .status()
        .expect("openssl is installed (Debian's openssl package)");
    assert!(status.success(), "openssl pkcs12 -export");
    (p12, root)
}

#[test]
fn an_operator_configures_an_agency_seal() {
    use std::io::BufRead;
    let dir = temp_dir("seal");
    let (p12, root) = seal_files(&dir, "mật khẩu dấu");
    std::fs::write(
        dir.join("motcua.toml"),
        format!(
            "[signing]\ntrust_roots = [\"{}\"]\nseals = [{{ unit = \"000.00.30.H13\", pkcs12 = \"{}\", password_env = \"TEST_SEAL_PASSWORD_MOTCUA\" }}]\n",
            root.display(),
            p12.display()
        ),
    )
    .expect("config");
    // A wrong password stops the start, naming the seal.
    let wrong = motcua(
        &dir,
        &["serve", "--listen", "127.0.0.1:0"],
        &[("TEST_SEAL_PASSWORD_MOTCUA", "sai")],
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("000.00.30.H13") && text(&wrong).contains("wrong PKCS#12 password"),
        "{}",
        text(&wrong)
    );
    // No password variable at all: said so by its name.
    let unset = motcua(&dir, &["serve", "--listen", "127.0.0.1:0"], &[]);
    assert!(!unset.status.success());
    assert!(
        text(&unset).contains("TEST_SEAL_PASSWORD_MOTCUA"),
        "{}",
        text(&unset)
    );
    // The right one: the server loads the seal and serves.
    let mut server = Command::new(env!("CARGO_BIN_EXE_motcua"))
        .current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env("MOTCUA_LOG__LEVEL", "info")
        .env("MOTCUA_LOG__FORMAT", "json")
        .env("TEST_SEAL_PASSWORD_MOTCUA", "mật khẩu dấu")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("serve");
    let stderr = server.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    let mut loaded = false;
    for line in std::io::BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if line.contains("seal for results") && line.contains("000.00.30.H13") {
            loaded = true;
        }
        let listening = line.contains("is serving");
        seen.push(line);
        if listening || seen.len() > 200 {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    assert!(loaded, "{}", seen.join("\n"));
    let _ = std::fs::remove_dir_all(dir);
}
