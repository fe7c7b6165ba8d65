//! The Today agenda: what is overdue, due today and due tomorrow, grouped, each row one key
//! away from its action — ↑/↓ to move, K kept (delivered, paid), R renegotiate, L log a
//! call, Enter open the customer, Esc back to the timeline. Drawn from the journal's cache.

use chrono::NaiveDate;

use super::action::Action;
use super::journal::Journal;
use crate::domain::reminders::{DueItem, DueKind};
use crate::domain::{EntryKindTag, OrderStatus};

/// Whether the agenda is shown, and which row the keyboard is on.
#[derive(Debug, Default)]
pub struct AgendaView {
    pub open: bool,
    pub selected_row: usize,
}

/// What K does to an item ("Kept", "Delivered", "Paid"), if anything.
fn done_action(item: &DueItem) -> Option<(&'static str, Action)> {
    let id = item.entry_id?;
    match item.kind {
        DueKind::Promise(_) => Some(("Kept", Action::PromiseKept(id))),
        DueKind::Order => Some((
            "Delivered",
            Action::SetOrderStatus(id, OrderStatus::Delivered),
        )),
        DueKind::Invoice { .. } => Some(("Paid", Action::MarkPaid(id))),
        DueKind::CallbackOwed | DueKind::SnoozeEnds => None,
    }
}

/// What R does: renegotiating is for promises.
fn renegotiate_action(item: &DueItem) -> Option<Action> {
    match (item.kind.clone(), item.entry_id) {
        (DueKind::Promise(_), Some(id)) => Some(Action::Renegotiate(id)),
        _ => None,
    }
}

fn log_call_action(item: &DueItem) -> Action {
    Action::LogFor(item.customer_id, EntryKindTag::Contact)
}

/// Reads the agenda's keys (when no text field and no dialog has the keyboard).
pub fn keyboard(ctx: &egui::Context, journal: &Journal, view: &mut AgendaView) -> Vec<Action> {
    let rows: Vec<&DueItem> = journal.agenda.rows().collect();
    let mut actions = Vec::new();
    if ctx.egui_wants_keyboard_input() {
        return actions;
    }
    view.selected_row = view.selected_row.min(rows.len().saturating_sub(1));
    ctx.input_mut(|input| {
        if input.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown) {
            view.selected_row = (view.selected_row + 1).min(rows.len().saturating_sub(1));
        }
        if input.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp) {
            view.selected_row = view.selected_row.saturating_sub(1);
        }
        if input.consume_key(egui::Modifiers::NONE, egui::Key::Escape) {
            view.open = false;
        }
        let Some(item) = rows.get(view.selected_row) else {
            return;
        };
        if input.consume_key(egui::Modifiers::NONE, egui::Key::K)
            && let Some((_, action)) = done_action(item)
        {
            actions.push(action);
        }
        if input.consume_key(egui::Modifiers::NONE, egui::Key::R)
            && let Some(action) = renegotiate_action(item)
        {
            actions.push(action);
        }
        if input.consume_key(egui::Modifiers::NONE, egui::Key::L) {
            actions.push(log_call_action(item));
        }
        if input.consume_key(egui::Modifiers::NONE, egui::Key::Enter) {
            view.open = false;
            actions.push(Action::SelectCustomer(item.customer_id));
        }
    });
    actions
}

/// Draws the agenda in the centre of the window.
pub fn ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    view: &mut AgendaView,
    today: NaiveDate,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.heading("Today");
        ui.weak(today.format("%A %-d %B %Y").to_string());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Back to the timeline").clicked() {
                view.open = false;
            }
        });
    });
    ui.weak("↑/↓ move · K kept, delivered or paid · R renegotiate · L log call · Enter open customer · Esc back");
    ui.separator();
    if journal.agenda.is_empty() {
        ui.label("Nothing is overdue, due today or due tomorrow.");
        return;
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut row = 0;
            for (group, items) in journal.agenda.groups() {
                if items.is_empty() {
                    continue;
                }
                ui.add_space(6.0);
                let heading = format!("{} ({})", group.label(), items.len());
                if group == crate::domain::reminders::AgendaGroup::Overdue {
                    ui.label(
                        egui::RichText::new(heading)
                            .strong()
                            .color(ui.visuals().error_fg_color),
                    );
                } else {
                    ui.strong(heading);
                }
                for item in items {
                    row_ui(ui, item, row, today, view, actions);
                    row += 1;
                }
            }
        });
}

fn row_ui(
    ui: &mut egui::Ui,
    item: &DueItem,
    row: usize,
    today: NaiveDate,
    view: &mut AgendaView,
    actions: &mut Vec<Action>,
) {
    let selected = view.selected_row == row;
    let mut frame = egui::Frame::group(ui.style());
    if selected {
        frame = frame.fill(ui.visuals().selection.bg_fill.gamma_multiply(0.35));
    }
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            let when = match item.at {
                Some(at) if at.date() == today => at.format("%H:%M").to_string(),
                Some(at) => at.format("%d %b %H:%M").to_string(),
                None if item.due < today => {
                    let days = (today - item.due).num_days();
                    if days == 1 {
                        "1 day late".to_owned()
                    } else {
                        format!("{days} days late")
                    }
                }
                None => String::new(),
            };
            if ui.selectable_label(selected, item.title()).clicked() {
                view.selected_row = row;
            }
            if !when.is_empty() {
                ui.weak(when);
            }
        });
        ui.horizontal(|ui| {
            if !item.phone.is_empty() {
                ui.weak(format!("☎ {}", item.phone));
            }
            if let Some((label, action)) = done_action(item)
                && ui.small_button(format!("{label} (K)")).clicked()
            {
                view.selected_row = row;
                actions.push(action);
            }
            if let Some(action) = renegotiate_action(item)
                && ui.small_button("Renegotiate… (R)").clicked()
            {
                view.selected_row = row;
                actions.push(action);
            }
            if ui.small_button("Log call… (L)").clicked() {
                view.selected_row = row;
                actions.push(log_call_action(item));
            }
            if ui.small_button("Open customer (Enter)").clicked() {
                view.open = false;
                actions.push(Action::SelectCustomer(item.customer_id));
            }
        });
    });
}
