#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter (rasa 3.6 supports 3.8-3.10 only).
set -euo pipefail
is310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }
for candidate in "${PYTHON310:-}" "$(command -v python3.10 2>/dev/null || true)"; do
    if [ -n "$candidate" ] && is310 "$candidate"; then echo "$candidate"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10.*/bin/python; do
        if [ -x "$candidate" ] && is310 "$candidate"; then echo "$candidate"; exit 0; fi
    done
fi
for candidate in "$HOME"/.pyenv/versions/3.10.*/bin/python /usr/bin/python3.10 /usr/local/bin/python3.10; do
    if [ -x "$candidate" ] && is310 "$candidate"; then echo "$candidate"; exit 0; fi
done
cat >&2 <<'MSG'
ERROR: no Python 3.10 interpreter found.
Rasa 3.6 (the last open-source Rasa) runs on Python 3.8-3.10 only.
Install Python 3.10, e.g. `pyenv install 3.10` or your distribution's python3.10 package
(with venv), or point PYTHON310=/path/to/python3.10 at one, then run make again.
MSG
exit 1
