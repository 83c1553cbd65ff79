#!/bin/sh
# consent-gate's consent commands: key new, cookie issue/verify,
# providers, match.
. "${top_srcdir:-.}/tests/cli/tap.sh"

K="$TMP/keys"
"$GATE" key new --key-file "$K" >"$TMP/out"
ok $? "key new creates a key file: $(cat "$TMP/out")"
[ "$(stat -c %a "$K")" = 600 ]
ok $? "the key file is mode 0600"
"$GATE" key new --key-file "$K" >"$TMP/out" && grep -q "^key 2 added" "$TMP/out"
ok $? "key new adds a second key, which signs"
[ "$(grep -c '^[0-9]' "$K")" = 2 ]
ok $? "the file lists both keys"

V=$("$GATE" cookie issue --key-file "$K" --allow youtube,category:maps \
     --deny x --policy-version 3 --receipt 2>"$TMP/receipt")
ok $? "cookie issue prints a value (${#V} bytes)"
grep -q '"allowed":\["youtube"\],"allowed_categories":\["maps"\],"denied":\["x"\]' "$TMP/receipt"
ok $? "--receipt writes the receipt to standard error"
"$GATE" cookie verify --key-file "$K" --policy-version 3 "$V" >"$TMP/json"
ok $? "cookie verify accepts it"
grep -q '"youtube":{"allowed":true' "$TMP/json" &&
  grep -q '"x":{"allowed":false' "$TMP/json" &&
  grep -q '"allowed":\["youtube","google-maps","openstreetmap"\]' "$TMP/json" &&
  grep -q '"key_id":2' "$TMP/json"
ok $? "and prints the consent it carries as JSON"
echo "$V" | "$GATE" cookie verify --key-file "$K" --policy-version 3 - >/dev/null
ok $? "VALUE - reads standard input"
"$GATE" cookie verify --key-file "$K" --header "a=1; consent=$V; b=2" >/dev/null
ok $? "--header finds the cookie in a Cookie header"

"$GATE" cookie verify --key-file "$K" --policy-version 4 "$V" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "rejected: the consent was given under an older policy version" "$TMP/err"
ok $? "a raised policy version: exit 1 with the reason"
"$GATE" cookie verify --key-file "$K" --now 99999999999 "$V" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "expired" "$TMP/err"
ok $? "expired: exit 1"
"$GATE" cookie verify --key-file "$K" --now 1000000 "$V" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "issued in the future" "$TMP/err"
ok $? "from the future: exit 1"
F=$(printf '%s' "$V" | sed 's/.$/A/; t; s/$//')
[ "$F" = "$V" ] && F=$(printf '%s' "$V" | sed 's/.$/B/')
"$GATE" cookie verify --key-file "$K" "$F" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -Eq "signature does not match|not well formed" "$TMP/err"
ok $? "a forged value: exit 1 ($(cat "$TMP/err"))"
"$GATE" cookie verify --key-file "$K" 'not a cookie!' 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "not well formed" "$TMP/err"
ok $? "garbage: exit 1"
"$GATE" key new --key-file "$TMP/other" >/dev/null
"$GATE" cookie verify --key-file "$TMP/other" "$V" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "unknown key" "$TMP/err"
ok $? "another site's keys: unknown key"

"$GATE" cookie issue --key-file "$K" --allow youtube,nosuch 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && grep -q "'nosuch': no such provider" "$TMP/err"
ok $? "an unknown provider: exit 2 naming it"
"$GATE" cookie issue --allow youtube 2>"$TMP/err" >/dev/null
[ $? -eq 2 ] && grep -q -- "--key-file FILE is needed" "$TMP/err"
ok $? "no key file: exit 2"
printf '1 2025-01-01T00:00:00Z tooshort\n' >"$TMP/badkeys"
"$GATE" cookie issue --key-file "$TMP/badkeys" --allow youtube 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "badkeys:1: the secret is not 32 bytes" "$TMP/err"
ok $? "a broken key file: exit 1 naming file and line"
"$GATE" cookie issue --key-file "$K" --allow vimeo --set-cookie \
  --domain example.org >"$TMP/out"
grep -Eq '^consent=[A-Za-z0-9_-]+; Max-Age=31536000; Path=/; Domain=example.org; Secure; HttpOnly; SameSite=Lax$' "$TMP/out"
ok $? "--set-cookie prints a Set-Cookie value"

"$GATE" providers >"$TMP/out"
[ "$(wc -l <"$TMP/out")" -ge 40 ] && grep -q '^youtube ' "$TMP/out"
ok $? "providers lists $(wc -l <"$TMP/out") built-in providers"
"$GATE" providers --json | grep -q '"id": "google-fonts", "name": "Google Fonts", "category": "fonts"'
ok $? "providers --json"
printf '[mine]\nname = Mine\nhosts = mine.example\n' >"$TMP/p.conf"
"$GATE" match --providers "$TMP/p.conf" https://www.youtube.com/embed/x \
  https://cdn.mine.example/x https://notyoutube.com/ >"$TMP/out"
printf 'youtube\thttps://www.youtube.com/embed/x\nmine\thttps://cdn.mine.example/x\n-\thttps://notyoutube.com/\n' | cmp -s - "$TMP/out"
ok $? "match names each URL's provider, with a provider file"
printf '[mine]\ncategory = nope\n' >"$TMP/bad.conf"
"$GATE" providers --providers "$TMP/bad.conf" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] && grep -q "bad.conf:2: category: 'nope'" "$TMP/err"
ok $? "a broken provider file: exit 1 naming file and line"

done_testing
