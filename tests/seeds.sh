#!/usr/bin/env bash
# Runs the statistical and event-exact tests of the engine with 30 other fixed seeds
# (CORRIDOR_TEST_SEED=1..30; see tests/integration/common.rs `test_seed`), one run per seed,
# and prints one line per seed and a tally. A statistical test must pass for every seed: its
# failure probability for a correct engine is at most 1% (99% intervals, Bonferroni-corrected
# where a test makes several assertions), so 30 seeds passing is the expected outcome, and a
# seed that fails is reproducible with `CORRIDOR_TEST_SEED=<seed> cargo test --test integration NAME`.
#
# Usage: tests/seeds.sh [FIRST [LAST]]   (default 1 30). Not part of .ci/run (about 30 x the
# time of these tests); niced, since the machine is shared.
set -uo pipefail
cd "$(dirname "$0")/.."

first=${1:-1}
last=${2:-30}
# The modules whose tests draw from the engine's random streams through `common::test_seed`.
filters=(queueing:: disruptions:: fleets:: invariants:: sharp:: operations::)

nice cargo test --locked --test integration --no-run --quiet || exit 1
log=$(mktemp -d)
passed=0
failed=()
start=$(date +%s)
for seed in $(seq "$first" "$last"); do
  if CORRIDOR_TEST_SEED=$seed nice cargo test --locked --test integration --quiet -- "${filters[@]}" \
      >"$log/seed-$seed.txt" 2>&1; then
    passed=$((passed + 1))
    echo "seed $seed: ok ($(grep -o '[0-9]* passed' "$log/seed-$seed.txt" | head -1))"
  else
    failed+=("$seed")
    echo "seed $seed: FAILED"
    grep -E "^    [a-z_]+::|panicked|FAILED" "$log/seed-$seed.txt" | head -20
  fi
done
end=$(date +%s)
echo "== $passed of $((last - first + 1)) seeds passed in $((end - start)) s; failed: ${failed[*]:-none}; logs in $log"
[ ${#failed[@]} -eq 0 ]
