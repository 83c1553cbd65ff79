#!/bin/sh
# npm-fetch.sh PACKAGE@VERSION [DIR]: makes sure the npm package is in
# DIR/npm/node_modules (default .cache in the source tree, which git
# ignores), installing it with up to three tries, and prints its folder.
# Test and benchmark data only: the library needs nothing from npm.
set -eu
[ $# -ge 1 ] || { echo "usage: npm-fetch.sh PACKAGE@VERSION [DIR]" >&2; exit 2; }
spec=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${2:-$top/.cache}
dir=$cache/npm/node_modules/${spec%@*}
if [ ! -f "$dir/package.json" ]; then
  command -v npm >/dev/null 2>&1 || {
    echo "npm-fetch.sh: npm is needed for $spec (apt-get install npm)" >&2
    exit 1
  }
  mkdir -p "$cache/npm"
  tries=0
  until npm install --silent --no-audit --no-fund --prefix "$cache/npm" \
        "$spec" >&2; do
    tries=$((tries + 1))
    [ $tries -lt 3 ] || { echo "npm-fetch.sh: npm install $spec failed" >&2; exit 1; }
    sleep 5
  done
fi
echo "$dir"
