//! A new journal built whole by one job (an import into a journal that did not exist yet),
//! in a temporary file beside where it will live, and put in its place only when complete.
//!
//! Because nobody else can see the temporary file and a failed build simply deletes it,
//! the build may skip what protects a journal people use: no write-ahead log (every page
//! would be written twice, once to the log and once to the file) and no waiting for the
//! disk after each write. Durability comes once at the end: the file is flushed to the
//! disk, given the write-ahead log mode every journal has, and linked into place; a power
//! cut before that leaves at most a stray temporary file, never a half-written journal.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Result, Store, StoreError, private_files, remove_dirs, sidecar};

/// A journal being built at a temporary path; see the module's doc.
pub struct NewJournal {
    // Dropped first: the connection is closed before its files are removed.
    store: Store,
    files: TempFiles,
    target: PathBuf,
}

/// The temporary file and the folders made for it, removed unless the build finished.
struct TempFiles {
    temp: PathBuf,
    /// Folders created for the journal, deepest first.
    new_dirs: Vec<PathBuf>,
    finished: bool,
}

impl NewJournal {
    /// Starts building a journal that will live at `target` (which must not exist yet).
    pub fn start(target: &Path) -> Result<Self> {
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty());
        let new_dirs = parent.map(private_files::missing_dirs).unwrap_or_default();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = target.with_file_name(format!(".{name}.building-{}", std::process::id()));
        // A stray file of an earlier build by a process with the same id.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = fs::remove_file(sidecar(&temp, suffix));
        }
        let store = Store::create(&temp)?;
        let fail = |e| StoreError::from_sqlite(&temp, e);
        // The rollback journal stays (in memory) so a failed transaction still rolls back
        // cleanly; only pages the file had before the job are kept in it: the schema's.
        store
            .conn
            .pragma_update(None, "journal_mode", "MEMORY")
            .map_err(fail)?;
        store
            .conn
            .pragma_update(None, "synchronous", "OFF")
            .map_err(fail)?;
        Ok(Self {
            store,
            files: TempFiles {
                temp,
                new_dirs,
                finished: false,
            },
            target: target.to_path_buf(),
        })
    }

    /// The journal being built.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Makes the journal durable and puts it in its place. Refuses (and removes what was
    /// built) when a file appeared at the target meanwhile: it is never replaced.
    pub fn finish(self) -> Result<()> {
        let Self {
            store,
            mut files,
            target,
        } = self;
        let temp = files.temp.clone();
        let fail = |e| StoreError::from_sqlite(&temp, e);
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        store
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        // Closing checkpoints and removes the (nearly empty) write-ahead log.
        store
            .conn
            .close()
            .map_err(|(_, e)| StoreError::from_sqlite(&temp, e))?;
        let io = |what: &str, e: &std::io::Error| StoreError::from_io(&target, what, e);
        super::private_files::sync_file(&temp)
            .map_err(|e| io("the new journal cannot be written to the disk", &e))?;
        // A hard link never replaces a file that appeared at the target meanwhile.
        match fs::hard_link(&temp, &target) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(io("another program created a file there meanwhile", &e));
            }
            // File systems without hard links: the check and the rename are not one step,
            // but nothing else is expected to create the journal in that moment.
            Err(_) if !target.exists() => fs::rename(&temp, &target)
                .map_err(|e| io("the new journal cannot be put in place", &e))?,
            Err(e) => return Err(io("the new journal cannot be put in place", &e)),
        }
        files.finished = true;
        let _ = fs::remove_file(&temp);
        // The new name must survive a power cut too.
        #[cfg(unix)]
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = fs::File::open(parent).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for TempFiles {
    /// A build that was not finished leaves nothing behind.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = fs::remove_file(sidecar(&self.temp, suffix));
        }
        remove_dirs(&self.new_dirs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CustomerDraft;
    use chrono::NaiveDate;

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn add_customer(store: &mut Store) {
        let now = NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let draft = CustomerDraft {
            name: "Ada".to_owned(),
            ..CustomerDraft::default()
        };
        store.add_customer(draft, now).unwrap();
    }

    #[test]
    fn a_finished_build_is_a_journal_in_its_place_with_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("journal.sqlite3");
        let mut build = NewJournal::start(&target).unwrap();
        add_customer(build.store());
        assert_eq!(files_in(dir.path()).len(), 1, "only the temporary file");
        assert!(!target.exists(), "nothing at the journal's place yet");
        build.finish().unwrap();
        assert_eq!(files_in(dir.path()), ["journal.sqlite3"]);
        let store = Store::open(&target).unwrap();
        assert_eq!(store.customers().unwrap().len(), 1);
        let mode: String = store
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn an_unfinished_build_leaves_no_file_and_no_folder_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir
            .path()
            .join("new")
            .join("folder")
            .join("journal.sqlite3");
        let mut build = NewJournal::start(&target).unwrap();
        add_customer(build.store());
        drop(build);
        assert!(files_in(dir.path()).is_empty());
    }

    #[test]
    fn a_file_that_appeared_at_the_target_meanwhile_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("journal.sqlite3");
        let mut build = NewJournal::start(&target).unwrap();
        add_customer(build.store());
        fs::write(&target, b"someone else's").unwrap();
        assert!(build.finish().is_err());
        assert_eq!(fs::read(&target).unwrap(), b"someone else's");
        assert_eq!(files_in(dir.path()), ["journal.sqlite3"]);
    }
}
