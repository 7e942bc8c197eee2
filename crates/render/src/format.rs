//! Vietnamese formatting of dates, times and money as printed on the forms.
//!
//! Kept in Rust (not in the templates) so the rules are unit-tested in one place:
//! NĐ 30/2020/NĐ-CP Phụ lục I writes the day below 10 and the months 1 and 2 with a leading
//! zero ("ngày 05 tháng 01 năm 2026", "ngày 15 tháng 3 năm 2026"); amounts use "." as the
//! thousands separator followed by " đ".

use time::{Date, PrimitiveDateTime};
use unicode_normalization::UnicodeNormalization;

/// Text in Unicode NFC, the form every PDF string is written in.
pub fn nfc(input: &str) -> String {
    input.nfc().collect()
}

/// "ngày 05 tháng 01 năm 2026" (NĐ 30/2020 zero-padding: day < 10, months 1–2).
pub fn date_words(date: Date) -> String {
    let month = u8::from(date.month());
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!("ngày {:02} tháng {month} năm {}", date.day(), date.year())
}

/// "Cần Thơ, ngày 05 tháng 01 năm 2026" — the place-and-date line (địa danh, ngày tháng năm).
pub fn place_date(place: &str, date: Date) -> String {
    format!("{}, {}", nfc(place.trim()), date_words(date))
}

/// "08 giờ 30 phút, ngày 05 tháng 01 năm 2026" (giờ phút ngày tháng năm).
pub fn time_and_date(at: PrimitiveDateTime) -> String {
    format!(
        "{:02} giờ {:02} phút, {}",
        at.hour(),
        at.minute(),
        date_words(at.date())
    )
}

/// "05/01/2026" — compact date for table cells.
pub fn short_date(date: Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// "1.234.567 đ".
pub fn money(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out.push_str(" đ");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates_follow_decree_30_padding() {
        assert_eq!(
            date_words(date!(2026 - 01 - 05)),
            "ngày 05 tháng 01 năm 2026"
        );
        assert_eq!(
            date_words(date!(2026 - 02 - 28)),
            "ngày 28 tháng 02 năm 2026"
        );
        assert_eq!(
            date_words(date!(2026 - 03 - 09)),
            "ngày 09 tháng 3 năm 2026"
        );
        assert_eq!(
            date_words(date!(2026 - 12 - 31)),
            "ngày 31 tháng 12 năm 2026"
        );
        assert_eq!(
            place_date("Cần Thơ", date!(2026 - 01 - 05)),
            "Cần Thơ, ngày 05 tháng 01 năm 2026"
        );
    }

    #[test]
    fn times_and_short_dates() {
        assert_eq!(
            time_and_date(datetime!(2026-01-05 08:05)),
            "08 giờ 05 phút, ngày 05 tháng 01 năm 2026"
        );
        assert_eq!(short_date(date!(2026 - 03 - 09)), "09/03/2026");
    }

    #[test]
    fn money_groups_thousands_with_dots() {
        assert_eq!(money(0), "0 đ");
        assert_eq!(money(999), "999 đ");
        assert_eq!(money(1_000), "1.000 đ");
        assert_eq!(money(8_000), "8.000 đ");
        assert_eq!(money(1_234_567), "1.234.567 đ");
        assert_eq!(money(12_345_678_901), "12.345.678.901 đ");
    }

    #[test]
    fn nfc_composes_stacked_marks() {
        let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Ngo\u{323}c Hu\u{31b}o\u{31b}\u{300}ng";
        assert_eq!(nfc(nfd), "Nguyễn Thị Ngọc Hường");
    }
}
