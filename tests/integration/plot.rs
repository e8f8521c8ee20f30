//! Charts and report.html: every file is drawn, PNGs have the configured size and ink where the
//! text is, SVGs are well-formed XML, the report is self-contained, and `corridor plot` redraws
//! exactly what `corridor run` drew, from the result files alone.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use predicates::prelude::*;

use crate::common::{corridor, file_names, summary_kpi};

/// Chart file stems, in report order.
pub const CHARTS: [&str; 8] = [
    "corridor_map",
    "throughput",
    "transit_time",
    "transit_by_month",
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
        // Tick labels and axis descriptions along the left edge; the map has no axes, but its
        // key on the right.
        if chart == "corridor_map" {
            let key = image.ink(0.8, 1.0, 0.1, 0.9);
            assert!(key > 0.004, "{chart}: the key has ink {key:.4}");
        } else {
            let left = image.ink(0.0, 0.12, 0.1, 0.9);
            assert!(left > 0.004, "{chart}: the left labels have ink {left:.4}");
        }
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
        "Nominal capacity",
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
        .stdout(predicate::str::contains("Drew 16 chart files"));
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
    // No fleet: no fleet chart; no coordinates: no map; everything else is there.
    let mut expected: Vec<String> = CHARTS
        .iter()
        .filter(|c| **c != "fleets" && **c != "corridor_map")
        .flat_map(|c| [format!("{c}.png"), format!("{c}.svg")])
        .collect();
    expected.sort();
    assert_eq!(file_names(&out.join("charts")), expected);
    let svg = std::fs::read_to_string(out.join("charts/throughput.svg")).unwrap();
    assert!(svg.contains("TEU per day") && svg.contains("day of the run"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<h2>Fleets</h2>") && !html.contains("<h2>Disruptions</h2>"));
    assert_eq!(html.matches("<svg").count(), CHARTS.len() - 2);
    // The map says why it is missing, where it would be, rather than drawing nothing.
    assert!(
        html.contains(
            "<p class=\"skipped\" id=\"corridor_map-skipped\">The map was skipped: the scenario \
             gives no coordinates (lat and lon on [[node]]).</p>"
        ),
        "no note for the skipped map"
    );
}

/// The scenario files shipped under `scenarios/` (not `calibration/targets.toml`, which lists
/// calibration targets and is no scenario).
fn shipped_scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml")
                && !path.ends_with("calibration/targets.toml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every shipped scenario gives coordinates to every node, and its map is drawn (a short run:
/// 1 replication of 10 days, small charts). The benchmark models of `benches/peers/` are the
/// exception, on purpose: they are abstract queueing networks (a border, a terminal, a ferry
/// port, a destination) that stand for no place, so they carry no coordinates and their report
/// says the map was skipped.
#[test]
fn the_map_is_drawn_for_every_shipped_scenario_with_every_node_on_it() {
    let scenarios = shipped_scenarios();
    assert!(scenarios.len() >= 30, "{scenarios:?}");
    let dir = tempfile::tempdir().unwrap();
    for (k, scenario) in scenarios.iter().enumerate() {
        let out = dir.path().join(format!("out-{k}"));
        corridor()
            .args(["run", "-q", "-r", "1", "-j", "1", "--chart-size", "640x360"])
            .args([
                "--set",
                "scenario.horizon_days=10",
                "--set",
                "scenario.warmup_days=0",
            ])
            .arg("-o")
            .arg(&out)
            .arg(scenario)
            .assert()
            .success();
        let summary = summary_json(&out);
        let nodes: Vec<&str> = summary["summary"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect();
        let placed: Vec<&str> = summary["scenario"]["coordinates"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no coordinates", scenario.display()))
            .iter()
            .map(|c| c["node"].as_str().unwrap())
            .collect();
        assert_eq!(placed, nodes, "{}", scenario.display());
        let svg = std::fs::read_to_string(out.join("charts/corridor_map.svg"))
            .unwrap_or_else(|e| panic!("{}: no map: {e}", scenario.display()));
        // Every node is named on the map.
        for node in &nodes {
            assert!(
                svg.contains(&format!(">\n{node}\n</text>")),
                "{}: {node} is not on the map",
                scenario.display()
            );
        }
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains("<figure id=\"corridor_map\">"));
        assert!(!html.contains("corridor_map-skipped"));
    }
    for peer in ["corridor_a", "corridor_b"] {
        let out = dir.path().join(peer);
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("benches/peers/{peer}.toml"));
        corridor()
            .args(["run", "-q", "-r", "1", "-j", "1", "--chart-size", "640x360"])
            .args([
                "--set",
                "scenario.horizon_days=10",
                "--set",
                "scenario.warmup_days=0",
            ])
            .arg("-o")
            .arg(&out)
            .arg(&file)
            .assert()
            .success();
        assert!(!out.join("charts/corridor_map.svg").exists());
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(html.contains("The map was skipped: the scenario gives no coordinates"));
    }
}

/// A variant that adds a node without coordinates to a base that has them still runs, and its
/// map is skipped with a note naming the node, rather than drawn without it.
#[test]
fn a_map_with_a_node_without_coordinates_is_skipped_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("partial.toml");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/middle_corridor.toml");
    std::fs::write(
        &scenario,
        format!(
            "extends = {:?}\n[[node]]\nid = \"somewhere\"\nkind = \"yard\"\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    corridor()
        .args(["run", "-q", "-r", "1", "--chart-size", "640x360"])
        .args([
            "--set",
            "scenario.horizon_days=10",
            "--set",
            "scenario.warmup_days=0",
        ])
        .arg("-o")
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    assert!(!out.join("charts/corridor_map.svg").exists());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains(
            "<p class=\"skipped\" id=\"corridor_map-skipped\">The map was skipped: 1 of the 10 \
             nodes have no coordinates (lat and lon on [[node]]): somewhere.</p>"
        ),
        "{}",
        &html[html.find("<h2>Charts</h2>").unwrap()..][..400]
    );
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

/// One small-multiple panel of a chart read back from its SVG: the caption (the entity id), the
/// tick labels of both axes with their pixel positions, and the drawn marks in document order.
#[derive(Debug, Default)]
struct Panel {
    caption: String,
    /// (value, pixel y) of the y tick labels.
    y_ticks: Vec<(f64, f64)>,
    /// (value, pixel x) of the x tick labels.
    x_ticks: Vec<(f64, f64)>,
    /// Data polylines (stroke width 2, not the black axes): stroke colour and points.
    lines: Vec<(String, Vec<(f64, f64)>)>,
    /// Filled bars (opacity 0.75): x, y, width, height in pixels.
    bars: Vec<[f64; 4]>,
    /// Every other text in the panel (legends).
    texts: Vec<String>,
    /// Vertical two-point polylines of any stroke (markers, CI bars): x, y0, y1 in pixels.
    verticals: Vec<(f64, f64, f64)>,
}

/// A tick value as drawn ("1,500", "0.5").
fn tick_value(text: &str) -> Option<f64> {
    text.replace(',', "").parse().ok()
}

/// Splits the chart `svg` into panels, each starting at the caption naming one of `entities`.
fn read_panels(svg: &str, entities: &[String]) -> Vec<Panel> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let number = |node: &roxmltree::Node, attr: &str| -> f64 {
        node.attribute(attr)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let mut panels: Vec<Panel> = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        match node.tag_name().name() {
            "text" => {
                let text = node.text().unwrap_or("").trim().to_string();
                if entities.contains(&text) {
                    panels.push(Panel {
                        caption: text,
                        ..Panel::default()
                    });
                    continue;
                }
                let Some(panel) = panels.last_mut() else {
                    continue;
                };
                let anchor = node.attribute("text-anchor").unwrap_or("");
                match (anchor, node.attribute("dy"), tick_value(&text)) {
                    ("end", Some("0.5ex"), Some(v)) => panel.y_ticks.push((v, number(&node, "y"))),
                    ("middle", Some("0.76em"), Some(v)) => {
                        panel.x_ticks.push((v, number(&node, "x")))
                    }
                    _ => panel.texts.push(text),
                }
            }
            "polyline" => {
                let Some(panel) = panels.last_mut() else {
                    continue;
                };
                let stroke = node.attribute("stroke").unwrap_or("").to_string();
                let points: Vec<(f64, f64)> = node
                    .attribute("points")
                    .unwrap_or("")
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').expect("x,y");
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                if points.len() == 2 && points[0].0 == points[1].0 {
                    panel
                        .verticals
                        .push((points[0].0, points[0].1, points[1].1));
                }
                if node.attribute("stroke-width") != Some("2") || stroke == "#000000" {
                    continue;
                }
                panel.lines.push((stroke, points));
            }
            "rect" if node.attribute("opacity") == Some("0.75") => {
                if let Some(panel) = panels.last_mut() {
                    panel.bars.push([
                        number(&node, "x"),
                        number(&node, "y"),
                        number(&node, "width"),
                        number(&node, "height"),
                    ]);
                }
            }
            _ => {}
        }
    }
    panels
}

/// The linear map from pixels to values given by the first and last tick labels, and the value
/// of one pixel.
fn axis(ticks: &[(f64, f64)]) -> (impl Fn(f64) -> f64, f64) {
    assert!(ticks.len() >= 2, "an axis needs two tick labels: {ticks:?}");
    let (v0, p0) = ticks[0];
    let (v1, p1) = ticks[ticks.len() - 1];
    let per_pixel = (v1 - v0) / (p1 - p0);
    (move |p: f64| v0 + (p - p0) * per_pixel, per_pixel.abs())
}

fn summary_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn the_throughput_chart_draws_the_weekly_series_and_summary_totals() {
    let dir = shared_run();
    let summary = summary_json(dir);
    let warmup_days = summary["scenario"]["warmup_days"].as_f64().unwrap();
    let routes: Vec<String> = summary["summary"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let svg = std::fs::read_to_string(dir.join("charts/throughput.svg")).unwrap();
    let panels = read_panels(&svg, &routes);
    let mut weekly = csv::Reader::from_path(dir.join("throughput_weekly.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = weekly.records().map(|r| r.unwrap()).collect();
    let mut checked = 0;
    for route in &routes {
        let delivered = summary_kpi(&summary, "route", route, "delivered_teu")["estimate"]["mean"]
            .as_f64()
            .unwrap();
        // (week, days, mean TEU) of the route, from the file the chart is drawn from.
        let series: Vec<(f64, f64, f64)> = rows
            .iter()
            .filter(|r| &r[0] == route)
            .map(|r| {
                (
                    r[1].parse().unwrap(),
                    r[2].parse().unwrap(),
                    r[5].parse().unwrap(),
                )
            })
            .collect();
        // The window [warm-up, horizon) lies between the weeks that start at or after the
        // warm-up and those that end after it: the summary's total over the window is bracketed.
        let after: f64 = series
            .iter()
            .filter(|w| w.0 * 7.0 >= warmup_days)
            .map(|w| w.2)
            .sum();
        let touching: f64 = series
            .iter()
            .filter(|w| w.0 * 7.0 + w.1 > warmup_days)
            .map(|w| w.2)
            .sum();
        assert!(
            after <= delivered + 1e-6 && delivered <= touching + 1e-6,
            "{route}: weekly file {after}..{touching} TEU around the window, summary.json {delivered}"
        );
        let Some(panel) = panels.iter().find(|p| &p.caption == route) else {
            // A route without a panel delivered nothing, or the chart shows only the busiest
            // routes (at most 9 panels, the title says so).
            assert!(
                delivered == 0.0 || (panels.len() == 9 && svg.contains("busiest of")),
                "{route} delivered but has no panel ({} panels)",
                panels.len()
            );
            continue;
        };
        let (y_value, per_pixel_y) = axis(&panel.y_ticks);
        let (x_value, per_pixel_x) = axis(&panel.x_ticks);
        let (_, points) = panel
            .lines
            .iter()
            .find(|(stroke, _)| stroke != "#282828")
            .expect("the mean line");
        // A partial last week is not drawn (its total is not comparable).
        let full: Vec<(f64, f64, f64)> = series.iter().copied().filter(|w| w.1 == 7.0).collect();
        assert_eq!(points.len(), full.len(), "{route}: one point per full week");
        for ((x, y), (week, _, mean)) in points.iter().zip(&full) {
            // Pixels are whole numbers, as are the tick positions: one pixel of tolerance.
            let drawn = y_value(*y);
            assert!(
                (drawn - mean).abs() <= 1.5 * per_pixel_y,
                "{route} week {week}: drawn {drawn:.1} TEU, file {mean} (±{per_pixel_y:.1})"
            );
            assert!(
                (x_value(*x) - (week + 0.5)).abs() <= 1.5 * per_pixel_x,
                "{route} week {week} drawn at week {:.2}",
                x_value(*x)
            );
        }
        // And the drawn line against summary.json directly, with the pixel tolerance summed:
        // the drawn weeks after the warm-up hold at most the window's total, and those touching
        // the window, with the undrawn partial week, at least that total.
        let drawn = |keep: &dyn Fn(&(f64, f64, f64)) -> bool| -> f64 {
            points
                .iter()
                .zip(&full)
                .filter(|(_, w)| keep(w))
                .map(|((_, y), _)| y_value(*y))
                .sum()
        };
        let drawn_after = drawn(&|w| w.0 * 7.0 >= warmup_days);
        let drawn_touching = drawn(&|w| w.0 * 7.0 + w.1 > warmup_days);
        let undrawn: f64 = series.iter().filter(|w| w.1 < 7.0).map(|w| w.2).sum();
        let tolerance = 1.5 * per_pixel_y * full.len() as f64;
        assert!(
            drawn_after <= delivered + tolerance
                && delivered <= drawn_touching + undrawn + tolerance,
            "{route}: the drawn weeks hold {drawn_after:.0}..{:.0} TEU around the window, summary.json {delivered} TEU (±{tolerance:.0})",
            drawn_touching + undrawn
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} route panels");
}

#[test]
fn the_transit_chart_marks_the_pooled_percentiles_of_summary_json() {
    let dir = shared_run();
    let summary = summary_json(dir);
    let routes = summary["summary"]["routes"].as_array().unwrap();
    let ids: Vec<String> = routes
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let svg = std::fs::read_to_string(dir.join("charts/transit_time.svg")).unwrap();
    let panels = read_panels(&svg, &ids);
    let mut checked = 0;
    for route in routes {
        let id = route["id"].as_str().unwrap();
        let Some(p50) = route["transit_p50_pooled_h"].as_f64() else {
            continue;
        };
        let p95 = route["transit_p95_pooled_h"].as_f64().unwrap();
        let Some(panel) = panels.iter().find(|p| p.caption == id) else {
            // The chart shows at most 9 routes, the busiest, and its title says so.
            assert!(
                panels.len() == 9 && svg.contains("busiest of"),
                "no panel for {id} ({} panels)",
                panels.len()
            );
            continue;
        };
        let unit = if panel.texts.iter().any(|t| t.ends_with(" hours")) {
            1.0
        } else {
            24.0
        };
        let name = if unit == 1.0 { "hours" } else { "days" };
        // The legend states the values of summary.json, in the axis unit.
        for (label, hours) in [("p50", p50), ("p95", p95)] {
            let expected = format!("{label} = {:.1} {name}", hours / unit);
            assert!(
                panel.texts.contains(&expected),
                "{id}: no {expected:?} in {:?}",
                panel.texts
            );
        }
        // The markers stand where the values are on the x axis.
        let (x_value, per_pixel_x) = axis(&panel.x_ticks);
        let markers: Vec<f64> = panel
            .lines
            .iter()
            .filter(|(_, points)| points.len() == 2 && points[0].0 == points[1].0)
            .map(|(_, points)| x_value(points[0].0))
            .collect();
        for hours in [p50, p95] {
            assert!(
                markers
                    .iter()
                    .any(|m| (m - hours / unit).abs() <= 1.5 * per_pixel_x),
                "{id}: no marker at {:.2} {name}: {markers:?}",
                hours / unit
            );
        }
        // The bars hold the TEU shares: they add up to 100% (less the 0.2% outside the range,
        // one pixel per bar of rounding), and half of the drawn mass lies left of the median
        // (within the bar that holds it).
        let (y_value, per_pixel_y) = axis(&panel.y_ticks);
        let shares: Vec<(f64, f64, f64)> = panel
            .bars
            .iter()
            .map(|[x, y, w, h]| (x_value(*x), x_value(x + w), y_value(*y) - y_value(y + h)))
            .collect();
        let total: f64 = shares.iter().map(|s| s.2).sum();
        let tolerance = 1.5 * per_pixel_y * shares.len() as f64;
        assert!(
            (total - 100.0).abs() <= 0.2 + tolerance,
            "{id}: the bars add up to {total:.1}%"
        );
        let mut seen = 0.0;
        let median_bar = shares
            .iter()
            .find(|s| {
                seen += s.2;
                seen >= total / 2.0
            })
            .unwrap();
        let width = median_bar.1 - median_bar.0;
        assert!(
            median_bar.0 - width <= p50 / unit && p50 / unit <= median_bar.1 + width,
            "{id}: the drawn median bar {median_bar:?} does not hold p50 = {:.2}",
            p50 / unit
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} route panels");
}

#[test]
fn the_yearly_chart_draws_each_years_mean_and_ci_of_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    // Three calendar years, the last two with a higher arrival rate.
    let text = crate::common::single_node(
        0.5,
        1,
        "{ dist = \"exponential\", mean = 1.0 }",
        1095.0,
        0.0,
    )
    .replace("seed = 12345", "seed = 12345\nstart = \"2025-01-01\"")
        + "\n[[change]]\nid = \"more\"\nat = \"2026-01-01\"\nscale = { \"flow.f.teu_per_year\" = 1.4 }\n";
    let file = crate::common::scenario_file(dir.path(), "years.toml", &text);
    let out = dir.path().join("out");
    corridor()
        .args(["run", "-q", "-r", "5", "--chart-size", "960x540", "-o"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let summary = summary_json(&out);
    let yearly = summary["summary"]["yearly"].as_array().unwrap();
    assert_eq!(yearly.len(), 3);
    let svg = std::fs::read_to_string(out.join("charts/yearly.svg")).unwrap();
    let kpis = ["throughput_teu_per_day", "transit_mean_h", "transit_p95_h"];
    let captions: Vec<String> = kpis.iter().map(|k| format!("r: {k}")).collect();
    let panels = read_panels(&svg, &captions);
    assert_eq!(panels.len(), 3);
    for (panel, kpi) in panels.iter().zip(kpis) {
        let (x_value, per_pixel_x) = axis(&panel.x_ticks);
        let (y_value, per_pixel_y) = axis(&panel.y_ticks);
        let (_, points) = &panel.lines[0];
        assert_eq!(points.len(), 3, "{kpi}: one point per year");
        for (year, (x, y)) in yearly.iter().zip(points) {
            let estimate = &year["kpis"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["scope"] == "route" && k["kpi"] == kpi)
                .unwrap()["estimate"];
            let mean = estimate["mean"].as_f64().unwrap();
            let half = estimate["half_width"].as_f64().unwrap();
            assert!((x_value(*x) - year["year"].as_f64().unwrap()).abs() <= per_pixel_x);
            assert!(
                (y_value(*y) - mean).abs() <= 1.5 * per_pixel_y,
                "{kpi}: {} vs {mean}",
                y_value(*y)
            );
            // The CI bar of the year stands at the year and spans mean ± half-width (the
            // shortest vertical there that holds the mean: the grid line spans the panel, the
            // axis tick lies below it).
            let bar = panel
                .verticals
                .iter()
                .filter(|(bx, y0, y1)| {
                    (bx - x).abs() < 0.5 && y0.min(*y1) - 1.0 <= *y && *y <= y0.max(*y1) + 1.0
                })
                .min_by(|a, b| (a.1 - a.2).abs().total_cmp(&(b.1 - b.2).abs()))
                .unwrap_or_else(|| panic!("{kpi}: no CI bar at {x}"));
            let (low, high) = (y_value(bar.1.max(bar.2)), y_value(bar.1.min(bar.2)));
            assert!(
                (low - (mean - half).max(0.0)).abs() <= 1.5 * per_pixel_y,
                "{kpi} low"
            );
            assert!(
                (high - (mean + half)).abs() <= 1.5 * per_pixel_y,
                "{kpi} high"
            );
        }
    }
    // The arrival rate rises by 40% in 2026: the drawn throughput follows.
    let ratio = yearly[1]["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kpi"] == "throughput_teu_per_day")
        .unwrap()["estimate"]["mean"]
        .as_f64()
        .unwrap()
        / yearly[0]["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kpi"] == "throughput_teu_per_day")
            .unwrap()["estimate"]["mean"]
            .as_f64()
            .unwrap();
    assert!((ratio - 1.4).abs() < 0.05, "{ratio}");
    // In report.html, and the throughput chart marks the change.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("By calendar year: throughput and transit, by route"));
    let throughput = std::fs::read_to_string(out.join("charts/throughput.svg")).unwrap();
    assert!(throughput.contains("more (2026-01-01)"));
}

/// The compare chart read back from its SVG: one panel per kind of KPI (throughput, transit,
/// waits) with its own % axis, each bar drawn to the change in `compare.json` (to a pixel), and
/// beside it the difference in the KPI's own unit, as in `compare.json`.
#[test]
fn the_compare_chart_draws_each_kind_of_kpi_on_its_own_axis_with_differences_in_units() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    corridor()
        .args(["compare", "-q", "-r", "4", "-o"])
        .arg(&out)
        .arg(scenarios.join("middle_corridor.toml"))
        .arg(scenarios.join("aktau_modernization.toml"))
        .assert()
        .success();
    let comparison: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    let kpis = comparison["variants"][0]["kpis"].as_array().unwrap();
    // The drawn KPIs: headline, with a relative change, not identical in every replication.
    let drawn = |kpi: &serde_json::Value| {
        kpi["headline"].as_bool().unwrap()
            && kpi["change_pct"].is_object()
            && !(kpi["difference"]["mean"].as_f64() == Some(0.0)
                && kpi["difference"]["half_width"].as_f64() == Some(0.0))
    };
    // (panel title, KPI names in it in drawing order, unit).
    let kinds = [
        (
            "throughput, TEU/day",
            &["throughput_teu_per_day"][..],
            "TEU/day",
        ),
        (
            "transit time, h",
            &["transit_mean_h", "transit_p95_h"][..],
            "h",
        ),
        ("wait for a server, h", &["wait_mean_h"][..], "h"),
    ];
    let titles: Vec<String> = kinds.iter().map(|k| k.0.to_string()).collect();
    let svg = std::fs::read_to_string(out.join("charts/compare.svg")).unwrap();
    let panels = read_panels(&svg, &titles);
    assert_eq!(
        panels
            .iter()
            .map(|p| p.caption.as_str())
            .collect::<Vec<_>>(),
        titles,
        "one panel per kind, in order"
    );
    let mut scales = Vec::new();
    for ((title, names, unit), panel) in kinds.iter().zip(&panels) {
        let expected: Vec<&serde_json::Value> = names
            .iter()
            .flat_map(|name| kpis.iter().filter(move |k| k["kpi"] == *name && drawn(k)))
            .collect();
        assert!(!expected.is_empty(), "{title}: nothing to draw");
        assert_eq!(panel.bars.len(), expected.len(), "{title}: one bar per KPI");
        let (x_value, per_pixel) = axis(&panel.x_ticks);
        scales.push(per_pixel);
        // The value labels, in drawing order.
        let labels: Vec<&String> = panel.texts.iter().filter(|t| t.contains("% (")).collect();
        assert_eq!(labels.len(), expected.len(), "{title}: {:?}", panel.texts);
        for ((bar, kpi), label) in panel.bars.iter().zip(&expected).zip(labels) {
            let change = kpi["change_pct"]["mean"].as_f64().unwrap();
            let difference = kpi["difference"]["mean"].as_f64().unwrap();
            let [x, _, width, _] = *bar;
            // The bar runs from 0 to the change: its far end is the change.
            let end = if change < 0.0 { x } else { x + width };
            let name = format!("{}/{}", kpi["entity"], kpi["kpi"]);
            assert!(
                (x_value(end) - change).abs() <= 1.5 * per_pixel,
                "{name}: drawn {:.2}%, compare.json {change:.2}% (±{per_pixel:.2})",
                x_value(end)
            );
            // "-4.1% (-13.2 h)": the difference in the KPI's unit, rounded as printed.
            let inner = label
                .split_once("% (")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .unwrap();
            let number = inner.strip_suffix(unit).unwrap_or_else(|| {
                panic!("{name}: {label:?} does not end in {unit}");
            });
            let shown: f64 = number.trim().parse().unwrap();
            let rounding = if difference.abs() >= 100.0 { 0.5 } else { 0.05 };
            assert!(
                (shown - difference).abs() <= rounding,
                "{name}: label {label:?}, compare.json difference {difference}"
            );
        }
    }
    // Own axes: the Aktau wait's ~ -98% does not set the transit panel's scale.
    assert!(
        scales[1] * 2.0 < scales[2],
        "transit {} %/px, waits {} %/px",
        scales[1],
        scales[2]
    );
}
