//! Never lose a customer's history: kill -9 in the middle of writes, two processes on one
//! journal, files that are not journals, migrations, hostile text, read-only and full
//! disks, and backups and restores.
//!
//! Child processes are this test binary re-executed on one ignored test (named in an
//! environment variable's test), so no test code ships in the product.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use candor::backup_policy::{self, BackupError};
use candor::domain::{
    Cents, CustomerDraft, CustomerId, EntryDraft, EntryId, EntryKind, Payment, Promise,
    PromiseCategory,
};
use candor::store::{Store, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng as _};
use sha2::{Digest as _, Sha256};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
    day(y, m, d).and_hms_opt(10, 0, 0).unwrap()
}

fn now() -> NaiveDateTime {
    at(2026, 11, 20)
}

fn note(customer: CustomerId, summary: impl Into<String>) -> EntryDraft {
    EntryDraft {
        customer_id: customer,
        occurred_at: now(),
        summary: summary.into(),
        kind: EntryKind::Note,
    }
}

fn hash(path: &Path) -> Vec<u8> {
    Sha256::digest(fs::read(path).unwrap()).to_vec()
}

/// A journal with one customer (and `entries` notes) at `path`; returns the customer.
fn journal_with(path: &Path, entries: usize) -> CustomerId {
    let mut store = Store::open(path).unwrap();
    let customer = store
        .add_customer(CustomerDraft::named("Ada Lovelace"), now())
        .unwrap()
        .id;
    for i in 0..entries {
        store
            .add_entry(note(customer, format!("note {i}")), now())
            .unwrap();
    }
    customer
}

/// Runs this test binary again on the one ignored test `name`, with `env` set.
fn child(name: &str, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([
        "--exact",
        name,
        "--nocapture",
        "--include-ignored",
        "--test-threads=1",
    ]);
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

// ---------------------------------------------------------------------------------------
// kill -9

const KILL_DB: &str = "CANDOR_TEST_KILL_DB";
/// Milliseconds the child writer pauses between saves (none when unset).
const KILL_PAUSE_MS: &str = "CANDOR_TEST_KILL_PAUSE_MS";

#[cfg(unix)]
#[test]
#[ignore = "child process of the kill -9 test"]
fn kill_child_adds_entries_until_killed() {
    let Ok(db) = std::env::var(KILL_DB) else {
        return;
    };
    let mut store = Store::open(Path::new(&db)).unwrap();
    let customer = store.customers().unwrap()[0].id;
    let pause = std::env::var(KILL_PAUSE_MS)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis);
    let stdout = std::io::stdout();
    for i in 0.. {
        // The desktop app's save path: the quick-log form's fields become a draft, which
        // the store commits in one transaction before the app says "Saved".
        let mut form =
            candor::app::EntryForm::new(candor::domain::EntryKindTag::Note, customer, "Kill test");
        form.summary = format!("written before the kill {i}");
        let draft = form.to_draft(now()).unwrap();
        let entry = store.add_entry(draft, now()).unwrap();
        // Acknowledged only once add_entry returned, i.e. after the commit.
        let mut out = stdout.lock();
        writeln!(out, "ACK {}", entry.id.0).unwrap();
        out.flush().unwrap();
        drop(out);
        if let Some(pause) = pause {
            std::thread::sleep(pause);
        }
    }
}

#[cfg(unix)]
#[test]
fn kill_9_at_random_moments_loses_no_acknowledged_entry() {
    use std::os::unix::process::ExitStatusExt as _;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("journal.sqlite3");
    let customer = journal_with(&db, 0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = SmallRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut acknowledged: Vec<i64> = Vec::new();
    let mut kills_mid_write = 0;
    const KILLS: usize = 25;
    for round in 0..KILLS {
        let mut process = child(
            "kill_child_adds_entries_until_killed",
            &[(KILL_DB, db.to_str().unwrap())],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        let mut stdout = process.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stdout.read_to_end(&mut bytes);
            bytes
        });
        std::thread::sleep(Duration::from_millis(rng.random_range(5..400)));
        process.kill().unwrap(); // SIGKILL
        let status = process.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "round {round}: the child ended by itself ({status}); seed {seed}"
        );
        let bytes = reader.join().unwrap();
        let text = String::from_utf8_lossy(&bytes);
        // Only complete lines: a line cut by the kill was not acknowledged.
        let complete = match text.rfind('\n') {
            Some(end) => &text[..end],
            None => "",
        };
        let before = acknowledged.len();
        acknowledged.extend(
            complete
                .lines()
                // The first ack shares its line with libtest's "test … " banner.
                .filter_map(|line| line.split_once("ACK ").map(|(_, id)| id))
                .map(|id| id.trim().parse::<i64>().unwrap()),
        );
        if acknowledged.len() > before {
            kills_mid_write += 1;
        }
    }
    let store = Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()), "seed {seed}");
    for id in &acknowledged {
        store
            .entry(EntryId(*id))
            .unwrap_or_else(|e| panic!("acknowledged entry {id} is missing ({e}); seed {seed}"));
    }
    let stored = store.timeline(customer).unwrap().len();
    assert!(stored >= acknowledged.len());
    assert_eq!(
        store.customer_stats(customer).unwrap().entry_count as usize,
        stored,
        "the summary drifted from the entries"
    );
    eprintln!(
        "kill -9: {KILLS} kills ({kills_mid_write} while writing), {} acknowledged, {stored} stored, {:.1} s, seed {seed}",
        acknowledged.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        kills_mid_write >= KILLS / 2,
        "too few kills landed while the child was writing ({kills_mid_write}); seed {seed}"
    );
}

// ---------------------------------------------------------------------------------------
// Two processes, one journal

const TWO_DB: &str = "CANDOR_TEST_TWO_DB";
const TWO_TAG: &str = "CANDOR_TEST_TWO_TAG";
const TWO_N: usize = 150;

#[test]
#[ignore = "child process of the two-processes test"]
fn two_processes_child_adds_entries() {
    let (Ok(db), Ok(tag)) = (std::env::var(TWO_DB), std::env::var(TWO_TAG)) else {
        return;
    };
    let mut store = Store::open(Path::new(&db)).unwrap();
    let customer = store.customers().unwrap()[0].id;
    let first_version = store.data_version().unwrap();
    let mut busy = 0;
    for i in 0..TWO_N {
        let draft = note(customer, format!("{tag} {i}"));
        loop {
            // The form keeps its content: the draft is cloned, never lost on a retry.
            match store.add_entry(draft.clone(), now()) {
                Ok(_) => break,
                Err(e) if e.is_busy() => {
                    busy += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("{tag}: {e}"),
            }
        }
    }
    // Each process picks up the other's writes: wait (briefly) for all of them.
    let deadline = Instant::now() + Duration::from_secs(20);
    while store.timeline(customer).unwrap().len() < 2 * TWO_N {
        assert!(
            Instant::now() < deadline,
            "{tag} never saw the other's entries"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let saw_other = store.data_version().unwrap() != first_version;
    println!("DONE {tag} busy={busy} saw_other={saw_other}");
}

#[test]
fn two_processes_writing_the_same_journal_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("journal.sqlite3");
    let customer = journal_with(&db, 0);
    let started = Instant::now();
    let children: Vec<_> = ["A", "B"]
        .iter()
        .map(|tag| {
            child(
                "two_processes_child_adds_entries",
                &[(TWO_DB, db.to_str().unwrap()), (TWO_TAG, tag)],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut saw_other = 0;
    for process in children {
        let output = process.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("DONE"),
            "a writer failed: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        if stdout.contains("saw_other=true") {
            saw_other += 1;
        }
        for line in stdout.lines().filter(|l| l.contains("DONE")) {
            eprintln!("{}", &line[line.find("DONE").unwrap_or(0)..]);
        }
    }
    let store = Store::open(&db).unwrap();
    let summaries: BTreeSet<String> = store
        .timeline(customer)
        .unwrap()
        .into_iter()
        .map(|e| e.summary)
        .collect();
    for tag in ["A", "B"] {
        for i in 0..TWO_N {
            assert!(summaries.contains(&format!("{tag} {i}")), "{tag} {i} lost");
        }
    }
    assert_eq!(summaries.len(), 2 * TWO_N);
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    // The one that finished first at least saw the other's later writes.
    assert!(saw_other >= 1, "neither process saw data_version change");
    eprintln!(
        "two processes: {} entries in {:.1} s",
        2 * TWO_N,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_second_window_sees_the_first_ones_writes_through_data_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("journal.sqlite3");
    let customer = journal_with(&db, 0);
    let mut first = Store::open(&db).unwrap();
    let second = Store::open(&db).unwrap();
    let seen = second.data_version().unwrap();
    first
        .add_entry(note(customer, "from the first window"), now())
        .unwrap();
    assert_ne!(second.data_version().unwrap(), seen);
    assert_eq!(second.timeline(customer).unwrap().len(), 1);
}

#[test]
fn a_write_that_cannot_get_the_lock_says_so_and_the_draft_survives() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("journal.sqlite3");
    journal_with(&db, 0);
    let mut store = Store::open(&db).unwrap();
    // Another process holds the write lock longer than the busy timeout.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let draft = CustomerDraft::named("Grace Hopper");
    let started = Instant::now();
    let error = store.add_customer(draft.clone(), now()).unwrap_err();
    assert!(error.is_busy(), "{error}");
    assert!(started.elapsed() >= Duration::from_secs(4));
    let message = error.to_string();
    assert!(
        message.contains("busy in another Candor window"),
        "{message}"
    );
    assert!(message.contains("nothing was saved"), "{message}");
    assert_ne!(message.trim(), "database is locked");
    other.execute_batch("ROLLBACK").unwrap();
    let saved = store.add_customer(draft, now()).unwrap();
    assert_eq!(saved.name, "Grace Hopper");
}

// ---------------------------------------------------------------------------------------
// Files that are not (good) journals

fn assert_refused(path: &Path, check: impl Fn(&StoreError) -> bool) {
    let before = hash(path);
    let error = Store::open(path).unwrap_err();
    assert!(check(&error), "{}: unexpected {error:?}", path.display());
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "the message does not name the file: {message}"
    );
    assert!(message.ends_with('.'), "not a sentence: {message}");
    assert!(!message.contains('\n'), "{message}");
    assert_eq!(hash(path), before, "{} was changed", path.display());
}

#[test]
fn a_csv_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.csv");
    fs::write(&path, "name,company\nAda,Analytical Engines\n").unwrap();
    assert_refused(&path, |e| matches!(e, StoreError::NotAJournal { .. }));
}

#[test]
fn a_foreign_sqlite_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat');").unwrap();
    }
    assert_refused(&path, |e| matches!(e, StoreError::NotAJournal { .. }));
}

#[test]
fn an_empty_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite3");
    fs::write(&path, b"").unwrap();
    assert_refused(&path, |e| matches!(e, StoreError::NotAJournal { .. }));
}

/// A journal with some history, closed cleanly (everything in the main file).
fn closed_journal(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    journal_with(&path, 200);
    assert!(!Path::new(&format!("{}-wal", path.display())).exists());
    path
}

#[test]
fn a_truncated_journal_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_journal(dir.path(), "journal.sqlite3");
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_refused(&path, |e| matches!(e, StoreError::Corrupt { .. }));
}

#[test]
fn a_journal_with_a_damaged_schema_page_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_journal(dir.path(), "journal.sqlite3");
    let mut bytes = fs::read(&path).unwrap();
    // Page 1 holds the schema; scribble over its b-tree after the 100-byte header.
    for byte in &mut bytes[100..400] {
        *byte = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    assert_refused(&path, |e| matches!(e, StoreError::Corrupt { .. }));
}

#[test]
fn a_journal_from_a_newer_candor_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_journal(dir.path(), "journal.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    }
    assert_refused(&path, |e| matches!(e, StoreError::TooNew { found: 99, .. }));
}

/// Damage inside a data page is found by the start-up backup, which leaves the journal as
/// it is and points at the newest good backup.
#[test]
fn damage_inside_the_history_is_found_at_startup_and_a_good_backup_offered() {
    let dir = tempfile::tempdir().unwrap();
    let path = closed_journal(dir.path(), "journal.sqlite3");
    let good =
        backup_policy::startup_backup(&path, day(2026, 11, 19).and_hms_opt(9, 0, 0).unwrap())
            .unwrap()
            .unwrap();
    let mut bytes = fs::read(&path).unwrap();
    let page = 4096;
    let last_page = bytes.len() / page - 1;
    for byte in &mut bytes[last_page * page + 8..last_page * page + 600] {
        *byte = 0x5A;
    }
    fs::write(&path, &bytes).unwrap();
    let before = hash(&path);
    let error =
        match backup_policy::startup_backup(&path, day(2026, 11, 20).and_hms_opt(9, 0, 0).unwrap())
        {
            Err(BackupError::Store(error)) => error,
            other => panic!("the damage went unnoticed: {other:?}"),
        };
    assert!(backup_policy::offers_restore(&error), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()));
    assert_eq!(hash(&path), before);
    let offered = backup_policy::newest_good_backup(&path).unwrap().unwrap();
    assert_eq!(offered.path, good);
    assert_eq!(offered.customer_count, Ok(1));
    // Restoring keeps the damaged file byte for byte and brings the history back.
    let report = backup_policy::restore(&path, &offered.path, now()).unwrap();
    let kept = report.previous.unwrap();
    assert_eq!(hash(&kept), before);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    assert_eq!(store.customer_count().unwrap(), 1);
    let customer = store.customers().unwrap()[0].id;
    assert_eq!(store.timeline(customer).unwrap().len(), 200);
}

// ---------------------------------------------------------------------------------------
// Migration

#[test]
fn a_version_1_journal_is_backed_up_then_upgraded_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    Store::create_v1_for_tests(&path).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            r#"
            INSERT INTO customers (id, name, company, tags, cadence_days, created_at, updated_at)
                VALUES (1, 'Ada Lovelace', 'Engines', '["key account"]', 7,
                        '2026-01-05T09:00:00', '2026-01-05T09:00:00'),
                       (2, 'Bo Diddley', '', '[]', 14,
                        '2026-01-06T09:00:00', '2026-01-06T09:00:00');
            INSERT INTO entries (customer_id, kind, occurred_at, summary, channel, direction,
                                 outcome, is_open, created_at, updated_at)
                VALUES (1, 'contact', '2026-02-01T10:00:00', 'Called, all well', 'call',
                        'outbound', 'reached', 0, '2026-02-01T10:00:00', '2026-02-01T10:00:00'),
                       (1, 'contact', '2026-02-03T10:00:00', 'Missed their call', 'call',
                        'inbound', 'no_answer', 0, '2026-02-03T10:00:00', '2026-02-03T10:00:00');
            INSERT INTO entries (customer_id, kind, occurred_at, summary, category, status,
                                 due_date, closed_on, renegotiations, is_open, created_at,
                                 updated_at)
                VALUES (1, 'promise', '2026-02-01T10:00:00', 'Send the quote', 'information',
                        'kept', '2026-02-05', '2026-02-04', '[]', 0, '2026-02-01T10:00:00',
                        '2026-02-04T10:00:00'),
                       (2, 'promise', '2026-02-01T10:00:00', 'Deliver the parts', 'delivery',
                        'broken', '2026-02-05', '2026-02-06', '[]', 0, '2026-02-01T10:00:00',
                        '2026-02-06T10:00:00');
            "#,
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(&fresh_dir.path().join("fresh.sqlite3")).unwrap();
    assert_eq!(store.version().unwrap(), fresh.version().unwrap());
    assert_eq!(store.schema_dump().unwrap(), fresh.schema_dump().unwrap());
    let ada = store.customer_stats(CustomerId(1)).unwrap();
    assert_eq!(ada.entry_count, 3);
    assert_eq!(ada.promises_kept, 1);
    assert_eq!(ada.last_reached_at, Some(at(2026, 2, 1)));
    assert_eq!(
        ada.callback_owed_since,
        Some(day(2026, 2, 3).and_hms_opt(10, 0, 0).unwrap())
    );
    assert_eq!(
        store.customer_stats(CustomerId(2)).unwrap().promises_broken,
        1
    );
    assert_eq!(store.timeline(CustomerId(1)).unwrap().len(), 3);
    assert_eq!(store.integrity_check().unwrap(), Ok(()));

    // The version-1 file as it was is in backups/, labelled.
    let listed = backup_policy::list_backups(&path).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].label.starts_with("before-upgrade-v1"),
        "{listed:?}"
    );
    assert_eq!(listed[0].customer_count, Ok(2));
    let old = rusqlite::Connection::open(&listed[0].path).unwrap();
    let version: i32 = old
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, 1);
    drop(store);
    // Opening again upgrades nothing and backs up nothing more.
    Store::open(&path).unwrap();
    assert_eq!(backup_policy::list_backups(&path).unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Hostile text

const HOSTILE: &[char] = &[
    '\0',
    '\u{202E}',
    '\u{200F}',
    '\u{0301}',
    '\u{0308}',
    '\u{200D}',
    '\u{FEFF}',
    '👍',
    '👩',
    '🏽',
    'א',
    'ب',
    'ﷺ',
    '𝕏',
    '\u{10FFFF}',
    '"',
    '\'',
    ',',
    '\n',
    '\r',
    '\t',
    ';',
    '%',
    '_',
];

fn hostile_text(max: usize) -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    proptest::collection::vec(
        prop_oneof![
            3 => any::<char>(),
            2 => proptest::sample::select(HOSTILE),
            1 => proptest::char::range('a', 'z'),
        ],
        0..max,
    )
    .prop_map(String::from_iter)
}

#[test]
fn any_unicode_round_trips_exactly_through_the_store() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let dir = tempfile::tempdir().unwrap();
    let store = std::cell::RefCell::new(Store::open(&dir.path().join("journal.sqlite3")).unwrap());
    let fields = (
        hostile_text(40),
        hostile_text(40),
        hostile_text(20),
        hostile_text(200),
        proptest::collection::vec(hostile_text(12), 0..4),
        hostile_text(300),
        proptest::option::of((hostile_text(10), hostile_text(10))),
    );
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &fields,
            |(name, company, phone, notes, tags, summary, email_parts)| {
                // Control characters are refused (one-line fields) or only tab and newline
                // kept (free text): see control_characters_are_refused_at_the_store.
                let line =
                    |s: String| -> String { s.chars().filter(|c| !c.is_control()).collect() };
                let text = |s: String| -> String {
                    s.chars()
                        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
                        .collect()
                };
                let unix_lines = |s: &str| s.replace("\r\n", "\n").replace('\r', "\n");
                let (company, phone, notes, summary) =
                    (line(company), line(phone), text(notes), text(summary));
                let tags: Vec<String> = tags.into_iter().map(line).collect();
                // A leading letter: see a_name_starting_with_a_nul_byte_is_refused_clearly.
                let name = format!("x{}", line(name));
                let email = match email_parts {
                    Some((local, domain)) => {
                        let clean = |s: String| -> String {
                            s.chars()
                                .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '@')
                                .collect()
                        };
                        format!("{}a@{}b", clean(local), clean(domain))
                    }
                    None => String::new(),
                };
                let draft = CustomerDraft {
                    name: name.clone(),
                    company: company.clone(),
                    phone: phone.clone(),
                    email: email.clone(),
                    notes: notes.clone(),
                    tags: tags.clone(),
                    ..CustomerDraft::default()
                };
                let expected = draft.clone().validated().unwrap();
                prop_assert_eq!(&expected.name, name.trim());
                prop_assert_eq!(&expected.company, company.trim());
                prop_assert_eq!(&expected.phone, phone.trim());
                prop_assert_eq!(&expected.email, email.trim());
                prop_assert_eq!(&expected.notes, &unix_lines(&notes));
                let mut store = store.borrow_mut();
                let saved = store.add_customer(draft, now()).unwrap();
                let read = store.customer(saved.id).unwrap();
                prop_assert_eq!(&read, &saved);
                prop_assert_eq!(read.to_draft(), expected);

                let summary = format!("{summary}.");
                let entry = store
                    .add_entry(note(saved.id, summary.clone()), now())
                    .unwrap();
                let read = store.entry(entry.id).unwrap();
                let expected_summary = unix_lines(summary.trim());
                prop_assert_eq!(&read.summary, &expected_summary);
                prop_assert_eq!(
                    &store.timeline(saved.id).unwrap()[0].summary,
                    &expected_summary
                );
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(store.borrow().integrity_check().unwrap(), Ok(()));
}

/// SQLite's `length()` stops at the first NUL, so the schema's `CHECK
/// (length(trim(name)) > 0)` refuses a name that starts with one, and the refusal arrives
/// as a raw SQLite error. Needs a rule in `CustomerDraft::validated` (domain, not this
/// test's owner's file).
#[test]
fn a_name_starting_with_a_nul_byte_is_refused_clearly() {
    let mut store = Store::open_in_memory().unwrap();
    let error = store
        .add_customer(CustomerDraft::named("\0Ada"), now())
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
    assert!(error.to_string().contains("control character"), "{error}");
}

#[test]
fn a_100_kb_note_with_every_kind_of_hostile_character_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
    // Every hostile character free text may hold (a NUL or a lone carriage return may
    // not: see control_characters_are_refused_at_the_store), up to the 100 KB limit.
    let block: String = HOSTILE
        .iter()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .chain(['x', 'y'].iter())
        .collect();
    let mut long = String::new();
    while long.len() + block.len() + "startend".len() <= 100 * 1024 {
        long.push_str(&block);
    }
    let long = format!("start{long}end");
    assert!(long.len() > 100 * 1024 - block.len(), "{}", long.len());
    let mut draft = CustomerDraft::named("مرحبا 👩‍👩‍👧 e\u{0301}\u{200D} نام");
    draft.notes = long.clone();
    let customer = store.add_customer(draft.clone(), now()).unwrap();
    assert_eq!(customer.name, draft.name);
    assert_eq!(customer.notes, long);
    let entry = store
        .add_entry(note(customer.id, long.clone()), now())
        .unwrap();
    assert_eq!(store.entry(entry.id).unwrap().summary, long);
    // And it survives a backup and a restore byte for byte.
    let path = store.path().to_path_buf();
    drop(store);
    let info = backup_policy::back_up_now(&path, None, now()).unwrap();
    let mut store = Store::open(&path).unwrap();
    store
        .add_entry(note(customer.id, "after the backup"), now())
        .unwrap();
    drop(store);
    backup_policy::restore(&path, &info.path, at(2026, 11, 21)).unwrap();
    let store = Store::open(&path).unwrap();
    let timeline = store.timeline(customer.id).unwrap();
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].summary, long);
    assert_eq!(store.customer(customer.id).unwrap().name, draft.name);
}

// ---------------------------------------------------------------------------------------
// Unlucky input: validation through the store

#[test]
fn invalid_values_are_refused_by_the_store_with_a_sentence_and_nothing_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
    let customer = store
        .add_customer(CustomerDraft::named("Ada"), now())
        .unwrap()
        .id;
    let mut zero = CustomerDraft::named("Bo");
    zero.cadence_days = 0;
    let refusals: Vec<(StoreError, &str)> = vec![
        (store.add_customer(zero, now()).unwrap_err(), "cadence"),
        (
            store
                .add_customer(CustomerDraft::named("  "), now())
                .unwrap_err(),
            "needs a name",
        ),
        (
            store
                .add_entry(
                    EntryDraft {
                        occurred_at: at(1850, 1, 1),
                        ..note(customer, "far too early")
                    },
                    now(),
                )
                .unwrap_err(),
            "out of range",
        ),
        (
            store
                .add_entry(
                    EntryDraft {
                        occurred_at: at(2300, 1, 1),
                        ..note(customer, "far too late")
                    },
                    now(),
                )
                .unwrap_err(),
            "out of range",
        ),
        (
            store
                .add_entry(
                    EntryDraft {
                        kind: EntryKind::Promise(Promise::new(
                            day(2026, 11, 1),
                            PromiseCategory::Delivery,
                        )),
                        ..note(customer, "deliver the parts")
                    },
                    now(),
                )
                .unwrap_err(),
            "before the promise was made",
        ),
        (
            store
                .add_entry(
                    EntryDraft {
                        kind: EntryKind::Payment(Payment {
                            invoice_ref: "INV-1".into(),
                            amount: Cents(-500),
                            due: day(2026, 12, 1),
                            paid_on: None,
                        }),
                        ..note(customer, "invoice")
                    },
                    now(),
                )
                .unwrap_err(),
            "above zero",
        ),
    ];
    for (error, expected) in refusals {
        assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
        let message = error.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(message.ends_with('.'), "{message}");
    }
    assert_eq!(store.customer_count().unwrap(), 1);
    assert!(store.timeline(customer).unwrap().is_empty());
    assert!(Cents::parse("-12.50").unwrap_err().0.contains("negative"));
}

// ---------------------------------------------------------------------------------------
// Unlucky disks: read-only, folder deleted, full

/// A tmpfs mounted for one test, unmounted when dropped; `None` where mounting is not
/// allowed (not root), and the test says it skipped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(Self {
            dir: dir.to_path_buf(),
        })
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "remount {options} failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

#[test]
fn a_journal_on_a_read_only_disk_says_so_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mount) = Tmpfs::mount(&dir.path().join("disk"), "8m") else {
        return;
    };
    let path = mount.dir.join("journal.sqlite3");
    let customer = journal_with(&path, 20);
    let before = hash(&path);
    mount.remount("ro");
    match Store::open(&path) {
        Ok(mut store) => {
            assert!(store.is_read_only());
            assert_eq!(store.timeline(customer).unwrap().len(), 20);
            let error = store
                .add_customer(CustomerDraft::named("Grace"), now())
                .unwrap_err();
            assert!(
                matches!(error, StoreError::ReadOnlyDisk { .. }),
                "{error:?}"
            );
            assert!(error.to_string().contains("nothing was saved"), "{error}");
        }
        Err(error) => {
            // SQLite cannot open a WAL journal where it may not create the -shm file.
            let message = error.to_string();
            assert!(
                matches!(error, StoreError::ReadOnlyDisk { .. }),
                "{error:?}"
            );
            assert!(
                message.starts_with(&format!(
                    "The journal {} is on a read-only disk: nothing was saved",
                    path.display()
                )),
                "{message}"
            );
            eprintln!("read-only disk: {message}");
        }
    }
    // A backup onto the read-only disk fails cleanly too, saying why.
    let error = backup_policy::back_up_now(&path, None, now()).unwrap_err();
    eprintln!("backup onto a read-only disk: {error}");
    assert!(error.to_string().contains("read-only disk"), "{error}");
    // A new journal cannot be started there: the message says the disk is read-only, and
    // nothing is left behind.
    let listing = |dir: &Path| -> BTreeSet<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let before_listing = listing(&mount.dir);
    let error = Store::open(&mount.dir.join("new").join("journal.sqlite3")).unwrap_err();
    assert!(
        error.to_string().contains("the disk is read-only"),
        "{error}"
    );
    assert_eq!(listing(&mount.dir), before_listing);
    mount.remount("rw");
    assert_eq!(hash(&path), before);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timeline(customer).unwrap().len(), 20);
}

#[test]
fn a_full_disk_says_so_and_keeps_every_entry_already_saved() {
    let dir = tempfile::tempdir().unwrap();
    let Some(mount) = Tmpfs::mount(&dir.path().join("disk"), "1m") else {
        return;
    };
    let path = mount.dir.join("journal.sqlite3");
    let customer = journal_with(&path, 0);
    let mut store = Store::open(&path).unwrap();
    let big = "Ω".repeat(20 * 1024);
    let mut saved = Vec::new();
    let error = loop {
        match store.add_entry(note(customer, format!("{} {big}", saved.len())), now()) {
            Ok(entry) => saved.push(entry.id),
            Err(error) => break error,
        }
        assert!(saved.len() < 1000, "the disk never filled up");
    };
    assert!(matches!(error, StoreError::DiskFull { .. }), "{error:?}");
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "The disk holding the journal is full; nothing was saved ({}): free some space and try again.",
            path.display()
        )
    );
    // A backup onto the full disk fails without leaving a half-written file, and says
    // where it could not go and why.
    let backup_error = backup_policy::back_up_now(&path, None, now()).unwrap_err();
    let backup_message = backup_error.to_string();
    eprintln!("full disk: {message} / backup: {backup_message}");
    assert!(
        backup_message.starts_with(&format!(
            "Cannot write the backup to {}",
            mount.dir.join("backups").display()
        )) && backup_message.contains(": the disk is full; nothing was written there"),
        "{backup_message}"
    );
    assert!(!backup_message.contains("os error"), "{backup_message}");
    // A backup onto the full disk fails without leaving a half-written file.
    let backup_error = backup_policy::back_up_now(&path, None, now()).unwrap_err();
    eprintln!("full disk: {message} / backup: {backup_error}");
    let leftovers: Vec<_> = fs::read_dir(mount.dir.join("backups"))
        .map(|read| read.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    for id in &saved {
        store.entry(*id).unwrap();
    }
    assert_eq!(store.timeline(customer).unwrap().len(), saved.len());
}

#[test]
fn a_journal_replaced_under_an_open_window_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let customer = journal_with(&path, 1);
    let other = dir.path().join("other.sqlite3");
    journal_with(&other, 3);
    let mut store = Store::open(&path).unwrap();
    // Someone copies another journal over it in the file manager while Candor runs.
    fs::rename(&other, &path).unwrap();
    let error = store
        .add_entry(note(customer, "into the replaced file"), now())
        .unwrap_err();
    assert!(error.to_string().contains("replaced"), "{error}");
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timeline(customer).unwrap().len(), 3);
}

#[test]
fn a_journal_whose_folder_was_deleted_refuses_writes_and_can_still_be_rescued() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("journals");
    let path = folder.join("journal.sqlite3");
    let customer = journal_with(&path, 5);
    let mut store = Store::open(&path).unwrap();
    fs::remove_dir_all(&folder).unwrap();
    let error = store
        .add_entry(note(customer, "written after the folder went"), now())
        .unwrap_err();
    assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("nothing was saved"), "{message}");
    assert!(message.contains("deleted"), "{message}");
    eprintln!("folder deleted: {message}");
    // What was saved is still reachable through the open journal: save a copy elsewhere.
    let rescue = dir.path().join("rescued.sqlite3");
    let info = store.snapshot_to(&rescue).unwrap();
    assert_eq!(info.customer_count, 1);
    drop(store);
    let rescued = Store::open(&rescue).unwrap();
    assert_eq!(rescued.timeline(customer).unwrap().len(), 5);
}

// ---------------------------------------------------------------------------------------
// Backups

#[test]
fn a_backup_counts_the_customers_a_restore_would_show_not_those_in_the_trash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 1);
    let mut store = Store::open(&path).unwrap();
    let leaving = store
        .add_customer(CustomerDraft::named("Grace Hopper"), now())
        .unwrap()
        .id;
    let before = store
        .snapshot_to(&dir.path().join("before.sqlite3"))
        .unwrap();
    assert_eq!(before.customer_count, 2);
    store.delete_customer(leaving, now()).unwrap();
    let after = store
        .snapshot_to(&dir.path().join("after.sqlite3"))
        .unwrap();
    assert_eq!(
        after.customer_count, 1,
        "the trashed customer is not counted"
    );
}

/// Makes the journal's time index disagree with its table, the kind of damage only
/// SQLite's full integrity check finds (the quick check does not match indexes against
/// their tables).
fn damage_an_index(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE INDEX entries_by_customer_time ON entries(customer_id, summary)'
             WHERE name = 'entries_by_customer_time';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    drop(conn);
    let conn = rusqlite::Connection::open(path).unwrap();
    let quick: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .unwrap();
    let full: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(quick, "ok");
    assert_ne!(full, "ok");
}

#[test]
fn the_daily_backup_is_quick_checked_and_the_weekly_one_and_a_restore_fully() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 3);
    // Monday 2026-11-16: the first backup of the week, fully checked, of a sound journal.
    let monday = day(2026, 11, 16).and_hms_opt(9, 0, 0).unwrap();
    assert!(
        backup_policy::startup_backup(&path, monday)
            .unwrap()
            .is_some()
    );
    damage_an_index(&path);
    // Tuesday: a daily backup, quick-checked, so the index fault goes unnoticed.
    let tuesday = day(2026, 11, 17).and_hms_opt(9, 0, 0).unwrap();
    let daily = backup_policy::startup_backup(&path, tuesday)
        .unwrap()
        .unwrap();
    // A backup taken by hand is quick-checked too.
    let by_hand = dir.path().join("by-hand.sqlite3");
    backup_policy::back_up_now(&path, Some(&by_hand), tuesday).unwrap();
    // The next Monday's backup is the week's: the full check finds the fault, names the
    // journal and the check, and leaves nothing behind.
    let next_monday = day(2026, 11, 23).and_hms_opt(9, 0, 0).unwrap();
    let before: BTreeSet<_> = fs::read_dir(backup_policy_dir(&path))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let error = backup_policy::startup_backup(&path, next_monday).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(&error, BackupError::Store(StoreError::Corrupt { path: p, .. }) if *p == path),
        "{error:?}"
    );
    assert!(message.contains("integrity check"), "{message}");
    let after: BTreeSet<_> = fs::read_dir(backup_policy_dir(&path))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after);
    // Restoring the quick-checked daily backup checks it fully first, and refuses it.
    let journal_before = hash(&path);
    let error = backup_policy::restore(&path, &daily, next_monday).unwrap_err();
    assert!(
        matches!(&error, BackupError::Store(StoreError::Corrupt { path: p, .. }) if *p == daily),
        "{error:?}"
    );
    assert_eq!(hash(&path), journal_before);
}

fn backup_policy_dir(journal: &Path) -> PathBuf {
    candor::store::backup_dir(journal)
}

#[test]
fn startup_backups_are_daily_rotated_and_listed_with_their_customer_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    assert_eq!(
        backup_policy::startup_backup(&path, day(2026, 1, 1).and_hms_opt(9, 0, 0).unwrap())
            .unwrap(),
        None
    );
    journal_with(&path, 3);
    let first = backup_policy::startup_backup(&path, day(2026, 1, 1).and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .unwrap();
    assert!(
        first
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("journal-backup-2026-01-01-")
    );
    // At most one a day.
    assert_eq!(
        backup_policy::startup_backup(&path, day(2026, 1, 1).and_hms_opt(9, 0, 0).unwrap())
            .unwrap(),
        None
    );
    // Sixty days of start-ups.
    let started = Instant::now();
    for offset in 1..60 {
        let today = day(2026, 1, 1) + chrono::Duration::days(offset);
        assert!(
            backup_policy::startup_backup(&path, today.and_hms_opt(9, 0, 0).unwrap())
                .unwrap()
                .is_some()
        );
    }
    eprintln!(
        "60 start-up backups with rotation: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let listed = backup_policy::list_backups(&path).unwrap();
    assert_eq!(
        listed.len(),
        backup_policy::KEEP_DAILY + backup_policy::KEEP_WEEKLY
    );
    assert!(listed.iter().all(|b| b.customer_count == Ok(1)));
    assert!(listed.windows(2).all(|w| w[0].taken_at > w[1].taken_at));
    assert_eq!(listed[0].taken_at.date(), day(2026, 3, 1));
    assert!(listed[0].describe().contains("1 customer"));
    // Nothing half-written is left behind.
    let names: Vec<String> = fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("journal-backup-")),
        "{names:?}"
    );
}

/// A journal with `customers` customers at `path`.
fn journal_of(path: &Path, customers: usize) {
    let mut store = Store::open(path).unwrap();
    for i in 0..customers {
        store
            .add_customer(CustomerDraft::named(format!("Customer {i}")), now())
            .unwrap();
    }
}

#[test]
fn two_journals_in_one_folder_each_get_their_own_backups() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite3");
    let work = dir.path().join("work.sqlite3");
    journal_of(&journal, 1);
    journal_of(&work, 3);
    // Candor's first versions named backups without the journal: they are the default
    // journal's.
    let old_style = dir.path().join("backups/candor-2025-12-20-090000.sqlite3");
    fs::create_dir_all(old_style.parent().unwrap()).unwrap();
    backup_policy::back_up_now(&journal, Some(&old_style), now()).unwrap();

    // Both journals start on the same day: each gets its daily backup.
    let first_day = day(2026, 1, 1).and_hms_opt(9, 0, 0).unwrap();
    let of_journal = backup_policy::startup_backup(&journal, first_day)
        .unwrap()
        .expect("the journal's daily backup");
    let of_work = backup_policy::startup_backup(&work, first_day)
        .unwrap()
        .expect("the second journal's daily backup is not skipped");
    assert_ne!(of_journal, of_work);
    assert!(
        of_work
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("work-backup-2026-01-01-"),
        "{}",
        of_work.display()
    );
    assert_eq!(
        backup_policy::startup_backup(&work, first_day).unwrap(),
        None
    );

    // Each lists only its own (the old-style one under the default journal).
    let listed = |path: &Path| -> Vec<(PathBuf, Result<usize, String>)> {
        backup_policy::list_backups(path)
            .unwrap()
            .into_iter()
            .map(|b| (b.path, b.customer_count))
            .collect()
    };
    assert_eq!(
        listed(&journal),
        [(of_journal.clone(), Ok(1)), (old_style.clone(), Ok(1))]
    );
    assert_eq!(listed(&work), [(of_work.clone(), Ok(3))]);
    assert_eq!(
        backup_policy::newest_good_backup(&work)
            .unwrap()
            .unwrap()
            .path,
        of_work
    );

    // Six weeks of start-ups of both: each journal's rotation keeps its own 7 daily and
    // 4 weekly, and never deletes the other's.
    for offset in 1..42 {
        let at = (day(2026, 1, 1) + chrono::Duration::days(offset))
            .and_hms_opt(9, 0, 0)
            .unwrap();
        assert!(
            backup_policy::startup_backup(&journal, at)
                .unwrap()
                .is_some()
        );
        assert!(backup_policy::startup_backup(&work, at).unwrap().is_some());
    }
    let kept = backup_policy::KEEP_DAILY + backup_policy::KEEP_WEEKLY;
    assert_eq!(listed(&journal).len(), kept);
    assert_eq!(listed(&work).len(), kept);
    assert!(listed(&work).iter().all(|(_, count)| *count == Ok(3)));
    assert!(listed(&journal).iter().all(|(_, count)| *count == Ok(1)));
    let files = fs::read_dir(dir.path().join("backups")).unwrap().count();
    assert_eq!(files, 2 * kept);

    // Restoring the work journal's newest backup saves it first as a work backup.
    let newest = listed(&work)[0].0.clone();
    let report = backup_policy::restore(&work, &newest, now()).unwrap();
    let previous = report.previous.unwrap();
    let previous_name = previous.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        previous_name.starts_with("work-backup-")
            && previous_name.ends_with("-before-restore.sqlite3"),
        "{previous_name}"
    );
    assert!(listed(&work).iter().any(|(path, _)| *path == previous));
    assert!(listed(&journal).iter().all(|(path, _)| *path != previous));
}

#[test]
fn leftovers_of_a_restore_interrupted_by_a_crash_are_removed_a_day_later() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 1);
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    let leftover = |name: &str, age: Option<std::time::SystemTime>| {
        let file = dir.path().join(name);
        fs::write(&file, b"half a copy").unwrap();
        if let Some(modified) = age {
            fs::File::options()
                .write(true)
                .open(&file)
                .unwrap()
                .set_modified(modified)
                .unwrap();
        }
        file
    };
    let stale = leftover(".journal.sqlite3.4242-0.restoring", Some(two_days_ago));
    let stale_partial = leftover(
        "..journal.sqlite3.4242-0.restoring.4242-1.partial",
        Some(two_days_ago),
    );
    // Another restore may be under way right now, and another journal's are its own.
    let fresh = leftover(".journal.sqlite3.4243-0.restoring", None);
    let someone_elses = leftover(".other.sqlite3.1-0.restoring", Some(two_days_ago));
    backup_policy::startup_backup(&path, day(2026, 1, 1).and_hms_opt(9, 0, 0).unwrap())
        .unwrap()
        .unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists());
    assert!(someone_elses.exists());
    assert!(!stale_partial.exists());
}

#[test]
fn backups_taken_at_the_same_moment_from_several_threads_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 50);
    let taken: Vec<PathBuf> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| backup_policy::back_up_now(&path, None, now()).unwrap().path))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let distinct: BTreeSet<&PathBuf> = taken.iter().collect();
    assert_eq!(distinct.len(), 4, "{taken:?}");
    let listed = backup_policy::list_backups(&path).unwrap();
    assert_eq!(listed.len(), 4);
    assert!(listed.iter().all(|b| b.customer_count == Ok(1)));
}

#[test]
fn a_backup_taken_while_another_process_writes_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("journal.sqlite3");
    journal_with(&db, 0);
    let mut writer = child(
        "kill_child_adds_entries_until_killed",
        &[(KILL_DB, db.to_str().unwrap())],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut taken = Vec::new();
    for i in 0..5 {
        let out = dir.path().join(format!("copy-{i}.sqlite3"));
        taken.push(backup_policy::back_up_now(&db, Some(&out), now()).unwrap());
        std::thread::sleep(Duration::from_millis(30));
    }
    writer.kill().unwrap();
    writer.wait().unwrap();
    for info in taken {
        let store = Store::open(&info.path).unwrap();
        assert_eq!(store.integrity_check().unwrap(), Ok(()));
        let customer = store.customers().unwrap()[0].id;
        assert_eq!(
            store.customer_stats(customer).unwrap().entry_count as usize,
            store.timeline(customer).unwrap().len()
        );
    }
}

#[test]
fn restore_backs_up_the_current_journal_first_and_other_windows_see_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let customer = journal_with(&path, 2);
    let backup = backup_policy::back_up_now(&path, None, at(2026, 11, 1)).unwrap();
    assert_eq!(backup.customer_count, Ok(1));
    {
        let mut store = Store::open(&path).unwrap();
        store
            .add_entry(note(customer, "after the backup"), now())
            .unwrap();
        store
            .add_customer(CustomerDraft::named("Later"), now())
            .unwrap();
    }
    // Another window has the journal open during the restore.
    let other_window = Store::open(&path).unwrap();
    let seen = other_window.data_version().unwrap();
    let report = backup_policy::restore(&path, &backup.path, now()).unwrap();
    assert_eq!(report.customer_count, 1);
    assert_ne!(other_window.data_version().unwrap(), seen);
    assert_eq!(other_window.customer_count().unwrap(), 1);
    assert_eq!(other_window.timeline(customer).unwrap().len(), 2);
    drop(other_window);
    // The journal as it was is a backup of its own.
    let previous = report.previous.unwrap();
    assert!(previous.to_string_lossy().contains("before-restore"));
    let before = Store::open(&previous).unwrap();
    assert_eq!(before.customer_count().unwrap(), 2);
    assert_eq!(before.timeline(customer).unwrap().len(), 3);
    let listed = backup_policy::list_backups(&path).unwrap();
    assert_eq!(listed.len(), 2);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
}

// ---------------------------------------------------------------------------------------
// A restore while another process has the journal open

const HOLD_DB: &str = "CANDOR_TEST_HOLD_DB";

#[test]
#[ignore = "child process of the restore-while-another-window-is-open test"]
fn restore_child_holds_the_journal_open_then_saves() {
    let Ok(db) = std::env::var(HOLD_DB) else {
        return;
    };
    let mut store = Store::open(Path::new(&db)).unwrap();
    println!("READY {}", store.customer_count().unwrap());
    std::io::stdout().flush().unwrap();
    let mut go = String::new();
    std::io::stdin().read_line(&mut go).unwrap();
    // The other window saves its customer form after the restore.
    match store.add_customer(CustomerDraft::named("Saved by the other window"), now()) {
        Ok(customer) => println!(
            "SAVED {} customers={}",
            customer.id.0,
            store.customer_count().unwrap()
        ),
        Err(error) => println!("REFUSED {error}"),
    }
}

fn page_size(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_query_value(None, "page_size", |row| row.get(0))
        .unwrap()
}

/// The files in `dir` (not in its subfolders), by name.
fn file_names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_restore_with_another_page_size_leaves_the_other_windows_saves_in_the_restored_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let customer = journal_with(&path, 5);
    // A backup from a journal made with 8 KiB pages (the journal has SQLite's 4 KiB).
    let backup = dir.path().join("big-pages.sqlite3");
    journal_of(&backup, 2);
    {
        let conn = rusqlite::Connection::open(&backup).unwrap();
        conn.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA page_size=8192; VACUUM;")
            .unwrap();
    }
    assert_eq!(page_size(&backup), 8192);
    let journal_page_size = page_size(&path);
    assert_ne!(journal_page_size, 8192);
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&path).unwrap());

    let mut other_window = child(
        "restore_child_holds_the_journal_open_then_saves",
        &[(HOLD_DB, path.to_str().unwrap())],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdout = std::io::BufReader::new(other_window.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(
            std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(),
            0,
            "the other window stopped before it was ready"
        );
        if line.contains("READY") {
            break;
        }
    }
    assert!(line.contains("READY 1"), "{line}");

    let report = backup_policy::restore(&path, &backup, now()).unwrap();
    assert_eq!(report.customer_count, 2);

    let mut stdin = other_window.stdin.take().unwrap();
    stdin.write_all(b"GO\n").unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = other_window.wait().unwrap();
    assert!(status.success(), "{rest}");
    // The other window's save landed in the restored journal, which it now sees.
    assert!(
        rest.contains("SAVED") && rest.contains("customers=3"),
        "{rest}"
    );

    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    let names: BTreeSet<String> = store
        .customers()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    let expected: BTreeSet<String> = ["Customer 0", "Customer 1", "Saved by the other window"]
        .map(String::from)
        .into();
    assert_eq!(names, expected);
    drop(store);
    // The journal is the same file, with its own page size.
    assert_eq!(page_size(&path), journal_page_size);
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(&path).unwrap()),
        inode
    );
    // Nothing temporary is left: only the journal (with its WAL files), the backup, and
    // the journal as it was before, in backups/.
    let left: BTreeSet<String> = file_names(dir.path())
        .into_iter()
        .filter(|name| !name.ends_with("-wal") && !name.ends_with("-shm"))
        .collect();
    assert_eq!(
        left,
        ["big-pages.sqlite3", "journal.sqlite3"]
            .map(String::from)
            .into()
    );
    let previous = report.previous.unwrap();
    assert_eq!(
        file_names(&dir.path().join("backups")),
        [previous.file_name().unwrap().to_string_lossy().into_owned()].into()
    );
    let before = Store::open(&previous).unwrap();
    assert_eq!(before.timeline(customer).unwrap().len(), 5);
}

#[test]
fn a_restore_over_a_damaged_journal_refuses_the_other_windows_next_save_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 5);
    let backup = backup_policy::back_up_now(&path, None, at(2026, 11, 1)).unwrap();
    let mut other_window = child(
        "restore_child_holds_the_journal_open_then_saves",
        &[(HOLD_DB, path.to_str().unwrap())],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdout = std::io::BufReader::new(other_window.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("READY") {
        line.clear();
        assert_ne!(
            std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(),
            0,
            "the other window stopped before it was ready"
        );
    }
    // The journal's schema page is damaged under the open window: it cannot be restored in
    // place, so a checked copy of the backup takes its name.
    let mut bytes = fs::read(&path).unwrap();
    for byte in &mut bytes[100..400] {
        *byte = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    let report = backup_policy::restore(&path, &backup.path, now()).unwrap();
    assert!(
        report
            .previous
            .unwrap()
            .to_string_lossy()
            .contains("damaged")
    );

    let mut stdin = other_window.stdin.take().unwrap();
    stdin.write_all(b"GO\n").unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(other_window.wait().unwrap().success(), "{rest}");
    // Its save is refused with a sentence, not written into the replaced file.
    assert!(rest.contains("REFUSED"), "{rest}");
    assert!(
        rest.contains("nothing was saved") && rest.contains("restored"),
        "{rest}"
    );
    let store = Store::open(&path).unwrap();
    assert_eq!(store.customer_count().unwrap(), 1);
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
}

#[test]
fn a_restore_over_a_journal_damaged_deep_inside_keeps_it_byte_for_byte_and_the_other_window_saves()
{
    let dir = tempfile::tempdir().unwrap();
    let path = closed_journal(dir.path(), "journal.sqlite3");
    let backup = backup_policy::back_up_now(&path, None, at(2026, 11, 1)).unwrap();
    let mut other_window = child(
        "restore_child_holds_the_journal_open_then_saves",
        &[(HOLD_DB, path.to_str().unwrap())],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdout = std::io::BufReader::new(other_window.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("READY") {
        line.clear();
        assert_ne!(
            std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(),
            0,
            "the other window stopped before it was ready"
        );
    }
    // A page deep in the history goes bad while the other window has the journal open.
    let mut bytes = fs::read(&path).unwrap();
    let page = 4096;
    let last_page = bytes.len() / page - 1;
    for byte in &mut bytes[last_page * page + 8..last_page * page + 600] {
        *byte = 0x5A;
    }
    fs::write(&path, &bytes).unwrap();
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&path).unwrap());

    let report = backup_policy::restore(&path, &backup.path, now()).unwrap();
    let kept = report.previous.unwrap();
    assert!(
        kept.to_string_lossy().contains("-damaged"),
        "{}",
        kept.display()
    );
    assert_eq!(fs::read(&kept).unwrap(), bytes, "kept byte for byte");
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&fs::metadata(&path).unwrap()),
        inode,
        "restored in place"
    );

    let mut stdin = other_window.stdin.take().unwrap();
    stdin.write_all(b"GO\n").unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(other_window.wait().unwrap().success(), "{rest}");
    assert!(
        rest.contains("SAVED") && rest.contains("customers=2"),
        "{rest}"
    );
    let store = Store::open(&path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    assert_eq!(store.customer_count().unwrap(), 2);
}

/// Every write another process committed before the restore is in the journal as it was
/// saved just before the restore: the safety copy and the restore happen under one lock.
#[test]
fn a_restore_while_another_process_writes_loses_none_of_its_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 2000);
    let backup = backup_policy::back_up_now(&path, None, at(2026, 11, 1)).unwrap();
    // The writer saves every 2 ms: hundreds of times faster than a person, and still with a
    // moment between saves, as the app (one save per action) and sync (a network round trip
    // between batches) always leave. A writer with no gap at all would starve any other
    // writer, the app's own windows included: SQLite's file lock is not fair.
    let mut writer = child(
        "kill_child_adds_entries_until_killed",
        &[(KILL_DB, path.to_str().unwrap()), (KILL_PAUSE_MS, "2")],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let stdout = writer.stdout.take().unwrap();
    let acknowledged = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::BufReader::new(stdout).read_to_string(&mut text);
        text
    });
    std::thread::sleep(Duration::from_millis(300));
    let mut safety_copies = Vec::new();
    for round in 0..3 {
        let started = Instant::now();
        let report = backup_policy::restore(&path, &backup.path, at(2026, 11, 20 + round));
        eprintln!(
            "restore {round} under a writing process: {} ms",
            started.elapsed().as_millis()
        );
        let report = report.unwrap();
        safety_copies.push(report.previous.unwrap());
        std::thread::sleep(Duration::from_millis(150));
    }
    writer.kill().unwrap();
    writer.wait().unwrap();
    let text = acknowledged.join().unwrap();
    let mut summaries = BTreeSet::new();
    for file in safety_copies.iter().chain([&path]) {
        let store = Store::open(file).unwrap();
        let customer = store.customers().unwrap()[0].id;
        summaries.extend(
            store
                .timeline(customer)
                .unwrap()
                .into_iter()
                .map(|e| e.summary),
        );
    }
    let acked: Vec<&str> = text.lines().filter(|l| l.starts_with("ACK ")).collect();
    assert!(
        acked.len() > 20,
        "the writer wrote too little: {}",
        acked.len()
    );
    // The ACK lines carry entry ids; the summaries carry the writer's counter.
    let written = acked.len();
    let lost: Vec<usize> = (0..written)
        .filter(|i| !summaries.contains(&format!("written before the kill {i}")))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {written} acknowledged writes are in neither the safety copies nor the journal: {lost:?}",
        lost.len()
    );
}

#[test]
fn a_restore_that_cannot_get_the_lock_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let customer = journal_with(&path, 1);
    let backup = backup_policy::back_up_now(&path, None, at(2026, 11, 1)).unwrap();
    {
        let mut store = Store::open(&path).unwrap();
        store.add_entry(note(customer, "newer"), now()).unwrap();
    }
    // Another window is in the middle of a write for longer than the busy timeout.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let error = backup_policy::restore(&path, &backup.path, now()).unwrap_err();
    assert!(
        matches!(error, BackupError::Store(StoreError::Busy { .. })),
        "{error:?}"
    );
    other.execute_batch("ROLLBACK").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timeline(customer).unwrap().len(), 2);
}

#[test]
fn a_restore_of_another_page_size_that_fails_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let customer = journal_with(&path, 3);
    let backup = dir.path().join("small-pages.sqlite3");
    journal_of(&backup, 2);
    {
        let conn = rusqlite::Connection::open(&backup).unwrap();
        conn.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA page_size=1024; VACUUM;")
            .unwrap();
    }
    let before = file_names(dir.path());
    // Another window is in the middle of a long write.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let error = backup_policy::restore(&path, &backup, now()).unwrap_err();
    assert!(
        matches!(error, BackupError::Store(StoreError::Busy { .. })),
        "{error:?}"
    );
    other.execute_batch("ROLLBACK").unwrap();
    drop(other);
    assert_eq!(file_names(dir.path()), before);
    assert_eq!(file_names(&dir.path().join("backups")), BTreeSet::new());
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timeline(customer).unwrap().len(), 3);
    assert_eq!(store.customer_count().unwrap(), 1);
}

#[test]
fn restore_refuses_bad_backups_and_leaves_the_journal_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 2);
    let csv = dir.path().join("customers.csv");
    fs::write(&csv, "name\nAda\n").unwrap();
    let before = hash(&path);
    type Check = fn(&BackupError) -> bool;
    let cases: Vec<(PathBuf, Check)> = vec![
        (csv, |e| {
            matches!(e, BackupError::Store(StoreError::NotAJournal { .. }))
        }),
        (dir.path().join("missing.sqlite3"), |e| {
            matches!(e, BackupError::NoBackup { .. })
        }),
        (path.clone(), |e| matches!(e, BackupError::SameFile { .. })),
    ];
    for (backup, expected) in cases {
        let error = backup_policy::restore(&path, &backup, now()).unwrap_err();
        assert!(expected(&error), "{}: {error:?}", backup.display());
        assert!(error.to_string().ends_with('.'), "{error}");
    }
    assert_eq!(hash(&path), before);
    assert!(backup_policy::list_backups(&path).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Hostile input at the store's door, refusals without a trace, private files

#[test]
fn control_characters_and_oversized_fields_are_refused_at_the_store_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
    let ten_mb = "x".repeat(10 * 1024 * 1024);
    let error = store
        .add_customer(CustomerDraft::named(ten_mb.clone()), now())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "The name is 10,485,760 characters long; the limit is 200: shorten it."
    );
    let mut draft = CustomerDraft::named("Ada");
    draft.company = "\u{0}=HYPERLINK(\"http://evil\",\"click\")".into();
    let error = store.add_customer(draft, now()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("The company holds an invisible control character (U+0000, character 1)"),
        "{error}"
    );
    let mut draft = CustomerDraft::named("Ada");
    draft.notes = ten_mb;
    let error = store.add_customer(draft, now()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("The notes field is 10,240 KB long; the limit is 100 KB"),
        "{error}"
    );
    assert_eq!(store.customer_count().unwrap(), 0);

    let customer = store
        .add_customer(CustomerDraft::named("Ada"), now())
        .unwrap()
        .id;
    let error = store
        .add_entry(note(customer, "call back \u{7}today"), now())
        .unwrap_err();
    assert!(error.to_string().starts_with("The text holds"), "{error}");
    // Windows line ends in a note become plain newlines; tabs stay.
    let saved = store
        .add_entry(note(customer, "line 1\r\n\tline 2"), now())
        .unwrap();
    assert_eq!(saved.summary, "line 1\n\tline 2");
    assert_eq!(store.timeline(customer).unwrap().len(), 1);
}

/// The names in `dir`, to compare before and after.
fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn a_refused_open_leaves_no_wal_shm_or_backup_folder() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("customers.csv");
    fs::write(&csv, "name,company\nAda,Engines\n").unwrap();
    // A foreign database in WAL mode: SQLite would create -wal and -shm to read it.
    let foreign = dir.path().join("photos.sqlite3");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(
            "CREATE TABLE photos (id INTEGER PRIMARY KEY); INSERT INTO photos DEFAULT VALUES;",
        )
        .unwrap();
    }
    let newer = dir.path().join("newer.sqlite3");
    journal_with(&newer, 1);
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = listing(dir.path());
    assert!(
        !before
            .iter()
            .any(|n| n.ends_with("-wal") || n.ends_with("-shm")),
        "{before:?}"
    );
    for path in [&csv, &foreign, &newer] {
        let bytes = hash(path);
        Store::open(path).unwrap_err();
        assert_eq!(hash(path), bytes, "{}", path.display());
        assert_eq!(
            listing(dir.path()),
            before,
            "after opening {}",
            path.display()
        );
    }
}

#[test]
fn a_journal_that_cannot_be_created_leaves_no_file_or_folder_behind() {
    let dir = tempfile::tempdir().unwrap();
    // A file where a folder should be: the folder cannot be made.
    fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let before = listing(dir.path());
    let error =
        Store::open(&dir.path().join("notes.txt").join("sub").join("j.sqlite3")).unwrap_err();
    assert!(error.to_string().contains("cannot be created"), "{error}");
    assert_eq!(listing(dir.path()), before);
    // Folders made for a journal SQLite then cannot write are removed again.
    let Some(mount) = Tmpfs::mount(&dir.path().join("disk"), "1m") else {
        return;
    };
    let filler = mount.dir.join("filler");
    fs::write(&filler, vec![0u8; 1024 * 1024]).unwrap_or(());
    let error = Store::open(&mount.dir.join("a").join("b").join("journal.sqlite3")).unwrap_err();
    eprintln!("journal on a full disk: {error}");
    assert!(error.to_string().contains("full"), "{error}");
    assert_eq!(listing(&mount.dir), BTreeSet::from(["filler".to_owned()]));
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_new_journal_its_working_files_and_its_backups_are_private_to_their_owner() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("candor").join("data");
    let path = folder.join("journal.sqlite3");
    let customer = journal_with(&path, 1);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timeline(customer).unwrap().len(), 1);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let mut shm = path.as_os_str().to_owned();
    shm.push("-shm");
    assert_eq!(mode(&dir.path().join("candor")), 0o700);
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(Path::new(&wal)), 0o600, "the -wal file");
    assert_eq!(mode(Path::new(&shm)), 0o600, "the -shm file");
    let info = backup_policy::back_up_now(&path, None, now()).unwrap();
    assert_eq!(mode(&folder.join("backups")), 0o700);
    assert_eq!(mode(&info.path), 0o600);
    let chosen = dir.path().join("copy.sqlite3");
    let info = backup_policy::back_up_now(&path, Some(&chosen), now()).unwrap();
    assert_eq!(mode(&info.path), 0o600);
}

#[cfg(unix)]
#[test]
fn opening_an_old_journal_tightens_its_backups_but_not_a_folder_the_person_chose() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let customer = journal_with(&path, 2);
    let backup = backup_policy::back_up_now(&path, None, now()).unwrap().path;
    // As an older Candor left them: readable by everyone.
    let open_up = |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    open_up(dir.path(), 0o755);
    open_up(&path, 0o644);
    open_up(&dir.path().join("backups"), 0o755);
    open_up(&backup, 0o644);
    let before = hash(&path);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.timeline(customer).unwrap().len(), 2);
    drop(store);
    assert_eq!(mode(&dir.path().join("backups")), 0o700);
    assert_eq!(mode(&backup), 0o600);
    // The journal's own folder and file were chosen by the person (here a temporary
    // folder, not Candor's data folder): left as they are, data untouched.
    assert_eq!(mode(dir.path()), 0o755);
    assert_eq!(mode(&path), 0o644);
    assert_eq!(hash(&path), before);
}

/// A journal file that may be written, in a folder that may not (a read-only mount with
/// the journal bind-mounted writable into it), as when a folder's write permission is
/// taken away.
#[test]
fn a_read_only_folder_is_not_called_a_read_only_journal() {
    let dir = tempfile::tempdir().unwrap();
    let Some(writable) = Tmpfs::mount(&dir.path().join("rw"), "8m") else {
        return;
    };
    let Some(folder) = Tmpfs::mount(&dir.path().join("ro"), "1m") else {
        return;
    };
    let real = writable.dir.join("journal.sqlite3");
    let customer = journal_with(&real, 1);
    let path = folder.dir.join("journal.sqlite3");
    fs::write(&path, b"").unwrap();
    folder.remount("ro");
    let bound = Command::new("mount")
        .arg("--bind")
        .arg(&real)
        .arg(&path)
        .status()
        .unwrap();
    assert!(bound.success());
    let result = Store::open(&path)
        .and_then(|mut store| store.add_entry(note(customer, "into a read-only folder"), now()));
    let _ = Command::new("umount").arg(&path).status();
    let error = result.unwrap_err();
    let message = error.to_string();
    eprintln!("read-only folder: {message}");
    assert!(
        matches!(error, StoreError::ReadOnlyFolder { .. }),
        "{error:?}"
    );
    assert!(
        message.starts_with(&format!(
            "The folder {} holding the journal {} is read-only (the journal file itself is not)",
            folder.dir.display(),
            path.display()
        )),
        "{message}"
    );
}

#[test]
fn an_export_or_backup_that_cannot_be_written_says_where_and_why() {
    use candor::io::export::{ExportOptions, Report, export_report};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    journal_with(&path, 3);
    let store = Store::open(&path).unwrap();
    let options = ExportOptions {
        from: None,
        to: None,
        bom: true,
    };
    // Into a folder that does not exist.
    let nowhere = dir.path().join("gone").join("report.csv");
    let error = export_report(
        &store,
        Report::Timeline,
        &options,
        day(2026, 11, 20),
        &nowhere,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        format!(
            "Cannot write the export to {}: the folder {} does not exist; nothing was changed there: choose another file or folder and export again.",
            nowhere.display(),
            dir.path().join("gone").display()
        )
    );
    let Some(mount) = Tmpfs::mount(&dir.path().join("disk"), "1m") else {
        return;
    };
    mount.remount("ro");
    let report = mount.dir.join("report.csv");
    let error = export_report(
        &store,
        Report::Timeline,
        &options,
        day(2026, 11, 20),
        &report,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        format!(
            "Cannot write the export to {}: the disk is read-only; nothing was changed there: choose another file or folder and export again.",
            report.display()
        )
    );
    let copy = mount.dir.join("copy.sqlite3");
    let error = backup_policy::back_up_now(&path, Some(&copy), now())
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        format!(
            "Cannot write the backup to {}: the disk is read-only; nothing was written there: choose another place and try again.",
            copy.display()
        )
    );
}

/// The folder the read-only child works in.
const PERMISSIONS_DIR: &str = "CANDOR_TEST_PERMISSIONS_DIR";

#[cfg(unix)]
#[test]
#[ignore = "child process of a_read_only_file_and_a_read_only_folder_each_say_which"]
fn read_only_child_as_a_regular_user() {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(dir) = std::env::var(PERMISSIONS_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let set_mode =
        |p: &Path, m: u32| fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
    // A read-only journal in a folder that may be written.
    let file_dir = dir.join("file");
    fs::create_dir(&file_dir).unwrap();
    let journal = file_dir.join("journal.sqlite3");
    let customer = journal_with(&journal, 1);
    set_mode(&journal, 0o444);
    let error = Store::open(&journal)
        .and_then(|mut store| store.add_entry(note(customer, "into a read-only file"), now()))
        .unwrap_err();
    println!("read-only file: {error}");
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("The journal {} is read-only", journal.display())),
        "{error}"
    );
    // A journal that may be written, in a folder that may not.
    let folder = dir.join("folder");
    fs::create_dir(&folder).unwrap();
    let journal = folder.join("journal.sqlite3");
    let customer = journal_with(&journal, 1);
    set_mode(&folder, 0o555);
    let error = Store::open(&journal)
        .and_then(|mut store| store.add_entry(note(customer, "into a read-only folder"), now()))
        .unwrap_err();
    println!("read-only folder: {error}");
    assert!(
        matches!(error, StoreError::ReadOnlyFolder { .. }),
        "{error:?}"
    );
    // A new journal there: the folder is named, nothing is created.
    let before = listing(&folder);
    let error = Store::open(&folder.join("new.sqlite3")).unwrap_err();
    println!("new journal in a read-only folder: {error}");
    assert!(
        error
            .to_string()
            .contains(&format!("the folder {} is read-only", folder.display())),
        "{error}"
    );
    assert_eq!(listing(&folder), before);
    set_mode(&folder, 0o755);
    println!("CHILD OK");
}

/// Permissions bind everyone but root: as root, the checks run in a child process as the
/// user `nobody`.
#[cfg(unix)]
#[test]
fn a_read_only_file_and_a_read_only_folder_each_say_which() {
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::process::CommandExt as _;
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    fs::create_dir(&work).unwrap();
    let mut command = child(
        "read_only_child_as_a_regular_user",
        &[(PERMISSIONS_DIR, work.to_str().unwrap())],
    );
    let uid = Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        const NOBODY: u32 = 65534;
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::chown(&work, Some(NOBODY), Some(NOBODY)).unwrap();
        command.uid(NOBODY).gid(NOBODY);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("CHILD OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Pieces of CSV-ish and vCard-ish files: quotes, separators, line breaks, NUL, byte-order
/// marks, bytes that are not UTF-8, and words that make headers and rows.
const IMPORT_PIECES: &[&[u8]] = &[
    b"\"",
    b",",
    b";",
    b"\t",
    b"|",
    b"\r\n",
    b"\n",
    b"\r",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xFE\xFF",
    b"\xE9",
    b"\x81",
    b"\xC3\xA9",
    b"Name",
    b"Email",
    b"Company",
    b"Ada",
    b"a@b.example",
    b"sep=;\r\n",
    b"Name,Email\r\n",
    b"BEGIN:VCARD\r\n",
    b"FN:Zo\xEB\r\n",
    b"END:VCARD\r\n",
    b"=1+1",
    b"  ",
];

/// Issue 10, "show it": whatever bytes are imported, the import never panics, a refused
/// import leaves the journal exactly as it was, and an accepted one's counts add up.
#[test]
fn any_bytes_imported_never_panic_never_change_a_refusing_journal_and_always_add_up() {
    use candor::io::import::{ImportOptions, import_file};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite3");
    journal_with(&journal, 1);
    let store = std::cell::RefCell::new(Store::open(&journal).unwrap());
    let file_bytes = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(proptest::sample::select(IMPORT_PIECES), 0..60)
            .prop_map(|pieces| pieces.concat()),
    ];
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(file_bytes, any::<bool>(), any::<bool>()),
            |(bytes, as_vcard, merge)| {
                let file = dir.path().join(if as_vcard {
                    "contacts.vcf"
                } else {
                    "contacts.csv"
                });
                fs::write(&file, &bytes).unwrap();
                let mut store = store.borrow_mut();
                let before = (
                    store.customers().unwrap(),
                    hash(&journal),
                    fs::read(journal.with_extension("sqlite3-wal")).unwrap_or_default(),
                );
                let options = ImportOptions {
                    merge_duplicates: merge,
                    ..ImportOptions::default()
                };
                match import_file(&mut store, &file, &options, now()) {
                    Ok(summary) => {
                        prop_assert_eq!(
                            summary.rows_read,
                            summary.added() + summary.merged() + summary.left_out.len(),
                            "{}",
                            summary
                        );
                        let mut lines: Vec<usize> =
                            summary.left_out.iter().map(|p| p.line).collect();
                        lines.dedup();
                        prop_assert_eq!(lines.len(), summary.left_out.len(), "one reason a row");
                    }
                    Err(error) => {
                        let after = (
                            store.customers().unwrap(),
                            hash(&journal),
                            fs::read(journal.with_extension("sqlite3-wal")).unwrap_or_default(),
                        );
                        prop_assert!(after == before, "{} changed the journal", error);
                        prop_assert!(error.to_string().ends_with('.'), "{}", error);
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}
