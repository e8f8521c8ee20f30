//! The engine against exact queueing results: M/M/1 and M/M/c (Erlang C), M/G/1
//! (Pollaczek-Khinchine), a tandem of M/M/c stations (Jackson's theorem) and Little's law.
//!
//! Each test runs independent replications with fixed seeds, discards a warm-up, and checks that
//! the exact value lies in the 99% confidence interval of the replication means.

use corridor::model::Dist;

use crate::common::{
    assert_in_ci, erlang_c_wait, mean_and_half_width, model, replications, single_node,
};

fn node_wait_means(text: &str, reps: u64) -> Vec<f64> {
    let model = model(text);
    replications(&model, reps)
        .iter()
        .map(|r| r.nodes[0].wait_h.mean().expect("services started"))
        .collect()
}

#[test]
fn erlang_c_formula_matches_known_values() {
    // M/M/1: Wq = rho / (mu - lambda).
    assert!((erlang_c_wait(0.8, 1.0, 1) - 4.0).abs() < 1e-12);
    // M/M/2 with a = 1, mu = 1: P(wait) = 1/3, Wq = 1/3 / (2 - 1) = 1/3.
    assert!((erlang_c_wait(1.0, 1.0, 2) - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn mm1_mean_wait_matches_exact() {
    // lambda = 0.8/h, mu = 1/h: rho = 0.8, Wq = 4 h.
    let text = single_node(
        0.8,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        3000.0,
        50.0,
    );
    let waits = node_wait_means(&text, 20);
    assert_in_ci("M/M/1 mean wait", &waits, erlang_c_wait(0.8, 1.0, 1));
}

#[test]
fn mm3_mean_wait_matches_erlang_c() {
    // lambda = 2.4/h, three servers at mu = 1/h: rho = 0.8.
    let text = single_node(
        2.4,
        3,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        1500.0,
        50.0,
    );
    let waits = node_wait_means(&text, 20);
    assert_in_ci("M/M/3 mean wait", &waits, erlang_c_wait(2.4, 1.0, 3));
}

#[test]
fn mg1_lognormal_mean_wait_matches_pollaczek_khinchine() {
    // lambda = 0.8/h, lognormal service with mean 1 h and cv 0.5: Wq = lambda E[S^2] / (2 (1 - rho)).
    let lambda = 0.8;
    let service = Dist::of("lognormal", &[("mean", 1.0.into()), ("cv", 0.5.into())]).unwrap();
    let rho = lambda * service.mean();
    let exact = lambda * service.second_moment().unwrap() / (2.0 * (1.0 - rho));
    let text = single_node(
        lambda,
        1,
        r#"{ dist = "lognormal", mean = 1.0, cv = 0.5 }"#,
        3000.0,
        50.0,
    );
    let waits = node_wait_means(&text, 20);
    assert_in_ci("M/G/1 mean wait", &waits, exact);
}

const TANDEM: &str = r#"
[scenario]
name = "tandem"
horizon_days = 1500
warmup_days = 50
seed = 777

[[node]]
id = "a"
kind = "border"
servers = 1
service = { dist = "exponential", mean = 0.4 }

[[node]]
id = "b"
kind = "terminal"
servers = 2
service = { dist = "exponential", mean = 0.8 }

[[node]]
id = "c"
kind = "port"
servers = 3
service = { dist = "exponential", mean = 1.0 }

[[leg]]
from = "a"
to = "b"
mode = "rail"
transit = 0

[[leg]]
from = "b"
to = "c"
mode = "rail"
transit = 0

[[route]]
id = "abc"
nodes = ["a", "b", "c"]

[[flow]]
id = "f"
route = "abc"
teu_per_year = 17520   # 2 per hour
"#;

#[test]
fn tandem_of_mmc_stations_matches_jackson() {
    // By Burke's theorem each station of the tandem sees Poisson arrivals at lambda = 2/h, so the
    // mean end-to-end time is the sum of the M/M/c sojourn times (Jackson 1957).
    let lambda = 2.0;
    let stations = [(2.5, 1), (1.25, 2), (1.0, 3)];
    let exact: f64 = stations
        .iter()
        .map(|(mu, c)| erlang_c_wait(lambda, *mu, *c) + 1.0 / mu)
        .sum();
    let model = model(TANDEM);
    let transits: Vec<f64> = replications(&model, 20)
        .iter()
        .map(|r| r.routes[0].transit_h.mean().unwrap())
        .collect();
    assert_in_ci("tandem mean end-to-end time", &transits, exact);
}

/// A network with block trains, finite yards (so blocking happens), unlimited-server delays and
/// seasonality: Little's law must hold at every node whatever the mechanics.
const LITTLE: &str = r#"
[scenario]
name = "little"
horizon_days = 750
warmup_days = 385
seed = 99

[[node]]
id = "border"
kind = "border"
servers = 2
service = { dist = "gamma", mean = 4.0, cv = 0.8 }

[[node]]
id = "clearance"
kind = "border"
service = { dist = "lognormal", mean = 20.0, cv = 0.6 }

[[node]]
id = "port"
kind = "port"
servers = 1
service = { dist = "triangular", min = 2, mode = 5, max = 9 }
yard_capacity = 500

[[leg]]
from = "border"
to = "clearance"
mode = "rail"
transit = { dist = "uniform", min = 1, max = 3 }

[[leg]]
from = "clearance"
to = "port"
mode = "rail"
transit = { dist = "triangular", min = 24, mode = 36, max = 60 }

[[route]]
id = "main"
nodes = ["border", "clearance", "port"]

[[flow]]
id = "trains"
route = "main"
teu_per_year = 70000
arrivals = "block_trains"
train_teu = 100
seasonality = [1.3, 1.3, 1.2, 1, 0.8, 0.7, 0.7, 0.8, 1, 1.1, 1.2, 1.3]
"#;

#[test]
fn littles_law_holds_at_every_node() {
    // Per replication and node, d = L - (D / T) W: L the time-average number at the node over the
    // window of T hours, D the consignments that left it in the window and W their mean sojourn.
    // On a sample path L T - D W is the sum of the ages of those present at the window's end
    // minus the sum of the ages (before the window) of those present at its start (Stidham
    // 1974). The flow is seasonal, so these two are equal in expectation only if the window's
    // ends meet the system in the same state: the warm-up is a year and 20 days (the
    // periodic regime is reached, the empty start forgotten) and the window exactly one year, so
    // both ends fall on 20 January of a periodic steady state and E[d] = 0 exactly. (With a
    // window of 380 days from day 20, as this test had, the end meets the congestion built over
    // a whole high season and the start does not: a positive bias of about 0.02 trains at the
    // clearance, which failed about one seed in ten. With arrivals instead of departures,
    // D - A = N(start) - N(end) adds another edge term.) Three nodes, one assertion each, each
    // at confidence 1 - 0.001/3 (Bonferroni, see `common::CONFIDENCE`).
    let model = model(LITTLE);
    let reps = replications(&model, 20);
    let blocked: f64 = reps.iter().map(|r| r.nodes[1].blocked.mean()).sum();
    assert!(blocked > 0.0, "the scenario should exercise blocking");
    let confidence = 1.0 - (1.0 - crate::common::CONFIDENCE) / model.nodes.len() as f64;
    for (i, node) in model.nodes.iter().enumerate() {
        let differences: Vec<f64> = reps
            .iter()
            .map(|r| {
                let stats = &r.nodes[i];
                let departures = stats.sojourn_h.weight;
                stats.in_node.mean() - departures / r.window_h * stats.sojourn_h.mean().unwrap()
            })
            .collect();
        let mean_l: f64 =
            reps.iter().map(|r| r.nodes[i].in_node.mean()).sum::<f64>() / reps.len() as f64;
        let (mean, half_width) = mean_and_half_width(&differences, confidence);
        eprintln!(
            "Little's law at {}: L - lambda W = {mean:.4} ± {half_width:.4} (L = {mean_l:.3})",
            node.id
        );
        assert!(
            mean.abs() <= half_width,
            "Little's law at {}: L - lambda W = {mean:.4} ± {half_width:.4} (L = {mean_l:.3})",
            node.id
        );
        // The test must be able to fail: a 5% error in W or L is outside the interval.
        assert!(
            half_width < 0.05 * mean_l,
            "interval at {} too wide to test",
            node.id
        );
    }
}

#[test]
fn littles_law_holds_for_the_whole_route_with_cargo_held_at_the_origin() {
    // M/M/1 with a yard of 3 TEU (at most 3 containers at the node) and lambda = 0.8/h: cargo
    // that finds the yard full waits at the origin. TEU in the system = held at the origin +
    // at the node, so L = origin_held_mean_teu + yard_mean_teu must equal the throughput times
    // the mean end-to-end time (which starts at generation).
    let text = single_node(
        0.8,
        1,
        r#"{ dist = "exponential", mean = 1.0 }"#,
        2000.0,
        20.0,
    )
    .replace("servers = 1", "servers = 1\nyard_capacity = 3");
    let model = model(&text);
    let reps = replications(&model, 20);
    let ratio: Vec<f64> = reps
        .iter()
        .map(|r| {
            let held = r.flows[0].origin_teu.mean() + r.nodes[0].yard_teu.mean();
            let throughput = r.routes[0].delivered_teu as f64 / r.window_h;
            held / (throughput * r.routes[0].transit_h.mean().unwrap())
        })
        .collect();
    assert!(reps.iter().all(|r| r.flows[0].origin_teu.mean() > 0.5));
    assert_in_ci("L / (lambda W) for the whole route", &ratio, 1.0);
}
