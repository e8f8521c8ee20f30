//! The closed set of things that can happen in a replication.
//!
//! Events are small `Copy` values (8 bytes plus the tag) matched in one place,
//! [`Simulation::handle`](super::Simulation); there is no boxed closure or allocation per event.
//! Cargo-related events carry only the consignment's arena id: where it is, which route it is on
//! and which stage it has reached are read from the consignment itself.

use crate::model::FlowId;

/// Dense index of a consignment in the engine's cargo arena (reused after delivery).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CargoId(pub u32);

impl CargoId {
    /// The index into the arena.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One scheduled event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next candidate arrival of a flow (accepted or thinned away on handling).
    Arrival(FlowId),
    /// A consignment finishes service at the node it is at.
    ServiceEnd(CargoId),
    /// A consignment reaches the end of the leg it is travelling.
    LegEnd(CargoId),
    /// The warm-up ends: statistics windows restart.
    WarmupEnd,
}
