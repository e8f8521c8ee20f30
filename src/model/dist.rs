//! Checked probability distributions for durations (hours).
//!
//! A [`Dist`] is built once from validated parameters and sampled in the hot loop without
//! allocation. Every variant returns non-negative, finite values; the parameterisations are the
//! ones planners use (mean and coefficient of variation rather than the underlying `mu`/`sigma`).
//! The conversions follow the standard moment formulas (e.g. Law, *Simulation Modeling and
//! Analysis*, 5th ed., ch. 6): lognormal `sigma^2 = ln(1 + cv^2)`, `mu = ln(mean) - sigma^2/2`;
//! gamma `shape = 1/cv^2`, `scale = mean * cv^2`.

use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr::{Exp, Gamma, LogNormal, Normal, Pert, Triangular, Uniform, Weibull};

use crate::base::number::compact;
use crate::base::rng::Stream;

/// Largest value of a duration key of a distribution, hours (about 114,000 years); see
/// `scenario::compile::limits` for why.
pub(crate) const MAX_DURATION_H: f64 = 1e9;
/// Smallest coefficient of variation (`cv`) of a lognormal or gamma distribution (a gamma's shape
/// is `1 / cv²`, which must stay finite).
pub(crate) const MIN_CV: f64 = 1e-6;
/// Largest coefficient of variation.
pub(crate) const MAX_CV: f64 = 100.0;
/// Smallest Weibull `shape` (draws grow like `(-ln u)^(1 / shape)`).
pub(crate) const MIN_WEIBULL_SHAPE: f64 = 0.01;

/// A duration distribution, ready to sample: its sampler with its exact mean and second moment.
/// Build it with [`Dist::of`] (a family of `FAMILIES` by name) or [`Dist::constant`].
#[derive(Clone, Debug)]
pub struct Dist {
    sampler: Sampler,
    mean: f64,
    second_moment: Option<f64>,
}

/// One family of distributions, as scenario files name it. [`FAMILIES`] lists them all; the
/// scenario checks (keys, messages), parameter paths (which keys scale) and `docs/scenario.md`
/// (its table of families, checked by a test) all read that table.
pub(crate) struct Family {
    /// The `dist = "..."` name.
    pub name: &'static str,
    /// Keys a table of this family must give.
    pub required: &'static [&'static str],
    /// Keys it may give.
    pub optional: &'static [&'static str],
    /// Keys that are durations: converted by `unit = "days"` and multiplied when a study scales
    /// the distribution (`--scale`, `scale = [...]`); the others (`cv`, `shape`, `weights`) give
    /// its shape, which scaling keeps.
    pub scaled: &'static [&'static str],
    /// Checks the values of the keys (in hours) and builds the distribution: its sampler, exact
    /// mean and second moment. An `Err` says what is wrong, without the family's name.
    pub build: fn(&Keys<'_>) -> Result<Dist, String>,
}

/// The value of one key of a distribution table.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyValue {
    /// A number, such as `mean = 2`.
    Number(f64),
    /// A list of numbers, such as `values = [1, 2, 4]`.
    List(Vec<f64>),
}

impl From<f64> for KeyValue {
    fn from(value: f64) -> KeyValue {
        KeyValue::Number(value)
    }
}

impl From<Vec<f64>> for KeyValue {
    fn from(values: Vec<f64>) -> KeyValue {
        KeyValue::List(values)
    }
}

/// The keys of a distribution table with their values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Keys<'a>(pub &'a [(&'a str, KeyValue)]);

impl Keys<'_> {
    fn get(&self, key: &str) -> Option<&KeyValue> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The number at `key`.
    pub fn number(&self, key: &str) -> Result<f64, String> {
        match self.get(key) {
            Some(KeyValue::Number(x)) => Ok(*x),
            Some(KeyValue::List(_)) => Err(format!("{key} must be a number, not a list")),
            None => Err(format!("missing {key}")),
        }
    }

    /// The list of numbers at `key`.
    pub fn list(&self, key: &str) -> Result<Vec<f64>, String> {
        self.optional_list(key)?
            .ok_or_else(|| format!("missing {key}"))
    }

    /// The list of numbers at `key`, if given.
    pub fn optional_list(&self, key: &str) -> Result<Option<Vec<f64>>, String> {
        match self.get(key) {
            Some(KeyValue::List(values)) => Ok(Some(values.clone())),
            Some(KeyValue::Number(_)) => Err(format!("{key} must be a list of numbers")),
            None => Ok(None),
        }
    }
}

/// Every family a scenario may use, in the order error messages and `docs/scenario.md` list them.
///
/// **Adding a distribution family** is one entry here (name, keys, which keys scale, and `build`:
/// checks, sampler, exact mean and second moment) plus its `Sampler` variant and the line that
/// draws from it in [`Dist::sample`]; then add its row to the table of families in
/// `docs/scenario.md` (a test fails until the row matches the entry).
pub(crate) const FAMILIES: &[Family] = &[
    Family {
        name: "constant",
        required: &["value"],
        optional: &[],
        scaled: &["value"],
        build: |k| Dist::constant(k.number("value")?),
    },
    Family {
        name: "exponential",
        required: &["mean"],
        optional: &[],
        scaled: &["mean"],
        build: |k| {
            let mean = k.number("mean")?;
            check_positive("mean", mean)?;
            let exp = Exp::new(1.0 / mean).map_err(|_| out_of_range("mean"))?;
            Ok(Dist::new(
                Sampler::Exponential(exp),
                mean,
                Some(2.0 * mean * mean),
            ))
        },
    },
    Family {
        name: "uniform",
        required: &["min", "max"],
        optional: &[],
        scaled: &["min", "max"],
        build: |k| {
            let (min, max) = (k.number("min")?, k.number("max")?);
            check_non_negative("min", min)?;
            check_order("min", min, "max", max, true)?;
            let uniform = Uniform::new(min, max).map_err(|_| out_of_range("min and max"))?;
            Ok(Dist::new(
                Sampler::Uniform(uniform),
                0.5 * (min + max),
                Some((min * min + min * max + max * max) / 3.0),
            ))
        },
    },
    Family {
        name: "triangular",
        required: &["min", "mode", "max"],
        optional: &[],
        scaled: &["min", "mode", "max"],
        build: |k| {
            let (min, mode, max) = (k.number("min")?, k.number("mode")?, k.number("max")?);
            check_three_point(min, mode, max)?;
            let tri =
                Triangular::new(min, max, mode).map_err(|_| out_of_range("min, mode and max"))?;
            Ok(Dist::new(
                Sampler::Triangular(tri),
                (min + mode + max) / 3.0,
                None,
            ))
        },
    },
    Family {
        name: "normal",
        required: &["mean", "sd"],
        optional: &[],
        scaled: &["mean", "sd"],
        build: |k| {
            let (mean, sd) = (k.number("mean")?, k.number("sd")?);
            check_positive("mean", mean)?;
            check_positive("sd", sd)?;
            let normal = Normal::new(mean, sd).map_err(|_| out_of_range("mean and sd"))?;
            // The mean of the law truncated at 0.
            let alpha = -mean / sd;
            let truncated_mean = mean + sd * std_normal_pdf(alpha) / (1.0 - std_normal_cdf(alpha));
            Ok(Dist::new(
                Sampler::TruncatedNormal(normal),
                truncated_mean,
                None,
            ))
        },
    },
    Family {
        name: "lognormal",
        required: &["mean", "cv"],
        optional: &[],
        scaled: &["mean"],
        build: |k| {
            let (mean, cv) = (k.number("mean")?, k.number("cv")?);
            check_positive("mean", mean)?;
            check_cv(cv)?;
            let sigma2 = (1.0 + cv * cv).ln();
            let lognormal = LogNormal::new(mean.ln() - 0.5 * sigma2, sigma2.sqrt())
                .map_err(|_| out_of_range("mean and cv"))?;
            Ok(Dist::new(
                Sampler::LogNormal(lognormal),
                mean,
                Some(mean * mean * (1.0 + cv * cv)),
            ))
        },
    },
    Family {
        name: "gamma",
        required: &["mean", "cv"],
        optional: &[],
        scaled: &["mean"],
        build: |k| {
            let (mean, cv) = (k.number("mean")?, k.number("cv")?);
            check_positive("mean", mean)?;
            check_cv(cv)?;
            let gamma = Gamma::new(1.0 / (cv * cv), mean * cv * cv)
                .map_err(|_| out_of_range("mean and cv"))?;
            Ok(Dist::new(
                Sampler::Gamma(gamma),
                mean,
                Some(mean * mean * (1.0 + cv * cv)),
            ))
        },
    },
    Family {
        name: "weibull",
        required: &["shape", "scale"],
        optional: &[],
        scaled: &["scale"],
        build: |k| {
            let (shape, scale) = (k.number("shape")?, k.number("scale")?);
            check_positive("shape", shape)?;
            check_positive("scale", scale)?;
            if shape < MIN_WEIBULL_SHAPE {
                return Err(format!(
                    "shape must be at least {MIN_WEIBULL_SHAPE}, got {}",
                    compact(shape)
                ));
            }
            let weibull =
                Weibull::new(scale, shape).map_err(|_| out_of_range("shape and scale"))?;
            Ok(Dist::new(
                Sampler::Weibull(weibull),
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape),
                None,
            ))
        },
    },
    Family {
        name: "pert",
        required: &["min", "mode", "max"],
        optional: &[],
        scaled: &["min", "mode", "max"],
        build: |k| {
            let (min, mode, max) = (k.number("min")?, k.number("mode")?, k.number("max")?);
            check_three_point(min, mode, max)?;
            let pert = Pert::new(min, max)
                .with_mode(mode)
                .map_err(|_| out_of_range("min, mode and max"))?;
            Ok(Dist::new(
                Sampler::Pert(pert),
                (min + 4.0 * mode + max) / 6.0,
                None,
            ))
        },
    },
    Family {
        name: "empirical",
        required: &["values"],
        optional: &["weights"],
        scaled: &["values"],
        build: |k| {
            let values = k.list("values")?;
            if values.is_empty() {
                return Err("values must list at least one number".into());
            }
            for value in &values {
                check_non_negative("values", *value)?;
            }
            let weights = match k.optional_list("weights")? {
                Some(weights) => {
                    if weights.len() != values.len() {
                        return Err(format!(
                            "weights must have one entry per value ({} values, {} weights)",
                            values.len(),
                            weights.len()
                        ));
                    }
                    for weight in &weights {
                        check_non_negative("weights", *weight)?;
                    }
                    if weights.iter().all(|w| *w == 0.0) {
                        return Err("weights must not all be zero".into());
                    }
                    if !weights.iter().sum::<f64>().is_finite() {
                        return Err(
                            "weights add up to more than the largest number; scale them down (only their ratios matter)"
                                .into(),
                        );
                    }
                    weights
                }
                None => vec![1.0; values.len()],
            };
            let index =
                WeightedIndex::new(weights.iter().copied()).map_err(|_| out_of_range("weights"))?;
            let total: f64 = weights.iter().sum();
            let mean = values.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>() / total;
            let second_moment = values
                .iter()
                .zip(&weights)
                .map(|(v, w)| v * v * w)
                .sum::<f64>()
                / total;
            Ok(Dist::new(
                Sampler::Empirical { values, index },
                mean,
                Some(second_moment),
            ))
        },
    },
];

/// The family named `name`, or an error listing the families.
pub(crate) fn family(name: &str) -> Result<&'static Family, String> {
    FAMILIES.iter().find(|f| f.name == name).ok_or_else(|| {
        let names: Vec<&str> = FAMILIES.iter().map(|f| f.name).collect();
        format!(
            "unknown distribution \"{name}\"; allowed: {}",
            names.join(", ")
        )
    })
}

impl Family {
    /// Checks that `present` (the keys a table gives) are exactly this family's: every required
    /// key and no key it does not take, such as `lognormal takes mean, cv; missing cv; sd not
    /// used`.
    pub fn check_keys(&self, present: &[&str]) -> Result<(), String> {
        let missing: Vec<&str> = self
            .required
            .iter()
            .copied()
            .filter(|k| !present.contains(k))
            .collect();
        let extra: Vec<&str> = present
            .iter()
            .copied()
            .filter(|k| !self.required.contains(k) && !self.optional.contains(k))
            .collect();
        if missing.is_empty() && extra.is_empty() {
            return Ok(());
        }
        let mut takes = self.required.join(", ");
        if !self.optional.is_empty() {
            takes.push_str(&format!(" (optional: {})", self.optional.join(", ")));
        }
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            problems.push(format!("{} not used", extra.join(", ")));
        }
        Err(format!(
            "{} takes {takes}; {}",
            self.name,
            problems.join("; ")
        ))
    }
}

/// The sampler of each family: what [`Dist::sample`] draws from.
#[derive(Clone, Debug)]
enum Sampler {
    /// Always the same value.
    Constant(f64),
    /// Exponential.
    Exponential(Exp<f64>),
    /// Uniform on `[min, max)`.
    Uniform(Uniform<f64>),
    /// Triangular.
    Triangular(Triangular<f64>),
    /// Normal, truncated at zero (redrawn until non-negative).
    TruncatedNormal(Normal<f64>),
    /// Lognormal.
    LogNormal(LogNormal<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
    /// PERT (beta-PERT).
    Pert(Pert<f64>),
    /// Resamples the listed values with the given weights.
    Empirical {
        values: Vec<f64>,
        index: WeightedIndex<f64>,
    },
}

impl Dist {
    fn new(sampler: Sampler, mean: f64, second_moment: Option<f64>) -> Dist {
        Dist {
            sampler,
            mean,
            second_moment,
        }
    }

    /// The distribution of family `name` with the given keys (in hours): the family's keys are
    /// checked, then its parameters. An `Err` says what is wrong.
    pub fn of(name: &str, keys: &[(&str, KeyValue)]) -> Result<Dist, String> {
        let family = family(name)?;
        let present: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
        family.check_keys(&present)?;
        (family.build)(&Keys(keys)).map_err(|e| format!("{name}: {e}"))
    }

    /// A constant (at least 0).
    pub fn constant(value: f64) -> Result<Dist, String> {
        check_non_negative("value", value)?;
        Ok(Dist::new(
            Sampler::Constant(value),
            value,
            Some(value * value),
        ))
    }

    /// Draws one value.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match &self.sampler {
            Sampler::Constant(value) => *value,
            Sampler::Exponential(exp) => exp.sample(rng),
            Sampler::Uniform(uniform) => uniform.sample(rng),
            Sampler::Triangular(tri) => tri.sample(rng),
            Sampler::TruncatedNormal(normal) => loop {
                // The family requires mean > 0, so at least half the draws are accepted.
                let x = normal.sample(rng);
                if x >= 0.0 {
                    break x;
                }
            },
            Sampler::LogNormal(lognormal) => lognormal.sample(rng),
            Sampler::Gamma(gamma) => gamma.sample(rng),
            Sampler::Weibull(weibull) => weibull.sample(rng),
            Sampler::Pert(pert) => pert.sample(rng),
            Sampler::Empirical { values, index } => values[index.sample(rng)],
        }
    }

    /// The exact mean of the distribution (for the truncated normal, of the truncated law).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The second raw moment `E[X^2]`, where it has a closed form (used by queueing checks).
    pub fn second_moment(&self) -> Option<f64> {
        self.second_moment
    }
}

fn std_normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn std_normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

fn check_finite(name: &str, value: f64) -> Result<(), String> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "{name} must be a finite number, got {}",
            compact(value)
        ))
    }
}

/// The message for parameters that pass the family's checks but that its sampler still
/// refuses (such as a mean so small that a gamma's scale `mean × cv²` rounds to 0).
fn out_of_range(keys: &str) -> String {
    format!(
        "{keys} are outside the range this distribution can be drawn from (too small or too far apart)"
    )
}

fn check_cv(cv: f64) -> Result<(), String> {
    check_finite("cv", cv)?;
    if !(MIN_CV..=MAX_CV).contains(&cv) {
        return Err(format!(
            "cv must be from {MIN_CV:e} to {MAX_CV}, got {}",
            compact(cv)
        ));
    }
    Ok(())
}

fn check_non_negative(name: &str, value: f64) -> Result<(), String> {
    check_finite(name, value)?;
    if value < 0.0 {
        return Err(format!("{name} must be at least 0, got {}", compact(value)));
    }
    Ok(())
}

fn check_positive(name: &str, value: f64) -> Result<(), String> {
    check_finite(name, value)?;
    if value <= 0.0 {
        return Err(format!(
            "{name} must be greater than 0, got {}",
            compact(value)
        ));
    }
    Ok(())
}

fn check_order(
    low_name: &str,
    low: f64,
    high_name: &str,
    high: f64,
    strict: bool,
) -> Result<(), String> {
    check_finite(high_name, high)?;
    if low > high || (strict && low == high) {
        let relation = if strict { "less than" } else { "at most" };
        return Err(format!(
            "{low_name} must be {relation} {high_name}, got {low_name} = {} and {high_name} = {}",
            compact(low),
            compact(high)
        ));
    }
    Ok(())
}

fn check_three_point(min: f64, mode: f64, max: f64) -> Result<(), String> {
    check_non_negative("min", min)?;
    check_order("min", min, "max", max, true)?;
    check_finite("mode", mode)?;
    if mode < min || mode > max {
        return Err(format!(
            "mode must lie between min and max, got min = {}, mode = {}, max = {}",
            compact(min),
            compact(mode),
            compact(max)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::rng::{StreamId, stream};

    /// Sample mean of `n` draws against the exact mean, within 5 standard errors.
    fn check_mean(dist: &Dist, n: usize) {
        let mut rng = stream(11, 0, StreamId::from_name("dist-test"));
        let draws: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        assert!(draws.iter().all(|x| x.is_finite() && *x >= 0.0));
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (var / n as f64).sqrt();
        let exact = dist.mean();
        assert!(
            (mean - exact).abs() <= 5.0 * se + 1e-12,
            "{dist:?}: sample mean {mean}, exact {exact}, se {se}"
        );
        if let Some(m2) = dist.second_moment() {
            let sample_m2 = draws.iter().map(|x| x * x).sum::<f64>() / n as f64;
            assert!(
                (sample_m2 - m2).abs() / m2 < 0.05,
                "{dist:?}: E[X^2] {sample_m2} vs {m2}"
            );
        }
    }

    fn of(name: &str, keys: &[(&str, f64)]) -> Result<Dist, String> {
        let keys: Vec<(&str, KeyValue)> = keys.iter().map(|(k, v)| (*k, (*v).into())).collect();
        Dist::of(name, &keys)
    }

    fn empirical(values: Vec<f64>, weights: Option<Vec<f64>>) -> Result<Dist, String> {
        let mut keys = vec![("values", KeyValue::from(values))];
        if let Some(weights) = weights {
            keys.push(("weights", weights.into()));
        }
        Dist::of("empirical", &keys)
    }

    #[test]
    fn sample_means_match_exact_means() {
        let dists = [
            Dist::constant(3.0).unwrap(),
            of("exponential", &[("mean", 2.0)]).unwrap(),
            of("uniform", &[("min", 1.0), ("max", 5.0)]).unwrap(),
            of("triangular", &[("min", 2.0), ("mode", 4.0), ("max", 12.0)]).unwrap(),
            of("normal", &[("mean", 1.0), ("sd", 1.5)]).unwrap(),
            of("lognormal", &[("mean", 36.0), ("cv", 0.5)]).unwrap(),
            of("gamma", &[("mean", 10.0), ("cv", 0.3)]).unwrap(),
            of("weibull", &[("shape", 1.5), ("scale", 10.0)]).unwrap(),
            of("pert", &[("min", 1.0), ("mode", 2.0), ("max", 10.0)]).unwrap(),
            empirical(vec![1.0, 2.0, 10.0], Some(vec![0.5, 0.3, 0.2])).unwrap(),
        ];
        // One of each family.
        assert_eq!(dists.len(), FAMILIES.len());
        for dist in &dists {
            check_mean(dist, 200_000);
        }
    }

    #[test]
    fn bad_parameters_are_rejected_with_reasons() {
        assert!(
            of("exponential", &[("mean", 0.0)])
                .unwrap_err()
                .contains("mean must be greater than 0")
        );
        assert!(
            of("lognormal", &[("mean", 1.0), ("cv", -0.5)])
                .unwrap_err()
                .contains("cv must be from 1e-6 to 100, got -0.5")
        );
        assert!(
            of("uniform", &[("min", 5.0), ("max", 1.0)])
                .unwrap_err()
                .contains("min must be less than max")
        );
        assert!(
            of("triangular", &[("min", 1.0), ("mode", 9.0), ("max", 5.0)])
                .unwrap_err()
                .contains("mode must lie between")
        );
        assert!(
            of("gamma", &[("mean", f64::NAN), ("cv", 1.0)])
                .unwrap_err()
                .contains("finite")
        );
        assert!(
            empirical(vec![], None)
                .unwrap_err()
                .contains("at least one")
        );
        assert!(
            empirical(vec![1.0], Some(vec![1.0, 2.0]))
                .unwrap_err()
                .contains("one entry per value")
        );
    }

    #[test]
    fn keys_are_checked_against_the_family_without_panicking() {
        assert_eq!(
            of("lognormal", &[("mean", 1.0), ("sd", 1.0)]).unwrap_err(),
            "lognormal takes mean, cv; missing cv; sd not used"
        );
        assert_eq!(
            of("empirical", &[("weights", 1.0)]).unwrap_err(),
            "empirical takes values (optional: weights); missing values"
        );
        assert!(
            of("beta", &[])
                .unwrap_err()
                .starts_with("unknown distribution \"beta\"; allowed: constant, exponential,")
        );
        // A build function reached with a wrong key type reports it rather than panicking.
        let keys = [("values", KeyValue::Number(1.0))];
        assert_eq!(
            Dist::of("empirical", &keys).unwrap_err(),
            "empirical: values must be a list of numbers"
        );
    }

    /// The backticked words of `text`.
    fn ticked(text: &str) -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    /// A family as the docs table lists it: name, keys, optional keys, keys that scale.
    type Row = (String, Vec<String>, Vec<String>, Vec<String>);

    #[test]
    fn docs_list_exactly_the_families_with_their_keys() {
        let doc = include_str!("../../docs/scenario.md");
        let section = doc
            .split("### Keys of each family")
            .nth(1)
            .expect("docs/scenario.md has a section \"Keys of each family\"");
        let rows: Vec<&str> = section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter(|l| l.starts_with("| `\""))
            .collect();
        let documented: Vec<Row> = rows
            .iter()
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                let name = cells[1].trim_matches(|c| c == '`' || c == '"').to_string();
                let (required, optional) =
                    cells[2].split_once("optional").unwrap_or((cells[2], ""));
                (name, ticked(required), ticked(optional), ticked(cells[3]))
            })
            .collect();
        let known: Vec<Row> = FAMILIES
            .iter()
            .map(|f| {
                let words = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect();
                (
                    f.name.to_string(),
                    words(f.required),
                    words(f.optional),
                    words(f.scaled),
                )
            })
            .collect();
        assert_eq!(
            documented, known,
            "docs/scenario.md's table of families (name, keys, optional keys, keys that scale) \
             must match model::dist::FAMILIES"
        );
    }
}
