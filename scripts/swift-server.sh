#!/usr/bin/env bash
# An OpenStack Swift for the tests, on loopback, from Debian's packages (swift, swift-proxy,
# swift-account, swift-container, swift-object, memcached): tempauth (auth v1, user
# test:tester, key testing), s3api on the proxy port, tempurl and slo in the pipeline. No
# systemd, no docker: every server is one process (workers = 0) with its pid in DIR/pids.
#
#   scripts/swift-server.sh start DIR PORT   start it, print `export NAME=value` lines
#   scripts/swift-server.sh stop DIR         stop what `start` started (by pid)
#
# Five ports from PORT: proxy PORT, account +1, container +2, object +3, memcached +4.
# Everything (configs, rings, data, logs, pids) lives in DIR, kept across restarts; the rings
# are rebuilt only when PORT changes. A server that exits at once says why at the end of its
# log in DIR/log. How and why each setting: docs/decisions/swift-backend.md.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR PORT | stop DIR" >&2
    exit 2
}

# Bounded waits: a busy 2-core machine may take several seconds, a broken start never ends.
READY_TIMEOUT=${SWIFT_READY_TIMEOUT:-60}
STOP_TIMEOUT=${SWIFT_STOP_TIMEOUT:-15}
SERVERS=(account container object proxy)

# A pid counts as running while it exists and is not a zombie (a killed server may stay a
# zombie until PID 1 reaps it, and `kill -0` succeeds on a zombie).
running() {
    local pid=$1 state
    [ -r "/proc/$pid/stat" ] || return 1
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ] && [ "$state" != X ]
}

# The pid in a pid file, if it is still the process this script started (its command line
# names DIR or, for memcached, its port): a reused pid is left alone.
our_pid() {
    local file=$1 mark=$2 pid
    [ -f "$file" ] || return 1
    pid=$(cat "$file")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    running "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$mark" || return 1
    echo "$pid"
}

stop() {
    local dir=$1 name pid mark deadline
    [ -d "$dir/pids" ] || return 0
    for name in proxy object container account memcached; do
        if [ "$name" = memcached ]; then
            mark="-p $(cat "$dir/etc/memcached.port" 2>/dev/null || echo none)"
        else
            mark="$dir/etc/$name-server.conf"
        fi
        if pid=$(our_pid "$dir/pids/$name.pid" "$mark"); then
            kill -TERM "$pid" 2>/dev/null || true
            deadline=$((SECONDS + STOP_TIMEOUT))
            while running "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
            if running "$pid"; then
                echo "swift-server: $name (pid $pid) ignored SIGTERM; killing it" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
        rm -f "$dir/pids/$name.pid"
    done
}

# The tail of every log, for a start that failed.
show_logs() {
    local dir=$1 log
    for log in "$dir"/log/*.log; do
        [ -f "$log" ] || continue
        echo "--- $log" >&2
        tail -n 20 "$log" >&2
    done
}

fail() {
    local dir=$1
    shift
    echo "swift-server: $*" >&2
    show_logs "$dir"
    stop "$dir"
    exit 1
}

http_status() {
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true
}

write_configs() {
    local dir=$1 port=$2 name server_port
    for name in account container object; do
        case $name in
        account) server_port=$((port + 1)) ;;
        container) server_port=$((port + 2)) ;;
        object) server_port=$((port + 3)) ;;
        esac
        cat >"$dir/etc/$name-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $server_port
workers = 0
user = $(id -un)
swift_dir = $dir/etc
devices = $dir/srv/node
mount_check = false
disable_fallocate = true
recon_cache_path = $dir/cache
log_name = $name-server
log_udp_host = 127.0.0.1

[pipeline:main]
pipeline = healthcheck $name-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:$name-server]
use = egg:swift#$name
EOF
    done
    cat >"$dir/etc/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = $(id -un)
swift_dir = $dir/etc
log_name = proxy-server
log_udp_host = 127.0.0.1

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
# one object server only: do not shun it for 60 s after a single 507
error_suppression_interval = 0

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$((port + 4))

[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:tempurl]
use = egg:swift#tempurl
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
[filter:symlink]
use = egg:swift#symlink
EOF
}

# Part power 6, one replica, one device per ring: about 5 s, so kept while PORT is the same.
build_rings() {
    local dir=$1 port=$2 name offset
    if [ "$(cat "$dir/etc/rings.port" 2>/dev/null)" = "$port" ] &&
        [ -f "$dir/etc/account.ring.gz" ] && [ -f "$dir/etc/container.ring.gz" ] &&
        [ -f "$dir/etc/object.ring.gz" ]; then
        return 0
    fi
    rm -f "$dir"/etc/*.builder "$dir"/etc/*.ring.gz "$dir/etc/rings.port"
    rm -rf "$dir/etc/backups"
    for name in account container object; do
        case $name in
        account) offset=1 ;;
        container) offset=2 ;;
        object) offset=3 ;;
        esac
        (
            cd "$dir/etc"
            swift-ring-builder "$name.builder" create 6 1 1
            swift-ring-builder "$name.builder" add "r1z1-127.0.0.1:$((port + offset))/d1" 100
            swift-ring-builder "$name.builder" rebalance
        ) >>"$dir/log/rings.log" 2>&1 || fail "$dir" "building the $name ring failed"
    done
    echo "$port" >"$dir/etc/rings.port"
}

start() {
    local dir=$1 port=$2 name deadline token status server_port
    [[ $port =~ ^[0-9]+$ ]] || usage
    for name in swift-proxy-server swift-account-server swift-container-server \
        swift-object-server swift-ring-builder memcached curl; do
        command -v "$name" >/dev/null || {
            echo "swift-server: $name is missing (apt-get install swift swift-proxy" \
                "swift-account swift-container swift-object memcached curl)" >&2
            exit 3
        }
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd) # absolute: the servers chdir to /
    mkdir -p "$dir/etc" "$dir/srv/node/d1" "$dir/cache" "$dir/log" "$dir/pids"
    for name in memcached "${SERVERS[@]}"; do
        if [ -f "$dir/pids/$name.pid" ] && running "$(cat "$dir/pids/$name.pid")"; then
            echo "swift-server: already running in $dir (stop it first)" >&2
            exit 1
        fi
    done

    # Swift 2.30's servers always read this one file, whatever swift_dir says.
    if [ ! -f /etc/swift/swift.conf ]; then
        mkdir -p /etc/swift
        cat >/etc/swift/swift.conf <<EOF
[swift-hash]
swift_hash_path_suffix = changeme
swift_hash_path_prefix = changeme

[storage-policy:0]
name = Policy-0
default = yes
EOF
    fi

    write_configs "$dir" "$port"
    build_rings "$dir" "$port"

    # memcached first: tempauth keeps its tokens there, and the proxy's memcache client
    # error-limits a server it could not reach for a while.
    echo "$((port + 4))" >"$dir/etc/memcached.port"
    setsid memcached -l 127.0.0.1 -p "$((port + 4))" -U 0 -m 64 -u "$(id -un)" \
        >"$dir/log/memcached.log" 2>&1 </dev/null &
    echo $! >"$dir/pids/memcached.pid"
    deadline=$((SECONDS + READY_TIMEOUT))
    until (exec 3<>"/dev/tcp/127.0.0.1/$((port + 4))") 2>/dev/null; do
        running "$(cat "$dir/pids/memcached.pid")" || fail "$dir" "memcached exited"
        [ $SECONDS -lt $deadline ] || fail "$dir" "memcached did not answer in ${READY_TIMEOUT} s"
        sleep 0.1
    done

    # The servers call setsid() themselves; their output goes to their log (a server that
    # kept the caller's stdout would hold a test runner's pipe open for ever).
    for name in "${SERVERS[@]}"; do
        "/usr/bin/swift-$name-server" "$dir/etc/$name-server.conf" -v \
            >"$dir/log/$name.log" 2>&1 </dev/null &
        echo $! >"$dir/pids/$name.pid"
    done

    # Ready: each server's healthcheck, then a token, then the account through the stack.
    for name in account container object proxy; do
        case $name in
        account) server_port=$((port + 1)) ;;
        container) server_port=$((port + 2)) ;;
        object) server_port=$((port + 3)) ;;
        proxy) server_port=$port ;;
        esac
        until [ "$(http_status "http://127.0.0.1:$server_port/healthcheck")" = 200 ]; do
            running "$(cat "$dir/pids/$name.pid")" || fail "$dir" "the $name server exited"
            [ $SECONDS -lt $deadline ] ||
                fail "$dir" "the $name server did not answer in ${READY_TIMEOUT} s"
            sleep 0.1
        done
    done
    while :; do
        token=$(curl -s -m 5 -D - -o /dev/null -H 'X-Auth-User: test:tester' \
            -H 'X-Auth-Key: testing' "http://127.0.0.1:$port/auth/v1.0" |
            tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}') || true
        if [ -n "$token" ]; then
            status=$(http_status -I -H "X-Auth-Token: $token" "http://127.0.0.1:$port/v1/AUTH_test")
            # 200 while the account has no container yet, 204 after
            [ "$status" = 200 ] || [ "$status" = 204 ] && break
        fi
        [ $SECONDS -lt $deadline ] || fail "$dir" "no token or account in ${READY_TIMEOUT} s"
        sleep 0.2
    done

    cat <<EOF
export SWIFT_DIR=$dir
export SWIFT_PROXY_PID=$(cat "$dir/pids/proxy.pid")
export SWIFT_AUTH_URL=http://127.0.0.1:$port/auth/v1.0
export SWIFT_STORAGE_URL=http://127.0.0.1:$port/v1/AUTH_test
export FS_SWIFT_AUTHURL=http://127.0.0.1:$port/auth/v1.0
export FS_SWIFT_AUTH_VERSION=1
export FS_SWIFT_USER=test:tester
export FS_SWIFT_KEY=testing
export SWIFT_S3_ENDPOINT=http://127.0.0.1:$port
export SWIFT_S3_ACCESS_KEY=test:tester
export SWIFT_S3_SECRET_KEY=testing
export SWIFT_S3_REGION=us-east-1
EOF
}

case ${1:-} in
start)
    [ $# -eq 3 ] || usage
    start "$2" "$3"
    ;;
stop)
    [ $# -eq 2 ] || usage
    [ -d "$2" ] || exit 0
    stop "$(cd "$2" && pwd)"
    ;;
*) usage ;;
esac
