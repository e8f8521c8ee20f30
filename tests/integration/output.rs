//! Result files: what `corridor run` writes, how it refuses to overwrite, and that it never leaves
//! half-written files.

use predicates::prelude::*;

use crate::common::{corridor, file_names, summary_kpi};

fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn run_into(dir: &std::path::Path, replications: &str) {
    corridor()
        .args(["run", "-r", replications, "-s", "4", "-o"])
        .arg(dir)
        .assert()
        .success()
        // stderr is a pipe here: no progress bar, nothing at all.
        .stderr(predicate::str::is_empty());
}

#[test]
fn refuses_a_non_empty_output_directory_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let started = std::time::Instant::now();
    corridor()
        // Many replications: refusing must not wait for them.
        .args(["run", "-r", "100000", "-o"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "output directory {} is not empty",
            dir.path().display()
        )))
        .stderr(predicate::str::contains("--force"));
    assert!(started.elapsed().as_secs_f64() < 30.0);
    assert_eq!(file_names(dir.path()), ["notes.txt"]);
    // --force writes the results and leaves other files alone.
    corridor()
        .args(["run", "-q", "-r", "2", "--force", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let names = file_names(dir.path());
    assert!(names.contains(&"notes.txt".to_string()));
    assert!(names.contains(&"summary.json".to_string()));
}

#[test]
fn output_path_that_is_a_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results");
    std::fs::write(&file, "x").unwrap();
    corridor()
        .args(["run", "-q", "-r", "2", "--force", "-o"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("exists and is not a directory"));
}

#[test]
fn replications_csv_has_one_row_per_replication_with_units_in_names() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "3");
    let (header, rows) = read_csv(&dir.path().join("replications.csv"));
    assert_eq!(rows.len(), 3);
    assert_eq!(&header[..2], ["replication", "events"]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let node = json["summary"]["nodes"][0]["id"].as_str().unwrap();
    let route = json["summary"]["routes"][0]["id"].as_str().unwrap();
    assert!(header.contains(&format!("node/{node}/wait_mean_h")));
    assert!(header.contains(&format!("route/{route}/throughput_teu_per_day")));
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], i.to_string());
        assert_eq!(row.len(), header.len());
        assert_eq!(
            row[header
                .iter()
                .position(|h| h == "conservation_holds")
                .unwrap()],
            "true"
        );
    }
    // The KPI table's mean of a column is the mean of that column.
    let column = header
        .iter()
        .position(|h| *h == format!("route/{route}/delivered_teu"))
        .unwrap();
    let mean: f64 = rows
        .iter()
        .map(|r| r[column].parse::<f64>().unwrap())
        .sum::<f64>()
        / 3.0;
    let (kpi_header, kpis) = read_csv(&dir.path().join("kpis.csv"));
    let row = kpis
        .iter()
        .find(|r| r[1] == route && r[2] == "delivered_teu")
        .unwrap();
    let kpi_mean: f64 = row[kpi_header.iter().position(|h| h == "mean").unwrap()]
        .parse()
        .unwrap();
    assert!(
        (kpi_mean - mean).abs() <= 1e-9 * mean,
        "{kpi_mean} vs {mean}"
    );
}

#[test]
fn entity_files_have_one_row_per_entity_and_ci_columns() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "3");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let count = |list: &str| json["summary"][list].as_array().unwrap().len();
    let (header, rows) = read_csv(&dir.path().join("nodes.csv"));
    assert_eq!(rows.len(), count("nodes"));
    for column in [
        "node",
        "kind",
        "wait_mean_h",
        "wait_mean_h_sd",
        "wait_mean_h_ci95_low",
        "wait_mean_h_ci95_high",
        "utilization",
    ] {
        assert!(header.contains(&column.to_string()), "{column}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in &rows {
        let (low, mean, high): (f64, f64, f64) = (
            row[col("wait_mean_h_ci95_low")].parse().unwrap(),
            row[col("wait_mean_h")].parse().unwrap(),
            row[col("wait_mean_h_ci95_high")].parse().unwrap(),
        );
        assert!(low <= mean && mean <= high);
    }
    let (header, rows) = read_csv(&dir.path().join("routes.csv"));
    assert_eq!(rows.len(), count("routes"));
    assert!(header.contains(&"transit_mean_h_ci95_high".to_string()));
    assert!(header.contains(&"throughput_teu_per_year".to_string()));
    let (_, rows) = read_csv(&dir.path().join("flows.csv"));
    assert_eq!(rows.len(), count("flows"));
    let (_, rows) = read_csv(&dir.path().join("fleets.csv"));
    assert_eq!(rows.len(), count("fleets"));
    let (_, rows) = read_csv(&dir.path().join("targets.csv"));
    assert_eq!(rows.len(), count("targets"));
    let (header, episodes) = read_csv(&dir.path().join("disruptions.csv"));
    assert_eq!(
        header,
        [
            "replication",
            "disruption",
            "target_kind",
            "target",
            "start_h",
            "end_h"
        ]
    );
    // One row per episode and target; every target is a disrupted node or leg of targets.csv.
    let (_, targets) = read_csv(&dir.path().join("targets.csv"));
    assert!(!episodes.is_empty());
    for row in &episodes {
        assert!(
            targets.iter().any(|t| t[0] == row[2] && t[1] == row[3]),
            "{row:?}"
        );
    }
}

#[test]
fn daily_throughput_adds_up_to_the_delivered_teu() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "3");
    let (header, rows) = read_csv(&dir.path().join("throughput_daily.csv"));
    assert_eq!(
        header,
        [
            "route",
            "day",
            "warmup",
            "replications",
            "delivered_teu",
            "delivered_teu_sd",
            "delivered_teu_ci95_low",
            "delivered_teu_ci95_high"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    for route in json["summary"]["routes"].as_array().unwrap() {
        let id = route["id"].as_str().unwrap();
        let days: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
        assert!(days.len() >= 365, "{id}: {} days", days.len());
        let in_window: f64 = days
            .iter()
            .filter(|r| r[2] == "false")
            .map(|r| r[4].parse::<f64>().unwrap())
            .sum();
        let delivered = summary_kpi(&json, "route", id, "delivered_teu")["estimate"]["mean"]
            .as_f64()
            .unwrap();
        assert!(
            (in_window - delivered).abs() <= 1e-6 * delivered.max(1.0),
            "{id}: days add up to {in_window}, delivered {delivered}"
        );
    }
}

#[test]
fn node_and_fleet_daily_files_have_one_row_per_entity_and_day() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "3");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let horizon_days = json["scenario"]["horizon_days"].as_f64().unwrap();
    let warmup_days = json["scenario"]["warmup_days"].as_f64().unwrap();
    let days = horizon_days.ceil() as usize;
    for (file, list, header) in [
        (
            "node_daily.csv",
            "nodes",
            [
                "node",
                "day",
                "warmup",
                "replications",
                "queue_mean",
                "queue_mean_sd",
                "queue_mean_ci95_low",
                "queue_mean_ci95_high",
                "yard_teu_mean",
                "yard_teu_mean_sd",
                "yard_teu_mean_ci95_low",
                "yard_teu_mean_ci95_high",
            ],
        ),
        (
            "fleet_daily.csv",
            "fleets",
            [
                "fleet",
                "day",
                "warmup",
                "replications",
                "departures",
                "departures_sd",
                "departures_ci95_low",
                "departures_ci95_high",
                "loaded_teu",
                "loaded_teu_sd",
                "loaded_teu_ci95_low",
                "loaded_teu_ci95_high",
            ],
        ),
    ] {
        let (found, rows) = read_csv(&dir.path().join(file));
        assert_eq!(found, header, "{file}");
        let entities: Vec<&str> = json["summary"][list]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert!(!entities.is_empty());
        assert_eq!(rows.len(), entities.len() * days, "{file}");
        // Entities in model order, days in order, warm-up flagged.
        for (i, row) in rows.iter().enumerate() {
            let (entity, day) = (entities[i / days], i % days);
            assert_eq!(row[0], entity, "{file} row {i}");
            assert_eq!(row[1], day.to_string(), "{file} row {i}");
            assert_eq!(row[2], ((day as f64) < warmup_days).to_string());
            assert_eq!(row[3], "3");
            assert_eq!(row.len(), header.len());
        }
    }
}

#[test]
fn force_refuses_a_directory_holding_other_directories_and_changes_nothing() {
    // A directory where replications.csv should go: --force replaces result files and keeps
    // other plain files, but never swaps away a directory it did not write (a failure while
    // writing, the case this test covered before results were staged, is covered by
    // `interrupt`: killing a run at any point leaves no partial files).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("replications.csv")).unwrap();
    std::fs::write(dir.path().join("replications.csv").join("keep"), "x").unwrap();
    corridor()
        .args(["run", "-q", "-r", "3", "--force", "-o"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "holds \"replications.csv\", which Corridor does not write",
        ));
    // No temporary files, no result files: only what was there before.
    assert_eq!(file_names(dir.path()), ["replications.csv"]);
    assert_eq!(file_names(&dir.path().join("replications.csv")), ["keep"]);
}

#[test]
fn transit_distribution_is_the_pooled_histogram() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "3");
    let (header, rows) = read_csv(&dir.path().join("transit_distribution.csv"));
    assert_eq!(
        header,
        [
            "route",
            "transit_low_h",
            "transit_high_h",
            "teu",
            "cumulative_share"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    for route in json["summary"]["routes"].as_array().unwrap() {
        let id = route["id"].as_str().unwrap();
        let buckets: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
        // All TEU delivered in the windows of the 3 replications.
        let teu: f64 = buckets.iter().map(|r| r[3].parse::<f64>().unwrap()).sum();
        let delivered = summary_kpi(&json, "route", id, "delivered_teu")["estimate"]["mean"]
            .as_f64()
            .unwrap()
            * 3.0;
        assert!(
            (teu - delivered).abs() < 1e-6 * delivered,
            "{id}: {teu} vs {delivered}"
        );
        assert_eq!(buckets.last().unwrap()[4], "1");
        // The pooled median of the summary lies in the bucket where the share passes 1/2.
        let median = route["transit_p50_pooled_h"].as_f64().unwrap();
        let bucket = buckets
            .iter()
            .find(|r| r[4].parse::<f64>().unwrap() >= 0.5)
            .unwrap();
        let (low, high): (f64, f64) = (bucket[1].parse().unwrap(), bucket[2].parse().unwrap());
        assert!(
            low <= median && median <= high,
            "{id}: {median} not in [{low}, {high}]"
        );
    }
}
