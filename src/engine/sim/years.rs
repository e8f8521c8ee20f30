//! Results by calendar year: the statistics window cut at year boundaries.
//!
//! The engine keeps recording the window's running totals exactly as without years (so the
//! window's results do not change by a bit). At each year boundary inside the window it copies
//! the totals (without the daily series), closing every time-weighted level at the boundary, and
//! restarts each level's maximum; at the horizon the last copy is the final totals. A year's
//! statistics are the difference of the copies at its two ends: counts and histogram counts
//! subtract exactly, so the years' counts add up to the window's; means come from the subtracted
//! sums. The maxima are the per-year maxima, and the window's maximum is restored as the largest
//! of them. This costs nothing per event: only the (cold) end of a day checks for a boundary.

use super::Simulation;
use crate::stats::{NodeStats, ReplicationStats, YearStats};

/// The year boundaries of a run and the copies taken so far.
#[derive(Clone, Debug, Default)]
pub(super) struct YearCuts {
    /// Boundaries strictly inside the window, hours, ascending (empty within one year).
    cuts: Vec<f64>,
    /// The next boundary to reach.
    next: usize,
    /// The running totals at each boundary reached.
    marks: Vec<YearStats>,
}

impl YearCuts {
    /// The boundaries of `model`'s window.
    pub(super) fn new(model: &crate::model::Model) -> YearCuts {
        let settings = &model.settings;
        let spans = settings
            .calendar
            .window_years(settings.warmup, settings.horizon);
        YearCuts {
            cuts: spans.iter().skip(1).map(|span| span.start_h).collect(),
            next: 0,
            marks: Vec::new(),
        }
    }

    /// Forgets the copies of the last replication.
    pub(super) fn reset(&mut self) {
        self.next = 0;
        self.marks.clear();
    }
}

/// The running totals of `stats`, without the daily series and the routes' transit by month,
/// with every level closed at `at_h`, as the year ending at `at_h`.
fn copy_totals(stats: &mut ReplicationStats, start_h: f64, at_h: f64) -> YearStats {
    let nodes = stats
        .nodes
        .iter_mut()
        .map(|node| {
            let daily_queue = std::mem::take(&mut node.daily_queue);
            let daily_yard_teu = std::mem::take(&mut node.daily_yard_teu);
            let mut copy = node.clone();
            node.daily_queue = daily_queue;
            node.daily_yard_teu = daily_yard_teu;
            for level in copy.levels_mut() {
                level.close(at_h);
            }
            if let Some(servers) = &mut copy.servers {
                servers.close(at_h);
            }
            copy
        })
        .collect();
    let routes = stats
        .routes
        .iter_mut()
        .map(|route| {
            let daily = std::mem::take(&mut route.daily_delivered_teu);
            let months = std::mem::take(&mut route.transit_by_month);
            let copy = route.clone();
            route.daily_delivered_teu = daily;
            route.transit_by_month = months;
            copy
        })
        .collect();
    let fleets = stats
        .fleets
        .iter_mut()
        .map(|fleet| {
            let departures = std::mem::take(&mut fleet.daily_departures);
            let departed = std::mem::take(&mut fleet.daily_departed_teu);
            let mut copy = fleet.clone();
            fleet.daily_departures = departures;
            fleet.daily_departed_teu = departed;
            copy.away.close(at_h);
            copy
        })
        .collect();
    let flows = stats
        .flows
        .iter_mut()
        .map(|flow| {
            let daily = std::mem::take(&mut flow.daily_route_teu);
            let mut copy = flow.clone();
            flow.daily_route_teu = daily;
            copy.origin_teu.close(at_h);
            copy
        })
        .collect();
    let breakdowns = stats
        .breakdowns
        .iter()
        .map(|breakdown| {
            let mut copy = breakdown.clone();
            for level in copy.levels_mut() {
                level.close(at_h);
            }
            copy
        })
        .collect();
    YearStats {
        start_h,
        end_h: at_h,
        nodes,
        routes,
        flows,
        fleets,
        breakdowns,
    }
}

/// Restarts the maximum of every level of `node` at its current level.
fn restart_maxima(node: &mut NodeStats) {
    for level in node.levels_mut() {
        level.max = level.level;
    }
    if let Some(servers) = &mut node.servers {
        servers.max = servers.level;
    }
}

impl Simulation<'_> {
    /// Takes the copy of a year boundary if the day ending at `day_end_h` ends a year. Called
    /// when a day closes, before anything at `day_end_h` happens.
    pub(super) fn cut_year_at(&mut self, day_end_h: f64) {
        let years = &mut self.years;
        if years.next >= years.cuts.len() || day_end_h < years.cuts[years.next] {
            return;
        }
        let at_h = years.cuts[years.next];
        years.next += 1;
        let start_h = years
            .marks
            .last()
            .map_or(self.base.settings.warmup.hours(), |m| m.end_h);
        let mark = copy_totals(&mut self.stats, start_h, at_h);
        self.years.marks.push(mark);
        for node in &mut self.stats.nodes {
            restart_maxima(node);
        }
        for fleet in &mut self.stats.fleets {
            fleet.away.max = fleet.away.level;
        }
    }

    /// At the horizon, once every level is closed: the per-year statistics, and the window's
    /// maxima restored.
    pub(super) fn finish_years(&mut self) {
        if self.years.cuts.is_empty() {
            return;
        }
        let now = self.now.hours();
        let start_h = self.years.marks.last().map_or(now, |m| m.end_h);
        let last = copy_totals(&mut self.stats, start_h, now);
        let marks = &self.years.marks;
        for (i, node) in self.stats.nodes.iter_mut().enumerate() {
            for mark in marks {
                let year = &mark.nodes[i];
                let year_levels = [
                    year.queue,
                    year.in_node,
                    year.busy,
                    year.blocked,
                    year.yard_teu,
                ];
                for (level, year) in node.levels_mut().into_iter().zip(&year_levels) {
                    level.max = level.max.max(year.max);
                }
                if let (Some(level), Some(year)) = (&mut node.servers, &year.servers) {
                    level.max = level.max.max(year.max);
                }
            }
        }
        for (i, fleet) in self.stats.fleets.iter_mut().enumerate() {
            for mark in marks {
                fleet.away.max = fleet.away.max.max(mark.fleets[i].away.max);
            }
        }
        self.years.marks.push(last);
        let marks = &self.years.marks;
        self.stats.years = (0..marks.len())
            .map(|i| marks[i].since(i.checked_sub(1).map(|j| &marks[j])))
            .collect();
    }
}
