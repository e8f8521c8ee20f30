//! Charts and report.html: every file is drawn, PNGs have the configured size and ink where the
//! text is, SVGs are well-formed XML, the report is self-contained, and `corridor plot` redraws
//! exactly what `corridor run` drew, from the result files alone.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use predicates::prelude::*;

use crate::common::{corridor, file_names};

/// Chart file stems, in report order.
pub const CHARTS: [&str; 6] = [
    "throughput",
    "transit_time",
    "where_the_days_go",
    "node_utilization_wait",
    "node_queues",
    "fleets",
];

/// One run of the default scenario (few replications, small charts), shared by the tests that
/// only read it.
pub fn shared_run() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        corridor()
            .args([
                "run",
                "-r",
                "4",
                "-s",
                "11",
                "--chart-size",
                "960x540",
                "-q",
                "-o",
            ])
            .arg(dir.path().join("out"))
            .assert()
            .success()
            .stderr(predicate::str::is_empty());
        dir
    })
    .path()
    .join("out")
    .leak()
}

/// A decoded 8-bit RGB PNG.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

fn decode_png(path: &Path) -> Image {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut rgb = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut rgb).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    rgb.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgb,
    }
}

impl Image {
    /// Share of pixels in the rectangle (fractions of width and height) darker than mid-grey.
    fn ink(&self, x0: f64, x1: f64, y0: f64, y1: f64) -> f64 {
        let (w, h) = (self.width as f64, self.height as f64);
        let (xa, xb) = ((x0 * w) as usize, (x1 * w) as usize);
        let (ya, yb) = ((y0 * h) as usize, (y1 * h) as usize);
        let mut dark = 0usize;
        for y in ya..yb {
            for x in xa..xb {
                let i = (y * self.width as usize + x) * 3;
                let lum = 0.299 * f64::from(self.rgb[i])
                    + 0.587 * f64::from(self.rgb[i + 1])
                    + 0.114 * f64::from(self.rgb[i + 2]);
                if lum < 128.0 {
                    dark += 1;
                }
            }
        }
        dark as f64 / ((xb - xa) * (yb - ya)).max(1) as f64
    }

    /// Share of pixels that are not white.
    fn coloured(&self) -> f64 {
        let non_white = self.rgb.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        non_white as f64 / (self.width * self.height) as f64
    }
}

#[test]
fn every_chart_is_drawn_as_svg_and_png() {
    let charts = shared_run().join("charts");
    let mut expected: Vec<String> = CHARTS
        .iter()
        .flat_map(|c| [format!("{c}.png"), format!("{c}.svg")])
        .collect();
    expected.sort();
    assert_eq!(file_names(&charts), expected);
    for name in &expected {
        let len = std::fs::metadata(charts.join(name)).unwrap().len();
        assert!(len > 2_000, "{name} is only {len} bytes");
    }
}

#[test]
fn pngs_have_the_configured_size_and_ink_where_the_text_is() {
    for chart in CHARTS {
        let image = decode_png(&shared_run().join("charts").join(format!("{chart}.png")));
        assert_eq!((image.width, image.height), (960, 540), "{chart}");
        let coloured = image.coloured();
        assert!(
            coloured > 0.03,
            "{chart}: only {coloured:.3} of the pixels are drawn"
        );
        // The title: a bold line of text centred in the top band.
        let title = image.ink(0.2, 0.8, 0.0, 0.07);
        assert!(title > 0.02, "{chart}: the title band has ink {title:.4}");
        // Tick labels and axis descriptions along the left edge.
        let left = image.ink(0.0, 0.12, 0.1, 0.9);
        assert!(left > 0.004, "{chart}: the left labels have ink {left:.4}");
        // An empty corner stays white: the ink test can fail.
        assert!(image.ink(0.0, 0.01, 0.0, 0.01) < 0.5);
    }
}

#[test]
fn a_blank_image_fails_the_ink_checks() {
    // The checks above must be able to fail: a white picture has no ink and no colour.
    let blank = Image {
        width: 100,
        height: 100,
        rgb: vec![255; 100 * 100 * 3],
    };
    assert_eq!(blank.coloured(), 0.0);
    assert_eq!(blank.ink(0.2, 0.8, 0.0, 0.07), 0.0);
}

#[test]
fn svgs_are_well_formed_xml_with_titles_and_axis_text() {
    for chart in CHARTS {
        let text =
            std::fs::read_to_string(shared_run().join("charts").join(format!("{chart}.svg")))
                .unwrap();
        let doc = roxmltree::Document::parse(&text)
            .unwrap_or_else(|e| panic!("{chart}.svg is not well-formed XML: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        assert_eq!(root.attribute("width"), Some("960"));
        assert_eq!(root.attribute("height"), Some("540"));
        let texts: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text())
            .collect();
        assert!(
            texts.len() >= 10,
            "{chart}: only {} text elements",
            texts.len()
        );
    }
}

#[test]
fn report_is_self_contained_and_has_every_chart_and_table() {
    let html = std::fs::read_to_string(shared_run().join("report.html")).unwrap();
    for chart in CHARTS {
        assert!(
            html.contains(&format!("<figure id=\"{chart}\">")),
            "report.html lacks the {chart} chart"
        );
    }
    assert_eq!(html.matches("<svg").count(), CHARTS.len());
    // Nothing is fetched: no address with a scheme, no external resources of any kind.
    for forbidden in [
        "://", "<script", "<link", "<img", "<iframe", "@import", "url(",
    ] {
        assert!(
            !html.contains(forbidden),
            "report.html contains {forbidden:?}"
        );
    }
    for heading in [
        "Conservation check",
        "Routes",
        "Nodes",
        "Fleets",
        "Disruptions",
    ] {
        assert!(html.contains(&format!("<h2>{heading}</h2>")), "{heading}");
    }
    assert!(html.contains("Holds in every replication"));
    // KPI cells carry their CI half-width.
    assert!(html.matches("<span class=\"ci\">±").count() > 20);
}

#[test]
fn plot_redraws_the_same_files_from_the_results_alone() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for name in file_names(shared_run()) {
        let from = shared_run().join(&name);
        if from.is_file() && name != "report.html" {
            std::fs::copy(&from, copy.join(&name)).unwrap();
        }
    }
    // The copy has the result files and nothing else: no charts, no report, no scenario.
    corridor()
        .args(["plot", "--chart-size", "960x540"])
        .arg(&copy)
        .assert()
        .success()
        .stdout(predicate::str::contains("Drew 12 chart files"));
    for chart in CHARTS {
        for ext in ["svg", "png"] {
            let name = format!("{chart}.{ext}");
            assert!(
                std::fs::read(copy.join("charts").join(&name)).unwrap()
                    == std::fs::read(shared_run().join("charts").join(&name)).unwrap(),
                "{name} differs when redrawn"
            );
        }
    }
    assert_eq!(
        std::fs::read_to_string(copy.join("report.html")).unwrap(),
        std::fs::read_to_string(shared_run().join("report.html")).unwrap()
    );
}

#[test]
fn chart_size_is_configurable_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for name in file_names(shared_run()) {
        let from = shared_run().join(&name);
        if from.is_file() {
            std::fs::copy(&from, copy.join(&name)).unwrap();
        }
    }
    corridor()
        .args(["plot", "-q", "--chart-size", "640x480"])
        .arg(&copy)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let image = decode_png(&copy.join("charts/throughput.png"));
    assert_eq!((image.width, image.height), (640, 480));

    for bad in ["100x100", "1600", "axb", "1600x90000"] {
        corridor()
            .args(["plot", "--chart-size", bad])
            .arg(&copy)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("WIDTHxHEIGHT"));
    }
}

#[test]
fn plot_of_a_directory_without_results_names_the_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    corridor()
        .arg("plot")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("summary.json"))
        .stderr(predicate::str::contains("cannot read result file"))
        .stderr(predicate::str::contains("panicked").not());
    assert!(file_names(dir.path()).is_empty(), "nothing is written");
}

#[test]
fn plot_of_a_malformed_result_file_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for name in file_names(shared_run()) {
        let from = shared_run().join(&name);
        if from.is_file() && name != "report.html" {
            std::fs::copy(&from, copy.join(&name)).unwrap();
        }
    }
    let path = copy.join("node_daily.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[3] = lines[3].replacen(",true,", ",maybe,", 1);
    std::fs::write(&path, lines.join("\n")).unwrap();
    corridor()
        .arg("plot")
        .arg(&copy)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("node_daily.csv"))
        .stderr(predicate::str::contains("line 4"))
        .stderr(predicate::str::contains("\"warmup\""));
    assert!(
        !copy.join("report.html").exists(),
        "no report from bad results"
    );
    assert!(!copy.join("charts").exists(), "no charts from bad results");
}

#[test]
fn no_charts_writes_only_the_result_files() {
    let dir = tempfile::tempdir().unwrap();
    corridor()
        .args(["run", "-r", "2", "--no-charts", "-q", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let names = file_names(dir.path());
    assert!(!names.contains(&"charts".to_string()));
    assert!(!names.contains(&"report.html".to_string()));
    assert!(names.contains(&"summary.json".to_string()));
}

/// Where the headless browser test looks for Chromium.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CORRIDOR_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn a_short_run_without_fleets_or_disruptions_is_charted_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("mm1.toml");
    std::fs::write(
        &scenario,
        crate::common::single_node(0.8, 1, "{ dist = \"exponential\", mean = 1.0 }", 20.0, 2.0),
    )
    .unwrap();
    let out = dir.path().join("out");
    corridor()
        .args(["run", "-r", "3", "-q", "--chart-size", "800x450", "-o"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    // No fleet: no fleet chart; everything else is there.
    let mut expected: Vec<String> = CHARTS
        .iter()
        .filter(|c| **c != "fleets")
        .flat_map(|c| [format!("{c}.png"), format!("{c}.svg")])
        .collect();
    expected.sort();
    assert_eq!(file_names(&out.join("charts")), expected);
    let svg = std::fs::read_to_string(out.join("charts/throughput.svg")).unwrap();
    assert!(svg.contains("TEU per day") && svg.contains("day of the run"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<h2>Fleets</h2>") && !html.contains("<h2>Disruptions</h2>"));
    assert_eq!(html.matches("<svg").count(), CHARTS.len() - 1);
}

#[test]
fn plot_of_results_in_another_format_version_names_the_file_and_the_versions() {
    let dir = tempfile::tempdir().unwrap();
    corridor()
        .args(["run", "-q", "-r", "2", "--no-charts", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let path = dir.path().join("summary.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["provenance"]["format_version"] = 1.into();
    std::fs::write(&path, json.to_string()).unwrap();
    let expected = format!(
        "summary.json: format_version 1, but this Corridor ({}) reads format_version {}",
        env!("CARGO_PKG_VERSION"),
        corridor::report::FORMAT_VERSION
    );
    corridor()
        .arg("plot")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(expected))
        .stderr(predicate::str::contains("panicked").not());
    // A file from before format_version existed.
    json.as_object_mut().unwrap().remove("provenance");
    std::fs::write(&path, json.to_string()).unwrap();
    corridor()
        .arg("plot")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "summary.json: format_version missing",
        ));
}
