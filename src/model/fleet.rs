//! Vehicle fleets on legs: vessels (which use the berths of the ports at both ends) and trains.

use super::{Breakdown, Dist, LegId};
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

/// One class of a fleet's vehicles: identical vehicles with their own size and times.
///
/// A fleet written without `[leg.fleet.classes]` has one class, named after nothing (`id` is
/// empty), holding the fleet's own values: it behaves exactly as the fleet did before classes.
#[derive(Clone, Debug)]
pub struct VehicleClass {
    /// The class's key in `[leg.fleet.classes.<id>]` (empty for a fleet without classes).
    pub id: String,
    /// Number of vehicles of the class in service (from `enters_h` on).
    pub vehicles: u32,
    /// Nominal capacity of one vehicle, TEU.
    pub capacity_teu: u32,
    /// Share of the nominal capacity that may be used (draft limits), `(0, 1]`.
    pub load_factor: f64,
    /// Most TEU one vehicle carries: `floor(capacity_teu * load_factor)`, at least 1.
    pub max_load_teu: u32,
    /// Under [`DeparturePolicy::WhenFull`], a vehicle leaves once this many TEU are aboard.
    pub depart_at_teu: u32,
    /// Berth time per vehicle after the decision to leave, hours.
    pub load_time: Dist,
    /// Berth time per vehicle to unload, hours.
    pub unload_time: Dist,
    /// The class's own time for a trip between the two ends (either way), replacing the leg's
    /// transit, the return leg's and the fleet's `return` (`None`: those, divided by `speed`).
    pub transit: Option<Dist>,
    /// Speed relative to the leg's transit time (1: as the leg says; 2: half the time).
    pub speed: f64,
    /// When the class enters service, hours from time 0 (0: from the start).
    pub enters_h: f64,
}

impl VehicleClass {
    /// The time of a trip whose leg (or return) time drew `drawn_h`, hours.
    #[inline]
    pub fn trip_h(&self, drawn_h: f64) -> f64 {
        drawn_h / self.speed
    }
}

/// A fleet of vehicles shuttling on one leg (and optionally carrying cargo back), in one or
/// more classes.
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
    /// The vehicle classes, in dispatch order (by class id); one unnamed class for a fleet
    /// without `classes`.
    pub classes: Vec<VehicleClass>,
    /// The departure rule at home.
    pub policy: DeparturePolicy,
    /// Empty trip home when there is no `return_leg`, hours.
    pub return_time: Dist,
    /// Stream of loading, unloading and return-trip times.
    pub stream: StreamId,
    /// Breakdowns of its vehicles, if they fail (`[leg.fleet.breakdown]`; `interrupted` is
    /// `Resume` or `Finish`).
    pub breakdown: Option<Breakdown>,
}

impl Fleet {
    /// Whether the fleet was written with named classes (`[leg.fleet.classes.<id>]`).
    pub fn has_classes(&self) -> bool {
        self.classes.len() > 1 || self.classes.first().is_some_and(|c| !c.id.is_empty())
    }

    /// Vehicles of every class (including classes that enter service later).
    pub fn vehicles(&self) -> u32 {
        self.classes.iter().map(|c| c.vehicles).sum()
    }

    /// The largest nominal capacity of a vehicle, TEU.
    pub fn capacity_teu(&self) -> u32 {
        self.classes
            .iter()
            .map(|c| c.capacity_teu)
            .max()
            .unwrap_or(0)
    }

    /// The largest usable load of a vehicle, TEU.
    pub fn max_load_teu(&self) -> u32 {
        self.classes
            .iter()
            .map(|c| c.max_load_teu)
            .max()
            .unwrap_or(0)
    }

    /// The KPI entity name of class `class`: `fleet/class`.
    pub fn class_entity(&self, class: usize) -> String {
        format!("{}/{}", self.id, self.classes[class].id)
    }
}
