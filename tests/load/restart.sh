#!/bin/sh
# Restart: `oomkb serve` on a fixed loopback port under wrk load (64 connections), killed with
# SIGKILL mid-load and started again on the same port at once, 5 times in a row. The port is
# taken outside the kernel's ephemeral range (read from ip_local_port_range), so no client
# socket of the load can ever hold it.
# Checks: every restart binds immediately (SO_REUSEADDR: the killed server's connections linger
# in TIME_WAIT; a bind without it is tried as a control), serves /healthz after the restart,
# and takes the load after the restart. How long each restart took to answer is a figure, not
# a check: a timed assertion would measure the machine's load, not the server.
# Usage: tests/load/restart.sh [path/to/oomkb]   (RESTARTS=5 by default)
. "$(dirname "$0")/lib.sh"
need wrk wrk
need curl curl
need ss iproute2
restarts=${RESTARTS:-5}

# Candidate ports outside the ephemeral range: below it when there is room, else above it.
# (cat, not read: dash reads a byte at a time, which /proc/sys files do not support.)
range=$(cat /proc/sys/net/ipv4/ip_local_port_range)
eph_lo=$(echo "$range" | awk '{print $1}')
eph_hi=$(echo "$range" | awk '{print $2}')
if [ "$eph_lo" -gt 3024 ]; then
    base=2000 span=$((eph_lo - 2000))
elif [ "$eph_hi" -lt 63535 ]; then
    base=$((eph_hi + 1)) span=$((65535 - eph_hi))
else
    echo "$0: ip_local_port_range is $eph_lo-$eph_hi: no port outside it to test on" >&2
    exit 2
fi
port=""
try=0
while [ -z "$port" ] && [ "$try" -lt 20 ]; do
    p=$(( base + ($$ * 7 + try * 1231) % span ))
    try=$((try + 1))
    ss -Htan "( sport = :$p )" | grep -q . && continue
    # Another program may take the port between the look and the bind: then the next one.
    if start_server srv --quiet --port "$p" --timeout 5 2>/dev/null; then port=$p; fi
done
[ -n "$port" ] || { echo "$0: no free port found in $base-$((base + span - 1))" >&2; exit 2; }
paths_file "$srv_url" "$tmp/paths"
echo "restart: port $port (ephemeral range $eph_lo-$eph_hi), $restarts kill -9 under load"

# wrk runs until it is stopped after the last restart, however long the restarts take.
PATHS="$tmp/paths" timeout 600 \
    wrk -t2 -c64 -d600s --timeout 2s -s "$load_dir/soak.lua" "$srv_url" \
    >"$tmp/wrk.out" 2>&1 &
wrk_pid=$!
sleep 2

# healthz_ms T0: waits for /healthz to answer 200 (30 s at most) and prints the milliseconds
# since T0 (date +%s%N), or nothing.
healthz_ms() {
    _h_i=0
    while [ "$_h_i" -lt 300 ]; do
        if [ "$(curl -s -o /dev/null -m 30 -w '%{http_code}' "$srv_url/healthz" || true)" = 200 ]; then
            echo $(( ($(date +%s%N) - $1) / 1000000 ))
            return 0
        fi
        sleep 0.1
        _h_i=$((_h_i + 1))
    done
}

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
        ms=$(healthz_ms "$t1")
        since_kill=$(( ($(date +%s%N) - t0) / 1000000 ))
        if [ -n "$ms" ]; then
            healthy=$((healthy + 1))
            [ "$ms" -gt "$worst_ms" ] && worst_ms=$ms
            echo "  restart $i: bound port $port again, /healthz 200 ${ms} ms after the restart command (${since_kill} ms after the kill, checks included) ($tw old connections on the port)"
        else
            echo "  restart $i: bound port $port again, but /healthz never answered 200"
        fi
    else
        echo "  restart $i: could not bind port $port again"
        sed 's/^/    /' "$tmp/srv.log"
    fi
    sleep 2
    i=$((i + 1))
done
before=$(curl -s "$srv_url/api/search?q=oom" | wc -c)
kill -INT "$wrk_pid" 2>/dev/null || true
wait "$wrk_pid" 2>/dev/null || true
# Requests the last server answered after its restart: its own count via a fresh wrk second.
after=$(wrk -t1 -c8 -d1s "$srv_url/healthz" 2>/dev/null | awk '/requests in/ {print $1}')

fig restarts "$bind_ok of $restarts bound the port at once; $healthy served /healthz, at worst ${worst_ms} ms after the restart command"
fig "old connections on the port at each restart" "$lingering"
[ ! -s "$tmp/control" ] || fig "control: bind() without SO_REUSEADDR at those moments" "$(sort "$tmp/control" | uniq -c | tr -s ' ' | tr '\n' ' ')"
fig "load" "$(awk '/requests in/ {print $1, "requests,"} /Socket errors/ {print} ' "$tmp/wrk.out" | tr '\n' ' ') (errors are the killed server's connections)"
check "restart: every restart on the same port binds immediately ($bind_ok of $restarts)" [ "$bind_ok" -eq "$restarts" ]
check "restart: every restarted server answers /healthz ($healthy of $restarts; worst ${worst_ms} ms)" [ "$healthy" -eq "$restarts" ]
check "restart: the last server takes load (${after:-0} requests in 1 s) and answers searches ($before bytes)" \
    [ "${after:-0}" -gt 0 -a "$before" -gt 0 ]
stop_server "$srv_pid"
summary
