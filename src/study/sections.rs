//! The study sections of a scenario file: `[sweep]` (the parameters of `corridor sweep` and the
//! KPIs it plots) and `[[uncertain]]` (the parameters of `corridor sensitivity` with their
//! ranges).
//!
//! They live in the scenario file, beside the model they vary, but are not part of the model:
//! the scenario layer only accepts their names (and merges `[[uncertain]]` entries by `path`
//! when a file extends another). This module reads and checks them, each parameter path
//! through `crate::scenario::params` with the change the study will make, and compiles a
//! document together with them ([`load`], [`StudySections::compile_checked`]), so that
//! `corridor run` rejects a file whose study sections are broken.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::scenario::compile::parse::{parse_array, parse_one};
use crate::scenario::error::Diagnostics;
use crate::scenario::params::literal;
use crate::scenario::{Assignment, Change, Document, LoadedScenario, ScenarioError};

/// Reads, checks and compiles the scenario at `path` with its study sections (what
/// `corridor run` loads).
pub fn load(path: &Path) -> Result<LoadedScenario, ScenarioError> {
    Document::read(path)?.compile_checked()
}

/// The study sections of a [`Document`].
pub trait StudySections {
    /// The `[sweep]` section, if any, checked.
    fn sweep(&self) -> Result<Option<SweepSpec>, ScenarioError>;
    /// The `[[uncertain]]` entries, checked.
    fn uncertain(&self) -> Result<Vec<Uncertain>, ScenarioError>;
    /// [`Document::compile`], also checking the study sections (their problems are reported
    /// with the model's).
    fn compile_checked(&self) -> Result<LoadedScenario, ScenarioError>;
}

impl StudySections for Document {
    fn sweep(&self) -> Result<Option<SweepSpec>, ScenarioError> {
        Ok(self.check(study_sections)?.0)
    }

    fn uncertain(&self) -> Result<Vec<Uncertain>, ScenarioError> {
        Ok(self.check(study_sections)?.1)
    }

    fn compile_checked(&self) -> Result<LoadedScenario, ScenarioError> {
        self.compile_with(|tree, diags| {
            study_sections(tree, diags);
        })
    }
}

/// `[sweep]`: the parameters of `corridor sweep` and the KPIs it plots.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// KPI column names to plot (`route/<id>/transit_mean_h`, ...); empty: the defaults.
    pub kpis: Vec<String>,
    /// One or two parameters; two give a grid.
    pub params: Vec<SweepParam>,
}

/// One swept parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepParam {
    /// The parameter path.
    pub path: String,
    /// The values, in the order given.
    pub values: Vec<f64>,
    /// Whether the values are multipliers of the scenario's own value (`scale = [...]`).
    pub scale: bool,
}

impl SweepParam {
    /// The change for one of the values.
    pub fn change(&self, value: f64) -> Change {
        Change::new(value, self.scale)
    }
}

/// `[[uncertain]]`: a parameter with its plausible range, for `corridor sensitivity`.
#[derive(Clone, Debug, PartialEq)]
pub struct Uncertain {
    /// The parameter path.
    pub path: String,
    /// Low end of the range.
    pub low: f64,
    /// High end of the range.
    pub high: f64,
    /// Whether `low` and `high` are multipliers of the scenario's own value.
    pub scale: bool,
    /// Short label for charts (default: the path).
    pub name: Option<String>,
}

impl Uncertain {
    /// The change for a value in `[low, high]`.
    pub fn change(&self, value: f64) -> Change {
        Change::new(value, self.scale)
    }

    /// The label for charts.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.path)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepSection {
    #[serde(default)]
    kpis: Vec<String>,
    #[serde(default)]
    param: Vec<Spanned<SweepParamSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepParamSpec {
    path: Spanned<String>,
    values: Option<Spanned<Vec<f64>>>,
    scale: Option<Spanned<Vec<f64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UncertainSpec {
    path: Spanned<String>,
    low: Spanned<f64>,
    high: Spanned<f64>,
    #[serde(default)]
    scale: bool,
    name: Option<Spanned<String>>,
}

/// Checks a path and a change of the kind a study will make, reporting at `span`.
fn check_path(
    root: &DeTable<'_>,
    path: &Spanned<String>,
    change: Change,
    at: &str,
    diags: &mut Diagnostics<'_>,
) -> bool {
    let assignment = Assignment {
        path: path.get_ref().clone(),
        change,
    };
    match literal(root, &assignment) {
        Ok(_) => true,
        Err(message) => {
            diags.push(Some(path.span()), format!("{at}.path"), message);
            false
        }
    }
}

/// Checks and returns the study sections `[sweep]` and `[[uncertain]]` of a merged tree.
fn study_sections(
    tree: &Spanned<DeTable<'_>>,
    diags: &mut Diagnostics<'_>,
) -> (Option<SweepSpec>, Vec<Uncertain>) {
    let root = tree.get_ref();
    let mut sweep = None;
    if let Some(value) = root.get("sweep")
        && let Some(section) = parse_one::<SweepSection>(value, "sweep", diags)
    {
        sweep = check_sweep(root, value, section, diags);
    }
    let mut uncertain = Vec::new();
    if let Some(value) = root.get("uncertain") {
        let specs: Vec<UncertainSpec> = parse_array(value, "uncertain", diags);
        for spec in specs {
            let at = format!("uncertain \"{}\"", spec.path.get_ref());
            let (low, high) = (*spec.low.get_ref(), *spec.high.get_ref());
            let mut ok = true;
            if !(low.is_finite() && high.is_finite() && low < high) {
                diags.push(
                    Some(spec.low.span()),
                    format!("{at}.low"),
                    format!(
                        "low and high must be finite numbers with low < high, got {low} and {high}"
                    ),
                );
                ok = false;
            } else if spec.scale && low < 0.0 {
                diags.push(
                    Some(spec.low.span()),
                    format!("{at}.low"),
                    format!("with scale = true, low and high are factors at least 0, got {low}"),
                );
                ok = false;
            }
            let change = if spec.scale {
                Change::Scale(low.max(0.0))
            } else {
                Change::Set(if low.is_finite() { low } else { 0.0 })
            };
            ok &= check_path(root, &spec.path, change, &at, diags);
            if let Some(name) = &spec.name
                && let Some(c) = name.get_ref().chars().find(|c| c.is_control())
            {
                diags.push(
                    Some(name.span()),
                    format!("{at}.name"),
                    format!(
                        "must not contain control characters (such as escape or NUL), got {c:?} in {:?}",
                        name.get_ref()
                    ),
                );
                ok = false;
            }
            if ok {
                uncertain.push(Uncertain {
                    path: spec.path.into_inner(),
                    low,
                    high,
                    scale: spec.scale,
                    name: spec.name.map(Spanned::into_inner),
                });
            }
        }
    }
    (sweep, uncertain)
}

fn check_sweep(
    root: &DeTable<'_>,
    value: &Spanned<DeValue<'_>>,
    section: SweepSection,
    diags: &mut Diagnostics<'_>,
) -> Option<SweepSpec> {
    if section.param.is_empty() || section.param.len() > 2 {
        diags.push(
            Some(value.span()),
            "sweep.param",
            format!(
                "a sweep has one or two [[sweep.param]] entries (two give a grid), got {}",
                section.param.len()
            ),
        );
        return None;
    }
    let mut params = Vec::new();
    let mut ok = true;
    for (i, param) in section.param.into_iter().enumerate() {
        let at = format!("sweep.param[{i}]");
        let span = param.span();
        let param = param.into_inner();
        let (values, scale) = match (param.values, param.scale) {
            (Some(values), None) => (values, false),
            (None, Some(scale)) => (scale, true),
            _ => {
                diags.push(
                    Some(span),
                    at,
                    "give either values = [...] (the numbers to set) or scale = [...] \
                     (factors of the scenario's own value), not both or neither",
                );
                ok = false;
                continue;
            }
        };
        let list = values.get_ref();
        let field = if scale { "scale" } else { "values" };
        if list.is_empty() || list.iter().any(|v| !v.is_finite() || (scale && *v < 0.0)) {
            diags.push(
                Some(values.span()),
                format!("{at}.{field}"),
                if scale {
                    "must be a non-empty list of finite factors at least 0"
                } else {
                    "must be a non-empty list of finite numbers"
                },
            );
            ok = false;
            continue;
        }
        let change = Change::new(list[0], scale);
        if !check_path(root, &param.path, change, &at, diags) {
            ok = false;
            continue;
        }
        if params
            .iter()
            .any(|p: &SweepParam| p.path == *param.path.get_ref())
        {
            diags.push(
                Some(param.path.span()),
                format!("{at}.path"),
                "the same parameter is swept twice",
            );
            ok = false;
            continue;
        }
        params.push(SweepParam {
            path: param.path.into_inner(),
            values: values.into_inner(),
            scale,
        });
    }
    ok.then_some(SweepSpec {
        kpis: section.kpis,
        params,
    })
}
