//! What a newcomer sees first (issue 22): the headline that opens `corridor run` and report.html,
//! read back against summary.json; the echo of `--set`; the last line naming report.html; and the
//! README's examples, which `.ci/readme.sh` runs in order in a fresh copy.

use std::collections::HashSet;
use std::path::Path;

use assert_cmd::Command;

use crate::common::summary_kpi;

fn corridor() -> Command {
    Command::cargo_bin("corridor").expect("binary builds")
}

/// `mean ± half-width` of a summary.json KPI, scaled, as the headline prints it.
fn pm(
    json: &serde_json::Value,
    scope: &str,
    entity: &str,
    kpi: &str,
    scale: f64,
    d: usize,
) -> String {
    let estimate = &summary_kpi(json, scope, entity, kpi)["estimate"];
    format!(
        "{:.d$} ± {:.d$}",
        estimate["mean"].as_f64().unwrap() * scale,
        estimate["half_width"].as_f64().unwrap() * scale
    )
}

fn mean(json: &serde_json::Value, scope: &str, entity: &str, kpi: &str) -> f64 {
    summary_kpi(json, scope, entity, kpi)["estimate"]["mean"]
        .as_f64()
        .unwrap()
}

/// The built-in scenario, 3 replications, seed 5: its stdout and summary.json.
fn default_run(dir: &Path, extra: &[&str]) -> (String, serde_json::Value) {
    let out = dir.join("out");
    let assert = corridor()
        .args(["run", "-r", "3", "-s", "5"])
        .args(extra)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    (stdout, serde_json::from_str(&text).unwrap())
}

#[test]
fn the_headline_quotes_the_results_with_their_units_in_the_terminal_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, json) = default_run(dir.path(), &[]);
    // The headline comes first, before any table.
    let headline_at = stdout.find("Headline: whole-corridor-2025, 3 replications (seed 5)");
    let first_table = stdout.find("node ").unwrap();
    assert!(headline_at.is_some_and(|h| h < first_table), "{stdout}");
    assert!(
        stdout.contains("statistics over days 30-365 (335 days)"),
        "{stdout}"
    );

    // Main routes: the busiest to each destination. In the whole corridor these are, westbound,
    // Khorgos to Alat by feeder (more TEU than by rail ferry), to Alat's ferry terminal, to Kars
    // and to Constanta, and eastbound to each Chinese border; the one- and two-node background
    // routes never are.
    for route in [
        "khorgos-aktau-alat",
        "khorgos-kuryk-alat",
        "khorgos-aktau-kars",
        "khorgos-aktau-constanta",
        "alat-aktau-khorgos",
        "alat-aktau-dostyk",
    ] {
        let line = format!(
            "{route}: transit {} d (median {:.1} d, p95 {:.1} d), {} TEU/day",
            pm(&json, "route", route, "transit_mean_h", 1.0 / 24.0, 1),
            mean(&json, "route", route, "transit_p50_h") / 24.0,
            mean(&json, "route", route, "transit_p95_h") / 24.0,
            pm(&json, "route", route, "throughput_teu_per_day", 1.0, 1),
        );
        assert!(stdout.contains(&line), "missing {line:?} in\n{stdout}");
    }
    for not_main in ["dostyk-aktau-alat:", "kuryk-wagons:", "khorgos-other:"] {
        assert!(!stdout.contains(not_main), "{not_main} in\n{stdout}");
    }

    // The busiest node: the most TEU a day delivered on the routes through it, recomputed here.
    let routes = json["summary"]["routes"].as_array().unwrap();
    let through = |node: &str| -> f64 {
        routes
            .iter()
            .filter(|r| r["nodes"].as_array().unwrap().iter().any(|n| n == node))
            .map(|r| {
                mean(
                    &json,
                    "route",
                    r["id"].as_str().unwrap(),
                    "throughput_teu_per_day",
                )
            })
            .sum()
    };
    let nodes = json["summary"]["nodes"].as_array().unwrap();
    let busiest = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .max_by(|a, b| through(a).total_cmp(&through(b)))
        .unwrap();
    assert_eq!(busiest, "khorgos-gateway");
    assert!(
        stdout.contains(&format!(
            "Busiest node: khorgos-gateway (Khorgos Gateway / Altynkol (gauge change 1435 <-> 1520)), about {:.0} TEU a day",
            through(busiest)
        )),
        "{stdout}"
    );

    // The binding resource: the highest utilization of any node with servers or any fleet.
    let mut resources: Vec<(String, f64, String)> = nodes
        .iter()
        .filter(|n| !n["servers"].is_null())
        .map(|n| {
            let id = n["id"].as_str().unwrap();
            (
                format!("node {id}"),
                mean(&json, "node", id, "utilization"),
                pm(&json, "node", id, "utilization", 100.0, 1),
            )
        })
        .collect();
    for fleet in json["summary"]["fleets"].as_array().unwrap() {
        let id = fleet["id"].as_str().unwrap();
        resources.push((
            format!("fleet {id}"),
            mean(&json, "fleet", id, "utilization"),
            pm(&json, "fleet", id, "utilization", 100.0, 1),
        ));
    }
    let (what, _, value) = resources.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
    let binding = stdout
        .lines()
        .find(|l| l.contains("Binding resource (highest utilization): "))
        .unwrap();
    assert!(binding.contains(what.as_str()), "{what}: {binding}");
    assert!(
        binding.ends_with(&format!("{value} %")),
        "{value}: {binding}"
    );

    // The storms close the four Caspian ports together: one line, in days of the window.
    let closed = pm(&json, "target", "aktau-port", "closed_h", 1.0 / 24.0, 1);
    assert!(
        stdout.contains(&format!(
            "Disruptions: aktau-port (node), kuryk-port (node), alat-port (node), alat-ferry (node) closed {closed} days of the 335-day window"
        )),
        "{stdout}"
    );

    // The units and the odd rows are explained under their tables.
    for note in [
        "count consignments (a block train or a single container, as its flow arrives), not TEU",
        "delivered TEU/yr is the TEU delivered in the 335-day statistics window scaled to a 365-day year",
        "khorgos-other, dostyk-other: routes of one or two nodes",
        "the stages add up to about, not exactly, the mean transit",
    ] {
        assert!(stdout.contains(note), "missing {note:?}");
    }
    // And each route's stage table gives both sums.
    assert!(stdout.contains("(the stages add up to "), "{stdout}");

    // The last line says where the report is; the report opens with the same headline.
    let report = dir.path().join("out").join("report.html");
    assert_eq!(
        stdout.lines().last().unwrap(),
        format!(
            "Open {} in a browser: the headline, every table and the charts.",
            report.display()
        )
    );
    let html = std::fs::read_to_string(&report).unwrap();
    let headline = html.find("<h2>Headline</h2>").unwrap();
    assert!(headline < html.find("<h2>Routes</h2>").unwrap());
    let line = format!(
        "khorgos-aktau-alat: transit {} d",
        pm(
            &json,
            "route",
            "khorgos-aktau-alat",
            "transit_mean_h",
            1.0 / 24.0,
            1
        )
    );
    assert!(html[headline..].contains(&line), "{line}");
    assert!(html.contains("count consignments"));
}

#[test]
fn run_set_echoes_the_override_it_applied() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, json) = default_run(
        dir.path(),
        &["--set", "node.aktau-rail.servers=3", "--no-charts"],
    );
    assert_eq!(
        stdout.lines().next().unwrap(),
        "Override: node.aktau-rail.servers = 3 (the scenario has 2)"
    );
    let aktau = json["summary"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "aktau-rail")
        .unwrap();
    assert_eq!(aktau["servers"], 3);
    // Without charts there is no report to open, and the last line says how to draw it.
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("No charts or report.html (--no-charts); `corridor plot "),
        "{stdout}"
    );
    // A field the scenario leaves unset says so; --quiet prints nothing.
    let quiet = dir.path().join("quiet");
    corridor()
        .args([
            "run",
            "-q",
            "-r",
            "1",
            "--no-charts",
            "--set",
            "node.aktau-rail.servers=3",
            "--out",
        ])
        .arg(&quiet)
        .assert()
        .success()
        .stdout("");
    let unset = dir.path().join("unset");
    corridor()
        .args([
            "run",
            "-r",
            "1",
            "--no-charts",
            "--set",
            "node.khorgos-clearance.servers=50",
            "--out",
        ])
        .arg(&unset)
        .assert()
        .success()
        .stdout(predicates::str::starts_with(
            "Override: node.khorgos-clearance.servers = 50 (the scenario has no value there)\n",
        ));
}

/// The ```sh blocks of README.md that `.ci/readme.sh` runs (those after `<!-- ci: run -->`),
/// with their first line number, parsed the way the script parses them.
fn marked_blocks(readme: &str) -> Vec<(usize, Vec<String>)> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "```sh" {
            let start = i;
            let mut body = Vec::new();
            i += 1;
            while lines[i].trim() != "```" {
                body.push(lines[i].to_string());
                i += 1;
            }
            if start > 0 && lines[start - 1].trim() == "<!-- ci: run -->" {
                blocks.push((start + 1, body));
            }
        }
        i += 1;
    }
    blocks
}

#[test]
fn the_readme_examples_that_ci_runs_install_the_command_first_and_never_share_an_output_directory()
{
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let blocks = marked_blocks(&readme);
    assert!(blocks.len() >= 5, "{blocks:?}");
    // The set-up comes first and installs the command every later block types.
    let (_, first) = &blocks[0];
    assert!(
        first[0].starts_with("cargo install --locked --path ."),
        "{first:?}"
    );
    // Join continued lines, drop comments: the commands as the shell sees them.
    let mut outs: HashSet<String> = HashSet::new();
    for (line, body) in &blocks {
        let text = body.join("\n").replace("\\\n", " ");
        for command in text.lines() {
            let command = command.split(" #").next().unwrap().trim();
            let words: Vec<&str> = command.split_whitespace().collect();
            let writes = matches!(
                words.get(1).copied(),
                Some("run" | "compare" | "sweep" | "sensitivity" | "merge")
            ) && words[0] == "corridor";
            if !writes {
                continue;
            }
            // Where it writes: --out DIR, else the default. Two commands writing to one
            // directory make the second fail after the first (the newcomer's "not empty").
            let out = words
                .iter()
                .position(|w| *w == "--out" || *w == "-o")
                .map_or("corridor-out", |i| words[i + 1]);
            assert!(
                !words.contains(&"--force"),
                "README.md:{line}: {command}: an example must not need --force"
            );
            assert!(
                outs.insert(out.to_string()),
                "README.md:{line}: `{command}` writes into {out}, which an earlier example filled"
            );
        }
    }
    assert!(
        outs.contains("corridor-out") && outs.contains("aktau-hub"),
        "{outs:?}"
    );
}
