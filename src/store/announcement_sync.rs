//! Announcements in team sync: the announcement itself, the customers it was picked for,
//! and each customer's telling travel as events like customers and entries do, so a rep's
//! second computer lists the same announcements, and a manager's announcement reaches every
//! rep's journal (where their own "Call them first" asks them to tell their customers).
//!
//! Three kinds of event, recorded by triggers in the transaction of the change:
//! - `announcement` (insert, purge): its fields; it belongs to no customer, so the server
//!   shows it to its author's devices and, when the author is a manager, to the whole team;
//! - `announcement_customer` (insert): one picked customer, visible with that customer;
//! - `telling` (insert, update of the reaction): named by the bad-news entry's global id,
//!   visible with its customer. A later reaction wins, as any field does.
//!
//! Purges need no event of their own for the links: deleting the announcement or purging
//! the entry removes them on every copy, as it does here (`ON DELETE CASCADE`).

use std::collections::BTreeSet;

use rusqlite::types::Value as SqlValue;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::{Map, Value as JsonValue};

use super::outbox::{
    ApplyStats, IncomingEvent, UUID_SQL, local_id, parse_object, record_lost, recording_sql,
};
use crate::domain::CustomerId;

/// The event kinds this module records and applies.
pub const ENTITIES: &[&str] = &["announcement", "announcement_customer", "telling"];

/// An announcement's fields as they travel.
fn announcement_json(row: &str) -> String {
    format!(
        "json_object('kind', {row}.kind, 'title', {row}.title, 'reason', {row}.reason, \
         'effective_on', {row}.effective_on, 'audience', {row}.audience, \
         'audience_value', {row}.audience_value, 'created_at', {row}.created_at)"
    )
}

/// The SQL selecting, for a row `p` of `announcement_customers`, its outbox event's values.
fn pick_values(p: &str) -> String {
    format!(
        "'announcement_customer', (SELECT gid FROM announcements WHERE id = {p}.announcement_id), \
         (SELECT gid FROM customers WHERE id = {p}.customer_id), 'insert', \
         json_object('announcement', (SELECT gid FROM announcements WHERE id = {p}.announcement_id), \
                     'customer', (SELECT gid FROM customers WHERE id = {p}.customer_id))"
    )
}

/// The SQL selecting, for a row `t` of `announcement_tellings`, its insert event's values.
fn telling_values(t: &str) -> String {
    format!(
        "'telling', (SELECT gid FROM entries WHERE id = {t}.entry_id), \
         (SELECT c.gid FROM entries e JOIN customers c ON c.id = e.customer_id \
          WHERE e.id = {t}.entry_id), 'insert', \
         json_object('announcement', (SELECT gid FROM announcements WHERE id = {t}.announcement_id), \
                     'reaction', {t}.reaction)"
    )
}

/// The journal step that syncs announcements: their global ids, the recording triggers,
/// and, for a journal already in a team, its existing announcements queued for the server
/// (after every customer and entry already queued, which they refer to). Self-contained, so
/// it can be renumbered when merged.
pub fn upgrade_sql() -> String {
    let recording = recording_sql();
    format!(
        r#"
ALTER TABLE announcements ADD COLUMN gid TEXT;
CREATE UNIQUE INDEX announcements_by_gid ON announcements(gid) WHERE gid IS NOT NULL;

CREATE TRIGGER sync_announcement_insert AFTER INSERT ON announcements WHEN {recording}
BEGIN
    UPDATE announcements SET gid = {UUID_SQL} WHERE id = NEW.id AND gid IS NULL;
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state)
        SELECT 'announcement', a.gid, NULL, 'insert', {announcement_new}
        FROM announcements a WHERE a.id = NEW.id;
END;

CREATE TRIGGER sync_announcement_delete AFTER DELETE ON announcements WHEN {recording}
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op)
        VALUES ('announcement', OLD.gid, NULL, 'purge');
END;

CREATE TRIGGER sync_announcement_pick AFTER INSERT ON announcement_customers WHEN {recording}
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state)
        SELECT {pick};
END;

CREATE TRIGGER sync_telling_insert AFTER INSERT ON announcement_tellings WHEN {recording}
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state)
        SELECT {telling};
END;

CREATE TRIGGER sync_telling_update AFTER UPDATE OF reaction ON announcement_tellings
WHEN {recording}
BEGIN
    INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, old_state, new_state)
        SELECT 'telling', (SELECT gid FROM entries WHERE id = NEW.entry_id),
            (SELECT c.gid FROM entries e JOIN customers c ON c.id = e.customer_id
             WHERE e.id = NEW.entry_id), 'update',
            json_object('reaction', OLD.reaction), json_object('reaction', NEW.reaction);
END;

UPDATE announcements SET gid = {UUID_SQL}
    WHERE gid IS NULL AND {recording};
{queue}
"#,
        announcement_new = announcement_json("a"),
        pick = pick_values("NEW"),
        telling = telling_values("NEW"),
        queue = queue_existing_sql(&format!("AND {recording}")),
    )
}

/// Gives every announcement its global id (joining a team).
pub fn give_ids_sql() -> String {
    format!("UPDATE announcements SET gid = {UUID_SQL} WHERE gid IS NULL;")
}

/// Puts every announcement, pick and telling in the outbox as inserts, in that order;
/// `condition` (`AND …`) limits it (the step queues them only for a journal in a team).
pub fn queue_existing_sql(condition: &str) -> String {
    format!(
        "INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state) \
             SELECT 'announcement', a.gid, NULL, 'insert', {announcement} FROM announcements a \
             WHERE 1 {condition} ORDER BY a.id;\n\
         INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state) \
             SELECT {pick} FROM announcement_customers p WHERE 1 {condition} \
             ORDER BY p.announcement_id, p.customer_id;\n\
         INSERT INTO sync_outbox (entity, entity_gid, customer_gid, op, new_state) \
             SELECT {telling} FROM announcement_tellings t WHERE 1 {condition} ORDER BY t.entry_id;",
        announcement = announcement_json("a"),
        pick = pick_values("p"),
        telling = telling_values("t"),
    )
}

/// The local id of the row of `table` named by `gid`, when the event names one.
fn local_id_of(
    tx: &Transaction<'_>,
    table: &str,
    gid: Option<&str>,
) -> rusqlite::Result<Option<i64>> {
    match gid {
        Some(gid) => local_id(tx, table, gid),
        None => Ok(None),
    }
}

fn text<'a>(payload: &'a Map<String, JsonValue>, field: &str) -> Option<&'a str> {
    payload.get(field).and_then(JsonValue::as_str)
}

/// Applies a pulled announcement, pick or telling; `Ok(false)` when it cannot be (what it
/// refers to is not on this copy, or a field is missing): nothing changed then.
pub fn apply(
    tx: &Transaction<'_>,
    event: &IncomingEvent,
    touched: &mut BTreeSet<CustomerId>,
    stats: &mut ApplyStats,
) -> rusqlite::Result<bool> {
    let payload = parse_object(Some(&event.payload));
    let gid = event.entity_gid.as_str();
    match (event.entity.as_str(), event.op.as_str()) {
        ("announcement", "insert") => {
            if local_id(tx, "announcements", gid)?.is_some() {
                return Ok(true);
            }
            let fields = [
                "kind",
                "title",
                "reason",
                "effective_on",
                "audience",
                "audience_value",
                "created_at",
            ];
            let mut values = vec![SqlValue::Text(gid.to_owned())];
            for field in fields {
                let Some(value) = text(&payload, field) else {
                    return Ok(false);
                };
                values.push(SqlValue::Text(value.to_owned()));
            }
            tx.prepare_cached(
                "INSERT INTO announcements (gid, kind, title, reason, effective_on, audience, \
                 audience_value, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(rusqlite::params_from_iter(values))?;
            Ok(true)
        }
        ("announcement", "purge") => {
            tx.prepare_cached("DELETE FROM announcements WHERE gid = ?1")?
                .execute([gid])?;
            Ok(true)
        }
        ("announcement_customer", "insert") => {
            let announcement = local_id_of(tx, "announcements", text(&payload, "announcement"))?;
            let customer = local_id_of(tx, "customers", text(&payload, "customer"))?;
            let (Some(announcement), Some(customer)) = (announcement, customer) else {
                return Ok(false);
            };
            tx.prepare_cached(
                "INSERT OR IGNORE INTO announcement_customers (announcement_id, customer_id) \
                 VALUES (?1, ?2)",
            )?
            .execute([announcement, customer])?;
            touched.insert(CustomerId(customer));
            Ok(true)
        }
        ("telling", op @ ("insert" | "update")) => {
            let Some((entry, customer)) = tx
                .prepare_cached("SELECT id, customer_id FROM entries WHERE gid = ?1")?
                .query_row([gid], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
                })
                .optional()?
            else {
                return Ok(false);
            };
            let Some(reaction) = text(&payload, "reaction") else {
                return Ok(false);
            };
            touched.insert(CustomerId(customer));
            if op == "insert" {
                let Some(announcement) =
                    local_id_of(tx, "announcements", text(&payload, "announcement"))?
                else {
                    return Ok(false);
                };
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO announcement_tellings (entry_id, announcement_id, \
                     reaction) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![entry, announcement, reaction])?;
                return Ok(true);
            }
            apply_reaction(tx, event, entry, reaction, stats)
        }
        _ => Ok(false),
    }
}

/// A changed reaction: the later change wins; the loser stays in the history.
fn apply_reaction(
    tx: &Transaction<'_>,
    event: &IncomingEvent,
    entry: i64,
    reaction: &str,
    stats: &mut ApplyStats,
) -> rusqlite::Result<bool> {
    let gid = event.entity_gid.as_str();
    let local_clock: Option<String> = tx
        .prepare_cached(
            "SELECT hlc FROM sync_field_clock WHERE entity_gid = ?1 AND field = 'reaction'",
        )?
        .query_row([gid], |row| row.get(0))
        .optional()?;
    if local_clock.as_deref() == Some(event.hlc.as_str()) {
        return Ok(true);
    }
    let current: Option<String> = tx
        .prepare_cached("SELECT reaction FROM announcement_tellings WHERE entry_id = ?1")?
        .query_row([entry], |row| row.get(0))
        .optional()?;
    let Some(current) = current else {
        return Ok(false);
    };
    let theirs = JsonValue::from(reaction).to_string();
    if let Some(local) = &local_clock {
        if local.as_str() > event.hlc.as_str() {
            stats.conflicts += 1;
            record_lost(tx, event, "reaction", &theirs, &event.hlc, local)?;
            return Ok(true);
        }
        if current != reaction {
            let ours = JsonValue::from(current).to_string();
            record_lost(tx, event, "reaction", &ours, local, &event.hlc)?;
        }
    }
    tx.prepare_cached("UPDATE announcement_tellings SET reaction = ?2 WHERE entry_id = ?1")?
        .execute(params![entry, reaction])?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sync_field_clock (entity_gid, field, hlc) \
         VALUES (?1, 'reaction', ?2)",
    )?
    .execute([gid, event.hlc.as_str()])?;
    Ok(true)
}
