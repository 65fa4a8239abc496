# Sourced by the benchmarks: makes sure a Debian package's command exists (installs it as
# root, otherwise says what to install) and gives median_ms FILE NAME for hyperfine JSON.
need() {
    cmd=$1; pkg=${2:-$1}
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null; }
    else
        echo "bench: needs $cmd (apt-get install $pkg)" >&2
        return 1
    fi
}

# median_ms JSON INDEX: the median of a hyperfine run, in milliseconds.
median_ms() {
    node -e 'const r=require(process.argv[1]).results[+process.argv[2]];console.log((r.median*1000).toFixed(3))' "$(realpath "$1")" "$2"
}
