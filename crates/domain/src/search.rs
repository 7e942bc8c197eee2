//! Catalogue search as citizens type it (tìm kiếm thủ tục hành chính): what a query means and
//! how a procedure's name answers it. Pure, so both databases retrieve with the same expression
//! and order their candidates with the same rule ([`SearchPlan::rank`]).
//!
//! A query is folded into syllables ([`crate::text::terms`]) and becomes a [`SearchPlan`]: one
//! or more *readings* (the words as typed, and the same words with an administrator's synonym
//! put in, "sổ đỏ" → "giấy chứng nhận quyền sử dụng đất"), each a sequence of *word groups*.
//! A group is the set of spellings that count as one typed word: the word itself, its i/y twin
//! ("ký"/"kí" are both in use, [`spelling_variants`]) and, for a long word the catalogue has
//! never seen, the catalogue's words one edit away ([`typo_candidates`]). Old and new tone-mark
//! placement ("hoà"/"hòa") need nothing here: folding drops the marks.
//!
//! Retrieval matches every group of some reading ([`SearchPlan::fts5`], [`SearchPlan::tsquery`]);
//! when few procedures have all the words, those with all but one follow
//! ([`SearchPlan::fts5_most`]). Candidates are
//! then ordered the way good search engines do it ([`NameRank`]): every word in the name first,
//! then the words as a phrase, in the typed order, close together, then the shorter name.

use std::collections::BTreeSet;

/// A synonym as administrators keep it (từ đồng nghĩa): when the folded `phrase` occurs in a
/// query as whole words, the query is also read with `expansion` in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synonym {
    /// Folded syllables, e.g. `so do`.
    pub phrase: String,
    /// Folded syllables, e.g. `giay chung nhan quyen su dung dat`.
    pub expansion: String,
}

/// Words shorter than this are never corrected: a short syllable one edit away from another is
/// usually another real word ("hon"/"hom").
pub const MIN_TYPO_CHARS: usize = 4;
/// A query reads at most this many ways (the typed words and synonyms).
pub const MAX_READINGS: usize = 6;
/// Words that open most procedure names ("Đăng ký …", "Cấp …", "Thủ tục …") and so say
/// nothing about how close a name is to the query.
pub const GENERIC_WORDS: [&str; 6] = ["dang", "ky", "ki", "cap", "thu", "tuc"];
/// Letters a typo may substitute or insert: folded Vietnamese is ASCII letters and digits.
const TYPO_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz";

/// One typed word and the spellings that count as it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordGroup {
    /// Folded alphanumeric spellings; the first is the word as typed (or as the synonym has it).
    pub spellings: Vec<String>,
    /// The word is still being typed: a name word starting with a spelling matches it.
    pub prefix: bool,
}

impl WordGroup {
    fn matches(&self, word: &str) -> bool {
        self.spellings.iter().any(|spelling| {
            if self.prefix {
                word.starts_with(spelling.as_str())
            } else {
                word == spelling
            }
        })
    }
}

/// One way of reading the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub groups: Vec<WordGroup>,
}

/// What a query means, ready to be matched and to rank candidates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchPlan {
    pub readings: Vec<Reading>,
}

/// The i/y twin of a syllable whose whole vowel is `i` or `y` after a consonant ("ky" ↔ "ki",
/// "ly" ↔ "li", "quy" ↔ "qui"): both spellings are taught and both are typed. Other syllables
/// ("tay", "hai", "tuy") have no twin.
pub fn iy_twin(term: &str) -> Option<String> {
    let bytes = term.as_bytes();
    let (&last, head) = bytes.split_last()?;
    let swapped = match last {
        b'i' => 'y',
        b'y' => 'i',
        _ => return None,
    };
    let &before = head.last()?;
    let consonant_before = b"bcdghklmnprstvx".contains(&before)
        || (before == b'u' && head.len() >= 2 && head[head.len() - 2] == b'q');
    if !consonant_before || !head.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut twin = String::from_utf8_lossy(head).into_owned();
    twin.push(swapped);
    Some(twin)
}

/// A syllable and its i/y twin, if any.
pub fn spelling_variants(term: &str) -> Vec<String> {
    let mut variants = vec![term.to_owned()];
    variants.extend(iy_twin(term));
    variants
}

/// One spelling of a syllable for comparisons: the `i` form of an i/y pair.
pub fn canonical(term: &str) -> String {
    match iy_twin(term) {
        Some(twin) if term.ends_with('y') => twin,
        _ => term.to_owned(),
    }
}

/// Every string one edit (delete, transpose, substitute or insert a letter) away from a long
/// ASCII word, for looking up which of them the catalogue uses. Empty for short or non-ASCII
/// words.
pub fn typo_candidates(term: &str) -> Vec<String> {
    if term.chars().count() < MIN_TYPO_CHARS || !term.is_ascii() {
        return Vec::new();
    }
    let bytes = term.as_bytes();
    let mut found = BTreeSet::new();
    for index in 0..bytes.len() {
        let mut deleted = bytes.to_vec();
        deleted.remove(index);
        found.insert(deleted);
        if index + 1 < bytes.len() {
            let mut swapped = bytes.to_vec();
            swapped.swap(index, index + 1);
            found.insert(swapped);
        }
        for letter in TYPO_ALPHABET.bytes() {
            let mut substituted = bytes.to_vec();
            substituted[index] = letter;
            found.insert(substituted);
        }
    }
    for index in 0..=bytes.len() {
        for letter in TYPO_ALPHABET.bytes() {
            let mut inserted = bytes.to_vec();
            inserted.insert(index, letter);
            found.insert(inserted);
        }
    }
    found
        .into_iter()
        .filter_map(|candidate| String::from_utf8(candidate).ok())
        .filter(|candidate| candidate != term)
        .collect()
}

/// The readings of `terms`: as typed, then once per synonym whose phrase occurs in them as
/// whole words (compared in canonical i/y spelling), with the phrase replaced by the expansion.
/// The last term, if still being typed, takes part in a synonym only when it is complete.
pub fn readings(terms: &[String], synonyms: &[Synonym]) -> Vec<Vec<String>> {
    let mut out = vec![terms.to_vec()];
    let canonical_terms: Vec<String> = terms.iter().map(|t| canonical(t)).collect();
    for synonym in synonyms {
        let phrase: Vec<String> = synonym.phrase.split_whitespace().map(canonical).collect();
        let expansion: Vec<String> = synonym
            .expansion
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if phrase.is_empty() || expansion.is_empty() || phrase.len() > terms.len() {
            continue;
        }
        let Some(start) = canonical_terms
            .windows(phrase.len())
            .position(|window| window == phrase.as_slice())
        else {
            continue;
        };
        let mut reading: Vec<String> = terms[..start].to_vec();
        reading.extend(expansion);
        reading.extend_from_slice(&terms[start + phrase.len()..]);
        if !out.contains(&reading) {
            out.push(reading);
        }
        if out.len() >= MAX_READINGS {
            break;
        }
    }
    out
}

impl SearchPlan {
    /// The plan for folded `terms`. `prefix_last`: the last typed word is still being typed
    /// (it stays a prefix only in the reading that ends with it). `corrections` gives, for a
    /// spelling the catalogue does not know, the known words one edit away (see
    /// [`typo_candidates`]); it is asked only about spellings of [`MIN_TYPO_CHARS`] or more.
    pub fn build(
        terms: &[String],
        prefix_last: bool,
        synonyms: &[Synonym],
        corrections: &dyn Fn(&str) -> Vec<String>,
    ) -> SearchPlan {
        let terms = crate::query_text::clean_terms(terms);
        if terms.is_empty() {
            return SearchPlan::default();
        }
        let last = terms.last().cloned();
        let readings = readings(&terms, synonyms)
            .into_iter()
            .map(|words| {
                let count = words.len();
                let groups = words
                    .into_iter()
                    .enumerate()
                    .map(|(index, word)| {
                        let prefix = prefix_last
                            && index + 1 == count
                            && last.as_deref() == Some(word.as_str());
                        let mut spellings = spelling_variants(&word);
                        if word.chars().count() >= MIN_TYPO_CHARS {
                            for fixed in corrections(&word) {
                                for variant in spelling_variants(&fixed) {
                                    if !spellings.contains(&variant) {
                                        spellings.push(variant);
                                    }
                                }
                            }
                        }
                        WordGroup { spellings, prefix }
                    })
                    .collect();
                Reading { groups }
            })
            .collect();
        SearchPlan { readings }
    }

    /// A plan of the words exactly as given, without synonyms or corrections.
    pub fn plain(terms: &[String], prefix_last: bool) -> SearchPlan {
        SearchPlan::build(terms, prefix_last, &[], &|_| Vec::new())
    }

    pub fn is_empty(&self) -> bool {
        self.readings.iter().all(|r| r.groups.is_empty())
    }

    /// Every spelling the plan looks for, for highlighting.
    pub fn spellings(&self) -> Vec<String> {
        let mut all = Vec::new();
        for group in self.readings.iter().flat_map(|r| &r.groups) {
            for spelling in &group.spellings {
                if !all.contains(spelling) {
                    all.push(spelling.clone());
                }
            }
        }
        all
    }

    /// Whether a spelling is matched as a prefix anywhere in the plan.
    pub fn has_prefix(&self) -> bool {
        self.readings
            .iter()
            .flat_map(|r| &r.groups)
            .any(|g| g.prefix)
    }

    /// FTS5 `MATCH` text: some reading with all of its words. Every spelling is quoted (they are
    /// folded alphanumerics), so no FTS5 operator can come from the query.
    pub fn fts5(&self) -> String {
        self.readings
            .iter()
            .filter(|r| !r.groups.is_empty())
            .map(|reading| {
                let groups: Vec<String> = reading.groups.iter().map(fts5_group).collect();
                format!("({})", groups.join(" AND "))
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// FTS5 `MATCH` text: some reading with all of its words but one (any of them for a
    /// two-word reading), for the matches that follow those with every word.
    pub fn fts5_most(&self) -> String {
        self.most(fts5_group, " AND ", " OR ")
    }

    /// `to_tsquery('simple', …)` text: some reading with all of its words.
    pub fn tsquery(&self) -> String {
        self.readings
            .iter()
            .filter(|r| !r.groups.is_empty())
            .map(|reading| {
                let groups: Vec<String> = reading.groups.iter().map(ts_group).collect();
                format!("({})", groups.join(" & "))
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// `to_tsquery('simple', …)` text: as [`SearchPlan::fts5_most`].
    pub fn tsquery_most(&self) -> String {
        self.most(ts_group, " & ", " | ")
    }

    fn most(&self, group: fn(&WordGroup) -> String, and: &str, or: &str) -> String {
        let mut alternatives: Vec<String> = Vec::new();
        for reading in &self.readings {
            let groups: Vec<String> = reading.groups.iter().map(group).collect();
            if groups.len() <= 2 {
                alternatives.extend(groups);
                continue;
            }
            for dropped in 0..groups.len() {
                let kept: Vec<&str> = groups
                    .iter()
                    .enumerate()
                    .filter(|(index, _)| *index != dropped)
                    .map(|(_, g)| g.as_str())
                    .collect();
                alternatives.push(format!("({})", kept.join(and)));
            }
        }
        alternatives.join(or)
    }

    /// How well a procedure's folded name answers the plan: the best over the readings.
    pub fn rank(&self, name_folded: &str) -> NameRank {
        let words: Vec<&str> = name_folded.split_whitespace().collect();
        self.readings
            .iter()
            .filter(|r| !r.groups.is_empty())
            .map(|reading| NameRank::of(reading, &words))
            .min()
            .unwrap_or_else(|| NameRank::nothing(words.len()))
    }
}

fn fts5_group(group: &WordGroup) -> String {
    let spellings: Vec<String> = group
        .spellings
        .iter()
        .map(|s| {
            let quoted = format!("\"{}\"", s.replace('"', ""));
            if group.prefix { quoted + "*" } else { quoted }
        })
        .collect();
    if spellings.len() == 1 {
        spellings.concat()
    } else {
        format!("({})", spellings.join(" OR "))
    }
}

fn ts_group(group: &WordGroup) -> String {
    let spellings: Vec<String> = group
        .spellings
        .iter()
        .map(|s| {
            let clean: String = s.chars().filter(|c| c.is_alphanumeric()).collect();
            if group.prefix {
                format!("{clean}:*")
            } else {
                clean
            }
        })
        .collect();
    if spellings.len() == 1 {
        spellings.concat()
    } else {
        format!("({})", spellings.join(" | "))
    }
}

/// How a name answers a reading; smaller is better, compared field by field in this order
/// (attribute, then phrase, order and proximity, then length), as the ranking rules of search
/// engines do once every word is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NameRank {
    /// Words of the reading missing from the name (0: the name has them all).
    pub missing: usize,
    /// The found words are not one phrase in the typed order.
    pub not_phrase: bool,
    /// The found words are not in the typed order.
    pub not_in_order: bool,
    /// Other words between the first and the last found word.
    pub gaps: usize,
    /// Words before the first found word, not counting the generic verbs most names start
    /// with ([`GENERIC_WORDS`]): "Đăng ký tạm trú" before "Gia hạn tạm trú", "Đăng ký khai
    /// sinh" before "Liên thông … khai sinh".
    pub offset: usize,
    /// Words in the name: the shorter name is the closer answer.
    pub length: usize,
}

impl NameRank {
    fn nothing(length: usize) -> NameRank {
        NameRank {
            missing: usize::MAX,
            not_phrase: true,
            not_in_order: true,
            gaps: usize::MAX,
            offset: usize::MAX,
            length,
        }
    }

    /// Whether every word of the best reading is in the name.
    pub fn all_in_name(&self) -> bool {
        self.missing == 0
    }

    fn of(reading: &Reading, words: &[&str]) -> NameRank {
        let positions: Vec<Vec<usize>> = reading
            .groups
            .iter()
            .map(|group| {
                words
                    .iter()
                    .enumerate()
                    .filter(|(_, word)| group.matches(word))
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect();
        let found: Vec<&Vec<usize>> = positions.iter().filter(|p| !p.is_empty()).collect();
        let missing = reading.groups.len() - found.len();
        if found.is_empty() {
            return NameRank {
                missing,
                ..NameRank::nothing(words.len())
            };
        }
        // A phrase: the found words at consecutive positions, in order.
        let phrase = found[0]
            .iter()
            .any(|&start| (1..found.len()).all(|k| found[k].contains(&(start + k))));
        // In order: each found word after the previous one (greedy earliest choice is optimal).
        let mut previous: Option<usize> = None;
        let mut in_order = true;
        for candidates in &found {
            match candidates
                .iter()
                .copied()
                .find(|&p| previous.is_none_or(|prev| p > prev))
            {
                Some(p) => previous = Some(p),
                None => {
                    in_order = false;
                    break;
                }
            }
        }
        let (window, first) = smallest_window(&found);
        let offset = words[..first.min(words.len())]
            .iter()
            .filter(|word| !GENERIC_WORDS.contains(word))
            .count();
        NameRank {
            missing,
            not_phrase: !phrase,
            not_in_order: !in_order,
            gaps: window.saturating_sub(found.len()),
            offset,
            length: words.len(),
        }
    }
}

/// The smallest span of name positions holding one position of every found group, as
/// (span length, its first position); names are short, so a sweep over start positions will do.
fn smallest_window(found: &[&Vec<usize>]) -> (usize, usize) {
    let mut best = (usize::MAX, usize::MAX);
    let mut starts: Vec<usize> = found.iter().flat_map(|p| p.iter().copied()).collect();
    starts.sort_unstable();
    starts.dedup();
    for &start in &starts {
        let mut end = start;
        let mut complete = true;
        for positions in found {
            match positions.iter().copied().filter(|&p| p >= start).min() {
                Some(p) => end = end.max(p),
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if complete {
            let span = end - start + 1;
            if span < best.0 {
                best = (span, start);
            }
        }
    }
    best
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
