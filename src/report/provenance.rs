//! Where a result file came from: the one [`Provenance`] every result JSON file carries
//! (`summary.json`, `shard.json`, `compare.json`, `sweep.json`, `oat.json`, `morris.json`) under
//! `"provenance"`, and the [`FORMAT_VERSION`] of their schemas, which readers check first
//! ([`parse_versioned`]).

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::experiment::RunConfig;

/// Version of the schema of every result JSON file Corridor writes, stored as
/// `provenance.format_version`. Bumped whenever a result file's fields change meaning, move or
/// disappear. Version 1 (implicit: files without the field) kept every estimate of
/// `summary.json` twice and had no `provenance`; version 2 keeps each once (`summary.kpis`).
pub const FORMAT_VERSION: u32 = 2;

/// How and from what a result file was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Corridor version that wrote the file.
    pub corridor_version: String,
    /// Schema version of the file ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Scenario file the results come from (the base scenario of a study or comparison).
    pub scenario_file: String,
    /// SHA-256 of that scenario's self-contained text.
    pub scenario_sha256: String,
    /// Base seed (every variant of a study or comparison uses it).
    pub seed: u64,
    /// Replications (of every variant of a study or comparison; of the whole run for a shard).
    pub replications: u32,
    /// Command line that wrote the file.
    pub command_line: Vec<String>,
    /// Wall-clock time, seconds, where measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_time_s: Option<f64>,
}

impl Provenance {
    /// Results of the scenario `file` (text hash `sha256`) run with `config` by `command_line`;
    /// no wall time.
    pub fn new(file: &str, sha256: &str, config: RunConfig, command_line: Vec<String>) -> Self {
        Provenance {
            corridor_version: env!("CARGO_PKG_VERSION").to_string(),
            format_version: FORMAT_VERSION,
            scenario_file: file.to_string(),
            scenario_sha256: sha256.to_string(),
            seed: config.seed,
            replications: config.replications,
            command_line,
            wall_time_s: None,
        }
    }

    /// The same, with the wall-clock time `seconds`.
    pub fn timed(mut self, seconds: f64) -> Self {
        self.wall_time_s = Some(seconds);
        self
    }
}

/// Why a result JSON file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not JSON, or not the expected fields.
    #[error("{}: {message}", .path.display())]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
    /// Written in another schema version.
    #[error(
        "{}: format_version {}, but this Corridor ({}) reads format_version {expected}; re-run the command that wrote it with this version",
        .path.display(),
        .found.map_or("missing (a file from before format_version 2)".to_string(), |v| v.to_string()),
        env!("CARGO_PKG_VERSION")
    )]
    Version {
        /// The file.
        path: std::path::PathBuf,
        /// The version it carries (`None`: no `provenance.format_version`).
        found: Option<u64>,
        /// [`FORMAT_VERSION`].
        expected: u32,
    },
}

/// Parses the result file `path` with content `text` as a `T`, after checking that its
/// `provenance.format_version` is [`FORMAT_VERSION`].
pub fn parse_versioned<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, ReadError> {
    let parse = |err: serde_json::Error| ReadError::Parse {
        path: path.to_path_buf(),
        message: err.to_string(),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(parse)?;
    let found = value
        .get("provenance")
        .and_then(|p| p.get("format_version"))
        .and_then(serde_json::Value::as_u64);
    if found != Some(u64::from(FORMAT_VERSION)) {
        return Err(ReadError::Version {
            path: path.to_path_buf(),
            found,
            expected: FORMAT_VERSION,
        });
    }
    serde_json::from_str(text).map_err(parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_or_missing_format_version_is_a_clear_error() {
        let path = Path::new("out/summary.json");
        let missing = parse_versioned::<serde_json::Value>(path, r#"{"seed": 1}"#).unwrap_err();
        let text = missing.to_string();
        assert!(
            text.starts_with("out/summary.json: format_version missing"),
            "{text}"
        );
        assert!(text.contains("reads format_version 2"), "{text}");
        let other = r#"{"provenance": {"format_version": 7}}"#;
        let text = parse_versioned::<serde_json::Value>(path, other)
            .unwrap_err()
            .to_string();
        assert!(text.contains("format_version 7,"), "{text}");
        let good = format!(r#"{{"provenance": {{"format_version": {FORMAT_VERSION}}}}}"#);
        assert!(parse_versioned::<serde_json::Value>(path, &good).is_ok());
    }
}
