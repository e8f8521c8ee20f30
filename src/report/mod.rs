//! Reports: everything that turns results into files or text. Reports read result types
//! (`Summary`](crate::stats::Summary), [`RunReport`) only, never the engine.

pub(crate) mod csv;
pub mod files;
pub mod headline;
pub(crate) mod json;
pub mod output;
pub(crate) mod provenance;
pub mod shard;
pub mod table;
pub(crate) mod text;

pub use files::{AtomicFile, OutputDir, OutputDirError, ResultDir, abandon_all, write_atomically};
pub use headline::Headline;
pub use json::{NodeCoordinates, RunReport, ScenarioInfo};
pub use provenance::{FORMAT_VERSION, Provenance, ReadError, parse_versioned};
pub use text::visible_controls;
