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
    harness.get_by_label("Deliver bad news about it…").click();
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
