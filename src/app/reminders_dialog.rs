//! "Reminders and calendar…": desktop reminders and the morning summary's time, the
//! calendar file Candor keeps current, and starting at login.

use std::path::PathBuf;

use chrono::NaiveTime;

use super::entry_form::FormOutcome;
use super::file_picker::{FilePicker, PickKind};
use super::prefs::Prefs;
use super::widgets::save_cancel_ui;
use crate::domain::reminders::ReminderSettings;

/// The dialog's fields, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct RemindersDialog {
    pub enabled: bool,
    pub summary_at: String,
    pub nudge_minutes: String,
    pub keep_calendar: bool,
    pub calendar_path: String,
    pub start_at_login: bool,
    pub error: Option<String>,
}

/// The checked settings to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderChoice {
    pub reminders: ReminderSettings,
    pub calendar_file: Option<PathBuf>,
    pub start_at_login: bool,
}

impl RemindersDialog {
    /// The dialog showing the current preferences; the calendar file is suggested beside
    /// the journal when none is set.
    pub fn new(prefs: &Prefs, journal: &std::path::Path) -> Self {
        let suggested = journal
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join("candor.ics");
        Self {
            enabled: prefs.reminders.enabled,
            summary_at: prefs.reminders.summary_at.format("%H:%M").to_string(),
            nudge_minutes: prefs.reminders.nudge_minutes_before.to_string(),
            keep_calendar: prefs.calendar_file.is_some(),
            calendar_path: prefs
                .calendar_file
                .clone()
                .unwrap_or(suggested)
                .display()
                .to_string(),
            start_at_login: prefs.start_at_login,
            error: None,
        }
    }

    /// Checks what was typed.
    pub fn choice(&self) -> Result<ReminderChoice, String> {
        let summary_at =
            NaiveTime::parse_from_str(self.summary_at.trim(), "%H:%M").map_err(|_| {
                format!(
                    "\"{}\" is not a time: type the morning summary's time as HH:MM, e.g. 08:30.",
                    self.summary_at.trim()
                )
            })?;
        let nudge_minutes_before: u32 = match self.nudge_minutes.trim().parse() {
            Ok(minutes) if minutes <= 24 * 60 => minutes,
            _ => {
                return Err(format!(
                    "\"{}\" is not a number of minutes: type how long before an item's time the reminder comes, from 0 to 1440.",
                    self.nudge_minutes.trim()
                ));
            }
        };
        let calendar_file = if self.keep_calendar {
            let path = PathBuf::from(self.calendar_path.trim());
            if self.calendar_path.trim().is_empty() {
                return Err(
                    "Type where to keep the calendar file (e.g. candor.ics beside the journal), or untick \"Keep a calendar file\"."
                        .to_owned(),
                );
            }
            if path.is_dir() {
                return Err(format!(
                    "{} is a folder: add a file name such as candor.ics.",
                    path.display()
                ));
            }
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
            if let Some(folder) = folder
                && !folder.is_dir()
            {
                return Err(format!(
                    "The folder {} does not exist: choose one that does, or create it first.",
                    folder.display()
                ));
            }
            Some(path)
        } else {
            None
        };
        Ok(ReminderChoice {
            reminders: ReminderSettings {
                enabled: self.enabled,
                summary_at,
                nudge_minutes_before,
            },
            calendar_file,
            start_at_login: self.start_at_login,
        })
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui, picker: &mut FilePicker) -> Option<FormOutcome> {
        ui.checkbox(&mut self.enabled, "Desktop reminders while Candor runs");
        egui::Grid::new("reminder_fields")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                let id = ui.label("Morning summary at").id;
                ui.add_enabled(
                    self.enabled,
                    egui::TextEdit::singleline(&mut self.summary_at).desired_width(60.0),
                )
                .labelled_by(id);
                ui.end_row();
                let id = ui.label("Minutes before a timed item").id;
                ui.add_enabled(
                    self.enabled,
                    egui::TextEdit::singleline(&mut self.nudge_minutes).desired_width(60.0),
                )
                .labelled_by(id);
                ui.end_row();
            });
        ui.weak("Where the system has no notification service, reminders show in the window.");
        ui.separator();
        ui.checkbox(
            &mut self.keep_calendar,
            "Keep a calendar file for Outlook, Apple Calendar or Thunderbird",
        );
        ui.horizontal(|ui| {
            let id = ui.label("Calendar file").id;
            ui.add_enabled(
                self.keep_calendar,
                egui::TextEdit::singleline(&mut self.calendar_path).desired_width(300.0),
            )
            .labelled_by(id);
            let browse = ui.add_enabled(
                self.keep_calendar && !picker.is_open(),
                egui::Button::new("Browse…"),
            );
            if browse.clicked() {
                picker.start(
                    PickKind::Save,
                    "Keep a calendar file at",
                    "candor.ics",
                    &["ics"],
                );
            }
        });
        ui.weak(
            "Rewritten after every change; subscribe to it from your calendar (see the README).",
        );
        ui.separator();
        ui.checkbox(&mut self.start_at_login, "Start Candor when I log in");
        save_cancel_ui(ui, "Save", self.error.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialog() -> RemindersDialog {
        RemindersDialog::new(&Prefs::default(), std::path::Path::new("journal.sqlite3"))
    }

    #[test]
    fn defaults_are_off_and_the_calendar_is_suggested_beside_the_journal() {
        let d = dialog();
        assert!(!d.enabled && !d.keep_calendar && !d.start_at_login);
        assert_eq!(d.summary_at, "08:30");
        assert_eq!(d.calendar_path, "candor.ics");
        assert_eq!(d.choice().unwrap().calendar_file, None);
    }

    #[test]
    fn bad_input_gets_one_sentence() {
        let mut d = dialog();
        d.summary_at = "8.30am".into();
        assert!(d.choice().unwrap_err().contains("HH:MM"));
        d.summary_at = "07:15".into();
        d.nudge_minutes = "soon".into();
        assert!(d.choice().unwrap_err().contains("from 0 to 1440"));
        d.nudge_minutes = "10".into();
        d.keep_calendar = true;
        d.calendar_path = "/no/such/folder/candor.ics".into();
        assert!(d.choice().unwrap_err().contains("does not exist"));
        let dir = tempfile::tempdir().unwrap();
        d.calendar_path = dir.path().display().to_string();
        assert!(d.choice().unwrap_err().contains("is a folder"));
        d.calendar_path = dir.path().join("c.ics").display().to_string();
        let choice = d.choice().unwrap();
        assert_eq!(choice.calendar_file, Some(dir.path().join("c.ics")));
        assert_eq!(
            choice.reminders.summary_at,
            NaiveTime::from_hms_opt(7, 15, 0).unwrap()
        );
        assert_eq!(choice.reminders.nudge_minutes_before, 10);
    }
}
