//! Who owns a customer in a team, and who wrote each entry: the journal's side of
//! handovers and shares (issue 13).
//!
//! A customer created in this journal has no team owner (it is ours). A customer pulled
//! from the team is owned by the login that created it until a handover event says
//! otherwise. A customer owned by someone else and not shared with us is read-only here:
//! triggers refuse every change to it or its entries, whatever the write path (a form, an
//! import, undo, the CLI), except while pulled changes are applied. Nothing here is synced:
//! it is derived from the events themselves (their author, handovers, shares).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value as JsonValue;

use super::{Result, Store};
use crate::domain::dates::parse_stored_datetime;
use crate::domain::rank::TakenOver;
use crate::domain::{CustomerId, EntryId};

/// The message the read-only triggers abort with; [`super::StoreError`] turns it into a
/// sentence.
pub const HANDED_OVER_MARK: &str = "candor: customer owned by another rep";

/// SQL that is true when customer row `c` is read-only here: someone else owns it and it
/// is not shared with this journal's login (unknown until the journal syncs: until then
/// nothing is read-only).
pub(super) fn read_only(c: &str) -> String {
    format!(
        "COALESCE({c}.team_owner IS NOT NULL AND {c}.shared_with_me = 0 \
         AND {c}.team_owner <> (SELECT value FROM sync_state WHERE key = 'login'), 0)"
    )
}

/// The ownership upgrade of the journal. Self-contained so the step can be renumbered when
/// merged; it needs the team-sync step (`sync_state`) before it.
pub fn upgrade_sql() -> String {
    let not_applying = "(SELECT value FROM sync_state WHERE key = 'mode') IS NOT 'applying'";
    let refuse = format!("BEGIN SELECT RAISE(ABORT, '{HANDED_OVER_MARK}'); END;");
    let customer_of = |id: &str| {
        format!(
            "EXISTS (SELECT 1 FROM customers c WHERE c.id = {id} AND {})",
            read_only("c")
        )
    };
    format!(
        r#"
-- Who owns a customer in the team (NULL: this journal's own), who had it before and since
-- when (a handover), and whether it is shared with this journal's login.
ALTER TABLE customers ADD COLUMN team_owner TEXT;
ALTER TABLE customers ADD COLUMN previous_owner TEXT;
ALTER TABLE customers ADD COLUMN owner_since TEXT;
ALTER TABLE customers ADD COLUMN shared_with_me INTEGER NOT NULL DEFAULT 0;
-- Who wrote an entry pulled from the team (their login; NULL: written here).
ALTER TABLE entries ADD COLUMN author TEXT;
-- The team's people, for names on the timeline.
CREATE TABLE team_reps (
    login      TEXT PRIMARY KEY,
    full_name  TEXT NOT NULL,
    is_manager INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- A copy of a customer handed over to someone else is read-only.
CREATE TRIGGER owned_entry_insert BEFORE INSERT ON entries
WHEN {not_applying} AND {entry_new}
{refuse}
CREATE TRIGGER owned_entry_update BEFORE UPDATE ON entries
WHEN {not_applying} AND ({entry_old} OR {entry_new})
{refuse}
CREATE TRIGGER owned_entry_delete BEFORE DELETE ON entries
WHEN {not_applying} AND {entry_old}
{refuse}
CREATE TRIGGER owned_customer_update BEFORE UPDATE ON customers
WHEN {not_applying} AND {old_row}
{refuse}
CREATE TRIGGER owned_customer_delete BEFORE DELETE ON customers
WHEN {not_applying} AND {old_row}
{refuse}
"#,
        entry_new = customer_of("NEW.customer_id"),
        entry_old = customer_of("OLD.customer_id"),
        old_row = read_only("OLD"),
    )
}

/// Owner's name, read-only, former owner's name, since when: as [`Store::ownership`] reads them.
type OwnershipRow = (Option<String>, bool, Option<String>, Option<String>);

/// A person of the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRep {
    /// Their login.
    pub login: String,
    /// Their full name.
    pub name: String,
    /// True for a manager.
    pub is_manager: bool,
}

/// A customer's place in the team, as this journal knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ownership {
    /// The owner's name (or login when the name is unknown); `None` when it is ours.
    pub owner: Option<String>,
    /// True when this copy is read-only: someone else owns it and it is not shared with us.
    pub read_only: bool,
    /// The rep it was handed over from, and when (the last handover).
    pub handed_over: Option<(String, NaiveDateTime)>,
}

impl Store {
    /// Remembers the team login this journal syncs as (decides which customers are ours).
    pub fn set_team_login(&mut self, login: &str) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO sync_state (key, value) VALUES ('login', ?1)",
            )?
            .execute([login])?;
            Ok(())
        })
    }

    /// The team login this journal syncs as, once it has synced.
    pub fn team_login(&self) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM sync_state WHERE key = 'login'")
            .and_then(|mut s| s.query_row([], |row| row.get(0)).optional())
            .map_err(self.fail())
    }

    /// Remembers the team's people (as the team database lists them).
    pub fn set_team_reps(&mut self, reps: &[TeamRep]) -> Result<()> {
        self.write(|tx| {
            for rep in reps {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO team_reps (login, full_name, is_manager) \
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![rep.login, rep.name, rep.is_manager])?;
            }
            Ok(())
        })
    }

    /// The team's people this journal knows of, by name.
    pub fn team_reps(&self) -> Result<Vec<TeamRep>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT login, full_name, is_manager FROM team_reps ORDER BY full_name, login",
            )
            .map_err(self.fail())?;
        statement
            .query_map([], |row| {
                Ok(TeamRep {
                    login: row.get(0)?,
                    name: row.get(1)?,
                    is_manager: row.get(2)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// True when this journal syncs as a manager of its team (who may hand customers over).
    pub fn is_team_manager(&self) -> Result<bool> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM team_reps WHERE is_manager = 1 \
                 AND login = (SELECT value FROM sync_state WHERE key = 'login'))",
            )
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .map_err(self.fail())
    }

    /// Who owns `customer` in the team, and whether this copy may be changed.
    pub fn ownership(&self, customer: CustomerId) -> Result<Ownership> {
        let row: Option<OwnershipRow> = self
            .conn
            .prepare_cached(&format!(
                "SELECT COALESCE(o.full_name, c.team_owner), {}, \
                 COALESCE(p.full_name, c.previous_owner), c.owner_since \
                 FROM customers c LEFT JOIN team_reps o ON o.login = c.team_owner \
                 LEFT JOIN team_reps p ON p.login = c.previous_owner WHERE c.id = ?1",
                read_only("c")
            ))
            .and_then(|mut s| {
                s.query_row([customer.0], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .optional()
            })
            .map_err(self.fail())?;
        let Some((owner, read_only, previous, since)) = row else {
            return Ok(Ownership {
                owner: None,
                read_only: false,
                handed_over: None,
            });
        };
        let me = self.team_login()?;
        let owner = owner.filter(|_| read_only || me.is_none());
        let handed_over = previous.zip(since.as_deref().and_then(parse_stored_datetime));
        Ok(Ownership {
            owner,
            read_only,
            handed_over,
        })
    }

    /// The names of who wrote `customer`'s entries, for the entries someone else wrote.
    pub fn entry_authors(&self, customer: CustomerId) -> Result<HashMap<EntryId, String>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT e.id, COALESCE(r.full_name, e.author) FROM entries e \
                 LEFT JOIN team_reps r ON r.login = e.author \
                 WHERE e.customer_id = ?1 AND e.author IS NOT NULL \
                   AND e.author IS NOT (SELECT value FROM sync_state WHERE key = 'login')",
            )
            .map_err(self.fail())?;
        statement
            .query_map([customer.0], |row| Ok((EntryId(row.get(0)?), row.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.fail())
    }

    /// Customers handed over to this journal's login, by local id.
    pub fn take_overs(&self) -> Result<HashMap<CustomerId, TakenOver>> {
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT c.id, COALESCE(r.full_name, c.previous_owner), c.owner_since \
                 FROM customers c LEFT JOIN team_reps r ON r.login = c.previous_owner \
                 WHERE c.previous_owner IS NOT NULL AND c.owner_since IS NOT NULL \
                   AND c.team_owner = (SELECT value FROM sync_state WHERE key = 'login')",
            )
            .map_err(self.fail())?;
        let rows: Vec<(i64, String, String)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.fail())?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, from, at)| {
                let at = parse_stored_datetime(&at)?;
                Some((CustomerId(id), TakenOver { from, at }))
            })
            .collect())
    }
}

fn remember_rep(tx: &Transaction<'_>, login: &str, name: &str) -> rusqlite::Result<()> {
    if login.is_empty() || name.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO team_reps (login, full_name) VALUES (?1, ?2) \
         ON CONFLICT (login) DO UPDATE SET full_name = excluded.full_name",
    )?
    .execute([login, name])?;
    Ok(())
}

fn text<'a>(payload: &'a serde_json::Map<String, JsonValue>, key: &str) -> &'a str {
    payload.get(key).and_then(JsonValue::as_str).unwrap_or("")
}

/// Applies a pulled handover to local customer `id`: its new owner, the former one and
/// when; the read-only triggers then follow from the owner. `me` is this journal's login.
pub(super) fn apply_handover(
    tx: &Transaction<'_>,
    id: i64,
    payload: &serde_json::Map<String, JsonValue>,
    me: &str,
) -> rusqlite::Result<bool> {
    let (from, to, at) = (
        text(payload, "from"),
        text(payload, "to"),
        text(payload, "at"),
    );
    if to.is_empty() || parse_stored_datetime(at).is_none() {
        return Ok(false);
    }
    remember_rep(tx, from, text(payload, "from_name"))?;
    remember_rep(tx, to, text(payload, "to_name"))?;
    remember_rep(tx, text(payload, "by"), text(payload, "by_name"))?;
    tx.prepare_cached(
        "UPDATE customers SET team_owner = ?2, previous_owner = NULLIF(?3, ''), owner_since = ?4, \
         shared_with_me = CASE WHEN ?2 = ?5 THEN 0 ELSE shared_with_me END WHERE id = ?1",
    )?
    .execute(params![id, to, from, at, me])?;
    Ok(true)
}

/// Applies a pulled share to local customer `id`: shared with `me`, it becomes writable.
pub(super) fn apply_share(
    tx: &Transaction<'_>,
    id: i64,
    payload: &serde_json::Map<String, JsonValue>,
    me: &str,
) -> rusqlite::Result<bool> {
    remember_rep(tx, text(payload, "to"), text(payload, "to_name"))?;
    if text(payload, "to") == me {
        tx.prepare_cached("UPDATE customers SET shared_with_me = 1 WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(true)
}
