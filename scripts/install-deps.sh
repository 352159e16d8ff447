#!/usr/bin/env bash
# Install what the test suite needs on a fresh Debian 12 machine (run as root;
# Swift is expected at /opt/swift, CPython 3.11+ with pip on PATH).
#
#   * Debian packages: PostgreSQL (for the PostgreSQL runs of the Swift and
#     interop suites).
#   * A Python virtualenv at <repo>/.venv with the interop clients
#     (Tests/interop/requirements.txt: cs, apache-libcloud, pytest, requests).
#
# Idempotent: each step checks whether its work is already done, so a rerun
# on a prepared machine takes about a second.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
REQS="$REPO/Tests/interop/requirements.txt"
VENV="$REPO/.venv"

log() { printf '[install-deps] %s\n' "$*"; }

if [[ -d /opt/swift/usr/bin && ":$PATH:" != *":/opt/swift/usr/bin:"* ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

# --- Debian packages ---------------------------------------------------------
# Checked by the files they install (Debian keeps the PostgreSQL server
# binaries off PATH, under /usr/lib/postgresql/<major>/bin).
have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && command -v psql >/dev/null; }

missing=()
have_postgres || missing+=(postgresql)
# runuser (util-linux) is used by scripts/postgres.sh to run the server as the
# postgres user; it is part of every Debian base system, but check anyway.
command -v runuser >/dev/null || missing+=(util-linux)

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        log "missing Debian packages (${missing[*]}) and not root: install them by hand" >&2
        exit 1
    fi
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # The package starts (and enables) a cluster on port 5432 we do not use;
    # scripts/postgres.sh runs its own private cluster. Leave it alone.
else
    log "Debian packages present (postgresql)"
fi

# --- Python virtualenv ---------------------------------------------------------
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null; then
    log "no $PY on PATH" >&2
    exit 1
fi

reqs_stamp() { sha256sum "$REQS" | cut -d' ' -f1; }
venv_ok() {
    [[ -x "$VENV/bin/python" ]] \
        && [[ "$(cat "$VENV/.cirrus-reqs" 2>/dev/null)" == "$(reqs_stamp)" ]] \
        && "$VENV/bin/python" -c 'import cs, libcloud, pytest, requests' 2>/dev/null
}

if venv_ok; then
    log "virtualenv $VENV up to date"
    exit 0
fi

make_venv() {
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" 2>/dev/null && "$VENV/bin/python" -m pip --version >/dev/null 2>&1
}

if ! [[ -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    log "creating virtualenv $VENV"
    if ! make_venv; then
        # Debian's own python3 needs python3-venv for ensurepip.
        if [[ $(id -u) -eq 0 ]] && [[ "$(command -v "$PY")" == /usr/bin/* ]]; then
            log "apt-get install python3-venv"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
            make_venv || true
        fi
    fi
fi

if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    log "pip install -r $REQS (into $VENV)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS"
    reqs_stamp >"$VENV/.cirrus-reqs"
    "$VENV/bin/python" -c 'import cs, libcloud, pytest, requests'
    log "virtualenv ready: $("$VENV/bin/python" -m pip freeze 2>/dev/null | grep -Ei '^(cs|apache-libcloud|pytest|requests)==' | tr '\n' ' ')"
else
    # Last resort: no venv possible. Install for the user; scripts/test.sh
    # then runs the suite with "$PY" itself.
    rm -rf "$VENV"
    log "virtualenv impossible; pip install --user -r $REQS"
    "$PY" -m pip install -q --user --disable-pip-version-check -r "$REQS"
    "$PY" -c 'import cs, libcloud, pytest, requests'
fi
