//! The appraisal of an investment in `corridor compare`: a variant scenario that declares
//! `[investment]` is valued against the base in money, from the paired replications.
//!
//! # The annual benefit
//! For one replication `r` of the base (b) and of the variant (v), per route `k` both have:
//! `T_k` is the TEU it delivers per year (`route/<id>/throughput_teu_per_day × 365`) and `g_k`
//! its generalised cost per TEU (`cost/<id>/generalised_cost_per_teu`: tariffs, storage and the
//! value of time of the door-to-door transit). The annual benefit is
//!
//! `B_r = Σ_k (g_k,b − g_k,v) · min(T_k,b, T_k,v) + V · (Σ_k T_k,v − Σ_k T_k,b)`
//!
//! the generalised-cost saving on the TEU both deliver on each route, plus `V`
//! (`value_per_extra_teu`) for each TEU a year the variant delivers beyond the base in all
//! (when the base saturates, it cannot carry them; a variant that delivers less loses `V` per
//! TEU). Route by route, so that cargo delivered on a dearer route in one scenario than in the
//! other is not read as a change of cost (a TEU-weighted mean over routes would be); the saving
//! of cargo that a route choice moves from one route to another is not counted (no rule of
//! half). Replication `r` of both uses the same
//! random numbers, so `B_r` is a paired quantity; its mean has a Student-t 95% interval over the
//! replications. A scenario compared with itself gives `B_r = 0` exactly.
//!
//! # Net present value and benefit–cost ratio
//! With capital cost `C` spent at `start`, operating cost `O` and benefit `B` at the end of each
//! of the `L` years of the lifetime, discount rate `i`, `v = 1 / (1 + i)` and the present value
//! taken at `discount_to` (`k = start − discount_to` years, fractional for dates):
//!
//! `NPV = v^k · (−C + (B − O) · a)`, with the annuity factor `a = Σ_{t=1..L} v^t = (1 − v^L) / i`
//! (`a = L` when `i = 0`);
//! `BCR = PV(benefits) / PV(costs) = B · a / (C + O · a)` (`v^k` cancels).
//!
//! Both are affine in `B` with the costs fixed: `NPV = s · B + c` with `s = v^k · a`, `c = −v^k ·
//! (C + O · a)`, and `BCR = B · a / (C + O · a)`. Applied to each replication's `B_r`, the mean is
//! the affine map of the mean benefit and the sd is `|s|` times its sd, so each 95% interval is
//! the benefit's interval mapped through the same function (the t quantile is the same). The
//! ratio is undefined (JSON `null` and a reason) when `C + O · a = 0`.
//!
//! What is counted and what is not is stated in every result ([`COUNTED`], [`NOT_COUNTED`]).

use serde::{Deserialize, Serialize};

use super::Sample;
use super::stat::Interval;
use crate::base::accumulators::Welford;
use crate::base::estimate::{CONFIDENCE, t_critical};

/// What the benefit counts, as written into every appraisal.
pub const COUNTED: &str = "The annual benefit counts, route by route, the generalised-cost saving per TEU (tariffs, storage beyond free time and the value of time of the door-to-door transit) on the TEU a year both scenarios deliver on that route, plus value_per_extra_teu for each TEU a year the variant delivers beyond the base (negative if it delivers fewer). Costs: the capital cost at the start and the annual operating cost over the lifetime, discounted at the discount rate; benefits are taken as constant over the lifetime at the simulated year's level.";
/// What the benefit does not count.
pub const NOT_COUNTED: &str = "Not counted: CO2 (reported per TEU, not priced), the saving of cargo a route choice moves to another route, wider economic benefits, induced demand beyond the scenarios' own flows, benefit growth over the lifetime, residual value after the lifetime, taxes and transfers, and the benefits to cargo outside the scenarios' routes.";

/// `[investment]`: what a variant costs and for how long, for its appraisal against the base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Investment {
    /// Capital cost, money, spent at `start`.
    pub capital_cost: f64,
    /// Operating and maintenance cost, money per year of the lifetime.
    pub annual_operating_cost: f64,
    /// When the investment opens, in years (a year, or a date as a fractional year).
    pub start_year: f64,
    /// `start` as written (`2025` or `"2025-06-09"`).
    pub start: String,
    /// The year the present value is taken at (default: `start_year`).
    pub discount_to_year: f64,
    /// Years of benefits and operating costs.
    pub lifetime_years: u32,
    /// Discount rate per year (greater than −1; 0.06 is 6%).
    pub discount_rate: f64,
    /// Money per TEU a year the variant delivers beyond the base.
    pub value_per_extra_teu: f64,
}

impl Investment {
    /// The annuity factor `a = Σ_{t=1..L} (1 + i)^−t`.
    pub fn annuity_factor(&self) -> f64 {
        let i = self.discount_rate;
        let l = f64::from(self.lifetime_years);
        if i == 0.0 {
            l
        } else {
            (1.0 - (1.0 + i).powf(-l)) / i
        }
    }

    /// The discount factor from `start` back to `discount_to`: `(1 + i)^−(start − discount_to)`.
    pub fn discount_factor(&self) -> f64 {
        (1.0 + self.discount_rate).powf(-(self.start_year - self.discount_to_year))
    }

    /// The present value of the costs at `start`: `C + O · a`.
    pub fn cost_at_start(&self) -> f64 {
        self.capital_cost + self.annual_operating_cost * self.annuity_factor()
    }

    /// The NPV at `discount_to` of a constant annual benefit `benefit`.
    pub fn npv(&self, benefit: f64) -> f64 {
        self.discount_factor() * (benefit * self.annuity_factor() - self.cost_at_start())
    }

    /// The benefit–cost ratio of a constant annual benefit (`None` when the costs are 0).
    pub fn bcr(&self, benefit: f64) -> Option<f64> {
        let cost = self.cost_at_start();
        (cost > 0.0).then(|| benefit * self.annuity_factor() / cost)
    }
}

/// The appraisal of one variant against the base.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Appraisal {
    /// What is counted.
    pub counted: String,
    /// What is not counted.
    pub not_counted: String,
    /// The variant's `[investment]` (`None`: only the benefit is reported).
    pub investment: Option<Investment>,
    /// Replications paired.
    pub n: u64,
    /// Annual benefit, money per year, with its 95% CI.
    pub annual_benefit: Option<Interval>,
    /// Generalised-cost saving per TEU (base − variant) on the TEU both deliver, weighted by them
    /// over the routes, with its 95% CI.
    pub saving_per_teu: Option<Interval>,
    /// TEU a year the variant delivers beyond the base, with its 95% CI.
    pub extra_teu_per_year: Option<Interval>,
    /// Net present value at `discount_to`, with its 95% CI.
    pub npv: Option<Interval>,
    /// Why `npv` is absent, if it is.
    pub npv_undefined: Option<String>,
    /// Benefit–cost ratio, with its 95% CI.
    pub bcr: Option<Interval>,
    /// Why `bcr` is absent, if it is.
    pub bcr_undefined: Option<String>,
}

/// Per replication, per route of the sample (in column order): its id, the TEU it delivered a
/// year, and its generalised cost per TEU (`None` without deliveries or without costs).
fn per_replication(sample: &Sample) -> Vec<Vec<(String, f64, Option<f64>)>> {
    let routes: Vec<(&str, usize, Option<usize>)> = sample
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.scope == crate::stats::kpi::Scope::Route && c.kpi == "throughput_teu_per_day"
        })
        .map(|(i, c)| {
            (
                c.entity.as_str(),
                i,
                sample.column(&format!("cost/{}/generalised_cost_per_teu", c.entity)),
            )
        })
        .collect();
    sample
        .rows
        .iter()
        .map(|row| {
            routes
                .iter()
                .map(|&(id, t, g)| {
                    let teu = row[t].unwrap_or(0.0) * 365.0;
                    (id.to_string(), teu, g.and_then(|g| row[g]))
                })
                .collect()
        })
        .collect()
}

/// One replication's benefit from the routes of the base and the variant: per route both have,
/// the saving in generalised cost on the TEU both deliver on it; plus `value` per TEU a year the
/// variant delivers beyond the base in all. Returns (benefit, saving per TEU, extra TEU a year).
fn benefit_of(
    base: &[(String, f64, Option<f64>)],
    variant: &[(String, f64, Option<f64>)],
    value: f64,
) -> (f64, f64, f64) {
    let (mut saved, mut common) = (0.0, 0.0);
    for (id, teu_b, g_b) in base {
        let Some((_, teu_v, g_v)) = variant.iter().find(|(v, _, _)| v == id) else {
            continue;
        };
        let both = teu_b.min(*teu_v);
        if let (Some(g_b), Some(g_v)) = (g_b, g_v)
            && both > 0.0
        {
            saved += (g_b - g_v) * both;
            common += both;
        }
    }
    let total = |routes: &[(String, f64, Option<f64>)]| routes.iter().map(|r| r.1).sum::<f64>();
    let more = total(variant) - total(base);
    let gain = saved + if more == 0.0 { 0.0 } else { value * more };
    let per_teu = if common > 0.0 { saved / common } else { 0.0 };
    (gain, per_teu, more)
}

/// Mean and 95% CI of `values` (replication order); `None` with fewer than two.
fn interval(values: &Welford) -> Option<Interval> {
    if values.weight < 2.0 {
        return None;
    }
    let n = values.weight as u64;
    let t = t_critical(CONFIDENCE, n - 1);
    Some(Interval::new(
        values.mean,
        t * values.sd().unwrap_or(0.0) / (n as f64).sqrt(),
    ))
}

/// The appraisal of `variant` against `base` (paired samples), with its investment if any.
pub fn appraise(base: &Sample, variant: &Sample, investment: Option<&Investment>) -> Appraisal {
    let value = investment.map_or(0.0, |i| i.value_per_extra_teu);
    let (mut benefit, mut saving, mut extra) =
        (Welford::default(), Welford::default(), Welford::default());
    for (b, v) in per_replication(base).iter().zip(&per_replication(variant)) {
        let (gain, saved, more) = benefit_of(b, v, value);
        benefit.add(gain);
        saving.add(saved);
        extra.add(more);
    }
    let annual_benefit = interval(&benefit);
    let (npv, npv_undefined, bcr, bcr_undefined) = match (investment, annual_benefit) {
        (None, _) => {
            let why = "the variant declares no [investment]: no costs to weigh the benefit against"
                .to_string();
            (None, Some(why.clone()), None, Some(why))
        }
        (Some(_), None) => {
            let why = "fewer than two paired replications with a benefit".to_string();
            (None, Some(why.clone()), None, Some(why))
        }
        (Some(inv), Some(b)) => {
            let slope = inv.discount_factor() * inv.annuity_factor();
            let npv = Interval::new(inv.npv(b.mean), slope.abs() * b.half_width);
            let cost = inv.cost_at_start();
            let (bcr, why) = match inv.bcr(b.mean) {
                Some(ratio) => (
                    Some(Interval::new(
                        ratio,
                        inv.annuity_factor() / cost * b.half_width,
                    )),
                    None,
                ),
                None => (
                    None,
                    Some(
                        "the investment's costs are 0 (capital and operating): the ratio of \
                         benefits to costs is undefined"
                            .to_string(),
                    ),
                ),
            };
            (Some(npv), None, bcr, why)
        }
    };
    Appraisal {
        counted: COUNTED.to_string(),
        not_counted: NOT_COUNTED.to_string(),
        investment: investment.cloned(),
        n: benefit.weight as u64,
        annual_benefit,
        saving_per_teu: interval(&saving),
        extra_teu_per_year: interval(&extra),
        npv,
        npv_undefined,
        bcr,
        bcr_undefined,
    }
}

/// `appraisal.csv`.
pub const APPRAISAL_CSV: &str = "appraisal.csv";

/// Writes `appraisal.csv`: one row per variant with an appraisal and quantity (`annual_benefit`,
/// `saving_per_teu`, `extra_teu_per_year`, `npv`, `bcr`): mean, 95% CI, and why it is undefined.
pub fn write_csv(rows: &[(String, &Appraisal)], out: impl std::io::Write) -> std::io::Result<()> {
    use crate::report::csv::csv_err;
    let mut csv = crate::report::csv::Writer::from_writer(out);
    csv.write_record([
        "variant",
        "quantity",
        "mean",
        "ci95_low",
        "ci95_high",
        "undefined_because",
    ])
    .map_err(csv_err)?;
    let num = |v: Option<f64>| match v {
        Some(v) if v.is_finite() => v.to_string(),
        _ => String::new(),
    };
    for (variant, a) in rows {
        let quantities: [(&str, Option<Interval>, Option<&String>); 5] = [
            ("annual_benefit", a.annual_benefit, None),
            ("saving_per_teu", a.saving_per_teu, None),
            ("extra_teu_per_year", a.extra_teu_per_year, None),
            ("npv", a.npv, a.npv_undefined.as_ref()),
            ("bcr", a.bcr, a.bcr_undefined.as_ref()),
        ];
        for (name, value, why) in quantities {
            csv.write_record([
                variant.clone(),
                name.to_string(),
                num(value.map(|v| v.mean)),
                num(value.map(|v| v.low)),
                num(value.map(|v| v.high)),
                why.cloned().unwrap_or_default(),
            ])
            .map_err(csv_err)?;
        }
    }
    csv.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn investment(rate: f64, start: f64, to: f64) -> Investment {
        Investment {
            capital_cost: 1000.0,
            annual_operating_cost: 10.0,
            start_year: start,
            start: start.to_string(),
            discount_to_year: to,
            lifetime_years: 20,
            discount_rate: rate,
            value_per_extra_teu: 0.0,
        }
    }

    #[test]
    fn npv_and_bcr_equal_the_closed_form_annuity() {
        let inv = investment(0.06, 2025.0, 2025.0);
        let v: f64 = 1.0 / 1.06;
        let a: f64 = (1..=20).map(|t| v.powi(t)).sum();
        assert!((inv.annuity_factor() - a).abs() < 1e-12);
        let npv = -1000.0 + (150.0 - 10.0) * a;
        assert!((inv.npv(150.0) - npv).abs() < 1e-9);
        assert!((inv.bcr(150.0).unwrap() - 150.0 * a / (1000.0 + 10.0 * a)).abs() < 1e-12);
        // Without discounting, the plain sums.
        let flat = investment(0.0, 2025.0, 2025.0);
        assert_eq!(flat.npv(150.0), -1000.0 + 140.0 * 20.0);
        // Opening three years after the present-value year discounts everything by 1.06^-3.
        let later = investment(0.06, 2028.0, 2025.0);
        assert!((later.npv(150.0) - npv * v.powi(3)).abs() < 1e-9);
        assert_eq!(later.bcr(150.0), inv.bcr(150.0));
    }
}
