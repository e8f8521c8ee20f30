//! Streaming accumulators that merge.
//!
//! Each accumulator keeps O(1) (or, for the histogram, fixed) memory however many observations it
//! sees, and two accumulators merge into the one that would have seen both streams. Merging in a
//! fixed order gives bit-identical results whatever the thread or shard layout.
//!
//! Methods and sources:
//! - [`Welford`]: weighted mean and variance by West's incremental update (D. H. D. West,
//!   "Updating mean and variance estimates: an improved method", CACM 22(9), 1979), merged with the
//!   pairwise formula of Chan, Golub and LeVeque ("Algorithms for computing the sample variance",
//!   The American Statistician 37(3), 1983).
//! - [`Moments`]: the same figures from sums shifted by the first observation (the "shifted
//!   data" method, Chan, Golub and LeVeque 1983, section 3), for the engine's per-replication
//!   statistics: no division per observation, which on the peer ferry model was a fifth of the
//!   run time.
//! - [`TimeAverage`]: the time-weighted average of a piecewise-constant level (queue length,
//!   occupancy), the integral of the level divided by the elapsed time.
//! - [`Histogram`]: logarithmic buckets with a fixed relative accuracy, the scheme of DDSketch
//!   (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
//!   relative-error guarantees", VLDB 2019): any quantile is returned within 0.5% of a value of
//!   the right rank, and merging is adding bucket counts.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// Weighted running mean and variance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Welford {
    /// Total weight seen (number of observations when every weight is 1).
    pub weight: f64,
    /// Weighted mean.
    pub mean: f64,
    /// Weighted sum of squared deviations from the mean.
    pub m2: f64,
}

impl Welford {
    /// Adds one observation with weight 1.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.add_weighted(x, 1.0);
    }

    /// Adds one observation with weight `w > 0`.
    #[inline]
    pub fn add_weighted(&mut self, x: f64, w: f64) {
        self.weight += w;
        let delta = x - self.mean;
        self.mean += delta * w / self.weight;
        self.m2 += w * delta * (x - self.mean);
    }

    /// Merges `other` into `self`.
    pub fn merge(&mut self, other: &Welford) {
        if other.weight == 0.0 {
            return;
        }
        if self.weight == 0.0 {
            *self = *other;
            return;
        }
        let weight = self.weight + other.weight;
        let delta = other.mean - self.mean;
        self.mean += delta * other.weight / weight;
        self.m2 += other.m2 + delta * delta * self.weight * other.weight / weight;
        self.weight = weight;
    }

    /// The mean, or `None` if nothing was observed.
    pub fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then_some(self.mean)
    }

    /// The sample variance with frequency weights (`m2 / (weight - 1)`), if weight > 1.
    pub fn variance(&self) -> Option<f64> {
        (self.weight > 1.0).then(|| self.m2 / (self.weight - 1.0))
    }

    /// The sample standard deviation, if weight > 1.
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }
}

/// Weighted mean and variance from sums shifted by the first observation.
///
/// Adding an observation is three multiply-adds and no division, so the engine can afford several
/// per event. Shifting by the first value keeps the sums small, so the variance does not suffer
/// the cancellation of raw sums of squares unless the data drift far from where they started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Total weight seen (number of observations when every weight is 1).
    pub weight: f64,
    /// The shift: the first observation.
    pub shift: f64,
    /// Weighted sum of `x - shift`.
    pub sum: f64,
    /// Weighted sum of `(x - shift)²`.
    pub sum_sq: f64,
}

impl Moments {
    /// Adds one observation with weight 1.
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.add_weighted(x, 1.0);
    }

    /// Adds one observation with weight `w > 0`.
    #[inline]
    pub fn add_weighted(&mut self, x: f64, w: f64) {
        if self.weight == 0.0 {
            self.shift = x;
        }
        let d = x - self.shift;
        self.weight += w;
        self.sum += w * d;
        self.sum_sq += w * d * d;
    }

    /// Merges `other` into `self` (re-shifting `other`'s sums to `self.shift`).
    pub fn merge(&mut self, other: &Moments) {
        if other.weight == 0.0 {
            return;
        }
        if self.weight == 0.0 {
            *self = *other;
            return;
        }
        let delta = other.shift - self.shift;
        self.sum_sq += other.sum_sq + 2.0 * delta * other.sum + other.weight * delta * delta;
        self.sum += other.sum + other.weight * delta;
        self.weight += other.weight;
    }

    /// What was added after `earlier`, a copy of `self` taken before (both share the shift of
    /// the first observation, so the sums subtract).
    pub fn since(&self, earlier: &Moments) -> Moments {
        if earlier.weight == 0.0 {
            return *self;
        }
        if self.weight == earlier.weight {
            return Moments::default();
        }
        Moments {
            weight: self.weight - earlier.weight,
            shift: self.shift,
            sum: self.sum - earlier.sum,
            sum_sq: self.sum_sq - earlier.sum_sq,
        }
    }

    /// The mean, or `None` if nothing was observed.
    pub fn mean(&self) -> Option<f64> {
        (self.weight > 0.0).then(|| self.shift + self.sum / self.weight)
    }

    /// Weighted sum of squared deviations from the mean.
    pub fn m2(&self) -> f64 {
        if self.weight > 0.0 {
            (self.sum_sq - self.sum * self.sum / self.weight).max(0.0)
        } else {
            0.0
        }
    }

    /// The sample variance with frequency weights (`m2 / (weight - 1)`), if weight > 1.
    pub fn variance(&self) -> Option<f64> {
        (self.weight > 1.0).then(|| self.m2() / (self.weight - 1.0))
    }

    /// The sample standard deviation, if weight > 1.
    pub fn sd(&self) -> Option<f64> {
        self.variance().map(f64::sqrt)
    }
}

/// Time-weighted average and maximum of a piecewise-constant level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeAverage {
    /// Start of the observation window, hours.
    pub start_h: f64,
    /// Time of the last change, hours.
    pub last_h: f64,
    /// Current level.
    pub level: f64,
    /// Integral of the level over `[start_h, last_h]`, level-hours.
    pub integral: f64,
    /// Largest level seen in the window.
    pub max: f64,
}

impl TimeAverage {
    /// Sets the level to `level` at time `now_h`.
    #[inline]
    pub fn set(&mut self, now_h: f64, level: f64) {
        self.integral += self.level * (now_h - self.last_h);
        self.last_h = now_h;
        self.level = level;
        if level > self.max {
            self.max = level;
        }
    }

    /// Restarts the window at `now_h`, keeping the current level.
    pub fn restart(&mut self, now_h: f64) {
        self.start_h = now_h;
        self.last_h = now_h;
        self.integral = 0.0;
        self.max = self.level;
    }

    /// The integral over `[start_h, now_h]`, level-hours, if the level has not changed since
    /// `last_h <= now_h`.
    #[inline]
    pub fn integral_at(&self, now_h: f64) -> f64 {
        self.integral + self.level * (now_h - self.last_h)
    }

    /// Closes the window at `now_h` (accumulates the last stretch).
    pub fn close(&mut self, now_h: f64) {
        let level = self.level;
        self.set(now_h, level);
    }

    /// The part of the window after `earlier`, a copy of `self` closed at an earlier time. The
    /// totals cannot give the maximum over that part: `self.max` must already be it (the caller
    /// restarts the maximum when it takes `earlier`).
    pub fn since(&self, earlier: &TimeAverage) -> TimeAverage {
        TimeAverage {
            start_h: earlier.last_h,
            last_h: self.last_h,
            level: self.level,
            integral: self.integral - earlier.integral,
            max: self.max,
        }
    }

    /// The time average over the window, or 0 for an empty window.
    pub fn mean(&self) -> f64 {
        let span = self.last_h - self.start_h;
        if span > 0.0 {
            self.integral / span
        } else {
            self.level
        }
    }
}

/// Relative accuracy of [`Histogram`] quantiles.
pub(crate) const HISTOGRAM_RELATIVE_ACCURACY: f64 = 0.005;
/// Values below this (hours) are counted in the zero bucket.
const HISTOGRAM_MIN: f64 = 1e-4;
/// Values above this (hours, about 1,140 years) are clamped into the top bucket.
const HISTOGRAM_MAX: f64 = 1e7;

/// A mergeable log-bucketed histogram of non-negative values with integer weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Weight of values below the resolution (treated as 0).
    zero: u64,
    /// Bucket `i` holds values in `(gamma^(i-1+offset), gamma^(i+offset)]`, stored sparsely as
    /// `(bucket, count)` pairs when serialized; dense in memory.
    #[serde(with = "sparse_counts")]
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

/// Bucket geometry, computed once: the ratio between bucket bounds, its logarithm, and the index
/// offset of the lowest bucket.
struct Geometry {
    gamma: f64,
    ln_gamma: f64,
    offset: i64,
    n_buckets: usize,
}

static GEOMETRY: LazyLock<Geometry> = LazyLock::new(|| {
    let gamma = (1.0 + HISTOGRAM_RELATIVE_ACCURACY) / (1.0 - HISTOGRAM_RELATIVE_ACCURACY);
    let ln_gamma = gamma.ln();
    let offset = (HISTOGRAM_MIN.ln() / ln_gamma).floor() as i64;
    let n_buckets = ((HISTOGRAM_MAX.ln() / ln_gamma).ceil() as i64 - offset + 1) as usize;
    Geometry {
        gamma,
        ln_gamma,
        offset,
        n_buckets,
    }
});

fn gamma() -> f64 {
    GEOMETRY.gamma
}

fn bucket_offset() -> i64 {
    GEOMETRY.offset
}

fn n_buckets() -> usize {
    GEOMETRY.n_buckets
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Histogram {
        Histogram {
            zero: 0,
            counts: vec![0; n_buckets()],
            total: 0,
        }
    }

    /// Records `value` (hours, >= 0) with weight `weight`.
    #[inline]
    pub fn add(&mut self, value: f64, weight: u64) {
        self.total += weight;
        if value < HISTOGRAM_MIN {
            self.zero += weight;
            return;
        }
        let value = value.min(HISTOGRAM_MAX);
        let geometry = &*GEOMETRY;
        let index = (value.ln() / geometry.ln_gamma).ceil() as i64 - geometry.offset;
        let index = (index.max(0) as usize).min(self.counts.len() - 1);
        self.counts[index] += weight;
    }

    /// Adds every count of `other` to `self`.
    pub fn merge(&mut self, other: &Histogram) {
        self.zero += other.zero;
        self.total += other.total;
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += *theirs;
        }
    }

    /// What was recorded after `earlier`, a copy of `self` taken before.
    pub fn since(&self, earlier: &Histogram) -> Histogram {
        Histogram {
            zero: self.zero - earlier.zero,
            counts: self
                .counts
                .iter()
                .zip(&earlier.counts)
                .map(|(now, then)| now - then)
                .collect(),
            total: self.total - earlier.total,
        }
    }

    /// Total weight recorded.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The `q`-quantile (`0 <= q <= 1`), within the relative accuracy, or `None` if empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let q = q.clamp(0.0, 1.0);
        // Rank of the wanted observation, 0-based, as in the lower empirical quantile.
        let rank = (q * (self.total - 1) as f64).floor() as u64;
        if rank < self.zero {
            return Some(0.0);
        }
        let mut seen = self.zero;
        let g = gamma();
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen > rank {
                let upper = g.powi((index as i64 + bucket_offset()) as i32);
                // The bucket's value with the smallest relative error to any point in it.
                return Some(2.0 * upper / (1.0 + g));
            }
        }
        None
    }

    /// Iterates over `(lower_h, upper_h, weight)` for non-empty buckets (the zero bucket is `(0, 0)`).
    pub fn buckets(&self) -> impl Iterator<Item = (f64, f64, u64)> + '_ {
        let g = gamma();
        let zero = (self.zero > 0).then_some((0.0, 0.0, self.zero));
        zero.into_iter()
            .chain(
                self.counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(move |(i, c)| {
                        let upper = g.powi((i as i64 + bucket_offset()) as i32);
                        (upper / g, upper, *c)
                    }),
            )
    }
}

mod sparse_counts {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(counts: &[u64], serializer: S) -> Result<S::Ok, S::Error> {
        let pairs: Vec<(usize, u64)> = counts
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, c)| *c > 0)
            .collect();
        pairs.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u64>, D::Error> {
        let pairs: Vec<(usize, u64)> = Vec::deserialize(deserializer)?;
        let mut counts = vec![0; super::n_buckets()];
        for (index, count) in pairs {
            let slot = counts.get_mut(index).ok_or_else(|| {
                serde::de::Error::custom(format!("histogram bucket {index} out of range"))
            })?;
            *slot = count;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_two_pass_and_merges() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 37) % 101) as f64 * 0.7 + 3.0)
            .collect();
        let mut all = Welford::default();
        xs.iter().for_each(|x| all.add(*x));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((all.mean().unwrap() - mean).abs() < 1e-9);
        assert!((all.variance().unwrap() - var).abs() < 1e-9);
        let (left, right) = xs.split_at(313);
        let mut a = Welford::default();
        let mut b = Welford::default();
        left.iter().for_each(|x| a.add(*x));
        right.iter().for_each(|x| b.add(*x));
        a.merge(&b);
        assert!((a.mean().unwrap() - mean).abs() < 1e-9);
        assert!((a.variance().unwrap() - var).abs() < 1e-9);
    }

    #[test]
    fn weighted_welford_equals_repeated_observations() {
        let mut weighted = Welford::default();
        weighted.add_weighted(2.0, 3.0);
        weighted.add_weighted(5.0, 1.0);
        let mut repeated = Welford::default();
        [2.0, 2.0, 2.0, 5.0].iter().for_each(|x| repeated.add(*x));
        assert!((weighted.mean().unwrap() - repeated.mean().unwrap()).abs() < 1e-12);
        assert!((weighted.variance().unwrap() - repeated.variance().unwrap()).abs() < 1e-12);
    }

    #[test]
    fn moments_agree_with_welford_and_merge() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 37) % 101) as f64 * 0.7 + 1e4)
            .collect();
        let mut welford = Welford::default();
        let mut moments = Moments::default();
        for (i, x) in xs.iter().enumerate() {
            let w = 1.0 + (i % 3) as f64;
            welford.add_weighted(*x, w);
            moments.add_weighted(*x, w);
        }
        assert!((moments.mean().unwrap() - welford.mean().unwrap()).abs() < 1e-9);
        assert!((moments.variance().unwrap() / welford.variance().unwrap() - 1.0).abs() < 1e-9);
        let (left, right) = xs.split_at(313);
        let mut a = Moments::default();
        let mut b = Moments::default();
        left.iter().for_each(|x| a.add(*x));
        right.iter().rev().for_each(|x| b.add(*x));
        a.merge(&b);
        let mut all = Welford::default();
        xs.iter().for_each(|x| all.add(*x));
        assert!((a.mean().unwrap() - all.mean().unwrap()).abs() < 1e-9);
        assert!((a.variance().unwrap() / all.variance().unwrap() - 1.0).abs() < 1e-9);
        // Constant data have exactly zero variance.
        let mut constant = Moments::default();
        (0..10).for_each(|_| constant.add(0.1));
        assert_eq!(constant.variance(), Some(0.0));
        assert_eq!(Moments::default().mean(), None);
    }

    #[test]
    fn time_average_integrates_levels() {
        let mut level = TimeAverage::default();
        level.set(0.0, 2.0);
        level.set(1.0, 4.0);
        level.set(3.0, 0.0);
        level.close(4.0);
        // (2*1 + 4*2 + 0*1) / 4 = 2.5
        assert!((level.mean() - 2.5).abs() < 1e-12);
        assert_eq!(level.max, 4.0);
        level.restart(4.0);
        level.set(6.0, 1.0);
        level.close(8.0);
        assert!((level.mean() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn histogram_quantiles_are_within_relative_accuracy() {
        let mut hist = Histogram::new();
        let values: Vec<f64> = (1..=10_000).map(|i| i as f64 * 0.01).collect();
        values.iter().for_each(|v| hist.add(*v, 1));
        for q in [0.0, 0.1, 0.5, 0.95, 0.99, 1.0] {
            let exact = values[(q * (values.len() - 1) as f64).floor() as usize];
            let approx = hist.quantile(q).unwrap();
            assert!(
                (approx - exact).abs() <= HISTOGRAM_RELATIVE_ACCURACY * exact * 1.0001,
                "q={q}: {approx} vs {exact}"
            );
        }
    }

    #[test]
    fn histogram_merge_is_addition_and_roundtrips_through_json() {
        let mut a = Histogram::new();
        let mut b = Histogram::new();
        let mut both = Histogram::new();
        for i in 0..500 {
            let v = (i as f64).sqrt();
            if i % 3 == 0 {
                a.add(v, 2)
            } else {
                b.add(v, 1)
            }
            both.add(v, if i % 3 == 0 { 2 } else { 1 });
        }
        a.merge(&b);
        assert_eq!(a, both);
        let json = serde_json::to_string(&a).unwrap();
        let back: Histogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        assert!(hist_is_empty_safe());
    }

    fn hist_is_empty_safe() -> bool {
        Histogram::new().quantile(0.5).is_none()
    }
}
