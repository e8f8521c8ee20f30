//! What every study reports and how it fails: [`Stat`], one KPI's mean over a sample's
//! replications with its 95% confidence interval (also of paired differences), and
//! [`StudyError`], why a study cannot run as asked. Shared by the sweep, the comparison across
//! demand levels and the sensitivity studies (`super::sweep` re-exports both).

use serde::{Deserialize, Serialize};

use super::Sample;
use crate::base::Estimate;
use crate::base::Welford;

/// Why a study cannot run as asked.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StudyError {
    /// No parameter to vary.
    #[error(
        "nothing to sweep: give --param PATH=v1,v2,... or --scale PATH=f1,f2,..., or a [sweep] section in the scenario"
    )]
    NoParameters,
    /// More than two parameters.
    #[error(
        "a sweep varies one parameter (a curve) or two (a grid), not {0}; split it into several sweeps"
    )]
    TooManyParameters(usize),
    /// The same parameter twice.
    #[error("parameter {0} is swept twice")]
    DuplicateParameter(String),
    /// A parameter without values.
    #[error("parameter {0} has no values to sweep")]
    NoValues(String),
    /// A value that is not a finite number.
    #[error("parameter {path}: value {value} is not a finite number")]
    NotFinite {
        /// The parameter path.
        path: String,
        /// The value.
        value: f64,
    },
    /// A KPI column that the scenario does not have.
    #[error("unknown KPI {name}; {}", suggestion_text(.nearest))]
    UnknownKpi {
        /// The name asked for.
        name: String,
        /// The nearest valid column names.
        nearest: Vec<String>,
    },
    /// A run setting that every variant of a study shares.
    #[error(
        "{0} cannot be varied in a study: every variant runs the same replications with the same seed (common random numbers); use --replications and --seed"
    )]
    SharedSetting(String),
    /// A bad setting of a study method.
    #[error("{0}")]
    Setting(String),
}

fn suggestion_text(nearest: &[String]) -> String {
    if nearest.is_empty() {
        "KPI names are the columns of replications.csv, `scope/entity/kpi`".to_string()
    } else {
        format!(
            "KPI names are the columns of replications.csv (`scope/entity/kpi`); the nearest are: {}",
            nearest.join(", ")
        )
    }
}

/// One KPI at one point: mean over replications with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    /// Replications that had a value.
    pub n: u64,
    /// Mean over those replications.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// Lower end of the 95% confidence interval (`null` below two replications).
    pub ci95_low: Option<f64>,
    /// Upper end of the 95% confidence interval.
    pub ci95_high: Option<f64>,
}

impl Stat {
    /// The estimate of column `name` in `sample` (`None` if no replication had a value).
    pub fn of(sample: &Sample, name: &str) -> Option<Stat> {
        let index = sample.column(name)?;
        sample.kpis[index].estimate.as_ref().map(Stat::from)
    }

    /// The mean and 95% interval of paired differences `b − a`, replication by replication, of
    /// column `name` (replications where either has no value are left out). With common random
    /// numbers this is much narrower than the two intervals suggest.
    pub fn paired_difference(a: &Sample, b: &Sample, name: &str) -> Option<Stat> {
        let (ia, ib) = (a.column(name)?, b.column(name)?);
        let diffs: Vec<f64> = a
            .values(ia)
            .zip(b.values(ib))
            .filter_map(|(x, y)| Some(y? - x?))
            .collect();
        Stat::of_values(&diffs)
    }

    /// Mean, sd and 95% interval (Student t) of independent values, accumulated in order as
    /// every other estimate is (`Welford`, `Estimate`).
    pub fn of_values(values: &[f64]) -> Option<Stat> {
        let mut acc = Welford::default();
        for &value in values {
            acc.add(value);
        }
        Estimate::from_welford(&acc).as_ref().map(Stat::from)
    }
}

impl From<&Estimate> for Stat {
    fn from(estimate: &Estimate) -> Stat {
        Stat {
            n: estimate.n,
            mean: estimate.mean,
            sd: estimate.sd,
            ci95_low: estimate.low(),
            ci95_high: estimate.high(),
        }
    }
}

/// A mean with its 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Point estimate.
    pub mean: f64,
    /// Half-width of the 95% confidence interval.
    pub half_width: f64,
    /// Lower end of the 95% confidence interval.
    pub low: f64,
    /// Upper end of the 95% confidence interval.
    pub high: f64,
}

impl Interval {
    pub(crate) fn new(mean: f64, half_width: f64) -> Interval {
        Interval {
            mean,
            half_width,
            low: mean - half_width,
            high: mean + half_width,
        }
    }
}
