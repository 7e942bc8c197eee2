//! Vietnamese text normalisation and diacritic folding.
//!
//! One folding function is used at index time and at query time, on both databases, so that
//! "Đăng ký kết hôn", "dang ky ket hon", "ĐĂNG KÝ" and NFD-encoded input all meet.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalises text to NFC, the one form we store (input methods and pasted text may be NFD).
pub fn nfc(input: &str) -> String {
    input.nfc().collect()
}

/// Normalises user text: NFC, trimmed, inner runs of whitespace collapsed to one space.
pub fn clean(input: &str) -> String {
    let normalised = nfc(input);
    normalised.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds text for search: lowercase, no diacritics, `đ` → `d`, punctuation to spaces,
/// single spaces. "Hộ Tịch", "ho tich", "HO TICH" and NFD input all become `ho tich`.
pub fn fold(input: &str) -> String {
    let mut folded = String::with_capacity(input.len());
    let mut pending_space = false;
    for ch in input.nfd() {
        if is_combining_mark(ch) {
            continue;
        }
        let ch = match ch {
            'đ' | 'Đ' => 'd',
            other => other,
        };
        if ch.is_alphanumeric() {
            if pending_space && !folded.is_empty() {
                folded.push(' ');
            }
            pending_space = false;
            for lower in ch.to_lowercase() {
                folded.push(lower);
            }
        } else {
            pending_space = true;
        }
    }
    folded
}

/// Splits folded text into search terms (syllables).
pub fn terms(input: &str) -> Vec<String> {
    fold(input)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_vietnamese_with_and_without_marks_to_the_same_text() {
        assert_eq!(fold("Đăng ký kết hôn"), "dang ky ket hon");
        assert_eq!(fold("dang ky ket hon"), "dang ky ket hon");
        assert_eq!(fold("ĐĂNG KÝ KẾT HÔN"), "dang ky ket hon");
        assert_eq!(fold("Hộ tịch; chứng thực!"), "ho tich chung thuc");
    }

    #[test]
    fn folds_nfd_input_like_nfc_input() {
        let nfd: String = "Đăng ký khai sinh".nfd().collect();
        assert_ne!(nfd, "Đăng ký khai sinh");
        assert_eq!(fold(&nfd), "dang ky khai sinh");
    }

    #[test]
    fn old_and_new_tone_placement_fold_alike() {
        assert_eq!(fold("hoà"), fold("hòa"));
        assert_eq!(fold("thuỷ"), fold("thủy"));
    }

    #[test]
    fn clean_collapses_whitespace_and_normalises() {
        let nfd: String = "  Nguyễn   Văn\tA ".nfd().collect();
        assert_eq!(clean(&nfd), "Nguyễn Văn A");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn fold_ignores_normal_form(s in "[a-zA-ZàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđĐ ]{0,30}") {
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(fold(&nfd), fold(&s));
        }
    }
}
