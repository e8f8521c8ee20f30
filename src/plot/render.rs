//! Rendering a chart to SVG text and to PNG bytes.

use plotters::prelude::*;

use super::charts::ChartKind;
use super::data::ResultSet;
use super::theme::{Theme, register_fonts};

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
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are flat colours: per-row adaptive filtering and the best deflate level make
        // the files several times smaller for a few milliseconds more.
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(bytes)
}

/// Draws a picture of `width` x `height` with `draw` as an SVG document: for charts that are not
/// a [`ChartKind`] of a run's results (e.g. `plot::compare`).
pub fn svg_with<F>(
    chart: &'static str,
    width: u32,
    height: u32,
    draw: F,
) -> Result<String, RenderError>
where
    F: FnOnce(
        &DrawingArea<SVGBackend, plotters::coord::Shift>,
    ) -> Result<(), Box<dyn std::error::Error>>,
{
    register_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
        draw(&root).map_err(|e| RenderError {
            chart,
            message: e.to_string(),
        })?;
    }
    Ok(text)
}

/// Draws a picture of `width` x `height` with `draw` as a PNG image (8-bit RGB), encoded as
/// [`png()`] does.
pub fn png_with<F>(
    chart: &'static str,
    width: u32,
    height: u32,
    draw: F,
) -> Result<Vec<u8>, RenderError>
where
    F: FnOnce(
        &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    ) -> Result<(), Box<dyn std::error::Error>>,
{
    register_fonts();
    let fail = |message: String| RenderError { chart, message };
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw(&root).map_err(|e| fail(e.to_string()))?;
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(bytes)
}
