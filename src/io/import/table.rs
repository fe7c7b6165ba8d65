//! Reading an import file into rows of text: CSV (any delimiter) or vCard cards.

use std::path::Path;

use super::mapping::detect_mapping;
use super::{ImportError, RowProblem, SourceFormat};
use crate::io::vcard::{looks_like_vcard_bytes, parse_vcard_bytes};

/// A file read into rows of text.
pub(super) struct Table {
    pub(super) format: SourceFormat,
    pub(super) headers: Vec<String>,
    /// (line, cells): one `StringRecord` per row keeps a million-row file compact.
    pub(super) rows: Vec<(usize, csv::StringRecord)>,
    pub(super) problems: Vec<RowProblem>,
}

const VCARD_HEADERS: &[&str] = &["name", "company", "phone", "email", "notes", "tags"];

pub(super) fn read_table(path: &Path) -> Result<Table, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let is_vcard_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("vcf") || e.eq_ignore_ascii_case("vcard"));
    // vCards are read from their bytes: each value carries its own CHARSET.
    if is_vcard_name || looks_like_vcard_bytes(&bytes) {
        return read_vcards(path, &bytes);
    }
    let text = String::from_utf8(bytes).map_err(|_| ImportError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    read_csv(path, text)
}

fn read_vcards(path: &Path, bytes: &[u8]) -> Result<Table, ImportError> {
    // A value without CHARSET= that is not UTF-8 was most likely written by a Windows
    // program (Outlook, The Bat!) in the Western code page.
    let (contacts, card_problems) = parse_vcard_bytes(bytes, encoding_rs::WINDOWS_1252);
    if contacts.is_empty() && card_problems.is_empty() {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let rows = contacts
        .into_iter()
        .map(|c| {
            (
                c.line,
                csv::StringRecord::from(vec![
                    c.name,
                    c.company,
                    c.phones.first().cloned().unwrap_or_default(),
                    c.emails.first().cloned().unwrap_or_default(),
                    c.notes,
                    c.categories.join(", "),
                ]),
            )
        })
        .collect();
    Ok(Table {
        format: SourceFormat::VCard,
        headers: VCARD_HEADERS.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        problems: card_problems
            .into_iter()
            .map(|p| RowProblem {
                line: p.line,
                reason: p.reason,
            })
            .collect(),
    })
}

/// The delimiter the header line uses most: `,`, `;` (European Excel) or tab.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

fn read_csv(path: &Path, text: &str) -> Result<Table, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let malformed = |e: csv::Error| ImportError::Malformed {
        path: path.to_path_buf(),
        line: e.position().map_or(1, |p| p.line() as usize),
        detail: e.to_string(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(malformed)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mapping = detect_mapping(&headers);
    // Line numbers from byte offsets: the reader's own count lags on CRLF files.
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let line_at = |byte: usize| {
        let start = text.as_bytes()[byte.min(text.len())..]
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count()
            + byte;
        newlines.partition_point(|&n| n < start) + 1
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| line_at(p.byte() as usize));
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                if record.len() != headers.len() {
                    problems.push(RowProblem {
                        line,
                        reason: format!(
                            "the row has {} cells but the header has {}: check for a missing or extra comma or an unclosed quote",
                            record.len(),
                            headers.len()
                        ),
                    });
                    continue;
                }
                rows.push((line, record.clone()));
            }
            Err(e) => return Err(malformed(e)),
        }
    }
    Ok(Table {
        format: mapping.format,
        headers,
        rows,
        problems,
    })
}
