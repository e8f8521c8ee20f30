//! Distributions (`service`, `transit`, fleet times, disruption durations): checking a
//! [`DistSpec`] against its family's keys and building the [`Dist`], in hours. The families
//! themselves (keys, which keys are durations, constructors) are [`crate::model::dist::FAMILIES`].

use toml::Spanned;

use super::limits::{MAX_DURATION_H, MAX_MEAN_H};
use crate::base::number::compact;
use crate::base::time::HOURS_PER_DAY;
use crate::model::Dist;
use crate::model::dist::{KeyValue, Keys, family};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::{DistSpec, DistTable};

/// The duration 0 (a field left out).
pub(super) fn zero() -> Dist {
    Dist::constant(0.0).expect("0 is a valid constant")
}

/// Checks a distribution and builds it, converting to hours.
pub(super) fn compile_dist(
    spec: &Spanned<DistSpec>,
    path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Dist> {
    let span = spec.span();
    let result = match spec.get_ref() {
        DistSpec::Number(value) if value.is_finite() && *value > MAX_DURATION_H => Err(format!(
            "must be at most {MAX_DURATION_H:e} h, got {}",
            compact(*value)
        )),
        DistSpec::Number(value) => Dist::constant(*value).map_err(|e| format!("constant {e}")),
        DistSpec::Table(table) => build_table(table),
    };
    let result = result.and_then(|dist| {
        let mean = dist.mean();
        if mean.is_finite() && mean <= MAX_MEAN_H {
            Ok(dist)
        } else {
            Err(format!(
                "has a mean of {} h; means above {} h (over 1,000 years) are not meaningful",
                compact(mean),
                compact(MAX_MEAN_H)
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

/// Builds a distribution from its table: the family's keys checked, durations converted to hours.
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
    let family = family(&table.dist)?;
    let present: Vec<&str> = table.keys.iter().map(|(k, _)| k.as_str()).collect();
    family.check_keys(&present)?;
    let keys: Vec<(&str, KeyValue)> = table
        .keys
        .iter()
        .map(|(key, value)| {
            let value = match value {
                _ if !family.scaled.contains(&key.as_str()) => value.clone(),
                KeyValue::Number(x) => KeyValue::Number(x * scale),
                KeyValue::List(values) => {
                    KeyValue::List(values.iter().map(|v| v * scale).collect())
                }
            };
            (key.as_str(), value)
        })
        .collect();
    for (key, value) in &keys {
        if !family.scaled.contains(key) {
            continue;
        }
        let values = match value {
            KeyValue::Number(x) => std::slice::from_ref(x),
            KeyValue::List(values) => values.as_slice(),
        };
        if let Some(big) = values
            .iter()
            .find(|v| v.is_finite() && **v > MAX_DURATION_H)
        {
            return Err(format!(
                "{}: {key} must be at most {MAX_DURATION_H:e} h, got {} h",
                family.name,
                compact(*big)
            ));
        }
    }
    (family.build)(&Keys(&keys)).map_err(|e| format!("{}: {e}", family.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::compile::common::testing::run;

    #[derive(serde::Deserialize)]
    struct One {
        d: Spanned<DistSpec>,
    }

    fn dist(text: &str) -> (Option<Dist>, Vec<String>) {
        run(&format!("d = {text}"), |one: &One, diags| {
            compile_dist(&one.d, "d", diags)
        })
    }

    #[test]
    fn a_table_in_days_is_converted_to_hours() {
        let (got, diags) = dist("{ dist = \"lognormal\", mean = 2, cv = 0.5, unit = \"days\" }");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(got.unwrap().mean(), 48.0);
        let (got, _) = dist("4");
        assert_eq!(got.unwrap().mean(), 4.0);
    }

    #[test]
    fn keys_must_match_the_family() {
        let (got, diags) = dist("{ dist = \"gamma\", mean = 2, sd = 1 }");
        assert!(got.is_none());
        assert_eq!(
            diags,
            ["1:5: d: gamma takes mean, cv; missing cv; sd not used"]
        );
        let (_, diags) = dist("{ dist = \"beta\", mean = 2 }");
        assert_eq!(
            diags,
            [
                "1:5: d: unknown distribution \"beta\"; allowed: constant, exponential, uniform, triangular, normal, lognormal, gamma, weibull, pert, empirical"
            ]
        );
    }

    #[test]
    fn parameters_are_checked_by_the_family_and_the_mean_is_bounded() {
        let (_, diags) = dist("{ dist = \"uniform\", min = 5, max = 1 }");
        assert_eq!(
            diags,
            ["1:5: d: uniform: min must be less than max, got min = 5 and max = 1"]
        );
        let (_, diags) = dist("{ dist = \"exponential\", mean = 1e8 }");
        assert_eq!(
            diags,
            [
                "1:5: d: has a mean of 100000000 h; means above 10000000 h (over 1,000 years) are not meaningful"
            ]
        );
        let (_, diags) = dist("{ dist = \"empirical\", values = [1, 2], weights = [1] }");
        assert_eq!(
            diags,
            ["1:5: d: empirical: weights must have one entry per value (2 values, 1 weights)"]
        );
    }
}
