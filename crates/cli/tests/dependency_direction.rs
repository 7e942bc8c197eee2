//! The workspace's dependency graph against the allowed one written in ARCHITECTURE.md: a crate
//! that depends on one it must not (the web crate on the store, the domain on anything) fails
//! here, and so does a crate the table forgets.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

type Graph = BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The table between the `allowed-dependencies` markers: `crate: deps… | dev: deps…`.
fn allowed() -> Graph {
    let text =
        std::fs::read_to_string(workspace_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let start = text
        .find("<!-- allowed-dependencies -->")
        .expect("ARCHITECTURE.md has an <!-- allowed-dependencies --> block");
    let end = text[start..]
        .find("<!-- /allowed-dependencies -->")
        .expect("the block ends with <!-- /allowed-dependencies -->");
    let mut graph = Graph::new();
    for line in text[start..start + end].lines() {
        let Some((name, rest)) = line.trim().split_once(':') else {
            continue;
        };
        if !name.starts_with("motcua") {
            continue;
        }
        let (normal, dev) = rest.split_once("| dev:").unwrap_or((rest, ""));
        let set = |s: &str| s.split_whitespace().map(str::to_owned).collect();
        let previous = graph.insert(name.trim().to_owned(), (set(normal), set(dev)));
        assert!(previous.is_none(), "{name} appears twice in the table");
    }
    graph
}

/// Workspace-internal dependencies as cargo sees them (normal and build together, dev apart).
fn actual() -> Graph {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let members: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let mut graph = Graph::new();
    for package in packages {
        let name = package["name"].as_str().expect("name").to_owned();
        let (mut normal, mut dev) = (BTreeSet::new(), BTreeSet::new());
        for dependency in package["dependencies"].as_array().expect("dependencies") {
            let target = dependency["name"].as_str().expect("dependency name");
            // Only the workspace's own crates; a crate naming itself (to turn on a test
            // feature) is not a dependency.
            if !members.contains(target) || target == name {
                continue;
            }
            match dependency["kind"].as_str() {
                Some("dev") => dev.insert(target.to_owned()),
                _ => normal.insert(target.to_owned()),
            };
        }
        graph.insert(name, (normal, dev));
    }
    graph
}

#[test]
fn crates_depend_only_on_what_architecture_md_allows() {
    let allowed = allowed();
    let actual = actual();
    let mut problems = Vec::new();
    for (name, (normal, dev)) in &actual {
        let Some((allowed_normal, allowed_dev)) = allowed.get(name) else {
            problems.push(format!(
                "{name} is missing from the table in ARCHITECTURE.md"
            ));
            continue;
        };
        for dependency in normal.difference(allowed_normal) {
            problems.push(format!("{name} must not depend on {dependency}"));
        }
        for dependency in dev.difference(allowed_dev) {
            problems.push(format!("{name}'s tests must not depend on {dependency}"));
        }
    }
    for name in allowed.keys().filter(|n| !actual.contains_key(*n)) {
        problems.push(format!(
            "the table names {name}, which is not in the workspace"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_table_itself_keeps_the_layers() {
    // The rules that make the architecture, independent of what the table says today.
    let allowed = allowed();
    let deps = |name: &str| {
        allowed
            .get(name)
            .map(|(n, _)| n.clone())
            .unwrap_or_default()
    };
    assert!(
        deps("motcua-domain").is_empty(),
        "the domain depends on nothing"
    );
    assert!(deps("motcua-blobs").is_empty());
    assert!(deps("motcua-render").is_empty());
    assert_eq!(
        deps("motcua-web"),
        ["motcua-app", "motcua-domain"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
        "the web crate reaches the store, blobs and renderer only through the app"
    );
    assert!(!deps("motcua-store").contains("motcua-app"));
}
