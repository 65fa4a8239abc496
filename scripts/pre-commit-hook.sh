#!/bin/sh
# The pre-commit hook `oomkb-lint`: builds oomkb on first use in this checkout (pre-commit's
# clone of the repository), then lints the staged files pre-commit passes. Build output goes
# to stderr, findings to stdout; the exit status (0 clean, 1 findings, 2 error) decides.
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
        echo "oomkb: building the linter once in $root (later runs reuse it)" >&2
        make -C "$root" >&2 || { echo "oomkb: build failed" >&2; exit 2; }
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
