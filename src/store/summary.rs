//! The per-customer summary the ranking reads: recomputed from the entries for the
//! customers a write touched, inside that write's transaction, so it can never drift.

use rusqlite::{Transaction, params};

use crate::domain::CustomerId;

/// The recomputation, for the customers chosen by `{filter}` (a condition on `c`).
const REFRESH_SQL: &str = r#"
INSERT OR REPLACE INTO customer_summary (
    customer_id, last_reached_at, callback_owed_since, last_bad_news_at,
    last_problem_resolved_on, last_feedback_at, snoozed_until,
    promises_kept, promises_broken, promises_renegotiated, entry_count)
SELECT
    r.id,
    r.last_reached,
    (SELECT MIN(e.occurred_at) FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'contact' AND e.deleted_at IS NULL
          AND e.direction = 'inbound' AND e.outcome <> 'reached'
          AND e.occurred_at > COALESCE(r.last_reached, '')),
    (SELECT e.occurred_at FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'bad_news' AND e.deleted_at IS NULL
        ORDER BY e.occurred_at DESC LIMIT 1),
    (SELECT MAX(e.closed_on) FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'problem' AND e.deleted_at IS NULL
          AND e.status = 'resolved'),
    (SELECT e.occurred_at FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'feedback' AND e.deleted_at IS NULL
        ORDER BY e.occurred_at DESC LIMIT 1),
    (SELECT MAX(e.snooze_until) FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'snooze' AND e.deleted_at IS NULL),
    (SELECT COUNT(*) FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'promise' AND e.deleted_at IS NULL
          AND e.status = 'kept'),
    (SELECT COUNT(*) FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'promise' AND e.deleted_at IS NULL
          AND e.status = 'broken'),
    (SELECT COUNT(*) FROM entries e
        WHERE e.customer_id = r.id AND e.kind = 'promise' AND e.deleted_at IS NULL
          AND e.renegotiations IS NOT NULL AND e.renegotiations <> '[]'),
    (SELECT COUNT(*) FROM entries e
        WHERE e.customer_id = r.id AND e.deleted_at IS NULL)
FROM (
    SELECT c.id AS id,
        (SELECT e.occurred_at FROM entries e
            WHERE e.customer_id = c.id AND e.kind = 'contact' AND e.deleted_at IS NULL
              AND e.outcome = 'reached'
            ORDER BY e.occurred_at DESC LIMIT 1) AS last_reached
    FROM customers c
    WHERE {filter}
) AS r
"#;

/// Recomputes one customer's summary.
pub fn refresh(tx: &Transaction<'_>, customer: CustomerId) -> rusqlite::Result<()> {
    let sql = REFRESH_SQL.replace("{filter}", "c.id = ?1");
    tx.prepare_cached(&sql)?.execute(params![customer.0])?;
    Ok(())
}

/// Recomputes every customer's summary (after a migration or a bulk load).
pub fn refresh_all(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch("DELETE FROM customer_summary")?;
    let sql = REFRESH_SQL.replace("{filter}", "1");
    tx.execute(&sql, [])?;
    Ok(())
}
