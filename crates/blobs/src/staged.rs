//! Uploads on their way in: written chunk by chunk to a temporary file while their SHA-256 is
//! computed, so a request never holds a whole file in memory, and handed to
//! [`BlobStore::put_staged`](crate::BlobStore::put_staged) once every check has passed. Nothing
//! reaches the store before that; a refused or abandoned upload only leaves a temporary file,
//! removed when the last handle to it is dropped.

use crate::{BlobError, BlobResult, hex};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

/// How many leading bytes are kept in memory: enough to recognise a file type by its signature.
pub const HEAD_BYTES: usize = 64;

/// Writes one upload to a temporary file, hashing as it goes.
pub struct BlobWriter {
    file: tokio::fs::File,
    path: TempPath,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

impl BlobWriter {
    /// A writer whose temporary file lives in `dir` (created if missing), or in the system's
    /// temporary directory.
    pub async fn new(dir: Option<&Path>) -> BlobResult<Self> {
        let dir: PathBuf = match dir {
            Some(dir) => dir.to_owned(),
            None => std::env::temp_dir(),
        };
        let (file, path) = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
            std::fs::create_dir_all(&dir)?;
            let named = tempfile::Builder::new()
                .prefix(".upload-")
                .tempfile_in(&dir)?;
            Ok(named.into_parts())
        })
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))??;
        Ok(BlobWriter {
            file: tokio::fs::File::from_std(file),
            path,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::new(),
        })
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn write(&mut self, chunk: &[u8]) -> BlobResult<()> {
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.size = self
            .size
            .saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// The complete upload, flushed to its temporary file.
    pub async fn finish(mut self) -> BlobResult<StagedBlob> {
        self.file.flush().await?;
        self.file.sync_all().await?;
        Ok(StagedBlob(Arc::new(Staged {
            sha256: hex(&self.hasher.finalize()),
            size: self.size,
            head: self.head,
            path: Some(self.path),
        })))
    }
}

#[derive(Debug)]
struct Staged {
    sha256: String,
    size: u64,
    head: Vec<u8>,
    /// `None` for an empty upload, which needs no file.
    path: Option<TempPath>,
}

/// A received upload in a temporary file, with its SHA-256, size and first bytes. Cheap to
/// clone; the file is removed when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct StagedBlob(Arc<Staged>);

impl StagedBlob {
    /// An empty upload (an empty file input, or a file that was too large and not kept).
    pub fn empty() -> Self {
        StagedBlob(Arc::new(Staged {
            sha256: hex(&Sha256::digest(b"")),
            size: 0,
            head: Vec::new(),
            path: None,
        }))
    }

    /// Stages bytes already in memory (callers that have them whole, tests).
    pub async fn from_bytes(bytes: &[u8], dir: Option<&Path>) -> BlobResult<Self> {
        if bytes.is_empty() {
            return Ok(StagedBlob::empty());
        }
        let mut writer = BlobWriter::new(dir).await?;
        writer.write(bytes).await?;
        writer.finish().await
    }

    /// Lowercase hexadecimal SHA-256 of the content: its key in the store.
    pub fn sha256(&self) -> &str {
        &self.0.sha256
    }

    pub fn size(&self) -> u64 {
        self.0.size
    }

    /// The first [`HEAD_BYTES`] bytes (fewer for a shorter file).
    pub fn head(&self) -> &[u8] {
        &self.0.head
    }

    /// The temporary file, if the upload is not empty.
    pub fn path(&self) -> Option<&Path> {
        self.0.path.as_deref()
    }

    /// The whole content in memory, for stores that cannot take a file.
    pub async fn read_all(&self) -> BlobResult<Bytes> {
        match self.path() {
            Some(path) => Ok(Bytes::from(tokio::fs::read(path).await?)),
            None => Ok(Bytes::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BlobStore, LocalBlobs, sha256_hex};

    fn content() -> Vec<u8> {
        (0..200_000u32)
            .map(|i| u8::try_from(i % 251).unwrap_or(0))
            .collect()
    }

    #[tokio::test]
    async fn a_staged_upload_is_hashed_in_pieces_and_copied_into_place() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalBlobs::new(dir.path());
        let content = content();
        let mut writer = BlobWriter::new(store.staging_dir().as_deref())
            .await
            .expect("writer");
        for piece in content.chunks(7_919) {
            writer.write(piece).await.expect("write");
        }
        let staged = writer.finish().await.expect("finish");
        assert_eq!(staged.sha256(), sha256_hex(&content));
        assert_eq!(staged.size(), 200_000);
        assert_eq!(staged.head(), &content[..HEAD_BYTES]);
        store.put_staged(&staged).await.expect("put");
        let back = store.get(staged.sha256()).await.expect("get");
        assert!(back.as_ref() == content.as_slice());
        let path = staged.path().expect("a file").to_owned();
        drop(staged);
        assert!(!path.exists(), "removed with its last handle");
    }

    #[tokio::test]
    async fn a_staged_file_changed_after_hashing_is_not_stored() {
        let dir = tempfile::tempdir().expect("dir");
        let store = LocalBlobs::new(dir.path());
        let staged = StagedBlob::from_bytes(&content(), store.staging_dir().as_deref())
            .await
            .expect("staged");
        std::fs::write(staged.path().expect("a file"), b"something else").expect("overwrite");
        assert!(matches!(
            store.put_staged(&staged).await,
            Err(BlobError::Corrupt { .. })
        ));
        assert!(!store.exists(staged.sha256()).await.expect("exists"));
    }

    #[tokio::test]
    async fn an_empty_upload_needs_no_file() {
        let staged = StagedBlob::from_bytes(b"", None).await.expect("staged");
        assert_eq!(staged.sha256(), sha256_hex(b""));
        assert!(staged.path().is_none() && staged.head().is_empty());
        assert!(staged.read_all().await.expect("read").is_empty());
    }
}
