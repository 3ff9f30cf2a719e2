#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it: lint, Rasa data validation, pytest (unit
# tests, knowledge-base tests, tests against the trained model and the running stack) and
# Rasa's end-to-end test stories. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
mkdir -p var/results

echo ">> test dependencies (PostgreSQL, Chromium)"
scripts/test-deps.sh

echo ">> ruff"
.venv/bin/ruff check bot actions tests scripts

echo ">> rasa data validate"
# Fails on errors and on every warning except "utterance ... not used in any story or
# rule": responses filled by custom actions are used from Python, which the validator
# cannot see (tests/test_domain.py checks that each of them really is used).
.venv/bin/rasa data validate --data data/nlu data/dialogue --domain domain.yml \
    --config config.yml > var/results/validate.log 2>&1 || { cat var/results/validate.log; exit 1; }
if grep -E "UserWarning|ERROR" var/results/validate.log | grep -v "is not used in any story or rule"; then
    echo "rasa data validate reported warnings (above): failing"; exit 1
fi

echo ">> pytest"
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi
[ "$rc" -eq 0 ] || exit "$rc"

echo ">> rasa test stories (fail on prediction errors)"
scripts/rasa-test-stories.sh

echo ">> make test passed in $(( $(date +%s) - start ))s"
