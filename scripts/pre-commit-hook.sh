#!/bin/sh
# The pre-commit hook `oomkb-lint`: builds oomkb on first use in this checkout (pre-commit's
# clone of the repository), then lints the staged files pre-commit passes. The build is quiet:
# its log goes to build/pre-commit-build.log and is shown only when the build fails. A run
# with the binary built checks one file's existence and execs it: no make, no fetch.
# Findings go to stdout; the exit status (0 clean, 1 findings, 2 error) decides.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/debug/oomkb"

if [ ! -x "$bin" ]; then
    # pre-commit may start several hook processes at once: one build, the others wait.
    exec 9>"$root/.oomkb-build.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    if [ ! -x "$bin" ]; then
        mkdir -p "$root/build"
        log="$root/build/pre-commit-build.log"
        echo "oomkb: building the linter once in $root (about a minute; later runs reuse it)" >&2
        if ! make -C "$root" -j2 >"$log" 2>&1; then
            cat "$log" >&2
            echo "oomkb: the build failed (log above, kept in $log)" >&2
            exit 2
        fi
    fi
fi

# pre-commit passes the hook's args first and the file names last. With no file names (all
# filtered out, or a manual run), there is nothing to lint: succeed, never lint the tree.
last=""
for a in "$@"; do last=$a; done
if [ -z "$last" ] || [ ! -f "$last" ]; then
    exit 0
fi
exec "$bin" lint "$@"
