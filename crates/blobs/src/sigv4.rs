//! AWS Signature Version 4 for S3 requests (header-based, signed payload).
//!
//! The steps of the published algorithm, each a pure function so they can be checked against
//! AWS's own example values: the canonical request (method, URI-encoded path, sorted query,
//! lowercase trimmed headers, the signed header list, the payload's SHA-256), the string to sign
//! (algorithm, time, scope, hash of the canonical request), the signing key (HMAC chain over
//! date, region, service, `aws4_request`) and the signature. The payload hash is signed as the
//! `x-amz-content-sha256` header, so a service that checks it refuses a body swapped in flight.

use crate::hex;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm name in the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// SHA-256 of the empty payload (GET, HEAD).
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// An access key pair. `Debug` hides the secret.
#[derive(Clone)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .finish()
    }
}

/// Percent-encodes like AWS: unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay, everything
/// else becomes `%XX` of its UTF-8 bytes; `/` stays when encoding a path.
pub fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        let unreserved = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
        if unreserved || (keep_slash && byte == b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The canonical query string from decoded `(name, value)` pairs: each encoded, sorted.
pub fn canonical_query(pairs: &[(&str, &str)]) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The canonical headers block and the signed-header list from `(name, value)` pairs: names in
/// lowercase, values trimmed with inner runs of spaces collapsed, sorted by name, repeated names
/// joined with commas.
pub fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut normalised: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.to_ascii_lowercase(),
                value.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    normalised.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(String, String)> = Vec::with_capacity(normalised.len());
    for (name, value) in normalised {
        match merged.last_mut() {
            Some((last, joined)) if *last == name => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => merged.push((name, value)),
        }
    }
    let block: String = merged
        .iter()
        .map(|(name, value)| format!("{name}:{value}\n"))
        .collect();
    let signed = merged
        .iter()
        .map(|(name, _)| name.as_str())
        .collect::<Vec<_>>()
        .join(";");
    (block, signed)
}

/// The canonical request. `path` must already be URI-encoded (see [`uri_encode`]) and `query`
/// canonical (see [`canonical_query`]). Returns it with the signed-header list.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    payload_sha256: &str,
) -> (String, String) {
    let (block, signed) = canonical_headers(headers);
    (
        format!("{method}\n{path}\n{query}\n{block}\n{signed}\n{payload_sha256}"),
        signed,
    )
}

/// `YYYYMMDD/region/service/aws4_request`.
pub fn scope(amz_date: &str, region: &str, service: &str) -> String {
    let day = amz_date.get(0..8).unwrap_or(amz_date);
    format!("{day}/{region}/{service}/aws4_request")
}

/// The string to sign for a canonical request made at `amz_date` (`YYYYMMDDTHHMMSSZ`).
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let hashed = hex(&Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{hashed}")
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")`.
pub fn signing_key(secret_key: &str, day: &str, region: &str, service: &str) -> Vec<u8> {
    let date_key = hmac(format!("AWS4{secret_key}").as_bytes(), day);
    let region_key = hmac(&date_key, region);
    let service_key = hmac(&region_key, service);
    hmac(&service_key, "aws4_request")
}

/// The hex signature of a string to sign.
pub fn signature(signing_key: &[u8], string_to_sign: &str) -> String {
    hex(&hmac(signing_key, string_to_sign))
}

/// One request to sign. Headers must include `host`, `x-amz-date` and `x-amz-content-sha256`
/// exactly as they will be sent.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    /// URI-encoded path.
    pub path: &'a str,
    /// Canonical query string (empty when there is none).
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub payload_sha256: &'a str,
    /// `YYYYMMDDTHHMMSSZ`, the value of `x-amz-date`.
    pub amz_date: &'a str,
}

/// The value of the `Authorization` header for `request`.
pub fn authorization(
    credentials: &Credentials,
    region: &str,
    service: &str,
    request: &Request<'_>,
) -> String {
    let (canonical, signed_headers) = canonical_request(
        request.method,
        request.path,
        request.query,
        request.headers,
        request.payload_sha256,
    );
    let scope = scope(request.amz_date, region, service);
    let to_sign = string_to_sign(request.amz_date, &scope, &canonical);
    let day = request.amz_date.get(0..8).unwrap_or_default();
    let key = signing_key(&credentials.secret_key, day, region, service);
    format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={}",
        credentials.access_key,
        signature(&key, &to_sign)
    )
}

/// `x-amz-date` for a moment: `YYYYMMDDTHHMMSSZ` in UTC.
pub fn amz_date(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    //! Values from AWS's published examples ("Signature Calculations for the Authorization
    //! Header", Amazon S3 API Reference, and the Signature Version 4 signing-key example).
    use super::*;

    const ACCESS: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20130524T000000Z";
    const HOST: &str = "examplebucket.s3.amazonaws.com";

    fn credentials() -> Credentials {
        Credentials {
            access_key: ACCESS.into(),
            secret_key: SECRET.into(),
        }
    }

    #[test]
    fn the_signing_key_matches_the_published_derivation() {
        let key = signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex(&key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn get_object_matches_the_s3_example() {
        let headers = [
            ("Host", HOST),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY_SHA256),
            ("x-amz-date", DATE),
        ];
        let (canonical, signed) = canonical_request("GET", "/test.txt", "", &headers, EMPTY_SHA256);
        assert_eq!(
            canonical,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
             x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(signed, "host;range;x-amz-content-sha256;x-amz-date");
        let scope = scope(DATE, "us-east-1", "s3");
        assert_eq!(scope, "20130524/us-east-1/s3/aws4_request");
        assert_eq!(
            string_to_sign(DATE, &scope, &canonical),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
             7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        let header = authorization(
            &credentials(),
            "us-east-1",
            "s3",
            &Request {
                method: "GET",
                path: "/test.txt",
                query: "",
                headers: &headers,
                payload_sha256: EMPTY_SHA256,
                amz_date: DATE,
            },
        );
        assert_eq!(
            header,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn put_object_matches_the_s3_example() {
        let payload = crate::sha256_hex(b"Welcome to Amazon S3.");
        assert_eq!(
            payload,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        );
        let path = uri_encode("/test$file.text", true);
        assert_eq!(path, "/test%24file.text");
        let headers = [
            ("Host", HOST),
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-date", DATE),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", payload.as_str()),
        ];
        let (canonical, _) = canonical_request("PUT", &path, "", &headers, &payload);
        let scope = scope(DATE, "us-east-1", "s3");
        assert!(
            string_to_sign(DATE, &scope, &canonical)
                .ends_with("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        );
        let header = authorization(
            &credentials(),
            "us-east-1",
            "s3",
            &Request {
                method: "PUT",
                path: &path,
                query: "",
                headers: &headers,
                payload_sha256: &payload,
                amz_date: DATE,
            },
        );
        assert!(
            header.ends_with(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, \
                 Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
            ),
            "{header}"
        );
    }

    #[test]
    fn list_objects_with_a_query_matches_the_s3_example() {
        let query = canonical_query(&[("prefix", "J"), ("max-keys", "2")]);
        assert_eq!(query, "max-keys=2&prefix=J");
        let headers = [
            ("host", HOST),
            ("x-amz-date", DATE),
            ("x-amz-content-sha256", EMPTY_SHA256),
        ];
        let header = authorization(
            &credentials(),
            "us-east-1",
            "s3",
            &Request {
                method: "GET",
                path: "/",
                query: &query,
                headers: &headers,
                payload_sha256: EMPTY_SHA256,
                amz_date: DATE,
            },
        );
        assert!(
            header.ends_with(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
            ),
            "{header}"
        );
    }

    #[test]
    fn a_different_secret_or_payload_gives_a_different_signature() {
        let headers = [("host", HOST), ("x-amz-date", DATE)];
        let sign = |secret: &str, payload: &str| {
            authorization(
                &Credentials {
                    access_key: ACCESS.into(),
                    secret_key: secret.into(),
                },
                "us-east-1",
                "s3",
                &Request {
                    method: "PUT",
                    path: "/b/k",
                    query: "",
                    headers: &headers,
                    payload_sha256: payload,
                    amz_date: DATE,
                },
            )
        };
        let base = sign(SECRET, EMPTY_SHA256);
        assert_ne!(base, sign("another", EMPTY_SHA256));
        assert_ne!(base, sign(SECRET, &crate::sha256_hex(b"x")));
    }

    #[test]
    fn encoding_follows_the_aws_rules() {
        assert_eq!(uri_encode("a b+c", false), "a%20b%2Bc");
        assert_eq!(uri_encode("a/b", true), "a/b");
        assert_eq!(uri_encode("a/b", false), "a%2Fb");
        assert_eq!(uri_encode("A-z_0.9~", false), "A-z_0.9~");
        assert_eq!(uri_encode("hồ sơ", true), "h%E1%BB%93%20s%C6%A1");
        assert_eq!(
            amz_date(time::macros::datetime!(2013-05-24 07:00:00 +07:00)),
            DATE
        );
    }

    #[test]
    fn repeated_headers_are_joined_and_values_trimmed() {
        let (block, signed) =
            canonical_headers(&[("X-Meta", " a   b "), ("host", "h"), ("x-meta", "c")]);
        assert_eq!(block, "host:h\nx-meta:a b,c\n");
        assert_eq!(signed, "host;x-meta");
    }
}
