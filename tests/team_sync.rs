//! Teams, part 1, against a real PostgreSQL the tests start themselves (see
//! tests/support/pg.rs): a rep's journal goes up and comes down on another device, two
//! devices editing offline converge, a rep cannot see another rep's customers even with
//! `psql`, and every sync trap of docs (commit order, retries, echoes, kills) is tried.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use candor::domain::{Channel, Contact, CustomerDraft, Direction, EntryDraft, EntryKind, Outcome};
use candor::store::Store;
use candor::store::sync::OutgoingEvent;
use candor::team::sync as team_sync;
use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest as _, Sha256};
use support::pg::cluster;
use support::team::Team;

fn at(day: u32, hour: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, day)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

const T0: i64 = 1_795_000_000_000;

fn call(customer: candor::domain::CustomerId, when: NaiveDateTime, summary: &str) -> EntryDraft {
    EntryDraft {
        customer_id: customer,
        occurred_at: when,
        summary: summary.to_owned(),
        kind: EntryKind::Contact(Contact {
            channel: Channel::Call,
            direction: Direction::Outbound,
            outcome: Outcome::Reached,
            duration_mins: Some(5),
        }),
    }
}

/// Everything a rep sees in a journal, without local ids: two journals that agree on this
/// have the same customers, entries (trash included) and field values.
fn canonical(store: &Store) -> Vec<String> {
    let mut lines = Vec::new();
    for customer in store.customers().unwrap() {
        let mut shown = customer.clone();
        shown.id = candor::domain::CustomerId(0);
        lines.push(format!("{shown:?}"));
        let mut entries: Vec<String> = store
            .timeline(customer.id)
            .unwrap()
            .into_iter()
            .map(|mut e| {
                e.id = candor::domain::EntryId(0);
                e.customer_id = candor::domain::CustomerId(0);
                format!("  {}: {e:?}", customer.name)
            })
            .collect();
        entries.sort();
        lines.extend(entries);
    }
    let mut trash: Vec<String> = store
        .trash()
        .unwrap()
        .into_iter()
        .map(|mut e| {
            let owner = store.customer(e.customer_id).unwrap().name;
            e.id = candor::domain::EntryId(0);
            e.customer_id = candor::domain::CustomerId(0);
            format!("trash {owner}: {e:?}")
        })
        .collect();
    trash.sort();
    lines.extend(trash);
    lines
}

fn sha(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn team_init_twice_changes_nothing_and_a_newer_schema_is_refused() {
    let db = cluster().database("t_init");
    let url = cluster().admin_url(&db);
    let first = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &url])
        .output()
        .unwrap();
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("created"));
    let mut admin = cluster().admin(&db);
    let tables = "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'candor'";
    let before: String = admin.query_one(tables, &[]).unwrap().get(0);
    let team_before: String = admin
        .query_one("SELECT team_id::text FROM candor.team", &[])
        .unwrap()
        .get(0);
    let second = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &url])
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("already current: nothing changed"),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
    let after: String = admin.query_one(tables, &[]).unwrap().get(0);
    let team_after: String = admin
        .query_one("SELECT team_id::text FROM candor.team", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        before,
        "announcement_customers,announcement_tellings,announcements,customer_shares,customer_summary,\
         customers,entries,events,reps,schema_version,summary_dirty,team,team_settings"
    );
    assert_eq!((before, team_before), (after, team_after));
    // The schema's owner is a role nobody logs in as.
    let owner_can_login: bool = admin
        .query_one(
            "SELECT r.rolcanlogin FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner \
             WHERE n.nspname = 'candor'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!owner_can_login);

    admin
        .batch_execute("UPDATE candor.schema_version SET version = 99")
        .unwrap();
    let refused = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &url])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains(&format!(
            "uses team schema version 99, newer than this Candor understands (up to {}): update Candor",
            candor::team::schema::TEAM_SCHEMA_VERSION
        )),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
}

#[test]
fn a_version_7_team_database_upgrades_and_a_customers_live_entries_are_still_found_by_index() {
    use candor::team::schema;
    let db = cluster().database("t_step8");
    let mut admin = cluster().admin(&db);
    schema::init_to(&mut admin, 7).unwrap();
    let index_exists = |admin: &mut postgres::Client| -> bool {
        admin
            .query_one(
                "SELECT to_regclass('candor.entries_by_customer') IS NOT NULL",
                &[],
            )
            .unwrap()
            .get(0)
    };
    assert!(index_exists(&mut admin));
    assert_eq!(
        schema::init(&mut admin).ok(),
        Some(schema::InitOutcome::Upgraded { from: 7 })
    );
    assert!(!index_exists(&mut admin));
    // The summary refresh's lookup (and every report's) asks for live entries only: the
    // remaining per-customer index serves it.
    admin.batch_execute("SET enable_seqscan = off").unwrap();
    let plan: Vec<String> = admin
        .query(
            "EXPLAIN SELECT COUNT(*) FROM candor.entries e \
             WHERE e.customer_gid = '0190a000-0000-7000-8000-000000000001' AND e.deleted_at IS NULL",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        plan.iter()
            .any(|line| line.contains("entries_live_by_customer")),
        "{plan:#?}"
    );
}

#[test]
fn a_reps_journal_goes_up_comes_down_on_a_new_device_and_a_second_sync_moves_nothing() {
    let team = Team::new("updown");
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop.sqlite3");
    {
        let mut store = Store::open(&laptop).unwrap();
        let ada = store
            .add_customer(CustomerDraft::named("Ada Lovelace"), at(1, 9))
            .unwrap();
        let bo = store
            .add_customer(CustomerDraft::named("Bo Diddley"), at(1, 9))
            .unwrap();
        for i in 0..3 {
            store
                .add_entry(call(ada.id, at(2, 9 + i), "Call"), at(2, 9))
                .unwrap();
        }
        let trashed = store
            .add_entry(call(bo.id, at(3, 9), "Wrong"), at(3, 9))
            .unwrap();
        store.delete_entry(trashed.id, at(3, 10)).unwrap();
    }
    // 2 customers + 4 entries; the trashing came before joining, so it is in the state.
    assert_eq!(
        team.cli_sync("ann", &laptop).trim(),
        "6 changes sent, 0 received, 0 conflicts"
    );
    assert_eq!(
        team.cli_sync("ann", &laptop).trim(),
        "0 changes sent, 0 received, 0 conflicts"
    );

    let desktop = dir.path().join("desktop.sqlite3");
    assert_eq!(
        team.cli_sync("ann", &desktop).trim(),
        "0 changes sent, 6 received, 0 conflicts"
    );
    assert_eq!(
        team.cli_sync("ann", &desktop).trim(),
        "0 changes sent, 0 received, 0 conflicts"
    );
    let (laptop_store, desktop_store) = (
        Store::open(&laptop).unwrap(),
        Store::open(&desktop).unwrap(),
    );
    assert_eq!(canonical(&laptop_store), canonical(&desktop_store));
    assert_eq!(desktop_store.trash().unwrap().len(), 1);
    // The ranking's summary was rebuilt for downloaded customers.
    let ada = desktop_store
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Ada Lovelace")
        .unwrap();
    assert_eq!(desktop_store.timeline(ada.id).unwrap().len(), 3);
    // Applying pulled changes did not echo them back into the outbox.
    assert_eq!(desktop_store.sync_pending_count().unwrap(), 0);
    // The server remembered the address without any password.
    assert_eq!(
        desktop_store
            .team_setting(candor::team::SERVER_SETTING)
            .unwrap()
            .as_deref(),
        Some(team.url("ann").as_str())
    );
    let mut meg = team.psql("meg");
    assert_eq!(count(&mut meg, "SELECT COUNT(*) FROM candor.events"), 6);
    assert_eq!(
        count(
            &mut meg,
            "SELECT COUNT(*) FROM candor.entries WHERE deleted_at IS NOT NULL"
        ),
        1
    );
}

#[test]
fn a_rep_with_psql_cannot_read_or_change_another_reps_customers_and_a_manager_reads_all() {
    let team = Team::new("rls");
    let mut ann_journal = Store::open_in_memory().unwrap();
    let ada = ann_journal
        .add_customer(CustomerDraft::named("Ada, Ann's customer"), at(1, 9))
        .unwrap();
    ann_journal
        .add_entry(call(ada.id, at(2, 9), "Secret price"), at(2, 9))
        .unwrap();
    team.sync("ann", &mut ann_journal, T0);
    let mut bob_journal = Store::open_in_memory().unwrap();
    bob_journal
        .add_customer(CustomerDraft::named("Bea, Bob's customer"), at(1, 9))
        .unwrap();
    let report = team.sync("bob", &mut bob_journal, T0);
    assert_eq!(
        (report.sent, report.received),
        (1, 0),
        "Bob receives nothing of Ann's"
    );
    assert_eq!(bob_journal.customer_count().unwrap(), 1);

    let ada_gid = ann_journal.customer_gid(ada.id).unwrap().unwrap();
    let mut bob = team.psql("bob");
    for table in ["customers", "entries", "events"] {
        let sql = format!(
            "SELECT COUNT(*) FROM candor.{table} WHERE {} = '{ada_gid}'",
            if table == "customers" {
                "gid"
            } else {
                "customer_gid"
            }
        );
        assert_eq!(count(&mut bob, &sql), 0, "Bob sees Ann's {table}");
    }
    assert_eq!(count(&mut bob, "SELECT COUNT(*) FROM candor.customers"), 1);
    for (sql, why) in [
        (
            format!(
                "UPDATE candor.customers SET owner_login = current_user WHERE gid = '{ada_gid}'"
            ),
            "permission denied",
        ),
        (
            format!("DELETE FROM candor.entries WHERE customer_gid = '{ada_gid}'"),
            "permission denied",
        ),
        (
            format!("UPDATE candor.events SET payload = '{{}}' WHERE customer_gid = '{ada_gid}'"),
            "permission denied",
        ),
        (
            format!(
                "INSERT INTO candor.events (id, device_id, hlc, entity, entity_gid, customer_gid, op, payload) \
                 VALUES (gen_random_uuid(), 'x', '999999999999999-000000-x', 'customer', '{ada_gid}', '{ada_gid}', \
                 'update', '{{\"name\": \"Hijacked\"}}')"
            ),
            "row-level security",
        ),
        (
            format!(
                "INSERT INTO candor.events (id, device_id, author, hlc, entity, entity_gid, customer_gid, op, payload) \
                 VALUES (gen_random_uuid(), 'x', '{}', '999999999999999-000000-x', 'customer', '{ada_gid}', '{ada_gid}', \
                 'update', '{{\"name\": \"Hijacked\"}}')",
                team.login("ann")
            ),
            "row-level security",
        ),
        ("SET ROLE candor_owner".to_owned(), "permission denied"),
        ("SET ROLE candor_manager".to_owned(), "permission denied"),
    ] {
        let error = bob.batch_execute(&sql).unwrap_err();
        let text = error
            .as_db_error()
            .map(|e| e.message().to_owned())
            .unwrap_or_default();
        assert!(text.contains(why), "{sql}: {text}");
    }
    let mut meg = team.psql("meg");
    assert_eq!(count(&mut meg, "SELECT COUNT(*) FROM candor.customers"), 2);
    assert_eq!(
        count(
            &mut meg,
            &format!("SELECT COUNT(*) FROM candor.entries WHERE customer_gid = '{ada_gid}'")
        ),
        1
    );
    let name: String = meg
        .query_one(
            &format!("SELECT name FROM candor.customers WHERE gid = '{ada_gid}'"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(name, "Ada, Ann's customer");
    // Ann's customer is unchanged by Bob's attempts.
    let mut ann = team.psql("ann");
    assert_eq!(
        count(
            &mut ann,
            "SELECT COUNT(*) FROM candor.customers WHERE name = 'Ada, Ann''s customer'"
        ),
        1
    );
}

#[test]
fn two_devices_editing_offline_converge_and_the_losing_value_is_kept() {
    let team = Team::new("converge");
    let mut laptop = Store::open_in_memory().unwrap();
    let mut draft = CustomerDraft::named("Ada Lovelace");
    draft.phone = "555-0100".into();
    draft.email = "ada@old.example".into();
    let ada_laptop = laptop.add_customer(draft, at(1, 9)).unwrap();
    team.sync("ann", &mut laptop, T0);
    let mut desktop = Store::open_in_memory().unwrap();
    team.sync("ann", &mut desktop, T0 + 1_000);
    let ada_gid = laptop.customer_gid(ada_laptop.id).unwrap().unwrap();
    let ada_desktop = desktop.customer_by_gid(&ada_gid).unwrap().unwrap();

    // Both offline. The laptop changes the phone and logs a call; the desktop changes the
    // email, logs a call, and changes the phone later (its change must win everywhere).
    let mut edit = laptop.customer(ada_laptop.id).unwrap().to_draft();
    edit.phone = "555-0111 (laptop)".into();
    laptop
        .update_customer(ada_laptop.id, edit, at(5, 9))
        .unwrap();
    laptop
        .add_entry(call(ada_laptop.id, at(5, 9), "From the laptop"), at(5, 9))
        .unwrap();
    let mut edit = desktop.customer(ada_desktop).unwrap().to_draft();
    edit.email = "ada@new.example".into();
    desktop
        .update_customer(ada_desktop, edit, at(5, 10))
        .unwrap();
    desktop
        .add_entry(call(ada_desktop, at(5, 10), "From the desktop"), at(5, 10))
        .unwrap();

    // The laptop's phone edit is sealed by its own sync at T0+10s; the desktop's later one
    // at T0+20s: the desktop's phone is the later change.
    team.sync("ann", &mut laptop, T0 + 10_000);
    let mut edit = desktop.customer(ada_desktop).unwrap().to_draft();
    edit.phone = "555-0222 (desktop)".into();
    desktop
        .update_customer(ada_desktop, edit, at(5, 11))
        .unwrap();
    let desktop_report = team.sync("ann", &mut desktop, T0 + 20_000);
    let laptop_report = team.sync("ann", &mut laptop, T0 + 30_000);
    assert_eq!(
        desktop_report.received, 2,
        "the laptop's phone edit and call"
    );
    assert_eq!(
        desktop_report.conflicts, 1,
        "the laptop's phone lost on the desktop"
    );

    assert_eq!(canonical(&laptop), canonical(&desktop));
    let ada = laptop.customer(ada_laptop.id).unwrap();
    assert_eq!(ada.phone, "555-0222 (desktop)");
    assert_eq!(ada.email, "ada@new.example");
    assert_eq!(laptop.timeline(ada_laptop.id).unwrap().len(), 2);
    assert!(laptop_report.received >= 2);
    // The losing phone number is kept in the history on both devices.
    for store in [&laptop, &desktop] {
        let lost = store.lost_values(&ada_gid).unwrap();
        assert!(
            lost.iter()
                .any(|l| l.field == "phone" && l.value == "\"555-0111 (laptop)\""),
            "{lost:?}"
        );
    }
    // The server's projection agrees.
    let mut meg = team.psql("meg");
    let phone: String = meg
        .query_one(
            &format!("SELECT data->>'phone' FROM candor.customers WHERE gid = '{ada_gid}'"),
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(phone, "555-0222 (desktop)");
}

#[test]
fn a_device_whose_clock_is_behind_still_wins_with_a_later_change() {
    let team = Team::new("clock");
    let mut fast = Store::open_in_memory().unwrap();
    let ada = fast
        .add_customer(CustomerDraft::named("Ada"), at(1, 9))
        .unwrap();
    team.sync("ann", &mut fast, T0 + 3_600_000);
    let mut slow = Store::open_in_memory().unwrap();
    // The slow device's clock is an hour behind, but it saw the fast device's stamps.
    team.sync("ann", &mut slow, T0);
    let gid = fast.customer_gid(ada.id).unwrap().unwrap();
    let ada_slow = slow.customer_by_gid(&gid).unwrap().unwrap();
    let mut edit = fast.customer(ada.id).unwrap().to_draft();
    edit.notes = "first".into();
    fast.update_customer(ada.id, edit, at(2, 9)).unwrap();
    team.sync("ann", &mut fast, T0 + 3_600_000 + 1);
    team.sync("ann", &mut slow, T0 + 10);
    let mut edit = slow.customer(ada_slow).unwrap().to_draft();
    edit.notes = "second, after seeing the first".into();
    slow.update_customer(ada_slow, edit, at(2, 10)).unwrap();
    team.sync("ann", &mut slow, T0 + 20);
    team.sync("ann", &mut fast, T0 + 3_600_000 + 2);
    assert_eq!(
        fast.customer(ada.id).unwrap().notes,
        "second, after seeing the first"
    );
    assert_eq!(canonical(&fast), canonical(&slow));
}

#[test]
fn sync_failures_say_one_sentence_exit_non_zero_and_leave_the_journal_untouched() {
    let team = Team::new("fail");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite3");
    {
        let mut store = Store::open(&journal).unwrap();
        store
            .add_customer(CustomerDraft::named("Ada"), at(1, 9))
            .unwrap();
    }
    let before = sha(&journal);
    let bare_db = cluster().database("t_fail_bare");
    let cases: Vec<(String, String, &str)> = vec![
        (
            format!(
                "host={} port=5432 user=x dbname=y sslmode=disable",
                dir.path().join("nowhere").display()
            ),
            "pw".into(),
            "cannot be reached",
        ),
        (
            team.url("ann"),
            "wrong password".into(),
            "refused the login",
        ),
        (
            cluster().url(&team.login("ann"), &bare_db),
            format!("pw-{}", team.login("ann")),
            "has no Candor team schema yet",
        ),
    ];
    for (url, password, expected) in cases {
        let output = cargo_bin_cmd!("candor")
            .args(["sync", "--db"])
            .arg(&journal)
            .args(["--server", &url])
            .env("PGPASSWORD", &password)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{url}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!stderr.contains(&password) || password == "pw", "{stderr}");
        assert_eq!(
            sha(&journal),
            before,
            "the journal changed after: {expected}"
        );
    }
}

#[test]
fn add_rep_reads_the_password_from_standard_input_and_refuses_bad_logins() {
    let team = Team::new("addrep");
    let admin = cluster().admin_url(&team.db);
    let bad = cargo_bin_cmd!("candor")
        .args([
            "team",
            "add-rep",
            "--server",
            &admin,
            "--login",
            "Robert'); DROP",
            "--name",
            "X",
        ])
        .write_stdin("pw\n")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot be used"));
    // The rep from Team::new logs in with the password given on standard input.
    assert!(
        cluster()
            .login(
                &team.login("ann"),
                &format!("pw-{}", team.login("ann")),
                &team.db
            )
            .is_ok()
    );
    assert!(
        cluster()
            .login(&team.login("ann"), "guess", &team.db)
            .is_err()
    );
    let is_manager: bool = cluster()
        .admin(&team.db)
        .query_one(
            "SELECT is_manager FROM candor.reps WHERE login = $1",
            &[&team.login("meg")],
        )
        .unwrap()
        .get(0);
    assert!(is_manager);
    // The password is stored as a SCRAM verifier, never in clear.
    let stored: String = cluster()
        .admin("postgres")
        .query_one(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
            &[&team.login("ann")],
        )
        .unwrap()
        .get(0);
    assert!(stored.starts_with("SCRAM-SHA-256$"), "{stored}");
}

fn fake_events(device: &str, n: usize, start: usize) -> Vec<OutgoingEvent> {
    (start..start + n)
        .map(|i| {
            let gid = uuid::Uuid::new_v4().to_string();
            OutgoingEvent {
                seq: i as i64,
                id: uuid::Uuid::now_v7().to_string(),
                hlc: format!("{:015}-000000-{device}", T0 + i as i64),
                entity: "customer".into(),
                entity_gid: gid.clone(),
                customer_gid: gid,
                op: "insert".into(),
                payload: format!("{{\"name\": \"C{i}\", \"created_at\": \"2026-11-01 09:00:00\", \"updated_at\": \"2026-11-01 09:00:00\"}}"),
            }
        })
        .collect()
}

#[test]
fn concurrent_pushers_never_make_a_puller_skip_an_event_and_a_retried_push_counts_once() {
    let team = Team::new("order");
    let pushed = std::sync::Mutex::new(BTreeSet::new());
    let seen = std::sync::Mutex::new(BTreeSet::new());
    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for who in ["ann", "bob"] {
            let (team, pushed, done) = (&team, &pushed, &done);
            scope.spawn(move || {
                let mut client = team.psql(who);
                for round in 0..40 {
                    let batch = fake_events(who, 5, round * 5);
                    team_sync::push_batch(&mut client, who, &batch).unwrap();
                    pushed
                        .lock()
                        .unwrap()
                        .extend(batch.into_iter().map(|e| e.id));
                }
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
        let (team, seen, done) = (&team, &seen, &done);
        scope.spawn(move || {
            // The manager sees everything; a cursor that skipped an event would miss it.
            let mut client = team.psql("meg");
            let mut cursor = 0;
            let started = std::time::Instant::now();
            loop {
                // A pusher that failed never says it is done: give up rather than hang.
                let finished = done.load(std::sync::atomic::Ordering::SeqCst) == 2
                    || started.elapsed() > std::time::Duration::from_secs(120);
                let batch = team_sync::pull_batch(&mut client, cursor, 7).unwrap();
                if let Some(last) = batch.last() {
                    cursor = last.seq;
                }
                let empty = batch.is_empty();
                seen.lock().unwrap().extend(batch.into_iter().map(|e| e.id));
                if finished && empty {
                    break;
                }
            }
        });
    });
    let pushed = pushed.into_inner().unwrap();
    assert_eq!(pushed.len(), 400);
    assert_eq!(seen.into_inner().unwrap(), pushed);

    // A push retried after a lost answer is applied once.
    let batch = fake_events("ann", 3, 1_000);
    let mut ann = team.psql("ann");
    assert_eq!(team_sync::push_batch(&mut ann, "ann", &batch).unwrap().0, 3);
    assert_eq!(team_sync::push_batch(&mut ann, "ann", &batch).unwrap().0, 0);
    assert_eq!(
        count(&mut team.psql("meg"), "SELECT COUNT(*) FROM candor.events"),
        403
    );
}

#[test]
fn the_pull_leaves_out_this_devices_own_events_and_still_moves_past_them() {
    let team = Team::new("own");
    let mut ann = team.psql("ann");
    // The laptop's first upload, with the desktop's changes landing in the middle of it.
    let mine = fake_events("laptop", 30, 0);
    let theirs = fake_events("desktop", 5, 100);
    team_sync::push_batch(&mut ann, "laptop", &mine[..10]).unwrap();
    team_sync::push_batch(&mut ann, "desktop", &theirs).unwrap();
    team_sync::push_batch(&mut ann, "laptop", &mine[10..]).unwrap();
    let newest = count(&mut team.psql("meg"), "SELECT MAX(seq) FROM candor.events");

    // Two at a time: the desktop's events come in order, the laptop's never come back.
    let mut cursor = 0;
    let mut received = Vec::new();
    loop {
        let window = team_sync::pull_window(&mut ann, "laptop", cursor, 2).unwrap();
        let Some(end) = window.end else {
            break;
        };
        assert!(window.events.len() <= 2);
        assert!(window.events.iter().all(|e| e.device_id == "desktop"));
        received.extend(window.events.into_iter().map(|e| e.id));
        assert!(end > cursor, "the cursor moves");
        cursor = end;
        if !window.more {
            break;
        }
    }
    let expected: Vec<String> = theirs.into_iter().map(|e| e.id).collect();
    assert_eq!(received, expected);
    assert_eq!(cursor, newest, "past the laptop's own last event");
    let nothing_newer = team_sync::pull_window(&mut ann, "laptop", cursor, 2).unwrap();
    assert_eq!((nothing_newer.end, nothing_newer.events.len()), (None, 0));
    // The desktop gets the laptop's 30, and none of its own.
    let window = team_sync::pull_window(&mut ann, "desktop", 0, 100).unwrap();
    assert_eq!(window.events.len(), 30);
    assert_eq!(window.end, Some(newest));
}

#[test]
fn a_sync_killed_after_the_server_committed_resends_nothing_twice() {
    let team = Team::new("resume");
    let mut store = Store::open_in_memory().unwrap();
    let ada = store
        .add_customer(CustomerDraft::named("Ada"), at(1, 9))
        .unwrap();
    for i in 0..4_500u32 {
        store
            .add_entry(
                call(
                    ada.id,
                    at(2, 9) + chrono::Duration::minutes(i.into()),
                    "Call",
                ),
                at(2, 9),
            )
            .unwrap();
    }
    // A first sync "killed" after its first batch reached the server but before the
    // journal heard back: the batch is committed there and still unsent here.
    store.start_sync_recording().unwrap();
    while store.seal_outbox(T0, 5_000).unwrap() > 0 {}
    let first = store.sealed_events(team_sync::BATCH).unwrap();
    let mut ann = team.psql("ann");
    team_sync::push_batch(&mut ann, &store.sync_device_id().unwrap(), &first).unwrap();
    let report = team.sync("ann", &mut store, T0 + 1);
    assert_eq!(report.sent, 4_501, "the whole journal, batch by batch");
    let mut meg = team.psql("meg");
    assert_eq!(count(&mut meg, "SELECT COUNT(*) FROM candor.events"), 4_501);
    assert_eq!(
        count(&mut meg, "SELECT COUNT(*) FROM candor.entries"),
        4_500
    );
    assert_eq!(store.sync_pending_count().unwrap(), 0);

    // A new device downloads it all, in batches, and ends with the same journal.
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("new.sqlite3");
    let mut fresh = Store::open(&path).unwrap();
    let report = team.sync("ann", &mut fresh, T0 + 2);
    assert_eq!((report.sent, report.received), (0, 4_501));
    assert_eq!(canonical(&fresh), canonical(&store));
}

#[test]
fn a_first_upload_killed_after_the_server_committed_a_batch_resends_it_and_the_server_keeps_one() {
    let team = Team::new("stream");
    let mut store = Store::open_in_memory().unwrap();
    for name in ["Ada", "Bo"] {
        let customer = store
            .add_customer(CustomerDraft::named(name), at(1, 9))
            .unwrap();
        for i in 0..2_000u32 {
            let when = at(2, 9) + chrono::Duration::minutes(i.into());
            store
                .add_entry(call(customer.id, when, "Call"), at(2, 9))
                .unwrap();
        }
    }
    // Joined and a first batch read straight from the tables; the server committed it, then
    // the app was killed before the cursor moved.
    assert_eq!(store.start_sync_recording_streamed(T0).unwrap(), 4_002);
    let start = store.first_upload_position().unwrap();
    let (first, _) = store.first_upload_events(start, 3_000).unwrap();
    let mut ann = team.psql("ann");
    let device = store.sync_device_id().unwrap();
    assert_eq!(
        team_sync::push_batch(&mut ann, &device, &first).unwrap().0,
        3_000
    );
    // Before the next sync the rep adds a call: it goes by the outbox, after the stream.
    let bo = store.customers().unwrap()[1].id;
    store
        .add_entry(call(bo, at(3, 9), "Late call"), at(3, 9))
        .unwrap();
    let report = team.sync("ann", &mut store, T0 + 1);
    assert_eq!(
        report.sent, 4_003,
        "the batch again, the rest, the new call"
    );
    let mut meg = team.psql("meg");
    assert_eq!(count(&mut meg, "SELECT COUNT(*) FROM candor.events"), 4_003);
    assert_eq!(
        count(&mut meg, "SELECT COUNT(*) FROM candor.entries"),
        4_001
    );
    assert_eq!(store.sync_pending_count().unwrap(), 0);
    assert_eq!(
        store.first_upload_position().unwrap(),
        candor::store::UploadPosition::Done
    );
    let dir = tempfile::tempdir().unwrap();
    let mut fresh = Store::open(&dir.path().join("new.sqlite3")).unwrap();
    let report = team.sync("ann", &mut fresh, T0 + 2);
    assert_eq!((report.sent, report.received), (0, 4_003));
    assert_eq!(canonical(&fresh), canonical(&store));
}

/// The journal the kill tests sync: 40 customers, 12,000 entries (12,040 events).
fn generate_kill_journal(journal: &Path) {
    cargo_bin_cmd!("candor")
        .args([
            "generate",
            "--customers",
            "40",
            "--entries",
            "12000",
            "--today",
            "2026-11-20",
            "--db",
        ])
        .arg(journal)
        .assert()
        .success();
}

#[test]
fn kill_dash_nine_at_any_point_of_a_first_sync_loses_and_doubles_nothing() {
    let team = Team::new("kill");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("big.sqlite3");
    generate_kill_journal(&journal);
    let password = format!("pw-{}", team.login("ann"));
    // Kill the CLI at several points of its first sync: while queueing, sealing, pushing.
    for delay_ms in [50, 300, 900, 1_500] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("candor"))
            .args(["sync", "--db"])
            .arg(&journal)
            .args(["--server", &team.url("ann")])
            .env("PGPASSWORD", &password)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SIGKILL: no destructor, no rollback handler runs.
        let _ = child.kill();
        let _ = child.wait();
    }
    team.cli_sync("ann", &journal);
    assert_eq!(
        team.cli_sync("ann", &journal).trim(),
        "0 changes sent, 0 received, 0 conflicts"
    );
    let mut meg = team.psql("meg");
    assert_eq!(
        count(&mut meg, "SELECT COUNT(*) FROM candor.events"),
        12_040
    );
    assert_eq!(
        count(
            &mut meg,
            "SELECT COUNT(DISTINCT entity_gid) FROM candor.events"
        ),
        12_040
    );
    assert_eq!(
        count(&mut meg, "SELECT COUNT(*) FROM candor.entries"),
        12_000
    );
    let fresh = dir.path().join("fresh.sqlite3");
    team.cli_sync("ann", &fresh);
    assert_eq!(
        canonical(&Store::open(&fresh).unwrap()),
        canonical(&Store::open(&journal).unwrap())
    );
}

/// How many entries the journal's customers have, trash aside.
fn entries_in(store: &Store) -> usize {
    store
        .customers()
        .unwrap()
        .iter()
        .map(|c| store.timeline(c.id).unwrap().len())
        .sum()
}

#[test]
fn kill_dash_nine_of_the_app_mid_sync_upload_or_download_loses_and_doubles_nothing() {
    let team = Team::new("appkill");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("laptop.sqlite3");
    generate_kill_journal(&journal);
    let fresh = dir.path().join("desktop.sqlite3");
    // As the app finds them: the team in the journal, the password in the password file.
    for path in [&journal, &fresh] {
        Store::open(path)
            .unwrap()
            .set_team_setting(candor::team::SERVER_SETTING, &team.url("ann"))
            .unwrap();
    }
    let login = team.login("ann");
    let password_file = dir.path().join("pgpass");
    std::fs::write(&password_file, format!("*:*:*:{login}:pw-{login}\n")).unwrap();
    // The app's background sync (SyncHandle, the window's own code) in a process of its own.
    let app_sync = |path: &Path| {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("candor"));
        command
            .arg("--db")
            .arg(path)
            .arg("background-sync")
            .env("PGPASSFILE", &password_file)
            .env_remove("PGPASSWORD")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        command
    };
    // The app's sync of `path` is killed again and again, each run `step_ms` later than
    // the last if that one made no progress (each run goes on from the last batch the
    // server confirmed, and the time a run takes depends on the machine), until a run ends
    // before its kill. Gives how many runs were killed mid-sync and the progress after
    // each kill.
    let kill_until_done = |path: &Path,
                           progress: &dyn Fn() -> usize,
                           first_ms: u64,
                           step_ms: u64| {
        let (mut delay_ms, mut mid_sync, mut seen) = (first_ms, 0, Vec::new());
        let mut last = progress();
        for _ in 0..12 {
            let mut child = app_sync(path).spawn().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            let running = child.try_wait().unwrap().is_none();
            // SIGKILL: no destructor, no rollback handler runs.
            let _ = child.kill();
            let _ = child.wait();
            // A COMMIT the app sent just before it died still completes on the server:
            // progress is read once the app's session there has ended, or a batch that
            // lands a moment later goes unseen (seen once in CI: 5,000 events on the
            // server after `progress` had read 0).
            let sessions = format!(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE usename = '{}'",
                team.login("ann")
            );
            let mut server = team.psql("meg");
            for _ in 0..200 {
                if count(&mut server, &sessions) == 0 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            let store = Store::open(path).unwrap();
            let now = progress();
            eprintln!(
                "killed after {delay_ms} ms: {} events on the server; here {} waiting, {} entries",
                count(&mut team.psql("meg"), "SELECT COUNT(*) FROM candor.events"),
                store.sync_pending_count().unwrap(),
                entries_in(&store)
            );
            seen.push(now);
            if !running {
                break;
            }
            mid_sync += 1;
            if now == last {
                delay_ms += step_ms;
            }
            last = now;
        }
        (mid_sync, seen)
    };
    let finish = |path: &Path| {
        let output = app_sync(path).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    // The laptop's app is killed while joining, queueing and pushing its first sync, at
    // least once with part of it on the server…
    let on_server = || {
        let events = count(&mut team.psql("meg"), "SELECT COUNT(*) FROM candor.events");
        usize::try_from(events).unwrap()
    };
    let (killed, seen) = kill_until_done(&journal, &on_server, 50, 100);
    assert!(killed >= 3, "{killed} kills mid-sync: {seen:?}");
    assert!(seen.iter().any(|&n| n > 0 && n < 12_040), "{seen:?}");
    finish(&journal);
    // …and the desktop's app while downloading everything, at least once half-way.
    let here = || entries_in(&Store::open(&fresh).unwrap());
    let (killed, seen) = kill_until_done(&fresh, &here, 100, 100);
    assert!(killed >= 2, "{killed} kills mid-sync: {seen:?}");
    assert!(seen.iter().any(|&n| n > 0 && n < 12_000), "{seen:?}");
    finish(&fresh);

    for path in [&journal, &fresh] {
        assert_eq!(
            team.cli_sync("ann", path).trim(),
            "0 changes sent, 0 received, 0 conflicts",
            "nothing was left behind or sent twice"
        );
    }
    let mut meg = team.psql("meg");
    assert_eq!(
        count(&mut meg, "SELECT COUNT(*) FROM candor.events"),
        12_040
    );
    assert_eq!(
        count(
            &mut meg,
            "SELECT COUNT(DISTINCT entity_gid) FROM candor.events"
        ),
        12_040
    );
    assert_eq!(
        count(&mut meg, "SELECT COUNT(*) FROM candor.entries"),
        12_000
    );
    assert_eq!(
        canonical(&Store::open(&fresh).unwrap()),
        canonical(&Store::open(&journal).unwrap())
    );
}

fn event(
    n: i64,
    entity: &str,
    gid: &str,
    customer: &str,
    op: &str,
    payload: &str,
) -> OutgoingEvent {
    OutgoingEvent {
        seq: n,
        id: uuid::Uuid::now_v7().to_string(),
        hlc: format!("{:015}-000000-dev", T0 + n),
        entity: entity.into(),
        entity_gid: gid.into(),
        customer_gid: customer.into(),
        op: op.into(),
        payload: payload.into(),
    }
}

#[test]
fn one_pushed_batch_mixing_inserts_updates_and_purges_projects_as_if_applied_one_by_one() {
    let team = Team::new("mixed");
    let gid = || uuid::Uuid::new_v4().to_string();
    let (customer, plain, edited, purged, late) = (gid(), gid(), gid(), gid(), gid());
    let entry = |summary: &str| {
        format!(
            "{{\"customer\": \"{customer}\", \"kind\": \"note\", \"summary\": \"{summary}\", \
             \"occurred_at\": \"2026-11-02 10:00:00\"}}"
        )
    };
    let batch = vec![
        event(
            1,
            "customer",
            &customer,
            &customer,
            "insert",
            r#"{"name": "Acme", "phone": "1"}"#,
        ),
        event(2, "entry", &plain, &customer, "insert", &entry("plain")),
        event(3, "entry", &edited, &customer, "insert", &entry("first")),
        event(
            4,
            "entry",
            &edited,
            &customer,
            "update",
            r#"{"summary": "second"}"#,
        ),
        event(5, "entry", &purged, &customer, "insert", &entry("gone")),
        event(6, "entry", &purged, &customer, "purge", "{}"),
        // An update before its insert (seq order) changes nothing: the insert comes later.
        event(
            7,
            "entry",
            &late,
            &customer,
            "update",
            r#"{"summary": "too early"}"#,
        ),
        event(8, "entry", &late, &customer, "insert", &entry("late")),
        event(
            9,
            "customer",
            &customer,
            &customer,
            "update",
            r#"{"phone": "2"}"#,
        ),
        // A second insert of a known entity is ignored.
        event(
            10,
            "entry",
            &plain,
            &customer,
            "insert",
            &entry("duplicate"),
        ),
    ];
    let mut ann = team.psql("ann");
    assert_eq!(
        team_sync::push_batch(&mut ann, "dev", &batch).unwrap(),
        (10, 0)
    );

    let mut meg = team.psql("meg");
    let summaries: Vec<(String, String)> = meg
        .query(
            "SELECT gid::text, data ->> 'summary' FROM candor.entries ORDER BY data ->> 'summary'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        summaries,
        vec![
            (late.clone(), "late".to_owned()),
            (plain.clone(), "plain".to_owned()),
            (edited.clone(), "second".to_owned()),
        ]
    );
    let row = meg
        .query_one(
            "SELECT c.owner_login, c.data ->> 'phone', s.entry_count \
             FROM candor.customers c JOIN candor.customer_summary s ON s.customer_gid = c.gid",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), team.login("ann"));
    assert_eq!(row.get::<_, Option<String>>(1).as_deref(), Some("2"));
    assert_eq!(row.get::<_, i32>(2), 3);
}

/// A rep's announcements as another copy must see them: without local ids, picked customers
/// by name, each telling with its customer and reaction.
fn announcements_seen(store: &Store) -> Vec<String> {
    use candor::domain::announcement::Audience;
    let name = |id| store.customer(id).unwrap().name;
    let mut lines: Vec<String> = store
        .announcements()
        .unwrap()
        .into_iter()
        .map(|a| {
            let audience = match &a.audience {
                Audience::Picked(ids) => {
                    let mut names: Vec<String> = ids.iter().map(|id| name(*id)).collect();
                    names.sort();
                    format!("picked {}", names.join(" + "))
                }
                other => other.describe(),
            };
            format!(
                "{} ({:?}, {}, {audience}, {}, made {})",
                a.title, a.kind, a.effective, a.reason, a.created_at
            )
        })
        .collect();
    let titles: std::collections::HashMap<_, _> = store
        .announcements()
        .unwrap()
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect();
    lines.extend(store.announcement_tellings().unwrap().into_iter().map(|t| {
        format!(
            "told {} of {} at {}: {:?}",
            name(t.customer_id),
            titles[&t.announcement_id],
            t.told_at,
            t.reaction
        )
    }));
    lines.sort();
    lines
}

fn announce(
    store: &mut Store,
    title: &str,
    audience: candor::domain::announcement::Audience,
    when: NaiveDateTime,
) -> candor::domain::announcement::AnnouncementId {
    use candor::domain::announcement::{AnnouncementDraft, AnnouncementKind};
    store
        .add_announcement(
            AnnouncementDraft {
                kind: AnnouncementKind::PriceIncrease,
                title: title.to_owned(),
                reason: "Our distributor raised its prices".to_owned(),
                effective: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
                audience,
            },
            when,
        )
        .unwrap()
        .id
}

fn tell(
    store: &mut Store,
    announcement: candor::domain::announcement::AnnouncementId,
    customer: candor::domain::CustomerId,
    when: NaiveDateTime,
) -> candor::domain::EntryId {
    use candor::domain::announcement::Reaction;
    use candor::domain::{BadNews, BadNewsKind};
    store
        .tell_announcement(
            announcement,
            EntryDraft {
                customer_id: customer,
                occurred_at: when,
                summary: "Told them about the new prices".to_owned(),
                kind: EntryKind::BadNews(BadNews {
                    about: BadNewsKind::PriceIncrease,
                    related: None,
                    proactive: true,
                }),
            },
            Reaction::Well,
            when,
        )
        .unwrap()
        .id
}

#[test]
fn announcements_their_customers_and_tellings_reach_the_reps_other_device_and_a_managers_reach_the_team()
 {
    use candor::domain::announcement::{Audience, Reaction};
    let team = Team::new("ann");
    let mut laptop = Store::open_in_memory().unwrap();
    let mut draft = CustomerDraft::named("Ada North");
    draft.tags = vec!["north".to_owned()];
    let ada = laptop.add_customer(draft, at(1, 9)).unwrap().id;
    let bo = laptop
        .add_customer(CustomerDraft::named("Bo South"), at(1, 9))
        .unwrap()
        .id;
    // Made before the journal joined the team: the first sync must send them too.
    let north = announce(
        &mut laptop,
        "Prices rise 4% (north)",
        Audience::Tag("north".into()),
        at(2, 9),
    );
    let for_bo = announce(
        &mut laptop,
        "Prices rise for Bo",
        Audience::Picked(vec![bo]),
        at(2, 10),
    );
    let told_ada = tell(&mut laptop, north, ada, at(3, 9));
    team.sync("ann", &mut laptop, T0);
    // Made after joining: recorded by the triggers.
    let for_ada = announce(
        &mut laptop,
        "Ada's own terms",
        Audience::Picked(vec![ada]),
        at(4, 9),
    );
    tell(&mut laptop, for_bo, bo, at(4, 10));
    let report = team.sync("ann", &mut laptop, T0 + 1_000);
    assert_eq!(
        report.sent, 4,
        "an announcement, its picked customer, the bad news entry and its telling: {report:?}"
    );

    let mut desktop = Store::open_in_memory().unwrap();
    team.sync("ann", &mut desktop, T0 + 2_000);
    assert_eq!(announcements_seen(&desktop).len(), 5);
    assert_eq!(announcements_seen(&desktop), announcements_seen(&laptop));
    assert_eq!(
        desktop.sync_pending_count().unwrap(),
        0,
        "nothing echoed back"
    );
    // The desktop's ranking owes Ada nothing for the north news (she was told), but owes
    // her "Ada's own terms", exactly as the laptop's does.
    let owed = |store: &Store| {
        use candor::domain::rank::{RankSettings, ReasonKind, rank};
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let mut reasons: Vec<String> = rank(
            &store.rank_facts(today).unwrap(),
            today,
            &RankSettings::default(),
        )
        .into_iter()
        .flat_map(|r| {
            r.reasons
                .into_iter()
                .filter(|reason| reason.kind == ReasonKind::AnnouncementUntold)
                .map(move |reason| format!("{}: {}", r.name, reason.text))
        })
        .collect();
        reasons.sort();
        reasons
    };
    assert!(!owed(&laptop).is_empty());
    assert_eq!(owed(&desktop), owed(&laptop));

    // A reaction changed on the desktop reaches the laptop; a deletion on the laptop
    // reaches the desktop.
    let desktop_ada_telling = desktop
        .announcement_tellings()
        .unwrap()
        .into_iter()
        .find(|t| desktop.customer(t.customer_id).unwrap().name == "Ada North")
        .unwrap();
    desktop
        .set_telling_reaction(desktop_ada_telling.entry_id, Reaction::Badly)
        .unwrap();
    laptop.delete_announcement(for_ada).unwrap();
    team.sync("ann", &mut desktop, T0 + 3_000);
    team.sync("ann", &mut laptop, T0 + 4_000);
    team.sync("ann", &mut desktop, T0 + 5_000);
    let laptop_reaction = laptop
        .announcement_tellings()
        .unwrap()
        .into_iter()
        .find(|t| t.entry_id == told_ada)
        .unwrap()
        .reaction;
    assert_eq!(laptop_reaction, Reaction::Badly);
    assert_eq!(laptop.announcements().unwrap().len(), 2);
    assert_eq!(announcements_seen(&desktop), announcements_seen(&laptop));

    // A manager's announcement is for the whole team; a rep's is theirs alone.
    let mut meg = Store::open_in_memory().unwrap();
    announce(
        &mut meg,
        "New carrier from January",
        Audience::All,
        at(5, 9),
    );
    team.sync("meg", &mut meg, T0 + 6_000);
    let mut bob = Store::open_in_memory().unwrap();
    bob.add_customer(CustomerDraft::named("Bea, Bob's customer"), at(1, 9))
        .unwrap();
    announce(&mut bob, "Bob's private news", Audience::All, at(5, 10));
    team.sync("bob", &mut bob, T0 + 7_000);
    team.sync("ann", &mut laptop, T0 + 8_000);
    let titles = |store: &Store| -> BTreeSet<String> {
        store
            .announcements()
            .unwrap()
            .into_iter()
            .map(|a| a.title)
            .collect()
    };
    assert!(titles(&bob).contains("New carrier from January"));
    assert!(titles(&laptop).contains("New carrier from January"));
    assert!(!titles(&laptop).contains("Bob's private news"));
    // Not even with psql: Ann reads no event of Bob's announcement.
    let mut ann_psql = team.psql("ann");
    assert_eq!(
        count(
            &mut ann_psql,
            &format!(
                "SELECT COUNT(*) FROM candor.events WHERE entity = 'announcement' AND author = '{}'",
                team.login("bob")
            )
        ),
        0
    );
    // A rep's announcement is resolved against their own customers ("all" means all of
    // theirs), so it is not pulled into the manager's journal either, where "all" would be
    // the whole team: she reads her own, and every telling (those are customer history).
    let announcement_events = "SELECT COUNT(*) FROM candor.events \
         WHERE entity = 'announcement' AND op = 'insert'";
    let mut meg_psql = team.psql("meg");
    assert_eq!(count(&mut meg_psql, announcement_events), 1);
    assert_eq!(
        count(
            &mut meg_psql,
            "SELECT COUNT(*) FROM candor.events WHERE entity = 'telling'"
        ),
        3,
        "Ada's, Bo's and the reaction changed"
    );
    let mut admin = cluster().admin(&team.db);
    assert_eq!(
        count(&mut admin, announcement_events),
        5,
        "Ann's three, Meg's and Bob's"
    );
    // The projection keeps customers and entries only: no announcement became one.
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM candor.customers"),
        3
    );
}

#[test]
fn a_journal_and_a_team_database_from_before_announcements_sync_upgrade_and_send_them() {
    // A team database at version 4 that already holds a customer, and a version-6 journal
    // that had joined it, with an announcement, a picked customer and a telling the old
    // triggers never recorded.
    let team = Team::at_version("annup", 4);
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&laptop).unwrap();
        let tx = conn.transaction().unwrap();
        candor::store::schema::create_at_version(&tx, 6).unwrap();
        tx.execute_batch(
            "UPDATE sync_state SET value = 'recording' WHERE key = 'mode';
             INSERT INTO customers (name, created_at, updated_at)
                 VALUES ('Ada North', '2026-11-01T09:00:00', '2026-11-01T09:00:00');
             INSERT INTO entries (customer_id, kind, occurred_at, summary, category, proactive,
                                  created_at, updated_at)
                 VALUES (1, 'bad_news', '2026-11-03T09:00:00', 'Told Ada', 'price_increase', 1,
                         '2026-11-03T09:00:00', '2026-11-03T09:00:00');
             INSERT INTO announcements (kind, title, reason, effective_on, audience, created_at)
                 VALUES ('price_increase', 'Prices rise 4%', 'Costs', '2026-12-20', 'picked',
                         '2026-11-02T09:00:00');
             INSERT INTO announcement_customers (announcement_id, customer_id) VALUES (1, 1);
             INSERT INTO announcement_tellings (entry_id, announcement_id, reaction)
                 VALUES (1, 1, 'well');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    // Opening the journal upgrades it: the customer and the entry were queued by the old
    // triggers, the announcement, its customer and the telling by the upgrade, after them.
    let store = Store::open(&laptop).unwrap();
    assert_eq!(store.sync_pending_count().unwrap(), 5);
    drop(store);
    // The app refuses the old server until its administrator upgrades it.
    let refused = cargo_bin_cmd!("candor")
        .args(["sync", "--db"])
        .arg(&laptop)
        .args(["--server", &team.url("ann")])
        .env("PGPASSWORD", format!("pw-{}", team.login("ann")))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let init = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &cluster().admin_url(&team.db)])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    assert_eq!(
        team.cli_sync("ann", &laptop).trim(),
        "5 changes sent, 0 received, 0 conflicts"
    );
    let desktop = dir.path().join("desktop.sqlite3");
    assert_eq!(
        team.cli_sync("ann", &desktop).trim(),
        "0 changes sent, 5 received, 0 conflicts"
    );
    let (laptop, desktop) = (
        Store::open(&laptop).unwrap(),
        Store::open(&desktop).unwrap(),
    );
    assert_eq!(announcements_seen(&desktop).len(), 2);
    assert_eq!(announcements_seen(&desktop), announcements_seen(&laptop));
}
