//! Folding Vietnamese to plain ASCII letters for gateways that want text without diacritics
//! (VNPay's `vnp_OrderInfo`: "Tiếng Việt không dấu"). The crate depends on no other crate of
//! the workspace, so this is its own small table rather than the domain's search folding.

/// Precomposed Vietnamese letters and the ASCII letter each folds to.
const TABLE: &[(&str, char)] = &[
    ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
    ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
    ("èéẻẽẹêềếểễệ", 'e'),
    ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
    ("ìíỉĩị", 'i'),
    ("ÌÍỈĨỊ", 'I'),
    ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
    ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
    ("ùúủũụưừứửữự", 'u'),
    ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
    ("ỳýỷỹỵ", 'y'),
    ("ỲÝỶỸỴ", 'Y'),
    ("đ", 'd'),
    ("Đ", 'D'),
];

/// Removes Vietnamese diacritics: `"Lệ phí đăng ký"` → `"Le phi dang ky"`, `đ` → `d`.
/// Works on precomposed (NFC) and decomposed (NFD) text alike: combining marks
/// (U+0300–U+036F) are dropped. Other characters pass through unchanged.
pub fn fold_diacritics(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        match TABLE.iter().find(|(letters, _)| letters.contains(c)) {
            Some((_, plain)) => out.push(*plain),
            None => out.push(c),
        }
    }
    out
}

/// Text a gateway accepts in a free-text field: folded, then every character other than ASCII
/// letters, digits, space and `- . , : _ /` replaced by a space, runs of spaces collapsed, cut
/// to `max` characters.
pub(crate) fn plain_ascii(text: &str, max: usize) -> String {
    let folded = fold_diacritics(text);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() || "-.,:_/".contains(c) {
            c
        } else {
            ' '
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        if out.len() == max {
            break;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_every_vietnamese_vowel_and_d() {
        assert_eq!(
            fold_diacritics("Lệ phí đăng ký hộ tịch ĐỒNG Ưu"),
            "Le phi dang ky ho tich DONG Uu"
        );
        assert_eq!(
            fold_diacritics("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"),
            "a".repeat(17)
                + &"e".repeat(11)
                + &"i".repeat(5)
                + &"o".repeat(17)
                + &"u".repeat(11)
                + &"y".repeat(5)
        );
    }

    #[test]
    fn folds_decomposed_text() {
        // "Việt" with a combining circumflex and a combining dot below.
        assert_eq!(fold_diacritics("Vie\u{0302}\u{0323}t"), "Viet");
    }

    #[test]
    fn plain_ascii_keeps_a_safe_alphabet() {
        assert_eq!(
            plain_ascii("Thanh toán hồ sơ #H29.123-260101-0001 (lệ phí)*", 255),
            "Thanh toan ho so H29.123-260101-0001 le phi"
        );
        assert_eq!(plain_ascii("  a\u{00a0}\tb  ", 255), "a b");
        assert_eq!(plain_ascii("abcdef", 3), "abc");
    }
}
