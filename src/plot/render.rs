//! The one chart abstraction and the one render path.
//!
//! Every chart, the run charts of a result directory (`super::charts`) and the study charts
//! (`compare`, `sweep`, `sensitivity`), is a type implementing [`Chart`]. `draw` renders any
//! chart in memory as SVG and PNG from the same drawing code into a [`Rendered`], and
//! [`write_rendered`] writes rendered charts atomically into `charts/`.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{FONT, INK, Theme, register_fonts};
use super::{CHARTS_DIR, PlotError, PlotOptions, SIZE_RANGE};
use crate::report::write_atomically;
use std::error::Error;
use std::path::{Path, PathBuf};

/// What drawing a chart returns.
pub(crate) type ChartResult = Result<(), Box<dyn Error>>;

/// Fills `root` white, draws `title` at its top in the chart title style and returns the area
/// below it, with the margins every chart uses.
pub(crate) fn titled_body<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    theme: &Theme,
) -> Result<DrawingArea<DB, Shift>, Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = root.margin(theme.px(16.0), 0, 0, 0).titled(
        title,
        (FONT, theme.title())
            .into_font()
            .style(FontStyle::Bold)
            .color(&INK),
    )?;
    Ok(body.margin(
        theme.px(6.0),
        theme.px(14.0),
        theme.px(14.0),
        theme.px(20.0),
    ))
}

/// A chart: what it is drawn from, its file stem, title and caption, whether it applies, and
/// how it draws itself on any plotters backend (so the SVG and the PNG are the same drawing).
///
/// **Adding a chart.** A run chart (drawn from a result directory by `corridor run`, `merge` and
/// `plot`, and shown in `report.html`): a new module in `src/plot/charts/` with a unit type
/// implementing `Chart<Data = ResultSet>`, and one line in `super::charts::RUN_CHARTS` (whose
/// order is the report's). Nothing else: the rendering, the files and the report's figure
/// (id = stem, title, caption) come from this trait. A study chart: a type implementing `Chart`
/// with the study's results as `Data`, rendered with [`render`] by the study's chart function
/// (`plot::compare::chart`, `plot::sweep::sweep_charts`, `plot::sensitivity::{oat_charts,
/// morris_charts}`), which the CLI writes with [`write_rendered`].
pub trait Chart: Sync {
    /// What the chart is drawn from: a `super::ResultSet` for run charts, a study's results
    /// for study charts.
    type Data: ?Sized + Sync;

    /// File name without extension (`charts/<stem>.svg|png`; the figure id in `report.html`).
    /// Two charts written together may share a stem (a stem is a file-name-safe form of a name);
    /// [`write_rendered`] then tells them apart by their [`key`](Chart::key).
    fn stem(&self) -> String;

    /// What the stem was made from, distinct for distinct charts of one kind (a KPI name for
    /// the study charts); the stem itself by default.
    fn key(&self) -> String {
        self.stem()
    }

    /// The title drawn at the top of the chart (and the SVG's title in `report.html`).
    fn title(&self, data: &Self::Data) -> String;

    /// One-sentence reading guide under the chart in `report.html` (run charts).
    fn caption(&self) -> &str {
        ""
    }

    /// Whether `data` has anything for this chart to show; a chart that does not apply is not
    /// drawn at all.
    fn applies(&self, _data: &Self::Data) -> bool {
        true
    }

    /// Why the chart is not drawn for `data`, said in `report.html` at the head of its charts;
    /// `None` (the default) leaves a chart that does not apply out without a word. Asked only
    /// when the chart does not [apply](Chart::applies).
    fn skipped(&self, _data: &Self::Data) -> Option<String> {
        None
    }

    /// Draws the chart on `body`, the area below its title (with the margins every chart uses).
    fn draw<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        data: &Self::Data,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static;
}

/// A [`Chart`] drawn from `D` as a trait object (`Chart::draw` is generic over the backend), so
/// charts of different types can be listed together, as [`super::charts::RUN_CHARTS`] does.
/// Implemented for every `Chart`.
pub(crate) trait AnyChart<D: ?Sized>: Sync {
    /// The chart rendered from `data`, or `None` if it does not apply to `data`.
    fn render_if_applies(&self, data: &D, theme: &Theme) -> Option<Result<Rendered, RenderError>>;

    /// The chart's stem and why it is not drawn, when it does not apply to `data` and says why
    /// ([`Chart::skipped`]).
    fn skip_note(&self, data: &D) -> Option<(String, String)>;
}

impl<C: Chart> AnyChart<C::Data> for C {
    fn render_if_applies(
        &self,
        data: &C::Data,
        theme: &Theme,
    ) -> Option<Result<Rendered, RenderError>> {
        self.applies(data).then(|| draw(self, data, theme))
    }

    fn skip_note(&self, data: &C::Data) -> Option<(String, String)> {
        if self.applies(data) {
            return None;
        }
        self.skipped(data).map(|note| (self.stem(), note))
    }
}

/// A chart that could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart {chart}: {message}")]
pub struct RenderError {
    /// The chart's file stem.
    pub chart: String,
    /// What went wrong.
    pub message: String,
}

/// A chart drawn in memory, not yet written.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// File name without extension.
    pub stem: String,
    /// What the stem was made from ([`Chart::key`]).
    pub key: String,
    /// The chart's title.
    pub title: String,
    /// Its reading guide (empty for study charts).
    pub caption: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG image.
    pub png: Vec<u8>,
}

/// Draws `chart` from `data` in memory, as SVG and as PNG (8-bit RGB) from the same drawing
/// code: white background, the title, the chart's body, at the size of `theme`.
pub(crate) fn draw<C: Chart + ?Sized>(
    chart: &C,
    data: &C::Data,
    theme: &Theme,
) -> Result<Rendered, RenderError> {
    register_fonts();
    let stem = chart.stem();
    let title = chart.title(data);
    let fail = |message: String| RenderError {
        chart: stem.clone(),
        message,
    };
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (theme.width, theme.height)).into_drawing_area();
        paint_on(&root, chart, data, &title, theme).map_err(|e| fail(e.to_string()))?;
    }
    let (width, height) = (theme.width, theme.height);
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        paint_on(&root, chart, data, &title, theme).map_err(|e| fail(e.to_string()))?;
    }
    let png = encode_png(&pixels, width, height).map_err(fail)?;
    // Control characters are not allowed in XML: written as visible escapes.
    let svg = crate::report::visible_controls(&svg).into_owned();
    Ok(Rendered {
        key: chart.key(),
        stem,
        title,
        caption: chart.caption().to_string(),
        svg,
        png,
    })
}

/// Fills `root` white, draws `title` and the chart below it, and finishes the picture.
fn paint_on<C: Chart + ?Sized, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &C,
    data: &C::Data,
    title: &str,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let body = titled_body(root, title, theme)?;
    chart.draw(&body, data, theme)?;
    root.present()?;
    Ok(())
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

/// Checks the picture size of `options`.
pub(crate) fn check_size(options: &PlotOptions) -> Result<(), PlotError> {
    if SIZE_RANGE.contains(&options.width) && SIZE_RANGE.contains(&options.height) {
        Ok(())
    } else {
        Err(PlotError::Size {
            width: options.width,
            height: options.height,
        })
    }
}

/// Draws `chart` from `data` at the size of `options` (checked), as SVG and PNG, to be written
/// as `charts/<stem>.svg|png` with [`write_rendered`].
pub fn render<C: Chart + ?Sized>(
    chart: &C,
    data: &C::Data,
    options: &PlotOptions,
) -> Result<Rendered, PlotError> {
    check_size(options)?;
    Ok(draw(
        chart,
        data,
        &Theme::new(options.width, options.height),
    )?)
}

/// Writes every chart into `dir/charts/` (each file atomically); returns the paths.
pub fn write_rendered(dir: &Path, charts: &[Rendered]) -> Result<Vec<PathBuf>, PlotError> {
    if charts.is_empty() {
        // Nothing to write (`--no-charts`): no empty charts/ either.
        return Ok(Vec::new());
    }
    let charts_dir = make_charts_dir(dir)?;
    let mut paths = Vec::with_capacity(charts.len() * 2);
    for (chart, stem) in charts.iter().zip(unique_stems(charts)) {
        for (extension, bytes) in [("svg", chart.svg.as_bytes()), ("png", chart.png.as_slice())] {
            let path = charts_dir.join(format!("{stem}.{extension}"));
            write_rendered_file(&path, bytes)?;
            paths.push(path);
        }
    }
    Ok(paths)
}

/// Makes `dir/charts/` unless it exists; returns its path. `dir` itself must exist: it is a
/// staging directory that a signal may delete at any moment (`report::abandon_all`), and
/// re-creating it here (as `create_dir_all` would) would leave it behind when the process ends.
pub(crate) fn make_charts_dir(dir: &Path) -> Result<PathBuf, PlotError> {
    let charts_dir = dir.join(CHARTS_DIR);
    match std::fs::create_dir(&charts_dir) {
        Err(source) if source.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(PlotError::Write {
                path: charts_dir,
                source,
            })
        }
        _ => Ok(charts_dir),
    }
}

/// The file stems of `charts`, one each and all distinct: a stem shared by several charts (routes
/// `x.y` and `x_y` both give `..._x_y_...`) gets `-` and the first 8 hex digits of the SHA-256 of
/// the chart's key, and a key shared too gets its position.
fn unique_stems(charts: &[Rendered]) -> Vec<String> {
    use sha2::{Digest, Sha256};
    let mut count = std::collections::HashMap::new();
    for chart in charts {
        *count.entry(chart.stem.as_str()).or_insert(0) += 1;
    }
    let mut stems: Vec<String> = charts
        .iter()
        .map(|chart| {
            if count[chart.stem.as_str()] == 1 {
                chart.stem.clone()
            } else {
                let digest = Sha256::digest(chart.key.as_bytes());
                let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
                format!("{}-{hex}", chart.stem)
            }
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (i, stem) in stems.iter_mut().enumerate() {
        if !seen.insert(stem.clone()) {
            *stem = format!("{stem}-{i}");
            seen.insert(stem.clone());
        }
    }
    stems
}

/// Writes one file atomically (a chart file or the report).
pub(crate) fn write_rendered_file(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    write_atomically(path, bytes).map_err(|source| PlotError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_not_written_into_a_staging_directory_that_a_signal_removed() {
        let root = tempfile::tempdir().unwrap();
        let staging = root.path().join(".out.tmp-host-1");
        std::fs::create_dir(&staging).unwrap();
        assert_eq!(make_charts_dir(&staging).unwrap(), staging.join(CHARTS_DIR));
        // A second call finds it there.
        assert!(make_charts_dir(&staging).is_ok());
        // Removed (as `report::abandon_all` does on SIGTERM): an error, and nothing re-created
        // that the ending process would leave behind.
        std::fs::remove_dir_all(&staging).unwrap();
        assert!(matches!(
            make_charts_dir(&staging),
            Err(PlotError::Write { .. })
        ));
        let chart = Rendered {
            stem: "s".into(),
            key: "k".into(),
            title: "t".into(),
            caption: String::new(),
            svg: "<svg/>".into(),
            png: Vec::new(),
        };
        assert!(write_rendered(&staging, &[chart]).is_err());
        assert!(!staging.exists());
    }

    #[test]
    fn charts_whose_stems_collide_get_distinct_files_and_each_is_counted_once() {
        let chart = |stem: &str, key: &str| Rendered {
            stem: stem.into(),
            key: key.into(),
            title: key.into(),
            caption: String::new(),
            svg: format!("<svg>{key}</svg>"),
            png: Vec::new(),
        };
        let charts = [
            chart("sweep_route_x_y_t", "route/x.y/t"),
            chart("sweep_route_x_y_t", "route/x_y/t"),
            chart("sweep_route_z_t", "route/z/t"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let paths = write_rendered(dir.path(), &charts).unwrap();
        assert_eq!(paths.len(), 6);
        let files = std::fs::read_dir(dir.path().join(CHARTS_DIR))
            .unwrap()
            .count();
        assert_eq!(files, 6, "{paths:?}");
        let names: Vec<String> = paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        // A stem of its own stays as it was.
        assert!(names.contains(&"sweep_route_z_t.svg".to_string()));
        for key in ["route/x.y/t", "route/x_y/t"] {
            let svg = format!("<svg>{key}</svg>");
            assert!(
                paths
                    .iter()
                    .any(|p| std::fs::read_to_string(p).ok() == Some(svg.clone()))
            );
        }
    }
}
