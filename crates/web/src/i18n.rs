//! Message catalogues (Vietnamese first, English second) and the language of a request.
//!
//! Catalogues are Fluent-style files of `key = text` lines embedded in the binary; placeholders
//! are `{ $name }`. Every user-facing string comes from here; a test checks that both
//! catalogues have the same keys and that every key the code and templates use exists.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(value: &str) -> Option<Lang> {
        match value
            .trim()
            .get(..2)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("vi") => Some(Lang::Vi),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// Picks a language from an `Accept-Language` header; Vietnamese unless English comes first.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .find_map(|part| Lang::parse(part.split(';').next().unwrap_or("")))
            .unwrap_or_default()
    }
}

pub(crate) fn parse_catalogue(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

pub(crate) const VI_SOURCE: &str = include_str!("../locales/vi.ftl");
pub(crate) const EN_SOURCE: &str = include_str!("../locales/en.ftl");

static VI: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse_catalogue(VI_SOURCE));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| parse_catalogue(EN_SOURCE));

/// The message for `key`; a missing key shows itself (and fails the catalogue test).
pub fn t(lang: Lang, key: &str) -> String {
    let catalogue = match lang {
        Lang::Vi => &*VI,
        Lang::En => &*EN,
    };
    catalogue
        .get(key)
        .or_else(|| VI.get(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// The message for `key` with `{ $name }` placeholders filled.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key);
    for (name, value) in args {
        text = text.replace(&format!("{{ ${name} }}"), value);
    }
    text
}

/// Money as Vietnamese write it: "1.234.567 đ".
pub fn format_money(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, ch) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{}{grouped} đ", if amount < 0 { "-" } else { "" })
}

/// A date as dd/mm/yyyy.
pub fn format_date(date: time::Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// A date-time as dd/mm/yyyy HH:MM in Vietnam time.
pub fn format_time(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(motcua_domain::calendar::VIETNAM_OFFSET);
    format!(
        "{} {:02}:{:02}",
        format_date(at.date()),
        at.hour(),
        at.minute()
    )
}

/// A stored time (unix µs) as dd/mm/yyyy HH:MM in Vietnam time.
pub fn format_time_micros(micros: i64) -> String {
    format_time(motcua_app::views::from_micros(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        let vi = parse_catalogue(VI_SOURCE);
        let en = parse_catalogue(EN_SOURCE);
        let mut missing_en: Vec<_> = vi.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut missing_vi: Vec<_> = en.keys().filter(|k| !vi.contains_key(*k)).collect();
        missing_en.sort();
        missing_vi.sort();
        assert!(missing_en.is_empty(), "missing in en.ftl: {missing_en:?}");
        assert!(missing_vi.is_empty(), "missing in vi.ftl: {missing_vi:?}");
    }

    #[test]
    fn vietnamese_catalogue_is_nfc() {
        assert_eq!(motcua_domain::text::nfc(VI_SOURCE), VI_SOURCE);
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(
                Lang::En,
                "admin-import-done",
                &[("created", "1"), ("updated", "2"), ("roles", "3")]
            ),
            "Imported: 1 new, 2 updated, 3 roles."
        );
    }

    #[test]
    fn money_and_dates_use_vietnamese_conventions() {
        assert_eq!(format_money(1_234_567), "1.234.567 đ");
        assert_eq!(format_money(0), "0 đ");
        assert_eq!(format_money(100), "100 đ");
        assert_eq!(format_money(-5000), "-5.000 đ");
        assert_eq!(
            format_date(time::macros::date!(2026 - 02 - 05)),
            "05/02/2026"
        );
        assert_eq!(format_time_micros(0), "01/01/1970 07:00");
    }

    #[test]
    fn language_negotiation_prefers_vietnamese() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR,vi;q=0.5"), Lang::Vi);
        assert_eq!(Lang::from_accept_language(""), Lang::Vi);
    }
}
