//! "Call them first" on a 10k-customer / 1M-entry journal: the facts query, the scoring,
//! and both together (the target: ≤ 100 ms).

use candor::domain::rank::{RankSettings, rank};
use candor::store::Store;
use criterion::{Criterion, criterion_group, criterion_main};

mod common;

fn bench_rank(c: &mut Criterion) {
    let path = common::large_journal();
    let store = Store::open(&path).expect("open the bench journal");
    let today = common::bench_today();
    let facts = store.rank_facts(today).expect("facts");
    let ranked = rank(&facts, today, &RankSettings::default());
    eprintln!(
        "{} customers, {} open items, {} ranked",
        facts.len(),
        facts.iter().map(|f| f.open_items.len()).sum::<usize>(),
        ranked.len()
    );

    let mut group = c.benchmark_group("rank_10k_customers_1m_entries");
    group.sample_size(20);
    group.bench_function("facts_query", |b| {
        b.iter(|| store.rank_facts(today).expect("facts"))
    });
    group.bench_function("scoring", |b| {
        b.iter(|| rank(&facts, today, &RankSettings::default()))
    });
    group.bench_function("facts_and_scoring", |b| {
        b.iter(|| {
            let facts = store.rank_facts(today).expect("facts");
            rank(&facts, today, &RankSettings::default())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_rank);
criterion_main!(benches);
