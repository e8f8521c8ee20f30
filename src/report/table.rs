//! The human-readable summary printed by `corridor run`.

use std::fmt::Write as _;

use super::headline::{self, Headline};
use super::json::RunReport;
use super::text::pm;
use crate::base::Estimate;
use crate::model::VehicleKind;
use crate::model::capacity::CapacityPeriod;
use crate::stats::Summary;
use crate::stats::kpi::Scope;
use crate::stats::summary::RouteSummary;

/// A left-aligned first column and right-aligned other columns, sized to fit (also the table
/// `corridor calibrate` prints).
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub(crate) fn render(&self, out: &mut String) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String], out: &mut String| {
            let mut text = String::new();
            for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                if i == 0 {
                    let _ = write!(text, "{cell:<width$}");
                } else {
                    let _ = write!(text, "  {cell:>width$}");
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.header, out);
        let total: usize = widths.iter().sum::<usize>() + 2 * (widths.len().saturating_sub(1));
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for row in &self.rows {
            line(row, out);
        }
    }
}

fn mean(estimate: &Option<Estimate>, scale: f64, decimals: usize) -> String {
    estimate.map_or("-".to_string(), |e| {
        format!("{:.decimals$}", e.mean * scale)
    })
}

/// Renders the summary tables of `report`.
pub fn render(report: &RunReport) -> String {
    let summary = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Scenario {}: {} replications, seed {}, statistics over days {:.0}-{:.0} ({:.2} s, {} events)",
        report.scenario.name,
        report.provenance.replications,
        report.provenance.seed,
        report.scenario.warmup_days,
        report.scenario.horizon_days,
        report.provenance.wall_time_s.unwrap_or(0.0),
        summary.events
    );
    out.push_str(&Headline::of(report).render());
    let _ = writeln!(
        out,
        "\nThe tables: values are means over replications ± the half-width of their 95% confidence interval.\n"
    );

    let mut nodes = Table::new(&[
        "node",
        "servers",
        "arrivals/day",
        "utilization %",
        "wait mean h",
        "wait p95 h",
        "blocked h",
        "queue mean",
        "queue max",
        "yard mean TEU",
    ]);
    for node in &summary.nodes {
        nodes.row(vec![
            node.id.clone(),
            node.servers
                .map_or("unlimited".to_string(), |s| s.to_string()),
            pm(
                &summary.estimate(Scope::Node, &node.id, "arrivals_per_day"),
                1.0,
                2,
            ),
            pm(
                &summary.estimate(Scope::Node, &node.id, "utilization"),
                100.0,
                1,
            ),
            pm(
                &summary.estimate(Scope::Node, &node.id, "wait_mean_h"),
                1.0,
                2,
            ),
            mean(
                &summary.estimate(Scope::Node, &node.id, "wait_p95_h"),
                1.0,
                1,
            ),
            mean(
                &summary.estimate(Scope::Node, &node.id, "blocked_mean_h"),
                1.0,
                2,
            ),
            pm(
                &summary.estimate(Scope::Node, &node.id, "queue_mean"),
                1.0,
                2,
            ),
            mean(
                &summary.estimate(Scope::Node, &node.id, "queue_max"),
                1.0,
                1,
            ),
            mean(
                &summary.estimate(Scope::Node, &node.id, "yard_mean_teu"),
                1.0,
                0,
            ),
        ]);
    }
    nodes.render(&mut out);
    let _ = writeln!(out, "({})", headline::NODE_NOTE);
    out.push('\n');

    let mut routes = Table::new(&[
        "route",
        "delivered TEU/yr",
        "throughput TEU/day",
        "transit mean d",
        "p50 d",
        "p95 d",
    ]);
    for route in &summary.routes {
        routes.row(vec![
            route.id.clone(),
            pm(&route.throughput_teu_per_year, 1.0, 0),
            pm(
                &summary.estimate(Scope::Route, &route.id, "throughput_teu_per_day"),
                1.0,
                1,
            ),
            pm(
                &summary.estimate(Scope::Route, &route.id, "transit_mean_h"),
                1.0 / 24.0,
                2,
            ),
            mean(
                &summary.estimate(Scope::Route, &route.id, "transit_p50_h"),
                1.0 / 24.0,
                2,
            ),
            mean(
                &summary.estimate(Scope::Route, &route.id, "transit_p95_h"),
                1.0 / 24.0,
                2,
            ),
        ]);
    }
    routes.render(&mut out);
    for note in headline::route_notes(summary) {
        let _ = writeln!(out, "({note})");
    }

    let promised: Vec<&RouteSummary> = headline::promised_routes(summary).collect();
    if !promised.is_empty() {
        out.push('\n');
        let mut reliability = Table::new(&[
            "route",
            "promise d",
            "on time %",
            "on time % pooled",
            "buffer index",
        ]);
        for route in promised {
            reliability.row(vec![
                route.id.clone(),
                route
                    .promise_h
                    .map_or("-".to_string(), |h| format!("{:.1}", h / 24.0)),
                pm(
                    &summary.estimate(Scope::Route, &route.id, "on_time_share"),
                    100.0,
                    1,
                ),
                route
                    .on_time_share_pooled
                    .map_or("-".to_string(), |share| format!("{:.1}", share * 100.0)),
                pm(
                    &summary.estimate(Scope::Route, &route.id, "buffer_index"),
                    1.0,
                    2,
                ),
            ]);
        }
        reliability.render(&mut out);
        let _ = writeln!(out, "({})", headline::RELIABILITY_NOTE);
    }

    let costed: Vec<&RouteSummary> = headline::costed_routes(summary).collect();
    if !costed.is_empty() {
        out.push('\n');
        let mut header = vec!["route"];
        header.extend(headline::COST_COLUMNS.iter().map(|(h, _)| *h));
        let mut costs = Table::new(&header);
        for route in costed {
            let mut row = vec![route.id.clone()];
            for (_, kpi) in headline::COST_COLUMNS {
                row.push(pm(&summary.estimate(Scope::Cost, &route.id, kpi), 1.0, 1));
            }
            costs.row(row);
        }
        costs.render(&mut out);
        let _ = writeln!(out, "({})", headline::COST_NOTE);
    }

    if !summary.fleets.is_empty() {
        out.push('\n');
        let mut fleets = Table::new(&[
            "fleet",
            "vehicles",
            "departures",
            "TEU/yr",
            "mean load TEU",
            "load factor %",
            "utilization %",
            "cargo wait h",
            "anchorage h",
        ]);
        for fleet in &summary.fleets {
            fleets.row(vec![
                fleet.id.clone(),
                format!(
                    "{} x {} TEU {}",
                    fleet.vehicles,
                    fleet.capacity_teu,
                    match fleet.kind {
                        VehicleKind::Vessel => "vessels",
                        VehicleKind::Train => "trains",
                    }
                ),
                pm(
                    &summary.estimate(Scope::Fleet, &fleet.id, "departures"),
                    1.0,
                    0,
                ),
                pm(
                    &summary.estimate(Scope::Fleet, &fleet.id, "teu_per_year"),
                    1.0,
                    0,
                ),
                mean(
                    &summary.estimate(Scope::Fleet, &fleet.id, "mean_load_teu"),
                    1.0,
                    0,
                ),
                pm(
                    &summary.estimate(Scope::Fleet, &fleet.id, "achieved_load_factor"),
                    100.0,
                    1,
                ),
                pm(
                    &summary.estimate(Scope::Fleet, &fleet.id, "utilization"),
                    100.0,
                    1,
                ),
                pm(
                    &summary.estimate(Scope::Fleet, &fleet.id, "cargo_wait_mean_h"),
                    1.0,
                    1,
                ),
                mean(
                    &summary.estimate(Scope::Fleet, &fleet.id, "berth_wait_mean_h"),
                    1.0,
                    1,
                ),
            ]);
        }
        fleets.render(&mut out);
        let _ = writeln!(
            out,
            "(departures in the statistics window; TEU/yr scaled to a 365-day year; load factor = TEU aboard / capacity; cargo wait = hours a TEU waits aboard or in the yard for its vessel or train to leave; anchorage = hours a vessel waits for a berth)"
        );
    }

    if !summary.targets.is_empty() {
        out.push('\n');
        let mut targets = Table::new(&["disrupted", "closed days", "slowed days"]);
        for target in &summary.targets {
            targets.row(vec![
                format!("{} ({})", target.id, target.kind),
                pm(
                    &summary.estimate(Scope::Target, &target.id, "closed_h"),
                    1.0 / 24.0,
                    1,
                ),
                pm(
                    &summary.estimate(Scope::Target, &target.id, "slowed_h"),
                    1.0 / 24.0,
                    1,
                ),
            ]);
        }
        targets.render(&mut out);
        let _ = writeln!(
            out,
            "(days closed or slowed in the {}-day statistics window)",
            summary.window_days
        );
    }

    if let Some(period) = summary.capacity.last()
        && !period.resources.is_empty()
    {
        out.push('\n');
        render_capacity(period, summary.capacity.len() > 1, &mut out);
    }

    let mut staged = summary
        .routes
        .iter()
        .filter(|r| r.stages.len() > 1)
        .peekable();
    if staged.peek().is_some() {
        let _ = write!(out, "\n{}\n", headline::STAGE_NOTE);
    }
    for route in staged {
        out.push('\n');
        render_stages(summary, route, &mut out);
    }

    out.push('\n');
    let c = &summary.conservation;
    if c.holds_in_every_replication {
        let _ = writeln!(
            out,
            "TEU conservation holds in every replication: generated {} = delivered {} + in system {} + refused {} (all replications, whole runs)",
            c.generated_teu, c.delivered_teu, c.in_system_teu, c.refused_teu
        );
    } else {
        let _ = writeln!(
            out,
            "TEU CONSERVATION FAILED in replications {:?}: this is a bug, please report it",
            c.failed_replications
        );
    }
    out
}

fn render_stages(summary: &Summary, route: &RouteSummary, out: &mut String) {
    let stage_kpi = |index: usize, kpi| summary.stage_estimate(route, index, kpi);
    let _ = writeln!(
        out,
        "Where the hours go on route {} (mean hours per TEU):",
        route.id
    );
    let total: f64 = route
        .stages
        .iter()
        .enumerate()
        .map(|(i, _)| {
            Scope::Stage
                .kpi_names()
                .into_iter()
                .filter_map(|kpi| stage_kpi(i, kpi))
                .map(|e| e.mean)
                .sum::<f64>()
        })
        .sum();
    let mut table = Table::new(&[
        "stage",
        "wait h",
        "service/travel h",
        "blocked h",
        "vehicle wait h",
        "share %",
    ]);
    for (i, stage) in route.stages.iter().enumerate() {
        let stage_total: f64 = Scope::Stage
            .kpi_names()
            .into_iter()
            .filter_map(|kpi| stage_kpi(i, kpi))
            .map(|e| e.mean)
            .sum();
        let label = if stage.kind == "leg" {
            format!("  {} (leg)", stage.id)
        } else {
            stage.id.clone()
        };
        table.row(vec![
            label,
            if stage.kind == "leg" {
                "".into()
            } else {
                mean(&stage_kpi(i, "wait_h"), 1.0, 2)
            },
            mean(&stage_kpi(i, "service_h"), 1.0, 2),
            if stage.kind == "leg" {
                "".into()
            } else {
                mean(&stage_kpi(i, "blocked_h"), 1.0, 2)
            },
            if stage.kind == "leg" {
                "".into()
            } else {
                mean(&stage_kpi(i, "dispatch_h"), 1.0, 2)
            },
            if total > 0.0 {
                format!("{:.1}", 100.0 * stage_total / total)
            } else {
                "-".into()
            },
        ]);
    }
    table.render(out);
    if let Some(transit) = summary.estimate(Scope::Route, &route.id, "transit_mean_h") {
        let _ = writeln!(
            out,
            "(the stages add up to {total:.1} h; the route's mean transit is {:.1} h)",
            transit.mean
        );
    }
}

/// Renders how precision mode went.
pub fn render_precision(precision: &crate::experiment::PrecisionReport) -> String {
    let mut out = String::new();
    let batches: Vec<String> = precision
        .batch_totals
        .iter()
        .map(|n| n.to_string())
        .collect();
    let _ = writeln!(
        out,
        "Precision mode: target 95% CI half-width <= {:.2}% of the mean; {} after {} replications (batch totals {}, cap {}).",
        100.0 * precision.target_relative_half_width,
        if precision.achieved {
            "reached"
        } else {
            "NOT reached"
        },
        precision.replications_used,
        batches.join(", "),
        precision.max_replications
    );
    let mut table = Table::new(&["main KPI", "mean", "CI half-width % of mean"]);
    for kpi in &precision.kpis {
        table.row(vec![
            kpi.kpi.clone(),
            format!("{:.2}", kpi.mean),
            kpi.relative_half_width
                .map_or("-".into(), |r| format!("{:.2}", 100.0 * r)),
        ]);
    }
    table.render(&mut out);
    out
}

/// The nominal capacity table of one period (`model::capacity`), and per binding resource the
/// routes it binds first.
fn render_capacity(period: &CapacityPeriod, last_of_several: bool, out: &mut String) {
    let mut table = Table::new(&[
        "capacity",
        "TEU/yr",
        "demand TEU/yr",
        "utilization %",
        "saturates at demand x",
    ]);
    for r in &period.resources {
        table.row(vec![
            format!("{} ({})", r.id, r.kind),
            format!("{:.0}", r.capacity_teu_per_year),
            format!("{:.0}", r.demand_teu_per_year),
            r.utilization
                .map_or_else(|| "-".to_string(), |u| format!("{:.0}", 100.0 * u)),
            r.saturates_at_demand_x
                .map_or_else(|| "-".to_string(), |x| format!("{x:.2}")),
        ]);
    }
    table.render(out);
    let mut binding: Vec<(&(String, String), Vec<&str>)> = Vec::new();
    for route in &period.routes {
        if let Some(b) = &route.binding {
            match binding.iter_mut().find(|(k, _)| *k == b) {
                Some((_, routes)) => routes.push(&route.route),
                None => binding.push((b, vec![&route.route])),
            }
        }
    }
    for ((kind, id), routes) in binding {
        let _ = writeln!(out, "binds first: {id} ({kind}) on {}", routes.join(", "));
    }
    let when = if last_of_several {
        format!(
            "for days {:.0}-{:.0}, the last period of the run; capacity.csv has every period",
            period.from_day, period.to_day
        )
    } else {
        "over the run".to_string()
    };
    let _ = writeln!(
        out,
        "(nominal capacity from the scenario alone, {when}: servers or vehicles over the mean service or round trip, less closures and breakdowns; an approximation from means, see docs/scenario.md; `corridor capacity` finds it by simulation)"
    );
}
