//! Backup policy: when to take a journal's backups, which to keep, how to list them, and
//! how a restore is carried out. The copying itself (the SQLite backup API, checked and
//! renamed into place) is the store's snapshot mechanics (`store/snapshot.rs`, reached
//! through [`crate::store`]).
//!
//! Backups go to a `backups/` folder beside the journal, named after the journal and the
//! moment they were taken (local time): `work-backup-YYYY-MM-DD-HHMMSS.sqlite3` for
//! `work.sqlite3`. Everything here is per journal: two journals in one folder each get
//! their daily backup, their own rotation and their own list; the unnamed
//! `candor-YYYY-MM-DD-HHMMSS.sqlite3` backups of Candor's first versions count as the
//! default journal's (`journal.sqlite3`). Labelled ones (`…-before-restore.sqlite3`,
//! `…-before-upgrade-v1-to-v2.sqlite3`) are taken before a restore or a schema upgrade
//! and kept apart from the daily rotation.
//!
//! Limits: a backup is as good as the disk it is on (the folder sits beside the journal,
//! so copy it elsewhere too). Restoring replaces the journal's content for every open
//! window at once; a window in the middle of editing keeps its form and saves into the
//! restored journal.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::store::{self, SnapshotCheck, StoreError};

/// Daily backups kept: the newest of each of the last 7 days that have one.
pub const KEEP_DAILY: usize = 7;
/// Weekly backups kept beyond those: the newest of each of the 4 weeks before.
pub const KEEP_WEEKLY: usize = 4;
/// Labelled backups (before a restore or an upgrade) kept, newest first.
pub const KEEP_LABELLED: usize = 5;

/// The label of the backup taken of the journal just before a restore replaces it.
pub const BEFORE_RESTORE: &str = "before-restore";
/// The label of the raw copy of a damaged journal kept before a restore replaces it.
pub const DAMAGED: &str = "damaged";

/// A backup could not be made, listed or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("There is no journal at {path} to back up: check the path, or open the journal first.")]
    NoJournal { path: PathBuf },

    #[error("There is no backup at {path}: choose one from the list of backups.")]
    NoBackup { path: PathBuf },

    #[error(
        "{path} already exists and Candor does not overwrite files: choose a new file name for the backup."
    )]
    Exists { path: PathBuf },

    #[error(
        "{path} is the journal itself, not a backup of it: choose a file from the backups folder."
    )]
    SameFile { path: PathBuf },

    #[error(
        "The backup folder {path} could not be read or written ({detail}): check that it exists and that you may write there."
    )]
    Folder { path: PathBuf, detail: String },

    #[error("{path} is damaged ({detail}), so {consequence}: {advice}.")]
    Damaged {
        path: PathBuf,
        detail: String,
        /// What that means for what was asked ("nothing was imported into it").
        consequence: String,
        /// Which backup to restore, and how.
        advice: String,
    },

    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of a backup operation.
pub type Result<T, E = BackupError> = std::result::Result<T, E>;

/// One backup in the `backups/` folder, for the "Restore from backup…" list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub path: PathBuf,
    /// When it was taken (local time, from its name).
    pub taken_at: NaiveDateTime,
    /// "" for a regular backup, else why it was taken ("before-restore"…).
    pub label: String,
    /// Customers in it, or why it cannot be read.
    pub customer_count: std::result::Result<usize, String>,
    pub bytes: u64,
}

impl BackupInfo {
    /// "2026-11-22 09:05 — 25 customers (before restore)", for a list row.
    pub fn describe(&self) -> String {
        let when = self.taken_at.format("%Y-%m-%d %H:%M");
        let what = match &self.customer_count {
            Ok(1) => "1 customer".to_owned(),
            Ok(n) => format!("{n} customers"),
            Err(problem) => format!("unreadable: {problem}"),
        };
        if self.label.is_empty() {
            format!("{when} — {what}")
        } else {
            format!("{when} — {what} ({})", self.label.replace('-', " "))
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Customers in the restored journal.
    pub customer_count: usize,
    /// Where the journal as it was before the restore was saved (none when there was no
    /// journal).
    pub previous: Option<PathBuf>,
}

fn folder_error(path: &Path, error: &std::io::Error) -> BackupError {
    BackupError::Folder {
        path: path.to_path_buf(),
        detail: store::write_problem(path, error),
    }
}

fn ensure_dir(dir: &Path) -> Result<()> {
    store::private_files::create_dir_all(dir).map_err(|e| folder_error(dir, &e))
}

/// File → Back up now…: a consistent backup of the journal into its `backups/` folder, or
/// to `out` when given (which must not exist), checked with SQLite's quick check. Other
/// windows may keep writing meanwhile.
pub fn back_up_now(journal: &Path, out: Option<&Path>, now: NaiveDateTime) -> Result<BackupInfo> {
    back_up_checked(journal, out, now, SnapshotCheck::Quick)
}

fn back_up_checked(
    journal: &Path,
    out: Option<&Path>,
    now: NaiveDateTime,
    check: SnapshotCheck,
) -> Result<BackupInfo> {
    if !journal.exists() {
        return Err(BackupError::NoJournal {
            path: journal.to_path_buf(),
        });
    }
    // Refuse a file that is not a sound journal before creating anything for it.
    store::inspect_backup(journal, false)?;
    let info = match out {
        Some(out) => {
            if out.exists() {
                return Err(BackupError::Exists {
                    path: out.to_path_buf(),
                });
            }
            store::snapshot_file(journal, out, check)?
        }
        None => {
            let dir = store::backup_dir(journal);
            ensure_dir(&dir)?;
            // Another window may take the same name in the same second: take the next one.
            let mut attempt = 0;
            loop {
                let dest = store::free_backup_path(journal, now, None);
                match store::snapshot_file(journal, &dest, check) {
                    Err(StoreError::CannotOpen { .. }) if dest.exists() && attempt < 3 => {
                        attempt += 1;
                    }
                    result => break result?,
                }
            }
        }
    };
    Ok(BackupInfo {
        path: info.path,
        taken_at: now,
        label: String::new(),
        customer_count: Ok(info.customer_count),
        bytes: info.bytes,
    })
}

/// The start-up backup: at most one a day, into `backups/` beside the journal, then the
/// rotation (7 daily, 4 weekly). Returns the new backup, or `None` when there is no journal
/// yet or today's backup of this journal exists (each journal in a folder gets its own).
///
/// The first backup of an ISO week, the one the weekly rotation keeps longest, gets
/// SQLite's full integrity check; the other days' get the quick check, which skips
/// matching every index against its table (see [`SnapshotCheck`]): about 1 s instead of
/// 6 s for 1M entries / 230 MB here.
///
/// A damaged journal gives [`StoreError::Corrupt`] (inside [`BackupError::Store`]) and
/// stays as it is: offer [`newest_good_backup`]. It reads the whole journal twice (copy,
/// check), so call it off the UI thread; windows may keep writing meanwhile.
pub fn startup_backup(journal: &Path, now: NaiveDateTime) -> Result<Option<PathBuf>> {
    let today = now.date();
    if !journal.exists() {
        return Ok(None);
    }
    let existing = scan(journal)?;
    if existing
        .iter()
        .any(|(_, at, label)| label_is_regular(label) && at.date() == today)
    {
        return Ok(None);
    }
    let this_week = today.iso_week();
    let first_of_week = !existing
        .iter()
        .any(|(_, at, label)| label_is_regular(label) && at.date().iso_week() == this_week);
    let check = if first_of_week {
        SnapshotCheck::Full
    } else {
        SnapshotCheck::Quick
    };
    let info = back_up_checked(journal, None, now, check)?;
    prune(journal, today)?;
    Ok(Some(info.path))
}

/// Deletes the regular backups beyond the newest of each of the last [`KEEP_DAILY`] days
/// and of each of the [`KEEP_WEEKLY`] ISO weeks before them, and labelled backups beyond
/// the newest [`KEEP_LABELLED`]; backups dated after `today` (a clock set back) are kept.
/// Returns the files deleted. Leftovers of interrupted backups older than a day go too.
pub fn prune(journal: &Path, today: NaiveDate) -> Result<Vec<PathBuf>> {
    let mut all = scan(journal)?;
    all.sort_by_key(|b| std::cmp::Reverse(b.1));
    let keep = chosen_to_keep(
        all.iter()
            .map(|(path, at, label)| (path.as_path(), *at, label_is_regular(label))),
        today,
    );
    let mut deleted = Vec::new();
    for (path, _, _) in &all {
        if !keep.contains(path.as_path()) {
            match fs::remove_file(path) {
                Ok(()) => deleted.push(path.clone()),
                // Another window starting at the same time pruned it first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(folder_error(path, &e)),
            }
        }
    }
    remove_stale_partials(&store::backup_dir(journal), |name| {
        name.starts_with('.') && name.contains(".partial")
    });
    // A restore interrupted by a crash leaves its temporary copy beside the journal.
    if let (Some(folder), Some(name)) = (journal.parent(), journal.file_name()) {
        // `.journal.sqlite3.PID-N.restoring`, and the `.partial` it is written through:
        // `..journal.sqlite3.PID-N.restoring.PID-M.partial`.
        let ours = format!(".{}.", name.to_string_lossy());
        let ours_partial = format!(".{ours}");
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        remove_stale_partials(folder, |name| {
            (name.starts_with(&ours) || name.starts_with(&ours_partial))
                && (name.ends_with(".restoring") || name.ends_with(".partial"))
        });
    }
    Ok(deleted)
}

/// The retention rule on (path, taken at, regular?) triples sorted newest first.
fn chosen_to_keep<'a>(
    backups: impl Iterator<Item = (&'a Path, NaiveDateTime, bool)>,
    today: NaiveDate,
) -> BTreeSet<&'a Path> {
    let mut keep = BTreeSet::new();
    let mut days = BTreeSet::new();
    let mut weeks = BTreeSet::new();
    let mut daily_weeks = BTreeSet::new();
    let mut labelled = 0;
    for (path, at, regular) in backups {
        if !regular {
            if labelled < KEEP_LABELLED {
                keep.insert(path);
            }
            labelled += 1;
            continue;
        }
        let day = at.date();
        if day > today {
            keep.insert(path);
            continue;
        }
        let week = day.iso_week();
        let week = (week.year(), week.week());
        if days.len() < KEEP_DAILY {
            if days.insert(day) {
                keep.insert(path);
                daily_weeks.insert(week);
            }
            continue;
        }
        if days.contains(&day) || daily_weeks.contains(&week) {
            continue;
        }
        if weeks.len() < KEEP_WEEKLY && weeks.insert(week) {
            keep.insert(path);
        }
    }
    keep
}

fn label_is_regular(label: &str) -> bool {
    label.chars().all(|c| c.is_ascii_digit())
}

/// Deletes the files in `dir` older than a day whose names `leftover` recognises as
/// pieces of an interrupted backup or restore.
fn remove_stale_partials(dir: &Path, leftover: impl Fn(&str) -> bool) {
    let Ok(read) = fs::read_dir(dir) else {
        return;
    };
    for item in read.flatten() {
        let name = item.file_name().to_string_lossy().into_owned();
        if !leftover(&name) {
            continue;
        }
        let old = item
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() > 24 * 3600);
        if old {
            let _ = fs::remove_file(item.path());
        }
    }
}

/// The backup files beside `journal`: (path, taken at, label), in no order.
fn scan(journal: &Path) -> Result<Vec<(PathBuf, NaiveDateTime, String)>> {
    let dir = store::backup_dir(journal);
    let read = match fs::read_dir(&dir) {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(folder_error(&dir, &e)),
    };
    let mut found = Vec::new();
    for item in read {
        let item = item.map_err(|e| folder_error(&dir, &e))?;
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some((at, label)) = store::parse_backup_file_name(journal, name)
            && label != DAMAGED
            && !label.starts_with("damaged-")
        {
            found.push((item.path(), at, label));
        }
    }
    Ok(found)
}

/// File → Restore from backup…: every backup of `journal`, newest first, with its date and
/// customer count (a quick check of each; [`restore`] checks thoroughly).
pub fn list_backups(journal: &Path) -> Result<Vec<BackupInfo>> {
    let mut all = scan(journal)?;
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    Ok(all
        .into_iter()
        .map(|(path, taken_at, label)| {
            let customer_count = store::inspect_backup(&path, false)
                .map(|c| c.customer_count)
                .map_err(|e| e.to_string());
            let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            BackupInfo {
                path,
                taken_at,
                label,
                customer_count,
                bytes,
            }
        })
        .collect())
}

/// For a journal found damaged at start-up: the newest backup that passes SQLite's full
/// integrity check, to offer for restoring.
pub fn newest_good_backup(journal: &Path) -> Result<Option<BackupInfo>> {
    for backup in list_backups(journal)? {
        if backup.customer_count.is_err() {
            continue;
        }
        if let Ok(contents) = store::inspect_backup(&backup.path, true) {
            return Ok(Some(BackupInfo {
                customer_count: Ok(contents.customer_count),
                ..backup
            }));
        }
    }
    Ok(None)
}

/// True when `error` from opening a journal means it is damaged and a backup should be
/// offered (the file itself is left as it is).
pub fn offers_restore(error: &StoreError) -> bool {
    matches!(
        error,
        StoreError::Corrupt { .. } | StoreError::Damaged { .. }
    )
}

/// SQLite's quick check of `journal` before a bulk write (an import) or a report read
/// from it: `Ok(())` when it is sound; else [`BackupError::Damaged`], one sentence naming
/// the journal, `consequence` ("nothing was imported into it") and its newest good backup
/// with how to restore it. Reads the whole journal (and, when damaged, checks its
/// backups): call it off the UI thread.
pub fn check_journal(journal: &Path, consequence: &str) -> Result<()> {
    let detail = match store::quick_check(journal) {
        Ok(()) => return Ok(()),
        Err(StoreError::Corrupt { detail, .. } | StoreError::Damaged { detail, .. }) => detail,
        Err(other) => return Err(other.into()),
    };
    Err(BackupError::Damaged {
        path: journal.to_path_buf(),
        detail,
        consequence: consequence.to_owned(),
        advice: restore_advice(journal, newest_good_backup(journal).ok().flatten().as_ref()),
    })
}

/// "restore its newest good backup, FILE (…)", or what to do when there is none.
pub fn restore_advice(journal: &Path, newest_good: Option<&BackupInfo>) -> String {
    let has_backups = list_backups(journal).is_ok_and(|all| !all.is_empty());
    match newest_good {
        Some(backup) => format!(
            "restore its newest good backup, {} ({}), with File → Restore from backup… or `candor restore --db {} {}`",
            backup
                .path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
            backup.describe(),
            journal.display(),
            backup.path.display()
        ),
        None if has_backups => "none of its backups passes SQLite's check, so keep a copy of the file as it is before trying anything else".to_owned(),
        None => "it has no backup yet, so keep a copy of the file as it is before trying anything else".to_owned(),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Restores `backup` as the journal at `journal`, first saving the journal as it is into
/// `backups/` (labelled "before-restore"; a damaged journal is kept byte for byte,
/// labelled "damaged"). The backup is checked thoroughly before anything changes.
///
/// A journal that opens keeps its file: the safety copy and the restore happen inside one
/// of its own write transactions, so other windows see the restore as one change, their
/// next writes land in the restored journal, a write they commit just before it is in the
/// safety copy, and a crash midway changes nothing. A missing journal, or one too damaged
/// to open, is replaced by renaming a checked copy over it; other windows that still have
/// the old file open then refuse to write, saying it was replaced (the desktop app opens
/// the new file by itself). The desktop app drops
/// its own `Store` before calling this and reopens it after.
///
/// Takes seconds on a journal of a million entries (the backup's full integrity check,
/// safety copy and its quick check, copy in; other windows' writes wait meanwhile and give up
/// after the busy timeout with their forms intact): call it off the UI thread.
pub fn restore(journal: &Path, backup: &Path, now: NaiveDateTime) -> Result<RestoreReport> {
    if !backup.exists() {
        return Err(BackupError::NoBackup {
            path: backup.to_path_buf(),
        });
    }
    if same_file(journal, backup) {
        return Err(BackupError::SameFile {
            path: backup.to_path_buf(),
        });
    }
    // A quick check before the journal is touched; SQLite's full integrity check of the
    // backup follows in the store before anything is replaced.
    store::inspect_backup(backup, false)?;
    if !journal.exists() {
        let contents = store::replace_file(journal, backup)?;
        return Ok(RestoreReport {
            customer_count: contents.customer_count,
            previous: None,
        });
    }
    ensure_dir(&store::backup_dir(journal))?;
    let keep = store::KeepPrevious {
        snapshot: &store::free_backup_path(journal, now, Some(BEFORE_RESTORE)),
        damaged_copy: &store::free_backup_path(journal, now, Some(DAMAGED)),
    };
    match store::restore_into(journal, backup, &keep) {
        Ok(done) => Ok(RestoreReport {
            customer_count: done.contents.customer_count,
            previous: Some(done.previous),
        }),
        Err(error) if is_unsound(&error, journal) => {
            let kept = keep_damaged_copy(journal, now)?;
            let contents = store::replace_file(journal, backup)?;
            Ok(RestoreReport {
                customer_count: contents.customer_count,
                previous: Some(kept),
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// True when `error` says the journal itself (not the backup) is damaged or is not a
/// journal, so it cannot be restored in place.
fn is_unsound(error: &StoreError, journal: &Path) -> bool {
    match error {
        StoreError::Corrupt { path, .. } | StoreError::NotAJournal { path, .. } => path == journal,
        _ => false,
    }
}

/// Copies a damaged journal (and its `-wal`, which may hold the last writes) byte for byte
/// into the backup folder; returns the copy of the main file.
fn keep_damaged_copy(journal: &Path, now: NaiveDateTime) -> Result<PathBuf> {
    let dest = store::free_backup_path(journal, now, Some(DAMAGED));
    store::keep_raw_copy(journal, &dest)?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap()
    }

    #[test]
    fn retention_keeps_seven_daily_and_four_weekly() {
        // One backup a day for 60 days up to 2026-11-22 (a Sunday), plus a second one on
        // the last day and two labelled ones.
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let mut backups: Vec<(PathBuf, NaiveDateTime, bool)> = (0..60)
            .map(|back| {
                let when = at(2026, 11, 22) - chrono::Duration::days(back);
                (PathBuf::from(format!("d{back}")), when, true)
            })
            .collect();
        backups.push((
            PathBuf::from("later-today"),
            at(2026, 11, 22) + chrono::Duration::hours(2),
            true,
        ));
        backups.push((PathBuf::from("label"), at(2026, 1, 1), false));
        backups.sort_by_key(|b| std::cmp::Reverse(b.1));
        let keep = chosen_to_keep(backups.iter().map(|(p, t, r)| (p.as_path(), *t, *r)), today);
        let mut kept: Vec<String> = keep.iter().map(|p| p.display().to_string()).collect();
        kept.sort();
        // Today's newest, the 6 days before, then the newest of 4 earlier ISO weeks.
        let mut expected: Vec<String> = ["later-today", "d1", "d2", "d3", "d4", "d5", "d6"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // d0..d6 cover Mon 16th..Sun 22nd = one ISO week; the next weeks' newest days are
        // the Sundays d7, d14, d21, d28.
        expected.extend(["d7", "d14", "d21", "d28", "label"].map(String::from));
        expected.sort();
        assert_eq!(kept, expected);
    }
}
