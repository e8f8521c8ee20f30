//! Precision mode: add replications until the main KPIs are known to a target relative precision.
//!
//! The main KPIs are, for every route that delivered anything, its throughput (TEU per day) and
//! its mean transit time (hours per TEU). The relative precision of a KPI is the half-width of its
//! 95% confidence interval divided by the absolute value of its mean. The run stops when every main
//! KPI is at or below the target, or when the maximum number of replications is reached.
//!
//! Batch sizes depend only on the results so far (which are deterministic), never on the thread
//! count or on timing, so a precision run is reproducible and equals a fixed run of the same total.

use serde::{Deserialize, Serialize};

use crate::base::Estimate;
use crate::stats::Summary;
use crate::stats::kpi::Scope;

/// What precision mode aims for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrecisionTarget {
    /// Target relative half-width of the 95% CI (e.g. 0.02 for 2%).
    pub relative_half_width: f64,
    /// Replications of the first batch (at least 2).
    pub initial: u32,
    /// Never run more than this many replications.
    pub max_replications: u32,
}

/// One main KPI and how precisely it is known.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionKpi {
    /// Column name, as in `replications.csv` (`route/<id>/throughput_teu_per_day`).
    pub kpi: String,
    /// Mean over replications.
    pub mean: f64,
    /// Half-width of the 95% CI over |mean| (`null` if undefined).
    pub relative_half_width: Option<f64>,
}

/// How a precision run went (reported in `summary.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionReport {
    /// The target relative half-width.
    pub target_relative_half_width: f64,
    /// The cap on replications.
    pub max_replications: u32,
    /// Whether every main KPI reached the target.
    pub achieved: bool,
    /// Replications run in total.
    pub replications_used: u64,
    /// Total replications after each batch.
    pub batch_totals: Vec<u64>,
    /// The main KPIs at the end.
    pub kpis: Vec<PrecisionKpi>,
}

fn relative(estimate: &Option<Estimate>) -> Option<(f64, Option<f64>)> {
    let estimate = (*estimate)?;
    let relative = estimate
        .half_width
        .filter(|_| estimate.mean != 0.0)
        .map(|h| h / estimate.mean.abs());
    Some((estimate.mean, relative))
}

/// The main KPIs of `summary`: throughput and mean transit time of every route that delivered.
pub(crate) fn main_kpis(summary: &Summary) -> Vec<PrecisionKpi> {
    let mut kpis = Vec::new();
    for route in &summary.routes {
        let estimate = |kpi| summary.estimate(Scope::Route, &route.id, kpi);
        let delivered = estimate("delivered_teu").is_some_and(|e| e.mean > 0.0);
        if !delivered {
            continue;
        }
        for name in ["throughput_teu_per_day", "transit_mean_h"] {
            if let Some((mean, relative_half_width)) = relative(&estimate(name)) {
                kpis.push(PrecisionKpi {
                    kpi: format!("route/{}/{name}", route.id),
                    mean,
                    relative_half_width,
                });
            }
        }
    }
    kpis
}

/// Whether every KPI in `kpis` meets `target` (false if there is none to judge).
pub(crate) fn meets(kpis: &[PrecisionKpi], target: f64) -> bool {
    !kpis.is_empty()
        && kpis
            .iter()
            .all(|k| k.relative_half_width.is_some_and(|r| r <= target))
}

/// The total after the next batch, from `done` replications whose worst relative half-width is
/// `worst`: the half-width shrinks like `1/sqrt(n)`, so aim at `n (worst/target)^2` plus 10%, but
/// grow by at least 10% (and 2 replications) and at most 4 times, and never beyond the cap.
pub(crate) fn next_total(done: u64, worst: Option<f64>, target: f64, max: u64) -> u64 {
    let at_least = done + (done / 10).max(2);
    let at_most = done.saturating_mul(4).max(at_least);
    let projected = match worst {
        Some(worst) if worst.is_finite() => {
            let ratio = worst / target;
            (done as f64 * ratio * ratio * 1.1)
                .ceil()
                .min(at_most as f64) as u64
        }
        _ => at_most,
    };
    projected.clamp(at_least, at_most).min(max)
}

/// The worst relative half-width among `kpis` (`None` if some is undefined).
pub(crate) fn worst(kpis: &[PrecisionKpi]) -> Option<f64> {
    kpis.iter()
        .map(|k| k.relative_half_width)
        .try_fold(0.0_f64, |acc, r| r.map(|r| acc.max(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_total_aims_at_the_projection_within_bounds() {
        // 4x too wide: 16x the replications projected, capped at 4x.
        assert_eq!(next_total(20, Some(0.08), 0.02, 10_000), 80);
        // 1.5x too wide: 20 * 2.25 * 1.1 = 49.5 -> 50.
        assert_eq!(next_total(20, Some(0.03), 0.02, 10_000), 50);
        // Barely too wide: at least 10% more (and 2).
        assert_eq!(next_total(100, Some(0.0201), 0.02, 10_000), 112);
        assert_eq!(next_total(5, Some(0.0201), 0.02, 10_000), 7);
        // Undefined precision: grow 4x; the cap always wins.
        assert_eq!(next_total(10, None, 0.02, 10_000), 40);
        assert_eq!(next_total(20, Some(0.08), 0.02, 30), 30);
    }

    #[test]
    fn meets_needs_every_kpi() {
        let kpi = |r| PrecisionKpi {
            kpi: "k".into(),
            mean: 1.0,
            relative_half_width: r,
        };
        assert!(meets(&[kpi(Some(0.01)), kpi(Some(0.02))], 0.02));
        assert!(!meets(&[kpi(Some(0.01)), kpi(Some(0.021))], 0.02));
        assert!(!meets(&[kpi(None)], 0.02));
        assert!(!meets(&[], 0.02));
        assert_eq!(worst(&[kpi(Some(0.01)), kpi(Some(0.03))]), Some(0.03));
        assert_eq!(worst(&[kpi(Some(0.01)), kpi(None)]), None);
    }
}
