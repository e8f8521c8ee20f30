//! Vehicle fleets on legs: vessels (which use the berths of the ports at both ends) and trains.

use super::{Dist, LegId};
use crate::base::rng::StreamId;

dense_id!(
    /// Index of a [`Fleet`] in [`Model::fleets`](super::Model::fleets).
    FleetId
);

/// What a fleet's vehicles are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleKind {
    /// Ships: each needs a berth at the origin to load and at the destination to unload.
    Vessel,
    /// Trains: they assemble and unload without berths.
    Train,
}

/// When a loading vehicle leaves.
#[derive(Clone, Debug, PartialEq)]
pub enum DeparturePolicy {
    /// When `depart_at_teu` are aboard, or `max_wait_h` after the first TEU boarded.
    WhenFull {
        /// Longest wait from the first boarding, hours (`None`: no limit).
        max_wait_h: Option<f64>,
    },
    /// At fixed weekly slots, with whatever is aboard.
    Schedule {
        /// Slot times within the week, hours from Monday 00:00, sorted, in `[0, 168)`.
        slots_h: Vec<f64>,
    },
}

/// Which way a leg served by a fleet runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The fleet's own leg, from its home port: loads under the departure policy.
    Out,
    /// The fleet's `return_leg`: cargo rides back on the return trip, which never waits.
    Back,
}

/// A fleet of identical vehicles shuttling on one leg (and optionally carrying cargo back).
#[derive(Clone, Debug)]
pub struct Fleet {
    /// The id of the leg that declares it.
    pub id: String,
    /// Vessels or trains.
    pub kind: VehicleKind,
    /// The outbound leg (its origin is the fleet's home).
    pub leg: LegId,
    /// A leg back from the outbound leg's destination whose cargo the fleet carries home.
    pub return_leg: Option<LegId>,
    /// Number of vehicles; all start empty at home.
    pub vehicles: u32,
    /// Nominal capacity of one vehicle, TEU.
    pub capacity_teu: u32,
    /// Share of the nominal capacity that may be used (draft limits), `(0, 1]`.
    pub load_factor: f64,
    /// Most TEU one vehicle carries: `floor(capacity_teu * load_factor)`, at least 1.
    pub max_load_teu: u32,
    /// Under [`DeparturePolicy::WhenFull`], a vehicle leaves once this many TEU are aboard.
    pub depart_at_teu: u32,
    /// The departure rule at home.
    pub policy: DeparturePolicy,
    /// Berth time per vehicle after the decision to leave, hours.
    pub load_time: Dist,
    /// Berth time per vehicle to unload, hours.
    pub unload_time: Dist,
    /// Empty trip home when there is no `return_leg`, hours.
    pub return_time: Dist,
    /// Stream of loading, unloading and return-trip times.
    pub stream: StreamId,
}
