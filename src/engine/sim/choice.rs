//! Route choice at a flow's origin (`[flow.choice]`, `model::choice`).
//!
//! # Semantics
//! - **`fixed`**: the route is drawn with the flow's shares from `flow/<id>/route`, exactly as
//!   before route choice existed (a flow with one route draws nothing).
//! - **The estimator** (`shortest_expected` and `logit`): the expected time of a route seen at time
//!   `s` is the sum over its nodes and legs of
//!   - at a node with `c` servers in force (a pass-through node adds nothing): the mean service
//!     time `m` (stretched by a slow-down in force), plus, when the consignments ahead — queued,
//!     waiting for yard space, in service, held on a server, or on a server that is down — number
//!     `n ≥ c`, the wait `(n − c + 1) · m / c` (exact for exponential service: `n − c + 1`
//!     services must end, at rate `c / m`); a node with 0 servers in force makes the route's time
//!     infinite; unlimited servers never wait;
//!   - on a leg: the mean transit (stretched by a slow-down in force), and on a leg with a fleet
//!     also the TEU already waiting at the node for that fleet and direction divided by the
//!     fleet's nominal capacity in TEU per hour (`model::load`);
//!   - while a node or leg of the route is closed (a closing episode in force, operating hours
//!     included), the time until its announced end: the latest end among the closing episodes
//!     in force on the route, `max(0, end − s)`, is added once (the consignment is taken to wait
//!     for the last of them).
//!
//!   Queues downstream are read as they are now, not as they will be when the consignment gets
//!   there: the estimate is what a forwarder sees on a dashboard, not a forecast.
//! - **Information delay** `delay_h = h`: the estimate is the one of time `s = t − h` (before time
//!   0, the empty corridor at time 0). For this the engine keeps, for every route of a flow with a
//!   delay, the estimate after each event that changed it (its time without closures and the end
//!   of the closures in force), pruned to the longest delay; the closure term is evaluated at `s`.
//! - **`shortest_expected`**: the route of least estimated time. A consignment keeps the route the
//!   flow's previous consignment took (from the same rule) unless another route's estimate is
//!   shorter by more than `threshold_h` (0 by default: it changes only for a strictly shorter
//!   one); without a previous route, ties are broken uniformly from `flow/<id>/choice`.
//! - **`logit`**: route `r` with probability `exp(−θ g_r) / Σ exp(−θ g_s)`, where
//!   `g_r = money_r + v · T_r` (`model::choice::generalised_cost`), drawn with one uniform number
//!   from `flow/<id>/choice`.
//! - Choice draws never touch another process's stream, so every other process keeps its common
//!   random numbers; a flow under `fixed` consumes exactly what it did before.

use std::collections::VecDeque;

use rand::RngExt;

use super::Simulation;
use crate::model::choice::{generalised_cost, logit_probabilities};
use crate::model::load::{Place, offered_loads};
use crate::model::{ChoiceRule, FlowId, Model, RouteId};

/// A route's estimate as recorded for delayed information: (time of the record, hours, expected
/// time without closures, hours, end of the closures in force on the route, hours, 0 if none).
type Record = (f64, f64, f64);

/// The route-choice state of a simulation.
#[derive(Debug, Default)]
pub(super) struct ChoiceState {
    /// Per flow, the index in its routes of the route its previous consignment took
    /// (`u32::MAX`: none yet).
    last: Vec<u32>,
    /// Per route, the longest information delay of a flow that chooses it (0: not recorded).
    delay_of: Vec<f64>,
    /// The routes whose estimates are recorded (those with a delay), in model order.
    tracked: Vec<RouteId>,
    /// Per route, its recorded estimates in time order (empty unless tracked).
    history: Vec<VecDeque<Record>>,
    /// Each fleet's nominal capacity, TEU per hour.
    fleet_teu_per_h: Vec<f64>,
    /// Scratch: each route's estimate or cost, and logit probabilities.
    costs: Vec<f64>,
    probs: Vec<f64>,
}

impl ChoiceState {
    /// The choice state of `model`: which routes need recorded estimates (those of a flow with
    /// an information delay in the scenario or after any dated change).
    pub(super) fn new(model: &Model) -> ChoiceState {
        let mut delay_of = vec![0.0_f64; model.routes.len()];
        for m in std::iter::once(model).chain(model.changes.iter().map(|c| &c.model)) {
            for flow in m.flows.iter().filter(|f| f.choice.reads_state()) {
                for (route, _) in &flow.routes {
                    let d = &mut delay_of[route.index()];
                    *d = d.max(flow.choice.delay_h);
                }
            }
        }
        let tracked = (0..model.routes.len() as u32)
            .map(RouteId)
            .filter(|r| delay_of[r.index()] > 0.0)
            .collect();
        let mut fleet_teu_per_h = vec![0.0; model.fleets.len()];
        if model.flows.iter().any(|f| f.choice.reads_state())
            || model
                .changes
                .iter()
                .any(|c| c.model.flows.iter().any(|f| f.choice.reads_state()))
        {
            for load in offered_loads(model) {
                if let Place::Fleet(fleet) = load.place {
                    fleet_teu_per_h[fleet.index()] = load.capacity_per_h;
                }
            }
        }
        ChoiceState {
            last: vec![u32::MAX; model.flows.len()],
            delay_of,
            tracked,
            history: vec![VecDeque::new(); model.routes.len()],
            fleet_teu_per_h,
            costs: Vec::new(),
            probs: Vec::new(),
        }
    }

    /// Whether estimates are recorded after every event.
    #[inline]
    pub(super) fn records(&self) -> bool {
        !self.tracked.is_empty()
    }
}

impl<'m> Simulation<'m> {
    /// Forgets the previous replication's choices and records the empty corridor at time 0.
    pub(super) fn reset_choice(&mut self) {
        self.choice.last.fill(u32::MAX);
        for history in &mut self.choice.history {
            history.clear();
        }
        self.record_estimates();
    }

    /// Records the estimate of every tracked route that changed (after each event, only when
    /// some flow has an information delay), and drops records older than needed.
    pub(super) fn record_estimates(&mut self) {
        let now = self.now.hours();
        for k in 0..self.choice.tracked.len() {
            let route = self.choice.tracked[k];
            let (base, end) = self.route_state(route);
            let history = &mut self.choice.history[route.index()];
            if history
                .back()
                .is_none_or(|&(_, b, e)| b != base || e != end)
            {
                history.push_back((now, base, end));
            }
            // The record in force at `now − delay` is the oldest any later lookup needs.
            let oldest = now - self.choice.delay_of[route.index()];
            while history.len() >= 2 && history[1].0 <= oldest {
                history.pop_front();
            }
        }
    }

    /// The expected time of `route` as seen now: its time without closures and the end (hours)
    /// of the latest closing episode in force on it (0 if none). See the module's estimator.
    fn route_state(&self, route: RouteId) -> (f64, f64) {
        let model = self.model;
        let route = model.route(route);
        let mut time = 0.0;
        let mut closed_until: f64 = 0.0;
        for (i, &node) in route.nodes.iter().enumerate() {
            let spec = model.node(node);
            let target = &self.targets[node.index()];
            if target.departures_closed {
                closed_until = closed_until.max(target.closed_until);
            }
            if !spec.pass_through {
                let state = &self.nodes[node.index()];
                let service = target.stretch(spec.service.mean());
                if state.servers == 0 {
                    time = f64::INFINITY;
                } else if state.servers != u32::MAX {
                    let ahead = state.queue.len() as u64
                        + state.space_waiters.len() as u64
                        + u64::from(state.busy + state.blocked + state.unavailable);
                    let c = u64::from(state.servers);
                    if ahead >= c {
                        time += (ahead - c + 1) as f64 * service / c as f64;
                    }
                }
                time += service;
            }
            let Some(&leg) = route.legs.get(i) else {
                continue;
            };
            let spec = model.leg(leg);
            let target = &self.targets[model.nodes.len() + leg.index()];
            if target.departures_closed {
                closed_until = closed_until.max(target.closed_until);
            }
            if !spec.instant {
                time += target.stretch(spec.transit.mean());
            }
            if let Some((fleet, direction)) = spec.fleet {
                let waiting: u64 = self.fleets[fleet.index()].queues[direction as usize]
                    .iter()
                    .map(|c| u64::from(self.cargo[c.index()].teu))
                    .sum();
                let capacity = self.choice.fleet_teu_per_h[fleet.index()];
                if waiting > 0 {
                    time += if capacity > 0.0 {
                        waiting as f64 / capacity
                    } else {
                        f64::INFINITY
                    };
                }
            }
        }
        (time, closed_until)
    }

    /// The expected time of `route` for a flow whose information is `delay_h` old.
    fn seen_estimate(&self, route: RouteId, delay_h: f64) -> f64 {
        let (seen_at, (base, end)) = if delay_h > 0.0 {
            let seen_at = self.now.hours() - delay_h;
            let history = &self.choice.history[route.index()];
            let after = history.partition_point(|r| r.0 <= seen_at);
            let (_, base, end) = history[after.saturating_sub(1)];
            (seen_at.max(0.0), (base, end))
        } else {
            (self.now.hours(), self.route_state(route))
        };
        base + (end - seen_at).max(0.0)
    }

    /// The index, in `flow`'s routes, of the route an arriving consignment takes.
    pub(super) fn choose_route(&mut self, flow_id: FlowId) -> usize {
        let model = self.model;
        let flow = &model.flows[flow_id.index()];
        let i = flow_id.index();
        let choice = flow.choice;
        if choice.rule == ChoiceRule::Fixed || flow.routes.len() == 1 {
            let k = match &flow.route_choice {
                Some(weights) => {
                    use rand::distr::Distribution;
                    weights.sample(&mut self.route_rngs[i])
                }
                None => 0,
            };
            self.choice.last[i] = k as u32;
            return k;
        }
        let mut costs = std::mem::take(&mut self.choice.costs);
        costs.clear();
        for &(route, _) in &flow.routes {
            costs.push(self.seen_estimate(route, choice.delay_h));
        }
        let k = match choice.rule {
            ChoiceRule::Fixed => unreachable!("handled above"),
            ChoiceRule::ShortestExpected => {
                let best = costs.iter().copied().fold(f64::INFINITY, f64::min);
                let last = self.choice.last[i] as usize;
                if costs
                    .get(last)
                    .is_some_and(|&c| c <= best + choice.threshold_h)
                {
                    last
                } else {
                    let tied = costs.iter().filter(|&&c| c == best).count();
                    let pick = if tied > 1 {
                        self.choice_rngs[i].random_range(0..tied)
                    } else {
                        0
                    };
                    let tied_at = |c: &f64| *c == best;
                    costs
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| tied_at(c))
                        .nth(pick)
                        .map_or(0, |(k, _)| k)
                }
            }
            ChoiceRule::Logit {
                scale,
                value_of_time_per_h,
            } => {
                for (cost, &(route, _)) in costs.iter_mut().zip(&flow.routes) {
                    *cost = generalised_cost(model, route, value_of_time_per_h, *cost);
                }
                let mut probs = std::mem::take(&mut self.choice.probs);
                logit_probabilities(&costs, scale, &mut probs);
                let u: f64 = self.choice_rngs[i].random();
                let mut cumulative = 0.0;
                // Rounding may leave `u` above the last sum: the last route that can be taken.
                let mut pick = probs.iter().rposition(|p| *p > 0.0).unwrap_or(0);
                for (k, p) in probs.iter().enumerate() {
                    cumulative += p;
                    if u < cumulative {
                        pick = k;
                        break;
                    }
                }
                self.choice.probs = probs;
                pick
            }
        };
        self.choice.costs = costs;
        self.choice.last[i] = k as u32;
        k
    }
}
