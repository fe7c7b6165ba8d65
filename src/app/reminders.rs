//! Desktop reminders while Candor runs: the morning summary and nudges before timed items,
//! decided by [`crate::domain::reminders::due_notifications`] and shown through a
//! [`Notifier`]. Where the platform has no notification service (a bare Linux session,
//! CI under Xvfb) the reminder shows as a banner in the window instead — never an error.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::domain::reminders::{Notification, SentReminders};

/// Shows a desktop notification. Behind a trait so tests use a fake and never touch the
/// desktop.
pub trait Notifier: Send + Sync {
    /// Shows it, or says why it could not be shown (one sentence).
    fn show(&self, title: &str, body: &str) -> Result<(), String>;
}

/// The platform's notifications, through `notify-rust` (D-Bus on Linux and BSD,
/// Notification Center on macOS, toast notifications on Windows).
pub struct DesktopNotifier;

impl Notifier for DesktopNotifier {
    fn show(&self, title: &str, body: &str) -> Result<(), String> {
        notify_rust::Notification::new()
            .appname("Candor")
            .summary(title)
            .body(body)
            .show()
            .map(|_| ())
            .map_err(|e| format!("no desktop notification service answered ({e})"))
    }
}

/// No desktop notifications: every reminder goes to the in-app banner. The default until
/// the app is started for real, so tests never reach the desktop.
pub struct BannerOnly;

impl Notifier for BannerOnly {
    fn show(&self, _title: &str, _body: &str) -> Result<(), String> {
        Err("desktop notifications are not used here".to_owned())
    }
}

/// A reminder that could not be shown on the desktop, for the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub title: String,
    pub body: String,
}

/// The session's reminder state.
pub struct ReminderState {
    pub notifier: Arc<dyn Notifier>,
    /// What was sent this session.
    pub sent: SentReminders,
    /// Reminders waiting to be seen in the window.
    pub banners: Vec<Banner>,
    /// When (egui time, seconds) the schedule was last checked.
    pub last_check_secs: Option<f64>,
    pending: Vec<(Banner, Receiver<Result<(), String>>)>,
}

impl ReminderState {
    /// Reminders through `notifier`.
    pub fn new(notifier: Arc<dyn Notifier>) -> Self {
        Self {
            notifier,
            sent: SentReminders::default(),
            banners: Vec::new(),
            last_check_secs: None,
            pending: Vec::new(),
        }
    }

    /// Shows a notification on a thread of its own (a notification service that is slow to
    /// answer must not freeze the window); if it fails, it becomes a banner.
    pub fn show(&mut self, notification: &Notification) {
        let banner = Banner {
            title: notification.title.clone(),
            body: notification.body.clone(),
        };
        let (sender, receiver) = channel();
        let notifier = Arc::clone(&self.notifier);
        let (title, body) = (banner.title.clone(), banner.body.clone());
        let spawned = std::thread::Builder::new()
            .name("notification".into())
            .spawn(move || {
                let _ = sender.send(notifier.show(&title, &body));
            });
        match spawned {
            Ok(_) => self.pending.push((banner, receiver)),
            Err(_) => self.banners.push(banner),
        }
    }

    /// Collects the answers of notifications under way; true while some are still out.
    pub fn poll(&mut self) -> bool {
        let mut still_out = Vec::new();
        for (banner, receiver) in self.pending.drain(..) {
            match receiver.try_recv() {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(TryRecvError::Disconnected) => self.banners.push(banner),
                Err(TryRecvError::Empty) => still_out.push((banner, receiver)),
            }
        }
        self.pending = still_out;
        !self.pending.is_empty()
    }
}
