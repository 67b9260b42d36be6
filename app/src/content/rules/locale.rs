//! Numbers and dates as the reader writes them: which character groups the thousands and which
//! marks the decimals, and in which order a date's parts come. The locale comes from an embed's
//! `locale` when its page sets one, else from the browser's `Accept-Language`, else English with
//! ISO dates. Pure and table-tested against what ICU (Node's `Intl`) writes.

use serde::{Deserialize, Serialize};

/// How numbers and dates are written: `45,812.5` and 01/05/2026 in American English,
/// `45.812,5` and 05.01.2026 in German, `45 812,5` and 05/01/2026 in French.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Locale {
    pub group: char,
    pub decimal: char,
    pub dates: DateOrder,
}

/// The order of a date's parts, and what separates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateOrder {
    /// 2026-01-05, as the data has it: for a reader whose language Sightline does not know.
    Iso,
    /// 05.01.2026, 05/01/2026, 05-01-2026.
    DayMonthYear(char),
    /// 01/05/2026.
    MonthDayYear,
    /// 2026/01/05.
    YearMonthDay(char),
}

impl Default for Locale {
    fn default() -> Self {
        Locale::ENGLISH
    }
}

/// U+00A0 and U+202F: the spaces that group digits without breaking a line.
const NBSP: char = '\u{a0}';
const NARROW_NBSP: char = '\u{202f}';

impl Locale {
    /// English numbers and ISO dates: for a reader whose languages Sightline does not know.
    pub const ENGLISH: Locale = Locale {
        group: ',',
        decimal: '.',
        dates: DateOrder::Iso,
    };

    /// The locale of a language tag (`de-CH`, `fr`, `en_GB`), as CLDR writes it; none for a
    /// tag that is not one or a language Sightline does not know.
    pub fn of_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        let language = parts.next()?;
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let region = parts.find(|p| p.len() == 2).unwrap_or("");
        let (group, decimal) = match (language, region) {
            ("de" | "it", "ch" | "li") => ('\'', '.'),
            ("fr", "ch") => (NARROW_NBSP, ','),
            ("pt", "pt") | ("de", "at") | ("en", "za") | ("fr", "ca") => (NBSP, ','),
            ("es", "mx" | "us" | "pr") => (',', '.'),
            ("fr", _) => (NARROW_NBSP, ','),
            (
                "de" | "nl" | "da" | "es" | "it" | "pt" | "id" | "tr" | "el" | "ro" | "hr" | "sl"
                | "sr" | "vi" | "is",
                _,
            ) => ('.', ','),
            (
                "sv" | "nb" | "no" | "nn" | "fi" | "pl" | "cs" | "sk" | "ru" | "uk" | "hu" | "bg"
                | "lt" | "lv" | "et",
                _,
            ) => (NBSP, ','),
            ("en" | "ja" | "zh" | "ko" | "he" | "th" | "ms" | "hi" | "ga" | "mt", _) => (',', '.'),
            _ => return None,
        };
        let dates = match (language, region) {
            ("en", "" | "us" | "ph") => DateOrder::MonthDayYear,
            ("en", "za") | ("ja" | "zh", _) => DateOrder::YearMonthDay('/'),
            ("en", "ca") | ("fr", "ca") | ("sv" | "lt", _) => DateOrder::Iso,
            // ICU writes these with spaces, a suffix or another calendar's year: ISO is exact.
            ("ko" | "hu" | "th" | "bg" | "sr", _) => DateOrder::Iso,
            ("nl", _) => DateOrder::DayMonthYear('-'),
            ("de" | "it" | "fr", "ch" | "li") => DateOrder::DayMonthYear('.'),
            (
                "en" | "fr" | "es" | "it" | "pt" | "el" | "id" | "vi" | "ms" | "ga" | "mt" | "hi",
                _,
            ) => DateOrder::DayMonthYear('/'),
            _ => DateOrder::DayMonthYear('.'),
        };
        Some(Locale {
            group,
            decimal,
            dates,
        })
    }

    /// The locale of the first language in an `Accept-Language` header, by preference, that
    /// Sightline knows; English when it knows none. Reads at most 16 entries.
    pub fn from_accept_language(header: &str) -> Locale {
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
            .find_map(|(_, _, tag)| Locale::of_tag(tag))
            .unwrap_or_default()
    }

    /// The locale a page is drawn in: its address's `locale` when it names one (an embed's, checked
    /// where the address is read), else the browser's `Accept-Language`.
    pub fn of_reader(locale: Option<&str>, accept_language: Option<&str>) -> Locale {
        locale
            .and_then(Locale::of_tag)
            .unwrap_or_else(|| Locale::from_accept_language(accept_language.unwrap_or("")))
    }

    /// The locale of a request: its address's `locale` (percent-decoded, as the page's own
    /// options read it) when Sightline knows it, else its `Accept-Language`. The one reading of
    /// both, for the page drawn and for the key its kept copy is found by.
    pub fn of_request(query: Option<&str>, accept_language: Option<&str>) -> Locale {
        let named = query
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("locale=")))
            .map(percent_decoded);
        Locale::of_reader(named.as_deref(), accept_language)
    }

    /// The locale as a few characters: group, decimal, then the date order (`i`, `d.`, `m`,
    /// `y/`): how a page passes it to its script, and what a kept page is known by.
    pub fn code(self) -> String {
        let dates = match self.dates {
            DateOrder::Iso => "i".to_string(),
            DateOrder::DayMonthYear(s) => format!("d{s}"),
            DateOrder::MonthDayYear => "m".to_string(),
            DateOrder::YearMonthDay(s) => format!("y{s}"),
        };
        format!("{}{}{dates}", self.group, self.decimal)
    }

    /// Back from `code`; English for anything else.
    pub fn from_code(code: &str) -> Locale {
        let chars: Vec<char> = code.chars().collect();
        let dates = match chars.get(2..) {
            Some(['i']) => DateOrder::Iso,
            Some(['d', s]) => DateOrder::DayMonthYear(*s),
            Some(['m']) => DateOrder::MonthDayYear,
            Some(['y', s]) => DateOrder::YearMonthDay(*s),
            _ => return Locale::ENGLISH,
        };
        match (chars[0], chars[1]) {
            (group, decimal) if group != decimal && !group.is_ascii_digit() => Locale {
                group,
                decimal,
                dates,
            },
            _ => Locale::ENGLISH,
        }
    }

    /// A date or a timestamp as the data writes it (`2026-01-05`, `2026-01-05 13:45:00`), in
    /// the reader's order; the time of day as it is. Any other text is returned as it is.
    pub fn date(self, text: &str) -> String {
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
        let iso = b.len() >= 10
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && (b.len() == 10 || b[10] == b' ');
        if !iso {
            return text.to_string();
        }
        let (y, m, d, rest) = (&text[0..4], &text[5..7], &text[8..10], &text[10..]);
        let day = match self.dates {
            DateOrder::Iso => return text.to_string(),
            DateOrder::DayMonthYear(s) => format!("{d}{s}{m}{s}{y}"),
            DateOrder::MonthDayYear => format!("{m}/{d}/{y}"),
            DateOrder::YearMonthDay(s) => format!("{y}{s}{m}{s}{d}"),
        };
        format!("{day}{rest}")
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

/// A query value with its `%XX` escapes and `+` decoded; an escape that is not one stays as it is.
fn percent_decoded(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let hex = |b: u8| (b as char).to_digit(16);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
            let locale = Locale::of_tag(tag).unwrap_or_else(|| panic!("{tag}"));
            assert_eq!(locale.format(1_234_567.5, false), written, "{tag}");
        }
        let german = Locale::of_tag("de").unwrap();
        assert_eq!(german.format(45_812.0, true), "45,8K");
        assert_eq!(german.format(-0.25, false), "-0,25");
        assert_eq!(german.format(f64::NAN, false), "-");
        assert_eq!(Locale::ENGLISH.format(2_500_000.0, true), "2.5M");
        for not_a_tag in ["", "x", "1234", "klingon-KL", "*", "e-n"] {
            assert_eq!(Locale::of_tag(not_a_tag), None, "{not_a_tag}");
        }
    }

    #[test]
    fn a_date_is_written_in_its_readers_order() {
        // What Node's Intl.DateTimeFormat (ICU) writes for 2026-01-05 with two-digit days and
        // months, tag by tag.
        let cases = [
            ("en-US", "01/05/2026"),
            ("en", "01/05/2026"),
            ("en-GB", "05/01/2026"),
            ("en-IE", "05/01/2026"),
            ("en-ZA", "2026/01/05"),
            ("de", "05.01.2026"),
            ("de-CH", "05.01.2026"),
            ("de-AT", "05.01.2026"),
            ("fr", "05/01/2026"),
            ("fr-CA", "2026-01-05"),
            ("fr-CH", "05.01.2026"),
            ("es", "05/01/2026"),
            ("es-MX", "05/01/2026"),
            ("it", "05/01/2026"),
            ("it-CH", "05.01.2026"),
            ("nl", "05-01-2026"),
            ("pt", "05/01/2026"),
            ("pt-PT", "05/01/2026"),
            ("sv", "2026-01-05"),
            ("pl", "05.01.2026"),
            ("ja", "2026/01/05"),
            ("zh", "2026/01/05"),
            ("da", "05.01.2026"),
            ("fi", "05.01.2026"),
            ("ru", "05.01.2026"),
            ("tr", "05.01.2026"),
            ("nb", "05.01.2026"),
            ("el", "05/01/2026"),
            ("id", "05/01/2026"),
            ("ro", "05.01.2026"),
            ("uk", "05.01.2026"),
            ("he", "05.01.2026"),
            ("lt", "2026-01-05"),
            ("lv", "05.01.2026"),
            ("et", "05.01.2026"),
            ("is", "05.01.2026"),
        ];
        for (tag, written) in cases {
            assert_eq!(
                Locale::of_tag(tag).unwrap().date("2026-01-05"),
                written,
                "{tag}"
            );
        }
        let german = Locale::of_tag("de").unwrap();
        assert_eq!(german.date("2026-01-05 13:45:00"), "05.01.2026 13:45:00");
        for not_a_date in [
            "2026-01",
            "Bikes",
            "2026-01-05T10:00",
            "-001-01-01",
            "",
            "20260105",
        ] {
            assert_eq!(german.date(not_a_date), not_a_date);
        }
        assert_eq!(Locale::ENGLISH.date("2026-01-05"), "2026-01-05");
    }

    #[test]
    fn accept_language_is_read_by_preference_and_falls_back_to_english() {
        // The tag whose locale each header gives; none: English with ISO dates.
        let cases = [
            ("de-DE,de;q=0.9,en;q=0.8", Some("de")),
            ("en;q=0.5, fr-FR", Some("fr")),
            ("tlh, nl;q=0.7", Some("nl")),
            ("*", None),
            ("", None),
            ("tlh", None),
            ("de;q=0, en", Some("en")),
            ("sv;q=abc, de;q=0.3", Some("de")),
            ("pl;q=0.8, pt-PT;q=0.8", Some("pl")),
        ];
        for (header, tag) in cases {
            let wanted = tag.map_or(Locale::ENGLISH, |tag| Locale::of_tag(tag).unwrap());
            assert_eq!(Locale::from_accept_language(header), wanted, "{header}");
        }
        // A header of a million entries is read no further than its 16th.
        let long = format!("{}de", "xx,".repeat(1_000_000));
        assert_eq!(Locale::from_accept_language(&long), Locale::ENGLISH);
        for tag in ["en-US", "fr", "de-CH", "nl", "ja", "sv"] {
            let locale = Locale::of_tag(tag).unwrap();
            assert_eq!(Locale::from_code(&locale.code()), locale, "{tag}");
        }
        assert_eq!(Locale::ENGLISH.code(), ",.i");
        for nonsense in ["...", "", ".,", ".,x", "00i", ".,d"] {
            assert_eq!(Locale::from_code(nonsense), Locale::ENGLISH, "{nonsense}");
        }
        // A request's locale, named in its address (escaped or not) or by its browser.
        let cases = [
            (Some("eac=x&locale=de-DE"), Some("en-US"), "de"),
            (Some("locale=de%2DDE&eac=x"), None, "de"),
            (Some("locale=xx"), Some("fr"), "fr"),
            (Some("locale=%ZZ"), Some("nl"), "nl"),
            (Some("eac=x"), Some("sv"), "sv"),
            (None, Some("ja"), "ja"),
        ];
        for (query, languages, tag) in cases {
            assert_eq!(
                Locale::of_request(query, languages),
                Locale::of_tag(tag).unwrap(),
                "{query:?} {languages:?}"
            );
        }
        assert_eq!(percent_decoded("a%2Db+c%"), "a-b c%");
        // An embed's locale comes before the browser's languages.
        let german = Locale::of_tag("de").unwrap();
        assert_eq!(Locale::of_reader(Some("de-DE"), Some("en-US")), german);
        assert_eq!(Locale::of_reader(None, Some("de-DE")), german);
        assert_eq!(Locale::of_reader(None, None), Locale::ENGLISH);
    }
}
