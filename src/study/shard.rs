//! Shards of a study: `corridor compare|sweep|sensitivity --shard I/K` runs replications
//! `I, I+K, I+2K, ...` of every variant (the same seed and replication indices as the whole
//! study, so common random numbers are kept), and `corridor merge` replays them through the
//! study's own aggregation ([`SampleBuilder`]) into exactly the files the unsharded study writes.
//!
//! A study shard directory holds:
//! - `shard.json` ([`StudyShardManifest`], format [`STUDY_SHARD_FORMAT`]): the usual provenance
//!   (base scenario file and SHA-256, seed, replications of every variant, command line, wall
//!   time), the study's definition ([`StudyDefinition`]: the command, the text of every scenario
//!   file it reads and what the command line chose: variants, parameters, KPIs), the variants it
//!   ran in order (label and scenario SHA-256), which shard this is, and the SHA-256 of each data
//!   file;
//! - `replications-NNNN.jsonl.gz` for variant `NNNN` (from 0, in the study's order): that
//!   variant's replications of this shard, in the format of a run shard's
//!   `replications.jsonl.gz` (one complete `ReplicationStats` per line, exact floats).
//!
//! What a merge checks ([`StudyShardSet::open`], [`StudyShardSet::check_variants`],
//! [`StudyShardSet::samples`]): format, `format_version` and the merging Corridor's version; that
//! all shards are of the same study (command, scenario, seed, replications, shard count,
//! variants, definition) and all there, once each; that the study rebuilt from the definition
//! has exactly the variants the shards ran (same scenario SHA-256 each); each data file's
//! SHA-256; and, per variant, one replication (the first of shard `v mod K` for variant `v`)
//! simulated again and compared with the stored one, so a seed or definition edited
//! consistently in every shard is refused too.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::sensitivity::UncertainParameter;
use super::sweep::SweepParameter;
use super::{Sample, SampleBuilder};
use crate::experiment::aggregate::prepare;
use crate::experiment::{RunConfig, Runner, ShardSpec, SimError};
use crate::model::Model;
use crate::report::OutputDir;
use crate::report::Provenance;
use crate::report::shard::{
    MergeError, ReplicationsReader, ReplicationsWriter, SHARD_MANIFEST, check_complete,
    read_manifest_as, simulate_again, write_manifest,
};
use crate::scenario::Document;

/// Identifies the study-shard format.
pub const STUDY_SHARD_FORMAT: &str = "corridor-study-shard/1";

/// The data file of variant `variant` in a study shard.
pub fn variant_file(variant: usize) -> String {
    format!("replications-{variant:04}.jsonl.gz")
}

/// One file of a scenario's `extends` chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file name as the study read it.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// A scenario document as the files of its `extends` chain, the root base first and the file
/// the study named last: a merge rebuilds the document from them without reading any file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScenarioFiles(pub Vec<SourceFile>);

impl ScenarioFiles {
    /// The files of `document`.
    pub fn of(document: &Document) -> ScenarioFiles {
        ScenarioFiles(
            document
                .files()
                .into_iter()
                .map(|(name, text)| SourceFile { name, text })
                .collect(),
        )
    }

    /// The document again (`None` if there is no file, or more than a chain may have).
    pub fn document(&self) -> Option<Document> {
        Document::from_files(
            self.0
                .iter()
                .map(|f| (f.name.clone(), f.text.clone()))
                .collect(),
        )
    }

    /// The file the study named.
    pub fn file(&self) -> &str {
        self.0.last().map_or("", |f| f.name.as_str())
    }
}

/// What a study is: everything its result files depend on besides the seed, the replications
/// and the command line. A shard records it; the merge rebuilds the study from it with the code
/// the command itself runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "lowercase")]
pub enum StudyDefinition {
    /// `corridor compare BASE VARIANT...`.
    Compare {
        /// The base scenario.
        base: ScenarioFiles,
        /// The variant scenarios, in command-line order.
        variants: Vec<ScenarioFiles>,
        /// `--kpi` names (empty: the headline KPIs).
        kpi: Vec<String>,
        /// Whether `--seed` was given (else a variant naming another seed gets a note).
        seed_given: bool,
        /// `--demand` levels, increasing (empty: one run of each scenario as written).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        demand: Vec<f64>,
        /// `--flows` the levels scale (empty: every flow).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        flows: Vec<String>,
        /// `--max-shortfall` of a stable level (with `demand`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_shortfall: Option<f64>,
        /// `--years` of every run (with `demand`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        years: Option<u32>,
    },
    /// `corridor sweep`.
    Sweep {
        /// The scenario.
        scenario: ScenarioFiles,
        /// The swept parameters (from the flags or the scenario's `[sweep]`).
        params: Vec<SweepParameter>,
        /// The KPI columns asked for (empty: the defaults).
        kpis: Vec<String>,
    },
    /// `corridor sensitivity`.
    Sensitivity {
        /// The scenario.
        scenario: ScenarioFiles,
        /// Its `[[uncertain]]` parameters.
        parameters: Vec<UncertainParameter>,
        /// One at a time.
        oat: bool,
        /// Morris elementary effects.
        morris: bool,
        /// Morris trajectories.
        trajectories: u32,
        /// Morris grid levels.
        levels: u32,
        /// The KPI columns asked for (empty: the defaults).
        kpis: Vec<String>,
    },
}

impl StudyDefinition {
    /// The subcommand: `compare`, `sweep` or `sensitivity`.
    pub fn command(&self) -> &'static str {
        match self {
            StudyDefinition::Compare { .. } => "compare",
            StudyDefinition::Sweep { .. } => "sweep",
            StudyDefinition::Sensitivity { .. } => "sensitivity",
        }
    }
}

/// One variant of a study, as its shards ran it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyVariant {
    /// What it is (a file name, a sweep point, a sensitivity run).
    pub label: String,
    /// SHA-256 of its self-contained scenario text.
    pub scenario_sha256: String,
}

/// `shard.json` of a study shard.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StudyShardManifest {
    /// [`STUDY_SHARD_FORMAT`].
    pub format: String,
    /// Version, base scenario file and hash, seed, replications of every variant (all shards),
    /// command line and wall-clock time of the shard.
    pub provenance: Provenance,
    /// The study.
    pub study: StudyDefinition,
    /// Its variants in order; variant `v`'s data file is [`variant_file`]`(v)`.
    pub variants: Vec<StudyVariant>,
    /// Which shard this is.
    pub shard: ShardSpec,
    /// Replications of each variant in this shard.
    pub shard_replications: u64,
    /// SHA-256 (hex) of every data file of the shard, by file name.
    pub sha256: BTreeMap<String, String>,
}

/// Why a study shard could not be written.
#[derive(Debug, thiserror::Error)]
pub enum StudyShardError {
    /// A replication stopped before its horizon.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A file could not be written.
    #[error("cannot write {}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// The data files of a study shard, written by [`write_shard`].
#[derive(Clone, Debug)]
pub struct ShardData {
    /// SHA-256 of every data file, by name.
    pub sha256: BTreeMap<String, String>,
    /// Replications of each variant.
    pub replications: u64,
}

/// Runs shard `shard` of every model of `models` (replications `shard.index`, `+ shard.count`,
/// ... of `config.replications`, seed `config.seed`) on `runner` and writes variant `v`'s
/// replications to [`variant_file`]`(v)` in `out`. `done` is told after each variant how many
/// are done. The manifest is written afterwards ([`StudyShardManifest::write`]).
pub fn write_shard(
    out: &OutputDir,
    models: &[&Model],
    runner: &Runner,
    config: RunConfig,
    shard: ShardSpec,
    mut done: impl FnMut(usize),
) -> Result<ShardData, StudyShardError> {
    let which = shard.replications(u64::from(config.replications));
    let mut sha256 = BTreeMap::new();
    for (v, model) in models.iter().enumerate() {
        let name = variant_file(v);
        let path = out.path().join(&name);
        let io = |source: io::Error| StudyShardError::Io {
            path: path.clone(),
            source,
        };
        let mut writer = ReplicationsWriter::create(out, &name).map_err(io)?;
        runner.run_in_order(
            model,
            config.seed,
            which,
            // Serialize on the worker threads; the writer only compresses.
            |stats| ReplicationsWriter::encode(&stats),
            |line| writer.write_encoded(&line).map_err(io),
        )?;
        let (file, hash) = writer.finish().map_err(io)?;
        file.commit().map_err(io)?;
        sha256.insert(name, hash);
        done(v + 1);
    }
    Ok(ShardData {
        sha256,
        replications: which.count,
    })
}

impl StudyShardManifest {
    /// Writes `shard.json` into `out` (after the data files: its presence means the shard is
    /// complete).
    pub fn write(&self, out: &OutputDir) -> io::Result<PathBuf> {
        write_manifest(out, self)
    }
}

/// Study shards that together form one study, checked and ordered by shard index.
#[derive(Debug)]
pub struct StudyShardSet {
    shards: Vec<(PathBuf, StudyShardManifest)>,
}

fn read_manifest(dir: &Path) -> Result<StudyShardManifest, MergeError> {
    let manifest: StudyShardManifest = read_manifest_as(dir)?;
    if manifest.format != STUDY_SHARD_FORMAT {
        return Err(MergeError::BadManifest {
            path: dir.join(SHARD_MANIFEST),
            message: format!(
                "format {:?}, expected {STUDY_SHARD_FORMAT:?} (shards of another format cannot \
                 be merged: run them again with this Corridor)",
                manifest.format
            ),
        });
    }
    Ok(manifest)
}

/// A short description of a study for messages: `sweep of FILE`.
fn describe(m: &StudyShardManifest) -> String {
    format!(
        "`corridor {}` of {}",
        m.study.command(),
        m.provenance.scenario_file
    )
}

impl StudyShardSet {
    /// Reads and cross-checks the manifests in `dirs`: format and version; the same study
    /// (command, scenario, seed, replications, shard count, variants, definition); every shard
    /// present exactly once and holding its share of the replications.
    pub fn open(dirs: &[PathBuf]) -> Result<StudyShardSet, MergeError> {
        let mut shards = Vec::new();
        for dir in dirs {
            shards.push((dir.clone(), read_manifest(dir)?));
        }
        let Some((first_dir, first)) = shards.first() else {
            return Err(MergeError::Inconsistent(
                "no shard directories given".into(),
            ));
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
            if m.variants.is_empty() {
                return Err(MergeError::BadManifest {
                    path: dir.join(SHARD_MANIFEST),
                    message: "it lists no variants".into(),
                });
            }
            for v in 0..m.variants.len() {
                let name = variant_file(v);
                if !m.sha256.contains_key(&name) {
                    return Err(MergeError::BadManifest {
                        path: dir.join(SHARD_MANIFEST),
                        message: format!("it records no SHA-256 of {name}"),
                    });
                }
            }
        }
        let inconsistent = |what: &str, a: String, dir: &Path, b: String| {
            MergeError::Inconsistent(format!(
                "shards of different studies: they differ in {what}: {} has {a}, {} has {b}",
                first_dir.display(),
                dir.display()
            ))
        };
        for (dir, m) in &shards[1..] {
            if m.study.command() != first.study.command() {
                return Err(inconsistent("command", describe(first), dir, describe(m)));
            }
            let checks: [(&str, String, String); 5] = [
                (
                    "scenario (SHA-256)",
                    format!(
                        "{} ({})",
                        first.provenance.scenario_file, first.provenance.scenario_sha256
                    ),
                    format!(
                        "{} ({})",
                        m.provenance.scenario_file, m.provenance.scenario_sha256
                    ),
                ),
                (
                    "seed",
                    first.provenance.seed.to_string(),
                    m.provenance.seed.to_string(),
                ),
                (
                    "replications per variant",
                    first.provenance.replications.to_string(),
                    m.provenance.replications.to_string(),
                ),
                (
                    "shard count",
                    first.shard.count.to_string(),
                    m.shard.count.to_string(),
                ),
                (
                    "number of variants",
                    first.variants.len().to_string(),
                    m.variants.len().to_string(),
                ),
            ];
            for (what, a, b) in checks {
                if a != b {
                    return Err(inconsistent(what, a, dir, b));
                }
            }
            if let Some((v, (a, b))) = first
                .variants
                .iter()
                .zip(&m.variants)
                .enumerate()
                .find(|(_, (a, b))| a != b)
            {
                return Err(inconsistent(
                    &format!("variant {v}"),
                    format!("{} ({})", a.label, a.scenario_sha256),
                    dir,
                    format!("{} ({})", b.label, b.scenario_sha256),
                ));
            }
            if m.study != first.study {
                return Err(inconsistent(
                    "the study's definition (its scenario files, parameters, KPIs or options)",
                    describe(first),
                    dir,
                    describe(m),
                ));
            }
        }
        let count = first.shard.count;
        let replications = first.provenance.replications;
        if u64::from(count) > u64::from(replications).max(1) {
            return Err(MergeError::Inconsistent(format!(
                "{} claims {count} shards of a study of {replications} replications per variant; a study has at most one shard per replication",
                first_dir.display(),
            )));
        }
        check_complete(
            shards.iter().map(|(dir, m)| (dir.as_path(), m.shard)),
            count,
        )?;
        for (dir, m) in &shards {
            let expected = m.shard.replications(u64::from(replications)).count;
            if m.shard_replications != expected {
                return Err(MergeError::Inconsistent(format!(
                    "{} holds {} replications per variant, but shard {} of a study of {replications} replications per variant has {expected}",
                    dir.display(),
                    m.shard_replications,
                    m.shard,
                )));
            }
        }
        shards.sort_by_key(|(_, m)| m.shard.index);
        Ok(StudyShardSet { shards })
    }

    /// The manifest of shard 0 (the study is the same in all).
    pub fn manifest(&self) -> &StudyShardManifest {
        &self.shards[0].1
    }

    /// The study.
    pub fn definition(&self) -> &StudyDefinition {
        &self.manifest().study
    }

    /// Seed and replications of every variant.
    pub fn config(&self) -> RunConfig {
        let provenance = &self.manifest().provenance;
        RunConfig {
            replications: provenance.replications,
            seed: provenance.seed,
        }
    }

    /// Number of shards.
    pub fn count(&self) -> u32 {
        self.manifest().shard.count
    }

    /// Total wall-clock time of the shards, seconds.
    pub fn shard_wall_time_s(&self) -> f64 {
        self.shards
            .iter()
            .map(|(_, m)| m.provenance.wall_time_s.unwrap_or(0.0))
            .sum()
    }

    /// Checks the study rebuilt from the definition: its base scenario has the SHA-256 of the
    /// provenance, and its variants are, in order, those the shards ran.
    pub fn check_variants(
        &self,
        base_sha256: &str,
        variants: &[StudyVariant],
    ) -> Result<(), MergeError> {
        let manifest = self.manifest();
        let path = self.shards[0].0.join(SHARD_MANIFEST);
        let bad = |message: String| MergeError::BadManifest {
            path: path.clone(),
            message,
        };
        if base_sha256 != manifest.provenance.scenario_sha256 {
            return Err(bad(format!(
                "its scenario files give the scenario {base_sha256}, not the {} it records",
                manifest.provenance.scenario_sha256
            )));
        }
        if variants.len() != manifest.variants.len() {
            return Err(bad(format!(
                "its study has {} variants, but it lists {} (written by another build of Corridor?)",
                variants.len(),
                manifest.variants.len()
            )));
        }
        for (v, (built, ran)) in variants.iter().zip(&manifest.variants).enumerate() {
            if built != ran {
                return Err(bad(format!(
                    "variant {v} of its study is {} ({}), but the shards ran {} ({}) (edited, or written by another build of Corridor)",
                    built.label, built.scenario_sha256, ran.label, ran.scenario_sha256
                )));
            }
        }
        Ok(())
    }

    /// The sample of every variant (`models[v]` is variant `v`'s model): its replications read
    /// from the shards in replication order and added to a [`SampleBuilder`], as the unsharded
    /// study adds them. Checks that each data file holds exactly its shard's replications and
    /// has the SHA-256 its manifest records, and simulates one replication of each variant again
    /// (the first of shard `v mod K`) to compare it with the stored one. `done` is told after
    /// each variant how many are done.
    pub fn samples(
        &self,
        models: &[&Model],
        mut done: impl FnMut(usize),
    ) -> Result<Vec<Sample>, MergeError> {
        let manifest = self.manifest();
        if models.len() != manifest.variants.len() {
            return Err(MergeError::Inconsistent(format!(
                "the study has {} variants, its shards {}",
                models.len(),
                manifest.variants.len()
            )));
        }
        let config = self.config();
        let count = self.count();
        let runner = Runner::new(1).map_err(|err| MergeError::Io {
            path: self.shards[0].0.clone(),
            source: io::Error::other(err),
        })?;
        let mut samples = Vec::with_capacity(models.len());
        for (v, model) in models.iter().enumerate() {
            let name = variant_file(v);
            let mut readers = Vec::with_capacity(self.shards.len());
            for (dir, _) in &self.shards {
                readers.push(ReplicationsReader::open(dir.join(&name))?);
            }
            let mut builder = SampleBuilder::new(model, config);
            let checked = v as u64 % u64::from(count);
            for replication in 0..u64::from(config.replications) {
                let reader = &mut readers[ShardSpec::owner(count, replication) as usize];
                let stats = reader.next(replication)?;
                if replication == checked {
                    let again = simulate_again(&runner, model, config.seed, replication);
                    if again.as_deref() != Some(reader.line().as_bytes()) {
                        return Err(reader.bad(format!(
                            "replication {replication} of variant {v} ({}) is not what the study and seed {} of its manifest give (edited, or written by another build of Corridor)",
                            manifest.variants[v].label, config.seed
                        )));
                    }
                }
                let replication = prepare(model, builder.columns(), stats);
                builder.add(&replication);
            }
            for reader in &mut readers {
                reader.check_end()?;
            }
            for (reader, (_, m)) in readers.into_iter().zip(&self.shards) {
                reader.check_sha256(m.sha256.get(&name))?;
            }
            samples.push(builder.finish(model));
            done(v + 1);
        }
        Ok(samples)
    }
}
