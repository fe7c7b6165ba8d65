//! Announcements in the desktop app, driven as a salesperson would through egui_kittest:
//! make one for the "north" customers, see them on "Call them first", tell two of them
//! from their timelines, and watch the progress reach "all told".

use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::announcement::{AnnouncementId, Reaction};
use candor::domain::rank::ReasonKind;
use candor::domain::{CustomerDraft, EntryKind};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

#[track_caller]
fn type_into(harness: &mut Harness<'static, CandorApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

#[track_caller]
fn click(harness: &mut Harness<'static, CandorApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run();
}

/// Clicks a customer's link in the Announcements dialog (through accesskit, as a screen
/// reader would: a tooltip left over from the last pointer position cannot get in the way).
#[track_caller]
fn click_link(harness: &mut Harness<'static, CandorApp>, name: &str) {
    harness
        .get_by_role_and_label(egui::accesskit::Role::Link, name)
        .click_accesskit();
    harness.run();
}

/// The customers on "Call them first" because of an announcement.
fn not_told_on_the_list(harness: &Harness<'static, CandorApp>) -> Vec<String> {
    let journal = harness.state().journal.as_ref().unwrap();
    journal
        .ranking
        .iter()
        .filter(|r| {
            r.reasons
                .iter()
                .any(|reason| reason.kind == ReasonKind::AnnouncementUntold)
        })
        .map(|r| r.name.clone())
        .collect()
}

#[track_caller]
fn tell(harness: &mut Harness<'static, CandorApp>, name: &str, reaction: &str) {
    click(harness, "Tell about \"Prices rise 4%\"…");
    harness.get_by_label(&format!("Tell about announcement — {name}"));
    assert_eq!(
        harness
            .get_by_label("What you told them")
            .value()
            .as_deref(),
        Some("Prices rise 4% (from 2026-12-01). Why: our distributor raised its prices")
    );
    click(harness, reaction);
    click(harness, "Save");
    assert!(
        harness
            .query_by_label(&format!("Tell about announcement — {name}"))
            .is_none(),
        "the form closed"
    );
}

#[test]
fn making_an_announcement_and_telling_two_customers_from_their_timelines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        for (name, tag) in [("Ann", "north"), ("Bob", "north"), ("Cy", "south")] {
            let mut draft = CustomerDraft::named(name);
            draft.company = format!("{name} Ltd");
            draft.tags = vec![tag.to_owned()];
            store
                .add_customer(draft, now() - chrono::Duration::days(3))
                .unwrap();
        }
    }
    let app = CandorApp::open(path, Prefs::default(), Box::new(FixedClock(now())));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        // The dialog's scroll bar appears once progress is listed: a few frames to settle.
        .with_max_steps(12)
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app);
    harness.run();
    assert!(not_told_on_the_list(&harness).is_empty());

    // Make the announcement.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::A);
    harness.run();
    harness.get_by_label("No announcements yet.");
    click(&mut harness, "Price increase");
    type_into(&mut harness, "Title", "Prices rise 4%");
    type_into(
        &mut harness,
        "Reason to give",
        "our distributor raised its prices",
    );
    click(&mut harness, "Announce");
    harness.get_by_label_contains("Takes effect: give the day it takes effect");
    type_into(&mut harness, "Takes effect", "2026-12-01");
    click(&mut harness, "By tag");
    type_into(&mut harness, "Tag", "north");
    click(&mut harness, "Announce");
    assert_eq!(
        harness.state().notice.as_ref().map(|n| n.text.as_str()),
        Some("Announced \"Prices rise 4%\": 2 customers to tell before 2026-12-01.")
    );
    harness.get_by_label("Told 0 · not told yet 2 · told late 0 (of 2)");
    assert_eq!(harness.get_by_label("Title").value().as_deref(), Some(""));
    assert_eq!(not_told_on_the_list(&harness), ["Ann", "Bob"]);

    // Open Ann from the progress, and tell her.
    click_link(&mut harness, "Ann");
    assert!(harness.query_by_label("Announcements").is_none(), "closed");
    let ann = harness.state().journal.as_ref().unwrap().customers[0].id;
    assert_eq!(harness.state().selected, Some(ann));
    tell(&mut harness, "Ann", "Took it badly");
    assert_eq!(not_told_on_the_list(&harness), ["Bob"]);

    // Then Bob, opened from the dialog again.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::A);
    harness.run();
    harness.get_by_label("Told 1 · not told yet 1 · told late 0 (of 2)");
    click_link(&mut harness, "Bob");
    let bob = harness.state().journal.as_ref().unwrap().customers[1].id;
    assert_eq!(harness.state().selected, Some(bob));
    assert!(
        harness
            .query_by_label("Told 1 · not told yet 1 · told late 0 (of 2)")
            .is_none()
    );
    tell(&mut harness, "Bob", "Took it well");
    assert!(not_told_on_the_list(&harness).is_empty());
    assert!(
        harness
            .query_by_label("Tell about \"Prices rise 4%\"…")
            .is_none(),
        "Bob has been told"
    );

    let journal = harness.state().journal.as_ref().unwrap();
    let progress = &journal.announcements[0];
    assert_eq!(
        (progress.told, progress.told_late, progress.not_told),
        (2, 0, 0)
    );
    let reactions: Vec<(String, Reaction)> = progress
        .affected
        .iter()
        .map(|a| (a.name.clone(), a.told.as_ref().unwrap().reaction))
        .collect();
    assert_eq!(
        reactions,
        [
            ("Ann".to_owned(), Reaction::Badly),
            ("Bob".to_owned(), Reaction::Well)
        ]
    );
    let news = &journal.timeline[0];
    let EntryKind::BadNews(bad_news) = &news.kind else {
        panic!("{news:?}")
    };
    assert!(bad_news.proactive, "told before the day");
    assert_eq!(
        journal.store.telling_of(news.id).unwrap(),
        Some((AnnouncementId(1), Reaction::Well))
    );

    // Undo takes the last telling back: Bob is not told again.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert_eq!(not_told_on_the_list(&harness), ["Bob"]);
    harness.get_by_label("Tell about \"Prices rise 4%\"…");

    // Made by mistake after all: delete it, after a second click.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::A);
    harness.run();
    for button in ["Delete…", "Delete announcement"] {
        harness.get_by_label(button).click_accesskit();
        harness.run();
    }
    harness.get_by_label("No announcements yet.");
    assert!(not_told_on_the_list(&harness).is_empty());
    assert_eq!(
        harness.state().notice.as_ref().map(|n| n.text.as_str()),
        Some("Deleted the announcement \"Prices rise 4%\".")
    );
}

#[test]
fn a_customer_on_call_them_first_for_an_announcement_is_told_in_one_click_after_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        let mut draft = CustomerDraft::named("Dora");
        draft.company = "Dora GmbH".into();
        let dora = store
            .add_customer(draft, now() - chrono::Duration::days(30))
            .unwrap()
            .id;
        store
            .add_announcement(
                candor::domain::announcement::AnnouncementDraft {
                    kind: candor::domain::announcement::AnnouncementKind::ChangeOfRepresentative,
                    title: "Jo takes over from Sam".into(),
                    reason: "Sam retires".into(),
                    effective: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
                    audience: candor::domain::announcement::Audience::Picked(vec![dora]),
                },
                now() - chrono::Duration::days(20),
            )
            .unwrap();
    }
    let app = CandorApp::open(path, Prefs::default(), Box::new(FixedClock(now())));
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .with_max_steps(12)
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app);
    harness.run();
    harness.get_by_label_contains("took effect on 16 November, 4 days ago");
    click(&mut harness, "Tell…");
    harness.get_by_label("Tell about announcement — Dora");
    assert_eq!(
        harness
            .get_by_label("We told them first (proactive)")
            .accesskit_node()
            .toggled(),
        Some(egui::accesskit::Toggled::False),
        "after the day they did not hear it from us first"
    );
    click(&mut harness, "Took it well");
    click(&mut harness, "Save");
    let journal = harness.state().journal.as_ref().unwrap();
    let progress = &journal.announcements[0];
    assert_eq!(
        (progress.told, progress.told_late, progress.not_told),
        (0, 1, 0)
    );
    assert!(not_told_on_the_list(&harness).is_empty());
    assert!(harness.query_by_label("Tell…").is_none());
}
