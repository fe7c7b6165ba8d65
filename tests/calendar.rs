//! The calendar file: a hand-built journal written as iCalendar, parsed back with the
//! `icalendar` crate's own parser (not ours) and compared item by item — UIDs stable across
//! runs, a kept promise cancelled with a higher SEQUENCE, a renegotiated one moved, and
//! times right across DST changes in time zones east and west of UTC.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr as _;

use candor::domain::reminders::{DueItem, DueKind};
use candor::domain::{
    Cents, Channel, Contact, CustomerDraft, CustomerId, Direction, EntryDraft, EntryId, EntryKind,
    Order, OrderStatus, Outcome, Payment, Promise, PromiseCategory, Snooze,
};
use candor::io::calendar::{calendar_text, local_to_utc, write_for_journal};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, Event};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

/// The journal of the tests: Ana (three promises), Ben (a voicemail owed a callback, an
/// order, an invoice, a snooze) and Cleo (archived, with an open promise that must not show).
struct Journal {
    store: Store,
    quote: EntryId,
    samples: EntryId,
    visit: EntryId,
    order: EntryId,
    invoice: EntryId,
    snooze: EntryId,
}

fn draft(customer: CustomerId, when: &str, summary: &str, kind: EntryKind) -> EntryDraft {
    EntryDraft {
        customer_id: customer,
        occurred_at: at(when),
        summary: summary.into(),
        kind,
    }
}

fn promise(due: &str) -> EntryKind {
    EntryKind::Promise(Promise::new(date(due), PromiseCategory::Information))
}

fn build(path: &Path) -> Journal {
    let mut store = Store::open(path).unwrap();
    let mut ana = CustomerDraft::named("Ana Ruiz");
    ana.company = "Ruiz SL".into();
    ana.phone = "+34 600 111 222".into();
    let ana = store.add_customer(ana, at("2026-03-01 09:00")).unwrap().id;
    let mut ben = CustomerDraft::named("Ben Okafor");
    ben.phone = "+44 20 7946 0000".into();
    let ben = store.add_customer(ben, at("2026-03-01 09:05")).unwrap().id;
    let mut cleo = CustomerDraft::named("Cleo Archived");
    cleo.archived = true;
    let cleo = store.add_customer(cleo, at("2026-03-01 09:10")).unwrap().id;

    let now = at("2026-03-02 10:00");
    let quote = store
        .add_entry(
            draft(
                ana,
                "2026-03-02 10:00",
                "Send the quote; signed, by noon",
                promise("2026-03-10"),
            ),
            now,
        )
        .unwrap()
        .id;
    let samples = store
        .add_entry(
            draft(
                ana,
                "2026-03-02 10:01",
                "Post the samples",
                promise("2026-03-12"),
            ),
            at("2026-03-02 10:01"),
        )
        .unwrap()
        .id;
    let visit = store
        .add_entry(
            draft(
                ana,
                "2026-03-02 10:02",
                "Visit the new shop",
                promise("2026-03-15"),
            ),
            at("2026-03-02 10:02"),
        )
        .unwrap()
        .id;
    store
        .add_entry(
            draft(
                ben,
                "2026-03-09 10:42",
                "Left a voicemail about the delivery",
                EntryKind::Contact(Contact {
                    channel: Channel::Call,
                    direction: Direction::Inbound,
                    outcome: Outcome::Voicemail,
                    duration_mins: None,
                }),
            ),
            at("2026-03-09 10:43"),
        )
        .unwrap();
    let order = store
        .add_entry(
            draft(
                ben,
                "2026-03-03 11:00",
                "40 chairs",
                EntryKind::Order(Order {
                    amount: Some(Cents(480_000)),
                    promised_delivery: date("2026-03-14"),
                    status: OrderStatus::OnTrack,
                    status_changed_at: None,
                }),
            ),
            at("2026-03-03 11:00"),
        )
        .unwrap()
        .id;
    let invoice = store
        .add_entry(
            draft(
                ben,
                "2026-03-03 11:05",
                "Chairs",
                EntryKind::Payment(Payment {
                    invoice_ref: "INV-7".into(),
                    amount: Cents(120_050),
                    due: date("2026-03-31"),
                    paid_on: None,
                }),
            ),
            at("2026-03-03 11:05"),
        )
        .unwrap()
        .id;
    let snooze = store
        .add_entry(
            draft(
                ben,
                "2026-03-09 12:00",
                "Back from holiday on the 13th",
                EntryKind::Snooze(Snooze {
                    until: date("2026-03-13"),
                }),
            ),
            at("2026-03-09 12:00"),
        )
        .unwrap()
        .id;
    store
        .add_entry(
            draft(
                cleo,
                "2026-03-02 10:00",
                "Archived promise",
                promise("2026-03-11"),
            ),
            now,
        )
        .unwrap();
    Journal {
        store,
        quote,
        samples,
        visit,
        order,
        invoice,
        snooze,
    }
}

fn events_by_uid(text: &str) -> HashMap<String, Event> {
    let calendar = Calendar::from_str(text).expect("the icalendar crate parses our file");
    calendar
        .events()
        .map(|e| {
            (
                e.get_uid().expect("every event has a UID").to_owned(),
                e.clone(),
            )
        })
        .collect()
}

fn uid_of(events: &HashMap<String, Event>, prefix: &str) -> String {
    let found: Vec<&String> = events
        .keys()
        .filter(|uid| uid.starts_with(prefix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one UID starting {prefix}: {:?}",
        events.keys()
    );
    found[0].clone()
}

fn all_day(event: &Event) -> (NaiveDate, NaiveDate) {
    match (event.get_start(), event.get_end()) {
        (Some(DatePerhapsTime::Date(start)), Some(DatePerhapsTime::Date(end))) => (start, end),
        other => panic!("not an all-day event: {other:?}"),
    }
}

fn utc_start(event: &Event) -> chrono::DateTime<Utc> {
    match event.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(start))) => start,
        other => panic!("not a UTC start: {other:?}"),
    }
}

fn status(event: &Event) -> &str {
    event.property_value("STATUS").unwrap_or_default()
}

#[test]
fn the_calendar_of_a_hand_built_journal_parses_back_item_by_item() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let journal = build(&path);
    let items = journal.store.due_items(date("2026-03-10"), 30).unwrap();
    let text = calendar_text(&items, &chrono_tz::Europe::Madrid, "Candor — journal");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        text.split("\r\n").all(|line| line.len() <= 75),
        "lines are folded at 75 octets"
    );
    let events = events_by_uid(&text);
    assert_eq!(
        events.len(),
        7,
        "3 promises, the callback, the order, the invoice, the snooze; nothing archived: {:?}",
        events.keys()
    );

    let quote = &events[&uid_of(&events, &format!("candor-promise-{}-", journal.quote.0))];
    assert_eq!(all_day(quote), (date("2026-03-10"), date("2026-03-11")));
    assert!(text.contains("DTSTART;VALUE=DATE:20260310\r\n"));
    assert_eq!(
        quote.get_summary(),
        Some("Promise: Send the quote; signed, by noon — Ana Ruiz (Ruiz SL)")
    );
    let description = quote.get_description().unwrap();
    assert!(description.contains("Customer: Ana Ruiz"), "{description}");
    assert!(
        description.contains("Phone: +34 600 111 222"),
        "{description}"
    );
    assert!(
        description.contains("Promised (Information or quote): Send the quote; signed, by noon"),
        "{description}"
    );
    assert_eq!(status(quote), "CONFIRMED");
    assert_eq!(
        text.matches("TRIGGER:-PT15H\r\n").count(),
        6,
        "each all-day event's alarm rings at 09:00 the morning before"
    );

    let callback = &events[&uid_of(&events, "candor-callback-c")];
    assert_eq!(callback.get_summary(), Some("Call back Ben Okafor"));
    // 10:42 in Madrid (CET, UTC+1) on 9 March.
    assert_eq!(
        utc_start(callback),
        Utc.with_ymd_and_hms(2026, 3, 9, 9, 42, 0).unwrap()
    );
    assert!(
        callback
            .get_description()
            .unwrap()
            .contains("Phone: +44 20 7946 0000")
    );

    let order = &events[&uid_of(&events, &format!("candor-order-{}-", journal.order.0))];
    assert_eq!(all_day(order).0, date("2026-03-14"));
    assert_eq!(
        order.get_summary(),
        Some("Order due: 40 chairs — Ben Okafor")
    );
    let invoice = &events[&uid_of(&events, &format!("candor-invoice-{}-", journal.invoice.0))];
    assert_eq!(all_day(invoice).0, date("2026-03-31"));
    assert!(invoice.get_description().unwrap().contains("Invoice INV-7"));
    let snooze = &events[&uid_of(&events, &format!("candor-snooze-{}-", journal.snooze.0))];
    assert_eq!(all_day(snooze).0, date("2026-03-13"));
    assert_eq!(
        snooze.get_summary(),
        Some("Ben Okafor is back on your call-first list")
    );
    assert!(events.keys().all(|uid| uid.ends_with("@candor")));
}

#[test]
fn uids_stay_the_same_and_changes_raise_the_sequence_or_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let out = dir.path().join("candor.ics");
    let mut journal = build(&path);
    let today = date("2026-03-10");
    drop(journal.store);
    write_for_journal(&path, &out, today).unwrap();
    let first_text = std::fs::read_to_string(&out).unwrap();
    write_for_journal(&path, &out, today).unwrap();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        first_text,
        "an unchanged journal gives the same bytes"
    );
    let first = events_by_uid(&first_text);

    // Keep one promise, renegotiate another, deliver the order.
    journal.store = Store::open(&path).unwrap();
    let store = &mut journal.store;
    let change = |store: &mut Store, id: EntryId, now: &str, f: &dyn Fn(&mut EntryKind)| {
        let mut d = store.entry(id).unwrap().to_draft();
        f(&mut d.kind);
        store.update_entry(id, d, at(now)).unwrap();
    };
    change(store, journal.samples, "2026-03-10 15:00", &|kind| {
        if let EntryKind::Promise(p) = kind {
            p.keep(date("2026-03-10")).unwrap();
        }
    });
    change(store, journal.visit, "2026-03-10 15:05", &|kind| {
        if let EntryKind::Promise(p) = kind {
            p.renegotiate(date("2026-03-22"), date("2026-03-10"), "Shop opens later")
                .unwrap();
        }
    });
    change(store, journal.order, "2026-03-10 15:10", &|kind| {
        if let EntryKind::Order(o) = kind {
            o.set_status(OrderStatus::Delivered, at("2026-03-10 15:10"));
        }
    });
    drop(journal.store);
    write_for_journal(&path, &out, today).unwrap();
    let second = events_by_uid(&std::fs::read_to_string(&out).unwrap());
    let mut first_uids: Vec<&String> = first.keys().collect();
    let mut second_uids: Vec<&String> = second.keys().collect();
    first_uids.sort();
    second_uids.sort();
    assert_eq!(first_uids, second_uids, "the same items keep the same UIDs");

    let kept_uid = uid_of(&second, &format!("candor-promise-{}-", journal.samples.0));
    assert_eq!(status(&first[&kept_uid]), "CONFIRMED");
    assert_eq!(
        status(&second[&kept_uid]),
        "CANCELLED",
        "a kept promise is cancelled"
    );
    assert!(second[&kept_uid].get_sequence() > first[&kept_uid].get_sequence());
    assert!(
        second[&kept_uid]
            .get_description()
            .unwrap()
            .contains("Closed: kept on 2026-03-10")
    );

    let moved_uid = uid_of(&second, &format!("candor-promise-{}-", journal.visit.0));
    assert_eq!(all_day(&first[&moved_uid]).0, date("2026-03-15"));
    assert_eq!(all_day(&second[&moved_uid]).0, date("2026-03-22"));
    assert_eq!(status(&second[&moved_uid]), "CONFIRMED");
    assert!(second[&moved_uid].get_sequence().unwrap() > first[&moved_uid].get_sequence().unwrap());

    let order_uid = uid_of(&second, &format!("candor-order-{}-", journal.order.0));
    assert_eq!(status(&second[&order_uid]), "CANCELLED");

    let quote_uid = uid_of(&second, &format!("candor-promise-{}-", journal.quote.0));
    assert_eq!(
        first[&quote_uid].get_sequence(),
        second[&quote_uid].get_sequence(),
        "an untouched promise keeps its sequence"
    );

    // A month later the closed items have left the file; the open ones remain.
    write_for_journal(&path, &out, date("2026-04-15")).unwrap();
    let later = events_by_uid(&std::fs::read_to_string(&out).unwrap());
    assert!(!later.contains_key(&kept_uid));
    assert!(!later.contains_key(&order_uid));
    assert!(later.contains_key(&moved_uid));
}

fn timed(at_local: &str, due: &str) -> DueItem {
    DueItem {
        kind: DueKind::CallbackOwed,
        entry_id: None,
        customer_id: CustomerId(1),
        customer_name: "Ana Ruiz".into(),
        company: String::new(),
        phone: String::new(),
        what: String::new(),
        due: date(due),
        at: Some(at(at_local)),
        created_at: at(at_local),
        updated_at: at(at_local),
        closed: None,
    }
}

fn promise_item(due: &str) -> DueItem {
    DueItem {
        kind: DueKind::Promise(PromiseCategory::Delivery),
        entry_id: Some(EntryId(9)),
        at: None,
        ..timed("2026-03-01 09:00", due)
    }
}

/// The start (UTC) and the alarm's absolute trigger of each timed event, and the start date
/// of each all-day event, in `tz`.
fn written_times<Z: chrono::TimeZone>(items: &[DueItem], tz: &Z) -> (Vec<String>, Vec<String>) {
    let text = calendar_text(items, tz, "Candor");
    let calendar = Calendar::from_str(&text).unwrap();
    let mut starts = Vec::new();
    for event in calendar.events() {
        match event.get_start() {
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(start))) => {
                starts.push(start.format("%Y-%m-%d %H:%M").to_string())
            }
            Some(DatePerhapsTime::Date(day)) => starts.push(day.to_string()),
            other => panic!("unexpected start {other:?}"),
        }
    }
    let triggers = text
        .split("\r\n")
        .filter(|line| line.starts_with("TRIGGER"))
        .map(str::to_owned)
        .collect();
    (starts, triggers)
}

#[test]
fn times_are_right_across_dst_changes_east_and_west_of_utc() {
    let items = vec![
        timed("2026-03-28 10:00", "2026-03-28"), // Berlin: last day of winter time
        timed("2026-03-30 10:00", "2026-03-30"), // Berlin: first Monday of summer time
        timed("2026-03-29 02:30", "2026-03-29"), // Berlin: a time the clocks skip
        promise_item("2026-03-29"),
    ];
    let (starts, triggers) = written_times(&items, &chrono_tz::Europe::Berlin);
    assert_eq!(
        starts,
        [
            "2026-03-28 09:00",
            "2026-03-30 08:00",
            "2026-03-29 01:30", // read as 03:30 summer time
            "2026-03-29",       // an all-day date never shifts
        ]
    );
    assert_eq!(
        triggers,
        [
            "TRIGGER;VALUE=DATE-TIME:20260327T080000Z", // 09:00 CET the day before
            "TRIGGER;VALUE=DATE-TIME:20260329T070000Z", // 09:00 CEST: the day before switched
            "TRIGGER;VALUE=DATE-TIME:20260328T080000Z",
            "TRIGGER:-PT15H",
        ]
    );

    // West of UTC: New York changes on 8 March 2026.
    let west = vec![
        timed("2026-03-07 10:00", "2026-03-07"),
        timed("2026-03-09 10:00", "2026-03-09"),
        promise_item("2026-03-09"),
    ];
    let (starts, _) = written_times(&west, &chrono_tz::America::New_York);
    assert_eq!(
        starts,
        ["2026-03-07 15:00", "2026-03-09 14:00", "2026-03-09"]
    );

    // Far east: Tokyo is 9 hours ahead, so a morning call is the previous day in UTC.
    let east = vec![
        timed("2026-03-10 08:30", "2026-03-10"),
        promise_item("2026-03-10"),
    ];
    let (starts, triggers) = written_times(&east, &chrono_tz::Asia::Tokyo);
    assert_eq!(starts, ["2026-03-09 23:30", "2026-03-10"]);
    assert_eq!(triggers[0], "TRIGGER;VALUE=DATE-TIME:20260309T000000Z");

    // The autumn hour that happens twice is taken the first time.
    assert_eq!(
        local_to_utc(&chrono_tz::Europe::Berlin, at("2026-10-25 02:30")),
        Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
    );
}

#[test]
fn text_with_commas_semicolons_and_line_breaks_survives_the_round_trip() {
    let mut item = promise_item("2026-03-10");
    item.what = "Line one, with; punctuation\r\nLine two \\ backslash\u{7}".into();
    let text = calendar_text(&[item], &Utc, "Candor; test");
    let calendar = Calendar::from_str(&text).unwrap();
    let event = calendar.events().next().unwrap();
    assert!(
        event
            .get_description()
            .unwrap()
            .contains("Line one, with; punctuation\nLine two \\ backslash\nDue:"),
        "{:?}",
        event.get_description()
    );
    assert!(!text.contains('\u{7}'));
    assert_eq!(calendar.get_name(), Some("Candor; test"));
}

/// Runs Python's `icalendar` (a parser written by others, used by many calendar tools) on
/// `text` and returns, per event, "UID START END STATUS SEQUENCE", plus the parse errors it
/// collected (it records, rather than raises, what it had to skip).
fn python_icalendar_view(text: &str) -> String {
    const SCRIPT: &str = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
problems = [f"{c.name}: {e}" for c in cal.walk() for e in getattr(c, "errors", [])]
for ev in cal.walk("VEVENT"):
    for key in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION"):
        if key not in ev:
            problems.append(f"{ev.get('UID')}: no {key}")
    alarms = ev.walk("VALARM")
    if len(alarms) != 1 or "TRIGGER" not in alarms[0]:
        problems.append(f"{ev.get('UID')}: no alarm")
    print(ev["UID"], ev.decoded("DTSTART").isoformat(), ev.decoded("DTEND").isoformat(),
          ev["STATUS"], ev.decoded("SEQUENCE"))
for p in problems:
    print("PROBLEM", p)
"#;
    let candidates: &[&str] = if cfg!(windows) {
        &["python", "py"]
    } else {
        &["python3", "/usr/bin/python3"]
    };
    for python in candidates {
        let has_module = std::process::Command::new(python)
            .args(["-c", "import icalendar"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_module {
            continue;
        }
        let mut child = std::process::Command::new(python)
            .args(["-c", SCRIPT])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "Python's icalendar refused the file: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return String::from_utf8(output.stdout).unwrap();
    }
    panic!(
        "This test checks the calendar file with Python's icalendar parser, which is not installed: \
         install it with `apt-get install python3-icalendar` (Debian/Ubuntu; .ci/run does) or \
         `python3 -m pip install icalendar`."
    );
}

#[test]
fn pythons_icalendar_reads_every_event_without_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let mut journal = build(&path);
    let mut d = journal.store.entry(journal.samples).unwrap().to_draft();
    if let EntryKind::Promise(p) = &mut d.kind {
        p.keep(date("2026-03-09")).unwrap();
    }
    journal
        .store
        .update_entry(journal.samples, d, at("2026-03-09 17:00"))
        .unwrap();
    let items = journal.store.due_items(date("2026-03-10"), 30).unwrap();
    let text = calendar_text(&items, &chrono_tz::America::New_York, "Candor — journal");
    let view = python_icalendar_view(&text);
    assert!(!view.contains("PROBLEM"), "{view}");
    let lines: Vec<&str> = view.lines().collect();
    assert_eq!(lines.len(), 7, "{view}");
    let line_for = |uid: String| -> String {
        lines
            .iter()
            .find(|l| l.starts_with(&uid))
            .unwrap_or_else(|| panic!("{uid} in {view}"))
            .to_string()
    };
    let uid = |kind: &str, id: EntryId| {
        items
            .iter()
            .find(|i| i.kind.code() == kind && i.entry_id == Some(id))
            .unwrap()
            .uid()
    };
    let quote = uid("promise", journal.quote);
    assert_eq!(
        line_for(quote.clone()),
        format!("{quote} 2026-03-10 2026-03-11 CONFIRMED 0")
    );
    let kept = uid("promise", journal.samples);
    let kept_line = line_for(kept.clone());
    assert!(
        kept_line.starts_with(&format!("{kept} 2026-03-12 2026-03-13 CANCELLED ")),
        "{kept_line}"
    );
    let callback = items
        .iter()
        .find(|i| i.kind == DueKind::CallbackOwed)
        .unwrap()
        .uid();
    // 10:42 in New York on 9 March 2026 (EDT since the 8th) is 14:42 UTC.
    assert_eq!(
        line_for(callback.clone()),
        format!("{callback} 2026-03-09T14:42:00+00:00 2026-03-09T14:57:00+00:00 CONFIRMED 0")
    );
}

#[test]
fn candor_calendar_writes_the_file_headless_and_says_how_many_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    drop(build(&path));
    let out = dir.path().join("due.ics");
    let run = |args: &[&str]| {
        assert_cmd::cargo::cargo_bin_cmd!("candor")
            .args(args)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .output()
            .unwrap()
    };
    let db = path.display().to_string();
    let out_text = out.display().to_string();
    let output = run(&[
        "calendar",
        "--db",
        &db,
        "--out",
        &out_text,
        "--today",
        "2026-03-10",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("Wrote 7 events to {out_text}\n")
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(events_by_uid(&written).len(), 7);

    let output = run(&[
        "calendar",
        "--db",
        &db,
        "--out",
        "-",
        "--today",
        "2026-03-10",
    ]);
    assert!(output.status.success());
    assert_eq!(
        events_by_uid(&String::from_utf8_lossy(&output.stdout)).len(),
        7
    );

    let missing = dir.path().join("none.sqlite3").display().to_string();
    let output = run(&["calendar", "--db", &missing, "--out", &out_text]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("there is no journal at"), "{stderr}");
    assert!(
        !dir.path().join("none.sqlite3").exists(),
        "no journal is created"
    );

    let output = run(&[
        "calendar", "--db", &db, "--out", &out_text, "--today", "someday",
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--today"));

    let folder = dir.path().join("no-such-folder").join("due.ics");
    let output = run(&[
        "calendar",
        "--db",
        &db,
        "--out",
        &folder.display().to_string(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("could not be written"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
