# shellcheck shell=bash disable=SC2034  # globals here are used by the scripts that source it
# Shared helpers for the dev, test, bench and proto scripts. Source it; do not run it.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets `set -euo pipefail`, defines ROOT (the repository root), the service list, and
# functions for packages, ports, Postgres, nats-server and waiting on HTTP endpoints.
# Processes it starts are remembered in global variables so that the caller's EXIT trap
# can stop them (pg_stop, nats_stop, proc_stop).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The services behind the edge, in ops-port order (auth=9101, the next one 9102, …).
# Adding a service is one word here: append it, in this order when they arrive:
# workspace functions backup logging aiops.
SERVICES="auth workspace logging"

# Every schema of DESIGN §6, created up front so later services find their schema ready.
SCHEMAS="auth workspace functions backup logging aiops"

# Debian packages the build, the tests and the scripts need.
DEB_PACKAGES="libnats-dev nats-server libpq-dev postgresql libprotobuf-c-dev protobuf-c-compiler
protobuf-compiler libcurl4-openssl-dev libssl-dev libzstd-dev libargon2-dev zlib1g-dev pkg-config python3
curl make gcc openssl"
# Only `make bench` needs these (wrk drives the HTTP benchmark).
BENCH_DEB_PACKAGES="wrk"

# Extra flags for every swift build/test call, e.g. SWIFT_BUILD_FLAGS="--scratch-path .build-ci".
read -r -a SWIFT_FLAGS <<<"${SWIFT_BUILD_FLAGS:-}"

PG_BIN="${HXB_PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_SUPERUSER_PASSWORD="${HXB_PG_SUPERUSER_PASSWORD:-postgres}"

if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH="/opt/swift/usr/bin:$PATH"
fi
# nats-server lives in /usr/sbin on Debian, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac
export PATH

# MARK: - Logging

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
    _C_INFO=$'\033[1;34m' _C_OK=$'\033[1;32m' _C_WARN=$'\033[1;33m' _C_ERR=$'\033[1;31m' _C_OFF=$'\033[0m'
else
    _C_INFO="" _C_OK="" _C_WARN="" _C_ERR="" _C_OFF=""
fi

log()      { printf '%s==>%s %s\n' "$_C_INFO" "$_C_OFF" "$*"; }
log_ok()   { printf '%s ok%s %s\n' "$_C_OK" "$_C_OFF" "$*"; }
log_warn() { printf '%swarning:%s %s\n' "$_C_WARN" "$_C_OFF" "$*" >&2; }
log_err()  { printf '%serror:%s %s\n' "$_C_ERR" "$_C_OFF" "$*" >&2; }
die()      { log_err "$*"; exit 1; }

# MARK: - Packages

# Installs the Debian packages (and PyPI requirements) that are missing. apt-get update runs
# at most once, and only when something is missing.
ensure_packages() {
    ensure_packages_only
    ensure_python_requirements "$ROOT/scripts/requirements-test.txt"
}

_APT_UPDATED=0

# Installs the missing packages of $DEB_PACKAGES (Debian only).
ensure_packages_only() {
    local missing=() pkg
    for pkg in $DEB_PACKAGES; do
        if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]})); then
        log "installing Debian packages: ${missing[*]}"
        local sudo=()
        if [[ $(id -u) -ne 0 ]]; then
            command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root; install them first"
            sudo=(sudo)
        fi
        if ((!_APT_UPDATED)); then
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
                || die "apt-get update failed"
            _APT_UPDATED=1
        fi
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null \
            || die "apt-get install ${missing[*]} failed"
    fi
}

# Installs a pip requirements file when it lists anything (comments and blank lines aside).
ensure_python_requirements() {
    local file="$1"
    [[ -f "$file" ]] || return 0
    grep -qvE '^[[:space:]]*(#|$)' "$file" || return 0
    log "installing Python requirements from ${file#"$ROOT"/}"
    if ! python3 -m pip --version >/dev/null 2>&1; then
        DEB_PACKAGES="python3-pip" ensure_packages_only
    fi
    local flags=(--quiet --disable-pip-version-check --root-user-action=ignore)
    # Debian's own Python refuses pip installs (PEP 668) unless told otherwise; the machines
    # that run these scripts are dedicated to the project.
    if python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
        flags+=(--break-system-packages)
    fi
    python3 -m pip install "${flags[@]}" -r "$file" || die "pip install -r $file failed"
}

# MARK: - Ports

# Prints N distinct TCP ports that are free on 127.0.0.1 right now (default 1), space-separated.
free_ports() {
    python3 - "${1:-1}" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

free_port() { free_ports 1; }

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Dies when PORT is already taken, naming WHAT wanted it and the variable that moves it.
require_port_free() {
    local port="$1" what="$2" var="$3"
    if port_open "$port"; then
        die "port $port for $what is already in use; stop whatever holds it or set $var"
    fi
}

# MARK: - Waiting

# Polls URL until it answers 2xx or TIMEOUT seconds pass. Extra arguments are PIDs that must
# stay alive meanwhile: if one dies, it stops waiting at once. Returns non-zero on failure.
wait_for_http() {
    local url="$1" timeout="${2:-60}"
    shift 2 || shift $#
    local deadline=$((SECONDS + timeout)) pid
    while ((SECONDS < deadline)); do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        for pid in "$@"; do
            if ! kill -0 "$pid" 2>/dev/null; then
                log_err "process $pid exited while waiting for $url"
                return 1
            fi
        done
        sleep 0.25
    done
    log_err "timed out after ${timeout}s waiting for $url"
    return 1
}

# Polls until 127.0.0.1:PORT accepts connections (TIMEOUT seconds, optional PID to watch).
wait_for_port() {
    local port="$1" timeout="${2:-30}" pid="${3:-}"
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        port_open "$port" && return 0
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            log_err "process $pid exited before port $port opened"
            return 1
        fi
        sleep 0.1
    done
    log_err "timed out after ${timeout}s waiting for port $port"
    return 1
}

# MARK: - Processes

# Runs a command in a session of its own, meant to be started with `&`: Ctrl-C at the
# terminal then reaches only the script, whose trap stops the processes in order (services,
# then NATS, then Postgres) instead of all of them at once. $! stays the command's PID: a
# background child of a script without job control is no group leader, so setsid does not
# fork.
background() {
    exec setsid "$@"
}

# Stops PID: SIGTERM, up to GRACE seconds (default 10), then SIGKILL. Quiet when already gone.
proc_stop() {
    local pid="$1" grace="${2:-10}" name="${3:-process}"
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log_warn "$name (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# Stops several processes at once: SIGTERM to all, up to GRACE seconds for all of them, then
# SIGKILL to the survivors. Arguments after GRACE are NAME=PID pairs.
procs_stop() {
    local grace="$1" pair pid alive
    shift
    for pair in "$@"; do
        kill -TERM "${pair##*=}" 2>/dev/null || true
    done
    local deadline=$((SECONDS + grace))
    while ((SECONDS < deadline)); do
        alive=0
        for pair in "$@"; do
            kill -0 "${pair##*=}" 2>/dev/null && alive=1
        done
        ((alive)) || break
        sleep 0.1
    done
    for pair in "$@"; do
        pid="${pair##*=}"
        if kill -0 "$pid" 2>/dev/null; then
            log_warn "${pair%=*} (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
}

# Prints the last N lines of each given log file, with a header.
print_log_tails() {
    local n="$1" file
    shift
    for file in "$@"; do
        [[ -f "$file" ]] || continue
        printf '\n----- last %s lines of %s -----\n' "$n" "$file" >&2
        tail -n "$n" "$file" >&2 || true
    done
}

# MARK: - Postgres

# Postgres refuses to run as root, so its binaries run as the `postgres` user.
_as_postgres() {
    if [[ $(id -un) == postgres ]]; then
        "$@"
    elif [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        # Not root: run the server as ourselves (Postgres only refuses root).
        "$@"
    fi
}

# State of the Postgres started by pg_start, for pg_stop.
PG_DIR=""
PG_PORT=""

# Creates a cluster in DIR/data (socket directory DIR/sock, log DIR/postgres.log) unless one
# exists there already. Superuser `postgres`, password $PG_SUPERUSER_PASSWORD; local socket
# connections trust, TCP connections need SCRAM.
pg_init() {
    local dir="$1"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres:postgres "$dir"
        if ! runuser -u postgres -- test -w "$dir"; then
            die "the postgres user cannot reach $dir (a parent folder is not world-searchable); choose another folder"
        fi
    fi
    if [[ -f "$dir/data/PG_VERSION" ]]; then
        return 0
    fi
    [[ -x "$PG_BIN/initdb" ]] || die "no initdb at $PG_BIN (install postgresql or set HXB_PG_BIN)"
    log "creating a Postgres cluster in $dir/data"
    local pwfile="$dir/.pwfile"
    _as_postgres install -m 600 /dev/null "$pwfile"
    printf '%s\n' "$PG_SUPERUSER_PASSWORD" >"$pwfile"
    if ! _as_postgres "$PG_BIN/initdb" -D "$dir/data" --username=postgres --pwfile="$pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1; then
        rm -f "$pwfile"
        print_log_tails 30 "$dir/initdb.log"
        die "initdb failed in $dir/data"
    fi
    rm -f "$pwfile"
}

# Starts the cluster of pg_init DIR on 127.0.0.1:PORT and waits until it accepts connections.
# Extra arguments are server options, e.g. -c fsync=off.
pg_start() {
    local dir port
    dir="$(cd "$1" && pwd)"
    port="$2"
    shift 2
    local opts="-p $port -k $dir/sock -c listen_addresses=127.0.0.1 $*"
    _as_postgres mkdir -p "$dir/sock"
    if _as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        die "a Postgres server already runs on $dir/data (pid $(head -1 "$dir/data/postmaster.pid" 2>/dev/null), left over or another run); stop it with: runuser -u postgres -- $PG_BIN/pg_ctl -D $dir/data stop"
    fi
    require_port_free "$port" "Postgres" "HXB_PG_PORT"
    log "starting Postgres on 127.0.0.1:$port"
    PG_DIR="$dir"
    PG_PORT="$port"
    if ! _as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "$opts" \
        -w -t 60 start >/dev/null; then
        print_log_tails 30 "$dir/postgres.log"
        die "Postgres did not start (log: $dir/postgres.log)"
    fi
}

# Stops the Postgres that pg_start started (or the one in DIR), fast mode: disconnects clients,
# checkpoints, exits. Quiet when nothing runs.
pg_stop() {
    local dir="${1:-$PG_DIR}"
    [[ -n "$dir" && -d "$dir/data" ]] || return 0
    if _as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        log "stopping Postgres"
        _as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null \
            || _as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null \
            || log_warn "could not stop Postgres in $dir"
    fi
    if [[ "$dir" == "$PG_DIR" ]]; then PG_DIR=""; fi
}

# Prints a superuser URL for the running Postgres and database DB.
pg_superuser_url() {
    printf 'postgresql://postgres:%s@127.0.0.1:%s/%s\n' "$(urlencode "$PG_SUPERUSER_PASSWORD")" "${2:-$PG_PORT}" "$1"
}

# Prints the password of role hxb_<SERVICE>: $HXB_DB_PASSWORD_<SERVICE> or hxb_<service>.
service_db_password() {
    local svc="$1" var
    var="HXB_DB_PASSWORD_$(tr '[:lower:]' '[:upper:]' <<<"$svc")"
    printf '%s\n' "${!var:-hxb_$svc}"
}

# Prints the libpq URL of service SERVICE's own role on database DB.
service_db_url() {
    local svc="$1" db="$2" port="${3:-$PG_PORT}"
    printf 'postgresql://hxb_%s:%s@127.0.0.1:%s/%s\n' "$svc" "$(urlencode "$(service_db_password "$svc")")" "$port" "$db"
}

# Percent-encodes STRING for a URL's userinfo part.
urlencode() {
    python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"
}

# Creates the database named in URL (a superuser libpq URI) when missing, then the layout of
# DESIGN §6 in it: per service a LOGIN role hxb_<service> and a schema <service> it owns, the
# role's search_path set to its schema, no rights for PUBLIC on any of them nor CREATE on
# public. Idempotent.
pg_setup_schemas() {
    local url="$1"
    local base="${url%%\?*}" query=""
    [[ "$url" == *\?* ]] && query="?${url#*\?}"
    local db="${base##*/}"
    [[ -n "$db" && "$db" != "$base" ]] || die "pg_setup_schemas: no database name in $url"
    local admin_url="${base%/*}/postgres$query"
    local psql=(psql -X -q -v ON_ERROR_STOP=1 --no-psqlrc)

    "${psql[@]}" "$admin_url" -v db="$db" >/dev/null <<'SQL' || die "could not create database $db"
SELECT format('CREATE DATABASE %I', :'db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL

    # Names and passwords travel as psql variables and are quoted by format(%I/%L), so any
    # password is safe.
    local svc sql=$'SET client_min_messages = warning;\n' vars=()
    for svc in $SCHEMAS; do
        vars+=(-v "role_$svc=hxb_$svc" -v "schema_$svc=$svc" -v "password_$svc=$(service_db_password "$svc")")
        sql+="\\set role :role_$svc
\\set schema :schema_$svc
\\set password :password_$svc
"
        sql+=$'SELECT format(\'CREATE ROLE %I LOGIN PASSWORD %L\', :\'role\', :\'password\') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :\'role\') \\gexec\n'
        sql+=$'SELECT format(\'CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I\', :\'schema\', :\'role\') \\gexec\n'
        sql+=$'SELECT format(\'ALTER SCHEMA %I OWNER TO %I\', :\'schema\', :\'role\') \\gexec\n'
        sql+=$'SELECT format(\'ALTER ROLE %I SET search_path = %I\', :\'role\', :\'schema\') \\gexec\n'
        sql+=$'SELECT format(\'REVOKE ALL ON SCHEMA %I FROM PUBLIC\', :\'schema\') \\gexec\n'
        sql+=$'SELECT format(\'GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I\', current_database(), :\'role\') \\gexec\n'
    done
    sql+=$'REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n'
    "${psql[@]}" "${vars[@]}" "$url" >/dev/null <<<"$sql" || die "could not set up the schemas in $db"

    # The password is set when a role is created; it is reset only when it no longer works
    # (e.g. HXB_DB_PASSWORD_<SERVICE> changed), so a second run changes nothing.
    local hostport="${base#*://}"
    hostport="${hostport#*@}"
    hostport="${hostport%%/*}"
    for svc in $SCHEMAS; do
        if ! PGCONNECT_TIMEOUT=5 "${psql[@]}" "$(printf 'postgresql://hxb_%s:%s@%s/%s' "$svc" \
            "$(urlencode "$(service_db_password "$svc")")" "$hostport" "$db")" -c 'SELECT 1' \
            >/dev/null 2>&1; then
            log "setting the password of role hxb_$svc"
            "${psql[@]}" "$url" -v role="hxb_$svc" -v password="$(service_db_password "$svc")" \
                >/dev/null <<<$'SELECT format(\'ALTER ROLE %I LOGIN PASSWORD %L\', :\'role\', :\'password\') \\gexec' \
                || die "could not set the password of role hxb_$svc"
        fi
    done
}

# MARK: - NATS

NATS_PID=""

# Starts nats-server with JetStream (store DIR/js) on 127.0.0.1:PORT, optional HTTP monitoring
# on 127.0.0.1:MONITOR_PORT, log DIR/nats.log, and waits until it accepts connections.
nats_start() {
    local dir="$1" port="$2" monitor="${3:-}"
    mkdir -p "$dir/js"
    dir="$(cd "$dir" && pwd)"
    local bin
    bin="$(nats_server_path)" || die "nats-server not found (install the nats-server package)"
    require_port_free "$port" "nats-server" "HXB_NATS_PORT"
    local args=(-a 127.0.0.1 -p "$port" -js -sd "$dir/js" -P "$dir/nats.pid")
    if [[ -n "$monitor" ]]; then
        require_port_free "$monitor" "the nats-server monitor" "HXB_NATS_MONITOR_PORT"
        args+=(-m "$monitor")
    fi
    log "starting nats-server on 127.0.0.1:$port${monitor:+ (monitor :$monitor)}"
    background "$bin" "${args[@]}" </dev/null >>"$dir/nats.log" 2>&1 &
    NATS_PID=$!
    if ! wait_for_port "$port" 30 "$NATS_PID"; then
        print_log_tails 30 "$dir/nats.log"
        nats_stop
        die "nats-server did not start (log: $dir/nats.log)"
    fi
    if [[ -n "$monitor" ]] && ! wait_for_http "http://127.0.0.1:$monitor/healthz" 30 "$NATS_PID"; then
        print_log_tails 30 "$dir/nats.log"
        nats_stop
        die "nats-server's monitor did not become healthy"
    fi
}

# Stops the nats-server that nats_start started. Quiet when none runs.
nats_stop() {
    [[ -n "$NATS_PID" ]] || return 0
    if kill -0 "$NATS_PID" 2>/dev/null; then
        log "stopping nats-server"
    fi
    proc_stop "$NATS_PID" 10 nats-server
    NATS_PID=""
}

# Prints the path of nats-server.
nats_server_path() {
    if [[ -n "${HXB_NATS_SERVER:-}" ]]; then
        printf '%s\n' "$HXB_NATS_SERVER"
    elif command -v nats-server >/dev/null 2>&1; then
        command -v nats-server
    elif [[ -x /usr/sbin/nats-server ]]; then
        printf '/usr/sbin/nats-server\n'
    else
        return 1
    fi
}

# MARK: - Throwaway stack (tests and benchmarks)

STACK_DIR=""

# Starts a throwaway Postgres and nats-server on free ports in a new temporary folder, creates
# the databases given as arguments with the schema layout. Sets STACK_DIR, PG_PORT, NATS_PORT,
# NATS_URL. Call stack_stop from an EXIT trap.
stack_start() {
    STACK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/hexabase-stack.XXXXXX")"
    # The postgres user must reach its folder inside.
    chmod 755 "$STACK_DIR"
    local ports
    ports="$(free_ports 3)"
    read -r PG_PORT NATS_PORT NATS_MONITOR_PORT <<<"$ports"
    pg_init "$STACK_DIR/postgres"
    # Throwaway data: durability off, room for many parallel test connections.
    pg_start "$STACK_DIR/postgres" "$PG_PORT" -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=300
    nats_start "$STACK_DIR/nats" "$NATS_PORT" "$NATS_MONITOR_PORT"
    NATS_URL="nats://127.0.0.1:$NATS_PORT"
    local db
    for db in "$@"; do
        pg_setup_schemas "$(pg_superuser_url "$db")"
    done
}

# Stops the throwaway stack and removes its folder (kept when HXB_KEEP_STACK=1).
stack_stop() {
    nats_stop
    pg_stop "$PG_DIR"
    if [[ -n "$STACK_DIR" && -d "$STACK_DIR" ]]; then
        if [[ "${HXB_KEEP_STACK:-0}" == 1 ]]; then
            log "keeping $STACK_DIR (HXB_KEEP_STACK=1)"
        else
            rm -rf "$STACK_DIR"
        fi
    fi
    STACK_DIR=""
}
