//! The discrete-event engine: time, events, the event queue, random streams and the simulation of
//! one replication. It reads a [`Model`](crate::model::Model) and returns
//! [`ReplicationStats`](crate::stats::ReplicationStats); it does no IO and never sees TOML.

pub mod event;
pub mod observer;
pub mod queue;
pub mod rng;
pub mod sim;
pub mod time;

pub use event::{CargoId, Event};
pub use observer::{NoObserver, Observer};
pub use queue::EventQueue;
pub use rng::{Stream, StreamId};
pub use sim::Simulation;
pub use time::SimTime;
