//! Charts and the HTML report, drawn from the result files of a run (never from the engine).
//!
//! [`data::ResultSet::load`] reads a result directory; each [`ChartKind`] draws itself on any
//! plotters backend, so the SVG and the PNG of a chart come from the same code; [`html`] puts the
//! tables and the SVG charts into one self-contained `report.html`. [`plot_dir`] does all of it
//! for `corridor run` and `corridor plot`: everything is drawn in memory first and then written
//! atomically, so a failure leaves no half-written file.

pub mod charts;
pub mod compare;
pub mod data;
pub mod html;
pub mod render;
pub mod sensitivity;
pub mod sweep;
pub mod theme;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use charts::ChartKind;
pub use data::{DataError, ResultSet};
pub use render::RenderError;
use theme::Theme;

use crate::report::write_atomically;

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

/// One chart drawn in memory.
struct Drawn {
    kind: ChartKind,
    svg: String,
    png: Vec<u8>,
}

/// Draws every chart of the results in `dir` into `dir/charts/` (SVG and PNG) and writes
/// `dir/report.html`.
pub fn plot_dir(dir: &Path, options: &PlotOptions) -> Result<Plotted, PlotError> {
    if !SIZE_RANGE.contains(&options.width) || !SIZE_RANGE.contains(&options.height) {
        return Err(PlotError::Size {
            width: options.width,
            height: options.height,
        });
    }
    let data = ResultSet::load(dir)?;
    let theme = Theme::new(options.width, options.height);
    let drawn: Vec<Drawn> = ChartKind::ALL
        .par_iter()
        .filter(|kind| kind.applies(&data))
        .map(|&kind| {
            Ok(Drawn {
                kind,
                svg: render::svg(kind, &data, &theme)?,
                png: render::png(kind, &data, &theme)?,
            })
        })
        .collect::<Result<_, RenderError>>()?;
    let inline: Vec<html::InlineChart> = drawn
        .iter()
        .map(|d| html::InlineChart {
            kind: d.kind,
            svg: &d.svg,
        })
        .collect();
    let page = html::report(&data, &inline);

    let charts_dir = dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|source| PlotError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let mut charts = Vec::with_capacity(drawn.len() * 2);
    for d in &drawn {
        for (extension, bytes) in [("svg", d.svg.as_bytes()), ("png", d.png.as_slice())] {
            let path = charts_dir.join(format!("{}.{extension}", d.kind.stem()));
            write(&path, bytes)?;
            charts.push(path);
        }
    }
    let report = dir.join(REPORT_HTML);
    write(&report, page.as_bytes())?;
    Ok(Plotted { charts, report })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    write_atomically(path, bytes).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}
