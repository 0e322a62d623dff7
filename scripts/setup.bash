#!/usr/bin/env bash
# Set up the Python environment a migration-checks action runs in, and print where it is.
#
#   bash scripts/setup.bash SET        # SET: a requirements/SET.txt lock, e.g. stage-1 or all
#
# Run it (the actions do); do not source it: it sets shell options and exits on error.
# It uses `python3` from PATH (3.11 or newer; MC_BASE_PYTHON names another interpreter), on Linux
# and macOS runners.
#
# Why a venv of our own, and why built like this:
# - The runner's Python belongs to the runner image (and to the user's other steps).
#   Debian/Ubuntu mark it EXTERNALLY-MANAGED (PEP 668), so `pip install` into it fails or needs
#   --break-system-packages, and whatever we installed there would leak into, or clash with, the
#   user's own packages. A venv keeps both sides apart.
# - Everything installed is pinned by hash: pip bootstraps uv from requirements/bootstrap.txt,
#   then uv installs requirements/SET.txt into the venv, both with --require-hashes --no-deps and
#   wheels only, so no unpinned package and no build backend ever runs. migration-checks itself
#   is not installed: the actions run it from this checkout of the action (scripts/mc.py).
# - Nothing comes from the workspace, which holds the pull request under test: we cd to this
#   script's directory, run every Python with -I (isolated: no cwd or user site on sys.path, no
#   PYTHON* variables) and uv with --no-config (no uv.toml/pyproject.toml discovered from the cwd).
# - The venv lives under ${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/migration-checks/, named after
#   SET and the lock's hash, so a self-hosted runner (or several stage jobs on one runner) build it
#   once per lock. It is built beside its final place and renamed into it, with a marker written
#   last, so a half-built venv (a cancelled job) is never reused and concurrent jobs do not clash.
#   A venv is not relocatable by default: its console scripts (sqruff, mypy, ...) would name the
#   build path's python and fail after the rename. pyvenv.cfg says `relocatable = true` before
#   uv installs anything, so uv writes scripts that find the python beside themselves.
# - Nothing is written to GITHUB_ENV or GITHUB_PATH; the venv's python reaches the next step as the
#   step output `python` (and is printed when not in Actions).
set -eEuo pipefail

die() {
  # Rendered when setup cannot go on: one annotation in the log, then a failed step.
  printf '::error title=migration-checks setup::%s\n' "$*"
  exit 1
}
trap 'die "setup.bash failed at line $LINENO (exit $?): $BASH_COMMAND"' ERR

[[ $# -eq 1 ]] || die "usage: setup.bash SET (a requirements/SET.txt lock, e.g. stage-1 or all)"
set_name=$1
[[ $set_name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "bad requirement set name \"$set_name\""

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
cd -- "$here"
requirements=$here/../requirements
lock=$requirements/$set_name.txt
bootstrap=$requirements/bootstrap.txt
[[ -f $lock ]] || die "no lock file for requirement set \"$set_name\" ($lock)"
[[ -f $bootstrap ]] || die "no bootstrap lock ($bootstrap)"

base_python=${MC_BASE_PYTHON:-python3}
command -v -- "$base_python" >/dev/null \
  || die "$base_python not found: migration-checks needs Python 3.11 or newer on PATH (actions/setup-python can provide it)"
if ! "$base_python" -I -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  found=$("$base_python" -I -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo unknown)
  die "migration-checks needs Python 3.11 or newer; $base_python is $found (use actions/setup-python before this action)"
fi

sha256() {
  # Python rather than sha256sum (GNU) or shasum (macOS), so Linux and macOS behave alike.
  "$base_python" -I -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"
}
lock_hash=$(sha256 "$lock")
bootstrap_hash=$(sha256 "$bootstrap")
# What the venv was built from: a venv is reused only when this matches its marker exactly.
identity=$(
  printf 'layout 2 (relocatable scripts)\nlock %s\nbootstrap %s\n' "$lock_hash" "$bootstrap_hash"
  "$base_python" -I -c 'import os, sys; print("python", sys.version.split()[0], os.path.realpath(sys.executable))'
)

cache_root=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/migration-checks
venv=$cache_root/$set_name-${lock_hash:0:16}
marker_name=.migration-checks-complete

complete() {
  # A venv is usable when its marker says it was built from these locks with this Python.
  [[ -f $1/$marker_name ]] && [[ "$(<"$1/$marker_name")" == "$identity" ]] \
    && "$1/bin/python" -I -c '' 2>/dev/null
}

rename() {
  # Atomic, and fails (rather than nesting) when the target exists: os.rename, not mv.
  "$base_python" -I -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' "$1" "$2" 2>/dev/null
}

build() {
  local dir=$1 python=$1/bin/python
  "$base_python" -I -m venv -- "$dir" \
    || die "'$base_python -m venv' failed; on Debian/Ubuntu install python3-venv, or use actions/setup-python"
  printf 'relocatable = true\n' >>"$dir/pyvenv.cfg"
  "$python" -I -m pip install --quiet --disable-pip-version-check --no-input \
    --require-hashes --no-deps --only-binary :all: -r "$bootstrap"
  "$python" -I -m uv --no-config pip install --quiet --python "$python" \
    --require-hashes --no-deps --only-binary :all: -r "$lock"
  printf '%s' "$identity" >"$dir/$marker_name"
}

if complete "$venv"; then
  echo "migration-checks: reusing $venv" >&2
else
  mkdir -p -- "$cache_root"
  staging=$(mktemp -d "$cache_root/.build-$set_name.XXXXXX")
  trap 'rm -rf -- "$staging"' EXIT
  echo "migration-checks: building $venv" >&2
  build "$staging"
  chmod 755 "$staging" # mktemp made it private; the venv is not secret
  if [[ -e $venv ]] && ! complete "$venv"; then
    # Stale (another Python, a cancelled build): move it aside, then delete it.
    stale=$(mktemp -d "$cache_root/.stale-$set_name.XXXXXX")
    rename "$venv" "$stale/venv" || true
    rm -rf -- "$stale"
  fi
  if ! rename "$staging" "$venv"; then
    # Another job finished the same venv first; use theirs (ours is removed on exit).
    complete "$venv" || die "cannot install the venv at $venv"
  fi
fi

python=$venv/bin/python
[[ $python != *$'\n'* ]] || die "the venv path holds a newline: $python"
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  printf 'python=%s\n' "$python" >>"$GITHUB_OUTPUT"
else
  printf '%s\n' "$python"
fi
