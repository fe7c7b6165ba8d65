//! The journal's schema: the first version as it shipped, the current one, and the
//! forward-only steps between them. `PRAGMA user_version` says which one a file has.

/// Identifies a Candor journal among SQLite files (`PRAGMA application_id`, "Cndr").
pub const APPLICATION_ID: i32 = 0x436E_6472;

/// The schema version this Candor writes.
pub const CURRENT_VERSION: i32 = 11;

/// Version 1, frozen as it first shipped: customers and a wide entries table, one row per
/// timeline entry with the fields of every kind as nullable columns.
pub const SCHEMA_V1: &str = r#"
CREATE TABLE customers (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL CHECK (length(trim(name)) > 0),
    company      TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]',
    cadence_days INTEGER NOT NULL DEFAULT 14 CHECK (cadence_days > 0),
    archived     INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE entries (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    kind              TEXT NOT NULL,
    occurred_at       TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    channel           TEXT,
    direction         TEXT,
    outcome           TEXT,
    duration_mins     INTEGER,
    category          TEXT,
    status            TEXT,
    due_date          TEXT,
    closed_on         TEXT,
    at_risk_since     TEXT,
    risk_reason       TEXT,
    status_changed_at TEXT,
    renegotiations    TEXT,
    related_id        INTEGER,
    proactive         INTEGER,
    owner             TEXT,
    root_cause        TEXT,
    prevention        TEXT,
    amount_cents      INTEGER,
    invoice_ref       TEXT,
    rating            INTEGER,
    snooze_until      TEXT,
    is_open           INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
);

CREATE INDEX entries_by_customer_time ON entries(customer_id, occurred_at);
"#;

/// Version 2: what the "Call them first" ranking needs, kept directly queryable so that
/// ranking 10,000 customers never scans a million entries.
const UPGRADE_1_TO_2: &str = r#"
-- Time-independent facts per customer, recomputed for that customer on every write.
CREATE TABLE customer_summary (
    customer_id              INTEGER PRIMARY KEY REFERENCES customers(id),
    last_reached_at          TEXT,
    callback_owed_since      TEXT,
    last_bad_news_at         TEXT,
    last_problem_resolved_on TEXT,
    last_feedback_at         TEXT,
    snoozed_until            TEXT,
    promises_kept            INTEGER NOT NULL DEFAULT 0,
    promises_broken          INTEGER NOT NULL DEFAULT 0,
    promises_renegotiated    INTEGER NOT NULL DEFAULT 0,
    entry_count              INTEGER NOT NULL DEFAULT 0
);

-- Open promises, orders, problems and unpaid invoices: a small slice of the history.
CREATE INDEX entries_open ON entries(customer_id) WHERE is_open = 1 AND deleted_at IS NULL;

-- Recently broken promises (trust repair) without scanning every promise ever made.
CREATE INDEX entries_broken_promises ON entries(closed_on, customer_id)
    WHERE kind = 'promise' AND status = 'broken' AND deleted_at IS NULL;

-- One customer's entries of one kind in time order: the summary refresh reads only these.
CREATE INDEX entries_by_customer_kind_time ON entries(customer_id, kind, occurred_at);

-- The trash.
CREATE INDEX entries_in_trash ON entries(deleted_at) WHERE deleted_at IS NOT NULL;
"#;

/// Version 3: announcements. News that affects many customers at once (a price increase,
/// new terms, a new representative) has to reach each of them in person before it takes
/// effect, so it gets its own table, and each customer's telling is the bad news entry on
/// their timeline, linked here.
const UPGRADE_2_TO_3: &str = r#"
-- The audience is resolved when asked (all, tag, company: live), except picked customers,
-- who are listed in announcement_customers.
CREATE TABLE announcements (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL CHECK (length(trim(title)) > 0),
    reason         TEXT NOT NULL DEFAULT '',
    effective_on   TEXT NOT NULL,
    audience       TEXT NOT NULL CHECK (audience IN ('all', 'tag', 'company', 'picked')),
    audience_value TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
);

CREATE TABLE announcement_customers (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (announcement_id, customer_id)
) WITHOUT ROWID;

-- A link table rather than a column on entries: the wide entries row stays as every other
-- kind uses it, a trashed entry makes the customer untold again (the entry's deleted_at
-- decides), and purging the entry removes its link.
CREATE TABLE announcement_tellings (
    entry_id        INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    reaction        TEXT NOT NULL
);

CREATE INDEX announcement_tellings_by_announcement ON announcement_tellings(announcement_id);
"#;

/// Customer trash and journal settings (issue 11). A deleted customer keeps its row and its
/// entries until purged from the trash, so a deletion can be undone on every device (the
/// column syncs; see [`upgrade_customer_trash`]). Settings every window and the command
/// line must agree on (the journal's currency and number format) live in the journal, not
/// in one window's preferences.
const CUSTOMER_TRASH_AND_SETTINGS: &str = r#"
ALTER TABLE customers ADD COLUMN deleted_at TEXT;
CREATE INDEX customers_in_trash ON customers(deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE journal_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"#;

/// The customer-trash step: the column, the settings table, and the customer sync
/// triggers rebuilt so a deletion (a change of `deleted_at`) is recorded for the team.
fn upgrade_customer_trash(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(CUSTOMER_TRASH_AND_SETTINGS)?;
    tx.execute_batch(&super::sync::rebuild_customer_triggers_sql())
}

/// Version 8: the "Call them first" facts read from indexes alone (issue 14). On a million
/// entries `candor rank` spent most of its time fetching scattered table rows one 4 KiB page
/// at a time (some 33,700 reads): each customer's feedback rows to find the latest rating,
/// each customer's bad news to ask whether it names a broken promise, and every open item.
/// Each index below holds only the rows its question is about, with every column the
/// question reads, so SQLite answers from the index without touching the table. They are
/// partial, so a write of any other entry costs only the check of the condition.
const RANK_FACTS_INDEXES: &str = r#"
-- A customer's latest rating: feedback only. `kind` leads after the customer so that
-- SQLite prefers this index to entries_by_customer_kind_time for the same equalities.
-- Here and below, the columns of the condition are listed too: SQLite counts an index as
-- holding everything a query reads only when it holds the columns the query tests.
CREATE INDEX entries_last_rating ON entries(customer_id, kind, occurred_at, rating, deleted_at)
    WHERE kind = 'feedback' AND deleted_at IS NULL AND rating IS NOT NULL;

-- Bad news about an entry (a broken promise, a problem): whether and when it was told.
CREATE INDEX entries_bad_news_about ON entries(related_id, occurred_at, customer_id, kind,
    deleted_at)
    WHERE kind = 'bad_news' AND deleted_at IS NULL AND related_id IS NOT NULL;

-- Open items with every column the ranking and the open totals read (the summary too: open
-- items are few). Replaces entries_open (customer_id only).
DROP INDEX entries_open;
CREATE INDEX entries_open_items ON entries(customer_id, kind, due_date, amount_cents,
    occurred_at, category, at_risk_since, risk_reason, status, status_changed_at, owner,
    invoice_ref, summary, is_open, deleted_at)
    WHERE is_open = 1 AND deleted_at IS NULL;

-- Broken promises by the day they were broken, with what the ranking reads of them (it read
-- each one's row for the summary and dates). Replaces the (closed_on, customer_id) index.
DROP INDEX entries_broken_promises;
CREATE INDEX entries_broken_promises ON entries(closed_on, customer_id, due_date, updated_at,
    summary, kind, status, deleted_at)
    WHERE kind = 'promise' AND status = 'broken' AND deleted_at IS NULL;
"#;

/// Version 9: the Insights mornings kept between openings (issue 15). Rebuilding who was at
/// risk and who was owed a call on each morning of a period costs a scan of every entry and
/// the ranking of every customer on every morning; a past morning depends only on what is
/// dated on or before it, so it is kept in `insight_mornings` and used again while it is
/// older than `insight_cache_state.dirty_from`. The triggers lower `dirty_from` to the
/// earliest day any write touches (an entry's date, the day it was closed, flagged or its
/// status changed, its first renegotiation; before and after the change), in the writer's
/// own transaction, so every write path — the app, imports, sync, merges, undo, restores
/// from the trash — invalidates what it changes without having to remember to. A change of
/// a customer's archived or deleted state, cadence or creation, or of a journal setting,
/// invalidates every morning. See `Store::insights`.
const INSIGHT_MORNINGS: &str = r#"
CREATE TABLE insight_mornings (
    day     TEXT PRIMARY KEY,
    at_risk TEXT NOT NULL,
    listed  TEXT NOT NULL,
    called  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE insight_cache_state (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    dirty_from          TEXT NOT NULL,
    -- What the kept mornings were worked out with; others make them unusable.
    problem_update_days INTEGER,
    formula             INTEGER
);
INSERT INTO insight_cache_state (id, dirty_from) VALUES (1, '0000-01-01');

CREATE TRIGGER insight_dirty_entry_added AFTER INSERT ON entries BEGIN
    UPDATE insight_cache_state SET dirty_from = min(substr(NEW.occurred_at, 1, 10), coalesce(NEW.closed_on, '9999-12-31'), coalesce(substr(NEW.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(NEW.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(NEW.renegotiations) THEN json_extract(NEW.renegotiations, '$[0].on') END, '9999-12-31'))
        WHERE dirty_from > min(substr(NEW.occurred_at, 1, 10), coalesce(NEW.closed_on, '9999-12-31'), coalesce(substr(NEW.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(NEW.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(NEW.renegotiations) THEN json_extract(NEW.renegotiations, '$[0].on') END, '9999-12-31'));
END;

CREATE TRIGGER insight_dirty_entry_changed AFTER UPDATE OF customer_id, kind, occurred_at, direction, outcome, category, status, due_date, closed_on, at_risk_since, risk_reason, status_changed_at, renegotiations, related_id, proactive, root_cause, prevention, amount_cents, rating, snooze_until, updated_at, deleted_at ON entries BEGIN
    UPDATE insight_cache_state SET dirty_from = min(min(substr(OLD.occurred_at, 1, 10), coalesce(OLD.closed_on, '9999-12-31'), coalesce(substr(OLD.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(OLD.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(OLD.renegotiations) THEN json_extract(OLD.renegotiations, '$[0].on') END, '9999-12-31')), min(substr(NEW.occurred_at, 1, 10), coalesce(NEW.closed_on, '9999-12-31'), coalesce(substr(NEW.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(NEW.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(NEW.renegotiations) THEN json_extract(NEW.renegotiations, '$[0].on') END, '9999-12-31')))
        WHERE dirty_from > min(min(substr(OLD.occurred_at, 1, 10), coalesce(OLD.closed_on, '9999-12-31'), coalesce(substr(OLD.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(OLD.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(OLD.renegotiations) THEN json_extract(OLD.renegotiations, '$[0].on') END, '9999-12-31')), min(substr(NEW.occurred_at, 1, 10), coalesce(NEW.closed_on, '9999-12-31'), coalesce(substr(NEW.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(NEW.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(NEW.renegotiations) THEN json_extract(NEW.renegotiations, '$[0].on') END, '9999-12-31')));
END;

CREATE TRIGGER insight_dirty_entry_removed AFTER DELETE ON entries BEGIN
    UPDATE insight_cache_state SET dirty_from = min(substr(OLD.occurred_at, 1, 10), coalesce(OLD.closed_on, '9999-12-31'), coalesce(substr(OLD.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(OLD.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(OLD.renegotiations) THEN json_extract(OLD.renegotiations, '$[0].on') END, '9999-12-31'))
        WHERE dirty_from > min(substr(OLD.occurred_at, 1, 10), coalesce(OLD.closed_on, '9999-12-31'), coalesce(substr(OLD.at_risk_since, 1, 10), '9999-12-31'), coalesce(substr(OLD.status_changed_at, 1, 10), '9999-12-31'), coalesce(CASE WHEN json_valid(OLD.renegotiations) THEN json_extract(OLD.renegotiations, '$[0].on') END, '9999-12-31'));
END;

CREATE TRIGGER insight_dirty_customer_added AFTER INSERT ON customers BEGIN
    UPDATE insight_cache_state SET dirty_from = substr(NEW.created_at, 1, 10)
        WHERE dirty_from > substr(NEW.created_at, 1, 10);
END;

CREATE TRIGGER insight_dirty_customer_changed
    AFTER UPDATE OF id, archived, deleted_at, cadence_days, created_at ON customers
    WHEN OLD.id IS NOT NEW.id OR OLD.archived IS NOT NEW.archived
        OR OLD.deleted_at IS NOT NEW.deleted_at OR OLD.cadence_days IS NOT NEW.cadence_days
        OR OLD.created_at IS NOT NEW.created_at
BEGIN
    UPDATE insight_cache_state SET dirty_from = '0000-01-01';
END;

CREATE TRIGGER insight_dirty_customer_removed AFTER DELETE ON customers BEGIN
    UPDATE insight_cache_state SET dirty_from = '0000-01-01';
END;

CREATE TRIGGER insight_dirty_setting_added AFTER INSERT ON journal_settings BEGIN
    UPDATE insight_cache_state SET dirty_from = '0000-01-01';
END;

CREATE TRIGGER insight_dirty_setting_changed AFTER UPDATE ON journal_settings BEGIN
    UPDATE insight_cache_state SET dirty_from = '0000-01-01';
END;

CREATE TRIGGER insight_dirty_setting_removed AFTER DELETE ON journal_settings BEGIN
    UPDATE insight_cache_state SET dirty_from = '0000-01-01';
END;
"#;

/// Version 10: the Insights facts read through indexes (issue 15). Every opening of the
/// Insights scanned all entries for the per-period measures and today's morning; only the
/// rows that can change them are now read (see `Store::insight_facts_since`): entries
/// dated from the first morning to rebuild, bad news in the period, promises first due in
/// the period, promises, orders, problems and invoices still open or closed recently, and
/// each customer's latest bad news and feedback before that morning. These indexes find
/// those rows; all but the first are partial, so writing any other entry costs only the
/// check of the condition. No data changes.
const INSIGHT_FACTS_INDEXES: &str = r#"
-- Here as in version 8, the columns of each condition are listed too, so that SQLite reads
-- the ids from the index alone.
-- Entries of one kind by time: bad news in a period (and what it is about), what was
-- written since a morning.
CREATE INDEX entries_by_kind_time ON entries(kind, occurred_at, related_id, deleted_at)
    WHERE deleted_at IS NULL;

-- Promises by the date first agreed (before any renegotiation), as the kept rate counts them.
CREATE INDEX entries_promises_by_first_due ON entries(coalesce(CASE WHEN json_valid(renegotiations) THEN json_extract(renegotiations, '$[0].from_due') END, due_date), kind, deleted_at)
    WHERE kind = 'promise' AND deleted_at IS NULL;

-- Promises, orders, problems and invoices by whether and when they were closed.
CREATE INDEX entries_promises_by_state ON entries(status, closed_on, kind, deleted_at)
    WHERE kind = 'promise' AND deleted_at IS NULL;
CREATE INDEX entries_orders_by_state ON entries(status, status_changed_at, kind, deleted_at)
    WHERE kind = 'order' AND deleted_at IS NULL;
CREATE INDEX entries_problems_by_closed_on ON entries(closed_on, kind, deleted_at)
    WHERE kind = 'problem' AND deleted_at IS NULL;
CREATE INDEX entries_payments_by_closed_on ON entries(closed_on, kind, deleted_at)
    WHERE kind = 'payment' AND deleted_at IS NULL;

-- A customer's entries of one kind by time, now with what the Insights summarise of a
-- customer's contacts before a morning (the last that reached them, the first call of
-- theirs unanswered since) and of their latest bad news and feedback: one wider index
-- instead of two more partial ones beside it (each million-row index costs about 0.7 s
-- to build at the end of a bulk import; widening this one costs about 0.15 s).
DROP INDEX entries_by_customer_kind_time;
CREATE INDEX entries_by_customer_kind_time ON entries(customer_id, kind, occurred_at, outcome,
    direction, deleted_at);
"#;

/// Version 11: each customer's latest rating kept in their summary (issue 14). `candor
/// rank` looked it up in `entries_last_rating` once per customer, the larger part of
/// reading the facts; the summary is recomputed for the customers every write touches, in
/// that write's transaction (`super::summary`), so it stays right on every write path.
/// "Latest" is the latest `occurred_at`, the later entry (higher id) on a tie.
const SUMMARY_LAST_RATING: &str = r#"
ALTER TABLE customer_summary ADD COLUMN last_rating_id INTEGER;
ALTER TABLE customer_summary ADD COLUMN last_rating INTEGER;
ALTER TABLE customer_summary ADD COLUMN last_rating_at TEXT;
"#;

/// The summary-rating step: the columns, then filled from `entries_last_rating` (one
/// index probe per customer), and a summary written for any customer who had none.
fn upgrade_summary_last_rating(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SUMMARY_LAST_RATING)?;
    tx.execute_batch(
        "UPDATE customer_summary SET (last_rating_id, last_rating, last_rating_at) = (
             SELECT e.id, e.rating, e.occurred_at FROM entries e
             WHERE e.customer_id = customer_summary.customer_id AND e.kind = 'feedback'
               AND e.deleted_at IS NULL AND e.rating IS NOT NULL
             ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1)",
    )?;
    super::summary::refresh_missing(tx)
}

/// Builds a fresh journal at the current version.
pub fn create_fresh(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA_V1)?;
    upgrade_from(tx, 1)
}

/// Builds a journal as a version before [`CURRENT_VERSION`] created it, for tests that
/// upgrade an old journal (each step's own SQL, not a hand-written copy of an old schema).
#[doc(hidden)]
pub fn create_at_version(tx: &rusqlite::Transaction<'_>, version: i32) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA_V1)?;
    upgrade_steps(tx, 1, version)
}

/// Applies every upgrade step from `version` to [`CURRENT_VERSION`], in order.
pub fn upgrade_from(tx: &rusqlite::Transaction<'_>, version: i32) -> rusqlite::Result<()> {
    upgrade_steps(tx, version, CURRENT_VERSION)
}

/// Applies the upgrade steps from `version` up to `target` and stamps the file `target`
/// (tests build old versions with it).
fn upgrade_steps(
    tx: &rusqlite::Transaction<'_>,
    version: i32,
    target: i32,
) -> rusqlite::Result<()> {
    for step in version..target {
        match step {
            1 => {
                tx.execute_batch(UPGRADE_1_TO_2)?;
                // The summary as this step made it: the latest rating came with step 10.
                super::summary::refresh_all_at_schema_2(tx)?;
            }
            2 => tx.execute_batch(UPGRADE_2_TO_3)?,
            // Team sync (issue 12): global ids, the outbox and its recording triggers, sync
            // state. Self-contained (see `super::sync::upgrade_sql`) so that it can be
            // renumbered when merged beside other upgrades; it touches no other table's data.
            3 => {
                tx.execute_batch(&super::sync::upgrade_sql())?;
            }
            // Ownership (issue 13): who owns each customer in the team, who wrote each
            // pulled entry, and triggers keeping a customer handed over to someone else
            // read-only. Self-contained (see `super::ownership::upgrade_sql`); it adds
            // columns the sync triggers do not send, so they stay as step 3 made them.
            4 => {
                tx.execute_batch(&super::ownership::upgrade_sql())?;
            }
            // Customer trash and journal settings (issue 11): self-contained; it adds a
            // synced column, so it rebuilds the customer sync triggers.
            5 => upgrade_customer_trash(tx)?,
            // Announcements in team sync (issue 12): their global ids and recording
            // triggers. Self-contained (see `super::announcement_sync::upgrade_sql`).
            6 => tx.execute_batch(&super::announcement_sync::upgrade_sql())?,
            // Indexes for the ranking's facts (issue 14): self-contained, no data changes.
            7 => tx.execute_batch(RANK_FACTS_INDEXES)?,
            // The Insights mornings kept between openings (issue 15): self-contained, two
            // new tables and the triggers that invalidate them; no data changes.
            8 => tx.execute_batch(INSIGHT_MORNINGS)?,
            // Indexes for the Insights facts (issue 15): self-contained, no data changes.
            9 => tx.execute_batch(INSIGHT_FACTS_INDEXES)?,
            // Each customer's latest rating in their summary (issue 14): self-contained,
            // three columns filled from the entries.
            10 => upgrade_summary_last_rating(tx)?,
            _ => {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "no upgrade step from schema version {step}"
                )));
            }
        }
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", target)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &rusqlite::Connection) -> Vec<(String, String)> {
        let mut statement = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name",
            )
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_team_journal_from_before_the_trash_gets_it_and_records_deletions() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(SCHEMA_V1).unwrap();
        upgrade_steps(&tx, 1, 5).unwrap();
        // A journal of the version before the trash, in a team, with a customer.
        tx.execute_batch(
            "UPDATE sync_state SET value = 'recording' WHERE key = 'mode';
             INSERT INTO customers (name, created_at, updated_at)
                 VALUES ('Ada', '2026-11-01T09:00:00', '2026-11-01T09:00:00');
             DELETE FROM sync_outbox;",
        )
        .unwrap();
        upgrade_from(&tx, 5).unwrap();
        let version: i32 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(version, CURRENT_VERSION);
        tx.execute(
            "UPDATE customers SET deleted_at = '2026-12-02T10:00:00' WHERE name = 'Ada'",
            [],
        )
        .unwrap();
        let recorded: (String, String) = tx
            .query_row(
                "SELECT op, json_extract(new_state, '$.deleted_at') FROM sync_outbox",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            recorded,
            ("update".to_owned(), "2026-12-02T10:00:00".to_owned())
        );
        tx.execute(
            "INSERT INTO journal_settings (key, value) VALUES ('currency', 'EUR')",
            [],
        )
        .unwrap();
        tx.commit().unwrap();

        // The upgraded file's schema is a fresh journal's.
        let mut fresh = rusqlite::Connection::open_in_memory().unwrap();
        let fresh_tx = fresh.transaction().unwrap();
        create_fresh(&fresh_tx).unwrap();
        fresh_tx.commit().unwrap();
        assert_eq!(schema_of(&conn), schema_of(&fresh));
    }
}
