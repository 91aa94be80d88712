#!/bin/bash
# dockerd.sh start|stop STATE_DIR SOCKET_DIR
#
# Starts a private Docker daemon by hand (no systemd needed), so the platforms tests (a
# CTest fixture) and `./setup.sh demo` neither need nor disturb a system one; stops it by PID.
#   data root   STATE_DIR/data   (images built by the tests stay there between runs)
#   exec root   SOCKET_DIR       (short path: unix sockets are limited to 107 bytes)
#   socket      SOCKET_DIR/docker.sock  -> tests use DOCKER_HOST=unix://SOCKET_DIR/docker.sock
#   pid file    STATE_DIR/dockerd.pid, log STATE_DIR/dockerd.log
# Started with --iptables=false --bridge=none: the workload needs no network (containers
# run with --network none), and the host's network is left as it was.
set -uo pipefail
ACTION=${1:?usage: dockerd.sh start|stop STATE_DIR SOCKET_DIR}
STATE=${2:?STATE_DIR}
SOCK_DIR=${3:?SOCKET_DIR}
SOCK=$SOCK_DIR/docker.sock
PIDFILE=$STATE/dockerd.pid
DOCKER=${DOCKER:-docker}

stop() {
    [ -s "$PIDFILE" ] || { echo "dockerd.sh: no pid file $PIDFILE: nothing to stop"; return 0; }
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "dockerd.sh: dockerd $pid ignored SIGTERM for 20 s: SIGKILL"
            kill -KILL "$pid"
        fi
    fi
    rm -f "$PIDFILE"
    echo "dockerd.sh: dockerd $pid stopped"
}

case $ACTION in
start)
    command -v dockerd >/dev/null || { echo "dockerd.sh: dockerd not found; apt-get install docker.io" >&2; exit 1; }
    mkdir -p "$STATE/data" "$SOCK_DIR"
    if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
        echo "dockerd.sh: a previous private dockerd $(cat "$PIDFILE") is still running: stopping it"
        stop
    fi
    rm -f "$PIDFILE"
    dockerd --iptables=false --ip-masq=false --bridge=none \
        --data-root "$STATE/data" --exec-root "$SOCK_DIR" --pidfile "$PIDFILE" \
        -H "unix://$SOCK" >"$STATE/dockerd.log" 2>&1 </dev/null &
    dpid=$!
    for _ in $(seq 1 150); do
        if DOCKER_HOST=unix://$SOCK "$DOCKER" info >/dev/null 2>&1; then
            echo "dockerd.sh: dockerd $dpid answers on unix://$SOCK"
            DOCKER_HOST=unix://$SOCK "$DOCKER" version --format 'server {{.Server.Version}}, client {{.Client.Version}}'
            exit 0
        fi
        kill -0 "$dpid" 2>/dev/null || break
        sleep 0.2
    done
    echo "dockerd.sh: dockerd did not answer within 30 s; log:" >&2
    tail -20 "$STATE/dockerd.log" >&2
    [ -s "$PIDFILE" ] || echo "$dpid" >"$PIDFILE"
    stop
    exit 1
    ;;
stop) stop ;;
*) echo "dockerd.sh: unknown action $ACTION" >&2; exit 2 ;;
esac
