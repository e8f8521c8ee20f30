//! Statistics: streaming accumulators that merge, what one replication measured, and summaries
//! across replications with confidence intervals.

pub mod accumulators;
pub mod daily;
pub mod kpi;
pub mod replication;
pub mod sketch;
pub mod summary;

pub use accumulators::{Histogram, Moments, TimeAverage, Welford};
pub use replication::{
    Conservation, DisruptionRecord, FleetStats, FlowStats, NodeStats, ReplicationStats, RouteStats,
    StageStats, TargetStats,
};
pub use summary::{Estimate, Summary};
