//! `corridor merge`: combine shard results into the results of the whole run, through the same
//! aggregation as `corridor run`; or the shards of a study into the study's files, through the
//! same code as the study command (`cli::study`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use corridor::experiment::{RunConfig, aggregate};
use corridor::report::output::Collector;
use corridor::report::shard::{ShardSet, manifest_format};
use corridor::report::{Provenance, table};
use corridor::study::shard::{STUDY_SHARD_FORMAT, StudyDefinition, StudyShardSet};

use super::args::MergeArgs;
use super::progress::Progress;

/// Runs the `merge` subcommand: the shards of a run or of a study, by their manifests.
pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    if is_study(&args.shards)? {
        merge_study(&args)
    } else {
        merge_run(args)
    }
}

/// Whether the shards are a study's (their manifests say which): all of a study, or none (a
/// manifest of another format is left to the run's checks, which name it).
fn is_study(dirs: &[std::path::PathBuf]) -> anyhow::Result<bool> {
    let study_family = STUDY_SHARD_FORMAT
        .split_once('/')
        .map_or(STUDY_SHARD_FORMAT, |(family, _)| family);
    let (mut run, mut study) = (None, None);
    for dir in dirs {
        let format = manifest_format(dir)?;
        if format.split('/').next() == Some(study_family) {
            study.get_or_insert(dir);
        } else {
            run.get_or_insert(dir);
        }
    }
    match (run, study) {
        (Some(run), Some(study)) => bail!(
            "cannot merge: {} is a shard of `corridor run` and {} a shard of a study (`compare`, `sweep` or `sensitivity` with --shard); merge the shards of one run or of one study",
            super::shown(run),
            super::shown(study)
        ),
        (_, study) => Ok(study.is_some()),
    }
}

/// Merges the shards of a study into the study's files.
fn merge_study(args: &MergeArgs) -> anyhow::Result<ExitCode> {
    let set = StudyShardSet::open(&args.shards)?;
    let code = match set.definition() {
        StudyDefinition::Compare { .. } => super::compare::merge(&set, args)?,
        StudyDefinition::Sweep { .. } => super::sweep::merge(&set, args)?,
        StudyDefinition::Sensitivity { .. } => super::sensitivity::merge(&set, args)?,
    };
    if !args.output.quiet {
        println!("{}", super::study::merged_line(&set, &args.output.out));
    }
    Ok(code)
}

/// Merges the shards of a run into the run's files.
fn merge_run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let shards = ShardSet::open(&args.shards)?;
    let out = super::claim(&args.output.out, args.output.force)?;
    let out_path = out.target().to_path_buf();
    let manifest = shards.manifest();
    let config = RunConfig {
        replications: manifest.provenance.replications,
        seed: manifest.provenance.seed,
    };
    // The shards ran with the manifest's seed; replaying needs the model only.
    let model = &shards.scenario().model;
    let mut collector = Collector::new(model, out.dir().clone())
        .with_context(|| format!("cannot write to {}", out_path.display()))?;
    let columns = collector.parts().0.columns().clone();
    let progress = Progress::new(args.output.quiet);
    progress.set_total(u64::from(config.replications));
    shards.replay(|stats| {
        let replication = aggregate::prepare(model, &columns, stats);
        collector
            .add(&replication)
            .with_context(|| format!("cannot write to {}", out_path.display()))?;
        progress.inc();
        Ok::<(), anyhow::Error>(())
    })?;
    let provenance = Provenance::new(
        &manifest.provenance.scenario_file,
        &manifest.provenance.scenario_sha256,
        config,
        std::env::args().collect(),
    )
    .timed(started.elapsed().as_secs_f64());
    let (report, _files) = collector
        .finish(provenance, manifest.scenario.clone(), None)
        .with_context(|| format!("cannot write results to {}", out_path.display()))?;
    progress.finish();
    super::plot::after_run(out.dir().path(), &args.charts)?;
    super::commit(out)?;
    if !args.output.quiet {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(table::render(&report).as_bytes())?;
        writeln!(
            stdout,
            "\nMerged {} shards ({} replications, {:.2} s of shard wall time) into {}",
            manifest.shard.count,
            config.replications,
            shards.shard_wall_time_s(),
            super::shown(&out_path)
        )?;
        writeln!(stdout, "{}", super::report_line(&out_path, &args.charts))?;
    }
    if !report.summary.conservation.holds_in_every_replication {
        bail!("TEU conservation failed; the results are not trustworthy (this is a bug)");
    }
    Ok(ExitCode::SUCCESS)
}
