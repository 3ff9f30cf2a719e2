#!/usr/bin/env bash
# Installs the Matrix homeserver that tests/test_matrix.py runs on loopback: matrix-synapse
# from PyPI in a venv of its own under var/matrix/synapse (it must not meet Rasa's pins).
# Idempotent: the stamp is written last, so an interrupted install (no stamp) or another
# version is rebuilt; a finished one is reused (35-80 s to install, <1 s when present).
set -euo pipefail
cd "$(dirname "$0")/.."
SYNAPSE_VERSION=1.163.2
dir=var/matrix/synapse
stamp=$dir/.installed-$SYNAPSE_VERSION
mkdir -p var/matrix
exec 9>var/matrix/.synapse-install.lock
flock 9  # two test runs at once install it once
if [ -f "$stamp" ] && [ -x "$dir/bin/python" ]; then
    exit 0
fi
start=$(date +%s)
python=$(scripts/find-python.sh)
echo "matrix-synapse: installing $SYNAPSE_VERSION into $dir"
rm -rf "$dir"
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check \
    "matrix-synapse==$SYNAPSE_VERSION"
"$dir/bin/python" -c "from importlib.metadata import version; import synapse.app.homeserver
assert version('matrix-synapse') == '$SYNAPSE_VERSION'"
touch "$stamp"
echo "matrix-synapse: installed in $(( $(date +%s) - start ))s"
