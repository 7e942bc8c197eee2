//! Folded texts for the catalogue search, which ignores diacritics and case.
//!
//! The name and the other descriptive texts are folded separately so that search can rank a
//! procedure whose name matches above one that only mentions the words in its description:
//! "dang ky ket hon" must list "Đăng ký kết hôn" before procedures that merely require a
//! marriage certificate.

use super::Procedure;
use crate::text::fold;

/// How well a procedure matches a query; smaller is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchRank {
    /// The query is the procedure's national or local code.
    Code,
    /// Every query term appears in the name.
    Name,
    /// Every query term appears in the name or the descriptive text.
    Description,
}

impl Procedure {
    /// The name, folded (lowercase, no diacritics, `đ` → `d`).
    pub fn name_folded(&self) -> String {
        fold(&self.name)
    }

    /// The descriptive text indexed apart from the name, folded: description, sector, agency,
    /// result and codes.
    pub fn search_text(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(description) = &self.description {
            parts.push(description);
        }
        parts.push(&self.sector.name);
        parts.push(&self.agency);
        parts.push(&self.result);
        parts.push(&self.code);
        if let Some(local) = &self.local_code {
            parts.push(local);
        }
        fold(&parts.join(" "))
    }

    /// Ranks this procedure against a free-text query; `None` when it does not match. Terms are
    /// matched as whole folded syllables, so "hon" does not match "không".
    pub fn match_rank(&self, query: &str) -> Option<MatchRank> {
        let trimmed = query.trim();
        if trimmed.is_empty() {
            return None;
        }
        let code_query = trimmed.to_ascii_uppercase();
        let is_code = code_query == self.code
            || self
                .local_code
                .as_deref()
                .is_some_and(|local| local.eq_ignore_ascii_case(trimmed));
        if is_code {
            return Some(MatchRank::Code);
        }
        let terms: Vec<String> = fold(trimmed).split(' ').map(str::to_owned).collect();
        if terms.iter().all(String::is_empty) {
            return None;
        }
        let name = self.name_folded();
        let name_terms: Vec<&str> = name.split(' ').collect();
        if terms.iter().all(|term| name_terms.contains(&term.as_str())) {
            return Some(MatchRank::Name);
        }
        let text = self.search_text();
        let all_terms: Vec<&str> = name_terms.into_iter().chain(text.split(' ')).collect();
        if terms.iter().all(|term| all_terms.contains(&term.as_str())) {
            return Some(MatchRank::Description);
        }
        None
    }
}
