//! Results by calendar year (issue 16, step 5): per-year statistics against the window's,
//! against exact queueing values before and after a dated change, and `yearly.csv`.

use corridor::stats::ReplicationStats;
use corridor::stats::kpi::{KpiColumns, Scope};

use crate::common::{assert_in_ci, corridor, erlang_c_wait, model, replications, single_node};

/// The path to 2030 of the whole corridor (fleets with classes entering service, yards, a
/// warm-up, changes, growth), read from the repository.
fn path_to_2030() -> corridor::model::Model {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/whole/path_to_2030.toml"
    );
    corridor::scenario::load(std::path::Path::new(path))
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

/// Relative difference.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Every count of the years adds up to the window's exactly; time-weighted levels and maxima
/// combine to the window's; the per-day KPIs weighted by each year's days give the window's.
fn assert_years_add_up(model: &corridor::model::Model, rep: &ReplicationStats) {
    let years = &rep.years;
    assert!(years.len() > 1);
    let settings = &model.settings;
    assert_eq!(years[0].start_h, settings.warmup.hours());
    assert_eq!(years.last().unwrap().end_h, settings.horizon.hours());
    for pair in years.windows(2) {
        assert_eq!(pair[0].end_h, pair[1].start_h);
    }
    let sum = |f: &dyn Fn(&corridor::stats::YearStats) -> u64| years.iter().map(f).sum::<u64>();
    for (i, node) in rep.nodes.iter().enumerate() {
        assert_eq!(node.arrivals, sum(&|y| y.nodes[i].arrivals));
        assert_eq!(node.arrived_teu, sum(&|y| y.nodes[i].arrived_teu));
        assert_eq!(
            node.wait_hist.total(),
            sum(&|y| y.nodes[i].wait_hist.total())
        );
        assert_eq!(
            node.wait_h.weight,
            years.iter().map(|y| y.nodes[i].wait_h.weight).sum::<f64>()
        );
        let busy: f64 = years
            .iter()
            .map(|y| y.nodes[i].busy.mean() * y.window_h())
            .sum();
        assert!(
            close(busy, node.busy.mean() * rep.window_h),
            "node {i} busy"
        );
        let queue_max = years
            .iter()
            .map(|y| y.nodes[i].queue.max)
            .fold(0.0, f64::max);
        assert_eq!(queue_max, node.queue.max, "node {i} queue max");
        let yard_max = years
            .iter()
            .map(|y| y.nodes[i].yard_teu.max)
            .fold(0.0, f64::max);
        assert_eq!(yard_max, node.yard_teu.max, "node {i} yard max");
    }
    for (i, route) in rep.routes.iter().enumerate() {
        assert_eq!(route.delivered_teu, sum(&|y| y.routes[i].delivered_teu));
        assert_eq!(
            route.transit_hist.total(),
            sum(&|y| y.routes[i].transit_hist.total())
        );
    }
    for (i, flow) in rep.flows.iter().enumerate() {
        assert_eq!(flow.generated_teu, sum(&|y| y.flows[i].generated_teu));
        let held: f64 = years
            .iter()
            .map(|y| y.flows[i].origin_teu.mean() * y.window_h())
            .sum();
        assert!(
            close(held, flow.origin_teu.mean() * rep.window_h),
            "flow {i} held at the origin"
        );
    }
    for (i, breakdown) in rep.breakdowns.iter().enumerate() {
        assert_eq!(breakdown.failures, sum(&|y| y.breakdowns[i].failures));
        type Level = fn(&corridor::stats::BreakdownStats) -> f64;
        let levels: [(&str, Level); 3] = [
            ("down", |b| b.down.mean()),
            ("waiting", |b| b.waiting.mean()),
            ("delay", |b| b.delay.mean()),
        ];
        for (name, level) in levels {
            let years_total: f64 = years
                .iter()
                .map(|y| level(&y.breakdowns[i]) * y.window_h())
                .sum();
            assert!(
                close(years_total, level(breakdown) * rep.window_h),
                "breakdown {i} {name}"
            );
        }
    }
    for (i, fleet) in rep.fleets.iter().enumerate() {
        assert_eq!(fleet.departures, sum(&|y| y.fleets[i].departures));
        assert_eq!(fleet.departed_teu, sum(&|y| y.fleets[i].departed_teu));
        assert_eq!(fleet.back_teu, sum(&|y| y.fleets[i].back_teu));
        assert_eq!(
            fleet.departures_leaving_cargo,
            sum(&|y| y.fleets[i].departures_leaving_cargo)
        );
        assert_eq!(
            fleet.waited_departures,
            sum(&|y| y.fleets[i].waited_departures)
        );
        assert_eq!(
            fleet.left_behind_teu.weight,
            years
                .iter()
                .map(|y| y.fleets[i].left_behind_teu.weight)
                .sum::<f64>()
        );
    }
    // The KPI table's per-day throughput, weighted by each year's days, is the window's.
    let columns = KpiColumns::new(model);
    let mut window = Vec::new();
    columns.row(model, rep, &mut window);
    let yearly = KpiColumns::yearly(model);
    let mut weighted = vec![0.0; yearly.len()];
    let mut row = Vec::new();
    for year in years {
        KpiColumns::year_row(model, year, &mut row);
        for (total, value) in weighted.iter_mut().zip(&row) {
            *total += value.unwrap_or(0.0) * year.window_h();
        }
    }
    for (j, column) in yearly.columns().iter().enumerate() {
        let per_day = matches!(
            (column.scope, column.kpi.as_str()),
            (Scope::Route, "throughput_teu_per_day")
                | (
                    Scope::Node,
                    "arrivals_per_day" | "busy_servers_mean" | "queue_mean"
                )
                | (Scope::Fleet, "teu_per_year")
                | (Scope::Flow, "origin_held_mean_teu")
        );
        let total = matches!(
            (column.scope, column.kpi.as_str()),
            (Scope::Breakdown, "failures" | "down_h")
        );
        if total {
            let at = columns.columns().iter().position(|c| c == column).unwrap();
            let years_total: f64 = years
                .iter()
                .map(|year| {
                    KpiColumns::year_row(model, year, &mut row);
                    row[j].unwrap()
                })
                .sum();
            assert!(
                close(years_total, window[at].unwrap()),
                "{}: years {years_total} vs window {:?}",
                column.name(),
                window[at]
            );
        }
        if !per_day {
            continue;
        }
        let at = columns.columns().iter().position(|c| c == column).unwrap();
        let whole = window[at].unwrap() * rep.window_h;
        assert!(
            close(weighted[j], whole),
            "{}: years {} vs window {whole}",
            column.name(),
            weighted[j]
        );
    }
}

#[test]
fn the_years_add_up_to_the_window_in_every_replication() {
    let model = path_to_2030();
    for rep in replications(&model, 2) {
        assert_eq!(rep.years.len(), 5, "2025 (from the warm-up's end) to 2029");
        assert_years_add_up(&model, &rep);
    }
}

#[test]
fn breakdowns_and_held_cargo_are_reported_per_year_and_add_up() {
    // Two model years (no start) of a node whose two servers fail, fed by a flow that waits at
    // its origin for the node's small yard.
    let text = single_node(1.5, 2, "1.0", 600.0, 10.0)
        .replacen(
            "\n[[route]]",
            "\n[node.breakdown]\nup = { dist = \"exponential\", mean = 30 }\n\
             repair = { dist = \"gamma\", mean = 6, cv = 0.5 }\ncrews = 1\n\n[[route]]",
            1,
        )
        .replacen("servers = 2", "servers = 2\nyard_capacity = 4", 1);
    let model = crate::common::model(&text);
    assert!(text.contains("yard_capacity = 4"), "{text}");
    let yearly = KpiColumns::yearly(&model);
    assert!(
        yearly
            .columns()
            .iter()
            .any(|c| c.scope == Scope::Breakdown && c.kpi == "availability")
    );
    for rep in &replications(&model, 2) {
        assert_eq!(rep.years.len(), 2);
        assert!(rep.years.iter().all(|y| y.breakdowns[0].failures > 0));
        assert!(rep.flows[0].origin_teu.mean() > 0.0);
        assert_years_add_up(&model, rep);
    }
}

#[test]
fn a_window_within_one_year_has_no_years() {
    // The built-in scenario: one 365-day year.
    let model = model(corridor::scenario::BUILTIN_TEXT);
    let rep = &replications(&model, 1)[0];
    assert!(rep.years.is_empty());
    // Without a start, years are the model's 365-day years 1, 2, ...
    let two = crate::common::model(&single_node(0.5, 1, "1.0", 500.0, 10.0));
    let rep = &replications(&two, 1)[0];
    assert_eq!(rep.years.len(), 2);
    assert_eq!((rep.years[0].start_h, rep.years[0].end_h), (240.0, 8760.0));
    assert_years_add_up(&two, rep);
}

/// M/M/1 over 2025 and the first half of 2026, M/M/2 from 1 July 2026 to the end of 2027.
fn mm1_to_mm2() -> String {
    single_node(
        0.7,
        1,
        "{ dist = \"exponential\", mean = 1.0 }",
        1095.0,
        0.0,
    )
    .replace("seed = 12345", "seed = 12345\nstart = \"2025-01-01\"")
        + "\n[[change]]\nid = \"second-server\"\nat = \"2026-07-01\"\nset = { \"node.station.servers\" = 2 }\n"
}

#[test]
fn mean_wait_per_year_is_mm1_before_a_second_server_and_mm2_after() {
    let model = model(&mm1_to_mm2());
    let reps = replications(&model, 30);
    let wait = |year: usize| -> Vec<f64> {
        reps.iter()
            .map(|r| r.years[year].nodes[0].wait_h.mean().unwrap())
            .collect()
    };
    // 2025 lies wholly before the change and 2027 wholly after (2026 mixes both).
    assert_in_ci(
        "2025 mean wait (M/M/1)",
        &wait(0),
        erlang_c_wait(0.7, 1.0, 1),
    );
    assert_in_ci(
        "2027 mean wait (M/M/2)",
        &wait(2),
        erlang_c_wait(0.7, 1.0, 2),
    );
}

#[test]
fn utilisation_after_a_change_of_servers_divides_by_the_time_average_of_the_servers() {
    let model = model(&mm1_to_mm2());
    let reps = replications(&model, 30);
    let columns = KpiColumns::new(&model);
    let at = columns
        .columns()
        .iter()
        .position(|c| c.scope == Scope::Node && c.kpi == "utilization")
        .unwrap();
    let utilisation: Vec<f64> = reps
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            columns.row(&model, r, &mut row);
            row[at].unwrap()
        })
        .collect();
    // Busy servers average lambda / mu = 0.7 whatever the count; one server for 546 days
    // (2025-01-01 to 2026-07-01), two for the remaining 549.
    let servers = (546.0 * 1.0 + 549.0 * 2.0) / 1095.0;
    assert_in_ci("utilisation over the window", &utilisation, 0.7 / servers);
    // Per year: one server in 2025, two in 2027.
    let yearly = KpiColumns::yearly(&model);
    let at = yearly
        .columns()
        .iter()
        .position(|c| c.scope == Scope::Node && c.kpi == "utilization")
        .unwrap();
    let year_utilisation = |year: usize| -> Vec<f64> {
        reps.iter()
            .map(|r| {
                let mut row = Vec::new();
                KpiColumns::year_row(&model, &r.years[year], &mut row);
                row[at].unwrap()
            })
            .collect()
    };
    assert_in_ci("2025 utilisation", &year_utilisation(0), 0.7);
    assert_in_ci(
        "2026 utilisation",
        &year_utilisation(1),
        0.7 / ((181.0 + 2.0 * 184.0) / 365.0),
    );
    assert_in_ci("2027 utilisation", &year_utilisation(2), 0.35);
}

#[test]
fn yearly_csv_and_summary_json_report_each_year_and_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::common::scenario_file(dir.path(), "mm.toml", &mm1_to_mm2());
    let run = |threads: &str, name: &str| {
        let out = dir.path().join(name);
        corridor()
            .args(["run", "-q", "-r", "6", "-j", threads, "--out"])
            .arg(&out)
            .arg(&file)
            .assert()
            .success();
        out
    };
    let one = run("1", "one");
    let two = run("2", "two");
    crate::common::assert_same_results(&one, &two);
    let text = std::fs::read_to_string(one.join("yearly.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "year,first_date,last_date,days,partial,kind,id,kpi,mean,half_width,ci95_low,ci95_high,sd,n"
    );
    assert!(
        text.contains("\n2025,2025-01-01,2025-12-31,365,false,route,r,throughput_teu_per_day,")
    );
    assert!(text.contains("\n2027,2027-01-01,2027-12-31,365,false,node,station,wait_mean_h,"));
    // The CSV and summary.json hold the same estimates.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("summary.json")).unwrap()).unwrap();
    let yearly = summary["summary"]["yearly"].as_array().unwrap();
    assert_eq!(yearly.len(), 3);
    assert_eq!(yearly[1]["year"], 2026);
    assert_eq!(yearly[1]["first_date"], "2026-01-01");
    let wait = yearly[2]["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["entity"] == "station" && k["kpi"] == "wait_mean_h")
        .unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("2027,") && l.contains(",station,wait_mean_h,"))
        .unwrap();
    let mean: f64 = row.split(',').nth(8).unwrap().parse().unwrap();
    assert_eq!(mean, wait["estimate"]["mean"].as_f64().unwrap());
    // A run within one year writes no yearly.csv and no `yearly` key.
    let short = crate::common::scenario_file(
        dir.path(),
        "short.toml",
        &single_node(0.5, 1, "1.0", 30.0, 0.0),
    );
    let out = dir.path().join("short");
    corridor()
        .args(["run", "-q", "-r", "2", "--out"])
        .arg(&out)
        .arg(&short)
        .assert()
        .success();
    assert!(!out.join("yearly.csv").exists());
    assert!(
        !std::fs::read_to_string(out.join("summary.json"))
            .unwrap()
            .contains("\"yearly\"")
    );
}

#[test]
fn a_partial_first_and_last_year_is_labelled_with_its_dates() {
    let text = single_node(0.5, 1, "1.0", 400.0, 10.0)
        .replace("seed = 12345", "seed = 12345\nstart = \"2025-03-01\"");
    let model = model(&text);
    let spans = model
        .settings
        .calendar
        .window_years(model.settings.warmup, model.settings.horizon);
    assert_eq!(spans.len(), 2);
    assert!(spans.iter().all(|s| s.partial));
    assert_eq!(
        model.settings.calendar.span_dates(&spans[0]),
        ("2025-03-11".to_string(), "2025-12-31".to_string())
    );
    // 400 days from 1 March 2025: the last day is 4 April 2026.
    assert_eq!(
        model.settings.calendar.span_dates(&spans[1]),
        ("2026-01-01".to_string(), "2026-04-04".to_string())
    );
}

#[test]
fn compare_reports_the_paired_difference_per_year_with_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let plain = single_node(
        0.7,
        1,
        "{ dist = \"exponential\", mean = 1.0 }",
        1095.0,
        0.0,
    )
    .replace("seed = 12345", "seed = 12345\nstart = \"2025-01-01\"");
    let base = crate::common::scenario_file(dir.path(), "base.toml", &plain);
    let variant = crate::common::scenario_file(dir.path(), "variant.toml", &mm1_to_mm2());
    let out = dir.path().join("cmp");
    let printed = corridor()
        .args(["compare", "-r", "20", "--out"])
        .arg(&out)
        .arg(&base)
        .arg(&variant)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(printed).unwrap();
    assert!(printed.contains("difference by year"), "{printed}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    let yearly = json["variants"][0]["yearly"].as_array().unwrap();
    assert_eq!(
        yearly
            .iter()
            .map(|y| y["year"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [2025, 2026, 2027]
    );
    let wait = |year: usize| {
        yearly[year]["kpis"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["entity"] == "station" && k["kpi"] == "wait_mean_h")
            .unwrap()["difference"]
            .clone()
    };
    // Before the change both runs are bit-identical (common random numbers): exactly 0 ± 0.
    assert_eq!(wait(0)["mean"], 0.0);
    assert_eq!(wait(0)["half_width"], 0.0);
    // In 2027 the variant is M/M/2, the base M/M/1.
    let exact = erlang_c_wait(0.7, 1.0, 2) - erlang_c_wait(0.7, 1.0, 1);
    let (mean, half) = (
        wait(2)["mean"].as_f64().unwrap(),
        wait(2)["half_width"].as_f64().unwrap(),
    );
    // The 95% interval widened to 99.9% (t with 19 degrees of freedom: 3.883 / 2.093).
    assert!(
        (mean - exact).abs() <= half * 3.883 / 2.093,
        "{mean} ± {half} vs {exact}"
    );
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",half_width_ratio,year")
    );
    assert!(
        csv.lines()
            .any(|l| l.contains(",station,wait_mean_h,") && l.ends_with(",2027"))
    );
    assert!(
        csv.lines()
            .any(|l| l.contains(",station,wait_mean_h,") && l.ends_with(','))
    );
}

#[test]
fn merged_shards_of_a_multi_year_run_equal_the_single_run_and_old_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = crate::common::scenario_file(dir.path(), "mm.toml", &mm1_to_mm2());
    let single = dir.path().join("single");
    corridor()
        .args(["run", "-q", "-r", "4", "-s", "3", "--no-charts", "-o"])
        .arg(&single)
        .arg(&file)
        .assert()
        .success();
    let shards: Vec<std::path::PathBuf> = ["0/2", "1/2"]
        .iter()
        .map(|spec| {
            let out = dir.path().join(spec.replace('/', "-of-"));
            corridor()
                .args(["run", "-q", "-r", "4", "-s", "3", "--shard", spec, "-o"])
                .arg(&out)
                .arg(&file)
                .assert()
                .success();
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    corridor()
        .args(["merge", "-q", "--no-charts"])
        .args(&shards)
        .arg("-o")
        .arg(&merged)
        .assert()
        .success();
    assert!(merged.join("yearly.csv").exists());
    crate::common::assert_same_results(&single, &merged);
    // A shard of the previous format (without years) is refused, naming both formats.
    let manifest = shards[0].join("shard.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("corridor-shard/4", "corridor-shard/3"),
    )
    .unwrap();
    corridor()
        .args(["merge", "-q"])
        .args(&shards)
        .arg("-o")
        .arg(dir.path().join("refused"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "format \"corridor-shard/3\", expected \"corridor-shard/4\"",
        ));
}
