#!/bin/sh
# corpus.sh [DIR]: makes sure the benchmark corpus (the real pages of the
# npm package htmlparser-benchmark) is in DIR/npm (default .cache in the
# source tree, which git ignores) and prints the folder of its pages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$top/.cache}
files=$cache/npm/node_modules/htmlparser-benchmark/files
if [ ! -d "$files" ]; then
  command -v npm >/dev/null 2>&1 || {
    echo "corpus.sh: npm is needed to fetch the corpus (apt-get install npm)" >&2
    exit 1
  }
  mkdir -p "$cache/npm"
  tries=0
  until npm install --silent --no-audit --no-fund --prefix "$cache/npm" \
        htmlparser-benchmark@1.1.3 >&2; do
    tries=$((tries + 1))
    [ $tries -lt 3 ] || { echo "corpus.sh: npm install failed" >&2; exit 1; }
    sleep 5
  done
fi
echo "$files"
