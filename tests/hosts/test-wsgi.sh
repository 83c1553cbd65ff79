#!/bin/sh
# The Python WSGI middleware (consent.wsgi) as a host: wsgiref on
# 127.0.0.1 serving the host suite's site, proxying /proxy/ to the
# stand-in backend; the host suite over HTTP and the browser flow.
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/common.sh"
trap 'kill $WSGI_PID $BACKEND_PID 2>/dev/null; rm -rf "$TMP"' EXIT

if sanitized; then
  skip "the WSGI middleware" "sanitizer build (python would need the ASan runtime)"
  done_testing; exit
fi
PYTHONPATH="$(abs "$top_srcdir/bindings/python")"
CONSENT_LIBRARY="$(abs "$top_builddir/libconsent/.libs")/libconsent.so.0"
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH CONSENT_LIBRARY PYTHONDONTWRITEBYTECODE
host_site "$TMP/site"
"$GATE" key new --key-file "$TMP/keys" >/dev/null
port=$(free_port)
start_backend "$TMP/site"
backend_port=$BACKEND_PORT
/usr/bin/python3 "$top_srcdir/tests/hosts/wsgi_host.py" "$port" "$TMP/site" \
  "$TMP/keys" "$TMP/receipts.log" "$backend_port" >"$TMP/wsgi.log" 2>&1 &
WSGI_PID=$!
if ! wait_port "$port" || ! wait_port "$backend_port"; then
  ok 1 "the WSGI host starts ($(cat "$TMP/wsgi.log"))"
  done_testing; exit
fi
ok 0 "the WSGI host (wsgiref + consent.wsgi) starts on port $port"
host_checks wsgi "$port" "$TMP/site" "$TMP/keys" "$TMP/receipts.log"
! grep -q "Traceback" "$TMP/wsgi.log"
ok $? "no exception in the WSGI host$(grep -m1 -A3 Traceback "$TMP/wsgi.log" | tr '\n' ' ')"
done_testing
