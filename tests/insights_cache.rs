//! Issue 15: the Insights mornings kept in the journal between openings. Whatever is
//! written between two openings — entries backdated, moved, edited, put in the trash and
//! brought back, purged, customers archived, a journal setting or the problem-update
//! setting changed, the days going by — the measures of an opening that uses the kept
//! mornings are exactly those computed from scratch.
//!
//! Since schema 10 an opening reads only the entries that can change the period's measures
//! and the mornings it rebuilds (`Store::insight_facts_since`), through indexes: from any
//! first morning to rebuild, those facts give exactly the measures of every entry read.

use std::collections::BTreeMap;

use candor::domain::insights::{
    Granularity, InsightOptions, Insights, Morning, compute, compute_with_mornings,
};
use candor::domain::{
    CustomerId, EntryDraft, EntryId, EntryKind, OrderStatus, ProblemStatus, PromiseStatus,
    Renegotiation, RootCause,
};
use candor::sample::{GenerateOptions, write_generated};
use candor::store::Store;
use chrono::{Days, NaiveDate, NaiveDateTime};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn noon(on: NaiveDate) -> NaiveDateTime {
    on.and_hms_opt(12, 0, 0).unwrap()
}

/// The measures from scratch: every fact read afresh, no morning kept.
fn from_scratch(store: &Store, options: &InsightOptions) -> Insights {
    let facts = store.insight_facts(options.from, options.to).unwrap();
    compute(&facts, options)
}

/// The facts read through the indexes, rebuilding the mornings from `mornings_from` on
/// (those before it taken from a computation from scratch, as if kept), give exactly the
/// measures and mornings of every entry read.
fn assert_indexed_facts_are_enough(
    store: &Store,
    options: &InsightOptions,
    mornings_from: NaiveDate,
    context: &str,
) {
    let all = store.insight_facts(options.from, options.to).unwrap();
    let (truth, mornings) = compute_with_mornings(&all, options, &BTreeMap::new());
    let known: BTreeMap<NaiveDate, Morning> = mornings
        .iter()
        .filter(|m| m.day < mornings_from)
        .map(|m| (m.day, m.clone()))
        .collect();
    let facts = store
        .insight_facts_since(options.from, mornings_from, options.to, options.today)
        .unwrap();
    let (insights, rebuilt) = compute_with_mornings(&facts, options, &known);
    assert_eq!(
        rebuilt, mornings,
        "{context}: mornings from {mornings_from}"
    );
    assert_eq!(insights, truth, "{context}: measures from {mornings_from}");
}

fn kept_mornings(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT count(*) FROM insight_mornings", [], |row| {
        row.get(0)
    })
    .unwrap()
}

fn small_journal(dir: &std::path::Path, today: NaiveDate, seed: u64) -> std::path::PathBuf {
    let path = dir.join(format!("journal-{seed}.sqlite3"));
    let mut store = Store::open(&path).unwrap();
    write_generated(
        &mut store,
        GenerateOptions {
            customers: 25,
            entries: 2500,
            seed,
        },
        today,
    )
    .unwrap();
    path
}

/// One random write, as a person (or an import, or sync) would make it.
fn random_write(store: &mut Store, path: &std::path::Path, rng: &mut SmallRng, today: NaiveDate) {
    let now = noon(today);
    let max_id: i64 = {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row("SELECT max(id) FROM entries", [], |row| row.get(0))
            .unwrap()
    };
    let id = EntryId(rng.random_range(1..=max_id));
    let Ok(entry) = store.entry(id) else {
        return;
    };
    let back = |rng: &mut SmallRng| today - Days::new(rng.random_range(0..60));
    match rng.random_range(0..14) {
        // A copy of it, backdated (or logged today).
        0 | 1 => {
            let mut draft = entry.to_draft();
            let when = back(rng);
            draft.occurred_at = when.and_hms_opt(rng.random_range(8..18), 30, 0).unwrap();
            if let EntryKind::Promise(promise) = &mut draft.kind {
                promise.renegotiations.clear();
                promise.at_risk = None;
                promise.due = when + Days::new(rng.random_range(0..20));
                promise.status = PromiseStatus::Open;
            }
            let _ = store.add_entry(draft, now);
        }
        // Moved to another day, or another customer.
        2 => {
            let mut draft = entry.to_draft();
            if rng.random_bool(0.5) {
                draft.occurred_at = noon(back(rng)).min(draft.occurred_at + Days::new(3));
            } else {
                draft.customer_id = CustomerId(rng.random_range(1..=25));
            }
            let _ = store.update_entry(id, draft, now);
        }
        // An old promise kept or broken today, or reopened.
        3 => {
            let mut draft = entry.to_draft();
            if let EntryKind::Promise(promise) = &mut draft.kind {
                // Closed on a day back (maybe before it was made: bad data too).
                promise.status = match rng.random_range(0..3) {
                    0 => PromiseStatus::Kept(back(rng)),
                    1 => PromiseStatus::Broken(back(rng)),
                    _ => PromiseStatus::Open,
                };
                let _ = store.update_entry(id, draft, now);
            }
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
        7 => {
            let customer = CustomerId(rng.random_range(1..=25));
            let archived = store
                .customer(customer)
                .map(|c| c.archived)
                .unwrap_or(false);
            let _ = store.set_archived(customer, !archived, now);
        }
        // An old promise kept, broken or renegotiated today (it counts in the week it was
        // first due, however long ago), or an old order delivered or slipping today.
        8 => {
            let mut draft = entry.to_draft();
            match &mut draft.kind {
                EntryKind::Promise(promise) => match rng.random_range(0..3) {
                    0 => promise.status = PromiseStatus::Kept(today),
                    1 => promise.status = PromiseStatus::Broken(today),
                    _ => {
                        let from_due = promise.due;
                        promise.renegotiations.push(Renegotiation {
                            on: today,
                            from_due,
                            to_due: today + Days::new(rng.random_range(1..15)),
                            told_before_due: rng.random_bool(0.5),
                            note: "New date".to_owned(),
                            agreed: true,
                        });
                        promise.due = today + Days::new(rng.random_range(1..15));
                        promise.status = PromiseStatus::Open;
                    }
                },
                EntryKind::Order(order) => {
                    let status = if rng.random_bool(0.5) {
                        OrderStatus::Delivered
                    } else {
                        OrderStatus::Delayed
                    };
                    order.set_status(status, now);
                }
                _ => return,
            }
            let _ = store.update_entry(id, draft, now);
        }
        // A problem resolved (today or days back) or reopened.
        9 => {
            let mut draft = entry.to_draft();
            let EntryKind::Problem(problem) = &mut draft.kind else {
                return;
            };
            problem.status = if rng.random_bool(0.8) {
                ProblemStatus::Resolved {
                    on: if rng.random_bool(0.5) {
                        today
                    } else {
                        back(rng)
                    },
                    root_cause: [RootCause::OurError, RootCause::ThirdParty]
                        [rng.random_range(0..2)],
                    prevention: "Check twice".to_owned(),
                }
            } else {
                ProblemStatus::Open
            };
            let _ = store.update_entry(id, draft, now);
        }
        // An invoice paid (today or days back) or marked unpaid again.
        10 => {
            let mut draft = entry.to_draft();
            let EntryKind::Payment(payment) = &mut draft.kind else {
                return;
            };
            payment.paid_on = match rng.random_range(0..3) {
                0 => Some(today),
                1 => Some(back(rng)),
                _ => None,
            };
            let _ = store.update_entry(id, draft, now);
        }
        // A rating changed, or a snooze logged.
        11 => {
            let mut draft = entry.to_draft();
            match &mut draft.kind {
                EntryKind::Feedback(feedback) => {
                    feedback.rating = Some(rng.random_range(1..=5));
                    let _ = store.update_entry(id, draft, now);
                }
                _ => {
                    let snooze = EntryDraft {
                        kind: EntryKind::Snooze(candor::domain::Snooze {
                            until: today + Days::new(rng.random_range(0..10)),
                        }),
                        occurred_at: noon(back(rng)),
                        ..draft
                    };
                    let _ = store.add_entry(snooze, now);
                }
            }
        }
        // Bad news about an old promise, order or problem, today or days back.
        12 => {
            if !matches!(
                entry.kind,
                EntryKind::Promise(_) | EntryKind::Order(_) | EntryKind::Problem(_)
            ) {
                return;
            }
            let news = EntryDraft {
                kind: EntryKind::BadNews(candor::domain::BadNews {
                    about: candor::domain::BadNewsKind::Delay,
                    related: Some(id),
                    proactive: rng.random_bool(0.5),
                }),
                occurred_at: noon(if rng.random_bool(0.5) {
                    today
                } else {
                    back(rng)
                }),
                ..entry.to_draft()
            };
            let _ = store.add_entry(news, now);
        }
        // An old entry edited to today.
        _ => {
            let mut draft = entry.to_draft();
            draft.occurred_at = noon(today);
            let _ = store.update_entry(id, draft, now);
        }
    }
}

#[test]
fn kept_mornings_give_the_same_measures_as_from_scratch_whatever_is_written_between_openings() {
    let dir = tempfile::tempdir().unwrap();
    for seed in [3, 11] {
        let first_day = day("2026-11-02");
        let path = small_journal(dir.path(), first_day, seed);
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut store = Store::open(&path).unwrap();
        let mut today = first_day;
        for round in 0..10 {
            let mut options = InsightOptions::last_weeks(today);
            match round % 4 {
                // Another period, so openings leave gaps and overlaps in what is kept.
                1 => options.from = today - Days::new(rng.random_range(3..40)),
                2 => {
                    options.granularity = Granularity::Month;
                    options.from = today - Days::new(120);
                }
                3 => options.to = today - Days::new(rng.random_range(1..10)),
                _ => {}
            }
            if round == 6 {
                options.problem_update_days = 3;
            }
            let opened = store.insights(&options).unwrap();
            assert_eq!(
                opened,
                from_scratch(&store, &options),
                "seed {seed}, round {round}, first opening"
            );
            // Opened again with nothing written: the kept mornings alone.
            assert!(kept_mornings(&path) > 0, "seed {seed}, round {round}");
            assert_eq!(store.insights(&options).unwrap(), opened);

            for _ in 0..rng.random_range(1..6) {
                random_write(&mut store, &path, &mut rng, today);
            }
            if round == 4 {
                // A journal setting, written by another connection.
                let conn = rusqlite::Connection::open(&path).unwrap();
                conn.execute(
                    "INSERT OR REPLACE INTO journal_settings (key, value) VALUES ('currency', 'EUR')",
                    [],
                )
                .unwrap();
            }
            let opened = store.insights(&options).unwrap();
            assert_eq!(
                opened,
                from_scratch(&store, &options),
                "seed {seed}, round {round}, after the writes"
            );
            // Whatever first morning is rebuilt, the indexed facts are enough.
            for mornings_from in [
                options.from,
                options.today,
                options.today - Days::new(1),
                options.from + Days::new(rng.random_range(0..120)),
            ] {
                assert_indexed_facts_are_enough(
                    &store,
                    &options,
                    mornings_from,
                    &format!("seed {seed}, round {round}"),
                );
            }
            // The days go by.
            today = today + Days::new(rng.random_range(0..4));
        }
    }
}

#[test]
fn a_kept_morning_is_used_until_a_write_dated_on_or_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let today = day("2026-11-20");
    let path = small_journal(dir.path(), today, 5);
    let mut store = Store::open(&path).unwrap();
    let options = InsightOptions::last_weeks(today);
    let truth = store.insights(&options).unwrap();
    let at_risk = |insights: &Insights, on: &str| {
        insights
            .measure("at_risk_customers")
            .unwrap()
            .series
            .iter()
            .find(|p| p.period == on)
            .unwrap()
            .value
    };
    // Tamper with what is kept for 2026-11-10: the next opening shows it, so it was read,
    // not recomputed.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let changed = conn
            .execute(
                "UPDATE insight_mornings SET at_risk = '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41]' \
                 WHERE day = '2026-11-10'",
                [],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    // Opened by another connection that wrote nothing since: the kept morning is used.
    let reader = Store::open(&path).unwrap();
    assert_eq!(
        at_risk(&reader.insights(&options).unwrap(), "2026-11-10"),
        Some(41.0)
    );
    // A write dated after it leaves it kept…
    let entry = store.entry(EntryId(1)).unwrap();
    let mut draft = entry.to_draft();
    draft.occurred_at = noon(day("2026-11-15"));
    store.add_entry(draft.clone(), noon(today)).unwrap();
    assert_eq!(
        at_risk(&reader.insights(&options).unwrap(), "2026-11-10"),
        Some(41.0)
    );
    // …one dated on it (a backdated entry) makes it be rebuilt from the journal.
    draft.occurred_at = noon(day("2026-11-10"));
    store.add_entry(draft, noon(today)).unwrap();
    let reopened = reader.insights(&options).unwrap();
    assert_eq!(reopened, from_scratch(&reader, &options));
    assert_eq!(
        at_risk(&reopened, "2026-11-10"),
        at_risk(&truth, "2026-11-10")
    );

    // Mornings kept by a Candor that worked them out differently are not used.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "UPDATE insight_mornings SET at_risk = '[1,2,3]' WHERE day = '2026-11-10';
             UPDATE insight_cache_state SET formula = formula - 1;",
        )
        .unwrap();
    }
    let reopened = reader.insights(&options).unwrap();
    assert_eq!(reopened, from_scratch(&reader, &options));
    assert_eq!(
        at_risk(&reopened, "2026-11-10"),
        at_risk(&truth, "2026-11-10")
    );
}

/// Schema 9 adds the kept mornings. A journal of schema 8 is upgraded to a fresh journal's
/// schema, starts with nothing kept, and keeps mornings from its first opening on.
#[test]
fn a_journal_from_before_the_kept_mornings_upgrades_and_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_schema = Store::open(&dir.path().join("fresh.sqlite3"))
        .unwrap()
        .schema_dump()
        .unwrap();
    let path = dir.path().join("v8.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        candor::store::schema::create_at_version(&tx, 8).unwrap();
        tx.execute_batch(
            "INSERT INTO customers (id, name, cadence_days, created_at, updated_at)
                 VALUES (1, 'Ann', 7, '2026-01-05T09:00:00', '2026-01-05T09:00:00');
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, direction,
                                  outcome, created_at, updated_at)
                 VALUES (10, 1, 'contact', '2026-11-02T10:00:00', 'Asked about the pump',
                         'inbound', 'no_answer', '2026-11-02T10:00:00', '2026-11-02T10:00:00');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.version().unwrap().0,
        candor::store::schema::CURRENT_VERSION
    );
    assert_eq!(store.schema_dump().unwrap(), fresh_schema);
    assert_eq!(kept_mornings(&path), 0);
    let options = InsightOptions::last_weeks(day("2026-11-20"));
    let insights = store.insights(&options).unwrap();
    assert_eq!(insights, from_scratch(&store, &options));
    // Ann's unanswered call of 2 November: at risk from the morning after.
    let owed = insights.measure("at_risk_customers").unwrap();
    let on = |d: &str| owed.series.iter().find(|p| p.period == d).unwrap().value;
    assert_eq!((on("2026-11-02"), on("2026-11-03")), (Some(0.0), Some(1.0)));
    // Every morning of the period before today is kept.
    assert_eq!(kept_mornings(&path), 7 * 12 - 1);
}

/// Schema 10 adds the indexes the Insights facts are read through. A journal of schema 9,
/// with mornings kept, is upgraded to a fresh journal's schema; what it kept is still
/// used, and the measures are those of every entry read.
#[test]
fn a_journal_from_before_the_insight_indexes_upgrades_and_reads_through_them() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_schema = Store::open(&dir.path().join("fresh.sqlite3"))
        .unwrap()
        .schema_dump()
        .unwrap();
    let path = dir.path().join("v9.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        candor::store::schema::create_at_version(&tx, 9).unwrap();
        tx.execute_batch(
            "INSERT INTO customers (id, name, cadence_days, created_at, updated_at)
                 VALUES (1, 'Ann', 7, '2026-01-05T09:00:00', '2026-01-05T09:00:00');
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, category,
                                  status, due_date, closed_on, is_open, created_at, updated_at)
                 VALUES (10, 1, 'promise', '2026-10-01T10:00:00', 'Send the quote', 'delivery',
                         'open', '2026-10-20', NULL, 1, '2026-10-01T10:00:00',
                         '2026-10-01T10:00:00'),
                        (11, 1, 'promise', '2026-09-01T10:00:00', 'Call back', 'callback',
                         'kept', '2026-11-10', '2026-11-19', 0, '2026-09-01T10:00:00',
                         '2026-11-19T10:00:00');
             INSERT INTO insight_mornings (day, at_risk, listed, called)
                 VALUES ('2026-11-18', '[1]', '[]', '[]');
             UPDATE insight_cache_state SET dirty_from = '2026-11-19',
                 problem_update_days = 7, formula = 2;",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.version().unwrap().0,
        candor::store::schema::CURRENT_VERSION
    );
    assert_eq!(store.schema_dump().unwrap(), fresh_schema);
    assert_eq!(kept_mornings(&path), 1);
    let options = InsightOptions::last_weeks(day("2026-11-20"));
    let insights = store.insights(&options).unwrap();
    assert_eq!(insights, from_scratch(&store, &options));
    // The promise due on 20 October, still open: late, and Ann at risk since the 21st.
    let kept_rate = insights.measure("kept_rate").unwrap();
    let late = insights.measure("late").unwrap();
    let week = |m: &candor::domain::insights::Measure, start: &str| {
        m.series
            .iter()
            .find(|p| p.start == day(start))
            .unwrap()
            .value
    };
    assert_eq!(week(late, "2026-10-19"), Some(1.0));
    assert_eq!(week(kept_rate, "2026-10-19"), Some(0.0));
    // The one due on 10 November was kept late, on the 19th.
    assert_eq!(week(late, "2026-11-09"), Some(1.0));
    for mornings_from in [day("2026-08-29"), day("2026-11-19"), day("2026-11-20")] {
        assert_indexed_facts_are_enough(&store, &options, mornings_from, "upgraded");
    }
}
