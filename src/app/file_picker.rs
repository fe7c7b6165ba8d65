//! Native file dialogs (rfd) on a background thread, so the window never freezes. Every
//! dialog that asks for a file also has a path field, which is all there is where no
//! native dialog exists (e.g. Linux without a desktop portal, where rfd returns at once).

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// What the native dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickKind {
    /// Choose an existing file to open.
    Open,
    /// Choose where to save a new file.
    Save,
}

/// A native dialog that may be open.
#[derive(Default)]
pub struct FilePicker {
    pending: Option<Receiver<Option<PathBuf>>>,
    /// The folder the next native dialog opens in.
    pub start_folder: Option<PathBuf>,
}

impl FilePicker {
    /// Opens the native dialog on a thread; the answer arrives through [`Self::poll`].
    pub fn start(&mut self, kind: PickKind, title: &str, file_name: &str, extensions: &[&str]) {
        let (sender, receiver) = channel();
        let title = title.to_owned();
        let file_name = file_name.to_owned();
        let extensions: Vec<String> = extensions.iter().map(|e| (*e).to_owned()).collect();
        let start_folder = self.start_folder.clone();
        let spawned = std::thread::Builder::new()
            .name("file-dialog".into())
            .spawn(move || {
                let mut dialog = rfd::FileDialog::new().set_title(&title);
                if let Some(folder) = start_folder.filter(|f| f.is_dir()) {
                    dialog = dialog.set_directory(folder);
                }
                if !extensions.is_empty() {
                    dialog = dialog.add_filter("Candor files", &extensions);
                }
                let picked = match kind {
                    PickKind::Open => dialog.pick_file(),
                    PickKind::Save => dialog.set_file_name(&file_name).save_file(),
                };
                let _ = sender.send(picked);
            });
        if spawned.is_ok() {
            self.pending = Some(receiver);
        }
    }

    /// True while a native dialog is open.
    pub fn is_open(&self) -> bool {
        self.pending.is_some()
    }

    /// The chosen path once the dialog closed with one.
    pub fn poll(&mut self) -> Option<PathBuf> {
        let receiver = self.pending.as_ref()?;
        match receiver.try_recv() {
            Ok(picked) => {
                self.pending = None;
                picked
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.pending = None;
                None
            }
        }
    }
}
