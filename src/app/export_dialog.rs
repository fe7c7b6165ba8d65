//! File → Export…: a CSV report for a spreadsheet.

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

use super::date_field::date_field_ui;
use super::file_picker::{FilePicker, PickKind};
use super::widgets::FormOutcome;
use crate::domain::ValidationError;
use crate::domain::dates::{format_date, parse_date};
use crate::io::export::{ExportOptions, Report, default_file_name};

/// The export dialog's fields.
#[derive(Debug, Clone)]
pub struct ExportDialog {
    pub report: Report,
    pub from: String,
    pub to: String,
    pub bom: bool,
    pub path: String,
    /// The file exists: replacing it needs a tick.
    pub replace: bool,
    pub error: Option<String>,
    /// Focus goes to the first field when the dialog (or its draft) shows.
    pub focus_pending: bool,
}

impl ExportDialog {
    /// The dialog with its defaults: the customers report of the last 30 days, beside the
    /// journal.
    /// A new export into `folder` (the last one used, or the Documents folder).
    pub fn new(folder: &Path, today: NaiveDate) -> Self {
        let from = today.checked_sub_days(Days::new(30)).unwrap_or(today);
        Self {
            report: Report::Customers,
            from: format_date(from),
            to: format_date(today),
            bom: true,
            path: folder
                .join(default_file_name(Report::Customers, today))
                .display()
                .to_string(),
            replace: false,
            error: None,
            focus_pending: true,
        }
    }

    /// Whether `other` holds the same choices (its error and focus aside): what tells a
    /// dialog someone changed from one only opened.
    pub fn same_choices(&self, other: &Self) -> bool {
        (
            self.report,
            &self.from,
            &self.to,
            self.bom,
            &self.path,
            self.replace,
        ) == (
            other.report,
            &other.from,
            &other.to,
            other.bom,
            &other.path,
            other.replace,
        )
    }

    /// The checked options and target file.
    pub fn request(
        &self,
        today: NaiveDate,
    ) -> Result<(Report, ExportOptions, PathBuf), ValidationError> {
        let from = parse_date(&self.from, today)
            .map_err(|e| ValidationError::new(format!("From: {}", e.0)))?;
        let to = parse_date(&self.to, today)
            .map_err(|e| ValidationError::new(format!("To: {}", e.0)))?;
        let path = PathBuf::from(self.path.trim());
        if self.path.trim().is_empty() {
            return Err(ValidationError::new(
                "Choose where to save the report: type a file name or use Browse….",
            ));
        }
        if path.exists() && !self.replace {
            return Err(ValidationError::new(format!(
                "{} already exists: tick \"Replace it\" to write over it, or choose another name.",
                path.display()
            )));
        }
        let options = ExportOptions {
            from: Some(from),
            to: Some(to),
            bom: self.bom,
        };
        Ok((self.report, options, path))
    }

    /// Draws the dialog.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        picker: &mut FilePicker,
        today: NaiveDate,
    ) -> Option<FormOutcome> {
        ui.horizontal(|ui| {
            ui.label("Report");
            for report in Report::ALL {
                let button = ui.selectable_value(&mut self.report, *report, report.label());
                if self.report == *report {
                    super::widgets::focus_first(&button, &mut self.focus_pending);
                }
                if button.clicked() {
                    let path = PathBuf::from(self.path.trim());
                    let folder = path.parent().unwrap_or(Path::new(""));
                    self.path = folder
                        .join(default_file_name(*report, today))
                        .display()
                        .to_string();
                }
            }
        });
        if self.report.uses_period() {
            date_field_ui(ui, "From", &mut self.from, today, "export_from");
            date_field_ui(ui, "To", &mut self.to, today, "export_to");
        } else {
            ui.weak("Today's list, as the panel shows it.");
        }
        ui.checkbox(
            &mut self.bom,
            "Excel-friendly (UTF-8 with a byte-order mark)",
        );
        ui.horizontal(|ui| {
            let id = ui.label("Save to file").id;
            ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(320.0))
                .labelled_by(id);
            if ui
                .add_enabled(!picker.is_open(), egui::Button::new("Browse…"))
                .clicked()
            {
                let name = default_file_name(self.report, today);
                picker.start(PickKind::Save, "Export report", &name, &["csv"]);
            }
        });
        if Path::new(self.path.trim()).exists() {
            ui.checkbox(&mut self.replace, "Replace it (the file already exists)");
        }
        super::widgets::save_cancel_ui(ui, "Export", self.error.as_deref())
    }
}
