//! The connector to the national public-service portal (Cổng Dịch vụ công quốc gia, DVCQG):
//! dossier sync.
//!
//! Provinces send the portal every dossier they receive and each change of it, so that the
//! citizen can follow it there and the national reports (QĐ 766) count it. Three calls, each a
//! `POST` of a JSON list (vn-legal §12): add dossiers ([`HoSo`]), update dossiers, and add
//! lines of their process history ([`QuaTrinhXuLy`]); each answers `{"error_code","message"}`.
//!
//! - [`format`](mod@format): the sync format with the portal's exact field names, and [`PortalReply`].
//! - [`status`]: the ten national statuses and which changes the portal accepts
//!   ([`is_allowed_transition`]).
//! - [`timestamp`]: `yyyyMMddHHmmss` in Vietnam time from and to unix microseconds.
//! - [`NationalPortal`]: the object-safe trait the app syncs through; [`DvcqgClient`] speaks
//!   it over HTTP. Like `motcua-payments`, this crate only speaks the protocol: what to send
//!   and when (the outbox, retries, which dossiers) is the app's.
//! - With the `simulator` feature, `simulator` runs a local imitation of the portal that
//!   validates what it gets as strictly as the real one is believed to, and can be made to fail.
//!
//! The field list comes from one province's public implementation (Thanh Hóa); the official
//! specification, its URLs and its authentication were not available (vn-legal §17). What is
//! chosen without a source is marked **[assumed]**.
//!
//! Depends on no other crate of the workspace.

pub mod dvcqg;
pub mod format;
mod http;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod status;
pub mod timestamp;

pub use dvcqg::{DvcqgClient, DvcqgConfig, PortalAuth};
pub use format::{
    DinhDanhChs, GiayToKetQua, HoSo, HoSoBoSung, KetNoiCsdl, LePhi, PortalReply, QuaTrinhXuLy,
    TaiLieuNop, TepDinhKemKhac,
};
pub use status::{NationalStatus, is_allowed_transition};
pub use timestamp::{TimestampError, VIETNAM, format_portal_time, parse_portal_time};

use std::future::Future;
use std::pin::Pin;

/// A boxed future, so the trait stays object-safe (`Arc<dyn NationalPortal>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a call to the portal did not succeed, and so what the caller should do with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalError {
    /// The portal could not be reached or did not answer in time, or answered HTTP 5xx, 408
    /// or 429. Nothing is known to have been applied; send the same batch again later.
    #[error("national portal unreachable: {0}")]
    Transport(String),
    /// The portal answered with an `error_code` other than `"0"`: it checked the batch and
    /// refused it (a missing field, a dossier it already has or does not have, a status change
    /// it does not take). Sending the same batch again gives the same answer.
    #[error("national portal refused ({code}): {message}")]
    Refused { code: String, message: String },
    /// The portal did not accept our credentials (HTTP 401 or 403). The batch itself may be
    /// fine: keep it until the configuration is corrected.
    #[error("national portal refused our credentials: {0}")]
    Unauthorized(String),
    /// An answer that does not follow the protocol: a success status without the
    /// `{error_code, message}` body, another 4xx (a wrong path), a reply over 1 MiB. More
    /// likely our configuration or an intermediary than the batch, so not permanent.
    #[error("unexpected answer from the national portal: {0}")]
    Protocol(String),
    /// The adapter's configuration cannot work (a base URL that is not http(s), a credential
    /// that cannot be a header). Only [`DvcqgClient::new`] returns it; nothing was sent.
    #[error("invalid national portal configuration: {0}")]
    Config(String),
}

/// `error_code` values of the public code's duplicate answer to an add: it checks for these
/// (or the words "đã tồn tại") and then sends the same records as an update.
pub const DUPLICATE_CODES: [&str; 2] = ["3", "-3"];

impl PortalError {
    /// Whether sending the same request again can never succeed, so an outbox should stop
    /// retrying it (and show it to a person). Only a refusal is; transport failures,
    /// credential problems and unexpected answers may pass.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Refused { .. } => true,
            Self::Transport(_) | Self::Unauthorized(_) | Self::Protocol(_) | Self::Config(_) => {
                false
            }
        }
    }

    /// Whether the portal refused an add because it already holds the dossier (code `3` or
    /// `-3`, or a message saying "đã tồn tại", as the public code recognises it). The caller
    /// then sends the same records as an update.
    pub fn is_duplicate(&self) -> bool {
        match self {
            Self::Refused { code, message } => {
                DUPLICATE_CODES.contains(&code.trim()) || message.contains("đã tồn tại")
            }
            _ => false,
        }
    }
}

/// The national portal's dossier sync, as the app uses it.
///
/// Each call sends one batch and succeeds only when the portal answered `error_code` `"0"`.
/// An empty batch succeeds without a request.
pub trait NationalPortal: Send + Sync {
    /// Adds dossiers the portal does not hold yet (thêm mới hồ sơ), in any status.
    fn add_dossiers<'a>(&'a self, dossiers: &'a [HoSo]) -> BoxFuture<'a, Result<(), PortalError>>;

    /// Replaces dossiers the portal holds (cập nhật hồ sơ): their fields and status.
    fn update_dossiers<'a>(
        &'a self,
        dossiers: &'a [HoSo],
    ) -> BoxFuture<'a, Result<(), PortalError>>;

    /// Adds lines to the process history of dossiers the portal holds (đồng bộ tiến trình).
    fn add_history<'a>(
        &'a self,
        lines: &'a [QuaTrinhXuLy],
    ) -> BoxFuture<'a, Result<(), PortalError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refusals_are_permanent() {
        let refused = PortalError::Refused {
            code: "2".to_owned(),
            message: "Thiếu MaTTHC".to_owned(),
        };
        assert!(refused.is_permanent());
        assert!(!refused.is_duplicate());
        for error in [
            PortalError::Transport("HTTP 503".to_owned()),
            PortalError::Unauthorized("HTTP 401".to_owned()),
            PortalError::Protocol("HTTP 404".to_owned()),
            PortalError::Config("base URL".to_owned()),
        ] {
            assert!(!error.is_permanent(), "{error}");
            assert!(!error.is_duplicate(), "{error}");
        }
    }

    #[test]
    fn duplicates_are_recognised_as_the_public_code_does() {
        for (code, message) in [
            ("3", "x"),
            ("-3", "x"),
            ("9", "Hồ sơ H29-260101-0001 đã tồn tại"),
        ] {
            let error = PortalError::Refused {
                code: code.to_owned(),
                message: message.to_owned(),
            };
            assert!(error.is_duplicate(), "{code} {message}");
        }
    }

    #[test]
    fn the_trait_is_object_safe() {
        fn takes(_: &std::sync::Arc<dyn NationalPortal>) {}
        let _ = takes;
    }
}
