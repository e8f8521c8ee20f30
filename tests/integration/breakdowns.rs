//! Breakdowns of node servers (`[node.breakdown]`): M/M/1 with preemptive-resume breakdowns
//! against its exact values (`analytic::mm1_with_breakdowns`) for both failure clocks,
//! availability with general up and repair times, and `restart` and `finish` event by event
//! against a direct recursion of their rules.

use corridor::base::SimTime;
use corridor::engine::{Observer, Simulation};
use corridor::model::{FlowId, NodeId, RouteId};

use crate::analytic::mm1_with_breakdowns;
use crate::common::{assert_in_ci, model, replications, single_node};

fn with_breakdown(text: &str, breakdown: &str) -> String {
    text.replacen(
        "\n[[route]]",
        &format!("\n[node.breakdown]\n{breakdown}\n\n[[route]]"),
        1,
    )
}

fn check_mm1(busy_clock: bool) {
    let (lambda, mu, up_h, repair_h) = (0.6, 1.0, 20.0, 2.0);
    let exact = mm1_with_breakdowns(lambda, mu, 1.0 / up_h, 1.0 / repair_h, busy_clock);
    let clock = if busy_clock { "busy" } else { "always" };
    let text = with_breakdown(
        &single_node(
            lambda,
            1,
            r#"{ dist = "exponential", mean = 1.0 }"#,
            3000.0,
            50.0,
        ),
        &format!(
            "up = {{ dist = \"exponential\", mean = {up_h} }}\nrepair = {{ dist = \"exponential\", mean = {repair_h} }}\nclock = \"{clock}\"\ninterrupted = \"resume\""
        ),
    );
    let model = model(&text);
    let reps = replications(&model, 20);
    let sojourn: Vec<f64> = reps
        .iter()
        .map(|r| r.nodes[0].sojourn_h.mean().unwrap())
        .collect();
    let queue: Vec<f64> = reps.iter().map(|r| r.nodes[0].queue.mean()).collect();
    let availability: Vec<f64> = reps
        .iter()
        .map(|r| 1.0 - r.breakdowns[0].down.mean())
        .collect();
    assert_in_ci(
        &format!("{clock} clock: mean sojourn"),
        &sojourn,
        exact.sojourn_h,
    );
    assert_in_ci(&format!("{clock} clock: mean queue"), &queue, exact.queue);
    assert_in_ci(
        &format!("{clock} clock: availability"),
        &availability,
        exact.availability,
    );
    for r in &reps {
        assert!(r.conservation.holds());
        assert!(r.breakdowns[0].failures > 0);
    }
}

#[test]
fn mm1_with_breakdowns_on_the_always_running_clock_matches_exact() {
    // Exact: W = 3.7701 h, Lq = 1.6020, availability 10/11 (analytic::mm1_with_breakdowns).
    check_mm1(false);
}

#[test]
fn mm1_with_breakdowns_on_the_busy_clock_matches_exact() {
    // Exact: W = 3.5882 h, Lq = 1.4929, availability 0.94 (Pollaczek-Khinchine with the
    // completion time).
    check_mm1(true);
}

#[test]
fn availability_is_up_over_up_plus_repair_with_general_times() {
    // Three servers, each alternating a uniform up time (mean 30 h) and a lognormal repair (mean
    // 6 h, cv 1.5) on the always-running clock, without a crew limit: by renewal-reward each
    // server is up 30 / 36 of the time, whatever the load.
    let text = with_breakdown(
        &single_node(
            1.5,
            3,
            r#"{ dist = "gamma", mean = 1.0, cv = 0.7 }"#,
            2000.0,
            20.0,
        ),
        "up = { dist = \"uniform\", min = 10, max = 50 }\nrepair = { dist = \"lognormal\", mean = 6, cv = 1.5 }\nclock = \"always\"\ninterrupted = \"restart\"",
    );
    let model = model(&text);
    let reps = replications(&model, 20);
    let availability: Vec<f64> = reps
        .iter()
        .map(|r| 1.0 - r.breakdowns[0].down.mean() / 3.0)
        .collect();
    assert_in_ci("availability, general times", &availability, 30.0 / 36.0);
    // Failures: each server fails once per 36 h cycle.
    let rate: Vec<f64> = reps
        .iter()
        .map(|r| r.breakdowns[0].failures as f64 / r.window_h * 36.0 / 3.0)
        .collect();
    assert_in_ci("failures per server per mean cycle", &rate, 1.0);
    // The share of waiting caused by breakdowns is a share.
    for r in &reps {
        let share = r.breakdowns[0].delay.mean() / r.breakdowns[0].waiting.mean();
        assert!(share > 0.0 && share <= 1.0, "{share}");
    }
}

/// Records arrivals, deliveries and failures.
#[derive(Default)]
struct Trace {
    arrivals: Vec<f64>,
    deliveries: Vec<f64>,
    failures: Vec<f64>,
    repairs: Vec<f64>,
}

impl Observer for Trace {
    fn generated(&mut self, time: SimTime, _flow: FlowId, _route: RouteId, _teu: u32) {
        self.arrivals.push(time.hours());
    }
    fn delivered(&mut self, time: SimTime, _route: RouteId, _teu: u32, _transit_h: f64) {
        self.deliveries.push(time.hours());
    }
    fn server_failed(&mut self, time: SimTime, _node: NodeId, _server: u32) {
        self.failures.push(time.hours());
    }
    fn server_repaired(&mut self, time: SimTime, _node: NodeId, _server: u32) {
        self.repairs.push(time.hours());
    }
}

const UP_H: f64 = 10.0;
const REPAIR_H: f64 = 2.3;
const SERVICE_H: f64 = 3.7;

/// The completion times of one FIFO server with constant service `SERVICE_H` that fails
/// `UP_H` hours after each repair (always-running clock) and is repaired in `REPAIR_H`, fed by
/// `arrivals`, written directly from the rules in docs/scenario.md. Also the failure times.
fn reference(arrivals: &[f64], mode: &str, horizon: f64) -> (Vec<f64>, Vec<f64>) {
    let mut done = Vec::new();
    let mut failures = Vec::new();
    let mut free_at = 0.0_f64; // no job on the server from then on
    let mut next_fail = UP_H; // when the up time ends
    for &a in arrivals {
        let mut start = f64::max(a, free_at);
        let mut work = SERVICE_H;
        loop {
            // Failures while idle take effect at once.
            while next_fail <= start {
                failures.push(next_fail);
                let up_again = next_fail + REPAIR_H;
                next_fail = up_again + UP_H;
                start = start.max(up_again);
            }
            let end = start + work;
            if end < next_fail {
                done.push(end);
                free_at = end;
                break;
            }
            failures.push(next_fail);
            match mode {
                "restart" => {
                    start = next_fail + REPAIR_H;
                    next_fail = start + UP_H;
                    work = SERVICE_H;
                }
                "finish" => {
                    // The failure waits for the end of the service; the repair starts then.
                    *failures.last_mut().unwrap() = end;
                    done.push(end);
                    free_at = end + REPAIR_H;
                    next_fail = free_at + UP_H;
                    break;
                }
                _ => unreachable!(),
            }
        }
    }
    // Failures while idle after the last job.
    while next_fail < horizon {
        if *failures.last().unwrap_or(&-1.0) < next_fail {
            failures.push(next_fail);
        }
        next_fail += REPAIR_H + UP_H;
    }
    done.retain(|&t| t < horizon);
    failures.retain(|&t| t < horizon);
    failures.dedup();
    (done, failures)
}

fn check_event_exact(mode: &str) {
    let text = with_breakdown(
        &single_node(0.15, 1, &SERVICE_H.to_string(), 60.0, 0.0),
        &format!("up = {UP_H}\nrepair = {REPAIR_H}\nclock = \"always\"\ninterrupted = \"{mode}\""),
    );
    let model = model(&text);
    let horizon = model.settings.horizon.hours();
    let mut trace = Trace::default();
    let stats = Simulation::new(&model).run_observed(7, 0, &mut trace);
    let (done, failures) = reference(&trace.arrivals, mode, horizon);
    assert!(done.len() > 100, "{}", done.len());
    assert_eq!(trace.deliveries.len(), done.len(), "{mode}: deliveries");
    for (got, want) in trace.deliveries.iter().zip(&done) {
        assert!(
            (got - want).abs() < 1e-9,
            "{mode}: delivered at {got}, expected {want}"
        );
    }
    assert_eq!(trace.failures.len(), failures.len(), "{mode}: failures");
    for (got, want) in trace.failures.iter().zip(&failures) {
        assert!(
            (got - want).abs() < 1e-9,
            "{mode}: failed at {got}, expected {want}"
        );
    }
    // Every repair takes exactly REPAIR_H (no crew limit).
    for (f, r) in trace.failures.iter().zip(&trace.repairs) {
        assert!((r - f - REPAIR_H).abs() < 1e-9);
    }
    assert_eq!(stats.breakdowns[0].failures, failures.len() as u64);
}

#[test]
fn restart_loses_the_work_done_event_by_event() {
    check_event_exact("restart");
}

#[test]
fn finish_serves_to_the_end_then_fails_event_by_event() {
    check_event_exact("finish");
}

#[test]
fn a_repair_crew_limit_queues_failed_servers() {
    // Two servers that fail together (constant up time) and one crew: the second repair starts
    // when the first ends.
    let text = with_breakdown(
        &single_node(0.01, 2, "1", 10.0, 0.0),
        "up = 50\nrepair = 4\ncrews = 1",
    );
    let model = model(&text);
    let mut trace = Trace::default();
    Simulation::new(&model).run_observed(1, 0, &mut trace);
    assert_eq!(&trace.failures[..2], &[50.0, 50.0]);
    assert_eq!(&trace.repairs[..2], &[54.0, 58.0]);
}

#[test]
fn dated_changes_of_breakdowns_are_refused_with_their_reason() {
    let base = with_breakdown(
        &single_node(0.5, 2, "1.0", 100.0, 0.0),
        "up = 50\nrepair = 4",
    );
    let refused = |set: &str| {
        let text = format!("{base}\n[[change]]\nid = \"c\"\nat_day = 10\nset = {{ {set} }}\n");
        let err = corridor::scenario::from_str(&text, "test.toml")
            .unwrap_err()
            .to_string();
        let line = text.lines().position(|l| l.starts_with("set = ")).unwrap() + 1;
        assert!(err.contains(&format!("test.toml:{line}:")), "{err}");
        err
    };
    for path in [
        "node.station.breakdown.repair",
        "node.station.breakdown.up",
        "node.station.breakdown.crews",
    ] {
        let err = refused(&format!("\"{path}\" = 2"));
        assert!(
            err.contains(&format!(
                "\"{path}\" cannot change at a date: breakdowns cannot change at a date"
            )),
            "{err}"
        );
    }
    let err = refused("\"node.station.servers\" = 3");
    assert!(
        err.contains("node.station.servers: the servers of a node with breakdowns cannot change"),
        "{err}"
    );
    // Without breakdowns the servers may change.
    let text = format!(
        "{}\n[[change]]\nid = \"c\"\nat_day = 10\nset = {{ \"node.station.servers\" = 3 }}\n",
        single_node(0.5, 2, "1.0", 100.0, 0.0)
    );
    corridor::scenario::from_str(&text, "test.toml").unwrap();
}
