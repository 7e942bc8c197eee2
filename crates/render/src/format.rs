//! Vietnamese formatting of dates, times and money as printed on the forms.
//!
//! Kept in Rust (not in the templates) so the rules are unit-tested in one place:
//! NĐ 30/2020/NĐ-CP Phụ lục I writes the day below 10 and the months 1 and 2 with a leading
//! zero ("ngày 05 tháng 01 năm 2026", "ngày 15 tháng 3 năm 2026"); amounts use "." as the
//! thousands separator followed by " đ", and a receipt prints its total in words
//! ([`amount_in_words`]).

use time::{Date, PrimitiveDateTime};
use unicode_normalization::UnicodeNormalization;

/// Text in Unicode NFC, the form every PDF string is written in.
pub fn nfc(input: &str) -> String {
    input.nfc().collect()
}

/// "ngày 05 tháng 01 năm 2026" (NĐ 30/2020 zero-padding: day < 10, months 1–2).
pub fn date_words(date: Date) -> String {
    let (day, month) = day_and_month(date);
    format!("ngày {day} tháng {month} năm {}", date.year())
}

/// The day and the month as NĐ 30/2020 writes them: a day below 10 and the months 1 and 2
/// with a leading zero ("05", "01"; "15", "3").
pub fn day_and_month(date: Date) -> (String, String) {
    let month = u8::from(date.month());
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    (format!("{:02}", date.day()), month)
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

/// "05/01/2026 08:30" — date and time on one line (receipts).
pub fn short_date_time(at: PrimitiveDateTime) -> String {
    format!(
        "{} {:02}:{:02}",
        short_date(at.date()),
        at.hour(),
        at.minute()
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

/// Vietnamese digit names (chữ số).
const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// An amount of đồng in words (số tiền bằng chữ), as receipts print it:
/// 1_205_000 → "Một triệu hai trăm linh năm nghìn đồng".
///
/// Groups of three digits are read as "trăm", "mươi" and units, with the usual euphony: "mốt"
/// for 1 after "mươi" (hai mươi mốt), "lăm" for 5 after a ten (mười lăm, hai mươi lăm), "linh"
/// for a missing ten (một trăm linh năm), "không trăm" for a missing hundred after a larger
/// group (một triệu không trăm linh năm nghìn). A group of zeros is left out; the scale goes
/// nghìn, triệu, tỷ and then repeats ("một nghìn tỷ"). The first letter is a capital.
pub fn amount_in_words(amount: u64) -> String {
    let mut words: Vec<&str> = Vec::new();
    if amount == 0 {
        words.push(DIGITS[0]);
    } else {
        push_number(amount, true, &mut words);
    }
    words.push("đồng");
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// Words of a non-zero `n`. `leading`: nothing has been read before it, so its first group
/// drops the "không trăm" / "linh" a group after a larger one takes.
fn push_number(n: u64, leading: bool, words: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    let mut leading = leading;
    if n >= BILLION {
        push_number(n / BILLION, leading, words);
        words.push("tỷ");
        leading = false;
    }
    let below = n % BILLION;
    for (scale, unit) in [
        (1_000_000, Some("triệu")),
        (1_000, Some("nghìn")),
        (1, None),
    ] {
        let group = (below / scale % 1_000) as usize;
        if group == 0 {
            continue;
        }
        push_group(group, !leading, words);
        words.extend(unit);
        leading = false;
    }
}

/// Words of one group of three digits, 1–999. `full`: a larger group came before, so the
/// hundreds and the tens are read even when zero ("không trăm linh năm").
fn push_group(group: usize, full: bool, words: &mut Vec<&'static str>) {
    let (hundreds, tens, units) = (group / 100, group / 10 % 10, group % 10);
    let read_hundreds = full || hundreds > 0;
    if read_hundreds {
        words.extend([DIGITS[hundreds], "trăm"]);
    }
    match (tens, units) {
        (0, 0) => {}
        (0, u) => {
            if read_hundreds {
                words.push("linh");
            }
            words.push(DIGITS[u]);
        }
        (1, u) => {
            words.push("mười");
            match u {
                0 => {}
                5 => words.push("lăm"),
                u => words.push(DIGITS[u]),
            }
        }
        (t, u) => {
            words.extend([DIGITS[t], "mươi"]);
            match u {
                0 => {}
                1 => words.push("mốt"),
                5 => words.push("lăm"),
                u => words.push(DIGITS[u]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn days_below_ten_and_january_february_take_a_leading_zero() {
        assert_eq!(
            day_and_month(date!(2027 - 01 - 05)),
            ("05".into(), "01".into())
        );
        assert_eq!(
            day_and_month(date!(2026 - 12 - 07)),
            ("07".into(), "12".into())
        );
        assert_eq!(
            day_and_month(date!(2026 - 03 - 15)),
            ("15".into(), "3".into())
        );
    }

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
        assert_eq!(
            short_date_time(datetime!(2026-01-05 08:05)),
            "05/01/2026 08:05"
        );
        assert_eq!(
            short_date_time(datetime!(2026-12-31 23:59)),
            "31/12/2026 23:59"
        );
    }

    #[test]
    fn amounts_in_words() {
        let cases: &[(u64, &str)] = &[
            (0, "Không đồng"),
            (1, "Một đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (15, "Mười lăm đồng"),
            (20, "Hai mươi đồng"),
            (21, "Hai mươi mốt đồng"),
            (24, "Hai mươi bốn đồng"),
            (25, "Hai mươi lăm đồng"),
            (55, "Năm mươi lăm đồng"),
            (100, "Một trăm đồng"),
            (101, "Một trăm linh một đồng"),
            (105, "Một trăm linh năm đồng"),
            (110, "Một trăm mười đồng"),
            (115, "Một trăm mười lăm đồng"),
            (999, "Chín trăm chín mươi chín đồng"),
            (1_000, "Một nghìn đồng"),
            (1_005, "Một nghìn không trăm linh năm đồng"),
            (1_010, "Một nghìn không trăm mười đồng"),
            (1_021, "Một nghìn không trăm hai mươi mốt đồng"),
            (8_000, "Tám nghìn đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (16_000, "Mười sáu nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (105_000, "Một trăm linh năm nghìn đồng"),
            (1_000_000, "Một triệu đồng"),
            (1_000_005, "Một triệu không trăm linh năm đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (1_205_000, "Một triệu hai trăm linh năm nghìn đồng"),
            (
                1_234_567,
                "Một triệu hai trăm ba mươi bốn nghìn năm trăm sáu mươi bảy đồng",
            ),
            (
                1_250_567,
                "Một triệu hai trăm năm mươi nghìn năm trăm sáu mươi bảy đồng",
            ),
            (1_000_000_000, "Một tỷ đồng"),
            (2_000_000_015, "Hai tỷ không trăm mười lăm đồng"),
            (2_001_000_000, "Hai tỷ không trăm linh một triệu đồng"),
            (
                12_345_678_901,
                "Mười hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một đồng",
            ),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (1_000_000_000_000_000_000, "Một tỷ tỷ đồng"),
            (
                u64::MAX,
                "Mười tám tỷ bốn trăm bốn mươi sáu triệu bảy trăm bốn mươi bốn nghìn \
                 không trăm bảy mươi ba tỷ bảy trăm linh chín triệu năm trăm năm mươi mốt nghìn \
                 sáu trăm mười lăm đồng",
            ),
        ];
        for (amount, words) in cases {
            assert_eq!(amount_in_words(*amount), *words, "{amount}");
        }
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
