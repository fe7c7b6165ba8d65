//! Files in and out of a journal: CSV reports and imports.

pub mod csv_text;
pub mod rank_report;

/// The byte-order mark that makes Excel read a CSV file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer with RFC 4180 line endings (CRLF) and quotes doubled.
pub fn csv_writer<W: std::io::Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out)
}
