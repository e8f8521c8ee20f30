//! An estimate of a mean from independent replications: mean, sample standard deviation and the
//! half-width of a two-sided Student-t confidence interval (Law, *Simulation Modeling and
//! Analysis*, 5th ed., section 9.4.1), and the critical values every interval in Corridor uses.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::accumulators::Welford;
/// Confidence level of every interval in a summary.
pub const CONFIDENCE: f64 = 0.95;

/// A KPI summarised over replications.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Replications that produced a value.
    pub n: u64,
    /// Mean over replications.
    pub mean: f64,
    /// Sample standard deviation over replications (0 with one replication).
    pub sd: f64,
    /// Half-width of the 95% confidence interval of the mean (`null` with one replication).
    pub half_width: Option<f64>,
}

impl Estimate {
    /// Summarises the per-replication values accumulated in `acc`.
    pub fn from_welford(acc: &Welford) -> Option<Estimate> {
        let mean = acc.mean()?;
        let n = acc.weight.round() as u64;
        let sd = acc.sd().unwrap_or(0.0);
        Some(Estimate {
            n,
            mean,
            sd,
            half_width: (n >= 2).then(|| half_width(sd, n)),
        })
    }

    /// Lower end of the 95% confidence interval, if there is one.
    pub fn low(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean - h)
    }

    /// Upper end of the 95% confidence interval, if there is one.
    pub fn high(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean + h)
    }
}

/// Student-t critical value for a two-sided interval at `confidence` with `df` degrees of freedom.
pub fn t_critical(confidence: f64, df: u64) -> f64 {
    t_critical_fractional(confidence, df as f64)
}

/// [`t_critical`] for a fractional number of degrees of freedom (Welch's approximation);
/// infinite for `df` not above 0.
pub(crate) fn t_critical_fractional(confidence: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) if df > 0.0 => t.inverse_cdf(0.5 + confidence / 2.0),
        _ => f64::INFINITY,
    }
}

/// Half-width of the 95% confidence interval of a mean of `n` values with sample sd `sd`.
pub(crate) fn half_width(sd: f64, n: u64) -> f64 {
    if n < 2 {
        return f64::INFINITY;
    }
    t_critical(CONFIDENCE, n - 1) * sd / (n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_critical_matches_tables() {
        // Two-sided 95%: t(0.975; 1) = 12.706, t(0.975; 9) = 2.262, t(0.975; 29) = 2.045.
        assert!((t_critical(0.95, 1) - 12.706).abs() < 1e-3);
        assert!((t_critical(0.95, 9) - 2.262).abs() < 1e-3);
        assert!((t_critical(0.95, 29) - 2.045).abs() < 1e-3);
        assert!(half_width(1.0, 1).is_infinite());
    }

    #[test]
    fn half_width_and_estimate_match_a_hand_computation() {
        // Values 1, 2, 3, 4, 5 (found uncaught by mutation testing: the degrees of freedom,
        // the interval's ends and the guards below had no test of their own): mean 3, sample sd
        // sqrt(2.5), half-width t(0.975; 4) sd / sqrt(5) = 2.776 x 1.5811 / 2.2361 = 1.9632.
        let sd = 2.5f64.sqrt();
        let expected = 2.776_445 * sd / 5f64.sqrt();
        assert!(
            (half_width(sd, 5) - expected).abs() < 1e-5,
            "{}",
            half_width(sd, 5)
        );
        // Two values are enough for an interval: t(0.975; 1) / sqrt(2).
        assert!((half_width(1.0, 2) - 12.706_205 / 2f64.sqrt()).abs() < 1e-5);
        let mut acc = Welford::default();
        for x in [1.0, 2.0, 3.0, 4.0, 5.0] {
            acc.add(x);
        }
        let estimate = Estimate::from_welford(&acc).expect("five values");
        assert_eq!(estimate.n, 5);
        assert!((estimate.mean - 3.0).abs() < 1e-12);
        assert!((estimate.sd - sd).abs() < 1e-12);
        let h = estimate.half_width.expect("two or more values");
        assert!((h - expected).abs() < 1e-5);
        assert!((estimate.low().unwrap() - (3.0 - expected)).abs() < 1e-5);
        assert!((estimate.high().unwrap() - (3.0 + expected)).abs() < 1e-5);
        // One value: a mean, no interval.
        let mut one = Welford::default();
        one.add(7.0);
        let single = Estimate::from_welford(&one).unwrap();
        assert_eq!((single.n, single.mean, single.sd), (1, 7.0, 0.0));
        assert_eq!(
            (single.half_width, single.low(), single.high()),
            (None, None, None)
        );
        assert!(Estimate::from_welford(&Welford::default()).is_none());
        // Welch's fractional degrees of freedom: finite above 0, infinite at or below.
        assert!((t_critical_fractional(0.95, 4.0) - 2.776_445).abs() < 1e-5);
        assert!(t_critical_fractional(0.95, 0.5).is_finite());
        assert!(t_critical_fractional(0.95, 0.0).is_infinite());
        assert!(t_critical_fractional(0.95, -1.0).is_infinite());
    }
}
