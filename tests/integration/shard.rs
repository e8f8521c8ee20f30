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
    assert!(!out.exists(), "{:?}", file_names(dir.path()));
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

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn every_shard_records_the_sha256_of_its_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "0/2", &[]);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("shard.json")).unwrap()).unwrap();
    let data = std::fs::read(a.join("replications.jsonl.gz")).unwrap();
    assert_eq!(
        json["sha256"]["replications.jsonl.gz"].as_str().unwrap(),
        sha256_hex(&data)
    );
}

#[test]
fn merge_refuses_consistent_hand_edits_of_seed_scenario_or_version_across_all_shards() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = |name: &str| {
        let a = shard(&dir.path().join(name), "0/2", &[]);
        let b = shard(&dir.path().join(name), "1/2", &[]);
        (a, b)
    };
    let out = dir.path().join("out");
    // The seed, edited the same in both manifests: the data no longer follows from it.
    let (a, b) = fresh("seed");
    edit_manifests(&[&a, &b], |m| m["provenance"]["seed"] = 14.into());
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "replication 0 is not what the scenario and seed 14 of its manifest give",
        ));
    assert!(!out.exists());
    // The scenario text, edited the same in both with its hash recomputed.
    let (a, b) = fresh("scenario");
    edit_manifests(&[&a, &b], |m| {
        let text = m["scenario_text"]
            .as_str()
            .unwrap()
            .replacen("servers = 3", "servers = 4", 1);
        m["provenance"]["scenario_sha256"] = sha256_hex(text.as_bytes()).into();
        m["scenario_text"] = text.into();
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(
            "is not what the scenario and seed",
        ));
    // The version: compared with the merging binary.
    let (a, b) = fresh("version");
    edit_manifests(&[&a, &b], |m| {
        m["provenance"]["corridor_version"] = "0.0.1".into()
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "was written by Corridor 0.0.1, and this is Corridor {}",
            env!("CARGO_PKG_VERSION")
        )));
    assert!(!out.exists());
}

#[test]
fn merge_checks_every_shards_scenario_text_and_data_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let a = shard(dir.path(), "0/2", &[]);
    let b = shard(dir.path(), "1/2", &[]);
    let out = dir.path().join("out");
    // Shard 1's scenario text edited, its hash not: refused (before, only shard 0's was checked).
    let original = std::fs::read_to_string(b.join("shard.json")).unwrap();
    edit_manifests(&[&b], |m| {
        m["scenario_text"] = format!("# edited\n{}", m["scenario_text"].as_str().unwrap()).into()
    });
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{} is not a Corridor shard manifest: its scenario text does not match its SHA-256",
            b.join("shard.json").display()
        )));
    std::fs::write(b.join("shard.json"), original).unwrap();
    // A data file whose later replication was edited (validly compressed JSON): the checksum.
    let data = b.join("replications.jsonl.gz");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&data).unwrap()),
        &mut text,
    )
    .unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let last = lines.last_mut().unwrap();
    let mut stats: serde_json::Value = serde_json::from_str(last).unwrap();
    stats["events"] = (stats["events"].as_u64().unwrap() + 1).into();
    *last = stats.to_string();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for line in &lines {
        std::io::Write::write_all(&mut encoder, format!("{line}\n").as_bytes()).unwrap();
    }
    std::fs::write(&data, encoder.finish().unwrap()).unwrap();
    merge(&[&a, &b], &out)
        .code(1)
        .stderr(predicate::str::contains(format!(
            "{}: its SHA-256 is",
            data.display()
        )))
        .stderr(predicate::str::contains("not the one its manifest records"));
    assert!(!out.exists());
}

#[test]
fn shard_counts_are_bounded_by_the_replications_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    corridor()
        .args(["run", "-q", "-r", "7", "--shard", "0/4294967295", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--shard 0/4294967295: a run of 7 replications can be split into at most 7 shards",
        ));
    assert!(!out.exists());
    // A manifest claiming a huge count is refused without allocating per claimed shard.
    let a = shard(dir.path(), "0/2", &[]);
    edit_manifests(&[&a], |m| m["shard"]["count"] = 4294967295_u32.into());
    merge(&[&a], &out).code(1).stderr(predicate::str::contains(
        "claims 4294967295 shards of a 7-replication run",
    ));
    edit_manifests(&[&a], |m| m["shard"]["count"] = 7.into());
    merge(&[&a], &out).code(1).stderr(predicate::str::contains(
        "missing shards 1/7, 2/7, 3/7, 4/7, 5/7, 6/7 of the 7",
    ));
    assert!(!out.exists());
}
