#!/usr/bin/env bash
# The test harness (`make test`, and so CI).
#
#   1. installs missing packages
#   2. checks that the generated Swift code matches proto/        (scripts/proto.sh --check)
#   3. starts a throwaway Postgres and nats-server on free ports
#   4. builds and runs `swift test` with, in the environment:
#        HXB_TEST_POSTGRES_URL  superuser URI of database hexabase_test (schema layout ready)
#        HXB_TEST_NATS_URL      nats://127.0.0.1:PORT (JetStream on)
#        HXB_TEST_NATS_SERVER   path of nats-server, for tests that start their own
#        HXB_BIN_DIR            the debug bin folder, for tests that launch hxb-* executables
#   5. C interop: runs examples/c-client against a real hxb-auth (database hexabase)
#   6. tears everything down, also when a step fails or on Ctrl-C
#
# Extra `swift test` arguments: TEST_ARGS="--filter AuthServiceTests" make test; extra flags for
# every swift call (build and test): SWIFT_BUILD_FLAGS="--scratch-path .build-ci".
# Keep the stack's folder for a post-mortem with HXB_KEEP_STACK=1.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT" || exit 1

declare -a RESULTS=()
failed=0
AUTH_PID=""
SWIFT_TEST_LOG=""

# Records step NAME with STATUS (ok, FAILED, skipped) for the summary.
record() {
    RESULTS+=("$(printf '%-9s %s' "$2" "$1")")
    [[ "$2" != FAILED ]] || failed=1
}

summary() {
    printf '\n==================== test summary ====================\n'
    local line
    for line in "${RESULTS[@]}"; do
        printf '  %s\n' "$line"
    done
    if ((failed)); then
        printf '  result:   FAILED\n'
    else
        printf '  result:   all passed\n'
    fi
    printf '======================================================\n'
    # CI reads the closing lines of `swift test`: repeat them last.
    if [[ -n "$SWIFT_TEST_LOG" && -s "$SWIFT_TEST_LOG" ]]; then
        printf '\n---- closing lines of swift test ----\n'
        tail -n 5 "$SWIFT_TEST_LOG"
    fi
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$AUTH_PID" ]]; then
        proc_stop "$AUTH_PID" 10 hxb-auth
        AUTH_PID=""
    fi
    stack_stop
    if ((status != 0 && !failed)); then
        record "test harness (stopped early, exit status $status)" FAILED
    fi
    summary
    [[ -z "$SWIFT_TEST_LOG" ]] || rm -f "$SWIFT_TEST_LOG"
    if ((status == 0 && failed)); then
        status=1
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'log_err "interrupted"; exit 130' INT TERM

# 1. Packages.
ensure_packages

# 2. Generated code.
log "checking generated protobuf code"
if scripts/proto.sh --check; then
    record "generated code matches proto/" ok
else
    record "generated code matches proto/ (run make proto)" FAILED
fi

# 3. Throwaway stack.
stack_start hexabase_test hexabase
export HXB_TEST_POSTGRES_URL HXB_TEST_NATS_URL HXB_TEST_NATS_SERVER HXB_BIN_DIR
HXB_TEST_POSTGRES_URL="$(pg_superuser_url hexabase_test)"
HXB_TEST_NATS_URL="$NATS_URL"
HXB_TEST_NATS_SERVER="$(nats_server_path)"
log_ok "Postgres $HXB_TEST_POSTGRES_URL"
log_ok "NATS     $HXB_TEST_NATS_URL"

# 4. Swift build and tests.
log "swift build --build-tests"
if swift build "${SWIFT_FLAGS[@]}" --build-tests; then
    record "swift build --build-tests" ok
    HXB_BIN_DIR="$(swift build "${SWIFT_FLAGS[@]}" --show-bin-path)"
    log "swift test ${TEST_ARGS:-}"
    SWIFT_TEST_LOG="$(mktemp "${TMPDIR:-/tmp}/hexabase-swift-test.XXXXXX")"
    # shellcheck disable=SC2086  # TEST_ARGS is a word list on purpose
    # A hung test must not run into CI's limit: stop the run after HXB_TEST_TIMEOUT seconds.
    if timeout --kill-after=30 "${HXB_TEST_TIMEOUT:-1800}" swift test "${SWIFT_FLAGS[@]}" ${TEST_ARGS:-} 2>&1 | tee "$SWIFT_TEST_LOG"; then
        record "swift test" ok
    else
        record "swift test" FAILED
    fi
else
    record "swift build --build-tests" FAILED
    record "swift test (not run: build failed)" skipped
    HXB_BIN_DIR=""
fi

# 5. C interop: the protobuf-c client against a real hxb-auth.
interop() {
    local bin="$HXB_BIN_DIR/hxb-auth"
    if [[ ! -f examples/c-client/Makefile ]]; then
        record "C client interop (no examples/c-client)" skipped
        return 0
    fi
    if [[ -z "$HXB_BIN_DIR" ]]; then
        record "C client interop (not run: build failed)" skipped
        return 0
    fi
    if [[ ! -x "$bin" ]]; then
        record "C client interop (no $bin)" FAILED
        return 0
    fi
    log "building examples/c-client"
    if ! make -C examples/c-client; then
        record "C client build" FAILED
        return 0
    fi
    local ops_port log_file="$STACK_DIR/hxb-auth.log"
    ops_port="$(free_port)"
    log "starting hxb-auth (ops port $ops_port, log $log_file)"
    background env HXB_NATS_URL="$NATS_URL" \
        HXB_DATABASE_URL="$(service_db_url auth hexabase)" \
        HXB_DATABASE_SCHEMA=auth \
        HXB_OPS_PORT="$ops_port" \
        HXB_AUTH_KEYS_ENCRYPTION_KEY="$(openssl rand -base64 32)" \
        HXB_LOG_LEVEL="${HXB_LOG_LEVEL:-info}" \
        HXB_ISSUER="http://127.0.0.1:8080" \
        "$bin" </dev/null >"$log_file" 2>&1 &
    AUTH_PID=$!
    if ! wait_for_http "http://127.0.0.1:$ops_port/readyz" 60 "$AUTH_PID"; then
        print_log_tails 40 "$log_file"
        record "C client interop (hxb-auth not ready)" FAILED
        return 0
    fi
    local client=examples/c-client/build/hxb-c-client
    if [[ ! -x "$client" ]]; then
        record "C client interop (no $client after make)" FAILED
    elif "$client" "$NATS_URL"; then
        record "C client interop against hxb-auth" ok
    else
        print_log_tails 40 "$log_file"
        record "C client interop against hxb-auth" FAILED
    fi
    proc_stop "$AUTH_PID" 10 hxb-auth
    AUTH_PID=""
}
interop
