//! File → Back up now… and File → Restore from backup….

use std::path::{Path, PathBuf};

use super::widgets::FormOutcome;
use crate::backup_policy::BackupInfo;

/// Back up now: into the backups folder, or to a chosen file.
#[derive(Debug, Clone)]
pub struct BackupDialog {
    pub folder: PathBuf,
    /// Empty: the backups folder with a dated name.
    pub out: String,
    pub error: Option<String>,
    /// Focus goes to the first field when the dialog (or its draft) shows.
    pub focus_pending: bool,
}

impl BackupDialog {
    /// The dialog for the journal at `journal`.
    pub fn new(journal: &Path) -> Self {
        Self {
            folder: crate::store::backup_dir(journal),
            out: String::new(),
            error: None,
            focus_pending: true,
        }
    }

    /// The file to write, when one was typed.
    pub fn out_path(&self) -> Option<PathBuf> {
        let out = self.out.trim();
        (!out.is_empty()).then(|| PathBuf::from(out))
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<FormOutcome> {
        ui.label(
            "A consistent copy of the journal, checked before it is kept. By default it goes to:",
        );
        ui.monospace(self.folder.display().to_string());
        ui.horizontal(|ui| {
            let id = ui.label("Or to this file").id;
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.out)
                        .hint_text("leave empty for the backups folder")
                        .desired_width(320.0),
                )
                .labelled_by(id);
            super::widgets::focus_first(&field, &mut self.focus_pending);
        });
        super::widgets::save_cancel_ui(ui, "Back up", self.error.as_deref())
    }
}

/// Restore from backup: the list of backups with date and customer count.
pub struct RestoreDialog {
    pub backups: Vec<BackupInfo>,
    pub chosen: Option<usize>,
    pub error: Option<String>,
    /// Focus goes to the chosen backup when the dialog shows.
    pub focus_pending: bool,
}

impl RestoreDialog {
    /// The dialog listing `backups`, newest first.
    pub fn new(backups: Vec<BackupInfo>) -> Self {
        let chosen = backups.iter().position(|b| b.customer_count.is_ok());
        Self {
            backups,
            chosen,
            error: None,
            focus_pending: true,
        }
    }

    /// The backup to restore.
    pub fn chosen_path(&self) -> Option<&Path> {
        self.chosen
            .and_then(|i| self.backups.get(i))
            .map(|b| b.path.as_path())
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<FormOutcome> {
        if self.backups.is_empty() {
            ui.label("There are no backups of this journal yet. File → Back up now… makes one; Candor also makes one each day it starts.");
            let close = ui.button("Close");
            super::widgets::focus_first(&close, &mut self.focus_pending);
            return close.clicked().then_some(FormOutcome::Cancel);
        }
        ui.label("Choose a backup. The journal as it is now is saved first, so this can be undone by restoring that copy.");
        egui::ScrollArea::vertical()
            .max_height(260.0)
            .show(ui, |ui| {
                for (index, backup) in self.backups.iter().enumerate() {
                    let readable = backup.customer_count.is_ok();
                    let row = ui.add_enabled(
                        readable,
                        egui::Button::selectable(self.chosen == Some(index), backup.describe()),
                    );
                    if self.chosen == Some(index) {
                        super::widgets::focus_first(&row, &mut self.focus_pending);
                    }
                    if row.clicked() {
                        self.chosen = Some(index);
                    }
                }
            });
        super::widgets::save_cancel_ui(ui, "Restore", self.error.as_deref())
    }
}
