#!/bin/sh
# Consent banners and Global Privacy Control: TC strings made by IAB's own
# library decoded alike (fixed and random), malformed TC strings, each
# banner's cookie in the shapes it writes, and pages gated according to
# them through consent-gate (the same code the server modules use).
. "${top_srcdir:-.}/tests/cli/tap.sh"

P="$top_srcdir/tests/banners/providers.conf"
PAGE="$top_srcdir/tests/banners/page.html"
YT='<iframe src="https://www.youtube.com/embed/a">'
VIMEO='<iframe src="https://player.vimeo.com/video/1">'
PIXEL='<img src="https://www.facebook.com/tr'

# gated SOURCES COOKIE_HEADER [OPTIONS...]: the page through the gate.
gated() {
  s=$1 h=$2
  shift 2
  "$GATE" --providers "$P" --sources "$s" --cookie-header "$h" "$@" "$PAGE" 2>"$TMP/err"
}
has() { grep -qF -- "$2" "$1"; }

# ---------------------------------------------------------------- TCF
iab=$("$top_srcdir/tools/npm-fetch.sh" @iabtcf/core@1.5.6 2>"$TMP/npm.err") || iab=""
count=300
sanitized && count=60
if [ -n "$iab" ] && command -v node >/dev/null 2>&1; then
  IABTCF_CORE="$iab" node "$top_srcdir/tests/banners/tcf-vectors.cjs" "$GATE" "$count" >"$TMP/tcf.tap" 2>&1
  while IFS= read -r line; do
    case $line in
      "ok "*) ok 0 "${line#ok * - }" ;;
      "not ok "*) ok 1 "${line#not ok * - }" ;;
      "#"*) echo "$line" ;;
    esac
  done <"$TMP/tcf.tap"
  grep -q "^1\.\.[1-9]" "$TMP/tcf.tap" || ok 1 "the TCF vectors ran: $(tail -5 "$TMP/tcf.tap")"
  tc() { IABTCF_CORE="$iab" node "$top_srcdir/tests/banners/tcf-vectors.cjs" - make "$@"; }
else
  ok 1 "@iabtcf/core and node are available ($(cat "$TMP/npm.err"))"
  tc() { echo ""; }
fi

# Malformed, truncated and oversize TC strings: a clear status, exit 1.
good=$(tc 1,3,4 89,755)
for case in "|empty" "!!!!|outside base64url" "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA|version 1" \
            "$(echo "$good" | cut -c1-20)|truncated in the header" \
            "$(echo "$good" | cut -c1-40)|truncated" \
            "CQuci4AQuci4AAKACBENCWFgAKAAAAAAAAYgF5wAg|truncated"; do
  s=${case%%|*} want=${case#*|}
  "$GATE" tcf "$s" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "$want" "$TMP/err"
  ok $? "tcf refuses '$(echo "$s" | cut -c1-24)': $(cat "$TMP/err")"
done
big=$(head -c 20000 /dev/zero | tr '\0' 'A')
"$GATE" tcf "$big" >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "longer than 16384" "$TMP/err"
ok $? "an oversize TC string: $(cat "$TMP/err")"

if [ -n "$good" ]; then
  gated tcf "euconsent-v2=$good" >"$TMP/o"
  has "$TMP/o" "$PIXEL" && has "$TMP/o" "$YT" && ! has "$TMP/o" "$VIMEO"
  ok $? "TCF: purposes 1,3,4 + vendor 89 allow the pixel (vendor 89) and YouTube (purpose 1); Vimeo (unmapped) stays gated"
  gated tcf "euconsent-v2=$(tc 3,4 89)" >"$TMP/o"
  ! has "$TMP/o" "$PIXEL" && ! has "$TMP/o" "$YT"
  ok $? "TCF: without purpose 1 neither passes"
  gated tcf "euconsent-v2=$(tc 1,3 755)" >"$TMP/o"
  ! has "$TMP/o" "$PIXEL"
  ok $? "TCF: the pixel's vendor (89) without consent stays gated"
  gated tcf "euconsent-v2=$(tc 1,3 89 89:3:0)" >"$TMP/o"
  ! has "$TMP/o" "$PIXEL"
  ok $? "TCF: a publisher restriction 'not allowed' for purpose 3 keeps the pixel gated"
  gated tcf "euconsent-v2=\"$good\"" >"$TMP/o"
  has "$TMP/o" "$PIXEL"
  ok $? "TCF: a quoted cookie value"
  gated "tcf gpc" "euconsent-v2=$good" --gpc >"$TMP/o"
  ! has "$TMP/o" "$PIXEL" && has "$TMP/o" "$YT"
  ok $? "TCF + Sec-GPC: the pixel (sale_sharing) is refused whatever the TC string says; YouTube passes"
  gated "tcf" "euconsent-v2=garbage!!; klaro=x" >"$TMP/o"
  ! has "$TMP/o" "$YT"
  ok $? "a malformed euconsent-v2 cookie says nothing (everything stays gated)"
fi

# ----------------------------------------------------------- Klaro
K='{"yt":true,"vimeo":false}'
KE='%7B%22yt%22%3Atrue%2C%22vimeo%22%3Afalse%7D'
for v in "$K" "$KE" "\"$KE\""; do
  gated klaro "klaro=$v" >"$TMP/o"
  has "$TMP/o" "$YT" && ! has "$TMP/o" "$VIMEO"
  ok $? "Klaro ($(echo "$v" | cut -c1-14)...): yt allowed, vimeo refused"
done
"$GATE" banner --providers "$P" klaro "$KE" >"$TMP/o"
grep -q '"youtube":{"allowed":true' "$TMP/o" && grep -q '"vimeo":{"allowed":false' "$TMP/o"
ok $? "consent-gate banner klaro: $(cut -c1-120 "$TMP/o")"
"$GATE" banner klaro '[1,2]' >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "not a JSON object" "$TMP/err"
ok $? "a malformed klaro cookie: $(cat "$TMP/err")"
# Our own cookie allows vimeo, Klaro refuses it: the refusal wins.
"$GATE" key new --key-file "$TMP/keys" >/dev/null
own=$("$GATE" cookie issue --key-file "$TMP/keys" --allow vimeo,youtube)
"$GATE" --providers "$P" --key-file "$TMP/keys" --sources "cookie klaro" \
  --cookie-header "consent=$own; klaro=$KE" "$PAGE" >"$TMP/o"
has "$TMP/o" "$YT" && ! has "$TMP/o" "$VIMEO"
ok $? "the site's cookie allows vimeo, Klaro refuses it: the refusal wins"
"$GATE" --providers "$P" --key-file "$TMP/keys" --sources "cookie" \
  --cookie-header "consent=$own; klaro=$KE" "$PAGE" >"$TMP/o"
has "$TMP/o" "$VIMEO"
ok $? "with Klaro not among the sources, its cookie is not read"

# -------------------------------------------------------- Cookiebot
CB="{stamp:%27abc%2Fdef%3D%3D%27%2Cnecessary:true%2Cpreferences:false%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1700000000000%2Cregion:%27de%27}"
gated cookiebot "CookieConsent=$CB" >"$TMP/o"
has "$TMP/o" "$YT" && has "$TMP/o" "$PIXEL"
ok $? "Cookiebot (URL-encoded, marketing:true): YouTube and the pixel (marketing) pass"
gated cookiebot "CookieConsent=$(echo "$CB" | sed 's/marketing:true/marketing:false/')" >"$TMP/o"
! has "$TMP/o" "$YT" && ! has "$TMP/o" "$PIXEL"
ok $? "Cookiebot marketing:false: both refused"
gated cookiebot "CookieConsent=-1" >"$TMP/o"
! has "$TMP/o" "$YT"
ok $? "Cookiebot -1 (no consent required there) is no signal: gated"
"$GATE" banner cookiebot '{stamp:1}' >/dev/null 2>"$TMP/err"
[ $? -eq 1 ]
ok $? "a malformed CookieConsent: $(cat "$TMP/err")"

# --------------------------------------------------------- OneTrust
OT="isGpcEnabled=0&datestamp=Sun+Nov+29+2026&version=202311.1.0&isIABGlobal=false&hosts=&consentId=1&interactionCount=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A1%2CC0004%3A1%2CC0005%3A1&AwaitingReconsent=false"
gated onetrust "OptanonConsent=$OT" >"$TMP/o"
has "$TMP/o" "$YT" && has "$TMP/o" "$PIXEL"
ok $? "OneTrust groups C0005:1 (youtube's group), C0004:1 (marketing): both pass"
gated onetrust "OptanonConsent=$(echo "$OT" | sed 's/C0005%3A1/C0005%3A0/')" >"$TMP/o"
! has "$TMP/o" "$YT" && has "$TMP/o" "$PIXEL"
ok $? "OneTrust C0005:0: YouTube refused"
"$GATE" banner onetrust 'isGpcEnabled=0&version=1' >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "no groups" "$TMP/err"
ok $? "an OptanonConsent without groups: $(cat "$TMP/err")"

# ------------------------------------------------ orestbida cc_cookie
CC3='{"categories":["necessary","media","marketing"],"revision":0,"data":null,"consentTimestamp":"2026-11-29T06:00:00.000Z","consentId":"x","services":{"necessary":[],"media":["youtube"],"marketing":[]},"lastConsentTimestamp":"2026-11-29T06:00:00.000Z","expirationTime":1790000000000}'
gated cc_cookie "cc_cookie=$CC3" >"$TMP/o"
has "$TMP/o" "$YT" && has "$TMP/o" "$PIXEL"
ok $? "cc_cookie v3: category media with service youtube, marketing accepted"
gated cc_cookie "cc_cookie=$(echo "$CC3" | sed 's/"media":\["youtube"\]/"media":["vimeo"]/')" >"$TMP/o"
! has "$TMP/o" "$YT"
ok $? "cc_cookie v3: media accepted but not the youtube service: refused"
CC2=$(/usr/bin/python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' '{"level":["necessary","analytics"],"revision":0,"data":null,"rfc_cookie":false}')
gated cc_cookie "cc_cookie=$CC2" >"$TMP/o"
! has "$TMP/o" "$YT" && ! has "$TMP/o" "$PIXEL"
ok $? "cc_cookie v2 (URL-encoded, level without media/marketing): refused"
"$GATE" banner cc_cookie '{"x":1}' >/dev/null 2>"$TMP/err"
[ $? -eq 1 ]
ok $? "a malformed cc_cookie: $(cat "$TMP/err")"

# ---------------------------------------------------------- Borlabs
BO=$(/usr/bin/python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1]))' '{"consents":{"essential":["borlabs-cookie"],"external-media":["youtube"]},"domainPath":"example.org/","expires":"Mon, 29 Nov 2027 06:00:00 GMT","uid":"x","version":"1"}')
gated borlabs "borlabs-cookie=$BO" >"$TMP/o"
has "$TMP/o" "$YT" && ! has "$TMP/o" "$VIMEO" && ! has "$TMP/o" "$PIXEL"
ok $? "Borlabs: youtube listed passes; vimeo (mapped, not listed) refused; the pixel (unmapped) gated"
"$GATE" banner borlabs '{"version":"1"}' >/dev/null 2>"$TMP/err"
[ $? -eq 1 ] && grep -q "consents" "$TMP/err"
ok $? "a malformed borlabs-cookie: $(cat "$TMP/err")"

# ------------------------------------------------------------ GPC
"$GATE" --providers "$P" --key-file "$TMP/keys" --cookie-header "consent=$("$GATE" cookie issue --key-file "$TMP/keys" --allow facebook-pixel,youtube,google-analytics)" \
  --gpc "$PAGE" >"$TMP/o"
! has "$TMP/o" "$PIXEL" && has "$TMP/o" "$YT"
ok $? "Sec-GPC: 1 refuses the pixel (marketing, sale_sharing) even with the site's cookie allowing it"
box() { grep -o "data-consent-provider=\"$2\".*" "$1" | head -1; }
"$GATE" --providers "$P" --gpc --gpc-categories "video marketing" "$PAGE" >"$TMP/o"
! box "$TMP/o" youtube | grep -q "data-consent-always"
c1=$?
"$GATE" --providers "$P" "$PAGE" >"$TMP/o2"
box "$TMP/o2" youtube | grep -q "data-consent-always"
ok $(( c1 | $? )) "under GPC (categories video, marketing) YouTube's placeholder offers no 'always allow'; without GPC it does"
"$GATE" --providers "$P" --sources cookie --gpc --gpc-categories video "$PAGE" >"$TMP/o"
box "$TMP/o" youtube | grep -q "data-consent-always"
ok $? "with gpc not among the sources, Sec-GPC changes nothing"
"$GATE" --sources "cookie nonsense" "$PAGE" >/dev/null 2>"$TMP/err"
[ $? -eq 2 ] && grep -q "unknown consent source 'nonsense'" "$TMP/err"
ok $? "an unknown source name is a usage error: $(head -1 "$TMP/err")"

# Provider-file mapping rules are checked.
printf '[youtube]\nbanners = nosuch:x\n' >"$TMP/bad1.conf"
printf '[youtube]\ntcf_vendor = 0\n' >"$TMP/bad2.conf"
printf '[youtube]\ntcf_purposes = 1 25\n' >"$TMP/bad3.conf"
for f in bad1 bad2 bad3; do
  "$GATE" providers --providers "$TMP/$f.conf" >/dev/null 2>"$TMP/err"
  [ $? -ne 0 ] && grep -q "$f.conf:2:" "$TMP/err"
  ok $? "provider file mapping error: $(cat "$TMP/err")"
done
done_testing
