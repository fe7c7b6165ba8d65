//! Teams, part 2: the manager's view, against a real PostgreSQL the tests start themselves
//! (tests/support/pg.rs). Two reps — Maria (`ann`) and Ben (`bob`) — and a manager, Meg.
//! The team ranking, computed from the server's per-customer summary, equals each rep's own
//! `candor rank`; the manager's list merges both reps in score order; a rep never sees a
//! colleague's customers (in `team rank`, `team export`, or with raw SQL); a version-2 team
//! database upgraded to version 3 keeps its data and fills the summary.

mod support;

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use candor::store::Store;
use candor::team::TeamAddress;
use serde_json::Value;
use support::pg::cluster;
use support::team::Team;

const T0: i64 = 1_795_000_000_000;
const TODAY: &str = "2026-06-15";

impl Team {
    /// A generated journal for `who`, synced to the team.
    fn synced_journal(&self, who: &str, dir: &Path, seed: u64, now_ms: i64) -> std::path::PathBuf {
        let path = dir.join(format!("{who}.sqlite3"));
        cargo_bin_cmd!("candor")
            .args([
                "--db",
                &path.display().to_string(),
                "generate",
                "--customers",
                "40",
                "--entries",
                "2000",
                "--seed",
                &seed.to_string(),
                "--today",
                TODAY,
            ])
            .assert()
            .success();
        let mut store = Store::open(&path).unwrap();
        self.connect(who)
            .sync(&mut store, now_ms, &mut |_| {})
            .unwrap();
        path
    }

    /// `candor team rank --format json` as `who`, with `extra` arguments.
    fn team_rank(&self, who: &str, extra: &[&str]) -> Value {
        let url = self.url(who);
        let mut args = vec![
            "team", "rank", "--server", &url, "--today", TODAY, "--format", "json",
        ];
        args.extend_from_slice(extra);
        let output = self.cli(who, &args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

/// `candor rank --format json` of a journal.
fn local_rank(journal: &Path) -> Value {
    let output = cargo_bin_cmd!("candor")
        .args([
            "--db",
            &journal.display().to_string(),
            "rank",
            "--today",
            TODAY,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

/// One ranked customer as both lists give it: name, score, opener and every reason.
type Row = (String, i64, String, Vec<(String, i64, String, String)>);

fn rows(document: &Value) -> Vec<Row> {
    document["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer"].as_str().unwrap().to_owned(),
                c["score"].as_i64().unwrap(),
                c["opener"].as_str().unwrap().to_owned(),
                c["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["kind"].as_str().unwrap().to_owned(),
                            r["points"].as_i64().unwrap(),
                            r["text"].as_str().unwrap().to_owned(),
                            r["since"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

/// The same rows in a fixed order (ties in score may list in either order).
fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.cmp(b)));
    rows
}

fn reps(document: &Value) -> Vec<String> {
    document["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rep"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_in_score_order(document: &Value) {
    let scores: Vec<i64> = rows(document).iter().map(|r| r.1).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not in score order: {scores:?}"
    );
}

#[test]
fn the_team_ranking_equals_each_reps_own_list_and_the_manager_sees_both_merged() {
    let team = Team::new("rank");
    let dir = tempfile::tempdir().unwrap();
    let maria = team.synced_journal("ann", dir.path(), 1, T0);
    let ben = team.synced_journal("bob", dir.path(), 2, T0 + 1_000);
    let marias_own = rows(&local_rank(&maria));
    let bens_own = rows(&local_rank(&ben));
    assert!(marias_own.len() >= 10, "{}", marias_own.len());
    assert!(bens_own.len() >= 10, "{}", bens_own.len());
    // The journals exercise the ranking well beyond silence.
    let kinds: std::collections::BTreeSet<&str> = marias_own
        .iter()
        .chain(&bens_own)
        .flat_map(|row| row.3.iter().map(|reason| reason.0.as_str()))
        .collect();
    for kind in [
        "slipping_untold",
        "callback_owed",
        "payment_overdue",
        "unhappy_feedback",
        "no_follow_up",
        "trust_repair",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }

    // Maria's team ranking is her own list: same customers, scores, reasons, openers.
    let as_maria = team.team_rank("ann", &[]);
    assert_eq!(as_maria["format"], "candor.team-rank.v1");
    assert_in_score_order(&as_maria);
    assert_eq!(sorted(rows(&as_maria)), sorted(marias_own.clone()));
    assert!(reps(&as_maria).iter().all(|rep| *rep == team.login("ann")));

    // Meg's list merges both, in score order, each row naming its rep.
    let as_meg = team.team_rank("meg", &[]);
    assert_in_score_order(&as_meg);
    let mut both = marias_own.clone();
    both.extend(bens_own.clone());
    assert_eq!(sorted(rows(&as_meg)), sorted(both));
    let meg_reps = reps(&as_meg);
    assert!(meg_reps.contains(&team.login("ann")) && meg_reps.contains(&team.login("bob")));
    for (row, rep) in rows(&as_meg).iter().zip(&meg_reps) {
        let own = if *rep == team.login("ann") {
            &marias_own
        } else {
            &bens_own
        };
        assert!(own.contains(row), "{} is not {rep}'s", row.0);
    }

    // --rep: only Ben's; --limit: the top of the list.
    let bob = team.login("bob");
    let only_ben = team.team_rank("meg", &["--rep", &bob]);
    assert_eq!(sorted(rows(&only_ben)), sorted(bens_own.clone()));
    let top3 = team.team_rank("meg", &["--limit", "3"]);
    assert_eq!(rows(&top3), rows(&as_meg)[..3].to_vec());

    // The table names the rep too.
    let url = team.url("meg");
    let table = team.cli(
        "meg",
        &[
            "team", "rank", "--server", &url, "--today", TODAY, "--limit", "1",
        ],
    );
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("  1. ") && table.contains(" — rep "),
        "{table}"
    );

    // A rep named who is not in the team: one sentence.
    let nobody = team.cli(
        "meg",
        &["team", "rank", "--server", &url, "--rep", "nobody_here"],
    );
    assert!(!nobody.status.success());
    assert!(
        String::from_utf8_lossy(&nobody.stderr).contains("Nobody in the team has the login"),
        "{}",
        String::from_utf8_lossy(&nobody.stderr)
    );
}

#[test]
fn a_rep_never_sees_a_colleagues_customers_in_the_team_ranking_nor_with_sql() {
    let team = Team::new("see");
    let dir = tempfile::tempdir().unwrap();
    let maria = team.synced_journal("ann", dir.path(), 3, T0);
    team.synced_journal("bob", dir.path(), 4, T0 + 1_000);
    let ann = team.login("ann");

    let as_ben = team.team_rank("bob", &[]);
    assert!(!rows(&as_ben).is_empty());
    assert!(reps(&as_ben).iter().all(|rep| *rep == team.login("bob")));
    // Asking for Maria's list shows nothing of hers.
    let marias_for_ben = team.team_rank("bob", &["--rep", &ann]);
    assert!(rows(&marias_for_ben).is_empty());

    // Raw SQL as Ben: the summary shows his rows only, and he cannot change it.
    let mut psql = team.psql("bob");
    let hers: i64 = psql
        .query_one(
            "SELECT COUNT(*) FROM candor.customer_summary WHERE owner_login = $1",
            &[&ann],
        )
        .unwrap()
        .get(0);
    assert_eq!(hers, 0);
    let all: i64 = psql
        .query_one("SELECT COUNT(*) FROM candor.customer_summary", &[])
        .unwrap()
        .get(0);
    assert_eq!(all, 40);
    assert!(
        psql.batch_execute("UPDATE candor.customer_summary SET owner_login = 'x'")
            .is_err()
    );
    assert!(
        team.psql("bob")
            .batch_execute("SELECT candor.refresh_all_summaries()")
            .is_err()
    );
    // Meg sees all 80.
    let everyone: i64 = team
        .psql("meg")
        .query_one("SELECT COUNT(*) FROM candor.customer_summary", &[])
        .unwrap()
        .get(0);
    assert_eq!(everyone, 80);

    // A customer shared with Ben shows in his list under Maria's name.
    let shared = rows(&local_rank(&maria))[0].0.clone();
    let url = team.url("ann");
    let output = team.cli(
        "ann",
        &[
            "team",
            "share",
            "--server",
            &url,
            "--customer",
            &shared,
            "--with",
            &team.login("bob"),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let as_ben = team.team_rank("bob", &[]);
    let names: Vec<String> = rows(&as_ben).into_iter().map(|r| r.0).collect();
    let position = names.iter().position(|n| *n == shared).unwrap();
    assert_eq!(reps(&as_ben)[position], ann);
}

#[test]
fn a_handover_and_new_entries_keep_the_summary_current() {
    let team = Team::new("keep");
    let dir = tempfile::tempdir().unwrap();
    let maria = team.synced_journal("ann", dir.path(), 5, T0);
    team.synced_journal("bob", dir.path(), 6, T0 + 1_000);
    let (ann, bob) = (team.login("ann"), team.login("bob"));
    let first = rows(&team.team_rank("ann", &[]))[0].0.clone();

    let url = team.url("meg");
    let output = team.cli(
        "meg",
        &[
            "team",
            "handover",
            "--server",
            &url,
            "--customer",
            &first,
            "--to",
            &bob,
            "--at",
            "2026-06-15 23:00",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Ben's list has it now, saying he took over from Maria; hers does not.
    let as_ben = team.team_rank("bob", &[]);
    let row = rows(&as_ben)
        .into_iter()
        .find(|r| r.0 == first)
        .expect("Ben's list has the customer handed over to him");
    assert!(row.3.iter().any(|r| r.0 == "took_over"), "{row:?}");
    assert!(
        !rows(&team.team_rank("ann", &[]))
            .iter()
            .any(|r| r.0 == first)
    );
    let as_meg = team.team_rank("meg", &["--rep", &ann]);
    assert!(!rows(&as_meg).iter().any(|r| r.0 == first));

    // Maria logs a call that reaches a customer of hers: after her sync, the team list
    // matches her own again.
    let mut store = Store::open(&maria).unwrap();
    let second = rows(&local_rank(&maria))[0].0.clone();
    let customer = store
        .customers()
        .unwrap()
        .into_iter()
        .find(|c| c.name == second)
        .unwrap();
    let when = chrono::NaiveDate::from_ymd_opt(2026, 6, 15)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    store
        .add_entry(
            candor::domain::EntryDraft {
                customer_id: customer.id,
                occurred_at: when,
                summary: "Caught up".to_owned(),
                kind: candor::domain::EntryKind::Contact(candor::domain::Contact {
                    channel: candor::domain::Channel::Call,
                    direction: candor::domain::Direction::Outbound,
                    outcome: candor::domain::Outcome::Reached,
                    duration_mins: Some(5),
                }),
            },
            when,
        )
        .unwrap();
    team.connect("ann")
        .sync(&mut store, T0 + 10_000, &mut |_| {})
        .unwrap();
    drop(store);
    assert_eq!(
        sorted(rows(&team.team_rank("ann", &[]))),
        sorted(rows(&local_rank(&maria)))
    );
    // Each changed customer was recomputed when its transaction committed: none is left
    // marked.
    let marked: i64 = cluster()
        .admin(&team.db)
        .query_one("SELECT COUNT(*) FROM candor.summary_dirty", &[])
        .unwrap()
        .get(0);
    assert_eq!(marked, 0);
}

#[test]
fn a_version_2_team_database_upgraded_to_3_keeps_its_data_and_fills_the_summary() {
    let team = Team::at_version("upgr", 2);
    let dir = tempfile::tempdir().unwrap();
    let maria = team.synced_journal("ann", dir.path(), 7, T0);
    let mut admin = cluster().admin(&team.db);
    let count = |admin: &mut postgres::Client, sql: &str| -> i64 {
        admin.query_one(sql, &[]).unwrap().get(0)
    };
    let entries = count(&mut admin, "SELECT COUNT(*) FROM candor.entries");
    let events = count(&mut admin, "SELECT COUNT(*) FROM candor.events");
    assert!(entries >= 2000, "{entries}");

    // On version 2, the team ranking asks for the upgrade.
    let url = team.url("ann");
    let refused = team.cli("ann", &["team", "rank", "--server", &url, "--today", TODAY]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("has team schema version 2, and team rankings need version 3"),
        "{message}"
    );

    let init = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &cluster().admin_url(&team.db)])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&init.stdout).contains("upgraded from version 2"),
        "{}",
        String::from_utf8_lossy(&init.stdout)
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM candor.entries"),
        entries
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM candor.events"),
        events
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM candor.customer_summary"),
        count(&mut admin, "SELECT COUNT(*) FROM candor.customers")
    );
    assert_eq!(
        sorted(rows(&team.team_rank("ann", &[]))),
        sorted(rows(&local_rank(&maria)))
    );
}

#[test]
fn a_version_6_team_database_upgraded_to_7_keeps_its_summary_as_text_and_ranks_the_same() {
    let team = Team::at_version("upg7", 6);
    let dir = tempfile::tempdir().unwrap();
    let maria = team.synced_journal("ann", dir.path(), 11, T0);
    let mut admin = cluster().admin(&team.db);
    let summary_types = |admin: &mut postgres::Client| -> Vec<(String, String)> {
        admin
            .query(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = 'candor' AND table_name = 'customer_summary' \
                   AND column_name IN ('last_rating', 'broken_promises', 'open_items', \
                                       'taken_over') ORDER BY column_name",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect()
    };
    assert!(
        summary_types(&mut admin)
            .iter()
            .all(|(_, ty)| ty == "jsonb"),
        "{:?}",
        summary_types(&mut admin)
    );
    // This Candor still ranks a version-6 server (jsonb columns) ...
    let before = sorted(rows(&team.team_rank("ann", &[])));
    let mine = sorted(rows(&local_rank(&maria)));
    assert_eq!(before, mine);
    let summaries: i64 = admin
        .query_one("SELECT COUNT(*) FROM candor.customer_summary", &[])
        .unwrap()
        .get(0);

    let init = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &cluster().admin_url(&team.db)])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&init.stdout).contains("upgraded from version 6"),
        "{}",
        String::from_utf8_lossy(&init.stdout)
    );
    // ... and after the upgrade the same rows are kept as text and rank the same.
    assert_eq!(
        summary_types(&mut admin),
        ["broken_promises", "last_rating", "open_items", "taken_over"]
            .map(|column| (column.to_owned(), "text".to_owned()))
            .to_vec()
    );
    let after_count: i64 = admin
        .query_one("SELECT COUNT(*) FROM candor.customer_summary", &[])
        .unwrap()
        .get(0);
    assert_eq!(after_count, summaries);
    assert_eq!(sorted(rows(&team.team_rank("ann", &[]))), mine);
    // The refresh functions, written for jsonb, store text now and still agree.
    admin
        .batch_execute("SELECT candor.refresh_all_summaries()")
        .unwrap();
    assert_eq!(sorted(rows(&team.team_rank("ann", &[]))), mine);
    assert_eq!(
        sorted(rows(&team.team_rank("ann", &["--limit", "5"]))),
        sorted(rows(&local_rank(&maria)).into_iter().take(5).collect())
    );
}

/// A CSV report's rows without the columns named in `drop` (ids differ between a journal
/// and the team; the rank of tied customers too), sorted, and its header.
fn csv_rows(path: &Path, drop: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let keep: Vec<usize> = (0..headers.len())
        .filter(|&i| !drop.contains(&headers[i].as_str()))
        .collect();
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            keep.iter().map(|&i| r[i].to_owned()).collect()
        })
        .collect();
    rows.sort();
    (headers, rows)
}

fn local_export(journal: &Path, report: &str, out: &Path) {
    let output = cargo_bin_cmd!("candor")
        .args([
            "--db",
            &journal.display().to_string(),
            "export",
            "--report",
            report,
            "--today",
            TODAY,
            "--out",
            &out.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Team {
    fn export(&self, who: &str, report: &str, out: &Path) -> std::process::Output {
        let url = self.url(who);
        self.cli(
            who,
            &[
                "team",
                "export",
                "--server",
                &url,
                "--report",
                report,
                "--today",
                TODAY,
                "--out",
                &out.display().to_string(),
            ],
        )
    }
}

#[test]
fn team_reports_are_each_reps_own_reports_with_a_rep_column_and_a_rep_sees_only_theirs() {
    let team = Team::new("expo");
    let dir = tempfile::tempdir().unwrap();
    let maria = team.synced_journal("ann", dir.path(), 8, T0);
    // A name a spreadsheet would run as a formula.
    let mut store = Store::open(&maria).unwrap();
    store
        .add_customer(
            candor::domain::CustomerDraft::named("=HYPERLINK(\"http://x\")"),
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        )
        .unwrap();
    team.connect("ann")
        .sync(&mut store, T0 + 500, &mut |_| {})
        .unwrap();
    drop(store);
    team.synced_journal("bob", dir.path(), 9, T0 + 1_000);
    let (ann, bob) = (team.login("ann"), team.login("bob"));

    for (report, local_report, ids) in [
        (
            "timeline",
            "timeline",
            &["entry_id", "customer_id", "related_entry_id"][..],
        ),
        ("promises", "promises", &["entry_id", "customer_id"][..]),
        ("customers", "customers", &["customer_id"][..]),
        ("call-list", "call-first", &["customer_id", "rank"][..]),
    ] {
        let mine = dir.path().join(format!("local-{report}.csv"));
        local_export(&maria, local_report, &mine);
        let theirs = dir.path().join(format!("team-{report}.csv"));
        let output = team.export("ann", report, &theirs);
        assert!(
            output.status.success(),
            "{report}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut dropped = ids.to_vec();
        dropped.push("rep");
        let (local_headers, local_rows) = csv_rows(&mine, ids);
        let (team_headers, team_rows) = csv_rows(&theirs, &dropped);
        assert_eq!(team_headers[0], "rep");
        assert_eq!(team_headers[1..], local_headers[..], "{report}");
        assert!(!local_rows.is_empty(), "{report}");
        assert_eq!(team_rows, local_rows, "{report}");
        // Every row is Maria's.
        let (_, reps) = csv_rows(&theirs, &[]);
        assert!(reps.iter().all(|row| row[0] == ann), "{report}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&theirs).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{report}");
        }
    }
    // Excel-clean: the formula is neutralised.
    let customers = std::fs::read_to_string(dir.path().join("team-customers.csv")).unwrap();
    assert!(customers.contains("'=HYPERLINK"), "{customers}");

    // Ben's export has his customers only; Meg's has both.
    let bens = dir.path().join("bens-customers.csv");
    assert!(team.export("bob", "customers", &bens).status.success());
    let (_, rows) = csv_rows(&bens, &[]);
    assert_eq!(rows.len(), 40);
    assert!(rows.iter().all(|row| row[0] == bob));
    let bens_timeline = dir.path().join("bens-timeline.csv");
    assert!(
        team.export("bob", "timeline", &bens_timeline)
            .status
            .success()
    );
    let (_, rows) = csv_rows(&bens_timeline, &[]);
    assert!(!rows.is_empty() && rows.iter().all(|row| row[0] == bob));
    let megs = dir.path().join("megs-customers.csv");
    assert!(team.export("meg", "customers", &megs).status.success());
    let (_, rows) = csv_rows(&megs, &[]);
    assert_eq!(rows.len(), 81);

    // A report the team does not have, and an existing file kept when an export fails.
    let refused = team.export("meg", "announcements", &megs);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a team report"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let (_, still) = csv_rows(&megs, &[]);
    assert_eq!(still.len(), 81);
}

mod ui {
    use super::*;
    use candor::app::{CandorApp, FixedClock, Prefs};
    use candor::team::SERVER_SETTING;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

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
    fn a_manager_sees_each_reps_day_and_clicking_a_rep_shows_only_their_customers() {
        let team = Team::new("view");
        let dir = tempfile::tempdir().unwrap();
        let maria_path = team.synced_journal("ann", dir.path(), 11, T0);
        let ben_path = team.synced_journal("bob", dir.path(), 12, T0 + 1_000);
        // Promises Maria kept this month, by her own promises report.
        let report = dir.path().join("marias-promises.csv");
        local_export(&maria_path, "promises", &report);
        let (headers, promises) = csv_rows(&report, &[]);
        let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (outcome, closed_on) = (column("outcome"), column("closed_on"));
        let kept_in_june = promises
            .iter()
            .filter(|p| {
                p[outcome] == "kept"
                    && p[closed_on].as_str() >= "2026-06-01"
                    && p[closed_on].as_str() <= TODAY
            })
            .count() as i64;
        let as_meg = team.team_rank("meg", &[]);
        let marias: Vec<String> = rows(&team.team_rank("meg", &["--rep", &team.login("ann")]))
            .into_iter()
            .map(|r| r.0)
            .collect();
        let bens: Vec<String> = rows(&team.team_rank("meg", &["--rep", &team.login("bob")]))
            .into_iter()
            .map(|r| r.0)
            .collect();
        let top = rows(&as_meg)[0].0.clone();
        let top_rep = if reps(&as_meg)[0] == team.login("ann") {
            "Maria"
        } else {
            "Ben"
        };

        // Meg's journal knows the team and her saved password, as File → Team… leaves it.
        let password_file = dir.path().join("pgpass");
        // SAFETY: set before the app starts its threads; no other test here reads it.
        unsafe { std::env::set_var("PGPASSFILE", &password_file) };
        let address = TeamAddress::parse(&team.url("meg")).unwrap();
        candor::team::save_password(&address, &format!("pw-{}", team.login("meg"))).unwrap();
        let meg_path = dir.path().join("meg.sqlite3");
        let mut meg = Store::open(&meg_path).unwrap();
        meg.set_team_setting(SERVER_SETTING, address.saved_text())
            .unwrap();
        drop(meg);

        let now = chrono::NaiveDate::from_ymd_opt(2026, 6, 15)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap();
        let app = CandorApp::open(
            meg_path.clone(),
            Prefs::default(),
            Box::new(FixedClock(now)),
        );
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1400.0, 900.0))
            .build_ui_state(|ui, app: &mut CandorApp| app.ui(ui), app);
        harness.run_steps(8);
        harness.get_by_label("View").click();
        harness.run_steps(4);
        // The menu entry reads its shortcut too.
        harness.get_by_label_contains("Team view").click();
        harness.run_steps(4);
        assert!(harness.state().team_view.open);
        wait_until(&mut harness, |h| h.query_by_label("Maria").is_some());

        // One row per rep, and the whole team's list, first to call first.
        harness.get_by_label("Ben");
        harness.get_by_label("Owed a call today");
        harness.get_by_label("Untold slips");
        harness.get_by_label("Kept this month");
        harness.get_by_label("Last sync");
        harness.get_by_label("Call them first — whole team");
        harness.get_by_label(&format!("{top} — {top_rep}"));

        // Each rep's counts are those of their own list.
        let lines = harness.state().team_view.overview().unwrap().reps.clone();
        let line = |login: String| lines.iter().find(|l| l.login == login).unwrap().clone();
        let (maria, ben, meg) = (
            line(team.login("ann")),
            line(team.login("bob")),
            line(team.login("meg")),
        );
        assert_eq!(maria.owed_today, marias.len());
        assert_eq!(ben.owed_today, bens.len());
        let untold = |who: &str| {
            rows(&team.team_rank("meg", &["--rep", &team.login(who)]))
                .iter()
                .flat_map(|row| row.3.iter())
                .filter(|reason| reason.0 == "slipping_untold")
                .count()
        };
        assert_eq!(maria.untold_slips, untold("ann"));
        assert_eq!(ben.untold_slips, untold("bob"));
        assert!(maria.untold_slips + ben.untold_slips > 0);
        assert!(kept_in_june > 0);
        assert_eq!(maria.kept_this_month, kept_in_june);
        assert!(maria.last_sync.is_some() && ben.last_sync.is_some());
        assert_eq!(meg.last_sync, None);
        assert_eq!(meg.owed_today, 0);

        // Clicking Ben shows only his customers.
        harness.get_by_label("Ben").click();
        harness.run_steps(4);
        harness.get_by_label("Call them first — Ben");
        harness.get_by_label(&format!("{} — Ben", bens[0]));
        assert!(
            harness.query_by_label_contains(" — Maria").is_none(),
            "Maria's customers are still listed"
        );
        // Then Maria's.
        harness.get_by_label("Maria").click();
        harness.run_steps(4);
        harness.get_by_label("Call them first — Maria");
        harness.get_by_label(&format!("{} — Maria", marias[0]));
        assert!(harness.query_by_label_contains(" — Ben").is_none());
        // And back to everyone.
        harness.get_by_label("Show everyone").click();
        harness.run_steps(4);
        harness.get_by_label("Call them first — whole team");

        // Ben deletes his first customer and syncs. Nobody clicks Refresh: Meg's next
        // background sync completes, and the view asks the team again by itself.
        let mut ben = Store::open(&ben_path).unwrap();
        let gone = ben
            .customers()
            .unwrap()
            .into_iter()
            .find(|c| c.name == bens[0])
            .unwrap();
        ben.delete_customer(gone.id, now).unwrap();
        team.connect("bob")
            .sync(&mut ben, T0 + 5_000, &mut |_| {})
            .unwrap();
        drop(ben);
        let listed = |h: &Harness<'_, CandorApp>, name: &str| {
            h.state()
                .team_view
                .overview()
                .is_some_and(|o| o.ranking.ranked.iter().any(|c| c.name == name))
        };
        assert!(listed(&harness, &bens[0]));
        harness.state().request_sync();
        wait_until(&mut harness, |h| !listed(h, &bens[0]));
        let lines = harness.state().team_view.overview().unwrap().reps.clone();
        assert_eq!(line(team.login("bob")).owed_today, bens.len());
        assert_eq!(
            lines
                .iter()
                .find(|l| l.login == team.login("bob"))
                .unwrap()
                .owed_today,
            bens.len() - 1
        );
        harness.get_by_label("Ben").click();
        harness.run_steps(4);
        harness.get_by_label(&format!("{} — Ben", bens[1]));
        // The shortcut closes the view again.
        harness.key_press_modifiers(
            egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
            egui::Key::T,
        );
        harness.run_steps(4);
        assert!(!harness.state().team_view.open);
        assert!(harness.query_by_label("Owed a call today").is_none());
    }
}
