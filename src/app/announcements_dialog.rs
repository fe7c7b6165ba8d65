//! Announcements: make one (kind, title, reason, effective day, who it affects) and see
//! each one's progress — told, not told yet, told late, days left — with the customers
//! not told yet a click away.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::date_field::date_row_ui;
use crate::domain::announcement::{
    AnnouncementDraft, AnnouncementId, AnnouncementKind, Audience, MAX_TITLE_CHARS, Progress,
};
use crate::domain::dates::{format_date, parse_date};
use crate::domain::{Customer, CustomerId, ValidationError};

/// How many not-told customers each announcement lists; the rest are counted.
const NOT_TOLD_SHOWN: usize = 40;

/// What the person chose in the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnouncementsOutcome {
    /// Save the new announcement.
    Announce,
    /// Open this customer's timeline (to tell them).
    OpenCustomer(CustomerId),
    /// Delete this announcement (asked and confirmed).
    Delete(AnnouncementId),
    Close,
}

/// Who the new announcement affects, as chosen in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceChoice {
    All,
    Tag,
    Company,
    Picked,
}

/// What was typed in the new-announcement form: kept as a draft when the dialog closes.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnouncementForm {
    pub kind: AnnouncementKind,
    pub title: String,
    pub reason: String,
    pub effective: String,
    pub audience: AudienceChoice,
    pub tag: String,
    pub company: String,
    pub picked: BTreeSet<CustomerId>,
}

/// The Announcements dialog: a form for a new one above the progress of every one.
pub struct AnnouncementsDialog {
    pub kind: AnnouncementKind,
    pub title: String,
    pub reason: String,
    pub effective: String,
    pub audience: AudienceChoice,
    pub tag: String,
    pub company: String,
    pub picked: BTreeSet<CustomerId>,
    pub pick_filter: String,
    pub error: Option<String>,
    /// The announcement whose "Delete…" was clicked, waiting for a confirmation.
    pub confirm_delete: Option<AnnouncementId>,
    /// Customers who can be picked (not archived), by name.
    customers: Vec<(CustomerId, String)>,
    /// Every announcement's progress, nearest effective day first.
    progress: Vec<Progress>,
}

impl AnnouncementsDialog {
    /// An empty form and the progress as the journal's caches have it.
    pub fn new(customers: &[Customer], progress: &[Progress]) -> Self {
        let mut dialog = Self {
            kind: AnnouncementKind::PriceIncrease,
            title: String::new(),
            reason: String::new(),
            effective: String::new(),
            audience: AudienceChoice::All,
            tag: String::new(),
            company: String::new(),
            picked: BTreeSet::new(),
            pick_filter: String::new(),
            error: None,
            confirm_delete: None,
            customers: Vec::new(),
            progress: Vec::new(),
        };
        dialog.refresh(customers, progress);
        dialog
    }

    /// Takes the journal's new state (after a save) and empties the form.
    pub fn refresh(&mut self, customers: &[Customer], progress: &[Progress]) {
        self.customers = customers
            .iter()
            .filter(|c| !c.archived)
            .map(|c| (c.id, c.display_name()))
            .collect();
        self.progress = progress.to_vec();
        self.confirm_delete = None;
    }

    /// What is typed in the form.
    pub fn form(&self) -> AnnouncementForm {
        AnnouncementForm {
            kind: self.kind,
            title: self.title.clone(),
            reason: self.reason.clone(),
            effective: self.effective.clone(),
            audience: self.audience,
            tag: self.tag.clone(),
            company: self.company.clone(),
            picked: self.picked.clone(),
        }
    }

    /// Puts a kept form back (customers picked who can no longer be picked are dropped).
    pub fn restore_form(&mut self, form: AnnouncementForm) {
        self.kind = form.kind;
        self.title = form.title;
        self.reason = form.reason;
        self.effective = form.effective;
        self.audience = form.audience;
        self.tag = form.tag;
        self.company = form.company;
        let pickable: BTreeSet<CustomerId> = self.customers.iter().map(|(id, _)| *id).collect();
        self.picked = form.picked.intersection(&pickable).copied().collect();
    }

    /// Clears the form after an announcement was made.
    pub fn clear_form(&mut self) {
        self.title.clear();
        self.reason.clear();
        self.effective.clear();
        self.tag.clear();
        self.company.clear();
        self.picked.clear();
        self.pick_filter.clear();
        self.error = None;
    }

    /// The typed fields as a checked announcement.
    pub fn to_draft(&self, today: NaiveDate) -> Result<AnnouncementDraft, ValidationError> {
        if self.effective.trim().is_empty() {
            return Err(ValidationError::new(
                "Takes effect: give the day it takes effect, e.g. 2026-03-01 or +30d.",
            ));
        }
        let effective = parse_date(&self.effective, today)
            .map_err(|e| ValidationError::new(format!("Takes effect: {}", e.0)))?;
        let audience = match self.audience {
            AudienceChoice::All => Audience::All,
            AudienceChoice::Tag => Audience::Tag(self.tag.clone()),
            AudienceChoice::Company => Audience::Company(self.company.clone()),
            AudienceChoice::Picked => Audience::Picked(self.picked.iter().copied().collect()),
        };
        AnnouncementDraft {
            kind: self.kind,
            title: self.title.clone(),
            reason: self.reason.clone(),
            effective,
            audience,
        }
        .validated()
    }

    /// Draws the dialog; returns what the person chose.
    pub fn ui(&mut self, ui: &mut egui::Ui, today: NaiveDate) -> Option<AnnouncementsOutcome> {
        let mut outcome = None;
        egui::ScrollArea::vertical()
            .max_height(620.0)
            .show(ui, |ui| {
                self.form_ui(ui, today, &mut outcome);
                ui.separator();
                self.progress_ui(ui, &mut outcome);
            });
        ui.add_space(6.0);
        if ui.button("Close").clicked() {
            outcome = Some(AnnouncementsOutcome::Close);
        }
        outcome
    }

    fn form_ui(
        &mut self,
        ui: &mut egui::Ui,
        today: NaiveDate,
        outcome: &mut Option<AnnouncementsOutcome>,
    ) {
        ui.strong("New announcement");
        egui::Grid::new("announcement_form")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                ui.label("About");
                ui.horizontal_wrapped(|ui| {
                    for kind in AnnouncementKind::ALL {
                        ui.selectable_value(&mut self.kind, *kind, kind.label());
                    }
                });
                ui.end_row();
                let id = ui.label("Title").id;
                ui.add(
                    egui::TextEdit::singleline(&mut self.title)
                        .desired_width(320.0)
                        .char_limit(MAX_TITLE_CHARS)
                        .hint_text("Prices rise 4%"),
                )
                .labelled_by(id);
                ui.end_row();
                let id = ui.label("Reason to give").id;
                ui.add(
                    egui::TextEdit::multiline(&mut self.reason)
                        .desired_rows(2)
                        .desired_width(320.0)
                        .hint_text("Our distributor raised its prices"),
                )
                .labelled_by(id);
                ui.end_row();
                date_row_ui(
                    ui,
                    "Takes effect",
                    &mut self.effective,
                    today,
                    "announcement_effective",
                );
                ui.label("Affects");
                ui.horizontal(|ui| {
                    ui.selectable_value(&mut self.audience, AudienceChoice::All, "All customers");
                    ui.selectable_value(&mut self.audience, AudienceChoice::Tag, "By tag");
                    ui.selectable_value(&mut self.audience, AudienceChoice::Company, "By company");
                    ui.selectable_value(&mut self.audience, AudienceChoice::Picked, "Picked");
                });
                ui.end_row();
                match self.audience {
                    AudienceChoice::All => {}
                    AudienceChoice::Tag => {
                        let id = ui.label("Tag").id;
                        ui.add(egui::TextEdit::singleline(&mut self.tag).desired_width(200.0))
                            .labelled_by(id)
                            .on_hover_text("Customers tagged later are affected too");
                        ui.end_row();
                    }
                    AudienceChoice::Company => {
                        let id = ui.label("Company").id;
                        ui.add(egui::TextEdit::singleline(&mut self.company).desired_width(200.0))
                            .labelled_by(id);
                        ui.end_row();
                    }
                    AudienceChoice::Picked => {
                        let id = ui.label("Find customer").id;
                        ui.add(
                            egui::TextEdit::singleline(&mut self.pick_filter).desired_width(200.0),
                        )
                        .labelled_by(id);
                        ui.end_row();
                    }
                }
            });
        if self.audience == AudienceChoice::Picked {
            self.picker_ui(ui);
        }
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if ui
            .button("Announce")
            .on_hover_text("Every affected customer goes on \"Call them first\" until told")
            .clicked()
        {
            *outcome = Some(AnnouncementsOutcome::Announce);
        }
    }

    fn picker_ui(&mut self, ui: &mut egui::Ui) {
        let filter = self.pick_filter.trim().to_lowercase();
        ui.weak(match self.picked.len() {
            1 => "1 customer picked".to_owned(),
            n => format!("{n} customers picked"),
        });
        egui::ScrollArea::vertical()
            .id_salt("announcement_picker")
            .max_height(160.0)
            .show(ui, |ui| {
                for (id, name) in self
                    .customers
                    .iter()
                    .filter(|(_, name)| filter.is_empty() || name.to_lowercase().contains(&filter))
                {
                    let mut on = self.picked.contains(id);
                    if ui.checkbox(&mut on, name).changed() {
                        if on {
                            self.picked.insert(*id);
                        } else {
                            self.picked.remove(id);
                        }
                    }
                }
            });
    }

    fn progress_ui(&mut self, ui: &mut egui::Ui, outcome: &mut Option<AnnouncementsOutcome>) {
        if self.progress.is_empty() {
            ui.weak("No announcements yet.");
            return;
        }
        for progress in &self.progress {
            let a = &progress.announcement;
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.strong(format!("{} — {}", a.title, a.kind.label()));
                ui.label(format!(
                    "Takes effect {} ({}) · {}",
                    format_date(a.effective),
                    progress.days_left_text(),
                    a.audience.describe()
                ));
                let affected = progress.affected.len();
                ui.label(format!(
                    "Told {} · not told yet {} · told late {} (of {affected})",
                    progress.told, progress.not_told, progress.told_late
                ));
                if affected > 0 {
                    let done = (progress.told + progress.told_late) as f32 / affected as f32;
                    ui.add(egui::ProgressBar::new(done).desired_width(300.0));
                }
                if self.confirm_delete == Some(a.id) {
                    ui.horizontal_wrapped(|ui| {
                        ui.label("Delete it? Customers already told keep the bad news on their timelines.");
                        if ui.button("Delete announcement").clicked() {
                            *outcome = Some(AnnouncementsOutcome::Delete(a.id));
                        }
                        if ui.button("Keep it").clicked() {
                            self.confirm_delete = None;
                        }
                    });
                } else if ui
                    .small_button("Delete…")
                    .on_hover_text("Made by mistake? Delete it; nobody's timeline changes")
                    .clicked()
                {
                    self.confirm_delete = Some(a.id);
                }
                if progress.not_told > 0 {
                    ui.horizontal_wrapped(|ui| {
                        ui.label("Not told yet:");
                        for customer in progress.not_told_customers().take(NOT_TOLD_SHOWN) {
                            if ui
                                .link(&customer.name)
                                .on_hover_text("Open their timeline to tell them")
                                .clicked()
                            {
                                *outcome =
                                    Some(AnnouncementsOutcome::OpenCustomer(customer.customer_id));
                            }
                        }
                        if progress.not_told > NOT_TOLD_SHOWN {
                            ui.weak(format!("and {} more", progress.not_told - NOT_TOLD_SHOWN));
                        }
                    });
                }
            });
        }
    }
}
