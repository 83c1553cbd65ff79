#!/bin/sh
# corpus.sh [DIR]: makes sure the benchmark corpus (the real pages of the
# npm package htmlparser-benchmark) is in DIR/npm (default .cache in the
# source tree, which git ignores) and prints the folder of its pages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pkg=$("$top/tools/npm-fetch.sh" htmlparser-benchmark@1.1.3 ${1:+"$1"})
echo "$pkg/files"
