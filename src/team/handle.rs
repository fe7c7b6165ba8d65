//! The app's one way to the team database: a background thread that syncs on request,
//! after each change and every minute, so the UI never waits for the network.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{TeamAddress, TeamConnection, TeamError};
use crate::store::Store;

/// How often the background thread syncs without being asked.
pub const SYNC_EVERY: Duration = Duration::from_secs(60);

/// What the status bar says about syncing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// Not synced yet since the app started.
    Starting,
    /// A sync is running.
    Syncing,
    /// The last sync succeeded at this moment.
    Synced { at: Instant },
    /// The server could not be reached; this many changes wait to be sent.
    Offline { waiting: u64 },
    /// The last sync failed for another reason (one sentence).
    Failed { reason: String },
}

impl SyncState {
    /// The status-bar text, as of `now`.
    pub fn describe(&self, now: Instant) -> String {
        match self {
            Self::Starting => "Not synced yet".to_owned(),
            Self::Syncing => "Syncing…".to_owned(),
            Self::Synced { at } => {
                let minutes = now.saturating_duration_since(*at).as_secs() / 60;
                match minutes {
                    0 => "Synced just now".to_owned(),
                    1 => "Synced 1 min ago".to_owned(),
                    m if m < 120 => format!("Synced {m} min ago"),
                    m => format!("Synced {} h ago", m / 60),
                }
            }
            Self::Offline { waiting: 1 } => "Offline — 1 change waiting".to_owned(),
            Self::Offline { waiting } => format!("Offline — {waiting} changes waiting"),
            Self::Failed { reason } => format!("Sync failed: {reason}"),
        }
    }
}

enum Request {
    SyncNow,
    Stop,
}

/// A running background sync for one journal and one team address.
pub struct SyncHandle {
    requests: mpsc::Sender<Request>,
    state: Arc<Mutex<SyncState>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHandle")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SyncHandle {
    /// Starts syncing `journal` with the team at `address` (password from the keychain or
    /// password file); `changed` is called whenever the state changes (e.g. to repaint).
    pub fn start(
        journal: PathBuf,
        address: TeamAddress,
        changed: impl Fn() + Send + 'static,
    ) -> Self {
        let (requests, inbox) = mpsc::channel();
        let state = Arc::new(Mutex::new(SyncState::Starting));
        let shared = Arc::clone(&state);
        let set = move |new: SyncState| {
            *shared.lock().unwrap_or_else(PoisonError::into_inner) = new;
            changed();
        };
        let thread = std::thread::Builder::new()
            .name("candor-sync".to_owned())
            .spawn(move || {
                loop {
                    set(SyncState::Syncing);
                    set(sync_once(&journal, &address));
                    match inbox.recv_timeout(SYNC_EVERY) {
                        Ok(Request::SyncNow) | Err(RecvTimeoutError::Timeout) => {
                            // Several requests queued while syncing need one sync only.
                            while let Ok(request) = inbox.try_recv() {
                                if matches!(request, Request::Stop) {
                                    return;
                                }
                            }
                        }
                        Ok(Request::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .ok();
        Self {
            requests,
            state,
            thread,
        }
    }

    /// Asks for a sync soon (after a change).
    pub fn request_sync(&self) {
        let _ = self.requests.send(Request::SyncNow);
    }

    /// The current state.
    pub fn state(&self) -> SyncState {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        let _ = self.requests.send(Request::Stop);
        // A sync in progress finishes its batch; the app does not wait for it.
        drop(self.thread.take());
    }
}

fn sync_once(journal: &std::path::Path, address: &TeamAddress) -> SyncState {
    let waiting = || {
        Store::open(journal)
            .and_then(|store| store.sync_waiting_count())
            .unwrap_or(0)
    };
    let result = Store::open(journal)
        .map_err(TeamError::from)
        .and_then(|mut store| {
            let mut connection = TeamConnection::open(address, None)?;
            connection.sync(&mut store, now_ms(), &mut |_| {})
        });
    match result {
        Ok(_) => SyncState::Synced { at: Instant::now() },
        Err(TeamError::Unreachable { .. }) => SyncState::Offline { waiting: waiting() },
        Err(e) => SyncState::Failed {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_bar_says_when_and_what_waits() {
        let at = Instant::now();
        let now = at + Duration::from_secs(2 * 60 + 5);
        assert_eq!(SyncState::Synced { at }.describe(now), "Synced 2 min ago");
        assert_eq!(
            SyncState::Offline { waiting: 14 }.describe(now),
            "Offline — 14 changes waiting"
        );
        assert_eq!(
            SyncState::Failed {
                reason: "The team database refused the login ann.".to_owned()
            }
            .describe(now),
            "Sync failed: The team database refused the login ann."
        );
    }
}
