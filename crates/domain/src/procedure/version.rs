//! Which version of a procedure applies on a given day.
//!
//! A procedure changes when the law does (a new decree, new fees, the move to two-tier local
//! government on 01/7/2025). Dossiers are judged by the version in force when they were
//! received, so old versions stay in the catalogue with their `effective_from` dates.

use super::Procedure;
use time::Date;

/// The version in force on `on`: the one with the latest `effective_from` not after `on`
/// (the higher `version` number wins a tie). `None` when every version starts later.
/// `versions` are the versions of one procedure, in any order.
pub fn version_in_force(versions: &[Procedure], on: Date) -> Option<&Procedure> {
    versions
        .iter()
        .filter(|candidate| candidate.effective_from <= on)
        .max_by_key(|candidate| (candidate.effective_from, candidate.version))
}
