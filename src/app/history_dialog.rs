//! History…: the changes to the selected customer and their entries that lost to a later
//! change made on another device, so a value someone typed is never silently gone.

use crate::domain::history::{LostChange, grouped};

/// The customer's lost changes, read when the dialog opened.
pub struct HistoryDialog {
    /// The customer's name, for the heading.
    pub customer_name: String,
    /// Every lost change, oldest first.
    pub changes: Vec<LostChange>,
    pub error: Option<String>,
}

impl HistoryDialog {
    /// The dialog over `changes` of the customer called `customer_name`.
    pub fn new(customer_name: String, changes: Vec<LostChange>) -> Self {
        Self {
            customer_name,
            changes,
            error: None,
        }
    }

    /// Draws the dialog; returns true when it should close.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> bool {
        if self.changes.is_empty() {
            ui.label(format!(
                "No change to {} or their entries lost to a later one.",
                self.customer_name
            ));
            ui.weak(
                "When two people (or two of your devices) change the same field before they \
                 sync, the later change wins and the other one is listed here.",
            );
        } else {
            ui.label(format!(
                "Changes to {} that lost to a later change made elsewhere; the later change \
                 is what the journal shows now.",
                self.customer_name
            ));
            egui::ScrollArea::vertical()
                .id_salt("history_changes")
                .max_height(420.0)
                .show(ui, |ui| {
                    for (thing, changes) in grouped(&self.changes) {
                        ui.add_space(4.0);
                        ui.strong(thing.describe());
                        for change in changes {
                            ui.add(egui::Label::new(change.sentence()).wrap());
                        }
                    }
                });
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.add_space(6.0);
        ui.button("Close").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape))
    }
}
