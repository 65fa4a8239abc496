#!/bin/sh
# `oomkb serve` against nginx, side by side in one run, loopback only, bounded in time.
# nginx (Debian package, its own config in a temp folder) serves the same entry page's bytes as
# a static file; wrk (Debian) measures both in interleaved rounds; medians are reported.
#   entry page, 16 and 64 connections: oomkb req/s vs nginx req/s (goal: >= 1x), p99 at 64
#   /api/search cycling through 50 real queries (bench/queries.txt): goal >= 0.5x nginx static
#   /api/search with a never-seen query on every request (no cache hit), as-you-type traffic:
#     goal >= 7,155 req/s (5x the 1,431 req/s measured before the symptom-first ranking) and
#     reported against nginx static
#   resident memory of oomkb after all runs (goal < 30 MB)
# Usage: bench/serve.sh [path/to/oomkb]   (ROUNDS=3 DURATION=5 by default)
set -eu
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY 2>/dev/null || true
bin=${1:-build/debug/oomkb}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
need wrk wrk
need nginx nginx-light
need curl curl
rounds=${ROUNDS:-3}
dur=${DURATION:-5}
threads=${WRK_THREADS:-2}

tmp=$(mktemp -d)
oomkb_pid=""
nginx_pid=""
cleanup() {
    [ -n "$oomkb_pid" ] && kill "$oomkb_pid" 2>/dev/null && wait "$oomkb_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# oomkb on a free loopback port (it prints the URL it bound).
"$bin" serve --bind 127.0.0.1 --port 0 --quiet >"$tmp/oomkb.out" 2>&1 &
oomkb_pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    grep -qs "http://" "$tmp/oomkb.out" && break
    sleep 0.1
done
oomkb_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/oomkb.out")
[ -n "$oomkb_url" ] || { echo "bench: oomkb did not start" >&2; cat "$tmp/oomkb.out" >&2; exit 1; }

# The entry page's exact bytes, as a browser gets them, for nginx to serve.
mkdir -p "$tmp/www" "$tmp/nginx"
curl --noproxy '*' -sf -H 'Accept: text/html' "$oomkb_url/M8" >"$tmp/www/M8"
# nginx workers run as www-data: the folder and the page must be readable by them.
chmod 755 "$tmp" "$tmp/www" && chmod 644 "$tmp/www/M8"
nginx_port=$(( 20000 + $$ % 20000 ))
cat >"$tmp/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $tmp/nginx/body;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
        location / { default_type "text/html; charset=utf-8"; etag on; }
    }
}
EOF
nginx -c "$tmp/nginx.conf" -p "$tmp/nginx" &
nginx_pid=$!
nginx_url="http://127.0.0.1:$nginx_port"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    curl --noproxy '*' -sf -o /dev/null "$nginx_url/M8" && break
    sleep 0.1
done
curl --noproxy '*' -sf "$nginx_url/M8" | cmp -s - "$tmp/www/M8" \
    || { echo "bench: nginx does not serve the page" >&2; cat "$tmp/nginx/error.log" >&2; exit 1; }

# run NAME CONNS URL [wrk args...]: one wrk run, appends "NAME req/s p99_ms" to results.
run() {
    name=$1; conns=$2; url=$3; shift 3
    out=$(wrk -t"$threads" -c"$conns" -d"${dur}s" --latency "$@" "$url")
    rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    [ -z "$errs" ] || echo "bench: $name: $errs" >&2
    echo "$name $rps $p99" >>"$tmp/results"
}

: >"$tmp/results"
QUERIES="$here/queries.txt" && export QUERIES
headers='-H Accept:text/html'
i=1
while [ "$i" -le "$rounds" ]; do
    for c in 16 64; do
        # shellcheck disable=SC2086
        run "oomkb_entry_c$c" "$c" "$oomkb_url/M8" $headers
        # shellcheck disable=SC2086
        run "nginx_entry_c$c" "$c" "$nginx_url/M8" $headers
    done
    UNIQUE=0 && export UNIQUE
    run oomkb_search_c16 16 "$oomkb_url" -s "$here/serve_search.lua"
    UNIQUE=1 && export UNIQUE
    run oomkb_unique_c16 16 "$oomkb_url" -s "$here/serve_search.lua"
    i=$((i + 1))
done

rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$oomkb_pid/status")
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$oomkb_pid/status")

# median NAME FIELD: the median over rounds of field 2 (req/s) or 3 (p99 ms).
median() {
    awk -v n="$1" -v f="$2" '$1 == n {print $f}' "$tmp/results" | sort -g |
        awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

e16=$(median oomkb_entry_c16 2); n16=$(median nginx_entry_c16 2)
e64=$(median oomkb_entry_c64 2); n64=$(median nginx_entry_c64 2)
s16=$(median oomkb_search_c16 2); u16=$(median oomkb_unique_c16 2)
p64=$(median oomkb_entry_c64 3); np64=$(median nginx_entry_c64 3)
sp99=$(median oomkb_search_c16 3); up99=$(median oomkb_unique_c16 3)
bytes=$(wc -c <"$tmp/www/M8" | tr -d ' ')

echo "serve: medians of $rounds interleaved rounds, wrk -t$threads, ${dur}s each, entry page /M8 ($bytes bytes)"
printf '%-40s %12s %12s %8s\n' "case" "oomkb req/s" "nginx req/s" "ratio"
printf '%-40s %12.0f %12.0f %8s\n' "entry page, 16 connections" "$e16" "$n16" "$(ratio "$e16" "$n16")"
printf '%-40s %12.0f %12.0f %8s\n' "entry page, 64 connections" "$e64" "$n64" "$(ratio "$e64" "$n64")"
printf '%-40s %12.0f %12.0f %8s\n' "/api/search, 50 queries, 16 conns" "$s16" "$n16" "$(ratio "$s16" "$n16")"
printf '%-40s %12.0f %12s %8s\n' "/api/search, unique queries, 16 conns" "$u16" "-" "$(ratio "$u16" "$n16")"
echo "unique queries: $(ratio "$u16" 1431)x the 1,431 req/s before (goal >= 5x)"
echo "p99 latency: entry c64 oomkb ${p64} ms (nginx ${np64} ms); search c16 ${sp99} ms; unique c16 ${up99} ms"
echo "oomkb resident memory after the runs: $((rss_kb / 1024)) MB (peak $((hwm_kb / 1024)) MB)"

status=0
awk -v a="$e16" -v b="$n16" 'BEGIN {exit !(a >= b)}' || { echo "serve: entry c16 below nginx"; status=1; }
awk -v a="$e64" -v b="$n64" 'BEGIN {exit !(a >= b)}' || { echo "serve: entry c64 below nginx"; status=1; }
awk -v a="$s16" -v b="$n16" 'BEGIN {exit !(a >= b / 2)}' || { echo "serve: search below half of nginx"; status=1; }
awk -v a="$u16" 'BEGIN {exit !(a >= 7155)}' || { echo "serve: unique queries below 7,155 req/s (5x 1,431)"; status=1; }
awk -v p="$p64" 'BEGIN {exit !(p < 10)}' || { echo "serve: p99 at 64 connections >= 10 ms"; status=1; }
[ "$rss_kb" -lt $((30 * 1024)) ] || { echo "serve: RSS >= 30 MB"; status=1; }
exit $status
