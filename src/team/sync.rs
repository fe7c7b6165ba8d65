//! `sync`: push the journal's sealed events, then pull and apply what others changed.
//!
//! Both directions go in batches, each its own transaction on both sides, so a first sync
//! of a million entries runs in bounded memory and resumes where a kill stopped it: a
//! pushed batch is forgotten locally only after the server committed it (a batch sent
//! twice is ignored the second time: event ids are the primary key), and the pull cursor
//! moves in the same local transaction that applies the batch.

use crate::store::ownership::TeamRep;
use crate::store::sync::{IncomingEvent, OutgoingEvent};
use crate::store::{Store, UploadPosition};

use super::{TeamError, schema};

/// Events per pulled batch: big enough to be quick, small enough for bounded memory.
pub const BATCH: usize = 2_000;

/// Events per pushed batch: each batch is one server transaction (a commit, its summary
/// refresh, an fsync), so fewer, larger ones upload a journal faster; memory stays bounded
/// (a few megabytes of JSON).
pub const PUSH_BATCH: usize = 5_000;

/// How often a long push marks what the server has in the journal.
const MARK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The advisory lock that serialises pushes, so that the server's sequence numbers are
/// handed out in commit order and a puller never steps over an uncommitted event.
const PUSH_LOCK: i64 = 4_242_002;

/// What a sync moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Events this device sent.
    pub sent: u64,
    /// Events from other devices applied here.
    pub received: u64,
    /// Fields where two changes competed and the pulled one lost (kept in the history).
    pub conflicts: u64,
    /// Pulled events that could not be applied.
    pub skipped: u64,
    /// Local changes to customers now owned by someone else, which the server would refuse:
    /// not sent (they stay in this journal only).
    pub refused: u64,
}

impl std::fmt::Display for SyncReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{} sent, {} received, {}",
            plural(self.sent, "change", "changes"),
            self.received,
            plural(self.conflicts, "conflict", "conflicts")
        )?;
        if self.skipped > 0 {
            write!(f, ", {} could not be applied", self.skipped)?;
        }
        if self.refused > 0 {
            write!(
                f,
                ", {} not sent (customers handed over to another rep)",
                self.refused
            )?;
        }
        Ok(())
    }
}

/// Progress of a long sync, for a progress line or the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProgress {
    /// `done` of `total` local changes sent so far.
    Sending { done: u64, total: u64 },
    /// Events received so far.
    Receiving { done: u64 },
}

/// Checks the schema and returns the team's id.
pub fn check_schema(client: &mut postgres::Client) -> Result<(i32, String), postgres::Error> {
    let mut tx = client.transaction()?;
    let found = schema::version(&mut tx)?;
    if found == 0 || found > schema::TEAM_SCHEMA_VERSION {
        return Ok((found, String::new()));
    }
    let team: String = tx
        .query_one("SELECT team_id::text FROM candor.team LIMIT 1", &[])?
        .get(0);
    tx.commit()?;
    Ok((found, team))
}

/// Sends one batch in one server transaction; returns how many were new to the server and
/// how many were left out because their customer belongs to someone else now (a handover
/// the journal had not heard of when the change was made): the server would refuse them,
/// and one refused event must not block every later sync.
pub fn push_batch(
    client: &mut postgres::Client,
    device_id: &str,
    batch: &[OutgoingEvent],
) -> Result<(u64, u64), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUSH_LOCK])?;
    let mut customers: Vec<&str> = batch
        .iter()
        .map(|e| e.customer_gid.as_str())
        .filter(|gid| !gid.is_empty())
        .collect();
    customers.sort_unstable();
    customers.dedup();
    // Existing customers this login may not write (an invisible one is someone else's too).
    // The ids arrive as uuid (one cast of the whole array): `c.gid = g` then compares two
    // uuids, which row-level security lets use the primary key; a cast per row is not
    // leak-proof and made it a scan of every visible customer per id.
    let refused: Vec<String> = tx
        .query(
            "SELECT g::text FROM unnest($1::text[]::uuid[]) AS g \
             WHERE candor.customer_exists(g) AND NOT EXISTS ( \
                 SELECT 1 FROM candor.customers c WHERE c.gid = g \
                   AND (c.owner_login = current_user OR EXISTS ( \
                        SELECT 1 FROM candor.customer_shares s \
                        WHERE s.customer_gid = c.gid AND s.login = current_user)))",
            &[&customers],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let kept: Vec<&OutgoingEvent> = batch
        .iter()
        .filter(|e| !refused.contains(&e.customer_gid))
        .collect();
    let left_out = (batch.len() - kept.len()) as u64;
    let batch = kept;
    let column =
        |get: fn(&OutgoingEvent) -> &str| -> Vec<&str> { batch.iter().map(|e| get(e)).collect() };
    let ids = column(|e| &e.id);
    let hlcs = column(|e| &e.hlc);
    let entities = column(|e| &e.entity);
    let entity_gids = column(|e| &e.entity_gid);
    let customer_gids = column(|e| &e.customer_gid);
    let ops = column(|e| &e.op);
    let payloads = column(|e| &e.payload);
    let inserted = tx.execute(
        "INSERT INTO candor.events (id, device_id, hlc, entity, entity_gid, customer_gid, op, payload) \
         SELECT t.id::uuid, $1, t.hlc, t.entity, t.entity_gid::uuid, NULLIF(t.customer_gid, '')::uuid, t.op, \
                t.payload::jsonb \
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) \
              WITH ORDINALITY AS t(id, hlc, entity, entity_gid, customer_gid, op, payload, n) \
         ORDER BY t.n \
         ON CONFLICT (id) DO NOTHING",
        &[
            &device_id,
            &ids,
            &hlcs,
            &entities,
            &entity_gids,
            &customer_gids,
            &ops,
            &payloads,
        ],
    )?;
    tx.commit()?;
    Ok((inserted, left_out))
}

/// Reads up to `limit` events after `cursor` that this login may see, in sequence order.
pub fn pull_batch(
    client: &mut postgres::Client,
    cursor: i64,
    limit: usize,
) -> Result<Vec<IncomingEvent>, postgres::Error> {
    let rows = client.query(
        "SELECT seq, id::text, device_id, author, hlc, entity, entity_gid::text, op, payload::text \
         FROM candor.events WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&cursor, &(limit as i64)],
    )?;
    Ok(incoming(&rows))
}

/// One window of the pull: the events after a cursor, without this device's own.
#[derive(Debug, Default)]
pub struct PulledWindow {
    /// Other devices' events of the window, in sequence order.
    pub events: Vec<IncomingEvent>,
    /// The window's last sequence number (the next cursor); `None` when nothing is newer.
    pub end: Option<i64>,
    /// True when newer events may follow the window.
    pub more: bool,
}

/// Up to `limit` events after `cursor` that this login may see, minus those this device
/// sent itself (it has them already: after a first upload of a million events, fetching
/// them back cost more than the rest of the pull). When fewer than `limit` come, the
/// window ends at the newest event, so the cursor still moves past this device's own.
/// Both statements read one snapshot, so the window's end and its events agree.
pub fn pull_window(
    client: &mut postgres::Client,
    device_id: &str,
    cursor: i64,
    limit: usize,
) -> Result<PulledWindow, postgres::Error> {
    let limit = limit as i64;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let rows = tx.query(
        "SELECT seq, id::text, device_id, author, hlc, entity, entity_gid::text, op, payload::text \
         FROM candor.events WHERE seq > $1 AND device_id <> $2 ORDER BY seq LIMIT $3",
        &[&cursor, &device_id, &limit],
    )?;
    let events = incoming(&rows);
    let full = events.len() as i64 == limit;
    let end = match (full, events.last()) {
        (true, Some(last)) => Some(last.seq),
        _ => tx
            .query_one(
                "SELECT MAX(seq) FROM candor.events WHERE seq > $1",
                &[&cursor],
            )?
            .get(0),
    };
    tx.commit()?;
    Ok(PulledWindow {
        events,
        end,
        more: full,
    })
}

/// Customers handed over or shared to this login after `cursor`: their history up to the
/// cursor became visible after the cursor had passed it.
pub fn newly_visible(
    client: &mut postgres::Client,
    cursor: i64,
) -> Result<Vec<String>, postgres::Error> {
    let rows = client.query(
        "SELECT DISTINCT customer_gid::text FROM candor.events \
         WHERE op IN ('handover', 'share') AND payload ->> 'to' = current_user AND seq > $1",
        &[&cursor],
    )?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// Up to `limit` events of `customers` numbered after `after` and up to `cursor`, in
/// sequence order: the history a cursor alone cannot deliver once ownership changed.
pub fn backfill_batch(
    client: &mut postgres::Client,
    customers: &[String],
    after: i64,
    cursor: i64,
    limit: usize,
) -> Result<Vec<IncomingEvent>, postgres::Error> {
    let rows = client.query(
        "SELECT seq, id::text, device_id, author, hlc, entity, entity_gid::text, op, payload::text \
         FROM candor.events WHERE customer_gid = ANY($1::text[]::uuid[]) AND seq > $2 AND seq <= $3 \
         ORDER BY seq LIMIT $4",
        &[&customers, &after, &cursor, &(limit as i64)],
    )?;
    Ok(incoming(&rows))
}

/// The team's people, for names on the timeline ("by Maria") and the handover dialog.
pub fn team_reps(client: &mut postgres::Client) -> Result<Vec<TeamRep>, postgres::Error> {
    Ok(client
        .query(
            "SELECT login, full_name, is_manager FROM candor.reps ORDER BY login",
            &[],
        )?
        .iter()
        .map(|row| TeamRep {
            login: row.get(0),
            name: row.get(1),
            is_manager: row.get(2),
        })
        .collect())
}

fn incoming(rows: &[postgres::Row]) -> Vec<IncomingEvent> {
    rows.iter()
        .map(|row| IncomingEvent {
            seq: row.get(0),
            id: row.get(1),
            device_id: row.get(2),
            author: row.get(3),
            hlc: row.get(4),
            entity: row.get(5),
            entity_gid: row.get(6),
            op: row.get(7),
            payload: row.get(8),
        })
        .collect()
}

/// Why a push stopped.
enum PushFailure {
    Server(postgres::Error),
    Journal(TeamError),
}

impl From<crate::store::StoreError> for PushFailure {
    fn from(error: crate::store::StoreError) -> Self {
        Self::Journal(error.into())
    }
}

/// How far a pushed batch reached: a position of the first upload, or of the outbox.
#[derive(Debug, Clone, Copy)]
enum Reached {
    Upload(UploadPosition),
    Outbox(i64),
}

/// What the pushing thread reports for one batch: how far it reached, its size, and how
/// many of its events were refused.
type PushAck = Result<(Reached, usize, u64), postgres::Error>;

/// Marks as sent what the server has: the first upload's cursor, then the outbox.
fn mark(
    store: &mut Store,
    upload: &mut Option<UploadPosition>,
    outbox: &mut Option<i64>,
) -> Result<(), PushFailure> {
    if let Some(position) = upload.take() {
        store.first_upload_sent(position)?;
    }
    if let Some(last) = outbox.take() {
        store.mark_sent(last)?;
    }
    Ok(())
}

/// Sends every waiting event, batch by batch: first what is left of the first upload
/// (read straight from the journal's tables), then the sealed outbox. The server's work and
/// the journal's overlap: a second thread sends one batch while this one reads the next
/// from the journal and marks the sent ones (at most two batches wait, so memory stays
/// bounded). Sent batches are marked about once a second (and when the server fails), not
/// after every batch: each mark is a local commit. A batch is marked only once the server
/// committed it; a kill before the mark re-sends it, and the server ignores the copies
/// (known event ids).
fn push_all(
    store: &mut Store,
    client: &mut postgres::Client,
    device: &str,
    total: u64,
    report: &mut SyncReport,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<(), PushFailure> {
    std::thread::scope(|scope| {
        let (to_push, batches) = std::sync::mpsc::sync_channel::<(Vec<OutgoingEvent>, Reached)>(1);
        // Dropped once everything is read, which ends the sending thread's loop.
        let mut to_push = Some(to_push);
        let (acked, acks) = std::sync::mpsc::channel::<PushAck>();
        scope.spawn(move || {
            for (batch, reached) in batches {
                let ack = push_batch(client, device, &batch)
                    .map(|(_, refused)| (reached, batch.len(), refused));
                let failed = ack.is_err();
                if acked.send(ack).is_err() || failed {
                    break;
                }
            }
        });
        let mut upload = match store.first_upload_position()? {
            UploadPosition::Done => None,
            position => Some(position),
        };
        let mut upload_read = upload.is_none();
        let mut read_up_to = i64::MIN;
        let mut reading = true;
        let mut in_flight = 0usize;
        let mut upload_sent = None;
        let mut outbox_sent = None;
        let mut marked_at = std::time::Instant::now();
        loop {
            if reading {
                let mut next = None;
                if let Some(position) = upload {
                    let (events, after) = store.first_upload_events(position, PUSH_BATCH)?;
                    if events.is_empty() {
                        upload = None;
                        upload_read = true;
                    } else {
                        upload = Some(after);
                        next = Some((events, Reached::Upload(after)));
                    }
                }
                if next.is_none() && upload.is_none() {
                    let batch = store.sealed_events_after(read_up_to, PUSH_BATCH)?;
                    if let Some(last) = batch.last() {
                        read_up_to = last.seq;
                        next = Some((batch, Reached::Outbox(read_up_to)));
                    }
                }
                match next {
                    Some(next) => {
                        in_flight += 1;
                        // Waits while two batches are ahead; fails only if the sending
                        // thread stopped, and then its error is among the acks.
                        let sent = to_push.as_ref().map(|queue| queue.send(next));
                        if !matches!(sent, Some(Ok(()))) {
                            reading = false;
                        }
                    }
                    None => reading = false,
                }
            }
            if !reading {
                to_push = None;
            }
            // While reading, take the acks that are there; then wait for the rest.
            while in_flight > 0 {
                let ack = if reading {
                    match acks.try_recv() {
                        Ok(ack) => ack,
                        Err(_) => break,
                    }
                } else {
                    match acks.recv() {
                        Ok(ack) => ack,
                        Err(_) => break,
                    }
                };
                let (reached, size, refused) = match ack {
                    Ok(acked) => acked,
                    Err(e) => {
                        // The batches acked before the failure are on the server: mark
                        // them, so the next sync resumes after them.
                        mark(store, &mut upload_sent, &mut outbox_sent)?;
                        return Err(PushFailure::Server(e));
                    }
                };
                in_flight -= 1;
                match reached {
                    Reached::Upload(position) => upload_sent = Some(position),
                    Reached::Outbox(last) => outbox_sent = Some(last),
                }
                report.refused += refused;
                report.sent += size as u64;
                progress(SyncProgress::Sending {
                    done: report.sent,
                    total,
                });
                if marked_at.elapsed() >= MARK_EVERY {
                    mark(store, &mut upload_sent, &mut outbox_sent)?;
                    marked_at = std::time::Instant::now();
                }
            }
            if !reading {
                break;
            }
        }
        // Every batch read was acknowledged: the first upload, once read to its end, is
        // over (its last batch may have ended exactly at a batch's size, before `Done`).
        if upload_read && upload.is_none() && store.first_upload_position()? != UploadPosition::Done
        {
            upload_sent = Some(UploadPosition::Done);
        }
        mark(store, &mut upload_sent, &mut outbox_sent)
    })
}

/// Pushes every local change, then pulls and applies every visible change of others.
/// `now_ms` stamps changes sealed during this sync.
pub fn sync(
    store: &mut Store,
    client: &mut postgres::Client,
    server: &str,
    login: &str,
    now_ms: i64,
    progress: &mut dyn FnMut(SyncProgress),
) -> Result<SyncReport, TeamError> {
    let pg = |e: postgres::Error| TeamError::from_postgres(server, login, &e);
    let (found, team_id) = check_schema(client).map_err(pg)?;
    if found == 0 {
        return Err(TeamError::NoSchema {
            server: server.to_owned(),
        });
    }
    if found > schema::TEAM_SCHEMA_VERSION {
        return Err(TeamError::TooNew {
            server: server.to_owned(),
            found,
            supported: schema::TEAM_SCHEMA_VERSION,
        });
    }
    // Sync's statements are many small ones over big tables: just-in-time compilation,
    // which PostgreSQL starts by the planner's cost estimate, cost more than it saved
    // (30-80 ms per statement and per commit-time summary refresh during a first upload).
    client.batch_execute("SET jit = off").map_err(pg)?;
    store.start_sync_recording_streamed(now_ms)?;
    store.set_team_login(login)?;
    store.set_team_reps(&team_reps(client).map_err(pg)?)?;
    while store.seal_outbox(now_ms, 5_000)? > 0 {}
    let device = store.sync_device_id()?;
    let mut report = SyncReport::default();
    let total = store.sync_pending_count()?;
    push_all(store, client, &device, total, &mut report, progress).map_err(|e| match e {
        PushFailure::Server(e) => pg(e),
        PushFailure::Journal(e) => e,
    })?;
    let mut cursor = store.pull_cursor(&team_id)?;
    let mut pulled = 0;
    // A customer handed over (or shared) to this login since the last pull: its history up
    // to the cursor is fetched first, then the pull below brings everything after it in
    // order. Replaying what the journal has already is harmless (inserts of known rows are
    // ignored, a field change already applied carries the same stamp), so a sync killed
    // halfway simply does it again.
    let customers = newly_visible(client, cursor).map_err(pg)?;
    if !customers.is_empty() {
        let mut after = 0;
        loop {
            let batch = backfill_batch(client, &customers, after, cursor, BATCH).map_err(pg)?;
            let Some(last) = batch.last() else {
                break;
            };
            after = last.seq;
            let stats = store.apply_pulled(&team_id, &batch, cursor, now_ms)?;
            report.received += stats.applied;
            report.conflicts += stats.conflicts;
            report.skipped += stats.skipped;
            pulled += batch.len() as u64;
            progress(SyncProgress::Receiving { done: pulled });
            if batch.len() < BATCH {
                break;
            }
        }
    }
    // A window of only this device's own events moves the cursor without a local write;
    // the cursor is saved with the next applied window, or once at the end.
    let mut saved_cursor = cursor;
    loop {
        let window = pull_window(client, &device, cursor, BATCH).map_err(pg)?;
        let Some(next) = window.end else {
            break;
        };
        if !window.events.is_empty() {
            let stats = store.apply_pulled(&team_id, &window.events, next, now_ms)?;
            saved_cursor = next;
            report.received += stats.applied;
            report.conflicts += stats.conflicts;
            report.skipped += stats.skipped;
            pulled += window.events.len() as u64;
            progress(SyncProgress::Receiving { done: pulled });
        }
        cursor = next;
        if !window.more {
            break;
        }
    }
    if cursor != saved_cursor {
        store.apply_pulled(&team_id, &[], cursor, now_ms)?;
    }
    Ok(report)
}
