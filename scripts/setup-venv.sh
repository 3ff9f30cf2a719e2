#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the pinned dependencies in one resolve.
# Idempotent: the stamp holds a hash of the dependency files; nothing runs when it matches.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=.venv/.deps-stamp
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
    exit 0
fi
python310=$(scripts/find-python.sh)
echo ">> setting up .venv with $python310"
start=$(date +%s)
if [ ! -x .venv/bin/python ]; then
    "$python310" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==24.2" "setuptools==70.3.0" "wheel==0.45.1"
.venv/bin/python -m pip install --quiet -c constraints.txt -e ".[dev]"
.venv/bin/python -m pip check
echo "$want" > "$stamp"
echo ">> .venv ready in $(( $(date +%s) - start ))s"
