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

use crate::base::rng::Stream;

/// A duration distribution, ready to sample. Build it with one of the constructors.
#[derive(Clone, Debug)]
pub struct Dist(Inner);

#[derive(Clone, Debug)]
enum Inner {
    /// Always the same value.
    Constant(f64),
    /// Exponential with the given mean.
    Exponential { mean: f64, exp: Exp<f64> },
    /// Uniform on `[min, max)`.
    Uniform {
        min: f64,
        max: f64,
        uniform: Uniform<f64>,
    },
    /// Triangular with `min <= mode <= max`.
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
        tri: Triangular<f64>,
    },
    /// Normal with `mean` and `sd`, truncated at zero (redrawn until non-negative).
    TruncatedNormal {
        mean: f64,
        sd: f64,
        normal: Normal<f64>,
    },
    /// Lognormal given by its own mean and coefficient of variation.
    LogNormal {
        mean: f64,
        cv: f64,
        lognormal: LogNormal<f64>,
    },
    /// Gamma given by its mean and coefficient of variation.
    Gamma {
        mean: f64,
        cv: f64,
        gamma: Gamma<f64>,
    },
    /// Weibull with `shape` k and `scale` lambda.
    Weibull {
        shape: f64,
        scale: f64,
        weibull: Weibull<f64>,
    },
    /// PERT (beta-PERT) on `[min, max]` with the given mode.
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        pert: Pert<f64>,
    },
    /// Resamples the listed values with the given weights.
    Empirical {
        values: Vec<f64>,
        weights: Vec<f64>,
        index: WeightedIndex<f64>,
    },
}

impl Dist {
    /// Draws one value.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> f64 {
        match &self.0 {
            Inner::Constant(value) => *value,
            Inner::Exponential { exp, .. } => exp.sample(rng),
            Inner::Uniform { uniform, .. } => uniform.sample(rng),
            Inner::Triangular { tri, .. } => tri.sample(rng),
            Inner::TruncatedNormal { normal, .. } => loop {
                // Validation requires mean > 0, so at least half the draws are accepted.
                let x = normal.sample(rng);
                if x >= 0.0 {
                    break x;
                }
            },
            Inner::LogNormal { lognormal, .. } => lognormal.sample(rng),
            Inner::Gamma { gamma, .. } => gamma.sample(rng),
            Inner::Weibull { weibull, .. } => weibull.sample(rng),
            Inner::Pert { pert, .. } => pert.sample(rng),
            Inner::Empirical { values, index, .. } => values[index.sample(rng)],
        }
    }

    /// The exact mean of the distribution (for the truncated normal, of the truncated law).
    pub fn mean(&self) -> f64 {
        match &self.0 {
            Inner::Constant(value) => *value,
            Inner::Exponential { mean, .. } => *mean,
            Inner::Uniform { min, max, .. } => 0.5 * (min + max),
            Inner::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
            Inner::TruncatedNormal { mean, sd, .. } => {
                let alpha = -mean / sd;
                mean + sd * std_normal_pdf(alpha) / (1.0 - std_normal_cdf(alpha))
            }
            Inner::LogNormal { mean, .. } | Inner::Gamma { mean, .. } => *mean,
            Inner::Weibull { shape, scale, .. } => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Inner::Pert { min, mode, max, .. } => (min + 4.0 * mode + max) / 6.0,
            Inner::Empirical {
                values, weights, ..
            } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
        }
    }

    /// The second raw moment `E[X^2]`, where it has a closed form (used by queueing checks).
    pub fn second_moment(&self) -> Option<f64> {
        match &self.0 {
            Inner::Constant(value) => Some(value * value),
            Inner::Exponential { mean, .. } => Some(2.0 * mean * mean),
            Inner::Uniform { min, max, .. } => Some((min * min + min * max + max * max) / 3.0),
            Inner::LogNormal { mean, cv, .. } | Inner::Gamma { mean, cv, .. } => {
                Some(mean * mean * (1.0 + cv * cv))
            }
            Inner::Empirical {
                values, weights, ..
            } => {
                let total: f64 = weights.iter().sum();
                Some(
                    values
                        .iter()
                        .zip(weights)
                        .map(|(v, w)| v * v * w)
                        .sum::<f64>()
                        / total,
                )
            }
            _ => None,
        }
    }
}

fn std_normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn std_normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Builders that take already-validated parameters. They return `Err` with a reason instead of
/// panicking, so that a validation gap becomes an error message rather than a crash.
impl Dist {
    /// A constant.
    pub fn constant(value: f64) -> Result<Dist, String> {
        check_non_negative("value", value)?;
        Ok(Dist(Inner::Constant(value)))
    }

    /// Exponential with the given mean (> 0).
    pub fn exponential(mean: f64) -> Result<Dist, String> {
        check_positive("mean", mean)?;
        let exp = Exp::new(1.0 / mean).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Exponential { mean, exp }))
    }

    /// Uniform on `[min, max)` with `0 <= min < max`.
    pub fn uniform(min: f64, max: f64) -> Result<Dist, String> {
        check_non_negative("min", min)?;
        check_order("min", min, "max", max, true)?;
        let uniform = Uniform::new(min, max).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Uniform { min, max, uniform }))
    }

    /// Triangular with `0 <= min <= mode <= max` and `min < max`.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Dist, String> {
        check_three_point(min, mode, max)?;
        let tri = Triangular::new(min, max, mode).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Triangular {
            min,
            mode,
            max,
            tri,
        }))
    }

    /// Normal(mean, sd) truncated at zero; `mean > 0`, `sd > 0`.
    pub fn truncated_normal(mean: f64, sd: f64) -> Result<Dist, String> {
        check_positive("mean", mean)?;
        check_positive("sd", sd)?;
        let normal = Normal::new(mean, sd).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::TruncatedNormal { mean, sd, normal }))
    }

    /// Lognormal with the given mean (> 0) and coefficient of variation (> 0).
    pub fn lognormal(mean: f64, cv: f64) -> Result<Dist, String> {
        check_positive("mean", mean)?;
        check_positive("cv", cv)?;
        let sigma2 = (1.0 + cv * cv).ln();
        let lognormal =
            LogNormal::new(mean.ln() - 0.5 * sigma2, sigma2.sqrt()).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::LogNormal {
            mean,
            cv,
            lognormal,
        }))
    }

    /// Gamma with the given mean (> 0) and coefficient of variation (> 0).
    pub fn gamma(mean: f64, cv: f64) -> Result<Dist, String> {
        check_positive("mean", mean)?;
        check_positive("cv", cv)?;
        let gamma = Gamma::new(1.0 / (cv * cv), mean * cv * cv).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Gamma { mean, cv, gamma }))
    }

    /// Weibull with `shape` (> 0) and `scale` (> 0).
    pub fn weibull(shape: f64, scale: f64) -> Result<Dist, String> {
        check_positive("shape", shape)?;
        check_positive("scale", scale)?;
        let weibull = Weibull::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Weibull {
            shape,
            scale,
            weibull,
        }))
    }

    /// PERT with `0 <= min <= mode <= max` and `min < max`.
    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Dist, String> {
        check_three_point(min, mode, max)?;
        let pert = Pert::new(min, max)
            .with_mode(mode)
            .map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Pert {
            min,
            mode,
            max,
            pert,
        }))
    }

    /// Resampling of `values` (each >= 0) with `weights` (each >= 0, not all zero).
    pub fn empirical(values: Vec<f64>, weights: Option<Vec<f64>>) -> Result<Dist, String> {
        if values.is_empty() {
            return Err("values must list at least one number".into());
        }
        for value in &values {
            check_non_negative("values", *value)?;
        }
        let weights = match weights {
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
                weights
            }
            None => vec![1.0; values.len()],
        };
        let index = WeightedIndex::new(weights.iter().copied()).map_err(|e| e.to_string())?;
        Ok(Dist(Inner::Empirical {
            values,
            weights,
            index,
        }))
    }
}

fn check_finite(name: &str, value: f64) -> Result<(), String> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(format!("{name} must be a finite number, got {value}"))
    }
}

fn check_non_negative(name: &str, value: f64) -> Result<(), String> {
    check_finite(name, value)?;
    if value < 0.0 {
        return Err(format!("{name} must be at least 0, got {value}"));
    }
    Ok(())
}

fn check_positive(name: &str, value: f64) -> Result<(), String> {
    check_finite(name, value)?;
    if value <= 0.0 {
        return Err(format!("{name} must be greater than 0, got {value}"));
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
            "{low_name} must be {relation} {high_name}, got {low_name} = {low} and {high_name} = {high}"
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
            "mode must lie between min and max, got min = {min}, mode = {mode}, max = {max}"
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

    #[test]
    fn sample_means_match_exact_means() {
        let dists = [
            Dist::constant(3.0).unwrap(),
            Dist::exponential(2.0).unwrap(),
            Dist::uniform(1.0, 5.0).unwrap(),
            Dist::triangular(2.0, 4.0, 12.0).unwrap(),
            Dist::truncated_normal(1.0, 1.5).unwrap(),
            Dist::lognormal(36.0, 0.5).unwrap(),
            Dist::gamma(10.0, 0.3).unwrap(),
            Dist::weibull(1.5, 10.0).unwrap(),
            Dist::pert(1.0, 2.0, 10.0).unwrap(),
            Dist::empirical(vec![1.0, 2.0, 10.0], Some(vec![0.5, 0.3, 0.2])).unwrap(),
        ];
        for dist in &dists {
            check_mean(dist, 200_000);
        }
    }

    #[test]
    fn bad_parameters_are_rejected_with_reasons() {
        assert!(
            Dist::exponential(0.0)
                .unwrap_err()
                .contains("mean must be greater than 0")
        );
        assert!(
            Dist::lognormal(1.0, -0.5)
                .unwrap_err()
                .contains("cv must be greater than 0")
        );
        assert!(
            Dist::uniform(5.0, 1.0)
                .unwrap_err()
                .contains("min must be less than max")
        );
        assert!(
            Dist::triangular(1.0, 9.0, 5.0)
                .unwrap_err()
                .contains("mode must lie between")
        );
        assert!(Dist::gamma(f64::NAN, 1.0).unwrap_err().contains("finite"));
        assert!(
            Dist::empirical(vec![], None)
                .unwrap_err()
                .contains("at least one")
        );
        assert!(
            Dist::empirical(vec![1.0], Some(vec![1.0, 2.0]))
                .unwrap_err()
                .contains("one entry per value")
        );
    }
}
