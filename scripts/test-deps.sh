#!/usr/bin/env bash
# System packages the test suite needs beyond the venv: Debian's chromium for the browser
# test, PostgreSQL server binaries for the knowledge-base repository tests
# (tests/kb_fixtures.py starts a throwaway server on loopback).
# Idempotent: installs only what is missing.
set -euo pipefail

# Chromium for the web page's browser test (tests/test_browser.py drives Debian's chromium
# headless through playwright-core; no browser is ever downloaded). Runs first because the
# PostgreSQL section below exits early when PostgreSQL is present.
if [ -x /usr/bin/chromium ]; then
    echo "test-deps: chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
else
    chromium_sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then chromium_sudo="sudo"; else
            echo "test-deps: chromium is missing and we are not root (no sudo): install package chromium" >&2
            exit 1
        fi
    fi
    echo "test-deps: installing chromium (Debian package chromium)"
    DEBIAN_FRONTEND=noninteractive $chromium_sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $chromium_sudo apt-get install -y --no-install-recommends chromium
    [ -x /usr/bin/chromium ] || { echo "test-deps: chromium installed but /usr/bin/chromium missing" >&2; exit 1; }
fi

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "test-deps: PostgreSQL present ($(ls -d /usr/lib/postgresql/*/bin/initdb | head -n1))"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
        echo "test-deps: PostgreSQL is missing and we are not root (no sudo): install package postgresql" >&2
        exit 1
    fi
fi
echo "test-deps: installing PostgreSQL (Debian package postgresql)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends postgresql
# The Debian package starts a cluster service where it can; the tests run their own server.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || {
    echo "test-deps: postgresql installed but initdb not found" >&2
    exit 1
}
