//! Candor's own timeline report read back into a journal.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::domain::dates::{parse_datetime, parse_stored_date, parse_stored_datetime};
use crate::domain::entry::AtRisk;
use crate::domain::{
    BadNews, BadNewsKind, Cents, Channel, Contact, Currency, CustomerId, Direction, EntryDraft,
    EntryId, EntryKind, EntryKindTag, Feedback, Order, OrderStatus, Outcome, Payment, Problem,
    ProblemStatus, Promise, PromiseCategory, PromiseStatus, Renegotiation, RootCause, Snooze,
};
use crate::io::csv_text::unescape;
use crate::store::{BulkWriter, Store, StoreError};

use super::contacts::{CustomerIndex, customer_from_row, parse_yes_no, saved};
use super::mapping::{ColumnMapping, normalise_header};
use super::row_writer::RowWriter;
use super::table::Table;
use super::{ImportError, ImportSummary, RowProblem};

/// The cells of one timeline row, by column name.
struct TimelineRow<'a> {
    columns: &'a HashMap<String, usize>,
    cells: &'a csv::StringRecord,
    /// The journal's currency: an amount in another one is refused, never taken as is.
    currency: Option<Currency>,
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
        let amount = self
            .opt("amount")
            .map(|v| Cents::parse(v).map_err(|e| e.0))
            .transpose()?;
        if let (Some(_), Some(theirs), Some(ours)) = (amount, self.opt("currency"), self.currency)
            && !theirs.eq_ignore_ascii_case(ours.code())
        {
            return Err(format!(
                "the amount is in {theirs} but this journal keeps its amounts in {}: \
                 convert it first",
                ours.code()
            ));
        }
        Ok(amount)
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

/// Imports a timeline read whole into `table`: the rows are written as they are checked,
/// each row's text freed once it is in the journal.
pub(super) fn import_timeline(
    store: &mut Store,
    table: Table,
    mapping: &ColumnMapping,
    now: NaiveDateTime,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let (mut importer, mut reader) = TimelineImporter::new(store, &table.headers, mapping, now)?;
    store.bulk_write(now, |w: &mut BulkWriter<'_, '_>| {
        for (line, cells) in table.rows {
            importer.apply(w, reader.read(line, &cells), summary)?;
        }
        importer.finish(w, summary)
    })?;
    Ok(())
}

/// Reads timeline rows into what [`TimelineImporter::apply`] writes: everything about a
/// row that needs no journal (CSV cells to a customer draft and an entry draft, their
/// checks), so a large import can do it on a second thread while SQLite writes on the first.
pub(super) struct RowReader<'m> {
    columns: HashMap<String, usize>,
    mapping: &'m ColumnMapping,
    now: NaiveDateTime,
    /// The journal's currency: an amount in another one is refused, never taken as is.
    currency: Option<Currency>,
    /// The columns a row's customer is read from ([`ColumnMapping::customer_columns`]).
    customer_columns: Vec<usize>,
    /// The customer each set of customer cells seen so far gave (a number the writer knows
    /// it by), or why it gave none: a customer's cells repeat on every one of their entries,
    /// and reading them again (names, e-mail and phone checks, the duplicate search) was a
    /// fifth of an import's time.
    customer_of_cells: HashMap<String, Result<u64, String>>,
    /// The key of `customer_of_cells` being built, its buffer reused from row to row.
    cells_key: String,
    next_customer: u64,
    /// `customer_of_cells` was emptied since the last row given to the writer.
    forgot: bool,
}

/// One timeline row as [`RowReader::read`] found it.
// Nearly every row is the large variant: a box would cost one allocation per row, freed on
// the writing thread.
#[allow(clippy::large_enum_variant)]
pub(super) enum ReadRow {
    /// Left out before any writing: why, at which line.
    Problem(RowProblem),
    /// A row whose customer is known (or new).
    Entry(ReadEntry),
}

/// A row with a customer: the entry to write, or why not.
pub(super) struct ReadEntry {
    line: usize,
    /// The number [`RowReader`] gave this row's set of customer cells.
    customer: u64,
    /// The customer read from the cells, the first time they are met.
    new_customer: Option<(crate::domain::CustomerDraft, NaiveDateTime)>,
    /// Every number given before this row is forgotten: it will not be met again.
    forget_customers: bool,
    /// The entry (its customer not set yet), the old id of the entry it relates to and its
    /// own old id; or why the row is left out.
    entry: Result<(EntryDraft, Option<i64>, Option<i64>), String>,
}

impl<'m> RowReader<'m> {
    fn new(
        headers: &[String],
        mapping: &'m ColumnMapping,
        now: NaiveDateTime,
        currency: Option<Currency>,
    ) -> Self {
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (normalise_header(h), i))
            .collect();
        Self {
            columns,
            mapping,
            now,
            currency,
            customer_columns: mapping.customer_columns(),
            customer_of_cells: HashMap::new(),
            cells_key: String::new(),
            next_customer: 0,
            forgot: false,
        }
    }

    /// Reads and checks one row of the file (at `line`).
    pub(super) fn read(&mut self, line: usize, cells: &csv::StringRecord) -> ReadRow {
        use std::fmt::Write as _;
        self.cells_key.clear();
        for column in &self.customer_columns {
            let cell = cells.get(*column).unwrap_or_default();
            // Each cell after its length, so no two sets of cells give the same key.
            let _ = write!(self.cells_key, "{}:", cell.len());
            self.cells_key.push_str(cell);
        }
        let (customer, new_customer) = match self.customer_of_cells.get(&self.cells_key) {
            Some(Ok(customer)) => (*customer, None),
            Some(Err(reason)) => {
                return ReadRow::Problem(RowProblem {
                    line,
                    reason: reason.clone(),
                });
            }
            None => {
                let found = customer_from_row(cells, self.mapping, self.now);
                if self.customer_of_cells.len() >= CUSTOMERS_REMEMBERED {
                    self.customer_of_cells.clear();
                    self.forgot = true;
                }
                let number = self.next_customer;
                self.next_customer += 1;
                self.customer_of_cells.insert(
                    self.cells_key.clone(),
                    found.as_ref().map(|_| number).map_err(String::clone),
                );
                match found {
                    Ok(draft) => (number, Some(draft)),
                    Err(reason) => return ReadRow::Problem(RowProblem { line, reason }),
                }
            }
        };
        let row = TimelineRow {
            columns: &self.columns,
            cells,
            currency: self.currency,
        };
        // The customer is set when the writer knows it (a draft does not check it).
        let entry = entry_from_row(&row, CustomerId(0), self.now).map(|(draft, related)| {
            let old_id = row.number::<i64>("entry_id").ok().flatten();
            (draft, related, old_id)
        });
        ReadRow::Entry(ReadEntry {
            line,
            customer,
            new_customer,
            forget_customers: std::mem::take(&mut self.forgot),
            entry,
        })
    }
}

/// Writes timeline rows into the journal one at a time, inside the one transaction of a
/// [`Store::bulk_write`], so a file of any length is never held whole.
pub(super) struct TimelineImporter {
    index: CustomerIndex,
    /// What is already in the journal: content key -> ids of the entries with that content.
    /// Two entries may share their content (two calls in the same minute), so each row of
    /// the file consumes at most one of them: importing a file twice adds nothing, and twin
    /// rows in a file are both kept.
    present: HashMap<u64, Vec<i64>>,
    /// Old entry id (the file's `entry_id`) -> id in this journal, for rows added or
    /// already present, so bad news can find the entry it relates to.
    ids: HashMap<i64, EntryId>,
    /// When set, only these old ids are kept in `ids`: no other row can need them.
    referenced: Option<std::collections::HashSet<i64>>,
    /// Bad news whose related entry is not known yet (it may come later in the file):
    /// written at the end. (old id, draft, old id of the related entry)
    deferred: Vec<(Option<i64>, EntryDraft, i64)>,
    /// The customer of each set of customer cells [`RowReader`] numbered (and remembers).
    customer_ids: HashMap<u64, CustomerId>,
}

/// How many sets of customer cells [`RowReader`] remembers before it starts afresh: a file
/// of a hundred thousand customers or more does not hold them all.
const CUSTOMERS_REMEMBERED: usize = 65_536;

impl TimelineImporter {
    /// Reads what the import needs to know of the journal first: its customers, currency
    /// and the content of every entry. Returns the importer and the reader of its rows.
    pub(super) fn new<'m>(
        store: &Store,
        headers: &[String],
        mapping: &'m ColumnMapping,
        now: NaiveDateTime,
    ) -> Result<(Self, RowReader<'m>), ImportError> {
        let index = CustomerIndex::new(store.customers()?);
        let currency = store.money_format()?.currency;
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
        let importer = Self {
            index,
            present,
            ids: HashMap::new(),
            referenced: None,
            deferred: Vec::new(),
            customer_ids: HashMap::new(),
        };
        Ok((importer, RowReader::new(headers, mapping, now, currency)))
    }

    /// Keeps the new ids of only the entries whose old id is in `referenced` (every one
    /// when `None`): a million-row file need not hold a million ids.
    pub(super) fn remember_only(&mut self, referenced: Option<std::collections::HashSet<i64>>) {
        self.referenced = referenced;
    }

    fn remember(&mut self, old: i64, id: EntryId) {
        if self.referenced.as_ref().is_none_or(|r| r.contains(&old)) {
            self.ids.insert(old, id);
        }
    }

    fn add(
        &mut self,
        w: &mut BulkWriter<'_, '_>,
        old_id: Option<i64>,
        mut draft: EntryDraft,
        related: Option<i64>,
    ) -> Result<(), StoreError> {
        if let EntryKind::BadNews(news) = &mut draft.kind {
            news.related = related.and_then(|old| self.ids.get(&old).copied());
        }
        let id = w.add_entry(draft)?;
        if let Some(old) = old_id {
            self.remember(old, id);
        }
        Ok(())
    }
}

impl RowWriter for TimelineImporter {
    type Row = ReadRow;

    /// Writes one row read by [`RowReader::read`] (rows in the order of the file): a new
    /// customer and the entry, or the reason it is left out, in `summary`.
    fn apply(
        &mut self,
        w: &mut BulkWriter<'_, '_>,
        read: ReadRow,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        let read = match read {
            ReadRow::Problem(problem) => {
                summary.problems.push(problem);
                return Ok(());
            }
            ReadRow::Entry(read) => read,
        };
        let line = read.line;
        if read.forget_customers {
            self.customer_ids.clear();
        }
        let customer_id = match read.new_customer {
            Some((draft, created_at)) => {
                let id = match self.index.find(&draft) {
                    Some(id) => id,
                    None => {
                        let id = w.add_customer(draft.clone(), created_at)?;
                        self.index.insert(saved(id, &draft, created_at));
                        summary.customers_added += 1;
                        id
                    }
                };
                self.customer_ids.insert(read.customer, id);
                id
            }
            None => match self.customer_ids.get(&read.customer) {
                Some(id) => *id,
                // The reader gives a customer's draft with the first row of their cells.
                None => {
                    return Err(StoreError::NotFound {
                        what: "the customer of a row",
                    });
                }
            },
        };
        let (mut draft, related, old_id) = match read.entry {
            Ok(found) => found,
            Err(reason) => {
                summary.problems.push(RowProblem { line, reason });
                return Ok(());
            }
        };
        draft.customer_id = customer_id;
        if !self.present.is_empty() {
            let key = entry_key(
                customer_id,
                &crate::domain::dates::format_datetime(draft.occurred_at),
                draft.kind.tag().code(),
                &draft.summary,
            );
            if let Some(existing) = self.present.get_mut(&key).and_then(Vec::pop) {
                summary.entries_already_present += 1;
                summary.left_out.push(RowProblem {
                    line,
                    reason: "the entry is already in the journal".to_owned(),
                });
                if let Some(old) = old_id {
                    self.remember(old, EntryId(existing));
                }
                return Ok(());
            }
        }
        match related {
            Some(related) if !self.ids.contains_key(&related) => {
                self.deferred.push((old_id, draft, related));
            }
            _ => {
                self.add(w, old_id, draft, related)?;
                summary.entries_added += 1;
            }
        }
        Ok(())
    }

    /// Writes the bad news whose related entry came later in the file (or never).
    fn finish(
        &mut self,
        w: &mut BulkWriter<'_, '_>,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        for (old_id, draft, related) in std::mem::take(&mut self.deferred) {
            self.add(w, old_id, draft, Some(related))?;
            summary.entries_added += 1;
        }
        Ok(())
    }
}
