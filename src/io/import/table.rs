//! Reading a CSV import file (any delimiter) into rows of text. vCard files are read a card
//! at a time instead (`vcards.rs`).

use std::path::Path;

use encoding_rs::Encoding;

use super::mapping::detect_mapping;
use super::{ImportError, RowProblem, SourceFormat};
use crate::io::text::{
    Detection, decode_owned, detect_separator, find_runaway_quote, first_record_fields, is_line_end,
};

/// A file read into rows of text.
pub(super) struct Table {
    pub(super) format: SourceFormat,
    pub(super) headers: Vec<String>,
    /// (line, cells): one `StringRecord` per row keeps a million-row file compact.
    pub(super) rows: Vec<(usize, csv::StringRecord)>,
    pub(super) problems: Vec<RowProblem>,
    /// The cells of rows left out while reading (wrong number of cells), by line, so the
    /// list of rows left out can give them back as they were.
    pub(super) problem_cells: Vec<(usize, csv::StringRecord)>,
    /// The encoding the text was read in.
    pub(super) encoding: &'static Encoding,
    pub(super) how_detected: Detection,
    /// Bytes that were not valid in `encoding` (shown as U+FFFD).
    pub(super) undecodable: usize,
    /// The separator of the file.
    pub(super) separator: Option<u8>,
    /// Rows whose cells are all empty: not counted as rows, but reported.
    pub(super) empty_rows: usize,
    /// A quoted field that never closes; when set, `rows` holds only the rows before it.
    pub(super) runaway: Option<Runaway>,
}

/// Where a runaway quoted field opens, in the file's line numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Runaway {
    /// The line of the opening quote.
    pub(super) line: usize,
    /// The line where the row holding it starts: rows before it are intact.
    pub(super) row_line: usize,
    /// True when the person agreed to import only the rows before `row_line`.
    pub(super) agreed: bool,
}

/// Reads a file into rows: decoded in `encoding` (detected when `None`); a runaway
/// quoted field cuts the rows short at the row where it opens, and is marked agreed when
/// `stop_before_line` names that row.
pub(super) fn read_table(
    path: &Path,
    encoding: Option<&'static Encoding>,
    stop_before_line: Option<usize>,
) -> Result<Table, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let decoded = decode_owned(bytes, encoding);
    let text = decoded.text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut table = read_csv(path, text, stop_before_line)?;
    table.encoding = decoded.encoding;
    table.how_detected = decoded.how_detected;
    table.undecodable = decoded.undecodable;
    Ok(table)
}

/// Reads CSV text: the separator detected (a `sep=` line skipped but counted in line
/// numbers), rows cut short before a runaway quoted field.
fn read_csv(
    path: &Path,
    text: &str,
    stop_before_line: Option<usize>,
) -> Result<Table, ImportError> {
    let separator = detect_separator(text);
    let body = &text[separator.skip..];
    let line_offset = usize::from(separator.from_sep_line);
    let columns = first_record_fields(body, separator.byte);
    let runaway = find_runaway_quote(body, separator.byte, columns).map(|found| {
        let row_line = found.record_line + line_offset;
        (
            Runaway {
                line: found.line + line_offset,
                row_line,
                agreed: stop_before_line == Some(row_line),
            },
            found.record_start,
        )
    });
    // Rows before a runaway quote are read either way: the preview shows them, and they are
    // imported when the person agrees.
    let body = match runaway {
        Some((_, start)) => &body[..start],
        None => body,
    };
    let runaway = runaway.map(|(r, _)| r);
    if runaway.is_some_and(|r| r.row_line <= 1 + line_offset) {
        return Ok(Table {
            format: SourceFormat::GenericCsv,
            headers: Vec::new(),
            rows: Vec::new(),
            problems: Vec::new(),
            problem_cells: Vec::new(),
            encoding: encoding_rs::UTF_8,
            how_detected: Detection::ValidUtf8,
            undecodable: 0,
            separator: Some(separator.byte),
            empty_rows: 0,
            runaway,
        });
    }
    let text = body;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator.byte)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let malformed = |e: csv::Error| ImportError::Malformed {
        path: path.to_path_buf(),
        line: e.position().map_or(1, |p| p.line() as usize) + line_offset,
        detail: e.to_string(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(malformed)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mapping = detect_mapping(&headers);
    // Line numbers from byte offsets: the reader's own count lags on CRLF files. A line ends
    // at LF, or at a CR alone (old Mac Excel ends lines so).
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(i, b)| is_line_end(text.as_bytes(), *i, *b))
        .map(|(i, _)| i)
        .collect();
    let line_at = |byte: usize| {
        let start = text.as_bytes()[byte.min(text.len())..]
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count()
            + byte;
        newlines.partition_point(|&n| n < start) + 1 + line_offset
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut problem_cells = Vec::new();
    let mut empty_rows = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| line_at(p.byte() as usize));
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    empty_rows += 1;
                    continue;
                }
                if record.len() != headers.len() {
                    problems.push(wrong_width(line, record.len(), headers.len()));
                    problem_cells.push((line, record.clone()));
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
        problem_cells,
        encoding: encoding_rs::UTF_8,
        how_detected: Detection::ValidUtf8,
        undecodable: 0,
        separator: Some(separator.byte),
        empty_rows,
        runaway,
    })
}

/// The row at `line` has `cells` cells where the header has `width`.
pub(super) fn wrong_width(line: usize, cells: usize, width: usize) -> RowProblem {
    RowProblem {
        line,
        reason: format!(
            "the row has {cells} cells but the header has {width}: check for a missing or extra comma or an unclosed quote"
        ),
    }
}
