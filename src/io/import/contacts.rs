//! Customers from a contacts file: a row becomes a customer, duplicates are found by email
//! or phone, and all are written in one transaction.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDateTime;

use super::header_maps::is_placeholder;
use super::mapping::{ColumnMapping, CustomerField, UnmappedColumn, tally_filled};
use super::row_writer::RowWriter;
use super::table::Table;
use super::{
    DuplicateCustomer, ImportError, ImportOptions, ImportSummary, NamedCustomer, RowProblem,
    SourceFormat,
};
use crate::domain::customer::{looks_like_email, parse_tags};
use crate::domain::dates::parse_stored_datetime;
use crate::domain::{Customer, CustomerDraft, CustomerId};
use crate::io::csv_text::unescape;
use crate::store::{BulkWriter, Store, StoreError};

/// What one row becomes: the customer, its created-at time, and where its name came from
/// when the row had no person's name.
pub(super) struct RowCustomer {
    pub(super) draft: CustomerDraft,
    pub(super) created_at: NaiveDateTime,
    pub(super) named_from: Option<&'static str>,
}

/// A customer as the mapping step shows it before importing.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedCustomer {
    pub customer: CustomerDraft,
    /// Set when the row had no person's name and the name was made from something else:
    /// "nickname", "e-mail address" or "phone number". A company name alone is a customer's
    /// proper name in business and is not flagged.
    pub named_from: Option<&'static str>,
}

/// One value found in a mapped column.
struct Value<'a> {
    column: usize,
    text: &'a str,
}

/// The cells of one row as a mapping reads them.
struct Row<'a> {
    cells: &'a csv::StringRecord,
    mapping: &'a ColumnMapping,
    /// Candor's own reports: cells are unescaped and never split into several values.
    own: bool,
}

impl<'a> Row<'a> {
    fn cell(&self, column: usize) -> &'a str {
        let cell = self.cells.get(column).unwrap_or_default();
        if self.own { unescape(cell) } else { cell }.trim()
    }

    /// The values of `field`'s columns in order, each cell split by `split`.
    fn values(&self, field: CustomerField, split: fn(&str) -> Vec<&str>) -> Vec<Value<'a>> {
        self.mapping
            .get(field)
            .iter()
            .flat_map(|column| {
                let cell = self.cell(*column);
                let parts = if self.own { vec![cell] } else { split(cell) };
                parts.into_iter().map(move |text| Value {
                    column: *column,
                    text,
                })
            })
            .filter(|v| !v.text.is_empty())
            .collect()
    }
}

/// Google joins several values of one cell with " ::: ".
fn split_google(cell: &str) -> Vec<&str> {
    cell.split(":::").map(str::trim).collect()
}

/// Several addresses in one cell: Google's " ::: ", or commas, semicolons or lines.
fn split_emails(cell: &str) -> Vec<&str> {
    cell.split(":::")
        .flat_map(|part| part.split([',', ';', '\n', '\r']))
        .map(str::trim)
        .collect()
}

/// Several numbers in one cell: Google's " ::: ", semicolons or lines, and commas only
/// between whole numbers ("+49 30 1234, ext. 5" stays one number).
fn split_phones(cell: &str) -> Vec<&str> {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
    cell.split(":::")
        .flat_map(|part| part.split([';', '\n', '\r']))
        .flat_map(|part| {
            let pieces: Vec<&str> = part.split(',').collect();
            if pieces.len() > 1 && pieces.iter().all(|p| digits(p) >= 6) {
                pieces
            } else {
                vec![part]
            }
        })
        .map(str::trim)
        .collect()
}

/// Lines "Label: value, value" for values that were not used, one per column, in order.
fn notes_lines(row: &Row<'_>, unused: &[Value<'_>], lines: &mut Vec<String>) {
    let mut columns: Vec<usize> = unused.iter().map(|v| v.column).collect();
    let mut seen = std::collections::HashSet::new();
    columns.retain(|c| seen.insert(*c));
    for column in columns {
        let texts: Vec<&str> = unused
            .iter()
            .filter(|v| v.column == column)
            .map(|v| v.text)
            .collect();
        lines.push(format!(
            "{}: {}",
            row.mapping.label(column, row.cells),
            texts.join(", ")
        ));
    }
}

/// The value at `chosen`, and the others that say something else (compared by `key`).
fn chosen_and_rest<'a, K: PartialEq>(
    values: Vec<Value<'a>>,
    chosen: usize,
    key: impl Fn(&str) -> K,
) -> (&'a str, Vec<Value<'a>>) {
    let Some(first) = values.get(chosen).map(|v| v.text) else {
        return ("", Vec::new());
    };
    let mut kept: Vec<K> = vec![key(first)];
    let mut rest = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let k = key(value.text);
        if i != chosen && !kept.contains(&k) {
            kept.push(k);
            rest.push(value);
        }
    }
    (first, rest)
}

/// "Anna Berg" from "anna.berg@example.com": the parts of the address before the @, with
/// a capital letter each when written all in lowercase. Shown flagged, for the user to check.
fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let local = local.split('+').next().unwrap_or_default();
    let words: Vec<String> = local
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w.chars().any(char::is_uppercase) {
                return w.to_owned();
            }
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    if words.is_empty() {
        local.to_owned()
    } else {
        words.join(" ")
    }
}

/// Chinese, Japanese and Korean names are written family name first.
fn is_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c,
            '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
            | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}')
    })
}

pub(super) fn parse_yes_no(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "0" | "n" => Some(false),
        "yes" | "true" | "1" | "y" => Some(true),
        _ => None,
    }
}

/// A customer from one row, with its created-at time.
pub(super) fn customer_from_row(
    cells: &csv::StringRecord,
    mapping: &ColumnMapping,
    now: NaiveDateTime,
) -> Result<(CustomerDraft, NaiveDateTime), String> {
    read_customer(cells, mapping, now).map(|c| (c.draft, c.created_at))
}

/// A customer from one row. Nothing the mapped columns hold is dropped: values not used for
/// a field (a second phone number, the other addresses of a cell with several, a second
/// column with the same header) are added to the notes as "Label: value" lines, and so are
/// the columns the user chose to add to the notes.
pub(super) fn read_customer(
    cells: &csv::StringRecord,
    mapping: &ColumnMapping,
    now: NaiveDateTime,
) -> Result<RowCustomer, String> {
    let own = matches!(
        mapping.format,
        SourceFormat::CandorCustomers | SourceFormat::CandorTimeline
    );
    let row = Row {
        cells,
        mapping,
        own,
    };
    let same_text = |s: &str| s.to_lowercase();
    let mut extra_lines: Vec<String> = Vec::new();
    let single = |field: CustomerField, lines: &mut Vec<String>| {
        let (first, rest) = chosen_and_rest(row.values(field, split_google), 0, same_text);
        notes_lines(&row, &rest, lines);
        first
    };
    let name = single(CustomerField::Name, &mut extra_lines);
    let first_name = single(CustomerField::FirstName, &mut extra_lines);
    let middle_name = single(CustomerField::MiddleName, &mut extra_lines);
    let last_name = single(CustomerField::LastName, &mut extra_lines);
    // The nickname's own lines wait: they go to the notes only when it is not the name.
    let mut nickname_lines = Vec::new();
    let nicknames = row.values(CustomerField::Nickname, split_google);
    let nickname_column = nicknames.first().map(|v| v.column);
    let (nickname, other_nicknames) = chosen_and_rest(nicknames, 0, same_text);
    notes_lines(&row, &other_nicknames, &mut nickname_lines);
    let company = single(CustomerField::Company, &mut extra_lines);

    let phones = row.values(CustomerField::Phone, split_phones);
    let (phone, other_phones) = chosen_and_rest(phones, 0, |p| {
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            p.to_lowercase()
        } else {
            digits
        }
    });
    let emails = row.values(CustomerField::Email, split_emails);
    // The first address that is one; an odd cell beside it goes to the notes. With no
    // address at all, the first text stays and the row is refused with its reason.
    let valid = emails
        .iter()
        .position(|e| looks_like_email(e.text))
        .unwrap_or(0);
    let (email, other_emails) = chosen_and_rest(emails, valid, same_text);

    let mut named_from = None;
    let mut name = name.to_owned();
    if name.is_empty() {
        name = if is_cjk(last_name) && is_cjk(first_name) {
            [last_name, first_name, middle_name]
        } else {
            [first_name, middle_name, last_name]
        }
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    }
    let mut nickname_used = false;
    if name.is_empty() && !nickname.is_empty() {
        name = nickname.to_owned();
        nickname_used = true;
        named_from = Some("nickname");
    }
    if name.is_empty() {
        name = company.to_owned();
    }
    if name.is_empty() && looks_like_email(email) {
        name = name_from_email(email);
        named_from = Some("e-mail address");
    }
    if name.is_empty() && !phone.is_empty() {
        name = phone.to_owned();
        named_from = Some("phone number");
    }
    if name.is_empty() {
        return Err(
            "the row has no name, nickname, company, e-mail address or phone number: fill in at least one"
                .to_owned(),
        );
    }
    let mut draft = CustomerDraft {
        name,
        company: company.to_owned(),
        phone: phone.to_owned(),
        email: email.to_owned(),
        ..CustomerDraft::default()
    };

    // Notes may span lines; take whole cells, each once.
    let mut notes: Vec<&str> = Vec::new();
    for column in mapping.get(CustomerField::Notes) {
        let text = row.cell(*column);
        if !text.is_empty() && !notes.contains(&text) {
            notes.push(text);
        }
    }
    let mut lines: Vec<String> = notes.iter().map(|n| (*n).to_owned()).collect();
    if let Some(column) = nickname_column
        && !nickname_used
    {
        lines.push(format!("{}: {nickname}", mapping.label(column, cells)));
    }
    lines.append(&mut nickname_lines);
    lines.append(&mut extra_lines);
    notes_lines(&row, &other_phones, &mut lines);
    notes_lines(&row, &other_emails, &mut lines);
    for column in &mapping.to_notes {
        let text = row.cell(*column);
        if !text.is_empty() && !is_placeholder(text) && mapping.field_of(*column).is_none() {
            lines.push(format!("{}: {text}", mapping.label(*column, cells)));
        }
    }
    draft.notes = lines.join("\n");

    let tags_text: Vec<String> = mapping
        .get(CustomerField::Tags)
        .iter()
        .flat_map(|column| {
            row.cell(*column)
                .split(":::")
                .map(|t| t.trim().trim_start_matches("* ").trim().to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("myContacts"))
        .collect();
    draft.tags = parse_tags(&tags_text.join(","));
    let first_value = |field| {
        row.values(field, split_google)
            .first()
            .map_or("", |v| v.text)
    };
    let cadence = first_value(CustomerField::CadenceDays);
    if !cadence.is_empty() {
        draft.cadence_days = cadence.parse().map_err(|_| {
            format!("the cadence \"{cadence}\" is not a whole number of days: write e.g. 14")
        })?;
    }
    let archived = first_value(CustomerField::Archived);
    draft.archived = parse_yes_no(archived)
        .ok_or_else(|| format!("\"{archived}\" in the archived column is neither yes nor no"))?;
    let created = first_value(CustomerField::CreatedAt);
    let created_at = if created.is_empty() {
        now
    } else {
        parse_stored_datetime(created).ok_or_else(|| {
            format!("the created_at time \"{created}\" is not of the form 2026-03-01T09:30:00")
        })?
    };
    let draft = draft.validated().map_err(|e| e.0)?;
    Ok(RowCustomer {
        draft,
        created_at,
        named_from,
    })
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
pub(super) struct CustomerIndex {
    customers: HashMap<CustomerId, Customer>,
    by_email: HashMap<String, CustomerId>,
    by_phone: HashMap<String, CustomerId>,
    by_name: HashMap<String, CustomerId>,
}

impl CustomerIndex {
    pub(super) fn new(customers: Vec<Customer>) -> Self {
        let mut index = Self::default();
        for customer in customers {
            index.insert(customer);
        }
        index
    }

    pub(super) fn insert(&mut self, customer: Customer) {
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
    pub(super) fn find(&self, draft: &CustomerDraft) -> Option<CustomerId> {
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

pub(super) fn saved(id: CustomerId, draft: &CustomerDraft, created_at: NaiveDateTime) -> Customer {
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

/// The keys that find a customer as a duplicate, by what they match: the e-mail address
/// first, then the phone number.
fn duplicate_keys(email: &str, phone: &str) -> [Option<(String, &'static str)>; 2] {
    [
        email_key(email).map(|k| (format!("e{k}"), "email")),
        phone_key(phone).map(|k| (format!("p{k}"), "phone")),
    ]
}

/// Writes the customers of a contacts file one row at a time, inside the one transaction
/// of a [`Store::bulk_write`], finding duplicates among the journal's customers and the
/// rows before: a file of any length is never held whole (see
/// [`BulkWriter::start_customer_keys`]).
pub(super) struct CustomerImporter {
    merge_duplicates: bool,
}

/// One row of a contacts file as [`read_row`] read it: everything that needs no journal,
/// so a large import can read rows on a second thread while SQLite writes on the first.
pub(super) struct ReadCustomer {
    line: usize,
    /// The customer, or why the row is left out.
    found: Result<RowCustomer, String>,
}

/// Reads the row at `line` of a contacts file with `mapping`.
pub(super) fn read_row(
    mapping: &ColumnMapping,
    now: NaiveDateTime,
    line: usize,
    cells: &csv::StringRecord,
) -> ReadCustomer {
    ReadCustomer {
        line,
        found: read_customer(cells, mapping, now),
    }
}

impl CustomerImporter {
    /// Starts importing into the transaction of `w`.
    pub(super) fn start(
        w: &mut BulkWriter<'_, '_>,
        options: &ImportOptions,
    ) -> Result<Self, StoreError> {
        w.start_customer_keys(|c| {
            duplicate_keys(&c.email, &c.phone)
                .into_iter()
                .flatten()
                .map(|(key, _)| key)
        })?;
        Ok(Self {
            merge_duplicates: options.merge_duplicates,
        })
    }

    /// The customer `draft` duplicates: the same e-mail address, else the same phone.
    fn duplicate_of(
        w: &BulkWriter<'_, '_>,
        draft: &CustomerDraft,
    ) -> Result<Option<(CustomerId, &'static str)>, StoreError> {
        for (key, matched_by) in duplicate_keys(&draft.email, &draft.phone)
            .into_iter()
            .flatten()
        {
            if let Some(id) = w.customer_with_key(&key)? {
                return Ok(Some((id, matched_by)));
            }
        }
        Ok(None)
    }

    fn remember(
        w: &BulkWriter<'_, '_>,
        draft: &CustomerDraft,
        id: CustomerId,
    ) -> Result<(), StoreError> {
        for (key, _) in duplicate_keys(&draft.email, &draft.phone)
            .into_iter()
            .flatten()
        {
            w.remember_customer_key(&key, id)?;
        }
        Ok(())
    }
}

impl RowWriter for CustomerImporter {
    type Row = ReadCustomer;

    /// Imports a row read by [`read_row`]: a customer added, merged, or left out with its
    /// reason.
    fn apply(
        &mut self,
        w: &mut BulkWriter<'_, '_>,
        row: ReadCustomer,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        let line = row.line;
        let found = match row.found {
            Ok(found) => found,
            Err(reason) => {
                summary.problems.push(RowProblem { line, reason });
                return Ok(());
            }
        };
        let draft = found.draft;
        let Some((id, matched_by)) = Self::duplicate_of(w, &draft)? else {
            if let Some(named_from) = found.named_from {
                summary.named.push(NamedCustomer {
                    line,
                    name: draft.name.clone(),
                    named_from,
                });
            }
            let id = w.add_customer(draft.clone(), found.created_at)?;
            Self::remember(w, &draft, id)?;
            summary.customers_added += 1;
            return Ok(());
        };
        let Some(existing) = w.customer(id)? else {
            // The keys only ever find customers in the journal; say so rather than lose a row.
            summary.problems.push(RowProblem {
                line,
                reason: "the customer it matches could not be found: import it again".to_owned(),
            });
            return Ok(());
        };
        summary.duplicates.push(DuplicateCustomer {
            line,
            name: draft.name.clone(),
            existing: existing.display_name(),
            matched_by,
            merged: self.merge_duplicates,
        });
        if !self.merge_duplicates {
            return Ok(());
        }
        let merged = match merged(&existing, &draft).validated() {
            Ok(merged) => merged,
            Err(e) => {
                summary.problems.push(RowProblem { line, reason: e.0 });
                return Ok(());
            }
        };
        Self::remember(w, &merged, id)?;
        w.update_customer(id, merged)?;
        summary.customers_merged += 1;
        Ok(())
    }
}

/// Imports the rows of a contacts file read whole; returns how many non-empty cells each
/// column has.
pub(super) fn import_customers(
    store: &mut Store,
    table: &Table,
    mapping: &ColumnMapping,
    options: &ImportOptions,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<Vec<usize>, ImportError> {
    let mut filled = vec![0; table.headers.len()];
    store.bulk_write(now, |w| {
        let mut importer = CustomerImporter::start(w, options)?;
        for (line, cells) in &table.rows {
            tally_filled(&mut filled, cells);
            importer.apply(w, read_row(mapping, now, *line, cells), summary)?;
        }
        Ok(())
    })?;
    Ok(filled)
}
/// What each preview row becomes under `mapping`, with where its name came from when the
/// row had none; or why the row would be left out.
pub fn preview_customers(
    rows: &[Vec<String>],
    mapping: &ColumnMapping,
) -> Vec<Result<MappedCustomer, String>> {
    // The created-at time is not shown; any time does.
    let now = NaiveDateTime::default();
    rows.iter()
        .map(|cells| {
            let record = csv::StringRecord::from(cells.clone());
            read_customer(&record, mapping, now).map(|c| MappedCustomer {
                customer: c.draft,
                named_from: c.named_from,
            })
        })
        .collect()
}

/// The summary's lines on customers named from what they had, columns not imported and
/// headers the file has twice.
pub(super) fn write_names_and_columns(
    summary: &ImportSummary,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    for source in ["nickname", "e-mail address", "phone number"] {
        let named: Vec<&NamedCustomer> = summary
            .named
            .iter()
            .filter(|n| n.named_from == source)
            .collect();
        if named.is_empty() {
            continue;
        }
        let count = match named.len() {
            1 => "1 customer had no name and was".to_owned(),
            n => format!("{n} customers had no name and were"),
        };
        writeln!(
            f,
            "{count} named from their {source} (check the name in the journal):"
        )?;
        for n in named {
            writeln!(f, "  line {}: {}", n.line, n.name)?;
        }
    }
    let (technical, not_imported): (Vec<&UnmappedColumn>, Vec<&UnmappedColumn>) = summary
        .columns_not_imported
        .iter()
        .filter(|c| c.values > 0)
        .partition(|c| c.technical);
    if !not_imported.is_empty() {
        let listed: Vec<String> = not_imported.iter().map(|c| c.describe()).collect();
        writeln!(
            f,
            "Columns not imported: {}. The import dialog can add them to the notes.",
            listed.join(", ")
        )?;
    }
    if !technical.is_empty() {
        let listed: Vec<&str> = technical.iter().map(|c| c.header.as_str()).collect();
        writeln!(
            f,
            "Outlook's own bookkeeping columns were not imported either: {}.",
            listed.join(", ")
        )?;
    }
    for duplicate in &summary.duplicate_headers {
        writeln!(f, "{duplicate}")?;
    }
    Ok(())
}
