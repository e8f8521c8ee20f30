//! Morris elementary effects: a screening design that ranks uncertain parameters by influence.
//!
//! Morris (1991), "Factorial sampling plans for preliminary computational experiments",
//! Technometrics 33(2). The `k` parameters live on the unit hypercube, each on a grid of `p`
//! levels `0, 1/(p−1), ..., 1`; a *trajectory* starts at a random grid point and moves one
//! parameter at a time by `±Δ`, `Δ = p / (2(p−1))`, in a random order, so it has `k + 1` points
//! and gives one elementary effect per parameter:
//! `EE_i = (y(after) − y(before)) / (u_i(after) − u_i(before))`.
//! Because the unit coordinate spans the parameter's whole range `[low, high]`, an elementary
//! effect is the change of the KPI per full range of the parameter: for a KPI linear in a
//! parameter with slope `s` (per unit of the parameter), `EE = s × (high − low)`, so effects of
//! parameters with different units are comparable. Over `r` trajectories, per parameter:
//! `mu` (mean EE: direction), `mu*` (mean |EE|, Campolongo et al. 2007: overall influence, the
//! ranking), `sigma` (sd of EE: non-linearity or interactions).
//!
//! The design is drawn from one random stream, `base::rng::stream(seed, 0,
//! StreamId::from_name("study/morris/design"))`, so the same seed gives the same design.
//! The number of levels must be even (then `x + Δ` is always a grid level, as Morris advises).

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::sweep::StudyError;
use crate::base::rng::{Stream, StreamId, stream};

/// Name of the design's random stream.
pub(crate) const DESIGN_STREAM: &str = "study/morris/design";

/// Default number of trajectories.
pub const DEFAULT_TRAJECTORIES: u32 = 10;

/// Default number of grid levels.
pub const DEFAULT_LEVELS: u32 = 4;

/// One trajectory: `k + 1` points on the unit hypercube, each after the first moving one
/// parameter by `±Δ`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// The points, unit coordinates, `k + 1` of them.
    pub points: Vec<Vec<f64>>,
    /// `moved[j]`: the parameter that changes from point `j` to point `j + 1`.
    pub moved: Vec<usize>,
}

/// A Morris design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MorrisDesign {
    /// Number of parameters.
    pub parameters: usize,
    /// Grid levels `p`.
    pub levels: u32,
    /// Step `Δ = p / (2(p−1))`.
    pub delta: f64,
    /// Seed the design was drawn with.
    pub seed: u64,
    /// The trajectories.
    pub trajectories: Vec<Trajectory>,
}

/// A uniform integer in `0..n` from the stream's next 64 bits (multiply-shift; the bias is below
/// `n / 2^64`). Written out so that the design does not depend on `rand`'s sampling algorithms.
fn below(rng: &mut Stream, n: usize) -> usize {
    let bits: u64 = rng.random();
    ((u128::from(bits) * n as u128) >> 64) as usize
}

impl MorrisDesign {
    /// Draws `trajectories` trajectories for `parameters` parameters on a `levels`-level grid.
    pub fn new(
        parameters: usize,
        trajectories: u32,
        levels: u32,
        seed: u64,
    ) -> Result<MorrisDesign, StudyError> {
        if parameters == 0 {
            return Err(StudyError::Setting(
                "Morris needs at least one uncertain parameter".into(),
            ));
        }
        if trajectories < 2 {
            return Err(StudyError::Setting(format!(
                "--trajectories must be at least 2 (for sigma), not {trajectories}"
            )));
        }
        if levels < 2 || !levels.is_multiple_of(2) {
            return Err(StudyError::Setting(format!(
                "--levels must be an even number of at least 2 (so that every step of Δ = p/(2(p−1)) lands on the grid), not {levels}"
            )));
        }
        let step = 1.0 / f64::from(levels - 1);
        let delta = f64::from(levels) / (2.0 * f64::from(levels - 1));
        // Starting levels: those from which +Δ stays on the grid (0 ..= p/2 − 1).
        let start_levels = (levels / 2) as usize;
        let jump = (levels / 2) as usize; // Δ in grid steps
        let mut rng = stream(seed, 0, StreamId::from_name(DESIGN_STREAM));
        let mut out = Vec::with_capacity(trajectories as usize);
        for _ in 0..trajectories {
            // Base point x* (grid index), a direction per parameter, an order.
            let mut index: Vec<usize> = Vec::with_capacity(parameters);
            let mut up: Vec<bool> = Vec::with_capacity(parameters);
            for _ in 0..parameters {
                let base = below(&mut rng, start_levels);
                let going_up = below(&mut rng, 2) == 0;
                // Going down starts Δ above the base so the step ends on it.
                index.push(if going_up { base } else { base + jump });
                up.push(going_up);
            }
            let mut order: Vec<usize> = (0..parameters).collect();
            for i in (1..parameters).rev() {
                order.swap(i, below(&mut rng, i + 1));
            }
            let to_unit =
                |index: &[usize]| -> Vec<f64> { index.iter().map(|&i| i as f64 * step).collect() };
            let mut points = vec![to_unit(&index)];
            for &i in &order {
                if up[i] {
                    index[i] += jump;
                } else {
                    index[i] -= jump;
                }
                points.push(to_unit(&index));
            }
            out.push(Trajectory {
                points,
                moved: order,
            });
        }
        Ok(MorrisDesign {
            parameters,
            levels,
            delta,
            seed,
            trajectories: out,
        })
    }

    /// Every point of the design, trajectory by trajectory (`trajectories × (k + 1)` points).
    pub fn points(&self) -> Vec<&[f64]> {
        self.trajectories
            .iter()
            .flat_map(|t| t.points.iter().map(Vec::as_slice))
            .collect()
    }

    /// The Morris indices of every parameter for one KPI whose value at point `j` of
    /// [`MorrisDesign::points`] is `y[j]` (`None` where the KPI has no value; an effect that
    /// needs it is left out and counted as missing).
    pub fn indices(&self, y: &[Option<f64>]) -> Vec<MorrisIndex> {
        let k = self.parameters;
        let mut effects: Vec<Vec<f64>> = vec![Vec::new(); k];
        for (t, trajectory) in self.trajectories.iter().enumerate() {
            let offset = t * (k + 1);
            for (j, &i) in trajectory.moved.iter().enumerate() {
                let du = trajectory.points[j + 1][i] - trajectory.points[j][i];
                if let (Some(before), Some(after)) = (y[offset + j], y[offset + j + 1]) {
                    effects[i].push((after - before) / du);
                }
            }
        }
        effects
            .iter()
            .map(|ee| MorrisIndex::of(ee, self.trajectories.len()))
            .collect()
    }
}

/// The Morris indices of one parameter for one KPI.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MorrisIndex {
    /// Elementary effects computed (trajectories where the KPI had values on both sides).
    pub effects: usize,
    /// Elementary effects that could not be computed (the KPI had no value).
    pub missing: usize,
    /// Mean elementary effect (KPI change per full parameter range; the sign is the direction).
    pub mu: Option<f64>,
    /// Mean absolute elementary effect: the influence ranking.
    pub mu_star: Option<f64>,
    /// Sample standard deviation of the elementary effects (non-linearity, interactions).
    pub sigma: Option<f64>,
}

impl MorrisIndex {
    /// The indices of elementary effects `ee` out of `trajectories`.
    pub fn of(ee: &[f64], trajectories: usize) -> MorrisIndex {
        let n = ee.len();
        let mean = |f: &dyn Fn(f64) -> f64| ee.iter().map(|&e| f(e)).sum::<f64>() / n as f64;
        let mu = (n > 0).then(|| mean(&|e| e));
        MorrisIndex {
            effects: n,
            missing: trajectories - n,
            mu,
            mu_star: (n > 0).then(|| mean(&f64::abs)),
            sigma: mu
                .filter(|_| n > 1)
                .map(|m| (ee.iter().map(|e| (e - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_and_levels() {
        let d = MorrisDesign::new(3, 4, 4, 1).unwrap();
        assert!((d.delta - 2.0 / 3.0).abs() < 1e-12);
        for t in &d.trajectories {
            for p in &t.points {
                for &u in p {
                    let level = u * 3.0;
                    assert!((level - level.round()).abs() < 1e-9, "{u} is on the grid");
                }
            }
        }
        assert!(MorrisDesign::new(3, 4, 3, 1).is_err());
        assert!(MorrisDesign::new(3, 1, 4, 1).is_err());
        assert!(MorrisDesign::new(0, 4, 4, 1).is_err());
        let two = MorrisDesign::new(2, 3, 2, 1).unwrap();
        assert_eq!(two.delta, 1.0);
    }

    #[test]
    fn indices_of_known_effects() {
        let i = MorrisIndex::of(&[1.0, -3.0], 3);
        assert_eq!(i.mu, Some(-1.0));
        assert_eq!(i.mu_star, Some(2.0));
        assert_eq!(i.sigma, Some(8f64.sqrt()));
        assert_eq!(i.missing, 1);
        assert_eq!(MorrisIndex::of(&[], 2).mu_star, None);
    }
}
