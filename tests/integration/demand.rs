//! `corridor compare --demand` and `sweep --demand`: scenarios across demand levels. On an M/M/c
//! station the saturation bracket holds c·μ, the saturated station delivers c·μ, a variant with
//! twice the servers starts to matter exactly at the first level beyond the base's capacity, a
//! sweep over the same levels gives the same numbers, and bad levels or flows are refused before
//! anything runs.

use crate::common::{corridor, refused, scenario_file, single_node};

/// An M/M/`servers` station (service 1 h, so c·μ = 8760 `servers` TEU a year) offered
/// 4380 TEU a year (ρ = 0.5 for one server), with a 10-day warm-up (`compare --demand` runs it
/// for whole years after it).
fn station(servers: u32) -> String {
    single_node(
        0.5,
        servers,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        70.0,
        10.0,
    )
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_station_saturates_between_the_levels_around_its_capacity_and_a_bigger_one_matters_beyond() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_file(dir.path(), "one.toml", &station(1));
    let two = scenario_file(dir.path(), "two.toml", &station(2));
    let out = dir.path().join("out");
    let assert = corridor()
        .args([
            "compare",
            "-r",
            "10",
            "--demand",
            "2.5,1,1.5",
            "--years",
            "1",
            "--no-charts",
        ])
        .arg(&base)
        .arg(&two)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let result = json(&out.join("demand.json"));

    // Levels in increasing order; each scenario offers level × 4380 TEU a year.
    let levels = result["levels"].as_array().unwrap();
    let scales: Vec<f64> = levels
        .iter()
        .map(|l| l["level"].as_f64().unwrap())
        .collect();
    assert_eq!(scales, [1.0, 1.5, 2.5]);
    for level in levels {
        for d in level["delivery"].as_array().unwrap() {
            let offered = d["offered_teu_per_year"].as_f64().unwrap();
            let want = 4380.0 * level["level"].as_f64().unwrap();
            assert!(
                (offered - want).abs() < 1e-6,
                "offered {offered}, want {want}"
            );
        }
    }
    // One server: ρ = 0.5, 0.75 stable, 1.25 not; the bracket [6570, 10950] TEU a year holds
    // c·μ = 8760. Two servers: stable at every level (ρ ≤ 0.625).
    let one = &result["saturation"][0];
    assert_eq!(one["stable_up_to"]["level"].as_f64(), Some(1.5), "{one}");
    assert_eq!(one["unstable_from"]["level"].as_f64(), Some(2.5), "{one}");
    let low = one["stable_up_to"]["offered_teu_per_year"]
        .as_f64()
        .unwrap();
    let high = one["unstable_from"]["offered_teu_per_year"]
        .as_f64()
        .unwrap();
    assert!(low < 8760.0 && 8760.0 < high);
    let two_sat = &result["saturation"][1];
    assert!(two_sat["unstable_from"].is_null(), "{two_sat}");
    assert_eq!(two_sat["stable_up_to"]["level"].as_f64(), Some(2.5));

    // Saturated, the one server works without a break after the warm-up's backlog: it delivers
    // μ = 8760 TEU a year (a Poisson count of that mean in the one-year window), within 3.3
    // standard errors (99.9%).
    let saturated = &levels[2]["delivery"][0];
    let delivered = &saturated["delivered_teu_per_year"];
    let (mean, sd, n) = (
        delivered["mean"].as_f64().unwrap(),
        delivered["sd"].as_f64().unwrap(),
        delivered["n"].as_f64().unwrap(),
    );
    assert!(
        (mean - 8760.0).abs() <= 3.3 * sd / n.sqrt(),
        "saturated throughput {mean} ± {sd}/√{n} against μ = 8760 TEU a year"
    );
    // Its shortfall is about 1 − 1/1.25 = 20%; the stable levels' is far below 2%.
    let shortfall = saturated["shortfall"]["mean"].as_f64().unwrap();
    assert!((0.15..0.25).contains(&shortfall), "shortfall {shortfall}");
    for level in &levels[..2] {
        for d in level["delivery"].as_array().unwrap() {
            assert_eq!(d["stable"], true, "{d}");
            assert!(d["shortfall"]["ci95_high"].as_f64().unwrap() < 0.02);
        }
    }
    // The second server matters from ×2.5 only: below, both deliver what is offered (the few
    // TEU the slower station still holds at the window's end are below the 2% margin).
    let matters = &result["matters_from"][0];
    assert_eq!(matters["level"].as_f64(), Some(2.5), "{matters}");
    let diff = matters["difference_teu_per_year"].as_f64().unwrap();
    assert!(
        diff > 1500.0,
        "two servers deliver about 10950 − 8760 TEU a year more: {diff}"
    );

    // Every file, the tables and the verdicts.
    for file in ["demand.csv", "demand_levels.csv"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let levels_csv = std::fs::read_to_string(out.join("demand_levels.csv")).unwrap();
    assert_eq!(levels_csv.lines().count(), 1 + 3 * 2, "{levels_csv}");
    let demand_csv = std::fs::read_to_string(out.join("demand.csv")).unwrap();
    assert!(demand_csv.starts_with("demand_level,variant,variant_file,scope,"));
    assert!(
        stdout
            .contains("single saturates between demand ×1.5 (6570 TEU/yr) and ×2.5 (10950 TEU/yr)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("delivers more than the base from demand ×2.5"),
        "{stdout}"
    );
}

#[test]
fn a_demand_sweep_gives_the_numbers_of_the_comparison_at_each_level() {
    let dir = tempfile::tempdir().unwrap();
    // A window of exactly one year, so that `compare --demand --years 1` runs the scenario as
    // written, as the sweep does.
    let year = single_node(
        0.5,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        375.0,
        10.0,
    );
    let base = scenario_file(dir.path(), "one.toml", &year);
    let compared = dir.path().join("compared");
    corridor()
        .args([
            "compare",
            "-q",
            "-r",
            "4",
            "--demand",
            "0.5,1.5",
            "--years",
            "1",
            "--no-charts",
        ])
        .arg(&base)
        .arg(&base)
        .arg("-o")
        .arg(&compared)
        .assert()
        .success();
    let swept = dir.path().join("swept");
    corridor()
        .args([
            "sweep",
            "-q",
            "-r",
            "4",
            "--demand",
            "0.5,1.5",
            "--no-charts",
        ])
        .args(["--kpi", "route/r/throughput_teu_per_day"])
        .arg(&base)
        .arg("-o")
        .arg(&swept)
        .assert()
        .success();
    let sweep: serde_json::Value = json(&swept.join("sweep.json"));
    let demand = json(&compared.join("demand.json"));
    for (i, level) in [0.5, 1.5].into_iter().enumerate() {
        let row = sweep["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["values"][0].as_f64() == Some(level))
            .unwrap_or_else(|| panic!("no sweep row at {level}: {sweep}"));
        let k = demand["levels"][i]["differences"][0]["comparison"]["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["entity"] == "r" && k["kpi"] == "throughput_teu_per_day")
            .unwrap()
            .clone();
        assert_eq!(row["stat"]["mean"], k["base"]["mean"], "level {level}");
        // A scenario compared with itself differs by exactly 0 at every level.
        assert_eq!(k["difference"]["mean"].as_f64(), Some(0.0));
    }
    let csv = std::fs::read_to_string(swept.join("sweep.csv")).unwrap();
    assert!(csv.starts_with("point,demand_scale,"), "{csv}");
}

#[test]
fn bad_demand_levels_and_flows_are_refused_before_anything_runs() {
    let text = station(1);
    for (levels, expected) in [
        ("0", "above 0"),
        ("-1", "above 0"),
        ("1,abc", "not a number"),
        ("5000", "at most 1024"),
    ] {
        refused(
            "sweep",
            &text,
            &["--demand", levels],
            &["--demand", expected],
            2,
        );
    }
    refused(
        "sweep",
        &text,
        &["--demand", "1,2", "--flows", "nope"],
        &["no flow \"nope\"", "the flows are: f"],
        1,
    );
    refused(
        "sweep",
        &text,
        &["--demand", "1,1"],
        &["demand level 1 is given twice"],
        1,
    );
    // --flows without --demand.
    refused("sweep", &text, &["--flows", "f"], &["--demand"], 2);
    // A level that takes a flow beyond the volume limit.
    refused(
        "sweep",
        &text.replace("teu_per_year = 4380", "teu_per_year = 900000000"),
        &["--demand", "2"],
        &["above the limit"],
        1,
    );

    // compare: the same checks, with both files named.
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_file(dir.path(), "base.toml", &text);
    let other = scenario_file(
        dir.path(),
        "other.toml",
        &text.replace("id = \"f\"", "id = \"g\""),
    );
    let out = dir.path().join("out");
    let assert = corridor()
        .args(["compare", "--demand", "1,2", "--flows", "f"])
        .arg(&base)
        .arg(&other)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("other.toml: no flow \"f\""), "{stderr}");
    assert!(!out.exists(), "nothing is written");
    corridor()
        .args(["compare", "--max-shortfall", "0.05"])
        .arg(&base)
        .arg(&base)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
}
