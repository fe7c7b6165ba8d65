//! The journal's currency and number format: how amounts read on screen and in openers, and
//! how typed amounts are understood. A journal setting, so every window and the command
//! line agree; CSV files keep plain numbers with the currency code beside them.
//!
//! A small table rather than a crate: Candor needs a dozen currencies and a handful of
//! number formats, and the crates that carry all of ISO 4217 and CLDR (`iso_currency`,
//! `num-format`) bring either no symbols placed per locale or a large locale database.

use serde::{Deserialize, Serialize};

use super::ValidationError;
use super::money::{Cents, MAX_CENTS};

/// A currency the journal can keep its amounts in (ISO 4217).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    Eur,
    Usd,
    Gbp,
    Chf,
    Jpy,
    Cad,
    Aud,
    Sek,
    Nok,
    Dkk,
    Pln,
    Czk,
    Cny,
    Inr,
}

impl Currency {
    /// Every currency offered, the most used first.
    pub const ALL: [Self; 14] = [
        Self::Eur,
        Self::Usd,
        Self::Gbp,
        Self::Chf,
        Self::Jpy,
        Self::Cad,
        Self::Aud,
        Self::Sek,
        Self::Nok,
        Self::Dkk,
        Self::Pln,
        Self::Czk,
        Self::Cny,
        Self::Inr,
    ];

    /// The ISO 4217 code ("EUR").
    pub fn code(self) -> &'static str {
        match self {
            Self::Eur => "EUR",
            Self::Usd => "USD",
            Self::Gbp => "GBP",
            Self::Chf => "CHF",
            Self::Jpy => "JPY",
            Self::Cad => "CAD",
            Self::Aud => "AUD",
            Self::Sek => "SEK",
            Self::Nok => "NOK",
            Self::Dkk => "DKK",
            Self::Pln => "PLN",
            Self::Czk => "CZK",
            Self::Cny => "CNY",
            Self::Inr => "INR",
        }
    }

    /// The symbol written beside amounts ("€").
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eur => "€",
            Self::Usd => "$",
            Self::Gbp => "£",
            Self::Chf => "CHF",
            Self::Jpy => "¥",
            Self::Cad => "CA$",
            Self::Aud => "A$",
            Self::Sek | Self::Nok => "kr",
            Self::Dkk => "kr.",
            Self::Pln => "zł",
            Self::Czk => "Kč",
            Self::Cny => "CN¥",
            Self::Inr => "₹",
        }
    }

    /// The currency's name, for the settings dialog.
    pub fn name(self) -> &'static str {
        match self {
            Self::Eur => "Euro",
            Self::Usd => "US dollar",
            Self::Gbp => "Pound sterling",
            Self::Chf => "Swiss franc",
            Self::Jpy => "Japanese yen",
            Self::Cad => "Canadian dollar",
            Self::Aud => "Australian dollar",
            Self::Sek => "Swedish krona",
            Self::Nok => "Norwegian krone",
            Self::Dkk => "Danish krone",
            Self::Pln => "Polish złoty",
            Self::Czk => "Czech koruna",
            Self::Cny => "Chinese yuan",
            Self::Inr => "Indian rupee",
        }
    }

    /// Digits after the decimal mark (the yen has none).
    pub fn decimals(self) -> u32 {
        match self {
            Self::Jpy => 0,
            _ => 2,
        }
    }

    /// The currency of an ISO code, in any letter case.
    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }
}

/// How numbers are written: decimal mark, thousands separator, where the symbol goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum NumberLocale {
    /// English (United States): $1,234.50
    #[default]
    EnUs,
    /// English (United Kingdom): £1,234.50
    EnGb,
    /// German (Germany): 1.234,50 €
    DeDe,
    /// German (Switzerland): CHF 1’234.50
    DeCh,
    /// French (France): 1 234,50 €
    FrFr,
    /// Japanese (Japan): ¥1,235
    JaJp,
}

/// A no-break space: a symbol or group never wraps away from its number.
const NBSP: char = '\u{a0}';

impl NumberLocale {
    /// Every format offered.
    pub const ALL: [Self; 6] = [
        Self::EnUs,
        Self::EnGb,
        Self::DeDe,
        Self::DeCh,
        Self::FrFr,
        Self::JaJp,
    ];

    /// The BCP 47 tag ("de-DE"), as stored in the journal.
    pub fn tag(self) -> &'static str {
        match self {
            Self::EnUs => "en-US",
            Self::EnGb => "en-GB",
            Self::DeDe => "de-DE",
            Self::DeCh => "de-CH",
            Self::FrFr => "fr-FR",
            Self::JaJp => "ja-JP",
        }
    }

    /// The name shown in the settings dialog.
    pub fn name(self) -> &'static str {
        match self {
            Self::EnUs => "English (United States)",
            Self::EnGb => "English (United Kingdom)",
            Self::DeDe => "German (Germany)",
            Self::DeCh => "German (Switzerland)",
            Self::FrFr => "French (France)",
            Self::JaJp => "Japanese (Japan)",
        }
    }

    /// The format of a BCP 47 tag, in any letter case, with `-` or `_`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(&tag))
    }

    fn decimal_mark(self) -> char {
        match self {
            Self::EnUs | Self::EnGb | Self::DeCh | Self::JaJp => '.',
            Self::DeDe | Self::FrFr => ',',
        }
    }

    fn group_separator(self) -> char {
        match self {
            Self::EnUs | Self::EnGb | Self::JaJp => ',',
            Self::DeDe => '.',
            Self::DeCh => '’',
            Self::FrFr => NBSP,
        }
    }

    /// Whether the symbol comes after the number ("1.234,50 €").
    fn symbol_after(self) -> bool {
        matches!(self, Self::DeDe | Self::FrFr)
    }

    /// Whether a space always separates symbol and number ("CHF 1’234.50", "€ 1’234.50").
    fn always_spaced(self) -> bool {
        matches!(self, Self::DeCh)
    }
}

/// The journal's way of writing money: its currency (none until set) and number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct MoneyFormat {
    /// The journal's currency; `None` until someone sets it (amounts show without a symbol).
    pub currency: Option<Currency>,
    pub locale: NumberLocale,
}

impl MoneyFormat {
    /// The format for `currency` written the `locale` way.
    pub fn new(currency: Option<Currency>, locale: NumberLocale) -> Self {
        Self { currency, locale }
    }

    fn decimals(self) -> u32 {
        self.currency.map_or(2, Currency::decimals)
    }

    /// The amount with its symbol, as a person reads it ("1.234,50 €", "$1,234.50",
    /// "¥1,235": the yen is rounded to whole units, halves away from zero).
    pub fn format(self, amount: Cents) -> String {
        let number = self.format_number(amount);
        let Some(currency) = self.currency else {
            return number;
        };
        let symbol = currency.symbol();
        let (sign, number) = match number.strip_prefix('-') {
            Some(rest) => ("-", rest.to_owned()),
            None => ("", number),
        };
        if self.locale.symbol_after() {
            return format!("{sign}{number}{NBSP}{symbol}");
        }
        // A symbol ending in a letter ("CHF", "kr.") needs a space to stay readable.
        let spaced = self.locale.always_spaced()
            || symbol
                .chars()
                .last()
                .is_some_and(|c| c.is_alphabetic() || c == '.');
        if spaced {
            format!("{sign}{symbol}{NBSP}{number}")
        } else {
            format!("{sign}{symbol}{number}")
        }
    }

    /// The number alone with the locale's marks ("1.234,50").
    pub fn format_number(self, amount: Cents) -> String {
        let negative = amount.0 < 0;
        let cents = amount.0.unsigned_abs();
        let (units, fraction) = match self.decimals() {
            0 => ((cents + 50) / 100, None),
            _ => (cents / 100, Some(cents % 100)),
        };
        let digits = units.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(self.locale.group_separator());
            }
            grouped.push(digit);
        }
        let sign = if negative { "-" } else { "" };
        match fraction {
            Some(fraction) => format!("{sign}{grouped}{}{fraction:02}", self.locale.decimal_mark()),
            None => format!("{sign}{grouped}"),
        }
    }

    /// The amount as a plain number for files a spreadsheet sums ("1234.50"), whatever the
    /// locale; the currency travels in a column of its own.
    pub fn plain(self, amount: Cents) -> String {
        amount.to_string()
    }

    /// The currency code for a CSV column ("EUR"; empty while none is set).
    pub fn code(self) -> &'static str {
        self.currency.map_or("", Currency::code)
    }

    /// Reads an amount typed the locale's way ("1.234,50" in de-DE, "1,234.50" in en-US,
    /// with or without the symbol or code). A decimal mark of the other convention is taken
    /// when it can mean nothing else ("12.50" in de-DE); anything that could be read two
    /// ways ("1,234" in de-DE, "1.234" in en-US) is refused with one sentence saying how to
    /// write it.
    pub fn parse(self, text: &str) -> Result<Cents, ValidationError> {
        let original = text.trim();
        let example = self.format_number(Cents(123_450));
        let invalid = || {
            ValidationError::new(format!(
                "\"{original}\" is not an amount: type a number like {example}."
            ))
        };
        let mut rest = original.to_owned();
        if let Some(currency) = self.currency {
            for mark in [currency.symbol(), currency.code()] {
                if let Some(found) = find_ignore_case(&rest, mark) {
                    rest.replace_range(found..found + mark.len(), "");
                    break;
                }
            }
        }
        let rest = rest.trim();
        if rest.starts_with('-') {
            return Err(ValidationError::new(format!(
                "The amount {original} is negative: enter it as a positive number."
            )));
        }
        let group = self.locale.group_separator();
        let decimal = self.locale.decimal_mark();
        // Spaces of any kind (and an ASCII apostrophe for the Swiss ’) group thousands too.
        let normalised: String = rest
            .chars()
            .map(|c| {
                if c.is_whitespace() || c == NBSP || c == '\u{202f}' || (c == '\'' && group == '’')
                {
                    group
                } else {
                    c
                }
            })
            .collect();
        if normalised.is_empty()
            || !normalised
                .chars()
                .all(|c| c.is_ascii_digit() || c == group || c == decimal || c == '.' || c == ',')
        {
            return Err(invalid());
        }
        let ambiguous = || {
            ValidationError::new(format!(
                "\"{original}\" can be read more than one way: this journal writes amounts \
                 like {example} ({}), so type it that way.",
                self.locale.name()
            ))
        };
        let (units, fraction) = strict_parts(&normalised, group, decimal)
            .or_else(|| foreign_decimal(&normalised, decimal))
            .ok_or_else(ambiguous)?;
        let decimals = self.decimals();
        // Three digits after a single mark read as a thousands group just as well.
        if fraction.len() == 3 && decimals < 3 {
            return Err(ambiguous());
        }
        if fraction.len() > decimals as usize {
            return Err(ValidationError::new(match (self.currency, decimals) {
                (Some(currency), 0) => format!(
                    "{} amounts have no decimals: type {original} as a whole number.",
                    currency.code()
                ),
                _ => format!(
                    "\"{original}\" has more than {decimals} decimals: type it like {example}."
                ),
            }));
        }
        let too_large = || {
            ValidationError::new(format!(
                "The amount {original} is too large for Candor: check the number of digits."
            ))
        };
        let units: i64 = if units.is_empty() {
            0
        } else {
            units.parse().map_err(|_| too_large())?
        };
        let fraction_cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| invalid())? * 10,
            _ => fraction.parse().map_err(|_| invalid())?,
        };
        units
            .checked_mul(100)
            .and_then(|c| c.checked_add(fraction_cents))
            .filter(|c| *c <= MAX_CENTS)
            .map(Cents)
            .ok_or_else(too_large)
    }
}

/// The byte offset of `needle` in `haystack`, ignoring ASCII letter case.
fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let lower = haystack.to_ascii_lowercase();
    lower.find(&needle.to_ascii_lowercase())
}

/// The whole units and the decimals of `text` written strictly the locale's way: at most
/// one decimal mark, and thousands groups of exactly three digits after the first.
fn strict_parts(text: &str, group: char, decimal: char) -> Option<(String, String)> {
    let (whole, fraction) = match text.split_once(decimal) {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    if !fraction.chars().all(|c| c.is_ascii_digit()) || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    let groups: Vec<&str> = whole.split(group).collect();
    let well_grouped = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
        && match groups.as_slice() {
            [single] => !single.is_empty() || !fraction.is_empty(),
            [first, rest @ ..] => {
                (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3)
            }
            [] => false,
        };
    well_grouped.then(|| (groups.concat(), fraction.to_owned()))
}

/// The other convention's decimal mark, taken only where it can mean nothing else: it
/// occurs once, nothing else separates the digits, and one or two digits follow it (three
/// would read as a thousands group).
fn foreign_decimal(text: &str, decimal: char) -> Option<(String, String)> {
    let foreign = if decimal == ',' { '.' } else { ',' };
    let (whole, fraction) = text.split_once(foreign)?;
    let digits_only = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    (digits_only(whole) && digits_only(fraction) && (1..=2).contains(&fraction.len()))
        .then(|| (whole.to_owned(), fraction.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(currency: Currency, locale: NumberLocale) -> MoneyFormat {
        MoneyFormat::new(Some(currency), locale)
    }

    #[test]
    fn amounts_read_the_way_each_locale_writes_them() {
        let amount = Cents(123_450);
        let cases = [
            (Currency::Usd, NumberLocale::EnUs, "$1,234.50"),
            (Currency::Eur, NumberLocale::DeDe, "1.234,50\u{a0}€"),
            (Currency::Eur, NumberLocale::FrFr, "1\u{a0}234,50\u{a0}€"),
            (Currency::Gbp, NumberLocale::EnGb, "£1,234.50"),
            (Currency::Jpy, NumberLocale::JaJp, "¥1,235"),
            (Currency::Chf, NumberLocale::DeCh, "CHF\u{a0}1’234.50"),
            (Currency::Chf, NumberLocale::EnUs, "CHF\u{a0}1,234.50"),
            (Currency::Usd, NumberLocale::DeDe, "1.234,50\u{a0}$"),
        ];
        for (currency, locale, expected) in cases {
            assert_eq!(
                money(currency, locale).format(amount),
                expected,
                "{locale:?}"
            );
        }
        let de = money(Currency::Eur, NumberLocale::DeDe);
        assert_eq!(de.format(Cents(5)), "0,05\u{a0}€");
        assert_eq!(de.format(Cents(100_000_000)), "1.000.000,00\u{a0}€");
        assert_eq!(de.format(Cents(-123_450)), "-1.234,50\u{a0}€");
        // No currency set yet: the number alone.
        assert_eq!(MoneyFormat::default().format(amount), "1,234.50");
        // The yen rounds halves away from zero.
        let yen = money(Currency::Jpy, NumberLocale::JaJp);
        assert_eq!(yen.format(Cents(123_449)), "¥1,234");
        assert_eq!(yen.format(Cents(-150)), "-¥2");
    }

    #[test]
    fn typed_amounts_are_read_in_the_locales_own_format() {
        let de = money(Currency::Eur, NumberLocale::DeDe);
        for typed in [
            "1.234,50",
            "1234,50",
            "1.234,5",
            "1 234,50",
            "1.234,50 €",
            "EUR 1234,50",
        ] {
            assert_eq!(de.parse(typed), Ok(Cents(123_450)), "{typed}");
        }
        assert_eq!(de.parse("1.234"), Ok(Cents(123_400)));
        assert_eq!(
            de.parse("12.50"),
            Ok(Cents(1_250)),
            "a point that can only be decimal"
        );

        let us = money(Currency::Usd, NumberLocale::EnUs);
        for typed in ["1,234.50", "1234.5", "$1,234.50", "1 234.50", "usd 1234.50"] {
            assert_eq!(us.parse(typed), Ok(Cents(123_450)), "{typed}");
        }
        assert_eq!(us.parse(".5"), Ok(Cents(50)));
        assert_eq!(us.parse("1,234"), Ok(Cents(123_400)));

        let fr = money(Currency::Eur, NumberLocale::FrFr);
        for typed in ["1 234,50", "1\u{a0}234,50", "1\u{202f}234,50 €", "1234,5"] {
            assert_eq!(fr.parse(typed), Ok(Cents(123_450)), "{typed}");
        }
        let ch = money(Currency::Chf, NumberLocale::DeCh);
        assert_eq!(ch.parse("1’234.50"), Ok(Cents(123_450)));
        assert_eq!(ch.parse("CHF 1'234.50"), Ok(Cents(123_450)));
        let gb = money(Currency::Gbp, NumberLocale::EnGb);
        assert_eq!(gb.parse("£1,234.50"), Ok(Cents(123_450)));
        let yen = money(Currency::Jpy, NumberLocale::JaJp);
        assert_eq!(yen.parse("¥1,235"), Ok(Cents(123_500)));
    }

    #[test]
    fn ambiguous_or_malformed_amounts_are_refused_with_one_sentence() {
        let de = money(Currency::Eur, NumberLocale::DeDe);
        let error = de.parse("1,234").unwrap_err().0;
        assert_eq!(
            error,
            "\"1,234\" can be read more than one way: this journal writes amounts like \
             1.234,50 (German (Germany)), so type it that way."
        );
        assert!(
            de.parse("1,234.50")
                .unwrap_err()
                .0
                .contains("more than one way")
        );
        assert!(
            de.parse("1.23.45")
                .unwrap_err()
                .0
                .contains("more than one way")
        );

        let us = money(Currency::Usd, NumberLocale::EnUs);
        assert!(
            us.parse("1.234")
                .unwrap_err()
                .0
                .contains("more than one way")
        );
        assert!(
            us.parse("1.234,50")
                .unwrap_err()
                .0
                .contains("more than one way")
        );
        assert!(
            us.parse("12,34,567")
                .unwrap_err()
                .0
                .contains("more than one way")
        );
        assert_eq!(
            us.parse("ten").unwrap_err().0,
            "\"ten\" is not an amount: type a number like 1,234.50."
        );
        assert!(us.parse("€12").is_err(), "another currency's symbol");
        assert!(us.parse("-5").unwrap_err().0.contains("negative"));
        assert!(us.parse("").is_err());
        assert!(
            us.parse("99999999999999999999")
                .unwrap_err()
                .0
                .contains("too large")
        );

        let yen = money(Currency::Jpy, NumberLocale::JaJp);
        assert_eq!(
            yen.parse("1234.5").unwrap_err().0,
            "JPY amounts have no decimals: type 1234.5 as a whole number."
        );
    }

    #[test]
    fn codes_and_tags_are_read_back_in_any_case() {
        for currency in Currency::ALL {
            assert_eq!(
                Currency::from_code(&currency.code().to_lowercase()),
                Some(currency)
            );
        }
        for locale in NumberLocale::ALL {
            assert_eq!(
                NumberLocale::from_tag(&locale.tag().replace('-', "_")),
                Some(locale)
            );
        }
        assert_eq!(Currency::from_code("XXX"), None);
        assert_eq!(NumberLocale::from_tag("tlh"), None);
        assert_eq!(MoneyFormat::default().code(), "");
        assert_eq!(
            money(Currency::Jpy, NumberLocale::JaJp).plain(Cents(123_450)),
            "1234.50"
        );
    }
}
