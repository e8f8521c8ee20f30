//! `corridor run`: load, check flags and the output directory, run the replications in parallel
//! (a fixed number, to a target precision, or one shard), write the result files, print tables.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use corridor::experiment::parallel::default_threads;
use corridor::experiment::{self, Plan, PrecisionTarget, RunConfig, Runner, ShardSpec};
use corridor::model::Model;
use corridor::model::load::overload_warnings;
use corridor::report::output::Collector;
use corridor::report::shard::{SHARD_FORMAT, ShardManifest, ShardWriter};
use corridor::report::{Provenance, ResultDir, ScenarioInfo, table};
use corridor::scenario::{Assignment, Change, Document, LoadedScenario};
use corridor::study::sections::StudySections;

use super::args::RunArgs;
use super::progress::Progress;

/// Cap on replications in precision mode unless --max-replications says otherwise.
const DEFAULT_MAX_REPLICATIONS: u32 = 10_000;

/// Runs the `run` subcommand.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let mut document = match &args.scenario {
        Some(path) => Document::read(path)?,
        None => Document::builtin(),
    };
    for (path, value) in &args.set {
        let before = document.value_text(path).ok().flatten();
        document.apply(&Assignment {
            path: path.clone(),
            change: Change::Set(*value),
        })?;
        if !args.output.quiet {
            // Echo what the run changes, so that the printed results say what they are of.
            println!(
                "Override: {} = {value} (the scenario has {})",
                super::terminal_safe(path),
                before.map_or("no value there".to_string(), |b| super::terminal_safe(&b)
                    .into_owned())
            );
        }
    }
    let loaded = document.compile_checked()?;
    warn_overloaded(&loaded.model);
    let mut config = RunConfig::from_model(&loaded.model);
    if let Some(replications) = args.replication.replications {
        config.replications = replications;
    }
    if let Some(seed) = args.replication.seed {
        config.seed = seed;
    }
    let shard = match &args.shard {
        Some(text) => Some(
            text.parse::<ShardSpec>()
                .with_context(|| format!("invalid --shard {text}"))?,
        ),
        None => None,
    };
    if let Some(shard) = shard
        && shard.count > config.replications.max(1)
    {
        bail!(
            "--shard {shard}: a run of {} replications can be split into at most {} shards (one replication each); use fewer shards or more --replications",
            config.replications,
            config.replications.max(1)
        );
    }
    let plan = match args.target_ci {
        None if args.max_replications.is_some() => {
            bail!("--max-replications applies only with --target-ci");
        }
        None => Plan::Fixed(config.replications),
        Some(target) => {
            if !(target.is_finite() && target > 0.0) {
                bail!("--target-ci must be a positive fraction such as 0.02 (2%), not {target}");
            }
            if shard.is_some() {
                bail!(
                    "--target-ci cannot be combined with --shard: precision mode decides the number of replications as results come in, which independent shards cannot do"
                );
            }
            if config.replications < 2 {
                bail!(
                    "--target-ci needs a first batch of at least 2 replications (--replications)"
                );
            }
            let max_replications = args.max_replications.unwrap_or(DEFAULT_MAX_REPLICATIONS);
            if max_replications < config.replications {
                bail!(
                    "--max-replications {max_replications} is below the first batch of {} replications",
                    config.replications
                );
            }
            Plan::Precision(PrecisionTarget {
                relative_half_width: target,
                initial: config.replications,
                max_replications,
            })
        }
    };
    // Refuse a non-empty output directory before any simulation.
    let out = super::claim(&args.output.out, args.output.force)?;
    let threads = args.threads.map_or_else(default_threads, |t| t as usize);
    let runner = Runner::new(threads).context("cannot start worker threads")?;
    let model = &loaded.model;
    let progress = Progress::new(args.output.quiet);
    match shard {
        Some(shard) => run_shard(
            &args, &loaded, model, config, shard, &runner, out, &progress,
        ),
        None => run_full(
            &args,
            &loaded,
            model,
            config.seed,
            plan,
            &runner,
            out,
            &progress,
        ),
    }
}

/// Warns on stderr about every node or fleet whose offered load is at or above its capacity
/// (`model::load`): its queue grows without bound, so its results depend on the horizon.
pub(super) fn warn_overloaded(model: &Model) {
    for text in overload_warnings(model) {
        eprintln!(
            "warning: {text}; its queue grows without bound, so waits and backlogs grow with the horizon"
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn run_full(
    args: &RunArgs,
    loaded: &LoadedScenario,
    model: &Model,
    seed: u64,
    plan: Plan,
    runner: &Runner,
    out: ResultDir,
    progress: &Progress,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let out_path = out.target().to_path_buf();
    let mut collector = Collector::new(model, out.dir().clone())
        .with_context(|| format!("cannot write to {}", out_path.display()))?;
    let (aggregate, writers, _) = collector.parts();
    let precision = experiment::run_aggregated(
        model,
        runner,
        seed,
        plan,
        aggregate,
        |replication| {
            writers
                .write(model, replication)
                .with_context(|| format!("cannot write to {}", out_path.display()))?;
            progress.inc();
            Ok::<(), anyhow::Error>(())
        },
        |total| progress.set_total(total),
    )?;
    // The replications are those aggregated (precision mode decides them), set by `finish`.
    let provenance = Provenance::new(
        &loaded.file,
        &loaded.hash,
        RunConfig {
            seed,
            replications: 0,
        },
        std::env::args().collect(),
    )
    .timed(started.elapsed().as_secs_f64());
    let (report, _files) = collector
        .finish(provenance, ScenarioInfo::of(loaded), precision)
        .with_context(|| format!("cannot write results to {}", out_path.display()))?;
    progress.finish();
    super::plot::after_run(out.dir().path(), &args.charts)?;
    super::commit(out)?;
    if !args.output.quiet {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(table::render(&report).as_bytes())?;
        if let Some(precision) = &report.precision {
            stdout.write_all(b"\n")?;
            stdout.write_all(table::render_precision(precision).as_bytes())?;
        }
        writeln!(stdout, "\nWrote results to {}", super::shown(&out_path))?;
        writeln!(stdout, "{}", super::report_line(&out_path, &args.charts))?;
    }
    if !report.summary.conservation.holds_in_every_replication {
        bail!("TEU conservation failed; the results are not trustworthy (this is a bug)");
    }
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn run_shard(
    args: &RunArgs,
    loaded: &LoadedScenario,
    model: &Model,
    config: RunConfig,
    shard: ShardSpec,
    runner: &Runner,
    out: ResultDir,
    progress: &Progress,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let text = loaded.text.clone();
    let out_path = out.target().to_path_buf();
    let which = shard.replications(u64::from(config.replications));
    let mut writer = ShardWriter::create(out.dir().clone())
        .with_context(|| format!("cannot write to {}", out_path.display()))?;
    progress.set_total(which.count);
    let mut conservation_failed = false;
    runner.run_in_order(
        model,
        config.seed,
        which,
        // Serialize on the worker threads; the writer only compresses.
        |stats| (stats.conservation.holds(), ShardWriter::encode(&stats)),
        |(holds, line)| {
            conservation_failed |= !holds;
            writer
                .write_encoded(&line)
                .with_context(|| format!("cannot write to {}", out_path.display()))?;
            progress.inc();
            Ok::<(), anyhow::Error>(())
        },
    )?;
    let mut manifest = ShardManifest {
        format: SHARD_FORMAT.to_string(),
        provenance: Provenance::new(
            &loaded.file,
            &loaded.hash,
            config,
            std::env::args().collect(),
        )
        .timed(started.elapsed().as_secs_f64()),
        scenario: ScenarioInfo::of(loaded),
        scenario_text: text,
        shard,
        shard_replications: writer.written(),
        sha256: Default::default(),
    };
    writer
        .finish(&mut manifest)
        .with_context(|| format!("cannot write results to {}", out_path.display()))?;
    super::commit(out)?;
    progress.finish();
    if !args.output.quiet {
        println!(
            "Shard {shard}: {} of {} replications written to {} (combine the shards with `corridor merge`)",
            manifest.shard_replications,
            config.replications,
            super::shown(&out_path)
        );
    }
    if conservation_failed {
        bail!("TEU conservation failed; the results are not trustworthy (this is a bug)");
    }
    Ok(ExitCode::SUCCESS)
}
