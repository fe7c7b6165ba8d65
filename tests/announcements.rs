//! Announcements, as a salesperson lives them: prices rise on 1 March → every customer
//! tagged "north" is on "Call them first", nearest day and most at stake first → telling
//! one takes only that reason away → telling after the day counts as late → the reports
//! and `candor announce status` say who has heard it.

use assert_cmd::cargo::cargo_bin_cmd;
use candor::domain::announcement::{
    AnnouncementDraft, AnnouncementId, AnnouncementKind, Audience, Reaction,
};
use candor::domain::rank::{RankSettings, RankedCustomer, ReasonKind, rank, weights};
use candor::domain::{
    BadNews, BadNewsKind, Cents, Contact, CustomerDraft, CustomerId, EntryDraft, EntryKind, Order,
    OrderStatus,
};
use candor::io::export::{ExportOptions, Report, write_report};
use candor::store::Store;
use chrono::{NaiveDate, NaiveDateTime};

fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, d).unwrap()
}

fn at(date: NaiveDate, hour: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, 0, 0).unwrap()
}

/// Whole units of money, in cents.
fn money(units: i64) -> i64 {
    units * 100
}

/// The day the salesperson looks: nine days before prices rise on 1 March.
fn today() -> NaiveDate {
    day(2, 20)
}

/// A customer reached yesterday with nothing else pending, who ordered `ordered` last
/// month.
fn calm_customer(store: &mut Store, name: &str, tags: &[&str], ordered: i64) -> CustomerId {
    let mut draft = CustomerDraft::named(name);
    draft.company = format!("{name} Ltd");
    draft.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    let id = store
        .add_customer(draft, at(NaiveDate::from_ymd_opt(2025, 12, 1).unwrap(), 9))
        .unwrap()
        .id;
    store
        .add_entry(
            EntryDraft {
                customer_id: id,
                occurred_at: at(day(2, 19), 10),
                summary: "All well".into(),
                kind: EntryKind::Contact(Contact::default()),
            },
            at(day(2, 19), 10),
        )
        .unwrap();
    if ordered > 0 {
        store
            .add_entry(
                EntryDraft {
                    customer_id: id,
                    occurred_at: at(day(1, 15), 10),
                    summary: "Spring stock".into(),
                    kind: EntryKind::Order(Order {
                        amount: Some(Cents(ordered)),
                        promised_delivery: day(1, 25),
                        status: OrderStatus::Delivered,
                        status_changed_at: Some(at(day(1, 25), 9)),
                    }),
                },
                at(day(1, 15), 10),
            )
            .unwrap();
    }
    id
}

fn announce(
    store: &mut Store,
    title: &str,
    effective: NaiveDate,
    audience: Audience,
) -> AnnouncementId {
    store
        .add_announcement(
            AnnouncementDraft {
                kind: AnnouncementKind::PriceIncrease,
                title: title.into(),
                reason: "our distributor raised its prices".into(),
                effective,
                audience,
            },
            at(day(2, 10), 9),
        )
        .unwrap()
        .id
}

fn bad_news(customer: CustomerId, when: NaiveDateTime) -> EntryDraft {
    EntryDraft {
        customer_id: customer,
        occurred_at: when,
        summary: "Told them prices rise 4% on 1 March".into(),
        kind: EntryKind::BadNews(BadNews {
            about: BadNewsKind::PriceIncrease,
            related: None,
            proactive: true,
        }),
    }
}

fn ranking(store: &Store, today: NaiveDate) -> Vec<RankedCustomer> {
    rank(
        &store.rank_facts(today).unwrap(),
        today,
        &RankSettings::default(),
    )
}

fn names(ranked: &[RankedCustomer]) -> Vec<&str> {
    ranked.iter().map(|r| r.name.as_str()).collect()
}

/// The customers on the list because of an announcement, in list order.
fn told_nothing_yet(ranked: &[RankedCustomer]) -> Vec<&str> {
    ranked
        .iter()
        .filter(|r| {
            r.reasons
                .iter()
                .any(|reason| reason.kind == ReasonKind::AnnouncementUntold)
        })
        .map(|r| r.name.as_str())
        .collect()
}

fn announcement_reasons(ranked: &[RankedCustomer], name: &str) -> Vec<String> {
    ranked
        .iter()
        .find(|r| r.name == name)
        .map(|r| {
            r.reasons
                .iter()
                .filter(|reason| reason.kind == ReasonKind::AnnouncementUntold)
                .map(|reason| reason.text.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// North: Ann (ordered 25,000.00), Bob (2,000.00), Cy (nothing), Eve (archived);
/// south: Dee and Fay.
struct Scene {
    store: Store,
    ann: CustomerId,
    bob: CustomerId,
    cy: CustomerId,
    dee: CustomerId,
    eve: CustomerId,
}

fn scene() -> Scene {
    let mut store = Store::open_in_memory().unwrap();
    let ann = calm_customer(&mut store, "Ann", &["north"], money(25_000));
    let bob = calm_customer(&mut store, "Bob", &["North", "vip"], money(2_000));
    let cy = calm_customer(&mut store, "Cy", &["north"], 0);
    let dee = calm_customer(&mut store, "Dee", &["south"], money(50_000));
    let eve = calm_customer(&mut store, "Eve", &["north"], money(90_000));
    calm_customer(&mut store, "Fay", &["south"], 0);
    store.set_archived(eve, true, at(day(2, 1), 9)).unwrap();
    assert!(ranking(&store, today()).is_empty(), "a calm morning");
    Scene {
        store,
        ann,
        bob,
        cy,
        dee,
        eve,
    }
}

#[test]
fn an_announcement_for_a_tag_lists_exactly_those_customers_nearest_day_and_most_at_stake_first() {
    let mut s = scene();
    announce(
        &mut s.store,
        "Prices rise 4%",
        day(3, 1),
        Audience::Tag("north".into()),
    );
    let ranked = ranking(&s.store, today());
    // Archived Eve, with the biggest orders of all, is not affected.
    assert_eq!(names(&ranked), ["Ann", "Bob", "Cy"]);
    let run_up = weights::ANNOUNCEMENT_UNTOLD
        + weights::ANNOUNCEMENT_PER_DAY * (weights::ANNOUNCEMENT_RUN_UP_DAYS - 9);
    assert_eq!(
        ranked.iter().map(|r| r.score).collect::<Vec<_>>(),
        [
            run_up + weights::ANNOUNCEMENT_STAKE_MAX,
            run_up
                + weights::ANNOUNCEMENT_STAKE_MAX * money(2_000)
                    / weights::ANNOUNCEMENT_STAKE_FULL_CENTS,
            run_up
        ]
    );
    let top = &ranked[0];
    assert_eq!(top.reasons[0].kind, ReasonKind::AnnouncementUntold);
    assert!(
        top.reasons[0]
            .text
            .contains("takes effect on 1 March — 9 days left, not told yet"),
        "{}",
        top.reasons[0].text
    );
    assert!(
        top.reasons[0]
            .text
            .contains("25000.00 ordered in the last year")
    );
    assert!(top.opener.contains("from 1 March"), "{}", top.opener);
    assert!(
        top.opener
            .contains("The reason: our distributor raised its prices."),
        "{}",
        top.opener
    );

    // A nearer announcement for the south puts Dee and Fay above the north, whatever the
    // north has ordered.
    announce(
        &mut s.store,
        "New carrier",
        day(2, 23),
        Audience::Tag("south".into()),
    );
    let ranked = ranking(&s.store, today());
    assert_eq!(names(&ranked), ["Dee", "Fay", "Ann", "Bob", "Cy"]);
}

#[test]
fn telling_one_customer_removes_only_that_reason_and_trashing_it_brings_it_back() {
    let mut s = scene();
    let north = announce(
        &mut s.store,
        "Prices rise 4%",
        day(3, 1),
        Audience::Tag("north".into()),
    );
    announce(&mut s.store, "New carrier", day(3, 15), Audience::All);
    assert_eq!(
        announcement_reasons(&ranking(&s.store, today()), "Ann").len(),
        2
    );

    let told = s
        .store
        .tell_announcement(
            north,
            bad_news(s.ann, at(today(), 11)),
            Reaction::Badly,
            at(today(), 11),
        )
        .unwrap();
    let EntryKind::BadNews(news) = &told.kind else {
        panic!("recorded as bad news: {told:?}");
    };
    assert!(news.proactive, "told before the day: we told them first");
    let ranked = ranking(&s.store, today());
    let ann = announcement_reasons(&ranked, "Ann");
    assert_eq!(ann.len(), 1, "{ann:?}");
    assert!(ann[0].contains("New carrier"), "{ann:?}");
    assert_eq!(announcement_reasons(&ranked, "Bob").len(), 2);
    assert_eq!(announcement_reasons(&ranked, "Cy").len(), 2);

    let progress = s.store.announcement_progress(today()).unwrap();
    let north_progress = progress
        .iter()
        .find(|p| p.announcement.id == north)
        .unwrap();
    assert_eq!(
        (
            north_progress.told,
            north_progress.told_late,
            north_progress.not_told
        ),
        (1, 0, 2)
    );
    assert_eq!(
        s.store.telling_of(told.id).unwrap(),
        Some((north, Reaction::Badly))
    );

    // Undo (the entry goes to the trash): Ann has not been told after all.
    s.store.delete_entry(told.id, at(today(), 12)).unwrap();
    assert_eq!(
        announcement_reasons(&ranking(&s.store, today()), "Ann").len(),
        2
    );
    s.store.restore_entry(told.id).unwrap();
    assert_eq!(
        announcement_reasons(&ranking(&s.store, today()), "Ann").len(),
        1
    );
    // Deleted for good, its link goes too.
    s.store.delete_entry(told.id, at(today(), 12)).unwrap();
    s.store.purge_entry(told.id).unwrap();
    assert_eq!(s.store.telling_of(told.id).unwrap(), None);
    assert!(s.store.announcement_tellings().unwrap().is_empty());
}

#[test]
fn telling_after_the_effective_day_counts_as_late_never_as_told_first() {
    let mut s = scene();
    let north = announce(
        &mut s.store,
        "Prices rise 4%",
        day(3, 1),
        Audience::Tag("north".into()),
    );
    let after = day(3, 3);
    let ranked = ranking(&s.store, after);
    let bob = ranked.iter().find(|r| r.name == "Bob").unwrap();
    assert_eq!(bob.reasons[0].kind, ReasonKind::AnnouncementUntold);
    assert!(
        bob.reasons[0].points >= weights::ANNOUNCEMENT_PAST_EFFECTIVE,
        "{bob:?}"
    );
    assert!(
        bob.reasons[0]
            .text
            .contains("took effect on 1 March, 2 days ago"),
        "{}",
        bob.reasons[0].text
    );
    assert!(
        bob.opener
            .starts_with("I should have told you this before 1 March")
    );

    // On the day itself is still in time; the day after is late, and not proactive.
    s.store
        .tell_announcement(
            north,
            bad_news(s.ann, at(day(3, 1), 17)),
            Reaction::Well,
            at(day(3, 1), 17),
        )
        .unwrap();
    let late = s
        .store
        .tell_announcement(
            north,
            bad_news(s.bob, at(after, 9)),
            Reaction::Neutral,
            at(after, 9),
        )
        .unwrap();
    let EntryKind::BadNews(news) = &late.kind else {
        panic!("{late:?}")
    };
    assert!(!news.proactive, "they heard after the day: not told first");
    let progress = &s.store.announcement_progress(after).unwrap()[0];
    assert_eq!(
        (progress.told, progress.told_late, progress.not_told),
        (1, 1, 1)
    );
    assert_eq!(progress.days_left, -2);
    let bob = progress
        .affected
        .iter()
        .find(|a| a.customer_id == s.bob)
        .unwrap();
    assert!(bob.told_late);
    assert_eq!(told_nothing_yet(&ranking(&s.store, after)), ["Cy"]);

    // Long after the day the untold customer leaves the list (the news reached them
    // anyway); the progress still counts them as not told.
    let much_later =
        day(3, 1) + chrono::Days::new(weights::ANNOUNCEMENT_PAST_WINDOW_DAYS as u64 + 1);
    assert!(told_nothing_yet(&ranking(&s.store, much_later)).is_empty());
    assert_eq!(
        s.store.announcement_progress(much_later).unwrap()[0].not_told,
        1
    );
}

#[test]
fn the_audience_is_live_for_tags_fixed_for_picked_and_never_archived_or_newer_customers() {
    let mut s = scene();
    let north = announce(
        &mut s.store,
        "Prices rise 4%",
        day(3, 1),
        Audience::Tag("north".into()),
    );
    let picked = announce(
        &mut s.store,
        "Rep change",
        day(3, 1),
        Audience::Picked(vec![s.cy, s.eve]),
    );
    let affected = |store: &Store, id: AnnouncementId| -> Vec<CustomerId> {
        let mut ids: Vec<CustomerId> = store
            .announcement_progress(today())
            .unwrap()
            .into_iter()
            .find(|p| p.announcement.id == id)
            .unwrap()
            .affected
            .iter()
            .map(|a| a.customer_id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(affected(&s.store, north), [s.ann, s.bob, s.cy]);
    assert_eq!(affected(&s.store, picked), [s.cy], "Eve is archived");

    // Dee is tagged north later: she is affected now. A customer added after the day is not.
    let mut dee = s.store.customer(s.dee).unwrap().to_draft();
    dee.tags.push("north".into());
    s.store.update_customer(s.dee, dee, at(today(), 9)).unwrap();
    let mut newcomer = CustomerDraft::named("Gus");
    newcomer.tags = vec!["north".into()];
    let gus = s.store.add_customer(newcomer, at(day(3, 2), 9)).unwrap().id;
    assert_eq!(affected(&s.store, north), [s.ann, s.bob, s.cy, s.dee]);
    assert!(!affected(&s.store, north).contains(&gus));

    // Telling someone the announcement does not affect is refused, saying why.
    let error = s
        .store
        .tell_announcement(
            picked,
            bad_news(s.ann, at(today(), 10)),
            Reaction::Well,
            at(today(), 10),
        )
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("Ann is not among the customers \"Rep change\" affects"),
        "{error}"
    );
    assert!(
        s.store
            .timeline(s.ann)
            .unwrap()
            .iter()
            .all(|e| e.kind.tag() != candor::domain::EntryKindTag::BadNews)
    );
}

#[test]
fn deleting_an_announcement_made_by_mistake_takes_its_customers_off_the_list_only() {
    let mut s = scene();
    let wrong = announce(
        &mut s.store,
        "Prices rise 40%",
        day(3, 1),
        Audience::Tag("north".into()),
    );
    let told = s
        .store
        .tell_announcement(
            wrong,
            bad_news(s.ann, at(today(), 11)),
            Reaction::Badly,
            at(today(), 11),
        )
        .unwrap();
    assert_eq!(told_nothing_yet(&ranking(&s.store, today())), ["Bob", "Cy"]);
    s.store.delete_announcement(wrong).unwrap();
    assert!(told_nothing_yet(&ranking(&s.store, today())).is_empty());
    assert!(s.store.announcements().unwrap().is_empty());
    assert!(s.store.announcement_tellings().unwrap().is_empty());
    assert_eq!(
        s.store.entry(told.id).unwrap().deleted_at,
        None,
        "what was said stays said"
    );
    let error = s.store.delete_announcement(wrong).unwrap_err().to_string();
    assert!(error.contains("announcement"), "{error}");
}

#[test]
fn an_announcement_needs_a_title_and_picked_customers_that_exist() {
    let mut store = Store::open_in_memory().unwrap();
    let draft = |title: &str, audience| AnnouncementDraft {
        kind: AnnouncementKind::ChangeOfTerms,
        title: title.into(),
        reason: String::new(),
        effective: day(3, 1),
        audience,
    };
    let error = store
        .add_announcement(draft(" ", Audience::All), at(today(), 9))
        .unwrap_err()
        .to_string();
    assert!(error.contains("needs a title"), "{error}");
    let error = store
        .add_announcement(
            draft("Minimum order 100", Audience::Picked(vec![CustomerId(42)])),
            at(today(), 9),
        )
        .unwrap_err()
        .to_string();
    assert!(error.contains("customer"), "{error}");
    assert!(
        store.announcements().unwrap().is_empty(),
        "nothing half-saved"
    );
}

#[test]
fn a_version_2_journal_is_upgraded_to_announcements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        calm_customer(&mut store, "Ann", &["north"], money(100));
        // Take the journal back to version 2 as it shipped: without the announcement tables,
        // the team-sync step that follows them, the ownership step and the customer trash
        // and settings after that, the ranking's indexes (schema 8) with the two indexes
        // they replaced as version 2 made them, the Insights' kept mornings (schema 9), the
        // Insights' indexes with the one they widened as version 1 made it (schema 10) and
        // the latest rating in the summary (schema 11).
        store
            .execute_batch_for_tests(
                "DROP INDEX entries_by_kind_time; DROP INDEX entries_promises_by_first_due; \
                 DROP INDEX entries_promises_by_state; DROP INDEX entries_orders_by_state; \
                 DROP INDEX entries_problems_by_closed_on; \
                 DROP INDEX entries_payments_by_closed_on; \
                 DROP INDEX entries_by_customer_kind_time; \
                 CREATE INDEX entries_by_customer_kind_time \
                     ON entries(customer_id, kind, occurred_at); \
                 ALTER TABLE customer_summary DROP COLUMN last_rating_id; \
                 ALTER TABLE customer_summary DROP COLUMN last_rating; \
                 ALTER TABLE customer_summary DROP COLUMN last_rating_at; \
                 DROP TRIGGER insight_dirty_entry_added; DROP TRIGGER insight_dirty_entry_changed; \
                 DROP TRIGGER insight_dirty_entry_removed; \
                 DROP TRIGGER insight_dirty_customer_added; \
                 DROP TRIGGER insight_dirty_customer_changed; \
                 DROP TRIGGER insight_dirty_customer_removed; \
                 DROP TRIGGER insight_dirty_setting_added; \
                 DROP TRIGGER insight_dirty_setting_changed; \
                 DROP TRIGGER insight_dirty_setting_removed; \
                 DROP TABLE insight_mornings; DROP TABLE insight_cache_state; \
                 DROP INDEX entries_last_rating; DROP INDEX entries_bad_news_about; \
                 DROP INDEX entries_open_items; DROP INDEX entries_broken_promises; \
                 CREATE INDEX entries_open ON entries(customer_id) \
                     WHERE is_open = 1 AND deleted_at IS NULL; \
                 CREATE INDEX entries_broken_promises ON entries(closed_on, customer_id) \
                     WHERE kind = 'promise' AND status = 'broken' AND deleted_at IS NULL; \
                 DROP TRIGGER owned_entry_insert; DROP TRIGGER owned_entry_update; \
                 DROP TRIGGER owned_entry_delete; DROP TRIGGER owned_customer_update; \
                 DROP TRIGGER owned_customer_delete; DROP TABLE team_reps; \
                 ALTER TABLE customers DROP COLUMN team_owner; \
                 ALTER TABLE customers DROP COLUMN previous_owner; \
                 ALTER TABLE customers DROP COLUMN owner_since; \
                 ALTER TABLE customers DROP COLUMN shared_with_me; \
                 ALTER TABLE entries DROP COLUMN author; \
                 DROP TABLE announcement_tellings; DROP TABLE announcement_customers; \
                 DROP TABLE announcements; \
                 DROP TRIGGER sync_customer_insert; DROP TRIGGER sync_customer_update; \
                 DROP TRIGGER sync_customer_delete; DROP TRIGGER sync_entry_insert; \
                 DROP TRIGGER sync_entry_update; DROP TRIGGER sync_entry_delete; \
                 DROP TABLE sync_state; DROP TABLE sync_outbox; DROP TABLE sync_field_clock; \
                 DROP TABLE sync_history; DROP INDEX customers_by_gid; DROP INDEX entries_by_gid; \
                 ALTER TABLE customers DROP COLUMN gid; ALTER TABLE entries DROP COLUMN gid; \
                 DROP TABLE journal_settings; DROP INDEX customers_in_trash; \
                 ALTER TABLE customers DROP COLUMN deleted_at; \
                 PRAGMA user_version = 2;",
            )
            .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(&fresh_dir.path().join("fresh.sqlite3")).unwrap();
    assert_eq!(store.version().unwrap(), fresh.version().unwrap());
    assert_eq!(
        store.version().unwrap().0,
        candor::store::schema::CURRENT_VERSION
    );
    assert_eq!(store.schema_dump().unwrap(), fresh.schema_dump().unwrap());
    assert_eq!(store.customers().unwrap().len(), 1);
    announce(&mut store, "Prices rise 4%", day(3, 1), Audience::All);
    assert_eq!(names(&ranking(&store, today())), ["Ann"]);
    let backups = candor::backup_policy::list_backups(&path).unwrap();
    assert!(
        backups
            .iter()
            .any(|b| b.label.starts_with("before-upgrade-v2")),
        "{backups:?}"
    );
}

fn export(store: &Store, report: Report) -> String {
    let mut bytes = Vec::new();
    write_report(
        store,
        report,
        &ExportOptions::default(),
        day(3, 3),
        &mut bytes,
    )
    .unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'),
        "CRLF"
    );
    text
}

fn cells(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_reports_say_who_was_told_when() {
    let mut s = scene();
    let north = announce(
        &mut s.store,
        "=HYPERLINK(\"x\") prices",
        day(3, 1),
        Audience::Tag("north".into()),
    );
    let in_time = s
        .store
        .tell_announcement(
            north,
            bad_news(s.ann, at(day(2, 25), 15)),
            Reaction::Well,
            at(day(2, 25), 15),
        )
        .unwrap();
    s.store
        .tell_announcement(
            north,
            bad_news(s.bob, at(day(3, 2), 9)),
            Reaction::Badly,
            at(day(3, 2), 9),
        )
        .unwrap();

    let rows = cells(&export(&s.store, Report::Announcements));
    assert_eq!(rows[0], candor::io::export::ANNOUNCEMENT_COLUMNS);
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let row_of = |name: &str| rows.iter().find(|r| r[col("customer")] == name).unwrap();
    assert_eq!(rows.len(), 4, "one row per affected customer: {rows:?}");
    let ann = row_of("Ann");
    assert_eq!(ann[col("announcement")], "'=HYPERLINK(\"x\") prices");
    assert_eq!(ann[col("effective")], "2026-03-01");
    assert_eq!(ann[col("status")], "told");
    assert_eq!(ann[col("told_at")], "2026-02-25T15:00:00");
    assert_eq!(ann[col("told_late")], "no");
    assert_eq!(ann[col("reaction")], "well");
    assert_eq!(ann[col("entry_id")], in_time.id.0.to_string());
    let bob = row_of("Bob");
    assert_eq!(
        (
            bob[col("status")].as_str(),
            bob[col("told_late")].as_str(),
            bob[col("reaction")].as_str()
        ),
        ("told_late", "yes", "badly")
    );
    let cy = row_of("Cy");
    assert_eq!(
        (
            cy[col("status")].as_str(),
            cy[col("told_at")].as_str(),
            cy[col("told_late")].as_str()
        ),
        ("not_told", "", "")
    );

    let rows = cells(&export(&s.store, Report::Customers));
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let row_of = |name: &str| rows.iter().find(|r| r[col("name")] == name).unwrap();
    let news = |name: &str| {
        let row = row_of(name);
        [
            "announcements_affecting",
            "announcements_told",
            "announcements_told_late",
            "announcements_not_told",
            "next_announcement_not_told",
            "next_announcement_effective",
        ]
        .map(|c| row[col(c)].clone())
    };
    assert_eq!(news("Ann"), ["1", "1", "0", "0", "", ""]);
    assert_eq!(news("Bob"), ["1", "0", "1", "0", "", ""]);
    assert_eq!(
        news("Cy"),
        [
            "1",
            "0",
            "0",
            "1",
            "'=HYPERLINK(\"x\") prices",
            "2026-03-01"
        ]
    );
    assert_eq!(news("Dee"), ["0", "0", "0", "0", "", ""]);
}

// ---------------------------------------------------------------------------------------
// Command line

struct CliScene {
    dir: tempfile::TempDir,
}

impl CliScene {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("journal.sqlite3")).unwrap();
        calm_customer(&mut store, "Ann", &["north"], money(100));
        calm_customer(&mut store, "Bob", &["north"], 0);
        calm_customer(&mut store, "Dee", &["south"], 0);
        Self { dir }
    }

    fn journal(&self) -> String {
        self.dir
            .path()
            .join("journal.sqlite3")
            .display()
            .to_string()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let journal = self.journal();
        // `announce status --db J …` as documented; `announce --db J --kind …` to create.
        let mut all = vec!["announce"];
        if args.first() == Some(&"status") {
            all.push("status");
            all.extend_from_slice(&["--db", journal.as_str()]);
            all.extend_from_slice(&args[1..]);
        } else {
            all.extend_from_slice(&["--db", journal.as_str()]);
            all.extend_from_slice(args);
        }
        cargo_bin_cmd!("candor").args(&all).output().unwrap()
    }

    fn status_json(&self, today: &str) -> serde_json::Value {
        let output = self.run(&["status", "--today", today, "--format", "json"]);
        assert!(output.status.success(), "{output:?}");
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

#[test]
fn candor_announce_creates_one_and_status_prints_the_progress() {
    let scene = CliScene::new();
    let output = scene.run(&[
        "--kind",
        "price-increase",
        "--title",
        "Prices rise 4%",
        "--effective",
        "2026-03-01",
        "--reason",
        "our distributor raised its prices",
        "--tag",
        "north",
    ]);
    assert!(output.status.success(), "{output:?}");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains("\"Prices rise 4%\"") && said.contains("2 affected"),
        "{said}"
    );

    let json = scene.status_json("2026-02-20");
    let first = &json[0];
    assert_eq!(first["title"], "Prices rise 4%");
    assert_eq!(first["effective"], "2026-03-01");
    assert_eq!(first["days_left"], 9);
    assert_eq!(
        [
            &first["affected"],
            &first["told"],
            &first["told_late"],
            &first["not_told"]
        ],
        [2, 0, 0, 2]
    );

    // Tell Ann in time, then look again.
    {
        let mut store = Store::open(std::path::Path::new(&scene.journal())).unwrap();
        let ann = store.customers().unwrap()[0].id;
        store
            .tell_announcement(
                AnnouncementId(1),
                bad_news(ann, at(day(2, 21), 10)),
                Reaction::Well,
                at(day(2, 21), 10),
            )
            .unwrap();
    }
    let json = scene.status_json("2026-02-22");
    assert_eq!(
        [
            &json[0]["told"],
            &json[0]["told_late"],
            &json[0]["not_told"]
        ],
        [1, 0, 1]
    );
    assert_eq!(json[0]["not_told_customers"][0]["name"], "Bob");

    let output = scene.run(&["status", "--today", "2026-02-22"]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("affected 2 · told 1 · told late 0 · not told 1"),
        "{table}"
    );
    assert!(table.contains("7 days left"), "{table}");
    assert!(table.contains("not told: Bob (Bob Ltd)"), "{table}");

    // Picked by name and by id.
    let output = scene.run(&[
        "--kind",
        "change-of-representative",
        "--title",
        "Jo takes over",
        "--effective",
        "2026-04-01",
        "--customer",
        "dee",
        "--customer",
        "2",
    ]);
    assert!(output.status.success(), "{output:?}");
    let json = scene.status_json("2026-02-22");
    assert_eq!(json[1]["affected"], 2);
}

#[test]
fn candor_announce_mistakes_get_one_line_and_change_nothing() {
    let scene = CliScene::new();
    let base = [
        "--kind",
        "price-increase",
        "--title",
        "Prices rise",
        "--effective",
        "2026-03-01",
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (base.to_vec(), "exactly one of --all, --tag"),
        (
            [&base[..], &["--all", "--tag", "north"]].concat(),
            "exactly one of --all, --tag",
        ),
        (
            vec![
                "--kind",
                "rebate",
                "--title",
                "x",
                "--effective",
                "2026-03-01",
                "--all",
            ],
            "\"rebate\" is not a kind",
        ),
        (
            vec!["--kind", "other", "--effective", "2026-03-01", "--all"],
            "--title is missing",
        ),
        (
            vec![
                "--kind",
                "other",
                "--title",
                "x",
                "--effective",
                "31/02",
                "--all",
            ],
            "--effective",
        ),
        (
            [&base[..], &["--customer", "Zed"]].concat(),
            "no customer named \"Zed\"",
        ),
    ];
    for (args, expected) in cases {
        let output = scene.run(&args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("candor: ") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
    }
    let json = scene.status_json("2026-02-20");
    assert_eq!(json, serde_json::json!([]));
}
