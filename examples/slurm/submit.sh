#!/bin/bash
# Submits a sharded Corridor run: a job array of SHARDS tasks, then a merge job that starts only
# if every shard succeeded (afterok).
#   SHARDS=8 REPLICATIONS=10000 SCENARIO=my.toml RESULTS=/scratch/me/run1 ./submit.sh
set -euo pipefail
cd "$(dirname "$0")"
SHARDS=${SHARDS:-4}
export SHARDS REPLICATIONS=${REPLICATIONS:-10000} SEED=${SEED:-1}
export SCENARIO=${SCENARIO:-} RESULTS=${RESULTS:-$PWD/corridor-results} CORRIDOR=${CORRIDOR:-corridor}
array=$(sbatch --parsable --array=0-$((SHARDS - 1)) --export=ALL shards.sbatch)
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL merge.sbatch)
echo "shards: job array $array ($SHARDS tasks); merge: job $merge (after all shards succeed)"
echo "results will be in $RESULTS/merged"
