//! The web crate reads dossiers through the app's typed read models
//! (`motcua_app::views::DossierView`, `EventView`), never through store rows: no file under
//! `crates/web/src` may name the store's dossier rows or the conversion of stored times
//! (unix microseconds). Storage encodings stay in the app; a page or an API type that needs
//! something the views lack gets it added to the view, in one place.

use std::path::{Path, PathBuf};

/// Identifiers the web crate must not name (as whole identifiers, comments included).
const FORBIDDEN: [&str; 3] = ["DossierRow", "EventRow", "from_micros"];

/// Files (under `src/`) that still convert stored times of rows the app passes on as they
/// are (ratings, audit entries, uploads) and may name `from_micros` until those rows get
/// views of their own. The list may only shrink: a listed file that no longer names it fails.
const NOT_YET_CONVERTED: [&str; 4] = [
    "api/attachments.rs",
    "api/directory.rs",
    "api/ratings.rs",
    "i18n.rs",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every identifier-like word of a text, with its line number.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().flat_map(|(n, line)| {
        line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(move |w| (n + 1, w))
    })
}

/// `file:line: name` for each forbidden name in the sources under `dir`.
fn violations(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no sources under {}", dir.display());
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (line, word) in words(&text) {
            if FORBIDDEN.contains(&word) {
                found.push(format!("{}:{line}: {word}", file.display()));
            }
        }
    }
    found
}

#[test]
fn web_sources_name_no_store_rows_of_dossiers_nor_stored_times() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let all = violations(&src);
    let waived = |v: &String| {
        NOT_YET_CONVERTED
            .iter()
            .any(|f| v.starts_with(&format!("{}:", src.join(f).display())))
            && v.ends_with(": from_micros")
    };
    for file in NOT_YET_CONVERTED {
        let prefix = format!("{}:", src.join(file).display());
        assert!(
            all.iter().any(|v| v.starts_with(&prefix)),
            "{file} no longer names from_micros: take it off NOT_YET_CONVERTED"
        );
    }
    let found: Vec<String> = all.into_iter().filter(|v| !waived(v)).collect();
    assert!(
        found.is_empty(),
        "the web crate must read dossiers through motcua_app::views::{{DossierView, \
         EventView}} and times as OffsetDateTime:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_a_forbidden_name() {
    let dir = std::env::temp_dir().join(format!("motcua-boundary-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pages")).expect("temp dir");
    std::fs::write(
        dir.join("pages/x.rs"),
        "use motcua_app::views::{DossierRow};\nlet t = views::from_micros(1);\n// DossierRows\n",
    )
    .expect("write");
    let found = violations(&dir);
    std::fs::remove_dir_all(&dir).expect("cleanup");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].ends_with("x.rs:1: DossierRow"), "{found:?}");
    assert!(found[1].ends_with("x.rs:2: from_micros"), "{found:?}");
}
