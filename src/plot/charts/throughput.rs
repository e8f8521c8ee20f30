//! TEU delivered per week, one panel per route, with the disruption windows of a representative
//! replication behind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BandSeries, ChartResult, TimePanel, panels, route_color};
use crate::plot::data::ResultSet;
use crate::plot::theme::Theme;

const HOURS_PER_WEEK: f64 = 168.0;

pub(super) fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ResultSet,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let routes: Vec<_> = data
        .throughput_weekly
        .iter()
        .filter(|(_, points)| points.iter().any(|p| p.mean > 0.0))
        .collect();
    let representative = data.representative_disruptions();
    let windows: Vec<(f64, f64)> = representative
        .as_ref()
        .map(|(_, spans)| {
            spans
                .iter()
                .map(|(s, e)| (s / HOURS_PER_WEEK, e / HOURS_PER_WEEK))
                .collect()
        })
        .unwrap_or_default();
    let window_label = representative
        .as_ref()
        .map(|(rep, _)| format!("disrupted (replication {rep})"));
    let x_max = data.horizon_h() / HOURS_PER_WEEK;
    let replications = data.report.summary.replications;
    for (i, ((route, points), panel)) in routes.iter().zip(panels(area, routes.len())).enumerate() {
        TimePanel {
            caption: route,
            x_desc: "week of the run",
            y_desc: "TEU per week",
            x_max,
            warmup_end: data.warmup_h() / HOURS_PER_WEEK,
            windows: &windows,
            window_label: window_label.clone(),
            legend: (i == 0).then_some(SeriesLabelPosition::UpperRight),
            y_limit: None,
        }
        .draw(
            &panel,
            &[BandSeries {
                label: format!("mean of {replications} replications, 95% band"),
                color: route_color(data, route),
                points,
            }],
            theme,
        )?;
    }
    Ok(())
}
