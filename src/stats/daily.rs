//! TEU delivered per simulated day and route, summarised over replications.
//!
//! Daily counts are integers, so the accumulator keeps exact integer sums (count, sum, sum of
//! squares): adding replications in any order, or merging partial sums, gives the same bits.

use serde::{Deserialize, Serialize};

use super::replication::ReplicationStats;
use super::summary::{CONFIDENCE, t_critical};

/// Exact sums of one day's deliveries over replications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySums {
    /// Replications that simulated this day.
    pub n: u64,
    /// Sum of TEU delivered.
    pub sum: u64,
    /// Sum of squares of TEU delivered.
    pub sum_sq: u128,
}

impl DaySums {
    fn add(&mut self, teu: u64) {
        self.n += 1;
        self.sum += teu;
        self.sum_sq += u128::from(teu) * u128::from(teu);
    }

    /// Mean TEU per day, if any replication covered the day.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// Sample standard deviation, computed from the exact integer sums.
    pub fn sd(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = u128::from(self.n);
        let sum = u128::from(self.sum);
        // n * sum_sq - sum^2 >= 0 exactly (Cauchy-Schwarz), no cancellation error.
        let numerator = n * self.sum_sq - sum * sum;
        Some((numerator as f64 / (n * (n - 1)) as f64).sqrt())
    }

    /// Half-width of the 95% confidence interval of the mean.
    pub fn half_width(&self) -> Option<f64> {
        self.sd()
            .map(|sd| t_critical(CONFIDENCE, self.n - 1) * sd / (self.n as f64).sqrt())
    }
}

/// Per route, per day sums.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DailyThroughput {
    /// `routes[route][day]`.
    pub routes: Vec<Vec<DaySums>>,
}

impl DailyThroughput {
    /// An empty accumulator for `routes` routes.
    pub fn new(routes: usize) -> DailyThroughput {
        DailyThroughput {
            routes: vec![Vec::new(); routes],
        }
    }

    /// Adds one replication.
    pub fn add(&mut self, rep: &ReplicationStats) {
        for (days, stats) in self.routes.iter_mut().zip(&rep.routes) {
            if days.len() < stats.daily_delivered_teu.len() {
                days.resize(stats.daily_delivered_teu.len(), DaySums::default());
            }
            for (sums, teu) in days.iter_mut().zip(&stats.daily_delivered_teu) {
                sums.add(*teu);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_sums_give_textbook_mean_and_sd() {
        let mut day = DaySums::default();
        [2, 4, 4, 4, 5, 5, 7, 9].iter().for_each(|v| day.add(*v));
        assert_eq!(day.mean(), Some(5.0));
        // Sample variance 32 / 7.
        assert!((day.sd().unwrap() - (32.0_f64 / 7.0).sqrt()).abs() < 1e-12);
        assert!(day.half_width().unwrap() > 0.0);
        let mut one = DaySums::default();
        one.add(3);
        assert_eq!(one.sd(), None);
    }
}
