//! Equipment breakdowns: servers of a node that fail and are repaired.

use super::Dist;

/// When a server's failure clock runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureClock {
    /// Always (calendar time): an idle or blocked server can fail too.
    Always,
    /// Only while the server is serving a consignment (wear-driven failures).
    Busy,
}

/// What happens to the consignment in service when its server fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupted {
    /// Service stops and continues after the repair with the work left (preemptive resume).
    Resume,
    /// Service stops; after the repair it starts again with a new draw of the service time (the
    /// work done is lost).
    Restart,
    /// The consignment is served to the end; the server goes down when it finishes.
    Finish,
}

/// Breakdowns of every server of a node: each server alternates between up and under repair,
/// independently of the others.
#[derive(Clone, Debug)]
pub struct Breakdown {
    /// Up time between failures, hours of the failure clock.
    pub up: Dist,
    /// Repair time, hours (from the moment a repair crew starts).
    pub repair: Dist,
    /// When the failure clock runs.
    pub clock: FailureClock,
    /// What happens to the consignment in service at a failure.
    pub interrupted: Interrupted,
    /// Repairs at once (`None`: every failed server is repaired at once).
    pub crews: Option<u32>,
}
