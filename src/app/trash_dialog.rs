//! Edit → Trash…: entries moved to the trash, to restore, or (only from here) to delete
//! for good.

use super::widgets::FormOutcome;
use crate::domain::{Entry, EntryId};

/// What the person chose in the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashChoice {
    Restore(EntryId),
    Purge(EntryId),
}

/// The trash's contents, read when the dialog opened (and after each change).
pub struct TrashDialog {
    /// Entries in the trash with their customer's name, most recently deleted first.
    pub entries: Vec<(Entry, String)>,
    /// The entry whose "Delete for good" was clicked once and awaits confirmation.
    pub confirming: Option<EntryId>,
    pub error: Option<String>,
}

impl TrashDialog {
    /// The dialog over `entries`.
    pub fn new(entries: Vec<(Entry, String)>) -> Self {
        Self {
            entries,
            confirming: None,
            error: None,
        }
    }

    /// Draws the dialog; returns a choice to carry out, or `Cancel` to close.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> (Option<TrashChoice>, Option<FormOutcome>) {
        let mut choice = None;
        if self.entries.is_empty() {
            ui.label("The trash is empty.");
        } else {
            ui.label("Deleted entries stay here until you restore them or delete them for good.");
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    egui::Grid::new("trash")
                        .striped(true)
                        .num_columns(4)
                        .show(ui, |ui| {
                            for (entry, customer) in &self.entries {
                                let deleted = entry
                                    .deleted_at
                                    .map(|at| at.format("%Y-%m-%d %H:%M").to_string())
                                    .unwrap_or_default();
                                ui.weak(deleted);
                                ui.label(format!("{} — {}", customer, entry.kind.tag().label()));
                                ui.label(entry.summary.lines().next().unwrap_or_default());
                                ui.horizontal(|ui| {
                                    if ui.button("Restore").clicked() {
                                        choice = Some(TrashChoice::Restore(entry.id));
                                    }
                                    if self.confirming == Some(entry.id) {
                                        if ui
                                            .button("Confirm: delete for good")
                                            .on_hover_text("This cannot be undone")
                                            .clicked()
                                        {
                                            choice = Some(TrashChoice::Purge(entry.id));
                                        }
                                    } else if ui.button("Delete for good…").clicked() {
                                        self.confirming = Some(entry.id);
                                    }
                                });
                                ui.end_row();
                            }
                        });
                });
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let close = ui.button("Close").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape));
        (choice, close.then_some(FormOutcome::Cancel))
    }
}
