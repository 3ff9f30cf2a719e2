#!/usr/bin/env bash
# Starts the action server (5055), Rasa (5005: REST + socket.io + configured messengers) and the
# web app: the chat page (8080) and the office console (SMARTCITY_CONSOLE_PORT, default 8090,
# declared in bot/services/processes.py), one process, in the foreground and stops them together
# on Ctrl-C. Called by `make run` after set-up and training. A service that crashes is restarted
# with a growing delay while the others keep serving (bot/services/processes.py).
set -uo pipefail
cd "$(dirname "$0")/.."
RASA_PORT=${RASA_PORT:-5005}
ACTIONS_PORT=${ACTIONS_PORT:-5055}
WEB_PORT=${WEB_PORT:-8080}
WEB_ORIGIN=${WEB_ORIGIN:-http://localhost:$WEB_PORT}
mkdir -p var/log
pids=()
stop() {
    local status=${1:-0}
    trap - INT TERM EXIT
    echo ">> stopping"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null
    exit "$status"
}
trap stop INT TERM EXIT

# Per-instance config in var/run/<rasa port>/: credentials.yml plus the messengers whose
# environment variables are set (README "Channels"), endpoints.yml with $ACTIONS_PORT.
conf=var/run/$RASA_PORT
mkdir -p "$conf"
.venv/bin/python -m bot.services.channels credentials.yml "$conf/credentials.yml" || stop 1
# Endpoint profile (docs/deployment.md): "embedded" (endpoints.yml: SQLite tracker store,
# in-memory lock store) or "production" (deploy/endpoints.production.yml: PostgreSQL tracker
# store, Redis lock store, action servers behind a proxy; its ${VARIABLES} from the environment).
case "${SMARTCITY_PROFILE:-embedded}" in
    embedded) endpoints=endpoints.yml ;;
    production) endpoints=deploy/endpoints.production.yml ;;
    *) echo "SMARTCITY_PROFILE must be 'embedded' or 'production'" >&2; stop 1 ;;
esac
sed "s#localhost:5055#localhost:$ACTIONS_PORT#" "$endpoints" > "$conf/endpoints.yml"

# Conversations, unanswered questions and done contact requests older than
# SMARTCITY_RETENTION_DAYS are deleted (the store Rasa is given, the knowledge-base database),
# at start and then daily, as the page says. A store the purge cannot handle stops the start.
.venv/bin/python -m bot purge --endpoints "$conf/endpoints.yml" || stop 1
( while sleep 86400; do
    .venv/bin/python -m bot purge --endpoints "$conf/endpoints.yml" \
        || echo ">> daily purge failed" >&2
  done ) &
pids+=($!)

# Rasa's HTTP API (/conversations, /model, /status) stays off unless RASA_API_TOKEN is set;
# then every API call needs that token. The Procfile may hold it: only we can read it.
api=""
[ -n "${RASA_API_TOKEN:-}" ] && api="--enable-api --auth-token $RASA_API_TOKEN"
# The web app serves only SMARTCITY_ALLOWED_HOSTS (default: the local names) and binds WEB_HOST
# (page) and SMARTCITY_CONSOLE_HOST (console), both loopback by default; the page's "Delete
# this conversation" erases from Rasa's tracker store.
export WEB_PORT RASA_PORT
(umask 077; cat > "$conf/Procfile" <<PROCFILE
actions: .venv/bin/rasa run actions --actions actions --port $ACTIONS_PORT
rasa: .venv/bin/rasa run --model models/smartcity.tar.gz --port $RASA_PORT --credentials $conf/credentials.yml --endpoints $conf/endpoints.yml --cors $WEB_ORIGIN $api
web: .venv/bin/python -m bot.services.web --console --endpoints $conf/endpoints.yml
PROCFILE
)
console_port=$(.venv/bin/python -c 'from bot.console.settings import console_port; print(console_port())') \
    || stop 1
.venv/bin/python -m bot.services.processes "$conf/Procfile" &
supervisor=$!
pids+=($supervisor)

for _ in $(seq 1 120); do
    if curl -sf "localhost:$RASA_PORT/status" >/dev/null 2>&1 \
        || curl -sf "localhost:$RASA_PORT/" >/dev/null 2>&1; then
        break
    fi
    sleep 1
done
cat <<MSG

================================================================
 SMARTCity Gera assistant is up.
   REST:      curl -s localhost:$RASA_PORT/webhooks/rest/webhook \\
                -d '{"sender":"me","message":"Hallo"}'
   socket.io: http://localhost:$RASA_PORT/socket.io
   web chat:  http://localhost:$WEB_PORT/
   actions:   http://localhost:$ACTIONS_PORT/health
   console:   http://localhost:$console_port/  (staff; accounts:
              .venv/bin/python -m bot staff add NAME --role office|editor)
 A crashed service is restarted; Ctrl-C stops everything.
================================================================
MSG
wait "$supervisor"
echo ">> the supervisor exited; stopping"
stop 1
