//! Charts and the HTML report, drawn from the result files of a run (never from the engine).
//!
//! `data::ResultSet::load` reads a result directory; every chart, the run charts listed in
//! `charts::RUN_CHARTS` and the study charts alike, is a [`render::Chart`] that draws itself on
//! any plotters backend, so the SVG and the PNG of a chart come from the same code, rendered by
//! the one path `render::draw`; `html` puts the tables and the SVG charts into one
//! self-contained `report.html`. [`plot_dir`] does all of it
//! for `corridor run` and `corridor plot`: everything is drawn in memory first and then written
//! atomically, so a failure leaves no half-written file.

pub(crate) mod charts;
pub mod compare;
pub(crate) mod data;
pub mod demand;
pub(crate) mod html;
pub mod render;
pub mod sensitivity;
pub mod sweep;
pub(crate) mod theme;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub(crate) use charts::RUN_CHARTS;
pub(crate) use data::{DataError, ResultSet};
pub(crate) use render::{RenderError, Rendered};
use theme::Theme;

/// Sub-directory of the result directory that holds the chart files.
pub const CHARTS_DIR: &str = "charts";

/// The report file.
pub const REPORT_HTML: &str = "report.html";

/// Smallest and largest picture side, pixels.
pub const SIZE_RANGE: std::ops::RangeInclusive<u32> = 320..=8000;

/// How charts are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlotOptions {
    /// Picture width, pixels (PNG pixels; SVG user units).
    pub width: u32,
    /// Picture height, pixels.
    pub height: u32,
}

impl Default for PlotOptions {
    /// 1600 x 900: a 16:9 slide at full HD and then some.
    fn default() -> PlotOptions {
        PlotOptions {
            width: 1600,
            height: 900,
        }
    }
}

/// Why plotting failed.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The picture size is outside [`SIZE_RANGE`].
    #[error(
        "chart size {width}x{height} is not allowed: width and height must be between {} and {} pixels",
        SIZE_RANGE.start(),
        SIZE_RANGE.end()
    )]
    Size {
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
    },
    /// The result files could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A chart could not be drawn.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A file could not be written.
    #[error("{}: cannot write: {source}", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// What [`plot_dir`] wrote.
#[derive(Clone, Debug)]
pub struct Plotted {
    /// Every chart file (SVG and PNG), in report order.
    pub charts: Vec<PathBuf>,
    /// The report.
    pub report: PathBuf,
}

/// Draws every chart of `RUN_CHARTS` that applies to the results in `dir` into `dir/charts/`
/// (SVG and PNG) and writes `dir/report.html`.
pub fn plot_dir(dir: &Path, options: &PlotOptions) -> Result<Plotted, PlotError> {
    render::check_size(options)?;
    let data = ResultSet::load(dir)?;
    let theme = Theme::new(options.width, options.height);
    let drawn: Vec<Rendered> = RUN_CHARTS
        .par_iter()
        .filter_map(|chart| chart.render_if_applies(&data, &theme))
        .collect::<Result<_, RenderError>>()?;
    let skipped: Vec<(String, String)> = RUN_CHARTS
        .iter()
        .filter_map(|chart| chart.skip_note(&data))
        .collect();
    let page = html::report(&data, &drawn, &skipped);

    render::make_charts_dir(dir)?;
    let charts = render::write_rendered(dir, &drawn)?;
    let report = dir.join(REPORT_HTML);
    render::write_rendered_file(&report, page.as_bytes())?;
    Ok(Plotted { charts, report })
}
