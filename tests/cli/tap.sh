# tap.sh: TAP helpers for the shell tests.  Source it.
tap_n=0
tap_failed=0
ok() {
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $tap_n - $2"
  else
    echo "not ok $tap_n - $2"
    tap_failed=$((tap_failed + 1))
  fi
}
diag() { echo "# $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
# Sanitizer builds are slower and use more memory: smaller inputs, and no
# memory bounds to check.
sanitized() { [ "${CONSENT_SANITIZERS:-no}" = yes ]; }
done_testing() {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}
: "${top_srcdir:=.}" "${top_builddir:=.}"
GATE="$top_builddir/tools/consent-gate"
RANDHTML="$top_builddir/tests/tools/randhtml"
MAXRSS="$top_builddir/tests/tools/maxrss"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/consent-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
