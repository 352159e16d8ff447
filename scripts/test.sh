#!/usr/bin/env bash
# The project's test command (CI runs it through .ci/run).
#
# Stages, in order:
#   install-deps        scripts/install-deps.sh (PostgreSQL, .venv with cs/libcloud/pytest)
#   swift-build         swift build --build-tests (also builds .build/debug/cirrus)
#   swift-test-sqlite   swift test (embedded SQLite)
#   postgres-start      scripts/postgres.sh start (private cluster on 127.0.0.1:55432)
#   swift-test-pg       CIRRUS_TEST_DATABASE_URL=<url> swift test
#   interop-sqlite      pytest Tests/interop against `cirrus serve` on SQLite
#   interop-pg          pytest Tests/interop against `cirrus serve` on PostgreSQL
#
# A failing stage does not stop the later ones unless they depend on it; the
# exit status is non-zero if any stage failed, and a summary line per stage is
# printed at the end. PostgreSQL and any server started are stopped on exit.
#
# Environment:
#   SKIP_STAGES="swift-test-pg interop-pg"   skip the named stages (developer convenience)
#   PYTEST_ARGS="-x -k session"              extra pytest arguments for the interop runs
#   CIRRUS_PG_PORT                           PostgreSQL port (default 55432)
#   SUITE_LIMIT                              seconds one test stage may take before it is
#                                            ended and counted failed (default 1200), so a
#                                            hang costs one stage, not the whole CI budget
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"
if [[ -d /opt/swift/usr/bin && ":$PATH:" != *":/opt/swift/usr/bin:"* ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi

ARTIFACTS="$REPO/.build/test-artifacts"
SUITE_LIMIT="${SUITE_LIMIT:-1200}"
mkdir -p "$ARTIFACTS"
T0=$(date +%s)
FAILED=0
SUMMARY=()
CHILD=""
PG_STARTED=0

banner() { printf '\n===== %s =====\n' "$*"; }

SUMMARY_PRINTED=0
print_summary() {
    SUMMARY_PRINTED=1
    banner "summary ($(( $(date +%s) - T0 ))s; logs in ${ARTIFACTS#"$REPO"/})"
    ((${#SUMMARY[@]})) && printf '%s\n' "${SUMMARY[@]}"
    if [[ $FAILED -eq 0 ]]; then
        echo "test.sh: all stages passed"
    else
        echo "test.sh: FAILED"
    fi
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
        # the stage runs in its own session: end its whole process group
        kill -TERM -- "-$CHILD" 2>/dev/null || kill -TERM "$CHILD" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$CHILD" 2>/dev/null || break; sleep 0.2; done
        kill -KILL -- "-$CHILD" 2>/dev/null || kill -KILL "$CHILD" 2>/dev/null
    fi
    # servers started by the interop fixture (it removes the pid file itself
    # when it stops the server cleanly)
    local f pid
    for f in "$ARTIFACTS"/interop-*/server.pid; do
        [[ -f "$f" ]] || continue
        pid="$(cat "$f" 2>/dev/null)"
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            echo "[test.sh] stopping leftover cirrus server (pid $pid)"
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
            sleep 1
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
        fi
        rm -f "$f"
    done
    if [[ $PG_STARTED -eq 1 ]]; then
        bash scripts/postgres.sh stop || true
    fi
    if [[ $SUMMARY_PRINTED -eq 0 ]]; then  # interrupted
        FAILED=1
        SUMMARY+=("$(printf '  STOP  interrupted (exit %s)' "$rc")")
        print_summary
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "[test.sh] interrupted"; exit 130' INT
trap 'echo "[test.sh] terminated"; exit 143' TERM

skipped_by_env() { [[ " ${SKIP_STAGES:-} " == *" $1 "* ]]; }

# run_stage NAME CMD...: run CMD in the background in its own session (so a
# signal reaches our trap at once and the trap can end the whole stage), record
# PASS/FAIL and the time taken.
run_stage() {
    local name="$1"; shift
    if skipped_by_env "$name"; then
        SUMMARY+=("$(printf '  SKIP  %-18s (SKIP_STAGES)' "$name")")
        return 0
    fi
    banner "$name: $*"
    local start rc
    start=$(date +%s)
    setsid "$@" &
    CHILD=$!
    wait "$CHILD"
    rc=$?
    CHILD=""
    local secs=$(( $(date +%s) - start ))
    if [[ $rc -eq 0 ]]; then
        SUMMARY+=("$(printf '  PASS  %-18s %5ss' "$name" "$secs")")
    else
        FAILED=1
        SUMMARY+=("$(printf '  FAIL  %-18s %5ss  (exit %s)' "$name" "$secs" "$rc")")
    fi
    [[ $rc -eq 124 ]] && echo "[test.sh] $name: ended after ${SUITE_LIMIT}s (SUITE_LIMIT); the last tests started above are the ones that hung"
    banner "$name: $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)") after ${secs}s"
    return $rc
}

skip_stage() {  # NAME REASON — not run because something it needs failed
    SUMMARY+=("$(printf '  SKIP  %-18s (%s)' "$1" "$2")")
    FAILED=1
}

# --- stages ------------------------------------------------------------------
run_stage install-deps bash scripts/install-deps.sh

BUILD_OK=0
if run_stage swift-build swift build --build-tests; then
    BUILD_OK=1
    # --build-tests builds every product, but make sure of the server binary
    if [[ ! -x .build/debug/cirrus ]]; then
        run_stage swift-build-cirrus swift build --product cirrus || BUILD_OK=0
    fi
fi

if [[ $BUILD_OK -eq 1 ]]; then
    run_stage swift-test-sqlite timeout -k 30 "$SUITE_LIMIT" swift test --skip-build
else
    skip_stage swift-test-sqlite "build failed"
fi

PG_URL=""
if skipped_by_env postgres-start || { skipped_by_env swift-test-pg && skipped_by_env interop-pg; }; then
    SUMMARY+=("$(printf '  SKIP  %-18s (SKIP_STAGES)' postgres-start)")
else
    PG_STARTED=1  # stop it on exit even if start failed half-way
    if run_stage postgres-start bash scripts/postgres.sh start; then
        PG_URL="$(bash scripts/postgres.sh url)"
    fi
fi

if [[ $BUILD_OK -ne 1 ]]; then
    skip_stage swift-test-pg "build failed"
elif [[ -z "$PG_URL" ]]; then
    skipped_by_env swift-test-pg || skip_stage swift-test-pg "no PostgreSQL"
else
    run_stage swift-test-pg env CIRRUS_TEST_DATABASE_URL="$PG_URL" timeout -k 30 "$SUITE_LIMIT" swift test --skip-build
fi

if [[ -x .venv/bin/python ]]; then PYTHON="$REPO/.venv/bin/python"; else PYTHON="$(command -v python3)"; fi

# run_interop NAME [DATABASE_URL]
run_interop() {
    local name="$1" db="${2:-}" dir="$ARTIFACTS/interop-$1"
    rm -rf "$dir"; mkdir -p "$dir"
    # shellcheck disable=SC2086
    run_stage "interop-$name" env \
        CIRRUS_BINARY="$REPO/.build/debug/cirrus" \
        CIRRUS_INTEROP_DATABASE_URL="$db" \
        CIRRUS_INTEROP_LOG_DIR="$dir" \
        CIRRUS_INTEROP_PIDFILE="$dir/server.pid" \
        timeout -k 30 "$SUITE_LIMIT" "$PYTHON" -m pytest Tests/interop --junitxml="$dir/junit.xml" ${PYTEST_ARGS:-}
}

if [[ $BUILD_OK -ne 1 ]]; then
    skip_stage interop-sqlite "build failed"
    skip_stage interop-pg "build failed"
else
    run_interop sqlite
    if skipped_by_env interop-pg; then
        SUMMARY+=("$(printf '  SKIP  %-18s (SKIP_STAGES)' interop-pg)")
    elif [[ -z "$PG_URL" ]]; then
        skip_stage interop-pg "no PostgreSQL"
    else
        # a fresh database, so the Swift suite's leftovers cannot interfere
        if INTEROP_DB="$(bash scripts/postgres.sh newdb cirrus_interop)"; then
            run_interop pg "$INTEROP_DB"
        else
            skip_stage interop-pg "could not create database"
        fi
    fi
fi

print_summary
exit $FAILED
