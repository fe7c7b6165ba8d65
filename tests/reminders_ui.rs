//! The Today agenda, reminders and the kept calendar file, driven through egui_kittest as a
//! salesperson would: open the agenda, move with the arrows, K to keep, R to renegotiate,
//! L to log a call, Enter to open the customer; a morning summary that falls back to a
//! banner; a calendar file that follows each change.

use std::sync::{Arc, Mutex};

use candor::app::{CandorApp, FixedClock, Notifier, Prefs};
use candor::domain::reminders::ReminderSettings;
use candor::domain::{
    Cents, CustomerDraft, EntryDraft, EntryId, EntryKind, Order, OrderStatus, Payment, Promise,
    PromiseCategory, PromiseStatus,
};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn now() -> NaiveDateTime {
    day(20).and_hms_opt(10, 0, 0).unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
    harness: Harness<'static, CandorApp>,
    late: EntryId,
    today: EntryId,
}

/// Ana Ruiz with a promise two days late, one due today, an order due tomorrow and an
/// invoice due next week (beyond the agenda).
fn app_with_agenda(prefs: Prefs, notifier: Option<Arc<dyn Notifier>>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let (late, today) = {
        let mut store = Store::open(&path).unwrap();
        let mut ana = CustomerDraft::named("Ana Ruiz");
        ana.phone = "+34 600 111 222".into();
        let ana = store
            .add_customer(ana, day(1).and_hms_opt(9, 0, 0).unwrap())
            .unwrap()
            .id;
        let mut add = |summary: &str, kind: EntryKind| {
            store
                .add_entry(
                    EntryDraft {
                        customer_id: ana,
                        occurred_at: day(10).and_hms_opt(9, 0, 0).unwrap(),
                        summary: summary.into(),
                        kind,
                    },
                    day(10).and_hms_opt(9, 0, 0).unwrap(),
                )
                .unwrap()
                .id
        };
        let promise = |due| EntryKind::Promise(Promise::new(due, PromiseCategory::Information));
        let late = add("Send the price list", promise(day(18)));
        let today = add("Confirm the delivery slot", promise(day(20)));
        add(
            "40 chairs",
            EntryKind::Order(Order {
                amount: None,
                promised_delivery: day(21),
                status: OrderStatus::OnTrack,
                status_changed_at: None,
            }),
        );
        add(
            "Chairs",
            EntryKind::Payment(Payment {
                invoice_ref: "INV-9".into(),
                amount: Cents(10_000),
                due: day(27),
                paid_on: None,
            }),
        );
        (late, today)
    };
    let mut app = CandorApp::open(path, prefs, Box::new(FixedClock(now())));
    if let Some(notifier) = notifier {
        app.set_notifier(notifier);
    }
    let harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app);
    Fixture {
        dir,
        harness,
        late,
        today,
    }
}

fn promise_status(harness: &Harness<'static, CandorApp>, id: EntryId) -> PromiseStatus {
    let journal = harness.state().journal.as_ref().unwrap();
    match journal.store.entry(id).unwrap().kind {
        EntryKind::Promise(p) => p.status,
        other => panic!("not a promise: {other:?}"),
    }
}

#[test]
fn the_agenda_groups_what_is_due_and_each_row_is_one_key_from_its_action() {
    let mut f = app_with_agenda(Prefs::default(), None);
    let h = &mut f.harness;
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::D);
    h.run();
    assert!(h.state().agenda_open());
    h.get_by_label("Overdue (1)");
    h.get_by_label("Due today (1)");
    h.get_by_label("Due tomorrow (1)");
    assert!(
        h.query_by_label_contains("INV-9").is_none()
            && h.query_by_label_contains("Chairs").is_none(),
        "the invoice due next week is not on today's agenda"
    );
    h.get_by_label_contains("2 days late");

    // ↓ to the promise due today, K: kept.
    h.key_press(Key::ArrowDown);
    h.run();
    h.key_press(Key::K);
    h.run();
    assert!(matches!(promise_status(h, f.today), PromiseStatus::Kept(d) if d == day(20)));
    assert!(h.query_by_label("Due today (1)").is_none());
    assert_eq!(h.state().journal.as_ref().unwrap().agenda.len(), 2);

    // ↑ to the late promise, R: the renegotiation dialog for it.
    h.key_press(Key::ArrowUp);
    h.run();
    h.key_press(Key::R);
    h.run();
    h.get_by_label("New date");
    h.key_press(Key::Escape);
    h.run();
    assert!(h.query_by_label("New date").is_none());
    assert_eq!(promise_status(h, f.late), PromiseStatus::Open);

    // L: log a call with Ana.
    h.key_press(Key::L);
    h.run();
    h.get_by_label("Log call — Ana Ruiz");
    h.key_press(Key::Escape);
    h.run();
    assert!(h.query_by_label("Log call — Ana Ruiz").is_none());

    // Enter: Ana's timeline.
    h.key_press(Key::Enter);
    h.run();
    assert!(!h.state().agenda_open());
    let selected = h.state().selected;
    let ana = h.state().journal.as_ref().unwrap().customers[0].id;
    assert_eq!(selected, Some(ana));
}

/// Records notifications, or fails like a session without a notification service.
struct FakeNotifier {
    shown: Mutex<Vec<String>>,
    works: bool,
}

impl Notifier for FakeNotifier {
    fn show(&self, title: &str, body: &str) -> Result<(), String> {
        self.shown.lock().unwrap().push(format!("{title}: {body}"));
        if self.works {
            Ok(())
        } else {
            Err("no notification service".into())
        }
    }
}

fn reminders_on() -> Prefs {
    Prefs {
        reminders: ReminderSettings {
            enabled: true,
            summary_at: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            nudge_minutes_before: 15,
        },
        ..Prefs::default()
    }
}

fn settle(h: &mut Harness<'static, CandorApp>) {
    for _ in 0..50 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.run();
}

#[test]
fn the_morning_summary_comes_once_and_not_at_all_while_reminders_are_off() {
    let fake = Arc::new(FakeNotifier {
        shown: Mutex::new(Vec::new()),
        works: true,
    });
    let mut f = app_with_agenda(reminders_on(), Some(fake.clone()));
    settle(&mut f.harness);
    assert_eq!(
        *fake.shown.lock().unwrap(),
        ["Candor: your day: 1 customer to call first; 1 promise due today; 1 overdue"]
    );
    assert!(f.harness.state().reminder_banners().is_empty());
    assert_eq!(f.harness.state().prefs.last_summary_on, Some(day(20)));
    settle(&mut f.harness);
    assert_eq!(fake.shown.lock().unwrap().len(), 1, "never twice");

    // Off by default: nothing reaches the desktop.
    let quiet = Arc::new(FakeNotifier {
        shown: Mutex::new(Vec::new()),
        works: true,
    });
    let mut f = app_with_agenda(Prefs::default(), Some(quiet.clone()));
    settle(&mut f.harness);
    assert!(quiet.shown.lock().unwrap().is_empty());
}

#[test]
fn without_a_notification_service_the_summary_is_a_banner_silenced_with_one_click() {
    let broken = Arc::new(FakeNotifier {
        shown: Mutex::new(Vec::new()),
        works: false,
    });
    let mut f = app_with_agenda(reminders_on(), Some(broken));
    let h = &mut f.harness;
    settle(h);
    assert_eq!(
        h.state().reminder_banners(),
        ["Candor: your day: 1 customer to call first; 1 promise due today; 1 overdue"]
    );
    h.get_by_label_contains("1 promise due today");
    assert!(h.state().notice.is_none(), "a banner, never an error");
    h.get_by_label("Silence reminders today").click();
    h.run();
    assert!(h.state().reminder_banners().is_empty());
    assert_eq!(h.state().prefs.reminders_silenced_on, Some(day(20)));
    assert!(h.query_by_label_contains("1 promise due today").is_none());
}

#[test]
fn the_calendar_file_is_kept_current_after_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let ics = dir.path().join("candor.ics");
    let prefs = Prefs {
        calendar_file: Some(ics.clone()),
        ..Prefs::default()
    };
    let mut f = app_with_agenda(prefs, None);
    let wait = |h: &mut Harness<'static, CandorApp>| {
        for _ in 0..500 {
            h.step();
            if !h.state().is_writing_calendar() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!h.state().is_writing_calendar());
    };
    wait(&mut f.harness);
    let before = std::fs::read_to_string(&ics).expect("the calendar file is written at start");
    let uid = format!("UID:candor-promise-{}-", f.today.0);
    let event = |text: &str| -> String {
        let start = text.find(&uid).expect("the promise is in the file");
        let begin = text[..start].rfind("BEGIN:VEVENT").unwrap();
        text[begin..start].to_owned()
    };
    assert!(event(&before).contains("STATUS:CONFIRMED"));

    let h = &mut f.harness;
    h.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::D);
    h.run();
    h.key_press(Key::ArrowDown);
    h.run();
    h.key_press(Key::K);
    h.run();
    wait(h);
    let after = std::fs::read_to_string(&ics).unwrap();
    assert!(
        event(&after).contains("STATUS:CANCELLED"),
        "the kept promise is cancelled in the file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&ics).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "customers' phone numbers stay private");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
    drop(f.dir);
}

#[test]
fn reminders_and_calendar_are_set_in_one_dialog_with_one_sentence_for_bad_input() {
    let mut f = app_with_agenda(Prefs::default(), None);
    let ics = f.dir.path().join("mine.ics");
    let h = &mut f.harness;
    h.run();
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Reminders and calendar…").click();
    h.run();
    h.get_by_label("Desktop reminders while Candor runs")
        .click();
    h.run();
    h.get_by_label("Morning summary at").focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Morning summary at").type_text("7am");
    h.run();
    h.get_by_label("Keep a calendar file for Outlook, Apple Calendar or Thunderbird")
        .click();
    h.run();
    h.get_by_label("Calendar file").focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Calendar file")
        .type_text(&ics.display().to_string());
    h.run();
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label_contains("\"7am\" is not a time: type the morning summary's time as HH:MM");
    assert!(!h.state().prefs.reminders.enabled, "nothing is saved yet");

    h.get_by_label("Morning summary at").focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.get_by_label("Morning summary at").type_text("07:00");
    h.run();
    h.get_by_label("Save").click();
    h.run();
    let prefs = &h.state().prefs;
    assert!(prefs.reminders.enabled);
    assert_eq!(
        prefs.reminders.summary_at,
        NaiveTime::from_hms_opt(7, 0, 0).unwrap()
    );
    assert_eq!(prefs.calendar_file.as_deref(), Some(ics.as_path()));
    assert!(
        !prefs.start_at_login,
        "starting at login stays off unless chosen"
    );
    for _ in 0..500 {
        h.step();
        if !h.state().is_writing_calendar() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let text = std::fs::read_to_string(&ics).expect("the calendar file is written at once");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 4);
}
