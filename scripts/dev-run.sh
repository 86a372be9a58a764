#!/usr/bin/env bash
# Runs the whole suite on this machine (`make run`): Postgres, nats-server, every service and
# the edge, until Ctrl-C or SIGTERM, then stops them all cleanly.
#
# Data (Postgres cluster, JetStream store) stays in .run/ between runs; logs go to
# .run/logs/<service>.log (the previous run's to <service>.log.1).
#
# Settings (environment):
#   HXB_EDGE_HOST (127.0.0.1)  HXB_EDGE_PORT (8080)   HXB_EDGE_OPS_PORT (9100)
#   HXB_NATS_PORT (4222)       HXB_NATS_MONITOR_PORT (8222)
#   HXB_PG_PORT (5432)         HXB_PG_SUPERUSER_PASSWORD (postgres)
#   HXB_OPS_PORT_BASE (9100): service number i of the list gets ops port BASE+i (auth 9101);
#                             HXB_<SERVICE>_OPS_PORT overrides one, e.g. HXB_AUTH_OPS_PORT
#   HXB_DB_PASSWORD_<SERVICE> (hxb_<service>)    HXB_LOG_LEVEL (info)
#   HXB_ISSUER (http://HOST:PORT of the edge)    HXB_READY_TIMEOUT (60 s)
#   HXB_STOP_GRACE (10 s before SIGKILL)         HXB_RUN_DIR (.run)
#   HXB_RUN_FOLLOW=1: also print every service's log here
#   HXB_BUILD_CONFIG (release)                   SWIFT_BUILD_FLAGS (extra swift build flags)
#   HXB_RUN_BIN_DIR: run the hxb-* executables of this folder instead of building
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT" || exit 1

EDGE_HOST="${HXB_EDGE_HOST:-127.0.0.1}"
EDGE_PORT="${HXB_EDGE_PORT:-8080}"
EDGE_OPS_PORT="${HXB_EDGE_OPS_PORT:-9100}"
NATS_PORT="${HXB_NATS_PORT:-4222}"
NATS_MONITOR_PORT="${HXB_NATS_MONITOR_PORT:-8222}"
DEV_PG_PORT="${HXB_PG_PORT:-5432}"
OPS_PORT_BASE="${HXB_OPS_PORT_BASE:-9100}"
LOG_LEVEL="${HXB_LOG_LEVEL:-info}"
ISSUER="${HXB_ISSUER:-http://$EDGE_HOST:$EDGE_PORT}"
READY_TIMEOUT="${HXB_READY_TIMEOUT:-60}"
STOP_GRACE="${HXB_STOP_GRACE:-10}"
RUN_DIR="${HXB_RUN_DIR:-$ROOT/.run}"
BUILD_CONFIG="${HXB_BUILD_CONFIG:-release}"
DATABASE=hexabase
LOG_DIR="$RUN_DIR/logs"

# Prints the ops port of service SVC (1-based position I in SERVICES).
ops_port_of() {
    local svc="$1" i="$2" var
    var="HXB_$(tr '[:lower:]' '[:upper:]' <<<"$svc")_OPS_PORT"
    printf '%s\n' "${!var:-$((OPS_PORT_BASE + i))}"
}

declare -a PROCS=()   # NAME=PID of every service and the edge (auth=1234), in start order
TAIL_PID=""
PG_STARTED=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if ((${#PROCS[@]})); then
        log "stopping services"
        # Edge first, so that no new request reaches a service that is going away.
        local reversed=() i
        for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do reversed+=("${PROCS[i]}"); done
        procs_stop "$STOP_GRACE" "${reversed[@]}"
        PROCS=()
    fi
    nats_stop
    if ((PG_STARTED)); then pg_stop "$PG_DIR"; fi
    if [[ -n "$TAIL_PID" ]]; then
        kill "$TAIL_PID" 2>/dev/null || true
        wait "$TAIL_PID" 2>/dev/null || true
    fi
    if ((status == 0)); then log_ok "stopped"; else log_err "stopped (exit status $status)"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'echo; log "signal received"; exit 0' INT TERM

# Fail before the long build when a port is taken.
check_ports() {
    require_port_free "$EDGE_PORT" "the edge" HXB_EDGE_PORT
    require_port_free "$EDGE_OPS_PORT" "the edge's ops server" HXB_EDGE_OPS_PORT
    require_port_free "$NATS_PORT" "nats-server" HXB_NATS_PORT
    require_port_free "$NATS_MONITOR_PORT" "the nats-server monitor" HXB_NATS_MONITOR_PORT
    require_port_free "$DEV_PG_PORT" "Postgres" HXB_PG_PORT
    local i=0 svc
    for svc in $SERVICES; do
        i=$((i + 1))
        require_port_free "$(ops_port_of "$svc" "$i")" "$svc's ops server" \
            "HXB_$(tr '[:lower:]' '[:upper:]' <<<"$svc")_OPS_PORT"
    done
}

ensure_packages
check_ports

if [[ -n "${HXB_RUN_BIN_DIR:-}" ]]; then
    BIN_DIR="$HXB_RUN_BIN_DIR"
    log "using the executables in $BIN_DIR (HXB_RUN_BIN_DIR; no build)"
else
    log "swift build -c $BUILD_CONFIG"
    swift build "${SWIFT_FLAGS[@]}" -c "$BUILD_CONFIG" || die "swift build failed"
    BIN_DIR="$(swift build "${SWIFT_FLAGS[@]}" -c "$BUILD_CONFIG" --show-bin-path)"
fi
for svc in $SERVICES edge; do
    [[ -x "$BIN_DIR/hxb-$svc" ]] || die "no executable $BIN_DIR/hxb-$svc after the build"
done

mkdir -p "$RUN_DIR" "$LOG_DIR"
if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$RUN_DIR"; then
    die "the postgres user cannot reach $RUN_DIR (a parent folder is private); set HXB_RUN_DIR to a folder under /var/tmp or /tmp"
fi
pg_init "$RUN_DIR/postgres"
PG_STARTED=1
pg_start "$RUN_DIR/postgres" "$DEV_PG_PORT"
pg_setup_schemas "$(pg_superuser_url "$DATABASE")"
nats_start "$RUN_DIR/nats" "$NATS_PORT" "$NATS_MONITOR_PORT"
NATS_URL="nats://127.0.0.1:$NATS_PORT"

# Starts executable hxb-NAME in the background with the given VAR=value settings on top of
# the common ones; its output goes to .run/logs/NAME.log.
start_process() {
    local name="$1"
    shift
    local log_file="$LOG_DIR/$name.log"
    [[ -f "$log_file" ]] && mv -f "$log_file" "$log_file.1"
    background env HXB_NATS_URL="$NATS_URL" HXB_LOG_LEVEL="$LOG_LEVEL" HXB_ISSUER="$ISSUER" "$@" \
        "$BIN_DIR/hxb-$name" </dev/null >"$log_file" 2>&1 &
    PROCS+=("$name=$!")
}

# The key that seals auth's signing keys: made once per .run folder and kept, so a restart
# can still open the keys it sealed. Production sets HXB_AUTH_KEYS_ENCRYPTION_KEY from a secret.
KEY_FILE="$RUN_DIR/auth-keys-encryption-key"
if [[ -z "${HXB_AUTH_KEYS_ENCRYPTION_KEY:-}" ]]; then
    [[ -s "$KEY_FILE" ]] || (umask 077 && openssl rand -base64 32 >"$KEY_FILE")
    HXB_AUTH_KEYS_ENCRYPTION_KEY="$(cat "$KEY_FILE")"
fi
export HXB_AUTH_KEYS_ENCRYPTION_KEY

# The client-credentials secrets of the services that call others with their own token
# (workspace registers each workspace's OIDC client; logging asks workspace's CheckAccess):
# made once per .run folder, given to each service and to auth.
CLIENT_PAIRS=()
for svc in workspace logging; do
    var="HXB_$(tr '[:lower:]' '[:upper:]' <<<"$svc")_AUTH_CLIENT_SECRET"
    secret_file="$RUN_DIR/$svc-client-secret"
    if [[ -z "${!var:-}" ]]; then
        [[ -s "$secret_file" ]] || (umask 077 && openssl rand -hex 32 >"$secret_file")
        printf -v "$var" '%s' "$(cat "$secret_file")"
    fi
    export "${var?}"
    CLIENT_PAIRS+=("$svc=${!var}")
done
export HXB_AUTH_SERVICE_CLIENTS="${HXB_AUTH_SERVICE_CLIENTS:-$(IFS=,; echo "${CLIENT_PAIRS[*]}")}"
# The manifests provider renders every workspace's desired state here (GitOps-ready YAML).
export HXB_WORKSPACE_MANIFESTS_DIR="${HXB_WORKSPACE_MANIFESTS_DIR:-$RUN_DIR/manifests}"

declare -a OPS_LINES=()
i=0
for svc in $SERVICES; do
    i=$((i + 1))
    port="$(ops_port_of "$svc" "$i")"
    log "starting hxb-$svc (ops :$port)"
    start_process "$svc" \
        HXB_DATABASE_URL="$(service_db_url "$svc" "$DATABASE" "$DEV_PG_PORT")" \
        HXB_DATABASE_SCHEMA="$svc" \
        HXB_OPS_PORT="$port"
    OPS_LINES+=("$(printf '%-10s http://127.0.0.1:%s/metrics  (/healthz /readyz)' "$svc" "$port")")
done
log "starting hxb-edge on $EDGE_HOST:$EDGE_PORT (ops :$EDGE_OPS_PORT)"
start_process edge \
    HXB_OPS_PORT="$EDGE_OPS_PORT" \
    HXB_EDGE_HOST="$EDGE_HOST" \
    HXB_EDGE_PORT="$EDGE_PORT" \
    HXB_EDGE_SERVICES="$(tr ' ' ',' <<<"$SERVICES")"
OPS_LINES+=("$(printf '%-10s http://127.0.0.1:%s/metrics  (/healthz /readyz)' edge "$EDGE_OPS_PORT")")

if [[ "${HXB_RUN_FOLLOW:-0}" == 1 ]]; then
    tail -n +1 -F "$LOG_DIR"/*.log &
    TAIL_PID=$!
fi

pids=()
for p in "${PROCS[@]}"; do pids+=("${p##*=}"); done
log "waiting for the edge to be ready (up to ${READY_TIMEOUT}s)"
# The edge's public /readyz answers 200 only when every service answers $SRV.PING.
if ! wait_for_http "http://127.0.0.1:$EDGE_PORT/readyz" "$READY_TIMEOUT" "${pids[@]}"; then
    logs=()
    for svc in $SERVICES edge; do logs+=("$LOG_DIR/$svc.log"); done
    print_log_tails 30 "${logs[@]}"
    die "the suite did not become ready"
fi

cat <<EOF

  Hexabase is running.
    edge        http://$EDGE_HOST:$EDGE_PORT
    manifests   $HXB_WORKSPACE_MANIFESTS_DIR/<workspace id>/  (the workspaces' rendered YAML)
    NATS        $NATS_URL  (monitor http://127.0.0.1:$NATS_MONITOR_PORT)
    Postgres    $(pg_superuser_url "$DATABASE" "$DEV_PG_PORT")
  ops ports:
$(printf '    %s\n' "${OPS_LINES[@]}")
  logs:         $LOG_DIR/<service>.log
  Ctrl-C stops everything.

EOF

# Until a signal arrives or a process dies.
exited=""
wait -n -p exited "${pids[@]}" || true
if [[ -n "$exited" ]]; then
    for p in "${PROCS[@]}"; do
        if [[ "${p##*=}" == "$exited" ]]; then
            print_log_tails 30 "$LOG_DIR/${p%%=*}.log"
            die "hxb-${p%%=*} exited unexpectedly; stopping the suite"
        fi
    done
fi
