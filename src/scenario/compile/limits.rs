//! The numeric limits of a scenario, derived from what the engine can represent, so that a
//! scenario that validates also runs (no infinite or NaN time, no zero-length loop, no rate the
//! event queue cannot order).
//!
//! The engine's clock is an `f64` number of hours that must stay finite (`base::time`), and every
//! time it computes is `now + d` with `now ≤` the horizon. So:
//! - the horizon is at most [`MAX_HORIZON_DAYS`] (8.76 million hours), and a scheduled start
//!   ([`MAX_START_DAY`]) no later than the longest horizon;
//! - every duration key of a distribution (in hours, after `unit`) is at most
//!   [`MAX_DURATION_H`], its mean at most [`MAX_MEAN_H`], and its shape parameters are bounded
//!   (`cv` in [`MIN_CV`]..=[`MAX_CV`], Weibull `shape` at least [`MIN_WEIBULL_SHAPE`]), which keeps
//!   every draw below about 1e60 h, far from overflow even when a slowed target divides it by a
//!   capacity factor of at least [`MIN_CAPACITY_FACTOR`];
//! - a Poisson process (arrivals, random disruption starts) draws gaps with mean `1 / rate`, at
//!   most 45 times the mean in practice (the exponential sampler's largest draw): the smallest
//!   rates ([`MIN_TEU_PER_YEAR`], [`MIN_RATE_PER_YEAR`], and a nonzero monthly rate of at least
//!   [`MIN_RATE_PER_YEAR`]) keep gaps below 1e25 h, and the largest ([`MAX_TEU_PER_YEAR`] TEU,
//!   [`MAX_RATE_PER_YEAR`] starts) keep the mean gap (at least 4e-7 h) about 200 times the
//!   clock's resolution at the longest horizon (2e-9 h), so time always advances; a volume of 0
//!   (a paused flow) schedules no arrival at all;
//! - seasonality factors are at most [`MAX_SEASONALITY_FACTOR`] (only their ratios matter; the
//!   bound keeps their day-weighted sum finite);
//! - counts are whole numbers that fit the engine's 32-bit counters.

/// Longest horizon, days (1,000 years).
pub(crate) const MAX_HORIZON_DAYS: f64 = 365.0 * 1000.0;
/// Latest `start_day` of a scheduled disruption: the longest horizon.
pub(super) const MAX_START_DAY: f64 = MAX_HORIZON_DAYS;
pub(super) use crate::model::dist::MAX_DURATION_H;
/// Largest mean of a distribution, hours (about 1,140 years).
pub(super) const MAX_MEAN_H: f64 = 1e7;
#[cfg(doc)]
use crate::model::dist::{MAX_CV, MIN_CV, MIN_WEIBULL_SHAPE};
/// Smallest nonzero `capacity_factor` of a disruption (a slow-down to a millionth).
pub(super) const MIN_CAPACITY_FACTOR: f64 = 1e-6;
/// Smallest nonzero annual volume of a flow, TEU (one TEU in a million years); 0 pauses a flow.
pub(super) const MIN_TEU_PER_YEAR: f64 = 1e-6;
/// Most volumes in a flow's `teu_by_year`: one per year of the longest horizon.
pub(super) const MAX_YEARS: usize = 1000;
/// Largest annual volume of a flow, TEU (about the world's container port throughput).
pub(crate) const MAX_TEU_PER_YEAR: f64 = 1e9;
/// Smallest start rate of a random disruption, per year (and smallest nonzero monthly rate).
pub(super) const MIN_RATE_PER_YEAR: f64 = 1e-6;
/// Largest start rate, per year.
pub(super) const MAX_RATE_PER_YEAR: f64 = 1e6;
/// Largest expected number of starts in one month.
pub(super) const MAX_MONTHLY_STARTS: f64 = 1e5;
/// Largest seasonality factor.
pub(super) const MAX_SEASONALITY_FACTOR: f64 = 1e6;
/// Longest `max_wait_h` of a fleet, hours.
pub(super) const MAX_WAIT_H: f64 = MAX_DURATION_H;
