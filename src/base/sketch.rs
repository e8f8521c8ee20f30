//! A sparse, mergeable quantile sketch of real values, used for percentiles *across
//! replications* (one value per replication per KPI) and, with integer weights, for the transit
//! times of a route by month of departure (few distinct buckets, where a dense
//! [`Histogram`](super::Histogram) per month would be mostly empty).
//!
//! Values are counted in logarithmic buckets with the same relative accuracy as
//! [`Histogram`](super::Histogram) (0.5%, the DDSketch scheme), stored sparsely because the values
//! of one KPI over replications cluster in a few buckets. Counts are integers, so the sketch is the
//! same whatever order values arrive in; that is what makes percentiles identical for any thread
//! count or shard layout. Minimum and maximum are kept exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::accumulators::HISTOGRAM_RELATIVE_ACCURACY;

/// Magnitudes below this count as zero.
const MIN_MAGNITUDE: f64 = 1e-9;

/// A sparse log-bucketed quantile sketch with exact extremes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantileSketch {
    /// Count per signed bucket key: positive values have keys `> 0`, negative ones `< 0`
    /// (mirrored), zero has key `0`.
    buckets: BTreeMap<i32, u64>,
    count: u64,
    min: Option<f64>,
    max: Option<f64>,
}

fn gamma() -> f64 {
    (1.0 + HISTOGRAM_RELATIVE_ACCURACY) / (1.0 - HISTOGRAM_RELATIVE_ACCURACY)
}

/// Bucket `k >= 1` holds magnitudes in `(MIN * gamma^(k-1), MIN * gamma^k]`.
fn magnitude_key(magnitude: f64) -> i32 {
    if magnitude < MIN_MAGNITUDE {
        return 0;
    }
    let k = ((magnitude / MIN_MAGNITUDE).ln() / gamma().ln()).ceil();
    // Finite inputs stay far below i32::MAX (f64::MAX gives about 70,000).
    (k as i32).max(1)
}

/// The representative value of key `k` (smallest relative error to any point in the bucket).
fn representative(key: i32) -> f64 {
    if key == 0 {
        return 0.0;
    }
    let g = gamma();
    let upper = MIN_MAGNITUDE * g.powi(key.abs());
    let value = 2.0 * upper / (1.0 + g);
    if key < 0 { -value } else { value }
}

impl QuantileSketch {
    /// Records one finite value (non-finite values are ignored).
    pub fn add(&mut self, value: f64) {
        self.add_weighted(value, 1);
    }

    /// Records one finite value `weight` times (non-finite values and a weight of 0 are
    /// ignored): the same sketch as `weight` calls of [`QuantileSketch::add`].
    pub fn add_weighted(&mut self, value: f64, weight: u64) {
        if !value.is_finite() || weight == 0 {
            return;
        }
        let key = magnitude_key(value.abs());
        let key = if value < 0.0 { -key } else { key };
        *self.buckets.entry(key).or_insert(0) += weight;
        self.count += weight;
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &QuantileSketch) {
        for (key, count) in &other.buckets {
            *self.buckets.entry(*key).or_insert(0) += count;
        }
        self.count += other.count;
        for value in [other.min, other.max].into_iter().flatten() {
            self.min = Some(self.min.map_or(value, |m| m.min(value)));
            self.max = Some(self.max.map_or(value, |m| m.max(value)));
        }
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Smallest value recorded.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// Largest value recorded.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// The lower empirical `q`-quantile within 0.5% relative accuracy (clamped to the exact
    /// minimum and maximum), or `None` if empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        let (min, max) = (self.min?, self.max?);
        if rank == 0 {
            return Some(min);
        }
        if rank == self.count - 1 {
            return Some(max);
        }
        let mut seen = 0;
        // Keys order like values except that negative keys are mirrored: walk negatives from the
        // largest magnitude (most negative key) up, then zero, then positives.
        for (key, count) in &self.buckets {
            seen += count;
            if seen > rank {
                return Some(representative(*key).clamp(min, max));
            }
        }
        Some(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_within_relative_accuracy_and_extremes_exact() {
        let values: Vec<f64> = (0..2001).map(|i| -50.0 + i as f64 * 0.173).collect();
        let mut sketch = QuantileSketch::default();
        for v in values.iter().rev() {
            sketch.add(*v);
        }
        assert_eq!(sketch.min(), Some(-50.0));
        assert_eq!(sketch.max(), Some(values[2000]));
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let exact = values[(q * 2000.0_f64).floor() as usize];
            let approx = sketch.quantile(q).unwrap();
            assert!(
                (approx - exact).abs() <= HISTOGRAM_RELATIVE_ACCURACY * exact.abs() * 1.0001 + 1e-9,
                "q={q}: {approx} vs {exact}"
            );
        }
    }

    #[test]
    fn merge_equals_one_sketch_in_any_order() {
        let values: Vec<f64> = (0..500).map(|i| ((i * 7919) % 1000) as f64 / 7.0).collect();
        let mut all = QuantileSketch::default();
        values.iter().for_each(|v| all.add(*v));
        let mut a = QuantileSketch::default();
        let mut b = QuantileSketch::default();
        for (i, v) in values.iter().enumerate() {
            if i % 3 == 0 { a.add(*v) } else { b.add(*v) }
        }
        b.merge(&a);
        assert_eq!(b, all);
        assert_eq!(QuantileSketch::default().quantile(0.5), None);
    }

    #[test]
    fn a_weight_counts_like_that_many_values() {
        let mut weighted = QuantileSketch::default();
        let mut repeated = QuantileSketch::default();
        for (i, weight) in [3_u64, 1, 0, 7, 2].into_iter().enumerate() {
            let value = 10.0 + 4.5 * i as f64;
            weighted.add_weighted(value, weight);
            for _ in 0..weight {
                repeated.add(value);
            }
        }
        weighted.add_weighted(f64::NAN, 4);
        assert_eq!(weighted, repeated);
        assert_eq!(weighted.count(), 13);
        assert_eq!(weighted.min(), Some(10.0));
        assert_eq!(weighted.max(), Some(28.0));
    }
}
