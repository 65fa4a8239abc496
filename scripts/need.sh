# Sourced by the test and benchmark scripts. need CMD [DEBIAN-PACKAGE]: makes sure the command
# CMD (a name or an absolute path) exists, installing the package (default: CMD) with apt-get
# when running as root; otherwise, or when the install fails, says what to install and exits 2.
need() {
    _need_cmd=$1
    _need_pkg=${2:-$1}
    command -v "$_need_cmd" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "$0: needs $_need_cmd: apt-get install $_need_pkg" >&2
        exit 2
    fi
    echo "$0: installing $_need_pkg" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$_need_pkg" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          apt-get install -y -qq --no-install-recommends "$_need_pkg" >/dev/null; }
    command -v "$_need_cmd" >/dev/null 2>&1 ||
        { echo "$0: could not install $_need_pkg" >&2; exit 2; }
}
