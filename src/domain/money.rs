//! Amounts of money, kept in whole cents so sums never drift.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// An amount in cents (hundredths of the journal's currency).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Cents(pub i64);

/// The largest amount Candor accepts (one trillion).
pub(crate) const MAX_CENTS: i64 = 100_000_000_000_000;

impl Cents {
    /// Parses "1234", "1234.5", "1,234.50" or "1 234,50" (a comma as the decimal mark when
    /// it is followed by one or two digits). Negative amounts are refused.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let original = text.trim();
        let invalid = || {
            ValidationError::new(format!(
                "\"{original}\" is not an amount: type a number like 1250 or 1250.50."
            ))
        };
        if original.starts_with('-') {
            return Err(ValidationError::new(format!(
                "The amount {original} is negative: enter what is owed as a positive number."
            )));
        }
        let mut text: String = original
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
            .collect();
        // A trailing ",5" or ",50" is a decimal comma; other commas group thousands.
        if let Some(pos) = text.rfind(',') {
            let decimals = text.len() - pos - 1;
            if !text.contains('.') && (1..=2).contains(&decimals) {
                text.replace_range(pos..=pos, ".");
            }
        }
        let text = text.replace(',', "");
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
            || fraction.len() > 2
        {
            return Err(invalid());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| invalid())?
        };
        let fraction: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| invalid())? * 10,
            _ => fraction.parse().map_err(|_| invalid())?,
        };
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(fraction))
            .filter(|c| *c <= MAX_CENTS)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "The amount {original} is too large for Candor: check the number of digits."
                ))
            })?;
        Ok(Self(cents))
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_in_the_usual_notations() {
        assert_eq!(Cents::parse("1234"), Ok(Cents(123_400)));
        assert_eq!(Cents::parse("1234.5"), Ok(Cents(123_450)));
        assert_eq!(Cents::parse("1,234.50"), Ok(Cents(123_450)));
        assert_eq!(Cents::parse("1 234,50"), Ok(Cents(123_450)));
        assert_eq!(Cents::parse(".5"), Ok(Cents(50)));
        assert_eq!(Cents(123_405).to_string(), "1234.05");
    }

    #[test]
    fn negative_or_malformed_amounts_are_refused() {
        assert!(Cents::parse("-5").unwrap_err().0.contains("negative"));
        for bad in ["", "abc", "1.234", "12e3", "1.2.3", "99999999999999999999"] {
            assert!(Cents::parse(bad).is_err(), "{bad}");
        }
    }
}
