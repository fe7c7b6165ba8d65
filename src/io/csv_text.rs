//! Text cells that are safe to open in a spreadsheet.
//!
//! A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return can be run as a
//! formula by Excel, LibreOffice or Google Sheets (OWASP, "CSV Injection"), and so can one
//! whose first *visible* character is one of those after characters a spreadsheet skips
//! (a NUL, spaces, a zero-width space or a byte-order mark). Every text
//! cell Candor writes goes through [`SafeText`], which prefixes such a cell with a single
//! quote; numeric columns are written as numbers and never touched. [`unescape`] undoes it
//! when Candor reads its own files back.

use serde::{Serialize, Serializer};

/// An id cell: the journal's number, or a team's global id (team reports).
pub enum CsvId {
    Local(i64),
    Global(String),
}

impl Serialize for CsvId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Local(id) => serializer.serialize_i64(*id),
            Self::Global(gid) => serializer.serialize_str(gid),
        }
    }
}

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

/// Characters a spreadsheet skips or strips before it decides whether a cell is a
/// formula: control characters (a NUL that LibreOffice drops), whitespace, and zero-width
/// or byte-order-mark characters that are invisible in any view.
fn ignored_by_spreadsheets(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}'
        )
}

/// True when a spreadsheet could run `text` as a formula: its first character is a
/// trigger (or the quote that marks an escaped cell), or the first character a spreadsheet
/// sees after the ones it ignores is.
fn needs_quote(text: &str) -> bool {
    let is_trigger = |c: char| FORMULA_TRIGGERS.contains(&c) || c == '\'';
    match text.chars().next() {
        None => false,
        Some(first) if is_trigger(first) => true,
        Some(_) => text
            .chars()
            .find(|c| !ignored_by_spreadsheets(*c))
            .is_some_and(is_trigger),
    }
}

/// Prefixes a cell that a spreadsheet would run as a formula with `'`, looking past the
/// invisible characters a spreadsheet ignores (so `"\u{0}=HYPERLINK(…)"` is caught). A
/// cell that already starts with `'` gets one more, so [`unescape`] restores every value
/// exactly.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Undoes [`neutralise`] for a cell Candor wrote.
pub fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
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

    #[test]
    fn the_guard_looks_at_the_first_character_a_spreadsheet_sees() {
        for text in [
            "\u{0}=HYPERLINK(\"http://x\",\"y\")",
            " =1+1",
            "\t=1",
            "\u{feff}=1",
            "\u{200b}@SUM(A1)",
            "\n\r -2+3",
            "\u{1}\u{2} +1",
            " 'x",
        ] {
            let safe = neutralise(text);
            assert_eq!(safe, format!("'{text}"), "{text:?}");
            assert_eq!(unescape(&safe), text, "{text:?}");
        }
        for text in [" plain", "\u{feff}Ada", "x=1", " ", "\u{0}"] {
            assert_eq!(neutralise(text), text, "{text:?}");
            assert_eq!(unescape(text), text, "{text:?}");
        }
    }
}
