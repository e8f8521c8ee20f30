//! The closed set of things that can happen in a replication.
//!
//! Events are small `Copy` values (at most two `u32`s plus the tag) matched in one place,
//! [`Simulation::handle`](super::Simulation); there is no boxed closure or allocation per event.
//! Cargo-related events carry only the consignment's arena id: where it is, which route it is on
//! and which stage it has reached are read from the consignment itself.

use crate::model::{FleetId, FlowId};

/// Dense index of a consignment in the engine's cargo arena (reused after delivery).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CargoId(pub u32);

impl CargoId {
    /// The index into the arena.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One scheduled event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// The next candidate arrival of a flow (accepted or thinned away on handling). Stale unless
    /// the epoch is the flow's current one (a dated change of its rate starts a new epoch).
    Arrival(FlowId, u32),
    /// Dated change `index` of `Model::changes` applies.
    Change(u32),
    /// A consignment finishes service at the node it is at.
    ServiceEnd(CargoId),
    /// A consignment reaches the end of the leg it is travelling.
    LegEnd(CargoId),
    /// The warm-up ends: statistics windows restart.
    WarmupEnd,
    /// A vehicle's current timed activity ends (unloading, loading, a voyage, or its load
    /// timer). Stale unless `token` is the vehicle's current token.
    Vehicle {
        /// Index of the vehicle among all fleets' vehicles.
        vehicle: u32,
        /// The vehicle's token when the event was scheduled.
        token: u32,
    },
    /// A fleet's vehicles are placed at home at the start of a replication.
    FleetStart(FleetId),
    /// A weekly departure slot of a scheduled fleet.
    Slot(FleetId),
    /// The running job of a server at a node with breakdowns ends. Stale unless `token` is the
    /// server's current job token.
    ServerDone {
        /// Index of the server among all breakdown nodes' servers.
        server: u32,
        /// The server's job token when the event was scheduled.
        token: u32,
    },
    /// A server's up time is over. Stale unless `token` is the server's current failure token.
    ServerFails {
        /// Index of the server among all breakdown nodes' servers.
        server: u32,
        /// The server's failure token when the event was scheduled.
        token: u32,
    },
    /// A server's repair ends.
    Repaired(u32),
    /// A vehicle's up time is over. Stale unless `token` is the vehicle's current failure token.
    VehicleFails {
        /// Index of the vehicle in the simulation's vehicle list.
        vehicle: u32,
        /// The vehicle's failure token when the event was scheduled.
        token: u32,
    },
    /// A vehicle's repair ends.
    VehicleRepaired(u32),
    /// A disruption episode may start (random starts are thinned on handling): the disruption
    /// and its start epoch (a dated change of its rates makes earlier candidates stale).
    DisruptionStart(u32, u32),
    /// A disruption episode ends.
    DisruptionEnd(u32),
}
