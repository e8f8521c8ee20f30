//! Nominal capacity (`model::capacity`, `capacity.csv`): each formula against values computed by
//! hand on small fixtures, and the binding resource of a route.

use corridor::model::capacity::{CapacityPeriod, capacity_by_period};

use crate::common::model;

const TANDEM: &str = r#"
[scenario]
name = "tandem"
horizon_days = 365
seed = 1

[[node]]
id = "gate"
kind = "border"
servers = 3
service = { dist = "exponential", mean = 2.0 }
EXTRA_GATE

[[node]]
id = "yard"
kind = "yard"
servers = 1
service = { dist = "gamma", mean = 0.4, cv = 0.5 }

[[node]]
id = "port"
kind = "port"
berths = 2

[[node]]
id = "far"
kind = "port"

[[leg]]
from = "gate"
to = "yard"
mode = "rail"
transit = 5

[[leg]]
from = "yard"
to = "port"
mode = "rail"
transit = 1

[[leg]]
id = "crossing"
from = "port"
to = "far"
mode = "sea"
transit = 10
[leg.fleet]
vessels = 2
capacity_teu = 100
load_factor = 0.8
return = 10
load_time = { dist = "uniform", min = 1, max = 3 }
unload_time = 2

[[route]]
id = "line"
nodes = ["gate", "yard", "port", "far"]

[[flow]]
id = "boxes"
route = "line"
teu_per_year = 8760
"#;

fn table(extra_gate: &str) -> CapacityPeriod {
    let text = TANDEM.replace("EXTRA_GATE", extra_gate);
    let periods = capacity_by_period(&model(&text));
    assert_eq!(periods.len(), 1, "no dated change: one period");
    periods.into_iter().next().unwrap()
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: {got}, computed by hand {want}"
    );
}

#[test]
fn node_and_fleet_capacities_match_the_formulas() {
    let t = table("");
    let ids: Vec<(&str, &str)> = t
        .resources
        .iter()
        .map(|r| (r.kind.as_str(), r.id.as_str()))
        .collect();
    // Nodes with limited servers, then fleets; the port has no servers and no row.
    assert_eq!(
        ids,
        [("node", "gate"), ("node", "yard"), ("fleet", "crossing")]
    );
    // gate: 3 servers / 2 h x 1 TEU x 8760 h.
    close(t.resources[0].capacity_teu_per_year, 13_140.0, "gate");
    // yard: 1 / 0.4 h x 8760.
    close(t.resources[1].capacity_teu_per_year, 21_900.0, "yard");
    // crossing: 2 vessels x floor(100 x 0.8) TEU / (2 + 10 + 2 + 10) h x 8760.
    close(t.resources[2].capacity_teu_per_year, 58_400.0, "crossing");
    for r in &t.resources {
        close(r.demand_teu_per_year, 8760.0, "demand");
        close(
            r.utilization.unwrap(),
            8760.0 / r.capacity_teu_per_year,
            "utilization",
        );
        close(
            r.headroom_teu_per_year,
            r.capacity_teu_per_year - 8760.0,
            "headroom",
        );
    }
    // The gate binds first: its capacity is 1.5 times the demand.
    assert_eq!(t.routes.len(), 1);
    assert_eq!(
        t.routes[0].binding,
        Some(("node".to_string(), "gate".to_string()))
    );
    close(
        t.routes[0].saturates_at_demand_x.unwrap(),
        1.5,
        "saturation",
    );
}

#[test]
fn hours_breakdowns_and_block_trains_scale_a_node() {
    // Open 08:00-20:00 (half the day) and each server up 90 / (90 + 10) of the time: the gate
    // keeps 3 / 2 x 0.5 x 0.9 consignments an hour.
    let t = table(
        "hours = { open = \"08:00\", close = \"20:00\" }\n[node.breakdown]\nup = 90\nrepair = 10",
    );
    close(
        t.resources[0].capacity_teu_per_year,
        13_140.0 * 0.5 * 0.9,
        "gate with hours and breakdowns",
    );
    // 5,913 TEU a year is below the demand: the gate is overloaded (utilization above 1,
    // negative headroom) and binds.
    assert!(t.resources[0].utilization.unwrap() > 1.0);
    assert!(t.resources[0].headroom_teu_per_year < 0.0);
    assert_eq!(t.routes[0].binding.as_ref().unwrap().1, "gate");
    // Block trains of 50 TEU: a consignment is a train, so the same servers carry 50 times the
    // TEU.
    let text = TANDEM.replace("EXTRA_GATE", "").replace(
        "teu_per_year = 8760\n",
        "teu_per_year = 8760\narrivals = \"block_trains\"\ntrain_teu = 50\n",
    );
    let t = capacity_by_period(&model(&text)).remove(0);
    close(
        t.resources[0].capacity_teu_per_year,
        13_140.0 * 50.0,
        "gate, block trains",
    );
    // The fleet now binds first (58,400 against the gate's 657,000).
    assert_eq!(t.routes[0].binding.as_ref().unwrap().1, "crossing");
}

#[test]
fn a_dated_change_gives_a_period_of_its_own() {
    let text = TANDEM.replace("EXTRA_GATE", "")
        + "\n[[change]]\nid = \"more\"\nat_day = 100\nset = { \"node.gate.servers\" = 6 }\n";
    let periods = capacity_by_period(&model(&text));
    assert_eq!(periods.len(), 2);
    close(periods[0].to_day, 100.0, "first period's end");
    close(
        periods[0].resources[0].capacity_teu_per_year,
        13_140.0,
        "before",
    );
    close(
        periods[1].resources[0].capacity_teu_per_year,
        26_280.0,
        "after",
    );
    // With six servers the yard binds.
    assert_eq!(periods[1].routes[0].binding.as_ref().unwrap().1, "yard");
}

// ------------------------------------------------------------ `corridor capacity`: the search

use corridor::experiment::Runner;
use corridor::study::capacity::{CapacityResult, CapacitySearch, search};

/// The search with 6 replications a probe, a 2% shortfall bound and a 2% bracket.
fn find(text: &str) -> CapacityResult {
    let model = model(text);
    let spec = CapacitySearch {
        flows: Vec::new(),
        replications: 6,
        seed: crate::common::test_seed(model.settings.seed),
        max_shortfall: 0.02,
        tolerance: 0.02,
        max_probes: 24,
        years: 1,
    };
    search(&model, &spec, &Runner::new(2).unwrap(), |_| {}).unwrap()
}

/// Checks that the bracket `[stable, unstable]` (in TEU a year offered) holds `capacity`
/// within the search's stated tolerance. A demand below the capacity is stable in the long run
/// and above it falls behind by `1 - capacity / demand`, so with a 2% shortfall bound the
/// criterion flips between the capacity and `capacity / 0.98`; the finite window (a queue
/// just below its capacity fills slowly, losing up to a few per cent of a year's arrivals) and
/// the replication noise blur both sides, so the bracket may sit up to 6% below the capacity
/// or 6% above `capacity / 0.98`, and is at most 2% wide.
fn check_brackets(result: &CapacityResult, capacity: f64, what: &str) {
    let low = result
        .stable_probe()
        .expect("a stable probe")
        .offered_teu_per_year;
    let high = result
        .unstable_probe()
        .expect("an unstable probe")
        .offered_teu_per_year;
    eprintln!("{what}: sustainable between {low:.0} and {high:.0} TEU/yr, capacity {capacity:.0}");
    assert!(
        high <= low * 1.02 + 1e-6,
        "{what}: the bracket is at most 2% wide"
    );
    assert!(
        low >= 0.94 * capacity && high <= 1.06 * capacity / 0.98,
        "{what}: [{low:.0}, {high:.0}] against a capacity of {capacity:.0} TEU/yr"
    );
}

#[test]
fn the_search_brackets_c_mu_on_an_m_m_c_node() {
    // Two servers, exponential service of mean 1 h, 1-TEU consignments: c mu = 2 TEU/h.
    let text = crate::common::single_node(
        1.0,
        2,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        365.0,
        20.0,
    );
    let result = find(&text);
    check_brackets(&result, 2.0 * 8760.0, "M/M/2");
    // Every probe below the bracket is stable and every probe above it unstable.
    let low = result.stable_scale.unwrap();
    for p in &result.probes {
        assert_eq!(p.stable, p.scale <= low, "probe at {}", p.scale);
    }
}

#[test]
fn the_search_names_the_slowest_station_of_a_tandem_line() {
    // gate (3 servers of mean 2 h: 1.5/h) then yard (1 server of mean 0.4 h: 2.5/h) then a
    // ferry (2 x 80 TEU per 24 h: 6.7 TEU/h): the gate saturates first, and the cargo beyond
    // its capacity piles up in its queue.
    let text = TANDEM.replace("EXTRA_GATE", "");
    let result = find(&text);
    check_brackets(&result, 1.5 * 8760.0, "tandem");
    let unstable = result.unstable_probe().unwrap();
    let place = unstable.backlog_at.as_deref().unwrap_or_default();
    assert!(place.starts_with("node gate "), "{place}");
}

#[test]
fn the_search_brackets_k_over_r_for_one_vessel() {
    // One ferry of 10 TEU and a round trip of 8 h: K / R = 1.25 TEU/h.
    let text = r#"
[scenario]
name = "one-ferry"
horizon_days = 365
warmup_days = 20
seed = 2024

[[node]]
id = "port"
kind = "port"
berths = 1

[[node]]
id = "sink"
kind = "port"

[[leg]]
id = "crossing"
from = "port"
to = "sink"
mode = "sea"
transit = 4
[leg.fleet]
vessels = 1
capacity_teu = 10
return = 4

[[route]]
id = "r"
nodes = ["port", "sink"]

[[flow]]
id = "containers"
route = "r"
teu_per_year = 4380
"#;
    let result = find(text);
    check_brackets(&result, 1.25 * 8760.0, "one vessel");
}

#[test]
fn capacity_refuses_bad_input_before_running_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tandem.toml");
    std::fs::write(&scenario, TANDEM.replace("EXTRA_GATE", "")).unwrap();
    let json = dir.path().join("search.json");
    for (args, message) in [
        (
            vec!["--flows", "boxes,nosuch"],
            "no flow \"nosuch\"; the flows are: boxes",
        ),
        (vec!["--max-shortfall", "0"], "not between 0 and 1"),
        (vec!["--tolerance", "1.5"], "not between 0 and 1"),
        (vec!["-r", "1"], "1 is not in 2.."),
    ] {
        let out = crate::common::corridor()
            .arg("capacity")
            .arg(&scenario)
            .args(&args)
            .arg("--json")
            .arg(&json)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!json.exists(), "{args:?}: nothing is written");
    }
    // A good search writes its JSON whole.
    crate::common::corridor()
        .arg("capacity")
        .arg(&scenario)
        .args(["-r", "3", "-q", "--json"])
        .arg(&json)
        .assert()
        .success();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(written["stable_scale"].as_f64().unwrap() > 1.0);
    assert!(!written["probes"].as_array().unwrap().is_empty());
}
