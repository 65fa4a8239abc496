#!/bin/sh
# Edit-to-diagnostics latency of the language server (see lsp_latency.js).
set -eu
bin=${1:-build/debug/oomkb}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
need node nodejs
node "$here/lsp_latency.js" "$(realpath "$bin")" 400
