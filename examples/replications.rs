//! Replications per second of the built-in scenario through the whole parallel pipeline (workers,
//! in-order hand-over, aggregation of every KPI), for each thread count given. Prints one JSON
//! line per thread count with the median of the repeats and the speedup over the first count.
//!
//! ```text
//! cargo run --release --example replications -- --replications 2000 --threads 1,2 --repeats 3
//! ```

use std::time::Instant;

use corridor::experiment::{Aggregate, Plan, Runner, run_aggregated};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("bad value for {name}")))
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let replications: u32 = arg(&args, "--replications", 1000);
    let repeats: usize = arg(&args, "--repeats", 3);
    let seed: u64 = arg(&args, "--seed", 1);
    let threads: String = arg(&args, "--threads", "1,2".to_string());
    let threads: Vec<usize> = threads
        .split(',')
        .map(|t| t.parse().expect("thread counts are integers"))
        .collect();
    let loaded = corridor::scenario::builtin();
    let model = &loaded.model;
    let mut baseline = None;
    let mut reference = None;
    for &t in &threads {
        let runner = Runner::new(t).expect("thread pool starts");
        let mut times = Vec::new();
        for _ in 0..repeats {
            let started = Instant::now();
            let mut aggregate = Aggregate::new(model);
            run_aggregated(
                model,
                &runner,
                seed,
                Plan::Fixed(replications),
                &mut aggregate,
                |_| Ok::<(), corridor::engine::SimError>(()),
                |_| {},
            )
            .expect("no sink errors");
            times.push(started.elapsed().as_secs_f64());
            // Every thread count gives the same results.
            let summary = serde_json::to_string(&aggregate.summary(model)).unwrap();
            assert_eq!(reference.get_or_insert_with(|| summary.clone()), &summary);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        let rate = f64::from(replications) / median;
        let base = *baseline.get_or_insert(rate);
        println!(
            "{{\"scenario\":\"{}\",\"threads\":{t},\"replications\":{replications},\"repeats\":{repeats},\"median_wall_s\":{median:.4},\"replications_per_s\":{rate:.1},\"ms_per_replication_per_thread\":{:.3},\"speedup\":{:.3}}}",
            loaded.model.settings.name,
            1000.0 * median * t as f64 / f64::from(replications),
            rate / base
        );
    }
}
