//! Engine benchmarks: the HOLD event-list model on `EventQueue` and one replication of the
//! built-in Middle Corridor scenario. Throughput is reported in events per second.
//!
//! ```text
//! cargo bench --bench engine
//! ```
//!
//! A HOLD iteration is long (about 0.1-0.2 s), so that group uses flat sampling with the minimum
//! sample count; the whole bench takes well under a minute once built.

mod hold_model;

use std::hint::black_box;
use std::time::Duration;

use corridor::engine::Simulation;
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};

/// Seed of the HOLD runs (the example's default).
const HOLD_SEED: u64 = 1;

/// The benchmarked HOLD configurations, about 2e6 events each: (entities, horizon).
const HOLD_CONFIGS: [(u32, f64); 2] = [(100, 20_000.0), (10_000, 200.0)];

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (entities, horizon) in HOLD_CONFIGS {
        // A run is a pure function of its seed, so the event count of every iteration is this one.
        let events = hold_model::hold(entities, horizon, HOLD_SEED).events;
        group.throughput(Throughput::Elements(events));
        group.bench_with_input(
            BenchmarkId::new("event_queue", format!("N={entities},T={horizon}")),
            &(entities, horizon),
            |b, &(entities, horizon)| {
                b.iter(|| {
                    let outcome = hold_model::hold(black_box(entities), horizon, HOLD_SEED);
                    assert_eq!(outcome.events, events);
                    assert_eq!(outcome.pending, u64::from(entities));
                    assert!(outcome.last_time < horizon);
                    outcome
                })
            },
        );
    }
    group.finish();
}

fn scenario(c: &mut Criterion) {
    // The Kazakh section (the built-in scenario before issue 17) and the whole corridor (the
    // built-in scenario since).
    let middle = corridor::scenario::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/middle_corridor.toml"
    )))
    .expect("the middle-corridor scenario loads")
    .model;
    let whole = corridor::scenario::builtin().model;
    let mut group = c.benchmark_group("scenario");
    // A replication takes a few milliseconds: criterion's default linear sampling fits.
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, model) in [("middle_corridor", &middle), ("whole_corridor", &whole)] {
        let (seed, replication) = (model.settings.seed, 0);
        let events = Simulation::new(model).run(seed, replication).events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(format!("{name}/replication"), |b| {
            b.iter(|| {
                let stats = Simulation::new(black_box(model)).run(seed, replication);
                assert_eq!(stats.events, events);
                stats
            })
        });
    }
    group.finish();
}

criterion_group!(benches, hold, scenario);
criterion_main!(benches);
