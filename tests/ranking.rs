//! "Call them first": each signal lifts a customer, scores never fall as things get worse,
//! and acting on a reason removes it.

use candor::domain::rank::{
    CustomerFacts, OpenDetail, OpenItem, RankSettings, RankedCustomer, ReasonKind, is_listed,
    join_ranked, listed, rank, rank_first, score_customer, score_part,
};
use candor::domain::{
    BadNews, BadNewsKind, Cents, Contact, CustomerDraft, CustomerId, Direction, EntryDraft,
    EntryId, EntryKind, OrderStatus, Outcome, Payment, Problem, Promise, PromiseCategory, Snooze,
};
use candor::store::Store;
use chrono::{Days, NaiveDate, NaiveDateTime};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

fn days_ago(days: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(days)).unwrap()
}

fn days_ahead(days: u64) -> NaiveDate {
    today().checked_add_days(Days::new(days)).unwrap()
}

fn at(day: NaiveDate, hour: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, 0, 0).unwrap()
}

/// A customer reached yesterday, feedback asked last month: nothing pending.
fn calm(id: i64, name: &str) -> CustomerFacts {
    let mut facts = CustomerFacts::new(CustomerId(id), name, at(days_ago(60), 9));
    facts.last_reached_at = Some(at(days_ago(1), 10));
    facts.last_feedback_at = Some(at(days_ago(30), 10));
    facts
}

fn promise_item(id: i64, due: NaiveDate, at_risk_since: Option<NaiveDateTime>) -> OpenItem {
    OpenItem {
        entry_id: EntryId(id),
        what: "Replacement parts".into(),
        opened_at: at(days_ago(20), 9),
        detail: OpenDetail::Promise {
            due,
            category: PromiseCategory::Delivery,
            at_risk_since,
            risk_reason: "supplier late".into(),
        },
    }
}

fn score(facts: &CustomerFacts) -> i64 {
    score_customer(facts, today(), &RankSettings::default()).map_or(0, |r| r.score)
}

fn reasons(facts: &CustomerFacts) -> Vec<ReasonKind> {
    score_customer(facts, today(), &RankSettings::default())
        .map(|r| r.reasons.iter().map(|reason| reason.kind).collect())
        .unwrap_or_default()
}

/// Ranks `with` against an otherwise identical `without` and checks `with` comes first
/// for the expected reason.
fn assert_lifts(with: CustomerFacts, expected: ReasonKind) {
    let without = calm(2, "Zed Without");
    let mut with = with;
    with.customer_id = CustomerId(1);
    with.name = "Ann With".into();
    let ranked = rank(&[without, with.clone()], today(), &RankSettings::default());
    assert_eq!(
        ranked.first().map(|r| r.customer_id),
        Some(CustomerId(1)),
        "{ranked:#?}"
    );
    assert_eq!(ranked[0].top_reason().map(|r| r.kind), Some(expected));
    assert!(
        !ranked.iter().any(|r| r.customer_id == CustomerId(2)),
        "nothing pending, not listed"
    );
}

#[test]
fn a_slipping_promise_nobody_was_told_about_lifts_a_customer() {
    let mut facts = calm(1, "A");
    facts.open_items.push(promise_item(10, days_ago(3), None));
    facts.last_reached_at = Some(at(days_ago(5), 10));
    assert_lifts(facts, ReasonKind::SlippingUntold);
}

#[test]
fn an_at_risk_promise_due_within_two_days_ranks_high_before_the_date() {
    let mut near = calm(1, "Near");
    near.open_items
        .push(promise_item(10, days_ahead(2), Some(at(today(), 8))));
    let mut far = calm(2, "Far");
    far.open_items
        .push(promise_item(11, days_ahead(9), Some(at(today(), 8))));
    assert!(
        score(&near) > score(&far),
        "{} vs {}",
        score(&near),
        score(&far)
    );
    assert_eq!(
        reasons(&far)[0],
        ReasonKind::SlippingUntold,
        "still untold, still listed"
    );
    assert_lifts(near, ReasonKind::SlippingUntold);
}

#[test]
fn once_told_a_slip_still_counts_but_far_less() {
    let mut untold = calm(1, "Untold");
    untold.last_reached_at = Some(at(days_ago(4), 10));
    untold.open_items.push(promise_item(10, days_ago(2), None));
    let mut told = untold.clone();
    told.last_bad_news_at = Some(at(days_ago(1), 11));
    assert_eq!(reasons(&told)[0], ReasonKind::SlippingTold);
    assert!(score(&told) > 0);
    assert!(
        score(&told) * 3 < score(&untold),
        "{} vs {}",
        score(&told),
        score(&untold)
    );
}

#[test]
fn a_contact_before_the_slip_does_not_count_as_telling_them() {
    let mut facts = calm(1, "A");
    facts.last_reached_at = Some(at(today(), 7));
    facts
        .open_items
        .push(promise_item(10, days_ahead(5), Some(at(today(), 8))));
    assert_eq!(reasons(&facts), vec![ReasonKind::SlippingUntold]);
    facts.last_reached_at = Some(at(today(), 9));
    assert_eq!(reasons(&facts), vec![ReasonKind::SlippingTold]);
}

#[test]
fn a_delayed_order_slips_like_a_promise() {
    let mut facts = calm(1, "A");
    facts.open_items.push(OpenItem {
        entry_id: EntryId(3),
        what: "Gloves".into(),
        opened_at: at(days_ago(10), 9),
        detail: OpenDetail::Order {
            due: days_ahead(6),
            status: OrderStatus::Delayed,
            status_changed_at: Some(at(today(), 8)),
        },
    });
    assert_lifts(facts, ReasonKind::SlippingUntold);
}

#[test]
fn a_callback_owed_lifts_a_customer_and_grows_with_the_wait() {
    let mut facts = calm(1, "A");
    facts.callback_owed_since = Some(at(days_ago(1), 16));
    let mut longer = facts.clone();
    longer.callback_owed_since = Some(at(days_ago(4), 16));
    assert!(score(&longer) > score(&facts));
    assert_lifts(facts, ReasonKind::CallbackOwed);
}

#[test]
fn an_open_problem_without_update_for_more_than_three_days_lifts_a_customer() {
    let mut facts = calm(1, "A");
    facts.last_reached_at = Some(at(days_ago(5), 10));
    facts.open_items.push(OpenItem {
        entry_id: EntryId(4),
        what: "Pump leaks".into(),
        opened_at: at(days_ago(8), 9),
        detail: OpenDetail::Problem { owner: "me".into() },
    });
    let settings = RankSettings {
        problem_update_days: 6,
        ..RankSettings::default()
    };
    assert!(
        score_customer(&facts, today(), &settings).is_none_or(|r| r
            .reasons
            .iter()
            .all(|x| x.kind != ReasonKind::ProblemSilent)),
        "the threshold is configurable"
    );
    let mut fresh = facts.clone();
    fresh.last_reached_at = Some(at(days_ago(2), 10));
    assert!(
        !reasons(&fresh).contains(&ReasonKind::ProblemSilent),
        "an update 2 days ago is enough"
    );
    assert_lifts(facts, ReasonKind::ProblemSilent);
}

#[test]
fn no_follow_up_after_a_resolved_problem_or_bad_news_lifts_a_customer() {
    let mut resolved = calm(1, "A");
    resolved.last_reached_at = Some(at(days_ago(4), 10));
    resolved.last_problem_resolved_on = Some(days_ago(4));
    assert_lifts(resolved.clone(), ReasonKind::NoFollowUp);
    resolved.last_reached_at = Some(at(days_ago(1), 10));
    assert!(
        reasons(&resolved).is_empty(),
        "a later call is the follow-up"
    );

    let mut news = calm(1, "A");
    news.last_reached_at = Some(at(days_ago(5), 10));
    news.last_bad_news_at = Some(at(days_ago(3), 10));
    assert_lifts(news, ReasonKind::NoFollowUp);
}

#[test]
fn a_promise_due_today_or_tomorrow_lifts_a_customer_until_confirmed() {
    let mut facts = calm(1, "A");
    facts.last_reached_at = Some(at(days_ago(3), 10));
    facts.open_items.push(promise_item(10, days_ahead(1), None));
    let mut today_due = facts.clone();
    today_due.open_items = vec![promise_item(10, today(), None)];
    assert!(score(&today_due) > score(&facts));
    assert_lifts(facts.clone(), ReasonKind::DueSoon);
    facts.last_reached_at = Some(at(today(), 9));
    assert!(reasons(&facts).is_empty(), "confirmed today");
}

#[test]
fn silence_beyond_the_cadence_lifts_a_customer_and_grows_with_the_ratio() {
    let mut facts = calm(1, "A");
    facts.cadence_days = 10;
    facts.last_reached_at = Some(at(days_ago(15), 10));
    let mut longer = facts.clone();
    longer.last_reached_at = Some(at(days_ago(40), 10));
    assert!(score(&longer) > score(&facts));
    facts.cadence_days = 30;
    assert!(reasons(&facts).is_empty(), "within a 30-day cadence");
    facts.cadence_days = 10;
    assert_lifts(facts, ReasonKind::ContactOverdue);
}

#[test]
fn an_overdue_payment_lifts_a_customer_more_at_30_60_90_days() {
    let payment = |days_overdue: u64| OpenItem {
        entry_id: EntryId(5),
        what: "Panels".into(),
        opened_at: at(days_ago(200), 9),
        detail: OpenDetail::Payment {
            invoice_ref: "INV-7".into(),
            amount: Cents(120_000),
            due: days_ago(days_overdue),
        },
    };
    let mut scores = Vec::new();
    for days in [5, 30, 60, 90] {
        let mut facts = calm(1, "A");
        facts.open_items.push(payment(days));
        scores.push(score(&facts));
    }
    assert!(scores.windows(2).all(|w| w[0] < w[1]), "{scores:?}");
    let mut facts = calm(1, "A");
    facts.open_items.push(payment(12));
    assert_lifts(facts, ReasonKind::PaymentOverdue);
}

#[test]
fn broken_promises_raise_the_weight_of_everything_else() {
    let mut facts = calm(1, "A");
    facts.callback_owed_since = Some(at(days_ago(2), 9));
    let mut distrusted = facts.clone();
    distrusted.broken_promises_recent = 2;
    assert!(score(&distrusted) > score(&facts));
    assert!(reasons(&distrusted).contains(&ReasonKind::TrustRepair));
    let mut nothing_else = calm(1, "A");
    nothing_else.broken_promises_recent = 3;
    assert!(
        reasons(&nothing_else).is_empty(),
        "trust repair alone lists nobody"
    );
}

#[test]
fn asking_for_feedback_after_90_days_is_a_low_reason() {
    let mut facts = calm(1, "A");
    facts.last_feedback_at = Some(at(days_ago(120), 10));
    assert_lifts(facts.clone(), ReasonKind::AskFeedback);
    let mut callback = calm(3, "C");
    callback.callback_owed_since = Some(at(today(), 8));
    assert!(score(&callback) > 2 * score(&facts));
}

#[test]
fn archived_and_snoozed_customers_are_not_listed() {
    let mut archived = calm(1, "A");
    archived.callback_owed_since = Some(at(days_ago(2), 9));
    archived.archived = true;
    let mut snoozed = calm(2, "B");
    snoozed.callback_owed_since = Some(at(days_ago(2), 9));
    snoozed.snoozed_until = Some(days_ahead(1));
    assert!(
        rank(
            &[archived, snoozed.clone()],
            today(),
            &RankSettings::default()
        )
        .is_empty()
    );
    snoozed.snoozed_until = Some(today());
    assert_eq!(
        rank(&[snoozed], today(), &RankSettings::default()).len(),
        1,
        "the snooze ended"
    );
}

#[test]
fn more_days_overdue_never_lowers_a_score() {
    // The same promise, looked at on later and later days.
    let due = days_ahead(10);
    for at_risk in [None, Some(at(days_ago(1), 9))] {
        let mut facts = calm(1, "A");
        facts.last_reached_at = Some(at(days_ago(2), 10));
        facts.cadence_days = 400;
        facts.open_items.push(promise_item(10, due, at_risk));
        let mut previous = 0;
        for day in 0..200u64 {
            let as_of = days_ago(1).checked_add_days(Days::new(day)).unwrap();
            let now =
                score_customer(&facts, as_of, &RankSettings::default()).map_or(0, |r| r.score);
            assert!(now >= previous, "{as_of}: {now} < {previous}");
            previous = now;
        }
        assert!(previous > 0);
    }
}

#[test]
fn every_ranked_customer_has_an_honest_opener_and_reasons_that_add_up() {
    let mut facts = calm(1, "A");
    facts.last_reached_at = Some(at(days_ago(6), 9));
    facts.open_items.push(promise_item(10, days_ago(3), None));
    facts.callback_owed_since = Some(at(days_ago(1), 9));
    facts.broken_promises_recent = 1;
    let ranked = score_customer(&facts, today(), &RankSettings::default()).unwrap();
    assert_eq!(
        ranked.score,
        ranked.reasons.iter().map(|r| r.points).sum::<i64>()
    );
    assert!(
        ranked
            .reasons
            .windows(2)
            .all(|w| w[0].points >= w[1].points),
        "strongest first"
    );
    assert!(
        ranked
            .opener
            .starts_with("I promised you \"Replacement parts\""),
        "{}",
        ranked.opener
    );
    assert!(
        ranked.reasons[0].text.contains("3 days overdue"),
        "{}",
        ranked.reasons[0].text
    );
}

#[test]
fn ties_go_to_the_longest_waiting_then_by_name() {
    let owed = |id, name: &str, days| {
        let mut facts = calm(id, name);
        facts.callback_owed_since = Some(at(days_ago(days), 9));
        facts
    };
    // Same score (the callback weight is capped at 14 days), different waits.
    let ranked = rank(
        &[owed(1, "Bea", 20), owed(2, "Abe", 15), owed(3, "Cy", 20)],
        today(),
        &RankSettings::default(),
    );
    let names: Vec<&str> = ranked.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Bea", "Cy", "Abe"]);
    assert_eq!(ranked.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3]);
}

/// On a tie of score and wait, names compare by their lower-case letters in any alphabet
/// (so "ÉMILE", "Émile" and "émile" tie, and come after "zoë" as "é" follows "z"), then as
/// written, then by id; the full list and its first few agree.
#[test]
fn ties_by_name_ignore_case_for_every_alphabet_and_the_top_few_agree() {
    let owed = |id, name: &str| {
        let mut facts = calm(id, name);
        facts.callback_owed_since = Some(at(days_ago(20), 9));
        facts
    };
    let facts = [
        owed(1, "zoë"),
        owed(2, "Émile"),
        owed(3, "eve"),
        owed(4, "Eve"),
        owed(5, "ÉMILE"),
        owed(6, "Adam"),
        owed(7, "Eve"),
        owed(8, "émile"),
    ];
    let ranked = rank(&facts, today(), &RankSettings::default());
    let order: Vec<(&str, i64)> = ranked
        .iter()
        .map(|r| (r.name.as_str(), r.customer_id.0))
        .collect();
    assert_eq!(
        order,
        [
            ("Adam", 6),
            ("Eve", 4),
            ("Eve", 7),
            ("eve", 3),
            ("zoë", 1),
            ("ÉMILE", 5),
            ("Émile", 2),
            ("émile", 8),
        ]
    );
    for limit in 0..=facts.len() {
        let first = candor::domain::rank::rank_first(
            facts.iter(),
            today(),
            &RankSettings::default(),
            Some(limit),
        );
        assert_eq!(first, ranked[..limit], "limit {limit}");
    }
}

/// A hand-judged morning: the order a seasoned salesperson would call in.
#[test]
fn a_morning_scenario_ranks_in_the_hand_judged_order() {
    let mut store = Store::open_in_memory().unwrap();
    let now = at(today(), 8);
    let names = [
        "Calm",
        "Unpaid",
        "Drifting",
        "Due today",
        "Silent problem",
        "Callback",
        "Slipped",
    ];
    let ids: Vec<CustomerId> = names
        .iter()
        .map(|name| store_add(&mut store, name, now))
        .collect();
    let [
        calm_id,
        unpaid,
        drifting,
        due_today,
        silent,
        callback,
        slipped,
    ] = ids[..]
    else {
        unreachable!()
    };
    let mut log = |customer, when, summary: &str, kind| {
        store
            .add_entry(
                EntryDraft {
                    customer_id: customer,
                    occurred_at: when,
                    summary: summary.into(),
                    kind,
                },
                now,
            )
            .unwrap();
    };
    let reached = || EntryKind::Contact(Contact::default());
    for id in &ids {
        log(
            *id,
            at(days_ago(30), 9),
            "How are we doing?",
            EntryKind::Feedback(Default::default()),
        );
    }
    for id in [calm_id, unpaid, due_today, callback, slipped] {
        log(id, at(days_ago(2), 9), "Catch-up", reached());
    }
    log(drifting, at(days_ago(40), 9), "Last real talk", reached());
    log(silent, at(days_ago(9), 9), "Catch-up", reached());
    log(
        silent,
        at(days_ago(8), 9),
        "Sensor drift",
        EntryKind::Problem(Problem::default()),
    );
    log(
        slipped,
        at(days_ago(10), 9),
        "Parts for line 2",
        EntryKind::Promise(Promise::new(days_ago(1), PromiseCategory::Delivery)),
    );
    log(
        callback,
        at(days_ago(1), 17),
        "Missed call",
        EntryKind::Contact(Contact {
            direction: Direction::Inbound,
            outcome: Outcome::Voicemail,
            ..Contact::default()
        }),
    );
    log(
        due_today,
        at(days_ago(5), 9),
        "Send the quote",
        EntryKind::Promise(Promise::new(today(), PromiseCategory::Information)),
    );
    log(
        unpaid,
        at(days_ago(70), 9),
        "Invoice",
        EntryKind::Payment(Payment {
            invoice_ref: "INV-1".into(),
            amount: Cents(50_000),
            due: days_ago(40),
            paid_on: None,
        }),
    );

    let ranked = rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    );
    let order: Vec<&str> = ranked.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        order,
        [
            "Slipped",
            "Callback",
            "Silent problem",
            "Due today",
            "Drifting",
            "Unpaid"
        ]
    );
}

fn store_add(store: &mut Store, name: &str, now: NaiveDateTime) -> CustomerId {
    let mut draft = CustomerDraft::named(name);
    draft.cadence_days = 14;
    store
        .add_customer(draft, now - chrono::Duration::days(100))
        .unwrap()
        .id
}

fn top_kinds(store: &Store, customer: CustomerId) -> Vec<ReasonKind> {
    rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    )
    .into_iter()
    .find(|r| r.customer_id == customer)
    .map(|r: RankedCustomer| r.reasons.iter().map(|x| x.kind).collect())
    .unwrap_or_default()
}

/// Promise slips → customer rises to the top → bad news delivered → reason gone →
/// logging the call back settles the callback → snooze hides them until tomorrow.
#[test]
fn acting_on_a_reason_removes_it_at_once() {
    let mut store = Store::open_in_memory().unwrap();
    let now = at(today(), 9);
    let ann = store_add(&mut store, "Ann", now);
    let bob = store_add(&mut store, "Bob", now);
    for id in [ann, bob] {
        store
            .add_entry(
                EntryDraft {
                    customer_id: id,
                    occurred_at: at(days_ago(1), 9),
                    summary: "Hello".into(),
                    kind: EntryKind::Contact(Contact::default()),
                },
                now,
            )
            .unwrap();
        store
            .add_entry(
                EntryDraft {
                    customer_id: id,
                    occurred_at: at(days_ago(1), 9),
                    summary: "Feedback".into(),
                    kind: EntryKind::Feedback(Default::default()),
                },
                now,
            )
            .unwrap();
    }
    let promise = store
        .add_entry(
            EntryDraft {
                customer_id: ann,
                occurred_at: at(days_ago(3), 9),
                summary: "Parts".into(),
                kind: EntryKind::Promise(Promise::new(days_ahead(5), PromiseCategory::Delivery)),
            },
            now,
        )
        .unwrap();
    assert!(top_kinds(&store, ann).is_empty());

    let mut draft = promise.to_draft();
    let EntryKind::Promise(p) = &mut draft.kind else {
        unreachable!()
    };
    p.flag_at_risk(now, "Customs hold").unwrap();
    store.update_entry(promise.id, draft, now).unwrap();
    let ranked = rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    );
    assert_eq!(ranked[0].customer_id, ann);
    assert_eq!(top_kinds(&store, ann)[0], ReasonKind::SlippingUntold);

    store
        .add_entry(
            EntryDraft {
                customer_id: ann,
                occurred_at: at(today(), 10),
                summary: "Parts will be a week late".into(),
                kind: EntryKind::BadNews(BadNews {
                    about: BadNewsKind::Delay,
                    related: Some(promise.id),
                    proactive: true,
                }),
            },
            now,
        )
        .unwrap();
    let kinds = top_kinds(&store, ann);
    assert!(!kinds.contains(&ReasonKind::SlippingUntold), "{kinds:?}");
    assert!(kinds.contains(&ReasonKind::SlippingTold), "{kinds:?}");

    store
        .add_entry(
            EntryDraft {
                customer_id: bob,
                occurred_at: at(today(), 8),
                summary: "Missed".into(),
                kind: EntryKind::Contact(Contact {
                    direction: Direction::Inbound,
                    outcome: Outcome::NoAnswer,
                    ..Contact::default()
                }),
            },
            now,
        )
        .unwrap();
    assert_eq!(top_kinds(&store, bob), vec![ReasonKind::CallbackOwed]);
    store
        .add_entry(
            EntryDraft {
                customer_id: bob,
                occurred_at: at(today(), 11),
                summary: "Called back".into(),
                kind: EntryKind::Contact(Contact::default()),
            },
            now,
        )
        .unwrap();
    assert!(top_kinds(&store, bob).is_empty());

    store
        .add_entry(
            EntryDraft {
                customer_id: ann,
                occurred_at: at(today(), 12),
                summary: "Waiting for the carrier".into(),
                kind: EntryKind::Snooze(Snooze {
                    until: days_ahead(1),
                }),
            },
            now,
        )
        .unwrap();
    assert!(top_kinds(&store, ann).is_empty(), "snoozed until tomorrow");
    let tomorrow = days_ahead(1);
    let ranked = rank(
        &store.rank_facts(tomorrow).unwrap(),
        tomorrow,
        &RankSettings::default(),
    );
    assert!(ranked.iter().any(|r| r.customer_id == ann), "back tomorrow");
}

fn arb_facts() -> impl Strategy<Value = CustomerFacts> {
    let day = || (0u64..400).prop_map(|d| at(days_ago(d), 9));
    (
        1i64..50,
        "[a-c]{1,3}",
        1u32..90,
        proptest::option::of(day()),
        proptest::option::of(day()),
        proptest::option::of(day()),
        proptest::option::of(day()),
        0u32..5,
        proptest::collection::vec((0u64..60, 0u64..60, any::<bool>(), 0u8..4), 0..5),
        any::<bool>(),
    )
        .prop_map(
            |(id, name, cadence, reached, callback, news, feedback, broken, items, archived)| {
                let mut facts = CustomerFacts::new(CustomerId(id), name, at(days_ago(400), 9));
                facts.cadence_days = cadence;
                facts.last_reached_at = reached;
                facts.callback_owed_since = callback;
                facts.last_bad_news_at = news;
                facts.last_feedback_at = feedback;
                facts.broken_promises_recent = broken;
                facts.archived = archived;
                for (i, (back, ahead, risk, kind)) in items.into_iter().enumerate() {
                    let due = days_ago(back).checked_add_days(Days::new(ahead)).unwrap();
                    let detail = match kind {
                        0 => OpenDetail::Promise {
                            due,
                            category: PromiseCategory::Fix,
                            at_risk_since: risk.then(|| at(days_ago(back), 9)),
                            risk_reason: String::new(),
                        },
                        1 => OpenDetail::Order {
                            due,
                            status: if risk {
                                OrderStatus::BackOrdered
                            } else {
                                OrderStatus::OnTrack
                            },
                            status_changed_at: None,
                        },
                        2 => OpenDetail::Problem { owner: "me".into() },
                        _ => OpenDetail::Payment {
                            invoice_ref: String::new(),
                            amount: Cents(1),
                            due,
                        },
                    };
                    facts.open_items.push(OpenItem {
                        entry_id: EntryId(i as i64),
                        what: "x".into(),
                        opened_at: at(days_ago(back), 8),
                        detail,
                    });
                }
                facts
            },
        )
}

proptest! {
    #[test]
    fn any_journal_ranks_deterministically_without_panic(mut facts in proptest::collection::vec(arb_facts(), 0..30)) {
        let first = rank(&facts, today(), &RankSettings::default());
        facts.reverse();
        let second = rank(&facts, today(), &RankSettings::default());
        let key = |r: &Vec<RankedCustomer>| r.iter().map(|c| (c.customer_id, c.score, c.rank)).collect::<Vec<_>>();
        // Customer ids may repeat in generated input; compare the ordering of scores and names.
        let names = |r: &Vec<RankedCustomer>| r.iter().map(|c| (c.score, c.name.clone())).collect::<Vec<_>>();
        prop_assert_eq!(names(&first), names(&second));
        prop_assert_eq!(key(&first).len(), first.len());
        for customer in &first {
            prop_assert!(customer.score > 0);
            prop_assert!(!customer.opener.is_empty());
            prop_assert_eq!(customer.score, customer.reasons.iter().map(|r| r.points).sum::<i64>());
        }
    }

    /// `--limit` keeps only the best few while scoring (the team ranking of 500,000
    /// customers): the same customers, ranks, scores and reasons as the top of the full list.
    #[test]
    fn the_first_few_are_the_top_of_the_whole_list(
        facts in proptest::collection::vec(arb_facts(), 0..40),
        limit in 0usize..12,
    ) {
        let facts: Vec<CustomerFacts> = facts
            .into_iter()
            .enumerate()
            .map(|(index, mut f)| {
                f.customer_id = CustomerId(index as i64 + 1);
                f
            })
            .collect();
        let settings = RankSettings::default();
        let mut whole = rank(&facts, today(), &settings);
        whole.truncate(limit);
        let first = rank_first(&facts, today(), &settings, Some(limit));
        prop_assert_eq!(first, whole);
    }

    /// The Insights' history asks `is_listed` (no sentences written); it must decide exactly
    /// as the list does, on every day around the facts, snoozed or not.
    #[test]
    fn is_listed_decides_exactly_what_the_list_decides(
        mut facts in arb_facts(),
        snoozed in proptest::option::of(0u64..10),
        offset in 0u64..120,
    ) {
        facts.snoozed_until = snoozed.map(days_ahead);
        let day = days_ago(60).checked_add_days(Days::new(offset)).unwrap();
        let settings = RankSettings::default();
        prop_assert_eq!(
            is_listed(&facts, day, &settings),
            listed(&facts, day, &settings).is_some()
        );
    }
}

fn store_promise(store: &mut Store, customer: CustomerId, due: NaiveDate) -> candor::domain::Entry {
    let made = at(due.checked_sub_days(Days::new(7)).unwrap(), 9);
    store
        .add_entry(
            EntryDraft {
                customer_id: customer,
                occurred_at: made,
                summary: "Replacement pump".into(),
                kind: EntryKind::Promise(Promise::new(due, PromiseCategory::Delivery)),
            },
            made,
        )
        .unwrap()
}

fn store_break(store: &mut Store, promise: &candor::domain::Entry, now: NaiveDateTime) {
    let mut draft = promise.to_draft();
    let EntryKind::Promise(p) = &mut draft.kind else {
        unreachable!()
    };
    p.break_on(now.date()).unwrap();
    store.update_entry(promise.id, draft, now).unwrap();
}

fn store_contact(store: &mut Store, customer: CustomerId, when: NaiveDateTime, contact: Contact) {
    store
        .add_entry(
            EntryDraft {
                customer_id: customer,
                occurred_at: when,
                summary: String::new(),
                kind: EntryKind::Contact(contact),
            },
            when,
        )
        .unwrap();
}

/// Issue 11: marking an overdue, untold promise broken made the customer vanish from
/// "Call them first". A broken, unexplained promise is the strongest reason there is.
#[test]
fn a_broken_promise_nobody_explained_puts_the_customer_at_the_top_until_explained() {
    let mut store = Store::open_in_memory().unwrap();
    let now = at(today(), 14);
    let ann = store_add(&mut store, "Ann", now);
    let bob = store_add(&mut store, "Bob", now);
    // Bob's slip has been untold for 60 days: the strongest slip there can be.
    store_promise(&mut store, bob, days_ago(60));
    for id in [ann, bob] {
        store_contact(&mut store, id, at(days_ago(70), 9), Contact::default());
    }
    let promise = store_promise(&mut store, ann, days_ago(3));
    // A call that reached Ann this morning, before the promise was given up, explains nothing.
    store_contact(&mut store, ann, at(today(), 9), Contact::default());
    store_break(&mut store, &promise, now);

    let ranked = rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    );
    assert_eq!(ranked[0].customer_id, ann, "{ranked:#?}");
    let top = ranked[0].top_reason().unwrap();
    assert_eq!(top.kind, ReasonKind::BrokenUnexplained);
    assert_eq!(top.entry_id, Some(promise.id));
    assert_eq!(
        top.text,
        format!(
            "Promise \"Replacement pump\" (due {}) was broken today, and nobody has explained it to them",
            days_ago(3)
        )
    );
    assert!(
        top.opener.contains("I did not keep that promise"),
        "{}",
        top.opener
    );

    // Bad news about it is logged (even backdated before the break): the reason goes.
    store
        .add_entry(
            EntryDraft {
                customer_id: ann,
                occurred_at: at(today(), 8),
                summary: "The pump will not come".into(),
                kind: EntryKind::BadNews(BadNews {
                    about: BadNewsKind::Delay,
                    related: Some(promise.id),
                    proactive: false,
                }),
            },
            now,
        )
        .unwrap();
    let kinds = top_kinds(&store, ann);
    assert!(!kinds.contains(&ReasonKind::BrokenUnexplained), "{kinds:?}");
}

#[test]
fn a_call_that_reaches_them_after_the_break_explains_it_and_a_voicemail_does_not() {
    let mut store = Store::open_in_memory().unwrap();
    let now = at(today(), 14);
    let ann = store_add(&mut store, "Ann", now);
    let promise = store_promise(&mut store, ann, days_ago(3));
    store_break(&mut store, &promise, at(days_ago(1), 11));
    assert_eq!(top_kinds(&store, ann)[0], ReasonKind::BrokenUnexplained);
    store_contact(
        &mut store,
        ann,
        at(today(), 9),
        Contact {
            outcome: Outcome::Voicemail,
            ..Contact::default()
        },
    );
    assert_eq!(top_kinds(&store, ann)[0], ReasonKind::BrokenUnexplained);
    store_contact(&mut store, ann, at(today(), 10), Contact::default());
    let kinds = top_kinds(&store, ann);
    assert!(!kinds.contains(&ReasonKind::BrokenUnexplained), "{kinds:?}");
}

#[test]
fn an_unhappy_answer_lifts_a_customer_until_someone_reaches_them_on_a_later_day() {
    let mut store = Store::open_in_memory().unwrap();
    let now = at(today(), 14);
    let ann = store_add(&mut store, "Ann", now);
    let bob = store_add(&mut store, "Bob", now);
    for (id, rating) in [(ann, 2), (bob, 4)] {
        store_contact(&mut store, id, at(days_ago(2), 9), Contact::default());
        store
            .add_entry(
                EntryDraft {
                    customer_id: id,
                    occurred_at: at(days_ago(2), 9),
                    summary: "Deliveries are always late".into(),
                    kind: EntryKind::Feedback(candor::domain::Feedback {
                        rating: Some(rating),
                    }),
                },
                now,
            )
            .unwrap();
    }
    let ranked = rank(
        &store.rank_facts(today()).unwrap(),
        today(),
        &RankSettings::default(),
    );
    assert_eq!(
        ranked.len(),
        1,
        "a happy answer asks for nothing: {ranked:#?}"
    );
    assert_eq!(ranked[0].customer_id, ann);
    let top = ranked[0].top_reason().unwrap();
    assert_eq!(top.kind, ReasonKind::UnhappyFeedback);
    assert_eq!(
        top.points,
        candor::domain::rank::weights::UNHAPPY_FEEDBACK
            + 2 * candor::domain::rank::weights::UNHAPPY_FEEDBACK_PER_DAY
    );
    assert_eq!(
        top.text,
        format!(
            "They rated us 2 of 5 on {} and nobody has got back to them since",
            days_ago(2)
        )
    );
    store_contact(&mut store, ann, at(today(), 10), Contact::default());
    assert!(top_kinds(&store, ann).is_empty());
}

#[test]
fn a_missed_call_from_the_customer_outranks_silence_and_due_dates() {
    let mut facts = calm(1, "A");
    facts.callback_owed_since = Some(at(today(), 8));
    let mut due = calm(2, "B");
    due.last_reached_at = Some(at(days_ago(3), 10));
    due.open_items.push(promise_item(5, today(), None));
    assert_eq!(reasons(&due), vec![ReasonKind::DueSoon]);
    assert!(score(&facts) > score(&due));
}

/// Issue 11: openers read like a person — "due today", not "in 0 days"; an order is "your
/// order"; a quote inside the item's text never nests inside the opener's quotes.
#[test]
fn openers_say_due_today_speak_of_your_order_and_never_nest_quotes() {
    let mut facts = calm(1, "A");
    facts.open_items.push(OpenItem {
        entry_id: EntryId(7),
        what: "The \"big\" oven".into(),
        opened_at: at(days_ago(20), 9),
        detail: OpenDetail::Promise {
            due: today(),
            category: PromiseCategory::Delivery,
            at_risk_since: Some(at(today(), 8)),
            risk_reason: String::new(),
        },
    });
    let ranked = score_customer(&facts, today(), &RankSettings::default()).unwrap();
    let top = ranked.top_reason().unwrap();
    assert_eq!(
        top.text,
        "Promise \"The 'big' oven\" is at risk, due today, and they have not been told"
    );
    assert!(!top.text.contains("in 0 days"));
    assert!(
        top.opener
            .starts_with("I promised you \"The 'big' oven\" by today"),
        "{}",
        top.opener
    );

    let mut order = calm(2, "B");
    order.last_reached_at = Some(at(days_ago(10), 9));
    order.open_items.push(OpenItem {
        entry_id: EntryId(8),
        what: "40 chairs".into(),
        opened_at: at(days_ago(20), 9),
        detail: OpenDetail::Order {
            due: days_ago(2),
            status: OrderStatus::Delayed,
            status_changed_at: Some(at(days_ago(5), 9)),
        },
    });
    let ranked = score_customer(&order, today(), &RankSettings::default()).unwrap();
    let opener = &ranked.top_reason().unwrap().opener;
    assert!(
        opener.starts_with("Your order \"40 chairs\" should have reached you on"),
        "{opener}"
    );
    assert!(!opener.contains("I promised"), "{opener}");
}

#[test]
fn a_customer_handed_over_to_you_is_on_the_list_until_a_call_reaches_them() {
    use candor::domain::rank::{TakenOver, weights};
    let mut facts = calm(7, "Acme Tools");
    // Reached by the former rep before the handover: that does not introduce the new one.
    facts.last_reached_at = Some(at(days_ago(3), 10));
    facts.taken_over = Some(TakenOver {
        from: "Maria".into(),
        at: at(days_ago(2), 9),
    });
    // Far-off promises: nothing else pending but the handover.
    facts.open_items = vec![
        promise_item(1, days_ahead(40), None),
        promise_item(2, days_ahead(50), None),
    ];
    assert_lifts(facts.clone(), ReasonKind::TookOver);
    assert_eq!(reasons(&facts), [ReasonKind::TookOver]);
    let ranked = score_customer(&facts, today(), &RankSettings::default()).unwrap();
    let reason = ranked.top_reason().unwrap();
    let on = days_ago(2).format("%-d %B").to_string();
    assert_eq!(
        reason.text,
        format!(
            "You took over from Maria on {on}: introduce yourself and confirm the 2 open promises Maria made"
        )
    );
    assert_eq!(
        reason.points,
        weights::TOOK_OVER + 2 * weights::TOOK_OVER_PER_PROMISE
    );
    assert!(
        ranked.opener.contains("I've taken over from Maria"),
        "{}",
        ranked.opener
    );
    // A call that reached them after the handover settles it.
    let mut reached = facts.clone();
    reached.last_reached_at = Some(at(days_ago(1), 10));
    assert!(!reasons(&reached).contains(&ReasonKind::TookOver));
    // Without open promises there is nothing to confirm, only to introduce oneself.
    let mut empty = facts;
    empty.open_items.clear();
    let ranked = score_customer(&empty, today(), &RankSettings::default()).unwrap();
    assert_eq!(
        ranked.top_reason().unwrap().text,
        format!("You took over from Maria on {on}: introduce yourself")
    );
    assert_eq!(ranked.score, weights::TOOK_OVER);
}

/// Issue 14: journal schema 8 adds the indexes the ranking's facts are read from. A journal
/// written before them (by the steps up to version 6, rows written as that version wrote
/// them) is upgraded to a fresh journal's schema and gives the same facts: the latest
/// rating, whether bad news explained each broken promise, and the open items.
#[test]
fn a_journal_from_before_the_ranking_indexes_upgrades_and_ranks_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.sqlite3");
    let fresh_schema = Store::open(&fresh).unwrap().schema_dump().unwrap();
    let path = dir.path().join("v6.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        candor::store::schema::create_at_version(&tx, 6).unwrap();
        let sql = format!(
            "INSERT INTO customers (id, name, created_at, updated_at)
                 VALUES (1, 'Ann', '{long_ago}', '{long_ago}');
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, category, rating,
                                  created_at, updated_at)
                 VALUES (10, 1, 'feedback', '{week_ago}', 'Fine', NULL, 4, '{week_ago}', '{week_ago}'),
                        (11, 1, 'feedback', '{yesterday}', 'Late again', NULL, 2, '{yesterday}', '{yesterday}');
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, category, status,
                                  due_date, closed_on, renegotiations, created_at, updated_at)
                 VALUES (20, 1, 'promise', '{month_ago}', 'Pump', 'delivery', 'broken',
                         '{week_ago_date}', '{week_ago_date}', '[]', '{month_ago}', '{week_ago}'),
                        (21, 1, 'promise', '{month_ago}', 'Valve', 'delivery', 'broken',
                         '{week_ago_date}', '{week_ago_date}', '[]', '{month_ago}', '{week_ago}');
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, category,
                                  related_id, proactive, created_at, updated_at)
                 VALUES (30, 1, 'bad_news', '{yesterday}', 'No pump', 'delay', 20, 0,
                         '{yesterday}', '{yesterday}');
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, owner, is_open,
                                  created_at, updated_at)
                 VALUES (40, 1, 'problem', '{week_ago}', 'Leaking seal', 'Ops', 1,
                         '{week_ago}', '{week_ago}');",
            long_ago = "2026-01-05T09:00:00",
            month_ago = at(days_ago(30), 9).format("%Y-%m-%dT%H:%M:%S"),
            week_ago = at(days_ago(7), 9).format("%Y-%m-%dT%H:%M:%S"),
            week_ago_date = days_ago(7),
            yesterday = at(days_ago(1), 9).format("%Y-%m-%dT%H:%M:%S"),
        );
        tx.execute_batch(&sql).unwrap();
        tx.commit().unwrap();
    }

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.version().unwrap().0,
        candor::store::schema::CURRENT_VERSION
    );
    assert_eq!(store.schema_dump().unwrap(), fresh_schema);
    let facts = store.rank_facts(today()).unwrap();
    assert_eq!(facts.len(), 1);
    let ann = &facts[0];
    let rating = ann.last_rating.as_ref().expect("a rating");
    assert_eq!((rating.entry_id, rating.rating), (EntryId(11), 2));
    let explained: Vec<(EntryId, bool)> = ann
        .broken_promises
        .iter()
        .map(|broken| (broken.entry_id, broken.bad_news_logged))
        .collect();
    assert_eq!(explained, [(EntryId(20), true), (EntryId(21), false)]);
    assert_eq!(ann.broken_promises[1].what, "Valve");
    let open: Vec<(EntryId, &str)> = ann
        .open_items
        .iter()
        .map(|item| (item.entry_id, item.what.as_str()))
        .collect();
    assert_eq!(open, [(EntryId(40), "Leaking seal")]);
    assert!(matches!(
        &ann.open_items[0].detail,
        OpenDetail::Problem { owner } if owner == "Ops"
    ));
}

/// Issue 14: journal schema 11 keeps each customer's latest rating in their summary. A
/// journal of schema 10 is upgraded to a fresh journal's schema with the rating filled in:
/// for a customer who had a summary and for one who had none, the trash and answers
/// without a rating left out, the later entry taken when two share the minute.
#[test]
fn a_journal_from_before_the_kept_latest_rating_upgrades_and_ranks_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_schema = Store::open(&dir.path().join("fresh.sqlite3"))
        .unwrap()
        .schema_dump()
        .unwrap();
    let path = dir.path().join("v10.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        candor::store::schema::create_at_version(&tx, 10).unwrap();
        let sql = format!(
            "INSERT INTO customers (id, name, created_at, updated_at)
                 VALUES (1, 'Ann', '{long_ago}', '{long_ago}'),
                        (2, 'Bob', '{long_ago}', '{long_ago}'),
                        (3, 'Cy', '{long_ago}', '{long_ago}');
             INSERT INTO customer_summary (customer_id, last_feedback_at)
                 VALUES (1, '{yesterday}'), (3, NULL);
             INSERT INTO entries (id, customer_id, kind, occurred_at, summary, rating,
                                  deleted_at, created_at, updated_at)
                 VALUES (10, 1, 'feedback', '{week_ago}', 'Fine', 4, NULL, '{week_ago}', '{week_ago}'),
                        (11, 1, 'feedback', '{yesterday}', 'Late', 2, NULL, '{yesterday}', '{yesterday}'),
                        (12, 1, 'feedback', '{yesterday}', 'Better', 3, NULL, '{yesterday}', '{yesterday}'),
                        (13, 1, 'feedback', '{today}', 'Binned', 1, '{today}', '{today}', '{today}'),
                        (14, 1, 'feedback', '{today}', 'No answer', NULL, NULL, '{today}', '{today}'),
                        (20, 2, 'feedback', '{week_ago}', 'Unhappy', 1, NULL, '{week_ago}', '{week_ago}');",
            long_ago = "2026-01-05T09:00:00",
            week_ago = at(days_ago(7), 9).format("%Y-%m-%dT%H:%M:%S"),
            yesterday = at(days_ago(1), 9).format("%Y-%m-%dT%H:%M:%S"),
            today = at(today(), 8).format("%Y-%m-%dT%H:%M:%S"),
        );
        tx.execute_batch(&sql).unwrap();
        tx.commit().unwrap();
    }

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.version().unwrap().0,
        candor::store::schema::CURRENT_VERSION
    );
    assert_eq!(store.schema_dump().unwrap(), fresh_schema);
    let facts = store.rank_facts(today()).unwrap();
    let ratings: Vec<Option<(EntryId, u8, NaiveDateTime)>> = facts
        .iter()
        .map(|f| f.last_rating.map(|r| (r.entry_id, r.rating, r.at)))
        .collect();
    assert_eq!(
        ratings,
        [
            Some((EntryId(12), 3, at(days_ago(1), 9))),
            Some((EntryId(20), 1, at(days_ago(7), 9))),
            None,
        ]
    );
    // Bob had no summary: the step wrote all of it.
    assert_eq!(
        facts[1].last_feedback_at.map(|at| at.date()),
        Some(days_ago(7))
    );
}

/// An item's text in a sentence: its first line, trimmed, double quotes made single, cut to
/// 59 characters (spaces at the cut dropped) and "…" when longer than 60; the opener quotes
/// it the same way.
#[test]
fn a_long_item_is_quoted_on_one_line_cut_with_an_ellipsis_and_never_nests_quotes() {
    let quoted_as = |what: &str| {
        let mut facts = calm(1, "A");
        let mut item = promise_item(10, days_ago(3), None);
        item.what = what.into();
        facts.open_items.push(item);
        let ranked = score_customer(&facts, today(), &RankSettings::default()).unwrap();
        let text = ranked.reasons[0].text.clone();
        let quoted = text
            .strip_prefix("Promise ")
            .and_then(|rest| rest.split(" is 3 days overdue").next())
            .unwrap()
            .to_owned();
        assert!(ranked.opener.contains(&quoted), "{}", ranked.opener);
        quoted
    };
    assert_eq!(
        quoted_as("  The \"red\" chairs  \nsecond line"),
        "\"The 'red' chairs\""
    );
    let sixty = "é".repeat(60);
    assert_eq!(quoted_as(&sixty), format!("\"{sixty}\""));
    let long = format!("{} {}", "a".repeat(58), "b".repeat(10));
    assert_eq!(quoted_as(&long), format!("\"{}…\"", "a".repeat(58)));
    let long = format!("\"{}\"", "ü".repeat(70));
    assert_eq!(quoted_as(&long), format!("\"'{}…\"", "ü".repeat(58)));
}

#[test]
fn a_list_read_and_scored_in_two_halves_is_the_list_read_at_once() {
    // `candor rank` reads and scores each half of the customers on its own connection;
    // `rank_facts` reads the customers on one and their open items on another.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
    let options = candor::sample::GenerateOptions {
        customers: 300,
        entries: 12_000,
        seed: 11,
    };
    candor::sample::write_generated(&mut store, options, today()).unwrap();
    let settings = RankSettings::default();
    for day in [today(), days_ago(40), days_ahead(30)] {
        let all = store.rank_facts(day).unwrap();
        let halves = store.customer_id_halves().unwrap();
        let parts: Vec<Vec<CustomerFacts>> = halves
            .iter()
            .map(|&ids| store.rank_facts_in(day, ids).unwrap())
            .collect();
        assert!(parts.iter().all(|part| part.len() > 100), "two real halves");
        assert!(
            all.iter().any(|f| !f.open_items.is_empty())
                && all.iter().any(|f| !f.broken_promises.is_empty()),
            "the journal has open items and broken promises"
        );
        assert_eq!(parts.concat(), all);
        let joined = join_ranked(
            parts
                .iter()
                .map(|part| score_part(part, day, &settings))
                .collect(),
        );
        assert_eq!(joined, rank(&all, day, &settings));
        assert!(joined.len() > 100);
    }
}
