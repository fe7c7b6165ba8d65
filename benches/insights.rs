//! Insights on the 10k-customer / 1M-entry journal: the facts query and the measures over
//! the default 12 weeks and over a year, and the Insights view's frames (targets: first
//! draw ≤ 300 ms, later frames ≤ 4 ms).

use candor::app::{CandorApp, FixedClock, Prefs};
use candor::domain::insights::{Granularity, InsightOptions, compute};
use candor::store::Store;
use chrono::Days;
use criterion::{Criterion, criterion_group, criterion_main};

mod common;

fn raw_input() -> egui::RawInput {
    egui::RawInput {
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
    group.bench_function("facts_and_measures_12_weeks", |b| {
        b.iter(|| store.insights(&weeks))
    });
    group.bench_function("facts_and_measures_one_year_by_month", |b| {
        b.iter(|| store.insights(&year))
    });
    group.finish();
}

fn bench_view(c: &mut Criterion) {
    let path = common::large_journal();
    let now = common::bench_today()
        .and_hms_opt(9, 0, 0)
        .expect("valid time");
    let ctx = egui::Context::default();
    let mut app = CandorApp::open(path, Prefs::default(), Box::new(FixedClock(now)));
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
    group.bench_function("open_view_until_charts_drawn", |b| {
        b.iter(|| {
            app.insights.invalidate();
            let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
            while !app.insights.is_ready() {
                std::thread::sleep(std::time::Duration::from_millis(1));
                let _ = ctx.run_ui(raw_input(), |ui| app.ui(ui));
            }
        })
    });
    while !app.insights.is_ready() {
        std::thread::sleep(std::time::Duration::from_millis(5));
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
