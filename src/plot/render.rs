//! Rendering a chart to SVG text and to PNG bytes: the run charts ([`ChartKind`]) and the study
//! charts ([`Figure`]: compare, sweep, sensitivity), which are drawn in memory as [`Rendered`]
//! and written with [`write_rendered`].

use plotters::coord::Shift;
use plotters::prelude::*;

use super::charts::{ChartKind, ChartResult};
use super::data::ResultSet;
use super::theme::{Theme, register_fonts};
use super::{CHARTS_DIR, PlotError, PlotOptions, SIZE_RANGE};
use crate::report::write_atomically;
use std::path::{Path, PathBuf};

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart {chart}: {message}")]
pub struct RenderError {
    /// The chart's file stem.
    pub chart: &'static str,
    /// What went wrong.
    pub message: String,
}

/// Draws `chart` as an SVG document.
pub fn svg(chart: ChartKind, data: &ResultSet, theme: &Theme) -> Result<String, RenderError> {
    register_fonts();
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (theme.width, theme.height)).into_drawing_area();
        chart.draw(&root, data, theme).map_err(|e| RenderError {
            chart: chart.stem(),
            message: e.to_string(),
        })?;
    }
    Ok(text)
}

/// Draws `chart` as a PNG image (8-bit RGB).
pub fn png(chart: ChartKind, data: &ResultSet, theme: &Theme) -> Result<Vec<u8>, RenderError> {
    register_fonts();
    let fail = |message: String| RenderError {
        chart: chart.stem(),
        message,
    };
    let (width, height) = (theme.width, theme.height);
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        chart
            .draw(&root, data, theme)
            .map_err(|e| fail(e.to_string()))?;
    }
    encode_png(&pixels, width, height).map_err(fail)
}

/// Encodes 8-bit RGB `pixels` as PNG.
fn encode_png(pixels: &[u8], width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are flat colours: per-row adaptive filtering and the best deflate level make
        // the files several times smaller for a few milliseconds more.
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(pixels).map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

/// A picture that is not one of the run charts (the study charts of `sweep` and
/// `sensitivity`), drawn by the same code on the SVG and the bitmap backend.
pub trait Figure {
    /// What kind of chart this is, for error messages (`sweep`, `tornado`, ...).
    fn kind(&self) -> &'static str;
    /// Draws the picture on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, theme: &Theme) -> ChartResult
    where
        DB::ErrorType: 'static;
}

/// Draws `figure` as an SVG document.
pub fn figure_svg(figure: &impl Figure, theme: &Theme) -> Result<String, RenderError> {
    register_fonts();
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (theme.width, theme.height)).into_drawing_area();
        figure.draw(&root, theme).map_err(|e| RenderError {
            chart: figure.kind(),
            message: e.to_string(),
        })?;
    }
    Ok(text)
}

/// Draws `figure` as a PNG image (8-bit RGB).
pub fn figure_png(figure: &impl Figure, theme: &Theme) -> Result<Vec<u8>, RenderError> {
    register_fonts();
    let fail = |message: String| RenderError {
        chart: figure.kind(),
        message,
    };
    let (width, height) = (theme.width, theme.height);
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        figure.draw(&root, theme).map_err(|e| fail(e.to_string()))?;
    }
    encode_png(&pixels, width, height).map_err(fail)
}

/// A chart drawn in memory, not yet written.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// File name without extension.
    pub stem: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG image.
    pub png: Vec<u8>,
}

/// Checks the picture size of `options`.
pub fn check_size(options: &PlotOptions) -> Result<(), PlotError> {
    if SIZE_RANGE.contains(&options.width) && SIZE_RANGE.contains(&options.height) {
        Ok(())
    } else {
        Err(PlotError::Size {
            width: options.width,
            height: options.height,
        })
    }
}

/// Draws `figure` as SVG and PNG, to be written as `charts/<stem>.svg|png`.
pub fn render(
    figure: &impl Figure,
    stem: String,
    options: &PlotOptions,
) -> Result<Rendered, PlotError> {
    check_size(options)?;
    let theme = Theme::new(options.width, options.height);
    Ok(Rendered {
        stem,
        svg: figure_svg(figure, &theme)?,
        png: figure_png(figure, &theme)?,
    })
}

/// Writes every chart into `dir/charts/` (each file atomically); returns the paths.
pub fn write_rendered(dir: &Path, charts: &[Rendered]) -> Result<Vec<PathBuf>, PlotError> {
    if charts.is_empty() {
        // Nothing to write (`--no-charts`): no empty charts/ either.
        return Ok(Vec::new());
    }
    let charts_dir = dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|source| PlotError::Write {
        path: charts_dir.clone(),
        source,
    })?;
    let mut paths = Vec::with_capacity(charts.len() * 2);
    for chart in charts {
        for (extension, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            let path = charts_dir.join(format!("{}.{extension}", chart.stem));
            write_atomically(&path, bytes).map_err(|source| PlotError::Write {
                path: path.clone(),
                source,
            })?;
            paths.push(path);
        }
    }
    Ok(paths)
}
