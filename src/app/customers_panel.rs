//! The customer list: instant search, status filters, a count, and a badge per row.

use super::action::Action;
use super::commands::UiCommand;
use super::journal::Journal;
use crate::domain::CustomerId;
use crate::domain::rank::Badges;

/// Which customers the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CustomerFilter {
    #[default]
    Active,
    Slipping,
    CallbackOwed,
    OpenProblem,
    OverduePayment,
    Archived,
}

impl CustomerFilter {
    const ALL: [Self; 6] = [
        Self::Active,
        Self::Slipping,
        Self::CallbackOwed,
        Self::OpenProblem,
        Self::OverduePayment,
        Self::Archived,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Active => "All",
            Self::Slipping => "Slipping",
            Self::CallbackOwed => "Callback owed",
            Self::OpenProblem => "Open problem",
            Self::OverduePayment => "Overdue payment",
            Self::Archived => "Archived",
        }
    }

    fn keeps(self, archived: bool, badges: Badges) -> bool {
        match self {
            Self::Active => !archived,
            Self::Archived => archived,
            Self::Slipping => !archived && badges.slipping,
            Self::CallbackOwed => !archived && badges.callback_owed,
            Self::OpenProblem => !archived && badges.open_problem,
            Self::OverduePayment => !archived && badges.overdue_payment,
        }
    }
}

/// The list's state: search text, filter, and the matching rows (recomputed only when one
/// of them or the journal changes).
#[derive(Default)]
pub struct CustomerList {
    pub search: String,
    pub filter: CustomerFilter,
    pub focus_search: bool,
    /// Put keyboard focus on the selected customer's row next frame.
    pub focus_selected: bool,
    rows: Vec<usize>,
    rows_for: Option<(String, CustomerFilter)>,
}

impl CustomerList {
    /// Forgets the matching rows (the journal changed).
    pub fn invalidate(&mut self) {
        self.rows_for = None;
    }

    fn refresh(&mut self, journal: &Journal) {
        let key = (self.search.clone(), self.filter);
        if self.rows_for.as_ref() == Some(&key) {
            return;
        }
        let needle = self.search.trim().to_lowercase();
        self.rows = journal
            .customers
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let badges = journal.badges.get(&c.id).copied().unwrap_or_default();
                self.filter.keeps(c.archived, badges)
            })
            .filter(|(_, c)| {
                needle.is_empty()
                    || [&c.name, &c.company, &c.phone, &c.email]
                        .iter()
                        .any(|field| field.to_lowercase().contains(&needle))
                    || c.tags.iter().any(|t| t.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect();
        self.rows_for = Some(key);
    }
}

fn badge_text(badges: Badges) -> String {
    let mut marks = Vec::new();
    if badges.slipping {
        marks.push("slipping");
    }
    if badges.callback_owed {
        marks.push("callback");
    }
    if badges.open_problem {
        marks.push("problem");
    }
    if badges.overdue_payment {
        marks.push("overdue");
    }
    marks.join(" · ")
}

/// Draws the customer list.
pub fn ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    list: &mut CustomerList,
    selected: Option<CustomerId>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        ui.heading("Customers");
        if ui
            .button("Add…")
            .on_hover_text(UiCommand::AddCustomer.tooltip())
            .clicked()
        {
            actions.push(Action::Command(UiCommand::AddCustomer));
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Search").id;
        let search = ui
            .add(
                egui::TextEdit::singleline(&mut list.search)
                    .hint_text("name, company, tag, phone, email")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label);
        if std::mem::take(&mut list.focus_search) {
            search.request_focus();
        }
        search_keys(ui, &search, journal, list, actions);
    });
    ui.horizontal_wrapped(|ui| {
        for filter in CustomerFilter::ALL {
            // Clickable, but not a Tab stop: Tab goes from the search to the results.
            let button = egui::Button::selectable(list.filter == filter, filter.label())
                .sense(egui::Sense::CLICK);
            if ui.add(button).clicked() {
                list.filter = filter;
            }
        }
    });
    list.refresh(journal);
    ui.weak(match list.rows.len() {
        1 => "1 customer".to_owned(),
        n => format!("{n} customers"),
    });
    ui.separator();
    let row_height = ui.text_style_height(&egui::TextStyle::Body) * 2.0 + 6.0;
    let focus_selected = std::mem::take(&mut list.focus_selected);
    let mut step: Option<isize> = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row_height, list.rows.len(), |ui, range| {
            for &index in &list.rows[range] {
                let Some(customer) = journal.customers.get(index) else {
                    continue;
                };
                let badges = journal
                    .badges
                    .get(&customer.id)
                    .copied()
                    .unwrap_or_default();
                let marks = badge_text(badges);
                let style = ui.style();
                let body = egui::TextStyle::Body.resolve(style);
                let small = egui::TextStyle::Small.resolve(style);
                // One line each, cut with "…" to the panel's width, so every row keeps its
                // height whatever the name; hovering shows it all.
                let width = ui.available_width() - 2.0 * ui.spacing().button_padding.x;
                let name = super::widgets::elide(
                    ui,
                    &super::bidi::display(&customer.name),
                    body.clone(),
                    width,
                );
                let second_line = match (customer.company.is_empty(), marks.is_empty()) {
                    (true, true) => String::new(),
                    (false, true) => super::bidi::display(&customer.company).into_owned(),
                    (true, false) => marks,
                    (false, false) => {
                        format!("{} — {marks}", super::bidi::display(&customer.company))
                    }
                };
                let second_line = super::widgets::elide(ui, &second_line, small.clone(), width);
                let style = ui.style();
                let mut text = egui::text::LayoutJob::default();
                text.append(
                    &name,
                    0.0,
                    egui::TextFormat::simple(body, style.visuals.strong_text_color()),
                );
                let color = if badges.any() {
                    style.visuals.warn_fg_color
                } else {
                    style.visuals.weak_text_color()
                };
                if !second_line.is_empty() {
                    text.append(
                        &format!("\n{second_line}"),
                        0.0,
                        egui::TextFormat::simple(small, color),
                    );
                }
                let response = ui
                    .add(
                        egui::Button::selectable(selected == Some(customer.id), text)
                            .wrap_mode(egui::TextWrapMode::Extend)
                            .min_size(egui::vec2(ui.available_width(), row_height - 4.0)),
                    )
                    .on_hover_text(format!("{}\n{}", customer.name, customer.company));
                if response.clicked() {
                    response.request_focus();
                    actions.push(Action::SelectCustomer(customer.id));
                }
                if selected == Some(customer.id) && focus_selected {
                    response.request_focus();
                    response.scroll_to_me(None);
                }
                if response.has_focus() {
                    super::widgets::arrow_keys(ui, response.id, &mut step);
                    if selected != Some(customer.id) && !focus_selected {
                        // Tab reached this row: the keyboard opens what it stands on.
                        actions.push(Action::SelectCustomer(customer.id));
                    }
                }
            }
        });
    if let Some(step) = step {
        let position = selected
            .and_then(|id| {
                list.rows
                    .iter()
                    .position(|&i| journal.customers.get(i).is_some_and(|c| c.id == id))
            })
            .unwrap_or(0);
        let next = position
            .saturating_add_signed(step)
            .min(list.rows.len().saturating_sub(1));
        if let Some(customer) = list.rows.get(next).and_then(|&i| journal.customers.get(i)) {
            actions.push(Action::SelectCustomer(customer.id));
            list.focus_selected = true;
        }
    }
}

/// In the search field: Enter opens the top match, ↓ goes to it in the list, Esc clears
/// the search (a second Esc leaves the field).
fn search_keys(
    ui: &egui::Ui,
    search: &egui::Response,
    journal: &Journal,
    list: &mut CustomerList,
    actions: &mut Vec<Action>,
) {
    let (enter, escape, down) = ui.input(|i| {
        (
            i.key_pressed(egui::Key::Enter),
            i.key_pressed(egui::Key::Escape),
            i.key_pressed(egui::Key::ArrowDown),
        )
    });
    let editing = search.has_focus() || search.lost_focus();
    if !editing {
        return;
    }
    if escape && !list.search.is_empty() {
        list.search.clear();
        search.request_focus();
        return;
    }
    if enter || (down && search.has_focus()) {
        list.refresh(journal);
        if let Some(customer) = list.rows.first().and_then(|&i| journal.customers.get(i)) {
            actions.push(Action::SelectCustomer(customer.id));
            list.focus_selected = true;
        }
    }
}
