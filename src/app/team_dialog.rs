//! File → Team…: connect this journal to the team database. The connection is tested on a
//! background thread before anything is saved; the password goes to the system keychain
//! (or libpq's password file), the address without it into the journal.

use std::sync::mpsc;

use crate::team::{TeamAddress, TeamConnection};

/// What the dialog asks the app to do.
#[derive(Debug, Clone)]
pub enum TeamOutcome {
    /// The connection worked and the password is saved: remember the address and sync.
    Connected(Box<TeamAddress>),
    /// Stop syncing this journal with a team (the journal keeps everything).
    Disconnect,
    /// Closed without a change.
    Cancel,
}

/// The Team… dialog.
pub struct TeamDialog {
    pub server: String,
    pub login: String,
    pub password: String,
    pub error: Option<String>,
    /// True when the journal is connected to a team already.
    pub connected: bool,
    testing: Option<mpsc::Receiver<Result<TeamAddress, String>>>,
}

impl TeamDialog {
    /// The dialog, filled in from the address the journal remembers (if any).
    pub fn new(saved: Option<&str>) -> Self {
        let address = saved.and_then(|text| TeamAddress::parse(text).ok());
        Self {
            server: address
                .as_ref()
                .map(TeamAddress::server_text)
                .unwrap_or_default(),
            login: address
                .as_ref()
                .map(|a| a.login().to_owned())
                .unwrap_or_default(),
            password: String::new(),
            error: None,
            connected: address.is_some(),
            testing: None,
        }
    }

    /// True while the connection is being tested.
    pub fn is_testing(&self) -> bool {
        self.testing.is_some()
    }

    fn start_test(&mut self) {
        if self.server.trim().is_empty() || self.login.trim().is_empty() {
            self.error = Some("Type the server address and your login.".to_owned());
            return;
        }
        if self.password.is_empty() {
            self.error = Some(
                "Type your password: it is tested, then kept in the system keychain.".to_owned(),
            );
            return;
        }
        let address = match TeamAddress::with_login(&self.server, &self.login) {
            Ok(address) => address,
            Err(error) => {
                self.error = Some(error.to_string());
                return;
            }
        };
        let password = self.password.clone();
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("candor-team-test".to_owned())
            .spawn(move || {
                let result = TeamConnection::open(&address, Some(&password))
                    .and_then(|mut connection| connection.check())
                    .and_then(|_| crate::team::save_password(&address, &password))
                    .map(|_| address)
                    .map_err(|e| e.to_string());
                let _ = sender.send(result);
            });
        match spawned {
            Ok(_) => {
                self.error = None;
                self.testing = Some(receiver);
            }
            Err(e) => self.error = Some(format!("The connection test could not start: {e}.")),
        }
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ui: &mut egui::Ui) -> Option<TeamOutcome> {
        if let Some(receiver) = &self.testing {
            match receiver.try_recv() {
                Ok(Ok(address)) => {
                    self.testing = None;
                    self.password.clear();
                    return Some(TeamOutcome::Connected(Box::new(address)));
                }
                Ok(Err(message)) => {
                    self.testing = None;
                    self.error = Some(message);
                }
                Err(mpsc::TryRecvError::Empty) => {
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(100));
                }
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.testing = None;
                    self.error =
                        Some("The connection test stopped unexpectedly: try again.".to_owned());
                }
            }
        }
        ui.label(
            "Your journal stays on this computer and works offline; it syncs with the team \
             database in the background whenever it can be reached.",
        );
        ui.add_space(4.0);
        let testing = self.is_testing();
        egui::Grid::new("team_fields")
            .num_columns(2)
            .show(ui, |ui| {
                let id = ui.label("Server").id;
                ui.add_enabled(
                    !testing,
                    egui::TextEdit::singleline(&mut self.server)
                        .hint_text("postgresql://db.example.com/sales?sslmode=verify-full")
                        .desired_width(340.0),
                )
                .labelled_by(id);
                ui.end_row();
                let id = ui.label("Login").id;
                ui.add_enabled(!testing, egui::TextEdit::singleline(&mut self.login))
                    .labelled_by(id);
                ui.end_row();
                let id = ui.label("Password").id;
                ui.add_enabled(
                    !testing,
                    egui::TextEdit::singleline(&mut self.password).password(true),
                )
                .labelled_by(id);
                ui.end_row();
            });
        if testing {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Testing the connection…");
            });
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.add_space(6.0);
        let mut outcome = None;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!testing, egui::Button::new("Test and save"))
                .clicked()
            {
                self.start_test();
            }
            if ui.button("Cancel").clicked() {
                outcome = Some(TeamOutcome::Cancel);
            }
            if self.connected
                && ui
                    .add_enabled(!testing, egui::Button::new("Stop syncing"))
                    .on_hover_text("This journal keeps everything; it just stops syncing.")
                    .clicked()
            {
                outcome = Some(TeamOutcome::Disconnect);
            }
        });
        outcome
    }
}
