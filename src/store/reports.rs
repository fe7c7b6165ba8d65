//! Queries for CSV reports and imports: entries streamed as raw cells (no sorting, no
//! parsing, for the fast timeline export), promises made in a period, open-item totals and
//! the first bad news delivered about each entry.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::types::ValueRef;
use rusqlite::{Row, params};

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

    /// [`Store::promises_made`] and [`Store::first_bad_news_about`] in one pass over the
    /// entries: neither has an index that spares reading the whole table (promises and bad
    /// news are scattered through it, and seeking them customer by customer measured
    /// slower than one sequential pass), so the reports that need both read it once.
    pub fn promises_made_and_first_bad_news(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<(Vec<Entry>, HashMap<EntryId, NaiveDateTime>)> {
        let (mut promises, first_bad_news) =
            self.scan_promises_and_first_bad_news(from, to, read_entry)?;
        // The order `promises_made` gives: oldest first, ties by id.
        promises.sort_by_key(|entry| (entry.occurred_at, entry.id.0));
        Ok((promises, first_bad_news))
    }

    /// Like [`Store::promises_made_and_first_bad_news`], for reports that count promises per
    /// customer: each promise's id, customer and promise only (no summary, no times of the
    /// entry), in no particular order.
    pub fn promise_counts_and_first_bad_news(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<(PromisesOfCustomers, HashMap<EntryId, NaiveDateTime>)> {
        self.scan_promises_and_first_bad_news(from, to, |row| {
            Ok((
                EntryId(row.get(0)?),
                CustomerId(row.get(1)?),
                read_promise(row)?,
            ))
        })
    }

    /// One pass over the entries: `read` of every promise made within `from..=to`, and
    /// when the first bad news about each entry was delivered. The kind is tested first:
    /// SQLite tests the conditions of a scan in the order written, and `kind` is the row's
    /// third column while `deleted_at` is its last, so most of the million rows are passed
    /// over after reading three columns instead of thirty (about 40 % less CPU for the scan
    /// in the sqlite3 shell).
    ///
    /// The table is read in two halves by id, at once, on two connections in one snapshot
    /// ([`Store::read_on_two_connections`]): the pass is most of the customers and promises
    /// reports' time, and one core read it while the other waited (issue 14). The promises
    /// come in the order of their ids, as from one pass.
    fn scan_promises_and_first_bad_news<T: Send>(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        read: impl Fn(&Row<'_>) -> rusqlite::Result<T> + Sync,
    ) -> Result<(Vec<T>, HashMap<EntryId, NaiveDateTime>)> {
        let [first, second] = self.entry_id_halves()?;
        let ((mut promises, mut first_bad_news), (later, later_bad_news)) = self
            .read_on_two_connections(
                |store| store.scan_promises_in(from, to, first, &read),
                |store| store.scan_promises_in(from, to, second, &read),
            )?;
        promises.extend(later);
        for (about, at) in later_bad_news {
            first_bad_news
                .entry(about)
                .and_modify(|first| *first = (*first).min(at))
                .or_insert(at);
        }
        Ok((promises, first_bad_news))
    }

    /// [`Self::scan_promises_and_first_bad_news`] over the entries with ids in
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
    /// delivered.
    pub fn first_bad_news_about(&self) -> Result<HashMap<EntryId, NaiveDateTime>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT related_id, MIN(occurred_at) FROM entries WHERE kind = 'bad_news' \
                 AND related_id IS NOT NULL AND deleted_at IS NULL GROUP BY related_id",
            )
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
