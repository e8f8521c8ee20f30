//! `summary.json`: the machine-readable result of a run.

use serde::{Deserialize, Serialize};

use super::provenance::Provenance;
use crate::experiment::{PrecisionReport, Results, RunOutcome};
use crate::scenario::LoadedScenario;
use crate::stats::Summary;

/// The scenario the results are of (its file and hash are in the [`Provenance`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// Replication length, days.
    pub horizon_days: f64,
    /// Warm-up excluded from statistics, days.
    pub warmup_days: f64,
    /// The date of time 0 (`[scenario] start`, `YYYY-MM-DD`), absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// The dated changes (`[[change]]`) in the order they apply, absent without any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeInfo>,
    /// Where the nodes are (`lat`/`lon` of `[[node]]`), for the map: the nodes that have
    /// coordinates, in node order; absent when none has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coordinates: Vec<NodeCoordinates>,
}

/// A node's coordinates as `summary.json` records them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeCoordinates {
    /// The node's id.
    pub node: String,
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

/// A dated change as `summary.json` records it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChangeInfo {
    /// The change's id.
    pub id: String,
    /// When it applies, days from time 0.
    pub at_day: f64,
    /// Its date (`YYYY-MM-DD`), with `[scenario] start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The whole content of `summary.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunReport {
    /// Version, format version, scenario file and hash, seed, replications run, command line
    /// and wall-clock time of the simulation.
    pub provenance: Provenance,
    /// The scenario.
    pub scenario: ScenarioInfo,
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
            horizon_days: settings.horizon.days(),
            warmup_days: settings.warmup.days(),
            start: settings.calendar.start().map(|d| d.to_string()),
            changes: scenario
                .model
                .changes
                .iter()
                .map(|c| ChangeInfo {
                    id: c.id.clone(),
                    at_day: c.at.days(),
                    date: settings
                        .calendar
                        .date(c.at.days() as usize)
                        .map(|d| d.to_string()),
                })
                .collect(),
            coordinates: scenario
                .model
                .nodes
                .iter()
                .filter_map(|n| {
                    n.place.map(|p| NodeCoordinates {
                        node: n.id.clone(),
                        lat: p.lat,
                        lon: p.lon,
                    })
                })
                .collect(),
        }
    }
}

impl RunReport {
    /// Assembles the report of `outcome` for `scenario`.
    pub fn new(
        scenario: &LoadedScenario,
        outcome: &RunOutcome,
        command_line: Vec<String>,
    ) -> RunReport {
        RunReport {
            provenance: Provenance::new(
                &scenario.file,
                &scenario.hash,
                outcome.config,
                command_line,
            )
            .timed(outcome.wall_s),
            scenario: ScenarioInfo::of(scenario),
            summary: outcome.summary.clone(),
            precision: None,
        }
    }

    /// The report of aggregated `results` of `scenario`; the provenance's replications are set
    /// to those aggregated.
    pub fn from_results(
        mut provenance: Provenance,
        scenario: ScenarioInfo,
        results: &Results,
        precision: Option<PrecisionReport>,
    ) -> RunReport {
        provenance.replications = u32::try_from(results.summary.replications).unwrap_or(u32::MAX);
        RunReport {
            provenance,
            scenario,
            summary: results.summary.clone(),
            precision,
        }
    }

    /// Pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("report types serialize")
    }
}
