//! The arguments of each subcommand, and the flags several of them share (defined once here).
//! The list of subcommands, `Command`, is in `cli/mod.rs` beside the code that dispatches them.

use std::path::PathBuf;

/// Flags that select how many replications to run and with which seed.
#[derive(Debug, clap::Args)]
pub struct ReplicationArgs {
    /// Number of replications (default: the scenario's `replications`).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: Option<u32>,
    /// Base seed of the random streams (default: the scenario's `seed`).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
}

/// `corridor run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file; without it, the built-in Middle Corridor baseline runs.
    pub scenario: Option<PathBuf>,
    /// Replications and seed.
    #[command(flatten)]
    pub replication: ReplicationArgs,
    /// Output directory and verbosity.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Precision mode: add replications in batches until the 95% CI half-width of every main
    /// KPI (throughput and mean transit time of each route) is at most this fraction of its mean
    /// (e.g. 0.02). --replications sets the first batch.
    #[arg(long, value_name = "FRACTION")]
    pub target_ci: Option<f64>,
    /// Precision mode: never run more replications than this [default: 10000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    pub max_replications: Option<u32>,
    /// Run only shard INDEX of COUNT (replications INDEX, INDEX+COUNT, ...; INDEX from 0) and write
    /// a partial result for `corridor merge`.
    #[arg(long, value_name = "INDEX/COUNT")]
    pub shard: Option<String>,
    /// Set a parameter before running, e.g. `--set node.aktau-port.servers=3` (repeatable; see
    /// `corridor params` for the paths).
    #[arg(long = "set", value_name = "PATH=VALUE", value_parser = parse_assignment)]
    pub set: Vec<(String, f64)>,
    /// Charts and report.
    #[command(flatten)]
    pub charts: ChartArgs,
}

/// Parses `PATH=VALUE` with a finite number.
fn parse_assignment(text: &str) -> Result<(String, f64), String> {
    let fail =
        || format!("expected PATH=NUMBER, such as node.aktau-port.servers=3, got \"{text}\"");
    let (path, value) = text.split_once('=').ok_or_else(fail)?;
    let value: f64 = value.trim().parse().map_err(|_| fail())?;
    if path.trim().is_empty() || !value.is_finite() {
        return Err(fail());
    }
    Ok((path.trim().to_string(), value))
}

/// `corridor params`.
#[derive(Debug, clap::Args)]
pub struct ParamsArgs {
    /// Scenario file; without it, the built-in Middle Corridor baseline.
    pub scenario: Option<PathBuf>,
}

/// Flags for the charts and the report drawn after a run or a merge.
#[derive(Debug, clap::Args)]
pub struct ChartArgs {
    /// Write only the result files: no charts/ (and, for `run` and `merge`, no report.html;
    /// `corridor plot` draws those later).
    #[arg(long)]
    pub no_charts: bool,
    /// Chart size in pixels, WIDTHxHEIGHT.
    #[arg(long, value_name = "WIDTHxHEIGHT", default_value = "1600x900", value_parser = parse_size)]
    pub chart_size: (u32, u32),
}

/// `corridor plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Result directory written by `corridor run` or `corridor merge`.
    pub dir: PathBuf,
    /// Chart size in pixels, WIDTHxHEIGHT.
    #[arg(long, value_name = "WIDTHxHEIGHT", default_value = "1600x900", value_parser = parse_size)]
    pub chart_size: (u32, u32),
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Parses `WIDTHxHEIGHT`.
fn parse_size(text: &str) -> Result<(u32, u32), String> {
    let range = corridor::plot::SIZE_RANGE;
    let fail = || {
        format!(
            "expected WIDTHxHEIGHT in pixels, each from {} to {}, e.g. 1600x900",
            range.start(),
            range.end()
        )
    };
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(fail)?;
    let w: u32 = w.trim().parse().map_err(|_| fail())?;
    let h: u32 = h.trim().parse().map_err(|_| fail())?;
    if range.contains(&w) && range.contains(&h) {
        Ok((w, h))
    } else {
        Err(fail())
    }
}

/// Flags for where results go.
#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    /// Directory for the result files; must be empty or absent unless --force.
    #[arg(long, short = 'o', default_value = "corridor-out")]
    pub out: PathBuf,
    /// Write into a non-empty --out, replacing result files of the same names.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (no tables, no progress bar).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `corridor merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard result directories: one per shard, all written by `run --shard` or all by the same
    /// study (`compare`, `sweep` or `sensitivity` with `--shard`).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output directory and verbosity.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Charts and report.
    #[command(flatten)]
    pub charts: ChartArgs,
}

/// `corridor compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The base scenario file.
    pub base: PathBuf,
    /// Variant scenario files, each compared with the base.
    #[arg(required = true)]
    pub variants: Vec<PathBuf>,
    /// KPIs to print and chart instead of the headline ones: a KPI name for every entity that
    /// has it (`wait_mean_h`) or one column (`node/aktau-port/wait_mean_h`); repeat for more. The
    /// files always hold every KPI.
    #[arg(long, value_name = "NAME")]
    pub kpi: Vec<String>,
    /// Demand levels (--demand, --flows).
    #[command(flatten)]
    pub demand: DemandArgs,
    /// With --demand: the largest shortfall (1 - delivered / generated TEU of the scaled flows in
    /// the window) of a stable level, as an upper 95% confidence bound.
    #[arg(long, default_value_t = corridor::study::demand::DEFAULT_MAX_SHORTFALL, value_parser = share_in_open_unit, requires = "demand")]
    pub max_shortfall: f64,
    /// With --demand: years of statistics window of every run, after the scenario's warm-up
    /// (whatever its horizon): whole years, so a seasonal corridor is compared at the same date
    /// of the year.
    #[arg(long, default_value_t = corridor::study::demand::DEFAULT_YEARS, value_parser = clap::value_parser!(u32).range(1..=20), requires = "demand")]
    pub years: u32,
    /// Replications, seed, threads, output and charts.
    #[command(flatten)]
    pub study: StudyArgs,
}

/// Demand levels of a comparison or a sweep.
#[derive(Debug, clap::Args)]
pub struct DemandArgs {
    /// Run at each demand level: a multiplier of every flow's volume (or of --flows'), in the
    /// scenario and in every dated change, e.g. 1,1.5,2,3,4 (each above 0, at most 1024).
    #[arg(long, value_delimiter = ',', value_name = "L1,L2,...", value_parser = demand_level, allow_negative_numbers = true)]
    pub demand: Vec<f64>,
    /// With --demand: scale only these flows (comma-separated ids; default: every flow).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ID,...",
        requires = "demand"
    )]
    pub flows: Vec<String>,
}

/// A demand level: a number above 0 and at most 1024.
fn demand_level(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| {
        format!("{text:?} is not a number; a demand level multiplies every flow's volume, e.g. 1.5")
    })?;
    corridor::study::demand::check_levels(&[value])
        .map(|_| value)
        .map_err(|e| e.to_string())
}

/// `corridor validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// `corridor calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Targets file (e.g. scenarios/calibration/targets.toml): the published figures, the
    /// scenario variant and KPIs each is read from, and its tolerance.
    pub targets: PathBuf,
    /// Replications per scenario (default: the targets file's `replications`).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: Option<u32>,
    /// Seed shared by every scenario (default: the targets file's `seed`).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Write the results as a Markdown page to this file (e.g. docs/calibration.md).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Exit with an error when a target is outside its tolerance although expected to be
    /// reached, or inside although documented as not reached.
    #[arg(long)]
    pub check: bool,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// `corridor capacity`.
#[derive(Debug, clap::Args)]
pub struct CapacityArgs {
    /// Scenario file (default: the built-in scenario).
    pub scenario: Option<PathBuf>,
    /// Scale only these flows (comma-separated ids; default: every flow).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub flows: Vec<String>,
    /// Replications per probe (default: the scenario's `replications`).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: Option<u32>,
    /// Seed shared by every probe (default: the scenario's `seed`).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Largest shortfall (1 - delivered / generated TEU in the window) of a stable probe, as an
    /// upper 95% confidence bound.
    #[arg(long, default_value_t = 0.02, value_parser = share_in_open_unit)]
    pub max_shortfall: f64,
    /// Stop when the bracket's upper end is within this share of its lower end.
    #[arg(long, default_value_t = 0.02, value_parser = share_in_open_unit)]
    pub tolerance: f64,
    /// Most probes to run.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub max_probes: u32,
    /// Years of statistics window per probe, after the scenario's warm-up (whatever its horizon):
    /// whole years, so a seasonal corridor is compared at the same date of the year.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub years: u32,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Write the search (every probe and the result) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// A number strictly between 0 and 1.
fn share_in_open_unit(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(format!(
            "{text} is not between 0 and 1 (exclusive), e.g. 0.02"
        ))
    }
}

/// Flags shared by the study commands (`compare`, `sweep`, `sensitivity`).
#[derive(Debug, clap::Args)]
pub struct StudyArgs {
    /// Replications per scenario variant (default: the base scenario's `replications`).
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(2..))]
    pub replications: Option<u32>,
    /// Base seed shared by every variant, so all see the same random numbers (default: the base
    /// scenario's `seed`).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, short = 'j', value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Run only shard INDEX of COUNT: replications INDEX, INDEX+COUNT, ... (INDEX from 0) of every
    /// variant, and write a partial result for `corridor merge`, which writes the study's files.
    #[arg(long, value_name = "INDEX/COUNT")]
    pub shard: Option<String>,
    /// Output directory and verbosity.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Charts.
    #[command(flatten)]
    pub charts: ChartArgs,
}

/// `corridor sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (it may `extends` another); without it, the built-in baseline.
    pub scenario: Option<PathBuf>,
    /// Set the parameter at PATH to each value in turn (e.g. node.aktau-port.servers=1,2,3,4).
    /// With --param or --scale, the scenario's [sweep] parameters are ignored.
    #[arg(long = "param", value_name = "PATH=V1,V2,...", value_parser = parse_values)]
    pub params: Vec<(String, Vec<f64>)>,
    /// Multiply the number(s) at PATH by each factor in turn (e.g.
    /// disruption.caspian-storms.monthly_rates=0,0.5,1,2). Comes after the --param parameters.
    #[arg(long = "scale", value_name = "PATH=F1,F2,...", value_parser = parse_values)]
    pub scales: Vec<(String, Vec<f64>)>,
    /// KPI to report, a column name of replications.csv (e.g.
    /// route/khorgos-aktau-alat/transit_mean_h); repeat for several. Default: the [sweep]'s
    /// `kpis`, else throughput, mean and p95 transit time of every route that delivers.
    #[arg(long = "kpi", value_name = "COLUMN")]
    pub kpis: Vec<String>,
    /// Demand as a swept parameter: --demand L1,L2,... multiplies every flow's volume (or
    /// --flows') by each level in turn (the parameter `demand`); with --param or --scale, a grid.
    #[command(flatten)]
    pub demand: DemandArgs,
    /// Replications, seed, threads, output and charts.
    #[command(flatten)]
    pub study: StudyArgs,
}

/// Which sensitivity method(s) to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// One at a time: base, then each parameter at low and at high (2k + 1 runs).
    Oat,
    /// Morris elementary effects: R trajectories of k + 1 runs.
    Morris,
    /// Both.
    Both,
}

/// `corridor sensitivity`.
#[derive(Debug, clap::Args)]
pub struct SensitivityArgs {
    /// Scenario file with [[uncertain]] entries (it may `extends` another).
    pub scenario: PathBuf,
    /// Method.
    #[arg(long, value_enum, default_value = "both")]
    pub method: Method,
    /// Morris trajectories (each k + 1 runs).
    #[arg(long, value_name = "R", default_value_t = corridor::study::morris::DEFAULT_TRAJECTORIES, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub trajectories: u32,
    /// Morris grid levels p (even); the step is p / (2(p − 1)) of each range.
    #[arg(long, value_name = "P", default_value_t = corridor::study::morris::DEFAULT_LEVELS, value_parser = clap::value_parser!(u32).range(2..=100))]
    pub levels: u32,
    /// KPI to report, a column name of replications.csv; repeat for several. Default:
    /// throughput, mean and p95 transit time of every route that delivers in the base scenario.
    #[arg(long = "kpi", value_name = "COLUMN")]
    pub kpis: Vec<String>,
    /// Replications, seed, threads, output and charts.
    #[command(flatten)]
    pub study: StudyArgs,
}

/// Parses `PATH=v1,v2,...`.
fn parse_values(text: &str) -> Result<(String, Vec<f64>), String> {
    let example = "expected PATH=v1,v2,... with numbers, e.g. node.aktau-port.servers=1,2,3";
    let (path, list) = text
        .split_once('=')
        .ok_or_else(|| format!("no '=' in {text:?}; {example}"))?;
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("no parameter path before '='; {example}"));
    }
    if list.trim().is_empty() {
        return Err(format!("no values after {path}=; {example}"));
    }
    let values = list
        .split(',')
        .map(|v| {
            let v = v.trim();
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(x),
                _ => Err(format!("{v:?} is not a finite number; {example}")),
            }
        })
        .collect::<Result<Vec<f64>, String>>()?;
    Ok((path.to_string(), values))
}
