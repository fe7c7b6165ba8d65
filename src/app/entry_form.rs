//! The quick-logging form: one compact form for every kind of entry, with sensible
//! defaults (now, outbound, reached), Enter to save and Esc to cancel. Its fields are text
//! until saved, so a failed save keeps exactly what was typed.

use chrono::{NaiveDate, NaiveDateTime};

use super::date_field::date_row_ui;
pub use super::widgets::FormOutcome;
use crate::domain::dates::{format_date, parse_date, parse_datetime};
use crate::domain::{
    BadNews, BadNewsKind, Cents, Channel, Contact, CustomerId, Direction, Entry, EntryDraft,
    EntryId, EntryKind, EntryKindTag, Feedback, MoneyFormat, Order, OrderStatus, Outcome, Payment,
    Problem, Promise, PromiseCategory, Snooze, ValidationError,
};

/// An item bad news can be about, offered in the bad-news form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedChoice {
    pub id: EntryId,
    /// What it is and when it was due.
    pub label: String,
    /// Its due day has passed: the customer may already have noticed.
    pub past_due: bool,
}

/// A form being filled in: a new entry, or an edit of an existing one.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryForm {
    /// The entry being edited, or `None` for a new one.
    pub editing: Option<EntryId>,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub kind: EntryKindTag,
    pub when: String,
    pub summary: String,
    pub channel: Channel,
    pub direction: Direction,
    pub outcome: Outcome,
    pub duration_mins: String,
    pub due: String,
    pub category: PromiseCategory,
    pub about: BadNewsKind,
    pub proactive: bool,
    pub related: Option<EntryId>,
    /// The slipping or broken items of this customer the bad news may be about.
    pub related_choices: Vec<RelatedChoice>,
    /// For a call that reached them: the slips they had not been told about, each with
    /// "yes, I told them on this call" (recorded as bad news when saved).
    pub told_about: Vec<(RelatedChoice, bool)>,
    pub owner: String,
    pub amount: String,
    /// How the journal writes money: typed amounts are read, and shown, its way.
    pub money: MoneyFormat,
    pub order_status: OrderStatus,
    pub invoice_ref: String,
    pub paid_on: String,
    pub rating: u8,
    pub rated: bool,
    /// The announcement this bad news tells the customer about, if any.
    pub announcement: Option<crate::domain::announcement::AnnouncementId>,
    /// How they took it (for an announcement).
    pub reaction: crate::domain::announcement::Reaction,
    /// The entry as it was, so fields the form does not show (a promise's history, a
    /// problem's resolution) survive an edit.
    pub original: Option<EntryKind>,
    /// Why the last save failed.
    pub error: Option<String>,
}

impl EntryForm {
    /// A new entry of `kind` for a customer, with the usual defaults.
    pub fn new(kind: EntryKindTag, customer_id: CustomerId, customer_name: &str) -> Self {
        let (due, amount) = match kind {
            EntryKindTag::Payment => ("+30d", ""),
            EntryKindTag::Order => ("+7d", ""),
            EntryKindTag::Snooze => ("tomorrow", ""),
            _ => ("tomorrow", ""),
        };
        Self {
            editing: None,
            customer_id,
            customer_name: customer_name.to_owned(),
            kind,
            when: "now".to_owned(),
            summary: String::new(),
            channel: Channel::Call,
            direction: Direction::Outbound,
            outcome: Outcome::Reached,
            duration_mins: String::new(),
            due: due.to_owned(),
            category: PromiseCategory::Delivery,
            about: BadNewsKind::Delay,
            proactive: true,
            related: None,
            related_choices: Vec::new(),
            told_about: Vec::new(),
            owner: "me".to_owned(),
            amount: amount.to_owned(),
            money: MoneyFormat::default(),
            order_status: OrderStatus::OnTrack,
            invoice_ref: String::new(),
            paid_on: String::new(),
            rating: 5,
            rated: false,
            announcement: None,
            reaction: crate::domain::announcement::Reaction::Neutral,
            original: None,
            error: None,
        }
    }

    /// A form to edit an existing entry.
    pub fn edit(entry: &Entry, customer_name: &str) -> Self {
        let mut form = Self::new(entry.kind.tag(), entry.customer_id, customer_name);
        form.editing = Some(entry.id);
        form.when = entry.occurred_at.format("%Y-%m-%d %H:%M").to_string();
        form.summary = entry.summary.clone();
        form.original = Some(entry.kind.clone());
        match &entry.kind {
            EntryKind::Contact(c) => {
                form.channel = c.channel;
                form.direction = c.direction;
                form.outcome = c.outcome;
                form.duration_mins = c.duration_mins.map(|m| m.to_string()).unwrap_or_default();
            }
            EntryKind::Promise(p) => {
                form.due = format_date(p.due);
                form.category = p.category;
            }
            EntryKind::BadNews(b) => {
                form.about = b.about;
                form.proactive = b.proactive;
                form.related = b.related;
            }
            EntryKind::Problem(p) => form.owner = p.owner.clone(),
            EntryKind::Order(o) => {
                form.amount = o.amount.map(|a| a.to_string()).unwrap_or_default();
                form.due = format_date(o.promised_delivery);
                form.order_status = o.status;
            }
            EntryKind::Payment(p) => {
                form.invoice_ref = p.invoice_ref.clone();
                form.amount = p.amount.to_string();
                form.due = format_date(p.due);
                form.paid_on = p.paid_on.map(format_date).unwrap_or_default();
            }
            EntryKind::Note => {}
            EntryKind::Feedback(f) => {
                form.rated = f.rating.is_some();
                form.rating = f.rating.unwrap_or(5);
            }
            EntryKind::Snooze(s) => form.due = format_date(s.until),
        }
        form
    }

    /// Reads and shows amounts the journal's way; an edited entry's amount is written
    /// again in that format, so saving it unchanged reads back the same.
    pub fn use_money(&mut self, money: MoneyFormat) {
        self.money = money;
        let amount = match &self.original {
            Some(EntryKind::Order(o)) => o.amount,
            Some(EntryKind::Payment(p)) => Some(p.amount),
            _ => None,
        };
        if let Some(amount) = amount {
            self.amount = money.format_number(amount);
        }
    }

    /// Links the bad news to `id` (or to nothing). A slip already past its due day is not
    /// news we told first, so "we told them first" starts unticked for it.
    pub fn choose_related(&mut self, id: Option<EntryId>) {
        self.related = id;
        if let Some(choice) = id.and_then(|id| self.related_choices.iter().find(|c| c.id == id)) {
            self.proactive = !choice.past_due;
        }
    }

    /// The dialog's title.
    pub fn title(&self) -> String {
        let what = match self.kind {
            EntryKindTag::Contact => "Log call",
            EntryKindTag::Promise => "Make promise",
            EntryKindTag::BadNews => "Deliver bad news",
            EntryKindTag::Problem => "Open problem",
            EntryKindTag::Order => "Log order",
            EntryKindTag::Payment => "Log payment",
            EntryKindTag::Note => "Add note",
            EntryKindTag::Feedback => "Ask for feedback",
            EntryKindTag::Snooze => "Snooze",
        };
        let what = if self.announcement.is_some() {
            "Tell about announcement"
        } else {
            what
        };
        match self.editing {
            Some(_) => format!(
                "Edit {} — {}",
                self.kind.label().to_lowercase(),
                self.customer_name
            ),
            None => format!("{what} — {}", self.customer_name),
        }
    }

    /// Turns the typed fields into a draft, or says what is wrong.
    pub fn to_draft(&self, now: NaiveDateTime) -> Result<EntryDraft, ValidationError> {
        let today = now.date();
        let occurred_at = if self.when.trim().eq_ignore_ascii_case("now") {
            now
        } else {
            parse_datetime(&self.when, today, now.time()).map_err(|e| prefix("When", e))?
        };
        let date = |label: &str, text: &str| -> Result<NaiveDate, ValidationError> {
            parse_date(text, today).map_err(|e| prefix(label, e))
        };
        let amount = |required: bool| -> Result<Option<Cents>, ValidationError> {
            if self.amount.trim().is_empty() && !required {
                return Ok(None);
            }
            self.money
                .parse(&self.amount)
                .map(Some)
                .map_err(|e| prefix("Amount", e))
        };
        let kind = match self.kind {
            EntryKindTag::Contact => {
                let duration_mins = match self.duration_mins.trim() {
                    "" => None,
                    text => Some(text.parse::<u32>().map_err(|_| {
                        ValidationError::new(format!(
                            "Duration: \"{text}\" is not a number of minutes: type a whole number like 15, or leave it empty."
                        ))
                    })?),
                };
                EntryKind::Contact(Contact {
                    channel: self.channel,
                    direction: self.direction,
                    outcome: self.outcome,
                    duration_mins,
                })
            }
            EntryKindTag::Promise => {
                let due = date("Due", &self.due)?;
                match &self.original {
                    Some(EntryKind::Promise(original)) => {
                        let mut promise = original.clone();
                        promise.due = due;
                        promise.category = self.category;
                        EntryKind::Promise(promise)
                    }
                    _ => EntryKind::Promise(Promise::new(due, self.category)),
                }
            }
            EntryKindTag::BadNews => EntryKind::BadNews(BadNews {
                about: self.about,
                related: self.related,
                proactive: self.proactive,
            }),
            EntryKindTag::Problem => {
                let status = match &self.original {
                    Some(EntryKind::Problem(original)) => original.status.clone(),
                    _ => crate::domain::ProblemStatus::Open,
                };
                EntryKind::Problem(Problem {
                    owner: self.owner.clone(),
                    status,
                })
            }
            EntryKindTag::Order => {
                let status_changed_at = match &self.original {
                    Some(EntryKind::Order(original)) if original.status == self.order_status => {
                        original.status_changed_at
                    }
                    _ => Some(now),
                };
                EntryKind::Order(Order {
                    amount: amount(false)?,
                    promised_delivery: date("Promised delivery", &self.due)?,
                    status: self.order_status,
                    status_changed_at,
                })
            }
            EntryKindTag::Payment => EntryKind::Payment(Payment {
                invoice_ref: self.invoice_ref.clone(),
                amount: amount(true)?.unwrap_or_default(),
                due: date("Due", &self.due)?,
                paid_on: match self.paid_on.trim() {
                    "" => None,
                    text => Some(date("Paid on", text)?),
                },
            }),
            EntryKindTag::Note => EntryKind::Note,
            EntryKindTag::Feedback => EntryKind::Feedback(Feedback {
                rating: self.rated.then_some(self.rating),
            }),
            EntryKindTag::Snooze => EntryKind::Snooze(Snooze {
                until: date("Until", &self.due)?,
            }),
        };
        EntryDraft {
            customer_id: self.customer_id,
            occurred_at,
            summary: self.summary.clone(),
            kind,
        }
        .validated()
    }

    /// Draws the form's fields and buttons; returns what the person chose.
    pub fn ui(&mut self, ui: &mut egui::Ui, today: NaiveDate) -> Option<FormOutcome> {
        let mut outcome = None;
        let summary_label = match self.kind {
            EntryKindTag::Contact => "What was said",
            EntryKindTag::Promise => "What you promised",
            EntryKindTag::BadNews => "What you told them",
            EntryKindTag::Problem => "What the problem is",
            EntryKindTag::Order => "What was ordered",
            EntryKindTag::Payment => "Description",
            EntryKindTag::Note => "What to remember",
            EntryKindTag::Feedback => "Their comment",
            EntryKindTag::Snooze => "Why not today",
        };
        egui::Grid::new("entry_form_grid")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                let label = ui.label(summary_label).id;
                let summary = ui
                    .add(
                        egui::TextEdit::multiline(&mut self.summary)
                            .desired_rows(2)
                            .desired_width(340.0)
                            .return_key(Some(egui::KeyboardShortcut::new(
                                egui::Modifiers::SHIFT,
                                egui::Key::Enter,
                            ))),
                    )
                    .labelled_by(label);
                if ui.memory(|m| m.focused().is_none()) {
                    summary.request_focus();
                }
                ui.end_row();

                if self.kind != EntryKindTag::Snooze {
                    let label = ui.label("When").id;
                    ui.add(egui::TextEdit::singleline(&mut self.when).desired_width(160.0))
                        .labelled_by(label)
                        .on_hover_text("\"now\", or a date and time like 2026-03-01 14:30");
                    ui.end_row();
                }
                self.kind_fields_ui(ui, today);
            });
        if let Some(error) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        ui.horizontal(|ui| {
            if ui.button("Save").on_hover_text("Enter").clicked() {
                outcome = Some(FormOutcome::Save);
            }
            if ui.button("Cancel").on_hover_text("Esc").clicked() {
                outcome = Some(FormOutcome::Cancel);
            }
        });
        if ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            outcome = Some(FormOutcome::Cancel);
        }
        if ui.input(|i| i.key_pressed(egui::Key::Enter) && !i.modifiers.shift) {
            outcome = Some(FormOutcome::Save);
        }
        outcome
    }

    fn kind_fields_ui(&mut self, ui: &mut egui::Ui, today: NaiveDate) {
        match self.kind {
            EntryKindTag::Contact => {
                choice_row(ui, "Channel", &mut self.channel, Channel::ALL);
                choice_row(ui, "Direction", &mut self.direction, Direction::ALL);
                choice_row(ui, "Outcome", &mut self.outcome, Outcome::ALL);
                text_row(ui, "Minutes", &mut self.duration_mins);
                if self.outcome == Outcome::Reached {
                    for (item, told) in &mut self.told_about {
                        ui.label("");
                        ui.checkbox(told, format!("Did you tell them about {}?", item.label));
                        ui.end_row();
                    }
                }
            }
            EntryKindTag::Promise => {
                date_row_ui(ui, "Due", &mut self.due, today, "form_due");
                choice_row(ui, "Category", &mut self.category, PromiseCategory::ALL);
            }
            EntryKindTag::BadNews => {
                if !self.related_choices.is_empty() {
                    let label = ui.label("Which item").id;
                    let mut chosen = self.related;
                    ui.vertical(|ui| {
                        for choice in &self.related_choices {
                            ui.selectable_value(&mut chosen, Some(choice.id), &choice.label)
                                .labelled_by(label);
                        }
                        ui.selectable_value(&mut chosen, None, "Nothing in particular");
                    });
                    if chosen != self.related {
                        self.choose_related(chosen);
                    }
                    ui.end_row();
                }
                choice_row(ui, "About", &mut self.about, BadNewsKind::ALL);
                ui.label("");
                ui.checkbox(&mut self.proactive, "We told them first (proactive)");
                ui.end_row();
                if self.announcement.is_some() {
                    choice_row(
                        ui,
                        "How they took it",
                        &mut self.reaction,
                        crate::domain::announcement::Reaction::ALL,
                    );
                }
            }
            EntryKindTag::Problem => text_row(ui, "Owner", &mut self.owner),
            EntryKindTag::Order => {
                text_row(ui, "Amount", &mut self.amount);
                date_row_ui(
                    ui,
                    "Promised delivery",
                    &mut self.due,
                    today,
                    "form_delivery",
                );
                choice_row(ui, "Status", &mut self.order_status, OrderStatus::ALL);
            }
            EntryKindTag::Payment => {
                text_row(ui, "Invoice", &mut self.invoice_ref);
                text_row(ui, "Amount", &mut self.amount);
                date_row_ui(ui, "Due", &mut self.due, today, "form_payment_due");
                text_row(ui, "Paid on", &mut self.paid_on);
            }
            EntryKindTag::Note => {}
            EntryKindTag::Feedback => {
                ui.label("");
                ui.horizontal(|ui| {
                    ui.checkbox(&mut self.rated, "They gave a score");
                    if self.rated {
                        ui.add(egui::Slider::new(&mut self.rating, 1..=5).text("of 5"));
                    }
                });
                ui.end_row();
            }
            EntryKindTag::Snooze => {
                date_row_ui(ui, "Until", &mut self.due, today, "form_snooze_until");
            }
        }
    }
}

fn prefix(field: &str, error: ValidationError) -> ValidationError {
    ValidationError::new(format!("{field}: {}", error.0))
}

fn text_row(ui: &mut egui::Ui, label: &str, text: &mut String) {
    let id = ui.label(label).id;
    ui.add(egui::TextEdit::singleline(text).desired_width(200.0))
        .labelled_by(id);
    ui.end_row();
}

/// A row of selectable buttons, one per value: quick to click, and each has a name.
fn choice_row<T: Copy + PartialEq + std::fmt::Display>(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut T,
    all: &[T],
) {
    ui.label(label);
    ui.horizontal(|ui| {
        for option in all {
            ui.selectable_value(value, *option, option.to_string());
        }
    });
    ui.end_row();
}
