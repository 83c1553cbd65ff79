#!/bin/sh
# build-module.sh: builds ngx_http_consent_module.so as a dynamic module
# for the distribution's nginx, from Debian's nginx-dev sources
# (/usr/share/nginx/src) with the same configure flags (--with-compat), so
# that `load_module` accepts it.
#
#   build-module.sh OUT_DIR [CFLAGS [LIBS]]
#
# CFLAGS/LIBS default to pkg-config libconsent; the module lands in
# OUT_DIR/ngx_http_consent_module.so.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1
cflags=${2:-$(pkg-config --cflags libconsent)}
libs=${3:-$(pkg-config --libs libconsent)}
src=${NGINX_SRC:-/usr/share/nginx/src}
[ -f "$src/configure" ] || { echo "build-module.sh: no nginx sources in $src (Debian: apt-get install nginx-dev)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ngx-consent.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$src" "$work/nginx"
mkdir -p "$work/module"
cp "$here/config" "$here/ngx_http_consent_module.c" "$work/module/"
cd "$work/nginx"
# The flags the distribution's nginx was configured with (conf_flags is a
# bash array assignment).
flags=$(sed -n 's/^NGX_CONF_FLAGS=( \(.*\) )$/\1/p' conf_flags)
# shellcheck disable=SC2086
CONSENT_INCLUDE="" CONSENT_LIBS="$libs" ./configure $flags \
  --with-cc-opt="$cflags -Wall -Wextra -Wno-unused-parameter" \
  --add-dynamic-module="$work/module" >"$work/configure.log" 2>&1 ||
  { tail -20 "$work/configure.log" >&2; exit 1; }
make -f objs/Makefile modules >"$work/make.log" 2>&1 ||
  { grep -E "error|warning" "$work/make.log" | head -20 >&2; tail -5 "$work/make.log" >&2; exit 1; }
if grep -q "warning:" "$work/make.log"; then
  grep -A3 "warning:" "$work/make.log" | grep -v "^--" >&2
fi
mkdir -p "$out"
cp objs/ngx_http_consent_module.so "$out/"
