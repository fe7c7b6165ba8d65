//! File → Import…: customers from a Google or Outlook CSV, any CSV (with a column-mapping
//! step), a vCard file, or Candor's own timeline export.

use std::path::PathBuf;

use super::file_picker::{FilePicker, PickKind};
use super::widgets::FormOutcome;
use crate::io::import::{
    ColumnMapping, CustomerField, ENCODING_CHOICES, ImportOptions, ImportPreview, ImportSummary,
    MappedCustomer, RowProblem, SourceFormat, UnmappedColumn, preview_customers, preview_with,
};

/// How many rows the mapping step shows as customers.
const SHOWN_ROWS: usize = 5;

/// How many "add to the notes" choices fit before they scroll.
const CHOICES_UNSCROLLED: usize = 6;

/// What the mapping step shows for a mapping, worked out once and kept until the mapping
/// changes: what the first rows become and what happens to the other columns.
struct ShownRows {
    mapping: ColumnMapping,
    rows: Vec<Result<MappedCustomer, String>>,
    choices: Vec<(UnmappedColumn, bool)>,
    not_imported: Vec<UnmappedColumn>,
    duplicates: Vec<String>,
}

impl ShownRows {
    fn new(preview: &ImportPreview) -> Self {
        let shown = &preview.rows[..preview.rows.len().min(SHOWN_ROWS)];
        Self {
            mapping: preview.mapping.clone(),
            rows: preview_customers(shown, &preview.mapping),
            choices: preview.note_choices(),
            not_imported: preview.columns_not_imported(),
            duplicates: preview.duplicate_headers(),
        }
    }
}

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
    /// Boxed: kept small, as every dialog lives in one enum.
    shown: Option<Box<ShownRows>>,
    /// Focus goes to the first field when the dialog (or its draft) shows.
    pub focus_pending: bool,
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
            shown: None,
            focus_pending: true,
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
        self.shown = None;
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
            super::widgets::focus_first(&field, &mut self.focus_pending);
            // Leaving the field previews a file newly typed; the same file keeps its preview
            // (Preview reads it again), so the dialog does not jump under the pointer.
            let previewed = self.preview.is_some() && self.previewed_path == Some(self.path());
            if field.lost_focus() && !self.path.trim().is_empty() && !previewed {
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
                // No scroll area around the whole step: inside a modal it settles its size over
                // many frames, and the dialog would creep up the screen.
                ui.scope(|ui| {
                    let stale = self
                        .shown
                        .as_ref()
                        .is_none_or(|shown| shown.mapping != preview.mapping);
                    if stale {
                        self.shown = Some(Box::new(ShownRows::new(preview)));
                    }
                    if let Some(shown) = &self.shown {
                        rows_ui(ui, &shown.rows);
                        columns_ui(ui, shown, &mut preview.mapping);
                    }
                    ui.add_space(6.0);
                    // A recognised program's mapping rarely needs changing.
                    egui::CollapsingHeader::new("Which column fills which field")
                        .default_open(preview.format == SourceFormat::GenericCsv)
                        .show(ui, |ui| mapping_ui(ui, preview));
                });
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
                // Outlook's phones fill one field from several columns: say so.
                let selected = match preview.mapping.get(*field).len() {
                    0 | 1 => shown(current),
                    n => format!("{} + {} more", shown(current), n - 1),
                };
                egui::ComboBox::from_label(field.label())
                    .selected_text(selected)
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

/// What the first rows become: the customer, flagged when the name was made from something
/// else, or why the row would be left out.
fn rows_ui(ui: &mut egui::Ui, rows: &[Result<MappedCustomer, String>]) {
    if rows.is_empty() {
        return;
    }
    ui.label(format!("The first {} rows become:", rows.len()));
    for (i, row) in rows.iter().enumerate() {
        match row {
            Ok(mapped) => {
                let c = &mapped.customer;
                let details: Vec<&str> = [c.company.as_str(), c.phone.as_str(), c.email.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                let text = if details.is_empty() {
                    c.name.clone()
                } else {
                    format!("{} · {}", c.name, details.join(" · "))
                };
                ui.horizontal_wrapped(|ui| {
                    ui.label(text);
                    if let Some(source) = mapped.named_from {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            format!("(name made from the {source})"),
                        );
                    }
                });
            }
            Err(reason) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Row {} is left out: {reason}.", i + 1),
                );
            }
        }
    }
}

/// The columns that fill no field, with a choice to keep each in the notes; Outlook's
/// bookkeeping columns and empty columns in one line each; headers the file has twice.
fn columns_ui(ui: &mut egui::Ui, shown: &ShownRows, mapping: &mut ColumnMapping) {
    let choices = &shown.choices;
    let not_imported = &shown.not_imported;
    let left_out: Vec<String> = choices
        .iter()
        .filter(|(_, to_notes)| !to_notes)
        .map(|(column, _)| column.describe())
        .collect();
    if !left_out.is_empty() {
        ui.add_space(6.0);
        ui.label(format!("Not imported: {}.", left_out.join(", ")));
    }
    let mut choices_ui = |ui: &mut egui::Ui| {
        for (column, to_notes) in choices {
            let mut add = *to_notes;
            let label = format!("Add {} to the notes", column.describe());
            if ui.checkbox(&mut add, label).changed() {
                mapping.set_to_notes(column.column, add);
            }
        }
    };
    if choices.len() > CHOICES_UNSCROLLED {
        // A fixed height: a scroll area that fits its content keeps resizing in a modal.
        let height = 23.0 * CHOICES_UNSCROLLED as f32;
        egui::ScrollArea::vertical()
            .id_salt("import_note_choices")
            .min_scrolled_height(height)
            .max_height(height)
            .show(ui, choices_ui);
    } else {
        choices_ui(ui);
    }
    let technical: Vec<&str> = not_imported
        .iter()
        .filter(|c| c.technical && c.values > 0)
        .map(|c| c.header.as_str())
        .collect();
    if !technical.is_empty() {
        ui.weak(format!(
            "Outlook's own bookkeeping columns are not imported either: {}.",
            technical.join(", ")
        ));
    }
    let empty = not_imported.iter().filter(|c| c.values == 0).count();
    if empty > 0 {
        ui.weak(match empty {
            1 => "1 empty column is left out.".to_owned(),
            n => format!("{n} empty columns are left out."),
        });
    }
    for duplicate in &shown.duplicates {
        ui.colored_label(ui.visuals().warn_fg_color, duplicate);
    }
}
