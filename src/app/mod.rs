//! The desktop app (egui/eframe): customers on the left, the selected customer's timeline
//! in the centre, "Call them first" on the right. One file per panel or dialog; panels
//! draw from cached data and send [`Action`]s, which [`CandorApp`] runs at the end of the
//! frame.

mod action;
mod agenda_panel;
mod announcements_dialog;
pub mod autostart;
mod background;
mod backup_dialog;
mod bidi;
mod call_first_panel;
mod candor_app;
mod command_handling;
mod commands;
mod customers_panel;
mod damage_banner;
mod date_field;
mod dialogs;
mod drafts;
mod entry_actions;
mod entry_form;
mod export_dialog;
mod file_picker;
mod fonts;
mod handover_dialog;
mod history_dialog;
mod import_dialog;
mod insights_view;
mod journal;
mod menu_bar;
mod merge_dialog;
mod money_dialog;
mod prefs;
mod reminder_handling;
mod reminders;
mod reminders_dialog;
mod team_dialog;
mod team_sync;
mod team_view;
mod timeline_panel;
mod trash_dialog;
mod widgets;

use std::path::PathBuf;

use chrono::{Local, NaiveDateTime, Timelike as _};

pub use action::Action;
pub use candor_app::{CandorApp, ErrorNotice, ErrorTopic};
pub use commands::UiCommand;
pub use damage_banner::Damage;
pub use entry_form::EntryForm;
pub use insights_view::InsightsView;
pub use journal::Journal;
pub use prefs::{Prefs, ThemeChoice};
pub use reminders::{BannerOnly, DesktopNotifier, Notifier};
pub use team_view::TeamView;

/// Where "now" comes from: the system clock in the app, a fixed time in tests.
pub trait Clock {
    /// The current local date and time, to the second.
    fn now(&self) -> NaiveDateTime;
}

/// The computer's local clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        let now = Local::now().naive_local();
        now.with_nanosecond(0).unwrap_or(now)
    }
}

/// A clock that always says the same time (tests).
pub struct FixedClock(pub NaiveDateTime);

impl Clock for FixedClock {
    fn now(&self) -> NaiveDateTime {
        self.0
    }
}

/// Opens the desktop window. `db` is the journal named on the command line; without one,
/// the journal used last time, or the default journal.
pub fn run(db: Option<PathBuf>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let icon = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png"))
        .map_err(|e| anyhow::anyhow!("the app icon is unreadable: {e}"))?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Candor")
            .with_app_id("candor")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([720.0, 480.0])
            .with_icon(icon),
        ..Default::default()
    };
    eframe::run_native(
        "Candor",
        options,
        Box::new(move |cc| {
            let prefs: Prefs = cc
                .storage
                .and_then(|s| eframe::get_value(s, prefs::STORAGE_KEY))
                .unwrap_or_default();
            let path = db
                .or_else(|| prefs.last_journal.clone().filter(|p| p.exists()))
                .or_else(crate::store::default_journal_path)
                .unwrap_or_else(|| PathBuf::from(crate::store::DEFAULT_FILE_NAME));
            let mut app = CandorApp::open(path, prefs, Box::new(SystemClock));
            app.set_notifier(std::sync::Arc::new(DesktopNotifier));
            // `CANDOR_STARTUP_TIMING=1` prints the time to the first frame (see BENCHMARKS.md).
            if std::env::var_os("CANDOR_STARTUP_TIMING").is_some() {
                app.report_first_frame_since(started);
            }
            app.start_daily_backup();
            app.start_font_search();
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened ({e}); on Linux, check that a desktop session (X11 or Wayland) is running"))
}
