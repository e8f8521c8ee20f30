//! `[leg.fleet]`: vessels or trains shuttling on a leg: size, capacity, departure rule, berth
//! times, the trip home (empty or carrying a return leg's cargo), and which nodes' berths they use.

use std::collections::HashMap;

use toml::Spanned;

use super::breakdowns::{Unit, compile_breakdown};
use super::common::{Ids, Span, UNUSABLE, count_in, positive_count, sorted_keys, span_of};
use super::distributions::{compile_dist, zero};
use super::limits::MAX_HORIZON_DAYS;
use super::limits::MAX_WAIT_H;
use super::nodes::parse_time_of_day;
use super::settings::parse_date;
use crate::base::number::compact;
use crate::base::rng::StreamId;
use crate::base::time::{HOURS_PER_DAY, HOURS_PER_WEEK};
use crate::model::{
    Calendar, DeparturePolicy, Direction, Dist, Fleet, FleetId, Leg, LegId, Node, VehicleClass,
    VehicleKind,
};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{ClassSpec, DistSpec, FleetSpec};

/// Most vehicles one fleet may have.
const MAX_VEHICLES: i64 = 10_000;
/// Largest capacity of one vehicle, TEU.
const MAX_CAPACITY_TEU: i64 = 1_000_000;

/// Compiles the `[leg.fleet]` tables of `specs` (parallel to `legs`) and links legs to fleets.
pub(super) fn compile_fleets(
    specs: &[(String, Option<&Spanned<FleetSpec>>)],
    legs: &mut [Leg],
    context: &Context<'_>,
    diags: &mut Diagnostics<'_>,
) -> Vec<Fleet> {
    let mut fleets = Vec::new();
    let mut carried_back: HashMap<u32, String> = HashMap::new();
    for (index, (leg_id, spec)) in specs.iter().enumerate() {
        let Some(spec) = spec else { continue };
        let path = format!("leg \"{leg_id}\".fleet");
        let Some(fleet) = compile_fleet(leg_id, &path, spec, index, legs, context, diags) else {
            continue;
        };
        if let Some(back) = fleet.return_leg
            && let Some(other) = carried_back.insert(back.0, leg_id.clone())
        {
            diags.push(
                spec.get_ref().return_leg.as_ref().and_then(span_of),
                format!("{path}.return_leg"),
                format!(
                    "leg \"{}\" is already the return leg of the fleet on leg \"{other}\"",
                    legs[back.index()].id
                ),
            );
            continue;
        }
        fleets.push(fleet);
    }
    link_legs(&fleets, legs, diags);
    fleets
}

/// Points each fleet's leg (and return leg) at it; a return leg with a fleet of its own is
/// reported.
fn link_legs(fleets: &[Fleet], legs: &mut [Leg], diags: &mut Diagnostics<'_>) {
    for (i, fleet) in fleets.iter().enumerate() {
        let id = FleetId(i as u32);
        legs[fleet.leg.index()].fleet = Some((id, Direction::Out));
        if let Some(back) = fleet.return_leg {
            if legs[back.index()].fleet.is_some() {
                diags.push(
                    None,
                    format!("leg \"{}\".fleet.return_leg", fleet.id),
                    format!(
                        "leg \"{}\" has a fleet of its own; a return leg must not",
                        legs[back.index()].id
                    ),
                );
            }
            legs[back.index()].fleet = Some((id, Direction::Back));
        }
    }
}

fn compile_fleet(
    leg_id: &str,
    path: &str,
    spec: &Spanned<FleetSpec>,
    index: usize,
    legs: &[Leg],
    context: &Context<'_>,
    diags: &mut Diagnostics<'_>,
) -> Option<Fleet> {
    let classes = match &spec.get_ref().classes {
        None => unnamed_class(spec, path, diags),
        Some(classes) => named_classes(spec, classes, path, context, diags),
    };
    let spec = spec.get_ref();
    let policy = departure_policy(spec, path, diags);
    let leg = &legs[index];
    let (return_leg, return_leg_ok) = return_leg(spec, path, leg, legs, context.leg_ids, diags);
    let return_time = return_time(spec, path, leg, return_leg, diags);
    let breakdown = match &spec.breakdown {
        Some(b) => {
            let compiled = compile_breakdown(b, Unit::Vehicle, path, diags);
            if let Some((_, classes)) = &classes
                && classes.iter().any(|c| c.enters_h > 0.0)
            {
                diags.push(
                    span_of(b),
                    format!("{path}.breakdown"),
                    "a fleet whose vehicles break down cannot have a class entering service \
                     later in this version (vehicles under repair need rules of their own)",
                );
            }
            Some(compiled)
        }
        None => None,
    };
    let (kind, classes) = classes?;
    let (Some(policy), true) = (policy, return_leg_ok) else {
        return None;
    };
    let breakdown = match breakdown {
        Some(compiled) => Some(compiled?),
        None => None,
    };
    if breakdown.is_some() && classes.iter().any(|c| c.enters_h > 0.0) {
        return None;
    }
    Some(Fleet {
        id: leg_id.to_string(),
        kind,
        leg: LegId(index as u32),
        return_leg,
        classes,
        policy,
        return_time: return_time?,
        stream: StreamId::from_name(&format!("fleet/{leg_id}")),
        breakdown,
    })
}

/// What the fleet's checks need of the rest of the scenario.
pub(super) struct Context<'c> {
    /// The ids of the legs.
    pub leg_ids: &'c Ids,
    /// The calendar, to read a class's `from` date (`None` if `[scenario]` failed to compile).
    pub calendar: Option<&'c Calendar>,
}

/// The values one class is built from: its own, or the fleet's where it leaves one out.
struct ClassFields<'s> {
    capacity_teu: Option<&'s Spanned<i64>>,
    load_factor: Option<&'s Spanned<f64>>,
    depart_at_teu: Option<&'s Spanned<i64>>,
    load_time: Option<&'s Spanned<DistSpec>>,
    unload_time: Option<&'s Spanned<DistSpec>>,
}

/// The one class of a fleet written without `classes`: the fleet's own values.
fn unnamed_class(
    spec: &Spanned<FleetSpec>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<(VehicleKind, Vec<VehicleClass>)> {
    let (kind, vehicles) = vehicles(
        spec.get_ref().vessels.as_ref(),
        spec.get_ref().trains.as_ref(),
        span_of(spec),
        path,
        1,
        diags,
    )?;
    let fleet = spec.get_ref();
    let fields = ClassFields {
        capacity_teu: fleet.capacity_teu.as_ref(),
        load_factor: fleet.load_factor.as_ref(),
        depart_at_teu: fleet.depart_at_teu.as_ref(),
        load_time: fleet.load_time.as_ref(),
        unload_time: fleet.unload_time.as_ref(),
    };
    if fields.capacity_teu.is_none() {
        diags.push(
            span_of(spec),
            format!("{path}.capacity_teu"),
            "missing: give the capacity of one vehicle, capacity_teu = N (or vehicle classes, [leg.fleet.classes.<id>])",
        );
        return None;
    }
    let class = compile_class("", &fields, path, vehicles, diags)?;
    Some((kind, vec![class]))
}

/// Largest `speed` of a class.
const MAX_SPEED: f64 = 1000.0;

/// The named classes of `[leg.fleet.classes.<id>]`, in order of their ids, all of one kind.
fn named_classes(
    spec: &Spanned<FleetSpec>,
    classes: &Spanned<std::collections::BTreeMap<String, Spanned<ClassSpec>>>,
    path: &str,
    context: &Context<'_>,
    diags: &mut Diagnostics<'_>,
) -> Option<(VehicleKind, Vec<VehicleClass>)> {
    let fleet = spec.get_ref();
    let mut ok = true;
    for (key, value) in [("vessels", &fleet.vessels), ("trains", &fleet.trains)] {
        if let Some(value) = value {
            diags.push(
                span_of(value),
                format!("{path}.{key}"),
                "a fleet with classes gives the number of vehicles per class ([leg.fleet.classes.<id>] vessels = N), not for the fleet",
            );
            ok = false;
        }
    }
    if classes.get_ref().is_empty() {
        diags.push(
            span_of(classes),
            format!("{path}.classes"),
            "must hold at least one class, [leg.fleet.classes.<id>]",
        );
        return None;
    }
    let mut kinds: Vec<(VehicleKind, String)> = Vec::new();
    let mut compiled = Vec::new();
    for (id, class) in classes.get_ref() {
        let class_path = format!("{path}.classes.{id}");
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            diags.push(
                span_of(class),
                class_path.clone(),
                format!(
                    "a class id is made of letters, digits, '-' and '_' (it names KPI columns and parameter paths), got \"{id}\""
                ),
            );
            ok = false;
        }
        let c = class.get_ref();
        let Some((kind, vehicles)) = vehicles(
            c.vessels.as_ref(),
            c.trains.as_ref(),
            span_of(class),
            &class_path,
            0,
            diags,
        ) else {
            ok = false;
            continue;
        };
        if let Some((other, other_id)) = kinds.first()
            && *other != kind
        {
            diags.push(
                c.vessels.as_ref().or(c.trains.as_ref()).and_then(span_of),
                class_path.clone(),
                format!(
                    "all classes of a fleet are vessels or all are trains; class \"{other_id}\" \
                     has {}",
                    match other {
                        VehicleKind::Vessel => "vessels",
                        VehicleKind::Train => "trains",
                    }
                ),
            );
            ok = false;
        }
        kinds.push((kind, id.clone()));
        let fields = ClassFields {
            capacity_teu: c.capacity_teu.as_ref().or(fleet.capacity_teu.as_ref()),
            load_factor: c.load_factor.as_ref().or(fleet.load_factor.as_ref()),
            depart_at_teu: c.depart_at_teu.as_ref().or(fleet.depart_at_teu.as_ref()),
            load_time: c.load_time.as_ref().or(fleet.load_time.as_ref()),
            unload_time: c.unload_time.as_ref().or(fleet.unload_time.as_ref()),
        };
        if fields.capacity_teu.is_none() {
            diags.push(
                span_of(class),
                format!("{class_path}.capacity_teu"),
                "missing: give capacity_teu in the class or in [leg.fleet]",
            );
            ok = false;
            continue;
        }
        let class_scheduled = fleet
            .departure
            .as_ref()
            .is_some_and(|d| d.get_ref() == "schedule");
        if class_scheduled && let Some(at) = &c.depart_at_teu {
            diags.push(
                span_of(at),
                format!("{class_path}.depart_at_teu"),
                "is only used with departure = \"when_full\"",
            );
            ok = false;
        }
        let trip = class_trip(c, &class_path, diags);
        let enters_h = enters_h(c, &class_path, context, diags);
        let Some(mut compiled_class) = compile_class(id, &fields, &class_path, vehicles, diags)
        else {
            ok = false;
            continue;
        };
        match (trip, enters_h) {
            (Some((transit, speed)), Some(enters_h)) => {
                compiled_class.transit = transit;
                compiled_class.speed = speed;
                compiled_class.enters_h = enters_h;
                compiled.push(compiled_class);
            }
            _ => ok = false,
        }
    }
    let kind = kinds.first()?.0;
    ok.then_some((kind, compiled))
}

/// A class's own trip: `transit` (a distribution) or `speed` (a positive factor), not both.
/// `None` if invalid.
fn class_trip(
    class: &ClassSpec,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<(Option<Dist>, f64)> {
    match (&class.transit, &class.speed) {
        (Some(_), Some(speed)) => {
            diags.push(
                span_of(speed),
                format!("{path}.speed"),
                "give either transit (the class's own trip time) or speed (relative to the leg's transit), not both",
            );
            None
        }
        (Some(transit), None) => {
            compile_dist(transit, &format!("{path}.transit"), diags).map(|d| (Some(d), 1.0))
        }
        (None, Some(speed)) => {
            let v = *speed.get_ref();
            if v > 0.0 && v <= MAX_SPEED {
                Some((None, v))
            } else {
                diags.push(
                    span_of(speed),
                    format!("{path}.speed"),
                    format!(
                        "must be a positive factor of the leg's speed, at most {}, got {}",
                        compact(MAX_SPEED),
                        compact(v)
                    ),
                );
                None
            }
        }
        (None, None) => Some((None, 1.0)),
    }
}

/// When a class enters service: `from` (a date, with `[scenario] start`) or `from_day`, hours
/// from time 0 (0 if neither). `None` if invalid.
fn enters_h(
    class: &ClassSpec,
    path: &str,
    context: &Context<'_>,
    diags: &mut Diagnostics<'_>,
) -> Option<f64> {
    let day = match (&class.from, &class.from_day) {
        (None, None) => return Some(0.0),
        (Some(_), Some(day)) => {
            diags.push(
                span_of(day),
                format!("{path}.from_day"),
                "give either from (a date) or from_day, not both",
            );
            return None;
        }
        (Some(date), None) => {
            let parsed = match parse_date(date.get_ref()) {
                Ok(parsed) => parsed,
                Err(message) => {
                    diags.push(span_of(date), format!("{path}.from"), message);
                    return None;
                }
            };
            // Without a compiled [scenario], its own error is reported.
            let calendar = context.calendar?;
            match calendar.day_of(parsed) {
                Some(day) => (day as f64, span_of(date), "from"),
                None => {
                    diags.push(
                        span_of(date),
                        format!("{path}.from"),
                        "a date needs [scenario] start (the date of time 0); without one, write from_day",
                    );
                    return None;
                }
            }
        }
        (None, Some(day)) => (*day.get_ref(), span_of(day), "from_day"),
    };
    let (day, span, key) = day;
    if day.is_finite() && (0.0..=MAX_HORIZON_DAYS).contains(&day) {
        Some(day * HOURS_PER_DAY)
    } else {
        diags.push(
            span,
            format!("{path}.{key}"),
            format!(
                "must be on or after time 0 and at most {} days after it, got day {}",
                compact(MAX_HORIZON_DAYS),
                compact(day)
            ),
        );
        None
    }
}

/// Builds one class from its fields (the capacity is known to be present). `None` if anything
/// is invalid.
fn compile_class(
    id: &str,
    fields: &ClassFields<'_>,
    path: &str,
    vehicles: Option<u32>,
    diags: &mut Diagnostics<'_>,
) -> Option<VehicleClass> {
    let capacity_teu = fields
        .capacity_teu
        .and_then(|c| positive_count(c, &format!("{path}.capacity_teu"), MAX_CAPACITY_TEU, diags));
    let load_factor = load_factor(fields.load_factor, path, diags);
    // An invalid load factor is reported; the other checks go on with the default.
    let max_load_teu = capacity_teu.map(|c| usable_capacity(c, load_factor.unwrap_or(1.0)));
    let usable = check_usable(fields.load_factor, path, capacity_teu, max_load_teu, diags);
    let depart_at_teu = depart_at_teu(fields.depart_at_teu, path, max_load_teu, diags);
    let load_time = optional_time(fields.load_time, &format!("{path}.load_time"), diags);
    let unload_time = optional_time(fields.unload_time, &format!("{path}.unload_time"), diags);
    if !usable {
        return None;
    }
    Some(VehicleClass {
        id: id.to_string(),
        vehicles: vehicles?,
        capacity_teu: capacity_teu?,
        load_factor: load_factor?,
        max_load_teu: max_load_teu?,
        depart_at_teu: depart_at_teu?,
        load_time: load_time?,
        unload_time: unload_time?,
        transit: None,
        speed: 1.0,
        enters_h: 0.0,
    })
}

/// Exactly one of `vessels` and `trains`: the kind of vehicle and, if valid, how many (from
/// `min`: 1 for a fleet, 0 for a class, which may be out of service until a dated change gives
/// it vehicles). `None` (the fleet or class is not checked further) when neither or both are
/// given.
fn vehicles(
    vessels: Option<&Spanned<i64>>,
    trains: Option<&Spanned<i64>>,
    span: Option<Span>,
    path: &str,
    min: i64,
    diags: &mut Diagnostics<'_>,
) -> Option<(VehicleKind, Option<u32>)> {
    let (kind, key, count) = match (vessels, trains) {
        (Some(n), None) => (VehicleKind::Vessel, "vessels", n),
        (None, Some(n)) => (VehicleKind::Train, "trains", n),
        (Some(_), Some(n)) => {
            diags.push(span_of(n), path, "give either vessels or trains, not both");
            return None;
        }
        (None, None) => {
            diags.push(
                span,
                path,
                "missing the number of vehicles: add vessels = N or trains = N",
            );
            return None;
        }
    };
    let count = count_in(count, &format!("{path}.{key}"), min, MAX_VEHICLES, diags);
    Some((kind, count))
}

/// The usable share of the capacity, in (0, 1] (default 1). `None` if invalid.
fn load_factor(
    value: Option<&Spanned<f64>>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<f64> {
    let Some(value) = value else {
        return Some(1.0);
    };
    let f = *value.get_ref();
    if f > 0.0 && f <= 1.0 {
        return Some(f);
    }
    diags.push(
        span_of(value),
        format!("{path}.load_factor"),
        format!("must be greater than 0 and at most 1, got {f}"),
    );
    None
}

/// The usable capacity of a vehicle, TEU: `floor(capacity_teu * load_factor)`.
fn usable_capacity(capacity_teu: u32, load_factor: f64) -> u32 {
    (f64::from(capacity_teu) * load_factor + 1e-9).floor() as u32
}

/// The usable capacity is at least 1 TEU.
fn check_usable(
    load_factor: Option<&Spanned<f64>>,
    path: &str,
    capacity_teu: Option<u32>,
    max_load_teu: Option<u32>,
    diags: &mut Diagnostics<'_>,
) -> bool {
    if max_load_teu != Some(0) {
        return true;
    }
    diags.push(
        load_factor.and_then(span_of),
        format!("{path}.load_factor"),
        format!(
            "leaves less than 1 TEU of {} TEU usable; raise load_factor or capacity_teu",
            capacity_teu.unwrap_or(0)
        ),
    );
    false
}

/// The departure rule: `"when_full"` (default, with an optional `max_wait_h`) or `"schedule"`
/// (with weekly slots). `None` if anything about it is invalid.
fn departure_policy(
    spec: &FleetSpec,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<DeparturePolicy> {
    let departure = spec
        .departure
        .as_ref()
        .map_or("when_full", |d| d.get_ref().as_str());
    match departure {
        "when_full" => when_full(spec, path, diags),
        "schedule" => schedule(spec, path, diags),
        other => {
            diags.push(
                spec.departure.as_ref().and_then(span_of),
                format!("{path}.departure"),
                format!("unknown departure rule \"{other}\"; allowed: \"when_full\", \"schedule\""),
            );
            None
        }
    }
}

/// `departure = "when_full"`: no `schedule`; `max_wait_h`, if given, a positive number of hours.
fn when_full(spec: &FleetSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<DeparturePolicy> {
    let mut ok = true;
    if let Some(schedule) = &spec.schedule {
        diags.push(
            span_of(schedule),
            format!("{path}.schedule"),
            "is only used with departure = \"schedule\"",
        );
        ok = false;
    }
    let max_wait_h = match &spec.max_wait_h {
        None => None,
        Some(value) => {
            let h = *value.get_ref();
            if h > 0.0 && h <= MAX_WAIT_H {
                Some(h)
            } else {
                diags.push(
                    span_of(value),
                    format!("{path}.max_wait_h"),
                    format!(
                        "must be a positive number of hours, at most {MAX_WAIT_H:e}, got {}",
                        compact(h)
                    ),
                );
                ok = false;
                None
            }
        }
    };
    ok.then_some(DeparturePolicy::WhenFull { max_wait_h })
}

/// `departure = "schedule"`: no `max_wait_h` or `depart_at_teu`; a non-empty list of distinct
/// weekly slots.
fn schedule(spec: &FleetSpec, path: &str, diags: &mut Diagnostics<'_>) -> Option<DeparturePolicy> {
    let mut ok = true;
    for (key, present) in [
        ("max_wait_h", spec.max_wait_h.as_ref().and_then(span_of)),
        (
            "depart_at_teu",
            spec.depart_at_teu.as_ref().and_then(span_of),
        ),
    ] {
        if present.is_some() {
            diags.push(
                present,
                format!("{path}.{key}"),
                "is only used with departure = \"when_full\"",
            );
            ok = false;
        }
    }
    let Some(list) = &spec.schedule else {
        diags.push(
            spec.departure.as_ref().and_then(span_of),
            format!("{path}.schedule"),
            "departure = \"schedule\" needs schedule = [\"mon 08:00\", ...]",
        );
        return None;
    };
    let mut slots_h = Vec::new();
    for slot in list.get_ref() {
        match parse_slot(slot.get_ref()) {
            Ok(h) => slots_h.push(h),
            Err(message) => {
                diags.push(span_of(slot), format!("{path}.schedule"), message);
                ok = false;
            }
        }
    }
    if list.get_ref().is_empty() {
        diags.push(
            span_of(list),
            format!("{path}.schedule"),
            "must list at least one weekly slot such as \"mon 08:00\"",
        );
        ok = false;
    }
    slots_h.sort_by(f64::total_cmp);
    if slots_h.windows(2).any(|w| w[0] == w[1]) {
        diags.push(
            span_of(list),
            format!("{path}.schedule"),
            "lists the same slot twice",
        );
        ok = false;
    }
    ok.then_some(DeparturePolicy::Schedule { slots_h })
}

/// Moves weekly slots, written in hours from Monday 00:00, into hours from the weekday of time 0
/// (`offset_h` after a Monday 00:00; 0 leaves them as they are): with `[scenario] start` on a
/// Wednesday, `"mon 08:00"` is 5 days and 8 hours after time 0.
pub(super) fn shift_slots_to_weekdays(fleets: &mut [Fleet], offset_h: f64) {
    if offset_h == 0.0 {
        return;
    }
    for fleet in fleets {
        if let DeparturePolicy::Schedule { slots_h } = &mut fleet.policy {
            for slot in slots_h.iter_mut() {
                *slot = (*slot - offset_h).rem_euclid(HOURS_PER_WEEK);
            }
            slots_h.sort_by(f64::total_cmp);
        }
    }
}

/// Parses a weekly slot such as `"mon 08:00"` into hours from Monday 00:00.
pub(crate) fn parse_slot(text: &str) -> Result<f64, String> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let bad = || {
        format!(
            "\"{text}\" is not a weekly slot; write a day and a time such as \"mon 08:00\" (days: {})",
            DAYS.join(", ")
        )
    };
    let mut parts = text.split_whitespace();
    let (Some(day), Some(time), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let day = DAYS
        .iter()
        .position(|d| d.eq_ignore_ascii_case(day))
        .ok_or_else(bad)?;
    let minute = parse_time_of_day(time).map_err(|_| bad())?;
    let hour = f64::from(minute / 60) + f64::from(minute % 60) / 60.0;
    Ok(day as f64 * HOURS_PER_DAY + hour)
}

/// Leave once this many TEU are aboard: from 1 to the usable capacity (default: the usable
/// capacity). `None` if invalid or the capacity is unknown.
fn depart_at_teu(
    value: Option<&Spanned<i64>>,
    path: &str,
    max_load_teu: Option<u32>,
    diags: &mut Diagnostics<'_>,
) -> Option<u32> {
    let max = max_load_teu?;
    let Some(value) = value else {
        return Some(max);
    };
    if max == 0 {
        // Reported by `check_usable`.
        return None;
    }
    let n = *value.get_ref();
    if (1..=i64::from(max)).contains(&n) {
        return Some(n as u32);
    }
    diags.push(
        span_of(value),
        format!("{path}.depart_at_teu"),
        format!(
            "must be from 1 to the usable capacity floor(capacity_teu * load_factor) = {max} TEU, got {n}"
        ),
    );
    None
}

/// A berth time (0 when not given).
fn optional_time(
    spec: Option<&Spanned<DistSpec>>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Dist> {
    match spec {
        None => Some(zero()),
        Some(d) => compile_dist(d, path, diags),
    }
}

/// The leg whose cargo the fleet carries home (`None` without one, or when it names a leg that
/// failed to compile, reported there), and whether it is valid: a known leg running back from the
/// fleet leg's destination to its origin.
fn return_leg(
    spec: &FleetSpec,
    path: &str,
    leg: &Leg,
    legs: &[Leg],
    leg_ids: &Ids,
    diags: &mut Diagnostics<'_>,
) -> (Option<LegId>, bool) {
    let Some(name) = &spec.return_leg else {
        return (None, true);
    };
    match leg_ids.get(name.get_ref()) {
        Some(&back) if back != UNUSABLE => {
            let back_leg = &legs[back as usize];
            let runs_back = back_leg.from == leg.to && back_leg.to == leg.from;
            if !runs_back {
                diags.push(
                    span_of(name),
                    format!("{path}.return_leg"),
                    format!(
                        "leg \"{}\" does not run back from the fleet leg's destination to its origin",
                        back_leg.id
                    ),
                );
            }
            (Some(LegId(back)), runs_back)
        }
        Some(_) => (None, true),
        None => {
            diags.push(
                span_of(name),
                format!("{path}.return_leg"),
                format!(
                    "unknown leg \"{}\"; known legs: {}",
                    name.get_ref(),
                    sorted_keys(leg_ids)
                ),
            );
            (None, false)
        }
    }
}

/// The empty trip home: `return` (default: the leg's transit), not used with a return leg.
fn return_time(
    spec: &FleetSpec,
    path: &str,
    leg: &Leg,
    return_leg: Option<LegId>,
    diags: &mut Diagnostics<'_>,
) -> Option<Dist> {
    match (&spec.return_time, return_leg.is_some()) {
        (Some(d), false) => compile_dist(d, &format!("{path}.return"), diags),
        (Some(d), true) => {
            diags.push(
                span_of(d),
                format!("{path}.return"),
                "is not used with return_leg: the trip back takes the return leg's transit",
            );
            None
        }
        (None, _) => Some(leg.transit.clone()),
    }
}

/// Reports `berths` on nodes that no vessel fleet visits.
pub(super) fn check_berths_used(
    nodes: &[Node],
    berth_spans: &HashMap<String, Span>,
    legs: &[Leg],
    fleets: &[Fleet],
    diags: &mut Diagnostics<'_>,
) {
    for (i, node) in nodes.iter().enumerate() {
        if node.berths.is_none() {
            continue;
        }
        let visited = fleets.iter().any(|fleet| {
            let leg = &legs[fleet.leg.index()];
            fleet.kind == VehicleKind::Vessel && (leg.from.index() == i || leg.to.index() == i)
        });
        if !visited {
            diags.push(
                berth_spans.get(&node.id).cloned(),
                format!("node \"{}\".berths", node.id),
                "no vessel fleet calls at this node; berths are used only by vessels of a [leg.fleet] starting or ending here",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::{ids, lines};
    use crate::scenario::compile::legs::compile_legs;
    use crate::scenario::schema::LegSpec;

    /// Compiles two legs, `a->b` with the fleet `fleet` and `b->a`.
    fn fleet(fleet: &str) -> (Vec<Fleet>, Vec<Leg>, Vec<String>) {
        let text = format!(
            "[[leg]]\nfrom = \"a\"\nto = \"b\"\nmode = \"sea\"\ntransit = 20\nfleet = {{ {fleet} }}\n\
             [[leg]]\nfrom = \"b\"\nto = \"a\"\nmode = \"sea\"\ntransit = 30\n"
        );
        #[derive(serde::Deserialize)]
        struct Legs {
            leg: Vec<LegSpec>,
        }
        let specs: Legs = toml::from_str(&text).unwrap();
        let mut diags = crate::scenario::error::Diagnostics::new("t.toml", &text);
        let compiled = compile_legs(&specs.leg, &ids(&["a", "b"]), &mut diags);
        let mut legs: Vec<Leg> = compiled.compiled.into_iter().map(Option::unwrap).collect();
        let fleet_specs: Vec<_> = legs
            .iter()
            .zip(&specs.leg)
            .map(|(leg, spec)| (leg.id.clone(), spec.fleet.as_ref()))
            .collect();
        let context = Context {
            leg_ids: &compiled.ids,
            calendar: None,
        };
        let fleets = compile_fleets(&fleet_specs, &mut legs, &context, &mut diags);
        (fleets, legs, lines(diags))
    }

    #[test]
    fn a_fleet_carries_its_return_leg_home() {
        let (fleets, legs, diags) =
            fleet("vessels = 2, capacity_teu = 100, load_factor = 0.9, return_leg = \"b->a\"");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(fleets[0].classes[0].max_load_teu, 90);
        assert_eq!(fleets[0].classes[0].depart_at_teu, 90);
        assert_eq!(fleets[0].return_leg, Some(LegId(1)));
        assert_eq!(legs[0].fleet, Some((FleetId(0), Direction::Out)));
        assert_eq!(legs[1].fleet, Some((FleetId(0), Direction::Back)));
    }

    #[test]
    fn a_schedule_needs_valid_distinct_slots_and_no_when_full_keys() {
        let (fleets, _, diags) = fleet(
            "trains = 1, capacity_teu = 50, departure = \"schedule\", max_wait_h = 5, schedule = [\"mon 08:00\", \"Mon 08:00\", \"someday\"]",
        );
        assert!(fleets.is_empty());
        assert_eq!(
            diags,
            [
                "6:79: leg \"a->b\".fleet.max_wait_h: is only used with departure = \"when_full\"",
                "6:93: leg \"a->b\".fleet.schedule: lists the same slot twice",
                "6:120: leg \"a->b\".fleet.schedule: \"someday\" is not a weekly slot; write a day and a time such as \"mon 08:00\" (days: mon, tue, wed, thu, fri, sat, sun)",
            ]
        );
        assert_eq!(parse_slot("tue 06:30"), Ok(30.5));
    }

    #[test]
    fn a_return_trip_is_either_a_return_leg_or_a_time() {
        let (fleets, _, diags) =
            fleet("vessels = 1, capacity_teu = 10, return_leg = \"b->a\", return = 12");
        assert!(fleets.is_empty());
        assert_eq!(
            diags,
            [
                "6:73: leg \"a->b\".fleet.return: is not used with return_leg: the trip back takes the return leg's transit"
            ]
        );
    }
}
