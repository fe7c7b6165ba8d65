//! A date typed as text ("2026-03-01", "today", "tomorrow", "+3d", "fri") with a calendar
//! button beside it. The domain uses chrono; egui_extras' picker takes jiff, so the two
//! meet only here.

use chrono::{Datelike as _, NaiveDate};

use crate::domain::dates::{format_date, parse_date};

fn to_jiff(date: NaiveDate) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(
        i16::try_from(date.year()).ok()?,
        i8::try_from(date.month()).ok()?,
        i8::try_from(date.day()).ok()?,
    )
    .ok()
}

fn from_jiff(date: jiff::civil::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::try_from(date.month()).ok()?,
        u32::try_from(date.day()).ok()?,
    )
}

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

/// The text field, calendar button and hint, named by the label `label_id`.
fn date_input_ui(
    ui: &mut egui::Ui,
    label_id: egui::Id,
    text: &mut String,
    today: NaiveDate,
    id_salt: &str,
) -> egui::Response {
    let response = ui
        .add(
            egui::TextEdit::singleline(text)
                .desired_width(110.0)
                .hint_text("YYYY-MM-DD")
                .id_salt(id_salt),
        )
        .labelled_by(label_id);
    let parsed = parse_date(text, today);
    let mut picked = parsed
        .as_ref()
        .ok()
        .and_then(|d| to_jiff(*d))
        .or_else(|| to_jiff(today));
    if let Some(date) = picked.as_mut() {
        let before = *date;
        ui.add(
            egui_extras::DatePickerButton::new(date)
                .id_salt(id_salt)
                .show_icon(false)
                .calendar_week(false)
                .format("Pick…"),
        );
        if *date != before
            && let Some(date) = from_jiff(*date)
        {
            *text = format_date(date);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_cross_between_chrono_and_jiff_unchanged() {
        let date = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        assert_eq!(to_jiff(date).and_then(from_jiff), Some(date));
    }
}
