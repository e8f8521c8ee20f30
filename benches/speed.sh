#!/usr/bin/env bash
# Regenerates the measured tables of the README's "Speed" section on this machine, so that every
# figure there comes from one run of one script (issue 15): run it on an idle machine, read the
# tables, then write them into README.md with --write.
#
#   bash benches/speed.sh            prints the tables (Markdown) and where they go
#   bash benches/speed.sh --write    also replaces each block between its markers in README.md
#                                    (<!-- speed:NAME --> ... <!-- /speed:NAME -->)
#
# The blocks:
#   hold        the HOLD event-list benchmark against SimPy (benches/peers/run_peers.sh hold)
#   peers       the CORRIDOR reference model, cases A and B, against SimPy (run_peers.sh corridor)
#   parallel    replications a second of the built-in scenario on 1 and 2 threads
#               (examples/replications)
#   commands    wall time of each command on 1 and 2 threads (-j), and the speedup: run, compare,
#               sweep, sensitivity, capacity, each on the scenario the README uses for it
#   memory      peak resident memory (/usr/bin/time -v) of run, shards and merge of MEMORY_REPS
#               replications of the built-in scenario
#
# Environment: QUICK=1 (small sizes: checks that the script works, the figures mean nothing),
# PARTS="hold peers parallel commands memory" (a subset), MEMORY_REPS (default 10000),
# PARALLEL_REPS (default 1000), SEEDS (peers, default 20), RUNS (hold, default 3), REPEATS (commands: the best of
# how many runs of each, default 3).
# Needs python3 (and, for hold and peers, PyPI for SimPy) and GNU time (/usr/bin/time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

write=false
if [ "${1:-}" = "--write" ]; then write=true; fi
PARTS=${PARTS:-"hold peers parallel commands memory"}
if [ -n "${QUICK:-}" ]; then
  MEMORY_REPS=${MEMORY_REPS:-20}
  PARALLEL_REPS=${PARALLEL_REPS:-20}
  export SEEDS=${SEEDS:-2} RUNS=${RUNS:-1}
  scale=1
else
  MEMORY_REPS=${MEMORY_REPS:-10000}
  PARALLEL_REPS=${PARALLEL_REPS:-1000}
  scale=4
fi

echo "Building (release)..." >&2
cargo build --release --quiet --bin corridor --example replications >&2
bin="$root/target/release/corridor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
blocks="$work/blocks"
mkdir "$blocks"
cat >"$work/parallel.py" <<'PY'
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(
        f"| {r['scenario']} | {r['replications']:,} | {r['threads']} | "
        f"{r['replications_per_s']:,.0f} | {r['ms_per_replication_per_thread']:.2f} | "
        f"{r['speedup']:.2f}x |"
    )
PY

machine() {
  local cpu
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
  echo "$(nproc) cores ($cpu), $(date -u +%Y-%m-%d), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
header="Measured by \`bash benches/speed.sh\` on $(machine)."

# Wall seconds of a command (its output discarded): the best of REPEATS runs (default 3). The
# work is deterministic, so the spread between runs is interference from other processes on the
# shared machine, and the fastest run is the closest to the command's own time; a single run
# taken while anything else ran understates the speedup of 2 threads most.
seconds() {
  local best="" start end t
  for _ in $(seq "${REPEATS:-3}"); do
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1 </dev/null
    end=$(date +%s.%N)
    t=$(python3 -c "print(f'{$end - $start:.3f}')")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
  done
  python3 -c "print(f'{$best:.2f}')"
}

for part in $PARTS; do
  echo "== $part" >&2
  case "$part" in
  hold)
    {
      echo "$header"
      echo
      bash benches/peers/run_peers.sh hold 2>/dev/null
    } >"$blocks/hold.md"
    ;;
  peers)
    {
      echo "$header"
      echo
      bash benches/peers/run_peers.sh corridor 2>/dev/null
    } >"$blocks/peers.md"
    ;;
  parallel)
    {
      echo "$header"
      echo
      echo "| scenario | replications | threads | replications/s | ms per replication per thread | speedup |"
      echo "|---|---:|---:|---:|---:|---:|"
      cargo run --release --quiet --example replications -- --replications "$PARALLEL_REPS" \
        --threads 1,2 --repeats 3 2>/dev/null | python3 "$work/parallel.py"
    } >"$blocks/parallel.md"
    ;;
  commands)
    r=$((5 * scale))
    hub=scenarios/whole/aktau_hub_2026.toml
    flows=china-europe-west,europe-china-east
    {
      echo "$header"
      echo
      echo "Wall seconds, the best of ${REPEATS:-3} runs each."
      echo
      echo "| command | 1 thread s | 2 threads s | speedup |"
      echo "|---|---:|---:|---:|"
      while IFS='|' read -r label args; do
        read -ra argv <<<"$args"
        t1=$(seconds "$bin" "${argv[@]}" -j 1 -q --force --out "$work/c1")
        t2=$(seconds "$bin" "${argv[@]}" -j 2 -q --force --out "$work/c2")
        echo "| \`$label\` | $t1 | $t2 | $(python3 -c "print(f'{$t1 / $t2:.2f}x')") |"
      done <<EOF
corridor run -r $((20 * scale)) --no-charts|run -r $((20 * scale)) --no-charts
corridor compare BASE HUB -r $((10 * scale)) --no-charts|compare scenarios/whole_corridor.toml $hub -r $((10 * scale)) --no-charts
corridor compare BASE HUB --demand 1,2 --flows ... -r $r --no-charts|compare scenarios/whole_corridor.toml $hub --demand 1,2 --flows $flows -r $r --no-charts
corridor sweep scenarios/storm_sensitivity.toml -r $r --no-charts|sweep scenarios/storm_sensitivity.toml -r $r --no-charts
corridor sensitivity scenarios/uncertainty.toml -r $r --trajectories 2 --no-charts|sensitivity scenarios/uncertainty.toml -r $r --trajectories 2 --no-charts
EOF
      # capacity writes no directory: its own flags.
      t1=$(seconds "$bin" capacity --flows "$flows" -r "$r" --years 1 -j 1 -q)
      t2=$(seconds "$bin" capacity --flows "$flows" -r "$r" --years 1 -j 2 -q)
      echo "| \`corridor capacity --flows ... -r $r --years 1\` | $t1 | $t2 | $(python3 -c "print(f'{$t1 / $t2:.2f}x')") |"
    } >"$blocks/commands.md"
    ;;
  memory)
    n=$MEMORY_REPS
    peak() {
      /usr/bin/time -v "$@" 2>&1 >/dev/null </dev/null |
        awk '/Maximum resident set size/ {kb=$NF} /Elapsed \(wall clock\)/ {w=$NF} END {printf "%.1f MB | %s", kb/1024, w}'
    }
    {
      echo "$header"
      echo
      echo "| command ($n replications of the built-in scenario) | peak memory | wall time (m:s) |"
      echo "|---|---:|---:|"
      echo "| \`corridor run -q -r $n\` (charts and report drawn) | $(peak "$bin" run -q -r "$n" --out "$work/m-run") |"
      echo "| \`corridor run -q -r $n --no-charts\` | $(peak "$bin" run -q -r "$n" --no-charts --out "$work/m-plain") |"
      half=$((n / 2))
      s0=$(peak "$bin" run -q -r "$n" --shard 0/2 --threads 1 --out "$work/m-shard-0")
      s1=$(peak "$bin" run -q -r "$n" --shard 1/2 --threads 1 --out "$work/m-shard-1")
      echo "| \`corridor run -q -r $n --shard I/2 --threads 1\` (each shard, $half replications) | ${s0%% |*}, ${s1%% |*} | ${s0##*| }, ${s1##*| } |"
      echo "| \`corridor merge -q DIR/shard-* --out DIR/merged\` (charts drawn) | $(peak "$bin" merge -q "$work"/m-shard-* --out "$work/m-merged") |"
    } >"$blocks/memory.md"
    ;;
  *)
    echo "unknown part $part; the parts are: hold peers parallel commands memory" >&2
    exit 2
    ;;
  esac
  cat "$blocks/$part.md"
  echo
done

if $write; then
  python3 - "$blocks" README.md <<'PY'
import os, re, sys
blocks, readme = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
for name in sorted(os.listdir(blocks)):
    part = name[:-3]
    body = open(os.path.join(blocks, name), encoding="utf-8").read().strip()
    pattern = re.compile(r"(<!-- speed:%s -->\n).*?(\n<!-- /speed:%s -->)" % (part, part), re.S)
    if not pattern.search(text):
        sys.exit(f"{readme}: no <!-- speed:{part} --> ... <!-- /speed:{part} --> block")
    text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    print(f"wrote the {part} block", file=sys.stderr)
open(readme, "w", encoding="utf-8").write(text)
PY
fi
