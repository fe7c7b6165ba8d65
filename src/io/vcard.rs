//! vCard 3.0 and 4.0 address books (.vcf, one or many cards), read with the `ical` crate's
//! vCard parser (line unfolding, parameters) and mapped onto customer fields here.
//!
//! The file is first cut into cards at `BEGIN:VCARD` / `END:VCARD` so that one malformed
//! card is reported with its line number and the others still import.

use std::io::Cursor;

/// The customer fields found in one card, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VCardContact {
    /// The line of the card's `BEGIN:VCARD`, counting from 1.
    pub line: usize,
    pub name: String,
    pub company: String,
    /// Preferred number first.
    pub phones: Vec<String>,
    /// Preferred address first.
    pub emails: Vec<String>,
    pub notes: String,
    pub categories: Vec<String>,
}

/// A card that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardProblem {
    pub line: usize,
    pub reason: String,
}

/// True when the text looks like a vCard file (its first content line is `BEGIN:VCARD`).
pub fn looks_like_vcard(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .is_some_and(|line| line.eq_ignore_ascii_case("BEGIN:VCARD"))
}

/// Reads every card of a vCard file: the contacts, and the cards that could not be read.
pub fn parse_vcards(text: &str) -> (Vec<VCardContact>, Vec<CardProblem>) {
    let text = text.trim_start_matches('\u{feff}');
    let mut contacts = Vec::new();
    let mut problems = Vec::new();
    let mut card: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.eq_ignore_ascii_case("BEGIN:VCARD") {
            if let Some((start, _)) = card.take() {
                problems.push(CardProblem {
                    line: start,
                    reason: "the card has no END:VCARD before the next card begins".to_owned(),
                });
            }
            card = Some((number, String::from("BEGIN:VCARD\n")));
        } else if trimmed.eq_ignore_ascii_case("END:VCARD") {
            match card.take() {
                Some((start, mut body)) => {
                    body.push_str("END:VCARD\n");
                    match parse_card(&body, start) {
                        Ok(contact) => contacts.push(contact),
                        Err(reason) => problems.push(CardProblem {
                            line: start,
                            reason,
                        }),
                    }
                }
                None => problems.push(CardProblem {
                    line: number,
                    reason: "END:VCARD without a BEGIN:VCARD".to_owned(),
                }),
            }
        } else if let Some((_, body)) = card.as_mut() {
            body.push_str(line);
            body.push('\n');
        } else if !trimmed.is_empty() {
            problems.push(CardProblem {
                line: number,
                reason: "text outside any BEGIN:VCARD … END:VCARD card".to_owned(),
            });
        }
    }
    if let Some((start, _)) = card {
        problems.push(CardProblem {
            line: start,
            reason: "the card is cut off: END:VCARD is missing".to_owned(),
        });
    }
    (contacts, problems)
}

fn parse_card(body: &str, line: usize) -> Result<VCardContact, String> {
    let mut parser = ical::VcardParser::new(Cursor::new(body.as_bytes()));
    let card = match parser.next() {
        Some(Ok(card)) => card,
        Some(Err(e)) => return Err(format!("the card cannot be read ({e})")),
        None => return Err("the card is empty".to_owned()),
    };
    let mut contact = VCardContact {
        line,
        ..VCardContact::default()
    };
    let mut structured_name = String::new();
    let mut phones: Vec<(bool, String)> = Vec::new();
    let mut emails: Vec<(bool, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for property in &card.properties {
        // "item1.EMAIL" (Apple's groups) is EMAIL.
        let name = property
            .name
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let Some(value) = property.value.as_deref() else {
            continue;
        };
        let preferred = is_preferred(property.params.as_deref());
        match name.as_str() {
            "FN" => contact.name = unescape(value).trim().to_owned(),
            "N" => {
                // Family; Given; Additional; Prefixes; Suffixes
                let parts = split_unescaped(value, ';');
                let part = |i: usize| parts.get(i).map(|s| s.trim()).unwrap_or_default();
                structured_name = [part(3), part(1), part(2), part(0), part(4)]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ");
            }
            "ORG" => {
                contact.company = split_unescaped(value, ';')
                    .first()
                    .map(|s| s.trim().to_owned())
                    .unwrap_or_default();
            }
            "TEL" => {
                let number = unescape(value);
                let number = number.strip_prefix("tel:").unwrap_or(&number).trim();
                if !number.is_empty() {
                    phones.push((preferred, number.to_owned()));
                }
            }
            "EMAIL" => {
                let address = unescape(value);
                let address = address.strip_prefix("mailto:").unwrap_or(&address).trim();
                if !address.is_empty() {
                    emails.push((preferred, address.to_owned()));
                }
            }
            "NOTE" => notes.push(unescape(value).trim().to_owned()),
            "CATEGORIES" => contact.categories.extend(
                split_unescaped(value, ',')
                    .into_iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
            ),
            _ => {}
        }
    }
    if contact.name.is_empty() {
        contact.name = structured_name;
    }
    // Stable: preferred first, otherwise file order.
    phones.sort_by_key(|(preferred, _)| !preferred);
    emails.sort_by_key(|(preferred, _)| !preferred);
    contact.phones = phones.into_iter().map(|(_, p)| p).collect();
    contact.emails = emails.into_iter().map(|(_, e)| e).collect();
    contact.notes = notes
        .into_iter()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Ok(contact)
}

/// `TYPE=pref` (vCard 3) or `PREF=1` (vCard 4).
fn is_preferred(params: Option<&[(String, Vec<String>)]>) -> bool {
    params.unwrap_or_default().iter().any(|(key, values)| {
        (key.eq_ignore_ascii_case("TYPE")
            && values
                .iter()
                .flat_map(|v| v.split(','))
                .any(|v| v.trim().eq_ignore_ascii_case("pref")))
            || (key.eq_ignore_ascii_case("PREF") && values.iter().any(|v| v.trim() == "1"))
    })
}

/// Undoes vCard text escapes: `\n`, `\,`, `\;`, `\\`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value at unescaped `separator`s and unescapes each part.
fn split_unescaped(value: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            current.push('\\');
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == separator {
            parts.push(unescape(&current));
            current.clear();
        } else {
            current.push(c);
        }
    }
    if escaped {
        current.push('\\');
    }
    parts.push(unescape(&current));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_structured_values_are_read() {
        assert_eq!(unescape(r"a\, b\; c\nd\\e"), "a, b; c\nd\\e");
        assert_eq!(
            split_unescaped(r"Fischer & Söhne\; GmbH;Sales", ';'),
            vec!["Fischer & Söhne; GmbH", "Sales"]
        );
    }

    #[test]
    fn a_card_without_end_is_reported_and_the_next_still_reads() {
        let text =
            "BEGIN:VCARD\nVERSION:3.0\nFN:Cut Off\nBEGIN:VCARD\nVERSION:3.0\nFN:Whole\nEND:VCARD\n";
        let (contacts, problems) = parse_vcards(text);
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].name, "Whole");
        assert_eq!(contacts[0].line, 4);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].reason.contains("END:VCARD"));
    }
}
