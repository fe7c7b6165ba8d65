//! The values that lost to a later change (`sync_history`), told as a story: who made the
//! losing change and when, and what won and who made it.
//!
//! Nothing extra is stored for this: the winning value is either the field's current value
//! (its clock still carries the winner's stamp) or the value of a later row of the history
//! (the winner itself lost afterwards); an author is known from the device in a change's
//! clock stamp, which this journal learns from every pulled change (`device:…` in
//! `sync_state`, this device being the journal's own login).

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};

use super::sync::{CUSTOMER_FIELDS, ENTRY_FIELDS, json_of};
use super::{Result, Store};
use crate::domain::CustomerId;
use crate::domain::history::{ChangedThing, LostChange};
use crate::domain::hlc::HlcStamp;

/// One row of `sync_history` with what the entry it belongs to looks like.
struct HistoryRow {
    entity: String,
    entity_gid: String,
    field: String,
    value: String,
    value_hlc: String,
    winner_hlc: String,
    author: String,
    entry: Option<(String, String)>,
}

/// The login of the person whose device made the change stamped `stamp`.
fn author_of(conn: &Connection, stamp: &str) -> rusqlite::Result<String> {
    let Some(device) = HlcStamp::parse(stamp).map(|s| s.device) else {
        return Ok(String::new());
    };
    let value = |key: &str| -> rusqlite::Result<Option<String>> {
        conn.prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()
    };
    if value("device_id")?.as_deref() == Some(device.as_str()) {
        return Ok(value("login")?.unwrap_or_default());
    }
    Ok(value(&format!("device:{device}"))?.unwrap_or_default())
}

/// The value that won over `row`, as JSON, when this journal still holds it.
fn winning_value(conn: &Connection, row: &HistoryRow) -> rusqlite::Result<Option<String>> {
    // The winner lost in its turn to a still later change: its value is in the history.
    let later_loss: Option<String> = conn
        .prepare_cached(
            "SELECT COALESCE(value, 'null') FROM sync_history \
             WHERE entity_gid = ?1 AND field = ?2 AND value_hlc = ?3 LIMIT 1",
        )?
        .query_row([&row.entity_gid, &row.field, &row.winner_hlc], |found| {
            found.get(0)
        })
        .optional()?;
    if later_loss.is_some() {
        return Ok(later_loss);
    }
    let clock: Option<String> = conn
        .prepare_cached("SELECT hlc FROM sync_field_clock WHERE entity_gid = ?1 AND field = ?2")?
        .query_row([&row.entity_gid, &row.field], |found| found.get(0))
        .optional()?;
    if clock.as_deref() != Some(row.winner_hlc.as_str()) {
        return Ok(None);
    }
    // Only a known column is read (the field name comes from the journal, not from SQL).
    let (table, fields) = match row.entity.as_str() {
        "customer" => ("customers", CUSTOMER_FIELDS),
        "entry" => ("entries", ENTRY_FIELDS),
        _ => return Ok(None),
    };
    let Some(column) = fields.iter().find(|f| **f == row.field) else {
        return Ok(None);
    };
    let current: Option<SqlValue> = conn
        .prepare_cached(&format!("SELECT {column} FROM {table} WHERE gid = ?1"))?
        .query_row([&row.entity_gid], |found| found.get(0))
        .optional()?;
    Ok(current.map(|value| json_of(value).to_string()))
}

impl Store {
    /// Every value of the customer's details and of their entries' fields that lost to a
    /// later change, oldest first, with who made each change and what won.
    pub fn lost_changes(&self, customer: CustomerId) -> Result<Vec<LostChange>> {
        let rows: Vec<HistoryRow> = self
            .conn
            .prepare_cached(
                "SELECT h.entity, h.entity_gid, h.field, COALESCE(h.value, 'null'), h.value_hlc, \
                 h.winner_hlc, h.author, e.kind, e.summary \
                 FROM sync_history h \
                 LEFT JOIN entries e ON h.entity = 'entry' AND e.gid = h.entity_gid \
                 WHERE (h.entity = 'customer' \
                        AND h.entity_gid = (SELECT gid FROM customers WHERE id = ?1)) \
                    OR (h.entity = 'entry' AND e.customer_id = ?1) \
                 ORDER BY h.value_hlc, h.id",
            )
            .and_then(|mut statement| {
                statement
                    .query_map([customer.0], |row| {
                        let kind: Option<String> = row.get(7)?;
                        let summary: Option<String> = row.get(8)?;
                        Ok(HistoryRow {
                            entity: row.get(0)?,
                            entity_gid: row.get(1)?,
                            field: row.get(2)?,
                            value: row.get(3)?,
                            value_hlc: row.get(4)?,
                            winner_hlc: row.get(5)?,
                            author: row.get(6)?,
                            entry: kind.map(|kind| (kind, summary.unwrap_or_default())),
                        })
                    })?
                    .collect()
            })
            .map_err(self.fail())?;
        rows.into_iter()
            .map(|row| {
                let lost_by = if row.author.is_empty() {
                    author_of(&self.conn, &row.value_hlc)?
                } else {
                    row.author.clone()
                };
                Ok(LostChange {
                    won_value: winning_value(&self.conn, &row)?,
                    won_by: author_of(&self.conn, &row.winner_hlc)?,
                    thing: match row.entry {
                        Some((kind, summary)) => ChangedThing::Entry { kind, summary },
                        None => ChangedThing::Customer,
                    },
                    field: row.field,
                    lost_value: row.value,
                    lost_by,
                    lost_stamp: row.value_hlc,
                    won_stamp: row.winner_hlc,
                })
            })
            .collect::<rusqlite::Result<_>>()
            .map_err(self.fail())
    }
}
