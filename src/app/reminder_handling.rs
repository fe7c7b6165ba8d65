//! What the app does about reminders and the calendar file each frame: checks the reminder
//! schedule once every half minute, rewrites the calendar file in the background after a
//! change, draws reminder banners, and applies "Reminders and calendar…".

use super::candor_app::{Action, CandorApp};
use super::commands::UiCommand;
use super::reminders_dialog::RemindersDialog;
use crate::domain::reminders::due_notifications;

/// How often the reminder schedule is looked at.
const CHECK_EVERY_SECS: f64 = 30.0;

impl CandorApp {
    /// Shows the reminders that are due now (none while reminders are off).
    pub(super) fn check_reminders(&mut self, ctx: &egui::Context) {
        if self.reminders.poll() {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
        if !self.prefs.reminders.enabled {
            return;
        }
        let time = ctx.input(|i| i.time);
        if self
            .reminders
            .last_check_secs
            .is_some_and(|last| time - last < CHECK_EVERY_SECS)
        {
            return;
        }
        self.reminders.last_check_secs = Some(time);
        ctx.request_repaint_after(std::time::Duration::from_secs_f64(CHECK_EVERY_SECS));
        let Some(journal) = self.journal.as_ref() else {
            return;
        };
        let now = self.now();
        // The last summary's day and a silenced day live in preferences (they survive a
        // restart); the rest of what was sent lives in the session.
        self.reminders.sent.last_summary_on = self
            .reminders
            .sent
            .last_summary_on
            .max(self.prefs.last_summary_on);
        self.reminders.sent.silenced_on = self.prefs.reminders_silenced_on;
        let due = due_notifications(
            &journal.due_items,
            journal.ranking.len(),
            &self.prefs.reminders,
            now,
            &self.reminders.sent,
        );
        for notification in &due {
            self.reminders.sent.mark_sent(notification);
            self.reminders.show(notification);
        }
        self.prefs.last_summary_on = self.reminders.sent.last_summary_on;
        if !due.is_empty() {
            ctx.request_repaint_after(std::time::Duration::from_millis(200));
        }
    }

    /// Rewrites the calendar file on its own thread after the journal changed (never per
    /// frame: only when something was written, another window wrote, or the day turned).
    pub(super) fn keep_calendar_file(&mut self, ctx: &egui::Context) {
        if let Some(receiver) = self.calendar_writer.as_ref() {
            match receiver.try_recv() {
                Ok(Ok(_)) => self.calendar_writer = None,
                Ok(Err(error)) => {
                    self.calendar_writer = None;
                    self.fail(error);
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    ctx.request_repaint_after(std::time::Duration::from_millis(200));
                    return;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.calendar_writer = None,
            }
        }
        if !self.calendar_dirty || self.journal.is_none() {
            return;
        }
        let Some(out) = self.prefs.calendar_file.clone() else {
            return;
        };
        self.calendar_dirty = false;
        let journal = self.journal_path.clone();
        let today = self.today();
        let (sender, receiver) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("calendar-file".into())
            .spawn(move || {
                let result = crate::io::calendar::write_for_journal(&journal, &out, today)
                    .map_err(|e| e.to_string());
                let _ = sender.send(result);
            });
        match spawned {
            Ok(_) => {
                self.calendar_writer = Some(receiver);
                ctx.request_repaint_after(std::time::Duration::from_millis(200));
            }
            Err(e) => self.fail(format!(
                "The calendar file could not be updated ({e}); it will be tried again after the next change."
            )),
        }
    }

    /// Reminders the desktop could not show, under the menu bar, with "Silence reminders
    /// today" one click away.
    pub(super) fn reminder_banner_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        if self.reminders.banners.is_empty() {
            return;
        }
        let mut dismiss = false;
        egui::Panel::top("reminder_banner").show(ui, |ui| {
            for banner in &self.reminders.banners {
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(format!("🔔 {}", banner.title)).strong());
                    ui.label(&banner.body);
                });
            }
            ui.horizontal(|ui| {
                if ui.small_button(UiCommand::ShowAgenda.label()).clicked() {
                    if !self.agenda.open {
                        actions.push(Action::Command(UiCommand::ShowAgenda));
                    }
                    dismiss = true;
                }
                if ui
                    .small_button(UiCommand::SilenceReminders.label())
                    .clicked()
                {
                    actions.push(Action::Command(UiCommand::SilenceReminders));
                }
                if ui.small_button("Dismiss").clicked() {
                    dismiss = true;
                }
            });
        });
        if dismiss {
            self.reminders.banners.clear();
        }
    }

    /// Applies the reminders dialog; `true` when saved.
    pub(super) fn save_reminder_settings(&mut self, dialog: &mut RemindersDialog) -> bool {
        let choice = match dialog.choice() {
            Ok(choice) => choice,
            Err(error) => {
                dialog.error = Some(error);
                return false;
            }
        };
        if choice.start_at_login != self.prefs.start_at_login
            && let Err(error) = super::autostart::set_start_at_login(choice.start_at_login)
        {
            dialog.error = Some(error);
            return false;
        }
        self.prefs.start_at_login = choice.start_at_login;
        if choice.calendar_file != self.prefs.calendar_file {
            self.calendar_dirty = true;
        }
        self.prefs.calendar_file = choice.calendar_file;
        if choice.reminders != self.prefs.reminders {
            // Look again at once with the new settings.
            self.reminders.last_check_secs = None;
        }
        self.prefs.reminders = choice.reminders;
        self.say(match &self.prefs.calendar_file {
            Some(path) => format!("Saved. The calendar file is kept at {}.", path.display()),
            None => "Saved.".to_owned(),
        });
        true
    }
}
