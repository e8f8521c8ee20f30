//! The headline summary that opens the terminal output of `corridor run` (and `merge`) and
//! `report.html`: a few sentences a planner can quote, each number with its unit and its 95%
//! confidence interval, and the notes that explain the tables' units and their odd-looking rows.
//! Written once here, from a [`RunReport`] alone (so `corridor plot` redraws it from
//! `summary.json`), and shown by both the terminal tables and the report.

use super::json::RunReport;
use super::text::pm;
use crate::base::Estimate;
use crate::base::number::compact;
use crate::model::VehicleKind;
use crate::stats::Summary;
use crate::stats::kpi::Scope;
use crate::stats::summary::{NodeSummary, RouteSummary};

/// A route with fewer nodes than this is background traffic in the headline's eyes (cargo that
/// only competes for one node's servers or one fleet's vessels), never a main route.
pub const MAIN_ROUTE_MIN_NODES: usize = 3;

/// The headline: a title line and its points, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    /// What was run, with the statistics window.
    pub title: String,
    /// One sentence each: the main routes, the busiest node, the binding resource, the
    /// disruptions.
    pub points: Vec<String>,
}

impl Headline {
    /// The headline of `report`.
    pub fn of(report: &RunReport) -> Headline {
        let summary = &report.summary;
        let title = format!(
            "Headline: {}, {} replications (seed {}); statistics over days {:.0}-{:.0} ({} days); ± is the 95% confidence half-width",
            report.scenario.name,
            summary.replications,
            report.provenance.seed,
            report.scenario.warmup_days,
            report.scenario.horizon_days,
            days(summary.window_days),
        );
        let mut points = Vec::new();
        let main = main_routes(summary);
        if !main.is_empty() {
            points.push(
                "Main routes (the busiest route to each destination, of three or more nodes): \
                 transit from entering the first node to delivery, throughput in TEU delivered a day"
                    .to_string(),
            );
            for route in main {
                points.push(format!(
                    "  {}: transit {} d (median {} d, p95 {} d), {} TEU/day{}",
                    route.id,
                    pm(
                        &est(summary, Scope::Route, &route.id, "transit_mean_h"),
                        1.0 / 24.0,
                        1
                    ),
                    mean(
                        &est(summary, Scope::Route, &route.id, "transit_p50_h"),
                        1.0 / 24.0,
                        1
                    ),
                    mean(
                        &est(summary, Scope::Route, &route.id, "transit_p95_h"),
                        1.0 / 24.0,
                        1
                    ),
                    pm(
                        &est(summary, Scope::Route, &route.id, "throughput_teu_per_day"),
                        1.0,
                        1
                    ),
                    on_time(summary, route),
                ));
            }
        }
        if let Some((node, teu)) = busiest_node(summary) {
            points.push(format!(
                "Busiest node: {} ({}), about {} TEU a day delivered on the routes through it",
                node.id,
                node.name,
                format_teu(teu),
            ));
        }
        if let Some((what, utilization)) = binding_resource(summary) {
            points.push(format!(
                "Binding resource (highest utilization): {what}: {} %",
                pm(&Some(utilization), 100.0, 1),
            ));
        }
        points.extend(disruption_points(summary));
        Headline { title, points }
    }

    /// The headline as terminal text: the title, then one indented line per point.
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.title);
        for point in &self.points {
            if let Some(rest) = point.strip_prefix("  ") {
                out.push_str(&format!("      {rest}\n"));
            } else {
                out.push_str(&format!("  - {point}\n"));
            }
        }
        out
    }
}

/// What a main route's headline line adds when the route has a promise: the on-time share with
/// its interval (empty without a promise).
fn on_time(summary: &Summary, route: &RouteSummary) -> String {
    let Some(promise_h) = route.promise_h else {
        return String::new();
    };
    format!(
        ", {} % on time (within the promised {} d)",
        pm(
            &est(summary, Scope::Route, &route.id, "on_time_share"),
            100.0,
            1
        ),
        compact(promise_h / 24.0)
    )
}

/// The routes with a promised transit (`promise_days`), in scenario order: the rows of the
/// reliability tables.
pub(crate) fn promised_routes(summary: &Summary) -> impl Iterator<Item = &RouteSummary> {
    summary.routes.iter().filter(|r| r.promise_h.is_some())
}

/// The note under the reliability tables.
pub const RELIABILITY_NOTE: &str = "On time: the share of the TEU delivered in the statistics window whose transit (from generation to delivery) was at most the route's promise, per replication with its 95% interval, and over all replications pooled (TEU-weighted). Buffer index: (95th percentile - mean) / mean of the transit, the extra time, as a share of the mean, to allow for arriving on time 19 times in 20.";

/// The routes with cost KPIs (a scenario that declares costs), in scenario order: the rows of
/// the cost tables.
pub(crate) fn costed_routes(summary: &Summary) -> impl Iterator<Item = &RouteSummary> {
    summary
        .routes
        .iter()
        .filter(|r| summary.kpi(Scope::Cost, &r.id, "money_per_teu").is_some())
}

/// The columns of the cost tables: header, cost KPI, and the scale of its value.
pub(crate) const COST_COLUMNS: [(&str, &str); 5] = [
    ("money /TEU", "money_per_teu"),
    ("of which storage", "storage_per_teu"),
    ("CO2 kg/TEU", "co2_kg_per_teu"),
    ("time cost /TEU", "time_cost_per_teu"),
    ("generalised /TEU", "generalised_cost_per_teu"),
];

/// The note under the cost tables.
pub const COST_NOTE: &str = "Per TEU delivered in the statistics window, in the scenario's currency, each with its 95% interval over replications. Money: the route's, its nodes' and its legs' tariffs plus the storage paid for time at a node beyond its free time. CO2: emission factor times distance over the legs. Time cost: the value of time times the mean transit. Generalised: money plus time cost.";

/// Notes under the route table: what `delivered TEU/yr` is, and what the routes of one or two
/// nodes are (their short "transit" looks like a bug otherwise).
pub fn route_notes(summary: &Summary) -> Vec<String> {
    let mut notes = vec![format!(
        "delivered TEU/yr is the TEU delivered in the {}-day statistics window scaled to a 365-day year; transit is from entering the route's first node to delivery at its last.",
        days(summary.window_days)
    )];
    let short: Vec<&str> = summary
        .routes
        .iter()
        .filter(|r| r.nodes.len() < MAIN_ROUTE_MIN_NODES)
        .map(|r| r.id.as_str())
        .collect();
    if !short.is_empty() {
        notes.push(format!(
            "{}: routes of one or two nodes; they carry other traffic that shares those nodes' servers or fleets with the main routes, and their transit covers only those nodes.",
            short.join(", ")
        ));
    }
    notes
}

/// The note under the node table: the units of its columns.
pub const NODE_NOTE: &str = "arrivals/day, queue mean and queue max count consignments (a block train or a single container, as its flow arrives), not TEU; waits, service and blocked times are hours per consignment; yard mean is TEU on the ground.";

/// The note that explains why a route's stages add up to about, not exactly, its mean transit.
pub const STAGE_NOTE: &str = "Each stage's mean is over the TEU that finished that stage in the statistics window; the route's mean transit is over the TEU delivered in it. Cargo on its way at the window's start or end falls in some stages and not in the transit, so the stages add up to about, not exactly, the mean transit (exactly when all cargo is delivered inside the window).";

/// A route as [`main_route_ids`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct RouteCandidate<'a> {
    /// The route's id.
    pub id: &'a str,
    /// How many nodes it visits.
    pub nodes: usize,
    /// Its last node (any key that is equal for equal nodes).
    pub destination: u32,
    /// Its mean throughput, TEU a day.
    pub throughput: f64,
}

/// The main routes among `routes` (in their order): among the routes of at least
/// [`MAIN_ROUTE_MIN_NODES`] nodes that delivered anything, the busiest to each destination (ties
/// go to the earlier route), in the order given. Without such routes, every route that delivered.
pub fn main_route_ids<'a>(routes: &[RouteCandidate<'a>]) -> Vec<&'a str> {
    let delivered: Vec<&RouteCandidate<'a>> =
        routes.iter().filter(|r| r.throughput > 0.0).collect();
    let long: Vec<&RouteCandidate<'a>> = delivered
        .iter()
        .copied()
        .filter(|r| r.nodes >= MAIN_ROUTE_MIN_NODES)
        .collect();
    if long.is_empty() {
        return delivered.iter().map(|r| r.id).collect();
    }
    let mut best: Vec<&RouteCandidate<'a>> = Vec::new();
    for route in long {
        match best.iter_mut().find(|b| b.destination == route.destination) {
            Some(b) if route.throughput > b.throughput => *b = route,
            Some(_) => {}
            None => best.push(route),
        }
    }
    routes
        .iter()
        .filter(|r| best.iter().any(|b| b.id == r.id))
        .map(|r| r.id)
        .collect()
}

/// The routes the headline quotes ([`main_route_ids`]), in scenario order.
fn main_routes(summary: &Summary) -> Vec<&RouteSummary> {
    let throughput = |r: &RouteSummary| {
        est(summary, Scope::Route, &r.id, "throughput_teu_per_day").map_or(0.0, |e| e.mean)
    };
    // Destinations keyed by their position among the summary's nodes.
    let destination = |r: &RouteSummary| {
        r.nodes
            .last()
            .and_then(|last| summary.nodes.iter().position(|n| &n.id == last))
            .map_or(u32::MAX, |i| i as u32)
    };
    let candidates: Vec<RouteCandidate<'_>> = summary
        .routes
        .iter()
        .map(|r| RouteCandidate {
            id: &r.id,
            nodes: r.nodes.len(),
            destination: destination(r),
            throughput: throughput(r),
        })
        .collect();
    let main = main_route_ids(&candidates);
    summary
        .routes
        .iter()
        .filter(|r| main.contains(&r.id.as_str()))
        .collect()
}

/// The node with the most TEU a day delivered on the routes that visit it (the sum of those
/// routes' mean throughputs), with that sum.
fn busiest_node(summary: &Summary) -> Option<(&NodeSummary, f64)> {
    summary
        .nodes
        .iter()
        .map(|node| {
            let teu: f64 = summary
                .routes
                .iter()
                .filter(|r| r.nodes.contains(&node.id))
                .filter_map(|r| est(summary, Scope::Route, &r.id, "throughput_teu_per_day"))
                .map(|e| e.mean)
                .sum();
            (node, teu)
        })
        .filter(|(_, teu)| *teu > 0.0)
        .fold(
            None,
            |best: Option<(&NodeSummary, f64)>, (node, teu)| match best {
                Some((_, most)) if most >= teu => best,
                _ => Some((node, teu)),
            },
        )
}

/// TEU a day, to three significant figures or whole TEU.
fn format_teu(teu: f64) -> String {
    if teu >= 100.0 {
        format!("{teu:.0}")
    } else if teu >= 10.0 {
        format!("{teu:.1}")
    } else {
        format!("{teu:.2}")
    }
}

/// The node (with servers) or fleet with the highest mean utilization, described.
fn binding_resource(summary: &Summary) -> Option<(String, Estimate)> {
    let nodes = summary
        .nodes
        .iter()
        .filter(|n| n.servers.is_some())
        .filter_map(|n| {
            let u = est(summary, Scope::Node, &n.id, "utilization")?;
            Some((
                format!(
                    "node {} ({} servers, share of server time busy)",
                    n.id,
                    n.servers.unwrap_or_default()
                ),
                u,
            ))
        });
    let fleets = summary.fleets.iter().filter_map(|f| {
        let u = est(summary, Scope::Fleet, &f.id, "utilization")?;
        Some((
            format!(
                "fleet {} ({} {}, share of time away from home)",
                f.id,
                f.vehicles,
                match f.kind {
                    VehicleKind::Vessel => "vessels",
                    VehicleKind::Train => "trains",
                }
            ),
            u,
        ))
    });
    nodes
        .chain(fleets)
        .max_by(|a, b| a.1.mean.total_cmp(&b.1.mean))
}

/// One point per group of disruption targets closed (or slowed) alike: the days in the window.
fn disruption_points(summary: &Summary) -> Vec<String> {
    // Targets with the same closed and slowed estimates (one disruption closing several places
    // at once) share a line.
    let mut groups: Vec<(Option<Estimate>, Option<Estimate>, Vec<String>)> = Vec::new();
    for target in &summary.targets {
        let closed = est(summary, Scope::Target, &target.id, "closed_h");
        let slowed = est(summary, Scope::Target, &target.id, "slowed_h");
        let name = format!("{} ({})", target.id, target.kind);
        match groups
            .iter_mut()
            .find(|(c, s, _)| *c == closed && *s == slowed)
        {
            Some(group) => group.2.push(name),
            None => groups.push((closed, slowed, vec![name])),
        }
    }
    groups
        .into_iter()
        .map(|(closed, slowed, names)| {
            let mut text = format!(
                "Disruptions: {} closed {} days of the {}-day window",
                names.join(", "),
                pm(&closed, 1.0 / 24.0, 1),
                days(summary.window_days)
            );
            if slowed.is_some_and(|s| s.mean > 0.0) {
                text.push_str(&format!(", slowed {} days", pm(&slowed, 1.0 / 24.0, 1)));
            }
            text
        })
        .collect()
}

fn est(summary: &Summary, scope: Scope, entity: &str, kpi: &str) -> Option<Estimate> {
    summary.estimate(scope, entity, kpi)
}

fn mean(estimate: &Option<Estimate>, scale: f64, decimals: usize) -> String {
    estimate.map_or("-".to_string(), |e| {
        format!("{:.decimals$}", e.mean * scale)
    })
}

/// A number of days: whole when it is whole, else with two decimals.
fn days(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
