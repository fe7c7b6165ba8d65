//! One snapshot of the journal read on two connections at once, one per core.
//!
//! SQLite runs a statement on one thread; a read made of independent queries (the ranking's
//! customers on one side, their open items and broken promises on the other) can use both
//! cores only through a second connection. In WAL mode each connection reads the snapshot
//! that was current when its read transaction began, so the two are made to begin on the
//! same one: the second connection's `PRAGMA data_version` is read before the first
//! connection's transaction begins and again once its own has begun; equal, nothing was
//! committed in between and both read the same journal. Otherwise (or without a second
//! connection: an in-memory journal, a file that cannot be opened twice, no thread to be
//! had) everything is read on this connection, in one transaction as well.

use std::sync::Mutex;

use rusqlite::OpenFlags;

use super::{Result, Store};

impl Store {
    /// Runs `here` on this connection and `there` on a second, read-only connection to the
    /// same journal, at the same time, both reading one snapshot of it (see the module
    /// text); or both here, one after the other, in one read transaction. Only reads: a
    /// write in either is refused by SQLite (the second connection is read-only) or breaks
    /// the snapshot.
    pub fn read_on_two_connections<A, B, Here, There>(
        &self,
        here: Here,
        there: There,
    ) -> Result<(A, B)>
    where
        Here: FnOnce(&Store) -> Result<A>,
        There: FnOnce(&Store) -> Result<B> + Send,
        B: Send,
    {
        self.read_on_two_connections_around(|| {}, here, there)
    }

    /// [`Self::read_on_two_connections`], running `between` after this connection's
    /// snapshot began and before the second one's (tests write there).
    fn read_on_two_connections_around<A, B, Here, There>(
        &self,
        between: impl FnOnce(),
        here: Here,
        there: There,
    ) -> Result<(A, B)>
    where
        Here: FnOnce(&Store) -> Result<A>,
        There: FnOnce(&Store) -> Result<B> + Send,
        B: Send,
    {
        let fail = self.fail();
        if !self.conn.is_autocommit() {
            // Already in a transaction: its snapshot is the one to read.
            return Ok((here(self)?, there(self)?));
        }
        let second = self.second_reader();
        let read = self.conn.unchecked_transaction().map_err(&fail)?;
        // Begins this connection's snapshot (a deferred transaction begins at its first read).
        self.data_version()?;
        between();
        // Closing the second connection (when its read is done, or here) ends its read
        // transaction.
        let second = second.and_then(SecondReader::begin_in_same_snapshot);
        let both = match second {
            Some(second) => {
                let there = Mutex::new(Some(there));
                std::thread::scope(|scope| {
                    let other = std::thread::Builder::new()
                        .spawn_scoped(scope, || take(&there).map(move |there| there(&second)));
                    let a = here(self);
                    let b = match other {
                        Ok(other) => match other.join() {
                            Ok(Some(b)) => b,
                            Ok(None) => unreachable_taken(),
                            Err(panic) => std::panic::resume_unwind(panic),
                        },
                        // No thread to be had: read it here, after.
                        Err(_) => match take(&there) {
                            Some(there) => there(self),
                            None => unreachable_taken(),
                        },
                    };
                    Ok::<_, super::StoreError>((a?, b?))
                })
            }
            None => here(self).and_then(|a| Ok((a, there(self)?))),
        };
        read.commit().map_err(&fail)?;
        both
    }

    /// The two ranges `ids.0 < id <= ids.1` that split the rows of a table in halves by
    /// id, from `last_id` (a query giving its largest id, 0 when empty). Both ends are
    /// open: a row added since falls in the second.
    pub(super) fn id_halves(&self, last_id: &str) -> Result<super::IdHalves> {
        let last: i64 = self
            .conn
            .query_row(last_id, [], |row| row.get(0))
            .map_err(self.fail())?;
        let middle = last / 2;
        Ok([(i64::MIN, middle), (middle, i64::MAX)])
    }

    /// SQLite's plan for `sql` on this journal, one line per step, its parameters unbound
    /// (for tests of which index a query takes).
    #[cfg(test)]
    pub(super) fn query_plan(&self, sql: &str) -> Vec<String> {
        let mut statement = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let unbound = vec![rusqlite::types::Null; statement.parameter_count()];
        statement
            .query_map(rusqlite::params_from_iter(unbound), |row| {
                row.get::<_, String>(3)
            })
            .and_then(|rows| rows.collect())
            .unwrap()
    }

    /// A second, read-only connection to this journal's file, configured as this one
    /// (its memory map too) but with the page cache of one read
    /// ([`super::COMMAND_CACHE_KIB`]), noting `data_version` now (see [`SecondReader`]): to be
    /// opened while this connection has no transaction open. `None` for a journal in
    /// memory, inside a transaction, or when it cannot be opened.
    pub(super) fn second_reader(&self) -> Option<SecondReader> {
        if self.path.as_os_str() == ":memory:" || !self.conn.is_autocommit() {
            return None;
        }
        let store = Store::connect(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
        // It reads once and closes: nothing to keep in a large cache.
        store.cache_for_one_read().ok()?;
        let map: i64 = self
            .conn
            .pragma_query_value(None, "mmap_size", |row| row.get(0))
            .ok()?;
        if map > 0 {
            store.conn.pragma_update(None, "mmap_size", map).ok()?;
        }
        let data_version = store.data_version().ok()?;
        Some(SecondReader {
            store,
            data_version,
        })
    }
}

/// A second connection to a journal, read-only, opened by [`Store::second_reader`] before
/// the first connection begins its read transaction; it notes `PRAGMA data_version` then.
pub(super) struct SecondReader {
    store: Store,
    data_version: i64,
}

impl SecondReader {
    /// The reader in a read transaction of the same snapshot as the connection whose
    /// transaction began (and read) since it was opened; `None` when another connection
    /// committed meanwhile (its `data_version`, read inside the transaction, changed), or
    /// the transaction cannot begin.
    pub(super) fn begin_in_same_snapshot(self) -> Option<Store> {
        self.store.conn.execute_batch("BEGIN").ok()?;
        (self.store.data_version().ok()? == self.data_version).then_some(self.store)
    }
}

/// The closure in `cell`, taken out once (by the thread, or here when there is none).
fn take<T>(cell: &Mutex<Option<T>>) -> Option<T> {
    match cell.lock() {
        Ok(mut guard) => guard.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    }
}

/// The thread took the closure if and only if it ran: it cannot be missing.
fn unreachable_taken<T>() -> T {
    unreachable!("the second read ran exactly once")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The customers' names, as one connection reads them.
    fn names(store: &Store) -> Result<Vec<String>> {
        let mut statement = store
            .conn
            .prepare("SELECT name FROM customers ORDER BY id")
            .map_err(store.fail())?;
        let names = statement
            .query_map([], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .map_err(store.fail())?;
        Ok(names)
    }

    fn journal_with(names: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
        for name in names {
            store
                .conn
                .execute(
                    "INSERT INTO customers (name, created_at, updated_at) \
                     VALUES (?1, '2026-12-01 09:00:00', '2026-12-01 09:00:00')",
                    [name],
                )
                .unwrap();
        }
        (dir, store)
    }

    #[test]
    fn the_second_read_runs_on_another_connection_on_another_thread() {
        let (_dir, store) = journal_with(&["Ada", "Ben"]);
        let here = std::thread::current().id();
        let cache = |store: &Store| -> Result<i64> {
            store
                .conn
                .pragma_query_value(None, "cache_size", |row| row.get(0))
                .map_err(store.fail())
        };
        let (a, (b, thread, second_read_only, second_cache)) = store
            .read_on_two_connections(names, |second| {
                let read_only = second.conn.is_readonly("main").map_err(second.fail())?;
                let id = std::thread::current().id();
                Ok((names(second)?, id, read_only, cache(second)?))
            })
            .unwrap();
        assert_eq!(a, ["Ada", "Ben"]);
        assert_eq!(b, a);
        assert_ne!(thread, here, "the second read ran on this thread");
        assert!(
            second_read_only,
            "the second read ran on a writable connection"
        );
        // The second connection reads once: SQLite's small cache, not the window's.
        assert_eq!(second_cache, crate::store::COMMAND_CACHE_KIB);
        assert_eq!(cache(&store).unwrap(), crate::store::APP_CACHE_KIB);
        store.cache_for_one_read().unwrap();
        assert_eq!(cache(&store).unwrap(), crate::store::COMMAND_CACHE_KIB);
        assert!(
            store.conn.is_autocommit(),
            "the read transaction was left open"
        );
    }

    #[test]
    fn a_write_between_the_two_snapshots_makes_both_reads_come_from_the_first() {
        let (dir, store) = journal_with(&["Ada"]);
        let writer = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
        let (a, (b, thread)) = store
            .read_on_two_connections_around(
                || {
                    writer
                        .conn
                        .execute(
                            "INSERT INTO customers (name, created_at, updated_at) \
                             VALUES ('Cy', '2026-12-01 09:00:00', '2026-12-01 09:00:00')",
                            [],
                        )
                        .unwrap();
                },
                names,
                |other| Ok((names(other)?, std::thread::current().id())),
            )
            .unwrap();
        // Both read the snapshot taken before the write: the second read ran here.
        assert_eq!(a, ["Ada"]);
        assert_eq!(b, ["Ada"]);
        assert_eq!(thread, std::thread::current().id());
        // The write itself is there for the next read.
        assert_eq!(names(&store).unwrap(), ["Ada", "Cy"]);
    }

    #[test]
    fn an_in_memory_journal_reads_both_here() {
        let store = Store::open_in_memory().unwrap();
        let (a, thread) = store
            .read_on_two_connections(names, |_| Ok(std::thread::current().id()))
            .unwrap();
        assert!(a.is_empty());
        assert_eq!(thread, std::thread::current().id());
    }

    #[test]
    fn inside_a_transaction_both_reads_see_its_changes() {
        let (_dir, store) = journal_with(&["Ada"]);
        let tx = store.conn.unchecked_transaction().unwrap();
        tx.execute(
            "INSERT INTO customers (name, created_at, updated_at) \
             VALUES ('Bo', '2026-12-01 09:00:00', '2026-12-01 09:00:00')",
            [],
        )
        .unwrap();
        let (a, b) = store.read_on_two_connections(names, names).unwrap();
        assert_eq!(a, ["Ada", "Bo"]);
        assert_eq!(b, a);
        tx.rollback().unwrap();
    }

    #[test]
    fn an_error_on_either_side_is_returned() {
        let (_dir, store) = journal_with(&["Ada"]);
        let failing = |store: &Store| -> Result<()> {
            store
                .conn
                .execute_batch("SELECT * FROM no_such_table")
                .map_err(store.fail())
        };
        assert!(store.read_on_two_connections(failing, names).is_err());
        assert!(store.read_on_two_connections(names, failing).is_err());
        assert!(store.conn.is_autocommit());
    }
}
