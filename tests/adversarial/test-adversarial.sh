#!/bin/sh
# The adversarial corpus (cases.txt and ten mutations of every built-in
# provider's embed) gated by consent-gate and loaded in chromium with
# JavaScript on and off: no request may leave the site before consent.
. "${top_srcdir:-.}/tests/cli/tap.sh"

. "$top_srcdir/tests/browser/browser.sh"
"$GATE" providers --json >"$TMP/providers.json" || {
  ok 1 "consent-gate providers --json"; done_testing; exit; }
# terser (npm) measures the guard minified; without it that check skips.
terser=$("$top_srcdir/tools/npm-fetch.sh" terser@5 2>/dev/null) || terser=""
TERSER="$terser" GUARD_JS="$top_srcdir/libconsent/assets/guard.js" \
PLAYWRIGHT_CORE="$pw" CHROMIUM="$chromium" \
  node "$top_srcdir/tests/adversarial/adversarial.cjs" \
  "$top_srcdir/tests/adversarial/cases.txt" "$TMP/providers.json" \
  "$GATE" "$TMP" "$top_srcdir/examples/article.html"
