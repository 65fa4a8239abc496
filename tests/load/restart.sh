#!/bin/sh
# Restart: `oomkb serve` on a fixed loopback port under wrk load (64 connections), killed with
# SIGKILL mid-load and started again on the same port at once, 5 times in a row. The port is
# taken below the kernel's ephemeral range, so no client socket of the load can ever hold it.
# Checks: every restart binds immediately (SO_REUSEADDR: the killed server's connections linger
# in TIME_WAIT; a bind without it is tried as a control), serves /healthz within 1 s of the
# restart command, and takes the load after the restart.
# Usage: tests/load/restart.sh [path/to/oomkb]   (RESTARTS=5 by default)
. "$(dirname "$0")/lib.sh"
need wrk wrk
need curl curl
need ss iproute2
restarts=${RESTARTS:-5}

# A free port in 20000-32767 (below ip_local_port_range's usual 32768).
port=""
for try in 0 1 2 3 4 5 6 7 8 9; do
    p=$(( 20000 + ($$ * 7 + try * 1231) % 12000 ))
    if ! ss -Htan "( sport = :$p )" | grep -q .; then port=$p; break; fi
done
[ -n "$port" ] || { echo "$0: no free port found" >&2; exit 2; }

start_server srv --quiet --port "$port" --timeout 5
paths_file "$srv_url" "$tmp/paths"
echo "restart: port $port, $restarts kill -9 under load"

PATHS="$tmp/paths" timeout $((restarts * 4 + 30)) \
    wrk -t2 -c64 -d"$((restarts * 3 + 3))s" --timeout 2s -s "$load_dir/soak.lua" "$srv_url" \
    >"$tmp/wrk.out" 2>&1 &
wrk_pid=$!
sleep 2

bind_ok=0
healthy=0
worst_ms=0
lingering=""
i=1
while [ "$i" -le "$restarts" ]; do
    old=$srv_pid
    t0=$(date +%s%N)
    kill -9 "$old"
    wait "$old" 2>/dev/null || true
    # The killed server's connections the kernel still holds on the port (TIME_WAIT,
    # FIN_WAIT, ...), and, as a control, whether a bind without SO_REUSEADDR fails now.
    tw=$(ss -Htan "( sport = :$port )" | grep -vc '^LISTEN' || true)
    lingering="$lingering $tw"
    if command -v python3 >/dev/null 2>&1 && [ "$tw" -gt 0 ]; then
        python3 -c 'import socket,sys
s=socket.socket()
try: s.bind(("127.0.0.1", int(sys.argv[1]))); print("bound")
except OSError as e: print("EADDRINUSE" if e.errno == 98 else e.strerror)' "$port" >>"$tmp/control"
    fi
    t1=$(date +%s%N)
    if start_server srv --quiet --port "$port" --timeout 5; then
        bind_ok=$((bind_ok + 1))
        code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$srv_url/healthz" || true)
        ms=$(( ($(date +%s%N) - t1) / 1000000 ))
        since_kill=$(( ($(date +%s%N) - t0) / 1000000 ))
        [ "$ms" -gt "$worst_ms" ] && worst_ms=$ms
        if [ "$code" = 200 ] && [ "$ms" -lt 1000 ]; then healthy=$((healthy + 1)); fi
        echo "  restart $i: bound port $port again, /healthz $code ${ms} ms after the restart command (${since_kill} ms after the kill, checks included) ($tw old connections on the port)"
    else
        echo "  restart $i: could not bind port $port again"
        sed 's/^/    /' "$tmp/srv.log"
    fi
    sleep 2
    i=$((i + 1))
done
before=$(curl -s "$srv_url/api/search?q=oom" | wc -c)
wait "$wrk_pid" 2>/dev/null || true
# Requests the last server answered after its restart: its own count via a fresh wrk second.
after=$(wrk -t1 -c8 -d1s "$srv_url/healthz" 2>/dev/null | awk '/requests in/ {print $1}')

fig restarts "$bind_ok of $restarts bound the port at once; $healthy served /healthz within 1 s of the restart command (worst ${worst_ms} ms)"
fig "old connections on the port at each restart" "$lingering"
[ ! -s "$tmp/control" ] || fig "control: bind() without SO_REUSEADDR at those moments" "$(sort "$tmp/control" | uniq -c | tr -s ' ' | tr '\n' ' ')"
fig "load" "$(awk '/requests in/ {print $1, "requests,"} /Socket errors/ {print} ' "$tmp/wrk.out" | tr '\n' ' ') (errors are the killed server's connections)"
check "restart: every restart on the same port binds immediately ($bind_ok of $restarts)" [ "$bind_ok" -eq "$restarts" ]
check "restart: every restarted server answers /healthz within 1 s of starting ($healthy of $restarts)" [ "$healthy" -eq "$restarts" ]
check "restart: the last server takes load (${after:-0} requests in 1 s) and answers searches ($before bytes)" \
    [ "${after:-0}" -gt 0 -a "$before" -gt 0 ]
stop_server "$srv_pid"
summary
