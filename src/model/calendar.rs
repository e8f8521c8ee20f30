//! The calendar: which date, month and weekday a simulated time falls on.
//!
//! Without `[scenario] start`, the model keeps its abstract calendar: time 0 is Monday
//! 1 January of a 365-day year that repeats (no leap days), as it always has, so results are
//! bit-identical to a scenario written before calendars existed.
//!
//! With `start = "2025-01-01"`, simulated day `d` is the real calendar date `start + d` days
//! (the proleptic Gregorian calendar, via `jiff`): leap days exist (29 February 2028 is a day of
//! its own), months have their real lengths, and a run that starts on 15 March starts in March.
//! Rates stay per hour: a flow's `teu_per_year` is the volume of a 365-day year, so a leap year
//! carries one more day's worth of cargo, and monthly factors (seasonality, disruption rates)
//! apply to whichever real month a time falls in. Weekly schedule slots (`"mon 08:00"`) fall on
//! real weekdays: the compiler shifts them by the start's weekday.

use jiff::civil::Date;

use super::MONTH_DAYS;
use crate::base::time::{HOURS_PER_DAY, SimTime};

/// Maps simulated time to dates and months.
#[derive(Clone, Debug, Default)]
pub struct Calendar {
    /// The date of simulated day 0, if the scenario gave one.
    start: Option<Date>,
    /// With a start: the month (0 = January) of every simulated day of the run (and one more).
    month_by_day: Vec<u8>,
}

impl Calendar {
    /// A calendar starting at `start` (or the abstract 365-day one for `None`) covering
    /// `horizon`. Fails (with a message) only if the run would leave the years jiff supports.
    pub fn new(start: Option<Date>, horizon: SimTime) -> Result<Calendar, String> {
        let Some(start) = start else {
            return Ok(Calendar::default());
        };
        let days = horizon.days().ceil() as i64 + 1;
        let mut month_by_day = Vec::with_capacity(days as usize);
        let mut date = start;
        for _ in 0..days {
            month_by_day.push((date.month() - 1) as u8);
            date = date
                .tomorrow()
                .map_err(|_| format!("the run from {start} passes the last supported date"))?;
        }
        Ok(Calendar {
            start: Some(start),
            month_by_day,
        })
    }

    /// The date of simulated day 0, if the scenario gave one.
    pub fn start(&self) -> Option<Date> {
        self.start
    }

    /// The month (0 = January) containing simulated time `t`.
    #[inline]
    pub fn month(&self, t: SimTime) -> usize {
        if self.month_by_day.is_empty() {
            return month_of(t);
        }
        let day = t.days() as usize;
        let last = self.month_by_day.len() - 1;
        usize::from(self.month_by_day[day.min(last)])
    }

    /// The date of simulated day `day` (`None` without a start).
    pub fn date(&self, day: usize) -> Option<Date> {
        let start = self.start?;
        start.checked_add(jiff::Span::new().days(day as i64)).ok()
    }

    /// The simulated day on which `date` falls (negative if before the start; `None` without a
    /// start).
    pub fn day_of(&self, date: Date) -> Option<i64> {
        let start = self.start?;
        Some(date.duration_since(start).as_hours().div_euclid(24))
    }

    /// Hours from the Monday 00:00 before (or at) the start to the start: 0 without a start
    /// (time 0 is a Monday).
    pub fn week_offset_h(&self) -> f64 {
        self.start.map_or(0.0, |d| {
            f64::from(d.weekday().to_monday_zero_offset()) * HOURS_PER_DAY
        })
    }

    /// The calendar years a run of `horizon` touches: `(label, first day, end day)` with days
    /// since time 0, the last year cut at the horizon. Without a start, years are the model's
    /// 365-day years labelled 1, 2, ...
    pub fn years(&self, horizon: SimTime) -> Vec<(i32, f64, f64)> {
        let end = horizon.days();
        let mut years = Vec::new();
        match self.start {
            None => {
                let mut first = 0.0;
                let mut label = 1;
                while first < end {
                    years.push((label, first, (first + 365.0).min(end)));
                    first += 365.0;
                    label += 1;
                }
            }
            Some(start) => {
                let mut year = start.year();
                let mut first = 0.0;
                while first < end {
                    let Ok(next) = Date::new(year.saturating_add(1), 1, 1) else {
                        years.push((i32::from(year), first, end));
                        break;
                    };
                    let next_day = next.duration_since(start).as_hours() as f64 / HOURS_PER_DAY;
                    years.push((i32::from(year), first, next_day.min(end)));
                    first = next_day;
                    year += 1;
                }
            }
        }
        years
    }
}

/// One calendar year's part of a statistics window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YearSpan {
    /// The calendar year (with a start date) or the model year 1, 2, ... (without).
    pub year: i32,
    /// Where the part starts, hours since time 0.
    pub start_h: f64,
    /// Where it ends, hours.
    pub end_h: f64,
    /// Whether the part is shorter than its year (the window starts after 1 January or ends
    /// before 31 December).
    pub partial: bool,
}

impl YearSpan {
    /// Length, days.
    pub fn days(&self) -> f64 {
        (self.end_h - self.start_h) / HOURS_PER_DAY
    }
}

impl Calendar {
    /// The statistics window `[warmup, horizon)` cut at the boundaries of the years of
    /// [`Calendar::years`], when it touches more than one year; empty when it lies within one
    /// (results by year would only repeat the window's).
    pub fn window_years(&self, warmup: SimTime, horizon: SimTime) -> Vec<YearSpan> {
        let (from, to) = (warmup.hours(), horizon.hours());
        let spans: Vec<YearSpan> = self
            .years(horizon)
            .into_iter()
            .filter_map(|(year, first_day, end_day)| {
                let (first_h, end_h) = (first_day * HOURS_PER_DAY, end_day * HOURS_PER_DAY);
                let full_h = match self.start {
                    Some(_) => f64::from(jiff_days_in_year(year)) * HOURS_PER_DAY,
                    None => 365.0 * HOURS_PER_DAY,
                };
                let start_h = first_h.max(from);
                let end_h = end_h.min(to);
                (end_h > start_h).then_some(YearSpan {
                    year,
                    start_h,
                    end_h,
                    partial: end_h - start_h < full_h,
                })
            })
            .collect();
        if spans.len() > 1 { spans } else { Vec::new() }
    }

    /// The date (with a start) of the first and last day of `span`, as `YYYY-MM-DD`; without a
    /// start, `day N` (simulated day numbers, from 0).
    pub fn span_dates(&self, span: &YearSpan) -> (String, String) {
        let first = (span.start_h / HOURS_PER_DAY).floor() as usize;
        let last = ((span.end_h / HOURS_PER_DAY).ceil() as usize).max(first + 1) - 1;
        match (self.date(first), self.date(last)) {
            (Some(a), Some(b)) => (a.to_string(), b.to_string()),
            _ => (format!("day {first}"), format!("day {last}")),
        }
    }
}

/// Days in calendar year `year` (365 or 366).
fn jiff_days_in_year(year: i32) -> i32 {
    i16::try_from(year)
        .ok()
        .and_then(|y| Date::new(y, 1, 1).ok())
        .map_or(365, |d| if d.in_leap_year() { 366 } else { 365 })
}

/// The month (0 = January) containing simulated time `t` in the abstract 365-day calendar; it
/// repeats every 365 days.
pub(crate) fn month_of(t: SimTime) -> usize {
    let day = (t.hours() / HOURS_PER_DAY).floor() as u64 % 365;
    let mut start = 0;
    for (month, days) in MONTH_DAYS.iter().enumerate() {
        start += u64::from(*days);
        if day < start {
            return month;
        }
    }
    11
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn months_follow_the_365_day_calendar() {
        assert_eq!(month_of(SimTime::ZERO), 0);
        assert_eq!(month_of(SimTime::from_days(30.99)), 0);
        assert_eq!(month_of(SimTime::from_days(31.0)), 1);
        assert_eq!(month_of(SimTime::from_days(59.0)), 2);
        assert_eq!(month_of(SimTime::from_days(364.5)), 11);
        assert_eq!(month_of(SimTime::from_days(365.0)), 0);
    }

    #[test]
    fn without_a_start_the_calendar_is_the_abstract_one() {
        let calendar = Calendar::new(None, SimTime::from_days(800.0)).unwrap();
        for day in [0.0, 31.0, 59.5, 364.9, 365.0, 700.0] {
            let t = SimTime::from_days(day);
            assert_eq!(calendar.month(t), month_of(t));
        }
        assert_eq!(calendar.date(3), None);
        assert_eq!(calendar.week_offset_h(), 0.0);
        assert_eq!(
            calendar.years(SimTime::from_days(800.0)),
            vec![(1, 0.0, 365.0), (2, 365.0, 730.0), (3, 730.0, 800.0)]
        );
    }

    #[test]
    fn with_a_start_days_are_real_dates_with_leap_days() {
        let calendar = Calendar::new(Some(date("2027-12-30")), SimTime::from_days(500.0)).unwrap();
        assert_eq!(calendar.date(0), Some(date("2027-12-30")));
        assert_eq!(calendar.date(2), Some(date("2028-01-01")));
        // 2028 is a leap year: 1 January + 59 days is 29 February.
        assert_eq!(calendar.date(61), Some(date("2028-02-29")));
        assert_eq!(calendar.month(SimTime::from_days(61.5)), 1);
        assert_eq!(calendar.month(SimTime::from_days(62.0)), 2);
        assert_eq!(calendar.month(SimTime::from_days(0.0)), 11);
        assert_eq!(calendar.day_of(date("2028-03-01")), Some(62));
        assert_eq!(calendar.day_of(date("2027-12-29")), Some(-1));
        // 30 December 2027 is a Thursday: three days after Monday.
        assert_eq!(calendar.week_offset_h(), 72.0);
        assert_eq!(
            calendar.years(SimTime::from_days(500.0)),
            vec![(2027, 0.0, 2.0), (2028, 2.0, 368.0), (2029, 368.0, 500.0)]
        );
    }

    #[test]
    fn a_start_on_1_january_of_a_common_year_has_the_abstract_months_in_its_first_year() {
        let calendar = Calendar::new(Some(date("2025-01-01")), SimTime::from_days(365.0)).unwrap();
        for day in 0..365 {
            let t = SimTime::from_days(day as f64 + 0.5);
            assert_eq!(calendar.month(t), month_of(t), "day {day}");
        }
    }
}
