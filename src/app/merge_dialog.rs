//! "Merge into…": a second record of the same customer (imports make them) joins the
//! record to keep. Undo takes it back.

use super::widgets::{FormOutcome, save_cancel_ui};
use crate::domain::{Customer, CustomerId};

/// How many matches the list shows (type more to narrow it).
const SHOWN: usize = 50;

/// The merge dialog for one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeDialog {
    /// The customer that will be merged away.
    pub absorb: CustomerId,
    pub absorb_name: String,
    /// Every other customer: id, name and company.
    pub others: Vec<(CustomerId, String, String)>,
    pub search: String,
    /// The customer to keep.
    pub keep: Option<CustomerId>,
    pub error: Option<String>,
}

impl MergeDialog {
    /// A dialog to merge `absorb` into one of `customers`.
    pub fn new(absorb: &Customer, customers: &[Customer]) -> Self {
        Self {
            absorb: absorb.id,
            absorb_name: absorb.name.clone(),
            others: customers
                .iter()
                .filter(|c| c.id != absorb.id)
                .map(|c| (c.id, c.name.clone(), c.company.clone()))
                .collect(),
            // The likeliest twin: the same company, else the same name.
            search: if absorb.company.is_empty() {
                absorb.name.clone()
            } else {
                absorb.company.clone()
            },
            keep: None,
            error: None,
        }
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<FormOutcome> {
        ui.label(format!(
            "{}'s entries move to the customer you pick, whose empty details are filled in from {}; then {} goes. Undo takes it back.",
            self.absorb_name, self.absorb_name, self.absorb_name
        ));
        let label = ui.label("Find the customer to keep").id;
        let search = ui
            .add(egui::TextEdit::singleline(&mut self.search).desired_width(360.0))
            .labelled_by(label);
        if ui.memory(|m| m.focused().is_none()) {
            search.request_focus();
        }
        let needle = self.search.trim().to_lowercase();
        let matches: Vec<&(CustomerId, String, String)> = self
            .others
            .iter()
            .filter(|(_, name, company)| {
                needle.is_empty()
                    || name.to_lowercase().contains(&needle)
                    || company.to_lowercase().contains(&needle)
            })
            .take(SHOWN)
            .collect();
        egui::ScrollArea::vertical()
            .max_height(220.0)
            .show(ui, |ui| {
                if matches.is_empty() {
                    ui.weak("No other customer matches: type part of a name or company.");
                }
                for (id, name, company) in matches {
                    let text = if company.is_empty() {
                        name.clone()
                    } else {
                        format!("{name} ({company})")
                    };
                    ui.selectable_value(&mut self.keep, Some(*id), text);
                }
            });
        save_cancel_ui(ui, "Merge", self.error.as_deref())
    }
}
