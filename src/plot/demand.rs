//! The chart of `corridor compare --demand`: KPIs against the demand offered, one line per
//! scenario (the base first) with its 95% confidence band, and each scenario's saturation
//! bracket shaded in its colour, so "the variant matters from X TEU a year" can be read off.
//!
//! Owns `charts/demand.svg|png`. It reads a [`DemandComparison`] only. Panels: the TEU delivered
//! a year on the scaled flows' routes against the TEU offered (with the line where delivered
//! equals offered), then, for each of the comparison's main routes, its mean and its 95th
//! percentile transit time (or, with `--kpi`, each chosen headline KPI of the first variant's
//! comparison, at most `MAX_PANELS`). The x axis is the TEU a year each scenario's scaled flows
//! offer at each level.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::{Swatch, format_number, legend_strip, nice_max, panels};
use super::render::{Chart, ChartResult, Rendered, check_size, render};
use super::sweep::{band_line, display_unit, kpi_title};
use super::theme::{self, FONT, INK, Theme};
use super::{PlotError, PlotOptions};
use crate::base::estimate::{CONFIDENCE, t_critical};
use crate::study::demand::DemandComparison;

/// File stem of the chart.
pub(crate) const STEM: &str = "demand";

/// Most panels.
pub(crate) const MAX_PANELS: usize = 6;

/// One point of a line: x (TEU a year offered), mean, CI low, CI high.
type Point = (f64, f64, f64, f64);

/// One panel: its title, the KPI name that sets its unit, one line per scenario, and whether it
/// shows the "delivered = offered" diagonal.
struct Panel {
    title: String,
    kpi: String,
    lines: Vec<Vec<Point>>,
    diagonal: bool,
}

/// The chart (its panels are computed from the comparison when drawn).
struct DemandChart;

/// The chart of `comparison` (SVG and PNG).
pub fn chart(comparison: &DemandComparison, options: &PlotOptions) -> Result<Rendered, PlotError> {
    check_size(options)?;
    render(&DemandChart, comparison, options)
}

/// A mean with its 95% interval from a mean, sd and count (`None` below two values).
fn interval(mean: f64, sd: f64, n: u64) -> (f64, f64) {
    if n < 2 {
        return (mean, mean);
    }
    let hw = t_critical(CONFIDENCE, n - 1) * sd / (n as f64).sqrt();
    (mean - hw, mean + hw)
}

fn panels_of(c: &DemandComparison) -> Vec<Panel> {
    let scenarios = 1 + c.variants.len();
    let mut out = Vec::new();
    // Delivered against offered.
    let delivered: Vec<Vec<Point>> = (0..scenarios)
        .map(|s| {
            c.levels
                .iter()
                .filter_map(|l| {
                    let d = &l.delivery[s];
                    let stat = d.delivered_teu_per_year?;
                    Some((
                        d.offered_teu_per_year,
                        stat.mean,
                        stat.ci95_low.unwrap_or(stat.mean),
                        stat.ci95_high.unwrap_or(stat.mean),
                    ))
                })
                .collect()
        })
        .collect();
    out.push(Panel {
        title: format!("TEU delivered a year ({})", c.flows.describe()),
        kpi: "teu_per_year".to_string(),
        lines: delivered,
        diagonal: true,
    });
    // KPI panels: the headline KPIs of the main routes (or every headline KPI chosen).
    let Some(first) = c.levels.first().and_then(|l| l.differences.first()) else {
        return out;
    };
    let chosen: Vec<usize> = first
        .comparison
        .kpis
        .iter()
        .enumerate()
        .filter(|(_, k)| k.headline)
        .filter(|(_, k)| {
            c.main_routes.is_empty()
                || (c.main_routes.contains(&k.entity)
                    && matches!(k.kpi.as_str(), "transit_mean_h" | "transit_p95_h"))
        })
        .map(|(i, _)| i)
        .take(MAX_PANELS - 1)
        .collect();
    for i in chosen {
        let k = &first.comparison.kpis[i];
        let same = |other: &crate::study::compare::KpiDifference| {
            other.scope == k.scope && other.entity == k.entity && other.kpi == k.kpi
        };
        let lines: Vec<Vec<Point>> = (0..scenarios)
            .map(|s| {
                c.levels
                    .iter()
                    .filter_map(|l| {
                        let x = l.delivery[s].offered_teu_per_year;
                        // The base's values from the first variant's comparison, a variant's
                        // from its own.
                        let diff = l.differences.get(s.saturating_sub(1))?;
                        let kd = diff.comparison.kpis.get(i).filter(|kd| same(kd))?;
                        let m = if s == 0 { kd.base? } else { kd.variant? };
                        let (low, high) = interval(m.mean, m.sd, kd.n);
                        Some((x, m.mean, low, high))
                    })
                    .collect()
            })
            .collect();
        out.push(Panel {
            title: format!("{} · {}", kpi_title(&k.kpi), k.entity),
            kpi: k.kpi.clone(),
            lines,
            diagonal: false,
        });
    }
    out
}

impl Chart for DemandChart {
    type Data = DemandComparison;

    fn stem(&self) -> String {
        STEM.to_string()
    }

    fn title(&self, c: &DemandComparison) -> String {
        format!(
            "KPIs against demand: {} replications per level; shaded where each scenario saturates",
            c.provenance.replications
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        c: &DemandComparison,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let height = body.dim_in_pixel().1;
        let (area, strip) = body.split_vertically(height.saturating_sub(theme.px(48.0)));
        let names: Vec<&str> = std::iter::once(&c.base)
            .chain(&c.variants)
            .map(|s| s.name.as_str())
            .collect();
        let mut entries: Vec<(Swatch, String)> = names
            .iter()
            .enumerate()
            .map(|(i, name)| (Swatch::Line(theme::color(i)), name.to_string()))
            .collect();
        entries.push((
            Swatch::Area(INK.mix(0.22)),
            "95% confidence band".to_string(),
        ));
        entries.push((
            Swatch::Area(INK.mix(0.10)),
            "saturates (last stable to first unstable level)".to_string(),
        ));
        entries.push((
            Swatch::Line(RGBColor(150, 150, 150)),
            "dashed: delivered = offered".to_string(),
        ));
        legend_strip(&strip, &entries, theme)?;
        let panels_data = panels_of(c);
        for (panel, p) in panels_data.iter().zip(panels(&area, panels_data.len())) {
            draw_panel(&p, c, panel, theme)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &DemandComparison,
    panel: &Panel,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let points = panel.lines.iter().flatten();
    // The x range of every panel: the demand offered by every scenario at every level.
    let offered = c
        .levels
        .iter()
        .flat_map(|l| l.delivery.iter().map(|d| d.offered_teu_per_year));
    let x_min = offered.clone().fold(f64::INFINITY, f64::min);
    let x_max = offered.fold(0.0_f64, f64::max);
    let pad = if x_max > x_min {
        (x_max - x_min) * 0.05
    } else {
        x_max.max(1.0) * 0.1
    };
    let (x_lo, x_hi) = ((x_min - pad).max(0.0), x_max + pad);
    let y_max = points.clone().map(|p| p.3).fold(0.0_f64, f64::max);
    let y_max = if panel.diagonal {
        y_max.max(x_hi)
    } else {
        y_max
    };
    let (divisor, unit) = if panel.diagonal {
        (1.0, "TEU/yr".to_string())
    } else {
        display_unit(&panel.kpi, y_max)
    };
    let y_hi = nice_max(y_max / divisor);
    let mut chart = ChartBuilder::on(area)
        .caption(
            panel.title.clone(),
            (FONT, theme.caption()).into_font().color(&INK),
        )
        .margin(theme.px(8.0))
        .x_label_area_size(theme.px(62.0))
        .y_label_area_size(theme.px(92.0))
        .build_cartesian_2d(x_lo..x_hi, 0.0..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("TEU a year offered")
        .y_desc(unit)
        .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
        .label_style((FONT, theme.label()).into_font().color(&INK))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| format_number(*v))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    // Saturation brackets, each in its scenario's colour.
    for (i, s) in c.saturation.iter().enumerate() {
        let Some(unstable) = s.unstable_from else {
            continue;
        };
        let from = s.stable_up_to.map_or(x_lo, |p| p.offered_teu_per_year);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(from, 0.0), (unstable.offered_teu_per_year, y_hi)],
            theme::color(i).mix(0.12).filled(),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (unstable.offered_teu_per_year, 0.0),
                (unstable.offered_teu_per_year, y_hi),
            ],
            theme::color(i).mix(0.6).stroke_width(theme.px(2.0)),
        )))?;
    }
    if panel.diagonal {
        let end = x_hi.min(y_hi);
        chart.draw_series(DashedLineSeries::new(
            vec![(x_lo, x_lo), (end, end)],
            theme.px(10.0),
            theme.px(6.0),
            INK.mix(0.5).stroke_width(theme.px(2.0)),
        ))?;
    }
    for (i, line) in panel.lines.iter().enumerate() {
        let scaled: Vec<Point> = line
            .iter()
            .map(|p| (p.0, p.1 / divisor, p.2 / divisor, p.3 / divisor))
            .collect();
        band_line(&mut chart, &scaled, theme::color(i), theme)?;
    }
    Ok(())
}
