//! Shards and `corridor merge`: merged shards are exactly the unsharded run.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::common::{assert_same_results, corridor, file_names};

fn shard(dir: &Path, spec: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("shard-{}", spec.replace('/', "-of-")));
    corridor()
        .args(["run", "-r", "7", "-s", "13", "--shard", spec])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!("Shard {spec}:")));
    out
}

fn merge(dirs: &[&Path], out: &Path) -> assert_cmd::assert::Assert {
    corridor()
        .arg("merge")
        .args(dirs)
        .arg("-o")
        .arg(out)
        .assert()
}

#[test]
fn three_shards_merged_equal_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("single");
    corridor()
        .args(["run", "-q", "-r", "7", "-s", "13", "-o"])
        .arg(&single)
        .assert()
        .success();
    let shards: Vec<PathBuf> = ["0/3", "1/3", "2/3"]
        .iter()
        .map(|s| shard(dir.path(), s, &["-j", "2"]))
        .collect();
    assert_eq!(
        file_names(&shards[0]),
        ["replications.jsonl.gz", "shard.json"]
    );
    // The order of the directories on the command line does not matter.
    let merged = dir.path().join("merged");
    merge(&[&shards[2], &shards[0], &shards[1]], &merged)
        .success()
        .stdout(predicate::str::contains("Merged 3 shards (7 replications"));
    assert_same_results(&single, &merged);
}

#[test]
fn merge_refuses_incomplete_duplicate_or_mismatched_shards() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "0/2", &[]);
    let b = shard(dir.path(), "1/2", &[]);
    let out = dir.path().join("out");
    merge(&[&a], &out)
        .code(1)
        .stderr(predicate::str::contains("missing shard 1/2 of the 2"));
    merge(&[&a, &a], &out)
        .code(1)
        .stderr(predicate::str::contains("shard 0/2 is given twice"));
    // Same shard layout, other seed.
    let other_seed = dir.path().join("other-seed");
    corridor()
        .args(["run", "-q", "-r", "7", "-s", "14", "--shard", "1/2", "-o"])
        .arg(&other_seed)
        .assert()
        .success();
    merge(&[&a, &other_seed], &out)
        .code(1)
        .stderr(predicate::str::contains("shards differ in seed"));
    // Same seed, other scenario.
    let text = corridor::scenario::BUILTIN_TEXT.replacen("name = \"", "name = \"changed-", 1);
    let file = dir.path().join("changed.toml");
    std::fs::write(&file, text).unwrap();
    let other_scenario = dir.path().join("other-scenario");
    corridor()
        .args(["run", "-q", "-r", "7", "-s", "13", "--shard", "1/2", "-o"])
        .arg(&other_scenario)
        .arg(&file)
        .assert()
        .success();
    merge(&[&a, &other_scenario], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "shards differ in scenario (SHA-256)",
        ));
    // Not a shard directory at all.
    merge(&[&a, dir.path()], &out)
        .code(1)
        .stderr(predicate::str::contains("shard.json"));
    assert!(!out.exists(), "a refused merge writes nothing");
    // And the good pair merges.
    merge(&[&a, &b], &out).success();
}

#[test]
fn merge_detects_damaged_shard_data_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "0/2", &[]);
    let b = shard(dir.path(), "1/2", &[]);
    let data = b.join("replications.jsonl.gz");
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    let out = dir.path().join("out");
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains("replications.jsonl.gz"));
    assert!(file_names(&out).is_empty(), "{:?}", file_names(&out));
}

#[test]
fn bad_shard_values_are_errors_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (value, message) in [
        (
            "3/2",
            "shards are numbered from 0, so with 2 shards the index must be at most 1",
        ),
        ("1/0", "the shard count must be at least 1"),
        ("x", "expected INDEX/COUNT"),
        ("1-2", "expected INDEX/COUNT"),
    ] {
        corridor()
            .args(["run", "-q", "--shard", value, "-o"])
            .arg(&out)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(format!(
                "invalid --shard {value}: {message}"
            )));
    }
    corridor()
        .args(["run", "-q", "--shard", "0/2", "--target-ci", "0.02", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--target-ci cannot be combined with --shard",
        ));
    assert!(!out.exists());
}

#[test]
fn fleets_and_disruption_logs_are_identical_across_threads_and_shards() {
    let scenario = crate::parallel::FERRY_STORMS;
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        corridor()
            .args(["run", "-q", scenario, "-r", "5", "-o"])
            .arg(&out)
            .args(extra)
            .assert()
            .success();
        out
    };
    let single = run("single", &["-j", "1"]);
    let threads = run("threads", &["-j", "3"]);
    let a = run("a", &["--shard", "0/2"]);
    let b = run("b", &["--shard", "1/2"]);
    let merged = dir.path().join("merged");
    merge(&[&b, &a], &merged).success();
    assert_same_results(&single, &threads);
    assert_same_results(&single, &merged);
    let episodes = std::fs::read_to_string(single.join("disruptions.csv")).unwrap();
    assert!(episodes.lines().count() > 5, "{episodes}");
    assert!(
        episodes
            .lines()
            .skip(1)
            .all(|l| l.split(',').nth(1) == Some("storm"))
    );
    let fleets = std::fs::read_to_string(single.join("fleets.csv")).unwrap();
    assert!(
        fleets
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("sea,vessel,2,60,")
    );
}

#[test]
fn merge_refuses_a_shard_of_another_format_version_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "0/2", &[]);
    let b = shard(dir.path(), "1/2", &[]);
    let manifest = b.join("shard.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["provenance"]["format_version"] = 99.into();
    std::fs::write(&manifest, json.to_string()).unwrap();
    let out = dir.path().join("merged");
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: format_version 99, but this Corridor",
            manifest.display()
        )))
        .stderr(predicate::str::contains(format!(
            "reads format_version {}",
            corridor::report::FORMAT_VERSION
        )))
        .stderr(predicate::str::contains("panicked").not());
    assert!(!out.exists() || file_names(&out).is_empty());
}
