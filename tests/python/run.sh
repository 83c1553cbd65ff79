#!/bin/sh
# pytest (Debian python3-pytest) on the Python package, against the
# library of the build tree.  TAP out, for make check.
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/common.sh"
if sanitized; then
  skip "python tests" "sanitizer build (python would need the ASan runtime)"
  done_testing; exit
fi
if ! /usr/bin/python3 -c "import pytest" 2>/dev/null; then
  ok 1 "pytest is installed (Debian python3-pytest)"
  done_testing; exit
fi
PYTHONPATH="$(abs "$top_srcdir/bindings/python")"
CONSENT_LIBRARY="$(abs "$top_builddir/libconsent/.libs")/libconsent.so.0"
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH CONSENT_LIBRARY PYTHONDONTWRITEBYTECODE
/usr/bin/python3 -m pytest -p no:cacheprovider -rA -q \
  "$top_srcdir/tests/python" >"$TMP/pytest.out" 2>&1
rc=$?
# One TAP line per test.
grep -E "^(PASSED|FAILED|ERROR) " "$TMP/pytest.out" | while read -r res name rest; do
  [ "$res" = PASSED ] && echo "ok 0 - python: $name" || echo "not ok 0 - python: $name $rest"
done >"$TMP/tap"
renumber "$TMP/tap"
[ $rc -eq 0 ] || sed 's/^/# /' "$TMP/pytest.out" | tail -40
[ -s "$TMP/tap" ] || ok 1 "pytest ran ($(tail -3 "$TMP/pytest.out"))"
done_testing
