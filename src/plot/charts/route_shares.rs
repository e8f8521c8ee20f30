//! Route shares over time: for each flow with more than one route, the share of its TEU that
//! took each route per month of the run, with the disruption windows of the representative
//! replication behind: how route choice moves cargo when a route is disrupted.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BandSeries, ChartResult, TimePanel, axis_dates, change_marks, disruption_windows, panels,
    route_color, time_legend_strip,
};
use crate::plot::data::{Point, ResultSet};
use crate::plot::render::Chart;
use crate::plot::theme::Theme;

/// At most this many flows (one panel each).
const MAX_FLOWS: usize = 6;

/// Route shares per month, per flow with more than one route.
pub(super) struct RouteShares;

impl Chart for RouteShares {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "route_shares".to_string()
    }

    fn title(&self, data: &ResultSet) -> String {
        let flows = data.route_shares.len();
        if flows > MAX_FLOWS {
            format!("Route shares by month (the first {MAX_FLOWS} of {flows} flows)")
        } else {
            "Route shares by month".to_string()
        }
    }

    fn caption(&self) -> &str {
        "For each flow with more than one route, the share of the TEU it generated in each month \
         of the run that took each route (its route choice: fixed shares, shortest expected time \
         or logit), mean over replications with its 95% band, drawn at the month's middle. Grey \
         columns: disruption windows of the representative replication; vertical lines: dated \
         changes. The same values as route_shares_monthly.csv."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !data.route_shares.is_empty()
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
        let flows: Vec<_> = data.route_shares.iter().take(MAX_FLOWS).collect();
        let (windows, window_label) = disruption_windows(data, 24.0);
        let replications = data.report.summary.replications;
        let line = format!("monthly mean of {replications} replications, per route");
        let area = time_legend_strip(area, data, window_label.as_deref(), &line, theme)?;
        for ((flow, routes), panel) in flows.iter().zip(panels(&area, flows.len())) {
            let percent: Vec<(String, Vec<Point>)> = routes
                .iter()
                .map(|(route, points)| {
                    let points = points
                        .iter()
                        // A share's interval is cut to [0, 100] %.
                        .map(|p| Point {
                            mean: 100.0 * p.mean,
                            low: (100.0 * p.low).max(0.0),
                            high: (100.0 * p.high).min(100.0),
                            ..*p
                        })
                        .collect();
                    (route.clone(), points)
                })
                .collect();
            let series: Vec<BandSeries> = percent
                .iter()
                .map(|(route, points)| BandSeries {
                    label: route.clone(),
                    color: route_color(data, route),
                    points,
                })
                .collect();
            TimePanel {
                caption: flow,
                x_desc: "day of the run",
                y_desc: "% of the flow's TEU",
                x_max: data.report.scenario.horizon_days,
                warmup_end: data.report.scenario.warmup_days,
                windows: &windows,
                window_label: window_label.clone(),
                // Shares crowd the top (the main route) and the bottom: the legend sits between.
                legend: Some(SeriesLabelPosition::MiddleRight),
                y_limit: Some(100.0),
                dates: axis_dates(data, 24.0),
                marks: change_marks(data, 24.0),
            }
            .draw(&panel, &series, theme)?;
        }
        Ok(())
    }
}
