//! The per-customer facts the "Call them first" ranking needs, read in three queries that
//! touch only customers, their summaries and open items — never the whole history.

use std::collections::HashMap;

use chrono::{Days, NaiveDate, NaiveDateTime};
use rusqlite::params;

use super::entry_row::{
    get_datetime, get_lenient_opt_date, get_lenient_opt_datetime, get_opt_datetime,
};
use super::{Result, Store};
use crate::domain::dates::{format_date, parse_stored_date};
use crate::domain::rank::{
    BrokenPromise, CustomerFacts, OpenDetail, OpenItem, RatingAnswer, broken_moment, weights,
};
use crate::domain::{Cents, CustomerId, EntryId, EntryKindTag, OrderStatus, PromiseCategory};

/// A customer's record of promises and contact, for the timeline header and reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerStats {
    pub promises_kept: u32,
    pub promises_broken: u32,
    pub promises_renegotiated: u32,
    pub entry_count: u32,
    pub last_reached_at: Option<NaiveDateTime>,
    pub callback_owed_since: Option<NaiveDateTime>,
}

/// Every customer on the list with their summary, latest rating included (schema 11: it
/// was one lookup in `entries_last_rating` per customer, the larger part of this read).
/// Without `kept_rating` (a read-only journal still at an older schema: any other is
/// upgraded when it opens), the latest rating is looked up in the entries instead.
fn customer_facts_sql(kept_rating: bool) -> String {
    let rating = if kept_rating {
        "s.last_rating_id, s.last_rating, s.last_rating_at".to_owned()
    } else {
        let latest = |column: &str| {
            format!(
                "(SELECT e.{column} FROM entries e WHERE e.customer_id = c.id \
                   AND e.kind = 'feedback' AND e.deleted_at IS NULL AND e.rating IS NOT NULL \
                 ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1)"
            )
        };
        [latest("id"), latest("rating"), latest("occurred_at")].join(", ")
    };
    format!(
        "SELECT c.id, c.name, c.company, c.phone, c.cadence_days, c.created_at, \
         s.last_reached_at, s.callback_owed_since, s.last_bad_news_at, \
         s.last_problem_resolved_on, s.last_feedback_at, s.snoozed_until, {rating} \
         FROM customers c LEFT JOIN customer_summary s ON s.customer_id = c.id \
         WHERE c.archived = 0 AND c.deleted_at IS NULL AND NOT {} \
           AND c.id > ?1 AND c.id <= ?2 ORDER BY c.id",
        // A customer handed over to someone else is theirs to call.
        super::ownership::read_only("c")
    )
}

/// One row per promise broken in the window; whether bad news names it is asked of the
/// bad-news rows that link to it (few), never of the whole history. Both come from indexes
/// alone (`entries_broken_promises`, `entries_bad_news_about`, schema 8). The first is
/// named (`indexed`, schema 8 on): SQLite would otherwise take the Insights'
/// `entries_promises_by_state` (schema 10) for the status and fetch every row it finds.
fn broken_promises_sql(indexed: bool) -> String {
    let index = if indexed {
        "INDEXED BY entries_broken_promises"
    } else {
        ""
    };
    format!(
        "SELECT p.customer_id, p.id, substr(p.summary, 1, 200), \
         p.due_date, p.closed_on, p.updated_at, \
         EXISTS (SELECT 1 FROM entries b WHERE b.customer_id = p.customer_id \
           AND b.kind = 'bad_news' AND b.deleted_at IS NULL AND b.related_id = p.id) \
         FROM entries p {index} \
         WHERE p.kind = 'promise' AND p.status = 'broken' AND p.deleted_at IS NULL \
           AND p.closed_on > ?1 AND p.closed_on <= ?2 \
           AND p.customer_id > ?3 AND p.customer_id <= ?4 \
         ORDER BY p.id"
    )
}

/// Every open item, from the `entries_open_items` index alone (schema 8).
const OPEN_ITEMS_SQL: &str = "SELECT id, customer_id, kind, substr(summary, 1, 200), \
    occurred_at, due_date, category, at_risk_since, risk_reason, status, status_changed_at, \
    owner, invoice_ref, amount_cents \
    FROM entries WHERE is_open = 1 AND deleted_at IS NULL \
    AND customer_id > ?1 AND customer_id <= ?2";

/// What the second connection reads for [`Store::rank_facts`]: each row with its
/// customer's id.
#[derive(Default)]
struct PendingItems {
    /// Every promise broken in the window; `None` where its dates do not read (it still
    /// counts as broken).
    broken: Vec<(i64, Option<BrokenPromise>)>,
    open: Vec<(i64, OpenItem)>,
}

/// The position of `customer` in `facts`, which are in the order of their ids.
pub(super) fn position_of(facts: &[CustomerFacts], customer: i64) -> Option<usize> {
    facts
        .binary_search_by_key(&customer, |f| f.customer_id.0)
        .ok()
}

/// `facts` with their customers' broken promises and open items from `pending`.
fn with_pending(mut facts: Vec<CustomerFacts>, pending: PendingItems) -> Vec<CustomerFacts> {
    for (customer, broken) in pending.broken {
        let Some(i) = position_of(&facts, customer) else {
            continue;
        };
        facts[i].broken_promises_recent += 1;
        if let Some(broken) = broken {
            facts[i].broken_promises.push(broken);
        }
    }
    for (customer, item) in pending.open {
        if let Some(i) = position_of(&facts, customer) {
            facts[i].open_items.push(item);
        }
    }
    for f in &mut facts {
        f.open_items.sort_by_key(|item| item.entry_id);
    }
    facts
}

impl Store {
    /// The facts for every customer who is not archived, as of `today`, in the order of
    /// their ids.
    ///
    /// The customers and their summaries are read on this connection while their broken
    /// promises and open items are read on a second one, on the other core, in the same
    /// snapshot of the journal ([`Store::read_on_two_connections`]): each side is about
    /// half of the read on the 10,000-customer journal (issue 14).
    pub fn rank_facts(&self, today: NaiveDate) -> Result<Vec<CustomerFacts>> {
        // Only a read-only journal can still be at an older schema.
        let current = self.version()?.0 >= super::schema::CURRENT_VERSION;
        let every = (i64::MIN, i64::MAX);
        let (facts, pending) = self.read_on_two_connections(
            |store| store.customer_facts(today, current, every),
            |store| store.pending_items(today, current, every),
        )?;
        Ok(with_pending(facts, pending))
    }

    /// [`Self::rank_facts`] of the customers with ids in `ids.0 < id <= ids.1`, read on
    /// this connection alone (one part of a ranking read in parts, one per core: see
    /// [`Self::customer_id_halves`]).
    pub fn rank_facts_in(&self, today: NaiveDate, ids: (i64, i64)) -> Result<Vec<CustomerFacts>> {
        let current = self.version()?.0 >= super::schema::CURRENT_VERSION;
        let facts = self.customer_facts(today, current, ids)?;
        Ok(with_pending(
            facts,
            self.pending_items(today, current, ids)?,
        ))
    }

    /// Two ranges of customer ids that split the customers in halves, for
    /// [`Self::rank_facts_in`] on two connections at once. Both ends are open: a customer
    /// added since is in the second.
    pub fn customer_id_halves(&self) -> Result<super::IdHalves> {
        self.id_halves("SELECT COALESCE(MAX(id), 0) FROM customers")
    }

    /// Every customer on the list with their summary ([`customer_facts_sql`]), in the order
    /// of their ids.
    /// (Those with ids in `ids.0 < id <= ids.1`, with their pending announcements and
    /// handovers.)
    fn customer_facts(
        &self,
        today: NaiveDate,
        current: bool,
        ids: (i64, i64),
    ) -> Result<Vec<CustomerFacts>> {
        let mut facts = self.customer_rows(current, ids)?;
        self.attach_pending_announcements(&mut facts, today)?;
        for (customer, handover) in self.take_overs()? {
            if let Some(i) = position_of(&facts, customer.0) {
                facts[i].taken_over = Some(handover);
            }
        }
        Ok(facts)
    }

    /// The rows of [`Self::customer_facts`].
    fn customer_rows(&self, current: bool, ids: (i64, i64)) -> Result<Vec<CustomerFacts>> {
        let fail = self.fail();
        // Sized once: each customer's facts are some 500 bytes, and a list grown by
        // doubling copied 5 MB into fresh pages on the 10,000-customer journal.
        let customers: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM customers WHERE id > ?1 AND id <= ?2",
                params![ids.0, ids.1],
                |row| row.get(0),
            )
            .map_err(&fail)?;
        let mut facts: Vec<CustomerFacts> =
            Vec::with_capacity(usize::try_from(customers).unwrap_or(0));
        let mut statement = self
            .conn
            .prepare_cached(&customer_facts_sql(current))
            .map_err(&fail)?;
        let mut rows = statement.query(params![ids.0, ids.1]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<CustomerFacts> {
                let mut f = CustomerFacts::new(
                    CustomerId(row.get(0)?),
                    row.get::<_, String>(1)?,
                    get_datetime(row, 5)?,
                );
                f.company = row.get(2)?;
                f.phone = row.get(3)?;
                f.cadence_days = row.get(4)?;
                f.last_reached_at = get_opt_datetime(row, 6)?;
                f.callback_owed_since = get_opt_datetime(row, 7)?;
                f.last_bad_news_at = get_opt_datetime(row, 8)?;
                f.last_problem_resolved_on = get_lenient_opt_date(row, 9)?;
                f.last_feedback_at = get_opt_datetime(row, 10)?;
                f.snoozed_until = get_lenient_opt_date(row, 11)?;
                // A rating or time that does not read is taken as no rating, as
                // before schema 11.
                if let (Some(entry_id), Some(rating), Some(at)) = (
                    row.get::<_, Option<i64>>(12)?,
                    row.get::<_, Option<i64>>(13)?
                        .and_then(|r| u8::try_from(r).ok()),
                    get_lenient_opt_datetime(row, 14)?,
                ) {
                    f.last_rating = Some(RatingAnswer {
                        entry_id: EntryId(entry_id),
                        at,
                        rating,
                    });
                }
                Ok(f)
            };
            facts.push(read().map_err(&fail)?);
        }
        Ok(facts)
    }

    /// The promises broken in the trust window before `today` and every open item, each
    /// with its customer's id (for the second connection of [`Self::rank_facts`]).
    /// (Of the customers with ids in `ids.0 < id <= ids.1`.)
    fn pending_items(
        &self,
        today: NaiveDate,
        current: bool,
        ids: (i64, i64),
    ) -> Result<PendingItems> {
        let fail = self.fail();
        let mut pending = PendingItems::default();
        let window_start = today
            .checked_sub_days(Days::new(weights::TRUST_WINDOW_DAYS as u64))
            .unwrap_or(today);
        {
            let mut statement = self
                .conn
                .prepare_cached(&broken_promises_sql(current))
                .map_err(&fail)?;
            let mut rows = statement
                .query(params![
                    format_date(window_start),
                    format_date(today),
                    ids.0,
                    ids.1
                ])
                .map_err(&fail)?;
            while let Some(row) = rows.next().map_err(&fail)? {
                let customer: i64 = row.get(0).map_err(&fail)?;
                let read = || -> rusqlite::Result<Option<BrokenPromise>> {
                    let (Some(due), Some(closed_on)) =
                        (get_lenient_opt_date(row, 3)?, get_lenient_opt_date(row, 4)?)
                    else {
                        return Ok(None);
                    };
                    let updated_at = get_datetime(row, 5)?;
                    Ok(Some(BrokenPromise {
                        entry_id: EntryId(row.get(1)?),
                        what: row.get(2)?,
                        due,
                        broken_at: broken_moment(closed_on, updated_at),
                        bad_news_logged: row.get(6)?,
                    }))
                };
                pending.broken.push((customer, read().map_err(&fail)?));
            }
        }
        let mut statement = self.conn.prepare_cached(OPEN_ITEMS_SQL).map_err(&fail)?;
        let mut rows = statement.query(params![ids.0, ids.1]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let customer: i64 = row.get(1).map_err(&fail)?;
            let read = || -> rusqlite::Result<Option<OpenItem>> {
                let kind: String = row.get(2)?;
                let due = || -> rusqlite::Result<NaiveDate> {
                    let text: String = row.get(5)?;
                    parse_stored_date(&text).ok_or_else(|| {
                        rusqlite::Error::FromSqlConversionFailure(
                            5,
                            rusqlite::types::Type::Text,
                            format!("bad date \"{text}\"").into(),
                        )
                    })
                };
                let detail = match EntryKindTag::from_code(&kind) {
                    Some(EntryKindTag::Promise) => OpenDetail::Promise {
                        due: due()?,
                        category: row
                            .get::<_, Option<String>>(6)?
                            .as_deref()
                            .and_then(PromiseCategory::from_code)
                            .unwrap_or(PromiseCategory::Other),
                        at_risk_since: get_opt_datetime(row, 7)?,
                        risk_reason: row.get::<_, Option<String>>(8)?.unwrap_or_default(),
                    },
                    Some(EntryKindTag::Order) => OpenDetail::Order {
                        due: due()?,
                        status: row
                            .get::<_, Option<String>>(9)?
                            .as_deref()
                            .and_then(OrderStatus::from_code)
                            .unwrap_or(OrderStatus::OnTrack),
                        status_changed_at: get_opt_datetime(row, 10)?,
                    },
                    Some(EntryKindTag::Problem) => OpenDetail::Problem {
                        owner: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                    },
                    Some(EntryKindTag::Payment) => OpenDetail::Payment {
                        invoice_ref: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                        amount: Cents(row.get::<_, Option<i64>>(13)?.unwrap_or_default()),
                        due: due()?,
                    },
                    _ => return Ok(None),
                };
                Ok(Some(OpenItem {
                    entry_id: EntryId(row.get(0)?),
                    what: row.get(3)?,
                    opened_at: get_datetime(row, 4)?,
                    detail,
                }))
            };
            if let Some(item) = read().map_err(&fail)? {
                pending.open.push((customer, item));
            }
        }
        Ok(pending)
    }

    /// A customer's promise record and last contact.
    pub fn customer_stats(&self, customer: CustomerId) -> Result<CustomerStats> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT promises_kept, promises_broken, promises_renegotiated, entry_count, \
                 last_reached_at, callback_owed_since FROM customer_summary WHERE customer_id = ?1",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([customer.0]).map_err(&fail)?;
        let Some(row) = rows.next().map_err(&fail)? else {
            return Ok(CustomerStats::default());
        };
        let read = || -> rusqlite::Result<CustomerStats> {
            Ok(CustomerStats {
                promises_kept: row.get(0)?,
                promises_broken: row.get(1)?,
                promises_renegotiated: row.get(2)?,
                entry_count: row.get(3)?,
                last_reached_at: get_opt_datetime(row, 4)?,
                callback_owed_since: get_opt_datetime(row, 5)?,
            })
        };
        read().map_err(&fail)
    }

    /// Every customer's stats at once (for lists and reports), keyed by customer.
    pub fn all_customer_stats(&self) -> Result<HashMap<CustomerId, CustomerStats>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT customer_id, promises_kept, promises_broken, promises_renegotiated, \
                 entry_count, last_reached_at, callback_owed_since FROM customer_summary",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        let mut stats = HashMap::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<(CustomerId, CustomerStats)> {
                Ok((
                    CustomerId(row.get(0)?),
                    CustomerStats {
                        promises_kept: row.get(1)?,
                        promises_broken: row.get(2)?,
                        promises_renegotiated: row.get(3)?,
                        entry_count: row.get(4)?,
                        last_reached_at: get_opt_datetime(row, 5)?,
                        callback_owed_since: get_opt_datetime(row, 6)?,
                    },
                ))
            };
            let (id, s) = read().map_err(&fail)?;
            stats.insert(id, s);
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What SQLite plans for `sql` (the detail column of `EXPLAIN QUERY PLAN`), one line
    /// per step.
    fn plan(store: &Store, sql: &str) -> Vec<String> {
        store.query_plan(sql)
    }

    /// A read-only journal still at an older schema (one Candor may not upgrade) is ranked
    /// from the entries themselves, with the same facts as the kept summary gives.
    #[test]
    fn a_journal_at_an_older_schema_gives_the_same_facts_from_its_entries() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let options = crate::sample::GenerateOptions {
            customers: 40,
            entries: 4_000,
            seed: 5,
        };
        crate::sample::write_generated(&mut store, options, today).unwrap();
        let kept = store.rank_facts(today).unwrap();
        assert!(kept.iter().filter(|f| f.last_rating.is_some()).count() > 10);
        assert!(kept.iter().any(|f| !f.broken_promises.is_empty()));
        // The same rows, read as a journal of schema 7 (before the kept rating and the
        // Insights' indexes) is read.
        store.conn.pragma_update(None, "user_version", 7).unwrap();
        assert_eq!(store.rank_facts(today).unwrap(), kept);

        // And a journal made by the steps up to 7 (no kept-rating columns) is read.
        let mut old = Store::open_in_memory().unwrap();
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        {
            let tx = conn.transaction().unwrap();
            super::super::schema::create_at_version(&tx, 7).unwrap();
            tx.execute_batch(
                "INSERT INTO customers (id, name, created_at, updated_at) \
                     VALUES (1, 'Ann', '2026-01-05T09:00:00', '2026-01-05T09:00:00'); \
                 INSERT INTO entries (id, customer_id, kind, occurred_at, summary, rating, \
                                      created_at, updated_at) \
                     VALUES (7, 1, 'feedback', '2026-11-30T10:00:00', 'Slow', 2, \
                             '2026-11-30T10:00:00', '2026-11-30T10:00:00');",
            )
            .unwrap();
            tx.commit().unwrap();
        }
        old.conn = conn;
        old.read_only = true;
        let facts = old.rank_facts(today).unwrap();
        assert_eq!(
            facts[0].last_rating.map(|r| (r.entry_id, r.rating)),
            Some((EntryId(7), 2))
        );
    }

    #[test]
    fn the_ranking_facts_never_read_a_row_of_the_entries_table() {
        let store = Store::open_in_memory().unwrap();
        // The customers' facts do not read the entries at all (the latest rating is in
        // the summary since schema 11).
        let customers = plan(&store, &customer_facts_sql(true));
        assert!(
            customers.iter().all(|step| !step.contains("entries")),
            "{customers:?}"
        );
        let broken = plan(&store, &broken_promises_sql(true));
        for index in ["entries_broken_promises", "entries_bad_news_about"] {
            assert!(
                broken
                    .iter()
                    .any(|step| step.contains(&format!("COVERING INDEX {index}"))),
                "{broken:?}"
            );
        }
        let open = plan(&store, OPEN_ITEMS_SQL);
        assert_eq!(
            open,
            ["SEARCH entries USING COVERING INDEX entries_open_items \
                 (customer_id>? AND customer_id<?)"]
        );
        // Every step that reads entries does so from an index alone.
        for step in customers.iter().chain(&broken).chain(&open) {
            let of_entries = ["e", "p", "b", "entries"].iter().any(|alias| {
                step.contains(&format!(" {alias} ")) || step.ends_with(&format!(" {alias}"))
            });
            assert!(!of_entries || step.contains("COVERING INDEX"), "{step}");
        }
    }
}
