//! Pure rules of Một Cửa: no I/O, no async, no SQL, no HTTP.
//!
//! Every rule that decides something for a citizen or an official lives here once:
//! text folding for search, identification numbers, the organisation tree and who may do what
//! where (role × jurisdiction), the procedure catalogue and its form schemas, and the
//! working-day calendar. Other crates call these functions; they never re-implement them.

pub mod attachment;
pub mod authz;
pub mod calendar;
pub mod document;
pub mod dossier;
pub mod highlight;
pub mod identity;
pub mod notify;
pub mod org;
pub mod payment;
pub mod procedure;
pub mod query_text;
pub mod report;
pub mod return_path;
pub mod search;
pub mod text;
