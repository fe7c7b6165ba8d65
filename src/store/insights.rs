//! The facts the Insights measures read ([`InsightFacts`]): promises, bad news, problems,
//! contacts and invoices of the customers who are not archived, up to the end of a period,
//! with only the columns the measures need: an opening reads through indexes only the rows
//! that can change what it shows ([`Store::insight_facts_since`]); the scan of every entry
//! ([`Store::insight_facts`]) is what it is checked against.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

use super::entry_row::{get_datetime, get_opt_datetime};
use super::two_readers::SecondReader;
use super::{Result, Store};
use crate::domain::dates::{
    format_date, format_datetime, parse_stored_date, parse_stored_datetime,
};
use crate::domain::entry::AtRisk;
use crate::domain::insights::{
    BadNewsFact, ContactFact, CustomerFact, FeedbackFact, InsightFacts, InsightOptions, Insights,
    MORNING_FORMULA, Morning, OrderFact, PaymentFact, ProblemFact, PromiseFact, RepCustomers,
    SnoozeFact, compute, compute_with_mornings,
};
use crate::domain::rank::weights;
use crate::domain::{
    Cents, CustomerId, Direction, EntryId, EntryKindTag, Order, OrderStatus, Outcome, Promise,
    PromiseCategory, PromiseStatus, RootCause,
};

fn bad_date(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("bad date \"{text}\"").into(),
    )
}

fn date(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match row.get::<_, Option<String>>(column)? {
        None => Ok(None),
        Some(text) => parse_stored_date(&text)
            .map(Some)
            .ok_or_else(|| bad_date(column, &text)),
    }
}

/// How much of the journal the facts query maps into memory while it scans (the 1M-entry
/// journal is 240 MB).
const INSIGHTS_MMAP_BYTES: i64 = 1 << 30;

fn bad_value(column: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, what.into())
}

/// A text column, borrowed from the row (`None` when NULL).
fn text<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Option<&'r str>> {
    Ok(row.get_ref(column)?.as_str_or_null()?)
}

/// A code column (kind, status, direction…) read by `parse`.
fn code<T>(
    row: &rusqlite::Row<'_>,
    column: usize,
    parse: fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let value = text(row, column)?.unwrap_or_default();
    parse(value).ok_or_else(|| bad_value(column, format!("unknown value \"{value}\"")))
}

fn required_date(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<NaiveDate> {
    date(row, column)?.ok_or_else(|| bad_value(column, "missing date".to_owned()))
}

fn datetime(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<Option<NaiveDateTime>> {
    match text(row, column)? {
        None => Ok(None),
        Some(value) => parse_stored_datetime(value)
            .map(Some)
            .ok_or_else(|| bad_value(column, format!("bad time \"{value}\""))),
    }
}

fn required_datetime(row: &rusqlite::Row<'_>, column: usize) -> rusqlite::Result<NaiveDateTime> {
    datetime(row, column)?.ok_or_else(|| bad_value(column, "missing time".to_owned()))
}

/// Adds the fact one row of the facts query (see [`Store::insight_facts`]) holds.
fn read_fact(row: &rusqlite::Row<'_>, facts: &mut InsightFacts) -> rusqlite::Result<()> {
    let id = EntryId(row.get(0)?);
    let customer = CustomerId(row.get(1)?);
    let at = required_datetime(row, 3)?;
    match code(row, 2, EntryKindTag::from_code)? {
        EntryKindTag::Contact => facts.contacts.push(ContactFact {
            customer,
            at,
            direction: code(row, 4, Direction::from_code)?,
            outcome: code(row, 5, Outcome::from_code)?,
        }),
        EntryKindTag::Promise => {
            let status = match text(row, 7)?.unwrap_or_default() {
                "open" => PromiseStatus::Open,
                "kept" => PromiseStatus::Kept(required_date(row, 9)?),
                "broken" => PromiseStatus::Broken(required_date(row, 9)?),
                other => return Err(bad_value(7, format!("unknown promise status \"{other}\""))),
            };
            let at_risk = match datetime(row, 10)? {
                Some(flagged_at) => Some(AtRisk {
                    flagged_at,
                    reason: text(row, 11)?.unwrap_or_default().to_owned(),
                }),
                None => None,
            };
            let renegotiations = match text(row, 13)?.unwrap_or_default() {
                "" => Vec::new(),
                json => serde_json::from_str(json)
                    .map_err(|e| bad_value(13, format!("bad renegotiation history: {e}")))?,
            };
            facts.promises.push(PromiseFact {
                id,
                customer,
                made_at: at,
                updated_at: required_datetime(row, 21)?,
                promise: Promise {
                    due: required_date(row, 8)?,
                    category: code(row, 6, PromiseCategory::from_code)?,
                    status,
                    at_risk,
                    renegotiations,
                },
            });
        }
        EntryKindTag::Order => facts.orders.push(OrderFact {
            id,
            customer,
            ordered_at: at,
            order: Order {
                amount: row.get::<_, Option<i64>>(18)?.map(Cents),
                promised_delivery: required_date(row, 8)?,
                status: code(row, 7, OrderStatus::from_code)?,
                status_changed_at: datetime(row, 12)?,
            },
        }),
        EntryKindTag::BadNews => facts.bad_news.push(BadNewsFact {
            customer,
            at,
            related: row.get::<_, Option<i64>>(14)?.map(EntryId),
            related_due: date(row, 22)?,
            proactive: row.get::<_, Option<bool>>(15)?.unwrap_or_default(),
        }),
        EntryKindTag::Problem => facts.problems.push(ProblemFact {
            id,
            customer,
            opened_at: at,
            resolved: match date(row, 9)? {
                Some(on) => Some((
                    on,
                    code(row, 16, RootCause::from_code)?,
                    text(row, 17)?.unwrap_or_default().to_owned(),
                )),
                None => None,
            },
        }),
        EntryKindTag::Payment => facts.payments.push(PaymentFact {
            id,
            customer,
            issued_at: at,
            due: required_date(row, 8)?,
            paid_on: date(row, 9)?,
            amount: Cents(row.get::<_, Option<i64>>(18)?.unwrap_or_default()),
        }),
        EntryKindTag::Feedback => facts.feedback.push(FeedbackFact {
            id,
            customer,
            at,
            rating: row.get(19)?,
        }),
        EntryKindTag::Snooze => facts.snoozes.push(SnoozeFact {
            customer,
            at,
            until: required_date(row, 20)?,
        }),
        EntryKindTag::Note => {}
    }
    Ok(())
}

/// The columns [`read_fact`] reads, of an entry `e` and of the entry `r` a bad news is
/// about.
const FACT_COLUMNS: &str = "SELECT e.id, e.customer_id, e.kind, e.occurred_at, e.direction, \
    e.outcome, e.category, e.status, e.due_date, e.closed_on, e.at_risk_since, e.risk_reason, \
    e.status_changed_at, e.renegotiations, e.related_id, e.proactive, e.root_cause, \
    e.prevention, e.amount_cents, e.rating, e.snooze_until, e.updated_at, r.due_date \
    FROM entries e LEFT JOIN entries r ON r.id = e.related_id AND r.deleted_at IS NULL";

/// Which entries are facts: of a kind the measures read, not in the trash, dated up to
/// the end of the period (`?1`), contacts only from `?2` on (earlier ones are summarised),
/// (with [`FACT_OF_A_CUSTOMER`]) of a customer who is not archived. The unary `+` keeps
/// SQLite off the indexes (see [`Store::insight_facts`]).
const FACT_ENTRY_CONDITION: &str = "+e.kind IN ('promise', 'order', 'bad_news', 'problem', \
    'contact', 'payment', 'feedback', 'snooze') \
    AND e.deleted_at IS NULL AND e.occurred_at <= ?1 \
    AND (e.kind <> 'contact' OR e.occurred_at >= ?2)";

/// The rest of the facts' condition: the customer is one [`InsightFacts::customers`]
/// lists (not archived, not in the trash).
const FACT_OF_A_CUSTOMER: &str =
    "+e.customer_id IN (SELECT id FROM customers WHERE archived = 0 AND deleted_at IS NULL)";

/// The date a promise was first due (before any renegotiation), as the index
/// `entries_promises_by_first_due` (schema 10) holds it: SQLite uses that index only for
/// this very expression.
const FIRST_DUE: &str = "coalesce(CASE WHEN json_valid(renegotiations) THEN \
    json_extract(renegotiations, '$[0].from_due') END, due_date)";

/// How many rows one chunk of an opening's reads holds (see
/// [`Store::read_insight_facts_since`]): some 20 chunks on the 1M-entry journal; in unit
/// tests, small enough that the small journals take many.
const ROWS_PER_CHUNK: usize = if cfg!(test) { 16 } else { 2048 };

/// The start of a query of the ids of promises, orders, problems or invoices through the
/// partial index of each kind, before the condition on its columns.
const PROMISES: &str = "SELECT id FROM entries INDEXED BY entries_promises_by_state \
    WHERE kind = 'promise' AND deleted_at IS NULL AND";
const ORDERS: &str = "SELECT id FROM entries INDEXED BY entries_orders_by_state \
    WHERE kind = 'order' AND deleted_at IS NULL AND";
const PROBLEMS: &str = "SELECT id FROM entries INDEXED BY entries_problems_by_closed_on \
    WHERE kind = 'problem' AND deleted_at IS NULL AND";
const PAYMENTS: &str = "SELECT id FROM entries INDEXED BY entries_payments_by_closed_on \
    WHERE kind = 'payment' AND deleted_at IS NULL AND";

/// How far before the first morning to rebuild an entry closed then can still matter to
/// it: a promise broken counts for trust for [`weights::TRUST_WINDOW_DAYS`] (and as
/// unexplained for [`weights::FOLLOW_UP_WINDOW_DAYS`]), a rating as unhappy for the
/// former, a resolved problem asks for a follow-up for the latter; two days more for the
/// edges.
const RECENT_DAYS: u64 = {
    let days = if weights::TRUST_WINDOW_DAYS > weights::FOLLOW_UP_WINDOW_DAYS {
        weights::TRUST_WINDOW_DAYS
    } else {
        weights::FOLLOW_UP_WINDOW_DAYS
    };
    days as u64 + 2
};

/// The mornings an opening of the Insights rebuilt, to keep in the journal for the next
/// openings ([`Store::keep_insight_mornings`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MorningsToKeep {
    /// The day of the opening: only mornings before it are kept.
    today: NaiveDate,
    problem_update_days: i64,
    mornings: Vec<Morning>,
    /// `PRAGMA data_version` of the connection that read the journal, when it read it.
    data_version: i64,
}

/// The bounds of what [`Store::read_insight_facts_since`] reads, as the queries take them.
struct FactBounds {
    from: NaiveDate,
    to: NaiveDate,
    /// The first morning to rebuild.
    mornings_from: String,
    /// The first morning to rebuild, at midnight.
    start: String,
    /// The end of the period's last day.
    end: String,
    period_start: String,
    /// [`RECENT_DAYS`] before the first morning to rebuild.
    recent: String,
    recent_start: String,
    paid_since: String,
    problems_since: String,
}

/// What [`Store::kept_mornings`] found.
struct KeptMornings {
    mornings: BTreeMap<NaiveDate, Morning>,
    dirty_from: String,
    problem_update_days: Option<i64>,
    data_version: i64,
}

impl Store {
    /// Every Insights measure over `options`' period: the one call the Insights view, `candor
    /// insights` and the HTML report make, so they can never disagree.
    pub fn insights(&self, options: &InsightOptions) -> Result<Insights> {
        self.insights_of(options, None)
    }

    /// The same measures over the customers in `only` (one rep's, for a manager), or over
    /// every customer when `None`.
    ///
    /// Over every customer, the mornings kept from earlier openings are used again and the
    /// rebuilt ones are kept for the next opening (see [`Self::insights_and_mornings`]);
    /// one rep's are computed afresh.
    pub fn insights_of(
        &self,
        options: &InsightOptions,
        only: Option<&[CustomerId]>,
    ) -> Result<Insights> {
        let (insights, keep) = self.insights_and_mornings(options, only)?;
        if let Some(keep) = keep {
            // Keeping the mornings only saves time later: a failure loses nothing.
            let _ = self.write_mornings(&keep, Some(keep.data_version));
        }
        Ok(insights)
    }

    /// The measures as [`Self::insights_of`] computes them, and the mornings it rebuilt
    /// that can be kept (`None` for one rep's measures, or when there is nothing new to
    /// keep), without writing them. The kept mornings and the facts are read in one
    /// snapshot of the journal; the mornings may be kept (by
    /// [`Self::keep_insight_mornings`]) only if nothing was written since — this
    /// connection checks `data_version`; a window that computes on another connection
    /// checks its own writes and other windows'.
    pub fn insights_and_mornings(
        &self,
        options: &InsightOptions,
        only: Option<&[CustomerId]>,
    ) -> Result<(Insights, Option<MorningsToKeep>)> {
        let fail = self.fail();
        let from = options.from.min(options.to);
        let to = options.to.max(options.from);
        if let Some(only) = only {
            let facts = self
                .insight_facts_since(from, from, to, options.today)?
                .only(&only.iter().copied().collect());
            return Ok((compute(&facts, options), None));
        }
        // Opened before this connection's read transaction begins, so that it can tell
        // whether it reads the same snapshot (see `SecondReader`).
        let second = self.second_reader();
        let read = self.conn.unchecked_transaction().map_err(&fail)?;
        let kept = self.kept_mornings(options, from, to).map_err(&fail)?;
        let helper = second.and_then(SecondReader::begin_in_same_snapshot);
        let mut first_missing = from;
        while first_missing < to && kept.mornings.contains_key(&first_missing) {
            first_missing = first_missing.succ_opt().unwrap_or(to);
        }
        let facts = self.insight_facts_read_with(from, first_missing, to, options.today, helper)?;
        read.commit().map_err(&fail)?;
        let (insights, mornings) = compute_with_mornings(&facts, options, &kept.mornings);
        let new: Vec<Morning> = mornings
            .into_iter()
            .filter(|m| m.day < options.today && !kept.mornings.contains_key(&m.day))
            .collect();
        let today = format_date(options.today);
        let same_setting = kept.problem_update_days == Some(options.problem_update_days);
        let keep = (!self.read_only
            && (!new.is_empty() || kept.dirty_from != today || !same_setting))
            .then_some(MorningsToKeep {
                today: options.today,
                problem_update_days: options.problem_update_days,
                mornings: new,
                data_version: kept.data_version,
            });
        Ok((insights, keep))
    }

    /// Keeps the mornings `keep` holds (from [`Self::insights_and_mornings`], possibly
    /// run on another connection of the same journal) for the next openings. The caller
    /// makes sure nothing was written to the journal since they were read.
    pub fn keep_insight_mornings(&self, keep: &MorningsToKeep) -> Result<()> {
        self.write_mornings(keep, None).map_err(self.fail())
    }

    /// Keeps the mornings `keep` holds, computed by [`Self::insights_and_mornings`] on this
    /// same connection, unless another connection wrote to the journal since they were
    /// read.
    pub fn keep_insight_mornings_read_here(&self, keep: &MorningsToKeep) -> Result<()> {
        self.write_mornings(keep, Some(keep.data_version))
            .map_err(self.fail())
    }

    /// The number of rows this connection has inserted, changed or deleted since it was
    /// opened (`sqlite3_total_changes`): unchanged means it wrote nothing meanwhile.
    pub fn total_changes(&self) -> u64 {
        self.conn.total_changes()
    }

    /// The mornings of `from..=to` kept and still valid (before `dirty_from` and before
    /// today, computed with the same `problem_update_days`), with the state they were
    /// read in.
    fn kept_mornings(
        &self,
        options: &InsightOptions,
        from: NaiveDate,
        to: NaiveDate,
    ) -> rusqlite::Result<KeptMornings> {
        let (dirty_from, problem_update_days): (String, Option<i64>) = self.conn.query_row(
            "SELECT dirty_from, CASE WHEN formula IS ?1 THEN problem_update_days END \
             FROM insight_cache_state WHERE id = 1",
            [MORNING_FORMULA],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let data_version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))?;
        let mut kept = KeptMornings {
            mornings: BTreeMap::new(),
            dirty_from,
            problem_update_days,
            data_version,
        };
        if problem_update_days != Some(options.problem_update_days) {
            return Ok(kept);
        }
        let until = format_date(to.min(options.today.pred_opt().unwrap_or(options.today)));
        let mut statement = self.conn.prepare(
            "SELECT day, at_risk, listed, called FROM insight_mornings \
             WHERE day >= ?1 AND day <= ?2 AND day < ?3 ORDER BY day",
        )?;
        let mut rows = statement.query((format_date(from), until, &kept.dirty_from))?;
        while let Some(row) = rows.next()? {
            let day = required_date(row, 0)?;
            let ids = |column: usize| -> rusqlite::Result<Vec<CustomerId>> {
                match row.get_ref(column)? {
                    rusqlite::types::ValueRef::Blob(bytes) => morning_ids_from_bytes(bytes)
                        .ok_or_else(|| bad_value(column, "bad kept morning: torn ids".into())),
                    // As the first Candor with kept mornings wrote them.
                    rusqlite::types::ValueRef::Text(json) => {
                        let ids: Vec<i64> = serde_json::from_slice(json)
                            .map_err(|e| bad_value(column, format!("bad kept morning: {e}")))?;
                        Ok(ids.into_iter().map(CustomerId).collect())
                    }
                    _ => Err(bad_value(column, "bad kept morning: no ids".into())),
                }
            };
            kept.mornings.insert(
                day,
                Morning {
                    day,
                    at_risk: ids(1)?,
                    listed: ids(2)?,
                    called: ids(3)?,
                },
            );
        }
        Ok(kept)
    }

    /// Writes the mornings of `keep` and moves `dirty_from` to its today, in one
    /// transaction; with `data_version`, only if no other connection committed a change
    /// since this one read it.
    fn write_mornings(
        &self,
        keep: &MorningsToKeep,
        data_version: Option<i64>,
    ) -> rusqlite::Result<()> {
        if self.read_only {
            return Ok(());
        }
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        if let Some(data_version) = data_version {
            let now: i64 = tx.pragma_query_value(None, "data_version", |row| row.get(0))?;
            if now != data_version {
                return Ok(());
            }
        }
        let (dirty_from, problem_update_days): (String, Option<i64>) = tx.query_row(
            "SELECT dirty_from, CASE WHEN formula IS ?1 THEN problem_update_days END \
             FROM insight_cache_state WHERE id = 1",
            [MORNING_FORMULA],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        if problem_update_days != Some(keep.problem_update_days) {
            // Kept with another setting: none of them holds.
            tx.execute("DELETE FROM insight_mornings", [])?;
        } else {
            // Those from `dirty_from` on no longer hold; the ones this opening rebuilt
            // are written again below, the others are gone until rebuilt.
            tx.execute(
                "DELETE FROM insight_mornings WHERE day >= ?1",
                [&dirty_from],
            )?;
        }
        {
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO insight_mornings (day, at_risk, listed, called) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for morning in keep.mornings.iter().filter(|m| m.day < keep.today) {
                insert.execute((
                    format_date(morning.day),
                    morning_ids_to_bytes(&morning.at_risk),
                    morning_ids_to_bytes(&morning.listed),
                    morning_ids_to_bytes(&morning.called),
                ))?;
            }
        }
        // Every morning kept before today now holds.
        tx.execute(
            "UPDATE insight_cache_state SET dirty_from = ?1, problem_update_days = ?2, \
             formula = ?3 WHERE id = 1",
            (
                format_date(keep.today),
                keep.problem_update_days,
                MORNING_FORMULA,
            ),
        )?;
        tx.commit()
    }

    /// The same measures for the whole journal and for each rep who owns customers in it
    /// (a manager's journal), from one read of the facts.
    pub fn insights_per_rep(
        &self,
        options: &InsightOptions,
    ) -> Result<(Insights, Vec<(RepCustomers, Insights)>)> {
        let from = options.from.min(options.to);
        let facts =
            self.insight_facts_since(from, from, options.to.max(options.from), options.today)?;
        let reps = self.insight_reps()?;
        let per_rep = reps
            .into_iter()
            .map(|rep| {
                let only = rep.customers.iter().copied().collect();
                let insights = compute(&facts.only(&only), options);
                (rep, insights)
            })
            .collect();
        Ok((compute(&facts, options), per_rep))
    }

    /// The reps who own customers in this journal (customers pulled from the team), by
    /// login, with their customers; empty for a journal of one's own.
    pub fn insight_reps(&self) -> Result<Vec<RepCustomers>> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare(
                "SELECT c.team_owner, COALESCE(r.full_name, c.team_owner), c.id \
                 FROM customers c LEFT JOIN team_reps r ON r.login = c.team_owner \
                 WHERE c.team_owner IS NOT NULL AND c.archived = 0 AND c.deleted_at IS NULL \
                 ORDER BY c.team_owner, c.id",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        let mut reps: Vec<RepCustomers> = Vec::new();
        while let Some(row) = rows.next().map_err(&fail)? {
            let login: String = row.get(0).map_err(&fail)?;
            let customer = CustomerId(row.get(2).map_err(&fail)?);
            match reps.last_mut() {
                Some(rep) if rep.login == login => rep.customers.push(customer),
                _ => reps.push(RepCustomers {
                    login,
                    name: row.get(1).map_err(&fail)?,
                    customers: vec![customer],
                }),
            }
        }
        Ok(reps)
    }

    /// Everything the Insights measures need about what happened up to the end of `to`,
    /// read in one pass over the entries in storage order. The unary `+` keeps SQLite off
    /// the (customer, kind, time) index: walking it customer by customer reads the same
    /// rows in random order, 4–6 times slower on a million entries than one plain scan.
    ///
    /// Contacts are most of a journal; those before `from` are summarised per customer by
    /// the two that still matter in the period — the last that reached them, and the first
    /// call of theirs left unanswered since — found by walking the (customer, kind, time)
    /// index a few rows per customer.
    pub fn insight_facts(&self, from: NaiveDate, to: NaiveDate) -> Result<InsightFacts> {
        let fail = self.fail();
        let start = format_datetime(from.and_time(NaiveTime::MIN));
        let end = format_datetime(
            to.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
        );
        // Only the columns the measures read (no text, no channel, no owner), decoded
        // straight into facts: the full entry decoding (`read_entry`) parsed three
        // time stamps and copied every text column of 400,000 rows the measures never look
        // at. Then the due date of the entry a bad news is about.
        let mut statement = self
            .conn
            .prepare(&format!(
                "{FACT_COLUMNS} WHERE {FACT_ENTRY_CONDITION} AND {FACT_OF_A_CUSTOMER}"
            ))
            .map_err(&fail)?;
        // The scan reads most of the file: mapped, its pages are not copied into SQLite's
        // cache one read at a time (a tenth of the time on a million entries). Only an
        // optimisation, so a refusal is no error; the mapping ends with the scan.
        let _ = self
            .conn
            .pragma_update(None, "mmap_size", INSIGHTS_MMAP_BYTES);
        let mut facts = InsightFacts::default();
        let read = (|| {
            let mut rows = statement.query([&end, &start])?;
            while let Some(row) = rows.next()? {
                read_fact(row, &mut facts)?;
            }
            Ok(())
        })();
        let _ = self.conn.pragma_update(None, "mmap_size", 0);
        read.map_err(&fail)?;
        self.add_customers_and_earlier_contacts(&mut facts, &start, false)?;
        Ok(facts)
    }

    /// The facts [`compute_with_mornings`] needs for the period `from..=to`, rebuilding
    /// the mornings from `mornings_from` on (kept ones before it), as of `today`: the same
    /// measures as from [`Self::insight_facts`], from only the rows that can change them,
    /// found through indexes (schema 10, each named: without statistics SQLite would
    /// walk every entry of a kind) rather than by scanning every entry:
    ///
    /// - every entry dated from `mornings_from` on (contacts only from then, as there);
    /// - for the period's measures: bad news delivered in it and the promises they are
    ///   about, promises first due in it, problems open during it, invoices unpaid during
    ///   it (paid on or after `from` or `today`, the sooner);
    /// - for the mornings: promises, orders, problems and invoices open or closed since
    ///   [`RECENT_DAYS`] before `mornings_from` (older ones change none of them), every
    ///   bad news about those promises and orders, feedback of those days, every snooze,
    ///   and each customer's latest bad news and feedback before `mornings_from`
    ///   (summarised: see [`Self::add_latest_news_and_feedback`]).
    ///
    /// The rows read come in entry order, as the scan reads them, the summaries after
    /// them. Any other fact of the journal would change nothing, so the sets may overlap;
    /// `tests/insights_cache.rs` checks the result against the scan after random writes.
    pub fn insight_facts_since(
        &self,
        from: NaiveDate,
        mornings_from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> Result<InsightFacts> {
        self.insight_facts_read_with(from, mornings_from, to, today, None)
    }

    /// [`Self::insight_facts_since`], with half the work done on another thread by
    /// `helper` when given: a second connection reading the same snapshot of the journal
    /// as this one (see [`SecondReader::begin_in_same_snapshot`]).
    fn insight_facts_read_with(
        &self,
        from: NaiveDate,
        mornings_from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        helper: Option<Store>,
    ) -> Result<InsightFacts> {
        let fail = self.fail();
        let mornings_from = mornings_from.max(from);
        let version: i32 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(&fail)?;
        if version < 10 {
            // A journal opened read-only before its upgrade has no such indexes: scan.
            return self.insight_facts(mornings_from, to);
        }
        // Mapped, the pages the reads below scatter over are not copied into SQLite's cache
        // one read at a time (see `insight_facts`).
        let _ = self
            .conn
            .pragma_update(None, "mmap_size", INSIGHTS_MMAP_BYTES);
        let read = self.read_insight_facts_since(from, mornings_from, to, today, helper);
        let _ = self.conn.pragma_update(None, "mmap_size", 0);
        read
    }

    /// [`Self::insight_facts_since`] on a journal of schema 10 or later.
    ///
    /// With `helper`, the split is: this connection finds the rows to read; the helper, on
    /// another thread, summarises the earlier history of every customer meanwhile; both
    /// then read the rows, a chunk of ids at a time. The facts come in the same order as
    /// without it: the rows by id, then the summaries.
    fn read_insight_facts_since(
        &self,
        from: NaiveDate,
        mornings_from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
        helper: Option<Store>,
    ) -> Result<InsightFacts> {
        let start = format_datetime(mornings_from.and_time(NaiveTime::MIN));
        let end = format_datetime(
            to.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)),
        );
        let period_start = format_datetime(from.and_time(NaiveTime::MIN));
        let recent = format_date(
            mornings_from
                .checked_sub_days(Days::new(RECENT_DAYS))
                .unwrap_or(mornings_from),
        );
        let recent_start = format!("{recent}T00:00:00");
        let paid_since = format_date(from.min(today));
        let problems_since = format_date(
            from.min(
                mornings_from
                    .checked_sub_days(Days::new(RECENT_DAYS))
                    .unwrap_or(mornings_from),
            ),
        );
        let bounds = FactBounds {
            from,
            to,
            mornings_from: format_date(mornings_from),
            start,
            end,
            period_start,
            recent,
            recent_start,
            paid_since,
            problems_since,
        };
        let Some(helper) = helper else {
            let ids = self.insight_fact_ids(&bounds)?;
            let mut facts = self.read_facts_by_id(&ids, &bounds)?;
            self.add_summaries(&mut facts, &bounds)?;
            facts.keep_listed_customers_only();
            return Ok(facts);
        };
        // The rows are read in chunks of ids, in order, each by whichever connection is
        // free first: the helper's summaries and this side's search take times that vary
        // with the journal and with what else the machine runs.
        let ids: OnceLock<Vec<i64>> = OnceLock::new();
        let next_chunk = AtomicUsize::new(0);
        let read_chunks = |store: &Store| -> Result<Vec<(usize, InsightFacts)>> {
            let ids = ids.get().map(Vec::as_slice).unwrap_or_default();
            let mut read = Vec::new();
            loop {
                let chunk = next_chunk.fetch_add(1, Ordering::Relaxed);
                let first = chunk.saturating_mul(ROWS_PER_CHUNK);
                if first >= ids.len() {
                    return Ok(read);
                }
                let ids = &ids[first..(first + ROWS_PER_CHUNK).min(ids.len())];
                read.push((chunk, store.read_facts_by_id(ids, &bounds)?));
            }
        };
        let (found, wait_for_ids) = std::sync::mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let read_chunks = &read_chunks;
            let bounds = &bounds;
            let theirs = scope.spawn(move || -> Result<_> {
                let _ = helper
                    .conn
                    .pragma_update(None, "mmap_size", INSIGHTS_MMAP_BYTES);
                let mut summaries = InsightFacts::default();
                helper.add_summaries(&mut summaries, bounds)?;
                // Nothing comes when this side failed: its error is the one returned.
                let chunks = match wait_for_ids.recv() {
                    Ok(()) => read_chunks(&helper)?,
                    Err(_) => Vec::new(),
                };
                Ok((chunks, summaries))
            });
            let mine = (|| -> Result<_> {
                let _ = ids.set(self.insight_fact_ids(bounds)?);
                let _ = found.send(());
                read_chunks(self)
            })();
            drop(found);
            let theirs = theirs
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let mut chunks = mine?;
            let (their_chunks, summaries) = theirs?;
            chunks.extend(their_chunks);
            chunks.sort_unstable_by_key(|(chunk, _)| *chunk);
            let mut facts = InsightFacts::default();
            for (_, read) in chunks {
                facts.append(read);
            }
            facts.append(summaries);
            facts.keep_listed_customers_only();
            Ok(facts)
        })
    }

    /// The ids of the entries [`Self::read_insight_facts_since`] reads, in order.
    fn insight_fact_ids(&self, bounds: &FactBounds) -> Result<Vec<i64>> {
        let fail = self.fail();
        let FactBounds {
            from,
            to,
            mornings_from,
            start,
            end,
            period_start,
            recent,
            recent_start,
            paid_since,
            problems_since,
            ..
        } = bounds;
        let (from, to) = (*from, *to);
        let mut ids: BTreeSet<i64> = BTreeSet::new();
        let collect =
            |ids: &mut BTreeSet<i64>, sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<()> {
                let mut statement = self.conn.prepare_cached(sql).map_err(&fail)?;
                let mut rows = statement.query(params).map_err(&fail)?;
                while let Some(row) = rows.next().map_err(&fail)? {
                    for column in 0..row.as_ref().column_count() {
                        if let Some(id) = row.get::<_, Option<i64>>(column).map_err(&fail)? {
                            ids.insert(id);
                        }
                    }
                }
                Ok(())
            };
        // Everything written from the first morning to rebuild on.
        collect(
            &mut ids,
            "SELECT id FROM entries INDEXED BY entries_by_kind_time \
             WHERE kind IN ('promise', 'order', 'bad_news', 'problem', \
               'contact', 'payment', 'feedback', 'snooze') \
             AND deleted_at IS NULL AND occurred_at >= ?1 AND occurred_at <= ?2",
            &[&start, &end],
        )?;
        // Bad news delivered in the period, and what it is about (its first due date).
        collect(
            &mut ids,
            "SELECT id, related_id FROM entries INDEXED BY entries_by_kind_time \
             WHERE kind = 'bad_news' AND deleted_at IS NULL \
             AND occurred_at >= ?1 AND occurred_at <= ?2",
            &[&period_start, &end],
        )?;
        // Promises first due in the period.
        collect(
            &mut ids,
            &format!(
                "SELECT id FROM entries INDEXED BY entries_promises_by_first_due \
                 WHERE kind = 'promise' AND deleted_at IS NULL \
                 AND {FIRST_DUE} >= ?1 AND {FIRST_DUE} <= ?2"
            ),
            &[&format_date(from), &format_date(to)],
        )?;
        // Promises, orders, problems and invoices open, or closed recently enough to count:
        // each condition a range of its index, so that SQLite seeks to the few rows
        // instead of walking every promise (an `OR` of them walked the whole index).
        collect(
            &mut ids,
            &format!(
                "{PROMISES} status IS NULL \
                 UNION ALL {PROMISES} status < 'broken' \
                 UNION ALL {PROMISES} status > 'broken' AND status < 'kept' \
                 UNION ALL {PROMISES} status > 'kept' \
                 UNION ALL {PROMISES} status = 'kept' AND closed_on >= ?1 \
                 UNION ALL {PROMISES} status = 'broken' AND closed_on >= ?2"
            ),
            &[mornings_from, recent],
        )?;
        collect(
            &mut ids,
            &format!(
                "{ORDERS} status IS NULL \
                 UNION ALL {ORDERS} status < 'delivered' \
                 UNION ALL {ORDERS} status > 'delivered' \
                 UNION ALL {ORDERS} status = 'delivered' AND status_changed_at >= ?1"
            ),
            &[&start],
        )?;
        collect(
            &mut ids,
            &format!("{PROBLEMS} closed_on IS NULL UNION ALL {PROBLEMS} closed_on >= ?1"),
            &[&problems_since],
        )?;
        collect(
            &mut ids,
            &format!("{PAYMENTS} closed_on IS NULL UNION ALL {PAYMENTS} closed_on >= ?1"),
            &[&paid_since],
        )?;
        // Snoozes are few; feedback of the days a rating still counts.
        collect(
            &mut ids,
            "SELECT id FROM entries INDEXED BY entries_by_kind_time WHERE kind = 'snooze' AND deleted_at IS NULL",
            &[],
        )?;
        collect(
            &mut ids,
            "SELECT id FROM entries INDEXED BY entries_by_kind_time WHERE kind = 'feedback' AND deleted_at IS NULL \
             AND occurred_at >= ?1 AND occurred_at <= ?2",
            &[&recent_start, &end],
        )?;
        // Every bad news about the promises and orders found (told or not, and when).
        let about = ids_json(&ids);
        collect(
            &mut ids,
            "SELECT id FROM entries INDEXED BY entries_bad_news_about \
             WHERE kind = 'bad_news' AND deleted_at IS NULL AND related_id IS NOT NULL \
             AND related_id IN (SELECT value FROM json_each(?1))",
            &[&about],
        )?;
        Ok(ids.into_iter().collect())
    }

    /// The facts of the entries `ids` (ascending) that are facts, in that order, whoever
    /// their customer: [`Self::read_insight_facts_since`] leaves out those of customers it
    /// does not list (the list of them built once, not for every chunk read).
    fn read_facts_by_id(&self, ids: &[i64], bounds: &FactBounds) -> Result<InsightFacts> {
        let fail = self.fail();
        let mut facts = InsightFacts::default();
        if ids.is_empty() {
            return Ok(facts);
        }
        let mut statement = self
            .conn
            .prepare_cached(&format!(
                "{FACT_COLUMNS} WHERE e.id IN (SELECT value FROM json_each(?3)) \
                 AND {FACT_ENTRY_CONDITION} ORDER BY e.id"
            ))
            .map_err(&fail)?;
        let mut rows = statement
            .query((&bounds.end, &bounds.start, ids_json(ids)))
            .map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            read_fact(row, &mut facts).map_err(&fail)?;
        }
        Ok(facts)
    }

    /// Adds what [`Self::read_insight_facts_since`] summarises per customer, after the
    /// rows.
    fn add_summaries(&self, facts: &mut InsightFacts, bounds: &FactBounds) -> Result<()> {
        self.add_latest_news_and_feedback(
            facts,
            &bounds.start,
            &bounds.period_start,
            &bounds.recent_start,
        )?;
        self.add_customers_and_earlier_contacts(facts, &bounds.start, true)
    }

    /// Adds each customer's latest bad news and feedback before `start` (the first morning
    /// to rebuild) when they are not read already (bad news from `period_start` on,
    /// feedback from `recent_start` on): of those only the time matters to the mornings
    /// (the last time they were told something, or asked for feedback; an older rating no
    /// longer counts), so they are summarised from the `entries_by_customer_kind_time` index alone,
    /// as earlier contacts are. Being before the period, they count in no measure of it.
    fn add_latest_news_and_feedback(
        &self,
        facts: &mut InsightFacts,
        start: &str,
        period_start: &str,
        recent_start: &str,
    ) -> Result<()> {
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare_cached(
                "SELECT c.id, \
                   (SELECT e.occurred_at FROM entries e \
                      INDEXED BY entries_by_customer_kind_time \
                    WHERE e.customer_id = c.id AND e.kind = 'bad_news' \
                      AND e.occurred_at < ?1 AND e.deleted_at IS NULL \
                    ORDER BY e.occurred_at DESC LIMIT 1), \
                   (SELECT e.id || ' ' || e.occurred_at FROM entries e \
                      INDEXED BY entries_by_customer_kind_time \
                    WHERE e.customer_id = c.id AND e.kind = 'feedback' \
                      AND e.occurred_at < ?1 AND e.deleted_at IS NULL \
                    ORDER BY e.occurred_at DESC LIMIT 1) \
                 FROM customers c WHERE c.archived = 0 AND c.deleted_at IS NULL",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([start]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let customer = CustomerId(row.get(0).map_err(&fail)?);
            if let Some(at) = text(row, 1).map_err(&fail)?
                && at < period_start
            {
                facts.bad_news.push(BadNewsFact {
                    customer,
                    at: required_datetime(row, 1).map_err(&fail)?,
                    related: None,
                    related_due: None,
                    proactive: false,
                });
            }
            if let Some((id, at)) = text(row, 2).map_err(&fail)?.and_then(|t| t.split_once(' '))
                && at < recent_start
            {
                let id = id
                    .parse()
                    .map_err(|_| bad_value(2, format!("bad entry id \"{id}\"")))
                    .map_err(&fail)?;
                let at = parse_stored_datetime(at)
                    .ok_or_else(|| bad_value(2, format!("bad time \"{at}\"")))
                    .map_err(&fail)?;
                facts.feedback.push(FeedbackFact {
                    id: EntryId(id),
                    customer,
                    at,
                    rating: None,
                });
            }
        }
        Ok(())
    }

    /// Adds every customer who is not archived, and the contacts before `start` summarised
    /// per customer (see [`Self::insight_facts`]); with `indexed` (schema 10), from the
    /// `entries_by_customer_kind_time` index alone.
    fn add_customers_and_earlier_contacts(
        &self,
        facts: &mut InsightFacts,
        start: &str,
        indexed: bool,
    ) -> Result<()> {
        let index = if indexed {
            "INDEXED BY entries_by_customer_kind_time"
        } else {
            ""
        };
        let fail = self.fail();
        let mut statement = self
            .conn
            .prepare(
                "SELECT id, created_at, cadence_days FROM customers \
                 WHERE archived = 0 AND deleted_at IS NULL ORDER BY id",
            )
            .map_err(&fail)?;
        let mut rows = statement.query([]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let read = || -> rusqlite::Result<CustomerFact> {
                Ok(CustomerFact {
                    id: CustomerId(row.get(0)?),
                    created_at: get_datetime(row, 1)?,
                    cadence_days: row.get(2)?,
                })
            };
            facts.customers.push(read().map_err(&fail)?);
        }
        drop(rows);

        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT c.id, r.reached, \
                       (SELECT e.occurred_at FROM entries e {index} \
                         WHERE e.customer_id = c.id AND e.kind = 'contact' \
                           AND e.occurred_at < ?1 AND e.occurred_at > COALESCE(r.reached, '') \
                           AND e.direction = 'inbound' AND e.outcome <> 'reached' \
                           AND e.deleted_at IS NULL \
                         ORDER BY e.occurred_at LIMIT 1) \
                     FROM customers c, (SELECT c2.id AS id, \
                       (SELECT e.occurred_at FROM entries e {index} \
                         WHERE e.customer_id = c2.id AND e.kind = 'contact' \
                           AND e.occurred_at < ?1 \
                           AND e.outcome = 'reached' AND e.deleted_at IS NULL \
                         ORDER BY e.occurred_at DESC LIMIT 1) AS reached \
                       FROM customers c2) r \
                     WHERE r.id = c.id AND c.archived = 0 AND c.deleted_at IS NULL"
            ))
            .map_err(&fail)?;
        let mut rows = statement.query([start]).map_err(&fail)?;
        while let Some(row) = rows.next().map_err(&fail)? {
            let customer = CustomerId(row.get(0).map_err(&fail)?);
            if let Some(at) = get_opt_datetime(row, 1).map_err(&fail)? {
                facts.contacts.push(ContactFact {
                    customer,
                    at,
                    direction: Direction::Outbound,
                    outcome: Outcome::Reached,
                });
            }
            if let Some(at) = get_opt_datetime(row, 2).map_err(&fail)? {
                facts.contacts.push(ContactFact {
                    customer,
                    at,
                    direction: Direction::Inbound,
                    outcome: Outcome::NoAnswer,
                });
            }
        }
        Ok(())
    }
}

/// A kept morning's customer ids as stored: eight little-endian bytes each. An opening
/// reads some 80 mornings of up to 10,000 ids; read as JSON text they cost a parse of
/// 4 MB on every opening of the Insights (issue 15), as bytes a copy.
fn morning_ids_to_bytes(ids: &[CustomerId]) -> Vec<u8> {
    ids.iter().flat_map(|id| id.0.to_le_bytes()).collect()
}

/// The ids [`morning_ids_to_bytes`] wrote; `None` when the bytes are torn.
fn morning_ids_from_bytes(bytes: &[u8]) -> Option<Vec<CustomerId>> {
    let chunks = bytes.chunks_exact(8);
    if !chunks.remainder().is_empty() {
        return None;
    }
    Some(
        chunks
            .map(|chunk| {
                let mut id = [0u8; 8];
                id.copy_from_slice(chunk);
                CustomerId(i64::from_le_bytes(id))
            })
            .collect(),
    )
}

/// `ids` as a JSON array, for `json_each`.
fn ids_json<'a>(ids: impl IntoIterator<Item = &'a i64>) -> String {
    let mut json = String::new();
    json.push('[');
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&id.to_string());
    }
    json.push(']');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{GenerateOptions, write_generated};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn generated_journal(dir: &std::path::Path, today: NaiveDate) -> Store {
        let mut store = Store::open(&dir.join("journal.sqlite3")).unwrap();
        write_generated(
            &mut store,
            GenerateOptions {
                customers: 40,
                entries: 4000,
                seed: 11,
            },
            today,
        )
        .unwrap();
        store
    }

    fn dirty_from(conn: &rusqlite::Connection) -> String {
        conn.query_row(
            "SELECT dirty_from FROM insight_cache_state WHERE id = 1",
            [],
            |row| row.get(0),
        )
        .unwrap()
    }

    /// Another connection's write, committed.
    fn write_elsewhere(path: &std::path::Path, dirty_from: &str) {
        let other = rusqlite::Connection::open(path).unwrap();
        other
            .execute(
                "UPDATE insight_cache_state SET dirty_from = ?1 WHERE id = 1",
                [dirty_from],
            )
            .unwrap();
    }

    #[test]
    fn facts_read_with_a_second_reader_are_exactly_those_read_alone() {
        let dir = tempfile::tempdir().unwrap();
        let today = day("2026-11-22");
        let mut store = generated_journal(dir.path(), today);
        // Archived customers' entries are found by the searches, then left out.
        let archived = [CustomerId(3), CustomerId(17)];
        for customer in archived {
            store
                .set_archived(customer, true, today.and_time(NaiveTime::MIN))
                .unwrap();
        }
        for (from, mornings_from, to) in [
            (day("2026-08-31"), day("2026-11-21"), today),
            (day("2026-08-31"), day("2026-08-31"), today),
            (day("2025-11-01"), day("2026-06-01"), day("2026-10-31")),
        ] {
            let alone = store
                .insight_facts_since(from, mornings_from, to, today)
                .unwrap();
            let second = store.second_reader().expect("a second connection");
            let read = store.conn.unchecked_transaction().unwrap();
            dirty_from(&store.conn);
            let helper = second
                .begin_in_same_snapshot()
                .expect("nothing written meanwhile: the same snapshot");
            let together = store
                .insight_facts_read_with(from, mornings_from, to, today, Some(helper))
                .unwrap();
            read.commit().unwrap();
            assert!(
                !alone.promises.is_empty()
                    && !alone.contacts.is_empty()
                    && !alone.bad_news.is_empty()
                    && !alone.customers.is_empty(),
                "the journal has facts of every kind to split"
            );
            let rows = alone.promises.len()
                + alone.orders.len()
                + alone.problems.len()
                + alone.payments.len()
                + alone.snoozes.len();
            assert!(
                rows > 4 * ROWS_PER_CHUNK,
                "{rows} rows: read in several chunks"
            );
            assert!(
                alone
                    .promises
                    .iter()
                    .all(|f| !archived.contains(&f.customer))
                    && alone
                        .bad_news
                        .iter()
                        .all(|f| !archived.contains(&f.customer))
                    && alone
                        .contacts
                        .iter()
                        .all(|f| !archived.contains(&f.customer))
                    && alone.customers.iter().all(|c| !archived.contains(&c.id)),
                "no fact about an archived customer"
            );
            // The same facts in the same order: the rows by id, then the summaries.
            assert_eq!(
                together, alone,
                "from {from}, mornings from {mornings_from}"
            );
        }
    }

    #[test]
    fn a_second_reader_is_not_used_when_another_connection_wrote_before_the_first_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = generated_journal(dir.path(), day("2026-11-22"));
        let second = store.second_reader().expect("a second connection");
        write_elsewhere(store.path(), "2030-01-01");
        let read = store.conn.unchecked_transaction().unwrap();
        assert_eq!(dirty_from(&store.conn), "2030-01-01");
        assert!(
            second.begin_in_same_snapshot().is_none(),
            "the reader opened before the write cannot tell which state it reads"
        );
        read.commit().unwrap();
    }

    #[test]
    fn a_second_reader_reads_the_first_connections_snapshot_whatever_is_written_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = generated_journal(dir.path(), day("2026-11-22"));
        write_elsewhere(store.path(), "2029-01-01");
        let second = store.second_reader().expect("a second connection");
        let read = store.conn.unchecked_transaction().unwrap();
        assert_eq!(dirty_from(&store.conn), "2029-01-01");
        let helper = second.begin_in_same_snapshot().expect("the same snapshot");
        write_elsewhere(store.path(), "2031-01-01");
        assert_eq!(dirty_from(&helper.conn), "2029-01-01");
        assert_eq!(dirty_from(&store.conn), "2029-01-01");
        read.commit().unwrap();
        assert_eq!(dirty_from(&store.conn), "2031-01-01");
    }

    #[test]
    fn a_second_reader_is_not_used_for_a_journal_in_memory_or_inside_a_transaction() {
        let store = Store::open_in_memory().unwrap();
        assert!(store.second_reader().is_none());
        let dir = tempfile::tempdir().unwrap();
        let store = generated_journal(dir.path(), day("2026-11-22"));
        let read = store.conn.unchecked_transaction().unwrap();
        assert!(
            store.second_reader().is_none(),
            "it could not see what this connection's transaction may have written"
        );
        read.commit().unwrap();
        assert!(store.second_reader().is_some());
    }

    #[test]
    fn kept_morning_ids_read_back_as_written_and_torn_bytes_are_refused() {
        let ids = [
            CustomerId(1),
            CustomerId(-7),
            CustomerId(i64::MAX),
            CustomerId(300),
        ];
        let bytes = morning_ids_to_bytes(&ids);
        assert_eq!(bytes.len(), 32);
        assert_eq!(morning_ids_from_bytes(&bytes).as_deref(), Some(&ids[..]));
        assert_eq!(morning_ids_from_bytes(&[]), Some(Vec::new()));
        assert_eq!(morning_ids_from_bytes(&bytes[..31]), None);
    }
}
