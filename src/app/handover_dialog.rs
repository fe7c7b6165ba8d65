//! Hand over…, on a customer's header (managers of a team only): pick the rep who takes the
//! customer over and say why. The team database moves it on a background thread, so the
//! window never waits for the network; the background sync then brings the change home.

use std::sync::mpsc;

use chrono::NaiveDateTime;

use crate::store::ownership::TeamRep;
use crate::team::{HandoverScope, TeamAddress, TeamConnection};

/// What the dialog asks the app to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverOutcome {
    /// The customer was handed over: this sentence says to whom.
    Done(String),
    /// Closed without a change.
    Cancel,
}

/// The Hand over… dialog.
pub struct HandoverDialog {
    /// The customer's global id in the team.
    pub customer_gid: String,
    /// The customer's name, for the heading and messages.
    pub customer_name: String,
    /// Who may take it over.
    pub reps: Vec<TeamRep>,
    /// The chosen rep's login.
    pub to: Option<String>,
    /// Goes on the customer's timeline with the handover.
    pub note: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
    server: String,
    running: Option<mpsc::Receiver<Result<String, String>>>,
}

impl HandoverDialog {
    /// The dialog for one customer; `reps` are the team's people except its current owner.
    pub fn new(
        customer_gid: String,
        customer_name: String,
        reps: Vec<TeamRep>,
        server: String,
    ) -> Self {
        Self {
            customer_gid,
            customer_name,
            reps,
            to: None,
            note: String::new(),
            error: None,
            server,
            running: None,
        }
    }

    /// True while the team database is asked.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    fn start(&mut self, now: NaiveDateTime, now_ms: i64) {
        let Some(to) = self.to.clone() else {
            self.error = Some("Choose the rep who takes the customer over.".to_owned());
            return;
        };
        let note = match crate::domain::limits::clean_text("note", self.note.trim()) {
            Ok(note) => note,
            Err(error) => {
                self.error = Some(error.to_string());
                return;
            }
        };
        let address = match TeamAddress::parse(&self.server) {
            Ok(address) => address,
            Err(error) => {
                self.error = Some(error.to_string());
                return;
            }
        };
        let gid = self.customer_gid.clone();
        let name = self.customer_name.clone();
        let to_name = self
            .reps
            .iter()
            .find(|rep| rep.login == to)
            .map_or_else(|| to.clone(), |rep| rep.name.clone());
        let (sender, receiver) = mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("candor-handover".to_owned())
            .spawn(move || {
                let result = TeamConnection::open(&address, None)
                    .and_then(|mut team| {
                        team.hand_over(&HandoverScope::Customer(gid), &to, &note, now, now_ms)
                    })
                    .map(|moved| match moved.len() {
                        0 => format!("{name} was already {to_name}'s: nothing changed."),
                        _ => format!(
                            "Handed {name} over to {to_name}: their next sync brings the whole history."
                        ),
                    })
                    .map_err(|e| e.to_string());
                let _ = sender.send(result);
            });
        match spawned {
            Ok(_) => {
                self.error = None;
                self.running = Some(receiver);
            }
            Err(e) => self.error = Some(format!("The handover could not start: {e}.")),
        }
    }

    /// Draws the dialog; `now` stamps the handover on the timeline.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        now: NaiveDateTime,
        now_ms: i64,
    ) -> Option<HandoverOutcome> {
        if let Some(receiver) = &self.running {
            match receiver.try_recv() {
                Ok(Ok(message)) => {
                    self.running = None;
                    return Some(HandoverOutcome::Done(message));
                }
                Ok(Err(message)) => {
                    self.running = None;
                    self.error = Some(message);
                }
                Err(mpsc::TryRecvError::Empty) => {
                    ui.ctx()
                        .request_repaint_after(std::time::Duration::from_millis(100));
                }
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.running = None;
                    self.error = Some("The handover stopped unexpectedly: try again.".to_owned());
                }
            }
        }
        let running = self.is_running();
        ui.label(format!(
            "{} moves to the rep you choose, with every call, promise and problem. Their \
             next sync brings the whole history; the former rep's copy becomes read-only.",
            self.customer_name
        ));
        ui.add_space(4.0);
        let chosen = self
            .to
            .as_ref()
            .and_then(|login| self.reps.iter().find(|rep| &rep.login == login))
            .map_or_else(|| "Choose…".to_owned(), |rep| rep.name.clone());
        ui.horizontal(|ui| {
            let id = ui.label("Hand over to").id;
            ui.add_enabled_ui(!running, |ui| {
                egui::ComboBox::from_id_salt("handover_to")
                    .selected_text(chosen)
                    .show_ui(ui, |ui| {
                        for rep in &self.reps {
                            ui.selectable_value(
                                &mut self.to,
                                Some(rep.login.clone()),
                                format!("{} ({})", rep.name, rep.login),
                            );
                        }
                    })
                    .response
                    .labelled_by(id);
            });
        });
        let id = ui
            .label("Note for the timeline (why, what they should know)")
            .id;
        ui.add_enabled(
            !running,
            egui::TextEdit::multiline(&mut self.note)
                .desired_rows(3)
                .desired_width(360.0),
        )
        .labelled_by(id);
        if running {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Handing over…");
            });
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.add_space(6.0);
        let mut outcome = None;
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!running, egui::Button::new("Hand over"))
                .clicked()
            {
                self.start(now, now_ms);
            }
            if ui.button("Cancel").clicked() {
                outcome = Some(HandoverOutcome::Cancel);
            }
        });
        outcome
    }
}
