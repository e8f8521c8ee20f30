//! Parameter sweeps: KPIs as a function of one parameter (a curve) or two (a grid).
//!
//! This module owns what every point-by-point study shares: running a list of scenario variants
//! with common random numbers ([`run_points`]), choosing and checking KPI columns
//! ([`resolve_kpis`], [`default_kpis`]), the estimate of one KPI at one point ([`Stat`]), and the
//! sweep itself: its design ([`SweepDesign`]: one or two parameters, the full grid of their
//! values) and its results ([`SweepResults`], written as `sweep.csv` and `sweep.json`).
//!
//! Every point runs replications `0..n` with the same seed, so replication `r` of every point sees
//! the same random numbers wherever the variants share a process: the curve is smooth and the
//! differences between points are far more precise than the confidence band of each point
//! suggests.

use serde::{Deserialize, Serialize};

pub use super::stat::{Stat, StudyError};

use super::{Sample, sample};
use crate::experiment::SimError;
use crate::experiment::{RunConfig, Runner};
use crate::model::Model;
use crate::report::Provenance;
use crate::stats::kpi::{KpiColumn, Scope};

/// File name of the tidy sweep table.
pub const SWEEP_CSV: &str = "sweep.csv";
/// File name of the sweep's design and results.
pub const SWEEP_JSON: &str = "sweep.json";

/// Checks that a study may vary `path`: not `scenario.seed` or `scenario.replications`, which
/// the study sets for every variant alike.
pub fn check_variable(path: &str) -> Result<(), StudyError> {
    match path {
        "scenario.seed" | "scenario.replications" => {
            Err(StudyError::SharedSetting(path.to_string()))
        }
        _ => Ok(()),
    }
}

/// Builds the model (or the loaded scenario) of every point with `build`; the first error stops
/// (so an invalid variant stops a study before any simulation).
pub fn build_models<P, T, E>(
    points: &[P],
    build: impl Fn(&P) -> Result<T, E>,
) -> Result<Vec<T>, E> {
    points.iter().map(build).collect()
}

/// Runs the Monte Carlo sample of every model: replications `0..config.replications` with
/// `config.seed` each (common random numbers). Models run one after another, each on all of
/// `runner`'s threads; the results do not depend on the number of threads. `done` is called
/// after each model with the number done so far.
pub fn run_models(
    models: &[Model],
    runner: &Runner,
    config: RunConfig,
    mut done: impl FnMut(usize),
) -> Result<Vec<Sample>, SimError> {
    models
        .iter()
        .enumerate()
        .map(|(i, model)| {
            let s = sample(model, runner, config)?;
            done(i + 1);
            Ok(s)
        })
        .collect()
}

/// Why [`run_points`] failed: a point's model could not be built, or one of its replications
/// stopped before its horizon.
#[derive(Debug)]
pub enum PointsError<E> {
    /// Building a model failed.
    Build(E),
    /// A replication stopped.
    Run(SimError),
}

/// [`build_models`] then [`run_models`].
pub fn run_points<P, E>(
    points: &[P],
    build: impl Fn(&P) -> Result<Model, E>,
    runner: &Runner,
    config: RunConfig,
) -> Result<Vec<Sample>, PointsError<E>> {
    let models = build_models(points, build).map_err(PointsError::Build)?;
    run_models(&models, runner, config, |_| {}).map_err(PointsError::Run)
}

/// Checks `requested` KPI names against `columns` (the columns of `replications.csv`); an unknown
/// name is an error listing the nearest valid names. Duplicates are dropped, order is kept.
pub fn resolve_kpis(
    columns: &[KpiColumn],
    requested: &[String],
) -> Result<Vec<String>, StudyError> {
    let names: Vec<String> = columns.iter().map(KpiColumn::name).collect();
    let mut out: Vec<String> = Vec::new();
    for name in requested {
        if !names.contains(name) {
            return Err(StudyError::UnknownKpi {
                name: name.clone(),
                nearest: crate::scenario::error::nearest(name, &names, 5),
            });
        }
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    Ok(out)
}

/// The KPIs a study reports when none are asked for: for every route that delivers anything in
/// any of `samples`, its throughput (TEU/day), mean transit time and 95th-percentile transit
/// time (hours), grouped by KPI, routes in scenario order.
pub fn default_kpis(samples: &[Sample]) -> Vec<String> {
    let Some(first) = samples.first() else {
        return Vec::new();
    };
    let delivering: Vec<&str> = first
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.scope == Scope::Route && c.kpi == "delivered_teu")
        .filter(|(i, _)| {
            samples
                .iter()
                .any(|s| s.kpis[*i].estimate.as_ref().is_some_and(|e| e.mean > 0.0))
        })
        .map(|(_, c)| c.entity.as_str())
        .collect();
    ["throughput_teu_per_day", "transit_mean_h", "transit_p95_h"]
        .iter()
        .flat_map(|kpi| {
            delivering
                .iter()
                .map(move |route| format!("route/{route}/{kpi}"))
        })
        .collect()
}

/// One swept parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepParameter {
    /// Parameter path (`node.aktau-port.servers`), or [`DEMAND_PATH`](super::demand::DEMAND_PATH)
    /// for the demand levels.
    pub path: String,
    /// Whether the values multiply the scenario's number(s) (`true`) or replace them.
    pub scale: bool,
    /// The values (or multipliers), in sweep order.
    pub values: Vec<f64>,
    /// For the demand levels: the flows they scale (empty: every flow).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<String>,
}

impl SweepParameter {
    /// The column name of this parameter in `sweep.csv`: the path, with `_scale` appended for
    /// multipliers.
    pub fn column(&self) -> String {
        if self.scale {
            format!("{}_scale", self.path)
        } else {
            self.path.clone()
        }
    }

    /// Whether this is the demand axis (every flow's volume, or the named flows').
    pub fn is_demand(&self) -> bool {
        self.path == super::demand::DEMAND_PATH
    }

    /// How the axis of a chart describes this parameter.
    pub fn label(&self) -> String {
        if self.is_demand() {
            let flows = super::demand::DemandFlows(self.flows.clone()).describe();
            format!("demand (× the volume of {flows})")
        } else if self.scale {
            format!("{} (× scenario value)", self.path)
        } else {
            self.path.clone()
        }
    }
}

/// A checked sweep: one parameter (a curve) or two (every combination of their values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepDesign {
    /// The parameters.
    pub params: Vec<SweepParameter>,
}

impl SweepDesign {
    /// Checks `params`: one or two, distinct paths, each with at least one finite value.
    pub fn new(params: Vec<SweepParameter>) -> Result<SweepDesign, StudyError> {
        match params.len() {
            0 => return Err(StudyError::NoParameters),
            1 | 2 => {}
            n => return Err(StudyError::TooManyParameters(n)),
        }
        if params.len() == 2 && params[0].path == params[1].path {
            return Err(StudyError::DuplicateParameter(params[0].path.clone()));
        }
        for p in &params {
            check_variable(&p.path)?;
            if p.values.is_empty() {
                return Err(StudyError::NoValues(p.path.clone()));
            }
            if p.is_demand() {
                if !p.scale {
                    return Err(StudyError::Setting(format!(
                        "parameter {}: the demand levels multiply the flows' volumes; give them with --demand",
                        p.path
                    )));
                }
                super::demand::check_levels(&p.values)?;
            } else if !p.flows.is_empty() {
                return Err(StudyError::Setting(format!(
                    "parameter {}: flows apply only to the demand levels (--demand)",
                    p.path
                )));
            }
            if let Some(&value) = p.values.iter().find(|v| !v.is_finite()) {
                return Err(StudyError::NotFinite {
                    path: p.path.clone(),
                    value,
                });
            }
        }
        Ok(SweepDesign { params })
    }

    /// Every point, one value per parameter: for two parameters the full grid, the first
    /// parameter varying slowest.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let mut points: Vec<Vec<f64>> = vec![Vec::new()];
        for p in &self.params {
            points = points
                .iter()
                .flat_map(|prefix| {
                    p.values.iter().map(move |&v| {
                        let mut point = prefix.clone();
                        point.push(v);
                        point
                    })
                })
                .collect();
        }
        points
    }
}

/// One KPI at one sweep point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Point index (row of the design).
    pub point: usize,
    /// The parameter values at the point, in design order.
    pub values: Vec<f64>,
    /// KPI column name.
    pub kpi: String,
    /// Its estimate (`null` if no replication had a value).
    pub stat: Option<Stat>,
}

/// The results of a sweep: the content of `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    /// Where the results came from (version, format version, scenario, seed, replications,
    /// command line).
    pub provenance: Provenance,
    /// The design.
    pub design: SweepDesign,
    /// The KPI columns reported, in order.
    pub kpis: Vec<String>,
    /// One row per point and KPI, points in design order.
    pub rows: Vec<SweepRow>,
}

impl SweepResults {
    /// Collects the results of `samples` (one per point of `design`, in order) for `kpis`.
    /// `provenance` says where they came from.
    pub fn new(
        provenance: Provenance,
        design: SweepDesign,
        kpis: Vec<String>,
        samples: &[Sample],
    ) -> SweepResults {
        let points = design.points();
        let mut rows = Vec::with_capacity(points.len() * kpis.len());
        for (point, (values, sample)) in points.iter().zip(samples).enumerate() {
            for kpi in &kpis {
                rows.push(SweepRow {
                    point,
                    values: values.clone(),
                    kpi: kpi.clone(),
                    stat: Stat::of(sample, kpi),
                });
            }
        }
        SweepResults {
            provenance,
            design,
            kpis,
            rows,
        }
    }

    /// The rows of KPI `kpi`, in point order.
    pub fn series<'a>(&'a self, kpi: &'a str) -> impl Iterator<Item = &'a SweepRow> + 'a {
        self.rows.iter().filter(move |r| r.kpi == kpi)
    }

    /// `sweep.csv`: one row per point and KPI: `point`, the parameter value(s) (column named by
    /// path, `_scale` appended for multipliers), `kpi`, `n`, `mean`, `sd`, `ci95_low`,
    /// `ci95_high` (empty where there is no value).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut header = vec!["point".to_string()];
        header.extend(self.design.params.iter().map(SweepParameter::column));
        header.extend(
            ["kpi", "n", "mean", "sd", "ci95_low", "ci95_high"]
                .iter()
                .map(|s| s.to_string()),
        );
        let mut lines = vec![header];
        for row in &self.rows {
            let mut line = vec![row.point.to_string()];
            line.extend(row.values.iter().map(|v| v.to_string()));
            line.push(row.kpi.clone());
            line.extend(stat_cells(row.stat.as_ref()));
            lines.push(line);
        }
        csv_bytes(&lines)
    }

    /// `sweep.json`, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("sweep results serialize");
        text.push('\n');
        text
    }
}

/// The `n`, `mean`, `sd`, `ci95_low`, `ci95_high` cells of an estimate (empty without one).
pub(crate) fn stat_cells(stat: Option<&Stat>) -> Vec<String> {
    let cell = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    match stat {
        Some(s) => vec![
            s.n.to_string(),
            s.mean.to_string(),
            s.sd.to_string(),
            cell(s.ci95_low),
            cell(s.ci95_high),
        ],
        None => vec![
            "0".to_string(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}

/// A CSV file of `lines` (quoted where needed).
pub(crate) fn csv_bytes(lines: &[Vec<String>]) -> Vec<u8> {
    let mut writer = crate::report::csv::Writer::from_writer(Vec::new());
    for line in lines {
        writer
            .write_record(line)
            .expect("writing CSV to memory cannot fail");
    }
    writer
        .into_inner()
        .expect("writing CSV to memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(path: &str, values: &[f64]) -> SweepParameter {
        SweepParameter {
            flows: Vec::new(),
            path: path.to_string(),
            scale: false,
            values: values.to_vec(),
        }
    }

    #[test]
    fn grid_varies_the_first_parameter_slowest() {
        let design =
            SweepDesign::new(vec![param("a", &[1.0, 2.0]), param("b", &[5.0, 6.0, 7.0])]).unwrap();
        let points = design.points();
        assert_eq!(points.len(), 6);
        assert_eq!(points[0], vec![1.0, 5.0]);
        assert_eq!(points[2], vec![1.0, 7.0]);
        assert_eq!(points[3], vec![2.0, 5.0]);
    }

    #[test]
    fn designs_are_checked() {
        assert_eq!(SweepDesign::new(vec![]), Err(StudyError::NoParameters));
        let three = vec![param("a", &[1.0]), param("b", &[1.0]), param("c", &[1.0])];
        assert_eq!(
            SweepDesign::new(three),
            Err(StudyError::TooManyParameters(3))
        );
        assert_eq!(
            SweepDesign::new(vec![param("a", &[])]),
            Err(StudyError::NoValues("a".into()))
        );
        assert!(SweepDesign::new(vec![param("a", &[f64::NAN])]).is_err());
        assert!(SweepDesign::new(vec![param("a", &[1.0]), param("a", &[2.0])]).is_err());
        assert_eq!(
            SweepDesign::new(vec![param("scenario.seed", &[1.0, 2.0])]),
            Err(StudyError::SharedSetting("scenario.seed".into()))
        );
    }

    #[test]
    fn nearest_names_come_first() {
        let names: Vec<String> = [
            "route/r/transit_mean_h",
            "route/r/transit_p95_h",
            "node/x/wait_mean_h",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            crate::scenario::error::nearest("route/r/transit_men_h", &names, 1),
            vec![names[0].clone()]
        );
    }

    #[test]
    fn statistics_of_values() {
        let s = Stat::of_values(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.mean, 2.0);
        assert_eq!(s.sd, 1.0);
        let half = crate::base::estimate::t_critical(0.95, 2) / 3f64.sqrt();
        assert!((s.ci95_high.unwrap() - 2.0 - half).abs() < 1e-12);
        assert!(Stat::of_values(&[]).is_none());
        assert_eq!(Stat::of_values(&[4.0]).unwrap().ci95_low, None);
    }
}
