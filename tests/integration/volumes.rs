//! Demand through time (issue 16): paused flows (`teu_per_year = 0`, at the start or set at a
//! date), volumes by calendar year (`teu_by_year`), disruption rates changed at a date, fleet
//! classes of no vehicles, and the overload warning period by period.

use corridor::base::time::SimTime;
use corridor::engine::Simulation;
use corridor::engine::observer::Observer;
use corridor::model::load::{offered_loads_by_period, overload_warnings};
use corridor::model::{FlowId, RouteId};

use crate::common::{assert_in_ci, model, replications};

/// Arrival times (hours) of every consignment generated.
#[derive(Default)]
struct Arrivals(Vec<f64>);

impl Observer for Arrivals {
    fn generated(&mut self, time: SimTime, _flow: FlowId, _route: RouteId, _teu: u32) {
        self.0.push(time.hours());
    }
}

/// One flow of single containers into an unlimited gate over `days`: `volume` is its volume
/// line(s), `tail` more sections (changes).
fn gate(days: f64, volume: &str, tail: &str) -> String {
    format!(
        r#"
[scenario]
name = "volumes"
horizon_days = {days}
start = "2025-01-01"
seed = 41

[[node]]
id = "gate"
kind = "terminal"

[[route]]
id = "r"
nodes = ["gate"]

[[flow]]
id = "f"
route = "r"
{volume}
{tail}
"#
    )
}

/// Each replication's arrival times.
fn arrival_times(text: &str, n: u64) -> Vec<Vec<f64>> {
    let model = model(text);
    let mut sim = Simulation::new(&model);
    (0..n)
        .map(|r| {
            let mut log = Arrivals::default();
            sim.run_observed(model.settings.seed, r, &mut log);
            log.0
        })
        .collect()
}

/// How many of `times` fall in `[from_day, to_day)`.
fn count_in(times: &[f64], from_day: f64, to_day: f64) -> f64 {
    times
        .iter()
        .filter(|t| **t >= from_day * 24.0 && **t < to_day * 24.0)
        .count() as f64
}

// ------------------------------------------------------------------------------ paused flows

#[test]
fn a_flow_of_zero_teu_generates_nothing_and_the_run_completes() {
    let model = model(&gate(200.0, "teu_per_year = 0", ""));
    assert!(model.flows[0].paused());
    for stats in replications(&model, 3) {
        assert_eq!(stats.conservation.generated_teu, 0);
        assert_eq!(stats.conservation.delivered_teu, 0);
    }
}

#[test]
fn a_flow_paused_at_a_date_stops_and_restarts_with_its_new_volume() {
    // 7300 TEU a year is 20 a day: running for days [0, 100), paused for [100, 200), running
    // again at twice the volume for [200, 300).
    let changes = r#"
[[change]]
id = "pause"
at_day = 100
scale = { "flow.f.teu_per_year" = 0 }

[[change]]
id = "restart"
at_day = 200
set = { "flow.f.teu_per_year" = 14600 }
"#;
    let runs = arrival_times(&gate(300.0, "teu_per_year = 7300", changes), 30);
    for times in &runs {
        assert_eq!(
            count_in(times, 100.0, 200.0),
            0.0,
            "an arrival while the flow was paused"
        );
    }
    let before: Vec<f64> = runs.iter().map(|t| count_in(t, 0.0, 100.0)).collect();
    let after: Vec<f64> = runs.iter().map(|t| count_in(t, 200.0, 300.0)).collect();
    assert_in_ci("arrivals in days 0-100", &before, 2000.0);
    assert_in_ci("arrivals in days 200-300 after the restart", &after, 4000.0);
}

#[test]
fn a_flow_paused_from_the_start_begins_at_the_date_a_change_gives_it_a_volume() {
    let change = r#"
[[change]]
id = "open"
at = "2025-04-11"
set = { "flow.f.teu_per_year" = 7300 }
"#;
    // 2025-04-11 is day 100.
    let runs = arrival_times(&gate(200.0, "teu_per_year = 0", change), 30);
    let first = runs
        .iter()
        .map(|t| t.first().copied().unwrap_or(f64::INFINITY))
        .fold(f64::INFINITY, f64::min);
    assert!(first >= 100.0 * 24.0, "first arrival at {first} h");
    let counts: Vec<f64> = runs.iter().map(|t| t.len() as f64).collect();
    assert_in_ci("arrivals in days 100-200", &counts, 2000.0);
}

// ------------------------------------------------------------------------------ volumes by year

/// The exact expected TEU over the run: the integral of the flow's volume times the seasonal
/// factor of the real month, by the midpoint rule per minute (exact within each year's months;
/// the few minutes that straddle a boundary change the total by far less than the CI).
fn integral_of_volume(model: &corridor::model::Model) -> f64 {
    let flow = &model.flows[0];
    let steps = (model.settings.horizon.hours() * 60.0) as usize;
    (0..steps)
        .map(|i| {
            let t = SimTime::from_hours((i as f64 + 0.5) / 60.0);
            flow.volume_at(t) * flow.seasonality[model.settings.calendar.month(t)]
        })
        .sum::<f64>()
        / 60.0
        / corridor::base::time::HOURS_PER_YEAR
}

#[test]
fn arrivals_by_calendar_year_follow_the_yearly_volumes_and_the_last_one_holds() {
    // Four calendar years from 2025 (2028 is a leap year: one more day's worth of its volume),
    // a list of three volumes (a year paused in the middle), the last holding for 2028.
    let text = gate(
        4.0 * 365.0 + 1.0,
        "teu_by_year = [3000, 0, 6000]\nseasonality = [1.0, 0.9, 0.83, 0.8, 0.83, 0.9, 1.0, 1.1, 1.17, 1.2, 1.17, 1.1]",
        "",
    );
    let model = model(&text);
    let flow = &model.flows[0];
    assert_eq!(flow.teu_per_year, 6000.0);
    assert_eq!(flow.by_year.len(), 4);
    // Closed form without seasonality: each year's volume over its days (seasonality keeps
    // each year's total, up to the leap day of 2028 in February).
    let exact = integral_of_volume(&model);
    let plain = 3000.0 + 0.0 + 6000.0 + 6000.0 * 366.0 / 365.0;
    assert!(
        (exact - plain).abs() < 0.01 * plain,
        "integral {exact} vs closed form {plain}"
    );
    let runs = arrival_times(&text, 30);
    for times in &runs {
        assert_eq!(count_in(times, 365.0, 730.0), 0.0, "an arrival in 2026");
    }
    let totals: Vec<f64> = runs.iter().map(|t| t.len() as f64).collect();
    assert_in_ci("TEU over 2025-2028 by yearly volumes", &totals, exact);
    let year_2027: Vec<f64> = runs.iter().map(|t| count_in(t, 730.0, 1095.0)).collect();
    assert_in_ci("TEU in 2027", &year_2027, 6000.0);
}

#[test]
fn yearly_volumes_start_with_the_calendar_year_of_the_start() {
    // A run from 1 July: the first volume covers six months of 2025, the second all of 2026.
    let text = gate(365.0, "teu_by_year = [1000, 5000]", "")
        .replace("start = \"2025-01-01\"", "start = \"2025-07-01\"");
    let model = model(&text);
    let flow = &model.flows[0];
    // 1 July to 1 January is 184 days.
    assert_eq!(flow.by_year[1].0, 184.0 * 24.0);
    assert_eq!(flow.volume_at(SimTime::from_hours(183.0 * 24.0)), 1000.0);
    assert_eq!(flow.volume_at(SimTime::from_hours(184.0 * 24.0)), 5000.0);
    let exact = (1000.0 * 184.0 + 5000.0 * 181.0) / 365.0;
    assert!((flow.mean_volume(SimTime::ZERO, model.settings.horizon) - exact).abs() < 1e-9);
}

#[test]
fn a_change_sets_one_year_of_a_yearly_list_or_scales_it() {
    let change = r#"
[[change]]
id = "more-in-2026"
at_day = 100
set = { "flow.f.teu_by_year.1" = 8000 }

[[change]]
id = "double"
at_day = 200
scale = { "flow.f.teu_by_year" = 2 }
"#;
    let model = model(&gate(730.0, "teu_by_year = [1000, 2000]", change));
    let day = |d: f64| SimTime::from_hours(d * 24.0);
    let set = &model.changes[0].model.flows[0];
    assert_eq!(set.volume_at(day(100.0)), 1000.0);
    assert_eq!(set.volume_at(day(400.0)), 8000.0);
    let doubled = &model.changes[1].model.flows[0];
    assert_eq!(doubled.volume_at(day(200.0)), 2000.0);
    assert_eq!(doubled.volume_at(day(400.0)), 16000.0);
    // teu_per_year is not a parameter of such a flow: a change that writes it is refused with
    // the way to change the volume.
    let bad = gate(
        730.0,
        "teu_by_year = [1000, 2000]",
        "[[change]]\nid = \"bad\"\nat_day = 100\nset = { \"flow.f.teu_per_year\" = 5 }\n",
    );
    let error = problems(&bad);
    assert!(
        error.contains("change \"bad\"") && error.contains("teu_by_year.K"),
        "{error}"
    );
}

// ------------------------------------------------------------------------------ disruption rates

/// A gate with a random closure of `rate` starts a year and a changes section.
fn storms(rate: f64, tail: &str) -> String {
    gate(
        730.0,
        "teu_per_year = 100",
        &format!(
            r#"
[[disruption]]
id = "storm"
nodes = ["gate"]
rate_per_year = {rate}
duration = {{ dist = "exponential", mean = 6 }}
{tail}
"#
        ),
    )
}

#[test]
fn a_disruption_rate_changed_at_a_date_applies_from_that_instant() {
    let change = r#"
[[change]]
id = "stormier"
at_day = 365
scale = { "disruption.storm.rate_per_year" = 4, "disruption.storm.duration" = 2 }
"#;
    let model = model(&storms(40.0, change));
    let runs = replications(&model, 30);
    let starts = |from: f64, to: f64| -> Vec<f64> {
        runs.iter()
            .map(|s| {
                s.disruption_log
                    .iter()
                    .filter(|e| e.start_h >= from * 24.0 && e.start_h < to * 24.0)
                    .count() as f64
            })
            .collect()
    };
    assert_in_ci("storms in the first year", &starts(0.0, 365.0), 40.0);
    assert_in_ci("storms in the second year", &starts(365.0, 730.0), 160.0);
    // Episodes that start after the change draw the new duration (mean 12 h).
    let durations: Vec<f64> = runs
        .iter()
        .map(|s| {
            let after: Vec<f64> = s
                .disruption_log
                .iter()
                .filter(|e| e.start_h >= 365.0 * 24.0)
                .map(|e| e.end_h - e.start_h)
                .collect();
            after.iter().sum::<f64>() / after.len() as f64
        })
        .collect();
    assert_in_ci("mean storm length after the change", &durations, 12.0);
}

#[test]
fn a_disruption_silenced_at_a_date_starts_nothing_until_its_rate_returns() {
    let change = r#"
[[change]]
id = "calm"
at_day = 200
scale = { "disruption.storm.rate_per_year" = 0 }

[[change]]
id = "storms-again"
at_day = 400
set = { "disruption.storm.rate_per_year" = 40 }
"#;
    let model = model(&storms(40.0, change));
    let runs = replications(&model, 20);
    let mut later = 0;
    for stats in &runs {
        for e in &stats.disruption_log {
            assert!(
                !(e.start_h >= 200.0 * 24.0 && e.start_h < 400.0 * 24.0),
                "a storm started at {} h while the rate was 0",
                e.start_h
            );
            later += usize::from(e.start_h >= 400.0 * 24.0);
        }
    }
    assert!(later > 0, "no storm after the rate returned");
}

#[test]
fn an_episode_under_way_keeps_its_duration_when_the_duration_changes() {
    // A scheduled 48 h closure from day 10; on day 11 the duration becomes 5 h: the episode
    // under way still ends on day 12.
    let text = gate(
        30.0,
        "teu_per_year = 100",
        r#"
[[disruption]]
id = "works"
nodes = ["gate"]
start_day = 10
duration = 48

[[change]]
id = "shorter"
at_day = 11
set = { "disruption.works.duration" = 5 }
"#,
    );
    let model = model(&text);
    let stats = &replications(&model, 1)[0];
    assert_eq!(stats.disruption_log.len(), 1);
    assert_eq!(stats.disruption_log[0].start_h, 240.0);
    assert_eq!(stats.disruption_log[0].end_h, 288.0);
}

// ------------------------------------------------------------------------------ empty classes

const FERRY: &str = r#"
[scenario]
name = "ferry"
horizon_days = 120
start = "2025-01-01"
seed = 3

[[node]]
id = "home"
kind = "port"

[[node]]
id = "far"
kind = "port"

[[leg]]
id = "crossing"
from = "home"
to = "far"
mode = "sea"
transit = 20

[leg.fleet]
capacity_teu = 50
return = 20
load_time = 2
unload_time = 2

[leg.fleet.classes.old]
vessels = OLD

[leg.fleet.classes.new]
vessels = 0
from = "2025-03-02"

[[route]]
id = "r"
nodes = ["home", "far"]

[[flow]]
id = "f"
route = "r"
teu_per_year = 9000
CHANGES
"#;

#[test]
fn a_class_of_no_vessels_is_valid_and_carries_once_a_change_gives_it_vessels() {
    let text = FERRY.replace("OLD", "1").replace(
        "CHANGES",
        "[[change]]\nid = \"delivery\"\nat_day = 90\nset = { \"leg.crossing.fleet.classes.new.vessels\" = 2 }\n",
    );
    let ferry = model(&text);
    let new = ferry.fleets[0]
        .classes
        .iter()
        .position(|c| c.id == "new")
        .unwrap();
    assert_eq!(ferry.fleets[0].classes[new].vehicles, 0);
    for stats in replications(&ferry, 3) {
        let fleet = &stats.fleets[0];
        assert!(
            fleet.classes[new].departures > 0,
            "the new class never sailed"
        );
        assert!(stats.conservation.holds(), "TEU not conserved");
    }
    // Without the change, the class never sails.
    let idle = model(&FERRY.replace("OLD", "1").replace("CHANGES", ""));
    for stats in replications(&idle, 2) {
        assert_eq!(stats.fleets[0].classes[new].departures, 0);
    }
}

// ------------------------------------------------------------------------------ overload warning

#[test]
fn the_overload_warning_follows_class_entry_dates_and_dated_changes() {
    // 9000 TEU a year is about 1.03 TEU/h; one 50-TEU vessel on a 44 h cycle carries 1.14 TEU/h
    // (load 0.90). Doubling the flow on day 60 overloads the fleet until the two new vessels
    // come on day 90 (as a change of the class count).
    let text = FERRY.replace("OLD", "1").replace(
        "CHANGES",
        "[[change]]\nid = \"surge\"\nat_day = 60\nscale = { \"flow.f.teu_per_year\" = 2 }\n\n\
         [[change]]\nid = \"delivery\"\nat_day = 90\nset = { \"leg.crossing.fleet.classes.new.vessels\" = 2 }\n",
    );
    let ferry = model(&text);
    let periods = offered_loads_by_period(&ferry);
    let cuts: Vec<f64> = periods.iter().map(|p| p.from.days()).collect();
    // The class's entry date (2 March, day 60) and the surge coincide; the delivery is day 90.
    assert_eq!(cuts, vec![0.0, 60.0, 90.0]);
    let warnings = overload_warnings(&ferry);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("from 2025-03-02 to 2025-04-01, fleet \"crossing\""),
        "{}",
        warnings[0]
    );
    // A class that enters later counts only from its date: with the two new vessels in service
    // from 1 March (class `from`) and no change, nothing is overloaded even at twice the flow.
    let later = FERRY
        .replace("OLD", "1")
        .replace("vessels = 0\nfrom", "vessels = 2\nfrom")
        .replace("teu_per_year = 9000", "teu_per_year = 18000")
        .replace("CHANGES", "");
    let warnings = overload_warnings(&model(&later));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("from 2025-01-01 to 2025-03-02, fleet"),
        "{}",
        warnings[0]
    );
}

// ------------------------------------------------------------------------------ bad input

/// The scenario's problems, as the validator reports them.
fn problems(text: &str) -> String {
    match corridor::scenario::from_str(text, "test.toml") {
        Ok(_) => panic!("the scenario should be refused"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn volumes_and_changes_that_cannot_be_are_refused_with_their_place() {
    let both = problems(&gate(30.0, "teu_per_year = 5\nteu_by_year = [1, 2]", ""));
    assert!(
        both.contains("flow \"f\": gives both teu_per_year and teu_by_year"),
        "{both}"
    );
    let none = problems(&gate(30.0, "", ""));
    assert!(
        none.contains("flow \"f\".teu_per_year: is required"),
        "{none}"
    );
    let grown = problems(&gate(
        30.0,
        "teu_by_year = [1, 2]\ngrowth_per_year = 0.1",
        "",
    ));
    assert!(
        grown.contains("growth_per_year: cannot be combined with teu_by_year"),
        "{grown}"
    );
    let negative = problems(&gate(30.0, "teu_by_year = [1000, -2]", ""));
    assert!(
        negative.contains("teu_by_year: volume 2 (year 2) must be 0 (the flow is paused)"),
        "{negative}"
    );
    let empty = problems(&gate(30.0, "teu_by_year = []", ""));
    assert!(
        empty.contains("must list from 1 to 1000 yearly volumes"),
        "{empty}"
    );
    let effect = problems(&storms(
        4.0,
        "[[change]]\nid = \"milder\"\nat_day = 10\nset = { \"disruption.storm.capacity_factor\" = 0.5 }\n",
    ));
    assert!(
        effect.contains("change \"milder\"")
            && effect.contains("what an episode does to its targets is fixed"),
        "{effect}"
    );
    let class = problems(&FERRY.replace("OLD", "-1").replace("CHANGES", ""));
    assert!(
        class.contains("classes.old.vessels: must be a whole number from 0 to 10000, got -1"),
        "{class}"
    );
    let index = problems(&gate(
        30.0,
        "teu_by_year = [1, 2]",
        "[[change]]\nid = \"far\"\nat_day = 10\nset = { \"flow.f.teu_by_year.5\" = 3 }\n",
    ));
    assert!(
        index.contains("the list has 2 entries (indices from 0 to 1)"),
        "{index}"
    );
}
