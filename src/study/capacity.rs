//! `corridor capacity`: the highest demand the corridor sustains, found by simulation.
//!
//! Every flow's volume (or the named flows' only) is multiplied by a *demand scale* `x` (in the
//! scenario and in every dated change), and the scaled scenario is run for `n` replications with
//! the study's seed, so every probe shares its random numbers with the others (common random
//! numbers: a probe differs from the next only by its demand).
//!
//! # The stability criterion
//! A probe is *stable* when the corridor delivers what it is offered: the *shortfall*
//! `1 − delivered TEU / generated TEU` over the statistics window (the scaled flows' TEU
//! generated, and the TEU delivered on the routes they use) has a
//! 95% upper confidence bound (Student t over replications) below `max_shortfall` (default 2%),
//! and no replication stopped at the cargo bound or in a deadlock. A stable queueing system
//! delivers what arrives in a window up to the change of the cargo in it, which is a bounded
//! amount, so its shortfall shrinks with the window; an overloaded one falls behind by
//! `1 − capacity / demand` of what arrives, whatever the window. Refused cargo counts as
//! shortfall. So the criterion flags demand above `capacity / (1 − max_shortfall)` as unstable,
//! with the exact boundary blurred by the finite window (a system just below its capacity fills
//! slowly and can lose more than the threshold in a short window) and by the replication noise.
//!
//! The window is a whole number of 365-day years after the scenario's warm-up (`years`,
//! whatever the scenario's horizon), so that in a seasonal corridor the cargo in the system is
//! compared at the same date of the year: with a window ending in the winter backlog, a stable
//! corridor would show a shortfall of several per cent. A scenario whose inputs change with the
//! years (dated changes, growth, yearly volumes) is scaled as a whole path and run over these
//! years.
//!
//! # The search
//! From `x = 1`, the scale doubles while stable (or halves while unstable) until a stable and
//! an unstable probe bracket the capacity, then bisects (geometrically) until the bracket's
//! upper end is within `tolerance` (relative) of its lower end, or `max_probes` are spent. The
//! result is the bracket `[stable, unstable]`, the delivered TEU a year per route at the stable
//! end, and where the cargo piles up at the unstable end (the node holding the most TEU at the
//! horizon, averaged over replications, or the place named by the cargo bound).

use serde::Serialize;

use crate::base::Estimate;
use crate::base::accumulators::Welford;
use crate::experiment::{Replications, Runner, SimError, StopKind};
use crate::model::{FlowId, Model};
use crate::stats::ReplicationStats;

/// What to search.
#[derive(Clone, Debug)]
pub struct CapacitySearch {
    /// The flows whose volume is scaled (all when empty).
    pub flows: Vec<FlowId>,
    /// Replications per probe.
    pub replications: u64,
    /// Base seed of every probe.
    pub seed: u64,
    /// Largest shortfall of a stable probe (share of the generated TEU).
    pub max_shortfall: f64,
    /// Relative width of the final bracket.
    pub tolerance: f64,
    /// Most probes to run.
    pub max_probes: usize,
    /// Each probe runs the scenario's warm-up and then this many 365-day years (the statistics
    /// window), whatever the scenario's horizon.
    pub years: u32,
}

/// Smallest and largest demand scale a search tries.
pub const SCALE_RANGE: (f64, f64) = (1.0 / 1024.0, 1024.0);

/// One probe of the search.
#[derive(Clone, Debug, Serialize)]
pub struct Probe {
    /// The demand scale.
    pub scale: f64,
    /// TEU a year offered by the scaled flows (their mean volume over the run).
    pub offered_teu_per_year: f64,
    /// Shortfall across replications (`None` when a replication stopped).
    pub shortfall: Option<Estimate>,
    /// TEU delivered a year over the window on the scaled flows' routes, across replications.
    pub delivered_teu_per_year: Option<Estimate>,
    /// Per route (model order), mean TEU delivered a year.
    pub route_teu_per_year: Vec<f64>,
    /// Whether the probe is stable.
    pub stable: bool,
    /// Where cargo piled up: the node with the most TEU at the horizon (mean over
    /// replications), or the place a replication's cargo bound named.
    pub backlog_at: Option<String>,
    /// Why a replication stopped, if one did.
    pub stopped: Option<String>,
}

/// The outcome of a search.
#[derive(Clone, Debug, Serialize)]
pub struct CapacityResult {
    /// The largest stable scale found (`None`: even the smallest scale was unstable).
    pub stable_scale: Option<f64>,
    /// The smallest unstable scale found (`None`: even the largest scale was stable).
    pub unstable_scale: Option<f64>,
    /// The probes, in the order run.
    pub probes: Vec<Probe>,
}

impl CapacityResult {
    /// The stable probe at the bracket's lower end.
    pub fn stable_probe(&self) -> Option<&Probe> {
        let scale = self.stable_scale?;
        self.probes.iter().find(|p| p.scale == scale)
    }

    /// The unstable probe at the bracket's upper end.
    pub fn unstable_probe(&self) -> Option<&Probe> {
        let scale = self.unstable_scale?;
        self.probes.iter().find(|p| p.scale == scale)
    }
}

/// `model` with the volume of `flows` (every flow when empty) multiplied by `scale`, in the
/// scenario and in every dated change.
pub fn scaled_demand(model: &Model, flows: &[FlowId], scale: f64) -> Model {
    let mut scaled = model.clone();
    let apply = |m: &mut Model| {
        for (i, flow) in m.flows.iter_mut().enumerate() {
            if flows.is_empty() || flows.contains(&FlowId(i as u32)) {
                flow.teu_per_year *= scale;
            }
        }
    };
    apply(&mut scaled);
    for change in &mut scaled.changes {
        apply(&mut change.model);
    }
    scaled
}

/// `model` run over its warm-up and then `years` 365-day years (the statistics window), whatever
/// its horizon: whole years, so that a seasonal corridor's cargo in the system is compared at the
/// same date of the year at the window's start and end.
pub fn over_years(model: &Model, years: u32) -> Model {
    let mut model = model.clone();
    model.settings.horizon = crate::base::time::SimTime::from_days(
        model.settings.warmup.days() + 365.0 * f64::from(years),
    );
    model
}

/// Runs the search on `model` with `runner`; `on_probe` sees each probe as it completes.
/// Errors only if a replication stalled (a bug, not a verdict on the demand).
pub fn search(
    model: &Model,
    spec: &CapacitySearch,
    runner: &Runner,
    mut on_probe: impl FnMut(&Probe),
) -> Result<CapacityResult, SimError> {
    let mut probes: Vec<Probe> = Vec::new();
    let mut run = |scale: f64, probes: &mut Vec<Probe>| -> Result<bool, SimError> {
        let probe = probe(model, spec, runner, scale)?;
        on_probe(&probe);
        let stable = probe.stable;
        probes.push(probe);
        Ok(stable)
    };
    let (mut low, mut high): (Option<f64>, Option<f64>) = (None, None);
    let mut scale = 1.0;
    // Bracket.
    while probes.len() < spec.max_probes {
        if run(scale, &mut probes)? {
            low = Some(scale);
            if high.is_some() || scale * 2.0 > SCALE_RANGE.1 {
                break;
            }
            scale *= 2.0;
        } else {
            high = Some(scale);
            if low.is_some() || scale / 2.0 < SCALE_RANGE.0 {
                break;
            }
            scale /= 2.0;
        }
    }
    // Bisect.
    while let (Some(lo), Some(hi)) = (low, high) {
        if hi <= lo * (1.0 + spec.tolerance) || probes.len() >= spec.max_probes {
            break;
        }
        let mid = (lo * hi).sqrt();
        if run(mid, &mut probes)? {
            low = Some(mid);
        } else {
            high = Some(mid);
        }
    }
    Ok(CapacityResult {
        stable_scale: low,
        unstable_scale: high,
        probes,
    })
}

/// Per replication: generated and delivered TEU in the window (of the scaled flows and their
/// routes), delivered TEU per route, and TEU at each node at the horizon.
struct Observed {
    generated: f64,
    delivered: f64,
    routes: Vec<f64>,
    at_nodes: Vec<f64>,
}

fn observe(stats: ReplicationStats, flows: &[bool], routes: &[bool]) -> Observed {
    Observed {
        generated: stats
            .flows
            .iter()
            .zip(flows)
            .filter(|(_, scaled)| **scaled)
            .map(|(f, _)| f.generated_teu as f64)
            .sum(),
        delivered: stats
            .routes
            .iter()
            .zip(routes)
            .filter(|(_, scaled)| **scaled)
            .map(|(r, _)| r.delivered_teu as f64)
            .sum(),
        routes: stats
            .routes
            .iter()
            .map(|r| r.delivered_teu as f64)
            .collect(),
        at_nodes: stats.nodes.iter().map(|n| n.yard_teu.level).collect(),
    }
}

/// Whether each flow of `model` is scaled (`flows`, or every flow when empty).
pub fn scaled_flows(model: &Model, flows: &[FlowId]) -> Vec<bool> {
    (0..model.flows.len())
        .map(|i| flows.is_empty() || flows.contains(&FlowId(i as u32)))
        .collect()
}

/// Whether each route of `model` carries one of the flows marked in `flows`.
pub fn routes_of(model: &Model, flows: &[bool]) -> Vec<bool> {
    let mut routes = vec![false; model.routes.len()];
    for (flow, _) in model.flows.iter().zip(flows).filter(|(_, s)| **s) {
        for (route, _) in &flow.routes {
            routes[route.index()] = true;
        }
    }
    routes
}

/// Mean and 95% CI of `values` (`None` when empty).
fn estimate(values: &[f64]) -> Option<Estimate> {
    let mut acc = Welford::default();
    for &v in values {
        acc.add(v);
    }
    Estimate::from_welford(&acc)
}

fn probe(
    model: &Model,
    spec: &CapacitySearch,
    runner: &Runner,
    scale: f64,
) -> Result<Probe, SimError> {
    let scaled = over_years(&scaled_demand(model, &spec.flows, scale), spec.years);
    let horizon = scaled.settings.horizon;
    let flows = scaled_flows(model, &spec.flows);
    let routes = routes_of(model, &flows);
    let offered_teu_per_year = scaled
        .flows
        .iter()
        .zip(&flows)
        .filter(|(_, scaled)| **scaled)
        .map(|(f, _)| f.mean_volume(crate::base::time::SimTime::ZERO, horizon))
        .sum();
    let mut observed = Vec::new();
    let outcome = runner.run_in_order(
        &scaled,
        spec.seed,
        Replications::range(0, spec.replications),
        |stats| observe(stats, &flows, &routes),
        |o| {
            observed.push(o);
            Ok::<(), SimError>(())
        },
    );
    let per_year = crate::base::time::HOURS_PER_YEAR
        / (scaled.settings.horizon.hours() - scaled.settings.warmup.hours());
    match outcome {
        Ok(()) => {}
        Err(err) if matches!(err.kind, StopKind::CargoBound | StopKind::Deadlock) => {
            return Ok(Probe {
                scale,
                offered_teu_per_year,
                shortfall: None,
                delivered_teu_per_year: None,
                route_teu_per_year: Vec::new(),
                stable: false,
                backlog_at: None,
                stopped: Some(err.to_string()),
            });
        }
        Err(err) => return Err(err),
    }
    let n = observed.len() as f64;
    let shortfalls: Vec<f64> = observed
        .iter()
        .map(|o| {
            if o.generated > 0.0 {
                1.0 - o.delivered / o.generated
            } else {
                0.0
            }
        })
        .collect();
    let shortfall = estimate(&shortfalls);
    let delivered: Vec<f64> = observed.iter().map(|o| o.delivered * per_year).collect();
    let route_teu_per_year = (0..scaled.routes.len())
        .map(|r| observed.iter().map(|o| o.routes[r]).sum::<f64>() / n * per_year)
        .collect();
    let backlog_at = (0..scaled.nodes.len())
        .map(|i| (i, observed.iter().map(|o| o.at_nodes[i]).sum::<f64>() / n))
        .filter(|(_, teu)| *teu > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, teu)| format!("node {} ({teu:.0} TEU at the horizon)", scaled.nodes[i].id));
    let upper = shortfall.map_or(0.0, |s| s.mean + s.half_width.unwrap_or(0.0));
    Ok(Probe {
        scale,
        offered_teu_per_year,
        shortfall,
        delivered_teu_per_year: estimate(&delivered),
        route_teu_per_year,
        stable: upper < spec.max_shortfall,
        backlog_at,
        stopped: None,
    })
}
