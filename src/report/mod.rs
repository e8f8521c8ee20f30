//! Reports: everything that turns results into files or text. Reports read result types
//! ([`Summary`](crate::stats::Summary), [`RunReport`]) only, never the engine.

pub mod json;
pub mod table;

pub use json::{RunReport, ScenarioInfo, write_atomically};
