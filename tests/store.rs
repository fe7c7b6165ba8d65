//! The journal store: every kind of entry round-trips, promises keep their history,
//! callbacks owed are derived as the domain says, and the trash gives everything back.

use candor::domain::entry::{AtRisk, callback_owed_since};
use candor::domain::{
    BadNews, BadNewsKind, Cents, Channel, Contact, CustomerDraft, CustomerId, Direction, Entry,
    EntryDraft, EntryKind, Feedback, Order, OrderStatus, Outcome, Payment, Problem, ProblemStatus,
    Promise, PromiseCategory, PromiseStatus, RootCause, Snooze,
};
use candor::store::{Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn at(d: u32, h: u32) -> NaiveDateTime {
    day(d).and_hms_opt(h, 0, 0).unwrap()
}

fn journal_with_customer() -> (Store, CustomerId) {
    let mut store = Store::open_in_memory().unwrap();
    let mut draft = CustomerDraft::named("Maria Keller");
    draft.company = "Keller Bakeries".into();
    draft.email = "maria@example.com".into();
    draft.tags = vec!["key account".into()];
    let customer = store.add_customer(draft, at(1, 9)).unwrap();
    (store, customer.id)
}

fn every_kind() -> Vec<(&'static str, EntryKind)> {
    let mut promise = Promise::new(day(12), PromiseCategory::Delivery);
    promise.at_risk = Some(AtRisk {
        flagged_at: at(9, 14),
        reason: "Customs".into(),
    });
    promise.renegotiations.push(candor::domain::Renegotiation {
        on: day(8),
        from_due: day(10),
        to_due: day(12),
        told_before_due: true,
        note: "Truck broke down".into(),
        agreed: false,
    });
    vec![
        (
            "Called about the oven",
            EntryKind::Contact(Contact {
                channel: Channel::Meeting,
                direction: Direction::Inbound,
                outcome: Outcome::Voicemail,
                duration_mins: Some(12),
            }),
        ),
        ("Oven parts", EntryKind::Promise(promise)),
        (
            "Parts late",
            EntryKind::BadNews(BadNews {
                about: BadNewsKind::BackOrder,
                related: None,
                proactive: false,
            }),
        ),
        (
            "Labels wrong",
            EntryKind::Problem(Problem {
                owner: "Sam".into(),
                status: ProblemStatus::Resolved {
                    on: day(11),
                    root_cause: RootCause::ThirdParty,
                    prevention: "Check labels".into(),
                },
            }),
        ),
        ("Open problem", EntryKind::Problem(Problem::default())),
        (
            "200 bearings",
            EntryKind::Order(Order {
                amount: Some(Cents(123_456)),
                promised_delivery: day(20),
                status: OrderStatus::BackOrdered,
                status_changed_at: Some(at(9, 10)),
            }),
        ),
        (
            "Order without amount",
            EntryKind::Order(Order {
                amount: None,
                promised_delivery: day(20),
                status: OrderStatus::Delivered,
                status_changed_at: None,
            }),
        ),
        (
            "Supplies",
            EntryKind::Payment(Payment {
                invoice_ref: "INV-7".into(),
                amount: Cents(99),
                due: day(30),
                paid_on: Some(day(15)),
            }),
        ),
        (
            "Unpaid",
            EntryKind::Payment(Payment {
                invoice_ref: "INV-8".into(),
                amount: Cents(1),
                due: day(30),
                paid_on: None,
            }),
        ),
        ("Prefers mornings", EntryKind::Note),
        ("Happy", EntryKind::Feedback(Feedback { rating: Some(4) })),
        (
            "Asked, no answer yet",
            EntryKind::Feedback(Feedback { rating: None }),
        ),
        ("On holiday", EntryKind::Snooze(Snooze { until: day(12) })),
    ]
}

#[test]
fn every_kind_of_entry_round_trips_through_the_journal() {
    let (mut store, customer) = journal_with_customer();
    for (summary, kind) in every_kind() {
        let draft = EntryDraft {
            customer_id: customer,
            occurred_at: at(9, 9),
            summary: summary.into(),
            kind,
        };
        let saved = store.add_entry(draft.clone(), at(9, 9)).unwrap();
        assert_eq!(saved.to_draft(), draft, "{summary}");
        assert_eq!(store.entry(saved.id).unwrap(), saved);
    }
    assert_eq!(store.timeline(customer).unwrap().len(), every_kind().len());
}

#[test]
fn customers_are_validated_saved_and_archived() {
    let (mut store, customer) = journal_with_customer();
    let err = store
        .add_customer(CustomerDraft::named("   "), at(1, 9))
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)));
    assert!(err.to_string().contains("needs a name"), "{err}");
    let saved = store.customer(customer).unwrap();
    assert_eq!(saved.tags, vec!["key account"]);
    let archived = store.set_archived(customer, true, at(2, 9)).unwrap();
    assert!(archived.archived);
    assert!(
        store.rank_facts(day(2)).unwrap().is_empty(),
        "archived customers are not ranked"
    );
    assert_eq!(
        store.customers().unwrap().len(),
        1,
        "archiving deletes nothing"
    );
}

#[test]
fn a_promise_lifecycle_keeps_every_renegotiation_in_the_journal() {
    let (mut store, customer) = journal_with_customer();
    let promise = store
        .add_entry(
            EntryDraft {
                customer_id: customer,
                occurred_at: at(1, 9),
                summary: "Parts".into(),
                kind: EntryKind::Promise(Promise::new(day(10), PromiseCategory::Delivery)),
            },
            at(1, 9),
        )
        .unwrap();
    let change = |store: &mut Store, f: &dyn Fn(&mut Promise)| {
        let mut draft = store.entry(promise.id).unwrap().to_draft();
        let EntryKind::Promise(p) = &mut draft.kind else {
            unreachable!()
        };
        f(p);
        store.update_entry(promise.id, draft, at(9, 9)).unwrap()
    };
    change(&mut store, &|p| {
        p.flag_at_risk(at(8, 9), "Customs").unwrap()
    });
    change(&mut store, &|p| {
        p.renegotiate(day(14), day(9), "Told on the phone").unwrap()
    });
    change(&mut store, &|p| {
        p.renegotiate(day(18), day(15), "Late again").unwrap()
    });
    let saved = change(&mut store, &|p| p.keep(day(17)).unwrap());
    let EntryKind::Promise(p) = saved.kind else {
        unreachable!()
    };
    assert_eq!(p.status, PromiseStatus::Kept(day(17)));
    assert_eq!(p.due, day(18));
    let history: Vec<_> = p
        .renegotiations
        .iter()
        .map(|r| (r.from_due, r.to_due, r.told_before_due))
        .collect();
    assert_eq!(
        history,
        vec![(day(10), day(14), true), (day(14), day(18), false)]
    );
    let stats = store.customer_stats(customer).unwrap();
    assert_eq!(
        (
            stats.promises_kept,
            stats.promises_broken,
            stats.promises_renegotiated
        ),
        (1, 0, 1)
    );
}

#[test]
fn the_trash_gives_entries_back_and_only_trashed_entries_can_be_purged() {
    let (mut store, customer) = journal_with_customer();
    let missed = store
        .add_entry(
            EntryDraft {
                customer_id: customer,
                occurred_at: at(3, 9),
                summary: "Missed".into(),
                kind: EntryKind::Contact(Contact {
                    direction: Direction::Inbound,
                    outcome: Outcome::NoAnswer,
                    ..Contact::default()
                }),
            },
            at(3, 9),
        )
        .unwrap();
    assert!(
        store
            .customer_stats(customer)
            .unwrap()
            .callback_owed_since
            .is_some()
    );
    assert!(
        store.purge_entry(missed.id).is_err(),
        "not in the trash yet"
    );
    store.delete_entry(missed.id, at(4, 9)).unwrap();
    assert!(store.timeline(customer).unwrap().is_empty());
    assert_eq!(store.trash().unwrap().len(), 1);
    assert!(
        store
            .customer_stats(customer)
            .unwrap()
            .callback_owed_since
            .is_none(),
        "the trash does not count"
    );
    store.restore_entry(missed.id).unwrap();
    assert_eq!(
        store.timeline(customer).unwrap(),
        vec![store.entry(missed.id).unwrap()]
    );
    assert!(
        store
            .customer_stats(customer)
            .unwrap()
            .callback_owed_since
            .is_some()
    );
    store.delete_entry(missed.id, at(4, 9)).unwrap();
    store.purge_entry(missed.id).unwrap();
    assert!(matches!(
        store.entry(missed.id),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn entries_for_a_missing_customer_or_entry_are_refused_clearly() {
    let (mut store, customer) = journal_with_customer();
    let draft = EntryDraft {
        customer_id: CustomerId(999),
        occurred_at: at(1, 9),
        summary: "x".into(),
        kind: EntryKind::Note,
    };
    let err = store.add_entry(draft, at(1, 9)).unwrap_err();
    assert!(err.to_string().contains("no longer exists"), "{err}");
    let draft = EntryDraft {
        customer_id: customer,
        occurred_at: at(1, 9),
        summary: "x".into(),
        kind: EntryKind::Note,
    };
    assert!(matches!(
        store.update_entry(candor::domain::EntryId(999), draft, at(1, 9)),
        Err(StoreError::NotFound { .. })
    ));
}

fn contact_strategy() -> impl Strategy<Value = (u32, u32, Contact)> {
    (1u32..28, 0u32..24, 0usize..2, 0usize..3).prop_map(|(d, h, dir, out)| {
        let contact = Contact {
            direction: Direction::ALL[dir],
            outcome: Outcome::ALL[out],
            ..Contact::default()
        };
        (d, h, contact)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The summary the store keeps current on every write agrees with the domain's rule.
    #[test]
    fn the_stored_callback_owed_matches_the_domain_rule(contacts in proptest::collection::vec(contact_strategy(), 0..12), trash in proptest::collection::vec(any::<bool>(), 12)) {
        let (mut store, customer) = journal_with_customer();
        let mut kept: Vec<(NaiveDateTime, Contact)> = Vec::new();
        for (i, (d, h, contact)) in contacts.into_iter().enumerate() {
            let when = at(d, h);
            let saved: Entry = store
                .add_entry(EntryDraft { customer_id: customer, occurred_at: when, summary: String::new(), kind: EntryKind::Contact(contact.clone()) }, when)
                .unwrap();
            if trash[i] {
                store.delete_entry(saved.id, when).unwrap();
            } else {
                kept.push((when, contact));
            }
        }
        let expected = callback_owed_since(kept.iter().map(|(when, c)| (*when, c)));
        prop_assert_eq!(store.customer_stats(customer).unwrap().callback_owed_since, expected);
    }
}

/// Insights read from a journal: the facts before the period are summarised, yet every
/// morning of the period counts exactly who was at risk, and the measures match the
/// promises report's record of each promise.
#[test]
fn insights_from_the_journal_count_risks_that_began_before_the_period() {
    use candor::domain::insights::{Granularity, InsightOptions};
    let mut store = Store::open_in_memory().unwrap();
    let add_customer = |store: &mut Store, name: &str| {
        store
            .add_customer(CustomerDraft::named(name), at(1, 8))
            .unwrap()
            .id
    };
    let anna = add_customer(&mut store, "Anna");
    let ben = add_customer(&mut store, "Ben");
    let cleo = add_customer(&mut store, "Cleo");
    let archived = add_customer(&mut store, "Dora");
    let add = |store: &mut Store, customer, when: NaiveDateTime, kind: EntryKind| {
        store
            .add_entry(
                EntryDraft {
                    customer_id: customer,
                    occurred_at: when,
                    summary: "x".into(),
                    kind,
                },
                when,
            )
            .unwrap()
            .id
    };
    let contact = |direction, outcome| {
        EntryKind::Contact(Contact {
            channel: Channel::Call,
            direction,
            outcome,
            duration_mins: None,
        })
    };
    // Anna called on the 2nd and 3rd; reached on the 3rd, then called again unanswered on
    // the 5th: owed from the 6th, through the period (the 10th to the 16th).
    add(
        &mut store,
        anna,
        at(2, 9),
        contact(Direction::Inbound, Outcome::NoAnswer),
    );
    add(
        &mut store,
        anna,
        at(3, 9),
        contact(Direction::Outbound, Outcome::Reached),
    );
    add(
        &mut store,
        anna,
        at(5, 9),
        contact(Direction::Inbound, Outcome::Voicemail),
    );
    add(
        &mut store,
        anna,
        at(6, 9),
        contact(Direction::Outbound, Outcome::NoAnswer),
    );
    // Ben: unanswered on the 4th, reached on the 8th: nothing owed in the period.
    add(
        &mut store,
        ben,
        at(4, 9),
        contact(Direction::Inbound, Outcome::NoAnswer),
    );
    add(
        &mut store,
        ben,
        at(8, 9),
        contact(Direction::Inbound, Outcome::Reached),
    );
    // Cleo: a problem opened on the 1st with no update until a call on the 9th (so the
    // morning of the 9th it is silent), then silent (more than 3 days) again from the
    // morning of the 13th until the call on the 14th.
    add(
        &mut store,
        cleo,
        at(1, 10),
        EntryKind::Problem(Problem::default()),
    );
    add(
        &mut store,
        cleo,
        at(9, 9),
        contact(Direction::Outbound, Outcome::Reached),
    );
    add(
        &mut store,
        cleo,
        at(14, 9),
        contact(Direction::Outbound, Outcome::Reached),
    );
    // A promise due on the 11th, renegotiated on the 10th to the 20th: told in time.
    let mut promise = Promise::new(day(11), PromiseCategory::Delivery);
    promise
        .renegotiate(day(20), day(10), "Supplier late")
        .unwrap();
    add(&mut store, ben, at(2, 9), EntryKind::Promise(promise));
    // Dora is archived: her unanswered call does not count.
    add(
        &mut store,
        archived,
        at(2, 9),
        contact(Direction::Inbound, Outcome::NoAnswer),
    );
    store.set_archived(archived, true, at(2, 10)).unwrap();

    let options = InsightOptions {
        from: day(9),
        to: day(16),
        today: day(16),
        granularity: Granularity::Week,
        threshold: 1,
        problem_update_days: 3,
    };
    let insights = store.insights(&options).unwrap();
    let at_risk = insights.measure("at_risk_customers").unwrap();
    let series: Vec<(String, f64, Vec<CustomerId>)> = at_risk
        .series
        .iter()
        .map(|p| (p.period.clone(), p.value.unwrap(), p.customers.clone()))
        .collect();
    let expect = |d: u32, who: Vec<CustomerId>| (format!("2026-11-{d:02}"), who.len() as f64, who);
    assert_eq!(
        series,
        vec![
            expect(9, vec![anna, cleo]),
            expect(10, vec![anna]),
            expect(11, vec![anna]),
            expect(12, vec![anna]),
            expect(13, vec![anna, cleo]),
            expect(14, vec![anna, cleo]),
            expect(15, vec![anna]),
            expect(16, vec![anna]),
        ]
    );
    assert_eq!(insights.days_over_threshold, vec![day(9), day(13), day(14)]);
    // Cleo was owed a call on the 14th and got it.
    let called = insights.measure("called_that_day").unwrap();
    assert_eq!(called.series[5].period, "2026-11-14");
    assert_eq!(called.series[5].customers, vec![cleo]);
    // Week 46 (9th–15th): Ben's promise, first due on the 11th, renegotiated in time.
    let renegotiated = insights.measure("renegotiated_before_due").unwrap();
    assert_eq!(renegotiated.series[0].value, Some(1.0));
    assert_eq!(
        insights.measure("kept_rate").unwrap().series[0].value,
        Some(0.0)
    );
}

/// "Call them first" history follows the list itself: replaying a journal day by day, the
/// customers `candor rank --today D` lists on each morning (before anything of that day is
/// logged) are exactly those the Insights count as owed a call that morning.
#[test]
fn call_them_first_history_counts_who_the_ranking_listed_each_morning() {
    use candor::domain::insights::{Granularity, InsightOptions};
    use candor::domain::rank::{RankSettings, rank};
    let mut store = Store::open_in_memory().unwrap();
    let mut customer = |name: &str, cadence_days: u32| {
        let mut draft = CustomerDraft::named(name);
        draft.cadence_days = cadence_days;
        store.add_customer(draft, at(1, 8)).unwrap().id
    };
    let anna = customer("Anna", 14);
    let ben = customer("Ben", 14);
    let cleo = customer("Cleo", 30);
    let dora = customer("Dora", 14);
    let emil = customer("Emil", 30);
    let add = |store: &mut Store, customer, when: NaiveDateTime, kind: EntryKind| {
        let draft = EntryDraft {
            customer_id: customer,
            occurred_at: when,
            summary: "x".into(),
            kind,
        };
        store.add_entry(draft, when).unwrap().id
    };
    let change = |store: &mut Store, id, when: NaiveDateTime, edit: &dyn Fn(&mut EntryKind)| {
        let mut draft = store.entry(id).unwrap().to_draft();
        edit(&mut draft.kind);
        store.update_entry(id, draft, when).unwrap();
    };
    let contact = |direction, outcome| {
        EntryKind::Contact(Contact {
            channel: Channel::Call,
            direction,
            outcome,
            duration_mins: None,
        })
    };
    let news = |related, proactive| {
        EntryKind::BadNews(BadNews {
            about: BadNewsKind::Delay,
            related: Some(related),
            proactive,
        })
    };
    let promise = |due| EntryKind::Promise(Promise::new(due, PromiseCategory::Delivery));

    let (from, to) = (day(5), day(24));
    let settings = RankSettings::with_money(store.money_format().unwrap());
    let mut listed_by_rank: Vec<Vec<CustomerId>> = Vec::new();
    let (mut anna_promise, mut ben_promise, mut cleo_promise) = (None, None, None);
    let (mut cleo_problem, mut ben_invoice, mut dora_order) = (None, None, None);
    for d in 1..=24 {
        if day(d) >= from {
            // The morning: what `candor rank --today` lists before the day's first entry.
            let mut ids: Vec<CustomerId> =
                rank(&store.rank_facts(day(d)).unwrap(), day(d), &settings)
                    .iter()
                    .filter(|c| c.score > 0)
                    .map(|c| c.customer_id)
                    .collect();
            ids.sort();
            listed_by_rank.push(ids);
        }
        let s = &mut store;
        match d {
            2 => {
                // Anna: due the 8th, flagged at risk on the 7th, told on the 10th.
                anna_promise = Some(add(s, anna, at(2, 10), promise(day(8))));
                // Dora: an order due the 12th, delayed on the 9th.
                let order = EntryKind::Order(Order {
                    amount: Some(Cents(50_000)),
                    promised_delivery: day(12),
                    status: OrderStatus::OnTrack,
                    status_changed_at: None,
                });
                dora_order = Some(add(s, dora, at(2, 11), order));
            }
            3 => {
                // Ben: due the 9th, renegotiated in time on the 8th to the 13th, kept then.
                ben_promise = Some(add(s, ben, at(3, 9), promise(day(9))));
                // Cleo: due the 14th, broken on the 16th, explained on the 19th.
                cleo_promise = Some(add(s, cleo, at(3, 10), promise(day(14))));
                // Ben's invoice: due the 10th, paid on the 18th.
                let invoice = EntryKind::Payment(Payment {
                    invoice_ref: "INV-1".into(),
                    amount: Cents(12_000),
                    due: day(10),
                    paid_on: None,
                });
                ben_invoice = Some(add(s, ben, at(3, 11), invoice));
            }
            4 => {
                // Cleo's problem: reached on the 11th, resolved on the 13th.
                cleo_problem = Some(add(
                    s,
                    cleo,
                    at(4, 9),
                    EntryKind::Problem(Problem::default()),
                ));
            }
            5 => {
                // Dora rates us 2 of 5; reached on the 8th. Emil snoozes until the 20th.
                add(
                    s,
                    dora,
                    at(5, 10),
                    EntryKind::Feedback(Feedback { rating: Some(2) }),
                );
                add(
                    s,
                    emil,
                    at(5, 11),
                    EntryKind::Snooze(Snooze { until: day(20) }),
                );
            }
            6 => {
                add(
                    s,
                    ben,
                    at(6, 9),
                    contact(Direction::Inbound, Outcome::NoAnswer),
                );
                add(
                    s,
                    emil,
                    at(6, 10),
                    contact(Direction::Inbound, Outcome::NoAnswer),
                );
            }
            7 => change(s, anna_promise.unwrap(), at(7, 14), &|kind| {
                if let EntryKind::Promise(p) = kind {
                    p.flag_at_risk(at(7, 14), "Supplier").unwrap();
                }
            }),
            8 => {
                change(s, ben_promise.unwrap(), at(8, 9), &|kind| {
                    if let EntryKind::Promise(p) = kind {
                        p.renegotiate(day(13), day(8), "Parts late").unwrap();
                    }
                });
                add(
                    s,
                    dora,
                    at(8, 10),
                    contact(Direction::Outbound, Outcome::Reached),
                );
            }
            9 => {
                add(
                    s,
                    ben,
                    at(9, 9),
                    contact(Direction::Outbound, Outcome::Reached),
                );
                change(s, dora_order.unwrap(), at(9, 12), &|kind| {
                    if let EntryKind::Order(o) = kind {
                        o.set_status(OrderStatus::Delayed, at(9, 12));
                    }
                });
            }
            10 => {
                add(s, anna, at(10, 9), news(anna_promise.unwrap(), false));
            }
            11 => {
                add(
                    s,
                    cleo,
                    at(11, 9),
                    contact(Direction::Outbound, Outcome::Reached),
                );
            }
            13 => {
                change(s, ben_promise.unwrap(), at(13, 16), &|kind| {
                    if let EntryKind::Promise(p) = kind {
                        p.keep(day(13)).unwrap();
                    }
                });
                change(s, cleo_problem.unwrap(), at(13, 12), &|kind| {
                    if let EntryKind::Problem(p) = kind {
                        p.status = ProblemStatus::Resolved {
                            on: day(13),
                            root_cause: RootCause::OurError,
                            prevention: "Check twice".into(),
                        };
                    }
                });
            }
            16 => change(s, cleo_promise.unwrap(), at(16, 15), &|kind| {
                if let EntryKind::Promise(p) = kind {
                    p.break_on(day(16)).unwrap();
                }
            }),
            18 => change(s, ben_invoice.unwrap(), at(18, 9), &|kind| {
                if let EntryKind::Payment(p) = kind {
                    p.paid_on = Some(day(18));
                }
            }),
            19 => {
                add(s, cleo, at(19, 9), news(cleo_promise.unwrap(), false));
            }
            _ => {}
        }
    }

    let options = InsightOptions {
        from,
        to,
        today: to,
        granularity: Granularity::Week,
        threshold: 10,
        problem_update_days: RankSettings::default().problem_update_days,
    };
    let insights = store.insights(&options).unwrap();
    let owed = insights.measure("owed_a_call").unwrap();
    let called = insights.measure("called_that_day").unwrap();
    let mut from_history: Vec<Vec<CustomerId>> = Vec::new();
    for (owed, called) in owed.series.iter().zip(&called.series) {
        // Owed: those not called that day, plus those called.
        let mut ids: Vec<CustomerId> = owed
            .customers
            .iter()
            .chain(&called.customers)
            .copied()
            .collect();
        ids.sort();
        assert_eq!(owed.value, Some(ids.len() as f64), "{}", owed.period);
        from_history.push(ids);
    }
    assert_eq!(from_history, listed_by_rank);
    // Each morning had something to decide: the 6th Dora's unhappy answer; the 7th Anna's
    // promise due tomorrow and Ben's unanswered call; the 8th Cleo's silent problem; Ben
    // off the morning after he is reached (the 10th), back for his overdue invoice (the
    // 11th to the 18th) and when overdue for contact (the 24th); Emil's snooze ends on the
    // 20th.
    let counts: Vec<usize> = listed_by_rank.iter().map(Vec::len).collect();
    assert_eq!(
        counts,
        vec![0, 1, 3, 4, 3, 3, 4, 3, 4, 4, 4, 4, 4, 4, 3, 4, 4, 4, 4, 5],
        "{listed_by_rank:?}"
    );
    assert_eq!(listed_by_rank[1], vec![dora]);
    assert_eq!(listed_by_rank[19], vec![anna, ben, cleo, dora, emil]);
}

/// A manager's journal: each customer has its rep. The same measures for one rep are those
/// of their customers alone, and the whole team's counts are the sum of the reps' (shares
/// are not: they are recomputed over everyone).
#[test]
fn insights_per_rep_for_a_manager_add_up_to_the_team() {
    use candor::domain::insights::{Granularity, InsightOptions};
    let mut store = Store::open_in_memory().unwrap();
    let mut customer = |name: &str| {
        store
            .add_customer(CustomerDraft::named(name), at(1, 8))
            .unwrap()
            .id
    };
    let (a1, a2, b1, b2) = (
        customer("Ada"),
        customer("Al"),
        customer("Bea"),
        customer("Bo"),
    );
    let add = |store: &mut Store, customer, when: NaiveDateTime, kind: EntryKind| {
        let draft = EntryDraft {
            customer_id: customer,
            occurred_at: when,
            summary: "x".into(),
            kind,
        };
        store.add_entry(draft, when).unwrap().id
    };
    let promise = |due: u32, edit: &dyn Fn(&mut Promise)| {
        let mut p = Promise::new(day(due), PromiseCategory::Delivery);
        edit(&mut p);
        EntryKind::Promise(p)
    };
    // Ann's customers, week 46 (9th–15th): one kept on time, one broken, one renegotiated
    // before it was due, with bad news told first.
    add(
        &mut store,
        a1,
        at(2, 9),
        promise(10, &|p| p.keep(day(10)).unwrap()),
    );
    add(
        &mut store,
        a1,
        at(2, 10),
        promise(12, &|p| p.break_on(day(13)).unwrap()),
    );
    let moved = add(
        &mut store,
        a2,
        at(2, 11),
        promise(11, &|p| {
            p.renegotiate(day(18), day(10), "Parts late").unwrap();
            p.keep(day(18)).unwrap();
        }),
    );
    let news = |related, proactive| {
        EntryKind::BadNews(BadNews {
            about: BadNewsKind::Delay,
            related,
            proactive,
        })
    };
    add(&mut store, a2, at(10, 9), news(Some(moved), true));
    // Bob's, week 47 (16th–22nd): kept two days late; bad news they had to ask for; an open
    // problem; an unpaid invoice; an unanswered call.
    add(
        &mut store,
        b1,
        at(3, 9),
        promise(17, &|p| p.keep(day(19)).unwrap()),
    );
    add(
        &mut store,
        b1,
        at(5, 9),
        EntryKind::Problem(Problem::default()),
    );
    let call = EntryKind::Contact(Contact {
        channel: Channel::Call,
        direction: Direction::Inbound,
        outcome: Outcome::NoAnswer,
        duration_mins: None,
    });
    add(&mut store, b1, at(12, 9), call);
    add(&mut store, b2, at(16, 9), news(None, false));
    let invoice = EntryKind::Payment(Payment {
        invoice_ref: "INV-9".into(),
        amount: Cents(10_000),
        due: day(1),
        paid_on: None,
    });
    add(&mut store, b2, at(1, 9), invoice);
    // Pulled from the team: Ann owns Ada and Al, Bob owns Bea and Bo.
    store
        .execute_batch_for_tests(&format!(
            "INSERT INTO team_reps (login, full_name) VALUES ('ann', 'Ann Archer'), ('bob', 'Bob Baker');
             UPDATE customers SET team_owner = 'ann' WHERE id IN ({}, {});
             UPDATE customers SET team_owner = 'bob' WHERE id IN ({}, {});",
            a1.0, a2.0, b1.0, b2.0
        ))
        .unwrap();

    let reps = store.insight_reps().unwrap();
    let names: Vec<(&str, &str, Vec<CustomerId>)> = reps
        .iter()
        .map(|r| (r.login.as_str(), r.name.as_str(), r.customers.clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("ann", "Ann Archer", vec![a1, a2]),
            ("bob", "Bob Baker", vec![b1, b2])
        ]
    );
    let options = InsightOptions {
        from: day(9),
        to: day(22),
        today: day(22),
        granularity: Granularity::Week,
        threshold: 10,
        problem_update_days: 3,
    };
    let team = store.insights(&options).unwrap();
    let ann = store.insights_of(&options, Some(&[a1, a2])).unwrap();
    let bob = store.insights_of(&options, Some(&[b1, b2])).unwrap();
    let (team_again, per_rep) = store.insights_per_rep(&options).unwrap();
    assert_eq!(team_again, team);
    assert_eq!(per_rep.len(), 2);
    assert_eq!(per_rep[0].1, ann);
    assert_eq!(per_rep[1].1, bob);

    let values = |insights: &candor::domain::insights::Insights, code: &str| -> Vec<Option<f64>> {
        insights
            .measure(code)
            .unwrap()
            .series
            .iter()
            .map(|p| p.value)
            .collect()
    };
    assert_eq!(values(&ann, "promises_due"), vec![Some(3.0), Some(0.0)]);
    assert_eq!(values(&ann, "kept_on_time"), vec![Some(1.0), Some(0.0)]);
    assert_eq!(values(&ann, "broken"), vec![Some(1.0), Some(0.0)]);
    assert_eq!(
        values(&ann, "renegotiated_before_due"),
        vec![Some(1.0), Some(0.0)]
    );
    assert_eq!(values(&ann, "kept_rate"), vec![Some(1.0 / 3.0), None]);
    assert_eq!(values(&ann, "told_first_share"), vec![Some(1.0), None]);
    assert_eq!(values(&bob, "promises_due"), vec![Some(0.0), Some(1.0)]);
    assert_eq!(values(&bob, "late"), vec![Some(0.0), Some(1.0)]);
    assert_eq!(values(&bob, "kept_rate"), vec![None, Some(0.0)]);
    assert_eq!(values(&bob, "told_first_share"), vec![None, Some(0.0)]);
    assert_eq!(values(&bob, "open_problems"), vec![Some(1.0), Some(1.0)]);
    assert_eq!(values(&bob, "overdue_1_30"), vec![Some(100.0), Some(100.0)]);
    assert_eq!(values(&ann, "overdue_1_30"), vec![Some(0.0), Some(0.0)]);
    // The team: shares over everyone, counts the sum of the reps'.
    assert_eq!(values(&team, "kept_rate"), vec![Some(1.0 / 3.0), Some(0.0)]);
    assert_eq!(
        values(&team, "told_first_share"),
        vec![Some(1.0), Some(0.0)]
    );
    for code in [
        "promises_due",
        "kept_on_time",
        "renegotiated_before_due",
        "late",
        "broken",
        "bad_news",
        "open_problems",
        "at_risk_customers",
        "owed_a_call",
        "called_that_day",
        "overdue_1_30",
        "overdue_over_90",
    ] {
        let sum: Vec<Option<f64>> = values(&ann, code)
            .iter()
            .zip(values(&bob, code))
            .map(|(a, b)| Some(a.unwrap() + b.unwrap()))
            .collect();
        assert_eq!(values(&team, code), sum, "{code}");
    }
    // Bob's customers were at risk: Bea's unanswered call from the 13th, Bea's problem.
    let at_risk = ann.measure("at_risk_customers").unwrap();
    assert!(
        at_risk
            .series
            .iter()
            .all(|p| p.customers.iter().all(|c| [a1, a2].contains(c)))
    );
    assert_eq!(
        bob.measure("at_risk_customers").unwrap().series[4].customers,
        vec![b1]
    );
}

/// Merging moves every entry (the trash too), refuses a customer into itself, and undoing
/// it restores both records byte for byte, with their own ids.
#[test]
fn a_merge_moves_every_entry_and_its_undo_restores_both_records() {
    use candor::domain::{CustomerDraft, EntryDraft, EntryKind};
    let mut store = Store::open_in_memory().unwrap();
    let keep = store
        .add_customer(CustomerDraft::named("Maria Keller"), at(1, 9))
        .unwrap();
    let mut twin = CustomerDraft::named("M. Keller");
    twin.email = "maria@keller.example".into();
    twin.tags = vec!["bakery".into()];
    let twin = store.add_customer(twin, at(2, 9)).unwrap();
    let note = |text: &str| EntryDraft {
        customer_id: twin.id,
        occurred_at: at(3, 9),
        summary: text.into(),
        kind: EntryKind::Note,
    };
    let kept_note = store.add_entry(note("Likes rye"), at(3, 9)).unwrap();
    let trashed = store.add_entry(note("Old note"), at(3, 9)).unwrap();
    store.delete_entry(trashed.id, at(4, 9)).unwrap();

    assert!(store.merge_customers(keep.id, keep.id, at(5, 9)).is_err());
    let merge = store.merge_customers(keep.id, twin.id, at(5, 9)).unwrap();
    assert_eq!(merge.moved, vec![kept_note.id, trashed.id]);
    assert!(store.customer(twin.id).is_err());
    let merged = store.customer(keep.id).unwrap();
    assert_eq!(merged.email, "maria@keller.example");
    assert_eq!(merged.tags, vec!["bakery".to_owned()]);
    assert_eq!(store.timeline(keep.id).unwrap().len(), 1);
    assert_eq!(store.entry(trashed.id).unwrap().customer_id, keep.id);

    store.undo_merge(&merge, at(6, 9)).unwrap();
    let back = store.customer(twin.id).unwrap();
    assert_eq!(back, twin);
    assert_eq!(store.customer(keep.id).unwrap().to_draft(), keep.to_draft());
    assert_eq!(store.timeline(twin.id).unwrap().len(), 1);
    assert_eq!(store.entry(trashed.id).unwrap().customer_id, twin.id);
}
