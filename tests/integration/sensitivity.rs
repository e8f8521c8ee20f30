//! `corridor sensitivity`, `study::sensitivity` and `study::morris`: the Morris design's
//! properties, exact elementary effects on a model whose KPI is linear in its parameters,
//! one-at-a-time swings and their order, output files, thread independence and bad input.

use std::path::Path;

use corridor::experiment::{RunConfig, Runner};
use corridor::report::Provenance;
use corridor::scenario::{Assignment, Document};
use corridor::study::morris::MorrisDesign;
use corridor::study::sensitivity::{MorrisResults, OatResults, UncertainParameter, oat_points};
use corridor::study::sweep;
use proptest::prelude::*;

use crate::common::{corridor, file_names, single_node};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_trajectory_moves_every_parameter_once_by_delta_inside_the_cube(
        k in 1usize..9,
        r in 2u32..6,
        half_levels in 1u32..5,
        seed in any::<u64>(),
    ) {
        let levels = 2 * half_levels;
        let design = MorrisDesign::new(k, r, levels, seed).unwrap();
        let delta = f64::from(levels) / (2.0 * f64::from(levels - 1));
        prop_assert_eq!(design.trajectories.len(), r as usize);
        for t in &design.trajectories {
            prop_assert_eq!(t.points.len(), k + 1);
            let mut moved = t.moved.clone();
            moved.sort();
            prop_assert_eq!(moved, (0..k).collect::<Vec<_>>());
            for p in &t.points {
                prop_assert!(p.iter().all(|u| (0.0..=1.0).contains(u)), "{:?}", p);
            }
            for (j, &i) in t.moved.iter().enumerate() {
                for m in 0..k {
                    let step = t.points[j + 1][m] - t.points[j][m];
                    if m == i {
                        prop_assert!((step.abs() - delta).abs() < 1e-12, "step {}", step);
                    } else {
                        prop_assert_eq!(step, 0.0);
                    }
                }
            }
        }
        prop_assert_eq!(&design, &MorrisDesign::new(k, r, levels, seed).unwrap());
    }
}

#[test]
fn a_different_seed_draws_a_different_design() {
    let a = MorrisDesign::new(5, 10, 4, 1).unwrap();
    let b = MorrisDesign::new(5, 10, 4, 2).unwrap();
    assert_ne!(a.trajectories, b.trajectories);
}

/// Two pure-delay nodes in a row (no servers, constant times) and a leg between them: every
/// TEU's transit time is exactly `a + 3 + b` hours, linear in `a` and `b` and independent of the
/// volume.
const LINEAR: &str = r#"
[scenario]
name = "linear"
horizon_days = 20
warmup_days = 2
seed = 5
replications = 3

[[node]]
id = "a"
kind = "terminal"
service = { dist = "constant", value = 2.0 }

[[node]]
id = "b"
kind = "terminal"
service = { dist = "constant", value = 1.0 }

[[leg]]
from = "a"
to = "b"
mode = "rail"
transit = 3.0

[[route]]
id = "r"
nodes = ["a", "b"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 5000
"#;

fn parameter(path: &str, low: f64, high: f64, name: &str) -> UncertainParameter {
    UncertainParameter {
        path: path.to_string(),
        low,
        high,
        scale: false,
        name: Some(name.to_string()),
    }
}

fn linear_parameters() -> Vec<UncertainParameter> {
    vec![
        parameter("node.b.service.value", 1.0, 1.5, "small"),
        parameter("flow.f.teu_per_year", 3000.0, 9000.0, "none"),
        parameter("node.a.service.value", 1.0, 11.0, "dominant"),
    ]
}

/// The model of `doc` with parameter `i` at `values[i]` where given.
fn variant(
    doc: &Document,
    parameters: &[UncertainParameter],
    values: &[(usize, f64)],
) -> Result<corridor::model::Model, corridor::scenario::ScenarioError> {
    let mut d = doc.clone();
    for &(i, v) in values {
        d.apply(&Assignment {
            path: parameters[i].path.clone(),
            change: parameters[i].change(v),
        })?;
    }
    Ok(d.compile()?.model)
}

#[test]
fn morris_ranks_the_planted_parameter_first_with_the_exact_effects() {
    let doc = Document::parse(LINEAR, "linear.toml").unwrap();
    let parameters = linear_parameters();
    let design = MorrisDesign::new(parameters.len(), 6, 4, 11).unwrap();
    let points = design.points();
    let config = RunConfig {
        replications: 3,
        seed: 5,
    };
    let samples = sweep::run_points(
        &points,
        |unit| {
            let values: Vec<(usize, f64)> = unit
                .iter()
                .enumerate()
                .map(|(i, &u)| (i, parameters[i].at(u)))
                .collect();
            variant(&doc, &parameters, &values)
        },
        &Runner::new(2).unwrap(),
        config,
    )
    .unwrap();
    let kpi = "route/r/transit_mean_h".to_string();
    let results = MorrisResults::new(
        provenance(),
        parameters,
        design,
        vec![kpi.clone()],
        &samples,
    );
    let ranked: Vec<_> = results.ranked(&kpi).collect();
    // EE = slope x range: 1 h per hour of a's time x 10 h; 1 x 0.5 h for b; nothing for volume.
    let expected = [(2, 10.0), (0, 0.5), (1, 0.0)];
    for (row, (parameter, ee)) in ranked.iter().zip(expected) {
        assert_eq!(row.parameter, parameter, "{ranked:?}");
        assert_eq!(row.index.effects, 6);
        let (mu, mu_star, sigma) = (
            row.index.mu.unwrap(),
            row.index.mu_star.unwrap(),
            row.index.sigma.unwrap(),
        );
        assert!((mu - ee).abs() < 1e-9, "mu {mu} vs {ee}");
        assert!((mu_star - ee).abs() < 1e-9, "mu* {mu_star} vs {ee}");
        assert!(sigma < 1e-9, "sigma {sigma}");
    }
    // The design file has one row per point, with the actual values.
    let csv = String::from_utf8(results.design_csv()).unwrap();
    assert_eq!(csv.lines().count(), 1 + 6 * 4);
    assert!(csv.lines().next().unwrap().starts_with(
        "trajectory,step,moved,u:small,u:none,u:dominant,node.b.service.value,flow.f.teu_per_year,node.a.service.value,seed,replications"
    ));
}

#[test]
fn one_at_a_time_swings_have_the_right_signs_and_order() {
    // M/M/c at 1.5 TEU/h: 2 to 4 servers cuts the wait a lot (Erlang C: 1.29 h to 0.03 h);
    // the volume's range moves it less; the second node's time does not touch the wait at all.
    let text = single_node(
        1.5,
        3,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        120.0,
        10.0,
    );
    let doc = Document::parse(&text, "mmc.toml").unwrap();
    let parameters = vec![
        parameter("flow.f.teu_per_year", 11000.0, 14000.0, "volume"),
        parameter("node.station.servers", 2.0, 4.0, "servers"),
    ];
    let points = oat_points(parameters.len());
    let samples = sweep::run_points(
        &points,
        |p| match p.moved {
            None => variant(&doc, &parameters, &[]),
            Some((i, high)) => {
                let v = if high {
                    parameters[i].high
                } else {
                    parameters[i].low
                };
                variant(&doc, &parameters, &[(i, v)])
            }
        },
        &Runner::new(2).unwrap(),
        RunConfig {
            replications: 10,
            seed: 8,
        },
    )
    .unwrap();
    let kpi = "node/station/wait_mean_h".to_string();
    let results = OatResults::new(provenance(), parameters, vec![kpi.clone()], &samples);
    let rows: Vec<_> = results.ranked(&kpi).collect();
    assert_eq!(rows[0].parameter, 1, "servers swing most: {rows:?}");
    let servers = rows[0].swing.unwrap();
    assert!(servers.ci95_high.unwrap() < 0.0, "more servers, less wait");
    let volume = rows[1].swing.unwrap();
    assert!(volume.ci95_low.unwrap() > 0.0, "more volume, more wait");
    assert!(servers.mean.abs() > volume.mean.abs());
    assert_eq!((rows[0].rank, rows[1].rank), (1, 2));
    // Base in the middle of the servers' low and high results.
    let base = results.base[0].unwrap().mean;
    assert!(rows[0].low.unwrap().mean > base && base > rows[0].high.unwrap().mean);
}

const UNCERTAIN: &str = r#"
[[uncertain]]
path = "node.station.servers"
low = 3
high = 6
name = "servers"

[[uncertain]]
path = "node.station.service"
low = 0.8
high = 1.2
scale = true
"#;

fn small(extra: &str) -> String {
    format!(
        "{}\n{extra}",
        single_node(2.0, 3, r#"{ dist = "exponential", mean = 1.0 }"#, 30.0, 2.0)
    )
}

fn sensitivity(scenario: &Path, out: &Path, threads: &str) {
    corridor()
        .arg("sensitivity")
        .arg(scenario)
        .args([
            "-r",
            "3",
            "--trajectories",
            "3",
            "--kpi",
            "node/station/wait_mean_h",
            "--chart-size",
            "640x360",
            "-q",
            "-j",
            threads,
            "-o",
        ])
        .arg(out)
        .assert()
        .success()
        .stdout("");
}

#[test]
fn sensitivity_writes_every_file_and_threads_do_not_change_them() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = crate::common::scenario_file(dir.path(), "scenario.toml", &small(UNCERTAIN));
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    sensitivity(&scenario, &one, "1");
    sensitivity(&scenario, &two, "2");
    assert_eq!(
        file_names(&one),
        [
            "charts",
            "morris.csv",
            "morris.json",
            "morris_design.csv",
            "oat.csv",
            "oat.json"
        ]
        .map(String::from)
    );
    let charts = file_names(&one.join("charts"));
    assert_eq!(
        charts,
        [
            "morris_node_station_wait_mean_h.png",
            "morris_node_station_wait_mean_h.svg",
            "tornado_node_station_wait_mean_h.png",
            "tornado_node_station_wait_mean_h.svg"
        ]
        .map(String::from)
    );
    for name in ["oat.csv", "morris.csv", "morris_design.csv"]
        .into_iter()
        .map(String::from)
        .chain(charts.iter().map(|c| format!("charts/{c}")))
    {
        assert!(
            std::fs::read(one.join(&name)).unwrap() == std::fs::read(two.join(&name)).unwrap(),
            "{name} differs between 1 and 2 threads"
        );
    }
    for name in ["oat.json", "morris.json"] {
        let json = |out: &Path| crate::common::json_without(&out.join(name), &["command_line"]);
        assert_eq!(json(&one), json(&two), "{name}");
    }
    let oat = std::fs::read_to_string(one.join("oat.csv")).unwrap();
    let lines: Vec<&str> = oat.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        oat.contains(
            "\nnode/station/wait_mean_h,1,node.station.service,node.station.service,true,0.8,1.2,"
        ) && oat.contains("\nnode/station/wait_mean_h,2,servers,node.station.servers,false,3,6,"),
        "{oat}"
    );
    // Design: 3 trajectories of 3 points; the servers column holds whole numbers (3 to 6 in
    // steps of 1 on the 4-level grid).
    let design = std::fs::read_to_string(one.join("morris_design.csv")).unwrap();
    assert_eq!(design.lines().count(), 1 + 3 * 3);
    for line in design.lines().skip(1) {
        let servers: f64 = line.split(',').nth(5).unwrap().parse().unwrap();
        assert_eq!(servers, servers.round(), "{line}");
    }
}

#[test]
fn bad_sensitivity_input_is_refused_before_anything_is_written() {
    crate::common::refused(
        "sensitivity",
        &small(""),
        &[],
        &["no [[uncertain]] entries"],
        1,
    );
    crate::common::refused(
        "sensitivity",
        &small(UNCERTAIN),
        &["--kpi", "node/station/wait_man_h"],
        &[
            "unknown KPI node/station/wait_man_h",
            "node/station/wait_mean_h",
        ],
        1,
    );
    crate::common::refused(
        "sensitivity",
        &small(UNCERTAIN),
        &["--levels", "3"],
        &["--levels must be an even number"],
        1,
    );
    crate::common::refused(
        "sensitivity",
        &small(UNCERTAIN),
        &["--trajectories", "1"],
        &["--trajectories"],
        2,
    );
    crate::common::refused(
        "sensitivity",
        &small(UNCERTAIN),
        &["--method", "sobol"],
        &["oat", "morris"],
        2,
    );
    // With 6 levels a count range of 3 falls between whole numbers: the variant is refused.
    crate::common::refused(
        "sensitivity",
        &small(UNCERTAIN),
        &["--levels", "6"],
        &["set node.station.servers = ", "expected a whole number"],
        1,
    );
}

/// The provenance of a study result built in a test.
fn provenance() -> Provenance {
    Provenance::new(
        "test.toml",
        "",
        corridor::experiment::RunConfig {
            seed: 1,
            replications: 1,
        },
        Vec::new(),
    )
}
