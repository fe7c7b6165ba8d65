//! A PostgreSQL restart in the middle of a sync, upload and download: the next sync leaves
//! both sides with the same events, none lost, none doubled. Its own test binary, because
//! restarting the shared cluster would break the other team tests running beside it.

mod support;

use candor::domain::{CustomerDraft, EntryDraft, EntryKind};
use candor::store::Store;
use candor::team::{SyncProgress, TeamAddress, TeamConnection, TeamError};
use chrono::NaiveDate;
use support::pg::cluster;

const T0: i64 = 1_795_000_000_000;

fn connect(url: &str, password: Option<&str>) -> TeamConnection {
    // Right after a restart the server may still be starting: try for a while.
    for _ in 0..100 {
        if let Ok(connection) = TeamConnection::open(&TeamAddress::parse(url).unwrap(), password) {
            return connection;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the server did not come back after its restart");
}

/// Syncs; at the first progress report of `phase`, restarts the server. Returns the
/// interrupted sync's error.
fn sync_with_restart(
    url: &str,
    password: &str,
    store: &mut Store,
    receiving: bool,
) -> Result<candor::team::SyncReport, TeamError> {
    let mut restarted = false;
    connect(url, Some(password)).sync(store, T0, &mut |progress| {
        let in_phase = matches!(progress, SyncProgress::Receiving { .. }) == receiving;
        if in_phase && !restarted {
            restarted = true;
            cluster().restart();
        }
    })
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn a_server_restart_mid_upload_and_mid_download_loses_and_doubles_nothing() {
    let db = cluster().database("t_restart");
    let mut admin = connect(&cluster().admin_url(&db), None);
    admin.init().unwrap();
    admin.add_rep("rs_ann", "Ann", "pw-ann", false).unwrap();
    let url = cluster().url("rs_ann", &db);

    let mut laptop = Store::open_in_memory().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let ada = laptop
        .add_customer(CustomerDraft::named("Ada"), day)
        .unwrap();
    laptop
        .bulk_write(day, |writer| {
            for i in 0..7_000 {
                writer.add_entry(EntryDraft {
                    customer_id: ada.id,
                    occurred_at: day + chrono::Duration::minutes(i),
                    summary: format!("Note {i}"),
                    kind: EntryKind::Note,
                })?;
            }
            Ok(())
        })
        .unwrap();

    let interrupted = sync_with_restart(&url, "pw-ann", &mut laptop, false);
    assert!(
        interrupted.is_err(),
        "the restart cut the upload off: {interrupted:?}"
    );
    let report = connect(&url, Some("pw-ann"))
        .sync(&mut laptop, T0 + 1, &mut |_| {})
        .unwrap();
    assert!(report.sent > 0 && report.sent < 7_001, "{report:?}");
    assert_eq!(laptop.sync_pending_count().unwrap(), 0);

    let mut check = postgres::Client::connect(&cluster().admin_url(&db), postgres::NoTls).unwrap();
    assert_eq!(
        count(&mut check, "SELECT COUNT(*) FROM candor.events"),
        7_001
    );
    assert_eq!(
        count(
            &mut check,
            "SELECT COUNT(DISTINCT entity_gid) FROM candor.events"
        ),
        7_001
    );
    assert_eq!(
        count(&mut check, "SELECT COUNT(*) FROM candor.entries"),
        7_000
    );

    let mut desktop = Store::open_in_memory().unwrap();
    let interrupted = sync_with_restart(&url, "pw-ann", &mut desktop, true);
    assert!(
        interrupted.is_err(),
        "the restart cut the download off: {interrupted:?}"
    );
    let partial = desktop
        .timeline(desktop.customers().unwrap()[0].id)
        .unwrap()
        .len();
    assert!(
        partial < 7_000,
        "only the batches before the restart arrived: {partial}"
    );
    connect(&url, Some("pw-ann"))
        .sync(&mut desktop, T0 + 2, &mut |_| {})
        .unwrap();
    let customers = desktop.customers().unwrap();
    assert_eq!(customers.len(), 1);
    let timeline = desktop.timeline(customers[0].id).unwrap();
    assert_eq!(timeline.len(), 7_000);
    let mut summaries: Vec<String> = timeline.into_iter().map(|e| e.summary).collect();
    summaries.sort();
    summaries.dedup();
    assert_eq!(summaries.len(), 7_000, "no entry arrived twice");
}
