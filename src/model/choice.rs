//! Route choice: how a flow's consignments pick one of the flow's routes when they arrive
//! (`[flow.choice]`).
//!
//! The rule is part of the model; the state it reads (queues, closures) is the engine's, which
//! computes each route's expected time with the estimator documented in `engine/sim/choice.rs`.
//! What a route costs in money is looked up in one place, [`money_per_teu`]: the route's
//! tariffs along its nodes and legs (`model::cost`).

use super::{Model, NodeId, RouteId};
use crate::base::rng::StreamId;

/// The rule by which a flow's consignments choose among its routes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ChoiceRule {
    /// The route is drawn with the flow's fixed shares (`routes = [{ route, share }]`) from the
    /// flow's `flow/<id>/route` stream: what every flow did before route choice existed.
    Fixed,
    /// The route with the least expected time to destination, given the state seen on arrival.
    ShortestExpected,
    /// A multinomial logit over the routes on generalised cost
    /// `money + value_of_time × expected time`: route `r` is taken with probability
    /// `exp(-scale · g_r) / Σ_s exp(-scale · g_s)`.
    Logit {
        /// Scale parameter, per unit of money (greater than 0; larger is more deterministic).
        scale: f64,
        /// Value of time, money per TEU per hour (at least 0).
        value_of_time_per_h: f64,
    },
}

impl ChoiceRule {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            ChoiceRule::Fixed => "fixed",
            ChoiceRule::ShortestExpected => "shortest_expected",
            ChoiceRule::Logit { .. } => "logit",
        }
    }
}

/// The names of the rules, as a scenario file writes them.
pub const RULE_NAMES: [&str; 3] = ["fixed", "shortest_expected", "logit"];

/// A flow's route choice (`[flow.choice]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    /// The rule.
    pub rule: ChoiceRule,
    /// Information delay, hours: the state a consignment sees is this old (0: the current state).
    pub delay_h: f64,
    /// Switching threshold, hours (`shortest_expected` only): a consignment keeps the route the
    /// flow's previous consignment took unless another route's expected time is shorter by more
    /// than this.
    pub threshold_h: f64,
    /// Stream of the draws of the choice (logit draws and ties), `flow/<id>/choice`: its own, so
    /// that a rule that draws leaves every other process's draws unchanged.
    pub stream: StreamId,
    /// The decision node (`decide_at`), where a consignment chooses again, after its service
    /// there, among the flow's routes that share its route up to that node (`None`: the choice
    /// at the origin only). Never with the `fixed` rule.
    pub decide_at: Option<NodeId>,
    /// Stream of the draws at the decision node, `flow/<id>/decide`: its own, so that adding a
    /// decision node leaves the choices at the origin (and every other draw) unchanged.
    pub decide_stream: StreamId,
}

impl Choice {
    /// The default: fixed shares, no delay, no threshold, no decision node.
    pub fn fixed(stream: StreamId, decide_stream: StreamId) -> Choice {
        Choice {
            rule: ChoiceRule::Fixed,
            delay_h: 0.0,
            threshold_h: 0.0,
            stream,
            decide_at: None,
            decide_stream,
        }
    }

    /// Whether the rule reads the state of the corridor (every rule but `fixed`).
    pub fn reads_state(&self) -> bool {
        self.rule != ChoiceRule::Fixed
    }
}

/// Whether flow `flow` of `model` reports its route choice (the `choice` KPIs, the monthly
/// route shares): it has more than one route and a rule other than `fixed`, in the scenario or
/// after some dated change. Flows with fixed shares report nothing new, so the results of a
/// scenario without `[flow.choice]` are those it had before route choice existed.
pub fn reports_choice(model: &Model, flow: usize) -> bool {
    model.flows[flow].routes.len() > 1
        && std::iter::once(model)
            .chain(model.changes.iter().map(|c| &c.model))
            .any(|m| m.flows[flow].choice.reads_state())
}

/// Whether flow `flow` of `model` has a decision node (`decide_at`), in the scenario or after
/// some dated change: it reports the TEU moved at it (the `rerouted_*` choice KPIs).
pub fn decides(model: &Model, flow: usize) -> bool {
    std::iter::once(model)
        .chain(model.changes.iter().map(|c| &c.model))
        .any(|m| m.flows[flow].choice.decide_at.is_some())
}

/// Money per TEU of taking `route`: the one place the rules look a route's money cost up. It is
/// the route's expected tariff money, [`RouteCost::tariff_per_teu`](super::RouteCost): the
/// route's `cost_per_teu` plus the `cost_per_teu` of its nodes and the `cost_per_teu` and
/// `cost_per_teu_km × distance_km` of its legs. Storage is left out: it depends on the time the
/// consignment will spend at each node, which the choice does not know when it is made (the
/// value of time already charges the expected time); the money KPI counts the storage actually
/// paid. Without declared costs it is the route's `cost_per_teu`, as before costs existed.
pub fn money_per_teu(model: &Model, route: RouteId) -> f64 {
    if model.costs.declared {
        model.costs.route(route).tariff_per_teu
    } else {
        model.route(route).cost_per_teu
    }
}

/// The generalised cost of `route` per TEU for a logit rule: money plus the value of time times
/// the expected time `expected_h`.
pub fn generalised_cost(
    model: &Model,
    route: RouteId,
    value_of_time_per_h: f64,
    expected_h: f64,
) -> f64 {
    let money = money_per_teu(model, route);
    if value_of_time_per_h == 0.0 {
        // Time does not count, even where it is infinite (0 × ∞ would be NaN).
        return money;
    }
    money + value_of_time_per_h * expected_h
}

/// Logit probabilities of costs `costs` with scale `scale`, written into `out` (same length):
/// `exp(-scale · c_r) / Σ exp(-scale · c_s)`, computed relative to the cheapest route so that no
/// exponential overflows. An infinite cost (a route that cannot be estimated) gets 0.
pub fn logit_probabilities(costs: &[f64], scale: f64, out: &mut Vec<f64>) {
    out.clear();
    let min = costs.iter().copied().fold(f64::INFINITY, f64::min);
    if !min.is_finite() {
        // Nothing can be estimated: equal shares.
        out.extend(costs.iter().map(|_| 1.0 / costs.len() as f64));
        return;
    }
    out.extend(costs.iter().map(|c| (-scale * (c - min)).exp()));
    let total: f64 = out.iter().sum();
    for p in out.iter_mut() {
        *p /= total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logit_probabilities_match_the_closed_form_and_never_overflow() {
        let mut p = Vec::new();
        logit_probabilities(&[10.0, 20.0], 0.1, &mut p);
        let e = (-1.0_f64).exp();
        assert!((p[0] - 1.0 / (1.0 + e)).abs() < 1e-15);
        assert!((p[1] - e / (1.0 + e)).abs() < 1e-15);
        logit_probabilities(&[1e6, 1e6 + 1.0, 1e9], 1.0, &mut p);
        assert!(p.iter().all(|x| x.is_finite()));
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert_eq!(p[2], 0.0);
    }
}
