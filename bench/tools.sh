# Sourced by the benchmarks: need CMD [PKG] (scripts/need.sh) and median_ms FILE NAME for
# hyperfine JSON.
. "$(dirname "$0")/../scripts/need.sh"

# median_ms JSON INDEX: the median of a hyperfine run, in milliseconds.
median_ms() {
    node -e 'const r=require(process.argv[1]).results[+process.argv[2]];console.log((r.median*1000).toFixed(3))' "$(realpath "$1")" "$2"
}
