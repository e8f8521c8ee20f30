//! One replication: the clock, the event loop and the corridor's processes.
//!
//! # Semantics a modeller relies on
//! - **Same-time order:** events at the same instant are handled in the order they were
//!   scheduled (see [`EventQueue`]).
//! - **Nodes** are multi-server FIFO queues. A consignment (a container or a whole block train)
//!   holds one server for one draw of the node's service time.
//! - **Yards and backpressure:** a node with a yard capacity admits a consignment only if its TEU
//!   fit beside everything at the node or already travelling to it. Admission is decided when the
//!   consignment is ready to leave the upstream node (space is reserved for the trip). If it does
//!   not fit, the consignment stays where it is, keeping its upstream server busy ("blocked"), and
//!   joins the node's FIFO of space requests. Requests are granted strictly in FIFO order as
//!   space frees. Cargo that finds the first node of its route full waits at the origin (or is
//!   refused, per flow).
//! - **Legs** without a fleet have unlimited capacity: each consignment travels for one draw of
//!   the transit time. Zero-time steps (a pass-through node, a zero-transit leg) happen at once,
//!   without an event.
//! - **Fleets** (see `engine/sim/fleet.rs`): cargo for a leg with a fleet leaves its server and waits at the
//!   node for a vehicle; vehicles load, leave under the fleet's departure rule, travel, unload and
//!   come back.
//! - **Disruptions** (see `engine/sim/disrupt.rs`): closures and slow-downs of nodes and legs.
//! - **Breakdowns** (see `engine/sim/breakdown.rs`): servers of a node that fail and are
//!   repaired, each on its own; a down server starts no service.
//! - **Delivered** means the consignment finished service at the last node of its route.
//! - **Storage money:** when a consignment leaves a node (onto a leg or a vehicle, or delivered
//!   at the last node), it is charged the node's storage tariff for its time there, from its
//!   arrival (admission to the yard; not time held at the origin) to its departure, beyond the
//!   free time (`model::NodeCost::storage_money`); its route's `storage_money` adds the sum at
//!   delivery in the window.
//! - **Statistics window:** everything before the warm-up is discarded; the window ends at the
//!   horizon. Events at or after the horizon are not processed.
//! - **Randomness:** each flow, node and leg draws from its own stream (see
//!   [`rng`](crate::base::rng)).
//! - **Dated changes** (`[[change]]`, `Model::changes`): at its time the change's model replaces
//!   the current one, so every draw after it uses the new distributions. Then, per node: added
//!   servers start queued work at once; removed servers retire when they finish their current
//!   job (no new service starts while busy and blocked servers reach the new count); a larger
//!   yard grants waiting space requests at once; a smaller one admits nothing until its
//!   occupancy is below the new limit (nothing already there is moved). Per flow whose rate or
//!   seasonality changed: the pending candidate arrival is dropped and the next one drawn from
//!   the new envelope from that instant (exact for a Poisson process, which is memoryless).
//!   Per node whose berths changed: more berths berth waiting vessels at once; fewer let the
//!   vessels at a berth finish, and no vessel berths until fewer than the new count are in use.
//!   Per fleet class whose count changed: see `fleet.rs` (added vehicles appear empty at home,
//!   removed ones retire when next at home empty).
//!   Everything before the change is bit-identical to the run without it.

mod breakdown;
mod choice;
mod disrupt;
mod fleet;
mod guard;
mod vehicle_breakdown;
mod years;

use std::collections::VecDeque;

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::error::{SimError, StopKind};
use super::event::{CargoId, Event};
use super::observer::{NoObserver, Observer};
use super::queue::EventQueue;
use crate::base::QuantileSketch;
use crate::base::accumulators::TimeAverage;
use crate::base::rng::{Stream, stream};
use crate::base::time::{HOURS_PER_DAY, SimTime};
use crate::model::{Direction, FleetId, FlowId, LegId, Model, NodeId, RouteId, WhenFull};
use crate::stats::{
    BreakdownStats, ClassStats, Conservation, FleetStats, FlowStats, MONTHS, NodeStats,
    ReplicationStats, RouteStats, StageStats, TargetStats,
};
use breakdown::{BreakdownState, Server};
use disrupt::TargetState;
use fleet::{FleetState, Vehicle};
use vehicle_breakdown::{FleetRepairs, Health};

/// Where a live consignment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Location {
    /// The arena slot is unused.
    Free,
    /// At the origin, waiting for space at the route's first node.
    WaitingEntry,
    /// In a node's queue.
    Queued,
    /// Being served at a node.
    InService,
    /// Served, holding its server until the next node has space or the next leg opens.
    Blocked,
    /// Travelling on a leg without a fleet.
    OnLeg,
    /// Served and off its server, waiting at the node for a vehicle of the next leg's fleet.
    AwaitingVehicle,
    /// Aboard a vehicle that has not yet left the node.
    Loaded,
    /// Aboard a vehicle that has left the node (travelling, at anchorage or unloading).
    Aboard,
}

/// A group of TEU that moves as one: a container or a block train.
#[derive(Clone, Copy, Debug)]
struct Consignment {
    route: RouteId,
    teu: u32,
    /// Index of the current (or next, while on a leg) node in the route.
    stage: u32,
    location: Location,
    created: SimTime,
    node_arrival: SimTime,
    service_start: SimTime,
    service_end: SimTime,
    /// When it left its server (equal to `service_end` unless it was held).
    released: SimTime,
    leg_start: SimTime,
    /// Whether space is already reserved at the next node (held only by a closed leg).
    reserved: bool,
    /// The server it holds at a node with breakdowns (`u32::MAX` otherwise).
    server: u32,
    /// The flow that generated it.
    flow: FlowId,
    /// Storage money charged so far (`model::NodeCost::storage_money`, at each node it left).
    storage: f64,
}

const FREE_SLOT: Consignment = Consignment {
    route: RouteId(0),
    teu: 0,
    stage: 0,
    location: Location::Free,
    created: SimTime::ZERO,
    node_arrival: SimTime::ZERO,
    service_start: SimTime::ZERO,
    service_end: SimTime::ZERO,
    released: SimTime::ZERO,
    leg_start: SimTime::ZERO,
    reserved: false,
    server: u32::MAX,
    flow: FlowId(0),
    storage: 0.0,
};

/// Mutable state of one node.
#[derive(Clone, Debug, Default)]
struct NodeState {
    /// Servers (u32::MAX when unlimited).
    servers: u32,
    /// Yard capacity in TEU (u64::MAX when unlimited).
    capacity_teu: u64,
    queue: VecDeque<CargoId>,
    busy: u32,
    blocked: u32,
    /// Servers down and holding no consignment (0 without breakdowns).
    unavailable: u32,
    /// Consignments whose service a failure interrupted (counted in `busy`; 0 without
    /// breakdowns).
    suspended: u32,
    in_node: u32,
    /// TEU at the node plus TEU travelling to it with space reserved.
    occupancy_teu: u64,
    /// TEU physically at the node.
    present_teu: u64,
    /// Consignments waiting for space here, FIFO.
    space_waiters: VecDeque<CargoId>,
    /// Vessel berths (u32::MAX when unlimited).
    berths: u32,
    /// Berths taken by vessels (more than `berths` after a dated change lowered them, until
    /// enough vessels leave).
    berths_used: u32,
    /// Vessels waiting for a berth (or for the port to open), FIFO.
    berth_queue: VecDeque<u32>,
    /// Trains waiting for the node to open before unloading or loading, FIFO.
    gate_queue: VecDeque<u32>,
    /// The integrals of the `queue` and `yard_teu` levels of its statistics at the start of the
    /// current day (level-hours, in the frame of those time averages, which restart at the
    /// warm-up).
    day_start: [f64; 2],
}

/// Runs replications of one model, reusing its allocations from one replication to the next.
pub struct Simulation<'m> {
    /// The model in force now: `base`, or the model of the last dated change applied.
    model: &'m Model,
    /// The scenario's model (what every replication starts from).
    base: &'m Model,
    /// Each flow's arrival epoch: an `Arrival` event of another epoch is stale.
    arrival_epochs: Vec<u32>,
    now: SimTime,
    in_window: bool,
    /// The current simulated day (whole run).
    day: usize,
    /// When the current day ends, hours.
    day_end_h: f64,
    events: EventQueue<Event>,
    cargo: Vec<Consignment>,
    free_slots: Vec<u32>,
    nodes: Vec<NodeState>,
    arrival_rngs: Vec<Stream>,
    route_rngs: Vec<Stream>,
    /// Each flow's `flow/<id>/choice` stream (draws of a rule other than `fixed`).
    choice_rngs: Vec<Stream>,
    /// Route choice: previous routes, recorded estimates for delayed information.
    choice: choice::ChoiceState,
    service_rngs: Vec<Stream>,
    transit_rngs: Vec<Stream>,
    /// Interarrival law of each flow's envelope (peak-month) Poisson process.
    envelopes: Vec<Option<Exp<f64>>>,
    /// Whether each node's levels changed during the current event.
    dirty: Vec<bool>,
    /// The nodes whose levels changed during the current event.
    dirty_nodes: Vec<NodeId>,
    /// Consignments held at a node because their next leg is closed, per leg, FIFO.
    leg_waiters: Vec<VecDeque<CargoId>>,
    /// Vehicles of all fleets.
    vehicles: Vec<Vehicle>,
    fleets: Vec<FleetState>,
    fleet_rngs: Vec<Stream>,
    /// Closure state of every node and leg (indexed by `Model::target_index`).
    targets: Vec<TargetState>,
    /// Position of each node or leg in the per-target statistics (usize::MAX if never disrupted).
    target_slots: Vec<usize>,
    disruption_rngs: Vec<Stream>,
    /// Each disruption's start epoch: a `DisruptionStart` of another epoch is stale.
    disruption_epochs: Vec<u32>,
    /// Servers of the nodes with breakdowns.
    servers: Vec<Server>,
    /// Repair state of each node with breakdowns (in `Model::breakdown_nodes` order).
    breakdowns: Vec<BreakdownState>,
    /// Position of each node in `breakdowns` (usize::MAX without breakdowns).
    breakdown_slots: Vec<usize>,
    /// Failure state of each vehicle (used for vehicles of fleets with breakdowns only).
    health: Vec<Health>,
    /// Repair state of each fleet with breakdowns (in `Model::breakdown_fleets` order).
    fleet_repairs: Vec<FleetRepairs>,
    /// Position of each fleet in `fleet_repairs` (usize::MAX without breakdowns).
    fleet_breakdown_slots: Vec<usize>,
    /// TEU each flow holds at its origin, waiting for space at its first node.
    origin_teu: Vec<u64>,
    stats: ReplicationStats,
    totals: Conservation,
    /// Why the current replication must stop, once it must.
    stop: Option<SimError>,
    /// The window's year boundaries and the running totals at each (see `years.rs`).
    years: years::YearCuts,
    /// Per node, whether a dated change alters its servers (then its statistics record the
    /// servers in force, which utilisation divides by).
    server_changes: Vec<bool>,
}

/// Events at one instant beyond which the clock counts as stalled, if they also outnumber
/// [`STALL_EVENTS_PER_ENTITY`] per consignment, vehicle, flow and disruption.
const STALL_EVENTS: u64 = 10_000_000;
/// See [`STALL_EVENTS`].
const STALL_EVENTS_PER_ENTITY: u64 = 64;

impl<'m> Simulation<'m> {
    /// Prepares to run replications of `model`.
    pub fn new(model: &'m Model) -> Simulation<'m> {
        let envelopes = model
            .flows
            .iter()
            .map(|flow| envelope_of(flow, model.settings.horizon))
            .collect();
        let placeholder = stream(0, 0, crate::base::rng::StreamId(0));
        let (vehicles, fleets) = fleet::build(model);
        let fleet_of: Vec<(FleetId, u32)> = vehicles
            .iter()
            .enumerate()
            .map(|(v, vehicle)| {
                let fleet = vehicle.fleet();
                (fleet, v as u32 - fleets[fleet.index()].first_vehicle())
            })
            .collect();
        let (health, fleet_repairs, fleet_breakdown_slots) =
            vehicle_breakdown::build(model, &fleet_of);
        let (servers, breakdowns, breakdown_slots) = breakdown::build(model);
        let mut target_slots = vec![usize::MAX; model.nodes.len() + model.legs.len()];
        for (slot, target) in model.disruption_targets().into_iter().enumerate() {
            target_slots[model.target_index(target)] = slot;
        }
        Simulation {
            model,
            base: model,
            arrival_epochs: vec![0; model.flows.len()],
            now: SimTime::ZERO,
            in_window: false,
            day: 0,
            day_end_h: HOURS_PER_DAY,
            events: EventQueue::with_capacity(1024),
            cargo: Vec::new(),
            free_slots: Vec::new(),
            nodes: vec![NodeState::default(); model.nodes.len()],
            arrival_rngs: vec![placeholder.clone(); model.flows.len()],
            route_rngs: vec![placeholder.clone(); model.flows.len()],
            choice_rngs: vec![placeholder.clone(); model.flows.len()],
            choice: choice::ChoiceState::new(model),
            service_rngs: vec![placeholder.clone(); model.nodes.len()],
            transit_rngs: vec![placeholder.clone(); model.legs.len()],
            envelopes,
            dirty: vec![false; model.nodes.len()],
            dirty_nodes: Vec::with_capacity(model.nodes.len()),
            leg_waiters: vec![VecDeque::new(); model.legs.len()],
            vehicles,
            fleets,
            fleet_rngs: vec![placeholder.clone(); model.fleets.len()],
            targets: vec![TargetState::default(); model.nodes.len() + model.legs.len()],
            target_slots,
            disruption_rngs: vec![placeholder; model.disruptions.len()],
            disruption_epochs: vec![0; model.disruptions.len()],
            servers,
            breakdowns,
            breakdown_slots,
            health,
            fleet_repairs,
            fleet_breakdown_slots,
            origin_teu: vec![0; model.flows.len()],
            stats: ReplicationStats::default(),
            totals: Conservation::default(),
            stop: None,
            years: years::YearCuts::new(model),
            server_changes: (0..model.nodes.len())
                .map(|i| {
                    model
                        .changes
                        .iter()
                        .any(|c| c.model.nodes[i].servers != model.nodes[i].servers)
                })
                .collect(),
        }
    }

    /// Runs replication `replication` of a run seeded with `seed` and returns what it measured.
    ///
    /// The result is a pure function of `(model, seed, replication)`: every process draws from
    /// its own stream `base::rng::stream(seed, replication, id)`. The scenario's
    /// `[scenario] seed` (`model.settings.seed`) is not read here: it is only the default a
    /// caller may choose to pass.
    ///
    /// # Panics
    /// If the replication stops before its horizon (see [`Simulation::try_run`], which returns
    /// that as an error): for tests and benchmarks of models known to run.
    pub fn run(&mut self, seed: u64, replication: u64) -> ReplicationStats {
        self.run_observed(seed, replication, &mut NoObserver)
    }

    /// Runs replication `replication` of a run seeded with `seed`, reporting to `observer` as it
    /// goes.
    ///
    /// # Panics
    /// As [`Simulation::run`].
    pub fn run_observed<O: Observer>(
        &mut self,
        seed: u64,
        replication: u64,
        observer: &mut O,
    ) -> ReplicationStats {
        self.try_run_observed(seed, replication, observer)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs replication `replication` of a run seeded with `seed`, or says why it had to stop
    /// before its horizon (the cargo bound, a deadlock or a stalled clock; see
    /// [`SimError`]).
    pub fn try_run(&mut self, seed: u64, replication: u64) -> Result<ReplicationStats, SimError> {
        self.try_run_observed(seed, replication, &mut NoObserver)
    }

    /// [`Simulation::try_run`], reporting to `observer` as it goes.
    pub fn try_run_observed<O: Observer>(
        &mut self,
        seed: u64,
        replication: u64,
        observer: &mut O,
    ) -> Result<ReplicationStats, SimError> {
        self.reset(seed, replication);
        let horizon = self.model.settings.horizon;
        let mut same_instant = 0_u64;
        while let Some(time) = self.events.peek_time() {
            if time >= horizon {
                break;
            }
            let (time, event) = self.events.pop().expect("peeked");
            debug_assert!(time >= self.now, "time went backwards");
            if time.hours() >= self.day_end_h {
                self.end_days(time.hours());
            }
            if time == self.now {
                same_instant += 1;
                if same_instant > STALL_EVENTS {
                    self.check_stalled(same_instant);
                }
            } else {
                same_instant = 0;
            }
            self.now = time;
            self.stats.events += 1;
            self.handle(event, observer);
            self.flush_levels();
            if self.choice.records() {
                self.record_estimates();
            }
            if let Some(stop) = self.stop.take() {
                return Err(stop);
            }
        }
        self.now = horizon;
        Ok(self.finish(observer))
    }

    /// Stops the replication if `events` at the current instant outnumber what its entities
    /// could legitimately schedule at one time.
    #[cold]
    fn check_stalled(&mut self, events: u64) {
        let entities = self.cargo.len()
            + self.vehicles.len()
            + self.model.flows.len()
            + self.model.disruptions.len();
        if events > STALL_EVENTS_PER_ENTITY * entities as u64 && self.stop.is_none() {
            self.stop = Some(SimError {
                replication: self.stats.replication,
                at_h: self.now.hours(),
                kind: StopKind::Stalled,
                message: format!(
                    "the clock stopped advancing: {events} events at {} without time passing \
                     (a process that reschedules itself at the same instant; please report this \
                     scenario as a bug)",
                    self.now
                ),
            });
        }
    }

    fn reset(&mut self, seed: u64, replication: u64) {
        self.model = self.base;
        let model = self.model;
        self.arrival_epochs.fill(0);
        if !model.changes.is_empty() {
            // The envelopes of the base model (a change may have replaced them).
            for (envelope, flow) in self.envelopes.iter_mut().zip(&model.flows) {
                *envelope = envelope_of(flow, model.settings.horizon);
            }
        }
        self.now = SimTime::ZERO;
        self.day = 0;
        self.day_end_h = HOURS_PER_DAY;
        self.events.clear();
        self.cargo.clear();
        self.free_slots.clear();
        let horizon_days = model.settings.horizon.days().ceil() as usize;
        for (state, node) in self.nodes.iter_mut().zip(&model.nodes) {
            state.queue.clear();
            state.space_waiters.clear();
            state.servers = node.servers.unwrap_or(u32::MAX);
            state.capacity_teu = node.yard_capacity_teu.unwrap_or(u64::MAX);
            state.busy = 0;
            state.blocked = 0;
            state.unavailable = 0;
            state.suspended = 0;
            state.in_node = 0;
            state.occupancy_teu = 0;
            state.present_teu = 0;
            state.berths = node.berths.unwrap_or(u32::MAX);
            state.berths_used = 0;
            state.berth_queue.clear();
            state.gate_queue.clear();
            state.day_start = [0.0; 2];
        }
        for waiters in &mut self.leg_waiters {
            waiters.clear();
        }
        self.dirty.fill(false);
        self.dirty_nodes.clear();
        self.origin_teu.fill(0);
        for (i, flow) in model.flows.iter().enumerate() {
            self.arrival_rngs[i] = stream(seed, replication, flow.arrival_stream);
            self.route_rngs[i] = stream(seed, replication, flow.route_stream);
            self.choice_rngs[i] = stream(seed, replication, flow.choice.stream);
        }
        for (i, node) in model.nodes.iter().enumerate() {
            self.service_rngs[i] = stream(seed, replication, node.service_stream);
        }
        for (i, leg) in model.legs.iter().enumerate() {
            self.transit_rngs[i] = stream(seed, replication, leg.transit_stream);
        }
        for (i, fleet) in model.fleets.iter().enumerate() {
            self.fleet_rngs[i] = stream(seed, replication, fleet.stream);
        }
        for (i, disruption) in model.disruptions.iter().enumerate() {
            self.disruption_rngs[i] = stream(seed, replication, disruption.stream);
        }
        self.stats = ReplicationStats {
            replication,
            window_h: model.settings.horizon.since(model.settings.warmup),
            events: 0,
            nodes: vec![
                NodeStats {
                    daily_queue: vec![0.0; horizon_days],
                    daily_yard_teu: vec![0.0; horizon_days],
                    ..NodeStats::default()
                };
                model.nodes.len()
            ],
            routes: model
                .routes
                .iter()
                .map(|route| RouteStats {
                    stages: vec![StageStats::default(); 2 * route.nodes.len() - 1],
                    daily_delivered_teu: vec![0; horizon_days],
                    transit_by_month: vec![QuantileSketch::default(); MONTHS],
                    ..RouteStats::default()
                })
                .collect(),
            flows: model
                .flows
                .iter()
                .enumerate()
                .map(|(i, flow)| {
                    // Only flows that choose report their routes' TEU (see `reports_choice`).
                    if crate::model::choice::reports_choice(model, i) {
                        let decides = crate::model::choice::decides(model, i);
                        let moved = vec![0; if decides { flow.routes.len() } else { 0 }];
                        FlowStats {
                            route_teu: vec![0; flow.routes.len()],
                            daily_route_teu: vec![vec![0; horizon_days]; flow.routes.len()],
                            rerouted_in_teu: moved.clone(),
                            rerouted_out_teu: moved,
                            ..FlowStats::default()
                        }
                    } else {
                        FlowStats::default()
                    }
                })
                .collect(),
            fleets: model
                .fleets
                .iter()
                .zip(&self.fleets)
                .map(|(fleet, state)| FleetStats {
                    daily_departures: vec![0; horizon_days],
                    daily_departed_teu: vec![0; horizon_days],
                    in_service: state.varying.then(TimeAverage::default),
                    classes: if fleet.has_classes() {
                        vec![ClassStats::default(); fleet.classes.len()]
                    } else {
                        Vec::new()
                    },
                    ..FleetStats::default()
                })
                .collect(),
            targets: vec![TargetStats::default(); model.disruption_targets().len()],
            breakdowns: vec![
                BreakdownStats::default();
                self.breakdowns.len() + self.fleet_repairs.len()
            ],
            disruption_log: Vec::new(),
            conservation: Conservation::default(),
            years: Vec::new(),
        };
        self.years.reset();
        for ((stats, node), changes) in self
            .stats
            .nodes
            .iter_mut()
            .zip(&model.nodes)
            .zip(&self.server_changes)
        {
            if *changes {
                let mut servers = crate::base::accumulators::TimeAverage::default();
                servers.set(0.0, servers_level(node.servers));
                stats.servers = Some(servers);
            }
        }
        self.totals = Conservation::default();
        self.stop = None;
        for i in 0..model.flows.len() {
            // A paused flow (volume 0) has no envelope and schedules nothing until a change
            // gives it a volume.
            if let Some(envelope) = &self.envelopes[i] {
                let first = envelope.sample(&mut self.arrival_rngs[i]);
                self.events.schedule(
                    SimTime::ZERO.after(first),
                    Event::Arrival(FlowId(i as u32), 0),
                );
            }
        }
        if model.settings.warmup > SimTime::ZERO {
            self.in_window = false;
            self.events
                .schedule(model.settings.warmup, Event::WarmupEnd);
        } else {
            self.in_window = true;
        }
        self.reset_disruptions();
        self.reset_fleets();
        self.reset_breakdowns(seed, replication);
        self.reset_vehicle_breakdowns(seed, replication);
        for (i, change) in model.changes.iter().enumerate() {
            self.events.schedule(change.at, Event::Change(i as u32));
        }
        self.reset_choice(seed, replication);
    }

    #[inline(always)]
    fn handle<O: Observer>(&mut self, event: Event, observer: &mut O) {
        match event {
            Event::Arrival(flow, epoch) => {
                if epoch == self.arrival_epochs[flow.index()] {
                    self.on_arrival(flow, observer);
                }
            }
            Event::Change(index) => self.on_change(index as usize, observer),
            Event::ServiceEnd(cargo) => self.on_service_end(cargo, observer),
            Event::LegEnd(cargo) => self.on_leg_end(cargo, observer),
            Event::WarmupEnd => self.on_warmup_end(),
            Event::Vehicle { vehicle, token } => self.on_vehicle(vehicle, token, observer),
            Event::FleetStart(fleet) => self.on_fleet_start(fleet, observer),
            Event::Slot(fleet) => self.on_slot(fleet, observer),
            Event::DisruptionStart(d, epoch) => {
                if epoch == self.disruption_epochs[d as usize] {
                    self.on_disruption_start(d, observer);
                }
            }
            Event::DisruptionEnd(d) => self.on_disruption_end(d, observer),
            Event::ServerDone { server, token } => self.on_server_done(server, token, observer),
            Event::ServerFails { server, token } => self.on_server_fails(server, token, observer),
            Event::Repaired(server) => self.on_repaired(server, observer),
            Event::VehicleFails { vehicle, token } => {
                self.on_vehicle_fails(vehicle, token, observer)
            }
            Event::VehicleRepaired(vehicle) => self.on_vehicle_repaired(vehicle, observer),
        }
    }

    // ---------------------------------------------------------------- dated changes

    /// Applies dated change `index`: its model replaces the current one (see the module's
    /// "Dated changes").
    fn on_change<O: Observer>(&mut self, index: usize, observer: &mut O) {
        let old = self.model;
        let new = &self.base.changes[index].model;
        self.model = new;
        for (i, (before, after)) in old.nodes.iter().zip(&new.nodes).enumerate() {
            let node = NodeId(i as u32);
            let state = &mut self.nodes[i];
            state.servers = after.servers.unwrap_or(u32::MAX);
            if let Some(servers) = &mut self.stats.nodes[i].servers {
                servers.set(self.now.hours(), servers_level(after.servers));
            }
            state.capacity_teu = after.yard_capacity_teu.unwrap_or(u64::MAX);
            if after.servers.unwrap_or(u32::MAX) > before.servers.unwrap_or(u32::MAX)
                || after.pass_through != before.pass_through
            {
                self.start_next_service(node, observer);
            }
            if after.yard_capacity_teu.unwrap_or(u64::MAX)
                > before.yard_capacity_teu.unwrap_or(u64::MAX)
            {
                self.grant_space(node, observer);
            }
            if after.berths != before.berths {
                self.nodes[i].berths = after.berths.unwrap_or(u32::MAX);
                self.admit_vehicles(node, observer);
            }
        }
        self.change_fleets(old, observer);
        self.change_disruptions(old);
        for (i, (before, after)) in old.flows.iter().zip(&new.flows).enumerate() {
            let same_rate = before.mean_arrivals_per_hour() == after.mean_arrivals_per_hour()
                && before.seasonality == after.seasonality
                && before.max_factor == after.max_factor
                && before.seasonal == after.seasonal
                && before.growth == after.growth
                && before.by_year == after.by_year;
            if same_rate {
                continue;
            }
            // The pending candidate (if any) becomes stale; a paused flow schedules nothing.
            self.envelopes[i] = envelope_of(after, self.base.settings.horizon);
            self.arrival_epochs[i] += 1;
            if let Some(envelope) = &self.envelopes[i] {
                let gap = envelope.sample(&mut self.arrival_rngs[i]);
                self.events.schedule(
                    self.now.after(gap),
                    Event::Arrival(FlowId(i as u32), self.arrival_epochs[i]),
                );
            }
        }
    }

    // ---------------------------------------------------------------- arrivals

    fn on_arrival<O: Observer>(&mut self, flow_id: FlowId, observer: &mut O) {
        let model = self.model;
        let flow = &model.flows[flow_id.index()];
        let rng = &mut self.arrival_rngs[flow_id.index()];
        // Thinning (Lewis and Shedler 1979): accept a candidate of the peak-rate process with
        // probability rate(t) / peak rate.
        let accepted = match &flow.growth {
            None if !flow.by_year.is_empty() => {
                // The envelope is the peak month of the largest yearly volume.
                let u: f64 = rng.random();
                u * flow.max_factor
                    < flow.seasonality[model.settings.calendar.month(self.now)]
                        * flow.year_factor(self.now)
            }
            None => {
                !flow.seasonal || {
                    let u: f64 = rng.random();
                    u * flow.max_factor < flow.seasonality[model.settings.calendar.month(self.now)]
                }
            }
            Some(growth) => {
                // The envelope is the peak month at the peak of growth over the run.
                let u: f64 = rng.random();
                let peak = flow.max_factor * flow.peak_growth_factor(model.settings.horizon);
                u * peak
                    < flow.seasonality[model.settings.calendar.month(self.now)]
                        * growth.factor(self.now)
            }
        };
        let Some(envelope) = &self.envelopes[flow_id.index()] else {
            // A paused flow's pending arrival is stale (its epoch moved on); nothing to do.
            debug_assert!(false, "an arrival of a paused flow was not stale");
            return;
        };
        let gap = envelope.sample(rng);
        let epoch = self.arrival_epochs[flow_id.index()];
        self.events
            .schedule(self.now.after(gap), Event::Arrival(flow_id, epoch));
        if !accepted {
            return;
        }
        let k = self.choose_route(flow_id);
        let route = flow.routes[k].0;
        let teu = flow.arrival.teu_per_arrival();
        self.totals.generated_teu += u64::from(teu);
        let flow_stats = &mut self.stats.flows[flow_id.index()];
        if let Some(count) = flow_stats
            .daily_route_teu
            .get_mut(k)
            .and_then(|days| days.get_mut(self.now.days() as usize))
        {
            *count += u64::from(teu);
        }
        if self.in_window {
            flow_stats.generated_teu += u64::from(teu);
            if let Some(count) = flow_stats.route_teu.get_mut(k) {
                *count += u64::from(teu);
            }
        }
        observer.generated(self.now, flow_id, route, teu);
        let first_node = model.route(route).nodes[0];
        let closed = self.targets[first_node.index()].closed;
        if !closed && self.can_admit(first_node, teu) {
            let cargo = self.new_cargo(flow_id, route, teu);
            self.nodes[first_node.index()].occupancy_teu += u64::from(teu);
            self.arrive_at_node(cargo, first_node, observer);
        } else if flow.when_full == WhenFull::Refuse {
            self.totals.refused_teu += u64::from(teu);
            if self.in_window {
                self.stats.flows[flow_id.index()].refused_teu += u64::from(teu);
            }
            observer.refused(self.now, flow_id, teu);
        } else if !self.can_admit(first_node, teu) {
            let cargo = self.new_cargo(flow_id, route, teu);
            self.cargo[cargo.index()].location = Location::WaitingEntry;
            self.nodes[first_node.index()]
                .space_waiters
                .push_back(cargo);
            self.held_at_origin(flow_id, i64::from(teu));
        } else {
            // Closed but with room: it enters and queues until the node opens.
            let cargo = self.new_cargo(flow_id, route, teu);
            self.nodes[first_node.index()].occupancy_teu += u64::from(teu);
            self.arrive_at_node(cargo, first_node, observer);
        }
    }

    fn new_cargo(&mut self, flow: FlowId, route: RouteId, teu: u32) -> CargoId {
        let consignment = Consignment {
            route,
            teu,
            stage: 0,
            location: Location::WaitingEntry,
            created: self.now,
            node_arrival: self.now,
            service_start: self.now,
            service_end: self.now,
            released: self.now,
            leg_start: self.now,
            reserved: false,
            server: u32::MAX,
            flow,
            storage: 0.0,
        };
        self.insert_cargo(consignment)
    }

    fn insert_cargo(&mut self, consignment: Consignment) -> CargoId {
        match self.free_slots.pop() {
            Some(slot) => {
                self.cargo[slot as usize] = consignment;
                CargoId(slot)
            }
            None => {
                // The arena grows only when every slot is in use, so its length is the number of
                // consignments in the system: the bound costs nothing in the steady state.
                if self.cargo.len() as u64 >= self.model.settings.max_in_system {
                    self.cargo_bound_reached();
                }
                self.cargo.push(consignment);
                CargoId((self.cargo.len() - 1) as u32)
            }
        }
    }

    fn release_cargo(&mut self, cargo: CargoId) {
        self.cargo[cargo.index()] = FREE_SLOT;
        self.free_slots.push(cargo.0);
    }

    // ---------------------------------------------------------------- nodes

    /// Whether `teu` more TEU may be sent to `node` now: it has room and nobody is ahead in the
    /// FIFO of space requests.
    #[inline]
    fn can_admit(&self, node: NodeId, teu: u32) -> bool {
        let state = &self.nodes[node.index()];
        state.space_waiters.is_empty() && fits(state, teu)
    }

    fn arrive_at_node<O: Observer>(&mut self, cargo: CargoId, node: NodeId, observer: &mut O) {
        let now = self.now;
        let teu = {
            let consignment = &mut self.cargo[cargo.index()];
            consignment.node_arrival = now;
            consignment.teu
        };
        let state = &mut self.nodes[node.index()];
        state.present_teu += u64::from(teu);
        state.in_node += 1;
        if self.in_window {
            let node_stats = &mut self.stats.nodes[node.index()];
            node_stats.arrivals += 1;
            node_stats.arrived_teu += u64::from(teu);
        }
        let state = &self.nodes[node.index()];
        // A node without handling has nothing to stop: cargo passes even while it is closed.
        let held = self.targets[node.index()].closed && !self.model.node(node).pass_through;
        if state.busy + state.blocked + state.unavailable < state.servers && !held {
            self.start_service(cargo, node, observer);
        } else {
            self.cargo[cargo.index()].location = Location::Queued;
            self.nodes[node.index()].queue.push_back(cargo);
            self.touch(node);
        }
    }

    fn start_service<O: Observer>(&mut self, cargo: CargoId, node: NodeId, observer: &mut O) {
        let now = self.now;
        let model_node = self.model.node(node);
        let service_h = if model_node.pass_through {
            0.0
        } else {
            let service_h = model_node
                .service
                .sample(&mut self.service_rngs[node.index()]);
            self.targets[node.index()].stretch(service_h)
        };
        let consignment = &mut self.cargo[cargo.index()];
        consignment.location = Location::InService;
        consignment.service_start = now;
        let wait_h = now.since(consignment.node_arrival);
        self.nodes[node.index()].busy += 1;
        self.touch(node);
        if self.in_window {
            let node_stats = &mut self.stats.nodes[node.index()];
            node_stats.wait_h.add(wait_h);
            node_stats.wait_hist.add(wait_h, 1);
            node_stats.service_h.add(service_h);
        }
        observer.service_started(now, node, wait_h);
        if model_node.pass_through {
            self.on_service_end(cargo, observer);
        } else if model_node.breakdown.is_some() {
            self.serve_on_server(cargo, node, service_h);
        } else {
            self.events
                .schedule(now.after(service_h), Event::ServiceEnd(cargo));
        }
    }

    fn on_service_end<O: Observer>(&mut self, cargo: CargoId, observer: &mut O) {
        let model = self.model;
        let now = self.now;
        let served = self.cargo[cargo.index()];
        let at = model.route(served.route).nodes[served.stage as usize];
        if self.choice.decides_at(at)
            && let Some(k) = self.decide_again(cargo, at)
        {
            self.reroute(cargo, k);
        }
        let consignment = &mut self.cargo[cargo.index()];
        consignment.service_end = now;
        let route = model.route(consignment.route);
        let stage = consignment.stage as usize;
        let node = route.nodes[stage];
        let teu = consignment.teu;
        if stage + 1 == route.nodes.len() {
            // Delivered.
            let route_id = consignment.route;
            let created = consignment.created;
            let transit_h = now.since(created);
            self.free_server(cargo, node, observer);
            self.exit_node(cargo, node, observer);
            let storage = self.cargo[cargo.index()].storage;
            self.totals.delivered_teu += u64::from(teu);
            let day = now.days() as usize;
            let route_stats = &mut self.stats.routes[route_id.index()];
            if let Some(count) = route_stats.daily_delivered_teu.get_mut(day) {
                *count += u64::from(teu);
            }
            if self.in_window {
                route_stats.delivered += 1;
                route_stats.delivered_teu += u64::from(teu);
                route_stats
                    .transit_h
                    .add_weighted(transit_h, f64::from(teu));
                route_stats.transit_hist.add(transit_h, u64::from(teu));
                route_stats.storage_money += storage;
                if route
                    .promise_h
                    .is_some_and(|promise_h| transit_h <= promise_h)
                {
                    route_stats.on_time_teu += u64::from(teu);
                }
                // By the month of departure, in the model's calendar.
                let month = model.settings.calendar.month(created);
                route_stats.transit_by_month[month].add_weighted(transit_h, u64::from(teu));
            }
            observer.delivered(now, route_id, teu, transit_h);
            self.release_cargo(cargo);
            return;
        }
        let leg = route.legs[stage];
        if let Some((fleet, direction)) = model.leg(leg).fleet {
            self.free_server(cargo, node, observer);
            self.cargo[cargo.index()].location = Location::AwaitingVehicle;
            self.fleets[fleet.index()].queues[direction as usize].push_back(cargo);
            if direction == Direction::Out {
                self.board_loaders(fleet, observer);
                // No loader took it: its vessel may be waiting behind an idle one.
                if !self.fleets[fleet.index()].queues[0].is_empty()
                    && !self.nodes[node.index()].berth_queue.is_empty()
                {
                    self.admit_vehicles(node, observer);
                }
            }
            return;
        }
        self.move_on(cargo, node, leg, observer);
    }

    /// Puts a consignment whose service at its flow's decision node ended on the flow's route
    /// `k` (which shares its route's nodes up to there), counting the TEU moved in the window.
    fn reroute(&mut self, cargo: CargoId, k: usize) {
        let consignment = &mut self.cargo[cargo.index()];
        let flow = &self.model.flows[consignment.flow.index()];
        let from = flow
            .routes
            .iter()
            .position(|(route, _)| *route == consignment.route);
        consignment.route = flow.routes[k].0;
        let teu = u64::from(consignment.teu);
        let stats = &mut self.stats.flows[consignment.flow.index()];
        if self.in_window
            && let (Some(from), Some(into)) = (from, stats.rerouted_in_teu.get_mut(k))
        {
            *into += teu;
            stats.rerouted_out_teu[from] += teu;
        }
    }

    /// A served consignment at `node` (in service or held) heads for `leg` (no fleet): it leaves
    /// if the leg is open and the next node has room, else it is held on its server.
    fn move_on<O: Observer>(&mut self, cargo: CargoId, node: NodeId, leg: LegId, observer: &mut O) {
        let model = self.model;
        let teu = self.cargo[cargo.index()].teu;
        let next = model.leg(leg).to;
        if self.targets[model.nodes.len() + leg.index()].closed {
            self.hold(cargo, node);
            self.leg_waiters[leg.index()].push_back(cargo);
        } else if self.can_admit(next, teu) {
            self.nodes[next.index()].occupancy_teu += u64::from(teu);
            self.depart(cargo, observer);
        } else {
            self.hold(cargo, node);
            self.nodes[next.index()].space_waiters.push_back(cargo);
        }
    }

    /// Keeps a served consignment on its server ("blocked").
    fn hold(&mut self, cargo: CargoId, node: NodeId) {
        let consignment = &mut self.cargo[cargo.index()];
        if consignment.location == Location::InService {
            consignment.location = Location::Blocked;
            let state = &mut self.nodes[node.index()];
            state.busy -= 1;
            state.blocked += 1;
            self.touch(node);
        }
    }

    /// Sends a served consignment, with space reserved at the next node, onto its next leg (no
    /// fleet); if the leg has closed meanwhile it waits, keeping its reservation.
    fn depart<O: Observer>(&mut self, cargo: CargoId, observer: &mut O) {
        let model = self.model;
        let now = self.now;
        let consignment = self.cargo[cargo.index()];
        let route = model.route(consignment.route);
        let stage = consignment.stage as usize;
        let node = route.nodes[stage];
        let leg = route.legs[stage];
        let leg_state = &self.targets[model.nodes.len() + leg.index()];
        if leg_state.closed {
            self.hold(cargo, node);
            self.cargo[cargo.index()].reserved = true;
            self.leg_waiters[leg.index()].push_back(cargo);
            return;
        }
        let factor = leg_state.factor;
        self.free_server(cargo, node, observer);
        self.exit_node(cargo, node, observer);
        let consignment = &mut self.cargo[cargo.index()];
        consignment.location = Location::OnLeg;
        consignment.leg_start = now;
        consignment.reserved = false;
        let model_leg = model.leg(leg);
        if model_leg.instant {
            self.on_leg_end(cargo, observer);
        } else {
            let transit_h = model_leg
                .transit
                .sample(&mut self.transit_rngs[leg.index()]);
            let transit_h = disrupt::stretch(transit_h, factor);
            self.events
                .schedule(now.after(transit_h), Event::LegEnd(cargo));
        }
    }

    /// Frees the server a consignment holds at `node` (in service or blocked) and starts the
    /// next service if the node is open.
    fn free_server<O: Observer>(&mut self, cargo: CargoId, node: NodeId, observer: &mut O) {
        let consignment = &mut self.cargo[cargo.index()];
        consignment.released = self.now;
        let state = &mut self.nodes[node.index()];
        match consignment.location {
            Location::Blocked => state.blocked -= 1,
            Location::InService => state.busy -= 1,
            other => unreachable!("freeing a server held by cargo in state {other:?}"),
        }
        if consignment.server != u32::MAX {
            self.release_server(cargo);
        }
        self.start_next_service(node, observer);
    }

    /// Starts queued services at `node` while servers are free and the node is open.
    fn start_next_service<O: Observer>(&mut self, node: NodeId, observer: &mut O) {
        while !self.targets[node.index()].closed {
            let state = &mut self.nodes[node.index()];
            if state.busy + state.blocked + state.unavailable >= state.servers {
                break;
            }
            let Some(next) = state.queue.pop_front() else {
                break;
            };
            self.start_service(next, node, observer);
        }
        self.touch(node);
    }

    /// Removes a consignment that has left its server from `node`, records its stage, and grants
    /// waiting space requests.
    fn exit_node<O: Observer>(&mut self, cargo: CargoId, node: NodeId, observer: &mut O) {
        let now = self.now;
        let consignment = self.cargo[cargo.index()];
        let teu = consignment.teu;
        // Storage beyond the free time, charged whether or not the window has begun (the
        // consignment pays it when delivered, like its transit time).
        let storage = self
            .model
            .node(node)
            .cost
            .storage_money(teu, now.since(consignment.node_arrival));
        if storage != 0.0 {
            self.cargo[cargo.index()].storage += storage;
        }
        let state = &mut self.nodes[node.index()];
        state.in_node -= 1;
        state.occupancy_teu -= u64::from(teu);
        state.present_teu -= u64::from(teu);
        if self.in_window {
            // On the route's first node the stage wait also counts time held at the origin for
            // yard space, so that the stages of a route add up to its end-to-end time.
            let queued_since = if consignment.stage == 0 {
                consignment.created
            } else {
                consignment.node_arrival
            };
            let wait_h = consignment.service_start.since(queued_since);
            let service_h = consignment.service_end.since(consignment.service_start);
            let blocked_h = consignment.released.since(consignment.service_end);
            let dispatch_h = now.since(consignment.released);
            let node_stats = &mut self.stats.nodes[node.index()];
            node_stats
                .sojourn_h
                .add(now.since(consignment.node_arrival));
            node_stats.blocked_h.add(blocked_h);
            node_stats.dispatch_h.add(dispatch_h);
            let weight = f64::from(teu);
            let stage = &mut self.stats.routes[consignment.route.index()].stages
                [2 * consignment.stage as usize];
            stage.wait_h.add_weighted(wait_h, weight);
            stage.service_h.add_weighted(service_h, weight);
            stage.blocked_h.add_weighted(blocked_h, weight);
            stage.dispatch_h.add_weighted(dispatch_h, weight);
        }
        self.touch(node);
        self.grant_space(node, observer);
    }

    /// Grants queued space requests at `node` in FIFO order while they fit.
    fn grant_space<O: Observer>(&mut self, node: NodeId, observer: &mut O) {
        loop {
            let state = &self.nodes[node.index()];
            let Some(&waiter) = state.space_waiters.front() else {
                return;
            };
            let consignment = self.cargo[waiter.index()];
            if !fits(state, consignment.teu) {
                return;
            }
            let state = &mut self.nodes[node.index()];
            state.space_waiters.pop_front();
            state.occupancy_teu += u64::from(consignment.teu);
            match consignment.location {
                Location::WaitingEntry => {
                    self.held_at_origin(consignment.flow, -i64::from(consignment.teu));
                    self.arrive_at_node(waiter, node, observer);
                }
                Location::Blocked => self.depart(waiter, observer),
                other => unreachable!("space requested by cargo in state {other:?}"),
            }
        }
    }

    /// Changes the TEU that `flow` holds at its origin (waiting for space at its first node) by
    /// `delta`, and records the level.
    fn held_at_origin(&mut self, flow: FlowId, delta: i64) {
        let held = &mut self.origin_teu[flow.index()];
        *held = held
            .checked_add_signed(delta)
            .expect("held TEU stay non-negative");
        let level = *held as f64;
        self.stats.flows[flow.index()]
            .origin_teu
            .set(self.now.hours(), level);
    }

    /// Lets consignments held by a closed leg move on once it reopens.
    fn release_leg_waiters<O: Observer>(&mut self, leg: LegId, observer: &mut O) {
        let waiting = std::mem::take(&mut self.leg_waiters[leg.index()]);
        for cargo in waiting {
            let consignment = self.cargo[cargo.index()];
            let node = self.model.route(consignment.route).nodes[consignment.stage as usize];
            if consignment.reserved {
                self.depart(cargo, observer);
            } else {
                self.move_on(cargo, node, leg, observer);
            }
        }
    }

    fn on_leg_end<O: Observer>(&mut self, cargo: CargoId, observer: &mut O) {
        let model = self.model;
        let now = self.now;
        let consignment = &mut self.cargo[cargo.index()];
        let travelled_stage = 2 * consignment.stage as usize + 1;
        consignment.stage += 1;
        let node = model.route(consignment.route).nodes[consignment.stage as usize];
        if self.in_window {
            let transit_h = now.since(consignment.leg_start);
            let stage = &mut self.stats.routes[consignment.route.index()].stages[travelled_stage];
            stage
                .service_h
                .add_weighted(transit_h, f64::from(consignment.teu));
        }
        self.arrive_at_node(cargo, node, observer);
    }

    // ---------------------------------------------------------------- statistics

    /// Notes that `node`'s levels changed; they are recorded once, after the current event.
    #[inline]
    fn touch(&mut self, node: NodeId) {
        let flag = &mut self.dirty[node.index()];
        if !*flag {
            *flag = true;
            self.dirty_nodes.push(node);
        }
    }

    /// Records the levels of every node changed by the event just handled. Intermediate states
    /// within one instant last no time, so they neither add to averages nor count as maxima.
    #[inline]
    fn flush_levels(&mut self) {
        while let Some(node) = self.dirty_nodes.pop() {
            self.dirty[node.index()] = false;
            self.record_levels(node);
        }
    }

    #[inline]
    fn record_levels(&mut self, node: NodeId) {
        let now = self.now.hours();
        let state = &self.nodes[node.index()];
        let node_stats = &mut self.stats.nodes[node.index()];
        node_stats.queue.set(now, state.queue.len() as f64);
        node_stats.in_node.set(now, f64::from(state.in_node));
        node_stats
            .busy
            .set(now, f64::from(state.busy - state.suspended));
        node_stats.blocked.set(now, f64::from(state.blocked));
        node_stats.yard_teu.set(now, state.present_teu as f64);
        let slot = self.breakdown_slots[node.index()];
        if slot != usize::MAX {
            self.record_breakdown_levels(node, slot);
        }
    }

    /// Closes every day that ends at or before `until_h`. Called before an event at `until_h` is
    /// handled, so no level has changed since the last recorded change: a day's time integral of
    /// a level is the difference of its running integral at the day's two ends, and an interval
    /// between two changes that crosses midnight is split between the days. This costs one
    /// comparison per event; a per-change day check would cost more in `record_levels`.
    #[cold]
    fn end_days(&mut self, until_h: f64) {
        while until_h >= self.day_end_h {
            self.close_day(self.day_end_h, HOURS_PER_DAY);
            self.cut_year_at(self.day_end_h);
            self.day += 1;
            self.day_end_h = (self.day + 1) as f64 * HOURS_PER_DAY;
        }
        self.check_deadlock();
    }

    /// Records the time averages of the node levels over the current day, which ends at `end_h`
    /// after `length_h` hours.
    fn close_day(&mut self, end_h: f64, length_h: f64) {
        let day = self.day;
        for (state, stats) in self.nodes.iter_mut().zip(&mut self.stats.nodes) {
            let queue = stats.queue.integral_at(end_h);
            let yard_teu = stats.yard_teu.integral_at(end_h);
            if let Some(slot) = stats.daily_queue.get_mut(day) {
                *slot = (queue - state.day_start[0]) / length_h;
            }
            if let Some(slot) = stats.daily_yard_teu.get_mut(day) {
                *slot = (yard_teu - state.day_start[1]) / length_h;
            }
            state.day_start = [queue, yard_teu];
        }
    }

    fn on_warmup_end(&mut self) {
        let now = self.now.hours();
        self.in_window = true;
        for (node_stats, state) in self.stats.nodes.iter_mut().zip(&mut self.nodes) {
            // The day so far carries over into the restarted integrals.
            state.day_start[0] -= node_stats.queue.integral_at(now);
            state.day_start[1] -= node_stats.yard_teu.integral_at(now);
            let mut fresh = NodeStats {
                daily_queue: std::mem::take(&mut node_stats.daily_queue),
                daily_yard_teu: std::mem::take(&mut node_stats.daily_yard_teu),
                servers: node_stats.servers.map(|mut servers| {
                    servers.restart(now);
                    servers
                }),
                ..NodeStats::default()
            };
            for (level, current) in fresh.levels_mut().into_iter().zip(node_stats.levels_mut()) {
                *level = *current;
                level.restart(now);
            }
            *node_stats = fresh;
        }
        for route_stats in &mut self.stats.routes {
            let daily = std::mem::take(&mut route_stats.daily_delivered_teu);
            let n_stages = route_stats.stages.len();
            *route_stats = RouteStats {
                stages: vec![StageStats::default(); n_stages],
                daily_delivered_teu: daily,
                transit_by_month: vec![QuantileSketch::default(); MONTHS],
                ..RouteStats::default()
            };
        }
        for flow_stats in &mut self.stats.flows {
            let mut origin_teu = flow_stats.origin_teu;
            origin_teu.restart(now);
            *flow_stats = FlowStats {
                origin_teu,
                route_teu: vec![0; flow_stats.route_teu.len()],
                daily_route_teu: std::mem::take(&mut flow_stats.daily_route_teu),
                rerouted_in_teu: vec![0; flow_stats.rerouted_in_teu.len()],
                rerouted_out_teu: vec![0; flow_stats.rerouted_out_teu.len()],
                ..FlowStats::default()
            };
        }
        for fleet_stats in &mut self.stats.fleets {
            let mut away = fleet_stats.away;
            away.restart(now);
            let mut in_service = fleet_stats.in_service;
            if let Some(level) = &mut in_service {
                level.restart(now);
            }
            *fleet_stats = FleetStats {
                away,
                daily_departures: std::mem::take(&mut fleet_stats.daily_departures),
                daily_departed_teu: std::mem::take(&mut fleet_stats.daily_departed_teu),
                in_service,
                classes: vec![ClassStats::default(); fleet_stats.classes.len()],
                ..FleetStats::default()
            };
        }
        for target_stats in &mut self.stats.targets {
            target_stats.closed.restart(now);
            target_stats.slowed.restart(now);
        }
        for breakdown_stats in &mut self.stats.breakdowns {
            breakdown_stats.failures = 0;
            for level in breakdown_stats.levels_mut() {
                level.restart(now);
            }
        }
    }

    fn finish<O: Observer>(&mut self, _observer: &mut O) -> ReplicationStats {
        let now = self.now.hours();
        self.end_days(now);
        if !self.in_window {
            // The warm-up reaches the horizon: an empty window (validation forbids this).
            self.on_warmup_end();
        }
        let day_start_h = self.day as f64 * HOURS_PER_DAY;
        if now > day_start_h {
            // The last day is shorter than 24 h.
            self.close_day(now, now - day_start_h);
        }
        for node_stats in &mut self.stats.nodes {
            for level in node_stats.levels_mut() {
                level.close(now);
            }
            if let Some(servers) = &mut node_stats.servers {
                servers.close(now);
            }
        }
        for fleet_stats in &mut self.stats.fleets {
            fleet_stats.away.close(now);
            if let Some(level) = &mut fleet_stats.in_service {
                level.close(now);
            }
        }
        for flow_stats in &mut self.stats.flows {
            flow_stats.origin_teu.close(now);
        }
        for target_stats in &mut self.stats.targets {
            target_stats.closed.close(now);
            target_stats.slowed.close(now);
        }
        for breakdown_stats in &mut self.stats.breakdowns {
            for level in breakdown_stats.levels_mut() {
                level.close(now);
            }
        }
        self.finish_years();
        let mut conservation = self.totals;
        for consignment in &self.cargo {
            let teu = u64::from(consignment.teu);
            match consignment.location {
                Location::Free => {}
                Location::WaitingEntry => conservation.waiting_entry_teu += teu,
                Location::Queued
                | Location::InService
                | Location::Blocked
                | Location::AwaitingVehicle
                | Location::Loaded => conservation.at_nodes_teu += teu,
                Location::OnLeg => conservation.on_legs_teu += teu,
                Location::Aboard => conservation.aboard_teu += teu,
            }
        }
        let at_nodes: u64 = self.nodes.iter().map(|state| state.present_teu).sum();
        assert_eq!(
            at_nodes, conservation.at_nodes_teu,
            "node occupancy disagrees with the cargo arena"
        );
        let aboard: u64 = self
            .vehicles
            .iter()
            .filter(|v| v.departed())
            .map(|v| u64::from(v.load_teu))
            .sum();
        assert_eq!(
            aboard, conservation.aboard_teu,
            "vehicle loads disagree with the cargo arena"
        );
        assert!(conservation.holds(), "TEU not conserved: {conservation:?}");
        self.stats.conservation = conservation;
        std::mem::take(&mut self.stats)
    }
}

/// The interarrival law of `flow`'s envelope Poisson process: the peak month's rate (at the peak
/// of its growth, or of its yearly volumes, over a run ending at `horizon`); `None` for a paused
/// flow (volume 0), which generates nothing.
fn envelope_of(flow: &crate::model::Flow, horizon: SimTime) -> Option<Exp<f64>> {
    if flow.paused() {
        return None;
    }
    let mut peak_rate = flow.mean_arrivals_per_hour() * flow.max_factor;
    if flow.growth.is_some() {
        peak_rate *= flow.peak_growth_factor(horizon);
    }
    Some(Exp::new(peak_rate).expect("validated flows have a nonnegative finite rate"))
}

/// The level recorded for a node's servers in force: the count, or `NaN` while unlimited.
fn servers_level(servers: Option<u32>) -> f64 {
    servers.map_or(f64::NAN, f64::from)
}

#[inline]
fn fits(state: &NodeState, teu: u32) -> bool {
    state.occupancy_teu + u64::from(teu) <= state.capacity_teu
}
