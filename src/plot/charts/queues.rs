//! TEU on the ground per day at the busiest nodes, with the disruption windows of the
//! representative replication behind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BandSeries, ChartResult, TimePanel, node_color, panels};
use crate::plot::data::ResultSet;
use crate::plot::theme::Theme;

/// Nodes shown.
const BUSIEST: usize = 4;

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ResultSet,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let nodes = &data.report.summary.nodes;
    let mut ranked: Vec<(usize, f64)> = nodes
        .iter()
        .enumerate()
        // Only where cargo queues, for a server or a vehicle: a pure delay (unlimited servers,
        // nothing to wait for) holds boxes in process, not in a queue.
        .filter(|(_, n)| {
            [n.queue_mean, n.dispatch_mean_h]
                .iter()
                .any(|e| e.is_some_and(|e| e.mean > 0.0))
        })
        .filter_map(|(i, n)| n.yard_mean_teu.map(|e| (i, e.mean)))
        .filter(|(_, teu)| *teu > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(BUSIEST);
    let representative = data.representative_disruptions();
    let windows: Vec<(f64, f64)> = representative
        .as_ref()
        .map(|(_, spans)| spans.iter().map(|(s, e)| (s / 24.0, e / 24.0)).collect())
        .unwrap_or_default();
    let window_label = representative
        .as_ref()
        .map(|(rep, _)| format!("disrupted (replication {rep})"));
    let replications = data.report.summary.replications;
    for (k, ((index, _), panel)) in ranked.iter().zip(panels(area, ranked.len())).enumerate() {
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
            legend: (k == 0).then_some(SeriesLabelPosition::UpperRight),
            y_limit: None,
        }
        .draw(
            &panel,
            &[BandSeries {
                label: format!("daily mean of {replications} replications, 95% band"),
                color: node_color(data, id),
                points,
            }],
            theme,
        )?;
    }
    Ok(())
}
