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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerDraft, EntryDraft, EntryKind};
    use crate::store::sync::IncomingEvent;
    use chrono::NaiveDate;

    const T0: i64 = 1_795_000_000_000;

    fn at(hour: u32) -> chrono::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    /// `from`'s changes sealed at `now_ms`, as `author` pushed them and another device
    /// pulls them.
    fn pushed(from: &mut Store, author: &str, now_ms: i64) -> Vec<IncomingEvent> {
        while from.seal_outbox(now_ms, 100).unwrap() > 0 {}
        let events = from.sealed_events(100).unwrap();
        from.mark_sent(events.last().map_or(0, |e| e.seq)).unwrap();
        let device = from.sync_device_id().unwrap();
        events
            .into_iter()
            .map(|e| IncomingEvent {
                seq: e.seq,
                id: e.id,
                device_id: device.clone(),
                author: author.to_owned(),
                hlc: e.hlc,
                entity: e.entity,
                entity_gid: e.entity_gid,
                op: e.op,
                payload: e.payload,
            })
            .collect()
    }

    #[test]
    fn each_lost_value_names_who_changed_it_and_what_won_in_either_direction() {
        let mut jon = Store::open_in_memory().unwrap();
        let mut draft = CustomerDraft::named("Ada");
        draft.phone = "555-0100".into();
        let ada = jon.add_customer(draft, at(9)).unwrap();
        let quote = jon
            .add_entry(
                EntryDraft {
                    customer_id: ada.id,
                    occurred_at: at(9),
                    summary: "Quote".into(),
                    kind: EntryKind::Note,
                },
                at(9),
            )
            .unwrap();
        jon.start_sync_recording().unwrap();
        let mut maria = Store::open_in_memory().unwrap();
        maria.set_team_login("maria").unwrap();
        maria.start_sync_recording().unwrap();
        maria
            .apply_pulled("team", &pushed(&mut jon, "jon", T0), 2, T0)
            .unwrap();
        // Jon shares Ada with Maria, so she may change her too.
        let share = IncomingEvent {
            seq: 3,
            id: "share-1".into(),
            device_id: jon.sync_device_id().unwrap(),
            author: "jon".into(),
            hlc: format!("{:015}-000000-{}", T0 + 1, jon.sync_device_id().unwrap()),
            entity: "customer".into(),
            entity_gid: jon.customer_gid(ada.id).unwrap().unwrap(),
            op: "share".into(),
            payload: r#"{"to": "maria", "to_name": "Maria"}"#.into(),
        };
        maria.apply_pulled("team", &[share], 3, T0 + 1).unwrap();
        let ada_here = maria.customers().unwrap()[0].clone();
        let quote_here = maria.timeline(ada_here.id).unwrap()[0].clone();
        assert!(maria.lost_changes(ada_here.id).unwrap().is_empty());

        // Maria's phone (T0+10) loses to Jon's later one (T0+20).
        let mut edit = ada_here.to_draft();
        edit.phone = "555-0111".into();
        maria.update_customer(ada_here.id, edit, at(10)).unwrap();
        while maria.seal_outbox(T0 + 10, 100).unwrap() > 0 {}
        let mut edit = ada.to_draft();
        edit.phone = "555-0199".into();
        jon.update_customer(ada.id, edit, at(10)).unwrap();
        let phone = pushed(&mut jon, "jon", T0 + 20);
        // Jon's summary (T0+25) loses to Maria's later one (T0+30).
        let mut edit = quote.to_draft();
        edit.summary = "Quote, Jon's words".into();
        jon.update_entry(quote.id, edit, at(11)).unwrap();
        let summary = pushed(&mut jon, "jon", T0 + 25);
        let mut edit = quote_here.to_draft();
        edit.summary = "Quote, Maria's words".into();
        maria.update_entry(quote_here.id, edit, at(11)).unwrap();
        maria
            .apply_pulled("team", &[phone, summary].concat(), 5, T0 + 30)
            .unwrap();

        let lost = maria.lost_changes(ada_here.id).unwrap();
        let told: Vec<(String, &str, &str, Option<&str>, &str)> = lost
            .iter()
            .map(|l| {
                (
                    l.thing.describe(),
                    l.lost_value.as_str(),
                    l.lost_by.as_str(),
                    l.won_value.as_deref(),
                    l.won_by.as_str(),
                )
            })
            .collect();
        assert_eq!(
            told,
            [
                (
                    "Customer details".to_owned(),
                    "\"555-0111\"",
                    "maria",
                    Some("\"555-0199\""),
                    "jon"
                ),
                (
                    "Note \"Quote, Maria's words\"".to_owned(),
                    "\"Quote, Jon's words\"",
                    "jon",
                    Some("\"Quote, Maria's words\""),
                    "maria"
                ),
            ]
        );

        // Maria changes the phone again: the value that won is no longer held here.
        let mut edit = maria.customer(ada_here.id).unwrap().to_draft();
        edit.phone = "555-0123".into();
        maria.update_customer(ada_here.id, edit, at(12)).unwrap();
        while maria.seal_outbox(T0 + 40, 100).unwrap() > 0 {}
        let lost = maria.lost_changes(ada_here.id).unwrap();
        assert_eq!(lost[0].won_value, None);
        assert!(lost[0].sentence().contains("since changed again"));
    }
}
