//! The window's side of team sync: starts the background [`SyncHandle`] for a journal that
//! has a team, and carries out what File → Team… decided. The network never runs on the UI
//! thread; the handle's own connection writes pulled changes, which the window picks up
//! like another window's.

use crate::team::{SERVER_SETTING, SyncHandle, TeamAddress};

use super::candor_app::{CandorApp, ErrorTopic};
use super::team_dialog::TeamOutcome;

impl CandorApp {
    /// The team address the open journal remembers (no password in it).
    pub(super) fn team_address_text(&self) -> Option<String> {
        self.journal
            .as_ref()?
            .store
            .team_setting(SERVER_SETTING)
            .ok()
            .flatten()
            .filter(|text| !text.is_empty())
    }

    /// Asks the background sync for a sync soon, as every saved change does (nothing
    /// without a team).
    pub fn request_sync(&self) {
        if let Some(sync) = &self.sync {
            sync.request_sync();
        }
    }

    /// Starts (or, after a journal switch, restarts) the background sync once per journal.
    pub(super) fn keep_sync_running(&mut self, ctx: &egui::Context) {
        if self.sync_journal.as_deref() == Some(self.journal_path.as_path()) {
            return;
        }
        self.sync_journal = Some(self.journal_path.clone());
        self.sync = None;
        let Some(text) = self.team_address_text() else {
            return;
        };
        match TeamAddress::parse(&text) {
            Ok(address) => self.start_sync(address, ctx),
            Err(error) => self.fail_about(ErrorTopic::Journal, error.to_string()),
        }
    }

    fn start_sync(&mut self, address: TeamAddress, ctx: &egui::Context) {
        let ctx = ctx.clone();
        self.sync = Some(SyncHandle::start(
            self.journal_path.clone(),
            address,
            move || ctx.request_repaint(),
        ));
    }

    /// Carries out File → Team…'s outcome; false keeps the dialog open (with its error).
    pub(super) fn team_outcome(&mut self, outcome: TeamOutcome, ctx: &egui::Context) -> bool {
        let value = match &outcome {
            TeamOutcome::Cancel => return true,
            TeamOutcome::Connected(address) => address.saved_text().to_owned(),
            TeamOutcome::Disconnect => String::new(),
        };
        let Some(journal) = self.journal.as_mut() else {
            return true;
        };
        if let Err(error) = journal.store.set_team_setting(SERVER_SETTING, &value) {
            self.fail_about(ErrorTopic::Save, error.to_string());
            return true;
        }
        self.sync = None;
        self.sync_journal = Some(self.journal_path.clone());
        match outcome {
            TeamOutcome::Connected(address) => {
                let server = address.server();
                self.start_sync(*address, ctx);
                self.saved(format!(
                    "Connected to the team at {server}: syncing in the background."
                ));
            }
            TeamOutcome::Disconnect => {
                self.saved("This journal no longer syncs with a team; it keeps everything.");
            }
            TeamOutcome::Cancel => {}
        }
        true
    }
}
