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
    crate::common::MIDDLE_TEXT.replacen("[scenario]\n", &format!("[scenario]\n{line}\n"), 1)
}

#[test]
fn a_start_on_monday_1_january_of_a_common_year_changes_nothing() {
    // 2029-01-01 is a Monday and 2029 has 365 days: the real calendar of the first year is the
    // abstract one, so a one-year run is bit for bit the run without a start.
    let plain = fingerprints(crate::common::MIDDLE_TEXT, 2);
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

// ------------------------------------------------------------------------------ dated changes

use crate::common::{assert_in_ci, erlang_c_wait, single_node};

/// Records every wait at service start.
#[derive(Default)]
struct Waits(Vec<(f64, f64)>);

impl Observer for Waits {
    fn service_started(&mut self, time: SimTime, _node: NodeId, wait_h: f64) {
        self.0.push((time.days(), wait_h));
    }
}

/// Per replication: the mean wait of the services that start in days `[a, b)` and `[c, d)`.
fn window_waits(text: &str, n: u64, before: (f64, f64), after: (f64, f64)) -> (Vec<f64>, Vec<f64>) {
    let model = model(text);
    let mut sim = Simulation::new(&model);
    let mean = |log: &[(f64, f64)], (a, b): (f64, f64)| {
        let w: Vec<f64> = log
            .iter()
            .filter(|(t, _)| (a..b).contains(t))
            .map(|(_, w)| *w)
            .collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    let (mut early, mut late) = (Vec::new(), Vec::new());
    for r in 0..n {
        let mut log = Waits::default();
        sim.run_observed(model.settings.seed, r, &mut log);
        early.push(mean(&log.0, before));
        late.push(mean(&log.0, after));
    }
    (early, late)
}

#[test]
fn a_second_server_added_at_a_date_turns_mm1_into_mm2() {
    // lambda = 0.7/h, mu = 1/h: M/M/1 waits 2.333 h; from day 200 a second server (M/M/2)
    // waits 0.1396 h. Windows stay well clear of the start and of the change.
    let text = single_node(0.7, 1, "{ dist = \"exponential\", mean = 1.0 }", 400.0, 0.0)
        + "\n[[change]]\nid = \"second-server\"\nat_day = 200\nset = { \"node.station.servers\" = 2 }\n";
    let (early, late) = window_waits(&text, 40, (20.0, 195.0), (215.0, 400.0));
    assert_in_ci(
        "M/M/1 wait before the change",
        &early,
        erlang_c_wait(0.7, 1.0, 1),
    );
    assert_in_ci(
        "M/M/2 wait after the change",
        &late,
        erlang_c_wait(0.7, 1.0, 2),
    );
}

#[test]
fn an_arrival_rate_raised_at_a_date_applies_from_that_instant() {
    // Two servers; lambda 0.8/h, then 1.5/h from day 200 (scale 1.875): Erlang C before and after.
    let text = single_node(0.8, 2, "{ dist = \"exponential\", mean = 1.0 }", 400.0, 0.0)
        + "\n[[change]]\nid = \"growth\"\nat_day = 200\nscale = { \"flow.f.teu_per_year\" = 1.875 }\n";
    let (early, late) = window_waits(&text, 40, (20.0, 195.0), (215.0, 400.0));
    assert_in_ci("wait at 0.8/h", &early, erlang_c_wait(0.8, 1.0, 2));
    assert_in_ci("wait at 1.5/h", &late, erlang_c_wait(1.5, 1.0, 2));
}

/// Every event the observer sees, with its time, as text.
#[derive(Default)]
struct Everything(Vec<String>);

impl Observer for Everything {
    fn generated(
        &mut self,
        time: SimTime,
        flow: corridor::model::FlowId,
        route: corridor::model::RouteId,
        teu: u32,
    ) {
        self.0
            .push(format!("{} gen {} {} {teu}", time.hours(), flow.0, route.0));
    }
    fn service_started(&mut self, time: SimTime, node: NodeId, wait_h: f64) {
        self.0
            .push(format!("{} svc {} {wait_h}", time.hours(), node.0));
    }
    fn delivered(
        &mut self,
        time: SimTime,
        route: corridor::model::RouteId,
        teu: u32,
        transit_h: f64,
    ) {
        self.0.push(format!(
            "{} del {} {teu} {transit_h}",
            time.hours(),
            route.0
        ));
    }
    fn departed(&mut self, time: SimTime, fleet: FleetId, node: NodeId, load_teu: u32) {
        self.0.push(format!(
            "{} dep {} {} {load_teu}",
            time.hours(),
            fleet.0,
            node.0
        ));
    }
}

/// The events before day `d` and the daily series of days before `d`, per replication.
fn prefix(model: &corridor::model::Model, d: usize, n: u64) -> Vec<String> {
    let mut sim = Simulation::new(model);
    (0..n)
        .map(|r| {
            let mut log = Everything::default();
            let stats = sim.run_observed(model.settings.seed, r, &mut log);
            let events: Vec<&String> = log
                .0
                .iter()
                .filter(|e| e.split(' ').next().unwrap().parse::<f64>().unwrap() < d as f64 * 24.0)
                .collect();
            let daily: Vec<String> = stats
                .routes
                .iter()
                .map(|r| format!("{:?}", &r.daily_delivered_teu[..d]))
                .chain(
                    stats
                        .nodes
                        .iter()
                        .map(|s| format!("{:?} {:?}", &s.daily_queue[..d], &s.daily_yard_teu[..d])),
                )
                .chain(stats.fleets.iter().map(|f| {
                    format!(
                        "{:?} {:?}",
                        &f.daily_departures[..d],
                        &f.daily_departed_teu[..d]
                    )
                }))
                .collect();
            format!("{events:?}\n{daily:?}")
        })
        .collect()
}

const CHANGE_AT_150: &str = r#"
[[change]]
id = "aktau-upgrade"
at_day = 150
set = { "node.aktau-port.servers" = 4, "node.aktau-port.yard_capacity" = 5000 }
scale = { "flow.china-europe-middle.teu_per_year" = 1.5, "node.aktau-port.service" = 0.8 }
"#;

#[test]
fn a_change_leaves_every_replication_bit_identical_before_its_date() {
    let plain = model(crate::common::MIDDLE_TEXT);
    let changed = model(&format!("{}{CHANGE_AT_150}", crate::common::MIDDLE_TEXT));
    assert_eq!(changed.changes.len(), 1);
    let (a, b) = (prefix(&plain, 150, 3), prefix(&changed, 150, 3));
    assert_eq!(a, b);
    // And the change does change what follows.
    assert_ne!(prefix(&plain, 365, 1), prefix(&changed, 365, 1));
}

#[test]
fn a_variant_that_only_adds_a_change_is_bit_identical_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = crate::common::scenario_file(dir.path(), "base.toml", crate::common::MIDDLE_TEXT);
    let variant = crate::common::scenario_file(
        dir.path(),
        "variant.toml",
        &format!("extends = \"base.toml\"\n{CHANGE_AT_150}"),
    );
    let base = scenario::load(&base).unwrap().model;
    let variant = scenario::load(&variant).unwrap().model;
    assert_eq!(variant.changes.len(), 1);
    assert_eq!(prefix(&base, 150, 2), prefix(&variant, 150, 2));
}

#[test]
fn variants_add_override_and_remove_changes_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let base_text = single_node(0.5, 1, "1.0", 100.0, 0.0)
        + "\n[[change]]\nid = \"a\"\nat_day = 10\nset = { \"node.station.servers\" = 2 }\n\
           \n[[change]]\nid = \"b\"\nat_day = 20\nset = { \"node.station.servers\" = 3 }\n";
    crate::common::scenario_file(dir.path(), "base.toml", &base_text);
    let variant = crate::common::scenario_file(
        dir.path(),
        "variant.toml",
        "extends = \"base.toml\"\nremove = [\"change.a\"]\n\n[[change]]\nid = \"b\"\nat_day = 30\n\n\
         [[change]]\nid = \"c\"\nat_day = 40\nscale = { \"flow.f.teu_per_year\" = 2 }\n",
    );
    let model = scenario::load(&variant).unwrap().model;
    let summary: Vec<(String, f64, Option<u32>, f64)> = model
        .changes
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                c.at.days(),
                c.model.nodes[0].servers,
                c.model.flows[0].teu_per_year,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("b".to_string(), 30.0, Some(3), 0.5 * 8760.0),
            ("c".to_string(), 40.0, Some(3), 2.0 * 0.5 * 8760.0),
        ]
    );
}

/// The error of scenario `text` and the line (1-based) of its first line starting with `start`.
fn error_and_line(text: &str, start: &str) -> (String, usize) {
    let err = scenario::from_str(text, "test.toml")
        .unwrap_err()
        .to_string();
    eprintln!("{err}");
    let line = text.lines().position(|l| l.starts_with(start)).unwrap() + 1;
    (err, line)
}

#[test]
fn a_bad_change_is_reported_at_the_line_of_the_change() {
    let base = single_node(0.5, 1, "1.0", 100.0, 0.0);
    // A misspelt path: the nearest valid ones.
    let (err, line) = error_and_line(
        &(base.clone()
            + "\n[[change]]\nid = \"typo\"\nat_day = 10\nset = { \"node.statoin.servers\" = 2 }\n"),
        "set = ",
    );
    assert!(
        err.contains(&format!("test.toml:{line}:9: change \"typo\"")),
        "{err}"
    );
    assert!(
        err.contains("nearest valid paths: \"node.station.servers\""),
        "{err}"
    );
    // A value the scenario's own rules refuse, found by compiling the model after the change.
    let (err, line) = error_and_line(
        &(base.clone()
            + "\n[[change]]\nid = \"none\"\nat_day = 10\nset = { \"node.station.servers\" = 0 }\n"),
        "set = ",
    );
    assert!(err.contains(&format!("test.toml:{line}:")), "{err}");
    assert!(err.contains("change \"none\": "), "{err}");
    // What cannot change, and a date without a start.
    let (err, line) = error_and_line(
        &(base
            + "\n[[change]]\nid = \"fleet\"\nat = \"2026-01-01\"\nset = { \"leg.x.fleet.capacity_teu\" = 2, \"scenario.seed\" = 3 }\n"),
        "set = ",
    );
    assert!(err.contains(&format!("test.toml:{line}:9:")), "{err}");
    assert!(
        err.contains("\"leg.x.fleet.capacity_teu\" cannot change at a date: a vehicle's capacity"),
        "{err}"
    );
    assert!(
        err.contains("\"scenario.seed\" cannot change at a date: a run setting"),
        "{err}"
    );
    assert!(err.contains("a date needs [scenario] start"), "{err}");
}

/// Random changes for a network from `invariants::random_network` (nodes `n0..`, flows `f0..`,
/// 40 days): each sets servers or a yard, or scales a service time or a flow's volume, or
/// pauses a flow (its volume scaled by 0; a later scale of it keeps it paused), of a random
/// element at a random day.
fn random_changes() -> impl proptest::strategy::Strategy<Value = Vec<(u8, usize, u32, f64, u32)>> {
    proptest::collection::vec((0u8..5, 0usize..100, 1u32..5, 0.2f64..3.0, 1u32..40), 0..5)
}

/// The `[[change]]` tables of `changes` for a network with `nodes` nodes and `flows` flows.
fn change_text(changes: &[(u8, usize, u32, f64, u32)], nodes: usize, flows: usize) -> String {
    let mut text = String::new();
    for (k, (kind, which, count, factor, day)) in changes.iter().enumerate() {
        let (path, value, op) = match kind {
            0 => (
                format!("node.n{}.servers", which % nodes),
                count.to_string(),
                "set",
            ),
            1 => (
                format!("node.n{}.yard_capacity", which % nodes),
                (count * 50).to_string(),
                "set",
            ),
            2 => (
                format!("node.n{}.service", which % nodes),
                factor.to_string(),
                "scale",
            ),
            3 => (
                format!("flow.f{}.teu_per_year", which % flows),
                factor.to_string(),
                "scale",
            ),
            _ => (
                format!("flow.f{}.teu_per_year", which % flows),
                "0".to_string(),
                "scale",
            ),
        };
        text += &format!(
            "\n[[change]]\nid = \"c{k}\"\nat_day = {day}\n{op} = {{ \"{path}\" = {value} }}\n"
        );
    }
    text
}

proptest::proptest! {
    // A fixed seed: the same 48 cases every run.
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(16),
        ..proptest::prelude::ProptestConfig::default()
    })]

    #[test]
    fn random_networks_with_random_changes_conserve_teu_and_respect_every_limit(
        network in crate::invariants::random_network(),
        changes in random_changes(),
    ) {
        let nodes = network.matches("[[node]]").count();
        let flows = network.matches("[[flow]]").count();
        let text = network + &change_text(&changes, nodes, flows);
        let model = model(&text);
        proptest::prop_assert_eq!(model.changes.len(), changes.len());
        // The engine asserts conservation and that node occupancy equals the cargo arena at
        // the end of every replication; a panic fails the property.
        let stats = Simulation::new(&model).run(model.settings.seed, 0);
        proptest::prop_assert!(stats.conservation.holds(), "{:?}", stats.conservation);
        let all = std::iter::once(&model).chain(model.changes.iter().map(|c| &c.model));
        for (i, node_stats) in stats.nodes.iter().enumerate() {
            // No level ever exceeds the largest limit in force at some time.
            let servers = all.clone().map(|m| m.nodes[i].servers).try_fold(0, |a, s| s.map(|s| a.max(s)));
            let yard = all.clone().map(|m| m.nodes[i].yard_capacity_teu).try_fold(0, |a, y| y.map(|y| a.max(y)));
            if let Some(servers) = servers {
                proptest::prop_assert!(node_stats.busy.max <= f64::from(servers));
                proptest::prop_assert!(node_stats.busy.max + node_stats.blocked.max <= 2.0 * f64::from(servers));
            }
            if let Some(yard) = yard {
                proptest::prop_assert!(node_stats.yard_teu.max <= yard as f64);
            }
        }
    }
}

/// A gate then an overloaded port (1 TEU/h into 0.5 TEU/h) whose yard shrinks from 400 to 100 TEU
/// at day 20, when demand falls to 0.3 TEU/h so that the port drains.
const SHRINKING_YARD: &str = r#"
[scenario]
name = "shrink"
horizon_days = 60
seed = 5

[[node]]
id = "gate"
kind = "border"
servers = 4
service = 1

[[node]]
id = "port"
kind = "port"
servers = 1
service = { dist = "exponential", mean = 2.0 }
yard_capacity = 400

[[leg]]
from = "gate"
to = "port"
mode = "rail"
transit = 0

[[route]]
id = "main"
nodes = ["gate", "port"]

[[flow]]
id = "boxes"
route = "main"
teu_per_year = 8760

[[change]]
id = "shrink"
at_day = 20
set = { "node.port.yard_capacity" = 100 }
scale = { "flow.boxes.teu_per_year" = 0.3 }
"#;

#[test]
fn a_smaller_yard_admits_nothing_until_below_its_new_limit() {
    // By day 20 about 240 TEU are at the port. After the change nothing enters it while 100 TEU
    // or more are there, so its level only falls until it is below 100, and then never exceeds
    // 100: from the first day whose mean is at most 100 (its end level is no higher), every
    // later day's mean is at most 100 too. And before that the level never rose.
    // Daily means are differences of running integrals: exact up to rounding.
    const EPS: f64 = 1e-9;
    let model = model(SHRINKING_YARD);
    let mut sim = Simulation::new(&model);
    let mut checked = 0;
    for r in 0..20 {
        let stats = sim.run(model.settings.seed, r);
        let yard = &stats.nodes[1].daily_yard_teu;
        assert!(
            yard[19] > 150.0,
            "replication {r}: only {} TEU at day 19",
            yard[19]
        );
        if let Some(first) = (20..60).find(|&d| yard[d] <= 100.0) {
            checked += 1;
            for d in 21..first {
                assert!(
                    yard[d] <= yard[d - 1] + EPS,
                    "replication {r} day {d} rose above 100"
                );
            }
            for (d, level) in yard.iter().enumerate().skip(first + 1) {
                assert!(
                    *level <= 100.0 + EPS,
                    "replication {r} day {d}: {level} TEU"
                );
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} replications reached the new limit"
    );
}

// ------------------------------------------------------------------------------ demand growth

/// A flow of single containers into an unlimited delay, over `days`, with `extra` flow fields.
fn growing_flow(days: f64, extra: &str) -> String {
    format!(
        r#"
[scenario]
name = "growth"
horizon_days = {days}
start = "2025-01-01"
seed = 99

[[node]]
id = "gate"
kind = "terminal"

[[route]]
id = "r"
nodes = ["gate"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 3000
{extra}
"#
    )
}

/// The exact expected TEU over the run: the integral of the flow's rate (first-year mean rate
/// times growth times the seasonal factor of the real month), by the midpoint rule per
/// minute (the integrand is smooth within a month, so the error is far below the CI).
fn integral_of_rate(model: &corridor::model::Model) -> f64 {
    let flow = &model.flows[0];
    let steps = (model.settings.horizon.hours() * 60.0) as usize;
    let rate = flow.mean_arrivals_per_hour();
    (0..steps)
        .map(|i| {
            let t = SimTime::from_hours((i as f64 + 0.5) / 60.0);
            rate * flow.growth_factor(t) * flow.seasonality[model.settings.calendar.month(t)]
        })
        .sum::<f64>()
        / 60.0
}

#[test]
fn expected_arrivals_equal_the_integral_of_the_rate_for_constant_growing_and_seasonal_flows() {
    let seasonal = "seasonality = [1.0, 0.9, 0.83, 0.8, 0.83, 0.9, 1.0, 1.1, 1.17, 1.2, 1.17, 1.1]";
    for (what, extra, closed_form) in [
        ("constant", String::new(), Some(3000.0 * 3.0)),
        // Year k brings 3000 * 1.5^k: 3000 + 4500 + 6750.
        (
            "growing",
            "growth_per_year = 0.5".to_string(),
            Some(14250.0),
        ),
        (
            "declining",
            "growth_per_year = -0.3".to_string(),
            Some(3000.0 * (1.0 + 0.7 + 0.49)),
        ),
        (
            "seasonal and growing",
            format!("growth_per_year = 0.5\n{seasonal}"),
            None,
        ),
    ] {
        let model = model(&growing_flow(3.0 * 365.0, &extra));
        let exact = integral_of_rate(&model);
        if let Some(closed_form) = closed_form {
            // The numerical integral agrees with the closed form of 365-day years (the run from
            // 2025 has a leap day in 2028 only after its end).
            assert!(
                (exact - closed_form).abs() < 1e-6 * closed_form,
                "{what}: {exact} vs {closed_form}"
            );
        }
        let totals: Vec<f64> = crate::common::replications(&model, 40)
            .iter()
            .map(|s| s.conservation.generated_teu as f64)
            .collect();
        assert_in_ci(
            &format!("{what}: TEU generated over three years"),
            &totals,
            exact,
        );
    }
}

#[test]
fn a_flow_without_growth_is_bit_identical_to_one_with_growth_zero() {
    let plain = fingerprints(&growing_flow(200.0, ""), 2);
    let zero = fingerprints(&growing_flow(200.0, "growth_per_year = 0"), 2);
    assert_eq!(plain, zero);
}

#[test]
fn a_run_records_its_start_and_changes_and_the_throughput_chart_marks_each_change() {
    let dir = tempfile::tempdir().unwrap();
    let text = single_node(0.5, 1, "{ dist = \"exponential\", mean = 1.0 }", 60.0, 0.0)
        .replace("seed = 12345", "seed = 12345\nstart = \"2026-03-01\"")
        + "\n[[change]]\nid = \"second-crane\"\nat = \"2026-04-01\"\nset = { \"node.station.servers\" = 2 }\n";
    let file = crate::common::scenario_file(dir.path(), "dated.toml", &text);
    let out = dir.path().join("out");
    crate::common::corridor()
        .args(["run", "-q", "-r", "2", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"]["start"], "2026-03-01");
    assert_eq!(
        summary["scenario"]["changes"],
        serde_json::json!([{ "id": "second-crane", "at_day": 31.0, "date": "2026-04-01" }])
    );
    let daily = std::fs::read_to_string(out.join("throughput_daily.csv")).unwrap();
    assert!(daily.starts_with("route,day,date,warmup,"), "{daily}");
    assert!(daily.contains("\nr,31,2026-04-01,false,2,"), "{daily}");
    let svg = std::fs::read_to_string(out.join("charts/throughput.svg")).unwrap();
    assert!(svg.contains("second-crane (2026-04-01)"));
    // Without a start or changes, neither key is written.
    let plain = crate::common::scenario_file(
        dir.path(),
        "plain.toml",
        &single_node(0.5, 1, "1.0", 20.0, 0.0),
    );
    let out = dir.path().join("plain");
    crate::common::corridor()
        .args(["run", "-q", "-r", "2", "--out"])
        .arg(&out)
        .arg(&plain)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!text.contains("\"start\"") && !text.contains("\"changes\""));
}

#[test]
fn growth_beyond_the_volume_limit_by_the_horizon_is_refused() {
    let text = growing_flow(365.0 * 100.0, "growth_per_year = 1.0");
    let err = scenario::from_str(&text, "test.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("flow \"f\".growth_per_year: grows the volume to")
            && err.contains("above the limit of 1e9"),
        "{err}"
    );
}
