#!/usr/bin/env bash
# Starts the action server (5055), Rasa (5005: REST + socket.io + configured messengers) and
# the web chat page (8080) in the foreground and stops them together on Ctrl-C. Called by
# `make run` after set-up and training.
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
sed "s#localhost:5055#localhost:$ACTIONS_PORT#" endpoints.yml > "$conf/endpoints.yml"

# Conversations older than SMARTCITY_RETENTION_DAYS are deleted from the store Rasa is given,
# at start and then daily, as the page says. A store the purge cannot handle stops the start.
.venv/bin/python -m bot trackers purge --endpoints "$conf/endpoints.yml" || stop 1
( while sleep 86400; do
    .venv/bin/python -m bot trackers purge --endpoints "$conf/endpoints.yml" \
        || echo ">> daily purge failed" >&2
  done ) &
pids+=($!)

.venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" &
pids+=($!)
.venv/bin/rasa run --model models/smartcity.tar.gz --port "$RASA_PORT" \
    --credentials "$conf/credentials.yml" --endpoints "$conf/endpoints.yml" \
    --cors "$WEB_ORIGIN" &
pids+=($!)
# The page serves only SMARTCITY_ALLOWED_HOSTS (default: the local names) and binds WEB_HOST
# (default: loopback); its "Delete this conversation" erases from Rasa's tracker store.
WEB_PORT="$WEB_PORT" RASA_PORT="$RASA_PORT" .venv/bin/python -m bot.services.web \
    --endpoints "$conf/endpoints.yml" &
pids+=($!)

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
 Ctrl-C stops everything.
================================================================
MSG
wait -n "${pids[@]}"
echo ">> a service exited; stopping the others"
stop
