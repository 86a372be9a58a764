#!/usr/bin/env bash
# Runs the benchmarks (`make bench`): a release build, a throwaway Postgres and nats-server
# on free ports (as in the test harness), the raw C echo baseline, then hxb-bench with:
#   HXB_BENCH_NATS_URL      nats://127.0.0.1:PORT
#   HXB_BENCH_POSTGRES_URL  superuser URI of database hexabase_bench (schema layout ready)
#   HXB_BENCH_C_ECHO_DIR    Benchmarks/c-echo (its binaries are in build/ inside)
#   HXB_BENCH_NATS_SERVER   path of nats-server;  HXB_BIN_DIR  the release bin folder
# Extra hxb-bench arguments: BENCH_ARGS="--iterations 10000" make bench.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT" || exit 1

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stack_stop
    exit "$status"
}
trap cleanup EXIT
trap 'log_err "interrupted"; exit 130' INT TERM

DEB_PACKAGES+=" $BENCH_DEB_PACKAGES"
ensure_packages

log "swift build -c release"
swift build "${SWIFT_FLAGS[@]}" -c release || die "swift build -c release failed"
BIN_DIR="$(swift build "${SWIFT_FLAGS[@]}" -c release --show-bin-path)"
[[ -x "$BIN_DIR/hxb-bench" ]] || die "no $BIN_DIR/hxb-bench after the build"

C_ECHO_DIR="$ROOT/Benchmarks/c-echo"
if [[ -f "$C_ECHO_DIR/Makefile" ]]; then
    log "building Benchmarks/c-echo"
    make -C "$C_ECHO_DIR" || die "building Benchmarks/c-echo failed"
else
    log_warn "no Benchmarks/c-echo/Makefile: the C baseline is not built"
fi

stack_start hexabase_bench

export HXB_BENCH_NATS_URL="$NATS_URL"
export HXB_BENCH_POSTGRES_URL
HXB_BENCH_POSTGRES_URL="$(pg_superuser_url hexabase_bench)"
export HXB_BENCH_C_ECHO_DIR="$C_ECHO_DIR"
export HXB_BENCH_NATS_SERVER
HXB_BENCH_NATS_SERVER="$(nats_server_path)"
export HXB_BIN_DIR="$BIN_DIR"

# The RSA-2048 ceiling of this machine, beside the token figures (sign/s verify/s). openssl
# times its loops with SIGALRM; run it from here, where that signal is not blocked.
openssl_rsa2048() {
    openssl speed -seconds 2 "$@" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1), $NF}' | tail -1
}
log "openssl speed rsa2048 (1 core, then 2)"
export HXB_BENCH_OPENSSL_RSA2048 HXB_BENCH_OPENSSL_RSA2048_MULTI2
HXB_BENCH_OPENSSL_RSA2048="$(openssl_rsa2048)"
HXB_BENCH_OPENSSL_RSA2048_MULTI2="$(openssl_rsa2048 -multi 2)"

log "hxb-bench ${BENCH_ARGS:-}"
# shellcheck disable=SC2086  # BENCH_ARGS is a word list on purpose
"$BIN_DIR/hxb-bench" ${BENCH_ARGS:-}
