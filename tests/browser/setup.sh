#!/bin/sh
# setup.sh [DIR]: makes sure playwright-core (npm) is in DIR/npm (default
# .cache in the source tree, which git ignores) and prints its folder.
# The browser itself is Debian's chromium (build.sh installs it).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-$top/.cache}
dir=$cache/npm/node_modules/playwright-core
if [ ! -f "$dir/package.json" ]; then
  command -v npm >/dev/null 2>&1 || {
    echo "setup.sh: npm is needed (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$cache/npm"
  tries=0
  until npm install --silent --no-audit --no-fund --prefix "$cache/npm" \
        playwright-core@1 >&2; do
    tries=$((tries + 1))
    [ $tries -lt 3 ] || { echo "setup.sh: npm install failed" >&2; exit 1; }
    sleep 5
  done
fi
echo "$dir"
