#!/usr/bin/env bash
# An S3 server on loopback for the tests and CI: moto's server (moto[server]==5.2.5), in its own
# virtualenv apart from the project's requirements (it brings ~60 packages the service does not
# need, and its own boto3). Why moto, and its limits: docs/decisions/s3-backend.md.
#
#   scripts/s3-server.sh install          create .objectstores/moto-venv (first use does it too)
#   scripts/s3-server.sh start DIR PORT   start on 127.0.0.1:PORT, wait until it answers, and
#                                         print `export NAME=value` lines for the clients
#   scripts/s3-server.sh stop DIR         stop the server started with DIR
#
# The data lives in the server's memory: it is gone once stopped. Exit status 3: moto could
# not be installed (no network to PyPI?); anything else non-zero: the server did not start.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${MOTO_VENV:-$ROOT/.objectstores/moto-venv}
MOTO_REQUIREMENT="moto[server]==5.2.5"
READY_TIMEOUT=${S3_SERVER_READY_TIMEOUT:-60}   # a busy 2-core machine can be slow
STOP_TIMEOUT=10

die() { echo "s3-server: $1" >&2; exit "${2:-1}"; }

install() {
    [ -f "$VENV/.installed" ] && return 0
    mkdir -p "$(dirname "$VENV")"
    # Several test workers may ask at once: one installs, the others wait for it. The lock's
    # fd is closed for everything started later (a server must not inherit it and hold it).
    exec 8>"$(dirname "$VENV")/.moto-venv.lock"
    flock -w 600 8 || die "timed out waiting for another installation of moto" 3
    if [ ! -f "$VENV/.installed" ]; then
        echo "s3-server: installing $MOTO_REQUIREMENT into $VENV" >&2
        rm -rf "$VENV"
        python3 -m venv "$VENV" >&2 || { exec 8>&-; die "python3 -m venv failed" 3; }
        if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check "$MOTO_REQUIREMENT" >&2; then
            rm -rf "$VENV"
            exec 8>&-
            die "cannot install $MOTO_REQUIREMENT (no network to PyPI?)" 3
        fi
        touch "$VENV/.installed"
    fi
    exec 8>&-
}

# A stopped process may stay a zombie for a moment; it counts as stopped.
running() {
    local pid=$1 state
    [ -r "/proc/$pid/stat" ] || return 1
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

answers() {
    [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ]
}

start() {
    local dir=$1 port=$2 pid deadline
    [[ $port =~ ^[0-9]+$ ]] || die "PORT must be a number, not '$port'"
    install
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/moto.pid" ] && running "$(cat "$dir/moto.pid")"; then
        die "a server started with $dir is running already (pid $(cat "$dir/moto.pid"))"
    fi
    if answers "$port"; then
        die "port $port is taken by another server"
    fi
    # Its own session and files: it outlives neither its stop nor holds the caller's pipes.
    setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$dir/moto.pid"
    echo "$port" >"$dir/moto.port"
    deadline=$((SECONDS + READY_TIMEOUT))
    until answers "$port"; do
        if ! running "$pid"; then
            tail -n 20 "$dir/moto.log" >&2 || true
            rm -f "$dir/moto.pid"
            die "moto exited at start (log: $dir/moto.log)"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            kill "$pid" 2>/dev/null || true
            rm -f "$dir/moto.pid"
            die "moto did not answer on port $port within ${READY_TIMEOUT}s (log: $dir/moto.log)"
        fi
        sleep 0.1
    done
    local endpoint="http://127.0.0.1:$port"
    # moto accepts any credentials and region (object-stores.md §5).
    cat <<EOF
export S3_SERVER_PID=$pid
export FS_S3_ENDPOINT=$endpoint
export FS_S3_ACCESS_KEY=testing
export FS_S3_SECRET_KEY=testing
export FS_S3_REGION=us-east-1
export AWS_ENDPOINT_URL_S3=$endpoint
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1
EOF
}

stop() {
    local dir=$1 pid deadline
    [ -f "$dir/moto.pid" ] || return 0
    pid=$(cat "$dir/moto.pid")
    if running "$pid"; then
        kill "$pid" 2>/dev/null || true
        deadline=$((SECONDS + STOP_TIMEOUT))
        while running "$pid"; do
            if [ "$SECONDS" -ge "$deadline" ]; then
                kill -9 "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.1
        done
    fi
    rm -f "$dir/moto.pid"
}

case "${1:-}" in
install) install ;;
start)
    [ $# -eq 3 ] || die "usage: $0 start DIR PORT"
    start "$2" "$3"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: $0 stop DIR"
    stop "$2"
    ;;
*) die "usage: $0 install | start DIR PORT | stop DIR" ;;
esac
