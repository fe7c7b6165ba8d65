//! What the app does when asked: saving forms, running actions and commands, undo, and
//! the background jobs (export, import, backup, restore). The frame's layout is in
//! `candor_app.rs`.

use std::path::Path;

use super::action::Action;
use super::announcements_dialog::AnnouncementsDialog;
use super::background::{BackgroundJob, JobResult};
use super::backup_dialog::{BackupDialog, RestoreDialog};
use super::candor_app::{CandorApp, ErrorTopic, UndoStep};
use super::commands::UiCommand;
use super::dialogs::{ActionDialog, CustomerForm, Dialog, EntryChange, PathDialog, PathPurpose};
use super::entry_form::EntryForm;
use super::export_dialog::ExportDialog;
use super::import_dialog::ImportDialog;
use super::trash_dialog::{TrashChoice, TrashDialog};
use crate::domain::announcement::AnnouncementId;
use crate::domain::{CustomerId, EntryId, EntryKind, EntryKindTag};
use crate::store::{Store, StoreError};

impl CandorApp {
    /// Saves the entry form; `true` when saved (the dialog may close). On failure the form
    /// keeps everything typed and shows why.
    pub(super) fn save_entry_form(&mut self, form: &mut EntryForm) -> bool {
        let now = self.now();
        let draft = match form.to_draft(now) {
            Ok(draft) => draft,
            Err(error) => {
                form.error = Some(error.0);
                return false;
            }
        };
        let Some(journal) = self.journal.as_mut() else {
            form.error = Some("No journal is open: open one from the File menu first.".to_owned());
            return false;
        };
        let result = match (form.editing, form.announcement) {
            (Some(id), announcement) => journal.store.entry(id).and_then(|old| {
                let saved = journal.store.update_entry(id, draft, now)?;
                if announcement.is_some() {
                    journal.store.set_telling_reaction(id, form.reaction)?;
                }
                Ok((saved, Some(old)))
            }),
            // Telling a customer about an announcement: the bad news and its link together.
            (None, Some(announcement)) => journal
                .store
                .tell_announcement(announcement, draft, form.reaction, now)
                .map(|saved| (saved, None)),
            (None, None) => journal
                .store
                .add_entry(draft, now)
                .map(|saved| (saved, None)),
        };
        match result {
            Ok((saved, old)) => {
                self.undo.push(match old {
                    Some(old) => UndoStep::Edited(saved.id, Box::new(old.to_draft())),
                    None => UndoStep::Added(saved.id),
                });
                let what = saved.kind.tag().label();
                let told = self.record_told_on_call(form, &saved, now);
                self.reload();
                self.select_customer(saved.customer_id);
                self.timeline.selected_entry = Some(saved.id);
                let told = match told {
                    0 => String::new(),
                    1 => " The bad news you told them is on the timeline too.".to_owned(),
                    n => format!(
                        " The {n} pieces of bad news you told them are on the timeline too."
                    ),
                };
                self.saved(format!(
                    "Saved: {what} for {}.{told}",
                    self.customer_name(saved.customer_id)
                ));
                true
            }
            Err(error) => {
                form.error = Some(error.to_string());
                false
            }
        }
    }

    /// For a call that reached them: records the slips they were told about on it as bad
    /// news linked to each item. Returns how many were recorded.
    fn record_told_on_call(
        &mut self,
        form: &EntryForm,
        call: &crate::domain::Entry,
        now: chrono::NaiveDateTime,
    ) -> usize {
        use crate::domain::{BadNews, BadNewsKind, EntryDraft, Outcome};
        if form.editing.is_some()
            || form.kind != EntryKindTag::Contact
            || form.outcome != Outcome::Reached
        {
            return 0;
        }
        let mut recorded = 0;
        for (item, _) in form.told_about.iter().filter(|(_, told)| *told) {
            let summary = match call.summary.trim() {
                "" => format!("Told them on the call about {}.", item.label),
                said => format!("Told them on the call about {}: {said}", item.label),
            };
            let draft = EntryDraft {
                customer_id: call.customer_id,
                occurred_at: call.occurred_at,
                summary,
                kind: EntryKind::BadNews(BadNews {
                    about: BadNewsKind::Delay,
                    related: Some(item.id),
                    proactive: !item.past_due,
                }),
            };
            let Some(journal) = self.journal.as_mut() else {
                break;
            };
            match journal.store.add_entry(draft, now) {
                Ok(saved) => {
                    self.undo.push(UndoStep::Added(saved.id));
                    recorded += 1;
                }
                Err(error) => self.fail_about(ErrorTopic::Save, error.to_string()),
            }
        }
        recorded
    }

    pub(super) fn save_customer_form(&mut self, form: &mut CustomerForm) -> bool {
        let now = self.now();
        let draft = match form.to_draft() {
            Ok(draft) => draft,
            Err(error) => {
                form.error = Some(error.0);
                return false;
            }
        };
        let Some(journal) = self.journal.as_mut() else {
            return false;
        };
        let result = match form.editing {
            Some(id) => journal.store.customer(id).and_then(|old| {
                journal
                    .store
                    .update_customer(id, draft, now)
                    .map(|saved| (saved, Some(old)))
            }),
            None => journal
                .store
                .add_customer(draft, now)
                .map(|saved| (saved, None)),
        };
        match result {
            Ok((saved, old)) => {
                if let Some(old) = old {
                    self.undo
                        .push(UndoStep::CustomerEdited(saved.id, Box::new(old.to_draft())));
                }
                self.reload();
                self.select_customer(saved.id);
                self.saved(format!("Saved: {}.", saved.name));
                true
            }
            Err(error) => {
                form.error = Some(error.to_string());
                false
            }
        }
    }

    /// Applies a promise/problem/payment action dialog.
    pub(super) fn save_action(&mut self, dialog: &mut ActionDialog) -> bool {
        let now = self.now();
        match dialog.apply(now) {
            Ok((id, change)) => match self.change_entry(id, change) {
                Ok(()) => true,
                Err(error) => {
                    dialog.error = Some(error);
                    false
                }
            },
            Err(error) => {
                dialog.error = Some(error.0);
                false
            }
        }
    }

    /// Changes an entry's kind-specific state through the domain and saves it.
    fn change_entry(&mut self, id: EntryId, change: EntryChange) -> Result<(), String> {
        let now = self.now();
        let Some(journal) = self.journal.as_mut() else {
            return Err("No journal is open.".to_owned());
        };
        let entry = journal.store.entry(id).map_err(|e| e.to_string())?;
        let mut draft = entry.to_draft();
        change(&mut draft.kind).map_err(|e| e.0)?;
        let saved = journal
            .store
            .update_entry(id, draft, now)
            .map_err(|e| e.to_string())?;
        self.undo
            .push(UndoStep::Edited(id, Box::new(entry.to_draft())));
        self.reload();
        self.timeline.selected_entry = Some(id);
        self.saved(format!("Saved: {} updated.", saved.kind.tag().label()));
        Ok(())
    }

    fn quick_change(&mut self, id: EntryId, change: EntryChange) {
        match self.change_entry(id, change) {
            // Keyboard focus goes back to the entry's row: never to a button that moved
            // into the place of the one pressed (such as Delete).
            Ok(()) => self.timeline.focus_selected = true,
            Err(error) => self.fail_about(ErrorTopic::Save, error),
        }
    }

    fn open_entry_form(&mut self, kind: EntryKindTag, customer: Option<CustomerId>) {
        let Some(customer) = customer.or(self.selected) else {
            self.fail("Select a customer first (click one on the left), then log again.");
            return;
        };
        if kind == EntryKindTag::BadNews && self.selected == Some(customer) {
            // Ask which slipping item it is about, the selected or likeliest one chosen.
            if let Some(form) = self.bad_news_form(None, false) {
                self.dialog = Some(Dialog::Entry(Box::new(form)));
                return;
            }
        }
        let mut form = EntryForm::new(kind, customer, &self.customer_name(customer));
        if kind == EntryKindTag::Contact && self.selected == Some(customer) {
            // A call that reaches them is the moment to tell them: ask, and record it.
            form.told_about = self
                .untold_items()
                .into_iter()
                .map(|item| (item, false))
                .collect();
        }
        self.dialog = Some(Dialog::Entry(Box::new(form)));
    }

    pub(super) fn run(&mut self, action: Action) {
        let today = self.today();
        match action {
            Action::Command(command) => self.run_command(command),
            Action::SelectCustomer(id) => self.select_customer(id),
            Action::SelectEntry(id) => self.timeline.selected_entry = id,
            Action::ShowInsights(open) => self.insights.open = open,
            Action::KeepInsightMornings(keep) => {
                // Only an optimisation for the next opening: a failure is not shown.
                if !self.insights.is_stale()
                    && let Some(journal) = self.journal.as_mut()
                {
                    let _ = journal.keep_insight_mornings(&keep);
                }
            }
            Action::LogFor(customer, kind) => {
                self.select_customer(customer);
                self.open_entry_form(kind, Some(customer));
            }
            Action::TellAbout(customer, announcement) => self.tell_about(customer, announcement),
            Action::SnoozeUntilTomorrow(customer) => {
                self.select_customer(customer);
                let mut form = EntryForm::new(
                    EntryKindTag::Snooze,
                    customer,
                    &self.customer_name(customer),
                );
                form.due = "tomorrow".to_owned();
                self.dialog = Some(Dialog::Entry(Box::new(form)));
            }
            Action::EditEntry(id) => {
                if let Some(journal) = self.journal.as_ref() {
                    match journal.store.entry(id) {
                        Ok(entry) => {
                            let name = self.customer_name(entry.customer_id);
                            let mut form = EntryForm::edit(&entry, &name);
                            match journal.store.telling_of(id) {
                                Ok(Some((announcement, reaction))) => {
                                    form.announcement = Some(announcement);
                                    form.reaction = reaction;
                                }
                                Ok(None) => {}
                                Err(error) => form.error = Some(error.to_string()),
                            }
                            self.dialog = Some(Dialog::Entry(Box::new(form)));
                        }
                        Err(error) => self.fail_about(ErrorTopic::Journal, error.to_string()),
                    }
                }
            }
            Action::DeleteEntry(id) => {
                let now = self.now();
                if let Some(journal) = self.journal.as_mut() {
                    match journal.store.delete_entry(id, now) {
                        Ok(()) => {
                            self.undo.push(UndoStep::Trashed(id));
                            self.timeline.selected_entry = None;
                            self.reload();
                            self.saved("Moved to the trash. Undo brings it back.");
                        }
                        Err(error) => self.fail_about(ErrorTopic::Save, error.to_string()),
                    }
                }
            }
            Action::PromiseKept(id) => self.quick_change(
                id,
                Box::new(move |kind| match kind {
                    EntryKind::Promise(p) => p.keep(today),
                    _ => Ok(()),
                }),
            ),
            Action::PromiseBroken(id) => {
                self.quick_change(
                    id,
                    Box::new(move |kind| match kind {
                        EntryKind::Promise(p) => p.break_on(today),
                        _ => Ok(()),
                    }),
                );
                // The strongest reason to call now: offer to tell them, focus on the offer.
                self.timeline.focus_tell_them = true;
            }
            Action::TellThemNow(id) => {
                if let Some(form) = self.bad_news_form(Some(id), true) {
                    self.dialog = Some(Dialog::Entry(Box::new(form)));
                }
            }
            Action::MarkPaid(id) => self.quick_change(
                id,
                Box::new(move |kind| {
                    if let EntryKind::Payment(p) = kind {
                        p.paid_on = Some(today);
                    }
                    Ok(())
                }),
            ),
            Action::SetOrderStatus(id, status) => {
                let now = self.now();
                self.quick_change(
                    id,
                    Box::new(move |kind| {
                        if let EntryKind::Order(o) = kind {
                            o.set_status(status, now);
                        }
                        Ok(())
                    }),
                );
            }
            Action::Renegotiate(id) => {
                self.dialog = Some(Dialog::Action(ActionDialog::renegotiate(id)))
            }
            Action::FlagAtRisk(id) => {
                self.dialog = Some(Dialog::Action(ActionDialog::flag_at_risk(id)))
            }
            Action::ResolveProblem(id) => {
                self.dialog = Some(Dialog::Action(ActionDialog::resolve(id)))
            }
            Action::SetArchived(id, archived) => {
                let now = self.now();
                if let Some(journal) = self.journal.as_mut() {
                    match journal.store.set_archived(id, archived, now) {
                        Ok(customer) => {
                            let mut old = customer.to_draft();
                            old.archived = !archived;
                            self.undo.push(UndoStep::CustomerEdited(id, Box::new(old)));
                            self.reload();
                            let verb = if archived { "Archived" } else { "Brought back" };
                            self.saved(format!("{verb}: {}.", customer.name));
                        }
                        Err(error) => self.fail_about(ErrorTopic::Save, error.to_string()),
                    }
                }
            }
            Action::MergeInto(id) => {
                if let Some(journal) = self.journal.as_ref()
                    && let Some(customer) = journal.customer(id)
                {
                    let dialog =
                        super::merge_dialog::MergeDialog::new(customer, &journal.customers);
                    self.dialog = Some(Dialog::Merge(dialog));
                }
            }
            Action::HandOver(id) => {
                let server = self.team_address_text();
                if let Some(journal) = self.journal.as_ref()
                    && let Some(customer) = journal.customer(id)
                    && let Some(server) = server
                {
                    let dialog = journal
                        .store
                        .customer_gid(id)
                        .and_then(|gid| Ok((gid, journal.store.team_reps()?)));
                    match dialog {
                        Ok((Some(gid), reps)) => {
                            self.dialog = Some(Dialog::Handover(
                                super::handover_dialog::HandoverDialog::new(
                                    gid,
                                    customer.name.clone(),
                                    reps,
                                    server,
                                ),
                            ));
                        }
                        Ok((None, _)) => self.fail_about(
                            ErrorTopic::Save,
                            format!(
                                "{} has not reached the team database yet: wait for the sync, then hand it over.",
                                customer.name
                            ),
                        ),
                        Err(error) => self.fail_about(ErrorTopic::Save, error.to_string()),
                    }
                }
            }
            Action::OpenSampleJournal => self.open_sample_journal(),
            Action::OpenJournalAt(path) => {
                self.switch_journal(&path);
                if self.journal_path == path && self.open_error.is_none() {
                    self.say(format!("Opened {}.", path.display()));
                }
            }
            Action::DismissError(index) => self.dismiss_error(index),
            Action::RestoreNewestGood => {
                if let Some(backup) = self.restore_offer.clone() {
                    let mut dialog = RestoreDialog::new(vec![backup]);
                    if !self.restore_backup(&mut dialog)
                        && let Some(error) = dialog.error
                    {
                        self.open_error = Some(error);
                    }
                }
            }
            Action::OfferNewestGoodBackup => {
                if let Some(backup) = self.damage.as_ref().and_then(|d| d.newest_good.clone()) {
                    self.dialog = Some(Dialog::Restore(RestoreDialog::new(vec![backup])));
                }
            }
            Action::SetTheme(theme) => self.prefs.theme = theme,
        }
    }

    fn run_command(&mut self, command: UiCommand) {
        if command.acts_on_selected_entry() {
            self.run_entry_command(command);
            return;
        }
        if let Some(kind) = command.entry_kind() {
            self.open_entry_form(kind, None);
            return;
        }
        match command {
            UiCommand::AddCustomer => self.dialog = Some(Dialog::Customer(CustomerForm::new())),
            UiCommand::EditCustomer => {
                let customer = self
                    .selected
                    .and_then(|id| self.journal.as_ref()?.customer(id).cloned());
                match customer {
                    Some(customer) => {
                        self.dialog = Some(Dialog::Customer(CustomerForm::edit(&customer)))
                    }
                    None => self.fail("Select a customer first, then edit."),
                }
            }
            UiCommand::DeleteCustomer => self.delete_selected_customer(),
            UiCommand::FocusSearch => self.customer_list.focus_search = true,
            UiCommand::Announcements => {
                if let Some(journal) = self.journal.as_ref() {
                    self.dialog = Some(Dialog::Announcements(Box::new(AnnouncementsDialog::new(
                        &journal.customers,
                        &journal.announcements,
                    ))));
                }
            }
            UiCommand::FocusCallFirst => {
                self.prefs.show_call_first = true;
                self.call_first.focus_first();
            }
            UiCommand::Undo => self.undo_last(),
            UiCommand::NewJournal => {
                self.dialog = Some(Dialog::Path(PathDialog::new(
                    PathPurpose::NewJournal,
                    &self.journal_path,
                )))
            }
            UiCommand::OpenJournal => {
                self.dialog = Some(Dialog::Path(PathDialog::new(
                    PathPurpose::OpenJournal,
                    &self.journal_path,
                )))
            }
            UiCommand::ToggleCallFirst => self.prefs.show_call_first = !self.prefs.show_call_first,
            UiCommand::TeamView => {
                self.team_view.open = !self.team_view.open;
                if self.team_view.open {
                    self.agenda.open = false;
                }
            }
            UiCommand::ShowAgenda => {
                self.agenda.open = !self.agenda.open;
                self.agenda.selected_row = 0;
            }
            UiCommand::ReminderSettings => {
                self.dialog = Some(Dialog::Reminders(
                    super::reminders_dialog::RemindersDialog::new(&self.prefs, &self.journal_path),
                ));
            }
            UiCommand::SilenceReminders => {
                self.prefs.reminders_silenced_on = Some(self.today());
                self.reminders.banners.clear();
                self.say("Reminders are silenced until tomorrow.");
            }
            UiCommand::Export => {
                let today = self.today();
                let folder = self.export_folder();
                self.picker.start_folder = Some(folder.clone());
                self.dialog = Some(Dialog::Export(ExportDialog::new(&folder, today)));
            }
            UiCommand::Import => {
                self.picker.start_folder = Some(
                    self.prefs
                        .last_import_folder
                        .clone()
                        .filter(|f| f.is_dir())
                        .unwrap_or_else(super::prefs::documents_folder),
                );
                self.dialog = Some(Dialog::Import(ImportDialog::new()));
            }
            UiCommand::ShowHistory => self.open_history(),
            UiCommand::ShowTrash => {
                if let Some(trash) = self.trash_contents() {
                    self.dialog = Some(Dialog::Trash(trash));
                }
            }
            UiCommand::BackupNow => {
                self.dialog = Some(Dialog::Backup(BackupDialog::new(&self.journal_path)));
            }
            UiCommand::RestoreBackup => {
                match crate::backup_policy::list_backups(&self.journal_path) {
                    Ok(backups) => self.dialog = Some(Dialog::Restore(RestoreDialog::new(backups))),
                    Err(error) => self.fail_about(ErrorTopic::Restore, error.to_string()),
                }
            }
            UiCommand::Team => {
                let saved = self.team_address_text();
                self.dialog = Some(Dialog::Team(super::team_dialog::TeamDialog::new(
                    saved.as_deref(),
                )));
            }
            UiCommand::MoneySettings => {
                if let Some(journal) = self.journal.as_ref() {
                    self.dialog = Some(Dialog::Money(super::money_dialog::MoneyDialog::new(
                        journal.money,
                    )));
                }
            }
            UiCommand::ShowShortcuts | UiCommand::ShowJournalLocation | UiCommand::ShowAbout => {
                self.dialog = Some(Dialog::Info(super::dialogs::InfoDialog::new(
                    command,
                    &self.journal_path,
                )));
            }
            _ => {}
        }
    }

    /// Opens History… for the selected customer: their changes that lost to later ones.
    fn open_history(&mut self) {
        let Some(journal) = self.journal.as_ref() else {
            return;
        };
        let Some(customer) = self.selected.and_then(|id| journal.customer(id)) else {
            self.fail("Select a customer first, then open their history.");
            return;
        };
        match journal.store.lost_changes(customer.id) {
            Ok(changes) => {
                let dialog =
                    super::history_dialog::HistoryDialog::new(customer.name.clone(), changes);
                self.dialog = Some(Dialog::History(dialog));
            }
            Err(error) => self.fail(error.to_string()),
        }
    }

    /// Saves the announcement in the dialog, which stays open to show its progress.
    pub(super) fn create_announcement(&mut self, dialog: &mut AnnouncementsDialog) {
        let now = self.now();
        let draft = match dialog.to_draft(now.date()) {
            Ok(draft) => draft,
            Err(error) => {
                dialog.error = Some(error.0);
                return;
            }
        };
        let Some(journal) = self.journal.as_mut() else {
            dialog.error = Some("No journal is open: open one from the File menu first.".into());
            return;
        };
        match journal.store.add_announcement(draft, now) {
            Ok(announcement) => {
                self.reload();
                let Some(journal) = self.journal.as_ref() else {
                    return;
                };
                let affected = journal
                    .announcements
                    .iter()
                    .find(|p| p.announcement.id == announcement.id)
                    .map_or(0, |p| p.affected.len());
                dialog.refresh(&journal.customers, &journal.announcements);
                dialog.clear_form();
                self.say(format!(
                    "Announced \"{}\": {affected} customers to tell before {}.",
                    announcement.title,
                    crate::domain::dates::format_date(announcement.effective)
                ));
            }
            Err(error) => dialog.error = Some(error.to_string()),
        }
    }

    /// Deletes an announcement made by mistake (confirmed in the dialog, which stays open).
    pub(super) fn delete_announcement(
        &mut self,
        dialog: &mut AnnouncementsDialog,
        id: AnnouncementId,
    ) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let title = journal
            .announcements
            .iter()
            .find(|p| p.announcement.id == id)
            .map(|p| p.announcement.title.clone())
            .unwrap_or_default();
        match journal.store.delete_announcement(id) {
            Ok(()) => {
                self.reload();
                if let Some(journal) = self.journal.as_ref() {
                    dialog.refresh(&journal.customers, &journal.announcements);
                }
                self.say(format!("Deleted the announcement \"{title}\"."));
            }
            Err(error) => dialog.error = Some(error.to_string()),
        }
    }

    /// Opens the bad news form for telling `customer` about an announcement: its kind,
    /// what changes and the reason filled in, linked to it.
    fn tell_about(&mut self, customer: CustomerId, announcement: AnnouncementId) {
        let today = self.today();
        let Some(progress) = self.journal.as_ref().and_then(|j| {
            j.announcements
                .iter()
                .find(|p| p.announcement.id == announcement)
        }) else {
            self.fail("That announcement is no longer in the journal.");
            return;
        };
        let a = progress.announcement.clone();
        self.select_customer(customer);
        let mut form = EntryForm::new(
            EntryKindTag::BadNews,
            customer,
            &self.customer_name(customer),
        );
        form.about = a.kind.bad_news_kind();
        let on = crate::domain::dates::format_date(a.effective);
        form.summary = if a.reason.is_empty() {
            format!("{} (from {on})", a.title)
        } else {
            format!("{} (from {on}). Why: {}", a.title, a.reason)
        };
        // Heard after the day it took effect, they did not hear it from us first.
        form.proactive = today <= a.effective;
        form.announcement = Some(a.id);
        self.dialog = Some(Dialog::Entry(Box::new(form)));
    }

    /// Saves the journal's currency and number format; `true` when done.
    pub(super) fn save_money_format(
        &mut self,
        dialog: &mut super::money_dialog::MoneyDialog,
    ) -> bool {
        let format = match dialog.to_format() {
            Ok(format) => format,
            Err(error) => {
                dialog.error = Some(error.0);
                return false;
            }
        };
        let Some(journal) = self.journal.as_mut() else {
            dialog.error = Some("No journal is open: open one from the File menu first.".into());
            return false;
        };
        match journal.store.set_money_format(format) {
            Ok(()) => {
                self.reload();
                self.saved(format!(
                    "Amounts now read like {}.",
                    format.format(crate::domain::Cents(123_450))
                ));
                true
            }
            Err(error) => {
                dialog.error = Some(error.to_string());
                false
            }
        }
    }

    /// Moves the selected customer to the trash; the notice says how to take it back.
    fn delete_selected_customer(&mut self) {
        let now = self.now();
        let Some(id) = self.selected else {
            self.fail("Select a customer first, then delete.");
            return;
        };
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        match journal.store.delete_customer(id, now) {
            Ok(customer) => {
                self.undo.push(UndoStep::CustomerDeleted(id));
                self.selected = None;
                self.timeline.selected_entry = None;
                self.reload();
                self.saved(format!(
                    "Moved {} to the trash. Undo ({}) brings them back.",
                    customer.name,
                    UiCommand::Undo.shortcut_text_plain()
                ));
            }
            Err(error) => self.fail_about(ErrorTopic::Save, error.to_string()),
        }
    }

    fn undo_last(&mut self) {
        let now = self.now();
        let Some(step) = self.undo.pop() else {
            self.say("Nothing to undo.");
            return;
        };
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let result = match &step {
            UndoStep::Trashed(id) => journal
                .store
                .restore_entry(*id)
                .map(|()| "Restored from the trash."),
            UndoStep::Added(id) => journal
                .store
                .delete_entry(*id, now)
                .map(|()| "Undone: the new entry is in the trash."),
            UndoStep::Edited(id, old) => journal
                .store
                .update_entry(*id, (**old).clone(), now)
                .map(|_| "Undone: the entry is as it was."),
            UndoStep::CustomerEdited(id, old) => journal
                .store
                .update_customer(*id, (**old).clone(), now)
                .map(|_| "Undone: the customer is as they were."),
            UndoStep::CustomerDeleted(id) => journal
                .store
                .restore_customer(*id)
                .map(|_| "Undone: the customer is back from the trash."),
            UndoStep::Merged(merge) => journal
                .store
                .undo_merge(merge, now)
                .map(|()| "Undone: both customers are back, each with their own entries."),
        };
        match result {
            Ok(message) => {
                self.reload();
                self.saved(message);
            }
            Err(error) => {
                if !matches!(error, StoreError::NotFound { .. }) {
                    self.undo.push(step);
                }
                self.fail_about(ErrorTopic::Save, error.to_string());
            }
        }
    }

    /// The trash (deleted customers, and entries with their customer's name) as a fresh
    /// dialog, or `None` after reporting a failure.
    fn trash_contents(&mut self) -> Option<TrashDialog> {
        let journal = self.journal.as_ref()?;
        let contents = journal.store.deleted_customers().and_then(|customers| {
            let entries = journal.store.trash()?;
            let mut names: std::collections::HashMap<CustomerId, String> = customers
                .iter()
                .map(|(c, _)| (c.id, c.name.clone()))
                .collect();
            names.extend(journal.customers.iter().map(|c| (c.id, c.name.clone())));
            let entries = entries
                .into_iter()
                .map(|entry| {
                    let name = names.get(&entry.customer_id).cloned().unwrap_or_default();
                    (entry, name)
                })
                .collect();
            Ok(TrashDialog::new(customers, entries))
        });
        match contents {
            Ok(dialog) => Some(dialog),
            Err(error) => {
                self.fail_about(ErrorTopic::Journal, error.to_string());
                None
            }
        }
    }

    pub(super) fn empty_trash_choice(&mut self, dialog: &mut TrashDialog, choice: TrashChoice) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let result = match choice {
            TrashChoice::Restore(id) => journal
                .store
                .restore_entry(id)
                .map(|()| "Restored from the trash.".to_owned()),
            TrashChoice::Purge(id) => journal
                .store
                .purge_entry(id)
                .map(|()| "Deleted for good.".to_owned()),
            TrashChoice::RestoreCustomer(id) => journal
                .store
                .restore_customer(id)
                .map(|c| format!("Restored {} from the trash.", c.name)),
            TrashChoice::PurgeCustomer(id) => journal
                .store
                .purge_customer(id)
                .map(|()| "Deleted the customer and their history for good.".to_owned()),
        };
        match result {
            Ok(message) => {
                // Undo must not try to restore what the trash already settled.
                self.undo.retain(|step| match (step, choice) {
                    (
                        UndoStep::Trashed(trashed),
                        TrashChoice::Restore(id) | TrashChoice::Purge(id),
                    ) => *trashed != id,
                    (
                        UndoStep::CustomerDeleted(deleted),
                        TrashChoice::RestoreCustomer(id) | TrashChoice::PurgeCustomer(id),
                    ) => *deleted != id,
                    // A purged customer's entries and details are gone: nothing to undo.
                    (UndoStep::CustomerEdited(edited, _), TrashChoice::PurgeCustomer(id)) => {
                        *edited != id
                    }
                    _ => true,
                });
                if let TrashChoice::PurgeCustomer(_) = choice {
                    // Entry steps of a purged customer would fail with "not found"; drop
                    // the entry steps whose entry no longer exists.
                    let store = &journal.store;
                    self.undo.retain(|step| match step {
                        UndoStep::Trashed(id) | UndoStep::Added(id) | UndoStep::Edited(id, _) => {
                            store.entry(*id).is_ok()
                        }
                        _ => true,
                    });
                }
                self.reload();
                self.saved(message);
                if let Some(fresh) = self.trash_contents() {
                    *dialog = fresh;
                }
            }
            Err(error) => dialog.error = Some(error.to_string()),
        }
    }

    /// Merges the dialog's customer into the one chosen; `true` when done.
    pub(super) fn merge_customers(
        &mut self,
        dialog: &mut super::merge_dialog::MergeDialog,
    ) -> bool {
        let Some(keep) = dialog.keep else {
            dialog.error = Some("Pick the customer to keep in the list, then merge.".to_owned());
            return false;
        };
        let now = self.now();
        let Some(journal) = self.journal.as_mut() else {
            return false;
        };
        match journal.store.merge_customers(keep, dialog.absorb, now) {
            Ok(merge) => {
                let moved = merge.moved.len();
                let text = format!(
                    "Merged {} into {}: {} moved. Undo takes it back.",
                    merge.absorbed.name,
                    merge.kept_before.name,
                    match moved {
                        1 => "1 entry".to_owned(),
                        n => format!("{n} entries"),
                    }
                );
                self.undo.push(UndoStep::Merged(Box::new(merge)));
                self.selected = None;
                self.reload();
                self.select_customer(keep);
                self.saved(text);
                true
            }
            Err(error) => {
                dialog.error = Some(error.to_string());
                false
            }
        }
    }

    /// Where exports start: the last folder used, else the Documents folder.
    fn export_folder(&self) -> std::path::PathBuf {
        self.prefs
            .last_export_folder
            .clone()
            .filter(|f| f.is_dir())
            .unwrap_or_else(super::prefs::documents_folder)
    }

    pub(super) fn export(&mut self, dialog: &mut ExportDialog) -> bool {
        let today = self.today();
        let (report, options, path) = match dialog.request(today) {
            Ok(request) => request,
            Err(error) => {
                dialog.error = Some(error.0);
                return false;
            }
        };
        // A large report takes seconds: write it on a thread with its own read connection
        // (WAL lets it read while this window keeps working).
        let journal = self.journal_path.clone();
        let what = format!(
            "Exporting the {} report to {}…",
            report.label().to_lowercase(),
            path.display()
        );
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.prefs.last_export_folder = Some(folder.to_path_buf());
        }
        let mut kept = std::mem::replace(dialog, ExportDialog::new(&self.export_folder(), today));
        // Reopened after a failure: focus on its first field again.
        kept.focus_pending = true;
        let reopen = Dialog::Export(kept);
        self.start_job(what, Some(reopen), false, move || {
            match Store::open(&journal)
                .map_err(|e| e.to_string())
                .and_then(|store| {
                    crate::io::export::export_report(&store, report, &options, today, &path)
                        .map_err(|e| e.to_string())
                }) {
                Ok(rows) => JobResult::Exported { rows, path },
                Err(error) => JobResult::Failed(error),
            }
        })
    }

    /// Starts a background job unless one is running; `true` when it started (the dialog
    /// that asked for it may close).
    fn start_job(
        &mut self,
        what: String,
        reopen: Option<Dialog>,
        restoring: bool,
        work: impl FnOnce() -> JobResult + Send + 'static,
    ) -> bool {
        if let Some(job) = &self.job {
            self.fail(format!(
                "Please wait: {} Try again when it is done.",
                job.what
            ));
            return false;
        }
        match BackgroundJob::start(what.clone(), reopen, restoring, work) {
            Ok(job) => {
                if restoring {
                    // The restore replaces the file: let go of it first.
                    self.journal = None;
                }
                self.job = Some(job);
                self.say(what);
                true
            }
            Err(error) => {
                self.fail(error);
                false
            }
        }
    }

    /// Picks up a finished job. A failed one reopens its dialog with the reason.
    pub(super) fn poll_job(&mut self, ctx: &egui::Context) {
        let Some(result) = self.job.as_ref().map(BackgroundJob::poll) else {
            return;
        };
        let Some(result) = result else {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
            return;
        };
        let Some(job) = self.job.take() else {
            return;
        };
        if job.restoring {
            let path = self.journal_path.clone();
            self.open_error = None;
            self.switch_journal(&path);
        }
        match result {
            JobResult::Exported { rows, path } => {
                self.resolved(ErrorTopic::Export);
                self.say(format!("Exported {rows} rows to {}.", path.display()));
            }
            JobResult::Imported(summary) => {
                self.resolved(ErrorTopic::Import);
                self.reload();
                let first_line = summary
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                self.say(first_line);
                if self.dialog.is_none() {
                    let mut dialog = ImportDialog::new();
                    dialog.finished(&summary);
                    self.dialog = Some(Dialog::Import(dialog));
                }
            }
            JobResult::BackedUp(info) => {
                self.resolved(ErrorTopic::Backup);
                self.say(format!("Backed up to {}.", info.path.display()));
            }
            JobResult::Restored { report, backup } => {
                self.resolved(ErrorTopic::Restore);
                self.restore_offer = None;
                let kept = report
                    .previous
                    .map(|p| format!(" The journal as it was is saved as {}.", p.display()))
                    .unwrap_or_default();
                self.say(format!(
                    "Restored {} customers from {}.{kept}",
                    report.customer_count,
                    backup.display()
                ));
            }
            JobResult::Failed(error) => {
                let topic = match (&job.reopen, job.restoring) {
                    (Some(Dialog::Export(_)), _) => ErrorTopic::Export,
                    (Some(Dialog::Import(_)), _) => ErrorTopic::Import,
                    (Some(Dialog::Backup(_)), _) => ErrorTopic::Backup,
                    _ => ErrorTopic::Restore,
                };
                self.fail_about(topic, error.clone());
                if let Some(mut dialog) = job.reopen
                    && self.dialog.is_none()
                {
                    dialog.set_error(error);
                    self.dialog = Some(dialog);
                } else if self.journal.is_none() && self.open_error.is_none() {
                    self.open_error = Some(error);
                }
            }
        }
    }

    pub(super) fn import(&mut self, dialog: &mut ImportDialog) -> bool {
        let now = self.now();
        let options = crate::io::import::ImportOptions {
            merge_duplicates: dialog.merge_duplicates,
            mapping: dialog.preview.as_ref().map(|p| p.mapping.clone()),
            encoding: dialog.encoding,
            stop_before_line: dialog.agreed_stop_line(),
        };
        let path = dialog.path();
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.prefs.last_import_folder = Some(folder.to_path_buf());
        }
        let journal = self.journal_path.clone();
        let what = format!("Importing {}…", path.display());
        let mut kept = std::mem::replace(dialog, ImportDialog::new());
        kept.focus_pending = true;
        let reopen = Dialog::Import(kept);
        self.start_job(what, Some(reopen), false, move || {
            // Writing into a damaged journal can spread the damage: check it first.
            let result =
                crate::backup_policy::check_journal(&journal, "nothing was imported into it")
                    .map_err(|e| e.to_string())
                    .and_then(|()| Store::open(&journal).map_err(|e| e.to_string()))
                    .and_then(|mut store| {
                        crate::io::import::import_file(&mut store, &path, &options, now)
                            .map_err(|e| e.to_string())
                    });
            match result {
                Ok(summary) => JobResult::Imported(Box::new(summary)),
                Err(error) => JobResult::Failed(error),
            }
        })
    }

    pub(super) fn back_up_now(&mut self, dialog: &mut BackupDialog) -> bool {
        let now = self.now();
        let journal = self.journal_path.clone();
        let out = dialog.out_path();
        let mut kept = std::mem::replace(dialog, BackupDialog::new(&journal));
        kept.focus_pending = true;
        let reopen = Dialog::Backup(kept);
        let what = "Backing up the journal…".to_owned();
        self.start_job(
            what,
            Some(reopen),
            false,
            move || match crate::backup_policy::back_up_now(&journal, out.as_deref(), now) {
                Ok(info) => JobResult::BackedUp(info),
                Err(error) => JobResult::Failed(error.to_string()),
            },
        )
    }

    /// Restores the chosen backup on a background thread: this window lets go of the
    /// journal, the current journal is saved into backups/ first, and the restored one is
    /// reopened when done.
    pub(super) fn restore_backup(&mut self, dialog: &mut RestoreDialog) -> bool {
        let Some(backup) = dialog.chosen_path().map(Path::to_path_buf) else {
            dialog.error = Some("Choose a backup in the list first.".to_owned());
            return false;
        };
        let now = self.now();
        let journal = self.journal_path.clone();
        let what = format!("Restoring {}…", backup.display());
        self.start_job(
            what,
            None,
            true,
            move || match crate::backup_policy::restore(&journal, &backup, now) {
                Ok(report) => JobResult::Restored { report, backup },
                Err(error) => JobResult::Failed(error.to_string()),
            },
        )
    }

    /// Opens (creating on first use) a sample journal beside the current one.
    pub(super) fn open_sample_journal(&mut self) {
        let folder = self
            .journal_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = folder.join("candor-sample.sqlite3");
        if !path.exists() {
            let today = self.today();
            let created = Store::open(&path)
                .and_then(|mut store| crate::sample::write_demo(&mut store, today));
            if let Err(error) = created {
                self.fail(format!("The sample journal could not be created: {error}"));
                return;
            }
        }
        self.switch_journal(&path);
        if self.open_error.is_none() && self.journal_path == path {
            self.say(format!("Opened the sample journal at {}.", path.display()));
        }
    }
}
