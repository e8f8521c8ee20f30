//! Vehicles: the fleets that carry cargo on legs with a `[leg.fleet]`.
//!
//! # Semantics
//! - All vehicles start empty at the fleet's *home* (the origin of its leg) at time 0, in FIFO
//!   order.
//! - A vessel needs a berth (a unit of the node's `berths`) to load or unload; vessels wait for
//!   one in FIFO order, and no vessel berths while the node is closed. Trains need no berth, but
//!   like vessels they wait while the node is closed.
//! - A vehicle at a berth at home is a *loader*. Cargo waiting for the leg boards the oldest
//!   loader with room at once; a consignment larger than the room left is split.
//! - A loader leaves when the node and the leg are open for departures, it has at least 1 TEU
//!   aboard, and its rule fires: `depart_at_teu` reached or its `max_wait_h` timer (started at
//!   the first boarding) expired; or, for a scheduled fleet, a weekly slot has come. It then holds
//!   the berth for `load_time` (boarding closed) and sails as soon as the node and leg are open.
//! - At the far end it waits for a berth, unloads for `unload_time`, and its cargo arrives at the
//!   node. With a `return_leg` it then takes the cargo waiting there for the return leg (up to its
//!   capacity), holds the berth for `load_time` if it took any, and leaves without waiting for
//!   more. The trip home takes the return leg's transit, or the fleet's `return` time.
//! - Back home it queues for a berth, unloads any return cargo and becomes a loader again.
//! - **Classes.** A fleet's vehicles come in classes (one unnamed class for a fleet without
//!   classes), numbered class after class in class order; each vehicle loads up to its class's
//!   usable capacity, leaves at its class's `depart_at_teu`, and draws its class's berth and trip
//!   times. Dispatch does not look at classes: vehicles queue for berths first come first
//!   served (ties in vehicle order) and cargo boards the oldest loader.
//! - **Service.** A class with an entry time has no vehicle in service before it; then (and at
//!   every dated change of its count) [`sync_class`](Simulation::sync_class) brings the number in
//!   service to the count: added vehicles (first those marked to retire, then idle slots, lowest
//!   index first) appear empty at home and queue for a berth; removed ones (highest index first)
//!   retire at once if empty at home (an empty loader frees its berth, a waiting one leaves the
//!   queue), else are marked and retire when next home empty: on arriving home with nothing
//!   aboard, or after unloading return cargo at home. A retired vehicle holds nothing.

use std::collections::VecDeque;
use std::ops::Range;

use super::{Location, Simulation};
use crate::base::time::{HOURS_PER_WEEK, SimTime};
use crate::engine::event::{CargoId, Event};
use crate::engine::observer::Observer;
use crate::model::{
    DeparturePolicy, Direction, FleetId, LegId, Model, NodeId, VehicleClass, VehicleKind,
};

/// What a vehicle is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Out of service: before the fleet's start event, before its class enters service or a
    /// dated change adds it, or retired.
    Idle,
    /// Waiting for a berth or for the node to open.
    WaitBerth,
    /// Unloading at a berth.
    Unloading,
    /// At a berth at home, taking cargo.
    Loading,
    /// Holding the berth for `load_time` after the decision to leave.
    Finishing,
    /// Loaded and waiting for the node or leg to open.
    Ready,
    /// Travelling between the two ends.
    Voyage,
}

/// One vehicle of a fleet.
#[derive(Clone, Debug)]
pub(super) struct Vehicle {
    fleet: FleetId,
    /// Index of its class in the fleet's classes.
    class: u32,
    phase: Phase,
    at_home: bool,
    cargo: Vec<CargoId>,
    pub(super) load_teu: u32,
    /// Only the pending event carrying this token is live.
    token: u32,
    timer_expired: bool,
    slot_due: bool,
    /// When it started waiting for a berth.
    since: SimTime,
    /// When its live pending event is due.
    due: SimTime,
    /// To retire when it next reaches home empty (a dated change lowered its class's count).
    retiring: bool,
    /// When it last started loading at home.
    loading_since: SimTime,
    /// Whether its departure rule fired after it started loading (it waited to fill).
    waited: bool,
}

impl Vehicle {
    pub(super) fn fleet(&self) -> FleetId {
        self.fleet
    }

    pub(super) fn phase(&self) -> Phase {
        self.phase
    }

    pub(super) fn at_home(&self) -> bool {
        self.at_home
    }

    /// When its live pending event is due.
    pub(super) fn due(&self) -> SimTime {
        self.due
    }

    /// Whether its cargo has left the origin node (travelling, at anchorage or unloading).
    pub(super) fn departed(&self) -> bool {
        matches!(
            self.phase,
            Phase::Voyage | Phase::WaitBerth | Phase::Unloading
        )
    }
}

/// Mutable state of one fleet.
#[derive(Clone, Debug)]
pub(super) struct FleetState {
    /// Indices of its vehicles in the simulation's vehicle list.
    vehicles: Range<u32>,
    /// Indices of each class's vehicles (slots for the most the class has in any model).
    classes: Vec<Range<u32>>,
    /// Whether the number of vehicles in service can vary (see `FleetStats::in_service`).
    pub(super) varying: bool,
    /// Cargo waiting at home for the outbound leg (`Direction::Out`) and at the far end for the
    /// return leg (`Direction::Back`), FIFO.
    pub(super) queues: [VecDeque<CargoId>; 2],
    /// Vehicles at a berth at home taking cargo, oldest first.
    loaders: VecDeque<u32>,
    home: NodeId,
    far: NodeId,
    /// Next schedule slot: (week, index into the slots).
    next_slot: (u64, usize),
}

impl FleetState {
    /// Index of its first vehicle in the simulation's vehicle list.
    pub(super) fn first_vehicle(&self) -> u32 {
        self.vehicles.start
    }
}

/// Builds the vehicles and fleet states of `model`: for each fleet, each class's vehicles in
/// class order, as many as the class has in the scenario or after any dated change.
pub(super) fn build(model: &Model) -> (Vec<Vehicle>, Vec<FleetState>) {
    let mut vehicles = Vec::new();
    let mut fleets = Vec::new();
    for (i, fleet) in model.fleets.iter().enumerate() {
        let first = vehicles.len() as u32;
        let mut classes = Vec::new();
        let mut varying = false;
        for (c, class) in fleet.classes.iter().enumerate() {
            let counts = model
                .changes
                .iter()
                .map(|change| change.model.fleets[i].classes[c].vehicles);
            let slots = counts.clone().fold(class.vehicles, u32::max);
            varying |= class.enters_h > 0.0 || counts.into_iter().any(|n| n != class.vehicles);
            let start = vehicles.len() as u32;
            for _ in 0..slots {
                vehicles.push(Vehicle {
                    fleet: FleetId(i as u32),
                    class: c as u32,
                    phase: Phase::Idle,
                    at_home: true,
                    cargo: Vec::new(),
                    load_teu: 0,
                    token: 0,
                    timer_expired: false,
                    slot_due: false,
                    since: SimTime::ZERO,
                    due: SimTime::ZERO,
                    retiring: false,
                    loading_since: SimTime::ZERO,
                    waited: false,
                });
            }
            classes.push(start..vehicles.len() as u32);
        }
        let leg = model.leg(fleet.leg);
        fleets.push(FleetState {
            vehicles: first..vehicles.len() as u32,
            classes,
            varying,
            queues: [VecDeque::new(), VecDeque::new()],
            loaders: VecDeque::new(),
            home: leg.from,
            far: leg.to,
            next_slot: (0, 0),
        });
    }
    (vehicles, fleets)
}

impl<'m> Simulation<'m> {
    pub(super) fn reset_fleets(&mut self) {
        for (i, state) in self.fleets.iter_mut().enumerate() {
            state.queues[0].clear();
            state.queues[1].clear();
            state.loaders.clear();
            state.next_slot = (0, 0);
            self.events
                .schedule(SimTime::ZERO, Event::FleetStart(FleetId(i as u32)));
            if let DeparturePolicy::Schedule { slots_h } = &self.model.fleets[i].policy {
                self.events.schedule(
                    SimTime::from_hours(slots_h[0]),
                    Event::Slot(FleetId(i as u32)),
                );
            }
        }
        for vehicle in &mut self.vehicles {
            vehicle.phase = Phase::Idle;
            vehicle.at_home = true;
            vehicle.cargo.clear();
            vehicle.load_teu = 0;
            vehicle.timer_expired = false;
            vehicle.slot_due = false;
            vehicle.retiring = false;
        }
        // Classes that enter service later: the event of their first vehicle brings them in.
        for f in 0..self.fleets.len() {
            for (c, class) in self.model.fleets[f].classes.iter().enumerate() {
                let first = self.fleets[f].classes[c].start;
                if class.enters_h > 0.0 && !self.fleets[f].classes[c].is_empty() {
                    self.schedule_vehicle_at(first, SimTime::from_hours(class.enters_h));
                }
            }
        }
    }

    pub(super) fn on_fleet_start<O: Observer>(&mut self, fleet: FleetId, observer: &mut O) {
        let state = &self.fleets[fleet.index()];
        let home = state.home;
        for (c, class) in self.model.fleet(fleet).classes.iter().enumerate() {
            if class.enters_h > 0.0 {
                continue;
            }
            let first = self.fleets[fleet.index()].classes[c].start;
            for v in first..first + class.vehicles {
                self.queue_for_berth(v, home);
            }
        }
        self.record_in_service(fleet);
        self.admit_vehicles(home, observer);
    }

    // ------------------------------------------------------------ vehicles in service

    /// Vehicles of `fleet` in service and not retiring.
    fn in_service(&self, fleet: FleetId, class: Option<usize>) -> u32 {
        let state = &self.fleets[fleet.index()];
        let range = class.map_or_else(|| state.vehicles.clone(), |c| state.classes[c].clone());
        range
            .filter(|&v| {
                let vehicle = &self.vehicles[v as usize];
                vehicle.phase != Phase::Idle && !vehicle.retiring
            })
            .count() as u32
    }

    /// Records the number of the fleet's vehicles in service, if it can vary.
    fn record_in_service(&mut self, fleet: FleetId) {
        if !self.fleets[fleet.index()].varying {
            return;
        }
        let n = self.in_service(fleet, None);
        let now = self.now.hours();
        if let Some(level) = &mut self.stats.fleets[fleet.index()].in_service {
            level.set(now, f64::from(n));
        }
    }

    /// Brings the number of class `class` of `fleet` in service to what the current model says
    /// (none before the class enters service). Added vehicles first take back vehicles marked to
    /// retire (lowest index first), then appear empty at home, lowest index first, and queue
    /// for a berth; removed ones are the highest-index vehicles in service, each retiring at
    /// once if it is at home and empty, else marked to retire when it next reaches home empty.
    pub(super) fn sync_class<O: Observer>(
        &mut self,
        fleet: FleetId,
        class: usize,
        observer: &mut O,
    ) {
        let spec = &self.model.fleet(fleet).classes[class];
        let target = if self.now.hours() >= spec.enters_h {
            spec.vehicles
        } else {
            0
        };
        let current = self.in_service(fleet, Some(class));
        let range = self.fleets[fleet.index()].classes[class].clone();
        let home = self.fleets[fleet.index()].home;
        if current < target {
            let mut needed = target - current;
            for v in range.clone() {
                let vehicle = &mut self.vehicles[v as usize];
                if needed > 0 && vehicle.phase != Phase::Idle && vehicle.retiring {
                    vehicle.retiring = false;
                    needed -= 1;
                }
            }
            for v in range {
                if needed > 0 && self.vehicles[v as usize].phase == Phase::Idle {
                    self.invalidate(v);
                    self.vehicles[v as usize].at_home = true;
                    self.queue_for_berth(v, home);
                    observer.vehicle_service(self.now, fleet, v, true);
                    needed -= 1;
                }
            }
            self.record_in_service(fleet);
            self.admit_vehicles(home, observer);
        } else if current > target {
            let mut excess = current - target;
            for v in range.rev() {
                let vehicle = &self.vehicles[v as usize];
                if excess > 0 && vehicle.phase != Phase::Idle && !vehicle.retiring {
                    excess -= 1;
                    self.retire(v, observer);
                }
            }
            self.record_in_service(fleet);
        }
    }

    /// Follows a dated change from `old` to the current model: each class whose count changed
    /// is brought to its new count (see [`sync_class`](Self::sync_class)).
    pub(super) fn change_fleets<O: Observer>(&mut self, old: &Model, observer: &mut O) {
        let model = self.model;
        for (f, (before, after)) in old.fleets.iter().zip(&model.fleets).enumerate() {
            for (c, (was, is)) in before.classes.iter().zip(&after.classes).enumerate() {
                if was.vehicles != is.vehicles {
                    self.sync_class(FleetId(f as u32), c, observer);
                }
            }
        }
    }

    /// Retires vehicle `v` now if it is at home and empty (an empty loader gives up its berth,
    /// a vehicle waiting for a berth leaves the queue), else marks it to retire when it next
    /// reaches home empty.
    fn retire<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let vehicle = &self.vehicles[v as usize];
        let fleet = vehicle.fleet;
        let home = self.fleets[fleet.index()].home;
        let empty_at_home = vehicle.at_home && vehicle.load_teu == 0;
        match vehicle.phase {
            Phase::Loading if empty_at_home => {
                self.stop_loading(fleet, v);
                self.leave_service(v, true, observer);
            }
            Phase::WaitBerth if empty_at_home => {
                let state = &mut self.nodes[home.index()];
                state.berth_queue.retain(|&w| w != v);
                state.gate_queue.retain(|&w| w != v);
                self.leave_service(v, false, observer);
            }
            _ => self.vehicles[v as usize].retiring = true,
        }
    }

    /// Removes loader `v` from its fleet's loaders.
    fn stop_loading(&mut self, fleet: FleetId, v: u32) {
        let loaders = &mut self.fleets[fleet.index()].loaders;
        let position = loaders
            .iter()
            .position(|&l| l == v)
            .expect("a loading vehicle is among the loaders");
        loaders.remove(position);
    }

    /// Takes vehicle `v`, empty at home, out of service, freeing its berth if it holds one.
    fn leave_service<O: Observer>(&mut self, v: u32, holds_berth: bool, observer: &mut O) {
        self.invalidate(v);
        let vehicle = &mut self.vehicles[v as usize];
        debug_assert!(vehicle.at_home && vehicle.load_teu == 0 && vehicle.cargo.is_empty());
        vehicle.phase = Phase::Idle;
        vehicle.retiring = false;
        let fleet = vehicle.fleet;
        let home = self.fleets[fleet.index()].home;
        observer.vehicle_service(self.now, fleet, v, false);
        self.record_in_service(fleet);
        if holds_berth && self.model.fleet(fleet).kind == VehicleKind::Vessel {
            self.nodes[home.index()].berths_used -= 1;
            self.admit_vehicles(home, observer);
        }
    }

    fn vehicle_node(&self, v: u32) -> NodeId {
        let vehicle = &self.vehicles[v as usize];
        let state = &self.fleets[vehicle.fleet.index()];
        if vehicle.at_home {
            state.home
        } else {
            state.far
        }
    }

    fn schedule_vehicle(&mut self, v: u32, delay_h: f64) {
        self.schedule_vehicle_at(v, self.now.after(delay_h));
    }

    fn schedule_vehicle_at(&mut self, v: u32, due: SimTime) {
        let vehicle = &mut self.vehicles[v as usize];
        vehicle.token = vehicle.token.wrapping_add(1);
        vehicle.due = due;
        let event = Event::Vehicle {
            vehicle: v,
            token: vehicle.token,
        };
        self.events.schedule(due, event);
    }

    /// Delays every vessel at sea heading to `node` by a draw of `shelter` (disruption `d`'s
    /// stream), in vehicle order.
    pub(super) fn shelter_vessels_heading_to(&mut self, node: NodeId, d: usize) {
        let Some(shelter) = &self.model.disruptions[d].shelter else {
            return;
        };
        for v in 0..self.vehicles.len() {
            let vehicle = &self.vehicles[v];
            if vehicle.phase != Phase::Voyage
                || self.model.fleet(vehicle.fleet).kind != VehicleKind::Vessel
            {
                continue;
            }
            let state = &self.fleets[vehicle.fleet.index()];
            // A vessel on a voyage that left home is heading to the far end, and vice versa.
            let heading_to = if vehicle.at_home {
                state.far
            } else {
                state.home
            };
            if heading_to != node {
                continue;
            }
            let delay_h = shelter.sample(&mut self.disruption_rngs[d]);
            if let Some(health) = self.health.get_mut(v)
                && health.paused
            {
                // Down at sea: the delay adds to the trip left after the repair.
                health.left_h += delay_h;
                continue;
            }
            let due = self.vehicles[v].due.after(delay_h);
            self.schedule_vehicle_at(v as u32, due);
        }
    }

    /// Voids the vehicle's pending event (its load timer).
    pub(super) fn invalidate_vehicle(&mut self, v: u32) {
        self.invalidate(v);
    }

    /// Voids the vehicle's pending event (its load timer).
    fn invalidate(&mut self, v: u32) {
        let vehicle = &mut self.vehicles[v as usize];
        vehicle.token = vehicle.token.wrapping_add(1);
    }

    pub(super) fn on_vehicle<O: Observer>(&mut self, v: u32, token: u32, observer: &mut O) {
        let vehicle = &self.vehicles[v as usize];
        if vehicle.token != token {
            return;
        }
        if matches!(
            vehicle.phase,
            Phase::Unloading | Phase::Finishing | Phase::Voyage
        ) {
            self.vehicle_rests(v);
        }
        match self.vehicles[v as usize].phase {
            Phase::Unloading => self.unloading_done(v, observer),
            Phase::Finishing => self.ready(v, observer),
            Phase::Voyage => self.voyage_end(v, observer),
            Phase::Loading => {
                self.vehicles[v as usize].timer_expired = true;
                self.check_departure(v, observer);
            }
            Phase::Idle => {
                // The first vehicle of a class that enters service now.
                let vehicle = &self.vehicles[v as usize];
                let (fleet, class) = (vehicle.fleet, vehicle.class as usize);
                self.sync_class(fleet, class, observer);
            }
            other => unreachable!("vehicle event in phase {other:?}"),
        }
    }

    // ------------------------------------------------------------ berths

    /// Puts a vehicle in the FIFO for a berth (vessels) or for the node to open (trains). The
    /// caller then calls [`admit_vehicles`](Self::admit_vehicles).
    fn queue_for_berth(&mut self, v: u32, node: NodeId) {
        let now = self.now;
        let vehicle = &mut self.vehicles[v as usize];
        vehicle.phase = Phase::WaitBerth;
        vehicle.since = now;
        let is_vessel = self.model.fleet(vehicle.fleet).kind == VehicleKind::Vessel;
        let state = &mut self.nodes[node.index()];
        if is_vessel {
            state.berth_queue.push_back(v);
        } else {
            state.gate_queue.push_back(v);
        }
    }

    /// Lets waiting trains in and berths waiting vessels while berths are free, if the node is
    /// open.
    ///
    /// Vessels berth in FIFO order, except that vessels with work at the node (cargo to unload,
    /// or cargo waiting for them to load) go before vessels without, and an empty loader gives up
    /// its berth (queueing again) when a vessel with work is waiting and every berth is taken.
    /// Without this an idle vessel waiting for cargo could hold a berth forever and starve another
    /// fleet, or the vessel bringing that very cargo. A vessel that takes a berth this way has
    /// work, so it cannot be displaced in turn, and nothing ping-pongs.
    pub(super) fn admit_vehicles<O: Observer>(&mut self, node: NodeId, observer: &mut O) {
        loop {
            if self.targets[node.index()].berthing_closed {
                return;
            }
            let gate = &self.nodes[node.index()].gate_queue;
            if let Some(position) = gate.iter().position(|&v| self.vehicle_up(v)) {
                let v = self.nodes[node.index()]
                    .gate_queue
                    .remove(position)
                    .expect("position is in range");
                self.berthed(v, observer);
                continue;
            }
            // Down vehicles keep their place but are passed over until repaired.
            let queue = &self.nodes[node.index()].berth_queue;
            let Some((position, has_work)) = queue
                .iter()
                .position(|&v| self.vehicle_up(v) && self.has_work_at(v, node))
                .map(|p| (p, true))
                .or_else(|| {
                    queue
                        .iter()
                        .position(|&v| self.vehicle_up(v))
                        .map(|p| (p, false))
                })
            else {
                return;
            };
            let state = &self.nodes[node.index()];
            // After a dated change lowered the berths, more may be in use than there are: an
            // eviction then frees none.
            if state.berths_used >= state.berths
                && !(has_work && state.berths_used == state.berths && self.evict_empty_loader(node))
            {
                return;
            }
            let state = &mut self.nodes[node.index()];
            let v = state
                .berth_queue
                .remove(position)
                .expect("position is in range");
            state.berths_used += 1;
            observer.berthed(self.now, node, v, state.berths_used);
            self.berthed(v, observer);
        }
    }

    /// Sends an empty vessel loader at `node` back to the berth queue, freeing its berth.
    /// Returns whether there was one.
    fn evict_empty_loader(&mut self, node: NodeId) -> bool {
        for f in 0..self.fleets.len() {
            let fleet = &self.fleets[f];
            if fleet.home != node || self.model.fleets[f].kind != VehicleKind::Vessel {
                continue;
            }
            let Some(position) = fleet
                .loaders
                .iter()
                .position(|&l| self.vehicles[l as usize].load_teu == 0)
            else {
                continue;
            };
            let idle = self.fleets[f]
                .loaders
                .remove(position)
                .expect("position is in range");
            self.invalidate(idle);
            let now = self.now;
            let vehicle = &mut self.vehicles[idle as usize];
            vehicle.phase = Phase::WaitBerth;
            vehicle.since = now;
            let state = &mut self.nodes[node.index()];
            state.berths_used -= 1;
            state.berth_queue.push_back(idle);
            return true;
        }
        false
    }

    /// Whether vessel `v`, waiting at `node`, has cargo to unload or waiting cargo to load there.
    fn has_work_at(&self, v: u32, node: NodeId) -> bool {
        let vehicle = &self.vehicles[v as usize];
        if vehicle.load_teu > 0 {
            return true;
        }
        let fleet = &self.fleets[vehicle.fleet.index()];
        if node == fleet.home {
            !fleet.queues[Direction::Out as usize].is_empty()
        } else {
            !fleet.queues[Direction::Back as usize].is_empty()
        }
    }

    fn berthed<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let now = self.now;
        let vehicle = &self.vehicles[v as usize];
        let fleet = vehicle.fleet;
        let class = vehicle.class as usize;
        if vehicle.load_teu > 0 {
            if self.in_window {
                self.stats.fleets[fleet.index()]
                    .berth_wait_h
                    .add(now.since(vehicle.since));
            }
            self.vehicles[v as usize].phase = Phase::Unloading;
            let node = self.vehicle_node(v);
            let unload_h = self.model.fleet(fleet).classes[class]
                .unload_time
                .sample(&mut self.fleet_rngs[fleet.index()]);
            let unload_h = self.targets[node.index()].stretch(unload_h);
            self.schedule_vehicle(v, unload_h);
            self.vehicle_works(v);
        } else {
            self.after_unload(v, observer);
        }
    }

    fn unloading_done<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let node = self.vehicle_node(v);
        let mut cargo = std::mem::take(&mut self.vehicles[v as usize].cargo);
        self.vehicles[v as usize].load_teu = 0;
        for &c in &cargo {
            self.arrive_from_vehicle(c, node, observer);
        }
        cargo.clear();
        self.vehicles[v as usize].cargo = cargo;
        let fleet = self.vehicles[v as usize].fleet;
        self.record_fleet_breakdown_levels(fleet);
        self.after_unload(v, observer);
    }

    /// A consignment unloaded at `node` ends its leg and arrives there. Vehicles always unload:
    /// the node's yard limit applies to cargo arriving by land.
    fn arrive_from_vehicle<O: Observer>(&mut self, cargo: CargoId, node: NodeId, observer: &mut O) {
        let now = self.now;
        let consignment = &mut self.cargo[cargo.index()];
        let travelled_stage = 2 * consignment.stage as usize + 1;
        consignment.stage += 1;
        let teu = consignment.teu;
        if self.in_window {
            let transit_h = now.since(consignment.leg_start);
            self.stats.routes[consignment.route.index()].stages[travelled_stage]
                .service_h
                .add_weighted(transit_h, f64::from(teu));
        }
        self.nodes[node.index()].occupancy_teu += u64::from(teu);
        self.arrive_at_node(cargo, node, observer);
    }

    fn after_unload<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let vehicle = &mut self.vehicles[v as usize];
        let fleet = vehicle.fleet;
        if vehicle.at_home && vehicle.retiring {
            self.leave_service(v, true, observer);
        } else if vehicle.at_home {
            vehicle.phase = Phase::Loading;
            vehicle.loading_since = self.now;
            vehicle.timer_expired = false;
            vehicle.slot_due = false;
            self.fleets[fleet.index()].loaders.push_back(v);
            self.take_pending_failure(v, observer);
            self.board_loaders(fleet, observer);
            if self.vehicles[v as usize].phase == Phase::Loading {
                self.check_departure(v, observer);
            }
        } else if self.model.fleet(fleet).return_leg.is_some() {
            vehicle.phase = Phase::Loading;
            while self.fill_one(v, Direction::Back) {}
            if self.vehicles[v as usize].load_teu > 0 {
                self.finishing(v, observer);
            } else {
                self.ready(v, observer);
            }
        } else {
            self.ready(v, observer);
        }
    }

    // ------------------------------------------------------------ loading

    /// Boards the head of the fleet's queue in `direction` onto `v`, splitting it if it does not
    /// fit. Returns whether anything boarded.
    fn fill_one(&mut self, v: u32, direction: Direction) -> bool {
        let vehicle = &self.vehicles[v as usize];
        let fleet = vehicle.fleet;
        let first = vehicle.load_teu == 0;
        let spec = self.model.fleet(fleet);
        let room = spec.classes[vehicle.class as usize].max_load_teu - vehicle.load_teu;
        if room == 0 {
            return false;
        }
        let queue = &mut self.fleets[fleet.index()].queues[direction as usize];
        let Some(&head) = queue.front() else {
            return false;
        };
        let boarding = if self.cargo[head.index()].teu <= room {
            queue.pop_front();
            head
        } else {
            // Split: `room` TEU board, the rest keeps its place at the head of the queue.
            let mut piece = self.cargo[head.index()];
            piece.teu = room;
            self.cargo[head.index()].teu -= room;
            let node = self.model.route(piece.route).nodes[piece.stage as usize];
            self.nodes[node.index()].in_node += 1;
            self.insert_cargo(piece)
        };
        let teu = self.cargo[boarding.index()].teu;
        self.cargo[boarding.index()].location = Location::Loaded;
        let vehicle = &mut self.vehicles[v as usize];
        vehicle.cargo.push(boarding);
        vehicle.load_teu += teu;
        self.record_fleet_breakdown_levels(fleet);
        if first
            && direction == Direction::Out
            && let DeparturePolicy::WhenFull {
                max_wait_h: Some(wait_h),
            } = spec.policy
        {
            self.schedule_vehicle(v, wait_h);
        }
        true
    }

    /// Boards waiting outbound cargo onto the loaders at home, oldest loader first, and lets
    /// loaders whose rule fires leave.
    pub(super) fn board_loaders<O: Observer>(&mut self, fleet: FleetId, observer: &mut O) {
        let mut i = 0;
        loop {
            let state = &self.fleets[fleet.index()];
            if state.queues[Direction::Out as usize].is_empty() {
                return;
            }
            let Some(&v) = state.loaders.get(i) else {
                return;
            };
            if !self.vehicle_up(v) {
                // A down loader takes no cargo.
                i += 1;
                continue;
            }
            let mut boarded = false;
            while self.fill_one(v, Direction::Out) {
                boarded = true;
            }
            if !(boarded && self.check_departure(v, observer)) {
                i += 1;
            }
        }
    }

    /// Sends loader `v` off (to `load_time`, then sailing) if its departure rule fires and its
    /// node and leg are open. Returns whether it stopped loading.
    fn check_departure<O: Observer>(&mut self, v: u32, observer: &mut O) -> bool {
        let vehicle = &self.vehicles[v as usize];
        debug_assert!(vehicle.at_home && vehicle.phase == Phase::Loading);
        let fleet = vehicle.fleet;
        let spec = self.model.fleet(fleet);
        let triggered = match spec.policy {
            DeparturePolicy::WhenFull { .. } => {
                vehicle.load_teu >= spec.classes[vehicle.class as usize].depart_at_teu
                    || vehicle.timer_expired
            }
            DeparturePolicy::Schedule { .. } => vehicle.slot_due,
        };
        if vehicle.load_teu == 0 || !triggered || !self.departures_open(v) || !self.vehicle_up(v) {
            return false;
        }
        self.stop_loading(fleet, v);
        let vehicle = &mut self.vehicles[v as usize];
        vehicle.waited = self.now > vehicle.loading_since;
        self.finishing(v, observer);
        true
    }

    /// Whether vehicle `v` may leave its node now.
    fn departures_open(&self, v: u32) -> bool {
        let vehicle = &self.vehicles[v as usize];
        let spec = self.model.fleet(vehicle.fleet);
        let node = self.vehicle_node(v);
        let leg = if vehicle.at_home {
            spec.leg
        } else {
            spec.return_leg.unwrap_or(spec.leg)
        };
        !self.targets[node.index()].departures_closed
            && !self.targets[self.model.nodes.len() + leg.index()].closed
    }

    fn finishing<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let fleet = self.vehicles[v as usize].fleet;
        let class = &self.model.fleet(fleet).classes[self.vehicles[v as usize].class as usize];
        self.vehicles[v as usize].phase = Phase::Finishing;
        if class.load_time.mean() == 0.0 {
            self.invalidate(v);
            self.ready(v, observer);
        } else {
            let node = self.vehicle_node(v);
            let load_h = class.load_time.sample(&mut self.fleet_rngs[fleet.index()]);
            let load_h = self.targets[node.index()].stretch(load_h);
            self.schedule_vehicle(v, load_h);
            self.vehicle_works(v);
        }
    }

    fn ready<O: Observer>(&mut self, v: u32, observer: &mut O) {
        self.vehicles[v as usize].phase = Phase::Ready;
        self.try_depart(v, observer);
    }

    fn try_depart<O: Observer>(&mut self, v: u32, observer: &mut O) {
        if self.departures_open(v) && self.vehicle_up(v) {
            self.depart_vehicle(v, observer);
        }
    }

    fn depart_vehicle<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let model = self.model;
        let now = self.now;
        let node = self.vehicle_node(v);
        let vehicle = &mut self.vehicles[v as usize];
        let fleet = vehicle.fleet;
        let spec = model.fleet(fleet);
        let at_home = vehicle.at_home;
        let load = vehicle.load_teu;
        vehicle.phase = Phase::Voyage;
        let cargo = std::mem::take(&mut vehicle.cargo);
        let class = vehicle.class as usize;
        if spec.kind == VehicleKind::Vessel {
            self.nodes[node.index()].berths_used -= 1;
        }
        for &c in &cargo {
            let consignment = &self.cargo[c.index()];
            if self.in_window {
                let wait_h = now.since(consignment.released);
                self.stats.fleets[fleet.index()]
                    .cargo_wait_h
                    .add_weighted(wait_h, f64::from(consignment.teu));
            }
            self.exit_node(c, node, observer);
            let consignment = &mut self.cargo[c.index()];
            consignment.location = Location::Aboard;
            consignment.leg_start = now;
        }
        self.vehicles[v as usize].cargo = cargo;
        let stats = &mut self.stats.fleets[fleet.index()];
        if at_home {
            let day = now.days() as usize;
            if let Some(departures) = stats.daily_departures.get_mut(day) {
                *departures += 1;
                stats.daily_departed_teu[day] += u64::from(load);
            }
        }
        if self.in_window {
            if at_home {
                stats.departures += 1;
                stats.departed_teu += u64::from(load);
                stats.load_teu.add(f64::from(load));
                if let Some(class_stats) = stats.classes.get_mut(class) {
                    class_stats.departures += 1;
                    class_stats.departed_teu += u64::from(load);
                    class_stats.load_teu.add(f64::from(load));
                }
                // Rolled cargo: what stays on the quay for this leg as the vehicle sails.
                let left: u64 = self.fleets[fleet.index()].queues[Direction::Out as usize]
                    .iter()
                    .map(|c| u64::from(self.cargo[c.index()].teu))
                    .sum();
                stats.left_behind_teu.add(left as f64);
                stats.departures_leaving_cargo += u64::from(left > 0);
                stats.waited_departures += u64::from(self.vehicles[v as usize].waited);
            } else if load > 0 {
                stats.back_departures += 1;
                stats.back_teu += u64::from(load);
            }
        }
        observer.departed(now, fleet, node, load);
        observer.vehicle_departed(now, fleet, class, v, node, load);
        let class = &spec.classes[class];
        let travel_h = if at_home {
            self.draw_trip(class, spec.leg, None)
        } else if let Some(back) = spec.return_leg {
            self.draw_trip(class, back, None)
        } else {
            self.draw_trip(class, spec.leg, Some(fleet))
        };
        if at_home {
            self.record_away(fleet);
        }
        self.schedule_vehicle(v, travel_h);
        self.vehicle_works(v);
        self.admit_vehicles(node, observer);
    }

    /// A trip of a vehicle of `class` on `leg` (or, with `empty_return`, the fleet's empty
    /// trip home beside `leg`): the class's own `transit`, or the leg's transit (the fleet's
    /// `return` time) divided by the class's speed; stretched by a slow-down of `leg`. The leg's
    /// transit and the class's transit draw from the leg's stream, the `return` time from the
    /// fleet's.
    fn draw_trip(
        &mut self,
        class: &'m VehicleClass,
        leg: LegId,
        empty_return: Option<FleetId>,
    ) -> f64 {
        let trip_h = match (&class.transit, empty_return) {
            (Some(own), None) => own.sample(&mut self.transit_rngs[leg.index()]),
            (Some(own), Some(fleet)) => own.sample(&mut self.fleet_rngs[fleet.index()]),
            (None, None) => class.trip_h(
                self.model
                    .leg(leg)
                    .transit
                    .sample(&mut self.transit_rngs[leg.index()]),
            ),
            (None, Some(fleet)) => class.trip_h(
                self.model
                    .fleet(fleet)
                    .return_time
                    .sample(&mut self.fleet_rngs[fleet.index()]),
            ),
        };
        self.targets[self.model.nodes.len() + leg.index()].stretch(trip_h)
    }

    /// Records the number of the fleet's vehicles away from home.
    fn record_away(&mut self, fleet: FleetId) {
        let now = self.now.hours();
        let range = &self.fleets[fleet.index()].vehicles;
        let vehicles = &self.vehicles[range.start as usize..range.end as usize];
        let away = vehicles
            .iter()
            .filter(|v| !v.at_home || v.phase == Phase::Voyage)
            .count();
        self.stats.fleets[fleet.index()].away.set(now, away as f64);
    }

    fn voyage_end<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let vehicle = &mut self.vehicles[v as usize];
        vehicle.at_home = !vehicle.at_home;
        let fleet = vehicle.fleet;
        let home_again = vehicle.at_home;
        if home_again && vehicle.retiring && vehicle.load_teu == 0 {
            // Home empty: it retires without berthing.
            self.leave_service(v, false, observer);
            self.record_away(fleet);
            return;
        }
        let node = self.vehicle_node(v);
        self.queue_for_berth(v, node);
        if home_again {
            self.record_away(fleet);
        }
        self.admit_vehicles(node, observer);
    }

    // ------------------------------------------------------------ schedules and reopening

    pub(super) fn on_slot<O: Observer>(&mut self, fleet: FleetId, observer: &mut O) {
        let DeparturePolicy::Schedule { slots_h } = &self.model.fleet(fleet).policy else {
            unreachable!("slots belong to scheduled fleets");
        };
        let state = &mut self.fleets[fleet.index()];
        let (mut week, mut index) = state.next_slot;
        index += 1;
        if index == slots_h.len() {
            index = 0;
            week += 1;
        }
        state.next_slot = (week, index);
        let next = SimTime::from_hours(week as f64 * HOURS_PER_WEEK + slots_h[index]);
        self.events.schedule(next, Event::Slot(fleet));
        // The oldest loaded loader that is up, else the oldest loaded one (it leaves when
        // repaired).
        let loaders = &self.fleets[fleet.index()].loaders;
        let loaded = |v: &u32| self.vehicles[*v as usize].load_teu > 0;
        let loaded = loaders
            .iter()
            .copied()
            .find(|v| loaded(v) && self.vehicle_up(*v))
            .or_else(|| loaders.iter().copied().find(loaded));
        match loaded {
            Some(v) => {
                self.vehicles[v as usize].slot_due = true;
                self.check_departure(v, observer);
            }
            None => {
                if self.in_window {
                    self.stats.fleets[fleet.index()].missed_slots += 1;
                }
            }
        }
    }

    /// Re-checks every vehicle of the fleets that call at `node` (after it reopens for
    /// departures).
    pub(super) fn recheck_fleets_at<O: Observer>(&mut self, node: NodeId, observer: &mut O) {
        for f in 0..self.fleets.len() {
            let state = &self.fleets[f];
            if state.home == node || state.far == node {
                self.recheck_fleet(FleetId(f as u32), observer);
            }
        }
    }

    /// Re-checks loaders and vehicles ready to leave (after a node or leg reopens).
    pub(super) fn recheck_fleet<O: Observer>(&mut self, fleet: FleetId, observer: &mut O) {
        for v in self.fleets[fleet.index()].vehicles.clone() {
            match self.vehicles[v as usize].phase {
                Phase::Loading if self.vehicles[v as usize].at_home => {
                    self.check_departure(v, observer);
                }
                Phase::Ready => self.try_depart(v, observer),
                _ => {}
            }
        }
    }

    // ------------------------------------------------------------ breakdowns

    /// The indices of `fleet`'s vehicles.
    pub(super) fn fleet_vehicles(&self, fleet: FleetId) -> Range<u32> {
        self.fleets[fleet.index()].vehicles.clone()
    }

    /// Goes on with the work vehicle `v` was doing when it failed, for `left_h` hours.
    pub(super) fn resume_vehicle(&mut self, v: u32, left_h: f64) {
        self.schedule_vehicle(v, left_h);
        self.vehicle_works(v);
    }

    /// A repaired vehicle that was not working carries on from where it waited: as a loader it
    /// takes cargo and may leave, ready it leaves if it may, waiting for a berth it may berth.
    pub(super) fn vehicle_back_in_service<O: Observer>(&mut self, v: u32, observer: &mut O) {
        let vehicle = &self.vehicles[v as usize];
        let fleet = vehicle.fleet;
        match vehicle.phase {
            Phase::Loading if vehicle.at_home => {
                self.board_loaders(fleet, observer);
                if self.vehicles[v as usize].phase == Phase::Loading {
                    self.check_departure(v, observer);
                }
            }
            Phase::Ready => self.try_depart(v, observer),
            Phase::WaitBerth => {
                let node = self.vehicle_node(v);
                self.admit_vehicles(node, observer);
            }
            _ => {}
        }
    }
}
