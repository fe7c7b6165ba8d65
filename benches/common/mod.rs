//! Shared by the benchmarks: a 10k-customer / 1M-entry journal, generated once and kept
//! under target/ so repeated runs measure the same file.

use std::path::PathBuf;

use candor::sample::{GenerateOptions, write_generated};
use candor::store::Store;
use chrono::NaiveDate;

/// The day every benchmark journal is dated around.
pub fn bench_today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).expect("valid date")
}

/// The path of the generated journal, creating it on first use; `CANDOR_BENCH_JOURNAL`
/// names a copy of one made earlier instead (`candor generate --customers 10000 --entries
/// 1000000`), which saves generating it again in every target folder.
pub fn large_journal() -> PathBuf {
    if let Some(path) = std::env::var_os("CANDOR_BENCH_JOURNAL") {
        return PathBuf::from(path);
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-journals");
    let path = dir.join("10k-customers-1m-entries.sqlite3");
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("create the bench folder");
        let partial = dir.join("partial.sqlite3");
        let _ = std::fs::remove_file(&partial);
        let mut store = Store::open(&partial).expect("create the bench journal");
        let started = std::time::Instant::now();
        write_generated(
            &mut store,
            GenerateOptions {
                customers: 10_000,
                entries: 1_000_000,
                seed: 1,
            },
            bench_today(),
        )
        .expect("generate the bench journal");
        drop(store);
        eprintln!(
            "generated the bench journal in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        std::fs::rename(&partial, &path).expect("move the bench journal into place");
    }
    path
}
