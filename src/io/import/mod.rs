//! Imports: customers from CSV (Candor's own customers report, Google Contacts, Outlook or
//! any CSV with a column mapping) and vCard 3.0/4.0, and Candor's own timeline report back
//! into a journal (to move a journal or merge two).
//!
//! An import reads the whole file first; malformed rows are reported with their line
//! number and reason and left out; all valid rows are then written in one transaction, so
//! nothing is ever half-written. Customers who share an email address or phone number with
//! one already in the journal are reported as duplicates and merged only when asked.

mod contacts;
mod header_maps;
mod mapping;
mod table;
mod timeline;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

pub use contacts::{MappedCustomer, preview_customers};
pub use mapping::{ColumnMapping, CustomerField, DuplicateHeader, UnmappedColumn, detect_mapping};

use crate::domain::CustomerDraft;
use crate::store::{Store, StoreError};
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
    /// A vCard 3.0/4.0 file.
    VCard,
}

impl SourceFormat {
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

/// What an import did.
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
            named: Vec::new(),
            columns_not_imported: Vec::new(),
            duplicate_headers: Vec::new(),
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Imported a {}: {} customers added, {} merged",
            self.format.label(),
            self.customers_added,
            self.customers_merged
        )?;
        if self.format == SourceFormat::CandorTimeline {
            write!(
                f,
                ", {} entries added, {} already present",
                self.entries_added, self.entries_already_present
            )?;
        }
        writeln!(f, ".")?;
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
            let rows = if count == 1 { "row was" } else { "rows were" };
            writeln!(f, "{count} {rows} not imported:")?;
            for p in &self.problems {
                writeln!(f, "  line {}: {}", p.line, p.reason)?;
            }
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
    /// How many cells of each column hold something, over the whole file.
    pub filled_cells: Vec<usize>,
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
        "{} is not UTF-8 text: save it again as \"CSV UTF-8\" (Excel) or UTF-8 (other programs) and import that.",
        path.display()
    )]
    NotUtf8 { path: PathBuf },

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

    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The mapping for a file read into a table: fixed for vCard, guessed from the headers
/// otherwise.
fn mapping_for(table: &Table) -> ColumnMapping {
    if table.format == SourceFormat::VCard {
        ColumnMapping::new(
            SourceFormat::VCard,
            table.headers.clone(),
            [
                (CustomerField::Name, vec![0]),
                (CustomerField::Company, vec![1]),
                (CustomerField::Phone, vec![2]),
                (CustomerField::Email, vec![3]),
                (CustomerField::Notes, vec![4]),
                (CustomerField::Tags, vec![5]),
            ]
            .into_iter()
            .collect(),
        )
    } else {
        detect_mapping(&table.headers)
    }
}

/// Reads the start of a file for the mapping step: its format, headers, guessed mapping and
/// first rows.
pub fn preview(path: &Path) -> Result<ImportPreview, ImportError> {
    let table = read_table(path)?;
    let mapping = mapping_for(&table);
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
    let table = read_table(path)?;
    let mapping = options
        .mapping
        .clone()
        .unwrap_or_else(|| mapping_for(&table));
    let mut summary = ImportSummary::new(mapping.format);
    summary.problems = table.problems.clone();
    if mapping.format == SourceFormat::CandorTimeline {
        import_timeline(store, table, &mapping, now, &mut summary)?;
    } else {
        if !mapping.can_name_customers() {
            return Err(ImportError::NoNameColumn {
                path: path.to_path_buf(),
            });
        }
        let filled = filled_cells(table.rows.iter().map(|(_, r)| r), table.headers.len());
        summary.columns_not_imported = mapping
            .columns_not_imported(&filled)
            .into_iter()
            .filter(|c| c.values > 0)
            .collect();
        summary.duplicate_headers = mapping
            .duplicate_headers()
            .iter()
            .map(|d| mapping.describe_duplicate(d))
            .collect();
        import_customers(store, &table, &mapping, options, now, &mut summary)?;
    }
    summary.problems.sort_by_key(|p| p.line);
    Ok(summary)
}

/// `candor import`: opens (or creates) the journal at `journal` and imports `file` into it.
pub fn run_cli(
    journal: &Path,
    file: &Path,
    merge_duplicates: bool,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    let mut store = Store::open(journal)?;
    let options = ImportOptions {
        merge_duplicates,
        mapping: None,
    };
    import_file(&mut store, file, &options, now)
}
