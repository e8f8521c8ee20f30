//! Charts of `corridor sensitivity`: a tornado chart per KPI (one-at-a-time swings) and a Morris
//! chart per KPI (mu* and sigma bars), most influential parameter on top in both.

use plotters::coord::Shift;
use plotters::prelude::*;
use rayon::prelude::*;

use super::PlotError;
use super::PlotOptions;
use super::charts::{Swatch, category_label, format_number, legend_strip, nice_max};
use super::render::ChartResult;
use super::render::{Chart, Rendered, check_size, render};
use super::sweep::{display_unit, kpi_title, slug, split_kpi};
use super::theme::{self, FONT, INK, Theme};
use crate::study::sensitivity::{MorrisResults, OatResults};

/// The tornado chart of every KPI, as `tornado_<kpi>`.
pub fn oat_charts(results: &OatResults, options: &PlotOptions) -> Result<Vec<Rendered>, PlotError> {
    check_size(options)?;
    results
        .kpis
        .par_iter()
        .enumerate()
        .map(|(k, kpi)| render(&Tornado { kpi, k }, results, options))
        .collect()
}

/// The Morris chart of every KPI, as `morris_<kpi>`.
pub fn morris_charts(
    results: &MorrisResults,
    options: &PlotOptions,
) -> Result<Vec<Rendered>, PlotError> {
    check_size(options)?;
    results
        .kpis
        .par_iter()
        .map(|kpi| render(&Morris { kpi }, results, options))
        .collect()
}

/// The chart title of KPI column `name` with a prefix.
fn title(prefix: &str, name: &str) -> String {
    let (scope, entity, kpi) = split_kpi(name);
    format!("{prefix}: {} ({scope} {entity})", kpi_title(kpi))
}

/// Where the category of rank `rank` (1 = top) of `n` sits on the y axis.
fn slot(rank: usize, n: usize) -> f64 {
    (n - rank) as f64
}

/// A horizontal bar chart frame: categories on y (top = first of `names`), values on x.
fn frame<'a, DB: DrawingBackend + 'a>(
    area: &'a DrawingArea<DB, Shift>,
    names: &'a [String],
    x_range: std::ops::Range<f64>,
    x_desc: &str,
    theme: &Theme,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    Box<dyn std::error::Error>,
>
where
    DB::ErrorType: 'static,
{
    let n = names.len();
    // Bottom-up order for the axis: position i holds the name of rank n − i.
    let label_width = names
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(4)
        .min(40) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(theme.px(8.0))
        .margin_right(theme.px(30.0))
        .x_label_area_size(theme.px(62.0))
        .y_label_area_size(theme.px(24.0 + 11.5 * label_width))
        .build_cartesian_2d(x_range, -0.6..n as f64 - 0.4)?;
    let bottom_up: Vec<&str> = names.iter().rev().map(String::as_str).collect();
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
        .label_style((FONT, theme.label()).into_font().color(&INK))
        .x_labels(8)
        .y_labels(2 * n + 1)
        .x_label_formatter(&|v| format_number(*v))
        .y_label_formatter(&|v| category_label(&bottom_up, *v))
        .disable_y_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()?;
    Ok(chart)
}

/// Splits off the legend strip at the bottom of `body`, draws `entries` in it and returns the
/// rest.
fn with_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    entries: &[(Swatch, String)],
    theme: &Theme,
) -> Result<DrawingArea<DB, Shift>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let height = body.dim_in_pixel().1;
    let (area, strip) = body.split_vertically(height.saturating_sub(theme.px(48.0)));
    legend_strip(&strip, entries, theme)?;
    Ok(area)
}

/// One KPI's one-at-a-time swings.
struct Tornado<'a> {
    kpi: &'a str,
    k: usize,
}

impl Chart for Tornado<'_> {
    type Data = OatResults;

    fn stem(&self) -> String {
        format!("tornado_{}", slug(self.kpi))
    }

    fn key(&self) -> String {
        self.kpi.to_string()
    }

    fn title(&self, _results: &OatResults) -> String {
        title("One at a time", self.kpi)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        results: &OatResults,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let (low_color, high_color) = (theme::color(0), theme::color(1));
        let area = with_legend(
            body,
            &[
                (
                    Swatch::Area(low_color.mix(0.85)),
                    "parameter at its low end".into(),
                ),
                (
                    Swatch::Area(high_color.mix(0.85)),
                    "parameter at its high end".into(),
                ),
                (Swatch::Line(INK), "base scenario; whiskers: 95% CI".into()),
            ],
            theme,
        )?;
        let rows: Vec<_> = results.ranked(self.kpi).collect();
        let base = results.base[self.k];
        let mut values: Vec<f64> = Vec::new();
        values.extend(base.iter().map(|s| s.mean));
        for row in &rows {
            for s in [row.low, row.high].iter().flatten() {
                values.extend([
                    s.mean,
                    s.ci95_low.unwrap_or(s.mean),
                    s.ci95_high.unwrap_or(s.mean),
                ]);
            }
        }
        let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
        let (_, _, kpi) = split_kpi(self.kpi);
        let (divisor, unit) = display_unit(kpi, max.abs().max(min.abs()));
        let (lo, hi) = if values.is_empty() {
            (0.0, 1.0)
        } else {
            let span = (max - min).max(max.abs() * 0.02).max(1e-9) / divisor;
            (min / divisor - 0.08 * span, max / divisor + 0.08 * span)
        };
        let names: Vec<String> = rows
            .iter()
            .map(|r| {
                let p = &results.parameters[r.parameter];
                let range = format!("{}–{}", format_number(p.low), format_number(p.high));
                if p.scale {
                    format!("{} (×{range})", p.label())
                } else {
                    format!("{} ({range})", p.label())
                }
            })
            .collect();
        let mut chart = frame(&area, &names, lo..hi, &unit, theme)?;
        let n = rows.len();
        let Some(base) = base.map(|s| s.mean / divisor) else {
            return Ok(());
        };
        for row in &rows {
            let y = slot(row.rank, n);
            for (stat, color, y0, y1) in [
                (row.low, low_color, y + 0.02, y + 0.36),
                (row.high, high_color, y - 0.36, y - 0.02),
            ] {
                let Some(s) = stat else { continue };
                let v = s.mean / divisor;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(base, y0), (v, y1)],
                    color.mix(0.85).filled(),
                )))?;
                if let (Some(a), Some(b)) = (s.ci95_low, s.ci95_high) {
                    let ym = (y0 + y1) / 2.0;
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(a / divisor, ym), (b / divisor, ym)],
                        INK.stroke_width(theme.px(2.0)),
                    )))?;
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(base, -0.5), (base, n as f64 - 0.5)],
            INK.stroke_width(theme.line()),
        )))?;
        Ok(())
    }
}

/// One KPI's Morris indices.
struct Morris<'a> {
    kpi: &'a str,
}

impl Chart for Morris<'_> {
    type Data = MorrisResults;

    fn stem(&self) -> String {
        format!("morris_{}", slug(self.kpi))
    }

    fn key(&self) -> String {
        self.kpi.to_string()
    }

    fn title(&self, _results: &MorrisResults) -> String {
        title("Morris screening", self.kpi)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        results: &MorrisResults,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        let (mu_color, sigma_color) = (theme::color(0), theme::color(2));
        let area = with_legend(
            body,
            &[
                (
                    Swatch::Area(mu_color.mix(0.85)),
                    "mu*: mean |elementary effect| (influence)".into(),
                ),
                (
                    Swatch::Area(sigma_color.mix(0.85)),
                    "sigma: sd of the effects (non-linearity, interactions)".into(),
                ),
            ],
            theme,
        )?;
        let rows: Vec<_> = results.ranked(self.kpi).collect();
        let max = rows
            .iter()
            .flat_map(|r| [r.index.mu_star, r.index.sigma])
            .flatten()
            .fold(0.0_f64, f64::max);
        let (_, _, kpi) = split_kpi(self.kpi);
        let (divisor, unit) = display_unit(kpi, max);
        let names: Vec<String> = rows
            .iter()
            .map(|r| results.parameters[r.parameter].label().to_string())
            .collect();
        let x_desc = format!(
            "{unit} per full parameter range ({} trajectories, {} levels)",
            results.design.trajectories.len(),
            results.design.levels
        );
        let mut chart = frame(&area, &names, 0.0..nice_max(max / divisor), &x_desc, theme)?;
        let n = rows.len();
        for row in &rows {
            let y = slot(row.rank, n);
            for (value, color, y0, y1) in [
                (row.index.mu_star, mu_color, y + 0.02, y + 0.38),
                (row.index.sigma, sigma_color, y - 0.38, y - 0.02),
            ] {
                let Some(v) = value else { continue };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y0), (v / divisor, y1)],
                    color.mix(0.85).filled(),
                )))?;
            }
        }
        Ok(())
    }
}
