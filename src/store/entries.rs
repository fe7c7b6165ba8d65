//! Timeline entries: add, edit, trash, restore, purge, and the timeline itself.
use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, Transaction, params};

use super::entry_row::{CONTENT_COLUMNS, EntryRow, SELECT_COLUMNS, read_entry};
use super::{Result, Store, StoreError, summary};
use crate::domain::dates::format_datetime;
use crate::domain::{Customer, CustomerDraft, CustomerId, Entry, EntryDraft, EntryId};

pub(super) fn insert_entry(
    tx: &Transaction<'_>,
    row: &EntryRow,
    now: &str,
) -> rusqlite::Result<i64> {
    // Built once: an import or `candor generate` inserts a million rows, and building the
    // text (30 small strings) for each only to find the cached statement cost more than
    // the lookup itself.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let placeholders: Vec<String> = (1..=super::entry_row::CONTENT_COLUMN_COUNT + 1)
            .map(|i| format!("?{i}"))
            .collect();
        format!(
            "INSERT INTO entries ({CONTENT_COLUMNS}, created_at, updated_at) VALUES ({}, ?{})",
            placeholders.join(", "),
            super::entry_row::CONTENT_COLUMN_COUNT + 1
        )
    });
    let mut statement = tx.prepare_cached(&SQL)?;
    row.execute(&mut statement, &[&now])?;
    Ok(tx.last_insert_rowid())
}

fn customer_exists(tx: &Transaction<'_>, id: CustomerId) -> rusqlite::Result<bool> {
    tx.prepare_cached("SELECT 1 FROM customers WHERE id = ?1")?
        .query_row([id.0], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

fn entry_customer(tx: &Transaction<'_>, id: EntryId) -> rusqlite::Result<Option<CustomerId>> {
    tx.prepare_cached("SELECT customer_id FROM entries WHERE id = ?1")?
        .query_row([id.0], |row| row.get(0).map(CustomerId))
        .optional()
}

impl Store {
    /// Adds an entry to a customer's timeline; returns it as saved.
    pub fn add_entry(&mut self, draft: EntryDraft, now: NaiveDateTime) -> Result<Entry> {
        let draft = draft.validated()?;
        let row = EntryRow::from_draft(&draft);
        let id = self.write_checked(|tx| {
            if !customer_exists(tx, draft.customer_id).map_err(self_fail(tx))? {
                return Err(StoreError::NotFound { what: "customer" });
            }
            let id = insert_entry(tx, &row, &format_datetime(now)).map_err(self_fail(tx))?;
            summary::refresh(tx, draft.customer_id).map_err(self_fail(tx))?;
            Ok(id)
        })?;
        self.entry(EntryId(id))
    }

    /// Replaces an entry's content (it may move to another customer).
    pub fn update_entry(
        &mut self,
        id: EntryId,
        draft: EntryDraft,
        now: NaiveDateTime,
    ) -> Result<Entry> {
        let draft = draft.validated()?;
        let row = EntryRow::from_draft(&draft);
        self.write_checked(|tx| {
            let fail = self_fail(tx);
            let Some(old_customer) = entry_customer(tx, id).map_err(&fail)? else {
                return Err(StoreError::NotFound { what: "entry" });
            };
            if !customer_exists(tx, draft.customer_id).map_err(&fail)? {
                return Err(StoreError::NotFound { what: "customer" });
            }
            let assignments: Vec<String> = CONTENT_COLUMNS
                .split(',')
                .enumerate()
                .map(|(i, column)| format!("{} = ?{}", column.trim(), i + 1))
                .collect();
            let count = super::entry_row::CONTENT_COLUMN_COUNT;
            let sql = format!(
                "UPDATE entries SET {}, updated_at = ?{} WHERE id = ?{}",
                assignments.join(", "),
                count + 1,
                count + 2
            );
            let mut statement = tx.prepare_cached(&sql).map_err(&fail)?;
            row.execute(&mut statement, &[&format_datetime(now), &id.0])
                .map_err(&fail)?;
            summary::refresh(tx, old_customer).map_err(&fail)?;
            if old_customer != draft.customer_id {
                summary::refresh(tx, draft.customer_id).map_err(&fail)?;
            }
            Ok(())
        })?;
        self.entry(id)
    }

    /// Moves an entry to the trash (it leaves the timeline and the ranking).
    pub fn delete_entry(&mut self, id: EntryId, now: NaiveDateTime) -> Result<()> {
        self.set_deleted(id, Some(now))
    }

    /// Brings an entry back from the trash.
    pub fn restore_entry(&mut self, id: EntryId) -> Result<()> {
        self.set_deleted(id, None)
    }

    fn set_deleted(&mut self, id: EntryId, deleted_at: Option<NaiveDateTime>) -> Result<()> {
        self.write_checked(|tx| {
            let fail = self_fail(tx);
            let Some(customer) = entry_customer(tx, id).map_err(&fail)? else {
                return Err(StoreError::NotFound { what: "entry" });
            };
            tx.prepare_cached("UPDATE entries SET deleted_at = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id.0, deleted_at.map(format_datetime)]))
                .map_err(&fail)?;
            summary::refresh(tx, customer).map_err(&fail)?;
            Ok(())
        })
    }

    /// Deletes an entry for good. Only entries already in the trash can be purged.
    pub fn purge_entry(&mut self, id: EntryId) -> Result<()> {
        let entry = self.entry(id)?;
        if entry.deleted_at.is_none() {
            return Err(crate::domain::ValidationError::new(
                "Only entries in the trash can be deleted for good: move it to the trash first.",
            )
            .into());
        }
        self.write(|tx| {
            tx.prepare_cached("UPDATE entries SET related_id = NULL WHERE related_id = ?1")?
                .execute([id.0])?;
            tx.prepare_cached("DELETE FROM entries WHERE id = ?1 AND deleted_at IS NOT NULL")?
                .execute([id.0])
        })?;
        Ok(())
    }

    /// One entry, in the trash or not.
    pub fn entry(&self, id: EntryId) -> Result<Entry> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {SELECT_COLUMNS} FROM entries WHERE id = ?1"
            ))
            .and_then(|mut s| s.query_row([id.0], read_entry).optional())
            .map_err(self.fail())?
            .ok_or(StoreError::NotFound { what: "entry" })
    }

    /// A customer's timeline, newest first, without the trash.
    pub fn timeline(&self, customer: CustomerId) -> Result<Vec<Entry>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SELECT_COLUMNS} FROM entries WHERE customer_id = ?1 AND deleted_at IS NULL \
                 ORDER BY occurred_at DESC, id DESC"
            ))
            .map_err(self.fail())?;
        statement
            .query_map([customer.0], read_entry)
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// Everything in the trash, most recently deleted first.
    pub fn trash(&self) -> Result<Vec<Entry>> {
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SELECT_COLUMNS} FROM entries WHERE deleted_at IS NOT NULL \
                 ORDER BY deleted_at DESC, id DESC"
            ))
            .map_err(self.fail())?;
        statement
            .query_map([], read_entry)
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// Visits every entry not in the trash whose time is within `from..=to` (ISO strings
    /// compare in time order), oldest first, without holding them all in memory. One pass
    /// in storage order, then SQLite's sort (`NOT INDEXED`: see the reports' note on
    /// `entries_by_kind_time`; through it this took 3.1 s instead of 0.9 s on 1M entries).
    pub fn for_each_entry(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        mut visit: impl FnMut(Entry) -> std::result::Result<(), String>,
    ) -> Result<std::result::Result<(), String>> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {SELECT_COLUMNS} FROM entries NOT INDEXED WHERE deleted_at IS NULL \
                 AND occurred_at >= ?1 AND occurred_at <= ?2 ORDER BY occurred_at, id"
            ))
            .map_err(self.fail())?;
        let mut rows = statement
            .query(params![format_datetime(from), format_datetime(to)])
            .map_err(self.fail())?;
        while let Some(row) = rows.next().map_err(self.fail())? {
            let entry = read_entry(row).map_err(self.fail())?;
            if let Err(message) = visit(entry) {
                return Ok(Err(message));
            }
        }
        Ok(Ok(()))
    }

    /// Writes many customers and entries in one transaction: all of them, or none.
    pub fn bulk_write<T>(
        &mut self,
        now: NaiveDateTime,
        work: impl FnOnce(&mut BulkWriter<'_, '_>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path.clone();
        self.conn
            .pragma_update(None, "cache_size", super::BULK_CACHE_KIB)
            .map_err(self.fail())?;
        let result = self.write_checked(|tx| {
            let fail = |e| StoreError::from_sqlite(&path, e);
            let no_entries: bool = tx
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM entries)", [], |row| {
                    row.get(0)
                })
                .map_err(fail)?;
            let mut writer = BulkWriter {
                tx,
                now,
                now_text: format_datetime(now),
                touched: summary::Touched::default(),
                path: path.clone(),
                deferred_indexes: Vec::new(),
                tally: no_entries.then(summary::Tally::default),
                deferred_triggers: Vec::new(),
                customer_keys: false,
                insight_mornings_stale: false,
            };
            let value = work(&mut writer)?;
            writer.finish()?;
            Ok(value)
        });
        // Back to the app's cache: the bulk job's pages are not what a window reads next.
        let restored = self
            .conn
            .pragma_update(None, "cache_size", super::APP_CACHE_KIB)
            .map_err(self.fail());
        let value = result?;
        restored?;
        Ok(value)
    }
}

pub(super) fn self_fail<'a>(
    tx: &'a Transaction<'_>,
) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
    move |e| {
        let path = tx.path().map(std::path::PathBuf::from).unwrap_or_default();
        StoreError::from_sqlite(&path, e)
    }
}

/// SQLite's cache (in KiB, negative as the pragma takes it) while the deferred indexes are
/// built: also the size of the pieces SQLite sorts (see [`BulkWriter::finish`]).
const INDEX_SORT_CACHE_KIB: i64 = -16 * 1024;

/// Adds customers and entries inside one open transaction (see [`Store::bulk_write`]).
pub struct BulkWriter<'t, 'c> {
    tx: &'t Transaction<'c>,
    now: NaiveDateTime,
    now_text: String,
    touched: summary::Touched,
    path: std::path::PathBuf,
    /// The entries' indexes dropped by [`BulkWriter::defer_entry_indexes`], to build again
    /// when the work is done.
    deferred_indexes: Vec<String>,
    /// The summary computed as entries are written, when the journal had none before.
    tally: Option<summary::Tally>,
    /// The entries' insert triggers dropped by [`BulkWriter::defer_entry_triggers`], to
    /// create again when the work is done.
    deferred_triggers: Vec<String>,
    /// Whether [`BulkWriter::start_customer_keys`] made its table, to drop when done.
    customer_keys: bool,
    /// The Insights' trigger on new entries was set aside: every kept morning is marked
    /// stale when done.
    insight_mornings_stale: bool,
}

/// The triggers on new entries that [`BulkWriter::defer_entry_triggers`] may set aside: the
/// handed-over customer guard (`ownership`) and the team outbox's record (`sync`).
const ENTRY_INSERT_TRIGGERS: &str = "'owned_entry_insert', 'sync_entry_insert'";

/// The Insights' trigger on new entries (see [`BulkWriter::defer_entry_triggers`]).
const INSIGHT_ENTRY_TRIGGER: &str = "'insight_dirty_entry_added'";

impl BulkWriter<'_, '_> {
    fn fail(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| StoreError::from_sqlite(&self.path, e)
    }

    /// Adds a customer created at `created_at`.
    pub fn add_customer(
        &mut self,
        draft: CustomerDraft,
        created_at: NaiveDateTime,
    ) -> Result<CustomerId> {
        let draft = draft.validated()?;
        let id = super::customers::insert_customer(self.tx, &draft, created_at, self.now)
            .map_err(self.fail())?;
        self.touched.insert(id);
        Ok(id)
    }

    /// Updates a customer's fields.
    pub fn update_customer(&mut self, id: CustomerId, draft: CustomerDraft) -> Result<()> {
        let draft = draft.validated()?;
        super::customers::update_customer_row(self.tx, id, &draft, self.now)
            .map_err(self.fail())?;
        self.touched.insert(id);
        Ok(())
    }

    /// Adds an entry.
    pub fn add_entry(&mut self, draft: EntryDraft) -> Result<EntryId> {
        let draft = draft.validated()?;
        let row = EntryRow::from_draft(&draft);
        let id = insert_entry(self.tx, &row, &self.now_text).map_err(self.fail())?;
        if let Some(tally) = &mut self.tally {
            tally.add(id, &row);
        }
        self.touched.insert(draft.customer_id);
        Ok(EntryId(id))
    }

    /// Every customer, as the transaction sees it.
    pub fn customers(&self) -> Result<Vec<Customer>> {
        let mut statement = self
            .tx
            .prepare_cached(
                "SELECT id, name, company, phone, email, notes, tags, cadence_days, archived, \
                 created_at, updated_at FROM customers ORDER BY id",
            )
            .map_err(self.fail())?;
        statement
            .query_map([], super::customers::read_customer)
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// The customer `id` as the transaction sees it, in the trash or not; `None` if there
    /// is none.
    pub fn customer(&self, id: CustomerId) -> Result<Option<Customer>> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {} FROM customers WHERE id = ?1",
                super::customers::CUSTOMER_COLUMNS
            ))
            .and_then(|mut s| {
                s.query_row([id.0], super::customers::read_customer)
                    .optional()
            })
            .map_err(self.fail())
    }

    /// Starts a table of keys that find customers (an import's e-mail addresses and phone
    /// numbers, written by `keys_of` as text), filled with the keys of every customer not
    /// in the trash in the order of [`Store::customers`]: where two share a key, the first
    /// keeps it. The table lives in SQLite's temporary database, on disk past its cache,
    /// so an import of millions of contacts does not hold them all in memory; it is dropped
    /// when the work is done (or with the transaction).
    pub fn start_customer_keys<K>(&mut self, keys_of: impl Fn(&Customer) -> K) -> Result<()>
    where
        K: IntoIterator<Item = String>,
    {
        let fail = |e| StoreError::from_sqlite(&self.path, e);
        // The temporary database's own page cache (2 MiB by default) holds the keys' upper
        // pages: 16 MiB keeps a million keys' lookups from going to the temporary file.
        self.tx
            .execute_batch(
                "PRAGMA temp.cache_size = -16384; \
                 DROP TABLE IF EXISTS temp.import_customer_keys; \
                 CREATE TEMP TABLE import_customer_keys \
                 (key TEXT PRIMARY KEY, customer_id INTEGER NOT NULL) WITHOUT ROWID",
            )
            .map_err(fail)?;
        self.customer_keys = true;
        let mut customers = self
            .tx
            .prepare(&format!(
                "SELECT {} FROM customers WHERE deleted_at IS NULL \
                 ORDER BY name COLLATE NOCASE, id",
                super::customers::CUSTOMER_COLUMNS
            ))
            .map_err(fail)?;
        let mut rows = customers.query([]).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let customer = super::customers::read_customer(row).map_err(fail)?;
            for key in keys_of(&customer) {
                self.remember_customer_key(&key, customer.id)?;
            }
        }
        Ok(())
    }

    /// Remembers that `key` finds customer `id`, unless it already finds another.
    pub fn remember_customer_key(&self, key: &str, id: CustomerId) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO temp.import_customer_keys (key, customer_id) VALUES (?1, ?2)",
            )
            .and_then(|mut s| s.execute(params![key, id.0]))
            .map_err(self.fail())?;
        Ok(())
    }

    /// The customer `key` finds (see [`Self::start_customer_keys`]).
    pub fn customer_with_key(&self, key: &str) -> Result<Option<CustomerId>> {
        self.tx
            .prepare_cached("SELECT customer_id FROM temp.import_customer_keys WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |row| row.get(0)).optional())
            .map(|id| id.map(CustomerId))
            .map_err(self.fail())
    }

    /// Builds the entries' indexes once at the end instead of row by row, when the journal
    /// has no entries yet (a bulk load into a new journal): sorting a million keys once is
    /// several times faster than a million insertions into each index. It happens inside
    /// the transaction, so work that fails leaves the indexes as they were. Returns whether
    /// the indexes were deferred.
    pub fn defer_entry_indexes(&mut self) -> Result<bool> {
        let fail = |e| StoreError::from_sqlite(&self.path, e);
        let empty: bool = self
            .tx
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM entries)", [], |row| {
                row.get(0)
            })
            .map_err(fail)?;
        if !empty || !self.deferred_indexes.is_empty() {
            return Ok(false);
        }
        let indexes = self.drop_entries_objects("index", "")?;
        self.deferred_indexes = indexes;
        Ok(!self.deferred_indexes.is_empty())
    }

    /// Sets aside, until the work is done, the triggers on new entries when neither can
    /// fire in this transaction: the journal records no changes for a team (no outbox
    /// entries to write) and no customer is read-only (none handed over to someone else;
    /// customers a bulk write adds or edits never are). Their conditions are queries SQLite
    /// ran for every row: about 2.5 s of CPU for a million rows, more than the inserts
    /// themselves. Recreated inside the transaction, so the journal ends as it would have.
    /// The Insights' record of the earliest day a write touched (`insight_dirty_entry_added`,
    /// an update per row) is set aside too, always: when the work is done every kept
    /// morning is marked stale instead, which is what a bulk load amounts to anyway.
    /// Returns whether the team's and the handed-over guard's triggers were set aside.
    pub fn defer_entry_triggers(&mut self) -> Result<bool> {
        if !self.deferred_triggers.is_empty() {
            return Ok(false);
        }
        self.defer_triggers(INSIGHT_ENTRY_TRIGGER)?;
        self.insight_mornings_stale = !self.deferred_triggers.is_empty();
        let fail = |e| StoreError::from_sqlite(&self.path, e);
        let quiet: bool = self
            .tx
            .query_row(
                &format!(
                    "SELECT NOT COALESCE({recording}, 0) \
                     AND NOT EXISTS (SELECT 1 FROM customers c WHERE {read_only})",
                    recording = super::outbox::recording_sql(),
                    read_only = super::ownership::read_only("c"),
                ),
                [],
                |row| row.get(0),
            )
            .map_err(fail)?;
        if !quiet {
            return Ok(false);
        }
        let before = self.deferred_triggers.len();
        self.defer_triggers(ENTRY_INSERT_TRIGGERS)?;
        Ok(self.deferred_triggers.len() > before)
    }

    /// Drops the entries' triggers named in `names` (an SQL list), kept to create again.
    fn defer_triggers(&mut self, names: &str) -> Result<()> {
        let triggers = self.drop_entries_objects("trigger", &format!("AND name IN ({names})"))?;
        self.deferred_triggers.extend(triggers);
        Ok(())
    }

    /// Drops the entries table's schema objects of `kind` ("index", "trigger") that
    /// `condition` (SQL after `AND`, or empty) picks; returns the SQL that makes them again.
    fn drop_entries_objects(&self, kind: &str, condition: &str) -> Result<Vec<String>> {
        let fail = |e| StoreError::from_sqlite(&self.path, e);
        let objects: Vec<(String, String)> = self
            .tx
            .prepare(&format!(
                "SELECT name, sql FROM sqlite_schema WHERE type = '{kind}' \
                 AND tbl_name = 'entries' {condition} AND sql IS NOT NULL"
            ))
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(fail)?;
        for (name, _) in &objects {
            self.tx
                .execute_batch(&format!(
                    "DROP {} \"{}\"",
                    kind.to_uppercase(),
                    name.replace('"', "\"\"")
                ))
                .map_err(fail)?;
        }
        Ok(objects.into_iter().map(|(_, sql)| sql).collect())
    }

    fn finish(self) -> Result<()> {
        if self.customer_keys {
            self.tx
                .execute_batch("DROP TABLE temp.import_customer_keys")
                .map_err(self.fail())?;
        }
        for sql in &self.deferred_triggers {
            self.tx.execute_batch(sql).map_err(self.fail())?;
        }
        if self.insight_mornings_stale {
            self.tx
                .execute_batch("UPDATE insight_cache_state SET dirty_from = '0000-01-01'")
                .map_err(self.fail())?;
        }
        if !self.deferred_indexes.is_empty() {
            // Each index is one sort of a million keys. SQLite sorts in pieces of up to the
            // cache's size and merges them: pieces of 16 MiB sort in about a third less CPU
            // than one of 64 MiB (they fit the processor's caches better), and with a second
            // thread (SQLite's own, `threads`; the bundled build allows up to 8) one piece
            // is sorted while the next is filled. `bulk_write` restores the cache after.
            self.tx
                .pragma_update(None, "cache_size", INDEX_SORT_CACHE_KIB)
                .map_err(self.fail())?;
            self.tx
                .pragma_update(None, "threads", 2)
                .map_err(self.fail())?;
        }
        for sql in &self.deferred_indexes {
            self.tx.execute_batch(sql).map_err(self.fail())?;
        }
        if !self.deferred_indexes.is_empty() {
            self.tx
                .pragma_update(None, "threads", 0)
                .map_err(self.fail())?;
        }
        if let Some(tally) = self.tally.as_ref().filter(|t| t.is_complete()) {
            tally
                .write(self.tx, self.touched.iter())
                .map_err(self.fail())?;
        // Past a few thousand customers one set-based pass beats one refresh each.
        } else if self.touched.len() > 2_000 {
            summary::refresh_all(self.tx).map_err(self.fail())?;
        } else {
            for customer in self.touched.iter() {
                summary::refresh(self.tx, customer).map_err(self.fail())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime};

    use super::*;
    use crate::domain::EntryKind;

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 3, 1)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap()
    }

    fn triggers(store: &Store) -> Vec<(String, String)> {
        store
            .conn
            .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// A bulk write of one new customer with one note: whether the entry triggers were set
    /// aside.
    fn write_one(store: &mut Store, name: &str) -> bool {
        store
            .bulk_write(now(), |w| {
                let deferred = w.defer_entry_triggers()?;
                let customer = w.add_customer(CustomerDraft::named(name), now())?;
                w.add_entry(EntryDraft {
                    customer_id: customer,
                    occurred_at: now(),
                    summary: "Called about the order".to_owned(),
                    kind: EntryKind::Note,
                })?;
                Ok(deferred)
            })
            .unwrap()
    }

    #[test]
    fn a_bulk_write_sets_the_entry_triggers_aside_and_puts_them_back() {
        let mut store = Store::open_in_memory().unwrap();
        let before = triggers(&store);
        assert!(before.iter().any(|(name, _)| name == "sync_entry_insert"));
        assert!(write_one(&mut store, "Ada Lovelace"));
        assert_eq!(triggers(&store), before);
        // Set aside or not, the journal records nothing before it joins a team.
        assert_eq!(store.sync_pending_count().unwrap(), 0);
    }

    #[test]
    fn a_bulk_write_marks_every_kept_insights_morning_stale() {
        let mut store = Store::open_in_memory().unwrap();
        let dirty_from = |store: &Store| -> String {
            store
                .conn
                .query_row("SELECT dirty_from FROM insight_cache_state", [], |row| {
                    row.get(0)
                })
                .unwrap()
        };
        store
            .conn
            .execute_batch("UPDATE insight_cache_state SET dirty_from = '9999-12-31'")
            .unwrap();
        let before = triggers(&store);
        write_one(&mut store, "Ada Lovelace");
        assert_eq!(triggers(&store), before);
        assert_eq!(dirty_from(&store), "0000-01-01");
    }

    #[test]
    fn a_journal_recording_for_its_team_keeps_them_and_records_the_new_entries() {
        let mut store = Store::open_in_memory().unwrap();
        store.start_sync_recording().unwrap();
        let pending = store.sync_pending_count().unwrap();
        assert!(!write_one(&mut store, "Ada Lovelace"));
        // The customer and the entry.
        assert_eq!(store.sync_pending_count().unwrap(), pending + 2);
    }

    #[test]
    fn a_customer_handed_over_to_someone_else_keeps_them() {
        let mut store = Store::open_in_memory().unwrap();
        write_one(&mut store, "Ada Lovelace");
        store
            .conn
            .execute_batch(
                "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('login', 'me');
                 UPDATE customers SET team_owner = 'someone else';",
            )
            .unwrap();
        assert!(!write_one(&mut store, "Grace Hopper"));
    }
}
