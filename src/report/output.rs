//! The result directory of a run or a merge: one [`Collector`] takes replications in order,
//! aggregates them (the one aggregation path, [`Aggregate`]) and streams their rows to CSV, then
//! writes every result file.

use std::io::{self, Write};
use std::path::PathBuf;

use super::csv::{ReplicationWriters, write_tables};
use super::files::OutputDir;
use super::json::{RunReport, ScenarioInfo};
use super::provenance::Provenance;
use crate::experiment::{Aggregate, PrecisionReport, Replication};
use crate::model::Model;

/// `summary.json`.
pub(crate) const SUMMARY_JSON: &str = "summary.json";

/// Aggregates replications and writes a result directory.
#[derive(Debug)]
pub struct Collector<'m> {
    model: &'m Model,
    out: OutputDir,
    aggregate: Aggregate,
    writers: ReplicationWriters,
}

impl<'m> Collector<'m> {
    /// Starts collecting results of `model` into `out`.
    pub fn new(model: &'m Model, out: OutputDir) -> io::Result<Collector<'m>> {
        let aggregate = Aggregate::new(model);
        let writers = ReplicationWriters::create(&out, aggregate.columns())?;
        Ok(Collector {
            model,
            out,
            aggregate,
            writers,
        })
    }

    /// The aggregate and the streamed-file writers, to drive a run with
    /// [`run_aggregated`](crate::experiment::run_aggregated).
    pub fn parts(&mut self) -> (&mut Aggregate, &mut ReplicationWriters, &'m Model) {
        (&mut self.aggregate, &mut self.writers, self.model)
    }

    /// Adds the next replication (in replication order).
    pub fn add(&mut self, replication: &Replication) -> io::Result<()> {
        self.writers.write(self.model, replication)?;
        self.aggregate.add(replication);
        Ok(())
    }

    /// Replications added so far.
    pub fn replications(&self) -> u64 {
        self.aggregate.replications()
    }

    /// Writes every result file; `summary.json` last. Returns the report and the files written.
    pub fn finish(
        self,
        provenance: Provenance,
        scenario: ScenarioInfo,
        precision: Option<PrecisionReport>,
    ) -> io::Result<(RunReport, Vec<PathBuf>)> {
        let results = self.aggregate.results(self.model);
        let report = RunReport::from_results(provenance, scenario, &results, precision);
        let tables = write_tables(&self.out, self.model, &results)?;
        let mut summary = self.out.create(SUMMARY_JSON)?;
        summary.write_all(report.to_json().as_bytes())?;
        summary.write_all(b"\n")?;
        self.writers.commit()?;
        let mut written = Vec::new();
        for file in tables {
            written.push(file.commit()?);
        }
        written.push(summary.commit()?);
        Ok((report, written))
    }
}
