//! PKCE (RFC 7636), method S256: the proof that the party exchanging an authorisation code is
//! the one that asked for it. Used wherever we are an OAuth client: the national identity
//! provider (`app::oidc`) and the Zalo Official Account's first authorisation (`zalo`).

/// A fresh `code_verifier` (RFC 7636 §4.1): 32 bytes from the operating system's CSPRNG
/// (through `rand`'s thread generator, a CSPRNG seeded from it), base64url without padding:
/// 43 characters of `[A-Za-z0-9_-]`.
pub fn pkce_verifier() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The `code_challenge` of a verifier, method S256: `BASE64URL(SHA-256(ASCII(verifier)))`
/// without padding (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_url_safe_characters_and_never_repeat() {
        let first = pkce_verifier();
        let second = pkce_verifier();
        for verifier in [&first, &second] {
            assert_eq!(verifier.len(), 43, "{verifier}");
            assert!(
                verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{verifier}"
            );
            assert_eq!(pkce_challenge(verifier).len(), 43);
        }
        assert_ne!(first, second);
    }
}
