//! Daily series: node queue and yard levels per day, fleet departures per day. They integrate
//! back to the window figures, and on a deterministic train service they are known exactly.

use corridor::scenario;
use corridor::stats::ReplicationStats;

use crate::common::{corridor, model, replications};
use crate::parallel::FERRY_STORMS;

/// Hours in a day.
const DAY_H: f64 = 24.0;

/// The days of the statistics window of `rep`, which must start and end on day boundaries.
fn window_days(rep: &ReplicationStats, horizon_days: usize) -> std::ops::Range<usize> {
    let window_days = rep.window_h / DAY_H;
    assert_eq!(window_days.fract(), 0.0, "window of whole days");
    horizon_days - window_days as usize..horizon_days
}

fn assert_close(what: &str, a: f64, b: f64) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-9),
        "{what}: {a} vs {b}"
    );
}

#[test]
fn daily_levels_average_to_the_window_time_averages() {
    // Built-in scenario: 365 days, 30 of warm-up; one replication.
    let model = scenario::builtin().model;
    let rep = &replications(&model, 1)[0];
    let days = model.settings.horizon.days() as usize;
    let window = window_days(rep, days);
    for (node, stats) in model.nodes.iter().zip(&rep.nodes) {
        assert_eq!(stats.daily_queue.len(), days, "{}", node.id);
        assert_eq!(stats.daily_yard_teu.len(), days, "{}", node.id);
        let mean =
            |series: &[f64]| series[window.clone()].iter().sum::<f64>() / window.len() as f64;
        assert_close(
            &format!("{} queue", node.id),
            mean(&stats.daily_queue),
            stats.queue.mean(),
        );
        assert_close(
            &format!("{} yard TEU", node.id),
            mean(&stats.daily_yard_teu),
            stats.yard_teu.mean(),
        );
    }
    // Something actually queued and sat in yards.
    assert!(rep.nodes.iter().any(|n| n.queue.mean() > 0.1));
    assert!(
        rep.nodes
            .iter()
            .all(|n| n.daily_yard_teu.iter().all(|v| *v >= 0.0))
    );
}

#[test]
fn node_daily_file_averages_to_nodes_csv_for_one_replication() {
    let dir = tempfile::tempdir().unwrap();
    corridor()
        .args(["run", "-q", "-r", "1", "-s", "8", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    let read = |name: &str| {
        let mut reader = csv::Reader::from_path(dir.path().join(name)).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        (header, rows)
    };
    let (daily_header, daily) = read("node_daily.csv");
    let (nodes_header, nodes) = read("nodes.csv");
    let column = |header: &[String], name: &str| header.iter().position(|h| h == name).unwrap();
    let mut compared = 0;
    for node in &nodes {
        let window: Vec<&Vec<String>> = daily
            .iter()
            .filter(|r| r[0] == node[0] && r[2] == "false")
            .collect();
        assert_eq!(window.len(), 335, "{}", node[0]);
        for (daily_column, nodes_column) in [
            ("queue_mean", "queue_mean"),
            ("yard_teu_mean", "yard_mean_teu"),
        ] {
            let i = column(&daily_header, daily_column);
            let mean = window
                .iter()
                .map(|r| r[i].parse::<f64>().unwrap())
                .sum::<f64>()
                / window.len() as f64;
            let reported: f64 = node[column(&nodes_header, nodes_column)].parse().unwrap();
            assert_close(&format!("{} {daily_column}", node[0]), mean, reported);
            compared += 1;
        }
    }
    assert_eq!(compared, 2 * nodes.len());
    assert_eq!(nodes.len(), 19, "the built-in whole corridor has 19 nodes");
}

#[test]
fn daily_departures_add_up_to_the_fleet_totals() {
    let builtin = scenario::builtin().model;
    let ferry = scenario::load(std::path::Path::new(FERRY_STORMS))
        .unwrap()
        .model;
    for model in [builtin, ferry] {
        let days = model.settings.horizon.days() as usize;
        for rep in replications(&model, 3) {
            let window = window_days(&rep, days);
            for (fleet, stats) in model.fleets.iter().zip(&rep.fleets) {
                assert_eq!(stats.daily_departures.len(), days);
                assert_eq!(stats.daily_departed_teu.len(), days);
                let departures: u64 = stats.daily_departures[window.clone()].iter().sum();
                let teu: u64 = stats.daily_departed_teu[window.clone()].iter().sum();
                assert_eq!(departures, stats.departures, "{}", fleet.id);
                assert_eq!(teu, stats.departed_teu, "{}", fleet.id);
                assert!(stats.departures > 0, "{}", fleet.id);
                // The warm-up days count too (the whole run).
                assert!(stats.daily_departures.iter().sum::<u64>() > departures);
            }
        }
    }
}

/// One train a day: it leaves `origin` every day at 20:00 with 10 TEU (cargo arrives at 5 TEU/h,
/// so there are always more than 10 waiting), reaches `sink` at 21:00 and unloads at once; back
/// home at 23:00. At `sink`, 5 servers take 6 h per container: of each train's 10 containers, 5
/// wait 6 h for a server, then 5 are served until 09:00 the next day. The run ends at 162 h
/// (day 6 lasts 18 h); the train due at 164 h never leaves.
const DAILY_TRAIN: &str = r#"
[scenario]
name = "daily-train"
horizon_days = 6.75
warmup_days = 1
seed = 3

[[node]]
id = "origin"
kind = "terminal"

[[node]]
id = "sink"
kind = "terminal"
servers = 5
service = 6

[[leg]]
id = "line"
from = "origin"
to = "sink"
mode = "rail"
transit = 1
[leg.fleet]
trains = 1
capacity_teu = 10
departure = "schedule"
schedule = ["mon 20:00", "tue 20:00", "wed 20:00", "thu 20:00", "fri 20:00", "sat 20:00", "sun 20:00"]
return = 2

[[route]]
id = "r"
nodes = ["origin", "sink"]

[[flow]]
id = "boxes"
route = "r"
teu_per_year = 43800
"#;

/// The exact daily values at `sink`: (queue, yard TEU).
fn daily_train_sink() -> [(f64, f64); 7] {
    // Day 0: the first train's 5 queued and 10 present from 21:00 to 24:00.
    let first = (5.0 * 3.0 / 24.0, 10.0 * 3.0 / 24.0);
    // Days 1-5: yesterday's train (5 queued and 10 present until 03:00, 5 present until
    // 09:00) and today's.
    let full = (
        (5.0 * 3.0 + 5.0 * 3.0) / 24.0,
        (10.0 * 3.0 + 5.0 * 6.0 + 10.0 * 3.0) / 24.0,
    );
    // Day 6 (18 h): yesterday's train only.
    let last = (5.0 * 3.0 / 18.0, (10.0 * 3.0 + 5.0 * 6.0) / 18.0);
    [first, full, full, full, full, full, last]
}

#[test]
fn a_daily_train_gives_exactly_known_daily_series() {
    let model = model(DAILY_TRAIN);
    let sink = model.node_id("sink").unwrap().index();
    let origin = model.node_id("origin").unwrap().index();
    for rep in replications(&model, 2) {
        let fleet = &rep.fleets[0];
        assert_eq!(fleet.daily_departures, [1, 1, 1, 1, 1, 1, 0]);
        assert_eq!(fleet.daily_departed_teu, [10, 10, 10, 10, 10, 10, 0]);
        let node = &rep.nodes[sink];
        for (day, (queue, yard)) in daily_train_sink().into_iter().enumerate() {
            assert_close(&format!("day {day} queue"), node.daily_queue[day], queue);
            assert_close(&format!("day {day} yard"), node.daily_yard_teu[day], yard);
        }
        // The origin has no handling: nothing ever waits for a server there.
        assert_eq!(rep.nodes[origin].daily_queue, [0.0; 7]);
        // The window [24 h, 162 h) weights day 6 by its 18 h.
        let integral: f64 =
            node.daily_yard_teu[1..6].iter().sum::<f64>() * 24.0 + node.daily_yard_teu[6] * 18.0;
        assert_close("window yard", integral / 138.0, node.yard_teu.mean());
    }
}

#[test]
fn daily_series_do_not_depend_on_the_warm_up() {
    // The series cover the whole run: a warm-up ending mid-day (the level integrals restart
    // then) changes nothing, neither on the train service nor on the built-in scenario.
    let builtin = scenario::BUILTIN_TEXT;
    for (text, from, to) in [
        (DAILY_TRAIN, "warmup_days = 1\n", "warmup_days = 1.3\n"),
        (builtin, "warmup_days = 30 ", "warmup_days = 30.4 "),
    ] {
        assert!(text.contains(from));
        let a = &replications(&model(text), 1)[0];
        let b = &replications(&model(&text.replacen(from, to, 1)), 1)[0];
        assert_ne!(a.window_h, b.window_h);
        for (x, y) in a.nodes.iter().zip(&b.nodes) {
            for (p, q) in [
                (&x.daily_queue, &y.daily_queue),
                (&x.daily_yard_teu, &y.daily_yard_teu),
            ] {
                assert_eq!(p.len(), q.len());
                for (day, (u, v)) in p.iter().zip(q).enumerate() {
                    assert_close(&format!("day {day}"), *u, *v);
                }
            }
        }
        for (x, y) in a.fleets.iter().zip(&b.fleets) {
            assert_eq!(x.daily_departures, y.daily_departures);
            assert_eq!(x.daily_departed_teu, y.daily_departed_teu);
        }
    }
}

#[test]
fn a_daily_train_gives_exact_daily_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("daily_train.toml");
    std::fs::write(&file, DAILY_TRAIN).unwrap();
    let out = dir.path().join("out");
    corridor()
        .args(["run", "-q", "-r", "3", "-o"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let read = |name: &str| -> Vec<Vec<String>> {
        let mut reader = csv::Reader::from_path(out.join(name)).unwrap();
        reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    };
    let number = |cell: &str| -> f64 { cell.parse().unwrap() };
    // Every replication has the same values: sd 0 and a CI of zero width.
    let nodes = read("node_daily.csv");
    let sink: Vec<&Vec<String>> = nodes.iter().filter(|r| r[0] == "sink").collect();
    assert_eq!(sink.len(), 7);
    for (day, (row, (queue, yard))) in sink.iter().zip(daily_train_sink()).enumerate() {
        assert_eq!(row[1], day.to_string());
        assert_eq!(row[2], (day < 1).to_string());
        assert_eq!(row[3], "3");
        for (column, exact) in [(4, queue), (8, yard)] {
            assert_close(
                &format!("day {day} column {column}"),
                number(&row[column]),
                exact,
            );
            assert_eq!(number(&row[column + 1]), 0.0);
            assert_eq!(row[column + 2], row[column]);
            assert_eq!(row[column + 3], row[column]);
        }
    }
    let fleets = read("fleet_daily.csv");
    assert_eq!(fleets.len(), 7);
    for (day, row) in fleets.iter().enumerate() {
        let (departures, teu) = if day < 6 { ("1", "10") } else { ("0", "0") };
        assert_eq!(
            row[..],
            [
                "line",
                &day.to_string(),
                &(day < 1).to_string(),
                "3",
                departures,
                "0",
                departures,
                departures,
                teu,
                "0",
                teu,
                teu
            ]
        );
    }
}

/// Reads a CSV file into (header, rows).
fn read_table(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn weekly_files_are_the_daily_counts_summed_per_replication() {
    let dir = tempfile::tempdir().unwrap();
    corridor()
        .args(["run", "-r", "5", "-s", "8", "--no-charts", "-q", "-o"])
        .arg(dir.path())
        .assert()
        .success();
    for (daily, weekly, entity, measures) in [
        (
            "throughput_daily.csv",
            "throughput_weekly.csv",
            "route",
            &["delivered_teu"][..],
        ),
        (
            "fleet_daily.csv",
            "fleet_weekly.csv",
            "fleet",
            &["departures", "loaded_teu"][..],
        ),
    ] {
        let (dh, drows) = read_table(&dir.path().join(daily));
        let (wh, wrows) = read_table(&dir.path().join(weekly));
        let col = |h: &[String], name: &str| h.iter().position(|c| c == name).unwrap();
        assert_eq!(
            wh[..5],
            [entity, "week", "days", "warmup", "replications"].map(String::from)
        );
        for measure in measures {
            // The weekly mean is the sum of the daily means (means of exact integer sums).
            for w in &wrows {
                let (id, week, days) = (
                    &w[0],
                    w[1].parse::<usize>().unwrap(),
                    w[2].parse::<usize>().unwrap(),
                );
                let summed: f64 = drows
                    .iter()
                    .filter(|d| &d[0] == id)
                    .filter(|d| (week * 7..week * 7 + days).contains(&d[1].parse().unwrap()))
                    .map(|d| d[col(&dh, measure)].parse::<f64>().unwrap())
                    .sum();
                let mean: f64 = w[col(&wh, measure)].parse().unwrap();
                assert!(
                    (mean - summed).abs() <= 1e-9 * summed.abs().max(1.0),
                    "{weekly} {id} week {week} {measure}: {mean} vs summed daily {summed}"
                );
                assert_eq!(w[3] == "true", week * 7 < 30, "warm-up flag of week {week}");
            }
        }
        // 365 days: 52 full weeks and one of a single day, per entity.
        let last = wrows.iter().filter(|w| w[1] == "52").collect::<Vec<_>>();
        assert!(
            !last.is_empty() && last.iter().all(|w| w[2] == "1"),
            "{weekly}"
        );
        assert!(wrows.iter().filter(|w| w[1] != "52").all(|w| w[2] == "7"));
    }
}
