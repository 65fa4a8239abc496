#!/bin/sh
# Installs the Debian packages the build needs, once, when any is missing.
# Called by the Makefile before compiling; prints nothing when all are present.
# Usage: scripts/deps.sh [build|test|ci]   (each set includes the ones before it)
set -eu

set_name=${1:-build}

# pkg-config module -> Debian package, for the libraries linked into oomkb.
# Plain commands the build or tests run -> Debian package.
build_pkgs="pkg-config:pkg-config make:make cc:gcc npm:npm"
build_libs="libmicrohttpd:libmicrohttpd-dev libcmark:libcmark-dev sqlite3:libsqlite3-dev
tree-sitter:libtree-sitter-dev check:check zlib:zlib1g-dev jansson:libjansson-dev"

missing=""
for pair in $build_pkgs; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
for pair in $build_libs; do
    mod=${pair%%:*}; pkg=${pair#*:}
    if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$mod" 2>/dev/null; then
        missing="$missing $pkg"
    fi
done

if [ "$set_name" = ci ] || [ "$set_name" = test ]; then
    # Tools the integration tests drive (real clients, real peers).
    for pair in $(cat "$(dirname "$0")/test-tools.txt" 2>/dev/null || true); do
        cmd=${pair%%:*}; pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
    done
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "oomkb: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 2
fi

echo "oomkb: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An outdated package list makes installs fail with 404s: refresh it first.
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
