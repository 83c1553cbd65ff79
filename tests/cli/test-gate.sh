#!/bin/sh
# consent-gate doing the gate's job: defaults, options, a visitor's
# cookie, reports, compressed input, static sites in place.
. "${top_srcdir:-.}/tests/cli/tap.sh"

A="$top_srcdir/examples/article.html"
"$GATE" "$A" >"$TMP/out"
ok $? "the sample article is gated with the defaults"
n=$(grep -o 'data-consent-provider="[a-z-]*"' "$TMP/out" | sort -u | wc -l)
[ "$n" -ge 11 ] && grep -q 'Recommended external content' "$TMP/out"
ok $? "11 providers gated, English texts ($n)"
! grep -q '<iframe src="https://www.google.com/maps' "$TMP/out"
ok $? "no embed left in the page"

"$GATE" --lang de "$A" | grep -q 'Empfohlener externer Inhalt'
ok $? "--lang de"
"$GATE" --accept-language 'pl-PL,pl;q=0.9,en;q=0.5' "$A" | grep -q 'Polecana'
ok $? "--accept-language picks Polish"
"$GATE" --lang tlh "$A" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "no texts for 'tlh'" "$TMP/err"
ok $? "an unknown language: exit 2"

"$GATE" key new --key-file "$TMP/keys" >/dev/null
V=$("$GATE" cookie issue --key-file "$TMP/keys" --allow youtube,category:maps)
"$GATE" --key-file "$TMP/keys" --cookie "$V" "$A" >"$TMP/out"
grep -q '<iframe width="560" height="315" src="https://www.youtube-nocookie.com' "$TMP/out" &&
  grep -q '<iframe src="https://www.google.com/maps/embed' "$TMP/out" &&
  grep -q 'data-consent-provider="vimeo"' "$TMP/out"
ok $? "--cookie: what the visitor allowed passes, the rest is gated"
"$GATE" --key-file "$TMP/keys" --cookie "forged$V" "$A" >"$TMP/out" 2>"$TMP/err"
[ $? -eq 0 ] && grep -q 'the cookie is ignored' "$TMP/err" &&
  grep -q 'data-consent-provider="youtube"' "$TMP/out"
ok $? "a forged cookie is ignored (everything gated) with a warning"
"$GATE" --allow-provider vimeo "$A" | grep -q '<iframe src="https://player.vimeo.com'
ok $? "--allow-provider passes a provider without consent"

"$GATE" --report "$TMP/report.json" "$A" >/dev/null
grep -q '"provider": "youtube", "element": "iframe", "line": 45, "action": "gated"' "$TMP/report.json" &&
  head -c 1 "$TMP/report.json" | grep -q '\['
ok $? "--report writes a JSON list with provider, element, line, action"
# Tag names come from the page: quotes, backslashes and control bytes in
# them stay inside their JSON strings.
printf '<a\\"b\001 onclick="fetch(\047https://www.youtube.com/x\047)">x</a>' >"$TMP/odd.html"
"$GATE" --report "$TMP/odd.json" "$TMP/odd.html" >/dev/null &&
  /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r[0]["element"].startswith("a\\\"b"), r' "$TMP/odd.json"
ok $? "--report: an odd tag name is escaped ($(tr -d '\n' <"$TMP/odd.json"))"

gzip -c "$A" >"$TMP/a.html.gz"
"$GATE" --decode gzip "$TMP/a.html.gz" | cmp -s - "$TMP/out.plain" 2>/dev/null
"$GATE" "$A" >"$TMP/out.plain"
"$GATE" --decode gzip "$TMP/a.html.gz" | cmp -s - "$TMP/out.plain"
ok $? "--decode gzip gives the same page"
"$GATE" --decode gzip --encode gzip "$TMP/a.html.gz" | gzip -dc | cmp -s - "$TMP/out.plain"
ok $? "--encode gzip"
head -c 1000 "$TMP/a.html.gz" >"$TMP/cut.gz"
"$GATE" --decode gzip "$TMP/cut.gz" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "truncated" "$TMP/err"
ok $? "a truncated gzip input: exit 1, 'truncated'"
for enc in br zstd; do
  "$GATE" --encode "$enc" "$A" >"$TMP/a.$enc" &&
    "$GATE" --decode "$enc" "$TMP/a.$enc" | cmp -s - "$TMP/out.plain"
  ok $? "--encode $enc, then --decode $enc: the same gated page"
done
"$GATE" "$TMP/a.html.gz" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "no content coding says so" "$TMP/err"
ok $? "gzip input without --decode: refused, never passed unread ($(cat "$TMP/err"))"
printf 'a\033$Bb' | "$GATE" | od -An -c | tr -d ' \n' >"$TMP/esc"
printf 'a\033$Bb' | "$GATE" --content-type 'text/html; charset=UTF-8' | od -An -c | tr -d ' \n' >"$TMP/esc8"
[ "$(cat "$TMP/esc")" = 'a$Bb' ] && [ "$(cat "$TMP/esc8")" = 'a033$Bb' ]
ok $? "--content-type: ISO-2022-JP's ESC \$ B goes unless the page is declared UTF-8 ($(cat "$TMP/esc") / $(cat "$TMP/esc8"))"

"$GATE" --script url --script-url /c.js --css-url /c.css "$A" >"$TMP/out"
grep -q '<script defer src="/c.js"' "$TMP/out" && ! grep -q "consent-embed{box-sizing" "$TMP/out" && grep -q '<link rel="stylesheet" href="/c.css">' "$TMP/out"
ok $? "--script url: no inline script or style"
"$GATE" --nonce abc123 "$A" | grep -q '<script nonce="abc123">'
ok $? "--nonce"
"$GATE" --script url "$A" >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "--script url without --script-url: exit 2"
"$GATE" assets "$TMP" >/dev/null && [ -s "$TMP/consent.js" ] && [ -s "$TMP/consent.css" ] &&
  grep -q 'document.currentScript.getAttribute("data-consent-guard")' "$TMP/guard.js"
ok $? "assets writes consent.js, consent.css and guard.js"
out=$(printf '<html><head><title>t</title></head><p>x' |
  "$GATE" --guard --script url --script-url /static/consent.js)
case $out in
  '<html><head><script data-consent-guard="{&quot;h&quot;:'*'" src="/static/guard.js"></script><script defer src="/static/consent.js"></script><title>'*) r=0 ;;
  *) r=1 ;;
esac
ok $r "--guard --script url: <script src> of guard.js beside consent.js, the rules in its attribute"

mkdir -p "$TMP/site/sub"
cp "$A" "$TMP/site/index.html"
cp "$A" "$TMP/site/sub/page.htm"
printf '<p>no embeds</p>' >"$TMP/site/sub/plain.html"
printf 'not html' >"$TMP/site/notes.txt"
chmod 640 "$TMP/site/index.html"
"$GATE" --cache-safe --in-place "$TMP/site"
ok $? "--in-place rewrites a folder"
grep -q 'data-consent-provider="youtube"' "$TMP/site/index.html" &&
  grep -q 'data-consent-provider="youtube"' "$TMP/site/sub/page.htm" &&
  [ "$(cat "$TMP/site/sub/plain.html")" = '<p>no embeds</p>' ] &&
  [ "$(cat "$TMP/site/notes.txt")" = 'not html' ] &&
  [ "$(stat -c %a "$TMP/site/index.html")" = 640 ]
ok $? "every *.html and *.htm gated, other files untouched, modes kept"
ls "$TMP/site" "$TMP/site/sub" | grep -q gate
[ $? -ne 0 ]
ok $? "no temporary files left"
cp "$TMP/site/index.html" "$TMP/before"
"$GATE" --in-place "$TMP/site" && cmp -s "$TMP/before" "$TMP/site/index.html"
ok $? "gating a gated site again changes nothing"

# The consent notice: on by default, off with --no-notice, and away when
# a consent banner of the site answered.
T="$top_srcdir/tests/hosts/site/trackers.html"
"$GATE" "$T" | grep -q 'data-consent-notice="google-fonts google-analytics matomo-cloud facebook-pixel"'
ok $? "a page with trackers gets the notice"
"$GATE" --no-notice "$T" | grep -q 'data-consent-notice='
[ $? -ne 0 ]
ok $? "--no-notice: none"
"$GATE" --sources "cookie klaro" --cookie-header 'klaro=%7B%22youtube%22%3Afalse%7D' "$T" |
  grep -q 'data-consent-notice='
[ $? -ne 0 ]
ok $? "a banner source answered (a klaro cookie): no notice"
"$GATE" --sources "cookie klaro" --cookie-header 'other=1' "$T" | grep -q 'data-consent-notice='
ok $? "a banner source configured but silent: the notice"
"$GATE" --sources "cookie bogus" "$T" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "unknown consent source 'bogus' (cookie, tcf" "$TMP/err"
ok $? "--sources with an unknown name: the library's message names it ($(head -1 "$TMP/err"))"
printf '<b>{{title}}</b>{{list}}{{controls}}' >"$TMP/notice.tpl"
"$GATE" --notice-template "$TMP/notice.tpl" "$T" | grep -q '<div class="consent-notice__box"><b>Your privacy choices</b><ul'
ok $? "--notice-template: the notice in the site's template"
printf '<b>{{title}}</b>' >"$TMP/notice.tpl"
"$GATE" --notice-template "$TMP/notice.tpl" "$T" >/dev/null 2>"$TMP/err"
[ $? -ne 0 ] && grep -q "{{controls}}" "$TMP/err"
ok $? "--notice-template without {{controls}}: refused ($(head -c 120 "$TMP/err"))"
"$GATE" --google-consent-mode --allow-provider google-analytics "$T" |
  grep -q "gtag('consent','default',{ad_storage:'denied'"
ok $? "--google-consent-mode: the default before the first Google tag"

done_testing
