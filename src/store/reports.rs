//! Queries for CSV reports and imports: entries streamed as raw cells (no sorting, no
//! parsing, for the fast timeline export), promises made in a period, open-item totals and
//! the first bad news delivered about each entry.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::ValueRef;
use rusqlite::{OptionalExtension, Row, params};

use super::entry_row::{SELECT_COLUMNS, get_datetime, read_entry, read_promise};
use super::{Result, Store};
use crate::domain::dates::{format_datetime, parse_stored_date};
use crate::domain::{CustomerId, Entry, EntryId, EntryKindTag, Promise};

/// Reports leave out the entries of customers in the trash, as the lists do. Customers in
/// the trash are few, so SQLite builds this set once per query.
/// Reports that read the whole table (or a period of it, which no index finds without a
/// kind) name `NOT INDEXED`: SQLite otherwise walks the partial `entries_by_kind_time`
/// (schema 10, whose condition `deleted_at IS NULL` every report repeats) and looks each
/// row up in the table, a random read per row: the timeline export of the 10k / 1M journal
/// took 3.3 s in SQLite instead of 0.37 s for one pass in storage order (issue 14).
const NOT_OF_DELETED_CUSTOMERS: &str =
    "AND customer_id NOT IN (SELECT id FROM customers WHERE deleted_at IS NOT NULL)";

/// The promises made in a period as the promises report shows them
/// ([`Store::promises_report`]).
#[derive(Debug)]
pub struct PromisesMade {
    /// Oldest first, ties by id.
    pub promises: Vec<Entry>,
    /// When the first bad news about each entry was delivered.
    pub first_bad_news: HashMap<EntryId, NaiveDateTime>,
    /// Each customer's name and company (customers not in the trash).
    pub names: HashMap<CustomerId, (String, String)>,
}

/// Promises as the reports that count them per customer read them: (entry, customer,
/// promise).
pub type PromisesOfCustomers = Vec<(EntryId, CustomerId, Promise)>;

/// One stored entry as the text and numbers of its row, borrowed from SQLite while it is
/// visited. Codes are the stable codes of the domain enums.
#[derive(Debug, Clone, Copy, Default)]
pub struct EntryCells<'a> {
    pub id: i64,
    pub customer_id: i64,
    pub kind: &'a str,
    pub occurred_at: &'a str,
    pub summary: &'a str,
    pub channel: Option<&'a str>,
    pub direction: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub duration_mins: Option<i64>,
    pub category: Option<&'a str>,
    pub status: Option<&'a str>,
    pub due_date: Option<&'a str>,
    pub closed_on: Option<&'a str>,
    pub at_risk_since: Option<&'a str>,
    pub risk_reason: Option<&'a str>,
    pub status_changed_at: Option<&'a str>,
    /// The renegotiation history as stored (a JSON array), for promises.
    pub renegotiations: Option<&'a str>,
    pub related_id: Option<i64>,
    pub proactive: Option<bool>,
    pub owner: Option<&'a str>,
    pub root_cause: Option<&'a str>,
    pub prevention: Option<&'a str>,
    pub amount_cents: Option<i64>,
    pub invoice_ref: Option<&'a str>,
    pub rating: Option<i64>,
    pub snooze_until: Option<&'a str>,
}

/// The columns [`read_cells`] reads: [`SELECT_COLUMNS`] without the bookkeeping times.
const CELL_COLUMNS: &str = "id, customer_id, kind, occurred_at, summary, channel, \
    direction, outcome, duration_mins, category, status, due_date, closed_on, at_risk_since, \
    risk_reason, status_changed_at, renegotiations, related_id, proactive, owner, root_cause, \
    prevention, amount_cents, invoice_ref, rating, snooze_until";

fn text<'a>(row: &'a Row<'_>, column: usize) -> rusqlite::Result<Option<&'a str>> {
    match row.get_ref(column)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map(Some).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                column,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        }),
        other => Err(rusqlite::Error::InvalidColumnType(
            column,
            String::new(),
            other.data_type(),
        )),
    }
}

/// The position of `name` in a comma-separated column list (0 when absent, which the
/// tests of the callers would catch).
fn column_index(columns: &str, name: &str) -> usize {
    columns
        .split(',')
        .position(|column| column.trim() == name)
        .unwrap_or_default()
}

fn int(row: &Row<'_>, column: usize) -> rusqlite::Result<Option<i64>> {
    row.get(column)
}

fn read_cells<'a>(row: &'a Row<'_>) -> rusqlite::Result<EntryCells<'a>> {
    Ok(EntryCells {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        kind: text(row, 2)?.unwrap_or_default(),
        occurred_at: text(row, 3)?.unwrap_or_default(),
        summary: text(row, 4)?.unwrap_or_default(),
        channel: text(row, 5)?,
        direction: text(row, 6)?,
        outcome: text(row, 7)?,
        duration_mins: int(row, 8)?,
        category: text(row, 9)?,
        status: text(row, 10)?,
        due_date: text(row, 11)?,
        closed_on: text(row, 12)?,
        at_risk_since: text(row, 13)?,
        risk_reason: text(row, 14)?,
        status_changed_at: text(row, 15)?,
        renegotiations: text(row, 16)?,
        related_id: int(row, 17)?,
        proactive: int(row, 18)?.map(|v| v != 0),
        owner: text(row, 19)?,
        root_cause: text(row, 20)?,
        prevention: text(row, 21)?,
        amount_cents: int(row, 22)?,
        invoice_ref: text(row, 23)?,
        rating: int(row, 24)?,
        snooze_until: text(row, 25)?,
    })
}

/// Open items of one customer, summed for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenTotals {
    pub open_promises: u32,
    pub open_problems: u32,
    /// Unpaid invoices past their due date, in cents.
    pub overdue_cents: i64,
}

/// Every entry not in the trash within a period (`?1..=?2`) with an id in `?3 < id <= ?4`,
/// as raw cells, in one pass over that part of the table.
fn entry_cells_sql() -> String {
    format!(
        "SELECT {CELL_COLUMNS} FROM entries NOT INDEXED WHERE deleted_at IS NULL \
         AND occurred_at >= ?1 AND occurred_at <= ?2 AND id > ?3 AND id <= ?4 \
         {NOT_OF_DELETED_CUSTOMERS}"
    )
}

/// Every entry's id is in `ids.0 < id <= ids.1` of one of these.
pub type IdHalves = [(i64, i64); 2];

/// The promises made in a period (`?1..=?2`) and every bad news about an entry, among the
/// entries with ids in `?3 < id <= ?4`, in one pass over that part of the table.
fn promises_and_bad_news_sql() -> String {
    format!(
        "SELECT {SELECT_COLUMNS} FROM entries NOT INDEXED \
         WHERE ((kind = 'promise' AND occurred_at >= ?1 AND occurred_at <= ?2) \
           OR (kind = 'bad_news' AND related_id IS NOT NULL)) \
         AND deleted_at IS NULL AND id > ?3 AND id <= ?4 {NOT_OF_DELETED_CUSTOMERS}"
    )
}

/// The promises made in a period (`?1..=?2`, or `?1..?2` without `through`), found through
/// the index on (kind, time): for a period holding few of them (see
/// [`FEW_PROMISES_PER_ENTRY`]).
fn promises_in_period_sql(through: bool) -> String {
    let before = if through { "<=" } else { "<" };
    format!(
        "SELECT {SELECT_COLUMNS} FROM entries INDEXED BY entries_by_kind_time \
         WHERE kind = 'promise' AND deleted_at IS NULL \
         AND occurred_at >= ?1 AND occurred_at {before} ?2 {NOT_OF_DELETED_CUSTOMERS}"
    )
}

/// The time of the promise at position `?3` (from 0) among those made in `?1..=?2`, oldest
/// first, read from the index on (kind, time) alone.
const PROMISE_TIME_AT_SQL: &str = "SELECT occurred_at FROM entries INDEXED BY entries_by_kind_time \
     WHERE kind = 'promise' AND deleted_at IS NULL AND occurred_at >= ?1 AND occurred_at <= ?2 \
     ORDER BY occurred_at LIMIT 1 OFFSET ?3";

/// When the first bad news about each entry was delivered, from the covering index of bad
/// news about an entry (`entries_bad_news_about`), with the same entries as the pass.
fn first_bad_news_sql() -> String {
    format!(
        "SELECT related_id, MIN(occurred_at) FROM entries INDEXED BY entries_bad_news_about \
         WHERE kind = 'bad_news' AND related_id IS NOT NULL AND deleted_at IS NULL \
         {NOT_OF_DELETED_CUSTOMERS} GROUP BY related_id"
    )
}

/// A period with at most one promise for this many entries is read through the index on
/// (kind, time) instead of by one pass over the table. Through the index each promise costs
/// a read of its own page, and promises lie on nearly every page, so past a point the pass
/// is quicker. Measured in the sqlite3 shell on the 10k / 1M journal (every column of the
/// promises, 2026-12-04): a month, 5,050 promises, 0.06 s through the index against 0.14 s
/// for the pass; half a year, 30,179, 0.10 s against 0.14 s; a year, 60,222, 0.20 s against
/// 0.18 s; every promise, 119,892, 0.45 s against 0.28 s.
const FEW_PROMISES_PER_ENTRY: i64 = 25;

/// How the promises of a period are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PromiseRead {
    /// One pass over the table, in two halves on two connections.
    Pass,
    /// The period's promises through the index, the first bad news through theirs;
    /// `promises` is about how many the period holds (where to split it in two; the
    /// promises of customers in the trash are counted too).
    Index { promises: i64 },
}

impl PromiseRead {
    /// Whether the period holds no promise at all, none in the trash either (counted in
    /// the same statement as the rest of the count, one moment of the journal).
    fn is_empty(&self) -> bool {
        matches!(self, PromiseRead::Index { promises: 0 })
    }
}

impl Store {
    /// Visits every entry not in the trash whose time is within `from..=to`, in storage
    /// order (not time order: sorting a million rows is the caller's choice), as raw cells.
    /// Stops at the first error `visit` returns and hands it back.
    pub fn for_each_entry_cells<E>(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        visit: impl FnMut(&EntryCells<'_>) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<(), E>> {
        self.for_each_entry_cells_in(from, to, (i64::MIN, i64::MAX), visit)
    }

    /// Two ranges of ids that split the entries in halves, for a pass over every entry made
    /// by two connections at once ([`Store::read_on_two_connections`]). Both ends are open:
    /// an entry written since is in the second.
    pub fn entry_id_halves(&self) -> Result<IdHalves> {
        self.id_halves("SELECT COALESCE(MAX(id), 0) FROM entries")
    }

    /// [`Self::for_each_entry_cells`] over the entries with ids in `ids.0 < id <= ids.1`.
    pub fn for_each_entry_cells_in<E>(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        ids: (i64, i64),
        mut visit: impl FnMut(&EntryCells<'_>) -> std::result::Result<(), E>,
    ) -> Result<std::result::Result<(), E>> {
        let fail = self.fail();
        let mut statement = self.conn.prepare(&entry_cells_sql()).map_err(&fail)?;
        let mut rows = statement
            .query(params![
                format_datetime(from),
                format_datetime(to),
                ids.0,
                ids.1
            ])
            .map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let cells = read_cells(row).map_err(&fail)?;
            if let Err(e) = visit(&cells) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// Every promise made (entered) within `from..=to`, not in the trash, oldest first.
    pub fn promises_made(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<Vec<Entry>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SELECT_COLUMNS} FROM entries WHERE kind = 'promise' \
                 AND deleted_at IS NULL AND occurred_at >= ?1 AND occurred_at <= ?2 \
                 {NOT_OF_DELETED_CUSTOMERS} ORDER BY occurred_at, id"
            ))
            .map_err(self.fail())?;
        statement
            .query_map([format_datetime(from), format_datetime(to)], read_entry)
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// What the promises report shows, read in one snapshot of the journal: the promises
    /// made within `from..=to` as [`Store::promises_made`] gives them, the first bad news
    /// about each entry ([`Store::first_bad_news_about`]) and the name and company of every
    /// customer ([`Store::customer_names`]). Neither the promises of a long period nor the
    /// first bad news have an index that spares reading the whole table (they are scattered
    /// through it, and seeking them customer by customer measured slower than one
    /// sequential pass), so both come from one pass (see
    /// [`Self::read_promises_and_first_bad_news`]). A short period's promises are read
    /// through the index instead, half on each connection; the names follow the first
    /// half (for one month of the 10k / 1M journal they are about a fifth of the report's
    /// time, which is why they are not read before the promises, on one connection).
    pub fn promises_report(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<PromisesMade> {
        let how = self.how_to_read_promises(from, to)?;
        if how.is_empty() {
            // Nothing to name or to look up: reading every customer's name and every first
            // bad news cost an empty period four times what the count did (issue 14).
            return Ok(PromisesMade {
                promises: Vec::new(),
                first_bad_news: HashMap::new(),
                names: HashMap::new(),
            });
        }
        let (mut promises, first_bad_news, names) =
            self.read_promises_and_first_bad_news(from, to, how, read_entry, |store| {
                store.customer_names()
            })?;
        // The order `promises_made` gives: oldest first, ties by id.
        promises.sort_by_key(|entry| (entry.occurred_at, entry.id.0));
        Ok(PromisesMade {
            promises,
            first_bad_news,
            names,
        })
    }

    /// Like [`Store::promises_report`], for reports that count promises per
    /// customer: each promise's id, customer and promise only (no summary, no times of the
    /// entry), in no particular order.
    pub fn promise_counts_and_first_bad_news(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<(PromisesOfCustomers, HashMap<EntryId, NaiveDateTime>)> {
        let how = self.how_to_read_promises(from, to)?;
        if how.is_empty() {
            return Ok((Vec::new(), HashMap::new()));
        }
        let read = |row: &Row<'_>| {
            Ok((
                EntryId(row.get(0)?),
                CustomerId(row.get(1)?),
                read_promise(row)?,
            ))
        };
        let (promises, first_bad_news, ()) =
            self.read_promises_and_first_bad_news(from, to, how, read, |_| Ok(()))?;
        Ok((promises, first_bad_news))
    }

    /// [`PromiseRead::Index`] when the period holds at most one promise for
    /// [`FEW_PROMISES_PER_ENTRY`] entries of the journal. Counting them reads the index on
    /// (kind, time) alone, about a millisecond per 20,000 promises.
    fn how_to_read_promises(&self, from: NaiveDateTime, to: NaiveDateTime) -> Result<PromiseRead> {
        let (promises, entries): (i64, i64) = self
            .conn
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM entries INDEXED BY entries_by_kind_time \
                   WHERE kind = 'promise' AND deleted_at IS NULL \
                   AND occurred_at >= ?1 AND occurred_at <= ?2), \
                 (SELECT COALESCE(MAX(id), 0) FROM entries) \
                   - (SELECT COALESCE(MIN(id), 1) FROM entries) + 1",
            )
            .and_then(|mut statement| {
                statement.query_row(params![format_datetime(from), format_datetime(to)], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
            })
            .map_err(self.fail())?;
        Ok(
            if promises.saturating_mul(FEW_PROMISES_PER_ENTRY) <= entries {
                PromiseRead::Index { promises }
            } else {
                PromiseRead::Pass
            },
        )
    }

    /// `read` of every promise made within `from..=to`, when the first bad news about each
    /// entry was delivered, and what `also` reads, all in one snapshot.
    ///
    /// In a pass over the table the kind is tested first: SQLite tests the conditions of a
    /// scan in the order written, and `kind` is the row's third column while `deleted_at`
    /// is its last, so most of the million rows are passed over after reading three
    /// columns instead of thirty (about 40 % less CPU for the scan in the sqlite3 shell).
    ///
    /// The table is read in two halves by id, at once, on two connections in one snapshot
    /// ([`Store::read_on_two_connections`]): the pass is most of the customers and promises
    /// reports' time, and one core read it while the other waited (issue 14). The promises
    /// come in the order of their ids, as from one pass.
    ///
    /// A short period (a month of a large journal) is read through indexes instead
    /// ([`FEW_PROMISES_PER_ENTRY`]): its promises through the index on (kind, time), the
    /// first bad news through the covering index of bad news about an entry. The promises
    /// are split in two at the time of the middle one, each half read on its own
    /// connection: each costs a random read of the table, and on one connection they were
    /// most of a one-month report's time (issue 14). The first half is followed by `also`,
    /// the second by the bad news. In a pass `also` runs on this connection after its half.
    fn read_promises_and_first_bad_news<T: Send, X: Send>(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        how: PromiseRead,
        read: impl Fn(&Row<'_>) -> rusqlite::Result<T> + Sync,
        also: impl FnOnce(&Store) -> Result<X> + Send,
    ) -> Result<(Vec<T>, HashMap<EntryId, NaiveDateTime>, X)> {
        if let PromiseRead::Index { promises } = how {
            let (from, to) = (format_datetime(from), format_datetime(to));
            // Without a middle promise (none in the period) the first half is all of it.
            let middle = self
                .promise_time_at(&from, &to, promises / 2)?
                .unwrap_or(to.clone());
            let ((mut promises, also), (later, first_bad_news)) = self.read_on_two_connections(
                |store| {
                    Ok((
                        store.promises_in_period(&from, &middle, false, &read)?,
                        also(store)?,
                    ))
                },
                |store| {
                    let later = store.promises_in_period(&middle, &to, true, &read)?;
                    Ok((later, store.first_bad_news_about()?))
                },
            )?;
            promises.extend(later);
            return Ok((promises, first_bad_news, also));
        }
        let [first, second] = self.entry_id_halves()?;
        let (((mut promises, mut first_bad_news), also), (later, later_bad_news)) = self
            .read_on_two_connections(
                |store| {
                    Ok((
                        store.scan_promises_in(from, to, first, &read)?,
                        also(store)?,
                    ))
                },
                |store| store.scan_promises_in(from, to, second, &read),
            )?;
        promises.extend(later);
        for (about, at) in later_bad_news {
            first_bad_news
                .entry(about)
                .and_modify(|first| *first = (*first).min(at))
                .or_insert(at);
        }
        Ok((promises, first_bad_news, also))
    }

    /// `read` of every promise made within `from..=to` (`from..to` without `through`),
    /// times as stored, through the index on (kind, time).
    fn promises_in_period<T>(
        &self,
        from: &str,
        to: &str,
        through: bool,
        read: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        self.conn
            .prepare_cached(&promises_in_period_sql(through))
            .and_then(|mut statement| {
                statement
                    .query_map(params![from, to], |row| read(row))?
                    .collect()
            })
            .map_err(self.fail())
    }

    /// The time (as stored) of the promise at `position` (from 0) among those made within
    /// `from..=to`, oldest first; `None` past the last.
    fn promise_time_at(&self, from: &str, to: &str, position: i64) -> Result<Option<String>> {
        self.conn
            .prepare_cached(PROMISE_TIME_AT_SQL)
            .and_then(|mut statement| {
                statement
                    .query_row(params![from, to, position], |row| row.get(0))
                    .optional()
            })
            .map_err(self.fail())
    }

    /// [`Self::read_promises_and_first_bad_news`]'s pass over the entries with ids in
    /// `ids.0 < id <= ids.1`.
    fn scan_promises_in<T>(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        ids: (i64, i64),
        read: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<(Vec<T>, HashMap<EntryId, NaiveDateTime>)> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(&promises_and_bad_news_sql())
            .map_err(&fail)?;
        let mut rows = statement
            .query(params![
                format_datetime(from),
                format_datetime(to),
                ids.0,
                ids.1
            ])
            .map_err(&fail)?;
        let kind_column = column_index(SELECT_COLUMNS, "kind");
        let time_column = column_index(SELECT_COLUMNS, "occurred_at");
        let related_column = column_index(SELECT_COLUMNS, "related_id");
        let mut promises = Vec::new();
        let mut first_bad_news: HashMap<EntryId, NaiveDateTime> = HashMap::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            if text(row, kind_column).map_err(&fail)? == Some("bad_news") {
                let Some(about) = int(row, related_column).map_err(&fail)? else {
                    continue;
                };
                let at = get_datetime(row, time_column).map_err(&fail)?;
                first_bad_news
                    .entry(EntryId(about))
                    .and_modify(|first| *first = (*first).min(at))
                    .or_insert(at);
            } else {
                promises.push(read(row).map_err(&fail)?);
            }
        }
        Ok((promises, first_bad_news))
    }

    /// For every entry some bad news was delivered about, when the first such news was
    /// delivered (bad news of customers in the trash left out, as the reports leave them).
    pub fn first_bad_news_about(&self) -> Result<HashMap<EntryId, NaiveDateTime>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(&first_bad_news_sql())
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        let mut out = HashMap::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            let id: i64 = row.get(0).map_err(&fail)?;
            out.insert(EntryId(id), get_datetime(row, 1).map_err(&fail)?);
        }
        Ok(out)
    }

    /// Open promises, open problems and overdue unpaid amounts per customer, as of `today`.
    pub fn open_totals(&self, today: NaiveDate) -> Result<HashMap<CustomerId, OpenTotals>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT customer_id, kind, due_date, amount_cents FROM entries \
                 WHERE is_open = 1 AND deleted_at IS NULL",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        let mut out: HashMap<CustomerId, OpenTotals> = HashMap::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            let customer = CustomerId(row.get(0).map_err(&fail)?);
            let kind = text(row, 1).map_err(&fail)?.unwrap_or_default();
            let totals = out.entry(customer).or_default();
            match EntryKindTag::from_code(kind) {
                Some(EntryKindTag::Promise) => totals.open_promises += 1,
                Some(EntryKindTag::Problem) => totals.open_problems += 1,
                Some(EntryKindTag::Payment) => {
                    let due = text(row, 2).map_err(&fail)?.and_then(parse_stored_date);
                    if due.is_some_and(|due| today > due) {
                        totals.overdue_cents += int(row, 3).map_err(&fail)?.unwrap_or_default();
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::{
        BadNews, BadNewsKind, CustomerDraft, EntryDraft, EntryKind, PromiseCategory, PromiseStatus,
    };

    fn at(day: &str) -> NaiveDateTime {
        NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    /// Two years of a small journal: each of four customers gets a note every day and a
    /// promise every ninth day (kept, broken or open); two promises in three get bad news
    /// about them, three days after it was made (before its due date), and half of those
    /// again after its due date; then one promise, one bad news and one customer go to the
    /// trash.
    fn two_years() -> Store {
        let mut store = Store::open_in_memory().unwrap();
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let customers = store
            .bulk_write(at("2025-01-01"), |w| {
                let mut customers = Vec::new();
                for name in ["Ada", "Ben", "Cleo", "Dev"] {
                    let customer = w.add_customer(CustomerDraft::named(name), at("2025-01-01"))?;
                    customers.push(customer);
                }
                for day in 0..730 {
                    let date = start + chrono::Days::new(day);
                    let when = date.and_hms_opt(9, 0, 0).unwrap();
                    for (n, &customer) in customers.iter().enumerate() {
                        w.add_entry(EntryDraft {
                            customer_id: customer,
                            occurred_at: when,
                            summary: "Called".to_owned(),
                            kind: EntryKind::Note,
                        })?;
                        if !(day + n as u64).is_multiple_of(9) {
                            continue;
                        }
                        let due = date + chrono::Days::new(14);
                        let mut promise = crate::domain::Promise::new(due, PromiseCategory::Other);
                        let round = day / 9;
                        promise.status = match round % 3 {
                            0 => PromiseStatus::Kept(due),
                            1 => PromiseStatus::Broken(due + chrono::Days::new(2)),
                            _ => PromiseStatus::Open,
                        };
                        let id = w.add_entry(EntryDraft {
                            customer_id: customer,
                            occurred_at: when,
                            summary: "Quote by the 14th".to_owned(),
                            kind: EntryKind::Promise(promise),
                        })?;
                        for later in [3, 20].into_iter().take(((round + 1) % 3) as usize) {
                            w.add_entry(EntryDraft {
                                customer_id: customer,
                                occurred_at: (date + chrono::Days::new(later))
                                    .and_hms_opt(11, 0, 0)
                                    .unwrap(),
                                summary: "The quote is late".to_owned(),
                                kind: EntryKind::BadNews(BadNews {
                                    about: BadNewsKind::Delay,
                                    related: Some(id),
                                    proactive: true,
                                }),
                            })?;
                        }
                    }
                }
                Ok(customers)
            })
            .unwrap();
        let promise = |store: &Store, kind: &str, skip: i64| -> EntryId {
            EntryId(
                store
                    .conn
                    .query_row(
                        "SELECT id FROM entries WHERE kind = ?1 AND customer_id = ?2 \
                         ORDER BY id LIMIT 1 OFFSET ?3",
                        params![kind, customers[0].0, skip],
                        |row| row.get(0),
                    )
                    .unwrap(),
            )
        };
        let trashed_promise = promise(&store, "promise", 40);
        let trashed_news = promise(&store, "bad_news", 7);
        store
            .delete_entry(trashed_promise, at("2027-01-01"))
            .unwrap();
        store.delete_entry(trashed_news, at("2027-01-01")).unwrap();
        store
            .delete_customer(customers[3], at("2027-01-01"))
            .unwrap();
        store
    }

    type Counted = (Vec<(i64, i64, String)>, Vec<(i64, NaiveDateTime)>);

    /// The promises (id, customer, promise) and first bad news `how` reads, in id order.
    fn read_as(store: &Store, from: &str, to: &str, how: PromiseRead) -> Counted {
        let (mut promises, news, ()) = store
            .read_promises_and_first_bad_news(
                at(from),
                at(to),
                how,
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        format!("{:?}", read_promise(row)?),
                    ))
                },
                |_| Ok(()),
            )
            .unwrap();
        promises.sort();
        let mut news: Vec<_> = news.into_iter().map(|(id, when)| (id.0, when)).collect();
        news.sort();
        (promises, news)
    }

    #[test]
    fn a_period_read_through_the_indexes_gives_what_the_pass_gives() {
        let store = two_years();
        for (from, to) in [
            ("2025-03-01", "2025-03-31"),
            ("2026-12-24", "2027-01-10"),
            ("2025-01-01", "2026-12-31"),
            ("2024-01-01", "2024-12-31"),
        ] {
            let pass = read_as(&store, from, to, PromiseRead::Pass);
            // Split anywhere, before the first promise and past the last included.
            for promises in [0, 1, 2, 40, 150, 330, 1_000_000] {
                let index = read_as(&store, from, to, PromiseRead::Index { promises });
                assert_eq!(index, pass, "{from}..{to} split at {}", promises / 2);
            }
        }
        // The fixture holds what the comparison is about.
        let (promises, news) = read_as(&store, "2025-01-01", "2026-12-31", PromiseRead::Pass);
        assert!(promises.len() > 200, "{}", promises.len());
        assert!(news.len() > 50, "{}", news.len());
        assert!(
            !read_as(
                &store,
                "2025-03-01",
                "2025-03-31",
                PromiseRead::Index { promises: 80 }
            )
            .0
            .is_empty()
        );
    }

    #[test]
    fn a_short_period_is_read_through_the_index_and_a_long_one_in_one_pass() {
        let store = two_years();
        let how = |from, to| store.how_to_read_promises(at(from), at(to)).unwrap();
        // A handful of promises among ~4,000 entries in two weeks; ~320 in two years. The
        // count says where to split the read; it includes the promises of the customer in
        // the trash (two in this fortnight), which the read then leaves out.
        let fortnight = read_as(&store, "2025-03-01", "2025-03-14", PromiseRead::Pass).0;
        assert!(!fortnight.is_empty());
        assert_eq!(
            how("2025-03-01", "2025-03-14"),
            PromiseRead::Index {
                promises: i64::try_from(fortnight.len()).unwrap() + 2
            }
        );
        assert_eq!(how("2025-01-01", "2026-12-31"), PromiseRead::Pass);
        assert_eq!(
            how("2030-01-01", "2030-12-31"),
            PromiseRead::Index { promises: 0 }
        );
        let empty = Store::open_in_memory().unwrap();
        assert_eq!(
            empty
                .how_to_read_promises(at("2025-01-01"), at("2025-12-31"))
                .unwrap(),
            PromiseRead::Index { promises: 0 }
        );
    }

    #[test]
    fn a_period_without_promises_reads_no_names_and_no_bad_news() {
        let store = two_years();
        let empty = store
            .promises_report(at("2030-01-01"), at("2030-12-31"))
            .unwrap();
        assert!(empty.promises.is_empty());
        assert!(empty.first_bad_news.is_empty());
        assert!(empty.names.is_empty(), "{:?}", empty.names);
        let (counted, news) = store
            .promise_counts_and_first_bad_news(at("2030-01-01"), at("2030-12-31"))
            .unwrap();
        assert!(counted.is_empty() && news.is_empty());
        // A period with promises names their customers (three: one is in the trash).
        let month = store
            .promises_report(at("2025-03-01"), at("2025-03-31"))
            .unwrap();
        assert!(!month.promises.is_empty());
        assert_eq!(month.names.len(), 3);
        assert!(
            month
                .promises
                .iter()
                .all(|p| month.names.contains_key(&p.customer_id))
        );
    }

    #[test]
    fn a_period_is_read_through_the_index_on_kind_and_time() {
        for sql in [
            promises_in_period_sql(true),
            promises_in_period_sql(false),
            PROMISE_TIME_AT_SQL.to_owned(),
        ] {
            let promises = plan(&sql);
            assert!(
                promises.iter().any(|step| step
                    .starts_with("SEARCH entries USING INDEX entries_by_kind_time")
                    || step
                        .starts_with("SEARCH entries USING COVERING INDEX entries_by_kind_time")),
                "{promises:?}"
            );
            assert!(
                !promises.iter().any(|step| step.contains("TEMP B-TREE")),
                "{promises:?}"
            );
        }
        let news = plan(&first_bad_news_sql());
        assert!(
            news.iter().any(|step| step
                .starts_with("SEARCH entries USING COVERING INDEX entries_bad_news_about")
                || step.starts_with("SCAN entries USING COVERING INDEX entries_bad_news_about")),
            "{news:?}"
        );
    }

    #[test]
    fn the_columns_the_promise_pass_reads_are_found_by_name() {
        assert_eq!(column_index(SELECT_COLUMNS, "id"), 0);
        assert_eq!(column_index(SELECT_COLUMNS, "kind"), 2);
        assert_eq!(column_index(SELECT_COLUMNS, "occurred_at"), 3);
        assert_eq!(column_index(SELECT_COLUMNS, "related_id"), 17);
    }

    /// SQLite's plan for `sql` on a journal at the current schema, one line per step.
    fn plan(sql: &str) -> Vec<String> {
        Store::open_in_memory().unwrap().query_plan(sql)
    }

    #[test]
    fn the_passes_over_every_entry_read_the_table_in_storage_order() {
        // Through an index each row costs a random read of the table: the timeline
        // export took four times as long that way on a million entries.
        for sql in [entry_cells_sql(), promises_and_bad_news_sql()] {
            let plan = plan(&sql);
            // The whole table, or a range of it by id (the rowid is the table's own order).
            let pass = |step: &String| {
                step == "SCAN entries"
                    || step == "SEARCH entries USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"
            };
            assert!(
                plan.iter().any(pass),
                "not one pass over the entries: {plan:?} for {sql}"
            );
            assert!(
                !plan
                    .iter()
                    .any(|step| step.contains("entries USING") && !pass(step)),
                "the entries read through an index: {plan:?} for {sql}"
            );
        }
    }
}
