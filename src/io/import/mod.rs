//! Imports: customers from CSV (Candor's own customers report, Google Contacts, Outlook or
//! any CSV with a column mapping) and vCard 2.1/3.0/4.0, and Candor's own timeline report back
//! into a journal (to move a journal or merge two).
//!
//! An import checks the whole file first; malformed rows are reported with their line
//! number and reason and left out; all valid rows are written in one transaction, so
//! nothing is ever half-written. A large timeline or contacts CSV and every vCard file are
//! written as they are read, a window at a time (see `stream.rs`); small CSV files are read
//! whole first. Customers
//! who share an email address or phone number with one already in the journal (or earlier
//! in the file) are reported as duplicates and merged only when asked.

mod contacts;
mod header_maps;
mod mapping;
mod row_writer;
mod stream;
mod table;
mod timeline;
mod transcode;
mod vcards;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use encoding_rs::Encoding;

pub use contacts::{MappedCustomer, preview_customers};
pub use mapping::{ColumnMapping, CustomerField, DuplicateHeader, UnmappedColumn, detect_mapping};

use crate::domain::CustomerDraft;
use crate::store::{Store, StoreError};

pub use crate::io::text::{Detection, ENCODING_CHOICES};
use contacts::{customer_from_row, import_customers};
use mapping::filled_cells;
use table::{Table, read_table};
use timeline::import_timeline;

/// What kind of file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// Candor's customers report.
    CandorCustomers,
    /// Candor's timeline report (entries, with their customers).
    CandorTimeline,
    /// A Google Contacts CSV export.
    GoogleContacts,
    /// An Outlook CSV export, in any of the languages Candor knows.
    Outlook,
    /// A Thunderbird address book exported as CSV.
    Thunderbird,
    /// Any other CSV of customers: the mapping is guessed from the headers.
    GenericCsv,
    /// A vCard 2.1, 3.0 or 4.0 file.
    VCard,
}

impl SourceFormat {
    /// The label with its article, for a sentence: "an Outlook CSV", "a vCard".
    pub fn with_article(self) -> String {
        let label = self.label();
        let article = match label.chars().next() {
            Some('A' | 'E' | 'I' | 'O' | 'U') => "an",
            _ => "a",
        };
        format!("{article} {label}")
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::CandorCustomers => "Candor customers report",
            Self::CandorTimeline => "Candor timeline report",
            Self::GoogleContacts => "Google Contacts CSV",
            Self::Outlook => "Outlook CSV",
            Self::Thunderbird => "Thunderbird CSV",
            Self::GenericCsv => "CSV",
            Self::VCard => "vCard",
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Merge customers who share an email address or phone number with one already in the
    /// journal (fill their empty fields, add tags) instead of leaving them out.
    pub merge_duplicates: bool,
    /// The mapping chosen in the mapping step; `None` uses [`detect_mapping`].
    pub mapping: Option<ColumnMapping>,
    /// The encoding chosen in the preview; `None` uses the one detected.
    pub encoding: Option<&'static Encoding>,
    /// The person agreed in the preview to import only the rows before this line, where
    /// a quoted field opens that never closes ([`ImportPreview::runaway_quote`]). Without
    /// that agreement such a file is refused whole.
    pub stop_before_line: Option<usize>,
}

/// A row that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line in the file where the row (or card) starts, counting from 1.
    pub line: usize,
    pub reason: String,
}

/// A customer in the file who is already in the journal (or earlier in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateCustomer {
    pub line: usize,
    pub name: String,
    /// The customer they match, as "Name (Company)".
    pub existing: String,
    /// "email" or "phone".
    pub matched_by: &'static str,
    /// True when they were merged into the existing customer.
    pub merged: bool,
}

/// A customer whose row had no person's name, named from what it had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCustomer {
    pub line: usize,
    /// The name they were given.
    pub name: String,
    /// "nickname", "e-mail address" or "phone number".
    pub named_from: &'static str,
}

/// What an import did. Every row read is added, merged or left out:
/// `rows_read == added() + merged() + left_out.len()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub format: SourceFormat,
    pub customers_added: usize,
    pub customers_merged: usize,
    pub entries_added: usize,
    /// Timeline rows already in the journal (same customer, time, kind and text, each
    /// existing entry matching at most one row), skipped.
    pub entries_already_present: usize,
    pub duplicates: Vec<DuplicateCustomer>,
    pub problems: Vec<RowProblem>,
    /// Rows (cards for vCard, entries for a timeline) read from the file. Rows whose cells
    /// are all empty are not rows: they are counted in `empty_rows` instead.
    pub rows_read: usize,
    /// Every row read and not written, by line, with the reason: rows that cannot be read,
    /// duplicates not merged, timeline entries already in the journal.
    pub left_out: Vec<RowProblem>,
    /// Rows whose cells were all empty, skipped (and said so).
    pub empty_rows: usize,
    /// The encoding the file was read in.
    pub encoding: &'static Encoding,
    /// Bytes that were not valid in that encoding and were read as U+FFFD.
    pub undecodable: usize,
    /// Set when, as agreed in the preview, only the rows before this line were read.
    pub stopped_before_line: Option<usize>,
    /// Customers added under a name made from their nickname, e-mail address or phone.
    pub named: Vec<NamedCustomer>,
    /// Columns with values that fill no field and were not added to the notes.
    pub columns_not_imported: Vec<UnmappedColumn>,
    /// Headers the file has more than once, with what happened to their columns.
    pub duplicate_headers: Vec<String>,
}

impl ImportSummary {
    fn new(format: SourceFormat) -> Self {
        Self {
            format,
            customers_added: 0,
            customers_merged: 0,
            entries_added: 0,
            entries_already_present: 0,
            duplicates: Vec::new(),
            problems: Vec::new(),
            rows_read: 0,
            left_out: Vec::new(),
            empty_rows: 0,
            encoding: encoding_rs::UTF_8,
            undecodable: 0,
            stopped_before_line: None,
            named: Vec::new(),
            columns_not_imported: Vec::new(),
            duplicate_headers: Vec::new(),
        }
    }

    /// Rows written as new: timeline entries for a timeline, customers otherwise.
    pub fn added(&self) -> usize {
        if self.format == SourceFormat::CandorTimeline {
            self.entries_added
        } else {
            self.customers_added
        }
    }

    /// Rows merged into a customer already in the journal.
    pub fn merged(&self) -> usize {
        if self.format == SourceFormat::CandorTimeline {
            0
        } else {
            self.customers_merged
        }
    }

    /// What else a person must know besides the counts: empty rows skipped, characters
    /// the encoding could not read, rows not read as agreed.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.empty_rows > 0 {
            notes.push(format!(
                "{} empty rows (every cell blank) were skipped and not counted.",
                self.empty_rows
            ));
        }
        if self.undecodable > 0 {
            notes.push(format!(
                "{} characters could not be read as {} and show as \u{fffd}: import again choosing the file's encoding.",
                self.undecodable,
                self.encoding.name()
            ));
        }
        if let Some(line) = self.stopped_before_line {
            notes.push(format!(
                "As agreed, only the rows before line {line} were read: fix the quote on line {line} and import the rest."
            ));
        }
        notes
    }

    /// The first line of the summary: the count of rows read and where each went, e.g.
    /// "12 rows read: 9 customers added, 1 merged, 2 left out".
    pub fn counts_line(&self) -> String {
        let rows = |n: usize| match (self.format, n) {
            (SourceFormat::VCard, 1) => "card",
            (SourceFormat::VCard, _) => "cards",
            (_, 1) => "row",
            _ => "rows",
        };
        let what = match (self.format == SourceFormat::CandorTimeline, self.added()) {
            (true, 1) => "entry",
            (true, _) => "entries",
            (false, 1) => "customer",
            (false, _) => "customers",
        };
        let mut line = format!(
            "Imported {}: {} {} read: {} {what} added, {} merged, {} left out",
            self.format.with_article(),
            self.rows_read,
            rows(self.rows_read),
            self.added(),
            self.merged(),
            self.left_out.len()
        );
        if self.format == SourceFormat::CandorTimeline {
            line.push_str(&format!(
                " ({} already present); {} customers added",
                self.entries_already_present, self.customers_added
            ));
        }
        line.push('.');
        line
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.counts_line())?;
        for note in self.notes() {
            writeln!(f, "{note}")?;
        }
        let skipped: Vec<&DuplicateCustomer> =
            self.duplicates.iter().filter(|d| !d.merged).collect();
        if !skipped.is_empty() {
            let count = skipped.len();
            let were = if count == 1 {
                "duplicate was"
            } else {
                "duplicates were"
            };
            writeln!(
                f,
                "{count} {were} left out (import again with --merge-duplicates to merge them):"
            )?;
            for d in skipped {
                writeln!(
                    f,
                    "  line {}: {} has the same {} as {}",
                    d.line, d.name, d.matched_by, d.existing
                )?;
            }
        }
        contacts::write_names_and_columns(self, f)?;
        if !self.problems.is_empty() {
            let count = self.problems.len();
            let (row, rows) = if self.format == SourceFormat::VCard {
                ("card", "cards")
            } else {
                ("row", "rows")
            };
            let nothing_read = self.customers_added
                + self.customers_merged
                + self.entries_added
                + self.entries_already_present
                + self.duplicates.len()
                == 0;
            // A file of which nothing could be read must not pass for a quiet success.
            if nothing_read {
                writeln!(
                    f,
                    "Nothing was imported: not one {row} in the file could be read:"
                )?;
            } else if count == 1 {
                writeln!(f, "1 {row} was not imported:")?;
            } else {
                writeln!(f, "{count} {rows} were not imported:")?;
            }
            for p in &self.problems {
                writeln!(f, "  line {}: {}", p.line, p.reason)?;
            }
        }
        if self.entries_already_present > 0 {
            writeln!(
                f,
                "{} entries were left out because they are already in the journal.",
                self.entries_already_present
            )?;
        }
        Ok(())
    }
}

/// The first rows of a file and the mapping Candor guessed, for the mapping step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportPreview {
    pub format: SourceFormat,
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    /// Up to [`PREVIEW_ROWS`] rows, as in the file.
    pub rows: Vec<Vec<String>>,
    /// Every data row (or card) in the file.
    pub total_rows: usize,
    /// Rows or cards that cannot be read at all, already known at preview time.
    pub problems: Vec<RowProblem>,
    /// The encoding the file was read in, and how it was found.
    pub encoding: &'static Encoding,
    pub how_detected: Detection,
    /// Bytes not valid in that encoding, shown as U+FFFD: a sign to choose another.
    pub undecodable: usize,
    /// The separator of a CSV file (`None` for vCard).
    pub separator: Option<u8>,
    /// Rows whose cells are all empty: skipped, not counted.
    pub empty_rows: usize,
    /// A quoted field that never closes. `total_rows` and `rows` then hold only the rows
    /// before it, which are imported only when the person agrees
    /// ([`ImportOptions::stop_before_line`]).
    pub runaway_quote: Option<RunawayQuote>,
    /// How many cells of each column hold something, over the whole file.
    pub filled_cells: Vec<usize>,
}

/// A quoted field that opens and never closes, so every row after it would be swallowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunawayQuote {
    /// The line of the opening quote.
    pub line: usize,
    /// The line where the row holding it starts: the rows before it are intact. Pass it as
    /// [`ImportOptions::stop_before_line`] to import them.
    pub row_line: usize,
    /// How many rows come before it.
    pub rows_before: usize,
}

/// How many rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// Why an import could not run at all. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "Cannot read {}: {source}. Check the file name and that you may read it.",
        path.display()
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "Line {line} of {} opens a quoted field that never closes, so every row after it would be swallowed: fix the quote on line {line} (or remove it) and import again.",
        file_name(path)
    )]
    RunawayQuote {
        path: PathBuf,
        line: usize,
        /// The line where the row holding the quote starts.
        row_line: usize,
        /// Rows before that line, which the preview offers to import alone.
        rows_before: usize,
    },

    #[error("{} is empty: choose the file you exported your contacts to.", path.display())]
    Empty { path: PathBuf },

    #[error(
        "{} has no column Candor can take a customer's name from: map a column to the name, nickname, company, email or phone."
    , path.display())]
    NoNameColumn { path: PathBuf },

    #[error(
        "{} is not a CSV file Candor can read (line {line}: {detail}): check that it is a CSV or vCard file.",
        path.display()
    )]
    Malformed {
        path: PathBuf,
        line: usize,
        detail: String,
    },

    #[error(
        "Cannot write the list of rows left out to {}: {source}. Check that you may write in that folder.",
        path.display()
    )]
    LeftOutList {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The file's name without its folder, as people name it.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The mapping for a file read into a table, guessed from its headers.
fn mapping_for(table: &Table) -> ColumnMapping {
    detect_mapping(&table.headers)
}

/// Reads the start of a file for the mapping step: its format, headers, guessed mapping and
/// first rows, in the encoding Candor detects.
pub fn preview(path: &Path) -> Result<ImportPreview, ImportError> {
    preview_with(path, &ImportOptions::default())
}

/// Like [`preview`], read in `options.encoding` when the person chose one.
pub fn preview_with(path: &Path, options: &ImportOptions) -> Result<ImportPreview, ImportError> {
    preview_from(path, options, stream::STREAM_FROM_BYTES)
}

/// [`preview_with`], reading files of at least `stream_from_bytes` as they are read: the
/// first rows kept, the others only counted.
fn preview_from(
    path: &Path,
    options: &ImportOptions,
    stream_from_bytes: u64,
) -> Result<ImportPreview, ImportError> {
    // The preview guesses the mapping; the person changes it in the mapping step.
    let guess = ImportOptions {
        mapping: None,
        ..options.clone()
    };
    if let Some(plan) = stream::plan(path, &guess, stream_from_bytes)? {
        return stream::preview(&plan);
    }
    let table = read_table(path, options.encoding, options.stop_before_line)?;
    let mapping = mapping_for(&table);
    let runaway_quote = table.runaway.map(|r| RunawayQuote {
        line: r.line,
        row_line: r.row_line,
        rows_before: table.rows.len() + table.problems.len(),
    });
    let filled_cells = filled_cells(table.rows.iter().map(|(_, r)| r), table.headers.len());
    Ok(ImportPreview {
        format: table.format,
        total_rows: table.rows.len(),
        rows: table
            .rows
            .iter()
            .take(PREVIEW_ROWS)
            .map(|(_, cells)| cells.iter().map(str::to_owned).collect())
            .collect(),
        headers: table.headers,
        mapping,
        problems: table.problems,
        encoding: table.encoding,
        how_detected: table.how_detected,
        undecodable: table.undecodable,
        separator: table.separator,
        empty_rows: table.empty_rows,
        runaway_quote,
        filled_cells,
    })
}

/// What each preview row becomes under `mapping`: the customer, or why the row would be
/// left out. For the mapping step to show the effect of a choice before importing.
pub fn mapped_customers(
    rows: &[Vec<String>],
    mapping: &ColumnMapping,
    now: NaiveDateTime,
) -> Vec<Result<CustomerDraft, String>> {
    rows.iter()
        .map(|cells| {
            let record = csv::StringRecord::from(cells.clone());
            customer_from_row(&record, mapping, now).map(|(draft, _)| draft)
        })
        .collect()
}

/// Imports a CSV or vCard file into the journal in one transaction; `now` stamps what is
/// created. Malformed rows and duplicates are reported in the summary, not imported.
pub fn import_file(
    store: &mut Store,
    path: &Path,
    options: &ImportOptions,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    let source = checked_source(path, options, stream::STREAM_FROM_BYTES)?;
    import_source(store, source, options, now)
}

/// A file checked and ready to import: read whole, or to be read as it is imported.
enum Source {
    /// The table, the mapping to import it with, and the line the import stops before.
    Table(Table, ColumnMapping, Option<usize>),
    Stream(stream::StreamPlan),
}

/// Reads and checks `path` before anything is written: whole, unless it is a vCard file or a
/// CSV of at least `stream_from_bytes` that can be imported as it is read.
fn checked_source(
    path: &Path,
    options: &ImportOptions,
    stream_from_bytes: u64,
) -> Result<Source, ImportError> {
    if let Some(plan) = stream::plan(path, options, stream_from_bytes)? {
        return Ok(Source::Stream(plan));
    }
    let table = read_table(path, options.encoding, options.stop_before_line)?;
    let (mapping, stopped_before_line) = checked_mapping(path, &table, options)?;
    Ok(Source::Table(table, mapping, stopped_before_line))
}

fn import_source(
    store: &mut Store,
    source: Source,
    options: &ImportOptions,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    match source {
        Source::Table(table, mapping, stopped_before_line) => {
            import_table(store, table, mapping, stopped_before_line, options, now)
        }
        Source::Stream(plan) => import_stream(store, &plan, options, now),
    }
}

/// Imports a timeline, contacts or vCard file planned by [`stream::plan`] as it reads it.
fn import_stream(
    store: &mut Store,
    plan: &stream::StreamPlan,
    options: &ImportOptions,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::new(plan.mapping.format);
    summary.encoding = plan.encoding;
    summary.undecodable = plan.undecodable;
    if plan.mapping.format == SourceFormat::CandorTimeline {
        stream::import_timeline_stream(store, plan, now, &mut summary)?;
    } else {
        let filled = stream::import_contacts_stream(store, plan, options, now, &mut summary)?;
        note_columns(&plan.mapping, &filled, &mut summary);
    }
    finish_summary(&mut summary);
    Ok(summary)
}

/// Checks a file read into `table` before anything is written: a runaway quote the user
/// did not agree to stop at refuses it, as does a customer file without a name column.
/// Returns the mapping to import with, and the line the import stops before.
fn checked_mapping(
    path: &Path,
    table: &Table,
    options: &ImportOptions,
) -> Result<(ColumnMapping, Option<usize>), ImportError> {
    let mut stopped_before_line = None;
    if let Some(runaway) = &table.runaway {
        if !runaway.agreed {
            return Err(ImportError::RunawayQuote {
                path: path.to_path_buf(),
                line: runaway.line,
                row_line: runaway.row_line,
                rows_before: table.rows.len() + table.problems.len(),
            });
        }
        stopped_before_line = Some(runaway.row_line);
    }
    let mapping = options
        .mapping
        .clone()
        .unwrap_or_else(|| mapping_for(table));
    if mapping.format != SourceFormat::CandorTimeline && !mapping.can_name_customers() {
        return Err(ImportError::NoNameColumn {
            path: path.to_path_buf(),
        });
    }
    Ok((mapping, stopped_before_line))
}

fn import_table(
    store: &mut Store,
    table: Table,
    mapping: ColumnMapping,
    stopped_before_line: Option<usize>,
    options: &ImportOptions,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::new(mapping.format);
    summary.stopped_before_line = stopped_before_line;
    summary.problems = table.problems.clone();
    summary.rows_read = table.rows.len() + table.problems.len();
    summary.empty_rows = table.empty_rows;
    summary.encoding = table.encoding;
    summary.undecodable = table.undecodable;
    if mapping.format == SourceFormat::CandorTimeline {
        import_timeline(store, table, &mapping, now, &mut summary)?;
    } else {
        let filled = import_customers(store, &table, &mapping, options, now, &mut summary)?;
        note_columns(&mapping, &filled, &mut summary);
    }
    finish_summary(&mut summary);
    Ok(summary)
}

/// Notes in the summary of a contacts import the columns that held values but fill no
/// field (`filled`: non-empty cells per column), and the headers the file has twice.
fn note_columns(mapping: &ColumnMapping, filled: &[usize], summary: &mut ImportSummary) {
    summary.columns_not_imported = mapping
        .columns_not_imported(filled)
        .into_iter()
        .filter(|c| c.values > 0)
        .collect();
    summary.duplicate_headers = mapping
        .duplicate_headers()
        .iter()
        .map(|d| mapping.describe_duplicate(d))
        .collect();
}

/// Sorts the problems by line and lists every row left out, by line.
fn finish_summary(summary: &mut ImportSummary) {
    summary.problems.sort_by_key(|p| p.line);
    let unmerged = summary
        .duplicates
        .iter()
        .filter(|d| !d.merged)
        .map(|d| RowProblem {
            line: d.line,
            reason: format!(
                "{} has the same {} as {}: import again merging duplicates to merge them",
                d.name, d.matched_by, d.existing
            ),
        });
    let mut left_out: Vec<RowProblem> = summary.problems.iter().cloned().chain(unmerged).collect();
    left_out.append(&mut summary.left_out);
    left_out.sort_by_key(|p| p.line);
    summary.left_out = left_out;
}

/// `candor import`: reads and checks `file` first, then opens (or creates) the journal at
/// `journal` and imports into it; a file that is refused leaves no journal behind.
pub fn run_cli(
    journal: &Path,
    file: &Path,
    merge_duplicates: bool,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    let options = ImportOptions {
        merge_duplicates,
        ..ImportOptions::default()
    };
    let source = checked_source(file, &options, stream::STREAM_FROM_BYTES)?;
    if !journal.exists() {
        // A new journal is built beside its place and put there only when the import
        // wrote something: an import that fails or writes nothing leaves nothing behind.
        let mut build = crate::store::NewJournal::start(journal)?;
        let summary = import_source(build.store(), source, &options, now)?;
        if summary.customers_added + summary.customers_merged + summary.entries_added > 0 {
            build.finish()?;
        }
        return Ok(summary);
    }
    let mut store = Store::open(journal)?;
    import_source(&mut store, source, &options, now)
}

/// Writes the rows an import left out to `out` so they can be fixed and imported again:
/// the file's own columns with the original cells, then `line` and `reason`; UTF-8 with a
/// byte-order mark and CRLF, as Excel expects. `file` is read again (with the same
/// options) for the cells. Returns how many rows were written.
pub fn write_left_out(
    file: &Path,
    options: &ImportOptions,
    summary: &ImportSummary,
    out_path: &Path,
) -> Result<usize, ImportError> {
    write_left_out_from(file, options, summary, out_path, stream::STREAM_FROM_BYTES)
}

/// [`write_left_out`], reading files of at least `stream_from_bytes` as they are read.
fn write_left_out_from(
    file: &Path,
    options: &ImportOptions,
    summary: &ImportSummary,
    out_path: &Path,
    stream_from_bytes: u64,
) -> Result<usize, ImportError> {
    let lines: std::collections::HashSet<usize> = summary.left_out.iter().map(|p| p.line).collect();
    // A file the import read as it went is read so again: only the rows left out are kept.
    let (headers, cells) = match stream::plan(file, options, stream_from_bytes)? {
        Some(plan) => {
            let cells = stream::records_at_lines(&plan, &lines)?;
            (plan.headers, cells)
        }
        None => {
            let table = read_table(file, options.encoding, options.stop_before_line)?;
            let cells = table
                .rows
                .into_iter()
                .chain(table.problem_cells)
                .filter(|(line, _)| lines.contains(line))
                .collect();
            (table.headers, cells)
        }
    };
    let write_error = |source: std::io::Error| ImportError::LeftOutList {
        path: out_path.to_path_buf(),
        source,
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(out_path).map_err(write_error)?);
    std::io::Write::write_all(&mut out, crate::io::UTF8_BOM).map_err(write_error)?;
    let mut writer = crate::io::csv_writer_without_header(out);
    let csv_error = |e: csv::Error| ImportError::LeftOutList {
        path: out_path.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    // A row with more cells than the header widens the list, so `line` and `reason` stay
    // in one column each.
    let width = summary
        .left_out
        .iter()
        .filter_map(|p| cells.get(&p.line).map(|r| r.len()))
        .fold(headers.len(), usize::max);
    let mut header: Vec<String> = headers;
    header.resize(width, String::new());
    header.extend(["line".to_owned(), "reason".to_owned()]);
    writer.write_record(&header).map_err(csv_error)?;
    for problem in &summary.left_out {
        let mut row: Vec<String> = match cells.get(&problem.line) {
            Some(record) => record.iter().map(str::to_owned).collect(),
            None => Vec::new(),
        };
        row.resize(width, String::new());
        row.push(problem.line.to_string());
        row.push(problem.reason.clone());
        writer.write_record(&row).map_err(csv_error)?;
    }
    writer
        .flush()
        .map_err(|e| write_error(std::io::Error::other(e.to_string())))?;
    Ok(summary.left_out.len())
}
