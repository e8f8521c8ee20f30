//! The compiled corridor world that the engine runs.
//!
//! A [`Model`] is what a scenario file becomes once it has been parsed, checked and resolved:
//! string ids are replaced by dense integer ids ([`NodeId`], [`LegId`], [`RouteId`], [`FlowId`])
//! that index plain `Vec`s, distributions are pre-built ([`Dist`]), every random process has its
//! [`StreamId`], and every invariant the engine relies on has been checked. It is built once and
//! shared read-only by all replications. It knows nothing of TOML.

use rand::distr::weighted::WeightedIndex;

use crate::base::rng::StreamId;
use crate::base::time::{HOURS_PER_YEAR, SimTime};

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the model's `Vec` of this kind.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

pub(crate) mod breakdown;
pub(crate) mod calendar;
pub mod capacity;
pub mod choice;
pub mod cost;
pub(crate) mod disruption;
pub(crate) mod dist;
pub(crate) mod fleet;
pub mod load;

pub use breakdown::{Breakdown, FailureClock, Interrupted};
pub use calendar::{Calendar, YearSpan};
pub use choice::{Choice, ChoiceRule};
pub use cost::{Costs, LegCost, NodeCost, RouteCost};
pub use disruption::{Blocks, Disruption, Target, Timing};
pub use dist::Dist;
pub use fleet::{DeparturePolicy, Direction, Fleet, FleetId, VehicleClass, VehicleKind};

dense_id!(
    /// Index of a [`Node`] in [`Model::nodes`].
    NodeId
);
dense_id!(
    /// Index of a [`Leg`] in [`Model::legs`].
    LegId
);
dense_id!(
    /// Index of a [`Route`] in [`Model::routes`].
    RouteId
);
dense_id!(
    /// Index of a [`Flow`] in [`Model::flows`].
    FlowId
);

/// What a node is in the corridor. It names the role; the queueing mechanics are the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// Rail or road terminal: loading, unloading, marshalling.
    Terminal,
    /// Border crossing, possibly with a gauge change.
    Border,
    /// Sea port (ship-to-shore handling).
    Port,
    /// Dry port, yard or junction where cargo dwells.
    Yard,
}

/// How a leg moves cargo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Railway.
    Rail,
    /// Road.
    Road,
    /// Sea (ferry or feeder).
    Sea,
}

/// A place where cargo queues for one of `servers` parallel handling lines.
#[derive(Clone, Debug)]
pub struct Node {
    /// The id from the scenario file.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role in the corridor.
    pub kind: NodeKind,
    /// Parallel servers (berths, tracks, gates); `None` means unlimited (a pure delay).
    pub servers: Option<u32>,
    /// Handling time of one consignment, hours.
    pub service: Dist,
    /// Whether the node does nothing to cargo (unlimited servers, zero service): cargo passes
    /// straight through without a service event.
    pub pass_through: bool,
    /// Vessel berths; `None` is unlimited. Only vessels use berths; cargo uses `servers`.
    pub berths: Option<u32>,
    /// Yard capacity in TEU; `None` is unlimited. It bounds the TEU at the node (queued, in
    /// service or held) plus the TEU travelling to it, for which space is reserved when they leave
    /// the upstream node.
    pub yard_capacity_teu: Option<u64>,
    /// Whether the node changes track gauge (informational; the time is in `service`).
    pub gauge_change: bool,
    /// Where the node is (`lat`/`lon`), for the map only; `None` without coordinates.
    pub place: Option<Place>,
    /// Stream of the service times.
    pub service_stream: StreamId,
    /// Breakdowns of its servers, if they fail (`[node.breakdown]`).
    pub breakdown: Option<Breakdown>,
    /// Handling fee and storage tariff (`cost_per_teu`, `storage_per_teu_day`,
    /// `free_storage_days`; all 0 when not given).
    pub cost: NodeCost,
}

/// A point on the Earth: where a node is drawn on the map (informational: nothing simulated
/// reads it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Place {
    /// Latitude, degrees north, -90 to 90.
    pub lat: f64,
    /// Longitude, degrees east, -180 to 180.
    pub lon: f64,
}

/// A one-way movement between two nodes.
#[derive(Clone, Debug)]
pub struct Leg {
    /// The `id` from the scenario file, or `"from->to"`.
    pub id: String,
    /// Origin node.
    pub from: NodeId,
    /// Destination node.
    pub to: NodeId,
    /// Mode of transport.
    pub mode: Mode,
    /// Length, if given (informational).
    pub distance_km: Option<f64>,
    /// Travel time of one consignment (or one loaded vehicle), hours. Without a fleet, legs have
    /// unlimited capacity.
    pub transit: Dist,
    /// Stream of the transit times.
    pub transit_stream: StreamId,
    /// The fleet that carries this leg's cargo, and which way.
    pub fleet: Option<(FleetId, Direction)>,
    /// Whether the transit is always zero (cargo moves on at once, without an event).
    pub instant: bool,
    /// Tariffs and emission factor (`cost_per_teu`, `cost_per_teu_km`, `co2_kg_per_teu_km`,
    /// `traction`).
    pub cost: LegCost,
}

/// An ordered path of nodes, joined by legs.
#[derive(Clone, Debug)]
pub struct Route {
    /// The id from the scenario file.
    pub id: String,
    /// The nodes in visiting order (at least one; no node twice).
    pub nodes: Vec<NodeId>,
    /// `legs[i]` joins `nodes[i]` to `nodes[i + 1]`.
    pub legs: Vec<LegId>,
    /// The promised end-to-end transit, hours (`[[route]] promise_days`): a TEU is on time when
    /// its transit (generation to delivery) is at most this. `None` without a promise.
    pub promise_h: Option<f64>,
    /// Money per TEU of taking the route (`[[route]] cost_per_teu`, 0 when not given): what a
    /// logit route choice adds to the value of time (see [`choice::money_per_teu`]).
    pub cost_per_teu: f64,
}

/// How a flow's cargo arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalKind {
    /// Single containers (1 TEU each) in a Poisson stream.
    Containers,
    /// Block trains of `train_teu` TEU in a Poisson stream of trains.
    BlockTrains {
        /// TEU per train.
        train_teu: u32,
    },
}

impl ArrivalKind {
    /// TEU carried by one arrival.
    pub fn teu_per_arrival(self) -> u32 {
        match self {
            ArrivalKind::Containers => 1,
            ArrivalKind::BlockTrains { train_teu } => train_teu,
        }
    }
}

/// What happens to arriving cargo when its first node's yard is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// It waits at the origin (still counted in the system) until space frees.
    Wait,
    /// It is refused (lost to the corridor) and counted as refused.
    Refuse,
}

/// Days in each month of the engine's 365-day calendar (day 0 is 1 January).
pub(crate) const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Demand: a stream of consignments entering the corridor.
#[derive(Clone, Debug)]
pub struct Flow {
    /// The id from the scenario file.
    pub id: String,
    /// Routes and their shares (summing to 1; with a rule other than `fixed`, shares may be
    /// left out and are then equal, and the rule ignores them).
    pub routes: Vec<(RouteId, f64)>,
    /// Sampler over `routes` (only when there is more than one).
    pub route_choice: Option<WeightedIndex<f64>>,
    /// Annual volume, TEU per 365-day year (0: the flow is paused and generates nothing). For a
    /// flow given by calendar year (`teu_by_year`), the largest yearly volume of the run: the
    /// thinning envelope, with [`by_year`](Self::by_year) giving each year's share of it.
    pub teu_per_year: f64,
    /// For a flow given by calendar year (`teu_by_year`): `(first hour of the year, its volume
    /// over teu_per_year)` for each calendar year the run touches, in order (the list's last
    /// volume holds for years past its end). Empty for a flow with one volume.
    pub by_year: Vec<(f64, f64)>,
    /// Single containers or block trains.
    pub arrival: ArrivalKind,
    /// Monthly rate factors, normalised so that the annual volume is `teu_per_year`.
    pub seasonality: [f64; 12],
    /// Largest factor in `seasonality` (the thinning envelope).
    pub max_factor: f64,
    /// Whether any month's factor differs from 1 (only then are arrivals thinned).
    pub seasonal: bool,
    /// Compound growth of the volume (`growth_per_year`), if any.
    pub growth: Option<Growth>,
    /// Policy when the first node is full.
    pub when_full: WhenFull,
    /// Stream of interarrival times and thinning draws.
    pub arrival_stream: StreamId,
    /// Stream of route choices by fixed shares.
    pub route_stream: StreamId,
    /// How consignments choose among `routes` (`[flow.choice]`; fixed shares by default).
    pub choice: Choice,
}

impl Flow {
    /// Mean arrivals per hour averaged over the year (the first year, for a growing flow).
    pub fn mean_arrivals_per_hour(&self) -> f64 {
        self.teu_per_year / f64::from(self.arrival.teu_per_arrival()) / HOURS_PER_YEAR
    }

    /// The factor by which growth multiplies the first year's mean rate at time `t` (1 without
    /// growth).
    #[inline]
    pub fn growth_factor(&self, t: SimTime) -> f64 {
        self.growth.map_or(1.0, |g| g.factor(t))
    }

    /// The largest [`growth_factor`](Self::growth_factor) over a run ending at `horizon`.
    pub fn peak_growth_factor(&self, horizon: SimTime) -> f64 {
        self.growth_factor(SimTime::ZERO)
            .max(self.growth_factor(horizon))
    }

    /// For a flow given by calendar year, the volume of the year holding `t` over
    /// `teu_per_year` (1 for a flow with one volume).
    #[inline]
    pub fn year_factor(&self, t: SimTime) -> f64 {
        let h = t.hours();
        let next = self.by_year.partition_point(|(first_h, _)| *first_h <= h);
        self.by_year.get(next.wrapping_sub(1)).map_or(1.0, |y| y.1)
    }

    /// Whether the flow generates nothing at any time of the run (its volume is 0 throughout).
    pub fn paused(&self) -> bool {
        self.teu_per_year <= 0.0
    }

    /// The volume in TEU per 365-day year at time `t`, before seasonality: `teu_per_year` times
    /// growth or the calendar year's share.
    pub fn volume_at(&self, t: SimTime) -> f64 {
        self.teu_per_year * self.growth_factor(t) * self.year_factor(t)
    }

    /// The mean volume (TEU per 365-day year, before seasonality) over `[from, to)`, exactly
    /// (growth integrated in closed form, yearly volumes weighted by their time in the span).
    pub fn mean_volume(&self, from: SimTime, to: SimTime) -> f64 {
        let (a, b) = (from.hours(), to.hours());
        if b <= a {
            return self.volume_at(from);
        }
        if let Some(growth) = &self.growth {
            return self.teu_per_year * growth.mean_factor(a, b);
        }
        if self.by_year.is_empty() {
            return self.teu_per_year;
        }
        let mut total = 0.0;
        for (k, (first_h, share)) in self.by_year.iter().enumerate() {
            let end_h = self.by_year.get(k + 1).map_or(f64::INFINITY, |y| y.0);
            let overlap = end_h.min(b) - first_h.max(a);
            if overlap > 0.0 {
                total += overlap * share;
            }
        }
        self.teu_per_year * total / (b - a)
    }
}

/// Compound growth of a flow's volume: year `k` (from time 0, in 365-day years) brings
/// `teu_per_year * (1 + per_year)^k` TEU, the rate growing continuously:
/// `rate(t) = rate * ln(1 + g) / g * (1 + g)^(t / year)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Growth {
    /// The growth per year, as a fraction (0.2 is 20%).
    pub per_year: f64,
    /// `ln(1 + per_year)` per hour of a 365-day year.
    log_per_h: f64,
    /// `ln(1 + g) / g`: the rate at time 0 relative to the first year's mean.
    scale: f64,
}

impl Growth {
    /// Growth of `per_year` (greater than -1, not 0).
    pub fn new(per_year: f64) -> Growth {
        let log = per_year.ln_1p();
        Growth {
            per_year,
            log_per_h: log / HOURS_PER_YEAR,
            scale: log / per_year,
        }
    }

    /// The rate at `t` relative to the first year's mean rate.
    #[inline]
    pub fn factor(&self, t: SimTime) -> f64 {
        self.scale * (self.log_per_h * t.hours()).exp()
    }

    /// The mean of [`factor`](Self::factor) over hours `[a, b)` (`a < b`), in closed form.
    pub fn mean_factor(&self, a: f64, b: f64) -> f64 {
        let k = self.log_per_h;
        self.scale * ((k * b).exp() - (k * a).exp()) / (k * (b - a))
    }
}

/// Run settings from the `[scenario]` table.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// Scenario name.
    pub name: String,
    /// Free-text description.
    pub description: String,
    /// End of each replication.
    pub horizon: SimTime,
    /// Statistics ignore everything before this time.
    pub warmup: SimTime,
    /// The scenario's default base seed (`[scenario] seed`): what
    /// `experiment::RunConfig::from_model` starts from. A replication run takes its seed as an
    /// argument (`engine::Simulation::run`), never from here.
    pub seed: u64,
    /// The scenario's default number of replications (`[scenario] replications`), likewise only
    /// a default.
    pub replications: u32,
    /// Most consignments in the system at once (`[scenario] max_in_system`): a replication that
    /// would exceed it stops with an error (see `engine::error`).
    pub max_in_system: u64,
    /// Dates, months and weekdays of simulated time (`[scenario] start`).
    pub calendar: Calendar,
}

/// The checked, compiled corridor.
#[derive(Clone, Debug)]
pub struct Model {
    /// Run settings.
    pub settings: RunSettings,
    /// Nodes, indexed by [`NodeId`].
    pub nodes: Vec<Node>,
    /// Legs, indexed by [`LegId`].
    pub legs: Vec<Leg>,
    /// Routes, indexed by [`RouteId`].
    pub routes: Vec<Route>,
    /// Flows, indexed by [`FlowId`].
    pub flows: Vec<Flow>,
    /// Fleets, indexed by [`FleetId`].
    pub fleets: Vec<Fleet>,
    /// Disruptions, including operating hours.
    pub disruptions: Vec<Disruption>,
    /// Dated changes (`[[change]]`), in the order they apply (by time, then file order); empty
    /// in the models they hold.
    pub changes: Vec<DatedChange>,
    /// Value of time and each route's tariff and CO2 per TEU (`[cost]`, node and leg costs).
    pub costs: Costs,
}

/// A `[[change]]`: from time `at` on, the corridor is `model` (the scenario with this change and
/// every earlier one applied). It has the same nodes, legs, routes, flows, fleets and
/// disruptions, in the same order; only their parameters differ. The engine swaps it in at `at`
/// (see `engine/sim/mod.rs`, "Dated changes").
#[derive(Clone, Debug)]
pub struct DatedChange {
    /// The change's id.
    pub id: String,
    /// When it applies.
    pub at: SimTime,
    /// The corridor from then on.
    pub model: Model,
}

impl Model {
    /// The node with scenario id `id`.
    pub fn node_id(&self, id: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.id == id)
            .map(|i| NodeId(i as u32))
    }

    /// The route with scenario id `id`.
    pub fn route_id(&self, id: &str) -> Option<RouteId> {
        self.routes
            .iter()
            .position(|r| r.id == id)
            .map(|i| RouteId(i as u32))
    }

    /// The node with dense id `id`.
    #[inline]
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The leg with dense id `id`.
    #[inline]
    pub fn leg(&self, id: LegId) -> &Leg {
        &self.legs[id.index()]
    }

    /// The route with dense id `id`.
    #[inline]
    pub fn route(&self, id: RouteId) -> &Route {
        &self.routes[id.index()]
    }

    /// The fleet with dense id `id`.
    #[inline]
    pub fn fleet(&self, id: FleetId) -> &Fleet {
        &self.fleets[id.index()]
    }

    /// The nodes whose servers break down, in model order. Per-node breakdown statistics follow
    /// this order.
    pub fn breakdown_nodes(&self) -> Vec<NodeId> {
        (0..self.nodes.len() as u32)
            .map(NodeId)
            .filter(|&n| self.node(n).breakdown.is_some())
            .collect()
    }

    /// The model in force at `t`: that of the last dated change at or before `t`, else this one.
    pub fn in_force_at(&self, t: SimTime) -> &Model {
        self.changes
            .iter()
            .rev()
            .find(|c| c.at <= t)
            .map_or(self, |c| &c.model)
    }

    /// The fleets whose vehicles break down, in model order. Per-fleet breakdown statistics
    /// follow this order.
    pub fn breakdown_fleets(&self) -> Vec<FleetId> {
        (0..self.fleets.len() as u32)
            .map(FleetId)
            .filter(|&f| self.fleet(f).breakdown.is_some())
            .collect()
    }

    /// Every node and leg that some disruption (or operating hours) acts on: nodes first, each in
    /// model order. Per-target statistics follow this order.
    pub fn disruption_targets(&self) -> Vec<Target> {
        let mut targets: Vec<Target> = self
            .disruptions
            .iter()
            .flat_map(|d| d.targets.iter().copied())
            .collect();
        targets.sort_by_key(|t| self.target_index(*t));
        targets.dedup();
        targets
    }

    /// The scenario id of a disruption target.
    pub fn target_name(&self, target: Target) -> &str {
        match target {
            Target::Node(node) => &self.node(node).id,
            Target::Leg(leg) => &self.leg(leg).id,
        }
    }

    /// Dense index of a disruption target among all nodes and legs (nodes first).
    #[inline]
    pub fn target_index(&self, target: Target) -> usize {
        match target {
            Target::Node(node) => node.index(),
            Target::Leg(leg) => self.nodes.len() + leg.index(),
        }
    }
}
