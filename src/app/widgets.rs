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
