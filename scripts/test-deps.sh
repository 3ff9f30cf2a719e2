#!/usr/bin/env bash
# System packages the test suite needs beyond the venv: Debian's chromium for the browser
# test, locale sources for the locale test, PostgreSQL server binaries for the
# knowledge-base and retention tests (tests/kb_fixtures.py starts a throwaway server on
# loopback). Idempotent: installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# install PACKAGE WHY: apt-get install, as root or through sudo; a clear message otherwise.
install() {
    local package=$1 why=$2 sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "test-deps: $why is missing and we are not root (no sudo): install package $package" >&2
            exit 1
        fi
    fi
    echo "test-deps: installing $why (Debian package $package)"
    $sudo apt-get update
    $sudo apt-get install -y --no-install-recommends "$package"
}

# Chromium for the web page's browser test (tests/test_browser.py drives Debian's chromium
# headless through playwright-core; no browser is ever downloaded).
if [ -x /usr/bin/chromium ]; then
    echo "test-deps: chromium present ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
else
    install chromium chromium
    [ -x /usr/bin/chromium ] || { echo "test-deps: chromium installed but /usr/bin/chromium missing" >&2; exit 1; }
fi

# Locale sources for tests/test_locale.py, which compiles de_DE.UTF-8 with localedef into a
# temporary directory (the machine's own locale settings stay untouched).
if [ -f /usr/share/i18n/locales/de_DE ] && command -v localedef >/dev/null; then
    echo "test-deps: locale sources present"
else
    install locales "locale sources"
fi

# PostgreSQL: the Debian package starts a cluster service where it can; the tests run their
# own server.
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "test-deps: PostgreSQL present ($(ls -d /usr/lib/postgresql/*/bin/initdb | head -n1))"
else
    install postgresql PostgreSQL
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || {
        echo "test-deps: postgresql installed but initdb not found" >&2
        exit 1
    }
fi
