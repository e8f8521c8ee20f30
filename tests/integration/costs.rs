//! Costs and emissions (`[cost]`, the cost fields of nodes and legs) and the cost KPIs of each
//! route (scope `cost`): money, storage, CO2, time cost and generalised cost per TEU.
//!
//! On a route with constant times and unlimited servers every consignment takes the same time
//! at every node, so each KPI has an exact value computed here by hand, storage beyond the free
//! time included. A scenario that declares no cost has no cost column. Logit route choice sees
//! the tariffs. Bad cost input is refused with the file, line, column, field and what is allowed.

use corridor::experiment::aggregate::prepare;
use corridor::experiment::{Aggregate, Results};
use corridor::model::Model;
use corridor::model::choice::money_per_teu;
use corridor::model::{RouteId, cost::route_costs};
use corridor::stats::kpi::{KpiColumns, Scope};

use crate::common::{corridor, model, refused, scenario_file, summary_kpi};

/// Route `r`: a (rail terminal) → port → b, all with unlimited servers and constant times, so
/// that every consignment spends 10 h at a, 60 h at the port, 5 h at b, 20 h and 30 h on the legs.
pub const FIXTURE: &str = r#"
[scenario]
name = "costs"
horizon_days = 120
warmup_days = 20
replications = 3
seed = 5

[cost]
value_of_time_per_teu_day = 24.0
co2_kg_per_teu_km = { rail = 0.02, sea = 0.05, rail_electric = 0.005 }

[[node]]
id = "a"
kind = "terminal"
service = 10
cost_per_teu = 100

[[node]]
id = "port"
kind = "port"
service = 60
cost_per_teu = 50
storage_per_teu_day = 10
free_storage_days = 2

[[node]]
id = "b"
kind = "terminal"
service = 5
storage_per_teu_day = 7

[[leg]]
from = "a"
to = "port"
mode = "rail"
distance_km = 500
transit = 20
cost_per_teu_km = 0.5

[[leg]]
from = "port"
to = "b"
mode = "sea"
distance_km = 300
transit = 30
cost_per_teu = 200

[[route]]
id = "r"
nodes = ["a", "port", "b"]
cost_per_teu = 1000

[[flow]]
id = "f"
route = "r"
teu_per_year = 20000
arrivals = "block_trains"
train_teu = 40
"#;

/// The hand computation of the fixture's figures per TEU.
struct Hand {
    tariff: f64,
    storage: f64,
    co2: f64,
    time_cost: f64,
}

fn hand() -> Hand {
    // Tariffs: route 1000, nodes 100 + 50 + 0, legs 0.5 × 500 + 200.
    let tariff = 1000.0 + 100.0 + 50.0 + 0.5 * 500.0 + 200.0;
    // Storage: at the port 60 h, 48 h free: 12 h at 10 a day; at b 5 h, none free, at 7 a day.
    let storage = 10.0 * 12.0 / 24.0 + 7.0 * 5.0 / 24.0;
    // CO2: 0.02 kg × 500 km by rail + 0.05 kg × 300 km by sea.
    let co2 = 0.02 * 500.0 + 0.05 * 300.0;
    // Time: 10 + 20 + 60 + 30 + 5 = 125 h at 24 a day.
    let time_cost = 24.0 * 125.0 / 24.0;
    Hand {
        tariff,
        storage,
        co2,
        time_cost,
    }
}

fn run(model: &Model, n: u64) -> (Vec<Vec<Option<f64>>>, Results) {
    let columns = KpiColumns::new(model);
    let mut aggregate = Aggregate::new(model);
    let mut sim = corridor::engine::Simulation::new(model);
    let mut rows = Vec::new();
    for r in 0..n {
        let replication = prepare(model, &columns, sim.run(model.settings.seed, r));
        aggregate.add(&replication);
        rows.push(replication.kpi_row.clone());
    }
    (rows, aggregate.results(model))
}

fn close(what: &str, got: f64, exact: f64) {
    assert!(
        (got - exact).abs() <= 1e-9 * exact.abs().max(1.0),
        "{what}: {got} against the hand computation {exact}"
    );
}

#[test]
fn cost_kpis_equal_the_hand_computation_on_a_deterministic_route() {
    let model = model(FIXTURE);
    let h = hand();
    assert_eq!(model.costs.route(RouteId(0)).tariff_per_teu, h.tariff);
    assert_eq!(model.costs.route(RouteId(0)).co2_kg_per_teu, Some(h.co2));
    let columns = KpiColumns::new(&model);
    let (rows, results) = run(&model, 3);
    let index = |kpi: &str| {
        columns
            .columns()
            .iter()
            .position(|c| c.scope == Scope::Cost && c.entity == "r" && c.kpi == kpi)
            .unwrap_or_else(|| panic!("no column cost/r/{kpi}"))
    };
    let delivered = columns
        .columns()
        .iter()
        .position(|c| c.scope == Scope::Route && c.kpi == "delivered_teu")
        .unwrap();
    for row in &rows {
        assert!(row[delivered].unwrap() > 1000.0, "the route delivered");
        close("storage", row[index("storage_per_teu")].unwrap(), h.storage);
        close(
            "money",
            row[index("money_per_teu")].unwrap(),
            h.tariff + h.storage,
        );
        assert_eq!(row[index("co2_kg_per_teu")], Some(h.co2));
        close(
            "time cost",
            row[index("time_cost_per_teu")].unwrap(),
            h.time_cost,
        );
        close(
            "generalised cost",
            row[index("generalised_cost_per_teu")].unwrap(),
            h.tariff + h.storage + h.time_cost,
        );
    }
    let estimate = results
        .summary
        .estimate(Scope::Cost, "r", "generalised_cost_per_teu")
        .expect("an estimate");
    close(
        "generalised cost across replications",
        estimate.mean,
        h.tariff + h.storage + h.time_cost,
    );
    assert!(estimate.half_width.unwrap() < 1e-9 * estimate.mean);
}

#[test]
fn logit_choice_sees_the_route_tariffs_and_the_cost_sections_value_of_time() {
    let model = model(FIXTURE);
    assert_eq!(money_per_teu(&model, RouteId(0)), hand().tariff);
    assert_eq!(route_costs(&model, true)[0].tariff_per_teu, hand().tariff);
    // A logit flow without its own value of time takes [cost]'s.
    let text = format!(
        "{FIXTURE}\n[[route]]\nid = \"r2\"\nnodes = [\"a\", \"port\"]\n\n[[flow]]\nid = \"g\"\n\
         routes = [{{ route = \"r\" }}, {{ route = \"r2\" }}]\nteu_per_year = 10\n\
         choice = {{ rule = \"logit\", scale = 0.01 }}\n"
    );
    let model = crate::common::model(&text);
    match model.flows[1].choice.rule {
        corridor::model::ChoiceRule::Logit {
            value_of_time_per_h,
            ..
        } => assert_eq!(value_of_time_per_h, 1.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_leg_naming_a_traction_takes_its_factor_and_its_own_factor_wins() {
    let text = FIXTURE.replace(
        "cost_per_teu_km = 0.5",
        "cost_per_teu_km = 0.5\ntraction = \"rail_electric\"",
    );
    let m = model(&text);
    assert_eq!(
        m.costs.route(RouteId(0)).co2_kg_per_teu,
        Some(0.005 * 500.0 + 15.0)
    );
    let text = FIXTURE.replace(
        "cost_per_teu = 200",
        "cost_per_teu = 200\nco2_kg_per_teu_km = 0.1",
    );
    let m = model(&text);
    assert_eq!(m.costs.route(RouteId(0)).co2_kg_per_teu, Some(10.0 + 30.0));
}

#[test]
fn a_route_with_an_emitting_leg_of_unknown_length_has_no_co2_figure_not_zero() {
    // The sea leg (0.05 kg a TEU-km) without its 300 km: the route's CO2 is unknown.
    let text = FIXTURE.replacen("distance_km = 300\n", "", 1);
    let m = model(&text);
    assert_eq!(m.costs.route(RouteId(0)).co2_kg_per_teu, None);
    let (values, _) = run(&m, 2);
    let columns = KpiColumns::new(&m);
    let co2 = columns
        .columns()
        .iter()
        .position(|c| c.scope == Scope::Cost && c.kpi == "co2_kg_per_teu")
        .expect("the column stays: other routes could have a figure");
    assert!(values.iter().all(|r| r[co2].is_none()), "{values:?}");
    // With a factor of 0 for that leg (the table's `sea`), its length does not matter: the rail
    // leg's 10 kg.
    let m = model(&text.replace("sea = 0.05", "sea = 0.0"));
    assert_eq!(m.costs.route(RouteId(0)).co2_kg_per_teu, Some(10.0));
}

#[test]
fn a_scenario_without_costs_has_no_cost_columns() {
    let text = FIXTURE
        .split("[[node]]")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.split("[cost]").next().unwrap().to_string()
            } else {
                format!("[[node]]{part}")
            }
        })
        .collect::<String>();
    let text = [
        "cost_per_teu = 100\n",
        "cost_per_teu = 50\n",
        "storage_per_teu_day = 10\n",
        "free_storage_days = 2\n",
        "storage_per_teu_day = 7\n",
        "cost_per_teu_km = 0.5\n",
        "cost_per_teu = 200\n",
    ]
    .iter()
    .fold(text, |t, line| t.replacen(line, "", 1));
    let m = model(&text);
    assert!(!m.costs.declared, "{text}");
    assert!(
        KpiColumns::new(&m)
            .columns()
            .iter()
            .all(|c| c.scope != Scope::Cost)
    );
    // The route's own cost_per_teu alone (a route choice's input) declares nothing.
    assert_eq!(money_per_teu(&m, RouteId(0)), 1000.0);
}

#[test]
fn run_writes_the_cost_kpis_into_kpis_routes_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario_file(dir.path(), "costs.toml", FIXTURE);
    let out = dir.path().join("out");
    corridor()
        .args(["run", "-q", "--no-charts"])
        .arg(&scenario)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let routes = std::fs::read_to_string(out.join("routes.csv")).unwrap();
    let header = routes.lines().next().unwrap();
    for kpi in [
        "money_per_teu",
        "storage_per_teu",
        "co2_kg_per_teu",
        "time_cost_per_teu",
        "generalised_cost_per_teu_ci95_high",
    ] {
        assert!(header.contains(kpi), "{kpi} in {header}");
    }
    let kpis = std::fs::read_to_string(out.join("kpis.csv")).unwrap();
    assert!(kpis.contains("cost,r,co2_kg_per_teu,"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary_kpi(&json, "cost", "r", "co2_kg_per_teu")["estimate"]["mean"],
        25.0
    );
}

#[test]
fn bad_cost_input_is_refused_with_the_field_and_what_is_allowed() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "cost_per_teu = 100",
            "cost_per_teu = -100",
            &[
                "node \"a\".cost_per_teu: must be an amount of money per TEU from 0 to 1e12, got -100",
            ],
        ),
        (
            "free_storage_days = 2",
            "free_storage_days = inf",
            &["node \"port\".free_storage_days: must be a number of days from 0 to 365000"],
        ),
        (
            "cost_per_teu_km = 0.5",
            "cost_per_teu_km = 0.5\ntraction = \"rail_electrik\"",
            &[
                "leg \"a->port\".traction: \"rail_electrik\" is not a key of [cost.co2_kg_per_teu_km] (did you mean \"rail_electric\"?)",
            ],
        ),
        (
            "sea = 0.05, ",
            "",
            &["leg \"port->b\": has no emission factor", "no key \"sea\""],
        ),
        (
            "value_of_time_per_teu_day = 24.0",
            "value_of_time_per_teu_day = 24.0\nvalue_of_tim = 3",
            &["unknown field `value_of_tim`"],
        ),
        (
            "distance_km = 500",
            "distance_km = 1e300",
            &["route \"r\"", "sum to more than 1e15"],
        ),
    ];
    for (from, to, expected) in cases {
        let text = FIXTURE.replacen(from, to, 1);
        assert_ne!(text, FIXTURE, "{from}");
        refused("run", &text, &[], expected, 1);
    }
    // A file:line:column location.
    refused(
        "run",
        &FIXTURE.replacen("cost_per_teu = 100", "cost_per_teu = -100", 1),
        &[],
        &["scenario.toml:17:16"],
        1,
    );
    // Costs hold for the whole run: a dated change of a tariff is refused.
    refused(
        "run",
        &format!(
            "{FIXTURE}\n[[change]]\nid = \"c\"\nat_day = 50\nset = {{ \"node.a.cost_per_teu\" = 5 }}\n"
        ),
        &[],
        &[
            "cannot change at a date",
            "tariffs, emission factors and the value of time",
        ],
        1,
    );
}

// ------------------------------------------------------------------------ appraisal

/// The fixture with its port twice as fast (60 h → 30 h: 30 h of transit and the 12 h of
/// storage beyond free time saved per TEU) and an investment.
pub fn faster_port() -> String {
    format!(
        "{}\n[investment]\ncapital_cost = 1e6\nannual_operating_cost = 1e4\nstart = 2026\n\
         discount_to = 2025\nlifetime_years = 20\ndiscount_rate = 0.06\n",
        FIXTURE.replace("service = 60\n", "service = 30\n")
    )
}

fn compare_json(base: &str, variant: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let b = scenario_file(dir.path(), "base.toml", base);
    let v = scenario_file(dir.path(), "variant.toml", variant);
    let out = dir.path().join("out");
    corridor()
        .args(["compare", "-q", "--no-charts", "-r", "4"])
        .arg(&b)
        .arg(&v)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("appraisal.csv").exists());
    serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap()
}

#[test]
fn a_scenario_compared_with_itself_has_exactly_zero_benefit_and_an_undefined_ratio() {
    let json = compare_json(FIXTURE, FIXTURE);
    let a = &json["variants"][0]["appraisal"];
    assert_eq!(a["annual_benefit"]["mean"], 0.0);
    assert_eq!(a["annual_benefit"]["half_width"], 0.0);
    assert!(a["bcr"].is_null());
    assert!(a["npv"].is_null());
    assert!(
        a["bcr_undefined"]
            .as_str()
            .unwrap()
            .contains("declares no [investment]")
    );
    assert!(
        a["not_counted"]
            .as_str()
            .unwrap()
            .contains("wider economic benefits")
    );
}

#[test]
fn the_appraisal_of_a_faster_port_maps_its_benefit_through_the_annuity() {
    let json = compare_json(FIXTURE, &faster_port());
    let a = &json["variants"][0]["appraisal"];
    // 30 h at 1 a TEU-hour plus 12 h of storage at 10 a day.
    let saving = a["saving_per_teu"]["mean"].as_f64().unwrap();
    close("saving per TEU", saving, 30.0 + 5.0);
    let benefit = a["annual_benefit"]["mean"].as_f64().unwrap();
    let half = a["annual_benefit"]["half_width"].as_f64().unwrap();
    let v: f64 = 1.0 / 1.06;
    let annuity: f64 = (1..=20).map(|t| v.powi(t)).sum();
    let npv = v * (benefit * annuity - (1e6 + 1e4 * annuity));
    close("npv", a["npv"]["mean"].as_f64().unwrap(), npv);
    close(
        "npv half-width",
        a["npv"]["half_width"].as_f64().unwrap(),
        v * annuity * half,
    );
    let bcr = benefit * annuity / (1e6 + 1e4 * annuity);
    close("bcr", a["bcr"]["mean"].as_f64().unwrap(), bcr);
    assert!(a["bcr_undefined"].is_null());
}

#[test]
fn npv_of_a_constant_annual_benefit_equals_the_closed_form_annuity_value() {
    use corridor::experiment::RunConfig;
    use corridor::stats::kpi::KpiColumn;
    use corridor::study::Sample;
    use corridor::study::appraisal::{Investment, appraise};
    let column = |scope, kpi: &str| KpiColumn {
        scope,
        entity: "r".into(),
        kpi: kpi.into(),
    };
    // 1000 TEU a year both; generalised cost 500 against 400 per TEU: 100 000 a year, exactly.
    let sample = |cost: f64| Sample {
        config: RunConfig {
            replications: 3,
            seed: 1,
        },
        columns: vec![
            column(Scope::Route, "throughput_teu_per_day"),
            column(Scope::Cost, "generalised_cost_per_teu"),
        ],
        rows: vec![vec![Some(1000.0 / 365.0), Some(cost)]; 3],
        kpis: Vec::new(),
        years: Vec::new(),
    };
    let investment = |start_year: f64| Investment {
        capital_cost: 500_000.0,
        annual_operating_cost: 20_000.0,
        start_year,
        start: start_year.to_string(),
        discount_to_year: 2025.0,
        lifetime_years: 10,
        discount_rate: 0.05,
        value_per_extra_teu: 0.0,
    };
    let a = appraise(&sample(500.0), &sample(400.0), Some(&investment(2025.0)));
    let b = a.annual_benefit.unwrap();
    close("benefit", b.mean, 100_000.0);
    assert_eq!(b.half_width, 0.0);
    let annuity = (1.0 - 1.05_f64.powi(-10)) / 0.05;
    close("npv", a.npv.unwrap().mean, -500_000.0 + 80_000.0 * annuity);
    close(
        "bcr",
        a.bcr.unwrap().mean,
        100_000.0 * annuity / (500_000.0 + 20_000.0 * annuity),
    );
    // Opening two years after the present-value year: everything discounted by 1.05^-2.
    let later = appraise(&sample(500.0), &sample(400.0), Some(&investment(2027.0)));
    close(
        "npv two years on",
        later.npv.unwrap().mean,
        (-500_000.0 + 80_000.0 * annuity) / 1.05_f64.powi(2),
    );
    assert_eq!(later.bcr, a.bcr);
    // No costs at all: the ratio is undefined, with the reason.
    let free = Investment {
        capital_cost: 0.0,
        annual_operating_cost: 0.0,
        ..investment(2025.0)
    };
    let a = appraise(&sample(500.0), &sample(400.0), Some(&free));
    assert!(a.bcr.is_none());
    assert!(a.bcr_undefined.unwrap().contains("costs are 0"));
}

#[test]
fn bad_investments_are_refused_with_the_field_and_what_is_allowed() {
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "lifetime_years = 20",
            "lifetime_years = 0",
            &["investment.lifetime_years: must be a whole number of years from 1 to 200, got 0"],
        ),
        (
            "discount_rate = 0.06",
            "discount_rate = -1",
            &[
                "investment.discount_rate: must be a rate per year from -0.5 to 1 (0.06 is 6%), got -1",
            ],
        ),
        (
            "start = 2026",
            "start = \"2026-13-01\"",
            &["investment.start: must be a year from 1900 to 2200"],
        ),
        (
            "capital_cost = 1e6",
            "capital_cost = -5",
            &["investment.capital_cost: must be an amount of money from 0 to 1e15, got -5"],
        ),
        (
            "discount_rate = 0.06",
            "discount_rate = 0.06\nresidual = 3",
            &["unknown field `residual`"],
        ),
    ];
    for (from, to, expected) in cases {
        let text = faster_port().replacen(from, to, 1);
        assert_ne!(text, faster_port(), "{from}");
        refused("run", &text, &[], expected, 1);
    }
    // An investment belongs to a variant.
    let dir = tempfile::tempdir().unwrap();
    let base = scenario_file(dir.path(), "base.toml", &faster_port());
    let out = dir.path().join("out");
    let assert = corridor()
        .args(["compare", "-q", "-r", "2"])
        .arg(&base)
        .arg(&base)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("declares [investment]: an investment is appraised as a variant"),
        "{stderr}"
    );
    assert!(!out.exists());
}
