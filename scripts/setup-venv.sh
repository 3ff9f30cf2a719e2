#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies in one resolve.
# Idempotent: the stamp holds a hash of the dependency files; nothing runs when it matches.
#
# Self-repairing: an interrupted set-up (Ctrl-C, a lost terminal, a killed process) never
# leaves a .venv that later runs trust. `.venv/.setup-incomplete` is written before anything
# is changed and removed only when the venv is complete; a venv that has that marker, has no
# working python or no pip (e.g. `python -m venv` stopped before it bootstrapped pip) is
# moved aside and created again. The stamp is written last. (A venv cannot be built elsewhere
# and renamed into place: its scripts hold absolute paths.)
#
# SMARTCITY_VENV names another venv directory (relative to the repository); the tests use it.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SMARTCITY_VENV:-.venv}
stamp=$venv/.deps-stamp
marker=$venv/.setup-incomplete
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)

# Leftovers of a removal that was itself interrupted.
for old in "$venv".broken-*; do
    [ -e "$old" ] && rm -rf "$old"
done

usable() {
    [ -d "$venv" ] && [ ! -e "$marker" ] && [ -f "$venv/pyvenv.cfg" ] && [ -x "$venv/bin/python" ] \
        && "$venv/bin/python" -c 'import pip, sys; sys.exit(sys.version_info[:2] != (3, 10))' \
            >/dev/null 2>&1
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && usable; then
    exit 0
fi

if [ -e "$venv" ] && ! usable; then
    echo ">> $venv is incomplete (an earlier set-up was interrupted): removing it"
    # Renaming is atomic; a removal interrupted half-way then leaves only a .broken-* dir.
    trash="$venv.broken-$$"
    mv "$venv" "$trash"
    rm -rf "$trash"
fi

python310=$(scripts/find-python.sh)
echo ">> setting up $venv with $python310"
start=$(date +%s)
rm -f "$stamp"
if [ ! -d "$venv" ]; then
    mkdir -p "$venv"
    : > "$marker"
    "$python310" -m venv "$venv"
else
    : > "$marker"
fi
"$venv/bin/python" -m pip install --quiet --upgrade "pip==24.2" "setuptools==70.3.0" "wheel==0.45.1"
"$venv/bin/python" -m pip install --quiet -c constraints.txt -e ".[dev]"
"$venv/bin/python" -m pip check
rm -f "$marker"
echo "$want" > "$stamp"
echo ">> $venv ready in $(( $(date +%s) - start ))s"
