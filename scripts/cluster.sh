#!/usr/bin/env bash
# The production topology on this machine (docs/deployment.md): `make cluster` (start),
# `make cluster-stop` (stop), `scripts/cluster.sh status|restart`.
#
# PostgreSQL (tracker store + knowledge base), Redis (lock store), nginx (public on
# CLUSTER_PORT, default 8000), 2 Rasa replicas and 2 action servers plus the page server,
# all on loopback and supervised by supervisord (deploy/supervisord.conf). Debian's
# postgresql, redis-server and nginx are installed when missing. State, logs and the generated
# passwords live in var/cluster/ (git-ignored); the configs are rendered from deploy/.
set -euo pipefail
cd "$(dirname "$0")/.."
export SMARTCITY_ROOT=$PWD
export CLUSTER_DIR=$PWD/var/cluster
export CLUSTER_RUN=$CLUSTER_DIR/run CLUSTER_LOG=$CLUSTER_DIR/log

# Ports (documented in docs/deployment.md): only nginx's is public.
export CLUSTER_HOST=${CLUSTER_HOST:-127.0.0.1} CLUSTER_PORT=${CLUSTER_PORT:-8000}
export CLUSTER_RASA_PORT_1=5105 CLUSTER_RASA_PORT_2=5106
export CLUSTER_ACTIONS_PORT_1=5155 CLUSTER_ACTIONS_PORT_2=5156 CLUSTER_ACTIONS_LB_PORT=5150
export CLUSTER_WEB_PORT=8081 CLUSTER_PG_PORT=5433 CLUSTER_REDIS_PORT=6380
# Limits at the proxy: body size (413), requests per second and burst per client (429).
CLUSTER_MAX_BODY=${CLUSTER_MAX_BODY:-16k}
CLUSTER_MESSAGE_RATE=${CLUSTER_MESSAGE_RATE:-5} CLUSTER_MESSAGE_BURST=${CLUSTER_MESSAGE_BURST:-10}
CLUSTER_SOCKETIO_RATE=${CLUSTER_SOCKETIO_RATE:-20} CLUSTER_SOCKETIO_BURST=${CLUSTER_SOCKETIO_BURST:-40}
export SMARTCITY_PUBLIC_ORIGIN=${SMARTCITY_PUBLIC_ORIGIN:-http://localhost:$CLUSTER_PORT}
export SMARTCITY_ACTION_TIMEOUT=${SMARTCITY_ACTION_TIMEOUT:-4}

PY=.venv/bin/python
ctl() { .venv/bin/supervisorctl -c deploy/supervisord.conf "$@"; }
say() { echo "cluster: $*"; }
running() { [ -S "$CLUSTER_RUN/supervisor.sock" ] && ctl pid >/dev/null 2>&1; }

# install PACKAGE BINARY: apt-get install when BINARY is missing (as root or through sudo).
install() {
    local package=$1 binary=$2 sudo=""
    compgen -G "$binary" >/dev/null && return 0
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { say "$package is missing and we are not root: install it" >&2; exit 1; }
        sudo="sudo"
    fi
    say "installing Debian package $package"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package"
    # The packages start system services where they can; the cluster runs its own.
    for service in nginx redis-server postgresql; do
        $sudo service "$service" stop >/dev/null 2>&1 || true
    done
    compgen -G "$binary" >/dev/null || { say "$package installed but $binary is missing" >&2; exit 1; }
}

# Passwords of PostgreSQL and Redis, generated once (mode 600), handed over in the environment.
secrets() {
    local file=$CLUSTER_DIR/secrets.env
    if [ ! -s "$file" ]; then
        (umask 077; {
            echo "CLUSTER_PG_ADMIN_PASSWORD=$($PY -c 'import secrets; print(secrets.token_hex(16))')"
            echo "SMARTCITY_PG_PASSWORD=$($PY -c 'import secrets; print(secrets.token_hex(16))')"
            echo "SMARTCITY_REDIS_PASSWORD=$($PY -c 'import secrets; print(secrets.token_hex(16))')"
        } > "$file")
    fi
    # Only the assistant's own passwords are exported (supervisord hands its environment to
    # every program); the PostgreSQL superuser's stays in this script.
    . "$file"
    export SMARTCITY_PG_PASSWORD SMARTCITY_REDIS_PASSWORD
    export SMARTCITY_PG_HOST=127.0.0.1 SMARTCITY_PG_PORT=$CLUSTER_PG_PORT
    export SMARTCITY_PG_DB=smartcity SMARTCITY_PG_USER=smartcity
    export SMARTCITY_REDIS_HOST=127.0.0.1 SMARTCITY_REDIS_PORT=$CLUSTER_REDIS_PORT
    export SMARTCITY_ACTION_URL=http://127.0.0.1:$CLUSTER_ACTIONS_LB_PORT/webhook
    export SMARTCITY_DB_URL=postgresql+psycopg2://smartcity:$SMARTCITY_PG_PASSWORD@127.0.0.1:$CLUSTER_PG_PORT/smartcity_kb
    # The page server behind nginx: the browser reaches Rasa through the same origin.
    export WEB_PORT=$CLUSTER_WEB_PORT RASA_PUBLIC_URL=$SMARTCITY_PUBLIC_ORIGIN
    export SMARTCITY_PUBLIC_URL=$SMARTCITY_PUBLIC_ORIGIN
    # Rasa's HTTP API only with a token (then on the replicas' loopback ports, never via nginx).
    export CLUSTER_RASA_API=""
    [ -n "${RASA_API_TOKEN:-}" ] && CLUSTER_RASA_API="--enable-api --auth-token $RASA_API_TOKEN"
    return 0
}

render() {  # render TEMPLATE OUT NAME=VALUE...: replace @NAME@, fail on any left over
    local template=$1 out=$2 text
    shift 2
    text=$(cat "$template")
    for pair in "$@"; do text=${text//@${pair%%=*}@/${pair#*=}}; done
    if grep -o '@[A-Z_0-9]*@' <<<"$text"; then say "$template: unset placeholders above" >&2; exit 1; fi
    (umask 077; printf '%s\n' "$text" > "$out")
}

configure() {
    mkdir -p "$CLUSTER_RUN" "$CLUSTER_LOG" "$CLUSTER_DIR/redis" "$CLUSTER_DIR/pg"
    CLUSTER_PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")
    export CLUSTER_PG_BIN CLUSTER_PG_USER=$(id -un)
    local nginx_user="" read_timeout
    export CLUSTER_PG_DATA=$CLUSTER_DIR/pg/data
    if [ "$(id -u)" -eq 0 ]; then
        CLUSTER_PG_USER=postgres   # initdb and postgres refuse to run as root
        nginx_user="user nobody nogroup;"
        # postgres must reach its data directory: a checkout it cannot enter keeps it outside.
        if ! setpriv_as postgres test -x "$CLUSTER_DIR"; then
            CLUSTER_PG_DATA=/var/tmp/smartcity-cluster-$(printf '%s' "$PWD" | md5sum | cut -c1-8)/data
        fi
    fi
    # nginx gives up on a hung action server a little before Rasa's deadline.
    read_timeout=$($PY -c "import sys; print(max(500, int(float(sys.argv[1]) * 1000) - 500))" \
        "$SMARTCITY_ACTION_TIMEOUT")ms
    render deploy/nginx.conf "$CLUSTER_RUN/nginx.conf" NGINX_USER="$nginx_user" \
        RUN="$CLUSTER_RUN" LOG="$CLUSTER_LOG" CLUSTER_HOST="$CLUSTER_HOST" \
        CLUSTER_PORT="$CLUSTER_PORT" MAX_BODY="$CLUSTER_MAX_BODY" \
        MESSAGE_RATE="$CLUSTER_MESSAGE_RATE" MESSAGE_BURST="$CLUSTER_MESSAGE_BURST" \
        SOCKETIO_RATE="$CLUSTER_SOCKETIO_RATE" SOCKETIO_BURST="$CLUSTER_SOCKETIO_BURST" \
        PUBLIC_ORIGIN="$SMARTCITY_PUBLIC_ORIGIN" RASA_PORT_1="$CLUSTER_RASA_PORT_1" \
        RASA_PORT_2="$CLUSTER_RASA_PORT_2" ACTIONS_PORT_1="$CLUSTER_ACTIONS_PORT_1" \
        ACTIONS_PORT_2="$CLUSTER_ACTIONS_PORT_2" ACTIONS_LB_PORT="$CLUSTER_ACTIONS_LB_PORT" \
        WEB_PORT="$CLUSTER_WEB_PORT" ACTIONS_READ_TIMEOUT="$read_timeout"
    chmod 644 "$CLUSTER_RUN/nginx.conf"
    render deploy/redis.conf "$CLUSTER_RUN/redis.conf" PORT="$CLUSTER_REDIS_PORT" \
        DIR="$CLUSTER_DIR/redis" PASSWORD="$SMARTCITY_REDIS_PASSWORD"
    $PY -m bot.services.channels credentials.yml "$CLUSTER_RUN/credentials.yml"

    # A PostgreSQL cluster of our own in var/cluster/pg (password authentication).
    local data=$CLUSTER_PG_DATA
    if [ ! -f "$data/PG_VERSION" ]; then
        rm -rf "$data"
        mkdir -p "$data"
        local pwfile
        pwfile=$(dirname "$data")/.pw
        (umask 077; echo "$CLUSTER_PG_ADMIN_PASSWORD" > "$pwfile")
        chown -R "$CLUSTER_PG_USER" "$(dirname "$data")"
        chmod 700 "$data"
        say "creating the PostgreSQL cluster in $data"
        setpriv_as "$CLUSTER_PG_USER" "$CLUSTER_PG_BIN/initdb" -D "$data" -U postgres \
            --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C >"$CLUSTER_LOG/initdb.log"
        rm -f "$pwfile"
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "port = $CLUSTER_PG_PORT"
            echo "unix_socket_directories = ''"
            echo "max_connections = 200"
        } >> "$data/postgresql.conf"
    fi
}

setpriv_as() {  # setpriv_as USER COMMAND...: run as USER (directly when we are that user)
    local user=$1
    shift
    if [ "$user" = "$(id -un)" ]; then "$@"; else
        setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
    fi
}

wait_http() {  # wait_http URL SECONDS
    local url=$1 seconds=$2
    for _ in $(seq 1 "$seconds"); do
        curl -sf -o /dev/null "$url" && return 0
        sleep 1
    done
    say "$url did not answer within $seconds s (logs: $CLUSTER_LOG)" >&2
    return 1
}

databases() {
    # Role and databases of the assistant; the superuser's password never leaves this step.
    CLUSTER_PG_ADMIN_PASSWORD=$CLUSTER_PG_ADMIN_PASSWORD $PY - <<'PY'
import os, time
import psycopg2
from psycopg2 import sql

deadline = time.monotonic() + 60
while True:
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=os.environ["CLUSTER_PG_PORT"],
                                 user="postgres", dbname="postgres",
                                 password=os.environ["CLUSTER_PG_ADMIN_PASSWORD"])
        break
    except psycopg2.OperationalError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.5)
admin.autocommit = True
user, password = os.environ["SMARTCITY_PG_USER"], os.environ["SMARTCITY_PG_PASSWORD"]
with admin.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,))
    if not cursor.fetchone():
        cursor.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(user)),
                       (password,))
    for name in (os.environ["SMARTCITY_PG_DB"], "smartcity_kb"):
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if not cursor.fetchone():
            cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(
                sql.Identifier(name), sql.Identifier(user)))
admin.close()
PY
    # The knowledge base from data/kb (only when the files changed), the tracker tables (Rasa
    # creates them; once here, so the two replicas do not race), and the start-up purge.
    $PY -m bot kb load --if-changed data/kb
    PYTHONWARNINGS=ignore $PY - <<'PY'
import logging
logging.disable(logging.WARNING)
from rasa.core.tracker_store import TrackerStore
from rasa.utils.endpoints import read_endpoint_config
TrackerStore.create(read_endpoint_config("deploy/endpoints.production.yml", "tracker_store"))
PY
    $PY -m bot purge --endpoints deploy/endpoints.production.yml
}

start() {
    install nginx /usr/sbin/nginx
    install redis-server /usr/bin/redis-server
    install postgresql "/usr/lib/postgresql/*/bin/initdb"
    [ -f models/smartcity.tar.gz ] || { say "models/smartcity.tar.gz is missing: make train" >&2; exit 1; }
    mkdir -p "$CLUSTER_DIR"
    secrets
    if running; then
        say "already running ($(ctl status | grep -c RUNNING) processes up); nginx reloads its config"
        configure
        ctl signal HUP nginx >/dev/null
    else
        configure
        say "starting supervisord (logs in $CLUSTER_LOG)"
        .venv/bin/supervisord -c deploy/supervisord.conf
    fi
    databases
    ctl start assistant:* >/dev/null
    local started=$SECONDS
    wait_http "http://127.0.0.1:$CLUSTER_ACTIONS_PORT_1/health" 120
    wait_http "http://127.0.0.1:$CLUSTER_ACTIONS_PORT_2/health" 120
    wait_http "http://127.0.0.1:$CLUSTER_RASA_PORT_1/webhooks/rest/" 400
    wait_http "http://127.0.0.1:$CLUSTER_RASA_PORT_2/webhooks/rest/" 400
    wait_http "http://127.0.0.1:$CLUSTER_PORT/health" 30
    wait_http "http://127.0.0.1:$CLUSTER_PORT/" 30
    say "up in $(( SECONDS - started )) s after the databases: $SMARTCITY_PUBLIC_ORIGIN/"
    ctl status
}

stop() {
    if ! running; then say "not running"; return 0; fi
    local pid
    pid=$(ctl pid)
    ctl shutdown >/dev/null
    for _ in $(seq 1 90); do
        kill -0 "$pid" 2>/dev/null || { say "stopped"; return 0; }
        sleep 1
    done
    say "supervisord ($pid) did not stop within 90 s" >&2
    return 1
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status) if running; then ctl status; else say "not running"; exit 3; fi ;;
    *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
