//! Forms closed with Esc after something was typed: kept, and given back when the same form
//! opens again, so Esc is never a silent discard. The Cancel button is the explicit
//! discard; saving clears the draft.

use super::announcements_dialog::AnnouncementForm;
use super::backup_dialog::BackupDialog;
use super::dialogs::{ActionDialog, ActionKind, CustomerForm};
use super::entry_form::EntryForm;
use super::export_dialog::ExportDialog;
use super::money_dialog::MoneyDialog;
use super::reminders_dialog::RemindersDialog;
use crate::domain::{CustomerId, EntryId, EntryKindTag};

/// What a draft belongs to: the same form for the same customer or entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DraftKey {
    /// A new entry of a kind for a customer, or an edit of one entry.
    Entry(CustomerId, EntryKindTag, Option<EntryId>),
    /// A new customer (`None`) or an edit of one.
    Customer(Option<CustomerId>),
    /// A follow-up on one entry.
    Action(EntryId, ActionKind),
    /// File → Export….
    Export,
    /// File → Import… (the file chosen; its preview is read again).
    Import,
    /// File → Back up now….
    Backup,
    /// File → Currency and number format….
    Money,
    /// File → Team… (server and login; never the password).
    Team,
    /// Hand over… (the draft names its customer and comes back only for them).
    Handover,
    /// The new-announcement form of the Announcements dialog.
    Announcement,
    /// The reminder settings.
    Reminders,
}

/// A form as it was left.
#[derive(Debug, Clone)]
pub enum Draft {
    Entry(Box<EntryForm>),
    Customer(Box<CustomerForm>),
    Action(Box<ActionDialog>),
    Export(Box<ExportDialog>),
    /// The file to import and whether to merge duplicates: the preview is read again from
    /// the file when the dialog comes back, so it shows the file as it is then.
    Import {
        path: String,
        merge_duplicates: bool,
    },
    Backup(Box<BackupDialog>),
    Money(Box<MoneyDialog>),
    /// The team's server and login as typed; a password is never kept.
    Team {
        server: String,
        login: String,
    },
    Handover {
        customer_gid: String,
        to: Option<String>,
        note: String,
    },
    Announcement(Box<AnnouncementForm>),
    Reminders(Box<RemindersDialog>),
}

/// The drafts of this window (forgotten when another journal opens).
#[derive(Debug, Default)]
pub struct Drafts {
    kept: std::collections::HashMap<DraftKey, Draft>,
}

impl Drafts {
    /// Keeps `draft` under `key`.
    pub fn keep(&mut self, key: DraftKey, draft: Draft) {
        self.kept.insert(key, draft);
    }

    /// Forgets the draft under `key` (saved, or discarded with Cancel).
    pub fn forget(&mut self, key: DraftKey) {
        self.kept.remove(&key);
    }

    /// Takes the draft under `key` back, if there is one.
    pub fn take(&mut self, key: DraftKey) -> Option<Draft> {
        self.kept.remove(&key)
    }

    /// Forgets every draft.
    pub fn clear(&mut self) {
        self.kept.clear();
    }
}

/// The key of an entry form.
pub fn entry_key(form: &EntryForm) -> DraftKey {
    DraftKey::Entry(form.customer_id, form.kind, form.editing)
}

/// The key of a customer form.
pub fn customer_key(form: &CustomerForm) -> DraftKey {
    DraftKey::Customer(form.editing)
}

/// The key of a follow-up dialog.
pub fn action_key(dialog: &ActionDialog) -> DraftKey {
    DraftKey::Action(dialog.entry, dialog.kind)
}
