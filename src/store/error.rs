//! What can go wrong with a journal file, each with one sentence a person can act on.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

use crate::domain::ValidationError;

/// A journal could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path} is not a Candor journal ({detail}): open a journal made by Candor, or choose a new file name to start one."
    )]
    NotAJournal { path: PathBuf, detail: String },

    #[error(
        "{path} is damaged ({detail}); Candor left it untouched: restore it from a backup (File → Restore from backup…) or open another journal."
    )]
    Corrupt { path: PathBuf, detail: String },

    #[error(
        "{path} was written by a newer Candor (journal version {found}; this Candor reads up to {supported}): update Candor to open it."
    )]
    TooNew {
        path: PathBuf,
        found: i32,
        supported: i32,
    },

    #[error(
        "Cannot open {path}: {detail}. Check that the folder exists and that you may write there."
    )]
    CannotOpen { path: PathBuf, detail: String },

    #[error(
        "The journal is busy in another Candor window and stayed locked for {seconds} seconds: nothing was saved; try again in a moment."
    )]
    Busy { seconds: u64 },

    #[error(
        "The journal {path} is read-only: nothing was saved; check the file's permissions or save a copy elsewhere."
    )]
    ReadOnly { path: PathBuf },

    #[error(
        "Nothing was saved: {path} is damaged ({detail}), so Candor keeps it read-only to stop the damage spreading; restore its newest good backup (File → Restore from backup…)."
    )]
    Damaged { path: PathBuf, detail: String },

    #[error(
        "The journal {path} is on a read-only disk: nothing was saved; copy it to a disk you may write to, or make this one writable, and open it again."
    )]
    ReadOnlyDisk { path: PathBuf },

    #[error(
        "The folder {folder} holding the journal {path} is read-only (the journal file itself is not), so Candor cannot write its working files (-wal, -shm) beside it: nothing was saved; ask for write access to the folder or move the journal to a folder you may write to."
    )]
    ReadOnlyFolder { path: PathBuf, folder: PathBuf },

    #[error(
        "The disk holding the journal is full; nothing was saved ({path}): free some space and try again."
    )]
    DiskFull { path: PathBuf },

    #[error(
        "Cannot write {what} to {path}: {reason}; nothing was written there: choose another place and try again."
    )]
    CannotWrite {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    #[error("That {what} no longer exists (it may have been deleted or purged in another window).")]
    NotFound { what: &'static str },

    #[error(transparent)]
    Invalid(#[from] ValidationError),

    #[error(
        "This customer now belongs to another rep of your team, so your copy is read-only: nothing was saved; ask their rep to log it, or your manager to share the customer with you."
    )]
    OwnedByAnotherRep,

    #[error("The journal {path} could not be read or written ({source}); nothing was saved.")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// The busy timeout every connection waits for a lock before giving up.
pub const BUSY_TIMEOUT_SECS: u64 = 5;

impl StoreError {
    /// Turns a SQLite error on `path` into the error a person can act on.
    pub fn from_sqlite(path: &Path, error: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy {
                seconds: BUSY_TIMEOUT_SECS,
            },
            Some(ErrorCode::ReadOnly) => Self::read_only(path),
            Some(ErrorCode::DiskFull) => Self::DiskFull { path },
            // The -shm file could not grow: its disk has no room left.
            Some(ErrorCode::SystemIoFailure)
                if extended_code(&error) == Some(rusqlite::ffi::SQLITE_IOERR_SHMSIZE)
                    || disk_is_full(&path) =>
            {
                Self::DiskFull { path }
            }
            Some(ErrorCode::CannotOpen) if path.exists() && !folder_is_writable(&path) => {
                Self::read_only(path)
            }
            Some(ErrorCode::DatabaseCorrupt) => Self::Corrupt {
                path,
                detail: "SQLite reports a malformed database".to_owned(),
            },
            Some(ErrorCode::NotADatabase) => Self::NotAJournal {
                path,
                detail: "not a database file".to_owned(),
            },
            Some(ErrorCode::CannotOpen) => Self::CannotOpen {
                path,
                detail: "the file cannot be opened".to_owned(),
            },
            _ => match error {
                rusqlite::Error::SqliteFailure(_, Some(ref message))
                    if message.contains(super::ownership::HANDED_OVER_MARK) =>
                {
                    Self::OwnedByAnotherRep
                }
                rusqlite::Error::FromSqlConversionFailure(_, _, ref cause) => Self::Corrupt {
                    path,
                    detail: format!("a stored value is unreadable: {cause}"),
                },
                error => Self::Sqlite {
                    path,
                    source: error,
                },
            },
        }
    }

    /// The journal at `path` cannot be written: says whether the file or its folder is to
    /// blame (a writable journal in a read-only folder cannot create its -wal file).
    pub fn read_only(path: PathBuf) -> Self {
        let on_read_only_disk =
            write_access(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::ReadOnlyFilesystem);
        match folder_of(&path) {
            _ if on_read_only_disk => Self::ReadOnlyDisk { path },
            Some(folder) if is_writable(&path) && !folder_is_writable(&path) => {
                Self::ReadOnlyFolder { path, folder }
            }
            _ => Self::ReadOnly { path },
        }
    }

    /// A file operation on the journal at `path` failed while doing `what` ("the file
    /// cannot be created"): a full disk or a read-only folder says so; anything else
    /// carries the system's reason once.
    pub fn from_io(path: &Path, what: &str, error: &std::io::Error) -> Self {
        let path = path.to_path_buf();
        if error.kind() == std::io::ErrorKind::StorageFull {
            return Self::DiskFull { path };
        }
        let problem = write_problem(&path, error);
        let detail = if problem.starts_with("the folder") || problem.starts_with("the disk") {
            problem
        } else {
            format!("{what} ({problem})")
        };
        Self::CannotOpen { path, detail }
    }

    /// Restates an error about an output file (a backup written to `dest`) as where the
    /// output could not go: "Cannot write the backup to …: the disk is full".
    pub fn for_output(self, what: &'static str, dest: &Path) -> Self {
        let reason = match &self {
            Self::DiskFull { path } if path == dest => "the disk is full".to_owned(),
            Self::ReadOnly { path } if path == dest => "the file is read-only".to_owned(),
            Self::ReadOnlyDisk { path } if path == dest => "the disk is read-only".to_owned(),
            Self::ReadOnlyFolder { path, folder } if path == dest => {
                format!("the folder {} is read-only", folder.display())
            }
            Self::CannotOpen { path, detail } if path == dest => detail.clone(),
            _ => return self,
        };
        Self::CannotWrite {
            what,
            path: dest.to_path_buf(),
            reason,
        }
    }

    /// True when retrying later may succeed (another window held the lock).
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }
}

/// Why writing to `path` failed, in words ("the disk is full", "the folder /x is
/// read-only"), with the system's own text only where there are no better words.
pub fn write_problem(path: &Path, error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    let folder = folder_of(path).unwrap_or_else(|| PathBuf::from("."));
    match error.kind() {
        ErrorKind::StorageFull => "the disk is full".to_owned(),
        ErrorKind::ReadOnlyFilesystem => "the disk is read-only".to_owned(),
        ErrorKind::PermissionDenied
            if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().readonly()) =>
        {
            "the file is read-only".to_owned()
        }
        ErrorKind::PermissionDenied if !folder_is_writable(path) => {
            format!("the folder {} is read-only", folder.display())
        }
        ErrorKind::NotFound if !folder.exists() => {
            format!("the folder {} does not exist", folder.display())
        }
        ErrorKind::IsADirectory => "that is a folder, not a file".to_owned(),
        _ => error.to_string(),
    }
}

fn extended_code(error: &rusqlite::Error) -> Option<std::ffi::c_int> {
    match error {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.extended_code),
        _ => None,
    }
}

/// The folder a file at `path` lives in ("." for a bare file name).
fn folder_of(path: &Path) -> Option<PathBuf> {
    match path.parent() {
        Some(parent) if parent.as_os_str().is_empty() => Some(PathBuf::from(".")),
        Some(parent) => Some(parent.to_path_buf()),
        None => None,
    }
}

/// Whether files may be created in the folder of `path` (permissions and read-only
/// mounts both count). Where the system cannot say, assumes it may.
fn folder_is_writable(path: &Path) -> bool {
    folder_of(path).is_none_or(|folder| is_writable(&folder))
}

/// Whether this process may write to the file or folder at `path` (permissions and
/// read-only mounts both count). Where the system cannot say, assumes it may.
fn is_writable(path: &Path) -> bool {
    write_access(path).is_ok()
}

/// Asks the system whether this process may write to `path`, and why not.
fn write_access(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
            return Ok(());
        };
        // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call;
        // access(2) only reads it.
        if unsafe { libc::access(c_path.as_ptr(), libc::W_OK) } == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
    #[cfg(not(unix))]
    {
        match std::fs::metadata(path) {
            Ok(m) if m.permissions().readonly() => {
                Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied))
            }
            _ => Ok(()),
        }
    }
}

/// True when the disk holding `path` has no room for another page of the journal, so an
/// I/O error there is the full disk (SQLite reports some of those as plain I/O errors).
fn disk_is_full(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        let Some(folder) = folder_of(path) else {
            return false;
        };
        let Ok(c_path) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: an all-zero statvfs is a valid value for statvfs(3) to fill in; the path
        // is a valid NUL-terminated string; both outlive the call.
        let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c_path.as_ptr(), &raw mut stats) } != 0 {
            return false;
        }
        // The field types differ between systems (32 bits on macOS, 64 on Linux).
        #[allow(clippy::useless_conversion)]
        let free_bytes = u64::from(stats.f_bavail).saturating_mul(u64::from(stats.f_frsize));
        free_bytes < 64 * 1024
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: std::ffi::c_int) -> rusqlite::Error {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None)
    }

    #[test]
    fn a_full_disk_says_so_whatever_code_sqlite_chose() {
        let path = Path::new("/tmp/j.sqlite3");
        for code in [
            rusqlite::ffi::SQLITE_FULL,
            rusqlite::ffi::SQLITE_IOERR_SHMSIZE,
        ] {
            let error = StoreError::from_sqlite(path, sqlite_error(code));
            assert_eq!(
                error.to_string(),
                "The disk holding the journal is full; nothing was saved (/tmp/j.sqlite3): free some space and try again."
            );
        }
    }

    #[test]
    fn an_output_that_cannot_be_written_says_where_and_why() {
        let dest = Path::new("/x/backups/b.sqlite3");
        let error = StoreError::DiskFull {
            path: dest.to_path_buf(),
        }
        .for_output("the backup", dest);
        assert_eq!(
            error.to_string(),
            "Cannot write the backup to /x/backups/b.sqlite3: the disk is full; nothing was written there: choose another place and try again."
        );
        let journal_error = StoreError::DiskFull {
            path: PathBuf::from("/x/j.sqlite3"),
        };
        assert!(matches!(
            journal_error.for_output("the backup", dest),
            StoreError::DiskFull { .. }
        ));
    }

    #[test]
    fn a_missing_folder_is_not_a_read_only_one() {
        let error = StoreError::from_io(
            Path::new("/no/such/folder/j.sqlite3"),
            "the file cannot be created",
            &std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert!(!error.to_string().contains("read-only"), "{error}");
    }
}
