//! Imports: customers from CSV (Candor's own customers report, Google Contacts, Outlook or
//! any CSV with a column mapping) and vCard 3.0/4.0, and Candor's own timeline report back
//! into a journal (to move a journal or merge two).
//!
//! An import reads the whole file first; malformed rows are reported with their line
//! number and reason and left out; all valid rows are then written in one transaction, so
//! nothing is ever half-written. Customers who share an email address or phone number with
//! one already in the journal are reported as duplicates and merged only when asked.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::csv_text::unescape;
use super::vcard::{looks_like_vcard, parse_vcards};
use crate::domain::customer::parse_tags;
use crate::domain::dates::{parse_datetime, parse_stored_date, parse_stored_datetime};
use crate::domain::entry::AtRisk;
use crate::domain::{
    BadNews, BadNewsKind, Cents, Channel, Contact, Customer, CustomerDraft, CustomerId, Direction,
    EntryDraft, EntryId, EntryKind, EntryKindTag, Feedback, Order, OrderStatus, Outcome, Payment,
    Problem, ProblemStatus, Promise, PromiseCategory, PromiseStatus, Renegotiation, RootCause,
    Snooze,
};
use crate::store::{BulkWriter, Store, StoreError};

/// What kind of file an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// Candor's customers report.
    CandorCustomers,
    /// Candor's timeline report (entries, with their customers).
    CandorTimeline,
    /// A Google Contacts CSV export.
    GoogleContacts,
    /// An Outlook CSV export.
    Outlook,
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
            Self::GenericCsv => "CSV",
            Self::VCard => "vCard",
        }
    }
}

/// A customer field a CSV column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CustomerField {
    Name,
    FirstName,
    MiddleName,
    LastName,
    Company,
    Phone,
    Email,
    Notes,
    Tags,
    CadenceDays,
    Archived,
    CreatedAt,
}

impl CustomerField {
    /// Every field, in form order.
    pub const ALL: &'static [Self] = &[
        Self::Name,
        Self::FirstName,
        Self::MiddleName,
        Self::LastName,
        Self::Company,
        Self::Phone,
        Self::Email,
        Self::Notes,
        Self::Tags,
        Self::CadenceDays,
        Self::Archived,
        Self::CreatedAt,
    ];

    /// A label for the mapping step.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => "Full name",
            Self::FirstName => "First name",
            Self::MiddleName => "Middle name",
            Self::LastName => "Last name",
            Self::Company => "Company",
            Self::Phone => "Phone",
            Self::Email => "Email",
            Self::Notes => "Notes",
            Self::Tags => "Tags",
            Self::CadenceDays => "Contact cadence (days)",
            Self::Archived => "Archived",
            Self::CreatedAt => "Customer since",
        }
    }

    /// Headers (lowercase) that fill this field, best first.
    fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Name => &[
                "name",
                "full name",
                "display name",
                "contact name",
                "customer",
                "contact",
            ],
            Self::FirstName => &["first name", "given name", "firstname"],
            Self::MiddleName => &["middle name", "additional name"],
            Self::LastName => &["last name", "family name", "surname", "lastname"],
            Self::Company => &[
                "company",
                "organization name",
                "organization 1 - name",
                "organisation",
                "organization",
                "company name",
            ],
            Self::Phone => &[
                "phone",
                "telephone",
                "phone number",
                "primary phone",
                "mobile phone",
                "business phone",
                "company main phone",
                "home phone",
                "business phone 2",
                "home phone 2",
                "other phone",
                "mobile",
                "phone 1 - value",
                "phone 2 - value",
                "phone 3 - value",
            ],
            Self::Email => &[
                "email",
                "e-mail",
                "email address",
                "e-mail address",
                "e-mail 1 - value",
                "e-mail 2 address",
                "e-mail 2 - value",
                "e-mail 3 address",
                "e-mail 3 - value",
            ],
            Self::Notes => &["notes", "note"],
            Self::Tags => &["tags", "labels", "group membership", "categories"],
            Self::CadenceDays => &["cadence_days", "cadence"],
            Self::Archived => &["archived"],
            Self::CreatedAt => &["created_at"],
        }
    }
}

/// Which CSV columns (0-based) fill which customer field. Several columns for one field are
/// tried in order and the first non-empty cell wins (Outlook's several phone columns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    pub format: SourceFormat,
    pub columns: BTreeMap<CustomerField, Vec<usize>>,
}

impl ColumnMapping {
    /// The columns mapped to `field` (empty when none).
    pub fn get(&self, field: CustomerField) -> &[usize] {
        self.columns.get(&field).map_or(&[], Vec::as_slice)
    }

    /// Maps `field` to one column, or to none.
    pub fn set(&mut self, field: CustomerField, column: Option<usize>) {
        match column {
            Some(column) => {
                self.columns.insert(field, vec![column]);
            }
            None => {
                self.columns.remove(&field);
            }
        }
    }

    /// Whether the mapping can produce a name (a name, first/last name or company column).
    pub fn can_name_customers(&self) -> bool {
        [
            CustomerField::Name,
            CustomerField::FirstName,
            CustomerField::LastName,
            CustomerField::Company,
        ]
        .iter()
        .any(|f| !self.get(*f).is_empty())
    }
}

fn normalise_header(header: &str) -> String {
    header.trim().trim_start_matches('\u{feff}').to_lowercase()
}

/// Recognises the headers of Candor's reports, Google Contacts and Outlook exports, and
/// guesses the columns of any other CSV.
pub fn detect_mapping(headers: &[String]) -> ColumnMapping {
    let normal: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let has = |name: &str| normal.iter().any(|h| h == name);
    let format = if has("entry_id") && has("kind") && has("occurred_at") {
        SourceFormat::CandorTimeline
    } else if has("customer_id") && has("name") && has("cadence_days") {
        SourceFormat::CandorCustomers
    } else if normal
        .iter()
        .any(|h| h.starts_with("e-mail 1 - ") || h.starts_with("phone 1 - "))
        || has("group membership")
    {
        SourceFormat::GoogleContacts
    } else if has("e-mail address") || has("business phone") || has("mobile phone") {
        SourceFormat::Outlook
    } else {
        SourceFormat::GenericCsv
    };
    let mut columns = BTreeMap::new();
    for field in CustomerField::ALL {
        let found: Vec<usize> = field
            .headers()
            .iter()
            .filter_map(|wanted| normal.iter().position(|h| h == wanted))
            .collect();
        if !found.is_empty() {
            columns.insert(*field, found);
        }
    }
    if format == SourceFormat::CandorTimeline {
        // The timeline's customer columns: "customer" is the name.
        columns.remove(&CustomerField::Name);
        if let Some(i) = normal.iter().position(|h| h == "customer") {
            columns.insert(CustomerField::Name, vec![i]);
        }
    }
    ColumnMapping { format, columns }
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
        "{} has no column Candor can take a customer's name from: map a column to the name, first or last name, or company."
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

/// A file read into rows of text.
struct Table {
    format: SourceFormat,
    headers: Vec<String>,
    /// (line, cells): one `StringRecord` per row keeps a million-row file compact.
    rows: Vec<(usize, csv::StringRecord)>,
    problems: Vec<RowProblem>,
}

const VCARD_HEADERS: &[&str] = &["name", "company", "phone", "email", "notes", "tags"];

fn read_table(path: &Path) -> Result<Table, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    let is_vcard_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("vcf") || e.eq_ignore_ascii_case("vcard"));
    if is_vcard_name || looks_like_vcard(text) {
        let (contacts, card_problems) = parse_vcards(text);
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
        return Ok(Table {
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
        });
    }
    read_csv(path, text)
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

/// The mapping for a file read into a table: fixed for vCard, guessed from the headers
/// otherwise.
fn mapping_for(table: &Table) -> ColumnMapping {
    if table.format == SourceFormat::VCard {
        ColumnMapping {
            format: SourceFormat::VCard,
            columns: [
                (CustomerField::Name, vec![0]),
                (CustomerField::Company, vec![1]),
                (CustomerField::Phone, vec![2]),
                (CustomerField::Email, vec![3]),
                (CustomerField::Notes, vec![4]),
                (CustomerField::Tags, vec![5]),
            ]
            .into_iter()
            .collect(),
        }
    } else {
        detect_mapping(&table.headers)
    }
}

/// Reads the start of a file for the mapping step: its format, headers, guessed mapping and
/// first rows.
pub fn preview(path: &Path) -> Result<ImportPreview, ImportError> {
    let table = read_table(path)?;
    let mapping = mapping_for(&table);
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
    let mapping = checked_mapping(path, &table, options)?;
    import_table(store, table, mapping, options, now)
}

/// The mapping to import `table` with; refuses a customer file without a name column.
fn checked_mapping(
    path: &Path,
    table: &Table,
    options: &ImportOptions,
) -> Result<ColumnMapping, ImportError> {
    let mapping = options
        .mapping
        .clone()
        .unwrap_or_else(|| mapping_for(table));
    if mapping.format != SourceFormat::CandorTimeline && !mapping.can_name_customers() {
        return Err(ImportError::NoNameColumn {
            path: path.to_path_buf(),
        });
    }
    Ok(mapping)
}

fn import_table(
    store: &mut Store,
    table: Table,
    mapping: ColumnMapping,
    options: &ImportOptions,
    now: NaiveDateTime,
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::new(mapping.format);
    summary.problems = table.problems.clone();
    if mapping.format == SourceFormat::CandorTimeline {
        import_timeline(store, table, &mapping, now, &mut summary)?;
    } else {
        import_customers(store, &table, &mapping, options, now, &mut summary)?;
    }
    summary.problems.sort_by_key(|p| p.line);
    Ok(summary)
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
        mapping: None,
    };
    let table = read_table(file)?;
    let mapping = checked_mapping(file, &table, &options)?;
    let mut store = Store::open(journal)?;
    import_table(&mut store, table, mapping, &options, now)
}

// ---------------------------------------------------------------------------------------
// Customers

fn cell<'a>(cells: &'a csv::StringRecord, columns: &[usize], unescaped: bool) -> &'a str {
    columns
        .iter()
        .filter_map(|i| cells.get(*i))
        .map(|c| {
            // Google joins several values with " ::: ".
            let first = c.split(":::").next().unwrap_or_default().trim();
            if unescaped { unescape(first) } else { first }
        })
        .find(|c| !c.is_empty())
        .unwrap_or_default()
}

fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "n" => Some(false),
        "yes" | "true" | "1" | "y" => Some(true),
        _ => None,
    }
}

/// A customer from one row, with its created-at time.
fn customer_from_row(
    cells: &csv::StringRecord,
    mapping: &ColumnMapping,
    now: NaiveDateTime,
) -> Result<(CustomerDraft, NaiveDateTime), String> {
    let own = matches!(
        mapping.format,
        SourceFormat::CandorCustomers | SourceFormat::CandorTimeline
    );
    let get = |field| cell(cells, mapping.get(field), own);
    let mut draft = CustomerDraft {
        name: get(CustomerField::Name).to_owned(),
        company: get(CustomerField::Company).to_owned(),
        phone: get(CustomerField::Phone).to_owned(),
        email: get(CustomerField::Email).to_owned(),
        ..CustomerDraft::default()
    };
    if draft.name.is_empty() {
        draft.name = [
            CustomerField::FirstName,
            CustomerField::MiddleName,
            CustomerField::LastName,
        ]
        .iter()
        .map(|f| get(*f))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    }
    if draft.name.is_empty() {
        draft.name = draft.company.clone();
    }
    if draft.name.is_empty() {
        return Err("the row has no name and no company: fill in at least one".to_owned());
    }
    // Notes may span lines; take the whole cell.
    draft.notes = mapping
        .get(CustomerField::Notes)
        .iter()
        .filter_map(|i| cells.get(*i))
        .map(|c| if own { unescape(c) } else { c }.trim())
        .find(|c| !c.is_empty())
        .unwrap_or_default()
        .to_owned();
    let tags_text: Vec<String> = mapping
        .get(CustomerField::Tags)
        .iter()
        .filter_map(|i| cells.get(*i))
        .flat_map(|c| {
            let c = if own { unescape(c) } else { c };
            c.split(":::")
                .map(|t| t.trim().trim_start_matches("* ").trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("myContacts"))
        .collect();
    draft.tags = parse_tags(&tags_text.join(","));
    let cadence = get(CustomerField::CadenceDays);
    if !cadence.is_empty() {
        draft.cadence_days = cadence.parse().map_err(|_| {
            format!("the cadence \"{cadence}\" is not a whole number of days: write e.g. 14")
        })?;
    }
    let archived = get(CustomerField::Archived);
    draft.archived = parse_yes_no(archived)
        .ok_or_else(|| format!("\"{archived}\" in the archived column is neither yes nor no"))?;
    let created = get(CustomerField::CreatedAt);
    let created_at = if created.is_empty() {
        now
    } else {
        parse_stored_datetime(created).ok_or_else(|| {
            format!("the created_at time \"{created}\" is not of the form 2026-03-01T09:30:00")
        })?
    };
    let draft = draft.validated().map_err(|e| e.0)?;
    Ok((draft, created_at))
}

/// Email (lowercased) and phone (digits only, at least 6) of a customer, for matching.
fn email_key(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    (!email.is_empty()).then_some(email)
}

fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 6).then_some(digits)
}

/// The journal's customers, findable by email, phone and exact name.
#[derive(Default)]
struct CustomerIndex {
    customers: HashMap<CustomerId, Customer>,
    by_email: HashMap<String, CustomerId>,
    by_phone: HashMap<String, CustomerId>,
    by_name: HashMap<String, CustomerId>,
}

impl CustomerIndex {
    fn new(customers: Vec<Customer>) -> Self {
        let mut index = Self::default();
        for customer in customers {
            index.insert(customer);
        }
        index
    }

    fn insert(&mut self, customer: Customer) {
        let id = customer.id;
        if let Some(key) = email_key(&customer.email) {
            self.by_email.entry(key).or_insert(id);
        }
        if let Some(key) = phone_key(&customer.phone) {
            self.by_phone.entry(key).or_insert(id);
        }
        self.by_name.entry(customer.name.clone()).or_insert(id);
        self.customers.insert(id, customer);
    }

    /// The customer with the same email, else the same phone.
    fn duplicate_of(&self, draft: &CustomerDraft) -> Option<(CustomerId, &'static str)> {
        if let Some(id) = email_key(&draft.email).and_then(|k| self.by_email.get(&k)) {
            return Some((*id, "email"));
        }
        phone_key(&draft.phone)
            .and_then(|k| self.by_phone.get(&k))
            .map(|id| (*id, "phone"))
    }

    /// The customer matched by email, then phone, then exact name.
    fn find(&self, draft: &CustomerDraft) -> Option<CustomerId> {
        self.duplicate_of(draft)
            .map(|(id, _)| id)
            .or_else(|| self.by_name.get(&draft.name).copied())
    }
}

/// `existing` with its empty fields filled from `incoming`, tags added and new notes appended.
fn merged(existing: &Customer, incoming: &CustomerDraft) -> CustomerDraft {
    let mut draft = existing.to_draft();
    for (field, value) in [
        (&mut draft.company, &incoming.company),
        (&mut draft.phone, &incoming.phone),
        (&mut draft.email, &incoming.email),
    ] {
        if field.is_empty() {
            field.clone_from(value);
        }
    }
    if !incoming.notes.is_empty() && !draft.notes.contains(&incoming.notes) {
        if draft.notes.is_empty() {
            draft.notes.clone_from(&incoming.notes);
        } else {
            draft.notes = format!("{}\n{}", draft.notes, incoming.notes);
        }
    }
    draft.tags.extend(incoming.tags.iter().cloned());
    draft
}

fn saved(id: CustomerId, draft: &CustomerDraft, created_at: NaiveDateTime) -> Customer {
    Customer {
        id,
        name: draft.name.clone(),
        company: draft.company.clone(),
        phone: draft.phone.clone(),
        email: draft.email.clone(),
        notes: draft.notes.clone(),
        tags: draft.tags.clone(),
        cadence_days: draft.cadence_days,
        archived: draft.archived,
        created_at,
        updated_at: created_at,
    }
}

fn import_customers(
    store: &mut Store,
    table: &Table,
    mapping: &ColumnMapping,
    options: &ImportOptions,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let mut index = CustomerIndex::new(store.customers()?);
    // Everything is decided before writing, so the transaction only writes. Customers added
    // by this file carry temporary negative ids until they are saved.
    enum Action {
        Add(CustomerId, CustomerDraft, NaiveDateTime),
        Update(CustomerId, CustomerDraft),
    }
    let mut actions: Vec<Action> = Vec::new();
    let mut next_temp_id = -1i64;
    for (line, cells) in &table.rows {
        let (draft, created_at) = match customer_from_row(cells, mapping, now) {
            Ok(found) => found,
            Err(reason) => {
                summary.problems.push(RowProblem {
                    line: *line,
                    reason,
                });
                continue;
            }
        };
        let Some((id, matched_by)) = index.duplicate_of(&draft) else {
            let temp = CustomerId(next_temp_id);
            next_temp_id -= 1;
            index.insert(saved(temp, &draft, created_at));
            actions.push(Action::Add(temp, draft, created_at));
            summary.customers_added += 1;
            continue;
        };
        let Some(existing) = index.customers.get(&id) else {
            continue;
        };
        summary.duplicates.push(DuplicateCustomer {
            line: *line,
            name: draft.name.clone(),
            existing: existing.display_name(),
            matched_by,
            merged: options.merge_duplicates,
        });
        if !options.merge_duplicates {
            continue;
        }
        let created_at = existing.created_at;
        let merged = match merged(existing, &draft).validated() {
            Ok(merged) => merged,
            Err(e) => {
                summary.problems.push(RowProblem {
                    line: *line,
                    reason: e.0,
                });
                continue;
            }
        };
        index.insert(saved(id, &merged, created_at));
        let pending = actions.iter_mut().find_map(|a| match a {
            Action::Add(temp, draft, _) | Action::Update(temp, draft) if *temp == id => Some(draft),
            _ => None,
        });
        match pending {
            Some(draft) => *draft = merged,
            None => actions.push(Action::Update(id, merged)),
        }
        summary.customers_merged += 1;
    }
    store.bulk_write(now, |w| {
        for action in actions {
            match action {
                Action::Add(_, draft, created_at) => {
                    w.add_customer(draft, created_at)?;
                }
                Action::Update(id, draft) => w.update_customer(id, draft)?,
            }
        }
        Ok(())
    })?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Timeline

/// The cells of one timeline row, by column name.
struct TimelineRow<'a> {
    columns: &'a HashMap<String, usize>,
    cells: &'a csv::StringRecord,
}

impl<'a> TimelineRow<'a> {
    /// The cell under `name`, unescaped and trimmed ("" when the column is absent).
    fn get(&self, name: &str) -> &'a str {
        self.columns
            .get(name)
            .and_then(|i| self.cells.get(*i))
            .map_or("", |c| unescape(c).trim())
    }

    fn opt(&self, name: &str) -> Option<&'a str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    fn date(&self, name: &str) -> Result<NaiveDate, String> {
        match self.opt(name) {
            Some(v) => parse_stored_date(v)
                .ok_or_else(|| format!("the {name} \"{v}\" is not a date of the form 2026-03-01")),
            None => Err(format!(
                "the {name} column is empty but a {} needs it",
                self.get("kind")
            )),
        }
    }

    fn opt_date(&self, name: &str) -> Result<Option<NaiveDate>, String> {
        self.opt(name).map(|_| self.date(name)).transpose()
    }

    fn opt_datetime(&self, name: &str) -> Result<Option<NaiveDateTime>, String> {
        self.opt(name)
            .map(|v| {
                parse_stored_datetime(v).ok_or_else(|| {
                    format!("the {name} \"{v}\" is not a time of the form 2026-03-01T09:30:00")
                })
            })
            .transpose()
    }

    fn code<T>(&self, name: &str, parse: fn(&str) -> Option<T>) -> Result<T, String> {
        let value = self.get(name);
        parse(value).ok_or_else(|| {
            if value.is_empty() {
                format!(
                    "the {name} column is empty but a {} needs it",
                    self.get("kind")
                )
            } else {
                format!("\"{value}\" is not a {name} Candor knows")
            }
        })
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.opt(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("the {name} \"{v}\" is not a whole number"))
            })
            .transpose()
    }

    fn amount(&self) -> Result<Option<Cents>, String> {
        self.opt("amount")
            .map(|v| Cents::parse(v).map_err(|e| e.0))
            .transpose()
    }
}

/// An entry from a timeline row, and the old id of the entry it relates to.
fn entry_from_row(
    row: &TimelineRow<'_>,
    customer_id: CustomerId,
    now: NaiveDateTime,
) -> Result<(EntryDraft, Option<i64>), String> {
    let kind_code = row.get("kind");
    let tag = EntryKindTag::from_code(kind_code)
        .ok_or_else(|| format!("\"{kind_code}\" is not a kind of entry Candor knows"))?;
    let when = row.get("occurred_at");
    let occurred_at = parse_stored_datetime(when)
        .or_else(|| {
            let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
            parse_datetime(when, now.date(), nine).ok()
        })
        .ok_or_else(|| {
            format!("the occurred_at time \"{when}\" is not of the form 2026-03-01T09:30:00")
        })?;
    let mut related = None;
    let kind = match tag {
        EntryKindTag::Contact => EntryKind::Contact(Contact {
            channel: row.code("channel", Channel::from_code)?,
            direction: row.code("direction", Direction::from_code)?,
            outcome: row.code("outcome", Outcome::from_code)?,
            duration_mins: row.number("duration_mins")?,
        }),
        EntryKindTag::Promise => {
            let status = match row.get("status") {
                "" | "open" | "renegotiated" => PromiseStatus::Open,
                "kept" => PromiseStatus::Kept(row.date("closed_on")?),
                "broken" => PromiseStatus::Broken(row.date("closed_on")?),
                other => {
                    return Err(format!(
                        "\"{other}\" is not a promise status (open, kept or broken)"
                    ));
                }
            };
            let at_risk = row.opt_datetime("at_risk_since")?.map(|flagged_at| AtRisk {
                flagged_at,
                reason: row.get("risk_reason").to_owned(),
            });
            let renegotiations: Vec<Renegotiation> = match row.opt("renegotiations") {
                Some(json) => serde_json::from_str(json).map_err(|e| {
                    format!(
                        "the renegotiations cell cannot be read ({e}): keep it as Candor wrote it"
                    )
                })?,
                None => Vec::new(),
            };
            EntryKind::Promise(Promise {
                due: row.date("due")?,
                category: row.code("category", PromiseCategory::from_code)?,
                status,
                at_risk,
                renegotiations,
            })
        }
        EntryKindTag::BadNews => {
            related = row.number::<i64>("related_entry_id")?;
            let proactive = match row.get("proactive").to_ascii_lowercase().as_str() {
                "proactive" => true,
                "reactive" => false,
                other => parse_yes_no(other).ok_or_else(|| {
                    format!("\"{other}\" in the proactive column is neither proactive nor reactive")
                })?,
            };
            EntryKind::BadNews(BadNews {
                about: row.code("category", BadNewsKind::from_code)?,
                related: None,
                proactive,
            })
        }
        EntryKindTag::Problem => {
            let status = match row.get("status") {
                "" | "open" => ProblemStatus::Open,
                "resolved" => ProblemStatus::Resolved {
                    on: row.date("closed_on")?,
                    root_cause: row.code("root_cause", RootCause::from_code)?,
                    prevention: row.get("prevention").to_owned(),
                },
                other => {
                    return Err(format!(
                        "\"{other}\" is not a problem status (open or resolved)"
                    ));
                }
            };
            EntryKind::Problem(Problem {
                owner: row.get("owner").to_owned(),
                status,
            })
        }
        EntryKindTag::Order => EntryKind::Order(Order {
            amount: row.amount()?,
            promised_delivery: row.date("due")?,
            status: row.code("status", OrderStatus::from_code)?,
            status_changed_at: row.opt_datetime("status_changed_at")?,
        }),
        EntryKindTag::Payment => EntryKind::Payment(Payment {
            invoice_ref: row.get("invoice_ref").to_owned(),
            amount: row
                .amount()?
                .ok_or_else(|| "the amount column is empty but an invoice needs it".to_owned())?,
            due: row.date("due")?,
            paid_on: row.opt_date("closed_on")?,
        }),
        EntryKindTag::Note => EntryKind::Note,
        EntryKindTag::Feedback => EntryKind::Feedback(Feedback {
            rating: row.number("rating")?,
        }),
        EntryKindTag::Snooze => EntryKind::Snooze(Snooze {
            until: row.date("snooze_until")?,
        }),
    };
    let draft = EntryDraft {
        customer_id,
        occurred_at,
        summary: row.get("summary").to_owned(),
        kind,
    }
    .validated()
    .map_err(|e| e.0)?;
    Ok((draft, related))
}

/// Identifies an entry's content, to skip entries already in the journal.
fn entry_key(customer: CustomerId, occurred_at: &str, kind: &str, summary: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (customer.0, occurred_at, kind, summary).hash(&mut hasher);
    hasher.finish()
}

/// Takes the table by value so each row's text is freed once it became a draft: a
/// million-row file is never held twice.
fn import_timeline(
    store: &mut Store,
    table: Table,
    mapping: &ColumnMapping,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let columns: HashMap<String, usize> = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| (normalise_header(h), i))
        .collect();
    let mut index = CustomerIndex::new(store.customers()?);

    // What is already in the journal: content key -> ids of the entries with that content.
    // Two entries may share their content (two calls in the same minute), so each row of
    // the file consumes at most one of them: importing a file twice adds nothing, and twin
    // rows in a file are both kept.
    let mut present: HashMap<u64, Vec<i64>> = HashMap::new();
    let (start, end) = (
        crate::domain::dates::MIN_DATE.and_time(NaiveTime::MIN),
        crate::domain::dates::MAX_DATE
            .and_hms_opt(23, 59, 59)
            .unwrap_or(NaiveDateTime::MAX),
    );
    store
        .for_each_entry_cells(start, end, |c| {
            let key = entry_key(CustomerId(c.customer_id), c.occurred_at, c.kind, c.summary);
            present.entry(key).or_default().push(c.id);
            Ok::<(), std::convert::Infallible>(())
        })?
        .unwrap_or_else(|never| match never {});

    /// A customer this file introduces: temporary id, draft, created-at.
    struct NewCustomer(CustomerId, CustomerDraft, NaiveDateTime);
    /// An entry to add: the row's old id, its draft, the old id it relates to.
    struct NewEntry(Option<i64>, EntryDraft, Option<i64>);
    let mut new_customers: Vec<NewCustomer> = Vec::new();
    let mut new_entries: Vec<NewEntry> = Vec::new();
    // Old entry id -> id in this journal, for rows already present.
    let mut known: HashMap<i64, EntryId> = HashMap::new();
    let mut next_temp_id = -1i64;

    for (line, cells) in table.rows {
        let row = TimelineRow {
            columns: &columns,
            cells: &cells,
        };
        let problem = |reason: String| RowProblem { line, reason };
        let (customer_draft, created_at) = match customer_from_row(&cells, mapping, now) {
            Ok(found) => found,
            Err(reason) => {
                summary.problems.push(problem(reason));
                continue;
            }
        };
        let customer_id = match index.find(&customer_draft) {
            Some(id) => id,
            None => {
                let temp = CustomerId(next_temp_id);
                next_temp_id -= 1;
                index.insert(saved(temp, &customer_draft, created_at));
                new_customers.push(NewCustomer(temp, customer_draft, created_at));
                summary.customers_added += 1;
                temp
            }
        };
        let (draft, related) = match entry_from_row(&row, customer_id, now) {
            Ok(found) => found,
            Err(reason) => {
                summary.problems.push(problem(reason));
                continue;
            }
        };
        let old_id = row.number::<i64>("entry_id").ok().flatten();
        let key = entry_key(
            customer_id,
            &crate::domain::dates::format_datetime(draft.occurred_at),
            draft.kind.tag().code(),
            &draft.summary,
        );
        if let Some(existing) = present.get_mut(&key).and_then(Vec::pop) {
            summary.entries_already_present += 1;
            if let Some(old) = old_id {
                known.insert(old, EntryId(existing));
            }
            continue;
        }
        new_entries.push(NewEntry(old_id, draft, related));
    }

    let added = store.bulk_write(now, |w: &mut BulkWriter<'_, '_>| {
        let mut real: HashMap<CustomerId, CustomerId> = HashMap::new();
        for NewCustomer(temp, draft, created_at) in new_customers {
            real.insert(temp, w.add_customer(draft, created_at)?);
        }
        let resolve = |id: CustomerId| real.get(&id).copied().unwrap_or(id);
        let in_file: std::collections::HashSet<i64> =
            new_entries.iter().filter_map(|e| e.0).collect();
        let mut ids = known;
        let mut deferred = Vec::new();
        let mut added = 0usize;
        for entry in new_entries {
            let NewEntry(_, _, Some(related)) = &entry else {
                added += add_entry(w, entry, &resolve, &mut ids)?;
                continue;
            };
            if !ids.contains_key(related) && in_file.contains(related) {
                deferred.push(entry);
            } else {
                added += add_entry(w, entry, &resolve, &mut ids)?;
            }
        }
        for entry in deferred {
            added += add_entry(w, entry, &resolve, &mut ids)?;
        }
        Ok(added)
    })?;
    summary.entries_added = added;

    fn add_entry(
        w: &mut BulkWriter<'_, '_>,
        NewEntry(old_id, mut draft, related): NewEntry,
        resolve: &impl Fn(CustomerId) -> CustomerId,
        ids: &mut HashMap<i64, EntryId>,
    ) -> Result<usize, StoreError> {
        draft.customer_id = resolve(draft.customer_id);
        if let EntryKind::BadNews(news) = &mut draft.kind {
            news.related = related.and_then(|old| ids.get(&old).copied());
        }
        let id = w.add_entry(draft)?;
        if let Some(old) = old_id {
            ids.insert(old, id);
        }
        Ok(1)
    }
    Ok(())
}
