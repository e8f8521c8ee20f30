//! `corridor compare`: paired differences with common random numbers.
//!
//! - A scenario compared with itself differs by exactly 0 in every KPI.
//! - On M/M/1 and M/M/c reference models the paired interval of the wait difference is at least
//!   twice as narrow as the interval from independent seeds, and covers the exact difference.
//! - Threads never change the files; the files parse; bad input writes nothing.

use std::path::Path;

use corridor::experiment::{RunConfig, Runner};
use corridor::study::compare::{Comparison, KpiDifference, compare, headline_columns};
use corridor::study::{self, Sample};
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::common::{corridor, erlang_c_wait, file_names, mean_and_half_width, model, single_node};

/// Welch's 95% half-width for the difference of the means of two independent samples.
fn welch_half_width(a: &[f64], b: &[f64]) -> f64 {
    let var = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
    };
    let (va, vb) = (var(a) / a.len() as f64, var(b) / b.len() as f64);
    let df = (va + vb).powi(2) / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
    let t = StudentsT::new(0.0, 1.0, df).unwrap().inverse_cdf(0.975);
    t * (va + vb).sqrt()
}

fn values(sample: &Sample, column: &str) -> Vec<f64> {
    let index = sample
        .column(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    sample.values(index).map(|v| v.unwrap()).collect()
}

fn kpi<'a>(kpis: &'a [KpiDifference], name: &str) -> &'a KpiDifference {
    kpis.iter().find(|k| k.name() == name).unwrap()
}

/// Runs base and variant with common random numbers and the variant again with another seed;
/// checks the paired 95% interval against the independent one and the exact difference.
/// Asserts that the ratio of half-widths (independent / paired) is at least `min_ratio`.
fn check_reference(
    what: &str,
    base: &str,
    variant: &str,
    column: &str,
    exact: f64,
    min_ratio: f64,
) {
    let (base, variant) = (model(base), model(variant));
    let runner = Runner::new(2).unwrap();
    let config = RunConfig {
        replications: 20,
        seed: 2024,
    };
    let b = study::sample(&base, &runner, config).unwrap();
    let v = study::sample(&variant, &runner, config).unwrap();
    let independent = study::sample(
        &variant,
        &runner,
        RunConfig {
            seed: 2025,
            ..config
        },
    )
    .unwrap();
    let scenario = corridor::study::compare::ScenarioRef {
        name: "variant".into(),
        file: "variant.toml".into(),
        sha256: String::new(),
        horizon_days: 0.0,
        warmup_days: 0.0,
        file_seed: 0,
        file_replications: 0,
    };
    let result = compare(&b, &v, scenario, &headline_columns(&b));
    let k = kpi(&result.kpis, column);
    assert!(k.headline, "{column} is a headline KPI");
    let paired = k.difference.unwrap();

    // The reported interval is the textbook one on the differences.
    let (xb, xv) = (values(&b, column), values(&v, column));
    let d: Vec<f64> = xb.iter().zip(&xv).map(|(x, y)| y - x).collect();
    let (mean, half_width_95) = mean_and_half_width(&d, 0.95);
    assert!((paired.mean - mean).abs() < 1e-9 * mean.abs().max(1.0));
    assert!((paired.half_width - half_width_95).abs() < 1e-9 * half_width_95);

    // Independent seeds: Welch's interval from the base and the variant run with another seed.
    let unpaired = welch_half_width(&xb, &values(&independent, column));
    let ratio = unpaired / paired.half_width;
    eprintln!(
        "{what}: paired difference {:.4} ± {:.4} (95%), independent seeds ± {unpaired:.4}, \
         ratio {ratio:.2}; Welch estimate from the paired run's marginals ± {:.4} (ratio {:.2}); \
         correlation {:.3}; exact {exact:.4}",
        paired.mean,
        paired.half_width,
        k.unpaired_half_width.unwrap(),
        k.half_width_ratio.unwrap(),
        k.correlation.unwrap()
    );
    assert!(
        ratio >= min_ratio,
        "{what}: common random numbers narrowed the interval only {ratio:.2} times"
    );
    // The paired difference's 99% interval covers the exact difference, and is narrow enough
    // that a wrong answer would show.
    let (_, half_width_99) = mean_and_half_width(&d, 0.99);
    assert!(
        (mean - exact).abs() <= half_width_99,
        "{what}: paired difference {mean:.4} ± {half_width_99:.4} (99%) misses the exact {exact:.4}"
    );
    assert!(
        half_width_99 < 0.1 * exact.abs(),
        "{what}: ±{half_width_99:.4} is too wide to test {exact:.4}"
    );
}

#[test]
fn faster_service_in_mm1_paired_ci_is_narrow_and_covers_the_exact_difference() {
    // lambda = 0.7/h; mean service 1 h (rho 0.7, Wq = 2.33 h) against 0.9 h (rho 0.63, Wq = 1.53 h):
    // the kind of improvement common random numbers are for (similar variances, high
    // correlation).
    let base = single_node(
        0.7,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        1000.0,
        20.0,
    );
    let variant = single_node(
        0.7,
        1,
        r#"{ dist = "exponential", mean = 0.9 }"#,
        1000.0,
        20.0,
    );
    let exact = erlang_c_wait(0.7, 1.0 / 0.9, 1) - erlang_c_wait(0.7, 1.0, 1);
    check_reference(
        "M/M/1 mean wait, service 1 h -> 0.9 h",
        &base,
        &variant,
        "node/station/wait_mean_h",
        exact,
        2.0,
    );
}

#[test]
fn third_server_in_mmc_paired_ci_covers_the_exact_difference() {
    // lambda = 1.6/h, mu = 1/h: two servers (rho 0.8) against three (rho 0.53). A change this
    // large leaves the variant's wait far less variable than the base's, so even a correlation
    // near 0.9 narrows the interval only a little: var(d) = var(x) + var(y) - 2 r sd(x) sd(y) is
    // at least var(x) (1 - r²) when sd(y) << sd(x). The test asks only that pairing helps.
    let service = r#"{ dist = "exponential", mean = 1.0 }"#;
    let base = single_node(1.6, 2, service, 400.0, 20.0);
    let variant = single_node(1.6, 3, service, 400.0, 20.0);
    let exact = erlang_c_wait(1.6, 1.0, 3) - erlang_c_wait(1.6, 1.0, 2);
    check_reference(
        "M/M/c mean wait, 2 -> 3 servers",
        &base,
        &variant,
        "node/station/wait_mean_h",
        exact,
        1.0,
    );
}

/// Writes the test station (λ = 0.8/h, `servers` servers, 60 days, 5 of warm-up) to `dir/name`.
fn station_file(dir: &Path, name: &str, servers: u32) -> std::path::PathBuf {
    crate::common::scenario_file(dir, name, &single_node(0.8, servers, SERVICE, 60.0, 5.0))
}

fn read_comparison(dir: &Path) -> Comparison {
    serde_json::from_str(&std::fs::read_to_string(dir.join("compare.json")).unwrap()).unwrap()
}

const SERVICE: &str = r#"{ dist = "exponential", mean = 1.0 }"#;

#[test]
fn a_scenario_compared_with_itself_differs_by_exactly_zero() {
    let dir = tempfile::tempdir().unwrap();
    let base = station_file(dir.path(), "base.toml", 1);
    let out = dir.path().join("out");
    corridor()
        .args(["compare", "-q", "-r", "4", "--no-charts", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&base)
        .assert()
        .success()
        .stdout(predicates::str::is_empty());
    assert_eq!(file_names(&out), ["compare.csv", "compare.json"]);
    let comparison = read_comparison(&out);
    let kpis = &comparison.variants[0].kpis;
    assert!(kpis.len() > 20);
    assert!(comparison.variants[0].only_in_base.is_empty());
    let mut checked = 0;
    for k in kpis {
        let Some(d) = k.difference else { continue };
        for (what, value) in [
            ("mean", d.mean),
            ("sd", k.difference_sd.unwrap()),
            ("half-width", d.half_width),
            ("low", d.low),
            ("high", d.high),
        ] {
            assert_eq!(value.to_bits(), 0.0f64.to_bits(), "{} {what}", k.name());
        }
        if let Some(c) = k.change_pct {
            assert_eq!((c.mean, c.low, c.high), (0.0, 0.0, 0.0), "{}", k.name());
        }
        checked += 1;
    }
    assert!(checked > 20, "only {checked} KPIs had a difference");
    // And the two runs were real: the base values vary across replications.
    let wait = kpi(kpis, "node/station/wait_mean_h");
    assert!(wait.base.unwrap().sd > 0.0);
    assert_eq!(wait.correlation, Some(1.0));
}

#[test]
fn threads_do_not_change_the_files_and_the_files_parse() {
    let dir = tempfile::tempdir().unwrap();
    let base = station_file(dir.path(), "base.toml", 1);
    let variant = station_file(dir.path(), "faster.toml", 2);
    let run = |threads: &str| {
        let out = dir.path().join(format!("out-{threads}"));
        let assert = corridor()
            .args(["compare", "-r", "6", "-s", "11", "--chart-size", "800x450"])
            .args(["-j", threads, "-o"])
            .arg(&out)
            .arg(&base)
            .arg(&variant)
            .assert()
            .success()
            .stdout(predicates::str::contains("station/wait_mean_h"))
            .stdout(predicates::str::contains("unpaired"));
        let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        (out, stdout)
    };
    let (one, stdout) = run("1");
    let (two, _) = run("2");
    assert_eq!(file_names(&one), ["charts", "compare.csv", "compare.json"]);
    for name in ["compare.csv", "charts/compare.svg", "charts/compare.png"] {
        assert!(
            std::fs::read(one.join(name)).unwrap() == std::fs::read(two.join(name)).unwrap(),
            "{name} differs between 1 and 2 threads"
        );
    }
    // compare.json too, but for the command line in its provenance (`-j`, `-o` differ).
    let json = |out: &std::path::Path| {
        let v = crate::common::json_without(&out.join("compare.json"), &["command_line"]);
        serde_json::to_string_pretty(&v).unwrap()
    };
    assert!(
        json(&one) == json(&two),
        "compare.json differs between 1 and 2 threads"
    );
    assert_eq!(
        file_names(&one.join("charts")),
        ["compare.png", "compare.svg"]
    );

    let comparison = read_comparison(&one);
    assert_eq!(
        (
            comparison.provenance.seed,
            comparison.provenance.replications
        ),
        (11, 6)
    );
    assert_eq!(comparison.base.sha256.len(), 64);
    assert!(
        comparison.variants[0]
            .scenario
            .file
            .ends_with("faster.toml")
    );
    let wait = kpi(&comparison.variants[0].kpis, "node/station/wait_mean_h");
    let change = wait.change_pct.unwrap();
    assert!(
        change.high < 0.0,
        "a second server cuts the wait: {change:?}"
    );
    assert!(stdout.contains(&format!("{:+.1}", change.mean)), "{stdout}");

    // The CSV: one row per KPI, every row as long as the header, numbers where JSON has them.
    let mut reader = csv::Reader::from_path(one.join("compare.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), comparison.variants[0].kpis.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| &r[col("entity")] == "station" && &r[col("kpi")] == "wait_mean_h")
        .unwrap();
    assert_eq!(&row[col("present_in")], "both");
    assert_eq!(
        row[col("change_pct")].parse::<f64>().unwrap(),
        change.mean,
        "CSV numbers read back exactly"
    );
    assert_eq!(
        row[col("difference_ci95_low")].parse::<f64>().unwrap(),
        wait.difference.unwrap().low
    );

    // The chart: SVG parses, PNG has the asked size.
    let svg = std::fs::read_to_string(one.join("charts/compare.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(
        svg.contains("wait for a server, h") && svg.contains("station"),
        "the bar is labelled, in the panel of waits"
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(one.join("charts/compare.png")).unwrap(),
    ));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (800, 450));
}

#[test]
fn a_variant_missing_an_entity_lists_its_kpis_and_a_different_horizon_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let base = station_file(dir.path(), "base.toml", 1);
    // The same corridor with its node renamed and a longer horizon.
    let renamed = single_node(0.8, 1, SERVICE, 90.0, 5.0).replace("\"station\"", "\"depot\"");
    let variant = crate::common::scenario_file(dir.path(), "renamed.toml", &renamed);
    let out = dir.path().join("out");
    corridor()
        .args(["compare", "-r", "3", "--no-charts", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&variant)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "KPIs only in the base: node/station/",
        ))
        .stdout(predicates::str::contains(
            "KPIs only in the variant: node/depot/",
        ))
        .stderr(predicates::str::contains("horizon 90 d"))
        .stderr(predicates::str::contains(
            "totals over the statistics window",
        ));
    let comparison = read_comparison(&out);
    let v = &comparison.variants[0];
    assert!(
        v.only_in_base
            .contains(&"node/station/wait_mean_h".to_string())
    );
    assert!(
        v.only_in_variant
            .contains(&"node/depot/wait_mean_h".to_string())
    );
    assert!(
        v.kpis
            .iter()
            .any(|k| k.name() == "route/r/throughput_teu_per_day")
    );
    assert_eq!(v.notes.len(), 1);
    let text = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(text.contains(",node,station,wait_mean_h,base,"), "{text}");
    assert!(text.contains(",node,depot,wait_mean_h,variant,"), "{text}");
    assert!(
        text.contains(",route,r,delivered_teu,both,false,true,"),
        "{text}"
    );
}

#[test]
fn bad_variant_files_are_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = station_file(dir.path(), "base.toml", 1);
    let invalid =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/duplicate_id.toml");
    let missing = dir.path().join("no-such-variant.toml");
    let out = dir.path().join("out");
    for (bad, expected) in [
        (&missing, "no-such-variant.toml"),
        (&invalid, "duplicate_id.toml"),
    ] {
        corridor()
            .args(["compare", "-o"])
            .arg(&out)
            .arg(&base)
            .arg(&base)
            .arg(bad)
            .assert()
            .code(1)
            .stderr(predicates::str::contains("cannot load variant scenario"))
            .stderr(predicates::str::contains(expected));
        assert!(!out.exists(), "nothing is written for a bad {expected}");
    }
    // An unknown --kpi lists the valid KPI names and the nearest columns, before any work.
    corridor()
        .args(["compare", "--kpi", "wiat_mean_h", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&base)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("unknown KPI \"wiat_mean_h\""))
        .stderr(predicates::str::contains("sojourn_mean_h, utilization"))
        .stderr(predicates::str::contains("nearest KPI names: wait_mean_h,"));
    corridor()
        .args(["compare", "--kpi", "node/statoin/wait_mean_h", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&base)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "nearest columns: node/station/wait_mean_h,",
        ));
    assert!(!out.exists(), "nothing is written for an unknown --kpi");
    // Fewer than two replications: a usage error from the flag parser.
    corridor()
        .args(["compare", "-r", "1", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&base)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--replications"));
    // A non-empty output directory is refused before any work.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    corridor()
        .args(["compare", "-o"])
        .arg(&out)
        .arg(&base)
        .arg(&base)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("is not empty"));
    assert_eq!(file_names(&out), ["keep.txt"]);
}

#[test]
fn kpi_selects_what_is_printed_and_charted() {
    let dir = tempfile::tempdir().unwrap();
    let base = station_file(dir.path(), "base.toml", 1);
    let variant = station_file(dir.path(), "two.toml", 2);
    let out = dir.path().join("out");
    let assert = corridor()
        .args(["compare", "-r", "3", "--kpi", "sojourn_mean_h", "--kpi"])
        .arg("route/r/transit_p50_h")
        .arg("-o")
        .arg(&out)
        .arg(&base)
        .arg(&variant)
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("station/sojourn_mean_h"), "{stdout}");
    assert!(stdout.contains("r/transit_p50_h"), "{stdout}");
    assert!(!stdout.contains("wait_mean_h"), "{stdout}");
    let comparison = read_comparison(&out);
    let shown: Vec<String> = comparison.variants[0]
        .kpis
        .iter()
        .filter(|k| k.headline)
        .map(|k| k.name())
        .collect();
    assert_eq!(
        shown,
        ["node/station/sojourn_mean_h", "route/r/transit_p50_h"]
    );
    let svg = std::fs::read_to_string(out.join("charts/compare.svg")).unwrap();
    assert!(
        svg.contains("sojourn_mean_h") && svg.contains("node · station"),
        "the chart shows the selection"
    );
}

#[test]
fn the_aktau_variant_changes_only_aktau_port() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let base = corridor::scenario::load(&dir.join("middle_corridor.toml")).unwrap();
    let variant = corridor::scenario::load(&dir.join("aktau_modernization.toml")).unwrap();
    let (b, v) = (&base.model, &variant.model);
    assert_eq!(v.settings.name, "aktau-modernization");
    assert_eq!(
        (v.settings.seed, v.settings.replications),
        (b.settings.seed, b.settings.replications)
    );
    assert_eq!(b.nodes.len(), v.nodes.len());
    for (x, y) in b.nodes.iter().zip(&v.nodes) {
        if x.id == "aktau-port" {
            assert_eq!((x.servers, y.servers), (Some(2), Some(3)));
            assert_eq!((x.berths, y.berths), (Some(2), Some(3)));
            assert_eq!(
                (x.yard_capacity_teu, y.yard_capacity_teu),
                (Some(3000), Some(5000))
            );
            assert!(y.service.mean() < x.service.mean());
        } else {
            assert_eq!(format!("{x:?}"), format!("{y:?}"), "{} changed", x.id);
        }
    }
    for (what, x, y) in [
        ("legs", format!("{:?}", b.legs), format!("{:?}", v.legs)),
        (
            "routes",
            format!("{:?}", b.routes),
            format!("{:?}", v.routes),
        ),
        ("flows", format!("{:?}", b.flows), format!("{:?}", v.flows)),
        (
            "fleets",
            format!("{:?}", b.fleets),
            format!("{:?}", v.fleets),
        ),
        (
            "disruptions",
            format!("{:?}", b.disruptions),
            format!("{:?}", v.disruptions),
        ),
    ] {
        assert_eq!(x, y, "the variant changes the {what}");
    }
}
