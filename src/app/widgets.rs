//! The pieces every dialog shares: the save/cancel row, Enter and Esc, labelled fields.
//! Dialogs import this module; it imports none of them, so the arrows point one way.

/// What the form returns when drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Save,
    Cancel,
}

/// Enter saves (Shift+Enter is left to multi-line fields) and Esc cancels.
pub(super) fn enter_or_escape(ui: &egui::Ui) -> Option<FormOutcome> {
    ui.input(|i| {
        if i.key_pressed(egui::Key::Escape) {
            Some(FormOutcome::Cancel)
        } else if i.key_pressed(egui::Key::Enter) && !i.modifiers.shift {
            Some(FormOutcome::Save)
        } else {
            None
        }
    })
}

/// The error of the last attempt, then the save and cancel buttons; Enter and Esc work too.
pub(super) fn save_cancel_ui(
    ui: &mut egui::Ui,
    save_label: &str,
    error: Option<&str>,
) -> Option<FormOutcome> {
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let mut outcome = None;
    ui.horizontal(|ui| {
        if ui.button(save_label).clicked() {
            outcome = Some(FormOutcome::Save);
        }
        if ui.button("Cancel").clicked() {
            outcome = Some(FormOutcome::Cancel);
        }
    });
    outcome.or_else(|| enter_or_escape(ui))
}

/// One labelled single-line field in a two-column grid; `focus` puts the cursor in it when
/// nothing else has focus (the first field of a dialog).
pub(super) fn field(ui: &mut egui::Ui, label: &str, text: &mut String, focus: bool) {
    let id = ui.label(label).id;
    let response = ui
        .add(egui::TextEdit::singleline(text).desired_width(280.0))
        .labelled_by(id);
    if focus && ui.memory(|m| m.focused().is_none()) {
        response.request_focus();
    }
    ui.end_row();
}

/// Puts keyboard focus on `response` on the first frame a dialog shows (`pending` is then
/// cleared), so typing goes to the first field without a click.
pub(super) fn focus_first(response: &egui::Response, pending: &mut bool) {
    if std::mem::take(pending) {
        response.request_focus();
    }
}

/// Takes ↑/↓ for the focused row `id` (egui would move focus by itself otherwise) and says
/// which way to move the selection.
pub(super) fn arrow_keys(ui: &egui::Ui, id: egui::Id, step: &mut Option<isize>) {
    ui.memory_mut(|m| {
        m.set_focus_lock_filter(
            id,
            egui::EventFilter {
                vertical_arrows: true,
                ..Default::default()
            },
        )
    });
    ui.input(|i| {
        if i.key_pressed(egui::Key::ArrowDown) {
            *step = Some(1);
        } else if i.key_pressed(egui::Key::ArrowUp) {
            *step = Some(-1);
        }
    });
}

/// `text` cut to one line of `max_width` points with "…", as `font` would draw it (the
/// whole text when it fits). For rows that must keep their height however long a name is.
pub(super) fn elide(ui: &egui::Ui, text: &str, font: egui::FontId, max_width: f32) -> String {
    let width = |candidate: &str| {
        let job = egui::text::LayoutJob::simple_singleline(
            candidate.to_owned(),
            font.clone(),
            egui::Color32::PLACEHOLDER,
        );
        ui.ctx().fonts_mut(|fonts| fonts.layout_job(job)).size().x
    };
    if width(text) <= max_width {
        return text.to_owned();
    }
    // The longest prefix that fits with "…", by halving (a few layouts per visible row).
    let ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let (mut fits, mut too_long) = (0, ends.len());
    while too_long - fits > 1 {
        let middle = (fits + too_long) / 2;
        let candidate = format!("{}…", text[..ends[middle]].trim_end());
        if width(&candidate) <= max_width {
            fits = middle;
        } else {
            too_long = middle;
        }
    }
    format!("{}…", text[..ends[fits]].trim_end())
}

/// The icon and colour of a status word (OVERDUE, BROKEN, AT RISK, KEPT, OPEN), the same
/// everywhere it appears; `None` for text that starts with none of them.
pub(super) fn status_mark(status: &str, dark_mode: bool) -> Option<(&'static str, egui::Color32)> {
    use egui::Color32;
    let pick = |dark: Color32, light: Color32| if dark_mode { dark } else { light };
    let red = pick(
        Color32::from_rgb(255, 110, 100),
        Color32::from_rgb(190, 30, 30),
    );
    let orange = pick(
        Color32::from_rgb(255, 170, 60),
        Color32::from_rgb(170, 90, 0),
    );
    let green = pick(
        Color32::from_rgb(110, 210, 120),
        Color32::from_rgb(20, 130, 50),
    );
    let word = status.split([' ', ',']).next().unwrap_or_default();
    Some(match word {
        "OVERDUE" => ("⚠", red),
        "BROKEN" => ("✖", red),
        "AT" if status.starts_with("AT RISK") => ("⚠", orange),
        "OPEN" => ("●", orange),
        "KEPT" => ("✔", green),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::status_mark;

    #[test]
    fn every_status_word_has_an_icon_and_one_colour_per_meaning() {
        let (overdue, broken, at_risk, kept) = (
            status_mark("OVERDUE 3 d (due 2026-11-17)", true),
            status_mark("BROKEN 2026-11-18", true),
            status_mark("AT RISK, due 2026-11-22", true),
            status_mark("KEPT 2026-11-19", true),
        );
        for mark in [overdue, broken, at_risk, kept] {
            assert!(mark.is_some_and(|(icon, _)| !icon.is_empty()));
        }
        assert_eq!(overdue.map(|m| m.1), broken.map(|m| m.1), "bad news is red");
        assert_ne!(at_risk.map(|m| m.1), kept.map(|m| m.1));
        assert_eq!(status_mark("due 2026-11-22", true), None);
    }
}
