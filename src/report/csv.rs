//! Tidy CSV result files: one observation per row, one variable per column, units in column names
//! (`_h` hours, `_teu` TEU, `_per_day`), empty cells where a value does not exist, numbers with
//! the shortest decimal text that reads back to the same `f64`.
//!
//! - `replications.csv`: one row per replication, every KPI (streamed during the run).
//! - `disruptions.csv`: one row per disruption episode per replication (streamed).
//! - `kpis.csv`: one row per KPI: mean, sd, 95% CI and percentiles across replications.
//! - `nodes.csv`, `routes.csv`, `stages.csv`, `flows.csv`, `fleets.csv`, `targets.csv` (nodes and
//!   legs that disruptions close or slow): one row per entity; for each KPI `k`
//!   the columns `k` (mean over replications), `k_sd`, `k_ci95_low`, `k_ci95_high`.
//! - `throughput_daily.csv`: one row per route and simulated day: mean TEU delivered and its CI.
//! - `node_daily.csv`: one row per node and simulated day: the time-average queue
//!   (`queue_mean`) and TEU at the node (`yard_teu_mean`) over that day, mean over replications
//!   and CI.
//! - `fleet_daily.csv`: one row per fleet and simulated day: departures from home that day
//!   (`departures`) and TEU aboard them (`loaded_teu`), mean over replications and CI.
//!
//! - `throughput_weekly.csv`, `fleet_weekly.csv`: the same counts per week of the run (`week`;
//!   `days` in the week, fewer for a last partial week), with the spread of each replication's
//!   weekly total.
//!
//!   With `[scenario] start`, a `date` column follows `day` (or `week`: its first day's date),
//!   `YYYY-MM-DD`.
//!
//!   The daily and weekly files cover the whole run, `warmup` marking days that start before the statistics
//!   window; a last day shorter than 24 h is averaged over its actual length.
//! - `route_shares_monthly.csv` (models with a flow over more than one route): one row per route
//!   of each such flow and calendar month of the run (`month` from 0, `first_day`, `days`, `date`
//!   of the first day with `[scenario] start`): the mean over replications of the share of the
//!   flow's TEU generated that month that took the route, with its CI (`share`, `share_sd`,
//!   `share_ci95_low`, `share_ci95_high`; replications whose flow generated nothing that month
//!   left out).
//! - `transit_distribution.csv`: one row per route and histogram bucket: the pooled end-to-end
//!   time distribution over all replications (TEU per 0.5%-wide bucket, cumulative share).
//! - `transit_by_month.csv`: one row per route and calendar month of departure (the month the
//!   consignment was generated, 1 = January): TEU delivered in the window over all replications,
//!   and the pooled median and 95th percentile of their end-to-end time (within 0.5%).

use std::fmt::Write as _;
use std::io;

use std::borrow::Cow;

use ::csv::ByteRecord;

use super::files::{AtomicFile, OutputDir};
use crate::base::Estimate;
use crate::experiment::{Replication, Results};
use crate::model::capacity::CapacityPeriod;
use crate::model::{Model, Target};
use crate::stats::daily::{DAYS_PER_WEEK, Daily, DayStat, HalfWidths};
use crate::stats::kpi::{KpiColumns, KpiSummary, PERCENTILES, Scope};
use crate::stats::summary::YearSummary;
use crate::stats::{ReplicationStats, Summary};

/// `yearly.csv` (only when the window spans more than one calendar year).
pub(crate) const YEARLY_CSV: &str = "yearly.csv";
/// `capacity.csv`: the nominal capacity of each node and fleet (`model::capacity`).
pub(crate) const CAPACITY_CSV: &str = "capacity.csv";
/// `replications.csv`.
pub(crate) const REPLICATIONS_CSV: &str = "replications.csv";
/// `disruptions.csv`.
pub(crate) const DISRUPTIONS_CSV: &str = "disruptions.csv";
/// `kpis.csv`.
pub(crate) const KPIS_CSV: &str = "kpis.csv";
/// `nodes.csv`.
pub(crate) const NODES_CSV: &str = "nodes.csv";
/// `routes.csv`.
pub(crate) const ROUTES_CSV: &str = "routes.csv";
/// `stages.csv`.
pub(crate) const STAGES_CSV: &str = "stages.csv";
/// `flows.csv`.
pub(crate) const FLOWS_CSV: &str = "flows.csv";
/// `fleets.csv`.
pub(crate) const FLEETS_CSV: &str = "fleets.csv";
/// `targets.csv`.
pub(crate) const TARGETS_CSV: &str = "targets.csv";
/// `transit_distribution.csv`.
pub(crate) const TRANSIT_DISTRIBUTION_CSV: &str = "transit_distribution.csv";
/// `transit_by_month.csv`.
pub(crate) const TRANSIT_BY_MONTH_CSV: &str = "transit_by_month.csv";
/// `throughput_weekly.csv`.
pub(crate) const THROUGHPUT_WEEKLY_CSV: &str = "throughput_weekly.csv";
/// `fleet_weekly.csv`.
pub(crate) const FLEET_WEEKLY_CSV: &str = "fleet_weekly.csv";
/// `route_shares_monthly.csv`.
pub(crate) const ROUTE_SHARES_MONTHLY_CSV: &str = "route_shares_monthly.csv";
/// `throughput_daily.csv`.
pub(crate) const THROUGHPUT_DAILY_CSV: &str = "throughput_daily.csv";
/// `node_daily.csv`.
pub(crate) const NODE_DAILY_CSV: &str = "node_daily.csv";
/// `fleet_daily.csv`.
pub(crate) const FLEET_DAILY_CSV: &str = "fleet_daily.csv";

/// The one CSV writer of every result file (the run's files here, `compare.csv`, `sweep.csv`,
/// `oat.csv`, `morris*.csv` in `study`): the `csv` crate's writer, with every cell made inert
/// for spreadsheets first ([`inert`]).
pub(crate) struct Writer<W: io::Write> {
    inner: ::csv::Writer<W>,
    record: ByteRecord,
}

impl<W: io::Write> Writer<W> {
    /// A writer into `writer`.
    pub(crate) fn from_writer(writer: W) -> Writer<W> {
        Writer {
            inner: ::csv::Writer::from_writer(writer),
            record: ByteRecord::new(),
        }
    }

    /// Writes one row.
    pub(crate) fn write_record<I, T>(&mut self, fields: I) -> ::csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.record.clear();
        for field in fields {
            self.record.push_field(&inert(field.as_ref()));
        }
        self.inner.write_byte_record(&self.record)
    }

    /// Writes one row.
    pub(crate) fn write_byte_record(&mut self, record: &ByteRecord) -> ::csv::Result<()> {
        if record
            .iter()
            .any(|field| matches!(inert(field), Cow::Owned(_)))
        {
            let fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
            self.write_record(fields)
        } else {
            self.inner.write_byte_record(record)
        }
    }

    /// Flushes.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }

    /// The underlying writer, flushed.
    pub(crate) fn into_inner(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

/// `cell`, made safe to open in a spreadsheet: a text cell that a spreadsheet would evaluate as
/// a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
/// the usual marker of literal text (so `=HYPERLINK(...)` shows as text). Numbers are left as
/// they are, a negative number included: a cell that reads as a decimal number is never changed.
pub(crate) fn inert(cell: &[u8]) -> Cow<'_, [u8]> {
    match cell.first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if !is_number(cell) => {
            let mut safe = Vec::with_capacity(cell.len() + 1);
            safe.push(b'\'');
            safe.extend_from_slice(cell);
            Cow::Owned(safe)
        }
        _ => Cow::Borrowed(cell),
    }
}

/// Whether `cell` is a decimal number (`-1.5`, `+2e-3`), as the result files write them.
fn is_number(cell: &[u8]) -> bool {
    cell.iter().any(u8::is_ascii_digit)
        && cell
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && std::str::from_utf8(cell).is_ok_and(|text| text.parse::<f64>().is_ok())
}

/// A CSV error as the I/O error it is (or wraps).
pub(crate) fn csv_err(err: ::csv::Error) -> io::Error {
    match err.into_kind() {
        ::csv::ErrorKind::Io(err) => err,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn into_file(writer: Writer<AtomicFile>) -> io::Result<AtomicFile> {
    writer.into_inner()
}

/// Builds CSV records field by field, formatting numbers without allocating.
#[derive(Default)]
struct Record {
    record: ByteRecord,
    buf: String,
}

impl Record {
    fn clear(&mut self) {
        self.record.clear();
    }

    fn text(&mut self, value: &str) {
        self.record.push_field(value.as_bytes());
    }

    fn display(&mut self, value: impl std::fmt::Display) {
        self.buf.clear();
        let _ = write!(self.buf, "{value}");
        self.record.push_field(self.buf.as_bytes());
    }

    fn float(&mut self, value: Option<f64>) {
        match value {
            Some(v) if v.is_finite() => self.display(v),
            _ => self.text(""),
        }
    }

    fn write(&self, writer: &mut Writer<AtomicFile>) -> io::Result<()> {
        writer.write_byte_record(&self.record).map_err(csv_err)
    }
}

/// The disruption episodes of one replication, one item per episode and target:
/// `(disruption id, target kind, target id, start_h, end_h)`.
fn disruption_episodes<'a>(
    model: &'a Model,
    stats: &'a ReplicationStats,
) -> impl Iterator<Item = (&'a str, &'static str, &'a str, f64, f64)> + 'a {
    stats.disruption_log.iter().flat_map(move |record| {
        let disruption = &model.disruptions[record.disruption as usize];
        disruption.targets.iter().map(move |&target| {
            let kind = match target {
                Target::Node(_) => "node",
                Target::Leg(_) => "leg",
            };
            (
                disruption.id.as_str(),
                kind,
                model.target_name(target),
                record.start_h,
                record.end_h,
            )
        })
    })
}

/// The files written one row per replication while a run goes on.
pub struct ReplicationWriters {
    replications: Writer<AtomicFile>,
    disruptions: Writer<AtomicFile>,
    record: Record,
}

impl std::fmt::Debug for ReplicationWriters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicationWriters").finish_non_exhaustive()
    }
}

/// Integer columns of `replications.csv` before the KPIs.
const REPLICATION_HEADER: [&str; 7] = [
    "replication",
    "events",
    "generated_teu_total",
    "delivered_teu_total",
    "refused_teu_total",
    "in_system_teu_at_end",
    "conservation_holds",
];

impl ReplicationWriters {
    /// Starts the streamed files in `out` (under temporary names until [`Self::commit`]).
    pub fn create(out: &OutputDir, columns: &KpiColumns) -> io::Result<ReplicationWriters> {
        let mut replications = Writer::from_writer(out.create(REPLICATIONS_CSV)?);
        let mut record = Record::default();
        for name in REPLICATION_HEADER {
            record.text(name);
        }
        for column in columns.columns() {
            record.text(&column.name());
        }
        record.write(&mut replications)?;
        let mut disruptions = Writer::from_writer(out.create(DISRUPTIONS_CSV)?);
        disruptions
            .write_record([
                "replication",
                "disruption",
                "target_kind",
                "target",
                "start_h",
                "end_h",
            ])
            .map_err(csv_err)?;
        Ok(ReplicationWriters {
            replications,
            disruptions,
            record,
        })
    }

    /// Writes the rows of one replication.
    pub fn write(&mut self, model: &Model, replication: &Replication) -> io::Result<()> {
        let stats = &replication.stats;
        let c = &stats.conservation;
        let record = &mut self.record;
        record.clear();
        record.display(stats.replication);
        record.display(stats.events);
        record.display(c.generated_teu);
        record.display(c.delivered_teu);
        record.display(c.refused_teu);
        record.display(c.in_system_teu());
        record.display(c.holds());
        for value in &replication.kpi_row {
            record.float(*value);
        }
        record.write(&mut self.replications)?;
        for (id, kind, target, start_h, end_h) in disruption_episodes(model, stats) {
            record.clear();
            record.display(stats.replication);
            record.text(id);
            record.text(kind);
            record.text(target);
            record.display(start_h);
            record.display(end_h);
            record.write(&mut self.disruptions)?;
        }
        Ok(())
    }

    /// Finishes the streamed files and gives them their final names.
    pub fn commit(self) -> io::Result<()> {
        into_file(self.replications)?.commit()?;
        into_file(self.disruptions)?.commit()?;
        Ok(())
    }
}

/// Suffixes of the columns written for each KPI in the per-entity files.
const ESTIMATE_SUFFIXES: [&str; 4] = ["", "_sd", "_ci95_low", "_ci95_high"];

fn push_estimate(record: &mut Record, estimate: &Option<Estimate>) {
    record.float(estimate.map(|e| e.mean));
    record.float(estimate.map(|e| e.sd));
    record.float(estimate.and_then(|e| e.low()));
    record.float(estimate.and_then(|e| e.high()));
}

/// The KPIs of `scope` grouped by entity, in order.
fn by_entity(kpis: &[KpiSummary], scope: Scope) -> Vec<Vec<&KpiSummary>> {
    let mut groups: Vec<Vec<&KpiSummary>> = Vec::new();
    for kpi in kpis.iter().filter(|k| k.scope == scope) {
        match groups.last_mut() {
            Some(group) if group[0].entity == kpi.entity => group.push(kpi),
            _ => groups.push(vec![kpi]),
        }
    }
    groups
}

/// Writes one per-entity file: `lead` columns from `lead_values(i)`, the pivoted KPIs, then
/// `tail` columns from `tail_values(i)`.
/// The columns of a per-entity file.
struct Layout<'a> {
    name: &'a str,
    lead: &'a [&'a str],
    kpi_names: &'a [&'a str],
    tail: &'a [&'a str],
}

fn write_entities(
    out: &OutputDir,
    layout: Layout<'_>,
    groups: &[Vec<&KpiSummary>],
    mut lead_values: impl FnMut(usize, &mut Record),
    mut tail_values: impl FnMut(usize, &mut Record),
) -> io::Result<AtomicFile> {
    let Layout {
        name,
        lead,
        kpi_names,
        tail,
    } = layout;
    let mut writer = Writer::from_writer(out.create(name)?);
    let mut record = Record::default();
    for column in lead {
        record.text(column);
    }
    for kpi in kpi_names {
        for suffix in ESTIMATE_SUFFIXES {
            record.text(&format!("{kpi}{suffix}"));
        }
    }
    for column in tail {
        record.text(column);
    }
    record.write(&mut writer)?;
    for (i, group) in groups.iter().enumerate() {
        assert!(
            group
                .iter()
                .map(|k| k.kpi.as_str())
                .eq(kpi_names.iter().copied()),
            "{name}: KPIs out of step with the header"
        );
        record.clear();
        lead_values(i, &mut record);
        for kpi in group {
            push_estimate(&mut record, &kpi.estimate);
        }
        tail_values(i, &mut record);
        record.write(&mut writer)?;
    }
    into_file(writer)
}

fn write_kpis(out: &OutputDir, kpis: &[KpiSummary]) -> io::Result<AtomicFile> {
    let mut writer = Writer::from_writer(out.create(KPIS_CSV)?);
    let mut record = Record::default();
    for column in [
        "scope",
        "entity",
        "kpi",
        "n",
        "mean",
        "sd",
        "ci95_low",
        "ci95_high",
    ] {
        record.text(column);
    }
    for q in PERCENTILES {
        record.text(&format!("p{:02}", (q * 100.0).round() as u32));
    }
    record.text("min");
    record.text("max");
    record.write(&mut writer)?;
    for kpi in kpis {
        record.clear();
        record.text(kpi.scope.as_str());
        record.text(&kpi.entity);
        record.text(&kpi.kpi);
        record.display(kpi.estimate.map_or(0, |e| e.n));
        push_estimate(&mut record, &kpi.estimate);
        for i in 0..PERCENTILES.len() {
            record.float(kpi.percentiles.map(|p| p[i]));
        }
        record.float(kpi.min);
        record.float(kpi.max);
        record.write(&mut writer)?;
    }
    into_file(writer)
}

/// The columns of a daily file.
struct DailyLayout<'a, A> {
    name: &'a str,
    /// The entity column (`route`, `node`, `fleet`).
    entity: &'a str,
    /// Per measure: the column name and its accumulator; every measure covers the same entities
    /// and periods.
    measures: &'a [(&'a str, &'a Daily<A>)],
    /// Days per period: 1 (a `day` column) or 7 (`week` and `days` columns).
    period_days: usize,
}

/// Writes one row per entity and day (or week, with the days it covers): the entity, the
/// period, whether it starts in the warm-up,
/// the replications and, for each measure `m`, `m`, `m_sd`, `m_ci95_low` and `m_ci95_high`.
fn write_daily<'a, A: DayStat>(
    out: &OutputDir,
    model: &Model,
    layout: DailyLayout<'_, A>,
    ids: impl Iterator<Item = &'a str>,
) -> io::Result<AtomicFile> {
    let DailyLayout {
        name,
        entity,
        measures,
        period_days,
    } = layout;
    let weekly = period_days > 1;
    let mut writer = Writer::from_writer(out.create(name)?);
    let mut record = Record::default();
    let lead: &[&str] = if weekly {
        &["week", "days", "warmup", "replications"]
    } else {
        &["day", "warmup", "replications"]
    };
    let calendar = &model.settings.calendar;
    let dated = calendar.start().is_some();
    record.text(entity);
    for column in lead {
        record.text(column);
        if dated && (*column == "day" || *column == "week") {
            record.text("date");
        }
    }
    for (measure, _) in measures {
        for suffix in ESTIMATE_SUFFIXES {
            record.text(&format!("{measure}{suffix}"));
        }
    }
    record.write(&mut writer)?;
    let warmup_days = model.settings.warmup.days();
    let run_days = model.settings.horizon.days().ceil() as usize;
    let mut half_widths = HalfWidths::default();
    for (i, id) in ids.enumerate() {
        let periods = measures[0].1.entities[i].len();
        for period in 0..periods {
            let first_day = period * period_days;
            record.clear();
            record.text(id);
            record.display(period);
            if let Some(date) = calendar.date(first_day).filter(|_| dated) {
                record.display(date);
            }
            if weekly {
                record.display(period_days.min(run_days - first_day));
            }
            record.display((first_day as f64) < warmup_days);
            record.display(measures[0].1.entities[i][period].n());
            for (_, daily) in measures {
                let stat = &daily.entities[i][period];
                let mean = stat.mean();
                let half_width = half_widths.of(stat);
                record.float(mean);
                record.float(stat.sd());
                record.float(mean.zip(half_width).map(|(m, h)| m - h));
                record.float(mean.zip(half_width).map(|(m, h)| m + h));
            }
            record.write(&mut writer)?;
        }
    }
    into_file(writer)
}

fn write_transit_distribution(
    out: &OutputDir,
    model: &Model,
    results: &Results,
) -> io::Result<AtomicFile> {
    let mut writer = Writer::from_writer(out.create(TRANSIT_DISTRIBUTION_CSV)?);
    writer
        .write_record([
            "route",
            "transit_low_h",
            "transit_high_h",
            "teu",
            "cumulative_share",
        ])
        .map_err(csv_err)?;
    let mut record = Record::default();
    for (route, histogram) in model.routes.iter().zip(&results.transit_pooled) {
        let total = histogram.total() as f64;
        let mut cumulative = 0;
        for (low, high, teu) in histogram.buckets() {
            cumulative += teu;
            record.clear();
            record.text(&route.id);
            record.display(low);
            record.display(high);
            record.display(teu);
            record.display(cumulative as f64 / total);
            record.write(&mut writer)?;
        }
    }
    into_file(writer)
}

/// `transit_by_month.csv`: per route, every calendar month of departure (1 = January), the TEU
/// delivered in the window over all replications and the pooled median and 95th percentile of
/// their end-to-end time (empty for a month without deliveries).
fn write_transit_by_month(
    out: &OutputDir,
    model: &Model,
    results: &Results,
) -> io::Result<AtomicFile> {
    let mut writer = Writer::from_writer(out.create(TRANSIT_BY_MONTH_CSV)?);
    writer
        .write_record(["route", "month", "teu", "transit_p50_h", "transit_p95_h"])
        .map_err(csv_err)?;
    let mut record = Record::default();
    for (route, months) in model.routes.iter().zip(&results.transit_by_month) {
        for (month, sketch) in months.iter().enumerate() {
            record.clear();
            record.text(&route.id);
            record.display(month + 1);
            record.display(sketch.count());
            record.float(sketch.quantile(0.5));
            record.float(sketch.quantile(0.95));
            record.write(&mut writer)?;
        }
    }
    into_file(writer)
}

/// Writes the files computed at the end of a run (everything but the streamed files and
/// `summary.json`), under temporary names; the caller commits them.
pub(crate) fn write_tables(
    out: &OutputDir,
    model: &Model,
    results: &Results,
) -> io::Result<Vec<AtomicFile>> {
    let summary: &Summary = &results.summary;
    let kpis = &summary.kpis;
    let mut files = vec![write_kpis(out, kpis)?];

    let nodes = by_entity(kpis, Scope::Node);
    files.push(write_entities(
        out,
        Layout {
            name: NODES_CSV,
            lead: &["node", "name", "kind", "servers", "yard_capacity_teu"],
            kpi_names: &Scope::Node.kpi_names(),
            tail: &["wait_p50_pooled_h", "wait_p95_pooled_h"],
        },
        &nodes,
        |i, r| {
            let node = &summary.nodes[i];
            r.text(&node.id);
            r.text(&node.name);
            r.text(serde_plain_kind(node.kind));
            r.float(node.servers.map(f64::from));
            r.float(node.yard_capacity_teu.map(|c| c as f64));
        },
        |i, r| {
            r.float(summary.nodes[i].wait_p50_pooled_h);
            r.float(summary.nodes[i].wait_p95_pooled_h);
        },
    )?);

    let mut routes = by_entity(kpis, Scope::Route);
    // A model that declares costs has the cost KPIs of each route too (scope `cost`, entity the
    // route): in routes.csv they follow the route's own.
    let costs = by_entity(kpis, Scope::Cost);
    let mut route_kpis = Scope::Route.kpi_names();
    if !costs.is_empty() {
        for (group, cost) in routes.iter_mut().zip(costs) {
            group.extend(cost);
        }
        route_kpis.extend(Scope::Cost.kpi_names());
    }
    let mut tail = vec![];
    for suffix in ESTIMATE_SUFFIXES {
        tail.push(format!("throughput_teu_per_year{suffix}"));
    }
    tail.push("transit_p50_pooled_h".into());
    tail.push("transit_p95_pooled_h".into());
    tail.push("promise_h".into());
    tail.push("on_time_share_pooled".into());
    let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
    files.push(write_entities(
        out,
        Layout {
            name: ROUTES_CSV,
            lead: &["route", "nodes"],
            kpi_names: &route_kpis,
            tail: &tail,
        },
        &routes,
        |i, r| {
            r.text(&summary.routes[i].id);
            r.text(&summary.routes[i].nodes.join(" "));
        },
        |i, r| {
            let route = &summary.routes[i];
            push_estimate(r, &route.throughput_teu_per_year);
            r.float(route.transit_p50_pooled_h);
            r.float(route.transit_p95_pooled_h);
            r.float(route.promise_h);
            r.float(route.on_time_share_pooled);
        },
    )?);

    let stages = by_entity(kpis, Scope::Stage);
    let stage_rows: Vec<(String, usize, String, String)> = summary
        .routes
        .iter()
        .flat_map(|route| {
            route
                .stages
                .iter()
                .enumerate()
                .map(|(i, s)| (route.id.clone(), i, s.kind.clone(), s.id.clone()))
        })
        .collect();
    files.push(write_entities(
        out,
        Layout {
            name: STAGES_CSV,
            lead: &["route", "stage_index", "kind", "stage"],
            kpi_names: &Scope::Stage.kpi_names(),
            tail: &[],
        },
        &stages,
        |i, r| {
            let (route, index, kind, id) = &stage_rows[i];
            r.text(route);
            r.display(index);
            r.text(kind);
            r.text(id);
        },
        |_, _| {},
    )?);

    let flows = by_entity(kpis, Scope::Flow);
    files.push(write_entities(
        out,
        Layout {
            name: FLOWS_CSV,
            lead: &["flow"],
            kpi_names: &Scope::Flow.kpi_names(),
            tail: &[],
        },
        &flows,
        |i, r| r.text(&summary.flows[i].id),
        |_, _| {},
    )?);

    let fleets = by_entity(kpis, Scope::Fleet);
    files.push(write_entities(
        out,
        Layout {
            name: FLEETS_CSV,
            lead: &["fleet", "kind", "vehicles", "capacity_teu", "max_load_teu"],
            kpi_names: &Scope::Fleet.kpi_names(),
            tail: &[],
        },
        &fleets,
        |i, r| {
            let fleet = &summary.fleets[i];
            r.text(&fleet.id);
            r.text(match fleet.kind {
                crate::model::VehicleKind::Vessel => "vessel",
                crate::model::VehicleKind::Train => "train",
            });
            r.display(fleet.vehicles);
            r.display(fleet.capacity_teu);
            r.display(fleet.max_load_teu);
        },
        |_, _| {},
    )?);

    let targets = by_entity(kpis, Scope::Target);
    files.push(write_entities(
        out,
        Layout {
            name: TARGETS_CSV,
            lead: &["kind", "target"],
            kpi_names: &Scope::Target.kpi_names(),
            tail: &[],
        },
        &targets,
        |i, r| {
            r.text(&summary.targets[i].kind);
            r.text(&summary.targets[i].id);
        },
        |_, _| {},
    )?);

    let daily = &results.daily;
    files.push(write_daily(
        out,
        model,
        DailyLayout {
            name: THROUGHPUT_DAILY_CSV,
            entity: "route",
            measures: &[("delivered_teu", &daily.delivered_teu)],
            period_days: 1,
        },
        model.routes.iter().map(|r| r.id.as_str()),
    )?);
    files.push(write_daily(
        out,
        model,
        DailyLayout {
            name: THROUGHPUT_WEEKLY_CSV,
            entity: "route",
            measures: &[("delivered_teu", &daily.weekly_delivered_teu)],
            period_days: DAYS_PER_WEEK,
        },
        model.routes.iter().map(|r| r.id.as_str()),
    )?);
    files.push(write_daily(
        out,
        model,
        DailyLayout {
            name: NODE_DAILY_CSV,
            entity: "node",
            measures: &[
                ("queue_mean", &daily.queue),
                ("yard_teu_mean", &daily.yard_teu),
            ],
            period_days: 1,
        },
        model.nodes.iter().map(|n| n.id.as_str()),
    )?);
    files.push(write_daily(
        out,
        model,
        DailyLayout {
            name: FLEET_DAILY_CSV,
            entity: "fleet",
            measures: &[
                ("departures", &daily.departures),
                ("loaded_teu", &daily.departed_teu),
            ],
            period_days: 1,
        },
        model.fleets.iter().map(|f| f.id.as_str()),
    )?);
    files.push(write_daily(
        out,
        model,
        DailyLayout {
            name: FLEET_WEEKLY_CSV,
            entity: "fleet",
            measures: &[
                ("departures", &daily.weekly_departures),
                ("loaded_teu", &daily.weekly_departed_teu),
            ],
            period_days: DAYS_PER_WEEK,
        },
        model.fleets.iter().map(|f| f.id.as_str()),
    )?);
    if !daily.monthly_share.entities.is_empty() {
        files.push(write_route_shares_monthly(out, model, daily)?);
    }
    files.push(write_transit_distribution(out, model, results)?);
    files.push(write_transit_by_month(out, model, results)?);
    if !summary.yearly.is_empty() {
        files.push(write_yearly(out, &summary.yearly)?);
    }
    files.push(write_capacity(out, &summary.capacity)?);
    Ok(files)
}

/// `route_shares_monthly.csv`: one row per route of each flow with more than one route and
/// month of the run.
fn write_route_shares_monthly(
    out: &OutputDir,
    model: &Model,
    daily: &crate::stats::daily::DailySeries,
) -> io::Result<AtomicFile> {
    let mut writer = Writer::from_writer(out.create(ROUTE_SHARES_MONTHLY_CSV)?);
    let mut record = Record::default();
    let calendar = &model.settings.calendar;
    let dated = calendar.start().is_some();
    let mut lead = vec!["flow", "route", "month", "first_day"];
    if dated {
        lead.push("date");
    }
    lead.extend(["days", "warmup", "replications"]);
    for column in lead {
        record.text(column);
    }
    for suffix in ESTIMATE_SUFFIXES {
        record.text(&format!("share{suffix}"));
    }
    record.write(&mut writer)?;
    let warmup_days = model.settings.warmup.days();
    let mut half_widths = HalfWidths::default();
    let entities = crate::stats::daily::choice_entities(model);
    for ((flow, k), months) in entities.iter().zip(&daily.monthly_share.entities) {
        let flow = &model.flows[*flow];
        let route = &model.route(flow.routes[*k].0).id;
        for (m, stat) in months.iter().enumerate() {
            let (first, next) = (daily.month_starts[m], daily.month_starts[m + 1]);
            record.clear();
            record.text(&flow.id);
            record.text(route);
            record.display(m);
            record.display(first);
            if let Some(date) = calendar.date(first).filter(|_| dated) {
                record.display(date);
            }
            record.display(next - first);
            record.display((first as f64) < warmup_days);
            record.display(stat.n());
            let mean = stat.mean();
            let half_width = half_widths.of(stat);
            record.float(mean);
            record.float(stat.sd());
            record.float(mean.zip(half_width).map(|(m, h)| m - h));
            record.float(mean.zip(half_width).map(|(m, h)| m + h));
            record.write(&mut writer)?;
        }
    }
    into_file(writer)
}

/// `capacity.csv`: one row per node or fleet per period, then one row per route per period
/// naming the resource that binds first (`kind` = `route`).
fn write_capacity(out: &OutputDir, periods: &[CapacityPeriod]) -> io::Result<AtomicFile> {
    let mut writer = Writer::from_writer(out.create(CAPACITY_CSV)?);
    let mut record = Record::default();
    for column in [
        "from_day",
        "to_day",
        "kind",
        "id",
        "capacity_teu_per_year",
        "demand_teu_per_year",
        "utilization",
        "headroom_teu_per_year",
        "saturates_at_demand_x",
        "binding_kind",
        "binding_id",
    ] {
        record.text(column);
    }
    record.write(&mut writer)?;
    for period in periods {
        for r in &period.resources {
            record.clear();
            record.float(Some(period.from_day));
            record.float(Some(period.to_day));
            record.text(&r.kind);
            record.text(&r.id);
            record.float(Some(r.capacity_teu_per_year));
            record.float(Some(r.demand_teu_per_year));
            record.float(r.utilization);
            record.float(Some(r.headroom_teu_per_year));
            record.float(r.saturates_at_demand_x);
            record.text("");
            record.text("");
            record.write(&mut writer)?;
        }
        for route in &period.routes {
            record.clear();
            record.float(Some(period.from_day));
            record.float(Some(period.to_day));
            record.text("route");
            record.text(&route.route);
            for _ in 0..4 {
                record.float(None);
            }
            record.float(route.saturates_at_demand_x);
            let (kind, id) = route
                .binding
                .as_ref()
                .map_or(("", ""), |(k, i)| (k.as_str(), i.as_str()));
            record.text(kind);
            record.text(id);
            record.write(&mut writer)?;
        }
    }
    into_file(writer)
}

/// `yearly.csv`, long format: one row per calendar year, entity and KPI, with the year's dates
/// (a partial first or last year says so), the estimate across replications and its 95% CI.
fn write_yearly(out: &OutputDir, years: &[YearSummary]) -> io::Result<AtomicFile> {
    let mut writer = Writer::from_writer(out.create(YEARLY_CSV)?);
    let mut record = Record::default();
    for column in [
        "year",
        "first_date",
        "last_date",
        "days",
        "partial",
        "kind",
        "id",
        "kpi",
        "mean",
        "half_width",
        "ci95_low",
        "ci95_high",
        "sd",
        "n",
    ] {
        record.text(column);
    }
    record.write(&mut writer)?;
    for year in years {
        for kpi in &year.kpis {
            record.clear();
            record.display(year.year);
            record.text(&year.first_date);
            record.text(&year.last_date);
            record.display(year.days);
            record.text(if year.partial { "true" } else { "false" });
            record.text(kpi.scope.as_str());
            record.text(&kpi.entity);
            record.text(&kpi.kpi);
            let estimate = kpi.estimate;
            record.float(estimate.map(|e| e.mean));
            record.float(estimate.and_then(|e| e.half_width));
            record.float(estimate.and_then(|e| e.low()));
            record.float(estimate.and_then(|e| e.high()));
            record.float(estimate.map(|e| e.sd));
            record.display(estimate.map_or(0, |e| e.n));
            record.write(&mut writer)?;
        }
    }
    into_file(writer)
}

fn serde_plain_kind(kind: crate::model::NodeKind) -> &'static str {
    use crate::model::NodeKind::*;
    match kind {
        Terminal => "terminal",
        Border => "border",
        Port => "port",
        Yard => "yard",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_evaluate_are_made_inert_and_numbers_are_not() {
        let inert = |text: &str| String::from_utf8(inert(text.as_bytes()).into_owned()).unwrap();
        for formula in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "-",
            "-e",
        ] {
            assert_eq!(inert(formula), format!("'{formula}"));
        }
        for kept in ["-1.5", "-2e-3", "+4", "0", "aktau-port", "x=1", "", "1e308"] {
            assert_eq!(inert(kept), kept);
        }
        let mut writer = Writer::from_writer(Vec::new());
        writer.write_record(["=1+1", "-3.25", "plain"]).unwrap();
        let mut record = ByteRecord::new();
        record.push_field(b"@x");
        record.push_field(b"-7");
        record.push_field(b"y");
        writer.write_byte_record(&record).unwrap();
        assert_eq!(
            String::from_utf8(writer.into_inner().unwrap()).unwrap(),
            "'=1+1,-3.25,plain\n'@x,-7,y\n"
        );
    }
}
