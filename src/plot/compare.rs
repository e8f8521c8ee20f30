//! The chart of `corridor compare`: the relative change of each headline KPI against the base,
//! with its 95% confidence interval, one panel per variant.
//!
//! Owns `charts/compare.svg|png`. It reads a [`Comparison`] only (never the engine); the SVG and
//! the PNG come from the same drawing code (a [`Chart`]) with the
//! sizes, font and colours of `Theme`. Bars are grouped by KPI (throughput, mean transit, p95
//! transit per route, then mean wait per node), each group in scenario order; at most
//! `MAX_BARS` per panel, keeping the largest changes when there are more. KPIs identical in
//! every replication (processes the variant does not touch) are not drawn. The axis description
//! says how many were left out; `compare.csv` has them all.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{category_label, format_number, nice_max};
use super::render::ChartResult;
use super::render::{self, Chart, Rendered};
use super::theme::{self, FONT, INK, Theme};
use super::{PlotError, PlotOptions};
use crate::stats::kpi::Scope;
use crate::study::compare::{Comparison, KpiDifference, VariantComparison};

/// File stem of the chart.
pub(crate) const STEM: &str = "compare";

/// Chart title.
pub(crate) const TITLE: &str = "Change against the base: headline KPIs, % with 95% CI";

/// Most bars in one panel.
pub(crate) const MAX_BARS: usize = 25;

/// Longest axis label, characters; longer ones are shortened in the middle.
const MAX_LABEL: usize = 42;

/// One bar: its label and the change in percent with its CI.
struct Bar {
    label: String,
    mean: f64,
    low: f64,
    high: f64,
}

/// A KPI's group in a panel (order, then short name): the headline KPIs in a fixed order, any
/// other KPI chosen with `--kpi` after them, by scope and name.
fn group(k: &KpiDifference) -> (usize, String) {
    let (order, name) = match (k.scope, k.kpi.as_str()) {
        (Scope::Route, "throughput_teu_per_day") => (0, "throughput"),
        (Scope::Route, "transit_mean_h") => (1, "transit mean"),
        (Scope::Route, "transit_p95_h") => (2, "transit p95"),
        (Scope::Node, "wait_mean_h") => (3, "wait"),
        _ => (4, k.kpi.as_str()),
    };
    (order, name.to_string())
}

/// Shortens `text` to [`MAX_LABEL`] characters by cutting out its middle.
fn shorten(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= MAX_LABEL {
        return text.to_string();
    }
    let keep = MAX_LABEL - 1;
    let head = keep / 2;
    let tail = keep - head;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// Whether a KPI came out the same in every replication of both scenarios (a process the
/// variant does not touch, with common random numbers).
fn identical(k: &KpiDifference) -> bool {
    k.difference
        .is_some_and(|d| d.mean == 0.0 && d.half_width == 0.0)
}

/// The bars of one variant, grouped and in scenario order; how many headline KPIs were left
/// out to stay within [`MAX_BARS`]; and how many were identical in every replication (not
/// drawn).
fn bars(variant: &VariantComparison) -> (Vec<Bar>, usize, usize) {
    let headline: Vec<(usize, &KpiDifference)> = variant
        .kpis
        .iter()
        .enumerate()
        .filter(|(_, k)| k.headline && k.change_pct.is_some())
        .collect();
    let unchanged = headline.iter().filter(|(_, k)| identical(k)).count();
    let mut chosen: Vec<((usize, String), usize, &KpiDifference)> = headline
        .into_iter()
        .filter(|(_, k)| !identical(k))
        .map(|(i, k)| (group(k), i, k))
        .collect();
    let total = chosen.len();
    if total > MAX_BARS {
        // Keep the largest changes, then restore the grouped order.
        chosen.sort_by(|a, b| {
            let size = |k: &KpiDifference| k.change_pct.map_or(0.0, |c| c.mean.abs());
            size(b.2).total_cmp(&size(a.2)).then(a.1.cmp(&b.1))
        });
        chosen.truncate(MAX_BARS);
    }
    chosen.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let bars = chosen
        .into_iter()
        .filter_map(|((_, name), _, k)| {
            let c = k.change_pct?;
            Some(Bar {
                label: shorten(&format!("{name} · {}", k.entity)),
                mean: c.mean,
                low: c.low,
                high: c.high,
            })
        })
        .collect::<Vec<_>>();
    let left_out = total - bars.len();
    (bars, left_out, unchanged)
}

/// The chart of a comparison.
pub(crate) struct CompareChart;

impl Chart for CompareChart {
    type Data = Comparison;

    fn stem(&self) -> String {
        STEM.to_string()
    }

    fn title(&self, _comparison: &Comparison) -> String {
        TITLE.to_string()
    }

    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        comparison: &Comparison,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let n = comparison.variants.len();
        let cols = n.clamp(1, 3);
        let rows = n.div_ceil(cols).max(1);
        let areas = body.split_evenly((rows, cols));
        for (i, (variant, area)) in comparison.variants.iter().zip(areas).enumerate() {
            panel(&area, comparison, variant, i, theme)?;
        }
        Ok(())
    }
}

/// One variant's panel: horizontal bars from 0 to the change, CI whiskers, a zero line.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    comparison: &Comparison,
    variant: &VariantComparison,
    index: usize,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let (bars, left_out, unchanged) = bars(variant);
    let caption = format!("{} vs {}", variant.scenario.name, comparison.base.name);
    let mut x_desc = format!(
        "% change, {} replications",
        comparison.provenance.replications
    );
    let mut hidden = Vec::new();
    if left_out > 0 {
        hidden.push(format!("{left_out} smaller changes"));
    }
    if unchanged > 0 {
        hidden.push(format!("{unchanged} identical in every replication"));
    }
    if !hidden.is_empty() {
        x_desc.push_str(&format!("; not shown: {}", hidden.join(", ")));
    }
    let label_font = (FONT, theme.label()).into_font().color(&INK);
    let widest = bars
        .iter()
        .map(|b| {
            area.estimate_text_size(&b.label, &label_font)
                .map(|(w, _)| w)
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .max()
        .unwrap_or(0);
    let label_area = (widest + theme.px(16.0)).min(area.dim_in_pixel().0 * 45 / 100);
    let lo = bars.iter().map(|b| b.low).fold(0.0, f64::min);
    let hi = bars.iter().map(|b| b.high).fold(0.0, f64::max);
    // Room on the right of each bar for its value.
    let span = (hi - lo).max(1e-9);
    let x_min = if lo < 0.0 { -nice_max(-lo) } else { 0.0 };
    let x_max = if hi > 0.0 || lo >= 0.0 {
        nice_max(hi + 0.18 * span)
    } else {
        nice_max(0.18 * span)
    };
    let n = bars.len().max(1) as f64;
    let names: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, theme.caption()).into_font().color(&INK))
        .margin(theme.px(8.0))
        .x_label_area_size(theme.px(62.0))
        .y_label_area_size(label_area)
        .build_cartesian_2d(x_min..x_max, (n - 0.5)..-0.5)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
        .label_style(label_font.clone())
        .x_labels(6)
        .y_labels(names.len() + 1)
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| category_label(&names, *v))
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    if bars.is_empty() {
        chart.draw_series(std::iter::once(Text::new(
            "no headline KPI with a relative change",
            (x_min + (x_max - x_min) * 0.02, 0.0),
            label_font
                .clone()
                .color(&RGBColor(120, 120, 120))
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    let color = theme::color(index);
    let half = 0.32;
    let cap = 0.16;
    for (row, bar) in bars.iter().enumerate() {
        let y = row as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - half), (bar.mean, y + half)],
            color.mix(0.8).filled(),
        )))?;
        if bar.high > bar.low {
            let style = INK.stroke_width(theme.px(2.5));
            chart.draw_series([
                PathElement::new(vec![(bar.low, y), (bar.high, y)], style),
                PathElement::new(vec![(bar.low, y - cap), (bar.low, y + cap)], style),
                PathElement::new(vec![(bar.high, y - cap), (bar.high, y + cap)], style),
            ])?;
        }
        chart.draw_series(std::iter::once(Text::new(
            format!("{}%", signed(bar.mean)),
            (bar.high.max(0.0) + (x_max - x_min) * 0.012, y),
            label_font.clone().pos(Pos::new(HPos::Left, VPos::Center)),
        )))?;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.5), (0.0, n - 0.5)],
        INK.stroke_width(theme.px(2.0)),
    )))?;
    Ok(())
}

/// A percentage with a sign and one decimal (two below 1%).
fn signed(v: f64) -> String {
    let text = if v.abs() < 1.0 {
        format!("{v:+.2}")
    } else {
        format!("{v:+.1}")
    };
    // -0.00 reads as no change.
    if text
        .trim_start_matches(['+', '-'])
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches(['+', '-']).to_string()
    } else {
        text
    }
}

/// The chart drawn in memory as SVG and PNG, to be written as `charts/compare.svg|png` (with
/// [`render::write_rendered`]).
pub fn chart(comparison: &Comparison, options: &PlotOptions) -> Result<Rendered, PlotError> {
    render::render(&CompareChart, comparison, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_shortened_in_the_middle() {
        assert_eq!(shorten("wait · aktau-port"), "wait · aktau-port");
        let long = format!("throughput · {}", "x".repeat(60));
        let short = shorten(&long);
        assert_eq!(short.chars().count(), MAX_LABEL);
        assert!(short.starts_with("throughput") && short.contains('…'));
    }

    #[test]
    fn percentages_are_signed() {
        assert_eq!(signed(12.34), "+12.3");
        assert_eq!(signed(-0.456), "-0.46");
        assert_eq!(signed(-0.0001), "0.00");
        assert_eq!(signed(0.0), "0.00");
    }
}
