//! Daily time series: per simulated day of the whole run (warm-up included), one value per
//! replication, summarised over replications per entity and day.
//!
//! - Counts (TEU delivered per route, departures and TEU loaded per fleet) are integers, so
//!   [`DaySums`] keeps exact integer sums (count, sum, sum of squares): adding replications in any
//!   order, or merging partial sums, gives the same bits.
//! - Levels (queue length and TEU at a node) are floats: per replication, the engine records the
//!   time average of each level over each day, and across replications [`Welford`] takes them in
//!   replication order (the order [`Aggregate`] guarantees), which is what keeps them
//!   bit-identical for any thread count or shard layout.
//!
//! [`Aggregate`]: crate::experiment::Aggregate

use serde::{Deserialize, Serialize};

use super::replication::ReplicationStats;
use crate::base::accumulators::Welford;
use crate::base::estimate::{CONFIDENCE, t_critical};
use crate::model::Model;

/// One entity-day's values over replications: what the daily files report.
pub trait DayStat: Clone + Default {
    /// One replication's value for the day.
    type Value: Copy;

    /// Adds one replication's value.
    fn add(&mut self, value: Self::Value);

    /// Replications that simulated this day.
    fn n(&self) -> u64;

    /// Mean over replications, if any replication covered the day.
    fn mean(&self) -> Option<f64>;

    /// Sample standard deviation over replications, with at least two.
    fn sd(&self) -> Option<f64>;
}

/// Half-widths of 95% confidence intervals (Student t) of day means. Remembers the critical
/// value of the last replication count, which every day of a run normally shares: computing it
/// takes microseconds, and a year of daily rows has thousands.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HalfWidths {
    n: u64,
    t: f64,
}

impl HalfWidths {
    /// The half-width for `day`, if it has at least two replications.
    pub fn of<A: DayStat>(&mut self, day: &A) -> Option<f64> {
        let sd = day.sd()?;
        let n = day.n();
        if n != self.n {
            self.n = n;
            self.t = t_critical(CONFIDENCE, n - 1);
        }
        Some(self.t * sd / (n as f64).sqrt())
    }
}

/// Exact sums of one day's integer values over replications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaySums {
    /// Replications that simulated this day.
    pub n: u64,
    /// Sum of the values.
    pub sum: u64,
    /// Sum of squares of the values.
    pub sum_sq: u128,
}

impl DayStat for DaySums {
    type Value = u64;

    fn add(&mut self, value: u64) {
        self.n += 1;
        self.sum += value;
        self.sum_sq += u128::from(value) * u128::from(value);
    }

    fn n(&self) -> u64 {
        self.n
    }

    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// Computed from the exact integer sums.
    fn sd(&self) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        let n = u128::from(self.n);
        let sum = u128::from(self.sum);
        // n * sum_sq - sum^2 >= 0 exactly (Cauchy-Schwarz), no cancellation error.
        let numerator = n * self.sum_sq - sum * sum;
        Some((numerator as f64 / (n * (n - 1)) as f64).sqrt())
    }
}

impl DayStat for Welford {
    type Value = f64;

    fn add(&mut self, value: f64) {
        Welford::add(self, value);
    }

    fn n(&self) -> u64 {
        self.weight.round() as u64
    }

    fn mean(&self) -> Option<f64> {
        Welford::mean(self)
    }

    fn sd(&self) -> Option<f64> {
        Welford::sd(self)
    }
}

/// One accumulator per entity and simulated day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Daily<A> {
    /// `entities[entity][day]`.
    pub entities: Vec<Vec<A>>,
}

impl<A: DayStat> Daily<A> {
    /// An empty accumulator for `entities` entities.
    pub fn new(entities: usize) -> Daily<A> {
        Daily {
            entities: vec![Vec::new(); entities],
        }
    }

    /// Adds one replication's series of `entity` (index = day).
    pub fn add(&mut self, entity: usize, series: &[A::Value]) {
        let days = &mut self.entities[entity];
        if days.len() < series.len() {
            days.resize(series.len(), A::default());
        }
        for (day, value) in days.iter_mut().zip(series) {
            day.add(*value);
        }
    }
}

/// Days per week of the weekly series.
pub(crate) const DAYS_PER_WEEK: usize = 7;

impl Daily<DaySums> {
    /// Adds one replication's daily counts of `entity` as weekly totals: week `w` sums days
    /// `7w..7w+7` (the last week may be shorter). The spread across replications is that of the
    /// weekly totals themselves, which the daily spreads cannot give (days are correlated).
    pub fn add_weekly(&mut self, entity: usize, daily: &[u64]) {
        let weeks = &mut self.entities[entity];
        let count = daily.len().div_ceil(DAYS_PER_WEEK);
        if weeks.len() < count {
            weeks.resize(count, DaySums::default());
        }
        for (sums, days) in weeks.iter_mut().zip(daily.chunks(DAYS_PER_WEEK)) {
            sums.add(days.iter().sum());
        }
    }
}

/// Every daily series of a run, summarised over replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DailySeries {
    /// TEU delivered per route and day.
    pub delivered_teu: Daily<DaySums>,
    /// Time-average number of consignments waiting for a server, per node and day.
    pub queue: Daily<Welford>,
    /// Time-average TEU at the node, per node and day.
    pub yard_teu: Daily<Welford>,
    /// Departures from home per fleet and day.
    pub departures: Daily<DaySums>,
    /// TEU aboard those departures per fleet and day.
    pub departed_teu: Daily<DaySums>,
    /// TEU delivered per route and week of the run (days `7w..7w+7`).
    pub weekly_delivered_teu: Daily<DaySums>,
    /// Departures from home per fleet and week.
    pub weekly_departures: Daily<DaySums>,
    /// TEU aboard those departures per fleet and week.
    pub weekly_departed_teu: Daily<DaySums>,
    /// Route shares per month of the run: per route of each flow that chooses
    /// ([`choice_entities`]), per month (`month_starts`), each replication's share of the flow's
    /// TEU generated in the month that took the route (a replication whose flow generated
    /// nothing in the month is left out of it), in replication order.
    #[serde(default)]
    pub monthly_share: Daily<Welford>,
    /// The first day of each calendar month the run touches, then the day after the run's last.
    #[serde(default)]
    pub month_starts: Vec<usize>,
}

/// The `(flow, index of the route in the flow)` pairs of the route-share series, in model order:
/// every route of each flow that reports its choice (`model::choice::reports_choice`).
pub fn choice_entities(model: &Model) -> Vec<(usize, usize)> {
    model
        .flows
        .iter()
        .enumerate()
        .filter(|(i, _)| crate::model::choice::reports_choice(model, *i))
        .flat_map(|(i, f)| (0..f.routes.len()).map(move |k| (i, k)))
        .collect()
}

/// The first day of each calendar month of `model`'s run, then the day after its last day.
pub fn month_starts(model: &Model) -> Vec<usize> {
    let days = model.settings.horizon.days().ceil() as usize;
    let calendar = &model.settings.calendar;
    let month = |d: usize| {
        calendar.month(crate::base::time::SimTime::from_hours(
            d as f64 * crate::base::time::HOURS_PER_DAY,
        ))
    };
    let mut starts = vec![0];
    for d in 1..days {
        if month(d) != month(d - 1) {
            starts.push(d);
        }
    }
    starts.push(days);
    starts
}

impl DailySeries {
    /// An empty accumulator for the entities of `model`.
    pub fn new(model: &Model) -> DailySeries {
        DailySeries {
            delivered_teu: Daily::new(model.routes.len()),
            queue: Daily::new(model.nodes.len()),
            yard_teu: Daily::new(model.nodes.len()),
            departures: Daily::new(model.fleets.len()),
            departed_teu: Daily::new(model.fleets.len()),
            weekly_delivered_teu: Daily::new(model.routes.len()),
            weekly_departures: Daily::new(model.fleets.len()),
            weekly_departed_teu: Daily::new(model.fleets.len()),
            monthly_share: Daily::new(choice_entities(model).len()),
            month_starts: month_starts(model),
        }
    }

    /// Adds one replication (the float series must be added in replication order).
    pub fn add(&mut self, rep: &ReplicationStats) {
        for (i, route) in rep.routes.iter().enumerate() {
            self.delivered_teu.add(i, &route.daily_delivered_teu);
            self.weekly_delivered_teu
                .add_weekly(i, &route.daily_delivered_teu);
        }
        for (i, node) in rep.nodes.iter().enumerate() {
            self.queue.add(i, &node.daily_queue);
            self.yard_teu.add(i, &node.daily_yard_teu);
        }
        for (i, fleet) in rep.fleets.iter().enumerate() {
            self.departures.add(i, &fleet.daily_departures);
            self.departed_teu.add(i, &fleet.daily_departed_teu);
            self.weekly_departures
                .add_weekly(i, &fleet.daily_departures);
            self.weekly_departed_teu
                .add_weekly(i, &fleet.daily_departed_teu);
        }
        let mut entity = 0;
        for flow in rep.flows.iter().filter(|f| !f.daily_route_teu.is_empty()) {
            let routes = flow.daily_route_teu.len();
            let months = self.month_starts.len() - 1;
            for k in 0..routes {
                let series = &mut self.monthly_share.entities[entity + k];
                if series.len() < months {
                    series.resize(months, Welford::default());
                }
            }
            for (m, span) in self.month_starts.windows(2).enumerate() {
                let sum = |days: &Vec<u64>| -> u64 {
                    days.get(span[0]..span[1].min(days.len()))
                        .map_or(0, |d| d.iter().sum())
                };
                let total: u64 = flow.daily_route_teu.iter().map(sum).sum();
                if total == 0 {
                    continue;
                }
                for (k, days) in flow.daily_route_teu.iter().enumerate() {
                    let share = sum(days) as f64 / total as f64;
                    DayStat::add(&mut self.monthly_share.entities[entity + k][m], share);
                }
            }
            entity += routes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_sums_give_textbook_mean_and_sd() {
        let mut day = DaySums::default();
        [2, 4, 4, 4, 5, 5, 7, 9].iter().for_each(|v| day.add(*v));
        assert_eq!(day.mean(), Some(5.0));
        // Sample variance 32 / 7.
        assert!((day.sd().unwrap() - (32.0_f64 / 7.0).sqrt()).abs() < 1e-12);
        assert!(HalfWidths::default().of(&day).unwrap() > 0.0);
        let mut one = DaySums::default();
        one.add(3);
        assert_eq!(one.sd(), None);
    }

    #[test]
    fn welford_days_agree_with_integer_sums() {
        let mut sums = DaySums::default();
        let mut welford = Welford::default();
        for v in [2, 4, 4, 4, 5, 5, 7, 9] {
            sums.add(v);
            DayStat::add(&mut welford, v as f64);
        }
        assert_eq!(DayStat::n(&welford), 8);
        assert_eq!(DayStat::mean(&welford), sums.mean());
        let mut half_widths = HalfWidths::default();
        let (a, b) = (
            half_widths.of(&welford).unwrap(),
            half_widths.of(&sums).unwrap(),
        );
        assert!((a - b).abs() < 1e-12 * b);
        // The remembered critical value is the right one for another count.
        sums.add(5);
        let fresh = t_critical(CONFIDENCE, 8) * sums.sd().unwrap() / 3.0;
        assert_eq!(half_widths.of(&sums), Some(fresh));
    }
}
