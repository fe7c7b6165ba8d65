//! Insights on the 10k-customer / 1M-entry journal: the facts query and the measures over
//! the default 12 weeks and over a year, and the Insights view's frames (targets: first
//! draw ≤ 300 ms, later frames ≤ 4 ms). Openings are measured cold (no morning kept: the
//! first opening after the upgrade) and warm (the usual morning: the mornings kept by an
//! opening yesterday, a few entries written today).

use std::path::Path;
use std::time::Duration;

use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::insights::{Granularity, InsightOptions, compute};
use candor::store::Store;
use chrono::{Days, NaiveDate};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

mod common;

/// Forgets every kept morning (another connection, as an upgrade leaves the journal).
fn forget_mornings(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open the journal");
    conn.execute_batch(
        "DELETE FROM insight_mornings; \
         UPDATE insight_cache_state SET dirty_from = '0000-01-01';",
    )
    .expect("forget the kept mornings");
}

/// Puts the kept mornings back as yesterday's opening left them: every morning before
/// yesterday kept.
fn as_kept_yesterday(path: &Path, today: NaiveDate) {
    let yesterday = candor::domain::dates::format_date(today - Days::new(1));
    let conn = rusqlite::Connection::open(path).expect("open the journal");
    conn.execute("DELETE FROM insight_mornings WHERE day >= ?1", [&yesterday])
        .expect("forget today's mornings");
    conn.execute(
        "UPDATE insight_cache_state SET dirty_from = ?1",
        [&yesterday],
    )
    .expect("set dirty_from");
}

/// Opens the Insights yesterday (which keeps the mornings before it), then writes a few
/// entries dated today, as a usual morning finds the journal.
fn open_yesterday_and_write_today(path: &Path, today: NaiveDate) {
    let mut store = Store::open(path).expect("open the large journal");
    forget_mornings(path);
    store
        .insights(&InsightOptions::last_weeks(today - Days::new(1)))
        .expect("open the insights yesterday");
    let now = today.and_hms_opt(9, 0, 0).expect("valid time");
    let mut written = 0;
    let mut id = 1;
    while written < 3 && id < 1000 {
        if let Ok(entry) = store.entry(candor::domain::EntryId(id)) {
            let mut draft = entry.to_draft();
            draft.occurred_at = now;
            if store.add_entry(draft, now).is_ok() {
                written += 1;
            }
        }
        id += 1;
    }
}

/// One frame's input. The clock stands still, so the window's look for other windows'
/// changes (every 3 s) never runs inside a measurement: the benches reset the kept
/// mornings from another connection, which the window would take for a change to reload.
fn raw_input() -> egui::RawInput {
    egui::RawInput {
        time: Some(0.0),
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 800.0),
        )),
        ..Default::default()
    }
}

fn bench_measures(c: &mut Criterion) {
    let path = common::large_journal();
    let store = Store::open(&path).expect("open the large journal");
    let today = common::bench_today();
    let weeks = InsightOptions::last_weeks(today);
    let year = InsightOptions {
        from: today.checked_sub_days(Days::new(364)).unwrap_or(today),
        granularity: Granularity::Month,
        ..weeks
    };
    let mut group = c.benchmark_group("insights_10k_1m");
    group.sample_size(10);
    let facts = store
        .insight_facts(weeks.from, weeks.to)
        .expect("read the facts");
    group.bench_function("facts_query_12_weeks", |b| {
        b.iter(|| store.insight_facts(weeks.from, weeks.to))
    });
    group.bench_function("measures_12_weeks", |b| b.iter(|| compute(&facts, &weeks)));
    group.bench_function("facts_and_measures_12_weeks_from_scratch", |b| {
        b.iter(|| {
            compute(
                &store.insight_facts(weeks.from, weeks.to).expect("facts"),
                &weeks,
            )
        })
    });
    group.bench_function("facts_and_measures_one_year_by_month_from_scratch", |b| {
        b.iter(|| {
            compute(
                &store.insight_facts(year.from, year.to).expect("facts"),
                &year,
            )
        })
    });
    // `Store::insights`, what `candor insights` and the view call: no morning kept…
    group.bench_function("insights_12_weeks_cold", |b| {
        b.iter_batched(
            || forget_mornings(&path),
            |()| store.insights(&weeks),
            BatchSize::PerIteration,
        )
    });
    // …and the usual morning.
    open_yesterday_and_write_today(&path, today);
    group.bench_function("insights_12_weeks_warm", |b| {
        b.iter_batched(
            || as_kept_yesterday(&path, today),
            |()| store.insights(&weeks),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn bench_view(c: &mut Criterion) {
    let path = common::large_journal();
    let today = common::bench_today();
    let now = common::bench_today()
        .and_hms_opt(9, 0, 0)
        .expect("valid time");
    let ctx = egui::Context::default();
    let mut app = CandorApp::open(path.clone(), Prefs::default(), Box::new(FixedClock(now)));
    for _ in 0..3 {
        let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
    }
    let mut group = c.benchmark_group("insights_view_10k_1m");
    group.sample_size(10);
    // Opening the view: the frame that shows it starts the computation on its own thread
    // and draws at once; then the time until the charts are on screen.
    group.bench_function("open_view_first_frame", |b| {
        b.iter(|| {
            app.insights.open = true;
            app.insights.invalidate();
            let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
        })
    });
    // Opening the view, until the charts are drawn: with no morning kept, then on the
    // usual morning. The kept mornings are reset by another connection before each
    // opening, so the window does not keep what it rebuilt and each opening does the same
    // work. While it waits, the window draws a frame every `frame_every`: every
    // millisecond (a frame as soon as the last one is done, the most the drawing can take
    // from the computation), or at 60 Hz, as the window's spinner asks for frames on a
    // usual display.
    let mut open_until_drawn =
        |b: &mut criterion::Bencher<'_>, reset: &dyn Fn(), frame_every: Duration| {
            b.iter_batched(
                reset,
                |()| {
                    // Open (a filtered run skips the bench above that opens it).
                    app.insights.open = true;
                    app.insights.invalidate();
                    let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
                    while !app.insights.is_ready() {
                        std::thread::sleep(frame_every);
                        let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
                    }
                },
                BatchSize::PerIteration,
            )
        };
    let every_millisecond = Duration::from_millis(1);
    let at_60_hz = Duration::from_micros(16_667);
    group.bench_function("open_view_until_charts_drawn_cold", |b| {
        open_until_drawn(b, &|| forget_mornings(&path), every_millisecond)
    });
    open_yesterday_and_write_today(&path, today);
    group.bench_function("open_view_until_charts_drawn_warm", |b| {
        open_until_drawn(b, &|| as_kept_yesterday(&path, today), every_millisecond)
    });
    group.bench_function("open_view_until_charts_drawn_warm_60hz", |b| {
        open_until_drawn(b, &|| as_kept_yesterday(&path, today), at_60_hz)
    });
    while !app.insights.is_ready() {
        std::thread::sleep(Duration::from_millis(5));
        let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
    }
    group.bench_function("frame_ui_with_charts", |b| {
        b.iter(|| ctx.run_ui(raw_input(), |ui| app.ui(ui)))
    });
    group.bench_function("frame_ui_and_tessellate_with_charts", |b| {
        b.iter(|| {
            let output = ctx.run_ui(raw_input(), |ui| app.ui(ui));
            ctx.tessellate(output.shapes, output.pixels_per_point)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_measures, bench_view);
criterion_main!(benches);
