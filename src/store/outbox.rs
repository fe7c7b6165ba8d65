//! What the journal's sync pieces share: the event types that go to and come from the team
//! database, when the recording triggers record, global ids made in SQL, and the history of
//! values that lost to a later change. Customers and entries (`super::sync`) and
//! announcements (`super::announcement_sync`) both build on it.

use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Map, Value as JsonValue};

/// A random UUID (version 4) in SQL, for rows that get their global id inside a trigger.
pub(super) const UUID_SQL: &str = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
    substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || \
    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

/// The mode in which the triggers record changes.
pub(super) const MODE_RECORDING: &str = "recording";

/// The condition under which the triggers record: the journal is in a team.
pub(super) fn recording_sql() -> String {
    format!("(SELECT value FROM sync_state WHERE key = 'mode') = '{MODE_RECORDING}'")
}

/// A sealed change waiting to be pushed.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEvent {
    /// Local outbox position (marks it sent once the server has it).
    pub seq: i64,
    /// The event's global id (UUIDv7).
    pub id: String,
    /// Its hybrid-clock stamp.
    pub hlc: String,
    /// `customer`, `entry`, or an announcement's kind (see `announcement_sync`).
    pub entity: String,
    /// The global id of the customer or entry.
    pub entity_gid: String,
    /// The customer it belongs to (decides who may see it).
    pub customer_gid: String,
    /// `insert`, `update` or `purge`.
    pub op: String,
    /// The fields (all of them for an insert, the changed ones for an update), as JSON.
    pub payload: String,
}

/// A change pulled from the team database.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingEvent {
    /// The server's sequence number (the pull cursor).
    pub seq: i64,
    /// The event's global id.
    pub id: String,
    /// The device that made the change.
    pub device_id: String,
    /// Who made it (their login).
    pub author: String,
    /// Its hybrid-clock stamp.
    pub hlc: String,
    /// `customer`, `entry`, or an announcement's kind (see `announcement_sync`).
    pub entity: String,
    /// The global id of the customer or entry.
    pub entity_gid: String,
    /// `insert`, `update` or `purge`.
    pub op: String,
    /// The fields, as JSON.
    pub payload: String,
}

/// What applying one batch of pulled events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Events from other devices applied (fully or partly).
    pub applied: u64,
    /// Fields whose pulled value lost to a later local one (kept in the history).
    pub conflicts: u64,
    /// Events that could not be applied (e.g. an edit of an entry this device never saw).
    pub skipped: u64,
}

/// A value that lost to a later change of the same field.
#[derive(Debug, Clone, PartialEq)]
pub struct LostValue {
    /// The field, e.g. `phone` or `status`.
    pub field: String,
    /// The losing value as JSON (`"555-0100"`, `null`…).
    pub value: String,
    /// When it was set (hybrid-clock stamp).
    pub value_hlc: String,
    /// The stamp of the change that won.
    pub winner_hlc: String,
    /// Who made the losing change, when known.
    pub author: String,
}

/// Keeps a value that lost to a later change of the same field, with who made it when
/// that is known (the pulled change's author, when the loser is theirs).
pub(super) fn record_lost(
    tx: &Transaction<'_>,
    event: &IncomingEvent,
    field: &str,
    value: &str,
    value_hlc: &str,
    winner_hlc: &str,
) -> rusqlite::Result<()> {
    let author = if value_hlc == event.hlc {
        event.author.as_str()
    } else {
        ""
    };
    tx.prepare_cached(
        "INSERT INTO sync_history (entity, entity_gid, field, value, value_hlc, winner_hlc, author) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        event.entity,
        event.entity_gid,
        field,
        value,
        value_hlc,
        winner_hlc,
        author
    ])?;
    Ok(())
}

/// The local id of the row of `table` whose global id is `gid`, if this copy has it.
pub(super) fn local_id(
    tx: &Transaction<'_>,
    table: &str,
    gid: &str,
) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached(&format!("SELECT id FROM {table} WHERE gid = ?1"))?
        .query_row([gid], |row| row.get(0))
        .optional()
}

/// A JSON object as its fields; anything else (missing, malformed) as none.
pub(super) fn parse_object(text: Option<&str>) -> Map<String, JsonValue> {
    match text.map(serde_json::from_str::<JsonValue>) {
        Some(Ok(JsonValue::Object(map))) => map,
        _ => Map::new(),
    }
}
