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
# - Everything installed is pinned by hash: uv (requirements/bootstrap.txt) installs
#   requirements/SET.txt into the venv with --require-hashes --no-deps and wheels only, so no
#   unpinned package and no build backend ever runs. migration-checks itself is not installed: the
#   actions run it from this checkout of the action (scripts/mc.py).
# - Nothing comes from the workspace, which holds the pull request under test: we cd to this
#   script's directory, run every Python with -I (isolated: no cwd or user site on sys.path, no
#   PYTHON* variables) and uv with --no-config (no uv.toml/pyproject.toml discovered from the cwd)
#   and without any UV_* variable.
# - Nothing installed is ever reused. Stage 3 runs the pull request's own code as the runner's user,
#   and that code can write anywhere this user can: into a venv of the tool cache, into uv's or
#   pip's cache, or a directory made in advance where a later step would look. Whatever a later
#   step or job executes (the gate holds a token, the dry run database credentials) must therefore
#   be checked again when it is installed. So every run builds a new venv in a new private
#   directory (mktemp -d: an unpredictable name, mode 0700) under $RUNNER_TEMP (else $TMPDIR or
#   /tmp), and pip and uv run without their shared caches (uv's cache is private to the build and
#   deleted after it): a cached, already unpacked wheel would be linked in without its hash being
#   checked again.
# - What is shared, for speed, is a wheelhouse of wheel archives:
#   ${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/migration-checks/wheels. Anyone may have written
#   into it, so it is trusted for nothing: uv installs from it with --no-index --find-links and
#   --require-hashes, and refuses a wheel whose bytes do not match the lock's sha256 ("Hash
#   mismatch", before it installs anything; tests/actions/test_setup_venv.py checks it). uv itself
#   is taken from a uv wheel of the wheelhouse only when that wheel's sha256 is in bootstrap.txt;
#   its binary is extracted from the bytes that were hashed, and runs from the private directory.
# - When the wheelhouse lacks a wheel of the set, or holds one that was refused, the locked wheels
#   are downloaded afresh (`pip download --require-hashes --only-binary :all: --no-deps`, with the
#   base Python's pip, or its ensurepip's in a throwaway venv) into the private directory, installed
#   from there, and then copied into the wheelhouse, each file only when its sha256 is in the locks.
#   pip honours the runner's pip configuration (a mirror, a proxy): the hashes decide, not the index.
# - The venv's pyvenv.cfg says `relocatable = true` before uv installs anything, so its console
#   scripts (sqruff, mypy, ...) find the python beside themselves, wherever the venv is seen from.
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

# uv reads UV_* variables (an index, a link mode, hash checking); it installs offline from files
# here, with every setting on its command line.
for name in $(compgen -e); do
  if [[ $name == UV_* ]]; then unset -- "$name"; fi
done

wheelhouse=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/migration-checks/wheels
temp_root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
build=$(mktemp -d "${temp_root%/}/migration-checks-$set_name.XXXXXXXXXX") \
  || die "cannot make a private directory under $temp_root"
venv=$build/venv # the one thing kept
work=$build/work # uv, its cache, the downloads: deleted on exit
finished=0
cleanup() {
  rm -rf -- "$work"
  if ((!finished)); then rm -rf -- "$build"; fi
}
trap cleanup EXIT
mkdir -- "$work"

extract_uv() {
  # Write uv's binary to $work/uv from the first wheel in the given directories whose sha256 is
  # in bootstrap.txt and whose binary runs here; fail when there is none.
  "$base_python" -I -c '
import hashlib, io, os, pathlib, re, subprocess, sys, zipfile
lock, out, *dirs = sys.argv[1:]
text = pathlib.Path(lock).read_text()
version = re.search(r"^uv==([^\s;\\]+)", text, re.M)[1]
allowed = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", text))
for path in sorted(p for d in dirs for p in pathlib.Path(d).glob(f"uv-{version}-*.whl")):
    try:
        data = path.read_bytes()  # read once: what is extracted is what was hashed
        if hashlib.sha256(data).hexdigest() not in allowed:
            continue
        archive = zipfile.ZipFile(io.BytesIO(data))
        (member,) = [n for n in archive.namelist() if re.fullmatch(r"uv-[^/]*\.data/scripts/uv", n)]
        pathlib.Path(out).unlink(missing_ok=True)
        with open(out, "xb") as binary:
            binary.write(archive.read(member))
        os.chmod(out, 0o700)
        if subprocess.run([out, "--version"], capture_output=True).returncode == 0:
            sys.exit(0)
    except (OSError, ValueError, zipfile.BadZipFile):
        continue
sys.exit(1)
' "$bootstrap" "$work/uv" "$@"
}

new_venv() {
  rm -rf -- "$venv"
  # No pip in it: the locks install pip where a set needs it (stage 4's pip-api).
  "$base_python" -I -m venv --without-pip -- "$venv" \
    || die "'$base_python -m venv' failed; on Debian/Ubuntu install python3-venv, or use actions/setup-python"
  printf 'relocatable = true\n' >>"$venv/pyvenv.cfg"
}

install_from() {
  # Install the set from the wheel archives in $1; uv refuses any whose sha256 is not the lock's.
  rm -rf -- "$work/cache"
  "$work/uv" --no-config pip install --quiet --python "$venv/bin/python" \
    --cache-dir "$work/cache" --no-index --find-links "$1" \
    --require-hashes --no-deps --only-binary :all: -r "$lock" 2>"$work/install.log"
}

download() {
  # The locked wheels of this platform and Python, from the index, hash-checked by pip: the base
  # Python's pip (`pip download` installs nothing), else the one its ensurepip puts in a venv.
  local pip_python=$base_python
  if ! "$base_python" -I -m pip --version >/dev/null 2>&1; then
    "$base_python" -I -m venv -- "$work/pip" \
      || die "'$base_python -m venv' failed; on Debian/Ubuntu install python3-venv, or use actions/setup-python"
    pip_python=$work/pip/bin/python
  fi
  if ! "$pip_python" -I -m pip download --quiet --disable-pip-version-check --no-input \
    --no-cache-dir --require-hashes --no-deps --only-binary :all: --dest "$work/download" \
    -r "$bootstrap" -r "$lock" >"$work/download.log" 2>&1; then
    cat -- "$work/download.log" >&2
    die "cannot download the wheels of requirements/$set_name.txt (see the pip output above)"
  fi
}

publish() {
  # Copy each downloaded wheel whose sha256 is in the locks into the wheelhouse, atomically
  # (a new file renamed over the old name), for the next setup to install from.
  "$base_python" -I -c '
import hashlib, os, pathlib, re, sys, tempfile
wheelhouse, download, *locks = sys.argv[1:]
pattern = r"--hash=sha256:([0-9a-f]{64})"
allowed = {h for lock in locks for h in re.findall(pattern, pathlib.Path(lock).read_text())}
os.makedirs(wheelhouse, exist_ok=True)
for path in sorted(pathlib.Path(download).glob("*.whl")):
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() not in allowed:
        continue
    fd, incoming = tempfile.mkstemp(dir=wheelhouse, prefix=".incoming-")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.chmod(incoming, 0o644)
    os.replace(incoming, os.path.join(wheelhouse, path.name))
' "$wheelhouse" "$work/download" "$bootstrap" "$lock"
}

echo "migration-checks: building a venv for $set_name in $build" >&2
new_venv
if extract_uv "$wheelhouse" && install_from "$wheelhouse"; then
  echo "migration-checks: installed from the wheelhouse $wheelhouse" >&2
else
  if [[ -s $work/install.log ]]; then
    echo "migration-checks: the wheelhouse cannot serve $set_name:" >&2
    cat -- "$work/install.log" >&2
  fi
  echo "migration-checks: downloading the locked wheels" >&2
  new_venv
  download
  extract_uv "$work/download" || die "no wheel of requirements/bootstrap.txt gives a uv that runs here"
  if ! install_from "$work/download"; then
    cat -- "$work/install.log" >&2
    die "cannot install requirements/$set_name.txt (see uv's output above)"
  fi
  publish || echo "migration-checks: could not store the wheels in $wheelhouse (setup goes on)" >&2
fi

python=$venv/bin/python
[[ $python != *$'\n'* ]] || die "the venv path holds a newline: $python"
"$python" -I -c '' || die "the new venv's python does not run: $python"
finished=1
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  printf 'python=%s\n' "$python" >>"$GITHUB_OUTPUT"
else
  printf '%s\n' "$python"
fi
