#!/bin/sh
# mod_consent on a real apache2 (127.0.0.1, its own ServerRoot): the host
# suite over HTTP, and startup refusing bad configuration.
. "${top_srcdir:-.}/tests/cli/tap.sh"
. "$top_srcdir/tests/hosts/httpd.sh"
trap 'httpd_stop; rm -rf "$TMP"' EXIT

if sanitized; then
  # apache2 would have to load the ASan runtime first; the library's own
  # paths are covered by the unit tests in that build.
  skip "mod_consent on apache2" "sanitizer build"
  done_testing; exit
fi
if ! httpd_start; then
  ok 1 "apache2 with mod_consent starts ($(cat "$TMP/httpd.why"))"
  done_testing; exit
fi
ok 0 "apache2 with mod_consent starts on port $HTTPD_PORT"
host_checks httpd "$HTTPD_PORT" "$HTTPD_SITE" "$HTTPD_KEY" "$HTTPD_RECEIPTS"
# Pre-compressed static pages (httpd.sh: AddEncoding gzip .gz in /gz/,
# MultiViews in /mv/, ForceType and "Header set Content-Encoding gzip" in
# /forced/): gated or refused, never sent unread.
for case in "gz/page.html.gz|AddEncoding gzip .gz" "mv/page|MultiViews (page.html.gz)" \
            "forced/page|ForceType text/html + Header set Content-Encoding gzip"; do
  url=${case%%|*} what=${case#*|}
  code=$(curl -s --compressed -o "$TMP/gz.out" -w '%{http_code}' "http://127.0.0.1:$HTTPD_PORT/$url")
  if grep -q '<iframe width="560" height="315" src="https://www.youtube.com/embed/' "$TMP/gz.out"; then
    ok 1 "$what: the page went out ungated ($code)"
  elif [ "$code" = 200 ]; then
    grep -q 'data-consent-provider="youtube"' "$TMP/gz.out"
    ok $? "$what: gated ($code)"
  else
    ok 0 "$what: refused, nothing of it sent ($code)"
  fi
done
# The page cache (ConsentPageCache, on by default).
page_cache_checks httpd "$HTTPD_PORT" "$HTTPD_SITE" "$HTTPD_KEY" "ConsentPageCache Off"
! grep -q "exit signal" "$TMP/httpd/logs/error.log"
ok $? "no httpd child crashed"
httpd_stop

# Startup refuses bad files with a clear message.
conf="$TMP/httpd/httpd.conf"
printf 'provider broken\n  hosts =\n' >"$TMP/bad.conf"
printf 'not a key\n' >"$TMP/bad.keys"
printf '<p>no controls</p>\n' >"$TMP/bad.tpl"
printf 'nonsense\n' >"$TMP/bad.texts"
for case in "ConsentProviders $TMP/bad.conf|bad.conf:" \
            "ConsentKeyFile $TMP/bad.keys|bad.keys:1:" \
            "ConsentKeyFile $TMP/missing.keys|missing.keys" \
            "ConsentAllow nosuchprovider|ConsentAllow" \
            "ConsentTemplate $TMP/bad.tpl|ConsentTemplate: .*bad.tpl" \
            "ConsentTexts $TMP/bad.texts|ConsentTexts: .*bad.texts" \
            "ConsentCookie 'bad name'|ConsentCookie" \
            "ConsentBuffer 12|ConsentBuffer" \
            "ConsentScript url relative.js|ConsentScript" \
            "ConsentPolicyVersion 4294967296|ConsentPolicyVersion" \
            "ConsentTrustedProxies 10.0.0.0/33|ConsentTrustedProxies" \
            "ConsentPreviewsFetch ttl=0|ConsentPreviewsFetch" \
            "ConsentSources cookie bogus|ConsentSources: unknown consent source 'bogus'"; do
  line=${case%%|*} want=${case#*|}
  sed '/^# test line/d' "$conf" >"$conf.t" && echo "# test line
$line" >>"$conf.t"
  # Some mistakes show at the syntax check, the rest when it starts.
  if "$APACHE2" -f "$conf.t" -t >"$TMP/t.out" 2>&1; then
    timeout 10 "$APACHE2" -f "$conf.t" -DFOREGROUND >"$TMP/t.out" 2>&1
    rc=$?
    cat "$TMP/httpd/logs/error.log" >>"$TMP/t.out"
    [ $rc -ne 124 ] && [ $rc -ne 0 ] && grep -q "$want" "$TMP/t.out"
  else
    grep -q "$want" "$TMP/t.out"
  fi
  ok $? "startup refuses '$line': $(grep -m1 "$want" "$TMP/t.out" | cut -c1-150)"
done
done_testing
