#!/bin/sh
# setup.sh [DIR]: makes sure playwright-core (npm) is in DIR/npm (default
# .cache in the source tree, which git ignores) and prints its folder.
# The browser itself is Debian's chromium (build.sh installs it).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
exec "$top/tools/npm-fetch.sh" playwright-core@1 ${1:+"$1"}
