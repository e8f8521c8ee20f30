//! Disruptions: closures and slow-downs of nodes and legs, random or scheduled, and operating
//! hours (which the model compiles into a daily closure).

use super::{Dist, LegId, NodeId};
use crate::base::rng::StreamId;

/// What a disruption acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A node (border, terminal, port).
    Node(NodeId),
    /// A leg, with its fleet if it has one.
    Leg(LegId),
}

/// What a closure stops at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocks {
    /// No service starts, no vessel berths, no vehicle departs.
    All,
    /// Vehicles neither berth (or unload) nor leave; cargo handling continues.
    Vehicles,
    /// Only vehicle departures stop (arrivals, boarding and service continue).
    Departures,
}

/// When a disruption's episodes start.
#[derive(Clone, Debug)]
pub enum Timing {
    /// Poisson starts with a monthly rate, per hour (thinned from the largest).
    Random {
        /// Starts per hour in each month, January first.
        rate_per_h: [f64; 12],
        /// The largest of `rate_per_h` (the thinning envelope).
        max_rate_per_h: f64,
    },
    /// One episode at a fixed time.
    Scheduled {
        /// Start, hours from the beginning of the run.
        start_h: f64,
    },
    /// Every day, closed for `closed_min` minutes from `closes_at_min` (operating hours). Whole
    /// minutes, so that the engine computes the `k`-th closing as exactly `k` days plus
    /// `closes_at_min` and no rounding accumulates from one day to the next.
    Daily {
        /// Time of day the node closes, minutes after midnight, in `0..1440`.
        closes_at_min: u32,
        /// Length of the nightly closure, minutes, in `1..1440`.
        closed_min: u32,
    },
}

/// A disruption: episodes that close or slow its targets.
#[derive(Clone, Debug)]
pub struct Disruption {
    /// The id from the scenario file (`hours/<node>` for operating hours).
    pub id: String,
    /// What it acts on.
    pub targets: Vec<Target>,
    /// Share of capacity left while active: 0 closes, `(0, 1)` slows (times started while slowed
    /// are divided by the factor).
    pub capacity_factor: f64,
    /// What a closure stops at a node.
    pub blocks: Blocks,
    /// When episodes start.
    pub timing: Timing,
    /// Length of an episode, hours (unused for [`Timing::Daily`]).
    pub duration: Dist,
    /// Delay added, when an episode starts, to each vessel at sea heading to a target node
    /// (sheltering from the storm), hours.
    pub shelter: Option<Dist>,
    /// Whether episodes go to the per-replication disruption log (operating hours do not).
    pub logged: bool,
    /// Stream of start times and durations.
    pub stream: StreamId,
}
