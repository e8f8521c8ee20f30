//! `[flow.choice]`: the rule by which a flow's consignments choose among its routes, and its
//! parameters (see `model::choice` and docs/scenario.md, "Route choice").

use toml::Spanned;

use super::common::{Ids, resolve_node, span_of};
use crate::base::number::compact;
use crate::base::rng::StreamId;
use crate::model::choice::RULE_NAMES;
use crate::model::{Choice, ChoiceRule, Model, NodeId};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{ChoiceSpec, FlowSpec};

/// The longest information delay or switching threshold accepted, hours (ten years: longer
/// than any horizon worth simulating with a reacting demand, and far inside `SimTime`).
pub(super) const MAX_CHOICE_H: f64 = 10.0 * 365.0 * 24.0;

/// The largest logit scale or value of time accepted: beyond, `scale · cost` overflows no
/// sooner, but such values are typing mistakes.
const MAX_LOGIT_PARAMETER: f64 = 1e12;

/// The choice of flow `id` (its streams are `flow/<id>/choice` and `flow/<id>/decide`): fixed
/// shares without a `[flow.choice]` table. `None` if something was reported. Whether a decision
/// node offers the flow a choice is checked once the routes are known
/// ([`check_decision_nodes`]).
pub(super) fn compile_choice(
    spec: Option<&Spanned<ChoiceSpec>>,
    id: &str,
    path: &str,
    node_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> Option<Choice> {
    let stream = StreamId::from_name(&format!("flow/{id}/choice"));
    let decide_stream = StreamId::from_name(&format!("flow/{id}/decide"));
    let Some(spec) = spec else {
        return Some(Choice::fixed(stream, decide_stream));
    };
    let path = format!("{path}.choice");
    let table = spec.get_ref();
    let rule_name = table
        .rule
        .as_ref()
        .map_or("fixed", |r| r.get_ref().as_str());
    let mut ok = true;
    if !RULE_NAMES.contains(&rule_name) {
        let rule = table.rule.as_ref().expect("an unknown rule was written");
        let nearest = crate::scenario::error::nearest(rule_name, RULE_NAMES, 1);
        let hint = nearest
            .first()
            .map_or(String::new(), |n| format!(" (did you mean \"{n}\"?)"));
        diags.push(
            span_of(rule),
            format!("{path}.rule"),
            format!(
                "unknown rule \"{rule_name}\"{hint}; allowed: \"fixed\" (the shares), \
                 \"shortest_expected\", \"logit\""
            ),
        );
        return None;
    }
    let logit = rule_name == "logit";
    // Parameters of another rule are mistakes, not silently ignored values.
    let only_for = |value: Option<&Spanned<f64>>,
                    key: &str,
                    allowed: bool,
                    rules: &str,
                    diags: &mut Diagnostics<'_>| {
        if let (Some(value), false) = (value, allowed) {
            diags.push(
                span_of(value),
                format!("{path}.{key}"),
                format!("applies to rule = {rules} only, not to rule = \"{rule_name}\""),
            );
            return false;
        }
        true
    };
    ok &= only_for(table.scale.as_ref(), "scale", logit, "\"logit\"", diags);
    ok &= only_for(
        table.value_of_time_per_teu_day.as_ref(),
        "value_of_time_per_teu_day",
        logit,
        "\"logit\"",
        diags,
    );
    ok &= only_for(
        table.threshold_h.as_ref(),
        "threshold_h",
        rule_name == "shortest_expected",
        "\"shortest_expected\"",
        diags,
    );
    ok &= only_for(
        table.delay_h.as_ref(),
        "delay_h",
        rule_name != "fixed",
        "\"shortest_expected\" or \"logit\"",
        diags,
    );
    let hours = |value: Option<&Spanned<f64>>, key: &str, diags: &mut Diagnostics<'_>| {
        let Some(value) = value else {
            return Some(0.0);
        };
        let h = *value.get_ref();
        if h.is_finite() && (0.0..=MAX_CHOICE_H).contains(&h) {
            return Some(h);
        }
        diags.push(
            span_of(value),
            format!("{path}.{key}"),
            format!(
                "must be a number of hours from 0 to {} (ten years), got {}",
                compact(MAX_CHOICE_H),
                compact(h)
            ),
        );
        None
    };
    let decide_at = match &table.decide_at {
        None => Some(None),
        Some(name) if rule_name == "fixed" => {
            diags.push(
                span_of(name),
                format!("{path}.decide_at"),
                "applies to rule = \"shortest_expected\" or \"logit\" only, not to rule = \
                 \"fixed\" (the shares are drawn once, at the origin)",
            );
            None
        }
        Some(name) => resolve_node(name, node_ids, &format!("{path}.decide_at"), diags)
            .map(|node| Some(NodeId(node))),
    };
    let delay_h = hours(table.delay_h.as_ref(), "delay_h", diags);
    let threshold_h = hours(table.threshold_h.as_ref(), "threshold_h", diags);
    let rule = match rule_name {
        "fixed" => Some(ChoiceRule::Fixed),
        "shortest_expected" => Some(ChoiceRule::ShortestExpected),
        _ => logit_rule(table, spec, &path, diags),
    };
    let (rule, delay_h, threshold_h, decide_at) = (rule?, delay_h?, threshold_h?, decide_at?);
    ok.then_some(Choice {
        rule,
        delay_h,
        threshold_h,
        stream,
        decide_at,
        decide_stream,
    })
}

/// Checks that the decision node of every flow that has one offers a choice: some route of the
/// flow passes it before its last node, and another route of the flow shares that route's nodes
/// up to the decision node (and so its legs) and goes on differently.
pub(super) fn check_decision_nodes(model: &Model, specs: &[FlowSpec], diags: &mut Diagnostics<'_>) {
    for (flow, spec) in model.flows.iter().zip(specs) {
        let Some(node) = flow.choice.decide_at else {
            continue;
        };
        let name = spec
            .choice
            .as_ref()
            .and_then(|c| c.get_ref().decide_at.as_ref())
            .expect("a decision node was written");
        let prefixes: Vec<&[NodeId]> = flow
            .routes
            .iter()
            .filter_map(|(route, _)| {
                let nodes = &model.route(*route).nodes;
                let at = nodes.iter().position(|n| *n == node)?;
                (at + 1 < nodes.len()).then(|| &nodes[..=at])
            })
            .collect();
        let offers_choice = prefixes
            .iter()
            .enumerate()
            .any(|(i, a)| prefixes[i + 1..].contains(a));
        if !offers_choice {
            let routes: Vec<String> = flow
                .routes
                .iter()
                .map(|(route, _)| format!("\"{}\"", model.route(*route).id))
                .collect();
            diags.push(
                span_of(name),
                format!("flow \"{}\".choice.decide_at", flow.id),
                format!(
                    "node \"{}\" offers the flow no choice: no two of its routes ({}) pass it \
                     before their last node with the same nodes up to it; allowed: a node where \
                     two of the flow's routes part",
                    name.get_ref(),
                    routes.join(", ")
                ),
            );
        }
    }
}

/// A logit rule: `scale` greater than 0 (required), `value_of_time_per_teu_day` at least 0
/// (default 0: money only).
fn logit_rule(
    table: &ChoiceSpec,
    spec: &Spanned<ChoiceSpec>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<ChoiceRule> {
    let scale = match &table.scale {
        None => {
            diags.push(
                span_of(spec),
                format!("{path}.scale"),
                "is required with rule = \"logit\": the logit scale per unit of money (greater \
                 than 0; larger makes the cheapest route more certain)",
            );
            None
        }
        Some(value) => {
            let scale = *value.get_ref();
            if scale.is_finite() && scale > 0.0 && scale <= MAX_LOGIT_PARAMETER {
                Some(scale)
            } else {
                diags.push(
                    span_of(value),
                    format!("{path}.scale"),
                    format!(
                        "must be greater than 0 and at most {} (per unit of money), got {}",
                        compact(MAX_LOGIT_PARAMETER),
                        compact(scale)
                    ),
                );
                None
            }
        }
    };
    let value_of_time = match &table.value_of_time_per_teu_day {
        None => Some(0.0),
        Some(value) => {
            let v = *value.get_ref();
            if v.is_finite() && (0.0..=MAX_LOGIT_PARAMETER).contains(&v) {
                Some(v)
            } else {
                diags.push(
                    span_of(value),
                    format!("{path}.value_of_time_per_teu_day"),
                    format!(
                        "must be from 0 to {} (money per TEU per day), got {}",
                        compact(MAX_LOGIT_PARAMETER),
                        compact(v)
                    ),
                );
                None
            }
        }
    };
    Some(ChoiceRule::Logit {
        scale: scale?,
        value_of_time_per_h: value_of_time? / crate::base::time::HOURS_PER_DAY,
    })
}
