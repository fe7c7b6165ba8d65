//! The app: its state, the frame's layout, and the actions panels send.

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate, NaiveDateTime};

use super::background::{BackgroundJob, JobResult};
use super::backup_dialog::{BackupDialog, RestoreDialog};
use super::commands::UiCommand;
use super::customers_panel::{CustomerFilter, CustomerList};
use super::dialogs::{ActionDialog, CustomerForm, Dialog, EntryChange, PathDialog, PathPurpose};
use super::entry_form::{EntryForm, FormOutcome};
use super::export_dialog::ExportDialog;
use super::file_picker::FilePicker;
use super::import_dialog::ImportDialog;
use super::journal::Journal;
use super::prefs::{Prefs, STORAGE_KEY};
use super::timeline_panel::TimelineView;
use super::trash_dialog::{TrashChoice, TrashDialog};
use super::{Clock, call_first_panel, customers_panel, menu_bar, timeline_panel};
use crate::domain::{
    CustomerDraft, CustomerId, EntryDraft, EntryId, EntryKind, EntryKindTag, OrderStatus,
};
use crate::store::{Store, StoreError};

/// Something a person asked for, collected while drawing and carried out at the end of the
/// frame.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Action {
    Command(UiCommand),
    SelectCustomer(CustomerId),
    SelectEntry(Option<EntryId>),
    LogFor(CustomerId, EntryKindTag),
    SnoozeUntilTomorrow(CustomerId),
    EditEntry(EntryId),
    DeleteEntry(EntryId),
    PromiseKept(EntryId),
    PromiseBroken(EntryId),
    Renegotiate(EntryId),
    FlagAtRisk(EntryId),
    ResolveProblem(EntryId),
    MarkPaid(EntryId),
    SetOrderStatus(EntryId, OrderStatus),
    SetArchived(CustomerId, bool),
    OpenSampleJournal,
    OpenJournalAt(PathBuf),
    /// Restore the newest good backup of a journal that turned out damaged.
    RestoreNewestGood,
    SetTheme(super::prefs::ThemeChoice),
    DismissError,
}

/// A change that Edit → Undo takes back.
#[derive(Debug, Clone)]
enum UndoStep {
    /// An entry went to the trash: restore it.
    Trashed(EntryId),
    /// An entry was added: move it to the trash.
    Added(EntryId),
    /// An entry was changed: put the old content back.
    Edited(EntryId, Box<EntryDraft>),
    /// A customer was changed: put the old details back.
    CustomerEdited(CustomerId, Box<CustomerDraft>),
}

/// The last thing that happened, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// Candor's window.
pub struct CandorApp {
    pub journal: Option<Journal>,
    journal_path: PathBuf,
    /// Why the journal could not be opened, when it could not.
    open_error: Option<String>,
    pub prefs: Prefs,
    clock: Box<dyn Clock>,
    customer_list: CustomerList,
    pub selected: Option<CustomerId>,
    timeline: TimelineView,
    dialog: Option<Dialog>,
    undo: Vec<UndoStep>,
    pub notice: Option<Notice>,
    actions: Vec<Action>,
    picker: FilePicker,
    /// For a damaged journal: the newest backup that passed its integrity check.
    restore_offer: Option<crate::backups::BackupInfo>,
    /// The day's start-up backup, running on its own thread.
    startup_backup: Option<std::sync::mpsc::Receiver<crate::backups::Result<Option<PathBuf>>>>,
    fonts_installed: bool,
    /// An export, import, backup or restore running on its own thread.
    job: Option<BackgroundJob>,
    /// When set, the first frame prints how long start-up took.
    first_frame_timer: Option<std::time::Instant>,
    was_focused: bool,
    last_change_check_secs: f64,
    title_shown: String,
}

impl CandorApp {
    /// Opens the journal at `path` (creating it if nothing is there). A journal that cannot
    /// be opened leaves the app running with the reason on screen and the file untouched.
    pub fn open(path: PathBuf, prefs: Prefs, clock: Box<dyn Clock>) -> Self {
        let mut app = Self {
            journal: None,
            journal_path: path.clone(),
            open_error: None,
            prefs,
            clock,
            customer_list: CustomerList::default(),
            selected: None,
            timeline: TimelineView::default(),
            dialog: None,
            undo: Vec::new(),
            notice: None,
            actions: Vec::new(),
            picker: FilePicker::default(),
            restore_offer: None,
            startup_backup: None,
            fonts_installed: false,
            job: None,
            first_frame_timer: None,
            was_focused: true,
            last_change_check_secs: 0.0,
            title_shown: String::new(),
        };
        app.switch_journal(&path);
        if let (Some(journal), Some(id)) = (&app.journal, app.prefs.last_customer)
            && journal.customer(CustomerId(id)).is_some()
        {
            app.select_customer(CustomerId(id));
        }
        app
    }

    fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// The journal file the window is on.
    pub fn journal_path(&self) -> &Path {
        &self.journal_path
    }

    /// True while an export, import, backup or restore runs in the background.
    pub fn is_busy(&self) -> bool {
        self.job.is_some()
    }

    /// Why the journal could not be opened, if it could not.
    pub fn open_error(&self) -> Option<&str> {
        self.open_error.as_deref()
    }

    fn switch_journal(&mut self, path: &Path) {
        let today = self.today();
        match Store::open(path).and_then(|store| Journal::new(store, today)) {
            Ok(journal) => {
                self.journal = Some(journal);
                self.journal_path = path.to_path_buf();
                self.open_error = None;
                self.selected = None;
                self.timeline = TimelineView::default();
                self.customer_list.invalidate();
                self.undo.clear();
                self.prefs.last_journal = Some(path.to_path_buf());
            }
            Err(error) => {
                if self.journal.is_some() {
                    self.fail(error.to_string());
                } else {
                    self.journal_path = path.to_path_buf();
                    self.open_error = Some(error.to_string());
                    // A damaged journal is left as it is; offer the newest good backup.
                    self.restore_offer = if crate::backups::offers_restore(&error) {
                        crate::backups::newest_good_backup(path).ok().flatten()
                    } else {
                        None
                    };
                }
            }
        }
    }

    /// Prints, at the end of the first frame, the time since `started` (start-up timing).
    pub fn report_first_frame_since(&mut self, started: std::time::Instant) {
        self.first_frame_timer = Some(started);
    }

    /// Starts the day's backup of the journal on a background thread (at most one a day;
    /// the window stays responsive while a large journal is copied and checked).
    pub fn start_daily_backup(&mut self) {
        if self.journal.is_none() {
            return;
        }
        let path = self.journal_path.clone();
        let now = self.now();
        let (sender, receiver) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("daily-backup".into())
            .spawn(move || {
                let result = crate::backups::startup_backup(&path, now);
                let _ = sender.send(result);
            });
        if spawned.is_ok() {
            self.startup_backup = Some(receiver);
        }
    }

    fn poll_daily_backup(&mut self) {
        let Some(receiver) = self.startup_backup.as_ref() else {
            return;
        };
        match receiver.try_recv() {
            Ok(Ok(_)) => self.startup_backup = None,
            Ok(Err(error)) => {
                self.startup_backup = None;
                let damaged = matches!(&error, crate::backups::BackupError::Store(e) if crate::backups::offers_restore(e));
                if damaged {
                    // Damage deep in the history passes opening and shows up in the backup's
                    // full check: say so, and point at the good backups.
                    self.fail(format!(
                        "Today's automatic backup found the journal damaged ({error}). File → Restore from backup… lists the good backups."
                    ));
                } else {
                    self.fail(format!("Today's automatic backup failed: {error}"));
                }
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => self.startup_backup = None,
        }
    }

    fn say(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            is_error: false,
        });
    }

    fn fail(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: text.into(),
            is_error: true,
        });
    }

    /// Re-reads the caches after a change; reports a failure instead of panicking.
    fn reload(&mut self) {
        let today = self.today();
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        if let Err(error) = journal.reload(today) {
            self.fail(error.to_string());
        }
        self.customer_list.invalidate();
        self.timeline.invalidate();
    }

    fn select_customer(&mut self, id: CustomerId) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        match journal.load_timeline(id) {
            Ok(()) => {
                self.selected = Some(id);
                self.prefs.last_customer = Some(id.0);
                self.timeline.invalidate();
                self.timeline.selected_entry = None;
            }
            Err(error) => self.fail(error.to_string()),
        }
    }

    fn customer_name(&self, id: CustomerId) -> String {
        self.journal
            .as_ref()
            .and_then(|j| j.customer(id))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    }

    /// Draws one frame. Everything the window shows goes through here (tests call it too).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            install_fonts(&ctx);
            self.fonts_installed = true;
        }
        self.keep_title(&ctx);
        self.poll_daily_backup();
        self.poll_job(&ctx);
        self.pick_up_changes_from_other_windows(&ctx);
        if self.dialog.is_none()
            && let Some(command) = UiCommand::from_input(&ctx)
        {
            self.actions.push(Action::Command(command));
        }

        let mut actions = std::mem::take(&mut self.actions);
        egui::Panel::top("menu_bar").show(ui, |ui| {
            menu_bar::ui(ui, &self.prefs, self.undo.last().is_some(), &mut actions);
        });
        self.status_bar_ui(ui, &mut actions);

        match self.journal.as_ref() {
            None if self.job.as_ref().is_some_and(|job| job.restoring) => {
                let what = self
                    .job
                    .as_ref()
                    .map(|job| job.what.clone())
                    .unwrap_or_default();
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.vertical_centered(|ui| {
                        ui.add_space(80.0);
                        ui.spinner();
                        ui.heading(what);
                        ui.label("The journal reopens as soon as the restore is done.");
                    });
                });
            }
            None => {
                egui::CentralPanel::default().show(ui, |ui| {
                    open_error_ui(
                        ui,
                        &self.journal_path,
                        self.open_error.as_deref(),
                        self.restore_offer.as_ref(),
                        &mut actions,
                    );
                });
            }
            Some(journal) => {
                let today = self.today();
                egui::Panel::left("customers")
                    .default_size(260.0)
                    .min_size(180.0)
                    .show(ui, |ui| {
                        customers_panel::ui(
                            ui,
                            journal,
                            &mut self.customer_list,
                            self.selected,
                            &mut actions,
                        );
                    });
                if self.prefs.show_call_first {
                    egui::Panel::right("call_first")
                        .default_size(340.0)
                        .min_size(220.0)
                        .show(ui, |ui| {
                            call_first_panel::ui(ui, journal, self.selected, &mut actions);
                        });
                }
                egui::CentralPanel::default().show(ui, |ui| {
                    if journal.customers.is_empty() {
                        empty_journal_ui(ui, &mut actions);
                    } else {
                        timeline_panel::ui(
                            ui,
                            journal,
                            self.selected,
                            &mut self.timeline,
                            today,
                            &mut actions,
                        );
                    }
                });
            }
        }

        self.dialog_ui(&ctx, &mut actions);
        actions.append(&mut self.actions);
        for action in actions {
            self.run(action);
        }
        if let Some(started) = self.first_frame_timer.take() {
            eprintln!("first frame after {} ms", started.elapsed().as_millis());
        }
    }

    fn keep_title(&mut self, ctx: &egui::Context) {
        let name = self
            .journal_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let title = format!("Candor — {name}");
        if title != self.title_shown {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_shown = title;
        }
    }

    /// Another window may have written: look when the window gains focus, and every few
    /// seconds (a `PRAGMA data_version` read, no query of the journal itself).
    fn pick_up_changes_from_other_windows(&mut self, ctx: &egui::Context) {
        const CHECK_EVERY_SECS: f64 = 3.0;
        let (focused, time) = ctx.input(|i| (i.viewport().focused.unwrap_or(true), i.time));
        let gained_focus = focused && !self.was_focused;
        self.was_focused = focused;
        if !gained_focus && time - self.last_change_check_secs < CHECK_EVERY_SECS {
            return;
        }
        self.last_change_check_secs = time;
        ctx.request_repaint_after(std::time::Duration::from_secs_f64(CHECK_EVERY_SECS));
        let changed = match self.journal.as_ref().map(Journal::changed_elsewhere) {
            Some(Ok(changed)) => changed,
            Some(Err(error)) => {
                self.fail(error.to_string());
                false
            }
            None => false,
        };
        let day_changed = self
            .journal
            .as_ref()
            .is_some_and(|j| j.as_of != self.today());
        if changed || day_changed {
            self.reload();
        }
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                match &self.notice {
                    Some(notice) if notice.is_error => {
                        ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {}", notice.text));
                        if ui.small_button("Dismiss").clicked() {
                            actions.push(Action::DismissError);
                        }
                    }
                    Some(notice) => {
                        ui.label(&notice.text);
                    }
                    None => {
                        ui.weak(format!("Journal: {}", self.journal_path.display()));
                    }
                }
                if self.undo.last().is_some() {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("Undo")
                            .on_hover_text(UiCommand::Undo.shortcut_text(ui.ctx()))
                            .clicked()
                        {
                            actions.push(Action::Command(UiCommand::Undo));
                        }
                    });
                }
            });
        });
    }

    fn dialog_ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        if let Some(picked) = self.picker.poll() {
            let picked_text = picked.display().to_string();
            match self.dialog.as_mut() {
                Some(Dialog::Path(dialog)) => dialog.path = picked_text,
                Some(Dialog::Export(dialog)) => dialog.path = picked_text,
                Some(Dialog::Import(dialog)) => {
                    dialog.path = picked_text;
                    dialog.load_preview();
                }
                _ => {}
            }
        }
        let Some(mut dialog) = self.dialog.take() else {
            return;
        };
        let today = self.today();
        let mut keep_open = true;
        let title = dialog.title();
        let modal = egui::Modal::new(egui::Id::unique("candor_dialog")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading(&title);
            ui.add_space(6.0);
            match &mut dialog {
                Dialog::Entry(form) => match form.ui(ui, today) {
                    Some(FormOutcome::Save) => keep_open = !self.save_entry_form(form),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Customer(form) => match form.ui(ui) {
                    Some(FormOutcome::Save) => keep_open = !self.save_customer_form(form),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Action(action) => match action.ui(ui, today) {
                    Some(FormOutcome::Save) => keep_open = !self.save_action(action),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Path(path_dialog) => match path_dialog.ui(ui, &mut self.picker) {
                    Some(FormOutcome::Save) => {
                        keep_open = false;
                        let path = PathBuf::from(path_dialog.path.trim());
                        match path_dialog.purpose {
                            PathPurpose::OpenJournal if !path.exists() => {
                                path_dialog.error = Some(format!(
                                    "There is no file at {}: check the path, or use File → New journal… to start one.",
                                    path.display()
                                ));
                                keep_open = true;
                            }
                            PathPurpose::NewJournal if path.exists() => {
                                path_dialog.error = Some(format!(
                                    "{} already exists: choose a new file name (Candor never overwrites a file), or open it with File → Open journal….",
                                    path.display()
                                ));
                                keep_open = true;
                            }
                            _ => actions.push(Action::OpenJournalAt(path)),
                        }
                    }
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Backup(backup) => match backup.ui(ui) {
                    Some(FormOutcome::Save) => keep_open = !self.back_up_now(backup),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Restore(restore) => match restore.ui(ui) {
                    Some(FormOutcome::Save) => keep_open = !self.restore_backup(restore),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Export(export) => match export.ui(ui, &mut self.picker, today) {
                    Some(FormOutcome::Save) => keep_open = !self.export(export),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Import(import) => match import.ui(ui, &mut self.picker) {
                    Some(FormOutcome::Save) => keep_open = !self.import(import),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Trash(trash) => {
                    let (choice, outcome) = trash.ui(ui);
                    if let Some(choice) = choice {
                        self.empty_trash_choice(trash, choice);
                    }
                    if outcome.is_some() {
                        keep_open = false;
                    }
                }
                Dialog::Info(info) => {
                    if info.ui(ui, ctx) {
                        keep_open = false;
                    }
                }
            }
        });
        if modal.should_close() && !matches!(dialog, Dialog::Entry(_) | Dialog::Customer(_)) {
            keep_open = false;
        }
        if keep_open {
            self.dialog = Some(dialog);
        }
    }

    /// Saves the entry form; `true` when saved (the dialog may close). On failure the form
    /// keeps everything typed and shows why.
    fn save_entry_form(&mut self, form: &mut EntryForm) -> bool {
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
        let result = match form.editing {
            Some(id) => journal.store.entry(id).and_then(|old| {
                journal
                    .store
                    .update_entry(id, draft, now)
                    .map(|saved| (saved, Some(old)))
            }),
            None => journal
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
                self.reload();
                self.select_customer(saved.customer_id);
                self.timeline.selected_entry = Some(saved.id);
                self.say(format!(
                    "Saved: {what} for {}.",
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

    fn save_customer_form(&mut self, form: &mut CustomerForm) -> bool {
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
                self.say(format!("Saved: {}.", saved.name));
                true
            }
            Err(error) => {
                form.error = Some(error.to_string());
                false
            }
        }
    }

    /// Applies a promise/problem/payment action dialog.
    fn save_action(&mut self, dialog: &mut ActionDialog) -> bool {
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
        self.say(format!("Saved: {} updated.", saved.kind.tag().label()));
        Ok(())
    }

    fn quick_change(&mut self, id: EntryId, change: EntryChange) {
        if let Err(error) = self.change_entry(id, change) {
            self.fail(error);
        }
    }

    fn open_entry_form(&mut self, kind: EntryKindTag, customer: Option<CustomerId>) {
        let Some(customer) = customer.or(self.selected) else {
            self.fail("Select a customer first (click one on the left), then log again.");
            return;
        };
        let mut form = EntryForm::new(kind, customer, &self.customer_name(customer));
        if kind == EntryKindTag::BadNews {
            // Link the bad news to the slipping promise or order the timeline has selected.
            form.related = self.timeline.selected_entry;
        }
        self.dialog = Some(Dialog::Entry(Box::new(form)));
    }

    fn run(&mut self, action: Action) {
        let today = self.today();
        match action {
            Action::Command(command) => self.run_command(command),
            Action::SelectCustomer(id) => self.select_customer(id),
            Action::SelectEntry(id) => self.timeline.selected_entry = id,
            Action::LogFor(customer, kind) => {
                self.select_customer(customer);
                self.open_entry_form(kind, Some(customer));
            }
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
                            self.dialog =
                                Some(Dialog::Entry(Box::new(EntryForm::edit(&entry, &name))));
                        }
                        Err(error) => self.fail(error.to_string()),
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
                            self.say("Moved to the trash. Undo brings it back.");
                        }
                        Err(error) => self.fail(error.to_string()),
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
            Action::PromiseBroken(id) => self.quick_change(
                id,
                Box::new(move |kind| match kind {
                    EntryKind::Promise(p) => p.break_on(today),
                    _ => Ok(()),
                }),
            ),
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
                            self.say(format!("{verb}: {}.", customer.name));
                        }
                        Err(error) => self.fail(error.to_string()),
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
            Action::DismissError => self.notice = None,
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
            Action::SetTheme(theme) => self.prefs.theme = theme,
        }
    }

    fn run_command(&mut self, command: UiCommand) {
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
            UiCommand::FocusSearch => self.customer_list.focus_search = true,
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
            UiCommand::Export => {
                let today = self.today();
                self.dialog = Some(Dialog::Export(ExportDialog::new(&self.journal_path, today)));
            }
            UiCommand::Import => self.dialog = Some(Dialog::Import(ImportDialog::new())),
            UiCommand::ShowTrash => {
                if let Some(trash) = self.trash_contents() {
                    self.dialog = Some(Dialog::Trash(TrashDialog::new(trash)));
                }
            }
            UiCommand::BackupNow => {
                self.dialog = Some(Dialog::Backup(BackupDialog::new(&self.journal_path)));
            }
            UiCommand::RestoreBackup => match crate::backups::list_backups(&self.journal_path) {
                Ok(backups) => self.dialog = Some(Dialog::Restore(RestoreDialog::new(backups))),
                Err(error) => self.fail(error.to_string()),
            },
            UiCommand::ShowShortcuts | UiCommand::ShowJournalLocation | UiCommand::ShowAbout => {
                self.dialog = Some(Dialog::Info(super::dialogs::InfoDialog::new(
                    command,
                    &self.journal_path,
                )));
            }
            _ => {}
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
        };
        match result {
            Ok(message) => {
                self.reload();
                self.say(message);
            }
            Err(error) => {
                if !matches!(error, StoreError::NotFound { .. }) {
                    self.undo.push(step);
                }
                self.fail(error.to_string());
            }
        }
    }

    /// The trash with each entry's customer name, or `None` after reporting a failure.
    fn trash_contents(&mut self) -> Option<Vec<(crate::domain::Entry, String)>> {
        let journal = self.journal.as_ref()?;
        match journal.store.trash() {
            Ok(entries) => Some(
                entries
                    .into_iter()
                    .map(|entry| {
                        let name = journal
                            .customer(entry.customer_id)
                            .map(|c| c.name.clone())
                            .unwrap_or_default();
                        (entry, name)
                    })
                    .collect(),
            ),
            Err(error) => {
                self.fail(error.to_string());
                None
            }
        }
    }

    fn empty_trash_choice(&mut self, dialog: &mut TrashDialog, choice: TrashChoice) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        let result = match choice {
            TrashChoice::Restore(id) => journal
                .store
                .restore_entry(id)
                .map(|()| "Restored from the trash."),
            TrashChoice::Purge(id) => journal.store.purge_entry(id).map(|()| "Deleted for good."),
        };
        match result {
            Ok(message) => {
                let id = match choice {
                    TrashChoice::Restore(id) | TrashChoice::Purge(id) => id,
                };
                // Undo must not try to restore what the trash already settled.
                self.undo
                    .retain(|step| !matches!(step, UndoStep::Trashed(trashed) if *trashed == id));
                self.reload();
                self.say(message);
                if let Some(entries) = self.trash_contents() {
                    *dialog = TrashDialog::new(entries);
                }
            }
            Err(error) => dialog.error = Some(error.to_string()),
        }
    }

    fn export(&mut self, dialog: &mut ExportDialog) -> bool {
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
        let reopen = Dialog::Export(std::mem::replace(
            dialog,
            ExportDialog::new(&self.journal_path, today),
        ));
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
    fn poll_job(&mut self, ctx: &egui::Context) {
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
                self.say(format!("Exported {rows} rows to {}.", path.display()));
            }
            JobResult::Imported(summary) => {
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
            JobResult::BackedUp(info) => self.say(format!("Backed up to {}.", info.path.display())),
            JobResult::Restored { report, backup } => {
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
                self.fail(error.clone());
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

    fn import(&mut self, dialog: &mut ImportDialog) -> bool {
        let now = self.now();
        let options = crate::io::import::ImportOptions {
            merge_duplicates: dialog.merge_duplicates,
            mapping: dialog.preview.as_ref().map(|p| p.mapping.clone()),
        };
        let path = dialog.path();
        let journal = self.journal_path.clone();
        let what = format!("Importing {}…", path.display());
        let reopen = Dialog::Import(std::mem::replace(dialog, ImportDialog::new()));
        self.start_job(what, Some(reopen), false, move || {
            let result = Store::open(&journal)
                .map_err(|e| e.to_string())
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

    fn back_up_now(&mut self, dialog: &mut BackupDialog) -> bool {
        let now = self.now();
        let journal = self.journal_path.clone();
        let out = dialog.out_path();
        let reopen = Dialog::Backup(std::mem::replace(dialog, BackupDialog::new(&journal)));
        let what = "Backing up the journal…".to_owned();
        self.start_job(
            what,
            Some(reopen),
            false,
            move || match crate::backups::back_up_now(&journal, out.as_deref(), now) {
                Ok(info) => JobResult::BackedUp(info),
                Err(error) => JobResult::Failed(error.to_string()),
            },
        )
    }

    /// Restores the chosen backup on a background thread: this window lets go of the
    /// journal, the current journal is saved into backups/ first, and the restored one is
    /// reopened when done.
    fn restore_backup(&mut self, dialog: &mut RestoreDialog) -> bool {
        let Some(backup) = dialog.chosen_path().map(Path::to_path_buf) else {
            dialog.error = Some("Choose a backup in the list first.".to_owned());
            return false;
        };
        let now = self.now();
        let journal = self.journal_path.clone();
        let what = format!("Restoring {}…", backup.display());
        self.start_job(what, None, true, move || {
            match crate::backups::restore(&journal, &backup, now) {
                Ok(report) => JobResult::Restored { report, backup },
                Err(error) => JobResult::Failed(error.to_string()),
            }
        })
    }

    /// Opens (creating on first use) a sample journal beside the current one.
    fn open_sample_journal(&mut self) {
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

    /// Preferences to keep (the app saves them on exit).
    pub fn save_prefs(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.prefs);
    }

    /// The day after today (for snoozes).
    pub fn tomorrow(&self) -> NaiveDate {
        self.today()
            .checked_add_days(Days::new(1))
            .unwrap_or(self.today())
    }

    /// The customer filter currently applied (for tests and the title).
    pub fn customer_filter(&self) -> CustomerFilter {
        self.customer_list.filter
    }
}

impl eframe::App for CandorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        ui.ctx().set_theme(self.prefs.theme.to_egui());
        CandorApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.save_prefs(storage);
    }
}

/// egui's fonts, with Hack (which has arrows, check marks and box symbols) as a fallback
/// for proportional text, so messages like "File → Back up now…" never draw boxes.
fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    if fonts.font_data.contains_key("Hack")
        && let Some(proportional) = fonts.families.get_mut(&egui::FontFamily::Proportional)
        && !proportional.iter().any(|name| name == "Hack")
    {
        proportional.push("Hack".to_owned());
    }
    ctx.set_fonts(fonts);
}

fn open_error_ui(
    ui: &mut egui::Ui,
    path: &Path,
    error: Option<&str>,
    restore_offer: Option<&crate::backups::BackupInfo>,
    actions: &mut Vec<Action>,
) {
    ui.vertical_centered(|ui| {
        ui.add_space(60.0);
        ui.heading("This journal could not be opened");
        ui.add_space(8.0);
        ui.label(error.unwrap_or("Unknown error."));
        ui.weak(format!("File: {}", path.display()));
        ui.add_space(12.0);
        if let Some(backup) = restore_offer {
            ui.label(
                "The file is left exactly as it is. The newest backup that passes its check is:",
            );
            ui.strong(backup.describe());
            if ui.button("Restore this backup").clicked() {
                actions.push(Action::RestoreNewestGood);
            }
            ui.add_space(8.0);
        }
        if ui.button(UiCommand::OpenJournal.label()).clicked() {
            actions.push(Action::Command(UiCommand::OpenJournal));
        }
        if ui.button(UiCommand::NewJournal.label()).clicked() {
            actions.push(Action::Command(UiCommand::NewJournal));
        }
        if ui.button("Open sample journal").clicked() {
            actions.push(Action::OpenSampleJournal);
        }
    });
}

fn empty_journal_ui(ui: &mut egui::Ui, actions: &mut Vec<Action>) {
    ui.vertical_centered(|ui| {
        ui.add_space(80.0);
        ui.heading("Welcome to Candor");
        ui.add_space(6.0);
        ui.label("Keep every promise, call, and piece of bad news in one place — and each morning, see who to call first.");
        ui.add_space(16.0);
        if ui.button("Add your first customer").clicked() {
            actions.push(Action::Command(UiCommand::AddCustomer));
        }
        ui.add_space(4.0);
        if ui.button("Open sample journal").on_hover_text("A realistic journal of 25 customers to try things out").clicked() {
            actions.push(Action::OpenSampleJournal);
        }
    });
}
