//! `corridor plot DIR`, and the charts drawn at the end of `run` and `merge`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use corridor::plot::{self, PlotOptions, Plotted};
use corridor::report::ResultDir;

use super::args::{ChartArgs, PlotArgs};

/// Runs the `plot` subcommand.
pub fn run(args: PlotArgs) -> anyhow::Result<ExitCode> {
    // The new charts and report are drawn into a copy of the directory (hard links) that then
    // replaces it, so an interruption never leaves old and new charts side by side.
    let out = ResultDir::update(&args.dir, &[plot::CHARTS_DIR, plot::REPORT_HTML])?;
    super::print_notes(&out);
    let plotted = draw(out.dir().path(), args.chart_size)?;
    let dir = super::commit(out)?;
    if !args.quiet {
        println!(
            "Drew {} chart files into {} and wrote {}",
            plotted.charts.len(),
            super::shown(&dir.join(plot::CHARTS_DIR)),
            super::shown(&dir.join(plot::REPORT_HTML))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Draws the charts and the report of a run or merge just written to `out` (its staging
/// directory), unless
/// `--no-charts`.
pub fn after_run(out: &Path, args: &ChartArgs) -> anyhow::Result<()> {
    if !args.no_charts {
        draw(out, args.chart_size)?;
    }
    Ok(())
}

fn draw(dir: &Path, (width, height): (u32, u32)) -> anyhow::Result<Plotted> {
    plot::plot_dir(dir, &PlotOptions { width, height })
        .with_context(|| format!("cannot draw the charts of {}", dir.display()))
}
