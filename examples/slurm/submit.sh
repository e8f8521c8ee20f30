#!/bin/bash
# Submits a sharded Corridor run or study: a job array of SHARDS tasks, each running the command
# given after submit.sh with --shard $SLURM_ARRAY_TASK_ID/$SHARDS, then a merge job that starts
# only if every shard succeeded (afterok) and is cancelled by Slurm if one fails
# (--kill-on-invalid-dep), instead of waiting forever in DependencyNeverSatisfied.
#
# The arguments are the corridor command as you would type it on one machine, without --out:
#   SHARDS=8 RESULTS=/scratch/$USER/run1 examples/slurm/submit.sh run -r 10000
#   SHARDS=8 RESULTS=/scratch/$USER/study1 examples/slurm/submit.sh sensitivity scenarios/uncertainty.toml -r 200
# `run`, `compare`, `sweep` and `sensitivity` shard; the merged files are those the same command
# writes on one machine. submit.sh adds --shard, --threads, --quiet, --force and --out to every
# shard; --no-charts and --chart-size also go to the merge, which draws the charts.
# The jobs run in the directory you submit from (relative paths mean the same there), so submit
# from a directory every node sees, such as the repository root on shared storage.
# After a failed shard, resubmit only that task and a new merge: the same command, plus ARRAY:
#   ARRAY=5 SHARDS=8 RESULTS=/scratch/$USER/run1 examples/slurm/submit.sh run -r 10000
#
# SHARDS    number of shards (default 4)
# RESULTS   results directory on storage every node sees (default ./corridor-results);
#           shard k goes to $RESULTS/shard-k, the merge to $RESULTS/merged, logs to $RESULTS/logs
# CORRIDOR  the corridor binary (default: `corridor` on PATH, else target/release/corridor of
#           this repository)
# ARRAY     which shards to submit (default all, 0-(SHARDS-1)); e.g. 5 or 2,5 to rerun
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() { echo "submit.sh: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "give the corridor command to shard, e.g. \`examples/slurm/submit.sh run -r 10000\` or \`examples/slurm/submit.sh sensitivity scenarios/uncertainty.toml -r 200\`"
case $1 in
  run | compare | sweep | sensitivity) ;;
  *) die "\`corridor $1\` cannot be sharded; give run, compare, sweep or sensitivity and its arguments" ;;
esac
# submit.sh chooses these per shard; --target-ci decides the run size as results come in, so a
# precision run cannot be split (find its count on one machine, then shard a fixed run).
merge_args=()
previous=
for arg in "$@"; do
  case $arg in
    -o | -o?* | --out | --out=* | --shard | --shard=* | -j | -j?* | --threads | --threads=* | \
      --force | -q | --quiet)
      die "leave out $arg: submit.sh gives every shard its own --shard, --threads, --quiet, --force and --out (\$RESULTS/shard-k)" ;;
    --target-ci | --target-ci=* | --max-replications | --max-replications=*)
      die "$arg (precision mode) cannot be sharded: it decides the number of replications as results come in; find the count on one machine, then shard a run with -r" ;;
    --no-charts | --chart-size=*) merge_args+=("$arg") ;;
  esac
  [ "$previous" = --chart-size ] && merge_args+=(--chart-size "$arg")
  previous=$arg
done

SHARDS=${SHARDS:-4}
[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || die "SHARDS=$SHARDS: give a whole number of shards, at least 1"
ARRAY=${ARRAY:-0-$((SHARDS - 1))}
# RESULTS and CORRIDOR become absolute here; the jobs start in this directory (--chdir), so the
# command's own relative paths (scenario files) mean there what they mean here.
RESULTS=$(realpath -m "${RESULTS:-corridor-results}")
CORRIDOR=${CORRIDOR:-}
if [ -z "$CORRIDOR" ]; then
  CORRIDOR=$(command -v corridor || true)
  [ -n "$CORRIDOR" ] || CORRIDOR=$repo/target/release/corridor
fi
if [[ $CORRIDOR == */* ]]; then
  CORRIDOR=$(realpath -m "$CORRIDOR")
else
  found=$(command -v "$CORRIDOR") || die "CORRIDOR=$CORRIDOR is not on PATH"
  CORRIDOR=$found
fi
[ -x "$CORRIDOR" ] || die "no corridor binary at $CORRIDOR: build it with \`cargo build --release\` in $repo, or set CORRIDOR=/path/to/corridor"
# Check the scenario files of the command here, so that a broken one stops before anything is
# queued (other mistakes, such as an unknown --kpi, fail every shard and cancel the merge).
files=()
for arg in "${@:2}"; do
  case $arg in -*) continue ;; esac
  if [[ $arg == *.toml ]]; then
    [ -f "$arg" ] || die "$arg: no such scenario file (from $PWD)"
    files+=("$arg")
  fi
done
if [ ${#files[@]} -gt 0 ]; then
  "$CORRIDOR" validate "${files[@]}" >/dev/null || die "fix the scenario files above first"
fi

mkdir -p "$RESULTS/logs"
export SHARDS RESULTS CORRIDOR
array=$(sbatch --parsable --array="$ARRAY" --chdir="$PWD" --export=ALL \
  --output="$RESULTS/logs/shard-%A_%a.log" "$here/shards.sbatch" "$@")
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --chdir="$PWD" \
  --export=ALL --output="$RESULTS/logs/merge-%j.log" "$here/merge.sbatch" ${merge_args[@]+"${merge_args[@]}"})
echo "corridor $* in $SHARDS shards, from $PWD; corridor: $CORRIDOR"
echo "shards $ARRAY: job array $array; merge: job $merge (starts when those shards succeed)"
echo "logs in $RESULTS/logs; results will be in $RESULTS/merged"
