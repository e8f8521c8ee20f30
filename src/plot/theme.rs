//! Look of every chart: the bundled font, sizes that scale with the picture, colours.
//!
//! PNG text is drawn with DejaVu Sans, which is compiled into the binary (assets/fonts, Bitstream
//! Vera licence), so a fresh machine without system fonts draws the same picture as a desktop.
//! SVG text names the font family and lets the viewer draw it.

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor, register_font};

/// The font family every chart uses; the bundled font is registered under this name.
pub(crate) const FONT: &str = "sans-serif";

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the bundled font with plotters (once per process).
pub(crate) fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a font file checked into the repository; failing to parse it is a build
        // defect that the chart tests catch, not an input error.
        let fonts = [
            (FontStyle::Normal, REGULAR, "DejaVuSans.ttf"),
            (FontStyle::Bold, BOLD, "DejaVuSans-Bold.ttf"),
        ];
        for (style, bytes, file) in fonts {
            if register_font(FONT, style, bytes).is_err() {
                panic!("the bundled font assets/fonts/{file} does not parse");
            }
        }
    });
}

/// Sizes (pixels) for a picture of a given size; everything scales with its height so a chart
/// stays readable when shrunk onto a slide.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    scale: f64,
}

impl Theme {
    /// The theme of a `width` x `height` picture.
    pub fn new(width: u32, height: u32) -> Theme {
        Theme {
            width,
            height,
            scale: f64::from(height.min(width * 9 / 16).max(200)) / 900.0,
        }
    }

    /// Scales a size given for a 900-pixel-high picture.
    pub fn px(&self, size: f64) -> u32 {
        (size * self.scale).round().max(1.0) as u32
    }

    /// Scales a font size given for a 900-pixel-high picture.
    pub fn pt(&self, size: f64) -> f64 {
        (size * self.scale).max(8.0)
    }

    /// Chart title.
    pub fn title(&self) -> f64 {
        self.pt(34.0)
    }

    /// Panel caption.
    pub fn caption(&self) -> f64 {
        self.pt(25.0)
    }

    /// Axis description.
    pub fn axis(&self) -> f64 {
        self.pt(22.0)
    }

    /// Tick labels and legends.
    pub fn label(&self) -> f64 {
        self.pt(19.0)
    }

    /// Line width of data series.
    pub fn line(&self) -> u32 {
        self.px(3.0)
    }
}

/// A colour-blind-safe qualitative palette: Okabe & Ito (2008), with its grey swapped for a wine
/// red so that no series looks like the grey disruption shading.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(136, 34, 85),
    RGBColor(240, 228, 66),
];

/// The palette colour of series `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Twelve distinguishable colours for nodes (the palette above, then four darker tones), so
/// that up to twelve nodes never share a colour in one chart.
pub(crate) const NODE_PALETTE: [RGBColor; 12] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(136, 34, 85),
    RGBColor(240, 228, 66),
    RGBColor(0, 70, 110),
    RGBColor(140, 60, 0),
    RGBColor(0, 100, 70),
    RGBColor(130, 70, 110),
];

/// The node palette colour of node `i`.
pub(crate) fn node_color(i: usize) -> RGBColor {
    NODE_PALETTE[i % NODE_PALETTE.len()]
}

/// Shading of disruption windows.
pub(crate) const DISRUPTION: RGBColor = RGBColor(150, 150, 150);

/// Shading of the warm-up period.
pub(crate) const WARMUP: RGBColor = RGBColor(235, 235, 235);

/// Axis and text colour.
pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);
