//! Disruptions: episodes that close or slow nodes and legs.
//!
//! # Semantics
//! - Random disruptions start as a Poisson process (monthly rates by thinning); episodes may
//!   overlap. Scheduled disruptions have one episode. Operating hours close a node every day.
//! - A target's state combines its active episodes: it is closed while at least one closing
//!   episode (`capacity_factor = 0`, `blocks = "all"`) is active, closed to departures while any
//!   closing episode is active, and otherwise runs at the smallest active capacity factor.
//! - A closed node starts no service (service in progress finishes), berths no vessel and lets
//!   no vehicle leave; a node without handling (a pass-through) lets cargo through even then.
//!   `blocks = "vehicles"` stops only berthing and departures, `"departures"` only departures. A closed leg lets nothing start travelling on it. A slowed target divides
//!   the service, berth or travel times that *start* while it is slowed by the factor.
//! - When a target reopens, everything it held back is retried at once in FIFO order.

use super::Simulation;
use crate::base::time::SimTime;
use crate::engine::event::Event;
use crate::engine::observer::Observer;
use crate::model::{Blocks, Target, Timing};
use crate::stats::DisruptionRecord;
use rand::RngExt;
use rand_distr::{Distribution, Exp};

/// Closure state of one node or leg.
#[derive(Clone, Debug)]
pub(super) struct TargetState {
    /// No service starts, no vessel berths, nothing departs.
    pub(super) closed: bool,
    /// No vehicle berths or starts unloading (true whenever `closed` is).
    pub(super) berthing_closed: bool,
    /// No vehicle departs (true whenever `berthing_closed` is).
    pub(super) departures_closed: bool,
    /// Capacity factor for times that start now (1 when normal).
    pub(super) factor: f64,
    /// While closed to departures: the latest end (hours) of the closing episodes in force, as
    /// announced when each started (0 while open); what route choice sees of a closure.
    pub(super) closed_until: f64,
    /// Active episodes per disruption: (disruption index, count).
    active: Vec<(u32, u32)>,
}

impl Default for TargetState {
    fn default() -> TargetState {
        TargetState {
            closed: false,
            berthing_closed: false,
            departures_closed: false,
            factor: 1.0,
            closed_until: 0.0,
            active: Vec::new(),
        }
    }
}

impl TargetState {
    /// Stretches a duration that starts now by the capacity factor.
    #[inline]
    pub(super) fn stretch(&self, duration_h: f64) -> f64 {
        stretch(duration_h, self.factor)
    }
}

/// `duration_h / factor`, without the division when the factor is 1 (the usual case).
#[inline]
pub(super) fn stretch(duration_h: f64, factor: f64) -> f64 {
    if factor < 1.0 {
        duration_h / factor
    } else {
        duration_h
    }
}

/// Minutes in a day.
const MINUTES_PER_DAY: u32 = 24 * 60;

/// The time `minute` whole minutes after the start (negative minutes never occur).
fn at_minute(minute: i64) -> SimTime {
    SimTime::from_hours(minute as f64 / 60.0)
}

/// The end of the daily closure that starts at `now`, and the start of the next one.
///
/// `now` is either time 0 (midnight falls in the closure) or a closing instant that
/// [`at_minute`] computed from a whole number of minutes. The closure in progress is the latest
/// closing at or before `now` (half a minute of tolerance absorbs the rounding of
/// minutes to hours); both results are computed from whole minutes again, never by adding to
/// `now`, so no rounding accumulates, and both lie at least a minute after `now` (the closure
/// lasts at least a minute and the next closing is a day after the current one), so a daily
/// closure can never schedule itself at the same instant.
pub(super) fn daily_episode(
    now: SimTime,
    closes_at_min: u32,
    closed_min: u32,
) -> (SimTime, SimTime) {
    let close = i64::from(closes_at_min);
    let day = i64::from(MINUTES_PER_DAY);
    let k = ((now.hours() * 60.0 - close as f64 + 0.5) / day as f64).floor() as i64;
    let end = at_minute(k * day + close + i64::from(closed_min));
    let next = at_minute((k + 1) * day + close);
    debug_assert!(
        end > now && next > now,
        "a daily closure that does not advance"
    );
    (end, next)
}

impl<'m> Simulation<'m> {
    pub(super) fn reset_disruptions(&mut self) {
        for state in &mut self.targets {
            *state = TargetState::default();
        }
        self.disruption_epochs.fill(0);
        for (i, disruption) in self.model.disruptions.iter().enumerate() {
            let first = match &disruption.timing {
                // All rates 0 (a study scaling the rates to nothing): it never starts.
                Timing::Random { max_rate_per_h, .. } if *max_rate_per_h <= 0.0 => continue,
                Timing::Random { max_rate_per_h, .. } => {
                    let gap = Exp::new(*max_rate_per_h)
                        .expect("validated rates are positive")
                        .sample(&mut self.disruption_rngs[i]);
                    SimTime::from_hours(gap)
                }
                Timing::Scheduled { start_h } => SimTime::from_hours(*start_h),
                Timing::Daily {
                    closes_at_min,
                    closed_min,
                } => {
                    if (MINUTES_PER_DAY - closes_at_min) % MINUTES_PER_DAY < *closed_min {
                        // Midnight falls in the nightly closure: closed from the start.
                        SimTime::ZERO
                    } else {
                        at_minute(i64::from(*closes_at_min))
                    }
                }
            };
            self.events
                .schedule(first, Event::DisruptionStart(i as u32, 0));
        }
    }

    pub(super) fn on_disruption_start<O: Observer>(&mut self, d: u32, observer: &mut O) {
        let model = self.model;
        let now = self.now;
        let disruption = &model.disruptions[d as usize];
        let rng = &mut self.disruption_rngs[d as usize];
        let end = match &disruption.timing {
            Timing::Random {
                rate_per_h,
                max_rate_per_h,
            } => {
                let u: f64 = rng.random();
                let accepted = u * max_rate_per_h < rate_per_h[model.settings.calendar.month(now)];
                let gap = Exp::new(*max_rate_per_h)
                    .expect("validated rates are positive")
                    .sample(rng);
                let epoch = self.disruption_epochs[d as usize];
                self.events
                    .schedule(now.after(gap), Event::DisruptionStart(d, epoch));
                if !accepted {
                    return;
                }
                now.after(disruption.duration.sample(rng))
            }
            Timing::Scheduled { .. } => now.after(disruption.duration.sample(rng)),
            Timing::Daily {
                closes_at_min,
                closed_min,
            } => {
                let (end, next) = daily_episode(now, *closes_at_min, *closed_min);
                self.events.schedule(next, Event::DisruptionStart(d, 0));
                end
            }
        };
        if disruption.logged {
            self.stats.disruption_log.push(DisruptionRecord {
                disruption: d,
                start_h: now.hours(),
                end_h: end.hours(),
            });
        }
        self.events.schedule(end, Event::DisruptionEnd(d));
        for &target in &disruption.targets {
            if let Target::Node(node) = target {
                self.shelter_vessels_heading_to(node, d as usize);
            }
        }
        self.apply_episode(d, true, observer);
        if disruption.capacity_factor == 0.0 {
            for &target in &disruption.targets {
                let state = &mut self.targets[model.target_index(target)];
                if state.departures_closed {
                    state.closed_until = state.closed_until.max(end.hours());
                }
            }
        }
    }

    /// After a dated change: every random disruption whose monthly rates changed drops its
    /// pending candidate start and draws the next from the new envelope from this instant (exact
    /// for a Poisson process, which is memoryless); rates of 0 schedule nothing. Episodes under
    /// way keep the end drawn when they started; a new duration or shelter applies to episodes
    /// that start after the change (they are drawn at the start).
    pub(super) fn change_disruptions(&mut self, old: &crate::model::Model) {
        let now = self.now;
        for (i, (before, after)) in old
            .disruptions
            .iter()
            .zip(&self.model.disruptions)
            .enumerate()
        {
            let (
                Timing::Random {
                    rate_per_h: old_rates,
                    ..
                },
                Timing::Random {
                    rate_per_h,
                    max_rate_per_h,
                },
            ) = (&before.timing, &after.timing)
            else {
                continue;
            };
            if old_rates == rate_per_h {
                continue;
            }
            self.disruption_epochs[i] += 1;
            if *max_rate_per_h > 0.0 {
                let gap = Exp::new(*max_rate_per_h)
                    .expect("validated rates are positive")
                    .sample(&mut self.disruption_rngs[i]);
                self.events.schedule(
                    now.after(gap),
                    Event::DisruptionStart(i as u32, self.disruption_epochs[i]),
                );
            }
        }
    }

    pub(super) fn on_disruption_end<O: Observer>(&mut self, d: u32, observer: &mut O) {
        self.apply_episode(d, false, observer);
    }

    /// Adds (`starting`) or removes one active episode of disruption `d` on each of its
    /// targets, then lets reopened targets resume.
    fn apply_episode<O: Observer>(&mut self, d: u32, starting: bool, observer: &mut O) {
        let model = self.model;
        for &target in &model.disruptions[d as usize].targets {
            let index = model.target_index(target);
            let state = &mut self.targets[index];
            match state.active.iter_mut().find(|(id, _)| *id == d) {
                Some((_, count)) if starting => *count += 1,
                Some((_, count)) => *count -= 1,
                None => {
                    debug_assert!(starting, "an episode ended that never started");
                    state.active.push((d, 1));
                }
            }
            let was = (state.closed, state.berthing_closed, state.departures_closed);
            let mut closed = false;
            let mut berthing_closed = false;
            let mut departures_closed = false;
            let mut factor: f64 = 1.0;
            for &(id, count) in &state.active {
                if count == 0 {
                    continue;
                }
                let other = &model.disruptions[id as usize];
                if other.capacity_factor == 0.0 {
                    departures_closed = true;
                    berthing_closed |= other.blocks != Blocks::Departures;
                    closed |= other.blocks == Blocks::All;
                } else {
                    factor = factor.min(other.capacity_factor);
                }
            }
            state.closed = closed;
            state.berthing_closed = berthing_closed;
            state.departures_closed = departures_closed;
            state.factor = factor;
            if !departures_closed {
                state.closed_until = 0.0;
            }
            let slot = self.target_slots[index];
            let now_h = self.now.hours();
            let stats = &mut self.stats.targets[slot];
            stats
                .closed
                .set(now_h, if departures_closed { 1.0 } else { 0.0 });
            stats.slowed.set(
                now_h,
                if !departures_closed && factor < 1.0 {
                    1.0
                } else {
                    0.0
                },
            );
            observer.target_changed(self.now, target, closed, departures_closed, factor);
            match target {
                Target::Node(node) => {
                    if was.0 && !closed {
                        self.start_next_service(node, observer);
                    }
                    if was.1 && !berthing_closed {
                        self.admit_vehicles(node, observer);
                    }
                    if was.2 && !departures_closed {
                        self.recheck_fleets_at(node, observer);
                    }
                }
                Target::Leg(leg) => {
                    if was.0 && !closed {
                        self.release_leg_waiters(leg, observer);
                        if let Some((fleet, _)) = model.leg(leg).fleet {
                            self.recheck_fleet(fleet, observer);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_daily_closure_advances_by_whole_minutes_without_drift() {
        // Every closing minute of the day, with closures of a minute, of 14 h 40 min and of a
        // day less a minute, followed over ten years: each closure lasts exactly its length
        // and the next one comes exactly a day later.
        for close in 0..MINUTES_PER_DAY {
            for closed in [1, 880, MINUTES_PER_DAY - 1] {
                let midnight_closed = (MINUTES_PER_DAY - close) % MINUTES_PER_DAY < closed;
                let mut now = if midnight_closed {
                    SimTime::ZERO
                } else {
                    at_minute(i64::from(close))
                };
                // The closure in progress at time 0 began the evening before, unless it began at
                // midnight.
                let first: i64 = if midnight_closed && close > 0 { -1 } else { 0 };
                for k in first..first + 3650 {
                    let (end, next) = daily_episode(now, close, closed);
                    let expected_end = at_minute(k * 1440 + i64::from(close) + i64::from(closed));
                    let expected_next = at_minute((k + 1) * 1440 + i64::from(close));
                    assert_eq!(
                        (end, next),
                        (expected_end, expected_next),
                        "{close} {closed} {k}"
                    );
                    assert!(end > now && next > now);
                    now = next;
                }
            }
        }
    }
}
