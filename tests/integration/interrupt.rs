//! Interrupting a command (SIGINT, SIGTERM, SIGKILL) at any point leaves `--out` holding either
//! its complete previous results or the complete new ones, never a mix, and no temporary files;
//! what a SIGKILL leaves beside `--out` is recognised and removed by the next run.
//!
//! The runs are real `corridor` processes killed after a delay. The delays are fixed fractions of
//! the time an uninterrupted run takes on this machine, so the kills land in every phase
//! (loading, simulation, writing the files, drawing the charts, the final swap, after the end);
//! the assertions hold whatever the phase, so the test cannot be flaky: a slower or faster
//! machine only moves the kills to other phases. The first trial kills at once and the last
//! signals nothing until the run has ended, so both outcomes (old results kept, new results in
//! place) are reached whatever the timing.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{assert_same_results, file_names};

const SCENARIO: &str = "tests/fixtures/good/ferry_storms.toml";

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("corridor")
}

fn run(out: &Path, seed: u64) -> Command {
    let mut command = Command::new(binary());
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "run",
            SCENARIO,
            "-q",
            "--force",
            "-r",
            "12",
            "--threads",
            "2",
        ])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn seed_of(dir: &Path) -> u64 {
    let text = std::fs::read_to_string(dir.join("summary.json"))
        .unwrap_or_else(|e| panic!("{}: no summary.json ({e})", dir.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["provenance"]["seed"].as_u64().unwrap()
}

/// Copies the files of `from` into a new directory `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Entries beside `out` in its parent other than `keep`.
fn beside(out: &Path, keep: &[&str]) -> Vec<String> {
    file_names(out.parent().unwrap())
        .into_iter()
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

#[test]
fn killing_a_forced_rerun_at_any_point_leaves_the_complete_old_or_new_results() {
    let root = tempfile::tempdir().unwrap();
    let (old_ref, new_ref) = (root.path().join("old"), root.path().join("new"));
    assert!(run(&old_ref, 1).status().unwrap().success());
    // The uninterrupted rerun over a copy of the old results: the reference for the new set, and
    // how long a rerun takes here.
    copy_dir(&old_ref, &new_ref);
    let started = Instant::now();
    assert!(run(&new_ref, 2).status().unwrap().success());
    let full = started.elapsed();
    assert_eq!((seed_of(&old_ref), seed_of(&new_ref)), (1, 2));

    let fractions = [
        0.03, 0.15, 0.3, 0.45, 0.6, 0.7, 0.78, 0.85, 0.9, 0.94, 0.97, 0.99, 1.01, 1.05,
    ];
    let signals = [libc::SIGTERM, libc::SIGINT, libc::SIGKILL];
    // (delay as a fraction of a full run, signal): a SIGKILL at once (the old results must stay),
    // the schedule, then a run left to finish (infinite delay: no signal; the new results).
    let trials: Vec<(f64, i32)> = std::iter::once((0.0, libc::SIGKILL))
        .chain(
            fractions
                .iter()
                .enumerate()
                .map(|(i, &f)| (f, signals[i % signals.len()])),
        )
        .chain(std::iter::once((f64::INFINITY, libc::SIGTERM)))
        .collect();
    let (mut old_kept, mut new_kept) = (0, 0);
    for (trial, &(fraction, signal)) in trials.iter().enumerate() {
        let work = root.path().join(format!("trial-{trial}"));
        std::fs::create_dir(&work).unwrap();
        let out = work.join("out");
        copy_dir(&old_ref, &out);
        let child = run(&out, 2).spawn().unwrap();
        if fraction.is_finite() {
            std::thread::sleep(full.mul_f64(fraction));
            // SAFETY: signalling our own child process, which has not been waited for yet.
            unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        }
        let output = child.wait_with_output().unwrap();
        let code = output.status.code();
        // A signal that arrives before the command installs its handler ends it at once, like a
        // SIGKILL (what it leaves is then checked the same way).
        let killed = {
            use std::os::unix::process::ExitStatusExt;
            output.status.signal().is_some()
        };
        let what = format!(
            "trial {trial}: signal {signal} at {:.0}% of {full:?}, exit {code:?}, stderr {}",
            fraction * 100.0,
            String::from_utf8_lossy(&output.stderr)
        );
        match seed_of(&out) {
            1 => {
                old_kept += 1;
                assert_same_results(&old_ref, &out);
            }
            2 => {
                new_kept += 1;
                assert_same_results(&new_ref, &out);
            }
            other => panic!("{what}: seed {other}"),
        }
        let report = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert!(
            report.contains(&format!("(seed {})", seed_of(&out))),
            "{what}: report.html of another run"
        );
        if signal == libc::SIGKILL || killed {
            // A staging directory may be left beside --out; the next run removes it.
            let left = beside(&out, &["out"]);
            assert!(
                left.iter()
                    .all(|n| n.starts_with(".out.tmp-") || n.starts_with(".out.old-")),
                "{what}: {left:?}"
            );
            let next = run(&out, 3).output().unwrap();
            assert!(next.status.success(), "{what}");
            assert_eq!(seed_of(&out), 3, "{what}");
            let stderr = String::from_utf8_lossy(&next.stderr);
            for name in &left {
                assert!(
                    stderr.contains(name.as_str()),
                    "{what}: not named: {stderr}"
                );
            }
        } else {
            // A caught signal: nothing left beside --out, and the exit status says which.
            assert!(
                code == Some(0) || code == Some(128 + signal),
                "{what}: exit status"
            );
            if code != Some(0) {
                assert!(
                    String::from_utf8_lossy(&output.stderr).contains("interrupted"),
                    "{what}"
                );
            }
        }
        assert_eq!(beside(&out, &["out"]), Vec::<String>::new(), "{what}");
        assert!(
            !file_names(&out).iter().any(|n| n.starts_with('.')),
            "{what}: temporary files in --out"
        );
    }
    // The schedule reaches both outcomes (the first kills come long before the end, the last
    // after it).
    assert!(
        old_kept > 0 && new_kept > 0,
        "{old_kept} old, {new_kept} new"
    );
}

#[test]
fn killing_plot_leaves_all_old_or_all_new_charts() {
    let root = tempfile::tempdir().unwrap();
    let base = root.path().join("base");
    assert!(run(&base, 1).status().unwrap().success());
    let plot = |dir: &Path| {
        let mut command = Command::new(binary());
        command
            .args(["plot", "-q", "--chart-size", "800x450"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    };
    let timed = root.path().join("timed");
    copy_dir(&base, &timed);
    let started = Instant::now();
    assert!(plot(&timed).status().unwrap().success());
    let full = started.elapsed();
    // Every SVG and report.html of a directory drawn at one size.
    let sizes = |dir: &Path| -> Vec<bool> {
        let mut small = Vec::new();
        for name in file_names(&dir.join("charts")) {
            if name.ends_with(".svg") {
                let svg = std::fs::read_to_string(dir.join("charts").join(name)).unwrap();
                small.push(svg.contains("viewBox=\"0 0 800 450\""));
            }
        }
        assert!(!small.is_empty());
        small
    };
    assert!(sizes(&base).iter().all(|s| !s));
    assert!(sizes(&timed).iter().all(|s| *s));
    for (trial, fraction) in [0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 1.02].iter().enumerate() {
        let dir = root.path().join(format!("trial-{trial}"));
        copy_dir(&base, &dir);
        let mut child = plot(&dir).spawn().unwrap();
        std::thread::sleep(Duration::from_secs_f64(full.as_secs_f64() * fraction));
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        child.wait().unwrap();
        let small = sizes(&dir);
        assert!(
            small.iter().all(|s| *s) || small.iter().all(|s| !s),
            "trial {trial}: charts of both sizes: {small:?}"
        );
        let expected = if small[0] { &timed } else { &base };
        assert_eq!(file_names(&dir), file_names(expected), "trial {trial}");
        for name in file_names(&dir) {
            if name != "charts" {
                assert_eq!(
                    std::fs::read(dir.join(&name)).unwrap(),
                    std::fs::read(expected.join(&name)).unwrap(),
                    "trial {trial}: {name}"
                );
            }
        }
        assert_eq!(
            file_names(&dir.join("charts")),
            file_names(&expected.join("charts"))
        );
    }
    // Nothing but the directories themselves beside them.
    assert!(
        file_names(root.path()).iter().all(|n| !n.starts_with('.')),
        "{:?}",
        file_names(root.path())
    );
}
