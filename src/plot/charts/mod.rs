//! The run charts: one module per chart, each a type implementing
//! [`Chart`](super::render::Chart) drawn from a [`ResultSet`] only, listed in [`RUN_CHARTS`];
//! and the pieces every chart (run or study) shares.

mod fleets;
mod map;
mod nodes;
mod queues;
mod route_shares;
mod stages;
mod throughput;
mod transit;
mod transit_by_month;
mod yearly;

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{Point, ResultSet};
use super::render::{AnyChart, ChartResult};
use super::theme::{self, FONT, INK, Theme};

/// Every run chart, in report order: the one list `plot_dir` draws from a result directory.
///
/// Adding a run chart: a new module here whose unit type implements
/// [`Chart`](super::render::Chart)`<Data = ResultSet>`, and one line in this list (see
/// [`Chart`](super::render::Chart)).
pub(crate) const RUN_CHARTS: [&dyn AnyChart<ResultSet>; 10] = [
    &map::Map,
    &throughput::Throughput,
    &transit::Transit,
    &transit_by_month::TransitByMonth,
    &route_shares::RouteShares,
    &stages::Stages,
    &nodes::Nodes,
    &queues::Queues,
    &fleets::Fleets,
    &yearly::Yearly,
];

/// At most this many route panels in one chart (3 × 3): more are unreadable at the default size.
const MAX_ROUTE_PANELS: usize = 9;

/// The routes a per-route chart draws, from `routes` (in scenario order): every one when there
/// are at most [`MAX_ROUTE_PANELS`]; otherwise the [`MAX_ROUTE_PANELS`] busiest, main routes
/// first (those of at least three nodes, as in the headline), by mean TEU delivered a day, kept
/// in scenario order.
fn chart_routes<'a, T>(data: &ResultSet, routes: Vec<&'a (String, T)>) -> Vec<&'a (String, T)> {
    busiest_routes(data, routes, MAX_ROUTE_PANELS)
}

/// [`chart_routes`] for a chart that draws `per_route` panels a route: at most
/// [`MAX_ROUTE_PANELS`] panels in all.
fn chart_routes_with<'a, T>(
    data: &ResultSet,
    routes: Vec<&'a (String, T)>,
    per_route: usize,
) -> Vec<&'a (String, T)> {
    busiest_routes(data, routes, (MAX_ROUTE_PANELS / per_route).max(1))
}

/// The `most` busiest of `routes` (main routes first), in scenario order; all when there are
/// no more than `most`.
fn busiest_routes<'a, T>(
    data: &ResultSet,
    routes: Vec<&'a (String, T)>,
    most: usize,
) -> Vec<&'a (String, T)> {
    if routes.len() <= most {
        return routes;
    }
    let summary = &data.report.summary;
    let rank = |id: &str| {
        let main = summary
            .routes
            .iter()
            .find(|r| r.id == id)
            .is_some_and(|r| r.nodes.len() >= crate::report::headline::MAIN_ROUTE_MIN_NODES);
        let teu = summary
            .estimate(
                crate::stats::kpi::Scope::Route,
                id,
                "throughput_teu_per_day",
            )
            .map_or(0.0, |e| e.mean);
        (main, teu)
    };
    let mut ranked: Vec<usize> = (0..routes.len()).collect();
    ranked.sort_by(|&a, &b| {
        let ((main_a, teu_a), (main_b, teu_b)) = (rank(&routes[a].0), rank(&routes[b].0));
        main_b
            .cmp(&main_a)
            .then(teu_b.total_cmp(&teu_a))
            .then(a.cmp(&b))
    });
    ranked.truncate(most);
    ranked.sort_unstable();
    ranked.into_iter().map(|i| routes[i]).collect()
}

/// What a per-route chart's title adds when it leaves routes out (`shown` of `of`).
fn routes_shown(shown: usize, of: usize) -> String {
    if shown < of {
        format!(" (the {shown} busiest of {of} routes)")
    } else {
        String::new()
    }
}

/// Splits `area` into panels for `n` small multiples: one column up to two panels, then two
/// columns (three beyond six).
pub(crate) fn panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    n: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let cols = match n {
        0..=2 => 1,
        3..=6 => 2,
        _ => 3,
    };
    let rows = n.div_ceil(cols).max(1);
    let mut areas = area.split_evenly((rows, cols));
    areas.truncate(n);
    areas
}

/// The colour of route `id`: by its position in the scenario, so a route keeps its colour in
/// every chart.
fn route_color(data: &ResultSet, id: &str) -> RGBColor {
    theme::color(
        data.report
            .summary
            .routes
            .iter()
            .position(|r| r.id == id)
            .unwrap_or(0),
    )
}

/// The colour of node `id`, from the wider node palette, by its position in the scenario.
fn node_color(data: &ResultSet, id: &str) -> RGBColor {
    theme::node_color(
        data.report
            .summary
            .nodes
            .iter()
            .position(|n| n.id == id)
            .unwrap_or(0),
    )
}

/// A series of means with a 95% band over time.
struct BandSeries<'a> {
    label: String,
    color: RGBColor,
    points: &'a [Point],
}

/// Draws one time-series panel: warm-up shading, disruption windows, each series' 95% band and
/// mean line. `scale` converts the points' time index to the x axis unit; windows are given in
/// x-axis units.
struct TimePanel<'a> {
    caption: &'a str,
    x_desc: &'a str,
    y_desc: &'a str,
    x_max: f64,
    warmup_end: f64,
    windows: &'a [(f64, f64)],
    window_label: Option<String>,
    /// Where the legend goes, if this panel has one.
    legend: Option<SeriesLabelPosition>,
    /// Fixed upper end of the y axis (e.g. 100 for percentages), if the data fit under it.
    y_limit: Option<f64>,
    /// With `[scenario] start`: the date of time 0 and the days per x-axis unit, so that the
    /// axis is labelled with dates.
    dates: Option<(jiff::civil::Date, f64)>,
    /// Vertical lines with their labels, in x-axis units (the dated changes).
    marks: Vec<(f64, String)>,
}

/// The dated changes of the run as marks on a time axis whose unit is `unit_h` hours.
fn change_marks(data: &ResultSet, unit_h: f64) -> Vec<(f64, String)> {
    data.report
        .scenario
        .changes
        .iter()
        .map(|c| {
            let label = match &c.date {
                Some(date) => format!("{} ({date})", c.id),
                None => format!("{} (day {})", c.id, format_number(c.at_day)),
            };
            (c.at_day * 24.0 / unit_h, label)
        })
        .collect()
}

/// The date labelling of a time axis whose unit is `unit_h` hours: `Some` when the run has a
/// start date.
fn axis_dates(data: &ResultSet, unit_h: f64) -> Option<(jiff::civil::Date, f64)> {
    let start = data.report.scenario.start.as_deref()?.parse().ok()?;
    Some((start, unit_h / 24.0))
}

/// The label of an x position `v` (in axis units): a date with a start, else the number.
fn time_label(v: f64, dates: Option<(jiff::civil::Date, f64)>) -> String {
    match dates {
        Some((start, days_per_unit)) => {
            let days = (v * days_per_unit).round() as i64;
            start
                .checked_add(jiff::Span::new().days(days))
                .map_or_else(|_| format_number(v), |d| d.to_string())
        }
        None => format_number(v),
    }
}

impl TimePanel<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        series: &[BandSeries],
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let y_max = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.high))
            .fold(0.0_f64, f64::max);
        // Room above the data for a legend in the upper corner.
        let headroom = match self.legend {
            Some(SeriesLabelPosition::UpperRight | SeriesLabelPosition::UpperLeft) => {
                1.0 + 0.12 * (series.len() + 2) as f64
            }
            _ => 1.0,
        };
        let y_max = match self.y_limit {
            Some(limit) if y_max <= limit => limit,
            _ => nice_max(y_max * headroom),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(
                self.caption,
                (FONT, theme.caption()).into_font().color(&INK),
            )
            .margin(theme.px(8.0))
            .x_label_area_size(theme.px(62.0))
            .y_label_area_size(theme.px(92.0))
            .build_cartesian_2d(0.0..self.x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc)
            .y_desc(self.y_desc)
            .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
            .label_style((FONT, theme.label()).into_font().color(&INK))
            .x_labels(8)
            .y_labels(6)
            .y_label_formatter(&|v| format_number(*v))
            .x_label_formatter(&|v| time_label(*v, self.dates))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;

        if self.warmup_end > 0.0 {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, 0.0), (self.warmup_end.min(self.x_max), y_max)],
                    theme::WARMUP.mix(0.7).filled(),
                )))?
                .label("warm-up (excluded)")
                .legend(legend_box(theme::WARMUP.mix(0.7), theme));
        }
        if !self.windows.is_empty() {
            let drawn = chart.draw_series(self.windows.iter().map(|&(start, end)| {
                Rectangle::new(
                    [(start, 0.0), (end.min(self.x_max), y_max)],
                    theme::DISRUPTION.mix(0.35).filled(),
                )
            }))?;
            if let Some(label) = &self.window_label {
                drawn
                    .label(label.clone())
                    .legend(legend_box(theme::DISRUPTION.mix(0.35), theme));
            }
        }
        for s in series {
            let color = s.color;
            if s.points.is_empty() {
                continue;
            }
            // A period's value is drawn at its middle, so it lines up with the disruption
            // windows and the warm-up, which are in exact time.
            let mid = |p: &Point| p.t + 0.5;
            let mut outline: Vec<(f64, f64)> = s.points.iter().map(|p| (mid(p), p.high)).collect();
            outline.extend(s.points.iter().rev().map(|p| (mid(p), p.low)));
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                color.mix(0.22).filled(),
            )))?;
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|p| (mid(p), p.mean)),
                    color.stroke_width(theme.line()),
                ))?
                .label(s.label.clone())
                .legend(legend_line(color, theme));
        }
        for (k, (x, label)) in self.marks.iter().enumerate() {
            let ink = RGBColor(60, 60, 60);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*x, 0.0), (*x, y_max)],
                ink.stroke_width(theme.line().max(1) / 2 + 1),
            )))?;
            // Labels step down so that changes close together stay readable.
            let y = y_max * (0.97 - 0.12 * (k % 4) as f64);
            chart.draw_series(std::iter::once(Text::new(
                format!(" {label}"),
                (*x, y),
                (FONT, theme.label())
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            )))?;
        }
        if let Some(position) = &self.legend {
            draw_legend(&mut chart, position.clone(), theme)?;
        }
        Ok(())
    }
}

/// Draws the series labels at `position`.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .margin(theme.px(10.0))
        .legend_area_size(theme.px(34.0))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(190, 190, 190))
        .label_font((FONT, theme.label()).into_font().color(&INK))
        .draw()?;
    Ok(())
}

/// What a legend entry looks like.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    /// A line of this colour.
    Line(RGBColor),
    /// A filled box of this colour.
    Area(RGBAColor),
}

/// The merged disruption windows of the representative replication, in units of `unit_h`
/// hours, and their legend label (none when nothing was logged).
fn disruption_windows(data: &ResultSet, unit_h: f64) -> (Vec<(f64, f64)>, Option<String>) {
    match data.representative_disruptions() {
        Some((replication, spans)) => (
            spans
                .iter()
                .map(|(s, e)| (s / unit_h, e / unit_h))
                .collect(),
            Some(format!("disrupted (replication {replication})")),
        ),
        None => (Vec::new(), None),
    }
}

/// Draws the shared legend of a time-series chart (see [`time_legend`]) in a strip at the bottom
/// of `area` and returns the rest, for the panels.
fn time_legend_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ResultSet,
    window_label: Option<&str>,
    line: &str,
    theme: &Theme,
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let height = area.dim_in_pixel().1;
    let (panels, strip) = area.split_vertically(height.saturating_sub(theme.px(48.0)));
    legend_strip(&strip, &time_legend(data, window_label, line), theme)?;
    Ok(panels)
}

/// Draws one legend for all the panels of a chart, centred in one row on `strip`: small
/// multiples would otherwise repeat it or hide data under it.
pub(crate) fn legend_strip<DB: DrawingBackend>(
    strip: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let font =
        (FONT, theme.label())
            .into_font()
            .color(&INK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            ));
    let swatch = theme.px(30.0) as i32;
    let pad = theme.px(8.0) as i32;
    let gap = theme.px(36.0) as i32;
    let widths: Vec<i32> = entries
        .iter()
        .map(|(_, text)| {
            strip
                .estimate_text_size(text, &font)
                .map(|(w, _)| w as i32 + swatch + pad)
        })
        .collect::<Result<_, _>>()?;
    let total: i32 = widths.iter().sum::<i32>() + gap * (entries.len() as i32 - 1).max(0);
    let (width, height) = strip.dim_in_pixel();
    let mut x = ((width as i32 - total) / 2).max(0);
    let y = height as i32 / 2;
    let half = theme.px(9.0) as i32;
    for ((kind, text), w) in entries.iter().zip(widths) {
        match *kind {
            Swatch::Line(color) => strip.draw(&PathElement::new(
                vec![(x, y), (x + swatch, y)],
                color.stroke_width(theme.line()),
            ))?,
            Swatch::Area(color) => strip.draw(&Rectangle::new(
                [(x, y - half), (x + swatch, y + half)],
                color.filled(),
            ))?,
        }
        strip.draw(&Text::new(
            text.clone(),
            (x + swatch + pad, y),
            font.clone(),
        ))?;
        x += w + gap;
    }
    Ok(())
}

/// The legend entries of a time-series chart: warm-up, the disruption windows (if any) and what
/// the line and band are.
fn time_legend(data: &ResultSet, window_label: Option<&str>, line: &str) -> Vec<(Swatch, String)> {
    let mut entries = Vec::new();
    if data.report.scenario.warmup_days > 0.0 {
        entries.push((
            Swatch::Area(theme::WARMUP.mix(0.7)),
            "warm-up (excluded from statistics)".to_string(),
        ));
    }
    if let Some(label) = window_label {
        entries.push((Swatch::Area(theme::DISRUPTION.mix(0.35)), label.to_string()));
    }
    entries.push((Swatch::Line(INK), line.to_string()));
    entries.push((
        Swatch::Area(INK.mix(0.22)),
        "95% confidence band".to_string(),
    ));
    entries
}

/// A legend swatch for a line.
pub(crate) fn legend_line(
    color: RGBColor,
    theme: &Theme,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    let width = theme.line();
    let length = theme.px(26.0) as i32;
    move |(x, y)| PathElement::new(vec![(x, y), (x + length, y)], color.stroke_width(width))
}

/// A legend swatch for a filled area.
fn legend_box(color: RGBAColor, theme: &Theme) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    let half = theme.px(9.0) as i32;
    let length = theme.px(26.0) as i32;
    move |(x, y)| Rectangle::new([(x, y - half), (x + length, y + half)], color.filled())
}

/// The tick label of a categorical axis drawn on a continuous one: category `i` sits at `i`,
/// and ticks between categories stay blank.
pub(crate) fn category_label(names: &[&str], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 {
        names
            .get(i as usize)
            .map_or(String::new(), |s| s.to_string())
    } else {
        String::new()
    }
}

/// A round upper limit for an axis showing values up to `max` (with headroom for the legend).
pub(crate) fn nice_max(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let target = max * 1.12;
    let magnitude = 10f64.powf(target.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|limit| *limit >= target)
        .unwrap_or(10.0 * magnitude)
}

/// A tick label: thousands separated, at most two decimals for small numbers.
pub(crate) fn format_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        let rounded = v.round() as i64;
        let digits = rounded.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if rounded < 0 {
            out.insert(0, '-');
        }
        out
    } else if a >= 10.0 || (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        let text = if a >= 1.0 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        };
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_limits_are_round_and_above_the_data() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(95.0), 120.0);
        assert_eq!(nice_max(1.0), 1.2);
        assert!(nice_max(7_340.0) >= 7_340.0 * 1.12);
    }

    #[test]
    fn categories_label_whole_positions_only() {
        let names = ["a", "b"];
        assert_eq!(category_label(&names, 1.0), "b");
        assert_eq!(category_label(&names, 0.5), "");
        assert_eq!(category_label(&names, 2.0), "");
        assert_eq!(category_label(&names, -1.0), "");
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(format_number(1_234_567.0), "1,234,567");
        assert_eq!(format_number(-1500.0), "-1,500");
        assert_eq!(format_number(42.4), "42");
        assert_eq!(format_number(2.45), "2.5");
        assert_eq!(format_number(5.0), "5");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(0.001), "0");
        assert_eq!(format_number(0.126), "0.13");
        assert_eq!(format_number(0.0), "0");
    }
}
