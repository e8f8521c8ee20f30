//! What the study commands (`compare`, `sweep`, `sensitivity`) share: the run settings every
//! variant uses (one seed, one replication count: common random numbers), running the variants'
//! samples (all of them, one shard of them, or reading them back from the shards in
//! `corridor merge`), drawing the charts in memory, and writing the files so that a failure
//! leaves nothing half-written.
//!
//! Each study command has one `finish` that turns the variants' samples into its files; the
//! command and `corridor merge` of its shards both end there, with samples built by the same
//! `corridor::study::SampleBuilder`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use corridor::experiment::parallel::default_threads;
use corridor::experiment::{RunConfig, Runner, ShardSpec};
use corridor::model::Model;
use corridor::plot::PlotOptions;
use corridor::plot::render::{Rendered, write_rendered};
use corridor::report::{OutputDir, Provenance, ResultDir, write_atomically};
use corridor::scenario::LoadedScenario;
use corridor::study::Sample;
use corridor::study::shard::{
    STUDY_SHARD_FORMAT, StudyDefinition, StudyShardManifest, StudyShardSet, StudyVariant,
    write_shard,
};

use super::args::{ChartArgs, MergeArgs, StudyArgs};
use super::progress::Progress;

/// The run settings of a study (seed and replications shared by every variant), its worker
/// pool, and the shard to run (`--shard`), if any.
pub(super) fn settings(
    study: &StudyArgs,
    base: &Model,
) -> anyhow::Result<(RunConfig, Runner, Option<ShardSpec>)> {
    let mut config = RunConfig::from_model(base);
    if let Some(replications) = study.replications {
        config.replications = replications;
    }
    if let Some(seed) = study.seed {
        config.seed = seed;
    }
    if config.replications < 2 {
        bail!(
            "a study needs at least 2 replications per variant for its confidence intervals; the scenario has replications = {}, pass --replications",
            config.replications
        );
    }
    let shard = match &study.shard {
        Some(text) => {
            let shard = text
                .parse::<ShardSpec>()
                .with_context(|| format!("invalid --shard {text}"))?;
            if shard.count > config.replications {
                bail!(
                    "--shard {shard}: a study of {} replications per variant can be split into at most {} shards (one replication each); use fewer shards or more --replications",
                    config.replications,
                    config.replications
                );
            }
            Some(shard)
        }
        None => None,
    };
    let threads = study.threads.map_or_else(default_threads, |t| t as usize);
    let runner = Runner::new(threads).context("cannot start worker threads")?;
    Ok((config, runner, shard))
}

/// The variants of a study in the order its samples are run: what a shard records of each
/// (label and scenario hash) and its model.
#[derive(Default)]
pub(super) struct Variants<'a> {
    list: Vec<StudyVariant>,
    models: Vec<&'a Model>,
}

impl<'a> Variants<'a> {
    /// Appends the variant `label` of scenario `scenario`.
    pub(super) fn push(&mut self, label: String, scenario: &'a LoadedScenario) {
        self.list.push(StudyVariant {
            label,
            scenario_sha256: scenario.hash.clone(),
        });
        self.models.push(&scenario.model);
    }
}

/// The base scenario of a study and its definition, as a shard records them.
pub(super) struct Definition<'a> {
    /// The base scenario (its file and hash go in the provenance).
    pub file: &'a str,
    /// SHA-256 of its text.
    pub hash: &'a str,
    /// The study.
    pub study: StudyDefinition,
}

/// What [`run`] did.
pub(super) enum Ran {
    /// Every replication of every variant: the samples, for the command's `finish` to write
    /// into the output directory.
    Samples(Vec<Sample>, ResultDir),
    /// One shard, written and put in place.
    Shard,
}

/// Runs a study's variants: every replication of each (the samples for `finish`), or, with
/// `--shard`, only the shard's, written to `out` as a study shard and put in place.
pub(super) fn run(
    args: &StudyArgs,
    shard: Option<ShardSpec>,
    definition: Definition<'_>,
    variants: &Variants<'_>,
    config: RunConfig,
    runner: &Runner,
    out: ResultDir,
) -> anyhow::Result<Ran> {
    let progress = Progress::counting(args.output.quiet, "scenario variants");
    progress.set_total(variants.models.len() as u64);
    let Some(shard) = shard else {
        let samples = variants
            .models
            .iter()
            .zip(&variants.list)
            .map(|(model, variant)| {
                let sample = corridor::study::sample(model, runner, config)
                    .with_context(|| variant.label.clone())?;
                progress.inc();
                Ok(sample)
            })
            .collect::<anyhow::Result<Vec<Sample>>>()?;
        progress.finish();
        return Ok(Ran::Samples(samples, out));
    };
    let started = Instant::now();
    let out_path = out.target().to_path_buf();
    // Its errors name the file not written, or the replication that stopped.
    let data = write_shard(out.dir(), &variants.models, runner, config, shard, |_| {
        progress.inc()
    })?;
    let command = definition.study.command();
    let manifest = StudyShardManifest {
        format: STUDY_SHARD_FORMAT.to_string(),
        provenance: Provenance::new(
            definition.file,
            definition.hash,
            config,
            std::env::args().collect(),
        )
        .timed(started.elapsed().as_secs_f64()),
        study: definition.study,
        variants: variants.list.clone(),
        shard,
        shard_replications: data.replications,
        sha256: data.sha256,
    };
    manifest
        .write(out.dir())
        .with_context(|| format!("cannot write results to {}", out_path.display()))?;
    super::commit(out)?;
    progress.finish();
    if !args.output.quiet {
        println!(
            "Shard {shard} of the {command} study: {} of {} replications of each of {} variants written to {} (combine the shards with `corridor merge`)",
            manifest.shard_replications,
            config.replications,
            manifest.variants.len(),
            super::shown(&out_path)
        );
    }
    Ok(Ran::Shard)
}

/// `corridor merge` of study shards, after the study was rebuilt from their definition: checks
/// that the rebuilt study (base scenario `base_hash`, `variants`) is the one the shards ran and
/// claims `--out`.
pub(super) fn claim_merge(
    set: &StudyShardSet,
    args: &MergeArgs,
    base_hash: &str,
    variants: &Variants<'_>,
) -> anyhow::Result<ResultDir> {
    set.check_variants(base_hash, &variants.list)?;
    super::claim(&args.output.out, args.output.force)
}

/// The samples of every variant, read back from the shards in replication order.
pub(super) fn merged_samples(
    set: &StudyShardSet,
    args: &MergeArgs,
    variants: &Variants<'_>,
) -> anyhow::Result<Vec<Sample>> {
    let progress = Progress::counting(args.output.quiet, "scenario variants");
    progress.set_total(variants.models.len() as u64);
    let samples = set.samples(&variants.models, |_| progress.inc())?;
    progress.finish();
    Ok(samples)
}

/// The line `corridor merge` prints after a study's own output.
pub(super) fn merged_line(set: &StudyShardSet, out: &std::path::Path) -> String {
    let manifest = set.manifest();
    format!(
        "Merged {} shards of the {} study ({} variants, {} replications each, {:.2} s of shard wall time) into {}",
        set.count(),
        manifest.study.command(),
        manifest.variants.len(),
        manifest.provenance.replications,
        set.shard_wall_time_s(),
        super::shown(out)
    )
}

/// The scenario of a study shard's definition, compiled with its study sections.
pub(super) fn rebuilt(
    files: &corridor::study::shard::ScenarioFiles,
) -> anyhow::Result<(corridor::scenario::Document, LoadedScenario)> {
    use corridor::study::sections::StudySections;
    let doc = files.document().with_context(|| {
        format!(
            "the shards' scenario {} has {} files, not 1 to 32",
            files.file(),
            files.0.len()
        )
    })?;
    let loaded = doc
        .compile_checked()
        .with_context(|| format!("the shards' scenario {} is not valid", files.file()))?;
    Ok((doc, loaded))
}

/// Draws a study's charts in memory with `draw`, unless `--no-charts`.
pub(super) fn charts(
    charts: &ChartArgs,
    draw: impl FnOnce(&PlotOptions) -> Result<Vec<Rendered>, corridor::plot::PlotError>,
) -> anyhow::Result<Vec<Rendered>> {
    if charts.no_charts {
        return Ok(Vec::new());
    }
    let (width, height) = charts.chart_size;
    draw(&PlotOptions { width, height }).context("cannot draw the charts")
}

/// Writes a study's files into `out`, each atomically: the tables, then the charts, then the
/// JSON file last (its presence means the set is complete). Returns every path written.
pub(super) fn write_study(
    out: &OutputDir,
    tables: &[(&str, Vec<u8>)],
    charts: &[Rendered],
    json: (&str, Vec<u8>),
) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut write = |name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let path = out.path().join(name);
        write_atomically(&path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    for (name, bytes) in tables {
        write(name, bytes)?;
    }
    let chart_paths = write_rendered(out.path(), charts)?;
    write(json.0, &json.1)?;
    written.extend(chart_paths);
    Ok(written)
}
