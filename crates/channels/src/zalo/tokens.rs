//! The OA's token pair and the store every node reads it from.

use crate::{BoxFuture, ChannelError, Secret};
use std::sync::Mutex;

/// The OA's access token and the refresh token that replaces it.
///
/// Zalo rotates both on every refresh and accepts a refresh token only once, so the pair is
/// always saved together: a node that kept the new access token but lost the new refresh token
/// would lock every node out until an OA admin grants access again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZaloTokens {
    pub access_token: Secret,
    pub refresh_token: Secret,
    /// When the access token stops working, unix seconds: our clock at the refresh plus the
    /// `expires_in` Zalo answered (≈25 h).
    pub access_expires_at: i64,
}

/// Where the token pair lives. The app keeps it in its database so that every node uses, and
/// rotates, the same pair; `save` must replace both tokens at once.
pub trait TokenStore: Send + Sync {
    /// The pair last saved, or `None` before an OA admin first granted access.
    fn load(&self) -> BoxFuture<'_, Result<Option<ZaloTokens>, ChannelError>>;
    /// Replaces the pair.
    fn save<'a>(&'a self, tokens: &'a ZaloTokens) -> BoxFuture<'a, Result<(), ChannelError>>;
}

/// A [`TokenStore`] in memory, for tests and the demo (one process, lost on restart).
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<Option<ZaloTokens>>,
}

impl MemoryTokenStore {
    pub fn new(tokens: Option<ZaloTokens>) -> Self {
        MemoryTokenStore {
            tokens: Mutex::new(tokens),
        }
    }

    /// What is stored now.
    pub fn current(&self) -> Option<ZaloTokens> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<ZaloTokens>, ChannelError>> {
        let current = self.current();
        Box::pin(async move { Ok(current) })
    }

    fn save<'a>(&'a self, tokens: &'a ZaloTokens) -> BoxFuture<'a, Result<(), ChannelError>> {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
        Box::pin(async { Ok(()) })
    }
}
