//! Partial results of one shard, and reading several of them back for a merge.
//!
//! A shard directory holds:
//! - `shard.json` ([`ShardManifest`]): the scenario (with its full text, so a merge needs no other
//!   file), seed, total replications, which shard this is, and the usual provenance;
//! - `replications.jsonl.gz`: every replication's complete [`ReplicationStats`], one JSON object
//!   per line, gzip-compressed. Floats are written with `serde_json`'s exact round trip and
//!   histograms as integer counts, so a merge that replays them in replication order through the
//!   normal aggregation reproduces the unsharded results bit for bit.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use super::files::{AtomicFile, OutputDir};
use super::json::ScenarioInfo;
use super::provenance::{Provenance, ReadError, parse_versioned};
use crate::experiment::ShardSpec;
use crate::scenario::{self, LoadedScenario};
use crate::stats::ReplicationStats;

/// Identifies the partial-result format.
pub const SHARD_FORMAT: &str = "corridor-shard/2";
/// The manifest file.
pub(crate) const SHARD_MANIFEST: &str = "shard.json";
/// The replications file.
pub(crate) const SHARD_REPLICATIONS: &str = "replications.jsonl.gz";

/// `shard.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardManifest {
    /// [`SHARD_FORMAT`].
    pub format: String,
    /// Version, scenario file and hash, seed, replications of the whole run (all shards),
    /// command line and wall-clock time of the shard run.
    pub provenance: Provenance,
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// The scenario's text (its SHA-256 is `provenance.scenario_sha256`).
    pub scenario_text: String,
    /// Which shard this is.
    pub shard: ShardSpec,
    /// Replications in this shard.
    pub shard_replications: u64,
}

/// Writes a shard's replications as they come, then its manifest.
pub struct ShardWriter {
    out: OutputDir,
    stream: GzEncoder<AtomicFile>,
    written: u64,
}

impl std::fmt::Debug for ShardWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardWriter")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl ShardWriter {
    /// Starts a shard result in `out`.
    pub fn create(out: OutputDir) -> io::Result<ShardWriter> {
        let file = out.create(SHARD_REPLICATIONS)?;
        Ok(ShardWriter {
            out,
            stream: GzEncoder::new(file, Compression::fast()),
            written: 0,
        })
    }

    /// One replication as a line of the replications file (can run on a worker thread).
    pub fn encode(stats: &ReplicationStats) -> Vec<u8> {
        let mut line = serde_json::to_vec(stats).expect("replication statistics serialize");
        line.push(b'\n');
        line
    }

    /// Appends one replication.
    pub fn write(&mut self, stats: &ReplicationStats) -> io::Result<()> {
        self.write_encoded(&Self::encode(stats))
    }

    /// Appends one replication encoded by [`ShardWriter::encode`].
    pub fn write_encoded(&mut self, line: &[u8]) -> io::Result<()> {
        self.stream.write_all(line)?;
        self.written += 1;
        Ok(())
    }

    /// Replications written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Completes the shard: the replications file, then `shard.json`.
    pub fn finish(self, manifest: &ShardManifest) -> io::Result<Vec<PathBuf>> {
        let replications = self.stream.finish()?;
        let mut file = self.out.create(SHARD_MANIFEST)?;
        let json = serde_json::to_string_pretty(manifest).map_err(io::Error::other)?;
        file.write_all(json.as_bytes())?;
        file.write_all(b"\n")?;
        Ok(vec![replications.commit()?, file.commit()?])
    }
}

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A file could not be read.
    #[error("cannot read {}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A manifest is not valid JSON of the right shape.
    #[error("{} is not a Corridor shard manifest: {message}", .path.display())]
    BadManifest {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A manifest written in another format version.
    #[error(transparent)]
    Version(ReadError),
    /// The shards disagree or do not form a whole run.
    #[error("cannot merge: {0}")]
    Inconsistent(String),
    /// A shard's replications file is damaged or does not hold what its manifest says.
    #[error("cannot merge: {}: {message}", .path.display())]
    BadReplications {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Shards that together form one run, checked and ordered by shard index.
#[derive(Debug)]
pub struct ShardSet {
    shards: Vec<(PathBuf, ShardManifest)>,
    scenario: LoadedScenario,
}

fn read_manifest(dir: &Path) -> Result<ShardManifest, MergeError> {
    let path = dir.join(SHARD_MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|source| MergeError::Io {
        path: path.clone(),
        source,
    })?;
    let manifest: ShardManifest = parse_versioned(&path, &text).map_err(|err| match err {
        ReadError::Parse { message, .. } => MergeError::BadManifest {
            path: path.clone(),
            message,
        },
        version @ ReadError::Version { .. } => MergeError::Version(version),
    })?;
    if manifest.format != SHARD_FORMAT {
        return Err(MergeError::BadManifest {
            path,
            message: format!("format {:?}, expected {SHARD_FORMAT:?}", manifest.format),
        });
    }
    Ok(manifest)
}

impl ShardSet {
    /// Reads and cross-checks the manifests in `dirs`: same Corridor version, scenario (hash),
    /// seed, total replications and shard count; every shard present exactly once.
    pub fn open(dirs: &[PathBuf]) -> Result<ShardSet, MergeError> {
        let mut shards = Vec::new();
        for dir in dirs {
            shards.push((dir.clone(), read_manifest(dir)?));
        }
        let Some((first_dir, first)) = shards.first() else {
            return Err(MergeError::Inconsistent(
                "no shard directories given".into(),
            ));
        };
        let inconsistent = |what: &str, a: String, dir: &Path, b: String| {
            MergeError::Inconsistent(format!(
                "shards differ in {what}: {} has {a}, {} has {b}",
                first_dir.display(),
                dir.display()
            ))
        };
        for (dir, m) in &shards[1..] {
            if m.provenance.scenario_sha256 != first.provenance.scenario_sha256 {
                return Err(inconsistent(
                    "scenario (SHA-256)",
                    format!(
                        "{} ({})",
                        first.scenario.name, first.provenance.scenario_sha256
                    ),
                    dir,
                    format!("{} ({})", m.scenario.name, m.provenance.scenario_sha256),
                ));
            }
            if m.provenance.seed != first.provenance.seed {
                return Err(inconsistent(
                    "seed",
                    first.provenance.seed.to_string(),
                    dir,
                    m.provenance.seed.to_string(),
                ));
            }
            if m.provenance.replications != first.provenance.replications {
                return Err(inconsistent(
                    "total replications",
                    first.provenance.replications.to_string(),
                    dir,
                    m.provenance.replications.to_string(),
                ));
            }
            if m.shard.count != first.shard.count {
                return Err(inconsistent(
                    "shard count",
                    first.shard.count.to_string(),
                    dir,
                    m.shard.count.to_string(),
                ));
            }
            if m.provenance.corridor_version != first.provenance.corridor_version {
                return Err(inconsistent(
                    "Corridor version",
                    first.provenance.corridor_version.clone(),
                    dir,
                    m.provenance.corridor_version.clone(),
                ));
            }
        }
        let count = first.shard.count;
        let mut by_index: Vec<Option<&Path>> = vec![None; count as usize];
        for (dir, m) in &shards {
            if m.shard.index >= count {
                return Err(MergeError::Inconsistent(format!(
                    "{} claims shard {}, which does not exist",
                    dir.display(),
                    m.shard
                )));
            }
            if let Some(other) = by_index[m.shard.index as usize] {
                return Err(MergeError::Inconsistent(format!(
                    "shard {} is given twice: {} and {}",
                    m.shard,
                    other.display(),
                    dir.display()
                )));
            }
            by_index[m.shard.index as usize] = Some(dir);
        }
        let missing: Vec<String> = by_index
            .iter()
            .enumerate()
            .filter(|(_, d)| d.is_none())
            .map(|(i, _)| format!("{i}/{count}"))
            .collect();
        if !missing.is_empty() {
            return Err(MergeError::Inconsistent(format!(
                "missing shard{} {} of the {count}",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            )));
        }
        for (dir, m) in &shards {
            let expected = m
                .shard
                .replications(u64::from(m.provenance.replications))
                .count;
            if m.shard_replications != expected {
                return Err(MergeError::Inconsistent(format!(
                    "{} holds {} replications, but shard {} of a {}-replication run has {expected}",
                    dir.display(),
                    m.shard_replications,
                    m.shard,
                    m.provenance.replications
                )));
            }
        }
        let scenario = scenario::from_str(&first.scenario_text, &first.provenance.scenario_file)
            .map_err(|err| MergeError::BadManifest {
                path: first_dir.join(SHARD_MANIFEST),
                message: format!("its scenario text is not valid: {err}"),
            })?;
        if scenario.hash != first.provenance.scenario_sha256 {
            return Err(MergeError::BadManifest {
                path: first_dir.join(SHARD_MANIFEST),
                message: "its scenario text does not match its SHA-256".into(),
            });
        }
        shards.sort_by_key(|(_, m)| m.shard.index);
        Ok(ShardSet { shards, scenario })
    }

    /// The scenario, compiled from the shards' text.
    pub fn scenario(&self) -> &LoadedScenario {
        &self.scenario
    }

    /// The manifest of shard 0 (seed, replications, scenario are the same in all).
    pub fn manifest(&self) -> &ShardManifest {
        &self.shards[0].1
    }

    /// Total wall-clock time of the shards, seconds.
    pub fn shard_wall_time_s(&self) -> f64 {
        self.shards
            .iter()
            .map(|(_, m)| m.provenance.wall_time_s.unwrap_or(0.0))
            .sum()
    }

    /// Reads every replication, in replication order, and passes it to `each`. Checks that each
    /// shard holds exactly its replications.
    pub fn replay<E: From<MergeError>>(
        &self,
        mut each: impl FnMut(ReplicationStats) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut readers = Vec::new();
        for (dir, _) in &self.shards {
            let path = dir.join(SHARD_REPLICATIONS);
            let file = File::open(&path).map_err(|source| MergeError::Io {
                path: path.clone(),
                source,
            })?;
            readers.push((
                path,
                BufReader::new(GzDecoder::new(BufReader::new(file))).lines(),
            ));
        }
        let count = self.manifest().shard.count;
        let total = u64::from(self.manifest().provenance.replications);
        for replication in 0..total {
            let (path, lines) = &mut readers[ShardSpec::owner(count, replication) as usize];
            let bad = |message: String| MergeError::BadReplications {
                path: path.clone(),
                message,
            };
            let line = match lines.next() {
                Some(Ok(line)) => line,
                Some(Err(err)) => return Err(bad(format!("damaged: {err}")).into()),
                None => {
                    return Err(bad(format!(
                        "ends before replication {replication} (truncated?)"
                    ))
                    .into());
                }
            };
            let stats: ReplicationStats = serde_json::from_str(&line)
                .map_err(|err| bad(format!("replication {replication} is not valid: {err}")))?;
            if stats.replication != replication {
                return Err(bad(format!(
                    "holds replication {} where replication {replication} was expected",
                    stats.replication
                ))
                .into());
            }
            each(stats)?;
        }
        for (path, lines) in &mut readers {
            match lines.next() {
                None => {}
                Some(Err(err)) => {
                    return Err(MergeError::BadReplications {
                        path: path.clone(),
                        message: format!("damaged: {err}"),
                    }
                    .into());
                }
                Some(Ok(_)) => {
                    return Err(MergeError::BadReplications {
                        path: path.clone(),
                        message: "holds more replications than its manifest says".into(),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }
}
