//! Checks and compiles the operational parts of a scenario: fleets on legs (`[leg.fleet]`),
//! disruptions (`[[disruption]]`) and node operating hours (`hours`).

use std::collections::HashMap;

use toml::Spanned;

use super::error::Diagnostics;
use super::schema::{DisruptionSpec, FleetSpec, HoursSpec};
use super::validate::{compile_dist, sorted_keys, span_of, unique_ids};
use crate::base::rng::StreamId;
use crate::base::time::HOURS_PER_DAY;
use crate::model::{
    Blocks, DeparturePolicy, Direction, Disruption, Dist, Fleet, FleetId, Leg, LegId, MONTH_DAYS,
    Node, NodeId, Target, Timing, VehicleKind,
};

/// Most vehicles one fleet may have.
const MAX_VEHICLES: i64 = 10_000;

/// Compiles the `[leg.fleet]` tables of `specs` (parallel to `legs`) and links legs to fleets.
pub fn compile_fleets(
    specs: &[(String, Option<&Spanned<FleetSpec>>)],
    legs: &mut [Leg],
    leg_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> Vec<Fleet> {
    let mut fleets = Vec::new();
    let mut carried_back: HashMap<u32, String> = HashMap::new();
    for (index, (leg_id, spec)) in specs.iter().enumerate() {
        let Some(spec) = spec else { continue };
        let path = format!("leg \"{leg_id}\".fleet");
        if let Some(fleet) = compile_fleet(leg_id, &path, spec, index, legs, leg_ids, diags) {
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
    }
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
    fleets
}

fn positive_count(
    value: &Spanned<i64>,
    path: &str,
    max: i64,
    diags: &mut Diagnostics<'_>,
) -> Option<u32> {
    let n = *value.get_ref();
    if (1..=max).contains(&n) {
        Some(n as u32)
    } else {
        diags.push(
            span_of(value),
            path,
            format!("must be a whole number from 1 to {max}, got {n}"),
        );
        None
    }
}

fn compile_fleet(
    leg_id: &str,
    path: &str,
    spec: &Spanned<FleetSpec>,
    index: usize,
    legs: &[Leg],
    leg_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> Option<Fleet> {
    let span = span_of(spec);
    let spec = spec.get_ref();
    let mut ok = true;
    let (kind, count) = match (&spec.vessels, &spec.trains) {
        (Some(n), None) => (VehicleKind::Vessel, n),
        (None, Some(n)) => (VehicleKind::Train, n),
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
    let count_key = match kind {
        VehicleKind::Vessel => "vessels",
        VehicleKind::Train => "trains",
    };
    let vehicles = positive_count(count, &format!("{path}.{count_key}"), MAX_VEHICLES, diags);
    let capacity_teu = positive_count(
        &spec.capacity_teu,
        &format!("{path}.capacity_teu"),
        1_000_000,
        diags,
    );
    let load_factor = match &spec.load_factor {
        None => 1.0,
        Some(value) => {
            let f = *value.get_ref();
            if f > 0.0 && f <= 1.0 {
                f
            } else {
                diags.push(
                    span_of(value),
                    format!("{path}.load_factor"),
                    format!("must be greater than 0 and at most 1, got {f}"),
                );
                ok = false;
                1.0
            }
        }
    };
    let max_load_teu = capacity_teu.map(|c| (f64::from(c) * load_factor + 1e-9).floor() as u32);
    if max_load_teu == Some(0) {
        diags.push(
            spec.load_factor.as_ref().and_then(span_of),
            format!("{path}.load_factor"),
            format!(
                "leaves less than 1 TEU of {} TEU usable; raise load_factor or capacity_teu",
                capacity_teu.unwrap_or(0)
            ),
        );
        ok = false;
    }
    let departure = spec
        .departure
        .as_ref()
        .map_or("when_full", |d| d.get_ref().as_str());
    let policy = match departure {
        "when_full" => {
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
                    if h.is_finite() && h > 0.0 {
                        Some(h)
                    } else {
                        diags.push(
                            span_of(value),
                            format!("{path}.max_wait_h"),
                            format!("must be a positive number of hours, got {h}"),
                        );
                        ok = false;
                        None
                    }
                }
            };
            DeparturePolicy::WhenFull { max_wait_h }
        }
        "schedule" => {
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
            match &spec.schedule {
                None => {
                    diags.push(
                        spec.departure.as_ref().and_then(span_of),
                        format!("{path}.schedule"),
                        "departure = \"schedule\" needs schedule = [\"mon 08:00\", ...]",
                    );
                    ok = false;
                    DeparturePolicy::Schedule { slots_h: vec![] }
                }
                Some(list) => {
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
                    DeparturePolicy::Schedule { slots_h }
                }
            }
        }
        other => {
            diags.push(
                spec.departure.as_ref().and_then(span_of),
                format!("{path}.departure"),
                format!("unknown departure rule \"{other}\"; allowed: \"when_full\", \"schedule\""),
            );
            ok = false;
            DeparturePolicy::WhenFull { max_wait_h: None }
        }
    };
    let depart_at_teu = match (&spec.depart_at_teu, max_load_teu) {
        (None, Some(max)) => Some(max),
        (Some(value), Some(max)) if max > 0 => {
            let n = *value.get_ref();
            if (1..=i64::from(max)).contains(&n) {
                Some(n as u32)
            } else {
                diags.push(
                    span_of(value),
                    format!("{path}.depart_at_teu"),
                    format!(
                        "must be from 1 to the usable capacity floor(capacity_teu * load_factor) = {max} TEU, got {n}"
                    ),
                );
                None
            }
        }
        _ => None,
    };
    let zero = || Dist::constant(0.0).expect("0 is a valid constant");
    let load_time = match &spec.load_time {
        None => Some(zero()),
        Some(d) => compile_dist(d, &format!("{path}.load_time"), diags),
    };
    let unload_time = match &spec.unload_time {
        None => Some(zero()),
        Some(d) => compile_dist(d, &format!("{path}.unload_time"), diags),
    };
    let leg = &legs[index];
    let return_leg = match &spec.return_leg {
        None => None,
        Some(name) => match leg_ids.get(name.get_ref()) {
            Some(&back) if back != u32::MAX => {
                let back_leg = &legs[back as usize];
                if back_leg.from != leg.to || back_leg.to != leg.from {
                    diags.push(
                        span_of(name),
                        format!("{path}.return_leg"),
                        format!(
                            "leg \"{}\" does not run back from the fleet leg's destination to its origin",
                            back_leg.id
                        ),
                    );
                    ok = false;
                }
                Some(LegId(back))
            }
            Some(_) => None,
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
                ok = false;
                None
            }
        },
    };
    let return_time = match (&spec.return_time, return_leg) {
        (Some(d), None) => compile_dist(d, &format!("{path}.return"), diags),
        (Some(d), Some(_)) => {
            diags.push(
                span_of(d),
                format!("{path}.return"),
                "is not used with return_leg: the trip back takes the return leg's transit",
            );
            None
        }
        (None, _) => Some(leg.transit.clone()),
    };
    if !ok {
        return None;
    }
    Some(Fleet {
        id: leg_id.to_string(),
        kind,
        leg: LegId(index as u32),
        return_leg,
        vehicles: vehicles?,
        capacity_teu: capacity_teu?,
        load_factor,
        max_load_teu: max_load_teu?,
        depart_at_teu: depart_at_teu?,
        policy,
        load_time: load_time?,
        unload_time: unload_time?,
        return_time: return_time?,
        stream: StreamId::from_name(&format!("fleet/{leg_id}")),
    })
}

/// Parses a weekly slot such as `"mon 08:00"` into hours from Monday 00:00.
pub fn parse_slot(text: &str) -> Result<f64, String> {
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
    let hour = parse_time_of_day(time).map_err(|_| bad())?;
    Ok(day as f64 * HOURS_PER_DAY + hour)
}

/// Parses `"HH:MM"` (00:00 to 23:59) into hours after midnight.
pub fn parse_time_of_day(text: &str) -> Result<f64, String> {
    let bad =
        || format!("\"{text}\" is not a time of day; write \"HH:MM\" from \"00:00\" to \"23:59\"");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if h > 23 || m > 59 || text.len() != 5 {
        return Err(bad());
    }
    Ok(f64::from(h) + f64::from(m) / 60.0)
}

/// Compiles a node's operating hours into a daily closure.
pub fn compile_hours(
    node: NodeId,
    node_id: &str,
    hours: &Spanned<HoursSpec>,
    diags: &mut Diagnostics<'_>,
) -> Option<Disruption> {
    let path = format!("node \"{node_id}\".hours");
    let spec = hours.get_ref();
    let mut parse = |text: &str, key: &str| match parse_time_of_day(text) {
        Ok(h) => Some(h),
        Err(message) => {
            diags.push(span_of(hours), format!("{path}.{key}"), message);
            None
        }
    };
    let open = parse(&spec.open, "open");
    let close = parse(&spec.close, "close");
    let (open, close) = (open?, close?);
    if open == close {
        diags.push(
            span_of(hours),
            path,
            "open and close are the same time; leave hours out for a node that never closes",
        );
        return None;
    }
    let closed_h = (open - close).rem_euclid(HOURS_PER_DAY);
    Some(Disruption {
        id: format!("hours/{node_id}"),
        targets: vec![Target::Node(node)],
        capacity_factor: 0.0,
        blocks: Blocks::All,
        timing: Timing::Daily {
            closes_at_h: close,
            closed_h,
        },
        duration: Dist::constant(closed_h).expect("a valid closure length"),
        shelter: None,
        logged: false,
        stream: StreamId::from_name(&format!("hours/{node_id}")),
    })
}

/// Compiles the `[[disruption]]` array.
pub fn compile_disruptions(
    specs: &[DisruptionSpec],
    node_ids: &HashMap<String, u32>,
    leg_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> Vec<Option<Disruption>> {
    unique_ids(specs.iter().map(|d| &d.id), "disruption", diags);
    specs
        .iter()
        .map(|spec| compile_disruption(spec, node_ids, leg_ids, diags))
        .collect()
}

fn compile_disruption(
    spec: &DisruptionSpec,
    node_ids: &HashMap<String, u32>,
    leg_ids: &HashMap<String, u32>,
    diags: &mut Diagnostics<'_>,
) -> Option<Disruption> {
    let id = spec.id.get_ref();
    let path = format!("disruption \"{id}\"");
    let mut ok = true;
    let mut targets = Vec::new();
    for (names, ids, key, wrap) in [
        (
            &spec.nodes,
            node_ids,
            "nodes",
            (|i| Target::Node(NodeId(i))) as fn(u32) -> Target,
        ),
        (&spec.legs, leg_ids, "legs", |i| Target::Leg(LegId(i))),
    ] {
        for name in names {
            match ids.get(name.get_ref()) {
                Some(&i) if i != u32::MAX => {
                    let target = wrap(i);
                    if targets.contains(&target) {
                        diags.push(
                            span_of(name),
                            format!("{path}.{key}"),
                            format!("\"{}\" is listed twice", name.get_ref()),
                        );
                        ok = false;
                    }
                    targets.push(target);
                }
                Some(_) => ok = false,
                None => {
                    diags.push(
                        span_of(name),
                        format!("{path}.{key}"),
                        format!(
                            "unknown {} \"{}\"; known: {}",
                            &key[..key.len() - 1],
                            name.get_ref(),
                            sorted_keys(ids)
                        ),
                    );
                    ok = false;
                }
            }
        }
    }
    if spec.nodes.is_empty() && spec.legs.is_empty() {
        diags.push(
            span_of(&spec.id),
            path.clone(),
            "has no target: list node ids in nodes = [...] and/or leg ids in legs = [...]",
        );
        ok = false;
    }
    let capacity_factor = match &spec.capacity_factor {
        None => 0.0,
        Some(value) => {
            let f = *value.get_ref();
            if (0.0..1.0).contains(&f) {
                f
            } else {
                diags.push(
                    span_of(value),
                    format!("{path}.capacity_factor"),
                    format!("must be at least 0 (closed) and below 1 (slowed), got {f}"),
                );
                ok = false;
                0.0
            }
        }
    };
    let blocks = match spec.blocks.as_ref().map(|b| b.get_ref().as_str()) {
        None | Some("all") => Blocks::All,
        Some(name @ ("departures" | "vehicles")) => {
            let span = spec.blocks.as_ref().and_then(span_of);
            if capacity_factor > 0.0 {
                diags.push(
                    span.clone(),
                    format!("{path}.blocks"),
                    format!("\"{name}\" is a kind of closure, so capacity_factor must be 0"),
                );
                ok = false;
            }
            if !spec.legs.is_empty() {
                diags.push(
                    span,
                    format!("{path}.blocks"),
                    format!(
                        "\"{name}\" applies to nodes only; a closed leg always stops departures onto it"
                    ),
                );
                ok = false;
            }
            if name == "departures" {
                Blocks::Departures
            } else {
                Blocks::Vehicles
            }
        }
        Some(other) => {
            diags.push(
                spec.blocks.as_ref().and_then(span_of),
                format!("{path}.blocks"),
                format!(
                    "unknown value \"{other}\"; allowed: \"all\" (default), \"vehicles\", \"departures\""
                ),
            );
            ok = false;
            Blocks::All
        }
    };
    let given: Vec<&str> = [
        ("rate_per_year", spec.rate_per_year.is_some()),
        ("monthly_rates", spec.monthly_rates.is_some()),
        ("start_day", spec.start_day.is_some()),
    ]
    .iter()
    .filter(|(_, present)| *present)
    .map(|(key, _)| *key)
    .collect();
    if given.len() != 1 {
        diags.push(
            span_of(&spec.id),
            path.clone(),
            format!(
                "give exactly one of rate_per_year, monthly_rates (random starts) or start_day (one scheduled episode); got {}",
                if given.is_empty() { "none".to_string() } else { given.join(", ") }
            ),
        );
        return None;
    }
    let timing = if let Some(rate) = &spec.rate_per_year {
        let r = *rate.get_ref();
        if !(r.is_finite() && r > 0.0 && r <= 1e6) {
            diags.push(
                span_of(rate),
                format!("{path}.rate_per_year"),
                format!("must be greater than 0 and at most 1e6 starts per year, got {r}"),
            );
            return None;
        }
        let per_h = r / (365.0 * HOURS_PER_DAY);
        Timing::Random {
            rate_per_h: [per_h; 12],
            max_rate_per_h: per_h,
        }
    } else if let Some(rates) = &spec.monthly_rates {
        let values = rates.get_ref();
        let valid = values.len() == 12
            && values
                .iter()
                .all(|r| r.is_finite() && *r >= 0.0 && *r <= 1e5);
        if !valid {
            diags.push(
                span_of(rates),
                format!("{path}.monthly_rates"),
                "must be 12 expected starts per month (January first), each at least 0 (all 0: the disruption never starts)",
            );
            return None;
        }
        let mut rate_per_h = [0.0; 12];
        for (slot, (count, days)) in rate_per_h.iter_mut().zip(values.iter().zip(MONTH_DAYS)) {
            *slot = count / (f64::from(days) * HOURS_PER_DAY);
        }
        let max_rate_per_h = rate_per_h.iter().copied().fold(0.0, f64::max);
        Timing::Random {
            rate_per_h,
            max_rate_per_h,
        }
    } else {
        let start = spec.start_day.as_ref().expect("one timing key is present");
        let day = *start.get_ref();
        if !(day.is_finite() && day >= 0.0) {
            diags.push(
                span_of(start),
                format!("{path}.start_day"),
                format!("must be a day at least 0, got {day}"),
            );
            return None;
        }
        Timing::Scheduled {
            start_h: day * HOURS_PER_DAY,
        }
    };
    let duration = compile_dist(&spec.duration, &format!("{path}.duration"), diags);
    let shelter = match &spec.shelter {
        None => None,
        Some(d) => {
            if spec.nodes.is_empty() {
                diags.push(
                    span_of(d),
                    format!("{path}.shelter"),
                    "delays vessels heading to a target node; list the ports in nodes = [...]",
                );
                ok = false;
            }
            Some(compile_dist(d, &format!("{path}.shelter"), diags))
        }
    };
    if !ok {
        return None;
    }
    Some(Disruption {
        id: id.clone(),
        targets,
        capacity_factor,
        blocks,
        timing,
        duration: duration?,
        shelter: match shelter {
            None => None,
            Some(dist) => Some(dist?),
        },
        logged: true,
        stream: StreamId::from_name(&format!("disruption/{id}")),
    })
}

/// Reports `berths` on nodes that no vessel fleet visits.
pub fn check_berths_used(
    nodes: &[Node],
    berth_spans: &HashMap<String, std::ops::Range<usize>>,
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
