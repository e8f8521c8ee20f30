//! Fleets: departures per week (mean with band) and the week's achieved load factor.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BandSeries, TimePanel, axis_dates};
use crate::plot::data::{Point, ResultSet};
use crate::plot::render::Chart;
use crate::plot::render::ChartResult;
use crate::plot::theme::{self, Theme};
use crate::stats::kpi::Scope;

/// Departures per week and achieved load factor per fleet.
pub(super) struct Fleets;

impl Chart for Fleets {
    type Data = ResultSet;

    fn stem(&self) -> String {
        "fleets".to_string()
    }

    fn title(&self, _data: &ResultSet) -> String {
        "Fleets: departures and load factor".to_string()
    }

    fn caption(&self) -> &str {
        "Departures from the home port per week (per day for runs shorter than eight \
         weeks), mean with 95% band, and the period's TEU loaded over departures times \
         nominal capacity."
    }

    fn applies(&self, data: &ResultSet) -> bool {
        !data.fleets.is_empty()
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
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        let fleets = &data.report.summary.fleets;
        let replications = data.report.summary.replications;
        let period = data.period.hours();
        let x_max = data.horizon_h() / period;
        let warmup_end = data.warmup_h() / period;
        let x_desc = format!("{} of the run", data.period.name());
        let y_desc = format!("departures per {}", data.period.name());

        let departures: Vec<BandSeries> = data
            .fleets
            .iter()
            .enumerate()
            .map(|(i, (id, weeks))| BandSeries {
                label: format!(
                    "{id} ({} vehicles), mean of {replications} replications",
                    vehicles(data, id)
                ),
                color: theme::color(i),
                points: &weeks.departures,
            })
            .collect();
        TimePanel {
            caption: "Departures from the home port",
            x_desc: &x_desc,
            y_desc: &y_desc,
            x_max,
            warmup_end,
            windows: &[],
            window_label: None,
            legend: Some(SeriesLabelPosition::UpperRight),
            y_limit: None,
            dates: axis_dates(data, data.period.hours()),
            marks: Vec::new(),
        }
        .draw(&top, &departures, theme)?;

        // Load factor of the week: mean TEU loaded / (mean departures x capacity), a ratio of means.
        let load_factors: Vec<(String, Vec<Point>)> = data
            .fleets
            .iter()
            .map(|(id, weeks)| {
                let capacity = fleets
                    .iter()
                    .find(|f| &f.id == id)
                    .map_or(0.0, |f| f64::from(f.capacity_teu));
                let points = weeks
                    .departures
                    .iter()
                    .zip(&weeks.loaded_teu)
                    .filter(|(d, _)| d.mean > 0.0 && capacity > 0.0)
                    .map(|(d, l)| {
                        let lf = 100.0 * l.mean / (d.mean * capacity);
                        Point {
                            t: d.t,
                            mean: lf,
                            low: lf,
                            high: lf,
                            warmup: d.warmup,
                        }
                    })
                    .collect();
                (id.clone(), points)
            })
            .collect();
        let series: Vec<BandSeries> = load_factors
            .iter()
            .enumerate()
            .map(|(i, (id, points))| {
                let overall = fleets
                    .iter()
                    .find(|f| &f.id == id)
                    .and_then(|f| {
                        data.report
                            .summary
                            .estimate(Scope::Fleet, &f.id, "achieved_load_factor")
                    })
                    .map_or(String::new(), |e| {
                        format!(
                            ", year {:.1}% ± {:.1}",
                            e.mean * 100.0,
                            e.half_width.unwrap_or(0.0) * 100.0
                        )
                    });
                BandSeries {
                    label: format!("{id}{overall}"),
                    color: theme::color(i),
                    points,
                }
            })
            .collect();
        TimePanel {
            caption: "Achieved load factor (TEU loaded / departures x nominal capacity)",
            x_desc: &x_desc,
            y_desc: "% of capacity",
            x_max,
            warmup_end,
            windows: &[],
            window_label: None,
            legend: Some(SeriesLabelPosition::LowerRight),
            y_limit: Some(100.0),
            dates: axis_dates(data, data.period.hours()),
            marks: Vec::new(),
        }
        .draw(&bottom, &series, theme)?;
        Ok(())
    }
}

fn vehicles(data: &ResultSet, id: &str) -> u32 {
    data.report
        .summary
        .fleets
        .iter()
        .find(|f| f.id == id)
        .map_or(0, |f| f.vehicles)
}
