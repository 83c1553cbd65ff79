#!/bin/sh
# consent-gate passes every byte through unchanged when the visitor allows
# every provider (a cookie that allows every category): sample pages, odd
# bytes, garbage, the benchmark corpus, and a 200 MB page in bounded
# memory.  Pages without embeds come out unchanged with no consent at all.
. "${top_srcdir:-.}/tests/cli/tap.sh"

K="$TMP/keys"
"$GATE" key new --key-file "$K" >/dev/null
ALL=$("$GATE" cookie issue --key-file "$K" --allow \
  category:video,category:audio,category:social,category:maps,category:charts,category:documents,category:fonts,category:analytics,category:marketing,category:comments,category:other)

same() { # FILE: consent-gate FILE, all allowed, is byte-identical to FILE
  f=$1
  "$GATE" --key-file "$K" --cookie "$ALL" "$f" >"$TMP/out" 2>"$TMP/err" &&
    cmp -s "$f" "$TMP/out"
}

printf '<!DOCTYPE html><title>t</title><p>No <b>embeds</b> here: <a href="https://www.youtube.com/">a link</a>.<script>var a = 1 < 2;</script>' >"$TMP/plain.html"
"$GATE" "$TMP/plain.html" | cmp -s - "$TMP/plain.html"
ok $? "a page without embeds comes out unchanged without any consent"

for f in "$top_srcdir"/examples/*.html; do
  same "$f"
  ok $? "identical: examples/$(basename "$f")"
done

printf 'a\0b<p \0x="\0">\0</p><script>\0</script>' >"$TMP/nul.html"
same "$TMP/nul.html"; ok $? "identical: NUL bytes"
printf 'x\377\376<p title="\300\200">\355\240\200\xf4\x90\x80\x80</p>\303' >"$TMP/utf8.html"
same "$TMP/utf8.html"; ok $? "identical: invalid UTF-8"
printf '<div class="unterminated' >"$TMP/tag.html"
same "$TMP/tag.html"; ok $? "identical: unterminated tag"
printf '<!-- unterminated <iframe src=x>' >"$TMP/comment.html"
same "$TMP/comment.html"; ok $? "identical: unterminated comment"
printf 'a\r\nb\rc\r' >"$TMP/crlf.html"
same "$TMP/crlf.html"; ok $? "identical: CR and CR LF kept as they are"
printf '\357\273\277<!DOCTYPE html><p>BOM</p>' >"$TMP/bom.html"
same "$TMP/bom.html"; ok $? "identical: byte order mark"
# (A UTF-16 byte order mark is not kept: the page is read as a browser
# reads it, as UTF-16, and sent as UTF-8 with a UTF-8 one.)
printf '\377\376<\0p\0>\0\254\040<\0/\0p\0>\0' >"$TMP/utf16.html"
"$GATE" "$TMP/utf16.html" | od -An -c | tr -s ' ' | grep -q "357 273 277 < p > 342 202 254 < / p >"
ok $? "a UTF-16 page comes out as UTF-8 with a UTF-8 byte order mark"

seed=1
while [ $seed -le 20 ]; do
  "$RANDHTML" --garbage --seed $seed 300k >"$TMP/g.html"
  same "$TMP/g.html" || break
  seed=$((seed + 1))
done
ok $([ $seed -gt 20 ]; echo $?) "identical: 20 pages of random garbage (300 KiB each)"

# The benchmark corpus (real pages), when build.sh has fetched it.
corpus=${CONSENT_CORPUS:-}
if [ -n "$corpus" ]; then
  n=0; bad=0
  for f in "$corpus"/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    same "$f" || { bad=$((bad + 1)); diag "differs: $f"; }
  done
  [ $n -gt 0 ] && [ $bad -eq 0 ]
  ok $? "identical: all $n pages of the benchmark corpus ($bad differ)"
fi

# 200 MB through a pipe: same bytes, peak RSS bounded.
big=200M; garbage=50M
sanitized && { big=20M; garbage=5M; }
"$RANDHTML" --seed 7 $big |
  "$MAXRSS" "$GATE" --key-file "$K" --cookie "$ALL" 2>"$TMP/rss" | cksum >"$TMP/a"
"$RANDHTML" --seed 7 $big | cksum >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b"
ok $? "identical: a $big page streamed through a pipe"
rss=$(sed -n 's/^maxrss //p' "$TMP/rss")
diag "peak RSS for $big: ${rss} KiB"
if sanitized; then
  skip "peak RSS for $big under 16 MiB" "sanitizer build"
else
  [ -n "$rss" ] && [ "$rss" -lt 16384 ]
  ok $? "peak RSS for $big under 16 MiB (${rss} KiB)"
fi

"$RANDHTML" --garbage --seed 9 $garbage >"$TMP/big.html"
"$MAXRSS" "$GATE" --key-file "$K" --cookie "$ALL" "$TMP/big.html" 2>"$TMP/rss" >"$TMP/out"
cmp -s "$TMP/big.html" "$TMP/out"
ok $? "identical: $garbage of garbage from a file"
rss=$(sed -n 's/^maxrss //p' "$TMP/rss")
if sanitized; then
  skip "peak RSS for $garbage of garbage under 16 MiB" "sanitizer build"
else
  [ -n "$rss" ] && [ "$rss" -lt 16384 ]
  ok $? "peak RSS for $garbage of garbage under 16 MiB (${rss} KiB)"
fi

done_testing
