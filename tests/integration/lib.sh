# Sourced by the integration tests: need CMD [PKG] (scripts/need.sh) and a tiny assertion kit
# that prints one "ok"/"FAIL" line per check and counts them.
. "$(dirname "$0")/../../scripts/need.sh"

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
not_contains() { ! printf '%s' "$1" | grep -qF -- "$2"; }
summary() {
    echo "$(basename "$0" .sh): $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
