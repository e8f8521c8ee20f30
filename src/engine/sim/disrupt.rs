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
use crate::base::time::{HOURS_PER_DAY, SimTime};
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

impl<'m> Simulation<'m> {
    pub(super) fn reset_disruptions(&mut self) {
        for state in &mut self.targets {
            *state = TargetState::default();
        }
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
                    closes_at_h,
                    closed_h,
                } => {
                    if (-closes_at_h).rem_euclid(HOURS_PER_DAY) < *closed_h {
                        // Midnight falls in the nightly closure: closed from the start.
                        SimTime::ZERO
                    } else {
                        SimTime::from_hours(*closes_at_h)
                    }
                }
            };
            self.events
                .schedule(first, Event::DisruptionStart(i as u32));
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
                self.events
                    .schedule(now.after(gap), Event::DisruptionStart(d));
                if !accepted {
                    return;
                }
                now.after(disruption.duration.sample(rng))
            }
            Timing::Scheduled { .. } => now.after(disruption.duration.sample(rng)),
            Timing::Daily {
                closes_at_h,
                closed_h,
            } => {
                let time_of_day = now.hours().rem_euclid(HOURS_PER_DAY);
                let left_h = (closes_at_h + closed_h - time_of_day).rem_euclid(HOURS_PER_DAY);
                let left_h = if left_h == 0.0 { *closed_h } else { left_h };
                let mut next_h = (closes_at_h - time_of_day).rem_euclid(HOURS_PER_DAY);
                if next_h == 0.0 {
                    next_h = HOURS_PER_DAY;
                }
                self.events
                    .schedule(now.after(next_h), Event::DisruptionStart(d));
                now.after(left_h)
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
