#!/bin/sh
# Previews: consent-gate --previews/--fetch-previews against an HTTPS
# stand-in for a video provider on 127.0.0.1 (tests/previews/standin.py,
# certificate from a CA made here): success, timeouts, oversize bodies,
# bad JSON, wrong content types, redirects (to a private address, to
# another host, within the provider), TLS verification, cache eviction and
# refresh, bounded concurrency, and the page in chromium making no
# third-party request.
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/common.sh"
. "$top_srcdir/tests/hosts/httpd.sh"
trap 'kill $STANDIN_PID ${WSGI_PID:-} 2>/dev/null; httpd_stop; nginx_stop 2>/dev/null; rm -rf "$TMP"' EXIT

command -v openssl >/dev/null 2>&1 || {
  ok 1 "openssl is installed"; done_testing; exit; }
cd "$TMP" || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
  -subj "/CN=libconsent test CA" >/dev/null 2>&1 &&
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
  -subj "/CN=video.test" >/dev/null 2>&1 &&
printf 'subjectAltName=DNS:video.test,DNS:*.video.test,DNS:evil.test\nbasicConstraints=CA:FALSE\n' >ext &&
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
  -out srv.pem -days 2 -extfile ext >/dev/null 2>&1
ok $? "a test CA and a certificate for *.video.test"
cd - >/dev/null || exit 1

PORT=$(free_port)
/usr/bin/python3 "$top_srcdir/tests/previews/standin.py" "$PORT" "$TMP/srv.pem" \
  "$TMP/srv.key" >"$TMP/standin.log" 2>&1 &
STANDIN_PID=$!
wait_port "$PORT"
ok $? "the HTTPS stand-in listens on $PORT"

cat >"$TMP/p.conf" <<EOF
[testvideo]
name = Test Video
category = video
hosts = video.test
oembed = https://oembed.video.test:$PORT/oembed
privacy = https://video.test/privacy
[plainvideo]
name = Plain Video
category = video
hosts = plain.test
oembed = http://oembed.plain.test:$PORT/oembed
EOF
mkdir -p "$TMP/cache"
R="--resolve www.video.test:$PORT:127.0.0.1 --resolve oembed.video.test:$PORT:127.0.0.1 --resolve img.video.test:$PORT:127.0.0.1 --resolve evil.test:$PORT:127.0.0.1 --resolve internal.video.test:$PORT:127.0.0.2"
# gate PAGE_SEGMENTS... [-- OPTIONS]: a page with one embed per segment.
page() {
  printf '<!doctype html><title>p</title>\n' >"$TMP/page.html"
  for s in "$@"; do
    printf '<iframe src="https://www.video.test/embed/%s" width="480" height="270"></iframe>\n' "$s" >>"$TMP/page.html"
  done
}
# shellcheck disable=SC2086
run() {
  "$GATE" --providers "$TMP/p.conf" --previews "$TMP/cache" --ca-file "$TMP/ca.pem" \
    --trust-address 127.0.0.1 $R "$@" "$TMP/page.html"
}
key() { printf '%s' "https://www.video.test/embed/$1" | sha256sum | cut -c1-64; }
meta() { cat "$TMP/cache/$(key "$1").json" 2>/dev/null; }

# Success.
page ok-1
run --fetch-previews >/dev/null 2>"$TMP/err"
grep -q "1 fetched, 0 failed" "$TMP/err" && meta ok-1 | grep -q '"title":"Video ok-1"' &&
  [ -s "$TMP/cache/$(key ok-1).jpg" ]
ok $? "fetch: oEmbed title and thumbnail cached ($(cat "$TMP/err"))"
run >"$TMP/out" 2>"$TMP/err"
grep -q "<figure class=\"consent-embed__preview\"><img src=\"/consent-previews/$(key ok-1).jpg\" alt=\"Video ok-1\" loading=\"lazy\" width=\"480\" height=\"360\"><figcaption>Video ok-1 &middot; Author &lt;ok-1&gt;</figcaption></figure>" "$TMP/out"
ok $? "the placeholder shows the title, the escaped author and the local thumbnail"
run --preview-url /static/previews/ >"$TMP/out"
grep -q "src=\"/static/previews/$(key ok-1).jpg\"" "$TMP/out"
ok $? "--preview-url sets where the cache folder is served"
! grep -q "video.test" "$TMP/out" || ! grep -o 'src="[^"]*"' "$TMP/out" | grep -q "video.test"
ok $? "no src in the page points at the provider"
page ok-2
run >"$TMP/out" 2>/dev/null
! grep -q "<figure class=\"consent-embed__preview" "$TMP/out"
ok $? "a miss renders without a preview (never fetched on the request path)"

# Several fetchers (httpd children, nginx workers) share a folder: one
# fetches a URL at a time (KEY.lock); a lock left by a dead one expires.
page ok-lock
: >"$TMP/cache/$(key ok-lock).lock"
run --fetch-previews >/dev/null 2>"$TMP/err"
grep -q "0 fetched, 0 failed" "$TMP/err" && [ -z "$(meta ok-lock)" ]
c1=$?
touch -d '1 hour ago' "$TMP/cache/$(key ok-lock).lock"
run --fetch-previews >/dev/null 2>"$TMP/err"
[ $c1 -eq 0 ] && grep -q "1 fetched" "$TMP/err" && [ ! -e "$TMP/cache/$(key ok-lock).lock" ]
ok $? "a URL another fetcher holds is skipped; a stale lock is taken over and removed"

# Failures, each recorded with why.
fail_case() {  # SEGMENT EXPECTED_TEXT WHAT [OPTIONS]
  seg=$1 want=$2 what=$3
  shift 3
  page "$seg"
  run --fetch-previews "$@" >/dev/null 2>"$TMP/err"
  grep -q "0 fetched, 1 failed" "$TMP/err" && meta "$seg" | grep -q "$want"
  ok $? "$what: $(meta "$seg" | sed 's/.*"error":"\([^"]*\)".*/\1/')"
}
fail_case slow "Timeout" "a timeout" --preview-limit timeout_ms=1000
fail_case big "too large" "an oversize oEmbed answer" --preview-limit max_json=65536
fail_case badjson "not JSON with a title" "bad JSON"
fail_case wrongtype "not JSON (Content-Type)" "JSON with the wrong content type"
fail_case thumbtype "not an image" "a thumbnail with the wrong content type"
fail_case thumbbig "too large" "an oversize thumbnail"
fail_case to-private "internal address refused" "a redirect to a private address (a provider host resolving to 127.0.0.2)"
fail_case to-other "away from the provider" "a redirect to another host"
page foreign
run --fetch-previews >/dev/null 2>"$TMP/err"
meta foreign | grep -q '"title":"Video foreign"' && ! meta foreign | grep -q '"image"'
ok $? "a thumbnail on another host is not fetched: the title alone"
page to-ok
run --fetch-previews >/dev/null 2>"$TMP/err"
meta to-ok | grep -q '"title":"Video ok-redirected"'
ok $? "a redirect within the provider's hosts is followed"
rm -f "$TMP/cache/$(key ok-3).json"
page ok-3
"$GATE" --providers "$TMP/p.conf" --previews "$TMP/cache" --trust-address 127.0.0.1 $R \
  --fetch-previews "$TMP/page.html" >/dev/null 2>"$TMP/err"
meta ok-3 | grep -q "SSL\|certificate"
ok $? "TLS is verified: without the test CA the fetch fails ($(meta ok-3 | sed 's/.*"error":"\([^"]*\)".*/\1/'))"
rm -f "$TMP/cache/$(key ok-3).json"
"$GATE" --providers "$TMP/p.conf" --previews "$TMP/cache" --ca-file "$TMP/ca.pem" $R \
  --fetch-previews "$TMP/page.html" >/dev/null 2>"$TMP/err"
meta ok-3 | grep -q "internal address refused"
ok $? "loopback is refused unless trusted (the stand-in is on 127.0.0.1)"
printf '<iframe src="https://www.plain.test/embed/x"></iframe>' >"$TMP/page.html"
"$GATE" --providers "$TMP/p.conf" --previews "$TMP/cache" --fetch-previews "$TMP/page.html" >/dev/null 2>"$TMP/err"
grep -q "1 failed" "$TMP/err" && cat "$TMP/cache/$(printf '%s' https://www.plain.test/embed/x | sha256sum | cut -c1-64).json" | grep -q "not https"
ok $? "an oEmbed endpoint over plain http is refused"

# Refresh after the TTL.
page ok-4
run --fetch-previews --preview-limit ttl=1 >/dev/null 2>&1
sleep 2
run --fetch-previews --preview-limit ttl=1 >"$TMP/out" 2>"$TMP/err"
hits=$(curl -sk --resolve "oembed.video.test:$PORT:127.0.0.1" "https://oembed.video.test:$PORT/stats" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"].get("ok-4", 0))')
[ "$hits" = 2 ] && grep -q "<figure class=\"consent-embed__preview" "$TMP/out"
ok $? "past its TTL an entry is still shown and fetched again (hits: $hits)"

# Bounded concurrency.
page delay-1 delay-2 delay-3 delay-4 delay-5 delay-6 delay-7 delay-8 delay-9 delay-10 delay-11 delay-12
run --fetch-previews --preview-limit concurrency=3 >/dev/null 2>"$TMP/err"
maxc=$(curl -sk --resolve "oembed.video.test:$PORT:127.0.0.1" "https://oembed.video.test:$PORT/stats" |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["max_concurrent"])')
grep -q "12 fetched" "$TMP/err" && [ "$maxc" -ge 2 ] && [ "$maxc" -le 3 ]
ok $? "12 fetches with concurrency 3: at most 3 at once at the provider (seen: $maxc; $(cat "$TMP/err"))"

# Eviction under the size cap.
before=$(ls "$TMP/cache" | grep -c '\.json$')
set --
i=0
while [ $i -lt 40 ]; do set -- "$@" "ok-e$i"; i=$((i + 1)); done
page "$@"
run --fetch-previews --preview-limit cache_bytes=65536 >/dev/null 2>"$TMP/err"
size=$(du -sb "$TMP/cache" | cut -f1)
after=$(ls "$TMP/cache" | grep -c '\.json$')
[ "$size" -le 80000 ] && [ "$after" -lt $((before + 40)) ] && [ -n "$(meta ok-e39)" ]
ok $? "with a 64 KiB cap the oldest entries go ($before + 40 fetched -> $after entries, $size bytes) and the newest stay"
ls "$TMP/cache" | grep -q '\.tmp$'
[ $? -ne 0 ]
ok $? "no temporary files are left in the cache folder"

# The page with previews in chromium: nothing from the provider (an entry
# the eviction above kept).
page ok-e39
run >"$TMP/site.html" 2>/dev/null
pw=${PLAYWRIGHT_CORE:-$("$top_srcdir/tests/browser/setup.sh" 2>"$TMP/setup.err")}
if [ -n "$pw" ] && [ -d "$pw" ] && [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  PLAYWRIGHT_CORE="$pw" CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" \
    node "$top_srcdir/tests/previews/browser-previews.cjs" "$TMP/site.html" "$TMP/cache" \
    >"$TMP/browser.tap" 2>&1
  renumber "$TMP/browser.tap"
  grep -q "^1\.\.[1-9]" "$TMP/browser.tap" || { ok 1 "the browser check ran"; sed 's/^/# /' "$TMP/browser.tap" | tail; }
else
  ok 1 "playwright-core and chromium are available"
fi

# The server modules: a fetcher thread in each httpd child / nginx worker
# fills the cache; the server serves it under /consent-previews/ with
# caching headers.
if sanitized; then
  skip "previews through the server modules" "sanitizer build"
  done_testing; exit
fi

# module_previews NAME PORT SITE_DIR CACHE_DIR
module_previews() {
  name=$1 base="http://127.0.0.1:$2" site=$3 cache=$4
  mkdir -p "$site/pv"
  printf '<!doctype html><iframe src="https://www.video.test/embed/ok-%s" width="480" height="270"></iframe>\n' "$name" >"$site/pv/page.html"
  chmod -R a+rX "$site"
  curl -s "$base/pv/page.html" >"$TMP/h1"
  ! grep -q "<figure" "$TMP/h1"
  ok $? "$name: the first request renders without a preview (queued)"
  i=0
  while [ $i -lt 40 ]; do
    curl -s "$base/pv/page.html" >"$TMP/h2"
    grep -q "<figure" "$TMP/h2" && break
    sleep 0.25
    i=$((i + 1))
  done
  grep -q "<figcaption>Video ok-$name" "$TMP/h2"
  ok $? "$name: the fetcher thread filled the cache; the page now shows the preview (after $i polls)"
  img=$(grep -o 'src="/consent-previews/[0-9a-f]*\.jpg"' "$TMP/h2" | sed 's/src="//; s/"$//')
  curl -s -D "$TMP/hdr" -o "$TMP/img" "$base$img"
  grep -qi "^Content-Type: image/jpeg" "$TMP/hdr" && grep -qi "^Cache-Control: .*max-age=604800" "$TMP/hdr" &&
    cmp -s "$TMP/img" "$cache/$(basename "$img")"
  ok $? "$name serves the thumbnail from the cache folder with long-lived caching headers"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base/consent-previews/..%2f..%2fetc%2fpasswd")
  code2=$(curl -s -o /dev/null -w '%{http_code}' "$base/consent-previews/$(basename "$img" .jpg).json")
  { [ "$code" = 404 ] || [ "$code" = 400 ]; } && [ "$code2" = 404 ]
  ok $? "$name serves only KEY.jpg/png/webp/gif from the cache folder ($code, $code2)"
}

mkdir -p "$TMP/hcache" && chmod 777 "$TMP/hcache"
if httpd_start "ConsentPreviews $TMP/hcache /consent-previews/
ConsentPreviewsFetch ca=$TMP/ca.pem trust=127.0.0.1 resolve=oembed.video.test:$PORT:127.0.0.1 resolve=img.video.test:$PORT:127.0.0.1
<Location /pv/>
  ConsentProviders $TMP/p.conf
</Location>"; then
  module_previews httpd "$HTTPD_PORT" "$HTTPD_SITE" "$TMP/hcache"
  # Children with a fetcher thread end cleanly: graceful restart, stop.
  "$APACHE2" -f "$TMP/httpd/httpd.conf" -k graceful >/dev/null 2>&1
  sleep 1
  curl -s -o /dev/null "http://127.0.0.1:$HTTPD_PORT/pv/page.html"
  httpd_stop
  ! grep -E "exit signal|Segmentation" "$TMP/httpd/logs/error.log"
  ok $? "httpd with previews: no child crashes on graceful restart or stop"
else
  ok 1 "httpd with previews starts ($(cat "$TMP/httpd.why"))"
fi
httpd_stop

. "$top_srcdir/tests/hosts/nginx.sh"
mkdir -p "$TMP/ncache" && chmod 777 "$TMP/ncache"
if nginx_start "consent_previews $TMP/ncache /consent-previews/;
    consent_previews_fetch ca=$TMP/ca.pem trust=127.0.0.1 resolve=oembed.video.test:$PORT:127.0.0.1 resolve=img.video.test:$PORT:127.0.0.1;
    location /pv/ { consent_providers $TMP/p.conf; }
    location ~ \"^/consent-previews/([0-9a-f]{64}\\.(jpg|png|webp|gif))\$\" {
      alias $TMP/ncache/\$1;
      expires 7d;
      add_header X-Content-Type-Options nosniff;
    }
    location /consent-previews/ { return 404; }"; then
  module_previews nginx "$NGINX_PORT" "$NGINX_SITE" "$TMP/ncache"
  # A reload that fails past parsing (its listen address is taken), then
  # a worker that dies: the master respawns it from the running
  # configuration, and it must start (it used the failed one's memory).
  conf="$TMP/nginx/nginx.conf"
  cp "$conf" "$conf.good"
  sed "s|^http {|http {\n  server { listen 127.0.0.1:$PORT; }|" "$conf.good" >"$conf"
  "$NGINX" -p "$TMP/nginx" -c "$conf" -s reload
  sleep 1
  cp "$conf.good" "$conf"
  pkill -KILL -f "nginx: worker process" -P "$(cat "$TMP/nginx/nginx.pid")"
  sleep 1
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$NGINX_PORT/pv/page.html")
  grep -q "bind() to 127.0.0.1:$PORT failed" "$TMP/nginx/logs/error.log" &&
    [ "$code" = 200 ] && ! grep -Eq "exited on signal (6|7|11)" "$TMP/nginx/logs/error.log"
  ok $? "nginx with previews: after a failed reload, respawned workers run ($code; $(grep -Ec 'exited on signal (6|7|11)' "$TMP/nginx/logs/error.log") crashes)"
else
  ok 1 "nginx with previews starts ($(cat "$TMP/nginx.why"))"
fi
nginx_stop

# The Python WSGI middleware: Previews with its fetcher thread.
mkdir -p "$TMP/wcache" "$TMP/wsite"
wport=$(free_port)
PYTHONPATH="$(abs "$top_srcdir/bindings/python")" \
CONSENT_LIBRARY="$(abs "$top_builddir/libconsent/.libs")/libconsent.so.0" \
PYTHONDONTWRITEBYTECODE=1 \
  /usr/bin/python3 "$top_srcdir/tests/previews/wsgi_previews.py" "$wport" "$TMP/wsite" \
  "$TMP/wcache" "$TMP/p.conf" "$TMP/ca.pem" "oembed.video.test:$PORT:127.0.0.1" \
  "img.video.test:$PORT:127.0.0.1" >"$TMP/wsgi.log" 2>&1 &
WSGI_PID=$!
if wait_port "$wport"; then
  module_previews wsgi "$wport" "$TMP/wsite" "$TMP/wcache"
else
  ok 1 "the WSGI previews host starts ($(cat "$TMP/wsgi.log"))"
fi
kill "$WSGI_PID" 2>/dev/null
done_testing
