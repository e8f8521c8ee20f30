#!/usr/bin/env bash
# Runs the README's examples exactly as printed, in order, in a fresh copy of the repository, as a
# newcomer would type them after cloning: every ```sh block that the line just before it marks
# with `<!-- ci: run -->` (the marker is an HTML comment, invisible on the rendered page).
# Blocks without the marker (the usage synopsis, `cargo test`, which CI runs by itself) are listed
# and not run.
#
#   bash .ci/readme.sh [README]          (default: README.md)
#
# The copy is the tracked files of the working tree (`git ls-files`) in a new temporary
# directory. The build is shared with this checkout (CARGO_TARGET_DIR, so `cargo install` does
# not compile twice) and `cargo install` installs into the temporary directory (its bin/ is put
# first on PATH), so nothing outside the copy changes. Exit code 0 when every block succeeds;
# otherwise the failing block and command are named.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
readme=${1:-README.md}
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

# The marked blocks, one script each, in README order.
python3 - "$readme" "$work/blocks" <<'PY'
import os, sys
readme, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
lines = open(readme, encoding="utf-8").read().split("\n")
marked, skipped, i = 0, [], 0
while i < len(lines):
    if lines[i].strip() == "```sh":
        start = i
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            sys.exit(f"{readme}:{start + 1}: a ```sh block that is never closed")
        before = lines[start - 1].strip() if start > 0 else ""
        if before == "<!-- ci: run -->":
            marked += 1
            with open(os.path.join(out, f"{marked:03}-line-{start + 1}.sh"), "w") as f:
                f.write("\n".join(body) + "\n")
        else:
            skipped.append(start + 1)
    i += 1
if marked == 0:
    sys.exit(f"{readme}: no ```sh block is marked <!-- ci: run -->")
print(f"{marked} blocks marked to run; not run (unmarked): lines {', '.join(map(str, skipped)) or 'none'}")
PY

mkdir "$work/clone"
git ls-files -z | (cd "$repo" && xargs -0 cp --parents -t "$work/clone")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export CARGO_INSTALL_ROOT="$work/install"
export PATH="$work/install/bin:$PATH"
cd "$work/clone"
for block in "$work"/blocks/*.sh; do
  name=$(basename "$block" .sh)
  echo "== README block ${name#*-} (in a fresh copy: $work/clone)"
  sed 's/^/   $ /' "$block"
  # -e: a failing command fails the block; -x: show each command as it runs.
  if ! bash -ex "$block" >"$work/$name.log" 2>&1; then
    echo "FAILED: README block ${name#*-}; its output:" >&2
    tail -n 40 "$work/$name.log" >&2
    exit 1
  fi
done
echo "every marked README block ran"
