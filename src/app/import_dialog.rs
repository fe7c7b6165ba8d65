//! File → Import…: customers from a Google or Outlook CSV, any CSV (with a column-mapping
//! step), a vCard file, or Candor's own timeline export.

use std::path::PathBuf;

use super::entry_form::FormOutcome;
use super::file_picker::{FilePicker, PickKind};
use crate::io::import::{CustomerField, ImportPreview, ImportSummary, SourceFormat, preview};

/// The import dialog: choose a file, check the mapping, import, read the summary.
pub struct ImportDialog {
    pub path: String,
    pub preview: Option<ImportPreview>,
    pub merge_duplicates: bool,
    pub summary: Option<String>,
    pub error: Option<String>,
}

impl ImportDialog {
    /// An empty dialog.
    pub fn new() -> Self {
        Self {
            path: String::new(),
            preview: None,
            merge_duplicates: false,
            summary: None,
            error: None,
        }
    }

    /// The file to import.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(self.path.trim())
    }

    /// Reads the file's start and guesses the mapping.
    pub fn load_preview(&mut self) {
        match preview(&self.path()) {
            Ok(preview) => {
                self.preview = Some(preview);
                self.error = None;
            }
            Err(error) => {
                self.preview = None;
                self.error = Some(error.to_string());
            }
        }
    }

    /// Records what an import did, to show before closing.
    pub fn finished(&mut self, summary: &ImportSummary) {
        self.summary = Some(summary.to_string());
        self.error = None;
    }

    /// Draws the dialog. `Save` means "import now".
    pub fn ui(&mut self, ui: &mut egui::Ui, picker: &mut FilePicker) -> Option<FormOutcome> {
        if let Some(summary) = &self.summary {
            ui.label(summary.trim_end());
            return ui.button("Close").clicked().then_some(FormOutcome::Cancel);
        }
        ui.horizontal(|ui| {
            let id = ui.label("File to import").id;
            let field = ui
                .add(egui::TextEdit::singleline(&mut self.path).desired_width(320.0))
                .labelled_by(id);
            if field.lost_focus() && !self.path.trim().is_empty() {
                self.load_preview();
            }
            if ui
                .add_enabled(!picker.is_open(), egui::Button::new("Browse…"))
                .clicked()
            {
                picker.start(PickKind::Open, "Import customers", "", &["csv", "vcf"]);
            }
            if ui.button("Preview").clicked() {
                self.load_preview();
            }
        });
        if let Some(preview) = self.preview.as_mut() {
            ui.label(format!(
                "{}: {} rows.",
                preview.format.label(),
                preview.total_rows
            ));
            let needs_mapping = !matches!(
                preview.format,
                SourceFormat::VCard | SourceFormat::CandorTimeline
            );
            if needs_mapping {
                mapping_ui(ui, preview);
            }
            if !preview.problems.is_empty() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{} rows cannot be read and will be listed after the import.",
                        preview.problems.len()
                    ),
                );
            }
            ui.checkbox(
                &mut self.merge_duplicates,
                "Merge customers with the same email or phone",
            );
        }
        super::dialogs::save_cancel_ui(ui, "Import", self.error.as_deref())
    }
}

fn mapping_ui(ui: &mut egui::Ui, preview: &mut ImportPreview) {
    ui.label("Which column fills which field:");
    egui::Grid::new("import_mapping")
        .num_columns(2)
        .show(ui, |ui| {
            for field in CustomerField::ALL {
                let current = preview.mapping.get(*field).first().copied();
                let mut chosen = current;
                let shown = |column: Option<usize>| match column {
                    Some(i) => preview.headers.get(i).cloned().unwrap_or_default(),
                    None => "(none)".to_owned(),
                };
                egui::ComboBox::from_label(field.label())
                    .selected_text(shown(current))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut chosen, None, "(none)");
                        for (i, header) in preview.headers.iter().enumerate() {
                            ui.selectable_value(&mut chosen, Some(i), header);
                        }
                    });
                if chosen != current {
                    preview.mapping.set(*field, chosen);
                }
                let sample = current
                    .and_then(|i| preview.rows.first().and_then(|row| row.get(i)))
                    .cloned()
                    .unwrap_or_default();
                ui.weak(sample);
                ui.end_row();
            }
        });
}
