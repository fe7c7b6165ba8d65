//! File, Edit, Log, Item (the selected entry), View and Help menus. Every entry is a [`UiCommand`], so its shortcut shows
//! beside it and cannot drift.

use super::action::Action;
use super::commands::UiCommand;
use super::prefs::{Prefs, ThemeChoice};

fn item(ui: &mut egui::Ui, command: UiCommand, enabled: bool, actions: &mut Vec<Action>) {
    let shortcut = command.shortcut_text(ui.ctx());
    let mut button = egui::Button::new(command.label());
    if !shortcut.is_empty() {
        button = button.shortcut_text(shortcut);
    }
    if ui
        .add_enabled(enabled, button)
        .on_hover_text(command.tooltip())
        .clicked()
    {
        actions.push(Action::Command(command));
    }
}

/// Draws the menu bar. Theme changes apply at once through `prefs` in the caller.
pub fn ui(
    ui: &mut egui::Ui,
    prefs: &Prefs,
    can_undo: bool,
    insights_open: bool,
    actions: &mut Vec<Action>,
) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            item(ui, UiCommand::NewJournal, true, actions);
            item(ui, UiCommand::OpenJournal, true, actions);
            ui.separator();
            item(ui, UiCommand::Import, true, actions);
            item(ui, UiCommand::Export, true, actions);
            ui.separator();
            item(ui, UiCommand::BackupNow, true, actions);
            item(ui, UiCommand::RestoreBackup, true, actions);
            ui.separator();
            item(ui, UiCommand::Team, true, actions);
            item(ui, UiCommand::MoneySettings, true, actions);
            ui.separator();
            if ui.button("Quit").clicked() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
        ui.menu_button("Edit", |ui| {
            item(ui, UiCommand::Undo, can_undo, actions);
            item(ui, UiCommand::ShowTrash, true, actions);
            ui.separator();
            item(ui, UiCommand::AddCustomer, true, actions);
            item(ui, UiCommand::EditCustomer, true, actions);
            item(ui, UiCommand::ShowHistory, true, actions);
            item(ui, UiCommand::DeleteCustomer, true, actions);
            item(ui, UiCommand::FocusSearch, true, actions);
            item(ui, UiCommand::FocusCallFirst, true, actions);
        });
        ui.menu_button("Log", |ui| {
            for command in UiCommand::ALL.iter().filter(|c| c.entry_kind().is_some()) {
                item(ui, *command, true, actions);
            }
            ui.separator();
            item(ui, UiCommand::Announcements, true, actions);
        });
        ui.menu_button("Item", |ui| {
            for command in UiCommand::ALL.iter().filter(|c| c.acts_on_selected_entry()) {
                item(ui, *command, true, actions);
            }
        });
        ui.menu_button("View", |ui| {
            for theme in ThemeChoice::ALL {
                if ui.radio(prefs.theme == theme, theme.label()).clicked() {
                    actions.push(Action::SetTheme(theme));
                }
            }
            ui.separator();
            let mut shown = prefs.show_call_first;
            if ui
                .checkbox(&mut shown, UiCommand::ToggleCallFirst.label())
                .clicked()
            {
                actions.push(Action::Command(UiCommand::ToggleCallFirst));
            }
            item(ui, UiCommand::ShowAgenda, true, actions);
            item(ui, UiCommand::TeamView, true, actions);
            ui.separator();
            item(ui, UiCommand::ReminderSettings, true, actions);
            item(
                ui,
                UiCommand::SilenceReminders,
                prefs.reminders.enabled,
                actions,
            );
            let mut insights = insights_open;
            if ui
                .checkbox(&mut insights, "Insights")
                .on_hover_text("Charts: kept rate, told first, problems, customers at risk")
                .clicked()
            {
                actions.push(Action::ShowInsights(insights));
            }
        });
        ui.menu_button("Help", |ui| {
            item(ui, UiCommand::ShowShortcuts, true, actions);
            item(ui, UiCommand::ShowJournalLocation, true, actions);
            item(ui, UiCommand::ShowAbout, true, actions);
        });
    });
}
