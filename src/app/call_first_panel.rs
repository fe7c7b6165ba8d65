//! "Call them first today": the ranking with its reasons and a suggested opener, and a
//! "Log call" and "Snooze until tomorrow" on each row.

use super::action::Action;
use super::journal::Journal;
use crate::domain::{CustomerId, EntryKindTag};

/// How many rows the panel draws; the rest are counted.
const SHOWN: usize = 100;
/// How many reasons each row lists.
const REASONS_SHOWN: usize = 3;

/// Draws the panel.
pub fn ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    selected: Option<CustomerId>,
    actions: &mut Vec<Action>,
) {
    ui.heading("Call them first today");
    match journal.ranking.len() {
        0 if journal.customers.is_empty() => {
            ui.label("Each morning, the customers who need an honest update will be listed here, with why.");
            return;
        }
        0 => {
            ui.label("Nobody is waiting on you today. Well done.");
            return;
        }
        1 => ui.weak("1 customer needs an honest update"),
        n => ui.weak(format!("{n} customers need an honest update")),
    };
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for ranked in journal.ranking.iter().take(SHOWN) {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    let who = if ranked.company.is_empty() {
                        format!("{}. {}", ranked.rank, ranked.name)
                    } else {
                        format!("{}. {} ({})", ranked.rank, ranked.name, ranked.company)
                    };
                    ui.horizontal(|ui| {
                        if ui
                            .selectable_label(
                                selected == Some(ranked.customer_id),
                                egui::RichText::new(who).strong(),
                            )
                            .clicked()
                        {
                            actions.push(Action::SelectCustomer(ranked.customer_id));
                        }
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.weak(format!("{} pts", ranked.score));
                        });
                    });
                    for reason in ranked.reasons.iter().take(REASONS_SHOWN) {
                        ui.label(format!("• {} ({})", reason.text, reason.points));
                    }
                    if ranked.reasons.len() > REASONS_SHOWN {
                        ui.weak(format!("and {} more", ranked.reasons.len() - REASONS_SHOWN));
                    }
                    ui.label(egui::RichText::new(format!("“{}”", ranked.opener)).italics());
                    ui.horizontal(|ui| {
                        if ui.button("Log call").clicked() {
                            actions.push(Action::LogFor(ranked.customer_id, EntryKindTag::Contact));
                        }
                        if ui.button("Snooze until tomorrow").clicked() {
                            actions.push(Action::SnoozeUntilTomorrow(ranked.customer_id));
                        }
                    });
                });
            }
            if journal.ranking.len() > SHOWN {
                ui.weak(format!(
                    "…and {} more further down.",
                    journal.ranking.len() - SHOWN
                ));
            }
        });
}
