//! Where the days go: one horizontal stacked bar per route, a segment per node and leg in route
//! order, coloured by node so the same node has the same colour on every route.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    ChartResult, category_label, draw_legend, format_number, legend_box, nice_max, node_color,
};
use crate::plot::data::ResultSet;
use crate::plot::render::Chart;
use crate::plot::theme::{FONT, INK, Theme};
use crate::stats::Summary;
use crate::stats::kpi::Scope;
use crate::stats::summary::{RouteSummary, StageSummary};

/// Colour of travel on legs.
const TRAVEL: RGBColor = RGBColor(205, 205, 205);

/// Mean hours per node along each route.
pub(super) struct Stages;

impl Chart for Stages {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "where_the_days_go".to_string()
    }

    fn title(&self, _data: &ResultSet) -> String {
        "Where the days go: mean time per stage along each route".to_string()
    }

    fn caption(&self) -> &str {
        "Mean hours per TEU in each node (waiting, service, held, waiting for a vessel) \
         and on each leg, stacked in route order; the longest segment is the bottleneck. \
         The total at the end of a bar is the sum of the stage means, each over the TEU that \
         finished that stage in the statistics window; the route table's mean transit is over \
         the TEU delivered in the window, so the two differ a little (cargo on its way at the \
         window's edges counts in some stages only)."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        data.report
            .summary
            .routes
            .iter()
            .any(|r| delivered(&data.report.summary, r))
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
        let summary = &data.report.summary;
        let routes: Vec<_> = summary
            .routes
            .iter()
            .filter(|r| delivered(summary, r))
            .collect();
        let bars: Vec<Vec<(&StageSummary, f64)>> = routes
            .iter()
            .map(|r| {
                r.stages
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s, stage_hours(summary, r, i) / 24.0))
                    .collect()
            })
            .collect();
        let longest = bars
            .iter()
            .map(|b| b.iter().map(|(_, d)| d).sum::<f64>())
            .fold(0.0, f64::max);
        let n = routes.len().max(1) as f64;
        let mut chart = ChartBuilder::on(area)
            .margin(theme.px(8.0))
            .x_label_area_size(theme.px(62.0))
            .y_label_area_size(theme.px(260.0))
            // First route at the top.
            .build_cartesian_2d(0.0..nice_max(longest * 1.1), (n - 0.5)..-0.5)?;
        let names: Vec<&str> = routes.iter().map(|r| r.id.as_str()).collect();
        chart
            .configure_mesh()
            .x_desc("mean days per TEU")
            .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
            .label_style((FONT, theme.label()).into_font().color(&INK))
            .x_labels(10)
            .y_labels(names.len() + 1)
            .x_label_formatter(&|v| format_number(*v))
            .y_label_formatter(&|v| category_label(&names, *v))
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        let node_color = |id: &str| node_color(data, id);
        let half = 0.32;
        let label_font = (FONT, theme.label() * 0.9)
            .into_font()
            .color(&WHITE)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let total_font = (FONT, theme.label())
            .into_font()
            .color(&INK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let min_label_days = longest / 14.0;
        for (row, bar) in bars.iter().enumerate() {
            let y = row as f64;
            let mut x = 0.0;
            for (stage, days) in bar {
                let color = if stage.kind == "leg" {
                    TRAVEL
                } else {
                    node_color(&stage.id)
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y - half), (x + days, y + half)],
                    color.filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y - half), (x + days, y + half)],
                    WHITE.stroke_width(1),
                )))?;
                if stage.kind == "node" && *days >= min_label_days {
                    chart.draw_series(std::iter::once(Text::new(
                        format!("{days:.1}"),
                        (x + days * 0.5, y),
                        label_font.clone(),
                    )))?;
                }
                x += days;
            }
            chart.draw_series(std::iter::once(Text::new(
                format!("{x:.1} d"),
                (x + longest * 0.01, y),
                total_font.clone(),
            )))?;
        }
        // Legend: every node that appears, then travel.
        let mut seen: Vec<&str> = Vec::new();
        for bar in &bars {
            for (stage, _) in bar {
                if stage.kind == "node" && !seen.contains(&stage.id.as_str()) {
                    seen.push(&stage.id);
                }
            }
        }
        for id in seen {
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(id)
                .legend(legend_box(node_color(id).to_rgba(), theme));
        }
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
            .label("travel on legs")
            .legend(legend_box(TRAVEL.to_rgba(), theme));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, theme)?;
        Ok(())
    }
}

/// Mean hours per TEU in a stage: wait, service (travel for legs), held and dispatch.
fn stage_hours(summary: &Summary, route: &RouteSummary, index: usize) -> f64 {
    Scope::Stage
        .kpi_names()
        .into_iter()
        .filter_map(|kpi| summary.stage_estimate(route, index, kpi))
        .map(|e| e.mean)
        .sum()
}

/// Whether `route` delivered anything.
fn delivered(summary: &Summary, route: &RouteSummary) -> bool {
    summary
        .estimate(Scope::Route, &route.id, "delivered_teu")
        .is_some_and(|d| d.mean > 0.0)
}
