//! The headline KPIs by calendar year (runs whose window spans more than one year): per route,
//! throughput, mean and 95th-percentile transit against the year, each year's mean over
//! replications with its 95% confidence interval as an error bar.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{chart_routes_with, format_number, nice_max, panels, route_color, routes_shown};
use crate::base::Estimate;
use crate::plot::data::ResultSet;
use crate::plot::render::{Chart, ChartResult};
use crate::plot::theme::{FONT, INK, Theme};
use crate::stats::kpi::Scope;

/// The KPIs drawn, with their axis labels.
const KPIS: [(&str, &str); 3] = [
    ("throughput_teu_per_day", "TEU per day"),
    ("transit_mean_h", "mean transit, h"),
    ("transit_p95_h", "p95 transit, h"),
];

/// The caption of the panel of `route`'s `kpi` (what the chart read-back finds it by).
pub(crate) fn panel_caption(route: &str, kpi: &str) -> String {
    format!("{route}: {kpi}")
}

/// One panel: the route, the KPI, its axis label and `(year, estimate)` for every year.
type Series = (String, &'static str, &'static str, Vec<(i32, Estimate)>);

/// The routes that delivered in some year (in scenario order), as `(id, ())`.
fn delivering(data: &ResultSet) -> Vec<(String, ())> {
    let yearly = &data.report.summary.yearly;
    data.report
        .summary
        .routes
        .iter()
        .filter(|route| {
            yearly.iter().any(|y| {
                y.kpis.iter().any(|k| {
                    k.scope == Scope::Route
                        && k.entity == route.id
                        && k.kpi == "delivered_teu"
                        && k.estimate.is_some_and(|e| e.mean > 0.0)
                })
            })
        })
        .map(|route| (route.id.clone(), ()))
        .collect()
}

/// Per route drawn (the busiest, as in every per-route chart, with [`KPIS`] panels each), per
/// KPI, its series.
fn series(data: &ResultSet) -> Vec<Series> {
    let yearly = &data.report.summary.yearly;
    let all = delivering(data);
    let mut out = Vec::new();
    for (route, ()) in chart_routes_with(data, all.iter().collect(), KPIS.len()) {
        for (kpi, unit) in KPIS {
            let points = yearly
                .iter()
                .filter_map(|y| {
                    let k = y
                        .kpis
                        .iter()
                        .find(|k| k.scope == Scope::Route && &k.entity == route && k.kpi == kpi)?;
                    Some((y.year, k.estimate?))
                })
                .collect();
            out.push((route.clone(), kpi, unit, points));
        }
    }
    out
}

/// Headline KPIs of each route by calendar year with 95% CIs.
pub(super) struct Yearly;

impl Chart for Yearly {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "yearly".to_string()
    }

    fn title(&self, data: &ResultSet) -> String {
        let all = delivering(data);
        let shown = chart_routes_with(data, all.iter().collect(), KPIS.len()).len();
        format!(
            "By calendar year: throughput and transit, by route{}",
            routes_shown(shown, all.len())
        )
    }

    fn caption(&self) -> &str {
        "Each calendar year of the statistics window (a partial first or last year over its \
         days only): the mean over replications of the route's throughput, mean and 95th \
         percentile transit time, with the 95% confidence interval as a bar. The same values \
         as yearly.csv."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !series(data).is_empty()
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
        let all = series(data);
        for ((route, kpi, unit, points), panel) in all.iter().zip(panels(area, all.len())) {
            let (Some(first), Some(last)) = (points.first(), points.last()) else {
                continue;
            };
            let (x0, x1) = (f64::from(first.0) - 0.5, f64::from(last.0) + 0.5);
            let top = points
                .iter()
                .map(|(_, e)| e.high().unwrap_or(e.mean))
                .fold(0.0, f64::max);
            let y_max = nice_max(top * 1.05);
            let mut chart = ChartBuilder::on(&panel)
                .caption(
                    panel_caption(route, kpi),
                    (FONT, theme.caption()).into_font().color(&INK),
                )
                .margin(theme.px(8.0))
                .x_label_area_size(theme.px(36.0))
                .y_label_area_size(theme.px(92.0))
                .build_cartesian_2d(x0..x1, 0.0..y_max)?;
            chart
                .configure_mesh()
                .y_desc(*unit)
                .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
                .label_style((FONT, theme.label()).into_font().color(&INK))
                .x_labels(points.len() + 1)
                .y_labels(5)
                .x_label_formatter(&|v| {
                    if (v - v.round()).abs() < 1e-9 {
                        format!("{v:.0}")
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|v| format_number(*v))
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(225, 225, 225))
                .draw()?;
            let color = route_color(data, route);
            chart.draw_series(LineSeries::new(
                points.iter().map(|(year, e)| (f64::from(*year), e.mean)),
                color.stroke_width(theme.line()),
            ))?;
            // The 95% CI of each year: a vertical bar with caps a tenth of a year wide.
            let bar = INK.stroke_width(theme.px(1.5));
            for (year, e) in points {
                let (Some(low), Some(high)) = (e.low(), e.high()) else {
                    continue;
                };
                let x = f64::from(*year);
                let low = low.max(0.0);
                chart.draw_series(
                    [
                        vec![(x, low), (x, high)],
                        vec![(x - 0.05, low), (x + 0.05, low)],
                        vec![(x - 0.05, high), (x + 0.05, high)],
                    ]
                    .into_iter()
                    .map(|path| PathElement::new(path, bar)),
                )?;
            }
        }
        Ok(())
    }
}
