#!/usr/bin/env bash
# `make test-cluster`: the production topology's acceptance tests (tests/test_cluster.py:
# continuity across replicas, a replica killed, action servers stopped/killed/hung, 50x20 load,
# hostile input, API exposure, a whole-cluster restart). Starts the cluster, runs the tests,
# stops the cluster again (also on failure). Figures go to var/results/cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
trap 'scripts/cluster.sh stop || true' EXIT
scripts/cluster.sh start
set +e
SMARTCITY_CLUSTER_TESTS=1 .venv/bin/python -m pytest -m cluster tests/test_cluster.py "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "pytest collected no cluster tests: failing"; exit 1; fi
echo ">> make test-cluster finished in $(( $(date +%s) - start ))s (pytest exit $rc)"
exit "$rc"
