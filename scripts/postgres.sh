#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster for tests.
#
#   scripts/postgres.sh start        initdb + start (stops leftovers first)
#   scripts/postgres.sh stop         stop and delete the cluster directory
#   scripts/postgres.sh url          print postgres://cirrus:cirrus@127.0.0.1:PORT/cirrus
#   scripts/postgres.sh newdb NAME   (re)create database NAME owned by cirrus, print its URL
#   scripts/postgres.sh status       exit 0 if the cluster answers
#
# The cluster listens only on 127.0.0.1, port $CIRRUS_PG_PORT (default 55432),
# with its socket and data in $CIRRUS_PG_DIR (default /tmp/cirrus-pg-PORT).
# Role "cirrus" (password "cirrus", CREATEDB) owns database "cirrus".
# TCP connections use password authentication ($CIRRUS_PG_AUTH, default
# scram-sha-256; "trust" also works); the local socket is trust-only.
# When run as root the server runs as the "postgres" system user (PostgreSQL
# refuses to run as root); otherwise as the calling user.
# The cluster is tuned for throwaway tests (fsync off): never keep data in it.
set -euo pipefail

PORT="${CIRRUS_PG_PORT:-55432}"
DIR="${CIRRUS_PG_DIR:-${TMPDIR:-/tmp}/cirrus-pg-$PORT}"
DATA="$DIR/data"
LOGFILE="$DIR/postgres.log"
AUTH="${CIRRUS_PG_AUTH:-scram-sha-256}"
ROLE=cirrus
PASSWORD=cirrus
DB=cirrus

log() { printf '[postgres] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        echo "$PG_BINDIR"; return
    fi
    local d
    # Debian: /usr/lib/postgresql/<major>/bin; take the newest major.
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V | tail -n1 || true)"
    if [[ -n "$d" && -x "$d/initdb" ]]; then
        echo "$d"; return
    fi
    if command -v initdb >/dev/null; then
        dirname "$(command -v initdb)"; return
    fi
    if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
        pg_config --bindir; return
    fi
    die "no PostgreSQL server binaries found (run scripts/install-deps.sh)"
}

# Run a command as the cluster's owner.
if [[ $(id -u) -eq 0 ]]; then
    OWNER=postgres
    id "$OWNER" >/dev/null 2>&1 || die "system user '$OWNER' missing (is the postgresql package installed?)"
    # cd / so the tools do not trip over a working directory they cannot read
    as_owner() { (cd / && runuser -u "$OWNER" -- "$@"); }
else
    OWNER="$(id -un)"
    as_owner() { "$@"; }
fi

url_for() { echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$1"; }

psql_admin() {
    as_owner env PGOPTIONS="-c client_min_messages=warning" \
        "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"
}

postmaster_pid() {
    [[ -f "$DATA/postmaster.pid" ]] && head -n1 "$DATA/postmaster.pid" 2>/dev/null || true
}

do_stop() {
    if [[ -d "$DATA" ]]; then
        BIN="$(find_bindir)"
        local pid
        pid="$(postmaster_pid)"
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            log "stopping cluster in $DIR (pid $pid)"
            as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 20 stop >/dev/null 2>&1 \
                || as_owner "$BIN/pg_ctl" -D "$DATA" -m immediate -w -t 10 stop >/dev/null 2>&1 \
                || true
            # Still there? It is the postmaster we started: end it.
            if kill -0 "$pid" 2>/dev/null; then
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
            fi
        fi
    fi
    if [[ -e "$DIR" ]]; then
        rm -rf "$DIR"
    fi
}

do_start() {
    BIN="$(find_bindir)"
    do_stop

    # Something else on the port? Fail loudly rather than talk to a stranger.
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        die "port $PORT on 127.0.0.1 is already in use; set CIRRUS_PG_PORT"
    fi

    mkdir -p "$DIR"
    chmod 700 "$DIR"
    [[ $(id -u) -eq 0 ]] && chown "$OWNER": "$DIR"

    log "initdb in $DATA ($(basename "$(dirname "$BIN")"))"
    local pwfile="$DIR/.pw"
    echo "postgres-$RANDOM$RANDOM" >"$pwfile"
    [[ $(id -u) -eq 0 ]] && chown "$OWNER": "$pwfile"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host="$AUTH" \
        -E UTF8 --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 \
        || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"

    cat >>"$DATA/postgresql.conf" <<EOF

# --- scripts/postgres.sh: private throwaway test cluster ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
# Swift Testing runs suites in parallel, each test database with a pool of up to 8.
max_connections = 1000
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
log_min_error_statement = error
log_line_prefix = '%m [%p] %u@%d '
EOF

    log "starting on 127.0.0.1:$PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOGFILE" -w -t 30 start >/dev/null \
        || { tail -n 30 "$LOGFILE" >&2 || true; die "pg_ctl start failed"; }

    psql_admin -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
    psql_admin -c "CREATE DATABASE $DB OWNER $ROLE"
    # Prove the URL works over TCP with the password.
    as_owner env PGPASSWORD="$PASSWORD" "$BIN/psql" -X -q -At \
        -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DB" -c 'select 1' >/dev/null \
        || die "cannot connect as $ROLE over TCP"
    log "ready: $(url_for "$DB")"
}

do_newdb() {
    local name="$1"
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name '$name'"
    BIN="$(find_bindir)"
    [[ -d "$DATA" ]] || die "cluster not started"
    psql_admin -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
    psql_admin -c "CREATE DATABASE $name OWNER $ROLE"
    url_for "$name"
}

do_status() {
    BIN="$(find_bindir)"
    [[ -d "$DATA" ]] && as_owner "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"
}

case "${1:-}" in
    start) do_start ;;
    stop) do_stop ;;
    url) url_for "$DB" ;;
    newdb) [[ $# -eq 2 ]] || die "usage: $0 newdb NAME"; do_newdb "$2" ;;
    status) do_status ;;
    *) echo "usage: $0 start|stop|url|newdb NAME|status" >&2; exit 2 ;;
esac
