#!/usr/bin/env bash
# HOLD event-list benchmark: Corridor's EventQueue (examples/hold.rs, release build) against the
# SimPy 4 peer (benches/peers/simpy_hold.py), for N=100,T=20000 and N=10000,T=200 (about 2e6
# events each). Each implementation runs RUNS times per configuration (default 3); the script
# prints a Markdown table of medians and the speed ratio Corridor/SimPy (of median events/s).
#
# Usage: benches/peers/run_peers.sh            (from anywhere inside the repository)
# Environment: RUNS (default 3), SEED (default 1), PYTHON (default python3, used for the venv).
#
# SimPy 4.1.2 is installed into target/peers-venv on first use.
set -euo pipefail

RUNS="${RUNS:-3}"
SEED="${SEED:-1}"
PYTHON="${PYTHON:-python3}"
SIMPY_VERSION="4.1.2"
CONFIGS=("100 20000" "10000 200")

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

echo "Building the HOLD example (release)..." >&2
cargo build --release --example hold >&2
hold_bin="$root/target/release/examples/hold"

venv="$root/target/peers-venv"
if ! "$venv/bin/python" -c "import simpy, sys; sys.exit(simpy.__version__ != '$SIMPY_VERSION')" 2>/dev/null; then
    echo "Installing simpy==$SIMPY_VERSION into $venv..." >&2
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "simpy==$SIMPY_VERSION" >&2
fi
venv_python="$venv/bin/python"

results="$(mktemp)"
trap 'rm -f "$results"' EXIT

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
