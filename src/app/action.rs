//! What panels and dialogs ask the app to do. Panels import this, never the app itself, so
//! the arrows in `app/` point one way: panels → action → app carries it out.

use std::path::PathBuf;

use super::commands::UiCommand;
use crate::domain::{CustomerId, EntryId, EntryKindTag, OrderStatus};

/// Something a person asked for, collected while drawing and carried out at the end of the
/// frame.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum Action {
    Command(UiCommand),
    SelectCustomer(CustomerId),
    SelectEntry(Option<EntryId>),
    LogFor(CustomerId, EntryKindTag),
    /// Tell a customer about an announcement: the bad news form, filled in and linked.
    TellAbout(CustomerId, crate::domain::announcement::AnnouncementId),
    SnoozeUntilTomorrow(CustomerId),
    EditEntry(EntryId),
    DeleteEntry(EntryId),
    PromiseKept(EntryId),
    PromiseBroken(EntryId),
    Renegotiate(EntryId),
    FlagAtRisk(EntryId),
    /// Open the bad-news form about a slipping or broken item, filled in.
    TellThemNow(EntryId),
    ResolveProblem(EntryId),
    MarkPaid(EntryId),
    SetOrderStatus(EntryId, OrderStatus),
    SetArchived(CustomerId, bool),
    /// Ask which customer to merge this one into.
    MergeInto(CustomerId),
    /// Ask whom to hand this customer over to (a team's manager).
    HandOver(CustomerId),
    OpenSampleJournal,
    /// Keep the Insights mornings just computed in the journal, for the next openings.
    KeepInsightMornings(Box<crate::store::MorningsToKeep>),
    OpenJournalAt(PathBuf),
    /// Restore the newest good backup of a journal that turned out damaged.
    RestoreNewestGood,
    /// Show the newest good backup of the open journal, found damaged, in the restore
    /// dialog.
    OfferNewestGoodBackup,
    SetTheme(super::prefs::ThemeChoice),
    /// Hides one error of the status bar (by its place in `CandorApp::errors`).
    DismissError(usize),
    /// Shows the Insights view in place of the timeline (or goes back to the timeline).
    ShowInsights(bool),
}
