#!/bin/bash
# Submits a sharded Corridor run: a job array of SHARDS tasks, then a merge job that starts only
# if every shard succeeded (afterok), and is cancelled by Slurm if one fails
# (--kill-on-invalid-dep), instead of waiting forever in DependencyNeverSatisfied.
# Run it from anywhere (relative paths are taken from where you run it), e.g. the repository root:
#   SHARDS=8 REPLICATIONS=10000 RESULTS=/scratch/$USER/run1 examples/slurm/submit.sh
# After a failed shard, resubmit only that task and a new merge, with the same settings and ARRAY:
#   ARRAY=5 SHARDS=8 REPLICATIONS=10000 RESULTS=/scratch/$USER/run1 examples/slurm/submit.sh
#
# SHARDS        number of shards (default 4)
# REPLICATIONS  replications of the whole run (default 10000)
# SCENARIO      scenario file (default: the built-in Middle Corridor)
# SEED          base seed (default: the scenario's own `seed`, as `corridor run` uses)
# RESULTS       results directory on storage every node sees (default ./corridor-results);
#               shard k goes to $RESULTS/shard-k, the merge to $RESULTS/merged, logs to $RESULTS/logs
# CORRIDOR      the corridor binary (default: `corridor` on PATH, else target/release/corridor of
#               this repository)
# ARRAY         which shards to submit (default all, 0-(SHARDS-1)); e.g. 5 or 2,5 to rerun
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() { echo "submit.sh: $*" >&2; exit 1; }

SHARDS=${SHARDS:-4}
REPLICATIONS=${REPLICATIONS:-10000}
SEED=${SEED:-}
ARRAY=${ARRAY:-0-$((SHARDS - 1))}
# Every path becomes absolute here: the jobs may start in another directory or on another node.
RESULTS=$(realpath -m "${RESULTS:-corridor-results}")
SCENARIO=${SCENARIO:-}
if [ -n "$SCENARIO" ]; then
  [ -f "$SCENARIO" ] || die "SCENARIO=$SCENARIO: no such file"
  SCENARIO=$(realpath "$SCENARIO")
fi
CORRIDOR=${CORRIDOR:-}
if [ -z "$CORRIDOR" ]; then
  CORRIDOR=$(command -v corridor || true)
  [ -n "$CORRIDOR" ] || CORRIDOR=$repo/target/release/corridor
fi
if [[ $CORRIDOR == */* ]]; then
  CORRIDOR=$(realpath -m "$CORRIDOR")
else
  CORRIDOR=$(command -v "$CORRIDOR") || die "CORRIDOR=$CORRIDOR is not on PATH"
fi
[ -x "$CORRIDOR" ] || die "no corridor binary at $CORRIDOR: build it with \`cargo build --release\` in $repo, or set CORRIDOR=/path/to/corridor"
# Load the scenario here (an invalid one stops before anything is queued) and take its seed.
params=$("$CORRIDOR" params ${SCENARIO:+"$SCENARIO"}) || die "cannot load the scenario"
if [ -z "$SEED" ]; then
  SEED=$(awk '$1 == "scenario.seed" { print $2 }' <<<"$params")
fi

mkdir -p "$RESULTS/logs"
export SHARDS REPLICATIONS SEED SCENARIO RESULTS CORRIDOR
array=$(sbatch --parsable --array="$ARRAY" --export=ALL \
  --output="$RESULTS/logs/shard-%A_%a.log" "$here/shards.sbatch")
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --export=ALL \
  --output="$RESULTS/logs/merge-%j.log" "$here/merge.sbatch")
echo "seed $SEED, $REPLICATIONS replications in $SHARDS shards; corridor: $CORRIDOR"
echo "shards $ARRAY: job array $array; merge: job $merge (starts when those shards succeed)"
echo "logs in $RESULTS/logs; results will be in $RESULTS/merged"
