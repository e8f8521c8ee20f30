#!/usr/bin/env bash
# Redraws the README's charts with the tool itself, from the repository root:
#
#   bash docs/images/make.sh                 (CORRIDOR=target/debug/corridor to use another binary)
#
# Charts are 1600x900 PNGs, the default size; the same seed gives the same pictures, byte for byte.
set -euo pipefail
cd "$(dirname "$0")/../.."
corridor=${CORRIDOR:-corridor}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The built-in scenario (the whole corridor), 20 replications: four of the run charts.
"$corridor" run -q -r 20 --out "$out/run"
cp "$out/run/charts/corridor_map.png" "$out/run/charts/throughput.png" \
  "$out/run/charts/where_the_days_go.png" "$out/run/charts/node_queues.png" docs/images/
# The Aktau hub against the whole corridor, 40 paired replications.
"$corridor" compare -q scenarios/whole_corridor.toml scenarios/whole/aktau_hub_2026.toml -r 40 \
  --out "$out/compare"
cp "$out/compare/charts/compare.png" docs/images/compare_aktau.png
# The Aktau hub with 12 feeders across demand levels (README, "How much capacity does the Aktau
# hub add?").
"$corridor" compare -q scenarios/whole/feeders_12.toml scenarios/whole/aktau_hub_feeders_12.toml \
  --demand 1,1.5,2,2.5,3 --flows china-europe-west,europe-china-east -r 10 --out "$out/hub-demand"
cp "$out/hub-demand/charts/demand.png" docs/images/hub_demand.png
# The storm sweep of the Kazakh-section scenario.
"$corridor" sweep -q scenarios/storm_sensitivity.toml --out "$out/storms"
cp "$out/storms/charts/sweep.png" docs/images/storm_sensitivity.png
echo "redrew docs/images/{corridor_map,throughput,where_the_days_go,node_queues,compare_aktau,hub_demand,storm_sensitivity}.png"
