//! A date typed as text ("2026-03-01", "today", "tomorrow", "+3d", "fri") with a calendar
//! beside it. The keyboard types dates; the calendar opens on a click of its button or with
//! Alt+↓ in the field, is never a Tab stop, and Esc closes only the calendar.

use chrono::{Datelike as _, Days, Months, NaiveDate};

use crate::domain::dates::{format_date, parse_date};

/// Draws "label [text] [calendar]" on one line, with a hint showing what the text means.
/// Returns the text field's response.
pub fn date_field_ui(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    today: NaiveDate,
    id_salt: &str,
) -> egui::Response {
    ui.horizontal(|ui| {
        let label_id = ui.label(label).id;
        date_input_ui(ui, label_id, text, today, id_salt)
    })
    .inner
}

/// The same as one row of a two-column [`egui::Grid`]: the label in the first column, the
/// field in the second.
pub fn date_row_ui(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    today: NaiveDate,
    id_salt: &str,
) -> egui::Response {
    let label_id = ui.label(label).id;
    let response = ui
        .horizontal(|ui| date_input_ui(ui, label_id, text, today, id_salt))
        .inner;
    ui.end_row();
    response
}

/// The calendar's state: open or not, and the month it shows.
#[derive(Debug, Clone, Copy, Default)]
struct CalendarState {
    open: bool,
    /// The first day of the month shown.
    month: Option<NaiveDate>,
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The text field, calendar button and hint, named by the label `label_id`.
fn date_input_ui(
    ui: &mut egui::Ui,
    label_id: egui::Id,
    text: &mut String,
    today: NaiveDate,
    id_salt: &str,
) -> egui::Response {
    let output = egui::TextEdit::singleline(text)
        .desired_width(110.0)
        .hint_text("YYYY-MM-DD")
        .id_salt(id_salt)
        .show(ui);
    let response = output.response.response.clone().labelled_by(label_id);
    if response.gained_focus() {
        // Tabbing in selects the default ("tomorrow"), so typing "fri" replaces it.
        let mut state = output.state;
        state
            .cursor
            .set_char_range(Some(egui::text::CCursorRange::two(
                egui::text::CCursor::new(0),
                egui::text::CCursor::new(text.chars().count()),
            )));
        state.store(ui.ctx(), response.id);
    }
    let parsed = parse_date(text, today).ok();
    let state_id = ui.make_persistent_id(("calendar", id_salt));
    let mut state: CalendarState = ui.data(|d| d.get_temp(state_id)).unwrap_or_default();
    // Not a Tab stop: a click opens it; the keyboard has Alt+↓.
    let button = ui
        .add(egui::Button::new("📅").sense(egui::Sense::CLICK))
        .on_hover_text("Pick on a calendar (Alt+↓ in the field)");
    let alt_down = response.has_focus()
        && ui.input(|i| i.modifiers.alt && i.key_pressed(egui::Key::ArrowDown));
    if button.clicked() || alt_down {
        state.open = !state.open;
        state.month = Some(first_of_month(parsed.unwrap_or(today)));
    }
    if state.open {
        // Esc closes the calendar only, never the dialog behind it.
        if ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            state.open = false;
        } else if let Some(picked) = calendar_ui(ui, &button, &mut state, parsed, today) {
            *text = format_date(picked);
            state.open = false;
            response.request_focus();
        }
    }
    ui.data_mut(|d| d.insert_temp(state_id, state));
    match parse_date(text, today) {
        Ok(date) if text.trim() != format_date(date) => {
            ui.weak(date.format("%a %-d %b %Y").to_string());
        }
        Ok(_) => {}
        Err(_) if text.trim().is_empty() => {}
        Err(_) => {
            ui.colored_label(ui.visuals().error_fg_color, "?");
        }
    }
    response
}

/// The month grid under the button; returns the day clicked.
fn calendar_ui(
    ui: &egui::Ui,
    button: &egui::Response,
    state: &mut CalendarState,
    selected: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let month = state.month.unwrap_or_else(|| first_of_month(today));
    let mut picked = None;
    let area = egui::Area::new(button.id.with("calendar"))
        .kind(egui::UiKind::Picker)
        .order(egui::Order::Foreground)
        .fixed_pos(button.rect.left_bottom())
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .small_button("◀")
                        .on_hover_text("Previous month")
                        .clicked()
                    {
                        state.month = month.checked_sub_months(Months::new(1));
                    }
                    ui.strong(month.format("%B %Y").to_string());
                    if ui.small_button("▶").on_hover_text("Next month").clicked() {
                        state.month = month.checked_add_months(Months::new(1));
                    }
                });
                egui::Grid::new(button.id.with("days")).show(ui, |ui| {
                    for name in ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] {
                        ui.weak(name);
                    }
                    ui.end_row();
                    let lead = month.weekday().num_days_from_monday();
                    for _ in 0..lead {
                        ui.label("");
                    }
                    let mut day = month;
                    let mut column = lead;
                    while day.month() == month.month() {
                        let text = day.day().to_string();
                        let mut text = egui::RichText::new(text);
                        if day == today {
                            text = text.underline();
                        }
                        if ui.selectable_label(selected == Some(day), text).clicked() {
                            picked = Some(day);
                        }
                        column += 1;
                        if column == 7 {
                            ui.end_row();
                            column = 0;
                        }
                        match day.checked_add_days(Days::new(1)) {
                            Some(next) => day = next,
                            None => break,
                        }
                    }
                });
            });
        });
    if area.response.clicked_elsewhere() && !button.clicked() {
        state.open = false;
    }
    picked
}
