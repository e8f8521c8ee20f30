//! The scenario library (scenarios/whole/): a variant moves the KPIs its file argues, in that
//! direction, by a paired interval against the whole-corridor baseline (common random numbers,
//! the same seed and replications); the path to 2030 runs with one `yearly.csv` row per year.

use std::path::{Path, PathBuf};

use corridor::experiment::{RunConfig, Runner};
use corridor::model::Model;
use corridor::study::{self, Sample};

use crate::common::{CONFIDENCE, assert_in_ci, corridor, mean_and_half_width, test_seed};

fn scenario(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file)
}

fn load(file: &str) -> Model {
    corridor::scenario::load(&scenario(file))
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

/// Base and variant run with the same seed and replications.
fn paired_samples(base: &str, variant: &str, replications: u32) -> (Sample, Sample) {
    let (base, variant) = (load(base), load(variant));
    let runner = Runner::new(2).unwrap();
    let config = RunConfig {
        replications,
        seed: test_seed(base.settings.seed),
    };
    (
        study::sample(&base, &runner, config).unwrap(),
        study::sample(&variant, &runner, config).unwrap(),
    )
}

/// The per-replication differences `variant − base` of column `name` (every replication must
/// have a value in both).
fn differences(base: &Sample, variant: &Sample, name: &str) -> Vec<f64> {
    let at = |s: &Sample| s.column(name).unwrap_or_else(|| panic!("no column {name}"));
    base.values(at(base))
        .zip(variant.values(at(variant)))
        .map(|(b, v)| v.expect(name) - b.expect(name))
        .collect()
}

/// The paired difference of `name` and its half-width at the tests' confidence.
fn paired(base: &Sample, variant: &Sample, name: &str) -> (f64, f64) {
    let d = differences(base, variant, name);
    let (mean, half_width) = mean_and_half_width(&d, CONFIDENCE);
    eprintln!(
        "{name}: {mean:+.3} ± {half_width:.3} ({}% CI, {} replications)",
        CONFIDENCE * 100.0,
        d.len()
    );
    (mean, half_width)
}

/// The Moiynty–Kyzylzhar line takes about 220 km off the Dostyk legs (3,360 → 3,140 km at
/// 800 km a day: triangular(3.3, 4.0, 5.3) days becomes triangular(3.084, 3.738, 4.953), 0.275
/// days or 6.6 h less per train on average) and nothing off the Altynkol legs.
#[test]
fn moiynty_kyzylzhar_shortens_the_dostyk_rail_leg_by_its_distance() {
    let (base, variant) = paired_samples("whole_corridor.toml", "whole/moiynty_kyzylzhar.toml", 10);
    // The leg itself (stage 3 of dostyk-aktau-alat: gateway, leg, clearance, then this leg): every
    // train draws the same uniform in both runs, so the mean difference is the difference of the
    // two triangular means, 94.2 - 100.8 = -6.6 h.
    let leg = "stage/dostyk-aktau-alat/3/dostyk-clearance->aktau-rail/service_h";
    assert_in_ci(leg, &differences(&base, &variant, leg), -6.6);
    // The Altynkol trains' rail leg is untouched: the same draws. (The trains delivered in the
    // window differ a little between the runs, so the difference is not exactly 0.)
    let altynkol = "stage/khorgos-aktau-alat/5/almaty-junction->aktau-rail/service_h";
    let (mean, half_width) = paired(&base, &variant, altynkol);
    // Informative: a change of the size of the Dostyk saving would lie far outside it.
    assert!(mean.abs() <= half_width && half_width < 1.0, "{altynkol}");
}

/// The time from a route's start through its stage `last` (a node), replication by replication:
/// the node stages' wait, service, blocked and dispatch times and the leg stages' travel times, as
/// `corridor calibrate` sums them for `through` (the Kazakh crossing of docs/calibration.md).
fn through(sample: &Sample, route: &str, last: usize) -> Vec<f64> {
    let prefix = format!("stage/{route}/");
    let columns: Vec<usize> = sample
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let name = c.name();
            let Some(rest) = name.strip_prefix(&prefix) else {
                return false;
            };
            let stage: usize = rest.split('/').next().unwrap().parse().unwrap();
            stage <= last && (stage.is_multiple_of(2) || c.kpi == "service_h")
        })
        .map(|(i, _)| i)
        .collect();
    assert!(columns.len() >= 2 * last, "{columns:?}");
    sample
        .rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|&i| row[i].expect("a stage value"))
                .sum()
        })
        .collect()
}

/// Beyond the leg, the saving survives the queues: the Kazakh crossing from Dostyk (westbound, up
/// to the Aktau yard) and the eastbound trip Alat → Aktau → Dostyk, whose rail leg comes last, get
/// shorter by paired intervals. 300 replications (about 5 s) keep both intervals clear of 0
/// (about -6.5 ± 0.9 h and -6.6 ± 3.2 h at 99.9%). The westbound trip to Alat gains about as much
/// on average, but part of it is lost again waiting for a feeder at Aktau, which makes its
/// interval about ±4.3 h at 300 replications: too close to the effect to assert its sign for
/// every seed (`tests/seeds.sh`), so it is printed, not checked.
#[test]
fn moiynty_kyzylzhar_shortens_the_dostyk_trips() {
    let (base, variant) =
        paired_samples("whole_corridor.toml", "whole/moiynty_kyzylzhar.toml", 300);
    // Stages 0-4 of dostyk-aktau-alat: the gateway, the clearance, the rail leg, Aktau's tracks.
    let crossing: Vec<f64> = through(&variant, "dostyk-aktau-alat", 4)
        .iter()
        .zip(through(&base, "dostyk-aktau-alat", 4))
        .map(|(v, b)| v - b)
        .collect();
    let (mean, half_width) = mean_and_half_width(&crossing, CONFIDENCE);
    eprintln!("Kazakh crossing from Dostyk: {mean:+.3} ± {half_width:.3} h");
    assert!(
        mean + half_width < 0.0 && (mean + 6.6).abs() < half_width + 2.0,
        "the crossing should be about 6.6 h shorter: {mean:+.2} ± {half_width:.2} h"
    );
    let (mean, half_width) = paired(&base, &variant, "route/alat-aktau-dostyk/transit_mean_h");
    assert!(
        mean + half_width < 0.0,
        "alat-aktau-dostyk: the line should shorten the trip, got {mean:+.2} ± {half_width:.2} h"
    );
    paired(&base, &variant, "route/dostyk-aktau-alat/transit_mean_h");
}

/// The path to 2030 validates, runs a short trial (2 replications), reports one `yearly.csv`
/// row per calendar year (2025 to 2029) for a route's throughput, and its volume grows year
/// on year as the file's 40.5% a year says.
#[test]
fn the_path_to_2030_runs_with_one_row_per_year() {
    let file = scenario("whole/path_to_2030.toml");
    corridor().arg("validate").arg(&file).assert().success();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("path");
    corridor()
        .arg("run")
        .arg(&file)
        .args(["-q", "--no-charts", "-r", "2", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let yearly = std::fs::read_to_string(dir.join("yearly.csv")).unwrap();
    let rows = |kind: &str, id: &str, kpi: &str| -> Vec<(i32, f64)> {
        yearly
            .lines()
            .skip(1)
            .filter_map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (f[5] == kind && f[6] == id && f[7] == kpi)
                    .then(|| (f[0].parse().unwrap(), f[8].parse().unwrap()))
            })
            .collect()
    };
    let throughput = rows("route", "khorgos-aktau-alat", "throughput_teu_per_day");
    let years: Vec<i32> = throughput.iter().map(|(y, _)| *y).collect();
    assert_eq!(years, [2025, 2026, 2027, 2028, 2029]);
    // The westbound flow's generated TEU, the mean of the two replications: 51,300 × 1.405^k in
    // year k (the growth counts 365-day years from 1 January 2025, so a calendar year after
    // 2028's leap day is one day off its model year: 0.1%). 2025 is partial (from the end of the
    // warm-up) and left out. The count of 105-TEU trains is Poisson: within 4 standard deviations.
    let generated = rows("flow", "china-europe-west", "generated_teu");
    assert_eq!(generated.len(), 5);
    for (year, teu) in &generated[1..] {
        let k = year - 2025;
        let days = if *year == 2028 { 366.0 } else { 365.0 };
        let expected = 51300.0 * 1.405f64.powi(k) * days / 365.0;
        let trains = 2.0 * expected / 105.0;
        assert!(
            (teu / expected - 1.0).abs() < 4.0 / trains.sqrt(),
            "{year}: {teu} TEU generated, expected about {expected}"
        );
    }
}

/// Times (hours) at which `flow` generated a consignment.
#[derive(Default)]
struct FlowArrivals {
    flow: u32,
    times: Vec<f64>,
}

impl corridor::engine::observer::Observer for FlowArrivals {
    fn generated(
        &mut self,
        time: corridor::base::time::SimTime,
        flow: corridor::model::FlowId,
        _route: corridor::model::RouteId,
        _teu: u32,
    ) {
        if flow.0 == self.flow {
            self.times.push(time.hours());
        }
    }
}

#[test]
fn the_kuryk_embargo_pauses_kuryk_wagon_traffic_for_its_69_days() {
    let model = load("whole/kuryk_embargo_2025.toml");
    let flow = model
        .flows
        .iter()
        .position(|f| f.id == "kuryk-wagon-traffic")
        .expect("the wagon flow") as u32;
    let train_teu = f64::from(model.flows[flow as usize].arrival.teu_per_arrival());
    let mut sim = corridor::engine::Simulation::new(&model);
    let mut window_teu = Vec::new();
    for r in 0..20 {
        let mut log = FlowArrivals {
            flow,
            ..FlowArrivals::default()
        };
        sim.run_observed(test_seed(model.settings.seed), r, &mut log);
        assert!(
            log.times
                .iter()
                .all(|t| !(111.0 * 24.0..180.0 * 24.0).contains(t)),
            "a wagon train arrived during the embargo"
        );
        // The statistics window is days 30-365: 335 days, 69 of them paused.
        let in_window = log.times.iter().filter(|t| **t >= 30.0 * 24.0).count();
        window_teu.push(in_window as f64 * train_teu);
    }
    assert_in_ci(
        "Kuryk wagon TEU in the window",
        &window_teu,
        37_300.0 * (335.0 - 69.0) / 365.0,
    );
}
