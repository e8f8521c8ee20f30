//! What validates runs (issue 13): operating hours at every minute, values at the limits the
//! validator derives from the engine's arithmetic, the cargo bound, deadlock detection, offered
//! load warnings, bounded and located error reports, and scenario paths that are not files.

use corridor::engine::{Simulation, StopKind};
use corridor::model::Model;
use corridor::model::load::offered_loads;
use corridor::scenario::{self, Change, Document, ScenarioError};

use crate::common::{corridor, model, scenario_file};

/// A two-node line `a -> b`, with `extra` appended (more keys for the last table, or tables).
fn line(node_a: &str, flow: &str, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "line"
horizon_days = 20
replications = 1

[[node]]
id = "b"
kind = "terminal"
servers = 2
service = 0.5

[[leg]]
id = "ab"
from = "a"
to = "b"
mode = "rail"
transit = 3

[[route]]
id = "r"
nodes = ["a", "b"]

[[node]]
id = "a"
kind = "terminal"
{node_a}

[[flow]]
id = "f"
route = "r"
{flow}
{extra}
"#
    )
}

/// The diagnostics of an invalid scenario, as printed.
fn problems(text: &str) -> Vec<String> {
    match scenario::from_str(text, "t.toml") {
        Ok(_) => panic!("expected the scenario to be rejected:\n{text}"),
        Err(ScenarioError::Invalid { diagnostics }) => {
            diagnostics.iter().map(ToString::to_string).collect()
        }
        Err(other) => panic!("{other}"),
    }
}

/// Runs one replication, which must reach its horizon.
fn runs(model: &Model) {
    let mut sim = Simulation::new(model);
    if let Err(e) = sim.try_run(1, 0) {
        panic!("{e}");
    }
}

#[test]
fn operating_hours_close_and_open_at_every_minute_of_the_hour() {
    // Before the fix, 52 of the 60 closing minutes rescheduled the next closing at the same
    // instant forever (rounding in `now % 24`) and the run grew without bound.
    for minute in 0..60 {
        for (open, close) in [
            ("08:00".to_string(), format!("17:{minute:02}")),
            (format!("06:{minute:02}"), format!("23:{:02}", 59 - minute)),
            // A closure that ends exactly at midnight (open from 00:00: the node is open at time
            // 0) and one within the day (12:mm to 13:00, not spanning midnight).
            ("00:00".to_string(), format!("22:{minute:02}")),
            ("13:00".to_string(), format!("12:{minute:02}")),
        ] {
            let text = line(
                &format!(
                    "servers = 3\nservice = 0.5\nhours = {{ open = \"{open}\", close = \"{close}\" }}"
                ),
                "teu_per_year = 20000",
                "",
            );
            let m = model(&text);
            let stats = Simulation::new(&m)
                .try_run(1, 0)
                .unwrap_or_else(|e| panic!("{open}-{close}: {e}"));
            // Closed in minute m of the 20 days when (m - close) mod 1440 < the closure's length.
            let (o, c) = (minutes(&open), minutes(&close));
            let length = (o + 1440 - c) % 1440;
            let closed_minutes = (0..20 * 1440)
                .filter(|m| (m + 1440 - c) % 1440 < length)
                .count();
            let expected = closed_minutes as f64 / 60.0;
            let closed_h = stats.targets[0].closed.mean() * stats.window_h;
            assert!(
                (closed_h - expected).abs() < 1e-6,
                "{open}-{close}: closed {closed_h} h, expected {expected} h"
            );
        }
    }
}

fn minutes(hhmm: &str) -> u32 {
    let (h, m) = hhmm.split_once(':').unwrap();
    h.parse::<u32>().unwrap() * 60 + m.parse::<u32>().unwrap()
}

#[test]
fn values_beyond_the_engines_range_are_rejected_with_their_place() {
    // Each of these validated before and then panicked in the engine (`invalid duration inf h`).
    let cases = [
        (
            line(
                "servers = 1\nservice = 0.1",
                "teu_per_year = 100\nseasonality = [1e308, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                "",
            ),
            "flow \"f\".seasonality: factors must be from 0 to 1e6 (only their ratios matter), got 1e308",
        ),
        (
            line("servers = 1\nservice = 0.1", "teu_per_year = 1e-308", ""),
            "flow \"f\".teu_per_year: must be 0 (the flow is paused) or from 1e-6 to 1e9 TEU per year, got 1e-308",
        ),
        (
            line(
                "servers = 1\nservice = 0.1",
                "teu_per_year = 100",
                "[[disruption]]\nid = \"d\"\nnodes = [\"a\"]\nrate_per_year = 1e-308\nduration = 5",
            ),
            "disruption \"d\".rate_per_year: must be 0 (the disruption never starts) or from 1e-6 to 1e6 starts per year, got 1e-308",
        ),
        (
            line(
                "servers = 1\nservice = 0.1",
                "teu_per_year = 100",
                "[[disruption]]\nid = \"d\"\nnodes = [\"a\"]\nstart_day = 1e308\nduration = 5",
            ),
            "disruption \"d\".start_day: must be a day from 0 to 365000 (the longest horizon), got 1e308",
        ),
        (
            line(
                "servers = 1\nservice = 0.1",
                "teu_per_year = 100",
                "[[disruption]]\nid = \"d\"\nnodes = [\"a\"]\nstart_day = 1\ncapacity_factor = 1e-300\nduration = 5",
            ),
            "disruption \"d\".capacity_factor: must be 0 (closed) or from 1e-6 to below 1 (slowed), got 1e-300",
        ),
        (
            line(
                "servers = 1\nservice = { dist = \"gamma\", mean = 1e-320, cv = 1e-6 }",
                "teu_per_year = 100",
                "",
            ),
            "node \"a\".service: gamma: mean and cv are outside the range this distribution can be drawn from",
        ),
        (
            line(
                "servers = 1\nservice = { dist = \"empirical\", values = [1, 2], weights = [1e308, 1e308] }",
                "teu_per_year = 100",
                "",
            ),
            "node \"a\".service: empirical: weights add up to more than the largest number; scale them down (only their ratios matter)",
        ),
        (
            line(
                "servers = 4294967296\nservice = 0.1",
                "teu_per_year = 100",
                "",
            ),
            "node \"a\".servers: must be a whole number from 1 to 4294967295, got 4294967296",
        ),
        (
            line(
                "servers = 1\nservice = { dist = \"uniform\", min = 0, max = 1e300 }",
                "teu_per_year = 100",
                "",
            ),
            "node \"a\".service: uniform: max must be at most 1e9 h, got 1e300 h",
        ),
        (
            line(
                "servers = 1\nservice = { dist = \"lognormal\", mean = 1, cv = 1e200 }",
                "teu_per_year = 100",
                "",
            ),
            "node \"a\".service: lognormal: cv must be from 1e-6 to 100, got 1e200",
        ),
    ];
    for (text, expected) in &cases {
        let got = problems(text);
        assert!(
            got.iter()
                .any(|p| p.starts_with("t.toml:") && p.contains(expected)),
            "expected {expected:?} among {got:#?}"
        );
        for p in &got {
            assert!(
                !p.contains("distribution\n") && !p.contains("Overflow") && p.len() < 400,
                "{p}"
            );
        }
    }
}

#[test]
fn values_at_the_limits_validate_and_run() {
    let cases = [
        line("servers = 1\nservice = 0.1", "teu_per_year = 1e-6", ""),
        line(
            "servers = 1\nservice = 0.1",
            "teu_per_year = 100\nseasonality = [1e6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1e-300]",
            "",
        ),
        line(
            "servers = 1\nservice = 0.1",
            "teu_per_year = 100",
            "[[disruption]]\nid = \"d\"\nnodes = [\"a\"]\nrate_per_year = 1e-6\nduration = 5",
        ),
        line(
            "servers = 1\nservice = 0.1",
            "teu_per_year = 100",
            "[[disruption]]\nid = \"d\"\nnodes = [\"a\"]\nmonthly_rates = [1e5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1e-7]\nduration = 0.001\ncapacity_factor = 1e-6",
        ),
        line(
            "servers = 1\nservice = 0.1",
            "teu_per_year = 100",
            "[[disruption]]\nid = \"d\"\nnodes = [\"a\"]\nstart_day = 365000\nduration = 1e7",
        ),
        line(
            "servers = 1\nservice = { dist = \"lognormal\", mean = 0.01, cv = 100 }",
            "teu_per_year = 100",
            "",
        ),
        line(
            "servers = 1\nservice = { dist = \"gamma\", mean = 0.01, cv = 100 }",
            "teu_per_year = 100",
            "",
        ),
        line(
            "servers = 1\nservice = { dist = \"gamma\", mean = 0.01, cv = 1e-6 }",
            "teu_per_year = 100",
            "",
        ),
        line(
            "servers = 1\nservice = { dist = \"weibull\", shape = 0.01, scale = 1e-155 }",
            "teu_per_year = 100",
            "",
        ),
        line(
            "servers = 1\nservice = { dist = \"empirical\", values = [1e9, 0], weights = [1e-300, 1] }",
            "teu_per_year = 100",
            "",
        ),
    ];
    for text in &cases {
        runs(&model(text));
    }
}

#[test]
fn parameter_overrides_and_scaling_go_through_the_same_limits() {
    let text = line("servers = 1\nservice = 0.1", "teu_per_year = 100", "");
    let doc = Document::parse(&text, "t.toml").unwrap();
    for (path, change, expected) in [
        (
            "flow.f.teu_per_year",
            Change::Scale(1e-310),
            "or from 1e-6 to 1e9 TEU per year",
        ),
        (
            "flow.f.teu_per_year",
            Change::Set(1e300),
            "or from 1e-6 to 1e9 TEU per year, got 1e300",
        ),
        (
            "node.a.service",
            Change::Scale(1e300),
            "must be at most 1e9 h, got 1e299",
        ),
    ] {
        let err = doc
            .with(path, change)
            .and_then(|d| d.compile())
            .err()
            .unwrap_or_else(|| panic!("{path} {change:?} compiled"));
        assert!(err.to_string().contains(expected), "{path}: {err}");
    }
    // The CLI's --set and sweep --scale reach the same checks: a clear error, no panic.
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), "s.toml", &text);
    let assert = corridor()
        .args([
            "run",
            "-q",
            "--no-charts",
            "--set",
            "flow.f.teu_per_year=1e-308",
            "-o",
        ])
        .arg(dir.path().join("out"))
        .arg(&file)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("or from 1e-6 to 1e9 TEU per year, got 1e-308"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let assert = corridor()
        .args([
            "sweep",
            "-q",
            "-r",
            "2",
            "--scale",
            "flow.f.teu_per_year=1,1e-310",
            "-o",
        ])
        .arg(dir.path().join("sweep"))
        .arg(&file)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("TEU per year"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_runaway_replication_stops_at_the_cargo_bound_naming_the_bottleneck() {
    // 1e9 TEU a year into one server: before, 4.5 GB in 7 s and an abort.
    let text = line("servers = 1\nservice = 0.25", "teu_per_year = 1e9", "").replace(
        "replications = 1",
        "replications = 1\nmax_in_system = 20000",
    );
    let m = model(&text);
    let err = Simulation::new(&m).try_run(1, 0).unwrap_err();
    assert_eq!(err.kind, StopKind::CargoBound);
    let message = err.to_string();
    for part in [
        "replication 0 stopped at day",
        "more than 20000 consignments in the system ([scenario] max_in_system)",
        "at node \"a\"",
        "node \"a\" has an offered load of 28539",
        "114155 consignments/h arrive, capacity 4 consignments/h",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
    // The CLI ends cleanly with the message and a failure code.
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), "s.toml", &text);
    let assert = corridor()
        .args(["run", "-q", "--no-charts", "-o"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("warning: node \"a\" has an offered load of 28539"),
        "{stderr}"
    );
    assert!(stderr.contains("error: replication 0 stopped"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Two yards of 20 TEU with opposing flows: the documented deadlock.
fn opposing(yard: u32) -> String {
    format!(
        r#"
[scenario]
name = "opposing"
horizon_days = 60
replications = 1

[[node]]
id = "a"
kind = "terminal"
servers = 2
service = {{ dist = "exponential", mean = 1 }}
yard_capacity = {yard}

[[node]]
id = "b"
kind = "terminal"
servers = 2
service = {{ dist = "exponential", mean = 1 }}
yard_capacity = {yard}

[[leg]]
id = "ab"
from = "a"
to = "b"
mode = "rail"
transit = 2

[[leg]]
id = "ba"
from = "b"
to = "a"
mode = "rail"
transit = 2

[[route]]
id = "east"
nodes = ["a", "b"]

[[route]]
id = "west"
nodes = ["b", "a"]

[[flow]]
id = "e"
route = "east"
teu_per_year = 15000

[[flow]]
id = "w"
route = "west"
teu_per_year = 15000
"#
    )
}

#[test]
fn opposing_flows_through_full_yards_are_reported_as_a_deadlock() {
    let m = model(&opposing(20));
    let err = Simulation::new(&m).try_run(1, 0).unwrap_err();
    assert_eq!(err.kind, StopKind::Deadlock, "{err}");
    let message = err.to_string();
    assert!(message.contains("deadlock"), "{message}");
    assert!(message.contains("\"a\" (20 of 20 TEU"), "{message}");
    assert!(message.contains("\"b\" (20 of 20 TEU"), "{message}");
    // The same flows with room for the cargo between the yards run to the horizon, and so
    // does one direction alone through small yards (blocking, but no cycle).
    runs(&model(&opposing(100_000)));
    let one_way = opposing(3).replace(
        "[[flow]]\nid = \"w\"\nroute = \"west\"\nteu_per_year = 15000\n",
        "",
    );
    runs(&model(&one_way));
}

#[test]
fn offered_loads_are_arrival_rate_times_mean_service_over_servers() {
    // λ = 10/h into 3 servers of mean 0.5 h: load 5/3; the hours close the node 6 h a day,
    // so the capacity is 3 / 0.5 × 18/24 = 4.5/h and the load 10/4.5.
    let m = model(&line(
        "servers = 3\nservice = { dist = \"exponential\", mean = 0.5 }\nhours = { open = \"06:00\", close = \"00:00\" }",
        "teu_per_year = 87600",
        "",
    ));
    let loads = offered_loads(&m);
    let a = loads.iter().find(|l| l.name(&m) == "node \"a\"").unwrap();
    assert!((a.arrivals_per_h - 10.0).abs() < 1e-9);
    assert!((a.capacity_per_h - 4.5).abs() < 1e-9, "{a:?}");
    assert!(a.overloaded());
    let b = loads.iter().find(|l| l.name(&m) == "node \"b\"").unwrap();
    assert!((b.load() - 10.0 * 0.5 / 2.0).abs() < 1e-9);
    // The built-in scenario is not overloaded anywhere.
    let builtin = scenario::builtin().model;
    let overloaded: Vec<String> = offered_loads(&builtin)
        .iter()
        .filter(|l| l.overloaded())
        .map(|l| l.describe(&builtin))
        .collect();
    assert!(overloaded.is_empty(), "{overloaded:?}");
}

#[test]
fn validation_lists_at_most_a_hundred_problems_and_counts_the_rest() {
    let mut text = String::from("[scenario]\nname = \"x\"\nhorizon_days = 10\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "[[node]]\nid = \"n{i}\"\nkind = \"port\"\nservers = 0\n"
        ));
    }
    text.push_str("[[flow]]\nid = \"f\"\nroute = \"nowhere\"\nteu_per_year = 1\n");
    let err = scenario::from_str(&text, "t.toml").err().unwrap();
    let message = err.to_string();
    assert!(
        message.starts_with("scenario has 3001 problems:"),
        "{}",
        &message[..100]
    );
    assert!(message.ends_with("... and 2901 more problems (fix these first)"));
    assert_eq!(message.lines().count(), 102);
}

#[test]
fn a_scenario_path_must_be_a_regular_file_of_reasonable_size() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        std::path::PathBuf::from("/dev/zero"),
        dir.path().to_path_buf(),
    ] {
        let assert = corridor()
            .arg("validate")
            .arg(&path)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let assert = corridor()
            .arg("validate")
            .arg(&fifo)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains("not a regular file"), "{stderr}");
        // Through `extends` as well.
        let child = scenario_file(dir.path(), "child.toml", "extends = \"fifo.toml\"\n");
        let assert = corridor()
            .arg("validate")
            .arg(&child)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .failure();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
}

#[test]
fn a_bad_fleet_field_is_reported_once_without_a_spurious_missing_leg() {
    let text = line("servers = 1\nservice = 0.1", "teu_per_year = 100", "").replace(
        "transit = 3\n",
        "transit = 3\n[leg.fleet]\nvessels = 1\ncapacity_tue = 5\n",
    );
    let got = problems(&text);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].contains("capacity_tue"), "{got:#?}");
}

#[test]
fn control_characters_are_rejected_in_names_and_descriptions() {
    let text = line(
        "servers = 1\nservice = 0.1\nname = \"Port\\u001b[31m\"",
        "teu_per_year = 100",
        "",
    )
    .replace(
        "name = \"line\"",
        "name = \"li\\u0000ne\"\ndescription = \"two\\nlines\\tand a bell \\u0007\"",
    );
    let got = problems(&text);
    let expected = [
        "scenario.name: must not contain control characters (such as escape or NUL), got '\\0'",
        "scenario.description: must not contain control characters (such as escape or NUL), got '\\u{7}'",
        "node \"a\".name: must not contain control characters (such as escape or NUL), got '\\u{1b}'",
    ];
    for e in expected {
        assert!(
            got.iter()
                .any(|p| p.starts_with("t.toml:") && p.contains(e)),
            "{e:?} not in {got:#?}"
        );
    }
    for p in &got {
        assert!(!p.contains('\u{1b}') && !p.contains('\0'), "{p:?}");
    }
}

#[test]
fn a_problem_reached_twice_is_listed_once() {
    // A flow whose two routes cross one yard too small for its trains: checked once per route,
    // it was listed twice.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bad/train_larger_than_yard.toml"),
    )
    .unwrap();
    let once = problems(&text);
    let doubled = r#"
[scenario]
name = "twice"
horizon_days = 10

[[node]]
id = "a"
kind = "terminal"
yard_capacity = 10

[[node]]
id = "b"
kind = "terminal"

[[node]]
id = "c"
kind = "terminal"

[[leg]]
from = "a"
to = "b"
mode = "rail"
transit = 1

[[leg]]
from = "a"
to = "c"
mode = "rail"
transit = 1

[[route]]
id = "r1"
nodes = ["a", "b"]

[[route]]
id = "r2"
nodes = ["a", "c"]

[[flow]]
id = "f"
routes = [{ route = "r1", share = 0.5 }, { route = "r2", share = 0.5 }]
arrivals = "block_trains"
train_teu = 50
teu_per_year = 1000
"#;
    assert_eq!(
        problems(doubled),
        [
            "t.toml:9:17: node \"a\".yard_capacity: is 10 TEU, smaller than one consignment of flow \"f\" (50 TEU), which could never enter"
        ]
    );
    assert_eq!(once.len(), 1, "{once:?}");
}
