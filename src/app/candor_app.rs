//! The app: its state, the frame's layout, and the actions panels send.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};

use super::agenda_panel::AgendaView;
use super::background::BackgroundJob;
use super::commands::UiCommand;
use super::customers_panel::CustomerList;
use super::damage_banner::{Damage, JournalCheck};
use super::dialogs::{Dialog, PathPurpose};
use super::drafts::{self, Draft, DraftKey, Drafts};
use super::entry_form::FormOutcome;
use super::file_picker::FilePicker;
use super::insights_view::InsightsView;
use super::journal::Journal;
use super::prefs::{Prefs, STORAGE_KEY};
use super::reminders::{BannerOnly, Notifier, ReminderState};
use super::timeline_panel::TimelineView;
use super::{
    Clock, agenda_panel, call_first_panel, customers_panel, damage_banner, menu_bar, timeline_panel,
};
use crate::domain::{CustomerDraft, CustomerId, EntryDraft, EntryId};
use crate::store::Store;

/// Re-exported so code written before [`super::action`] existed still finds it here.
pub use super::action::Action;

/// A change that Edit → Undo takes back.
#[derive(Debug, Clone)]
pub(super) enum UndoStep {
    /// An entry went to the trash: restore it.
    Trashed(EntryId),
    /// An entry was added: move it to the trash.
    Added(EntryId),
    /// An entry was changed: put the old content back.
    Edited(EntryId, Box<EntryDraft>),
    /// A customer was changed: put the old details back.
    CustomerEdited(CustomerId, Box<CustomerDraft>),
    /// A customer went to the trash: bring them back.
    CustomerDeleted(CustomerId),
    /// Two customers were merged: bring the second back with its entries.
    Merged(Box<crate::store::CustomerMerge>),
}

/// The last thing that happened, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

/// What an error is about: it stays on screen until that works again (or is dismissed),
/// so a fixed problem disappears and an unrelated success does not hide a real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorTopic {
    /// Reading the journal (opening, reloading, picking up other windows' changes).
    Journal,
    /// A change to the journal (a form, a quick action, undo, the trash).
    Save,
    /// File → Export….
    Export,
    /// File → Import….
    Import,
    /// File → Back up now….
    Backup,
    /// File → Restore from backup… (and the list of backups it shows).
    Restore,
    /// Today's automatic backup.
    DailyBackup,
    /// A hint about what to do first ("Select a customer first"): gone with the next
    /// success.
    Hint,
}

/// One error shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorNotice {
    /// What it is about, so it goes once that works again.
    pub topic: ErrorTopic,
    /// One sentence saying what went wrong and what to do.
    pub text: String,
}

/// At most this many errors are listed at once; older ones give way to newer ones.
const MAX_ERRORS_SHOWN: usize = 5;

/// Candor's window.
pub struct CandorApp {
    pub journal: Option<Journal>,
    pub(super) journal_path: PathBuf,
    /// Why the journal could not be opened, when it could not.
    pub(super) open_error: Option<String>,
    pub prefs: Prefs,
    pub(super) clock: Box<dyn Clock>,
    pub(super) customer_list: CustomerList,
    pub(super) call_first: call_first_panel::CallFirstView,
    pub selected: Option<CustomerId>,
    pub(super) timeline: TimelineView,
    pub(super) dialog: Option<Dialog>,
    pub(super) undo: Vec<UndoStep>,
    pub notice: Option<Notice>,
    /// Every error not yet fixed, oldest first, each shown in the status bar.
    pub errors: Vec<ErrorNotice>,
    pub(super) actions: Vec<Action>,
    pub(super) picker: FilePicker,
    /// For a damaged journal: the newest backup that passed its integrity check.
    pub(super) restore_offer: Option<crate::backup_policy::BackupInfo>,
    /// SQLite's quick check of the journal just opened, running on its own thread.
    pub(super) journal_check: Option<JournalCheck>,
    /// What the check found when the open journal is damaged: it is then read-only.
    pub(super) damage: Option<Damage>,
    /// The day's start-up backup, running on its own thread.
    pub(super) startup_backup:
        Option<std::sync::mpsc::Receiver<crate::backup_policy::Result<Option<PathBuf>>>>,
    pub(super) fonts_installed: bool,
    /// The system fonts for scripts egui's own fonts lack, being found off the UI thread.
    pub(super) font_search: Option<super::fonts::FallbackSearch>,
    /// An export, import, backup or restore running on its own thread.
    pub(super) job: Option<BackgroundJob>,
    /// When set, the first frame prints how long start-up took.
    pub(super) first_frame_timer: Option<std::time::Instant>,
    pub(super) was_focused: bool,
    pub(super) last_change_check_secs: f64,
    pub(super) title_shown: String,
    /// The Today agenda, when shown in place of the timeline.
    pub(super) agenda: AgendaView,
    /// Desktop reminders sent this session, and the ones waiting as banners.
    pub(super) reminders: ReminderState,
    /// The journal changed since the calendar file was last written.
    pub(super) calendar_dirty: bool,
    /// The calendar file being rewritten on its own thread.
    pub(super) calendar_writer: Option<std::sync::mpsc::Receiver<Result<usize, String>>>,
    /// The Insights view: its period, its last result, its computation under way.
    pub insights: InsightsView,
    /// The Team view (a manager's): each rep's day and the team's list, read-only.
    pub team_view: super::team_view::TeamView,
    /// Bumped when another journal opens, so every list starts scrolled to the top.
    pub(super) view_generation: u64,
    /// Forms closed with Esc after typing, given back when they reopen.
    pub(super) drafts: Drafts,
    /// The open dialog's form as it first appeared, to tell typing from nothing.
    pub(super) dialog_pristine: Option<Option<Draft>>,
    /// The team sync of this journal, when it has a team (File → Team…).
    pub(super) sync: Option<crate::team::SyncHandle>,
    /// The journal the sync was set up for (a journal switch sets it up again).
    pub(super) sync_journal: Option<PathBuf>,
}

/// The form inside a dialog, if it is one that keeps drafts.
fn draft_of(dialog: &Dialog) -> Option<Draft> {
    match dialog {
        Dialog::Entry(form) => Some(Draft::Entry(form.clone())),
        Dialog::Customer(form) => Some(Draft::Customer(Box::new(form.clone()))),
        Dialog::Action(action) => Some(Draft::Action(Box::new(action.clone()))),
        Dialog::Export(export) => Some(Draft::Export(Box::new(export.clone()))),
        // After the import there is nothing left to type.
        Dialog::Import(import) if import.summary.is_none() => Some(Draft::Import {
            path: import.path.clone(),
            merge_duplicates: import.merge_duplicates,
        }),
        Dialog::Backup(backup) => Some(Draft::Backup(Box::new(backup.clone()))),
        Dialog::Money(money) => Some(Draft::Money(Box::new(money.clone()))),
        Dialog::Team(team) => Some(Draft::Team {
            server: team.server.clone(),
            login: team.login.clone(),
        }),
        Dialog::Handover(handover) => Some(Draft::Handover {
            customer_gid: handover.customer_gid.clone(),
            to: handover.to.clone(),
            note: handover.note.clone(),
        }),
        Dialog::Announcements(announcements) => {
            Some(Draft::Announcement(Box::new(announcements.form())))
        }
        Dialog::Reminders(reminders) => Some(Draft::Reminders(Box::new(reminders.clone()))),
        Dialog::Trash(_) | Dialog::Restore(_) | Dialog::Path(_) | Dialog::Info(_) => None,
        Dialog::Merge(_) | Dialog::Import(_) | Dialog::History(_) => None,
    }
}

/// True while a dialog waits for the team database: Esc does not walk away from it.
fn dialog_busy(dialog: &Dialog) -> bool {
    matches!(dialog, Dialog::Handover(handover) if handover.is_running())
}

/// The key a dialog's draft is kept under, for dialogs that keep drafts.
fn draft_key(dialog: &Dialog) -> Option<DraftKey> {
    Some(match dialog {
        Dialog::Entry(form) => drafts::entry_key(form),
        Dialog::Customer(form) => drafts::customer_key(form),
        Dialog::Action(action) => drafts::action_key(action),
        Dialog::Export(_) => DraftKey::Export,
        Dialog::Import(_) => DraftKey::Import,
        Dialog::Backup(_) => DraftKey::Backup,
        Dialog::Money(_) => DraftKey::Money,
        Dialog::Team(_) => DraftKey::Team,
        Dialog::Handover(_) => DraftKey::Handover,
        Dialog::Announcements(_) => DraftKey::Announcement,
        Dialog::Reminders(_) => DraftKey::Reminders,
        Dialog::Trash(_) | Dialog::Restore(_) | Dialog::Path(_) | Dialog::Info(_) => return None,
        Dialog::Merge(_) | Dialog::History(_) => return None,
    })
}

/// Whether two forms hold the same typed content (errors aside).
fn same_content(a: &Draft, b: &Draft) -> bool {
    match (a, b) {
        (Draft::Entry(a), Draft::Entry(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.error = None;
            b.error = None;
            a == b
        }
        (Draft::Customer(a), Draft::Customer(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.error = None;
            b.error = None;
            a == b
        }
        (Draft::Action(a), Draft::Action(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.error = None;
            b.error = None;
            a == b
        }
        (Draft::Export(a), Draft::Export(b)) => a.same_choices(b),
        (
            Draft::Import {
                path: a_path,
                merge_duplicates: a_merge,
            },
            Draft::Import {
                path: b_path,
                merge_duplicates: b_merge,
            },
        ) => (a_path, a_merge) == (b_path, b_merge),
        (Draft::Backup(a), Draft::Backup(b)) => a.out == b.out,
        (Draft::Money(a), Draft::Money(b)) => {
            (a.currency.trim(), a.locale) == (b.currency.trim(), b.locale)
        }
        (
            Draft::Team {
                server: a_server,
                login: a_login,
            },
            Draft::Team {
                server: b_server,
                login: b_login,
            },
        ) => (a_server, a_login) == (b_server, b_login),
        (
            Draft::Handover {
                customer_gid: a_gid,
                to: a_to,
                note: a_note,
            },
            Draft::Handover {
                customer_gid: b_gid,
                to: b_to,
                note: b_note,
            },
        ) => (a_gid, a_to, a_note) == (b_gid, b_to, b_note),
        (Draft::Announcement(a), Draft::Announcement(b)) => a == b,
        (Draft::Reminders(a), Draft::Reminders(b)) => {
            let (mut a, mut b) = (a.clone(), b.clone());
            a.error = None;
            b.error = None;
            a == b
        }
        _ => false,
    }
}

impl CandorApp {
    /// Gives the dialog back the draft kept for its form, if any.
    fn restore_draft(&mut self, dialog: &mut Dialog) {
        let Some(key) = draft_key(dialog) else {
            return;
        };
        let restored = match (self.drafts.take(key), &mut *dialog) {
            (Some(Draft::Entry(draft)), Dialog::Entry(form)) => {
                *form = draft;
                true
            }
            (Some(Draft::Customer(draft)), Dialog::Customer(form)) => {
                *form = *draft;
                true
            }
            (Some(Draft::Action(draft)), Dialog::Action(action)) => {
                *action = *draft;
                true
            }
            (Some(Draft::Export(draft)), Dialog::Export(export)) => {
                *export = *draft;
                export.focus_pending = true;
                true
            }
            (
                Some(Draft::Import {
                    path,
                    merge_duplicates,
                }),
                Dialog::Import(import),
            ) => {
                import.path = path;
                import.merge_duplicates = merge_duplicates;
                if !import.path.trim().is_empty() {
                    import.load_preview();
                }
                true
            }
            (Some(Draft::Backup(draft)), Dialog::Backup(backup)) => {
                *backup = *draft;
                backup.focus_pending = true;
                true
            }
            (Some(Draft::Money(draft)), Dialog::Money(money)) => {
                *money = *draft;
                true
            }
            (Some(Draft::Team { server, login }), Dialog::Team(team)) => {
                team.server = server;
                team.login = login;
                true
            }
            (
                Some(Draft::Handover {
                    customer_gid,
                    to,
                    note,
                }),
                Dialog::Handover(handover),
            ) if customer_gid == handover.customer_gid => {
                // Only a rep still on offer comes back as the choice.
                handover.to = to.filter(|login| handover.reps.iter().any(|r| &r.login == login));
                handover.note = note;
                true
            }
            (Some(Draft::Announcement(form)), Dialog::Announcements(announcements)) => {
                announcements.restore_form(*form);
                true
            }
            (Some(Draft::Reminders(draft)), Dialog::Reminders(reminders)) => {
                *reminders = *draft;
                true
            }
            _ => false,
        };
        if restored {
            self.say("Your draft is back, as you left it.");
        }
    }

    /// A form closes without saving: Esc keeps what was typed as a draft; the Cancel
    /// button (or Esc on an untouched form) discards it.
    fn close_form(&mut self, key: DraftKey, form: Draft, escape: bool) {
        let untouched =
            matches!(&self.dialog_pristine, Some(Some(pristine)) if same_content(pristine, &form));
        if escape && !untouched {
            self.drafts.keep(key, form);
            self.say("Draft kept: open the same form again to go on where you left off.");
        } else {
            self.drafts.forget(key);
        }
    }
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
            call_first: call_first_panel::CallFirstView::default(),
            selected: None,
            timeline: TimelineView::default(),
            dialog: None,
            undo: Vec::new(),
            notice: None,
            errors: Vec::new(),
            actions: Vec::new(),
            picker: FilePicker::default(),
            restore_offer: None,
            journal_check: None,
            damage: None,
            startup_backup: None,
            fonts_installed: false,
            font_search: None,
            job: None,
            first_frame_timer: None,
            was_focused: true,
            last_change_check_secs: 0.0,
            title_shown: String::new(),
            agenda: AgendaView::default(),
            reminders: ReminderState::new(std::sync::Arc::new(BannerOnly)),
            calendar_dirty: true,
            calendar_writer: None,
            insights: InsightsView::default(),
            team_view: super::team_view::TeamView::default(),
            view_generation: 0,
            drafts: Drafts::default(),
            dialog_pristine: None,
            sync: None,
            sync_journal: None,
        };
        app.insights.threshold = app.prefs.insights_threshold;
        let last_customer = app
            .prefs
            .last_customer
            .filter(|_| app.prefs.last_customer_journal.as_deref() == Some(path.as_path()));
        app.switch_journal(&path);
        if let (Some(journal), Some(id)) = (&app.journal, last_customer)
            && journal.customer(CustomerId(id)).is_some()
        {
            app.select_customer(CustomerId(id));
        }
        app
    }

    pub(super) fn now(&self) -> NaiveDateTime {
        self.clock.now()
    }

    pub(super) fn today(&self) -> NaiveDate {
        self.now().date()
    }

    /// Shows desktop reminders through `notifier` (the app passes the platform's; tests a
    /// fake). Until set, reminders show only as banners in the window.
    pub fn set_notifier(&mut self, notifier: std::sync::Arc<dyn Notifier>) {
        self.reminders.notifier = notifier;
    }

    /// True while the Today agenda is shown.
    pub fn agenda_open(&self) -> bool {
        self.agenda.open
    }

    /// The reminders shown in the window because the desktop could not show them.
    pub fn reminder_banners(&self) -> Vec<String> {
        self.reminders
            .banners
            .iter()
            .map(|b| format!("{}: {}", b.title, b.body))
            .collect()
    }

    /// True while the calendar file is being rewritten in the background.
    pub fn is_writing_calendar(&self) -> bool {
        self.calendar_writer.is_some()
            || (self.calendar_dirty && self.prefs.calendar_file.is_some())
    }

    /// The entry selected on the timeline, if any.
    pub fn selected_entry(&self) -> Option<EntryId> {
        self.timeline.selected_entry
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

    pub(super) fn switch_journal(&mut self, path: &Path) {
        let today = self.today();
        match Store::open(path).and_then(|store| Journal::new(store, today)) {
            Ok(journal) => {
                self.journal = Some(journal);
                self.journal_path = path.to_path_buf();
                self.open_error = None;
                self.selected = None;
                self.timeline = TimelineView::default();
                // Another journal starts clean: no search, no selection, lists at the top.
                self.customer_list = CustomerList::default();
                self.view_generation += 1;
                self.drafts.clear();
                self.insights.reset();
                self.team_view.reset();
                self.undo.clear();
                self.prefs.last_journal = Some(path.to_path_buf());
                self.damage = None;
                self.start_journal_check();
                self.calendar_dirty = true;
            }
            Err(error) => {
                if self.journal.is_some() {
                    self.fail_about(ErrorTopic::Journal, error.to_string());
                } else {
                    self.journal_path = path.to_path_buf();
                    self.open_error = Some(error.to_string());
                    // A damaged journal is left as it is; offer the newest good backup.
                    self.restore_offer = if crate::backup_policy::offers_restore(&error) {
                        crate::backup_policy::newest_good_backup(path)
                            .ok()
                            .flatten()
                    } else {
                        None
                    };
                }
            }
        }
    }

    /// What the check found when the open journal turned out damaged (it is then
    /// read-only).
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
    }

    /// True while the check of the journal just opened runs.
    pub fn is_checking(&self) -> bool {
        self.journal_check.is_some()
    }

    /// Starts SQLite's quick check of the open journal on its own thread (it reads the
    /// whole file: about a second for a million entries), so the window opens at once.
    fn start_journal_check(&mut self) {
        match JournalCheck::start(&self.journal_path) {
            Ok(check) => self.journal_check = Some(check),
            Err(error) => self.fail(error),
        }
    }

    fn poll_journal_check(&mut self, ctx: &egui::Context) {
        let Some(check) = self.journal_check.as_ref() else {
            return;
        };
        let Some(result) = check.poll() else {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
            return;
        };
        let checked = check.path.clone();
        self.journal_check = None;
        if checked != self.journal_path {
            return;
        }
        match result {
            Ok(None) => {
                // Restored in place from another window: writable again.
                if self.damage.take().is_some()
                    && let Some(journal) = self.journal.as_mut()
                {
                    journal.store.accept_writes_again();
                    self.say("The journal passes its check again (restored from a backup in another window?): saving works again.");
                }
            }
            Ok(Some(damage)) => {
                if let Some(journal) = self.journal.as_mut() {
                    journal
                        .store
                        .refuse_writes_as_damaged(damage.detail.clone());
                    self.damage = Some(damage);
                }
            }
            Err(error) => self.fail(error),
        }
    }

    /// Starts looking for system fonts for Arabic, Hebrew, CJK, Devanagari and other
    /// scripts; they are added when found (the window shows at once meanwhile).
    pub fn start_font_search(&mut self) {
        self.font_search = Some(super::fonts::FallbackSearch::start(
            super::fonts::default_fonts_cover(),
        ));
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
                let result = crate::backup_policy::startup_backup(&path, now);
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
            Ok(Ok(_)) => {
                self.startup_backup = None;
                self.resolved(ErrorTopic::DailyBackup);
            }
            Ok(Err(error)) => {
                self.startup_backup = None;
                let damaged = matches!(&error, crate::backup_policy::BackupError::Store(e) if crate::backup_policy::offers_restore(e));
                if damaged {
                    // Damage deep in the history passes opening and shows up in the backup's
                    // full check: say so, and point at the good backups.
                    self.fail_about(ErrorTopic::DailyBackup, format!(
                        "Today's automatic backup found the journal damaged ({error}). File → Restore from backup… lists the good backups."
                    ));
                } else {
                    self.fail_about(
                        ErrorTopic::DailyBackup,
                        format!("Today's automatic backup failed: {error}"),
                    );
                }
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => self.startup_backup = None,
        }
    }

    /// Shows what just happened. A success also clears the hints ("Select a customer
    /// first") it makes obsolete.
    pub(super) fn say(&mut self, text: impl Into<String>) {
        self.resolved(ErrorTopic::Hint);
        self.notice = Some(Notice {
            text: text.into(),
            is_error: false,
        });
    }

    /// Shows a hint about what to do first; gone with the next success.
    pub(super) fn fail(&mut self, text: impl Into<String>) {
        self.fail_about(ErrorTopic::Hint, text);
    }

    /// Shows an error about `topic`, beside any other errors still unfixed; it replaces an
    /// earlier error about the same topic, and stays until [`Self::resolved`] says that
    /// topic works again or it is dismissed.
    pub(super) fn fail_about(&mut self, topic: ErrorTopic, text: impl Into<String>) {
        let text = text.into();
        self.errors
            .retain(|e| e.topic != topic || (topic == ErrorTopic::Hint && e.text != text));
        self.errors.push(ErrorNotice {
            topic,
            text: text.clone(),
        });
        if self.errors.len() > MAX_ERRORS_SHOWN {
            self.errors.remove(0);
        }
        self.notice = Some(Notice {
            text,
            is_error: true,
        });
    }

    /// `topic` works again: its error disappears.
    pub(super) fn resolved(&mut self, topic: ErrorTopic) {
        let before = self.errors.len();
        self.errors.retain(|e| e.topic != topic);
        if self.errors.len() != before
            && self
                .notice
                .as_ref()
                .is_some_and(|n| n.is_error && !self.errors.iter().any(|e| e.text == n.text))
        {
            self.notice = None;
        }
    }

    /// A change was saved: says so, and clears an earlier failure to save.
    pub(super) fn saved(&mut self, text: impl Into<String>) {
        self.resolved(ErrorTopic::Save);
        self.say(text);
    }

    /// Hides the error at `index` of [`Self::errors`].
    pub(super) fn dismiss_error(&mut self, index: usize) {
        if index < self.errors.len() {
            let removed = self.errors.remove(index);
            if self
                .notice
                .as_ref()
                .is_some_and(|n| n.is_error && n.text == removed.text)
            {
                self.notice = None;
            }
        }
    }

    /// Re-reads the caches after a change; reports a failure instead of panicking.
    pub(super) fn reload(&mut self) {
        let today = self.today();
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        match journal.reload(today) {
            Ok(()) => {
                self.resolved(ErrorTopic::Journal);
                // After each change: send it to the team soon.
                if let Some(sync) = &self.sync {
                    sync.request_sync();
                }
            }
            Err(error) => self.fail_about(ErrorTopic::Journal, error.to_string()),
        }
        self.customer_list.invalidate();
        self.timeline.invalidate();
        self.calendar_dirty = true;
        self.insights.invalidate();
    }

    pub(super) fn select_customer(&mut self, id: CustomerId) {
        let Some(journal) = self.journal.as_mut() else {
            return;
        };
        match journal.load_timeline(id) {
            Ok(()) => {
                if self.selected != Some(id) {
                    self.timeline.scroll_to_top = true;
                }
                self.selected = Some(id);
                self.prefs.last_customer = Some(id.0);
                self.prefs.last_customer_journal = Some(self.journal_path.clone());
                self.timeline.invalidate();
                self.timeline.selected_entry = None;
            }
            Err(error) => self.fail_about(ErrorTopic::Journal, error.to_string()),
        }
    }

    pub(super) fn customer_name(&self, id: CustomerId) -> String {
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
            ctx.set_fonts(super::fonts::base_definitions());
            self.fonts_installed = true;
        }
        if let Some(faces) = self.font_search.as_ref().and_then(|s| s.poll()) {
            self.font_search = None;
            if !faces.is_empty() {
                ctx.set_fonts(super::fonts::definitions_with(faces));
            }
        }
        self.keep_title(&ctx);
        self.poll_daily_backup();
        self.poll_journal_check(&ctx);
        self.poll_job(&ctx);
        self.pick_up_changes_from_other_windows(&ctx);
        self.check_reminders(&ctx);
        self.keep_calendar_file(&ctx);
        self.keep_sync_running(&ctx);
        if self.dialog.is_none()
            && let Some(command) = UiCommand::from_input(&ctx)
        {
            self.actions.push(Action::Command(command));
        }
        if self.dialog.is_none()
            && self.agenda.open
            && let Some(journal) = self.journal.as_ref()
        {
            let mut keyed = agenda_panel::keyboard(&ctx, journal, &mut self.agenda);
            self.actions.append(&mut keyed);
        }

        let mut actions = std::mem::take(&mut self.actions);
        egui::Panel::top("menu_bar").show(ui, |ui| {
            menu_bar::ui(
                ui,
                &self.prefs,
                self.undo.last().is_some(),
                self.insights.open,
                &mut actions,
            );
        });
        if let (Some(damage), Some(_)) = (&self.damage, &self.journal) {
            egui::Panel::top("damage_banner").show(ui, |ui| {
                damage_banner::ui(ui, damage, &mut actions);
            });
        }
        self.status_bar_ui(ui, &mut actions);
        self.reminder_banner_ui(ui, &mut actions);

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
                // The side panels take a share of the window, so from 800 px wide to a 4K
                // screen the timeline in the middle keeps at least two fifths of it.
                let window_width = ui.available_width();
                egui::Panel::left("customers")
                    .default_size((window_width * 0.22).clamp(170.0, 320.0))
                    .min_size(150.0)
                    .max_size((window_width * 0.3).max(150.0))
                    .show(ui, |ui| {
                        ui.push_id(self.view_generation, |ui| {
                            customers_panel::ui(
                                ui,
                                journal,
                                &mut self.customer_list,
                                self.selected,
                                &mut actions,
                            );
                        });
                    });
                if self.prefs.show_call_first {
                    egui::Panel::right("call_first")
                        .default_size((window_width * 0.27).clamp(200.0, 440.0))
                        .min_size(180.0)
                        .max_size((window_width * 0.32).max(180.0))
                        .show(ui, |ui| {
                            ui.push_id(self.view_generation, |ui| {
                                call_first_panel::ui(
                                    ui,
                                    journal,
                                    self.selected,
                                    &mut self.call_first,
                                    &mut actions,
                                );
                            });
                        });
                }
                egui::CentralPanel::default().show(ui, |ui| {
                    if self.agenda.open {
                        agenda_panel::ui(ui, journal, &mut self.agenda, today, &mut actions);
                    } else if self.team_view.open {
                        let server = journal
                            .store
                            .team_setting(crate::team::SERVER_SETTING)
                            .ok()
                            .flatten()
                            .filter(|text| !text.is_empty());
                        let synced_at = self.sync.as_ref().and_then(|sync| match sync.state() {
                            crate::team::SyncState::Synced { at } => Some(at),
                            _ => None,
                        });
                        self.team_view.ui(ui, server.as_deref(), today, synced_at);
                    } else if self.insights.open {
                        let names = |id: CustomerId| journal.customer(id).map(|c| c.name.clone());
                        self.insights.money = journal.money;
                        self.insights
                            .ui(ui, &self.journal_path, &names, today, &mut actions);
                        self.prefs.insights_threshold = self.insights.threshold;
                    } else if journal.customers.is_empty() {
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
        // Another window restored a damaged journal by putting a new file in its place:
        // open that one, so what is saved next goes into the restored journal.
        let replaced = self
            .journal
            .as_ref()
            .is_some_and(|j| !j.store.is_file_still_there());
        if replaced && self.journal_path.exists() && self.job.is_none() {
            let path = self.journal_path.clone();
            self.switch_journal(&path);
            if self.journal_path == path && self.open_error.is_none() {
                self.say("The journal file was replaced (restored from a backup in another window?) and is open again.");
            }
            return;
        }
        let changed = match self.journal.as_ref().map(Journal::changed_elsewhere) {
            Some(Ok(changed)) => changed,
            Some(Err(error)) => {
                self.fail_about(ErrorTopic::Journal, error.to_string());
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
        // Another window may have restored the damaged journal in place: check it again.
        if changed && self.damage.is_some() && self.journal_check.is_none() {
            self.start_journal_check();
        }
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            // Every unfixed error on its own line, so two problems at once are both seen.
            for (index, error) in self.errors.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {}", error.text));
                    if ui.small_button("Dismiss").clicked() {
                        actions.push(Action::DismissError(index));
                    }
                });
            }
            ui.horizontal(|ui| {
                match &self.notice {
                    Some(notice) if !notice.is_error => {
                        ui.label(&notice.text);
                    }
                    _ => {
                        ui.weak(format!("Journal: {}", self.journal_path.display()));
                    }
                }
                let sync_text = self
                    .sync
                    .as_ref()
                    .map(|sync| sync.state().describe(std::time::Instant::now()));
                if self.undo.last().is_some() || sync_text.is_some() {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if let Some(text) = sync_text {
                            ui.weak(text);
                        }
                        if self.undo.last().is_none() {
                            return;
                        }
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
                Some(Dialog::Reminders(dialog)) => dialog.calendar_path = picked_text,
                Some(Dialog::Import(dialog)) => {
                    dialog.path = picked_text;
                    dialog.load_preview();
                }
                _ => {}
            }
        }
        let Some(mut dialog) = self.dialog.take() else {
            self.dialog_pristine = None;
            return;
        };
        if self.dialog_pristine.is_none() {
            // First frame of this dialog: amounts the journal's way, remember it as opened,
            // then give back a draft.
            if let (Dialog::Entry(form), Some(journal)) = (&mut dialog, self.journal.as_ref()) {
                form.use_money(journal.money);
            }
            self.dialog_pristine = Some(draft_of(&dialog));
            self.restore_draft(&mut dialog);
        }
        let escape = ctx.input(|i| i.key_pressed(egui::Key::Escape));
        let today = self.today();
        let mut keep_open = true;
        let title = dialog.title();
        let modal = egui::Modal::new(egui::Id::unique("candor_dialog")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading(&title);
            ui.add_space(6.0);
            match &mut dialog {
                Dialog::Entry(form) => match form.ui(ui, today) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.save_entry_form(form);
                        if !keep_open {
                            self.drafts.forget(drafts::entry_key(form));
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let key = drafts::entry_key(form);
                        self.close_form(key, Draft::Entry(form.clone()), escape);
                    }
                    None => {}
                },
                Dialog::Customer(form) => match form.ui(ui) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.save_customer_form(form);
                        if !keep_open {
                            self.drafts.forget(drafts::customer_key(form));
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let key = drafts::customer_key(form);
                        self.close_form(key, Draft::Customer(Box::new(form.clone())), escape);
                    }
                    None => {}
                },
                Dialog::Action(action) => match action.ui(ui, today) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.save_action(action);
                        if !keep_open {
                            self.drafts.forget(drafts::action_key(action));
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let key = drafts::action_key(action);
                        self.close_form(key, Draft::Action(Box::new(action.clone())), escape);
                    }
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
                    Some(FormOutcome::Save) => {
                        keep_open = !self.back_up_now(backup);
                        if !keep_open {
                            self.drafts.forget(DraftKey::Backup);
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let draft = Draft::Backup(Box::new(backup.clone()));
                        self.close_form(DraftKey::Backup, draft, escape);
                    }
                    None => {}
                },
                Dialog::Restore(restore) => match restore.ui(ui) {
                    Some(FormOutcome::Save) => keep_open = !self.restore_backup(restore),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Export(export) => match export.ui(ui, &mut self.picker, today) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.export(export);
                        if !keep_open {
                            self.drafts.forget(DraftKey::Export);
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let draft = Draft::Export(Box::new(export.clone()));
                        self.close_form(DraftKey::Export, draft, escape);
                    }
                    None => {}
                },
                Dialog::Import(import) => match import.ui(ui, &mut self.picker) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.import(import);
                        if !keep_open {
                            self.drafts.forget(DraftKey::Import);
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        if import.summary.is_some() {
                            // Imported: the file is done with, nothing to keep.
                            self.drafts.forget(DraftKey::Import);
                        } else {
                            let draft = Draft::Import {
                                path: import.path.clone(),
                                merge_duplicates: import.merge_duplicates,
                            };
                            self.close_form(DraftKey::Import, draft, escape);
                        }
                    }
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
                Dialog::Reminders(reminders) => match reminders.ui(ui, &mut self.picker) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.save_reminder_settings(reminders);
                        if !keep_open {
                            self.drafts.forget(DraftKey::Reminders);
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let draft = Draft::Reminders(Box::new(reminders.clone()));
                        self.close_form(DraftKey::Reminders, draft, escape);
                    }
                    None => {}
                },
                Dialog::Info(info) => {
                    if info.ui(ui, ctx) {
                        keep_open = false;
                    }
                }
                Dialog::Announcements(announcements) => {
                    use super::announcements_dialog::AnnouncementsOutcome;
                    match announcements.ui(ui, today) {
                        Some(AnnouncementsOutcome::Announce) => {
                            self.create_announcement(announcements);
                        }
                        Some(AnnouncementsOutcome::OpenCustomer(id)) => {
                            keep_open = false;
                            actions.push(Action::SelectCustomer(id));
                        }
                        Some(AnnouncementsOutcome::Delete(id)) => {
                            self.delete_announcement(announcements, id);
                        }
                        Some(AnnouncementsOutcome::Close) => {
                            // Close is not a discard: a typed form waits for the next time.
                            keep_open = false;
                            let draft = Draft::Announcement(Box::new(announcements.form()));
                            self.close_form(DraftKey::Announcement, draft, true);
                        }
                        None => {}
                    }
                }
                Dialog::Merge(merge) => match merge.ui(ui) {
                    Some(FormOutcome::Save) => keep_open = !self.merge_customers(merge),
                    Some(FormOutcome::Cancel) => keep_open = false,
                    None => {}
                },
                Dialog::Money(money) => match money.ui(ui) {
                    Some(FormOutcome::Save) => {
                        keep_open = !self.save_money_format(money);
                        if !keep_open {
                            self.drafts.forget(DraftKey::Money);
                        }
                    }
                    Some(FormOutcome::Cancel) => {
                        keep_open = false;
                        let draft = Draft::Money(Box::new(money.clone()));
                        self.close_form(DraftKey::Money, draft, escape);
                    }
                    None => {}
                },
                Dialog::History(history) => {
                    if history.ui(ui) {
                        keep_open = false;
                    }
                }
                Dialog::Team(team) => {
                    if let Some(outcome) = team.ui(ui) {
                        keep_open = !self.team_outcome(outcome, ctx);
                        if !keep_open {
                            // Saved, or discarded with Cancel.
                            self.drafts.forget(DraftKey::Team);
                        }
                    }
                }
                Dialog::Handover(handover) => {
                    use super::handover_dialog::HandoverOutcome;
                    let now = self.now();
                    let now_ms = chrono::Utc::now().timestamp_millis();
                    match handover.ui(ui, now, now_ms) {
                        Some(HandoverOutcome::Done(message)) => {
                            keep_open = false;
                            self.drafts.forget(DraftKey::Handover);
                            self.saved(message);
                            // The handover's note and the new owner come home by sync.
                            if let Some(sync) = &self.sync {
                                sync.request_sync();
                            }
                        }
                        Some(HandoverOutcome::Cancel) => {
                            keep_open = false;
                            self.drafts.forget(DraftKey::Handover);
                        }
                        None => {}
                    }
                }
            }
        });
        // A click beside a form does not close it: only its buttons or Esc do, and Esc keeps
        // what was typed as a draft. Dialogs with nothing typed close either way.
        if keep_open && modal.should_close() {
            match (draft_key(&dialog), draft_of(&dialog)) {
                (Some(key), Some(draft)) => {
                    if escape && !dialog_busy(&dialog) {
                        keep_open = false;
                        self.close_form(key, draft, true);
                    }
                }
                _ => keep_open = false,
            }
        }
        if keep_open {
            self.dialog = Some(dialog);
        } else {
            self.dialog_pristine = None;
        }
    }

    /// Preferences to keep (the app saves them on exit).
    pub fn save_prefs(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.prefs);
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

fn open_error_ui(
    ui: &mut egui::Ui,
    path: &Path,
    error: Option<&str>,
    restore_offer: Option<&crate::backup_policy::BackupInfo>,
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
