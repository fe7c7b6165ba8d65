//! Teams, part 2: ownership and handovers, against a real PostgreSQL the tests start
//! themselves (tests/support/pg.rs). Two reps — Maria (`ann`) and Ben (`bob`) — and a
//! manager, Meg. A handover moves a customer with every entry intact; the new rep's list
//! names it; the former rep's copy is read-only; a rep cannot hand over, neither with
//! `candor` nor with raw SQL; a leaving rep's customers move in one step; whoever hears
//! about a problem on a customer shared with them may log it, and the entry names them.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use candor::domain::{
    Channel, Contact, CustomerDraft, CustomerId, Direction, EntryDraft, EntryKind, Outcome,
    Problem, Promise, PromiseCategory, Renegotiation,
};
use candor::store::{Store, StoreError};
use candor::team::{HandoverScope, TeamAddress, TeamError};
use chrono::{NaiveDate, NaiveDateTime};
use sha2::{Digest as _, Sha256};
use support::pg::cluster;
use support::team::Team;

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn at(month: u32, d: u32, hour: u32) -> NaiveDateTime {
    day(month, d).and_hms_opt(hour, 0, 0).unwrap()
}

const T0: i64 = 1_795_000_000_000;

impl Team {
    /// The owner of the customer named `name`, as the administrator sees it.
    fn owner_of(&self, name: &str) -> String {
        cluster()
            .admin(&self.db)
            .query_one(
                "SELECT owner_login FROM candor.customers WHERE name = $1",
                &[&name],
            )
            .unwrap()
            .get(0)
    }
}

fn reached_call(customer: CustomerId, when: NaiveDateTime, summary: &str) -> EntryDraft {
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

fn entry(customer: CustomerId, when: NaiveDateTime, summary: &str, kind: EntryKind) -> EntryDraft {
    EntryDraft {
        customer_id: customer,
        occurred_at: when,
        summary: summary.to_owned(),
        kind,
    }
}

/// Maria's Acme Tools: a call, two open promises (one renegotiated), a kept promise and
/// an open problem; and Bolt Ltd, which stays hers.
fn marias_journal(path: &Path) -> (CustomerId, CustomerId) {
    let mut store = Store::open(path).unwrap();
    let acme = store
        .add_customer(CustomerDraft::named("Acme Tools"), at(2, 1, 9))
        .unwrap()
        .id;
    let bolt = store
        .add_customer(CustomerDraft::named("Bolt Ltd"), at(2, 1, 9))
        .unwrap()
        .id;
    store
        .add_entry(reached_call(acme, at(2, 2, 10), "Intro call"), at(2, 2, 10))
        .unwrap();
    store
        .add_entry(
            entry(
                acme,
                at(2, 3, 11),
                "Spare blades by 20 March",
                EntryKind::Promise(Promise::new(day(3, 20), PromiseCategory::Delivery)),
            ),
            at(2, 3, 11),
        )
        .unwrap();
    let mut renegotiated = Promise::new(day(3, 25), PromiseCategory::Fix);
    renegotiated.renegotiations.push(Renegotiation {
        on: day(2, 10),
        from_due: day(2, 15),
        to_due: day(3, 25),
        told_before_due: true,
        note: "The part is back-ordered".to_owned(),
        agreed: true,
    });
    store
        .add_entry(
            entry(
                acme,
                at(2, 4, 12),
                "Repair the press",
                EntryKind::Promise(renegotiated),
            ),
            at(2, 4, 12),
        )
        .unwrap();
    store
        .add_entry(
            entry(
                acme,
                at(2, 5, 13),
                "Invoice address wrong",
                EntryKind::Problem(Problem {
                    owner: "Maria".to_owned(),
                    ..Problem::default()
                }),
            ),
            at(2, 5, 13),
        )
        .unwrap();
    store
        .add_entry(
            reached_call(bolt, at(2, 6, 9), "Bolt: quarterly call"),
            at(2, 6, 9),
        )
        .unwrap();
    (acme, bolt)
}

fn sha(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

/// The `timeline` report's rows for `customer`, with the journal-local ids (entry,
/// customer, related entry) replaced by what they stand for, so two journals compare.
fn timeline_rows(team: &Team, journal: &Path, customer: &str) -> Vec<Vec<String>> {
    let out = journal.with_extension("timeline.csv");
    let output = team.cli(
        "ann",
        &[
            "export",
            "--db",
            &journal.display().to_string(),
            "--report",
            "timeline",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (entry_id, customer_id, related, name, summary) = (
        column("entry_id"),
        column("customer_id"),
        column("related_entry_id"),
        column("customer"),
        column("summary"),
    );
    let all: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let summary_of = |id: &str| {
        all.iter()
            .find(|row| row[entry_id] == id)
            .map(|row| row[summary].clone())
            .unwrap_or_default()
    };
    all.iter()
        .filter(|row| row[name] == customer)
        .map(|row| {
            let mut row = row.clone();
            row[related] = summary_of(&row[related]);
            row[entry_id] = String::new();
            row[customer_id] = String::new();
            row
        })
        .collect()
}

fn handover_cli(team: &Team, who: &str, args: &[&str]) -> std::process::Output {
    let url = team.url(who);
    let mut all = vec!["team", "handover", "--server", url.as_str()];
    all.extend_from_slice(args);
    team.cli(who, &all)
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_handover_moves_a_customer_with_every_entry_and_the_new_reps_list_names_it() {
    let team = Team::new("move");
    let dir = tempfile::tempdir().unwrap();
    let maria_path = dir.path().join("maria.sqlite3");
    let ben_path = dir.path().join("ben.sqlite3");
    let (acme, bolt) = marias_journal(&maria_path);
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0);
    let mut ben = Store::open(&ben_path).unwrap();
    let cobalt = ben
        .add_customer(CustomerDraft::named("Cobalt"), at(2, 1, 9))
        .unwrap()
        .id;
    ben.add_entry(
        reached_call(cobalt, at(2, 7, 9), "Cobalt call"),
        at(2, 7, 9),
    )
    .unwrap();
    // Ben's cursor moves past every event of Maria's: a cursor alone would never bring
    // Acme's history to him.
    team.sync("bob", &mut ben, T0 + 1_000);
    assert_eq!(ben.customers().unwrap().len(), 1);
    drop(ben);
    let before = timeline_rows(&team, &maria_path, "Acme Tools");
    assert_eq!(before.len(), 4, "{before:?}");

    let moved = handover_cli(
        &team,
        "meg",
        &[
            "--customer",
            "acme tools",
            "--to",
            &team.login("bob"),
            "--note",
            "Maria moves to key accounts",
            "--at",
            "2026-03-03 09:30",
        ],
    );
    assert!(moved.status.success(), "{}", stderr(&moved));
    assert_eq!(
        stdout(&moved).trim(),
        format!(
            "Handed Acme Tools over from {} to {}",
            team.login("ann"),
            team.login("bob")
        )
    );
    assert_eq!(team.owner_of("Acme Tools"), team.login("bob"));
    assert_eq!(team.owner_of("Bolt Ltd"), team.login("ann"));

    // Ben's next sync (the command line, as a rep runs it) brings the whole history.
    let synced = team.cli(
        "bob",
        &[
            "sync",
            "--db",
            &ben_path.display().to_string(),
            "--server",
            &team.url("bob"),
        ],
    );
    assert!(synced.status.success(), "{}", stderr(&synced));
    team.sync("ann", &mut maria, T0 + 3_000);
    let after_ben = timeline_rows(&team, &ben_path, "Acme Tools");
    let after_maria = timeline_rows(&team, &maria_path, "Acme Tools");
    assert_eq!(after_ben, after_maria, "the same rows on both copies");
    // Every entry intact, plus the handover on the timeline.
    assert_eq!(after_ben.len(), before.len() + 1);
    let (kept, added): (Vec<_>, Vec<_>) = after_ben.into_iter().partition(|r| before.contains(r));
    assert_eq!(kept, before);
    let note = added[0].join("|");
    assert!(note.contains("|note|"), "{note}");
    assert!(
        note.contains("Handed over from Maria to Ben by Meg: Maria moves to key accounts"),
        "{note}"
    );
    assert!(note.contains("2026-03-03"), "{note}");

    // Ben's list names the handover and the promises to confirm; his timeline names who
    // wrote each entry.
    let ben = Store::open(&ben_path).unwrap();
    let acme_at_ben = ben
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Acme Tools")
        .unwrap()
        .id;
    let authors = ben.entry_authors(acme_at_ben).unwrap();
    assert_eq!(authors.len(), 5, "{authors:?}");
    assert_eq!(authors.values().filter(|a| *a == "Maria").count(), 4);
    assert_eq!(authors.values().filter(|a| *a == "Meg").count(), 1);
    let ownership = ben.ownership(acme_at_ben).unwrap();
    assert!(!ownership.read_only);
    assert_eq!(ownership.handed_over.as_ref().unwrap().0, "Maria");
    drop(ben);
    let rank = team.cli(
        "bob",
        &[
            "rank",
            "--db",
            &ben_path.display().to_string(),
            "--today",
            "2026-03-04",
            "--format",
            "json",
        ],
    );
    assert!(rank.status.success(), "{}", stderr(&rank));
    let ranked: serde_json::Value = serde_json::from_slice(&rank.stdout).unwrap();
    let text = ranked.to_string();
    assert!(
        text.contains(
            "You took over from Maria on 3 March: introduce yourself and confirm the 2 open promises Maria made"
        ),
        "{text}"
    );
    assert!(text.contains("took_over"), "{text}");

    // A call that reaches them settles it.
    let mut ben = Store::open(&ben_path).unwrap();
    ben.add_entry(
        reached_call(acme_at_ben, at(3, 4, 10), "Introduced myself"),
        at(3, 4, 10),
    )
    .unwrap();
    drop(ben);
    let rank = team.cli(
        "bob",
        &[
            "rank",
            "--db",
            &ben_path.display().to_string(),
            "--today",
            "2026-03-04",
            "--format",
            "json",
        ],
    );
    assert!(!stdout(&rank).contains("took_over"), "{}", stdout(&rank));

    // Maria's copy is read-only now, whatever the write path; Bolt stays hers.
    let refused = maria
        .add_entry(reached_call(acme, at(3, 4, 11), "Late call"), at(3, 4, 11))
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::OwnedByAnotherRep),
        "{refused}"
    );
    assert!(refused.to_string().contains("your copy is read-only"));
    let mut edit = maria.customer(acme).unwrap().to_draft();
    edit.phone = "555-0100".into();
    assert!(matches!(
        maria.update_customer(acme, edit, at(3, 4, 11)),
        Err(StoreError::OwnedByAnotherRep)
    ));
    let acme_entries = maria.timeline(acme).unwrap();
    assert!(matches!(
        maria.delete_entry(acme_entries[0].id, at(3, 4, 11)),
        Err(StoreError::OwnedByAnotherRep)
    ));
    maria
        .add_entry(reached_call(bolt, at(3, 4, 11), "Bolt call"), at(3, 4, 11))
        .unwrap();
    let ownership = maria.ownership(acme).unwrap();
    assert!(ownership.read_only);
    assert_eq!(ownership.owner.as_deref(), Some("Ben"));
    // Her own list no longer asks her to call a customer that is not hers.
    let facts = maria.rank_facts(day(3, 4)).unwrap();
    assert!(facts.iter().all(|f| f.customer_id != acme));
    assert!(facts.iter().any(|f| f.customer_id == bolt));
    drop(maria);

    // The command line (an import) is refused too, and leaves the journal as it was.
    let import = dir.path().join("late.csv");
    let export = maria_path.with_extension("timeline.csv");
    let text = std::fs::read_to_string(&export).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let row = lines
        .find(|l| l.contains("Intro call"))
        .unwrap()
        .replace("Intro call", "Imported late call")
        .replace("2026-02-02T10:00:00", "2026-03-04T12:00:00");
    std::fs::write(&import, format!("{header}\r\n{row}\r\n")).unwrap();
    let before_import = sha(&maria_path);
    let imported = team.cli(
        "ann",
        &[
            "import",
            "--db",
            &maria_path.display().to_string(),
            &import.display().to_string(),
        ],
    );
    assert!(!imported.status.success(), "{}", stdout(&imported));
    assert!(
        format!("{}{}", stdout(&imported), stderr(&imported)).contains("read-only"),
        "{} {}",
        stdout(&imported),
        stderr(&imported)
    );
    assert_eq!(sha(&maria_path), before_import);
}

#[test]
fn a_rep_who_is_not_a_manager_cannot_hand_over_with_candor_or_with_sql() {
    let team = Team::new("refuse");
    let dir = tempfile::tempdir().unwrap();
    let maria_path = dir.path().join("maria.sqlite3");
    marias_journal(&maria_path);
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0);
    let bob = team.login("bob");

    // The command line says so in one sentence before sending anything.
    let refused = handover_cli(&team, "ann", &["--customer", "Acme Tools", "--to", &bob]);
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains(&format!(
            "Only a manager may hand customers over, and {} is not one",
            team.login("ann")
        )),
        "{message}"
    );
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    let error = team
        .connect("bob")
        .hand_over(
            &HandoverScope::AllOf(team.login("ann")),
            &bob,
            "",
            at(3, 3, 9),
            T0,
        )
        .unwrap_err();
    assert!(matches!(error, TeamError::NotManager { .. }), "{error}");

    // The server refuses the same, whatever SQL the rep types.
    let gid: String = cluster()
        .admin(&team.db)
        .query_one(
            "SELECT gid::text FROM candor.customers WHERE name = 'Acme Tools'",
            &[],
        )
        .unwrap()
        .get(0);
    let mut ann = team.psql("ann");
    let attempts = [
        format!(
            "SELECT * FROM candor.hand_over(ARRAY['{gid}']::uuid[], '{bob}', '', \
             '2026-03-03T09:00:00', '000000000000000-000000-x', 'x')"
        ),
        format!("UPDATE candor.customers SET owner_login = '{bob}' WHERE gid = '{gid}'"),
        format!(
            "INSERT INTO candor.events (id, device_id, hlc, entity, entity_gid, customer_gid, op, payload) \
             VALUES (gen_random_uuid(), 'x', '1', 'customer', '{gid}', '{gid}', 'handover', \
             '{{\"from\": \"{}\", \"to\": \"{bob}\"}}')",
            team.login("ann")
        ),
        format!("INSERT INTO candor.customer_shares VALUES ('{gid}', '{bob}')"),
    ];
    for sql in &attempts {
        let error = ann.batch_execute(sql).unwrap_err();
        let message = error.as_db_error().map(|e| e.message().to_owned()).unwrap();
        assert!(
            message.contains("permission denied") || message.contains("row-level security"),
            "{sql}: {message}"
        );
    }
    // Even a rep made to run the function's body some other way is checked inside it.
    let mut admin = cluster().admin(&team.db);
    admin
        .batch_execute(&format!(
            "GRANT EXECUTE ON FUNCTION candor.hand_over(uuid[], text, text, text, text, text) TO \"{}\"",
            team.login("ann")
        ))
        .unwrap();
    let error = ann.batch_execute(&attempts[0]).unwrap_err();
    assert!(
        error
            .as_db_error()
            .unwrap()
            .message()
            .contains("only a manager may hand customers over"),
        "{error}"
    );
    assert_eq!(team.owner_of("Acme Tools"), team.login("ann"));
    assert_eq!(
        cluster()
            .admin(&team.db)
            .query_one(
                "SELECT COUNT(*) FROM candor.events WHERE op = 'handover'",
                &[]
            )
            .unwrap()
            .get::<_, i64>(0),
        0
    );
}

#[test]
fn a_leaving_reps_customers_move_in_one_step() {
    let team = Team::new("leave");
    let dir = tempfile::tempdir().unwrap();
    let maria_path = dir.path().join("maria.sqlite3");
    let ben_path = dir.path().join("ben.sqlite3");
    marias_journal(&maria_path);
    let mut maria = Store::open(&maria_path).unwrap();
    maria
        .add_customer(CustomerDraft::named("Dune Supplies"), at(2, 8, 9))
        .unwrap();
    team.sync("ann", &mut maria, T0);
    let mut ben = Store::open(&ben_path).unwrap();
    ben.add_customer(CustomerDraft::named("Cobalt"), at(2, 1, 9))
        .unwrap();
    team.sync("bob", &mut ben, T0 + 1_000);

    let moved = handover_cli(
        &team,
        "meg",
        &[
            "--from",
            &team.login("ann"),
            "--to",
            &team.login("bob"),
            "--note",
            "Maria left the company",
        ],
    );
    assert!(moved.status.success(), "{}", stderr(&moved));
    let text = stdout(&moved);
    assert!(
        text.starts_with(&format!(
            "Handed 3 customers over to {}:",
            team.login("bob")
        )),
        "{text}"
    );
    for name in ["Acme Tools", "Bolt Ltd", "Dune Supplies"] {
        assert!(text.contains(name), "{text}");
        assert_eq!(team.owner_of(name), team.login("bob"));
    }
    // Again: nothing left to move.
    let again = handover_cli(
        &team,
        "meg",
        &["--from", &team.login("ann"), "--to", &team.login("bob")],
    );
    assert!(stdout(&again).contains("has no customers: nothing changed"));

    let report = team.sync("bob", &mut ben, T0 + 2_000);
    assert_eq!(report.skipped, 0);
    let names: Vec<String> = ben
        .customers()
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["Acme Tools", "Bolt Ltd", "Cobalt", "Dune Supplies"]);
    let facts = ben.rank_facts(day(3, 4)).unwrap();
    assert_eq!(facts.iter().filter(|f| f.taken_over.is_some()).count(), 3);
    team.sync("ann", &mut maria, T0 + 3_000);
    for customer in maria.customers().unwrap() {
        assert!(
            maria.ownership(customer.id).unwrap().read_only,
            "{}",
            customer.name
        );
    }
    // Handing over to someone not in the team is refused before anything moves.
    let unknown = handover_cli(
        &team,
        "meg",
        &["--customer", "Cobalt", "--to", "nobody_here"],
    );
    assert!(
        stderr(&unknown).contains("Nobody in the team has the login \"nobody_here\""),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn a_change_made_before_the_former_rep_heard_of_the_handover_is_not_sent() {
    let team = Team::new("late");
    let dir = tempfile::tempdir().unwrap();
    let maria_path = dir.path().join("maria.sqlite3");
    let (acme, bolt) = marias_journal(&maria_path);
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0);
    team.connect("meg")
        .hand_over(
            &HandoverScope::Customer("Acme Tools".into()),
            &team.login("bob"),
            "",
            at(3, 3, 9),
            T0 + 500,
        )
        .unwrap();
    // Offline, Maria logs a call on Acme (she does not know yet) and one on Bolt.
    maria
        .add_entry(
            reached_call(acme, at(3, 3, 10), "Offline Acme call"),
            at(3, 3, 10),
        )
        .unwrap();
    maria
        .add_entry(
            reached_call(bolt, at(3, 3, 11), "Offline Bolt call"),
            at(3, 3, 11),
        )
        .unwrap();
    let report = team.sync("ann", &mut maria, T0 + 1_000);
    assert_eq!((report.sent, report.refused), (2, 1), "{report}");
    assert!(
        report
            .to_string()
            .contains("1 not sent (customers handed over to another rep)")
    );
    let mut admin = cluster().admin(&team.db);
    let summaries: Vec<String> = admin
        .query(
            "SELECT data ->> 'summary' FROM candor.entries WHERE data ->> 'summary' LIKE 'Offline%' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(summaries, ["Offline Bolt call"]);
    // The next sync has nothing left to send and nothing is stuck.
    let again = team.sync("ann", &mut maria, T0 + 2_000);
    assert_eq!((again.sent, again.refused), (0, 0));
    assert!(maria.ownership(acme).unwrap().read_only);
}

#[test]
fn whoever_hears_about_a_problem_on_a_shared_customer_logs_it_and_its_rep_sees_who() {
    let team = Team::new("share");
    let dir = tempfile::tempdir().unwrap();
    let maria_path = dir.path().join("maria.sqlite3");
    let ben_path = dir.path().join("ben.sqlite3");
    marias_journal(&maria_path);
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0);
    let mut ben = Store::open(&ben_path).unwrap();
    team.sync("bob", &mut ben, T0 + 1_000);
    assert!(ben.customers().unwrap().is_empty());

    // Ben may not share Maria's customer; Maria may.
    let share = |who: &str| {
        let url = team.url(who);
        team.cli(
            who,
            &[
                "team",
                "share",
                "--server",
                &url,
                "--customer",
                "Acme Tools",
                "--with",
                &team.login("bob"),
            ],
        )
    };
    let refused = share("bob");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("No customer you may see"),
        "{}",
        stderr(&refused)
    );
    let shared = share("ann");
    assert!(shared.status.success(), "{}", stderr(&shared));
    assert_eq!(
        stdout(&shared).trim(),
        format!("Shared Acme Tools with {}", team.login("bob"))
    );

    // Ben's next sync brings Acme's history; he hears about a problem and logs it.
    team.sync("bob", &mut ben, T0 + 2_000);
    let acme_at_ben = ben.customers().unwrap()[0].id;
    assert_eq!(ben.timeline(acme_at_ben).unwrap().len(), 4);
    assert!(!ben.ownership(acme_at_ben).unwrap().read_only);
    ben.add_entry(
        entry(
            acme_at_ben,
            at(3, 5, 9),
            "Press leaking oil (told Ben at the fair)",
            EntryKind::Problem(Problem {
                owner: "Ben".to_owned(),
                ..Problem::default()
            }),
        ),
        at(3, 5, 9),
    )
    .unwrap();
    let report = team.sync("bob", &mut ben, T0 + 3_000);
    assert_eq!((report.sent, report.refused), (1, 0), "{report}");

    // Maria, whose customer it is, sees it with its author.
    team.sync("ann", &mut maria, T0 + 4_000);
    let acme = maria
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Acme Tools")
        .unwrap()
        .id;
    let timeline = maria.timeline(acme).unwrap();
    let problem = timeline
        .iter()
        .find(|e| e.summary.starts_with("Press leaking oil"))
        .unwrap();
    let authors = maria.entry_authors(acme).unwrap();
    assert_eq!(authors.get(&problem.id).map(String::as_str), Some("Ben"));
    assert_eq!(authors.len(), 1, "her own entries carry no name");
}

#[test]
fn a_version_1_team_database_upgrades_and_keeps_everything_it_held() {
    let team = Team::at_version("upgrade", 1);
    let dir = tempfile::tempdir().unwrap();
    let maria_path = dir.path().join("maria.sqlite3");
    let ben_path = dir.path().join("ben.sqlite3");
    marias_journal(&maria_path);
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0);
    let mut ben = Store::open(&ben_path).unwrap();
    team.sync("bob", &mut ben, T0 + 1_000);
    // Version 1 has no handover yet: the command says what to do.
    let early = handover_cli(
        &team,
        "meg",
        &["--customer", "Acme Tools", "--to", &team.login("bob")],
    );
    assert!(!early.status.success());
    assert!(
        stderr(&early).contains("has team schema version 1, and handovers need version 2"),
        "{}",
        stderr(&early)
    );

    let upgraded = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &cluster().admin_url(&team.db)])
        .output()
        .unwrap();
    assert!(upgraded.status.success(), "{}", stderr(&upgraded));
    assert!(
        stdout(&upgraded).contains("upgraded from version 1"),
        "{}",
        stdout(&upgraded)
    );
    let moved = handover_cli(
        &team,
        "meg",
        &["--customer", "Acme Tools", "--to", &team.login("bob")],
    );
    assert!(moved.status.success(), "{}", stderr(&moved));
    team.sync("bob", &mut ben, T0 + 2_000);
    let acme = ben.customers().unwrap()[0].id;
    assert_eq!(
        ben.timeline(acme).unwrap().len(),
        5,
        "four entries and the handover note"
    );
    // Maria's pushes of the old schema's events still work after the upgrade.
    let bolt = maria
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "Bolt Ltd")
        .unwrap()
        .id;
    maria
        .add_entry(
            reached_call(bolt, at(3, 5, 9), "After the upgrade"),
            at(3, 5, 9),
        )
        .unwrap();
    let report = team.sync("ann", &mut maria, T0 + 3_000);
    assert_eq!((report.sent, report.refused), (1, 0));
}

fn schema_of(path: &Path) -> Vec<(String, String, Option<String>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap();
    statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_version_4_journal_that_syncs_upgrades_to_the_ownership_step() {
    let dir = tempfile::tempdir().unwrap();
    let fresh: PathBuf = dir.path().join("fresh.sqlite3");
    drop(Store::open(&fresh).unwrap());
    // A version-4 journal that joined a team, built by the steps up to version 4, with a
    // customer its recording triggers gave a global id and an outbox event.
    let path: PathBuf = dir.path().join("v4.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        candor::store::schema::create_at_version(&tx, 4).unwrap();
        tx.execute_batch(
            "UPDATE sync_state SET value = 'recording' WHERE key = 'mode';
             INSERT INTO customers (name, created_at, updated_at)
                 VALUES ('Old customer', '2026-01-05T09:00:00', '2026-01-05T09:00:00');",
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let old = candor::domain::CustomerId(
        rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT id FROM customers", [], |r| r.get(0))
            .unwrap(),
    );
    assert_ne!(schema_of(&path), schema_of(&fresh));
    let mut store = Store::open(&path).unwrap();
    // A journal of one's own is never read-only, and every write is recorded as before.
    assert!(!store.ownership(old).unwrap().read_only);
    store
        .add_entry(reached_call(old, at(2, 1, 9), "Still mine"), at(2, 1, 9))
        .unwrap();
    assert_eq!(store.sync_pending_count().unwrap(), 2);
    drop(store);
    assert_eq!(schema_of(&path), schema_of(&fresh));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, candor::store::schema::CURRENT_VERSION);
}

mod ui {
    use super::*;
    use candor::app::{CandorApp, FixedClock, Prefs};
    use candor::team::SERVER_SETTING;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn harness_for(path: &Path, now: NaiveDateTime) -> Harness<'static, CandorApp> {
        let app = CandorApp::open(
            path.to_path_buf(),
            Prefs::default(),
            Box::new(FixedClock(now)),
        );
        Harness::builder()
            .with_size(egui::vec2(1400.0, 900.0))
            .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app)
    }

    /// Steps the app a few frames: a journal with a team keeps repainting (its background
    /// sync reports in), so it never "settles" as `Harness::run` expects.
    fn settle(harness: &mut Harness<'static, CandorApp>) {
        harness.run_steps(8);
    }

    fn select_customer(harness: &mut Harness<'static, CandorApp>, name: &str) {
        let owned = name.to_owned();
        harness
            .get_all_by(move |node| node.label().is_some_and(|label| label.starts_with(&owned)))
            .next()
            .expect("the customer is listed")
            .click();
        settle(harness);
    }

    fn wait_until(
        harness: &mut Harness<'static, CandorApp>,
        mut done: impl FnMut(&Harness<'static, CandorApp>) -> bool,
    ) {
        for _ in 0..1_000 {
            if done(harness) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            harness.step();
        }
        panic!("the background work did not finish in 20 s");
    }

    #[test]
    fn a_manager_hands_a_customer_over_from_its_header_and_the_new_rep_sees_why_to_call() {
        let team = Team::new("ui");
        let dir = tempfile::tempdir().unwrap();
        let maria_path = dir.path().join("maria.sqlite3");
        let ben_path = dir.path().join("ben.sqlite3");
        let meg_path = dir.path().join("meg.sqlite3");
        let (acme, _) = marias_journal(&maria_path);
        let mut maria = Store::open(&maria_path).unwrap();
        team.sync("ann", &mut maria, T0);
        let mut ben = Store::open(&ben_path).unwrap();
        team.sync("bob", &mut ben, T0 + 1_000);
        drop(ben);

        // Meg's journal knows the team and her saved password, as File → Team… leaves it.
        // This test binary's only reader of the password file is this test.
        let password_file = dir.path().join("pgpass");
        // SAFETY: set before the app starts its threads; no other test here reads it.
        unsafe { std::env::set_var("PGPASSFILE", &password_file) };
        let address = TeamAddress::parse(&team.url("meg")).unwrap();
        candor::team::save_password(&address, &format!("pw-{}", team.login("meg"))).unwrap();
        let mut meg = Store::open(&meg_path).unwrap();
        team.sync("meg", &mut meg, T0 + 2_000);
        meg.set_team_setting(SERVER_SETTING, address.saved_text())
            .unwrap();
        drop(meg);

        let mut harness = harness_for(&meg_path, at(3, 3, 9));
        settle(&mut harness);
        select_customer(&mut harness, "Acme Tools");
        harness.get_by_label_contains("Maria's customer: this copy is read-only.");
        harness.get_by_label("Hand over…").click();
        settle(&mut harness);
        harness.get_by_label("Hand over").click();
        settle(&mut harness);
        harness.get_by_label("Choose the rep who takes the customer over.");
        harness
            .get_by_role_and_label(egui::accesskit::Role::ComboBox, "Hand over to")
            .click();
        settle(&mut harness);
        harness
            .get_by_label(&format!("Ben ({})", team.login("bob")))
            .click();
        settle(&mut harness);
        let note = "Note for the timeline (why, what they should know)";
        harness.get_by_label(note).focus();
        settle(&mut harness);
        harness
            .get_by_label(note)
            .type_text("Maria moves to key accounts");
        settle(&mut harness);
        harness.get_by_label("Hand over").click();
        harness.step();
        wait_until(&mut harness, |h| {
            h.query_by_label_contains("Handed Acme Tools over to Ben")
                .is_some()
        });
        assert_eq!(team.owner_of("Acme Tools"), team.login("bob"));
        drop(harness);

        // Ben's Call them first says why to call; his timeline says who wrote what.
        let mut ben = Store::open(&ben_path).unwrap();
        team.sync("bob", &mut ben, T0 + 3_000);
        drop(ben);
        let mut harness = harness_for(&ben_path, at(3, 4, 9));
        settle(&mut harness);
        harness.get_by_label_contains(
            "You took over from Maria on 3 March: introduce yourself and confirm the 2 open promises Maria made",
        );
        select_customer(&mut harness, "Acme Tools");
        harness.get_by_label_contains("Yours since 3 March 2026: taken over from Maria");
        let by_maria = harness
            .get_all_by(|n| {
                n.label()
                    .is_some_and(|l| l.contains("Intro call") && l.contains("by Maria"))
            })
            .count();
        assert_eq!(by_maria, 1);
        let by_meg = harness
            .get_all_by(|n| {
                n.label().is_some_and(|l| {
                    l.contains("Maria moves to key accounts") && l.contains("by Meg")
                })
            })
            .count();
        assert_eq!(by_meg, 1);
        assert!(
            harness.query_by_label("Hand over…").is_none(),
            "Ben is no manager"
        );
        drop(harness);

        // Maria's copy says why it is read-only and refuses a change with one sentence.
        team.sync("ann", &mut maria, T0 + 4_000);
        drop(maria);
        let mut harness = harness_for(&maria_path, at(3, 4, 9));
        settle(&mut harness);
        select_customer(&mut harness, "Acme Tools");
        harness
            .get_by_label_contains("Handed over to Ben on 3 March 2026: this copy is read-only.");
        harness.get_by_label("Archive").click();
        settle(&mut harness);
        harness.get_by_label_contains("This customer now belongs to another rep of your team");
        drop(harness);
        let maria = Store::open(&maria_path).unwrap();
        assert!(!maria.customer(acme).unwrap().archived);
    }
}
