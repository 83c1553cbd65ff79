#!/bin/sh
# The nginx module on the distribution's nginx (127.0.0.1, its own
# prefix): the host suite over HTTP, the browser flow, and configuration
# mistakes refused when it loads.
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/nginx.sh"
trap 'nginx_stop; rm -rf "$TMP"' EXIT

if sanitized; then
  skip "the nginx module" "sanitizer build"
  done_testing; exit
fi
if ! nginx_start; then
  ok 1 "nginx with the consent module starts ($(cat "$TMP/nginx.why"))"
  done_testing; exit
fi
ok 0 "nginx with the consent module starts on port $NGINX_PORT"
host_checks nginx "$NGINX_PORT" "$NGINX_SITE" "$NGINX_KEY" "$NGINX_RECEIPTS"
# Subrequests: an SSI include's HTML is gated too, and the page stays whole.
mkdir -p "$NGINX_SITE/ssi"
printf '<!doctype html><p>before</p><!--# include virtual="/ssi/frag.html" --><p>after</p>\n' >"$NGINX_SITE/ssi/page.html"
printf '<iframe src="https://www.youtube.com/embed/ssi"></iframe>\n' >"$NGINX_SITE/ssi/frag.html"
chmod -R a+rX "$NGINX_SITE/ssi"
curl -s "http://127.0.0.1:$NGINX_PORT/ssi/page.html" >"$TMP/ssi.out"
grep -q 'data-consent-provider="youtube"' "$TMP/ssi.out" &&
  ! grep -q '<iframe src="https://www.youtube.com/embed/ssi">' "$TMP/ssi.out" &&
  grep -q "<p>before</p>" "$TMP/ssi.out" && grep -q "<p>after</p>" "$TMP/ssi.out"
ok $? "nginx: an SSI subrequest's embed is gated, the page around it intact"
# Twice on one connection (one worker): a page made of subrequests is
# never sent from the page cache without its parts.
curl -s "http://127.0.0.1:$NGINX_PORT/ssi/page.html" "http://127.0.0.1:$NGINX_PORT/ssi/page.html" >"$TMP/ssi2.out"
[ "$(grep -c 'data-consent-provider="youtube"' "$TMP/ssi2.out")" -eq 2 ] &&
  [ "$(grep -c "<p>after</p>" "$TMP/ssi2.out")" -eq 2 ]
ok $? "nginx: an SSI page asked twice on one connection is whole both times (page cache)"
# A fragment of any type is part of the page it is included in.
for ext in txt inc; do
  printf '<!doctype html><p>before</p><!--# include virtual="/ssi/frag.%s" --><p>after</p>\n' $ext >"$NGINX_SITE/ssi/page-$ext.html"
  printf '<iframe src="https://www.youtube.com/embed/ssi-%s"></iframe>\n' $ext >"$NGINX_SITE/ssi/frag.$ext"
  chmod a+r "$NGINX_SITE/ssi/page-$ext.html" "$NGINX_SITE/ssi/frag.$ext"
  curl -s "http://127.0.0.1:$NGINX_PORT/ssi/page-$ext.html" >"$TMP/ssi-$ext.out"
  grep -q 'data-consent-provider="youtube"' "$TMP/ssi-$ext.out" &&
    ! grep -q "<iframe src=\"https://www.youtube.com/embed/ssi-$ext\">" "$TMP/ssi-$ext.out" &&
    grep -q "<p>after</p>" "$TMP/ssi-$ext.out"
  ok $? "nginx: an SSI include of a .$ext fragment (not text/html) is gated too"
done
# Settings past 4 KB: two locations that differ there have gates of
# their own (the key that told them apart was cut at 4096 bytes).
mkdir -p "$NGINX_SITE/long1" "$NGINX_SITE/long2"
cp "$NGINX_SITE/page.html" "$NGINX_SITE/long1/page.html"
cp "$NGINX_SITE/page.html" "$NGINX_SITE/long2/page.html"
chmod -R a+rX "$NGINX_SITE/long1" "$NGINX_SITE/long2"
curl -s "http://127.0.0.1:$NGINX_PORT/long1/page.html" >"$TMP/long1.out"
curl -s "http://127.0.0.1:$NGINX_PORT/long2/page.html" >"$TMP/long2.out"
! grep -q 'data-consent-provider="vimeo"' "$TMP/long1.out" &&
  grep -q 'data-consent-provider="vimeo"' "$TMP/long2.out"
ok $? "nginx: consent_allow takes several ids, and locations whose settings differ past 4 KB get gates of their own"
# The page cache (on by default): a gated static file is rewritten once
# per validator, path, language and the visitor's decisions, then sent
# from memory (tests/hosts/page_cache.py, shared with test-httpd.sh).
page_cache_checks nginx "$NGINX_PORT" "$NGINX_SITE" "$NGINX_KEY" "consent_page_cache off"
# Behind a real shared cache (a second nginx with proxy_cache in front):
# a cache-safe page is one cached copy for every visitor; a page gated per
# visitor is never served from one visitor's copy to another (its
# Vary: Cookie is honoured).
CACHE_PORT=$(free_port)
mkdir -p "$TMP/front/logs" "$TMP/front/cache"
cat >"$TMP/front/nginx.conf" <<EOF
pid $TMP/front/nginx.pid;
error_log $TMP/front/logs/error.log warn;
$([ "$(id -u)" -eq 0 ] && echo "user www-data;")
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $TMP/front/tmp-body;
  proxy_temp_path $TMP/front/tmp-proxy;
  fastcgi_temp_path $TMP/front/tmp-fcgi;
  uwsgi_temp_path $TMP/front/tmp-uwsgi;
  scgi_temp_path $TMP/front/tmp-scgi;
  proxy_cache_path $TMP/front/cache levels=1:2 keys_zone=shared:1m;
  server {
    listen 127.0.0.1:$CACHE_PORT;
    location / {
      proxy_pass http://127.0.0.1:$NGINX_PORT;
      proxy_cache shared;
      proxy_cache_valid 200 10m;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }
}
EOF
chown -R www-data "$TMP/front" 2>/dev/null
"$NGINX" -p "$TMP/front" -c "$TMP/front/nginx.conf" >"$TMP/front.log" 2>&1 &&
  wait_port "$CACHE_PORT"
ok $? "a shared cache (nginx proxy_cache) in front of the gated site ($(head -c 200 "$TMP/front.log"))"
yt_cookie="consent=$("$GATE" cookie issue --key-file "$NGINX_KEY" --allow youtube)"
front() {  # PATH COOKIE OUT: the body to OUT, prints the cache status
  curl -s -D "$3.h" ${2:+-H "Cookie: $2"} "http://127.0.0.1:$CACHE_PORT$1" -o "$3"
  tr -d '\r' <"$3.h" | sed -n 's/^[Xx]-[Cc]ache-[Ss]tatus: *//p'
}
s1=$(front /safe/page.html "$yt_cookie" "$TMP/c1")
s2=$(front /safe/page.html "" "$TMP/c2")
s3=$(front /safe/page.html "consent=$("$GATE" cookie issue --key-file "$NGINX_KEY" --allow vimeo)" "$TMP/c3")
[ "$s1" = MISS ] && [ "$s2" = HIT ] && [ "$s3" = HIT ] &&
  cmp -s "$TMP/c1" "$TMP/c2" && cmp -s "$TMP/c1" "$TMP/c3" &&
  grep -q 'data-consent-provider="youtube"' "$TMP/c1" &&
  ! grep -qi "^Vary:.*Cookie" "$TMP/c1.h"
ok $? "cache-safe: one cached copy (gated) served to visitors with different consent ($s1 $s2 $s3)"
p1=$(front /page.html "$yt_cookie" "$TMP/p1")
p2=$(front /page.html "" "$TMP/p2")
p3=$(front /page.html "$yt_cookie" "$TMP/p3")
grep -q '<iframe width="560" height="315" src="https://www.youtube.com/embed/' "$TMP/p1" &&
  ! grep -q '<iframe width="560" height="315" src="https://www.youtube.com/embed/' "$TMP/p2" &&
  grep -q 'data-consent-provider="youtube"' "$TMP/p2" &&
  grep -qi "^Vary:.*Cookie" "$TMP/p1.h" && [ "$p2" != HIT ] && [ "$p3" = HIT ] &&
  cmp -s "$TMP/p1" "$TMP/p3"
ok $? "per visitor: Vary: Cookie keeps the allowed page from the visitor without consent ($p1 $p2 $p3)"
[ -f "$TMP/front/nginx.pid" ] && kill -QUIT "$(cat "$TMP/front/nginx.pid")" 2>/dev/null
! grep -q "exited on signal\|\[alert\]" "$TMP/nginx/logs/error.log"
ok $? "no worker crashed, no alert ($(grep -m1 "exited on signal\|\[alert\]" "$TMP/nginx/logs/error.log"))"
nginx_stop

conf="$TMP/nginx/nginx.conf"
printf 'provider broken\n  hosts =\n' >"$TMP/bad.conf"
printf 'not a key\n' >"$TMP/bad.keys"
for case in "consent_providers $TMP/bad.conf;|bad.conf:" \
            "consent_key_file $TMP/bad.keys;|bad.keys:1:" \
            "consent_allow nosuchprovider;|consent_allow" \
            "consent_cookie 'bad name';|consent_cookie" \
            "consent_buffer 12;|consent_buffer" \
            "consent_language 'x y';|consent_language" \
            "consent_script url relative.js;|consent_script" \
            "consent_policy_version 4294967296;|between" \
            "consent_trusted_proxies 10.0.0.0/33;|consent_trusted_proxies" \
            "consent_previews_fetch ttl=0;|consent_previews_fetch" \
            "consent_notice_template $TMP/bad.keys;|consent_notice_template"; do
  line=${case%%|*} want=${case#*|}
  sed "s|^    root |    $line\n    root |" "$conf" >"$conf.t"
  "$NGINX" -p "$TMP/nginx" -c "$conf.t" -t >"$TMP/t.out" 2>&1
  rc=$?
  [ $rc -ne 0 ] && grep -q "$want" "$TMP/t.out"
  ok $? "nginx -t refuses '$line': $(grep -m1 "emerg" "$TMP/t.out" | cut -c1-160)"
done
sed "s|consent_sources cookie tcf klaro gpc;|consent_sources cookie bogus;|" "$conf" >"$conf.t"
"$NGINX" -p "$TMP/nginx" -c "$conf.t" -t >"$TMP/t.out" 2>&1
[ $? -ne 0 ] && grep -q "consent_sources: unknown consent source 'bogus'" "$TMP/t.out"
ok $? "nginx -t refuses an unknown consent source, the library's message naming it: $(grep -m1 "emerg" "$TMP/t.out" | cut -c1-160)"
done_testing
