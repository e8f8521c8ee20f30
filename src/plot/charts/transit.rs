//! Transit-time distribution per route: a histogram of TEU share by days in transit, with the
//! pooled median and 95th percentile marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    chart_routes, draw_legend, format_number, legend_line, nice_max, panels, route_color,
    routes_shown,
};
use crate::plot::data::{ResultSet, TransitBin};
use crate::plot::render::Chart;
use crate::plot::render::ChartResult;
use crate::plot::theme::{self, FONT, INK, Theme};

/// Bars per panel.
const BARS: usize = 40;

/// Routes with a transit time, with their histograms.
fn charted(data: &ResultSet) -> Vec<&(String, Vec<TransitBin>)> {
    data.transit
        .iter()
        .filter(|(_, bins)| bins.iter().any(|b| b.teu > 0))
        .collect()
}

/// Transit-time distribution per route with p50 and p95.
pub(super) struct Transit;

impl Chart for Transit {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "transit_time".to_string()
    }

    fn title(&self, data: &ResultSet) -> String {
        let all = charted(data);
        let of = all.len();
        format!(
            "Transit time per TEU, by route{}",
            routes_shown(chart_routes(data, all).len(), of)
        )
    }

    fn caption(&self) -> &str {
        "Share of TEU by end-to-end time (origin to end of the last node), all \
         replications pooled, with the median (p50) and 95th percentile (p95) marked."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        data.transit.iter().any(|(_, bins)| !bins.is_empty())
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
        for ((route, bins), panel) in routes.iter().zip(panels(area, routes.len())) {
            let summary = data.report.summary.routes.iter().find(|r| &r.id == route);
            let p50 = summary.and_then(|r| r.transit_p50_pooled_h);
            let p95 = summary.and_then(|r| r.transit_p95_pooled_h);
            let (low, width, shares) = rebin(bins, BARS);
            // Days, unless the whole range is under two days.
            let in_hours = low + width * shares.len() as f64 <= 48.0;
            let (unit, per_hour) = if in_hours {
                ("hours", 1.0)
            } else {
                ("days", 1.0 / 24.0)
            };
            let to_days = |h: f64| h * per_hour;
            let x_min = to_days(low);
            let x_max = to_days(low + width * shares.len() as f64);
            let y_max = nice_max(shares.iter().cloned().fold(0.0, f64::max) * 100.0);
            let mut chart = ChartBuilder::on(&panel)
                .caption(
                    route.as_str(),
                    (FONT, theme.caption()).into_font().color(&INK),
                )
                .margin(theme.px(8.0))
                .x_label_area_size(theme.px(62.0))
                .y_label_area_size(theme.px(92.0))
                .build_cartesian_2d(x_min..x_max, 0.0..y_max)?;
            chart
                .configure_mesh()
                .x_desc(format!("{unit} from origin to delivery"))
                .y_desc("% of TEU")
                .axis_desc_style((FONT, theme.axis()).into_font().color(&INK))
                .label_style((FONT, theme.label()).into_font().color(&INK))
                .x_labels(8)
                .y_labels(5)
                .x_label_formatter(&|v| format_number(*v))
                .y_label_formatter(&|v| format_number(*v))
                .light_line_style(WHITE)
                .bold_line_style(RGBColor(225, 225, 225))
                .draw()?;
            let color = route_color(data, route);
            chart.draw_series(shares.iter().enumerate().map(|(k, share)| {
                let x0 = to_days(low + width * k as f64);
                let x1 = to_days(low + width * (k + 1) as f64);
                Rectangle::new([(x0, 0.0), (x1, share * 100.0)], color.mix(0.75).filled())
            }))?;
            for (name, value, marker) in [
                ("p50", p50, theme::INK),
                ("p95", p95, RGBColor(200, 30, 30)),
            ] {
                let Some(hours) = value else { continue };
                let days = to_days(hours);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(days, 0.0), (days, y_max * 0.97)],
                        marker.stroke_width(theme.line()),
                    )))?
                    .label(format!("{name} = {days:.1} {unit}"))
                    .legend(legend_line(marker, theme));
            }
            draw_legend(&mut chart, SeriesLabelPosition::UpperRight, theme)?;
        }
        Ok(())
    }
}

/// Spreads the TEU of the file's bins (log-spaced, of unequal width) over `bars` equal bars
/// covering the 0.1%..99.9% range; returns the first edge, the bar width (hours) and each bar's
/// share of all TEU. A source bin that straddles bars is split in proportion to the overlap.
fn rebin(bins: &[TransitBin], bars: usize) -> (f64, f64, Vec<f64>) {
    let total: u64 = bins.iter().map(|b| b.teu).sum();
    if total == 0 {
        return (0.0, 1.0, Vec::new());
    }
    let quantile = |q: f64| {
        let mut seen = 0.0;
        for b in bins {
            seen += b.teu as f64;
            if seen >= q * total as f64 {
                return b.transit_high_h;
            }
        }
        bins.last().map_or(0.0, |b| b.transit_high_h)
    };
    let first = bins
        .iter()
        .find(|b| b.teu > 0)
        .map_or(0.0, |b| b.transit_low_h);
    let low = first
        .max(quantile(0.001) - (quantile(0.999) - quantile(0.001)) * 0.02)
        .max(0.0);
    let high = quantile(0.999).max(low + 1e-9);
    let width = (high - low) / bars as f64;
    let mut shares = vec![0.0; bars];
    for b in bins.iter().filter(|b| b.teu > 0) {
        let span = (b.transit_high_h - b.transit_low_h).max(1e-12);
        for (k, share) in shares.iter_mut().enumerate() {
            let x0 = low + width * k as f64;
            let x1 = x0 + width;
            let overlap = (b.transit_high_h.min(x1) - b.transit_low_h.max(x0)).max(0.0);
            *share += b.teu as f64 * overlap / span / total as f64;
        }
    }
    (low, width, shares)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebinning_keeps_the_mass_inside_the_range() {
        let bins: Vec<TransitBin> = (0..100)
            .map(|k| TransitBin {
                transit_low_h: 100.0 + k as f64,
                transit_high_h: 101.0 + k as f64,
                teu: 10,
            })
            .collect();
        let (low, width, shares) = rebin(&bins, 20);
        assert!((98.0..=100.0).contains(&low));
        assert!((width * 20.0 + low - 200.0).abs() < 1.0);
        let mass: f64 = shares.iter().sum();
        assert!((mass - 1.0).abs() < 0.01, "{mass}");
    }
}
