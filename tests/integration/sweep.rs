//! `corridor sweep` and `study::sweep`: the Erlang C curve, output files, thread independence,
//! and bad input.

use std::path::Path;

use corridor::experiment::{RunConfig, Runner};
use corridor::scenario::{Change, Document};
use corridor::study::sweep;

use crate::common::{assert_in_ci, corridor, erlang_c_wait, file_names, single_node};

#[test]
fn erlang_c_formula_matches_known_values() {
    // M/M/1: Wq = rho / (mu - lambda); M/M/2 with a = 1: C = 1/3, Wq = 1/3.
    assert!((erlang_c_wait(0.5, 1.0, 1) - 1.0).abs() < 1e-12);
    assert!((erlang_c_wait(1.0, 1.0, 2) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn sweeping_servers_reproduces_the_erlang_c_curve() {
    let lambda = 3.0;
    let text = single_node(
        lambda,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        220.0,
        20.0,
    );
    let doc = Document::parse(&text, "mmc.toml").unwrap();
    let servers = [4.0, 5.0, 6.0];
    let points: Vec<f64> = servers.to_vec();
    let runner = Runner::new(2).unwrap();
    let config = RunConfig {
        replications: 20,
        seed: 2024,
    };
    let samples = sweep::run_points(
        &points,
        |&c| {
            doc.with("node.station.servers", Change::Set(c))?
                .compile()
                .map(|l| l.model)
        },
        &runner,
        config,
    )
    .unwrap();
    let mut previous = f64::INFINITY;
    for (&c, sample) in servers.iter().zip(&samples) {
        let column = sample.column("node/station/wait_mean_h").unwrap();
        let waits: Vec<f64> = sample.values(column).map(Option::unwrap).collect();
        let exact = erlang_c_wait(lambda, 1.0, c as u32);
        assert_in_ci(&format!("M/M/{c} mean wait"), &waits, exact);
        assert!(exact < previous);
        previous = exact;
    }
}

/// A small scenario with a node whose servers a sweep can vary.
fn small_scenario(extra: &str) -> String {
    format!(
        "{}\n{extra}",
        single_node(2.0, 3, r#"{ dist = "exponential", mean = 1.0 }"#, 30.0, 2.0)
    )
}

const SWEEP_SECTION: &str = r#"
[sweep]
kpis = ["node/station/wait_mean_h", "route/r/transit_mean_h"]

[[sweep.param]]
path = "node.station.servers"
values = [3, 4, 5]
"#;

#[test]
fn one_parameter_sweep_writes_tidy_csv_json_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        crate::common::scenario_file(dir.path(), "scenario.toml", &small_scenario(SWEEP_SECTION));
    let out = dir.path().join("out");
    corridor()
        .arg("sweep")
        .arg(&scenario)
        .args(["-r", "3", "-j", "2", "--chart-size", "640x360", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        file_names(&out),
        ["charts", "sweep.csv", "sweep.json"].map(String::from)
    );
    assert_eq!(
        file_names(&out.join("charts")),
        ["sweep.png", "sweep.svg"].map(String::from)
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "point,node.station.servers,kpi,n,mean,sd,ci95_low,ci95_high"
    );
    assert_eq!(lines.len(), 1 + 3 * 2, "{csv}");
    assert!(lines[1].starts_with("0,3,node/station/wait_mean_h,3,"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["provenance"]["replications"], 3);
    assert_eq!(json["provenance"]["seed"], 12345);
    assert_eq!(
        json["provenance"]["scenario_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert_eq!(json["design"]["params"][0]["values"][2], 5.0);
    assert_eq!(json["rows"].as_array().unwrap().len(), 6);
    // More servers, less waiting (common random numbers make this hold point by point).
    let waits: Vec<f64> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kpi"] == "node/station/wait_mean_h")
        .map(|r| r["stat"]["mean"].as_f64().unwrap())
        .collect();
    assert!(waits[0] > waits[1] && waits[1] > waits[2], "{waits:?}");
}

#[test]
fn flags_override_the_sweep_section_and_two_parameters_give_heat_maps() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        crate::common::scenario_file(dir.path(), "scenario.toml", &small_scenario(SWEEP_SECTION));
    let out = dir.path().join("out");
    corridor()
        .arg("sweep")
        .arg(&scenario)
        .args([
            "--param",
            "node.station.servers=3,4",
            "--scale",
            "node.station.service=0.5,1,1.5",
            "--kpi",
            "route/r/transit_mean_h",
            "-r",
            "2",
            "--chart-size",
            "640x360",
            "-q",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        file_names(&out.join("charts")),
        [
            "sweep_route_r_transit_mean_h.png",
            "sweep_route_r_transit_mean_h.svg"
        ]
        .map(String::from)
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "point,node.station.servers,node.station.service_scale,kpi,n,mean,sd,ci95_low,ci95_high"
    );
    assert_eq!(lines.len(), 1 + 2 * 3);
    assert!(lines[2].starts_with("1,3,1,route/r/transit_mean_h,2,"));
}

#[test]
fn one_and_two_threads_write_identical_sweep_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario =
        crate::common::scenario_file(dir.path(), "scenario.toml", &small_scenario(SWEEP_SECTION));
    let outs: Vec<_> = ["1", "2"]
        .iter()
        .map(|threads| {
            let out = dir.path().join(format!("out{threads}"));
            corridor()
                .arg("sweep")
                .arg(&scenario)
                .args([
                    "-r",
                    "4",
                    "-q",
                    "--chart-size",
                    "640x360",
                    "-j",
                    threads,
                    "-o",
                ])
                .arg(&out)
                .assert()
                .success();
            out
        })
        .collect();
    for name in ["sweep.csv", "charts/sweep.svg", "charts/sweep.png"] {
        assert!(
            std::fs::read(outs[0].join(name)).unwrap()
                == std::fs::read(outs[1].join(name)).unwrap(),
            "{name} differs between 1 and 2 threads"
        );
    }
    let json = |out: &Path| crate::common::json_without(&out.join("sweep.json"), &["command_line"]);
    assert_eq!(json(&outs[0]), json(&outs[1]));
}

#[test]
fn bad_sweeps_are_refused_before_anything_is_written() {
    let plain = small_scenario("");
    crate::common::refused(
        "sweep",
        &plain,
        &[],
        &["nothing to sweep", "--param PATH=v1,v2"],
        1,
    );
    crate::common::refused(
        "sweep",
        &plain,
        &[
            "--param",
            "node.station.servers=3,4",
            "--scale",
            "node.station.service=1,2",
            "--scale",
            "flow.f.teu_per_year=1,2",
        ],
        &["one parameter (a curve) or two (a grid), not 3"],
        1,
    );
    crate::common::refused(
        "sweep",
        &small_scenario(SWEEP_SECTION),
        &["--kpi", "route/r/transit_men_h"],
        &[
            "unknown KPI route/r/transit_men_h",
            "the nearest are: route/r/transit_mean_h",
            "in --kpi",
        ],
        1,
    );
    crate::common::refused(
        "sweep",
        &small_scenario(&SWEEP_SECTION.replace("wait_mean_h", "wait_mean")),
        &[],
        &["scenario.toml: [sweep] kpis: unknown KPI node/station/wait_mean;"],
        1,
    );
    crate::common::refused(
        "sweep",
        &plain,
        &["--param", "node.station.servers="],
        &["no values after node.station.servers="],
        2,
    );
    crate::common::refused(
        "sweep",
        &plain,
        &["--param", "node.station.servers=3,x"],
        &["\"x\" is not a finite number"],
        2,
    );
    crate::common::refused(
        "sweep",
        &plain,
        &["--param", "node.statin.servers=3,4"],
        &["unknown parameter path", "node.station.servers"],
        1,
    );
    crate::common::refused(
        "sweep",
        &plain,
        &["--param", "scenario.seed=1,2"],
        &["scenario.seed cannot be varied in a study", "--seed"],
        1,
    );
    // A value that breaks a scenario rule names the point and the override.
    crate::common::refused(
        "sweep",
        &plain,
        &["--param", "node.station.servers=2,0"],
        &[
            "sweep point node.station.servers = 0",
            "set node.station.servers = 0",
        ],
        1,
    );
}

#[test]
fn storms_scaled_to_nothing_never_close_the_port() {
    // A sweep's factor 0 on monthly storm rates: the disruption stays in the model (its target
    // columns exist) but never starts; factor 1 does close the port.
    let text = format!(
        "{}\n{}",
        single_node(
            1.0,
            2,
            r#"{ dist = "exponential", mean = 1.0 }"#,
            120.0,
            5.0
        ),
        r#"
[[disruption]]
id = "storm"
nodes = ["station"]
monthly_rates = [3, 3, 2, 2, 1, 1, 1, 1, 2, 2, 3, 3]
duration = { dist = "exponential", mean = 24 }
"#
    );
    let doc = Document::parse(&text, "storms.toml").unwrap();
    let samples = sweep::run_points(
        &[0.0, 1.0],
        |&f| {
            doc.with("disruption.storm.monthly_rates", Change::Scale(f))?
                .compile()
                .map(|l| l.model)
        },
        &Runner::new(2).unwrap(),
        RunConfig {
            replications: 4,
            seed: 1,
        },
    )
    .unwrap();
    let closed = |i: usize| {
        let s = &samples[i];
        let c = s.column("target/station/closed_h").unwrap();
        s.values(c).map(Option::unwrap).sum::<f64>()
    };
    assert_eq!(closed(0), 0.0);
    assert!(closed(1) > 0.0);
}
