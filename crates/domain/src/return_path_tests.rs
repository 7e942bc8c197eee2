use super::*;
use proptest::prelude::*;

const BASE: &str = "https://motcua.cantho.gov.vn/tra-cuu";

/// What a browser does with the `Location` value (WHATWG URL parsing, as the `url` crate
/// implements it): the host it ends up on.
fn host_after_redirect(location: &str) -> Option<String> {
    let base = url::Url::parse(BASE).ok()?;
    base.join(location)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
}

#[test]
fn local_paths_are_kept_and_everything_else_falls_back() {
    let cases: &[(&str, Option<&str>)] = &[
        ("/", Some("/")),
        ("/account", Some("/account")),
        (
            "/procedures?q=khai%20sinh&page=2",
            Some("/procedures?q=khai%20sinh&page=2"),
        ),
        (
            "/tra-cuu/000.00.30.H13-261124-0001",
            Some("/tra-cuu/000.00.30.H13-261124-0001"),
        ),
        ("/thủ tục", Some("/th%E1%BB%A7%20t%E1%BB%A5c")),
        ("/a//b", Some("/a//b")),
        // Another host, however spelled.
        ("//other.host", None),
        ("//other.host/x", None),
        ("/\\other.host", None),
        ("\\\\other.host", None),
        ("/\t/other.host", None),
        ("/%09/other.host", None),
        ("/%2F/other.host", None),
        ("/%5Cother.host", None),
        ("/%5cother.host", None),
        ("/x\\y", None),
        ("https://other.host/", None),
        ("http:other.host", None),
        ("javascript:alert(1)", None),
        (" //other.host", None),
        (" /account", None),
        ("\t//other.host", None),
        ("other.host", None),
        ("", None),
        ("/\u{0}x", None),
        ("/%00x", None),
        ("/\u{7f}x", None),
        ("/\u{85}x", None),
    ];
    for (raw, expected) in cases {
        assert_eq!(
            local_return_path(raw),
            Ok(expected.map(str::to_owned)),
            "{raw:?}"
        );
    }
    assert_eq!(local_return_path(&"/a".repeat(600)), Ok(None));
}

#[test]
fn a_line_break_is_an_error_not_a_fallback() {
    for raw in [
        "/\r\nSet-Cookie: a=b",
        "/x\n",
        "\r",
        "//other.host\n",
        "/%0D%0A\n",
    ] {
        assert_eq!(local_return_path(raw), Err(LineBreak), "{raw:?}");
    }
    // Encoded line breaks are not header injection (they stay encoded), but not local either.
    assert_eq!(local_return_path("/%0D%0ASet-Cookie:a=b"), Ok(None));
}

#[test]
fn the_default_is_used_for_missing_or_foreign_paths() {
    assert_eq!(return_path_or(None, "/account"), Ok("/account".to_owned()));
    assert_eq!(
        return_path_or(Some("//other.host"), "/account"),
        Ok("/account".to_owned())
    );
    assert_eq!(return_path_or(Some("/x"), "/account"), Ok("/x".to_owned()));
    assert_eq!(return_path_or(Some("/x\r\n"), "/account"), Err(LineBreak));
}

fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("%2F".to_owned()),
        Just("%5C".to_owned()),
        Just("%09".to_owned()),
        Just("%0A".to_owned()),
        Just("\t".to_owned()),
        Just(" ".to_owned()),
        Just(":".to_owned()),
        Just("@".to_owned()),
        Just("?".to_owned()),
        Just("#".to_owned()),
        Just(".".to_owned()),
        Just("other.host".to_owned()),
        Just("https:".to_owned()),
        Just("\u{3000}".to_owned()),
        Just("\u{ff0f}".to_owned()),
        Just("đ".to_owned()),
        "[a-z]{1,3}",
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

proptest! {
    /// Whatever comes in, what goes out stays on this site, is a valid header value and
    /// starts with one slash.
    #[test]
    fn never_leaves_the_site(raw in tricky()) {
        match local_return_path(&raw) {
            Err(LineBreak) => prop_assert!(raw.contains(['\r', '\n'])),
            Ok(None) => {}
            Ok(Some(path)) => {
                prop_assert!(path.starts_with('/'));
                prop_assert!(!path.starts_with("//"));
                prop_assert!(path.bytes().all(|b| b.is_ascii_graphic()), "{path:?}");
                prop_assert_eq!(
                    host_after_redirect(&path),
                    Some("motcua.cantho.gov.vn".to_owned()),
                    "{:?} → {:?}", raw, path
                );
                // A second decoding (a proxy, a later redirect) stays on the site too.
                let again = percent_decode(&path);
                prop_assert_eq!(
                    host_after_redirect(&again),
                    Some("motcua.cantho.gov.vn".to_owned()),
                    "{:?} decoded → {:?}", raw, again
                );
            }
        }
    }

    /// A local path without anything suspicious is kept as it is.
    #[test]
    fn plain_local_paths_are_kept(path in "(/[a-z0-9._~-]{0,12}){1,4}(\\?[a-z0-9=&]{0,12})?") {
        prop_assume!(!path.starts_with("//"));
        prop_assert_eq!(local_return_path(&path), Ok(Some(path.clone())));
    }
}
