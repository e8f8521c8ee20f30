//! The result files the charts and the report read, loaded into plain types.
//!
//! This is the only place the plotting side touches the disk for input: it reads `summary.json`
//! (as [`RunReport`]) and the time-series CSV files a run writes, and nothing of the engine. A
//! missing or malformed file is an error that names the file and, for CSV, the line.

use std::fs;
use std::path::{Path, PathBuf};

use crate::report::csv::{
    DISRUPTIONS_CSV, FLEET_DAILY_CSV, FLEET_WEEKLY_CSV, NODE_DAILY_CSV, ROUTE_SHARES_MONTHLY_CSV,
    THROUGHPUT_DAILY_CSV, THROUGHPUT_WEEKLY_CSV, TRANSIT_BY_MONTH_CSV, TRANSIT_DISTRIBUTION_CSV,
};
use crate::report::output::SUMMARY_JSON;
use crate::report::{ReadError, RunReport, parse_versioned};

/// Why the result files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A result file is absent or unreadable.
    #[error("{}: cannot read result file: {source} (is this a `corridor run` output directory?)", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `summary.json` does not parse or has another format version.
    #[error(transparent)]
    Summary(#[from] ReadError),
    /// A result file does not parse.
    #[error("{}: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
}

/// A mean across replications with its 95% confidence interval, at one point of a time axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Point {
    /// Position on the time axis (day or week index).
    pub t: f64,
    /// Mean across replications.
    pub mean: f64,
    /// Lower end of the 95% CI (the mean itself when there is no interval).
    pub low: f64,
    /// Upper end of the 95% CI.
    pub high: f64,
    /// Whether the period falls (at least partly) in the warm-up.
    pub warmup: bool,
}

/// A time series per entity (route, node or fleet), in the order the file lists them.
pub(crate) type SeriesSet = Vec<(String, Vec<Point>)>;

/// One bin of a route's pooled transit-time histogram.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TransitBin {
    /// Lower edge, hours.
    pub transit_low_h: f64,
    /// Upper edge, hours.
    pub transit_high_h: f64,
    /// TEU in the bin, all replications pooled.
    pub teu: u64,
}

/// One calendar month of departure of a route: pooled TEU and transit quantiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct MonthTransit {
    /// Month, 0 = January.
    pub month: usize,
    /// TEU delivered in the window, all replications pooled.
    pub teu: u64,
    /// Pooled median end-to-end time, hours (`None` without deliveries).
    pub p50_h: Option<f64>,
    /// Pooled 95th percentile, hours.
    pub p95_h: Option<f64>,
}

/// A replication and its merged disrupted windows `[start, end)`, hours.
pub(crate) type Windows = (u64, Vec<(f64, f64)>);

/// The time step of the throughput and fleet charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Period {
    /// Daily values (runs shorter than [`Period::WEEKLY_FROM_DAYS`]).
    Day,
    /// Weekly totals.
    Week,
}

impl Period {
    /// Runs at least this long are charted per week; shorter ones per day.
    pub const WEEKLY_FROM_DAYS: f64 = 56.0;

    /// The period for a run of `horizon_days`.
    pub fn for_horizon(horizon_days: f64) -> Period {
        if horizon_days >= Period::WEEKLY_FROM_DAYS {
            Period::Week
        } else {
            Period::Day
        }
    }

    /// Length, hours.
    pub fn hours(self) -> f64 {
        match self {
            Period::Day => 24.0,
            Period::Week => 168.0,
        }
    }

    /// `day` or `week`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }
}

/// Departures and loads of one fleet per period.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FleetSeries {
    /// Departures per period.
    pub departures: Vec<Point>,
    /// Mean TEU loaded per period.
    pub loaded_teu: Vec<Point>,
}

/// Everything the charts and the report draw.
#[derive(Clone, Debug)]
pub(crate) struct ResultSet {
    /// `summary.json`.
    pub report: RunReport,
    /// The time step of `throughput` and `fleets`.
    pub period: Period,
    /// TEU delivered per period, per route.
    pub throughput: SeriesSet,
    /// Time-average TEU at the node per day, per node.
    pub yard_daily: SeriesSet,
    /// Departures and loads per period, per fleet.
    pub fleets: Vec<(String, FleetSeries)>,
    /// Pooled transit-time histogram, per route (routes with deliveries only).
    pub transit: Vec<(String, Vec<TransitBin>)>,
    /// Transit by calendar month of departure, per route, in file order (empty for a result
    /// directory written before `transit_by_month.csv` existed).
    pub transit_by_month: Vec<(String, Vec<MonthTransit>)>,
    /// Route shares per month of the run, per flow with more than one route: its routes, each
    /// with one point per month (`t` in days, placed so that the point is drawn at the month's
    /// middle; mean share and 95% CI), from `route_shares_monthly.csv` (empty without it).
    pub route_shares: Vec<(String, SeriesSet)>,
    /// The representative replication of the disruption log and its merged disrupted windows
    /// (see [`ResultSet::representative_disruptions`]); `None` when nothing was logged.
    pub representative: Option<Windows>,
}

impl ResultSet {
    /// Reads the result files in `dir`.
    pub fn load(dir: &Path) -> Result<ResultSet, DataError> {
        let summary_path = dir.join(SUMMARY_JSON);
        let text = fs::read_to_string(&summary_path).map_err(|source| DataError::Read {
            path: summary_path.clone(),
            source,
        })?;
        let report: RunReport = parse_versioned(&summary_path, &text)?;

        let period = Period::for_horizon(report.scenario.horizon_days);
        let (throughput_file, fleet_file, full_days) = match period {
            Period::Week => (THROUGHPUT_WEEKLY_CSV, FLEET_WEEKLY_CSV, Some(7)),
            Period::Day => (THROUGHPUT_DAILY_CSV, FLEET_DAILY_CSV, None),
        };
        let throughput = read_series(
            &Table::read(&dir.join(throughput_file))?,
            "route",
            period.name(),
            &["delivered_teu"],
            full_days,
        )?
        .remove(0);
        // The queue series is read (so a damaged file is an error) but no chart draws it.
        let [_queue_daily, yard_daily]: [SeriesSet; 2] = read_series(
            &Table::read(&dir.join(NODE_DAILY_CSV))?,
            "node",
            "day",
            &["queue_mean", "yard_teu_mean"],
            None,
        )?
        .try_into()
        .expect("two quantities asked, two series sets returned");
        let [departures, loaded]: [SeriesSet; 2] = read_series(
            &Table::read(&dir.join(fleet_file))?,
            "fleet",
            period.name(),
            &["departures", "loaded_teu"],
            full_days,
        )?
        .try_into()
        .expect("two quantities asked, two series sets returned");
        let fleets = departures
            .into_iter()
            .zip(loaded)
            .map(|((fleet, departures), (_, loaded_teu))| {
                (
                    fleet,
                    FleetSeries {
                        departures,
                        loaded_teu,
                    },
                )
            })
            .collect();
        let transit = read_transit(&dir.join(TRANSIT_DISTRIBUTION_CSV))?;
        let transit_by_month = read_transit_by_month(&dir.join(TRANSIT_BY_MONTH_CSV))?;
        let route_shares = read_route_shares(&dir.join(ROUTE_SHARES_MONTHLY_CSV))?;
        let representative = read_representative(
            &dir.join(DISRUPTIONS_CSV),
            report.summary.replications.max(1),
        )?;

        Ok(ResultSet {
            report,
            period,
            throughput,
            yard_daily,
            fleets,
            transit,
            transit_by_month,
            route_shares,
            representative,
        })
    }

    /// Warm-up length, hours.
    pub fn warmup_h(&self) -> f64 {
        self.report.scenario.warmup_days * 24.0
    }

    /// Run length, hours.
    pub fn horizon_h(&self) -> f64 {
        self.report.scenario.horizon_days * 24.0
    }

    /// The replication whose total disrupted time (union over targets) is closest to the median
    /// over replications (the lowest index among equals), and its disrupted windows (merged,
    /// hours). `None` when nothing was logged.
    pub fn representative_disruptions(&self) -> Option<Windows> {
        self.representative.clone()
    }
}

/// Sorts and merges overlapping `[start, end)` spans.
pub(crate) fn merge_spans(mut spans: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

fn total_length(spans: &[(f64, f64)]) -> f64 {
    spans.iter().map(|(s, e)| e - s).sum()
}

/// A CSV result file read into memory, with its columns looked up by name.
struct Table {
    path: PathBuf,
    headers: csv::StringRecord,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> Result<Table, DataError> {
        let bytes = fs::read(path).map_err(|source| DataError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let parse = |e: csv::Error| DataError::Parse {
            path: path.to_path_buf(),
            message: match e.position() {
                Some(pos) => format!("line {}: {e}", pos.line()),
                None => e.to_string(),
            },
        };
        let headers = reader.headers().map_err(parse)?.clone();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(parse)?;
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    fn error(&self, message: String) -> DataError {
        DataError::Parse {
            path: self.path.clone(),
            message,
        }
    }

    /// The index of column `name`.
    fn column(&self, name: &str) -> Result<usize, DataError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            self.error(format!(
                "no column {name:?} (columns: {})",
                self.headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// Row `row` (0-based, after the header) as `(line, record)`.
    fn rows(&self) -> impl Iterator<Item = (usize, &csv::StringRecord)> {
        self.rows.iter().enumerate().map(|(i, r)| (i + 2, r))
    }

    fn text<'a>(&self, record: &'a csv::StringRecord, column: usize) -> &'a str {
        record.get(column).unwrap_or("")
    }

    /// A number, or `None` for an empty field.
    fn float(
        &self,
        line: usize,
        record: &csv::StringRecord,
        column: usize,
    ) -> Result<Option<f64>, DataError> {
        let text = self.text(record, column);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<f64>().map(Some).map_err(|_| {
            self.error(format!(
                "line {line}: column {:?}: expected a number, found {text:?}",
                &self.headers[column]
            ))
        })
    }

    fn required<T: std::str::FromStr>(
        &self,
        line: usize,
        record: &csv::StringRecord,
        column: usize,
        what: &str,
    ) -> Result<T, DataError> {
        let text = self.text(record, column);
        text.parse::<T>().map_err(|_| {
            self.error(format!(
                "line {line}: column {:?}: expected {what}, found {text:?}",
                &self.headers[column]
            ))
        })
    }
}

/// Reads the per-entity time series of `quantity` (columns `quantity`, `quantity_ci95_low`,
/// `quantity_ci95_high`) from a file keyed by `entity` and `period`; only periods of `full`
/// days (when the file has a `days` column) are kept, and rows without a mean are left out.
fn read_series(
    table: &Table,
    entity: &str,
    period: &str,
    quantities: &[&str],
    full: Option<u64>,
) -> Result<Vec<SeriesSet>, DataError> {
    let entity_col = table.column(entity)?;
    let period_col = table.column(period)?;
    let warmup_col = table.column("warmup")?;
    let days_col = match full {
        Some(_) => Some(table.column("days")?),
        None => None,
    };
    let columns = quantities
        .iter()
        .map(|q| {
            Ok((
                table.column(q)?,
                table.column(&format!("{q}_ci95_low"))?,
                table.column(&format!("{q}_ci95_high"))?,
            ))
        })
        .collect::<Result<Vec<_>, DataError>>()?;
    let mut sets: Vec<SeriesSet> = vec![Vec::new(); quantities.len()];
    for (line, record) in table.rows() {
        let name = table.text(record, entity_col);
        let t: u64 = table.required(line, record, period_col, "a whole number")?;
        let warmup: bool = table.required(line, record, warmup_col, "true or false")?;
        if let (Some(col), Some(full)) = (days_col, full) {
            let days: u64 = table.required(line, record, col, "a whole number")?;
            if days < full {
                continue;
            }
        }
        for (set, &(mean_col, low_col, high_col)) in sets.iter_mut().zip(&columns) {
            let points = match set.last_mut() {
                Some((last, points)) if last == name => points,
                _ => {
                    set.push((name.to_string(), Vec::new()));
                    &mut set.last_mut().expect("just pushed").1
                }
            };
            let Some(mean) = table.float(line, record, mean_col)? else {
                continue;
            };
            let low = table.float(line, record, low_col)?.unwrap_or(mean);
            let high = table.float(line, record, high_col)?.unwrap_or(mean);
            points.push(Point {
                t: t as f64,
                mean,
                low: low.min(mean),
                high: high.max(mean),
                warmup,
            });
        }
    }
    Ok(sets)
}

fn read_transit(path: &Path) -> Result<Vec<(String, Vec<TransitBin>)>, DataError> {
    let table = Table::read(path)?;
    let route_col = table.column("route")?;
    let low_col = table.column("transit_low_h")?;
    let high_col = table.column("transit_high_h")?;
    let teu_col = table.column("teu")?;
    let mut transit: Vec<(String, Vec<TransitBin>)> = Vec::new();
    for (line, record) in table.rows() {
        let route = table.text(record, route_col);
        let bin = TransitBin {
            transit_low_h: table.required(line, record, low_col, "a number")?,
            transit_high_h: table.required(line, record, high_col, "a number")?,
            teu: table.required(line, record, teu_col, "a whole number")?,
        };
        match transit.last_mut() {
            Some((last, bins)) if last == route => bins.push(bin),
            _ => transit.push((route.to_string(), vec![bin])),
        }
    }
    Ok(transit)
}

/// `transit_by_month.csv`, per route in file order; no file (results of an older version) is no
/// months.
fn read_transit_by_month(path: &Path) -> Result<Vec<(String, Vec<MonthTransit>)>, DataError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let table = Table::read(path)?;
    let route_col = table.column("route")?;
    let month_col = table.column("month")?;
    let teu_col = table.column("teu")?;
    let p50_col = table.column("transit_p50_h")?;
    let p95_col = table.column("transit_p95_h")?;
    let mut out: Vec<(String, Vec<MonthTransit>)> = Vec::new();
    for (line, record) in table.rows() {
        let route = table.text(record, route_col);
        let month: usize = table.required(line, record, month_col, "a month from 1 to 12")?;
        if !(1..=12).contains(&month) {
            return Err(table.error(format!(
                "line {line}: column \"month\": expected a month from 1 to 12, found {month}"
            )));
        }
        let row = MonthTransit {
            month: month - 1,
            teu: table.required(line, record, teu_col, "a whole number")?,
            p50_h: table.float(line, record, p50_col)?,
            p95_h: table.float(line, record, p95_col)?,
        };
        match out.last_mut() {
            Some((last, months)) if last == route => months.push(row),
            _ => out.push((route.to_string(), vec![row])),
        }
    }
    Ok(out)
}

/// `route_shares_monthly.csv`, per flow and route in file order; no file (no flow with more
/// than one route, or results of an older version) is no shares. Months without a share (no
/// replication generated anything in them) are left out.
fn read_route_shares(path: &Path) -> Result<Vec<(String, SeriesSet)>, DataError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let table = Table::read(path)?;
    let flow_col = table.column("flow")?;
    let route_col = table.column("route")?;
    let first_col = table.column("first_day")?;
    let days_col = table.column("days")?;
    let warmup_col = table.column("warmup")?;
    let mean_col = table.column("share")?;
    let low_col = table.column("share_ci95_low")?;
    let high_col = table.column("share_ci95_high")?;
    let mut out: Vec<(String, SeriesSet)> = Vec::new();
    for (line, record) in table.rows() {
        let flow = table.text(record, flow_col);
        let route = table.text(record, route_col);
        let first: f64 = table.required(line, record, first_col, "a day")?;
        let days: f64 = table.required(line, record, days_col, "a number of days")?;
        let Some(mean) = table.float(line, record, mean_col)? else {
            continue;
        };
        let point = Point {
            // Drawn at `t + 0.5`: the month's middle.
            t: first + days / 2.0 - 0.5,
            mean,
            low: table.float(line, record, low_col)?.unwrap_or(mean),
            high: table.float(line, record, high_col)?.unwrap_or(mean),
            warmup: table.text(record, warmup_col) == "true",
        };
        if out.last().is_none_or(|(last, _)| last != flow) {
            out.push((flow.to_string(), Vec::new()));
        }
        let routes = &mut out.last_mut().expect("pushed").1;
        match routes.last_mut() {
            Some((last, points)) if last == route => points.push(point),
            _ => routes.push((route.to_string(), vec![point])),
        }
    }
    Ok(out)
}

/// The rows of `disruptions.csv` streamed: `(line, replication, start_h, end_h)` in file order.
/// Memory does not grow with the file.
fn stream_episodes(
    path: &Path,
    mut each: impl FnMut(usize, u64, f64, f64) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let file = fs::File::open(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    let error = |message: String| DataError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let parse = |e: csv::Error| {
        error(match e.position() {
            Some(pos) => format!("line {}: {e}", pos.line()),
            None => e.to_string(),
        })
    };
    let headers = reader.headers().map_err(parse)?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            error(format!(
                "no column {name:?} (columns: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let (rep, start, end) = (column("replication")?, column("start_h")?, column("end_h")?);
    let mut record = csv::StringRecord::new();
    let mut line = 1;
    while reader.read_record(&mut record).map_err(parse)? {
        line += 1;
        let field = |col: usize| record.get(col).unwrap_or("");
        let number = |col: usize, what: &str| {
            error(format!(
                "line {line}: column {:?}: expected {what}, found {:?}",
                &headers[col],
                field(col)
            ))
        };
        let replication: u64 = field(rep)
            .parse()
            .map_err(|_| number(rep, "a whole number"))?;
        let start_h: f64 = field(start)
            .parse()
            .map_err(|_| number(start, "a number"))?;
        let end_h: f64 = field(end).parse().map_err(|_| number(end, "a number"))?;
        each(line, replication, start_h, end_h)?;
    }
    Ok(())
}

/// The representative replication of `disruptions.csv` (written in replication order) and its
/// merged windows, in two streaming passes: the first merges each replication's windows as its
/// rows go by and keeps only its total (16 bytes per replication), the second collects the
/// windows of the chosen one. Memory is that of one replication's episodes plus the totals.
fn read_representative(path: &Path, replications: u64) -> Result<Option<Windows>, DataError> {
    // Every replication of the run has a total (0 without episodes); a replication beyond the
    // run's count (a hand-edited file) is counted too, after them.
    let mut totals: Vec<f64> = vec![0.0; usize::try_from(replications).unwrap_or(0)];
    let mut beyond: Vec<(u64, f64)> = Vec::new();
    let mut current: Option<Windows> = None;
    let close = |group: Option<Windows>, totals: &mut Vec<f64>, beyond: &mut Vec<(u64, f64)>| {
        if let Some((rep, spans)) = group {
            let total = total_length(&merge_spans(spans));
            match usize::try_from(rep).ok().and_then(|i| totals.get_mut(i)) {
                Some(slot) => *slot = total,
                None => beyond.push((rep, total)),
            }
        }
    };
    stream_episodes(path, |line, rep, start_h, end_h| {
        match &mut current {
            Some((r, spans)) if *r == rep => spans.push((start_h, end_h)),
            Some((r, _)) if *r > rep => {
                return Err(DataError::Parse {
                    path: path.to_path_buf(),
                    message: format!(
                        "line {line}: replication {rep} after replication {r} (the file is written in replication order)"
                    ),
                });
            }
            _ => {
                close(current.take(), &mut totals, &mut beyond);
                current = Some((rep, vec![(start_h, end_h)]));
            }
        }
        Ok(())
    })?;
    let any = current.is_some();
    close(current.take(), &mut totals, &mut beyond);
    if !any {
        return Ok(None);
    }
    let totals: Vec<(u64, f64)> = totals
        .into_iter()
        .enumerate()
        .map(|(rep, total)| (rep as u64, total))
        .chain(beyond)
        .collect();
    let mut sorted: Vec<f64> = totals.iter().map(|(_, t)| *t).collect();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    drop(sorted);
    let chosen = totals
        .iter()
        .min_by(|(ra, a), (rb, b)| {
            let (da, db) = ((*a - median).abs(), (*b - median).abs());
            da.total_cmp(&db).then(ra.cmp(rb))
        })
        .map(|(rep, _)| *rep)
        .expect("at least one replication");
    drop(totals);
    let mut spans = Vec::new();
    stream_episodes(path, |_, rep, start_h, end_h| {
        if rep == chosen {
            spans.push((start_h, end_h));
        }
        Ok(())
    })?;
    Ok(Some((chosen, merge_spans(spans))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_merge_when_they_overlap_or_touch() {
        let merged = merge_spans(vec![(5.0, 7.0), (0.0, 2.0), (1.0, 3.0), (3.0, 4.0)]);
        assert_eq!(merged, vec![(0.0, 4.0), (5.0, 7.0)]);
        assert_eq!(total_length(&merged), 6.0);
    }
}
