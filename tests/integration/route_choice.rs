//! Route choice (`[flow.choice]`): logit shares against the logit probabilities, join the
//! shortest queue between the pooled M/M/2 and two M/M/1 queues, a closure moving cargo to the
//! other route and back (event by event, with and without an information delay and a switching
//! threshold), conservation and determinism for every rule, and bad input; the decision node
//! (`decide_at`): a closure moving cargo at the junction event by event, the origin's draws kept,
//! conservation, determinism and bad input.

use corridor::base::time::SimTime;
use corridor::engine::Simulation;
use corridor::engine::observer::Observer;
use corridor::experiment::{self, RunConfig, Runner};
use corridor::model::{FlowId, Model, RouteId};
use corridor::scenario;

use crate::common::{
    CONFIDENCE, assert_in_ci, erlang_c_wait, mean_and_half_width, model, replications, test_seed,
};

/// Parallel routes from a pass-through origin `o` to one node each (`x0`, `x1`, ...), each node
/// with `servers` (`None`: unlimited) and `service`, each route with its money cost; one flow of
/// `per_h` containers an hour over them with the choice table `choice` (TOML lines), and `extra`
/// appended (disruptions).
fn parallel_routes(
    routes: &[(Option<u32>, &str, f64)],
    per_h: f64,
    choice: &str,
    horizon_days: f64,
    extra: &str,
) -> String {
    let mut text = format!(
        "[scenario]\nname = \"parallel\"\nhorizon_days = {horizon_days}\nwarmup_days = 20\nseed = 2020\n\n\
         [[node]]\nid = \"o\"\nkind = \"terminal\"\nservice = 0\n\n"
    );
    for (k, (servers, service, _)) in routes.iter().enumerate() {
        text += &format!("[[node]]\nid = \"x{k}\"\nkind = \"terminal\"\nservice = {service}\n");
        if let Some(c) = servers {
            text += &format!("servers = {c}\n");
        }
        text +=
            &format!("\n[[leg]]\nfrom = \"o\"\nto = \"x{k}\"\nmode = \"rail\"\ntransit = 0\n\n");
    }
    for (k, (_, _, cost)) in routes.iter().enumerate() {
        text += &format!(
            "[[route]]\nid = \"r{k}\"\nnodes = [\"o\", \"x{k}\"]\ncost_per_teu = {cost}\n\n"
        );
    }
    let shares: Vec<String> = (0..routes.len())
        .map(|k| {
            format!(
                "{{ route = \"r{k}\", share = {} }}",
                1.0 / routes.len() as f64
            )
        })
        .collect();
    text += &format!(
        "[[flow]]\nid = \"f\"\nroutes = [{}]\nteu_per_year = {}\n{choice}\n\n{extra}",
        shares.join(", "),
        per_h * 8760.0
    );
    text
}

/// Each replication's share of the flow's TEU per route.
fn shares(model: &Model, reps: u64) -> Vec<Vec<f64>> {
    replications(model, reps)
        .iter()
        .map(|rep| {
            let flow = &rep.flows[0];
            assert_eq!(flow.route_teu.iter().sum::<u64>(), flow.generated_teu);
            flow.route_teu
                .iter()
                .map(|&teu| teu as f64 / flow.generated_teu as f64)
                .collect()
        })
        .collect()
}

/// Logit probabilities of generalised costs `g` with scale `theta`, by hand.
fn logit(g: &[f64], theta: f64) -> Vec<f64> {
    let weights: Vec<f64> = g.iter().map(|g| (-theta * g).exp()).collect();
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

#[test]
fn logit_shares_equal_the_logit_probabilities_for_two_and_three_routes() {
    // Pure delays (unlimited servers): each route's expected time is its constant service time
    // whatever the state, so the generalised cost is state-independent:
    // g = cost + v x T, with v = 48 per TEU-day = 2 per TEU-hour.
    let routes = [(None, "10", 100.0), (None, "20", 0.0), (None, "40", 50.0)];
    let choice = "[flow.choice]\nrule = \"logit\"\nscale = 0.02\nvalue_of_time_per_teu_day = 48";
    let g = [100.0 + 2.0 * 10.0, 2.0 * 20.0, 50.0 + 2.0 * 40.0];
    for n in [2, 3] {
        let model = model(&parallel_routes(&routes[..n], 2.0, choice, 400.0, ""));
        let exact = logit(&g[..n], 0.02);
        let per_rep = shares(&model, 20);
        for (k, p) in exact.iter().enumerate() {
            let values: Vec<f64> = per_rep.iter().map(|s| s[k]).collect();
            assert_in_ci(&format!("logit share of route {k} of {n}"), &values, *p);
        }
    }
}

/// Per replication, the mean wait for a server over both nodes of two parallel single-server
/// routes (consignment-weighted).
fn mean_waits(model: &Model, reps: u64) -> Vec<f64> {
    replications(model, reps)
        .iter()
        .map(|rep| {
            let nodes = &rep.nodes[1..3];
            let n: f64 = nodes.iter().map(|s| s.arrivals as f64).sum();
            nodes
                .iter()
                .map(|s| s.wait_h.mean().unwrap() * s.arrivals as f64)
                .sum::<f64>()
                / n
        })
        .collect()
}

#[test]
fn join_the_shortest_queue_waits_between_the_pooled_mm2_and_two_mm1_queues() {
    // Two identical M/M/1 routes (mu = 1/h), lambda = 1.6/h: pooled they are an M/M/2 with
    // Wq = 1.778 h; split at random, two M/M/1 at 0.8/h with Wq = 4 h. Joining the shortest
    // queue lies strictly between: better than a random split, worse than a common queue (a
    // consignment may wait behind one server while the other falls idle).
    let lambda = 1.6;
    let pooled = erlang_c_wait(lambda, 1.0, 2);
    let split = erlang_c_wait(lambda / 2.0, 1.0, 1);
    let routes = [
        (Some(1), "{ dist = \"exponential\", mean = 1.0 }", 0.0),
        (Some(1), "{ dist = \"exponential\", mean = 1.0 }", 0.0),
    ];
    // The fixed 50/50 split is the two M/M/1 queues.
    let fixed = model(&parallel_routes(&routes, lambda, "", 1500.0, ""));
    assert_in_ci("random split mean wait", &mean_waits(&fixed, 20), split);
    let jsq = model(&parallel_routes(
        &routes,
        lambda,
        "[flow.choice]\nrule = \"shortest_expected\"",
        1500.0,
        "",
    ));
    let waits = mean_waits(&jsq, 20);
    let (mean, half_width) = mean_and_half_width(&waits, CONFIDENCE);
    eprintln!(
        "join the shortest queue: {mean:.4} ± {half_width:.4} h; pooled M/M/2 {pooled:.4} h, two M/M/1 {split:.4} h"
    );
    assert!(
        mean - half_width > pooled && mean + half_width < split,
        "join the shortest queue waits {mean:.4} ± {half_width:.4} h, not strictly between the \
         pooled M/M/2's {pooled:.4} h and the two M/M/1's {split:.4} h"
    );
}

/// Records the time and route of every consignment generated.
#[derive(Default)]
struct Routes(Vec<(f64, RouteId)>);

impl Observer for Routes {
    fn generated(&mut self, time: SimTime, _flow: FlowId, route: RouteId, _teu: u32) {
        self.0.push((time.hours(), route));
    }
}

/// Two routes, a fast one (10 h at `x0`) and a slow one (30 h at `x1`), pure delays; `x0` closed
/// from day 10 for 5 days (hours 240 to 360), announced. Returns each consignment's time and
/// whether it took the slow route.
fn closure_run(choice: &str) -> Vec<(f64, bool)> {
    let closure = "[[disruption]]\nid = \"closed\"\nnodes = [\"x0\"]\nstart_day = 10\n\
                   duration = { dist = \"constant\", value = 5, unit = \"days\" }\n";
    let text = parallel_routes(
        &[(None, "10", 0.0), (None, "30", 0.0)],
        1.0,
        choice,
        30.0,
        closure,
    );
    let model = model(&text);
    let mut routes = Routes::default();
    Simulation::new(&model).run_observed(test_seed(5), 0, &mut routes);
    assert!(routes.0.len() > 500, "too few arrivals to test");
    routes
        .0
        .iter()
        .map(|&(t, r)| (t, r == RouteId(1)))
        .collect()
}

/// Asserts that exactly the consignments generated in `[from, to)` took the slow route.
fn slow_exactly_in(what: &str, taken: &[(f64, bool)], from: f64, to: f64) {
    for &(t, slow) in taken {
        assert_eq!(
            slow,
            (from..to).contains(&t),
            "{what}: the consignment generated at {t} h took the {} route; the slow one was \
             expected in [{from}, {to}) h only",
            if slow { "slow" } else { "fast" }
        );
    }
    assert!(
        taken.iter().any(|&(_, slow)| slow),
        "{what}: nothing took the slow route"
    );
}

#[test]
fn a_closure_moves_cargo_to_the_other_route_and_back_h_hours_later_with_a_delay_of_h() {
    // The fast route's estimate is 10 h plus the closure's remaining time; the slow one's 30 h.
    // Without delay the slow route wins from the closure's start (240 h) while more than 20 h of
    // it remain (until 340 h); seen h hours late, the same happens h hours later.
    let now = closure_run("[flow.choice]\nrule = \"shortest_expected\"");
    slow_exactly_in("no delay", &now, 240.0, 340.0);
    for h in [6.0, 48.0] {
        let late = closure_run(&format!(
            "[flow.choice]\nrule = \"shortest_expected\"\ndelay_h = {h}"
        ));
        slow_exactly_in(&format!("delay {h} h"), &late, 240.0 + h, 340.0 + h);
    }
    // With a switching threshold of 15 h the flow leaves the fast route only when it is more
    // than 15 h worse (10 + remaining > 45: at once, 120 h remain) and comes back only once the
    // fast route is more than 15 h better (10 + remaining < 15: from 355 h), so it stays on the
    // slow route 15 h longer than without a threshold.
    let sticky = closure_run("[flow.choice]\nrule = \"shortest_expected\"\nthreshold_h = 15");
    slow_exactly_in("threshold 15 h", &sticky, 240.0, 355.0);
}

#[test]
fn a_closure_moves_the_logit_share_toward_the_other_route_and_back() {
    // Logit on time alone (v = 24 per day = 1 per hour, scale 0.2): the fast route has 10 h,
    // the slow 30 h, so its share is 1 / (1 + e^-4) = 0.982 before and after the closure, and
    // falls while the closure's remaining time is long.
    let taken =
        closure_run("[flow.choice]\nrule = \"logit\"\nscale = 0.2\nvalue_of_time_per_teu_day = 24");
    let slow_share = |from: f64, to: f64| {
        let inside: Vec<bool> = taken
            .iter()
            .filter(|(t, _)| (from..to).contains(t))
            .map(|&(_, slow)| slow)
            .collect();
        inside.iter().filter(|&&s| s).count() as f64 / inside.len() as f64
    };
    let (before, during, after) = (
        slow_share(0.0, 240.0),
        slow_share(240.0, 320.0),
        slow_share(400.0, 720.0),
    );
    assert!(before < 0.06 && after < 0.06, "{before} {after}");
    assert!(during > 0.9, "{during}");
}

/// A scenario with queues, a random closure and every rule's parameters.
fn busy(choice: &str) -> Model {
    let routes = [
        (Some(1), "{ dist = \"exponential\", mean = 1.0 }", 10.0),
        (Some(2), "{ dist = \"exponential\", mean = 2.5 }", 0.0),
        (None, "6", 0.0),
    ];
    let storms = "[[disruption]]\nid = \"storms\"\nnodes = [\"x0\"]\nrate_per_year = 40\n\
                  duration = { dist = \"exponential\", mean = 30 }\n";
    model(&parallel_routes(&routes, 1.5, choice, 200.0, storms))
}

#[test]
fn every_rule_conserves_teu_and_is_deterministic_whatever_the_thread_count() {
    for choice in [
        "",
        "[flow.choice]\nrule = \"shortest_expected\"",
        "[flow.choice]\nrule = \"shortest_expected\"\ndelay_h = 12\nthreshold_h = 1",
        "[flow.choice]\nrule = \"logit\"\nscale = 0.5\nvalue_of_time_per_teu_day = 24\ndelay_h = 3",
    ] {
        let model = busy(choice);
        let fixed = choice.is_empty();
        for rep in replications(&model, 3) {
            // The engine asserts conservation at the horizon; the routes account for every TEU
            // (a flow with fixed shares reports nothing per route, as before route choice).
            assert!(rep.conservation.holds());
            let flow = &rep.flows[0];
            if fixed {
                assert!(flow.route_teu.is_empty() && flow.daily_route_teu.is_empty());
            } else {
                assert_eq!(flow.route_teu.iter().sum::<u64>(), flow.generated_teu);
                let daily: u64 = flow.daily_route_teu.iter().flatten().sum();
                assert!(
                    daily >= flow.generated_teu,
                    "the daily counts include the warm-up"
                );
            }
        }
        let config = RunConfig {
            replications: 6,
            seed: 99,
        };
        let one = experiment::run_parallel(&model, &Runner::new(1).unwrap(), config).unwrap();
        let three = experiment::run_parallel(&model, &Runner::new(3).unwrap(), config).unwrap();
        assert_eq!(one.summary.kpis, three.summary.kpis, "{choice}");
        if fixed {
            continue;
        }
        let shares: f64 = ["r0", "r1", "r2"]
            .iter()
            .map(|r| {
                one.summary
                    .estimate(
                        corridor::stats::kpi::Scope::Choice,
                        &format!("f/{r}"),
                        "share",
                    )
                    .unwrap()
                    .mean
            })
            .sum();
        assert!(
            (shares - 1.0).abs() < 1e-12,
            "{choice}: shares add to {shares}"
        );
    }
}

#[test]
fn a_rule_leaves_every_other_process_s_random_numbers_alone() {
    // The arrival stream is the flow's own: the same consignments arrive at the same times
    // whatever the rule.
    let arrivals = |choice: &str| {
        let model = busy(choice);
        let mut routes = Routes::default();
        Simulation::new(&model).run_observed(1, 0, &mut routes);
        routes.0.iter().map(|(t, _)| *t).collect::<Vec<f64>>()
    };
    let fixed = arrivals("");
    assert_eq!(
        fixed,
        arrivals("[flow.choice]\nrule = \"logit\"\nscale = 0.5")
    );
    assert_eq!(
        fixed,
        arrivals("[flow.choice]\nrule = \"shortest_expected\"")
    );
}

/// The error of compiling `text`, which must be invalid.
fn error(text: &str) -> String {
    match scenario::from_str(text, "choice.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_choices_are_reported_with_file_field_and_what_is_allowed() {
    let routes = [(None, "1", 0.0), (None, "2", 0.0)];
    let with = |choice: &str| parallel_routes(&routes, 1.0, choice, 100.0, "");
    for (choice, expected) in [
        (
            "[flow.choice]\nrule = \"shortest\"",
            &[
                "choice.toml:",
                "flow \"f\".choice.rule",
                "unknown rule \"shortest\"",
                "\"fixed\"",
                "\"shortest_expected\"",
                "\"logit\"",
            ][..],
        ),
        (
            "[flow.choice]\nrule = \"logit\"\nscale = 0",
            &["flow \"f\".choice.scale", "must be greater than 0", "got 0"],
        ),
        (
            "[flow.choice]\nrule = \"logit\"\nscale = -1",
            &[
                "flow \"f\".choice.scale",
                "must be greater than 0",
                "got -1",
            ],
        ),
        (
            "[flow.choice]\nrule = \"logit\"",
            &[
                "flow \"f\".choice.scale",
                "is required with rule = \"logit\"",
            ],
        ),
        (
            "[flow.choice]\nrule = \"logit\"\nscale = 1\nvalue_of_time_per_teu_day = -5",
            &["flow \"f\".choice.value_of_time_per_teu_day", "from 0 to"],
        ),
        (
            "[flow.choice]\nrule = \"shortest_expected\"\ndelay_h = -1",
            &[
                "flow \"f\".choice.delay_h",
                "number of hours from 0 to 87600",
            ],
        ),
        (
            "[flow.choice]\nrule = \"logit\"\nscale = 1\nthreshold_h = 3",
            &[
                "flow \"f\".choice.threshold_h",
                "applies to rule = \"shortest_expected\" only",
            ],
        ),
        (
            "[flow.choice]\ndelay_h = 3",
            &["flow \"f\".choice.delay_h", "not to rule = \"fixed\""],
        ),
        (
            "[flow.choice]\nrule = \"logit\"\nscales = 1",
            &["choice.toml:", "scales"],
        ),
    ] {
        let message = error(&with(choice));
        for part in expected {
            assert!(
                message.contains(part),
                "{choice}: the message does not contain {part:?}:\n{message}"
            );
        }
    }
    // The fixed rule needs every share; another rule takes all of them or none.
    let no_shares = parallel_routes(&routes, 1.0, "", 100.0, "").replace(", share = 0.5", "");
    let message = error(&no_shares);
    assert!(
        message.contains("flow \"f\".routes.share")
            && message.contains("every route needs a share with the fixed choice rule"),
        "{message}"
    );
    let some_shares = parallel_routes(
        &routes,
        1.0,
        "[flow.choice]\nrule = \"shortest_expected\"",
        100.0,
        "",
    )
    .replacen(", share = 0.5", "", 1);
    let message = error(&some_shares);
    assert!(
        message.contains("give a share for every route or for none"),
        "{message}"
    );
    let none = parallel_routes(
        &routes,
        1.0,
        "[flow.choice]\nrule = \"shortest_expected\"",
        100.0,
        "",
    )
    .replace(", share = 0.5", "");
    scenario::from_str(&none, "choice.toml").expect("a rule other than fixed needs no shares");
    let cost = parallel_routes(&routes, 1.0, "", 100.0, "")
        .replace("cost_per_teu = 0", "cost_per_teu = -3");
    let message = error(&cost);
    assert!(
        message.contains("route \"r0\".cost_per_teu") && message.contains("from 0 to 1e12"),
        "{message}"
    );
}

#[test]
fn a_run_writes_the_route_shares_per_month_and_their_chart() {
    // A two-year run (with a start date, so yearly.csv exists) of a logit flow with a closure.
    let closure = "[[disruption]]\nid = \"closed\"\nnodes = [\"x0\"]\nstart_day = 100\n\
                   duration = { dist = \"constant\", value = 30, unit = \"days\" }\n";
    let text = parallel_routes(
        &[(None, "10", 0.0), (None, "30", 0.0)],
        0.5,
        "[flow.choice]\nrule = \"logit\"\nscale = 0.2\nvalue_of_time_per_teu_day = 24",
        730.0,
        closure,
    )
    .replace("seed = 2020\n", "seed = 2020\nstart = \"2025-01-01\"\n");
    let dir = tempfile::tempdir().unwrap();
    let file = crate::common::scenario_file(dir.path(), "shares.toml", &text);
    let out = dir.path().join("out");
    crate::common::corridor()
        .args(["run", "-q", "-r", "3"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let csv = std::fs::read_to_string(out.join("route_shares_monthly.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "flow,route,month,first_day,date,days,warmup,replications,share,share_sd,\
         share_ci95_low,share_ci95_high"
    );
    // 24 months per route; per month the two shares add to 1.
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 24, "{csv}");
    for m in 0..24 {
        let total: f64 = rows
            .iter()
            .filter(|r| r[2] == m.to_string())
            .map(|r| r[8].parse::<f64>().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-12, "month {m}: {total}");
    }
    // April 2025 (month 3, the closure from day 100 = 11 April) sends more to the slow route
    // than January does.
    let slow = |m: usize| -> f64 {
        rows.iter()
            .find(|r| r[1] == "r1" && r[2] == m.to_string())
            .unwrap()[8]
            .parse()
            .unwrap()
    };
    assert!(slow(3) > slow(0) + 0.2, "{} vs {}", slow(3), slow(0));
    assert_eq!(rows[0][4], "2025-01-01");
    let kpis = std::fs::read_to_string(out.join("kpis.csv")).unwrap();
    assert!(kpis.contains("choice,f/r0,share,") && kpis.contains("choice,f/r1,teu,"));
    let yearly = std::fs::read_to_string(out.join("yearly.csv")).unwrap();
    assert!(yearly.contains("f/r1"), "{yearly}");
    assert!(out.join("charts/route_shares.svg").exists());
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("Route shares by month"));
}

/// A scenario of scenarios/whole/, compiled.
fn whole(file: &str) -> Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/whole")
        .join(file);
    scenario::load(&path)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .model
}

/// Per replication, the TEU the rivals' flow sent on `route` from day `from` to day `to`.
fn rivals_teu(
    model: &Model,
    reps: &[corridor::stats::ReplicationStats],
    route: &str,
    from: usize,
    to: usize,
) -> Vec<u64> {
    let flow = model
        .flows
        .iter()
        .position(|f| f.id == "china-europe-rivals")
        .unwrap();
    let k = model.flows[flow]
        .routes
        .iter()
        .position(|(r, _)| model.route(*r).id == route)
        .unwrap();
    reps.iter()
        .map(|rep| rep.flows[flow].daily_route_teu[k][from..to].iter().sum())
        .collect()
}

#[test]
fn the_rivals_trade_leaves_a_closed_northern_route_and_an_embargoed_kuryk() {
    // Same seeds, so the arrivals are the same trains: only the choices differ.
    let base = whole("rivals.toml");
    let closure = whole("rivals_northern_closure.toml");
    let embargo = whole("rivals_kuryk_embargo.toml");
    let (b, c, e) = (
        replications(&base, 2),
        replications(&closure, 2),
        replications(&embargo, 2),
    );
    // The first four weeks of the Northern closure (day 120, seen two days late): less than
    // two thirds of the Northern TEU of the baseline, and more to the Middle Corridor via Aktau.
    let northern = (
        rivals_teu(&base, &b, "rivals-northern", 122, 150),
        rivals_teu(&closure, &c, "rivals-northern", 122, 150),
    );
    let aktau = (
        rivals_teu(&base, &b, "rivals-aktau-kars", 122, 150),
        rivals_teu(&closure, &c, "rivals-aktau-kars", 122, 150),
    );
    for r in 0..2 {
        assert!(3 * northern.1[r] < 2 * northern.0[r], "{northern:?}");
        assert!(aktau.1[r] > 2 * aktau.0[r], "{aktau:?}");
    }
    // The first half of the Kuryk embargo (days 111 to 180, seen two days late), while more
    // than a month of it remains (a penalty above 34 days x $40): less than half the baseline's
    // Kuryk TEU. (Near its end the remaining closure weighs little, and Kuryk comes back.)
    let kuryk = (
        rivals_teu(&base, &b, "rivals-kuryk-kars", 113, 146),
        rivals_teu(&embargo, &e, "rivals-kuryk-kars", 113, 146),
    );
    for r in 0..2 {
        assert!(2 * kuryk.1[r] < kuryk.0[r], "{kuryk:?}");
    }
}

// ---------------------------------------------------------------- decision node

/// A junction: containers (`per_h` an hour) from a pass-through origin `o` reach the
/// pass-through junction `d` after a leg of `to_d`, and go on to `a` (route `ra`) or `b` (route
/// `rb`), each node with `servers` (`None`: unlimited) and `service`; a third route `rc` leaves
/// the origin for `c` directly. `choice` are the lines of `[flow.choice]`, `extra` is appended.
fn junction(
    per_h: f64,
    to_d: &str,
    nodes: [(Option<u32>, &str); 3],
    choice: &str,
    horizon_days: f64,
    warmup_days: f64,
    extra: &str,
) -> String {
    let mut text = format!(
        "[scenario]\nname = \"junction\"\nhorizon_days = {horizon_days}\n\
         warmup_days = {warmup_days}\nseed = 77\n\n\
         [[node]]\nid = \"o\"\nkind = \"terminal\"\nservice = 0\n\n\
         [[node]]\nid = \"d\"\nkind = \"terminal\"\nservice = 0\n\n\
         [[leg]]\nfrom = \"o\"\nto = \"d\"\nmode = \"rail\"\ntransit = {to_d}\n\n"
    );
    for (name, (servers, service)) in ["a", "b", "c"].iter().zip(nodes) {
        text += &format!("[[node]]\nid = \"{name}\"\nkind = \"terminal\"\nservice = {service}\n");
        if let Some(c) = servers {
            text += &format!("servers = {c}\n");
        }
        let from = if *name == "c" { "o" } else { "d" };
        text += &format!(
            "\n[[leg]]\nfrom = \"{from}\"\nto = \"{name}\"\nmode = \"rail\"\ntransit = 0\n\n"
        );
    }
    text += "[[route]]\nid = \"ra\"\nnodes = [\"o\", \"d\", \"a\"]\n\n\
             [[route]]\nid = \"rb\"\nnodes = [\"o\", \"d\", \"b\"]\n\n\
             [[route]]\nid = \"rc\"\nnodes = [\"o\", \"c\"]\n\n";
    text += &format!(
        "[[flow]]\nid = \"f\"\nroutes = [{{ route = \"ra\" }}, {{ route = \"rb\" }}, \
         {{ route = \"rc\" }}]\nteu_per_year = {}\n[flow.choice]\n{choice}\n\n{extra}",
        per_h * 8760.0
    );
    text
}

/// Records the time and route of every consignment generated, and for every one delivered,
/// when it was generated and the route it ended on.
#[derive(Default)]
struct Journeys {
    generated: Vec<(f64, RouteId)>,
    delivered: Vec<(f64, RouteId)>,
}

impl Observer for Journeys {
    fn generated(&mut self, time: SimTime, _flow: FlowId, route: RouteId, _teu: u32) {
        self.generated.push((time.hours(), route));
    }

    fn delivered(&mut self, time: SimTime, route: RouteId, _teu: u32, transit_h: f64) {
        self.delivered.push((time.hours() - transit_h, route));
    }
}

/// The route at the origin of the consignment generated at `t` (up to rounding).
fn origin_route(generated: &[(f64, RouteId)], t: f64) -> RouteId {
    let nearest = generated
        .iter()
        .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
        .expect("something was generated");
    assert!((nearest.0 - t).abs() < 1e-6, "nothing generated at {t}");
    nearest.1
}

/// The junction with pure delays: 5 h to the junction, then 10 h at `a` or 30 h at `b`, and
/// 100 h at `c` (never the shortest); `a` closed from hour 240 to 360, announced. Returns the
/// journeys (generated with the route at the origin, delivered with the final route) and the
/// flow's counters.
fn junction_closure_run(choice: &str) -> (Journeys, corridor::stats::FlowStats) {
    let closure = "[[disruption]]\nid = \"closed\"\nnodes = [\"a\"]\nstart_day = 10\n\
                   duration = { dist = \"constant\", value = 5, unit = \"days\" }\n";
    let text = junction(
        1.0,
        "5",
        [(None, "10"), (None, "30"), (None, "100")],
        choice,
        30.0,
        0.0,
        closure,
    );
    let model = model(&text);
    let mut journeys = Journeys::default();
    let stats = Simulation::new(&model).run_observed(test_seed(11), 0, &mut journeys);
    assert!(journeys.generated.len() > 500, "too few arrivals to test");
    (journeys, stats.flows[0].clone())
}

#[test]
fn a_decision_node_chooses_again_on_what_it_sees_there_event_by_event() {
    let (ra, rb) = (RouteId(0), RouteId(1));
    // At the origin (time t) ra's estimate is 5 + 10 + the closure's remaining 360 − t, rb's
    // 5 + 30: rb is taken for t in [240, 340). At the junction (time t + 5, after the leg) ra's
    // remainder is 10 + 360 − (t + 5), rb's 30: rb from there for t + 5 in [240, 340), that is
    // t in [235, 335). So the consignments of [235, 240) move to rb at the junction, those of
    // [335, 340) back to ra, and the final route is rb exactly for t in [235, 335).
    for (delay, choice) in [
        (
            0.0,
            "rule = \"shortest_expected\"\ndecide_at = \"d\"".to_string(),
        ),
        (
            24.0,
            "rule = \"shortest_expected\"\ndelay_h = 24\ndecide_at = \"d\"".to_string(),
        ),
    ] {
        let (
            Journeys {
                generated,
                delivered,
            },
            flow,
        ) = junction_closure_run(&choice);
        for &(t, route) in &generated {
            let rb_at_origin = (240.0 + delay..340.0 + delay).contains(&t);
            assert_eq!(
                route,
                if rb_at_origin { rb } else { ra },
                "{choice}: t = {t}"
            );
        }
        let (mut moved_in, mut moved_out) = ([0_u64; 3], [0_u64; 3]);
        for &(t, route) in &delivered {
            let rb_in_the_end = (235.0 + delay..335.0 + delay).contains(&t);
            assert_eq!(
                route,
                if rb_in_the_end { rb } else { ra },
                "{choice}: t = {t}"
            );
            let origin = origin_route(&generated, t);
            if origin != route {
                moved_in[route.index()] += 1;
                moved_out[origin.index()] += 1;
            }
        }
        // Both ways happened, and the counters (no warm-up: the whole run is the window) say so.
        assert!(moved_in[0] > 0 && moved_in[1] > 0, "{choice}: {moved_in:?}");
        // Consignments still on the way at the horizon may have been moved too.
        assert!(flow.rerouted_in_teu[0] >= moved_in[0] && flow.rerouted_in_teu[1] >= moved_in[1]);
        assert_eq!(flow.rerouted_in_teu[2], 0);
        assert_eq!(
            flow.rerouted_in_teu.iter().sum::<u64>(),
            flow.rerouted_out_teu.iter().sum::<u64>()
        );
        assert_eq!(flow.rerouted_in_teu[0], flow.rerouted_out_teu[1]);
        assert_eq!(flow.rerouted_in_teu[1], flow.rerouted_out_teu[0]);
    }
    // Without the decision node the final route is the one taken at the origin.
    let (
        Journeys {
            generated,
            delivered,
        },
        flow,
    ) = junction_closure_run("rule = \"shortest_expected\"");
    for &(t, route) in &delivered {
        assert_eq!(route, origin_route(&generated, t));
    }
    assert!(flow.rerouted_in_teu.is_empty() && flow.rerouted_out_teu.is_empty());
}

#[test]
fn a_decision_node_keeps_the_origin_s_draws_conserves_teu_and_ignores_the_thread_count() {
    // Queues at a and b, random storms at a, a random leg to the junction: every rule.
    let storms = "[[disruption]]\nid = \"storms\"\nnodes = [\"a\"]\nrate_per_year = 40\n\
                  duration = { dist = \"exponential\", mean = 30 }\n";
    let busy = |choice: &str| {
        model(&junction(
            1.2,
            "{ dist = \"exponential\", mean = 8 }",
            [
                (Some(1), "{ dist = \"exponential\", mean = 1.0 }"),
                (Some(1), "{ dist = \"exponential\", mean = 1.4 }"),
                (None, "40"),
            ],
            choice,
            200.0,
            20.0,
            storms,
        ))
    };
    let origin = |model: &Model| {
        let mut routes = Routes::default();
        Simulation::new(model).run_observed(3, 0, &mut routes);
        routes.0
    };
    // With pure delays what a consignment sees does not depend on where others went, so the
    // logit draws at the origin (`flow/f/choice`) give the same routes with a decision node,
    // whose draws come from `flow/f/decide`, as without.
    let logit = "rule = \"logit\"\nscale = 0.5\nvalue_of_time_per_teu_day = 24\ndelay_h = 3";
    let delays = |choice: &str| {
        model(&junction(
            1.2,
            "{ dist = \"exponential\", mean = 8 }",
            [(None, "1"), (None, "1.5"), (None, "40")],
            choice,
            100.0,
            0.0,
            storms,
        ))
    };
    let (plain, deciding) = (
        delays(logit),
        delays(&format!("{logit}\ndecide_at = \"d\"")),
    );
    assert_eq!(origin(&plain), origin(&deciding));
    let moved: u64 = replications(&deciding, 1)[0].flows[0]
        .rerouted_in_teu
        .iter()
        .sum();
    assert!(
        moved > 100,
        "the logit at the junction moved only {moved} TEU"
    );
    for rule in [
        "rule = \"shortest_expected\"\nthreshold_h = 0.5",
        "rule = \"shortest_expected\"\ndelay_h = 12",
        logit,
    ] {
        let plain = busy(rule);
        let deciding = busy(&format!("{rule}\ndecide_at = \"d\""));
        // With queues the choices at the origin depend on where earlier ones went; the arrivals
        // are the flow's own stream: the same.
        let times = |model: &Model| origin(model).iter().map(|(t, _)| *t).collect::<Vec<_>>();
        assert_eq!(times(&plain), times(&deciding), "{rule}");
        let mut moved = 0;
        for rep in replications(&deciding, 3) {
            assert!(rep.conservation.holds(), "{rule}");
            let flow = &rep.flows[0];
            assert_eq!(flow.route_teu.iter().sum::<u64>(), flow.generated_teu);
            let (into, out): (u64, u64) = (
                flow.rerouted_in_teu.iter().sum(),
                flow.rerouted_out_teu.iter().sum(),
            );
            assert_eq!(into, out, "{rule}");
            assert_eq!(flow.rerouted_in_teu[2] + flow.rerouted_out_teu[2], 0);
            moved += into;
        }
        assert!(moved > 0, "{rule}: nothing moved at the junction");
        let config = RunConfig {
            replications: 4,
            seed: 5,
        };
        let one = experiment::run_parallel(&deciding, &Runner::new(1).unwrap(), config).unwrap();
        let three = experiment::run_parallel(&deciding, &Runner::new(3).unwrap(), config).unwrap();
        assert_eq!(one.summary.kpis, three.summary.kpis, "{rule}");
        let decision = |route: &str, kpi: &str| {
            one.summary
                .estimate(
                    corridor::stats::kpi::Scope::Decision,
                    &format!("f/{route}"),
                    kpi,
                )
                .unwrap()
                .mean
        };
        let net: f64 = ["ra", "rb", "rc"]
            .iter()
            .map(|r| {
                let net = decision(r, "rerouted_net_teu");
                let by_hand = decision(r, "rerouted_in_teu") - decision(r, "rerouted_out_teu");
                assert!(
                    (net - by_hand).abs() < 1e-9,
                    "{rule}: {net} against {by_hand}"
                );
                net
            })
            .sum();
        assert!(net.abs() < 1e-9, "{rule}: the moves add up to {net}");
        assert!(decision("ra", "rerouted_in_teu") + decision("rb", "rerouted_in_teu") > 0.0);
        // Without a decision node there is no decision scope (the results are those of before).
        let plain_run = experiment::run_parallel(&plain, &Runner::new(1).unwrap(), config).unwrap();
        assert!(
            plain_run
                .summary
                .estimate(
                    corridor::stats::kpi::Scope::Decision,
                    "f/ra",
                    "rerouted_in_teu"
                )
                .is_none()
        );
    }
}

#[test]
fn bad_decision_nodes_are_reported_with_file_field_and_what_is_allowed() {
    let with = |choice: &str| {
        junction(
            1.0,
            "5",
            [(None, "1"), (None, "2"), (None, "3")],
            choice,
            50.0,
            0.0,
            "",
        )
    };
    for (choice, expected) in [
        (
            "rule = \"shortest_expected\"\ndecide_at = \"nowhere\"",
            &[
                "choice.toml:",
                "flow \"f\".choice.decide_at",
                "unknown node \"nowhere\"",
            ][..],
        ),
        (
            "rule = \"fixed\"\ndecide_at = \"d\"",
            &[
                "flow \"f\".choice.decide_at",
                "applies to rule = \"shortest_expected\" or \"logit\" only",
            ],
        ),
        (
            // The last node of its routes: nothing after it to choose.
            "rule = \"shortest_expected\"\ndecide_at = \"a\"",
            &[
                "flow \"f\".choice.decide_at",
                "node \"a\" offers the flow no choice",
                "\"ra\", \"rb\", \"rc\"",
            ],
        ),
        (
            // The origin is on every route, but the routes part there: that is a choice.
            "rule = \"shortest_expected\"\ndecide_at = \"o\"\ndelay_h = -1",
            &["flow \"f\".choice.delay_h", "must be a number of hours"],
        ),
        (
            "rule = \"logit\"\nscale = 1\ndecide_at = 3",
            &["choice.toml:", "flow \"f\"", "expected a string"],
        ),
    ] {
        let message = error(&with(choice));
        for part in expected {
            assert!(
                message.contains(part),
                "{choice}: \"{part}\" not in:\n{message}"
            );
        }
    }
    // A node where two routes part validates, the origin included.
    for node in ["d", "o"] {
        scenario::from_str(
            &with(&format!(
                "rule = \"shortest_expected\"\ndecide_at = \"{node}\""
            )),
            "choice.toml",
        )
        .unwrap();
    }
}
