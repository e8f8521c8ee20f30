//! Exact behaviour of fleets, disruptions and operating hours on small deterministic scenarios,
//! observed event by event.

use corridor::base::time::SimTime;
use corridor::engine::Simulation;
use corridor::engine::observer::Observer;
use corridor::model::{FleetId, NodeId, RouteId, Target};

use crate::common::model;

/// Records what the engine reports.
#[derive(Default)]
struct Log {
    departures: Vec<(f64, u32, u32)>,
    returns: Vec<(f64, u32, u32)>,
    deliveries: Vec<(f64, u32)>,
    service_starts: Vec<(f64, u32)>,
    closed_changes: Vec<(f64, bool)>,
}

impl Observer for Log {
    fn departed(&mut self, time: SimTime, _fleet: FleetId, node: NodeId, load_teu: u32) {
        // Only departures from home (node 0 in these scenarios); returns are logged apart.
        if node.0 == 0 {
            self.departures.push((time.hours(), node.0, load_teu));
        } else {
            self.returns.push((time.hours(), node.0, load_teu));
        }
    }
    fn delivered(&mut self, time: SimTime, _route: RouteId, teu: u32, _transit_h: f64) {
        self.deliveries.push((time.hours(), teu));
    }
    fn service_started(&mut self, time: SimTime, node: NodeId, _wait_h: f64) {
        self.service_starts.push((time.hours(), node.0));
    }
    fn target_changed(
        &mut self,
        time: SimTime,
        _target: Target,
        closed: bool,
        _departures_closed: bool,
        _factor: f64,
    ) {
        self.closed_changes.push((time.hours(), closed));
    }
}

fn observe(text: &str, replication: u64) -> (Log, corridor::stats::ReplicationStats) {
    let model = model(text);
    let mut log = Log::default();
    let stats = Simulation::new(&model).run_observed(
        crate::common::test_seed(model.settings.seed),
        replication,
        &mut log,
    );
    assert!(stats.conservation.holds());
    (log, stats)
}

const TWO_PORTS: &str = r#"
[scenario]
name = "ferry"
horizon_days = HORIZON
seed = 7

[[node]]
id = "home"
kind = "port"
berths = 1

[[node]]
id = "far"
kind = "port"

[[leg]]
id = "sea"
from = "home"
to = "far"
mode = "sea"
transit = 4
FLEET

[[route]]
id = "out"
nodes = ["home", "far"]

[[flow]]
id = "boxes"
route = "out"
FLOW
"#;

fn two_ports(horizon_days: f64, fleet: &str, flow: &str) -> String {
    TWO_PORTS
        .replace("HORIZON", &horizon_days.to_string())
        .replace("FLEET", fleet)
        .replace("FLOW", flow)
}

#[test]
fn scheduled_vessels_leave_only_at_their_slots() {
    // Cargo is plentiful and the round trip (8 h) is shorter than the gap between slots, so the
    // one vessel sails at every slot: Monday 08:00 and Thursday 20:00, 8 times in 28 days.
    let text = two_ports(
        28.0,
        "[leg.fleet]\nvessels = 1\ncapacity_teu = 50\ndeparture = \"schedule\"\nschedule = [\"thu 20:00\", \"mon 08:00\"]",
        "teu_per_year = 87600",
    );
    let (log, stats) = observe(&text, 0);
    let times: Vec<f64> = log.departures.iter().map(|d| d.0).collect();
    assert_eq!(times.len(), 8, "{times:?}");
    for (i, t) in times.iter().enumerate() {
        let week = (i / 2) as f64 * 168.0;
        let slot = if i % 2 == 0 { 8.0 } else { 92.0 };
        assert_eq!(*t, week + slot);
    }
    assert!(log.departures.iter().all(|d| d.2 == 50), "full loads");
    // Each returns empty 4 h later.
    assert!(
        log.returns
            .iter()
            .zip(&times)
            .all(|(r, t)| r.2 == 0 && r.0 == t + 4.0)
    );
    assert_eq!(stats.fleets[0].departures, 8);
    assert_eq!(stats.fleets[0].missed_slots, 0);
}

#[test]
fn block_trains_are_split_to_fit_the_draft_limited_vessels() {
    // 105-TEU trains onto vessels of 100 TEU at 75% usable: every departure carries exactly 75
    // TEU (no timer), and nothing is lost.
    let text = two_ports(
        120.0,
        "[leg.fleet]\nvessels = 3\ncapacity_teu = 100\nload_factor = 0.75\nunload_time = 2",
        "teu_per_year = 40000\narrivals = \"block_trains\"\ntrain_teu = 105",
    );
    let (log, stats) = observe(&text, 3);
    assert!(!log.departures.is_empty());
    assert!(
        log.departures.iter().all(|d| d.2 == 75),
        "{:?}",
        log.departures
    );
    let delivered: u64 = log.deliveries.iter().map(|d| u64::from(d.1)).sum();
    assert_eq!(
        delivered,
        75 * log.departures.len() as u64 - stats.conservation.aboard_teu
    );
    assert!(stats.conservation.holds());
}

#[test]
fn max_wait_sends_part_loads() {
    // 1 TEU per hour, capacity 100, leave after 10 h: each departure carries the arrivals of
    // about 10 h, never 100.
    let text = two_ports(
        60.0,
        "[leg.fleet]\nvessels = 2\ncapacity_teu = 100\nmax_wait_h = 10",
        "teu_per_year = 8760",
    );
    let (log, stats) = observe(&text, 1);
    // The vessels (two, 8 h round trip) are always back in time, so departures form a renewal
    // process: 10 h from the first boarding, then Exp(1 h) until the next box boards. Over
    // 1440 h that is 1440 / 11 = 130.9 departures, with sd sqrt(1440 * 1 / 11^3) = 1.0.
    let departures = log.departures.len() as f64;
    assert!(
        (departures - 1440.0 / 11.0).abs() <= 6.0,
        "{departures} departures, expected 130.9 ± 6"
    );
    assert!(log.departures.iter().all(|d| d.2 < 100));
    let mean_load = stats.fleets[0].load_teu.mean().unwrap();
    // Each load is 1 plus the Poisson(10) arrivals in the 10 h after the first boarding.
    assert!((mean_load - 11.0).abs() < 1.5, "mean load {mean_load}");
}

#[test]
fn a_return_leg_carries_cargo_home() {
    let text = r#"
[scenario]
name = "both ways"
horizon_days = 200
seed = 3

[[node]]
id = "home"
kind = "port"
berths = 1

[[node]]
id = "far"
kind = "port"
berths = 1

[[leg]]
id = "out"
from = "home"
to = "far"
mode = "sea"
transit = 10
[leg.fleet]
vessels = 2
capacity_teu = 20
max_wait_h = 24
return_leg = "back"

[[leg]]
id = "back"
from = "far"
to = "home"
mode = "sea"
transit = 12

[[route]]
id = "west"
nodes = ["home", "far"]

[[route]]
id = "east"
nodes = ["far", "home"]

[[flow]]
id = "west"
route = "west"
teu_per_year = 35040

[[flow]]
id = "east"
route = "east"
teu_per_year = 8760
"#;
    let (log, stats) = observe(text, 0);
    let fleet = &stats.fleets[0];
    assert!(fleet.back_teu > 0 && fleet.back_departures > 0);
    assert!(log.departures.iter().all(|d| d.2 <= 20));
    assert!(log.returns.iter().all(|d| d.2 <= 20));
    assert!(log.returns.iter().any(|d| d.2 > 0));
    // Eastbound cargo (1 TEU/h for 4800 h, Poisson: sd 69) is carried home: all of it but
    // what is still on its way at the horizon (at most two return loads and a day's arrivals).
    let east = stats.routes[1].delivered_teu as f64;
    assert!(
        east <= 4800.0 + 5.0 * 4800f64.sqrt() && east >= 4800.0 - 5.0 * 4800f64.sqrt() - 64.0,
        "{east} TEU delivered eastbound, expected about 4800"
    );
    // Every return trip takes the return leg's 12 h; the eastbound stage through the leg is at
    // least that.
    let back_stage = stats.routes[1].stages[1].service_h.mean().unwrap();
    // (The mean of values of exactly 12 h may round to a hair below.)
    assert!(back_stage >= 12.0 - 1e-9, "{back_stage}");
}

#[test]
fn trains_assemble_full_loads() {
    let text = r#"
[scenario]
name = "trains"
horizon_days = 100
seed = 5

[[node]]
id = "terminal"
kind = "terminal"
servers = 2
service = { dist = "exponential", mean = 0.5 }

[[node]]
id = "port"
kind = "port"

[[leg]]
id = "rail"
from = "terminal"
to = "port"
mode = "rail"
transit = { dist = "uniform", min = 20, max = 30 }
[leg.fleet]
trains = 4
capacity_teu = 40
load_time = 2
unload_time = 3

[[route]]
id = "r"
nodes = ["terminal", "port"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 17520
"#;
    let (log, stats) = observe(text, 0);
    assert!(log.departures.iter().all(|d| d.2 == 40));
    // Delivered in whole train loads, at least load + transit + unload after the first boarding.
    assert_eq!(stats.routes[0].delivered_teu % 40, 0);
    let leg = stats.routes[0].stages[1].service_h.mean().unwrap();
    assert!((23.0..=33.0).contains(&leg), "travel + unloading {leg}");
}

const GATE: &str = r#"
[scenario]
name = "gate"
horizon_days = 20
seed = 11

[[node]]
id = "gate"
kind = "border"
service = 1
EXTRA

[[node]]
id = "sink"
kind = "yard"

[[leg]]
from = "gate"
to = "sink"
mode = "road"
transit = 1

[[route]]
id = "r"
nodes = ["gate", "sink"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 26280
DISRUPTION
"#;

#[test]
fn a_closed_leg_holds_cargo_until_it_reopens() {
    // Service 1 h (unlimited servers), then 1 h on the leg: normally delivered 2 h after
    // arrival. The leg is closed from hour 100 to hour 150, so nothing is delivered between
    // hours 101 and 151, and cargo served meanwhile is delivered at 151.
    let start = 100.0;
    let text = GATE.replace("EXTRA", "").replace(
        "DISRUPTION",
        &format!(
            "[[disruption]]\nid = \"works\"\nlegs = [\"gate->sink\"]\nstart_day = {}\nduration = 50",
            start / 24.0
        ),
    );
    let (log, stats) = observe(&text, 0);
    let end = start + 50.0;
    assert!(
        log.deliveries
            .iter()
            .all(|d| d.0 <= start + 1.0 + 1e-9 || d.0 >= end + 1.0 - 1e-9)
    );
    let released = log
        .deliveries
        .iter()
        .filter(|d| (d.0 - (end + 1.0)).abs() < 1e-9)
        .count();
    // Exactly the boxes whose service (1 h) ended while the leg was closed, i.e. those that
    // started in [start - 1, end - 1): about 150 (3 per hour).
    let held = log
        .service_starts
        .iter()
        .filter(|s| s.1 == 0 && s.0 >= start - 1.0 && s.0 < end - 1.0)
        .count();
    assert_eq!(released, held, "the backlog leaves at once, all of it");
    assert!(
        (held as f64 - 150.0).abs() <= 5.0 * 150f64.sqrt(),
        "{held} boxes held, expected 150"
    );
    let closed_h = stats.targets[0].closed.mean() * stats.window_h;
    assert!((closed_h - 50.0).abs() < 1e-6, "{closed_h}");
}

#[test]
fn a_slowed_node_divides_its_service_times() {
    let text = GATE.replace("EXTRA", "").replace(
        "DISRUPTION",
        "[[disruption]]\nid = \"slow\"\nnodes = [\"gate\"]\ncapacity_factor = 0.25\nstart_day = 0\nduration = 10000",
    );
    let (_, stats) = observe(&text, 0);
    assert_eq!(stats.nodes[0].service_h.mean(), Some(4.0));
    let slowed_h = stats.targets[0].slowed.mean() * stats.window_h;
    assert!((slowed_h - 480.0).abs() < 1e-6, "{slowed_h}");
}

#[test]
fn operating_hours_start_no_service_outside_them() {
    let text = GATE
        .replace("EXTRA", "hours = { open = \"08:00\", close = \"20:00\" }")
        .replace("DISRUPTION", "");
    let (log, stats) = observe(&text, 0);
    let gate_starts: Vec<f64> = log
        .service_starts
        .iter()
        .filter(|s| s.1 == 0)
        .map(|s| s.0)
        .collect();
    // 3 boxes per hour for 480 h all start, but those that arrive after the last closing
    // (20:00 on day 19): Poisson with mean 3 x 476 = 1428.
    let n = gate_starts.len() as f64;
    assert!(
        (n - 1428.0).abs() <= 5.0 * 1428f64.sqrt(),
        "{n} services started, expected 1428"
    );
    for t in &gate_starts {
        let hour = t.rem_euclid(24.0);
        assert!((8.0..20.0).contains(&hour), "service started at {t}");
    }
    // Queued overnight arrivals all start at 08:00: those of 00:00-08:00 on day 0 and of the
    // 19 nights 20:00-08:00 that end within the run, 3 x (8 + 19 x 12) = 708 expected.
    let at_eight = gate_starts
        .iter()
        .filter(|t| t.rem_euclid(24.0) == 8.0)
        .count() as f64;
    assert!(
        (at_eight - 708.0).abs() <= 5.0 * 708f64.sqrt(),
        "{at_eight} services started at 08:00, expected 708"
    );
    // Closed 12 h a day, counted exactly.
    let closed_h = stats.targets[0].closed.mean() * stats.window_h;
    assert!((closed_h - 20.0 * 12.0).abs() < 1e-6, "{closed_h}");
    assert_eq!(log.closed_changes.first(), Some(&(0.0, true)));
}

#[test]
fn overlapping_closures_take_the_strictest() {
    // A slow-down (0.5) from hour 0 to 240 and a closure from 100 to 140: closed 40 h, slowed the
    // other 200 h, and no service starts while closed.
    let text = GATE.replace("EXTRA", "").replace(
        "DISRUPTION",
        &format!("[[disruption]]\nid = \"slow\"\nnodes = [\"gate\"]\ncapacity_factor = 0.5\nstart_day = 0\nduration = 240\n\n[[disruption]]\nid = \"shut\"\nnodes = [\"gate\"]\nstart_day = {}\nduration = 40",
        100.0 / 24.0),
    );
    let (log, stats) = observe(&text, 0);
    let target = &stats.targets[0];
    assert!((target.closed.mean() * stats.window_h - 40.0).abs() < 1e-6);
    assert!((target.slowed.mean() * stats.window_h - 200.0).abs() < 1e-6);
    assert!(
        log.service_starts
            .iter()
            .filter(|s| s.1 == 0)
            .all(|s| s.0 < 100.0 - 1e-9 || s.0 >= 140.0 - 1e-9)
    );
    assert_eq!(stats.disruption_log.len(), 2);
}

#[test]
fn vessels_at_sea_shelter_when_a_storm_hits_their_destination() {
    // Cargo is plentiful (100 TEU an hour), so the vessel sails as soon as its 10 TEU are
    // aboard (about 0.1 h in, and well before 2 h whatever the seed) and is due at the far port
    // 4 h later. A storm at the far port at t = 2 (lasting 30 minutes) strikes while it is at
    // sea and makes it shelter for 10 h.
    let fleet = "[leg.fleet]\nvessels = 1\ncapacity_teu = 10";
    let flow = format!(
        "teu_per_year = 876000\n\n[[disruption]]\nid = \"storm\"\nnodes = [\"far\"]\nstart_day = {}\nduration = 0.5\nshelter = 10",
        2.0 / 24.0
    );
    let (log, _) = observe(&two_ports(2.0, fleet, &flow), 0);
    let first_departure = log.departures[0].0;
    assert!(first_departure < 2.0, "departed at {first_departure} h");
    let first_delivery = log.deliveries[0].0;
    assert!(
        (first_delivery - (first_departure + 14.0)).abs() < 1e-9,
        "delivered at {first_delivery}"
    );
    // Without the shelter the same vessel is there at +4 h.
    let (calm, _) = observe(&two_ports(2.0, fleet, "teu_per_year = 876000"), 0);
    assert!((calm.deliveries[0].0 - (first_departure + 4.0)).abs() < 1e-9);
}

#[test]
fn a_port_closed_to_vehicles_berths_no_vessel_until_it_reopens() {
    // As in the shelter test, the vessel sails with its 10 TEU well before 2 h and is due at the
    // far port 4 h later. The far port is closed from t = 2 for 30 h: closed to vehicles or to
    // everything, the vessel waits at anchorage and berths when the closure ends, and the far
    // port (no handling, no unload time) delivers its cargo at that instant; closed only to
    // departures, it berths and delivers on arrival. In every case it leaves when it reopens.
    let fleet = "[leg.fleet]\nvessels = 1\ncapacity_teu = 10";
    for blocks in ["vehicles", "all", "departures"] {
        let flow = format!(
            "teu_per_year = 876000\n\n[[disruption]]\nid = \"closure\"\nnodes = [\"far\"]\nblocks = \"{blocks}\"\nstart_day = {}\nduration = 30",
            2.0 / 24.0
        );
        let (log, stats) = observe(&two_ports(3.0, fleet, &flow), 0);
        let departure = log.departures[0].0;
        assert!(departure < 2.0, "{blocks}: departed at {departure} h");
        let reopens = stats.disruption_log[0].end_h;
        let expected = if blocks == "departures" {
            departure + 4.0
        } else {
            reopens
        };
        let delivered = log.deliveries[0].0;
        assert!(
            (delivered - expected).abs() < 1e-9,
            "{blocks}: first delivery at {delivered} h, expected {expected} h (closed until {reopens} h)"
        );
        // In every case it leaves the far port (empty, home) when the closure ends.
        let back = log.returns[0].0;
        assert!(
            (back - reopens).abs() < 1e-9,
            "{blocks}: left the far port at {back} h, expected {reopens} h"
        );
    }
}

#[test]
fn idle_vessels_do_not_block_a_berth_from_a_vessel_with_cargo() {
    // n1 has one berth and is home to two vessels of its own fleet (one loads at the berth, one
    // waits for it, both idle: no cargo is ever routed beyond n1). The vessel from n0 bringing
    // cargo must still berth and unload (found by the drained-network property test).
    let text = r#"
[scenario]
name = "head of line"
horizon_days = 30
seed = 0

[[node]]
id = "n0"
kind = "port"

[[node]]
id = "n1"
kind = "port"
berths = 1

[[node]]
id = "n2"
kind = "port"

[[leg]]
id = "l0"
from = "n0"
to = "n1"
mode = "sea"
transit = 2
[leg.fleet]
vessels = 1
capacity_teu = 12
max_wait_h = 4

[[leg]]
id = "l1"
from = "n1"
to = "n2"
mode = "sea"
transit = 2
[leg.fleet]
vessels = 2
capacity_teu = 12
max_wait_h = 4

[[route]]
id = "r0"
nodes = ["n0", "n1"]

[[flow]]
id = "f0"
route = "r0"
teu_per_year = 8760
"#;
    let (log, stats) = observe(text, 0);
    assert!(!log.departures.is_empty());
    // 24 TEU a day arrive (Poisson, 720 in 30 days); all but the last few hours' worth are
    // delivered.
    let c = stats.conservation;
    assert!(
        (c.generated_teu as f64 - 720.0).abs() <= 5.0 * 720f64.sqrt(),
        "{} TEU generated",
        c.generated_teu
    );
    assert!(c.in_system_teu() < 40);
    assert_eq!(stats.routes[0].delivered_teu, c.delivered_teu);
}

#[test]
fn a_port_without_handling_lets_unloaded_cargo_through_while_closed() {
    // The vessel sails at t ≈ 0, arrives at t ≈ 4 and unloads for 10 h. A closure of the far
    // port from t = 6 to t = 56 lets the unloading finish; the far port does no handling, so the
    // cargo is delivered when unloading ends, not when the port reopens. The next vessel call
    // (after the return trip) must wait for the reopening to berth.
    let fleet = "[leg.fleet]\nvessels = 1\ncapacity_teu = 10\nunload_time = 10";
    for blocks in ["all", "vehicles"] {
        let flow = format!(
            "teu_per_year = 876000\n\n[[disruption]]\nid = \"storm\"\nnodes = [\"far\"]\nblocks = \"{blocks}\"\nstart_day = {}\nduration = 50",
            6.0 / 24.0
        );
        let (log, _) = observe(&two_ports(4.0, fleet, &flow), 0);
        let first = log.departures[0].0;
        assert!(
            (log.deliveries[0].0 - (first + 14.0)).abs() < 1e-9,
            "{blocks}"
        );
        assert!(
            log.deliveries.iter().skip(10).all(|d| d.0 >= 56.0),
            "{blocks}"
        );
    }
}

#[test]
fn closing_a_port_to_vehicles_keeps_its_cargo_handling_going() {
    // Service at the gate goes on during a "vehicles" closure, but stops during an "all" one.
    let starts_during = |blocks: &str| {
        let text = GATE.replace("EXTRA", "").replace(
            "DISRUPTION",
            &format!(
                "[[disruption]]\nid = \"storm\"\nnodes = [\"gate\"]\nblocks = \"{blocks}\"\nstart_day = {}\nduration = 40",
                100.0 / 24.0
            ),
        );
        let (log, _) = observe(&text, 0);
        log.service_starts
            .iter()
            .filter(|s| s.1 == 0 && s.0 > 100.0 && s.0 < 140.0)
            .count()
    };
    // 3 per hour over the 40 h: Poisson with mean 120.
    let during = starts_during("vehicles") as f64;
    assert!(
        (during - 120.0).abs() <= 5.0 * 120f64.sqrt(),
        "{during} services started during the closure, expected 120"
    );
    assert_eq!(starts_during("all"), 0);
}
