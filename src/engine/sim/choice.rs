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
//! - **Decision node** (`decide_at = D`): a consignment whose route passes `D` before its last
//!   node chooses again when its service at `D` ends (before it heads for the next leg or
//!   vessel), among the flow's routes that share its route's nodes up to `D` (its own included),
//!   by the flow's rule applied to what lies after `D`: each candidate's estimate is the one above
//!   over its legs from `D` on and its nodes after `D` (`D` itself is common to all); with a
//!   delay, the estimate of that remainder `h` hours ago. `shortest_expected` keeps the current
//!   route unless another's estimate is shorter by more than `threshold_h` (ties among the
//!   shortest broken uniformly); `logit` draws among the candidates on the generalised cost
//!   (the whole route's money plus the value of time times the remainder's estimate: the common
//!   part drops out of a logit). Draws come from `flow/<id>/decide`, so the choices at the origin
//!   are those the flow makes without a decision node. The consignment's route becomes the one
//!   chosen from `D` on: its stages before `D` stay counted under the route it was on, its stage
//!   at `D` and everything after (delivery, transit) under the new one. The route shares stay
//!   those of the choice at the origin; the TEU moved at `D` in the window are counted per route
//!   as moved onto it and off it (`FlowStats::rerouted_in_teu`, `rerouted_out_teu`).
//! - Choice draws never touch another process's stream, so every other process keeps its common
//!   random numbers; a flow under `fixed` consumes exactly what it did before.

use std::collections::VecDeque;

use rand::RngExt;

use super::super::event::CargoId;
use super::Simulation;
use crate::base::rng::Stream;
use crate::model::choice::{generalised_cost, logit_probabilities};
use crate::model::load::{Place, offered_loads};
use crate::model::{ChoiceRule, FlowId, Model, NodeId, RouteId};

/// A route's estimate as recorded for delayed information: (time of the record, hours, expected
/// time without closures, hours, end of the closures in force on the route, hours, 0 if none).
type Record = (f64, f64, f64);

/// What an estimate covers: a whole route (`served_at = None`, the choice at the origin), or
/// what lies after the consignment's service at the node of index `served_at` in the route (the
/// choice at a decision node).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Span {
    route: RouteId,
    served_at: Option<usize>,
}

/// The route-choice state of a simulation.
#[derive(Debug, Default)]
pub(super) struct ChoiceState {
    /// Per flow, the index in its routes of the route its previous consignment took
    /// (`u32::MAX`: none yet).
    last: Vec<u32>,
    /// The estimates recorded for delayed information (a flow with a delay), each with the
    /// longest delay of a flow that reads it, in a fixed order: every route's whole estimate
    /// first (index = route), then the remainders after decision nodes.
    tracked: Vec<(Span, f64)>,
    /// Per entry of `tracked`, its recorded estimates in time order.
    history: Vec<VecDeque<Record>>,
    /// Per node, whether some flow (in the scenario or after a dated change) decides there.
    decides_at: Vec<bool>,
    /// Each flow's `flow/<id>/decide` stream.
    decide_rngs: Vec<Stream>,
    /// Each fleet's nominal capacity, TEU per hour.
    fleet_teu_per_h: Vec<f64>,
    /// Scratch: each route's estimate or cost, logit probabilities, and the candidates at a
    /// decision node (index in the flow's routes, route).
    costs: Vec<f64>,
    probs: Vec<f64>,
    candidates: Vec<(usize, RouteId)>,
}

impl ChoiceState {
    /// The choice state of `model`: which routes need recorded estimates (those of a flow with
    /// an information delay in the scenario or after any dated change).
    pub(super) fn new(model: &Model) -> ChoiceState {
        let mut tracked: Vec<(Span, f64)> = (0..model.routes.len() as u32)
            .map(|r| {
                let span = Span {
                    route: RouteId(r),
                    served_at: None,
                };
                (span, 0.0)
            })
            .collect();
        let mut decides_at = vec![false; model.nodes.len()];
        for m in std::iter::once(model).chain(model.changes.iter().map(|c| &c.model)) {
            for flow in m.flows.iter().filter(|f| f.choice.reads_state()) {
                let delay = flow.choice.delay_h;
                if let Some(node) = flow.choice.decide_at {
                    decides_at[node.index()] = true;
                }
                for &(route, _) in &flow.routes {
                    let d = &mut tracked[route.index()].1;
                    *d = d.max(delay);
                    let Some(node) = flow.choice.decide_at else {
                        continue;
                    };
                    let Some(at) = m.route(route).nodes.iter().position(|n| *n == node) else {
                        continue;
                    };
                    let span = Span {
                        route,
                        served_at: Some(at),
                    };
                    match tracked.iter_mut().find(|(s, _)| *s == span) {
                        Some((_, d)) => *d = d.max(delay),
                        None => tracked.push((span, delay)),
                    }
                }
            }
        }
        // Only what a delayed flow reads is recorded; whole routes keep their index even when
        // not recorded, remainders without a delay are dropped.
        let routes = model.routes.len();
        let mut k = 0;
        tracked.retain(|(_, d)| {
            k += 1;
            k <= routes || *d > 0.0
        });
        let history = vec![VecDeque::new(); tracked.len()];
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
        let placeholder = crate::base::rng::stream(0, 0, crate::base::rng::StreamId(0));
        ChoiceState {
            last: vec![u32::MAX; model.flows.len()],
            tracked,
            history,
            decides_at,
            decide_rngs: vec![placeholder; model.flows.len()],
            fleet_teu_per_h,
            costs: Vec::new(),
            probs: Vec::new(),
            candidates: Vec::new(),
        }
    }

    /// Whether estimates are recorded after every event.
    #[inline]
    pub(super) fn records(&self) -> bool {
        self.tracked.iter().any(|(_, d)| *d > 0.0)
    }

    /// Whether some flow decides at `node` (in the scenario or after a dated change).
    #[inline]
    pub(super) fn decides_at(&self, node: NodeId) -> bool {
        self.decides_at[node.index()]
    }
}

impl<'m> Simulation<'m> {
    /// Forgets the previous replication's choices and records the empty corridor at time 0.
    pub(super) fn reset_choice(&mut self, seed: u64, replication: u64) {
        for (rng, flow) in self.choice.decide_rngs.iter_mut().zip(&self.model.flows) {
            *rng = crate::base::rng::stream(seed, replication, flow.choice.decide_stream);
        }
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
            let (span, delay) = self.choice.tracked[k];
            if delay == 0.0 {
                continue;
            }
            let (base, end) = self.route_state(span);
            let history = &mut self.choice.history[k];
            if history
                .back()
                .is_none_or(|&(_, b, e)| b != base || e != end)
            {
                history.push_back((now, base, end));
            }
            // The record in force at `now − delay` is the oldest any later lookup needs.
            let oldest = now - delay;
            while history.len() >= 2 && history[1].0 <= oldest {
                history.pop_front();
            }
        }
    }

    /// The expected time of `span` as seen now: its time without closures and the end (hours)
    /// of the latest closing episode in force on it (0 if none). See the module's estimator.
    fn route_state(&self, span: Span) -> (f64, f64) {
        let model = self.model;
        let route = model.route(span.route);
        let mut time = 0.0;
        let mut closed_until: f64 = 0.0;
        let first = span.served_at.unwrap_or(0);
        for (i, &node) in route.nodes.iter().enumerate().skip(first) {
            // After a service at a decision node, that node is behind: its legs count, not it.
            let counts_node = span.served_at != Some(i);
            let spec = model.node(node);
            let target = &self.targets[node.index()];
            if counts_node && target.departures_closed {
                closed_until = closed_until.max(target.closed_until);
            }
            if counts_node && !spec.pass_through {
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

    /// The expected time of `span` for a flow whose information is `delay_h` old.
    fn seen_estimate(&self, span: Span, delay_h: f64) -> f64 {
        let (seen_at, (base, end)) = if delay_h > 0.0 {
            let seen_at = self.now.hours() - delay_h;
            let k = match span.served_at {
                None => span.route.index(),
                Some(_) => self
                    .choice
                    .tracked
                    .iter()
                    .position(|(s, _)| *s == span)
                    .expect("the remainders a delayed flow reads are recorded"),
            };
            let history = &self.choice.history[k];
            let after = history.partition_point(|r| r.0 <= seen_at);
            let (_, base, end) = history[after.saturating_sub(1)];
            (seen_at.max(0.0), (base, end))
        } else {
            (self.now.hours(), self.route_state(span))
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
            let span = Span {
                route,
                served_at: None,
            };
            costs.push(self.seen_estimate(span, choice.delay_h));
        }
        let routes = flow.routes.iter().map(|(route, _)| *route);
        let last = self.choice.last[i] as usize;
        let keep = (last < flow.routes.len()).then_some(last);
        let k = pick(
            model,
            choice.rule,
            choice.threshold_h,
            &mut costs,
            &mut self.choice.probs,
            routes,
            keep,
            &mut self.choice_rngs[i],
        );
        self.choice.costs = costs;
        self.choice.last[i] = k as u32;
        k
    }

    /// At the end of a service at `node`, where some flow decides: if the consignment's flow
    /// decides there (in the model in force), the route it takes from here (see the module's
    /// semantics). Returns the new route's index in the flow's routes if it changed.
    pub(super) fn decide_again(&mut self, cargo: CargoId, node: NodeId) -> Option<usize> {
        let model = self.model;
        let consignment = self.cargo[cargo.index()];
        let i = consignment.flow.index();
        let flow = &model.flows[i];
        let choice = flow.choice;
        if choice.decide_at != Some(node) || !choice.reads_state() {
            return None;
        }
        let stage = consignment.stage as usize;
        let current = model.route(consignment.route);
        if stage + 1 >= current.nodes.len() {
            // Its route ends here: delivered, nothing to choose.
            return None;
        }
        let prefix = &current.nodes[..=stage];
        let mut candidates = std::mem::take(&mut self.choice.candidates);
        candidates.clear();
        candidates.extend(
            flow.routes
                .iter()
                .enumerate()
                .filter_map(|(k, &(route, _))| {
                    let nodes = &model.route(route).nodes;
                    (nodes.len() > stage + 1 && nodes.starts_with(prefix)).then_some((k, route))
                }),
        );
        if candidates.len() < 2 {
            // No other route shares this one's nodes up to here: no choice, no draw.
            self.choice.candidates = candidates;
            return None;
        }
        let mut costs = std::mem::take(&mut self.choice.costs);
        costs.clear();
        for &(_, route) in &candidates {
            let span = Span {
                route,
                served_at: Some(stage),
            };
            costs.push(self.seen_estimate(span, choice.delay_h));
        }
        let keep = candidates
            .iter()
            .position(|(_, route)| *route == consignment.route);
        let picked = pick(
            model,
            choice.rule,
            choice.threshold_h,
            &mut costs,
            &mut self.choice.probs,
            candidates.iter().map(|(_, route)| *route),
            keep,
            &mut self.choice.decide_rngs[i],
        );
        let (k, route) = candidates[picked];
        self.choice.costs = costs;
        self.choice.candidates = candidates;
        (route != consignment.route).then_some(k)
    }
}

/// The candidate a rule picks among routes `routes` whose estimates (hours) are in `costs`:
/// `shortest_expected` keeps candidate `keep` unless another is shorter by more than
/// `threshold_h`, else the shortest (ties uniformly from `rng`); `logit` draws on the
/// generalised costs (`costs` is overwritten with them).
#[allow(clippy::too_many_arguments)]
fn pick(
    model: &Model,
    rule: ChoiceRule,
    threshold_h: f64,
    costs: &mut [f64],
    probs: &mut Vec<f64>,
    routes: impl Iterator<Item = RouteId>,
    keep: Option<usize>,
    rng: &mut Stream,
) -> usize {
    match rule {
        ChoiceRule::Fixed => unreachable!("a fixed rule reads no estimates"),
        ChoiceRule::ShortestExpected => {
            let best = costs.iter().copied().fold(f64::INFINITY, f64::min);
            if keep
                .and_then(|k| costs.get(k))
                .is_some_and(|&c| c <= best + threshold_h)
            {
                return keep.expect("checked above");
            }
            let tied = costs.iter().filter(|&&c| c == best).count();
            let pick = if tied > 1 {
                rng.random_range(0..tied)
            } else {
                0
            };
            costs
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == best)
                .nth(pick)
                .map_or(0, |(k, _)| k)
        }
        ChoiceRule::Logit {
            scale,
            value_of_time_per_h,
        } => {
            for (cost, route) in costs.iter_mut().zip(routes) {
                *cost = generalised_cost(model, route, value_of_time_per_h, *cost);
            }
            logit_probabilities(costs, scale, probs);
            let u: f64 = rng.random();
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
            pick
        }
    }
}
