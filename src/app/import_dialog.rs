//! File → Import…: customers from a Google or Outlook CSV, any CSV (with a column-mapping
//! step), a vCard file, or Candor's own timeline export.

use std::path::PathBuf;

use super::file_picker::{FilePicker, PickKind};
use super::widgets::FormOutcome;
use crate::io::import::{
    CustomerField, ENCODING_CHOICES, ImportOptions, ImportPreview, ImportSummary, RowProblem,
    SourceFormat, preview_with,
};

/// The import dialog: choose a file, check the mapping, import, read the summary.
pub struct ImportDialog {
    pub path: String,
    pub preview: Option<ImportPreview>,
    pub merge_duplicates: bool,
    pub summary: Option<String>,
    pub error: Option<String>,
    /// The encoding chosen in the preview; `None` reads the file in the one detected.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// The person agreed to import only the rows before a quoted field that never closes.
    pub import_rows_before_runaway: bool,
    /// After the import: every row left out, with its line and reason.
    pub left_out: Vec<RowProblem>,
    /// The file the preview was read from: a chosen encoding belongs to that file only.
    previewed_path: Option<PathBuf>,
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
            encoding: None,
            import_rows_before_runaway: false,
            left_out: Vec::new(),
            previewed_path: None,
        }
    }

    /// The line before which to stop, when the file has a runaway quote and the person
    /// agreed to import the rows before it.
    pub fn agreed_stop_line(&self) -> Option<usize> {
        let runaway = self.preview.as_ref()?.runaway_quote?;
        self.import_rows_before_runaway.then_some(runaway.row_line)
    }

    /// The file to import.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(self.path.trim())
    }

    /// Reads the file's start and guesses the mapping.
    pub fn load_preview(&mut self) {
        let path = self.path();
        if self.previewed_path.as_ref() != Some(&path) {
            self.encoding = None;
            self.import_rows_before_runaway = false;
            self.previewed_path = Some(path);
        }
        let options = ImportOptions {
            encoding: self.encoding,
            ..ImportOptions::default()
        };
        match preview_with(&self.path(), &options) {
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
        let mut shown = vec![summary.counts_line()];
        shown.extend(summary.notes());
        self.summary = Some(shown.join("\n"));
        self.left_out.clone_from(&summary.left_out);
        self.error = None;
    }

    /// Draws the dialog. `Save` means "import now".
    pub fn ui(&mut self, ui: &mut egui::Ui, picker: &mut FilePicker) -> Option<FormOutcome> {
        if let Some(summary) = &self.summary {
            for line in summary.lines() {
                ui.label(line);
            }
            if !self.left_out.is_empty() {
                left_out_ui(ui, "Rows left out", &self.left_out);
            }
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
        let mut reload = false;
        if let Some(preview) = self.preview.as_mut() {
            ui.label(format!(
                "{}: {} rows.",
                preview.format.label(),
                preview.total_rows
            ));
            reload = encoding_ui(ui, preview, &mut self.encoding);
            if let Some(runaway) = preview.runaway_quote {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!(
                        "Line {} opens a quoted field that never closes, so every row after it would be swallowed: fix the quote on line {} (or remove it) and import again.",
                        runaway.line, runaway.line
                    ),
                );
                if runaway.rows_before > 0 {
                    ui.checkbox(
                        &mut self.import_rows_before_runaway,
                        format!(
                            "Import only the {} rows before line {}",
                            runaway.rows_before, runaway.row_line
                        ),
                    );
                }
            }
            let needs_mapping = !matches!(
                preview.format,
                SourceFormat::VCard | SourceFormat::CandorTimeline
            );
            if needs_mapping {
                mapping_ui(ui, preview);
            }
            if preview.empty_rows > 0 {
                ui.weak(format!(
                    "{} empty rows (every cell blank) will be skipped.",
                    preview.empty_rows
                ));
            }
            if !preview.problems.is_empty() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{} rows cannot be read and will be left out:",
                        preview.problems.len()
                    ),
                );
                left_out_ui(ui, "Rows that will be left out", &preview.problems);
            }
            ui.checkbox(
                &mut self.merge_duplicates,
                "Merge customers with the same email or phone",
            );
        }
        if reload {
            self.import_rows_before_runaway = false;
            self.load_preview();
        }
        super::widgets::save_cancel_ui(ui, "Import", self.error.as_deref())
    }
}

/// A readable name for an encoding in the choice list.
fn encoding_label(encoding: &'static encoding_rs::Encoding) -> String {
    let region = match encoding.name() {
        "windows-1252" => " (Western Europe, Americas)",
        "ISO-8859-15" => " (Latin-9)",
        "windows-1250" => " (Central Europe)",
        "windows-1251" => " (Cyrillic)",
        "macintosh" => " (Mac Roman)",
        "Shift_JIS" => " (Japanese)",
        "EUC-KR" => " (Korean)",
        "GBK" => " (Simplified Chinese)",
        "Big5" => " (Traditional Chinese)",
        _ => "",
    };
    format!("{}{region}", encoding.name())
}

/// The encoding the file was read in, changeable. True when the person chose another, so
/// the preview must be read again.
fn encoding_ui(
    ui: &mut egui::Ui,
    preview: &ImportPreview,
    chosen: &mut Option<&'static encoding_rs::Encoding>,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let mut selected = preview.encoding;
        egui::ComboBox::from_label("Encoding")
            .selected_text(encoding_label(preview.encoding))
            .show_ui(ui, |ui| {
                for encoding in ENCODING_CHOICES {
                    ui.selectable_value(&mut selected, *encoding, encoding_label(encoding));
                }
            });
        ui.weak(format!("({})", preview.how_detected.label()));
        if selected != preview.encoding {
            *chosen = Some(selected);
            changed = true;
        }
    });
    if preview.undecodable > 0 {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{} characters cannot be read as {}: choose the encoding the file was saved in.",
                preview.undecodable,
                preview.encoding.name()
            ),
        );
    }
    changed
}

/// Rows left out (or to be left out), with their line and reason, in a scrollable list.
fn left_out_ui(ui: &mut egui::Ui, id: &str, rows: &[RowProblem]) {
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(160.0)
        .show_rows(
            ui,
            ui.text_style_height(&egui::TextStyle::Body),
            rows.len(),
            |ui, range| {
                for problem in &rows[range] {
                    ui.label(format!("Line {}: {}", problem.line, problem.reason));
                }
            },
        );
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
