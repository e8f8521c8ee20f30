#!/usr/bin/env bash
# Mutation testing of the core with cargo-mutants (https://mutants.rs): each mutant is one small
# change to the code (a return value replaced, an operator swapped, a condition negated); a test
# run that still passes means no test notices that change. Results and their reading are in
# docs/testing.md. Not part of .ci/run: on 2 shared cores this takes hours for the whole core.
#
# Usage:
#   tests/mutants.sh unit FILE [TEST_FILTER...]
#       mutants of FILE against the library's unit tests (default filter: all of them); about
#       10 s a mutant (a 30 s timeout: a mutant that loops forever counts as caught by timeout): the library is rebuilt at opt-level 0 (CARGO_PROFILE_TEST_OPT_LEVEL=0;
#       dependencies keep their optimised builds) and only its test target is built.
#   tests/mutants.sh integration FILE [TEST_FILTER...]
#       mutants of FILE against the library's unit tests and the integration tests (default
#       filter: the modules that check the engine's numbers); the filters select tests of both
#       binaries (e.g. `engine::sim` for the library's unit tests of the engine). The integration
#       test target is `integration` (Cargo.toml [[test]]). About 40 s a mutant at opt-level 0
#       with a few modules as filter (25 s of incremental build, the rest tests); timeout
#       MUTANTS_TIMEOUT seconds (default 120; the filtered tests take about 20 s at opt-level 0).
#   Further cargo-mutants options go in MUTANTS_ARGS, e.g. MUTANTS_ARGS="--shard 0/3".
#
# Install once: cargo install cargo-mutants --locked
#
# It mutates the working tree in place (--in-place: the existing target/ is reused instead of a
# fresh build of every dependency in a copy) and restores each file after each mutant; do not
# edit or build in the tree while it runs (interrupting it with Ctrl-C restores the file; after
# a kill, `git checkout -- FILE`). Output: mutants.out/ (caught.txt, missed.txt, timeout.txt,
# unviable.txt, outcomes.json).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: tests/mutants.sh unit|integration FILE [TEST_FILTER...]}
file=${2:?usage: tests/mutants.sh unit|integration FILE [TEST_FILTER...]}
shift 2
filters=("$@")
export CARGO_PROFILE_TEST_OPT_LEVEL=0
start=$(date +%s)
case "$mode" in
  unit)
    # shellcheck disable=SC2086
    nice cargo mutants --in-place --baseline skip -f "$file" --timeout 30 ${MUTANTS_ARGS:-} \
      --cargo-arg=--lib -- -- "${filters[@]}" || true
    ;;
  integration)
    if [ ${#filters[@]} -eq 0 ]; then
      filters=(engine:: sharp:: operations:: disruptions::closure invariants::random daily::)
    fi
    # shellcheck disable=SC2086
    nice cargo mutants --in-place --baseline skip -f "$file" --timeout "${MUTANTS_TIMEOUT:-120}" ${MUTANTS_ARGS:-} \
      --cargo-arg=--lib --cargo-arg=--test=integration -- -- "${filters[@]}" || true
    ;;
  *)
    echo "unknown mode $mode: unit or integration" >&2
    exit 2
    ;;
esac
echo "== mutants of $file took $(($(date +%s) - start)) s"
for f in caught missed timeout unviable; do
  if [ -f "mutants.out/$f.txt" ]; then echo "$f: $(wc -l <"mutants.out/$f.txt")"; fi
done
# A mutant that fails a property test makes proptest save the case beside the crate
# (proptest-regressions/ at the root, not tests/proptest-regressions/): not a real regression.
if [ -n "$(git status --porcelain -- proptest-regressions)" ]; then
  echo "note: proptest saved mutant-induced cases under proptest-regressions/; delete them"
fi
