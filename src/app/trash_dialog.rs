//! Edit → Trash…: customers and entries moved to the trash, to restore, or (only from
//! here) to delete for good.

use chrono::NaiveDateTime;

use super::widgets::FormOutcome;
use crate::domain::{Customer, CustomerId, Entry, EntryId};

/// What the person chose in the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashChoice {
    Restore(EntryId),
    Purge(EntryId),
    RestoreCustomer(CustomerId),
    PurgeCustomer(CustomerId),
}

/// What awaits a second click on "Confirm: delete for good".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirming {
    Entry(EntryId),
    Customer(CustomerId),
}

/// The trash's contents, read when the dialog opened (and after each change).
pub struct TrashDialog {
    /// Customers in the trash with when they were deleted, most recently deleted first.
    pub customers: Vec<(Customer, NaiveDateTime)>,
    /// Entries in the trash with their customer's name, most recently deleted first.
    pub entries: Vec<(Entry, String)>,
    /// What was clicked "Delete for good…" once and awaits confirmation.
    confirming: Option<Confirming>,
    pub error: Option<String>,
}

impl TrashDialog {
    /// The dialog over deleted `customers` and `entries`.
    pub fn new(customers: Vec<(Customer, NaiveDateTime)>, entries: Vec<(Entry, String)>) -> Self {
        Self {
            customers,
            entries,
            confirming: None,
            error: None,
        }
    }

    /// "Restore" and a two-click "Delete for good" for one row.
    fn row_buttons_ui(
        ui: &mut egui::Ui,
        confirming: &mut Option<Confirming>,
        this: Confirming,
        restore: TrashChoice,
        purge: TrashChoice,
        purge_warning: &str,
    ) -> Option<TrashChoice> {
        let mut choice = None;
        ui.horizontal(|ui| {
            if ui.button("Restore").clicked() {
                choice = Some(restore);
            }
            if *confirming == Some(this) {
                if ui
                    .button("Confirm: delete for good")
                    .on_hover_text(purge_warning)
                    .clicked()
                {
                    choice = Some(purge);
                }
            } else if ui.button("Delete for good…").clicked() {
                *confirming = Some(this);
            }
        });
        choice
    }

    /// Draws the dialog; returns a choice to carry out, or `Cancel` to close.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> (Option<TrashChoice>, Option<FormOutcome>) {
        let mut choice = None;
        if self.entries.is_empty() && self.customers.is_empty() {
            ui.label("The trash is empty.");
        }
        if !self.customers.is_empty() {
            ui.label(
                "Deleted customers, with their whole history, stay here until you restore \
                 them or delete them for good.",
            );
            egui::ScrollArea::vertical()
                .id_salt("trash_customers")
                .max_height(200.0)
                .show(ui, |ui| {
                    egui::Grid::new("trash_customers_grid")
                        .striped(true)
                        .num_columns(3)
                        .show(ui, |ui| {
                            for (customer, deleted_at) in &self.customers {
                                ui.weak(deleted_at.format("%Y-%m-%d %H:%M").to_string());
                                let name = if customer.company.is_empty() {
                                    super::bidi::display(&customer.name).into_owned()
                                } else {
                                    format!(
                                        "{} — {}",
                                        super::bidi::display(&customer.name),
                                        super::bidi::display(&customer.company)
                                    )
                                };
                                ui.label(format!("Customer: {name}"));
                                if let Some(picked) = Self::row_buttons_ui(
                                    ui,
                                    &mut self.confirming,
                                    Confirming::Customer(customer.id),
                                    TrashChoice::RestoreCustomer(customer.id),
                                    TrashChoice::PurgeCustomer(customer.id),
                                    "The customer and every entry of theirs are deleted; \
                                     this cannot be undone",
                                ) {
                                    choice = Some(picked);
                                }
                                ui.end_row();
                            }
                        });
                });
        }
        if !self.entries.is_empty() {
            ui.label("Deleted entries stay here until you restore them or delete them for good.");
            egui::ScrollArea::vertical()
                .id_salt("trash_entries")
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
                                if let Some(picked) = Self::row_buttons_ui(
                                    ui,
                                    &mut self.confirming,
                                    Confirming::Entry(entry.id),
                                    TrashChoice::Restore(entry.id),
                                    TrashChoice::Purge(entry.id),
                                    "This cannot be undone",
                                ) {
                                    choice = Some(picked);
                                }
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
