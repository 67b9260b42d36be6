//! Numbers as the reader writes them: which character groups the thousands and which marks the
//! decimals. The style comes from an embed's `locale` when its page sets one, else from the
//! browser's `Accept-Language`, else English. Pure and table-tested.

use serde::{Deserialize, Serialize};

/// How a number is written: `45,812.5` in English, `45.812,5` in German, `45 812,5` in French.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberStyle {
    pub group: char,
    pub decimal: char,
}

impl Default for NumberStyle {
    fn default() -> Self {
        NumberStyle::ENGLISH
    }
}

/// U+00A0 and U+202F: the spaces that group digits without breaking a line.
const NBSP: char = '\u{a0}';
const NARROW_NBSP: char = '\u{202f}';

impl NumberStyle {
    pub const ENGLISH: NumberStyle = NumberStyle {
        group: ',',
        decimal: '.',
    };
    const DOT_COMMA: NumberStyle = NumberStyle {
        group: '.',
        decimal: ',',
    };
    const SPACE_COMMA: NumberStyle = NumberStyle {
        group: NBSP,
        decimal: ',',
    };
    const SWISS: NumberStyle = NumberStyle {
        group: '\'',
        decimal: '.',
    };

    /// The style of a language tag (`de-CH`, `fr`, `en_GB`), as CLDR writes it; none for a tag
    /// that is not one or a language Sightline does not know.
    pub fn of_tag(tag: &str) -> Option<NumberStyle> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        let language = parts.next()?;
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let region = parts.find(|p| p.len() == 2).unwrap_or("");
        let style = match (language, region) {
            ("de" | "it", "ch" | "li") => NumberStyle::SWISS,
            ("pt", "pt") | ("de", "at") | ("en", "za") | ("fr", "ca") => NumberStyle::SPACE_COMMA,
            ("es", "mx" | "us" | "pr") => NumberStyle::ENGLISH,
            ("fr", _) => NumberStyle {
                group: NARROW_NBSP,
                decimal: ',',
            },
            (
                "de" | "nl" | "da" | "es" | "it" | "pt" | "id" | "tr" | "el" | "ro" | "hr" | "sl"
                | "sr" | "vi" | "is",
                _,
            ) => NumberStyle::DOT_COMMA,
            (
                "sv" | "nb" | "no" | "nn" | "fi" | "pl" | "cs" | "sk" | "ru" | "uk" | "hu" | "bg"
                | "lt" | "lv" | "et",
                _,
            ) => NumberStyle::SPACE_COMMA,
            ("en" | "ja" | "zh" | "ko" | "he" | "th" | "ms" | "hi" | "ga" | "mt", _) => {
                NumberStyle::ENGLISH
            }
            _ => return None,
        };
        Some(style)
    }

    /// The style of the first language in an `Accept-Language` header, by preference, that
    /// Sightline knows; English when it knows none. Reads at most 16 entries.
    pub fn from_accept_language(header: &str) -> NumberStyle {
        let mut wanted: Vec<(f32, usize, &str)> = header
            .split(',')
            .take(16)
            .enumerate()
            .filter_map(|(i, entry)| {
                let mut pieces = entry.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0 && tag != "*").then_some((q, i, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted
            .into_iter()
            .find_map(|(_, _, tag)| NumberStyle::of_tag(tag))
            .unwrap_or_default()
    }

    /// The style a page is drawn in: its address's `locale` when it names one (an embed's, checked
    /// where the address is read), else the browser's `Accept-Language`.
    pub fn of_reader(locale: Option<&str>, accept_language: Option<&str>) -> NumberStyle {
        locale
            .and_then(NumberStyle::of_tag)
            .unwrap_or_else(|| NumberStyle::from_accept_language(accept_language.unwrap_or("")))
    }

    /// The style as two characters, group then decimal: how a page passes it to its script.
    pub fn code(self) -> String {
        [self.group, self.decimal].iter().collect()
    }

    /// Back from `code`; English for anything else.
    pub fn from_code(code: &str) -> NumberStyle {
        let mut chars = code.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(group), Some(decimal), None) if group != decimal => {
                NumberStyle { group, decimal }
            }
            _ => NumberStyle::ENGLISH,
        }
    }

    /// A number as charts show it: thousands grouped, at most two decimals, and K/M/B for big
    /// values on axes and KPIs.
    pub fn format(self, value: f64, compact: bool) -> String {
        if !value.is_finite() {
            return "-".into();
        }
        let abs = value.abs();
        if compact && abs >= 1_000.0 {
            let (scaled, suffix) = if abs >= 1e9 {
                (value / 1e9, "B")
            } else if abs >= 1e6 {
                (value / 1e6, "M")
            } else {
                (value / 1e3, "K")
            };
            let digits = if scaled.abs() >= 100.0 { 0 } else { 1 };
            let text = format!("{scaled:.digits$}");
            let text = text.strip_suffix(".0").unwrap_or(&text);
            return format!("{}{suffix}", text.replace('.', &self.decimal.to_string()));
        }
        let rounded = (value * 100.0).round() / 100.0;
        let whole = rounded.trunc().abs() as u64;
        let fraction = ((rounded.abs() - rounded.abs().trunc()) * 100.0).round() as u64;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(self.group);
            }
            grouped.push(c);
        }
        let sign = if rounded < 0.0 { "-" } else { "" };
        let decimal = self.decimal;
        if fraction == 0 {
            format!("{sign}{grouped}")
        } else if fraction.is_multiple_of(10) {
            format!("{sign}{grouped}{decimal}{}", fraction / 10)
        } else {
            format!("{sign}{grouped}{decimal}{fraction:02}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_written_as_its_readers_language_writes_it() {
        // What Node's Intl.NumberFormat (ICU's CLDR data) writes for 1234567.5, tag by tag.
        let cases = [
            ("en-US", "1,234,567.5"),
            ("en-GB", "1,234,567.5"),
            ("de-DE", "1.234.567,5"),
            ("de", "1.234.567,5"),
            ("de-CH", "1'234'567.5"),
            ("it-CH", "1'234'567.5"),
            ("fr-CH", "1\u{202f}234\u{202f}567,5"),
            ("en-ZA", "1\u{a0}234\u{a0}567,5"),
            ("tr", "1.234.567,5"),
            ("fi", "1\u{a0}234\u{a0}567,5"),
            ("de-AT", "1\u{a0}234\u{a0}567,5"),
            ("fr-FR", "1\u{202f}234\u{202f}567,5"),
            ("fr-CA", "1\u{a0}234\u{a0}567,5"),
            ("es-ES", "1.234.567,5"),
            ("es-MX", "1,234,567.5"),
            ("it", "1.234.567,5"),
            ("nl-NL", "1.234.567,5"),
            ("pt-BR", "1.234.567,5"),
            ("pt-PT", "1\u{a0}234\u{a0}567,5"),
            ("sv-SE", "1\u{a0}234\u{a0}567,5"),
            ("pl", "1\u{a0}234\u{a0}567,5"),
            ("ja-JP", "1,234,567.5"),
            ("en_IE", "1,234,567.5"),
        ];
        for (tag, written) in cases {
            let style = NumberStyle::of_tag(tag).unwrap_or_else(|| panic!("{tag}"));
            assert_eq!(style.format(1_234_567.5, false), written, "{tag}");
        }
        let german = NumberStyle::of_tag("de").unwrap();
        assert_eq!(german.format(45_812.0, true), "45,8K");
        assert_eq!(german.format(-0.25, false), "-0,25");
        assert_eq!(german.format(f64::NAN, false), "-");
        assert_eq!(NumberStyle::ENGLISH.format(2_500_000.0, true), "2.5M");
        for not_a_tag in ["", "x", "1234", "klingon-KL", "*", "e-n"] {
            assert_eq!(NumberStyle::of_tag(not_a_tag), None, "{not_a_tag}");
        }
    }

    #[test]
    fn accept_language_is_read_by_preference_and_falls_back_to_english() {
        let cases = [
            ("de-DE,de;q=0.9,en;q=0.8", "de"),
            ("en;q=0.5, fr-FR", "fr"),
            ("tlh, nl;q=0.7", "nl"),
            ("*", "en"),
            ("", "en"),
            ("de;q=0, en", "en"),
            ("sv;q=abc, de;q=0.3", "de"),
            ("pl;q=0.8, pt-PT;q=0.8", "pl"),
        ];
        for (header, tag) in cases {
            assert_eq!(
                NumberStyle::from_accept_language(header),
                NumberStyle::of_tag(tag).unwrap(),
                "{header}"
            );
        }
        // A header of a million entries is read no further than its 16th.
        let long = format!("{}de", "xx,".repeat(1_000_000));
        assert_eq!(
            NumberStyle::from_accept_language(&long),
            NumberStyle::ENGLISH
        );
        for style in [NumberStyle::ENGLISH, NumberStyle::of_tag("fr").unwrap()] {
            assert_eq!(NumberStyle::from_code(&style.code()), style);
        }
        assert_eq!(NumberStyle::from_code("..."), NumberStyle::ENGLISH);
        // An embed's locale comes before the browser's languages.
        let german = NumberStyle::of_tag("de").unwrap();
        assert_eq!(NumberStyle::of_reader(Some("de-DE"), Some("en-US")), german);
        assert_eq!(NumberStyle::of_reader(None, Some("de-DE")), german);
        assert_eq!(NumberStyle::of_reader(None, None), NumberStyle::ENGLISH);
    }
}
