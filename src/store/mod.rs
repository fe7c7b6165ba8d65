//! The journal file: the only module that speaks SQL.
//!
//! One SQLite file per journal, in WAL mode with foreign keys on and `synchronous = FULL`
//! (a committed write survives a power cut, not just a crash). Every write runs in one
//! IMMEDIATE transaction and returns only after it committed.

mod announcement_sync;
mod announcements;
mod customers;
mod due;
mod entries;
mod entry_row;
mod error;
mod facts;
mod first_upload;
mod history;
mod insights;
mod merge;
mod new_journal;
mod outbox;
pub mod ownership;
pub mod private_files;
mod reports;
pub mod schema;
mod settings;
mod snapshot;
mod summary;
pub mod sync;
mod two_readers;

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use entries::BulkWriter;
pub use error::{BUSY_TIMEOUT_SECS, StoreError, write_problem};
pub use facts::CustomerStats;
pub use first_upload::UploadPosition;
pub use insights::MorningsToKeep;
pub use merge::CustomerMerge;
pub use new_journal::NewJournal;
pub use reports::{EntryCells, IdHalves, OpenTotals, PromisesMade, PromisesOfCustomers};
pub use snapshot::{
    BACKUP_DIR_NAME, BackupContents, KeepPrevious, RestoredInto, SnapshotCheck, SnapshotInfo,
    backup_dir, backup_file_name, free_backup_path, inspect_backup, keep_raw_copy,
    parse_backup_file_name, replace_file, restore_into, snapshot_file,
};

/// The result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// SQLite's page cache for a window or a command, in KiB (a negative `cache_size`).
///
/// What the app reads again and again is small: the customers, their summaries and the
/// partial indexes of open items and broken promises (a few MB at 10,000 customers and a
/// million entries); one customer's timeline is read once and cached by the app. 8 MiB
/// keeps all of that (SQLite's default is 2 MB) without making every open window hold
/// much more memory; the rest comes from the operating system's file cache.
pub const APP_CACHE_KIB: i64 = -8 * 1024;

/// SQLite's page cache for a command that reads once and ends (`candor rank`, `candor
/// export`) and for the second connection of [`Store::read_on_two_connections`], in KiB:
/// SQLite's own default (2,000 KiB).
///
/// Such a read finds nothing in the cache a second time but the B-trees' upper pages, and
/// every page it caches is fresh memory the process faults in: with the app's 8 MiB, one
/// month's promises report (5,050 rows read through an index, 2,000-odd pages per
/// connection) spent about a fifth of its time on those faults, and took 1.2 to 1.5 times
/// the `sqlite3` shell's time, which keeps SQLite's default; with this one, about as long
/// as the shell (issue 14).
pub const COMMAND_CACHE_KIB: i64 = -2000;

/// SQLite's page cache during a bulk write (an import, `candor generate`), in KiB.
///
/// A bulk job inserts rows for customers in no particular order, so every insert touches a
/// different page of each of the entries table's four indexes; with the app's cache those
/// pages are evicted and read back from the kernel again and again (most of `candor
/// generate`'s time went into the kernel). 64 MiB holds the indexes' working set of a
/// million-entry job; it is given back when the job ends.
pub const BULK_CACHE_KIB: i64 = -64 * 1024;

/// How much of the journal [`Store::read_through_memory_map`] maps: address space, not
/// memory (only the pages read become resident); SQLite reads past it as usual.
pub const MEMORY_MAP_BYTES: i64 = 1 << 30;

/// The file name of a journal in Candor's data folder.
pub const DEFAULT_FILE_NAME: &str = "journal.sqlite3";

/// Where the journal lives when no `--db` is given: the platform's data folder
/// (`~/.local/share/candor` on Linux, `~/Library/Application Support/candor` on macOS,
/// `%APPDATA%\candor\data` on Windows).
pub fn default_journal_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "candor")
        .map(|dirs| dirs.data_dir().join(DEFAULT_FILE_NAME))
}

/// An open journal.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    /// What SQLite's check found when the journal turned out damaged: it then takes no
    /// more writes, so the damage cannot spread.
    damaged: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Removes folders created for a journal that could not be made, deepest first; a folder
/// that is not empty (something else was put there meanwhile) stays.
fn remove_dirs(dirs: &[PathBuf]) {
    for dir in dirs {
        let _ = fs::remove_dir(dir);
    }
}

/// The `-wal`, `-shm` or `-journal` file beside a journal.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A `file:` URI that opens `path` immutable (read as it is, no locks, nothing created
/// beside it). Unix only: elsewhere the plain read-only open is used.
fn immutable_uri(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        let absolute = std::path::absolute(path).ok()?;
        let text = absolute.to_str()?;
        let mut uri = String::from("file:");
        for c in text.chars() {
            match c {
                '%' => uri.push_str("%25"),
                '?' => uri.push_str("%3f"),
                '#' => uri.push_str("%23"),
                c => uri.push(c),
            }
        }
        uri.push_str("?immutable=1");
        Some(uri)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// What the first bytes of a file say about it.
enum FileCheck {
    Missing,
    LooksLikeSqlite,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Checks a path before SQLite touches it, so a foreign or truncated file is refused with
/// its bytes unchanged.
fn check_file(path: &Path) -> Result<FileCheck> {
    let not_a_journal = |detail: &str| StoreError::NotAJournal {
        path: path.to_path_buf(),
        detail: detail.to_owned(),
    };
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        // Missing, or a file where a folder of the path should be: creating it will say
        // which folder cannot be made.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(FileCheck::Missing);
        }
        Err(e) => {
            return Err(StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail: e.to_string(),
            });
        }
    };
    if metadata.is_dir() {
        return Err(not_a_journal("it is a folder"));
    }
    if metadata.len() == 0 {
        return Err(not_a_journal("it is an empty file of 0 bytes"));
    }
    let mut header = [0u8; 100];
    let read = fs::File::open(path)
        .and_then(|mut file| {
            let mut total = 0;
            while total < header.len() {
                match file.read(&mut header[total..])? {
                    0 => break,
                    n => total += n,
                }
            }
            Ok(total)
        })
        .map_err(|e| StoreError::CannotOpen {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    if read < header.len() || &header[..16] != SQLITE_MAGIC {
        return Err(not_a_journal(
            "it is not a database; perhaps a CSV or another kind of file",
        ));
    }
    // The header records the database size in pages; a shorter file was cut off.
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    let change_counter = &header[24..28];
    let valid_for = &header[92..96];
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    // With a -wal beside it the file may be legitimately short: a checkpoint that ran out
    // of disk space wrote the header before the pages, which are still in the -wal.
    if change_counter == valid_for
        && pages > 0
        && metadata.len() < pages * page_size
        && !snapshot::has_wal(path)
    {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "the file is truncated: {} bytes of the expected {}",
                metadata.len(),
                pages * page_size
            ),
        });
    }
    Ok(FileCheck::LooksLikeSqlite)
}

/// At most this many problems are reported by a check: enough to say what is wrong.
const PROBLEMS_SHOWN: u32 = 3;

/// SQLite's quick check of the journal file at `path` (see [`Store::quick_check`]), read
/// only, without changing a byte of it. A file that is not a Candor journal, is cut short
/// or is newer is refused with the matching [`StoreError`] first.
pub fn quick_check(path: &Path) -> Result<()> {
    let conn = snapshot::open_checked_read_only(path)?;
    quick_check_connection(&conn, path)
}

fn quick_check_connection(conn: &Connection, path: &Path) -> Result<()> {
    let fail = |e| StoreError::from_sqlite(path, e);
    let mut statement = conn
        .prepare(&format!("PRAGMA quick_check({PROBLEMS_SHOWN})"))
        .map_err(fail)?;
    let lines: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .and_then(|rows| rows.collect())
        .map_err(fail)?;
    if lines == ["ok"] {
        return Ok(());
    }
    // "*** in database main ***\nPage 16: btreeInitPage() returns error code 11" → the
    // part a person (or whoever helps them) can use.
    let problems: Vec<&str> = lines
        .iter()
        .flat_map(|line| line.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("***"))
        .collect();
    Err(StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("SQLite's quick check found: {}", problems.join("; ")),
    })
}

impl Store {
    /// Opens the journal at `path`, creating a new one (and its folder) if nothing is there.
    ///
    /// A file that is not a Candor journal, is damaged, or was written by a newer Candor is
    /// refused with its bytes unchanged.
    pub fn open(path: &Path) -> Result<Self> {
        match check_file(path)? {
            FileCheck::Missing => Self::create(path),
            FileCheck::LooksLikeSqlite => {
                let version = Self::inspect(path)?;
                private_files::tighten_existing(path);
                let mut store = Self::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
                if store.read_only {
                    // Read once now: a WAL journal on a read-only disk or in a read-only
                    // folder cannot be read either, and that is said at open, not later.
                    store
                        .conn
                        .query_row("SELECT COUNT(*) FROM sqlite_schema", [], |row| {
                            row.get::<_, i64>(0)
                        })
                        .map_err(|e| StoreError::from_sqlite(path, e))?;
                }
                if version < schema::CURRENT_VERSION && !store.read_only {
                    store.back_up_before_upgrade(version)?;
                    store.write(|tx| {
                        // Another window may have upgraded it since we looked.
                        let now: i32 =
                            tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
                        if now < schema::CURRENT_VERSION {
                            schema::upgrade_from(tx, now)?;
                        }
                        Ok(())
                    })?;
                }
                Ok(store)
            }
        }
    }

    /// Opens an in-memory journal (for tests and benchmarks of pure logic).
    pub fn open_in_memory() -> Result<Self> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(&path, e))?;
        let mut store = Self {
            conn,
            path,
            read_only: false,
            damaged: None,
        };
        store.configure()?;
        store.write(schema::create_fresh)?;
        Ok(store)
    }

    /// Creates a new journal, readable by its owner only (its folder too, if it creates
    /// it). When that fails, whatever it created is removed again: a refused start leaves
    /// no empty journal, `-wal`/`-shm` file or folder behind.
    fn create(path: &Path) -> Result<Self> {
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
        let new_dirs = parent.map(private_files::missing_dirs).unwrap_or_default();
        if let Some(parent) = parent {
            private_files::create_dir_all(parent).map_err(|e| {
                StoreError::from_io(
                    path,
                    &format!("the folder {} cannot be created", parent.display()),
                    &e,
                )
            })?;
        }
        // SQLite gives the -wal and -shm files the mode of the journal: create it private
        // before SQLite opens it. Another window may have created it a moment ago.
        let created = match private_files::create_new_file(path) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => {
                remove_dirs(&new_dirs);
                return Err(StoreError::from_io(path, "the file cannot be created", &e));
            }
        };
        let result = Self::connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .and_then(|mut store| {
            store.write(|tx| {
                // Another process may have created it between our check and now.
                let version: i32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
                if version == 0 {
                    schema::create_fresh(tx)?;
                }
                Ok(())
            })?;
            Ok(store)
        });
        if result.is_err() && created {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = fs::remove_file(sidecar(path, suffix));
            }
            remove_dirs(&new_dirs);
        }
        result
    }

    /// Reads the identity of an existing SQLite file without changing a byte of it, and
    /// without creating anything beside it: a file that is refused gets no `-wal` or `-shm`.
    fn inspect(path: &Path) -> Result<i32> {
        let fail = |e| StoreError::from_sqlite(path, e);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match immutable_uri(path) {
            // With no -wal beside it, the file alone holds the header: read it as it is,
            // so SQLite takes no lock and creates no -wal or -shm for a WAL-mode file.
            Some(uri) if !sidecar(path, "-wal").exists() => {
                Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
            }
            _ => Connection::open_with_flags(path, flags),
        }
        .map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECS))
            .map_err(fail)?;
        let application_id: i32 = conn
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(fail)?;
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(fail)?;
        if application_id != schema::APPLICATION_ID {
            // Asked only here: reading sqlite_schema parses the whole schema (every index
            // and trigger), which the connection that opens the journal does again.
            let tables: i64 = conn
                .query_row("SELECT COUNT(*) FROM sqlite_schema", [], |row| row.get(0))
                .map_err(fail)?;
            let detail = if tables == 0 {
                "it is an empty SQLite database".to_owned()
            } else {
                "it is an SQLite database of another program".to_owned()
            };
            return Err(StoreError::NotAJournal {
                path: path.to_path_buf(),
                detail,
            });
        }
        if version > schema::CURRENT_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: version,
                supported: schema::CURRENT_VERSION,
            });
        }
        if version < 1 {
            return Err(StoreError::Corrupt {
                path: path.to_path_buf(),
                detail: "its version number is missing".to_owned(),
            });
        }
        Ok(version)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Self> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| StoreError::from_sqlite(path, e))?;
        let mut store = Self {
            conn,
            path: path.to_path_buf(),
            read_only: false,
            damaged: None,
        };
        store.configure()?;
        Ok(store)
    }

    fn configure(&mut self) -> Result<()> {
        let path = self.path.clone();
        let fail = |e| StoreError::from_sqlite(&path, e);
        self.conn
            .busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECS))
            .map_err(fail)?;
        self.read_only = self.conn.is_readonly("main").map_err(fail)?;
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(fail)?;
        self.conn
            .pragma_update(None, "cache_size", APP_CACHE_KIB)
            .map_err(fail)?;
        if !self.read_only {
            self.conn
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(fail)?;
            self.conn
                .pragma_update(None, "synchronous", "FULL")
                .map_err(fail)?;
        }
        Ok(())
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the file could only be opened for reading.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Runs `work` in one IMMEDIATE transaction and commits it; returns only once committed.
    fn write<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let path = self.path.clone();
        self.write_checked(|tx| work(tx).map_err(|e| StoreError::from_sqlite(&path, e)))
    }

    /// Like [`Self::write`], for work that can also refuse with a domain error.
    fn write_checked<T>(&mut self, work: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        if self.read_only {
            return Err(StoreError::read_only(path));
        }
        if let Some(detail) = &self.damaged {
            return Err(StoreError::Damaged {
                path,
                detail: detail.clone(),
            });
        }
        self.check_still_there()?;
        let fail = |e| StoreError::from_sqlite(&path, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let value = work(&tx)?;
        tx.commit().map_err(fail)?;
        Ok(value)
    }

    fn fail(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |e| StoreError::from_sqlite(&self.path, e)
    }

    /// A number that changes whenever another connection (another window) committed a
    /// change since this one last looked (`PRAGMA data_version`).
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "data_version", |row| row.get(0))
            .map_err(self.fail())
    }

    /// `PRAGMA integrity_check`: `Ok(())` when the file is sound, else what SQLite found.
    pub fn integrity_check(&self) -> Result<Result<(), String>> {
        let mut statement = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(self.fail())?;
        let lines: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .map_err(self.fail())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.fail())?;
        if lines == ["ok"] {
            Ok(Ok(()))
        } else {
            Ok(Err(lines.join("; ")))
        }
    }

    /// Lets this connection read the journal through a memory map (`PRAGMA mmap_size`), for
    /// a short command that reads a few thousand scattered pages and ends (`candor rank`).
    ///
    /// Without it every page SQLite reads is one `pread` system call copying 4 KiB out of
    /// the operating system's file cache; `candor rank` on a million entries spent about
    /// half its time in the kernel that way. Through a map, a page the system already holds
    /// is read where it lies. Not for the window nor for reports that read the whole table:
    /// every page touched through the map counts in the process's resident memory, so a
    /// full scan would show the whole file there (the timeline export keeps under 64 MB).
    /// A disk failing under a map ends the process instead of returning an error, which a
    /// command that only reads and prints can afford. Writes still go through SQLite's own
    /// copies of the pages.
    pub fn read_through_memory_map(&self) -> Result<()> {
        self.conn
            .pragma_update(None, "mmap_size", MEMORY_MAP_BYTES)
            .map_err(self.fail())
    }

    /// Gives this connection the page cache of a command that reads once and ends
    /// ([`COMMAND_CACHE_KIB`]) instead of the window's.
    pub fn cache_for_one_read(&self) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", COMMAND_CACHE_KIB)
            .map_err(self.fail())
    }

    /// SQLite's quick check of this journal (`PRAGMA quick_check`: the structure of every
    /// page, without matching indexes to their tables): `Ok(())` when it is sound, else
    /// [`StoreError::Corrupt`] saying what SQLite found. Reads every page (about a second
    /// for a million entries): run it off the UI thread.
    pub fn quick_check(&self) -> Result<()> {
        quick_check_connection(&self.conn, &self.path)
    }

    /// Stops this connection writing into a journal found damaged (`detail`: what the check
    /// found): every write is refused with [`StoreError::Damaged`], reads go on.
    pub fn refuse_writes_as_damaged(&mut self, detail: String) {
        self.damaged = Some(detail);
    }

    /// Takes writes again, after a new check found the journal sound (restored in place
    /// from another window).
    pub fn accept_writes_again(&mut self) {
        self.damaged = None;
    }

    /// False when the journal's file was deleted, moved or replaced (a restore of a
    /// damaged journal from another window renames a new file over it) since this
    /// connection opened it: writes are then refused, and the file at the path should be
    /// opened again.
    pub fn is_file_still_there(&self) -> bool {
        self.check_still_there().is_ok()
    }

    /// What the check found when writes were stopped with
    /// [`Self::refuse_writes_as_damaged`].
    pub fn damage(&self) -> Option<&str> {
        self.damaged.as_deref()
    }

    /// The schema as SQLite keeps it (type, name, SQL), sorted: for migration tests.
    pub fn schema_dump(&self) -> Result<Vec<(String, String, String)>> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT type, name, COALESCE(sql, '') FROM sqlite_schema \
                 WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
            )
            .map_err(self.fail())?;
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(self.fail())?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.fail())
    }

    /// The schema version and application id stored in the file.
    pub fn version(&self) -> Result<(i32, i32)> {
        let version = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(self.fail())?;
        let application_id = self
            .conn
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(self.fail())?;
        Ok((version, application_id))
    }

    /// Creates a journal at `path` with the first schema only, as the first Candor wrote it
    /// (for migration tests).
    pub fn create_v1_for_tests(path: &Path) -> Result<()> {
        let mut conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(path, e))?;
        let tx = conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(path, e))?;
        tx.execute_batch(schema::SCHEMA_V1)
            .and_then(|()| tx.pragma_update(None, "application_id", schema::APPLICATION_ID))
            .and_then(|()| tx.pragma_update(None, "user_version", 1))
            .and_then(|()| tx.commit())
            .map_err(|e| StoreError::from_sqlite(path, e))
    }

    /// Runs raw SQL on the journal (for tests that set up old or odd files).
    #[doc(hidden)]
    pub fn execute_batch_for_tests(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql).map_err(self.fail())
    }
}
