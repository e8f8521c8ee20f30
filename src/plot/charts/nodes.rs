//! Node utilization and mean queue wait, as horizontal bars with 95% confidence whiskers.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{category_label, format_number, nice_max};
use crate::base::Estimate;
use crate::plot::data::ResultSet;
use crate::plot::render::Chart;
use crate::plot::render::ChartResult;
use crate::plot::theme::{self, FONT, INK, Theme};
use crate::stats::kpi::Scope;

/// Node utilization and mean wait with CI whiskers.
pub(super) struct Nodes;

impl Chart for Nodes {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "node_utilization_wait".to_string()
    }

    fn title(&self, _data: &ResultSet) -> String {
        "Node utilization and queue wait".to_string()
    }

    fn caption(&self) -> &str {
        "Share of server capacity in use and mean wait for a server, with 95% confidence \
         whiskers. Nodes with unlimited servers have no utilization."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !data.report.summary.nodes.is_empty()
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
        let nodes = &summary.nodes;
        let (left, right) = area.split_horizontally(area.dim_in_pixel().0 / 2);
        let utilization: Vec<(usize, &str, Option<Estimate>)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    i,
                    n.id.as_str(),
                    summary
                        .estimate(Scope::Node, &n.id, "utilization")
                        .map(|e| scaled(e, 100.0)),
                )
            })
            .collect();
        let wait: Vec<(usize, &str, Option<Estimate>)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    i,
                    n.id.as_str(),
                    summary.estimate(Scope::Node, &n.id, "wait_mean_h"),
                )
            })
            .collect();
        bars(
            &left,
            "Utilization",
            "% of server capacity busy",
            &utilization,
            Some(100.0),
            theme,
        )?;
        bars(
            &right,
            "Mean wait for a server",
            "hours",
            &wait,
            None,
            theme,
        )?;
        Ok(())
    }
}

fn scaled(e: Estimate, factor: f64) -> Estimate {
    Estimate {
        n: e.n,
        mean: e.mean * factor,
        sd: e.sd * factor,
        half_width: e.half_width.map(|h| h * factor),
    }
}

/// One panel of horizontal bars with CI whiskers; entries without an estimate get "n/a".
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x_desc: &str,
    entries: &[(usize, &str, Option<Estimate>)],
    limit: Option<f64>,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let top = entries
        .iter()
        .filter_map(|(_, _, e)| e.map(|e| e.high().unwrap_or(e.mean)))
        .fold(0.0, f64::max);
    let x_max = limit.map_or_else(|| nice_max(top), |l| l.max(top));
    let n = entries.len().max(1) as f64;
    let names: Vec<&str> = entries.iter().map(|(_, name, _)| *name).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, theme.caption()).into_font().color(&INK))
        .margin(theme.px(8.0))
        .x_label_area_size(theme.px(62.0))
        .y_label_area_size(theme.px(230.0))
        // Top to bottom in scenario order.
        .build_cartesian_2d(0.0..x_max, (n - 0.5)..-0.5)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
        .label_style((FONT, theme.label()).into_font().color(&INK))
        .x_labels(6)
        .y_labels(names.len() + 1)
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| category_label(&names, *v))
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    let half = 0.32;
    let cap = 0.16;
    for (row, (color_index, _, estimate)) in entries.iter().enumerate() {
        let y = row as f64;
        let Some(e) = estimate else {
            chart.draw_series(std::iter::once(Text::new(
                "n/a (unlimited servers)",
                (x_max * 0.01, y),
                (FONT, theme.label())
                    .into_font()
                    .color(&RGBColor(120, 120, 120))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
            continue;
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - half), (e.mean, y + half)],
            theme::node_color(*color_index).mix(0.8).filled(),
        )))?;
        if let (Some(low), Some(high)) = (e.low(), e.high())
            && high > low
        {
            let low = low.max(0.0);
            let style = INK.stroke_width(theme.px(2.5));
            chart.draw_series([
                PathElement::new(vec![(low, y), (high, y)], style),
                PathElement::new(vec![(low, y - cap), (low, y + cap)], style),
                PathElement::new(vec![(high, y - cap), (high, y + cap)], style),
            ])?;
        }
        chart.draw_series(std::iter::once(Text::new(
            format_number(e.mean),
            (e.high().unwrap_or(e.mean) + x_max * 0.015, y),
            (FONT, theme.label())
                .into_font()
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    Ok(())
}
