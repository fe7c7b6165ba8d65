//! Snapshot mechanics: consistent copies of a journal through the SQLite backup API, never a plain file copy (a copy
//! taken while another window writes, or without the `-wal` file, can be torn).
//!
//! A snapshot is written to a hidden `.partial` name beside its destination, checked with
//! `PRAGMA quick_check` or `PRAGMA integrity_check` (see [`SnapshotCheck`] for which runs
//! when), synced, and only then renamed into place, so an interrupted
//! backup never leaves a file that looks like a good one. The backup folder's layout
//! (`backups/` beside the journal, `<journal>-backup-YYYY-MM-DD-HHMMSS[-label].sqlite3`)
//! is defined here because [`Store::open`] takes a backup before it upgrades a journal;
//! when to take backups and which to keep is decided in [`crate::backup_policy`].

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::{BUSY_TIMEOUT_SECS, FileCheck, Result, Store, StoreError, check_file, schema};

/// The folder, beside the journal, that holds its backups.
pub const BACKUP_DIR_NAME: &str = "backups";

/// What follows the journal's name in its backups' names; then `YYYY-MM-DD-HHMMSS`, an
/// optional `-label`, and [`BACKUP_EXTENSION`].
pub const BACKUP_INFIX: &str = "-backup-";

/// How the backups of Candor's first versions start (`candor-YYYY-MM-DD-HHMMSS….sqlite3`):
/// they do not say whose they are and are read as backups of the default journal,
/// `journal.sqlite3`.
pub const OLD_BACKUP_PREFIX: &str = "candor-";

/// How backup files end.
pub const BACKUP_EXTENSION: &str = ".sqlite3";

const STAMP_FORMAT: &str = "%Y-%m-%d-%H%M%S";

/// The `backups/` folder beside `journal`.
pub fn backup_dir(journal: &Path) -> PathBuf {
    match journal.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(BACKUP_DIR_NAME),
        _ => PathBuf::from(BACKUP_DIR_NAME),
    }
}

/// The journal's part of its backups' names: its file name without `.sqlite3`, so two
/// journals in one folder never share backups (`work.sqlite3` → `work`, `crm.db` →
/// `crm.db`).
fn journal_key(journal: &Path) -> String {
    let name = journal
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "journal".to_owned());
    match name.strip_suffix(BACKUP_EXTENSION) {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => name,
    }
}

/// True when a name's journal part is `key`: exactly where file names are case-sensitive,
/// ignoring ASCII case on Windows and macOS, where `Journal.sqlite3` is `journal.sqlite3`.
fn same_key(found: &str, key: &str) -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        found.eq_ignore_ascii_case(key)
    } else {
        found == key
    }
}

/// `journal-backup-YYYY-MM-DD-HHMMSS.sqlite3` for the journal `journal.sqlite3`, or
/// `journal-backup-YYYY-MM-DD-HHMMSS-label.sqlite3`.
pub fn backup_file_name(journal: &Path, taken_at: NaiveDateTime, label: Option<&str>) -> String {
    let key = journal_key(journal);
    let stamp = taken_at.format(STAMP_FORMAT);
    match label {
        Some(label) => format!("{key}{BACKUP_INFIX}{stamp}-{label}{BACKUP_EXTENSION}"),
        None => format!("{key}{BACKUP_INFIX}{stamp}{BACKUP_EXTENSION}"),
    }
}

/// Reads the name of a file in the backup folder: when it is a backup of `journal`, when
/// it was taken and its label ("" for none). Another journal's backups give `None`; the
/// unnamed backups of Candor's first versions belong to the default journal.
pub fn parse_backup_file_name(journal: &Path, name: &str) -> Option<(NaiveDateTime, String)> {
    let key = journal_key(journal);
    let rest = name.strip_suffix(BACKUP_EXTENSION)?;
    let own = rest
        .rfind(BACKUP_INFIX)
        .filter(|&at| same_key(&rest[..at], &key))
        .map(|at| &rest[at + BACKUP_INFIX.len()..]);
    let default_key = journal_key(Path::new(super::DEFAULT_FILE_NAME));
    let rest = match own {
        Some(rest) => rest,
        None if same_key(&key, &default_key) => rest.strip_prefix(OLD_BACKUP_PREFIX)?,
        None => return None,
    };
    let stamp = rest.get(..17)?;
    let taken_at = NaiveDateTime::parse_from_str(stamp, STAMP_FORMAT).ok()?;
    let label = match rest.get(17..)? {
        "" => String::new(),
        tail => tail.strip_prefix('-')?.to_owned(),
    };
    Some((taken_at, label))
}

/// A free name in `journal`'s backup folder for a backup taken at `taken_at` (`-2`, `-3`…
/// when several are taken in the same second).
pub fn free_backup_path(journal: &Path, taken_at: NaiveDateTime, label: Option<&str>) -> PathBuf {
    let dir = backup_dir(journal);
    let first = dir.join(backup_file_name(journal, taken_at, label));
    if !first.exists() {
        return first;
    }
    for n in 2..1000 {
        let numbered = match label {
            Some(label) => format!("{label}-{n}"),
            None => n.to_string(),
        };
        let candidate = dir.join(backup_file_name(journal, taken_at, Some(&numbered)));
        if !candidate.exists() {
            return candidate;
        }
    }
    first
}

/// How thoroughly a fresh snapshot is checked before it takes its name.
///
/// Both read every page of the copy. On a journal of a million entries (309 MB) the quick
/// check takes about 0.5 s and the full one about 9 s, most of it matching every index
/// entry against its row: too slow for a backup taken every day, so the daily backup is
/// quick, and the full check runs where a hidden index fault would do harm: on the first
/// backup of each week (the one the weekly rotation keeps) and on a backup before it is
/// restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotCheck {
    /// `PRAGMA quick_check`: every page's structure and every row's format, without
    /// matching indexes against their tables.
    Quick,
    /// `PRAGMA integrity_check`: everything the quick check does, and that every index
    /// holds exactly its table's rows.
    Full,
}

impl SnapshotCheck {
    fn pragma(self) -> &'static str {
        match self {
            Self::Quick => "PRAGMA quick_check",
            Self::Full => "PRAGMA integrity_check",
        }
    }

    /// How the check is named in messages.
    fn name(self) -> &'static str {
        match self {
            Self::Quick => "quick check",
            Self::Full => "integrity check",
        }
    }
}

/// What a finished snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The file written.
    pub path: PathBuf,
    /// Customers in it (archived included).
    pub customer_count: usize,
    /// Its schema version (`PRAGMA user_version`).
    pub version: i32,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What a backup file holds, read without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupContents {
    pub customer_count: usize,
    pub version: i32,
}

fn io_error(path: &Path, what: &str, error: &std::io::Error) -> StoreError {
    StoreError::from_io(path, what, error)
}

/// The hidden name a snapshot is written under before it is complete: unique to this
/// process and call, so two windows backing up at the same moment never share one.
fn partial_path(dest: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".to_owned());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dest.with_file_name(format!(".{name}.{}-{n}.partial", std::process::id()))
}

fn exists_error(dest: &Path) -> StoreError {
    StoreError::CannotOpen {
        path: dest.to_path_buf(),
        detail: "a file of that name already exists and Candor does not overwrite it".to_owned(),
    }
}

/// Gives the finished `partial` its name `dest` without ever replacing a file that took
/// that name meanwhile (a hard link fails if `dest` exists); where the file system has no
/// hard links, a rename after checking.
fn publish(partial: &Path, dest: &Path) -> Result<()> {
    match fs::hard_link(partial, dest) {
        Ok(()) => {
            let _ = fs::remove_file(partial);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists_error(dest)),
        Err(_) if dest.exists() => Err(exists_error(dest)),
        Err(_) => fs::rename(partial, dest)
            .map_err(|e| io_error(dest, "the finished backup could not be named", &e)),
    }
}

/// Syncs a folder so a rename in it survives a power cut (a no-op where folders cannot be
/// opened, as on Windows).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Copies every page of `source` (the file at `source_path`) into `dest` in one step, so
/// the copy is one consistent moment of the source, waiting up to the busy timeout for a
/// lock.
fn copy_pages(
    source: &Connection,
    source_path: &Path,
    dest: &mut Connection,
    dest_path: &Path,
) -> Result<()> {
    let backup = Backup::new(source, dest).map_err(|e| StoreError::from_sqlite(dest_path, e))?;
    step_waiting(&backup, -1, source_path, dest_path)
}

fn integrity(conn: &Connection, path: &Path) -> Result<std::result::Result<(), String>> {
    run_check(conn, path, SnapshotCheck::Full)
}

fn run_check(
    conn: &Connection,
    path: &Path,
    check: SnapshotCheck,
) -> Result<std::result::Result<(), String>> {
    let mut statement = conn
        .prepare(check.pragma())
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    let lines: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    if lines == ["ok"] {
        Ok(Ok(()))
    } else {
        Ok(Err(lines.join("; ")))
    }
}

fn contents(conn: &Connection, path: &Path) -> Result<BackupContents> {
    let fail = |e| StoreError::from_sqlite(path, e);
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(fail)?;
    // Customers in the trash are not counted: the description says what the user would
    // see after a restore. The trash came with the journal's version 6.
    let count_sql = if version >= 6 {
        "SELECT COUNT(*) FROM customers WHERE deleted_at IS NULL"
    } else {
        "SELECT COUNT(*) FROM customers"
    };
    let customer_count: i64 = conn
        .query_row(count_sql, [], |row| row.get(0))
        .map_err(fail)?;
    Ok(BackupContents {
        customer_count: usize::try_from(customer_count).unwrap_or(0),
        version,
    })
}

/// Writes a consistent snapshot of the database behind `source` (the journal at
/// `source_path`) to `dest`, which must not exist yet. The copy is a standalone file
/// (rollback-journal mode, no `-wal`), checked as `check` says before it takes its name;
/// on any failure nothing is left at `dest`.
pub(crate) fn snapshot_connection(
    source: &Connection,
    source_path: &Path,
    dest: &Path,
    check: SnapshotCheck,
) -> Result<SnapshotInfo> {
    if dest.exists() {
        return Err(exists_error(dest));
    }
    let partial = partial_path(dest);
    let result = write_partial(source, source_path, &partial, dest, check);
    match result {
        Ok(contents) => {
            if let Err(error) = publish(&partial, dest) {
                let _ = fs::remove_file(&partial);
                return Err(error);
            }
            if let Some(dir) = dest.parent() {
                sync_dir(dir);
            }
            let bytes = fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
            Ok(SnapshotInfo {
                path: dest.to_path_buf(),
                customer_count: contents.customer_count,
                version: contents.version,
                bytes,
            })
        }
        Err(error) => {
            let _ = fs::remove_file(&partial);
            let _ = fs::remove_file(partial.with_extension("partial-journal"));
            Err(error.for_output("the backup", dest))
        }
    }
}

fn write_partial(
    source: &Connection,
    source_path: &Path,
    partial: &Path,
    dest: &Path,
    check: SnapshotCheck,
) -> Result<BackupContents> {
    // Readable by its owner only, like the journal: created before SQLite opens it.
    super::private_files::create_new_file(partial)
        .map_err(|e| io_error(dest, "the backup cannot be created", &e))?;
    let mut out = Connection::open_with_flags(
        partial,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::from_sqlite(dest, e))?;
    let fail = |e| StoreError::from_sqlite(dest, e);
    out.busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECS))
        .map_err(fail)?;
    // Not synced page by page as it is written: the copy goes to disk while it is checked
    // (below), and is synced once more before it is named. Until then it is a `.partial`
    // file nobody reads.
    out.pragma_update(None, "synchronous", "OFF")
        .map_err(fail)?;
    copy_pages(source, source_path, &mut out, dest)?;
    // A standalone file: no -wal beside it.
    out.pragma_update_and_check(None, "journal_mode", "DELETE", |_| Ok(()))
        .map_err(|e| copy_error(source_path, dest, e))?;
    let not_written =
        |e: &std::io::Error| io_error(dest, "the backup could not be written to disk", e);
    // The check reads the copy from memory while another thread waits for the disk to
    // take it: the two overlap instead of adding up (issue 14: the daily backup of the
    // 10k / 1M journal spent 0.1 s of its 0.8 s in that wait here, and a laptop's disk
    // can take seconds).
    let contents = thread::scope(|scope| {
        let syncing =
            thread::Builder::new().spawn_scoped(scope, || super::private_files::sync_file(partial));
        let checked = check_copy(&out, source_path, check);
        // Where no thread was to be had, the sync below does it all.
        let synced = match syncing.map(|syncing| syncing.join()) {
            Ok(Ok(synced)) => synced,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => Ok(()),
        };
        // A copy that fails its check is removed: what the check says matters, not whether
        // the copy reached the disk. Else an error of this sync is reported here: a file
        // opened after a failed write may not hear of it again.
        let contents = checked?;
        synced.map_err(|e| not_written(&e))?;
        Ok::<_, StoreError>(contents)
    })?;
    out.close().map_err(|(_, e)| fail(e))?;
    super::private_files::sync_file(partial).map_err(|e| not_written(&e))?;
    Ok(contents)
}

/// Checks the fresh copy `out` of the journal at `source_path` and reads what it holds.
fn check_copy(
    out: &Connection,
    source_path: &Path,
    check: SnapshotCheck,
) -> Result<BackupContents> {
    // SQLite finding the copy malformed means the source is damaged: name it, not the
    // copy (which is removed).
    if let Err(problem) = run_check(out, source_path, check)? {
        return Err(StoreError::Corrupt {
            path: source_path.to_path_buf(),
            detail: format!(
                "a fresh copy of it fails SQLite's {}: {problem}",
                check.name()
            ),
        });
    }
    contents(out, source_path)
}

/// Opens an existing journal or backup for reading after checking that it is a Candor
/// journal this version can read, without changing a byte of it.
pub(super) fn open_checked_read_only(path: &Path) -> Result<Connection> {
    match check_file(path)? {
        FileCheck::Missing => {
            return Err(StoreError::CannotOpen {
                path: path.to_path_buf(),
                detail: "there is no file there".to_owned(),
            });
        }
        FileCheck::LooksLikeSqlite => {}
    }
    Store::inspect(path)?;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::from_sqlite(path, e))?;
    conn.busy_timeout(Duration::from_secs(BUSY_TIMEOUT_SECS))
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(conn)
}

/// Writes a consistent, checked snapshot of the journal file at `journal` to `dest`
/// (which must not exist), while other windows may keep writing to it.
///
/// A file that is not a Candor journal, was written by a newer Candor, or is damaged (as
/// far as `check` can tell) is refused with the matching [`StoreError`] and left as it is.
pub fn snapshot_file(journal: &Path, dest: &Path, check: SnapshotCheck) -> Result<SnapshotInfo> {
    let source = open_checked_read_only(journal)?;
    snapshot_connection(&source, journal, dest, check)
}

/// Reads what a backup holds (customer count, schema version) after checking it is a
/// sound Candor journal, without changing it. `thorough` adds `PRAGMA integrity_check`
/// (reads every page) to the cheaper header and schema checks.
pub fn inspect_backup(path: &Path, thorough: bool) -> Result<BackupContents> {
    let conn = open_checked_read_only(path)?;
    if thorough && let Err(problem) = integrity(&conn, path)? {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("SQLite's integrity check says: {problem}"),
        });
    }
    contents(&conn, path)
}

/// Replaces the content of the journal at `journal` with the backup at `backup`, inside
/// one write transaction of the journal (the SQLite backup API writing into it), and saves
/// the journal as it was to `safety` (a checked snapshot, which must not exist yet) under
/// the same write lock, so a write another window commits just before the restore is in
/// that copy and never lost between the two.
///
/// The journal keeps its file and page size: other windows keep their connections, see
/// the restored journal as one change, and their next writes land in it. A backup of
/// another page size or an older schema is first turned into a checked temporary copy
/// beside the journal with the journal's page size and schema (removed again whatever
/// happens). A crash midway leaves the journal as it was. Waits up to the busy timeout for
/// other windows' writes to finish, then gives up with [`StoreError::Busy`]; other
/// windows' writes wait meanwhile (and give up the same way after the busy timeout, their
/// forms keeping what was typed).
///
/// The backup is checked first (a Candor journal, not newer than this Candor, passing
/// `PRAGMA integrity_check`). A journal whose snapshot fails the integrity check (damaged
/// deep inside) is kept byte for byte at `keep.damaged_copy` instead, and restored in place
/// all the same. A journal that does not open at all gives a [`StoreError::Corrupt`] or
/// [`StoreError::NotAJournal`] naming it, with nothing changed: [`replace_file`] is the
/// way to restore that one.
pub fn restore_into(
    journal: &Path,
    backup: &Path,
    keep: &KeepPrevious<'_>,
) -> Result<RestoredInto> {
    let contents = inspect_backup(backup, true)?;
    let mut target = Store::open(journal)?;
    if target.read_only {
        return Err(StoreError::read_only(journal.to_path_buf()));
    }
    let journal_page_size = page_size(&target.conn, journal)?;
    let backup_conn = open_checked_read_only(backup)?;
    let needs_staging = page_size(&backup_conn, backup)? != journal_page_size
        || contents.version < schema::CURRENT_VERSION;
    // Removed when this function returns, whichever way.
    let staged = TempFile(partial_path(journal).with_extension("restoring"));
    let (source, source_path) = if needs_staging {
        stage_for(journal, journal_page_size, backup, &backup_conn, &staged.0)?;
        drop(backup_conn);
        (open_checked_read_only(&staged.0)?, staged.0.as_path())
    } else {
        (backup_conn, backup)
    };
    let copy =
        Backup::new(&source, &mut target.conn).map_err(|e| StoreError::from_sqlite(journal, e))?;
    // Zero pages copied: this only takes the journal's write lock, held from here until
    // the copy is done (or rolled back when `copy` is dropped on an error).
    step_waiting(&copy, 0, source_path, journal)?;
    // The journal is about to be replaced: the quick check is enough to tell a sound one
    // (kept as a backup) from a damaged one (kept byte for byte); the backup coming in had
    // the full check above.
    let previous = match snapshot_file(journal, keep.snapshot, SnapshotCheck::Quick) {
        Ok(_) => keep.snapshot,
        // Damaged deep inside: kept byte for byte instead, still under the lock.
        Err(StoreError::Corrupt { path, .. }) if path == journal => {
            keep_raw_copy(journal, keep.damaged_copy)?;
            keep.damaged_copy
        }
        Err(error) => return Err(error),
    };
    step_waiting(&copy, -1, source_path, journal)?;
    Ok(RestoredInto {
        contents,
        previous: previous.to_path_buf(),
    })
}

/// Where [`restore_into`] keeps the journal as it was before the restore.
#[derive(Debug, Clone, Copy)]
pub struct KeepPrevious<'a> {
    /// For a sound journal: a checked snapshot (must not exist yet).
    pub snapshot: &'a Path,
    /// For a journal that opens but fails SQLite's integrity check: a byte-for-byte copy,
    /// with its `-wal` beside it (must not exist yet).
    pub damaged_copy: &'a Path,
}

/// What [`restore_into`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredInto {
    /// What the restored backup holds.
    pub contents: BackupContents,
    /// Where the journal as it was is kept: one of the [`KeepPrevious`] paths.
    pub previous: PathBuf,
}

/// Copies a journal byte for byte to `dest` (which must not exist), with its `-wal` (which
/// may hold the last writes) beside the copy: for a damaged journal, whose pages SQLite
/// cannot be trusted to read.
pub fn keep_raw_copy(journal: &Path, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(exists_error(dest));
    }
    let copy = |from: &Path, to: &Path| {
        fs::copy(from, to)
            .and_then(|_| super::private_files::sync_file(to))
            .map_err(|e| io_error(to, "a copy of the damaged journal could not be written", &e))
    };
    copy(journal, dest)?;
    let side = |path: &Path| {
        let mut name = path.as_os_str().to_owned();
        name.push("-wal");
        PathBuf::from(name)
    };
    let wal = side(journal);
    if wal.exists()
        && let Err(error) = copy(&wal, &side(dest))
    {
        let _ = fs::remove_file(dest);
        return Err(error);
    }
    if let Some(dir) = dest.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// A temporary file (and its rollback journal) removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
        let mut side = self.0.as_os_str().to_owned();
        side.push("-journal");
        let _ = fs::remove_file(PathBuf::from(side));
    }
}

fn page_size(conn: &Connection, path: &Path) -> Result<i64> {
    conn.pragma_query_value(None, "page_size", |row| row.get(0))
        .map_err(|e| StoreError::from_sqlite(path, e))
}

/// Writes to `staged` a checked copy of the backup with the journal's page size (the
/// backup API cannot change the page size of a journal in WAL mode) and the current
/// schema (so the journal is never, even for a moment, older than the windows using it).
fn stage_for(
    journal: &Path,
    journal_page_size: i64,
    backup: &Path,
    backup_conn: &Connection,
    staged: &Path,
) -> Result<()> {
    // The backup had its full check in `restore_into`; the converted copy gets one below.
    let info = snapshot_connection(backup_conn, backup, staged, SnapshotCheck::Quick)?;
    let mut conn = Connection::open_with_flags(
        staged,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::from_sqlite(journal, e))?;
    let fail = |e| StoreError::from_sqlite(journal, e);
    conn.execute_batch(&format!("PRAGMA page_size = {journal_page_size}; VACUUM;"))
        .map_err(fail)?;
    let converted = page_size(&conn, journal)?;
    if converted != journal_page_size {
        return Err(StoreError::CannotOpen {
            path: journal.to_path_buf(),
            detail: format!(
                "the backup's pages of {converted} bytes could not be converted to the journal's {journal_page_size}"
            ),
        });
    }
    if info.version < schema::CURRENT_VERSION {
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(fail)?;
        let tx = conn.transaction().map_err(fail)?;
        schema::upgrade_from(&tx, info.version).map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    if let Err(problem) = integrity(&conn, staged)? {
        return Err(StoreError::Corrupt {
            path: backup.to_path_buf(),
            detail: format!("a converted copy of it fails SQLite's integrity check: {problem}"),
        });
    }
    conn.close().map_err(|(_, e)| fail(e))?;
    Ok(())
}

/// One `sqlite3_backup_step` of `pages` pages (-1: all), retried while the destination is
/// locked by another window, up to the busy timeout.
fn step_waiting(
    copy: &Backup<'_, '_>,
    pages: std::ffi::c_int,
    source: &Path,
    dest: &Path,
) -> Result<()> {
    let started = Instant::now();
    loop {
        match copy.step(pages).map_err(|e| copy_error(source, dest, e))? {
            StepResult::Done => return Ok(()),
            StepResult::More if pages >= 0 => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked => {
                if started.elapsed() > Duration::from_secs(BUSY_TIMEOUT_SECS) {
                    return Err(StoreError::Busy {
                        seconds: BUSY_TIMEOUT_SECS,
                    });
                }
                // Short waits: another process saving in a loop leaves the lock free only
                // for moments between its transactions, and a restore asking every 25 ms
                // could miss each of them for the whole timeout (SQLite's lock is not
                // fair). A try is cheap; a millisecond apart still leaves the writer room.
                thread::sleep(Duration::from_millis(1));
            }
            _ => thread::sleep(Duration::from_millis(25)),
        }
    }
}

/// An error of the backup API: damage found while reading is the source's (the copy being
/// written is fresh or only overwritten), anything else is about the destination.
fn copy_error(source: &Path, dest: &Path, error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            StoreError::from_sqlite(source, error)
        }
        _ => StoreError::from_sqlite(dest, error),
    }
}

/// Replaces the journal file at `journal` (missing, damaged or unreadable) with a checked
/// copy of `backup`: written beside it under a temporary name, synced, then renamed over
/// it. Any `-wal` and `-shm` files of the old journal are removed first so they cannot
/// be replayed into the restored one — callers keep a copy of the old files before
/// calling this (see [`crate::backup_policy::restore`]). No other window may have the journal
/// open: this is for a journal that cannot be opened anyway.
pub fn replace_file(journal: &Path, backup: &Path) -> Result<BackupContents> {
    let source = open_checked_read_only(backup)?;
    let dir = journal
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    super::private_files::create_dir_all(dir)
        .map_err(|e| io_error(journal, "its folder cannot be created", &e))?;
    let staged = partial_path(journal).with_extension("restoring");
    let _ = fs::remove_file(&staged);
    // Nothing checked this backup thoroughly yet, and it is about to become the journal.
    let info = snapshot_connection(&source, backup, &staged, SnapshotCheck::Full)?;
    drop(source);
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = journal.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            fs::remove_file(&side).map_err(|e| {
                io_error(
                    journal,
                    &format!("{} cannot be removed", side.display()),
                    &e,
                )
            })?;
        }
    }
    fs::rename(&info.path, journal).map_err(|e| {
        let _ = fs::remove_file(&info.path);
        io_error(journal, "the restored copy could not take its place", &e)
    })?;
    sync_dir(dir);
    Store::open(journal)?;
    Ok(BackupContents {
        customer_count: info.customer_count,
        version: info.version,
    })
}

/// True when a non-empty `-wal` file sits beside `path` (writes not yet checkpointed).
pub(super) fn has_wal(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    fs::metadata(PathBuf::from(wal)).is_ok_and(|m| m.len() > 0)
}

impl Store {
    /// Refuses to write when the journal's file is gone or is no longer the file this
    /// connection has open (deleted; its folder deleted or moved; another file copied or
    /// renamed over it): SQLite would write on into the unlinked file and the change would
    /// vanish when the window closes. What was saved can still be copied out with
    /// [`Store::snapshot_to`].
    pub(super) fn check_still_there(&self) -> Result<()> {
        if self.path.as_os_str() == ":memory:" {
            return Ok(());
        }
        let gone = match fs::metadata(&self.path) {
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            Ok(_) => self.file_has_moved(),
        };
        if gone {
            return Err(StoreError::CannotOpen {
                path: self.path.clone(),
                detail: "the file was deleted, moved or replaced (perhaps restored from a \
                         backup in another window) while Candor had it open, so nothing was \
                         saved (File → Open journal… opens the file now at that place; File → \
                         Back up now… can still save a copy of what this window holds \
                         elsewhere)"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// SQLite's own test (`SQLITE_FCNTL_HAS_MOVED`): the path no longer leads to the file
    /// this connection has open.
    fn file_has_moved(&self) -> bool {
        let mut moved: std::ffi::c_int = 0;
        // SAFETY: the handle is this connection's, used on this thread while `self` is
        // borrowed; HAS_MOVED only writes one int through the pointer, which outlives the
        // call.
        let code = unsafe {
            rusqlite::ffi::sqlite3_file_control(
                self.conn.handle(),
                c"main".as_ptr(),
                rusqlite::ffi::SQLITE_FCNTL_HAS_MOVED,
                (&raw mut moved).cast(),
            )
        };
        code == rusqlite::ffi::SQLITE_OK && moved != 0
    }

    /// Writes a consistent, checked copy of this open journal to `dest` (which must not
    /// exist). Works even when the journal's file or folder was deleted while it was open:
    /// the copy is read through this connection. The copy gets SQLite's quick check, like
    /// a daily backup.
    pub fn snapshot_to(&self, dest: &Path) -> Result<SnapshotInfo> {
        snapshot_connection(&self.conn, &self.path, dest, SnapshotCheck::Quick)
    }

    /// Backs up the journal into its `backups/` folder before upgrading it from `version`.
    pub(super) fn back_up_before_upgrade(&self, version: i32) -> Result<PathBuf> {
        let dir = backup_dir(&self.path);
        super::private_files::create_dir_all(&dir).map_err(|e| StoreError::CannotOpen {
            path: self.path.clone(),
            detail: format!(
                "it needs upgrading and the backup folder {} cannot be created first ({e})",
                dir.display()
            ),
        })?;
        // Named after the journal's last write (the state it preserves), so opening a file
        // never reads the clock.
        let written_at = fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .map(|t| chrono::DateTime::<chrono::Local>::from(t).naive_local())
            .unwrap_or_default();
        let label = format!("before-upgrade-v{version}-to-v{}", schema::CURRENT_VERSION);
        let dest = free_backup_path(&self.path, written_at, Some(&label));
        self.snapshot_to(&dest).map(|info| info.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_round_trip() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 22)
            .and_then(|d| d.and_hms_opt(9, 5, 7))
            .unwrap();
        let journal = Path::new("/data/journal.sqlite3");
        let work = Path::new("/data/work-2026.sqlite3");
        assert_eq!(
            backup_file_name(journal, at, None),
            "journal-backup-2026-11-22-090507.sqlite3"
        );
        assert_eq!(
            backup_file_name(work, at, Some("before-restore")),
            "work-2026-backup-2026-11-22-090507-before-restore.sqlite3"
        );
        assert_eq!(
            parse_backup_file_name(journal, "journal-backup-2026-11-22-090507.sqlite3"),
            Some((at, String::new()))
        );
        assert_eq!(
            parse_backup_file_name(
                work,
                "work-2026-backup-2026-11-22-090507-before-restore.sqlite3"
            ),
            Some((at, "before-restore".to_owned()))
        );
        // The unnamed backups of the first versions belong to the default journal only.
        assert_eq!(
            parse_backup_file_name(journal, "candor-2026-11-22-090507-before-restore.sqlite3"),
            Some((at, "before-restore".to_owned()))
        );
        assert_eq!(
            parse_backup_file_name(work, "candor-2026-11-22-090507.sqlite3"),
            None
        );
        // Another journal's backups are not this one's.
        assert_eq!(
            parse_backup_file_name(journal, "work-2026-backup-2026-11-22-090507.sqlite3"),
            None
        );
        assert_eq!(
            parse_backup_file_name(work, "journal-backup-2026-11-22-090507.sqlite3"),
            None
        );
        for bad in [
            "journal-backup-2026-11-22.sqlite3",
            "journal-backup-2026-13-22-090507.sqlite3",
            "journal-backup-2026-11-22-090507x.sqlite3",
            ".journal-backup-2026-11-22-090507.sqlite3.123-0.partial",
            "candor-2026-11-22.sqlite3",
            "journal.sqlite3",
        ] {
            assert_eq!(parse_backup_file_name(journal, bad), None, "{bad}");
        }
    }
}
