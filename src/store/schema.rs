//! The journal's schema: the first version as it shipped, the current one, and the
//! forward-only steps between them. `PRAGMA user_version` says which one a file has.

/// Identifies a Candor journal among SQLite files (`PRAGMA application_id`, "Cndr").
pub const APPLICATION_ID: i32 = 0x436E_6472;

/// The schema version this Candor writes.
pub const CURRENT_VERSION: i32 = 5;

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

/// Builds a fresh journal at the current version.
pub fn create_fresh(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(SCHEMA_V1)?;
    upgrade_from(tx, 1)
}

/// Applies every upgrade step from `version` to [`CURRENT_VERSION`], in order.
pub fn upgrade_from(tx: &rusqlite::Transaction<'_>, version: i32) -> rusqlite::Result<()> {
    for step in version..CURRENT_VERSION {
        match step {
            1 => {
                tx.execute_batch(UPGRADE_1_TO_2)?;
                super::summary::refresh_all(tx)?;
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
            _ => {
                return Err(rusqlite::Error::InvalidParameterName(format!(
                    "no upgrade step from schema version {step}"
                )));
            }
        }
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", CURRENT_VERSION)?;
    Ok(())
}
