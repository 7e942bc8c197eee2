//! The `motcua calendar` commands as an operator runs them: the built binary in a fresh
//! directory (so it creates its own SQLite database in `./motcua-data`), checking the output
//! formats scripts rely on and that an imported notice changes a computed due date.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn motcua(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
        .args(args)
        .current_dir(dir)
        .env_remove("MOTCUA_CONFIG")
        .env_remove("MOTCUA_DATABASE__URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run motcua")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "motcua failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("motcua-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn calendar_commands_print_script_friendly_output_and_imports_apply() {
    let dir = temp_dir("calendar");
    // Friday before Tết Bính Ngọ: the bundled 2026 notice is loaded into the fresh database.
    let due = stdout(&motcua(
        &dir,
        &[
            "calendar",
            "due",
            "--from",
            "2026-02-13T03:00:00Z",
            "--working-days",
            "1",
        ],
    ));
    assert_eq!(
        due.lines().last(),
        Some("2026-02-23T10:00:00+07:00"),
        "{due}"
    );

    let holidays = stdout(&motcua(&dir, &["calendar", "holidays", "--year", "2026"]));
    assert!(
        holidays
            .lines()
            .any(|l| l == "2026-04-26\tholiday\tGiỗ Tổ Hùng Vương (10 tháng 3 âm lịch)"),
        "{holidays}"
    );
    assert!(holidays.lines().all(|l| l.split('\t').count() == 3));

    assert_eq!(
        stdout(&motcua(&dir, &["calendar", "lunar", "2026-04-26"])),
        "10/3/2026\n"
    );
    assert_eq!(
        stdout(&motcua(&dir, &["calendar", "lunar", "2023-04-05"])),
        "15/2/2023 nhuận\n"
    );

    let bad = dir.join("bad.tsv");
    std::fs::write(&bad, "2026-06-13\tcompensatory_off\tx\ty\nfoo\n").expect("write");
    let refused = motcua(&dir, &["calendar", "import", bad.to_str().expect("path")]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("dòng 1: ") && message.contains("dòng 2: "),
        "{message}"
    );

    let before = [
        "calendar",
        "due",
        "--from",
        "2026-06-09T10:00:00+07:00",
        "--working-days",
        "1",
    ];
    assert_eq!(
        stdout(&motcua(&dir, &before)).lines().last(),
        Some("2026-06-10T10:00:00+07:00")
    );
    let good = dir.join("good.tsv");
    std::fs::write(
        &good,
        "2026-06-10\tcompensatory_off\tNghỉ thử\tThông báo thử\n",
    )
    .expect("write");
    let imported = stdout(&motcua(
        &dir,
        &["calendar", "import", good.to_str().expect("path")],
    ));
    assert!(imported.contains("1 new"), "{imported}");
    assert_eq!(
        stdout(&motcua(&dir, &before)).lines().last(),
        Some("2026-06-11T10:00:00+07:00")
    );

    let _ = std::fs::remove_dir_all(&dir);
}
