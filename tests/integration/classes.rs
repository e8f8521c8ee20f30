//! Mixed fleets (vehicle classes) and dated changes of fleet sizes and berths: an event-exact
//! replay of a two-class ferry line against a reference written from the documented rules
//! (which class loads, capacities per class, a class entering service at its date, a removed
//! vessel retiring when it is next home empty), a fleet of one class against the same fleet
//! without classes (bit for bit), validation messages, and properties on random networks with
//! random fleet and berth changes.

use corridor::base::SimTime;
use corridor::engine::{Observer, Simulation};
use corridor::model::{FleetId, FlowId, Model, NodeId, RouteId};
use corridor::scenario;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use crate::common::model;

/// Containers at 1 per hour (Poisson) into `port`, which does no handling, carried to `sink` by
/// a fleet of two classes: `big` (1 vessel of 5 TEU, entering service at day 2) and `small`
/// (2 vessels of 2 TEU, cut to 1 at day 5). Every trip takes exactly 10 h each way, no berth
/// limits, no berth times: so the fleet's behaviour is a function of the arrival times alone.
const TWO_CLASSES: &str = r#"
[scenario]
name = "two-classes"
horizon_days = 12
seed = 77

[[node]]
id = "port"
kind = "port"

[[node]]
id = "sink"
kind = "port"

[[leg]]
id = "crossing"
from = "port"
to = "sink"
mode = "sea"
transit = 10
[leg.fleet]
capacity_teu = 2
[leg.fleet.classes.big]
vessels = 1
capacity_teu = 5
from_day = 2
[leg.fleet.classes.small]
vessels = 2

[[route]]
id = "r"
nodes = ["port", "sink"]

[[flow]]
id = "containers"
route = "r"
teu_per_year = 8760

[[change]]
id = "sell-a-small-one"
at_day = 5
set = { "leg.crossing.fleet.classes.small.vessels" = 1 }
"#;

/// What the trace records: arrivals, departures from home (time, class, vehicle, load) and
/// vehicles entering (`true`) or leaving service.
#[derive(Default)]
struct Trace {
    arrivals: Vec<f64>,
    departures: Vec<(f64, usize, u32, u32)>,
    service: Vec<(f64, u32, bool)>,
    home: Option<NodeId>,
}

impl Observer for Trace {
    fn generated(&mut self, time: SimTime, _flow: FlowId, _route: RouteId, teu: u32) {
        assert_eq!(teu, 1);
        self.arrivals.push(time.hours());
    }
    fn vehicle_departed(
        &mut self,
        time: SimTime,
        _fleet: FleetId,
        class: usize,
        vehicle: u32,
        node: NodeId,
        load_teu: u32,
    ) {
        if Some(node) == self.home {
            self.departures
                .push((time.hours(), class, vehicle, load_teu));
        }
    }
    fn vehicle_service(&mut self, time: SimTime, _fleet: FleetId, vehicle: u32, entered: bool) {
        self.service.push((time.hours(), vehicle, entered));
    }
}

/// The documented rules, replayed on the arrival times: loaders in the order they reached home;
/// each container boards the oldest loader; a loader leaves when its class's capacity is
/// aboard; a trip out and back takes 10 + 10 h; `big` (vehicle 0, 5 TEU) enters at 48 h; at
/// 120 h the highest-numbered `small` vehicle (2) retires, at once if it is an empty loader,
/// else when it is next home.
fn reference(arrivals: &[f64], horizon_h: f64) -> Trace {
    let capacity = [5u32, 2, 2];
    let class = [0usize, 1, 1];
    let mut loaders: Vec<u32> = vec![1, 2];
    let mut load = [0u32; 3];
    let mut queue = 0u32;
    let mut retiring = false;
    // (time home, vehicle), sorted by time when read.
    let mut returns: Vec<(f64, u32)> = Vec::new();
    let mut out = Trace::default();
    let mut entered = false;
    let mut changed = false;
    let mut arrivals = arrivals.iter().copied().peekable();
    loop {
        let next_return = returns.iter().copied().min_by(|a, b| a.0.total_cmp(&b.0));
        let next_arrival = arrivals.peek().copied();
        let mut next = [next_arrival, next_return.map(|r| r.0)]
            .into_iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        if !entered {
            next = next.min(48.0);
        }
        if !changed {
            next = next.min(120.0);
        }
        if next >= horizon_h {
            return out;
        }
        // Fill loader `v` from the queue, then let it go if full.
        let mut fill = |v: u32,
                        t: f64,
                        loaders: &mut Vec<u32>,
                        queue: &mut u32,
                        out: &mut Trace,
                        returns: &mut Vec<(f64, u32)>| {
            let i = v as usize;
            while *queue > 0 && load[i] < capacity[i] {
                load[i] += 1;
                *queue -= 1;
            }
            if load[i] == capacity[i] {
                out.departures.push((t, class[i], v, load[i]));
                load[i] = 0;
                loaders.retain(|&l| l != v);
                returns.push((SimTime::from_hours(t).after(10.0).after(10.0).hours(), v));
            }
        };
        if !entered && next == 48.0 {
            entered = true;
            out.service.push((48.0, 0, true));
            loaders.push(0);
            fill(0, 48.0, &mut loaders, &mut queue, &mut out, &mut returns);
        } else if !changed && next == 120.0 {
            changed = true;
            if loaders.contains(&2) && load[2] == 0 {
                loaders.retain(|&l| l != 2);
                out.service.push((120.0, 2, false));
            } else {
                retiring = true;
            }
        } else if next_arrival == Some(next) {
            arrivals.next();
            queue += 1;
            if let Some(&v) = loaders.first() {
                fill(v, next, &mut loaders, &mut queue, &mut out, &mut returns);
            }
        } else {
            let (t, v) = next_return.expect("a return is next");
            returns.retain(|r| r.1 != v);
            if v == 2 && retiring {
                retiring = false;
                out.service.push((t, 2, false));
                continue;
            }
            loaders.push(v);
            fill(v, t, &mut loaders, &mut queue, &mut out, &mut returns);
        }
    }
}

#[test]
fn a_two_class_fleet_replays_event_by_event_as_the_documented_rules_say() {
    let model = model(TWO_CLASSES);
    assert_eq!(model.fleets[0].classes.len(), 2);
    assert_eq!(model.fleets[0].classes[0].id, "big");
    let mut sim = Simulation::new(&model);
    let mut checked_retirement_while_loaded = false;
    for replication in 0..6 {
        let mut trace = Trace {
            home: model.node_id("port"),
            ..Trace::default()
        };
        let stats = sim.run_observed(model.settings.seed, replication, &mut trace);
        let expected = reference(&trace.arrivals, model.settings.horizon.hours());
        assert_eq!(
            trace.departures, expected.departures,
            "replication {replication}"
        );
        assert_eq!(trace.service, expected.service, "replication {replication}");
        // Capacities per class, the class's entry date, and no departure of the retired vessel.
        let retired_at = trace.service.iter().find(|s| !s.2).map(|s| s.0).unwrap();
        for &(t, class, vehicle, load) in &trace.departures {
            assert_eq!(load, if class == 0 { 5 } else { 2 });
            assert!(class != 0 || t >= 48.0);
            assert!(vehicle != 2 || t < retired_at);
        }
        checked_retirement_while_loaded |= retired_at > 120.0;
        assert!(trace.departures.iter().any(|d| d.1 == 0));
        // Per-class statistics: the classes add up to the fleet.
        let fleet = &stats.fleets[0];
        assert_eq!(fleet.classes.len(), 2);
        assert_eq!(
            fleet.classes.iter().map(|c| c.departures).sum::<u64>(),
            fleet.departures
        );
        assert_eq!(
            fleet.classes.iter().map(|c| c.departed_teu).sum::<u64>(),
            fleet.departed_teu
        );
        assert_eq!(fleet.classes[0].load_teu.mean(), Some(5.0));
        assert!(stats.conservation.holds());
    }
    // The replications cover a vessel retiring on its return, not only an idle one at once.
    assert!(checked_retirement_while_loaded);
}

/// A small line with a fleet written as `fleet` (TOML lines of `[leg.fleet]` and its classes).
fn line_with(fleet: &str) -> String {
    format!(
        r#"
[scenario]
name = "line"
horizon_days = 60
warmup_days = 5
seed = 9

[[node]]
id = "a"
kind = "port"
berths = 2
servers = 2
service = {{ dist = "exponential", mean = 1.5 }}

[[node]]
id = "b"
kind = "port"
berths = 1

[[leg]]
id = "sea"
from = "a"
to = "b"
mode = "sea"
transit = {{ dist = "triangular", min = 15, mode = 20, max = 30 }}
{fleet}
[[leg]]
id = "back"
from = "b"
to = "a"
mode = "sea"
transit = {{ dist = "uniform", min = 18, max = 22 }}

[[route]]
id = "out"
nodes = ["a", "b"]

[[route]]
id = "home"
nodes = ["b", "a"]

[[flow]]
id = "out"
route = "out"
teu_per_year = 20000

[[flow]]
id = "home"
route = "home"
teu_per_year = 4000
arrivals = "block_trains"
train_teu = 30
"#
    )
}

#[test]
fn a_fleet_of_one_class_runs_bit_for_bit_like_the_fleet_without_classes() {
    let common = "load_factor = 0.8\nmax_wait_h = 30\nload_time = { dist = \"exponential\", mean = 4 }\nunload_time = { dist = \"uniform\", min = 2, max = 6 }\nreturn_leg = \"back\"\n";
    let plain = model(&line_with(&format!(
        "[leg.fleet]\nvessels = 3\ncapacity_teu = 100\n{common}"
    )));
    let classed = model(&line_with(&format!(
        "[leg.fleet]\ncapacity_teu = 100\n{common}[leg.fleet.classes.only]\nvessels = 3\n"
    )));
    let mut a = Simulation::new(&plain);
    let mut b = Simulation::new(&classed);
    for replication in 0..3 {
        let x = a.run(4, replication);
        let mut y = b.run(4, replication);
        assert!(x.fleets[0].departures > 0);
        // The class's statistics are the fleet's; apart from them the whole result is the same.
        let class = y.fleets[0].classes.pop().expect("one class");
        assert!(y.fleets[0].classes.is_empty());
        assert_eq!(class.departures, x.fleets[0].departures);
        assert_eq!(class.departed_teu, x.fleets[0].departed_teu);
        assert_eq!(
            serde_json::to_string(&class.load_teu).unwrap(),
            serde_json::to_string(&x.fleets[0].load_teu).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&x).unwrap(),
            serde_json::to_string(&y).unwrap(),
            "replication {replication}"
        );
    }
}

#[test]
fn bad_class_fields_are_reported_at_their_line() {
    let text = line_with(
        "[leg.fleet]\nvessels = 2\ncapacity_teu = 100\n\
         [leg.fleet.classes.big]\nvessels = 1\nload_factor = 1.5\nspeed = 0\n\
         [leg.fleet.classes.\"bad.id\"]\ntrains = 2\nfrom = \"2027-01-01\"\ntransit = 5\nspeed = 2\n",
    );
    let err = scenario::from_str(&text, "test.toml")
        .unwrap_err()
        .to_string();
    let line = |start: &str| text.lines().position(|l| l.starts_with(start)).unwrap() + 1;
    for expected in [
        format!(
            "test.toml:{}:11: leg \"sea\".fleet.vessels: a fleet with classes gives the number of vehicles per class ([leg.fleet.classes.<id>] vessels = N), not for the fleet",
            line("vessels = 2")
        ),
        // Classes are checked in the order of their ids: "bad.id" (trains) before "big".
        format!(
            "test.toml:{}:11: leg \"sea\".fleet.classes.big: all classes of a fleet are vessels or all are trains; class \"bad.id\" has trains",
            line("vessels = 1")
        ),
        format!(
            "test.toml:{}:15: leg \"sea\".fleet.classes.big.load_factor: must be greater than 0 and at most 1, got 1.5",
            line("load_factor = 1.5")
        ),
        format!(
            "test.toml:{}:9: leg \"sea\".fleet.classes.big.speed: must be a positive factor of the leg's speed, at most 1000, got 0",
            line("speed = 0")
        ),
        format!(
            "test.toml:{}:1: leg \"sea\".fleet.classes.bad.id: a class id is made of letters, digits, '-' and '_'",
            line("[leg.fleet.classes.\"bad.id\"]")
        ),
        format!(
            "test.toml:{}:8: leg \"sea\".fleet.classes.bad.id.from: a date needs [scenario] start",
            line("from = \"2027")
        ),
        format!(
            "test.toml:{}:9: leg \"sea\".fleet.classes.bad.id.speed: give either transit (the class's own trip time) or speed",
            line("speed = 2")
        ),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in\n{err}");
    }
}

#[test]
fn fleet_and_berth_paths_change_at_a_date_or_say_why_not() {
    let base = line_with(
        "[leg.fleet]\ncapacity_teu = 100\nreturn_leg = \"back\"\n[leg.fleet.classes.feeder]\nvessels = 2\n",
    );
    let ok = base.clone()
        + "\n[[change]]\nid = \"more\"\nat_day = 20\nset = { \"leg.sea.fleet.classes.feeder.vessels\" = 4, \"node.a.berths\" = 1 }\n";
    let model = model(&ok);
    assert_eq!(model.changes[0].model.fleets[0].classes[0].vehicles, 4);
    assert_eq!(model.changes[0].model.nodes[0].berths, Some(1));
    for (path, why) in [
        (
            "leg.sea.fleet.classes.feeder.capacity_teu",
            "a vehicle's capacity",
        ),
        ("leg.sea.fleet.capacity_teu", "a vehicle's capacity"),
        ("leg.sea.fleet.return_leg", "the return leg"),
        (
            "leg.sea.fleet.classes.feeder",
            "a whole class cannot be added",
        ),
        (
            "leg.sea.fleet.classes.feeder.from_day",
            "a class's `from` is itself a date",
        ),
    ] {
        let text = base.clone()
            + &format!("\n[[change]]\nid = \"no\"\nat_day = 20\nset = {{ \"{path}\" = 3 }}\n");
        let err = scenario::from_str(&text, "test.toml")
            .unwrap_err()
            .to_string();
        let line = text.lines().position(|l| l.starts_with("set = ")).unwrap() + 1;
        assert!(
            err.contains(&format!("test.toml:{line}:9: "))
                && err.contains(&format!("\"{path}\" cannot change at a date: {why}")),
            "{path}: {err}"
        );
    }
}

/// Random changes of the fleet on `sea` and of the berths at `a` and `b`: (what, value, day).
fn fleet_changes() -> impl Strategy<Value = Vec<(u8, u32, u32)>> {
    proptest::collection::vec((0u8..4, 1u32..6, 1u32..59), 0..6)
}

/// A random mixed fleet: per class (count, capacity, load factor in twentieths, entry day or 0,
/// speed in tenths or own transit).
fn fleet_classes() -> impl Strategy<Value = Vec<(u32, u32, u32, u32, u32)>> {
    proptest::collection::vec((1u32..4, 5u32..120, 10u32..=20, 0u32..30, 0u32..20), 1..4)
}

/// Records every departure's load against its class's usable capacity and every berthing
/// against the berths in force.
struct Limits<'m> {
    model: &'m Model,
    violations: Vec<String>,
}

impl Limits<'_> {
    /// The model in force at `time` (the last change at or before it).
    fn at(&self, time: SimTime) -> &Model {
        self.model
            .changes
            .iter()
            .rev()
            .find(|c| c.at <= time)
            .map_or(self.model, |c| &c.model)
    }
}

impl Observer for Limits<'_> {
    fn vehicle_departed(
        &mut self,
        time: SimTime,
        fleet: FleetId,
        class: usize,
        _vehicle: u32,
        _node: NodeId,
        load_teu: u32,
    ) {
        let spec = &self.model.fleets[fleet.index()].classes[class];
        if load_teu > spec.max_load_teu {
            self.violations.push(format!(
                "{time}: {load_teu} TEU aboard a vehicle of class {}",
                spec.id
            ));
        }
        if time.hours() < spec.enters_h {
            self.violations.push(format!(
                "{time}: class {} departed before it entered service",
                spec.id
            ));
        }
    }
    fn berthed(&mut self, time: SimTime, node: NodeId, _vehicle: u32, in_use: u32) {
        if let Some(berths) = self.at(time).nodes[node.index()].berths
            && in_use > berths
        {
            self.violations.push(format!(
                "{time}: {in_use} berths in use at node {} with {berths}",
                node.index()
            ));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        rng_seed: RngSeed::Fixed(0x16_0004),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_mixed_fleets_with_random_changes_conserve_teu_and_respect_every_limit(
        classes in fleet_classes(),
        changes in fleet_changes(),
        return_leg in prop::bool::ANY,
        seed in any::<u64>(),
    ) {
        let mut fleet = String::from("[leg.fleet]\ncapacity_teu = 50\nmax_wait_h = 24\n");
        if return_leg {
            fleet += "return_leg = \"back\"\n";
        }
        for (k, (count, capacity, twentieths, from, speed)) in classes.iter().enumerate() {
            fleet += &format!(
                "[leg.fleet.classes.c{k}]\nvessels = {count}\ncapacity_teu = {capacity}\nload_factor = {}\n",
                f64::from(*twentieths) / 20.0
            );
            if *from > 0 {
                fleet += &format!("from_day = {from}\n");
            }
            match speed {
                0 => fleet += "transit = { dist = \"exponential\", mean = 12 }\n",
                s => fleet += &format!("speed = {}\n", f64::from(*s) / 10.0),
            }
        }
        let mut text = line_with(&fleet).replace("seed = 9", &format!("seed = {}", seed % 1000));
        for (k, (what, value, day)) in changes.iter().enumerate() {
            let assignment = match what {
                0 => format!("\"leg.sea.fleet.classes.c{}.vessels\" = {value}", k % classes.len()),
                1 => format!("\"node.a.berths\" = {}", (*value).min(3)),
                2 => format!("\"node.b.berths\" = {}", (*value).min(3)),
                _ if classes[0].4 != 0 => format!("\"leg.sea.fleet.classes.c0.speed\" = {}", f64::from(*value) / 2.0),
                _ => format!("\"leg.sea.fleet.max_wait_h\" = {}", 10 * value),
            };
            text += &format!("\n[[change]]\nid = \"c{k}\"\nat_day = {day}\nset = {{ {assignment} }}\n");
        }
        let model = model(&text);
        let mut limits = Limits { model: &model, violations: Vec::new() };
        // The engine asserts conservation (with cargo aboard) at the end; a panic fails.
        let stats = Simulation::new(&model).run_observed(model.settings.seed, 0, &mut limits);
        prop_assert!(limits.violations.is_empty(), "{:#?}", &limits.violations[..limits.violations.len().min(5)]);
        prop_assert!(stats.conservation.holds(), "{:?}", stats.conservation);
        let fleet_stats = &stats.fleets[0];
        prop_assert_eq!(fleet_stats.classes.iter().map(|c| c.departed_teu).sum::<u64>(), fleet_stats.departed_teu);
        // Never more vehicles in service or away than the most any model allows.
        let most: u32 = (0..classes.len())
            .map(|c| {
                std::iter::once(&model)
                    .chain(model.changes.iter().map(|x| &x.model))
                    .map(|m| m.fleets[0].classes[c].vehicles)
                    .max()
                    .unwrap()
            })
            .sum();
        prop_assert!(fleet_stats.away.max <= f64::from(most));
        if let Some(level) = &fleet_stats.in_service {
            prop_assert!(level.max <= f64::from(most));
        }
    }
}
