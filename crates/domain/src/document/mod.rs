//! Official documents (quản lý văn bản và điều hành, SPEC §2.9; NĐ 30/2020/NĐ-CP), as pure
//! rules.
//!
//! - [`kind`]: the 29 document types with their Phụ lục III abbreviations, urgency, secrecy.
//! - [`number`]: "Số: 05/QĐ-UBND" / "Số: 15/UBND-VP", the numbering series (per body, register
//!   and year, secret documents apart), the duplicate key of Phụ lục VI.
//! - [`lifecycle`]: incoming (registered → submitted → directed → in handling → done, or
//!   returned) and outgoing (draft → review → approved → signed → issued → distributed) as one
//!   state machine with a hash-chained timeline, like dossiers.
//!
//! ```
//! use motcua_domain::authz::Role;
//! use motcua_domain::document::*;
//! use motcua_domain::dossier::Actor;
//! use time::macros::{date, datetime};
//!
//! assert_eq!(code_number(5, &notation(DocumentType::QuyetDinh, "UBND", None).unwrap()), "05/QĐ-UBND");
//! assert_eq!(code_number(15, &notation(DocumentType::CongVan, "UBND", Some("VP")).unwrap()), "15/UBND-VP");
//! let clerk = Actor::Official { official_id: 9, role: Role::Clerk };
//! let ctx = Context { actor: &clerk, now: datetime!(2026-12-07 08:30 +7), today: date!(2026-12-07) };
//! let d = decide(&Document::new(), &Command::Register { arrival_number: 1 }, &ctx).unwrap();
//! assert_eq!(d.new_state.status, Some(Status::Registered));
//! assert!(verify_chain(&[d.event]).is_ok());
//! ```

pub mod kind;
pub mod lifecycle;
pub mod number;

#[cfg(test)]
mod tests;

pub use kind::{DocumentType, Secrecy, Urgency};
pub use lifecycle::{
    CLERK_COPY, Command, CommandKind, Context, Decision, Delivery, Document, Effect, Event,
    Recipient, Signature, SignatureKind, Status, TransitionError, decide, may_issue,
    role_may_issue, verify_chain,
};
pub use number::{
    NumberError, Register, Series, SeriesKey, abbreviate, code_number, duplicate_key,
    format_number, next_number, notation,
};
