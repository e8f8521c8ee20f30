//! Serde types that mirror the scenario TOML, section by section.
//!
//! These types say what the file may contain, not whether it makes sense: ranges, references
//! and cross-checks live in [`compile`](super::compile). Every struct denies unknown fields, and
//! values that are checked semantically are wrapped in [`Spanned`] so errors can point at them.
//! The reference for every field is `docs/scenario.md`.

use std::collections::BTreeMap;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use crate::model::dist::KeyValue;
use crate::model::{Mode, NodeKind};

/// `[scenario]`: run settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioSpec {
    /// Short name, used in outputs.
    pub name: Spanned<String>,
    /// Free text.
    pub description: Option<Spanned<String>>,
    /// Length of each replication, days.
    pub horizon_days: Spanned<f64>,
    /// Initial period excluded from statistics, days (default 0).
    pub warmup_days: Option<Spanned<f64>>,
    /// Base seed (default 1).
    pub seed: Option<u64>,
    /// Replications (default 10).
    pub replications: Option<Spanned<i64>>,
    /// Most consignments in the system at once (default 1,000,000).
    pub max_in_system: Option<Spanned<i64>>,
    /// The date of time 0, `"YYYY-MM-DD"` (default: none, the abstract 365-day calendar).
    pub start: Option<Spanned<String>>,
}

/// `[[node]]`: a place where cargo queues and is handled.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeSpec {
    /// Unique id.
    pub id: Spanned<String>,
    /// Display name (default: the id).
    pub name: Option<Spanned<String>>,
    /// Role.
    pub kind: NodeKind,
    /// Parallel servers (default: unlimited).
    pub servers: Option<Spanned<i64>>,
    /// Handling time per consignment (default: 0, no handling).
    pub service: Option<Spanned<DistSpec>>,
    /// Yard capacity in TEU (default: unlimited).
    pub yard_capacity: Option<Spanned<i64>>,
    /// Vessel berths (default: unlimited).
    pub berths: Option<Spanned<i64>>,
    /// Daily operating hours (default: always open).
    pub hours: Option<Spanned<HoursSpec>>,
    /// Whether the node changes gauge (informational).
    #[serde(default)]
    pub gauge_change: bool,
    /// Latitude, degrees north (with `lon`, or neither): where the map draws the node.
    pub lat: Option<Spanned<f64>>,
    /// Longitude, degrees east (with `lat`, or neither).
    pub lon: Option<Spanned<f64>>,
    /// Breakdowns of its servers (default: none).
    pub breakdown: Option<Spanned<BreakdownSpec>>,
    // Costs (`model::NodeCost`), all optional with default 0.
    /// Handling or border fee, money per TEU.
    pub cost_per_teu: Option<Spanned<f64>>,
    /// Storage, money per TEU per day beyond the free time.
    pub storage_per_teu_day: Option<Spanned<f64>>,
    /// Free storage time, days.
    pub free_storage_days: Option<Spanned<f64>>,
}

/// `[node.breakdown]` and `[leg.fleet.breakdown]`: servers or vehicles that fail and are
/// repaired.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BreakdownSpec {
    /// Up time between failures (hours of the failure clock).
    pub up: Spanned<DistSpec>,
    /// Repair time.
    pub repair: Spanned<DistSpec>,
    /// `"always"` (default) or `"busy"`.
    pub clock: Option<Spanned<String>>,
    /// `"resume"` (default), `"restart"` or `"finish"`.
    pub interrupted: Option<Spanned<String>>,
    /// Repairs at once (default: unlimited).
    pub crews: Option<Spanned<i64>>,
}

/// `hours = { open = "08:00", close = "20:00" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HoursSpec {
    /// Opening time of day, `"HH:MM"`.
    pub open: String,
    /// Closing time of day, `"HH:MM"`.
    pub close: String,
}

/// `[[leg]]`: a one-way movement between two nodes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LegSpec {
    /// Id (default: `"from->to"`).
    pub id: Option<Spanned<String>>,
    /// Origin node id.
    pub from: Spanned<String>,
    /// Destination node id.
    pub to: Spanned<String>,
    /// Mode of transport.
    pub mode: Mode,
    /// Length, km (informational).
    pub distance_km: Option<Spanned<f64>>,
    /// Travel time.
    pub transit: Spanned<DistSpec>,
    /// Vehicles that carry the leg's cargo (default: none, unlimited capacity).
    pub fleet: Option<Spanned<FleetSpec>>,
    // Costs and emissions (`model::LegCost`), all optional.
    /// Money per TEU carried.
    pub cost_per_teu: Option<Spanned<f64>>,
    /// Money per TEU-km (needs `distance_km`).
    pub cost_per_teu_km: Option<Spanned<f64>>,
    /// kg CO2 per TEU-km (needs `distance_km`; overrides the `[cost]` table).
    pub co2_kg_per_teu_km: Option<Spanned<f64>>,
    /// Key of `[cost.co2_kg_per_teu_km]` (default: the mode's name).
    pub traction: Option<Spanned<String>>,
}

/// `[cost]`: the value of time and the emission factors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CostSpec {
    /// Value of time, money per TEU per day (default 0).
    pub value_of_time_per_teu_day: Option<Spanned<f64>>,
    /// Emission factors, kg CO2 per TEU-km, by traction or mode name.
    pub co2_kg_per_teu_km: Option<Spanned<BTreeMap<String, Spanned<f64>>>>,
}

/// `[leg.fleet]`: vessels or trains shuttling on a leg.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FleetSpec {
    /// Number of vessels (use either this or `trains`).
    pub vessels: Option<Spanned<i64>>,
    /// Number of trains.
    pub trains: Option<Spanned<i64>>,
    /// Nominal capacity per vehicle, TEU (with `classes`: the default of the classes).
    pub capacity_teu: Option<Spanned<i64>>,
    /// Usable share of the capacity (default 1).
    pub load_factor: Option<Spanned<f64>>,
    /// `"when_full"` (default) or `"schedule"`.
    pub departure: Option<Spanned<String>>,
    /// Leave once this many TEU are aboard (default: the usable capacity).
    pub depart_at_teu: Option<Spanned<i64>>,
    /// Leave this long after the first TEU boarded, hours.
    pub max_wait_h: Option<Spanned<f64>>,
    /// Weekly departure slots such as `"mon 08:00"`.
    pub schedule: Option<Spanned<Vec<Spanned<String>>>>,
    /// Berth time per vehicle after the decision to leave (default 0).
    pub load_time: Option<Spanned<DistSpec>>,
    /// Berth time per vehicle to unload (default 0).
    pub unload_time: Option<Spanned<DistSpec>>,
    /// Empty trip home (default: the leg's transit).
    #[serde(rename = "return")]
    pub return_time: Option<Spanned<DistSpec>>,
    /// Id of a leg back whose cargo the fleet carries home.
    pub return_leg: Option<Spanned<String>>,
    /// `[leg.fleet.classes.<id>]`: vehicle classes (ordered by id).
    pub classes: Option<Spanned<BTreeMap<String, Spanned<ClassSpec>>>>,
    /// Breakdowns of its vehicles (default: none).
    pub breakdown: Option<Spanned<BreakdownSpec>>,
}

/// `[leg.fleet.classes.<id>]`: one class of a fleet's vehicles. A key left out takes the
/// fleet's value (`capacity_teu`, `load_factor`, `depart_at_teu`, `load_time`, `unload_time`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClassSpec {
    /// Number of vessels of the class (use either this or `trains`, as the other classes).
    pub vessels: Option<Spanned<i64>>,
    /// Number of trains of the class.
    pub trains: Option<Spanned<i64>>,
    /// Nominal capacity per vehicle, TEU.
    pub capacity_teu: Option<Spanned<i64>>,
    /// Usable share of the capacity.
    pub load_factor: Option<Spanned<f64>>,
    /// Leave once this many TEU are aboard.
    pub depart_at_teu: Option<Spanned<i64>>,
    /// Berth time per vehicle after the decision to leave.
    pub load_time: Option<Spanned<DistSpec>>,
    /// Berth time per vehicle to unload.
    pub unload_time: Option<Spanned<DistSpec>>,
    /// The class's own trip time between the two ends, either way.
    pub transit: Option<Spanned<DistSpec>>,
    /// Speed relative to the leg's transit time (default 1).
    pub speed: Option<Spanned<f64>>,
    /// Date the class enters service (`"YYYY-MM-DD"`, needs `[scenario] start`).
    pub from: Option<Spanned<String>>,
    /// Day the class enters service.
    pub from_day: Option<Spanned<f64>>,
}

/// `[[disruption]]`: episodes that close or slow nodes and legs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisruptionSpec {
    /// Unique id.
    pub id: Spanned<String>,
    /// Target node ids.
    #[serde(default)]
    pub nodes: Vec<Spanned<String>>,
    /// Target leg ids.
    #[serde(default)]
    pub legs: Vec<Spanned<String>>,
    /// Capacity left while active (default 0, closed).
    pub capacity_factor: Option<Spanned<f64>>,
    /// `"all"` (default) or `"departures"`.
    pub blocks: Option<Spanned<String>>,
    /// Poisson starts per year.
    pub rate_per_year: Option<Spanned<f64>>,
    /// Expected starts in each month, January first.
    pub monthly_rates: Option<Spanned<Vec<f64>>>,
    /// Start of a single scheduled episode, days from the beginning of the run.
    pub start_day: Option<Spanned<f64>>,
    /// Length of an episode.
    pub duration: Spanned<DistSpec>,
    /// Extra time for vessels at sea heading to a target node when an episode starts.
    pub shelter: Option<Spanned<DistSpec>>,
}

/// `[[route]]`: an ordered path of nodes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteSpec {
    /// Unique id.
    pub id: Spanned<String>,
    /// Node ids in visiting order.
    pub nodes: Spanned<Vec<Spanned<String>>>,
    /// Promised end-to-end transit, days (optional): the on-time share counts the TEU
    /// delivered within it.
    pub promise_days: Option<Spanned<f64>>,
    /// Money per TEU of taking the route (optional, default 0): the money part of a logit
    /// route choice's generalised cost.
    pub cost_per_teu: Option<Spanned<f64>>,
}

/// How a flow's cargo arrives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ArrivalSpec {
    /// Poisson stream of single containers (1 TEU).
    #[default]
    Containers,
    /// Poisson stream of block trains of `train_teu` TEU.
    BlockTrains,
}

/// What arriving cargo does when the route's first node is full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum WhenFullSpec {
    /// Wait at the origin until space frees.
    #[default]
    Wait,
    /// Be refused and counted as refused.
    Refuse,
}

/// One route of a flow with its share of the volume.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RouteShareSpec {
    /// Route id.
    pub route: Spanned<String>,
    /// Share of the flow's volume (shares sum to 1); required with the `fixed` choice rule only.
    pub share: Option<Spanned<f64>>,
}

/// `[flow.choice]`: how a flow's consignments choose among its routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChoiceSpec {
    /// `"fixed"` (default), `"shortest_expected"` or `"logit"`.
    pub rule: Option<Spanned<String>>,
    /// Logit scale, per unit of money.
    pub scale: Option<Spanned<f64>>,
    /// Logit value of time, money per TEU per day.
    pub value_of_time_per_teu_day: Option<Spanned<f64>>,
    /// Information delay, hours.
    pub delay_h: Option<Spanned<f64>>,
    /// Switching threshold, hours (`shortest_expected`).
    pub threshold_h: Option<Spanned<f64>>,
    /// Decision node: where a consignment chooses again among the routes that share its route
    /// up to it.
    pub decide_at: Option<Spanned<String>>,
}

/// `[[flow]]`: demand on a route (or on several, with shares).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowSpec {
    /// Unique id.
    pub id: Spanned<String>,
    /// The one route (use either this or `routes`).
    pub route: Option<Spanned<String>>,
    /// Several routes with shares.
    pub routes: Option<Spanned<Vec<RouteShareSpec>>>,
    /// Annual volume, TEU per 365-day year (use either this or `teu_by_year`).
    pub teu_per_year: Option<Spanned<f64>>,
    /// Volumes by calendar year of the run, TEU per 365-day year each; the last holds.
    pub teu_by_year: Option<Spanned<Vec<f64>>>,
    /// Arrival process (default: containers).
    #[serde(default)]
    pub arrivals: ArrivalSpec,
    /// TEU per block train (required with `arrivals = "block_trains"`).
    pub train_teu: Option<Spanned<i64>>,
    /// Twelve monthly rate factors, January first (default: all 1).
    pub seasonality: Option<Spanned<Vec<f64>>>,
    /// Compound growth of the volume per year, as a fraction (default: none).
    pub growth_per_year: Option<Spanned<f64>>,
    /// Policy when the first node is full (default: wait).
    #[serde(default)]
    pub when_full: WhenFullSpec,
    /// How consignments choose among the routes (default: fixed shares).
    pub choice: Option<Spanned<ChoiceSpec>>,
}

/// A distribution as written: a bare number (a constant) or a table with a `dist` key.
#[derive(Debug, Clone)]
pub(crate) enum DistSpec {
    /// `service = 4` means always 4 hours.
    Number(f64),
    /// `service = { dist = "lognormal", mean = 36, cv = 0.5 }`.
    Table(Box<DistTable>),
}

/// The table form of a distribution: its family, unit and other keys. Which keys a family takes
/// is the family's business ([`crate::model::dist::FAMILIES`]), checked when it is compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct DistTable {
    /// Family name.
    pub dist: String,
    /// Unit of every duration in the table: `"h"` (default) or `"days"`.
    pub unit: Option<String>,
    /// Every other key with its value (a number or a list of numbers), in the order written.
    pub keys: Vec<(String, KeyValue)>,
}

/// A key's value: a number or a list of numbers.
struct RawKeyValue(KeyValue);

impl<'de> Deserialize<'de> for RawKeyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;

        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = RawKeyValue;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a list of numbers")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawKeyValue, E> {
                Ok(RawKeyValue(KeyValue::Number(v as f64)))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawKeyValue, E> {
                Ok(RawKeyValue(KeyValue::Number(v as f64)))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawKeyValue, E> {
                Ok(RawKeyValue(KeyValue::Number(v)))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawKeyValue, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element::<f64>()? {
                    values.push(value);
                }
                Ok(RawKeyValue(KeyValue::List(values)))
            }
        }

        deserializer.deserialize_any(ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for DistTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;

        impl<'de> Visitor<'de> for TableVisitor {
            type Value = DistTable;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a distribution table such as { dist = \"exponential\", mean = 2 }")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DistTable, A::Error> {
                let mut table = DistTable::default();
                let mut dist = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "dist" => dist = Some(map.next_value::<String>()?),
                        "unit" => table.unit = Some(map.next_value::<String>()?),
                        _ => {
                            let RawKeyValue(value) = map.next_value()?;
                            table.keys.push((key, value));
                        }
                    }
                }
                table.dist = dist.ok_or_else(|| de::Error::missing_field("dist"))?;
                Ok(table)
            }
        }

        deserializer.deserialize_map(TableVisitor)
    }
}

impl<'de> Deserialize<'de> for DistSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DistVisitor;

        impl<'de> Visitor<'de> for DistVisitor {
            type Value = DistSpec;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a number of hours or a table such as { dist = \"exponential\", mean = 2 }",
                )
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DistSpec, E> {
                Ok(DistSpec::Number(v as f64))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DistSpec, E> {
                Ok(DistSpec::Number(v as f64))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DistSpec, E> {
                Ok(DistSpec::Number(v))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DistSpec, A::Error> {
                DistTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|table| DistSpec::Table(Box::new(table)))
            }
        }

        deserializer.deserialize_any(DistVisitor)
    }
}
