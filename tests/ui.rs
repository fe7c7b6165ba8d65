//! The desktop app driven as a salesperson would, through egui_kittest: clicks, typing and
//! shortcuts on the real app state over a real journal file.

use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::rank::ReasonKind;
use candor::domain::{CustomerDraft, EntryKind, PromiseStatus};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    harness: Harness<'static, CandorApp>,
}

impl Fixture {
    fn harness(&mut self) -> &mut Harness<'static, CandorApp> {
        &mut self.harness
    }
}

/// The app on a new journal, with customers added through the store first.
fn app_with(customers: &[&str]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        for name in customers {
            let mut draft = CustomerDraft::named(*name);
            draft.company = format!("{name} Ltd");
            store
                .add_customer(draft, now() - chrono::Duration::days(3))
                .unwrap();
        }
    }
    let app = CandorApp::open(path, Prefs::default(), Box::new(FixedClock(now())));
    Fixture {
        _dir: dir,
        harness: harness_for(app),
    }
}

/// Drives `app` in a 1400×900 window.
fn harness_for(app: CandorApp) -> Harness<'static, CandorApp> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app)
}

fn type_into(harness: &mut Harness<'static, CandorApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

/// Selects everything in a field and types over it.
fn replace_text(harness: &mut Harness<'static, CandorApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
    assert_eq!(harness.get_by_label(label).value().as_deref(), Some(text));
}

/// Lets a background job (export, import, backup, restore) finish, as the window would.
fn wait_for_job(harness: &mut Harness<'static, CandorApp>) {
    for _ in 0..500 {
        if !harness.state().is_busy() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.step();
    }
    assert!(!harness.state().is_busy(), "the background job finished");
    harness.run();
}

/// Opens a logging form with its shortcut, types into its first field and presses Enter.
fn log_from_keyboard(
    harness: &mut Harness<'static, CandorApp>,
    modifiers: Modifiers,
    key: Key,
    field: &str,
    text: &str,
) {
    harness.key_press_modifiers(modifiers, key);
    harness.run();
    harness.get_by_label(field).type_text(text);
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
}

fn select_customer(harness: &mut Harness<'static, CandorApp>, name: &str) {
    // A row's label starts with the customer's name; "contains" could match the status
    // bar's temporary journal path instead.
    let owned = name.to_owned();
    harness
        .get_all_by(move |node| node.label().is_some_and(|label| label.starts_with(&owned)))
        .next()
        .expect("the customer is listed")
        .click();
    harness.run();
}

fn customer_names(harness: &Harness<'static, CandorApp>) -> Vec<String> {
    let journal = harness.state().journal.as_ref().expect("a journal is open");
    journal.customers.iter().map(|c| c.name.clone()).collect()
}

fn notice(harness: &Harness<'static, CandorApp>) -> String {
    harness
        .state()
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_first_run_offers_to_add_the_first_customer_and_saves_it() {
    let mut fixture = app_with(&[]);
    let harness = fixture.harness();
    harness.run();
    harness.get_by_label("Add your first customer").click();
    harness.run();
    type_into(harness, "Name", "Maria Keller");
    type_into(harness, "Company", "Keller Bakeries");
    harness.get_by_label("Save").click();
    harness.run();
    assert_eq!(notice(harness), "Saved: Maria Keller.");
    let journal = harness.state().journal.as_ref().unwrap();
    assert_eq!(journal.customers.len(), 1);
    assert_eq!(journal.customers[0].company, "Keller Bakeries");
    assert!(harness.query_by_label("Add your first customer").is_none());
}

#[test]
fn an_empty_name_is_refused_and_the_form_keeps_what_was_typed() {
    let mut fixture = app_with(&["Ann"]);
    let harness = fixture.harness();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    harness.run();
    type_into(harness, "Company", "Nameless Inc");
    harness.get_by_label("Save").click();
    harness.run();
    harness.get_by_label_contains("needs a name");
    assert_eq!(
        harness.get_by_label("Company").value().as_deref(),
        Some("Nameless Inc")
    );
    assert_eq!(harness.state().journal.as_ref().unwrap().customers.len(), 1);
}

#[test]
fn logging_a_call_from_the_keyboard_takes_seconds() {
    let mut fixture = app_with(&["Maria Keller"]);
    let harness = fixture.harness();
    select_customer(harness, "Maria Keller");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run();
    harness.get_by_label("Log call — Maria Keller");
    // The summary field has focus already: type and press Enter.
    harness
        .get_by_label("What was said")
        .type_text("Confirmed Tuesday's delivery");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    assert_eq!(notice(harness), "Saved: Contact for Maria Keller.");
    let journal = harness.state().journal.as_ref().unwrap();
    assert_eq!(journal.timeline.len(), 1);
    let entry = &journal.timeline[0];
    assert_eq!(entry.summary, "Confirmed Tuesday's delivery");
    assert_eq!(entry.occurred_at, now());
    let EntryKind::Contact(contact) = &entry.kind else {
        panic!("{entry:?}")
    };
    assert!(contact.reached(), "defaults: outbound, reached");
    assert!(
        harness.query_by_label("Log call — Maria Keller").is_none(),
        "the form closed"
    );
}

#[test]
fn every_logging_shortcut_opens_its_form_and_escape_closes_it() {
    let mut fixture = app_with(&["Bo"]);
    let harness = fixture.harness();
    select_customer(harness, "Bo");
    let shift = Modifiers::COMMAND | Modifiers::SHIFT;
    for (modifiers, key, title) in [
        (Modifiers::COMMAND, Key::L, "Log call — Bo"),
        (Modifiers::COMMAND, Key::P, "Make promise — Bo"),
        (Modifiers::COMMAND, Key::B, "Deliver bad news — Bo"),
        (shift, Key::P, "Open problem — Bo"),
        (shift, Key::O, "Log order — Bo"),
        (shift, Key::I, "Log payment — Bo"),
        (shift, Key::N, "Add note — Bo"),
    ] {
        harness.key_press_modifiers(modifiers, key);
        harness.run();
        harness.get_by_label(title);
        harness.key_press(Key::Escape);
        harness.run();
        assert!(harness.query_by_label(title).is_none(), "{title} closed");
    }
    assert!(
        harness
            .state()
            .journal
            .as_ref()
            .unwrap()
            .timeline
            .is_empty(),
        "nothing saved"
    );
}

#[test]
fn a_malformed_due_date_is_explained_and_nothing_typed_is_lost() {
    let mut fixture = app_with(&["Bo"]);
    let harness = fixture.harness();
    select_customer(harness, "Bo");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::P);
    harness.run();
    harness
        .get_by_label("What you promised")
        .type_text("Send the quote");
    harness.run();
    replace_text(harness, "Due", "2026-13-45");
    harness.get_by_label("Save").click();
    harness.run();
    harness.get_by_label_contains("not a date Candor understands");
    assert_eq!(
        harness.get_by_label("What you promised").value().as_deref(),
        Some("Send the quote")
    );
    assert!(
        harness
            .state()
            .journal
            .as_ref()
            .unwrap()
            .timeline
            .is_empty()
    );
}

/// Promise slips → customer tops "Call them first" → bad news delivered → reason gone.
#[test]
fn a_promise_flagged_at_risk_tops_the_list_until_the_bad_news_is_delivered() {
    let mut fixture = app_with(&["Maria Keller", "Tomás Ortega"]);
    let harness = fixture.harness();
    select_customer(harness, "Maria Keller");
    log_from_keyboard(
        harness,
        Modifiers::COMMAND,
        Key::P,
        "What you promised",
        "Replacement oven parts",
    );
    assert_eq!(notice(harness), "Saved: Promise for Maria Keller.");

    // The new promise is selected: flag it at risk.
    harness.get_by_label("Flag at risk…").click();
    harness.run();
    harness
        .get_by_label("Why it will slip")
        .type_text("Held at customs");
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    let journal = harness.state().journal.as_ref().unwrap();
    let top = &journal.ranking[0];
    assert_eq!(top.name, "Maria Keller");
    assert_eq!(top.top_reason().unwrap().kind, ReasonKind::SlippingUntold);
    harness.get_by_label_contains("and they have not been told");

    // Deliver the bad news, from the promise itself (it links to it).
    harness.get_by_label("Tell them now…").click();
    harness.run();
    harness
        .get_by_label("What you told them")
        .type_text("Parts will come Thursday, not Tuesday");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    let journal = harness.state().journal.as_ref().unwrap();
    let maria = journal
        .ranking
        .iter()
        .find(|r| r.name == "Maria Keller")
        .unwrap();
    assert!(
        maria
            .reasons
            .iter()
            .all(|r| r.kind != ReasonKind::SlippingUntold),
        "{maria:#?}"
    );
    assert!(
        harness
            .query_by_label_contains("and they have not been told")
            .is_none()
    );
    let news = journal
        .timeline
        .iter()
        .find(|e| matches!(e.kind, EntryKind::BadNews(_)))
        .unwrap();
    let EntryKind::BadNews(bad_news) = &news.kind else {
        unreachable!()
    };
    assert!(bad_news.related.is_some(), "linked to the promise");
}

#[test]
fn marking_a_promise_kept_from_the_timeline_records_it() {
    let mut fixture = app_with(&["Bo"]);
    let harness = fixture.harness();
    select_customer(harness, "Bo");
    log_from_keyboard(
        harness,
        Modifiers::COMMAND,
        Key::P,
        "What you promised",
        "Call back with prices",
    );
    harness.get_by_label("Mark kept").click();
    harness.run();
    let journal = harness.state().journal.as_ref().unwrap();
    let EntryKind::Promise(promise) = &journal.timeline[0].kind else {
        panic!()
    };
    assert_eq!(promise.status, PromiseStatus::Kept(now().date()));
    harness.get_by_label_contains("Kept 1 of 1 promises");
}

#[test]
fn search_and_filters_narrow_the_customer_list() {
    let mut fixture = app_with(&["Maria Keller", "Tomás Ortega", "Priya Raman"]);
    let harness = fixture.harness();
    harness.run();
    harness.get_by_label("3 customers");
    type_into(harness, "Search", "orte");
    harness.get_by_label("1 customer");
    assert!(harness.query_by_label_contains("Maria Keller").is_none());
    harness
        .get_all_by_label_contains("Tomás Ortega")
        .next()
        .unwrap();
    // Ctrl+F jumps back to the search field.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run();
    assert!(harness.get_by_label("Search").is_focused());
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.key_press(Key::Backspace);
    harness.run();
    harness.get_by_label("3 customers");
    harness.get_by_label("Callback owed").click();
    harness.run();
    harness.get_by_label("0 customers");
}

#[test]
fn a_deleted_entry_goes_to_the_trash_and_undo_brings_it_back() {
    let mut fixture = app_with(&["Bo"]);
    let harness = fixture.harness();
    select_customer(harness, "Bo");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    for text in ["First call", "Second call"] {
        log_from_keyboard(harness, Modifiers::COMMAND, Key::L, "What was said", text);
    }
    harness.get_by_label("2 entries");
    harness.get_by_label("Delete").click();
    harness.run();
    harness.get_by_label("1 entry");
    assert_eq!(notice(harness), "Moved to the trash. Undo brings it back.");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    harness.get_by_label("2 entries");
    assert_eq!(notice(harness), "Restored from the trash.");
}

#[test]
fn snoozing_from_call_first_hides_the_customer_until_tomorrow() {
    let mut fixture = app_with(&["Bo"]);
    let harness = fixture.harness();
    select_customer(harness, "Bo");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run();
    harness.get_by_label("Inbound").click();
    harness.get_by_label("No answer").click();
    harness
        .get_by_label("What was said")
        .type_text("Missed their call");
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    harness.get_by_label_contains("still waiting for a call back");
    harness.get_by_label("Snooze until tomorrow").click();
    harness.run();
    harness
        .get_by_label("Why not today")
        .type_text("They are at a trade fair today");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    assert!(harness.state().journal.as_ref().unwrap().ranking.is_empty());
    harness.get_by_label("Nobody is waiting on you today. Well done.");
    harness.get_by_label_contains("They are at a trade fair today");
}

#[test]
fn a_journal_that_is_not_candors_is_refused_on_screen_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("contacts.csv");
    std::fs::write(&path, "name,phone\nAnn,123\n").unwrap();
    let app = CandorApp::open(path.clone(), Prefs::default(), Box::new(FixedClock(now())));
    let mut harness = harness_for(app);
    harness.run();
    harness.get_by_label("This journal could not be opened");
    harness.get_by_label_contains("is not a Candor journal");
    assert_eq!(std::fs::read(&path).unwrap(), b"name,phone\nAnn,123\n");
}

fn open_menu_item(harness: &mut Harness<'static, CandorApp>, menu: &str, item: &str) {
    harness.get_by_label(menu).click();
    harness.run();
    harness.get_by_label(item).click();
    harness.run();
}

#[test]
fn backing_up_then_restoring_brings_back_what_was_there() {
    let mut fixture = app_with(&["Maria Keller"]);
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Back up now…");
    harness.get_by_label("Back up").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness).starts_with("Backed up to "),
        "{}",
        notice(harness)
    );

    harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    harness.run();
    type_into(harness, "Name", "Added after the backup");
    harness.get_by_label("Save").click();
    harness.run();
    assert_eq!(harness.state().journal.as_ref().unwrap().customers.len(), 2);

    open_menu_item(harness, "File", "Restore from backup…");
    harness.get_by_label_contains("1 customer").click();
    harness.run();
    harness.get_by_label("Restore").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness).starts_with("Restored 1 customers"),
        "{}",
        notice(harness)
    );
    let names = customer_names(harness);
    assert_eq!(names, ["Maria Keller"]);
}

#[test]
fn the_restore_dialog_lists_only_the_open_journals_backups() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite3");
    let work = dir.path().join("work.sqlite3");
    for (path, names) in [
        (&journal, &["Maria Keller"][..]),
        (&work, &["Tomás Ortega", "Ana Silva", "Lee Chen"][..]),
    ] {
        let mut store = Store::open(path).unwrap();
        for name in names {
            store
                .add_customer(CustomerDraft::named(*name), now())
                .unwrap();
        }
        drop(store);
        candor::backup_policy::back_up_now(path, None, now()).unwrap();
    }
    let app = CandorApp::open(work.clone(), Prefs::default(), Box::new(FixedClock(now())));
    let mut harness = harness_for(app);
    harness.run();
    open_menu_item(&mut harness, "File", "Restore from backup…");
    assert_eq!(
        harness
            .get_all_by_label_contains("2026-11-20 10:00 —")
            .count(),
        1,
        "one backup listed"
    );
    assert!(
        harness
            .query_all_by_label_contains("2026-11-20 10:00 — 3 customers")
            .next()
            .is_some()
    );
    assert!(harness.query_by_label_contains("— 1 customer").is_none());
}

#[test]
fn a_damaged_journal_is_left_alone_and_the_newest_good_backup_is_offered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        store
            .add_customer(CustomerDraft::named("Maria Keller"), now())
            .unwrap();
    }
    candor::backup_policy::back_up_now(&path, None, now()).unwrap();
    // Damage the journal: cut it short.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let damaged = std::fs::read(&path).unwrap();

    let app = CandorApp::open(path.clone(), Prefs::default(), Box::new(FixedClock(now())));
    let mut harness = harness_for(app);
    harness.run();
    harness.get_by_label_contains("is damaged");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        damaged,
        "the file is left as it is"
    );
    harness.get_by_label("Restore this backup").click();
    harness.step();
    wait_for_job(&mut harness);
    let journal = harness
        .state()
        .journal
        .as_ref()
        .expect("the journal is back");
    assert_eq!(journal.customers[0].name, "Maria Keller");
}

/// A demo journal at `path`, backed up, then damaged in one page in the middle that the
/// window does not read when it opens (so it opens) but SQLite's quick check does.
fn journal_damaged_deep_inside(path: &std::path::Path) -> std::path::PathBuf {
    {
        let mut store = Store::open(path).unwrap();
        candor::sample::write_demo(&mut store, now().date()).unwrap();
    }
    let good = candor::backup_policy::back_up_now(path, None, now())
        .unwrap()
        .path;
    let sound = std::fs::read(path).unwrap();
    let page_size = usize::from(u16::from_be_bytes([sound[16], sound[17]]));
    let pages = sound.len() / page_size;
    for page in (pages / 2..pages).chain(1..pages / 2) {
        let mut bytes = sound.clone();
        for byte in &mut bytes[page * page_size..page * page_size + 200] {
            *byte = 0x5A;
        }
        std::fs::write(path, &bytes).unwrap();
        let opens = Store::open(path)
            .and_then(|store| candor::app::Journal::new(store, now().date()))
            .is_ok();
        if opens && candor::store::quick_check(path).is_err() {
            return good;
        }
    }
    panic!("no page of the demo journal could be damaged without stopping it from opening");
}

#[test]
fn a_journal_found_damaged_after_opening_turns_read_only_and_offers_the_newest_good_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let good = journal_damaged_deep_inside(&path);
    let damaged = std::fs::read(&path).unwrap();

    let app = CandorApp::open(path.clone(), Prefs::default(), Box::new(FixedClock(now())));
    assert!(
        app.journal.is_some(),
        "the window opens without waiting for the check"
    );
    let mut harness = harness_for(app);
    harness.run();
    for _ in 0..500 {
        if !harness.state().is_checking() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        harness.step();
    }
    harness.run();
    let damage = harness
        .state()
        .damage()
        .expect("the check found the damage")
        .clone();
    assert_eq!(
        damage.newest_good.as_ref().map(|b| b.path.clone()),
        Some(good.clone())
    );
    harness.get_by_label_contains("This journal is damaged");

    // A save is refused with a clear sentence, and the form keeps what was typed.
    let customers = harness.state().journal.as_ref().unwrap().customers.len();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    harness.run();
    type_into(&mut harness, "Name", "Written into the damage");
    harness.get_by_label("Save").click();
    harness.run();
    harness.get_by_label_contains("Nothing was saved");
    assert_eq!(
        harness.get_by_label("Name").value().as_deref(),
        Some("Written into the damage")
    );
    assert_eq!(
        harness.state().journal.as_ref().unwrap().customers.len(),
        customers
    );
    harness.get_by_label("Cancel").click();
    harness.run();

    // An import is refused before it writes, naming the newest good backup.
    let card = dir.path().join("contacts.vcf");
    std::fs::write(
        &card,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ingrid Larsen\r\nEND:VCARD\r\n",
    )
    .unwrap();
    open_menu_item(&mut harness, "File", "Import…");
    type_into(&mut harness, "File to import", &card.display().to_string());
    harness.get_by_label("Preview").click();
    harness.run();
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(&mut harness);
    let refused = notice(&harness);
    assert!(
        refused.contains("is damaged") && refused.contains("nothing was imported"),
        "{refused}"
    );
    let good_name = good.file_name().unwrap().to_string_lossy().into_owned();
    assert!(refused.contains(&good_name), "{refused}");
    harness.get_by_label("Cancel").click();
    harness.run();
    assert_eq!(
        Store::open(&path).unwrap().customer_count().unwrap(),
        customers,
        "nothing was written"
    );
    assert_eq!(std::fs::read(&path).unwrap(), damaged);

    // The banner's button shows the newest good backup in the restore dialog.
    harness.get_by_label("Restore newest good backup…").click();
    harness.run();
    harness.get_by_label("Restore").click();
    harness.step();
    wait_for_job(&mut harness);
    assert!(
        notice(&harness).starts_with(&format!("Restored {customers} customers")),
        "{}",
        notice(&harness)
    );
    assert!(harness.state().damage().is_none());
    assert!(
        harness
            .query_by_label_contains("This journal is damaged")
            .is_none()
    );
    assert_eq!(
        Store::open(&path)
            .unwrap()
            .quick_check()
            .map_err(|e| e.to_string()),
        Ok(())
    );
    // Writing works again.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    harness.run();
    type_into(&mut harness, "Name", "Saved after the restore");
    harness.get_by_label("Save").click();
    harness.run();
    assert_eq!(notice(&harness), "Saved: Saved after the restore.");
}

#[test]
fn a_window_on_a_damaged_journal_saves_into_the_journal_another_window_restored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let good = journal_damaged_deep_inside(&path);
    let mut window = harness_for(CandorApp::open(
        path.clone(),
        Prefs::default(),
        Box::new(FixedClock(now())),
    ));
    window.run();
    for _ in 0..500 {
        if !window.state().is_checking() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
        window.step();
    }
    window.run();
    assert!(window.state().damage().is_some());

    // The other window restores the newest good backup into the same file.
    let report = candor::backup_policy::restore(&path, &good, now()).unwrap();
    assert!(
        report
            .previous
            .unwrap()
            .to_string_lossy()
            .contains("damaged")
    );
    // A few seconds pass: this window notices, checks the journal again, and takes saves.
    for _ in 0..100 {
        window.run_steps(60);
        if window.state().damage().is_none() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(window.state().damage().is_none());
    assert!(
        notice(&window).contains("saving works again"),
        "{}",
        notice(&window)
    );
    assert_eq!(
        window.state().journal.as_ref().unwrap().customers.len(),
        report.customer_count
    );
    window.key_press_modifiers(Modifiers::COMMAND, Key::N);
    window.run();
    type_into(&mut window, "Name", "Saved after the other window restored");
    window.get_by_label("Save").click();
    window.run();
    assert_eq!(
        notice(&window),
        "Saved: Saved after the other window restored."
    );
    let store = Store::open(&path).unwrap();
    assert_eq!(store.customer_count().unwrap(), report.customer_count + 1);
}

#[test]
fn a_window_whose_journal_file_is_replaced_opens_the_new_file_and_saves_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let other = dir.path().join("copied-in.sqlite3");
    for (file, name) in [(&path, "Maria Keller"), (&other, "Tomás Ortega")] {
        let mut store = Store::open(file).unwrap();
        store
            .add_customer(CustomerDraft::named(name), now())
            .unwrap();
    }
    let mut window = harness_for(CandorApp::open(
        path.clone(),
        Prefs::default(),
        Box::new(FixedClock(now())),
    ));
    window.run();
    // Someone puts another journal in its place (a restore from a damaged state, a copy
    // in the file manager).
    std::fs::rename(&other, &path).unwrap();
    window.run_steps(240);
    assert!(
        notice(&window).contains("is open again"),
        "{}",
        notice(&window)
    );
    assert_eq!(customer_names(&window), ["Tomás Ortega"]);
    window.key_press_modifiers(Modifiers::COMMAND, Key::N);
    window.run();
    type_into(&mut window, "Name", "Saved into the new file");
    window.get_by_label("Save").click();
    window.run();
    assert_eq!(notice(&window), "Saved: Saved into the new file.");
    let names: Vec<String> = Store::open(&path)
        .unwrap()
        .customers()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Saved into the new file", "Tomás Ortega"]);
}

#[test]
fn exporting_a_report_writes_the_file_and_says_how_many_rows() {
    let mut fixture = app_with(&["Maria Keller", "Tomás Ortega"]);
    let out = fixture._dir.path().join("customers report.csv");
    let harness = fixture.harness();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    replace_text(harness, "Save to file", &out.display().to_string());
    harness.get_by_label("Export").click();
    harness.step();
    // The report is written on a background thread.
    wait_for_job(harness);
    assert_eq!(
        notice(harness),
        format!("Exported 2 rows to {}.", out.display())
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with('\u{feff}'), "Excel-friendly by default");
    assert!(text.contains("Tomás Ortega"));
}

#[test]
fn importing_a_vcard_adds_its_customers() {
    let mut fixture = app_with(&["Maria Keller"]);
    let card = fixture._dir.path().join("contacts.vcf");
    std::fs::write(
        &card,
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ingrid Larsen\r\nORG:Nordlys Hotels\r\nEMAIL:ingrid@nordlys.no\r\nEND:VCARD\r\n",
    )
    .unwrap();
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Import…");
    type_into(harness, "File to import", &card.display().to_string());
    harness.get_by_label("Preview").click();
    harness.run();
    harness.get_by_label_contains("vCard: 1 rows");
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness).contains("1 customer added"),
        "{}",
        notice(harness)
    );
    let names = customer_names(harness);
    assert_eq!(names, ["Ingrid Larsen", "Maria Keller"]);
}

#[test]
fn the_import_mapping_step_shows_made_up_names_and_columns_left_out_and_keeps_chosen_ones() {
    let mut fixture = app_with(&["Maria Keller"]);
    let file = fixture._dir.path().join("address book.csv");
    std::fs::write(
        &file,
        "Name,Email,Phone,Birthday,Phone,Fax\r\n\
         ,anna.berg@example.se,,1970-01-01,,\r\n\
         Per Holm,per@holm.se,+46 8 555 0200,,+46 70 555 0201,+46 8 555 0299\r\n",
    )
    .unwrap();
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Import…");
    type_into(harness, "File to import", &file.display().to_string());
    harness.get_by_label("Preview").click();
    harness.run();
    harness.get_by_label("Anna Berg · anna.berg@example.se");
    harness.get_by_label("(name made from the e-mail address)");
    harness.get_by_label("Per Holm · +46 8 555 0200 · per@holm.se");
    harness.get_by_label("Not imported: Birthday (1 value), Fax (1 value).");
    harness.get_by_label_contains("Columns 3 and 5 are both called \"Phone\"");
    // The dialog has found its size: it does not creep across the screen frame by frame.
    let settled = harness.get_by_label("File to import").rect();
    for _ in 0..3 {
        harness.step();
    }
    assert_eq!(harness.get_by_label("File to import").rect(), settled);
    harness
        .get_by_label("Add Birthday (1 value) to the notes")
        .click();
    harness.run();
    harness.get_by_label("Not imported: Fax (1 value).");
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness).contains("2 customers added"),
        "{}",
        notice(harness)
    );
    let journal = harness.state().journal.as_ref().expect("a journal is open");
    let notes: Vec<(&str, &str)> = journal
        .customers
        .iter()
        .map(|c| (c.name.as_str(), c.notes.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            ("Anna Berg", "Birthday: 1970-01-01"),
            ("Maria Keller", ""),
            ("Per Holm", "Phone: +46 70 555 0201"),
        ]
    );
}

#[test]
fn many_columns_left_out_scroll_inside_a_dialog_that_stays_put() {
    let mut fixture = app_with(&[]);
    let file = fixture._dir.path().join("wide.csv");
    let extra: Vec<String> = (1..=9).map(|i| format!("Field {i}")).collect();
    let values: Vec<String> = (1..=9).map(|i| format!("v{i}")).collect();
    std::fs::write(
        &file,
        format!(
            "Name,{}\r\nIda Berg,{}\r\n",
            extra.join(","),
            values.join(",")
        ),
    )
    .unwrap();
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Import…");
    type_into(harness, "File to import", &file.display().to_string());
    harness.get_by_label("Preview").click();
    harness.run();
    let settled = harness.get_by_label("File to import").rect();
    for _ in 0..3 {
        harness.step();
    }
    assert_eq!(harness.get_by_label("File to import").rect(), settled);
    harness
        .get_by_label("Add Field 2 (1 value) to the notes")
        .click();
    harness.run();
    harness.get_by_label_contains("Not imported: Field 1 (1 value), Field 3 (1 value),");
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(harness);
    let journal = harness.state().journal.as_ref().expect("a journal is open");
    assert_eq!(journal.customers[0].notes, "Field 2: v2");
}

#[test]
fn the_trash_restores_entries_and_deletes_for_good_only_after_confirmation() {
    let mut fixture = app_with(&["Bo"]);
    let harness = fixture.harness();
    select_customer(harness, "Bo");
    for text in ["Keep me", "Purge me"] {
        log_from_keyboard(
            harness,
            Modifiers::COMMAND | Modifiers::SHIFT,
            Key::N,
            "What to remember",
            text,
        );
        harness.get_by_label("Delete").click();
        harness.run();
    }
    harness.get_by_label("0 entries");
    open_menu_item(harness, "Edit", "Trash…");
    let restore_buttons = harness.get_all_by_label("Restore").count();
    assert_eq!(restore_buttons, 2);
    // Newest deleted first: "Purge me", then "Keep me".
    harness
        .get_all_by_label("Delete for good…")
        .next()
        .unwrap()
        .click();
    harness.run();
    harness.get_by_label("Confirm: delete for good").click();
    harness.run();
    assert_eq!(notice(harness), "Deleted for good.");
    harness.get_by_label("Restore").click();
    harness.run();
    assert_eq!(notice(harness), "Restored from the trash.");
    harness.get_by_label("The trash is empty.");
    let journal = harness.state().journal.as_ref().unwrap();
    let summaries: Vec<&str> = journal
        .timeline
        .iter()
        .map(|e| e.summary.as_str())
        .collect();
    assert_eq!(summaries, ["Keep me"]);
    assert!(journal.store.trash().unwrap().is_empty());
}

#[test]
fn a_failed_export_reopens_its_dialog_with_the_reason_and_the_choices_kept() {
    let mut fixture = app_with(&["Maria Keller"]);
    let out = fixture
        ._dir
        .path()
        .join("no such folder")
        .join("report.csv");
    let harness = fixture.harness();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    harness.get_by_label("Timeline").click();
    harness.run();
    replace_text(harness, "Save to file", &out.display().to_string());
    harness.get_by_label("Export").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness).starts_with("Cannot write the export"),
        "{}",
        notice(harness)
    );
    assert_eq!(
        harness.get_by_label("Save to file").value().as_deref(),
        Some(out.display().to_string().as_str())
    );
    assert_eq!(
        focused_label(harness),
        "Timeline",
        "reopened on its first field, the report chosen"
    );
    assert!(!out.exists());
}

/// Two windows on one journal: each saves, and each picks up the other's changes without
/// being restarted.
#[test]
fn two_windows_on_one_journal_both_save_and_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let open = || {
        harness_for(CandorApp::open(
            path.clone(),
            Prefs::default(),
            Box::new(FixedClock(now())),
        ))
    };
    let mut first = open();
    let mut second = open();
    first.run();
    second.run();

    first.key_press_modifiers(Modifiers::COMMAND, Key::N);
    first.run();
    type_into(&mut first, "Name", "Added in the first window");
    first.get_by_label("Save").click();
    first.run();
    second.key_press_modifiers(Modifiers::COMMAND, Key::N);
    second.run();
    type_into(&mut second, "Name", "Added in the second window");
    second.get_by_label("Save").click();
    second.run();
    assert_eq!(notice(&second), "Saved: Added in the second window.");

    // A few seconds pass (the windows look for each other's changes every 3 s).
    first.run_steps(240);
    second.run_steps(240);
    let both = ["Added in the first window", "Added in the second window"];
    assert_eq!(customer_names(&first), both);
    assert_eq!(customer_names(&second), both);
}

/// The errors listed in the status bar, oldest first.
fn errors_shown(harness: &Harness<'static, CandorApp>) -> Vec<String> {
    harness
        .state()
        .errors
        .iter()
        .map(|e| e.text.clone())
        .collect()
}

#[test]
fn several_errors_are_shown_together_and_each_disappears_once_fixed() {
    let mut fixture = app_with(&["Maria Keller"]);
    let folder = fixture._dir.path().to_path_buf();
    let missing = folder.join("no such folder");
    let harness = fixture.harness();
    harness.run();

    // An export into a folder that does not exist fails…
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    let report = missing.join("report.csv");
    replace_text(harness, "Save to file", &report.display().to_string());
    harness.get_by_label("Export").click();
    harness.step();
    wait_for_job(harness);
    harness.key_press(Key::Escape);
    harness.run();
    // …and so does a backup into it.
    open_menu_item(harness, "File", "Back up now…");
    let backup = missing.join("copy.sqlite3");
    type_into(harness, "Or to this file", &backup.display().to_string());
    harness.get_by_label("Back up").click();
    harness.step();
    wait_for_job(harness);
    harness.key_press(Key::Escape);
    harness.run();

    let errors = errors_shown(harness);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "Cannot write the export to {}: the folder {} does not exist",
            report.display(),
            missing.display()
        )),
        "{errors:?}"
    );
    assert!(errors[1].contains("copy.sqlite3"), "{errors:?}");
    // Both are on screen, each once.
    assert_eq!(
        harness
            .get_all_by_label_contains("⚠ Cannot write the export")
            .count(),
        1
    );
    assert_eq!(harness.get_all_by_label_contains("copy.sqlite3").count(), 1);

    // The export succeeds into the right folder: its error goes, the backup's stays.
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    replace_text(
        harness,
        "Save to file",
        &folder.join("report.csv").display().to_string(),
    );
    harness.get_by_label("Export").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness).starts_with("Exported "),
        "{}",
        notice(harness)
    );
    let errors = errors_shown(harness);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("copy.sqlite3"), "{errors:?}");
    assert_eq!(
        harness
            .query_all_by_label_contains("⚠ Cannot write the export")
            .count(),
        0
    );

    // Dismissing the backup's error clears the status bar.
    harness.get_by_label("Dismiss").click();
    harness.run();
    assert!(errors_shown(harness).is_empty());
    assert_eq!(harness.query_all_by_label_contains("⚠").count(), 0);
}

#[test]
fn an_overlong_name_in_the_form_is_refused_naming_the_limit_and_kept() {
    let mut fixture = app_with(&["Ann"]);
    let harness = fixture.harness();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    harness.run();
    let long = "Pasted ".repeat(30);
    type_into(harness, "Name", &long);
    harness.get_by_label("Save").click();
    harness.run();
    harness.get_by_label_contains(&format!(
        "The name is {} characters long; the limit is 200: shorten it.",
        long.trim().chars().count()
    ));
    assert_eq!(
        harness.get_by_label("Name").value().as_deref(),
        Some(long.as_str())
    );
    assert_eq!(harness.state().journal.as_ref().unwrap().customers.len(), 1);
}

#[test]
fn the_import_preview_shows_the_encoding_and_changing_it_changes_the_names() {
    let mut fixture = app_with(&["Maria Keller"]);
    // U+FFFD has no glyph in egui's fonts: the app draws a box, as here (kittest panics by
    // default).
    let app = std::mem::replace(
        fixture.harness.state_mut(),
        CandorApp::open(
            fixture._dir.path().join("other.sqlite3"),
            Prefs::default(),
            Box::new(FixedClock(now())),
        ),
    );
    fixture.harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .allow_missing_glyphs()
        .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app);
    let file = fixture._dir.path().join("excel-windows.csv");
    // Windows-1252, as Excel on Windows saves "CSV" (generated: see tests/fixtures/README.md).
    std::fs::write(
        &file,
        b"Name,Company\r\nZo\xEB M\xFCller,B\xE4ckerei M\xFCller\r\nFran\xE7ois L\xE9ger,Caf\xE9 Cr\xE8me\r\n",
    )
    .unwrap();
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Import…");
    type_into(harness, "File to import", &file.display().to_string());
    harness.get_by_label("Preview").click();
    harness.run();
    let encoding = |harness: &Harness<'static, CandorApp>| {
        harness
            .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Encoding")
            .value()
            .unwrap_or_default()
    };
    assert_eq!(encoding(harness), "windows-1252 (Western Europe, Americas)");
    harness.get_by_label_contains("guessed from the text");
    harness.get_by_label("Zoë Müller");

    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Encoding")
        .click();
    harness.run();
    harness.get_by_label("UTF-8").click();
    harness.run();
    assert_eq!(encoding(harness), "UTF-8");
    harness.get_by_label("Zo\u{fffd} M\u{fffd}ller");
    harness.get_by_label(
        "8 characters cannot be read as UTF-8: choose the encoding the file was saved in.",
    );
    assert!(harness.query_by_label("Zoë Müller").is_none());

    // Back to the right one, and import: the names arrive intact.
    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Encoding")
        .click();
    harness.run();
    harness
        .get_by_label("windows-1252 (Western Europe, Americas)")
        .click();
    harness.run();
    harness.get_by_label("Zoë Müller");
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness)
            .starts_with("Imported a CSV: 2 rows read: 2 customers added, 0 merged, 0 left out."),
        "{}",
        notice(harness)
    );
    assert_eq!(
        customer_names(harness),
        ["François Léger", "Maria Keller", "Zoë Müller"]
    );
}

#[test]
fn a_stray_quote_is_explained_in_the_preview_and_only_the_rows_before_it_import_when_agreed() {
    let mut fixture = app_with(&[]);
    let file = fixture._dir.path().join("contacts.csv");
    let mut text = String::from(
        "Name,Email\r\nAda Lovelace,ada@example.com\r\nBob,bob@example.com,extra\r\nCy Young,cy@example.com\r\n",
    );
    text.push_str("\"Di Prince,di@example.com\r\n");
    for i in 0..50 {
        text.push_str(&format!("Customer {i},c{i}@example.com\r\n"));
    }
    std::fs::write(&file, text).unwrap();
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Import…");
    type_into(harness, "File to import", &file.display().to_string());
    harness.get_by_label("Preview").click();
    harness.run();
    harness.get_by_label_contains(
        "Line 5 opens a quoted field that never closes, so every row after it would be swallowed",
    );
    // The row that cannot be read is listed before importing, with its line.
    harness.get_by_label("Line 3: the row has 3 cells but the header has 2: check for a missing or extra comma or an unclosed quote");

    // Without agreement nothing is imported and the dialog says why.
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        harness
            .get_all_by_label_contains(
                "Line 5 of contacts.csv opens a quoted field that never closes"
            )
            .count()
            >= 1
    );
    assert!(customer_names(harness).is_empty());

    harness
        .get_by_label("Import only the 3 rows before line 5")
        .click();
    harness.run();
    harness.get_by_label("Import").click();
    harness.step();
    wait_for_job(harness);
    assert!(
        notice(harness)
            .starts_with("Imported a CSV: 3 rows read: 2 customers added, 0 merged, 1 left out."),
        "{}",
        notice(harness)
    );
    assert_eq!(customer_names(harness), ["Ada Lovelace", "Cy Young"]);
    // The summary says what was not read and lists the row left out.
    harness.get_by_label(
        "As agreed, only the rows before line 5 were read: fix the quote on line 5 and import the rest.",
    );
    harness.get_by_label_contains("Line 3: the row has 3 cells");
}

/// Lets the Insights view's background computation finish, as the window would.
fn wait_for_insights(harness: &mut Harness<'static, CandorApp>) {
    for _ in 0..1000 {
        harness.step();
        if harness.state().insights.is_ready() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        harness.state().insights.is_ready(),
        "the insights were computed"
    );
    harness.run();
}

#[test]
fn insights_open_on_the_sample_journal_and_a_point_leads_to_its_customers() {
    let mut fixture = app_with(&[]);
    let harness = fixture.harness();
    harness.get_by_label("Open sample journal").click();
    harness.run();
    harness.get_by_label("View").click();
    harness.run();
    harness.get_by_label("Insights").click();
    // The spinner keeps the window repainting until the numbers arrive.
    harness.step();
    wait_for_insights(harness);

    // The view shows the same numbers `candor insights` prints: one function computes both.
    let path = harness.state().journal_path().to_path_buf();
    let today = now().date();
    let options = candor::domain::insights::InsightOptions::last_weeks(today);
    let expected = Store::open(&path).unwrap().insights(&options).unwrap();
    let shown = harness.state().insights.insights().unwrap().clone();
    assert_eq!(shown, expected);
    assert_eq!(shown.from, NaiveDate::from_ymd_opt(2026, 8, 29).unwrap());
    for chart in candor::domain::insights::Chart::ALL {
        harness.get_by_label(chart.title());
    }
    // A journal of one's own has no reps to choose from.
    assert!(harness.query_by_label("Rep").is_none());
    let at_risk_today = expected
        .measure("at_risk_customers")
        .unwrap()
        .series
        .last()
        .unwrap()
        .clone();
    assert!(
        at_risk_today.value.unwrap() > 0.0,
        "the sample has customers at risk"
    );

    // The line: lowering it to 0 marks every day with someone at risk, and is kept.
    let label = "Warn me above";
    harness.get_by_label(label).focus();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.get_by_label(label).type_text("0");
    harness.key_press(Key::Enter);
    harness.run();
    assert_eq!(harness.state().insights.threshold, 0);
    assert_eq!(harness.state().prefs.insights_threshold, 0);

    // The report to mail: beside the journal by default, with the line as set now.
    let report = path.with_file_name("candor-insights-2026-11-20.html");
    assert_eq!(
        harness.get_by_label("HTML report").value().as_deref(),
        Some(report.display().to_string().as_str())
    );
    harness.get_by_label("Save report").click();
    harness.run();
    let saved = format!("Saved the report to {}.", report.display());
    harness.get_by_label(&saved);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("days above the line of 0"), "the line as set");
    assert_eq!(html.matches("<svg").count(), 9);

    // Clicking the last day of the at-risk chart lists the customers behind it, and a
    // name opens that customer.
    harness
        .get_by_label("Customers at risk each day")
        .scroll_to_me();
    harness.run();
    let title = harness.get_by_label("Customers at risk each day").rect();
    let right = harness.get_by_label("Back to the timeline").rect().right();
    // The right end of the chart is today (the x axis ends just after the last day).
    let click_at = egui::pos2(right - 12.0, title.bottom() + 90.0);
    harness.hover_at(click_at);
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: click_at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Modifiers::NONE,
        });
    }
    harness.run();
    let listed = format!(
        "{}: {} customers",
        at_risk_today.period,
        at_risk_today.value.unwrap()
    );
    harness.get_by_label(&listed);
    let first = at_risk_today.customers[0];
    let name = harness
        .state()
        .journal
        .as_ref()
        .unwrap()
        .customer(first)
        .unwrap()
        .name
        .clone();
    harness.get_by_label(&name).click();
    harness.run();
    assert!(!harness.state().insights.open, "back on the timeline");
    assert_eq!(harness.state().selected, Some(first));
}

/// A manager's journal: the Insights view offers a "Rep" choice, and choosing a rep shows
/// the same numbers `candor insights --rep` prints for their customers alone.
#[test]
fn insights_for_a_manager_show_one_rep_when_chosen() {
    let mut fixture = app_from(|store| {
        candor::sample::write_demo(store, now().date()).unwrap();
        store
            .execute_batch_for_tests(
                "INSERT INTO team_reps (login, full_name) VALUES ('ann', 'Ann Archer'), ('bob', 'Bob Baker');
                 UPDATE customers SET team_owner = CASE WHEN id % 2 = 0 THEN 'ann' ELSE 'bob' END;",
            )
            .unwrap();
    });
    let harness = fixture.harness();
    harness.get_by_label("View").click();
    harness.run();
    harness.get_by_label("Insights").click();
    harness.step();
    wait_for_insights(harness);
    let path = harness.state().journal_path().to_path_buf();
    let store = Store::open(&path).unwrap();
    let options = candor::domain::insights::InsightOptions::last_weeks(now().date());
    let everyone = store.insights(&options).unwrap();
    assert_eq!(harness.state().insights.insights(), Some(&everyone));
    let rep = |harness: &Harness<'static, CandorApp>| {
        harness
            .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Rep")
            .value()
            .unwrap_or_default()
    };
    assert_eq!(rep(harness), "All reps");

    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Rep")
        .click();
    harness.run();
    harness.get_by_label("Bob Baker").click();
    harness.step();
    wait_for_insights(harness);
    assert_eq!(rep(harness), "Bob Baker");
    assert_eq!(harness.state().insights.rep(), Some("bob"));
    let reps = store.insight_reps().unwrap();
    let bob = reps.iter().find(|r| r.login == "bob").unwrap();
    let bobs = store
        .insights_of(&options, Some(bob.customers.as_slice()))
        .unwrap();
    assert_eq!(harness.state().insights.insights(), Some(&bobs));
    assert_ne!(bobs, everyone, "Bob has only some of the customers");
    harness.get_by_label_contains("Bob Baker's customers");

    // Back to everyone.
    harness
        .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Rep")
        .click();
    harness.run();
    harness.get_by_label("All reps").click();
    harness.step();
    wait_for_insights(harness);
    assert_eq!(harness.state().insights.insights(), Some(&everyone));
    assert_eq!(harness.state().insights.rep(), None);
}

// ---------------------------------------------------------------------------------------
// Issue 11: trust signals and the keyboard

/// The app on a journal prepared through the store by `setup`.
fn app_from(setup: impl FnOnce(&mut Store)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        setup(&mut store);
    }
    let app = CandorApp::open(path, Prefs::default(), Box::new(FixedClock(now())));
    Fixture {
        _dir: dir,
        harness: harness_for(app),
    }
}

fn days_before_now(days: i64) -> NaiveDateTime {
    now() - chrono::Duration::days(days)
}

fn add_named(store: &mut Store, name: &str) -> candor::domain::CustomerId {
    store
        .add_customer(CustomerDraft::named(name), days_before_now(30))
        .unwrap()
        .id
}

fn add_promise(
    store: &mut Store,
    customer: candor::domain::CustomerId,
    what: &str,
    due_in_days: i64,
) -> candor::domain::EntryId {
    use candor::domain::{EntryDraft, Promise, PromiseCategory};
    let made = days_before_now(10);
    let due = (now() + chrono::Duration::days(due_in_days)).date();
    store
        .add_entry(
            EntryDraft {
                customer_id: customer,
                occurred_at: made,
                summary: what.into(),
                kind: EntryKind::Promise(Promise::new(due, PromiseCategory::Delivery)),
            },
            made,
        )
        .unwrap()
        .id
}

fn owe_callback(store: &mut Store, customer: candor::domain::CustomerId) {
    use candor::domain::{Contact, Direction, EntryDraft, Outcome};
    store
        .add_entry(
            EntryDraft {
                customer_id: customer,
                occurred_at: days_before_now(1),
                summary: String::new(),
                kind: EntryKind::Contact(Contact {
                    direction: Direction::Inbound,
                    outcome: Outcome::NoAnswer,
                    ..Contact::default()
                }),
            },
            days_before_now(1),
        )
        .unwrap();
}

fn top_of_call_first(harness: &Harness<'static, CandorApp>) -> (String, Vec<ReasonKind>) {
    let journal = harness.state().journal.as_ref().unwrap();
    let top = &journal.ranking[0];
    (
        top.name.clone(),
        top.reasons.iter().map(|r| r.kind).collect(),
    )
}

/// Counts chords: each key press (with its modifiers) is one.
struct Chords<'a> {
    harness: &'a mut Harness<'static, CandorApp>,
    count: usize,
}

impl Chords<'_> {
    fn press(&mut self, modifiers: Modifiers, key: Key) {
        self.harness.key_press_modifiers(modifiers, key);
        self.harness.run();
        self.count += 1;
    }
}

/// Issue 11: "Mark broken" made the customer vanish from "Call them first". Now they go
/// to the top, focus lands on "Tell them now…" (never on Delete), and Enter there opens
/// the bad-news form filled in and linked; saving it takes the reason away.
#[test]
fn marking_a_promise_broken_puts_the_customer_on_top_and_offers_to_tell_them_now() {
    let mut promise = None;
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        let bob = add_named(store, "Bob Marsh");
        promise = Some(add_promise(store, ann, "Replacement pump", -2));
        owe_callback(store, bob);
    });
    let promise = promise.unwrap();
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness
        .get_all_by(|n| n.label().is_some_and(|l| l.contains("Replacement pump")))
        .next()
        .expect("the promise row")
        .click();
    harness.run();

    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND | Modifiers::SHIFT, Key::K);
    let harness = chords.harness;
    let (name, kinds) = top_of_call_first(harness);
    assert_eq!(name, "Ann Keller");
    assert_eq!(kinds[0], ReasonKind::BrokenUnexplained, "{kinds:?}");
    assert!(
        harness.get_by_label("Tell them now…").is_focused(),
        "focus is on the offer to tell them"
    );
    assert!(!harness.get_by_label("Delete").is_focused());

    let mut chords = Chords { harness, count: 1 };
    chords.press(Modifiers::NONE, Key::Enter);
    let harness = chords.harness;
    let told = harness
        .get_by_label("What you told them")
        .value()
        .unwrap_or_default();
    assert!(
        told.starts_with("I could not keep my promise \"Replacement pump\" (due 2026-11-18)"),
        "{told}"
    );
    assert!(harness.get_by_label("What you told them").is_focused());
    harness
        .get_by_label("What you told them")
        .type_text("The supplier closed; a new one delivers Tuesday.");
    harness.run();
    let mut chords = Chords { harness, count: 2 };
    chords.press(Modifiers::NONE, Key::Enter);
    assert_eq!(chords.count, 3, "broken → told in three chords");
    let harness = chords.harness;
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );

    let journal = harness.state().journal.as_ref().unwrap();
    let news = journal
        .timeline
        .iter()
        .find(|e| e.kind.tag() == candor::domain::EntryKindTag::BadNews)
        .expect("the bad news was saved");
    let EntryKind::BadNews(bad_news) = &news.kind else {
        unreachable!()
    };
    assert_eq!(bad_news.related, Some(promise));
    assert!(!bad_news.proactive, "past its due day: not told first");
    let (name, _) = top_of_call_first(harness);
    assert_eq!(name, "Bob Marsh", "Ann's broken promise is explained");
}

/// Issue 11: marking an open promise kept took 43 chords; now one when it is the only
/// open promise, two when there are several (the first press picks, the second marks).
#[test]
fn an_open_promise_is_marked_kept_from_the_keyboard_in_at_most_three_chords() {
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        add_promise(store, ann, "Price list", 3);
        let bob = add_named(store, "Bob Marsh");
        add_promise(store, bob, "Samples", 2);
        add_promise(store, bob, "Catalogue", 5);
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::K);
    assert_eq!(chords.count, 1);
    let harness = chords.harness;
    let kept: Vec<_> = harness
        .state()
        .journal
        .as_ref()
        .unwrap()
        .timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Promise(p) => Some((e.summary.clone(), p.status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        kept,
        vec![("Price list".to_owned(), PromiseStatus::Kept(now().date()))]
    );

    select_customer(harness, "Bob Marsh");
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::K);
    let harness = &mut *chords.harness;
    assert!(
        notice(harness).starts_with("Selected \"Samples (due 2026-11-22)\""),
        "{}",
        notice(harness)
    );
    chords.press(Modifiers::COMMAND, Key::K);
    assert!(chords.count <= 3);
    let harness = chords.harness;
    let statuses: Vec<_> = harness
        .state()
        .journal
        .as_ref()
        .unwrap()
        .timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::Promise(p) => Some((e.summary.clone(), p.status)),
            _ => None,
        })
        .collect();
    assert!(statuses.contains(&("Samples".to_owned(), PromiseStatus::Kept(now().date()))));
    assert!(statuses.contains(&("Catalogue".to_owned(), PromiseStatus::Open)));
}

/// Selecting a timeline row keeps it where it was and keeps keyboard focus on it; ↓ moves
/// the selection to the next row.
#[test]
fn selecting_a_timeline_row_moves_nothing_and_arrows_move_the_selection() {
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        add_promise(store, ann, "Price list", 3);
        owe_callback(store, ann);
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    let row = |h: &Harness<'static, CandorApp>| {
        h.get_all_by(|n| n.label().is_some_and(|l| l.contains("Price list")))
            .next()
            .expect("the promise row")
            .rect()
    };
    let before = row(harness);
    harness
        .get_all_by(|n| n.label().is_some_and(|l| l.contains("Price list")))
        .next()
        .unwrap()
        .click();
    harness.run();
    assert_eq!(row(harness), before, "the row did not move");
    let focused = harness
        .get_all_by(|n| n.label().is_some_and(|l| l.contains("Price list")))
        .next()
        .unwrap()
        .is_focused();
    assert!(focused, "focus stays on the row");
    let timeline: Vec<_> = harness
        .state()
        .journal
        .as_ref()
        .unwrap()
        .timeline
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(harness.state().selected_entry(), Some(timeline[1]));
    harness.key_press(Key::ArrowUp);
    harness.run();
    assert_eq!(harness.state().selected_entry(), Some(timeline[0]));
    harness.key_press(Key::ArrowDown);
    harness.run();
    assert_eq!(harness.state().selected_entry(), Some(timeline[1]));
    assert_eq!(row(harness), before, "still nothing moved");
}

/// The keyboard table, first row: find a customer and open them in ≤ 3 chords
/// (Ctrl+F, type, Enter); Esc in the search clears it.
#[test]
fn search_enter_opens_the_top_match_and_escape_clears_the_search() {
    let mut fixture = app_from(|store| {
        for name in ["Ann Keller", "Bob Marsh", "Carla Diaz"] {
            add_named(store, name);
        }
    });
    let harness = fixture.harness();
    harness.run();
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::F);
    chords.harness.get_by_label("Search").type_text("mar");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Enter);
    assert!(chords.count <= 3);
    let harness = chords.harness;
    let opened = harness.state().selected.map(|id| {
        harness
            .state()
            .journal
            .as_ref()
            .unwrap()
            .customer(id)
            .unwrap()
            .name
            .clone()
    });
    assert_eq!(opened.as_deref(), Some("Bob Marsh"));

    harness.get_by_label("Search").focus();
    harness.run();
    harness.key_press(Key::Escape);
    harness.run();
    assert_eq!(harness.get_by_label("Search").value().as_deref(), Some(""));
}

/// Tab from the search goes to the results, not across the six filter buttons; ↓ moves
/// through the list and opens each customer it reaches.
#[test]
fn tab_from_search_reaches_the_list_and_arrows_move_through_it() {
    let mut fixture = app_from(|store| {
        for name in ["Ann Keller", "Bob Marsh", "Carla Diaz"] {
            add_named(store, name);
        }
    });
    let harness = fixture.harness();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run();
    harness.key_press(Key::Tab);
    harness.run();
    let name_of = |h: &Harness<'static, CandorApp>| {
        h.state().selected.map(|id| {
            h.state()
                .journal
                .as_ref()
                .unwrap()
                .customer(id)
                .unwrap()
                .name
                .clone()
        })
    };
    assert_eq!(name_of(harness).as_deref(), Some("Ann Keller"));
    harness.key_press(Key::ArrowDown);
    harness.run();
    harness.run();
    assert_eq!(name_of(harness).as_deref(), Some("Bob Marsh"));
    harness.key_press(Key::ArrowDown);
    harness.run();
    harness.run();
    assert_eq!(name_of(harness).as_deref(), Some("Carla Diaz"));
    harness.key_press(Key::ArrowUp);
    harness.run();
    harness.run();
    assert_eq!(name_of(harness).as_deref(), Some("Bob Marsh"));
}

/// Record a promise due Friday in ≤ 4 chords: tabbing into the due field selects its
/// default, so typing "fri" replaces "tomorrow".
#[test]
fn a_promise_due_friday_takes_four_chords_and_the_due_field_is_replaced_when_tabbed_into() {
    let mut fixture = app_from(|store| {
        add_named(store, "Ann Keller");
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::P);
    chords
        .harness
        .get_by_label("What you promised")
        .type_text("Send the price list");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Tab);
    chords.press(Modifiers::NONE, Key::Tab);
    assert!(chords.harness.get_by_label("Due").is_focused());
    chords.harness.get_by_label("Due").type_text("fri");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Enter);
    assert_eq!(chords.count, 4);
    let harness = chords.harness;
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
    let today = now().date();
    let friday = candor::domain::dates::parse_date("fri", today).unwrap();
    let journal = harness.state().journal.as_ref().unwrap();
    let due = journal.timeline.iter().find_map(|e| match &e.kind {
        EntryKind::Promise(p) => Some(p.due),
        _ => None,
    });
    assert_eq!(due, Some(friday));
}

/// Renegotiate a promise, customer told, in ≤ 5 chords: the dialog opens with focus in its
/// first field; the timeline row then says what they were told and whether they agreed.
#[test]
fn renegotiating_from_the_keyboard_opens_with_focus_and_the_row_says_what_was_agreed() {
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        add_promise(store, ann, "Samples", 1);
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::R);
    assert!(chords.harness.get_by_label("New date").is_focused());
    chords
        .harness
        .get_by_label("New date")
        .type_text("2026-11-27");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Tab);
    assert!(
        chords
            .harness
            .get_by_label("What you told them")
            .is_focused(),
        "Tab goes from the date to the next field, not to the calendar"
    );
    chords
        .harness
        .get_by_label("What you told them")
        .type_text("Courier strike");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Enter);
    assert!(chords.count <= 5, "{}", chords.count);
    let harness = chords.harness;
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
    harness.get_by_label_contains("moved from 2026-11-21, told: Courier strike — they agreed");
}

/// Esc on a form with typed content keeps a draft that comes back when the form reopens;
/// the Cancel button discards it.
#[test]
fn escape_keeps_a_draft_that_comes_back_and_cancel_discards_it() {
    let mut fixture = app_from(|store| {
        add_named(store, "Ann Keller");
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run();
    harness
        .get_by_label("What was said")
        .type_text("Wants a second quote");
    harness.run();
    harness.key_press(Key::Escape);
    harness.run();
    assert!(harness.query_by_label("What was said").is_none(), "closed");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run();
    assert_eq!(
        harness.get_by_label("What was said").value().as_deref(),
        Some("Wants a second quote")
    );
    assert_eq!(notice(harness), "Your draft is back, as you left it.");
    harness.get_by_label("Cancel").click();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run();
    assert_eq!(
        harness.get_by_label("What was said").value().as_deref(),
        Some("")
    );
}

/// Open the top of "Call them first" and log the bad news in ≤ 4 chords: Ctrl+J, Enter,
/// Ctrl+B (the slipping promise already chosen, "told first" unticked as it is past due),
/// Enter.
#[test]
fn the_top_of_call_them_first_gets_its_bad_news_in_four_chords() {
    let mut promise = None;
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        let bob = add_named(store, "Bob Marsh");
        owe_callback(store, bob);
        promise = Some(add_promise(store, ann, "Replacement pump", -1));
    });
    let promise = promise.unwrap();
    let harness = fixture.harness();
    harness.run();
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::J);
    chords.press(Modifiers::NONE, Key::Enter);
    chords.press(Modifiers::COMMAND, Key::B);
    chords
        .harness
        .get_by_label("What you told them")
        .type_text("The pump ships Monday");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Enter);
    assert_eq!(chords.count, 4);
    let harness = chords.harness;
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
    let journal = harness.state().journal.as_ref().unwrap();
    let news = journal
        .timeline
        .iter()
        .find_map(|e| match &e.kind {
            EntryKind::BadNews(b) => Some(b.clone()),
            _ => None,
        })
        .expect("bad news saved for the top customer");
    assert_eq!(news.related, Some(promise));
    assert!(
        !news.proactive,
        "a slip past its due day was not told first"
    );
}

/// Opening another journal never reopens "the last customer" by its number from the
/// previous one.
#[test]
fn another_journal_does_not_reopen_the_last_customer_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.sqlite3");
    let second = dir.path().join("second.sqlite3");
    for (path, name) in [(&first, "Ann Keller"), (&second, "Zoe Other")] {
        let mut store = Store::open(path).unwrap();
        add_named(&mut store, name);
    }
    let prefs = Prefs {
        last_customer: Some(1),
        last_customer_journal: Some(first.clone()),
        ..Prefs::default()
    };
    let app = CandorApp::open(second, prefs.clone(), Box::new(FixedClock(now())));
    assert_eq!(
        app.selected, None,
        "customer 1 of another journal is not opened"
    );
    let app = CandorApp::open(first, prefs, Box::new(FixedClock(now())));
    assert!(
        app.selected.is_some(),
        "the same journal reopens its last customer"
    );
}

/// The date field's calendar opens with Alt+↓ (never by Tab), and Esc closes only the
/// calendar: the dialog and its text stay.
#[test]
fn escape_on_the_calendar_closes_only_the_calendar() {
    let mut fixture = app_from(|store| {
        add_named(store, "Ann Keller");
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::P);
    harness.run();
    harness
        .get_by_label("What you promised")
        .type_text("Call back with the quote");
    harness.run();
    harness.get_by_label("Due").focus();
    harness.run();
    harness.key_press_modifiers(Modifiers::ALT, Key::ArrowDown);
    harness.run();
    assert!(
        harness.query_by_label("Previous month").is_some() || harness.query_by_label("◀").is_some(),
        "the calendar is open"
    );
    harness.key_press(Key::Escape);
    harness.run();
    assert!(harness.query_by_label("◀").is_none(), "the calendar closed");
    assert_eq!(
        harness.get_by_label("What you promised").value().as_deref(),
        Some("Call back with the quote"),
        "the dialog stayed open with its text"
    );
}

/// A reached call on a customer with an untold slip asks "Did you tell them about …?";
/// ticking it records the bad news, linked to the promise.
#[test]
fn a_reached_call_asks_whether_they_were_told_about_the_slip_and_records_it() {
    let mut promise = None;
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        promise = Some(add_promise(store, ann, "Replacement pump", -1));
    });
    let promise = promise.unwrap();
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::L);
    harness.run();
    harness
        .get_by_label("What was said")
        .type_text("Pump ships Monday");
    harness.run();
    harness
        .get_by_label("Did you tell them about \"Replacement pump (due 2026-11-19)\"?")
        .click();
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
    assert_eq!(
        notice(harness),
        "Saved: Contact for Ann Keller. The bad news you told them is on the timeline too."
    );
    let journal = harness.state().journal.as_ref().unwrap();
    let news: Vec<_> = journal
        .timeline
        .iter()
        .filter_map(|e| match &e.kind {
            EntryKind::BadNews(b) => Some((e.summary.clone(), b.related, b.proactive)),
            _ => None,
        })
        .collect();
    assert_eq!(
        news,
        vec![(
            "Told them on the call about \"Replacement pump (due 2026-11-19)\": Pump ships Monday"
                .to_owned(),
            Some(promise),
            false
        )]
    );
}

/// Phone numbers and e-mail addresses are links with copy buttons; following the phone
/// link opens the call form for that customer.
#[test]
fn the_phone_is_a_tel_link_that_readies_the_call_form_and_both_can_be_copied() {
    let mut fixture = app_from(|store| {
        let mut draft = CustomerDraft::named("Ann Keller");
        draft.phone = "+49 30 1234-567".into();
        draft.email = "ann@keller.example".into();
        store.add_customer(draft, days_before_now(30)).unwrap();
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness.get_by_label("Copy phone");
    harness.get_by_label("Copy email");
    harness.get_by_label("✉ ann@keller.example");
    harness.get_by_label("📞 +49 30 1234-567").click();
    harness.step();
    let opened: Vec<String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::OpenUrl(open) => Some(open.url.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(opened, vec!["tel:+49301234567".to_owned()]);
    harness.run();
    assert!(
        harness.get_by_label("What was said").is_focused(),
        "the call form is ready for the notes"
    );
}

/// Export starts outside the hidden data folder (in Documents) and the next export starts
/// in the folder the last one went to.
#[test]
fn export_starts_in_documents_then_in_the_last_folder_used() {
    let mut fixture = app_with(&["Maria Keller"]);
    let journal_folder = fixture._dir.path().to_path_buf();
    let reports = tempfile::tempdir().unwrap();
    let out = reports.path().join("customers.csv");
    let harness = fixture.harness();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    let first = harness
        .get_by_label("Save to file")
        .value()
        .unwrap_or_default();
    assert!(
        !first.starts_with(&journal_folder.display().to_string()),
        "not the journal's folder: {first}"
    );
    replace_text(harness, "Save to file", &out.display().to_string());
    harness.get_by_label("Export").click();
    harness.step();
    wait_for_job(harness);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    let second = harness
        .get_by_label("Save to file")
        .value()
        .unwrap_or_default();
    assert!(
        second.starts_with(&reports.path().display().to_string()),
        "{second}"
    );
    assert_eq!(
        harness.state().prefs.last_export_folder.as_deref(),
        Some(reports.path())
    );
}

/// "Call them first" reaches its whole list (it used to stop at 100 with "…and N more"):
/// from the keyboard, ↓ walks to the last card, the panel follows, and Enter opens it.
#[test]
fn call_them_first_reaches_the_last_of_a_long_list_from_the_keyboard() {
    const COUNT: usize = 130;
    let mut fixture = app_from(|store| {
        for n in 0..COUNT {
            let id = add_named(store, &format!("Customer {n:03}"));
            owe_callback(store, id);
        }
    });
    let harness = fixture.harness();
    harness.run();
    let ranking_len = harness.state().journal.as_ref().unwrap().ranking.len();
    assert_eq!(ranking_len, COUNT);
    assert!(
        harness
            .query_by_label_contains("more further down")
            .is_none()
    );
    harness.key_press_modifiers(Modifiers::COMMAND, Key::J);
    harness.run();
    for _ in 1..COUNT {
        harness.key_press(Key::ArrowDown);
        harness.run();
    }
    let last = harness.state().journal.as_ref().unwrap().ranking[COUNT - 1]
        .name
        .clone();
    harness.key_press(Key::Enter);
    harness.run();
    let opened = harness
        .state()
        .selected
        .and_then(|id| harness.state().journal.as_ref().unwrap().customer(id))
        .map(|c| c.name.clone());
    assert_eq!(opened, Some(last));
}

/// The keyboard table's second row: a reached call with a note is two chords (Ctrl+L, type,
/// Enter), and stays two.
#[test]
fn a_reached_call_with_a_note_takes_two_chords() {
    let mut fixture = app_with(&["Maria Keller"]);
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Maria Keller");
    let mut chords = Chords { harness, count: 0 };
    chords.press(Modifiers::COMMAND, Key::L);
    chords
        .harness
        .get_by_label("What was said")
        .type_text("Happy with the delivery");
    chords.harness.run();
    chords.press(Modifiers::NONE, Key::Enter);
    assert_eq!(chords.count, 2);
    assert_eq!(notice(chords.harness), "Saved: Contact for Maria Keller.");
}

/// Every dialog opens with focus in its first field and Tab follows the visual order.
#[test]
fn the_customer_form_opens_on_its_first_field_and_tab_follows_the_visual_order() {
    let mut fixture = app_with(&[]);
    let harness = fixture.harness();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::N);
    harness.run();
    let order = [
        "Name",
        "Company",
        "Phone",
        "Email",
        "Tags",
        "Cadence (days)",
        "Notes",
    ];
    for (n, label) in order.iter().enumerate() {
        if n > 0 {
            harness.key_press(Key::Tab);
            harness.run();
        }
        assert!(
            harness.get_by_label(label).is_focused(),
            "{label} has focus after {n} Tab presses"
        );
    }
}

/// The promise form: the text, then When, then the due date (the calendar is no Tab stop).
#[test]
fn the_promise_form_tabs_from_text_to_when_to_due() {
    let mut fixture = app_with(&["Maria Keller"]);
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Maria Keller");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::P);
    harness.run();
    for (n, label) in ["What you promised", "When", "Due"].iter().enumerate() {
        if n > 0 {
            harness.key_press(Key::Tab);
            harness.run();
        }
        assert!(harness.get_by_label(label).is_focused(), "{label}");
    }
}

/// Opening another journal clears the selection and the search.
#[test]
fn opening_another_journal_clears_selection_and_search() {
    let mut fixture = app_with(&["Maria Keller"]);
    let other = fixture._dir.path().join("other.sqlite3");
    {
        let mut store = Store::open(&other).unwrap();
        add_named(&mut store, "Zoe Other");
    }
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Maria Keller");
    type_into(harness, "Search", "Mar");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::O);
    harness.run();
    assert!(harness.get_by_label("Journal file").is_focused());
    replace_text(harness, "Journal file", &other.display().to_string());
    harness.key_press(Key::Enter);
    harness.run();
    assert_eq!(harness.state().journal_path(), other.as_path());
    assert_eq!(harness.state().selected, None);
    assert_eq!(harness.get_by_label("Search").value().as_deref(), Some(""));
    let listed = harness
        .get_all_by(|n| n.label().is_some_and(|l| l.starts_with("Zoe Other")))
        .count();
    assert!(listed >= 1, "the other journal's customer is listed");
}

/// Two records of one company (an import made them) become one: entries move, empty
/// details are filled, the second record goes; Undo brings both back as they were.
#[test]
fn merging_two_records_of_one_customer_moves_their_entries_and_undo_brings_both_back() {
    let mut fixture = app_from(|store| {
        let mut first = CustomerDraft::named("Maria Keller");
        first.company = "Keller Bakeries".into();
        store.add_customer(first, days_before_now(30)).unwrap();
        let mut twin = CustomerDraft::named("M. Keller");
        twin.company = "Keller Bakeries".into();
        twin.phone = "+49 30 555 0101".into();
        let twin = store.add_customer(twin, days_before_now(20)).unwrap().id;
        add_promise(store, twin, "Oven parts", 3);
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "M. Keller");
    harness.get_by_label("Merge into…").click();
    harness.run();
    harness
        .get_by_label("Maria Keller (Keller Bakeries)")
        .click();
    harness.run();
    harness.get_by_label("Merge").click();
    harness.run();
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
    assert_eq!(
        notice(harness),
        "Merged M. Keller into Maria Keller: 1 entry moved. Undo takes it back."
    );
    assert_eq!(customer_names(harness), vec!["Maria Keller".to_owned()]);
    let journal = harness.state().journal.as_ref().unwrap();
    let maria = &journal.customers[0];
    assert_eq!(maria.phone, "+49 30 555 0101", "the empty phone was filled");
    assert_eq!(journal.timeline.len(), 1, "the promise moved to Maria");

    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert_eq!(
        notice(harness),
        "Undone: both customers are back, each with their own entries."
    );
    let mut names = customer_names(harness);
    names.sort();
    assert_eq!(
        names,
        vec!["M. Keller".to_owned(), "Maria Keller".to_owned()]
    );
    let journal = harness.state().journal.as_ref().unwrap();
    let maria = journal
        .customers
        .iter()
        .find(|c| c.name == "Maria Keller")
        .unwrap();
    assert_eq!(maria.phone, "", "Maria's details are as they were");
    assert!(
        journal.timeline.is_empty(),
        "the promise went back to M. Keller"
    );
}

/// The label of the widget with keyboard focus ("" when none has it).
fn focused_label(harness: &Harness<'static, CandorApp>) -> String {
    harness
        .get_all_by(|node| node.is_focused())
        .next()
        .and_then(|node| egui_kittest::kittest::NodeT::accesskit_node(&node).label())
        .unwrap_or_default()
}

/// Presses Tab after the first and records where focus lands, `count` stops in all.
fn tab_stops(harness: &mut Harness<'static, CandorApp>, count: usize) -> Vec<String> {
    let mut stops = vec![focused_label(harness)];
    for _ in 1..count {
        harness.key_press(Key::Tab);
        harness.run();
        stops.push(focused_label(harness));
    }
    stops
}

/// Setting the journal's currency and number format changes every amount on screen, and
/// typed amounts are read the new way.
#[test]
fn setting_the_currency_changes_the_amounts_on_the_timeline() {
    use candor::domain::{Cents, EntryDraft, Payment};
    let mut fixture = app_from(|store| {
        let ann = add_named(store, "Ann Keller");
        store
            .add_entry(
                EntryDraft {
                    customer_id: ann,
                    occurred_at: days_before_now(2),
                    summary: "Pump invoice".into(),
                    kind: EntryKind::Payment(Payment {
                        invoice_ref: "INV-7".into(),
                        amount: Cents(123_450),
                        due: now().date() + chrono::Duration::days(20),
                        paid_on: None,
                    }),
                },
                days_before_now(2),
            )
            .unwrap();
    });
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness.get_by_label_contains("INV-7 1,234.50 — due");

    open_menu_item(harness, "File", "Currency and number format…");
    assert_eq!(focused_label(harness), "Currency (ISO code)");
    harness.get_by_label("Currency (ISO code)").type_text("eur");
    harness.run();
    harness.get_by_label_contains("German (Germany)").click();
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    assert_eq!(notice(harness), "Amounts now read like 1.234,50\u{a0}€.");
    harness.get_by_label_contains("INV-7 1.234,50\u{a0}€ — due");
    assert!(harness.query_by_label_contains("1,234.50").is_none());

    // Typed the German way, read the German way.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::I);
    harness.run();
    type_into(harness, "Description", "Spare parts");
    replace_text(harness, "Amount", "2.500,75");
    harness.key_press(Key::Enter);
    harness.run();
    harness.get_by_label_contains("2.500,75\u{a0}€ — due");

    // An amount that reads two ways is refused, with how to write it.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::I);
    harness.run();
    type_into(harness, "Description", "Freight");
    replace_text(harness, "Amount", "1,250");
    harness.key_press(Key::Enter);
    harness.run();
    harness.get_by_label_contains("can be read more than one way");

    // Stored in the journal: another window (or the CLI) reads the same setting.
    let path = harness
        .state()
        .journal
        .as_ref()
        .unwrap()
        .store
        .path()
        .to_path_buf();
    let other = Store::open(&path).unwrap();
    assert_eq!(
        other.money_format().unwrap(),
        candor::domain::MoneyFormat::new(
            Some(candor::domain::Currency::Eur),
            candor::domain::NumberLocale::DeDe
        )
    );
}

/// Delete customer (Ctrl+Delete, or Edit → Delete customer) moves them to the trash with an
/// Undo offer; the trash restores them, and purges them only after confirmation.
#[test]
fn a_deleted_customer_goes_to_the_trash_and_comes_back_with_undo_or_restore() {
    let mut fixture = app_with(&["Ann Keller", "Bob Marsh"]);
    let harness = fixture.harness();
    harness.run();
    select_customer(harness, "Ann Keller");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Delete);
    harness.run();
    assert_eq!(customer_names(harness), ["Bob Marsh"]);
    assert!(
        notice(harness).starts_with("Moved Ann Keller to the trash. Undo ("),
        "{}",
        notice(harness)
    );
    let ann = harness
        .state()
        .journal
        .as_ref()
        .unwrap()
        .store
        .deleted_customers()
        .unwrap()[0]
        .0
        .id;
    assert_ne!(harness.state().selected, Some(ann), "no longer open");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert_eq!(customer_names(harness), ["Ann Keller", "Bob Marsh"]);

    select_customer(harness, "Ann Keller");
    // The menu entry shows its shortcut beside the label.
    harness.get_by_label("Edit").click();
    harness.run();
    harness.get_by_label_contains("Delete customer").click();
    harness.run();
    assert_eq!(customer_names(harness), ["Bob Marsh"]);
    open_menu_item(harness, "Edit", "Trash…");
    harness.get_by_label("Customer: Ann Keller — Ann Keller Ltd");
    harness.get_by_label("Restore").click();
    harness.run();
    assert_eq!(notice(harness), "Restored Ann Keller from the trash.");
    harness.get_by_label("The trash is empty.");
    harness.key_press(Key::Escape);
    harness.run();
    assert_eq!(customer_names(harness), ["Ann Keller", "Bob Marsh"]);

    select_customer(harness, "Bob Marsh");
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Delete);
    harness.run();
    open_menu_item(harness, "Edit", "Trash…");
    harness.get_by_label("Delete for good…").click();
    harness.run();
    harness.get_by_label("Confirm: delete for good").click();
    harness.run();
    assert_eq!(
        notice(harness),
        "Deleted the customer and their history for good."
    );
    let journal = harness.state().journal.as_ref().unwrap();
    assert!(journal.store.deleted_customers().unwrap().is_empty());
    assert_eq!(customer_names(harness), ["Ann Keller"]);
    // Undo has nothing of Bob's left to try.
    harness.key_press(Key::Escape);
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run();
    assert!(
        harness.state().errors.is_empty(),
        "{:?}",
        harness.state().errors
    );
}

/// File → Export… opens on its first field, Tab follows the visual order, and Esc after
/// typing keeps a draft that comes back.
#[test]
fn the_export_dialog_opens_on_its_first_field_tabs_in_order_and_keeps_a_draft() {
    let mut fixture = app_with(&["Maria Keller"]);
    let out = fixture._dir.path().join("for the manager.csv");
    let harness = fixture.harness();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    assert_eq!(
        tab_stops(harness, 12),
        [
            "Customers",
            "Timeline",
            "Promises",
            "Call them first",
            "Announcements",
            "From",
            "To",
            "Excel-friendly (UTF-8 with a byte-order mark)",
            "Save to file",
            "Browse…",
            "Export",
            "Cancel",
        ]
    );
    replace_text(harness, "Save to file", &out.display().to_string());
    harness.key_press(Key::Escape);
    harness.run();
    assert!(harness.query_by_label("Save to file").is_none(), "closed");
    assert!(
        notice(harness).starts_with("Draft kept"),
        "{}",
        notice(harness)
    );
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    assert_eq!(
        harness.get_by_label("Save to file").value().as_deref(),
        Some(out.display().to_string().as_str())
    );
    assert_eq!(notice(harness), "Your draft is back, as you left it.");
    assert_eq!(focused_label(harness), "Customers");
    // Cancel discards it.
    harness.get_by_label("Cancel").click();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::E);
    harness.run();
    assert_ne!(
        harness.get_by_label("Save to file").value().as_deref(),
        Some(out.display().to_string().as_str())
    );
}

/// File → Import… opens on the file field, Tab follows the visual order, and Esc after
/// typing keeps the file chosen.
#[test]
fn the_import_dialog_opens_on_its_file_field_tabs_in_order_and_keeps_a_draft() {
    let mut fixture = app_with(&["Maria Keller"]);
    let file = fixture._dir.path().join("contacts.csv");
    std::fs::write(&file, "Name,Email\r\nTom Ortega,tom@example.com\r\n").unwrap();
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Import…");
    assert_eq!(
        tab_stops(harness, 5),
        ["File to import", "Browse…", "Preview", "Import", "Cancel"]
    );
    replace_text(harness, "File to import", &file.display().to_string());
    harness.key_press(Key::Escape);
    harness.run();
    assert!(harness.query_by_label("File to import").is_none(), "closed");
    open_menu_item(harness, "File", "Import…");
    assert_eq!(
        harness.get_by_label("File to import").value().as_deref(),
        Some(file.display().to_string().as_str())
    );
    assert_eq!(notice(harness), "Your draft is back, as you left it.");
    assert!(
        harness.get_all_by_label_contains(": 1 rows.").count() > 0,
        "the preview is read again"
    );
    assert_eq!(focused_label(harness), "File to import");
}

/// Back up now… and Restore from backup… open with focus on their first field; the backup
/// dialog tabs in order and keeps a typed file as a draft on Esc.
#[test]
fn the_backup_and_restore_dialogs_open_with_focus_and_the_backup_keeps_a_draft() {
    let mut fixture = app_with(&["Maria Keller"]);
    let copy = fixture._dir.path().join("copy for the laptop.sqlite3");
    let harness = fixture.harness();
    harness.run();
    open_menu_item(harness, "File", "Back up now…");
    assert_eq!(
        tab_stops(harness, 3),
        ["Or to this file", "Back up", "Cancel"]
    );
    replace_text(harness, "Or to this file", &copy.display().to_string());
    harness.key_press(Key::Escape);
    harness.run();
    assert!(
        harness.query_by_label("Or to this file").is_none(),
        "closed"
    );
    open_menu_item(harness, "File", "Back up now…");
    assert_eq!(
        harness.get_by_label("Or to this file").value().as_deref(),
        Some(copy.display().to_string().as_str())
    );
    harness.get_by_label("Back up").click();
    harness.step();
    wait_for_job(harness);
    assert!(copy.exists());
    // Saved: the next backup starts empty.
    open_menu_item(harness, "File", "Back up now…");
    assert_eq!(
        harness.get_by_label("Or to this file").value().as_deref(),
        Some("")
    );
    harness.get_by_label("Back up").click();
    harness.step();
    wait_for_job(harness);

    open_menu_item(harness, "File", "Restore from backup…");
    let focused = focused_label(harness);
    assert!(
        focused.contains("1 customer"),
        "the chosen backup: {focused}"
    );
    harness.key_press(Key::Tab);
    harness.run();
    assert_ne!(focused_label(harness), focused, "Tab moves on");
}

/// The currency and announcement dialogs keep what was typed as a draft too: Esc (and the
/// announcements' Close button) is never a silent discard, and Cancel is.
#[test]
fn currency_and_announcement_forms_keep_a_draft_on_escape() {
    let mut fixture = app_with(&["Maria Keller"]);
    let harness = fixture.harness();
    harness.run();

    open_menu_item(harness, "File", "Currency and number format…");
    harness.get_by_label("Currency (ISO code)").type_text("CHF");
    harness.run();
    harness.key_press(Key::Escape);
    harness.run();
    assert!(
        harness.query_by_label("Currency (ISO code)").is_none(),
        "closed"
    );
    assert!(
        notice(harness).starts_with("Draft kept"),
        "{}",
        notice(harness)
    );
    open_menu_item(harness, "File", "Currency and number format…");
    assert_eq!(
        harness
            .get_by_label("Currency (ISO code)")
            .value()
            .as_deref(),
        Some("CHF")
    );
    assert_eq!(notice(harness), "Your draft is back, as you left it.");
    harness.get_by_label("Cancel").click();
    harness.run();
    open_menu_item(harness, "File", "Currency and number format…");
    assert_eq!(
        harness
            .get_by_label("Currency (ISO code)")
            .value()
            .as_deref(),
        Some(""),
        "Cancel discarded the draft"
    );
    harness.key_press(Key::Escape);
    harness.run();

    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::A);
    harness.run();
    type_into(harness, "Title", "Prices rise 4%");
    harness.key_press(Key::Escape);
    harness.run();
    assert!(harness.query_by_label("Title").is_none(), "closed");
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::A);
    harness.run();
    assert_eq!(
        harness.get_by_label("Title").value().as_deref(),
        Some("Prices rise 4%")
    );
    harness.get_by_label("Close").click();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::A);
    harness.run();
    assert_eq!(
        harness.get_by_label("Title").value().as_deref(),
        Some("Prices rise 4%"),
        "Close keeps the typed form too"
    );
}
