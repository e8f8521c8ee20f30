//! The study sections of a scenario file: `[sweep]` (the parameters of `corridor sweep` and the
//! KPIs it plots), `[[uncertain]]` (the parameters of `corridor sensitivity` with their
//! ranges) and `[investment]` (what a variant costs, for its appraisal in `corridor compare`:
//! `super::appraisal`).
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

use super::appraisal::Investment;
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
    /// The `[investment]` section, if any, checked (`corridor compare` appraises it).
    fn investment(&self) -> Result<Option<Investment>, ScenarioError>;
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

    fn investment(&self) -> Result<Option<Investment>, ScenarioError> {
        Ok(self.check(study_sections)?.2)
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
) -> (Option<SweepSpec>, Vec<Uncertain>, Option<Investment>) {
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
    let investment = root.get("investment").and_then(|value| {
        let spec = parse_one::<InvestmentSpec>(value, "investment", diags)?;
        check_investment(spec, diags)
    });
    (sweep, uncertain, investment)
}

/// `[investment]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InvestmentSpec {
    capital_cost: Spanned<f64>,
    annual_operating_cost: Option<Spanned<f64>>,
    start: Spanned<YearOrDate>,
    discount_to: Option<Spanned<YearOrDate>>,
    lifetime_years: Spanned<i64>,
    discount_rate: Spanned<f64>,
    value_per_extra_teu: Option<Spanned<f64>>,
}

/// A year (`2025`) or a date (`"2025-06-09"`).
#[derive(Debug)]
enum YearOrDate {
    Year(i64),
    Date(String),
}

impl<'de> Deserialize<'de> for YearOrDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = YearOrDate;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a year such as 2025 or a date such as \"2025-06-09\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<YearOrDate, E> {
                Ok(YearOrDate::Year(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<YearOrDate, E> {
                Ok(YearOrDate::Year(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<YearOrDate, E> {
                Ok(YearOrDate::Date(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The years an `[investment]` date may take.
const YEARS: std::ops::RangeInclusive<i64> = 1900..=2200;
/// The largest capital or operating cost accepted (money; larger is a typing mistake).
const MAX_COST: f64 = 1e15;
/// The longest lifetime accepted, years.
const MAX_LIFETIME: i64 = 200;
/// The discount rates accepted, per year.
const RATES: std::ops::RangeInclusive<f64> = -0.5..=1.0;

/// A year or date as a (fractional) year, reported at `path` if it is not one.
fn year_of(value: &Spanned<YearOrDate>, path: &str, diags: &mut Diagnostics<'_>) -> Option<f64> {
    let year = match value.get_ref() {
        YearOrDate::Year(y) if YEARS.contains(y) => Some(*y as f64),
        YearOrDate::Date(text) => text
            .parse::<jiff::civil::Date>()
            .ok()
            .filter(|d| YEARS.contains(&i64::from(d.year())))
            .map(|d| {
                f64::from(d.year()) + f64::from(d.day_of_year() - 1) / f64::from(d.days_in_year())
            }),
        YearOrDate::Year(_) => None,
    };
    if year.is_none() {
        diags.push(
            Some(value.span()),
            path,
            format!(
                "must be a year from {} to {} (2025) or a date \"YYYY-MM-DD\" in those years, got {}",
                YEARS.start(),
                YEARS.end(),
                match value.get_ref() {
                    YearOrDate::Year(y) => y.to_string(),
                    YearOrDate::Date(d) => format!("{d:?}"),
                }
            ),
        );
    }
    year
}

/// Checks `[investment]`: costs from 0 to 1e15, a lifetime of 1 to 200 years, a discount rate
/// from -0.5 to 1, years from 1900 to 2200.
fn check_investment(spec: InvestmentSpec, diags: &mut Diagnostics<'_>) -> Option<Investment> {
    let mut ok = true;
    let mut amount = |value: Option<&Spanned<f64>>, key: &str, max: f64, what: &str| {
        let Some(value) = value else { return 0.0 };
        let v = *value.get_ref();
        if v.is_finite() && (0.0..=max).contains(&v) {
            return v;
        }
        diags.push(
            Some(value.span()),
            format!("investment.{key}"),
            format!("must be {what} from 0 to {max:e}, got {v}"),
        );
        ok = false;
        0.0
    };
    let capital = amount(
        Some(&spec.capital_cost),
        "capital_cost",
        MAX_COST,
        "an amount of money",
    );
    let operating = amount(
        spec.annual_operating_cost.as_ref(),
        "annual_operating_cost",
        MAX_COST,
        "an amount of money per year",
    );
    let value = amount(
        spec.value_per_extra_teu.as_ref(),
        "value_per_extra_teu",
        1e12,
        "an amount of money per TEU",
    );
    let lifetime = *spec.lifetime_years.get_ref();
    if !(1..=MAX_LIFETIME).contains(&lifetime) {
        diags.push(
            Some(spec.lifetime_years.span()),
            "investment.lifetime_years",
            format!("must be a whole number of years from 1 to {MAX_LIFETIME}, got {lifetime}"),
        );
        ok = false;
    }
    let rate = *spec.discount_rate.get_ref();
    if !(rate.is_finite() && RATES.contains(&rate)) {
        diags.push(
            Some(spec.discount_rate.span()),
            "investment.discount_rate",
            format!(
                "must be a rate per year from {} to {} (0.06 is 6%), got {rate}",
                RATES.start(),
                RATES.end()
            ),
        );
        ok = false;
    }
    let start = year_of(&spec.start, "investment.start", diags);
    let discount_to = match &spec.discount_to {
        Some(value) => year_of(value, "investment.discount_to", diags),
        None => start,
    };
    let (start_year, discount_to_year) = (start?, discount_to?);
    ok.then(|| Investment {
        capital_cost: capital,
        annual_operating_cost: operating,
        start_year,
        start: match spec.start.into_inner() {
            YearOrDate::Year(y) => y.to_string(),
            YearOrDate::Date(d) => d,
        },
        discount_to_year,
        lifetime_years: lifetime as u32,
        discount_rate: rate,
        value_per_extra_teu: value,
    })
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
