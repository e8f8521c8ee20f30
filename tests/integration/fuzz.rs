//! Fuzzing the whole path a scenario takes: parse, validate (with the study sections) and a short
//! run. Inputs are the shipped scenarios, the peer benchmark's scenarios and every test fixture,
//! mutated: numbers pushed to extremes (0, tiny, huge, negative, NaN, infinities, strings),
//! lines deleted or duplicated, ids swapped, control characters inserted. Every input must give
//! either located diagnostics or a model that runs one short replication (to its horizon, or to
//! a clean engine error such as the cargo bound): never a panic, an abort, a hang or unbounded
//! memory.
//!
//! `cargo test` runs a bounded smoke pass with a fixed seed. For a longer local run:
//!
//! ```text
//! CORRIDOR_FUZZ_CASES=20000 CORRIDOR_FUZZ_SEED=7 cargo test --test integration fuzz -- --nocapture
//! ```

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use corridor::base::time::SimTime;
use corridor::engine::Simulation;
use corridor::scenario::{Document, ScenarioError};
use corridor::study::sections::StudySections;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Cases of the smoke pass `cargo test` runs.
const SMOKE_CASES: u32 = 2000;
/// Its seed.
const SMOKE_SEED: u64 = 0x1313_0013;

/// Longest simulated horizon of the short run, days.
const RUN_DAYS: f64 = 20.0;
/// Bound on consignments in the system during the short run.
const RUN_MAX_IN_SYSTEM: u64 = 20_000;
/// Most consignments the short run may expect to generate (a bigger model is validated only).
const RUN_MAX_ARRIVALS: f64 = 300_000.0;

/// Every seed file: (path, text).
fn seeds() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "scenarios",
        "benches/peers",
        "tests/fixtures/good",
        "tests/fixtures/bad",
        "tests/fixtures/variants",
    ] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            files.push((path, text));
        }
    }
    files
}

/// One change to a scenario text; indices are taken modulo what they index.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the `n`-th number with an extreme value.
    Number(usize, &'static str),
    /// Delete line `n`.
    DeleteLine(usize),
    /// Duplicate the block of `len` lines starting at line `n`.
    Duplicate(usize, usize),
    /// Replace the `n`-th quoted string with the `m`-th (swapping ids and references).
    SwapString(usize, usize),
    /// Insert a control character into the `n`-th quoted string.
    Control(usize, &'static str),
}

const EXTREMES: &[&str] = &[
    "0",
    "-0.0",
    "1",
    "-1",
    "5e-324",
    "1e-308",
    "1e-12",
    "0.5",
    "1e9",
    "1e12",
    "1e308",
    "-1e308",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "nan",
    "inf",
    "-inf",
    "\"1\"",
    "[]",
    "{}",
    "true",
    "1e6",
    "1e-6",
    "23",
    "365000",
];

const CONTROLS: &[&str] = &["\\u001b", "\\u0000", "\\u0007", "\\n", "\\t", "\\u007f"];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), prop::sample::select(EXTREMES)).prop_map(|(n, v)| Mutation::Number(n, v)),
        2 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => (any::<usize>(), 1usize..8).prop_map(|(n, len)| Mutation::Duplicate(n, len)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(n, m)| Mutation::SwapString(n, m)),
        1 => (any::<usize>(), prop::sample::select(CONTROLS)).prop_map(|(n, c)| Mutation::Control(n, c)),
    ]
}

/// Byte ranges of the number literals of `text` (outside quotes and comments).
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut in_string, mut in_comment) = (0, false, false);
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            in_comment = c != b'\n';
        } else if in_string {
            in_string = c != b'"';
        } else if c == b'#' {
            in_comment = true;
        } else if c == b'"' {
            in_string = true;
        } else if (c.is_ascii_digit() || c == b'-')
            && i > 0
            && matches!(bytes[i - 1], b' ' | b'=' | b'[' | b',')
        {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || matches!(bytes[i], b'.' | b'-' | b'+' | b'_'))
            {
                i += 1;
            }
            out.push((start, i));
            continue;
        }
        i += 1;
    }
    out
}

/// Byte ranges of the contents of the quoted strings of `text` (outside comments).
fn strings(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut in_comment) = (0, false);
    while i < bytes.len() {
        let c = bytes[i];
        if in_comment {
            in_comment = c != b'\n';
        } else if c == b'#' {
            in_comment = true;
        } else if c == b'"' {
            let start = i + 1;
            let mut j = start;
            while j < bytes.len() && bytes[j] != b'"' && bytes[j] != b'\n' {
                j += 1;
            }
            out.push((start, j));
            i = j;
        }
        i += 1;
    }
    out
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let pick = |ranges: &[(usize, usize)], n: usize| ranges.get(n % ranges.len().max(1)).copied();
    match mutation {
        Mutation::Number(n, value) => match pick(&numbers(text), *n) {
            Some((a, b)) => format!("{}{value}{}", &text[..a], &text[b..]),
            None => text.to_string(),
        },
        Mutation::DeleteLine(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let skip = n % lines.len().max(1);
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        Mutation::Duplicate(n, len) => {
            let lines: Vec<&str> = text.lines().collect();
            let start = n % lines.len().max(1);
            let block = &lines[start..(start + len).min(lines.len())];
            let mut out: Vec<&str> = lines[..start + block.len()].to_vec();
            out.extend_from_slice(block);
            out.extend_from_slice(&lines[start + block.len()..]);
            out.join("\n")
        }
        Mutation::SwapString(n, m) => {
            let ranges = strings(text);
            match (pick(&ranges, *n), pick(&ranges, *m)) {
                (Some((a, b)), Some((c, d))) => {
                    format!("{}{}{}", &text[..a], &text[c..d].to_string(), &text[b..])
                }
                _ => text.to_string(),
            }
        }
        Mutation::Control(n, control) => match pick(&strings(text), *n) {
            Some((a, _)) => format!("{}{control}{}", &text[..a], &text[a..]),
            None => text.to_string(),
        },
    }
}

/// What became of the inputs: rejected with diagnostics, valid but too big to run briefly, run
/// to the horizon, stopped by an engine guard.
#[derive(Default)]
struct Tally {
    rejected: AtomicU64,
    validated_only: AtomicU64,
    ran: AtomicU64,
    stopped: AtomicU64,
}

/// Parse, validate and, if valid, run one short replication of `text` (read as `path`).
fn check(path: &Path, text: &str, tally: &Tally) -> Result<(), TestCaseError> {
    let file = path.display().to_string();
    let compiled = Document::parse(text, &file).and_then(|doc| doc.compile_checked());
    let loaded = match compiled {
        Ok(loaded) => loaded,
        Err(ScenarioError::Invalid { diagnostics }) => {
            prop_assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                prop_assert!(
                    !d.file.is_empty() && (d.position.is_some() || !d.path.is_empty()),
                    "unlocated diagnostic {:?}",
                    d
                );
                prop_assert!(!d.message.is_empty());
            }
            tally.rejected.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        Err(other) => {
            return Err(TestCaseError::fail(format!("not a diagnostic: {other}")));
        }
    };
    let mut model = loaded.model;
    let horizon = model.settings.horizon.hours().min(RUN_DAYS * 24.0);
    model.settings.horizon = SimTime::from_hours(horizon);
    model.settings.warmup = SimTime::from_hours(model.settings.warmup.hours().min(horizon / 2.0));
    model.settings.max_in_system = model.settings.max_in_system.min(RUN_MAX_IN_SYSTEM);
    let arrivals: f64 = model
        .flows
        .iter()
        .map(|f| f.mean_arrivals_per_hour() * f.max_factor * horizon)
        .sum();
    if arrivals > RUN_MAX_ARRIVALS {
        tally.validated_only.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    // Ok, or a clean engine error: anything else is a panic, which fails the case.
    match Simulation::new(&model).try_run(1, 0) {
        Ok(_) => tally.ran.fetch_add(1, Ordering::Relaxed),
        Err(_) => tally.stopped.fetch_add(1, Ordering::Relaxed),
    };
    Ok(())
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_scenarios_validate_cleanly_or_run() {
    let cases: u32 = env("CORRIDOR_FUZZ_CASES", SMOKE_CASES);
    let seed: u64 = env("CORRIDOR_FUZZ_SEED", SMOKE_SEED);
    let seeds = seeds();
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let started = std::time::Instant::now();
    let tally = Tally::default();
    let strategy = (0..seeds.len(), prop::collection::vec(mutation(), 0..4));
    let result = runner.run(&strategy, |(index, mutations)| {
        let (path, text) = &seeds[index];
        let mut text = text.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        check(path, &text, &tally)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let count = |a: &AtomicU64| a.load(Ordering::Relaxed);
    eprintln!(
        "fuzz: {cases} mutated scenarios (seed {seed}) in {:.1} s: {} rejected with diagnostics, \
         {} ran to the horizon, {} stopped by an engine guard, {} valid but too large to run briefly",
        started.elapsed().as_secs_f64(),
        count(&tally.rejected),
        count(&tally.ran),
        count(&tally.stopped),
        count(&tally.validated_only)
    );
}

#[test]
fn the_mutations_do_what_they_say() {
    let text = "a = 1\nb = \"x\" # 2\nc = [3, -4.5]\n";
    assert_eq!(numbers(text).len(), 3);
    assert_eq!(
        apply(text, &Mutation::Number(2, "nan")),
        "a = 1\nb = \"x\" # 2\nc = [3, nan]\n"
    );
    assert_eq!(
        apply(text, &Mutation::DeleteLine(1)),
        "a = 1\nc = [3, -4.5]"
    );
    assert_eq!(
        apply(text, &Mutation::Control(0, "\\u001b")),
        "a = 1\nb = \"\\u001bx\" # 2\nc = [3, -4.5]\n"
    );
    assert_eq!(
        apply(text, &Mutation::Duplicate(0, 1)),
        "a = 1\na = 1\nb = \"x\" # 2\nc = [3, -4.5]"
    );
}
