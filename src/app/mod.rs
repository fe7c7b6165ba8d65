//! The desktop app.

use std::path::PathBuf;

/// Opens the desktop window on the journal at `path`.
pub fn run(path: PathBuf) -> anyhow::Result<()> {
    let title = format!("Candor — {}", path.display());
    eframe::run_ui_native(
        &title,
        eframe::NativeOptions::default(),
        move |ui, _frame| {
            ui.label(format!("Journal: {}", path.display()));
        },
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))
}
