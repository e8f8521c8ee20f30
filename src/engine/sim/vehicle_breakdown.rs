//! Vehicle breakdowns: vessels and trains of a fleet that fail and are repaired
//! (`[leg.fleet.breakdown]`).
//!
//! # Semantics
//! - Each vehicle of the fleet alternates between *up* and *down*, independently of the others
//!   and with its own random stream (`fleet/<id>/vehicle/<k>`, `k` from 0 in the fleet's vehicle
//!   order). All vehicles start up, with a fresh up time, at time 0.
//! - The up time is measured on the failure clock: with `clock = "always"` it runs all the time;
//!   with `clock = "busy"` it runs only while the vehicle *works*: travelling (either way),
//!   unloading, or holding its berth for `load_time`. Waiting for a berth, for cargo, for its
//!   departure rule or for a node or leg to open is not work.
//! - A failed vehicle is down until its repair ends: it waits for a repair crew if the fleet's
//!   `crews` are all busy (FIFO), then is repaired for one draw of `repair`. A new up time starts
//!   when the repair ends.
//! - `interrupted = "resume"`: the vehicle goes down where it is, at once. Work under way
//!   (a trip, an unloading, the `load_time`) stops and goes on after the repair for the time it
//!   had left (a slow-down is not applied again; a storm's shelter delay that strikes while it
//!   is down is added to the time left). A down vehicle keeps its cargo, its place in the berth
//!   queue (it is passed over until repaired) and its berth; as a loader it takes no cargo (the
//!   cargo boards other loaders) and does not leave; a vehicle ready to leave waits for its
//!   repair.
//! - `interrupted = "finish"`: the vehicle completes its round trip. A failure that comes due
//!   while the vehicle is an empty loader at home takes effect at once; otherwise it takes effect
//!   when the vehicle next becomes a loader at home (after unloading any return cargo): it is
//!   repaired there, empty, before it takes cargo.
//! - A fleet with breakdowns keeps its vehicle counts (validation refuses dated count changes
//!   and classes entering service later), so a down vehicle never retires.
//!
//! # Statistics
//! Per fleet with breakdowns (after the nodes' in `ReplicationStats::breakdowns`): failures in
//! the window, vehicles down (time average: availability = 1 - mean down / vehicles), TEU
//! aboard the fleet's vehicles (`waiting`) and TEU aboard a down vehicle (`delay`):
//! `breakdown_aboard_share` is the ratio of their time integrals.

use std::collections::VecDeque;

use super::Simulation;
use super::fleet::Phase;
use crate::base::rng::{Stream, StreamId, stream};
use crate::base::time::SimTime;
use crate::engine::event::Event;
use crate::engine::observer::Observer;
use crate::model::{Breakdown, FailureClock, FleetId, Interrupted, Model};

/// Failure state of one vehicle of a fleet with breakdowns.
#[derive(Clone, Debug)]
pub(super) struct Health {
    pub(super) up: bool,
    /// Work under way was stopped by the failure (`resume`) and goes on after the repair.
    pub(super) paused: bool,
    /// Hours left of the paused work.
    pub(super) left_h: f64,
    /// Only the `VehicleFails` event with this token is live.
    fail_token: u32,
    /// Busy clock: up-clock hours left before the next failure.
    clock_left_h: f64,
    /// Busy clock: when it last started running (while `clock_running`).
    clock_since: SimTime,
    clock_running: bool,
    /// `finish`: a failure came due and takes effect when the vehicle is next a loader at home.
    pending: bool,
    stream_id: StreamId,
    rng: Stream,
}

/// Repair crews of one fleet with breakdowns.
#[derive(Clone, Debug, Default)]
pub(super) struct FleetRepairs {
    /// Vehicles down (under repair or waiting for a crew).
    down: u32,
    /// Repairs in progress.
    crews_busy: u32,
    /// Failed vehicles waiting for a crew, FIFO.
    queue: VecDeque<u32>,
}

/// Builds the failure state of every vehicle (`vehicles` long; used only for vehicles of fleets
/// with breakdowns), the repair state of each fleet with breakdowns and each fleet's slot among
/// them (`usize::MAX` without breakdowns). `fleet_of` gives each vehicle's fleet and its index
/// within the fleet.
pub(super) fn build(
    model: &Model,
    fleet_of: &[(FleetId, u32)],
) -> (Vec<Health>, Vec<FleetRepairs>, Vec<usize>) {
    let placeholder = stream(0, 0, StreamId(0));
    let mut slots = vec![usize::MAX; model.fleets.len()];
    let fleets = model.breakdown_fleets();
    for (slot, fleet) in fleets.iter().enumerate() {
        slots[fleet.index()] = slot;
    }
    let health = fleet_of
        .iter()
        .map(|&(fleet, k)| Health {
            up: true,
            paused: false,
            left_h: 0.0,
            fail_token: 0,
            clock_left_h: 0.0,
            clock_since: SimTime::ZERO,
            clock_running: false,
            pending: false,
            stream_id: StreamId::from_name(&format!(
                "fleet/{}/vehicle/{k}",
                model.fleet(fleet).id
            )),
            rng: placeholder.clone(),
        })
        .collect();
    (health, vec![FleetRepairs::default(); fleets.len()], slots)
}

impl<'m> Simulation<'m> {
    fn vehicle_breakdown(&self, v: u32) -> Option<&'m Breakdown> {
        let model = self.model;
        model
            .fleet(self.vehicles[v as usize].fleet())
            .breakdown
            .as_ref()
    }

    /// Puts every vehicle of a fleet with breakdowns up with a fresh up time (at the start of a
    /// replication).
    pub(super) fn reset_vehicle_breakdowns(&mut self, seed: u64, replication: u64) {
        for repairs in &mut self.fleet_repairs {
            *repairs = FleetRepairs::default();
        }
        for v in 0..self.vehicles.len() as u32 {
            if self.vehicle_breakdown(v).is_none() {
                continue;
            }
            let health = &mut self.health[v as usize];
            health.rng = stream(seed, replication, health.stream_id);
            health.up = true;
            health.paused = false;
            health.pending = false;
            health.clock_running = false;
            self.start_vehicle_up_time(v);
        }
    }

    /// Whether vehicle `v` is up (always, for a fleet without breakdowns).
    #[inline]
    pub(super) fn vehicle_up(&self, v: u32) -> bool {
        self.health.get(v as usize).is_none_or(|h| h.up)
    }

    /// Draws the vehicle's next up time and, on the always-running clock, schedules its failure.
    fn start_vehicle_up_time(&mut self, v: u32) {
        let breakdown = self.vehicle_breakdown(v).expect("a fleet with breakdowns");
        let now = self.now;
        let health = &mut self.health[v as usize];
        let up_h = breakdown.up.sample(&mut health.rng);
        match breakdown.clock {
            FailureClock::Always => {
                health.fail_token = health.fail_token.wrapping_add(1);
                let event = Event::VehicleFails {
                    vehicle: v,
                    token: health.fail_token,
                };
                self.events.schedule(now.after(up_h), event);
            }
            FailureClock::Busy => health.clock_left_h = up_h,
        }
    }

    /// Vehicle `v` starts (or resumes) work: its busy clock runs.
    pub(super) fn vehicle_works(&mut self, v: u32) {
        let Some(breakdown) = self.vehicle_breakdown(v) else {
            return;
        };
        let now = self.now;
        let health = &mut self.health[v as usize];
        if breakdown.clock != FailureClock::Busy || !health.up || health.pending {
            return;
        }
        health.clock_since = now;
        health.clock_running = true;
        health.fail_token = health.fail_token.wrapping_add(1);
        let event = Event::VehicleFails {
            vehicle: v,
            token: health.fail_token,
        };
        self.events.schedule(now.after(health.clock_left_h), event);
    }

    /// Vehicle `v` stops work: its busy clock stops.
    pub(super) fn vehicle_rests(&mut self, v: u32) {
        let Some(breakdown) = self.vehicle_breakdown(v) else {
            return;
        };
        let now = self.now;
        let health = &mut self.health[v as usize];
        if breakdown.clock != FailureClock::Busy || !health.clock_running {
            return;
        }
        health.clock_running = false;
        health.clock_left_h = (health.clock_left_h - now.since(health.clock_since)).max(0.0);
        health.fail_token = health.fail_token.wrapping_add(1);
    }

    /// Vehicle `v`'s up time is over (event `VehicleFails`).
    pub(super) fn on_vehicle_fails<O: Observer>(&mut self, v: u32, token: u32, observer: &mut O) {
        let health = &self.health[v as usize];
        if health.fail_token != token || !health.up {
            return;
        }
        let breakdown = self.vehicle_breakdown(v).expect("a fleet with breakdowns");
        self.vehicle_rests(v);
        let vehicle = &self.vehicles[v as usize];
        match breakdown.interrupted {
            Interrupted::Finish => {
                if vehicle.phase() == Phase::Loading && vehicle.at_home() && vehicle.load_teu == 0
                {
                    self.vehicle_goes_down(v, observer);
                } else {
                    self.health[v as usize].pending = true;
                }
            }
            _ => {
                if matches!(
                    vehicle.phase(),
                    Phase::Voyage | Phase::Unloading | Phase::Finishing
                ) {
                    let left_h = vehicle.due().since(self.now);
                    self.invalidate_vehicle(v);
                    let health = &mut self.health[v as usize];
                    health.paused = true;
                    health.left_h = left_h;
                }
                self.vehicle_goes_down(v, observer);
            }
        }
    }

    /// A vehicle with a pending failure (`finish`) becomes a loader at home: it goes down now.
    pub(super) fn take_pending_failure<O: Observer>(&mut self, v: u32, observer: &mut O) {
        if let Some(health) = self.health.get_mut(v as usize)
            && health.pending
        {
            health.pending = false;
            self.vehicle_goes_down(v, observer);
        }
    }

    /// Vehicle `v` fails now: it goes down and waits for (or gets) a repair crew.
    fn vehicle_goes_down<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let fleet = self.vehicles[v as usize].fleet();
        self.health[v as usize].up = false;
        let slot = self.fleet_breakdown_slots[fleet.index()];
        self.fleet_repairs[slot].down += 1;
        if self.in_window {
            self.stats.breakdowns[self.breakdowns.len() + slot].failures += 1;
        }
        observer.vehicle_failed(self.now, fleet, v);
        let crews = self
            .vehicle_breakdown(v)
            .and_then(|b| b.crews)
            .unwrap_or(u32::MAX);
        if self.fleet_repairs[slot].crews_busy < crews {
            self.start_vehicle_repair(v, slot);
        } else {
            self.fleet_repairs[slot].queue.push_back(v);
        }
        self.record_fleet_breakdown_levels(fleet);
    }

    fn start_vehicle_repair(&mut self, v: u32, slot: usize) {
        let breakdown = self.vehicle_breakdown(v).expect("a fleet with breakdowns");
        let repair_h = breakdown.repair.sample(&mut self.health[v as usize].rng);
        self.fleet_repairs[slot].crews_busy += 1;
        self.events
            .schedule(self.now.after(repair_h), Event::VehicleRepaired(v));
    }

    /// Vehicle `v`'s repair ends (event `VehicleRepaired`): it is up again and carries on.
    pub(super) fn on_vehicle_repaired<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let fleet = self.vehicles[v as usize].fleet();
        let slot = self.fleet_breakdown_slots[fleet.index()];
        let repairs = &mut self.fleet_repairs[slot];
        repairs.crews_busy -= 1;
        repairs.down -= 1;
        if let Some(next) = repairs.queue.pop_front() {
            self.start_vehicle_repair(next, slot);
        }
        observer.vehicle_repaired(self.now, fleet, v);
        self.health[v as usize].up = true;
        self.start_vehicle_up_time(v);
        self.record_fleet_breakdown_levels(fleet);
        if std::mem::take(&mut self.health[v as usize].paused) {
            let left_h = self.health[v as usize].left_h;
            self.resume_vehicle(v, left_h);
            return;
        }
        self.vehicle_back_in_service(v, observer);
    }

    /// Records the breakdown levels of `fleet` (a fleet with breakdowns, or nothing).
    pub(super) fn record_fleet_breakdown_levels(&mut self, fleet: FleetId) {
        let slot = self.fleet_breakdown_slots[fleet.index()];
        if slot == usize::MAX {
            return;
        }
        let (mut aboard, mut stuck) = (0u64, 0u64);
        for v in self.fleet_vehicles(fleet) {
            let teu = u64::from(self.vehicles[v as usize].load_teu);
            aboard += teu;
            if !self.health[v as usize].up {
                stuck += teu;
            }
        }
        let now = self.now.hours();
        let down = self.fleet_repairs[slot].down;
        let stats = &mut self.stats.breakdowns[self.breakdowns.len() + slot];
        stats.down.set(now, f64::from(down));
        stats.waiting.set(now, aboard as f64);
        stats.delay.set(now, stuck as f64);
    }
}
