//! Secrets: password hashing (Argon2id), random tokens, token hashing, TOTP (RFC 6238, through
//! `totp-rs`).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD, HEXLOWER};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane): strong enough, and affordable on
/// a two-core city server that also serves the portal.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hash: {e}"))?;
    Ok(hash.to_string())
}

/// Hashes on the blocking pool: Argon2id takes tens of milliseconds of CPU by design and must
/// not stall the async workers that serve other requests.
pub async fn hash_password_off_thread(password: &str) -> Result<String, crate::AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| crate::AppError::Internal(e.into()))?
        .map_err(crate::AppError::Internal)
}

/// Verifies on the blocking pool; with no stored hash, a dummy is checked so that unknown
/// accounts take as long as known ones.
pub async fn verify_password_off_thread(
    password: &str,
    stored: Option<String>,
) -> Result<bool, crate::AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        verify_password(&password, stored.as_deref().unwrap_or(dummy_hash()))
    })
    .await
    .map_err(|e| crate::AppError::Internal(e.into()))
}

/// Checks a password against a stored PHC string; a malformed hash never verifies.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash that takes as long to check as a real one, for unknown accounts (no timing oracle).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// A random URL-safe token with 256 bits of entropy.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    BASE64URL_NOPAD.encode(&bytes)
}

/// How tokens are stored: SHA-256, hex. A stolen database does not reveal live sessions.
pub fn token_hash(token: &str) -> String {
    HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// A six-digit one-time code.
pub fn random_code() -> String {
    let value = rand::rng().next_u32() % 1_000_000;
    format!("{value:06}")
}

/// A new TOTP secret (160 bits, base32 as authenticator apps expect).
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    BASE32_NOPAD.encode(&bytes)
}

/// The `otpauth://` URI an authenticator app imports.
pub fn totp_uri(secret: &str, account: &str, issuer: &str) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        encode(issuer),
        encode(account),
        encode(issuer)
    )
}

/// The TOTP of a stored secret: RFC 6238 with HMAC-SHA1, 6 digits, 30 s steps, and one step
/// of clock drift either way. `None` when the secret is not base32.
fn totp(secret: &str) -> Option<totp_rs::TOTP> {
    let key = BASE32_NOPAD
        .decode(secret.trim_end_matches('=').as_bytes())
        .ok()?;
    // Unchecked: every secret we issue has 160 bits, and one stored by an older release must
    // keep working rather than be refused by a length rule it was not issued under.
    Some(totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        key,
    ))
}

/// Seconds since the epoch as the crate wants them; times before the first step (which no
/// real clock shows) are refused rather than wrapped.
fn totp_time(unix_seconds: i64) -> Option<u64> {
    u64::try_from(unix_seconds).ok().filter(|t| *t >= 30)
}

/// The TOTP code for the time step holding `unix_seconds`.
pub fn totp_code(secret: &str, unix_seconds: i64) -> Option<String> {
    Some(totp(secret)?.generate(u64::try_from(unix_seconds).ok()?))
}

/// Accepts the current code and the ones just before and after (clock drift of ±30 s),
/// compared in constant time.
pub fn verify_totp(secret: &str, code: &str, unix_seconds: i64) -> bool {
    match (totp(secret), totp_time(unix_seconds)) {
        (Some(totp), Some(time)) => totp.check(code.trim(), time),
        _ => false,
    }
}

/// Compares secrets without an early exit.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("mật khẩu đúng").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu đúng", &hash));
        assert!(!verify_password("mat khau sai", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn totp_matches_the_rfc_6238_test_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 → 94287082 (8 digits).
        let secret = BASE32_NOPAD.encode(b"12345678901234567890");
        assert_eq!(totp_code(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(totp_code(&secret, 1_111_111_109).as_deref(), Some("081804"));
        assert!(verify_totp(&secret, "287082", 59 + 30));
        assert!(!verify_totp(&secret, "287082", 59 + 120));
        assert!(!verify_totp("not base32!", "287082", 59));
    }

    #[test]
    fn a_secret_stored_by_the_former_implementation_still_verifies() {
        // Issued by `new_totp_secret` before the crate was used: same base32, same codes.
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let at = 1_765_000_000;
        let code = totp_code(secret, at).expect("code");
        assert_eq!(code.len(), 6);
        assert!(verify_totp(secret, &code, at));
        assert!(verify_totp(secret, &format!(" {code} "), at + 30));
        assert!(!verify_totp(secret, &code, at + 90));
        assert!(!verify_totp(secret, "", at));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = random_token();
        assert_ne!(a, random_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(random_code().len(), 6);
    }
}
