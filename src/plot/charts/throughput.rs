//! TEU delivered per week, one panel per route, with the disruption windows of a representative
//! replication behind.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BandSeries, ChartResult, TimePanel, axis_dates, change_marks, chart_routes, disruption_windows,
    panels, route_color, routes_shown, time_legend_strip,
};
use crate::plot::data::ResultSet;
use crate::plot::render::Chart;
use crate::plot::theme::Theme;

/// Routes that delivered anything, with their series.
fn delivering(data: &ResultSet) -> Vec<&(String, Vec<crate::plot::data::Point>)> {
    data.throughput
        .iter()
        .filter(|(_, points)| points.iter().any(|p| p.mean > 0.0))
        .collect()
}

/// TEU delivered per week per route, with the disruption windows of one replication.
pub(super) struct Throughput;

impl Chart for Throughput {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "throughput".to_string()
    }

    fn title(&self, data: &ResultSet) -> String {
        let all = delivering(data);
        let of = all.len();
        format!(
            "Throughput: TEU delivered, by route{}",
            routes_shown(chart_routes(data, all).len(), of)
        )
    }

    fn caption(&self) -> &str {
        "TEU delivered per week (per day for runs shorter than eight weeks), mean over \
         replications with its 95% confidence band. Grey columns: disruption \
         windows of one representative replication (the one whose disrupted time is \
         closest to the median). The light area on the left is the warm-up, excluded from \
         all statistics."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !delivering(data).is_empty()
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
        let period = data.period.hours();
        let x_desc = format!("{} of the run", data.period.name());
        let y_desc = format!("TEU per {}", data.period.name());
        let routes = chart_routes(data, delivering(data));
        let (windows, window_label) = disruption_windows(data, period);
        let x_max = data.horizon_h() / period;
        let replications = data.report.summary.replications;
        let line = format!("mean of {replications} replications");
        let area = time_legend_strip(area, data, window_label.as_deref(), &line, theme)?;
        for ((route, points), panel) in routes.iter().zip(panels(&area, routes.len())) {
            TimePanel {
                caption: route,
                x_desc: &x_desc,
                y_desc: &y_desc,
                x_max,
                warmup_end: data.warmup_h() / period,
                windows: &windows,
                window_label: window_label.clone(),
                legend: None,
                y_limit: None,
                dates: axis_dates(data, period),
                marks: change_marks(data, period),
            }
            .draw(
                &panel,
                &[BandSeries {
                    label: line.clone(),
                    color: route_color(data, route),
                    points,
                }],
                theme,
            )?;
        }
        Ok(())
    }
}
