//! Simulation time.
//!
//! [`SimTime`] is a point on the simulation clock, in hours since the start of the replication.
//! It wraps an `f64` that is always finite and non-negative, which makes its IEEE-754 bit pattern
//! order exactly like its value: the event queue compares the bits as integers.
//! Changing the representation (to integer ticks, say) touches this file only.

use std::fmt;

/// Hours in a day.
pub(crate) const HOURS_PER_DAY: f64 = 24.0;
/// Hours in a week (weekly schedule slots repeat with it).
pub(crate) const HOURS_PER_WEEK: f64 = 7.0 * HOURS_PER_DAY;
/// Hours in a simulated year: the engine's calendar has 365 days and no leap years.
pub const HOURS_PER_YEAR: f64 = 365.0 * HOURS_PER_DAY;

/// A point in simulated time, in hours since the start of the replication.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct SimTime(f64);

impl SimTime {
    /// The start of every replication.
    pub const ZERO: SimTime = SimTime(0.0);

    /// A time `hours` after the start.
    ///
    /// # Panics
    /// If `hours` is negative, NaN or infinite: the engine never builds such a time from checked
    /// input, so this is an invariant violation, not a user error.
    #[inline]
    pub fn from_hours(hours: f64) -> SimTime {
        assert!(
            hours.is_finite() && hours >= 0.0,
            "invalid simulation time {hours}"
        );
        SimTime(hours)
    }

    /// A time `days` after the start.
    #[inline]
    pub fn from_days(days: f64) -> SimTime {
        SimTime::from_hours(days * HOURS_PER_DAY)
    }

    /// Hours since the start.
    #[inline]
    pub fn hours(self) -> f64 {
        self.0
    }

    /// Days since the start.
    #[inline]
    pub fn days(self) -> f64 {
        self.0 / HOURS_PER_DAY
    }

    /// This time plus a non-negative duration in hours.
    ///
    /// # Panics
    /// If the duration is negative or not finite (a sampler bug, never user input).
    #[inline]
    pub fn after(self, duration_h: f64) -> SimTime {
        assert!(
            duration_h.is_finite() && duration_h >= 0.0,
            "invalid duration {duration_h} h"
        );
        SimTime(self.0 + duration_h)
    }

    /// Hours elapsed from `earlier` to `self` (negative if `earlier` is later).
    #[inline]
    pub fn since(self, earlier: SimTime) -> f64 {
        self.0 - earlier.0
    }

    /// The ordering key: the bit pattern of a non-negative finite `f64` sorts like its value.
    #[inline]
    pub(crate) fn key(self) -> u64 {
        self.0.to_bits()
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} h", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_order_matches_value_order() {
        let times = [0.0, 1e-300, 0.5, 1.0, 1.0000001, 24.0, 8760.0, 1e12];
        for w in times.windows(2) {
            let (a, b) = (SimTime::from_hours(w[0]), SimTime::from_hours(w[1]));
            assert!(a.key() < b.key(), "{a} vs {b}");
        }
    }

    #[test]
    #[should_panic]
    fn negative_time_is_rejected() {
        let _ = SimTime::from_hours(-1.0);
    }
}
