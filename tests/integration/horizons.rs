//! Planning horizons (issue 16): the calendar (`[scenario] start`) and dated changes
//! (`[[change]]`).

use corridor::base::time::SimTime;
use corridor::engine::Simulation;
use corridor::engine::observer::Observer;
use corridor::model::{FleetId, NodeId};
use corridor::scenario;

use crate::common::model;

/// The JSON text of every replication's statistics: equal texts mean bit-identical results.
fn fingerprints(text: &str, n: u64) -> Vec<String> {
    let model = model(text);
    let mut sim = Simulation::new(&model);
    (0..n)
        .map(|r| serde_json::to_string(&sim.run(model.settings.seed, r)).unwrap())
        .collect()
}

/// The built-in scenario with `line` added to its `[scenario]` table.
fn builtin_with(line: &str) -> String {
    scenario::BUILTIN_TEXT.replacen("[scenario]\n", &format!("[scenario]\n{line}\n"), 1)
}

#[test]
fn a_start_on_monday_1_january_of_a_common_year_changes_nothing() {
    // 2029-01-01 is a Monday and 2029 has 365 days: the real calendar of the first year is the
    // abstract one, so a one-year run is bit for bit the run without a start.
    let plain = fingerprints(scenario::BUILTIN_TEXT, 2);
    let dated = fingerprints(&builtin_with("start = \"2029-01-01\""), 2);
    assert_eq!(plain, dated);
    // A start on another weekday moves the weekly slots and the months, so results differ.
    let wednesday = fingerprints(&builtin_with("start = \"2025-03-12\""), 2);
    assert_ne!(plain, wednesday);
}

#[derive(Default)]
struct Departures(Vec<f64>);

impl Observer for Departures {
    fn departed(&mut self, time: SimTime, _fleet: FleetId, node: NodeId, _load_teu: u32) {
        if node.0 == 0 {
            self.0.push(time.hours());
        }
    }
}

const FERRY: &str = r#"
[scenario]
name = "ferry"
horizon_days = 15
START
seed = 7

[[node]]
id = "home"
kind = "port"

[[node]]
id = "far"
kind = "port"

[[leg]]
id = "sea"
from = "home"
to = "far"
mode = "sea"
transit = 4
[leg.fleet]
vessels = 1
capacity_teu = 50
departure = "schedule"
schedule = ["thu 20:00", "mon 08:00"]

[[route]]
id = "out"
nodes = ["home", "far"]

[[flow]]
id = "boxes"
route = "out"
teu_per_year = 87600
"#;

#[test]
fn weekly_slots_fall_on_real_weekdays_from_the_start_date() {
    // 1 January 2025 is a Wednesday: the first Thursday 20:00 is 44 h in, the first Monday 08:00
    // 5 days and 8 h in, and then every week.
    let dated = model(&FERRY.replace("START", "start = \"2025-01-01\""));
    let mut log = Departures::default();
    Simulation::new(&dated).run_observed(7, 0, &mut log);
    assert_eq!(log.0, [44.0, 128.0, 212.0, 296.0]);
    // Without a start time 0 is a Monday.
    let plain = model(&FERRY.replace("START", ""));
    let mut log = Departures::default();
    Simulation::new(&plain).run_observed(7, 0, &mut log);
    assert_eq!(log.0, [8.0, 92.0, 176.0, 260.0, 344.0]);
}

#[test]
fn seasonality_follows_the_real_months_and_leap_days_of_the_start() {
    // All the volume arrives in February. From 1 January 2028 (a leap year), February is days
    // 31 to 59 inclusive (29 days); arrivals fall only there.
    let text = r#"
[scenario]
name = "february"
horizon_days = 90
start = "2028-01-01"
seed = 3

[[node]]
id = "gate"
kind = "terminal"

[[route]]
id = "r"
nodes = ["gate"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 36500
seasonality = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
"#;
    #[derive(Default)]
    struct Arrivals(Vec<f64>);
    impl Observer for Arrivals {
        fn generated(
            &mut self,
            time: SimTime,
            _flow: corridor::model::FlowId,
            _route: corridor::model::RouteId,
            _teu: u32,
        ) {
            self.0.push(time.days());
        }
    }
    let february = model(text);
    let mut log = Arrivals::default();
    Simulation::new(&february).run_observed(3, 0, &mut log);
    assert!(log.0.len() > 1000, "{} arrivals", log.0.len());
    assert!(log.0.iter().all(|&d| (31.0..60.0).contains(&d)));
    // Arrivals on the leap day itself (day 59).
    assert!(log.0.iter().any(|&d| d >= 59.0));
}
