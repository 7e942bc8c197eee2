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
