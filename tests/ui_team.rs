//! File → Team… and the status bar's sync state, driven through the whole app. No server
//! is needed: these are the paths where the team database cannot be reached (the sync
//! itself is tested against a real PostgreSQL in tests/team_sync.rs).

use std::path::Path;

use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::{CustomerDraft, EntryDraft, EntryKind};
use candor::store::Store;
use candor::team::SERVER_SETTING;
use chrono::{NaiveDate, NaiveDateTime};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

fn harness_for(path: &Path) -> Harness<'static, CandorApp> {
    let app = CandorApp::open(
        path.to_path_buf(),
        Prefs::default(),
        Box::new(FixedClock(now())),
    );
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app)
}

fn journal_with_a_customer_and_a_call(path: &Path) {
    let mut store = Store::open(path).unwrap();
    let ada = store
        .add_customer(CustomerDraft::named("Ada Lovelace"), now())
        .unwrap();
    store
        .add_entry(
            EntryDraft {
                customer_id: ada.id,
                occurred_at: now(),
                summary: "Called".into(),
                kind: EntryKind::Note,
            },
            now(),
        )
        .unwrap();
}

/// An address whose Unix socket folder does not exist: refused at once, no network.
fn unreachable_server(dir: &Path) -> String {
    format!(
        "host={} dbname=sales sslmode=disable",
        dir.join("no-server").display()
    )
}

fn type_into(harness: &mut Harness<'static, CandorApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

/// Steps the app (as frames would) until `done` holds, for work on background threads.
fn wait_until(
    harness: &mut Harness<'static, CandorApp>,
    mut done: impl FnMut(&Harness<'static, CandorApp>) -> bool,
) {
    for _ in 0..500 {
        if done(harness) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.step();
    }
    panic!("the background work did not finish in 10 s");
}

#[test]
fn the_team_dialog_tests_the_connection_before_saving_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with_a_customer_and_a_call(&path);
    let mut harness = harness_for(&path);
    harness.run();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Team…").click();
    harness.run();

    harness.get_by_label("Test and save").click();
    harness.run();
    harness.get_by_label_contains("Type the server address and your login.");

    type_into(&mut harness, "Server", &unreachable_server(dir.path()));
    type_into(&mut harness, "Login", "ann");
    type_into(&mut harness, "Password", "secret");
    harness.get_by_label("Test and save").click();
    harness.step();
    wait_until(&mut harness, |h| {
        h.query_by_label_contains("cannot be reached").is_some()
    });
    // Nothing was saved, and the dialog kept what was typed.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.team_setting(SERVER_SETTING).unwrap(), None);
    assert_eq!(
        harness.get_by_label("Login").value().as_deref(),
        Some("ann")
    );
}

#[test]
fn a_journal_whose_team_cannot_be_reached_says_offline_and_what_waits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with_a_customer_and_a_call(&path);
    {
        let mut store = Store::open(&path).unwrap();
        let address = format!("{} user=ann", unreachable_server(dir.path()));
        store.set_team_setting(SERVER_SETTING, &address).unwrap();
    }
    let mut harness = harness_for(&path);
    harness.step();
    // The window draws while the sync thread tries; then it says what waits.
    wait_until(&mut harness, |h| {
        h.query_by_label("Offline — 2 changes waiting").is_some()
    });
    // The journal is as it was: offline, nothing is lost or changed.
    assert_eq!(harness.state().journal.as_ref().unwrap().customers.len(), 1);
}

#[test]
fn a_journal_without_a_team_shows_no_history_button_and_its_history_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with_a_customer_and_a_call(&path);
    let mut harness = harness_for(&path);
    harness.run();
    harness
        .get_all_by(|node| {
            node.label()
                .is_some_and(|label| label.starts_with("Ada Lovelace"))
        })
        .next()
        .expect("Ada is listed")
        .click();
    harness.run();
    // A rep who never set up a team sees no change on the customer's header…
    assert!(harness.query_by_label("Edit customer…").is_some());
    assert!(harness.query_by_label("History…").is_none());
    // …and the shortcut says plainly that nothing lost.
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::H,
    );
    harness.run();
    harness.get_by_label("No change to Ada Lovelace or their entries lost to a later one.");
}
