//! Helpers shared by the integration tests.

use corridor::engine::Simulation;
use corridor::model::Model;
use corridor::scenario;
use corridor::stats::ReplicationStats;

/// The Kazakh-section scenario (`scenarios/middle_corridor.toml`, the Chinese border to Alat),
/// which the tests that rely on its structure use (the built-in default is the whole corridor).
pub const MIDDLE_TEXT: &str = include_str!("../../scenarios/middle_corridor.toml");

/// The file name tests give [`MIDDLE_TEXT`].
const MIDDLE_FILE: &str = "middle_corridor.toml";

/// [`MIDDLE_TEXT`] compiled.
pub fn middle() -> scenario::LoadedScenario {
    scenario::from_str(MIDDLE_TEXT, MIDDLE_FILE).expect("middle_corridor.toml is valid")
}

/// [`MIDDLE_TEXT`] as a document, ready for parameter overrides.
pub fn middle_document() -> scenario::Document {
    scenario::Document::parse(MIDDLE_TEXT, MIDDLE_FILE)
        .expect("middle_corridor.toml extends nothing")
}

/// Compiles scenario text, panicking with the diagnostics if it is invalid.
pub fn model(text: &str) -> Model {
    match scenario::from_str(text, "test.toml") {
        Ok(loaded) => loaded.model,
        Err(err) => panic!("test scenario is invalid:\n{err}"),
    }
}

/// The seed a test runs with: `default` (the scenario's or the test's fixed seed), unless the
/// environment variable `CORRIDOR_TEST_SEED` is set to a number `s`, which moves every test to
/// another, equally fixed seed (`s = 0` is the default). `tests/seeds.sh` runs the statistical
/// tests with 30 such seeds; a statistical test must pass for each.
pub fn test_seed(default: u64) -> u64 {
    match std::env::var("CORRIDOR_TEST_SEED") {
        Ok(text) => {
            let s: u64 = text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("CORRIDOR_TEST_SEED={text:?} is not a whole number"));
            default.wrapping_add(s.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        }
        Err(_) => default,
    }
}

/// Runs replications `0..n` of `model` with the scenario's seed (see [`test_seed`]).
pub fn replications(model: &Model, n: u64) -> Vec<ReplicationStats> {
    let mut sim = Simulation::new(model);
    let seed = test_seed(model.settings.seed);
    (0..n).map(|r| sim.run(seed, r)).collect()
}

/// The two-sided Student-t critical value for `confidence` with `df` degrees of freedom, computed
/// here from `statrs` directly, so that the tests' intervals do not move with a bug in the
/// production `base::estimate::t_critical` they also check (see `t_quantiles_match_the_table`).
pub fn t_quantile(confidence: f64, df: u64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    assert!(df >= 1 && confidence > 0.0 && confidence < 1.0);
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("a valid t distribution")
        .inverse_cdf(0.5 + confidence / 2.0)
}

/// Mean and two-sided confidence-interval half-width (Student t) of independent values.
pub fn mean_and_half_width(values: &[f64], confidence: f64) -> (f64, f64) {
    let n = values.len();
    assert!(n >= 2, "need at least two replications");
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half_width = t_quantile(confidence, (n - 1) as u64) * (var / n as f64).sqrt();
    (mean, half_width)
}

#[test]
fn t_quantiles_match_the_table() {
    // Two-sided critical values from a printed table (Abramowitz and Stegun, table 26.10).
    for (confidence, df, table) in [
        (0.95, 1, 12.706),
        (0.95, 19, 2.093),
        (0.99, 19, 2.861),
        (0.99, 39, 2.708),
        (0.999, 19, 3.883),
        (0.95, 120, 1.980),
    ] {
        let t = t_quantile(confidence, df);
        assert!(
            (t - table).abs() < 1e-3,
            "t({confidence}, {df}) = {t}, table {table}"
        );
        // The production value agrees (it is what summary.json reports).
        let production = corridor::base::estimate::t_critical(confidence, df);
        assert!(
            (production - table).abs() < 1e-3,
            "production t({confidence}, {df}) = {production}, table {table}"
        );
    }
}

/// The confidence of each statistical assertion of the tests: 99.9%. The suite makes about 20
/// such assertions, and `tests/seeds.sh` runs them with 30 seeds (600 checks): at 99% a correct
/// engine would fail about 6 of them, at 99.9% about one run in two has one failure; each
/// failure is reproducible and its t statistic tells how unlikely it is.
pub const CONFIDENCE: f64 = 0.999;

/// Asserts that `exact` lies in the confidence interval (level [`CONFIDENCE`]) of the mean of
/// `values`.
///
/// With independent replications the interval covers the true mean with probability
/// [`CONFIDENCE`]; the seeds are fixed, so the outcome is reproducible, and a failure means the
/// engine (or the formula) is wrong with that confidence.
pub fn assert_in_ci(what: &str, values: &[f64], exact: f64) {
    let (mean, half_width) = mean_and_half_width(values, CONFIDENCE);
    eprintln!("{what}: simulated {mean:.4} ± {half_width:.4}, exact {exact:.4}");
    assert!(
        (mean - exact).abs() <= half_width,
        "{what}: simulated {mean:.4} ± {half_width:.4} ({}% CI, {} replications) does not cover the exact {exact:.4}",
        CONFIDENCE * 100.0,
        values.len()
    );
    // The interval must also be informative: a test whose interval is wider than the value it
    // checks could not fail. (Judged on the 99% interval, the standard the tests were designed
    // to: the wider 99.9% one tests coverage only.)
    let (_, half_width_99) = mean_and_half_width(values, 0.99);
    assert!(
        half_width_99 < 0.1 * exact.abs().max(1e-9),
        "{what}: 99% confidence interval ±{half_width_99:.4} is too wide to test {exact:.4}; run longer"
    );
}

/// A single-node scenario: Poisson containers at `lambda_per_h` into `servers` servers.
pub fn single_node(
    lambda_per_h: f64,
    servers: u32,
    service: &str,
    horizon_days: f64,
    warmup_days: f64,
) -> String {
    format!(
        r#"
[scenario]
name = "single"
horizon_days = {horizon_days}
warmup_days = {warmup_days}
seed = 12345

[[node]]
id = "station"
kind = "terminal"
servers = {servers}
service = {service}

[[route]]
id = "r"
nodes = ["station"]

[[flow]]
id = "f"
route = "r"
teu_per_year = {teu}
"#,
        teu = lambda_per_h * 8760.0
    )
}

/// The `corridor` binary.
pub fn corridor() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("corridor").expect("binary builds")
}

/// The result JSON file `path` without the `fields` of its provenance that describe the invocation
/// (each must be there), for comparing files of runs invoked differently.
pub fn json_without(path: &std::path::Path, fields: &[&str]) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("a JSON result file");
    let provenance = json["provenance"].as_object_mut().expect("a provenance");
    for field in fields {
        assert!(
            provenance.remove(*field).is_some(),
            "no {field} in {}",
            path.display()
        );
    }
    json
}

/// `summary.json` of `dir` without the fields that describe the invocation (command line, wall
/// time), pretty-printed.
pub fn normalized_summary(dir: &std::path::Path) -> String {
    let json = json_without(&dir.join("summary.json"), &["command_line", "wall_time_s"]);
    serde_json::to_string_pretty(&json).unwrap()
}

/// The file names in `dir`, sorted.
pub fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Asserts that two result directories hold the same files with the same bytes (charts included),
/// except for the command line and wall time in `summary.json` and `report.html`.
pub fn assert_same_results(a: &std::path::Path, b: &std::path::Path) {
    let names = file_names(a);
    assert_eq!(names, file_names(b), "{} vs {}", a.display(), b.display());
    assert!(names.contains(&"summary.json".to_string()) || a.ends_with("charts"));
    for name in &names {
        if a.join(name).is_dir() {
            assert_same_results(&a.join(name), &b.join(name));
        } else if name == "report.html" {
            // It shows the command line and the wall time; its tables come from summary.json
            // and its charts are the SVG files compared here.
        } else if name == "summary.json" {
            assert_eq!(
                normalized_summary(a),
                normalized_summary(b),
                "summary.json differs"
            );
        } else {
            let (x, y) = (
                std::fs::read(a.join(name)).unwrap(),
                std::fs::read(b.join(name)).unwrap(),
            );
            assert!(
                x == y,
                "{name} differs between {} and {}",
                a.display(),
                b.display()
            );
        }
    }
}

/// Writes scenario `text` to `dir/name` and returns the path.
pub fn scenario_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `corridor <command> <scenario_text as a file> <args> -o <out>`; asserts it exits with
/// `code`, that stderr holds every one of `expected`, and that no output directory was created.
pub fn refused(command: &str, scenario_text: &str, args: &[&str], expected: &[&str], code: i32) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_file(dir.path(), "scenario.toml", scenario_text);
    let out = dir.path().join("out");
    let assert = corridor()
        .arg(command)
        .arg(&scenario)
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(code);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for text in expected {
        assert!(stderr.contains(text), "expected {text:?} in:\n{stderr}");
    }
    assert!(!out.exists(), "nothing may be written on bad input");
}

/// Erlang C: mean wait in queue of an M/M/c queue with arrival rate `lambda` and service rate
/// `mu` per server (Kleinrock, *Queueing Systems* vol. 1, eq. 3.40).
pub fn erlang_c_wait(lambda: f64, mu: f64, c: u32) -> f64 {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    assert!(rho < 1.0);
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / f64::from(k);
        }
        sum += term;
    }
    let last = term * a / f64::from(c) / (1.0 - rho);
    let p_wait = last / (sum + last);
    p_wait / (f64::from(c) * mu - lambda)
}

/// The entry of KPI `kpi` of `entity` in `scope` in a `summary.json` (`summary.kpis`, where each
/// estimate is kept once).
pub fn summary_kpi<'a>(
    json: &'a serde_json::Value,
    scope: &str,
    entity: &str,
    kpi: &str,
) -> &'a serde_json::Value {
    json["summary"]["kpis"]
        .as_array()
        .expect("summary.kpis is a list")
        .iter()
        .find(|k| k["scope"] == scope && k["entity"] == entity && k["kpi"] == kpi)
        .unwrap_or_else(|| panic!("summary.json has no {scope}/{entity}/{kpi}"))
}
