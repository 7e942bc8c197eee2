//! The dossier timeline (nhật ký xử lý): events, effects, and the per-dossier hash chain.
//!
//! Every accepted command becomes one [`Event`] (who, when, what, why). Events are chained: each
//! event's hash is SHA-256 over the previous hash and the event's canonical bytes, so changing,
//! removing or reordering a stored event is detected by [`verify_chain`]. The canonical bytes are
//! defined here field by field ([`Event::canonical_bytes`]), never by a serialiser's field order.
//!
//! [`Effect`]s are what the outside world must do after a decision (notify, print a form, sync
//! the national portal); they are data, carried out by the application layer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::command::{Actor, CommandKind, ReturnMethod};
use super::status::DossierStatus;
use crate::org::AgencyCode;

/// The hash before the first event: 32 zero bytes.
pub const GENESIS: [u8; 32] = [0; 32];

/// Version tag at the start of the canonical bytes; bump it if the layout ever changes.
pub const CANONICAL_TAG: &str = "motcua-dossier-event-v1";

/// One entry of a dossier's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3, … per dossier, no gaps.
    pub seq: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    /// The command that produced the event.
    pub kind: CommandKind,
    /// `None`: the dossier was a draft.
    pub from_status: Option<DossierStatus>,
    pub to_status: Option<DossierStatus>,
    /// Why (lý do): required for returns, refusals, stops, extensions; empty otherwise.
    pub reason: String,
    /// Command details as sorted key/value text (step indexes, due times, missing papers).
    pub data: BTreeMap<String, String>,
    /// Lower-case hex SHA-256 of the previous hash and this event's canonical bytes.
    pub hash: String,
}

impl Event {
    /// The canonical serialisation hashed into the chain (everything except `hash`).
    ///
    /// Layout: the tag [`CANONICAL_TAG`], then the fields in this fixed order, each written as
    /// a big-endian `u32` byte length followed by that many UTF-8 bytes:
    /// `seq` (decimal), `at` (Unix time in nanoseconds, decimal, so the offset does not matter),
    /// `actor` ([`Actor::canonical`]), `kind` ([`CommandKind::as_str`]), `from_status` and
    /// `to_status` (national code in decimal, empty for a draft), `reason`, then the number of
    /// `data` entries (decimal) and each key and value in ascending key order.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        let status =
            |s: Option<DossierStatus>| s.map_or(String::new(), |s| s.national_code().to_string());
        put(&mut out, CANONICAL_TAG);
        put(&mut out, &self.seq.to_string());
        put(&mut out, &self.at.unix_timestamp_nanos().to_string());
        put(&mut out, &self.actor.canonical());
        put(&mut out, self.kind.as_str());
        put(&mut out, &status(self.from_status));
        put(&mut out, &status(self.to_status));
        put(&mut out, &self.reason);
        put(&mut out, &self.data.len().to_string());
        for (key, value) in &self.data {
            put(&mut out, key);
            put(&mut out, value);
        }
        out
    }
}

pub(crate) fn put(out: &mut Vec<u8>, field: &str) {
    // Fields longer than 4 GiB cannot occur in a dossier; saturate rather than panic.
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field.as_bytes());
}

/// SHA-256 over `prev_hash` (32 raw bytes) followed by `canonical`, as lower-case hex.
pub fn chain_hash(prev_hash: &[u8; 32], canonical: &[u8]) -> String {
    to_hex(&chain_digest(prev_hash, canonical))
}

pub(crate) fn chain_digest(prev_hash: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical);
    hasher.finalize().into()
}

/// Lower-case hex of 32 bytes.
pub fn to_hex(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// 64 hex digits back to bytes (either case).
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let high = char::from(*pair.first()?).to_digit(16)?;
        let low = char::from(*pair.get(1)?).to_digit(16)?;
        *slot = u8::try_from(high * 16 + low).ok()?;
    }
    Some(out)
}

/// Where a timeline stops verifying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the dossier timeline does not verify at event {at_seq}: {problem}")]
pub struct ChainError {
    /// The sequence number expected at the broken position (1-based).
    pub at_seq: u64,
    pub problem: ChainProblem,
}

/// What is wrong at [`ChainError::at_seq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    #[error("an event is missing or out of order")]
    Sequence,
    #[error("the event's hash does not match its content and predecessor")]
    Hash,
}

impl ChainError {
    pub fn as_str(&self) -> &'static str {
        match self.problem {
            ChainProblem::Sequence => "dossier-chain-sequence",
            ChainProblem::Hash => "dossier-chain-hash",
        }
    }
}

/// Checks a whole timeline from the first event: sequence numbers 1, 2, 3, … and every hash.
///
/// # Errors
/// The first position that fails.
pub fn verify_chain(events: &[Event]) -> Result<[u8; 32], ChainError> {
    verify_links(
        events
            .iter()
            .map(|e| (e.seq, e.canonical_bytes(), e.hash.as_str())),
    )
}

/// The chain check shared by every hash-chained timeline (dossiers, official documents):
/// `(seq, canonical bytes, hash)` in order, from [`GENESIS`].
pub(crate) fn verify_links<'a>(
    links: impl Iterator<Item = (u64, Vec<u8>, &'a str)>,
) -> Result<[u8; 32], ChainError> {
    let mut prev = GENESIS;
    for (expected, (seq, canonical, hash)) in (1u64..).zip(links) {
        if seq != expected {
            return Err(ChainError {
                at_seq: expected,
                problem: ChainProblem::Sequence,
            });
        }
        let digest = chain_digest(&prev, &canonical);
        if from_hex(hash) != Some(digest) {
            return Err(ChainError {
                at_seq: expected,
                problem: ChainProblem::Hash,
            });
        }
        prev = digest;
    }
    Ok(prev)
}

/// Biểu mẫu một cửa (TT 03/2025/TT-VPCP Phụ lục I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Giấy tiếp nhận hồ sơ và hẹn trả kết quả.
    Mau01,
    /// Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.
    Mau02,
    /// Phiếu từ chối tiếp nhận giải quyết hồ sơ.
    Mau03,
    /// Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết.
    Mau04,
    /// Thông báo dừng giải quyết hồ sơ.
    Mau05,
    /// Phiếu kiểm soát quá trình giải quyết hồ sơ.
    Mau06,
    /// Sổ theo dõi hồ sơ.
    Mau07,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mau01 => "mau01",
            Self::Mau02 => "mau02",
            Self::Mau03 => "mau03",
            Self::Mau04 => "mau04",
            Self::Mau05 => "mau05",
            Self::Mau06 => "mau06",
            Self::Mau07 => "mau07",
        }
    }
}

/// What must happen outside the domain after a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Tell the applicant (e-mail, SMS, Zalo, portal); the template is named after the command.
    NotifyCitizen { template: CommandKind },
    /// Produce (and for in-person dossiers print) an official form.
    IssueForm { form: Form },
    /// Push the new status to Cổng DVCQG.
    SyncNational { code: u8 },
    /// Put the dossier in the work queue of the step's role (and assignee).
    Enqueue { step: usize, assignee: Option<i64> },
    /// Ask another unit for its opinion.
    RequestOpinion { unit: String },
    /// Send the dossier to another agency (liên thông).
    TransferTo { agency: AgencyCode },
    /// Hand the result over by the chosen method.
    DeliverResult { method: ReturnMethod },
    /// Record the dossier in the tracking book (Mẫu 07).
    RecordInRegister,
}
