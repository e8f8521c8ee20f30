//! Parallel replications and precision mode: results never depend on the thread count.

use corridor::experiment::{
    self, Aggregate, Plan, PrecisionTarget, RunConfig, Runner, run_aggregated,
};
use corridor::model::Model;
use corridor::scenario;

use crate::common::{assert_same_results, corridor};

fn aggregate_with(
    model: &Model,
    seed: u64,
    threads: usize,
    plan: Plan,
) -> (Aggregate, Option<experiment::PrecisionReport>) {
    let runner = Runner::new(threads).unwrap();
    let mut aggregate = Aggregate::new(model);
    let mut seen = Vec::new();
    let precision = run_aggregated(
        model,
        &runner,
        seed,
        plan,
        &mut aggregate,
        |replication| {
            seen.push(replication.stats.replication);
            Ok::<(), corridor::engine::SimError>(())
        },
        |_| {},
    )
    .unwrap();
    assert_eq!(seen, (0..seen.len() as u64).collect::<Vec<_>>(), "in order");
    (aggregate, precision)
}

#[test]
fn one_two_and_four_threads_write_identical_files() {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, threads) in dirs.iter().zip(["1", "2", "4"]) {
        corridor()
            .args([
                "run",
                "-q",
                "-r",
                "6",
                "-s",
                "11",
                "--threads",
                threads,
                "-o",
            ])
            .arg(dir.path())
            .assert()
            .success();
    }
    assert_same_results(dirs[0].path(), dirs[1].path());
    assert_same_results(dirs[0].path(), dirs[2].path());
}

#[test]
fn parallel_aggregation_equals_the_sequential_reference() {
    let loaded = scenario::builtin();
    let config = RunConfig {
        replications: 5,
        seed: 21,
    };
    let reference = experiment::run(&loaded.model, config, |_| {});
    let model = &loaded.model;
    for threads in [1, 3] {
        let (aggregate, precision) = aggregate_with(model, config.seed, threads, Plan::Fixed(5));
        assert!(precision.is_none());
        assert_eq!(
            serde_json::to_string(&aggregate.summary(model)).unwrap(),
            serde_json::to_string(&reference.summary).unwrap(),
            "{threads} threads"
        );
    }
}

/// The scenario with a fleet and random disruptions.
pub const FERRY_STORMS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/good/ferry_storms.toml"
);

#[test]
fn kpi_estimates_are_the_estimates_of_the_replication_rows_bit_for_bit() {
    let builtin = scenario::builtin().model;
    let ferry = scenario::load(std::path::Path::new(FERRY_STORMS))
        .unwrap()
        .model;
    for (model, at_least) in [(builtin, 50), (ferry, 20)] {
        let runner = Runner::new(2).unwrap();
        let mut aggregate = Aggregate::new(&model);
        let mut rows = Vec::new();
        run_aggregated(
            &model,
            &runner,
            5,
            Plan::Fixed(4),
            &mut aggregate,
            |replication| {
                rows.push(replication.kpi_row.clone());
                Ok::<(), corridor::engine::SimError>(())
            },
            |_| {},
        )
        .unwrap();
        let results = aggregate.results(&model);
        let columns = aggregate.columns().columns();
        // One summary entry per column, in column order, each estimate the one of its column.
        assert_eq!(results.summary.kpis.len(), columns.len());
        let mut compared = 0;
        for (i, (kpi, column)) in results.summary.kpis.iter().zip(columns).enumerate() {
            assert_eq!(
                (kpi.scope, &kpi.entity, &kpi.kpi),
                (column.scope, &column.entity, &column.kpi)
            );
            let mut moments = corridor::base::Welford::default();
            for value in rows.iter().filter_map(|row| row[i]) {
                moments.add(value);
            }
            let expected = corridor::base::Estimate::from_welford(&moments);
            assert_eq!(kpi.estimate, expected, "{}", column.name());
            // The lookup readers use finds the same entry.
            assert_eq!(
                results.summary.estimate(kpi.scope, &kpi.entity, &kpi.kpi),
                expected
            );
            compared += usize::from(expected.is_some());
        }
        assert!(compared >= at_least, "compared {compared}");
        // Percentiles across replications are ordered and within the extremes.
        for kpi in results
            .summary
            .kpis
            .iter()
            .filter(|k| k.percentiles.is_some())
        {
            let p = kpi.percentiles.unwrap();
            assert!(p.windows(2).all(|w| w[0] <= w[1]), "{kpi:?}");
            assert!(
                kpi.min.unwrap() <= p[0] && p[4] <= kpi.max.unwrap(),
                "{kpi:?}"
            );
        }
    }
}

#[test]
fn precision_mode_is_deterministic_and_equals_a_fixed_run_of_its_length() {
    // The Kazakh section: the whole corridor's smallest routes need thousands of replications for
    // a 5% interval.
    let model = crate::common::middle().model;
    let seed = 8;
    let plan = Plan::Precision(PrecisionTarget {
        relative_half_width: 0.05,
        initial: 5,
        max_replications: 500,
    });
    let (one, report_one) = aggregate_with(&model, seed, 1, plan);
    let (two, report_two) = aggregate_with(&model, seed, 2, plan);
    let report = report_one.unwrap();
    assert_eq!(Some(&report), report_two.as_ref());
    assert!(report.achieved, "{report:?}");
    assert!(
        report.batch_totals.len() >= 2,
        "5 replications are not enough: {report:?}"
    );
    assert_eq!(report.batch_totals.last(), Some(&report.replications_used));
    assert!(
        report
            .kpis
            .iter()
            .all(|k| k.relative_half_width.unwrap() <= 0.05)
    );
    // Before the last batch the target was not met (otherwise it would have stopped).
    let used = report.replications_used as u32;
    let summary = |a: &Aggregate| serde_json::to_string(&a.summary(&model)).unwrap();
    assert_eq!(summary(&one), summary(&two));
    let (fixed, _) = aggregate_with(&model, seed, 2, Plan::Fixed(used));
    assert_eq!(summary(&one), summary(&fixed));
}

#[test]
fn precision_mode_stops_at_the_cap_and_says_so() {
    let model = scenario::builtin().model;
    let plan = Plan::Precision(PrecisionTarget {
        relative_half_width: 1e-6,
        initial: 3,
        max_replications: 9,
    });
    let (aggregate, report) = aggregate_with(&model, model.settings.seed, 2, plan);
    let report = report.unwrap();
    assert!(!report.achieved);
    assert_eq!(report.replications_used, 9);
    assert_eq!(aggregate.replications(), 9);
    assert_eq!(report.batch_totals, [3, 9]);
}

#[test]
fn precision_mode_reports_on_stdout_and_in_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    corridor()
        .args([
            "run",
            "-r",
            "4",
            "--target-ci",
            "0.05",
            "--max-replications",
            "40",
            "-o",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "Precision mode: target 95% CI half-width <= 5.00%",
        ))
        .stdout(predicates::str::contains("main KPI"))
        .stdout(predicates::str::contains("/throughput_teu_per_day"))
        .stdout(predicates::str::contains("/transit_mean_h"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let used = json["precision"]["replications_used"].as_u64().unwrap();
    assert!(used > 4 && used <= 40);
    assert_eq!(json["provenance"]["replications"].as_u64(), Some(used));
    assert_eq!(json["summary"]["replications"].as_u64(), Some(used));
}
