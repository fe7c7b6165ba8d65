//! Files and folders that hold customers are readable by their owner only.
//!
//! On Linux and macOS a file is created world-readable by default (mode 0644 under the
//! usual umask), so on a shared machine any local user could read every customer. Candor
//! creates its folders 0700 and its files 0600, as browsers and mail clients do with their
//! profiles. SQLite gives a journal's `-wal` and `-shm` files the mode of the journal
//! itself, so creating the journal 0600 before SQLite opens it covers them. On Windows
//! these are no-ops: the per-user AppData folder already keeps other users out.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Creates `dir` and any missing parents, each readable by its owner only (0700). Folders
/// that already exist are left as they are.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates a new, empty file at `path` readable and writable by its owner only (0600);
/// fails if something is already there.
pub fn create_new_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Waits until the file at `path` is on the disk (its content and size). Windows flushes a
/// file only through a handle that may write to it (`FlushFileBuffers` refuses a read-only
/// one with "access denied"), so there it is opened for writing; nothing is written.
pub fn sync_file(path: &Path) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    if cfg!(windows) {
        options.write(true);
    } else {
        options.read(true);
    }
    options.open(path)?.sync_all()
}

/// The folders `create_dir_all(dir)` would create, deepest first: to remove them again if
/// what they were made for fails.
pub fn missing_dirs(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| !a.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// Takes away group and other access from `path` (a folder becomes 0700, a file 0600)
/// when it has any; never touches the content. Best effort: a file owned by someone else
/// keeps its mode, and the journal still opens.
pub fn make_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let Ok(metadata) = fs::symlink_metadata(path) else {
            return;
        };
        if metadata.file_type().is_symlink() {
            return;
        }
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            let private = if metadata.is_dir() { 0o700 } else { 0o600 };
            let _ = fs::set_permissions(path, fs::Permissions::from_mode(private));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
    }
}

/// True when `dir` is Candor's own data folder (where the journal lives when no `--db` is
/// given): the only folder Candor tightens that it did not create, since a journal kept
/// in a folder of the person's choosing (Documents, a shared drive) leaves that folder's
/// access to them.
pub fn is_own_data_folder(dir: &Path) -> bool {
    let Some(own) = super::default_journal_path() else {
        return false;
    };
    let Some(own_dir) = own.parent() else {
        return false;
    };
    match (fs::canonicalize(dir), fs::canonicalize(own_dir)) {
        (Ok(dir), Ok(own_dir)) => dir == own_dir,
        _ => false,
    }
}

/// Tightens what an existing journal at `journal` left readable to others, without
/// touching any data: its `backups/` folder and the backups in it always (they are
/// Candor's own); the folder, the journal and its `-wal`/`-shm` files only in Candor's own
/// data folder.
pub fn tighten_existing(journal: &Path) {
    let backups = super::backup_dir(journal);
    if backups.is_dir() {
        make_private(&backups);
        if let Ok(entries) = fs::read_dir(&backups) {
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_file()) {
                    make_private(&entry.path());
                }
            }
        }
    }
    let Some(dir) = journal.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return;
    };
    if is_own_data_folder(dir) {
        make_private(dir);
        make_private(journal);
        for suffix in ["-wal", "-shm"] {
            let mut side = journal.as_os_str().to_owned();
            side.push(suffix);
            make_private(Path::new(&side));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_synced_as_it_is_and_a_missing_one_is_not_created() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("backup.sqlite3");
        fs::write(&path, b"pages").expect("written");
        sync_file(&path).expect("synced");
        assert_eq!(fs::read(&path).expect("read back"), b"pages");

        let missing = dir.path().join("missing.sqlite3");
        let error = sync_file(&missing).expect_err("nothing to sync");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(!missing.exists(), "syncing must never create a file");
    }
}
