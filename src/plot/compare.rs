//! The chart of `corridor compare`: the relative change of each headline KPI against the base,
//! with its 95% confidence interval and its difference in the KPI's own unit, one column per
//! variant and in it one panel per kind of KPI (throughput, transit, waits, then any other KPI
//! chosen with `--kpi`), each with its own % axis.
//!
//! Owns `charts/compare.svg|png`. It reads a [`Comparison`] only (never the engine); the SVG and
//! the PNG come from the same drawing code (a [`Chart`]) with the
//! sizes, font and colours of `Theme`. Within a panel bars are in scenario order; at most
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
pub(crate) const TITLE: &str =
    "Change against the base: headline KPIs, % with 95% CI (difference in the KPI's unit)";

/// Most bars in one panel.
pub(crate) const MAX_BARS: usize = 25;

/// Longest axis label, characters; longer ones are shortened in the middle.
const MAX_LABEL: usize = 42;

/// One bar: its label, the change in percent with its CI, and the difference in the KPI's unit.
struct Bar {
    label: String,
    mean: f64,
    low: f64,
    high: f64,
    /// The mean paired difference with its unit (`-13.2 h`), shown beside the percentage.
    difference: String,
}

/// The panel of a KPI: headline KPIs by kind (each kind on its own axis, so a −98% wait does not
/// flatten a −4% transit), any other KPI chosen with `--kpi` in a panel of its own name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Throughput,
    Transit,
    Wait,
    Other(String),
}

impl Kind {
    /// The panel's title, with the unit of its KPIs.
    fn title(&self) -> String {
        match self {
            Kind::Throughput => "throughput, TEU/day".to_string(),
            Kind::Transit => "transit time, h".to_string(),
            Kind::Wait => "wait for a server, h".to_string(),
            Kind::Other(kpi) => kpi.clone(),
        }
    }
}

/// A KPI's panel, its place in the panel (means before p95s) and its label there.
fn kind(k: &KpiDifference) -> (Kind, u8, String) {
    match (k.scope, k.kpi.as_str()) {
        (Scope::Route, "throughput_teu_per_day") => (Kind::Throughput, 0, k.entity.clone()),
        (Scope::Route, "transit_mean_h") => (Kind::Transit, 0, format!("mean · {}", k.entity)),
        (Scope::Route, "transit_p95_h") => (Kind::Transit, 1, format!("p95 · {}", k.entity)),
        (Scope::Node, "wait_mean_h") => (Kind::Wait, 0, k.entity.clone()),
        _ => (
            Kind::Other(k.kpi.clone()),
            0,
            format!("{} · {}", k.scope.as_str(), k.entity),
        ),
    }
}

/// The unit of a KPI, from its name's suffix (`wait_mean_h`: h); empty for counts and fractions.
fn unit(kpi: &str) -> &'static str {
    [
        ("_teu_per_day", "TEU/day"),
        ("_per_day", "/day"),
        ("_per_year", "/yr"),
        ("_teu", "TEU"),
        ("_h", "h"),
    ]
    .iter()
    .find(|(suffix, _)| kpi.ends_with(suffix))
    .map_or("", |(_, unit)| unit)
}

/// A difference with a sign, three significant figures at most, and its unit.
fn difference(v: f64, unit: &str) -> String {
    let a = v.abs();
    let digits = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else {
        2
    };
    let number = signed_to(v, digits);
    if unit.is_empty() {
        number
    } else if unit.starts_with('/') {
        format!("{number}{unit}")
    } else {
        format!("{number} {unit}")
    }
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

/// The bars of one variant, by panel, each panel in scenario order; how many headline KPIs were
/// left out to stay within [`MAX_BARS`]; and how many were identical in every replication (not
/// drawn).
fn bars(variant: &VariantComparison) -> (Vec<(Kind, Vec<Bar>)>, usize, usize) {
    let headline: Vec<(usize, &KpiDifference)> = variant
        .kpis
        .iter()
        .enumerate()
        .filter(|(_, k)| k.headline && k.change_pct.is_some())
        .collect();
    let unchanged = headline.iter().filter(|(_, k)| identical(k)).count();
    let mut chosen: Vec<((Kind, u8, String), usize, &KpiDifference)> = headline
        .into_iter()
        .filter(|(_, k)| !identical(k))
        .map(|(i, k)| (kind(k), i, k))
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
    chosen.sort_by(|a, b| (&a.0.0, a.0.1).cmp(&(&b.0.0, b.0.1)).then(a.1.cmp(&b.1)));
    let mut panels: Vec<(Kind, Vec<Bar>)> = Vec::new();
    let mut drawn = 0;
    for ((kind, _, label), _, k) in chosen {
        let (Some(c), Some(d)) = (k.change_pct, k.difference) else {
            continue;
        };
        let bar = Bar {
            label: shorten(&label),
            mean: c.mean,
            low: c.low,
            high: c.high,
            difference: difference(d.mean, unit(&k.kpi)),
        };
        drawn += 1;
        match panels.last_mut() {
            Some((last, bars)) if *last == kind => bars.push(bar),
            _ => panels.push((kind, vec![bar])),
        }
    }
    (panels, total - drawn, unchanged)
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
            column(&area, comparison, variant, i, theme)?;
        }
        Ok(())
    }
}

/// One variant's column: its caption, then one panel per kind of KPI, stacked, each with its own
/// % axis and a height in proportion to its bars; the bottom panel carries the axis description.
fn column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    comparison: &Comparison,
    variant: &VariantComparison,
    index: usize,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let (panels, left_out, unchanged) = bars(variant);
    let caption = format!("{} vs {}", variant.scenario.name, comparison.base.name);
    let area = area.titled(&caption, (FONT, theme.caption()).into_font().color(&INK))?;
    let mut x_desc = format!(
        "% change (difference in the KPI's unit), {} replications",
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
    if panels.is_empty() {
        area.draw(&Text::new(
            "no headline KPI with a relative change",
            (theme.px(16.0) as i32, theme.px(16.0) as i32),
            label_font.color(&RGBColor(120, 120, 120)),
        ))?;
        return Ok(());
    }
    // One label width for every panel, so that their bars start at the same x.
    let mut widest = 0;
    for bar in panels.iter().flat_map(|(_, bars)| bars) {
        widest = widest.max(area.estimate_text_size(&bar.label, &label_font)?.0);
    }
    let label_area = (widest + theme.px(16.0)).min(area.dim_in_pixel().0 * 45 / 100);
    // Heights: each panel its bars plus room for its title and tick labels; the last one also
    // for the axis description.
    let ticks = theme.px(30.0) as f64;
    let title = theme.px(34.0) as f64;
    let desc = theme.px(34.0) as f64;
    let height = area.dim_in_pixel().1 as f64;
    let bars_total: usize = panels.iter().map(|(_, b)| b.len()).sum();
    let per_bar =
        ((height - desc - panels.len() as f64 * (ticks + title)) / bars_total as f64).max(1.0);
    let mut breaks = Vec::new();
    let mut y = 0.0;
    for (_, bars) in &panels[..panels.len() - 1] {
        y += title + ticks + per_bar * bars.len() as f64;
        breaks.push(y.round() as i32);
    }
    let last = panels.len() - 1;
    let areas = area.split_by_breakpoints([] as [i32; 0], breaks);
    for (i, ((kind, bars), area)) in panels.iter().zip(areas).enumerate() {
        let desc = (i == last).then_some(x_desc.as_str());
        panel(&area, kind, bars, desc, label_area, index, theme)?;
    }
    Ok(())
}

/// One panel: horizontal bars from 0 to the change, CI whiskers, a zero line, and beside each
/// bar its change in percent and its difference in the KPI's unit.
#[allow(clippy::too_many_arguments)]
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    kind: &Kind,
    bars: &[Bar],
    x_desc: Option<&str>,
    label_area: u32,
    index: usize,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let label_font = (FONT, theme.label()).into_font().color(&INK);
    let lo = bars.iter().map(|b| b.low).fold(0.0, f64::min);
    let hi = bars.iter().map(|b| b.high).fold(0.0, f64::max);
    // Room on the right of each bar for its value and difference.
    let span = (hi - lo).max(1e-9);
    let x_min = if lo < 0.0 { -nice_max(-lo) } else { 0.0 };
    let x_max = if hi > 0.0 || lo >= 0.0 {
        nice_max(hi + 0.45 * span)
    } else {
        nice_max(0.45 * span)
    };
    let n = bars.len().max(1) as f64;
    let names: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(
            kind.title(),
            (FONT, theme.label())
                .into_font()
                .style(FontStyle::Bold)
                .color(&INK),
        )
        .margin_left(theme.px(8.0))
        .margin_right(theme.px(8.0))
        .x_label_area_size(theme.px(if x_desc.is_some() { 58.0 } else { 26.0 }))
        .y_label_area_size(label_area)
        .build_cartesian_2d(x_min..x_max, (n - 0.5)..-0.5)?;
    let x_format = |v: &f64| format_number(*v);
    let y_format = |v: &f64| category_label(&names, *v);
    let mut mesh = chart.configure_mesh();
    mesh.axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
        .label_style(label_font.clone())
        .x_labels(8)
        .y_labels(names.len() + 1)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225));
    if let Some(desc) = x_desc {
        mesh.x_desc(desc);
    }
    mesh.draw()?;
    let color = theme::color(index);
    let half = 0.32;
    let cap = 0.16;
    for (row, bar) in bars.iter().enumerate() {
        let y = row as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y - half), (bar.mean, y + half)],
            color.mix(BAR_OPACITY).filled(),
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
            format!("{}% ({})", signed(bar.mean), bar.difference),
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

/// Opacity of the bars.
const BAR_OPACITY: f64 = 0.75;

/// A percentage with a sign and one decimal (two below 1%).
fn signed(v: f64) -> String {
    signed_to(v, if v.abs() < 1.0 { 2 } else { 1 })
}

/// `v` with a sign and `digits` decimals; a value that rounds to zero has no sign.
fn signed_to(v: f64, digits: usize) -> String {
    let text = format!("{v:+.digits$}");
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
    fn differences_carry_their_unit() {
        assert_eq!(unit("transit_mean_h"), "h");
        assert_eq!(unit("throughput_teu_per_day"), "TEU/day");
        assert_eq!(unit("yard_max_teu"), "TEU");
        assert_eq!(unit("utilization"), "");
        assert_eq!(difference(-13.236, "h"), "-13.2 h");
        assert_eq!(difference(2.5, "TEU/day"), "+2.50 TEU/day");
        assert_eq!(difference(-0.5, "/day"), "-0.50/day");
        assert_eq!(difference(1234.4, ""), "+1234");
        assert_eq!(difference(-0.0001, "h"), "0.00 h");
    }

    #[test]
    fn percentages_are_signed() {
        assert_eq!(signed(12.34), "+12.3");
        assert_eq!(signed(-0.456), "-0.46");
        assert_eq!(signed(-0.0001), "0.00");
        assert_eq!(signed(0.0), "0.00");
    }
}
