//! The catalogue search path up to the database: folding the citizen's text into terms and
//! building the FTS5 `MATCH` expression (SQLite) and the `to_tsquery` text (PostgreSQL).
//! Whatever the input, every term is quoted in the FTS5 expression with no stray quote (so no
//! FTS5 operator can be injected), and the tsquery is `term & term … [:*]` over alphanumerics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use motcua_domain::query_text::{clean_terms, fts5_query, tsquery};
use motcua_domain::search::{SearchPlan, Synonym, typo_candidates};
use motcua_domain::text;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let input = String::from_utf8_lossy(rest);
    let folded = text::fold(&input);
    assert!(!folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "));
    let terms = clean_terms(&text::terms(&input));
    let prefix = flags & 1 == 1;
    let column = (flags & 2 == 2).then_some("name_folded");

    let fts = fts5_query(&terms, prefix, column);
    assert_eq!(fts.matches('"').count(), terms.len() * 2, "{fts}");
    for term in &terms {
        assert!(!term.is_empty() && term.chars().all(char::is_alphanumeric), "{term:?}");
        assert!(fts.contains(&format!("\"{term}\"")), "{fts}");
    }

    // The plan with synonyms and corrections: quoted spellings only, tsquery operators only,
    // and a rank for any name.
    let synonyms = [Synonym {
        phrase: "so do".to_owned(),
        expansion: "giay chung nhan".to_owned(),
    }];
    let plan = SearchPlan::build(&terms, prefix, &synonyms, &|word| {
        typo_candidates(word).into_iter().take(3).collect()
    });
    for text in [plan.tsquery(), plan.tsquery_most()] {
        assert!(
            text.chars()
                .all(|c| c.is_alphanumeric() || " ()&|:*".contains(c)),
            "{text}"
        );
    }
    for text in [plan.fts5(), plan.fts5_most()] {
        assert_eq!(text.matches('"').count() % 2, 0, "{text}");
        let quoted: String = text.split('"').skip(1).step_by(2).collect();
        assert!(quoted.chars().all(char::is_alphanumeric), "{text}");
        let outside: String = text.split('"').step_by(2).collect();
        assert!(outside.chars().all(|c| "ANDOR()* ".contains(c)), "{text}");
    }
    let _ = plan.rank(&folded);

    let ts = tsquery(&terms, prefix);
    if terms.is_empty() {
        assert!(ts.is_empty() || ts == ":*", "{ts}");
        return;
    }
    let parts: Vec<&str> = ts.split(" & ").collect();
    assert_eq!(parts.len(), terms.len(), "{ts}");
    for (index, part) in parts.iter().enumerate() {
        let bare = if prefix && index + 1 == parts.len() {
            part.strip_suffix(":*").expect("prefix marker on the last term")
        } else {
            part
        };
        assert_eq!(bare, terms[index], "{ts}");
    }
});
