//! Reliability measures of a route: the on-time share against its promised transit
//! (`promise_days`), the buffer index and the transit by month of departure.
//!
//! The on-time share is an exact count of the TEU delivered within the promise, so it must equal
//! the share of the pooled transit distribution at or under the promise: exactly on a
//! deterministic route, event by event against the engine's own deliveries on a stochastic
//! network, and within the histogram's buckets on the pooled distribution. On an M/M/1 node the
//! sojourn time is exponential with rate mu - lambda, so the share is
//! `1 - exp(-(mu - lambda) t)` and the buffer index `ln 20 - 1`. Bad promises are refused
//! before anything runs, with the file, the field and what is allowed.

use corridor::base::time::SimTime;
use corridor::engine::{Observer, Simulation};
use corridor::experiment::aggregate::prepare;
use corridor::experiment::{Aggregate, Results};
use corridor::model::{Model, RouteId};
use corridor::stats::ReplicationStats;
use corridor::stats::kpi::{KpiColumns, Scope};

use crate::common::{
    assert_in_ci, corridor, mean_and_half_width, middle, model, refused, replications,
    scenario_file, single_node, test_seed,
};

/// Runs replications `0..n` of `model` through the one aggregation path: every replication's
/// statistics, its KPI row, and the aggregated results.
fn run(model: &Model, n: u64) -> (Vec<ReplicationStats>, Vec<Vec<Option<f64>>>, Results) {
    let columns = KpiColumns::new(model);
    let mut aggregate = Aggregate::new(model);
    let mut sim = Simulation::new(model);
    let seed = test_seed(model.settings.seed);
    let mut stats = Vec::new();
    let mut rows = Vec::new();
    for r in 0..n {
        let replication = prepare(model, &columns, sim.run(seed, r));
        aggregate.add(&replication);
        rows.push(replication.kpi_row.clone());
        stats.push(replication.stats);
    }
    (stats, rows, aggregate.results(model))
}

/// The per-replication values of route KPI `kpi` of `route` (from the KPI rows).
fn column(model: &Model, rows: &[Vec<Option<f64>>], route: &str, kpi: &str) -> Vec<Option<f64>> {
    let columns = KpiColumns::new(model);
    let i = columns
        .columns()
        .iter()
        .position(|c| c.scope == Scope::Route && c.entity == route && c.kpi == kpi)
        .unwrap_or_else(|| panic!("no column route/{route}/{kpi}"));
    rows.iter().map(|row| row[i]).collect()
}

/// The TEU of a pooled histogram in buckets wholly at or under `promise_h`, and in buckets
/// that start under it: the pooled distribution's share under the promise lies between them.
fn pooled_bounds(results: &Results, route: usize, promise_h: f64) -> (u64, u64, u64) {
    let histogram = &results.transit_pooled[route];
    let (mut below, mut touching) = (0, 0);
    for (low, high, teu) in histogram.buckets() {
        if high <= promise_h {
            below += teu;
        }
        if low < promise_h || high <= promise_h {
            touching += teu;
        }
    }
    (below, touching, histogram.total())
}

/// Three routes over the same two nodes and constant-time leg: every TEU takes exactly
/// 10 + 30 + 5 = 45 hours (unlimited servers, so no queue).
const DETERMINISTIC: &str = r#"
[scenario]
name = "deterministic"
horizon_days = 200
warmup_days = 20
seed = 7

[[node]]
id = "a"
kind = "terminal"
service = 10

[[node]]
id = "b"
kind = "terminal"
service = 5

[[leg]]
from = "a"
to = "b"
mode = "rail"
transit = 30

[[route]]
id = "early"
nodes = ["a", "b"]
promise_days = 2

[[route]]
id = "late"
nodes = ["a", "b"]
promise_days = 1.75

[[route]]
id = "unpromised"
nodes = ["a", "b"]

[[flow]]
id = "early"
route = "early"
teu_per_year = 3000
arrivals = "block_trains"
train_teu = 3

[[flow]]
id = "late"
route = "late"
teu_per_year = 2000

[[flow]]
id = "unpromised"
route = "unpromised"
teu_per_year = 1000
"#;

#[test]
fn a_deterministic_route_is_all_on_time_or_all_late_exactly_as_its_pooled_distribution() {
    let model = model(DETERMINISTIC);
    assert_eq!(model.routes[0].promise_h, Some(48.0));
    assert_eq!(model.routes[1].promise_h, Some(42.0));
    assert_eq!(model.routes[2].promise_h, None);
    let (stats, rows, results) = run(&model, 5);
    for rep in &stats {
        let [early, late, unpromised] = [0, 1, 2].map(|r| &rep.routes[r]);
        assert!(early.delivered_teu > 0 && late.delivered_teu > 0);
        assert_eq!(early.on_time_teu, early.delivered_teu);
        assert_eq!(late.on_time_teu, 0);
        assert_eq!(unpromised.on_time_teu, 0);
    }
    assert!(
        column(&model, &rows, "early", "on_time_share")
            .iter()
            .all(|v| *v == Some(1.0))
    );
    assert!(
        column(&model, &rows, "late", "on_time_share")
            .iter()
            .all(|v| *v == Some(0.0))
    );
    assert!(
        column(&model, &rows, "unpromised", "on_time_share")
            .iter()
            .all(Option::is_none)
    );
    // The pooled transit distribution: every TEU in one bucket around 45 h, so its share under
    // each promise is exactly the pooled on-time share.
    for (route, promise_h, share) in [(0, 48.0, 1.0), (1, 42.0, 0.0)] {
        let (below, touching, total) = pooled_bounds(&results, route, promise_h);
        assert_eq!(below, touching, "the promise is not in the occupied bucket");
        assert_eq!(below as f64 / total as f64, share);
        let summary = &results.summary.routes[route];
        assert_eq!(summary.on_time_share_pooled, Some(share));
        assert_eq!(summary.promise_h, Some(promise_h));
        let estimate = results
            .summary
            .estimate(Scope::Route, &summary.id, "on_time_share")
            .unwrap();
        assert_eq!((estimate.mean, estimate.sd), (share, 0.0));
    }
    assert_eq!(results.summary.routes[2].on_time_share_pooled, None);
    // Buffer index of a constant transit: 0, up to the histogram's 0.5% resolution of the p95.
    for route in ["early", "late", "unpromised"] {
        for value in column(&model, &rows, route, "buffer_index") {
            let value = value.expect("deliveries");
            assert!(
                value.abs() <= 0.005 + 1e-12,
                "{route}: buffer index {value}"
            );
        }
    }
    // By month of departure: constant 45 h in every month with deliveries, counted exactly.
    for (route, months) in results.transit_by_month.iter().enumerate() {
        assert_eq!(months.len(), 12);
        let teu: u64 = months.iter().map(|m| m.count()).sum();
        let delivered: u64 = stats.iter().map(|r| r.routes[route].delivered_teu).sum();
        assert_eq!(teu, delivered);
        for month in months.iter().filter(|m| m.count() > 0) {
            for q in [0.5, 0.95] {
                let h = month.quantile(q).unwrap();
                assert!((h - 45.0).abs() < 1e-9, "route {route}: q{q} = {h}");
            }
        }
    }
}

/// Counts, per route, the TEU delivered in the statistics window and of them those within the
/// route's promise, from the engine's delivery notifications.
struct Deliveries<'m> {
    model: &'m Model,
    warmup: SimTime,
    delivered: Vec<u64>,
    on_time: Vec<u64>,
}

impl Observer for Deliveries<'_> {
    fn delivered(&mut self, time: SimTime, route: RouteId, teu: u32, transit_h: f64) {
        if time < self.warmup {
            return;
        }
        let r = route.index();
        self.delivered[r] += u64::from(teu);
        if self.model.routes[r]
            .promise_h
            .is_some_and(|promise| transit_h <= promise)
        {
            self.on_time[r] += u64::from(teu);
        }
    }
}

#[test]
fn on_time_teu_are_exactly_the_deliveries_within_the_promise_on_a_stochastic_network() {
    // The Kazakh section (fleets, block trains, storms), each route promised about its median.
    let mut model = middle().model;
    let (stats, _, results) = run(&model, 4);
    for (route, summary) in model.routes.iter_mut().zip(&results.summary.routes) {
        route.promise_h = summary
            .transit_p50_pooled_h
            .map(|h| (h * 4.0).round() / 4.0);
    }
    assert!(model.routes.iter().all(|r| r.promise_h.is_some()));
    drop(stats);
    let (stats, rows, results) = run(&model, 4);
    let mut sim = Simulation::new(&model);
    let seed = test_seed(model.settings.seed);
    let mut pooled = vec![(0_u64, 0_u64); model.routes.len()];
    for (r, rep) in stats.iter().enumerate() {
        let mut seen = Deliveries {
            model: &model,
            warmup: model.settings.warmup,
            delivered: vec![0; model.routes.len()],
            on_time: vec![0; model.routes.len()],
        };
        sim.try_run_observed(seed, r as u64, &mut seen).unwrap();
        for (i, route) in rep.routes.iter().enumerate() {
            assert_eq!(route.delivered_teu, seen.delivered[i], "route {i}");
            assert_eq!(route.on_time_teu, seen.on_time[i], "route {i}");
            pooled[i].0 += seen.delivered[i];
            pooled[i].1 += seen.on_time[i];
        }
    }
    let mut fractions = 0;
    for (i, route) in model.routes.iter().enumerate() {
        let shares = column(&model, &rows, &route.id, "on_time_share");
        for (rep, share) in stats.iter().zip(shares) {
            let r = &rep.routes[i];
            assert_eq!(
                share,
                (r.delivered_teu > 0).then(|| r.on_time_teu as f64 / r.delivered_teu as f64)
            );
        }
        // The pooled share is the pooled distribution's share under the promise, which lies
        // between the TEU of the buckets wholly under it and of those that start under it.
        let (delivered, on_time) = pooled[i];
        let (below, touching, total) = pooled_bounds(&results, i, route.promise_h.unwrap());
        assert_eq!(total, delivered);
        assert!(
            below <= on_time && on_time <= touching,
            "{}: {below} <= {on_time} <= {touching}",
            route.id
        );
        assert_eq!(
            results.summary.routes[i].on_time_share_pooled,
            (delivered > 0).then(|| on_time as f64 / delivered as f64)
        );
        if on_time > 0 && on_time < delivered {
            fractions += 1;
        }
    }
    assert!(fractions >= 3, "the promises split most routes' TEU");
}

/// M/M/1 at lambda = 0.5/h, mu = 1/h, promised 3 hours (0.125 days).
fn mm1() -> Model {
    let text = single_node(
        0.5,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        2000.0,
        50.0,
    )
    .replace(
        "nodes = [\"station\"]",
        "nodes = [\"station\"]\npromise_days = 0.125",
    );
    model(&text)
}

#[test]
fn mm1_on_time_share_is_the_exponential_sojourn_cdf_at_the_promise() {
    let model = mm1();
    let (lambda, mu, promise_h) = (0.5, 1.0, 3.0);
    assert_eq!(model.routes[0].promise_h, Some(promise_h));
    let (stats, rows, results) = run(&model, 20);
    let exact = 1.0 - (-(mu - lambda) * promise_h).exp();
    let shares: Vec<f64> = column(&model, &rows, "r", "on_time_share")
        .into_iter()
        .map(|v| v.expect("deliveries"))
        .collect();
    assert_in_ci("M/M/1 on-time share within 3 h", &shares, exact);
    // The run's estimate is the same mean and interval.
    let estimate = results
        .summary
        .estimate(Scope::Route, "r", "on_time_share")
        .unwrap();
    let (mean, _) = mean_and_half_width(&shares, 0.95);
    assert!((estimate.mean - mean).abs() < 1e-12);
    // And the pooled distribution's share under the promise brackets the pooled exact count.
    let on_time: u64 = stats.iter().map(|r| r.routes[0].on_time_teu).sum();
    let (below, touching, total) = pooled_bounds(&results, 0, promise_h);
    assert!(below <= on_time && on_time <= touching);
    assert_eq!(
        results.summary.routes[0].on_time_share_pooled,
        Some(on_time as f64 / total as f64)
    );
}

#[test]
fn mm1_buffer_index_is_ln20_minus_1() {
    // Exponential sojourn: p95 = ln(20) / (mu - lambda), mean = 1 / (mu - lambda).
    let model = mm1();
    let (_, rows, _) = run(&model, 20);
    let exact = 20.0_f64.ln() - 1.0;
    let index: Vec<f64> = column(&model, &rows, "r", "buffer_index")
        .into_iter()
        .map(|v| v.expect("deliveries"))
        .collect();
    // Per replication, the index is (p95 - mean) / mean of the replication's own columns.
    let p95 = column(&model, &rows, "r", "transit_p95_h");
    let mean = column(&model, &rows, "r", "transit_mean_h");
    for ((b, p), m) in index.iter().zip(&p95).zip(&mean) {
        let (p, m) = (p.unwrap(), m.unwrap());
        assert_eq!(*b, (p - m) / m);
    }
    // The replication's p95 is read off a histogram whose buckets are 0.5% wide: the index can
    // be off by up to 0.5% of p95 / mean = 0.005 ln 20 on top of the sampling error.
    let (m, half_width) = mean_and_half_width(&index, crate::common::CONFIDENCE);
    let resolution = 0.005 * 20.0_f64.ln();
    eprintln!("M/M/1 buffer index: {m:.4} ± {half_width:.4}, exact {exact:.4}");
    assert!(
        (m - exact).abs() <= half_width + resolution,
        "buffer index {m} ± {half_width} (+ {resolution} resolution) misses {exact}"
    );
    assert!(half_width + resolution < 0.05 * exact, "too wide to test");
}

#[test]
fn transit_is_counted_in_the_month_the_cargo_left_in_the_scenarios_calendar() {
    // Cargo generated only in March (seasonality), 40 days of constant transit: delivered in
    // April and May, counted in March. The calendar starts on 1 February 2024 (a leap year).
    let text = r#"
[scenario]
name = "months"
start = "2024-02-01"
horizon_days = 150
warmup_days = 0
seed = 3

[[node]]
id = "a"
kind = "terminal"
service = { dist = "constant", value = 40, unit = "days" }

[[route]]
id = "r"
nodes = ["a"]
promise_days = 40.5

[[flow]]
id = "f"
route = "r"
teu_per_year = 5000
seasonality = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
"#;
    let model = model(text);
    let (stats, rows, results) = run(&model, 3);
    let months = &results.transit_by_month[0];
    let delivered: u64 = stats.iter().map(|r| r.routes[0].delivered_teu).sum();
    assert!(delivered > 0);
    assert_eq!(months[2].count(), delivered, "all in March");
    for (m, sketch) in months.iter().enumerate() {
        if m != 2 {
            assert_eq!(sketch.count(), 0, "month {}", m + 1);
        }
    }
    assert!((months[2].quantile(0.95).unwrap() - 960.0).abs() < 1e-9);
    assert!(
        column(&model, &rows, "r", "on_time_share")
            .iter()
            .all(|v| *v == Some(1.0))
    );
}

#[test]
fn years_add_up_to_the_window_and_each_year_has_its_on_time_share() {
    let text = single_node(
        0.5,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        730.0,
        10.0,
    )
    .replace(
        "nodes = [\"station\"]",
        "nodes = [\"station\"]\npromise_days = 0.125",
    );
    let model = model(&text);
    for rep in replications(&model, 2) {
        assert_eq!(rep.years.len(), 2);
        let on_time: u64 = rep.years.iter().map(|y| y.routes[0].on_time_teu).sum();
        assert_eq!(on_time, rep.routes[0].on_time_teu);
        assert!(
            rep.years
                .iter()
                .all(|y| y.routes[0].transit_by_month.is_empty())
        );
        let columns = KpiColumns::yearly(&model);
        let i = columns
            .columns()
            .iter()
            .position(|c| c.scope == Scope::Route && c.kpi == "on_time_share")
            .unwrap();
        for (year, row) in rep.years.iter().zip(KpiColumns::year_rows(&model, &rep)) {
            let r = &year.routes[0];
            assert_eq!(row[i], Some(r.on_time_teu as f64 / r.delivered_teu as f64));
        }
    }
}

#[test]
fn bad_promises_are_refused_naming_the_file_the_field_and_what_is_allowed() {
    let base = single_node(0.5, 1, "1.0", 20.0, 1.0);
    for (written, shown) in [
        ("0", "0"),
        ("-2", "-2"),
        ("nan", "NaN"),
        ("inf", "inf"),
        ("1e9", "1000000000"),
    ] {
        let text = base.replace(
            "nodes = [\"station\"]",
            &format!("nodes = [\"station\"]\npromise_days = {written}"),
        );
        refused(
            "run",
            &text,
            &[],
            &[&format!(
                "scenario.toml:17:16: route \"r\".promise_days: the promised transit must be a \
                 positive number of days, at most 365000 (the longest horizon), got {shown}"
            )],
            1,
        );
    }
    // A string is a type error at the field.
    let text = base.replace(
        "nodes = [\"station\"]",
        "nodes = [\"station\"]\npromise_days = \"9 days\"",
    );
    refused("run", &text, &[], &["scenario.toml:17:", "promise_days"], 1);
    // Through --set, and at a date: refused, with the reason.
    let promised = base.replace(
        "nodes = [\"station\"]",
        "nodes = [\"station\"]\npromise_days = 1",
    );
    refused(
        "run",
        &promised,
        &["--set", "route.r.promise_days=-1"],
        &["route \"r\".promise_days: the promised transit must be a positive number of days"],
        1,
    );
    let changed = format!(
        "{promised}\n[[change]]\nid = \"looser\"\nat_day = 10\nset = {{ \"route.r.promise_days\" = 2 }}\n"
    );
    refused(
        "run",
        &changed,
        &[],
        &["\"route.r.promise_days\" cannot change at a date: a route's promise"],
        1,
    );
}

#[test]
fn a_run_writes_the_on_time_share_the_monthly_transit_and_its_chart() {
    let dir = tempfile::tempdir().unwrap();
    let text = single_node(
        0.5,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        100.0,
        5.0,
    )
    .replace(
        "nodes = [\"station\"]",
        "nodes = [\"station\"]\npromise_days = 0.125",
    );
    let scenario = scenario_file(dir.path(), "s.toml", &text);
    let out = dir.path().join("out");
    let assert = corridor()
        .arg("run")
        .arg(&scenario)
        .args(["-r", "3", "-s", "4", "--chart-size", "640x360", "-o"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("on time %"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("transit_by_month.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "route,month,teu,transit_p50_h,transit_p95_h");
    assert_eq!(lines.len(), 13, "one row per month");
    assert!(lines[1].starts_with("r,1,"));
    // 100 days from 1 January: cargo leaves in January to April only.
    for line in &lines[5..] {
        assert!(line.ends_with(",0,,"), "{line}");
    }
    let routes = std::fs::read_to_string(out.join("routes.csv")).unwrap();
    let header: Vec<&str> = routes.lines().next().unwrap().split(',').collect();
    for name in [
        "on_time_share",
        "on_time_share_ci95_low",
        "buffer_index",
        "promise_h",
        "on_time_share_pooled",
    ] {
        assert!(header.contains(&name), "{name} in {header:?}");
    }
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("Reliability") && report.contains("transit_by_month"));
    for ext in ["svg", "png"] {
        assert!(out.join(format!("charts/transit_by_month.{ext}")).is_file());
    }
}

#[test]
fn set_gives_a_promise_to_a_route_that_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = crate::common::scenario_file(
        dir.path(),
        "scenario.toml",
        &single_node(0.5, 1, "1.0", 20.0, 1.0),
    );
    let out = dir.path().join("out");
    crate::common::corridor()
        .args(["run", "-q", "-r", "2", "--no-charts"])
        .arg(&scenario)
        .args(["--set", "route.r.promise_days=1", "-o"])
        .arg(&out)
        .assert()
        .success();
    // Deterministic service of 1 h at ρ = 0.5: every transit is far below a day (2 replications,
    // each with an on-time share of exactly 1).
    let kpis = std::fs::read_to_string(out.join("kpis.csv")).unwrap();
    let row = kpis
        .lines()
        .find(|l| l.starts_with("route,r,on_time_share,"))
        .unwrap_or_else(|| panic!("no on-time share of route r in:\n{kpis}"));
    assert!(row.starts_with("route,r,on_time_share,2,1,"), "{row}");
}
