//! Why a replication stopped before its horizon.
//!
//! A replication stops, instead of running on, when continuing could only exhaust memory or loop
//! without advancing the clock, or when its state can never change again:
//! - **Cargo bound**: more consignments in the system than `[scenario] max_in_system` (an
//!   overloaded node or fleet whose queue grows without bound);
//! - **Deadlock**: cargo blocked in a cycle of full yards, each waiting for space that only the
//!   others could free, with nothing in progress that could break the cycle;
//! - **Stalled clock**: a very large number of events at one instant (a safeguard; the checked
//!   timings never schedule a zero-length loop).
//!
//! Each is an error of the whole run: results of a replication cut short would not be estimates
//! of anything. The message names the place and the figures a modeller needs to fix the
//! scenario.

use std::fmt;

/// What stopped a replication.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopKind {
    /// More consignments in the system than the scenario's `max_in_system`.
    CargoBound,
    /// A cycle of full yards that can never empty.
    Deadlock,
    /// Too many events at one instant of simulated time.
    Stalled,
}

/// A replication that stopped before its horizon (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct SimError {
    /// The replication index.
    pub replication: u64,
    /// When it stopped, hours since its start.
    pub at_h: f64,
    /// What stopped it.
    pub kind: StopKind,
    /// What happened, where, and what to change.
    pub message: String,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "replication {} stopped at day {:.1}: {}",
            self.replication,
            self.at_h / 24.0,
            self.message
        )
    }
}

impl std::error::Error for SimError {}
