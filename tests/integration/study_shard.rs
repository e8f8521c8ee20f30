//! Study shards: `compare`, `sweep` and `sensitivity` with `--shard I/K`, and `corridor merge` of
//! them, which writes exactly the files of the unsharded study; the merge's refusals.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::common::{corridor, file_names, json_without, scenario_file, single_node};

/// Asserts that two study result directories hold the same files with the same bytes (charts
/// included), but for the command line in the provenance of the JSON files (the only thing that
/// says how the files were made; the study JSON files record no wall time).
fn assert_same_study_files(a: &Path, b: &Path) {
    let names = file_names(a);
    assert_eq!(names, file_names(b), "{} vs {}", a.display(), b.display());
    assert!(!names.is_empty());
    for name in &names {
        let (x, y) = (a.join(name), b.join(name));
        if x.is_dir() {
            assert_same_study_files(&x, &y);
        } else if name.ends_with(".json") {
            let (jx, jy) = (
                json_without(&x, &["command_line"]),
                json_without(&y, &["command_line"]),
            );
            assert!(
                jx == jy,
                "{name} differs between {} and {}",
                a.display(),
                b.display()
            );
            // And the text is the same apart from that field: the same serialisation.
            let strip = |path: &Path| {
                let text = std::fs::read_to_string(path).unwrap();
                let start = text.find("\"command_line\"").unwrap();
                let end = start + text[start..].find(']').unwrap();
                format!("{}{}", &text[..start], &text[end..])
            };
            assert!(strip(&x) == strip(&y), "{name} text differs");
        } else {
            assert!(
                std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(),
                "{name} differs between {} and {}",
                a.display(),
                b.display()
            );
        }
    }
}

/// Runs `corridor <args> -o <dir/name>` and returns the output directory.
fn study(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    corridor().args(args).arg("-o").arg(&out).assert().success();
    out
}

/// Runs shard `spec` of the study `args`; checks what it says and that it wrote a shard.
fn shard(dir: &Path, args: &[&str], spec: &str) -> PathBuf {
    let out = dir.join(format!("shard-{}", spec.replace('/', "-of-")));
    let command = args[0];
    corridor()
        .args(args)
        .args(["--shard", spec, "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Shard {spec} of the {command} study"
        )));
    assert!(out.join("shard.json").is_file());
    out
}

fn merge(dirs: &[&Path], out: &Path) -> assert_cmd::assert::Assert {
    corridor()
        .arg("merge")
        .args(dirs)
        .args(["--chart-size", "640x360", "-o"])
        .arg(out)
        .assert()
}

/// Shards `0/k .. k-1/k` of the study `args`, the first one on two threads.
fn shards(dir: &Path, args: &[&str], k: u32) -> Vec<PathBuf> {
    (0..k)
        .map(|i| {
            let mut with = args.to_vec();
            if i == 0 {
                with.extend(["-j", "2"]);
            }
            shard(dir, &with, &format!("{i}/{k}"))
        })
        .collect()
}

fn station(servers: u32, service_mean: f64) -> String {
    single_node(
        0.8,
        servers,
        &format!(r#"{{ dist = "exponential", mean = {service_mean} }}"#),
        40.0,
        5.0,
    )
}

#[test]
fn compare_shards_merged_equal_the_single_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_file(dir.path(), "base.toml", &station(1, 1.0));
    let two = scenario_file(dir.path(), "two.toml", &station(2, 1.0));
    // A variant naming another seed: the comparison notes it (without --seed), merged too.
    let faster = scenario_file(
        dir.path(),
        "faster.toml",
        &station(1, 0.8).replace("seed = 12345", "seed = 7"),
    );
    let paths = [&base, &two, &faster].map(|p| p.to_str().unwrap().to_string());
    let args: Vec<&str> = ["compare", "-q", "-r", "5", "--chart-size", "640x360"]
        .into_iter()
        .chain(paths.iter().map(String::as_str))
        .collect();
    let single = study(dir.path(), "single", &args);
    assert_eq!(
        file_names(&single),
        ["charts", "compare.csv", "compare.json"]
    );
    let mut shard_args = args.clone();
    shard_args.retain(|a| *a != "-q");
    let shards = shards(dir.path(), &shard_args, 3);
    assert_eq!(
        file_names(&shards[0]),
        [
            "replications-0000.jsonl.gz",
            "replications-0001.jsonl.gz",
            "replications-0002.jsonl.gz",
            "shard.json"
        ]
    );
    let merged = dir.path().join("merged");
    merge(&[&shards[2], &shards[0], &shards[1]], &merged)
        .success()
        .stdout(predicate::str::contains(
            "Merged 3 shards of the compare study (3 variants, 5 replications each",
        ))
        .stderr(predicate::str::contains("names seed 7"));
    assert_same_study_files(&single, &merged);
    let json = std::fs::read_to_string(merged.join("compare.json")).unwrap();
    assert!(json.contains("names seed 7; it runs with the base's seed 12345"));
}

const SWEEP_BASE: &str = "sweep_base.toml";

/// A scenario that extends another, with a `[sweep]` of the servers and no KPIs (the defaults).
fn sweep_scenario(dir: &Path) -> PathBuf {
    scenario_file(dir, SWEEP_BASE, &station(1, 1.0));
    scenario_file(
        dir,
        "sweep.toml",
        &format!(
            "extends = \"{SWEEP_BASE}\"\n\n[scenario]\nname = \"swept\"\n\n[[sweep.param]]\npath = \"node.station.servers\"\nvalues = [1, 2, 3]\n"
        ),
    )
}

#[test]
fn sweep_shards_merged_equal_the_single_sweep_even_when_the_scenario_extends_another() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = sweep_scenario(dir.path());
    let path = scenario.to_str().unwrap();
    let single = study(
        dir.path(),
        "single",
        &["sweep", "-q", path, "-r", "4", "--chart-size", "640x360"],
    );
    assert_eq!(file_names(&single), ["charts", "sweep.csv", "sweep.json"]);
    let shards = shards(
        dir.path(),
        &["sweep", path, "-r", "4", "--chart-size", "640x360"],
        2,
    );
    // The shard needs none of the scenario files: they are in its manifest.
    std::fs::remove_file(&scenario).unwrap();
    std::fs::remove_file(dir.path().join(SWEEP_BASE)).unwrap();
    let merged = dir.path().join("merged");
    merge(&[&shards[1], &shards[0]], &merged)
        .success()
        .stdout(predicate::str::contains(
            "Merged 2 shards of the sweep study (3 variants",
        ));
    assert_same_study_files(&single, &merged);
    // Two parameters (a grid), from the flags.
    let scenario = scenario_file(dir.path(), "grid.toml", &station(2, 1.0));
    let path = scenario.to_str().unwrap();
    let args = [
        "sweep",
        path,
        "-r",
        "3",
        "--param",
        "node.station.servers=2,3",
        "--scale",
        "flow.f.teu_per_year=0.5,1",
        "--kpi",
        "node/station/wait_mean_h",
        "--chart-size",
        "640x360",
    ];
    let single = study(dir.path(), "grid-single", &args);
    let shards: Vec<PathBuf> = (0..3)
        .map(|i| shard(&dir.path().join("grid"), &args, &format!("{i}/3")))
        .collect();
    let merged = dir.path().join("grid-merged");
    merge(&[&shards[0], &shards[1], &shards[2]], &merged).success();
    assert_same_study_files(&single, &merged);
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

#[test]
fn sensitivity_shards_merged_equal_the_single_study() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_file(
        dir.path(),
        "uncertain.toml",
        &format!("{}\n{UNCERTAIN}", station(3, 1.0)),
    );
    let path = scenario.to_str().unwrap();
    // Both methods with a KPI chosen; Morris alone with the default KPIs (which then need a run
    // of the scenario itself, a variant of its own).
    for (name, extra) in [
        ("both", &["--kpi", "node/station/wait_mean_h"][..]),
        ("morris", &["--method", "morris"][..]),
    ] {
        let mut args = vec![
            "sensitivity",
            path,
            "-r",
            "3",
            "--trajectories",
            "3",
            "--chart-size",
            "640x360",
        ];
        args.extend(extra);
        let here = dir.path().join(name);
        std::fs::create_dir(&here).unwrap();
        let mut quiet = args.clone();
        quiet.push("-q");
        let single = study(&here, "single", &quiet);
        let shards = shards(&here, &args, 3);
        let merged = here.join("merged");
        merge(&[&shards[1], &shards[2], &shards[0]], &merged).success();
        assert_same_study_files(&single, &merged);
    }
    assert_eq!(
        file_names(&dir.path().join("both/merged")),
        [
            "charts",
            "morris.csv",
            "morris.json",
            "morris_design.csv",
            "oat.csv",
            "oat.json"
        ]
    );
    // 2 + 2 one-at-a-time points and the scenario; 3 Morris trajectories of 3 points.
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("both/shard-0-of-3/shard.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["variants"].as_array().unwrap().len(), 5 + 9);
    assert_eq!(manifest["study"]["command"], "sensitivity");
    let morris: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("morris/shard-0-of-3/shard.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(morris["variants"].as_array().unwrap().len(), 9 + 1);
}

/// Two shards of a small sweep, `-r 4` and seed `seed`, in `dir/name`.
fn sweep_shards(dir: &Path, name: &str, scenario: &Path, extra: &[&str]) -> (PathBuf, PathBuf) {
    let here = dir.join(name);
    let mut args = vec!["sweep", scenario.to_str().unwrap(), "-r", "4"];
    args.extend(extra);
    let a = shard(&here, &args, "0/2");
    let b = shard(&here, &args, "1/2");
    (a, b)
}

#[test]
fn merge_refuses_study_shards_that_are_incomplete_duplicated_or_of_different_studies() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = sweep_scenario(dir.path());
    let (a, b) = sweep_shards(dir.path(), "good", &scenario, &[]);
    let out = dir.path().join("out");
    let refused = |dirs: &[&Path], message: &str| {
        merge(dirs, &out)
            .code(1)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("panicked").not());
        assert!(!out.exists(), "a refused merge writes nothing");
    };
    refused(&[&a], "missing shard 1/2 of the 2");
    refused(&[&a, &a], "shard 0/2 is given twice");
    // Another seed.
    let (_, seed) = sweep_shards(dir.path(), "seed", &scenario, &["-s", "14"]);
    refused(
        &[&a, &seed],
        "shards of different studies: they differ in seed: ",
    );
    // Another scenario (same sweep).
    let other = scenario_file(
        dir.path(),
        "other.toml",
        &std::fs::read_to_string(&scenario)
            .unwrap()
            .replace("swept", "other"),
    );
    let (_, scenario_b) = sweep_shards(dir.path(), "scenario", &other, &[]);
    refused(&[&a, &scenario_b], "they differ in scenario (SHA-256)");
    // Other sweep values: another variant.
    let (_, values) = sweep_shards(
        dir.path(),
        "values",
        &scenario,
        &["--param", "node.station.servers=1,2,4"],
    );
    refused(&[&a, &values], "they differ in variant 2: ");
    // Other KPIs: the same variants, another definition.
    let (_, kpis) = sweep_shards(
        dir.path(),
        "kpis",
        &scenario,
        &["--kpi", "node/station/wait_mean_h"],
    );
    refused(&[&a, &kpis], "they differ in the study's definition");
    // Another study command on the same scenario.
    let compare = shard(
        &dir.path().join("compare"),
        &[
            "compare",
            "-r",
            "4",
            scenario.to_str().unwrap(),
            scenario.to_str().unwrap(),
        ],
        "1/2",
    );
    refused(&[&a, &compare], "they differ in command: ");
    // A shard of a run.
    let run = dir.path().join("run-shard");
    corridor()
        .args(["run", "-q", "-r", "4", "--shard", "1/2", "-o"])
        .arg(&run)
        .arg(&scenario)
        .assert()
        .success();
    refused(&[&a, &run], "is a shard of `corridor run` and");
    refused(&[&run, &a], "a shard of a study");
    // And the good pair merges.
    merge(&[&a, &b], &out).success();
}

#[test]
fn bad_study_shard_values_are_errors_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = sweep_scenario(dir.path());
    let uncertain = scenario_file(
        dir.path(),
        "uncertain.toml",
        &format!("{}\n{UNCERTAIN}", station(3, 1.0)),
    );
    let out = dir.path().join("out");
    for (command, value, message) in [
        (
            "sweep",
            "3/2",
            "invalid --shard 3/2: shards are numbered from 0",
        ),
        ("sweep", "x", "invalid --shard x: expected INDEX/COUNT"),
        (
            "sweep",
            "0/5",
            "--shard 0/5: a study of 4 replications per variant can be split into at most 4 shards",
        ),
        (
            "compare",
            "1/0",
            "invalid --shard 1/0: the shard count must be at least 1",
        ),
        (
            "sensitivity",
            "2/1",
            "invalid --shard 2/1: shards are numbered from 0, so with 1 shards",
        ),
    ] {
        let mut cmd = corridor();
        cmd.args([command, "-q", "-r", "4", "--shard", value, "-o"])
            .arg(&out)
            .arg(if command == "sensitivity" {
                &uncertain
            } else {
                &scenario
            });
        if command == "compare" {
            cmd.arg(&scenario);
        }
        cmd.assert()
            .code(1)
            .stderr(predicate::str::contains(message));
        assert!(!out.exists());
    }
}

/// Edits `shard.json` of every directory in `dirs` with `edit`.
fn edit_manifests(dirs: &[&Path], edit: impl Fn(&mut serde_json::Value)) {
    for dir in dirs {
        let path = dir.join("shard.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        edit(&mut json);
        std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    }
}

#[test]
fn merge_detects_damaged_or_consistently_edited_study_shards() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = sweep_scenario(dir.path());
    let out = dir.path().join("out");
    // A truncated data file of the second variant.
    let (a, b) = sweep_shards(dir.path(), "damaged", &scenario, &[]);
    let data = b.join("replications-0001.jsonl.gz");
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains("replications-0001.jsonl.gz"));
    assert!(!out.exists());
    // The seed edited the same way in both manifests: the data no longer follows from it.
    let (a, b) = sweep_shards(dir.path(), "seed", &scenario, &[]);
    edit_manifests(&[&a, &b], |m| m["provenance"]["seed"] = 99.into());
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "replication 0 of variant 0 (node.station.servers = 1) is not what the study and seed 99 of its manifest give",
        ));
    assert!(!out.exists());
    // A sweep value edited in both: the rebuilt study is not the one the shards ran.
    let (a, b) = sweep_shards(dir.path(), "values", &scenario, &[]);
    edit_manifests(&[&a, &b], |m| {
        m["study"]["params"][0]["values"][2] = 4.0.into()
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "variant 2 of its study is node.station.servers = 4",
        ));
    assert!(!out.exists());
    // A grid larger than the variants listed (edited in both): refused before it is built.
    let (a, b) = sweep_shards(dir.path(), "grid", &scenario, &[]);
    edit_manifests(&[&a, &b], |m| {
        m["study"]["params"][0]["values"] = (1..=1000).map(f64::from).collect::<Vec<_>>().into()
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "the shards' sweep has 1000 points, but they list 3 variants",
        ));
    assert!(!out.exists());
    // So is a Morris design larger than the variants listed.
    let uncertain = scenario_file(
        dir.path(),
        "uncertain.toml",
        &format!("{}\n{UNCERTAIN}", station(3, 1.0)),
    );
    let morris = [
        "sensitivity",
        uncertain.to_str().unwrap(),
        "-r",
        "2",
        "--method",
        "morris",
        "--trajectories",
        "2",
        "--kpi",
        "node/station/wait_mean_h",
    ];
    let here = dir.path().join("morris");
    let (a, b) = (shard(&here, &morris, "0/2"), shard(&here, &morris, "1/2"));
    edit_manifests(&[&a, &b], |m| {
        m["study"]["trajectories"] = 4_000_000_000_u32.into()
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "the shards' Morris design (4000000000 trajectories of 3 points) has more runs than the 6 variants they list",
        ));
    assert!(!out.exists());
    // A replication count edited in both (shard sizes to match): the data ends, no memory is
    // reserved for the count.
    let (a, b) = sweep_shards(dir.path(), "count", &scenario, &[]);
    edit_manifests(&[&a, &b], |m| {
        m["provenance"]["replications"] = 4_000_000_000_u32.into();
        m["shard_replications"] = 2_000_000_000_u32.into();
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "replications-0000.jsonl.gz: ends before replication 4 (truncated?)",
        ));
    assert!(!out.exists());
    // A manifest of another format version.
    let (a, b) = sweep_shards(dir.path(), "version", &scenario, &[]);
    edit_manifests(&[&b], |m| m["provenance"]["format_version"] = 99.into());
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: format_version 99, but this Corridor",
            b.join("shard.json").display()
        )));
    assert!(!out.exists());
}

#[test]
fn compare_across_demand_levels_merged_from_shards_equals_the_single_study() {
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_file(dir.path(), "base.toml", &station(1, 1.0));
    let two = scenario_file(dir.path(), "two.toml", &station(2, 1.0));
    let paths = [&base, &two].map(|p| p.to_str().unwrap().to_string());
    let args: Vec<&str> = [
        "compare",
        "-q",
        "-r",
        "4",
        "--chart-size",
        "640x360",
        "--demand",
        "0.5,1.5",
    ]
    .into_iter()
    .chain(paths.iter().map(String::as_str))
    .collect();
    let single = study(dir.path(), "single", &args);
    assert_eq!(
        file_names(&single),
        ["charts", "demand.csv", "demand.json", "demand_levels.csv"]
    );
    let mut shard_args = args.clone();
    shard_args.retain(|a| *a != "-q");
    let shards = shards(dir.path(), &shard_args, 2);
    let merged = dir.path().join("merged");
    merge(&[&shards[1], &shards[0]], &merged)
        .success()
        .stdout(predicate::str::contains(
            "Merged 2 shards of the compare study (4 variants, 4 replications each",
        ));
    assert_same_study_files(&single, &merged);
}

/// The appraisal of an investment (`appraisal.csv`, the appraisal in `compare.json` and, across
/// demand levels, in `demand.json`) is computed from the merged replications exactly as from a
/// single study: sharded and merged, every file is the same, byte for byte.
#[test]
fn appraisal_shards_merged_equal_the_single_study_with_and_without_demand_levels() {
    use crate::costs::{FIXTURE, faster_port};
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_file(dir.path(), "base.toml", FIXTURE);
    let variant = scenario_file(dir.path(), "hub.toml", &faster_port());
    let paths = [&base, &variant].map(|p| p.to_str().unwrap().to_string());
    for (name, extra) in [("plain", &[][..]), ("demand", &["--demand", "0.5,1"][..])] {
        let args: Vec<&str> = ["compare", "-q", "-r", "4", "--chart-size", "640x360"]
            .into_iter()
            .chain(extra.iter().copied())
            .chain(paths.iter().map(String::as_str))
            .collect();
        let at = dir.path().join(name);
        let single = study(&at, "single", &args);
        assert!(
            file_names(&single).contains(&"appraisal.csv".to_string()),
            "{name}: {:?}",
            file_names(&single)
        );
        let appraisal = std::fs::read_to_string(single.join("appraisal.csv")).unwrap();
        // Five quantities (benefit, saving per TEU, extra TEU, NPV, BCR) per variant and level,
        // the NPV a number (the variant declares an investment).
        let rows = appraisal.lines().count() - 1;
        assert_eq!(rows, if name == "demand" { 10 } else { 5 }, "{appraisal}");
        assert!(
            appraisal
                .lines()
                .any(|l| l.contains(",npv,") && !l.contains(",npv,,")),
            "{appraisal}"
        );
        let mut shard_args = args.clone();
        shard_args.retain(|a| *a != "-q");
        let shards = shards(&at, &shard_args, 2);
        let merged = at.join("merged");
        merge(&[&shards[1], &shards[0]], &merged).success();
        assert_same_study_files(&single, &merged);
    }
}
