#!/bin/sh
# Hostile requests: at least 10,000 generated requests over raw sockets (helper
# tests/load/hostile.c: random and malformed paths and request lines, `..` in every encoding,
# NUL and invalid UTF-8 in query strings, 100 KB URLs and headers, absurd Range, If-None-Match
# and Accept-Encoding, other methods, bodies, HTTP/0.9, 1.0 and 2.0, pipelines of up to 40)
# against `oomkb serve`. Canary files are planted in /tmp, next to the binary and in the
# server's working directory. Checks: never a 5xx (on the wire and in the access log; the one
# exception is libmicrohttpd's 505 for a well-formed version other than 1.x, such as HTTP/2.0,
# which RFC 9110 prescribes and which is sent before oomkb sees the request), no byte
# of a canary or of /etc/passwd in any answer, no connection left hanging, and afterwards
# /healthz 200 and the same bytes as before for a set of real pages.
# Usage: tests/load/hostile.sh [path/to/oomkb]   (HOSTILE_BUNDLES=10000 by default)
. "$(dirname "$0")/lib.sh"
need curl curl
bundles=${HOSTILE_BUNDLES:-10000}
helper hostile

rand() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
canaries=""
tokens=""
plant() { # plant PATH: a file whose content must never be served
    tok="OOMKB-CANARY-$(rand)"
    printf '%s\nroot:x:0:0:canary:/root:/bin/sh\n' "$tok" >"$1"
    canaries="$canaries $1"
    tokens="$tokens $tok"
}
mkdir -p "$tmp/cwd"
plant "/tmp/oomkb-canary-$$.txt"
plant "$(dirname "$bin")/oomkb-canary-$$.txt"
plant "$tmp/cwd/canary.md"
plant "$tmp/cwd/M8.md"
cleanup_canaries() { for f in $canaries; do rm -f "$f"; done; cleanup; }
trap cleanup_canaries EXIT

cd "$tmp/cwd" || exit 2
start_server srv --timeout 3
cd "$root" || exit 2
port=${srv_url##*:}
grep -q '^root:x:0:0:' /etc/passwd || echo "  note: /etc/passwd has no root:x:0:0: line; the canaries carry it"

snapshot() { # snapshot DIR: the bytes of a few real pages in several formats
    mkdir -p "$1"
    curl -s -H 'Accept: text/html' "$srv_url/M8" >"$1/m8.html"
    curl -s -H 'Accept-Encoding: gzip' "$srv_url/M8.txt" >"$1/m8.txt.gz"
    curl -s -H 'Accept: text/html' "$srv_url/" >"$1/home.html"
    curl -s "$srv_url/api/search?q=expandable+segments" >"$1/search.json"
    curl -s -H 'Accept: text/html' "$srv_url/search?q=checkpoint" >"$1/search.html"
    curl -s "$srv_url/api/entries/M20" >"$1/m20.json"
    curl -s "$srv_url/$(grep -o 'static/app[^"]*' "$1/home.html" | head -n 1)" >"$1/app.js"
}
snapshot "$tmp/before"
rss0=$(rss_kb "$srv_pid")
start=$(date +%s)
# shellcheck disable=SC2086
timeout 600 "$helpers/hostile" "$port" "$bundles" 8 $canaries -- $tokens >"$tmp/out"
secs=$(( $(date +%s) - start ))
rss1=$(rss_kb "$srv_pid" 2>/dev/null || echo 0)
v() { awk -F= -v k="$1" '$1 == k {print $2}' "$tmp/out"; }
dist=$(awk '$1 == "status" {printf "%s%s=%s", sep, $2, $3; sep=" "}' "$tmp/out")
logged=$(grep -c '" [0-9][0-9][0-9] ' "$srv_log" || true)
log5xx=$(grep -c '" 5[0-9][0-9] ' "$srv_log" || true)

fig requests "$(v requests) in $(v bundles) connections (${secs} s): $(v answers) answered, $(v closed_without_answer) not answered (the server closed the connection: a malformed request, Connection: close, HTTP/1.0 or an unfinished request earlier in the pipeline)"
fig statuses "$dist"
fig "5xx" "$(v fivexx) on the wire, $log5xx of $logged in the access log; plus $(v version_505) x 505 from libmicrohttpd for HTTP/2.0, HTTP/9.9 and HTTP/0.9 request lines (RFC 9110 15.6.6)"
fig "canary or passwd bytes in answers" "$(v leaks)"
fig "hung connections" "$(v hung)"
fig "VmRSS" "${rss0} kB before, ${rss1} kB after"
[ -z "$(v fivexx_example)" ] || echo "  first 5xx: $(v fivexx_example)"
[ -z "$(v leak_example)" ] || echo "  first leak: $(v leak_example)"
[ -z "$(v hang_example)" ] || echo "  first hang: $(v hang_example)"

check "hostile: at least 10,000 requests tried ($(v requests))" [ "$(v requests)" -ge 10000 ]
check "hostile: never a 5xx on the wire, 505 aside for HTTP/2+ and 0.9 request lines ($(v fivexx))" [ "$(v fivexx)" -eq 0 ]
check "hostile: never a 5xx in the access log ($log5xx)" [ "$log5xx" -eq 0 ]
check "hostile: no byte of a canary file or /etc/passwd served ($(v leaks))" [ "$(v leaks)" -eq 0 ]
check "hostile: no connection left hanging ($(v hung))" [ "$(v hung)" -eq 0 ]
check "hostile: server still running" kill -0 "$srv_pid"
check "hostile: /healthz 200 after" [ "$(curl -s -o /dev/null -w '%{http_code}' "$srv_url/healthz")" = 200 ]
snapshot "$tmp/after"
check "hostile: real pages identical to before" diff -r "$tmp/before" "$tmp/after"
stop_server "$srv_pid"
summary
