# Sourced by the load and fault scripts (tests/load/*.sh): finds the binary, installs a Debian
# tool when missing, builds the C helpers into build/load/, starts and stops `oomkb serve` on a
# loopback port, and prints one "ok"/"FAIL" line per check plus a closing "N passed, N failed".
# Every server a script starts is killed by the EXIT trap, so nothing outlives the script.
set -eu
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY 2>/dev/null || true

load_dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$load_dir/../.." && pwd)
bin=$(realpath "${OOMKB_BIN:-${1:-$root/build/debug/oomkb}}")
[ -x "$bin" ] || { echo "$0: no oomkb binary at $bin (run make first)" >&2; exit 2; }
helpers="$root/build/load"
tmp=$(mktemp -d /tmp/oomkb-load.XXXXXX)

. "$root/scripts/need.sh"

helper() { # helper NAME: builds build/load/NAME from tests/load/NAME.c (+ dial.h) when stale
    src="$load_dir/$1.c"
    out="$helpers/$1"
    mkdir -p "$helpers"
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$load_dir/dial.h" -nt "$out" ]; then
        ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$out" "$src" -lpthread
    fi
}

# Enough descriptors for ~1000 connections in the helpers and in the server (which inherits it).
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
    desc=$1; shift
    if "$@"; then ok "$desc"; else fail "$desc"; fi
}
summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
# fig KEY VALUE: a figure for the README, also appended to $FIGURES when set.
fig() {
    echo "  $1: $2"
    if [ -n "${FIGURES:-}" ]; then echo "$(basename "$0" .sh) $1: $2" >>"$FIGURES"; fi
}

servers=""
cleanup() {
    for _c_pid in $servers; do
        kill -9 "$_c_pid" 2>/dev/null || true
        wait "$_c_pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server NAME [serve options...]: starts `oomkb serve` (127.0.0.1, --port 0 unless given)
# and sets NAME_pid, NAME_url and NAME_log. Fails when it is not serving within 5 s.
start_server() {
    _ss_name=$1; shift
    _ss_port="--port 0"
    case " $* " in *" --port "*) _ss_port="" ;; esac
    rm -f "$tmp/$_ss_name.out" # a previous server's URL must not be mistaken for this one's
    # shellcheck disable=SC2086
    "$bin" serve --bind 127.0.0.1 $_ss_port "$@" >"$tmp/$_ss_name.out" 2>"$tmp/$_ss_name.log" &
    _ss_pid=$!
    servers="$servers $_ss_pid"
    _ss_i=0
    while [ $_ss_i -lt 100 ] && ! grep -qs "http://" "$tmp/$_ss_name.out"; do
        kill -0 "$_ss_pid" 2>/dev/null || break
        sleep 0.05
        _ss_i=$((_ss_i + 1))
    done
    _ss_url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/$_ss_name.out" || true)
    if [ -z "$_ss_url" ]; then
        echo "$0: oomkb serve did not start:" >&2
        cat "$tmp/$_ss_name.out" "$tmp/$_ss_name.log" >&2
        return 1
    fi
    eval "${_ss_name}_pid=$_ss_pid ${_ss_name}_url=$_ss_url ${_ss_name}_log=$tmp/$_ss_name.log"
}

stop_server() { # stop_server PID: SIGTERM, then waits (SIGKILL after 5 s)
    kill "$1" 2>/dev/null || true
    _st_i=0
    while [ $_st_i -lt 50 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; _st_i=$((_st_i + 1)); done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# paths_file URL FILE: the mix of real pages every load script uses, one path per line: every
# entry (HTML, text, JSON), the home page, /search and /api/search for the benchmark queries,
# the API lists, /healthz and the fingerprinted static assets.
paths_file() {
    u=$1; f=$2
    : >"$f"
    echo "/" >>"$f"
    echo "/healthz" >>"$f"
    echo "/api/entries" >>"$f"
    for id in $(curl -sf "$u/api/entries" | grep -o '"id": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/'); do
        printf '/%s\n/%s.txt\n/api/entries/%s\n' "$id" "$id" "$id" >>"$f"
    done
    curl -sf -H 'Accept: text/html' "$u/" | grep -o '/static/[^"]*' | sort -u >>"$f"
    head -n 20 "$root/bench/queries.txt" | while IFS= read -r q; do
        e=$(printf '%s' "$q" | sed 's/%/%25/g; s/ /+/g; s/&/%26/g; s/#/%23/g; s/"/%22/g')
        printf '/search?q=%s\n/api/search?q=%s&limit=10\n' "$e" "$e" >>"$f"
    done
}
