//! The `corridor` binary: exit codes, output files and messages.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::common::summary_kpi;

fn corridor() -> Command {
    Command::cargo_bin("corridor").expect("binary builds")
}

#[test]
fn run_default_scenario_writes_summary_json() {
    let out = tempfile::tempdir().unwrap();
    corridor()
        .args(["run", "--replications", "2", "--seed", "3", "--out"])
        .arg(out.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("whole-corridor-2025"))
        .stdout(predicate::str::contains("khorgos-aktau"))
        .stdout(predicate::str::contains("TEU conservation holds"));
    let text = std::fs::read_to_string(out.path().join("summary.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["provenance"]["replications"], 2);
    assert_eq!(json["provenance"]["seed"], 3);
    assert_eq!(
        json["provenance"]["format_version"],
        corridor::report::FORMAT_VERSION
    );
    assert_eq!(
        json["summary"]["conservation"]["holds_in_every_replication"],
        true
    );
    assert_eq!(
        json["provenance"]["scenario_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert!(
        summary_kpi(
            &json,
            "route",
            json["summary"]["routes"][0]["id"].as_str().unwrap(),
            "transit_mean_h"
        )["estimate"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // Every result file is there and no temporary file is left behind.
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "capacity.csv",
            "charts",
            "disruptions.csv",
            "fleet_daily.csv",
            "fleet_weekly.csv",
            "fleets.csv",
            "flows.csv",
            "kpis.csv",
            "node_daily.csv",
            "nodes.csv",
            "replications.csv",
            "report.html",
            "routes.csv",
            "stages.csv",
            "summary.json",
            "targets.csv",
            "throughput_daily.csv",
            "throughput_weekly.csv",
            "transit_by_month.csv",
            "transit_distribution.csv"
        ]
    );
}

#[test]
fn run_is_reproducible_for_a_seed() {
    let summary = |dir: &std::path::Path| {
        corridor()
            .args(["run", "-q", "-r", "2", "-s", "9", "-o"])
            .arg(dir)
            .assert()
            .success()
            .stdout(predicate::str::is_empty());
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap())
                .unwrap();
        json["summary"].to_string()
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(summary(a.path()), summary(b.path()));
}

#[test]
fn validate_accepts_shipped_scenarios() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.iter().any(|f| f.ends_with("middle_corridor.toml")));
    let assert = corridor().arg("validate").args(&files).assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert_eq!(stdout.matches(": ok (").count(), files.len(), "{stdout}");
    assert!(
        stdout.contains("middle_corridor.toml: ok (9 nodes"),
        "{stdout}"
    );
}

#[test]
fn validate_reports_problems_and_fails() {
    corridor()
        .args([
            "validate",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/bad/several_problems.toml"
            ),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("scenario has 3 problems"))
        .stderr(predicate::str::contains(
            "several_problems.toml:10:11: node \"border\".servers",
        ));
}

#[test]
fn run_with_invalid_scenario_fails_without_writing() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("results");
    corridor()
        .args([
            "run",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/bad/zero_servers.toml"
            ),
            "-o",
        ])
        .arg(&target)
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: scenario has 1 problem"));
    assert!(
        !target.exists(),
        "no output directory for a scenario that did not run"
    );
}

#[test]
fn missing_scenario_file_is_reported() {
    corridor()
        .args(["run", "no/such/file.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot read scenario file no/such/file.toml",
        ));
}

#[test]
fn print_default_round_trips_through_validate() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.toml");
    let output = corridor().arg("print-default").output().unwrap();
    assert!(output.status.success());
    std::fs::write(&file, output.stdout).unwrap();
    corridor().arg("validate").arg(&file).assert().success();
}

#[test]
fn zero_replications_is_a_usage_error() {
    corridor()
        .args(["run", "--replications", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--replications"));
}
