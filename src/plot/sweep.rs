//! Charts of `corridor sweep`: KPI-versus-parameter curves with their 95% confidence bands (one
//! parameter: one chart of small multiples, one panel per KPI, one line per entity, routes in
//! their run-chart colours) and heat maps (two parameters: one chart per KPI, cells labelled with
//! the value, a colour bar).

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::charts::{Swatch, category_label, format_number, legend_strip, nice_max, panels};
use super::render::{Chart, ChartResult, Rendered, check_size, render};
use super::theme::{self, FONT, INK, Theme};
use super::{PlotError, PlotOptions};
use crate::study::sweep::{SweepResults, SweepRow};

/// A file-name-safe form of a KPI column name (`route/a-b/transit_mean_h` →
/// `route_a-b_transit_mean_h`).
pub(crate) fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Splits a KPI column name `scope/entity/kpi` (the entity of a stage holds slashes).
pub(crate) fn split_kpi(name: &str) -> (&str, &str, &str) {
    let (scope, rest) = name.split_once('/').unwrap_or(("", name));
    let (entity, kpi) = rest.rsplit_once('/').unwrap_or(("", rest));
    (scope, entity, kpi)
}

/// A readable description of a KPI (the last part of a column name).
pub(crate) fn kpi_title(kpi: &str) -> String {
    match kpi {
        "throughput_teu_per_day" => "Throughput".to_string(),
        "transit_mean_h" => "Mean transit time".to_string(),
        "transit_p50_h" => "Median transit time".to_string(),
        "transit_p95_h" => "95th percentile transit time".to_string(),
        "delivered_teu" => "TEU delivered".to_string(),
        "wait_mean_h" => "Mean wait".to_string(),
        "utilization" => "Utilization".to_string(),
        "on_time_share" => "On-time share".to_string(),
        "buffer_index" => "Buffer index".to_string(),
        other => other.replace('_', " "),
    }
}

/// The display unit of a KPI whose values reach `max`: hours become days above three days.
/// Returns the divisor and the unit's name.
pub(crate) fn display_unit(kpi: &str, max: f64) -> (f64, String) {
    if kpi.ends_with("_h") {
        if max > 72.0 {
            (24.0, "days".to_string())
        } else {
            (1.0, "hours".to_string())
        }
    } else if kpi.ends_with("_teu_per_day") {
        (1.0, "TEU/day".to_string())
    } else if kpi.ends_with("_teu") {
        (1.0, "TEU".to_string())
    } else {
        (1.0, kpi.rsplit('_').next().unwrap_or("").to_string())
    }
}

/// The charts of a sweep: small multiples of curves for one parameter, a heat map per KPI for
/// two. `routes` are the scenario's route ids in order, which fix the route colours.
pub fn sweep_charts(
    results: &SweepResults,
    routes: &[String],
    options: &PlotOptions,
) -> Result<Vec<Rendered>, PlotError> {
    check_size(options)?;
    if results.kpis.is_empty() {
        return Ok(Vec::new());
    }
    if results.design.params.len() == 1 {
        let curves = Curves::new(results, routes);
        Ok(vec![render(&curves, results, options)?])
    } else {
        results
            .kpis
            .iter()
            .map(|kpi| render(&Heatmap { kpi }, results, options))
            .collect()
    }
}

/// A line of a curve panel: entity, full KPI column name, colour.
type Line = (String, String, RGBColor);

/// One-parameter sweep: one panel per KPI kind, one line per entity.
struct Curves {
    /// (panel KPI, its lines: (entity, full column name, colour)).
    panels: Vec<(String, Vec<Line>)>,
}

impl Curves {
    fn new(results: &SweepResults, routes: &[String]) -> Curves {
        let mut panels: Vec<(String, Vec<Line>)> = Vec::new();
        let mut others: Vec<String> = Vec::new();
        for name in &results.kpis {
            let (scope, entity, kpi) = split_kpi(name);
            let panel_key = format!("{scope}/{kpi}");
            let color = match routes.iter().position(|r| r == entity) {
                Some(i) if scope == "route" => theme::color(i),
                _ => {
                    let i = others.iter().position(|e| e == entity).unwrap_or_else(|| {
                        others.push(entity.to_string());
                        others.len() - 1
                    });
                    theme::node_color(i)
                }
            };
            let line = (entity.to_string(), name.clone(), color);
            match panels.iter_mut().find(|(key, _)| *key == panel_key) {
                Some((_, lines)) => lines.push(line),
                None => panels.push((panel_key, vec![line])),
            }
        }
        Curves { panels }
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        results: &SweepResults,
        area: &DrawingArea<DB, Shift>,
        key: &str,
        lines: &[Line],
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let param = &results.design.params[0];
        let (scope, kpi) = key.split_once('/').unwrap_or(("", key));
        let rows: Vec<Vec<&SweepRow>> = lines
            .iter()
            .map(|(_, name, _)| {
                let mut rows: Vec<&SweepRow> = results.series(name).collect();
                rows.sort_by(|a, b| a.values[0].total_cmp(&b.values[0]));
                rows
            })
            .collect();
        let stats = rows.iter().flatten().filter_map(|r| r.stat);
        let max = stats
            .clone()
            .map(|s| s.ci95_high.unwrap_or(s.mean))
            .fold(0.0_f64, f64::max);
        let min = stats
            .map(|s| s.ci95_low.unwrap_or(s.mean))
            .fold(0.0_f64, f64::min);
        let (divisor, unit) = display_unit(kpi, max);
        let y_max = nice_max(max / divisor);
        let y_min = if min < 0.0 {
            -nice_max(-min / divisor)
        } else {
            0.0
        };
        let (x_lo, x_hi) = param
            .values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let pad = if x_hi > x_lo {
            (x_hi - x_lo) * 0.03
        } else {
            0.5_f64.max(x_lo.abs() * 0.1)
        };
        let caption = match scope {
            "route" => format!("{} by route", kpi_title(kpi)),
            "" => kpi_title(kpi),
            other => format!("{} by {other}", kpi_title(kpi)),
        };
        let mut chart = ChartBuilder::on(area)
            .caption(caption, (FONT, theme.caption()).into_font().color(&INK))
            .margin(theme.px(8.0))
            .x_label_area_size(theme.px(62.0))
            .y_label_area_size(theme.px(92.0))
            .build_cartesian_2d((x_lo - pad)..(x_hi + pad), y_min..y_max)?;
        chart
            .configure_mesh()
            .x_desc(param.label())
            .y_desc(unit)
            .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
            .label_style((FONT, theme.label()).into_font().color(&INK))
            .x_labels(8)
            .y_labels(6)
            .x_label_formatter(&|v| format_number(*v))
            .y_label_formatter(&|v| format_number(*v))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        for ((_, _, color), rows) in lines.iter().zip(&rows) {
            let points: Vec<(f64, f64, f64, f64)> = rows
                .iter()
                .filter_map(|r| {
                    let s = r.stat?;
                    Some((
                        r.values[0],
                        s.mean / divisor,
                        s.ci95_low.unwrap_or(s.mean) / divisor,
                        s.ci95_high.unwrap_or(s.mean) / divisor,
                    ))
                })
                .collect();
            band_line(&mut chart, &points, *color, theme)?;
        }
        Ok(())
    }
}

impl Chart for Curves {
    type Data = SweepResults;

    fn stem(&self) -> String {
        "sweep".to_string()
    }

    fn title(&self, results: &SweepResults) -> String {
        format!("Sweep of {}", results.design.params[0].label())
    }

    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        results: &SweepResults,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let height = body.dim_in_pixel().1;
        let (area, strip) = body.split_vertically(height.saturating_sub(theme.px(48.0)));
        let mut entries: Vec<(Swatch, String)> = Vec::new();
        for (_, lines) in &self.panels {
            for (entity, _, color) in lines {
                if !entries.iter().any(|(_, e)| e == entity) {
                    entries.push((Swatch::Line(*color), entity.clone()));
                }
            }
        }
        entries.push((
            Swatch::Area(INK.mix(0.22)),
            format!(
                "95% confidence band ({} replications, common random numbers)",
                results.provenance.replications
            ),
        ));
        legend_strip(&strip, &entries, theme)?;
        for ((key, lines), panel) in self.panels.iter().zip(panels(&area, self.panels.len())) {
            self.draw_panel(results, &panel, key, lines, theme)?;
        }
        Ok(())
    }
}

/// Draws a line through `points` (x, mean, 95% low, 95% high, in the chart's units) with a dot
/// at each and its 95% confidence band under it, in `color`; nothing for no points. The curves of
/// a sweep and of a comparison across demand levels.
pub(crate) fn band_line<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: &[(f64, f64, f64, f64)],
    color: RGBColor,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    if points.is_empty() {
        return Ok(());
    }
    let mut outline: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.3)).collect();
    outline.extend(points.iter().rev().map(|p| (p.0, p.2)));
    chart.draw_series(std::iter::once(Polygon::new(
        outline,
        color.mix(0.22).filled(),
    )))?;
    chart.draw_series(LineSeries::new(
        points.iter().map(|p| (p.0, p.1)),
        color.stroke_width(theme.line()),
    ))?;
    chart.draw_series(
        points
            .iter()
            .map(|p| Circle::new((p.0, p.1), theme.px(5.0), color.filled())),
    )?;
    Ok(())
}

/// A heat-map cell's value: three significant digits below 100, whole numbers above.
fn cell_label(v: f64) -> String {
    if v.abs() >= 100.0 || v == 0.0 {
        format_number(v)
    } else {
        let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{v:.decimals$}")
    }
}

/// A sequential colour scale (viridis, from its published anchor colours), `t` in 0..=1.
pub(crate) fn sequential(t: f64) -> RGBColor {
    const ANCHORS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (ANCHORS.len() - 1) as f64;
    let i = (x.floor() as usize).min(ANCHORS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Two-parameter sweep: one KPI as a grid of coloured cells.
struct Heatmap<'a> {
    kpi: &'a str,
}

impl Chart for Heatmap<'_> {
    type Data = SweepResults;

    fn stem(&self) -> String {
        format!("sweep_{}", slug(self.kpi))
    }

    fn key(&self) -> String {
        self.kpi.to_string()
    }

    fn title(&self, _results: &SweepResults) -> String {
        let (scope, entity, kpi) = split_kpi(self.kpi);
        format!("{} ({scope} {entity})", kpi_title(kpi))
    }

    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        results: &SweepResults,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let (py, px) = (&results.design.params[0], &results.design.params[1]);
        let (_, _, kpi) = split_kpi(self.kpi);
        let rows: Vec<&SweepRow> = results.series(self.kpi).collect();
        let means: Vec<f64> = rows.iter().filter_map(|r| r.stat.map(|s| s.mean)).collect();
        let max = means.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let min = means.iter().cloned().fold(f64::INFINITY, f64::min);
        let (divisor, unit) = display_unit(kpi, max.abs().max(min.abs()));
        let (lo, hi) = if means.is_empty() {
            (0.0, 1.0)
        } else if max > min {
            (min / divisor, max / divisor)
        } else {
            (min / divisor - 0.5, min / divisor + 0.5)
        };
        let width = body.dim_in_pixel().0;
        let (area, bar) = body.split_horizontally(width.saturating_sub(theme.px(190.0)));
        let x_names: Vec<String> = px.values.iter().map(|v| v.to_string()).collect();
        let y_names: Vec<String> = py.values.iter().map(|v| v.to_string()).collect();
        let x_refs: Vec<&str> = x_names.iter().map(String::as_str).collect();
        let y_refs: Vec<&str> = y_names.iter().map(String::as_str).collect();
        let (nx, ny) = (px.values.len() as f64, py.values.len() as f64);
        let mut chart = ChartBuilder::on(&area)
            .margin(theme.px(8.0))
            .x_label_area_size(theme.px(62.0))
            .y_label_area_size(theme.px(110.0))
            .build_cartesian_2d(-0.5..nx - 0.5, -0.5..ny - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(px.label())
            .y_desc(py.label())
            .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
            .label_style((FONT, theme.label()).into_font().color(&INK))
            .x_labels(px.values.len() * 2 + 1)
            .y_labels(py.values.len() * 2 + 1)
            .x_label_formatter(&|v| category_label(&x_refs, *v))
            .y_label_formatter(&|v| category_label(&y_refs, *v))
            .draw()?;
        let cell_font = |color: RGBColor| {
            (FONT, theme.label())
                .into_font()
                .color(&color)
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        let nxu = px.values.len();
        for row in &rows {
            let (i, j) = (row.point / nxu, row.point % nxu);
            let (x, y) = (j as f64, i as f64);
            let cell = [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)];
            match row.stat {
                Some(s) => {
                    let v = s.mean / divisor;
                    let color = sequential((v - lo) / (hi - lo));
                    chart.draw_series(std::iter::once(Rectangle::new(cell, color.filled())))?;
                    let light = 0.299 * f64::from(color.0)
                        + 0.587 * f64::from(color.1)
                        + 0.114 * f64::from(color.2)
                        > 140.0;
                    let ink = if light { INK } else { WHITE };
                    chart.draw_series(std::iter::once(Text::new(
                        cell_label(v),
                        (x, y),
                        cell_font(ink),
                    )))?;
                }
                None => {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        cell,
                        RGBColor(235, 235, 235).filled(),
                    )))?;
                    chart.draw_series(std::iter::once(Text::new(
                        "no value",
                        (x, y),
                        cell_font(INK),
                    )))?;
                }
            }
        }
        // The colour bar.
        let mut scale = ChartBuilder::on(&bar)
            .margin_top(theme.px(8.0))
            .margin_bottom(theme.px(70.0))
            .margin_right(theme.px(8.0))
            .y_label_area_size(theme.px(100.0))
            .caption(unit, (FONT, theme.label()).into_font().color(&INK))
            .build_cartesian_2d(0.0..1.0, lo..hi)?;
        scale
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .label_style((FONT, theme.label()).into_font().color(&INK))
            .y_labels(6)
            .y_label_formatter(&|v| format_number(*v))
            .draw()?;
        const STEPS: usize = 64;
        scale.draw_series((0..STEPS).map(|k| {
            let (a, b) = (k as f64 / STEPS as f64, (k + 1) as f64 / STEPS as f64);
            Rectangle::new(
                [(0.0, lo + a * (hi - lo)), (1.0, lo + b * (hi - lo))],
                sequential((a + b) / 2.0).filled(),
            )
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_names_split_at_the_first_and_last_slash() {
        assert_eq!(
            split_kpi("stage/r/0/aktau/wait_h"),
            ("stage", "r/0/aktau", "wait_h")
        );
        assert_eq!(
            split_kpi("route/r/transit_mean_h"),
            ("route", "r", "transit_mean_h")
        );
        assert_eq!(slug("route/a b/x"), "route_a_b_x");
    }

    #[test]
    fn colour_scale_runs_from_dark_to_light() {
        assert_eq!(sequential(0.0), RGBColor(68, 1, 84));
        assert_eq!(sequential(1.0), RGBColor(253, 231, 37));
        assert_eq!(sequential(f64::NAN), RGBColor(68, 1, 84));
        assert_eq!(display_unit("transit_mean_h", 300.0).0, 24.0);
        assert_eq!(display_unit("wait_mean_h", 3.0).0, 1.0);
        assert_eq!(cell_label(13.44), "13.4");
        assert_eq!(cell_label(0.012345), "0.0123");
        assert_eq!(cell_label(1234.5), "1,235");
    }
}
