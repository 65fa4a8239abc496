#!/bin/sh
# The real-browser test of the web UI: headless Chromium from Debian, driven by playwright-core
# from npm (no browser download: `npx playwright install` cannot work here). Installs what is
# missing (chromium with apt-get as root, playwright-core with npm into build/node, git-ignored),
# starts `oomkb serve` on a free loopback port and runs tests/browser/ui.mjs against it.
# Screenshots go to build/browser/. Usage: tests/browser/run.sh [path/to/oomkb]
set -eu
cd "$(dirname "$0")/../.."
bin=${1:-build/debug/oomkb}
PLAYWRIGHT_VERSION=1.65.1

. scripts/need.sh
need chromium
need node nodejs
need npm

mods=build/node/node_modules
if [ ! -f "$mods/playwright-core/package.json" ] \
    || ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$mods/playwright-core/package.json"; then
    mkdir -p build/node
    echo "browser test: installing playwright-core@$PLAYWRIGHT_VERSION from npm" >&2
    # playwright-core carries no browser and downloads nothing on install.
    (cd build/node && npm install --no-save --no-audit --no-fund --silent \
        "playwright-core@$PLAYWRIGHT_VERSION" >&2)
fi

[ -x "$bin" ] || { echo "browser test: no $bin (run make first)" >&2; exit 2; }
mkdir -p build/browser
# Bounded: the whole run has two minutes.
exec timeout 300 env PW_MODULES="$PWD/$mods" OOMKB_BIN="$bin" SHOTS="$PWD/build/browser" \
    node tests/browser/ui.mjs
