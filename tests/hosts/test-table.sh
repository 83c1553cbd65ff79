#!/bin/sh
# The table of cases every host answers alike (tests/hosts/table.py)
# through the command line (consent-gate --http) and PHP (Consent\Page in a
# front controller under php -S); the httpd, nginx and WSGI hosts run the
# same table in their own tests (host_checks).
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/common.sh"
trap 'kill ${PHP_PID:-} ${BACKEND_PID:-} 2>/dev/null; rm -rf "$TMP"' EXIT

mkdir -p "$TMP/site"
"$GATE" key new --key-file "$TMP/keys" >/dev/null
PROVIDERS="$(abs "$top_srcdir/tests/banners")/providers.conf"
start_backend "$TMP/site"
wait_port "$BACKEND_PORT"
ok $? "the stand-in backend listens on $BACKEND_PORT"

/usr/bin/python3 "$top_srcdir/tests/hosts/table.py" --name cli --cli "$GATE" \
  --backend "$BACKEND_PORT" --key "$TMP/keys" --providers "$PROVIDERS" >"$TMP/cli.tap" 2>&1
renumber "$TMP/cli.tap"
grep -q "^1\.\.[1-9]" "$TMP/cli.tap" || { ok 1 "cli: the table ran"; tail -5 "$TMP/cli.tap"; }

if sanitized; then
  skip "PHP as a host" "sanitizer build (php would need the ASan runtime)"
elif ! command -v php >/dev/null 2>&1 || ! php -m | grep -qx FFI; then
  ok 1 "php-cli with FFI is installed (Debian php8.2-cli)"
else
  port=$(free_port)
  KEY_FILE="$TMP/keys" BACKEND_PORT=$BACKEND_PORT PROVIDERS=$PROVIDERS \
    CONSENT_LIBRARY="$(abs "$top_builddir/libconsent/.libs")/libconsent.so.0" \
    php -d ffi.enable=1 -d error_reporting=-1 -d log_errors=1 -d display_errors=0 \
    -S "127.0.0.1:$port" "$(abs "$top_srcdir/tests/hosts")/php_host.php" >"$TMP/php.log" 2>&1 &
  PHP_PID=$!
  wait_port "$port"
  ok $? "php -S with the front controller listens on $port"
  /usr/bin/python3 "$top_srcdir/tests/hosts/table.py" --name php --base "http://127.0.0.1:$port" \
    --gate "$GATE" --key "$TMP/keys" >"$TMP/php.tap" 2>&1
  renumber "$TMP/php.tap"
  grep -q "^1\.\.[1-9]" "$TMP/php.tap" || { ok 1 "php: the table ran"; tail -5 "$TMP/php.tap"; }
  ! grep -q "PHP \(Warning\|Notice\|Fatal\|Deprecated\)" "$TMP/php.log"
  ok $? "no PHP warnings ($(grep -m2 "PHP " "$TMP/php.log" | tr '\n' ' '))"
fi
done_testing
