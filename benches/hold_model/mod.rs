//! The HOLD event-list benchmark (Vaucher and Duval 1975; Jones 1986), written once and shared by
//! `benches/engine.rs` (`mod hold_model;`) and `examples/hold.rs`
//! (`#[path = "../benches/hold_model/mod.rs"] mod hold_model;`). It lives in a directory so that
//! Cargo does not auto-discover it as a bench target of its own.
//!
//! Model: `entities` entities. At t = 0 each entity schedules its first hold completion at Exp(1).
//! Processing entity i's hold completion at time t schedules its next one at t + Exp(1).
//! The run stops at `horizon`: every event with time < horizon is processed, none at or after it.
//! Each entity's completions form a Poisson process of rate 1, so the number of events is
//! Poisson(entities * horizon). One random stream per run, derived from the seed.

use corridor::base::SimTime;
use corridor::base::rng::{StreamId, stream};
use corridor::engine::EventQueue;
use rand_distr::{Distribution, Exp1};

/// What one HOLD run did.
#[derive(Clone, Copy, Debug)]
pub struct HoldOutcome {
    /// Hold completions processed (those with time < horizon).
    pub events: u64,
    /// Events still pending when the run stopped, including the first one at or after the
    /// horizon (always `entities`: every processed event schedules exactly one successor).
    pub pending: u64,
    /// Time of the last processed event (0 if none).
    pub last_time: f64,
}

/// Builds the HOLD model (stream, queue, first `entities` events) and runs it to `horizon`.
///
/// This is everything the benchmarks time: model construction plus run.
pub fn hold(entities: u32, horizon: f64, seed: u64) -> HoldOutcome {
    assert!(
        horizon.is_finite() && horizon >= 0.0,
        "horizon must be finite and >= 0"
    );
    let mut rng = stream(seed, 0, StreamId::from_name("hold"));
    let mut queue: EventQueue<u32> = EventQueue::with_capacity(entities as usize);
    for entity in 0..entities {
        let delay: f64 = Exp1.sample(&mut rng);
        queue.schedule(SimTime::ZERO.after(delay), entity);
    }
    let horizon = SimTime::from_hours(horizon);
    let mut now = SimTime::ZERO;
    let mut events = 0u64;
    // Popping and then checking the time is equivalent to peek-then-pop: the first event at or
    // after the horizon is taken off the queue but never processed, and the run ends there.
    while let Some((time, entity)) = queue.pop() {
        if time >= horizon {
            return HoldOutcome {
                events,
                pending: queue.len() as u64 + 1,
                last_time: now.hours(),
            };
        }
        debug_assert!(time >= now, "time went backwards");
        now = time;
        events += 1;
        let delay: f64 = Exp1.sample(&mut rng);
        queue.schedule(time.after(delay), entity);
    }
    // Only reachable with zero entities.
    HoldOutcome {
        events,
        pending: 0,
        last_time: now.hours(),
    }
}
