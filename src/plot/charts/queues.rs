//! TEU on the ground per day at the busiest nodes, with the disruption windows of the
//! representative replication behind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BandSeries, ChartResult, TimePanel, axis_dates, disruption_windows, node_color, panels,
    time_legend_strip,
};
use crate::plot::data::ResultSet;
use crate::plot::render::Chart;
use crate::plot::theme::Theme;
use crate::stats::kpi::Scope;

/// Nodes shown.
const BUSIEST: usize = 4;

/// The nodes shown, busiest first: where cargo queues (for a server or a vehicle), ranked by
/// mean TEU at the node.
fn busiest(data: &ResultSet) -> Vec<(usize, f64)> {
    let summary = &data.report.summary;
    let estimate = |id: &str, kpi| summary.estimate(Scope::Node, id, kpi);
    let nodes = &summary.nodes;
    let mut ranked: Vec<(usize, f64)> = nodes
        .iter()
        .enumerate()
        // Only where cargo queues, for a server or a vehicle: a pure delay (unlimited servers,
        // nothing to wait for) holds boxes in process, not in a queue.
        .filter(|(_, n)| {
            [
                estimate(&n.id, "queue_mean"),
                estimate(&n.id, "dispatch_mean_h"),
            ]
            .iter()
            .any(|e| e.is_some_and(|e| e.mean > 0.0))
        })
        .filter_map(|(i, n)| estimate(&n.id, "yard_mean_teu").map(|e| (i, e.mean)))
        .filter(|(_, teu)| *teu > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(BUSIEST);
    ranked
}

/// TEU on the ground over time at the busiest nodes.
pub(super) struct Queues;

impl Chart for Queues {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "node_queues".to_string()
    }

    fn title(&self, _data: &ResultSet) -> String {
        "Boxes on the ground at the busiest nodes".to_string()
    }

    fn caption(&self) -> &str {
        "Time-average TEU at the node per day (waiting, in service, or waiting for a \
         vehicle), mean over replications with its 95% band, at the four nodes where \
         cargo queues (for a server or a vehicle) that hold the most TEU on average. \
         Grey columns: disruption windows of the representative replication."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !busiest(data).is_empty()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        data: &ResultSet,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let nodes = &data.report.summary.nodes;
        let ranked = busiest(data);
        let (windows, window_label) = disruption_windows(data, 24.0);
        let replications = data.report.summary.replications;
        let line = format!("daily mean of {replications} replications");
        let area = time_legend_strip(area, data, window_label.as_deref(), &line, theme)?;
        for ((index, _), panel) in ranked.iter().zip(panels(&area, ranked.len())) {
            let id = &nodes[*index].id;
            let Some((_, points)) = data.yard_daily.iter().find(|(node, _)| node == id) else {
                continue;
            };
            TimePanel {
                caption: id,
                x_desc: "day of the run",
                y_desc: "TEU at the node",
                x_max: data.report.scenario.horizon_days,
                warmup_end: data.report.scenario.warmup_days,
                windows: &windows,
                window_label: window_label.clone(),
                legend: None,
                y_limit: None,
                dates: axis_dates(data, 24.0),
                marks: Vec::new(),
            }
            .draw(
                &panel,
                &[BandSeries {
                    label: line.clone(),
                    color: node_color(data, id),
                    points,
                }],
                theme,
            )?;
        }
        Ok(())
    }
}
