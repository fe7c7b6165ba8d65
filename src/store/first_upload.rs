//! The first upload of a journal that joins a team, read straight from its tables.
//!
//! Queueing a whole journal in the outbox wrote a million rows (and deleted them again as
//! they were sent) before the first event went out. Instead, joining gives every row its
//! global id, takes one clock stamp for all of them and remembers how far the tables
//! reached; the push then reads the customers, then the entries grouped by customer, in
//! batches, while the server stores the batch before. A cursor in `sync_state`, moved only
//! after the server committed a batch (as a sent outbox batch is deleted only then), says
//! where a killed upload resumes. Each event's id is its row's global id, so a batch sent
//! twice (a kill after the server's commit, before the cursor moved) is recognised by the
//! server whatever changed in the journal in between. Changes made after joining (edits,
//! new rows, deletions, the announcements) are recorded in the outbox as usual and pushed
//! after this stream, so they reach the server after the rows they change.

use rusqlite::{OptionalExtension, Transaction, params};

use super::outbox::MODE_RECORDING;
use super::sync::{
    OutgoingEvent, customer_json, entry_json, give_gids, queue_announcements, set_state, state,
};
use super::{Result, Store};
use crate::domain::hlc::HybridClock;

/// Where the first upload stands: what is still to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPosition {
    /// The customers with ids after `after`, then every entry.
    Customers { after: i64 },
    /// The entries of `customer` with ids after `after`, then those of the later customers.
    Entries { customer: i64, after: i64 },
    /// Everything was sent.
    Done,
}

impl UploadPosition {
    fn encode(self) -> String {
        match self {
            Self::Customers { after } => format!("customers {after}"),
            Self::Entries { customer, after } => format!("entries {customer} {after}"),
            Self::Done => "done".to_owned(),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let mut words = text.split(' ');
        let kind = words.next()?;
        let mut number = || words.next().and_then(|word| word.parse::<i64>().ok());
        match kind {
            "customers" => Some(Self::Customers { after: number()? }),
            "entries" => Some(Self::Entries {
                customer: number()?,
                after: number()?,
            }),
            "done" => Some(Self::Done),
            _ => None,
        }
    }
}

/// `sync_state` keys: the cursor, the stamp of every streamed event, and the highest
/// customer and entry ids when the journal joined (later rows are in the outbox).
const CURSOR: &str = "upload_cursor";
const STAMP: &str = "upload_hlc";
const CUSTOMERS_TO: &str = "upload_customers_to";
const ENTRIES_TO: &str = "upload_entries_to";

fn number_state(tx: &rusqlite::Connection, key: &str) -> rusqlite::Result<i64> {
    Ok(state(tx, key)?
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}

/// The saved cursor; one that cannot be read starts the upload over (the server ignores
/// what it has already), rather than skip what is left.
fn cursor(conn: &rusqlite::Connection) -> rusqlite::Result<UploadPosition> {
    Ok(match state(conn, CURSOR)? {
        None => UploadPosition::Done,
        Some(text) => {
            UploadPosition::decode(&text).unwrap_or(UploadPosition::Customers { after: i64::MIN })
        }
    })
}

/// How many events the first upload still has to send from `position`.
fn waiting_from(conn: &rusqlite::Connection, position: UploadPosition) -> rusqlite::Result<u64> {
    let customers_to = number_state(conn, CUSTOMERS_TO)?;
    let entries_to = number_state(conn, ENTRIES_TO)?;
    let (customers_after, entry_customer, entry_after) = match position {
        UploadPosition::Done => return Ok(0),
        UploadPosition::Customers { after } => (after, i64::MIN, i64::MIN),
        UploadPosition::Entries { customer, after } => (i64::MAX, customer, after),
    };
    let count: i64 = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM customers WHERE id > ?1 AND id <= ?2) \
              + (SELECT COUNT(*) FROM entries WHERE id <= ?3 AND customer_id <= ?2 \
                 AND (customer_id > ?4 OR (customer_id = ?4 AND id > ?5)))",
        params![
            customers_after,
            customers_to,
            entries_to,
            entry_customer,
            entry_after
        ],
        |row| row.get(0),
    )?;
    Ok(count.max(0) as u64)
}

/// Events the first upload has still to send.
fn waiting(conn: &rusqlite::Connection) -> rusqlite::Result<u64> {
    waiting_from(conn, cursor(conn)?)
}

/// Joins a team: gives every row a global id, takes the upload's stamp, sets the cursor
/// before the first customer, queues the announcements and starts recording.
fn join(tx: &Transaction<'_>, now_ms: i64) -> rusqlite::Result<u64> {
    if state(tx, "mode")?.as_deref() == Some(MODE_RECORDING) {
        return Ok(0);
    }
    give_gids(tx, Some(now_ms))?;
    let device = state(tx, "device_id")?.unwrap_or_default();
    let mut clock = HybridClock::resume(&device, &state(tx, "hlc")?.unwrap_or_default());
    // One stamp for the whole journal: each event creates a different row, so no two of
    // them compete for a field; every later change is stamped after it.
    set_state(tx, STAMP, &clock.tick(now_ms).encode())?;
    set_state(tx, "hlc", &clock.save())?;
    let highest = |table: &str| -> rusqlite::Result<i64> {
        tx.query_row(
            &format!("SELECT COALESCE(MAX(id), 0) FROM {table}"),
            [],
            |row| row.get(0),
        )
    };
    set_state(tx, CUSTOMERS_TO, &highest("customers")?.to_string())?;
    set_state(tx, ENTRIES_TO, &highest("entries")?.to_string())?;
    let start = UploadPosition::Customers { after: i64::MIN };
    set_state(tx, CURSOR, &start.encode())?;
    let streamed = waiting_from(tx, start)?;
    let queued = queue_announcements(tx)?;
    set_state(tx, "mode", MODE_RECORDING)?;
    Ok(streamed + queued)
}

/// Up to `limit` events from `position` on, and the position after them.
fn read(
    conn: &rusqlite::Connection,
    mut position: UploadPosition,
    limit: usize,
) -> rusqlite::Result<(Vec<OutgoingEvent>, UploadPosition)> {
    let customers_to = number_state(conn, CUSTOMERS_TO)?;
    let entries_to = number_state(conn, ENTRIES_TO)?;
    let stamp = state(conn, STAMP)?.unwrap_or_default();
    let mut events: Vec<OutgoingEvent> = Vec::new();
    let event = |entity: &str, gid: String, customer_gid: String, payload: String| OutgoingEvent {
        seq: 0,
        id: gid.clone(),
        hlc: stamp.clone(),
        entity: entity.to_owned(),
        entity_gid: gid,
        customer_gid,
        op: "insert".to_owned(),
        payload,
    };
    while events.len() < limit {
        let room = (limit - events.len()) as i64;
        match position {
            UploadPosition::Done => break,
            UploadPosition::Customers { after } => {
                let mut statement = conn.prepare_cached(&format!(
                    "SELECT c.id, c.gid, {} FROM customers c WHERE c.id > ?1 AND c.id <= ?2 \
                     ORDER BY c.id LIMIT ?3",
                    customer_json("c")
                ))?;
                let mut rows = statement.query(params![after, customers_to, room])?;
                let mut last = None;
                while let Some(row) = rows.next()? {
                    let gid: String = row.get(1)?;
                    events.push(event("customer", gid.clone(), gid, row.get(2)?));
                    last = Some(row.get(0)?);
                }
                position = match last {
                    Some(after) => UploadPosition::Customers { after },
                    None => first_customer_after(conn, i64::MIN, customers_to)?,
                };
            }
            UploadPosition::Entries { customer, after } => {
                let mut statement = conn.prepare_cached(&format!(
                    "SELECT e.id, e.gid, (SELECT gid FROM customers WHERE id = e.customer_id), {} \
                     FROM entries e WHERE e.customer_id = ?1 AND e.id > ?2 AND e.id <= ?3 \
                     ORDER BY e.id LIMIT ?4",
                    entry_json("e")
                ))?;
                let mut rows = statement.query(params![customer, after, entries_to, room])?;
                let mut read = 0;
                let mut last = after;
                while let Some(row) = rows.next()? {
                    events.push(event("entry", row.get(1)?, row.get(2)?, row.get(3)?));
                    last = row.get(0)?;
                    read += 1;
                }
                position = if read == room {
                    UploadPosition::Entries {
                        customer,
                        after: last,
                    }
                } else {
                    first_customer_after(conn, customer, customers_to)?
                };
            }
        }
    }
    Ok((events, position))
}

/// The entries position of the first customer after `customer` (up to `customers_to`).
fn first_customer_after(
    conn: &rusqlite::Connection,
    customer: i64,
    customers_to: i64,
) -> rusqlite::Result<UploadPosition> {
    let next: Option<i64> = conn
        .prepare_cached("SELECT id FROM customers WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT 1")?
        .query_row([customer, customers_to], |row| row.get(0))
        .optional()?;
    Ok(
        next.map_or(UploadPosition::Done, |customer| UploadPosition::Entries {
            customer,
            after: i64::MIN,
        }),
    )
}

impl Store {
    /// Changes recorded but not yet confirmed by the server (with what the first upload
    /// has still to send).
    pub fn sync_pending_count(&self) -> Result<u64> {
        let outbox = self
            .conn
            .query_row("SELECT COUNT(*) FROM sync_outbox", [], |row| {
                row.get::<_, i64>(0)
            })
            .map_err(self.fail())?;
        let streamed = waiting(&self.conn).map_err(self.fail())?;
        Ok(outbox.max(0) as u64 + streamed)
    }

    /// Joins a team for a first upload read straight from the tables (see the module
    /// docs): global ids, one stamp, the cursor, the announcements queued, recording on, in
    /// one transaction. Returns the number of events waiting (0 when it had joined already).
    pub fn start_sync_recording_streamed(&mut self, now_ms: i64) -> Result<u64> {
        self.write(|tx| join(tx, now_ms))
    }

    /// Where the first upload resumes ([`UploadPosition::Done`] when nothing is left).
    pub fn first_upload_position(&self) -> Result<UploadPosition> {
        cursor(&self.conn).map_err(self.fail())
    }

    /// Up to `limit` events of the first upload from `position` on (customers first, then
    /// entries grouped by customer), and the position after them; none when it is done.
    pub fn first_upload_events(
        &self,
        position: UploadPosition,
        limit: usize,
    ) -> Result<(Vec<OutgoingEvent>, UploadPosition)> {
        read(&self.conn, position, limit).map_err(self.fail())
    }

    /// Moves the cursor to `position`: call only once the server committed everything
    /// before it. [`UploadPosition::Done`] ends the first upload.
    pub fn first_upload_sent(&mut self, position: UploadPosition) -> Result<()> {
        self.write(|tx| {
            if position == UploadPosition::Done {
                for key in [CURSOR, STAMP, CUSTOMERS_TO, ENTRIES_TO] {
                    tx.execute("DELETE FROM sync_state WHERE key = ?1", [key])?;
                }
                return Ok(());
            }
            set_state(tx, CURSOR, &position.encode())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerDraft, CustomerId, EntryDraft, EntryKind};
    use chrono::NaiveDate;

    fn at(hour: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    fn note(customer: CustomerId, summary: &str) -> EntryDraft {
        EntryDraft {
            customer_id: customer,
            occurred_at: at(9),
            summary: summary.to_owned(),
            kind: EntryKind::Note,
        }
    }

    /// Three customers with three notes each, and the note ids in order.
    fn journal() -> (Store, Vec<crate::domain::EntryId>) {
        let mut store = Store::open_in_memory().unwrap();
        let mut notes = Vec::new();
        for name in ["Ada", "Bo", "Cy"] {
            let customer = store
                .add_customer(CustomerDraft::named(name), at(9))
                .unwrap();
            for i in 0..3 {
                let entry = store
                    .add_entry(note(customer.id, &format!("{name} {i}")), at(10))
                    .unwrap();
                notes.push(entry.id);
            }
        }
        (store, notes)
    }

    fn summaries(events: &[OutgoingEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
                let field = if e.entity == "customer" {
                    "name"
                } else {
                    "summary"
                };
                payload[field].as_str().unwrap_or_default().to_owned()
            })
            .collect()
    }

    #[test]
    fn a_killed_first_upload_resumes_after_the_last_confirmed_batch_with_the_same_ids() {
        let (mut store, notes) = journal();
        assert_eq!(store.start_sync_recording_streamed(5_000).unwrap(), 12);
        assert_eq!(store.start_sync_recording_streamed(5_000).unwrap(), 0);
        assert_eq!(store.sync_pending_count().unwrap(), 12);
        let start = store.first_upload_position().unwrap();
        let (first, after_first) = store.first_upload_events(start, 5).unwrap();
        assert_eq!(summaries(&first), ["Ada", "Bo", "Cy", "Ada 0", "Ada 1"]);
        for event in &first {
            assert_eq!(event.id, event.entity_gid, "the event is named by its row");
            assert_eq!(event.op, "insert");
        }
        assert!(first[3..].iter().all(|e| e.customer_gid == first[0].id));
        // The server committed the first batch; the second was read, then the app was
        // killed before the server's answer came back.
        store.first_upload_sent(after_first).unwrap();
        let (second, _) = store.first_upload_events(after_first, 5).unwrap();
        assert_eq!(store.sync_pending_count().unwrap(), 7);

        // Meanwhile the rep edits: a new note, and a deleted note not yet sent.
        let ada = store.customers().unwrap()[0].id;
        store.add_entry(note(ada, "Ada new"), at(11)).unwrap();
        store.delete_entry(notes[4], at(11)).unwrap();

        let resumed = store.first_upload_position().unwrap();
        assert_eq!(resumed, after_first);
        let (again, done) = store.first_upload_events(resumed, 100).unwrap();
        assert_eq!(done, UploadPosition::Done);
        assert_eq!(
            summaries(&again),
            ["Ada 2", "Bo 0", "Bo 1", "Bo 2", "Cy 0", "Cy 1", "Cy 2"],
            "the new note goes by the outbox; the deleted one is still there, in the trash"
        );
        assert_eq!(again[0].id, second[0].id, "a re-sent event keeps its id");
        assert_eq!(again[0].hlc, first[0].hlc);
        store.first_upload_sent(done).unwrap();
        assert_eq!(store.first_upload_position().unwrap(), UploadPosition::Done);
        // What is left is the outbox: the new note, the deletion, stamped after the upload.
        while store.seal_outbox(6_000, 100).unwrap() > 0 {}
        let outbox = store.sealed_events(100).unwrap();
        assert_eq!(store.sync_pending_count().unwrap(), outbox.len() as u64);
        assert!(
            outbox
                .iter()
                .any(|e| e.op == "insert" && e.entity == "entry")
        );
        assert!(outbox.iter().all(|e| e.hlc > first[0].hlc));
    }

    #[test]
    fn positions_read_back_as_written_and_an_unreadable_cursor_starts_over() {
        for position in [
            UploadPosition::Customers { after: i64::MIN },
            UploadPosition::Entries {
                customer: 3,
                after: 17,
            },
            UploadPosition::Done,
        ] {
            assert_eq!(UploadPosition::decode(&position.encode()), Some(position));
        }
        assert_eq!(UploadPosition::decode("entries 3"), None);
        let (mut store, _) = journal();
        store.start_sync_recording_streamed(5_000).unwrap();
        store
            .write(|tx| set_state(tx, CURSOR, "entries 3"))
            .unwrap();
        assert_eq!(
            store.first_upload_position().unwrap(),
            UploadPosition::Customers { after: i64::MIN }
        );
        assert_eq!(store.sync_pending_count().unwrap(), 12);
    }
}
