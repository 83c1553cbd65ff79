# browser.sh: for the shell tests that drive chromium.  Source it after
# tests/cli/tap.sh; it sets $pw (playwright-core's folder) and $chromium,
# or reports what is missing as a failure and exits.
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
