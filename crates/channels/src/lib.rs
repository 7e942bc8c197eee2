//! Channels that reach citizens outside the portal.
//!
//! The app decides who is told what and when; a channel only speaks its service's protocol:
//! it sends one message (or one shipment order), verifies what the service sends back (Zalo's
//! webhook, the postal operator's tracking callbacks) and says whether a failure is worth a
//! retry. Nothing here touches the database or decides a dossier's state.
//!
//! Adapters: [`sms`] (an HTTP brand-name SMS gateway), [`zalo`] (Zalo Official Account: CS
//! messages, ZNS templates, the `X-ZEvent-Signature` webhook, single-use refresh tokens kept
//! through a [`zalo::TokenStore`]) and [`postal`] (the public postal operator, bưu chính công
//! ích: shipment orders and signed tracking callbacks). With the `simulator` feature,
//! [`simulator`] runs a local imitation of each service that checks our requests exactly as
//! the real service would and sends signed callbacks back.

mod http;
pub mod pkce;
pub mod postal;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod sms;
pub mod webhook;
pub mod zalo;

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the traits stay object-safe (`Arc<dyn …>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a service did not accept a request, or why something it sent was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The service could not be reached or answered with a server error: retry later.
    #[error("service unreachable: {0}")]
    Unreachable(String),
    /// The service answered and refused the request (its error code and message). Whether a
    /// retry can help is [`ChannelError::is_permanent`].
    #[error("refused by the service: {code} {message}")]
    Refused {
        code: String,
        message: String,
        permanent: bool,
    },
    /// The service answered something that does not follow its protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The adapter is missing configuration (no token yet, no template id…).
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// An incoming message whose signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// An incoming message whose timestamp is outside the accepted window.
    #[error("stale message")]
    Stale,
    /// An incoming message that cannot be read.
    #[error("malformed message: {0}")]
    Malformed(String),
}

impl ChannelError {
    /// Whether retrying the same request can never succeed (an invalid phone number, a template
    /// the service does not know): the app dead-letters such a message at once.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Refused { permanent, .. } => *permanent,
            Self::NotConfigured(_) | Self::Unreachable(_) | Self::Protocol(_) => false,
            Self::BadSignature | Self::Stale | Self::Malformed(_) => true,
        }
    }
}

/// Keeps secrets out of `Debug` output and logs.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret("s3cret".into())), "Secret(***)");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
