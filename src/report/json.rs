//! `summary.json`: the machine-readable result of a run.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::experiment::RunOutcome;
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
}

impl RunReport {
    /// Assembles the report of `outcome` for `scenario`.
    pub fn new(
        scenario: &LoadedScenario,
        outcome: &RunOutcome,
        command_line: Vec<String>,
    ) -> RunReport {
        let settings = &scenario.model.settings;
        RunReport {
            corridor_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: ScenarioInfo {
                name: settings.name.clone(),
                description: settings.description.clone(),
                file: scenario.file.clone(),
                sha256: scenario.hash.clone(),
                horizon_days: settings.horizon.days(),
                warmup_days: settings.warmup.days(),
            },
            seed: outcome.config.seed,
            replications: outcome.config.replications,
            command_line,
            wall_time_s: outcome.wall_s,
            summary: outcome.summary.clone(),
        }
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report types serialize")
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename, so
/// that readers see either the old file or the whole new one, never a half-written file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("output");
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
