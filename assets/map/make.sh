#!/usr/bin/env bash
# Remakes corridor_map.txt from the npm package world-atlas (Natural Earth 1:50m, public domain).
# Run once by hand when the map data should change; the build and the tests never run it and
# never need the network: src/plot/charts/map.rs embeds the committed corridor_map.txt.
set -euo pipefail
cd "$(dirname "$0")"
version=2.0.2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "world-atlas@$version" >/dev/null && tar xzf "world-atlas-$version.tgz")
python3 make.py "$work/package" > corridor_map.txt
echo "corridor_map.txt: $(wc -c < corridor_map.txt) bytes"
