//! `corridor plot DIR`, and the charts drawn at the end of `run` and `merge`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use corridor::plot::{self, PlotOptions, Plotted};

use super::args::{ChartArgs, PlotArgs};

/// Runs the `plot` subcommand.
pub fn run(args: PlotArgs) -> anyhow::Result<ExitCode> {
    let plotted = draw(&args.dir, args.chart_size)?;
    if !args.quiet {
        println!(
            "Drew {} chart files into {} and wrote {}",
            plotted.charts.len(),
            args.dir.join(plot::CHARTS_DIR).display(),
            plotted.report.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Draws the charts and the report of a run or merge just written to `out`, unless
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
