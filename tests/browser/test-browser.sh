#!/bin/sh
# The gate in a real browser: gates the sample pages with consent-gate and
# runs browser-test.cjs (chromium + playwright-core) on them.  Screenshots
# go to $top_builddir/screenshots.
. "${top_srcdir:-.}/tests/cli/tap.sh"

. "$top_srcdir/tests/browser/browser.sh"
mkdir -p "$TMP/pages" "$top_builddir/screenshots"
"$GATE" --privacy-url /privacy "$top_srcdir/examples/article.html" >"$TMP/pages/article.html" &&
"$GATE" --privacy-url /privacy "$top_srcdir/examples/providers.html" >"$TMP/pages/providers.html" &&
"$GATE" --cache-safe --endpoint /consent "$top_srcdir/examples/providers.html" >"$TMP/pages/providers-cache-safe.html" &&
"$GATE" providers --json >"$TMP/providers.json"
if [ $? -ne 0 ]; then
  ok 1 "consent-gate prepares the pages"
  done_testing; exit
fi
PLAYWRIGHT_CORE="$pw" CHROMIUM="$chromium" \
  node "$top_srcdir/tests/browser/browser-test.cjs" "$TMP/pages" \
  "$TMP/providers.json" "$top_builddir/screenshots"
