#!/usr/bin/env bash
# Mutation testing of the core with cargo-mutants (https://mutants.rs): each mutant is one small
# change to the code (a return value replaced, an operator swapped, a condition negated); a test
# run that still passes means no test notices that change. Results and their reading are in
# docs/testing.md. Not part of .ci/run: on 2 shared cores one mutant takes a build and a test run.
#
# Usage: tests/mutants.sh [FILE...]   (default: the files below, small and critical first)
#   install once:  cargo install cargo-mutants --locked
#
# It mutates the working tree in place (--in-place, so the existing target/ is reused instead of
# a fresh build of every dependency in a copy) and restores each file after each mutant; do not
# edit the tree while it runs. Each mutant runs only the tests that exercise the code (the unit
# tests and the event-exact and statistical integration tests), one build job at a time, niced.
# The output goes to mutants.out/ (outcomes.json, caught.txt, missed.txt, timeout.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(
    src/engine/queue.rs
    src/engine/sim/disrupt.rs
    src/base/accumulators.rs
    src/base/estimate.rs
    src/engine/sim/mod.rs
    src/engine/sim/fleet.rs
    src/stats/summary.rs
    src/stats/kpi.rs
    src/scenario/compile/flows.rs
    src/scenario/compile/disruptions.rs
    src/scenario/compile/nodes.rs
  )
fi
args=()
for f in "${files[@]}"; do args+=(--file "$f"); done

start=$(date +%s)
# The unit tests of the library and the integration modules that check the engine's numbers.
nice cargo mutants --in-place -j1 --timeout 300 "${args[@]}" \
  --cargo-test-arg=--lib --cargo-test-arg=--test=integration \
  -- -- --skip architecture --skip browser --skip plot:: --skip cli:: --skip bad_input \
     --skip sweep:: --skip sensitivity:: --skip compare:: --skip shard:: --skip output:: \
     --skip variants:: || true
end=$(date +%s)
echo "== mutants run took $((end - start)) s"
for f in caught missed timeout unviable; do
  [ -f mutants.out/$f.txt ] && echo "$f: $(wc -l <mutants.out/$f.txt)"
done
