//! The losing value stays visible: a rep's laptop and desktop both change a customer's
//! phone offline, both sync against a real PostgreSQL (tests/support/pg.rs), and the phone
//! number that lost is listed by `candor history` and shown in the app's History dialog,
//! with who typed it, when, and what replaced it.

mod support;

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::CustomerDraft;
use candor::domain::history::{local_time, when_text};
use candor::store::Store;
use candor::team::{TeamAddress, TeamConnection};
use chrono::{NaiveDate, NaiveDateTime};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use support::pg::cluster;

const T0: i64 = 1_795_000_000_000;
const LOGIN: &str = "hist_maria";
const PASSWORD: &str = "pw-hist-maria";

fn at(day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

/// A team database with the rep `hist_maria`; returns her address.
fn team() -> String {
    let db = cluster().database("t_history");
    let admin = TeamAddress::parse(&cluster().admin_url(&db)).unwrap();
    let mut connection = TeamConnection::open(&admin, None).unwrap();
    connection.init().unwrap();
    connection.add_rep(LOGIN, "Maria", PASSWORD, false).unwrap();
    cluster().url(LOGIN, &db)
}

fn sync(url: &str, journal: &Path, now_ms: i64) -> candor::team::SyncReport {
    let address = TeamAddress::parse(url).unwrap();
    let mut store = Store::open(journal).unwrap();
    TeamConnection::open(&address, Some(PASSWORD))
        .unwrap()
        .sync(&mut store, now_ms, &mut |_| {})
        .unwrap()
}

fn set_phone(journal: &Path, phone: &str, when: NaiveDateTime) {
    let mut store = Store::open(journal).unwrap();
    let ada = store.customers().unwrap()[0].clone();
    let mut edit = ada.to_draft();
    edit.phone = phone.into();
    store.update_customer(ada.id, edit, when).unwrap();
}

/// The laptop's phone change (sealed at T0+10 s) loses to the desktop's (T0+20 s).
fn both_devices_change_the_phone_offline(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let url = team();
    let laptop = dir.join("laptop.sqlite3");
    let desktop = dir.join("desktop.sqlite3");
    {
        let mut store = Store::open(&laptop).unwrap();
        let mut ada = CustomerDraft::named("Ada Lovelace");
        ada.phone = "555-0100".into();
        store.add_customer(ada, at(1, 9)).unwrap();
    }
    sync(&url, &laptop, T0);
    sync(&url, &desktop, T0 + 1_000);

    // Both offline; each changes the phone. The laptop syncs first, the desktop after its
    // own, later change: the desktop's wins everywhere.
    set_phone(&laptop, "555-0111", at(5, 9));
    sync(&url, &laptop, T0 + 10_000);
    set_phone(&desktop, "555-0199", at(5, 10));
    let desktop_report = sync(&url, &desktop, T0 + 20_000);
    assert_eq!(desktop_report.conflicts, 1, "the laptop's phone lost");
    sync(&url, &laptop, T0 + 30_000);
    for journal in [&laptop, &desktop] {
        let store = Store::open(journal).unwrap();
        assert_eq!(store.customers().unwrap()[0].phone, "555-0199");
    }
    (laptop, desktop)
}

/// "Phone: 555-0111 by hist_maria on … — replaced by 555-0199 (later change by hist_maria)".
fn expected_sentence() -> String {
    let stamp = format!("{:015}-000000-x", T0 + 10_000);
    let lost_at = when_text(local_time(&stamp).unwrap());
    format!(
        "Phone: 555-0111 by {LOGIN} on {lost_at} — replaced by 555-0199 (later change by {LOGIN})"
    )
}

fn history(journal: &Path, format: &str) -> String {
    let output = cargo_bin_cmd!("candor")
        .args(["history", "--db"])
        .arg(journal)
        .args(["--customer", "ada lovelace", "--format", format])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_losing_phone_is_listed_by_candor_history_and_shown_in_the_history_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let (laptop, desktop) = both_devices_change_the_phone_offline(dir.path());

    // Both journals tell the same story: on the desktop the laptop's change arrived late
    // and lost; on the laptop its own value was replaced by the desktop's.
    for journal in [&laptop, &desktop] {
        let table = history(journal, "table");
        assert!(
            table.contains("Changes to Ada Lovelace that lost to a later change (1):"),
            "{table}"
        );
        assert!(table.contains("Customer details"), "{table}");
        assert!(table.contains(&expected_sentence()), "{table}");

        let json: serde_json::Value = serde_json::from_str(&history(journal, "json")).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{json}");
        assert_eq!(rows[0]["field"], "Phone");
        assert_eq!(rows[0]["lost_value"], "555-0111");
        assert_eq!(rows[0]["lost_by"], LOGIN);
        assert_eq!(rows[0]["won_value"], "555-0199");
        assert_eq!(rows[0]["won_by"], LOGIN);
    }

    // A customer that is not there: one sentence, non-zero exit.
    let output = cargo_bin_cmd!("candor")
        .args(["history", "--db"])
        .arg(&laptop)
        .args(["--customer", "Grace Hopper"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no customer named \"Grace Hopper\""),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // The app: select Ada, open History… from her header, read the lost phone number.
    let app = CandorApp::open(
        desktop.clone(),
        Prefs::default(),
        Box::new(FixedClock(at(20, 10))),
    );
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app);
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
    harness.get_by_label("History…").click();
    harness.run();
    harness.get_by_label("History of Ada Lovelace");
    harness.get_by_label(&expected_sentence());
    harness.get_by_label("Close").click();
    harness.run();
    assert!(harness.query_by_label("History of Ada Lovelace").is_none());

    // The same dialog from the keyboard (Ctrl+Shift+H).
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::H,
    );
    harness.run();
    harness.get_by_label(&expected_sentence());
}
