//! The per-customer summary the ranking reads: recomputed from the entries for the
//! customers a write touched, inside that write's transaction, so it can never drift.

use rusqlite::{Transaction, params};

use crate::domain::CustomerId;

/// The recomputation, for the customers chosen by `{filter}` (a condition on `c`). The
/// `{rating…}` places take [`RATING_PARTS`] (schema 11 on) or nothing (schema 2 to 10).
const REFRESH_SQL: &str = r#"
INSERT OR REPLACE INTO customer_summary (
    customer_id, last_reached_at, callback_owed_since, last_bad_news_at,
    last_problem_resolved_on, last_feedback_at, snoozed_until,
    promises_kept, promises_broken, promises_renegotiated, entry_count{rating_columns})
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
        WHERE e.customer_id = r.id AND e.deleted_at IS NULL){rating_values}
FROM (
    SELECT c.id AS id,
        (SELECT e.occurred_at FROM entries e
            WHERE e.customer_id = c.id AND e.kind = 'contact' AND e.deleted_at IS NULL
              AND e.outcome = 'reached'
            ORDER BY e.occurred_at DESC LIMIT 1) AS last_reached{rating_id}
    FROM customers c
    WHERE {filter}
) AS r{rating_join}
"#;

/// The latest rating (schema 11): its entry is found from `entries_last_rating` (latest
/// `occurred_at`, the later entry on a tie), then read by id.
const RATING_PARTS: [(&str, &str); 4] = [
    (
        "{rating_columns}",
        ",\n    last_rating_id, last_rating, last_rating_at",
    ),
    ("{rating_values}", ",\n    lr.id, lr.rating, lr.occurred_at"),
    (
        "{rating_id}",
        ",\n        (SELECT e.id FROM entries e
            WHERE e.customer_id = c.id AND e.kind = 'feedback' AND e.deleted_at IS NULL
              AND e.rating IS NOT NULL
            ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) AS last_rating_id",
    ),
    (
        "{rating_join}",
        "\nLEFT JOIN entries lr ON lr.id = r.last_rating_id",
    ),
];

/// [`REFRESH_SQL`] for the customers chosen by `filter`, with the latest rating or (for
/// the upgrade step that made the summary, schema 2) without.
fn refresh_sql(filter: &str, with_rating: bool) -> String {
    let mut sql = REFRESH_SQL.replace("{filter}", filter);
    for (place, part) in RATING_PARTS {
        sql = sql.replace(place, if with_rating { part } else { "" });
    }
    sql
}

/// Recomputes one customer's summary.
pub fn refresh(tx: &Transaction<'_>, customer: CustomerId) -> rusqlite::Result<()> {
    tx.prepare_cached(&refresh_sql("c.id = ?1", true))?
        .execute(params![customer.0])?;
    Ok(())
}

/// Recomputes every customer's summary (after a bulk load or sync).
pub fn refresh_all(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch("DELETE FROM customer_summary")?;
    tx.execute(&refresh_sql("1", true), [])?;
    Ok(())
}

/// Fills the summary as schema 2 made it (no latest rating: its columns came with schema
/// 11), for the upgrade step that created the table.
pub(super) fn refresh_all_at_schema_2(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch("DELETE FROM customer_summary")?;
    tx.execute(&refresh_sql("1", false), [])?;
    Ok(())
}

/// Writes the summary of every customer who has none (the schema 11 step: journals whose
/// customers were written without one).
pub(super) fn refresh_missing(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let filter = "c.id NOT IN (SELECT customer_id FROM customer_summary)";
    tx.execute(&refresh_sql(filter, true), [])?;
    Ok(())
}

/// Inbound contacts still owed a callback that a [`Tally`] may hold across all customers
/// before it gives up (and the summary is computed by [`refresh_all`] instead): keeps the
/// memory of a bulk job bounded whatever the order of its rows.
const MAX_OWED_CONTACTS: usize = 100_000;

/// The summary of each customer computed as a bulk job writes their entries, for a job
/// that starts with no entries in the journal: then every entry of a customer passes
/// through here, and the summary is known when the last row is written. Recomputing it
/// afterwards with [`REFRESH_SQL`] looks every entry up again at random (several seconds
/// for a million entries: more than writing them). It follows [`REFRESH_SQL`] column by
/// column; a test checks the two agree on a generated journal with every kind of entry.
#[derive(Default)]
pub(super) struct Tally {
    customers: std::collections::HashMap<i64, CustomerTally>,
    /// How many owed contacts all customers hold (see [`MAX_OWED_CONTACTS`]).
    owed_contacts: usize,
    /// Set when [`MAX_OWED_CONTACTS`] was passed: the tally is no longer complete.
    gave_up: bool,
}

/// One customer's summary so far. Times and dates are kept as the stored text, so they
/// compare exactly as SQLite compares them.
#[derive(Default)]
struct CustomerTally {
    last_reached: Option<String>,
    /// Times of inbound contacts not reached after `last_reached`: the earliest is owed.
    owed: std::collections::BTreeSet<String>,
    last_bad_news: Option<String>,
    last_problem_resolved: Option<String>,
    last_feedback: Option<String>,
    snoozed_until: Option<String>,
    /// The latest rating: (occurred_at, entry id, rating), compared in that order.
    last_rating: Option<(String, i64, i64)>,
    promises_kept: i64,
    promises_broken: i64,
    promises_renegotiated: i64,
    entry_count: i64,
}

/// Keeps the greater text in `slot`, reusing its buffer.
fn keep_max(slot: &mut Option<String>, value: &str) {
    match slot {
        Some(current) if current.as_str() >= value => {}
        Some(current) => {
            current.clear();
            current.push_str(value);
        }
        None => *slot = Some(value.to_owned()),
    }
}

impl Tally {
    /// Counts entry `id` (never in the trash: a bulk job writes none there).
    pub(super) fn add(&mut self, id: i64, row: &super::entry_row::EntryRow) {
        if self.gave_up {
            return;
        }
        let c = self.customers.entry(row.customer_id).or_default();
        c.entry_count += 1;
        let at = row.occurred_at.as_str();
        match row.kind {
            "contact" => {
                if row.outcome == Some("reached") {
                    keep_max(&mut c.last_reached, at);
                    // Contacts at or before the last reach are no longer owed.
                    while c.owed.first().is_some_and(|first| first.as_str() <= at) {
                        c.owed.pop_first();
                        self.owed_contacts -= 1;
                    }
                } else if row.outcome.is_some()
                    && row.direction == Some("inbound")
                    && c.last_reached.as_deref().is_none_or(|r| at > r)
                    && c.owed.insert(at.to_owned())
                {
                    self.owed_contacts += 1;
                    if self.owed_contacts > MAX_OWED_CONTACTS {
                        self.gave_up = true;
                        self.customers.clear();
                    }
                }
            }
            "bad_news" => keep_max(&mut c.last_bad_news, at),
            "problem" if row.status == Some("resolved") => {
                if let Some(on) = &row.closed_on {
                    keep_max(&mut c.last_problem_resolved, on);
                }
            }
            "feedback" => {
                keep_max(&mut c.last_feedback, at);
                if let Some(rating) = row.rating {
                    let later = c.last_rating.as_ref().is_none_or(|(last_at, last_id, _)| {
                        (at, id) > (last_at.as_str(), *last_id)
                    });
                    if later {
                        c.last_rating = Some((at.to_owned(), id, i64::from(rating)));
                    }
                }
            }
            "snooze" => {
                if let Some(until) = &row.snooze_until {
                    keep_max(&mut c.snoozed_until, until);
                }
            }
            "promise" => {
                match row.status {
                    Some("kept") => c.promises_kept += 1,
                    Some("broken") => c.promises_broken += 1,
                    _ => {}
                }
                if row.renegotiations.as_deref().is_some_and(|r| r != "[]") {
                    c.promises_renegotiated += 1;
                }
            }
            _ => {}
        }
    }

    /// Whether the tally holds every entry written (else refresh with [`REFRESH_SQL`]).
    pub(super) fn is_complete(&self) -> bool {
        !self.gave_up
    }

    /// Writes the summary of each of `customers` (customers without entries included).
    pub(super) fn write(
        &self,
        tx: &Transaction<'_>,
        customers: impl IntoIterator<Item = CustomerId>,
    ) -> rusqlite::Result<()> {
        let mut statement = tx.prepare_cached(
            "INSERT OR REPLACE INTO customer_summary (
                customer_id, last_reached_at, callback_owed_since, last_bad_news_at,
                last_problem_resolved_on, last_feedback_at, snoozed_until,
                promises_kept, promises_broken, promises_renegotiated, entry_count,
                last_rating_id, last_rating, last_rating_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        let none = CustomerTally::default();
        for id in customers {
            let c = self.customers.get(&id.0).unwrap_or(&none);
            statement.execute(params![
                id.0,
                c.last_reached,
                c.owed.first(),
                c.last_bad_news,
                c.last_problem_resolved,
                c.last_feedback,
                c.snoozed_until,
                c.promises_kept,
                c.promises_broken,
                c.promises_renegotiated,
                c.entry_count,
                c.last_rating.as_ref().map(|r| r.1),
                c.last_rating.as_ref().map(|r| r.2),
                c.last_rating.as_ref().map(|r| &r.0),
            ])?;
        }
        Ok(())
    }
}

/// The customers a bulk write touched, kept as runs of consecutive ids: a million
/// customers added one after another are one run, not a million entries of a set, so an
/// import's memory stays flat however many customers it adds.
#[derive(Debug, Default)]
pub(super) struct Touched {
    /// First id of each run -> its last id.
    runs: std::collections::BTreeMap<i64, i64>,
    count: usize,
}

impl Touched {
    pub(super) fn insert(&mut self, id: CustomerId) {
        let id = id.0;
        let mut start = id;
        if let Some((&first, &last)) = self.runs.range(..=id).next_back() {
            if id <= last {
                return;
            }
            if last.checked_add(1) == Some(id) {
                start = first;
            }
        }
        let end = match id.checked_add(1).and_then(|next| self.runs.remove(&next)) {
            Some(last) => last,
            None => id,
        };
        self.runs.insert(start, end);
        self.count += 1;
    }

    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// The ids, smallest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = CustomerId> + '_ {
        self.runs
            .iter()
            .flat_map(|(&first, &last)| (first..=last).map(CustomerId))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn touched_customers_are_kept_as_runs_and_counted_once() {
        let mut touched = Touched::default();
        for id in [5, 6, 7, 3, 9, 8, 6, 1, 2, 20, 4, 19] {
            touched.insert(CustomerId(id));
        }
        let ids: Vec<i64> = touched.iter().map(|c| c.0).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 19, 20]);
        assert_eq!(touched.len(), 11);
        assert_eq!(touched.runs.len(), 2, "{:?}", touched.runs);
        let mut extremes = Touched::default();
        for id in [i64::MAX, i64::MIN, i64::MAX - 1] {
            extremes.insert(CustomerId(id));
        }
        assert_eq!(extremes.len(), 3);
        assert_eq!(extremes.runs.len(), 2);
    }

    use chrono::NaiveDate;

    use super::*;
    use crate::sample::{GenerateOptions, write_generated};
    use crate::store::Store;

    type SummaryRow = (
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
        i64,
        i64,
        i64,
        LatestRating,
    );

    /// The latest rating's entry id, rating and time (schema 11).
    type LatestRating = (Option<i64>, Option<i64>, Option<String>);

    fn summaries(tx: &Transaction<'_>) -> rusqlite::Result<Vec<SummaryRow>> {
        let mut statement = tx.prepare("SELECT * FROM customer_summary ORDER BY customer_id")?;
        assert_eq!(statement.column_count(), 14, "every column is compared");
        statement
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    (r.get(11)?, r.get(12)?, r.get(13)?),
                ))
            })?
            .collect()
    }

    /// The summary a bulk job tallied as it wrote, and the one the SQL computes afresh.
    fn tallied_and_recomputed(store: &mut Store) -> (Vec<SummaryRow>, Vec<SummaryRow>) {
        store
            .write(|tx| {
                let tallied = summaries(tx)?;
                refresh_all(tx)?;
                Ok((tallied, summaries(tx)?))
            })
            .unwrap()
    }

    #[test]
    fn the_summary_tallied_during_a_bulk_load_is_the_one_the_sql_computes() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let now = today.and_hms_opt(10, 0, 0).unwrap();
        let mut source = Store::open_in_memory().unwrap();
        let options = GenerateOptions {
            customers: 60,
            entries: 6_000,
            seed: 11,
        };
        write_generated(&mut source, options, today).unwrap();
        let (tallied, recomputed) = tallied_and_recomputed(&mut source);
        assert_eq!(tallied, recomputed);
        assert!(
            recomputed.iter().any(|r| r.2.is_some()),
            "callbacks are owed"
        );
        assert!(
            recomputed.iter().any(|r| r.11.1.is_some()),
            "customers have rated"
        );
        // The demo journal has renegotiated promises, which the generated one lacks.
        let mut demo = Store::open_in_memory().unwrap();
        crate::sample::write_demo(&mut demo, today).unwrap();
        let (tallied, recomputed) = tallied_and_recomputed(&mut demo);
        assert_eq!(tallied, recomputed);
        assert!(recomputed.iter().any(|r| r.9 > 0), "promises renegotiated");

        // The same entries written newest first: the tally does not depend on the order.
        let mut entries = Vec::new();
        for customer in source.customers().unwrap() {
            entries.extend(source.timeline(customer.id).unwrap());
        }
        entries.sort_by_key(|e| std::cmp::Reverse((e.occurred_at, e.id)));
        let mut copy = Store::open_in_memory().unwrap();
        copy.bulk_write(now, |w| {
            let mut ids = std::collections::HashMap::new();
            for customer in source.customers().unwrap() {
                let id = w.add_customer(customer.to_draft(), customer.created_at)?;
                ids.insert(customer.id, id);
            }
            for entry in &entries {
                let mut draft = entry.to_draft();
                draft.customer_id = ids[&draft.customer_id];
                if let crate::domain::EntryKind::BadNews(news) = &mut draft.kind {
                    news.related = None;
                }
                w.add_entry(draft)?;
            }
            Ok(())
        })
        .unwrap();
        let (tallied, recomputed) = tallied_and_recomputed(&mut copy);
        assert_eq!(tallied, recomputed);
        assert!(recomputed.iter().filter(|r| r.2.is_some()).count() > 0);
    }

    /// The summary kept on every write (the latest rating above all, schema 11) is the one
    /// computed from scratch, after random writes of every kind: entries added, ratings
    /// changed, moved in time or to another customer, trashed, restored, purged, customers
    /// merged and the merge undone, bulk writes into a journal that has entries.
    #[test]
    fn the_kept_summary_is_the_one_computed_from_scratch_after_random_writes() {
        use rand::rngs::SmallRng;
        use rand::{Rng, SeedableRng};

        use crate::domain::{EntryId, EntryKind, Feedback};

        let today = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let now = today.and_hms_opt(12, 0, 0).unwrap();
        for seed in [1, 2, 3] {
            let mut store = Store::open_in_memory().unwrap();
            let options = GenerateOptions {
                customers: 12,
                entries: 600,
                seed,
            };
            write_generated(&mut store, options, today).unwrap();
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut merges = Vec::new();
            let mut ratings_seen = 0;
            for round in 0..150 {
                let max_id: i64 = store
                    .conn
                    .query_row("SELECT max(id) FROM entries", [], |r| r.get(0))
                    .unwrap();
                let id = EntryId(rng.random_range(1..=max_id));
                let customers: Vec<CustomerId> =
                    store.customers().unwrap().iter().map(|c| c.id).collect();
                let customer = customers[rng.random_range(0..customers.len())];
                let when = |rng: &mut SmallRng| {
                    (today - chrono::Days::new(rng.random_range(0..30)))
                        .and_hms_opt(rng.random_range(8..10), 0, 0)
                        .unwrap()
                };
                let rating =
                    |rng: &mut SmallRng| rng.random_bool(0.8).then(|| rng.random_range(1..=5));
                match rng.random_range(0..10) {
                    // A rating (or an answer without one), maybe at the same minute as
                    // another: the later entry wins the tie.
                    0 | 1 => {
                        let draft = crate::domain::EntryDraft {
                            customer_id: customer,
                            occurred_at: when(&mut rng),
                            summary: "How are we doing?".into(),
                            kind: EntryKind::Feedback(Feedback {
                                rating: rating(&mut rng),
                            }),
                        };
                        store.add_entry(draft, now).unwrap();
                    }
                    // Rating changed, moved in time or to another customer.
                    2 | 3 => {
                        let Ok(entry) = store.entry(id) else { continue };
                        let mut draft = entry.to_draft();
                        match rng.random_range(0..3) {
                            0 => {
                                if let EntryKind::Feedback(feedback) = &mut draft.kind {
                                    feedback.rating = rating(&mut rng);
                                }
                            }
                            1 => draft.occurred_at = when(&mut rng),
                            _ => draft.customer_id = customer,
                        }
                        let _ = store.update_entry(id, draft, now);
                    }
                    4 => {
                        let _ = store.delete_entry(id, now);
                    }
                    5 => {
                        let _ = store.restore_entry(id);
                    }
                    6 => {
                        let _ = store.delete_entry(id, now);
                        let _ = store.purge_entry(id);
                    }
                    7 if customers.len() > 2 => {
                        let other = customers[rng.random_range(0..customers.len())];
                        if let Ok(merge) = store.merge_customers(customer, other, now) {
                            merges.push(merge);
                        }
                    }
                    8 => {
                        if let Some(merge) = merges.pop() {
                            store.undo_merge(&merge, now).unwrap();
                        }
                    }
                    _ => {
                        store
                            .bulk_write(now, |w| {
                                for _ in 0..rng.random_range(1..4) {
                                    let customer = customers[rng.random_range(0..customers.len())];
                                    w.add_entry(crate::domain::EntryDraft {
                                        customer_id: customer,
                                        occurred_at: when(&mut rng),
                                        summary: "Imported".into(),
                                        kind: EntryKind::Feedback(Feedback {
                                            rating: rating(&mut rng),
                                        }),
                                    })?;
                                }
                                Ok(())
                            })
                            .unwrap();
                    }
                }
                if round % 10 == 9 {
                    let (kept, recomputed) = tallied_and_recomputed(&mut store);
                    assert_eq!(kept, recomputed, "seed {seed}, round {round}");
                    ratings_seen += kept.iter().filter(|r| r.11.1.is_some()).count();
                    // And the ranking reads what the timeline says: the newest rated
                    // answer outside the trash, the later entry on a tie.
                    for facts in store.rank_facts(today).unwrap() {
                        let newest = store
                            .timeline(facts.customer_id)
                            .unwrap()
                            .into_iter()
                            .filter(|e| e.deleted_at.is_none())
                            .filter_map(|e| match e.kind {
                                EntryKind::Feedback(Feedback {
                                    rating: Some(rating),
                                }) => Some((e.occurred_at, e.id, rating)),
                                _ => None,
                            })
                            .max();
                        let read = facts.last_rating.map(|r| (r.at, r.entry_id, r.rating));
                        assert_eq!(read, newest, "seed {seed}, round {round}");
                    }
                }
            }
            assert!(ratings_seen > 0, "seed {seed}: customers have rated");
        }
    }
}
