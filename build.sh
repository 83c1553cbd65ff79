#!/bin/sh
# build.sh: the two commands of the README, for a fresh Debian 12 (root).
#
#   ./build.sh demo    install what is missing, build, and run consent-gate
#                      on the bundled sample page (built-in defaults)
#   ./build.sh check   install what is missing (test tools too), build, and
#                      run the whole test suite; the last line says
#                      "N passed, N failed"
#   ./build.sh build   install and build only
set -eu
cd "$(dirname "$0")"

# Debian packages: building, and (for check) the test suite's tools.
BUILD_PKGS="autoconf automake libtool make gcc pkg-config libssl-dev libbrotli-dev libzstd-dev
  libcurl4-openssl-dev zlib1g-dev libjansson-dev"
CHECK_PKGS="abigail-tools clang llvm libclang-rt-14-dev valgrind npm chromium libxml2-dev
  libvectorscan-dev apache2 apache2-dev nginx nginx-dev wrk python3-pytest python3-venv php8.2-cli
  openssl curl wordpress mariadb-server php8.2-mysql libapache2-mod-php8.2
  python3-flask python3-django"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing="$missing $p"
  done
  # npm may come with a nodejs that is not Debian's own: keep that one.
  case " $missing " in
    *" npm "*) command -v npm >/dev/null 2>&1 &&
                 missing=$(echo "$missing" | sed 's/ npm//') ;;
  esac
  [ -z "$missing" ] && return 0
  echo "build.sh: installing$missing" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # The tests start their own apache2 and nginx on free ports: the
  # packages' services are not started (both would want port 80, and the
  # second one's install would fail).
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
  fi
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $missing >/dev/null || apt_rc=$?
  [ -n "$policy" ] && as_root rm -f "$policy"
  return ${apt_rc:-0}
}

build() {
  if [ ! -x configure ] || [ configure.ac -nt configure ] ||
     [ Makefile.am -nt configure ]; then
    autoreconf -fi
  fi
  mkdir -p _build
  if [ ! -f _build/Makefile ] || [ configure -nt _build/config.status ]; then
    (cd _build && ../configure --quiet)
  fi
  make -C _build -j"$(nproc)" >/dev/null
}

mode=${1:-demo}
case $mode in
  demo)
    install_missing $BUILD_PKGS
    build
    ./_build/tools/consent-gate examples/article.html
    ;;
  build)
    install_missing $BUILD_PKGS
    build
    ;;
  check)
    install_missing $BUILD_PKGS $CHECK_PKGS
    build
    exec ./tests/run-suite.sh
    ;;
  *)
    echo "usage: $0 demo|check|build" >&2
    exit 2
    ;;
esac
