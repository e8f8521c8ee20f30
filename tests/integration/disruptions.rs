//! Disruptions: a closure schedule refuses exactly the arrivals inside its windows (overlaps
//! counted once), hours closed equal the union of the scheduled windows, and an M/M/1 port with
//! random storms matches the exact mean sojourn of `analytic::mm1_with_storms`.

use corridor::base::SimTime;
use corridor::engine::{Observer, Simulation};
use corridor::model::{FlowId, Model, RouteId, Target};
use corridor::stats::ReplicationStats;

use crate::analytic::{
    STORM_LAMBDA, STORM_MEAN_H, STORM_MU, STORM_RATE, in_union, mm1_with_storms, union_length,
};
use crate::common::{assert_in_ci, model, replications};

/// Records generated and refused consignments.
#[derive(Default)]
struct EntryLog {
    generated: Vec<f64>,
    refused: Vec<f64>,
}

impl Observer for EntryLog {
    fn generated(&mut self, time: SimTime, _flow: FlowId, _route: RouteId, _teu: u32) {
        self.generated.push(time.hours());
    }

    fn refused(&mut self, time: SimTime, _flow: FlowId, _teu: u32) {
        self.refused.push(time.hours());
    }
}

/// A Poisson-fed gate (10 containers per hour) whose flow refuses cargo it cannot admit, and a
/// closure schedule of three windows, two of which overlap.
const GATE: &str = r#"
[scenario]
name = "gate"
horizon_days = 30
seed = 4242

[[node]]
id = "gate"
kind = "border"
servers = 20
service = { dist = "exponential", mean = 0.5 }

[[route]]
id = "r"
nodes = ["gate"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 87600
when_full = "refuse"
"#;

const GATE_CLOSURES: &str = r#"
[[disruption]]
id = "strike"
nodes = ["gate"]
start_day = 5
duration = 30

[[disruption]]
id = "storm"
nodes = ["gate"]
start_day = 6
duration = 20

[[disruption]]
id = "outage"
nodes = ["gate"]
start_day = 20.5
duration = 12
"#;

/// The closed windows of `GATE_CLOSURES`, hours: [120, 150) and [144, 164) overlap, so the
/// gate is closed on [120, 164) and [492, 504): 56 hours in all.
const GATE_WINDOWS: [(f64, f64); 3] = [(120.0, 150.0), (144.0, 164.0), (492.0, 504.0)];
const GATE_LAMBDA: f64 = 10.0;

fn accepted(stats: &ReplicationStats) -> u64 {
    stats.conservation.generated_teu - stats.conservation.refused_teu
}

#[test]
fn closure_schedule_refuses_exactly_the_arrivals_in_its_windows() {
    assert!((union_length(&GATE_WINDOWS, 0.0, 720.0) - 56.0).abs() < 1e-12);
    let open = model(GATE);
    let closed = model(&format!("{GATE}{GATE_CLOSURES}"));
    for replication in 0..5 {
        let mut open_log = EntryLog::default();
        let mut closed_log = EntryLog::default();
        let open_stats =
            Simulation::new(&open).run_observed(open.settings.seed, replication, &mut open_log);
        let closed_stats = Simulation::new(&closed).run_observed(
            closed.settings.seed,
            replication,
            &mut closed_log,
        );
        // Common random numbers: the closure does not touch the arrival stream.
        assert_eq!(open_log.generated, closed_log.generated);
        assert!(open_log.refused.is_empty(), "nothing refused while open");
        let inside: Vec<f64> = closed_log
            .generated
            .iter()
            .copied()
            .filter(|&t| in_union(&GATE_WINDOWS, t))
            .collect();
        // Exactly the arrivals inside the union of the windows, each once, are refused.
        assert_eq!(closed_log.refused, inside);
        assert_eq!(
            accepted(&open_stats) - accepted(&closed_stats),
            inside.len() as u64
        );
        assert_eq!(closed_stats.conservation.refused_teu, inside.len() as u64);
        assert_eq!(closed_stats.flows[0].refused_teu, inside.len() as u64);
        assert!(closed_stats.conservation.holds());
    }
}

#[test]
fn only_a_full_closure_refuses_cargo() {
    // A departures-only closure and a slow-down leave the gate open to arriving cargo.
    for variant in [
        GATE_CLOSURES.replace("duration = 30", "duration = 30\nblocks = \"departures\""),
        GATE_CLOSURES.replace("duration = 30", "duration = 30\ncapacity_factor = 0.5"),
    ] {
        let model = model(&format!("{GATE}{variant}"));
        let mut log = EntryLog::default();
        let stats = Simulation::new(&model).run_observed(model.settings.seed, 0, &mut log);
        // Only the two other windows, [144, 164) and [492, 504), still close the gate.
        let windows = [(144.0, 164.0), (492.0, 504.0)];
        let inside: Vec<f64> = log
            .generated
            .iter()
            .copied()
            .filter(|&t| in_union(&windows, t))
            .collect();
        assert_eq!(log.refused, inside);
        assert_eq!(stats.flows[0].refused_teu, inside.len() as u64);
    }
}

#[test]
fn closure_schedule_refuses_lambda_times_the_union_of_its_windows() {
    // On average the windows refuse lambda x 56 h = 560 TEU; a double-counted overlap (6 h)
    // would make it 620.
    let closed = model(&format!("{GATE}{GATE_CLOSURES}"));
    let refused: Vec<f64> = replications(&closed, 20)
        .iter()
        .map(|r| r.flows[0].refused_teu as f64)
        .collect();
    let exact = GATE_LAMBDA * union_length(&GATE_WINDOWS, 0.0, 720.0);
    assert_in_ci("TEU refused by the closure schedule", &refused, exact);
}

/// Several targets: node `a` with overlapping windows, one straddling the end of the warm-up
/// and one the horizon, a slow-down that partly overlaps a closure; node `b` with operating
/// hours and a departures-only closure; leg `a-b` with a closure.
const HOURS_CLOSED: &str = r#"
[scenario]
name = "hours-closed"
horizon_days = 20
warmup_days = 2
seed = 9

[[node]]
id = "a"
kind = "port"
servers = 2
service = { dist = "exponential", mean = 1 }

[[node]]
id = "b"
kind = "border"
servers = 1
service = 0.5
hours = { open = "08:00", close = "20:00" }

[[leg]]
id = "a-b"
from = "a"
to = "b"
mode = "rail"
transit = 3

[[route]]
id = "r"
nodes = ["a", "b"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 8000

[[disruption]]
id = "a1"
nodes = ["a"]
start_day = 1.5
duration = 24

[[disruption]]
id = "a2"
nodes = ["a"]
start_day = 4
duration = 10

[[disruption]]
id = "a3"
nodes = ["a", "b"]
start_day = 4.25
duration = 30

[[disruption]]
id = "a4"
nodes = ["a"]
start_day = 19.5
duration = 48

[[disruption]]
id = "a-slow"
nodes = ["a"]
capacity_factor = 0.5
start_day = 10
duration = 36

[[disruption]]
id = "a-slow-under-closure"
nodes = ["a"]
capacity_factor = 0.25
start_day = 4.5
duration = 4

[[disruption]]
id = "a-close-in-slow"
nodes = ["a"]
start_day = 11
duration = 2

[[disruption]]
id = "b-departures"
nodes = ["b"]
blocks = "departures"
start_day = 7.25
duration = 12

[[disruption]]
id = "leg"
legs = ["a-b"]
start_day = 3
duration = 5.5
"#;

fn target_index(model: &Model, name: &str) -> usize {
    model
        .disruption_targets()
        .iter()
        .position(|&t| model.target_name(t) == name)
        .unwrap_or_else(|| panic!("no disruption target {name}"))
}

/// Hours `target` spent closed and slowed in the statistics window.
fn closed_and_slowed_h(model: &Model, stats: &ReplicationStats, name: &str) -> (f64, f64) {
    let target = &stats.targets[target_index(model, name)];
    (
        target.closed.mean() * stats.window_h,
        target.slowed.mean() * stats.window_h,
    )
}

#[test]
fn hours_closed_equal_the_union_of_the_scheduled_windows() {
    let model = model(HOURS_CLOSED);
    let (from, to) = (48.0, 480.0);
    let day = |d: f64| d * 24.0;
    // Node a: [36, 60) straddles the warm-up end; [96, 106) and [102, 132) overlap; [468, 516)
    // runs past the horizon; [264, 266) inside a slow-down.
    let a_closed = [
        (36.0, 60.0),
        (96.0, 106.0),
        (102.0, 132.0),
        (468.0, 516.0),
        (264.0, 266.0),
    ];
    // Slowed [240, 276) minus the closure inside it; the slow-down [108, 112) lies entirely
    // under a closure and adds nothing.
    let a_slowed = [(240.0, 276.0), (108.0, 112.0)];
    // Node b: shut 20:00-08:00 every night, closed [102, 132), departures closed [174, 186).
    let mut b_closed: Vec<(f64, f64)> = (0..21)
        .map(|d| (day(f64::from(d)) - 4.0, day(f64::from(d)) + 8.0))
        .collect();
    b_closed.extend([(102.0, 132.0), (174.0, 186.0)]);
    let leg_closed = [(72.0, 77.5)];

    for stats in replications(&model, 2) {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.max(1.0);
        let (a_h, a_slow_h) = closed_and_slowed_h(&model, &stats, "a");
        let a_exact = union_length(&a_closed, from, to);
        assert!(close(a_h, a_exact), "a closed {a_h} h, expected {a_exact}");
        let all_a: Vec<(f64, f64)> = a_closed.iter().chain(&a_slowed).copied().collect();
        let slow_exact = union_length(&all_a, from, to) - a_exact;
        assert!(
            close(a_slow_h, slow_exact),
            "a slowed {a_slow_h} h, expected {slow_exact}"
        );
        let (b_h, b_slow_h) = closed_and_slowed_h(&model, &stats, "b");
        let b_exact = union_length(&b_closed, from, to);
        assert!(close(b_h, b_exact), "b closed {b_h} h, expected {b_exact}");
        assert_eq!(b_slow_h, 0.0);
        let (leg_h, _) = closed_and_slowed_h(&model, &stats, "a-b");
        let leg_exact = union_length(&leg_closed, from, to);
        assert!(
            close(leg_h, leg_exact),
            "a-b closed {leg_h} h, expected {leg_exact}"
        );
        // The log lists every scheduled episode (operating hours are not logged), whole run.
        let mut logged: Vec<(String, f64, f64)> = stats
            .disruption_log
            .iter()
            .map(|r| {
                (
                    model.disruptions[r.disruption as usize].id.clone(),
                    r.start_h,
                    r.end_h,
                )
            })
            .collect();
        logged.sort_by(|x, y| x.1.total_cmp(&y.1));
        let expected = [
            ("a1", 36.0, 60.0),
            ("leg", 72.0, 77.5),
            ("a2", 96.0, 106.0),
            ("a3", 102.0, 132.0),
            ("a-slow-under-closure", 108.0, 112.0),
            ("b-departures", 174.0, 186.0),
            ("a-slow", 240.0, 276.0),
            ("a-close-in-slow", 264.0, 266.0),
            ("a4", 468.0, 516.0),
        ];
        assert_eq!(logged.len(), expected.len(), "{logged:?}");
        for ((id, s, e), (eid, es, ee)) in logged.iter().zip(expected) {
            assert_eq!(id, eid);
            assert!(close(*s, es) && close(*e, ee), "{id}: [{s}, {e})");
        }
    }
}

/// The M/M/1 port of `analytic::mm1_with_storms`: lambda = 0.5/h, mu = 1/h, storms starting at
/// 0.01/h (87.6 per year) lasting Exp(mean 10 h), overlapping freely, closing the port.
const STORMY_PORT: &str = r#"
[scenario]
name = "stormy-port"
horizon_days = 4000
warmup_days = 20
seed = 31337

[[node]]
id = "port"
kind = "port"
servers = 1
service = { dist = "exponential", mean = 1 }

[[route]]
id = "r"
nodes = ["port"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 4380

[[disruption]]
id = "storms"
nodes = ["port"]
rate_per_year = 87.6
duration = { dist = "exponential", mean = 10 }
"#;

/// Tracks the port's closed state and checks that no service starts while it is closed.
#[derive(Default)]
struct ClosedStarts {
    closed: bool,
    starts: u64,
    starts_while_closed: u64,
}

impl Observer for ClosedStarts {
    fn service_started(&mut self, _time: SimTime, _node: corridor::model::NodeId, _wait_h: f64) {
        self.starts += 1;
        if self.closed {
            self.starts_while_closed += 1;
        }
    }

    fn target_changed(
        &mut self,
        _time: SimTime,
        target: Target,
        closed: bool,
        _departures_closed: bool,
        _factor: f64,
    ) {
        assert!(matches!(target, Target::Node(_)));
        self.closed = closed;
    }
}

#[test]
fn mm1_port_with_storms_matches_the_exact_sojourn() {
    // Breakdown rule the engine implements: storms strike at ANY time (whether the server is busy
    // or not) and may overlap; a service in progress when a storm starts finishes
    // (non-preemptive); no service starts while at least one storm is active. With storms only
    // while busy, or preemptive interruptions, the exact value would differ.
    let exact = mm1_with_storms(STORM_LAMBDA, STORM_MU, STORM_RATE, STORM_MEAN_H);
    let model = model(STORMY_PORT);
    let reps = replications(&model, 20);
    let sojourns: Vec<f64> = reps
        .iter()
        .map(|r| r.nodes[0].sojourn_h.mean().expect("departures"))
        .collect();
    assert_in_ci(
        "M/M/1 with storms: mean sojourn",
        &sojourns,
        exact.mean_sojourn_h,
    );
    // The port is closed a fraction 1 - exp(-f d) of the time (storms are an M/M/infinity count).
    let closed: Vec<f64> = reps.iter().map(|r| r.targets[0].closed.mean()).collect();
    assert_in_ci("M/M/1 with storms: share closed", &closed, exact.p_closed);
    // Storm starts are Poisson at 87.6 per year.
    let starts: Vec<f64> = reps
        .iter()
        .map(|r| r.disruption_log.len() as f64 / (4000.0 / 365.0))
        .collect();
    assert_in_ci("M/M/1 with storms: storms per year", &starts, 87.6);
    // Closed hours are the union of the logged episodes, whatever their overlaps.
    for r in &reps {
        let windows: Vec<(f64, f64)> = r
            .disruption_log
            .iter()
            .map(|d| (d.start_h, d.end_h))
            .collect();
        let union = union_length(&windows, 20.0 * 24.0, 4000.0 * 24.0);
        let closed_h = r.targets[0].closed.mean() * r.window_h;
        assert!(
            (closed_h - union).abs() < 1e-6 * union,
            "closed {closed_h} h, union of the log {union} h"
        );
    }
    // No service starts while a storm is active.
    let mut starts = ClosedStarts::default();
    Simulation::new(&model).run_observed(model.settings.seed, 0, &mut starts);
    assert!(starts.starts > 10_000);
    assert_eq!(starts.starts_while_closed, 0);
}

#[test]
fn disruption_episodes_count_only_the_statistics_window_like_closed_h() {
    // 10-day horizon, 5-day warm-up, a scheduled 12 h closure on day 1 and another on day 7, as
    // two disruptions: the day-1 one lies wholly in the warm-up, so it reports no episode (and
    // no mean length), like the node's closed_h, which counts only the day-7 closure.
    let text = format!(
        "{}\n[[disruption]]\nid = \"early\"\nnodes = [\"gate\"]\nstart_day = 1\nduration = 12\n\n[[disruption]]\nid = \"late\"\nnodes = [\"gate\"]\nstart_day = 7\nduration = 12\n",
        GATE.replace("horizon_days = 30", "horizon_days = 10\nwarmup_days = 5")
    );
    let model = model(&text);
    let stats = Simulation::new(&model).run(model.settings.seed, 0);
    let columns = corridor::stats::kpi::KpiColumns::new(&model);
    let mut row = Vec::new();
    columns.row(&model, &stats, &mut row);
    let value = |name: &str| {
        let i = columns
            .columns()
            .iter()
            .position(|c| c.name() == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        row[i]
    };
    assert_eq!(value("disruption/early/episodes"), Some(0.0));
    assert_eq!(value("disruption/early/duration_mean_h"), None);
    assert_eq!(value("disruption/late/episodes"), Some(1.0));
    assert_eq!(value("disruption/late/duration_mean_h"), Some(12.0));
    let closed_h = value("target/gate/closed_h").unwrap();
    assert!((closed_h - 12.0).abs() < 1e-9, "{closed_h}");
    // The log itself still covers the whole run.
    assert_eq!(stats.disruption_log.len(), 2);
}

#[test]
fn a_disruption_with_rate_zero_never_starts_and_changes_nothing() {
    // A random disruption whose rate is 0 from the start (a study scaling it to nothing) starts
    // no episode and draws nothing: the gate's statistics are bit for bit those of the gate
    // without it. (Drawing its first gap from a rate of 0 would give an infinite time.)
    let calm = model(GATE);
    let with_zero = model(&format!(
        "{GATE}\n[[disruption]]\nid = \"never\"\nnodes = [\"gate\"]\nrate_per_year = 0\nduration = 5\n"
    ));
    let mut plain = Simulation::new(&calm);
    let mut zero = Simulation::new(&with_zero);
    for replication in 0..3 {
        let a = plain.run(calm.settings.seed, replication);
        let b = zero.run(calm.settings.seed, replication);
        assert!(b.disruption_log.is_empty());
        assert_eq!(b.targets[0].closed.mean(), 0.0);
        assert_eq!(a.events, b.events, "replication {replication}: event count");
        assert_eq!(format!("{:?}", a.nodes), format!("{:?}", b.nodes));
        assert_eq!(format!("{:?}", a.routes), format!("{:?}", b.routes));
    }
}
