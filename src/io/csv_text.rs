//! Text cells that are safe to open in a spreadsheet.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return can be run as a
//! formula by Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection"). Every text
//! cell Candor writes goes through [`SafeText`], which prefixes such a cell with a single
//! quote; numeric columns are written as numbers and never touched. [`unescape`] undoes it
//! when Candor reads its own files back.

use serde::{Serialize, Serializer};

/// The characters that make a spreadsheet treat a cell as a formula.
const FORMULA_TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A text cell, neutralised against formula injection when serialised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SafeText(pub String);

impl From<String> for SafeText {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&str> for SafeText {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl Serialize for SafeText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&neutralise(&self.0))
    }
}

/// Prefixes a cell that a spreadsheet would run as a formula with `'`. A cell that already
/// starts with `'` gets one more, so [`unescape`] restores every value exactly.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some(first) if FORMULA_TRIGGERS.contains(&first) || first == '\'' => {
            std::borrow::Cow::Owned(format!("'{text}"))
        }
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// Undoes [`neutralise`] for a cell Candor wrote.
pub fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest)
            if rest
                .chars()
                .next()
                .is_some_and(|c| FORMULA_TRIGGERS.contains(&c) || c == '\'') =>
        {
            rest
        }
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_are_quoted_and_come_back_exactly() {
        for text in [
            "=1+1",
            "+49 30 555",
            "-5",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'quoted",
            "''",
        ] {
            let safe = neutralise(text);
            assert!(safe.starts_with('\''), "{text:?} -> {safe:?}");
            assert_eq!(unescape(&safe), text);
        }
        for text in ["plain", "", "1,5", "O'Brien", "'x"] {
            assert_eq!(unescape(&neutralise(text)), text);
        }
        assert_eq!(neutralise("plain"), "plain");
    }
}
