//! `summary.json`: the machine-readable result of a run.

use serde::{Deserialize, Serialize};

use crate::experiment::{PrecisionReport, Results, RunOutcome};
use crate::scenario::LoadedScenario;
use crate::stats::Summary;

/// Where the results came from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// File the scenario was read from.
    pub file: String,
    /// SHA-256 of the scenario text.
    pub sha256: String,
    /// Replication length, days.
    pub horizon_days: f64,
    /// Warm-up excluded from statistics, days.
    pub warmup_days: f64,
}

/// The whole content of `summary.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunReport {
    /// Corridor version that produced the file.
    pub corridor_version: String,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Base seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Command line that produced the file.
    pub command_line: Vec<String>,
    /// Wall-clock time of the simulation, seconds.
    pub wall_time_s: f64,
    /// Results.
    pub summary: Summary,
    /// How precision mode went (`--target-ci`), absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionReport>,
}

impl ScenarioInfo {
    /// The description of `scenario`.
    pub fn of(scenario: &LoadedScenario) -> ScenarioInfo {
        let settings = &scenario.model.settings;
        ScenarioInfo {
            name: settings.name.clone(),
            description: settings.description.clone(),
            file: scenario.file.clone(),
            sha256: scenario.hash.clone(),
            horizon_days: settings.horizon.days(),
            warmup_days: settings.warmup.days(),
        }
    }
}

/// Where a report's results came from and how they were made.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Base seed.
    pub seed: u64,
    /// Command line.
    pub command_line: Vec<String>,
    /// Wall-clock time, seconds.
    pub wall_time_s: f64,
}

impl RunReport {
    /// Assembles the report of `outcome` for `scenario`.
    pub fn new(
        scenario: &LoadedScenario,
        outcome: &RunOutcome,
        command_line: Vec<String>,
    ) -> RunReport {
        RunReport {
            corridor_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo::of(scenario),
            seed: outcome.config.seed,
            replications: outcome.config.replications,
            command_line,
            wall_time_s: outcome.wall_s,
            summary: outcome.summary.clone(),
            precision: None,
        }
    }

    /// The report of aggregated `results`.
    pub fn from_results(
        provenance: Provenance,
        results: &Results,
        precision: Option<PrecisionReport>,
    ) -> RunReport {
        RunReport {
            corridor_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: provenance.scenario,
            seed: provenance.seed,
            replications: u32::try_from(results.summary.replications).unwrap_or(u32::MAX),
            command_line: provenance.command_line,
            wall_time_s: provenance.wall_time_s,
            summary: results.summary.clone(),
            precision,
        }
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report types serialize")
    }
}
