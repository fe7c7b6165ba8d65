//! The journal's side of team sync: global ids, the outbox, and applying pulled changes.
//!
//! Every change reaches the outbox through SQLite triggers on `customers` and `entries`, in
//! the transaction of the change itself, so no write path (a form, the bulk writer, the
//! trash, undo, an import) can forget to record it. The triggers stay silent until the
//! journal joins a team (`sync_state.mode = 'recording'`): a rep who never configures a
//! team pays nothing. While pulled changes are applied the mode is `'applying'`, so they
//! do not echo back into the outbox.
//!
//! A trigger records the row before and after the change; turning that into an event (a
//! UUIDv7, a hybrid-clock stamp, the changed fields only) is "sealing", done in Rust just
//! before a push. A sealed event keeps its id until the server has it, so a push retried
//! after a crash sends the same ids and the server ignores the copies. The whole journal
//! queued when it joins a team is sealed as it is queued, in SQL: its ids and stamps count
//! up in queue order.

use std::collections::BTreeSet;

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Map, Value as JsonValue};

pub use super::outbox::{ApplyStats, IncomingEvent, LostValue, OutgoingEvent};
use super::outbox::{MODE_RECORDING, UUID_SQL, local_id, parse_object, record_lost, recording_sql};
use super::{Result, Store, StoreError, announcement_sync, ownership, summary};
use crate::domain::CustomerId;
use crate::domain::hlc::HybridClock;

/// The customer fields a team shares, as stored in `customers`.
pub const CUSTOMER_FIELDS: &[&str] = &[
    "name",
    "company",
    "phone",
    "email",
    "notes",
    "tags",
    "cadence_days",
    "archived",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// The customer fields as the team-sync step (schema version 4) first recorded them,
/// frozen: that step must build the same triggers however the list grows later.
const CUSTOMER_FIELDS_AT_TEAM_STEP: &[&str] = &[
    "name",
    "company",
    "phone",
    "email",
    "notes",
    "tags",
    "cadence_days",
    "archived",
    "created_at",
    "updated_at",
];

/// The entry fields a team shares as they are stored. `customer` and `related` travel as
/// global ids beside them (local integer ids mean nothing on another device).
pub const ENTRY_FIELDS: &[&str] = &[
    "kind",
    "occurred_at",
    "summary",
    "channel",
    "direction",
    "outcome",
    "duration_mins",
    "category",
    "status",
    "due_date",
    "closed_on",
    "at_risk_since",
    "risk_reason",
    "status_changed_at",
    "renegotiations",
    "proactive",
    "owner",
    "root_cause",
    "prevention",
    "amount_cents",
    "invoice_ref",
    "rating",
    "snooze_until",
    "is_open",
    "created_at",
    "updated_at",
    "deleted_at",
];

/// The mode while pulled changes are applied: nothing is recorded.
const MODE_APPLYING: &str = "applying";

pub(super) fn customer_json(row: &str) -> String {
    customer_json_of(CUSTOMER_FIELDS, row)
}

fn customer_json_of(customer_fields: &[&str], row: &str) -> String {
    let fields: Vec<String> = customer_fields
        .iter()
        .map(|f| format!("'{f}', {row}.{f}"))
        .collect();
    format!("json_object({})", fields.join(", "))
}

pub(super) fn entry_json(row: &str) -> String {
    let mut fields = vec![
        format!("'customer', (SELECT gid FROM customers WHERE id = {row}.customer_id)"),
        format!("'related', (SELECT gid FROM entries WHERE id = {row}.related_id)"),
    ];
    fields.extend(ENTRY_FIELDS.iter().map(|f| format!("'{f}', {row}.{f}")));
    format!("json_object({})", fields.join(", "))
}

/// The team-sync upgrade of the journal (global ids, outbox, sync state, the recording
/// triggers). Self-contained so the step can be renumbered when merged.
pub fn upgrade_sql() -> String {
    format!(
        r#"
-- Global ids: local integer ids stay local; these name a customer or entry on every device.
-- Given out when the journal joins a team (and by the triggers below from then on).
ALTER TABLE customers ADD COLUMN gid TEXT;
ALTER TABLE entries ADD COLUMN gid TEXT;
CREATE UNIQUE INDEX customers_by_gid ON customers(gid) WHERE gid IS NOT NULL;
CREATE UNIQUE INDEX entries_by_gid ON entries(gid) WHERE gid IS NOT NULL;

-- This device's id, its hybrid clock, the trigger mode and the pull cursor per team.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO sync_state (key, value) VALUES ('device_id', {UUID_SQL}), ('mode', 'off'), ('hlc', '');

-- Changes not yet on the server. event_id and hlc are given when the row is sealed.
CREATE TABLE sync_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT UNIQUE,
    hlc          TEXT,
    entity       TEXT NOT NULL,
    entity_gid   TEXT NOT NULL,
    customer_gid TEXT,
    op           TEXT NOT NULL,
    old_state    TEXT,
    new_state    TEXT,
    payload      TEXT
);

-- When each edited field last changed (hybrid-clock stamp): "later change wins" per field.
CREATE TABLE sync_field_clock (
    entity_gid TEXT NOT NULL,
    field      TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    PRIMARY KEY (entity_gid, field)
) WITHOUT ROWID;

-- Values that lost to a later change: kept, never silently dropped.
CREATE TABLE sync_history (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    entity_gid  TEXT NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT,
    value_hlc   TEXT NOT NULL,
    winner_hlc  TEXT NOT NULL,
    author      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sync_history_by_entity ON sync_history(entity_gid);

{triggers}
"#,
        triggers = triggers_sql(CUSTOMER_FIELDS_AT_TEAM_STEP),
    )
}

/// The customer triggers rebuilt for the current [`CUSTOMER_FIELDS`]: the step that adds a
/// synced customer column runs this, so its changes reach the outbox too.
pub fn rebuild_customer_triggers_sql() -> String {
    // Only the customer triggers carry the field list that changed; the entry triggers are
    // left as they are.
    format!(
        "DROP TRIGGER IF EXISTS sync_customer_insert;\n\
         DROP TRIGGER IF EXISTS sync_customer_update;\n\
         DROP TRIGGER IF EXISTS sync_customer_delete;\n{}",
        customer_triggers_sql(CUSTOMER_FIELDS)
    )
}

/// The recording triggers for the given customer fields and the current entry fields.
fn triggers_sql(customer_fields: &[&str]) -> String {
    customer_triggers_sql(customer_fields) + &entry_triggers_sql()
}

/// The customer triggers recording `customer_fields`.
fn customer_triggers_sql(customer_fields: &[&str]) -> String {
    let recording = recording_sql();
    format!(
        r#"CREATE TRIGGER sync_customer_insert AFTER INSERT ON customers WHEN {recording}
BEGIN
    UPDATE customers SET gid = {UUID_SQL} WHERE id = NEW.id AND gid IS NULL;
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state)
        SELECT 'customer', c.gid, c.gid, 'insert', {customer_new} FROM customers c WHERE c.id = NEW.id;
END;

CREATE TRIGGER sync_customer_update AFTER UPDATE ON customers
WHEN {recording} AND OLD.gid IS NEW.gid
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, old_state, new_state)
        VALUES ('customer', NEW.gid, NEW.gid, 'update', {customer_old}, {customer_new_row});
END;

CREATE TRIGGER sync_customer_delete AFTER DELETE ON customers WHEN {recording}
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op)
        VALUES ('customer', OLD.gid, OLD.gid, 'purge');
END;
"#,
        customer_new = customer_json_of(customer_fields, "c"),
        customer_old = customer_json_of(customer_fields, "OLD"),
        customer_new_row = customer_json_of(customer_fields, "NEW"),
    )
}

/// The entry triggers.
fn entry_triggers_sql() -> String {
    let recording = recording_sql();
    format!(
        r#"
CREATE TRIGGER sync_entry_insert AFTER INSERT ON entries WHEN {recording}
BEGIN
    UPDATE entries SET gid = {UUID_SQL} WHERE id = NEW.id AND gid IS NULL;
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state)
        SELECT 'entry', e.gid, (SELECT gid FROM customers WHERE id = e.customer_id), 'insert',
            {entry_new} FROM entries e WHERE e.id = NEW.id;
END;

CREATE TRIGGER sync_entry_update AFTER UPDATE ON entries
WHEN {recording} AND OLD.gid IS NEW.gid
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, old_state, new_state)
        VALUES ('entry', NEW.gid, (SELECT gid FROM customers WHERE id = NEW.customer_id),
            'update', {entry_old}, {entry_new_row});
END;

CREATE TRIGGER sync_entry_delete AFTER DELETE ON entries WHEN {recording}
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op)
        VALUES ('entry', OLD.gid, (SELECT gid FROM customers WHERE id = OLD.customer_id), 'purge');
END;
"#,
        entry_new = entry_json("e"),
        entry_old = entry_json("OLD"),
        entry_new_row = entry_json("NEW"),
    )
}

pub(super) fn state(tx: &rusqlite::Connection, key: &str) -> rusqlite::Result<Option<String>> {
    tx.prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()
}

pub(super) fn set_state(tx: &rusqlite::Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT OR REPLACE INTO sync_state (key, value) VALUES (?1, ?2)")?
        .execute([key, value])?;
    Ok(())
}

fn to_sql(value: &JsonValue) -> SqlValue {
    match value {
        JsonValue::Null => SqlValue::Null,
        JsonValue::Bool(b) => SqlValue::Integer(i64::from(*b)),
        JsonValue::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .or_else(|| n.as_f64().map(SqlValue::Real))
            .unwrap_or(SqlValue::Null),
        JsonValue::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// A stored value as JSON (the history keeps values as JSON text).
pub(super) fn json_of(value: SqlValue) -> JsonValue {
    to_json(value)
}

fn to_json(value: SqlValue) -> JsonValue {
    match value {
        SqlValue::Null => JsonValue::Null,
        SqlValue::Integer(i) => JsonValue::from(i),
        SqlValue::Real(f) => JsonValue::from(f),
        SqlValue::Text(s) => JsonValue::String(s),
        SqlValue::Blob(_) => JsonValue::Null,
    }
}

/// A UUIDv7 for an event made at `now_ms`.
fn event_id(now_ms: i64) -> String {
    let millis = u64::try_from(now_ms.max(0)).unwrap_or(0);
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        millis / 1000,
        u32::try_from((millis % 1000) * 1_000_000).unwrap_or(0),
    );
    uuid::Uuid::new_v7(ts).to_string()
}

impl Store {
    /// This journal's device id (one per journal file).
    pub fn sync_device_id(&self) -> Result<String> {
        state(&self.conn, "device_id")
            .map_err(self.fail())?
            .ok_or(StoreError::NotFound { what: "device id" })
    }

    /// True once the journal has joined a team and records its changes.
    pub fn sync_is_recording(&self) -> Result<bool> {
        Ok(state(&self.conn, "mode").map_err(self.fail())?.as_deref() == Some(MODE_RECORDING))
    }

    /// Joins a team: gives every customer and entry a global id and puts the whole journal
    /// in the outbox as "insert" events, in one transaction; from then on every change is
    /// recorded. Returns the number of events queued (0 when it had joined already).
    pub fn start_sync_recording(&mut self) -> Result<u64> {
        self.write(queue_journal)
    }

    /// What the next sync will send: the outbox, or (before the journal first joined its
    /// team) every customer and entry.
    pub fn sync_waiting_count(&self) -> Result<u64> {
        if self.sync_is_recording()? {
            return self.sync_pending_count();
        }
        self.conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM customers) + (SELECT COUNT(*) FROM entries) \
                 + (SELECT COUNT(*) FROM announcements) \
                 + (SELECT COUNT(*) FROM announcement_customers) \
                 + (SELECT COUNT(*) FROM announcement_tellings)",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(self.fail())
    }

    /// Turns up to `limit` recorded changes into events (id, clock stamp, changed fields),
    /// oldest first, in one transaction. Returns how many rows it handled (0: none left).
    pub fn seal_outbox(&mut self, now_ms: i64, limit: usize) -> Result<usize> {
        self.write(|tx| seal(tx, now_ms, limit))
    }

    /// Up to `limit` sealed events, oldest first.
    pub fn sealed_events(&self, limit: usize) -> Result<Vec<OutgoingEvent>> {
        self.sealed_events_after(i64::MIN, limit)
    }

    /// Up to `limit` sealed events after outbox position `after_seq`, oldest first: the
    /// next batch while the ones before it are sent but not yet marked so.
    pub fn sealed_events_after(&self, after_seq: i64, limit: usize) -> Result<Vec<OutgoingEvent>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT seq, event_id, hlc, entity, entity_gid, COALESCE(customer_gid, ''), op, \
                 COALESCE(payload, '{}') FROM sync_outbox WHERE seq > ?1 AND event_id IS NOT NULL \
                 ORDER BY seq LIMIT ?2",
            )
            .map_err(self.fail())?;
        statement
            .query_map([after_seq, limit as i64], |row| {
                Ok(OutgoingEvent {
                    seq: row.get(0)?,
                    id: row.get(1)?,
                    hlc: row.get(2)?,
                    entity: row.get(3)?,
                    entity_gid: row.get(4)?,
                    customer_gid: row.get(5)?,
                    op: row.get(6)?,
                    payload: row.get(7)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// Forgets sealed events up to `seq`: call only once the server committed them.
    pub fn mark_sent(&mut self, up_to_seq: i64) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached("DELETE FROM sync_outbox WHERE seq <= ?1 AND event_id IS NOT NULL")?
                .execute([up_to_seq])?;
            Ok(())
        })
    }

    /// The server sequence number up to which events of team `team_id` were applied.
    pub fn pull_cursor(&self, team_id: &str) -> Result<i64> {
        Ok(state(&self.conn, &format!("cursor:{team_id}"))
            .map_err(self.fail())?
            .and_then(|text| text.parse().ok())
            .unwrap_or(0))
    }

    /// Applies a batch of pulled events in one transaction, without recording them in the
    /// outbox, and moves the pull cursor to `cursor` in the same transaction. Pending local
    /// changes are sealed first, so "later change wins" compares them too.
    pub fn apply_pulled(
        &mut self,
        team_id: &str,
        events: &[IncomingEvent],
        cursor: i64,
        now_ms: i64,
    ) -> Result<ApplyStats> {
        self.write(|tx| {
            while seal(tx, now_ms, 5_000)? > 0 {}
            let device = state(tx, "device_id")?.unwrap_or_default();
            let mut clock = HybridClock::resume(&device, &state(tx, "hlc")?.unwrap_or_default());
            let mode = state(tx, "mode")?.unwrap_or_default();
            let me = state(tx, "login")?.unwrap_or_default();
            set_state(tx, "mode", MODE_APPLYING)?;
            let mut stats = ApplyStats::default();
            let mut touched = BTreeSet::new();
            let mut authors_seen = BTreeSet::new();
            for event in events {
                clock.observe(&event.hlc);
                if event.device_id == device {
                    continue;
                }
                // Whose device it is: the history names who made a change by its stamp.
                if !event.author.is_empty()
                    && authors_seen.insert((event.device_id.as_str(), event.author.as_str()))
                {
                    set_state(tx, &format!("device:{}", event.device_id), &event.author)?;
                }
                tx.execute_batch("SAVEPOINT apply_event")?;
                match apply_event(tx, event, &me, &mut touched, &mut stats) {
                    Ok(true) => {
                        stats.applied += 1;
                        tx.execute_batch("RELEASE apply_event")?;
                    }
                    Ok(false) | Err(rusqlite::Error::SqliteFailure(..)) => {
                        // A malformed or orphaned event must not block every later sync.
                        stats.skipped += 1;
                        tx.execute_batch("ROLLBACK TO apply_event; RELEASE apply_event")?;
                    }
                    Err(e) => return Err(e),
                }
            }
            if touched.len() > 2_000 {
                summary::refresh_all(tx)?;
            } else {
                for customer in &touched {
                    summary::refresh(tx, *customer)?;
                }
            }
            set_state(tx, "hlc", &clock.save())?;
            set_state(tx, &format!("cursor:{team_id}"), &cursor.to_string())?;
            set_state(tx, "mode", &mode)?;
            Ok(stats)
        })
    }

    /// Values of a customer's or entry's fields that lost to a later change, oldest first.
    pub fn lost_values(&self, gid: &str) -> Result<Vec<LostValue>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT field, COALESCE(value, 'null'), value_hlc, winner_hlc, author \
                 FROM sync_history WHERE entity_gid = ?1 ORDER BY id",
            )
            .map_err(self.fail())?;
        statement
            .query_map([gid], |row| {
                Ok(LostValue {
                    field: row.get(0)?,
                    value: row.get(1)?,
                    value_hlc: row.get(2)?,
                    winner_hlc: row.get(3)?,
                    author: row.get(4)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// A customer's global id (given when the journal joins a team).
    pub fn customer_gid(&self, id: CustomerId) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT gid FROM customers WHERE id = ?1")
            .and_then(|mut s| s.query_row([id.0], |row| row.get(0)).optional())
            .map(Option::flatten)
            .map_err(self.fail())
    }

    /// The local id of the customer with global id `gid`.
    pub fn customer_by_gid(&self, gid: &str) -> Result<Option<CustomerId>> {
        self.conn
            .prepare_cached("SELECT id FROM customers WHERE gid = ?1")
            .and_then(|mut s| {
                s.query_row([gid], |row| row.get(0).map(CustomerId))
                    .optional()
            })
            .map_err(self.fail())
    }
}

/// SQL for a UUIDv7 of `now_ms` whose next 26 bits count rows (`counter`, an SQL
/// expression), then 50 random bits: ids given out together sort in the order given, so
/// the indexes they go into (here and on the server) grow at their end instead of at
/// random places, and two devices giving out ids in the same millisecond still differ.
fn counted_uuid_sql(now_ms: i64, counter: &str) -> String {
    let millis = format!("{:012x}", now_ms.clamp(0, 0xffff_ffff_ffff));
    format!(
        "'{}-{}-7' || printf('%03x', (({counter}) >> 14) & 4095) || '-' || \
         printf('%04x', 32768 | (({counter}) & 16383)) || '-' || lower(hex(randomblob(6)))",
        &millis[..8],
        &millis[8..],
    )
}

/// Puts every customer and entry in the outbox as an "insert" event, after giving each a
/// global id, and starts recording.
fn queue_journal(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    if state(tx, "mode")?.as_deref() == Some(MODE_RECORDING) {
        return Ok(0);
    }
    give_gids(tx, None)?;
    // Grouped by customer: a pushed batch then touches a few dozen customers, so the
    // server recomputes a few dozen summaries per batch instead of nearly all of them.
    // (entity, table, row alias, its customer's gid, the row as JSON, queue order)
    let sources = [
        (
            "customer",
            "customers",
            "c",
            "c.gid",
            customer_json("c"),
            "c.id",
        ),
        (
            "entry",
            "entries",
            "e",
            "(SELECT gid FROM customers WHERE id = e.customer_id)",
            entry_json("e"),
            "e.customer_id, e.id",
        ),
    ];
    let mut queued = 0u64;
    for (entity, table, row, customer_gid, json, order) in &sources {
        queued += tx.execute(
            &format!(
                "INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state) \
                 SELECT '{entity}', {row}.gid, {customer_gid}, 'insert', {json} \
                 FROM {table} {row} ORDER BY {order}"
            ),
            [],
        )? as u64;
    }
    queued += queue_announcements(tx)?;
    set_state(tx, "mode", MODE_RECORDING)?;
    Ok(queued)
}

/// Gives every customer and entry without one a global id: counted in id order at
/// `sealed_at` (see [`counted_uuid_sql`]), or random.
pub(super) fn give_gids(tx: &Transaction<'_>, sealed_at: Option<i64>) -> rusqlite::Result<()> {
    let gid_sql = |counter: &str| match sealed_at {
        Some(now_ms) => counted_uuid_sql(now_ms, counter),
        None => UUID_SQL.to_owned(),
    };
    tx.execute_batch(&format!(
        "UPDATE customers SET gid = {} WHERE gid IS NULL;
         UPDATE entries SET gid = {} WHERE gid IS NULL;",
        gid_sql("id"),
        gid_sql("id"),
    ))
}

/// Announcements, their picked customers and tellings refer to customers and entries, so
/// they follow them; they are few, and sealed by the usual pass before the push. Returns
/// how many were queued.
pub(super) fn queue_announcements(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    let outbox = |tx: &Transaction<'_>| -> rusqlite::Result<i64> {
        tx.query_row("SELECT COUNT(*) FROM sync_outbox", [], |row| row.get(0))
    };
    let before = outbox(tx)?;
    tx.execute_batch(&announcement_sync::give_ids_sql())?;
    tx.execute_batch(&announcement_sync::queue_existing_sql(""))?;
    Ok((outbox(tx)? - before).max(0) as u64)
}

fn seal(tx: &Transaction<'_>, now_ms: i64, limit: usize) -> rusqlite::Result<usize> {
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = tx
        .prepare_cached(
            "SELECT seq, op, old_state, new_state FROM sync_outbox WHERE event_id IS NULL \
             ORDER BY seq LIMIT ?1",
        )?
        .query_map([limit as i64], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Ok(0);
    }
    let device = state(tx, "device_id")?.unwrap_or_default();
    let mut clock = HybridClock::resume(&device, &state(tx, "hlc")?.unwrap_or_default());
    for (seq, op, old_state, new_state) in &rows {
        let payload = match op.as_str() {
            "update" => {
                let old = parse_object(old_state.as_deref());
                let mut new = parse_object(new_state.as_deref());
                // Only what changed travels, so a concurrent edit of another field of the
                // same customer is not overwritten with this device's stale copy.
                new.retain(|field, value| old.get(field) != Some(value));
                // `updated_at` alone is not a change anyone made.
                if new.keys().all(|field| field == "updated_at") {
                    tx.prepare_cached("DELETE FROM sync_outbox WHERE seq = ?1")?
                        .execute([seq])?;
                    continue;
                }
                new
            }
            "insert" => parse_object(new_state.as_deref()),
            _ => Map::new(),
        };
        let stamp = clock.tick(now_ms).encode();
        let entity_gid: String = tx
            .prepare_cached("SELECT entity_gid FROM sync_outbox WHERE seq = ?1")?
            .query_row([seq], |row| row.get(0))?;
        if op == "update" {
            for field in payload.keys() {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO sync_field_clock (entity_gid, field, hlc) \
                     VALUES (?1, ?2, ?3)",
                )?
                .execute([&entity_gid, field, &stamp])?;
            }
        }
        tx.prepare_cached(
            "UPDATE sync_outbox SET event_id = ?2, hlc = ?3, payload = ?4, old_state = NULL, \
             new_state = NULL WHERE seq = ?1",
        )?
        .execute(params![
            seq,
            event_id(now_ms),
            stamp,
            JsonValue::Object(payload).to_string()
        ])?;
    }
    set_state(tx, "hlc", &clock.save())?;
    Ok(rows.len())
}

/// Applies one event; `Ok(false)` when it cannot be (nothing changed).
fn apply_event(
    tx: &Transaction<'_>,
    event: &IncomingEvent,
    me: &str,
    touched: &mut BTreeSet<CustomerId>,
    stats: &mut ApplyStats,
) -> rusqlite::Result<bool> {
    if announcement_sync::ENTITIES.contains(&event.entity.as_str()) {
        return announcement_sync::apply(tx, event, touched, stats);
    }
    let payload = parse_object(Some(&event.payload));
    let (table, fields) = match event.entity.as_str() {
        "customer" => ("customers", CUSTOMER_FIELDS),
        "entry" => ("entries", ENTRY_FIELDS),
        _ => return Ok(false),
    };
    let existing = local_id(tx, table, &event.entity_gid)?;
    if table == "customers" && matches!(event.op.as_str(), "handover" | "share") {
        let Some(id) = existing else {
            return Ok(false);
        };
        touched.insert(CustomerId(id));
        if event.op == "share" {
            return ownership::apply_share(tx, id, &payload, me);
        }
        if !ownership::apply_handover(tx, id, &payload, me)? {
            return Ok(false);
        }
        // The handover's timeline note travels inside it, with its own id, so every copy
        // (the former rep's, the new rep's, the manager's) holds the same entry.
        let (Some(gid), Some(entry)) = (
            payload.get("entry_gid").and_then(JsonValue::as_str),
            payload.get("entry"),
        ) else {
            return Ok(false);
        };
        let note = IncomingEvent {
            entity: "entry".to_owned(),
            entity_gid: gid.to_owned(),
            op: "insert".to_owned(),
            payload: entry.to_string(),
            ..event.clone()
        };
        return apply_event(tx, &note, me, touched, stats);
    }
    // Local values of the mapped fields: `customer` and `related` travel as global ids.
    let mut columns: Vec<(String, SqlValue)> = Vec::new();
    for (field, value) in &payload {
        match (table, field.as_str()) {
            ("entries", "customer") => {
                let Some(gid) = value.as_str() else {
                    return Ok(false);
                };
                let Some(customer) = local_id(tx, "customers", gid)? else {
                    return Ok(false);
                };
                columns.push(("customer_id".to_owned(), SqlValue::Integer(customer)));
            }
            ("entries", "related") => {
                let related = match value.as_str() {
                    Some(gid) => local_id(tx, "entries", gid)?,
                    None => None,
                };
                columns.push((
                    "related_id".to_owned(),
                    related.map_or(SqlValue::Null, SqlValue::Integer),
                ));
            }
            (_, name) if fields.contains(&name) => columns.push((name.to_owned(), to_sql(value))),
            _ => {}
        }
    }
    let customer_of = |tx: &Transaction<'_>, id: i64| -> rusqlite::Result<Option<CustomerId>> {
        if table == "customers" {
            return Ok(Some(CustomerId(id)));
        }
        tx.prepare_cached("SELECT customer_id FROM entries WHERE id = ?1")?
            .query_row([id], |row| row.get(0).map(CustomerId))
            .optional()
    };
    match (event.op.as_str(), existing) {
        // The creation of something this device already has (a retried delivery).
        ("insert", Some(_)) => Ok(true),
        ("insert", None) => {
            let mut names = vec!["gid".to_owned()];
            let mut values = vec![SqlValue::Text(event.entity_gid.clone())];
            // Who created it: a pulled customer belongs to its creator until handed over;
            // a pulled entry names its author on the timeline.
            names.push(
                if table == "customers" {
                    "team_owner"
                } else {
                    "author"
                }
                .to_owned(),
            );
            values.push(SqlValue::Text(event.author.clone()));
            for (name, value) in columns {
                names.push(name);
                values.push(value);
            }
            let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
            tx.prepare_cached(&format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            ))?
            .execute(rusqlite::params_from_iter(values))?;
            let id = tx.last_insert_rowid();
            if let Some(customer) = customer_of(tx, id)? {
                touched.insert(customer);
            }
            Ok(true)
        }
        ("update", None) => Ok(false),
        ("update", Some(id)) => {
            if let Some(customer) = customer_of(tx, id)? {
                touched.insert(customer);
            }
            for (field, value) in &payload {
                let column = match (table, field.as_str()) {
                    ("entries", "customer") => "customer_id".to_owned(),
                    ("entries", "related") => "related_id".to_owned(),
                    (_, name) if fields.contains(&name) => name.to_owned(),
                    _ => continue,
                };
                let Some((_, sql_value)) = columns.iter().find(|(name, _)| *name == column) else {
                    continue;
                };
                let local_clock: Option<String> = tx
                    .prepare_cached(
                        "SELECT hlc FROM sync_field_clock WHERE entity_gid = ?1 AND field = ?2",
                    )?
                    .query_row([&event.entity_gid, field], |row| row.get(0))
                    .optional()?;
                // When a row was last edited is bookkeeping, not a value anyone chose: it
                // follows the later change like any field, but is no conflict to report.
                let bookkeeping = field == "updated_at";
                // The very change already applied (a history replayed after a handover).
                if local_clock.as_deref() == Some(event.hlc.as_str()) {
                    continue;
                }
                if let Some(local) = &local_clock
                    && local.as_str() >= event.hlc.as_str()
                {
                    // Ours is later: theirs is kept in the history, not applied.
                    if !bookkeeping {
                        stats.conflicts += 1;
                        record_lost(tx, event, field, &value.to_string(), &event.hlc, local)?;
                    }
                    continue;
                }
                if let Some(local) = &local_clock
                    && !bookkeeping
                {
                    let current: SqlValue = tx
                        .prepare_cached(&format!("SELECT {column} FROM {table} WHERE id = ?1"))?
                        .query_row([id], |row| row.get(0))?;
                    if &current != sql_value {
                        let shown = match field.as_str() {
                            "customer" | "related" => JsonValue::Null,
                            _ => to_json(current),
                        };
                        record_lost(tx, event, field, &shown.to_string(), local, &event.hlc)?;
                    }
                }
                tx.prepare_cached(&format!("UPDATE {table} SET {column} = ?2 WHERE id = ?1"))?
                    .execute(params![id, sql_value])?;
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO sync_field_clock (entity_gid, field, hlc) \
                     VALUES (?1, ?2, ?3)",
                )?
                .execute([&event.entity_gid, field, &event.hlc])?;
            }
            if let Some(customer) = customer_of(tx, id)? {
                touched.insert(customer);
            }
            Ok(true)
        }
        ("purge", None) => Ok(true),
        ("purge", Some(id)) => {
            if let Some(customer) = customer_of(tx, id)? {
                touched.insert(customer);
            }
            if table == "entries" {
                tx.prepare_cached("UPDATE entries SET related_id = NULL WHERE related_id = ?1")?
                    .execute([id])?;
            } else {
                tx.prepare_cached("DELETE FROM customer_summary WHERE customer_id = ?1")?
                    .execute([id])?;
                touched.remove(&CustomerId(id));
            }
            tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
                .execute([id])?;
            tx.prepare_cached("DELETE FROM sync_field_clock WHERE entity_gid = ?1")?
                .execute([&event.entity_gid])?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

impl Store {
    /// A team setting kept in the journal (e.g. the server address, without password).
    pub fn team_setting(&self, key: &str) -> Result<Option<String>> {
        state(&self.conn, &format!("setting:{key}")).map_err(self.fail())
    }

    /// Saves a team setting in the journal.
    pub fn set_team_setting(&mut self, key: &str, value: &str) -> Result<()> {
        let key = format!("setting:{key}");
        self.write(|tx| set_state(tx, &key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerDraft, EntryDraft, EntryKind};
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

    fn ops(store: &mut Store) -> Vec<(String, String, String)> {
        while store.seal_outbox(1_000, 100).unwrap() > 0 {}
        let events = store.sealed_events(1_000).unwrap();
        store.mark_sent(events.last().map_or(0, |e| e.seq)).unwrap();
        events
            .into_iter()
            .map(|e| (e.entity, e.op, e.payload))
            .collect()
    }

    #[test]
    fn a_journal_without_a_team_records_nothing() {
        let mut store = Store::open_in_memory().unwrap();
        store
            .add_customer(CustomerDraft::named("Ada"), at(9))
            .unwrap();
        assert_eq!(store.sync_pending_count().unwrap(), 0);
        assert_eq!(store.sync_waiting_count().unwrap(), 1);
    }

    #[test]
    fn every_write_path_records_its_change_in_the_same_transaction() {
        let mut store = Store::open_in_memory().unwrap();
        let ada = store
            .add_customer(CustomerDraft::named("Ada"), at(9))
            .unwrap();
        store
            .add_entry(note(ada.id, "Before joining"), at(9))
            .unwrap();
        assert_eq!(
            store.start_sync_recording().unwrap(),
            2,
            "the journal as it was"
        );
        assert_eq!(
            store.start_sync_recording().unwrap(),
            0,
            "joining twice adds nothing"
        );
        assert_eq!(ops(&mut store).len(), 2);

        let entry = store.add_entry(note(ada.id, "Call"), at(10)).unwrap();
        let mut draft = entry.to_draft();
        draft.summary = "Call, edited".into();
        store.update_entry(entry.id, draft, at(11)).unwrap();
        store.delete_entry(entry.id, at(12)).unwrap();
        store.restore_entry(entry.id).unwrap();
        store.delete_entry(entry.id, at(13)).unwrap();
        store.purge_entry(entry.id).unwrap();
        let mut edit = store.customer(ada.id).unwrap().to_draft();
        edit.phone = "555".into();
        store.update_customer(ada.id, edit, at(14)).unwrap();
        store
            .bulk_write(at(15), |writer| {
                let bo = writer.add_customer(CustomerDraft::named("Bo"), at(15))?;
                writer.add_entry(note(bo, "Imported"))?;
                Ok(())
            })
            .unwrap();
        let recorded = ops(&mut store);
        let summary: Vec<(&str, &str)> = recorded
            .iter()
            .map(|(entity, op, _)| (entity.as_str(), op.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("entry", "insert"),
                ("entry", "update"),
                ("entry", "update"),
                ("entry", "update"),
                ("entry", "update"),
                ("entry", "purge"),
                ("customer", "update"),
                ("customer", "insert"),
                ("entry", "insert"),
            ]
        );
        // An edit sends the changed fields only.
        let edit: JsonValue = serde_json::from_str(&recorded[1].2).unwrap();
        let fields: Vec<&String> = edit.as_object().unwrap().keys().collect();
        assert_eq!(fields, ["summary", "updated_at"]);
        let phone: JsonValue = serde_json::from_str(&recorded[6].2).unwrap();
        assert_eq!(phone["phone"], "555");
        assert!(phone.get("name").is_none());
    }

    #[test]
    fn pulled_changes_are_applied_without_echoing_into_the_outbox() {
        let mut source = Store::open_in_memory().unwrap();
        let ada = source
            .add_customer(CustomerDraft::named("Ada"), at(9))
            .unwrap();
        source.add_entry(note(ada.id, "Call"), at(9)).unwrap();
        source.start_sync_recording().unwrap();
        while source.seal_outbox(1_000, 100).unwrap() > 0 {}
        let incoming: Vec<IncomingEvent> = source
            .sealed_events(100)
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, e)| IncomingEvent {
                seq: i as i64 + 1,
                id: e.id,
                device_id: "other-device".into(),
                author: "ann".into(),
                hlc: e.hlc,
                entity: e.entity,
                entity_gid: e.entity_gid,
                op: e.op,
                payload: e.payload,
            })
            .collect();
        let mut copy = Store::open_in_memory().unwrap();
        copy.start_sync_recording().unwrap();
        let stats = copy.apply_pulled("team", &incoming, 2, 2_000).unwrap();
        assert_eq!((stats.applied, stats.skipped), (2, 0));
        assert_eq!(copy.sync_pending_count().unwrap(), 0);
        assert_eq!(copy.pull_cursor("team").unwrap(), 2);
        let customers = copy.customers().unwrap();
        assert_eq!(customers.len(), 1);
        assert_eq!(copy.timeline(customers[0].id).unwrap()[0].summary, "Call");
        // Delivered again (a retried pull): nothing doubles.
        copy.apply_pulled("team", &incoming, 2, 3_000).unwrap();
        assert_eq!(copy.timeline(customers[0].id).unwrap().len(), 1);
        // A local edit after the pull is recorded as usual.
        let mut edit = customers[0].to_draft();
        edit.email = "ada@example.com".into();
        copy.update_customer(customers[0].id, edit, at(10)).unwrap();
        assert_eq!(copy.sync_pending_count().unwrap(), 1);
    }

    #[test]
    fn deleting_a_customer_records_the_deletion_for_the_team_and_it_applies_elsewhere() {
        let mut source = Store::open_in_memory().unwrap();
        let ada = source
            .add_customer(CustomerDraft::named("Ada"), at(9))
            .unwrap();
        source.start_sync_recording().unwrap();
        let joined = sealed_as_incoming(&mut source, 0);
        let mut copy = Store::open_in_memory().unwrap();
        copy.start_sync_recording().unwrap();
        copy.apply_pulled("team", &joined, 1, 2_000).unwrap();
        assert_eq!(copy.customers().unwrap().len(), 1);

        source.delete_customer(ada.id, at(10)).unwrap();
        let deletion = sealed_as_incoming(&mut source, 1);
        assert_eq!(deletion.len(), 1, "one event for one deletion");
        assert_eq!(
            (deletion[0].entity.as_str(), deletion[0].op.as_str()),
            ("customer", "update")
        );
        let payload: JsonValue = serde_json::from_str(&deletion[0].payload).unwrap();
        assert_eq!(payload["deleted_at"], "2026-11-20T10:00:00");
        assert_eq!(
            payload.as_object().unwrap().len(),
            1,
            "only the changed field"
        );

        copy.apply_pulled("team", &deletion, 2, 3_000).unwrap();
        assert!(
            copy.customers().unwrap().is_empty(),
            "gone from the other rep's lists"
        );
        assert_eq!(
            copy.deleted_customers().unwrap().len(),
            1,
            "and in their trash"
        );

        source.restore_customer(ada.id).unwrap();
        let restore = sealed_as_incoming(&mut source, 2);
        let payload: JsonValue = serde_json::from_str(&restore[0].payload).unwrap();
        assert_eq!(payload["deleted_at"], JsonValue::Null);
        copy.apply_pulled("team", &restore, 3, 4_000).unwrap();
        assert_eq!(copy.customers().unwrap().len(), 1);
    }

    /// The sealed events of `store` as another device would pull them, then marked sent.
    fn sealed_as_incoming(store: &mut Store, first_seq: i64) -> Vec<IncomingEvent> {
        while store.seal_outbox(1_000, 100).unwrap() > 0 {}
        let events = store.sealed_events(100).unwrap();
        store.mark_sent(events.last().map_or(0, |e| e.seq)).unwrap();
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| IncomingEvent {
                seq: first_seq + i as i64 + 1,
                id: e.id,
                device_id: "other-device".into(),
                author: "ann".into(),
                hlc: e.hlc,
                entity: e.entity,
                entity_gid: e.entity_gid,
                op: e.op,
                payload: e.payload,
            })
            .collect()
    }
}
