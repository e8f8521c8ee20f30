//! One fixture per class of scenario mistake (`tests/fixtures/bad/*.toml`, each with a comment
//! saying what is wrong) and the exact diagnostics it must produce: `line:column: key path:
//! message`. Every problem in a file is reported in one pass.

use std::path::PathBuf;

use corridor::scenario::{self, ScenarioError};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bad")
        .join(name)
}

/// Loads fixture `name` and checks that it yields exactly `expected` diagnostics, in order.
fn check(name: &str, expected: &[&str]) {
    let path = fixture(name);
    let err = match scenario::load(&path) {
        Ok(_) => panic!("{name} should be rejected"),
        Err(err) => err,
    };
    let ScenarioError::Invalid { diagnostics } = &err else {
        panic!("{name}: expected validation errors, got {err}");
    };
    let got: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            assert_eq!(
                d.file,
                path.display().to_string(),
                "every diagnostic names the file"
            );
            let (line, column) = d.position.expect("every fixture problem has a position");
            format!("{line}:{column}: {}: {}", d.path, d.message)
        })
        .collect();
    assert_eq!(got, expected, "{name}");
    // The rendered error starts with a count and lists each problem on its own line.
    let rendered = err.to_string();
    assert!(
        rendered.starts_with(&format!("scenario has {} problem", expected.len())),
        "{rendered}"
    );
}

#[test]
fn malformed_toml() {
    check(
        "malformed_toml.toml",
        &["3:12: : invalid TOML: invalid basic string, expected `\"`"],
    );
}

#[test]
fn unknown_field() {
    check(
        "unknown_field.toml",
        &[
            "10:1: node \"border\".servrs: unknown field `servrs`, expected one of `id`, `name`, `kind`, `servers`, `service`, `yard_capacity`, `berths`, `hours`, `gauge_change`, `lat`, `lon`, `breakdown`, `cost_per_teu`, `storage_per_teu_day`, `free_storage_days`",
        ],
    );
}

#[test]
fn bad_coordinates() {
    check(
        "bad_coordinates.toml",
        &[
            "11:7: node \"border\".lat: must be a latitude (north positive) in degrees from -90 to 90, got 95.5",
            "18:7: node \"port\".lon: lon without lat: give both lat and lon (degrees), or neither",
        ],
    );
}

#[test]
fn duplicate_id() {
    check(
        "duplicate_id.toml",
        &["20:6: node \"border\": duplicate id: ids must be unique within their section"],
    );
}

#[test]
fn unknown_node_in_route() {
    check(
        "unknown_node_in_route.toml",
        &["27:20: route \"main\".nodes: unknown node \"aktau\"; known nodes: \"border\", \"port\""],
    );
}

#[test]
fn unknown_node_in_leg() {
    check(
        "unknown_node_in_leg.toml",
        &[
            "20:8: leg \"khorgos->port\".from: unknown node \"khorgos\"; known nodes: \"border\", \"port\"",
            "27:20: route \"main\".nodes: no leg from \"border\" to \"port\"; add a [[leg]] with from = \"border\" and to = \"port\"",
        ],
    );
}

#[test]
fn no_leg_between_route_nodes() {
    check(
        "no_leg_between_nodes.toml",
        &[
            "27:18: route \"main\".nodes: no leg from \"port\" to \"border\"; add a [[leg]] with from = \"port\" and to = \"border\"",
        ],
    );
}

#[test]
fn zero_servers() {
    check(
        "zero_servers.toml",
        &[
            "16:11: node \"port\".servers: must be a whole number from 1 to 4294967295, got 0 (leave servers out for unlimited servers)",
        ],
    );
}

#[test]
fn negative_cv() {
    check(
        "negative_cv.toml",
        &["11:11: node \"border\".service: lognormal: cv must be from 1e-6 to 100, got -0.5"],
    );
}

#[test]
fn min_above_max() {
    check(
        "min_above_max.toml",
        &[
            "23:11: leg \"border->port\".transit: uniform: min must be less than max, got min = 20 and max = 10",
        ],
    );
}

#[test]
fn nan_parameter() {
    check(
        "nan_parameter.toml",
        &["11:11: node \"border\".service: lognormal: mean must be a finite number, got NaN"],
    );
}

#[test]
fn infinite_parameter() {
    check(
        "infinite_parameter.toml",
        &["17:11: node \"port\".service: triangular: max must be a finite number, got inf"],
    );
}

#[test]
fn nonpositive_mean() {
    check(
        "nonpositive_mean.toml",
        &["11:11: node \"border\".service: exponential: mean must be greater than 0, got 0"],
    );
}

#[test]
fn empty_route() {
    check(
        "empty_route.toml",
        &["27:9: route \"main\".nodes: a route must list at least one node"],
    );
}

#[test]
fn warmup_not_before_horizon() {
    check(
        "warmup_not_before_horizon.toml",
        &["5:15: scenario.warmup_days: must be less than horizon_days (100), got 100"],
    );
}

#[test]
fn unknown_distribution() {
    check(
        "unknown_distribution.toml",
        &[
            "23:11: leg \"border->port\".transit: unknown distribution \"beta\"; allowed: constant, exponential, uniform, triangular, normal, lognormal, gamma, weibull, pert, empirical",
        ],
    );
}

#[test]
fn wrong_distribution_keys() {
    check(
        "wrong_distribution_keys.toml",
        &["11:11: node \"border\".service: lognormal takes mean, cv; missing cv; sd not used"],
    );
}

#[test]
fn unknown_section() {
    check(
        "unknown_section.toml",
        &[
            "34:3: ship: unknown section; allowed: extends, remove, scenario, node, leg, route, flow, disruption, cost, change, sweep, uncertain, investment",
        ],
    );
}

#[test]
fn reserved_section() {
    check(
        "reserved_section.toml",
        &[
            "34:2: experiment: is reserved for a later version of Corridor and not supported by this one",
        ],
    );
}

#[test]
fn unknown_route_in_flow() {
    check(
        "unknown_route_in_flow.toml",
        &["31:9: flow \"boxes\".route: unknown route \"mian\"; known routes: \"main\""],
    );
}

#[test]
fn block_trains_without_size() {
    check(
        "block_trains_without_size.toml",
        &[
            "30:6: flow \"boxes\".train_teu: is required with arrivals = \"block_trains\" (TEU per train, e.g. 105)",
        ],
    );
}

#[test]
fn train_larger_than_yard() {
    check(
        "train_larger_than_yard.toml",
        &[
            "17:17: node \"port\".yard_capacity: is 50 TEU, smaller than one consignment of flow \"boxes\" (100 TEU), which could never enter",
        ],
    );
}

#[test]
fn bad_seasonality() {
    check(
        "bad_seasonality.toml",
        &[
            "33:15: flow \"boxes\".seasonality: must list 12 monthly factors (January to December), got 11",
        ],
    );
}

#[test]
fn missing_scenario_table() {
    check(
        "missing_scenario.toml",
        &["1:1: scenario: missing [scenario] table (with name and horizon_days)"],
    );
}

#[test]
fn node_table_instead_of_array() {
    check(
        "node_not_array.toml",
        &["6:1: node: must be an array of tables: write [[node]] for each one"],
    );
}

#[test]
fn no_flows() {
    check(
        "no_flows.toml",
        &["1:1: flow: at least one [[flow]] is required"],
    );
}

#[test]
fn several_problems_are_reported_in_one_pass() {
    check(
        "several_problems.toml",
        &[
            "10:11: node \"border\".servers: must be a whole number from 1 to 4294967295, got -1 (leave servers out for unlimited servers)",
            "17:11: node \"port\".service: triangular: min must be less than max, got min = 2 and max = 1",
            "32:16: flow \"boxes\".teu_per_year: must be 0 (the flow is paused) or from 1e-6 to 1e9 TEU per year, got -5",
        ],
    );
}

#[test]
fn absurd_mean() {
    check(
        "absurd_mean.toml",
        &[
            "10:11: node \"border\".service: has a mean of 6.083e64 h; means above 10000000 h (over 1,000 years) are not meaningful",
        ],
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let err = scenario::load(&fixture("does_not_exist.toml")).unwrap_err();
    assert!(matches!(err, ScenarioError::Io { .. }));
    assert!(
        err.to_string().contains("cannot read scenario file"),
        "{err}"
    );
    assert!(err.to_string().contains("does_not_exist.toml"), "{err}");
}

#[test]
fn bad_fleet() {
    check(
        "bad_fleet.toml",
        &[
            "9:10: node \"port\".berths: must be a whole number from 1 to 4294967295, got 0 (leave berths out for unlimited berths)",
            "29:15: leg \"sea\".fleet.load_factor: leaves less than 1 TEU of 10 TEU usable; raise load_factor or capacity_teu",
            "31:13: leg \"sea\".fleet.schedule: \"mon 8:00\" is not a weekly slot; write a day and a time such as \"mon 08:00\" (days: mon, tue, wed, thu, fri, sat, sun)",
            "31:25: leg \"sea\".fleet.schedule: \"fri 25:00\" is not a weekly slot; write a day and a time such as \"mon 08:00\" (days: mon, tue, wed, thu, fri, sat, sun)",
            "32:14: leg \"sea\".fleet.max_wait_h: is only used with departure = \"when_full\"",
            "33:14: leg \"sea\".fleet.return_leg: leg \"far-yard\" does not run back from the fleet leg's destination to its origin",
            "43:10: leg \"far-yard\".fleet: give either vessels or trains, not both",
        ],
    );
}

#[test]
fn bad_disruption() {
    check(
        "bad_disruption.toml",
        &[
            "11:9: node \"border\".hours.open: \"8am\" is not a time of day; write \"HH:MM\" from \"00:00\" to \"23:59\"",
            "24:20: disruption \"storm\".nodes: unknown node \"port\"; known: \"border\"",
            "25:19: disruption \"storm\".capacity_factor: must be 0 (closed) or from 1e-6 to below 1 (slowed), got 1",
            "30:6: disruption \"closure\": give exactly one of rate_per_year, monthly_rates (random starts) or start_day (one scheduled episode); got rate_per_year, start_day",
            "31:9: disruption \"closure\".legs: unknown leg \"border->port\"; known: (none)",
            "32:10: disruption \"closure\".blocks: \"departures\" applies to nodes only; a closed leg always stops departures onto it",
            "38:6: disruption \"nothing\": has no target: list node ids in nodes = [...] and/or leg ids in legs = [...]",
            "39:17: disruption \"nothing\".monthly_rates: must be 12 expected starts per month (January first), each 0 or from 8.333e-8 to 1e5 (all 0: the disruption never starts)",
        ],
    );
}

#[test]
fn every_fixture_is_covered() {
    // A fixture without a test would silently check nothing.
    let this_file = include_str!("bad_input.rs");
    for entry in std::fs::read_dir(fixture("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            this_file.contains(&format!("\"{name}\"")),
            "fixture {name} has no test"
        );
    }
}

mod never_panics {
    use proptest::prelude::*;

    const BASE: &str = include_str!("../../scenarios/middle_corridor.toml");

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Whatever happens to a valid file (a line dropped, a value replaced), loading it returns
        /// a result: a scenario or diagnostics, never a panic.
        #[test]
        fn mutated_scenarios_load_or_fail_cleanly(
            drop_line in 0usize..400,
            replace_line in 0usize..400,
            replacement in prop::sample::select(vec![
                "servers = 0", "servers = -3", "horizon_days = nan", "warmup_days = 1e9",
                "service = { dist = \"pert\", min = 5, mode = 1, max = 2 }", "nodes = []",
                "teu_per_year = inf", "train_teu = 0", "[[leg]]", "[scenario]", "id = \"\"",
                "seasonality = [0,0,0,0,0,0,0,0,0,0,0,0]", "transit = { dist = \"empirical\", values = [] }",
                "yard_capacity = 1", "routes = [{ route = \"x\", share = 2 }]", "= = =", "x = \"\\u0000\"",
            ]),
        ) {
            let lines: Vec<&str> = BASE.lines().collect();
            let mutated: String = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != drop_line % lines.len())
                .map(|(i, line)| if i == replace_line % lines.len() { replacement } else { line })
                .collect::<Vec<_>>()
                .join("\n");
            match corridor::scenario::from_str(&mutated, "mutated.toml") {
                Ok(loaded) => prop_assert!(!loaded.model.nodes.is_empty()),
                Err(err) => prop_assert!(err.to_string().contains("mutated.toml")),
            }
        }
    }
}
