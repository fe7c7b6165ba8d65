//! How long each field may be, and which characters it may hold.
//!
//! Every entrance (the forms, CSV/vCard/timeline imports, the command line) builds a
//! [`super::CustomerDraft`] or [`super::EntryDraft`] and calls its `validated`, which
//! checks each field here; so one rule holds everywhere.
//!
//! Control characters (C0, DEL and C1) are invisible, can turn a harmless name into a
//! spreadsheet formula, and break one-line displays: one-line fields refuse them all;
//! free text keeps tab and newline, turns a carriage return (Windows or old-Mac line ends)
//! into a newline, and refuses the rest. Each refusal names the field and what to do.

use super::ValidationError;

/// A customer's name, in characters: longer than any real name with titles, short enough
/// to show on one line.
pub const MAX_NAME_CHARS: usize = 200;
/// A company name, in characters.
pub const MAX_COMPANY_CHARS: usize = 200;
/// A phone number, in characters (room for an extension and a comment like "ext. 12").
pub const MAX_PHONE_CHARS: usize = 50;
/// An email address, in characters (the longest address SMTP delivers, RFC 5321).
pub const MAX_EMAIL_CHARS: usize = 254;
/// One tag, in characters.
pub const MAX_TAG_CHARS: usize = 50;
/// Tags on one customer.
pub const MAX_TAGS: usize = 50;
/// Short labels on entries (an invoice reference, a problem's owner), in characters.
pub const MAX_LABEL_CHARS: usize = 200;
/// Free text (a customer's notes, an entry's text, a reason or prevention note), in bytes
/// of UTF-8: a long pasted email fits; a slip of the clipboard cannot bloat the journal.
pub const MAX_TEXT_BYTES: usize = 100 * 1024;

/// Checks a one-line field: at most `max_chars` characters and no control characters.
/// `label` names the field in the message ("name", "phone number").
pub fn check_line(label: &str, text: &str, max_chars: usize) -> Result<(), ValidationError> {
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(ValidationError::new(format!(
            "The {label} is {} characters long; the limit is {}: shorten it.",
            thousands(chars),
            thousands(max_chars)
        )));
    }
    if let Some((position, c)) = text.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(control_error(label, position, c));
    }
    Ok(())
}

/// Checks free text and returns it with every line end as `\n`: at most
/// [`MAX_TEXT_BYTES`], and no control characters other than tab and newline.
pub fn clean_text(label: &str, text: &str) -> Result<String, ValidationError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(ValidationError::new(format!(
            "The {label} is {} KB long; the limit is {} KB: shorten it.",
            thousands(text.len().div_ceil(1024)),
            thousands(MAX_TEXT_BYTES / 1024)
        )));
    }
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_owned()
    };
    if let Some((position, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n'))
    {
        return Err(control_error(label, position, c));
    }
    Ok(text)
}

fn control_error(label: &str, position: usize, c: char) -> ValidationError {
    ValidationError::new(format!(
        "The {label} holds an invisible control character (U+{:04X}, character {}), perhaps pasted: delete it and type that part again.",
        u32::from(c),
        thousands(position + 1)
    ))
}

/// 10485760 → "10,485,760", for messages.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(200), "200");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(10_485_760), "10,485,760");
    }

    #[test]
    fn a_line_over_its_limit_names_the_field_and_the_limit() {
        let err = check_line("name", &"a".repeat(10_485_760), MAX_NAME_CHARS).unwrap_err();
        assert_eq!(
            err.0,
            "The name is 10,485,760 characters long; the limit is 200: shorten it."
        );
        assert!(check_line("name", &"é".repeat(200), MAX_NAME_CHARS).is_ok());
    }

    #[test]
    fn control_characters_are_refused_in_lines_anywhere() {
        for text in [
            "\u{0}=HYPERLINK(\"x\")",
            "Ada\tLovelace",
            "Ada\n",
            "A\u{7f}",
            "A\u{85}",
        ] {
            let err = check_line("company", text, 200).unwrap_err();
            assert!(
                err.0
                    .starts_with("The company holds an invisible control character (U+"),
                "{err}"
            );
        }
        let err = check_line("name", "\u{1b}[31mAda", 200).unwrap_err();
        assert!(err.0.contains("U+001B, character 1"), "{err}");
    }

    #[test]
    fn free_text_keeps_tabs_and_newlines_and_normalises_carriage_returns() {
        assert_eq!(
            clean_text("text", "a\r\nb\rc\td\n").unwrap(),
            "a\nb\nc\td\n"
        );
        let err = clean_text("text", "bell\u{7}").unwrap_err();
        assert!(err.0.contains("U+0007, character 5"), "{err}");
        let err = clean_text("text", &"x".repeat(MAX_TEXT_BYTES + 1)).unwrap_err();
        assert_eq!(
            err.0,
            "The text is 101 KB long; the limit is 100 KB: shorten it."
        );
    }
}
