//! Files in and out of a journal: CSV reports and imports.

pub mod announce_report;
pub mod calendar;
pub mod csv_text;
pub mod export;
pub mod history_report;
pub mod import;
pub mod insights_report;
pub mod rank_report;
pub mod sorted_rows;
pub mod team_export;
pub mod text;
pub mod vcard;

/// The byte-order mark that makes Excel read a CSV file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer with RFC 4180 line endings (CRLF) and quotes doubled.
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}

/// A CSV writer like [`csv_writer`] that never writes a header row by itself: reports write
/// their documented header explicitly, so it is there even when there are no rows.
pub fn csv_writer_without_header<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .has_headers(false)
        .from_writer(out)
}
