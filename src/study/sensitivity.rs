//! Sensitivity analysis over a scenario's uncertain parameters: one-at-a-time swings (a tornado
//! chart) and Morris elementary effects (a screening ranking).
//!
//! This module owns the uncertain parameters as a study sees them ([`UncertainParameter`]: path,
//! range, whether the range multiplies the scenario's number), the one-at-a-time design and its
//! results ([`OatResults`], `oat.csv`/`oat.json`), and the Morris results ([`MorrisResults`],
//! `morris.csv`/`morris.json`/`morris_design.csv`; the design itself is in [`super::morris`]).
//! Every point runs with the same seed and replications (common random numbers).

use serde::{Deserialize, Serialize};

use super::Sample;
use super::morris::{MorrisDesign, MorrisIndex};
use super::sweep::{Stat, csv_bytes, stat_cells};
use crate::report::Provenance;

/// File name of the one-at-a-time table.
pub const OAT_CSV: &str = "oat.csv";
/// File name of the one-at-a-time results.
pub const OAT_JSON: &str = "oat.json";
/// File name of the Morris indices table.
pub const MORRIS_CSV: &str = "morris.csv";
/// File name of the Morris results.
pub const MORRIS_JSON: &str = "morris.json";
/// File name of the Morris design.
pub const MORRIS_DESIGN_CSV: &str = "morris_design.csv";

/// An uncertain parameter: a scenario number (or array, scaled) and its plausible range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UncertainParameter {
    /// Parameter path (`node.aktau-port.service.mean`).
    pub path: String,
    /// Low end of the range.
    pub low: f64,
    /// High end of the range.
    pub high: f64,
    /// Whether low and high multiply the scenario's number(s).
    pub scale: bool,
    /// Short name for charts and tables (default: the path).
    pub name: Option<String>,
}

impl UncertainParameter {
    /// The name charts and tables use.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.path)
    }

    /// The parameter's value (or multiplier) at unit coordinate `u` (0 = low, 1 = high).
    /// A value within 1e-9 (relative) of a whole number is snapped to it, so that a count
    /// parameter whose range is a multiple of the grid step gets whole numbers.
    pub fn at(&self, u: f64) -> f64 {
        let v = self.low + u * (self.high - self.low);
        let whole = v.round();
        if (v - whole).abs() <= 1e-9 * v.abs().max(1.0) {
            whole
        } else {
            v
        }
    }

    /// The study's view of a scenario's `[[uncertain]]` entry.
    pub fn from_scenario(u: &super::sections::Uncertain) -> UncertainParameter {
        UncertainParameter {
            path: u.path.clone(),
            low: u.low,
            high: u.high,
            scale: u.scale,
            name: u.name.clone(),
        }
    }

    /// The change that puts this parameter at `value` (a multiplier if `scale`).
    pub fn change(&self, value: f64) -> crate::scenario::Change {
        crate::scenario::Change::new(value, self.scale)
    }
}

/// One point of a one-at-a-time design: every parameter at the scenario's value except at most
/// one, set to its low or high end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OatPoint {
    /// The parameter moved and whether to its high end (`None`: the base scenario).
    pub moved: Option<(usize, bool)>,
}

/// The one-at-a-time design for `k` parameters: the base, then each parameter at low and at high
/// (`2k + 1` points).
pub fn oat_points(k: usize) -> Vec<OatPoint> {
    std::iter::once(OatPoint { moved: None })
        .chain((0..k).flat_map(|i| {
            [false, true].map(|high| OatPoint {
                moved: Some((i, high)),
            })
        }))
        .collect()
}

/// One parameter's one-at-a-time result for one KPI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OatRow {
    /// KPI column.
    pub kpi: String,
    /// Parameter index (in the scenario's `[[uncertain]]` order).
    pub parameter: usize,
    /// Rank by |swing| within the KPI (1 = largest; parameters without a swing come last).
    pub rank: usize,
    /// The KPI with the parameter at its low end.
    pub low: Option<Stat>,
    /// The KPI with the parameter at its high end.
    pub high: Option<Stat>,
    /// `high − low`, paired replication by replication (common random numbers): mean and 95% CI.
    pub swing: Option<Stat>,
}

/// The one-at-a-time results: the content of `oat.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OatResults {
    /// Where the results came from (version, format version, scenario, seed, replications,
    /// command line).
    pub provenance: Provenance,
    /// The parameters.
    pub parameters: Vec<UncertainParameter>,
    /// The KPI columns.
    pub kpis: Vec<String>,
    /// `base[i]`: KPI `i` in the base scenario.
    pub base: Vec<Option<Stat>>,
    /// One row per KPI and parameter, each KPI's rows by rank.
    pub rows: Vec<OatRow>,
}

impl OatResults {
    /// Collects the results of `samples` (one per point of [`oat_points`], in order).
    pub fn new(
        provenance: Provenance,
        parameters: Vec<UncertainParameter>,
        kpis: Vec<String>,
        samples: &[Sample],
    ) -> OatResults {
        let base_sample = &samples[0];
        let base = kpis.iter().map(|k| Stat::of(base_sample, k)).collect();
        let mut rows = Vec::new();
        for kpi in &kpis {
            let mut these: Vec<OatRow> = (0..parameters.len())
                .map(|i| {
                    let (lo, hi) = (&samples[1 + 2 * i], &samples[2 + 2 * i]);
                    OatRow {
                        kpi: kpi.clone(),
                        parameter: i,
                        rank: 0,
                        low: Stat::of(lo, kpi),
                        high: Stat::of(hi, kpi),
                        swing: Stat::paired_difference(lo, hi, kpi),
                    }
                })
                .collect();
            // Largest |swing| first.
            rank(
                &mut these,
                |r| r.swing.map(|s| s.mean.abs()),
                |r| r.parameter,
                |r, k| r.rank = k,
            );
            rows.extend(these);
        }
        OatResults {
            provenance,
            parameters,
            kpis,
            base,
            rows,
        }
    }

    /// The rows of KPI `kpi`, by rank.
    pub fn ranked<'a>(&'a self, kpi: &'a str) -> impl Iterator<Item = &'a OatRow> + 'a {
        self.rows.iter().filter(move |r| r.kpi == kpi)
    }

    /// `oat.csv`: one row per KPI and parameter, by rank within each KPI: `kpi`, `rank`,
    /// `parameter` (name), `path`, `scale`, `low_value`, `high_value`, then `n`, `mean`, `sd`,
    /// `ci95_low`, `ci95_high` of the base (`base_`), low (`low_`) and high (`high_`) runs and of
    /// the paired swing high − low (`swing_`).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut header: Vec<String> = [
            "kpi",
            "rank",
            "parameter",
            "path",
            "scale",
            "low_value",
            "high_value",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for prefix in ["base", "low", "high", "swing"] {
            for stat in ["n", "mean", "sd", "ci95_low", "ci95_high"] {
                header.push(format!("{prefix}_{stat}"));
            }
        }
        let mut lines = vec![header];
        for row in &self.rows {
            let p = &self.parameters[row.parameter];
            let k = self.kpis.iter().position(|k| k == &row.kpi).unwrap_or(0);
            let mut line = vec![
                row.kpi.clone(),
                row.rank.to_string(),
                p.label().to_string(),
                p.path.clone(),
                p.scale.to_string(),
                p.low.to_string(),
                p.high.to_string(),
            ];
            for stat in [&self.base[k], &row.low, &row.high, &row.swing] {
                line.extend(stat_cells(stat.as_ref()));
            }
            lines.push(line);
        }
        csv_bytes(&lines)
    }

    /// `oat.json`, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("OAT results serialize");
        text.push('\n');
        text
    }
}

/// One parameter's Morris indices for one KPI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MorrisRow {
    /// KPI column.
    pub kpi: String,
    /// Parameter index.
    pub parameter: usize,
    /// Rank by mu* within the KPI (1 = most influential).
    pub rank: usize,
    /// The indices.
    pub index: MorrisIndex,
}

/// The Morris results: the content of `morris.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MorrisResults {
    /// Where the results came from (version, format version, scenario, seed, replications,
    /// command line).
    pub provenance: Provenance,
    /// The parameters.
    pub parameters: Vec<UncertainParameter>,
    /// The design.
    pub design: MorrisDesign,
    /// The KPI columns.
    pub kpis: Vec<String>,
    /// One row per KPI and parameter, each KPI's rows by rank.
    pub rows: Vec<MorrisRow>,
}

impl MorrisResults {
    /// Computes the indices from `samples` (one per point of `design.points()`, in order).
    pub fn new(
        provenance: Provenance,
        parameters: Vec<UncertainParameter>,
        design: MorrisDesign,
        kpis: Vec<String>,
        samples: &[Sample],
    ) -> MorrisResults {
        let mut rows = Vec::new();
        for kpi in &kpis {
            let y: Vec<Option<f64>> = samples
                .iter()
                .map(|s| Stat::of(s, kpi).map(|st| st.mean))
                .collect();
            let mut these: Vec<MorrisRow> = design
                .indices(&y)
                .into_iter()
                .enumerate()
                .map(|(parameter, index)| MorrisRow {
                    kpi: kpi.clone(),
                    parameter,
                    rank: 0,
                    index,
                })
                .collect();
            rank(
                &mut these,
                |r| r.index.mu_star,
                |r| r.parameter,
                |r, k| r.rank = k,
            );
            rows.extend(these);
        }
        MorrisResults {
            provenance,
            parameters,
            design,
            kpis,
            rows,
        }
    }

    /// The rows of KPI `kpi`, by rank.
    pub fn ranked<'a>(&'a self, kpi: &'a str) -> impl Iterator<Item = &'a MorrisRow> + 'a {
        self.rows.iter().filter(move |r| r.kpi == kpi)
    }

    /// `morris.csv`: one row per KPI and parameter, by rank: `kpi`, `rank`, `parameter`, `path`,
    /// `low`, `high`, `scale`, `effects`, `missing`, `mu`, `mu_star`, `sigma` (effects in KPI
    /// units per full parameter range).
    pub fn to_csv(&self) -> Vec<u8> {
        let header: Vec<String> = [
            "kpi",
            "rank",
            "parameter",
            "path",
            "low",
            "high",
            "scale",
            "effects",
            "missing",
            "mu",
            "mu_star",
            "sigma",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cell = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
        let mut lines = vec![header];
        for row in &self.rows {
            let p = &self.parameters[row.parameter];
            lines.push(vec![
                row.kpi.clone(),
                row.rank.to_string(),
                p.label().to_string(),
                p.path.clone(),
                p.low.to_string(),
                p.high.to_string(),
                p.scale.to_string(),
                row.index.effects.to_string(),
                row.index.missing.to_string(),
                cell(row.index.mu),
                cell(row.index.mu_star),
                cell(row.index.sigma),
            ]);
        }
        csv_bytes(&lines)
    }

    /// `morris_design.csv`: one row per design point: `trajectory`, `step` (0 = start),
    /// `moved` (the parameter changed to reach this point, empty at the start), then the unit
    /// coordinate (`u:<name>`) and the actual value (`<path>`, `<path>_scale` for multipliers)
    /// of every parameter, then `seed` and `replications`.
    pub fn design_csv(&self) -> Vec<u8> {
        let mut header: Vec<String> = ["trajectory", "step", "moved"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(self.parameters.iter().map(|p| format!("u:{}", p.label())));
        header.extend(self.parameters.iter().map(|p| {
            if p.scale {
                format!("{}_scale", p.path)
            } else {
                p.path.clone()
            }
        }));
        header.extend(["seed".to_string(), "replications".to_string()]);
        let mut lines = vec![header];
        for (t, trajectory) in self.design.trajectories.iter().enumerate() {
            for (step, point) in trajectory.points.iter().enumerate() {
                let moved = match step {
                    0 => String::new(),
                    s => self.parameters[trajectory.moved[s - 1]].label().to_string(),
                };
                let mut line = vec![t.to_string(), step.to_string(), moved];
                line.extend(point.iter().map(|u| u.to_string()));
                line.extend(
                    point
                        .iter()
                        .zip(&self.parameters)
                        .map(|(&u, p)| p.at(u).to_string()),
                );
                line.extend([
                    self.provenance.seed.to_string(),
                    self.provenance.replications.to_string(),
                ]);
                lines.push(line);
            }
        }
        csv_bytes(&lines)
    }

    /// `morris.json`, pretty-printed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("Morris results serialize");
        text.push('\n');
        text
    }
}

/// Sorts one KPI's rows by `key` (largest first; rows without a key last; ties in parameter
/// order) and numbers them from 1 with `set_rank`.
fn rank<T>(
    rows: &mut [T],
    key: impl Fn(&T) -> Option<f64>,
    parameter: impl Fn(&T) -> usize,
    set_rank: impl Fn(&mut T, usize),
) {
    rows.sort_by(|a, b| {
        match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then(parameter(a).cmp(&parameter(b)))
    });
    for (k, row) in rows.iter_mut().enumerate() {
        set_rank(row, k + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oat_design_has_base_then_low_and_high_of_each() {
        let points = oat_points(2);
        assert_eq!(points.len(), 5);
        assert_eq!(points[0].moved, None);
        assert_eq!(points[1].moved, Some((0, false)));
        assert_eq!(points[2].moved, Some((0, true)));
        assert_eq!(points[4].moved, Some((1, true)));
    }

    #[test]
    fn unit_coordinates_map_to_the_range() {
        let p = UncertainParameter {
            path: "a".into(),
            low: 2.0,
            high: 6.0,
            scale: false,
            name: None,
        };
        assert_eq!(p.at(0.0), 2.0);
        assert_eq!(p.at(1.0), 6.0);
        assert_eq!(p.at(0.25), 3.0);
        assert_eq!(p.label(), "a");
    }
}
