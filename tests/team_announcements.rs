//! Teams, part 2's gaps, against a real PostgreSQL the tests start themselves
//! (tests/support/pg.rs): announcements reach the team ranking, and the team reports carry
//! the team's currency.
//!
//! Meg (the manager) announces a price increase to everyone; Maria (`ann`) announces new
//! terms to three of her own customers. Maria's `candor team rank` gives exactly the
//! reasons of her own `candor rank`, before and after she tells two of them; Ben (`bob`)
//! gets Meg's announcement, never Maria's; Meg sees both reps' customers, each announcement
//! reason naming the rep who owes it.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use candor::domain::announcement::{
    AnnouncementDraft, AnnouncementId, AnnouncementKind, Audience, Reaction,
};
use candor::domain::{BadNews, BadNewsKind, CustomerId, EntryDraft, EntryKind};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;
use support::pg::cluster;
use support::team::Team;

const T0: i64 = 1_795_000_000_000;
const TODAY: &str = "2026-06-15";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
}

fn at(date: NaiveDate, hour: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, 0, 0).unwrap()
}

fn days(n: i64) -> NaiveDate {
    today() + chrono::Duration::days(n)
}

/// A generated journal for `who` (40 customers, orders among their entries).
fn generated(dir: &Path, who: &str, seed: u64) -> PathBuf {
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
    path
}

fn announce(
    store: &mut Store,
    kind: AnnouncementKind,
    title: &str,
    effective: NaiveDate,
    audience: Audience,
) -> AnnouncementId {
    store
        .add_announcement(
            AnnouncementDraft {
                kind,
                title: title.into(),
                reason: "our costs went up".into(),
                effective,
                audience,
            },
            at(days(-3), 9),
        )
        .unwrap()
        .id
}

fn tell(store: &mut Store, announcement: AnnouncementId, customer: CustomerId) {
    store
        .tell_announcement(
            announcement,
            EntryDraft {
                customer_id: customer,
                occurred_at: at(today(), 8),
                summary: "Told them in person".into(),
                kind: EntryKind::BadNews(BadNews {
                    about: BadNewsKind::PriceIncrease,
                    related: None,
                    proactive: true,
                }),
            },
            Reaction::Neutral,
            at(today(), 8),
        )
        .unwrap();
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

/// `candor team rank --format json` as `who`.
fn team_rank(team: &Team, who: &str) -> Value {
    team_rank_with(team, who, &[])
}

/// `candor team rank --format json` as `who`, with `extra` arguments.
fn team_rank_with(team: &Team, who: &str, extra: &[&str]) -> Value {
    let url = team.url(who);
    let mut args = vec![
        "team", "rank", "--server", &url, "--today", TODAY, "--format", "json",
    ];
    args.extend_from_slice(extra);
    let output = team.cli(who, &args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// One ranked customer: name, score, opener, every reason (kind, points, text, since), and
/// the rep when the list names one.
type Row = (String, i64, String, Vec<(String, i64, String, String)>);

fn rows_of(document: &Value, rep: Option<&str>) -> Vec<Row> {
    let mut rows: Vec<Row> = document["customers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| rep.is_none_or(|rep| c["rep"].as_str() == Some(rep)))
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
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.cmp(b)));
    rows
}

fn rows(document: &Value) -> Vec<Row> {
    rows_of(document, None)
}

/// Every announcement reason's text, with the customer's name.
fn announcement_texts(rows: &[Row]) -> Vec<(String, String)> {
    rows.iter()
        .flat_map(|row| {
            row.3
                .iter()
                .filter(|reason| reason.0 == "announcement_untold")
                .map(|reason| (row.0.clone(), reason.2.clone()))
        })
        .collect()
}

/// `rows` with " — {name}'s to tell" taken off the announcement reasons (what the rep's
/// own list says).
fn without_owed_by(rows: Vec<Row>, name: &str) -> Vec<Row> {
    let suffix = format!(" — {name}'s to tell");
    rows.into_iter()
        .map(|mut row| {
            for reason in &mut row.3 {
                if reason.0 == "announcement_untold" {
                    assert!(reason.2.ends_with(&suffix), "{:?} for {}", reason.2, row.0);
                    reason.2.truncate(reason.2.len() - suffix.len());
                }
            }
            row
        })
        .collect()
}

#[test]
fn announcements_give_the_same_reasons_in_the_team_ranking_as_in_each_reps_own_list() {
    let team = Team::new("annc");
    let dir = tempfile::tempdir().unwrap();

    // Meg announces a price increase to everyone, effective in ten days.
    let meg_path = dir.path().join("meg.sqlite3");
    let mut meg = Store::open(&meg_path).unwrap();
    announce(
        &mut meg,
        AnnouncementKind::PriceIncrease,
        "Prices rise 4%",
        days(10),
        Audience::All,
    );
    team.sync("meg", &mut meg, T0);

    // Maria announces new terms to three of her customers (in effect since five days: the
    // strongest announcement reason), and gets Meg's.
    let maria_path = generated(dir.path(), "ann", 21);
    let mut maria = Store::open(&maria_path).unwrap();
    let mut picked: Vec<CustomerId> = maria
        .customers()
        .unwrap()
        .iter()
        .filter(|c| !c.archived)
        .map(|c| c.id)
        .take(3)
        .collect();
    picked.sort();
    let terms = announce(
        &mut maria,
        AnnouncementKind::ChangeOfTerms,
        "New payment terms",
        days(-5),
        Audience::Picked(picked.clone()),
    );
    team.sync("ann", &mut maria, T0 + 1_000);
    drop(maria);
    let ben_path = generated(dir.path(), "bob", 22);
    let mut ben = Store::open(&ben_path).unwrap();
    team.sync("bob", &mut ben, T0 + 2_000);
    drop(ben);

    let marias_own = rows(&local_rank(&maria_path));
    let bens_own = rows(&local_rank(&ben_path));
    let marias_reasons = announcement_texts(&marias_own);
    assert!(
        marias_reasons
            .iter()
            .filter(|(_, text)| text.contains("New payment terms"))
            .count()
            == 3
            && marias_reasons
                .iter()
                .filter(|(_, text)| text.contains("Prices rise 4%"))
                .count()
                > 10,
        "{marias_reasons:?}"
    );
    let bens_reasons = announcement_texts(&bens_own);
    assert!(bens_reasons.len() > 10, "{bens_reasons:?}");
    assert!(
        bens_reasons
            .iter()
            .all(|(_, text)| text.contains("Prices rise 4%")),
        "{bens_reasons:?}"
    );

    // Each rep's team ranking is their own list, announcement reasons included.
    assert_eq!(rows(&team_rank(&team, "ann")), marias_own);
    assert_eq!(rows(&team_rank(&team, "bob")), bens_own);

    // Meg sees both, each announcement reason naming whose it is to tell; Maria's own
    // announcement is on her customers only.
    let as_meg = team_rank(&team, "meg");
    let megs_maria = rows_of(&as_meg, Some(&team.login("ann")));
    let megs_ben = rows_of(&as_meg, Some(&team.login("bob")));
    assert_eq!(
        rows(&team_rank_with(
            &team,
            "meg",
            &["--rep", &team.login("ann")]
        )),
        megs_maria
    );
    assert_eq!(without_owed_by(megs_maria, "Maria"), marias_own);
    assert_eq!(without_owed_by(megs_ben, "Ben"), bens_own);

    // Maria tells one customer about each announcement; both lists drop exactly those.
    let mut maria = Store::open(&maria_path).unwrap();
    let prices = maria
        .announcements()
        .unwrap()
        .into_iter()
        .find(|a| a.title == "Prices rise 4%")
        .unwrap()
        .id;
    let first = maria.customer(picked[0]).unwrap().name;
    let second = maria.customer(picked[1]).unwrap().name;
    let third = maria.customer(picked[2]).unwrap().name;
    tell(&mut maria, terms, picked[0]);
    tell(&mut maria, prices, picked[1]);
    team.sync("ann", &mut maria, T0 + 3_000);
    drop(maria);
    let marias_after = rows(&local_rank(&maria_path));
    let after = announcement_texts(&marias_after);
    assert!(
        !after
            .iter()
            .any(|(name, text)| *name == first && text.contains("New payment terms")),
        "{after:?}"
    );
    assert!(
        !after
            .iter()
            .any(|(name, text)| *name == second && text.contains("Prices rise 4%")),
        "{after:?}"
    );
    assert_eq!(
        after.len(),
        marias_reasons.len() - 2,
        "{after:?} {marias_reasons:?}"
    );
    assert_eq!(rows(&team_rank(&team, "ann")), marias_after);
    let as_meg = team_rank(&team, "meg");
    assert_eq!(
        without_owed_by(rows_of(&as_meg, Some(&team.login("ann"))), "Maria"),
        marias_after
    );
    assert_eq!(rows(&team_rank(&team, "bob")), bens_own);

    // The customers report counts them as Maria's own does: affecting, told, told late (the
    // new terms took effect five days ago), not told, the next one.
    let mine = dir.path().join("local-customers.csv");
    local_export(&maria_path, "customers", &mine);
    let theirs = dir.path().join("team-customers.csv");
    team_export(&team, "ann", "customers", &theirs);
    let (headers, local_rows) = csv_rows(&mine, &["customer_id"]);
    assert_eq!(
        csv_rows(&theirs, &["customer_id", "rep"]),
        (headers.clone(), local_rows.clone())
    );
    let late = headers
        .iter()
        .position(|h| h == "announcements_told_late")
        .unwrap();
    assert_eq!(local_rows.iter().filter(|row| row[late] == "1").count(), 1);
    let not_told = headers
        .iter()
        .position(|h| h == "announcements_not_told")
        .unwrap();
    assert!(local_rows.iter().filter(|row| row[not_told] == "2").count() >= 1);

    // A customer of Maria's shared with Ben: on Ben's team list with Meg's announcement,
    // named as Maria's to tell; Maria's own announcement stays hers.
    let url = team.url("meg");
    let shared = team.cli(
        "meg",
        &[
            "team",
            "share",
            "--server",
            &url,
            "--customer",
            &third,
            "--with",
            &team.login("bob"),
        ],
    );
    assert!(
        shared.status.success(),
        "{}",
        String::from_utf8_lossy(&shared.stderr)
    );
    let as_ben = rows(&team_rank(&team, "bob"));
    let on_bens_list: Vec<String> = announcement_texts(&as_ben)
        .into_iter()
        .filter(|(name, _)| *name == third)
        .map(|(_, text)| text)
        .collect();
    assert_eq!(on_bens_list.len(), 1, "{on_bens_list:?}");
    assert!(
        on_bens_list[0].contains("Prices rise 4%")
            && on_bens_list[0].ends_with("— Maria's to tell"),
        "{on_bens_list:?}"
    );

    // In the database itself: Ben reads Meg's announcement, not Maria's; Meg reads both.
    let count = |who: &str| -> i64 {
        team.psql(who)
            .query_one("SELECT COUNT(*) FROM candor.announcements", &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(count("bob"), 1);
    assert_eq!(count("ann"), 2);
    assert_eq!(count("meg"), 2);
    let bens_tellings: i64 = team
        .psql("bob")
        .query_one("SELECT COUNT(*) FROM candor.announcement_tellings", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        bens_tellings, 0,
        "Maria's tellings are her customers' history"
    );
}

#[test]
fn a_version_8_team_database_upgraded_to_9_finds_the_announcements_already_synced() {
    let team = Team::at_version("upg9", 8);
    let dir = tempfile::tempdir().unwrap();
    let meg_path = dir.path().join("meg.sqlite3");
    let mut meg = Store::open(&meg_path).unwrap();
    announce(
        &mut meg,
        AnnouncementKind::PriceIncrease,
        "Prices rise 4%",
        days(3),
        Audience::All,
    );
    team.sync("meg", &mut meg, T0);
    let maria_path = generated(dir.path(), "ann", 31);
    let mut maria = Store::open(&maria_path).unwrap();
    let customers: Vec<CustomerId> = maria
        .customers()
        .unwrap()
        .iter()
        .filter(|c| !c.archived)
        .map(|c| c.id)
        .take(2)
        .collect();
    let picked = announce(
        &mut maria,
        AnnouncementKind::DiscontinuedProduct,
        "Model X discontinued",
        days(20),
        Audience::Picked(customers.clone()),
    );
    team.sync("ann", &mut maria, T0 + 1_000);
    let prices = maria
        .announcements()
        .unwrap()
        .into_iter()
        .find(|a| a.title == "Prices rise 4%")
        .unwrap()
        .id;
    tell(&mut maria, prices, customers[0]);
    tell(&mut maria, picked, customers[1]);
    team.sync("ann", &mut maria, T0 + 2_000);
    drop(maria);
    let mine = rows(&local_rank(&maria_path));
    assert!(announcement_texts(&mine).len() > 10);

    // Version 8 keeps announcements in the event log only: the team ranking lacks them.
    let before = rows(&team_rank(&team, "ann"));
    assert!(announcement_texts(&before).is_empty());
    assert_ne!(before, mine);

    let init = cargo_bin_cmd!("candor")
        .args(["team", "init", "--server", &cluster().admin_url(&team.db)])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&init.stdout).contains("upgraded from version 8"),
        "{}",
        String::from_utf8_lossy(&init.stdout)
    );
    let mut admin = cluster().admin(&team.db);
    let count = |admin: &mut postgres::Client, table: &str| -> i64 {
        admin
            .query_one(&format!("SELECT COUNT(*) FROM candor.{table}"), &[])
            .unwrap()
            .get(0)
    };
    assert_eq!(count(&mut admin, "announcements"), 2);
    assert_eq!(count(&mut admin, "announcement_customers"), 2);
    assert_eq!(count(&mut admin, "announcement_tellings"), 2);
    assert_eq!(rows(&team_rank(&team, "ann")), mine);

    // New announcements after the upgrade are projected as they are pushed.
    announce(
        &mut meg,
        AnnouncementKind::Other,
        "New opening hours",
        days(1),
        Audience::All,
    );
    team.sync("meg", &mut meg, T0 + 3_000);
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0 + 4_000);
    drop(maria);
    assert_eq!(count(&mut admin, "announcements"), 3);
    let mine = rows(&local_rank(&maria_path));
    assert!(
        announcement_texts(&mine)
            .iter()
            .any(|(_, text)| text.contains("New opening hours"))
    );
    assert_eq!(rows(&team_rank(&team, "ann")), mine);
}

/// `candor export --report REPORT` of a journal.
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

/// `candor team export --report REPORT` as `who`.
fn team_export(team: &Team, who: &str, report: &str, out: &Path) {
    let url = team.url(who);
    let output = team.cli(
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
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CSV report's header and rows without the columns named in `drop`, sorted.
fn csv_rows(path: &Path, drop: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(bytes);
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
    (keep.iter().map(|&i| headers[i].clone()).collect(), rows)
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let (headers, rows) = csv_rows(path, &[]);
    let i = headers.iter().position(|h| h == name).unwrap();
    rows.into_iter().map(|row| row[i].clone()).collect()
}

#[test]
fn team_reports_carry_the_currency_a_manager_sets_for_the_team() {
    let team = Team::new("curr");
    let dir = tempfile::tempdir().unwrap();
    let maria_path = generated(dir.path(), "ann", 41);
    let journal = maria_path.display().to_string();
    cargo_bin_cmd!("candor")
        .args([
            "--db",
            &journal,
            "currency",
            "--set",
            "EUR",
            "--number-format",
            "de-DE",
        ])
        .assert()
        .success();
    let mut maria = Store::open(&maria_path).unwrap();
    team.sync("ann", &mut maria, T0);
    drop(maria);
    let export = |who: &str, report: &str, out: &Path| {
        let url = team.url(who);
        let output = team.cli(
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
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };

    // Until someone sets it, the team has no currency: an empty column, as a journal
    // without one writes it.
    let unset = dir.path().join("unset.csv");
    export("ann", "customers", &unset);
    assert!(column(&unset, "currency").iter().all(String::is_empty));

    // A rep may not set it; a manager may, and everyone reads it.
    let url = team.url("bob");
    let refused = team.cli(
        "bob",
        &["team", "currency", "--server", &url, "--set", "EUR"],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Only a manager"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let url = team.url("meg");
    let set = team.cli(
        "meg",
        &[
            "team",
            "currency",
            "--server",
            &url,
            "--set",
            "eur",
            "--number-format",
            "de-DE",
        ],
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(
        String::from_utf8_lossy(&set.stdout).contains("Team currency: EUR (Euro)"),
        "{}",
        String::from_utf8_lossy(&set.stdout)
    );
    let url = team.url("bob");
    let shown = team.cli("bob", &["team", "currency", "--server", &url]);
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("EUR") && shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stdout)
    );
    let wrong = team.cli(
        "meg",
        &[
            "team",
            "currency",
            "--server",
            &team.url("meg"),
            "--set",
            "XYZ",
        ],
    );
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("not a currency Candor knows"));

    // Every team report now reads as Maria's own euro reports do.
    for (report, local_report, ids) in [
        ("customers", "customers", &["customer_id"][..]),
        (
            "timeline",
            "timeline",
            &["entry_id", "customer_id", "related_entry_id"][..],
        ),
        ("call-list", "call-first", &["customer_id", "rank"][..]),
    ] {
        let mine = dir.path().join(format!("local-{report}.csv"));
        let output = cargo_bin_cmd!("candor")
            .args([
                "--db",
                &journal,
                "export",
                "--report",
                local_report,
                "--today",
                TODAY,
                "--out",
                &mine.display().to_string(),
            ])
            .output()
            .unwrap();
        assert!(output.status.success());
        let theirs = dir.path().join(format!("team-{report}.csv"));
        export("ann", report, &theirs);
        let mut dropped = ids.to_vec();
        dropped.push("rep");
        assert_eq!(
            csv_rows(&theirs, &dropped),
            csv_rows(&mine, ids),
            "{report}"
        );
    }
    let customers = dir.path().join("team-customers.csv");
    assert!(column(&customers, "currency").iter().all(|c| c == "EUR"));
    let timeline = dir.path().join("team-timeline.csv");
    let currencies = column(&timeline, "currency");
    assert!(currencies.iter().any(|c| c == "EUR"), "{currencies:?}");
    // The call list writes amounts in reasons the team's way (de-DE: "1.234,50 €").
    let calls = std::fs::read_to_string(dir.path().join("team-call-list.csv")).unwrap();
    assert!(calls.contains('€'), "{calls}");
}
