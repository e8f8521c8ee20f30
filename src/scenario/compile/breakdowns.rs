//! `[node.breakdown]` and `[leg.fleet.breakdown]`: the failures and repairs of a node's servers
//! or of a fleet's vehicles, checked the same way for both.

use toml::Spanned;

use super::common::{optional_count, span_of};
use super::distributions::compile_dist;
use crate::model::{Breakdown, FailureClock, Interrupted};
use crate::scenario::error::Diagnostics;
use crate::scenario::schema::BreakdownSpec;

/// What breaks down: a node's servers or a fleet's vehicles. A vehicle's trip cannot start over,
/// so `interrupted = "restart"` is a server's only.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Server,
    Vehicle,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Server => "server",
            Unit::Vehicle => "vehicle",
        }
    }
}

/// Checks a `breakdown` table of the entity at `owner_path` and builds it.
pub(super) fn compile_breakdown(
    spec: &Spanned<BreakdownSpec>,
    unit: Unit,
    owner_path: &str,
    diags: &mut Diagnostics<'_>,
) -> Option<Breakdown> {
    let path = format!("{owner_path}.breakdown");
    let b = spec.get_ref();
    let mut ok = true;
    let up = compile_dist(&b.up, &format!("{path}.up"), diags);
    let repair = compile_dist(&b.repair, &format!("{path}.repair"), diags);
    if let Some(up) = &up
        && up.mean() <= 0.0
    {
        diags.push(
            span_of(&b.up),
            format!("{path}.up"),
            format!(
                "must have a positive mean (a {} that is never up would never work)",
                unit.name()
            ),
        );
        ok = false;
    }
    let mut choice = |value: &Option<Spanned<String>>, key: &str, allowed: &[&str]| match value {
        None => Some(0),
        Some(text) => match allowed.iter().position(|a| a == text.get_ref()) {
            Some(i) => Some(i),
            None => {
                let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
                let why = if unit == Unit::Vehicle && text.get_ref() == "restart" {
                    " (a vehicle's trip cannot start over: \"resume\" repairs it where it fails, \
                     \"finish\" when it is next home)"
                } else {
                    ""
                };
                diags.push(
                    span_of(text),
                    format!("{path}.{key}"),
                    format!(
                        "unknown value \"{}\"; allowed: {}{why}",
                        text.get_ref(),
                        list.join(", ")
                    ),
                );
                None
            }
        },
    };
    let clock = choice(&b.clock, "clock", &["always", "busy"]);
    let interrupted = match unit {
        Unit::Server => choice(
            &b.interrupted,
            "interrupted",
            &["resume", "restart", "finish"],
        )
        .map(|i| [Interrupted::Resume, Interrupted::Restart, Interrupted::Finish][i]),
        Unit::Vehicle => choice(&b.interrupted, "interrupted", &["resume", "finish"])
            .map(|i| [Interrupted::Resume, Interrupted::Finish][i]),
    };
    let crews = optional_count(
        &b.crews,
        format!("{path}.crews"),
        "1",
        &format!(
            "leave crews out to repair every failed {} at once",
            unit.name()
        ),
        diags,
        &mut ok,
    );
    let (up, repair, clock, interrupted) = (up?, repair?, clock?, interrupted?);
    Some(Breakdown {
        up,
        repair,
        clock: [FailureClock::Always, FailureClock::Busy][clock],
        interrupted,
        crews,
    })
    .filter(|_| ok)
}
