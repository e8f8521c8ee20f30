//! What one replication measured: plain data, filled by the engine, read by aggregation and
//! reports. Everything here is over the statistics window `[warmup, horizon)` unless a field says
//! "whole run". Node figures count consignments (a block train is one consignment); route figures
//! are weighted by TEU.

use serde::{Deserialize, Serialize};

use crate::base::accumulators::{Histogram, Moments, TimeAverage};
use crate::base::sketch::QuantileSketch;

/// Statistics of one node in one replication.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NodeStats {
    /// Consignments that arrived at the node.
    pub arrivals: u64,
    /// TEU that arrived at the node.
    pub arrived_teu: u64,
    /// Queue wait before service starts, hours, per consignment whose service started.
    pub wait_h: Moments,
    /// Distribution of the queue wait.
    pub wait_hist: Histogram,
    /// Service time, hours, per consignment whose service started.
    pub service_h: Moments,
    /// Time held after service because the next node was full, hours, per departure.
    pub blocked_h: Moments,
    /// Time from leaving the server to the departure of the vehicle carrying it on, hours, per
    /// departure (0 unless the next leg has a fleet).
    pub dispatch_h: Moments,
    /// Time from arrival to departure, hours, per departure.
    pub sojourn_h: Moments,
    /// Consignments waiting for a server.
    pub queue: TimeAverage,
    /// Consignments at the node (waiting, in service or held).
    pub in_node: TimeAverage,
    /// Servers busy serving (not counting servers held by blocked cargo).
    pub busy: TimeAverage,
    /// Servers held by cargo that finished service but cannot move on.
    pub blocked: TimeAverage,
    /// TEU physically at the node.
    pub yard_teu: TimeAverage,
    /// Time average of `queue` over each simulated day (whole run, index = day; the last day,
    /// if shorter, over its actual length).
    pub daily_queue: Vec<f64>,
    /// Time average of `yard_teu` over each simulated day (whole run, like `daily_queue`).
    pub daily_yard_teu: Vec<f64>,
    /// Servers in force, recorded only for a node whose servers a dated change alters (`NaN`
    /// while unlimited); utilisation divides by its time average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<TimeAverage>,
}

impl NodeStats {
    /// The time-weighted levels, which the engine restarts at the warm-up and closes at the horizon.
    pub fn levels_mut(&mut self) -> [&mut TimeAverage; 5] {
        [
            &mut self.queue,
            &mut self.in_node,
            &mut self.busy,
            &mut self.blocked,
            &mut self.yard_teu,
        ]
    }
}

impl NodeStats {
    /// What was recorded after `earlier` (a copy of the totals taken at a year's start), without
    /// the daily series. Each level's `max` must already be the maximum since `earlier` (the
    /// engine restarts the maxima at each cut).
    pub fn since(&self, earlier: &NodeStats) -> NodeStats {
        NodeStats {
            arrivals: self.arrivals - earlier.arrivals,
            arrived_teu: self.arrived_teu - earlier.arrived_teu,
            wait_h: self.wait_h.since(&earlier.wait_h),
            wait_hist: self.wait_hist.since(&earlier.wait_hist),
            service_h: self.service_h.since(&earlier.service_h),
            blocked_h: self.blocked_h.since(&earlier.blocked_h),
            dispatch_h: self.dispatch_h.since(&earlier.dispatch_h),
            sojourn_h: self.sojourn_h.since(&earlier.sojourn_h),
            queue: self.queue.since(&earlier.queue),
            in_node: self.in_node.since(&earlier.in_node),
            busy: self.busy.since(&earlier.busy),
            blocked: self.blocked.since(&earlier.blocked),
            yard_teu: self.yard_teu.since(&earlier.yard_teu),
            daily_queue: Vec::new(),
            daily_yard_teu: Vec::new(),
            servers: self
                .servers
                .as_ref()
                .zip(earlier.servers.as_ref())
                .map(|(now, then)| now.since(then)),
        }
    }
}

/// Time spent in one stage of a route (a node visit or a leg), TEU-weighted.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StageStats {
    /// Queue wait at the node, hours (0 for legs). For the route's first node it includes time
    /// held at the origin because the node's yard was full.
    pub wait_h: Moments,
    /// Service at the node or travel on the leg, hours.
    pub service_h: Moments,
    /// Held at the node by a full next node or a closed next leg, hours (0 for legs).
    pub blocked_h: Moments,
    /// Waiting at the node for a vehicle of the next leg's fleet to leave, hours (0 for legs).
    pub dispatch_h: Moments,
}

impl StageStats {
    /// What was recorded after `earlier`.
    pub fn since(&self, earlier: &StageStats) -> StageStats {
        StageStats {
            wait_h: self.wait_h.since(&earlier.wait_h),
            service_h: self.service_h.since(&earlier.service_h),
            blocked_h: self.blocked_h.since(&earlier.blocked_h),
            dispatch_h: self.dispatch_h.since(&earlier.dispatch_h),
        }
    }
}

/// Statistics of one route in one replication.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RouteStats {
    /// Consignments delivered (completed the last node).
    pub delivered: u64,
    /// TEU delivered.
    pub delivered_teu: u64,
    /// End-to-end time from generation to delivery, hours, per TEU.
    pub transit_h: Moments,
    /// Distribution of the end-to-end time, per TEU.
    pub transit_hist: Histogram,
    /// TEU delivered within the route's promise (end-to-end time at most
    /// [`Route::promise_h`](crate::model::Route::promise_h)); 0 for a route without one. An
    /// exact count, not read off the histogram.
    #[serde(default)]
    pub on_time_teu: u64,
    /// The end-to-end time per TEU by calendar month of departure (the month, in the model's
    /// calendar, in which the consignment was generated; index 0 = January): [`MONTHS`]
    /// sketches (empty in a year's part of the window, like the daily series).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transit_by_month: Vec<QuantileSketch>,
    /// Storage money paid by the consignments delivered (the sum over the nodes they visited of
    /// `model::NodeCost::storage_money`); 0 without storage tariffs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub storage_money: f64,
    /// Stages in route order: node 0, leg 0, node 1, leg 1, ..., last node.
    pub stages: Vec<StageStats>,
    /// TEU delivered on each simulated day (whole run, index = day).
    pub daily_delivered_teu: Vec<u64>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Calendar months: the length of [`RouteStats::transit_by_month`].
pub const MONTHS: usize = 12;

impl RouteStats {
    /// What was recorded after `earlier`, without the daily series and the months.
    pub fn since(&self, earlier: &RouteStats) -> RouteStats {
        RouteStats {
            delivered: self.delivered - earlier.delivered,
            delivered_teu: self.delivered_teu - earlier.delivered_teu,
            transit_h: self.transit_h.since(&earlier.transit_h),
            transit_hist: self.transit_hist.since(&earlier.transit_hist),
            on_time_teu: self.on_time_teu - earlier.on_time_teu,
            transit_by_month: Vec::new(),
            storage_money: self.storage_money - earlier.storage_money,
            stages: self
                .stages
                .iter()
                .zip(&earlier.stages)
                .map(|(now, then)| now.since(then))
                .collect(),
            daily_delivered_teu: Vec::new(),
        }
    }
}

/// Demand counters of one flow.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FlowStats {
    /// TEU generated in the window.
    pub generated_teu: u64,
    /// TEU refused at entry in the window.
    pub refused_teu: u64,
    /// TEU held at the origin, waiting for space at the route's first node.
    #[serde(default)]
    pub origin_teu: TimeAverage,
    /// TEU generated in the window per route of the flow, in the order of `Flow::routes`: what
    /// the route choice sent where. Only for a flow that reports its choice
    /// (`model::choice::reports_choice`); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_teu: Vec<u64>,
    /// TEU generated per route of the flow and simulated day (whole run, warm-up included;
    /// `[route][day]`), only for a flow that reports its choice (empty otherwise): the route
    /// shares over time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub daily_route_teu: Vec<Vec<u64>>,
    /// TEU moved onto each route of the flow at its decision node in the window (order of
    /// `Flow::routes`). Only for a flow with a decision node (`model::choice::decides`); empty
    /// otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rerouted_in_teu: Vec<u64>,
    /// TEU moved off each route of the flow at its decision node in the window, as
    /// `rerouted_in_teu`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rerouted_out_teu: Vec<u64>,
}

impl FlowStats {
    /// What was counted after `earlier`.
    pub fn since(&self, earlier: &FlowStats) -> FlowStats {
        FlowStats {
            generated_teu: self.generated_teu - earlier.generated_teu,
            refused_teu: self.refused_teu - earlier.refused_teu,
            origin_teu: self.origin_teu.since(&earlier.origin_teu),
            route_teu: difference(&self.route_teu, &earlier.route_teu),
            daily_route_teu: Vec::new(),
            rerouted_in_teu: difference(&self.rerouted_in_teu, &earlier.rerouted_in_teu),
            rerouted_out_teu: difference(&self.rerouted_out_teu, &earlier.rerouted_out_teu),
        }
    }
}

/// Element-wise `now − before` of two counters of the same length.
fn difference(now: &[u64], before: &[u64]) -> Vec<u64> {
    now.iter().zip(before).map(|(n, b)| n - b).collect()
}

/// TEU bookkeeping over the whole run (warm-up included): every TEU generated is delivered,
/// still in the system, or refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conservation {
    /// TEU generated by all flows.
    pub generated_teu: u64,
    /// TEU delivered at the end of their route.
    pub delivered_teu: u64,
    /// TEU refused at entry.
    pub refused_teu: u64,
    /// TEU waiting at the origin for space at the first node.
    pub waiting_entry_teu: u64,
    /// TEU at nodes (queued, in service or held).
    pub at_nodes_teu: u64,
    /// TEU travelling on legs without a fleet.
    pub on_legs_teu: u64,
    /// TEU aboard vehicles that have left their origin node (at sea, at anchorage, unloading).
    pub aboard_teu: u64,
}

impl Conservation {
    /// TEU still in the system at the end.
    pub fn in_system_teu(&self) -> u64 {
        self.waiting_entry_teu + self.at_nodes_teu + self.on_legs_teu + self.aboard_teu
    }

    /// Whether generated = delivered + in the system + refused.
    pub fn holds(&self) -> bool {
        self.generated_teu == self.delivered_teu + self.in_system_teu() + self.refused_teu
    }
}

/// Statistics of one fleet in one replication.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FleetStats {
    /// Departures from home with cargo.
    pub departures: u64,
    /// TEU carried out from home.
    pub departed_teu: u64,
    /// TEU per departure from home.
    pub load_teu: Moments,
    /// Departures back home with return cargo.
    pub back_departures: u64,
    /// TEU carried back home on the return leg.
    pub back_teu: u64,
    /// Cargo waiting at the origin for a vehicle to leave (from leaving the server to departure),
    /// hours, per TEU, both directions.
    pub cargo_wait_h: Moments,
    /// Loaded vehicles waiting for a berth or for the port to open before unloading (at
    /// anchorage), hours, per berthing with cargo aboard.
    pub berth_wait_h: Moments,
    /// TEU left waiting for the leg at home (not aboard any vehicle) when a vehicle sails from
    /// home, per departure from home.
    #[serde(default)]
    pub left_behind_teu: Moments,
    /// Departures from home that left cargo waiting for the leg.
    #[serde(default)]
    pub departures_leaving_cargo: u64,
    /// Departures from home whose departure rule fired after the vehicle started loading (it
    /// waited for cargo, its timer or its slot).
    #[serde(default)]
    pub waited_departures: u64,
    /// Weekly slots that passed with no loaded vehicle ready (schedule policy only).
    pub missed_slots: u64,
    /// Vehicles away from home (travelling, at the far end, on the way back).
    pub away: TimeAverage,
    /// Departures from home on each simulated day (whole run, index = day).
    pub daily_departures: Vec<u64>,
    /// TEU carried out from home on each simulated day (whole run, index = day).
    pub daily_departed_teu: Vec<u64>,
    /// Vehicles in service, for a fleet whose count varies during the run (a class entering
    /// service later, or a dated change of a count); `None` when it is constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_service: Option<TimeAverage>,
    /// Per vehicle class, in the fleet's class order (empty for a fleet without classes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassStats>,
}

/// Statistics of one vehicle class of a fleet in one replication.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClassStats {
    /// Departures from home with cargo.
    pub departures: u64,
    /// TEU carried out from home.
    pub departed_teu: u64,
    /// TEU per departure from home.
    pub load_teu: Moments,
}

impl FleetStats {
    /// What was recorded after `earlier`, without the daily series (`away.max` as for
    /// [`NodeStats::since`]).
    pub fn since(&self, earlier: &FleetStats) -> FleetStats {
        FleetStats {
            departures: self.departures - earlier.departures,
            departed_teu: self.departed_teu - earlier.departed_teu,
            load_teu: self.load_teu.since(&earlier.load_teu),
            back_departures: self.back_departures - earlier.back_departures,
            back_teu: self.back_teu - earlier.back_teu,
            cargo_wait_h: self.cargo_wait_h.since(&earlier.cargo_wait_h),
            berth_wait_h: self.berth_wait_h.since(&earlier.berth_wait_h),
            left_behind_teu: self.left_behind_teu.since(&earlier.left_behind_teu),
            departures_leaving_cargo: self.departures_leaving_cargo
                - earlier.departures_leaving_cargo,
            waited_departures: self.waited_departures - earlier.waited_departures,
            missed_slots: self.missed_slots - earlier.missed_slots,
            away: self.away.since(&earlier.away),
            daily_departures: Vec::new(),
            daily_departed_teu: Vec::new(),
            in_service: match (&self.in_service, &earlier.in_service) {
                (Some(now), Some(then)) => Some(now.since(then)),
                (now, _) => *now,
            },
            classes: self
                .classes
                .iter()
                .zip(&earlier.classes)
                .map(|(now, then)| now.since(then))
                .collect(),
        }
    }
}

impl ClassStats {
    /// What was recorded after `earlier`.
    pub fn since(&self, earlier: &ClassStats) -> ClassStats {
        ClassStats {
            departures: self.departures - earlier.departures,
            departed_teu: self.departed_teu - earlier.departed_teu,
            load_teu: self.load_teu.since(&earlier.load_teu),
        }
    }
}

/// Closure and slow-down time of one disruption target in one replication.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TargetStats {
    /// 1 while the target is closed (fully or for departures), else 0.
    pub closed: TimeAverage,
    /// 1 while the target is slowed (open with capacity factor below 1), else 0.
    pub slowed: TimeAverage,
}

/// Breakdowns of the servers of one node (see `engine/sim/breakdown.rs`), or of the vehicles of
/// one fleet (see `engine/sim/vehicle_breakdown.rs`), in one replication. For a fleet, `down`
/// counts vehicles, `waiting` is the TEU aboard the fleet's vehicles and `delay` the TEU aboard
/// a vehicle that is down.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BreakdownStats {
    /// Failures (servers going down) in the window.
    pub failures: u64,
    /// Servers down (under repair or waiting for a crew).
    pub down: TimeAverage,
    /// Consignments waiting: queued, or with their service interrupted by a failure.
    pub waiting: TimeAverage,
    /// The part of `waiting` caused by breakdowns: consignments with their service interrupted,
    /// plus min(queued, down servers holding nothing) while the node is open.
    pub delay: TimeAverage,
}

impl BreakdownStats {
    /// The time-weighted levels, which the engine restarts at the warm-up and closes at the horizon.
    pub fn levels_mut(&mut self) -> [&mut TimeAverage; 3] {
        [&mut self.down, &mut self.waiting, &mut self.delay]
    }

    /// What was recorded after `earlier` (as for [`NodeStats::since`]).
    pub fn since(&self, earlier: &BreakdownStats) -> BreakdownStats {
        BreakdownStats {
            failures: self.failures - earlier.failures,
            down: self.down.since(&earlier.down),
            waiting: self.waiting.since(&earlier.waiting),
            delay: self.delay.since(&earlier.delay),
        }
    }
}

/// One episode of a logged disruption (whole run, warm-up included).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisruptionRecord {
    /// Index into `Model::disruptions`.
    pub disruption: u32,
    /// Start, hours from the beginning of the run.
    pub start_h: f64,
    /// Scheduled end, hours (may lie beyond the horizon).
    pub end_h: f64,
}

/// Everything one replication measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReplicationStats {
    /// Replication index.
    pub replication: u64,
    /// Length of the statistics window, hours.
    pub window_h: f64,
    /// Events processed over the whole run.
    pub events: u64,
    /// Per node, indexed like `Model::nodes`.
    pub nodes: Vec<NodeStats>,
    /// Per route, indexed like `Model::routes`.
    pub routes: Vec<RouteStats>,
    /// Per flow, indexed like `Model::flows`.
    pub flows: Vec<FlowStats>,
    /// Per fleet, indexed like `Model::fleets`.
    pub fleets: Vec<FleetStats>,
    /// Per disruption target, in the order of `Model::disruption_targets`.
    pub targets: Vec<TargetStats>,
    /// Per node with breakdowns, in the order of `Model::breakdown_nodes`, then per fleet with
    /// breakdowns, in the order of `Model::breakdown_fleets` (empty without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdowns: Vec<BreakdownStats>,
    /// Episodes of logged disruptions, in start order.
    pub disruption_log: Vec<DisruptionRecord>,
    /// TEU bookkeeping at the end of the run.
    pub conservation: Conservation,
    /// The statistics window cut at calendar-year boundaries, in time order, when it spans more
    /// than one year (see `Calendar::window_years`); empty otherwise. Each year's counts add up
    /// to the window's exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<YearStats>,
}

/// The statistics of one calendar year's part of the window (the route, node, flow, fleet and
/// breakdown figures of [`ReplicationStats`] restricted to `[start_h, end_h)`; no daily series).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct YearStats {
    /// Start of the year's part of the window, hours.
    pub start_h: f64,
    /// Its end, hours.
    pub end_h: f64,
    /// Per node.
    pub nodes: Vec<NodeStats>,
    /// Per route.
    pub routes: Vec<RouteStats>,
    /// Per flow.
    pub flows: Vec<FlowStats>,
    /// Per fleet.
    pub fleets: Vec<FleetStats>,
    /// Per node with breakdowns, in the order of `Model::breakdown_nodes` (empty without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdowns: Vec<BreakdownStats>,
}

impl YearStats {
    /// Length of the year's part of the window, hours.
    pub fn window_h(&self) -> f64 {
        self.end_h - self.start_h
    }

    /// The year between `earlier` (the running totals at its start; `None` for the first year)
    /// and `self` (the running totals at its end).
    pub fn since(&self, earlier: Option<&YearStats>) -> YearStats {
        let Some(earlier) = earlier else {
            return self.clone();
        };
        fn each<T>(now: &[T], then: &[T], f: fn(&T, &T) -> T) -> Vec<T> {
            now.iter().zip(then).map(|(a, b)| f(a, b)).collect()
        }
        YearStats {
            start_h: earlier.end_h,
            end_h: self.end_h,
            nodes: each(&self.nodes, &earlier.nodes, NodeStats::since),
            routes: each(&self.routes, &earlier.routes, RouteStats::since),
            flows: each(&self.flows, &earlier.flows, FlowStats::since),
            fleets: each(&self.fleets, &earlier.fleets, FleetStats::since),
            breakdowns: each(&self.breakdowns, &earlier.breakdowns, BreakdownStats::since),
        }
    }
}
