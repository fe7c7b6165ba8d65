//! Every user action has one place where its label, tooltip and keyboard shortcut live, so
//! a shortcut cannot drift from its menu entry.

use egui::{Key, KeyboardShortcut, Modifiers};

use crate::domain::EntryKindTag;

/// A user action that menus, buttons and shortcuts all trigger the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UiCommand {
    LogCall,
    MakePromise,
    DeliverBadNews,
    OpenProblem,
    LogOrder,
    LogPayment,
    AddNote,
    MarkKept,
    MarkBroken,
    Renegotiate,
    FlagAtRisk,
    ResolveProblem,
    MarkPaid,
    TellThemNow,
    AddCustomer,
    EditCustomer,
    DeleteCustomer,
    FocusSearch,
    Announcements,
    FocusCallFirst,
    Undo,
    ShowTrash,
    ShowHistory,
    NewJournal,
    OpenJournal,
    Export,
    Import,
    BackupNow,
    RestoreBackup,
    Team,
    TeamView,
    MoneySettings,
    ToggleCallFirst,
    ShowAgenda,
    ReminderSettings,
    SilenceReminders,
    ShowShortcuts,
    ShowJournalLocation,
    ShowAbout,
}

impl UiCommand {
    /// Every command, in the order the shortcut help lists them.
    pub const ALL: &'static [Self] = &[
        Self::LogCall,
        Self::MakePromise,
        Self::DeliverBadNews,
        Self::OpenProblem,
        Self::LogOrder,
        Self::LogPayment,
        Self::AddNote,
        Self::MarkKept,
        Self::MarkBroken,
        Self::Renegotiate,
        Self::FlagAtRisk,
        Self::ResolveProblem,
        Self::MarkPaid,
        Self::TellThemNow,
        Self::AddCustomer,
        Self::EditCustomer,
        Self::DeleteCustomer,
        Self::FocusSearch,
        Self::Announcements,
        Self::FocusCallFirst,
        Self::Undo,
        Self::ShowTrash,
        Self::ShowHistory,
        Self::NewJournal,
        Self::OpenJournal,
        Self::Export,
        Self::Import,
        Self::BackupNow,
        Self::RestoreBackup,
        Self::Team,
        Self::TeamView,
        Self::MoneySettings,
        Self::ToggleCallFirst,
        Self::ShowAgenda,
        Self::ReminderSettings,
        Self::SilenceReminders,
        Self::ShowShortcuts,
        Self::ShowJournalLocation,
        Self::ShowAbout,
    ];

    /// The menu and button label (sentence case; "…" when it opens a dialog).
    pub fn label(self) -> &'static str {
        match self {
            Self::LogCall => "Log call…",
            Self::MakePromise => "Make promise…",
            Self::DeliverBadNews => "Deliver bad news…",
            Self::OpenProblem => "Open problem…",
            Self::LogOrder => "Log order…",
            Self::LogPayment => "Log payment…",
            Self::AddNote => "Add note…",
            Self::MarkKept => "Mark kept",
            Self::MarkBroken => "Mark broken",
            Self::Renegotiate => "Renegotiate…",
            Self::FlagAtRisk => "Flag at risk…",
            Self::ResolveProblem => "Resolve…",
            Self::MarkPaid => "Mark paid",
            Self::TellThemNow => "Tell them now…",
            Self::AddCustomer => "Add customer…",
            Self::EditCustomer => "Edit customer…",
            // No "…": it opens no dialog; the notice offers Undo instead of asking first.
            Self::DeleteCustomer => "Delete customer",
            Self::FocusSearch => "Search customers",
            Self::Announcements => "Announcements…",
            Self::FocusCallFirst => "Go to Call them first",
            Self::Undo => "Undo",
            Self::ShowTrash => "Trash…",
            Self::ShowHistory => "History…",
            Self::NewJournal => "New journal…",
            Self::OpenJournal => "Open journal…",
            Self::Export => "Export…",
            Self::Import => "Import…",
            Self::BackupNow => "Back up now…",
            Self::RestoreBackup => "Restore from backup…",
            Self::Team => "Team…",
            Self::TeamView => "Team view",
            Self::MoneySettings => "Currency and number format…",
            Self::ToggleCallFirst => "Call them first panel",
            Self::ShowAgenda => "Today agenda",
            Self::ReminderSettings => "Reminders and calendar…",
            Self::SilenceReminders => "Silence reminders today",
            Self::ShowShortcuts => "Keyboard shortcuts",
            Self::ShowJournalLocation => "Journal location",
            Self::ShowAbout => "About Candor",
        }
    }

    /// A one-line explanation for tooltips.
    pub fn tooltip(self) -> &'static str {
        match self {
            Self::LogCall => "Log a call, email, meeting or message with the selected customer",
            Self::MakePromise => "Record something you promised, with its due date",
            Self::DeliverBadNews => "Record bad news you told the customer, before they had to ask",
            Self::OpenProblem => {
                "Record a problem the customer reported; you own it until it is solved"
            }
            Self::LogOrder => "Record an order and its promised delivery date",
            Self::LogPayment => "Record an invoice and when it is due",
            Self::AddNote => "Write down something worth remembering",
            Self::MarkKept => "Mark the selected promise kept today",
            Self::MarkBroken => "Mark the selected promise broken today (Undo takes it back)",
            Self::Renegotiate => "Agree a new date for the selected promise with the customer",
            Self::FlagAtRisk => "Flag the selected promise at risk, with why",
            Self::ResolveProblem => "Resolve the selected problem, with its cause",
            Self::MarkPaid => "Mark the selected invoice paid today",
            Self::TellThemNow => {
                "Deliver the bad news about the selected promise or order, form filled in"
            }
            Self::AddCustomer => "Add a new customer",
            Self::EditCustomer => "Edit the selected customer's details",
            Self::DeleteCustomer => {
                "Move the selected customer and their history to the trash (Undo brings them back)"
            }
            Self::FocusSearch => "Jump to the customer search field",
            Self::Announcements => {
                "Announce a price increase or change, and see who has heard it from you"
            }
            Self::FocusCallFirst => "Jump to the first customer to call; ↑/↓ move, Enter opens",
            Self::Undo => "Undo the last change (deleted entries come back)",
            Self::ShowTrash => {
                "See deleted customers and entries, restore them or delete them for good"
            }
            Self::ShowHistory => {
                "Changes to the selected customer and their entries that lost to a later change made on another device"
            }
            Self::NewJournal => "Start a new, empty journal file",
            Self::OpenJournal => "Open another journal file",
            Self::Export => "Export a CSV report for a spreadsheet",
            Self::Import => "Import customers from a CSV or vCard file",
            Self::BackupNow => "Save a copy of the journal in its backups folder",
            Self::RestoreBackup => "Replace the journal with one of its backups",
            Self::Team => "Sync this journal with your team's database",
            Self::TeamView => {
                "Each rep's day (owed calls, untold slips, kept promises, last sync) and the team's list"
            }
            Self::MoneySettings => {
                "The journal's currency and how amounts are written (1,234.50 or 1.234,50)"
            }
            Self::ToggleCallFirst => "Show or hide the \"Call them first\" panel",
            Self::ShowAgenda => {
                "Show or hide what is overdue, due today and due tomorrow, one key from its action"
            }
            Self::ReminderSettings => {
                "Desktop reminders, the morning summary, a calendar file for Outlook, Apple Calendar or Thunderbird, and starting at login"
            }
            Self::SilenceReminders => "No more desktop reminders until tomorrow",
            Self::ShowShortcuts => "List every keyboard shortcut",
            Self::ShowJournalLocation => "Show where this journal is stored",
            Self::ShowAbout => "About Candor",
        }
    }

    /// The keyboard shortcut, if the command has one.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = Modifiers::COMMAND;
        let cmd_shift = Modifiers::COMMAND | Modifiers::SHIFT;
        let (modifiers, key) = match self {
            Self::LogCall => (cmd, Key::L),
            Self::MakePromise => (cmd, Key::P),
            Self::DeliverBadNews => (cmd, Key::B),
            Self::OpenProblem => (cmd_shift, Key::P),
            Self::LogOrder => (cmd_shift, Key::O),
            Self::LogPayment => (cmd_shift, Key::I),
            Self::AddNote => (cmd_shift, Key::N),
            Self::AddCustomer => (cmd, Key::N),
            Self::EditCustomer => (cmd_shift, Key::E),
            // Each system's own "move to the trash": Cmd+Backspace in the Finder (a Mac
            // laptop has no forward Delete key), Ctrl+Delete elsewhere.
            Self::DeleteCustomer if cfg!(target_os = "macos") => (cmd, Key::Backspace),
            Self::DeleteCustomer => (cmd, Key::Delete),
            Self::MarkKept => (cmd, Key::K),
            Self::MarkBroken => (cmd_shift, Key::K),
            Self::Renegotiate => (cmd, Key::R),
            Self::FlagAtRisk => (cmd_shift, Key::R),
            Self::ResolveProblem => (cmd, Key::D),
            Self::MarkPaid => (cmd_shift, Key::M),
            Self::TellThemNow => (cmd_shift, Key::B),
            Self::FocusSearch => (cmd, Key::F),
            Self::Announcements => (cmd_shift, Key::A),
            Self::FocusCallFirst => (cmd, Key::J),
            Self::Undo => (cmd, Key::Z),
            Self::OpenJournal => (cmd, Key::O),
            Self::Export => (cmd, Key::E),
            Self::ToggleCallFirst => (cmd, Key::T),
            Self::ShowAgenda => (cmd_shift, Key::D),
            // Not Cmd+H: macOS hides the window with it.
            Self::ShowHistory => (cmd_shift, Key::H),
            Self::TeamView => (cmd_shift, Key::T),
            Self::ShowShortcuts => (Modifiers::NONE, Key::F1),
            Self::NewJournal
            | Self::ShowTrash
            | Self::Import
            | Self::BackupNow
            | Self::RestoreBackup
            | Self::Team
            | Self::MoneySettings
            | Self::ShowJournalLocation
            | Self::ReminderSettings
            | Self::SilenceReminders
            | Self::ShowAbout => return None,
        };
        Some(KeyboardShortcut::new(modifiers, key))
    }

    /// The entry kind a logging command opens a form for.
    pub fn entry_kind(self) -> Option<EntryKindTag> {
        Some(match self {
            Self::LogCall => EntryKindTag::Contact,
            Self::MakePromise => EntryKindTag::Promise,
            Self::DeliverBadNews => EntryKindTag::BadNews,
            Self::OpenProblem => EntryKindTag::Problem,
            Self::LogOrder => EntryKindTag::Order,
            Self::LogPayment => EntryKindTag::Payment,
            Self::AddNote => EntryKindTag::Note,
            _ => return None,
        })
    }

    /// The commands that act on the entry selected on the timeline, for its menu.
    pub fn acts_on_selected_entry(self) -> bool {
        matches!(
            self,
            Self::MarkKept
                | Self::MarkBroken
                | Self::Renegotiate
                | Self::FlagAtRisk
                | Self::ResolveProblem
                | Self::MarkPaid
                | Self::TellThemNow
        )
    }

    /// Whether the command works while a text field has focus (most would eat typing).
    pub fn works_while_typing(self) -> bool {
        // All our shortcuts use Ctrl/Cmd or a function key, which typing never produces;
        // Undo is left to the text field while one has focus.
        // Changing a selected entry while typing in the search field would act on
        // something the person is not looking at.
        // Ctrl+Delete (Cmd+Backspace) deletes a word in a text field, never a customer.
        !matches!(self, Self::Undo | Self::DeleteCustomer) && !self.acts_on_selected_entry()
    }

    /// The command whose shortcut was pressed this frame, consuming it. Shift variants are
    /// checked first so Ctrl+Shift+P is not taken for Ctrl+P.
    pub fn from_input(ctx: &egui::Context) -> Option<Self> {
        // Only a text field eats typing; a focused button or timeline row does not.
        let typing = ctx.text_edit_focused();
        let mut commands: Vec<(Self, KeyboardShortcut)> = Self::ALL
            .iter()
            .filter_map(|c| c.shortcut().map(|s| (*c, s)))
            .filter(|(c, _)| !typing || c.works_while_typing())
            .collect();
        commands.sort_by_key(|(_, s)| std::cmp::Reverse(s.modifiers.shift));
        ctx.input_mut(|input| {
            commands
                .into_iter()
                .find(|(_, shortcut)| input.consume_shortcut(shortcut))
                .map(|(command, _)| command)
        })
    }

    /// The shortcut as text where no egui context is at hand (a notice written while
    /// running a command), spelled as the menus spell it.
    pub fn shortcut_text_plain(self) -> String {
        self.shortcut()
            .map(|s| s.format(&egui::ModifierNames::NAMES, cfg!(target_os = "macos")))
            .unwrap_or_default()
    }

    /// The shortcut as text for menus and help ("Ctrl+L").
    pub fn shortcut_text(self, ctx: &egui::Context) -> String {
        self.shortcut()
            .map(|s| ctx.format_shortcut(&s))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_commands_share_a_shortcut() {
        let mut seen = std::collections::HashMap::new();
        for command in UiCommand::ALL {
            if let Some(shortcut) = command.shortcut() {
                let key = (
                    shortcut.modifiers.command,
                    shortcut.modifiers.shift,
                    shortcut.modifiers.alt,
                    shortcut.logical_key,
                );
                if let Some(other) = seen.insert(key, *command) {
                    panic!("{command:?} and {other:?} share a shortcut");
                }
            }
        }
        assert!(seen.len() >= 10);
    }

    #[test]
    fn every_action_on_a_selected_entry_has_a_shortcut() {
        let acting: Vec<_> = UiCommand::ALL
            .iter()
            .filter(|c| c.acts_on_selected_entry())
            .collect();
        assert_eq!(acting.len(), 7);
        for command in acting {
            assert!(command.shortcut().is_some(), "{command:?}");
        }
    }

    #[test]
    fn every_logging_command_has_a_shortcut() {
        for command in UiCommand::ALL.iter().filter(|c| c.entry_kind().is_some()) {
            assert!(command.shortcut().is_some(), "{command:?}");
        }
    }
}
