#!/bin/sh
# The gate in a real browser: gates the sample pages with consent-gate and
# runs browser-test.cjs (chromium + playwright-core) on them.  Screenshots
# go to $top_builddir/screenshots.
. "${top_srcdir:-.}/tests/cli/tap.sh"

pw=${PLAYWRIGHT_CORE:-$("$top_srcdir/tests/browser/setup.sh" 2>"$TMP/setup.err")}
if [ -z "$pw" ] || [ ! -d "$pw" ]; then
  ok 1 "playwright-core is available ($(cat "$TMP/setup.err"))"
  done_testing; exit
fi
chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  ok 1 "chromium is installed (Debian package chromium)"
  done_testing; exit
fi
mkdir -p "$TMP/pages" "$top_builddir/screenshots"
"$GATE" --privacy-url /privacy "$top_srcdir/examples/article.html" >"$TMP/pages/article.html" &&
"$GATE" --privacy-url /privacy "$top_srcdir/examples/providers.html" >"$TMP/pages/providers.html" &&
"$GATE" --cache-safe "$top_srcdir/examples/providers.html" >"$TMP/pages/providers-cache-safe.html" &&
"$GATE" providers --json >"$TMP/providers.json"
if [ $? -ne 0 ]; then
  ok 1 "consent-gate prepares the pages"
  done_testing; exit
fi
PLAYWRIGHT_CORE="$pw" CHROMIUM="$chromium" \
  node "$top_srcdir/tests/browser/browser-test.cjs" "$TMP/pages" \
  "$TMP/providers.json" "$top_builddir/screenshots"
