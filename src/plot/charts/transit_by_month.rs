//! Transit time by calendar month of departure, per route: the pooled median and 95th
//! percentile of the end-to-end time of the cargo generated in each month, with the route's
//! promise (if it has one) as a dashed line: how reliable the route is through the year.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    Swatch, category_label, chart_routes, format_number, legend_strip, nice_max, panels,
    routes_shown,
};
use crate::plot::data::{MonthTransit, ResultSet};
use crate::plot::render::{Chart, ChartResult};
use crate::plot::theme::{FONT, INK, Theme};

/// Month labels, January first.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Colour of the 95th percentile (as in the transit-time chart).
const P95: RGBColor = RGBColor(200, 30, 30);

/// Colour of the promise line.
const PROMISE: RGBColor = RGBColor(90, 90, 90);

/// Routes with a delivery in some month, with their months.
fn charted(data: &ResultSet) -> Vec<&(String, Vec<MonthTransit>)> {
    data.transit_by_month
        .iter()
        .filter(|(_, months)| months.iter().any(|m| m.teu > 0))
        .collect()
}

/// The promised transit of `route`, hours, if it has one.
fn promise_h(data: &ResultSet, route: &str) -> Option<f64> {
    data.report
        .summary
        .routes
        .iter()
        .find(|r| r.id == route)
        .and_then(|r| r.promise_h)
}

/// Median and 95th percentile transit by month of departure, per route.
pub(super) struct TransitByMonth;

impl Chart for TransitByMonth {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "transit_by_month".to_string()
    }

    fn title(&self, data: &ResultSet) -> String {
        let all = charted(data);
        let of = all.len();
        format!(
            "Transit time by month of departure, by route{}",
            routes_shown(chart_routes(data, all).len(), of)
        )
    }

    fn caption(&self) -> &str {
        "For the cargo generated in each calendar month (the scenario's calendar) and delivered \
         in the statistics window, the median (p50) and 95th percentile (p95) of the end-to-end \
         time, all replications pooled; a month without deliveries has no point. The dashed \
         line is the route's promised transit (promise_days) where it has one. The same values \
         as transit_by_month.csv."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !charted(data).is_empty()
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
        let routes = chart_routes(data, charted(data));
        let any_promise = routes.iter().any(|(r, _)| promise_h(data, r).is_some());
        let height = area.dim_in_pixel().1;
        let (body, strip) = area.split_vertically(height.saturating_sub(theme.px(48.0)));
        let mut legend = vec![
            (Swatch::Line(INK), "median (p50)".to_string()),
            (Swatch::Line(P95), "95th percentile (p95)".to_string()),
        ];
        if any_promise {
            legend.push((
                Swatch::Line(PROMISE),
                "promised transit (dashed)".to_string(),
            ));
        }
        legend_strip(&strip, &legend, theme)?;
        for ((route, months), panel) in routes.iter().zip(panels(&body, routes.len())) {
            let promise = promise_h(data, route);
            let top_h = months
                .iter()
                .filter_map(|m| m.p95_h.or(m.p50_h))
                .chain(promise)
                .fold(0.0, f64::max);
            // Days, unless everything is under two days.
            let (unit, per_hour) = if top_h <= 48.0 {
                ("hours", 1.0)
            } else {
                ("days", 1.0 / 24.0)
            };
            let y_max = nice_max(top_h * per_hour);
            let mut chart = ChartBuilder::on(&panel)
                .caption(
                    route.as_str(),
                    (FONT, theme.caption()).into_font().color(&INK),
                )
                .margin(theme.px(8.0))
                .x_label_area_size(theme.px(44.0))
                .y_label_area_size(theme.px(92.0))
                .build_cartesian_2d(-0.5..11.5, 0.0..y_max)?;
            chart
                .configure_mesh()
                .y_desc(format!("{unit}, origin to delivery"))
                .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
                .label_style((FONT, theme.label()).into_font().color(&INK))
                .x_labels(23)
                .y_labels(5)
                .x_label_formatter(&|v| category_label(&MONTHS, *v))
                .y_label_formatter(&|v| format_number(*v))
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(225, 225, 225))
                .draw()?;
            if let Some(promise) = promise {
                let y = promise * per_hour;
                chart.draw_series(DashedLineSeries::new(
                    [(-0.5, y), (11.5, y)],
                    theme.px(10.0),
                    theme.px(6.0),
                    PROMISE.stroke_width(theme.line()),
                ))?;
            }
            for (color, value) in [
                (
                    INK,
                    (|m: &MonthTransit| m.p50_h) as fn(&MonthTransit) -> Option<f64>,
                ),
                (P95, |m: &MonthTransit| m.p95_h),
            ] {
                let points: Vec<(usize, f64)> = months
                    .iter()
                    .filter_map(|m| value(m).map(|h| (m.month, h * per_hour)))
                    .collect();
                // Lines join consecutive months only: a month without deliveries is a gap.
                for pair in points.windows(2) {
                    if pair[1].0 == pair[0].0 + 1 {
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(pair[0].0 as f64, pair[0].1), (pair[1].0 as f64, pair[1].1)],
                            color.stroke_width(theme.line()),
                        )))?;
                    }
                }
                chart.draw_series(points.iter().map(|&(month, y)| {
                    Circle::new((month as f64, y), theme.px(4.0), color.filled())
                }))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_label_whole_positions() {
        assert_eq!(category_label(&MONTHS, 0.0), "Jan");
        assert_eq!(category_label(&MONTHS, 11.0), "Dec");
        assert_eq!(category_label(&MONTHS, 0.5), "");
    }
}
