//! Highlighting of search terms in the original (accented) text.
//!
//! The databases match folded text, and their own snippet functions would show the folded,
//! accent-less words. Highlighting is therefore done here, once, for both backends: each word
//! of the original text is folded with [`crate::text::fold`] and marked when it equals a query
//! term (or starts with the last term when it is a prefix), so the citizen sees "Đăng ký
//! **kết hôn**" whatever they typed.

use crate::text::{fold, nfc};

/// A piece of text, marked when it matched a query term.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

fn matches(word: &str, terms: &[String], prefix_last: bool) -> bool {
    let folded = fold(word);
    if folded.is_empty() {
        return false;
    }
    let last = terms.len().saturating_sub(1);
    terms.iter().enumerate().any(|(index, term)| {
        folded == *term || (prefix_last && index == last && folded.starts_with(term.as_str()))
    })
}

/// Splits `text` (NFC) into runs, marking the words that match `terms` (folded syllables).
/// Adjacent pieces of the same kind are merged.
pub fn highlight(text: &str, terms: &[String], prefix_last: bool) -> Vec<Segment> {
    let text = nfc(text);
    let mut segments: Vec<Segment> = Vec::new();
    let mut push = |piece: &str, mark: bool| match segments.last_mut() {
        Some(last) if last.mark == mark => last.text.push_str(piece),
        _ => segments.push(Segment {
            text: piece.to_owned(),
            mark,
        }),
    };
    let mut word_start: Option<usize> = None;
    for (index, ch) in text.char_indices() {
        let in_word = ch.is_alphanumeric() || unicode_mark(ch);
        match (in_word, word_start) {
            (true, None) => word_start = Some(index),
            (false, Some(start)) => {
                let word = &text[start..index];
                push(word, matches(word, terms, prefix_last));
                push(&text[index..index + ch.len_utf8()], false);
                word_start = None;
            }
            (false, None) => push(&text[index..index + ch.len_utf8()], false),
            (true, Some(_)) => {}
        }
    }
    if let Some(start) = word_start {
        let word = &text[start..];
        push(word, matches(word, terms, prefix_last));
    }
    segments
}

fn unicode_mark(ch: char) -> bool {
    unicode_normalization::char::is_combining_mark(ch)
}

/// A window of about `max_words` words of `text` around the first match, with "…" where text
/// was cut; the whole text when it is short or nothing matches near the start.
pub fn snippet(text: &str, terms: &[String], prefix_last: bool, max_words: usize) -> Vec<Segment> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max_words {
        return highlight(text, terms, prefix_last);
    }
    let first = words
        .iter()
        .position(|word| {
            highlight(word, terms, prefix_last)
                .iter()
                .any(|segment| segment.mark)
        })
        .unwrap_or(0);
    let start = first.saturating_sub(max_words / 3);
    let end = (start + max_words).min(words.len());
    let mut window = words[start..end].join(" ");
    if start > 0 {
        window.insert_str(0, "… ");
    }
    if end < words.len() {
        window.push_str(" …");
    }
    highlight(&window, terms, prefix_last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::terms;

    fn marked(segments: &[Segment]) -> Vec<&str> {
        segments
            .iter()
            .filter(|s| s.mark)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn marks_original_words_whatever_the_query_spelling() {
        for query in ["ket hon", "KẾT HÔN", "ke\u{0302}\u{0301}t ho\u{0302}n"] {
            let segments = highlight("Đăng ký kết hôn", &terms(query), false);
            assert_eq!(marked(&segments), vec!["kết", "hôn"], "{query}");
            let whole: String = segments.iter().map(|s| s.text.as_str()).collect();
            assert_eq!(whole, "Đăng ký kết hôn");
        }
    }

    #[test]
    fn whole_syllables_only_unless_prefix() {
        let segments = highlight("Không kết hôn", &terms("hon"), false);
        assert_eq!(marked(&segments), vec!["hôn"]);
        let segments = highlight("Đăng ký khai sinh", &terms("dang k"), true);
        assert_eq!(marked(&segments), vec!["Đăng", "ký", "khai"]);
    }

    #[test]
    fn snippets_cut_around_the_first_match() {
        let text = "một hai ba bốn năm sáu bảy tám chín mười kết hôn mười một mười hai";
        let segments = snippet(text, &terms("ket hon"), false, 6);
        let whole: String = segments.iter().map(|s| s.text.as_str()).collect();
        assert!(whole.starts_with("… "), "{whole}");
        assert!(whole.contains("kết hôn"), "{whole}");
    }
}
