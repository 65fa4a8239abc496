#!/bin/sh
# Soak: wrk at 256 connections for 60 s on a mix of pages and searches (tests/load/soak.lua)
# against `oomkb serve` on a loopback port, sampling the server's VmRSS every second.
# A warm-up comes first, measured in work done rather than seconds: wrk runs in 5 s rounds
# until 30,000 requests (1,500 of them searches never asked before, past the search cache's
# bound of 1,024) have been answered over all 256 connections, so the cache is full and
# libmicrohttpd has given each connection its memory pool however slow the machine is.
# Checks: zero socket errors (connect, read, write; a request still unanswered after wrk's
# 30 s timeout counts too), zero responses other than 2xx/304, resident memory growth under
# 4 MB between the first and the last 10 s of the soak (the highest sample of each window; an
# unbounded cache raises the last window's high-water mark), the server still healthy. A quiet
# machine shows -0.7 to +0.3 MB; with other work on its 2 cores more responses are in flight at
# once and the high-water mark rose 2.8 MB: the bound leaves room for that. Leaks themselves
# are LeakSanitizer's to find (make asan checks the server's memory at exit).
# Usage: tests/load/soak.sh [path/to/oomkb]   (SOAK_SECONDS=60 SOAK_CONNS=256 by default)
. "$(dirname "$0")/lib.sh"
need wrk wrk
need curl curl
secs=${SOAK_SECONDS:-60}
conns=${SOAK_CONNS:-256}
threads=${WRK_THREADS:-2}

start_server srv --quiet
paths_file "$srv_url" "$tmp/paths"
etag=$(curl -sI -H 'Accept: text/html' -H 'Accept-Encoding: gzip' "$srv_url/M8" |
       tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')
echo "soak: $conns connections, ${secs}s, $(wc -l <"$tmp/paths") paths + unique searches, server pid $srv_pid"

# Warm-up by work done (at most 12 rounds of 5 s).
warm=0
rounds=0
while [ "$warm" -lt 30000 ] && [ "$rounds" -lt 12 ]; do
    PATHS="$tmp/paths" ETAG="$etag" timeout 60 \
        wrk -t"$threads" -c"$conns" -d5s --timeout 30s -s "$load_dir/soak.lua" "$srv_url" \
        >"$tmp/warm.out" 2>&1 || true
    warm=$((warm + $(awk '/requests in/ {print $1; exit}' "$tmp/warm.out" | grep -E '^[0-9]+$' || echo 0)))
    rounds=$((rounds + 1))
done
fig "warm-up" "$warm requests in $rounds rounds of 5 s"

# One VmRSS sample per second while wrk runs.
(
    while kill -0 "$srv_pid" 2>/dev/null; do
        awk '/^VmRSS/ {print $2}' "/proc/$srv_pid/status" 2>/dev/null || break
        sleep 1
    done
) >"$tmp/rss" &
sampler=$!
PATHS="$tmp/paths" ETAG="$etag" timeout $((secs + 60)) \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s --latency -s "$load_dir/soak.lua" \
    "$srv_url" >"$tmp/wrk.out" 2>&1 || true
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true

requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
rps=$(awk '/^Requests\/sec/ {print $2}' "$tmp/wrk.out")
sockerr=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$tmp/wrk.out")
sockerr=${sockerr:-0}
bad=$(awk '$1 == "status" && !(($2 >= 200 && $2 < 300) || $2 == 304) {n += $3} END {print n + 0}' "$tmp/wrk.out")
dist=$(awk '$1 == "status" {printf "%s%s=%s", sep, $2, $3; sep=" "}' "$tmp/wrk.out")
p50=$(awk '$1 == "latency_p50_ms" {print $2}' "$tmp/wrk.out")
p99=$(awk '$1 == "latency_p99_ms" {print $2}' "$tmp/wrk.out")
pmax=$(awk '$1 == "latency_max_ms" {print $2}' "$tmp/wrk.out")
n=$(wc -l <"$tmp/rss")
first=$(head -n 10 "$tmp/rss" | awk '{s += $1} END {printf "%d", NR ? s / NR : 0}')
last=$(tail -n 10 "$tmp/rss" | awk '{s += $1} END {printf "%d", NR ? s / NR : 0}')
first_max=$(head -n 10 "$tmp/rss" | sort -n | tail -n 1)
last_max=$(tail -n 10 "$tmp/rss" | sort -n | tail -n 1)
growth=$((last_max - first_max))

fig requests "${requests:-0} in ${secs}s (${rps:-0} req/s)"
fig statuses "$dist"
fig "socket errors" "$sockerr"
fig latency "p50 ${p50} ms, p99 ${p99} ms, max ${pmax} ms"
fig "VmRSS" "first 10 s max ${first_max} kB (mean ${first}), last 10 s max ${last_max} kB (mean ${last}), growth ${growth} kB; $n samples: $(tr '\n' ' ' <"$tmp/rss")"

if [ -z "$requests" ] || [ "$requests" -eq 0 ]; then
    sed 's/^/  wrk: /' "$tmp/wrk.out"
    fail "soak: wrk ran"
fi
check "soak: zero socket errors ($sockerr)" [ "$sockerr" -eq 0 ]
check "soak: zero responses other than 2xx/304 ($bad of ${requests:-0})" [ "$bad" -eq 0 ]
check "soak: warm-up reached 30,000 requests ($warm)" [ "$warm" -ge 30000 ]
check "soak: resident memory growth under 4 MB (${growth} kB)" [ "$n" -ge 20 -a "$growth" -lt 4096 ]
check "soak: server alive and /healthz 200 after" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$srv_url/healthz")" = 200 ]
stop_server "$srv_pid"
summary
