//! The timeline report of a 10k-customer / 1M-entry journal written to a file, side by side
//! with `sqlite3 -csv` streaming the same table and a plain rusqlite + csv loop.
//!
//! Target: Candor's export at least 1.25× faster than `sqlite3 -csv`. Each contender runs
//! five times, interleaved, after one warm-up; the median is reported.
//!
//! Run: `cargo bench --bench export`.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use candor::io::export::{ExportOptions, Report, export_report};
use candor::store::Store;

mod common;

const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn sqlite3_csv(db: &Path, out: &Path) -> Option<Duration> {
    let file = File::create(out).expect("create the sqlite3 output");
    let started = Instant::now();
    let status = Command::new("sqlite3")
        .arg("-csv")
        .arg("-header")
        .arg(db)
        .arg("SELECT * FROM entries")
        .stdout(Stdio::from(file))
        .status()
        .ok()?;
    status.success().then(|| started.elapsed())
}

/// What a straightforward exporter would do: every column of every row through csv.
fn plain_loop(db: &Path, out: &Path) -> Duration {
    let started = Instant::now();
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut statement = conn.prepare("SELECT * FROM entries").expect("prepare");
    let columns = statement.column_count();
    let mut writer = csv::Writer::from_writer(BufWriter::new(File::create(out).expect("create")));
    let mut rows = statement.query([]).expect("query");
    let mut record: Vec<String> = Vec::with_capacity(columns);
    while let Some(row) = rows.next().expect("row") {
        record.clear();
        for i in 0..columns {
            let value = match row.get_ref(i).expect("value") {
                rusqlite::types::ValueRef::Null => String::new(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    String::from_utf8_lossy(t).into_owned()
                }
            };
            record.push(value);
        }
        writer.write_record(&record).expect("write");
    }
    writer.flush().expect("flush");
    started.elapsed()
}

fn candor_export(store: &Store, out: &Path) -> (Duration, usize) {
    let started = Instant::now();
    let rows = export_report(
        store,
        Report::Timeline,
        &ExportOptions::default(),
        common::bench_today(),
        out,
    )
    .expect("export");
    (started.elapsed(), rows)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn main() {
    let db = common::large_journal();
    let dir = db.parent().expect("bench folder").to_path_buf();
    let ours = dir.join("timeline-candor.csv");
    let theirs = dir.join("timeline-sqlite3.csv");
    let plain_csv = dir.join("timeline-plain.csv");
    let store = Store::open(&db).expect("open the bench journal");

    if std::env::var_os("EXPORT_PHASES").is_some() {
        use chrono::NaiveDate;
        let from = NaiveDate::from_ymd_opt(1900, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let to = NaiveDate::from_ymd_opt(2199, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        for _ in 0..3 {
            let t = Instant::now();
            let mut n = 0usize;
            store
                .for_each_entry_cells(from, to, |c| {
                    n += c.summary.len();
                    Ok::<(), ()>(())
                })
                .unwrap()
                .unwrap();
            let scan = t.elapsed();
            let t = Instant::now();
            candor::io::export::write_report(
                &store,
                Report::Timeline,
                &ExportOptions::default(),
                common::bench_today(),
                std::io::sink(),
            )
            .unwrap();
            let to_sink = t.elapsed();
            let t = Instant::now();
            candor_export(&store, &ours);
            eprintln!(
                "scan {scan:?} to_sink {to_sink:?} to_file {:?} {n}",
                t.elapsed()
            );
        }
        return;
    }
    // Warm-up: the file in the page cache, every code path once.
    let (_, rows) = candor_export(&store, &ours);
    let have_sqlite3 = sqlite3_csv(&db, &theirs).is_some();
    plain_loop(&db, &plain_csv);

    let mut candor_times = Vec::new();
    let mut sqlite_times = Vec::new();
    let mut plain_times = Vec::new();
    for _ in 0..RUNS {
        candor_times.push(candor_export(&store, &ours).0);
        if have_sqlite3 {
            sqlite_times.extend(sqlite3_csv(&db, &theirs));
        }
        plain_times.push(plain_loop(&db, &plain_csv));
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    let candor = median(candor_times);
    let plain = median(plain_times);
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model()
    );
    println!("timeline report, {rows} rows, median of {RUNS} runs:");
    println!(
        "  candor export (sorted by time, formula-safe): {:>7.3} s  ({:.0} MB)",
        candor.as_secs_f64(),
        size(&ours)
    );
    println!(
        "  plain rusqlite + csv loop (storage order):    {:>7.3} s  ({:.0} MB)",
        plain.as_secs_f64(),
        size(&plain_csv)
    );
    if have_sqlite3 {
        let sqlite = median(sqlite_times);
        println!(
            "  sqlite3 -csv SELECT * FROM entries:           {:>7.3} s  ({:.0} MB)",
            sqlite.as_secs_f64(),
            size(&theirs)
        );
        println!(
            "  speed-up over sqlite3 -csv: {:.2}× (target ≥ 1.25×)",
            sqlite.as_secs_f64() / candor.as_secs_f64()
        );
    } else {
        println!("  sqlite3 is not installed (apt-get install sqlite3): no comparison");
    }
}
