//! Paired comparison of scenario variants with common random numbers: `corridor compare`.
//!
//! Owns the statistics of a comparison and its result files' content. Every scenario is run
//! with the same seed and replication indices `0..n` ([`super::sample`]), so replication `r` of
//! the base and of a variant share every random stream of the processes they have in common.
//! For each KPI column present in both (matched by name, `scope/entity/kpi`), [`compare`] takes
//! the paired differences `d_r = variant_r - base_r` over the replications where both have a
//! value and reports:
//!
//! - the mean, sd and 95% confidence interval of `d` (Student t with `n - 1` degrees of
//!   freedom, [`t_critical`]): the replications are independent, so the pairs are too;
//! - the relative change `100 (ȳ / x̄ - 1)` in percent, with a 95% interval by the delta method
//!   for the ratio of means `R = ȳ / x̄`: `se(R) = sd(y_r - R x_r) / (√n |x̄|)` (the residuals
//!   `y_r - R x_r = d_r - (d̄ / x̄) x_r` are taken from the differences, so a variant identical to
//!   the base gives exactly 0 ± 0), Student t with `n - 1` degrees of freedom (Cochran, *Sampling
//!   Techniques*, 3rd ed., §6.4: the ratio estimator's variance). It is a first-order
//!   approximation: trust it when the base mean's own CI is a small fraction of the base mean;
//!   it is absent when the base mean is 0;
//! - the correlation between base and variant values (what common random numbers buy:
//!   `var(d) = var(x) + var(y) - 2 cov(x, y)`);
//! - the half-width a comparison of two *independent* runs of the same size would have: Welch's
//!   interval from the two marginal sds (common random numbers do not change the marginal
//!   variances, so this estimates what independent seeds would give), with Welch-Satterthwaite
//!   degrees of freedom, and the ratio of that half-width to the paired one.
//!
//! KPIs present in only one of the two scenarios are listed by name, not dropped.
//! [`Comparison::to_json`] and [`Comparison::write_csv`] produce `compare.json` and
//! `compare.csv`; `plot::compare` draws the chart.

use crate::report::Provenance;
use crate::report::csv::csv_err;
use std::io;

use serde::{Deserialize, Serialize};

use super::Sample;
pub use super::stat::Interval;
use crate::base::accumulators::Welford;
use crate::base::estimate::{CONFIDENCE, t_critical, t_critical_fractional};
use crate::stats::kpi::{KpiColumn, Scope};

/// `compare.json`.
pub const COMPARE_JSON: &str = "compare.json";
/// `compare.csv`.
pub const COMPARE_CSV: &str = "compare.csv";

/// KPI names (the `kpi` part of a column) that are totals over the statistics window, or extremes
/// over it, so that they grow with the window's length: they compare between scenarios only if
/// the windows are equally long. Every other KPI is a rate, a mean or a fraction.
pub(crate) const WINDOW_TOTALS: [&str; 12] = [
    "arrived_teu",
    "queue_max",
    "yard_max_teu",
    "delivered_teu",
    "generated_teu",
    "refused_teu",
    "departures",
    "back_teu",
    "missed_slots",
    "closed_h",
    "slowed_h",
    "episodes",
];

/// Whether KPI `kpi` (without scope and entity) grows with the length of the statistics window.
pub(crate) fn is_window_total(kpi: &str) -> bool {
    WINDOW_TOTALS.contains(&kpi)
}

/// A scenario in a comparison: where it came from and its run settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRef {
    /// Scenario name (`[scenario] name`).
    pub name: String,
    /// File the scenario was read from.
    pub file: String,
    /// SHA-256 of the scenario text.
    pub sha256: String,
    /// Replication length, days.
    pub horizon_days: f64,
    /// Warm-up excluded from statistics, days.
    pub warmup_days: f64,
    /// The seed the file itself names (the comparison uses one seed for all, see
    /// `provenance.seed` of [`Comparison`]).
    pub file_seed: u64,
    /// The replications the file itself names.
    pub file_replications: u32,
}

impl ScenarioRef {
    /// The reference of a loaded scenario.
    pub fn of(loaded: &crate::scenario::LoadedScenario) -> ScenarioRef {
        let settings = &loaded.model.settings;
        ScenarioRef {
            name: settings.name.clone(),
            file: loaded.file.clone(),
            sha256: loaded.hash.clone(),
            horizon_days: settings.horizon.days(),
            warmup_days: settings.warmup.days(),
            file_seed: settings.seed,
            file_replications: settings.replications,
        }
    }

    /// Length of the statistics window (horizon minus warm-up), days.
    pub fn window_days(&self) -> f64 {
        self.horizon_days - self.warmup_days
    }
}

/// Mean and sample sd of one scenario's values over the paired replications.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Marginal {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
}

/// The paired difference of one KPI between a variant and the base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiDifference {
    /// Entity kind.
    pub scope: Scope,
    /// Entity id.
    pub entity: String,
    /// KPI name with its unit (the difference has the same unit).
    pub kpi: String,
    /// Printed and charted: one of the headline KPIs (route throughput, mean and p95 transit,
    /// mean wait of nodes where cargo queues), or of those chosen with `--kpi`.
    pub headline: bool,
    /// The KPI is a total or extreme over the statistics window (see `WINDOW_TOTALS`).
    pub window_total: bool,
    /// Replications in which both scenarios have a value (the pairs).
    pub n: u64,
    /// The base over the pairs (`None` without pairs).
    pub base: Option<Marginal>,
    /// The variant over the pairs.
    pub variant: Option<Marginal>,
    /// Sample sd of the paired differences.
    pub difference_sd: Option<f64>,
    /// Mean paired difference (variant − base) with its 95% CI (needs two pairs).
    pub difference: Option<Interval>,
    /// Relative change, percent of the base mean, with its 95% CI (delta method; `None` when the
    /// base mean is 0 or there are fewer than two pairs).
    pub change_pct: Option<Interval>,
    /// Pearson correlation of base and variant values over the pairs (`None` if either does not
    /// vary).
    pub correlation: Option<f64>,
    /// 95% CI half-width of the difference had the two runs used independent random numbers
    /// (Welch, from the two marginal sds).
    pub unpaired_half_width: Option<f64>,
    /// Welch-Satterthwaite degrees of freedom of that interval.
    pub unpaired_df: Option<f64>,
    /// `unpaired_half_width / difference.half_width`: how many times narrower common random
    /// numbers make the interval (`None` when the paired half-width is 0).
    pub half_width_ratio: Option<f64>,
}

impl KpiDifference {
    /// The column name, `scope/entity/kpi`.
    pub fn name(&self) -> String {
        format!("{}/{}/{}", self.scope.as_str(), self.entity, self.kpi)
    }
}

/// One variant against the base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VariantComparison {
    /// The variant scenario.
    pub scenario: ScenarioRef,
    /// Warnings about this comparison (different horizon or warm-up, ...).
    pub notes: Vec<String>,
    /// Every KPI present in both, in the base's column order.
    pub kpis: Vec<KpiDifference>,
    /// KPI columns the base has and the variant does not.
    pub only_in_base: Vec<String>,
    /// KPI columns the variant has and the base does not.
    pub only_in_variant: Vec<String>,
    /// When both windows span the same calendar years (more than one): per year, the paired
    /// difference of every node, route, flow and fleet KPI over that year (the same pairs of
    /// replications, so common random numbers narrow these intervals too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub yearly: Vec<YearComparison>,
    /// The appraisal of the variant against the base in money (`super::appraisal`), when both
    /// declare costs or the variant declares an `[investment]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appraisal: Option<super::appraisal::Appraisal>,
}

/// The paired differences over one calendar year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct YearComparison {
    /// The calendar year (or model year 1, 2, ... without a start date).
    pub year: i32,
    /// Every yearly KPI present in both, in the base's column order.
    pub kpis: Vec<KpiDifference>,
}

/// The content of `compare.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Version, format version, base scenario file and hash, the seed shared by every scenario,
    /// the replications `0..replications` of every scenario, and the command line.
    pub provenance: Provenance,
    /// Confidence level of every interval.
    pub confidence: f64,
    /// The base scenario.
    pub base: ScenarioRef,
    /// Each variant against the base, in command-line order.
    pub variants: Vec<VariantComparison>,
}

/// Compares one variant's sample with the base's (both must come from the same seed and
/// replications, so that replication `r` of each is a pair). `headline` picks the headline
/// KPIs among the shared ones (see [`headline_columns`]).
pub fn compare(
    base: &Sample,
    variant: &Sample,
    scenario: ScenarioRef,
    headline: &dyn Fn(&KpiColumn) -> bool,
) -> VariantComparison {
    assert_eq!(
        base.config, variant.config,
        "paired samples need the same seed and replications"
    );
    let variant_names: Vec<String> = variant.columns.iter().map(KpiColumn::name).collect();
    let base_names: Vec<String> = base.columns.iter().map(KpiColumn::name).collect();
    let mut kpis = Vec::new();
    let mut only_in_base = Vec::new();
    for (b, (column, name)) in base.columns.iter().zip(&base_names).enumerate() {
        match variant_names.iter().position(|n| n == name) {
            Some(v) => kpis.push(difference(
                column,
                headline(column),
                base.values(b).zip(variant.values(v)),
            )),
            None => only_in_base.push(name.clone()),
        }
    }
    let only_in_variant = variant_names
        .into_iter()
        .filter(|name| !base_names.contains(name))
        .collect();
    // Per year, where both runs have the year.
    let yearly = base
        .years
        .iter()
        .filter_map(|(year, base_year)| {
            let (_, variant_year) = variant.years.iter().find(|(y, _)| y == year)?;
            let paired = compare(base_year, variant_year, scenario.clone(), headline);
            Some(YearComparison {
                year: *year,
                kpis: paired.kpis,
            })
        })
        .collect();
    VariantComparison {
        scenario,
        notes: Vec::new(),
        kpis,
        only_in_base,
        only_in_variant,
        yearly,
        appraisal: None,
    }
}

/// The headline KPIs of a base sample: throughput, mean transit and p95 transit of each route
/// that delivered, and the mean wait of each node where cargo waited for a server.
pub fn headline_columns(base: &Sample) -> impl Fn(&KpiColumn) -> bool + use<> {
    let mean_of = |index: usize| {
        let mut acc = Welford::default();
        base.values(index).flatten().for_each(|v| acc.add(v));
        acc.mean().unwrap_or(0.0)
    };
    let chosen: Vec<String> = base
        .columns
        .iter()
        .enumerate()
        .filter(|(i, c)| match c.scope {
            Scope::Route => {
                matches!(
                    c.kpi.as_str(),
                    "throughput_teu_per_day" | "transit_mean_h" | "transit_p95_h"
                ) && base
                    .column(&format!("route/{}/delivered_teu", c.entity))
                    .is_some_and(|d| mean_of(d) > 0.0)
            }
            Scope::Node => c.kpi == "wait_mean_h" && mean_of(*i) > 0.0,
            _ => false,
        })
        .map(|(_, c)| c.name())
        .collect();
    move |column: &KpiColumn| chosen.contains(&column.name())
}

/// Why a `--kpi` selection is invalid.
#[derive(Debug, thiserror::Error)]
#[error("unknown KPI {name:?}: give a KPI name ({kpis}) or a column `scope/entity/kpi`{near}")]
pub struct UnknownKpi {
    /// The name given.
    pub name: String,
    /// The KPI names of the scenarios, comma-separated.
    pub kpis: String,
    /// The nearest KPI names (for a bare name) or columns (for a path), as a sentence fragment.
    pub near: String,
}

/// The selector of `--kpi NAME...`: a KPI name (`wait_mean_h`) picks it for every entity, a column
/// name (`node/aktau-port/wait_mean_h`) picks that column. Every name must match a column of
/// `columns` (the union of the scenarios' columns), or the error lists the valid KPI names and
/// the nearest columns.
pub fn selected_columns(
    names: &[String],
    columns: &[KpiColumn],
) -> Result<impl Fn(&KpiColumn) -> bool + use<>, UnknownKpi> {
    for name in names {
        if !columns.iter().any(|c| c.kpi == *name || c.name() == *name) {
            let mut kpis: Vec<&str> = Vec::new();
            for c in columns {
                if !kpis.contains(&c.kpi.as_str()) {
                    kpis.push(&c.kpi);
                }
            }
            // A bare name is compared with KPI names, a path with whole columns.
            let (what, candidates): (&str, Vec<String>) = if name.contains('/') {
                ("columns", columns.iter().map(KpiColumn::name).collect())
            } else {
                ("KPI names", kpis.iter().map(|k| k.to_string()).collect())
            };
            let near = crate::scenario::error::nearest(name, candidates, 3);
            return Err(UnknownKpi {
                name: name.clone(),
                kpis: kpis.join(", "),
                near: if near.is_empty() {
                    String::new()
                } else {
                    format!("; nearest {what}: {}", near.join(", "))
                },
            });
        }
    }
    let names = names.to_vec();
    Ok(move |c: &KpiColumn| names.iter().any(|n| c.kpi == *n || c.name() == *n))
}

/// The paired statistics of one KPI from its `(base, variant)` values in replication order.
fn difference(
    column: &KpiColumn,
    headline: bool,
    pairs: impl Iterator<Item = (Option<f64>, Option<f64>)>,
) -> KpiDifference {
    let pairs: Vec<(f64, f64)> = pairs
        .filter_map(|(x, y)| Some((x?, y?)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let n = pairs.len() as u64;
    let mut result = KpiDifference {
        scope: column.scope,
        entity: column.entity.clone(),
        kpi: column.kpi.clone(),
        headline,
        window_total: is_window_total(&column.kpi),
        n,
        base: None,
        variant: None,
        difference_sd: None,
        difference: None,
        change_pct: None,
        correlation: None,
        unpaired_half_width: None,
        unpaired_df: None,
        half_width_ratio: None,
    };
    if n == 0 {
        return result;
    }
    // Everything in replication order, so the figures do not depend on threads.
    let (mut x, mut y, mut d) = (Welford::default(), Welford::default(), Welford::default());
    for &(b, v) in &pairs {
        x.add(b);
        y.add(v);
        d.add(v - b);
    }
    let marginal = |w: &Welford| Marginal {
        mean: w.mean,
        sd: w.sd().unwrap_or(0.0),
    };
    result.base = Some(marginal(&x));
    result.variant = Some(marginal(&y));
    if n < 2 {
        return result;
    }
    let nf = n as f64;
    let t = t_critical(CONFIDENCE, n - 1);
    let sd_d = d.sd().unwrap_or(0.0);
    let paired = t * sd_d / nf.sqrt();
    result.difference_sd = Some(sd_d);
    result.difference = Some(Interval::new(d.mean, paired));

    if x.mean != 0.0 {
        // Delta method for R = ȳ / x̄: residuals d_r - (d̄ / x̄) x_r.
        let slope = d.mean / x.mean;
        let mut residual = Welford::default();
        for &(b, v) in &pairs {
            residual.add((v - b) - slope * b);
        }
        let se = residual.sd().unwrap_or(0.0) / (nf.sqrt() * x.mean.abs());
        result.change_pct = Some(Interval::new(100.0 * slope, 100.0 * t * se));
    }

    let (sx, sy) = (x.sd().unwrap_or(0.0), y.sd().unwrap_or(0.0));
    if sx > 0.0 && sy > 0.0 && sd_d == 0.0 {
        // y = x + constant: exactly 1 (the formula below may round to 0.9999999999999997).
        result.correlation = Some(1.0);
    } else if sx > 0.0 && sy > 0.0 {
        let mut cov = 0.0;
        for &(b, v) in &pairs {
            cov += (b - x.mean) * (v - y.mean);
        }
        let r = cov / (nf - 1.0) / (sx * sy);
        result.correlation = Some(r.clamp(-1.0, 1.0));
    }

    let (vx, vy) = (sx * sx / nf, sy * sy / nf);
    let unpaired = if vx + vy > 0.0 {
        let df = (vx + vy).powi(2) / ((vx * vx + vy * vy) / (nf - 1.0));
        result.unpaired_df = Some(df);
        t_critical_fractional(CONFIDENCE, df) * (vx + vy).sqrt()
    } else {
        0.0
    };
    result.unpaired_half_width = Some(unpaired);
    if paired > 0.0 {
        result.half_width_ratio = Some(unpaired / paired);
    }
    result
}

/// Warnings for a variant whose run settings differ from the base's.
pub fn setting_notes(base: &ScenarioRef, variant: &ScenarioRef) -> Vec<String> {
    let mut notes = Vec::new();
    if variant.horizon_days != base.horizon_days || variant.warmup_days != base.warmup_days {
        let mut text = format!(
            "{} has horizon {} d and warm-up {} d, the base {} d and {} d: per-day rates, means and \
             fractions still compare",
            variant.file,
            variant.horizon_days,
            variant.warmup_days,
            base.horizon_days,
            base.warmup_days
        );
        if variant.window_days() != base.window_days() {
            text.push_str(&format!(
                ", but totals over the statistics window ({} d against {} d: {}) do not",
                variant.window_days(),
                base.window_days(),
                WINDOW_TOTALS.join(", ")
            ));
        }
        notes.push(text);
    }
    notes
}

impl Comparison {
    /// Pretty JSON text (`compare.json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("comparison types serialize")
    }

    /// Writes `compare.csv`: one row per variant and KPI, tidy, with the KPI's unit in its name
    /// (`kpi`), `_pct` for percentages, an empty cell where a value does not exist, and a
    /// `present_in` column (`both`, `base`, `variant`) so KPIs of only one scenario are listed.
    /// When a variant is compared per calendar year, a last column `year` is added: empty for
    /// the whole window's rows, the year for the per-year rows that follow each variant's.
    pub fn write_csv<W: io::Write>(&self, writer: W) -> io::Result<()> {
        let mut csv = crate::report::csv::Writer::from_writer(writer);
        let by_year = self.variants.iter().any(|v| !v.yearly.is_empty());
        csv.write_record(csv_header(by_year)).map_err(csv_err)?;
        for variant in &self.variants {
            for row in csv_rows(variant, by_year) {
                csv.write_record(&row).map_err(csv_err)?;
            }
        }
        csv.flush()?;
        Ok(())
    }
}

/// The header of `compare.csv` (with the `year` column when `by_year`).
pub(crate) fn csv_header(by_year: bool) -> Vec<&'static str> {
    let mut header = vec![
        "variant",
        "variant_file",
        "scope",
        "entity",
        "kpi",
        "present_in",
        "headline",
        "window_total",
        "n",
        "base_mean",
        "base_sd",
        "variant_mean",
        "variant_sd",
        "difference_mean",
        "difference_sd",
        "difference_ci95_low",
        "difference_ci95_high",
        "change_pct",
        "change_pct_ci95_low",
        "change_pct_ci95_high",
        "correlation",
        "unpaired_ci95_half_width",
        "paired_ci95_half_width",
        "half_width_ratio",
    ];
    if by_year {
        header.push("year");
    }
    header
}

/// The rows of `compare.csv` for one variant, in the columns of [`csv_header`]: every KPI of
/// the window, then every KPI of each year, then the KPIs of only one of the two scenarios.
pub(crate) fn csv_rows(variant: &VariantComparison, by_year: bool) -> Vec<Vec<String>> {
    let width = csv_header(by_year).len();
    let num = |v: Option<f64>| match v {
        Some(v) if v.is_finite() => v.to_string(),
        _ => String::new(),
    };
    let mut rows = Vec::new();
    let head = [variant.scenario.name.clone(), variant.scenario.file.clone()];
    let window = variant.kpis.iter().map(|k| (None, k));
    let years = variant
        .yearly
        .iter()
        .flat_map(|y| y.kpis.iter().map(move |k| (Some(y.year), k)));
    for (year, k) in window.chain(years) {
        let mut row: Vec<String> = head.to_vec();
        row.extend([
            k.scope.as_str().to_string(),
            k.entity.clone(),
            k.kpi.clone(),
            "both".to_string(),
            k.headline.to_string(),
            k.window_total.to_string(),
            k.n.to_string(),
            num(k.base.map(|m| m.mean)),
            num(k.base.map(|m| m.sd)),
            num(k.variant.map(|m| m.mean)),
            num(k.variant.map(|m| m.sd)),
            num(k.difference.map(|d| d.mean)),
            num(k.difference_sd),
            num(k.difference.map(|d| d.low)),
            num(k.difference.map(|d| d.high)),
            num(k.change_pct.map(|c| c.mean)),
            num(k.change_pct.map(|c| c.low)),
            num(k.change_pct.map(|c| c.high)),
            num(k.correlation),
            num(k.unpaired_half_width),
            num(k.difference.map(|d| d.half_width)),
            num(k.half_width_ratio),
        ]);
        if by_year {
            row.push(year.map_or(String::new(), |y| y.to_string()));
        }
        rows.push(row);
    }
    for (names, present_in) in [
        (&variant.only_in_base, "base"),
        (&variant.only_in_variant, "variant"),
    ] {
        for name in names {
            let mut parts = name.splitn(2, '/');
            let scope = parts.next().unwrap_or_default();
            let rest = parts.next().unwrap_or_default();
            // The KPI is the last part; a stage entity has slashes of its own.
            let (entity, kpi) = rest.rsplit_once('/').unwrap_or((rest, ""));
            let mut row: Vec<String> = head.to_vec();
            row.extend([
                scope.to_string(),
                entity.to_string(),
                kpi.to_string(),
                present_in.to_string(),
                "false".to_string(),
                is_window_total(kpi).to_string(),
                "0".to_string(),
            ]);
            row.resize(width, String::new());
            rows.push(row);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::RunConfig;

    fn sample(columns: &[&str], rows: Vec<Vec<Option<f64>>>) -> Sample {
        Sample {
            config: RunConfig {
                replications: rows.len() as u32,
                seed: 1,
            },
            columns: columns
                .iter()
                .map(|c| {
                    let (entity, kpi) = c.split_once('/').unwrap();
                    KpiColumn {
                        scope: Scope::Node,
                        entity: entity.to_string(),
                        kpi: kpi.to_string(),
                    }
                })
                .collect(),
            rows,
            kpis: Vec::new(),
            years: Vec::new(),
        }
    }

    fn scenario() -> ScenarioRef {
        ScenarioRef {
            name: "v".into(),
            file: "v.toml".into(),
            sha256: String::new(),
            horizon_days: 10.0,
            warmup_days: 1.0,
            file_seed: 1,
            file_replications: 2,
        }
    }

    #[test]
    fn hand_computed_paired_figures() {
        // Base 1, 2, 3, 4; variant 2, 4, 5, 9: d = 1, 2, 2, 5 (mean 2.5, var 3).
        let base = sample(
            &["a/wait_mean_h"],
            [1.0, 2.0, 3.0, 4.0].map(|v| vec![Some(v)]).to_vec(),
        );
        let variant = sample(
            &["a/wait_mean_h"],
            [2.0, 4.0, 5.0, 9.0].map(|v| vec![Some(v)]).to_vec(),
        );
        let c = compare(&base, &variant, scenario(), &|_| true);
        let k = &c.kpis[0];
        assert_eq!(k.n, 4);
        let d = k.difference.unwrap();
        assert!((d.mean - 2.5).abs() < 1e-12);
        assert!((k.difference_sd.unwrap() - 3f64.sqrt()).abs() < 1e-12);
        let t3 = 3.182_446_305_284_263;
        assert!((d.half_width - t3 * 3f64.sqrt() / 2.0).abs() < 1e-9);
        // Ratio: ȳ / x̄ = 5 / 2.5 = 2, +100%; residuals d - x = 0, 0, -1, 1: sd sqrt(2/3).
        let c_pct = k.change_pct.unwrap();
        assert!((c_pct.mean - 100.0).abs() < 1e-12);
        let se = (2.0f64 / 3.0).sqrt() / (2.0 * 2.5);
        assert!((c_pct.half_width - 100.0 * t3 * se).abs() < 1e-9);
        // Correlation: cov = (−1.5·−3 + −0.5·−1 + 0.5·0 + 1.5·4) / 3 = 11/3; sx² = 5/3, sy² = 26/3.
        let r = (11.0 / 3.0) / ((5.0f64 / 3.0).sqrt() * (26.0f64 / 3.0).sqrt());
        assert!((k.correlation.unwrap() - r).abs() < 1e-12);
        // Welch: vx = 5/12, vy = 26/12; df = (31/12)² / ((25 + 676)/144/3).
        let df = (31.0f64 / 12.0).powi(2) / ((25.0 + 676.0) / 144.0 / 3.0);
        assert!((k.unpaired_df.unwrap() - df).abs() < 1e-9);
        let unpaired = t_critical_fractional(CONFIDENCE, df) * (31.0f64 / 12.0).sqrt();
        assert!((k.unpaired_half_width.unwrap() - unpaired).abs() < 1e-9);
        assert!((k.half_width_ratio.unwrap() - unpaired / d.half_width).abs() < 1e-9);
    }

    #[test]
    fn missing_values_and_columns_are_handled() {
        let base = sample(
            &["a/wait_mean_h", "b/wait_mean_h"],
            vec![
                vec![Some(1.0), Some(0.0)],
                vec![None, Some(0.0)],
                vec![Some(3.0), Some(0.0)],
            ],
        );
        let variant = sample(
            &["a/wait_mean_h", "c/wait_mean_h"],
            vec![
                vec![Some(2.0), Some(1.0)],
                vec![Some(5.0), Some(1.0)],
                vec![None, Some(1.0)],
            ],
        );
        let c = compare(&base, &variant, scenario(), &|_| false);
        assert_eq!(c.kpis.len(), 1);
        assert_eq!(c.kpis[0].n, 1);
        assert!(c.kpis[0].difference.is_none());
        assert_eq!(c.only_in_base, ["node/b/wait_mean_h"]);
        assert_eq!(c.only_in_variant, ["node/c/wait_mean_h"]);
        let mut text = Vec::new();
        Comparison {
            provenance: Provenance::new(
                "base.toml",
                "",
                crate::experiment::RunConfig {
                    seed: 1,
                    replications: 3,
                },
                Vec::new(),
            ),
            confidence: CONFIDENCE,
            base: scenario(),
            variants: vec![c],
        }
        .write_csv(&mut text)
        .unwrap();
        let text = String::from_utf8(text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[2].contains(",node,b,wait_mean_h,base,"), "{text}");
        assert!(lines.iter().all(|l| l.split(',').count() == 24), "{text}");
    }

    #[test]
    fn zero_base_mean_has_no_relative_change() {
        let base = sample(
            &["a/queue_max"],
            vec![vec![Some(0.0)], vec![Some(0.0)], vec![Some(0.0)]],
        );
        let variant = sample(
            &["a/queue_max"],
            vec![vec![Some(1.0)], vec![Some(2.0)], vec![Some(0.0)]],
        );
        let c = compare(&base, &variant, scenario(), &|_| false);
        let k = &c.kpis[0];
        assert!(k.change_pct.is_none());
        assert!(k.correlation.is_none());
        assert!(k.window_total);
        assert_eq!(k.difference.unwrap().mean, 1.0);
    }
}
