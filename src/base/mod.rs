//! The bottom layer: the types every other module builds on and that depend on nothing of
//! Corridor's. Simulation time ([`SimTime`]), random streams ([`Stream`], [`StreamId`]),
//! streaming accumulators ([`Welford`], [`Moments`], [`TimeAverage`], [`Histogram`],
//! [`QuantileSketch`]) and the [`Estimate`] of a mean with its confidence interval.

pub(crate) mod accumulators;
pub mod estimate;
pub mod number;
pub mod rng;
pub(crate) mod sketch;
pub mod time;

pub use accumulators::{Histogram, Moments, TimeAverage, Welford};
pub use estimate::{CONFIDENCE, Estimate};
pub use rng::{Stream, StreamId};
pub use sketch::QuantileSketch;
pub use time::SimTime;
