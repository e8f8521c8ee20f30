//! Calibration: published figures the model should reproduce, each read from the KPIs of one
//! scenario variant, and whether the model's estimate falls inside the figure's tolerance.
//!
//! A targets file (the shipped one is `scenarios/calibration/targets.toml`) has a
//! `[calibration]` table (seed and replications, so the page it produces is reproducible) and
//! one `[[target]]` per published figure: what is measured, the figure and its source, the
//! scenario variant to run (relative to the targets file), the value to read — a weighted sum of
//! KPI columns of `replications.csv`, and/or the mean time from a route's start through one of its
//! nodes — with an offset and a scale, and the tolerance band. A target the model is known not to
//! reach says so (`reached = false`) with the reason in its `note`, so a check fails both when
//! a reached target drifts out of its band and when a documented gap closes unnoticed.
//!
//! [`Targets::load`] reads and checks the file and every scenario it names (every problem is
//! reported, located); [`Targets::evaluate`] runs each scenario once, with common random
//! numbers, and computes every target per replication, so each value gets a proper 95% CI.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::base::{Estimate, Welford};
use crate::experiment::{RunConfig, Runner, SimError};
use crate::report::table::{Table, pm};
use crate::scenario::LoadedScenario;
use crate::scenario::error::nearest;
use crate::stats::kpi::{KpiColumn, KpiColumns, Scope};

use super::{Sample, sample};

/// A problem with a targets file or a scenario it names.
#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    /// The targets file could not be read.
    #[error("cannot read targets file {}: {source}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A replication of one of the scenarios stopped before its horizon.
    #[error("scenario {scenario}: {source}")]
    Simulation {
        /// The scenario, as the targets file names it.
        scenario: String,
        /// Why the replication stopped.
        source: SimError,
    },
    /// The file was read but has problems; every one found is listed.
    #[error("targets file has {} problem{}:\n  {}", problems.len(), if problems.len() == 1 { "" } else { "s" }, problems.join("\n  "))]
    Invalid {
        /// One located message per problem.
        problems: Vec<String>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    calibration: SettingsSpec,
    #[serde(default)]
    target: Vec<TargetSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsSpec {
    title: String,
    #[serde(default)]
    intro: String,
    seed: u64,
    replications: Spanned<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetSpec {
    id: Spanned<String>,
    measure: String,
    published: String,
    source: String,
    scenario: Spanned<String>,
    #[serde(default)]
    kpis: Vec<Spanned<String>>,
    weights: Option<Spanned<Vec<f64>>>,
    through: Option<Spanned<ThroughSpec>>,
    #[serde(default)]
    add: f64,
    scale: Option<Spanned<f64>>,
    unit: String,
    low: Option<f64>,
    high: Option<f64>,
    #[serde(default = "yes")]
    reached: bool,
    #[serde(default)]
    note: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThroughSpec {
    route: String,
    node: String,
}

/// A checked targets file with its scenarios loaded.
#[derive(Debug)]
pub struct Targets {
    /// The targets file as given.
    pub file: PathBuf,
    /// Page title.
    pub title: String,
    /// Text under the title (Markdown).
    pub intro: String,
    /// Seed and replications of every run, unless overridden.
    pub config: RunConfig,
    /// The scenarios, in the order targets first name them, keyed by their path as written.
    pub scenarios: Vec<(String, LoadedScenario)>,
    /// The targets, in file order.
    pub targets: Vec<Target>,
}

/// One published figure and how to read it from the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// Unique id.
    pub id: String,
    /// What is measured, in words.
    pub measure: String,
    /// The published figure, as the source gives it.
    pub published: String,
    /// Source tags.
    pub source: String,
    /// The scenario, as written in the targets file (an index into [`Targets::scenarios`]).
    pub scenario: String,
    /// KPI columns summed per replication.
    pub columns: Vec<String>,
    /// Weight of each column in the sum (all 1 unless the file gives `weights`).
    pub weights: Vec<f64>,
    /// Added to the sum (in the columns' unit), e.g. a derived leg outside the model.
    pub add: f64,
    /// Multiplies `sum + add`, e.g. `1/24` for hours to days.
    pub scale: f64,
    /// Unit of the scaled value.
    pub unit: String,
    /// Lower end of the tolerance band.
    pub low: Option<f64>,
    /// Upper end of the tolerance band.
    pub high: Option<f64>,
    /// Whether the model is expected to reach the band (`false`: a documented gap).
    pub reached: bool,
    /// What the page says about the target.
    pub note: String,
}

impl Target {
    /// Whether `value` lies inside the tolerance band.
    pub fn contains(&self, value: f64) -> bool {
        self.low.is_none_or(|low| value >= low) && self.high.is_none_or(|high| value <= high)
    }

    /// The band as text, e.g. `8–10 d` or `≥ 20 d`.
    pub fn band(&self) -> String {
        match (self.low, self.high) {
            (Some(low), Some(high)) => {
                with_unit(format!("{}–{}", number(low), number(high)), &self.unit)
            }
            (Some(low), None) => with_unit(format!("≥ {}", number(low)), &self.unit),
            (None, Some(high)) => with_unit(format!("≤ {}", number(high)), &self.unit),
            (None, None) => String::new(),
        }
    }
}

/// `text` followed by `unit` (nothing when the figure has no unit, e.g. a share).
fn with_unit(text: String, unit: &str) -> String {
    if unit.is_empty() {
        text
    } else {
        format!("{text} {unit}")
    }
}

/// What the model gave for one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The target.
    pub target: Target,
    /// The scaled value across replications (`None` if no replication had every column).
    pub estimate: Option<Estimate>,
    /// Whether the estimate's mean lies inside the band.
    pub inside: bool,
}

impl Outcome {
    /// A target that behaves otherwise than the file says: outside its band although expected
    /// to be reached, or inside although documented as not reached.
    pub fn unexpected(&self) -> bool {
        self.inside != self.target.reached
    }

    /// One word for the page: `inside`, `outside` or `no value`.
    pub fn verdict(&self) -> &'static str {
        match (self.estimate.is_some(), self.inside) {
            (false, _) => "no value",
            (true, true) => "inside",
            (true, false) => "outside",
        }
    }
}

/// Every target's outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    /// Page title.
    pub title: String,
    /// Text under the title.
    pub intro: String,
    /// Seed and replications used.
    pub seed: u64,
    /// Replications of every scenario.
    pub replications: u32,
    /// Scenario files with the SHA-256 of their text.
    pub scenarios: Vec<(String, String)>,
    /// Outcomes in file order.
    pub outcomes: Vec<Outcome>,
}

impl Calibration {
    /// Outcomes that behave otherwise than the targets file says.
    pub fn unexpected(&self) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| o.unexpected()).collect()
    }
}

impl Targets {
    /// Reads and checks the targets file at `path` and loads every scenario it names (with
    /// their study sections, as `corridor run` would).
    pub fn load(path: &Path) -> Result<Targets, CalibrationError> {
        let text = std::fs::read_to_string(path).map_err(|source| CalibrationError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_str(path, &text)
    }

    /// [`Targets::load`] for the text of a file at `path` (scenario paths are relative to its
    /// directory).
    pub fn from_str(path: &Path, text: &str) -> Result<Targets, CalibrationError> {
        let display = path.display().to_string();
        let at = |span: std::ops::Range<usize>| -> String {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{display}:{line}:{column}")
        };
        let spec: FileSpec = toml::from_str(text).map_err(|err| CalibrationError::Invalid {
            problems: vec![match err.span() {
                Some(span) => format!("{}: {}", at(span), err.message()),
                None => format!("{display}: {}", err.message()),
            }],
        })?;
        let mut problems = Vec::new();
        if *spec.calibration.replications.get_ref() < 2 {
            problems.push(format!(
                "{}: calibration.replications: must be at least 2 (for confidence intervals)",
                at(spec.calibration.replications.span())
            ));
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut scenarios: Vec<(String, LoadedScenario)> = Vec::new();
        // Each loaded scenario's KPI columns and their names, in the same order.
        let mut scenario_columns: Vec<(Vec<KpiColumn>, Vec<String>)> = Vec::new();
        let mut failed: Vec<String> = Vec::new();
        let mut targets = Vec::new();
        let mut seen = BTreeMap::new();
        for t in &spec.target {
            let id = t.id.get_ref().clone();
            let here = at(t.id.span());
            let mut fail = |message: String| problems.push(message);
            if seen.insert(id.clone(), ()).is_some() {
                fail(format!("{here}: target \"{id}\": id used twice"));
            }
            let name = t.scenario.get_ref().clone();
            if !scenarios.iter().any(|(n, _)| *n == name) && !failed.contains(&name) {
                match super::sections::load(&dir.join(&name)) {
                    Ok(loaded) => {
                        let all = KpiColumns::new(&loaded.model).columns().to_vec();
                        let names = all.iter().map(KpiColumn::name).collect();
                        scenario_columns.push((all, names));
                        scenarios.push((name.clone(), loaded));
                    }
                    Err(err) => {
                        failed.push(name.clone());
                        fail(format!(
                            "{}: target \"{id}\": scenario {name}: {err}",
                            at(t.scenario.span())
                        ));
                    }
                }
            }
            let Some(index) = scenarios.iter().position(|(n, _)| *n == name) else {
                continue;
            };
            let loaded = &scenarios[index].1;
            let (all, columns) = &scenario_columns[index];
            let mut chosen = Vec::new();
            for kpi in &t.kpis {
                if columns.contains(kpi.get_ref()) {
                    chosen.push(kpi.get_ref().clone());
                } else {
                    fail(format!(
                        "{}: target \"{id}\": unknown KPI column \"{}\" in {name}; nearest: {}",
                        at(kpi.span()),
                        kpi.get_ref(),
                        quoted(&nearest(kpi.get_ref(), columns, 5))
                    ));
                }
            }
            let mut weights = vec![1.0; chosen.len()];
            if let Some(given) = &t.weights {
                if given.get_ref().len() != t.kpis.len() {
                    fail(format!(
                        "{}: target \"{id}\": weights: {} given for {} KPI columns; give one per column",
                        at(given.span()),
                        given.get_ref().len(),
                        t.kpis.len()
                    ));
                } else if given.get_ref().iter().any(|w| !w.is_finite()) {
                    fail(format!(
                        "{}: target \"{id}\": weights must be finite",
                        at(given.span())
                    ));
                } else if chosen.len() == given.get_ref().len() {
                    weights.clone_from(given.get_ref());
                }
            }
            if let Some(through) = &t.through {
                match through_columns(loaded, all, through.get_ref()) {
                    Ok(found) => {
                        weights.extend(std::iter::repeat_n(1.0, found.len()));
                        chosen.extend(found);
                    }
                    Err(message) => fail(format!(
                        "{}: target \"{id}\": through: {message}",
                        at(through.span())
                    )),
                }
            }
            if t.kpis.is_empty() && t.through.is_none() {
                fail(format!(
                    "{here}: target \"{id}\": give `kpis` (columns to sum) or `through` (a route and node)"
                ));
            }
            let scale = t.scale.as_ref().map_or(1.0, |s| *s.get_ref());
            if !scale.is_finite() || scale == 0.0 {
                let span = t.scale.as_ref().map_or(t.id.span(), |s| s.span());
                fail(format!(
                    "{}: target \"{id}\": scale must be finite and not 0",
                    at(span)
                ));
            }
            if !t.add.is_finite() {
                fail(format!("{here}: target \"{id}\": add must be finite"));
            }
            match (t.low, t.high) {
                (None, None) => fail(format!(
                    "{here}: target \"{id}\": give `low`, `high` or both (the tolerance band)"
                )),
                (Some(low), Some(high)) if low > high => fail(format!(
                    "{here}: target \"{id}\": low ({low}) must not exceed high ({high})"
                )),
                (low, high)
                    if low.is_some_and(|v| !v.is_finite())
                        || high.is_some_and(|v| !v.is_finite()) =>
                {
                    fail(format!(
                        "{here}: target \"{id}\": low and high must be finite"
                    ))
                }
                _ => {}
            }
            if !t.reached && t.note.trim().is_empty() {
                fail(format!(
                    "{here}: target \"{id}\": reached = false needs a `note` saying why the model does not reach it"
                ));
            }
            targets.push(Target {
                id,
                measure: t.measure.clone(),
                published: t.published.clone(),
                source: t.source.clone(),
                scenario: name,
                columns: chosen,
                weights,
                add: t.add,
                scale,
                unit: t.unit.clone(),
                low: t.low,
                high: t.high,
                reached: t.reached,
                note: t.note.clone(),
            });
        }
        if !problems.is_empty() {
            return Err(CalibrationError::Invalid { problems });
        }
        Ok(Targets {
            file: path.to_path_buf(),
            title: spec.calibration.title,
            intro: spec.calibration.intro,
            config: RunConfig {
                replications: *spec.calibration.replications.get_ref(),
                seed: spec.calibration.seed,
            },
            scenarios,
            targets,
        })
    }

    /// Runs every scenario once with `config` (common random numbers: the same seed and
    /// replications for all) and evaluates every target; `done` is called after each scenario.
    ///
    /// # Errors
    /// [`CalibrationError::Simulation`] if a replication of a scenario stops before its horizon.
    pub fn evaluate(
        &self,
        runner: &Runner,
        config: RunConfig,
        mut done: impl FnMut(),
    ) -> Result<Calibration, CalibrationError> {
        let samples: Vec<Sample> = self
            .scenarios
            .iter()
            .map(|(name, loaded)| {
                let sample = sample(&loaded.model, runner, config).map_err(|source| {
                    CalibrationError::Simulation {
                        scenario: name.clone(),
                        source,
                    }
                })?;
                done();
                Ok(sample)
            })
            .collect::<Result<_, CalibrationError>>()?;
        let outcomes = self
            .targets
            .iter()
            .map(|target| {
                let index = self
                    .scenarios
                    .iter()
                    .position(|(name, _)| *name == target.scenario)
                    .expect("every target's scenario was loaded");
                let estimate = evaluate_target(target, &samples[index]);
                Outcome {
                    inside: estimate.is_some_and(|e| target.contains(e.mean)),
                    target: target.clone(),
                    estimate,
                }
            })
            .collect();
        Ok(Calibration {
            title: self.title.clone(),
            intro: self.intro.clone(),
            seed: config.seed,
            replications: config.replications,
            scenarios: self
                .scenarios
                .iter()
                .map(|(name, loaded)| (name.clone(), loaded.hash.clone()))
                .collect(),
            outcomes,
        })
    }
}

/// The stage columns of `through.route` from its first stage through node `through.node`.
fn through_columns(
    loaded: &LoadedScenario,
    columns: &[KpiColumn],
    through: &ThroughSpec,
) -> Result<Vec<String>, String> {
    let model = &loaded.model;
    let Some(route) = model.routes.iter().find(|r| r.id == through.route) else {
        let ids: Vec<&str> = model.routes.iter().map(|r| r.id.as_str()).collect();
        return Err(format!(
            "unknown route \"{}\"; nearest: {}",
            through.route,
            quoted(&nearest(&through.route, &ids, 5))
        ));
    };
    let Some(position) = route
        .nodes
        .iter()
        .position(|&n| model.node(n).id == through.node)
    else {
        let ids: Vec<&str> = route
            .nodes
            .iter()
            .map(|&n| model.node(n).id.as_str())
            .collect();
        return Err(format!(
            "route \"{}\" does not visit node \"{}\"; it visits {}",
            through.route,
            through.node,
            quoted(&ids.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        ));
    };
    // Stages alternate node, leg, node: node k is stage 2k. A leg stage has only its travel
    // time (`service_h`); its other components are always empty.
    let last = 2 * position;
    let prefix = format!("{}/", route.id);
    Ok(columns
        .iter()
        .filter(|c| c.scope == Scope::Stage)
        .filter_map(|c| {
            let rest = c.entity.strip_prefix(&prefix)?;
            let index: usize = rest.split('/').next()?.parse().ok()?;
            (index <= last && (index.is_multiple_of(2) || c.kpi == "service_h")).then(|| c.name())
        })
        .collect())
}

fn evaluate_target(target: &Target, sample: &Sample) -> Option<Estimate> {
    let indices: Vec<usize> = target
        .columns
        .iter()
        .map(|c| {
            sample
                .column(c)
                .expect("columns were checked against the model")
        })
        .collect();
    let mut acc = Welford::default();
    for row in &sample.rows {
        let sum: Option<f64> = indices
            .iter()
            .zip(&target.weights)
            .map(|(&i, w)| row[i].map(|v| w * v))
            .sum();
        if let Some(sum) = sum {
            acc.add(target.scale * (sum + target.add));
        }
    }
    Estimate::from_welford(&acc)
}

fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_string();
    }
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decimals shown for a value of this size: about three significant digits, none from 100 up.
fn decimals(x: f64) -> usize {
    if x.abs() >= 100.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else if x.abs() >= 1.0 {
        2
    } else {
        3
    }
}

/// A number with about three significant digits and no trailing zeros (`12`, `0.75`, `140000`).
fn number(x: f64) -> String {
    let digits = decimals(x);
    let text = format!("{x:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// An estimate as `mean ± half-width`, both with the mean's decimals.
fn estimate_text(estimate: Option<Estimate>) -> String {
    pm(&estimate, 1.0, estimate.map_or(0, |e| decimals(e.mean)))
}

impl Calibration {
    /// The outcomes as a plain-text table (what `corridor calibrate` prints).
    pub fn table(&self) -> String {
        let mut table = Table::new(&["target", "model (95% CI)", "tolerance", "verdict", "note"]);
        for o in &self.outcomes {
            table.row(vec![
                o.target.id.clone(),
                with_unit(estimate_text(o.estimate), &o.target.unit),
                o.target.band(),
                o.verdict().to_string(),
                match (o.unexpected(), o.target.reached) {
                    (false, true) => String::new(),
                    (false, false) => "documented gap".to_string(),
                    (true, true) => "UNEXPECTED: outside".to_string(),
                    (true, false) => "UNEXPECTED: documented gap now inside".to_string(),
                },
            ]);
        }
        let mut out = String::new();
        table.render(&mut out);
        out
    }

    /// The outcomes as a Markdown page (`docs/calibration.md`); `command` is the command line
    /// that produced it, quoted on the page so that anyone can regenerate it.
    pub fn markdown(&self, command: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", self.title);
        let _ = writeln!(
            out,
            "<!-- Generated file: edit the targets file and rerun the command below. -->\n"
        );
        if !self.intro.trim().is_empty() {
            let _ = writeln!(out, "{}\n", self.intro.trim());
        }
        let _ = writeln!(
            out,
            "Generated by `{command}` (corridor {}): every scenario run with seed {} and {} replications (common random numbers). \
             The model's value is the mean over replications with the half-width of its 95% confidence interval; \
             a target is *inside* when that mean lies in the tolerance band.\n",
            env!("CARGO_PKG_VERSION"),
            self.seed,
            self.replications
        );
        let inside = self.outcomes.iter().filter(|o| o.inside).count();
        let _ = writeln!(
            out,
            "{inside} of {} targets inside their tolerance.\n",
            self.outcomes.len()
        );
        let _ = writeln!(
            out,
            "| Measure | Published | Source | Scenario | Model (95% CI) | Tolerance | Verdict |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for o in &self.outcomes {
            let t = &o.target;
            let verdict = if t.reached {
                o.verdict().to_string()
            } else {
                format!("{} (see note)", o.verdict())
            };
            // A replication in which a thin route delivered nothing has no value: say how many had one.
            let count = match o.estimate {
                Some(e) if e.n < u64::from(self.replications) => {
                    format!(" ({} of {} replications)", e.n, self.replications)
                }
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | `{}` | {}{count} | {} | {} |",
                escape(&t.measure),
                escape(&t.published),
                escape(&t.source),
                t.scenario,
                with_unit(estimate_text(o.estimate), &t.unit),
                t.band(),
                verdict
            );
        }
        let notes: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| !o.target.note.trim().is_empty())
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(out, "\n## Notes\n");
            for o in notes {
                let _ = writeln!(
                    out,
                    "- **{}** ({}): {}",
                    escape(&o.target.measure),
                    o.target.id,
                    o.target.note.trim()
                );
            }
        }
        let _ = writeln!(out, "\n## Scenarios\n");
        let _ = writeln!(
            out,
            "Paths relative to the targets file; each variant's header says what it changes and why.\n"
        );
        for (name, _) in &self.scenarios {
            let _ = writeln!(out, "- `{name}`");
        }
        out
    }
}

/// A table cell: pipes escaped, newlines as spaces.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCENARIO: &str = r#"
[scenario]
name = "t"
horizon_days = 30
replications = 2
[[node]]
id = "a"
kind = "terminal"
servers = 1
service = 0.05
[[node]]
id = "b"
kind = "terminal"
[[leg]]
from = "a"
to = "b"
mode = "rail"
transit = 2.0
[[route]]
id = "r"
nodes = ["a", "b"]
[[flow]]
id = "f"
route = "r"
teu_per_year = 20000
"#;

    fn dir_with(targets: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
        let path = dir.path().join("targets.toml");
        std::fs::write(&path, targets).unwrap();
        (dir, path)
    }

    const HEAD: &str = "[calibration]\ntitle = \"T\"\nseed = 1\nreplications = 3\n";

    #[test]
    fn through_sums_the_stages_up_to_the_node_and_evaluates_exactly() {
        // Deterministic times: 0.05 h service at a (plus a queue wait), 2 h on the leg.
        let (_dir, path) = dir_with(&format!(
            "{HEAD}[[target]]\nid = \"x\"\nmeasure = \"m\"\npublished = \"p\"\nsource = \"s\"\nscenario = \"s.toml\"\nthrough = {{ route = \"r\", node = \"b\" }}\nadd = 1\nscale = 0.5\nunit = \"h\"\nlow = 0\nhigh = 100\n"
        ));
        let targets = Targets::load(&path).unwrap();
        let t = &targets.targets[0];
        // Stages 0 (node a) and 2 (node b), four components each, and the leg's travel time.
        assert_eq!(t.columns.len(), 9, "{:?}", t.columns);
        let runner = Runner::new(1).unwrap();
        let calibration = targets.evaluate(&runner, targets.config, || {}).unwrap();
        let estimate = calibration.outcomes[0].estimate.unwrap();
        assert_eq!(estimate.n, 3);
        // Per replication: (wait + 0.05 + 2 + 1) * 0.5 with a small queue wait (load 0.11).
        assert!(
            estimate.mean >= 1.525 - 1e-9 && estimate.mean < 1.6,
            "{estimate:?}"
        );
        assert!(calibration.outcomes[0].inside);
        assert!(calibration.unexpected().is_empty());
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let (_dir, path) = dir_with(&format!(
            "{HEAD}[[target]]\nid = \"x\"\nmeasure = \"m\"\npublished = \"p\"\nsource = \"s\"\nscenario = \"s.toml\"\nkpis = [\"route/r/transit_men_h\"]\nunit = \"h\"\nlow = 5\nhigh = 1\nreached = false\n\n[[target]]\nid = \"x\"\nmeasure = \"m\"\npublished = \"p\"\nsource = \"s\"\nscenario = \"missing.toml\"\nunit = \"h\"\n"
        ));
        let err = Targets::load(&path).unwrap_err().to_string();
        assert!(
            err.contains(
                "targets.toml:11:9: target \"x\": unknown KPI column \"route/r/transit_men_h\""
            ),
            "{err}"
        );
        assert!(err.contains("nearest: \"route/r/transit_mean_h\""), "{err}");
        assert!(err.contains("low (5) must not exceed high (1)"), "{err}");
        assert!(err.contains("reached = false needs a `note`"), "{err}");
        assert!(err.contains("id used twice"), "{err}");
        assert!(err.contains("scenario missing.toml"), "{err}");
    }

    #[test]
    fn bands_and_verdicts() {
        let mut t = Target {
            id: "x".into(),
            measure: String::new(),
            published: String::new(),
            source: String::new(),
            scenario: String::new(),
            columns: vec![],
            weights: vec![],
            add: 0.0,
            scale: 1.0,
            unit: "d".into(),
            low: Some(8.0),
            high: Some(10.0),
            reached: true,
            note: String::new(),
        };
        assert!(t.contains(8.0) && t.contains(10.0) && !t.contains(10.01));
        assert_eq!(t.band(), "8–10 d");
        t.high = None;
        assert_eq!(t.band(), "≥ 8 d");
        assert!(t.contains(1e9));
        assert_eq!(number(140000.0), "140000");
        assert_eq!(number(0.725), "0.725");
        assert_eq!(number(12.26), "12.3");
    }
}
