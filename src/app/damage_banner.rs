//! The journal check after opening (SQLite's quick check, on its own thread so the first
//! frame never waits for it) and the banner shown when it finds the journal damaged: the
//! journal then stays open read-only, so the damage cannot spread, and the newest good
//! backup is offered.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use super::action::Action;
use crate::backup_policy::BackupInfo;
use crate::store::StoreError;

/// What the check found wrong with the open journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// What SQLite's check found, for the banner and refused writes.
    pub detail: String,
    /// The newest backup that passes SQLite's full check, to offer for restoring.
    pub newest_good: Option<BackupInfo>,
}

/// A check under way.
pub struct JournalCheck {
    /// The journal being checked: a result for a journal no longer open is dropped.
    pub path: PathBuf,
    receiver: Receiver<Result<Option<Damage>, String>>,
}

impl JournalCheck {
    /// Starts checking the journal at `path` on its own thread, with its own read-only
    /// connection.
    pub fn start(path: &Path) -> Result<Self, String> {
        let (sender, receiver) = channel();
        let checked = path.to_path_buf();
        std::thread::Builder::new()
            .name("journal-check".into())
            .spawn(move || {
                let _ = sender.send(check(&checked));
            })
            .map_err(|e| format!("The journal's check could not start ({e})."))?;
        Ok(Self {
            path: path.to_path_buf(),
            receiver,
        })
    }

    /// The outcome once the check is done: `Ok(None)` for a sound journal, `Err` with a
    /// sentence when the check itself could not run.
    pub fn poll(&self) -> Option<Result<Option<Damage>, String>> {
        match self.receiver.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(
                "The journal's check stopped unexpectedly; nothing was changed.".to_owned(),
            )),
        }
    }
}

fn check(path: &Path) -> Result<Option<Damage>, String> {
    match crate::store::quick_check(path) {
        Ok(()) => Ok(None),
        Err(StoreError::Corrupt { detail, .. } | StoreError::Damaged { detail, .. }) => {
            Ok(Some(Damage {
                detail,
                newest_good: crate::backup_policy::newest_good_backup(path)
                    .ok()
                    .flatten(),
            }))
        }
        Err(other) => Err(format!("The journal's check could not run: {other}")),
    }
}

/// Draws the banner across the top of the window.
pub fn ui(ui: &mut egui::Ui, damage: &Damage, actions: &mut Vec<Action>) {
    let error = ui.visuals().error_fg_color;
    ui.add_space(4.0);
    ui.colored_label(
        error,
        format!(
            "⚠ This journal is damaged ({}). It is open read-only so the damage cannot spread: nothing can be saved until a good backup is restored.",
            damage.detail
        ),
    );
    ui.horizontal(|ui| match &damage.newest_good {
        Some(backup) => {
            ui.label(format!("Newest good backup: {}", backup.describe()));
            if ui.button("Restore newest good backup…").clicked() {
                actions.push(Action::OfferNewestGoodBackup);
            }
        }
        None => {
            ui.label("No backup of it passes SQLite's check: keep a copy of the file as it is before trying anything else.");
        }
    });
    ui.add_space(4.0);
}
