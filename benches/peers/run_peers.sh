#!/usr/bin/env bash
# Peer benchmarks: Corridor against SimPy 4 on the same models, same machine.
#
# 1. HOLD event-list benchmark: Corridor's EventQueue (examples/hold.rs, release build) against
#    benches/peers/simpy_hold.py, for N=100,T=20000 and N=10000,T=200 (about 2e6 events each).
#    Each implementation runs RUNS times per configuration (default 3); the script prints a
#    Markdown table of medians and the speed ratio Corridor/SimPy (of median events/s).
# 2. CORRIDOR reference model (benches/peers/peer_spec.md §1b), cases A and B: the SimPy model
#    (benches/peers/simpy_models.py, run by simpy_corridor.py, seeds 1..SEEDS) against Corridor
#    running the scenario files benches/peers/corridor_a.toml and corridor_b.toml
#    (examples/peer_corridor.rs, replications 0..SEEDS-1, single-threaded).
#    benches/peers/compare_corridor.py prints the agreement table (mean +- 95% CI per statistic,
#    Welch test) and the wall and CPU time per simulated year. The raw runs are kept in
#    target/peers/corridor_runs.tsv. SimPy takes about 1.5 s per simulated year on case A, so
#    the default 20 seeds x 2 cases take about a minute.
#
# Usage: benches/peers/run_peers.sh [hold] [corridor]    (default: both; from anywhere in the repo)
# Environment: RUNS (default 3), SEED (default 1), SEEDS (default 20), PYTHON (default python3,
# used for the venv).
#
# SimPy 4.1.2 is installed into target/peers-venv on first use.
set -euo pipefail

RUNS="${RUNS:-3}"
SEED="${SEED:-1}"
SEEDS="${SEEDS:-20}"
PYTHON="${PYTHON:-python3}"
SIMPY_VERSION="4.1.2"
CONFIGS=("100 20000" "10000 200")
# CORRIDOR cases: name, Corridor scenario file, SimPy arguments (peer_spec.md §1b).
CORRIDOR_CASES=(
    "A|benches/peers/corridor_a.toml|"
    "B|benches/peers/corridor_b.toml|--lam 2 --border-c 4 --term-c 6"
)

if (($# == 0)); then
    set -- hold corridor
fi
run_hold=false
run_corridor=false
for part in "$@"; do
    case "$part" in
    hold) run_hold=true ;;
    corridor) run_corridor=true ;;
    *)
        echo "unknown part '$part'; use: hold, corridor" >&2
        exit 2
        ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

echo "Building the examples (release)..." >&2
cargo build --release --example hold --example peer_corridor >&2
hold_bin="$root/target/release/examples/hold"
corridor_bin="$root/target/release/examples/peer_corridor"

venv="$root/target/peers-venv"
if ! "$venv/bin/python" -c "import simpy, sys; sys.exit(simpy.__version__ != '$SIMPY_VERSION')" 2>/dev/null; then
    echo "Installing simpy==$SIMPY_VERSION into $venv..." >&2
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "simpy==$SIMPY_VERSION" >&2
fi
venv_python="$venv/bin/python"

results="$(mktemp)"
corridor_results="$root/target/peers/corridor_runs.tsv"
trap 'rm -f "$results"' EXIT

if $run_hold; then
    for config in "${CONFIGS[@]}"; do
        read -r n t <<<"$config"
        for ((run = 1; run <= RUNS; run++)); do
            echo "N=$n T=$t run $run/$RUNS: corridor" >&2
            printf 'corridor\t%s\n' "$("$hold_bin" --entities "$n" --horizon "$t" --seed "$SEED")" >>"$results"
            echo "N=$n T=$t run $run/$RUNS: simpy" >&2
            printf 'simpy\t%s\n' "$("$venv_python" benches/peers/simpy_hold.py --entities "$n" --horizon "$t" --seed "$SEED")" >>"$results"
        done
    done

    "$PYTHON" - "$results" <<'EOF'
import json
import statistics
import sys

runs = {}
for line in open(sys.argv[1]):
    impl, text = line.rstrip("\n").split("\t", 1)
    record = json.loads(text)
    key = (record["model"], record["entities"], float(record["horizon"]))
    runs.setdefault(key, {}).setdefault(impl, []).append(record)

print("| model | N | T | implementation | events | median wall s | median events/s | Corridor/SimPy |")
print("|---|---:|---:|---|---:|---:|---:|---:|")
for (model, n, t), by_impl in runs.items():
    medians = {}
    for impl in ("corridor", "simpy"):
        records = by_impl.get(impl, [])
        if not records:
            continue
        medians[impl] = (
            statistics.median(r["events"] for r in records),
            statistics.median(r["wall_s"] for r in records),
            statistics.median(r["events_per_s"] for r in records),
        )
    ratio = (
        f"{medians['corridor'][2] / medians['simpy'][2]:.1f}x"
        if "corridor" in medians and "simpy" in medians
        else "n/a"
    )
    for impl, (events, wall, rate) in medians.items():
        print(
            f"| {model} | {n} | {t:g} | {impl} | {events:.0f} | {wall:.3f} | {rate:,.0f} | "
            f"{ratio if impl == 'corridor' else ''} |"
        )
print(f"\n{len(next(iter(runs.values()))['corridor'])} runs per row, seed held fixed; medians of each column.")
EOF
fi

if $run_corridor; then
    mkdir -p "$(dirname "$corridor_results")"
    : >"$corridor_results"
    for entry in "${CORRIDOR_CASES[@]}"; do
        IFS='|' read -r case_name scenario simpy_args <<<"$entry"
        echo "CORRIDOR case $case_name: corridor, $SEEDS replications of $scenario" >&2
        "$corridor_bin" "$scenario" --replications "$SEEDS" | sed "s/^/$case_name\t/" >>"$corridor_results"
        for ((seed = 1; seed <= SEEDS; seed++)); do
            echo "CORRIDOR case $case_name: simpy seed $seed/$SEEDS" >&2
            # shellcheck disable=SC2086 # simpy_args is a list of words
            printf '%s\t%s\n' "$case_name" \
                "$("$venv_python" benches/peers/simpy_corridor.py --seed "$seed" $simpy_args)" >>"$corridor_results"
        done
    done
    echo >&2
    "$PYTHON" benches/peers/compare_corridor.py "$corridor_results"
    echo -e "\nRaw runs: $corridor_results" >&2
fi
