//! The discrete-event engine: time, events, the event queue, random streams and the simulation of
//! one replication. It reads a [`Model`](crate::model::Model) and returns
//! [`ReplicationStats`](crate::stats::ReplicationStats); it does no IO and never sees TOML.

pub mod error;
pub(crate) mod event;
pub mod observer;
pub(crate) mod queue;
pub(crate) mod sim;

pub use error::{SimError, StopKind};
pub use observer::{NoObserver, Observer};
pub use queue::EventQueue;
pub use sim::Simulation;
