//! UI preferences kept between runs in eframe's storage. The journal itself lives only in
//! SQLite; nothing here is customer data.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The storage key of [`Prefs`].
pub const STORAGE_KEY: &str = "candor.prefs";

/// Light, dark, or whatever the system says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    Light,
    Dark,
    #[default]
    FollowSystem,
}

impl ThemeChoice {
    /// Every choice, in menu order.
    pub const ALL: [Self; 3] = [Self::Light, Self::Dark, Self::FollowSystem];

    /// The menu label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Dark => "Dark",
            Self::FollowSystem => "Follow system",
        }
    }

    /// egui's equivalent.
    pub fn to_egui(self) -> egui::ThemePreference {
        match self {
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
            Self::FollowSystem => egui::ThemePreference::System,
        }
    }
}

/// Preferences that survive a restart. Window size and panel widths are kept by eframe and
/// egui themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub theme: ThemeChoice,
    pub show_call_first: bool,
    pub last_customer: Option<i64>,
    /// The journal [`Prefs::last_customer`] belongs to: a number means nothing in another.
    pub last_customer_journal: Option<PathBuf>,
    pub last_journal: Option<PathBuf>,
    /// "Keep a calendar file at …": rewritten after every change to the journal.
    pub calendar_file: Option<PathBuf>,
    /// Desktop reminders: off until turned on.
    pub reminders: crate::domain::reminders::ReminderSettings,
    /// The day the last morning summary was shown, so a restart does not repeat it.
    pub last_summary_on: Option<chrono::NaiveDate>,
    /// The day "Silence reminders today" was chosen.
    pub reminders_silenced_on: Option<chrono::NaiveDate>,
    /// Whether Candor starts when you log in (off until turned on).
    pub start_at_login: bool,
    /// The Insights view's line: warn above this many customers at risk.
    pub insights_threshold: u32,
    /// Where the last export was written, to start the next one there.
    pub last_export_folder: Option<PathBuf>,
    /// Where the last imported file came from.
    pub last_import_folder: Option<PathBuf>,
}

/// The folder exports and imports start in: the user's Documents folder (their home
/// folder when there is none), never Candor's hidden data folder.
pub fn documents_folder() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|dirs| {
            dirs.document_dir()
                .map(std::path::Path::to_path_buf)
                .or_else(|| Some(dirs.home_dir().to_path_buf()))
        })
        .unwrap_or_default()
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::FollowSystem,
            show_call_first: true,
            last_customer: None,
            last_customer_journal: None,
            last_journal: None,
            calendar_file: None,
            reminders: crate::domain::reminders::ReminderSettings::default(),
            last_summary_on: None,
            reminders_silenced_on: None,
            start_at_login: false,
            insights_threshold: 10,
            last_export_folder: None,
            last_import_folder: None,
        }
    }
}
