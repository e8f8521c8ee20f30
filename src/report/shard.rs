//! Partial results of one shard, and reading several of them back for a merge.
//!
//! A shard directory holds:
//! - `shard.json` ([`ShardManifest`]): the scenario (with its full text, so a merge needs no other
//!   file), seed, total replications, which shard this is, and the usual provenance;
//! - `replications.jsonl.gz`: every replication's complete [`ReplicationStats`], one JSON object
//!   per line, gzip-compressed. Floats are written with `serde_json`'s exact round trip and
//!   histograms as integer counts, so a merge that replays them in replication order through the
//!   normal aggregation reproduces the unsharded results bit for bit.
//!
//! What a merge checks ([`ShardSet::open`], [`ShardSet::replay`]): every manifest's format and
//! version; that the merging Corridor is the version that wrote the shards; that every shard's
//! scenario text has the SHA-256 its manifest gives and that all agree (scenario, seed,
//! replications, shard count); that the shards are all there, once each (without allocating
//! per claimed shard, so a forged count cannot exhaust memory); that each data file has the
//! SHA-256 its manifest records (so a damaged or edited data file is refused); and that the first
//! replication of every shard, simulated again from the manifest's scenario and seed, is exactly
//! the stored one (so a manifest whose seed, scenario or version was edited consistently in every
//! shard, hashes recomputed, is refused too: its data no longer follows from it). What it cannot
//! guarantee: shards forged as a whole (manifest and data re-simulated, checksums recomputed) are
//! indistinguishable from genuine ones; the checksums are for integrity, not authenticity.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::files::{AtomicFile, OutputDir};
use super::json::ScenarioInfo;
use super::provenance::{Provenance, ReadError, parse_versioned};
use crate::experiment::ShardSpec;
use crate::experiment::parallel::{Replications, Runner};
use crate::model::Model;
use crate::scenario::{self, LoadedScenario};
use crate::stats::ReplicationStats;

/// Identifies the partial-result format. Version 4: a replication's statistics carry its
/// per-year figures (`ReplicationStats::years`) and a node's servers in force.
pub const SHARD_FORMAT: &str = "corridor-shard/4";
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
    /// SHA-256 (hex) of every data file of the shard, by file name.
    pub sha256: std::collections::BTreeMap<String, String>,
}

/// A writer or reader that computes the SHA-256 of the bytes passing through it.
struct Hashing<T> {
    inner: T,
    hasher: Sha256,
}

impl<T> Hashing<T> {
    fn new(inner: T) -> Hashing<T> {
        Hashing {
            inner,
            hasher: Sha256::new(),
        }
    }

    fn finish(self) -> (T, String) {
        let digest = self.hasher.finalize();
        let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
        (self.inner, hex)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<R: io::Read> io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes one file of replications (`replications.jsonl.gz` of a run shard, one file per variant
/// of a study shard) as they come, gzip-compressed, computing its SHA-256.
pub struct ReplicationsWriter {
    stream: GzEncoder<Hashing<AtomicFile>>,
    written: u64,
}

impl std::fmt::Debug for ReplicationsWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicationsWriter")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl ReplicationsWriter {
    /// Starts the file `name` in `out`.
    pub fn create(out: &OutputDir, name: &str) -> io::Result<ReplicationsWriter> {
        let file = out.create(name)?;
        Ok(ReplicationsWriter {
            stream: GzEncoder::new(Hashing::new(file), Compression::fast()),
            written: 0,
        })
    }

    /// One replication as a line of a replications file (can run on a worker thread).
    pub fn encode(stats: &ReplicationStats) -> Vec<u8> {
        let mut line = serde_json::to_vec(stats).expect("replication statistics serialize");
        line.push(b'\n');
        line
    }

    /// Appends one replication encoded by [`ReplicationsWriter::encode`].
    pub fn write_encoded(&mut self, line: &[u8]) -> io::Result<()> {
        self.stream.write_all(line)?;
        self.written += 1;
        Ok(())
    }

    /// Replications written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Completes the file; returns it (to commit) and its SHA-256.
    pub fn finish(self) -> io::Result<(AtomicFile, String)> {
        Ok(self.stream.finish()?.finish())
    }
}

/// Writes a shard's replications as they come, then its manifest.
pub struct ShardWriter {
    out: OutputDir,
    replications: ReplicationsWriter,
}

impl std::fmt::Debug for ShardWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardWriter")
            .field("written", &self.written())
            .finish_non_exhaustive()
    }
}

impl ShardWriter {
    /// Starts a shard result in `out`.
    pub fn create(out: OutputDir) -> io::Result<ShardWriter> {
        let replications = ReplicationsWriter::create(&out, SHARD_REPLICATIONS)?;
        Ok(ShardWriter { out, replications })
    }

    /// One replication as a line of the replications file (can run on a worker thread).
    pub fn encode(stats: &ReplicationStats) -> Vec<u8> {
        ReplicationsWriter::encode(stats)
    }

    /// Appends one replication.
    pub fn write(&mut self, stats: &ReplicationStats) -> io::Result<()> {
        self.write_encoded(&Self::encode(stats))
    }

    /// Appends one replication encoded by [`ShardWriter::encode`].
    pub fn write_encoded(&mut self, line: &[u8]) -> io::Result<()> {
        self.replications.write_encoded(line)
    }

    /// Replications written.
    pub fn written(&self) -> u64 {
        self.replications.written()
    }

    /// Completes the shard: the replications file, then `shard.json` (with the replications
    /// file's SHA-256 set in `manifest`).
    pub fn finish(self, manifest: &mut ShardManifest) -> io::Result<Vec<PathBuf>> {
        let (replications, sha256) = self.replications.finish()?;
        manifest.sha256 = [(SHARD_REPLICATIONS.to_string(), sha256)].into();
        let replications = replications.commit()?;
        Ok(vec![replications, write_manifest(&self.out, manifest)?])
    }
}

/// Writes `shard.json` with `manifest` into `out`.
pub fn write_manifest<T: Serialize>(out: &OutputDir, manifest: &T) -> io::Result<PathBuf> {
    let mut file = out.create(SHARD_MANIFEST)?;
    let json = serde_json::to_string_pretty(manifest).map_err(io::Error::other)?;
    file.write_all(json.as_bytes())?;
    file.write_all(b"\n")?;
    file.commit()
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

/// Reads `dir/shard.json` as a `T`, after checking its `provenance.format_version`.
pub(crate) fn read_manifest_as<T: serde::de::DeserializeOwned>(
    dir: &Path,
) -> Result<T, MergeError> {
    let path = dir.join(SHARD_MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|source| MergeError::Io {
        path: path.clone(),
        source,
    })?;
    parse_versioned(&path, &text).map_err(|err| match err {
        ReadError::Parse { message, .. } => MergeError::BadManifest {
            path: path.clone(),
            message,
        },
        version @ ReadError::Version { .. } => MergeError::Version(version),
    })
}

/// Just the `format` of a shard manifest.
#[derive(Deserialize)]
struct FormatOnly {
    format: String,
}

/// The `format` of the shard manifest in `dir` ([`SHARD_FORMAT`] for a shard of `corridor run`,
/// `corridor-study-shard/...` for a shard of a study), read before the manifest itself to know
/// which kind of shard it is.
pub fn manifest_format(dir: &Path) -> Result<String, MergeError> {
    let path = dir.join(SHARD_MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|source| MergeError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str::<FormatOnly>(&text)
        .map(|f| f.format)
        .map_err(|err| MergeError::BadManifest {
            path,
            message: err.to_string(),
        })
}

fn read_manifest(dir: &Path) -> Result<ShardManifest, MergeError> {
    let manifest: ShardManifest = read_manifest_as(dir)?;
    if manifest.format != SHARD_FORMAT {
        return Err(MergeError::BadManifest {
            path: dir.join(SHARD_MANIFEST),
            message: format!(
                "format {:?}, expected {SHARD_FORMAT:?} (shards of another format cannot be \
                 merged: run them again with this Corridor)",
                manifest.format
            ),
        });
    }
    Ok(manifest)
}

/// Checks that `shards` (directory and shard of each) are shards `0..count`, each exactly once:
/// an index out of range, one given twice and the missing ones are errors naming them. Needs no
/// slot per claimed shard (the count comes from a file).
pub(crate) fn check_complete<'a>(
    shards: impl Iterator<Item = (&'a Path, ShardSpec)>,
    count: u32,
) -> Result<(), MergeError> {
    let mut by_index: std::collections::BTreeMap<u32, &Path> = Default::default();
    for (dir, shard) in shards {
        if shard.index >= count {
            return Err(MergeError::Inconsistent(format!(
                "{} claims shard {shard}, which does not exist",
                dir.display()
            )));
        }
        if let Some(other) = by_index.insert(shard.index, dir) {
            return Err(MergeError::Inconsistent(format!(
                "shard {shard} is given twice: {} and {}",
                other.display(),
                dir.display()
            )));
        }
    }
    if by_index.len() < count as usize {
        const SHOWN: usize = 10;
        let missing = (0..count).filter(|i| !by_index.contains_key(i));
        let mut listed: Vec<String> = missing
            .clone()
            .take(SHOWN)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let absent = count as usize - by_index.len();
        if absent > SHOWN {
            listed.push(format!("and {} more", absent - SHOWN));
        }
        return Err(MergeError::Inconsistent(format!(
            "missing shard{} {} of the {count}",
            if absent > 1 { "s" } else { "" },
            listed.join(", ")
        )));
    }
    Ok(())
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
        let this_version = env!("CARGO_PKG_VERSION");
        for (dir, m) in &shards {
            if m.provenance.corridor_version != this_version {
                return Err(MergeError::Inconsistent(format!(
                    "{} was written by Corridor {}, and this is Corridor {this_version}: merge shards with the version that ran them",
                    dir.display(),
                    m.provenance.corridor_version
                )));
            }
            if sha256_hex(m.scenario_text.as_bytes()) != m.provenance.scenario_sha256 {
                return Err(MergeError::BadManifest {
                    path: dir.join(SHARD_MANIFEST),
                    message: "its scenario text does not match its SHA-256".into(),
                });
            }
            if !m.sha256.contains_key(SHARD_REPLICATIONS) {
                return Err(MergeError::BadManifest {
                    path: dir.join(SHARD_MANIFEST),
                    message: format!("it records no SHA-256 of {SHARD_REPLICATIONS}"),
                });
            }
        }
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
        if u64::from(count) > u64::from(first.provenance.replications).max(1) {
            return Err(MergeError::Inconsistent(format!(
                "{} claims {count} shards of a {}-replication run; a run has at most one shard per replication",
                first_dir.display(),
                first.provenance.replications
            )));
        }
        check_complete(
            shards.iter().map(|(dir, m)| (dir.as_path(), m.shard)),
            count,
        )?;
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
    /// shard holds exactly its replications, that each data file has the SHA-256 its manifest
    /// records, and that the first replication of each shard is what the manifest's scenario and
    /// seed give when simulated again. `each` may have seen replications when an error comes:
    /// write the merge into a [`ResultDir`](super::ResultDir) that is committed only after
    /// success.
    pub fn replay<E: From<MergeError>>(
        &self,
        mut each: impl FnMut(ReplicationStats) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut readers = Vec::new();
        for (dir, _) in &self.shards {
            readers.push(ReplicationsReader::open(dir.join(SHARD_REPLICATIONS))?);
        }
        let count = self.manifest().shard.count;
        let total = u64::from(self.manifest().provenance.replications);
        let seed = self.manifest().provenance.seed;
        let runner = Runner::new(1).map_err(|err| MergeError::Io {
            path: self.shards[0].0.clone(),
            source: io::Error::other(err),
        })?;
        for replication in 0..total {
            let reader = &mut readers[ShardSpec::owner(count, replication) as usize];
            let stats = reader.next(replication)?;
            if replication < u64::from(count) {
                // The first replication of this shard, simulated again.
                let again = simulate_again(&runner, &self.scenario.model, seed, replication);
                if again.as_deref() != Some(reader.line().as_bytes()) {
                    return Err(reader
                        .bad(format!(
                            "replication {replication} is not what the scenario and seed {seed} of its manifest give (edited, or written by another build of Corridor)"
                        ))
                        .into());
                }
            }
            each(stats)?;
        }
        for reader in &mut readers {
            reader.check_end()?;
        }
        for (reader, (_, manifest)) in readers.into_iter().zip(&self.shards) {
            reader.check_sha256(manifest.sha256.get(SHARD_REPLICATIONS))?;
        }
        Ok(())
    }
}

/// Replication `replication` of `model` seeded `seed`, simulated again on `runner` and encoded
/// as a line of a replications file ([`ReplicationsWriter::encode`]); `None` if it stops before
/// its horizon (then it matches no stored replication either).
pub fn simulate_again(
    runner: &Runner,
    model: &Model,
    seed: u64,
    replication: u64,
) -> Option<Vec<u8>> {
    let mut again = None;
    let _ = runner.run_in_order(
        model,
        seed,
        Replications::range(replication, 1),
        |stats| ReplicationsWriter::encode(&stats),
        |encoded| {
            again = Some(encoded);
            Ok::<(), crate::experiment::SimError>(())
        },
    );
    again
}

/// Reads a replications file back one replication at a time, checking that each is the one
/// expected; then that nothing follows ([`check_end`](Self::check_end)) and that the file has
/// the SHA-256 its manifest records ([`check_sha256`](Self::check_sha256)).
pub struct ReplicationsReader {
    path: PathBuf,
    reader: BufReader<GzDecoder<BufReader<Hashing<File>>>>,
    line: String,
}

impl std::fmt::Debug for ReplicationsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicationsReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ReplicationsReader {
    /// Opens the replications file `path`.
    pub fn open(path: PathBuf) -> Result<ReplicationsReader, MergeError> {
        let file = File::open(&path).map_err(|source| MergeError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(ReplicationsReader {
            path,
            reader: BufReader::new(GzDecoder::new(BufReader::new(Hashing::new(file)))),
            line: String::new(),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The error "this file: `message`".
    pub fn bad(&self, message: String) -> MergeError {
        MergeError::BadReplications {
            path: self.path.clone(),
            message,
        }
    }

    /// Reads the next replication, which must be replication `replication`.
    pub fn next(&mut self, replication: u64) -> Result<ReplicationStats, MergeError> {
        self.line.clear();
        match self.reader.read_line(&mut self.line) {
            Ok(0) => {
                return Err(self.bad(format!(
                    "ends before replication {replication} (truncated?)"
                )));
            }
            Ok(_) => {}
            Err(err) => return Err(self.bad(format!("damaged: {err}"))),
        }
        let stats: ReplicationStats = serde_json::from_str(&self.line)
            .map_err(|err| self.bad(format!("replication {replication} is not valid: {err}")))?;
        if stats.replication != replication {
            return Err(self.bad(format!(
                "holds replication {} where replication {replication} was expected",
                stats.replication
            )));
        }
        Ok(stats)
    }

    /// The line of the replication last read, as stored.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Checks that no replication follows those read.
    pub fn check_end(&mut self) -> Result<(), MergeError> {
        self.line.clear();
        match self.reader.read_line(&mut self.line) {
            Ok(0) => Ok(()),
            Err(err) => Err(self.bad(format!("damaged: {err}"))),
            Ok(_) => Err(self.bad("holds more replications than its manifest says".into())),
        }
    }

    /// Reads whatever remains of the file and checks that its SHA-256 is `expected`.
    pub fn check_sha256(self, expected: Option<&String>) -> Result<(), MergeError> {
        let path = self.path;
        // Whatever follows the compressed data counts too.
        let mut rest = self.reader.into_inner().into_inner();
        io::copy(&mut rest, &mut io::sink()).map_err(|source| MergeError::Io {
            path: path.clone(),
            source,
        })?;
        let (_, sha256) = rest.into_inner().finish();
        if expected != Some(&sha256) {
            return Err(MergeError::BadReplications {
                path,
                message: format!(
                    "its SHA-256 is {sha256}, not the one its manifest records (damaged or edited)"
                ),
            });
        }
        Ok(())
    }
}
