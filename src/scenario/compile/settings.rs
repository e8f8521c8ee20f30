//! `[scenario]`: the run settings (name, horizon, warm-up, seed, replications).

use super::common::{check_text, positive_count, span_of};
use super::limits::MAX_HORIZON_DAYS;
use crate::base::time::SimTime;
use jiff::civil::Date;

use crate::model::{Calendar, RunSettings};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::ScenarioSpec;

/// Default base seed.
pub(crate) const DEFAULT_SEED: u64 = 1;
/// Default number of replications.
pub(crate) const DEFAULT_REPLICATIONS: u32 = 10;

/// Default bound on consignments in the system at once.
pub(crate) const DEFAULT_MAX_IN_SYSTEM: u64 = 1_000_000;
/// Largest bound accepted (consignments are numbered with 32 bits).
const MAX_MAX_IN_SYSTEM: i64 = u32::MAX as i64;

/// Checks `[scenario]` and builds the run settings.
pub(super) fn compile_settings(
    spec: &ScenarioSpec,
    diags: &mut Diagnostics<'_>,
) -> Option<RunSettings> {
    let mut name_ok = check_name(spec, diags);
    name_ok &= check_text(&spec.name, "scenario.name", false, diags);
    if let Some(description) = &spec.description {
        name_ok &= check_text(description, "scenario.description", true, diags);
    }
    let horizon_days = *spec.horizon_days.get_ref();
    let horizon_ok = check_horizon(spec, diags);
    let warmup_days = spec.warmup_days.as_ref().map_or(0.0, |w| *w.get_ref());
    let warmup_ok = check_warmup(spec, horizon_days, diags);
    let replications = replications(spec, diags);
    let max_in_system = match &spec.max_in_system {
        None => Some(DEFAULT_MAX_IN_SYSTEM),
        Some(value) => {
            positive_count(value, "scenario.max_in_system", MAX_MAX_IN_SYSTEM, diags).map(u64::from)
        }
    };
    let calendar = if horizon_ok {
        calendar(spec, diags)
    } else {
        None
    };
    (name_ok && horizon_ok && warmup_ok && replications.is_some() && max_in_system.is_some())
        .then_some(())
        .and(calendar)
        .map(|calendar| RunSettings {
            name: spec.name.get_ref().clone(),
            description: spec
                .description
                .as_ref()
                .map(|d| d.get_ref().clone())
                .unwrap_or_default(),
            horizon: SimTime::from_days(horizon_days),
            warmup: SimTime::from_days(warmup_days),
            seed: spec.seed.unwrap_or(DEFAULT_SEED),
            replications: replications.unwrap_or(1),
            max_in_system: max_in_system.unwrap_or(DEFAULT_MAX_IN_SYSTEM),
            calendar,
        })
}

/// The date of time 0, if given: a real date `YYYY-MM-DD` such that the whole run stays within
/// the years the calendar supports.
pub(super) fn start_date(
    spec: &ScenarioSpec,
    diags: &mut Diagnostics<'_>,
) -> Result<Option<Date>, ()> {
    let Some(start) = &spec.start else {
        return Ok(None);
    };
    parse_date(start.get_ref())
        .map(Some)
        .map_err(|message| diags.push(span_of(start), "scenario.start", message))
}

/// Parses a date written `YYYY-MM-DD` (a real date: `2027-02-29` is not one).
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(format!("must be a date written YYYY-MM-DD, got \"{text}\""));
    }
    text.parse::<Date>()
        .map_err(|_| format!("\"{text}\" is not a date in the calendar"))
}

/// The calendar of the run.
fn calendar(spec: &ScenarioSpec, diags: &mut Diagnostics<'_>) -> Option<Calendar> {
    let start = start_date(spec, diags).ok()?;
    let horizon = SimTime::from_days(*spec.horizon_days.get_ref());
    match Calendar::new(start, horizon) {
        Ok(calendar) => Some(calendar),
        Err(message) => {
            diags.push(
                spec.start.as_ref().and_then(span_of),
                "scenario.start",
                message,
            );
            None
        }
    }
}

/// The name is not blank.
fn check_name(spec: &ScenarioSpec, diags: &mut Diagnostics<'_>) -> bool {
    if spec.name.get_ref().trim().is_empty() {
        diags.push(span_of(&spec.name), "scenario.name", "must not be empty");
        return false;
    }
    true
}

/// The horizon is a positive number of days, at most [`MAX_HORIZON_DAYS`].
fn check_horizon(spec: &ScenarioSpec, diags: &mut Diagnostics<'_>) -> bool {
    let horizon_days = *spec.horizon_days.get_ref();
    let message = if !horizon_days.is_finite() || horizon_days <= 0.0 {
        format!("must be a positive number of days, got {horizon_days}")
    } else if horizon_days > MAX_HORIZON_DAYS {
        format!("must be at most 365000 days (1,000 years), got {horizon_days}")
    } else {
        return true;
    };
    diags.push(
        span_of(&spec.horizon_days),
        "scenario.horizon_days",
        message,
    );
    false
}

/// The warm-up is at least 0 and ends before the horizon.
fn check_warmup(spec: &ScenarioSpec, horizon_days: f64, diags: &mut Diagnostics<'_>) -> bool {
    let warmup_days = spec.warmup_days.as_ref().map_or(0.0, |w| *w.get_ref());
    let message = if !warmup_days.is_finite() || warmup_days < 0.0 {
        format!("must be a number of days at least 0, got {warmup_days}")
    } else if horizon_days.is_finite() && warmup_days >= horizon_days {
        format!("must be less than horizon_days ({horizon_days}), got {warmup_days}")
    } else {
        return true;
    };
    let span = spec.warmup_days.as_ref().map(|w| w.span());
    diags.push(span, "scenario.warmup_days", message);
    false
}

/// The number of replications (default [`DEFAULT_REPLICATIONS`]), from 1 to `u32::MAX`.
fn replications(spec: &ScenarioSpec, diags: &mut Diagnostics<'_>) -> Option<u32> {
    let Some(value) = &spec.replications else {
        return Some(DEFAULT_REPLICATIONS);
    };
    match u32::try_from(*value.get_ref()) {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            diags.push(
                span_of(value),
                "scenario.replications",
                format!(
                    "must be a whole number from 1 to {}, got {}",
                    u32::MAX,
                    value.get_ref()
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::run;

    fn settings(text: &str) -> (Option<RunSettings>, Vec<String>) {
        run(text, |spec: &ScenarioSpec, diags| {
            compile_settings(spec, diags)
        })
    }

    #[test]
    fn defaults_apply_to_what_is_left_out() {
        let (got, diags) = settings("name = \"s\"\nhorizon_days = 30");
        assert_eq!(diags, Vec::<String>::new());
        let got = got.unwrap();
        assert_eq!(got.seed, DEFAULT_SEED);
        assert_eq!(got.replications, DEFAULT_REPLICATIONS);
        assert_eq!(got.warmup, SimTime::from_days(0.0));
        assert_eq!(got.horizon, SimTime::from_days(30.0));
    }

    #[test]
    fn warmup_must_end_before_the_horizon() {
        let (got, diags) = settings("name = \"s\"\nhorizon_days = 30\nwarmup_days = 30");
        assert!(got.is_none());
        assert_eq!(
            diags,
            ["3:15: scenario.warmup_days: must be less than horizon_days (30), got 30"]
        );
    }

    #[test]
    fn every_bad_setting_is_reported_at_once() {
        let (got, diags) = settings("name = \" \"\nhorizon_days = 400000\nreplications = 0");
        assert!(got.is_none());
        assert_eq!(
            diags,
            [
                "1:8: scenario.name: must not be empty",
                "2:16: scenario.horizon_days: must be at most 365000 days (1,000 years), got 400000",
                "3:16: scenario.replications: must be a whole number from 1 to 4294967295, got 0",
            ]
        );
    }

    #[test]
    fn a_start_date_gives_the_run_a_real_calendar() {
        let (got, diags) = settings("name = \"s\"\nhorizon_days = 30\nstart = \"2028-02-28\"");
        assert_eq!(diags, Vec::<String>::new());
        let calendar = got.unwrap().calendar;
        assert_eq!(
            calendar.start().map(|d| d.to_string()).as_deref(),
            Some("2028-02-28")
        );
        assert_eq!(
            calendar.date(1).map(|d| d.to_string()).as_deref(),
            Some("2028-02-29")
        );
    }

    #[test]
    fn a_start_that_is_not_a_date_is_reported_with_what_is_allowed() {
        for (start, message) in [
            (
                "2025-1-1",
                "must be a date written YYYY-MM-DD, got \"2025-1-1\"",
            ),
            ("2027-02-29", "\"2027-02-29\" is not a date in the calendar"),
            (
                "next year",
                "must be a date written YYYY-MM-DD, got \"next year\"",
            ),
        ] {
            let (got, diags) = settings(&format!(
                "name = \"s\"\nhorizon_days = 30\nstart = \"{start}\""
            ));
            assert!(got.is_none());
            assert_eq!(diags, [format!("3:9: scenario.start: {message}")]);
        }
    }
}
