//! The HOLD event-list benchmark on [`corridor::engine::EventQueue`].
//!
//! ```text
//! cargo run --release --example hold -- --entities 10000 --horizon 200 --seed 1
//! ```
//!
//! Prints one JSON line:
//! `{"model":"hold","entities":N,"horizon":T,"events":E,"wall_s":S,"events_per_s":R}`.
//! `wall_s` covers model construction (random stream, queue, first N events) and the run.
//! The example checks what it prints and exits non-zero if the run is implausible: the event
//! count of HOLD is Poisson(N*T), so it must lie within six standard deviations of N*T.

#[path = "../benches/hold_model/mod.rs"]
mod hold_model;

use std::time::Instant;

use anyhow::{bail, ensure};
use clap::Parser;
use serde::Serialize;

/// Command line of the HOLD example.
#[derive(Parser, Debug)]
#[command(about = "HOLD event-list benchmark on corridor's EventQueue")]
struct Args {
    /// Number of entities (events pending at any time).
    #[arg(long, default_value_t = 10_000)]
    entities: u32,
    /// Horizon T: events with time < T are processed.
    #[arg(long, default_value_t = 200.0, allow_negative_numbers = true)]
    horizon: f64,
    /// Seed of the run's random stream.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// The printed line; fields serialize in declaration order.
#[derive(Serialize)]
struct Report {
    model: &'static str,
    entities: u32,
    horizon: f64,
    events: u64,
    wall_s: f64,
    events_per_s: f64,
}

fn main() {
    let args = Args::parse();
    if let Err(err) = run(&args) {
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}

/// Runs HOLD, checks the outcome and prints the JSON line.
fn run(args: &Args) -> anyhow::Result<()> {
    ensure!(
        args.horizon.is_finite() && args.horizon >= 0.0,
        "--horizon must be a finite number >= 0, got {}",
        args.horizon
    );

    let started = Instant::now();
    let outcome = hold_model::hold(args.entities, args.horizon, args.seed);
    let wall_s = started.elapsed().as_secs_f64();

    // The run must be what it claims to be before we print it.
    let expected = f64::from(args.entities) * args.horizon;
    let tolerance = 6.0 * expected.sqrt() + 1.0;
    let events = outcome.events as f64;
    if (events - expected).abs() > tolerance {
        bail!(
            "implausible HOLD run: {} events for N*T = {expected} (allowed {expected} +/- {tolerance:.0}; \
             events/(N*T) = {:.4})",
            outcome.events,
            events / expected
        );
    }
    if expected >= 10_000.0 {
        let ratio = events / expected;
        ensure!(
            (0.9..=1.1).contains(&ratio),
            "events/(N*T) = {ratio:.4} is outside 0.9..1.1"
        );
    }
    ensure!(
        outcome.pending == u64::from(args.entities),
        "{} events pending at the end, expected one per entity ({})",
        outcome.pending,
        args.entities
    );
    ensure!(
        outcome.last_time < args.horizon || outcome.events == 0,
        "processed an event at {} >= horizon {}",
        outcome.last_time,
        args.horizon
    );
    ensure!(
        wall_s.is_finite() && wall_s >= 0.0,
        "bad wall time {wall_s}"
    );
    let events_per_s = if wall_s > 0.0 { events / wall_s } else { 0.0 };

    let line = Report {
        model: "hold",
        entities: args.entities,
        horizon: args.horizon,
        events: outcome.events,
        wall_s,
        events_per_s,
    };
    println!("{}", serde_json::to_string(&line)?);
    Ok(())
}
