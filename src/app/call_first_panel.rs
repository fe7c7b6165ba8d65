//! "Call them first today": the whole ranking with its reasons and a suggested opener, and
//! a "Log call" and "Snooze until tomorrow" on each card. Cards have a height known before
//! drawing (each text is one line, elided, the full text on hover), so only the visible
//! ones are drawn and 10,000 customers scroll as fast as ten.

use super::action::Action;
use super::journal::Journal;
use crate::domain::rank::RankedCustomer;
use crate::domain::{CustomerId, EntryKindTag};

/// How many reasons each card lists.
const REASONS_SHOWN: usize = 3;

/// The panel's keyboard state.
#[derive(Debug, Default)]
pub struct CallFirstView {
    /// The card whose name should take keyboard focus next frame (Ctrl+J, ↑/↓).
    pub focus_card: Option<usize>,
    /// The card whose name has keyboard focus, so ↑/↓ know where they start.
    focused_card: Option<usize>,
    /// The visible part of the list last frame, in list coordinates.
    visible: Option<egui::Rangef>,
}

impl CallFirstView {
    /// Puts keyboard focus on the first card.
    pub fn focus_first(&mut self) {
        self.focus_card = Some(0);
    }
}

/// The height of one text line in a card.
fn line_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y
}

/// How tall a card is, known before it is drawn.
fn card_height(ui: &egui::Ui, ranked: &RankedCustomer) -> f32 {
    let reasons = ranked.reasons.len().min(REASONS_SHOWN);
    let more = usize::from(ranked.reasons.len() > REASONS_SHOWN);
    // Name, reasons, "and N more", opener; then the buttons; then the frame and the gap.
    let lines = 1 + reasons + more + 1;
    let margin = 2.0 * 6.0 + 2.0 * ui.spacing().item_spacing.y;
    lines as f32 * line_height(ui) + ui.spacing().interact_size.y + margin + 4.0
}

/// One line of text, elided to the card's width, the whole text on hover.
fn line_ui(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>, full: &str) {
    let response = ui.add(egui::Label::new(text).truncate());
    if !full.is_empty() {
        response.on_hover_text(full);
    }
}

/// Draws the panel.
pub fn ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    selected: Option<CustomerId>,
    view: &mut CallFirstView,
    actions: &mut Vec<Action>,
) {
    ui.heading("Call them first today");
    match journal.ranking.len() {
        0 if journal.customers.is_empty() => {
            ui.label("Each morning, the customers who need an honest update will be listed here, with why.");
            return;
        }
        0 => {
            ui.label("Nobody is waiting on you today. Well done.");
            return;
        }
        1 => ui.weak("1 customer needs an honest update"),
        n => ui.weak(format!("{n} customers need an honest update")),
    };
    ui.separator();

    let ranking = &journal.ranking;
    let mut tops = Vec::with_capacity(ranking.len() + 1);
    let mut top = 0.0_f32;
    for ranked in ranking {
        tops.push(top);
        top += card_height(ui, ranked);
    }
    tops.push(top);
    let total = top;

    let focus_card = view
        .focus_card
        .take()
        .map(|i| i.min(ranking.len().saturating_sub(1)));
    let mut scroll = egui::ScrollArea::vertical().auto_shrink([false, false]);
    if let Some(index) = focus_card {
        // Follow the keyboard: bring the card into view if it is not.
        let (card_top, card_bottom) = (tops[index], tops[index + 1]);
        let visible = view.visible.unwrap_or(egui::Rangef::new(0.0, 0.0));
        if card_top < visible.min {
            scroll = scroll.vertical_scroll_offset(card_top);
        } else if card_bottom > visible.max {
            scroll = scroll.vertical_scroll_offset(card_bottom - visible.span());
        }
    }
    let mut step: Option<isize> = None;
    view.focused_card = None;
    scroll.show_viewport(ui, |ui, viewport| {
        view.visible = Some(viewport.y_range());
        ui.set_height(total);
        let origin = ui.min_rect().min;
        let width = ui.available_width();
        let first = tops
            .partition_point(|&t| t <= viewport.min.y)
            .saturating_sub(1);
        for (index, ranked) in ranking.iter().enumerate().skip(first) {
            if tops[index] > viewport.max.y {
                break;
            }
            let rect = egui::Rect::from_min_size(
                origin + egui::vec2(0.0, tops[index]),
                egui::vec2(width, tops[index + 1] - tops[index] - 4.0),
            );
            let mut card = ui.new_child(egui::UiBuilder::new().max_rect(rect).id_salt(index));
            let name = card_ui(&mut card, journal, ranked, selected, actions);
            if focus_card == Some(index) {
                name.request_focus();
            }
            if name.has_focus() {
                view.focused_card = Some(index);
                super::widgets::arrow_keys(ui, name.id, &mut step);
            }
        }
    });
    if let (Some(step), Some(index)) = (step, view.focused_card) {
        view.focus_card = Some(index.saturating_add_signed(step));
        ui.ctx().request_repaint();
    }
}

/// Draws one card; returns the customer's name button (Enter on it opens them).
fn card_ui(
    ui: &mut egui::Ui,
    journal: &Journal,
    ranked: &RankedCustomer,
    selected: Option<CustomerId>,
    actions: &mut Vec<Action>,
) -> egui::Response {
    egui::Frame::group(ui.style())
        .inner_margin(6.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.set_height(ui.available_height());
            let name = super::bidi::display(&ranked.name);
            let who = if ranked.company.is_empty() {
                format!("{}. {name}", ranked.rank)
            } else {
                let company = super::bidi::display(&ranked.company);
                format!("{}. {name} ({company})", ranked.rank)
            };
            let name = ui
                .horizontal(|ui| {
                    let points = format!("{} pts", ranked.score);
                    let points_width = 60.0;
                    let name = ui
                        .add_sized(
                            [
                                (ui.available_width() - points_width).max(40.0),
                                ui.spacing().interact_size.y,
                            ],
                            egui::Button::selectable(
                                selected == Some(ranked.customer_id),
                                egui::RichText::new(&who).strong(),
                            )
                            .wrap_mode(egui::TextWrapMode::Truncate),
                        )
                        .on_hover_text(&who);
                    if name.clicked() {
                        actions.push(Action::SelectCustomer(ranked.customer_id));
                    }
                    ui.weak(points);
                    name
                })
                .inner;
            for reason in ranked.reasons.iter().take(REASONS_SHOWN) {
                let text = format!("• {} ({})", reason.text, reason.points);
                line_ui(ui, text.as_str(), &text);
            }
            if ranked.reasons.len() > REASONS_SHOWN {
                let rest: Vec<String> = ranked.reasons[REASONS_SHOWN..]
                    .iter()
                    .map(|r| format!("• {} ({})", r.text, r.points))
                    .collect();
                line_ui(
                    ui,
                    egui::RichText::new(format!(
                        "and {} more",
                        ranked.reasons.len() - REASONS_SHOWN
                    ))
                    .weak(),
                    &rest.join("\n"),
                );
            }
            // Italic, not in quotes: the opener quotes the item itself.
            line_ui(
                ui,
                egui::RichText::new(format!("Say: {}", ranked.opener)).italics(),
                &ranked.opener,
            );
            ui.horizontal(|ui| {
                if ui.button("Log call").clicked() {
                    actions.push(Action::LogFor(ranked.customer_id, EntryKindTag::Contact));
                }
                // In a narrow panel the label is cut with "…" (whole on hover), never clipped.
                if ui
                    .add(egui::Button::new("Snooze until tomorrow").truncate())
                    .on_hover_text("Take them off today's list, with a note on their timeline")
                    .clicked()
                {
                    actions.push(Action::SnoozeUntilTomorrow(ranked.customer_id));
                }
                // The nearest announcement they have not heard: tell them in one click.
                if let Some(news) = journal.not_told_announcements(ranked.customer_id).next()
                    && ui
                        .button("Tell…")
                        .on_hover_text(format!(
                            "Tell them about \"{}\" ({})",
                            news.announcement.title,
                            news.days_left_text()
                        ))
                        .clicked()
                {
                    actions.push(Action::TellAbout(ranked.customer_id, news.announcement.id));
                }
            });
            name
        })
        .inner
}
