//! What the study commands (`compare`, `sweep`, `sensitivity`) share: the run settings every
//! variant uses (one seed, one replication count: common random numbers), drawing the charts in
//! memory, and writing the files so that a failure leaves nothing half-written.

use std::path::PathBuf;

use anyhow::{Context, bail};
use corridor::experiment::parallel::default_threads;
use corridor::experiment::{RunConfig, Runner};
use corridor::model::Model;
use corridor::plot::PlotOptions;
use corridor::plot::render::{Rendered, write_rendered};
use corridor::report::{OutputDir, write_atomically};

use super::args::StudyArgs;

/// The run settings of a study (seed and replications shared by every variant) and its
/// worker pool.
pub(super) fn settings(study: &StudyArgs, base: &Model) -> anyhow::Result<(RunConfig, Runner)> {
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
    let threads = study.threads.map_or_else(default_threads, |t| t as usize);
    let runner = Runner::new(threads).context("cannot start worker threads")?;
    Ok((config, runner))
}

/// Draws a study's charts in memory with `draw`, unless `--no-charts`.
pub(super) fn charts(
    study: &StudyArgs,
    draw: impl FnOnce(&PlotOptions) -> Result<Vec<Rendered>, corridor::plot::PlotError>,
) -> anyhow::Result<Vec<Rendered>> {
    if study.charts.no_charts {
        return Ok(Vec::new());
    }
    let (width, height) = study.charts.chart_size;
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
