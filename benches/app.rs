//! The desktop app on a 10k-customer / 1M-entry journal with one customer of 10,000
//! entries selected: one frame of UI (targets: ≤ 4 ms), opening the journal to the first
//! frame (≤ 500 ms, window creation aside), and peak memory (≤ 200 MB, printed).

use std::path::PathBuf;

use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::{Contact, CustomerId, EntryDraft, EntryKind, Promise, PromiseCategory};
use candor::store::Store;
use chrono::Days;
use criterion::{Criterion, criterion_group, criterion_main};

mod common;

/// The heavy customer: the large journal plus 10,000 entries for customer 1.
fn journal_with_heavy_customer() -> PathBuf {
    let large = common::large_journal();
    let path = large.with_file_name("10k-1m-heavy-customer.sqlite3");
    if path.exists() {
        return path;
    }
    let partial = large.with_file_name("heavy-partial.sqlite3");
    let _ = std::fs::remove_file(&partial);
    {
        let store = Store::open(&large).expect("open the large journal");
        store
            .execute_batch_for_tests(&format!("VACUUM INTO '{}'", partial.display()))
            .expect("copy the large journal");
    }
    let mut store = Store::open(&partial).expect("open the copy");
    let today = common::bench_today();
    let now = today.and_hms_opt(8, 0, 0).expect("valid time");
    store
        .bulk_write(now, |w| {
            for i in 0..10_000u64 {
                let day = today.checked_sub_days(Days::new(i % 700)).unwrap_or(today);
                let when = day
                    .and_hms_opt(9 + (i % 8) as u32, (i % 60) as u32, 0)
                    .unwrap_or(now);
                let kind = if i % 7 == 0 {
                    let mut promise = Promise::new(day, PromiseCategory::Delivery);
                    promise.keep(day).ok();
                    EntryKind::Promise(promise)
                } else {
                    EntryKind::Contact(Contact::default())
                };
                w.add_entry(EntryDraft {
                    customer_id: CustomerId(1),
                    occurred_at: when,
                    summary: format!("Heavy customer entry {i}: talked through the weekly order"),
                    kind,
                })?;
            }
            Ok(())
        })
        .expect("add the heavy customer's entries");
    drop(store);
    std::fs::rename(&partial, &path).expect("move the journal into place");
    path
}

fn raw_input() -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..Default::default()
    }
}

fn open_app(path: PathBuf) -> CandorApp {
    let now = common::bench_today()
        .and_hms_opt(9, 0, 0)
        .expect("valid time");
    let prefs = Prefs {
        last_customer: Some(1),
        ..Prefs::default()
    };
    CandorApp::open(path, prefs, Box::new(FixedClock(now)))
}

#[cfg(target_os = "linux")]
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(not(target_os = "linux"))]
fn peak_rss_mib() -> Option<f64> {
    None
}

fn bench_app(c: &mut Criterion) {
    let path = journal_with_heavy_customer();
    let ctx = egui::Context::default();
    let mut app = open_app(path.clone());
    assert_eq!(app.selected, Some(CustomerId(1)));
    let timeline_len = app.journal.as_ref().map_or(0, |j| j.timeline.len());
    assert!(
        timeline_len >= 10_000,
        "the heavy customer has {timeline_len} entries"
    );
    // Warm up fonts and layout caches as a running window would have.
    for _ in 0..3 {
        let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
    }

    let mut group = c.benchmark_group("app_10k_entry_customer");
    group.sample_size(30);
    group.bench_function("frame_ui", |b| {
        b.iter(|| ctx.run_ui(raw_input(), |ui| app.ui(ui)))
    });
    group.bench_function("frame_ui_and_tessellate", |b| {
        b.iter(|| {
            let output = ctx.run_ui(raw_input(), |ui| app.ui(ui));
            ctx.tessellate(output.shapes, output.pixels_per_point)
        })
    });
    group.sample_size(10);
    group.bench_function("open_journal_to_first_frame", |b| {
        b.iter(|| {
            let ctx = egui::Context::default();
            let mut app = open_app(path.clone());
            let output = ctx.run_ui(raw_input(), |ui| app.ui(ui));
            ctx.tessellate(output.shapes, output.pixels_per_point)
        })
    });
    group.finish();
    if let Some(peak) = peak_rss_mib() {
        eprintln!("peak resident memory of the benchmark process: {peak:.0} MiB");
    }
}

criterion_group!(benches, bench_app);
criterion_main!(benches);
