//! Query texts for the catalogue's full-text search, built from folded search terms
//! ([`crate::text::terms`]): an FTS5 `MATCH` expression for SQLite and a `to_tsquery` text for
//! PostgreSQL. Pure, so they are unit-tested and fuzzed (`fuzz/`, target `search_query`)
//! without a database; the store binds their output as parameters, never into SQL text.

/// An FTS5 query matching every term, each quoted (terms are folded alphanumerics, and quoting
/// keeps FTS5 operators such as `AND`/`NEAR` from being interpreted).
pub fn fts5_query(terms: &[String], prefix_last: bool, column: Option<&str>) -> String {
    let last = terms.len().saturating_sub(1);
    let body: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(index, term)| {
            let quoted = format!("\"{}\"", term.replace('"', ""));
            if prefix_last && index == last {
                format!("{quoted}*")
            } else {
                quoted
            }
        })
        .collect();
    match column {
        Some(column) => format!("{column} : ({})", body.join(" ")),
        None => body.join(" "),
    }
}

/// A `to_tsquery` text matching every term; terms are folded alphanumerics, so no operator
/// characters can reach the parser.
pub fn tsquery(terms: &[String], prefix_last: bool) -> String {
    let last = terms.len().saturating_sub(1);
    terms
        .iter()
        .enumerate()
        .map(|(index, term)| {
            let clean: String = term.chars().filter(|c| c.is_alphanumeric()).collect();
            if prefix_last && index == last {
                format!("{clean}:*")
            } else {
                clean
            }
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Keeps the alphanumeric characters of each term and drops terms left empty.
pub fn clean_terms(terms: &[String]) -> Vec<String> {
    terms
        .iter()
        .map(|t| {
            t.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .collect()
}
