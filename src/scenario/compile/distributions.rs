//! Distributions (`service`, `transit`, fleet times, disruption durations): checking a
//! [`DistSpec`] against its family's keys and building the [`Dist`], in hours.

use toml::Spanned;

use crate::base::time::HOURS_PER_DAY;
use crate::model::Dist;
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{DistSpec, DistTable};

/// The duration 0 (a field left out).
pub(super) fn zero() -> Dist {
    Dist::constant(0.0).expect("0 is a valid constant")
}

/// Largest mean duration accepted, hours (about 1,140 years).
const MAX_MEAN_H: f64 = 1e7;
const FAMILIES: &str = "constant, exponential, uniform, triangular, normal, lognormal, gamma, weibull, pert, empirical";

/// Checks a distribution and builds it, converting to hours.
pub(super) fn compile_dist(
    spec: &Spanned<DistSpec>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Dist> {
    let span = spec.span();
    let result = match spec.get_ref() {
        DistSpec::Number(value) => Dist::constant(*value).map_err(|e| format!("constant {e}")),
        DistSpec::Table(table) => build_table(table),
    };
    let result = result.and_then(|dist| {
        let mean = dist.mean();
        if mean.is_finite() && mean <= MAX_MEAN_H {
            Ok(dist)
        } else {
            Err(format!(
                "has a mean of {mean} h; means above {MAX_MEAN_H} h (over 1,000 years) are not meaningful"
            ))
        }
    });
    match result {
        Ok(dist) => Some(dist),
        Err(message) => {
            diags.push(Some(span), path, message);
            None
        }
    }
}

/// Builds a distribution from a table whose required keys are present, scaling times by a factor.
type DistBuilder = fn(&DistTable, f64) -> Result<Dist, String>;

fn build_table(table: &DistTable) -> Result<Dist, String> {
    let scale = match table.unit.as_deref() {
        None | Some("h") | Some("hours") => 1.0,
        Some("d") | Some("days") => HOURS_PER_DAY,
        Some(other) => {
            return Err(format!(
                "unknown unit \"{other}\"; allowed: \"h\" or \"hours\" (default), \"d\" or \"days\""
            ));
        }
    };
    let family = table.dist.as_str();
    let (required, build): (&[&str], DistBuilder) = match family {
        "constant" => (&["value"], |t, s| Dist::constant(t.value.unwrap() * s)),
        "exponential" => (&["mean"], |t, s| Dist::exponential(t.mean.unwrap() * s)),
        "uniform" => (&["min", "max"], |t, s| {
            Dist::uniform(t.min.unwrap() * s, t.max.unwrap() * s)
        }),
        "triangular" => (&["min", "mode", "max"], |t, s| {
            Dist::triangular(t.min.unwrap() * s, t.mode.unwrap() * s, t.max.unwrap() * s)
        }),
        "normal" => (&["mean", "sd"], |t, s| {
            Dist::truncated_normal(t.mean.unwrap() * s, t.sd.unwrap() * s)
        }),
        "lognormal" => (&["mean", "cv"], |t, s| {
            Dist::lognormal(t.mean.unwrap() * s, t.cv.unwrap())
        }),
        "gamma" => (&["mean", "cv"], |t, s| {
            Dist::gamma(t.mean.unwrap() * s, t.cv.unwrap())
        }),
        "weibull" => (&["shape", "scale"], |t, s| {
            Dist::weibull(t.shape.unwrap(), t.scale.unwrap() * s)
        }),
        "pert" => (&["min", "mode", "max"], |t, s| {
            Dist::pert(t.min.unwrap() * s, t.mode.unwrap() * s, t.max.unwrap() * s)
        }),
        "empirical" => (&["values"], |t, s| {
            Dist::empirical(
                t.values.clone().unwrap().iter().map(|v| v * s).collect(),
                t.weights.clone(),
            )
        }),
        other => {
            return Err(format!(
                "unknown distribution \"{other}\"; allowed: {FAMILIES}"
            ));
        }
    };
    let optional: &[&str] = if family == "empirical" {
        &["weights"]
    } else {
        &[]
    };
    let present = present_keys(table);
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| !present.contains(k))
        .collect();
    let extra: Vec<&str> = present
        .iter()
        .copied()
        .filter(|k| !required.contains(k) && !optional.contains(k))
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut takes = required.join(", ");
        if !optional.is_empty() {
            takes.push_str(&format!(" (optional: {})", optional.join(", ")));
        }
        let mut problems = Vec::new();
        if !missing.is_empty() {
            problems.push(format!("missing {}", missing.join(", ")));
        }
        if !extra.is_empty() {
            problems.push(format!("{} not used", extra.join(", ")));
        }
        return Err(format!("{family} takes {takes}; {}", problems.join("; ")));
    }
    build(table, scale).map_err(|e| format!("{family}: {e}"))
}

fn present_keys(table: &DistTable) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let scalars = [
        ("value", table.value),
        ("mean", table.mean),
        ("cv", table.cv),
        ("sd", table.sd),
        ("min", table.min),
        ("mode", table.mode),
        ("max", table.max),
        ("shape", table.shape),
        ("scale", table.scale),
    ];
    for (name, value) in scalars {
        if value.is_some() {
            keys.push(name);
        }
    }
    if table.values.is_some() {
        keys.push("values");
    }
    if table.weights.is_some() {
        keys.push("weights");
    }
    keys
}
