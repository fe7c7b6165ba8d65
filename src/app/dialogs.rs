//! The dialogs: customer form, promise/problem actions, journal file choice, help.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};

use super::commands::UiCommand;
use super::date_field::date_row_ui;
use super::entry_form::EntryForm;
use super::file_picker::{FilePicker, PickKind};
use super::widgets::{FormOutcome, enter_or_escape, field, save_cancel_ui};
use crate::domain::customer::{format_tags, parse_tags};
use crate::domain::dates::parse_date;
use crate::domain::{
    Customer, CustomerDraft, CustomerId, EntryId, EntryKind, ProblemStatus, RootCause,
    ValidationError,
};

/// The one dialog open at a time.
pub enum Dialog {
    Entry(Box<EntryForm>),
    Backup(super::backup_dialog::BackupDialog),
    Export(super::export_dialog::ExportDialog),
    Import(super::import_dialog::ImportDialog),
    Trash(super::trash_dialog::TrashDialog),
    Restore(super::backup_dialog::RestoreDialog),
    Customer(CustomerForm),
    Action(ActionDialog),
    Path(PathDialog),
    Info(InfoDialog),
    Announcements(Box<super::announcements_dialog::AnnouncementsDialog>),
    Reminders(super::reminders_dialog::RemindersDialog),
    Merge(super::merge_dialog::MergeDialog),
    Team(super::team_dialog::TeamDialog),
    Handover(super::handover_dialog::HandoverDialog),
    History(super::history_dialog::HistoryDialog),
    Money(super::money_dialog::MoneyDialog),
}

impl Dialog {
    /// Shows why the last attempt failed, in the dialog itself.
    pub fn set_error(&mut self, error: String) {
        let slot = match self {
            Self::Entry(form) => &mut form.error,
            Self::Customer(form) => &mut form.error,
            Self::Action(action) => &mut action.error,
            Self::Path(path) => &mut path.error,
            Self::Backup(backup) => &mut backup.error,
            Self::Restore(restore) => &mut restore.error,
            Self::Export(export) => &mut export.error,
            Self::Import(import) => &mut import.error,
            Self::Trash(trash) => &mut trash.error,
            Self::Announcements(announcements) => &mut announcements.error,
            Self::Reminders(reminders) => &mut reminders.error,
            Self::Merge(merge) => &mut merge.error,
            Self::Team(team) => &mut team.error,
            Self::Handover(handover) => &mut handover.error,
            Self::History(history) => &mut history.error,
            Self::Money(money) => &mut money.error,
            Self::Info(_) => return,
        };
        *slot = Some(error);
    }

    /// The dialog's heading.
    pub fn title(&self) -> String {
        match self {
            Self::Entry(form) => form.title(),
            Self::Customer(form) => match form.editing {
                Some(_) => "Edit customer".to_owned(),
                None => "Add customer".to_owned(),
            },
            Self::Action(action) => action.title().to_owned(),
            Self::Path(path) => path.purpose.title().to_owned(),
            Self::Backup(_) => "Back up now".to_owned(),
            Self::Export(_) => "Export a report".to_owned(),
            Self::Import(_) => "Import customers".to_owned(),
            Self::Trash(_) => "Trash".to_owned(),
            Self::Restore(_) => "Restore from backup".to_owned(),
            Self::Team(_) => "Team".to_owned(),
            Self::Handover(handover) => format!("Hand over {}", handover.customer_name),
            Self::History(history) => format!("History of {}", history.customer_name),
            Self::Info(info) => info.command.label().trim_end_matches('…').to_owned(),
            Self::Announcements(_) => "Announcements".to_owned(),
            Self::Reminders(_) => "Reminders and calendar".to_owned(),
            Self::Merge(merge) => format!("Merge {} into…", merge.absorb_name),
            Self::Money(_) => "Currency and number format".to_owned(),
        }
    }
}

/// Add or edit a customer. Fields stay text until saved, so a failed save loses nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerForm {
    pub editing: Option<CustomerId>,
    pub name: String,
    pub company: String,
    pub phone: String,
    pub email: String,
    pub tags: String,
    pub cadence_days: String,
    pub notes: String,
    pub archived: bool,
    pub error: Option<String>,
}

impl CustomerForm {
    /// An empty form for a new customer.
    pub fn new() -> Self {
        Self {
            editing: None,
            name: String::new(),
            company: String::new(),
            phone: String::new(),
            email: String::new(),
            tags: String::new(),
            cadence_days: crate::domain::DEFAULT_CADENCE_DAYS.to_string(),
            notes: String::new(),
            archived: false,
            error: None,
        }
    }

    /// A form holding a customer's details.
    pub fn edit(customer: &Customer) -> Self {
        Self {
            editing: Some(customer.id),
            name: customer.name.clone(),
            company: customer.company.clone(),
            phone: customer.phone.clone(),
            email: customer.email.clone(),
            tags: format_tags(&customer.tags),
            cadence_days: customer.cadence_days.to_string(),
            notes: customer.notes.clone(),
            archived: customer.archived,
            error: None,
        }
    }

    /// The typed fields as a checked draft.
    pub fn to_draft(&self) -> Result<CustomerDraft, ValidationError> {
        let cadence_days = self.cadence_days.trim().parse::<u32>().map_err(|_| {
            ValidationError::new(format!(
                "Cadence: \"{}\" is not a number of days: type how often they should hear from you, e.g. 14.",
                self.cadence_days.trim()
            ))
        })?;
        CustomerDraft {
            name: self.name.clone(),
            company: self.company.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            notes: self.notes.clone(),
            tags: parse_tags(&self.tags),
            cadence_days,
            archived: self.archived,
        }
        .validated()
    }

    /// Draws the form.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<FormOutcome> {
        egui::Grid::new("customer_form")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                field(ui, "Name", &mut self.name, true);
                field(ui, "Company", &mut self.company, false);
                field(ui, "Phone", &mut self.phone, false);
                field(ui, "Email", &mut self.email, false);
                field(ui, "Tags", &mut self.tags, false);
                field(ui, "Cadence (days)", &mut self.cadence_days, false);
                let id = ui.label("Notes").id;
                ui.add(
                    egui::TextEdit::multiline(&mut self.notes)
                        .desired_rows(3)
                        .desired_width(280.0)
                        .return_key(None),
                )
                .labelled_by(id);
                ui.end_row();
            });
        save_cancel_ui(ui, "Save", self.error.as_deref())
    }
}

/// A follow-up on an existing promise or problem that needs a few words or a date.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionDialog {
    pub entry: EntryId,
    pub kind: ActionKind,
    pub date: String,
    pub text: String,
    pub root_cause: RootCause,
    /// For a renegotiation: the customer agreed to the new date.
    pub agreed: bool,
    pub error: Option<String>,
}

/// Which follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Renegotiate,
    FlagAtRisk,
    Resolve,
}

/// A change to an entry's kind-specific state, checked by the domain.
pub type EntryChange = Box<dyn FnOnce(&mut EntryKind) -> Result<(), ValidationError>>;

impl ActionDialog {
    fn new(entry: EntryId, kind: ActionKind, date: &str) -> Self {
        Self {
            entry,
            kind,
            date: date.to_owned(),
            text: String::new(),
            root_cause: RootCause::OurError,
            agreed: true,
            error: None,
        }
    }

    /// Agree a new date for a promise.
    pub fn renegotiate(entry: EntryId) -> Self {
        Self::new(entry, ActionKind::Renegotiate, "")
    }

    /// "I already know this will slip."
    pub fn flag_at_risk(entry: EntryId) -> Self {
        Self::new(entry, ActionKind::FlagAtRisk, "")
    }

    /// Close a problem with its root cause.
    pub fn resolve(entry: EntryId) -> Self {
        Self::new(entry, ActionKind::Resolve, "today")
    }

    fn title(&self) -> &'static str {
        match self.kind {
            ActionKind::Renegotiate => "Renegotiate the date",
            ActionKind::FlagAtRisk => "Flag at risk",
            ActionKind::Resolve => "Resolve problem",
        }
    }

    /// The change to make, checked; the caller saves it.
    pub fn apply(&self, now: NaiveDateTime) -> Result<(EntryId, EntryChange), ValidationError> {
        let today = now.date();
        let text = self.text.trim().to_owned();
        let change: EntryChange = match self.kind {
            ActionKind::Renegotiate => {
                let new_due = parse_date(&self.date, today)
                    .map_err(|e| ValidationError::new(format!("New date: {}", e.0)))?;
                let agreed = self.agreed;
                Box::new(move |kind| match kind {
                    EntryKind::Promise(p) => {
                        p.renegotiate(new_due, today, text)?;
                        if let Some(last) = p.renegotiations.last_mut() {
                            last.agreed = agreed;
                        }
                        Ok(())
                    }
                    _ => Err(ValidationError::new("Only promises can be renegotiated.")),
                })
            }
            ActionKind::FlagAtRisk => {
                if text.is_empty() {
                    return Err(ValidationError::new(
                        "Say why it will slip: the reason is what you will tell the customer.",
                    ));
                }
                Box::new(move |kind| match kind {
                    EntryKind::Promise(p) => p.flag_at_risk(now, text),
                    _ => Err(ValidationError::new(
                        "Only promises can be flagged at risk.",
                    )),
                })
            }
            ActionKind::Resolve => {
                let on = parse_date(&self.date, today)
                    .map_err(|e| ValidationError::new(format!("Resolved on: {}", e.0)))?;
                let root_cause = self.root_cause;
                Box::new(move |kind| match kind {
                    EntryKind::Problem(p) => {
                        p.status = ProblemStatus::Resolved {
                            on,
                            root_cause,
                            prevention: text,
                        };
                        Ok(())
                    }
                    _ => Err(ValidationError::new("Only problems can be resolved.")),
                })
            }
        };
        Ok((self.entry, change))
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui, today: NaiveDate) -> Option<FormOutcome> {
        egui::Grid::new("action_dialog")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| match self.kind {
                ActionKind::Renegotiate => {
                    let date =
                        date_row_ui(ui, "New date", &mut self.date, today, "renegotiate_date");
                    if ui.memory(|m| m.focused().is_none()) {
                        date.request_focus();
                    }
                    field(ui, "What you told them", &mut self.text, false);
                    ui.label("");
                    ui.checkbox(&mut self.agreed, "They agreed to the new date");
                    ui.end_row();
                }
                ActionKind::FlagAtRisk => field(ui, "Why it will slip", &mut self.text, true),
                ActionKind::Resolve => {
                    let date = date_row_ui(ui, "Resolved on", &mut self.date, today, "resolved_on");
                    if ui.memory(|m| m.focused().is_none()) {
                        date.request_focus();
                    }
                    ui.label("Root cause");
                    ui.horizontal(|ui| {
                        for cause in RootCause::ALL {
                            ui.selectable_value(&mut self.root_cause, *cause, cause.label());
                        }
                    });
                    ui.end_row();
                    field(ui, "What stops it happening again", &mut self.text, false);
                }
            });
        save_cancel_ui(ui, "Save", self.error.as_deref())
    }
}

/// What a file path is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    NewJournal,
    OpenJournal,
}

impl PathPurpose {
    fn title(self) -> &'static str {
        match self {
            Self::NewJournal => "New journal",
            Self::OpenJournal => "Open journal",
        }
    }
}

/// Asks for a journal file: a path field, plus "Browse…" for the native dialog.
pub struct PathDialog {
    pub purpose: PathPurpose,
    pub path: String,
    pub error: Option<String>,
}

impl PathDialog {
    /// A dialog starting in the current journal's folder.
    pub fn new(purpose: PathPurpose, current: &Path) -> Self {
        let folder = current.parent().unwrap_or(Path::new(""));
        let path = match purpose {
            PathPurpose::NewJournal => folder.join("new-journal.sqlite3"),
            PathPurpose::OpenJournal => current.to_path_buf(),
        };
        Self {
            purpose,
            path: path.display().to_string(),
            error: None,
        }
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui, picker: &mut FilePicker) -> Option<FormOutcome> {
        ui.horizontal(|ui| {
            let id = ui.label("Journal file").id;
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.path).desired_width(360.0))
                .labelled_by(id);
            if ui.memory(|m| m.focused().is_none()) {
                field.request_focus();
            }
            let browse = ui.add_enabled(!picker.is_open(), egui::Button::new("Browse…"));
            if browse.clicked() {
                let kind = match self.purpose {
                    PathPurpose::NewJournal => PickKind::Save,
                    PathPurpose::OpenJournal => PickKind::Open,
                };
                picker.start(
                    kind,
                    self.purpose.title(),
                    "journal.sqlite3",
                    &["sqlite3", "db"],
                );
            }
        });
        let label = match self.purpose {
            PathPurpose::NewJournal => "Create",
            PathPurpose::OpenJournal => "Open",
        };
        save_cancel_ui(ui, label, self.error.as_deref())
    }
}

/// Help and information.
pub struct InfoDialog {
    pub command: UiCommand,
    journal: String,
}

impl InfoDialog {
    /// The dialog for a help command.
    pub fn new(command: UiCommand, journal: &Path) -> Self {
        Self {
            command,
            journal: journal.display().to_string(),
        }
    }

    /// Draws the dialog; `true` when it should close.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context) -> bool {
        match self.command {
            UiCommand::ShowShortcuts => {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for command in UiCommand::ALL {
                        if command.shortcut().is_some() {
                            ui.label(command.label().trim_end_matches('…'));
                            ui.monospace(command.shortcut_text(ctx));
                            ui.end_row();
                        }
                    }
                    ui.label("Save a form");
                    ui.monospace("Enter");
                    ui.end_row();
                    ui.label("Close a form without saving");
                    ui.monospace("Esc");
                    ui.end_row();
                });
            }
            UiCommand::ShowJournalLocation => {
                ui.label("This journal is stored in:");
                ui.monospace(&self.journal);
                ui.label("Backups are kept in the backups folder beside it.");
                if ui.button("Copy path").clicked() {
                    ctx.copy_text(self.journal.clone());
                }
            }
            _ => {
                ui.label(format!("Candor {}", env!("CARGO_PKG_VERSION")));
                ui.label(
                    "A customer-relationship journal that tells you who to call first, and why.",
                );
            }
        }
        ui.add_space(8.0);
        ui.button("Close").clicked() || enter_or_escape(ui).is_some()
    }
}
