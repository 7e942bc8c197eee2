//! Blobs in a local directory, sharded by the first two bytes of the hash (`ab/cd/abcd…`) so no
//! directory grows past 65 536 entries.
//!
//! A blob is written to a temporary file in its final directory, flushed to disk, and renamed
//! into place; the directory is then flushed too. A crash therefore leaves either no blob or the
//! whole blob under its name, never a partial one (a stray `.tmp` file at worst). Reads hash the
//! bytes again before returning them. Uploads are staged in `.incoming/` under the root and
//! copied into place in pieces, so a large file is never whole in memory.

use crate::{BlobError, BlobResult, BlobStore, BoxFuture, StagedBlob, check_key, hex, verify};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Blobs under one directory of the local file system.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

/// Distinguishes temporary files of concurrent writers within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl LocalBlobs {
    /// Blobs under `root`; the directory is created on the first write.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalBlobs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this (already checked) key lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        self.root
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256)
    }

    fn put_blocking(&self, sha256: &str, bytes: &[u8]) -> BlobResult<()> {
        self.install(
            sha256,
            u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            |file| Ok(file.write_all(bytes)?),
        )
    }

    /// Copies a staged upload into place in 64 KiB pieces (never whole in memory), hashing
    /// the copy: a staged file changed since it was hashed is refused, not stored.
    fn put_file_blocking(&self, sha256: &str, source: &Path, size: u64) -> BlobResult<()> {
        self.install(sha256, size, |file| {
            let mut source = std::fs::File::open(source)?;
            let mut hasher = Sha256::new();
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let read = source.read(&mut buffer)?;
                if read == 0 {
                    break;
                }
                hasher.update(&buffer[..read]);
                file.write_all(&buffer[..read])?;
            }
            let actual = hex(&hasher.finalize());
            if actual == sha256 {
                Ok(())
            } else {
                Err(BlobError::Corrupt {
                    expected: sha256.to_owned(),
                    actual,
                })
            }
        })
    }

    /// Writes a blob of `size` bytes with `fill` to a temporary file in its final directory,
    /// flushes it and renames it into place, unless the same content is already there.
    fn install(
        &self,
        sha256: &str,
        size: u64,
        fill: impl FnOnce(&mut std::fs::File) -> BlobResult<()>,
    ) -> BlobResult<()> {
        let path = self.path_of(sha256);
        // Content-addressed: a file of the right size under the name is the same content (and
        // every read verifies it anyway). A damaged, shorter or longer one is replaced.
        if let Ok(meta) = std::fs::metadata(&path)
            && meta.len() == size
        {
            return Ok(());
        }
        let directory = path.parent().unwrap_or(&self.root).to_owned();
        std::fs::create_dir_all(&directory)?;
        let temp = directory.join(format!(
            ".{sha256}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| -> BlobResult<()> {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            fill(&mut file)?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)?;
            // The rename is durable only once the directory entry is on disk.
            Ok(std::fs::File::open(&directory)?.sync_all()?)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }

    fn get_blocking(&self, sha256: &str) -> BlobResult<Bytes> {
        let bytes = match std::fs::read(self.path_of(sha256)) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound);
            }
            Err(error) => return Err(error.into()),
        };
        verify(sha256, &bytes)?;
        Ok(Bytes::from(bytes))
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> BlobResult<T> + Send + 'static,
) -> BlobResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BlobError::Io(std::io::Error::other(e)))?
}

impl BlobStore for LocalBlobs {
    fn put<'a>(&'a self, sha256: &'a str, bytes: Bytes) -> BoxFuture<'a, BlobResult<()>> {
        Box::pin(async move {
            check_key(sha256)?;
            verify(sha256, &bytes)?;
            let this = self.clone();
            let key = sha256.to_owned();
            blocking(move || this.put_blocking(&key, &bytes)).await
        })
    }

    fn put_staged<'a>(&'a self, staged: &'a StagedBlob) -> BoxFuture<'a, BlobResult<()>> {
        Box::pin(async move {
            let key = staged.sha256().to_owned();
            check_key(&key)?;
            let Some(source) = staged.path().map(Path::to_owned) else {
                return self.put(staged.sha256(), Bytes::new()).await;
            };
            let this = self.clone();
            let size = staged.size();
            // The clone keeps the staged file alive until the copy is done.
            let keep = staged.clone();
            blocking(move || {
                let result = this.put_file_blocking(&key, &source, size);
                drop(keep);
                result
            })
            .await
        })
    }

    /// Next to the blobs, so staging and storing stay on one disk.
    fn staging_dir(&self) -> Option<PathBuf> {
        Some(self.root.join(".incoming"))
    }

    fn get<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<Bytes>> {
        Box::pin(async move {
            check_key(sha256)?;
            let this = self.clone();
            let key = sha256.to_owned();
            blocking(move || this.get_blocking(&key)).await
        })
    }

    fn exists<'a>(&'a self, sha256: &'a str) -> BoxFuture<'a, BlobResult<bool>> {
        Box::pin(async move {
            check_key(sha256)?;
            Ok(tokio::fs::try_exists(self.path_of(sha256)).await?)
        })
    }

    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }
}
