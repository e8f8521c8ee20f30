//! Scenario variants (`extends`, `remove`), parameter paths and the study sections: merging
//! rules, errors that name the file and the chain, and overrides that compile to what a
//! hand-written file would.

use std::path::{Path, PathBuf};

use corridor::engine::Simulation;
use corridor::scenario::{self, Assignment, Change, Document, ScenarioError};
use corridor::study::sections::{self, StudySections};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/variants")
        .join(name)
}

/// The diagnostics of an invalid scenario as `file:line:col: path: message` lines.
fn problems(err: ScenarioError) -> Vec<String> {
    match err {
        ScenarioError::Invalid { diagnostics } => {
            diagnostics.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected diagnostics, got {other}"),
    }
}

fn load_err(name: &str) -> Vec<String> {
    match scenario::load(&fixture(name)) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(err) => problems(err),
    }
}

/// Two models are the same if they print the same and simulate the same.
fn assert_same_model(a: &corridor::model::Model, b: &corridor::model::Model) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let (mut sa, mut sb) = (Simulation::new(a), Simulation::new(b));
    assert_eq!(
        format!("{:?}", sa.run(a.settings.seed, 3)),
        format!("{:?}", sb.run(b.settings.seed, 3))
    );
}

#[test]
fn a_variant_equals_the_file_written_out_in_full() {
    let variant = scenario::load(&fixture("sub/variant.toml")).unwrap();
    let expected = scenario::load(&fixture("expected_variant.toml")).unwrap();
    assert_same_model(&variant.model, &expected.model);
    // The merged node kept the base's kind, took the new servers and replaced the whole
    // distribution (an exponential's `mean` does not leak into the triangular).
    let port = &variant.model.nodes[1];
    assert_eq!((port.id.as_str(), port.servers), ("port", Some(2)));
    assert_eq!(
        port.yard_capacity_teu, None,
        "removed key falls back to the default"
    );
    assert_eq!(port.service.mean(), 3.5 / 3.0);
}

#[test]
fn the_resolved_text_compiles_to_the_same_model_and_hash() {
    // Shards store this text; a merge on another machine recompiles it without the base files.
    let variant = scenario::load(&fixture("sub/variant.toml")).unwrap();
    assert!(variant.text.starts_with("# Resolved by Corridor from "));
    assert!(variant.text.contains("variants/base.toml, extended by"));
    let again = scenario::from_str(&variant.text, "resolved.toml").unwrap();
    assert_eq!(again.hash, variant.hash);
    assert_same_model(&again.model, &variant.model);
    // A plain file keeps its own text and hash.
    let base_text = std::fs::read_to_string(fixture("base.toml")).unwrap();
    let base = scenario::load(&fixture("base.toml")).unwrap();
    assert_eq!(base.text, base_text);
}

#[test]
fn chains_append_new_elements_and_merge_routes_by_id() {
    let doc = Document::read(&fixture("third.toml")).unwrap();
    let chain: Vec<&str> = doc.chain().collect();
    assert_eq!(chain.len(), 3);
    assert!(chain[0].ends_with("variants/base.toml"), "{chain:?}");
    assert!(chain[1].ends_with("variants/sub/variant.toml"), "{chain:?}");
    let model = doc.compile().unwrap().model;
    let ids: Vec<&str> = model.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["border", "port", "yard"]);
    assert_eq!(model.routes.len(), 1);
    assert_eq!(
        model.routes[0].nodes.len(),
        3,
        "the route was replaced by id"
    );
}

#[test]
fn a_cycle_is_an_error_naming_the_chain() {
    let got = load_err("cycle_a.toml");
    assert_eq!(got.len(), 1, "{got:?}");
    let line = &got[0];
    assert!(
        line.contains("cycle_b.toml:1:11: extends: extends cycle: "),
        "{line}"
    );
    let chain = line.split("extends cycle: ").nth(1).unwrap();
    let files: Vec<&str> = chain.split(" -> ").collect();
    assert_eq!(files.len(), 3, "{line}");
    for (file, name) in files
        .iter()
        .zip(["cycle_a.toml", "cycle_b.toml", "cycle_a.toml"])
    {
        assert!(file.ends_with(&format!("variants/{name}")), "{line}");
    }
}

#[test]
fn a_missing_base_is_an_error_at_the_extends_line() {
    let got = load_err("missing_base.toml");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("missing_base.toml:2:11: extends: cannot read the base scenario "));
    assert!(got[0].contains("no_such_base.toml"));
    assert!(got[0].contains("chain: "));
}

#[test]
fn problems_point_into_the_file_that_wrote_the_value() {
    let got = load_err("bad_override.toml");
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[0].contains("bad_override.toml:3:11: remove \"node.harbour\": unknown parameter path")
    );
    assert!(got[0].contains("nearest valid paths: "));
    assert!(
        got[1].contains("bad_override.toml:7:11: node \"port\".servers: must be a whole number from 1 to 4294967295, got 0"),
        "{got:?}"
    );
    // A problem inside the base is reported against the base, at its own line.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.toml"),
        std::fs::read_to_string(fixture("base.toml"))
            .unwrap()
            .replace(
                "servers = 1\nservice = { dist = \"exponential\"",
                "servers = -1\nservice = { dist = \"exponential\"",
            ),
    )
    .unwrap();
    std::fs::write(dir.path().join("v.toml"), "extends = \"base.toml\"\n").unwrap();
    let got = problems(scenario::load(&dir.path().join("v.toml")).unwrap_err());
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("base.toml:18:11: node \"port\".servers"),
        "{got:?}"
    );
}

#[test]
fn extends_must_be_a_file_name() {
    let err = scenario::from_str("extends = 3\n", "x.toml").unwrap_err();
    let got = problems(err);
    assert_eq!(got.len(), 1);
    assert!(got[0].starts_with("x.toml:1:11: extends: must be the file name of the base scenario"));
}

#[test]
fn remove_without_extends_is_an_error() {
    let text = std::fs::read_to_string(fixture("base.toml")).unwrap();
    let got = problems(
        scenario::from_str(&format!("remove = [\"node.depot\"]\n{text}"), "x.toml").unwrap_err(),
    );
    assert_eq!(
        got,
        ["x.toml:1:10: remove: this file extends nothing, so there is nothing to remove"]
    );
}

fn set(path: &str, value: f64) -> Assignment {
    Assignment {
        path: path.into(),
        change: Change::Set(value),
    }
}

fn scale(path: &str, factor: f64) -> Assignment {
    Assignment {
        path: path.into(),
        change: Change::Scale(factor),
    }
}

#[test]
fn documented_paths_of_the_default_scenario_apply() {
    let base = crate::common::middle_document();
    let model = |assignment: Assignment| {
        let mut doc = base.clone();
        doc.apply(&assignment).unwrap();
        doc.compile().unwrap().model
    };
    let m = model(set("node.aktau-port.servers", 4.0));
    let aktau = m.nodes.iter().find(|n| n.id == "aktau-port").unwrap();
    assert_eq!(aktau.servers, Some(4));
    let m = model(set("leg.aktau-alat.fleet.vessels", 9.0));
    assert_eq!(
        m.fleets
            .iter()
            .find(|f| f.id == "aktau-alat")
            .unwrap()
            .vehicles(),
        9
    );
    let m = model(set("flow.china-europe-middle.teu_per_year", 100_000.0));
    assert_eq!(
        m.flows
            .iter()
            .find(|f| f.id == "china-europe-middle")
            .unwrap()
            .teu_per_year,
        100_000.0
    );
    // Scaling a list multiplies every number; scaling a distribution keeps its shape.
    let before = base.compile().unwrap().model;
    let after = model(scale("disruption.caspian-storms.monthly_rates", 2.0));
    let rates = |m: &corridor::model::Model| {
        format!(
            "{:?}",
            m.disruptions
                .iter()
                .find(|d| d.id == "caspian-storms")
                .unwrap()
                .timing
        )
    };
    assert_ne!(rates(&before), rates(&after));
    assert_eq!(
        rates(&before),
        rates(&model(scale(
            "disruption.caspian-storms.monthly_rates",
            1.0
        )))
    );
    let service = |m: &corridor::model::Model| {
        let d = m
            .nodes
            .iter()
            .find(|n| n.id == "khorgos-clearance")
            .unwrap()
            .service
            .clone();
        (d.mean(), d.second_moment().unwrap())
    };
    let (mean0, m2_0) = service(&before);
    let (mean1, m2_1) = service(&model(scale("node.khorgos-clearance.service", 0.5)));
    assert!((mean1 - 0.5 * mean0).abs() < 1e-12);
    assert!((m2_1 - 0.25 * m2_0).abs() < 1e-9, "the cv is kept");
    // rate_per_year is a known field even where the scenario uses monthly rates; setting it
    // there is reported by the checks, naming the override.
    let mut doc = base.clone();
    doc.apply(&set("disruption.caspian-storms.rate_per_year", 12.0))
        .unwrap();
    let got = problems(doc.compile().unwrap_err());
    assert!(
        got.iter().all(
            |l| l.starts_with("set disruption.caspian-storms.rate_per_year = 12: ")
                || l.contains("monthly_rates")
        ),
        "{got:?}"
    );
}

#[test]
fn an_unknown_path_lists_the_nearest_valid_ones() {
    let mut doc = crate::common::middle_document();
    // The one diagnostic of a failed `apply`, which must leave the document unchanged.
    let mut fails = |assignment: Assignment, expected: &str| {
        let got = problems(doc.apply(&assignment).unwrap_err());
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains(expected), "{}", got[0]);
        assert_eq!(doc.overrides().count(), 0);
    };
    fails(
        set("node.aktau.servers", 3.0),
        "unknown parameter path \"node.aktau.servers\"; nearest valid paths: \"node.aktau-port.servers\"",
    );
    fails(
        set("flow.china-europe.teu_per_year", 1.0),
        "nearest valid paths: \"flow.china-europe-middle.teu_per_year\"",
    );
    // The wrong kind of change for the value there.
    fails(
        set("disruption.caspian-storms.monthly_rates", 1.0),
        "is a list of numbers: scale it",
    );
    fails(
        set("node.aktau-port.service", 1.0),
        "is a distribution: set one of its numbers",
    );
    fails(
        scale("node.kuryk-port.servers", 2.0),
        "not set in this scenario, so there is nothing to scale",
    );
    fails(
        scale("node.aktau-port.servers", -1.0),
        "a factor must be a finite number at least 0",
    );
    fails(set("node.aktau-port", 1.0), "names a whole element");
    fails(set("sweep.param", 1.0), "parameters live in scenario, node");
    assert_eq!(doc.compile().unwrap().hash, crate::common::middle().hash);
}

#[test]
fn an_override_that_breaks_a_rule_is_named_in_the_error() {
    let mut doc = crate::common::middle_document();
    doc.apply(&set("node.aktau-port.servers", 2.5)).unwrap();
    let got = problems(doc.compile().unwrap_err());
    assert_eq!(
        got,
        [
            "set node.aktau-port.servers = 2.5: node \"aktau-port\".servers: invalid type: floating point `2.5`, expected a whole number"
        ]
    );
}

#[test]
fn overrides_change_only_what_they_name() {
    let base = crate::common::middle_document();
    let same = base
        .with("node.aktau-port.servers", Change::Set(2.0))
        .unwrap();
    // Setting the value the scenario already has compiles to the same model.
    assert_same_model(
        &same.compile().unwrap().model,
        &crate::common::middle().model,
    );
    assert_eq!(base.number("node.aktau-port.servers").unwrap(), Some(2.0));
    assert_eq!(base.number("node.kuryk-port.servers").unwrap(), None);
    let paths = base.parameter_paths().unwrap();
    for documented in [
        "node.aktau-port.servers",
        "leg.aktau-alat.fleet.vessels",
        "disruption.caspian-storms.rate_per_year",
        "disruption.caspian-storms.monthly_rates",
        "flow.china-europe-middle.teu_per_year",
        "scenario.horizon_days",
        "leg.khorgos-gateway->khorgos-clearance.transit",
    ] {
        assert!(
            paths.iter().any(|p| p == documented),
            "{documented} missing from {paths:?}"
        );
    }
}

#[test]
fn study_sections_parse_and_are_checked() {
    let doc = Document::read(&fixture("studies.toml")).unwrap();
    let sweep = doc.sweep().unwrap().unwrap();
    assert_eq!(sweep.kpis, ["route/main/transit_mean_h"]);
    assert_eq!(sweep.params.len(), 2);
    assert_eq!(sweep.params[0].change(3.0), Change::Set(3.0));
    assert_eq!(sweep.params[1].change(2.0), Change::Scale(2.0));
    let uncertain = doc.uncertain().unwrap();
    assert_eq!(uncertain.len(), 2);
    assert_eq!(uncertain[0].label(), "port handling time");
    assert_eq!(uncertain[1].label(), "flow.boxes.teu_per_year");
    // `run` accepts a scenario with study sections (they are not part of the model).
    assert!(scenario::load(&fixture("studies.toml")).is_ok());
    assert!(sections::load(&fixture("studies.toml")).is_ok());
    // The scenario layer compiles the model only; the studies (and `corridor run`, through
    // `sections::load`) check their sections too.
    assert!(scenario::load(&fixture("bad_studies.toml")).is_ok());
    let got = match sections::load(&fixture("bad_studies.toml")) {
        Ok(_) => panic!("bad_studies.toml should be rejected"),
        Err(err) => problems(err),
    };
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].contains("bad_studies.toml:5:8: sweep.param[0].path: unknown parameter path \"node.prot.servers\"; nearest valid paths: \"node.port.servers\""), "{got:?}");
    assert!(got[1].contains("bad_studies.toml:10:7: uncertain \"flow.boxes.teu_per_year\".low: low and high must be finite numbers with low < high"));
    assert!(got[2].contains("is a list of numbers: scale it"));
}

#[test]
fn run_with_set_equals_running_the_file_with_that_value() {
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("written.toml");
    let text = std::fs::read_to_string(fixture("base.toml")).unwrap();
    let changed = text.replace(
        "servers = 1\nservice = { dist = \"exponential\"",
        "servers = 3\nservice = { dist = \"exponential\"",
    );
    assert_ne!(text, changed);
    std::fs::write(&written, changed).unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    crate::common::corridor()
        .args([
            "run",
            "-q",
            "--no-charts",
            "-r",
            "3",
            "--set",
            "node.port.servers=3",
            "-o",
        ])
        .arg(&a)
        .arg(fixture("base.toml"))
        .assert()
        .success();
    crate::common::corridor()
        .args(["run", "-q", "--no-charts", "-r", "3", "-o"])
        .arg(&b)
        .arg(&written)
        .assert()
        .success();
    for name in ["kpis.csv", "replications.csv", "nodes.csv"] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
    // The run records the override in its scenario text.
    let summary = std::fs::read_to_string(a.join("summary.json")).unwrap();
    assert!(summary.contains("base.toml"));
    // A bad path fails before anything is written.
    let c = dir.path().join("c");
    crate::common::corridor()
        .args(["run", "-q", "--set", "node.prot.servers=3", "-o"])
        .arg(&c)
        .arg(fixture("base.toml"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "nearest valid paths: \"node.port.servers\"",
        ));
    assert!(!c.exists());
}

#[test]
fn params_lists_every_path_with_its_value() {
    let assert = crate::common::corridor()
        .arg("params")
        .arg(fixture("sub/variant.toml"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let line = |path: &str| {
        stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(path))
            .unwrap_or_else(|| panic!("{path} missing:\n{stdout}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("node.port.servers"), "2");
    assert_eq!(line("node.port.yard_capacity"), "(not set)");
    assert_eq!(line("flow.boxes.teu_per_year"), "4000");
    assert!(line("disruption.storms.monthly_rates").starts_with("[2, 2, 1"));
    assert!(!stdout.contains("node.depot"), "removed elements are gone");
}

#[test]
fn shards_of_a_variant_merge_without_the_base_files() {
    // Copy the chain to a directory that is deleted before the merge: shards carry the merged
    // document, so the merge needs no scenario file at all.
    let dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    std::fs::create_dir(files.path().join("sub")).unwrap();
    for name in ["base.toml", "sub/variant.toml"] {
        std::fs::copy(fixture(name), files.path().join(name)).unwrap();
    }
    let variant = files.path().join("sub/variant.toml");
    let run = |args: &[&str], out: &Path| {
        crate::common::corridor()
            .args([
                "run",
                "-q",
                "--no-charts",
                "-r",
                "4",
                "--set",
                "node.border.servers=3",
            ])
            .args(args)
            .arg("-o")
            .arg(out)
            .arg(&variant)
            .assert()
            .success();
    };
    let whole = dir.path().join("whole");
    run(&[], &whole);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&["--shard", "0/2"], &a);
    run(&["--shard", "1/2"], &b);
    drop(files);
    assert!(!variant.exists());
    let merged = dir.path().join("merged");
    crate::common::corridor()
        .args(["merge", "-q", "--no-charts", "-o"])
        .arg(&merged)
        .args([&a, &b])
        .assert()
        .success();
    crate::common::assert_same_results(&whole, &merged);
}

mod properties {
    use corridor::scenario::{Assignment, Change};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        /// Any path, valid or mangled, with any change, gives an applied override that compiles
        /// or an error; never a panic, and a failed `apply` leaves the document as it was.
        #[test]
        fn any_assignment_applies_or_fails_cleanly(
            pick in 0usize..1000,
            cut in 0usize..40,
            suffix in prop::sample::select(vec!["", ".x", ".mean", "..", ".servers", "-"]),
            set in any::<bool>(),
            value in prop::sample::select(vec![0.0, 0.5, 1.0, 2.0, 3.0, -1.0, 1e12, f64::NAN]),
        ) {
            let base = crate::common::middle_document();
            let paths = base.parameter_paths().unwrap();
            let path = &paths[pick % paths.len()];
            let cut = path.len().saturating_sub(cut % 6);
            let path = format!("{}{suffix}", &path[..cut]);
            let change = if set { Change::Set(value) } else { Change::Scale(value) };
            let mut doc = base.clone();
            match doc.apply(&Assignment { path, change }) {
                Ok(()) => {
                    prop_assert_eq!(doc.overrides().count(), 1);
                    let _ = doc.compile();
                }
                Err(_) => prop_assert_eq!(doc.overrides().count(), 0),
            }
        }
    }
}
