#!/usr/bin/env bash
# Checks that a change is a pure restructuring: every result file of every shipped scenario (and of
# the compare, sweep, sensitivity, shard/merge and plot commands) is the same as a baseline
# commit's.
#
#   bash .ci/identical.sh [BASELINE_REV]      (default: e1bac16, main before issue 12)
#
# Builds BASELINE_REV in a git worktree (its own target dir, kept between calls) and the working
# tree, runs the same commands with both from directories laid out identically (so the recorded
# command lines match), and compares:
#   - every non-JSON file (CSV, SVG, PNG, HTML, the printed tables) byte for byte, but for the
#     wall time printed by `run` and in report.html;
#   - JSON files (and the JSON lines inside replications.jsonl.gz) as the set of their leaf values,
#     ignoring `wall_time_s`, `format_version` and `command_line` (which compare.json gained): a schema change that moves, renames or
#     de-duplicates fields passes, a changed number or string does not.
# Exit code 0 when everything matches, 1 with the list of differences otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
base_rev=${1:-e1bac16}
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

echo "== building the baseline ($base_rev) and the working tree"
git worktree add --detach "$work/base-src" "$base_rev" >/dev/null 2>&1
(cd "$work/base-src" && CARGO_TARGET_DIR="$repo/target/identical-base" cargo build --release --quiet --bin corridor)
cargo build --release --quiet --bin corridor
mkdir -p "$work/bin-old" "$work/bin-new"
cp "$repo/target/identical-base/release/corridor" "$work/bin-old/corridor"
cp "$repo/target/release/corridor" "$work/bin-new/corridor"

run_suite() {
  local root=$1
  mkdir -p "$root"
  cp -r "$repo/scenarios" "$root/scenarios"
  mkdir -p "$root/peers" && cp "$repo"/benches/peers/*.toml "$root/peers/"
  cd "$root"
  corridor run -r 4 --seed 3 --out run-default > run-default.txt
  for s in scenarios/*.toml peers/*.toml; do
    name=$(basename "$s" .toml)
    corridor run "$s" -r 3 --seed 11 --out "run-$name" > "run-$name.txt"
    corridor params "$s" > "params-$name.txt"
  done
  corridor run -r 4 --seed 5 --set node.khorgos-gateway.servers=3 --out run-set > run-set.txt
  corridor run -q -r 4 --shard 0/2 --out shard-0
  corridor run -q -r 4 --shard 1/2 --out shard-1
  corridor merge -q shard-0 shard-1 --out merged
  rm -r merged/charts merged/report.html
  corridor plot merged > plot.txt
  corridor compare -q scenarios/middle_corridor.toml scenarios/aktau_modernization.toml -r 4 --out compare > compare.txt
  corridor sweep scenarios/storm_sensitivity.toml -q -r 3 --out sweep > sweep.txt
  corridor sensitivity scenarios/uncertainty.toml -q -r 3 --trajectories 2 --out sensitivity > sensitivity.txt
  corridor print-default > print-default.txt
}

echo "== running the suite with both"
(PATH="$work/bin-old:$PATH" run_suite "$work/old")
(PATH="$work/bin-new:$PATH" run_suite "$work/new")

echo "== comparing"
python3 - "$work/old" "$work/new" <<'PY'
import gzip, json, os, re, sys
old, new = sys.argv[1], sys.argv[2]
# wall_time_s varies; format_version is new; command_line is compared in report.html and the
# printed output, while compare.json gained one with the shared provenance (issue 12).
# shard.json gained `sha256`, the checksum of its data file (whose content is compared below as
# JSON lines), and its `format` became corridor-shard/3 with it (issue 13).
IGNORED = {"wall_time_s", "format_version", "command_line", "sha256", "format"}

def leaves(value, out, key=None):
    if key in IGNORED:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            leaves(v, out, k)
    elif isinstance(value, list):
        for v in value:
            leaves(v, out, key)
    else:
        out.add(json.dumps(value))

def json_leaves(path):
    out = set()
    if path.endswith(".gz"):
        with gzip.open(path, "rt") as f:
            for line in f:
                if line.strip():
                    leaves(json.loads(line), out)
    else:
        with open(path) as f:
            leaves(json.load(f), out)
    return out

def wall(data):
    # The printed and reported wall time ("(0.01 s, 75550 events)", "in 0.01 s of simulation").
    return re.sub(rb"\d+\.\d+ s(,| of simulation)", rb"T s\1", data)

def files(root):
    found = set()
    for d, _, names in os.walk(root):
        for n in names:
            found.add(os.path.relpath(os.path.join(d, n), root))
    return found

a, b = files(old), files(new)
problems = [f"only in baseline: {p}" for p in sorted(a - b)] + [f"only in new: {p}" for p in sorted(b - a)]
checked = 0
for p in sorted(a & b):
    po, pn = os.path.join(old, p), os.path.join(new, p)
    if p.endswith(".json") or p.endswith(".jsonl.gz"):
        lo, ln = json_leaves(po), json_leaves(pn)
        if lo != ln:
            problems.append(f"{p}: values differ; baseline only: {sorted(lo - ln)[:5]}; new only: {sorted(ln - lo)[:5]}")
    else:
        with open(po, "rb") as f1, open(pn, "rb") as f2:
            if wall(f1.read()) != wall(f2.read()):
                problems.append(f"{p}: bytes differ")
    checked += 1
for p in problems:
    print("DIFF", p)
print(f"{checked} files compared, {len(problems)} differences")
sys.exit(1 if problems else 0)
PY
