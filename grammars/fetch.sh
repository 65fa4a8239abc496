#!/bin/sh
# Fetches a pinned tree-sitter grammar from the npm registry, checks its sha512 integrity
# against its lock file and unpacks its C sources into grammars/<dir>/ (git-ignored).
# Usage: grammars/fetch.sh [LOCK]   (default grammars/python.lock; grammars/toml.lock is the
# TOML grammar of the configuration files). A lock holds package=, version=, integrity= and
# dir= (default tree-sitter-python). Idempotent: a verified copy is kept.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lock=${1:-"$here/python.lock"}
[ -f "$lock" ] || { echo "grammars/fetch.sh: no lock file $lock" >&2; exit 2; }
pkg=$(sed -n 's/^package=//p' "$lock")
version=$(sed -n 's/^version=//p' "$lock")
want=$(sed -n 's/^integrity=//p' "$lock")
dir=$(sed -n 's/^dir=//p' "$lock")
dest="$here/${dir:-tree-sitter-python}"
stamp="$dest/.integrity"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$dest/src/parser.c" ]; then
    exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "grammars/fetch.sh: npm is needed to fetch $pkg@$version (apt-get install npm)" >&2; exit 2; }
command -v node >/dev/null 2>&1 || { echo "grammars/fetch.sh: node is needed to check the integrity hash" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
echo "grammars: fetching $pkg@$version from the npm registry" >&2
if ! (cd "$tmp" && npm pack --loglevel=error "$pkg@$version" >pack.out 2>pack.err); then
    echo "grammars/fetch.sh: could not fetch $pkg@$version from the npm registry:" >&2
    sed 's/^/  /' "$tmp/pack.err" >&2
    exit 2
fi
tgz="$tmp/$(tail -n 1 "$tmp/pack.out")"
[ -f "$tgz" ] || { echo "grammars/fetch.sh: npm pack produced no tarball" >&2; exit 2; }

got=$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
if [ "$got" != "$want" ]; then
    echo "grammars/fetch.sh: integrity mismatch for $pkg@$version" >&2
    echo "  expected $want" >&2
    echo "  got      $got" >&2
    exit 2
fi

rm -rf "$dest"
mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1 package/src package/LICENSE package/package.json
printf '%s' "$want" >"$stamp"
