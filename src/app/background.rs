//! Work that takes seconds on a large journal — exports, imports, backups, restores — runs
//! on its own thread with its own connection to the journal, so the window never freezes.
//! One job at a time; its result comes back through a channel polled each frame.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::dialogs::Dialog;
use crate::backup_policy::{BackupInfo, RestoreReport};
use crate::io::import::ImportSummary;

/// What a finished job reports.
pub enum JobResult {
    Exported {
        rows: usize,
        path: PathBuf,
    },
    Imported(Box<ImportSummary>),
    BackedUp(BackupInfo),
    Restored {
        report: RestoreReport,
        backup: PathBuf,
    },
    /// One sentence saying what went wrong and what to do.
    Failed(String),
}

/// A job under way.
pub struct BackgroundJob {
    /// What is happening, for the status bar ("Exporting the timeline report…").
    pub what: String,
    /// The dialog to reopen, with the reason, if the job fails.
    pub reopen: Option<Dialog>,
    /// True while a restore runs: the window holds no journal meanwhile.
    pub restoring: bool,
    receiver: Receiver<JobResult>,
}

impl BackgroundJob {
    /// Starts `work` on a new thread.
    pub fn start(
        what: String,
        reopen: Option<Dialog>,
        restoring: bool,
        work: impl FnOnce() -> JobResult + Send + 'static,
    ) -> Result<Self, String> {
        let (sender, receiver) = channel();
        std::thread::Builder::new()
            .name("candor-job".into())
            .spawn(move || {
                let _ = sender.send(work());
            })
            .map_err(|e| format!("The work could not start ({e}); try again."))?;
        Ok(Self {
            what,
            reopen,
            restoring,
            receiver,
        })
    }

    /// The result once the job finished.
    pub fn poll(&self) -> Option<JobResult> {
        match self.receiver.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(JobResult::Failed(format!(
                "{} stopped unexpectedly; nothing already saved was changed: try again.",
                self.what.trim_end_matches('…')
            ))),
        }
    }
}
