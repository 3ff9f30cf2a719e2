#!/usr/bin/env bash
# Runs Rasa's test stories against the trained model with an action server on a spare port.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${TEST_ACTIONS_PORT:-15155}
mkdir -p var/results
cat > var/test-endpoints.yml <<YAML
action_endpoint:
  url: "http://localhost:$port/webhook"
YAML
.venv/bin/rasa run actions --actions actions --port "$port" > var/results/actions-stories.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 1; done
.venv/bin/rasa test core --model models/smartcity.tar.gz --stories tests/stories \
    --endpoints var/test-endpoints.yml --out var/results/stories \
    --fail-on-prediction-errors
