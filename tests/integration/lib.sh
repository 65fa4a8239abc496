# Sourced by the integration tests: need CMD [PKG] installs a Debian package when its command
# is missing (as root; otherwise says what to install and fails), and a tiny assertion kit
# that prints one "ok"/"FAIL" line per check and counts them.
need() {
    cmd=$1; pkg=${2:-$1}
    command -v "$cmd" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "$0: needs $cmd: apt-get install $pkg" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null; }
    command -v "$cmd" >/dev/null 2>&1 || { echo "$0: could not install $pkg" >&2; exit 2; }
}

passed=0
failed=0
check() { # check DESCRIPTION COMMAND...
    desc=$1; shift
    if "$@"; then
        passed=$((passed + 1)); echo "ok - $desc"
    else
        failed=$((failed + 1)); echo "FAIL - $desc"
    fi
}
contains() { printf '%s' "$1" | grep -qF -- "$2"; }
summary() {
    echo "$(basename "$0" .sh): $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
