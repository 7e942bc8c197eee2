//! Content-addressed file storage for Một Cửa: every uploaded paper is stored once, under the
//! SHA-256 of its bytes, behind one [`BlobStore`] trait.
//!
//! Two implementations: [`LocalBlobs`] (a directory, the default) and [`S3Blobs`] (any
//! S3-compatible service, through the `object_store` crate's S3 client). Because the key is
//! the hash of the content, writing is idempotent, the same scan uploaded by two citizens or
//! reused in ten dossiers takes the space of one, and every read is verified against its key: a
//! blob that was damaged on disk or in the bucket is reported, never served.
//!
//! Metadata (who uploaded what, under which name) lives in the database; this crate knows only
//! bytes and hashes, and depends on nothing else in the workspace.

use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;

mod local;
mod s3;
mod staged;

pub use bytes::Bytes;
pub use local::LocalBlobs;
pub use s3::{S3Blobs, S3Config};
pub use staged::{BlobWriter, HEAD_BYTES, StagedBlob};

/// A boxed future, so that [`BlobStore`] can be used as `Arc<dyn BlobStore>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a blob operation failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The key is not 64 lowercase hexadecimal digits.
    #[error("not a SHA-256 key: {0:?}")]
    InvalidKey(String),
    #[error("blob not found")]
    NotFound,
    /// The bytes do not hash to their key: on `put`, the caller's mistake; on `get`, damage.
    #[error("content does not match its SHA-256 key {expected} (got {actual})")]
    Corrupt { expected: String, actual: String },
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    /// The storage service could not be reached or answered something unusable.
    #[error("storage service: {0}")]
    Unavailable(String),
    /// The storage service refused the request (e.g. `403 SignatureDoesNotMatch`).
    #[error("storage service refused the request: {status} {code}")]
    Refused { status: u16, code: String },
}

pub type BlobResult<T> = Result<T, BlobError>;

/// Where file contents live. Keys are lowercase hexadecimal SHA-256 digests of the content.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `sha256` unless it is already there. The bytes must hash to the key.
    fn put<'a>(&'a self, sha256: &'a str, bytes: Bytes) -> BoxFuture<'a, BlobResult<()>>;

    /// Stores a staged upload under its SHA-256. The default reads it into memory and calls
    /// [`BlobStore::put`]; stores that can take a file (the local directory) stream it.
    fn put_staged<'a>(&'a self, staged: &'a StagedBlob) -> BoxFuture<'a, BlobResult<()>> {
        Box::pin(async move {
            let bytes = staged.read_all().await?;
            self.put(staged.sha256(), bytes).await
        })
    }

    /// Where uploads are staged before [`BlobStore::put_staged`]: a directory on the same disk
    /// as the store when it has one, else the system's temporary directory (`None`).
    fn staging_dir(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// The bytes stored under `sha256`, verified against the key.
    fn get<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<Bytes>>;

    /// Whether something is stored under `sha256`.
    fn exists<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<bool>>;

    /// A short description for logs, without secrets, e.g. `local:/var/lib/motcua/attachments`.
    fn describe(&self) -> String;
}

/// The lowercase hexadecimal SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
    }
    out
}

/// Refuses anything but 64 lowercase hex digits, so a key can never name a path or a URL part.
pub fn check_key(sha256: &str) -> BlobResult<()> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(BlobError::InvalidKey(sha256.chars().take(80).collect()))
    }
}

/// Checks that `bytes` hash to `sha256`.
pub(crate) fn verify(sha256: &str, bytes: &[u8]) -> BlobResult<()> {
    let actual = sha256_hex(bytes);
    if actual == sha256 {
        Ok(())
    } else {
        Err(BlobError::Corrupt {
            expected: sha256.to_owned(),
            actual,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sha256_in_lowercase_hex() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(check_key(&sha256_hex(b"abc")).is_ok());
        for bad in [
            "",
            "../../etc/passwd",
            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
        ] {
            assert!(
                matches!(check_key(bad), Err(BlobError::InvalidKey(_))),
                "{bad}"
            );
        }
    }
}
