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

    #[error("The disk holding {path} is full: nothing was saved; free some space and try again.")]
    DiskFull { path: PathBuf },

    #[error("That {what} no longer exists (it may have been deleted or purged in another window).")]
    NotFound { what: &'static str },

    #[error(transparent)]
    Invalid(#[from] ValidationError),

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
            Some(ErrorCode::ReadOnly) => Self::ReadOnly { path },
            Some(ErrorCode::DiskFull) => Self::DiskFull { path },
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

    /// True when retrying later may succeed (another window held the lock).
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }
}
