//! The Team view (a manager's): one row per rep — customers owed a call today, untold
//! slips, promises kept this month, last sync — above the team's "Call them first" list;
//! clicking a rep shows only that rep's customers. Read-only: it changes nothing, in the
//! journal or the team. The team database is asked on a thread of its own (with the saved
//! password), so the window never waits for the network; the result is kept and drawn
//! each frame until Refresh, another day, or the next completed background sync (which may
//! have brought the reps' changes) asks again.

use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::Instant;

use chrono::NaiveDate;

use crate::domain::rank::RankedCustomer;
use crate::team::{TeamAddress, TeamConnection, TeamOverview};

/// The Team view's state.
#[derive(Default)]
pub struct TeamView {
    /// Shown in place of the timeline.
    pub open: bool,
    /// The rep whose customers the list shows (login); `None` for everyone.
    pub rep: Option<String>,
    overview: Option<TeamOverview>,
    /// The day and server the overview is for.
    loaded_for: Option<(NaiveDate, String)>,
    error: Option<String>,
    running: Option<Receiver<Result<TeamOverview, String>>>,
    /// The background sync whose completion the overview was last asked after.
    asked_after_sync: Option<Instant>,
}

impl TeamView {
    /// Forgets what was read (another journal was opened).
    pub fn reset(&mut self) {
        *self = Self {
            open: self.open,
            ..Self::default()
        };
    }

    /// What the team database said last, if it answered.
    pub fn overview(&self) -> Option<&TeamOverview> {
        self.overview.as_ref()
    }

    fn start(&mut self, server: &str, today: NaiveDate, ctx: &egui::Context) {
        self.loaded_for = Some((today, server.to_owned()));
        self.error = None;
        let (sender, receiver) = channel();
        let server = server.to_owned();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("candor-team-view".into())
            .spawn(move || {
                let result = TeamAddress::parse(&server)
                    .and_then(|address| TeamConnection::open(&address, None))
                    .and_then(|mut team| team.overview(today))
                    .map_err(|error| error.to_string());
                let _ = sender.send(result);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => self.running = Some(receiver),
            Err(error) => {
                self.error = Some(format!("The team could not be asked ({error}); try again."))
            }
        }
    }

    fn poll(&mut self) {
        let Some(receiver) = &self.running else {
            return;
        };
        match receiver.try_recv() {
            Ok(Ok(overview)) => {
                self.overview = Some(overview);
                self.running = None;
            }
            Ok(Err(error)) => {
                self.error = Some(error);
                self.running = None;
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => {
                self.error = Some("Asking the team stopped unexpectedly: try Refresh.".to_owned());
                self.running = None;
            }
        }
    }

    /// Draws the view. `server` is the journal's team address, if it has one; `synced_at`
    /// when the journal's background sync last completed (the view asks again after each).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        server: Option<&str>,
        today: NaiveDate,
        synced_at: Option<Instant>,
    ) {
        self.poll();
        ui.heading("Team");
        let Some(server) = server else {
            ui.label(
                "This journal is not in a team. Connect it with File → Team… to see each rep's \
                 customers here.",
            );
            return;
        };
        let stale = self
            .loaded_for
            .as_ref()
            .is_none_or(|(day, address)| *day != today || address != server);
        let synced_since = synced_at.is_some() && synced_at != self.asked_after_sync;
        if (stale || synced_since) && self.running.is_none() {
            self.asked_after_sync = synced_at.or(self.asked_after_sync);
            self.start(server, today, ui.ctx());
        }
        ui.horizontal(|ui| {
            let refresh = ui
                .add_enabled(self.running.is_none(), egui::Button::new("Refresh"))
                .on_hover_text("Ask the team database again");
            if refresh.clicked() {
                self.start(server, today, ui.ctx());
            }
            if self.running.is_some() {
                ui.spinner();
                ui.label("Asking the team…");
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let Some(overview) = &self.overview else {
            return;
        };
        ui.add_space(6.0);
        reps_ui(ui, overview, &mut self.rep);
        ui.add_space(10.0);
        ui.separator();
        let shown_rep = self.rep.clone();
        let name_of = |login: &str| {
            overview
                .reps
                .iter()
                .find(|line| line.login == login)
                .map_or_else(|| login.to_owned(), |line| line.full_name.clone())
        };
        let rows: Vec<&RankedCustomer> = overview
            .ranking
            .ranked
            .iter()
            .filter(|c| {
                shown_rep
                    .as_deref()
                    .is_none_or(|rep| overview.ranking.rep_of(c.customer_id) == rep)
            })
            .collect();
        ui.horizontal(|ui| {
            let title = match &shown_rep {
                Some(rep) => format!("Call them first — {}", name_of(rep)),
                None => "Call them first — whole team".to_owned(),
            };
            ui.strong(title);
            if shown_rep.is_some() && ui.button("Show everyone").clicked() {
                self.rep = None;
            }
        });
        if rows.is_empty() {
            ui.label("Nobody is waiting on a call today.");
            return;
        }
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        egui::ScrollArea::vertical()
            .id_salt("team_call_first")
            .auto_shrink(false)
            .show_rows(ui, row_height, rows.len(), |ui, range| {
                for customer in &rows[range] {
                    let rep = name_of(overview.ranking.rep_of(customer.customer_id));
                    let reason = customer.top_reason().map_or("", |r| r.text.as_str());
                    ui.horizontal(|ui| {
                        ui.label(format!("{:>4}", customer.score))
                            .on_hover_text("Score");
                        // One label per customer and rep, so it reads as one line aloud.
                        ui.strong(format!("{} — {rep}", customer.name));
                        ui.weak(reason);
                    });
                }
            });
    }
}

/// The reps' table; clicking a rep's name shows only their customers below.
fn reps_ui(ui: &mut egui::Ui, overview: &TeamOverview, rep: &mut Option<String>) {
    egui::Grid::new("team_reps")
        .striped(true)
        .num_columns(5)
        .spacing([24.0, 6.0])
        .show(ui, |ui| {
            for heading in [
                "Rep",
                "Owed a call today",
                "Untold slips",
                "Kept this month",
                "Last sync",
            ] {
                ui.strong(heading);
            }
            ui.end_row();
            for line in &overview.reps {
                let selected = rep.as_deref() == Some(line.login.as_str());
                if ui
                    .selectable_label(selected, &line.full_name)
                    .on_hover_text(format!("Show only {}'s customers", line.full_name))
                    .clicked()
                {
                    *rep = if selected {
                        None
                    } else {
                        Some(line.login.clone())
                    };
                }
                ui.label(line.owed_today.to_string());
                ui.label(line.untold_slips.to_string());
                ui.label(line.kept_this_month.to_string());
                ui.label(line.last_sync.as_deref().unwrap_or("never"));
                ui.end_row();
            }
        });
}
