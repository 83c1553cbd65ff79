#!/bin/sh
# php-cli (Debian php8.2-cli, FFI) tests of the PHP binding and the
# WordPress plugin, against the library of the build tree.
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/common.sh"
if sanitized; then
  skip "php tests" "sanitizer build (php would need the ASan runtime)"
  done_testing; exit
fi
if ! command -v php >/dev/null 2>&1 || ! php -m | grep -qx FFI; then
  ok 1 "php-cli with FFI is installed (Debian php8.2-cli)"
  done_testing; exit
fi
CONSENT_LIBRARY="$(abs "$top_builddir/libconsent/.libs")/libconsent.so.0"
export CONSENT_LIBRARY
"$GATE" key new --key-file "$TMP/keys" >/dev/null
php -d ffi.enable=1 -d error_reporting=-1 -d display_errors=stderr \
  "$top_srcdir/tests/php/test.php" "$TMP/keys" "$TMP" >"$TMP/php.tap" 2>"$TMP/php.err"
rc=$?
renumber "$TMP/php.tap"
# error_log() lines (the plugin's own messages) go to stderr too.
if grep -q "^PHP \|Warning\|Fatal\|Deprecated\|Notice" "$TMP/php.err"; then
  ok 1 "no PHP warnings or errors"; sed 's/^/# /' "$TMP/php.err" | head -20
else
  ok 0 "no PHP warnings or errors"
fi
grep -q "^1\.\.[1-9]" "$TMP/php.tap" || ok 1 "the PHP tests ran to the end (rc $rc)"
done_testing
