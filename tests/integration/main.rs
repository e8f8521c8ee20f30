//! Corridor's integration tests: one binary, one module per behaviour.
//!
//! Where new tests go:
//! - `architecture`: the layering table in docs/ARCHITECTURE.md against the imports in src/.
//! - `queueing`: the engine against exact queueing-theory results.
//! - `invariants`: conservation, determinism, stream independence, properties on random networks.
//! - `operations`: exact behaviour of fleets, disruptions and operating hours, event by event.
//! - `bad_input`: one fixture per class of scenario mistake, with its expected message.
//! - `capacity`: nominal capacity per node and fleet against hand-computed values; binding resource.
//! - `calibration`: the whole-corridor scenario against published figures; `corridor calibrate`.
//! - `compare`: `corridor compare`, paired differences with common random numbers.
//! - `costs`: costs and emissions, the cost KPIs against hand computations on a deterministic
//!   route, their bad input; the appraisal of an `[investment]` in `compare`.
//! - `demand`: `compare --demand` and `sweep --demand`: saturation of an M/M/c station bracketing
//!   c·μ, where a variant starts to matter, the levels' bad input.
//! - `cli`: the `corridor` binary's exit codes, output files and messages.
//! - `first_hour`: what a newcomer sees first: the headline of `run` and report.html, the echo
//!   of `--set`, the last line, and the README examples CI runs.
//! - `parallel`: thread count never changes results; precision mode.
//! - `interrupt`: killing real runs at every phase leaves the old or the new results, whole.
//! - `output`: result files, refusing non-empty output directories, atomic writes.
//! - `daily`: the daily node and fleet series against window totals and a deterministic service.
//! - `shard`: `run --shard` and `corridor merge` equal the unsharded run; merge validation.
//! - `study_shard`: `compare`, `sweep` and `sensitivity` with `--shard`, merged, equal the
//!   unsharded study file by file; the merge's refusals.
//! - `plot`: charts, report.html and `corridor plot`; the values the charts draw against summary.json.
//! - `browser`: report.html in headless Chromium.
//! - `analytic`: exact values (bulk service, M/M/1 with storms, window unions) and their own checks.
//! - `sharp`: event-exact checks, each against one engine bug the rest of the suite let pass
//!   (warm-up, monthly disruption rates, common random numbers under a structural change, yards
//!   filling exactly, same-time event order).
//! - `fuzz`: mutated scenarios through parse, validate and a short run (no panic, located errors);
//!   `CORRIDOR_FUZZ_CASES` and `CORRIDOR_FUZZ_SEED` for a longer run.
//! - `fleets`: vessel fleets against the exact bulk-service wait; properties of fleets on random networks.
//! - `breakdowns`: server breakdowns against exact M/M/1 results, availability, and `restart` /
//!   `finish` event by event.
//! - `vehicle_breakdowns`: vehicle breakdowns: a saturated shuttle against its
//!   alternating-renewal throughput, availability, `resume` / `finish` event by event, crews.
//! - `disruptions`: closure schedules, hours closed, and M/M/1 with storms.
//! - `horizons`: the calendar (`start`), dated changes (`[[change]]`).
//! - `classes`: mixed fleets (vehicle classes) event by event, dated fleet and berth changes.
//! - `reliability`: on-time share against a route's promise (exact on deterministic and
//!   event-by-event fixtures, the M/M/1 sojourn CDF), the buffer index, transit by month of
//!   departure, bad promises.
//! - `yearly`: results by calendar year against the window's and exact M/M/1 -> M/M/2 values;
//!   `yearly.csv`.
//! - `scenario_library`: the variants of scenarios/whole/ move their KPIs in the direction their
//!   files argue (paired intervals against the whole corridor); the path to 2030 by year.
//! - `variants`: `extends`/`remove`, parameter paths and overrides, `[sweep]`/`[[uncertain]]`.
//! - `sweep`: `corridor sweep` (the Erlang C curve over servers, files, threads, bad input).
//! - `route_choice`: `[flow.choice]`: logit shares against the logit probabilities, join the
//!   shortest queue between M/M/2 and two M/M/1, a closure moving cargo and back event by event
//!   (information delay, switching threshold), determinism and conservation per rule, bad input.
//! - `robustness`: what validates runs: limits, operating hours at every minute, the cargo bound,
//!   deadlocks, offered-load warnings, bounded error lists, paths that are not files.
//! - `sensitivity`: `corridor sensitivity` (Morris design properties and exact effects,
//!   one-at-a-time swings, files, threads, bad input).
//!
//! Statistical assertions use fixed seeds and confidence intervals computed from the spread of
//! independent replications (see `common::assert_in_ci`), never a fudge factor. The environment
//! variable `CORRIDOR_TEST_SEED` moves them to other fixed seeds (`common::test_seed`;
//! `tests/seeds.sh` runs them with 30 seeds).

mod analytic;
mod architecture;
mod bad_input;
mod breakdowns;
mod browser;
mod calibration;
mod capacity;
mod classes;
mod cli;
mod common;
mod compare;
mod costs;
mod daily;
mod demand;
mod disruptions;
mod first_hour;
mod fleets;
mod fuzz;
mod horizons;
mod interrupt;
mod invariants;
mod operations;
mod output;
mod parallel;
mod plot;
mod queueing;
mod reliability;
mod robustness;
mod route_choice;
mod scenario_library;
mod sensitivity;
mod shard;
mod sharp;
mod study_shard;
mod sweep;
mod variants;
mod vehicle_breakdowns;
mod volumes;
mod yearly;
