//! Breakdowns of vehicles (`[leg.fleet.breakdown]`): a saturated shuttle against the
//! alternating-renewal throughput (it works whenever it is up, so it completes `A / R` round
//! trips per hour, `A` the availability), availability with general up and repair times, the
//! `resume` and `finish` rules event by event against a direct recursion of the rules for both
//! clocks, a repair crew limit, and the validator's refusals.

use corridor::base::SimTime;
use corridor::engine::{Observer, Simulation};
use corridor::model::{FleetId, NodeId};
use corridor::scenario::{self, ScenarioError};

use crate::common::{assert_in_ci, model, replications, test_seed};

/// One ferry of capacity 10 shuttling a 4 h crossing and a 4 h trip back (round trip 8 h) from
/// `port` to `sink`; cargo arrives at `teu_per_year`.
fn ferry(teu_per_year: f64, vessels: u32, breakdown: &str) -> String {
    format!(
        r#"
[scenario]
name = "ferry-breakdowns"
horizon_days = 400
warmup_days = 10
seed = 77

[[node]]
id = "port"
kind = "port"
berths = {vessels}

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
vessels = {vessels}
capacity_teu = 10
load_factor = 1
departure = "when_full"
return = 4
[leg.fleet.breakdown]
{breakdown}

[[route]]
id = "r"
nodes = ["port", "sink"]

[[flow]]
id = "containers"
route = "r"
teu_per_year = {teu_per_year}
"#
    )
}

fn check_saturated(clock: &str) {
    // 3 TEU/h offered against 10 TEU per 8 h: the quay never empties, so the ferry works
    // whenever it is up. Up ~ exponential(20 h), repair 5 h: A = 20 / 25 = 0.8 and the ferry
    // completes A / 8 = 0.1 round trips per hour on either clock.
    let text = ferry(
        3.0 * 8760.0,
        1,
        &format!(
            "up = {{ dist = \"exponential\", mean = 20 }}\nrepair = 5\nclock = \"{clock}\"\ninterrupted = \"resume\""
        ),
    );
    let model = model(&text);
    let reps = replications(&model, 20);
    let per_h: Vec<f64> = reps
        .iter()
        .map(|r| r.fleets[0].departures as f64 / r.window_h)
        .collect();
    assert_in_ci(&format!("{clock} clock: trips per hour"), &per_h, 0.1);
    let availability: Vec<f64> = reps
        .iter()
        .map(|r| 1.0 - r.breakdowns[0].down.mean())
        .collect();
    assert_in_ci(&format!("{clock} clock: availability"), &availability, 0.8);
    for r in &reps {
        assert!(r.conservation.holds(), "{:?}", r.conservation);
        assert!(r.breakdowns[0].failures > 0);
        // Loaded one way, empty the other: cargo is aboard half of the working time, and a
        // down ferry at sea holds its load.
        let share = r.breakdowns[0].delay.mean() / r.breakdowns[0].waiting.mean();
        assert!(share > 0.0 && share < 1.0, "{share}");
    }
}

#[test]
fn a_saturated_shuttle_completes_availability_over_round_trip_trips_always_clock() {
    check_saturated("always");
}

#[test]
fn a_saturated_shuttle_completes_availability_over_round_trip_trips_busy_clock() {
    check_saturated("busy");
}

#[test]
fn vehicle_availability_is_up_over_up_plus_repair_with_general_times() {
    // Three ferries at 60% load, each alternating a uniform up time (mean 30 h) and a lognormal
    // repair (mean 6 h, cv 1.5) on the always-running clock, no crew limit: by renewal-reward
    // each is up 30 / 36 of the time, whatever it is doing.
    let text = ferry(
        0.6 * 3.0 * 10.0 / 8.0 * 8760.0,
        3,
        "up = { dist = \"uniform\", min = 10, max = 50 }\nrepair = { dist = \"lognormal\", mean = 6, cv = 1.5 }",
    );
    let model = model(&text);
    let reps = replications(&model, 20);
    let availability: Vec<f64> = reps
        .iter()
        .map(|r| 1.0 - r.breakdowns[0].down.mean() / 3.0)
        .collect();
    assert_in_ci("vehicle availability, general times", &availability, 30.0 / 36.0);
    let rate: Vec<f64> = reps
        .iter()
        .map(|r| r.breakdowns[0].failures as f64 / r.window_h * 36.0 / 3.0)
        .collect();
    assert_in_ci("failures per vehicle per mean cycle", &rate, 1.0);
    for r in &reps {
        assert!(r.conservation.holds(), "{:?}", r.conservation);
    }
}

/// Records the ferry's departures from the port, failures and repairs.
#[derive(Default)]
struct Trace {
    port: Option<NodeId>,
    departures: Vec<f64>,
    failures: Vec<f64>,
    repairs: Vec<f64>,
}

impl Observer for Trace {
    fn departed(&mut self, time: SimTime, _fleet: FleetId, node: NodeId, _load_teu: u32) {
        if Some(node) == self.port {
            self.departures.push(time.hours());
        }
    }
    fn vehicle_failed(&mut self, time: SimTime, _fleet: FleetId, _vehicle: u32) {
        self.failures.push(time.hours());
    }
    fn vehicle_repaired(&mut self, time: SimTime, _fleet: FleetId, _vehicle: u32) {
        self.repairs.push(time.hours());
    }
}

const UP_H: f64 = 7.0;
const REPAIR_H: f64 = 3.0;
const ROUND_TRIP_H: f64 = 8.0;

/// The departures, failures and repairs the rules give for a ferry that is never short of
/// cargo after its first departure at `t0` (deterministic up, repair and trip times; no load or
/// unload time), up to `until` hours.
fn recursion(t0: f64, clock_busy: bool, finish: bool, until: f64) -> [Vec<f64>; 3] {
    let (mut departures, mut failures, mut repairs) = (vec![t0], Vec::new(), Vec::new());
    // The failure clock: on the always clock the first failure is 7 h after time 0; on the busy
    // clock, 7 h of work after t0 (the loader does not work before).
    let mut t = t0;
    let mut clock_left = if clock_busy { UP_H } else { UP_H - t0 };
    let mut work_left = ROUND_TRIP_H;
    while t < until {
        // Working (the ferry is always on a round trip while up after t0).
        if clock_left < work_left {
            t += clock_left;
            work_left -= clock_left;
            if finish {
                // The failure waits for the end of the round trip.
                t += work_left;
                failures.push(t);
                t += REPAIR_H;
            } else {
                failures.push(t);
                t += REPAIR_H;
            }
            repairs.push(t);
            clock_left = UP_H;
            if finish {
                departures.push(t);
                work_left = ROUND_TRIP_H;
            }
        } else {
            t += work_left;
            clock_left -= work_left;
            departures.push(t);
            work_left = ROUND_TRIP_H;
        }
    }
    [departures, failures, repairs]
}

fn check_event_exact(clock: &str, interrupted: &str) {
    let text = ferry(
        100.0 * 8760.0,
        1,
        &format!(
            "up = {UP_H}\nrepair = {REPAIR_H}\nclock = \"{clock}\"\ninterrupted = \"{interrupted}\""
        ),
    )
    .replace("horizon_days = 400", "horizon_days = 20")
    .replace("warmup_days = 10", "warmup_days = 1");
    let model = model(&text);
    let mut trace = Trace {
        port: model.node_id("port"),
        ..Trace::default()
    };
    Simulation::new(&model).run_observed(test_seed(model.settings.seed), 0, &mut trace);
    let t0 = trace.departures[0];
    assert!(t0 < 1.0, "the first 10 TEU arrive within the hour: {t0}");
    let until = 20.0 * 24.0 - 30.0;
    let [departures, failures, repairs] =
        recursion(t0, clock == "busy", interrupted == "finish", until);
    let label = format!("{clock} clock, {interrupted}");
    for (what, got, want) in [
        ("departures", &trace.departures, &departures),
        ("failures", &trace.failures, &failures),
        ("repairs", &trace.repairs, &repairs),
    ] {
        let n = want.iter().filter(|&&t| t < until).count();
        assert!(n > 20, "{label}: a long enough fixture");
        for (k, (g, w)) in got.iter().zip(want).take(n).enumerate() {
            assert!(
                (g - w).abs() < 1e-6,
                "{label}: {what} {k} at {g} h, the rules give {w} h"
            );
        }
        assert!(got.len() >= n, "{label}: {} {what}, expected {n}", got.len());
    }
}

#[test]
fn resume_on_the_always_clock_event_by_event() {
    check_event_exact("always", "resume");
}

#[test]
fn resume_on_the_busy_clock_event_by_event() {
    check_event_exact("busy", "resume");
}

#[test]
fn finish_on_the_always_clock_event_by_event() {
    check_event_exact("always", "finish");
}

#[test]
fn finish_on_the_busy_clock_event_by_event() {
    check_event_exact("busy", "finish");
}

#[test]
fn one_repair_crew_repairs_one_vehicle_at_a_time() {
    // Three ferries with frequent failures and one crew: repairs never overlap, and each
    // repair lasts exactly its (deterministic) 5 h once a crew takes it.
    let text = ferry(
        2.0 * 8760.0,
        3,
        "up = { dist = \"exponential\", mean = 10 }\nrepair = 5\ncrews = 1",
    )
    .replace("horizon_days = 400", "horizon_days = 60");
    let model = model(&text);
    let mut trace = Trace::default();
    let stats =
        Simulation::new(&model).run_observed(test_seed(model.settings.seed), 0, &mut trace);
    assert!(trace.repairs.len() > 50);
    for pair in trace.repairs.windows(2) {
        assert!(
            pair[1] - pair[0] >= 5.0 - 1e-9,
            "repairs end {} h and {} h: one crew",
            pair[0],
            pair[1]
        );
    }
    // With one crew the ferries are down more than the 5 / 15 of an unlimited crew.
    assert!(stats.breakdowns[0].down.mean() / 3.0 > 5.0 / 15.0);
    assert!(stats.conservation.holds());
}

fn errors(text: &str) -> Vec<String> {
    match scenario::from_str(text, "bad.toml") {
        Ok(_) => panic!("expected validation errors"),
        Err(ScenarioError::Invalid { diagnostics }) => diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect(),
        Err(other) => panic!("expected validation errors, got {other}"),
    }
}

#[test]
fn bad_vehicle_breakdowns_are_refused_with_their_reason() {
    let got = errors(&ferry(8760.0, 1, "up = 10\nrepair = 2\ninterrupted = \"restart\""));
    assert_eq!(
        got,
        [
            "leg \"crossing\".fleet.breakdown.interrupted: unknown value \"restart\"; allowed: \
             \"resume\", \"finish\" (a vehicle's trip cannot start over: \"resume\" repairs it \
             where it fails, \"finish\" when it is next home)"
        ]
    );
    let got = errors(&ferry(8760.0, 1, "up = 0\nrepair = 2\ncrews = 0"));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].contains("breakdown.up: must have a positive mean (a vehicle"));
    assert!(got[1].contains("breakdown.crews"));
    // Dated changes: neither the breakdown nor the vehicle count may change.
    for set in [
        "\"leg.crossing.fleet.breakdown.repair\" = 4",
        "\"leg.crossing.fleet.vessels\" = 2",
    ] {
        let text = ferry(8760.0, 1, "up = 10\nrepair = 2")
            + &format!("\n[[change]]\nid = \"c\"\nat_day = 100\nset = {{ {set} }}\n");
        let err = scenario::from_str(&text, "test.toml").unwrap_err().to_string();
        assert!(
            err.contains("vehicles under repair need rules of their own"),
            "{set}: {err}"
        );
    }
    // Nor may a class enter service later.
    let text = ferry(8760.0, 1, "up = 10\nrepair = 2")
        .replace("[leg.fleet]\nvessels = 1\n", "[leg.fleet]\n")
        .replace(
            "return = 4\n",
            "return = 4\n[leg.fleet.classes.early]\nvessels = 1\n\
             [leg.fleet.classes.late]\nvessels = 1\nfrom_day = 30\n",
        );
    let got = errors(&text);
    assert!(
        got.iter().any(|e| e.contains("cannot have a class entering service later")),
        "{got:?}"
    );
}

/// Records the most berths in use at any time, per node.
#[derive(Default)]
struct Berths(Vec<(NodeId, u32)>);

impl Observer for Berths {
    fn berthed(&mut self, _time: SimTime, node: NodeId, _vehicle: u32, in_use: u32) {
        self.0.push((node, in_use));
    }
}

/// A random fleet with breakdowns: vessels or trains, berths, a return leg or not, timers,
/// load and unload times, either clock and rule, a crew limit or none, and a storm with
/// shelter on the crossing's far port.
fn random_fleet() -> impl proptest::strategy::Strategy<Value = (String, Option<u32>)> {
    use proptest::prelude::*;
    (
        (1u32..4, proptest::option::of(1u32..3), 5u32..60, prop::bool::ANY),
        (prop::bool::ANY, proptest::option::of(2.0f64..40.0), 0.0f64..3.0),
        (prop::bool::ANY, prop::bool::ANY, proptest::option::of(1u32..3)),
        (1.0f64..60.0, 0.5f64..20.0, 500.0f64..40000.0, any::<u64>()),
    )
        .prop_map(
            |(
                (vehicles, berths, capacity, vessels),
                (return_leg, max_wait, handling),
                (busy, finish, crews),
                (up, repair, teu, seed),
            )| {
                let kind = if vessels { "vessels" } else { "trains" };
                let berths = berths.filter(|_| vessels);
                let mut text = format!(
                    "[scenario]\nname = \"random-fleet\"\nhorizon_days = 60\nwarmup_days = 5\nseed = {seed}\n\n\
                     [[node]]\nid = \"a\"\nkind = \"port\"\n"
                );
                if let Some(b) = berths {
                    text += &format!("berths = {b}\n");
                }
                text += "\n[[node]]\nid = \"b\"\nkind = \"port\"\n";
                if let Some(b) = berths {
                    text += &format!("berths = {b}\n");
                }
                text += &format!(
                    "\n[[leg]]\nid = \"ab\"\nfrom = \"a\"\nto = \"b\"\nmode = \"sea\"\n\
                     transit = {{ dist = \"uniform\", min = 2, max = 9 }}\n[leg.fleet]\n\
                     {kind} = {vehicles}\ncapacity_teu = {capacity}\n\
                     load_time = {{ dist = \"exponential\", mean = {handling} }}\n\
                     unload_time = {handling}\n"
                );
                if let Some(wait) = max_wait {
                    text += &format!("max_wait_h = {wait}\n");
                }
                if return_leg {
                    text += "return_leg = \"ba\"\n";
                }
                text += &format!(
                    "[leg.fleet.breakdown]\nup = {{ dist = \"exponential\", mean = {up} }}\n\
                     repair = {{ dist = \"gamma\", mean = {repair}, cv = 0.8 }}\n\
                     clock = \"{}\"\ninterrupted = \"{}\"\n",
                    if busy { "busy" } else { "always" },
                    if finish { "finish" } else { "resume" }
                );
                if let Some(c) = crews {
                    text += &format!("crews = {c}\n");
                }
                text += "\n[[leg]]\nid = \"ba\"\nfrom = \"b\"\nto = \"a\"\nmode = \"sea\"\ntransit = 5\n";
                text += &format!(
                    "\n[[route]]\nid = \"out\"\nnodes = [\"a\", \"b\"]\n\n[[route]]\nid = \"back\"\nnodes = [\"b\", \"a\"]\n\n\
                     [[flow]]\nid = \"f\"\nroute = \"out\"\nteu_per_year = {teu}\n\n\
                     [[flow]]\nid = \"g\"\nroute = \"back\"\nteu_per_year = {}\n\n\
                     [[disruption]]\nid = \"storm\"\nnodes = [\"b\"]\nrate_per_year = 40\n\
                     duration = {{ dist = \"exponential\", mean = 20 }}\n\
                     shelter = {{ dist = \"exponential\", mean = 6 }}\n",
                    teu / 3.0
                );
                (text, berths)
            },
        )
}

proptest::proptest! {
    #![proptest_config(crate::invariants::fixed_seed_config(32))]

    #[test]
    fn random_fleets_with_breakdowns_conserve_teu_and_respect_berths((text, berths) in random_fleet()) {
        let model = model(&text);
        let mut log = Berths::default();
        let stats = Simulation::new(&model).run_observed(model.settings.seed, 0, &mut log);
        proptest::prop_assert!(stats.conservation.holds(), "{:?}", stats.conservation);
        if let Some(b) = berths {
            proptest::prop_assert!(log.0.iter().all(|&(_, in_use)| in_use <= b));
        }
        let vehicles = f64::from(model.fleets[0].vehicles());
        let fleet = &stats.breakdowns[0];
        proptest::prop_assert!(fleet.down.max <= vehicles);
        proptest::prop_assert!(fleet.delay.mean() <= fleet.waiting.mean() + 1e-9);
        let capacity = f64::from(model.fleets[0].max_load_teu()) * vehicles;
        proptest::prop_assert!(fleet.waiting.max <= capacity, "{} TEU aboard", fleet.waiting.max);
    }
}
