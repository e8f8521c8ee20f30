//! Statistics: what one replication measured, the KPIs of a replication, and summaries across
//! replications with confidence intervals (built from the accumulators in [`crate::base`]).

pub(crate) mod daily;
pub mod kpi;
pub(crate) mod replication;
pub(crate) mod summary;

pub use replication::{
    BreakdownStats, ClassStats, Conservation, DisruptionRecord, FleetStats, FlowStats, MONTHS,
    NodeStats, ReplicationStats, RouteStats, StageStats, TargetStats, YearStats,
};
pub(crate) use summary::Summary;
